#!/usr/bin/env bash
# Mutation testing of the no_std core (issue 13, docs/RELIABILITY.md "Mutation testing").
#
# cargo-mutants changes one thing in the library at a time (an operator, a constant, a
# function body replaced by a default value), runs the tests, and reports each mutant the
# tests still pass with ("missed"): code whose behaviour no test pins down.
#
# Usage: scripts/mutants.sh [--file PATH]... [cargo-mutants options]
#   no argument: every file of src/ outside src/std/ (long: hours on 2 cores);
#   e.g.  scripts/mutants.sh --file src/loss.rs --file 'src/format/*.rs'
# Environment: MUTANTS_JOBS (default 1: mutants at a time; keep 1 while others build),
#   MUTANTS_TIMEOUT (seconds per test run, default 120), MUTANTS_TESTS (the test targets
#   passed to `cargo test`; default: the unit tests and the suites that exercise the core).
# Results: mutants.out/ (outcomes.json, missed.txt, caught.txt, timeout.txt).
# Installs cargo-mutants on first use (idempotent); not run by CI except the bounded
# subset in scripts/ci/60-reliability.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo-mutants >/dev/null; then
    cargo install --locked cargo-mutants
fi
files=()
if [ $# -eq 0 ] || [[ $1 != --file ]]; then
    while IFS= read -r f; do files+=(--file "$f"); done < <(find src -name '*.rs' -not -path 'src/std/*' | sort)
fi
read -r -a tests <<<"${MUTANTS_TESTS:---lib --test format --test proptest_roundtrip --test proptest_gradcheck --test proptest_optim --test robustness --test gradcheck --test known_answers}"
# The test targets go to every cargo call (`--cargo-arg`), so each mutant builds only
# them, not every test and example of the crate (3x faster here).
cargo_args=()
for t in "${tests[@]}"; do cargo_args+=("--cargo-arg=$t"); done
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target/mutants}
exec cargo mutants --no-shuffle -j "${MUTANTS_JOBS:-1}" --timeout "${MUTANTS_TIMEOUT:-120}" \
    "${cargo_args[@]}" "${files[@]}" "$@"
