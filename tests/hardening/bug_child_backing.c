/*
 * bug_child_backing.c -- regression test: a child arena takes every block
 * through its parent's backing (arena.h, arena_create_child: "a child takes
 * its blocks through the parent's backing (hooks, or malloc behind the
 * block cache)").
 *
 * A child of a fixed arena in a caller's buffer lives in the parent's
 * space and is fixed itself, but arena_extend on it still adds a block.
 * That block must come from the parent's hooks, as the parent's own
 * arena_extend does, so that a test backing sees it, a hook-based budget
 * holds for the whole hierarchy, and the heap stays untouched when the
 * hooks do not use it.  Exits 0 when the parent's test backing serves the
 * child's extension (and gets it back at destroy), 1 otherwise.
 */
#include <arena.h>

#include <arena_testing.h>

#include <stdio.h>

static _Alignas(64) unsigned char g_buf[ARENA_BUFFER_OVERHEAD + 65536];

int main(void)
{
    arena_testing_backing_t t = {0};
    arena_options_t o = {.buffer = g_buf,
                         .buffer_size = sizeof g_buf,
                         .flags = ARENA_FIXED,
                         .backing = arena_testing_backing(&t)};
    arena_t *p = arena_create_with(&o);
    if (p == NULL)
        return 2;
    arena_options_t ko = {.block_size = 1024};
    arena_t *k = arena_create_child(p, &ko);
    if (k == NULL)
        return 2;
    if (arena_extend(k, 4096) != 0) {
        printf("setup: arena_extend on the child failed\n");
        return 2;
    }
    size_t requests = t.requests, outstanding = t.outstanding;
    size_t child_backing = arena_stats(k).backing;
    arena_destroy(p);
    int leak = t.outstanding != 0 || t.bad_release;
    arena_testing_backing_fini(&t);
    if (requests != 1 || outstanding != child_backing || leak) {
        printf("BUG: the child's extension took %zu bytes, but the parent's backing saw %zu "
               "request(s) holding %zu bytes\n",
               child_backing, requests, outstanding);
        return 1;
    }
    printf("ok\n");
    return 0;
}
