//! The committed PyTorch fixtures of the sequence layers (tests/fixtures/seq/, written by
//! tools/seq_fixtures.py) say what their README says: every tensor has its declared shape,
//! and outputs and gradients are recomputed here independently in f64 from the documented
//! equations (Conv1d and pooling directly; GRU with gates r, z, n and LSTM with gates i, f,
//! g, o forward, their gradients by central differences). A layer test can then trust them.

use std::collections::HashMap;

struct Tensor {
    dims: Vec<usize>,
    values: Vec<f64>,
}

type Fixture = HashMap<String, Tensor>;

fn load(file: &str) -> Fixture {
    let path = format!("{}/tests/fixtures/seq/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect(&path);
    let mut out = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let name = words.next().unwrap().to_string();
        let dims: Vec<usize> = words
            .next()
            .unwrap_or_else(|| panic!("{file}:{}: no shape", i + 1))
            .split('x')
            .map(|d| d.parse().unwrap())
            .collect();
        let values: Vec<f64> = words.map(|v| v.parse().unwrap()).collect();
        assert_eq!(
            dims.iter().product::<usize>(),
            values.len(),
            "{file}:{}: {name} has the wrong number of values",
            i + 1
        );
        assert!(values.iter().all(|v| v.is_finite()), "{file}: {name}");
        assert!(out.insert(name, Tensor { dims, values }).is_none());
    }
    out
}

fn get<'a>(f: &'a Fixture, name: &str, dims: &[usize]) -> &'a [f64] {
    let t = f.get(name).unwrap_or_else(|| panic!("missing {name}"));
    assert_eq!(t.dims, dims, "shape of {name}");
    &t.values
}

fn assert_close(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}");
    let worst = got
        .iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst <= tol, "{what}: max |diff| {worst:e} > {tol:e}");
}

/// Printed with 9 significant digits: recomputing from printed inputs differs by ~1e-9.
const TOL: f64 = 1e-7;

#[test]
fn conv1d_fixtures_match_a_direct_computation() {
    // (file, in, out, kernel, stride, padding, length)
    for (file, cin, cout, k, stride, pad, len) in [
        ("conv1d_s2p1.txt", 3, 4, 3, 2, 1, 9),
        ("conv1d_s1p0.txt", 3, 2, 2, 1, 0, 6),
    ] {
        let f = load(file);
        let lout = (len + 2 * pad - k) / stride + 1;
        let w = get(&f, "weight", &[cout, cin, k]);
        let b = get(&f, "bias", &[cout]);
        let x = get(&f, "input", &[cin, len]);
        let up = get(&f, "upstream_out", &[cout, lout]);
        // Input position read by output step t and kernel tap j, if inside the series.
        let at = |t: usize, j: usize| (t * stride + j).checked_sub(pad).filter(|&p| p < len);
        let mut y = vec![0.0; cout * lout];
        let mut gw = vec![0.0; cout * cin * k];
        let mut gx = vec![0.0; cin * len];
        let mut gb = vec![0.0; cout];
        for o in 0..cout {
            for t in 0..lout {
                let g = up[o * lout + t];
                let mut s = b[o];
                gb[o] += g;
                for i in 0..cin {
                    for j in 0..k {
                        if let Some(p) = at(t, j) {
                            s += w[(o * cin + i) * k + j] * x[i * len + p];
                            gw[(o * cin + i) * k + j] += g * x[i * len + p];
                            gx[i * len + p] += g * w[(o * cin + i) * k + j];
                        }
                    }
                }
                y[o * lout + t] = s;
            }
        }
        assert_close(file, &y, get(&f, "output_out", &[cout, lout]), TOL);
        assert_close(file, &gw, get(&f, "grad_weight_out", &[cout, cin, k]), TOL);
        assert_close(file, &gb, get(&f, "grad_bias_out", &[cout]), TOL);
        assert_close(file, &gx, get(&f, "grad_input_out", &[cin, len]), TOL);
    }
}

#[test]
fn pooling_fixture_matches_a_direct_computation() {
    let f = load("pool1d.txt");
    let (c, len) = (3, 8);
    let x = get(&f, "input", &[c, len]);
    // (name, kernel, stride, max?)
    for (name, k, s, max) in [("maxpool_k2s2", 2, 2, true), ("avgpool_k3s2", 3, 2, false)] {
        let lout = (len - k) / s + 1;
        let up = get(&f, &format!("upstream_{name}"), &[c, lout]);
        let mut y = vec![0.0; c * lout];
        let mut gx = vec![0.0; c * len];
        for ch in 0..c {
            for t in 0..lout {
                let window = &x[ch * len + t * s..ch * len + t * s + k];
                let g = up[ch * lout + t];
                if max {
                    let (arg, &m) = window
                        .iter()
                        .enumerate()
                        .max_by(|a, b| a.1.total_cmp(b.1))
                        .unwrap();
                    y[ch * lout + t] = m;
                    gx[ch * len + t * s + arg] += g;
                } else {
                    y[ch * lout + t] = window.iter().sum::<f64>() / k as f64;
                    for j in 0..k {
                        gx[ch * len + t * s + j] += g / k as f64;
                    }
                }
            }
        }
        assert_close(
            name,
            &y,
            get(&f, &format!("output_{name}"), &[c, lout]),
            TOL,
        );
        assert_close(
            name,
            &gx,
            get(&f, &format!("grad_input_{name}"), &[c, len]),
            TOL,
        );
    }
    let up = get(&f, "upstream_global_avg", &[c]);
    let mean: Vec<f64> = (0..c)
        .map(|ch| x[ch * len..(ch + 1) * len].iter().sum::<f64>() / len as f64)
        .collect();
    assert_close("global_avg", &mean, get(&f, "output_global_avg", &[c]), TOL);
    let gx: Vec<f64> = (0..c * len).map(|i| up[i / len] / len as f64).collect();
    assert_close(
        "global_avg grad",
        &gx,
        get(&f, "grad_input_global_avg", &[c, len]),
        TOL,
    );
}

fn sigmoid(v: f64) -> f64 {
    1.0 / (1.0 + (-v).exp())
}

/// Row `row` of a `rows × cols` matrix times `v`.
fn dot_row(m: &[f64], cols: usize, row: usize, v: &[f64]) -> f64 {
    m[row * cols..(row + 1) * cols]
        .iter()
        .zip(v)
        .map(|(a, b)| a * b)
        .sum()
}

/// Parameters in the fixture's order: weight_ih, weight_hh, bias_ih, bias_hh, then the input.
struct Recurrent {
    lstm: bool,
    features: usize,
    hidden: usize,
    steps: usize,
}

impl Recurrent {
    /// (every hidden state, final hidden state) for flat parameters `p` and input `x`.
    fn forward(&self, p: &[Vec<f64>], x: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (nf, nh) = (self.features, self.hidden);
        let (wi, wh, bi, bh) = (&p[0], &p[1], &p[2], &p[3]);
        let mut h = vec![0.0; nh];
        let mut c = vec![0.0; nh];
        let mut seq = Vec::new();
        for t in 0..self.steps {
            let xt = &x[t * nf..(t + 1) * nf];
            // Pre-activations of gate block g, unit u, input and hidden parts apart.
            let pre_i = |g: usize, u: usize| dot_row(wi, nf, g * nh + u, xt) + bi[g * nh + u];
            let pre_h = |g: usize, u: usize| dot_row(wh, nh, g * nh + u, &h) + bh[g * nh + u];
            let mut next = vec![0.0; nh];
            if self.lstm {
                for u in 0..nh {
                    let gate = |g| pre_i(g, u) + pre_h(g, u);
                    let (i, f, g, o) = (
                        sigmoid(gate(0)),
                        sigmoid(gate(1)),
                        gate(2).tanh(),
                        sigmoid(gate(3)),
                    );
                    c[u] = f * c[u] + i * g;
                    next[u] = o * c[u].tanh();
                }
            } else {
                for u in 0..nh {
                    let r = sigmoid(pre_i(0, u) + pre_h(0, u));
                    let z = sigmoid(pre_i(1, u) + pre_h(1, u));
                    let n = (pre_i(2, u) + r * pre_h(2, u)).tanh();
                    next[u] = (1.0 - z) * n + z * h[u];
                }
            }
            h = next;
            seq.extend_from_slice(&h);
        }
        (seq, h)
    }
}

fn check_recurrent(file: &str, net: Recurrent) {
    let f = load(file);
    let gates = if net.lstm { 4 } else { 3 };
    let (nf, nh, nt) = (net.features, net.hidden, net.steps);
    let names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh", "input"];
    let shapes: [Vec<usize>; 5] = [
        vec![gates * nh, nf],
        vec![gates * nh, nh],
        vec![gates * nh],
        vec![gates * nh],
        vec![nt, nf],
    ];
    let mut p: Vec<Vec<f64>> = names
        .iter()
        .zip(&shapes)
        .map(|(n, s)| get(&f, n, s).to_vec())
        .collect();
    let (seq, last) = net.forward(&p[..4], &p[4]);
    assert_close(file, &seq, get(&f, "output_seq", &[nt, nh]), TOL);
    assert_close(file, &last, get(&f, "output_last", &[nh]), TOL);
    for out in ["seq", "last"] {
        let up_dims: &[usize] = if out == "seq" { &[nt, nh] } else { &[nh] };
        let up = get(&f, &format!("upstream_{out}"), up_dims).to_vec();
        let loss = |p: &[Vec<f64>]| {
            let (seq, last) = net.forward(&p[..4], &p[4]);
            let y = if out == "seq" { seq } else { last };
            y.iter().zip(&up).map(|(a, b)| a * b).sum::<f64>()
        };
        for (k, name) in names.iter().enumerate() {
            let grad_name = format!("grad_{name}_{out}");
            let want = get(&f, &grad_name, &shapes[k]).to_vec();
            let eps = 1e-6;
            let numeric: Vec<f64> = (0..p[k].len())
                .map(|i| {
                    let v = p[k][i];
                    p[k][i] = v + eps;
                    let plus = loss(&p);
                    p[k][i] = v - eps;
                    let minus = loss(&p);
                    p[k][i] = v;
                    (plus - minus) / (2.0 * eps)
                })
                .collect();
            assert_close(&format!("{file} {grad_name}"), &numeric, &want, 1e-7);
        }
    }
}

#[test]
fn gru_fixture_follows_pytorch_equations_r_z_n() {
    check_recurrent(
        "gru.txt",
        Recurrent {
            lstm: false,
            features: 3,
            hidden: 4,
            steps: 5,
        },
    );
}

#[test]
fn lstm_fixture_follows_pytorch_equations_i_f_g_o() {
    check_recurrent(
        "lstm.txt",
        Recurrent {
            lstm: true,
            features: 3,
            hidden: 4,
            steps: 5,
        },
    );
    // The final cell state is recorded too.
    assert_eq!(load("lstm.txt")["output_last_cell"].dims, [4]);
}
