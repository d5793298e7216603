#!/usr/bin/env bash
# The platform step of the test command (scripts/test.sh platforms): builds
# the library for each platform beside glibc x86-64 and runs there what the
# platform can run.  Usage: scripts/platforms.sh [BUILD_ROOT]
#
#   i386    gcc -m32 (cmake/toolchain-i386.cmake), Release: every suite of the
#           library when cmocka for i386 is installed (multiarch;
#           scripts/deps.sh platforms tries), arena-shell and its suites
#           when libedit for i386 is there too (libedit-dev:i386, or
#           libedit2:i386 with the native headers, see below), and the
#           self-checking programs (tests/platform); run natively, or under
#           qemu-i386 when the kernel cannot run 32-bit programs (the
#           shell's scripts then start it through ARENA_SHELL_WRAPPER)
#   musl    musl-gcc (cmake/toolchain-musl.cmake), Release: the self-checking
#           programs, among them the shared library dlopen'ed from 4 threads
#   mingw   MinGW-w64 (cmake/toolchain-mingw-w64.cmake), Release: the static
#           library and the DLL, the self-checking programs under wine; the
#           DLL exports exactly what the glibc shared library does, and its
#           consumers import it (dllimport)
#   glibc   the self-checking programs on glibc x86-64 too (the suites run in
#           the test command's other steps), for the export list and speed
#   speed   arena_alloc_thread_safe's cost per call on glibc and musl, linked
#           static, shared and dlopen'ed (tests/platform/ts_speed.c); printed,
#           never judged
#
# ARENA_PLATFORMS_QEMU=1 runs the 32-bit programs under qemu-i386 even where
# the kernel runs them (to check that path).
#
# The four builds run two at a time, each with half the cores.  The last
# line says "platforms: N passed, M failed" (ctest's tests, plus the export
# and import checks); the exit status is 0 only when all passed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)
B=${1:-$root/build/platforms}
mkdir -p "$B"
J=$(nproc)
half=$(((J + 1) / 2))
export CTEST_OUTPUT_ON_FAILURE=1

if ! scripts/deps.sh platforms; then
    echo "platforms: scripts/deps.sh platforms could not install what the step needs"
    echo "platforms: 0 passed, 1 failed"
    exit 1
fi

passed=0
failed=0
notes=()
tally() { # tally LOG: adds ctest's counts from LOG
    local line n f
    line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -n 1)
    if [ -z "$line" ]; then
        failed=$((failed + 1))
        return
    fi
    n=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
    f=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$line")
    passed=$((passed + n - f))
    failed=$((failed + f))
}
check() { # check WHAT COMMAND...: one check of this script
    if "${@:2}"; then
        passed=$((passed + 1))
        echo "ok: $1"
    else
        failed=$((failed + 1))
        echo "FAILED: $1"
    fi
}

# ---- what the 32-bit build can have ------------------------------------------
i386_lib=/usr/lib/i386-linux-gnu
i386_pc() { PKG_CONFIG_LIBDIR=$i386_lib/pkgconfig pkg-config --exists "$1"; }
i386_tests=OFF
i386_tools=OFF
i386_args=()
if i386_pc cmocka; then
    i386_tests=ON
else
    notes+=("i386: no cmocka for i386 (libcmocka-dev:i386): the self-checking programs run instead of the suites")
fi
# arena-shell needs libedit for i386.  Its pkg-config module comes with
# libedit-dev:i386, which needs libc6-dev:i386, which apt installs only
# when the i386 package lists match the native ones version for version.
# Where it cannot, libedit2:i386 (the library alone) is enough: the native
# libedit-dev's headers are the same files (Multi-Arch: same), so a module
# written here pairs them with the i386 library.
if i386_pc libedit; then
    i386_tools=ON
elif [ -e "$i386_lib/libedit.so.2" ] && pkg-config --exists libedit; then
    edit="$B/i386-libedit"
    mkdir -p "$edit/lib/pkgconfig"
    ln -sfn "$i386_lib/libedit.so.2" "$edit/lib/libedit.so"
    cat >"$edit/lib/pkgconfig/libedit.pc" <<EOF
# libedit2:i386 with the native libedit-dev's headers (scripts/platforms.sh)
libdir=$edit/lib
Name: libedit
Description: libedit for i386 without its -dev package
Version: $(pkg-config --modversion libedit)
Libs: -L\${libdir} -ledit
Cflags: $(pkg-config --cflags libedit)
EOF
    i386_args+=(-DCMAKE_PREFIX_PATH="$edit")
    i386_tools=ON
    notes+=("i386: libedit2:i386 without libedit-dev:i386: arena-shell builds with the native headers ($edit)")
else
    notes+=("i386: no libedit for i386 (libedit-dev:i386 or libedit2:i386): arena-shell and its suites are not built")
fi
i386_args+=("-DARENA_BUILD_TESTS=$i386_tests" "-DARENA_BUILD_TOOLS=$i386_tools")
# Can the kernel run a 32-bit program?  If not, qemu-i386 runs them.
ctest_i386=()
i386_wrapper=
mkdir -p "$B/probe"
printf 'int main(void) { return 0; }\n' >"$B/probe/m32.c"
if gcc -m32 "$B/probe/m32.c" -o "$B/probe/m32" >"$B/probe/m32.log" 2>&1 &&
    [ -z "${ARENA_PLATFORMS_QEMU:-}" ] && "$B/probe/m32" 2>>"$B/probe/m32.log"; then
    # run natively, also where an earlier run of the build used qemu-i386
    i386_args+=(-DCMAKE_CROSSCOMPILING_EMULATOR=)
else
    i386_args+=(-DCMAKE_CROSSCOMPILING_EMULATOR=qemu-i386)
    # The shell's scripts start it through their wrapper; the others that
    # start programs from scripts (death tests, the man pages' check of
    # arena-shell --help) would need binfmt_misc.
    ctest_i386=(-LE 'death|docs')
    i386_wrapper=qemu-i386
    notes+=("i386: the kernel does not run 32-bit programs: run under qemu-i386, without the death tests and docs.man")
fi

# ---- build -------------------------------------------------------------------
build() { # build NAME [cmake args...]: configure and build in $B/NAME, log in $B/NAME.build.log
    local name=$1 log="$B/$1.build.log"
    shift
    { cmake -S . -B "$B/$name" -DCMAKE_BUILD_TYPE=Release -DARENA_BUILD_SELFCHECK=ON "$@" &&
        cmake --build "$B/$name" -j"$half"; } >"$log" 2>&1
}
declare -A built
run_builds() { # run_builds NAME...: builds two at a time
    local name pids=() names=()
    for name in "$@"; do
        case $name in
        i386) build i386 -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchain-i386.cmake" "${i386_args[@]}" & ;;
        musl) build musl -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchain-musl.cmake" \
            -DARENA_BUILD_TESTS=OFF -DARENA_BUILD_TOOLS=OFF & ;;
        mingw) build mingw -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchain-mingw-w64.cmake" \
            -DARENA_BUILD_TESTS=OFF -DARENA_BUILD_TOOLS=OFF & ;;
        glibc) CC=gcc build glibc -DARENA_BUILD_TESTS=OFF -DARENA_BUILD_TOOLS=OFF & ;;
        esac
        pids+=($!)
        names+=("$name")
    done
    local i
    for i in "${!pids[@]}"; do
        if wait "${pids[$i]}"; then
            built[${names[$i]}]=1
        else
            tail -n 40 "$B/${names[$i]}.build.log"
            echo "platforms: build ${names[$i]} failed (log: $B/${names[$i]}.build.log)"
            failed=$((failed + 1))
        fi
    done
}
t0=$(date +%s)
run_builds i386 mingw
run_builds musl glibc
echo "platforms: built in $(($(date +%s) - t0)) s"

# ---- run -----------------------------------------------------------------------
run_ctest() { # run_ctest NAME [ctest args...]
    local name=$1
    shift
    [ -n "${built[$name]:-}" ] || return 0
    echo "---- $name"
    ctest --test-dir "$B/$name" -j"$J" --timeout 600 "$@" >"$B/$name.ctest.log" 2>&1
    grep -E '(Passed|Failed|\*\*\*|tests passed)' "$B/$name.ctest.log" | grep -vE '^ +Start' |
        sed 's/^/  /' | tail -n 12
    grep -qE 'tests passed' "$B/$name.ctest.log" || tail -n 30 "$B/$name.ctest.log"
    tally "$B/$name.ctest.log"
}

ARENA_SHELL_WRAPPER=$i386_wrapper run_ctest i386 "${ctest_i386[@]}"
run_ctest musl
run_ctest glibc
if [ -n "${built[mingw]:-}" ]; then
    # A prefix of this build's own, made before the tests (its first start
    # prints and takes seconds); no Mono or Gecko, no display.
    export WINEPREFIX="$B/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY=
    wineboot --init >"$B/wineboot.log" 2>&1
    wineserver -p 60 >>"$B/wineboot.log" 2>&1 # stays up between the tests
    run_ctest mingw
    wineserver -k >>"$B/wineboot.log" 2>&1
fi

# ---- the DLL: only the API leaves it, and consumers import it ---------------
exports_dll() {
    x86_64-w64-mingw32-objdump -p "$B/mingw/libarena.dll" |
        sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' | sed -nE 's/^\s*\[ *[0-9]+\] (.*)$/\1/p' | sort
}
exports_so() {
    nm -D --defined-only "$B/glibc/libarena.so" | awk '$2 == "T" || $2 == "D" || $2 == "B" {print $3}' | sort
}
same_exports() {
    local dll so
    dll=$(exports_dll)
    so=$(exports_so)
    [ -n "$dll" ] && [ "$dll" = "$so" ] && return 0
    diff <(echo "$so") <(echo "$dll") | sed 's/^/  glibc .so <  > DLL  /'
    return 1
}
imports_dll() { # the _shared programs take the API from libarena.dll
    local heads
    heads=$(x86_64-w64-mingw32-objdump -p "$B/mingw/tests/platform/selfcheck_contract_shared.exe")
    grep -q 'DLL Name: libarena.dll' <<<"$heads"
}
if [ -n "${built[mingw]:-}" ] && [ -n "${built[glibc]:-}" ]; then
    echo "---- exports"
    check "the DLL exports exactly the shared library's $(exports_so | wc -l) symbols" same_exports
    check "selfcheck_contract_shared.exe imports the API from libarena.dll" imports_dll
fi

# ---- speed ---------------------------------------------------------------------
if [ -n "${built[glibc]:-}" ] && [ -n "${built[musl]:-}" ]; then
    echo "---- arena_alloc_thread_safe, ns per call per thread (median of 9 rounds; a measurement, not a test)"
    for libc in glibc musl; do
        d="$B/$libc/tests/platform"
        "$d/ts_speed_static" "$libc static" | sed 's/^/  /'
        "$d/ts_speed_shared" "$libc shared" | sed 's/^/  /'
        "$d/ts_speed_dlopen" "$libc dlopen" "$B/$libc/libarena.so" | sed 's/^/  /'
    done
fi

for n in "${notes[@]}"; do echo "note: $n"; done
echo "platforms: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
