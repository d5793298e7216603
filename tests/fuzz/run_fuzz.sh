#!/bin/sh
# run_fuzz.sh FUZZER CORPUS [SHARE]
# Runs a libFuzzer target for ARENA_FUZZ_SECONDS / SHARE seconds (read now,
# at test time; default 60) on a temporary copy of CORPUS, so the committed
# corpus never changes.  Prints libFuzzer's progress, then the executions
# and coverage reached.  A crash leaves its input in the temp dir, kept and
# named in the output.
set -u
fuzzer=$1
corpus=$2
share=${3:-1}
total=${ARENA_FUZZ_SECONDS:-60}
secs=$((total / share))
[ "$secs" -ge 1 ] || secs=1
work=$(mktemp -d "${TMPDIR:-/tmp}/arena-fuzz.XXXXXX") || exit 1
mkdir -p "$work/corpus" "$work/artifacts"
cp "$corpus"/* "$work/corpus/" 2>/dev/null
echo "run_fuzz: $(basename "$fuzzer") for ${secs}s on a copy of $corpus ($(ls "$work/corpus" | wc -l) seeds)"
"$fuzzer" -max_total_time="$secs" -max_len=4096 -timeout=30 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1
rc=$?
grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)' "$work/log" | tail -n 40
done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/log" | tail -n 1)
cov_line=$(grep -E 'cov: [0-9]+' "$work/log" | tail -n 1)
execs=$(grep -E '^stat::number_of_executed_units' "$work/log" | awk '{print $2}')
echo "run_fuzz: executions: ${execs:-?}; last status: ${done_line:-$cov_line}"
if [ "$rc" -ne 0 ]; then
    echo "run_fuzz: FAILED (exit $rc); crashing input(s) kept in $work/artifacts:"
    ls -l "$work/artifacts"
    exit "$rc"
fi
rm -rf "$work"
exit 0
