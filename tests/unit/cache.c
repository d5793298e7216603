/* The process-wide block cache behind the default backing. */
#include "test_util.h"

static void destroyed_blocks_are_reused(void **state)
{
    (void)state;
    arena_cache_release();
    assert_int_equal(arena_cache_size(), 0);
    arena_t *a = arena_create(8192);
    void *p = arena_alloc(a, 16);
    arena_destroy(a);
    assert_true(arena_cache_size() > 8192);
    arena_t *b = arena_create(8192);
    assert_int_equal(arena_cache_size(), 0);
    /* The same memory came back. */
    assert_ptr_equal(arena_alloc(b, 16), p);
    arena_destroy(b);
    arena_cache_release();
    assert_int_equal(arena_cache_size(), 0);
}

static void only_exact_sizes_match(void **state)
{
    (void)state;
    arena_cache_release();
    arena_t *a = arena_create(8192);
    arena_destroy(a);
    size_t cached = arena_cache_size();
    arena_t *b = arena_create(4096); /* different size: not taken */
    assert_int_equal(arena_cache_size(), cached);
    assert_true(arena_stats(b).capacity < 8192);
    arena_destroy(b);
    arena_cache_release();
}

static void limit_is_honoured(void **state)
{
    (void)state;
    size_t old = arena_cache_set_limit(64 * 1024);
    assert_int_equal(arena_cache_limit(), 64 * 1024);
    arena_t *a[10];
    for (int i = 0; i < 10; i++)
        a[i] = arena_create(8192);
    for (int i = 0; i < 10; i++)
        arena_destroy(a[i]);
    assert_true(arena_cache_size() <= 64 * 1024);
    assert_true(arena_cache_size() > 0);
    /* Too big for a quarter of the limit: bypasses the cache. */
    arena_cache_release();
    arena_t *big = arena_create(32 * 1024);
    arena_destroy(big);
    assert_int_equal(arena_cache_size(), 0);
    /* Lowering the limit frees what no longer fits; 0 disables. */
    a[0] = arena_create(8192);
    arena_destroy(a[0]);
    assert_true(arena_cache_size() > 0);
    arena_cache_set_limit(0);
    assert_int_equal(arena_cache_size(), 0);
    a[0] = arena_create(8192);
    arena_destroy(a[0]);
    assert_int_equal(arena_cache_size(), 0);
    arena_cache_set_limit(old);
}

static void trimmed_spares_go_to_cache(void **state)
{
    (void)state;
    arena_cache_release();
    arena_t *a = arena_create(1024);
    for (int i = 0; i < 20; i++)
        arena_alloc(a, 1000);
    arena_reset(a);
    arena_trim(a);
    assert_true(arena_cache_size() > 0);
    arena_destroy(a);
    arena_cache_release();
}

static void large_blocks_go_to_the_lazy_tier(void **state)
{
    (void)state;
    arena_cache_release();
    size_t big = (size_t)12 * 1024 * 1024; /* over a quarter of the resident cap */
    assert_true(big > arena_cache_limit() / 4);
    assert_int_equal(arena_cache_lazy_limit(), ARENA_CACHE_DEFAULT_LAZY_LIMIT);
    arena_t *a = arena_create(big);
    char *p = arena_alloc(a, 100);
    arena_destroy(a);
    assert_true(arena_cache_size() > big);
    /* The same block comes back, writable, whatever the kernel did with
     * its pages meanwhile. */
    arena_t *b = arena_create(big);
    assert_int_equal(arena_cache_size(), 0);
    char *q = arena_alloc(b, big);
    assert_ptr_equal(q, p);
    memset(q, 0x5a, big);
    assert_int_equal(q[big - 1], 0x5a);
    arena_destroy(b);
    /* Lowering the lazy cap frees what no longer fits; 0 disables the tier. */
    size_t old = arena_cache_set_lazy_limit(0);
    assert_int_equal(old, ARENA_CACHE_DEFAULT_LAZY_LIMIT);
    assert_int_equal(arena_cache_size(), 0);
    a = arena_create(big);
    arena_destroy(a);
    assert_int_equal(arena_cache_size(), 0);
    arena_cache_set_lazy_limit(old);
    /* Release empties both tiers. */
    a = arena_create(big);
    b = arena_create(8192);
    arena_destroy(a);
    arena_destroy(b);
    assert_true(arena_cache_size() > big);
    arena_cache_release();
    assert_int_equal(arena_cache_size(), 0);
}

static void slots_are_bounded(void **state)
{
    (void)state;
    /* 80 small arenas fit the byte cap many times over, but the cache keeps
     * at most 64 blocks and frees the rest. */
    arena_cache_release();
    arena_t *a[80];
    for (int i = 0; i < 80; i++)
        a[i] = arena_create(1024);
    size_t one = arena_stats(a[0]).backing;
    for (int i = 0; i < 80; i++)
        arena_destroy(a[i]);
    assert_int_equal(arena_cache_size(), 64 * one);
    arena_cache_release();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(destroyed_blocks_are_reused),
        cmocka_unit_test(only_exact_sizes_match),
        cmocka_unit_test(limit_is_honoured),
        cmocka_unit_test(trimmed_spares_go_to_cache),
        cmocka_unit_test(large_blocks_go_to_the_lazy_tier),
        cmocka_unit_test(slots_are_bounded),
    };
    return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
