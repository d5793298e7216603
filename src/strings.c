/*
 * strings.c -- strdup, strndup and printf into an arena, a layer over the
 * core's allocation and its tail primitives (core.h); it keeps no state and
 * reads no field of an arena.
 *
 * sprintf formats straight into the free tail of the current block when it
 * can (one pass: the common case of a short string costs one vsnprintf) and
 * commits only the bytes written.  When the output does not fit, it gives
 * the tail back exactly as it was (fill pattern included, so a failed or
 * retried call leaves no trace), measures, allocates and formats again.
 * While a memory tool watches, the tail is poisoned and the core offers
 * none, so it always measures first.
 */
#include "core.h"

#include <stdio.h>
#include <string.h>

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
    size_t avail;
    char *dst = arena__tail(a, &avail);
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(avail ? dst : NULL, avail, fmt, aq);
    va_end(aq);
    if (n >= 0 && (size_t)n < avail) {
        arena__tail_commit(a, (size_t)n + 1);
        return dst;
    }
    /* The output did not fit, so vsnprintf filled the whole tail (after an
     * error, how much it wrote is unknown): give all of it back. */
    arena__tail_abandon(a, avail);
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
