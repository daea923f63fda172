#!/usr/bin/env bash
# Issue 12, item 4: the fine-tuning firmware (firmware/finetune) under QEMU.
#   - the host side: tests/firmware_finetune.rs runs the same experiment from the same
#     flash `static` and samples and checks firmware/finetune/src/expected.rs (and that
#     the feature cache and freezing are exact);
#   - scripts/finetune.sh: last layer only on m3 (64 KiB RAM in total: the memory goal,
#     enforced by the board) and all three settings plus the step probes on m4f and m33;
#     each firmware compares its outcome (accuracies, steps, checksum of the trained
#     weights) with the host's and exits non-zero on any difference.
# The report (docs/FINETUNE.md) is regenerated into a temporary file only, so CI does not
# dirty the tree; a developer runs `bash scripts/finetune.sh` to refresh it.
# Budget: about 3 minutes (the m3 run, soft-float, takes about 60 s).
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
# The features of .ci/run's main test step, so the test binary is already built there.
cargo test --features std,plot,progress --test firmware_finetune
scripts/embedded/setup.sh m3 m4f m33
report=$(mktemp)
trap 'rm -f "$report"' EXIT
SETUP=0 RUN_TIMEOUT=200 REPORT=$report scripts/finetune.sh
echo "65-finetune: done in $((SECONDS - start)) s"
