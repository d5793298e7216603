#!/usr/bin/env bash
# The test command: installs what the tests need (scripts/deps.sh test:
# apt-get, only what is missing), builds every configuration and runs every
# suite in it.  Each step and what it runs:
#
#   format    clang-format --dry-run over every C and C++ source in include/ src/
#             tools/ tests/ bench/ examples/; fails on any difference
#   release   gcc, CMake Release (-O3 -DNDEBUG, with -g for the abi step): every test
#   abi       the release build's libarena.so against the 1.0 baseline (abidiff with
#             tests/abi/allowed.suppr): nothing removed or changed; (abi.compat_1_0,
#             a program built with the 1.0 header, runs in every step's tests)
#   clang     clang, CMake Release (-O3 -DNDEBUG): every test but label shell (the
#             shell is built here too; its tests run in the release, debug and asan steps)
#   debug     gcc, CMake Debug, coverage (-O0), ARENA_VALGRIND: every test, then each
#             one not marked NO_VALGRIND again under memcheck (valgrind.*)
#   asan      clang, CMake Debug, ASan + UBSan: every test
#   tsan      clang, CMake RelWithDebInfo, TSan: label thread
#   fuzz      clang, libFuzzer: label fuzz, one at a time; fuzz_arena and fuzz_arena_fast
#             run ARENA_FUZZ_SECONDS/2 each, the shell's fuzzer /4 (default 60)
#   install   cmake --install of the release build; a consumer through find_package
#             (and one using the installed arena_testing.h), one through pkg-config;
#             man 3 NAME for every function and man 1 arena-shell from the install
#   subproject arena inside parent projects (add_subdirectory, FetchContent) that set
#             their own build type, flags and BUILD_SHARED_LIBS; arena configured and
#             built with pkg-config, cmocka, libedit, valgrind and Python hidden
#             (tests/subproject/run.sh)
#   platforms scripts/platforms.sh: 32-bit x86 (every suite, -m32), musl (the library,
#             dlopen from threads), MinGW-w64 (static library and DLL under wine), the
#             self-checking programs of tests/platform on each, the thread-safe path's speed
#   coverage  gcovr over src/ and include/ from the debug build; fails under 95 % of lines
#
# Every step runs even when an earlier one failed; the exit status is 0 only
# if all passed.  ARENA_TEST_STEPS="release asan" runs a subset;
# ARENA_BUILD_ROOT (default build/test) holds the builds and logs.
#
# The build and test tools write to /dev/null.  When it is not a writable
# character device the command stops before doing anything: repairing the
# host is not a test runner's business.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)
if [ ! -c /dev/null ] || [ ! -w /dev/null ]; then
    echo "test: /dev/null is not a writable character device, and the build and test tools" >&2
    echo "test: write to it ($(ls -ld /dev/null 2>&1)).  Restore it, then run again." >&2
    exit 1
fi
scripts/deps.sh test || exit 1

B=${ARENA_BUILD_ROOT:-$root/build/test}
J=$(nproc)
STEPS=${ARENA_TEST_STEPS:-"format release abi clang debug asan tsan fuzz install subproject platforms coverage"}
export CTEST_OUTPUT_ON_FAILURE=1
# The library legitimately asks its backing for sizes malloc must refuse;
# ASan's default is to abort on those instead of returning NULL.
export ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1:detect_leaks=1}
export ARENA_FUZZ_SECONDS=${ARENA_FUZZ_SECONDS:-60}
failed_steps=()
total_pass=0
total_fail=0
t0=$(date +%s)

say() { printf '\n==== %s\n' "$*"; }

build() { # build DIR CC [cmake args...]
    local dir=$1 cc=$2
    shift 2
    local log="$B/$dir.build.log"
    mkdir -p "$B"
    if ! CC=$cc CXX=$([ "$cc" = clang ] && echo clang++ || echo g++) \
        cmake -S . -B "$B/$dir" -DARENA_BUILD_TESTS=ON -DARENA_BUILD_TOOLS=ON "$@" >"$log" 2>&1 \
        || ! cmake --build "$B/$dir" -j"$J" >>"$log" 2>&1; then
        tail -n 60 "$log"
        echo "build $dir failed (full log: $log)"
        return 1
    fi
}

run_ctest() { # run_ctest DIR [ctest args...]
    local dir=$1
    shift
    local out="$B/$dir.ctest.log"
    ctest --test-dir "$B/$dir" -j"$J" --timeout 900 "$@" 2>&1 | tee "$out"
    local rc=${PIPESTATUS[0]}
    local line
    line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$out" | tail -n 1)
    if [ -n "$line" ]; then
        local nfail ntotal
        nfail=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
        ntotal=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
        total_pass=$((total_pass + ntotal - nfail))
        total_fail=$((total_fail + nfail))
    fi
    return "$rc"
}

step() { # step NAME: runs step_NAME, records failure
    local name=$1 s
    say "$name"
    s=$(date +%s)
    if "step_$name"; then
        echo "---- $name: ok ($(($(date +%s) - s)) s)"
    else
        echo "---- $name: FAILED ($(($(date +%s) - s)) s)"
        failed_steps+=("$name")
    fi
}

step_format() {
    # Every C/C++ source matches .clang-format (the fuzz corpora are data).
    local files out bad
    mapfile -t files < <(find include src tools tests bench examples \
        \( -name '*.[ch]' -o -name '*.cpp' \) -not -path '*/corpus/*' | sort)
    out=$(clang-format --dry-run "${files[@]}" 2>&1) || {
        printf '%s\n' "$out" | tail -n 20
        echo "format: clang-format failed"
        return 1
    }
    bad=$(grep -c 'warning:' <<<"$out")
    if [ "$bad" -ne 0 ]; then
        grep 'warning:' <<<"$out" | head -n 20
        echo "format: $bad places in ${#files[@]} files differ from .clang-format (run clang-format -i)"
        return 1
    fi
    echo "format: all ${#files[@]} sources match .clang-format"
}
step_release() {
    build release gcc -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O3 -g -DNDEBUG" &&
        run_ctest release
}
step_abi() {
    # Only additions since 1.0: no symbol removed, no type of 1.0 changed
    # beyond what tests/abi/allowed.suppr lets grow.
    local lib="$B/release/libarena.so"
    [ -e "$lib" ] || build release gcc -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_C_FLAGS_RELEASE="-O3 -g -DNDEBUG" || return 1
    abidw --headers-dir include --drop-private-types --out-file "$B/libarena.abi" "$lib" || return 1
    abidiff --no-added-syms --suppressions tests/abi/allowed.suppr --headers-dir1 tests/abi/1.0 \
        --headers-dir2 include tests/abi/libarena-1.0.0.abi "$B/libarena.abi" >"$B/abi.txt"
    local rc=$?
    sed -n '1,2p' "$B/abi.txt"
    if [ $rc -ne 0 ]; then
        cat "$B/abi.txt"
        echo "abi: the 1.0 ABI changed (see docs/abi.md)"
        return 1
    fi
    echo "abi: nothing of 1.0 removed or changed; $(grep -c '^  \[A\]' < <(abidiff \
        --headers-dir1 tests/abi/1.0 --headers-dir2 include tests/abi/libarena-1.0.0.abi \
        "$B/libarena.abi")) functions added"
}
step_clang() { build clang clang -DCMAKE_BUILD_TYPE=Release && run_ctest clang -LE 'shell'; }
step_debug() {
    build debug gcc -DCMAKE_BUILD_TYPE=Debug -DARENA_COVERAGE=ON -DARENA_VALGRIND=ON \
        -DARENA_TEST_VALGRIND=ON || return 1
    find "$B/debug" -name '*.gcda' -delete
    run_ctest debug
}
step_asan() {
    build asan clang -DCMAKE_BUILD_TYPE=Debug -DARENA_SANITIZE=address,undefined \
        -DARENA_VALGRIND=OFF && run_ctest asan
}
step_tsan() {
    build tsan clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DARENA_SANITIZE=thread \
        -DARENA_VALGRIND=OFF && TSAN_OPTIONS=halt_on_error=1 run_ctest tsan -L thread
}
step_fuzz() {
    build fuzz clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DARENA_BUILD_FUZZ=ON \
        -DARENA_VALGRIND=OFF || return 1
    if ! ctest --test-dir "$B/fuzz" -N -L fuzz | grep -q 'Total Tests: [1-9]'; then
        echo "no fuzz targets registered"
        return 0
    fi
    run_ctest fuzz -L fuzz -j1
    local rc=$?
    # What each fuzzer reached: executions and coverage (libFuzzer's DONE line).
    grep -hE '^(run_fuzz: executions|#[0-9]+[[:space:]]+DONE)' \
        "$B/fuzz/Testing/Temporary/LastTest.log" 2>/dev/null | sed 's/^/  /'
    return $rc
}
step_install() {
    local prefix="$B/prefix"
    rm -rf "$prefix" "$B/consumer"
    cmake --install "$B/release" --prefix "$prefix" >/dev/null || return 1
    for f in include/arena.h include/arena_testing.h lib/libarena.a lib/libarena.so \
        lib/cmake/arena/arenaConfig.cmake lib/pkgconfig/arena.pc share/doc/arena/LICENSE \
        share/man/man3/arena.3 share/man/man1/arena-shell.1; do
        [ -e "$prefix/$f" ] || {
            echo "install: missing $f"
            return 1
        }
    done
    cmake -S tests/install -B "$B/consumer" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null &&
        cmake --build "$B/consumer" >/dev/null && "$B/consumer/consumer" &&
        "$B/consumer/testing_consumer" || return 1
    # shellcheck disable=SC2046 # pkg-config's flags are meant to split into words
    PKG_CONFIG_PATH="$prefix/lib/pkgconfig" gcc -std=c11 -Wall -Wextra -Wpedantic -Werror \
        tests/install/consumer.c $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs --static arena) \
        -o "$B/consumer/pc-consumer" && LD_LIBRARY_PATH="$prefix/lib" "$B/consumer/pc-consumer" ||
        return 1
    # man finds a page for every function of the installed header.
    local name n=0
    for name in $(grep -E '^(ARENA_API|static inline)[^;{]*\(' "$prefix/include/arena.h" |
        sed -E 's/^[^(]*[^A-Za-z0-9_]([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*\(.*/\1/' | grep -v '^arena__'); do
        n=$((n + 1))
        MANWIDTH=80 man -M "$prefix/share/man" 3 "$name" 2>/dev/null | grep -q "$name" || {
            echo "install: man 3 $name shows no page"
            return 1
        }
    done
    MANWIDTH=80 man -M "$prefix/share/man" 1 arena-shell 2>/dev/null | grep -q 'arena-shell' || {
        echo "install: man 1 arena-shell shows no page"
        return 1
    }
    echo "install: man 3 finds all $n functions of arena.h; man 1 arena-shell"
}
step_subproject() { tests/subproject/run.sh . "$B/subproject"; }
step_platforms() {
    local out="$B/platforms.log" line
    scripts/platforms.sh "$B/platforms" 2>&1 | tee "$out"
    local rc=${PIPESTATUS[0]}
    line=$(grep -E '^platforms: [0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
    if [ -n "$line" ]; then
        total_pass=$((total_pass + $(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line")))
        total_fail=$((total_fail + $(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")))
    fi
    return "$rc"
}
step_coverage() {
    [ -d "$B/debug" ] || return 1
    # Only this run's counters: other build trees under the root may hold
    # counters of older sources.
    gcovr -r "$root" "$B/debug" --object-directory "$B/debug" --filter 'src/' --filter 'include/' \
        --exclude-unreachable-branches --exclude-throw-branches --print-summary \
        --txt "$B/coverage.txt" --fail-under-line 95 >"$B/coverage.log" 2>&1
    local rc=$?
    grep -E '^(lines|branches|functions):' "$B/coverage.log"
    awk '/^-+$/{n++} n>=1' "$B/coverage.txt" | grep -E '^(src|include)/' || true
    return $rc
}

for s in $STEPS; do step "$s"; done

say "summary ($(($(date +%s) - t0)) s)"
if [ ${#failed_steps[@]} -gt 0 ]; then
    echo "failed steps: ${failed_steps[*]}"
fi
echo "$total_pass passed, $total_fail failed"
[ ${#failed_steps[@]} -eq 0 ] && [ "$total_fail" -eq 0 ]
