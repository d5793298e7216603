/*
 * cache.h -- the process-wide block cache seen from the core: the default
 * backing, which every arena created without hooks gets as its hooks; and
 * the few internals that white-box tests drive.
 */
#ifndef ARENA_CACHE_H
#define ARENA_CACHE_H

#include "arena.h"

#include <stdint.h>

/* malloc/free behind the block cache (cache.c). */
extern const arena_backing_t arena__default_backing;

/* The tiers, as arena__cache_tier_bytes names them. */
#define ARENA__TIER_RESIDENT 0
#define ARENA__TIER_LAZY 1

/* The default cap of a tier whose 64-bit default is `constant`, on a system
 * with `address_bits` bits of address space and `physical` bytes of memory
 * (0: unknown): the smallest of the constant, physical / 8 and a 32nd of the
 * address space. */
size_t arena__cache_default_cap(size_t constant, unsigned address_bits, uint64_t physical);

/* For white-box tests: moves the cache's clock forward by ms milliseconds
 * (it never moves back), so that decay can be driven without sleeping. */
void arena__cache_clock_advance(uint64_t ms);
/* Bytes in one tier (ARENA__TIER_RESIDENT or ARENA__TIER_LAZY). */
size_t arena__cache_tier_bytes(int tier);

#endif /* ARENA_CACHE_H */
