/*
 * The thread-safe path's promises that do not need threads to break:
 * per-thread chunk slots shared between arenas (memory use when one thread
 * spreads its requests over several arenas), and the fallbacks of its fast
 * path (whatever arena_alloc_aligned serves on an arena at rest,
 * arena_alloc_thread_safe serves too).
 */
#include "test_util.h"

#include <stdio.h>

/* ---- slots ------------------------------------------------------------------- */

static size_t total_used(arena_t **a, size_t n)
{
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        u += arena_stats(a[i]).used;
    return u;
}

/* One thread alternates `rounds` 16-byte requests over n arenas. */
static size_t alternate(arena_t **a, size_t n, size_t rounds)
{
    for (size_t r = 0; r < rounds; r++)
        for (size_t i = 0; i < n; i++)
            assert_non_null(arena_alloc_thread_safe(a[i], 16, 16));
    return rounds * n * 16;
}

#define MAX_CHUNK ((size_t)16384)

static void up_to_eight_arenas_share_a_thread_without_thrash(void **state)
{
    (void)state;
    /* Arenas created in different orders: consecutive ids, ids with gaps
     * (other arenas created and destroyed in between), and a gap pattern
     * that maps several arenas to the same home slot. */
    const size_t gaps[][8] = {
        {0, 0, 0, 0, 0, 0, 0, 0},
        {1, 3, 0, 2, 5, 1, 0, 4},
        {7, 7, 7, 7, 7, 7, 7, 7},
        {8, 15, 23, 0, 1, 31, 6, 2},
    };
    for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
        for (size_t n = 1; n <= 8; n++) {
            arena_t *a[8];
            for (size_t i = 0; i < n; i++) {
                for (size_t k = 0; k < gaps[g][i]; k++)
                    arena_destroy(arena_create(256));
                a[i] = arena_create(1 << 20);
                assert_non_null(a[i]);
            }
            size_t handed = alternate(a, n, 3000);
            size_t used = total_used(a, n);
            if (used > 2 * handed + n * MAX_CHUNK)
                fail_msg("gaps #%zu, %zu arenas: used %zu for %zu handed out (limit %zu)", g, n,
                         used, handed, 2 * handed + n * MAX_CHUNK);
            for (size_t i = 0; i < n; i++)
                arena_destroy(a[i]);
        }
    }
}

static void more_arenas_than_slots_waste_little_per_call(void **state)
{
    (void)state;
    for (size_t n = 9; n <= 24; n += 5) {
        arena_t *a[24];
        for (size_t i = 0; i < n; i++)
            a[i] = arena_create(1 << 20);
        size_t handed = alternate(a, n, 1000);
        size_t used = total_used(a, n);
        /* A thrashing call may cost a cache line, never a whole chunk. */
        size_t limit = handed / 16 * 64 + n * MAX_CHUNK;
        if (used > limit)
            fail_msg("%zu arenas: used %zu for %zu handed out (limit %zu)", n, used, handed, limit);
        for (size_t i = 0; i < n; i++)
            arena_destroy(a[i]);
    }
}

static void the_issue_reproduction(void **state)
{
    (void)state;
    /* Three arenas created one after another, 3,000 rounds of 16 bytes. */
    arena_t *a[3] = {arena_create(0), arena_create(0), arena_create(0)};
    size_t handed = alternate(a, 3, 3000);
    size_t used = total_used(a, 3);
    if (used > 2 * handed + 3 * MAX_CHUNK)
        fail_msg("used %zu for %zu handed out", used, handed);
    for (size_t i = 0; i < 3; i++)
        arena_destroy(a[i]);
}

/* ---- fallbacks: twin arenas, one served by each path ------------------------ */

enum { FULL_FIXED_EXTENDED, CAPPED_NEAR_FULL, GROWABLE_WITH_SPARE, FIXED_WITH_SPARE, NSHAPES };
static const char *const shape_name[] = {"fixed+extend", "capped", "growable+spare", "fixed+spare"};

typedef struct {
    _Alignas(4096) unsigned char buf[8192];
    size_t requests;
    arena_t *a;
} twin_t;

/* Page-aligned blocks, so that twins' blocks are alike at every alignment
 * up to a page. */
static void *page_alloc(void *user, size_t size)
{
    ((twin_t *)user)->requests++;
    return aligned_alloc(4096, (size + 4095) & ~(size_t)4095);
}
static void page_release(void *user, void *p, size_t size)
{
    (void)user;
    (void)size;
    free(p);
}

/* Builds an arena of the given shape; its position and blocks depend only
 * on the shape and `param`, so two twins are alike. */
static void build(twin_t *t, int shape, size_t param)
{
    t->requests = 0;
    arena_options_t o = {.backing = {page_alloc, page_release, t}};
    switch (shape) {
    case FULL_FIXED_EXTENDED:
        o.buffer = t->buf;
        o.buffer_size = ARENA_BUFFER_OVERHEAD + 512;
        o.flags = ARENA_FIXED;
        t->a = arena_create_with(&o);
        assert_non_null(t->a);
        assert_non_null(arena_alloc_aligned(t->a, arena_stats(t->a).available, 1));
        assert_int_equal(arena_extend(t->a, param), 0);
        break;
    case CAPPED_NEAR_FULL:
        o.block_size = 4096;
        o.max_size = 4096 + 1024 + param; /* room for part of a second block */
        t->a = arena_create_with(&o);
        assert_non_null(t->a);
        assert_non_null(arena_alloc_aligned(t->a, arena_stats(t->a).available, 1));
        break;
    case GROWABLE_WITH_SPARE:
    case FIXED_WITH_SPARE: {
        o.block_size = 1024;
        o.flags = shape == FIXED_WITH_SPARE ? ARENA_FIXED : 0;
        t->a = arena_create_with(&o);
        assert_non_null(t->a);
        arena_mark_t m = arena_save(t->a);
        assert_non_null(arena_alloc_aligned(t->a, arena_stats(t->a).available, 1));
        assert_int_equal(arena_extend(t->a, param), 0);
        assert_non_null(arena_alloc_aligned(t->a, 1, 1)); /* moves onto the extension */
        arena_restore(t->a, m);                           /* which becomes a spare */
        assert_non_null(arena_alloc_aligned(t->a, arena_stats(t->a).available, 1));
        break;
    }
    }
}

static void thread_safe_serves_what_aligned_serves(void **state)
{
    (void)state;
    static twin_t x, y;
    const size_t params[] = {16, 200, 1000, 3000};
    const size_t sizes[] = {0, 1, 15, 16, 17, 100, 199, 200, 500, 999, 1000, 2999, 3000, 5000};
    size_t checked = 0;
    for (int shape = 0; shape < NSHAPES; shape++) {
        for (size_t pi = 0; pi < sizeof params / sizeof params[0]; pi++) {
            for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
                for (size_t al = 1; al <= 4096; al *= 2) {
                    build(&x, shape, params[pi]);
                    build(&y, shape, params[pi]);
                    size_t req_x = x.requests, req_y = y.requests;
                    void *p = arena_alloc_aligned(x.a, sizes[si], al);
                    errno = 0;
                    void *q = arena_alloc_thread_safe(y.a, sizes[si], al);
                    int err = errno;
                    if (p != NULL && q == NULL)
                        fail_msg("%s(%zu): %zu bytes at %zu: arena_alloc_aligned serves it, "
                                 "arena_alloc_thread_safe fails (errno %d)",
                                 shape_name[shape], params[pi], sizes[si], al, err);
                    if (q != NULL) {
                        assert_aligned(q, al);
                        assert_true(arena_owns(y.a, q) || sizes[si] == 0);
                    }
                    /* A spare that holds the request is used, not the backing. */
                    if (p != NULL && x.requests == req_x && y.requests != req_y)
                        fail_msg("%s(%zu): %zu bytes at %zu: the thread-safe path asked the "
                                 "backing where a spare served arena_alloc_aligned",
                                 shape_name[shape], params[pi], sizes[si], al);
                    assert_consistent(x.a);
                    assert_consistent(y.a);
                    arena_destroy(x.a);
                    arena_destroy(y.a);
                    checked++;
                }
            }
        }
    }
    assert_true(checked > 500);
}

static void extend_promise_holds_for_thread_safe(void **state)
{
    (void)state;
    /* arena_extend(extra): an allocation of `extra` bytes at the default
     * alignment then succeeds without a backing request, through either path. */
    static twin_t t;
    for (size_t extra = 1; extra <= 4096; extra = extra * 3 + 1) {
        build(&t, FULL_FIXED_EXTENDED, extra);
        size_t req = t.requests;
        void *p = arena_alloc_thread_safe(t.a, extra, ARENA_DEFAULT_ALIGNMENT);
        if (p == NULL)
            fail_msg("extend(%zu), then thread-safe alloc of %zu: failed (errno %d)", extra, extra,
                     errno);
        assert_int_equal(t.requests, req);
        arena_destroy(t.a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(up_to_eight_arenas_share_a_thread_without_thrash),
        cmocka_unit_test(more_arenas_than_slots_waste_little_per_call),
        cmocka_unit_test(the_issue_reproduction),
        cmocka_unit_test(thread_safe_serves_what_aligned_serves),
        cmocka_unit_test(extend_promise_holds_for_thread_safe),
    };
    return cmocka_run_group_tests_name("threadsafe", tests, NULL, NULL);
}
