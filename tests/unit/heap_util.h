/* Helpers shared by the heap suites (tests/unit/heap*.c): the heap's
 * invariant walk with its message, the counters' identity, a fill pattern
 * and its check. */
#ifndef ARENA_HEAP_UTIL_H
#define ARENA_HEAP_UTIL_H

#include "test_util.h"

#include <stdbool.h>
#include <stdio.h>

/* Bytes of a chunk header and of a region's header plus end marker. */
#define HDR ((size_t)16)
#define REGION_OVERHEAD ((size_t)32)

/* What arena_heap_size reports for a fresh chunk of a request of n bytes. */
static inline size_t usable_for(size_t n)
{
    return n <= 16 ? 16 : (n + 15) & ~(size_t)15;
}

static inline void assert_heap_ok(const arena_heap_t *h)
{
    const char *why = "";
    if (arena_heap_check(h, &why) != 0)
        fail_msg("arena_heap_check: %s", why);
    arena_heap_stats_t s = arena_heap_stats(h);
    size_t sum = s.live + HDR * s.live_chunks + s.free + REGION_OVERHEAD * s.regions;
    if (s.taken != sum)
        fail_msg("taken %zu != live %zu + 16 * %zu chunks + free %zu + 32 * %zu regions (%zu)",
                 s.taken, s.live, s.live_chunks, s.free, s.regions, sum);
    assert_true(s.peak_taken >= s.taken);
    assert_true(s.peak_live >= s.live);
}

/* Fills n bytes at p with a pattern derived from `seed`. */
static inline void fill(void *p, size_t n, unsigned seed)
{
    unsigned char *b = (unsigned char *)p;
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(seed * 131u + i * 7u);
}

/* Checks n bytes at p hold fill()'s pattern for `seed`. */
static inline void expect_fill(const void *p, size_t n, unsigned seed)
{
    const unsigned char *b = (const unsigned char *)p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != (unsigned char)(seed * 131u + i * 7u))
            fail_msg("byte %zu of %zu is 0x%02x, expected 0x%02x (seed %u)", i, n, b[i],
                     (unsigned char)(seed * 131u + i * 7u), seed);
}

#endif
