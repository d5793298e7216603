/*
 * bug_check_while_closed.c -- regression test: arena_check reads an arena
 * without changing it, so it may be called while the arena's cleanups run
 * and from its on_limit callback (arena.h: "While an arena's cleanups run
 * ... that arena may only be read"), and an intact arena passes it there.
 *
 * While an arena is released (its cleanups run) or its on_limit runs, the
 * library shuts the inline window (hot.end == hot.pos), and arena_check
 * holds the window to the mode alone (hot.end == limit in fast mode), so
 * it reports "inline window does not match the mode" for an arena that is
 * fine.  Exits 0 when arena_check returns 0 in both places, 1 (with the
 * reason it gave) otherwise.
 */
#include <arena.h>

#include <stdio.h>

static arena_t *g_a;
static int g_bad, g_ran;

static void report(const char *where, arena_t *a)
{
    const char *why = "";
    g_ran++;
    if (arena_check(a, &why) != 0) {
        printf("BUG: arena_check %s: \"%s\" for an intact arena\n", where, why);
        g_bad = 1;
    } else {
        printf("ok: arena_check %s\n", where);
    }
}

static void cleanup(void *arg)
{
    (void)arg;
    report("in a cleanup of the arena", g_a);
}

static int on_limit(arena_t *a, size_t wanted, void *user)
{
    (void)wanted, (void)user;
    report("in the arena's on_limit", a);
    return 0;
}

int main(void)
{
    g_a = arena_create(4096);
    if (g_a == NULL || arena_alloc(g_a, 100) == NULL || arena_defer(g_a, cleanup, NULL) != 0)
        return 2;
    arena_reset(g_a);
    arena_destroy(g_a);

    arena_options_t o = {.block_size = 256, .max_size = 2048, .on_limit = on_limit};
    arena_t *b = arena_create_with(&o);
    if (b == NULL || arena_alloc(b, 4096) != NULL) /* past the cap: on_limit is asked */
        return 2;
    arena_destroy(b);
    return g_ran == 2 ? g_bad : 2;
}
