/* The process-wide block cache behind the default backing, through the
 * public API: reuse of exact sizes, the caps of both tiers (and what
 * lowering them frees), the slot bound, the decay controls and the helper's
 * switch.  tests/unit/cache_decay.c drives the clock; cache_model.c the
 * defaults and the environment. */
#include "test_util.h"

#define MIB ((size_t)1 << 20)

/* Every test starts from an empty cache with its own caps; settings are
 * put back by restore(). */
typedef struct {
    size_t limit, lazy, decay;
} settings_t;

static settings_t save(void)
{
    arena_cache_release();
    assert_int_equal(arena_cache_size(), 0);
    /* An hour: no block expires while a test runs, however slowly. */
    settings_t s = {arena_cache_limit(), arena_cache_lazy_limit(),
                    arena_cache_set_decay((size_t)3600 * 1000)};
    return s;
}

static void restore(settings_t s)
{
    arena_cache_release();
    arena_cache_set_limit(s.limit);
    arena_cache_set_lazy_limit(s.lazy);
    arena_cache_set_decay(s.decay);
}

/* The bytes a destroyed arena of `size` gives to the cache. */
static size_t cached_by(size_t size)
{
    arena_cache_release();
    arena_t *a = arena_create(size);
    assert_non_null(a);
    size_t backing = arena_stats(a).backing;
    arena_destroy(a);
    assert_int_equal(arena_cache_size(), backing);
    arena_cache_release();
    return backing;
}

static void destroyed_blocks_are_reused(void **state)
{
    (void)state;
    settings_t s = save();
    /* Small and big arenas alike: each comes back as the same memory. */
    size_t sizes[] = {1024, 8192, 1 * MIB, 5 * MIB, 40 * MIB};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        arena_t *a = arena_create(sizes[k]);
        char *p = arena_alloc(a, 16);
        size_t backing = arena_stats(a).backing;
        arena_destroy(a);
        assert_int_equal(arena_cache_size(), backing);
        arena_t *b = arena_create(sizes[k]);
        assert_int_equal(arena_cache_size(), 0);
        char *q = arena_alloc(b, sizes[k]);
        assert_ptr_equal(q, p);
        memset(q, 0x5a, sizes[k]);
        assert_int_equal(q[sizes[k] - 1], 0x5a);
        arena_destroy(b);
        arena_cache_release();
        assert_int_equal(arena_cache_size(), 0);
    }
    restore(s);
}

static void only_exact_sizes_match(void **state)
{
    (void)state;
    settings_t s = save();
    arena_t *a = arena_create(8192);
    arena_destroy(a);
    size_t cached = arena_cache_size();
    arena_t *b = arena_create(4096); /* different size: not taken */
    assert_int_equal(arena_cache_size(), cached);
    assert_true(arena_stats(b).capacity < 8192);
    arena_destroy(b);
    restore(s);
}

/* Blocks of many sizes against resident caps of many sizes (the lazy tier
 * off): the cache never holds more than the cap, nor a block over a
 * quarter of it, and holds each block that fits. */
static void limit_is_honoured(void **state)
{
    (void)state;
    settings_t s = save();
    arena_cache_set_lazy_limit(0);
    size_t caps[] = {0, 64 * 1024, 1 * MIB, 16 * MIB};
    size_t sizes[] = {1024, 8192, 60 * 1024, 200 * 1024, 3 * MIB};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            size_t one = cached_by(sizes[k]);
            arena_cache_set_limit(caps[c]);
            assert_int_equal(arena_cache_limit(), caps[c]);
            arena_t *a[10];
            for (int i = 0; i < 10; i++)
                a[i] = arena_create(sizes[k]);
            for (int i = 0; i < 10; i++)
                arena_destroy(a[i]);
            size_t want = one <= caps[c] / 4 ? caps[c] / one * one : 0;
            if (want > 10 * one)
                want = 10 * one;
            assert_int_equal(arena_cache_size(), want);
            arena_cache_release();
            arena_cache_set_limit(s.limit);
        }
    }
    restore(s);
}

/* Regression: a cap lowered below four times a cached block frees that
 * block, even when the cached bytes are under the new cap. */
static void lowering_the_limit_frees_blocks_over_a_quarter(void **state)
{
    (void)state;
    settings_t s = save();
    arena_cache_set_lazy_limit(0); /* the resident tier alone */
    arena_t *a = arena_create(3 * MIB);
    arena_destroy(a);
    assert_true(arena_cache_size() > 3 * MIB);
    assert_int_equal(arena_cache_set_limit(4 * MIB), s.limit);
    assert_int_equal(arena_cache_size(), 0);
    /* And a block of that size is not kept from then on. */
    a = arena_create(3 * MIB);
    arena_destroy(a);
    assert_int_equal(arena_cache_size(), 0);
    /* A block under a quarter is kept, and stays when the cap is lowered to
     * four times its size. */
    size_t one = cached_by(512 * 1024);
    a = arena_create(512 * 1024);
    arena_destroy(a);
    assert_int_equal(arena_cache_size(), one);
    arena_cache_set_limit(4 * one);
    assert_int_equal(arena_cache_size(), one);
    arena_cache_set_limit(4 * one - 1);
    assert_int_equal(arena_cache_size(), 0);
    restore(s);
}

/* Lowering a cap frees the oldest blocks first, until the rest fit. */
static void lowering_the_limit_keeps_the_newest(void **state)
{
    (void)state;
    settings_t s = save();
    size_t one = cached_by(8192);
    arena_t *a[6];
    void *p[6];
    for (int i = 0; i < 6; i++) {
        a[i] = arena_create(8192);
        p[i] = arena_alloc(a[i], 1);
    }
    for (int i = 0; i < 6; i++)
        arena_destroy(a[i]); /* a[5] is the newest */
    assert_int_equal(arena_cache_size(), 6 * one);
    arena_cache_set_limit(4 * one);
    assert_int_equal(arena_cache_size(), 4 * one);
    /* The four blocks left are the four newest. */
    for (int i = 0; i < 4; i++) {
        a[i] = arena_create(8192);
        void *q = arena_alloc(a[i], 1);
        int found = 0;
        for (int k = 2; k < 6; k++)
            found += q == p[k];
        if (found != 1)
            fail_msg("block %d of the four kept is not one of the four newest", i);
    }
    assert_int_equal(arena_cache_size(), 0);
    for (int i = 0; i < 4; i++)
        arena_destroy(a[i]);
    restore(s);
}

static void trimmed_spares_go_to_cache(void **state)
{
    (void)state;
    settings_t s = save();
    arena_t *a = arena_create(1024);
    for (int i = 0; i < 20; i++)
        arena_alloc(a, 1000);
    arena_reset(a);
    arena_trim(a);
    assert_true(arena_cache_size() > 0);
    arena_destroy(a);
    restore(s);
}

/* A block too big for the resident tier goes to the lazy one; each tier
 * has its own cap, and 0 disables it. */
static void the_lazy_tier_takes_what_the_resident_one_cannot(void **state)
{
    (void)state;
    settings_t s = save();
    size_t big = 12 * MIB;
    size_t one = cached_by(big);
    arena_cache_set_limit(4 * MIB); /* big is over a quarter */
    arena_t *a = arena_create(big);
    char *p = arena_alloc(a, 100);
    arena_destroy(a);
    assert_int_equal(arena_cache_size(), one);
    /* The same block comes back, writable, whatever the kernel did with
     * its pages meanwhile. */
    arena_t *b = arena_create(big);
    assert_int_equal(arena_cache_size(), 0);
    char *q = arena_alloc(b, big);
    assert_ptr_equal(q, p);
    memset(q, 0x5a, big);
    assert_int_equal(q[big - 1], 0x5a);
    arena_destroy(b);
    /* Lowering the lazy cap frees what no longer fits; 0 disables the tier. */
    assert_int_equal(arena_cache_set_lazy_limit(one - 1), s.lazy);
    assert_int_equal(arena_cache_size(), 0);
    a = arena_create(big);
    arena_destroy(a);
    assert_int_equal(arena_cache_size(), 0);
    arena_cache_set_lazy_limit(0);
    assert_int_equal(arena_cache_lazy_limit(), 0);
    a = arena_create(big);
    arena_destroy(a);
    assert_int_equal(arena_cache_size(), 0);
    arena_cache_set_lazy_limit(s.lazy);
    /* Release empties both tiers. */
    a = arena_create(big);
    b = arena_create(8192);
    arena_destroy(a);
    arena_destroy(b);
    assert_true(arena_cache_size() > big);
    arena_cache_release();
    assert_int_equal(arena_cache_size(), 0);
    restore(s);
}

static void slots_are_bounded(void **state)
{
    (void)state;
    /* 80 small arenas fit the byte cap many times over, but the cache keeps
     * at most 64 blocks and frees the rest. */
    settings_t s = save();
    arena_t *a[80];
    for (int i = 0; i < 80; i++)
        a[i] = arena_create(1024);
    size_t one = arena_stats(a[0]).backing;
    for (int i = 0; i < 80; i++)
        arena_destroy(a[i]);
    assert_int_equal(arena_cache_size(), 64 * one);
    restore(s);
}

static void decay_controls(void **state)
{
    (void)state;
    settings_t s = save();
    size_t values[] = {0, 1, 1000, (size_t)3600 * 1000, SIZE_MAX};
    size_t prev = arena_cache_decay();
    assert_int_equal(prev, (size_t)3600 * 1000);
    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
        assert_int_equal(arena_cache_set_decay(values[k]), prev);
        assert_int_equal(arena_cache_decay(), values[k]);
        prev = values[k];
    }
    /* Nothing has expired within an hour. */
    arena_cache_set_decay((size_t)3600 * 1000);
    arena_t *a = arena_create(8192);
    arena_destroy(a);
    size_t cached = arena_cache_size();
    assert_int_equal(arena_cache_decay_now(), 0);
    assert_int_equal(arena_cache_size(), cached);
    /* A decay of 0 keeps nothing, and applies to what is cached at once. */
    arena_cache_set_decay(0);
    assert_int_equal(arena_cache_size(), 0);
    size_t sizes[] = {1024, 1 * MIB, 12 * MIB};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        a = arena_create(sizes[k]);
        arena_destroy(a);
        assert_int_equal(arena_cache_size(), 0);
    }
    restore(s);
}

static void helper_switch(void **state)
{
    (void)state;
    settings_t s = save();
    assert_int_equal(arena_cache_set_helper(0), 0); /* off when off: nothing */
    assert_int_equal(arena_cache_set_helper(1), 0);
    assert_int_equal(arena_cache_set_helper(1), 0); /* on when on: still one */
    arena_t *a = arena_create(8192);
    arena_destroy(a);
    assert_true(arena_cache_size() > 0); /* an hour's decay: still cached */
    assert_int_equal(arena_cache_set_helper(0), 0);
    restore(s);
}

/* Every control leaves errno alone. */
static void errno_is_untouched(void **state)
{
    (void)state;
    settings_t s = save();
    errno = 4321;
    arena_t *a = arena_create(12 * MIB);
    arena_t *b = arena_create(8192);
    arena_destroy(a);
    arena_destroy(b);
    (void)arena_cache_size();
    (void)arena_cache_decay_now();
    arena_cache_set_limit(arena_cache_limit());
    arena_cache_set_lazy_limit(arena_cache_lazy_limit());
    arena_cache_set_decay(arena_cache_decay());
    assert_int_equal(arena_cache_set_helper(1), 0);
    assert_int_equal(arena_cache_set_helper(0), 0);
    arena_cache_set_decay(0);
    arena_cache_release();
    assert_int_equal(errno, 4321);
    restore(s);
}

int main(void)
{
    /* These tests model the shared tiers: a thread's front would keep the
     * blocks they release out of sight (read at the cache's first use). */
    setenv("ARENA_CACHE_FRONT", "0", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(destroyed_blocks_are_reused),
        cmocka_unit_test(only_exact_sizes_match),
        cmocka_unit_test(limit_is_honoured),
        cmocka_unit_test(lowering_the_limit_frees_blocks_over_a_quarter),
        cmocka_unit_test(lowering_the_limit_keeps_the_newest),
        cmocka_unit_test(trimmed_spares_go_to_cache),
        cmocka_unit_test(the_lazy_tier_takes_what_the_resident_one_cannot),
        cmocka_unit_test(slots_are_bounded),
        cmocka_unit_test(decay_controls),
        cmocka_unit_test(helper_switch),
        cmocka_unit_test(errno_is_untouched),
    };
    return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
