/*
 * tool.c -- the memory-tool primitives of tool.h, composed from one set of
 * per-tool operations.  Each tool appears in exactly one #if below, which
 * defines its operations or their no-op defaults; the primitives at the end
 * combine them without knowing which tools are in.
 *
 * memcheck.  Each pool is a mempool anchored at the pool address: a block's
 * allocations are chunks of it, a rewind trims the pool to the chunks below
 * the rewind point (VALGRIND_MEMPOOL_TRIM, O(1) requests per block), and one
 * pool per block (rather than per arena) is what lets a restore end the
 * chunks after a mark in one block while older blocks' chunks stay alive.
 * A zero-size allocation is no chunk: the next allocation may start at the
 * same address, which memcheck would call an overlap.  A heap (heap.c) is a
 * pool too, and its chunks lie inside chunks of the blocks' pools, so every
 * pool is created as a metapool: memcheck's leak check then takes the outer
 * chunk for a superblock rather than stopping on two overlapping blocks.
 * The library's own bookkeeping inside a pool's unused memory (a heap's
 * free-chunk links) is opened as defined memory while it is read and
 * written, and hidden again after.
 *
 * ASan.  Unused memory is poisoned; handing out unpoisons.  ASan rounds
 * poisoning to 8-byte granules, which is why a pool's memory starts aligned.
 *
 * Fills.  Before a fill the memory is made writable for the tools, and the
 * tools' view is restored after.
 */
#include "tool.h"

#if ARENA__TOOLS

#include <string.h>

#if ARENA__ASAN
#include <sanitizer/asan_interface.h>
static bool arena__asan_on(void)
{
    return true;
}
static void arena__asan_poison(void *p, size_t size)
{
    ASAN_POISON_MEMORY_REGION(p, size);
}
static void arena__asan_unpoison(void *p, size_t size)
{
    ASAN_UNPOISON_MEMORY_REGION(p, size);
}
#else
static bool arena__asan_on(void)
{
    return false;
}
static void arena__asan_poison(void *p, size_t size)
{
    (void)p, (void)size;
}
static void arena__asan_unpoison(void *p, size_t size)
{
    (void)p, (void)size;
}
#endif

#if ARENA_VALGRIND
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>
static bool arena__vg_on(void)
{
    return RUNNING_ON_VALGRIND != 0;
}
static void arena__vg_pool_new(const void *pool)
{
    VALGRIND_CREATE_MEMPOOL_EXT(pool, 0, 0, VALGRIND_MEMPOOL_METAPOOL);
}
static void arena__vg_pool_gone(const void *pool)
{
    VALGRIND_DESTROY_MEMPOOL(pool);
}
static void arena__vg_chunk(const void *pool, void *p, size_t size)
{
    if (size != 0)
        VALGRIND_MEMPOOL_ALLOC(pool, p, size);
}
static void arena__vg_chunk_grow(const void *pool, void *p, size_t old_size, size_t new_size)
{
    if (old_size == 0) {
        arena__vg_chunk(pool, p, new_size);
        return;
    }
    /* The chunk keeps its old bytes' definedness; the new bytes are undefined. */
    VALGRIND_MEMPOOL_CHANGE(pool, p, p, new_size);
    VALGRIND_MAKE_MEM_UNDEFINED((char *)p + old_size, new_size - old_size);
}
static void arena__vg_chunk_shrink(const void *pool, void *p, size_t new_size)
{
    VALGRIND_MEMPOOL_CHANGE(pool, p, p, new_size);
}
static void arena__vg_chunk_free(const void *pool, void *p)
{
    VALGRIND_MEMPOOL_FREE(pool, p);
}
static void arena__vg_trim(const void *pool, void *base, void *p)
{
    VALGRIND_MEMPOOL_TRIM(pool, base, (size_t)((char *)p - (char *)base));
}
static void arena__vg_noaccess(void *p, size_t size)
{
    VALGRIND_MAKE_MEM_NOACCESS(p, size);
}
static void arena__vg_undefined(void *p, size_t size)
{
    VALGRIND_MAKE_MEM_UNDEFINED(p, size);
}
static void arena__vg_defined(void *p, size_t size)
{
    VALGRIND_MAKE_MEM_DEFINED(p, size);
}
#else
static bool arena__vg_on(void)
{
    return false;
}
static void arena__vg_pool_new(const void *pool)
{
    (void)pool;
}
static void arena__vg_pool_gone(const void *pool)
{
    (void)pool;
}
static void arena__vg_chunk(const void *pool, void *p, size_t size)
{
    (void)pool, (void)p, (void)size;
}
static void arena__vg_chunk_grow(const void *pool, void *p, size_t old_size, size_t new_size)
{
    (void)pool, (void)p, (void)old_size, (void)new_size;
}
static void arena__vg_chunk_shrink(const void *pool, void *p, size_t new_size)
{
    (void)pool, (void)p, (void)new_size;
}
static void arena__vg_chunk_free(const void *pool, void *p)
{
    (void)pool, (void)p;
}
static void arena__vg_trim(const void *pool, void *base, void *p)
{
    (void)pool, (void)base, (void)p;
}
static void arena__vg_noaccess(void *p, size_t size)
{
    (void)p, (void)size;
}
static void arena__vg_undefined(void *p, size_t size)
{
    (void)p, (void)size;
}
static void arena__vg_defined(void *p, size_t size)
{
    (void)p, (void)size;
}
#endif

#if ARENA_DEBUG >= 1
static void arena__fill(void *p, int byte, size_t size)
{
    memset(p, byte, size);
}
#else
static void arena__fill(void *p, int byte, size_t size)
{
    (void)p, (void)byte, (void)size;
}
#endif

/* ---- the primitives -------------------------------------------------------- */

bool arena__tool_active(void)
{
    return arena__asan_on() || arena__vg_on();
}

/* Writable for a fill, whatever the tools said before. */
static void arena__open(void *p, size_t size)
{
    arena__asan_unpoison(p, size);
    if (arena__vg_on())
        arena__vg_undefined(p, size);
}

/* Unused again: no access for the tools. */
static void arena__close(void *p, size_t size)
{
    arena__asan_poison(p, size);
    if (arena__vg_on())
        arena__vg_noaccess(p, size);
}

void arena__tool_pool_new(const void *pool, void *p, size_t size)
{
    arena__open(p, size);
    arena__fill(p, ARENA_DEBUG_FRESH_BYTE, size);
    if (arena__vg_on())
        arena__vg_pool_new(pool);
    arena__close(p, size);
}

void arena__tool_pool_gone(const void *pool, void *p, size_t size)
{
    arena__asan_unpoison(p, size);
    if (arena__vg_on()) {
        arena__vg_pool_gone(pool);
        arena__vg_undefined(p, size);
    }
}

void arena__tool_alloc(const void *pool, void *p, size_t size)
{
    if (arena__vg_on()) {
        arena__vg_chunk(pool, p, size); /* defines the chunk's accessibility itself */
        return;
    }
    arena__asan_unpoison(p, size);
}

void arena__tool_grow(const void *pool, void *p, size_t old_size, size_t new_size)
{
    if (arena__vg_on()) {
        arena__vg_chunk_grow(pool, p, old_size, new_size);
        return;
    }
    arena__asan_unpoison((char *)p + old_size, new_size - old_size);
}

void arena__tool_rewind(const void *pool, void *base, void *p, size_t size)
{
    arena__open(p, size);
    arena__fill(p, ARENA_DEBUG_FREED_BYTE, size);
    if (arena__vg_on())
        arena__vg_trim(pool, base, p);
    arena__close(p, size);
}

void arena__tool_shrink(const void *pool, void *p, size_t old_size, size_t new_size)
{
    void *tail = (char *)p + new_size;
    size_t cut = old_size - new_size;
    if (arena__vg_on()) {
        if (new_size != 0)
            arena__vg_chunk_shrink(pool, p, new_size);
        else if (old_size != 0)
            arena__vg_chunk_free(pool, p);
    }
    arena__open(tail, cut);
    arena__fill(tail, ARENA_DEBUG_FREED_BYTE, cut);
    arena__close(tail, cut);
}

void arena__tool_free(const void *pool, void *p, size_t size)
{
    if (arena__vg_on() && size != 0)
        arena__vg_chunk_free(pool, p);
    arena__open(p, size);
    arena__fill(p, ARENA_DEBUG_FREED_BYTE, size);
    arena__close(p, size);
}

void arena__tool_unwrite(void *p, size_t size)
{
    arena__open(p, size);
    arena__fill(p, ARENA_DEBUG_FRESH_BYTE, size);
    arena__close(p, size);
}

void arena__tool_open(const void *pool, void *p, size_t size)
{
    (void)pool;
    arena__asan_unpoison(p, size);
    if (arena__vg_on())
        arena__vg_defined(p, size);
}

void arena__tool_hide(const void *pool, void *p, size_t size)
{
    (void)pool;
    arena__close(p, size);
}

void arena__tool_forget(const void *pool, void *p, size_t size)
{
    if (arena__vg_on() && size != 0) {
        arena__vg_chunk_free(pool, p);
        arena__vg_defined(p, size);
    }
}

#else
/* Keeps ISO C's "a translation unit is not empty" in builds without tools. */
typedef int arena__tool_unused;
#endif
