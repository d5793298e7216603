/* Shared helpers for the cmocka unit suites. */
#ifndef ARENA_TEST_UTIL_H
#define ARENA_TEST_UTIL_H

#include <arena.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* A backing allocator that counts, and refuses on request. */
typedef struct counting_backing {
    size_t requests;    /* alloc calls */
    size_t outstanding; /* bytes not yet released */
    size_t fail_from;   /* refuse request number >= fail_from (1-based); 0: never */
} counting_backing_t;

static inline void *counting_alloc(void *user, size_t size)
{
    counting_backing_t *c = (counting_backing_t *)user;
    c->requests++;
    if (c->fail_from != 0 && c->requests >= c->fail_from)
        return NULL;
    void *p = malloc(size);
    if (p != NULL)
        c->outstanding += size;
    return p;
}

static inline void counting_release(void *user, void *p, size_t size)
{
    counting_backing_t *c = (counting_backing_t *)user;
    c->outstanding -= size;
    free(p);
}

static inline arena_options_t counting_options(counting_backing_t *c, size_t block_size)
{
    arena_options_t o;
    memset(&o, 0, sizeof o);
    o.block_size = block_size;
    o.backing.alloc = counting_alloc;
    o.backing.release = counting_release;
    o.backing.user = c;
    return o;
}

#define assert_aligned(p, al) assert_int_equal((uintptr_t)(p) % (uintptr_t)(al), 0)

/* Expects NULL with errno == err. */
#define assert_fails(expr, err)                                                                    \
    do {                                                                                           \
        errno = 0;                                                                                 \
        void *p_ = (void *)(expr);                                                                 \
        int e_ = errno;                                                                            \
        assert_null(p_);                                                                           \
        assert_int_equal(e_, (err));                                                               \
    } while (0)

static inline void assert_consistent(const arena_t *a)
{
    const char *why = "";
    int rc = arena_check(a, &why);
    if (rc != 0)
        fail_msg("arena_check: %s", why);
}

static inline void assert_stats_equal(arena_stats_t x, arena_stats_t y)
{
    assert_int_equal(x.used, y.used);
    assert_int_equal(x.capacity, y.capacity);
    assert_int_equal(x.peak, y.peak);
    assert_int_equal(x.blocks, y.blocks);
    assert_int_equal(x.available, y.available);
    assert_int_equal(x.backing, y.backing);
}

#endif
