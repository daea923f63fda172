#!/usr/bin/env bash
# Fails when a public no_std function of stacknet is not in the no-panic image, so the
# link-time proof cannot silently stop covering part of the API (issue 13).
# Usage: tools/nopanic/check_coverage.sh [target...]   (default: thumbv7em-none-eabihf)
# Needs: the image built (scripts/ci/60-reliability.sh does it), the nightly toolchain for
# rustdoc's JSON output, python3 and llvm-dwarfdump (Debian package `llvm`).
# Lists the public functions: python3 tools/nopanic/coverage.py --list target/nopanic-doc/doc/stacknet.json
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(thumbv7em-none-eabihf)
# The public API, no features (the no_std build), from rustdoc's JSON (nightly-only flag).
RUSTDOCFLAGS="-Z unstable-options --output-format json" \
    cargo +nightly doc --quiet --no-deps --lib --target-dir "$root/target/nopanic-doc"
json=$root/target/nopanic-doc/doc/stacknet.json
status=0
for target in "${targets[@]}"; do
    elf=${CARGO_TARGET_DIR:-$root/target/nopanic}/$target/release/stacknet-nopanic
    echo "$target:"
    python3 tools/nopanic/coverage.py "$json" "$elf" tools/nopanic/exempt.txt || status=1
done
exit $status
