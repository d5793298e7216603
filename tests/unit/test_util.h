/* Shared helpers for the cmocka unit suites: assertions that print both
 * sides, and the end of a test backing (include/arena_testing.h). */
#ifndef ARENA_TEST_UTIL_H
#define ARENA_TEST_UTIL_H

#include <arena.h>
#include <arena_testing.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Every block came back, as it was given; then the backing's bookkeeping
 * is freed (a backing left unfinished is a leak LeakSanitizer and memcheck
 * report). */
static inline void finish_backing(arena_testing_backing_t *t)
{
    assert_int_equal(t->outstanding, 0);
    assert_int_equal(t->blocks, 0);
    assert_false(t->bad_release);
    arena_testing_backing_fini(t);
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
