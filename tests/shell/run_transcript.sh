#!/bin/sh
# run_transcript.sh SHELL CASE -- runs one transcript test of arena-shell.
#
#   CASE.cmd     the commands (optional: a case may run only options)
#   CASE.args    extra arguments, one line; the word @stdin feeds CASE.cmd on
#                standard input instead of naming it as the script
#   CASE.out     expected standard output
#   CASE.err     expected standard error (missing: empty)
#   CASE.status  expected exit status (missing: 0)
#   CASE.out32, CASE.err32
#                what a 32-bit shell prints instead, for the cases whose
#                layout differs with 4-byte pointers (cleanup records and
#                child arenas take less of their arena); missing: the same
#                as CASE.out, CASE.err
#
# The size limits of the shell's width are written as placeholders in every
# case file: @PTRDIFF_MAX@, @PTRDIFF_MAX+1@, @SIZE_MAX@ and @SIZE_MAX+1@
# stand for the shell's own values (width.sh tells them from its ELF
# header), so one text serves both widths.
#
# Addresses are printed relative to their block (--relative); the only line
# normalised here is stats' "backing", whose bookkeeping bytes differ between
# release and debug builds of the library.  ARENA_SHELL_WRAPPER (e.g.
# valgrind, qemu-i386) prefixes the command.  ARENA_SHELL_UPDATE=1 rewrites
# the expected files from the actual output: with a 64-bit shell CASE.out,
# .err and .status, where the numbers of the placeholders the old file used
# become placeholders again (check the diff); with a 32-bit shell
# CASE.out32 and .err32, only where the output differs from CASE.out and
# .err, and removed where it does not.
set -u
shell=$1
case=$2
# shellcheck source=width.sh
. "$(dirname "$0")/width.sh"
if ! width "$shell"; then
    echo "$shell is no ELF program: its width, and so its limits, are unknown"
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/arena-shell-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

subst() { # subst FILE: FILE with the placeholders replaced by this shell's limits
    sed -e "s/@PTRDIFF_MAX@/$ptrdiff_max/g" -e "s/@PTRDIFF_MAX+1@/$ptrdiff_max_1/g" \
        -e "s/@SIZE_MAX@/$size_max/g" -e "s/@SIZE_MAX+1@/$size_max_1/g" "$1"
}
unsubst() { # unsubst FILE OLD...: the limits in FILE back to the placeholders OLD used
    f=$1
    shift
    for name in $limits; do
        grep -qsF "@$name@" "$@" || continue
        v=$(limit "$name")
        sed -E -e ':a' -e "s/(^|[^0-9])$v([^0-9]|\$)/\\1@$name@\\2/" -e 'ta' "$f" >"$f.u" &&
            mv "$f.u" "$f"
    done
}

args=""
[ -f "$case.args" ] && args=$(subst "$case.args")
use_stdin=0
set --
for a in $args; do
    if [ "$a" = "@stdin" ]; then use_stdin=1; else set -- "$@" "$a"; fi
done
if [ -f "$case.cmd" ]; then
    cmd=$tmp/$(basename "$case").cmd
    subst "$case.cmd" >"$cmd"
    if [ $use_stdin = 1 ]; then
        ${ARENA_SHELL_WRAPPER:-} "$shell" --relative --color=never "$@" <"$cmd" \
            >"$tmp/out" 2>"$tmp/err"
    else
        ${ARENA_SHELL_WRAPPER:-} "$shell" --relative --color=never "$@" "$cmd" \
            </dev/null >"$tmp/out" 2>"$tmp/err"
    fi
else
    ${ARENA_SHELL_WRAPPER:-} "$shell" --relative --color=never "$@" </dev/null \
        >"$tmp/out" 2>"$tmp/err"
fi
status=$?

normalise() {
    sed -e 's/^backing .*/backing    (varies by build)/' "$1"
}
normalise "$tmp/out" >"$tmp/out.n"
normalise "$tmp/err" >"$tmp/err.n"

# expected WHAT: the file this shell is held to (CASE.WHAT or its 32-bit variant)
expected() {
    if [ "$bits" = 32 ] && [ -f "$case.${1}32" ]; then echo "$case.${1}32"; else echo "$case.$1"; fi
}
# wanted FILE: its text with this shell's limits (empty when FILE is missing)
wanted() {
    if [ -f "$1" ]; then subst "$1"; fi
}

if [ "${ARENA_SHELL_UPDATE:-0}" = 1 ]; then
    if [ "$bits" = 64 ]; then
        unsubst "$tmp/out.n" "$case.out"
        cp "$tmp/out.n" "$case.out"
        if [ -s "$tmp/err.n" ]; then
            unsubst "$tmp/err.n" "$case.err"
            cp "$tmp/err.n" "$case.err"
        else
            rm -f "$case.err"
        fi
        if [ $status -ne 0 ]; then echo $status >"$case.status"; else rm -f "$case.status"; fi
    else
        for what in out err; do
            wanted "$case.$what" >"$tmp/shared"
            if cmp -s "$tmp/$what.n" "$tmp/shared"; then
                rm -f "$case.${what}32"
            else
                unsubst "$tmp/$what.n" "$case.$what" "$case.${what}32"
                cp "$tmp/$what.n" "$case.${what}32"
            fi
        done
        want_status=0
        [ -f "$case.status" ] && want_status=$(cat "$case.status")
        [ "$status" = "$want_status" ] ||
            echo "exit status $status, $want_status in $case.status: a width of its own is not kept"
    fi
    echo "updated $case ($bits-bit)"
    exit 0
fi

fail=0
want_status=0
[ -f "$case.status" ] && want_status=$(cat "$case.status")
if [ "$status" != "$want_status" ]; then
    echo "exit status: got $status, want $want_status"
    fail=1
fi
for what in out err; do
    want=$(expected $what)
    wanted "$want" >"$tmp/want.$what"
    if ! diff -u -L "$want" -L "std$what of the $bits-bit shell" "$tmp/want.$what" "$tmp/$what.n"; then
        echo "std$what differs (above: - expected, + actual)"
        fail=1
    fi
done
[ $fail = 0 ] && echo "ok: $(basename "$case") ($bits-bit)"
exit $fail
