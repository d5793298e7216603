#!/bin/sh
# hostile.sh SHELL -- feeds arena-shell lines no person would type: a
# megabyte-long line, NUL bytes, invalid UTF-8, control characters, numbers
# beyond size_t, thousands of arguments, 300 nested child arenas.  The shell must answer each bad line
# with one short error, keep its state, and exit with status 1 (not crash,
# not hang, not leak: the asan build runs this under ASan+UBSan).  The
# numbers at the limits are those of the shell's own width (width.sh), so
# each diagnostic is reached on 32-bit as on 64-bit.
# ARENA_SHELL_WRAPPER (e.g. valgrind, qemu-i386) prefixes the command.
set -u
shell=$1
# shellcheck source=width.sh
. "$(dirname "$0")/width.sh"
if ! width "$shell"; then
    echo "$shell is no ELF program: its width, and so its limits, are unknown"
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/arena-shell-hostile.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
in=$tmp/in
big() { head -c "$1" /dev/zero | tr '\0' "$2"; }

{
    printf 'new 4K\n'
    printf 'alloc 16 as keep\n'
    printf 'fill keep 0x4b\n'
    big 1100000 a; printf '\n'                         # a megabyte-long unknown command
    printf 'str '; big 1100000 s; printf '\n'          # a megabyte string (succeeds)
    printf 'alloc 1 as '; big 1000000 n; printf '\n'   # a megabyte name
    printf 'alloc '; big 1000000 9; printf '\n'        # a megabyte number
    printf 'alloc 1 '; big 500000 8; printf ' as x\n'
    printf 'fill keep '; big 200000 'x'; printf '\n'
    printf 'alloc\0 100\n'
    printf '\0\0\0\n'
    printf 'str has a \0 NUL\n'
    printf '\377\376 alloc\n'
    printf 'alloc \303\050\n'
    printf 'str caf\303\251 \355\240\200 \300\257\n'    # valid and invalid UTF-8 in a string
    printf 'alloc 1\342\202\n'
    printf '\033[2J\033[H\a\b\n'
    printf 'alloc 99999999999999999999999999999999999999\n'
    printf 'alloc 0xffffffffffffffffffffffffffffff\n'
    printf 'alloc 18446744073709551615\n'
    printf 'alloc 18446744073709551616\n'
    printf 'alloc 9223372036854775807\n'
    printf 'alloc 9223372036854775808\n'
    printf 'alloc 1 9223372036854775808\n'
    printf 'alloc 1 0x8000000000000000\n'
    printf 'alloc %s\nalloc %s\nalloc %s\n' "$ptrdiff_max_1" "$size_max" "$size_max_1"
    printf 'alloc 1 %s\nalloc %s 8\n' "$ptrdiff_max_1" "$ptrdiff_max"
    printf 'calloc %s 2\ncalloc %s %s\n' "$ptrdiff_max_1" "$size_max" "$size_max"
    printf 'extend %s\nextend %s\n' "$ptrdiff_max_1" "$size_max"
    printf 'new 1G\nnew %s\nnew %s grow max %s\n' "$ptrdiff_max" "$size_max" "$size_max"
    printf 'alloc 16383P\n'
    printf 'alloc 16E\n'
    printf 'alloc 15.5E\n'
    printf 'alloc 1.5P\n'
    printf 'alloc 1.999999999999999999999T\n'
    printf 'alloc 0.0000001\n'
    printf 'alloc -0\n'
    printf 'alloc +5\n'
    printf 'alloc 0x\n'
    printf 'alloc .\n'
    printf 'alloc 1..5K\n'
    printf 'alloc 1KiBB\n'
    printf 'calloc 18446744073709551615 18446744073709551615\n'
    printf 'calloc 0 18446744073709551615\n'
    printf 'new 1T\n'
    printf 'new 16383P fixed max 1\n'
    printf 'extend 18446744073709551615\n'
    printf 'extend 9223372036854775807\n'
    printf 'restore 18446744073709551615\n'
    printf 'restore 99999999999999999999999\n'
    printf 'fill keep 18446744073709551615\n'
    printf 'fill keep \047\n'
    printf 'help '; big 100000 h; printf '\n'
    printf 'alloc'; i=0; while [ $i -lt 3000 ]; do printf ' 1'; i=$((i + 1)); done; printf '\n'
    printf 'str'; big 100000 ' '; printf '\n'
    big 500000 ' '; printf '\n'
    printf '\t\t\r\n'
    printf 'alloc 10\r\n'
    i=0; while [ $i -lt 40 ]; do printf 'save\nalloc 8\n'; i=$((i + 1)); done
    printf 'restore 3\nrestore 40\nrestore 2\nreset\nrestore 1\n'
    printf 'defer '; big 1100000 d; printf '\n'        # a megabyte cleanup text
    printf 'defer \001\033[2J caf\303\251 \377\n'
    printf 'child name '; big 100000 c; printf '\n'
    printf 'use '; big 100000 u; printf '\n'
    printf 'child 16383P\nchild 1 max %s name huge\n' "$size_max"
    i=0; while [ $i -lt 300 ]; do printf 'child 64\ndefer d%d\n' $i; i=$((i + 1)); done
    printf 'report\n'
    printf 'new 0\nalloc 100 4096\nmap\nstats\nlist\n'
    printf 'new 1K fixed\nalloc 1K\nalloc 1\nextend 1\nalloc 1\nmap\n'
    printf 'new 2K\nalloc 1K\nalloc 16 as keep\nfill keep 0x4b\nshow keep\n'
    printf 'list\n'
} >"$in"

${ARENA_SHELL_WRAPPER:-} "$shell" --relative --limit 64M "$in" >"$tmp/out" 2>"$tmp/err"
status=$?
fail=0
if [ $status -ne 1 ]; then
    echo "exit status $status, want 1 (some lines fail, none crashes)"
    fail=1
fi
# Every diagnostic is one short line.
long=$(awk 'length($0) > 300' "$tmp/err" | wc -l)
if [ "$long" -ne 0 ]; then
    echo "$long error lines longer than 300 bytes:"
    awk 'length($0) > 300 { print substr($0, 1, 200) "..." }' "$tmp/err"
    fail=1
fi
if grep -q -v '^arena-shell: line [0-9]*: ' "$tmp/err"; then
    echo "stderr lines without the 'arena-shell: line N: ' prefix:"
    grep -v '^arena-shell: line [0-9]*: ' "$tmp/err" | head -n 20
    fail=1
fi
for want in "line 4: unknown command 'aaaaaaaa" "line 10: the line contains a NUL byte" \
    "line 11: the line contains a NUL byte" "line 12: the line contains a NUL byte" \
    "unknown command '\\\\xff\\\\xfe'" "size '\\\\xc3(' is not a number" \
    "is too large for size_t" "bytes is more than an arena can hand out" \
    "overflows size_t" "memory limit of 64.0 MiB" "alloc: too many arguments" \
    "restore: mark 40 is no longer valid" "defer: TEXT is 1100000 bytes long" \
    "child: arena name 'cccccccc" "use: no arena named 'uuuuuuuu" \
    "alloc: $ptrdiff_max_1 bytes is more than an arena can hand out" \
    "alloc: size '$size_max_1' is too large for size_t" \
    "calloc: $ptrdiff_max_1 x 2 bytes overflows size_t" \
    "extend: $ptrdiff_max_1 bytes is more than an arena can hold" \
    "new: a first block of $ptrdiff_max bytes .* is more than an arena can hold"; do
    if ! grep -q "$want" "$tmp/err"; then
        echo "missing diagnostic: $want"
        fail=1
    fi
done
# The state survived: the last commands worked.
for want in "#1: 1048576 bytes\|1100001 bytes" "keep: 16 bytes at b0+0x400" \
    "00000000  4b 4b 4b 4b" "fixed arena, 2 blocks" "^cleanup: d299$" \
    "^arena 'child300' ends" "^cleanup: d0$" "^arena 'huge' ends"; do
    if ! grep -q "$want" "$tmp/out"; then
        echo "missing output: $want"
        fail=1
    fi
done
if ! grep -qF 'cleanup: \x01\x1b[2J caf\xc3\xa9 \xff' "$tmp/out"; then
    echo "missing output: the cleanup's control bytes, escaped"
    fail=1
fi
if [ $fail -ne 0 ]; then
    echo "--- stderr (first 80 lines)"
    head -n 80 "$tmp/err" | cut -c1-200
    echo "--- stdout (last 40 lines)"
    tail -n 40 "$tmp/out" | cut -c1-200
    exit 1
fi
echo "ok: $(wc -l <"$tmp/err") errors, all short; state intact ($bits-bit)"
