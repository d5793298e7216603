#!/bin/sh
# interactive.sh SHELL TMUX -- drives arena-shell through a real pseudo-
# terminal (detached tmux sessions, each on its own socket in a temp dir)
# and checks the prompt, the "more memory?" offer after a fixed arena fills
# up (more, reset, quit, cancel; Ctrl-C and Ctrl-D there and at "how much?"
# cancel the allocation and keep the session; only listed answers are
# taken; reset is offered only when it helps), history (Up recalls the last
# line), Tab completion, Ctrl-C abandoning a line, and that Ctrl-D leaves
# with status 0; with child arenas, the prompt that names the current one,
# Tab completing arena names after 'use', and cleanups running at a reset.
# Every wait is bounded.  ARENA_SHELL_WRAPPER (e.g. qemu-i386) prefixes the
# command.
set -u
shell=$1
tmux_exe=$2
phase=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/arena-shell-tty.XXXXXX") || exit 1
sock=tmux-0
T() { "$tmux_exe" -S "$tmp/$sock" -f /dev/null "$@"; }
cleanup() {
    i=0
    while [ $i -le $phase ]; do
        "$tmux_exe" -S "$tmp/tmux-$i" kill-server >/dev/null 2>&1
        i=$((i + 1))
    done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() {
    echo "FAIL: $*"
    echo "--- screen:"
    T capture-pane -p -t s 2>/dev/null
    exit 1
}

# wait_for TEXT [SECONDS]: until the screen shows TEXT (fixed string).
wait_for() {
    n=0
    limit=$((${2:-20} * 10))
    while [ $n -lt "$limit" ]; do
        if T capture-pane -p -t s 2>/dev/null | grep -qF -- "$1"; then return 0; fi
        sleep 0.1
        n=$((n + 1))
    done
    fail "timed out waiting for: $1"
}

# dead_status: waits until the program exits; prints its exit status.
dead_status() {
    n=0
    while [ $n -lt 200 ]; do
        if [ -s "$tmp/status" ]; then
            cat "$tmp/status"
            return 0
        fi
        sleep 0.1
        n=$((n + 1))
    done
    echo timeout
}

start() {
    # a fresh server (and socket) per session: never race a dying one
    T kill-server >/dev/null 2>&1
    phase=$((phase + 1))
    sock="tmux-$phase"
    rm -f "$tmp/status"
    T new-session -d -s s -x 100 -y 40 \
        "env HOME=$tmp TERM=screen NO_COLOR=1 ${ARENA_SHELL_WRAPPER:-} $shell; echo \$? >$tmp/status; sleep 60" \
        || fail "tmux new-session"
    wait_for "arena>"
}

keys() { T send-keys -t s "$@"; }

# alive WHAT: the session has not ended.
alive() {
    sleep 0.3
    [ -s "$tmp/status" ] && fail "$1 ended the session (status $(cat "$tmp/status"))"
    return 0
}

# fresh: an empty screen with only the prompt (Ctrl-L), so that a check
# sees the last step alone.
fresh() {
    keys C-l
    T clear-history -t s
    wait_for "arena>"
}

# back_at_prompt QUESTION WHAT: the last line on the screen is a bare
# "arena>" and the line above it is QUESTION: the answer was cut short and
# the prompt came back on a line of its own.
back_at_prompt() {
    n=0
    while [ $n -lt 100 ]; do
        scr=$(T capture-pane -p -t s | grep -v '^ *$')
        last=$(printf '%s\n' "$scr" | tail -n 1)
        prev=$(printf '%s\n' "$scr" | tail -n 2 | head -n 1)
        case "$prev" in
        "$1"*) [ "$last" = "arena>" ] && return 0 ;;
        esac
        sleep 0.1
        n=$((n + 1))
    done
    fail "$2: not back at a bare 'arena>' line right after '$1'"
}

# 1. Prompt, the offer, "more", the default amount, history, Ctrl-C, Ctrl-D.
start
keys "new 1K fixed" Enter
wait_for "new arena: first block 1024 bytes"
keys "alloc 1K" Enter
wait_for "#1: 1024 bytes"
keys "alloc 100 as more" Enter
wait_for "the arena is full"
wait_for "more memory? [m]ore / [r]eset / [q]uit / [c]ancel:"
keys "x" Enter
wait_for "please answer m"
keys "m" Enter
wait_for "how much? [1024] bytes, or [c]ancel:"
keys "nonsense" Enter
wait_for "size 'nonsense' is not a number"
keys "2K" Enter
wait_for "added a block of 2048 bytes (2.0 KiB)"
wait_for "more: 100 bytes at"
keys Up
wait_for "arena> alloc 100 as more"
keys C-u "alloc 16" Enter
wait_for "#2: 16 bytes"
keys Up Enter
wait_for "#3: 16 bytes"
# Ctrl-C abandons the half-typed line and keeps the session and its arena.
keys "alloc 999 as dropped"
wait_for "arena> alloc 999 as dropped"
keys C-c
sleep 0.3
keys "list" Enter
wait_for "#3 "
T capture-pane -p -t s | grep -q "^dropped " && fail "Ctrl-C: the abandoned line ran"
[ -s "$tmp/status" ] && fail "Ctrl-C ended the session"
keys C-d
status=$(dead_status)
[ "$status" = 0 ] || fail "Ctrl-D: exit status '$status', want 0"
[ -s "$tmp/.arena_shell_history" ] || fail "no history file written"

# 2. The offer's "reset" and "cancel" answers, then quit.
start
keys "new 256 fixed" Enter
wait_for "new arena"
keys "alloc 200" Enter
wait_for "#1: 200 bytes"
keys "alloc 100" Enter
wait_for "more memory?"
keys "c" Enter
wait_for "arena>"
keys "alloc 100" Enter
n=$(T capture-pane -p -t s | grep -c "more memory?")
[ "$n" -ge 2 ] || wait_for "more memory?" 5
sleep 0.2
keys "r" Enter
wait_for "reset: 1 allocation ended"
wait_for "#2: 100 bytes at"
keys "list" Enter
wait_for "#2 "
keys "quit" Enter
status=$(dead_status)
[ "$status" = 0 ] || fail "quit: exit status '$status', want 0"

# 3. The offer's "quit" answer ends the session cleanly.
start
keys "new 64 fixed" Enter
wait_for "new arena"
keys "alloc 1K" Enter
wait_for "more memory?"
keys "q" Enter
status=$(dead_status)
[ "$status" = 0 ] || fail "quit from the offer: exit status '$status', want 0"

# 4. At the offer and at "how much?": Ctrl-C, Ctrl-D and "cancel" give up
# the allocation and come back to the prompt; an unlisted answer is asked
# again; reset is not offered when no block could hold the request; Enter
# takes the default, shown in bytes.
start
keys "new 256 fixed" Enter
wait_for "new arena"
keys "alloc 200" Enter
wait_for "#1: 200 bytes"
fresh
keys "alloc 100" Enter
wait_for "more memory?"
keys C-c
back_at_prompt "more memory?" "Ctrl-C at the offer"
alive "Ctrl-C at the offer"
fresh
keys "alloc 100" Enter
wait_for "more memory?"
keys C-d
back_at_prompt "more memory?" "Ctrl-D at the offer"
alive "Ctrl-D at the offer"
fresh
keys "alloc 100" Enter
wait_for "more memory?"
keys "m" Enter
wait_for "how much?"
keys C-c
back_at_prompt "how much?" "Ctrl-C at how much"
alive "Ctrl-C at how much"
fresh
keys "alloc 100" Enter
wait_for "more memory?"
keys "m" Enter
wait_for "how much?"
keys C-d
back_at_prompt "how much?" "Ctrl-D at how much"
alive "Ctrl-D at how much"
fresh
keys "alloc 100" Enter
wait_for "more memory?"
keys "more" Enter
wait_for "how much?"
keys "cancel" Enter
back_at_prompt "how much?" "cancel at how much"
fresh
keys "alloc 100" Enter
wait_for "more memory?"
keys "map" Enter
wait_for "please answer m (more memory), r (reset), q (quit) or c (cancel)"
T capture-pane -p -t s | grep -q "how much?" && fail "'map' was taken for 'more'"
keys "c" Enter
back_at_prompt "more memory?" "cancel after a refused answer"
fresh
keys "alloc 300" Enter
wait_for "more memory? [m]ore / [q]uit / [c]ancel:"
keys "r" Enter
wait_for "please answer m (more memory), q (quit) or c (cancel)"
keys "c" Enter
back_at_prompt "more memory?" "cancel"
fresh
keys "list" Enter
wait_for "#1 "
[ "$(T capture-pane -p -t s | grep -c '^#')" = 1 ] || fail "a cancelled allocation was made"
fresh
keys "alloc 100" Enter
wait_for "more memory?"
keys "m" Enter
wait_for "how much? [256] bytes, or [c]ancel:"
keys Enter
wait_for "added a block of 256 bytes"
wait_for "#2: 100 bytes"
# Tab completes command names from the table.
fresh
keys "rea" Tab
wait_for "arena> realloc"
keys " 2 50" Enter
wait_for "resized in place (was 100 bytes)"
keys C-d
status=$(dead_status)
[ "$status" = 0 ] || fail "Ctrl-D after the offers: exit status '$status', want 0"

# 5. A child arena: the prompt names the current arena, Tab completes
# command names and, after 'use', arena names; resetting the parent runs
# the child's cleanup, ends the child, and the prompt is plain again.
start
keys "new 1K" Enter
wait_for "new arena"
keys "chi" Tab
wait_for "arena> child"
keys " name req" Enter
wait_for "now in 'req'"
wait_for "arena:req>"
keys "defer bye" Enter
wait_for "deferred in 'req': bye"
keys "use t" Tab
wait_for "arena:req> use top"
keys Enter
wait_for "arena:top>"
keys "reset" Enter
wait_for "reset: 0 allocations ended"
scr=$(T capture-pane -p -t s)
printf '%s\n' "$scr" | grep -q "^cleanup: bye" || fail "reset: no 'cleanup: bye'"
printf '%s\n' "$scr" | grep -q "^arena 'req' ends" || fail "reset: 'req' not seen ending"
[ "$(printf '%s\n' "$scr" | grep -v '^ *$' | tail -n 1)" = "arena>" ] || fail "prompt after the reset"
keys C-d
status=$(dead_status)
[ "$status" = 0 ] || fail "Ctrl-D after the tree: exit status '$status', want 0"

echo "ok: prompt, more-memory offer (more/reset/cancel/quit, Ctrl-C, Ctrl-D, listed answers," \
    "reset only when it helps), history, Tab completion, Ctrl-C, Ctrl-D, child arenas"
