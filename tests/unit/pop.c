/*
 * arena_pop: gives back the newest allocation, and nothing else.  Tested
 * over every alignment and a range of sizes, after a block change, across
 * the newest mark, and with pointers that are not the newest.
 */
#include "test_util.h"

static void pops_the_newest_on_the_grid(void **state)
{
    (void)state;
    arena_t *a = arena_create(4096);
    for (size_t al = 1; al <= 4096; al *= 2) {
        for (size_t size = 0; size <= 300; size += size < 20 ? 1 : 41) {
            arena_stats_t before = arena_stats(a);
            unsigned char *p = arena_alloc_aligned(a, size, al);
            assert_non_null(p);
            arena_stats_t mid = arena_stats(a);
            assert_int_equal(arena_pop(a, p, size), 1);
            arena_stats_t after = arena_stats(a);
            /* The position is back at p: the padding before p stays used. */
            assert_int_equal(after.used, mid.used - size);
            assert_true(after.used >= before.used);
            /* The next allocation of the same shape gets the same address. */
            assert_ptr_equal(arena_alloc_aligned(a, size, al), p);
            assert_consistent(a);
        }
    }
    arena_destroy(a);
}

static void refuses_anything_but_the_newest(void **state)
{
    (void)state;
    arena_t *a = arena_create(4096);
    char *x = arena_alloc(a, 32);
    char *y = arena_alloc(a, 32);
    arena_stats_t s = arena_stats(a);
    assert_int_equal(arena_pop(a, x, 32), 0); /* older */
    assert_int_equal(arena_pop(a, y, 31), 0); /* wrong size */
    assert_int_equal(arena_pop(a, y, 33), 0);
    assert_int_equal(arena_pop(a, NULL, 0), 0);
    assert_int_equal(arena_pop(NULL, y, 32), 0);
    char local[32];
    assert_int_equal(arena_pop(a, local, 32), 0); /* not from the arena */
    assert_stats_equal(s, arena_stats(a));
    assert_int_equal(arena_pop(a, y, 32), 1);
    assert_int_equal(arena_pop(a, x, 32), 1); /* now x is the newest */
    assert_int_equal(arena_stats(a).used, 0);
    arena_destroy(a);
}

static void never_across_the_newest_mark(void **state)
{
    (void)state;
    arena_t *a = arena_create(4096);
    char *x = arena_alloc(a, 64);
    arena_mark_t m = arena_save(a);
    assert_int_equal(arena_pop(a, x, 64), 0); /* the mark sits above x */
    char *y = arena_alloc(a, 64);
    assert_int_equal(arena_pop(a, y, 64), 1); /* after the mark: fine */
    arena_restore(a, m);
    assert_int_equal(arena_pop(a, x, 64), 0); /* the mark is still valid */
    arena_reset(a);
    char *z = arena_alloc(a, 64);
    assert_int_equal(arena_pop(a, z, 64), 1); /* a reset ends every mark */
    arena_destroy(a);
}

static void after_a_block_change(void **state)
{
    (void)state;
    arena_t *a = arena_create(256);
    char *x = arena_alloc(a, 200);
    char *y = arena_alloc(a, 200); /* a new block */
    assert_int_equal(arena_stats(a).blocks, 2);
    assert_int_equal(arena_pop(a, x, 200), 0); /* in the older block */
    assert_int_equal(arena_pop(a, y, 200), 1);
    assert_ptr_equal(arena_alloc(a, 200), y);
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pops_the_newest_on_the_grid),
        cmocka_unit_test(refuses_anything_but_the_newest),
        cmocka_unit_test(never_across_the_newest_mark),
        cmocka_unit_test(after_a_block_change),
    };
    return cmocka_run_group_tests_name("pop", tests, NULL, NULL);
}
