#!/bin/sh
# run_fuzz.sh FUZZER CORPUS SECONDS -- runs the libFuzzer target on a copy of
# the committed seed corpus (the repository is never written to).
set -u
fuzzer=$1
corpus=$2
secs=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/arena-shell-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/corpus"
cp "$corpus"/* "$tmp/corpus/"
cd "$tmp" || exit 1
"$fuzzer" -max_total_time="$secs" -max_len=4096 -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 "$tmp/corpus"
