# shellcheck shell=bash disable=SC2034 # sourced; the variables are used by the scripts
# Board table, sourced by the other scripts (adapted from the team's embedded kit).
# One place to add a board:
# its Rust target, its QEMU command line and its memory/<board>/memory.x.
ARM_BOARDS="m0 m3 m4f m33"
ALL_BOARDS="$ARM_BOARDS rv32"   # rv32 is optional: only on the rustup route (see README)

board_target() {
  case "$1" in
    m0)   echo thumbv6m-none-eabi ;;
    m3)   echo thumbv7m-none-eabi ;;
    m4f)  echo thumbv7em-none-eabihf ;;
    m33)  echo thumbv8m.main-none-eabihf ;;
    rv32) echo riscv32imac-unknown-none-elf ;;
    *) return 1 ;;
  esac
}

# The QEMU command line for a board, minus -kernel and the plugin.
# Each machine has a fixed CPU, so no -cpu is needed.
board_qemu() {
  case "$1" in
    m0)   echo qemu-system-arm -machine microbit ;;      # nRF51, Cortex-M0
    m3)   echo qemu-system-arm -machine lm3s6965evb ;;   # Stellaris, Cortex-M3
    m4f)  echo qemu-system-arm -machine mps2-an386 ;;    # MPS2, Cortex-M4F
    m33)  echo qemu-system-arm -machine mps2-an505 ;;    # MPS2, Cortex-M33 + FPU
    rv32) echo qemu-system-riscv32 -machine virt -bios none ;;
    *) return 1 ;;
  esac
}

# Linker arguments: cortex-m-rt's link.x INCLUDEs memory.x itself; riscv-rt's needs it first.
board_link_args() {
  case "$1" in
    rv32) echo "-C link-arg=-Tmemory.x -C link-arg=-Tlink.x" ;;
    *)    echo "-C link-arg=-Tlink.x -C link-arg=--nmagic" ;;
  esac
}

# --- helpers shared by setup.sh and run.sh ---
KIT_CACHE=${STACKNET_EMBEDDED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stacknet-firmware}

# Where the plugin for the installed QEMU lives (one build per QEMU version).
plugin_so() {
  local v
  v=$(dpkg-query -W -f='${Version}' qemu-system-arm 2>/dev/null) || return 1
  echo "$KIT_CACHE/qemu-${v//:/_}/libinsncount.so"
}

# "rustup" if rustup has the target's prebuilt core, else "debian" (core built from source
# with Debian's rustc-web). STACKNET_RUST=debian forces the fallback, e.g. to test it.
rust_route() {
  if [ "${STACKNET_RUST:-auto}" != debian ] && command -v rustup >/dev/null &&
     rustup target list --installed 2>/dev/null | grep -qx "$1"; then
    echo rustup
  else
    echo debian
  fi
}
