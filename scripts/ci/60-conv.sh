#!/usr/bin/env bash
# Issue 6 (convolution): Conv2d / MaxPool2d / AvgPool2d / Flatten / Unflatten.
#   - unit tests and doctests of the layers (the compile_fail doctests prove that a wrong
#     output size is a build error),
#   - finite-difference gradient checks (tests/gradcheck_conv.rs),
#   - comparison with the committed PyTorch fixture (tests/torch_conv.rs; no Python needed),
#   - CNN training on the committed digits / MNIST subset (tests/cnn.rs, about 25 s),
#   - the CNN example builds.
# Everything with `--features std` so the library is compiled in one configuration only.
# Budget: about 2 minutes on 2 cores including compilation.
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo test --features std --lib layers::
cargo test --features std --test gradcheck_conv --test torch_conv --test cnn
cargo test --features std --doc layers::
cargo build --features plot,progress --example cnn
