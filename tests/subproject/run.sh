#!/usr/bin/env bash
# arena as someone else's subproject, and arena without its optional
# dependencies (scripts/test.sh, step subproject).
#
#   tests/subproject/run.sh SOURCE_DIR WORK_DIR
#
# Parents (this folder's CMakeLists.txt) configured with
# CMAKE_C_FLAGS="-Wall -Wextra -Wconversion" (their own program adds
# -Werror):
#   static    add_subdirectory, Debug, BUILD_SHARED_LIBS=OFF
#   shared    add_subdirectory, no build type, BUILD_SHARED_LIBS=ON
#   both      add_subdirectory, Release, ARENA_BUILD_BOTH=ON ARENA_INSTALL=ON
#   fetch     FetchContent from a file:// archive of SOURCE_DIR, Release
# For each: the parent's cache keeps what the parent set (CMAKE_BUILD_TYPE,
# CMAKE_C_FLAGS, BUILD_SHARED_LIBS), arena's sources get no -Werror and
# the parent's program none of arena's flags, the arena:: targets follow
# BUILD_SHARED_LIBS, the program runs, and the parent's install holds no
# file of arena's unless ARENA_INSTALL asked for them (then a consumer
# builds against that install).
# Then arena at top level with its optional dependencies hidden:
#   nodeps    pkg-config finds nothing, no valgrind header, no Python, Debug
#   nopkgconf CMAKE_DISABLE_FIND_PACKAGE_PkgConfig
# configure and build, and say what they skip.
set -uo pipefail
src=$(cd "$1" && pwd)
work=$2
here=$src/tests/subproject
flags="-Wall -Wextra -Wconversion"
fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)

cache_value() { # cache_value BUILD VAR: the value, or <unset>
    local line
    line=$(grep -E "^$2:[A-Z]+=" "$1/CMakeCache.txt") || {
        echo "<unset>"
        return
    }
    echo "${line#*=}"
}
expect_cache() { # expect_cache NAME BUILD VAR VALUE
    local got
    got=$(cache_value "$2" "$3")
    [ "$got" = "$4" ] || fail "$1: the parent's $3 is '$got', the parent set '$4'"
}

parent() { # parent NAME [cmake args...]: configure and build, log in WORK/NAME.log
    local name=$1
    shift
    if ! cmake -S "$here" -B "$work/$name" -DCMAKE_C_FLAGS="$flags" \
        -DCMAKE_EXPORT_COMPILE_COMMANDS=ON "$@" >"$work/$name.log" 2>&1 ||
        ! cmake --build "$work/$name" -j2 >>"$work/$name.log" 2>&1; then
        tail -n 40 "$work/$name.log"
        fail "$name: the parent does not configure or build"
        return 1
    fi
}

# check NAME BUILD_TYPE SHARED TARGETS INSTALLED: the common checks.
check() {
    local name=$1 type=$2 shared=$3 targets=$4 installed=$5 b=$work/$1
    expect_cache "$name" "$b" CMAKE_BUILD_TYPE "$type"
    expect_cache "$name" "$b" CMAKE_C_FLAGS "$flags"
    expect_cache "$name" "$b" BUILD_SHARED_LIBS "$shared"
    local have
    have=$(cat "$b/arena-targets.txt")
    [ "$have" = "$targets" ] || fail "$name: arena's targets are '$have', expected '$targets'"
    # arena's own sources: its warnings, never -Werror; the parent's program:
    # the parent's flags, none of arena's.
    python3 - "$b/compile_commands.json" "$name" <<'EOF' || fails=$((fails + 1))
import json, sys
werror, alien = set(), set()
for e in json.load(open(sys.argv[1])):
    cmd, f = e["command"].split(), e["file"]
    if "/src/" in f and "-Werror" in cmd:
        werror.add(f)
    if f.endswith("app.c"):
        alien |= {w for w in cmd if w in ("-Wpedantic", "-Wshadow", "-D_GNU_SOURCE", "-fvisibility=hidden")}
if werror:
    print("FAIL: %s: %d of arena's sources are compiled with -Werror" % (sys.argv[2], len(werror)))
if alien:
    print("FAIL: %s: the parent's app.c gets arena's %s" % (sys.argv[2], " ".join(sorted(alien))))
sys.exit(1 if werror or alien else 0)
EOF
    local warnings
    warnings=$(grep -c 'warning:' "$work/$name.log")
    echo "$name: arena built inside the parent ($warnings compiler warnings under '$flags')"
    "$b/app" || fail "$name: the parent's program fails"
    if readelf -d "$b/app" | grep -q 'NEEDED.*libarena\.so'; then
        [ "$shared" = ON ] || fail "$name: arena::arena is the shared library, BUILD_SHARED_LIBS is $shared"
    else
        [ "$shared" != ON ] || fail "$name: arena::arena is not the shared library under BUILD_SHARED_LIBS=ON"
    fi
    rm -rf "$b.prefix"
    cmake --install "$b" --prefix "$b.prefix" >>"$work/$name.log" 2>&1 || fail "$name: install fails"
    local files
    files=$(cd "$b.prefix" && find . -type f -o -type l | sort | tr '\n' ' ')
    if [ "$installed" = none ]; then
        [ "$files" = "./bin/app " ] || fail "$name: the parent's install holds arena's files: $files"
    else
        local f
        for f in include/arena.h lib/cmake/arena/arenaConfig.cmake lib/pkgconfig/arena.pc \
            share/man/man3/arena_create.3 share/doc/arena/LICENSE; do
            [ -e "$b.prefix/$f" ] || fail "$name: ARENA_INSTALL=ON, and the install lacks $f"
        done
    fi
}

parent static -DPARENT_ARENA=subdir -DPARENT_ARENA_DIR="$src" -DCMAKE_BUILD_TYPE=Debug \
    -DBUILD_SHARED_LIBS=OFF &&
    check static Debug OFF "arena::arena;arena::arena_static" none

parent shared -DPARENT_ARENA=subdir -DPARENT_ARENA_DIR="$src" -DBUILD_SHARED_LIBS=ON &&
    check shared "" ON "arena::arena;arena::arena_shared" none

if parent both -DPARENT_ARENA=subdir -DPARENT_ARENA_DIR="$src" -DCMAKE_BUILD_TYPE=Release \
    -DARENA_BUILD_BOTH=ON -DARENA_INSTALL=ON; then
    check both Release "<unset>" "arena::arena;arena::arena_static;arena::arena_shared" all
    "$work/both/app_static" >/dev/null || fail "both: app_static fails"
    "$work/both/app_shared" >/dev/null || fail "both: app_shared fails"
    readelf -d "$work/both/app_shared" | grep -q 'NEEDED.*libarena\.so' ||
        fail "both: arena::arena_shared is not the shared library"
    # The package config the subproject installed, used from outside.
    cat >"$work/consumer.cmake" <<'EOF'
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(arena 1.1 REQUIRED COMPONENTS static shared)
add_executable(consumer app.c)
target_link_libraries(consumer PRIVATE arena::arena_shared)
EOF
    mkdir -p "$work/consumer-src"
    cp "$work/consumer.cmake" "$work/consumer-src/CMakeLists.txt"
    cp "$here/app.c" "$work/consumer-src/"
    if cmake -S "$work/consumer-src" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/both.prefix" \
        >>"$work/both.log" 2>&1 && cmake --build "$work/consumer" >>"$work/both.log" 2>&1; then
        LD_LIBRARY_PATH="$work/both.prefix/lib" "$work/consumer/consumer" >/dev/null ||
            fail "both: the consumer of the installed package fails"
    else
        fail "both: a consumer cannot use the package the subproject installed (see $work/both.log)"
    fi
fi

# FetchContent from an archive of the tree as it is (no network, no git).
tar -C "$src" --exclude=./build --exclude='./build*' --exclude=./.git -czf "$work/arena.tar.gz" .
parent fetch -DPARENT_ARENA=fetch -DPARENT_ARENA_URL="file://$work/arena.tar.gz" \
    -DCMAKE_BUILD_TYPE=Release &&
    check fetch Release "<unset>" "arena::arena;arena::arena_static" none

# Top level, optional dependencies hidden: configure and build succeed and
# say what they skip.
mkdir -p "$work/empty"
nodeps() { # nodeps NAME EXPECTED_LINES [cmake args...]
    local name=$1 expected=$2
    shift 2
    if ! env "$@" >"$work/$name.log" 2>&1 || ! cmake --build "$work/$name" -j2 >>"$work/$name.log" 2>&1; then
        tail -n 30 "$work/$name.log"
        fail "$name: arena does not configure or build without its optional dependencies"
        return
    fi
    local line
    while IFS= read -r line; do
        grep -qF -- "-- arena: $line" "$work/$name.log" || fail "$name: no status line '$line'"
    done <<<"$expected"
    [ -f "$work/$name/libarena.a" ] || fail "$name: no libarena.a"
    grep -E -- '^-- arena: ' "$work/$name.log" | sed "s/^/$name: /"
}
nodeps nodeps "cmocka not found
libedit not found
valgrind/memcheck.h not found
Python 3 not found" \
    PKG_CONFIG_LIBDIR="$work/empty" PKG_CONFIG_PATH= \
    cmake -S "$src" -B "$work/nodeps" -DCMAKE_BUILD_TYPE=Debug -DARENA_HAVE_VALGRIND_H=0 \
    -DCMAKE_DISABLE_FIND_PACKAGE_Python3=ON
nodeps nopkgconf "cmocka not found
libedit not found" \
    cmake -S "$src" -B "$work/nopkgconf" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON

[ "$fails" -eq 0 ] || {
    echo "subproject: $fails failures (logs in $work)"
    exit 1
}
echo "subproject: ok"
