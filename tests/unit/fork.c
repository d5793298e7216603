/*
 * fork(): a child can use the library at once, whatever other threads of
 * the parent were doing with it at the moment of the fork.  Threads churn
 * through arena creation and destruction (the block cache's lock is taken
 * several times per arena) while the main thread forks; every child must
 * create, use and destroy arenas and exit within a few seconds.
 */
#include "test_util.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static atomic_int g_stop;

static void *churn(void *arg)
{
    uint64_t seed = (uintptr_t)arg;
    while (!atomic_load(&g_stop)) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        size_t size = (size_t)1024 << (seed >> 60) % 8; /* 1 KiB .. 128 KiB */
        arena_t *a = arena_create(size);
        if (a != NULL) {
            (void)arena_alloc(a, size * 2); /* a second block */
            (void)arena_alloc_thread_safe(a, 64, 16);
            arena_destroy(a);
        }
    }
    return NULL;
}

static int child(void)
{
    alarm(10); /* a hang ends as SIGALRM */
    for (int i = 0; i < 8; i++) {
        arena_t *a = arena_create((size_t)4096 << i);
        if (a == NULL || arena_alloc(a, (size_t)8192 << i) == NULL)
            return 3;
        arena_destroy(a);
    }
    arena_cache_release();
    return 0;
}

static void children_use_the_library_after_fork(void **state)
{
    (void)state;
    int forks = getenv("ARENA_UNDER_VALGRIND") ? 20 : 100;
    pthread_t t[2];
    atomic_store(&g_stop, 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)(i + 1)), 0);
    int hung = 0, failed = 0;
    for (int i = 0; i < forks; i++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            _exit(child());
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
            hung++;
        else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed++;
    }
    atomic_store(&g_stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    if (hung != 0 || failed != 0)
        fail_msg("%d of %d children hung in the library, %d failed", hung, forks, failed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(children_use_the_library_after_fork),
    };
    return cmocka_run_group_tests_name("fork", tests, NULL, NULL);
}
