/*
 * bug_ts_growth.c -- regression test for a defect the thread torture found
 * (docs/testing.md, "Regression tests").
 *
 * On an arena whose next regular block is smaller than the thread-safe
 * path's chunk (a block_size of a few hundred bytes or less), a chunk
 * refill that asks for an exact-size block every time never doubles the
 * regular block size: every chunk of arena_alloc_thread_safe then costs a
 * new block (a backing request and the lock), 10,000 16-byte allocations
 * make hundreds of blocks instead of about a dozen, and after a reset each
 * block install scans a long spare list.  Refills must let the blocks grow
 * geometrically, as on the single-threaded path.
 * Exits 0 when they do.
 */
#include <arena.h>

#include <stdio.h>

int main(void)
{
    arena_t *a = arena_create(64);
    if (a == NULL)
        return 2;
    for (int i = 0; i < 10000; i++)
        if (arena_alloc_thread_safe(a, 16, 8) == NULL)
            return 2;
    size_t blocks = arena_stats(a).blocks;
    arena_destroy(a);
    /* 160 KB from 64-byte doubling blocks: about a dozen blocks. */
    if (blocks > 64) {
        printf("BUG: 10000 x 16 bytes took %zu blocks\n", blocks);
        return 1;
    }
    printf("ok: %zu blocks\n", blocks);
    return 0;
}
