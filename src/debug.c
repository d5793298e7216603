/*
 * debug.c -- the debug assertion and the record of valid marks (debug.h).
 * A leaf: it sees marks as serial numbers and the backing as two hooks,
 * never an arena.
 *
 * The record's stack starts in the window embedded in the arena; when it
 * is full and the arena may touch the heap, it moves to a malloc'ed block
 * twice the size (and keeps doubling), so every stale mark is caught however
 * many marks are live.  When malloc refuses, or the heap is off limits, the
 * oldest entry drops out of the window instead.
 */
#include "debug.h"

#if ARENA_DEBUG >= 1

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void arena__assert_fail(const char *name, const char *call, const char *file, int line,
                        const char *msg)
{
    fprintf(stderr, "arena%s%s%s: %s%s%s (%s:%d)\n", name != NULL && name[0] ? "[" : "",
            name != NULL ? name : "", name != NULL && name[0] ? "]" : "", call ? call : "",
            call ? ": " : "", msg, file, line);
    fflush(stderr);
    abort();
}

void arena__marks_init(arena__marks_t *m)
{
    m->v = m->window;
    m->n = 0;
    m->cap = ARENA__MARK_WINDOW;
    m->dropped = 0;
}

/* Moves the stack to a block twice its size; false when it cannot. */
static bool arena__marks_grow(arena__marks_t *m)
{
    if (m->cap > SIZE_MAX / 2 / sizeof *m->v)
        return false;
    size_t cap = m->cap * 2;
    uint64_t *v = (uint64_t *)malloc(cap * sizeof *v);
    if (v == NULL)
        return false;
    memcpy(v, m->v, m->n * sizeof *v);
    if (m->v != m->window)
        free(m->v);
    m->v = v;
    m->cap = cap;
    return true;
}

void arena__marks_push(arena__marks_t *m, uint64_t serial, bool grow)
{
    if (m->n == m->cap && !(grow && arena__marks_grow(m))) {
        m->dropped = m->v[0];
        memmove(m->v, m->v + 1, (m->n - 1) * sizeof *m->v);
        m->n--;
    }
    m->v[m->n++] = serial;
}

bool arena__marks_valid(const arena__marks_t *m, uint64_t serial)
{
    if (serial <= m->dropped)
        return true; /* older than the window: not known to be stale */
    /* Serials increase up the stack: a binary search would do, but marks
     * are few and the newest is the likeliest. */
    for (size_t i = m->n; i-- > 0;) {
        if (m->v[i] == serial)
            return true;
        if (m->v[i] < serial)
            break;
    }
    return false;
}

void arena__marks_restore(arena__marks_t *m, uint64_t serial)
{
    while (m->n > 0 && m->v[m->n - 1] > serial)
        m->n--;
    /* A mark older than the window: every untracked mark saved after it is
     * stale from now on. */
    if (serial < m->dropped)
        m->dropped = serial;
}

void arena__marks_clear(arena__marks_t *m, uint64_t newest)
{
    m->n = 0;
    m->dropped = newest; /* every mark so far is stale, and none is tracked */
}

void arena__marks_free(arena__marks_t *m)
{
    if (m->v != m->window)
        free(m->v);
    arena__marks_init(m);
}

#else
/* Keeps ISO C's "a translation unit is not empty" in release builds. */
typedef int arena__debug_unused;
#endif
