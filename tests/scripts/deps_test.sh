#!/usr/bin/env bash
# deps_test.sh DEPS_SH -- scripts/deps.sh against fake package tools.
#
# Each case runs deps.sh with PATH set to a sandbox of its own: a few real
# commands it needs (bash, env, mktemp, rm, tail) and fakes of apt-get,
# dpkg-query, dpkg (one case), id, sudo, pkg-config, cc, clang and the tools
# the probes look for.  The fakes keep their state in files (which packages
# are installed, which cannot be had, whether `apt-get update` fails) and
# log every call, so no case can reach the real package system, and each
# checks what deps.sh did as well as what it said.
# shellcheck disable=SC2016 # the fakes' bodies expand when the fakes run
set -u
deps=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$deps" ] || {
    echo "deps_test: $1 is not an executable script"
    exit 2
}
top=$(mktemp -d "${TMPDIR:-/tmp}/arena-deps-test.XXXXXX") || exit 2
trap 'rm -rf "$top"' EXIT
failures=0
real_path=$PATH

demo_pkgs=(cmake make gcc pkg-config libedit-dev)
libs_pkgs=(libcjson-dev libjansson-dev liblua5.4-dev libsqlite3-dev libexpat1-dev libxml2-dev zlib1g-dev
    libpcre2-dev shared-mime-info)
# The libraries' pkg-config modules (shared-mime-info's probe is its XML file, on the host).
libs_pc="libcjson jansson lua5.4 sqlite3 expat libxml-2.0 zlib libpcre2-8"
test_pkgs=("${demo_pkgs[@]}" g++ clang clang-format libclang-rt-14-dev llvm valgrind libcmocka-dev gcovr tmux
    abigail-tools python3 groff-base man-db "${libs_pkgs[@]}")

fake() { # fake NAME BODY: a /bin/sh script in the sandbox
    printf '#!/bin/sh\nPATH=%s\n%s\n' "$real_path" "$2" >"$bin/$1"
    chmod +x "$bin/$1"
}

# sandbox [--debian] [--sudo]: a fresh sandbox in $bin, state in $state.
sandbox() {
    local dir=$top/case$((++ncase))
    bin=$dir/bin
    state=$dir/state
    mkdir -p "$bin" "$state" "$dir/tmp"
    for c in bash env mktemp rm tail; do
        ln -s "$(command -v "$c")" "$bin/$c"
    done
    fake id '[ "$1" = -u ] && echo "${FAKE_UID:-0}"'
    while [ $# -gt 0 ]; do
        case $1 in
        --debian)
            # Installed packages are lines "NAME" (native) or "NAME:ARCH".
            fake dpkg 'echo amd64'
            fake dpkg-query 'for pkg; do :; done
name=${pkg%%:*}
want=""
[ "$name" = "$pkg" ] || want=${pkg#*:}
found=0
while read -r line; do
    case $line in
    "$name") arch=amd64 ;;
    "$name":*) arch=${line#*:} ;;
    *) continue ;;
    esac
    [ -n "$want" ] && [ "$want" != "$arch" ] && continue
    printf "install ok installed|%s\n" "$arch"
    found=1
done <"$FAKE_STATE/installed" 2>/dev/null
[ $found = 1 ] || {
    echo "dpkg-query: no packages found matching $pkg" >&2
    exit 1
}'
            fake apt-get 'echo "apt-get $*" >>"$FAKE_STATE/apt.log"
[ "${DEBIAN_FRONTEND:-}" = noninteractive ] || { echo "E: interactive" >&2; exit 100; }
case $1 in
update)
    if [ -e "$FAKE_STATE/update_fails" ]; then
        echo "E: Failed to fetch http://deb.example/dists/x/main/binary-i386/Packages  404  Not Found"
        echo "E: Some index files failed to download. They have been ignored, or old ones used instead."
        exit 100
    fi
    exit 0 ;;
install)
    shift
    pkgs=""
    for a in "$@"; do case $a in -*) ;; *) pkgs="$pkgs $a" ;; esac; done
    for p in $pkgs; do
        if grep -qx "$p" "$FAKE_STATE/unavailable" 2>/dev/null; then
            echo "E: Unable to locate package $p" >&2
            exit 100
        fi
    done
    for p in $pkgs; do
        grep -qx "$p" "$FAKE_STATE/phantom" 2>/dev/null || echo "$p" >>"$FAKE_STATE/installed"
    done
    exit 0 ;;
esac
exit 100'
            ;;
        --sudo)
            fake sudo 'echo "sudo $*" >>"$FAKE_STATE/sudo.log"
PATH=$FAKE_PATH exec "$@"'
            ;;
        esac
        shift
    done
}

# probes_answer CMD...: stubs for commands, and fakes of pkg-config, cc and
# clang that answer for the modules, headers and libFuzzer in FAKE_PC,
# FAKE_HEADERS and FAKE_FUZZER.
probes_answer() {
    for c in "$@"; do
        fake "$c" 'exit 0'
    done
    fake pkg-config '[ "$1" = --exists ] || exit 1
case " $FAKE_PC " in *" $2 "*) exit 0 ;; esac
exit 1'
    fake cc 'read -r line
h=${line#*<}
h=${h%>*}
case " $FAKE_HEADERS " in *" $h "*) exit 0 ;; esac
exit 1'
    fake clang 'case " $* " in *" -fsanitize=fuzzer "*) cat >/dev/null; [ "${FAKE_FUZZER:-0}" = 1 ] ;; *) exit 0 ;; esac'
}

installed_now() { printf '%s\n' "$@" >"$state/installed"; }

# run TASK: runs deps.sh in the sandbox; sets rc and out.
run() {
    out=$(cd "$top" && env -i PATH="$bin" FAKE_PATH="$bin" FAKE_STATE="$state" \
        TMPDIR="${bin%/bin}/tmp" FAKE_UID="${FAKE_UID:-0}" FAKE_PC="${FAKE_PC:-}" \
        FAKE_HEADERS="${FAKE_HEADERS:-}" FAKE_FUZZER="${FAKE_FUZZER:-0}" "$deps" "$@" 2>&1)
    rc=$?
    # deps.sh removes its temporary directory whatever happens.
    if [ -n "$(ls -A "${bin%/bin}/tmp")" ]; then
        fail "left files in TMPDIR: $(ls -A "${bin%/bin}/tmp")"
    fi
}

case_name=""
start() {
    case_name=$1
    echo "---- $case_name"
}
fail() {
    echo "FAIL [$case_name]: $*"
    echo "  deps.sh exit status: ${rc:-?}; its output:"
    printf '%s\n' "${out:-}" | sed 's/^/    | /'
    failures=$((failures + 1))
}
expect_rc() { [ "$rc" -eq "$1" ] || fail "exit status $rc, expected $1"; }
expect_out() { [[ $out == *"$1"* ]] || fail "output lacks \"$1\""; }
expect_no_out() { [[ $out != *"$1"* ]] || fail "output has \"$1\", expected it absent"; }
expect_installed() {
    for p in "$@"; do
        grep -qx "$p" "$state/installed" || fail "$p is not installed (installed: $(tr '\n' ' ' <"$state/installed"))"
    done
}
expect_log() { # expect_log FILE LINE: the fake logged exactly LINE
    grep -qxF "$2" "$state/$1" 2>/dev/null || fail "$1 lacks \"$2\" (has: $(cat "$state/$1" 2>/dev/null))"
}
expect_no_log() { [ ! -e "$state/$1" ] || fail "$1 exists: $(cat "$state/$1")"; }

ncase=0

start "a failing apt-get update does not stop an install that works"
sandbox --debian
installed_now "${demo_pkgs[@]}"
touch "$state/update_fails"
run test
expect_rc 0
expect_out "apt-get update failed"
expect_out "404  Not Found"
expect_log apt.log "apt-get update -qq"
expect_log apt.log "apt-get install -y -qq --no-install-recommends g++ clang clang-format libclang-rt-14-dev llvm valgrind libcmocka-dev gcovr tmux abigail-tools python3 groff-base man-db ${libs_pkgs[*]}"
expect_installed "${test_pkgs[@]}"

start "nothing missing: apt-get is never called and nothing is printed"
sandbox --debian
installed_now "${test_pkgs[@]}"
run test
expect_rc 0
[ -z "$out" ] || fail "printed something"
expect_no_log apt.log

start "a multiarch host (the i386 package too) counts the native one as installed"
sandbox --debian
installed_now "${test_pkgs[@]}" libcmocka-dev:i386
run test
expect_rc 0
[ -z "$out" ] || fail "printed something"
expect_no_log apt.log

start "only the foreign architecture's package: the native one is installed"
sandbox --debian
installed_now "${demo_pkgs[@]}"
for p in "${test_pkgs[@]}"; do
    [ "$p" = libcmocka-dev ] && echo "libcmocka-dev:i386" >>"$state/installed" ||
        case " ${demo_pkgs[*]} " in *" $p "*) ;; *) echo "$p" >>"$state/installed" ;; esac
done
run test
expect_rc 0
expect_log apt.log "apt-get install -y -qq --no-install-recommends libcmocka-dev"

start "a package that cannot be had is named; the others still install"
sandbox --debian
installed_now "${demo_pkgs[@]}"
touch "$state/update_fails"
echo libcmocka-dev >"$state/unavailable"
run test
expect_rc 1
expect_out "cannot install libcmocka-dev; apt-get says:"
expect_out "E: Unable to locate package libcmocka-dev"
expect_out "missing: libcmocka-dev"
expect_no_out "cannot install gcovr"
expect_log apt.log "apt-get install -y -qq --no-install-recommends gcovr"
expect_installed "${demo_pkgs[@]}" g++ clang clang-format libclang-rt-14-dev llvm valgrind gcovr tmux \
    abigail-tools python3 groff-base man-db "${libs_pkgs[@]}"

start "apt-get reports success but the package is not installed: named"
sandbox --debian
installed_now "${demo_pkgs[@]}"
echo tmux >"$state/phantom"
run test
expect_rc 1
expect_out "cannot install tmux"
expect_out "missing: tmux"
expect_no_out "apt-get update failed"

start "not root and no sudo: says what is missing and why nothing is installed"
sandbox --debian
installed_now cmake make gcc
FAKE_UID=1000 run demo
expect_rc 1
expect_out "missing: pkg-config libedit-dev; installing them needs root, and sudo is not here"
expect_no_log apt.log

start "not root with sudo: apt-get runs through sudo"
sandbox --debian --sudo
installed_now cmake make gcc
FAKE_UID=1000 run demo
expect_rc 0
expect_log sudo.log "sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq"
expect_log sudo.log "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pkg-config libedit-dev"
expect_installed "${demo_pkgs[@]}"

start "no apt-get, everything there: exit 0 without a word"
sandbox
probes_answer cmake make gcc g++ clang-format llvm-symbolizer valgrind gcovr tmux abidw abidiff python3 groff man
FAKE_PC="libedit cmocka $libs_pc" FAKE_HEADERS="valgrind/memcheck.h" FAKE_FUZZER=1 run test
expect_rc 0
[ -z "$out" ] || fail "printed something"

start "no apt-get, something missing: lists every need, names the missing ones"
sandbox
probes_answer cmake make gcc g++ clang-format llvm-symbolizer valgrind tmux python3 groff man
FAKE_PC="libedit $libs_pc" FAKE_HEADERS="valgrind/memcheck.h" FAKE_FUZZER=0 run test
expect_rc 1
expect_out "apt-get not found"
expect_out "ok       cmake"
expect_out "MISSING  libcmocka-dev            pkg-config module cmocka"
expect_out "MISSING  gcovr                    command gcovr"
expect_out "MISSING  libclang-rt-14-dev       clang -fsanitize=fuzzer (libFuzzer runtime)"
expect_out "ok       valgrind                 command valgrind, header <valgrind/memcheck.h>"
expect_out "missing: libclang-rt-14-dev libcmocka-dev gcovr"

start "no apt-get, bench: headers and pkg-config modules of the peers"
sandbox
probes_answer cmake make gcc g++ gnuplot valgrind python3
FAKE_PC="libedit jemalloc libtcmalloc_minimal talloc apr-1 $libs_pc" \
    FAKE_HEADERS="valgrind/memcheck.h" run bench
expect_rc 1
expect_out "MISSING  libmimalloc-dev          header <mimalloc.h>"
expect_out "missing: libmimalloc-dev"
FAKE_PC="libedit jemalloc libtcmalloc_minimal talloc apr-1 $libs_pc" \
    FAKE_HEADERS="valgrind/memcheck.h mimalloc.h" run bench
expect_rc 0

start "platforms: another architecture is added for its package; an optional one that cannot be had is no failure"
sandbox --debian
fake dpkg 'echo "dpkg $*" >>"$FAKE_STATE/dpkg.log"
case $1 in
--print-architecture) echo amd64 ;;
--print-foreign-architectures) cat "$FAKE_STATE/archs" 2>/dev/null ;;
--add-architecture) echo "$2" >>"$FAKE_STATE/archs" ;;
esac'
installed_now "${demo_pkgs[@]}" g++ musl-tools gcc-multilib g++-multilib gcc-mingw-w64-x86-64 \
    wine wine64 qemu-user
run platforms
expect_rc 0
expect_log dpkg.log "dpkg --add-architecture i386"
expect_installed "libcmocka-dev:i386"
sandbox --debian
fake dpkg 'case $1 in --print-architecture) echo amd64 ;; *) echo i386 ;; esac'
installed_now "${demo_pkgs[@]}" g++ musl-tools gcc-multilib g++-multilib gcc-mingw-w64-x86-64 \
    wine wine64 qemu-user
echo "libcmocka-dev:i386" >"$state/unavailable"
run platforms
expect_rc 0
expect_out "cannot install libcmocka-dev:i386"
expect_out "optional, not installed: libcmocka-dev:i386"

start "platforms: of an optional need's alternatives the first is tried first, the next when it cannot be had"
for first in available unavailable; do
    sandbox --debian
    fake dpkg 'case $1 in --print-architecture) echo amd64 ;; *) echo i386 ;; esac'
    installed_now "${demo_pkgs[@]}" g++ musl-tools gcc-multilib g++-multilib gcc-mingw-w64-x86-64 \
        wine wine64 qemu-user libcmocka-dev:i386
    [ $first = unavailable ] && echo "libedit-dev:i386" >"$state/unavailable"
    run platforms
    expect_rc 0
    expect_log apt.log "apt-get install -y -qq --no-install-recommends libedit-dev:i386"
    if [ $first = available ]; then
        expect_installed "libedit-dev:i386"
        grep -qx "libedit2:i386" "$state/installed" && fail "libedit2:i386 installed beside libedit-dev:i386"
        expect_no_out "alternative"
    else
        expect_installed "libedit2:i386"
        expect_out "installed an alternative to libedit-dev:i386 (libedit2:i386)"
        expect_out "E: Unable to locate package libedit-dev:i386"
        expect_no_out "optional, not installed"
        # Satisfied by the alternative: the next run asks apt-get nothing.
        rm "$state/apt.log"
        run platforms
        expect_rc 0
        [ -z "$out" ] || fail "printed something"
        expect_no_log apt.log
    fi
done

start "an unknown task is a usage error"
sandbox --debian
run nonsense
expect_rc 2
expect_out "usage:"
expect_no_log apt.log

if [ "$failures" -ne 0 ]; then
    echo "deps_test: $failures check(s) failed"
    exit 1
fi
echo "deps_test: all $ncase cases passed"
