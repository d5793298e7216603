#!/usr/bin/env bash
# The benchmark suite, one command:
#
#   scripts/bench.sh             full run (under 10 minutes on 2 cores); writes
#                                bench/results/{raw.csv,summary.csv,table.md,
#                                targets.md,machine.md}, docs/img/bench-*.png and
#                                the results section of docs/benchmarks.md
#   scripts/bench.sh --quick     smaller counts (under a minute); writes to
#                                build/bench/results-quick/ only
#   scripts/bench.sh --callgrind instructions per operation under callgrind
#                                (stable on a noisy machine); writes
#                                callgrind.csv next to the results
#   scripts/bench.sh --lifetimes the lifetimes rows L1-L4 (bench-life: cleanups,
#                                child and scratch arenas against APR and
#                                talloc), callgrind pass then timed run, into
#                                bench/results/lifetimes/ and the lifetimes
#                                section of docs/benchmarks.md
#   scripts/bench.sh --libs      W8, the eight real libraries of examples/
#                                (bench-libs: glibc and the arena wirings;
#                                bench-libs-mimalloc), callgrind pass then timed
#                                run, into bench/results/libs/, docs/img/bench-libs.png
#                                and the W8 section of docs/benchmarks.md
#
# Options: --reps N (default 5; at least 5 for published numbers)
#          --threads-max N (W4 thread counts 1..4, then powers of two, up to N;
#                           default nproc; e.g. 32 on a big machine)
#          --only W1,W4,...  (workloads: W1 W2 W3 W3r W4 W5 W6 W7 W8 P1 D1, and
#                             L1 L2 L3 L4: only L ones write to
#                             bench/results/lifetimes/ by default)
#          --contenders a,b  (names as in bench-<x> --list; the C++ rows:
#                             pmr-arena,pmr-monotonic,pmr-pool in bench-pmr)
#          --out DIR         (results directory)   --no-deps (skip scripts/deps.sh)
#          --build-dir DIR   (default build/bench)
#          --baseline CSV    (a summary.csv of an earlier run: the target check
#                             lists every arena row slower than there)
#
# Every (workload, contender, repetition) is a fresh process that sets up,
# runs one untimed warm-up iteration, then one timed iteration; the order
# of contenders rotates from one repetition to the next.  Peak RSS and page
# faults therefore belong to one contender on one workload.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

quick=0; callgrind=0; reps=5; tmax=$(nproc); only=""; contenders=""; out=""; deps=1
build="build/bench"
baseline=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --callgrind) callgrind=1 ;;
    --reps) reps=$2; shift ;;
    --threads-max) tmax=$2; shift ;;
    --only) only=$2; shift ;;
    --contenders) contenders=$2; shift ;;
    --out) out=$2; shift ;;
    --build-dir) build=$2; shift ;;
    --no-deps) deps=0 ;;
    --lifetimes) only=L1,L2,L3,L4; cgfirst=1 ;;
    --libs) only=W8; cgfirst=1 ;;
    --baseline) baseline=$2; shift ;;
    -h|--help) sed -n '2,41p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

t_start=$(date +%s)
[ $deps -eq 1 ] && scripts/deps.sh bench

# Lifetimes (L1-L4) alone, and W8 alone: their own results folders;
# --lifetimes and --libs run the callgrind pass first, so the timed run's
# tables carry Ir per operation.
life_only=0; [ -n "$only" ] && ! [[ ",$only" =~ ,[^L] ]] && life_only=1
[ -z "$out" ] && [ $life_only -eq 1 ] && [ $quick -eq 0 ] && out="bench/results/lifetimes"
[ -z "$out" ] && [ "$only" = W8 ] && [ $quick -eq 0 ] && out="bench/results/libs"
if [ "${cgfirst:-0}" -eq 1 ] && [ $callgrind -eq 0 ] && [ $quick -eq 0 ]; then
  "$ROOT/scripts/bench.sh" --callgrind --only "$only" --out "$out" --build-dir "$build" --no-deps
fi

# ---- build: a separate -O2 Release tree -------------------------------------
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DARENA_BUILD_BENCH=ON -DARENA_BUILD_TESTS=OFF -DARENA_BUILD_TOOLS=OFF -DARENA_VALGRIND=OFF \
  >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
BIN="$build/bench"

if [ -z "$out" ]; then
  if [ $quick -eq 1 ]; then out="$build/results-quick"; else out="bench/results"; fi
fi
mkdir -p "$out"
# Plots go to docs/img only from a full, unrestricted run (the one docs quote).
imgdir="docs/img"; { [ $quick -eq 1 ] || [ -n "$only$contenders" ]; } && imgdir="$out"
mkdir -p "$imgdir"

# ---- which allocator serves each binary --------------------------------------
variants=()
: > "$out/machine.md.tmp"
trap 'rm -f "$out/machine.md.tmp"' EXIT
for v in glibc jemalloc tcmalloc mimalloc pmr; do
  [ -x "$BIN/bench-$v" ] || { echo "bench.sh: no bench-$v (peer missing?)" >&2; continue; }
  if ! line=$("$BIN/bench-$v" --check); then
    echo "bench.sh: $line" >&2; exit 1
  fi
  echo "- \`bench-$v\`: $line" >> "$out/machine.md.tmp"
  variants+=("$v")
done

# ---- sizes -------------------------------------------------------------------
if [ $quick -eq 1 ]; then
  W1="-n 1000000"; W2="-n 200000"; W3="--cycles 20 --per 100000"; W3R_TOTAL=400000
  W4N=200000; W5="-n 100000"; W6="--json-mb 3"; W7="--cycles 8 --per 8"; P1="-n 100000"
  L="-n 100000"; W8="--small"
  D1="-n 1000000 --decay-ms 250"
else
  W1="-n 10000000"; W2="-n 2000000"; W3="--cycles 1000 --per 100000"; W3R_TOTAL=4000000
  W4N=1000000; W5="-n 1000000"; W6="--json-mb 24"; W7="--cycles 64 --per 8"; P1="-n 1000000"
  L="-n 1000000"; W8=""
  D1="-n 2000000"
fi
if [ $callgrind -eq 1 ]; then
  W1="-n 200000"; W2="-n 200000"; W3="--cycles 10 --per 100000"; W3R_TOTAL=200000
  W4N=100000; W5="-n 50000"; W6="--json-mb 2"; W7="--cycles 4 --per 8"; P1="-n 50000"; reps=1
  L="-n 20000"; W8="--small"
fi

threads=()
for t in 1 2 3 4; do [ "$t" -le "$tmax" ] && threads+=("$t"); done
t=8; while [ "$t" -le "$tmax" ]; do threads+=("$t"); t=$((t * 2)); done
last=${threads[${#threads[@]}-1]}; [ "$last" -ne "$tmax" ] && threads+=("$tmax")

# contender -> binary, and its workloads
declare -A binof listof
allc=()
for v in "${variants[@]}"; do
  while read -r name wl; do
    binof[$name]="$BIN/bench-$v"; listof[$name]=" $wl "; allc+=("$name")
  done < <("$BIN/bench-$v" --list)
done
if [ -n "$contenders" ]; then IFS=, read -r -a allc <<< "$contenders"; fi
want() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }

# ---- the plan: one line per process (args after the binary) -------------------
plan=()   # "workload|contender|args"
add() { plan+=("$1|$2|$3"); }
for c in "${allc[@]}"; do
  l=${listof[$c]:-}
  [ -n "$l" ] || { echo "bench.sh: unknown contender $c" >&2; exit 2; }
  want W1 && [[ $l == *" W1 "* ]] && add W1 "$c" "-w W1 -c $c $W1"
  want W2 && [[ $l == *" W2 "* ]] && add W2 "$c" "-w W2 -c $c $W2"
  want W3 && [[ $l == *" W3 "* ]] && add W3 "$c" "-w W3 -c $c $W3"
  if want W3r && [[ $l == *" W3r "* ]]; then
    for per in 1000 10000 100000 1000000; do
      cyc=$((W3R_TOTAL / per)); [ $cyc -lt 4 ] && cyc=4
      add W3r "$c" "-w W3r -c $c --per $per --cycles $cyc"
    done
  fi
  if want W4; then
    for t in "${threads[@]}"; do
      n=$W4N; [ "$t" -gt 16 ] && n=$((W4N * 16 / t))
      [[ $l == *" W4s "* ]] && add W4 "$c" "-w W4 -c $c --shared --threads $t -n $n"
      [[ $l == *" W4p "* ]] && add W4 "$c" "-w W4 -c $c --private --threads $t -n $n"
    done
  fi
  want W5 && [[ $l == *" W5 "* ]] && add W5 "$c" "-w W5 -c $c $W5"
  want W6 && [[ $l == *" W6 "* ]] && add W6 "$c" "-w W6 -c $c $W6"
  want W7 && [[ $l == *" W7 "* ]] && add W7 "$c" "-w W7 -c $c $W7"
  want P1 && [[ $l == *" P1 "* ]] && add P1 "$c" "-w P1 -c $c $P1"
  # D1: RSS over time after arenas are destroyed (not under callgrind: it sleeps)
  if want D1 && [ $callgrind -eq 0 ] && [[ $l == *" D1 "* ]]; then
    for m in idle calls decay-now helper; do add D1 "$c" "-w D1 -c $c --decay-mode $m $D1"; done
  fi
done
# Lifetimes (L1-L4): bench-life lists one configuration a line.
if [ -x "$BIN/bench-life" ]; then
  while read -r w mode param c; do
    want "$w" || continue
    binof[life:$c]="$BIN/bench-life"
    add "$w" "life:$c" "-w $w -c $c --mode $mode --param $param $L"
  done < <("$BIN/bench-life" --list)
fi
# W8, the real libraries: bench-libs, and bench-libs-mimalloc, whose malloc
# replaces glibc's in its own processes only; --list: "LIB:MODE CONTENDER".
if want W8; then
  for b in libs libs-mimalloc; do
    [ -x "$BIN/bench-$b" ] || { echo "bench.sh: no bench-$b (scripts/deps.sh bench)" >&2; continue; }
    line=$("$BIN/bench-$b" --check) || { echo "bench.sh: $line" >&2; exit 1; }
    echo "- \`bench-$b\`: $line" >> "$out/machine.md.tmp"
    while read -r lib c; do
      binof[w8:$c]="$BIN/bench-$b"
      add W8 "w8:$c" "-w W8 -c $c --lib $lib $W8"
    done < <("$BIN/bench-$b" --list)
  done
fi
np=${#plan[@]}
[ "$np" -gt 0 ] || { echo "bench.sh: nothing to run" >&2; exit 2; }

# ---- run ---------------------------------------------------------------------
if [ $callgrind -eq 1 ]; then
  cg="$out/callgrind.csv"; tmp=$(mktemp -d)
  echo "workload,contender,mode,threads,param,ops,ir,ir_per_op" > "$cg"
  cgl="$out/callgrind-life.csv"; rm -f "$cgl"
  echo "bench.sh: $np runs under callgrind"
  for i in "${!plan[@]}"; do
    IFS='|' read -r w c args <<< "${plan[$i]}"
    # shellcheck disable=SC2086
    row=$(valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$tmp/cg.out" \
          "${binof[$c]}" $args --warmup 1 --reps 1 --callgrind 2>/dev/null | tail -1)
    ir=$(awk '/^totals:/ {print $2; exit}' "$tmp/cg.out")
    IFS=, read -r _v wl cn mode th param ops _rest <<< "$row"
    echo "$wl,$cn,$mode,$th,$param,$ops,$ir,$(awk -v a="$ir" -v b="$ops" 'BEGIN{printf "%.1f", a/b}')" >> "$cg"
    if [[ $wl == L* || $wl == W8 ]]; then  # lifetimes, W8: where the instructions go, per function
      [ -f "$cgl" ] || echo "workload,contender,mode,param,ops,function,ir" > "$cgl"
      # (W8 runs whole libraries: only functions of 100,000 Ir and more.)
      callgrind_annotate --inclusive=no --threshold=100 "$tmp/cg.out" 2>/dev/null | awk -v p="$wl,$cn,$mode,$param,$ops" \
        -v min="$([ "$wl" = W8 ] && echo 100000 || echo 0)" \
        '/^ *[0-9,]+ +\(/ && !/PROGRAM TOTALS/ {ir=$1; gsub(",", "", ir); f=$0; sub(/^[^)]*\) +/, "", f);
          sub(/ \[.*/, "", f); sub(/.*:/, "", f); sub(/@.*/, "", f); if (ir + 0 >= min) print p "," f "," ir}' >> "$cgl"
    fi
    [ -t 2 ] && printf '\r  %d/%d %-40s' $((i + 1)) "$np" "$w $c" >&2
  done
  rm -rf "$tmp"; [ -t 2 ] && echo >&2
  python3 bench/report.py --callgrind "$cg" --out "$out"
  echo "bench.sh: callgrind done in $(( $(date +%s) - t_start )) s: $out/callgrind.md"
  exit 0
fi

raw="$out/raw.csv"
"$BIN/bench-glibc" --header > "$raw"
echo "bench.sh: $np configurations x $reps repetitions"
for ((r = 0; r < reps; r++)); do
  # rotate: repetition r starts r*np/reps entries further on
  off=$(( (r * np) / reps ))
  for ((k = 0; k < np; k++)); do
    IFS='|' read -r w c args <<< "${plan[$(( (k + off) % np ))]}"
    # shellcheck disable=SC2086
    if ! "${binof[$c]}" $args --warmup 1 --reps 1 >> "$raw"; then
      echo "bench.sh: failed: ${binof[$c]} $args" >&2; exit 1
    fi
    [ -t 2 ] && printf '\r  rep %d/%d  %d/%d  %-48s' $((r + 1)) "$reps" $((k + 1)) "$np" "$w $c" >&2
  done
done
[ -t 2 ] && echo >&2
t_run=$(( $(date +%s) - t_start ))

# ---- machine and versions ------------------------------------------------------
{
  echo "- CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"\
       "($(lscpu | sed -n 's/^Hypervisor vendor: *//p' | head -1 | sed 's/^\(.\)/virtualised, \1/'))"
  echo "- Kernel: $(uname -sr); memory $(free -g | awk '/^Mem:/ {print $2}') GiB;"\
       "THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo n/a)"
  echo "- Compiler: $(gcc --version | head -1), flags -O2 -DNDEBUG (CMake Release; g++ -std=c++17 for bench-pmr)"
  echo "- Peers (dpkg-query):"
  for p in libc6 libstdc++6 libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev libtalloc-dev libapr1-dev \
           libcjson-dev libjansson-dev libxml2-dev libexpat1-dev liblua5.4-dev libsqlite3-dev zlib1g-dev \
           libpcre2-dev shared-mime-info; do
    echo "  - $p $(dpkg-query -W -f='${Version}\n' "$p" 2>/dev/null | head -n 1 | grep . || echo missing)"
  done
  echo "- Allocator checks (each binary proves which malloc serves it):"
  sed 's/^/  /' "$out/machine.md.tmp"
  echo "- arena $(git describe --always --dirty 2>/dev/null || echo '?'), run $(date -u +%Y-%m-%dT%H:%MZ),"\
       "mode $([ $quick -eq 1 ] && echo quick || echo full), $reps repetitions, $t_run s"
} > "$out/machine.md"
rm -f "$out/machine.md.tmp"

docs=""; [ $quick -eq 0 ] && [ -z "$only$contenders" ] && docs="--docs docs/benchmarks.md"
[ $quick -eq 0 ] && [ -z "$contenders" ] && want W8 && docs="$docs --libs-docs docs/benchmarks.md"
[ $quick -eq 0 ] && [ -z "$contenders" ] && { [ -z "$only" ] || [ $life_only -eq 1 ]; } \
  && docs="$docs --life-docs docs/benchmarks.md"
# shellcheck disable=SC2086
python3 bench/report.py --raw "$raw" --out "$out" --img "$imgdir" $docs \
  $([ -f "$out/callgrind.csv" ] && echo "--callgrind $out/callgrind.csv") \
  $([ -n "$baseline" ] && echo "--baseline $baseline")
echo "bench.sh: done in $(( $(date +%s) - t_start )) s (runs $t_run s): $out/table.md"
