#!/usr/bin/env bash
# scripts/firmware.sh [boards...]   (default: m0 m3 m4f m33 rv32)
#
# Builds every firmware in firmware/ for every board in two profiles (`release`,
# opt-level 3, and `size`, opt-level "s"), runs each under QEMU with a time limit, checks
# that it passed and that the trained weights' checksum is the host's (tests/determinism.rs
# asserts the same constants, firmware/common/src/xor.rs), then regenerates
# docs/FOOTPRINT.md from the measurements. Exits 1 if any firmware failed, hung or printed a
# checksum other than the host's (docs/FOOTPRINT.md is then left alone), 2 on a setup error.
#
#   SETUP=0             skip scripts/embedded/setup.sh (QEMU, binutils, Rust targets, plugin)
#   RUN_TIMEOUT=60      seconds before a hung firmware counts as failed
#   PROFILES="release size"   cargo profiles to measure (the report needs both)
#   FOOTPRINT=path      where to write the report (default docs/FOOTPRINT.md; "" = nowhere)
#   CARGO_TARGET_DIR    defaults to firmware/target (shared by all firmware crates)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KIT=$ROOT/scripts/embedded
cd "$ROOT" # rustup picks the toolchain from the caller's directory
boards=${*:-m0 m3 m4f m33 rv32}
profiles=${PROFILES:-release size}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/firmware/target}
export RUN_TIMEOUT=${RUN_TIMEOUT:-60}
FOOTPRINT=${FOOTPRINT-docs/FOOTPRINT.md}
start=$SECONDS

log() { printf 'firmware: %s\n' "$*" >&2; }
# shellcheck source=embedded/boards.sh
source "$KIT/boards.sh"

if [ "${SETUP:-1}" != 0 ]; then
  # shellcheck disable=SC2086 # one argument per board
  "$KIT/setup.sh" $boards || { log "setup failed"; exit 2; }
fi

# The checksums the host test asserts, read from the source both sides compile.
expected() {
  grep -o "pub const $1: u32 = 0x[0-9a-f_]*" firmware/common/src/xor.rs | sed 's/.*0x//; s/_//g'
}
declare -A want=([xor-adam]=$(expected ADAM_CHECKSUM) [xor-sgd]=$(expected SGD_CHECKSUM))
[ -n "${want[xor-adam]}" ] && [ -n "${want[xor-sgd]}" ] ||
  { log "cannot read the expected checksums from firmware/common/src/xor.rs"; exit 2; }

# crate:bin pairs. infer-digits runs the 8x8 digits net (tests/firmware_digits.rs generates
# its model and expected outputs); it prints no checksum and passes on its own check.
# The -none bins are the same firmware without the network: baselines for
# flash and for the markers' own instruction count.
# infer-iris runs the iris classifier whose first layer is the host-fitted `Standardize`
# (tests/tabular.rs generates its model and expected outputs); it passes on its own check.
# sqrt-check compares the FPU square root with libm's bit for bit (src/math.rs).
runs="xor-train:xor-adam xor-train:xor-sgd xor-train:xor-none xor-train:sqrt-check infer:infer-xor infer:infer-digits infer:infer-iris infer:infer-none"
# GRU training (issue 18: firmware/gru-train; tests/firmware_gru.rs keeps its expected.rs in
# sync with the host): the first training steps and the pre-trained model's inferences on the
# boards with 64 KiB of RAM or more (m0 has 16 KiB), the whole fine-tuning experiment on the
# FPU boards (on soft-float m3 it takes ~30 s; scripts/ci/66-gru.sh runs it there). Release
# profile only, so the GRU adds one build per board. Each run checks its outcome itself.
gru_boards="m3 m4f m33"
runs_on() { # runs_on <profile> <board>: the crate:bin pairs measured there
  echo "$runs"
  [ "$1" = release ] && [[ " $gru_boards " == *" $2 "* ]] || return 0
  echo "gru-train:gru-steps gru-train:gru-infer"
  [ "$2" = m3 ] || echo "gru-train:gru-finetune"
}
declare -A R # R[profile.board.bin.key] = value, from the result: line and the firmware's lines
failed=()
out_dir=$(mktemp -d)
trap 'rm -rf "$out_dir"' EXIT

record() { # record <prefix> key=value... : stores every key=value word under the prefix
  local prefix=$1 kv
  shift
  for kv in "$@"; do
    case $kv in *=*) R[$prefix.${kv%%=*}]=${kv#*=} ;; esac
  done
}

n_runs=0
for p in $profiles; do
  for b in $boards; do
    for run in $(runs_on "$p" "$b"); do
      n_runs=$((n_runs + 1))
      crate=${run%%:*} bin=${run#*:} k=$p.$b.${run#*:} f=$out_dir/$p.$b.${run#*:}
      rc=0
      PROFILE=$p "$KIT/run.sh" "firmware/$crate" "$b" "$bin" >"$f" 2>&1 || rc=$?
      for tag in result: footprint memory markers "$bin:"; do
        # shellcheck disable=SC2046 # split the line into key=value words
        record "$k" $(grep "^$tag " "$f" | tail -n 1 || true)
      done
      # A panic path survives optimisation iff the panic handler (or core's panicking
      # machinery) is still linked.
      exe=$CARGO_TARGET_DIR/$(board_target "$b")/$p/$bin
      R[$k.panic]=$(arm-none-eabi-nm -C "$exe" 2>/dev/null |
        grep -cE 'rust_begin_unwind|core::panicking|core::fmt' || true)
      why=""
      case $rc in 0) ;; 124) why="hung (over ${RUN_TIMEOUT} s)" ;; *) why="exit $rc" ;; esac
      # An image without code (no linker script) fails, whatever its run looked like.
      "$ROOT/scripts/check_elf.sh" "$exe" >/dev/null || why="empty image${why:+ ($why)}"
      if [ -z "$why" ] && [ -n "${want[$bin]:-}" ] &&
         [ "${R[$k.checksum]:-}" != "0x${want[$bin]}" ]; then
        why="checksum ${R[$k.checksum]:-missing} differs from the host's 0x${want[$bin]}"
      fi
      if [ -n "$why" ]; then
        failed+=("$p $b/$bin: $why")
        log "FAIL $p $b/$bin: $why"
        tail -n 25 "$f" | sed 's/^/    /' >&2
      else
        log "pass $p $b/$bin: flash=${R[$k.flash]} insns=${R[$k.region]}/${R[$k.regions]}" \
            "stack=${R[$k.stack_peak]}${R[$k.checksum]:+ checksum=${R[$k.checksum]}}" \
            "(build ${R[$k.build_s]} s)"
      fi
    done
  done
done

if ((${#failed[@]})); then
  log "${#failed[@]} firmware run(s) failed, docs not regenerated ($((SECONDS - start)) s):"
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
log "all $n_runs firmware runs passed"

[ -n "$FOOTPRINT" ] || exit 0
if [[ " $profiles " != *" release "* || " $profiles " != *" size "* ]]; then
  log "the report needs PROFILES with both release and size; not written"
  exit 0
fi

# ---------------------------------------------------------------- docs/FOOTPRINT.md
v() { echo "${R[$1]:-?}"; }
flash_minus() { echo $(($(v "$1.flash") - $(v "$2.flash"))); }
# Stack written inside the measured regions below the caller's stack pointer: the cost of
# the measured call itself, not of the frames above it.
call_stack() { echo $(($(v "$1.region_stack_peak") - ($(v "$1.stack_hi") - $(v "$1.caller_sp")))); }
# Mean instructions per region of $1 minus the per-region marker overhead of baseline $2.
insns() {
  awk -v a="$(v "$1.region")" -v n="$(v "$1.regions")" -v b="$(v "$2.region")" \
      -v m="$(v "$2.regions")" 'BEGIN { printf "%.0f", a / n - b / m }'
}
insns_range() {
  local o=$(($(v "$2.region") / $(v "$2.regions")))
  echo "$(($(v "$1.region_min") - o))–$(($(v "$1.region_max") - o))"
}
adam_ram() { echo $(($(v "$1.train_adam") + $(v "$1.static_ram") - $(v "$2.static_ram") + $(call_stack "$1"))); }
core_of() {
  case $1 in m0) echo Cortex-M0 ;; m3) echo Cortex-M3 ;; m4f) echo Cortex-M4F ;;
    m33) echo Cortex-M33 ;; rv32) echo RV32IMAC ;; *) echo "$1" ;; esac
}
status() { # status <value> <goal>
  if (($1 <= $2)); then echo "**met**"; else echo "missed by $(($1 - $2))"; fi
}
elf() { echo "$CARGO_TARGET_DIR/$(board_target "$1")/$2/$3"; }

training_table() { # training_table <profile>
  local p=$1 b a s n same
  echo "| board | core | library flash B, Adam / SGD | static RAM B | step stack B, Adam / SGD | Adam training RAM B | instructions per step, Adam (min–max) | instructions per step, SGD | whole-run stack B | weights bit-identical with host |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for b in $boards; do
    a=$p.$b.xor-adam s=$p.$b.xor-sgd n=$p.$b.xor-none same=no
    [ "$(v "$a.checksum")" = "0x${want[xor-adam]}" ] &&
      [ "$(v "$s.checksum")" = "0x${want[xor-sgd]}" ] && same=yes
    echo "| $b | $(core_of "$b") | $(flash_minus "$a" "$n") / $(flash_minus "$s" "$n")" \
         "| $(v "$a.static_ram") | $(call_stack "$a") / $(call_stack "$s") | $(adam_ram "$a" "$n")" \
         "| $(insns "$a" "$n") ($(insns_range "$a" "$n")) | $(insns "$s" "$n")" \
         "| $(v "$a.stack_peak") | $same |"
  done
}

inference_table() {
  local p b i n
  echo "| board | profile | library + model flash B | inference stack B | instructions per inference (min–max) | outputs bit-identical with host |"
  echo "|---|---|---|---|---|---|"
  for b in $boards; do
    for p in release size; do
      i=$p.$b.infer-xor n=$p.$b.infer-none
      echo "| $b | $p | $(flash_minus "$i" "$n") | $(call_stack "$i")" \
           "| $(insns "$i" "$n") ($(insns_range "$i" "$n"))" \
           "| $([ "$(v "$i.bit_identical")" = 1 ] && echo yes || echo no) |"
    done
  done
}

digits_table() {
  local p b i n
  echo "| board | profile | library + model + images flash B | inference stack B | instructions per inference (min–max) | classes as host / correct | logits bit-identical with host |"
  echo "|---|---|---|---|---|---|---|"
  for b in $boards; do
    for p in release size; do
      i=$p.$b.infer-digits n=$p.$b.infer-none
      echo "| $b | $p | $(flash_minus "$i" "$n") | $(call_stack "$i")" \
           "| $(insns "$i" "$n") ($(insns_range "$i" "$n"))" \
           "| $(v "$i.agree") / $(v "$i.correct") of $(v "$i.of") | $(v "$i.bit_identical") of $(v "$i.of") |"
    done
  done
}

iris_table() {
  local p b i n
  echo "| board | profile | library + model + rows flash B | inference stack B | instructions per inference (min–max) | correct (host) | outputs bit-identical with host |"
  echo "|---|---|---|---|---|---|---|"
  for b in $boards; do
    for p in release size; do
      i=$p.$b.infer-iris n=$p.$b.infer-none
      echo "| $b | $p | $(flash_minus "$i" "$n") | $(call_stack "$i")" \
           "| $(insns "$i" "$n") ($(insns_range "$i" "$n"))" \
           "| $(v "$i.correct") ($(v "$i.host_correct")) of $(v "$i.of") | $(v "$i.bit_identical") of $(v "$i.of") |"
    done
  done
}

# What the library's flash is made of on one board: symbols of xor-adam that xor-none lacks,
# plus the growth of the symbols both have (main, mostly: init and the training loop).
sym_sizes() { # "name<TAB>bytes" per symbol name (hash suffixes and anonymous constants merged)
  arm-none-eabi-nm -C -S -t d "$1" |
    awk 'NF >= 4 { s = $4; for (i = 5; i <= NF; i++) s = s " " $i; print s "\t" $2 + 0 }' |
    sed -E 's/::h[0-9a-f]{16}\t/\t/; s/^\.Lanon\.[^\t]*/anonymous constants/' |
    awk -F '\t' '{ b[$1] += $2 } END { for (s in b) print s "\t" b[s] }' | LC_ALL=C sort -t $'\t' -k1,1
}
flash_breakdown() { # flash_breakdown <board> <profile>
  local with without
  with=$(elf "$1" "$2" xor-adam) without=$(elf "$1" "$2" xor-none)
  [ -f "$with" ] && [ -f "$without" ] || { echo "(ELF files not found)"; return; }
  echo "| bytes | symbol |"
  echo "|---|---|"
  LC_ALL=C join -t $'\t' -a 1 -a 2 -e 0 -o 0,1.2,2.2 <(sym_sizes "$with") <(sym_sizes "$without") |
    awk -F '\t' '$2 != $3 { printf "%d\t%s\n", $2 - $3, $1 }' | sort -rn |
    awk -F '\t' '{ printf "| %d | `%s` |\n", $1, $2 }'
}

m4f=m4f
case " $boards " in *" m4f "*) ;; *) m4f=${boards%% *} ;; esac
S=size.$m4f F=release.$m4f
ram_s=$(adam_ram "$S.xor-adam" "$S.xor-none") ram_f=$(adam_ram "$F.xor-adam" "$F.xor-none")
ram_best=$((ram_s < ram_f ? ram_s : ram_f))
flash_s=$(flash_minus "$S.xor-adam" "$S.xor-none") flash_f=$(flash_minus "$F.xor-adam" "$F.xor-none")
step_f=$(insns "$F.xor-adam" "$F.xor-none") sgd_f=$(insns "$F.xor-sgd" "$F.xor-none")
digits_f=$(insns "$F.infer-digits" "$F.infer-none") digits_s=$(insns "$S.infer-digits" "$S.infer-none")
digits_rs=firmware/infer/src/digits_model.rs
digits_acc=$(grep -o 'TEST_ACCURACY_E4: u32 = [0-9]*' "$digits_rs" | grep -o '[0-9]*$' || echo 0)
digits_acc=$(awk -v a="$digits_acc" 'BEGIN { printf "%.2f", a / 100 }')
digits_epochs=$(grep -o 'const EPOCHS: usize = [0-9]*' tests/firmware_digits.rs | grep -o '[0-9]*$' || echo "?")
with_panic=()
for p in $profiles; do
  for b in $boards; do
    for run in $(runs_on "$p" "$b"); do
      [ "$(v "$p.$b.${run#*:}.panic")" = 0 ] || with_panic+=("\`${run#*:}\` ($p, $b)")
    done
  done
done
if ((${#with_panic[@]})); then
  panic_note="Firmware that still links a panic path (panic handler, \`core::panicking\` or \`core::fmt\`): ${with_panic[*]}."
else
  panic_note="None of the $n_runs firmware images links a panic path: no panic handler, \`core::panicking\` or \`core::fmt\` symbol survives optimisation, so no training step, inference or check in them can panic (checked with \`nm\`)."
fi
rustc_v=$(rustc --version | cut -d' ' -f1-2)
qemu_v=$(qemu-system-arm --version | head -n 1 | sed 's/.*version \([^ ]*\).*/\1/')
fp=release.${boards%% *}.xor-adam

# GRU section (issue 18). Windows are counted apart from code: the image's window arrays,
# from the symbol table, are subtracted from its flash.
gru_window_bytes() { # gru_window_bytes <board> <bin>
  arm-none-eabi-nm -C -S -t d "$(elf "$1" release "$2")" 2>/dev/null |
    awk '$4 ~ /^gru_train::samples::(TUNE|HELD_OUT)$/ { s += $2 } END { print s + 0 }'
}
gru_section() {
  local b s i f n k first ram m3ram="" rows=""
  for b in $boards; do
    [[ " $gru_boards " == *" $b "* ]] || continue
    s=release.$b.gru-steps i=release.$b.gru-infer f=release.$b.gru-finetune n=release.$b.infer-none
    ram=$(($(v "$s.static_ram") + $(v "$s.stack_peak")))
    [ "$b" = m3 ] && m3ram=$ram
    [ -n "${first:-}" ] || first=$b
    rows+="| $b | $(core_of "$b") | $(insns "$s" "$n") ($(insns_range "$s" "$n"))"
    if [ -n "${R[$f.regions]:-}" ]; then
      rows+=" | $(insns "$f" "$n") ($(insns_range "$f" "$n"))"
    else
      rows+=" | —"
    fi
    rows+=" | $(insns "$i" "$n") ($(insns_range "$i" "$n")) | $(call_stack "$s") | $ram"
    rows+=" | $(($(flash_minus "$s" "$n") - $(gru_window_bytes "$b" gru-steps))) | $(v "$s.flash") / $(v "$i.flash")"
    if [ -n "${R[$f.regions]:-}" ]; then
      rows+=" | $(v "$f.before") → $(v "$f.after") of $(v "$f.of") |"$'\n'
    else
      rows+=" | — |"$'\n'
    fi
  done
  [ -n "$rows" ] || { echo "(GRU: no board with 64 KiB of RAM or more measured)"; return; }
  rows=${rows%$'\n'}
  k=release.$first.gru-steps
  cat <<EOF
## GRU training on the device (firmware \`gru-train\`, issue 18)

The BasicMotions GRU classifier (\`examples/basicmotions.rs\`'s \`gru16\`: GRU 6 → 16 over
100 steps, last state → Dense 16 → 4; $(($(v "$k.params") / 4)) parameters, $(v "$k.params") B) is pre-trained on the host
($(grep -o 'HOST_TEST_ACCURACY_E4: u32 = [0-9]*' firmware/gru-train/src/model.rs | awk '{printf "%.1f %%", $NF / 100}') on the upright test split) and sits in flash as a \`static\`. The device's IMU is
mounted upside down (x and z of both sensors negated). Windows of the training split arrive
one at a time; the device keeps the latest $(grep -o 'CAPACITY: usize = [0-9]*' firmware/gru-train/src/run.rs | awk '{print $NF}') in a \`ReplayBuffer\` and after each arrival
takes one per-sample Adam step (lr 3e-3) on each buffered window, training a RAM copy of the
model; it then classifies the held-out (test-split, flipped) windows. Every run below is
the host's bit for bit: the firmware compares its trained-weights checksum, step count and
accuracies (or, for inference, every logit's bits) with \`firmware/gru-train/src/expected.rs\`,
which \`tests/firmware_gru.rs\` computes on the host from the same sources. Release profile.

| board | core | instructions per training step, first $(v "$k.steps") steps (min–max) | instructions per step, whole experiment | instructions per inference (min–max) | step stack B | training RAM B | library + model flash B | image flash B, training / inference | held-out accuracy before → after |
|---|---|---|---|---|---|---|---|---|---|
$rows

- **training RAM**: static RAM + the whole \`gru-steps\` run's peak stack, which holds the
  model copy ($(v "$k.model") B), its step workspace ($(v "$k.workspace") B: the forward cache of 100 steps, no
  gradient buffer), Adam ($(v "$k.optimizer") B) and the replay buffer ($(v "$k.buffer") B), all on \`main\`'s stack, plus
  the step's own stack and the window being pushed.
- **library + model flash**: \`flash(gru-steps) − flash(infer-none)\` minus the embedded
  windows (\`gru_train::samples\`, from the symbol table); the images' flash includes them
  (2400 B per window).
- **instructions**: per step and per inference, minus the markers' own cost (\`infer-none\`).
  m3 has no FPU (soft-float calls). The whole experiment on m3 (the 64 KiB board) runs in
  \`scripts/ci/66-gru.sh\`; the m3 figures above come from the first steps.

| goal (issue 18) | figure | status |
|---|---|---|
| the GRU classifier's per-sample Adam training step fits in 64 KB of RAM (65 536 B) | $([ -n "$m3ram" ] && echo "$m3ram B on m3 (64 KiB of RAM in total, so the board enforces it), replay buffer included" || echo "m3 not measured") | $([ -n "$m3ram" ] && status "$m3ram" 65536 || echo "not measured") |
EOF
}

mkdir -p "$(dirname "$FOOTPRINT")"
{
  cat <<EOF
# Footprint on microcontrollers

<!-- Generated by scripts/firmware.sh from QEMU measurements; do not edit by hand. -->

What stacknet costs inside firmware, measured on five instruction sets under QEMU $qemu_v
with $rustc_v (\`$(v "$fp.rust")\` route). The firmware is in \`firmware/\`; every number
below comes from one run of \`scripts/firmware.sh\`, which CI runs (\`scripts/ci/30-firmware.sh\`).
Two cargo profiles, both with LTO, one codegen unit and \`panic = "abort"\`: **size**
(\`opt-level = "s"\`) and **release** (\`opt-level = 3\`).

The network is XOR 2-4-1, \`chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>]\`
(17 parameters), trained with mean squared error, one update per sample, 4 × $(grep -o 'ADAM_EPOCHS: u32 = [0-9]*' firmware/common/src/xor.rs | grep -o '[0-9]*$') steps
from \`stacknet::rng($(grep -o 'SEED: u64 = [0-9]*' firmware/common/src/xor.rs | grep -o '[0-9]*$'))\` (\`firmware/common/src/xor.rs\`, shared with the host test).

## Against the goals (Cortex-M4F)

| goal | measured on $m4f | status |
|---|---|---|
| XOR 2-4-1 Adam training in ≤ 350 B of RAM (params + grads + optimizer state + cache + step stack) | $ram_s B (size), $ram_f B (release) | $(status "$ram_best" 350) |
| library flash for XOR training ≤ 3 KB (3072 B) | $flash_s B (size), $flash_f B (release) | $(status "$flash_s" 3072) |
| XOR sample step, safety checks included (issue 16): SGD ≤ 440 instructions (hand-written Rust), Adam ≤ 920 (hand-written C with \`vsqrt.f32\`) | SGD $sgd_f, Adam $step_f (release) | $(status "$sgd_f" 440) (SGD), $(status "$step_f" 920) (Adam) |

The 8×8 digits net (64-100-10, 7510 parameters, section below) takes $digits_f instructions
per inference on $m4f (release; $digits_s with the size profile).

For scale, the goals come from AIfES's published figures for a *smaller* 2-3-1 net on a
Cortex-M4F: 276 B (SGD) and 700 B (Adam) of training memory, about 6.5 KB of library code.

Where the rest goes (session 2 already fused the per-sample step, so there is no gradient
buffer to fill, scan and clear, and uses the FPU's \`vsqrt.f32\` on hard-float Arm cores):
- **RAM.** The per-sample Adam state is $(v "$fp.train_adam") B before any stack: params and
  Adam's two moments ($(v "$fp.params") B each), Adam's hyper-parameters, powers and step
  coefficients ($(( $(v "$fp.adam") - 2 * $(v "$fp.params") )) B), and the step workspace
  (cache $(v "$fp.cache") B: dense inputs, activation outputs and the hidden activations a chain
  keeps in its cache, plus the output). The step's own stack is the rest.
- **Flash.** The step adds a gradient survey (the statistics an optimizer checks before it
  writes anything) and the generic chain plumbing; the table below lists the symbols.
- **Instructions.** Adam's update costs $((step_f - sgd_f)) instructions per step more than SGD's
  ($(((step_f - sgd_f) / 17)) per parameter: a division and the moment updates). The safety
  checks (finite input, target, loss and gradients, the survey pass) are about 20–26 % of a
  step: \`docs/YARDSTICK.md\` measures the same step without them against hand-written C.
- Related reports: \`docs/YARDSTICK.md\` (hand-written C on the same boards),
  \`docs/FINETUNE.md\` (fine-tuning a CNN on the device: issue 12's goals table),
  \`docs/INT8.md\` (int8 inference).

## Model bytes (\`stacknet::Footprint::of::<Xor>()\`, printed by the firmware)

| params | grads (mini-batch only) | cache | mini-batch workspace | Adam state | SGD per-sample training total | Adam per-sample training total |
|---|---|---|---|---|---|---|
| $(v "$fp.params") | $(v "$fp.grads") | $(v "$fp.cache") | $(v "$fp.workspace") | $(v "$fp.adam") | $(v "$fp.train_sgd") | $(v "$fp.train_adam") |

The same on every board. Totals exclude stack frames, measured below. The inference model
is a \`static\`: its $(v "$fp.params") parameter bytes sit in flash, and inference needs only stack.

## Training, size profile (\`opt-level = "s"\`)

$(training_table size)

## Training, release profile (\`opt-level = 3\`)

$(training_table release)

- **library flash**: \`flash(xor-adam) − flash(xor-none)\` (\`xor-sgd\` for SGD). \`xor-none\` is the
  same firmware (output, markers, checksum, exit) with black-boxed stand-ins for the network.
  The difference holds stacknet's code, \`libm\` (\`expf\`, software \`sqrtf\`), the XorShift
  seeding and Xavier init, the XOR data and the training loop. No \`core::fmt\` is linked:
  integers are printed by \`firmware/common/src/out.rs\`, and the panic handler formats nothing.
- **static RAM**: \`.data\` + \`.bss\` of the whole \`xor-adam\` firmware. Zero: model, workspace
  and optimizer are ordinary values on \`main\`'s stack (they could equally be \`static\`s).
- **step stack**: stack written by one training step (\`Workspace::step\`: forward, loss,
  backward, optimizer update) below its caller's stack pointer, peak over all steps. Model,
  workspace and optimizer live in the caller and are counted in the model bytes.
- **Adam training RAM** = params + workspace + Adam state + step stack (+ static RAM the
  library adds, none here).
- **instructions per step**: guest instructions of one step, mean over all $(v "$fp.regions") steps (min–max
  across them: \`exp\` takes different paths), minus the markers' own cost measured by the same
  markers around nothing in \`xor-none\`. Exact and repeatable (QEMU TCG plugin
  \`scripts/embedded/plugin/insncount.c\`), but not cycles: QEMU models no pipeline, caches or
  wait states, and Cortex-M0/M3 and RV32IMAC have no FPU (soft-float calls).
- **whole-run stack**: deepest stack of the whole firmware, \`main\` (with its output
  buffers) and the reset handler included. Stack is measured from stores only: space a
  function reserves but never writes is not counted.

## What the library flash is made of ($m4f, size profile, Adam)

Symbols of \`xor-adam\` minus those of \`xor-none\`: \`main\` holds the inlined init, training
loop and output check; negative rows are the baseline's own stand-ins. \`memcmp\` comes from
\`rand_xorshift\`'s all-zero-seed check in \`stacknet::rng\`.

$panic_note

$(flash_breakdown "$m4f" size)

## Inference (firmware \`infer-xor\`: the host-trained model as a \`static\` in flash)

$(inference_table)

Flash includes the $(v "$fp.params") bytes of weights. The four outputs are compared bit for bit with
the host's (\`OUTPUT_BITS\` in \`firmware/infer/src/model.rs\`, generated by \`tests/determinism.rs\`).

## Inference of the 8×8 digits net (firmware \`infer-digits\`)

The 64-100-10 ReLU net of \`examples/digits.rs\`, \`chain![Dense<64, 100>, Relu<100>, Dense<100, 10>]\`
($(v "release.${boards%% *}.infer-digits.params") parameter bytes, a \`static\` in flash: no RAM for parameters), trained on the host
with softmax cross-entropy and Adam for $digits_epochs epochs from \`stacknet::rng(1)\` ($digits_acc % on the 449
test images) by \`tests/firmware_digits.rs\`, which also writes \`firmware/infer/src/digits_model.rs\`:
the weights, ten test images (the first of each class in the test split) and the host's ten
logits per image as bit patterns. The firmware runs the ten inferences and fails unless every
predicted class is the host's and every logit is bit-identical.

$(digits_table)

- **flash**: \`flash(infer-digits) − flash(infer-none)\`: the library's inference code, the
  $(v "release.${boards%% *}.infer-digits.params") B of weights, the 2560 B of test images and the 400 B of expected logits.
- **instructions per inference**: mean over the ten images (min–max), minus the markers' own
  cost in \`infer-none\`. The inference takes its input by reference and returns the ten
  logits; the hidden layer (100 floats) lives on the stack.

## A scaler that ships inside the model (firmware \`infer-iris\`)

The iris classifier \`chain![Standardize<4>, Dense<4, 8>, Relu<8>, Dense<8, 3>]\`: the
\`Standardize\` layer's per-feature mean and standard deviation were fitted on the host's
training split (seed 1, stratified, 114 rows), then the whole model was trained there by
\`tests/tabular.rs\`, which generates the \`static\` (\`tests/generated/iris_model.rs\`, included
by the firmware as is) and the held-out rows with the host's outputs as bit patterns
(\`firmware/infer/src/iris_data.rs\`). The firmware feeds the *raw* rows and fails unless every
output is bit-identical: the device applies exactly the preprocessing the host trained with.

$(iris_table)

$(gru_section)

## Determinism

Every board, in both profiles, ends training with exactly the host's weights: FNV-1a of the
weight bit patterns 0x${want[xor-adam]} (Adam) and 0x${want[xor-sgd]} (SGD), asserted by the firmware, by
\`scripts/firmware.sh\` and by \`tests/determinism.rs\` on the host. This holds because the
library calls \`libm\` (pure Rust, the same code everywhere) for \`exp\` and \`sqrt\`, sums in a
fixed order, and Rust never contracts \`a * b + c\` into a fused multiply-add (the M4F's
\`vmla.f32\` rounds twice, like separate instructions); soft-float on M0/M3/RV32 and the
hardware FPUs both round to nearest as IEEE 754 requires, and the firmware leaves the FPU's
flush-to-zero mode off (its reset state).

## Raw measurements

| profile | board | firmware | flash B | static RAM B | stack peak B | region stack peak B | regions | region instructions | all instructions |
|---|---|---|---|---|---|---|---|---|---|
EOF
  for p in $profiles; do
    for b in $boards; do
      for run in $(runs_on "$p" "$b"); do
        k=$p.$b.${run#*:}
        echo "| $p | $b | ${run#*:} | $(v "$k.flash") | $(v "$k.static_ram") | $(v "$k.stack_peak") | $(v "$k.region_stack_peak") | $(v "$k.regions") | $(v "$k.region") | $(v "$k.total") |"
      done
    done
  done
} >"$FOOTPRINT.tmp"
mv "$FOOTPRINT.tmp" "$FOOTPRINT"
log "wrote $FOOTPRINT in $((SECONDS - start)) s"
