#!/usr/bin/env bash
# bench_peers.sh: stacknet beside numpy, PyTorch, FANN and a hand-written C baseline, in one
# run, then regenerates docs/PERFORMANCE.md. Installs what it needs (idempotently).
#
#   scripts/bench_peers.sh            full run (about 5 minutes on 2 cores)
#   QUICK=1 ROUNDS=1 scripts/bench_peers.sh    a quick try of the script
#
# Wall time is noisy on shared machines: every figure is a median of repeated runs, the
# load average is recorded in the report, and the deterministic callgrind instruction
# counts sit beside the times. See benches/peers/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
OUT=$CARGO_TARGET_DIR/bench-peers
PEERS=$ROOT/benches/peers
export DEBIAN_FRONTEND=noninteractive
log() { printf 'bench_peers: %s\n' "$*" >&2; }

# --- install (only what is missing) ---------------------------------------------------
missing=()
for p in gcc valgrind libfann-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
python3 -c 'import numpy' 2>/dev/null || { log "pip install numpy"; python3 -m pip install -q numpy; }
python3 -c 'import threadpoolctl' 2>/dev/null || { log "pip install threadpoolctl"; python3 -m pip install -q threadpoolctl; }
python3 -c 'import torch' 2>/dev/null || { log "pip install torch"; python3 -m pip install -q torch; }

# --- build -----------------------------------------------------------------------------
rm -rf "$OUT" && mkdir -p "$OUT"
log "building stacknet (release) and the C peers (gcc -O3)"
cargo build --release --quiet --features std --example bench_step
gcc -O3 -o "$OUT/baseline" "$PEERS/baseline.c" -lm
gcc -O3 -o "$OUT/fann_driver" "$PEERS/fann_driver.c" -lfloatfann -lm
STEP=$CARGO_TARGET_DIR/release/examples/bench_step
# The opt-in host build of issue 16: FMA kernels (feature fast-fma) for this CPU
# (target-cpu=native). Not bit-identical with the default build; timed only.
log "building stacknet with --features fast-fma for target-cpu=native"
RUSTFLAGS="-C target-cpu=native" CARGO_TARGET_DIR=$CARGO_TARGET_DIR/fast-fma \
  cargo build --release --quiet --features fast-fma --example bench_step
STEP_FMA=$CARGO_TARGET_DIR/fast-fma/release/examples/bench_step

# --- facts about this run ----------------------------------------------------------------
{
  echo "date $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "cpu $(lscpu | sed -n 's/^Model name: *//p')"
  echo "flags $(grep -m1 -o -w -E 'avx512f|avx2|fma' /proc/cpuinfo | sort -u | tr '\n' ' ')"
  echo "bogomips $(lscpu | sed -n 's/^BogoMIPS: *//p')"
  echo "rustc $(rustc --version)"
  echo "gcc $(gcc --version | head -1)"
  echo "fann $(dpkg-query -W -f='${Version}' libfann-dev)"
  echo "numpy $(python3 -c 'import numpy; print(numpy.__version__)')"
  echo "torch $(python3 -c 'import torch; print(torch.__version__)')"
  echo "valgrind $(valgrind --version)"
  echo "load_before $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/meta.txt"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 python3 -c '
import numpy, threadpoolctl
for d in threadpoolctl.threadpool_info():
    print("blas", d.get("internal_api"), d.get("version"), d.get("architecture"), "threads=%s" % d.get("num_threads"))
' \
  >>"$OUT/meta.txt"

# --- callgrind instruction counts (deterministic) ----------------------------------------
log "callgrind instruction counts"
for w in xor_infer xor_step xor_epoch digits_infer digits_step digits_batch digits_batch4 mnist_infer \
  mnist_step mnist_batch mnist_batch4 cnn_infer cnn_step cnn_batch cnn_batch4; do
  echo "stacknet $w $("$PEERS/icount.sh" "$STEP" "$w")"
done >"$OUT/callgrind.txt"
for w in xor_infer xor_step xor_epoch digits_infer digits_step mnist_infer mnist_step; do
  echo "c $w $("$PEERS/icount.sh" "$OUT/baseline" "$w")"
done >>"$OUT/callgrind.txt"

log "callgrind profiles (instructions per call, by function)"
for w in xor_step digits_step mnist_step cnn_step; do
  "$PEERS/profile.sh" "$STEP" "$w" >"$OUT/profile_$w.txt"
done
"$PEERS/profile.sh" "$STEP" mnist_batch 1 3 >"$OUT/profile_mnist_batch.txt"
"$PEERS/profile.sh" "$STEP" mnist_batch4 1 3 >"$OUT/profile_mnist_batch4.txt"

# --- wall time: medians of repeated runs, one thread each -----------------------------------
# ROUNDS rounds, each running every implementation once in turn (each run reports a median
# of 21 timed runs), so a change in background load hits all of them alike; the report
# takes the median over the rounds.
ROUNDS=${ROUNDS:-5}
for ((round = 1; round <= ROUNDS; round++)); do
  log "timing round $round/$ROUNDS: stacknet, C, FANN, numpy, PyTorch"
  "$STEP" time
  "$STEP_FMA" time | sed 's/^stacknet /fma /'
  "$OUT/baseline" time
  "$OUT/fann_driver"
  # numpy: OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset for this command only (see env README).
  (cd "$PEERS" && env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 python3 numpy_loop.py)
  (cd "$PEERS" && OMP_NUM_THREADS=1 python3 torch_cpu.py)
done >"$OUT/times.txt"
# criterion's own medians for stacknet, as a cross-check of the driver's timer.
log "criterion (stacknet)"
crit_args=()
[[ ${QUICK:-0} == 1 ]] && crit_args=(--warm-up-time 1 --measurement-time 2)
rm -rf "$CARGO_TARGET_DIR/criterion"
cargo bench --quiet --features std --bench inference --bench train_step -- "${crit_args[@]}" >"$OUT/criterion.log" 2>&1
python3 "$PEERS/criterion_medians.py" "$CARGO_TARGET_DIR/criterion" >"$OUT/criterion.txt"
echo "load_after $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/meta.txt"
echo "rounds $ROUNDS" >>"$OUT/meta.txt"

# --- report ----------------------------------------------------------------------------------
python3 "$PEERS/report.py" "$OUT" >docs/PERFORMANCE.md
log "wrote docs/PERFORMANCE.md (raw figures in $OUT)"
