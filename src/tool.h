/*
 * tool.h -- the memory-tool seam: what AddressSanitizer, Valgrind memcheck
 * and the debug fill patterns are told about the library's memory.  A leaf:
 * every primitive takes a pool (an opaque address naming the block or heap
 * the memory belongs to), a pointer and a size, never an arena.
 *
 * Each tool is compiled in or not (ASan by the compiler's flag, memcheck by
 * ARENA_VALGRIND, fills by ARENA_DEBUG >= 1); with none of them, every
 * primitive below is an empty inline function and costs nothing.  Callers
 * never test for a tool.
 *
 * Model.  A pool is described to memcheck as a mempool: a block of an arena
 * (anchored at its header) or a heap (anchored at its struct), whose chunks
 * lie inside allocations of the blocks' pools.  Memory of a pool that is not handed
 * out is poisoned (ASan) or no-access (memcheck), and holds
 * ARENA_DEBUG_FRESH_BYTE until first handed out and ARENA_DEBUG_FREED_BYTE
 * after it is released.  The tools only see memory handed out of line, so
 * while a tool is active (arena__tool_active) arenas keep their inline
 * window shut.
 */
#ifndef ARENA_TOOL_H
#define ARENA_TOOL_H

#include "debug.h"

#include <stdbool.h>
#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define ARENA__ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA__ASAN 1
#endif
#endif
#ifndef ARENA__ASAN
#define ARENA__ASAN 0
#endif
#ifndef ARENA_VALGRIND
#define ARENA_VALGRIND 0
#endif

#if ARENA__ASAN || ARENA_VALGRIND || ARENA_DEBUG >= 1
#define ARENA__TOOLS 1

/* True when a tool must see every allocation (ASan built in, or running
 * under Valgrind): arenas then allocate out of line only. */
bool arena__tool_active(void);
/* [p, p+size) becomes a pool's unused memory: fresh fill, no access. */
void arena__tool_pool_new(const void *pool, void *p, size_t size);
/* The pool and its memory [p, p+size) go back to whoever gave them. */
void arena__tool_pool_gone(const void *pool, void *p, size_t size);
/* [p, p+size) of the pool is handed out. */
void arena__tool_alloc(const void *pool, void *p, size_t size);
/* The allocation at p grew in place from old to new bytes. */
void arena__tool_grow(const void *pool, void *p, size_t old_size, size_t new_size);
/* The allocation at p shrank in place from old to new bytes; the bytes past
 * the new end are released (freed fill, no access). */
void arena__tool_shrink(const void *pool, void *p, size_t old_size, size_t new_size);
/* Rewind: [p, p+size) ends every allocation in it; the pool keeps only the
 * allocations in [base, p).  Freed fill, no access. */
void arena__tool_rewind(const void *pool, void *base, void *p, size_t size);
/* One allocation [p, p+size) of the pool ends (a heap's free).  Freed fill,
 * no access. */
void arena__tool_free(const void *pool, void *p, size_t size);
/* The library wrote scratch bytes into unused memory [p, p+size) of a pool
 * (formatting in place) and gives them back unused: fresh fill again. */
void arena__tool_unwrite(void *p, size_t size);
/* The library opens [p, p+size), memory of a pool that is not handed out,
 * to keep its own bookkeeping there (a heap's chunk header, the links of a
 * free chunk): accessible and defined, bytes unchanged. */
void arena__tool_open(const void *pool, void *p, size_t size);
/* The reverse: [p, p+size) of a pool is unused memory again (no access),
 * its bytes unchanged. */
void arena__tool_hide(const void *pool, void *p, size_t size);
/* The allocation [p, p+size) of the pool ends for the tools' records, but
 * its memory stays accessible, bytes unchanged, until whoever owns it
 * releases it (a heap's region that its arena is about to release, which
 * the arena's older cleanups may still read). */
void arena__tool_forget(const void *pool, void *p, size_t size);
#else
#define ARENA__TOOLS 0

static inline bool arena__tool_active(void)
{
    return false;
}
static inline void arena__tool_pool_new(const void *pool, void *p, size_t size)
{
    (void)pool, (void)p, (void)size;
}
static inline void arena__tool_pool_gone(const void *pool, void *p, size_t size)
{
    (void)pool, (void)p, (void)size;
}
static inline void arena__tool_alloc(const void *pool, void *p, size_t size)
{
    (void)pool, (void)p, (void)size;
}
static inline void arena__tool_grow(const void *pool, void *p, size_t old_size, size_t new_size)
{
    (void)pool, (void)p, (void)old_size, (void)new_size;
}
static inline void arena__tool_rewind(const void *pool, void *base, void *p, size_t size)
{
    (void)pool, (void)base, (void)p, (void)size;
}
static inline void arena__tool_shrink(const void *pool, void *p, size_t old_size, size_t new_size)
{
    (void)pool, (void)p, (void)old_size, (void)new_size;
}
static inline void arena__tool_free(const void *pool, void *p, size_t size)
{
    (void)pool, (void)p, (void)size;
}
static inline void arena__tool_unwrite(void *p, size_t size)
{
    (void)p, (void)size;
}
static inline void arena__tool_open(const void *pool, void *p, size_t size)
{
    (void)pool, (void)p, (void)size;
}
static inline void arena__tool_hide(const void *pool, void *p, size_t size)
{
    (void)pool, (void)p, (void)size;
}
static inline void arena__tool_forget(const void *pool, void *p, size_t size)
{
    (void)pool, (void)p, (void)size;
}
#endif

/* Whether a rewind must visit every released block (to fill or poison it);
 * without tools it is O(1). */
#define ARENA__TOOLS_WALK ARENA__TOOLS

#endif /* ARENA_TOOL_H */
