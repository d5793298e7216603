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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(destroyed_blocks_are_reused),
        cmocka_unit_test(only_exact_sizes_match),
        cmocka_unit_test(limit_is_honoured),
        cmocka_unit_test(trimmed_spares_go_to_cache),
    };
    return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
