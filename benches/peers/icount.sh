#!/usr/bin/env bash
# icount.sh BINARY WORKLOAD [N0 N1]
# Prints the exact instruction count of ONE call of WORKLOAD, measured with
# `valgrind --tool=callgrind`: the binary runs the workload N0 and then N1 times
# (`BINARY WORKLOAD N`), and (count(N1) - count(N0)) / (N1 - N0) removes process start-up
# and set-up. The defaults (4, 36) make the difference exactly 32 calls, one pass over the
# 32 samples, so every sample is counted once.
#
# glibc's memset switches to `rep stosb` above a few KiB, and valgrind counts every byte
# of a `rep stosb` as one instruction (a real core stores 32-64 bytes per cycle there), so
# GLIBC_TUNABLES pins memset/memcpy to their vector loops for a count that reflects work.
set -euo pipefail
bin=$1 workload=$2 n0=${3:-4} n1=${4:-36}
count() {
  GLIBC_TUNABLES=glibc.cpu.x86_rep_stosb_threshold=0xffffffffffff:glibc.cpu.x86_rep_movsb_threshold=0xffffffffffff \
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$workload" "$1" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
a=$(count "$n0")
b=$(count "$n1")
[[ -n $a && -n $b ]] || { echo "icount: callgrind failed for $bin $workload" >&2; exit 1; }
echo $(((b - a) / (n1 - n0)))
