#!/usr/bin/env bash
# Installs the Debian packages a task needs, only those that are missing.
#   scripts/deps.sh demo   -- build the library and arena-shell
#   scripts/deps.sh test   -- everything the test command needs
#   scripts/deps.sh bench  -- the benchmark peers and gnuplot
set -euo pipefail
want=(cmake make gcc pkg-config libedit-dev)
case "${1:-demo}" in
  demo) ;;
  test) want+=(g++ clang clang-format libclang-rt-14-dev llvm valgrind libcmocka-dev gcovr tmux) ;;
  bench) want+=(g++ libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev libtalloc-dev
                libapr1-dev libcjson-dev gnuplot-nox valgrind python3) ;;
  *) echo "usage: $0 demo|test|bench" >&2; exit 2 ;;
esac
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
