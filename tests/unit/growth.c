/* Growth: blocks are added, nothing moves, the cap holds, exact fits stay. */
#include "test_util.h"

static void growth_keeps_earlier_contents(void **state)
{
    (void)state;
    arena_t *a = arena_create(256);
    enum { N = 5000 };
    unsigned char *ptrs[N];
    for (int i = 0; i < N; i++) {
        size_t n = (size_t)(i % 61) + 1;
        ptrs[i] = arena_alloc(a, n);
        assert_non_null(ptrs[i]);
        memset(ptrs[i], i & 0xff, n);
    }
    assert_true(arena_stats(a).blocks > 5);
    for (int i = 0; i < N; i++) {
        size_t n = (size_t)(i % 61) + 1;
        for (size_t j = 0; j < n; j++)
            assert_int_equal(ptrs[i][j], i & 0xff);
    }
    assert_consistent(a);
    arena_destroy(a);
}

static void growth_is_geometric_with_cap(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_options_t o = {.block_size = 1024, .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    for (int i = 0; i < 200; i++)
        arena_alloc(a, 1000);
    arena_block_info_t info[64];
    size_t n = arena_blocks(a, info, 64);
    assert_true(n >= 4 && n <= 64);
    for (size_t i = 2; i < n; i++)
        assert_int_equal(info[i].size, info[i - 1].size * 2);
    /* 200 KB in doubling blocks from 1 KiB: about log2(200) blocks, not 200. */
    assert_true(n <= 10);
    assert_int_equal(t.requests, n);
    arena_destroy(a);
    finish_backing(&t);
}

static void big_request_gets_own_block_without_inflating(void **state)
{
    (void)state;
    arena_t *a = arena_create(1024);
    arena_alloc(a, 900);
    void *big = arena_alloc(a, 100000);
    assert_non_null(big);
    memset(big, 1, 100000);
    arena_alloc(a, 900); /* a regular block again */
    arena_block_info_t info[8];
    size_t n = arena_blocks(a, info, 8);
    assert_int_equal(n, 3);
    assert_true(info[1].size >= 100000 && info[1].size < 100000 + 64);
    assert_true(info[2].size <= 2048); /* the doubling went on from 1 KiB */
    arena_destroy(a);
}

static void fixed_exact_fit(void **state)
{
    (void)state;
    for (size_t n = 16; n <= 4096; n *= 2) {
        arena_options_t o = {.block_size = n, .flags = ARENA_FIXED};
        /* One allocation at the default alignment. */
        arena_t *a = arena_create_with(&o);
        assert_non_null(arena_alloc(a, n));
        assert_int_equal(arena_stats(a).blocks, 1);
        assert_int_equal(arena_stats(a).available, 0);
        assert_fails(arena_alloc_aligned(a, 1, 1), ENOMEM);
        arena_destroy(a);
        /* Many at alignment 1. */
        a = arena_create_with(&o);
        for (size_t i = 0; i < n; i++)
            assert_non_null(arena_alloc_aligned(a, 1, 1));
        arena_stats_t before = arena_stats(a);
        assert_fails(arena_alloc_aligned(a, 1, 1), ENOMEM);
        assert_fails(arena_alloc(a, 1), ENOMEM);
        assert_stats_equal(before, arena_stats(a));
        assert_int_equal(arena_stats(a).used, n);
        arena_destroy(a);
    }
}

static void growable_exact_fit_uses_current_block(void **state)
{
    (void)state;
    arena_t *a = arena_create(1024);
    size_t cap = arena_stats(a).capacity;
    arena_alloc(a, 24);
    void *p = arena_alloc_aligned(a, cap - 32, 16);
    assert_non_null(p);
    assert_int_equal(arena_stats(a).blocks, 1);
    assert_int_equal(arena_stats(a).available, 0);
    arena_destroy(a);
}

static void max_size_never_exceeded_but_used(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_options_t o = {
        .block_size = 1024, .max_size = 10000, .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    assert_non_null(a);
    size_t total = 0;
    for (;;) {
        void *p = arena_alloc_aligned(a, 100, 1);
        if (p == NULL) {
            assert_int_equal(errno, ENOMEM);
            break;
        }
        total += 100;
        assert_true(t.outstanding <= 10000);
    }
    arena_stats_t s = arena_stats(a);
    assert_int_equal(s.max_size, 10000);
    assert_true(s.backing <= 10000);
    /* The last block was cut to fit: little of the cap is left unused. */
    assert_true(10000 - s.backing < 100 + 128);
    assert_true(total >= 8000);
    assert_consistent(a);
    /* Full: refusals leave it unchanged. */
    assert_fails(arena_alloc(a, 5000), ENOMEM);
    assert_stats_equal(s, arena_stats(a));
    arena_destroy(a);
    assert_true(t.peak <= 10000);
    finish_backing(&t);
}

static void backing_refusal_leaves_arena_unchanged(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_options_t o = {.block_size = 256, .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    arena_alloc(a, 200);
    arena_stats_t before = arena_stats(a);
    arena_testing_fail_from(&t, 1);
    assert_fails(arena_alloc(a, 200), ENOMEM);
    assert_stats_equal(before, arena_stats(a));
    assert_consistent(a);
    arena_testing_no_faults(&t);
    assert_non_null(arena_alloc(a, 200));
    arena_destroy(a);
    finish_backing(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(growth_keeps_earlier_contents),
        cmocka_unit_test(growth_is_geometric_with_cap),
        cmocka_unit_test(big_request_gets_own_block_without_inflating),
        cmocka_unit_test(fixed_exact_fit),
        cmocka_unit_test(growable_exact_fit_uses_current_block),
        cmocka_unit_test(max_size_never_exceeded_but_used),
        cmocka_unit_test(backing_refusal_leaves_arena_unchanged),
    };
    return cmocka_run_group_tests_name("growth", tests, NULL, NULL);
}
