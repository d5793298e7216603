/*
 * os_check.c -- white-box, self-checking: the OS seam (src/os.h) of the
 * platform it is built for (os_posix.c or os_win32.c), each function on its
 * own, as tests/unit/os.c does where cmocka is packaged.  Page sizes are
 * powers of two; advice on less than a whole page does nothing and
 * succeeds; purged memory can be written and read again with no call in
 * between; no function moves errno; a lock excludes; once runs once however
 * many threads race for it; a thread-exit hook runs at the exit of each
 * thread that asked, once however often it asked, and a hook that asks
 * again from inside a hook runs again; the clock never goes back; getenv
 * sees the environment.
 */
#include "os.h"

#include "check.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static void pages(void)
{
    size_t page = arena__os_page_size();
    CHECK(page >= 4096 && (page & (page - 1)) == 0);
    size_t huge = arena__os_huge_page_size();
    CHECK(huge == 0 || (huge > page && (huge & (huge - 1)) == 0));

    size_t n = 9 * page;
    unsigned char *p = malloc(n);
    if (!CHECK(p != NULL))
        return;
    memset(p, 1, n);
    errno = 777;
    arena__os_advise_huge(p, n);
    CHECK(arena__os_purge(p + 1, page - 2, true)); /* no whole page: nothing to do */
    CHECK(arena__os_purge(p + 1, page - 2, false));
    CHECK_EQ(p[1], 1);
    CHECK(arena__os_purge(p, n, false));
    memset(p, 2, n); /* purged pages take writes with no call in between */
    CHECK_EQ(p[n / 2], 2);
    (void)arena__os_purge(p, n, true); /* lazy: the system may refuse */
    memset(p, 3, n);
    CHECK_EQ(p[n - 1], 3);
    CHECK_EQ(errno, 777);
    free(p);
}

static arena__os_lock_t g_lock = ARENA__OS_LOCK_INIT;
static long g_counter;
static atomic_int g_once_runs;
static arena__os_once_t g_once = ARENA__OS_ONCE_INIT;

static void once_fn(void)
{
    atomic_fetch_add(&g_once_runs, 1);
}

static void *contend(void *arg)
{
    (void)arg;
    arena__os_once(&g_once, once_fn);
    for (int i = 0; i < 20000; i++) {
        arena__os_lock(&g_lock);
        g_counter++; /* a plain increment: only the lock keeps it exact */
        arena__os_unlock(&g_lock);
    }
    return NULL;
}

static void locks_and_once(void)
{
    arena__os_lock_t l;
    arena__os_lock_init(&l);
    arena__os_lock(&l);
    arena__os_unlock(&l);
    arena__os_lock_destroy(&l);

    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, contend, NULL), 0);
    contend(NULL);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(pthread_join(t[i], NULL), 0);
    CHECK_EQ(g_counter, 5 * 20000);
    CHECK_EQ(atomic_load(&g_once_runs), 1);
}

static atomic_int g_exit_a, g_exit_b, g_exit_again;

static void on_exit_b(void)
{
    atomic_fetch_add(&g_exit_b, 1);
}

static void on_exit_again(void)
{
    atomic_fetch_add(&g_exit_again, 1);
}

static void on_exit_a(void)
{
    atomic_fetch_add(&g_exit_a, 1);
    /* A hook's cleanup that needs one more: it runs in a later round. */
    (void)arena__os_at_thread_exit(on_exit_again);
}

static void *register_exit(void *arg)
{
    errno = 55;
    CHECK(arena__os_at_thread_exit(on_exit_a));
    CHECK(arena__os_at_thread_exit(on_exit_a)); /* twice: still once */
    if (arg != NULL)
        CHECK(arena__os_at_thread_exit(on_exit_b));
    CHECK_EQ(errno, 55);
    return NULL;
}

static void thread_exit_hooks(void)
{
    for (int i = 0; i < 6; i++) {
        pthread_t t;
        CHECK_EQ(pthread_create(&t, NULL, register_exit, i % 2 ? &g_exit_b : NULL), 0);
        CHECK_EQ(pthread_join(t, NULL), 0);
    }
    CHECK_EQ(atomic_load(&g_exit_a), 6);
    CHECK_EQ(atomic_load(&g_exit_b), 3);
    CHECK_EQ(atomic_load(&g_exit_again), 6);
}

static void clock_and_environment(void)
{
    uint64_t t0 = arena__os_now_ms(), back = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t t = arena__os_now_ms();
        back += t < t0;
        t0 = t;
    }
    CHECK_EQ(back, 0); /* reads that went back in time */
#if defined(_WIN32)
    CHECK_EQ(_putenv_s("ARENA_TEST_OS_VAR", "42"), 0);
#else
    CHECK_EQ(setenv("ARENA_TEST_OS_VAR", "42", 1), 0);
#endif
    errno = 9;
    const char *v = arena__os_getenv("ARENA_TEST_OS_VAR");
    CHECK(v != NULL && strcmp(v, "42") == 0);
    CHECK(arena__os_getenv("ARENA_TEST_OS_UNSET_VAR") == NULL);
    CHECK_EQ(errno, 9);
}

int main(void)
{
    pages();
    locks_and_once();
    thread_exit_hooks();
    clock_and_environment();
    return check_done("os");
}
