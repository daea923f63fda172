"""numpy peer, written the way the from-scratch blog posts write it: one sample at a time,
weights as float32 arrays, np.dot / np.outer, sigmoid via np.exp. Same workloads as
benches/common/mod.rs. Prints "numpy <workload> <ns>" lines."""

import numpy as np

from common import XOR_T, XOR_X, inputs, targets10, time_median, uniform


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def relu(x):
    return np.maximum(x, 0.0)


class Net:
    """IN-HID-OUT with a sigmoid or ReLU hidden layer. OUT == 1: sigmoid + MSE (XOR);
    otherwise logits + softmax cross-entropy."""

    def __init__(self, n_in, n_hid, n_out, act, seed=7):
        rng = np.random.default_rng(seed)
        self.w1 = uniform(rng, (n_hid, n_in), n_in, n_hid)
        self.b1 = np.zeros(n_hid, dtype=np.float32)
        self.w2 = uniform(rng, (n_out, n_hid), n_hid, n_out)
        self.b2 = np.zeros(n_out, dtype=np.float32)
        self.act = act

    def forward(self, x):
        h = np.dot(self.w1, x) + self.b1
        h = sigmoid(h) if self.act == "sigmoid" else relu(h)
        return h, np.dot(self.w2, h) + self.b2

    def infer(self, x):
        return self.forward(x)[1]

    def grads(self, x, t):
        h, z = self.forward(x)
        if z.shape[0] == 1:
            y = sigmoid(z)
            err = y - t
            loss = np.mean(err ** 2)
            dz = 2.0 * err * y * (1.0 - y)
        else:
            e = np.exp(z - np.max(z))
            p = e / np.sum(e)
            loss = -np.sum(t * np.log(p))
            dz = p - t
        dh = np.dot(self.w2.T, dz)
        dh *= h * (1.0 - h) if self.act == "sigmoid" else (h > 0)
        return loss, np.outer(dz, h), dz, np.outer(dh, x), dh

    def step(self, x, t, lr):
        loss, gw2, gb2, gw1, gb1 = self.grads(x, t)
        self.w2 -= lr * gw2
        self.b2 -= lr * gb2
        self.w1 -= lr * gw1
        self.b1 -= lr * gb1
        return loss

    def epoch(self, xs, ts, lr):
        """Full batch, as the XOR posts do it: sum the per-sample gradients, one update."""
        acc = None
        for x, t in zip(xs, ts):
            g = self.grads(x, t)[1:]
            acc = g if acc is None else [a + b for a, b in zip(acc, g)]
        n = len(xs)
        for p, g in zip((self.w2, self.b2, self.w1, self.b1), acc):
            p -= (lr / n) * g


def main():
    t10 = targets10()
    cases = [
        ("xor", Net(2, 4, 1, "sigmoid"), XOR_X, XOR_T, 0.5),
        ("digits", Net(64, 100, 10, "sigmoid"), inputs(64, 0), t10, 0.01),
        ("mnist", Net(784, 128, 10, "relu"), inputs(784, 1), t10, 0.01),
    ]
    for name, net, xs, ts, lr in cases:
        n = len(xs)
        state = {"i": 0}

        def nxt():
            i = state["i"]
            state["i"] = (i + 1) % n
            return i

        time_median(f"numpy {name}_infer", lambda: net.infer(xs[nxt()]))
        time_median(f"numpy {name}_step", lambda: (lambda i: net.step(xs[i], ts[i], lr))(nxt()))
        if name == "xor":
            time_median("numpy xor_epoch", lambda: net.epoch(xs, ts, lr))


if __name__ == "__main__":
    main()
