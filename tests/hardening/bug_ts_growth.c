/*
 * bug_ts_growth.c -- regression test for a library bug (now fixed) found by the
 * thread torture (see docs/testing.md, "Library bugs this suite found").
 *
 * On an arena whose next regular block is smaller than the thread-safe
 * path's chunk (any block_size below ~300 bytes: next_size 64, ts_chunk at
 * least 256), every chunk refill asks arena__alloc_in_new_block for a
 * request bigger than next_size, which gets an exact-size block and never
 * doubles next_size.  So every 256 bytes of arena_alloc_thread_safe cost a
 * new block (a backing request and the lock) forever: 10,000 16-byte
 * allocations make ~600 blocks instead of ~10, and after a reset each block
 * install scans the long spare list (quadratic).  The same holds for
 * arena_alloc of anything bigger than next_size on such an arena.
 * Exits 0 when blocks grow geometrically.
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
