/*
 * cache.h -- the process-wide block cache seen from the core: the default
 * backing, which every arena created without hooks gets as its hooks.
 */
#ifndef ARENA_CACHE_H
#define ARENA_CACHE_H

#include "arena.h"

/* malloc/free behind the block cache (cache.c). */
extern const arena_backing_t arena__default_backing;

#endif /* ARENA_CACHE_H */
