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
 *   cleanup_ACTION       a cleanup of the arena "victim", run by its
 *                        arena_reset, does ACTION on that same arena
 *   pinned_ACTION        a cleanup of a child, run by the child's early
 *                        arena_destroy, does ACTION on the parent ("parent")
 *   pinned_reset_grandparent   ... arena_reset of the grandparent
 *                        ("grandparent") from a grandchild's cleanup
 *       ACTION: alloc, alloc_thread_safe, grow (arena_realloc of the newest
 *       allocation, which would grow in place), extend, reset, restore,
 *       trim, destroy, defer, undefer, child (arena_create_child)
 *       -> debug build: stops with "arena[NAME]: CALL: the arena is being
 *          released" (cleanup_*) or "... a child of the arena is being
 *          released" (pinned_*); CALL is the call refused (for grow, the
 *          arena_alloc the realloc falls back to);
 *          release build: an allocation or registration is refused with
 *          EINVAL, a reset, restore, trim or destroy is ignored; the arena
 *          is unchanged, every other cleanup runs once, and the arena works
 *          afterwards; the child checks all that and exits 0.
 *   on_limit_alloc       an on_limit callback allocates from its own arena
 *       -> debug build: "arena[victim]: arena_alloc: the arena may not be
 *          allocated from inside its on_limit callback"; release build:
 *          EINVAL inside the callback, the call that asked ENOMEM.
 *
 *   cleanup_reads, pinned_alloc, cleanup_other_arenas   what is allowed:
 *       a cleanup reads its arena (arena_stats, arena_name, arena_report,
 *       arena_owns, arena_check) and gives memory back (arena_pop, a
 *       shrinking arena_realloc); a child's cleanup allocates from its
 *       parent; a cleanup allocates from and destroys other arenas.
 *       -> every build: exits 0.
 *
 * Every access goes through a volatile pointer so the compiler keeps it.
 */
#include <arena.h>

#include "death_child.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- lifetimes: what a cleanup and on_limit may do ------------------------------ */

static const char *g_action; /* what the misusing cleanup does */
static arena_t *g_target;    /* the arena it does it on */
static arena_mark_t g_mark;  /* a valid mark of g_target, for restore */
static char *g_newest;       /* g_target's newest allocation, for grow */
static int g_ran, g_other_ran, g_dummy_ran;
static const char *g_bad; /* the first release-build check that failed */

static void expect(int ok, const char *what)
{
    if (!ok && g_bad == NULL)
        g_bad = what;
}

static int is(const char *action)
{
    return strcmp(g_action, action) == 0;
}

static void other_cleanup(void *arg)
{
    (void)arg;
    g_other_ran++;
}

static void dummy_cleanup(void *arg)
{
    (void)arg;
    g_dummy_ran++;
}

static void sink(const char *line, void *arg)
{
    (void)line;
    ++*(int *)arg;
}

/* Does g_action on g_target.  A debug build stops in here; a release build
 * refuses or ignores it, and this checks how, and that nothing changed.
 * pinned_alloc: the allocation is allowed. */
static void misuse_cleanup(void *arg)
{
    int allowed = arg != NULL;
    arena_t *t = g_target;
    arena_stats_t before = arena_stats(t);
    size_t nblocks = arena_blocks(t, NULL, 0);
    g_ran++;
    errno = 0;
    if (allowed) {
        void *p = is("alloc")               ? arena_alloc(t, 16)
                  : is("alloc_thread_safe") ? arena_alloc_thread_safe(t, 16, 8)
                                            : arena_realloc(t, g_newest, 32, 48);
        expect(p != NULL && arena_owns(t, p) && errno == 0, "an allowed allocation failed");
        expect(!is("grow") || p == g_newest, "an allowed growth did not happen in place");
        return;
    }
    if (is("alloc")) {
        expect(arena_alloc(t, 16) == NULL && errno == EINVAL,
               "arena_alloc was not refused with EINVAL");
    } else if (is("alloc_thread_safe")) {
        expect(arena_alloc_thread_safe(t, 16, 8) == NULL && errno == EINVAL,
               "arena_alloc_thread_safe was not refused with EINVAL");
    } else if (is("grow")) {
        expect(arena_realloc(t, g_newest, 32, 48) == NULL && errno == EINVAL,
               "arena_realloc growing was not refused with EINVAL");
        for (int i = 0; i < 32; i++)
            expect(g_newest[i] == 'n', "the refused realloc changed the allocation");
    } else if (is("extend")) {
        expect(arena_extend(t, 1000) == -1 && errno == EINVAL,
               "arena_extend was not refused with EINVAL");
    } else if (is("reset")) {
        arena_reset(t);
    } else if (is("restore")) {
        arena_restore(t, g_mark);
    } else if (is("trim")) {
        arena_trim(t);
    } else if (is("destroy")) {
        arena_destroy(t);
    } else if (is("defer")) {
        expect(arena_defer(t, dummy_cleanup, NULL) == -1 && errno == EINVAL,
               "arena_defer was not refused with EINVAL");
    } else if (is("undefer")) {
        expect(arena_undefer(t, dummy_cleanup, NULL) == -1 && errno == EINVAL,
               "arena_undefer was not refused with EINVAL");
    } else if (is("child")) {
        expect(arena_create_child(t, NULL) == NULL && errno == EINVAL,
               "arena_create_child was not refused with EINVAL");
    } else {
        expect(0, "unknown action");
    }
    expect(same_stats(before, arena_stats(t)) && arena_blocks(t, NULL, 0) == nblocks,
           "the refused call changed the arena");
}

/* What a cleanup may do with the arena being released: read it and give
 * memory back; and with other arenas anything. */
static arena_t *g_other, *g_doomed;

static void reading_cleanup(void *arg)
{
    char *keep = arg;
    arena_t *t = g_target;
    g_ran++;
    int lines = 0;
    arena_report(t, sink, &lines);
    expect(lines == 1 && strcmp(arena_name(t), "victim") == 0, "arena_report/arena_name");
    /* arena_check too: regression.check_while_cleanups_run */
    expect(arena_owns(t, keep) == 1, "arena_owns");
    expect(arena_stats(t).used > 0, "arena_stats");
    expect(arena_pop(t, keep, 64) == 0, "arena_pop of an older allocation");
    expect(arena_realloc(t, g_newest, 32, 8) == g_newest, "a shrinking arena_realloc");
    expect(arena_pop(t, g_newest, 8) == 1, "arena_pop of the newest allocation");
}

static void other_arenas_cleanup(void *arg)
{
    (void)arg;
    g_ran++;
    char *p = arena_alloc(g_other, 100);
    expect(p != NULL, "allocation from another arena");
    if (p != NULL)
        memset(p, 1, 100);
    arena_destroy(g_doomed);
    g_doomed = NULL;
}

static int on_limit_misuse(arena_t *a, size_t wanted, void *user)
{
    (void)wanted, (void)user;
    g_ran++;
    errno = 0;
    expect(arena_alloc(a, 8) == NULL && errno == EINVAL,
           "arena_alloc from on_limit was not refused with EINVAL");
    return 0;
}

static int life_done(int ran)
{
    if (g_bad != NULL)
        return fail(g_bad);
    if (g_ran != ran)
        return fail("the misusing cleanup did not run exactly once");
    printf("misuse: %s behaves as documented\n", g_action);
    return 0;
}

static int cleanup_mode(void)
{
    arena_options_t o = {.block_size = 4096, .name = "victim"};
    arena_t *v = arena_create_with(&o);
    if (v == NULL)
        return fail("arena_create_with");
    char *keep = arena_alloc(v, 64);
    memset(keep, 'k', 64);
    g_mark = arena_save(v);
    g_target = v;
    if (arena_defer(v, other_cleanup, NULL) != 0 || arena_defer(v, dummy_cleanup, NULL) != 0)
        return fail("arena_defer");
    int reads = strcmp(g_action, "reads") == 0, others = strcmp(g_action, "other_arenas") == 0;
    if (others) {
        g_other = arena_create(1024);
        g_doomed = arena_create(1024);
        if (g_other == NULL || g_doomed == NULL || arena_alloc(g_doomed, 10) == NULL)
            return fail("arena_create");
    }
    void (*fn)(void *) = reads ? reading_cleanup : others ? other_arenas_cleanup : misuse_cleanup;
    if (arena_defer(v, fn, reads ? keep : NULL) != 0)
        return fail("arena_defer");
    g_newest = arena_alloc(v, 32); /* after the records: growable in place */
    memset(g_newest, 'n', 32);
    arena_reset(v); /* a debug build stops in here, except for what is allowed */
    if (g_other_ran != 1 || g_dummy_ran != 1)
        return fail("the other cleanups did not run exactly once");
    const char *why = "";
    if (arena_stats(v).used != 0 || arena_check(v, &why) != 0)
        return fail("the arena is not reset");
    if (arena_alloc(v, 100) == NULL || arena_defer(v, other_cleanup, NULL) != 0)
        return fail("the arena does not work after its reset");
    arena_destroy(v);
    if (g_other_ran != 2 || g_dummy_ran != 1)
        return fail("arena_destroy ran the wrong cleanups");
    if (others) {
        if (g_doomed != NULL || arena_stats(g_other).used < 100)
            return fail("the other arenas");
        arena_destroy(g_other);
    }
    return life_done(1);
}

/* A cleanup of a child (or a grandchild) misuses the parent (or the
 * grandparent) while the child is destroyed early. */
static int pinned_mode(int grand)
{
    arena_options_t go = {.block_size = 4096, .name = "grandparent"};
    arena_options_t po = {.block_size = 4096, .name = "parent"};
    arena_t *g = grand ? arena_create_with(&go) : NULL;
    arena_t *p = grand ? arena_create_child(g, &po) : arena_create_with(&po);
    if (p == NULL)
        return fail("arena_create");
    arena_t *t = grand ? g : p;
    char *keep = arena_alloc(t, 64);
    memset(keep, 'k', 64);
    g_mark = arena_save(t);
    if (arena_defer(t, dummy_cleanup, NULL) != 0)
        return fail("arena_defer");
    arena_options_t ko = {.block_size = 1024, .name = "child"};
    arena_t *k = arena_create_child(p, &ko);
    if (k == NULL || arena_alloc(k, 100) == NULL)
        return fail("arena_create_child");
    g_newest = arena_alloc(t, 32); /* after the child's record: growable in place */
    memset(g_newest, 'n', 32);
    g_target = t;
    /* Allocation from a pinned ancestor goes on. */
    int allowed = is("alloc") || is("alloc_thread_safe") || is("grow");
    if (arena_defer(k, misuse_cleanup, allowed ? k : NULL) != 0
        || arena_defer(k, other_cleanup, NULL) != 0)
        return fail("arena_defer");
    arena_destroy(k); /* a debug build stops in here, except for an allocation */
    if (g_other_ran != 1 || g_dummy_ran != 0)
        return fail("the child's cleanups did not run exactly once");
    for (int i = 0; i < 64; i++)
        if (keep[i] != 'k')
            return fail("the pinned arena's memory changed");
    /* No longer pinned: it works, children included. */
    arena_t *k2 = arena_create_child(p, &ko);
    if (k2 == NULL || arena_alloc(t, 100) == NULL || arena_defer(t, other_cleanup, NULL) != 0)
        return fail("the arena does not work once the child is gone");
    arena_reset(t);
    arena_destroy(grand ? g : p);
    if (g_other_ran != 2 || g_dummy_ran != 1)
        return fail("the parent's cleanups did not run exactly once");
    return life_done(1);
}

static int on_limit_mode(void)
{
    arena_options_t o = {
        .block_size = 256, .max_size = 4096, .name = "victim", .on_limit = on_limit_misuse};
    arena_t *v = arena_create_with(&o);
    if (v == NULL)
        return fail("arena_create_with");
    g_action = "on_limit_alloc";
    errno = 0;
    void *p = arena_alloc(v, 8192); /* past the cap: on_limit is asked */
    expect(p == NULL && errno == ENOMEM, "the call that asked on_limit did not fail with ENOMEM");
    arena_destroy(v);
    return life_done(1);
}

/* -1 when `mode` is not a lifetimes mode. */
static int life_mode(const char *mode)
{
    if (strncmp(mode, "cleanup_", 8) == 0) {
        g_action = mode + 8;
        return cleanup_mode();
    }
    if (strcmp(mode, "pinned_reset_grandparent") == 0) {
        g_action = "reset";
        return pinned_mode(1);
    }
    if (strncmp(mode, "pinned_", 7) == 0) {
        g_action = mode + 7;
        return pinned_mode(0);
    }
    if (strcmp(mode, "on_limit_alloc") == 0)
        return on_limit_mode();
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return fail("usage: misuse MODE");
    const char *mode = argv[1];
    hd_death_child_init();
    int life = life_mode(mode);
    if (life >= 0)
        return life;
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
