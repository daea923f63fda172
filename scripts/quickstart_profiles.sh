#!/usr/bin/env bash
# scripts/quickstart_profiles.sh
#
# Measures what the cargo profile does to firmware/quickstart: mean instructions per Adam
# step and flash, for the profile settings a user might pick. The figures in
# firmware/quickstart/Cargo.toml's comments and in the README come from this script.
#
# It copies the quick start to a scratch directory, brackets each `ws.step` call with the
# instruction-count markers of scripts/embedded/plugin (bench_begin/bench_end), replaces
# the profile sections with each variant in turn, builds, runs on QEMU (MPS2-AN386,
# Cortex-M4F) with the plugin, and prints one table row per variant. Not run by CI (about
# one minute per variant on 2 cores). Needs `scripts/embedded/setup.sh m4f` first.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/embedded/boards.sh"
so=$(plugin_so) && [ -f "$so" ] || { echo "plugin missing: run scripts/embedded/setup.sh m4f" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$ROOT/firmware/quickstart/." "$work/"
rm -rf "$work/target"
cd "$work"
sed -i "s|path = \"../..\"|path = \"$ROOT\"|" Cargo.toml
# Keep the package and dependencies, drop the profiles (each variant brings its own).
sed -i '/^# Measured on this firmware/,$d' Cargo.toml
cp Cargo.toml Cargo.base.toml
step='match ws.step(&mut net, &mut opt, &Mse, x, t) {'
grep -qF "$step" src/main.rs || { echo "quickstart's step call changed; update this script" >&2; exit 2; }
sed -i "s|$step|bench_begin(); let r = ws.step(\&mut net, \&mut opt, \&Mse, x, t); bench_end(); match r {|" src/main.rs
cat >>src/main.rs <<'EOF'

#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn bench_begin() {
    core::hint::black_box(0xB0u32);
}

#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn bench_end() {
    core::hint::black_box(0xE0u32);
}
EOF

release_tail='[profile.release]
lto = true
codegen-units = 1
debug = true'
# name | cargo profile | profile sections
variants=(
  "release, opt-level \"s\"|release|$release_tail
opt-level = \"s\""
  "release, opt-level 3|release|$release_tail
opt-level = 3"
  "dev, no settings (opt-level 0)|dev|"
  "dev, dependencies \"s\" ([profile.dev.package.\"*\"])|dev|[profile.dev.package.\"*\"]
opt-level = \"s\""
  "dev, stacknet 3 ([profile.dev.package.stacknet])|dev|[profile.dev.package.stacknet]
opt-level = 3"
  "dev, opt-level 1|dev|[profile.dev]
opt-level = 1"
  "dev, opt-level \"s\"|dev|[profile.dev]
opt-level = \"s\""
)
echo "| profile | instructions per Adam step, mean (min–max) | flash B | peak stack during steps B (incl. main) |"
echo "|---|---|---|---|"
for v in "${variants[@]}"; do
  name=${v%%|*} rest=${v#*|}
  profile=${rest%%|*} sections=${rest#*|}
  { cat Cargo.base.toml; echo; echo "$sections"; } >Cargo.toml
  cargo build --quiet --profile "$profile" >&2
  dir=$profile
  [ "$profile" = dev ] && dir=debug
  elf=target/thumbv7em-none-eabihf/$dir/stacknet-quickstart
  sym() { arm-none-eabi-nm "$elf" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
  log=$(mktemp)
  qemu-system-arm -machine mps2-an386 -nographic -monitor none \
    -semihosting-config enable=on,target=native -kernel "$elf" \
    -plugin "$so,begin=$(sym bench_begin),end=$(sym bench_end),stack_lo=$(sym __ebss),stack_hi=$(sym _stack_start)" \
    -d plugin -D "$log" >/dev/null
  read -r text data _ < <(arm-none-eabi-size -B "$elf" | awk 'NR == 2')
  m=$(grep -o 'total=.*' "$log")
  rm -f "$log"
  get() { grep -o "$1=[0-9]*" <<<"$m" | cut -d= -f2; }
  # The region's stack peak includes main's frame: compare variants, not absolute cost.
  echo "| $name | $((($(get region) + $(get regions) / 2) / $(get regions))) ($(get region_min)–$(get region_max))" \
       "| $((text + data)) | $(get region_stack_peak) |"
done
