#!/bin/sh
# The man pages (scripts/man.py) against the sources they come from.
#
#   check_man.sh PYTHON SOURCE_DIR MAN_DIR [ARENA_SHELL]
#
# MAN_DIR holds the pages the build generated (man1/, man3/).  Checks:
#   - every function arena.h declares (ARENA_API, or static inline with a
#     public name), found here by grep and not by the generator's parser,
#     has a page in man3/, and no internal name (arena__) has one;
#   - every page renders through groff -man -ww and through man --warnings
#     -l (which follows the .so links) without a warning, and each link
#     page shows the page that names it;
#   - a copy of arena.h with a section the generator has never seen
#     (fake_section.h) gets a page for that section, a link for each of
#     its functions and macros, and still renders without warnings;
#   - with ARENA_SHELL: arena-shell --help prints exactly the usage text
#     the generator reads, and every command that 'help' lists has its
#     entry in arena-shell(1).
set -u
py=$1 src=$2 man=$3 shell=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/arena-man.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C.UTF-8 MANWIDTH=80 MAN_DISABLE_SECCOMP=1

# The public functions of a header, one per line.
functions() {
    grep -E '^(ARENA_API|static inline)[^;{]*\(' "$1" |
        sed -E 's/^[^(]*[^A-Za-z0-9_]([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*\(.*/\1/' |
        grep -v '^arena__' | sort -u
}

# render DIR PAGE: PAGE (relative to DIR) through groff and man, warnings
# into $tmp/warn, the text into $tmp/text.
render() {
    (cd "$1" && groff -man -ww -z -Tutf8 "$2") >"$tmp/warn" 2>&1
    (cd "$1" && man --warnings -l "$2") >"$tmp/text" 2>>"$tmp/warn"
    tr -s ' \n' '  ' <"$tmp/text" >"$tmp/flat"
    if [ -s "$tmp/warn" ]; then
        fail "$2 renders with warnings:"
        sed 's/^/    /' "$tmp/warn"
    fi
}

check_dir() { # check_dir DIR HEADER: pages for the header's functions, all rendering
    dir=$1 header=$2
    n=0
    for f in $(functions "$header"); do
        n=$((n + 1))
        [ -f "$dir/man3/$f.3" ] || fail "$f (in $(basename "$header")) has no page in $dir/man3"
    done
    [ "$n" -gt 0 ] || fail "no functions found in $header"
    for p in "$dir"/man3/arena__*; do
        [ -e "$p" ] && fail "an internal name has a page: $p"
    done
    for p in "$dir"/man3/*.3 "$dir"/man1/*.1; do
        [ -e "$p" ] || continue
        rel=${p#"$dir"/}
        render "$dir" "$rel"
        name=$(basename "$p" | sed -E 's/\.[0-9]$//')
        if ! grep -q -- "$name" "$tmp/text"; then
            fail "$rel does not show $name"
        fi
    done
    echo "$dir: $n functions, $(ls "$dir"/man3 | wc -l) section-3 pages, all rendered"
}

[ -f "$man/man3/arena.3" ] || fail "no arena(3) in $man"
check_dir "$man" "$src/include/arena.h"

# A section the generator has never seen, before the header's closing lines.
awk -v fake="$here/fake_section.h" '
    { line[NR] = $0 }
    /^#ifdef __cplusplus/ { last = NR }
    END {
        for (i = 1; i <= NR; i++) {
            if (i == last)
                while ((getline l < fake) > 0) print l
            print line[i]
        }
    }' "$src/include/arena.h" >"$tmp/arena.h"
if "$py" "$src/scripts/man.py" --header "$tmp/arena.h" --shell-dir "$src/tools" --out "$tmp/out"; then
    check_dir "$tmp/out" "$tmp/arena.h"
    for f in arena_fake_defer arena_fake_run_every_cleanup_with_a_long_name arena_fake_inline \
        ARENA_FAKE_NEW; do
        [ -f "$tmp/out/man3/$f.3" ] || fail "the new section's $f has no page"
    done
    head -n 1 "$tmp/out/man3/arena_fake_inline.3" | grep -qx '.so man3/arena_fake_defer.3' ||
        fail "arena_fake_inline.3 does not lead to the section's page arena_fake_defer.3"
    render "$tmp/out" man3/arena_fake_defer.3
    for want in 'a section the generator has never seen' arena_fake_stats_t arena_fake_kind_t \
        ARENA_FAKE_LIMIT 'chunks handed out, over two lines' '.A line that starts with a dot'; do
        grep -qF -- "$want" "$tmp/flat" || fail "arena_fake_defer(3) lacks '$want'"
    done
    for unwanted in arena__fake_internal ARENA__FAKE_INTERNAL; do
        grep -qF -- "$unwanted" "$tmp/text" && fail "arena_fake_defer(3) shows $unwanted"
    done
    render "$tmp/out" man3/arena.3
    grep -qF 'arena_fake_defer(3)' "$tmp/text" || fail "arena(3) does not list the new section"
else
    fail "man.py fails on a header with a new section"
fi

if [ -n "$shell" ]; then
    "$py" "$src/scripts/man.py" --usage --shell-dir "$src/tools" >"$tmp/usage.gen"
    "$shell" --help >"$tmp/usage.run" 2>&1 || fail "arena-shell --help fails"
    if ! cmp -s "$tmp/usage.gen" "$tmp/usage.run"; then
        fail "arena-shell --help differs from the usage text man.py reads:"
        diff "$tmp/usage.gen" "$tmp/usage.run" | sed 's/^/    /'
    fi
    render "$man" man1/arena-shell.1
    printf 'help\n' | "$shell" 2>&1 | sed -n 's/^  \([a-z][a-z]*\).*/\1/p' >"$tmp/commands"
    [ -s "$tmp/commands" ] || fail "arena-shell's 'help' lists no commands"
    while read -r c; do
        grep -qE "^       $c( |$)" "$tmp/text" || fail "arena-shell(1) has no entry for '$c'"
    done <"$tmp/commands"
    echo "arena-shell(1): usage as --help prints it, $(wc -l <"$tmp/commands") commands"
fi

[ "$fails" -eq 0 ] || {
    echo "$fails failures"
    exit 1
}
echo "man pages: ok"
