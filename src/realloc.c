/*
 * realloc.c -- arena_calloc and arena_realloc, a layer over the core's
 * allocation and its resize-in-place primitive (core.h); it keeps no state
 * and reads no field of an arena.
 *
 * A bump allocator can resize only its most recent allocation without
 * moving it.  So a grow happens in place when ptr is the newest allocation
 * and its block has room, and otherwise copies into new memory; a shrink
 * never moves and never fails (it returns ptr, and gives the tail back when
 * ptr is the newest allocation), so a caller may shrink without checking.
 */
#include "core.h"

#include <string.h>

void *arena_calloc(arena_t *a, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return arena__fail(a == NULL ? EINVAL : ENOMEM);
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
    if (new_size > (size_t)PTRDIFF_MAX)
        return arena__fail(ENOMEM);
    if (arena__resize_last(a, ptr, old_size, new_size) || new_size <= old_size)
        return ptr;
    void *q = arena_alloc(a, new_size);
    if (q != NULL)
        memcpy(q, ptr, old_size);
    return q;
}
