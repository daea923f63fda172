#!/usr/bin/env bash
# run-elf.sh <board> <elf>
# Runs a ready ELF (the C firmware) in the kit's QEMU machine for the board with the kit's
# insncount plugin and markers, exactly as scripts/embedded/run.sh runs the Rust firmware,
# and prints the firmware's output and one `result:` line (flash, instruction counts).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
KIT=$(cd "$HERE/../../scripts/embedded" && pwd)
source "$KIT/boards.sh"
[ $# -eq 2 ] || { echo "usage: run-elf.sh <board> <elf>" >&2; exit 2; }
board=$1 elf=$2
read -r -a qemu <<<"$(board_qemu "$board")"
so=$(plugin_so) && [ -f "$so" ] || { echo "run-elf.sh: plugin missing: run scripts/embedded/setup.sh" >&2; exit 2; }
# Compared with "" because an address like 00000e18 would read as the number 0.
sym() { arm-none-eabi-nm "$elf" | awk -v s="$1" '$3==s {a=$1} END {if (a != "") print "0x" a}'; }
read -r text data bss _ < <(arm-none-eabi-size -B "$elf" | awk 'NR==2')
log=$(mktemp)
set +e
timeout "${RUN_TIMEOUT:-60}" "${qemu[@]}" -nographic -monitor none \
  -semihosting-config enable=on,target=native -kernel "$elf" \
  -plugin "$so,begin=$(sym bench_begin),end=$(sym bench_end)" -d plugin -D "$log"
status=$?
set -e
measured=$(grep -o 'total=.*' "$log" | tail -n 1 || true)
rm -f "$log"
case $status in 0) verdict=pass ;; 124) verdict=timeout ;; *) verdict=fail ;; esac
echo "result: board=$board bin=$(basename "$elf" .elf) verdict=$verdict text=$text data=$data bss=$bss flash=$((text + data)) $measured"
exit "$status"
