/*
 * arena_testing.h -- a backing allocator for testing out-of-memory paths.
 *
 * An arena_testing_backing_t plugs into arena_options_t.backing.  It serves
 * blocks from malloc, counts what it hands out, checks that every block
 * comes back exactly as it was given, and fails requests on demand, so a
 * test can drive the code above an arena through each of its ENOMEM paths:
 *
 *     arena_testing_backing_t t = {0};          // zeroed: ready, nothing armed
 *     arena_options_t o = {.block_size = 4096, .backing = arena_testing_backing(&t)};
 *     arena_t *a = arena_create_with(&o);
 *     arena_testing_fail_from(&t, 1);           // every request from here on fails
 *     ... the code under test meets NULL/ENOMEM whenever it needs a new block ...
 *     arena_testing_no_faults(&t);
 *     arena_destroy(a);
 *     // t.outstanding == 0 && t.blocks == 0 && !t.bad_release: all came back as given
 *     arena_testing_backing_fini(&t);
 *
 * Each request is numbered (1, 2, ... in `requests`) and meets these rules
 * in order; the first that applies makes it return NULL:
 *   1. its number is fail_at, or fail_persist is set and its number is
 *      above fail_at (fail_at == 0: no such rule)          -> counted in `injected`;
 *   2. fail_above != 0 and it asks for more than fail_above bytes
 *                                                          -> counted in `injected`;
 *   3. limit != 0 and serving it would take `outstanding` above limit
 *                                                          -> counted in `refused`;
 *   4. malloc (or the backing's own bookkeeping) fails.
 * Every NULL is counted in `failed`.  Rules 1 and 2 are the armed faults,
 * which arena_testing_no_faults() clears; rule 3 models a memory budget and
 * stays until the caller changes `limit`.
 *
 * Header-only: every function is static inline, C11 and the C library only;
 * all names are prefixed arena_testing_ / ARENA_TESTING_.  It is meant for
 * tests: each release is a linear search of the blocks outstanding.
 *
 * Threads: one backing is not thread-safe (no locks, no atomics).  An arena
 * never calls its backing concurrently, also on arena_alloc_thread_safe's
 * path, so one backing per arena is safe with any number of threads.  A
 * backing shared by several arenas may only serve arenas that are not used
 * at the same time; read its counters once the arenas' threads are joined.
 */
#ifndef ARENA_TESTING_H
#define ARENA_TESTING_H

#include <arena.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One block outstanding: private to this header. */
struct arena_testing__block {
    void *ptr;
    size_t size;
};

/* The backing's state.  Zero-initialise it ({0}) before first use: that is
 * a working backing with no rule armed and every counter at 0.  The
 * settings may be written directly or through the functions below, between
 * requests; the counters are for reading. */
typedef struct arena_testing_backing {
    /* ---- settings ---- */
    size_t fail_at;    /* number of the request that fails (1-based, counted since the
                          backing was zeroed); 0: none */
    int fail_persist;  /* non-zero: every request after fail_at fails too */
    size_t fail_above; /* requests of more than this many bytes fail; 0: none */
    size_t limit;      /* most bytes outstanding at once; 0: no limit */
    /* ---- counters ---- */
    size_t requests;    /* alloc calls, failed ones included */
    size_t failed;      /* alloc calls answered with NULL, for any reason */
    size_t injected;    /* of those, by fail_at / fail_persist / fail_above */
    size_t refused;     /* of those, by limit */
    size_t releases;    /* release calls, bad ones included */
    size_t outstanding; /* bytes handed out and not released yet */
    size_t peak;        /* most bytes ever outstanding at once */
    size_t blocks;      /* blocks handed out and not released yet */
    int bad_release;    /* set when a release names a pointer this backing does not hold,
                           or gives a size other than the one requested for it */
    /* ---- private: the blocks outstanding ---- */
    struct arena_testing__block *arena_testing__live;
    size_t arena_testing__cap;
} arena_testing_backing_t;

/* The alloc hook (user: an arena_testing_backing_t *).  Returns `size`
 * bytes from malloc, aligned to at least ARENA_DEFAULT_ALIGNMENT (a request
 * for 0 bytes gets a distinct pointer too), or NULL when a rule above
 * applies.  Counts the request either way. */
static inline void *arena_testing_alloc(void *user, size_t size)
{
    arena_testing_backing_t *t = (arena_testing_backing_t *)user;
    size_t n = ++t->requests;
    if ((t->fail_at != 0 && (n == t->fail_at || (t->fail_persist && n > t->fail_at)))
        || (t->fail_above != 0 && size > t->fail_above)) {
        t->injected++;
        t->failed++;
        return NULL;
    }
    if (t->limit != 0 && (size > t->limit || t->outstanding > t->limit - size)) {
        t->refused++;
        t->failed++;
        return NULL;
    }
    if (t->blocks == t->arena_testing__cap) {
        size_t cap = t->arena_testing__cap != 0 ? t->arena_testing__cap * 2 : 16;
        void *grown = cap <= SIZE_MAX / sizeof *t->arena_testing__live
                          ? realloc(t->arena_testing__live, cap * sizeof *t->arena_testing__live)
                          : NULL;
        if (grown == NULL) {
            t->failed++;
            return NULL;
        }
        t->arena_testing__live = (struct arena_testing__block *)grown;
        t->arena_testing__cap = cap;
    }
    void *p = malloc(size != 0 ? size : 1);
    if (p == NULL) {
        t->failed++;
        return NULL;
    }
    t->arena_testing__live[t->blocks].ptr = p;
    t->arena_testing__live[t->blocks].size = size;
    t->blocks++;
    t->outstanding += size;
    if (t->outstanding > t->peak)
        t->peak = t->outstanding;
    return p;
}

/* The release hook (user: an arena_testing_backing_t *).  Frees a block
 * this backing handed out.  A pointer it does not hold sets bad_release and
 * is left alone; a size other than the one requested sets bad_release and
 * the block is freed all the same (the requested size leaves
 * `outstanding`). */
static inline void arena_testing_release(void *user, void *ptr, size_t size)
{
    arena_testing_backing_t *t = (arena_testing_backing_t *)user;
    t->releases++;
    for (size_t i = t->blocks; i-- > 0;) {
        struct arena_testing__block *b = &t->arena_testing__live[i];
        if (b->ptr == ptr) {
            if (b->size != size)
                t->bad_release = 1;
            t->outstanding -= b->size;
            *b = t->arena_testing__live[--t->blocks];
            free(ptr);
            return;
        }
    }
    t->bad_release = 1;
}

/* The hooks for arena_options_t.backing, bound to `t`. */
static inline arena_backing_t arena_testing_backing(arena_testing_backing_t *t)
{
    arena_backing_t b = {arena_testing_alloc, arena_testing_release, t};
    return b;
}

/* Arms rule 1 once: the nth request from now fails (n == 1: the next one)
 * and the requests around it are served.  n == 0 disarms rule 1.  Replaces
 * an earlier fail_nth or fail_from. */
static inline void arena_testing_fail_nth(arena_testing_backing_t *t, size_t n)
{
    t->fail_at = n != 0 && n <= SIZE_MAX - t->requests ? t->requests + n : 0;
    t->fail_persist = 0;
}

/* Arms rule 1 for good: the nth request from now and every one after it
 * fail (n == 1: all from the next one).  n == 0 disarms rule 1.  Replaces an
 * earlier fail_nth or fail_from. */
static inline void arena_testing_fail_from(arena_testing_backing_t *t, size_t n)
{
    arena_testing_fail_nth(t, n);
    t->fail_persist = t->fail_at != 0;
}

/* Arms rule 2: every request for more than `size` bytes fails, whatever its
 * number.  size == 0 disarms rule 2. */
static inline void arena_testing_fail_above(arena_testing_backing_t *t, size_t size)
{
    t->fail_above = size;
}

/* Disarms rules 1 and 2.  The limit and every counter stay as they are. */
static inline void arena_testing_no_faults(arena_testing_backing_t *t)
{
    t->fail_at = 0;
    t->fail_persist = 0;
    t->fail_above = 0;
}

/* Frees the backing's own bookkeeping.  Call it when no arena uses the
 * backing any more (destroy them first).  Blocks still outstanding are
 * forgotten, not freed: `blocks` returns to 0, `outstanding` keeps their
 * bytes so the leak still shows, and releasing one later is a bad release.
 * The settings and the other counters stay as they are, and the backing may
 * serve again. */
static inline void arena_testing_backing_fini(arena_testing_backing_t *t)
{
    free(t->arena_testing__live);
    t->arena_testing__live = NULL;
    t->arena_testing__cap = 0;
    t->blocks = 0;
}

#ifdef __cplusplus
}
#endif

#endif /* ARENA_TESTING_H */
