/*
 * The debug build's record of valid marks: every restore to a stale mark
 * stops the program, however many marks were saved, in a growable arena;
 * in a fixed arena in a caller's buffer (which never touches the heap) the
 * window of ARENA_DEBUG_MARK_WINDOW marks catches what the header says.
 * Each stale restore runs in a child process, which must abort with the
 * message; a valid restore must not.  Release builds keep no record: the
 * suite is skipped there.
 */
#include "test_util.h"

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define STALE_TEXT "invalidated by an earlier arena_restore"

/* Restores m in a child; returns 1 if it aborted with the stale message,
 * 0 if it returned normally, -1 otherwise. */
static int restore_in_child(arena_t *a, arena_mark_t m)
{
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        arena_restore(a, m);
        arena_destroy(a); /* no leak report from a child under memcheck */
        _exit(0);
    }
    close(fd[1]);
    char buf[512];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof buf - 1 && (r = read(fd[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = '\0';
    close(fd[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT && strstr(buf, STALE_TEXT) != NULL)
        return 1;
    fprintf(stderr, "child said: %s\n", buf);
    return -1;
}

static int debug_build(void **state)
{
    (void)state;
#ifdef NDEBUG
    skip();
    return 0;
#else
    return 1;
#endif
}

/* The reported case: 20 marks, restore the 3rd, allocate a live object,
 * restore the 4th (stale since the first restore). */
static void reported_case(arena_t *a)
{
    arena_mark_t m[20];
    for (int i = 0; i < 20; i++) {
        m[i] = arena_save(a);
        assert_non_null(arena_alloc(a, 24));
    }
    arena_restore(a, m[2]);
    unsigned char *live = arena_alloc(a, 64);
    assert_non_null(live);
    memset(live, 0x11, 64);
    assert_int_equal(restore_in_child(a, m[3]), 1);
}

static void reported_case_growable(void **state)
{
    if (!debug_build(state))
        return;
    arena_t *a = arena_create(4096);
    reported_case(a);
    arena_destroy(a);
}

static void reported_case_fixed_buffer(void **state)
{
    if (!debug_build(state))
        return;
    static unsigned char buf[ARENA_BUFFER_OVERHEAD + 8192];
    arena_options_t o = {.buffer = buf, .buffer_size = sizeof buf, .flags = ARENA_FIXED};
    arena_t *a = arena_create_with(&o);
    reported_case(a);
    arena_destroy(a);
}

/* Hundreds of marks in a growable arena: after a restore to the 100th,
 * every later one is caught, every earlier one is still good. */
static void hundreds_of_marks(void **state)
{
    if (!debug_build(state))
        return;
    enum { N = 300, R = 100 };
    arena_t *a = arena_create(1024);
    static arena_mark_t m[N];
    for (int i = 0; i < N; i++) {
        m[i] = arena_save(a);
        assert_non_null(arena_alloc(a, 40));
    }
    arena_restore(a, m[R]);
    assert_non_null(arena_alloc(a, 400));
    for (int i = 0; i < N; i++) {
        int r = restore_in_child(a, m[i]);
        if (i <= R && r != 0)
            fail_msg("mark %d of %d (valid) was refused", i, N);
        if (i > R && r != 1)
            fail_msg("mark %d of %d (stale since the restore to %d) was not caught", i, N, R);
    }
    arena_destroy(a);
}

/* A fixed arena in a caller's buffer keeps the newest window of marks.  A
 * restore to an older mark is accepted, and every mark saved after it is
 * caught from then on. */
static void fixed_buffer_window(void **state)
{
    if (!debug_build(state))
        return;
    enum { N = 3 * ARENA_DEBUG_MARK_WINDOW, R = 5 };
    static unsigned char buf[ARENA_BUFFER_OVERHEAD + 16384];
    arena_options_t o = {.buffer = buf, .buffer_size = sizeof buf, .flags = ARENA_FIXED};
    arena_t *a = arena_create_with(&o);
    arena_mark_t m[N];
    for (int i = 0; i < N; i++) {
        m[i] = arena_save(a);
        assert_non_null(arena_alloc(a, 40));
    }
    /* The newest window is tracked: a restore inside it catches the rest. */
    assert_int_equal(restore_in_child(a, m[N - 1]), 0);
    arena_restore(a, m[R]); /* older than the window: accepted */
    assert_non_null(arena_alloc(a, 100));
    for (int i = R + 1; i < N; i++)
        if (restore_in_child(a, m[i]) != 1)
            fail_msg("mark %d (stale since the restore to %d) was not caught", i, R);
    for (int i = 0; i <= R; i++)
        assert_int_equal(restore_in_child(a, m[i]), 0);
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reported_case_growable),
        cmocka_unit_test(reported_case_fixed_buffer),
        cmocka_unit_test(hundreds_of_marks),
        cmocka_unit_test(fixed_buffer_window),
    };
    return cmocka_run_group_tests_name("stale_marks", tests, NULL, NULL);
}
