/* arena_testing.h: the test backing keeps each promise of its header, first
 * on its own (the hooks called directly, so every request's fate is known),
 * then under arenas.  Each rule is tried over a grid of request numbers and
 * sizes around its boundary, from a fresh backing and from one that has
 * already served requests, since rule 1 counts from "now". */
#include "test_util.h"

#include <arena_testing.h>

#define NREQ 24

static const size_t k_sizes[] = {0, 1, 15, 16, 17, 255, 4096, 100000};
#define NSIZES (sizeof k_sizes / sizeof k_sizes[0])

/* Issues one request through the hook and checks what the header promises
 * of a served one: aligned, writable, distinct. */
static void *request(arena_testing_backing_t *t, size_t size)
{
    void *p = arena_testing_alloc(t, size);
    if (p != NULL) {
        assert_aligned(p, ARENA_DEFAULT_ALIGNMENT);
        memset(p, 0x5A, size);
    }
    return p;
}

/* A backing that has already served `before` requests, none outstanding. */
static void warm_up(arena_testing_backing_t *t, size_t before)
{
    for (size_t i = 0; i < before; i++) {
        void *p = request(t, 32);
        assert_non_null(p);
        arena_testing_release(t, p, 32);
    }
}

static void release_all(arena_testing_backing_t *t, void **p, const size_t *size, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != NULL)
            arena_testing_release(t, p[i], size[i]);
    assert_int_equal(t->outstanding, 0);
    assert_int_equal(t->blocks, 0);
    assert_false(t->bad_release);
}

static void zeroed_backing_serves_and_counts(void **state)
{
    (void)state;
    /* Released in three orders: as given, reversed, odd ones first. */
    for (int order = 0; order < 3; order++) {
        arena_testing_backing_t t = {0};
        void *p[NSIZES];
        size_t total = 0;
        for (size_t i = 0; i < NSIZES; i++) {
            p[i] = request(&t, k_sizes[i]);
            assert_non_null(p[i]);
            for (size_t j = 0; j < i; j++)
                assert_ptr_not_equal(p[i], p[j]);
            total += k_sizes[i];
            assert_int_equal(t.requests, i + 1);
            assert_int_equal(t.blocks, i + 1);
            assert_int_equal(t.outstanding, total);
            assert_int_equal(t.peak, total);
        }
        size_t left = total;
        for (size_t k = 0; k < NSIZES; k++) {
            size_t i = order == 0       ? k
                       : order == 1     ? NSIZES - 1 - k
                       : k < NSIZES / 2 ? 2 * k + 1
                                        : 2 * (k - NSIZES / 2);
            arena_testing_release(&t, p[i], k_sizes[i]);
            left -= k_sizes[i];
            assert_int_equal(t.outstanding, left);
            assert_int_equal(t.blocks, NSIZES - 1 - k);
            assert_int_equal(t.releases, k + 1);
        }
        assert_int_equal(t.peak, total);
        assert_int_equal(t.failed, 0);
        assert_int_equal(t.injected + t.refused, 0);
        assert_false(t.bad_release);
        arena_testing_backing_fini(&t);
    }
}

static void hooks_are_bound_to_the_backing(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_backing_t b = arena_testing_backing(&t);
    assert_ptr_equal(b.user, &t);
    assert_true(b.alloc == arena_testing_alloc);
    assert_true(b.release == arena_testing_release);
    void *p = b.alloc(b.user, 64);
    assert_non_null(p);
    assert_int_equal(t.requests, 1);
    b.release(b.user, p, 64);
    assert_int_equal(t.releases, 1);
    assert_int_equal(t.outstanding, 0);
    arena_testing_backing_fini(&t);
}

/* Rule 1, once: exactly the nth request from now fails. */
static void fail_nth_fails_that_request_only(void **state)
{
    (void)state;
    for (size_t before = 0; before <= 3; before += 3) {
        for (size_t n = 1; n <= 8; n++) {
            arena_testing_backing_t t = {0};
            warm_up(&t, before);
            arena_testing_fail_nth(&t, n);
            assert_int_equal(t.fail_at, before + n);
            assert_false(t.fail_persist);
            void *p[NREQ];
            size_t size[NREQ];
            for (size_t i = 1; i <= NREQ; i++) {
                size[i - 1] = k_sizes[i % NSIZES];
                p[i - 1] = request(&t, size[i - 1]);
                if (i == n)
                    assert_null(p[i - 1]);
                else
                    assert_non_null(p[i - 1]);
            }
            assert_int_equal(t.requests, before + NREQ);
            assert_int_equal(t.injected, 1);
            assert_int_equal(t.failed, 1);
            assert_int_equal(t.refused, 0);
            release_all(&t, p, size, NREQ);
            arena_testing_backing_fini(&t);
        }
    }
}

/* Rule 1 for good: the nth request from now and all after it fail. */
static void fail_from_fails_that_request_and_every_later(void **state)
{
    (void)state;
    for (size_t before = 0; before <= 3; before += 3) {
        for (size_t n = 1; n <= 8; n++) {
            arena_testing_backing_t t = {0};
            warm_up(&t, before);
            arena_testing_fail_from(&t, n);
            assert_int_equal(t.fail_at, before + n);
            assert_true(t.fail_persist);
            void *p[NREQ];
            size_t size[NREQ];
            for (size_t i = 1; i <= NREQ; i++) {
                size[i - 1] = k_sizes[i % NSIZES];
                p[i - 1] = request(&t, size[i - 1]);
                if (i >= n)
                    assert_null(p[i - 1]);
                else
                    assert_non_null(p[i - 1]);
            }
            assert_int_equal(t.injected, NREQ - n + 1);
            assert_int_equal(t.failed, t.injected);
            release_all(&t, p, size, NREQ);
            arena_testing_backing_fini(&t);
        }
    }
}

/* n == 0 disarms rule 1, and each call replaces the one before. */
static void fail_zero_disarms_and_calls_replace(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_testing_fail_from(&t, 2);
    arena_testing_fail_nth(&t, 0);
    assert_int_equal(t.fail_at, 0);
    assert_false(t.fail_persist);
    arena_testing_fail_nth(&t, 1);
    arena_testing_fail_from(&t, 0);
    assert_int_equal(t.fail_at, 0);
    assert_false(t.fail_persist);
    void *p[NREQ];
    size_t size[NREQ];
    for (size_t i = 0; i < NREQ; i++) {
        size[i] = 64;
        p[i] = request(&t, size[i]);
        assert_non_null(p[i]);
    }
    /* fail_nth after fail_from: once, not for good. */
    arena_testing_fail_from(&t, 1);
    arena_testing_fail_nth(&t, 2);
    void *a = request(&t, 8), *b = request(&t, 8), *c = request(&t, 8);
    assert_non_null(a);
    assert_null(b);
    assert_non_null(c);
    arena_testing_release(&t, a, 8);
    arena_testing_release(&t, c, 8);
    /* A count that would run past SIZE_MAX arms nothing. */
    arena_testing_fail_nth(&t, SIZE_MAX);
    assert_int_equal(t.fail_at, 0);
    release_all(&t, p, size, NREQ);
    arena_testing_backing_fini(&t);
}

/* Rule 2: more than `limit` bytes fails, at or below is served. */
static void fail_above_fails_every_bigger_request(void **state)
{
    (void)state;
    static const size_t thresholds[] = {1, 16, 4095, 4096, 100000};
    for (size_t k = 0; k < sizeof thresholds / sizeof thresholds[0]; k++) {
        size_t lim = thresholds[k];
        arena_testing_backing_t t = {0};
        arena_testing_fail_above(&t, lim);
        size_t asks[] = {0, lim - 1, lim, lim + 1, lim * 2, SIZE_MAX};
        size_t nask = sizeof asks / sizeof asks[0];
        void *p[sizeof asks / sizeof asks[0]];
        size_t fails = 0;
        /* Twice over: the rule does not wear off. */
        for (int round = 0; round < 2; round++) {
            for (size_t i = 0; i < nask; i++) {
                p[i] = request(&t, asks[i]);
                if (asks[i] > lim) {
                    assert_null(p[i]);
                    fails++;
                } else {
                    assert_non_null(p[i]);
                }
            }
            assert_int_equal(t.injected, fails);
            assert_int_equal(t.failed, fails);
            release_all(&t, p, asks, nask);
        }
        arena_testing_fail_above(&t, 0);
        void *q = request(&t, lim + 1);
        assert_non_null(q);
        arena_testing_release(&t, q, lim + 1);
        arena_testing_backing_fini(&t);
    }
}

/* Rule 3: `outstanding` never goes above the limit; a request that reaches
 * it exactly is served; releasing makes room again. */
static void limit_bounds_outstanding_bytes(void **state)
{
    (void)state;
    static const size_t limits[] = {1, 100, 4096, 65536};
    static const size_t steps[] = {1, 7, 64, 1000};
    for (size_t k = 0; k < sizeof limits / sizeof limits[0]; k++) {
        for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
            size_t lim = limits[k], step = steps[s];
            arena_testing_backing_t t = {.limit = lim};
            enum { MAXP = 70000 };
            static void *p[MAXP];
            size_t n = 0;
            while (n < MAXP && (p[n] = request(&t, step)) != NULL) {
                n++;
                assert_true(t.outstanding <= lim);
            }
            assert_int_equal(n, lim / step);
            assert_int_equal(t.refused, 1);
            assert_int_equal(t.injected, 0);
            /* What is left fits exactly; one byte more does not. */
            size_t rest = lim - t.outstanding;
            assert_null(request(&t, rest + 1));
            void *last = request(&t, rest);
            assert_non_null(last);
            assert_int_equal(t.outstanding, lim);
            assert_int_equal(t.peak, lim);
            assert_null(request(&t, SIZE_MAX)); /* no wrap-around in the check */
            assert_int_equal(t.refused, 3);
            if (n > 0) {
                arena_testing_release(&t, p[--n], step);
                assert_non_null(p[n] = request(&t, step));
                n++;
            }
            /* Newest first: each release then finds its block at once. */
            for (size_t i = n; i-- > 0;)
                arena_testing_release(&t, p[i], step);
            arena_testing_release(&t, last, rest);
            assert_int_equal(t.outstanding, 0);
            assert_false(t.bad_release);
            arena_testing_backing_fini(&t);
        }
    }
}

/* arena_testing_no_faults clears rules 1 and 2, keeps the limit and every
 * counter. */
static void no_faults_keeps_limit_and_counters(void **state)
{
    (void)state;
    for (int armed = 0; armed < 3; armed++) {
        arena_testing_backing_t t = {.limit = 1000};
        warm_up(&t, 2);
        if (armed == 0)
            arena_testing_fail_nth(&t, 1);
        else if (armed == 1)
            arena_testing_fail_from(&t, 1);
        else
            arena_testing_fail_above(&t, 10);
        assert_null(request(&t, 100));
        arena_testing_no_faults(&t);
        assert_int_equal(t.fail_at, 0);
        assert_false(t.fail_persist);
        assert_int_equal(t.fail_above, 0);
        assert_int_equal(t.limit, 1000);
        assert_int_equal(t.requests, 3);
        assert_int_equal(t.injected, 1);
        assert_int_equal(t.failed, 1);
        void *p = request(&t, 100);
        assert_non_null(p);
        assert_null(request(&t, 901)); /* the limit still holds */
        assert_int_equal(t.refused, 1);
        arena_testing_release(&t, p, 100);
        arena_testing_backing_fini(&t);
    }
}

/* A rule-1 fault comes first: the same request is counted once, as
 * injected, even when rules 2 and 3 would refuse it too. */
static void rules_apply_in_order(void **state)
{
    (void)state;
    arena_testing_backing_t t = {.limit = 10};
    arena_testing_fail_above(&t, 20);
    arena_testing_fail_nth(&t, 1);
    assert_null(request(&t, 50));
    assert_int_equal(t.injected, 1);
    assert_int_equal(t.refused, 0);
    assert_null(request(&t, 50)); /* rule 2 */
    assert_int_equal(t.injected, 2);
    assert_null(request(&t, 15)); /* rule 3 */
    assert_int_equal(t.refused, 1);
    assert_int_equal(t.failed, 3);
    assert_int_equal(t.requests, 3);
    arena_testing_backing_fini(&t);
}

static void bad_releases_are_caught(void **state)
{
    (void)state;
    /* A size other than the one requested: flagged, freed, and the
     * requested size leaves `outstanding`. */
    static const long deltas[] = {-16, -1, 1, 16};
    for (size_t k = 0; k < sizeof deltas / sizeof deltas[0]; k++) {
        arena_testing_backing_t t = {0};
        void *keep = request(&t, 48);
        void *p = request(&t, 64);
        arena_testing_release(&t, p, (size_t)(64 + deltas[k]));
        assert_true(t.bad_release);
        assert_int_equal(t.outstanding, 48);
        assert_int_equal(t.blocks, 1);
        arena_testing_release(&t, keep, 48);
        assert_int_equal(t.outstanding, 0);
        arena_testing_backing_fini(&t);
    }
    /* A pointer it never handed out (or already took back): flagged, left
     * alone, nothing else changes. */
    for (int kind = 0; kind < 3; kind++) {
        arena_testing_backing_t t = {0};
        void *keep = request(&t, 48);
        char local[16];
        void *gone = request(&t, 8);
        arena_testing_release(&t, gone, 8);
        assert_false(t.bad_release);
        void *foreign = kind == 0 ? (void *)local : kind == 1 ? (void *)((char *)keep + 16) : gone;
        arena_testing_release(&t, foreign, 8);
        assert_true(t.bad_release);
        assert_int_equal(t.outstanding, 48);
        assert_int_equal(t.blocks, 1);
        assert_int_equal(t.releases, 2);
        arena_testing_release(&t, keep, 48);
        assert_int_equal(t.outstanding, 0);
        arena_testing_backing_fini(&t);
    }
}

static void fini_frees_bookkeeping_and_backing_serves_again(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    void *p[40];
    size_t size[40];
    for (size_t i = 0; i < 40; i++) { /* past the first growth of the table */
        size[i] = i;
        p[i] = request(&t, i);
        assert_non_null(p[i]);
    }
    release_all(&t, p, size, 40);
    arena_testing_backing_fini(&t);
    assert_null(t.arena_testing__live);
    assert_int_equal(t.requests, 40);
    assert_int_equal(t.releases, 40);
    assert_int_equal(t.peak, 39 * 40 / 2);
    /* Serves again. */
    void *q = request(&t, 10);
    assert_non_null(q);
    arena_testing_release(&t, q, 10);
    assert_false(t.bad_release);
    /* A block left outstanding is forgotten by fini, and its bytes stay
     * counted; releasing it afterwards is a bad release (freed here by hand,
     * since the backing no longer knows it). */
    void *leak = request(&t, 24);
    arena_testing_backing_fini(&t);
    assert_int_equal(t.blocks, 0);
    assert_int_equal(t.outstanding, 24);
    arena_testing_release(&t, leak, 24);
    assert_true(t.bad_release);
    free(leak);
    arena_testing_backing_fini(&t);
}

/* Under an arena: the arena's backing bytes are the backing's outstanding
 * bytes, each fault reaches the caller as NULL/ENOMEM (or -1/ENOMEM) with
 * the arena unchanged, and destroy gives everything back as it was given. */
static void drives_an_arena_through_enomem(void **state)
{
    (void)state;
    for (size_t n = 1; n <= 3; n++) {
        arena_testing_backing_t t = {0};
        arena_options_t o = {.block_size = 256, .backing = arena_testing_backing(&t)};
        /* arena_create_with makes one request: it fails only for n == 1. */
        arena_testing_fail_nth(&t, n);
        errno = 0;
        arena_t *a = arena_create_with(&o);
        if (n == 1) {
            assert_null(a);
            assert_int_equal(errno, ENOMEM);
            assert_int_equal(t.outstanding, 0);
            arena_testing_no_faults(&t);
            a = arena_create_with(&o);
        }
        assert_non_null(a);
        assert_int_equal(t.requests, n == 1 ? 2 : 1);
        assert_int_equal(arena_stats(a).backing, t.outstanding);
        arena_testing_fail_from(&t, 1);
        arena_stats_t before = arena_stats(a);
        assert_non_null(arena_alloc(a, 100)); /* fits: no request */
        assert_fails(arena_alloc(a, 1000), ENOMEM);
        assert_fails(arena_alloc_thread_safe(a, 1000, 16), ENOMEM);
        errno = 0;
        assert_int_equal(arena_extend(a, 4096), -1);
        assert_int_equal(errno, ENOMEM);
        assert_int_equal(arena_stats(a).backing, before.backing);
        assert_consistent(a);
        arena_testing_no_faults(&t);
        assert_non_null(arena_alloc(a, 1000));
        assert_int_equal(arena_stats(a).backing, t.outstanding);
        arena_destroy(a);
        assert_int_equal(t.outstanding, 0);
        assert_int_equal(t.blocks, 0);
        assert_false(t.bad_release);
        arena_testing_backing_fini(&t);
    }
}

/* fail_above and limit under an arena: a request for a big block is
 * refused while small ones are still served, and the limit holds the
 * arena's backing bytes under it. */
static void size_rules_under_an_arena(void **state)
{
    (void)state;
    arena_testing_backing_t t = {.limit = 64 * 1024};
    arena_options_t o = {.block_size = 1024, .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    assert_non_null(a);
    arena_testing_fail_above(&t, 8192);
    assert_fails(arena_alloc(a, 20000), ENOMEM);
    assert_int_equal(t.injected, 1);
    for (int i = 0; i < 4; i++)
        assert_non_null(arena_alloc(a, 1000));
    arena_testing_fail_above(&t, 0);
    size_t served = 0;
    while (arena_alloc(a, 1000) != NULL)
        served++;
    assert_int_equal(errno, ENOMEM);
    assert_true(served >= 16); /* blocks of 2, 4, 8 and 16 KiB fit under the limit */
    assert_true(t.refused > 0);
    assert_true(t.peak <= 64 * 1024);
    assert_int_equal(arena_stats(a).backing, t.outstanding);
    assert_consistent(a);
    arena_destroy(a);
    assert_int_equal(t.outstanding, 0);
    assert_false(t.bad_release);
    arena_testing_backing_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zeroed_backing_serves_and_counts),
        cmocka_unit_test(hooks_are_bound_to_the_backing),
        cmocka_unit_test(fail_nth_fails_that_request_only),
        cmocka_unit_test(fail_from_fails_that_request_and_every_later),
        cmocka_unit_test(fail_zero_disarms_and_calls_replace),
        cmocka_unit_test(fail_above_fails_every_bigger_request),
        cmocka_unit_test(limit_bounds_outstanding_bytes),
        cmocka_unit_test(no_faults_keeps_limit_and_counters),
        cmocka_unit_test(rules_apply_in_order),
        cmocka_unit_test(bad_releases_are_caught),
        cmocka_unit_test(fini_frees_bookkeeping_and_backing_serves_again),
        cmocka_unit_test(drives_an_arena_through_enomem),
        cmocka_unit_test(size_rules_under_an_arena),
    };
    return cmocka_run_group_tests_name("testing", tests, NULL, NULL);
}
