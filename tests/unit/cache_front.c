/*
 * The threads' fronts of the block cache: a thread's last released blocks
 * serve its next requests of the same size, without the lock; they count
 * in what the cache holds, within the resident cap; they go back to the
 * cache when the thread exits, asks for decay or release, or meets a
 * control call made on another thread.
 */
#include "test_util.h"

#include "cache.h"

#include <pthread.h>

#define KIB ((size_t)1024)

static void blocks_come_back_to_the_thread(void **state)
{
    (void)state;
    arena_cache_release();
    arena_t *a = arena_create(16 * KIB);
    void *first = arena_alloc(a, 10);
    size_t held = arena_stats(a).backing;
    arena_destroy(a);
    assert_int_equal(arena_cache_size(), held); /* in this thread's front */
    arena_t *b = arena_create(16 * KIB);
    assert_ptr_equal(arena_alloc(b, 10), first); /* the same memory again */
    assert_int_equal(arena_cache_size(), 0);
    arena_destroy(b);
    arena_cache_release();
    assert_int_equal(arena_cache_size(), 0);
}

static void only_small_blocks_and_a_few(void **state)
{
    (void)state;
    arena_cache_release();
    size_t before = arena_cache_size();
    /* Six arenas of 64 KiB: four fit a front, the rest go to the tier;
     * everything is still cached. */
    arena_t *a[6];
    size_t held = 0;
    for (int i = 0; i < 6; i++) {
        a[i] = arena_create(64 * KIB);
        held += arena_stats(a[i]).backing;
    }
    for (int i = 0; i < 6; i++)
        arena_destroy(a[i]);
    assert_int_equal(arena_cache_size(), before + held);
    /* A block over the front's size goes to the tier, and is found again. */
    arena_t *big = arena_create(512 * KIB);
    size_t big_bytes = arena_stats(big).backing;
    arena_destroy(big);
    assert_int_equal(arena_cache_size(), before + held + big_bytes);
    arena_cache_release();
    assert_int_equal(arena_cache_size(), 0);
}

static void the_caps_hold_with_fronts(void **state)
{
    (void)state;
    arena_cache_release();
    size_t old = arena_cache_set_limit(1024 * KIB);
    arena_t *a[8];
    for (int i = 0; i < 8; i++)
        a[i] = arena_create(60 * KIB);
    for (int i = 0; i < 8; i++)
        arena_destroy(a[i]);
    size_t kept = arena_cache_size();
    assert_true(kept <= 1024 * KIB);
    assert_true(kept > 0);
    arena_cache_set_limit(0); /* nothing resident, this front included */
    assert_int_equal(arena_cache_size(), 0);
    arena_cache_set_limit(old);
}

static size_t g_seen;
static void *churn_and_exit(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) {
        arena_t *a = arena_create(32 * KIB);
        assert_non_null(arena_alloc(a, 1000));
        arena_destroy(a);
    }
    g_seen = arena_cache_size(); /* this thread's front at least */
    return NULL;
}

static void a_thread_gives_its_front_back_at_exit(void **state)
{
    (void)state;
    arena_cache_release();
    assert_int_equal(arena_cache_size(), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, churn_and_exit, NULL), 0);
    pthread_join(t, NULL);
    assert_true(g_seen > 0);
    /* The thread is gone: its block is in the resident tier now, seen from
     * here, and released from here. */
    assert_int_equal(arena_cache_size(), g_seen);
    arena_cache_release();
    assert_int_equal(arena_cache_size(), 0);
}

static pthread_barrier_t g_phase;
static size_t g_after_recall;
static void *hold_then_look(void *arg)
{
    (void)arg;
    arena_destroy(arena_create(32 * KIB)); /* a block in this front */
    pthread_barrier_wait(&g_phase);        /* main releases the cache */
    pthread_barrier_wait(&g_phase);
    arena_destroy(arena_create(8 * KIB)); /* the next use: the front goes back first */
    g_after_recall = arena_cache_size();
    return NULL;
}

static void a_control_reaches_other_threads(void **state)
{
    (void)state;
    arena_cache_release();
    pthread_barrier_init(&g_phase, NULL, 2);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, hold_then_look, NULL), 0);
    pthread_barrier_wait(&g_phase);
    arena_cache_release(); /* the other front is recalled, not touched */
    pthread_barrier_wait(&g_phase);
    pthread_join(t, NULL);
    pthread_barrier_destroy(&g_phase);
    /* The recalled front's 32 KiB block went to the tier; the new 8 KiB
     * one is in the thread's fresh front, given back at its exit. */
    assert_true(g_after_recall >= 8 * KIB);
    size_t now = arena_cache_size();
    assert_true(now > 40 * KIB);
    arena_cache_release();
    assert_int_equal(arena_cache_size(), 0);
}

static void decay_now_sees_the_front(void **state)
{
    (void)state;
    arena_cache_release();
    size_t old = arena_cache_set_decay(0); /* keep nothing */
    arena_destroy(arena_create(16 * KIB));
    assert_int_equal(arena_cache_size(), 0);
    arena_cache_set_decay(old);
    arena_destroy(arena_create(16 * KIB));
    assert_true(arena_cache_size() > 0);
    (void)arena_cache_decay_now(); /* the front goes to the tier (not expired yet) */
    assert_true(arena_cache_size() > 0);
    arena_cache_release();
}

/* A program whose traffic the front serves still ages the cache: an
 * operation served without the lock purges, then gives back, what has
 * expired in the tiers (D1's "calls" run: a server with light traffic). */
static void front_served_operations_age_the_cache(void **state)
{
    (void)state;
    arena_cache_release();
    const size_t decay = (size_t)3600 * 1000; /* an hour: only the test's clock moves */
    size_t old = arena_cache_set_decay(decay);
    arena_destroy(arena_create(16 * KIB)); /* the front now holds a block */
    arena_t *big = arena_create(1024 * KIB);
    size_t big_bytes = arena_stats(big).backing;
    arena_destroy(big); /* over the front's size: to the resident tier */
    assert_int_equal(arena__cache_tier_bytes(ARENA__TIER_RESIDENT), big_bytes);
    for (int step = 0; step < 2; step++) {
        /* Before the decay time, a served operation changes nothing. */
        arena__cache_clock_advance(decay / 2);
        arena_destroy(arena_create(16 * KIB));
        assert_int_equal(arena__cache_tier_bytes(ARENA__TIER_RESIDENT), step == 0 ? big_bytes : 0);
        assert_int_equal(arena__cache_tier_bytes(ARENA__TIER_LAZY), step == 0 ? 0 : big_bytes);
        arena__cache_clock_advance(decay / 2);
        arena_destroy(arena_create(16 * KIB)); /* served by the front both ways */
        assert_int_equal(arena__cache_tier_bytes(ARENA__TIER_RESIDENT), 0);
        assert_int_equal(arena__cache_tier_bytes(ARENA__TIER_LAZY), step == 0 ? big_bytes : 0);
    }
    arena_cache_set_decay(old);
    arena_cache_release();
}

/* Both ways a front serves age the tiers: a block taken from it (above,
 * arena_create first) and a block given to it, alone. */
static void a_block_given_to_the_front_ages_the_cache(void **state)
{
    (void)state;
    arena_cache_release();
    const size_t decay = (size_t)3600 * 1000;
    size_t old = arena_cache_set_decay(decay);
    arena_t *small = arena_create(16 * KIB); /* its block will go to the front */
    arena_t *big = arena_create(1024 * KIB);
    size_t big_bytes = arena_stats(big).backing;
    arena_destroy(big); /* over the front's size: to the resident tier */
    assert_int_equal(arena__cache_tier_bytes(ARENA__TIER_RESIDENT), big_bytes);
    arena__cache_clock_advance(decay);
    arena_destroy(small); /* the only operation after the decay time: a put */
    assert_int_equal(arena__cache_tier_bytes(ARENA__TIER_RESIDENT), 0);
    assert_int_equal(arena__cache_tier_bytes(ARENA__TIER_LAZY), big_bytes);
    arena_cache_set_decay(old);
    arena_cache_release();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blocks_come_back_to_the_thread),
        cmocka_unit_test(only_small_blocks_and_a_few),
        cmocka_unit_test(the_caps_hold_with_fronts),
        cmocka_unit_test(a_thread_gives_its_front_back_at_exit),
        cmocka_unit_test(a_control_reaches_other_threads),
        cmocka_unit_test(decay_now_sees_the_front),
        cmocka_unit_test(front_served_operations_age_the_cache),
        cmocka_unit_test(a_block_given_to_the_front_ages_the_cache),
    };
    return cmocka_run_group_tests_name("cache_front", tests, NULL, NULL);
}
