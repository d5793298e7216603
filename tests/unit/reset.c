/* Reset and trim: everything ends, memory stays for reuse, spares go back
 * on request. */
#include "test_util.h"

static void reset_reuses_same_memory(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_options_t o = {.block_size = 512, .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    void *first[100];
    for (int i = 0; i < 100; i++)
        first[i] = arena_alloc(a, 40);
    size_t requests = t.requests;
    arena_stats_t before = arena_stats(a);
    arena_reset(a);
    arena_stats_t s = arena_stats(a);
    assert_int_equal(s.used, 0);
    assert_int_equal(s.capacity, before.capacity); /* kept */
    assert_int_equal(s.blocks, before.blocks);
    assert_int_equal(s.peak, before.used);
    /* The same sequence lands on the same addresses, with no new request. */
    for (int i = 0; i < 100; i++)
        assert_ptr_equal(arena_alloc(a, 40), first[i]);
    assert_int_equal(t.requests, requests);
    assert_consistent(a);
    arena_destroy(a);
    finish_backing(&t);
}

static void reset_many_times(void **state)
{
    (void)state;
    arena_t *a = arena_create(1024);
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 100; i++) {
            char *p = arena_alloc(a, 50);
            memset(p, round, 50);
        }
        arena_reset(a);
        assert_int_equal(arena_stats(a).used, 0);
    }
    assert_consistent(a);
    arena_destroy(a);
}

static void trim_gives_spares_back(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_options_t o = {.block_size = 256, .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    for (int i = 0; i < 50; i++)
        arena_alloc(a, 100);
    size_t first_bytes = 0;
    {
        arena_block_info_t info[1];
        arena_blocks(a, info, 1);
        first_bytes = info[0].size;
    }
    arena_reset(a);
    size_t held = t.outstanding;
    arena_trim(a);
    assert_true(t.outstanding < held);
    arena_stats_t s = arena_stats(a);
    assert_int_equal(s.blocks, 1);
    assert_int_equal(s.capacity, first_bytes);
    assert_int_equal(s.backing, t.outstanding);
    assert_consistent(a);
    /* Still usable, growing again. */
    for (int i = 0; i < 50; i++)
        assert_non_null(arena_alloc(a, 100));
    /* Trim keeps blocks in use. */
    size_t blocks = arena_stats(a).blocks;
    arena_trim(a);
    assert_int_equal(arena_stats(a).blocks, blocks);
    arena_destroy(a);
    finish_backing(&t);
}

static void reset_then_big_allocation_uses_spare(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_options_t o = {.block_size = 256, .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    void *big = arena_alloc(a, 50000);
    arena_reset(a);
    size_t requests = t.requests;
    assert_ptr_equal(arena_alloc(a, 50000), big);
    assert_int_equal(t.requests, requests);
    arena_destroy(a);
    finish_backing(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reset_reuses_same_memory),
        cmocka_unit_test(reset_many_times),
        cmocka_unit_test(trim_gives_spares_back),
        cmocka_unit_test(reset_then_big_allocation_uses_spare),
    };
    return cmocka_run_group_tests_name("reset", tests, NULL, NULL);
}
