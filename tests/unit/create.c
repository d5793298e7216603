/* Creation and destruction: arena_create, arena_create_with and its options. */
#include "test_util.h"

static void create_default(void **state)
{
    (void)state;
    arena_t *a = arena_create(0);
    assert_non_null(a);
    arena_stats_t s = arena_stats(a);
    assert_true(s.capacity >= ARENA_DEFAULT_BLOCK_SIZE);
    assert_int_equal(s.used, 0);
    assert_int_equal(s.blocks, 1);
    assert_int_equal(s.peak, 0);
    assert_int_equal(s.max_size, 0);
    assert_consistent(a);
    arena_destroy(a);
}

static void create_sized_holds_size(void **state)
{
    (void)state;
    size_t sizes[] = {1, 15, 16, 17, 1000, 4096, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        arena_t *a = arena_create(sizes[i]);
        assert_non_null(a);
        assert_true(arena_stats(a).capacity >= sizes[i]);
        /* The whole first block is usable without a second block. */
        assert_non_null(arena_alloc(a, sizes[i]));
        assert_int_equal(arena_stats(a).blocks, 1);
        arena_destroy(a);
    }
}

static void create_one_backing_request(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_options_t o = {.block_size = 4096, .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    assert_non_null(a);
    assert_int_equal(t.requests, 1);
    assert_int_equal(arena_stats(a).backing, t.outstanding);
    arena_destroy(a);
    finish_backing(&t);
}

static void create_with_rejects_bad_options(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    static char small[8];
    const arena_options_t bad[] = {
        {.flags = 0x80},
        {.buffer_size = 100},
        {.backing = {.alloc = arena_testing_alloc, .user = &t}},
        {.backing = {.release = arena_testing_release, .user = &t}},
        {.buffer = small, .buffer_size = sizeof small},
    };
    assert_fails(arena_create_with(NULL), EINVAL);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_fails(arena_create_with(&bad[i]), EINVAL);
    assert_int_equal(t.requests, 0);
}

static void create_refuses_impossible_sizes(void **state)
{
    (void)state;
    assert_fails(arena_create(SIZE_MAX), ENOMEM);
    assert_fails(arena_create(SIZE_MAX - 15), ENOMEM);
    assert_fails(arena_create((size_t)PTRDIFF_MAX), ENOMEM);
    /* The bookkeeping does not fit under the cap. */
    arena_options_t capped = {.block_size = 4096, .max_size = 4096};
    assert_fails(arena_create_with(&capped), ENOMEM);
    arena_testing_backing_t t = {0};
    arena_testing_fail_from(&t, 1);
    arena_options_t refused = {.block_size = 4096, .backing = arena_testing_backing(&t)};
    assert_fails(arena_create_with(&refused), ENOMEM);
    assert_int_equal(t.injected, 1);
    finish_backing(&t);
}

static void buffer_fixed_never_touches_heap(void **state)
{
    (void)state;
    static _Alignas(64) unsigned char buf[4096];
    arena_testing_backing_t t = {0};
    arena_options_t o = {.flags = ARENA_FIXED,
                         .buffer = buf,
                         .buffer_size = sizeof buf,
                         .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    assert_non_null(a);
    assert_true((unsigned char *)a >= buf && (unsigned char *)a < buf + sizeof buf);
    size_t overhead = arena_buffer_overhead();
    assert_int_equal(overhead, ARENA_BUFFER_OVERHEAD);
    assert_true(overhead <= 1024); /* well under a page */
    size_t cap = arena_stats(a).capacity;
    assert_true(cap >= sizeof buf - overhead);
    unsigned char *p = arena_alloc_aligned(a, cap, 1);
    assert_non_null(p);
    assert_true(p >= buf && p + cap <= buf + sizeof buf);
    memset(p, 0x5a, cap);
    assert_fails(arena_alloc_aligned(a, 1, 1), ENOMEM);
    assert_int_equal(t.requests, 0);
    assert_int_equal(arena_stats(a).backing, 0);
    arena_destroy(a);
    assert_int_equal(t.requests, 0);
    finish_backing(&t);
}

static void buffer_unaligned_and_growable(void **state)
{
    (void)state;
    static unsigned char buf[1024 + 3];
    arena_testing_backing_t t = {0};
    arena_options_t o = {.block_size = 256,
                         .buffer = buf + 3, /* deliberately misaligned */
                         .buffer_size = 1024,
                         .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    assert_non_null(a);
    void *p = arena_alloc(a, 16);
    assert_aligned(p, ARENA_DEFAULT_ALIGNMENT);
    assert_true((unsigned char *)p > buf && (unsigned char *)p < buf + sizeof buf);
    /* Growing past the buffer goes to the backing allocator. */
    void *q = arena_alloc(a, 2000);
    assert_non_null(q);
    assert_int_equal(t.requests, 1);
    assert_int_equal(arena_stats(a).blocks, 2);
    arena_destroy(a);
    finish_backing(&t);
}

static void buffer_exact_overhead(void **state)
{
    (void)state;
    /* A buffer of overhead + N bytes serves N bytes. */
    static unsigned char buf[8192];
    size_t n = 1000;
    arena_options_t o = {
        .flags = ARENA_FIXED, .buffer = buf + 1, .buffer_size = arena_buffer_overhead() + n};
    arena_t *a = arena_create_with(&o);
    assert_non_null(a);
    assert_true(arena_stats(a).capacity >= n);
    arena_destroy(a);
}

static void buffer_with_huge_block_size(void **state)
{
    (void)state;
    /* With a buffer, block_size only sizes later blocks; one too big to round
     * up falls back to the growth cap instead of wrapping around. */
    static unsigned char buf[1024];
    arena_testing_backing_t t = {0};
    arena_options_t o = {.block_size = SIZE_MAX,
                         .buffer = buf,
                         .buffer_size = sizeof buf,
                         .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    assert_non_null(a);
    assert_non_null(arena_alloc(a, arena_stats(a).capacity + 1));
    arena_block_info_t info[2];
    assert_int_equal(arena_blocks(a, info, 2), 2);
    assert_int_equal(info[1].size, ARENA_MAX_GROWTH_BLOCK);
    arena_destroy(a);
    finish_backing(&t);
}

static void destroy_null_is_noop(void **state)
{
    (void)state;
    arena_destroy(NULL);
    arena_reset(NULL);
    arena_trim(NULL);
    arena_restore(NULL, arena_save(NULL));
    arena_stats_t s = arena_stats(NULL);
    assert_int_equal(s.used + s.capacity + s.blocks + s.peak, 0);
    assert_int_equal(arena_blocks(NULL, NULL, 0), 0);
    assert_int_equal(arena_owns(NULL, &s), 0);
    assert_string_equal(arena_version(), ARENA_VERSION_STRING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_default),
        cmocka_unit_test(create_sized_holds_size),
        cmocka_unit_test(create_one_backing_request),
        cmocka_unit_test(create_with_rejects_bad_options),
        cmocka_unit_test(create_refuses_impossible_sizes),
        cmocka_unit_test(buffer_fixed_never_touches_heap),
        cmocka_unit_test(buffer_unaligned_and_growable),
        cmocka_unit_test(buffer_exact_overhead),
        cmocka_unit_test(buffer_with_huge_block_size),
        cmocka_unit_test(destroy_null_is_noop),
    };
    return cmocka_run_group_tests_name("create", tests, NULL, NULL);
}
