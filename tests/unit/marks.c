/* Save and restore: LIFO marks, across blocks, with exact `used`. */
#include "test_util.h"

static void restore_same_block(void **state)
{
    (void)state;
    arena_t *a = arena_create(4096);
    arena_alloc(a, 10);
    size_t used = arena_stats(a).used;
    arena_mark_t m = arena_save(a);
    void *first = arena_alloc(a, 100);
    arena_alloc(a, 200);
    arena_restore(a, m);
    assert_int_equal(arena_stats(a).used, used);
    assert_ptr_equal(arena_alloc(a, 100), first);
    arena_destroy(a);
}

static void restore_across_blocks(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_options_t o = {.block_size = 256, .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    char *keep = arena_alloc(a, 100);
    strcpy(keep, "before the mark");
    size_t used = arena_stats(a).used;
    size_t blocks = arena_stats(a).blocks;
    arena_mark_t m = arena_save(a);
    void *first = arena_alloc(a, 200); /* does not fit: next block */
    for (int i = 0; i < 100; i++)
        arena_alloc(a, 100);
    assert_true(arena_stats(a).blocks > blocks + 2);
    size_t requests = t.requests;
    arena_restore(a, m);
    assert_int_equal(arena_stats(a).used, used);
    assert_string_equal(keep, "before the mark");
    assert_consistent(a);
    /* Same address as the first allocation after the mark, no new block. */
    assert_ptr_equal(arena_alloc(a, 200), first);
    for (int i = 0; i < 100; i++)
        arena_alloc(a, 100);
    assert_int_equal(t.requests, requests);
    arena_destroy(a);
    finish_backing(&t);
}

static void nested_marks(void **state)
{
    (void)state;
    arena_t *a = arena_create(128);
    size_t used[4];
    arena_mark_t m[4];
    void *after[4];
    for (int level = 0; level < 4; level++) {
        used[level] = arena_stats(a).used;
        m[level] = arena_save(a);
        after[level] = arena_alloc(a, 100);
        for (int i = 0; i < 5 * (level + 1); i++)
            arena_alloc(a, 30);
    }
    for (int level = 3; level >= 0; level--) {
        arena_restore(a, m[level]);
        assert_int_equal(arena_stats(a).used, used[level]);
        assert_consistent(a);
    }
    assert_int_equal(arena_stats(a).used, 0);
    assert_ptr_equal(arena_alloc(a, 100), after[0]);
    arena_destroy(a);
}

static void restore_outer_skips_inner(void **state)
{
    (void)state;
    arena_t *a = arena_create(128);
    arena_mark_t outer = arena_save(a);
    arena_alloc(a, 500);
    arena_mark_t inner = arena_save(a);
    (void)inner;
    arena_alloc(a, 500);
    arena_restore(a, outer); /* inner is now invalid, and not used again */
    assert_int_equal(arena_stats(a).used, 0);
    /* Restoring the same mark twice is fine. */
    arena_alloc(a, 10);
    arena_restore(a, outer);
    assert_int_equal(arena_stats(a).used, 0);
    arena_destroy(a);
}

static void restore_keeps_peak(void **state)
{
    (void)state;
    arena_t *a = arena_create(1024);
    arena_mark_t m = arena_save(a);
    arena_alloc(a, 5000);
    size_t high = arena_stats(a).used;
    arena_restore(a, m);
    assert_int_equal(arena_stats(a).peak, high);
    arena_destroy(a);
}

static void realloc_never_resizes_across_a_mark(void **state)
{
    (void)state;
    arena_t *a = arena_create(4096);
    char *p = arena_alloc(a, 100);
    memset(p, 'k', 100);
    size_t used = arena_stats(a).used;
    arena_mark_t m = arena_save(a);
    /* Shrinking would drop the position below the mark: ptr stays as is. */
    assert_ptr_equal(arena_realloc(a, p, 100, 10), p);
    assert_int_equal(arena_stats(a).used, used);
    /* Growing in place would hand out space the mark takes back: copy. */
    char *q = arena_realloc(a, p, 100, 200);
    assert_ptr_not_equal(q, p);
    assert_memory_equal(q, p, 100);
    arena_restore(a, m);
    assert_int_equal(arena_stats(a).used, used);
    for (int i = 0; i < 100; i++)
        assert_int_equal(p[i], 'k');
    /* After a reset there is no mark: in place again. */
    arena_reset(a);
    char *r = arena_alloc(a, 100);
    assert_ptr_equal(arena_realloc(a, r, 100, 300), r);
    arena_destroy(a);
}

static void release_build_ignores_foreign_mark(void **state)
{
    (void)state;
#ifdef NDEBUG
    arena_t *a = arena_create(1024);
    arena_t *b = arena_create(1024);
    arena_mark_t mb = arena_save(b);
    arena_alloc(a, 100);
    arena_stats_t before = arena_stats(a);
    arena_restore(a, mb);
    assert_stats_equal(before, arena_stats(a));
    arena_destroy(a);
    arena_destroy(b);
#else
    skip();
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(restore_same_block),
        cmocka_unit_test(restore_across_blocks),
        cmocka_unit_test(nested_marks),
        cmocka_unit_test(restore_outer_skips_inner),
        cmocka_unit_test(restore_keeps_peak),
        cmocka_unit_test(realloc_never_resizes_across_a_mark),
        cmocka_unit_test(release_build_ignores_foreign_mark),
    };
    return cmocka_run_group_tests_name("marks", tests, NULL, NULL);
}
