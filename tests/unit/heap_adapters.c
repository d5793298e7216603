/*
 * The adapters for allocator hooks with a context pointer: lua_Alloc's
 * contract (ptr NULL allocates whatever osize says, nsize 0 frees and
 * returns NULL, a shrink never fails, a failed grow keeps the block), zlib's
 * alloc_func/free_func (items*size over a grid, overflow), the (size, data)
 * pair in PCRE2's style, and a NULL context.
 */
#include "heap_util.h"

#include <limits.h>

static void lua_alloc_contract(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_options_t o = {.block_size = 65536, .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    arena_heap_t *h = arena_heap_create(a);
    /* ptr NULL: osize is a type tag, not a size. */
    for (size_t tag = 0; tag < 9; tag++) {
        for (size_t n = 1; n <= 5000; n = n * 4 + 1) {
            unsigned char *p = arena_lua_alloc(h, NULL, tag, n);
            assert_non_null(p);
            assert_true(arena_heap_size(p) >= n);
            fill(p, n, (unsigned)n);
            /* Grows keep the contents; osize is the old size. */
            unsigned char *q = arena_lua_alloc(h, p, n, n * 3);
            assert_non_null(q);
            expect_fill(q, n, (unsigned)n);
            /* Shrinks never fail, even when no memory can be had. */
            arena_testing_fail_from(&t, 1);
            unsigned char *r = arena_lua_alloc(h, q, n * 3, n / 2 + 1);
            assert_ptr_equal(r, q);
            expect_fill(r, n / 2 + 1 < n ? n / 2 + 1 : n, (unsigned)n);
            arena_testing_no_faults(&t);
            size_t chunks = arena_heap_stats(h).live_chunks;
            errno = 0;
            assert_null(arena_lua_alloc(h, r, n / 2 + 1, 0)); /* frees */
            assert_int_equal(errno, 0);
            assert_int_equal(arena_heap_stats(h).live_chunks, chunks - 1);
        }
    }
    assert_null(arena_lua_alloc(h, NULL, 7, 0)); /* nothing to free */
    /* A grow that fails keeps the block. */
    unsigned char *p = arena_lua_alloc(h, NULL, 0, 100);
    void *guard = arena_lua_alloc(h, NULL, 0, 1);
    assert_non_null(guard);
    fill(p, 100, 1);
    arena_testing_fail_from(&t, 1);
    assert_fails(arena_lua_alloc(h, p, 100, 1000000), ENOMEM);
    expect_fill(p, 100, 1);
    arena_testing_no_faults(&t);
    assert_heap_ok(h);
    arena_destroy(a);
    finish_backing(&t);
}

static void zlib_alloc_and_free(void **state)
{
    (void)state;
    arena_t *a = arena_create(0);
    arena_heap_t *h = arena_heap_create(a);
    static const unsigned items[] = {0, 1, 2, 3, 16, 255, 4096};
    static const unsigned sizes[] = {0, 1, 2, 4, 7, 64, 1024};
    for (size_t i = 0; i < sizeof items / sizeof *items; i++) {
        for (size_t j = 0; j < sizeof sizes / sizeof *sizes; j++) {
            size_t n = (size_t)items[i] * sizes[j];
            unsigned char *p = arena_zalloc(h, items[i], sizes[j]);
            assert_non_null(p);
            assert_aligned(p, ARENA_DEFAULT_ALIGNMENT);
            assert_true(arena_heap_size(p) >= n);
            memset(p, 0x77, n);
            arena_zfree(h, p);
        }
    }
    /* Overflow, or a product no heap can hold. */
    assert_fails(arena_zalloc(h, UINT_MAX, UINT_MAX), ENOMEM);
    arena_zfree(h, NULL);
    assert_int_equal(arena_heap_stats(h).live_chunks, 0);
    assert_heap_ok(h);
    arena_destroy(a);
}

static void size_and_data_pair(void **state)
{
    (void)state;
    arena_t *a = arena_create(0);
    arena_heap_t *h = arena_heap_create(a);
    void *p[50];
    for (int i = 0; i < 50; i++) {
        p[i] = arena_ud_malloc((size_t)i * 37, h);
        assert_non_null(p[i]);
        assert_true(arena_heap_size(p[i]) >= (size_t)i * 37);
        memset(p[i], i, (size_t)i * 37);
    }
    assert_int_equal(arena_heap_stats(h).live_chunks, 50);
    for (int i = 0; i < 50; i++)
        arena_ud_free(p[i], h);
    arena_ud_free(NULL, h);
    assert_int_equal(arena_heap_stats(h).live_chunks, 0);
    assert_heap_ok(h);
    arena_destroy(a);
}

static void a_null_context(void **state)
{
    (void)state;
    assert_fails(arena_lua_alloc(NULL, NULL, 0, 10), EINVAL);
    assert_fails(arena_zalloc(NULL, 1, 1), EINVAL);
    assert_fails(arena_ud_malloc(1, NULL), EINVAL);
    int x = 0;
    arena_zfree(NULL, &x); /* ignored */
    arena_ud_free(&x, NULL);
    assert_int_equal(x, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lua_alloc_contract),
        cmocka_unit_test(zlib_alloc_and_free),
        cmocka_unit_test(size_and_data_pair),
        cmocka_unit_test(a_null_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
