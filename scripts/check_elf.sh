#!/usr/bin/env bash
# scripts/check_elf.sh <elf>...
#
# Fails on a firmware image that linked but holds nothing: entry point 0 or no `.text`.
# That is what a Cortex-M build without `-C link-arg=-Tlink.x` produces, and neither cargo
# nor the linker reports it (the image then does nothing on a board and nothing under QEMU
# tells why). For every good image prints one line with its sizes:
#   check_elf: ok <elf> entry=0x... text=<B> image=<B> (flash: every allocated PROGBITS section)
# Exit status: 0 all good, 1 some image empty or unreadable, 2 no readelf could be installed.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: check_elf.sh <elf>..." >&2; exit 2; }

# Any readelf reads any ELF's headers whatever the architecture; install GNU's if none.
readelf=""
for tool in readelf llvm-readelf arm-none-eabi-readelf; do
  if command -v "$tool" >/dev/null; then readelf=$tool; break; fi
done
if [ -z "$readelf" ]; then
  echo "check_elf: installing binutils for readelf" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends binutils >/dev/null; } ||
    { echo "check_elf: no readelf and apt-get install binutils failed" >&2; exit 2; }
  readelf=readelf
fi

bad=0
for elf in "$@"; do
  if ! header=$("$readelf" -h "$elf" 2>/dev/null); then
    echo "check_elf: FAIL $elf: not a readable ELF file" >&2
    bad=1
    continue
  fi
  entry=$(awk -F: '/Entry point address/ { gsub(/ /, "", $2); print $2 }' <<<"$header")
  # Section table rows, without the "[Nr]" column (its brackets hold spaces): name, type,
  # address, offset, size, entry size, flags.
  sections=$("$readelf" -S -W "$elf" | sed -nE 's/^ *\[ *[0-9]+\] +//p')
  text="" image=0
  while read -r name type _ _ size _ flags _; do
    [ "$name" = .text ] && text=$((16#$size))
    if [ "$type" = PROGBITS ] && [[ $flags == *A* ]]; then image=$((image + 16#$size)); fi
  done <<<"$sections"
  why=()
  [ -n "$entry" ] && ((entry != 0)) || why+=("entry point is ${entry:-missing}")
  [ -n "$text" ] && ((text > 0)) || why+=(".text is ${text:-missing}")
  if ((${#why[@]})); then
    reason=$(printf '%s, ' "${why[@]}")
    echo "check_elf: FAIL $elf: ${reason%, }: an empty image" \
         "(was the linker script given, -C link-arg=-Tlink.x in .cargo/config.toml?)" >&2
    bad=1
  else
    echo "check_elf: ok $elf entry=$entry text=$text image=$image"
  fi
done
exit "$bad"
