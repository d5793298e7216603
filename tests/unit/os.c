/*
 * White-box: the OS seam (src/os.h), each function on its own.  The rest of
 * the library reaches the system only through these, so their promises are
 * tested here rather than through their users: errno untouched, once means
 * once, thread-exit hooks run at the exit of each thread that asked, the
 * clock does not go back, advice on memory that is not a whole page is a
 * no-op.
 */
#include "test_util.h"

#include "os.h"

#include <pthread.h>
#include <stdatomic.h>

static void page_sizes(void **state)
{
    (void)state;
    size_t page = arena__os_page_size();
    assert_true(page >= 4096 && (page & (page - 1)) == 0);
    size_t huge = arena__os_huge_page_size();
    assert_true(huge == 0 || (huge > page && (huge & (huge - 1)) == 0));
}

static void advice_keeps_errno(void **state)
{
    (void)state;
    size_t page = arena__os_page_size();
    unsigned char *p = aligned_alloc(page, 8 * page);
    assert_non_null(p);
    memset(p, 1, 8 * page);
    errno = 777;
    arena__os_advise_huge(p, 8 * page);
    assert_int_equal(errno, 777);
    assert_true(arena__os_purge(p + 1, page - 2, true)); /* no whole page: nothing to do */
    assert_true(arena__os_purge(p, 8 * page, false));
    assert_int_equal(p[0], 0); /* given back: zero on the next touch */
    memset(p, 1, 8 * page);
    (void)arena__os_purge(p, 8 * page, true);
    assert_int_equal(errno, 777);
    free(p);
}

static void locks_and_once(void **state)
{
    (void)state;
    arena__os_lock_t l;
    arena__os_lock_init(&l);
    arena__os_lock(&l);
    arena__os_unlock(&l);
    arena__os_lock_destroy(&l);
}

static atomic_int g_once_runs;
static void once_fn(void)
{
    atomic_fetch_add(&g_once_runs, 1);
}
static arena__os_once_t g_once = ARENA__OS_ONCE_INIT;
static void *call_once(void *arg)
{
    (void)arg;
    arena__os_once(&g_once, once_fn);
    return NULL;
}

static void once_runs_once(void **state)
{
    (void)state;
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, call_once, NULL), 0);
    call_once(NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&g_once_runs), 1);
}

static atomic_int g_exit_a, g_exit_b;
static void on_exit_a(void)
{
    atomic_fetch_add(&g_exit_a, 1);
}
static void on_exit_b(void)
{
    atomic_fetch_add(&g_exit_b, 1);
}
static void *register_exit(void *arg)
{
    int both = arg != NULL;
    assert_true(arena__os_at_thread_exit(on_exit_a));
    assert_true(arena__os_at_thread_exit(on_exit_a)); /* twice: still once */
    if (both)
        assert_true(arena__os_at_thread_exit(on_exit_b));
    return NULL;
}

static void thread_exit_hooks(void **state)
{
    (void)state;
    errno = 55;
    for (int i = 0; i < 6; i++) {
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, register_exit, i % 2 ? (void *)1 : NULL), 0);
        pthread_join(t, NULL);
    }
    assert_int_equal(atomic_load(&g_exit_a), 6);
    assert_int_equal(atomic_load(&g_exit_b), 3);
    assert_int_equal(errno, 55);
}

static void clock_and_environment(void **state)
{
    (void)state;
    uint64_t t0 = arena__os_now_ms();
    for (int i = 0; i < 1000; i++) {
        uint64_t t = arena__os_now_ms();
        assert_true(t >= t0);
        t0 = t;
    }
    setenv("ARENA_TEST_OS_VAR", "42", 1);
    assert_string_equal(arena__os_getenv("ARENA_TEST_OS_VAR"), "42");
    assert_null(arena__os_getenv("ARENA_TEST_OS_UNSET_VAR"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(page_sizes),        cmocka_unit_test(advice_keeps_errno),
        cmocka_unit_test(locks_and_once),    cmocka_unit_test(once_runs_once),
        cmocka_unit_test(thread_exit_hooks), cmocka_unit_test(clock_and_environment),
    };
    return cmocka_run_group_tests_name("os", tests, NULL, NULL);
}
