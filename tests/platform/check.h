/*
 * check.h -- the assertions of the self-checking programs (tests/platform),
 * for platforms where no test framework is packaged: MinGW-w64, musl.
 *
 * A failed check prints what it compared, both sides, and the program goes
 * on (a check that guards a pointer returns false, so the caller can stop
 * using it); check_done() prints the count and gives the exit status, 0 only
 * when every check passed.  C11 and the C library only.
 */
#ifndef ARENA_PLATFORM_CHECK_H
#define ARENA_PLATFORM_CHECK_H

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

static unsigned long check_run_count, check_fail_count;

static inline bool check_true(bool ok, const char *file, int line, const char *what)
{
    check_run_count++;
    if (!ok) {
        check_fail_count++;
        fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    }
    return ok;
}

static inline bool check_eq(uintmax_t x, uintmax_t y, const char *file, int line, const char *xs,
                            const char *ys)
{
    check_run_count++;
    if (x != y) {
        check_fail_count++;
        fprintf(stderr, "%s:%d: check failed: %s == %s: %" PRIuMAX " != %" PRIuMAX "\n", file, line,
                xs, ys, x, y);
    }
    return x == y;
}

/* NULL with errno == err; errno is cleared before the call. */
static inline bool check_fails(const void *p, int err, int got, const char *file, int line,
                               const char *what)
{
    check_run_count++;
    if (p != NULL || got != err) {
        check_fail_count++;
        fprintf(stderr, "%s:%d: %s: got %p errno %d, want NULL errno %d\n", file, line, what, p,
                got, err);
        return false;
    }
    return true;
}

#define CHECK(c) check_true((c), __FILE__, __LINE__, #c)
#define CHECK_EQ(x, y) check_eq((uintmax_t)(x), (uintmax_t)(y), __FILE__, __LINE__, #x, #y)
#define CHECK_FAILS(expr, err)                                                                     \
    do {                                                                                           \
        errno = 0;                                                                                 \
        const void *check_p_ = (const void *)(expr);                                               \
        int check_e_ = errno;                                                                      \
        check_fails(check_p_, (err), check_e_, __FILE__, __LINE__, #expr);                         \
    } while (0)

static inline int check_done(const char *name)
{
    printf("%s: %lu checks, %lu failed\n", name, check_run_count, check_fail_count);
    return check_fail_count != 0;
}

#endif
