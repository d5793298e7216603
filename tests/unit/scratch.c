/*
 * Scratch arenas: per thread, never one of the conflicts, nested pairs,
 * EBUSY when every one conflicts, no backing request once they exist, and
 * gone when their thread exits (memcheck and LeakSanitizer see no leak
 * with threads that come and go).
 */
#include "test_util.h"

#include <pthread.h>

static void never_a_conflict(void **state)
{
    (void)state;
    arena_scratch_t a = arena_scratch_begin(NULL, 0);
    assert_non_null(a.arena);
    assert_string_equal(arena_name(a.arena), "scratch");
    arena_t *const c1[] = {a.arena};
    arena_scratch_t b = arena_scratch_begin(c1, 1);
    assert_non_null(b.arena);
    assert_ptr_not_equal(b.arena, a.arena);
    arena_t *const c2[] = {a.arena, b.arena};
    errno = 0;
    arena_scratch_t none = arena_scratch_begin(c2, 2);
    assert_null(none.arena);
    assert_int_equal(errno, EBUSY);
    arena_scratch_end(none); /* harmless */
    /* A caller's own arena as a conflict: the scratch arenas still serve. */
    arena_t *mine = arena_create(0);
    arena_t *const c3[] = {mine, b.arena};
    arena_scratch_t c = arena_scratch_begin(c3, 2);
    assert_ptr_equal(c.arena, a.arena); /* nested on a, with its own mark */
    arena_scratch_end(c);
    arena_scratch_end(b);
    arena_scratch_end(a);
    arena_destroy(mine);
    errno = 0;
    assert_null(arena_scratch_begin(NULL, 3).arena);
    assert_int_equal(errno, EINVAL);
}

/* A result-in-one, compute-in-the-other pair, nested three deep. */
static char *build(arena_t *out, int depth)
{
    arena_t *const conflicts[] = {out};
    arena_scratch_t s = arena_scratch_begin(conflicts, 1);
    assert_non_null(s.arena);
    assert_ptr_not_equal(s.arena, out);
    char *tmp = arena_sprintf(s.arena, "level %d", depth);
    char *inner = depth > 0 ? build(s.arena, depth - 1) : arena_strdup(s.arena, "");
    char *r = arena_sprintf(out, "%s(%s)", tmp, inner);
    arena_scratch_end(s);
    return r;
}

static void nested_pairs(void **state)
{
    (void)state;
    arena_t *out = arena_create(0);
    char *r = build(out, 3);
    assert_string_equal(r, "level 3(level 2(level 1(level 0())))");
    arena_destroy(out);
}

static void end_restores_and_costs_no_backing_request(void **state)
{
    (void)state;
    arena_scratch_t s = arena_scratch_begin(NULL, 0);
    arena_stats_t at_begin = arena_stats(s.arena);
    for (int i = 0; i < 3000; i++)
        assert_non_null(arena_alloc(s.arena, 100)); /* past the first block */
    arena_scratch_end(s);
    arena_stats_t after = arena_stats(s.arena);
    assert_int_equal(after.used, at_begin.used);
    /* The same work again: spares serve it, nothing new is taken. */
    for (int round = 0; round < 10; round++) {
        arena_scratch_t t = arena_scratch_begin(NULL, 0);
        assert_ptr_equal(t.arena, s.arena);
        for (int i = 0; i < 3000; i++)
            assert_non_null(arena_alloc(t.arena, 100));
        arena_scratch_end(t);
        assert_int_equal(arena_stats(t.arena).backing, after.backing);
        assert_int_equal(arena_stats(t.arena).blocks, after.blocks);
    }
}

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        arena_scratch_t a = arena_scratch_begin(NULL, 0);
        arena_t *const c[] = {a.arena};
        arena_scratch_t b = arena_scratch_begin(c, 1);
        assert_non_null(arena_alloc(a.arena, 5000));
        assert_non_null(arena_alloc(b.arena, 70000));
        arena_scratch_end(b);
        arena_scratch_end(a);
    }
    return NULL; /* the thread's scratch arenas end with it */
}

static void threads_come_and_go(void **state)
{
    (void)state;
    for (int round = 0; round < 5; round++) {
        pthread_t t[3];
        for (int i = 0; i < 3; i++)
            assert_int_equal(pthread_create(&t[i], NULL, worker, NULL), 0);
        for (int i = 0; i < 3; i++)
            pthread_join(t[i], NULL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(never_a_conflict),
        cmocka_unit_test(nested_pairs),
        cmocka_unit_test(end_restores_and_costs_no_backing_request),
        cmocka_unit_test(threads_come_and_go),
    };
    int rc = cmocka_run_group_tests_name("scratch", tests, NULL, NULL);
    arena_cache_release(); /* so that a leak checker sees only real leaks */
    return rc;
}
