#!/usr/bin/env bash
# Issue 7: the weight format (src/format), models as statics (src/std/codegen.rs) and the
# PyTorch round trip (tools/). From the repository root, on a fresh machine:
#  1. Rust tests, all with `--features std` (one build configuration, shared with 60-conv):
#     unit tests and doctests of format/codegen; tests/format.rs (golden image written by
#     Python, errors leave the model unchanged, bounded proptest of random / truncated /
#     bit-flipped images); tests/torch_equivalence.rs (committed PyTorch fixtures, 1e-5,
#     no Python); tests/codegen.rs (generated statics compile, are up to date, and give
#     bit-identical outputs); the flash_model example runs.
#  2. Python tools: tools/test_stacknet_format.py (signature, CRC and bytes identical to
#     Rust; needs numpy only). If PyTorch is importable, also its torch tests and the
#     round trip (stacknet-trained model imported into PyTorch, tools/torch_roundtrip.py on
#     a scratch copy of the committed fixture). PyTorch is NOT installed here: the CPU wheel
#     (~200 MB) does not fit the budget; the committed tests/fixtures/torch/roundtrip/
#     torch_outputs.txt is its recorded output and tests/torch_equivalence.rs checks it.
#  3. A bounded fuzz run of the loader (fuzz/fuzz_targets/load.rs, FUZZ_SECONDS, default 60)
#     built with libFuzzer's coverage flags on *stable* Rust (what `cargo fuzz build` does,
#     minus the nightly-only AddressSanitizer, which safe Rust does not need), so CI needs
#     neither nightly nor a 3-minute `cargo install cargo-fuzz`. Fails on any crash.
# Budget: 2 minutes on 2 cores with a warm test build (fuzz build ~30 s + 60 s run).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
log() { printf '40-format: %s\n' "$*" >&2; }
start=$SECONDS

# --- 1. Rust tests -------------------------------------------------------------------------
log "cargo tests (format, codegen, torch equivalence)"
cargo test --quiet --features std --lib -- format:: std::codegen::
cargo test --quiet --features std --test format --test format_seq --test torch_equivalence --test codegen \
  -- --nocapture 2>&1 | grep -E 'max \||test result|FAILED|panicked' || true
# grep hides cargo's exit status: re-run quietly to fail the script on a test failure.
cargo test --quiet --features std --test format --test format_seq --test torch_equivalence --test codegen >/dev/null
cargo test --quiet --features std --doc -- format std::codegen
cargo run --quiet --example flash_model >/dev/null

# --- 2. Python tools -------------------------------------------------------------------------
if ! python3 -c 'import numpy' 2>/dev/null; then
  log "installing numpy"
  python3 -m pip install --quiet numpy 2>/dev/null ||
    python3 -m pip install --quiet --break-system-packages numpy 2>/dev/null || {
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-numpy >/dev/null
    }
fi
log "python tools"
python3 tools/test_stacknet_format.py
if python3 -c 'import torch' 2>/dev/null; then
  scratch=$(mktemp -d)
  cp tests/fixtures/torch/roundtrip/* "$scratch"/
  python3 tools/torch_roundtrip.py "$scratch"
  rm -rf "$scratch"
else
  log "PyTorch not installed: round trip checked against the committed torch_outputs.txt only"
fi

# --- 3. Bounded fuzz run ------------------------------------------------------------------
if ! command -v c++ >/dev/null; then
  log "installing a C++ compiler for libFuzzer"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends g++ >/dev/null
fi
host=$(rustc -vV | sed -n 's/^host: //p')
log "building the fuzz target (libFuzzer, sancov instrumentation, $host)"
# --target keeps RUSTFLAGS off build scripts, as cargo-fuzz does.
RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks" \
  cargo build --quiet --release --manifest-path fuzz/Cargo.toml --bin load \
  --target "$host" --target-dir "$CARGO_TARGET_DIR/fuzz"
bin=$CARGO_TARGET_DIR/fuzz/$host/release/load
work=$(mktemp -d)
mkdir -p "$work/corpus" "$work/artifacts"
log "fuzzing format::load for $FUZZ_SECONDS s (seeds: fuzz/seeds/load)"
if ! "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  "$work/corpus" fuzz/seeds/load >"$work/log" 2>&1; then
  tail -40 "$work/log"
  log "FUZZ FAILURE: crashing input(s):"
  ls -la "$work/artifacts"
  for f in "$work"/artifacts/*; do xxd "$f" | head -20; done
  exit 1
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
log "fuzz: $runs executions, no crash ($(grep -c . <<<"$(ls "$work/corpus")") new corpus entries)"
rm -rf "$work"

log "done in $((SECONDS - start)) s"
