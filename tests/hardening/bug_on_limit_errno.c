/*
 * bug_on_limit_errno.c -- regression test: a call that succeeds after its
 * on_limit callback asked for a retry leaves errno alone (arena.h: "errno is
 * left alone on success").
 *
 * The first backing request of each call below is refused once; the arena's
 * on_limit returns 1 and the retry is served.  The call succeeds, so errno
 * must still hold what the caller put there.  The slow path of arena_alloc
 * and arena_extend restore the errno they saw after the refused request
 * (ENOMEM) once the callback returns; the thread-safe path sets ENOMEM
 * before its retry.  Exits 0 when each call leaves errno as it was, 1
 * (naming each call that does not) otherwise.
 */
#include <arena.h>

#include <arena_testing.h>

#include <errno.h>
#include <stdio.h>

static int retry(arena_t *a, size_t wanted, void *user)
{
    (void)a, (void)wanted;
    ++*(int *)user;
    return 1;
}

int main(void)
{
    static const char *const names[] = {"arena_alloc", "arena_extend", "arena_alloc_thread_safe"};
    int bad = 0;
    for (int call = 0; call < 3; call++) {
        int calls = 0;
        arena_testing_backing_t t = {0};
        arena_options_t o = {.block_size = 256,
                             .backing = arena_testing_backing(&t),
                             .on_limit = retry,
                             .on_limit_user = &calls};
        arena_t *a = arena_create_with(&o);
        if (a == NULL || arena_alloc(a, 250) == NULL)
            return 2;
        arena_testing_fail_nth(&t, 1); /* the next request only */
        errno = 12345;
        int ok = call == 0   ? arena_alloc(a, 300) != NULL
                 : call == 1 ? arena_extend(a, 1000) == 0
                             : arena_alloc_thread_safe(a, 300, 16) != NULL;
        int err = errno;
        if (!ok || calls != 1 || t.injected != 1) {
            printf("setup: %s: ok %d, on_limit called %d times, %zu faults\n", names[call], ok,
                   calls, t.injected);
            bad = 1;
        } else if (err != 12345) {
            printf("BUG: %s succeeded after an on_limit retry but left errno %d (was 12345)\n",
                   names[call], err);
            bad = 1;
        } else {
            printf("ok: %s\n", names[call]);
        }
        arena_destroy(a);
        arena_testing_backing_fini(&t);
    }
    return bad;
}
