# width.sh -- sourced by run_transcript.sh and hostile.sh: the size limits
# of the arena-shell under test.  The class of its ELF header (byte 4: 1 for
# 32-bit, 2 for 64-bit) gives the width of its size_t and ptrdiff_t, and
# the limits follow from the width:
#
#   width PROGRAM   sets bits (32 or 64), ptrdiff_max, ptrdiff_max_1
#                   (PTRDIFF_MAX + 1), size_max and size_max_1 (SIZE_MAX + 1,
#                   the smallest size the shell must call too large); returns
#                   1 when PROGRAM is no ELF program
#   limit NAME      prints the value of PTRDIFF_MAX, PTRDIFF_MAX+1, SIZE_MAX
#                   or SIZE_MAX+1 (the placeholders @NAME@ of the transcripts)
# shellcheck shell=sh disable=SC2034 # the scripts that source this use the values
width() {
    # shellcheck disable=SC2046 # od prints the five bytes as five words
    set -- $(od -An -tu1 -N5 "$1" 2>/dev/null)
    [ "${1:-} ${2:-} ${3:-} ${4:-}" = "127 69 76 70" ] || return 1
    case ${5:-} in
    1)
        bits=32
        ptrdiff_max=2147483647
        ptrdiff_max_1=2147483648
        size_max=4294967295
        size_max_1=4294967296
        ;;
    2)
        bits=64
        ptrdiff_max=9223372036854775807
        ptrdiff_max_1=9223372036854775808
        size_max=18446744073709551615
        size_max_1=18446744073709551616
        ;;
    *) return 1 ;;
    esac
}

limits="PTRDIFF_MAX PTRDIFF_MAX+1 SIZE_MAX SIZE_MAX+1"
limit() {
    case $1 in
    PTRDIFF_MAX) echo "$ptrdiff_max" ;;
    PTRDIFF_MAX+1) echo "$ptrdiff_max_1" ;;
    SIZE_MAX) echo "$size_max" ;;
    SIZE_MAX+1) echo "$size_max_1" ;;
    esac
}
