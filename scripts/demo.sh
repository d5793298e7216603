#!/usr/bin/env bash
# README's first command: installs what the build needs (apt-get, only what
# is missing), builds the library and arena-shell, and runs the shell's
# built-in demo.  Extra arguments go to arena-shell (e.g. scripts/demo.sh -
# for an interactive session).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh demo
B=build/demo
mkdir -p build
if ! { cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DARENA_BUILD_TESTS=OFF -DARENA_BUILD_TOOLS=ON \
        && cmake --build "$B" -j"$(nproc)"; } >"$B.log" 2>&1; then
    cat "$B.log"
    exit 1
fi
if [ $# -eq 0 ]; then
    set -- --demo
elif [ "$1" = - ]; then
    set --
fi
exec "$B/tools/arena-shell" "$@"
