#!/usr/bin/env bash
# ab.sh OLD_BIN NEW_BIN OUT.csv REPS CONF... -- two builds of a benchmark
# binary (bench-glibc of two commits) on the same configurations, run back to
# back in pairs, the order flipped every repetition, so that both see the
# same machine: on a shared VM whose load moves by more than the difference
# looked for, separate runs cannot tell 5 % apart, pairs can.  Each CONF is
# the arguments of one configuration, e.g. "-w W1 -c arena -n 10000000".
# The CSV is bench.c's with a first column "which" (old/new); summarise it
# with bench/ab_pair.py.
set -euo pipefail
[ $# -ge 5 ] || { sed -n '2,9p' "$0"; exit 2; }
old=$1; new=$2; out=$3; reps=$4; shift 4
echo "which,variant,workload,contender,mode,threads,param,ops,ns,faults,maxrss_kb,base_rss_kb,extra,checksum" > "$out"
for ((r = 0; r < reps; r++)); do
  for conf in "$@"; do
    if (( r % 2 )); then order="new old"; else order="old new"; fi
    for which in $order; do
      bin=$old; [ "$which" = new ] && bin=$new
      # shellcheck disable=SC2086
      "$bin" $conf --warmup 1 --reps 1 | sed "s/^/$which,/" >> "$out"
    done
  done
done
