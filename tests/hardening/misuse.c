/*
 * misuse.c -- the child of the death tests: does one kind of misuse, named
 * by argv[1], and returns 0 if nothing stopped it.  The CTest wrapper
 * (expect_death.sh) runs it and checks the exit status and stderr:
 *
 *   write_after_reset    write through a pointer ended by arena_reset
 *   write_after_restore  write through a pointer ended by arena_restore
 *   read_unallocated     read the arena's space past the last allocation
 *   write_after_shrink   write past the new end of an in-place realloc shrink
 *       -> ASan: "use-after-poison"; memcheck: "Invalid write"/"Invalid read"
 *
 *   stale_reset          restore a mark saved before arena_reset
 *   stale_restore        restore a mark invalidated by restoring an older one
 *   foreign              restore another arena's mark
 *   stale_untracked      restore a mark invalidated by restoring an older one,
 *                        both older than the debug record's first window (the
 *                        record grows through the backing, so it still knows)
 *       -> debug build: stops with "arena_restore: the mark ...";
 *          release build (NDEBUG): ignored, the arena unchanged; the child
 *          checks that itself and exits 0.
 *
 * Every access goes through a volatile pointer so the compiler keeps it.
 */
#include <arena.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HD_COVERAGE
/* A coverage build: write the gcov counters before the library's abort()
 * ends the process, so the debug-only paths count as covered. */
void __gcov_dump(void);

static void dump_and_die(int sig)
{
    __gcov_dump();
    signal(sig, SIG_DFL);
    raise(sig);
}
#endif

static int fail(const char *what)
{
    fprintf(stderr, "misuse: %s\n", what);
    return 2;
}

static int same_stats(arena_stats_t x, arena_stats_t y)
{
    return x.used == y.used && x.capacity == y.capacity && x.peak == y.peak && x.blocks == y.blocks
           && x.available == y.available && x.backing == y.backing;
}

/* Restores `m` on `a` and expects it to be ignored (release builds). */
static int expect_ignored(arena_t *a, arena_mark_t m)
{
    arena_stats_t before = arena_stats(a);
    void *probe = arena_alloc_aligned(a, 0, 1);
    arena_restore(a, m);
    arena_stats_t after = arena_stats(a);
    if (!same_stats(before, after))
        return fail("a stale or foreign mark changed the arena");
    if (arena_alloc_aligned(a, 0, 1) != probe)
        return fail("a stale or foreign mark moved the position");
    const char *why = "";
    if (arena_check(a, &why) != 0)
        return fail(why);
    printf("misuse: mark ignored, arena unchanged\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return fail("usage: misuse MODE");
    const char *mode = argv[1];
#ifdef HD_COVERAGE
    signal(SIGABRT, dump_and_die);
#endif
    arena_t *a = arena_create(4096);
    if (a == NULL)
        return fail("arena_create");
    int rc = 0;

    if (strcmp(mode, "write_after_reset") == 0) {
        volatile char *p = arena_alloc(a, 64);
        p[0] = 1;
        arena_reset(a);
        p[10] = 42; /* must be reported */
    } else if (strcmp(mode, "write_after_restore") == 0) {
        (void)arena_alloc(a, 32);
        arena_mark_t m = arena_save(a);
        volatile char *p = arena_alloc(a, 64);
        p[0] = 1;
        arena_restore(a, m);
        p[5] = 42; /* must be reported */
    } else if (strcmp(mode, "read_unallocated") == 0) {
        volatile char *p = arena_alloc(a, 64);
        p[0] = 1;
        volatile char *past = p + 200; /* in the block, never handed out */
        rc = past[0] == 0x12;          /* must be reported */
        rc = 0;
    } else if (strcmp(mode, "write_after_shrink") == 0) {
        char *p = arena_alloc(a, 256);
        memset(p, 1, 256);
        volatile char *q = arena_realloc(a, p, 256, 16);
        q[100] = 42; /* released by the shrink: must be reported */
    } else if (strcmp(mode, "stale_reset") == 0) {
        (void)arena_alloc(a, 32);
        arena_mark_t m = arena_save(a);
        (void)arena_alloc(a, 32);
        arena_reset(a);
        (void)arena_alloc(a, 100);
        rc = expect_ignored(a, m); /* a debug build stops in here */
    } else if (strcmp(mode, "stale_restore") == 0) {
        arena_mark_t older = arena_save(a);
        (void)arena_alloc(a, 32);
        arena_mark_t newer = arena_save(a);
        (void)arena_alloc(a, 32);
        arena_restore(a, older); /* invalidates `newer` */
        rc = expect_ignored(a, newer);
    } else if (strcmp(mode, "stale_untracked") == 0) {
        arena_mark_t first = arena_save(a);
        (void)arena_alloc(a, 32);
        arena_mark_t second = arena_save(a);
        for (int i = 0; i < 40; i++) { /* push both out of the tracked stack */
            (void)arena_alloc(a, 8);
            (void)arena_save(a);
        }
        arena_restore(a, first); /* invalidates `second` */
        rc = expect_ignored(a, second);
    } else if (strcmp(mode, "foreign") == 0) {
        arena_t *b = arena_create(4096);
        if (b == NULL)
            return fail("arena_create");
        (void)arena_alloc(b, 32);
        arena_mark_t m = arena_save(b);
        (void)arena_alloc(a, 64);
        rc = expect_ignored(a, m);
        arena_destroy(b);
    } else {
        rc = fail("unknown mode");
    }
    arena_destroy(a);
    return rc;
}
