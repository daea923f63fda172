#!/usr/bin/env bash
# Lists every panic call site left in the no-panic image, with its inlined call stack.
# Usage: tools/nopanic/diagnose.sh [target] [opt-level] [features]
#        (defaults: thumbv7em-none-eabihf 3, no extra feature)
# Needs llvm-objdump and llvm-addr2line (Debian package `llvm`).
set -euo pipefail
# A relative CARGO_TARGET_DIR means relative to the caller's directory, not this one.
[ -z "${CARGO_TARGET_DIR:-}" ] || CARGO_TARGET_DIR=$(realpath -m "$CARGO_TARGET_DIR")
cd "$(dirname "$0")"
target=${1:-thumbv7em-none-eabihf}
opt=${2:-3}
features=diagnose${3:+,$3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-../../target/nopanic}
CARGO_PROFILE_RELEASE_DEBUG=line-tables-only CARGO_PROFILE_RELEASE_OPT_LEVEL=$opt \
    cargo build --quiet --release --target "$target" --features "$features"
root=$(cd ../.. && pwd)
elf=$CARGO_TARGET_DIR/$target/release/stacknet-nopanic
dis=$(mktemp)
trap 'rm -f "$dis"' EXIT
llvm-objdump -d --no-show-raw-insn "$elf" >"$dis"
# Panic entry points: core::panicking::*, slice index failures, unwrap/expect failures.
# (The image's own name contains "nopanic", hence the exclusion below.)
pattern='panic|_fail|expect_failed|unwrap_failed|assert_failed'
# Every instruction that branches to a panic function, from code outside those functions.
sites=$(awk -v pat="$pattern" '
    /^[0-9a-f]+ <.*>:$/ { cur = $0; gsub(/stacknet_nopanic/, "", cur); inpanic = (cur ~ pat); next }
    !inpanic && /^ +[0-9a-f]+:/ {
        line = $0; gsub(/stacknet_nopanic/, "", line)
        if (line ~ ("<[^>]*(" pat ")")) { a = $1; sub(":", "", a); print a }
    }
' "$dis" | sort -u)
if [ -z "$sites" ]; then
    echo "no panic call site in the image ($target, opt-level $opt)"
fi
frames() {
    llvm-addr2line -e "$elf" -f -i -C -a "0x$1" | tail -n +2 | sed -E "s/<.*>//" | paste - - \
        | sed -E 's#/root/.cargo/registry/src/[^/]*/##; s#/rustc/[0-9a-f]*/##; s#'"$root"'/##'
}
for a in $sites; do
    echo "== call site 0x$a (innermost frame first)"
    frames "$a"
    # LLVM often shares one panic call between several checks (its line info then says
    # little, e.g. `main.rs:0`): list every branch into it too, each with its own stack.
    for b in $(grep -E "^ +[0-9a-f]+:.*\sb[a-z.]*\s+0x0*$a\b" "$dis" | awk '{ sub(":", "", $1); print $1 }'); do
        echo "   -- branch to it at 0x$b"
        frames "$b" | sed 's/^/      /'
    done
done
echo "panic functions linked: $(llvm-nm -C "$elf" | grep -cE 'core::panicking|slice_index_fail|expect_failed|unwrap_failed')"
