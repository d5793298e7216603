/* arena_realloc: in place for the last allocation, otherwise by copy. */
#include "test_util.h"

static void grow_in_place(void **state)
{
    (void)state;
    arena_t *a = arena_create(4096);
    char *p = arena_alloc(a, 100);
    memset(p, 'x', 100);
    size_t used = arena_stats(a).used;
    char *q = arena_realloc(a, p, 100, 1000);
    assert_ptr_equal(q, p);
    assert_int_equal(arena_stats(a).used, used + 900);
    for (int i = 0; i < 100; i++)
        assert_int_equal(q[i], 'x');
    memset(q, 'y', 1000);
    arena_destroy(a);
}

static void shrink_in_place(void **state)
{
    (void)state;
    arena_t *a = arena_create(4096);
    char *p = arena_alloc(a, 1000);
    memset(p, 'z', 1000);
    size_t used = arena_stats(a).used;
    char *q = arena_realloc(a, p, 1000, 10);
    assert_ptr_equal(q, p);
    assert_int_equal(arena_stats(a).used, used - 990);
    assert_int_equal(arena_stats(a).peak, used);
    for (int i = 0; i < 10; i++)
        assert_int_equal(q[i], 'z');
    /* The freed tail is reused by the next allocation. */
    char *r = arena_alloc_aligned(a, 1, 1);
    assert_ptr_equal(r, p + 10);
    arena_destroy(a);
}

static void copy_when_not_last(void **state)
{
    (void)state;
    arena_t *a = arena_create(4096);
    char *p = arena_alloc(a, 64);
    memcpy(p, "abcdefgh", 8);
    arena_alloc(a, 16);
    char *q = arena_realloc(a, p, 64, 128);
    assert_ptr_not_equal(q, p);
    assert_memory_equal(q, "abcdefgh", 8);
    assert_aligned(q, ARENA_DEFAULT_ALIGNMENT);
    /* Shrinking something not last returns new memory with the prefix. */
    char *s = arena_realloc(a, p, 64, 4);
    assert_memory_equal(s, "abcd", 4);
    arena_destroy(a);
}

static void copy_when_block_full(void **state)
{
    (void)state;
    arena_t *a = arena_create(256);
    char *p = arena_alloc(a, 200);
    for (int i = 0; i < 200; i++)
        p[i] = (char)i;
    char *q = arena_realloc(a, p, 200, 5000);
    assert_ptr_not_equal(q, p);
    for (int i = 0; i < 200; i++)
        assert_int_equal((unsigned char)q[i], (unsigned char)i);
    assert_int_equal(arena_stats(a).blocks, 2);
    arena_destroy(a);
}

static void null_ptr_is_alloc_and_errors(void **state)
{
    (void)state;
    arena_t *a = arena_create(256);
    void *p = arena_realloc(a, NULL, 0, 50);
    assert_non_null(p);
    assert_aligned(p, ARENA_DEFAULT_ALIGNMENT);
    arena_stats_t before = arena_stats(a);
    assert_fails(arena_realloc(a, p, 50, SIZE_MAX), ENOMEM);
    assert_fails(arena_realloc(a, p, 50, (size_t)PTRDIFF_MAX + 1), ENOMEM);
    assert_stats_equal(before, arena_stats(a));
    assert_fails(arena_realloc(NULL, p, 50, 10), EINVAL);
    assert_fails(arena_realloc(NULL, NULL, 0, 10), EINVAL);
    arena_destroy(a);
}

static void fixed_full_realloc_fails_cleanly(void **state)
{
    (void)state;
    arena_options_t o = {.block_size = 256, .flags = ARENA_FIXED};
    arena_t *a = arena_create_with(&o);
    char *p = arena_alloc(a, 100);
    arena_alloc(a, 100);
    strcpy(p, "intact");
    arena_stats_t before = arena_stats(a);
    assert_fails(arena_realloc(a, p, 100, 200), ENOMEM);
    assert_stats_equal(before, arena_stats(a));
    assert_string_equal(p, "intact");
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grow_in_place),
        cmocka_unit_test(shrink_in_place),
        cmocka_unit_test(copy_when_not_last),
        cmocka_unit_test(copy_when_block_full),
        cmocka_unit_test(null_ptr_is_alloc_and_errors),
        cmocka_unit_test(fixed_full_realloc_fails_cleanly),
    };
    return cmocka_run_group_tests_name("realloc", tests, NULL, NULL);
}
