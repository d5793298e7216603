/*
 * bug_pinned_extend.c -- regression test: while a child is released, its
 * ancestors are pinned, and arena.h lists what that refuses: "no reset,
 * restore, trim, destroy, registration or new child ..., but allocation
 * goes on, since an ancestor may belong to another thread (a child
 * destroyed early on its own thread must not stop its parent's owner)".
 * arena_extend (more memory) is none of those, and the parent's owner may
 * call it at any time, so a pinned parent serves it.
 *
 * The library puts arena_extend behind the same check as reset and
 * registration: a debug build stops ("arena_extend: a child of the arena
 * is being released"), a release build returns -1/EINVAL.  The cleanup of
 * a child destroyed early calls arena_extend on the parent, as the
 * parent's owner on another thread could at that moment.  Exits 0 when the
 * extension is made, 1 otherwise (a debug build aborts).
 */
#include <arena.h>

#include <errno.h>
#include <stdio.h>

static arena_t *g_parent;
static int g_rc = 2;

static void cleanup(void *arg)
{
    (void)arg;
    errno = 0;
    int rc = arena_extend(g_parent, 1000);
    if (rc != 0) {
        printf("BUG: arena_extend on a pinned parent: -1, errno %d\n", errno);
        g_rc = 1;
    } else {
        printf("ok: arena_extend on a pinned parent\n");
        g_rc = 0;
    }
}

int main(void)
{
    arena_options_t po = {.block_size = 4096, .name = "parent"};
    g_parent = arena_create_with(&po);
    arena_t *k = g_parent != NULL ? arena_create_child(g_parent, NULL) : NULL;
    if (k == NULL || arena_defer(k, cleanup, NULL) != 0)
        return 2;
    arena_destroy(k); /* early: the parent is pinned while the cleanup runs */
    if (g_rc == 0 && arena_stats(g_parent).blocks != 2)
        g_rc = 1;
    arena_destroy(g_parent);
    return g_rc;
}
