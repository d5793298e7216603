/*
 * os_exit.c -- the part of the OS seam's thread-exit hooks that is the same
 * on every platform: which hook has which bit, and running a thread's
 * hooks.  The platform files (os_posix.c, os_win32.c) keep each thread's
 * bits and have the system call arena__os_exit_run when a thread ends.
 */
#include "os.h"

static arena__os_lock_t arena__exit_lock = ARENA__OS_LOCK_INIT;
static void (*arena__exit_fns[ARENA__OS_EXIT_FNS])(void);

int arena__os_exit_bit(void (*fn)(void))
{
    int i;
    arena__os_lock(&arena__exit_lock);
    for (i = 0; i < ARENA__OS_EXIT_FNS && arena__exit_fns[i] != NULL; i++)
        if (arena__exit_fns[i] == fn)
            break;
    if (i < ARENA__OS_EXIT_FNS && arena__exit_fns[i] == NULL)
        arena__exit_fns[i] = fn;
    arena__os_unlock(&arena__exit_lock);
    return i < ARENA__OS_EXIT_FNS ? i : -1;
}

void arena__os_exit_run(unsigned (*take)(void))
{
    /* A hook may register again (a scratch arena re-created by another
     * hook's cleanup): run until no bit is left, as pthread keys would, a
     * few rounds at most. */
    for (int round = 0; round < 4; round++) {
        unsigned bits = take();
        if (bits == 0)
            break;
        for (int i = 0; i < ARENA__OS_EXIT_FNS; i++)
            if (bits & (1u << i))
                arena__exit_fns[i]();
    }
}
