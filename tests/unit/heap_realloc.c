/*
 * arena_heap_realloc: contents kept over a grid of old and new sizes in
 * each placement (the chunk ends the heap's newest region, its neighbour is
 * free, its neighbour is live); a grow in place into a free neighbour, at
 * the arena's position, and through a free neighbour into the arena; a
 * shrink that never moves and never fails, even when the backing refuses
 * everything; a failed grow that leaves the chunk and the heap as they
 * were; n == 0 and NULL.
 */
#include "heap_util.h"

static const size_t grid[] = {0,    1,    15,   16,   17,   31,    32,    33,    100,
                              1008, 1009, 1024, 2000, 4096, 10000, 65536, 300000};
#define GRID (sizeof grid / sizeof *grid)

enum placement { LAST, FREE_NEXT, LIVE_NEXT };

static void contents_kept_over_the_grid(void **state)
{
    (void)state;
    for (int place = LAST; place <= LIVE_NEXT; place++) {
        for (size_t i = 0; i < GRID; i++) {
            for (size_t j = 0; j < GRID; j++) {
                arena_t *a = arena_create((size_t)1 << 20); /* one region */
                arena_heap_t *h = arena_heap_create(a);
                assert_non_null(h);
                size_t n = grid[i], m = grid[j];
                unsigned seed = (unsigned)(i * GRID + j);
                void *p = arena_heap_alloc(h, n);
                void *next = place == LAST ? NULL : arena_heap_alloc(h, 5000);
                void *guard = place == FREE_NEXT ? arena_heap_alloc(h, 1) : NULL;
                assert_non_null(p);
                if (place == FREE_NEXT)
                    arena_heap_free(h, next);
                fill(p, n, seed);
                size_t old = arena_heap_size(p);
                void *q = arena_heap_realloc(h, p, m);
                if (m == 0) {
                    assert_null(q);
                } else {
                    assert_non_null(q);
                    assert_aligned(q, ARENA_DEFAULT_ALIGNMENT);
                    assert_true(arena_heap_size(q) >= m);
                    expect_fill(q, n < m ? n : m, seed);
                    if (m <= old)
                        assert_ptr_equal(q, p); /* never moves on a shrink */
                    if (place != LIVE_NEXT && m <= 5000)
                        assert_ptr_equal(q, p); /* room right after it */
                    fill(q, m, seed + 1);
                }
                assert_heap_ok(h);
                arena_heap_free(h, q);
                if (place == LIVE_NEXT)
                    arena_heap_free(h, next);
                arena_heap_free(h, guard);
                assert_int_equal(arena_heap_stats(h).live_chunks, 0);
                assert_heap_ok(h);
                arena_destroy(a);
            }
        }
    }
}

/* A, B, C; B freed; A grows over B, in place.  When B has more than A
 * needs, the rest stays free. */
static void grows_into_a_free_neighbour(void **state)
{
    (void)state;
    arena_t *a = arena_create((size_t)1 << 20);
    arena_heap_t *h = arena_heap_create(a);
    for (size_t want = 200; want <= 2000; want += 150) {
        char *p = arena_heap_alloc(h, 200);
        void *b = arena_heap_alloc(h, 1800);
        void *c = arena_heap_alloc(h, 8);
        fill(p, 200, 7);
        arena_heap_free(h, b);
        arena_heap_stats_t before = arena_heap_stats(h);
        char *q = arena_heap_realloc(h, p, want);
        assert_ptr_equal(q, p);
        expect_fill(q, 200, 7);
        arena_heap_stats_t after = arena_heap_stats(h);
        size_t grew = arena_heap_size(q) - 208;
        assert_int_equal(after.live, before.live + grew);
        assert_int_equal(after.free, before.free - grew);
        assert_int_equal(after.taken, before.taken);
        assert_heap_ok(h);
        arena_heap_free(h, q);
        arena_heap_free(h, c);
    }
    arena_destroy(a);
}

/* The chunk at the arena's position grows into the block's free space:
 * same pointer, and the arena's `used` grows by the difference. */
static void grows_at_the_arena_position(void **state)
{
    (void)state;
    arena_t *a = arena_create((size_t)1 << 20);
    arena_heap_t *h = arena_heap_create(a);
    void *first = arena_heap_alloc(h, 10);
    char *p = arena_heap_alloc(h, 10); /* the region is exact from here on */
    fill(p, 10, 3);
    for (size_t n = 100; n <= 200000; n = n * 3) {
        size_t used = arena_stats(a).used;
        size_t old = arena_heap_size(p);
        char *q = arena_heap_realloc(h, p, n);
        assert_ptr_equal(q, p);
        expect_fill(q, 10, 3);
        assert_int_equal(arena_stats(a).used, used + usable_for(n) - old);
        assert_heap_ok(h);
    }
    /* Through a free neighbour that a pop could not give back (something
     * was allocated after it), once the arena's position is back. */
    arena_heap_free(h, p);
    p = arena_heap_alloc(h, 100);
    void *b = arena_heap_alloc(h, 300);
    void *blocker = arena_alloc(a, 64);
    arena_heap_free(h, b);
    assert_int_equal(arena_heap_stats(h).free_chunks, 1);
    assert_int_equal(arena_pop(a, blocker, 64), 1);
    char *q = arena_heap_realloc(h, p, 5000);
    assert_ptr_equal(q, p);
    assert_int_equal(arena_heap_stats(h).free_chunks, 0);
    assert_heap_ok(h);
    arena_heap_free(h, first);
    arena_heap_free(h, q);
    assert_heap_ok(h);
    arena_destroy(a);
}

/* A shrink returns p, keeps the contents, and frees the tail when it can
 * be a chunk, even when the backing refuses every request. */
static void a_shrink_never_moves_and_never_fails(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_options_t o = {.block_size = (size_t)1 << 20, .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    arena_heap_t *h = arena_heap_create(a);
    arena_testing_fail_from(&t, 1);
    for (size_t i = 0; i < GRID; i++) {
        for (size_t j = 1; j < GRID && grid[j] <= grid[i]; j++) {
            size_t n = grid[i], m = grid[j];
            void *p = arena_heap_alloc(h, n);
            void *guard = arena_heap_alloc(h, 1);
            if (p == NULL || guard == NULL)
                continue; /* the first block is full: nothing to shrink */
            fill(p, n, (unsigned)i);
            arena_heap_stats_t before = arena_heap_stats(h);
            size_t old = arena_heap_size(p);
            void *q = arena_heap_realloc(h, p, m);
            assert_ptr_equal(q, p);
            expect_fill(q, m, (unsigned)i);
            size_t now = arena_heap_size(q);
            assert_true(now >= m);
            arena_heap_stats_t after = arena_heap_stats(h);
            if (old - usable_for(m) >= 32) {
                assert_int_equal(now, usable_for(m));
                assert_int_equal(after.free, before.free + old - now);
            } else {
                assert_int_equal(now, old);
                assert_int_equal(after.free, before.free);
            }
            assert_int_equal(after.live, before.live - (old - now));
            assert_heap_ok(h);
            arena_heap_free(h, q);
            arena_heap_free(h, guard);
        }
    }
    arena_testing_no_faults(&t);
    arena_destroy(a);
    finish_backing(&t);
}

/* A grow that needs memory the arena cannot get: NULL with ENOMEM, the
 * chunk and every counter as they were. */
static void a_failed_grow_leaves_everything(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_options_t o = {.block_size = 8192, .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    arena_heap_t *h = arena_heap_create(a);
    char *p = arena_heap_alloc(h, 1000);
    void *guard = arena_heap_alloc(h, 1);
    assert_non_null(p);
    assert_non_null(guard);
    fill(p, 1000, 9);
    arena_testing_fail_from(&t, 1);
    for (size_t n = 16384; n <= ((size_t)1 << 22); n *= 2) { /* more than the block holds */
        arena_heap_stats_t before = arena_heap_stats(h);
        arena_stats_t abefore = arena_stats(a);
        assert_fails(arena_heap_realloc(h, p, n), ENOMEM);
        expect_fill(p, 1000, 9);
        assert_int_equal(arena_heap_size(p), 1008);
        arena_heap_stats_t after = arena_heap_stats(h);
        assert_memory_equal(&before, &after, sizeof before);
        arena_stats_t aafter = arena_stats(a);
        assert_int_equal(aafter.used, abefore.used);
        assert_int_equal(aafter.capacity, abefore.capacity);
        assert_int_equal(aafter.backing, abefore.backing);
        assert_heap_ok(h);
    }
    arena_testing_no_faults(&t);
    char *q = arena_heap_realloc(h, p, 100000);
    assert_non_null(q);
    expect_fill(q, 1000, 9);
    assert_heap_ok(h);
    arena_destroy(a);
    finish_backing(&t);
}

static void zero_frees_and_null_allocates(void **state)
{
    (void)state;
    arena_t *a = arena_create(0);
    arena_heap_t *h = arena_heap_create(a);
    void *p = arena_heap_realloc(h, NULL, 10);
    assert_non_null(p);
    assert_int_equal(arena_heap_stats(h).live_chunks, 1);
    errno = 0;
    assert_null(arena_heap_realloc(h, p, 0));
    assert_int_equal(errno, 0);
    assert_int_equal(arena_heap_stats(h).live_chunks, 0);
    arena_heap_stats_t s = arena_heap_stats(h);
    assert_null(arena_heap_realloc(h, NULL, 0)); /* nothing to free, nothing allocated */
    arena_heap_stats_t s2 = arena_heap_stats(h);
    assert_memory_equal(&s, &s2, sizeof s);
    assert_heap_ok(h);
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(contents_kept_over_the_grid),
        cmocka_unit_test(grows_into_a_free_neighbour),
        cmocka_unit_test(grows_at_the_arena_position),
        cmocka_unit_test(a_shrink_never_moves_and_never_fails),
        cmocka_unit_test(a_failed_grow_leaves_everything),
        cmocka_unit_test(zero_frees_and_null_allocates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
