/*
 * Child arenas: they end with their parent (reset, destroy, restore to a
 * mark saved before them), in one LIFO with the parent's cleanups; an
 * early destroy unhooks them; their blocks come through the parent's
 * backing and count against the caps of every ancestor; a child of a fixed
 * arena in a caller's buffer lives in the parent's space; every child costs
 * its parent ARENA_CHILD_OVERHEAD bytes and takes its first block at its
 * first allocation; a parent that makes a child per request does not grow;
 * a child may live on another thread than its parent, and a parent that
 * ends while such a child is being destroyed waits for it.  Also names,
 * the report and on_limit.
 */
#include "test_util.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static char g_order[64];
static size_t g_n;

static void mark_char(void *arg)
{
    assert_true(g_n < sizeof g_order - 1);
    g_order[g_n++] = *(const char *)arg;
    g_order[g_n] = '\0';
}

static void count(void *arg)
{
    ++*(int *)arg;
}

static void defer_char(arena_t *a, const char *c)
{
    assert_int_equal(arena_defer(a, mark_char, (void *)c), 0);
}

static void ends_with_the_parent(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_options_t o = {.block_size = 1024, .backing = arena_testing_backing(&t)};
    for (int how = 0; how < 2; how++) {
        arena_t *p = arena_create_with(&o);
        arena_t *k = arena_create_child(p, NULL);
        assert_non_null(k);
        assert_ptr_equal(arena_parent(k), p);
        assert_null(arena_parent(p));
        assert_int_equal(t.blocks, 1); /* the child lives in p's space */
        assert_int_equal(arena_stats(k).capacity, 0);
        assert_non_null(arena_alloc(k, 100000)); /* a block of its own: from p's backing */
        assert_int_equal(t.blocks, 2);
        if (how == 0) {
            arena_reset(p);
            assert_int_equal(t.blocks, 1); /* only p's first block (and struct) */
            arena_destroy(p);
        } else {
            arena_destroy(p);
        }
        assert_int_equal(t.blocks, 0);
    }
    finish_backing(&t);
}

static void one_lifo_with_cleanups(void **state)
{
    (void)state;
    /* defer a; child K (with its own cleanups x, y); defer b; child L;
     * defer c: the parent's reset ends c, L, b, K (y, x), a. */
    arena_t *p = arena_create(0);
    defer_char(p, "a");
    arena_t *k = arena_create_child(p, &(arena_options_t){.name = "K"});
    defer_char(k, "x");
    defer_char(k, "y");
    defer_char(p, "b");
    arena_t *l = arena_create_child(p, NULL);
    defer_char(l, "L");
    defer_char(p, "c");
    g_n = 0;
    arena_reset(p);
    assert_string_equal(g_order, "cLbyxa");
    arena_destroy(p);
}

static void restore_ends_children_made_after_the_mark(void **state)
{
    (void)state;
    arena_t *p = arena_create(0);
    arena_t *early = arena_create_child(p, NULL);
    defer_char(early, "E");
    arena_mark_t m = arena_save(p);
    arena_t *late = arena_create_child(p, NULL);
    defer_char(late, "L");
    arena_t *late2 = arena_create_child(p, NULL);
    defer_char(late2, "M");
    g_n = 0;
    arena_restore(p, m);
    assert_string_equal(g_order, "ML");
    assert_non_null(arena_alloc(early, 10)); /* still alive */
    g_n = 0;
    arena_destroy(p);
    assert_string_equal(g_order, "E");
}

static void early_destroy_unhooks(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_options_t o = {.backing = arena_testing_backing(&t)};
    arena_t *p = arena_create_with(&o);
    arena_t *k1 = arena_create_child(p, NULL);
    arena_t *k2 = arena_create_child(p, NULL);
    arena_t *k3 = arena_create_child(p, NULL);
    defer_char(k1, "1");
    defer_char(k2, "2");
    defer_char(k3, "3");
    g_n = 0;
    arena_destroy(k2); /* from the middle */
    arena_destroy(k3); /* the newest */
    assert_string_equal(g_order, "23");
    g_n = 0;
    arena_destroy(p);
    assert_string_equal(g_order, "1"); /* nothing ends twice */
    assert_int_equal(t.blocks, 0);
    finish_backing(&t);
}

static void a_child_per_request_does_not_grow_the_parent(void **state)
{
    (void)state;
    arena_t *p = arena_create(4096);
    assert_non_null(arena_alloc(p, 10));
    arena_t *k = arena_create_child(p, NULL);
    arena_destroy(k);
    size_t used = arena_stats(p).used;
    int ran = 0;
    for (int i = 0; i < 10000; i++) {
        k = arena_create_child(p, NULL);
        assert_non_null(k);
        assert_non_null(arena_alloc(k, 1000));
        assert_int_equal(arena_defer(k, count, &ran), 0);
        arena_destroy(k);
    }
    assert_int_equal(ran, 10000);
    assert_int_equal(arena_stats(p).used, used);
    arena_destroy(p);
}

static void a_child_costs_its_parent_the_overhead(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_t *p = arena_create_with(&(arena_options_t){.backing = arena_testing_backing(&t)});
    for (size_t skew = 0; skew < ARENA_DEFAULT_ALIGNMENT; skew++) {
        arena_mark_t m = arena_save(p);
        assert_non_null(arena_alloc_aligned(p, skew, 1));
        size_t used = arena_stats(p).used;
        size_t pad = (ARENA_DEFAULT_ALIGNMENT - skew) % ARENA_DEFAULT_ALIGNMENT;
        size_t requests = t.requests;
        arena_t *k = arena_create_child(p, &(arena_options_t){.block_size = 3000});
        assert_non_null(k);
        /* The unit, at the default alignment; nothing from the backing. */
        assert_int_equal(arena_stats(p).used, used + pad + ARENA_CHILD_OVERHEAD);
        assert_int_equal(t.requests, requests);
        assert_true((unsigned char *)k
                    > (unsigned char *)arena_alloc_aligned(p, 0, 1) - ARENA_CHILD_OVERHEAD);
        arena_stats_t s = arena_stats(k);
        assert_int_equal(s.capacity, 0);
        assert_int_equal(s.used, 0);
        assert_int_equal(s.backing, 0);
        /* Its first block: block_size (rounded), at its first allocation. */
        assert_non_null(arena_alloc(k, 1));
        assert_int_equal(t.requests, requests + 1);
        assert_int_equal(arena_stats(k).capacity, 3008);
        assert_consistent(k);
        arena_restore(p, m); /* ends k, gives the block back */
        assert_int_equal(t.requests, requests + 1);
        assert_int_equal(t.blocks, 1);
    }
    /* A dead unit deeper in the list than the head stays until the parent's
     * memory is released: the next child takes a unit of its own. */
    arena_t *k = arena_create_child(p, NULL);
    assert_int_equal(arena_defer(p, count, &(int){0}), 0);
    arena_destroy(k);
    size_t used = arena_stats(p).used;
    uintptr_t pos = (uintptr_t)arena_alloc_aligned(p, 0, 1);
    size_t pad = (size_t)(-pos & (ARENA_DEFAULT_ALIGNMENT - 1)); /* after the record */
    k = arena_create_child(p, NULL);
    assert_int_equal(arena_stats(p).used, used + pad + ARENA_CHILD_OVERHEAD);
    arena_destroy(k);
    arena_destroy(p);
    finish_backing(&t);
}

/* A mark saved while a dead child's unit headed the list sealed it: the
 * next child comes after that mark, so it takes a unit of its own, and a
 * restore to the mark ends it. */
static void a_child_after_a_mark_ends_at_its_restore(void **state)
{
    (void)state;
    arena_t *p = arena_create(0);
    arena_t *k = arena_create_child(p, NULL);
    arena_destroy(k); /* its unit heads the list, dead */
    arena_mark_t m = arena_save(p);
    size_t used = arena_stats(p).used;
    k = arena_create_child(p, NULL);
    assert_int_equal(arena_stats(p).used, used + ARENA_CHILD_OVERHEAD);
    defer_char(k, "K");
    arena_destroy(arena_create_child(p, NULL)); /* dead again, unsealed: */
    used = arena_stats(p).used;
    arena_t *l = arena_create_child(p, NULL); /* reused */
    assert_int_equal(arena_stats(p).used, used);
    defer_char(l, "L");
    g_n = 0;
    arena_restore(p, m);
    assert_string_equal(g_order, "LK");
    arena_destroy(p);
}

static void a_fixed_child_takes_one_block(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    arena_t *p = arena_create_with(&(arena_options_t){.backing = arena_testing_backing(&t)});
    arena_t *k =
        arena_create_child(p, &(arena_options_t){.block_size = 1024, .flags = ARENA_FIXED});
    assert_int_equal(arena_stats(k).capacity, 0);
    assert_non_null(arena_alloc(k, 100));
    assert_int_equal(arena_stats(k).capacity, 1024);
    size_t requests = t.requests;
    arena_stats_t before = arena_stats(k);
    assert_fails(arena_alloc(k, 2000), ENOMEM); /* fixed from now on */
    assert_stats_equal(before, arena_stats(k));
    arena_reset(k);
    assert_non_null(arena_alloc(k, 1000)); /* the same block again */
    assert_int_equal(t.requests, requests);
    assert_fails(arena_alloc(k, 100), ENOMEM);
    arena_destroy(p);
    finish_backing(&t);
}

static void caps_count_the_whole_hierarchy(void **state)
{
    (void)state;
    arena_testing_backing_t t = {0};
    size_t cap = 256 * 1024;
    arena_options_t o = {.block_size = 4096, .max_size = cap, .backing = arena_testing_backing(&t)};
    arena_t *p = arena_create_with(&o);
    size_t own = arena_stats(p).backing;
    arena_t *k = arena_create_child(p, &(arena_options_t){.block_size = 4096});
    arena_t *g = arena_create_child(k, &(arena_options_t){.block_size = 4096});
    assert_non_null(g);
    /* The grandchild fills what the root's cap allows, and no more. */
    size_t got = 0;
    while (arena_alloc(g, 8192) != NULL)
        got += 8192;
    assert_int_equal(errno, ENOMEM);
    assert_true(got > cap / 2);
    assert_true(t.outstanding <= cap);
    assert_int_equal(arena_stats(p).backing, own); /* the parent counts its own blocks */
    /* What the grandchild gives back, the others may take. */
    arena_destroy(g);
    assert_non_null(arena_alloc(k, 100000));
    assert_fails(arena_alloc(p, cap), ENOMEM);
    arena_destroy(p);
    assert_int_equal(t.blocks, 0);
    finish_backing(&t);
    /* A child's first block comes with its first allocation: one that the
     * caps refuse is ENOMEM and leaves nothing behind; a smaller one gets
     * the last block the cap allows. */
    arena_testing_backing_t u = {0};
    arena_options_t small = {
        .block_size = 1024, .max_size = 8192, .backing = arena_testing_backing(&u)};
    arena_t *q = arena_create_with(&small);
    arena_t *big = arena_create_child(q, &(arena_options_t){.block_size = 16384});
    assert_non_null(big);
    size_t out = u.outstanding;
    assert_fails(arena_alloc(big, 16384), ENOMEM);
    assert_int_equal(u.outstanding, out);
    assert_int_equal(arena_stats(big).capacity, 0);
    assert_non_null(arena_alloc(big, 4096));
    assert_true(arena_stats(big).capacity < 8192);
    assert_true(u.outstanding <= 8192);
    /* A child whose first block can never fit under its own cap: ENOMEM at
     * creation, the parent as it was. */
    size_t used = arena_stats(q).used;
    assert_fails(arena_create_child(q, &(arena_options_t){.block_size = 16384, .max_size = 8192}),
                 ENOMEM);
    assert_int_equal(arena_stats(q).used, used);
    arena_destroy(q);
    finish_backing(&u);
}

static void child_of_a_fixed_buffer_stays_in_it(void **state)
{
    (void)state;
    static unsigned char buf[ARENA_BUFFER_OVERHEAD + 65536];
    arena_testing_backing_t t = {0};
    arena_options_t o = {.buffer = buf,
                         .buffer_size = sizeof buf,
                         .flags = ARENA_FIXED,
                         .backing = arena_testing_backing(&t)};
    arena_t *p = arena_create_with(&o);
    arena_t *k = arena_create_child(p, &(arena_options_t){.block_size = 4096});
    assert_non_null(k);
    assert_true((unsigned char *)k >= buf && (unsigned char *)k < buf + sizeof buf);
    char *x = arena_alloc(k, 4000);
    assert_non_null(x);
    assert_true((unsigned char *)x > buf && (unsigned char *)x < buf + sizeof buf);
    assert_fails(arena_alloc(k, 200), ENOMEM); /* fixed like its parent */
    size_t used = arena_stats(p).used;
    arena_destroy(k); /* the newest: its space goes back */
    assert_true(arena_stats(p).used < used);
    for (int i = 0; i < 100; i++)
        arena_destroy(arena_create_child(p, &(arena_options_t){.block_size = 4096}));
    arena_destroy(p);
    assert_int_equal(t.requests, 0);
    finish_backing(&t);
}

static void bad_options(void **state)
{
    (void)state;
    arena_t *p = arena_create(0);
    static char buf[2048];
    assert_fails(arena_create_child(NULL, NULL), EINVAL);
    arena_options_t with_buffer = {.buffer = buf, .buffer_size = sizeof buf};
    assert_fails(arena_create_child(p, &with_buffer), EINVAL);
    arena_testing_backing_t t = {0};
    assert_fails(arena_create_child(p, &(arena_options_t){.backing = arena_testing_backing(&t)}),
                 EINVAL);
    assert_fails(arena_create_child(p, &(arena_options_t){.flags = 0x80}), EINVAL);
    arena_destroy(p);
    finish_backing(&t);
}

typedef struct {
    char lines[8][160];
    int n;
} sink_t;

static void collect(const char *line, void *arg)
{
    sink_t *s = (sink_t *)arg;
    assert_true(s->n < 8);
    assert_true(strlen(line) < sizeof s->lines[0]);
    strcpy(s->lines[s->n++], line);
}

static void names_and_report(void **state)
{
    (void)state;
    arena_t *p = arena_create_with(&(arena_options_t){.name = "connection", .block_size = 1024});
    assert_string_equal(arena_name(p), "connection");
    arena_t *k = arena_create_child(
        p, &(arena_options_t){.name = "request-with-a-name-longer-than-thirty-one-bytes"});
    assert_int_equal(strlen(arena_name(k)), ARENA_NAME_MAX);
    assert_int_equal(strncmp(arena_name(k), "request-with-a-name-longer-than", ARENA_NAME_MAX), 0);
    arena_t *g = arena_create_child(k, NULL);
    assert_string_equal(arena_name(g), "");
    assert_null(arena_name(NULL));
    defer_char(k, "z");
    defer_char(k, "y");
    assert_non_null(arena_alloc(g, 100));
    assert_non_null(arena_alloc(p, 1000));
    assert_non_null(arena_alloc(p, 1000)); /* a second block: 1000-odd bytes lost behind */

    arena_stats_t before = arena_stats(p);
    sink_t sink = {.n = 0};
    arena_report(p, collect, &sink);
    assert_stats_equal(before, arena_stats(p)); /* reads only */
    assert_int_equal(sink.n, 3);
    arena_stats_t sp = arena_stats(p), sg = arena_stats(g);
    char want[160];
    snprintf(want, sizeof want, "connection: used %zu, capacity %zu, peak %zu, blocks %zu, lost ",
             sp.used, sp.capacity, sp.peak, sp.blocks);
    if (strncmp(sink.lines[0], want, strlen(want)) != 0)
        fail_msg("report line 0: \"%s\", want it to start \"%s\"", sink.lines[0], want);
    assert_non_null(strstr(sink.lines[0], ", cleanups 0"));
    assert_null(strstr(sink.lines[0], "lost 0,")); /* the first block was left with room */
    assert_int_equal(strncmp(sink.lines[1], "  request-with-a-name-longer-than:", 34), 0);
    assert_non_null(strstr(sink.lines[1], ", cleanups 2"));
    snprintf(want, sizeof want, "    (unnamed): used %zu, capacity %zu,", sg.used, sg.capacity);
    assert_int_equal(strncmp(sink.lines[2], want, strlen(want)), 0);
    arena_report(NULL, collect, &sink); /* nothing */
    arena_report(g, NULL, NULL);        /* to stderr */
    assert_int_equal(sink.n, 3);
    g_n = 0;
    arena_destroy(p);
    assert_string_equal(g_order, "yz");
}

/* ---- ancestors while a child ends ----------------------------------------- */

static arena_t *g_parent;
static int g_pinned_result;
static void use_parent(void *arg)
{
    int reset = arg != NULL;
    errno = 0;
    if (reset) {
        arena_reset(g_parent); /* refused: the parent is pinned */
        g_pinned_result = 1;
    } else {
        /* Allocation goes on: the parent may belong to another thread. */
        g_pinned_result = arena_alloc(g_parent, 32) != NULL;
    }
}

static void ancestors_are_pinned_not_closed(void **state)
{
    (void)state;
    g_parent = arena_create(0);
    arena_t *k = arena_create_child(g_parent, NULL);
    assert_int_equal(arena_defer(k, use_parent, NULL), 0);
    arena_destroy(k);
    assert_int_equal(g_pinned_result, 1);
#ifdef NDEBUG
    size_t used = arena_stats(g_parent).used;
    k = arena_create_child(g_parent, NULL);
    assert_int_equal(arena_defer(k, use_parent, (void *)1), 0);
    arena_destroy(k);
    assert_int_equal(arena_stats(g_parent).used >= used, 1); /* the reset was ignored */
#endif
    arena_destroy(g_parent);
}

/* ---- on_limit ------------------------------------------------------------- */

typedef struct {
    int calls;
    size_t wanted;
    void *give_back; /* popped by the callback */
    size_t give_size;
    int answer;
    int tried_alloc;
} limit_t;

static int on_limit(arena_t *a, size_t wanted, void *user)
{
    limit_t *l = (limit_t *)user;
    l->calls++;
    l->wanted = wanted;
    if (l->tried_alloc) {
        errno = 0;
        l->tried_alloc = arena_alloc(a, 8) == NULL && errno == EINVAL ? 2 : 3;
    }
    if (l->give_back != NULL) {
        (void)arena_pop(a, l->give_back, l->give_size);
        l->give_back = NULL;
    }
    return l->answer;
}

static void on_limit_sheds_and_retries(void **state)
{
    (void)state;
    limit_t l = {0};
    arena_options_t o = {
        .block_size = 4096, .max_size = 4096 + 1024, .on_limit = on_limit, .on_limit_user = &l};
    arena_t *a = arena_create_with(&o);
    /* Refused, callback says no: ENOMEM after one call with the bytes wanted. */
    void *big = arena_alloc(a, 3000);
    assert_non_null(big);
    assert_fails(arena_alloc(a, 2000), ENOMEM);
    assert_int_equal(l.calls, 1);
    assert_int_equal(l.wanted, 2000);
    /* The callback gives the newest allocation back and asks for a retry. */
    l.give_back = big;
    l.give_size = 3000;
    l.answer = 1;
    void *p = arena_alloc(a, 2000);
    assert_non_null(p);
    assert_int_equal(l.calls, 2);
    /* It retries once only. */
    l.answer = 1;
    assert_fails(arena_alloc(a, 4000), ENOMEM);
    assert_int_equal(l.calls, 3);
    arena_destroy(a);
}

static void on_limit_may_not_allocate(void **state)
{
    (void)state;
#ifdef NDEBUG
    limit_t l = {.tried_alloc = 1};
    arena_options_t o = {
        .block_size = 1024, .max_size = 2048, .on_limit = on_limit, .on_limit_user = &l};
    arena_t *a = arena_create_with(&o);
    assert_fails(arena_alloc(a, 4000), ENOMEM);
    assert_int_equal(l.tried_alloc, 2);  /* refused with EINVAL */
    assert_non_null(arena_alloc(a, 16)); /* open again after */
    arena_destroy(a);
#else
    skip(); /* a debug build stops the program: see tests/hardening */
#endif
}

/* ---- threads --------------------------------------------------------------- */

static void *use_and_destroy(void *arg)
{
    arena_t *k = (arena_t *)arg;
    for (int i = 0; i < 1000; i++)
        assert_non_null(arena_alloc(k, 64 + (size_t)i));
    arena_reset(k);
    arena_t *g = arena_create_child(k, NULL); /* k's owner may make children */
    assert_non_null(arena_alloc(g, 5000));
    arena_destroy(k);
    return NULL;
}

static void children_live_on_other_threads(void **state)
{
    (void)state;
    size_t cap = 64 << 20;
    arena_t *p = arena_create_with(&(arena_options_t){.max_size = cap});
    arena_t *k[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        k[i] = arena_create_child(p, NULL);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, use_and_destroy, k[i]), 0);
    for (int i = 0; i < 20000; i++) /* the parent's owner goes on meanwhile */
        assert_non_null(arena_alloc(p, 32));
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_consistent(p);
    arena_destroy(p);
}

/* A backing whose release, on the child's thread, takes a while: the
 * parent's reset meanwhile must wait for the child's destroy to finish
 * before it releases the memory the child lives in. */
static atomic_int g_in_release, g_released;

static void *slow_alloc(void *user, size_t size)
{
    (void)user;
    return malloc(size);
}

static void slow_release(void *user, void *p, size_t size)
{
    (void)user, (void)size;
    atomic_store(&g_in_release, 1);
    nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    free(p);
    atomic_store(&g_released, 1);
}

static void *destroy_child(void *arg)
{
    arena_destroy((arena_t *)arg);
    return NULL;
}

static void a_parent_waits_for_a_child_ending_elsewhere(void **state)
{
    (void)state;
    arena_backing_t slow = {slow_alloc, slow_release, NULL};
    arena_t *p = arena_create_with(&(arena_options_t){.block_size = 4096, .backing = slow});
    arena_t *k = arena_create_child(p, NULL);
    memset(arena_alloc(k, 100), 1, 100); /* a block: its release is slow */
    atomic_store(&g_in_release, 0);
    atomic_store(&g_released, 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, destroy_child, k), 0);
    while (!atomic_load(&g_in_release))
        sched_yield();
    arena_reset(p); /* k is ending on t: its unit must outlive that */
    assert_true(atomic_load(&g_released));
    memset(arena_alloc(p, 4000), 2, 4000); /* the unit's memory, reused */
    pthread_join(t, NULL);
    assert_consistent(p);
    arena_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ends_with_the_parent),
        cmocka_unit_test(one_lifo_with_cleanups),
        cmocka_unit_test(restore_ends_children_made_after_the_mark),
        cmocka_unit_test(early_destroy_unhooks),
        cmocka_unit_test(a_child_per_request_does_not_grow_the_parent),
        cmocka_unit_test(a_child_costs_its_parent_the_overhead),
        cmocka_unit_test(a_child_after_a_mark_ends_at_its_restore),
        cmocka_unit_test(a_fixed_child_takes_one_block),
        cmocka_unit_test(caps_count_the_whole_hierarchy),
        cmocka_unit_test(child_of_a_fixed_buffer_stays_in_it),
        cmocka_unit_test(bad_options),
        cmocka_unit_test(names_and_report),
        cmocka_unit_test(ancestors_are_pinned_not_closed),
        cmocka_unit_test(on_limit_sheds_and_retries),
        cmocka_unit_test(on_limit_may_not_allocate),
        cmocka_unit_test(children_live_on_other_threads),
        cmocka_unit_test(a_parent_waits_for_a_child_ending_elsewhere),
    };
    return cmocka_run_group_tests_name("children", tests, NULL, NULL);
}
