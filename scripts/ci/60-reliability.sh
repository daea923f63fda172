#!/usr/bin/env bash
# Reliability checks (issue 9, docs/RELIABILITY.md):
#   1. miri on the library's unit tests (nightly, component installed idempotently);
#   2. rustdoc with -D warnings, all features;
#   3. MSRV: `cargo check` of the library with the toolchain named by rust-version;
#   4. no-panic proof: tools/nopanic links only if no panic path is reachable from the
#      library's public no_std entry points (release, LTO, panic=abort, overflow checks on
#      in stacknet), for Cortex-M4F and Cortex-M0 at opt-levels 3 and s; every public no_std
#      function must be in the image (tools/nopanic/check_coverage.sh);
#   5. a bounded fuzz run of the dataset CSV loader (fuzz/fuzz_targets/csv.rs).
# Budget: about 4 minutes on a fresh 2-core machine. Each step prints its duration.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
t0=$(date +%s)
lap() { echo "--- $1: $(( $(date +%s) - t0 )) s so far"; }

# ---------------------------------------------------------------- 1. miri
if ! rustup toolchain list | grep -q '^nightly'; then
    timeout 300 rustup toolchain install nightly --profile minimal
fi
if ! rustup component list --toolchain nightly --installed | grep -q '^miri'; then
    timeout 300 rustup component add miri rust-src --toolchain nightly
fi
# Unit tests only, in the no_std configuration (no features): they are what firmware runs.
# Miri does not need the dev-dependencies (criterion, proptest: the unit tests use neither),
# and compiling them for miri costs more than running every test, so miri runs on a copy
# of the manifest without them, whose [lib] is this crate's src/lib.rs.
miri_dir=$root/target/miri-manifest
mkdir -p "$miri_dir"
awk -v lib="$root/src/lib.rs" '
    /^\[\[(bench|example|test)\]\]/ || /^\[.*dev-dependencies/ { skip = 1; next }
    /^\[/ { skip = 0 }
    /^\[package\]/ { print; print "autobins = false\nautoexamples = false\nautotests = false\nautobenches = false\nbuild = false"; next }
    /^(autobins|autoexamples|autotests|autobenches|build) *=/ { next }
    !skip { print }
    END { print "\n[lib]\npath = \"" lib "\"\n\n[workspace]" }
' Cargo.toml >"$miri_dir/Cargo.toml"
cp Cargo.lock "$miri_dir/Cargo.lock"
# Tests that take more than a few seconds under miri and exercise no unsafe or memory
# behaviour beyond what the quick ones do (timings: docs/RELIABILITY.md).
miri_skip=(
    layers::conv::tests::forward_matches_definition
    math::tests::exp_infer_error_is_documented_bound
    init::tests::uniform_mean_and_range
)
skip_args=()
for t in "${miri_skip[@]}"; do skip_args+=(--skip "$t"); done
# libm's `arch` feature uses x86 inline assembly (sqrtss), which miri cannot run;
# `force-soft-floats` selects libm's portable code (sqrt is correctly rounded either way).
CARGO_TARGET_DIR=$root/target/miri \
    cargo +nightly miri test --manifest-path "$miri_dir/Cargo.toml" --lib \
    --features libm/force-soft-floats -- "${skip_args[@]}"
lap miri

# ---------------------------------------------------------------- 2. docs
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --all-features
lap "cargo doc -D warnings"

# ---------------------------------------------------------------- 3. MSRV
msrv=$(sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' Cargo.toml | head -1)
if [ -n "$msrv" ]; then
    if ! rustup toolchain list | grep -q "^$msrv"; then
        timeout 180 rustup toolchain install "$msrv" --profile minimal \
            || echo "MSRV: toolchain $msrv could not be installed here; skipped"
    fi
    if rustup toolchain list | grep -q "^$msrv"; then
        rustup target list --toolchain "$msrv" --installed | grep -qx thumbv7em-none-eabihf \
            || timeout 120 rustup target add --toolchain "$msrv" thumbv7em-none-eabihf
        CARGO_TARGET_DIR=$root/target/msrv cargo "+$msrv" check --lib --all-features
        CARGO_TARGET_DIR=$root/target/msrv cargo "+$msrv" check --lib --target thumbv7em-none-eabihf
        echo "MSRV $msrv: library checks with all features (host) and no_std (thumbv7em)"
    fi
fi
lap "MSRV $msrv"

# ---------------------------------------------------------------- 4. no-panic proof
# tools/nopanic must link: no panic path (bounds check, unwrap, arithmetic overflow in
# stacknet, which the image builds with overflow-checks = true) is reachable from any
# public no_std entry point. Then tools/nopanic/check_coverage.sh fails if a public no_std
# function of the library is missing from the image (rustdoc JSON vs the image's DWARF).
for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
    rustup target list --installed | grep -qx "$target" || timeout 120 rustup target add "$target"
    if ! CARGO_TARGET_DIR=$root/target/nopanic cargo build --release \
        --manifest-path tools/nopanic/Cargo.toml --target "$target"; then
        echo "no-panic proof FAILED for $target: a panic path is reachable:"
        CARGO_TARGET_DIR=$root/target/nopanic tools/nopanic/diagnose.sh "$target" 3 || true
        exit 1
    fi
    echo "no-panic proof: $target links with no panic handler reachable"
done
# The firmware crates' `size` profiles (and boards/quickstart in release) build at
# opt-level `s`, where the optimizer removes fewer checks: the image must link there too.
# (Opt-levels 2 and `z` still keep panic call sites: docs/RELIABILITY.md, "Panic paths left".)
for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
    if ! CARGO_PROFILE_RELEASE_OPT_LEVEL=s CARGO_TARGET_DIR=$root/target/nopanic-s \
        cargo build --release --manifest-path tools/nopanic/Cargo.toml --target "$target"; then
        echo "no-panic proof FAILED for $target at opt-level s: a panic path is reachable:"
        CARGO_TARGET_DIR=$root/target/nopanic-s tools/nopanic/diagnose.sh "$target" s || true
        exit 1
    fi
    echo "no-panic proof: $target links at opt-level s too"
done
if ! command -v llvm-dwarfdump >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends llvm >/dev/null
fi
CARGO_TARGET_DIR=$root/target/nopanic tools/nopanic/check_coverage.sh \
    thumbv7em-none-eabihf thumbv6m-none-eabi
lap "no-panic proof"

# ---------------------------------------------------------------- 5. dataset-loader fuzzing
# fuzz/fuzz_targets/csv.rs: read_csv on arbitrary bytes, bounded run. Built like the
# weight-loader target in 40-format.sh (libFuzzer on stable, no cargo-fuzz needed). Runs
# once fuzz/Cargo.toml declares the `csv` bin (and `features = ["std"]` on stacknet).
FUZZ_CSV_SECONDS=${FUZZ_CSV_SECONDS:-30}
if grep -q '^name = "csv"' fuzz/Cargo.toml 2>/dev/null; then
    if ! command -v c++ >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq --no-install-recommends g++ >/dev/null
    fi
    host=$(rustc -vV | sed -n 's/^host: //p')
    RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks" \
        cargo build --quiet --release --manifest-path fuzz/Cargo.toml --bin csv \
        --target "$host" --target-dir "$root/target/fuzz"
    work=$(mktemp -d)
    mkdir -p "$work/corpus" "$work/artifacts"
    if ! "$root/target/fuzz/$host/release/csv" -max_total_time="$FUZZ_CSV_SECONDS" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
        "$work/corpus" fuzz/seeds/csv >"$work/log" 2>&1; then
        tail -40 "$work/log"
        echo "FUZZ FAILURE (read_csv): crashing input(s):"
        for f in "$work"/artifacts/*; do echo "$f"; xxd "$f" | head -20; done
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
    echo "fuzz read_csv: $runs executions in $FUZZ_CSV_SECONDS s, no crash"
    rm -rf "$work"
else
    echo "fuzz read_csv: skipped (fuzz/Cargo.toml has no csv target yet)"
fi
lap "dataset fuzzing"
echo "60-reliability: all passed in $(( $(date +%s) - t0 )) s"
