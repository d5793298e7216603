/* Statistics and block introspection. */
#include "test_util.h"

static void used_counts_padding(void **state)
{
    (void)state;
    arena_t *a = arena_create(4096);
    char *one = arena_alloc_aligned(a, 1, 1);
    assert_int_equal(arena_stats(a).used, 1);
    char *p = arena_alloc_aligned(a, 8, 64);
    size_t pad = (size_t)(p - (one + 1)); /* up to 63 bytes of padding, then 8 */
    assert_true(pad < 64);
    assert_int_equal(arena_stats(a).used, 1 + pad + 8);
    char *q = arena_alloc(a, 10);
    assert_int_equal(arena_stats(a).used, (size_t)(q - one) + 10);
    arena_destroy(a);
}

static void used_and_peak_across_blocks(void **state)
{
    (void)state;
    arena_t *a = arena_create(256);
    size_t expect = 0;
    for (int i = 0; i < 100; i++) {
        arena_alloc_aligned(a, 50, 1);
        expect += 50;
    }
    arena_stats_t s = arena_stats(a);
    assert_int_equal(s.used, expect); /* the unused tail of a full block is not used */
    assert_int_equal(s.peak, expect);
    assert_true(s.capacity >= expect);
    arena_block_info_t info[32];
    size_t n = arena_blocks(a, info, 32);
    assert_int_equal(n, s.blocks);
    size_t sum_used = 0, sum_size = 0;
    for (size_t i = 0; i < n; i++) {
        sum_used += info[i].used;
        sum_size += info[i].size;
        assert_true(info[i].used <= info[i].size);
        assert_int_equal(info[i].state, i + 1 == n ? ARENA_BLOCK_CURRENT : ARENA_BLOCK_FULL);
    }
    assert_int_equal(sum_used, s.used);
    assert_int_equal(sum_size, s.capacity);
    arena_reset(a);
    s = arena_stats(a);
    assert_int_equal(s.used, 0);
    assert_int_equal(s.peak, expect);
    n = arena_blocks(a, info, 32);
    assert_int_equal(info[0].state, ARENA_BLOCK_CURRENT);
    for (size_t i = 1; i < n; i++) {
        assert_int_equal(info[i].state, ARENA_BLOCK_SPARE);
        assert_int_equal(info[i].used, 0);
    }
    arena_destroy(a);
}

static void blocks_truncated_output(void **state)
{
    (void)state;
    arena_t *a = arena_create(64);
    for (int i = 0; i < 20; i++)
        arena_alloc(a, 64);
    arena_block_info_t two[2];
    size_t n = arena_blocks(a, two, 2);
    assert_true(n > 2);
    assert_int_equal(arena_blocks(a, NULL, 0), n);
    assert_int_equal(two[0].size, 64);
    arena_destroy(a);
}

static void available_and_backing(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_options_t o = {.block_size = 1024, .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    arena_stats_t s = arena_stats(a);
    assert_int_equal(s.available, s.capacity);
    assert_int_equal(s.backing, t.outstanding);
    arena_alloc(a, 100);
    s = arena_stats(a);
    assert_int_equal(s.available, s.capacity - 100);
    arena_alloc(a, 5000);
    assert_int_equal(arena_stats(a).backing, t.outstanding);
    arena_destroy(a);
    finish_backing(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(used_counts_padding),
        cmocka_unit_test(used_and_peak_across_blocks),
        cmocka_unit_test(blocks_truncated_output),
        cmocka_unit_test(available_and_backing),
    };
    return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
