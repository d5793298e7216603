/* "More memory": arena_extend on fixed and growable arenas. */
#include "test_util.h"

static arena_t *fixed(arena_testing_backing_t *t, size_t n)
{
    arena_options_t o = {
        .block_size = n, .flags = ARENA_FIXED, .backing = arena_testing_backing(t)};
    return arena_create_with(&o);
}

static void extend_fixed_then_alloc_without_backing(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_t *a = fixed(&t, 256);
    char *first = arena_alloc(a, 200);
    strcpy(first, "kept across extend");
    assert_fails(arena_alloc(a, 1000), ENOMEM);
    assert_int_equal(arena_extend(a, 1000), 0);
    size_t requests = t.requests;
    char *p = arena_alloc(a, 1000);
    assert_non_null(p);
    memset(p, 7, 1000);
    assert_int_equal(t.requests, requests); /* no new backing request */
    assert_string_equal(first, "kept across extend");
    assert_int_equal(arena_stats(a).blocks, 2);
    /* Still fixed: beyond the extension it refuses again. */
    assert_fails(arena_alloc(a, 1000), ENOMEM);
    assert_consistent(a);
    arena_destroy(a);
    finish_backing(&t);
}

static void extend_growable(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_options_t o = {.block_size = 128, .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    arena_alloc(a, 100);
    for (size_t n = 1; n < 100000; n = n * 3 + 1) {
        assert_int_equal(arena_extend(a, n), 0);
        size_t requests = t.requests;
        void *p = arena_alloc(a, n);
        assert_non_null(p);
        assert_aligned(p, ARENA_DEFAULT_ALIGNMENT);
        assert_int_equal(t.requests, requests);
    }
    assert_consistent(a);
    arena_destroy(a);
    finish_backing(&t);
}

static void extend_capacity_grows(void **state)
{
    (void)state;
    arena_t *a = arena_create(1024);
    size_t cap = arena_stats(a).capacity;
    assert_int_equal(arena_extend(a, 4096), 0);
    assert_true(arena_stats(a).capacity >= cap + 4096);
    assert_int_equal(arena_stats(a).used, 0);
    arena_destroy(a);
}

static void extend_errors(void **state)
{
    (void)state;
    errno = 0;
    assert_int_equal(arena_extend(NULL, 10), -1);
    assert_int_equal(errno, EINVAL);
    arena_testing_backing_t t = {0};
    arena_t *a = fixed(&t, 256);
    arena_stats_t before = arena_stats(a);
    errno = 0;
    assert_int_equal(arena_extend(a, 0), -1);
    assert_int_equal(errno, EINVAL);
    errno = 0;
    assert_int_equal(arena_extend(a, SIZE_MAX), -1);
    assert_int_equal(errno, ENOMEM);
    errno = 0;
    assert_int_equal(arena_extend(a, (size_t)PTRDIFF_MAX + 1), -1);
    assert_int_equal(errno, ENOMEM);
    arena_testing_fail_from(&t, 1);
    errno = 0;
    assert_int_equal(arena_extend(a, 100), -1);
    assert_int_equal(errno, ENOMEM);
    assert_stats_equal(before, arena_stats(a));
    arena_destroy(a);
    finish_backing(&t);
}

static void extend_respects_max_size(void **state)
{
    (void)state;
    arena_options_t o = {.block_size = 1024, .max_size = 4096};
    arena_t *a = arena_create_with(&o);
    errno = 0;
    assert_int_equal(arena_extend(a, 8192), -1);
    assert_int_equal(errno, ENOMEM);
    assert_int_equal(arena_extend(a, 1024), 0);
    assert_true(arena_stats(a).backing <= 4096);
    arena_destroy(a);
}

static void extend_on_buffer_arena(void **state)
{
    (void)state;
    static unsigned char buf[1024];
    arena_options_t o = {.flags = ARENA_FIXED, .buffer = buf, .buffer_size = sizeof buf};
    arena_t *a = arena_create_with(&o);
    void *p = arena_alloc(a, arena_stats(a).capacity);
    assert_non_null(p);
    assert_fails(arena_alloc(a, 16), ENOMEM);
    assert_int_equal(arena_extend(a, 4096), 0);
    assert_non_null(arena_alloc(a, 4096));
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(extend_fixed_then_alloc_without_backing),
        cmocka_unit_test(extend_growable),
        cmocka_unit_test(extend_capacity_grows),
        cmocka_unit_test(extend_errors),
        cmocka_unit_test(extend_respects_max_size),
        cmocka_unit_test(extend_on_buffer_arena),
    };
    return cmocka_run_group_tests_name("extend", tests, NULL, NULL);
}
