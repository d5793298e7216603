/*
 * heap_misuse.c -- the child of the heap's death tests: does one kind of
 * misuse of a heap, named by argv[1], and returns 0 if nothing stopped it.
 * The CTest wrapper (expect_death.sh) checks the exit status and output:
 *
 *   double_free       arena_heap_free of a chunk already freed
 *   foreign           arena_heap_free of another heap's chunk
 *   malloc_chunk      arena_heap_free of arena_use_malloc's chunk from the
 *                     C library (no heap was current)
 *   use_double_free   arena_use_free twice on a heap's chunk
 *       -> debug build: the library's message; release build (NDEBUG):
 *          ignored, the heaps unchanged (the child checks that itself)
 *
 *   plain_malloc      arena_heap_free of a pointer from plain malloc
 *   after_reset       arena_heap_free on a heap whose arena was reset
 *   use_after_reset   arena_use_free of a chunk whose arena was reset
 *       -> as above, and ASan ("heap-buffer-overflow", "use-after-poison")
 *          and memcheck ("Invalid read") catch the read first
 *
 *   write_after_free, read_after_free, write_after_shrink
 *       -> ASan: "use-after-poison"; memcheck: "Invalid write"/"Invalid read"
 *
 * Every access goes through a volatile pointer so the compiler keeps it.
 */
#include <arena.h>

#include "death_child.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what)
{
    fprintf(stderr, "heap_misuse: %s\n", what);
    return 2;
}

/* In a release build the misuse must have changed nothing. */
static int expect_unchanged(const arena_heap_t *h, arena_heap_stats_t before)
{
    arena_heap_stats_t after = arena_heap_stats(h);
    if (memcmp(&before, &after, sizeof before) != 0)
        return fail("the misuse changed the heap's counters");
    const char *why = "";
    if (arena_heap_check(h, &why) != 0)
        return fail(why);
    printf("heap_misuse: ignored, the heap unchanged\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return fail("usage: heap_misuse MODE");
    const char *mode = argv[1];
    hd_death_child_init();
    arena_options_t o = {.name = "misused"};
    arena_t *a = arena_create_with(&o);
    arena_t *other = arena_create(0);
    arena_heap_t *h = arena_heap_create(a);
    arena_heap_t *h2 = arena_heap_create(other);
    if (h == NULL || h2 == NULL)
        return fail("arena_heap_create");
    /* A chunk with live neighbours: a free neither merges nor gives back. */
    (void)arena_heap_alloc(h, 64);
    char *p = arena_heap_alloc(h, 256);
    (void)arena_heap_alloc(h, 64);
    if (p == NULL)
        return fail("arena_heap_alloc");
    memset(p, 1, 256);
    int rc = 0;

    if (strcmp(mode, "double_free") == 0) {
        arena_heap_free(h, p);
        arena_heap_stats_t s = arena_heap_stats(h);
        arena_heap_free(h, p); /* a debug build stops here */
        rc = expect_unchanged(h, s);
    } else if (strcmp(mode, "foreign") == 0) {
        char *q = arena_heap_alloc(h2, 32);
        arena_heap_stats_t s = arena_heap_stats(h);
        arena_heap_free(h, q);
        rc = expect_unchanged(h, s);
    } else if (strcmp(mode, "malloc_chunk") == 0) {
        char *q = arena_use_malloc(32); /* no heap is current: the C library's */
        arena_heap_stats_t s = arena_heap_stats(h);
        arena_heap_free(h, q);
        rc = expect_unchanged(h, s);
        arena_use_free(q);
    } else if (strcmp(mode, "use_double_free") == 0) {
        arena_use_free(p);
        arena_heap_stats_t s = arena_heap_stats(h);
        arena_use_free(p);
        rc = expect_unchanged(h, s);
    } else if (strcmp(mode, "plain_malloc") == 0) {
        char *q = malloc(64);
        arena_heap_stats_t s = arena_heap_stats(h);
        arena_heap_free(h, q);
        rc = expect_unchanged(h, s);
        free(q);
    } else if (strcmp(mode, "after_reset") == 0) {
        arena_reset(a);
        arena_heap_free(h, p); /* the heap ended with the reset */
        printf("heap_misuse: ignored\n");
    } else if (strcmp(mode, "use_after_reset") == 0) {
        arena_reset(a);
        arena_use_free(p);
        printf("heap_misuse: ignored\n");
    } else if (strcmp(mode, "write_after_free") == 0) {
        volatile char *v = p;
        arena_heap_free(h, p);
        v[10] = 42; /* must be reported */
    } else if (strcmp(mode, "read_after_free") == 0) {
        volatile char *v = p;
        arena_heap_free(h, p);
        rc = v[100] == 0x12; /* must be reported */
        rc = 0;
    } else if (strcmp(mode, "write_after_shrink") == 0) {
        volatile char *v = arena_heap_realloc(h, p, 16);
        v[100] = 42; /* released by the shrink: must be reported */
    } else {
        rc = fail("unknown mode");
    }
    arena_destroy(other);
    arena_destroy(a);
    return rc;
}
