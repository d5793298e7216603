/*
 * Cleanups: arena_defer and arena_undefer.  They run last-registered
 * first, exactly once, before any released byte is touched: all of them at
 * reset and destroy, those registered after the mark at restore (tested
 * over every interleaving of saves, registrations and arena_undefer in a
 * small grid).  A
 * failed registration changes nothing; a fixed arena in a caller's buffer
 * stays off the heap; a cleanup may use other arenas but only read its own.
 */
#include "test_util.h"

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* A log of cleanups that ran, in order. */
typedef struct {
    int ran[64];
    int n;
} log_t;
static log_t g_log;

typedef struct {
    int id;
    const unsigned char *probe; /* bytes in the arena that must still hold 0x5a */
    size_t probe_len;
} item_t;

static void note(void *arg)
{
    item_t *it = (item_t *)arg;
    for (size_t i = 0; i < it->probe_len; i++)
        if (it->probe[i] != 0x5a)
            fail_msg("cleanup %d ran after its memory was released (byte %zu is 0x%02x)", it->id, i,
                     it->probe[i]);
    assert_true(g_log.n < 64);
    g_log.ran[g_log.n++] = it->id;
}

/* Registers cleanup `id` whose argument and probe live in the arena. */
static item_t *defer_in(arena_t *a, int id)
{
    item_t *it = ARENA_NEW(a, item_t);
    assert_non_null(it);
    unsigned char *probe = arena_alloc(a, 32);
    assert_non_null(probe);
    memset(probe, 0x5a, 32);
    *it = (item_t){id, probe, 32};
    assert_int_equal(arena_defer(a, note, it), 0);
    return it;
}

static void expect_log(const int *want, int n)
{
    if (g_log.n != n)
        fail_msg("%d cleanups ran, expected %d", g_log.n, n);
    for (int i = 0; i < n; i++)
        if (g_log.ran[i] != want[i])
            fail_msg("cleanup #%d to run was %d, expected %d", i, g_log.ran[i], want[i]);
    g_log.n = 0;
}

static void lifo_at_reset_and_destroy(void **state)
{
    (void)state;
    arena_t *a = arena_create(256); /* small: records and probes span blocks */
    for (int i = 1; i <= 20; i++)
        defer_in(a, i);
    arena_reset(a);
    int want[20];
    for (int i = 0; i < 20; i++)
        want[i] = 20 - i;
    expect_log(want, 20);
    arena_reset(a); /* exactly once */
    expect_log(NULL, 0);
    for (int i = 1; i <= 5; i++)
        defer_in(a, i);
    arena_destroy(a);
    expect_log((int[]){5, 4, 3, 2, 1}, 5);
}

/* Every interleaving of 6 events, each a save or a registration; then a
 * restore to each mark in turn, newest first (then a reset): the cleanups
 * registered after each mark run, newest first, once. */
static void restore_runs_what_came_after_the_mark(void **state)
{
    (void)state;
    for (unsigned pattern = 0; pattern < 64; pattern++) {
        arena_t *a = arena_create(512);
        arena_mark_t marks[6];
        int nmarks = 0, id = 0;
        int after[6]; /* cleanups registered before mark i: ids 1..after[i] */
        for (int e = 0; e < 6; e++) {
            if (pattern & (1u << e)) {
                after[nmarks] = id;
                marks[nmarks++] = arena_save(a);
            } else {
                defer_in(a, ++id);
            }
        }
        int top = id;
        for (int m = nmarks - 1; m >= 0; m--) {
            arena_restore(a, marks[m]);
            int want[6], n = 0;
            for (int k = top; k > after[m]; k--)
                want[n++] = k;
            expect_log(want, n);
            top = after[m];
        }
        arena_reset(a);
        int want[6], n = 0;
        for (int k = top; k > 0; k--)
            want[n++] = k;
        expect_log(want, n);
        arena_destroy(a);
    }
}

/* The same with cleanups dropped (arena_undefer) in between, the newest
 * pending one or the oldest: every interleaving of 6 events of 4 kinds
 * (save, register, drop newest, drop oldest).  A restore runs exactly the
 * pending cleanups registered after its mark, newest first, whichever
 * records left the list around the marks. */
static void restore_after_cleanups_were_dropped(void **state)
{
    (void)state;
    for (unsigned pattern = 0; pattern < 4096; pattern++) {
        arena_t *a = arena_create(512);
        arena_mark_t marks[6];
        int at[6]; /* the number of ids registered when mark i was saved */
        int nmarks = 0, id = 0;
        item_t *items[7] = {NULL};
        int pending[7] = {0}; /* by id */
        for (int e = 0; e < 6; e++) {
            unsigned kind = (pattern >> (2 * e)) & 3;
            int newest = 0, oldest = 0;
            for (int k = 1; k <= id; k++)
                if (pending[k]) {
                    newest = k;
                    oldest = oldest ? oldest : k;
                }
            if (kind == 0) {
                at[nmarks] = id;
                marks[nmarks++] = arena_save(a);
            } else if (kind == 1) {
                id++;
                items[id] = defer_in(a, id);
                pending[id] = 1;
            } else if ((kind == 2 ? newest : oldest) != 0) {
                int k = kind == 2 ? newest : oldest;
                assert_int_equal(arena_undefer(a, note, items[k]), 0);
                pending[k] = 0;
            }
        }
        for (int m = nmarks - 1; m >= -1; m--) {
            if (m >= 0)
                arena_restore(a, marks[m]);
            else
                arena_reset(a);
            int want[7], n = 0;
            for (int k = id; k > (m >= 0 ? at[m] : 0); k--)
                if (pending[k]) {
                    want[n++] = k;
                    pending[k] = 0;
                }
            if (g_log.n != n)
                fail_msg("pattern %#x, %s: %d cleanups ran, expected %d", pattern,
                         m >= 0 ? "restore" : "reset", g_log.n, n);
            expect_log(want, n);
        }
        arena_destroy(a);
    }
}

static void failed_registration_changes_nothing(void **state)
{
    (void)state;
    static unsigned char buf[ARENA_BUFFER_OVERHEAD + 512];
    arena_testing_backing_t t = {0};
    arena_options_t o = {.buffer = buf,
                         .buffer_size = sizeof buf,
                         .flags = ARENA_FIXED,
                         .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    assert_non_null(a);
    /* Registrations until one does not fit: all of them in the buffer. */
    item_t it = {1, NULL, 0};
    int ok = 0;
    for (;;) {
        arena_stats_t before = arena_stats(a);
        errno = 0;
        if (arena_defer(a, note, &it) != 0) {
            assert_int_equal(errno, ENOMEM);
            assert_stats_equal(before, arena_stats(a));
            break;
        }
        ok++;
    }
    assert_true(ok > 3);
    assert_int_equal(t.requests, 0); /* the heap untouched */
    arena_destroy(a);
    assert_int_equal(g_log.n, ok); /* the refused one does not run */
    g_log.n = 0;
    assert_int_equal(t.requests, 0);
    finish_backing(&t);
}

static void undefer_drops_the_newest_match(void **state)
{
    (void)state;
    arena_t *a = arena_create(0);
    item_t x = {1, NULL, 0}, y = {2, NULL, 0};
    assert_int_equal(arena_defer(a, note, &x), 0);
    assert_int_equal(arena_defer(a, note, &y), 0);
    assert_int_equal(arena_defer(a, note, &x), 0);
    assert_int_equal(arena_undefer(a, note, &x), 0); /* the newest x only */
    errno = 0;
    assert_int_equal(arena_undefer(a, note, &(item_t){9, NULL, 0}), -1);
    assert_int_equal(errno, ENOENT);
    arena_reset(a);
    expect_log((int[]){2, 1}, 2);
    assert_int_equal(arena_undefer(a, note, &x), -1);
    arena_destroy(a);
}

static void bad_arguments(void **state)
{
    (void)state;
    arena_t *a = arena_create(0);
    errno = 0;
    assert_int_equal(arena_defer(NULL, note, NULL), -1);
    assert_int_equal(errno, EINVAL);
    errno = 0;
    assert_int_equal(arena_defer(a, NULL, NULL), -1);
    assert_int_equal(errno, EINVAL);
    errno = 0;
    assert_int_equal(arena_undefer(NULL, note, NULL), -1);
    assert_int_equal(errno, EINVAL);
    errno = 0;
    assert_int_equal(arena_undefer(a, NULL, NULL), -1);
    assert_int_equal(errno, EINVAL);
    arena_destroy(a);
}

/* A cleanup may use and destroy other arenas. */
static arena_t *g_other;
static void use_others(void *arg)
{
    arena_t *fresh = arena_create(0);
    assert_non_null(arena_alloc(fresh, 100));
    assert_non_null(arena_alloc(g_other, 100));
    arena_destroy(fresh);
    arena_destroy((arena_t *)arg);
}

static void cleanups_use_other_arenas(void **state)
{
    (void)state;
    arena_t *a = arena_create(0);
    g_other = arena_create(0);
    arena_t *doomed = arena_create(0);
    assert_int_equal(arena_defer(a, use_others, doomed), 0);
    arena_destroy(a);
    assert_int_equal(arena_stats(g_other).used >= 100, 1);
    arena_destroy(g_other);
}

/* A cleanup that reads its arena: fine.  One that changes it: refused
 * (release build) or stopped (debug build). */
typedef enum { READ, POP, ALLOC, GROW, DEFER, RESET, DESTROY } touch_t;
static char *g_last; /* the arena's newest allocation, 64 bytes */
static touch_t g_touch;
static int g_result;
static void touch_own(void *arg)
{
    arena_t *a = (arena_t *)arg;
    errno = 0;
    switch (g_touch) {
    case READ:
        g_result = arena_stats(a).blocks > 0 && arena_name(a) != NULL;
        break;
    case POP: /* giving memory back is allowed */
        g_result = arena_pop(a, g_last, 64) == 1;
        break;
    case GROW: /* a grow in place is an allocation */
        g_result = arena_realloc(a, g_last, 64, 128) == NULL && errno == EINVAL;
        break;
    case ALLOC:
        g_result = arena_alloc(a, 16) == NULL && errno == EINVAL;
        break;
    case DEFER:
        g_result = arena_defer(a, note, NULL) == -1 && errno == EINVAL;
        break;
    case RESET:
        arena_reset(a);
        g_result = 1;
        break;
    case DESTROY:
        arena_destroy(a);
        g_result = 1;
        break;
    }
}

static int run_touch(touch_t how)
{
    arena_t *a = arena_create(0);
    assert_int_equal(arena_defer(a, touch_own, a), 0);
    g_last = arena_alloc(a, 64);
    assert_non_null(g_last);
    g_touch = how;
    g_result = 0;
    arena_destroy(a);
    return g_result;
}

static void cleanups_only_read_their_arena(void **state)
{
    (void)state;
    assert_int_equal(run_touch(READ), 1);
    assert_int_equal(run_touch(POP), 1);
#ifdef NDEBUG
    assert_int_equal(run_touch(ALLOC), 1);
    assert_int_equal(run_touch(GROW), 1);
    assert_int_equal(run_touch(DEFER), 1);
    assert_int_equal(run_touch(RESET), 1); /* ignored: the destroy goes on */
    assert_int_equal(run_touch(DESTROY), 1);
#else
    for (touch_t how = ALLOC; how <= DESTROY; how++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            (void)freopen("/dev/null", "w", stderr);
            run_touch(how);
            _exit(0);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
            fail_msg("a cleanup that changes its own arena (case %d) was not stopped", how);
    }
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lifo_at_reset_and_destroy),
        cmocka_unit_test(restore_runs_what_came_after_the_mark),
        cmocka_unit_test(restore_after_cleanups_were_dropped),
        cmocka_unit_test(failed_registration_changes_nothing),
        cmocka_unit_test(undefer_drops_the_newest_match),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(cleanups_use_other_arenas),
        cmocka_unit_test(cleanups_only_read_their_arena),
    };
    return cmocka_run_group_tests_name("cleanups", tests, NULL, NULL);
}
