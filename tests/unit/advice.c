/*
 * Advisory system calls never show through errno.  The library asks the
 * kernel for transparent huge pages on big blocks and purges cached blocks
 * as they age; a kernel without those (or a refusing one) answers EINVAL,
 * and the header promises that errno is left alone on success.
 *
 * The test runs with tests/unit/fail_madvise.c preloaded (LD_PRELOAD), which
 * makes every madvise fail with EINVAL and counts the calls, so that it can
 * tell that the advice was asked for.  Without the preload it checks the
 * same on the real kernel.
 */
#include "test_util.h"

#include <stdio.h>

/* Defined by the preloaded fail_madvise.so; absent without it. */
extern int arena_test_madvise_calls __attribute__((weak));

static int calls(void)
{
    return &arena_test_madvise_calls != NULL ? arena_test_madvise_calls : -1;
}

static void advice_leaves_errno_alone(void **state)
{
    (void)state;
    int before = calls();
    size_t mib = (size_t)1 << 20;

    errno = 4242;
    arena_t *a = arena_create(8 * mib); /* huge-page advice */
    assert_non_null(a);
    assert_int_equal(errno, 4242);
    void *p = arena_alloc(a, 20 * mib); /* a block of its own, advised too */
    assert_non_null(p);
    assert_int_equal(errno, 4242);
    arena_destroy(a); /* its blocks go to the cache */
    assert_int_equal(errno, 4242);
    a = arena_create(8 * mib); /* and come back from it */
    assert_non_null(a);
    assert_int_equal(errno, 4242);
    arena_destroy(a);
    arena_cache_release();
    assert_int_equal(errno, 4242);

    if (before >= 0) {
        int after = calls();
        if (after - before < 3)
            fail_msg("madvise was called %d times; the test needs the advice to happen",
                     after - before);
    }
}

int main(void)
{
    if (getenv("ARENA_TEST_EXPECT_PRELOAD") != NULL && calls() < 0) {
        fprintf(stderr, "advice: fail_madvise.so is not preloaded\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(advice_leaves_errno_alone),
    };
    return cmocka_run_group_tests_name("advice", tests, NULL, NULL);
}
