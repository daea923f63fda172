#!/usr/bin/env bash
# Issue 18: the GRU training firmware (firmware/gru-train) under QEMU.
#   - the host side: tests/firmware_gru.rs runs the same experiment from the same flash
#     `static` and windows and checks firmware/gru-train/src/expected.rs (and that the
#     embedded windows are BasicMotions', that the example's model trains exactly like the
#     firmware's, and that fine-tuning gains on the flipped IMU);
#   - the whole fine-tuning experiment (90 per-sample Adam steps through the replay buffer)
#     on m3, the board with 64 KiB of RAM in total: model, step workspace, Adam and replay
#     buffer must fit there, or the run fails. The firmware compares its outcome (held-out
#     accuracy before and after, steps, checksum of the trained weights) with the host's and
#     exits non-zero on any difference. scripts/ci/30-firmware.sh (scripts/firmware.sh) runs
#     the same experiment on m4f and m33 and measures the steps and inferences on all three.
# Budget: about 1 minute after 30-firmware (which leaves the builds in firmware/target);
# about 2 minutes on its own (build ~45 s, the soft-float run ~30 s).
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
# The features of .ci/run's main test step, so the test binary is already built there.
cargo test --features std,plot,progress --test firmware_gru
scripts/embedded/setup.sh m3
export CARGO_TARGET_DIR=$PWD/firmware/target # shared with scripts/firmware.sh
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
PROFILE=release RUN_TIMEOUT=200 scripts/embedded/run.sh firmware/gru-train m3 gru-finetune \
  >"$out" 2>&1 || rc=$?
grep -E '^(memory|gru-finetune:|result:) ' "$out" || true
if [ "$rc" != 0 ] || ! grep -q '^gru-finetune: .*identical=1' "$out"; then
  tail -n 20 "$out"
  echo "66-gru: FAILED: the m3 run exited $rc or differs from the host"
  exit 1
fi
peak=$(grep -o ' stack_peak=[0-9]*' "$out" | head -n 1 | cut -d= -f2)
echo "66-gru: m3 bit-identical with the host; whole-run stack peak ${peak:-?} B of 65536" \
     "($((SECONDS - start)) s)"
