#!/usr/bin/env python3
"""Regenerates tests/fixtures/int8/: small fully-int8 .tflite models made by TensorFlow's
converter, and the LiteRT interpreter's int8 outputs for a set of inputs, so that
tests/int8_tflite.rs can check stacknet's importer and int8 kernels bit for bit without
TensorFlow installed.

    python3 tools/tflite_fixtures.py               # retrain, reconvert, rewrite everything
    python3 tools/tflite_fixtures.py --cases-only  # rerun the interpreter on the committed models

Besides the .tflite files it writes <model>.cases (a few inputs with the interpreter's
outputs, readable) and <model>.outputs (binary: LiteRT's int8 outputs for every row of the
data file, and which rows are in the test split), and summary.json.

Installs tensorflow-cpu and ai-edge-litert into target/tflite-venv (once) and re-runs itself
there. Never needed by CI: the outputs are committed. Seeded, but TensorFlow's training is
not bit-reproducible across machines: rerunning changes the models, and the committed
outputs with them (always regenerate both together).

Models (inputs scaled to [0, 1], as stacknet's datasets):
  digits_mlp    64 -> Dense 100 ReLU -> Dense 10 (8x8 digits, data/digits.csv.gz)
  mnist_cnn     LeNet-style: 28x28x1 -> Conv 5x5x8 ReLU -> MaxPool 2 -> Conv 5x5x16 ReLU
                -> MaxPool 2 -> Flatten -> Dense 10 (data/mnist_5k.csv.gz)
  ops_cnn       8x8x1 -> Conv 3x3x4 stride 2 SAME ReLU6 -> AvgPool 2 -> Flatten -> Dense 10:
                the other ops and padding (digits)
  dynamic_flatten  a CNN converted with an unknown batch size: Flatten becomes SHAPE,
                STRIDED_SLICE, PACK, RESHAPE (the importer must refuse it)
  per_tensor_conv  a CNN converted with per-channel quantization disabled (refused too)
"""
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "target" / "tflite-venv"
OUT = ROOT / "tests" / "fixtures" / "int8"


def ensure_venv():
    py = VENV / "bin" / "python"
    if Path(sys.executable).resolve() == py.resolve() if py.exists() else False:
        return
    if os.environ.get("STACKNET_TFLITE_VENV") == "1":
        return
    if not py.exists():
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
    subprocess.check_call([str(py), "-m", "pip", "install", "-q", "tensorflow-cpu", "ai-edge-litert"])
    env = dict(os.environ, STACKNET_TFLITE_VENV="1", TF_CPP_MIN_LOG_LEVEL="2")
    sys.exit(subprocess.call([str(py), __file__, *sys.argv[1:]], env=env))


def load_csv(name, max_value):
    import numpy as np
    rows = np.loadtxt(gzip.open(ROOT / "data" / name, "rt"), delimiter=",", dtype=np.float32)
    x, y = rows[:, :-1] / max_value, rows[:, -1].astype(np.int64)
    rng = np.random.default_rng(1)
    order = rng.permutation(len(x))
    return x[order], y[order]


def convert(model, calibration, per_channel=True):
    import tensorflow as tf

    def representative():
        for row in calibration:
            yield [row[None, ...].astype("float32")]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    if not per_channel:
        conv._experimental_disable_per_channel = True
    return conv.convert()


def run_interpreter(blob, xs, reference_kernels=False):
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    kind = OpResolverType.BUILTIN_REF if reference_kernels else OpResolverType.AUTO
    it = Interpreter(model_content=blob, experimental_op_resolver_type=kind)
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    scale, zp = inp["quantization"]
    qs, ys = [], []
    for x in xs:
        q = np.clip(np.round(x / scale) + zp, -128, 127).astype(np.int8).reshape(inp["shape"])
        it.set_tensor(inp["index"], q)
        it.invoke()
        qs.append(q.reshape(-1))
        ys.append(it.get_tensor(out["index"]).reshape(-1).copy())
    return np.array(qs), np.array(ys)


def write_cases(name, qs, ys, ys_ref):
    with open(OUT / f"{name}.cases", "w") as f:
        f.write(f"# LiteRT int8 outputs of {name}.tflite: 'in' int8 input (flattened NHWC),\n")
        f.write("# 'out' the interpreter's int8 output with its default (optimized) kernels,\n")
        f.write("# 'ref' with its reference kernels (BUILTIN_REF).\n")
        f.write("# Written by tools/tflite_fixtures.py.\n")
        for q, y, r in zip(qs, ys, ys_ref):
            f.write("in " + " ".join(map(str, q.tolist())) + "\n")
            f.write("out " + " ".join(map(str, y.tolist())) + "\n")
            f.write("ref " + " ".join(map(str, r.tolist())) + "\n")


FULL = [  # model, data file, max pixel value, training samples (the rest is TF's test split)
    ("digits_mlp", "digits.csv.gz", 16.0, 1348),
    ("ops_cnn", "digits.csv.gz", 16.0, 1348),
    ("mnist_cnn", "mnist_5k.csv.gz", 255.0, 4000),
]


def full_outputs():
    """Writes <model>.outputs: for every row of the data file, in file order, one byte that
    is 1 when the row is in the seeded test split used above, then LiteRT's 10 int8
    outputs for it with its default kernels (XNNPACK), then 10 with its reference kernels
    (BUILTIN_REF); inputs quantized as run_interpreter does."""
    import numpy as np
    for name, data, max_value, n_train in FULL:
        rows = np.loadtxt(gzip.open(ROOT / "data" / data, "rt"), delimiter=",", dtype=np.float32)
        x = rows[:, :-1] / max_value
        order = np.random.default_rng(1).permutation(len(x))
        test = np.zeros(len(x), dtype=np.uint8)
        test[order[n_train:]] = 1
        blob = (OUT / f"{name}.tflite").read_bytes()
        _, ys = run_interpreter(blob, x)
        _, refs = run_interpreter(blob, x, reference_kernels=True)
        with open(OUT / f"{name}.outputs", "wb") as f:
            for t, y, r in zip(test, ys, refs):
                f.write(bytes([t]) + y.astype(np.int8).tobytes() + r.astype(np.int8).tobytes())
        labels = rows[:, -1].astype(np.int64)
        acc = float((np.argmax(ys, axis=1) == labels)[test == 1].mean())
        print(name, "int8 test accuracy over the full file:", acc)


def cases_only():
    """Rewrites the .cases files from the committed .tflite files and their 'in' lines."""
    import numpy as np
    for path in sorted(OUT.glob("*.cases")):
        blob = (OUT / (path.stem + ".tflite")).read_bytes()
        from ai_edge_litert.interpreter import Interpreter
        it = Interpreter(model_content=blob)
        scale, zp = it.get_input_details()[0]["quantization"]
        ins = [np.array(line.split()[1:], dtype=np.float32) for line in open(path)
               if line.startswith("in ")]
        xs = [(q - zp) * scale for q in ins]
        qs, ys = run_interpreter(blob, xs)
        assert all((a == b).all() for a, b in zip(qs, ins)), "inputs did not round-trip"
        _, ys_ref = run_interpreter(blob, xs, reference_kernels=True)
        write_cases(path.stem, qs, ys, ys_ref)
        print(path.stem, "optimized == reference:", bool((ys == ys_ref).all()))


def main():
    import numpy as np
    import tensorflow as tf
    from tensorflow import keras
    keras.utils.set_random_seed(1)
    OUT.mkdir(parents=True, exist_ok=True)
    summary = {}

    dx, dy = load_csv("digits.csv.gz", 16.0)
    mx, my = load_csv("mnist_5k.csv.gz", 255.0)
    d_train, d_test = (dx[:1348], dy[:1348]), (dx[1348:], dy[1348:])
    m_train, m_test = (mx[:4000], my[:4000]), (mx[4000:], my[4000:])

    def keras_accuracy(model, x, y):
        return float((np.argmax(model.predict(x, verbose=0), axis=1) == y).mean())

    def int8_accuracy(blob, x, y):
        _, out = run_interpreter(blob, x)
        return float((np.argmax(out, axis=1) == y).mean())

    def train(model, x, y, epochs):
        model.compile(optimizer=keras.optimizers.Adam(1e-3),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        model.fit(x, y, batch_size=32, epochs=epochs, verbose=0)
        return model

    def fixed(model_fn, shape):
        """The trained weights in a copy whose batch size is fixed to 1."""
        return model_fn(keras.Input(shape=shape, batch_size=1))

    # digits MLP
    def mlp(inp):
        h = keras.layers.Dense(100, activation="relu")(inp)
        return keras.Model(inp, keras.layers.Dense(10)(h))
    m = train(mlp(keras.Input(shape=(64,))), *d_train, epochs=60)
    m1 = fixed(mlp, (64,)); m1.set_weights(m.get_weights())
    models = {"digits_mlp": (m1, d_train[0][:300], d_test, 40)}

    # MNIST LeNet-style CNN
    def lenet(inp):
        h = keras.layers.Conv2D(8, 5, activation="relu")(inp)
        h = keras.layers.MaxPooling2D(2)(h)
        h = keras.layers.Conv2D(16, 5, activation="relu")(h)
        h = keras.layers.MaxPooling2D(2)(h)
        return keras.Model(inp, keras.layers.Dense(10)(keras.layers.Flatten()(h)))
    mx_train = m_train[0].reshape(-1, 28, 28, 1)
    mx_test = (m_test[0].reshape(-1, 28, 28, 1), m_test[1])
    c = train(lenet(keras.Input(shape=(28, 28, 1))), mx_train, m_train[1], epochs=12)
    c1 = fixed(lenet, (28, 28, 1)); c1.set_weights(c.get_weights())
    models["mnist_cnn"] = (c1, mx_train[:300], mx_test, 20)

    # the remaining ops: stride-2 SAME conv with ReLU6, average pooling
    def ops(inp):
        h = keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu6")(inp)
        h = keras.layers.AveragePooling2D(2)(h)
        return keras.Model(inp, keras.layers.Dense(10)(keras.layers.Flatten()(h)))
    dx_img = d_train[0].reshape(-1, 8, 8, 1)
    o = train(ops(keras.Input(shape=(8, 8, 1))), dx_img, d_train[1], epochs=30)
    o1 = fixed(ops, (8, 8, 1)); o1.set_weights(o.get_weights())
    models["ops_cnn"] = (o1, dx_img[:300], (d_test[0].reshape(-1, 8, 8, 1), d_test[1]), 20)

    for name, (model, calib, (tx, ty), cases) in models.items():
        blob = convert(model, calib)
        (OUT / f"{name}.tflite").write_bytes(blob)
        qs, ys = run_interpreter(blob, tx[:cases])
        _, ys_ref = run_interpreter(blob, tx[:cases], reference_kernels=True)
        write_cases(name, qs, ys, ys_ref)
        summary[name] = {
            "float_test_accuracy": keras_accuracy(model, tx, ty),
            "int8_test_accuracy": int8_accuracy(blob, tx, ty),
            "test_samples": int(len(ty)),
            "reference_kernels_agree": bool((ys == ys_ref).all()),
            "tflite_bytes": len(blob),
        }
        print(name, summary[name])

    # Refused by the importer: a dynamic batch (Flatten as SHAPE/STRIDED_SLICE/PACK/RESHAPE)
    # and per-tensor conv weights.
    def tiny(inp):
        h = keras.layers.Conv2D(2, 3, activation="relu")(inp)
        return keras.Model(inp, keras.layers.Dense(10)(keras.layers.Flatten()(h)))
    t = tiny(keras.Input(shape=(8, 8, 1)))
    (OUT / "dynamic_flatten.tflite").write_bytes(convert(t, dx_img[:50]))
    t1 = fixed(tiny, (8, 8, 1)); t1.set_weights(t.get_weights())
    (OUT / "per_tensor_conv.tflite").write_bytes(convert(t1, dx_img[:50], per_channel=False))

    with open(OUT / "summary.json", "w") as f:
        json.dump({"tensorflow": tf.__version__, "models": summary}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    ensure_venv()
    if sys.argv[1:] == ["--cases-only"]:
        cases_only()
        full_outputs()
    else:
        main()
        full_outputs()
