/*
 * fail_madvise.c -- preloaded by the advice test: every madvise fails with
 * EINVAL, as on a kernel without transparent huge pages, and is counted.
 */
#include <errno.h>
#include <stddef.h>

int arena_test_madvise_calls;

int madvise(void *addr, size_t length, int advice);

int madvise(void *addr, size_t length, int advice)
{
    (void)addr;
    (void)length;
    (void)advice;
    arena_test_madvise_calls++;
    errno = EINVAL;
    return -1;
}
