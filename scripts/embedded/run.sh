#!/usr/bin/env bash
# run.sh <firmware-crate-dir> <board> [bin]
# Builds the firmware crate (all its binaries, so cargo links them in parallel; runs <bin>
# if given, else the last one) for the board's target, runs it under QEMU with
# semihosting, prints its output and one `result:` line, and exits with its exit code
# (0 = pass, 124 = hung past RUN_TIMEOUT, 2 = bad usage or build failure).
#   MEASURE=0        skip the plugin (instruction count between markers, stack peak)
#   STACK=0          count instructions but skip stack tracking (a callback per store)
#   RUN_TIMEOUT=120  seconds before a hung firmware counts as failed
#   STACKNET_RUST=debian  build with Debian's rustc-web even if rustup has the target
#   PROFILE=release  cargo profile to build with (e.g. a size-optimised one the crate defines)
set -euo pipefail
KIT=$(cd "$(dirname "$0")" && pwd)
source "$KIT/boards.sh"

usage="usage: run.sh <firmware-crate-dir> <board> [bin]   (boards: $ALL_BOARDS)"
[ $# -eq 2 ] || [ $# -eq 3 ] || { echo "$usage" >&2; exit 2; }
bin=${3:-}
crate=$(cd "$1" 2>/dev/null && pwd) || { echo "run.sh: no such directory: $1" >&2; exit 2; }
board=$2
target=$(board_target "$board") || { echo "run.sh: unknown board '$board'; $usage" >&2; exit 2; }
read -r -a qemu <<<"$(board_qemu "$board")"
command -v "${qemu[0]}" >/dev/null || { echo "run.sh: ${qemu[0]} missing: run setup.sh" >&2; exit 2; }
[ ! -f "$crate/memory.x" ] ||
  echo "run.sh: warning: $crate/memory.x shadows the kit's memory/$board/memory.x" >&2
TV=$(tr 'a-z.-' 'A-Z__' <<<"$target")   # for CARGO_TARGET_<TRIPLE>_* variables

# Per-target rustflags (not RUSTFLAGS, which would also reach build scripts and override
# the crate's config): the runtime's linker script, and this board's memory.x directory
# on the linker search path, so the crate needs no memory.x, build.rs or .cargo/config.
export "CARGO_TARGET_${TV}_RUSTFLAGS=$(board_link_args "$board") -L $KIT/memory/$board"

route=$(rust_route "$target")
if [ "$route" = rustup ]; then
  cargo=(cargo build)
else
  # Debian's rustc ships no prebuilt core for bare-metal targets: build it from rust-src.
  [ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/src/rust/library ] && [ "$board" != rv32 ] ||
    { echo "run.sh: no Rust toolchain for $target: run setup.sh $board" >&2; exit 2; }
  export RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc "CARGO_TARGET_${TV}_LINKER=arm-none-eabi-ld"
  # /usr/bin/cargo explicitly: rustup's cargo comes first in PATH.
  cargo=(/usr/bin/cargo build -Zbuild-std=core -Zbuild-std-features=compiler-builtins-mem)
fi

t0=$SECONDS
elf=$("${cargo[@]}" --profile "${PROFILE:-release}" --quiet --target "$target" --manifest-path "$crate/Cargo.toml" \
        --bins \
        --message-format=json-render-diagnostics |
      grep -o '"executable":"[^"]*"' | grep "/${bin:-[^/\"]*}\"" | tail -n 1 | cut -d'"' -f4) || true
[ -n "$elf" ] || { echo "run.sh: build of $crate for $target failed" >&2; exit 2; }
build_s=$((SECONDS - t0))

# Sizes and symbols: arm-none-eabi binutils for Arm, host binutils (multi-target) otherwise.
[ "$board" = rv32 ] && pre="" || pre=arm-none-eabi-
# Compared with "" because an address like 00000e18 would read as the number 0.
sym() { "${pre}nm" "$elf" | awk -v s="$1" '$3==s {a=$1} END {if (a != "") print "0x" a}'; }
read -r text data bss _ < <("${pre}size" -B "$elf" | awk 'NR==2')
# riscv-rt reserves the stack and heap as sections; they are not static data.
reserved=$("${pre}size" -A "$elf" | awk '$1==".stack" || $1==".heap" {s+=$2} END {print s+0}')

plugin_args=() log=""
if [ "${MEASURE:-1}" = 1 ]; then
  so=$(plugin_so) && [ -f "$so" ] || { echo "run.sh: plugin missing: run setup.sh (or MEASURE=0)" >&2; exit 2; }
  args="$so"
  if [ -n "$(sym bench_begin)" ] && [ -n "$(sym bench_end)" ]; then
    args+=",begin=$(sym bench_begin),end=$(sym bench_end)"
  fi
  if [ "${STACK:-1}" = 1 ]; then
    lo=$(sym __sheap); [ -n "$lo" ] || lo=$(sym __ebss)
    args+=",stack_lo=$lo,stack_hi=$(sym _stack_start)"
  fi
  log=$(mktemp)
  plugin_args=(-plugin "$args" -d plugin -D "$log")
fi

t0=$SECONDS
set +e
timeout "${RUN_TIMEOUT:-120}" "${qemu[@]}" -nographic -monitor none \
  -semihosting-config enable=on,target=native -kernel "$elf" "${plugin_args[@]}"
status=$?
set -e
run_s=$((SECONDS - t0))

measured=""
if [ -n "$log" ]; then
  measured=$(grep -o 'total=.*' "$log" | tail -n 1 || true)
  rm -f "$log"
fi
case $status in 0) verdict=pass ;; 124) verdict=timeout ;; *) verdict=fail ;; esac
echo "result: board=$board target=$target bin=$(basename "$elf") profile=${PROFILE:-release} verdict=$verdict text=$text data=$data bss=$bss" \
     "flash=$((text + data)) static_ram=$((data + bss - reserved)) $measured" \
     "stack_hi=$(sym _stack_start) rust=$route build_s=$build_s run_s=$run_s"
exit "$status"
