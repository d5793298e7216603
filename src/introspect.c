/*
 * introspect.c -- reading an arena without changing it: counters, the
 * block list, ownership, and the invariant walk.
 *
 * Nothing here is on an allocation path.  arena_check is the library's
 * expensive check: it re-derives every counter from the block lists and
 * compares, so a test (or ARENA_DEBUG=2 after every out-of-line operation)
 * finds a broken invariant where it happens rather than where it crashes.
 */
#include "arena_internal.h"

arena_stats_t arena_stats(const arena_t *a)
{
    arena_stats_t s;
    memset(&s, 0, sizeof s);
    if (a == NULL)
        return s;
    s.used = arena__used(a);
    s.peak = a->peak > s.used ? a->peak : s.used;
    s.capacity = a->capacity;
    s.blocks = a->nblocks;
    s.available = (size_t)(a->limit - a->hot.pos);
    s.backing = a->taken;
    s.max_size = a->max_size == SIZE_MAX ? 0 : a->max_size;
    return s;
}

static void arena__block_info(arena_block_info_t *out, const arena__block_t *b, uintptr_t top,
                              int state)
{
    out->start = (const void *)arena__data(b);
    out->size = b->size;
    out->used = (size_t)(top - arena__data(b));
    out->state = state;
}

size_t arena_blocks(const arena_t *a, arena_block_info_t *out, size_t max)
{
    if (a == NULL)
        return 0;
    size_t chain = 0;
    for (const arena__block_t *b = a->cur; b != NULL; b = b->prev)
        chain++;
    size_t i = chain;
    for (const arena__block_t *b = a->cur; b != NULL; b = b->prev) {
        i--;
        if (out != NULL && i < max)
            arena__block_info(&out[i], b, arena__top(a, b),
                              b == a->cur ? ARENA_BLOCK_CURRENT : ARENA_BLOCK_FULL);
    }
    i = chain;
    for (const arena__block_t *b = a->spare; b != NULL; b = b->next, i++)
        if (out != NULL && i < max)
            arena__block_info(&out[i], b, arena__data(b), ARENA_BLOCK_SPARE);
    return i;
}

int arena_owns(const arena_t *a, const void *ptr)
{
    if (a == NULL || ptr == NULL)
        return 0;
    uintptr_t p = (uintptr_t)ptr;
    for (const arena__block_t *b = a->cur; b != NULL; b = b->prev)
        if (p >= arena__data(b) && p < arena__top(a, b))
            return 1;
    return 0;
}

static int arena__broken(const char **why, const char *what)
{
    if (why != NULL)
        *why = what;
    errno = EINVAL;
    return -1;
}

int arena_check(const arena_t *a, const char **why)
{
    if (a == NULL)
        return arena__broken(why, "NULL arena");
    if (a->cur == NULL || a->first == NULL)
        return arena__broken(why, "no current or first block");
    if (a->hot.pos < arena__data(a->cur) || a->hot.pos > a->limit)
        return arena__broken(why, "position outside the current block");
    if (a->limit != arena__block_end(a->cur))
        return arena__broken(why, "limit is not the end of the current block");
    if (a->hot.end != (a->checked || a->closed != NULL ? a->hot.pos : a->limit))
        return arena__broken(why, "inline window does not match the mode");

    size_t count = 0, capacity = 0, taken = a->self_size;
    const arena__block_t *b = a->cur, *newer = NULL;
    uintptr_t top = a->hot.pos;
    for (;;) {
        if (++count > a->nblocks)
            return arena__broken(why, "block chain longer than the block count (cycle?)");
        if (top < arena__data(b) || top > arena__block_end(b))
            return arena__broken(why, "a block's top lies outside it");
        if (newer != NULL && newer->used_before != b->used_before + (size_t)(top - arena__data(b)))
            return arena__broken(why, "used_before disagrees with the older block");
        capacity += b->size;
        taken += b->alloc_size;
        if (b->prev == NULL)
            break;
        if (b->prev->next != b)
            return arena__broken(why, "an older block's next link does not lead back");
        newer = b;
        b = b->prev;
        top = b->top;
    }
    if (b != a->first)
        return arena__broken(why, "chain does not end at the first block");
    if (b->used_before != 0)
        return arena__broken(why, "first block has used_before != 0");
    if (a->cur->next != NULL)
        return arena__broken(why, "the current block has a next block");
    for (b = a->spare; b != NULL; b = b->next) {
        if (++count > a->nblocks)
            return arena__broken(why, "more blocks than the block count (cycle?)");
        if (b == a->first || b->alloc_size == 0)
            return arena__broken(why, "the first block is on the spare list");
        capacity += b->size;
        taken += b->alloc_size;
    }
    if (count != a->nblocks)
        return arena__broken(why, "block count disagrees with the lists");
    if (capacity != a->capacity)
        return arena__broken(why, "capacity disagrees with the blocks");
    if (taken != a->taken)
        return arena__broken(why, "backing bytes disagree with the blocks");
    size_t subtree = atomic_load_explicit(&a->subtree, memory_order_relaxed);
    if (!a->capped)
        subtree = a->taken; /* nothing up the tree counts */
    if (a->taken > subtree)
        return arena__broken(why, "the subtree counter is below the arena's own bytes");
    if (subtree > a->max_size)
        return arena__broken(why, "backing bytes exceed max_size");
    return 0;
}
