/*
 * layers.c -- calloc, realloc and the string helpers: thin layers over the
 * bump in arena.h/arena.c.  None of them keeps state of its own.
 *
 * realloc grows or shrinks in place only for the most recent allocation of
 * the current block (ptr + old_size == pos), the one case a bump allocator
 * can resize without moving; anything else is a new allocation and a copy.
 *
 * sprintf formats straight into the free space of the current block when it
 * can (one pass: the common case of a short string costs one vsnprintf) and
 * commits only the bytes written; when the output does not fit it measures,
 * allocates and formats again.  In checked mode the free space is poisoned,
 * so it always measures first.
 */
#include "arena_internal.h"

#include <stdio.h>

void *arena_calloc(arena_t *a, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size) {
        if (a == NULL)
            return arena__fail(EINVAL);
        return arena__fail(ENOMEM);
    }
    void *p = arena_alloc(a, count * size);
    if (p != NULL)
        memset(p, 0, count * size);
    return p;
}

void *arena_realloc(arena_t *a, void *ptr, size_t old_size, size_t new_size)
{
    if (ptr == NULL)
        return arena_alloc(a, new_size);
    if (a == NULL)
        return arena__fail(EINVAL);
    if (new_size > ARENA__MAX_REQUEST)
        return arena__fail(ENOMEM);

    uintptr_t p = (uintptr_t)ptr;
    uintptr_t pos = a->hot.pos;
    bool last = p >= arena__data(a->cur) && p <= pos && pos - p == old_size;
    /* A mark saved after ptr was allocated sits at or above p + old_size:
     * resizing in place would cut below it (shrink) or hand out space that a
     * restore to it would take back (grow).  Then shrinking keeps ptr as it
     * is, and growing copies, so restoring the mark ends only the copy. */
    bool marked = a->mark_block == a->cur && a->mark_pos > p;
    if (new_size <= old_size && last && marked)
        return ptr;
    if (new_size <= old_size && last) {
        uintptr_t used = a->cur->used_before + (size_t)(pos - arena__data(a->cur));
        if (used > a->peak)
            a->peak = used;
        /* Under memcheck the pool trim cuts the chunk down to new_size. */
        arena__mark_released(a, a->cur, p + new_size, old_size - new_size);
        arena__publish(a, p + new_size);
        return ptr;
    }
    if (last && !marked && new_size - old_size <= (size_t)(a->limit - pos)) {
        arena__publish(a, p + new_size);
        arena__mark_grown(a, p, old_size, new_size);
        return ptr;
    }
    void *q = arena_alloc(a, new_size);
    if (q != NULL)
        memcpy(q, ptr, old_size < new_size ? old_size : new_size);
    return q;
}

static char *arena__copy(arena_t *a, const char *s, size_t len)
{
    char *d = (char *)arena_alloc_aligned(a, len + 1, 1);
    if (d != NULL) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

char *arena_strdup(arena_t *a, const char *s)
{
    if (a == NULL || s == NULL)
        return arena__fail(EINVAL);
    return arena__copy(a, s, strlen(s));
}

char *arena_strndup(arena_t *a, const char *s, size_t n)
{
    if (a == NULL || s == NULL)
        return arena__fail(EINVAL);
    return arena__copy(a, s, strnlen(s, n));
}

char *arena_vsprintf(arena_t *a, const char *fmt, va_list ap)
{
    if (a == NULL || fmt == NULL)
        return arena__fail(EINVAL);
    va_list aq;
    va_copy(aq, ap);
    int n;
    if (!a->checked) {
        char *dst = (char *)a->hot.pos;
        size_t avail = (size_t)(a->limit - a->hot.pos);
        n = vsnprintf(avail ? dst : NULL, avail, fmt, aq);
        if (n >= 0 && (size_t)n < avail) {
            va_end(aq);
            arena__publish(a, (uintptr_t)dst + (size_t)n + 1);
            return dst;
        }
    } else {
        n = vsnprintf(NULL, 0, fmt, aq);
    }
    va_end(aq);
    if (n < 0) {
        if (errno == 0)
            errno = EOVERFLOW;
        return NULL;
    }
    char *s = (char *)arena_alloc_aligned(a, (size_t)n + 1, 1);
    if (s != NULL)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *arena_sprintf(arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vsprintf(a, fmt, ap);
    va_end(ap);
    return s;
}
