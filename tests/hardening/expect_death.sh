#!/bin/sh
# expect_death.sh TEXT COMMAND [ARGS...]
# Runs COMMAND (a death-test child) and passes only when it fails (exit
# status != 0, or killed by a signal) AND its output contains TEXT.  The
# child's output is shown either way.
set -u
want=$1
shift
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out" | tail -n 40
if [ "$rc" -eq 0 ]; then
    echo "expect_death: '$*' exited 0; expected it to be stopped with '$want'"
    exit 1
fi
case $out in
*"$want"*)
    echo "expect_death: stopped as expected (exit $rc, output has '$want')"
    exit 0
    ;;
esac
echo "expect_death: '$*' failed (exit $rc) without '$want' in its output"
exit 1
