/*
 * fill.c -- the debug fill patterns (arena.h): memory never handed out reads
 * ARENA_DEBUG_FRESH_BYTE, memory released by reset/restore/realloc-shrink
 * reads ARENA_DEBUG_FREED_BYTE when it is handed out again.
 *
 * Only meaningful when the library is built with its debug checks
 * (HD_LIB_DEBUG, from CMake), and reading is only legal for memory handed
 * out: every read below is of a fresh allocation, so it is legal under ASan
 * too.  Under valgrind (ARENA_UNDER_VALGRIND) memcheck rightly calls those
 * bytes undefined, so the suite skips there.
 */
#include <arena.h>

#include <arena_testing.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#ifndef HD_LIB_DEBUG
#define HD_LIB_DEBUG 1
#endif

static int all_bytes(const void *p, size_t n, unsigned char v)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i] != v)
            return 0;
    return 1;
}

static int setup_group(void **state)
{
    (void)state;
    return 0;
}

static int skip_unless_readable(void)
{
    if (!HD_LIB_DEBUG || getenv("ARENA_UNDER_VALGRIND") != NULL)
        return 1;
    return 0;
}

static void test_fresh_first_block(void **state)
{
    (void)state;
    if (skip_unless_readable())
        skip();
    arena_t *a = arena_create(4096);
    assert_non_null(a);
    void *p = arena_alloc(a, 1000);
    assert_true(all_bytes(p, 1000, ARENA_DEBUG_FRESH_BYTE));
    void *q = arena_alloc_aligned(a, 500, 256);
    assert_true(all_bytes(q, 500, ARENA_DEBUG_FRESH_BYTE));
    arena_destroy(a);
}

static void test_fresh_new_and_extended_blocks(void **state)
{
    (void)state;
    if (skip_unless_readable())
        skip();
    arena_testing_backing_t h = {0};
    arena_options_t o = {.block_size = 256, .backing = arena_testing_backing(&h)};
    arena_t *a = arena_create_with(&o);
    assert_non_null(a);
    void *p = arena_alloc(a, 200);
    memset(p, 0x11, 200);
    void *q = arena_alloc(a, 2000); /* a new block */
    assert_true(all_bytes(q, 2000, ARENA_DEBUG_FRESH_BYTE));
    assert_int_equal(arena_extend(a, 3000), 0);
    void *r = arena_alloc(a, 3000); /* the extension */
    assert_true(all_bytes(r, 3000, ARENA_DEBUG_FRESH_BYTE));
    arena_destroy(a);
    assert_int_equal(h.outstanding, 0);
    assert_false(h.bad_release);
    arena_testing_backing_fini(&h);

    static _Alignas(16) unsigned char buf[2048];
    memset(buf, 0x33, sizeof buf);
    arena_options_t in_buffer = {.flags = ARENA_FIXED, .buffer = buf, .buffer_size = sizeof buf};
    a = arena_create_with(&in_buffer);
    assert_non_null(a);
    p = arena_alloc(a, 1000);
    assert_true(all_bytes(p, 1000, ARENA_DEBUG_FRESH_BYTE));
    arena_destroy(a);
}

static void test_freed_by_reset(void **state)
{
    (void)state;
    if (skip_unless_readable())
        skip();
    arena_t *a = arena_create(4096);
    void *p = arena_alloc(a, 3000);
    memset(p, 0x11, 3000);
    void *p2 = arena_alloc(a, 5000); /* second block */
    memset(p2, 0x22, 5000);
    arena_reset(a);
    void *q = arena_alloc(a, 3000);
    assert_ptr_equal(q, p);
    assert_true(all_bytes(q, 3000, ARENA_DEBUG_FREED_BYTE));
    void *q2 = arena_alloc(a, 5000);
    assert_ptr_equal(q2, p2);
    assert_true(all_bytes(q2, 5000, ARENA_DEBUG_FREED_BYTE));
    arena_destroy(a);
}

static void test_freed_by_restore(void **state)
{
    (void)state;
    if (skip_unless_readable())
        skip();
    arena_t *a = arena_create(4096);
    void *keep = arena_alloc(a, 100);
    memset(keep, 0x44, 100);
    arena_mark_t m = arena_save(a);
    void *p = arena_alloc(a, 1000);
    memset(p, 0x11, 1000);
    arena_restore(a, m);
    assert_true(all_bytes(keep, 100, 0x44)); /* before the mark: untouched */
    void *q = arena_alloc(a, 1000);
    assert_ptr_equal(q, p);
    assert_true(all_bytes(q, 1000, ARENA_DEBUG_FREED_BYTE));
    arena_destroy(a);
}

static void test_freed_by_realloc_shrink(void **state)
{
    (void)state;
    if (skip_unless_readable())
        skip();
    arena_t *a = arena_create(4096);
    char *p = arena_alloc(a, 100);
    memset(p, 0x11, 100);
    char *s = arena_realloc(a, p, 100, 10);
    assert_ptr_equal(s, p);
    assert_true(all_bytes(p, 10, 0x11));
    char *q = arena_alloc_aligned(a, 90, 1);
    assert_ptr_equal(q, p + 10);
    assert_true(all_bytes(q, 90, ARENA_DEBUG_FREED_BYTE));
    arena_destroy(a);
}

static void test_patterns_differ(void **state)
{
    (void)state;
    assert_int_not_equal(ARENA_DEBUG_FRESH_BYTE, ARENA_DEBUG_FREED_BYTE);
    assert_int_not_equal(ARENA_DEBUG_FRESH_BYTE, 0);
    assert_int_not_equal(ARENA_DEBUG_FREED_BYTE, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patterns_differ),
        cmocka_unit_test(test_fresh_first_block),
        cmocka_unit_test(test_fresh_new_and_extended_blocks),
        cmocka_unit_test(test_freed_by_reset),
        cmocka_unit_test(test_freed_by_restore),
        cmocka_unit_test(test_freed_by_realloc_shrink),
    };
    return cmocka_run_group_tests(tests, setup_group, NULL);
}
