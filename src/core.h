/*
 * core.h -- what the core offers the layers built on it (realloc.c,
 * strings.c, and the lifetimes and heap above them), without its layout.
 * A layer composes these with the public API; it never reads an arena's
 * fields.
 */
#ifndef ARENA_CORE_H
#define ARENA_CORE_H

#include "arena.h"

#include <stdbool.h>
#include <stddef.h>

/* Resizes the allocation [p, p+old_size) in place to new_size bytes when it
 * is the most recent allocation, no mark was saved after it, and its block
 * has room; true when it did.  Memory tools, fills and the peak follow. */
bool arena__resize_last(arena_t *a, void *p, size_t old_size, size_t new_size);

/* The free tail of the current block, for writing in place: its start, and
 * its size in *avail (0 while a memory tool watches, since the tail is then
 * poisoned; write nothing then).  Nothing is allocated until
 * arena__tail_commit; a caller that wrote into the tail and gives up calls
 * arena__tail_abandon with the number of bytes it wrote. */
char *arena__tail(arena_t *a, size_t *avail);
/* Allocates the first n bytes of the tail (n <= *avail from arena__tail,
 * with no other call on the arena in between) at alignment 1. */
void arena__tail_commit(arena_t *a, size_t n);
/* Restores the fill of the first `written` bytes of the tail. */
void arena__tail_abandon(arena_t *a, size_t written);

#endif /* ARENA_CORE_H */
