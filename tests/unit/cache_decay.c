/*
 * White-box: the block cache's decay, with its clock driven through
 * arena__cache_clock_advance (src/cache.h) instead of sleeping.  A released
 * block stays resident; once unused for the decay time, any operation on
 * the cache purges it into the lazy tier; once unused for the decay time
 * again, it is given back, and the process's RSS (as the kernel reports it)
 * falls.  The helper thread does the same with no operation at all, also in
 * a forked child.  The default caps scale with the machine.
 */
#include "test_util.h"

#include "cache.h"

#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB ((size_t)1 << 20)
/* The decay time in these tests: an hour, so that no block expires by
 * itself however slowly a test runs; the clock hook moves time on. */
#define DECAY ((size_t)3600 * 1000)

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

typedef struct {
    size_t limit, lazy, decay;
} settings_t;

static settings_t save(void)
{
    arena_cache_release();
    settings_t s = {arena_cache_limit(), arena_cache_lazy_limit(), arena_cache_set_decay(DECAY)};
    return s;
}

static void restore(settings_t s)
{
    arena_cache_release();
    arena_cache_set_limit(s.limit);
    arena_cache_set_lazy_limit(s.lazy);
    arena_cache_set_decay(s.decay);
}

static size_t resident(void)
{
    return arena__cache_tier_bytes(ARENA__TIER_RESIDENT);
}

static size_t lazy(void)
{
    return arena__cache_tier_bytes(ARENA__TIER_LAZY);
}

/* Creates an arena of `size`, writes all of it, destroys it; returns the
 * bytes it gave to the cache. */
static size_t cache_one(size_t size)
{
    arena_t *a = arena_create(size);
    assert_non_null(a);
    size_t backing = arena_stats(a).backing;
    char *p = arena_alloc(a, size);
    assert_non_null(p);
    memset(p, 1, size);
    arena_destroy(a);
    return backing;
}

/* Creates n arenas of `size` at once, writes all of each, destroys them;
 * returns the bytes they gave to the cache. */
static size_t cache_many(int n, size_t size)
{
    arena_t *a[8];
    size_t held = 0;
    assert_true(n <= 8);
    for (int i = 0; i < n; i++) {
        a[i] = arena_create(size);
        assert_non_null(a[i]);
        held += arena_stats(a[i]).backing;
        char *p = arena_alloc(a[i], size);
        assert_non_null(p);
        memset(p, 1, size);
    }
    for (int i = 0; i < n; i++)
        arena_destroy(a[i]);
    return held;
}

/* Run first: the process's caps are the defaults for this machine. */
static void defaults_follow_the_machine(void **state)
{
    (void)state;
    if (getenv("ARENA_CACHE_LIMIT") != NULL || getenv("ARENA_CACHE_DECAY_MS") != NULL)
        skip();
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    uint64_t phys = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
    unsigned bits = (unsigned)(sizeof(void *) * 8);
    assert_int_equal(arena_cache_limit(),
                     arena__cache_default_cap(ARENA_CACHE_DEFAULT_LIMIT, bits, phys));
    assert_int_equal(arena_cache_lazy_limit(),
                     arena__cache_default_cap(ARENA_CACHE_DEFAULT_LAZY_LIMIT, bits, phys));
    assert_int_equal(arena_cache_decay(), ARENA_CACHE_DEFAULT_DECAY_MS);
}

/* Each cap: the smallest of its constant, an eighth of physical memory
 * (when known) and a 32nd of the address space. */
static void default_caps_scale(void **state)
{
    (void)state;
    const uint64_t G = (uint64_t)1 << 30;
    static const struct {
        size_t constant;
        unsigned bits;
        uint64_t phys;
        size_t want;
    } grid[] = {
        {(size_t)1 << 30, 64, 0, (size_t)1 << 30},
        {(size_t)1 << 30, 64, (uint64_t)64 << 30, (size_t)1 << 30},
        {(size_t)1 << 30, 64, (uint64_t)8 << 30, (size_t)1 << 30},
        {(size_t)1 << 30, 64, (uint64_t)4 << 30, (size_t)512 << 20},
        {(size_t)1 << 30, 64, (uint64_t)1 << 30, (size_t)128 << 20},
        {(size_t)1 << 30, 48, (uint64_t)2 << 30, (size_t)256 << 20},
        {(size_t)1 << 30, 32, 0, (size_t)128 << 20},
        {(size_t)1 << 30, 32, (uint64_t)64 << 30, (size_t)128 << 20},
        {(size_t)1 << 30, 32, (uint64_t)512 << 20, (size_t)64 << 20},
        {(size_t)32 << 20, 64, (uint64_t)64 << 30, (size_t)32 << 20},
        {(size_t)32 << 20, 32, (uint64_t)1 << 30, (size_t)32 << 20},
        {(size_t)32 << 20, 32, (uint64_t)128 << 20, (size_t)16 << 20},
    };
    for (size_t i = 0; i < sizeof grid / sizeof grid[0]; i++) {
        size_t got = arena__cache_default_cap(grid[i].constant, grid[i].bits, grid[i].phys);
        if (got != grid[i].want)
            fail_msg("cap %zu, %u-bit, %llu GiB / 1024 physical: %zu, want %zu", grid[i].constant,
                     grid[i].bits, (unsigned long long)(grid[i].phys * 1024 / G), got,
                     grid[i].want);
    }
}

/* A destroyed arena's blocks stay as they are, in the resident tier, until
 * the decay time has passed; then the next operation purges them into the
 * lazy tier, and after the decay time again gives them back. */
static void blocks_decay_in_two_stages(void **state)
{
    (void)state;
    settings_t s = save();
    size_t sizes[] = {8192, 1 * MIB, 12 * MIB};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t one = cache_one(sizes[k]);
        assert_int_equal(resident(), one);
        assert_int_equal(lazy(), 0);
        /* Half the decay time (the real time a slow run adds is nothing
         * beside it): nothing happens. */
        arena__cache_clock_advance(DECAY / 2);
        assert_int_equal(arena_cache_decay_now(), 0);
        assert_int_equal(resident(), one);
        arena__cache_clock_advance(DECAY / 2);
        assert_int_equal(arena_cache_decay_now(), one);
        assert_int_equal(resident(), 0);
        assert_int_equal(lazy(), one);
        arena__cache_clock_advance(DECAY / 2);
        assert_int_equal(arena_cache_decay_now(), 0);
        assert_int_equal(lazy(), one);
        arena__cache_clock_advance(DECAY / 2);
        assert_int_equal(arena_cache_decay_now(), one);
        assert_int_equal(arena_cache_size(), 0);
    }
    restore(s);
}

/* The operations that age the cache, each on its own. */
static void op_create(void)
{
    arena_t *a = arena_create(3000); /* a size nothing cached has */
    arena_destroy(a);
}
static void op_trim(void)
{
    arena_t *a = arena_create(1024);
    for (int i = 0; i < 8; i++)
        (void)arena_alloc(a, 1000);
    arena_reset(a);
    arena_trim(a); /* releases the spare blocks to the cache */
    arena_destroy(a);
}
static void op_set_limit(void)
{
    arena_cache_set_limit(arena_cache_limit());
}
static void op_set_lazy_limit(void)
{
    arena_cache_set_lazy_limit(arena_cache_lazy_limit());
}
static void op_set_decay(void)
{
    arena_cache_set_decay(arena_cache_decay());
}
static void op_decay_now(void)
{
    (void)arena_cache_decay_now();
}

static void every_operation_ages_the_cache(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        void (*op)(void);
    } ops[] = {
        {"create and destroy", op_create}, {"trim", op_trim},
        {"set_limit", op_set_limit},       {"set_lazy_limit", op_set_lazy_limit},
        {"set_decay", op_set_decay},       {"decay_now", op_decay_now},
    };
    settings_t s = save();
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t one = cache_one(2 * MIB);
        arena__cache_clock_advance(DECAY);
        ops[i].op();
        if (lazy() != one)
            fail_msg("%s: the expired block is not in the lazy tier (%zu bytes there, want %zu)",
                     ops[i].name, lazy(), one);
        arena_cache_release();
    }
    /* Reading the cache changes nothing. */
    size_t one = cache_one(2 * MIB);
    arena__cache_clock_advance(DECAY);
    (void)arena_cache_size();
    (void)arena_cache_limit();
    (void)arena_cache_lazy_limit();
    (void)arena_cache_decay();
    assert_int_equal(resident(), one);
    restore(s);
}

/* A block in the lazy tier is still reused, whole and writable. */
static void lazy_blocks_are_reused(void **state)
{
    (void)state;
    settings_t s = save();
    arena_t *a = arena_create(6 * MIB);
    char *p = arena_alloc(a, 6 * MIB);
    memset(p, 1, 6 * MIB);
    arena_destroy(a);
    arena__cache_clock_advance(DECAY);
    (void)arena_cache_decay_now();
    assert_true(lazy() > 6 * MIB);
    a = arena_create(6 * MIB);
    assert_int_equal(arena_cache_size(), 0);
    char *q = arena_alloc(a, 6 * MIB);
    assert_ptr_equal(q, p);
    memset(q, 2, 6 * MIB);
    assert_int_equal(q[6 * MIB - 1], 2);
    arena_destroy(a);
    restore(s);
}

/* A lower decay time applies at once to what is cached. */
static void lowering_the_decay_applies_at_once(void **state)
{
    (void)state;
    settings_t s = save();
    size_t one = cache_one(1 * MIB);
    arena__cache_clock_advance(10);
    arena_cache_set_decay(10);
    assert_int_equal(resident(), 0);
    assert_int_equal(lazy(), one);
    restore(s);
}

/* Blocks that do not fit the resident tier go lazy at once, and a purged
 * block that does not fit the lazy tier is given back. */
static void tiers_overflow(void **state)
{
    (void)state;
    settings_t s = save();
    arena_cache_set_limit(4 * MIB);
    size_t big = cache_one(2 * MIB); /* over a quarter */
    assert_int_equal(resident(), 0);
    assert_int_equal(lazy(), big);
    arena_cache_release();
    arena_cache_set_limit(s.limit);
    size_t one = cache_one(1 * MIB);
    arena_cache_set_lazy_limit(one - 1);
    arena__cache_clock_advance(DECAY);
    assert_int_equal(arena_cache_decay_now(), one);
    assert_int_equal(arena_cache_size(), 0);
    /* Room for one of two: the first purged goes lazy, the second back. */
    arena_cache_set_lazy_limit(one);
    assert_int_equal(cache_many(2, 1 * MIB), 2 * one);
    arena__cache_clock_advance(DECAY);
    assert_int_equal(arena_cache_decay_now(), 2 * one);
    assert_int_equal(resident(), 0);
    assert_int_equal(lazy(), one);
    restore(s);
}

static long rss_kib(void)
{
    long pages = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &res) != 2)
        res = -1;
    fclose(f);
    return res < 0 ? -1 : res * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The process's RSS falls once the decay time has passed: after one decay,
 * to at most the resident cap over what it was before (the lazy tier's
 * blocks given back; the resident ones purged, which the kernel may still
 * count); after two, to about what it was before. */
static void rss_falls_after_decay(void **state)
{
    (void)state;
    if (getenv("ARENA_UNDER_VALGRIND") != NULL || UNDER_TSAN || rss_kib() < 0)
        skip(); /* the tools keep their own books on freed memory */
    settings_t s = save();
    arena_cache_set_limit(32 * MIB); /* blocks up to 8 MiB stay resident */
    long before = rss_kib();
    size_t held = cache_many(4, 6 * MIB); /* resident */
    held += cache_many(4, 16 * MIB);      /* lazy: over a quarter of the cap */
    assert_int_equal(arena_cache_size(), held);
    long full = rss_kib();
    arena__cache_clock_advance(DECAY);
    assert_int_equal(arena_cache_decay_now(), held);
    long one = rss_kib();
    arena__cache_clock_advance(DECAY);
    (void)arena_cache_decay_now();
    long two = rss_kib();
    assert_int_equal(arena_cache_size(), 0);
    print_message("RSS (KiB): %ld before, %ld with %zu KiB cached, %ld after one decay, %ld after "
                  "two\n",
                  before, full, held / 1024, one, two);
    /* AddressSanitizer writes the shadow of what is freed: an eighth more. */
    long slack = UNDER_ASAN ? (long)(held / 8 / 1024) : 0;
    if (one - before > (long)(32 * MIB / 1024) + slack)
        fail_msg("after one decay RSS is %ld KiB over its start, over the 32 MiB resident cap",
                 one - before);
    if (two - before > (long)(held / 1024 / 4) + slack)
        fail_msg("after two decays RSS is %ld KiB over its start; %zu KiB were cached",
                 two - before, held / 1024);
    restore(s);
}

/* Waits (10 ms at a time, up to a minute: only a hang fails) until the
 * cache holds `bytes`, moving the clock on `step` ms each time. */
static bool wait_for_size(size_t bytes, uint64_t step)
{
    for (int i = 0; i < 6000; i++) {
        if (arena_cache_size() == bytes)
            return true;
        arena__cache_clock_advance(step);
        usleep(10 * 1000);
    }
    return false;
}

/* The helper ages the cache with no operation from the program. */
static void helper_ages_the_cache(void **state)
{
    (void)state;
    settings_t s = save();
    assert_int_equal(arena_cache_set_helper(1), 0);
    size_t one = cache_one(1 * MIB);
    assert_int_equal(resident(), one);
    if (!wait_for_size(0, DECAY))
        fail_msg("the helper did not give the block back (%zu bytes cached)", arena_cache_size());
    assert_int_equal(arena_cache_set_helper(0), 0);
    /* Stopped: nothing happens any more (the old helper ends within a second;
     * with an hour's decay it would not touch a fresh block anyway). */
    one = cache_one(1 * MIB);
    usleep(20 * 1000);
    assert_int_equal(resident(), one);
    restore(s);
}

/* A forked child gets a helper of its own with its first operation. */
static void helper_follows_into_a_child(void **state)
{
    (void)state;
    if (UNDER_TSAN)
        skip(); /* TSan stops a child that starts a thread after a fork with threads */
    settings_t s = save();
    assert_int_equal(arena_cache_set_helper(1), 0);
    /* Fork only once the parent's helper has done some work: a thread still
     * starting calls malloc inside the sanitizer's runtime, and that runtime
     * (gcc 12's ASan) does not hold its allocator's locks across fork, so a
     * child forked at that moment hangs in its first malloc, ours or not. */
    (void)cache_one(1 * MIB);
    if (!wait_for_size(0, DECAY))
        fail_msg("the parent's helper did not age its cache (%zu bytes cached)",
                 arena_cache_size());
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(120);
        (void)cache_one(1 * MIB); /* the first operation starts the helper */
        exit(wait_for_size(0, DECAY) ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("the child's helper did not age its cache (status %d)", status);
    assert_int_equal(arena_cache_set_helper(0), 0);
    restore(s);
}

static void errno_is_untouched_by_decay(void **state)
{
    (void)state;
    settings_t s = save();
    errno = 1234;
    (void)cache_one(12 * MIB);
    (void)cache_one(8192);
    arena__cache_clock_advance(DECAY);
    (void)arena_cache_decay_now();
    arena__cache_clock_advance(DECAY);
    (void)arena_cache_decay_now();
    assert_int_equal(errno, 1234);
    restore(s);
}

int main(void)
{
    /* These tests model the shared tiers: a thread's front would keep the
     * blocks they release out of sight (read at the cache's first use). */
    setenv("ARENA_CACHE_FRONT", "0", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_follow_the_machine),
        cmocka_unit_test(default_caps_scale),
        cmocka_unit_test(blocks_decay_in_two_stages),
        cmocka_unit_test(every_operation_ages_the_cache),
        cmocka_unit_test(lazy_blocks_are_reused),
        cmocka_unit_test(lowering_the_decay_applies_at_once),
        cmocka_unit_test(tiers_overflow),
        cmocka_unit_test(rss_falls_after_decay),
        cmocka_unit_test(helper_ages_the_cache),
        cmocka_unit_test(helper_follows_into_a_child),
        cmocka_unit_test(errno_is_untouched_by_decay),
    };
    return cmocka_run_group_tests_name("cache_decay", tests, NULL, NULL);
}
