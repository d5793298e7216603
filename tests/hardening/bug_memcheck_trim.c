/*
 * bug_memcheck_trim.c -- regression test (meaningful under memcheck: the
 * debug step's valgrind.regression.memcheck_trim_stays_in_block): what the
 * library tells memcheck about a block stays inside that block.
 *
 * An in-place arena_realloc shrink of an allocation that does not start
 * the block, and the early destroy of a child that lives in its parent's
 * space (arena_pop of the part of the parent's allocation after the child's
 * record), cut a memcheck chunk in the middle with VALGRIND_MEMPOOL_TRIM.
 * Memcheck 3.19 then marks bytes past the block as inaccessible, about as
 * many as the trim point lies from the block's start: the memory after a
 * caller's buffer here (globals), the neighbouring malloc blocks in a heap
 * arena, and a program's valid accesses there are reported as invalid
 * reads and writes.  Each case checks, with a memcheck client request, that
 * the bytes after the buffer stay addressable.  Exits 0 when they do (and
 * outside valgrind), 1 otherwise.
 */
#include <arena.h>

#include <stdio.h>
#include <valgrind/memcheck.h>

static struct {
    _Alignas(64) unsigned char buf[ARENA_BUFFER_OVERHEAD + 4096];
    unsigned char after[8192]; /* a program's memory next to the buffer */
} g;

static int after_ok(const char *what)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof g.after; i++)
        if (VALGRIND_CHECK_MEM_IS_ADDRESSABLE(&g.after[i], 1) != 0)
            n++;
    VALGRIND_MAKE_MEM_DEFINED(g.after, sizeof g.after);
    if (n != 0) {
        printf("BUG: %s: %zu bytes after the arena's buffer made inaccessible\n", what, n);
        return 0;
    }
    printf("ok: %s\n", what);
    return 1;
}

int main(void)
{
    int ok = 1;
    arena_options_t o = {.buffer = g.buf, .buffer_size = sizeof g.buf, .flags = ARENA_FIXED};

    arena_t *a = arena_create_with(&o);
    if (a == NULL || arena_alloc_aligned(a, 3000, 1) == NULL)
        return 2;
    char *p = arena_alloc_aligned(a, 1000, 1);
    if (p == NULL || arena_realloc(a, p, 1000, 10) != p)
        return 2;
    ok &= after_ok("an in-place realloc shrink");
    arena_destroy(a);
    VALGRIND_MAKE_MEM_DEFINED(g.after, sizeof g.after);

    a = arena_create_with(&o);
    if (a == NULL || arena_alloc_aligned(a, 3000, 1) == NULL)
        return 2;
    arena_options_t ko = {.block_size = 512};
    arena_t *k = arena_create_child(a, &ko);
    if (k == NULL)
        return 2;
    arena_destroy(k);
    ok &= after_ok("the early destroy of a child in its parent's space");
    arena_destroy(a);
    return ok ? 0 : 1;
}
