#!/usr/bin/env bash
# Line, region and branch coverage of the weight format (src/format/) by its tests
# (issue 13): how much of `format::load` and friends the tests reach.
#
# Usage: scripts/coverage.sh [test target...]   (default: --lib --test format
#        --test proptest_roundtrip)
#   COVERAGE_FILTER=regex  which sources to report (default: src/format/)
# Uses rustc's own instrumentation (`-C instrument-coverage`) on the nightly toolchain,
# which adds branch coverage (`-Z coverage-options=branch`), and the llvm-profdata/llvm-cov
# of the matching `llvm-tools` component (installed here on first use, idempotently).
# Not run by CI. Output: a summary table, and target/coverage/html/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
rustup component list --toolchain nightly --installed | grep -q '^llvm-tools' \
    || rustup component add llvm-tools --toolchain nightly
sysroot=$(rustc +nightly --print sysroot)
host=$(rustc +nightly -vV | sed -n 's/^host: //p')
bin=$sysroot/lib/rustlib/$host/bin
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(--lib --test format --test proptest_roundtrip)
out=$root/target/coverage
rm -rf "$out/profiles"
mkdir -p "$out/profiles"
export CARGO_TARGET_DIR=$out/build
RUSTFLAGS="-C instrument-coverage -Z coverage-options=branch" \
LLVM_PROFILE_FILE="$out/profiles/%p-%m.profraw" \
    cargo +nightly test --quiet "${tests[@]}"
"$bin/llvm-profdata" merge -sparse "$out"/profiles/*.profraw -o "$out/merged.profdata"
# The test binaries just run: cargo prints their paths with --no-run --message-format=json.
# llvm-cov takes the first binary as a positional argument, the others with --object.
objects=()
while IFS= read -r exe; do
    if [ ${#objects[@]} -eq 0 ]; then objects+=("$exe"); else objects+=(--object "$exe"); fi
done < <(
    RUSTFLAGS="-C instrument-coverage -Z coverage-options=branch" \
        cargo +nightly test --quiet --no-run --message-format=json "${tests[@]}" 2>/dev/null \
        | python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable"):
        print(m["executable"])')
filter=${COVERAGE_FILTER:-src/format/}
files=$(find src -name '*.rs' | grep -E "$filter" | sort)
# shellcheck disable=SC2086 # one argument per file
"$bin/llvm-cov" report --instr-profile "$out/merged.profdata" "${objects[@]}" \
    --show-branch-summary --show-region-summary $files
# shellcheck disable=SC2086
"$bin/llvm-cov" show --instr-profile "$out/merged.profdata" "${objects[@]}" \
    --show-branches=count --format=html --output-dir "$out/html" $files
echo "coverage: details in $out/html/index.html"
