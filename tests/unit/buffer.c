/*
 * Arenas in a caller's buffer: the overhead promise over every start
 * misalignment and size, the constant's form, and the rule for block sizes
 * no block can hold.
 */
#include "test_util.h"

#include <stdio.h>

/* A constant expression: it sizes a static buffer. */
static unsigned char g_static[ARENA_BUFFER_OVERHEAD + 64];
_Static_assert(ARENA_BUFFER_OVERHEAD == 256 + 64 * sizeof(void *),
               "ARENA_BUFFER_OVERHEAD depends on the pointer size only");
_Static_assert(ARENA_BUFFER_OVERHEAD < 1024, "well under 1 KiB");

static void overhead_is_the_constant(void **state)
{
    (void)state;
    assert_int_equal(arena_buffer_overhead(), ARENA_BUFFER_OVERHEAD);
    arena_options_t o = {.buffer = g_static, .buffer_size = sizeof g_static, .flags = ARENA_FIXED};
    arena_t *a = arena_create_with(&o);
    assert_non_null(a);
    assert_non_null(arena_alloc_aligned(a, 64, 1));
    arena_destroy(a);
}

/* A buffer of ARENA_BUFFER_OVERHEAD + n bytes at every misalignment serves
 * n bytes in one allocation, at alignment 1 and at the default alignment. */
static void overhead_promise_holds_on_the_whole_grid(void **state)
{
    (void)state;
    static _Alignas(64) unsigned char buf[ARENA_BUFFER_OVERHEAD + 4096 + 64];
    const size_t big[] = {100, 255, 256, 1000, 4095, 4096};
    size_t cases = 0;
    for (size_t mis = 0; mis < 16; mis++) {
        for (size_t k = 0; k < 64 + sizeof big / sizeof big[0]; k++) {
            size_t n = k < 64 ? k + 1 : big[k - 64];
            for (int dflt = 0; dflt < 2; dflt++) {
                arena_testing_backing_t t = {0};
                arena_options_t o = {.buffer = buf + mis,
                                     .buffer_size = ARENA_BUFFER_OVERHEAD + n,
                                     .flags = ARENA_FIXED,
                                     .backing = arena_testing_backing(&t)};
                arena_t *a = arena_create_with(&o);
                if (a == NULL)
                    fail_msg("misalignment %zu, n %zu: create failed (errno %d)", mis, n, errno);
                size_t cap = arena_stats(a).capacity;
                if (cap < n)
                    fail_msg("misalignment %zu, n %zu: capacity %zu < %zu", mis, n, cap, n);
                size_t al = dflt ? ARENA_DEFAULT_ALIGNMENT : 1;
                unsigned char *p = arena_alloc_aligned(a, n, al);
                if (p == NULL)
                    fail_msg("misalignment %zu, n %zu: %zu bytes at alignment %zu refused", mis, n,
                             n, al);
                assert_true(p >= buf + mis && p + n <= buf + mis + o.buffer_size);
                memset(p, 0x5a, n);
                assert_int_equal(t.requests, 0);
                arena_destroy(a);
                finish_backing(&t);
                cases++;
            }
        }
    }
    assert_int_equal(cases, 16 * (64 + sizeof big / sizeof big[0]) * 2);
}

/* Records the largest request the backing saw. */
static size_t g_biggest;
static void *biggest_alloc(void *user, size_t size)
{
    (void)user;
    if (size > g_biggest)
        g_biggest = size;
    return size <= ((size_t)1 << 28) ? malloc(size) : NULL;
}
static void biggest_release(void *user, void *p, size_t size)
{
    (void)user;
    (void)size;
    free(p);
}

static void huge_block_size_follows_one_rule(void **state)
{
    (void)state;
    static unsigned char buf[1024];
    /* Every block_size no block can hold: the blocks after a caller's
     * buffer get ARENA_MAX_GROWTH_BLOCK, and no request exceeds PTRDIFF_MAX. */
    const size_t sizes[] = {
        (size_t)PTRDIFF_MAX - 1024,
        (size_t)PTRDIFF_MAX - 64,
        (size_t)PTRDIFF_MAX - 1,
        (size_t)PTRDIFF_MAX,
        (size_t)PTRDIFF_MAX + 1,
        SIZE_MAX - 16,
        SIZE_MAX - 15,
        SIZE_MAX - 1,
        SIZE_MAX,
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        g_biggest = 0;
        arena_options_t o = {.block_size = sizes[i],
                             .buffer = buf,
                             .buffer_size = sizeof buf,
                             .backing = {biggest_alloc, biggest_release, NULL}};
        arena_t *a = arena_create_with(&o);
        assert_non_null(a);
        void *p = arena_alloc(a, arena_stats(a).available + 1);
        assert_true(g_biggest <= (size_t)PTRDIFF_MAX);
        if (sizes[i] > (size_t)PTRDIFF_MAX - 64) { /* beyond any block (the header is bigger) */
            if (p == NULL)
                fail_msg("block_size %#zx: the first overflow failed (largest request %#zx)",
                         sizes[i], g_biggest);
            arena_block_info_t info[2];
            assert_int_equal(arena_blocks(a, info, 2), 2);
            assert_int_equal(info[1].size, ARENA_MAX_GROWTH_BLOCK);
        }
        arena_destroy(a);

        /* Without a buffer, the first block must hold it: ENOMEM, and the
         * backing is never asked for more than a block can be. */
        g_biggest = 0;
        o.buffer = NULL;
        o.buffer_size = 0;
        assert_fails(arena_create_with(&o), ENOMEM);
        assert_true(g_biggest <= (size_t)PTRDIFF_MAX);
        if (sizes[i] > (size_t)PTRDIFF_MAX - 64)
            assert_int_equal(g_biggest, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(overhead_is_the_constant),
        cmocka_unit_test(overhead_promise_holds_on_the_whole_grid),
        cmocka_unit_test(huge_block_size_follows_one_rule),
    };
    return cmocka_run_group_tests_name("buffer", tests, NULL, NULL);
}
