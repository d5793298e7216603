/*
 * scratch.c -- per-thread scratch arenas: short-lived memory inside a
 * function, from an arena none of the caller's result arenas is.
 *
 * Each thread has ARENA_SCRATCH_COUNT arenas in thread-local storage,
 * created on first use.  begin picks the first one that is not among the
 * conflicts (the caller's result arenas, which may be scratch arenas from
 * an outer begin) and saves a mark; end restores it.  So nested pairs take
 * turns between the arenas, and everything a pair allocated is gone after
 * its end, at the cost of one save and one restore: no backing request once
 * the arenas exist.  A thread-exit hook (os.h) destroys the thread's
 * arenas.  Two arenas suffice for the usual shape, a function that returns
 * results in one arena and computes in another, and its callee doing the
 * same with the roles swapped.
 */
#include "arena_internal.h"

static ARENA__TLS arena_t *arena__scratch[ARENA_SCRATCH_COUNT];

static void arena__scratch_exit(void)
{
    for (size_t i = 0; i < ARENA_SCRATCH_COUNT; i++) {
        arena_t *a = arena__scratch[i];
        arena__scratch[i] = NULL;
        arena_destroy(a);
    }
}

static bool arena__among(const arena_t *a, arena_t *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (set[i] == a)
            return true;
    return false;
}

/* The thread's scratch arena i, created if it does not exist yet. */
static arena_t *arena__scratch_get(size_t i)
{
    if (arena__scratch[i] != NULL)
        return arena__scratch[i];
    arena_options_t o = {.name = "scratch"};
    arena_t *a = arena_create_with(&o);
    if (a == NULL)
        return NULL;
    if (!arena__os_at_thread_exit(arena__scratch_exit)) {
        arena_destroy(a); /* it would leak at thread exit */
        return arena__fail(ENOMEM);
    }
    arena__scratch[i] = a;
    return a;
}

/* The first of the thread's scratch arenas that is no conflict, created if
 * need be; NULL with errno when none can serve. */
static arena_t *arena__scratch_pick(arena_t *const *conflicts, size_t count)
{
    if (conflicts == NULL && count != 0)
        return arena__fail(EINVAL);
    for (size_t i = 0; i < ARENA_SCRATCH_COUNT; i++) {
        if (arena__scratch[i] != NULL && arena__among(arena__scratch[i], conflicts, count))
            continue;
        return arena__scratch_get(i);
    }
    return arena__fail(EBUSY);
}

arena_scratch_t arena_scratch_begin(arena_t *const *conflicts, size_t count)
{
    /* The pair goes back by value: built from registers, with the save
     * inline, it is stored once, where the caller wants it. */
    arena_t *a = arena__scratch_pick(conflicts, count);
    if (a == NULL)
        return (arena_scratch_t){NULL, arena_save(NULL)};
    return (arena_scratch_t){a, arena__save(a)};
}

void arena_scratch_end(arena_scratch_t scratch)
{
    arena__restore(scratch.arena, &scratch.mark);
}
