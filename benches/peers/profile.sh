#!/usr/bin/env bash
# profile.sh BINARY WORKLOAD [N0 N1]
# Where one call's instructions go: callgrind runs the workload N0 and N1 times (as
# icount.sh does), callgrind_annotate splits each run by function, and the per-function
# difference divided by N1 - N0 is printed as "<instructions per call> <function>", largest
# first, functions above 1 % only.
set -euo pipefail
bin=$1 workload=$2 n0=${3:-4} n1=${4:-36}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for n in "$n0" "$n1"; do
  GLIBC_TUNABLES=glibc.cpu.x86_rep_stosb_threshold=0xffffffffffff:glibc.cpu.x86_rep_movsb_threshold=0xffffffffffff \
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$n" "$bin" "$workload" "$n" >/dev/null 2>&1
  # Inclusive=no, one line per function: "<count> <file>:<function> [<object>]".
  callgrind_annotate --threshold=100 --auto=no "$tmp/cg.$n" 2>/dev/null |
    awk '/^ *[0-9,]+ .*:/ { c = $1; gsub(",", "", c); $1 = ""; sub(/^ +/, "");
                            sub(/ \[[^]]*\]$/, ""); sub(/\([0-9.]+%\) */, "");
                            f = substr($0, index($0, ":") + 1); total[f] += c }
         END { for (f in total) printf "%s\t%s\n", f, total[f] }' | sort >"$tmp/f.$n"
done
join -t $'\t' -a 2 -e 0 -o '0,1.2,2.2' "$tmp/f.$n0" "$tmp/f.$n1" |
  awk -F'\t' -v d=$((n1 - n0)) '{ x = ($3 - $2) / d; s += x; row[$1] = x }
       END { for (f in row) if (row[f] >= 0.01 * s) printf "%d\t%s\n", row[f], f }' |
  sort -rn
