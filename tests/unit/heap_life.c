/*
 * A heap's life: it ends with its arena's memory (reset, destroy, restore
 * to a mark saved before it, the end of a child arena's parent), and a
 * thread's current heap ends with it; cleanups that run before or after
 * the heap's end may still read its chunks and free them; a restore to a
 * mark saved after the heap ends only the memory the heap took since and
 * leaves the heap working; a heap in a caller's buffer; out of memory at
 * every backing request of a fixed sequence, and at every buffer size near
 * the heap's own, leaves the heap and the arena consistent; an arena's
 * on_limit frees heap chunks and the allocation that needed them succeeds.
 */
#include "heap_util.h"

static void ends_with_its_arena(void **state)
{
    (void)state;
    for (int how = 0; how < 3; how++) { /* reset, destroy, restore before it */
        arena_t *a = arena_create(4096);
        void *before = arena_alloc(a, 8);
        arena_mark_t m = arena_save(a);
        size_t used = arena_stats(a).used;
        arena_heap_t *h = arena_heap_create(a);
        assert_null(arena_heap_use(h));
        for (int i = 0; i < 100; i++)
            assert_non_null(arena_use_malloc((size_t)i * 100)); /* many regions */
        assert_true(arena_heap_stats(h).regions > 1);
        if (how == 0) {
            arena_reset(a);
            assert_int_equal(arena_stats(a).used, 0);
        } else if (how == 1) {
            arena_destroy(a);
        } else {
            arena_restore(a, m);
            assert_int_equal(arena_stats(a).used, used);
            assert_non_null(before);
        }
        /* The heap's end took it off this thread. */
        assert_null(arena_heap_use(NULL));
        void *p = arena_use_malloc(10); /* from malloc now */
        assert_non_null(p);
        arena_use_free(p);
        if (how != 1) {
            arena_heap_t *again = arena_heap_create(a);
            assert_non_null(again);
            assert_heap_ok(again);
            arena_destroy(a);
        }
    }
}

/* A cleanup registered after the heap runs before the heap ends, one
 * registered before it runs after: both may read the chunks (nothing is
 * filled or poisoned until every cleanup has run) and free them (a chunk
 * whose region has ended is ignored). */
typedef struct {
    arena_heap_t *h;
    unsigned char *chunks[40];
    int ran;
} ctx_t;

static void read_and_free(ctx_t *c, bool through_heap)
{
    for (int i = 0; i < 40; i++) {
        expect_fill(c->chunks[i], 300, (unsigned)i);
        if (through_heap && i % 2 == 0)
            arena_heap_free(c->h, c->chunks[i]);
        else
            arena_use_free(c->chunks[i]);
    }
    c->ran++;
}

static void newer_cleanup(void *arg)
{
    read_and_free((ctx_t *)arg, true);
}

static void older_cleanup(void *arg)
{
    read_and_free((ctx_t *)arg, false);
}

static void cleanups_may_read_and_free_chunks(void **state)
{
    (void)state;
    for (int how = 0; how < 2; how++) {
        ctx_t newer = {0}, older = {0};
        arena_t *a = arena_create(4096);
        assert_int_equal(arena_defer(a, older_cleanup, &older), 0);
        arena_heap_t *h = arena_heap_create(a);
        newer.h = older.h = h;
        for (int i = 0; i < 40; i++) {
            if (i == 20)
                assert_int_equal(arena_defer(a, newer_cleanup, &newer), 0);
            newer.chunks[i] = arena_heap_alloc(h, 300);
            older.chunks[i] = arena_heap_alloc(h, 300);
            fill(newer.chunks[i], 300, (unsigned)i);
            fill(older.chunks[i], 300, (unsigned)i);
            (void)arena_alloc(a, 3000); /* a new region for nearly every chunk */
        }
        if (how == 0)
            arena_reset(a);
        arena_destroy(a);
        assert_int_equal(newer.ran, 1);
        assert_int_equal(older.ran, 1);
    }
}

/* p lives in the heap's first region; the mark comes after it; q comes
 * from that region's free tail and r from a new region after the mark.
 * The restore ends r (and its region); p and q stay, and the heap goes
 * on. */
static void a_restore_after_the_heap_ends_only_later_memory(void **state)
{
    (void)state;
    arena_t *a = arena_create((size_t)1 << 20);
    arena_heap_t *h = arena_heap_create(a);
    unsigned char *p = arena_heap_alloc(h, 100);
    fill(p, 100, 1);
    arena_mark_t m = arena_save(a);
    unsigned char *q = arena_heap_alloc(h, 200);
    fill(q, 200, 2);
    unsigned char *r = arena_heap_alloc(h, 50000);
    fill(r, 50000, 3);
    arena_heap_stats_t s = arena_heap_stats(h);
    assert_int_equal(s.regions, 2);
    assert_int_equal(s.live_chunks, 3);

    arena_restore(a, m);
    s = arena_heap_stats(h);
    assert_int_equal(s.regions, 1);
    assert_int_equal(s.live_chunks, 2);
    assert_int_equal(s.live, arena_heap_size(p) + arena_heap_size(q));
    expect_fill(p, 100, 1);
    expect_fill(q, 200, 2);
    assert_heap_ok(h);

    /* It goes on: allocations, frees, and a second cut. */
    unsigned char *x = arena_heap_alloc(h, 70000);
    assert_non_null(x);
    arena_mark_t m2 = arena_save(a);
    for (int i = 0; i < 10; i++)
        assert_non_null(arena_heap_alloc(h, 40000));
    arena_heap_free(h, q);
    arena_restore(a, m2);
    assert_heap_ok(h);
    arena_heap_free(h, p);
    arena_heap_free(h, x);
    s = arena_heap_stats(h);
    assert_int_equal(s.live_chunks, 0);
    assert_heap_ok(h);
    arena_destroy(a);
}

static void a_heap_in_a_child_ends_with_the_parent(void **state)
{
    (void)state;
    arena_t *parent = arena_create(0);
    arena_t *child = arena_create_child(parent, NULL);
    arena_heap_t *h = arena_heap_create(child);
    arena_heap_use(h);
    for (int i = 0; i < 50; i++)
        assert_non_null(arena_use_malloc(1000));
    arena_reset(parent);
    assert_null(arena_heap_use(NULL));
    arena_destroy(parent);
}

/* A fixed arena in a caller's buffer: the heap never touches the C
 * library; it runs out, and what it frees serves again. */
static void a_heap_in_a_callers_buffer(void **state)
{
    (void)state;
    static unsigned char buffer[64 * 1024];
    arena_options_t o = {.flags = ARENA_FIXED, .buffer = buffer, .buffer_size = sizeof buffer};
    arena_t *a = arena_create_with(&o);
    arena_heap_t *h = arena_heap_create(a);
    assert_non_null(h);
    void *p[1000];
    int n = 0;
    while ((p[n] = arena_heap_alloc(h, 200)) != NULL)
        n++;
    assert_int_equal(errno, ENOMEM);
    assert_true(n > 200);
    assert_heap_ok(h);
    for (int i = 0; i < n; i += 2)
        arena_heap_free(h, p[i]);
    for (int i = 0; i < n; i += 2)
        assert_non_null(p[i] = arena_heap_alloc(h, 200));
    assert_null(arena_heap_alloc(h, 200));
    for (int i = 0; i < n; i++)
        arena_heap_free(h, p[i]);
    assert_non_null(arena_heap_alloc(h, 40000)); /* all merged again */
    assert_heap_ok(h);
    arena_destroy(a);
}

/* A fixed sequence of calls, with the backing refusing its kth request
 * (k = 1, 2, ... until a run meets no failure): each call succeeds or
 * fails with ENOMEM leaving the heap consistent and every live chunk
 * whole; afterwards everything works and every block comes back. */
static void out_of_memory_at_every_request(void **state)
{
    (void)state;
    for (size_t k = 1;; k++) {
        arena_testing_backing_t t = {0};
        arena_options_t o = {.block_size = 2048, .backing = arena_testing_backing(&t)};
        arena_t *a = arena_create_with(&o);
        assert_non_null(a);
        arena_testing_fail_nth(&t, k);
        arena_heap_t *h = arena_heap_create(a);
        if (h == NULL) {
            assert_int_equal(errno, ENOMEM);
            arena_testing_no_faults(&t);
            h = arena_heap_create(a);
            assert_non_null(h);
        }
        unsigned char *p[60] = {0};
        size_t sizes[60];
        for (int i = 0; i < 60; i++) {
            sizes[i] = (size_t)(i * 397 % 9000);
            int saved = errno = 777;
            p[i] = i % 3 == 2 && p[i - 1] != NULL ? arena_heap_realloc(h, p[i - 1], sizes[i])
                                                  : arena_heap_alloc(h, sizes[i]);
            if (p[i] == NULL) {
                assert_int_equal(errno, ENOMEM);
            } else {
                assert_int_equal(errno, saved);
                if (i % 3 == 2 && p[i - 1] != NULL) {
                    size_t keep = sizes[i - 1] < sizes[i] ? sizes[i - 1] : sizes[i];
                    expect_fill(p[i], keep, (unsigned)(i - 1));
                    p[i - 1] = NULL;
                }
                fill(p[i], sizes[i], (unsigned)i);
            }
            if (i % 5 == 4 && p[i - 2] != NULL) {
                arena_heap_free(h, p[i - 2]);
                p[i - 2] = NULL;
            }
            assert_heap_ok(h);
        }
        for (int i = 0; i < 60; i++)
            if (p[i] != NULL)
                expect_fill(p[i], sizes[i], (unsigned)i);
        bool failed = t.injected > 0;
        arena_testing_no_faults(&t);
        assert_non_null(arena_heap_alloc(h, 20000));
        assert_heap_ok(h);
        assert_consistent(a);
        arena_destroy(a);
        finish_backing(&t);
        if (!failed)
            break;
    }
}

/* Buffers from just too small for a heap to room for a few chunks: every
 * create and first allocations either succeed or fail with ENOMEM and
 * leave the arena as it was. */
static void out_of_room_near_the_heaps_size(void **state)
{
    (void)state;
    static unsigned char buffer[ARENA_BUFFER_OVERHEAD + 8192];
    int created = 0, refused = 0;
    for (size_t size = ARENA_BUFFER_OVERHEAD + 256; size <= sizeof buffer; size += 16) {
        arena_options_t o = {.flags = ARENA_FIXED, .buffer = buffer, .buffer_size = size};
        arena_t *a = arena_create_with(&o);
        assert_non_null(a);
        arena_stats_t s0 = arena_stats(a);
        arena_heap_t *h = arena_heap_create(a);
        if (h == NULL) {
            assert_int_equal(errno, ENOMEM);
            arena_stats_t s1 = arena_stats(a);
            assert_int_equal(s1.used, s0.used);
            assert_int_equal(s1.available, s0.available);
            refused++;
            arena_destroy(a);
            continue;
        }
        created++;
        for (size_t n = 1; n < 8192; n *= 2) {
            arena_stats_t before = arena_stats(a);
            arena_heap_stats_t hb = arena_heap_stats(h);
            void *p = arena_heap_alloc(h, n);
            if (p == NULL) {
                assert_int_equal(errno, ENOMEM);
                assert_int_equal(arena_stats(a).used, before.used);
                arena_heap_stats_t ha = arena_heap_stats(h);
                assert_memory_equal(&hb, &ha, sizeof hb);
            }
            assert_heap_ok(h);
        }
        arena_destroy(a);
    }
    assert_true(created > 0);
    assert_true(refused > 0);
}

/* The arena's on_limit frees chunks of the heap (a cache a program can
 * shed): the allocation that met the cap is served from them. */
typedef struct {
    arena_heap_t *h;
    void *cache[64];
    int calls;
} shed_t;

static int shed(arena_t *a, size_t wanted, void *user)
{
    (void)a, (void)wanted;
    shed_t *s = (shed_t *)user;
    s->calls++;
    for (int i = 0; i < 64; i++) {
        arena_heap_free(s->h, s->cache[i]);
        s->cache[i] = NULL;
    }
    return 1;
}

static void on_limit_frees_into_the_heap(void **state)
{
    (void)state;
    shed_t s = {0};
    arena_options_t o = {
        .block_size = 16384, .max_size = 160 * 1024, .on_limit = shed, .on_limit_user = &s};
    arena_t *a = arena_create_with(&o);
    s.h = arena_heap_create(a);
    for (int i = 0; i < 64; i++)
        assert_non_null(s.cache[i] = arena_heap_alloc(s.h, 1000));
    void *big[64];
    int n = 0;
    errno = 0;
    while (s.calls == 0 && n < 64) {
        big[n] = arena_heap_alloc(s.h, 8000);
        assert_non_null(big[n]); /* after the shedding too */
        n++;
    }
    assert_int_equal(s.calls, 1);
    assert_int_equal(errno, 0);
    assert_heap_ok(s.h);
    for (int i = 0; i < n; i++)
        arena_heap_free(s.h, big[i]);
    assert_heap_ok(s.h);
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ends_with_its_arena),
        cmocka_unit_test(cleanups_may_read_and_free_chunks),
        cmocka_unit_test(a_restore_after_the_heap_ends_only_later_memory),
        cmocka_unit_test(a_heap_in_a_child_ends_with_the_parent),
        cmocka_unit_test(a_heap_in_a_callers_buffer),
        cmocka_unit_test(out_of_memory_at_every_request),
        cmocka_unit_test(out_of_room_near_the_heaps_size),
        cmocka_unit_test(on_limit_frees_into_the_heap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
