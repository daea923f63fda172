#!/usr/bin/env bash
# firmware/boards/build.sh [boards...]   (default: pico nrf52840-dk stm32f411-blackpill)
#
# Builds each real-board recipe exactly as a user would (`cargo build --release` in the
# board's directory, so its .cargo/config.toml applies), rejects an empty image
# (scripts/check_elf.sh), checks that the vector table sits at the board's flash origin
# (i.e. the board's memory.x was used) and prints the image sizes.
# Flashing needs the board and a probe, so it is not tested here. Where QEMU emulates a
# machine with the same core and memory map, the image is also *run* there, for its exit
# status (0 = the truth table came out right); its defmt/RTT log needs a probe, so it stays
# invisible. The RP2040 has no QEMU machine: the Pico image is build-only.
#   SETUP=0   do not install missing Rust targets
# Budget: about a minute on 2 cores (two dependency builds: thumbv6m and thumbv7em).
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$DIR/../.." && pwd)
boards=${*:-pico nrf52840-dk stm32f411-blackpill}
log() { printf 'boards: %s\n' "$*" >&2; }
# Each board's config gives it its own target-dir, so a user switching boards rebuilds
# nothing. Here the boards share one (firmware/boards/target): nRF and STM32 then share their
# dependency builds, and only this crate is rebuilt per board (its build script reruns when
# the board's [env] changes).
export CARGO_TARGET_DIR=$DIR/target

# board -> Rust target, flash origin (where .vector_table must start), QEMU stand-in.
target_of() {
  case $1 in pico) echo thumbv6m-none-eabi ;; *) echo thumbv7em-none-eabihf ;; esac
}
vectors_of() {
  case $1 in
    pico) echo 10000100 ;;                # after the 256-byte boot2 stage
    nrf52840-dk) echo 00000000 ;;
    stm32f411-blackpill) echo 08000000 ;;
  esac
}
qemu_of() {
  case $1 in
    nrf52840-dk) echo mps2-an386 ;;         # Cortex-M4F, flash at 0, RAM at 0x20000000
    stm32f411-blackpill) echo netduinoplus2 ;; # STM32F405: Cortex-M4F, same flash/RAM map
    *) echo "" ;;
  esac
}

failed=()
for b in $boards; do
  [ -d "$DIR/$b" ] || { log "no such board recipe: $b"; exit 2; }
  t=$(target_of "$b")
  if [ "${SETUP:-1}" != 0 ] && ! rustup target list --installed | grep -qx "$t"; then
    timeout 120 rustup target add "$t"
  fi
  log "$b: cargo build --release ($t)"
  (cd "$DIR/$b" && cargo build --release --quiet)
  elf=$CARGO_TARGET_DIR/$t/release/stacknet-boards
  "$ROOT/scripts/check_elf.sh" "$elf" || { failed+=("$b: empty image"); continue; }
  at=$(readelf -S -W "$elf" | awk '$2 == ".vector_table" { print $4 } $3 == ".vector_table" { print $5 }')
  [ "$at" = "$(vectors_of "$b")" ] ||
    { failed+=("$b: vector table at 0x${at:-none}, not the flash origin 0x$(vectors_of "$b")"); continue; }
  machine=$(qemu_of "$b")
  if [ -n "$machine" ] && command -v qemu-system-arm >/dev/null; then
    rc=0
    timeout 60 qemu-system-arm -machine "$machine" -nographic -monitor none \
      -semihosting-config enable=on,target=native -kernel "$elf" || rc=$?
    if ((rc)); then failed+=("$b: exit $rc under QEMU $machine"); continue; fi
    log "$b: ran to PASS under QEMU $machine (same core and memory map; RTT log not shown)"
  else
    log "$b: build-only (no QEMU machine for this chip)"
  fi
done
if ((${#failed[@]})); then
  printf 'boards: FAIL %s\n' "${failed[@]}" >&2
  exit 1
fi
log "all board recipes built: $boards"
