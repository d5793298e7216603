#!/bin/sh
# run_transcript.sh SHELL CASE -- runs one transcript test of arena-shell.
#
#   CASE.cmd     the commands (optional: a case may run only options)
#   CASE.args    extra arguments, one line; the word @stdin feeds CASE.cmd on
#                standard input instead of naming it as the script
#   CASE.out     expected standard output
#   CASE.err     expected standard error (missing: empty)
#   CASE.status  expected exit status (missing: 0)
#
# Addresses are printed relative to their block (--relative); the only line
# normalised here is stats' "backing", whose bookkeeping bytes differ between
# release and debug builds of the library.  ARENA_SHELL_WRAPPER (e.g.
# valgrind) prefixes the command; ARENA_SHELL_UPDATE=1 rewrites the expected
# files from the actual output.
set -u
shell=$1
case=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/arena-shell-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

args=""
[ -f "$case.args" ] && args=$(cat "$case.args")
use_stdin=0
set --
for a in $args; do
    if [ "$a" = "@stdin" ]; then use_stdin=1; else set -- "$@" "$a"; fi
done
if [ -f "$case.cmd" ]; then
    if [ $use_stdin = 1 ]; then
        ${ARENA_SHELL_WRAPPER:-} "$shell" --relative --color=never "$@" <"$case.cmd" \
            >"$tmp/out" 2>"$tmp/err"
    else
        ${ARENA_SHELL_WRAPPER:-} "$shell" --relative --color=never "$@" "$case.cmd" \
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

if [ "${ARENA_SHELL_UPDATE:-0}" = 1 ]; then
    cp "$tmp/out.n" "$case.out"
    if [ -s "$tmp/err.n" ]; then cp "$tmp/err.n" "$case.err"; else rm -f "$case.err"; fi
    if [ $status -ne 0 ]; then echo $status >"$case.status"; else rm -f "$case.status"; fi
    echo "updated $case"
    exit 0
fi

fail=0
want_status=0
[ -f "$case.status" ] && want_status=$(cat "$case.status")
if [ "$status" != "$want_status" ]; then
    echo "exit status: got $status, want $want_status"
    fail=1
fi
if ! diff -u "$case.out" "$tmp/out.n"; then
    echo "stdout differs (above: - expected, + actual)"
    fail=1
fi
if [ -f "$case.err" ]; then want_err="$case.err"; else want_err=/dev/null; fi
if ! diff -u "$want_err" "$tmp/err.n"; then
    echo "stderr differs (above: - expected, + actual)"
    fail=1
fi
[ $fail = 0 ] && echo "ok: $(basename "$case")"
exit $fail
