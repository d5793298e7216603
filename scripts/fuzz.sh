#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] [TARGET]
#
# Fuzzes the arena against its reference model (tests/fuzz/fuzz_arena.c) for
# as long as asked: SECONDS per target (default 600), TARGET one of
# fuzz_arena (library under ASan+UBSan, checked mode), fuzz_arena_fast
# (library under UBSan, fast mode) or all (default, one after the other).
#
# Builds with clang into $ARENA_BUILD_ROOT/fuzz-long (default build/), keeps
# a working corpus there (seeded from tests/fuzz/corpus, which is never
# written), and leaves crashing inputs in build/fuzz-long/artifacts.  To
# replay a crash: build/fuzz-long/tests/fuzz/fuzz_arena_replay CRASH-FILE
# (HD_TRACE=1 prints every operation).  To fold new finds into the committed
# corpus, minimised:  build/fuzz-long/tests/fuzz/fuzz_arena -merge=1 \
#   tests/fuzz/corpus build/fuzz-long/corpus/fuzz_arena
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
which=${2:-all}
B=${ARENA_BUILD_ROOT:-$PWD/build}/fuzz-long
scripts/deps.sh test >/dev/null
CC=clang CXX=clang++ cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DARENA_BUILD_FUZZ=ON \
    -DARENA_VALGRIND=OFF -DARENA_BUILD_TESTS=ON >"$B.configure.log" 2>&1 ||
    { cat "$B.configure.log"; exit 1; }
cmake --build "$B" -j"$(nproc)" --target fuzz_arena fuzz_arena_fast fuzz_arena_replay
mkdir -p "$B/artifacts"
case $which in
all) targets="fuzz_arena fuzz_arena_fast" ;;
fuzz_arena | fuzz_arena_fast) targets=$which ;;
*) echo "usage: $0 [SECONDS] [all|fuzz_arena|fuzz_arena_fast]" >&2; exit 2 ;;
esac
rc=0
for t in $targets; do
    corpus="$B/corpus/$t"
    mkdir -p "$corpus"
    cp -n tests/fuzz/corpus/* "$corpus/" 2>/dev/null || true
    echo "==== $t for ${secs}s (corpus $corpus: $(ls "$corpus" | wc -l) inputs)"
    set +e
    "$B/tests/fuzz/$t" -max_total_time="$secs" -max_len=4096 -timeout=30 -rss_limit_mb=4096 \
        -print_final_stats=1 -artifact_prefix="$B/artifacts/$t-" "$corpus" 2>&1 |
        grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)' | tail -n 25
    r=${PIPESTATUS[0]}
    set -e
    [ "$r" -eq 0 ] || { echo "$t: FAILED (exit $r), inputs in $B/artifacts"; rc=1; }
done
exit $rc
