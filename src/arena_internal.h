/*
 * arena_internal.h -- the private layout of an arena and the glue shared by
 * the library's .c files: debug levels, fill patterns, and the one place
 * that talks to AddressSanitizer and Valgrind.
 *
 * Layout.  An arena is a `struct arena` followed, for arena_create and for a
 * caller's buffer, by its first block in the same allocation:
 *
 *     [struct arena][block hdr][pad][data .......................]
 *                    ^ a->first                      ^ block end
 *
 * Every other block is one backing request: [block hdr][pad][data ...].
 * Blocks in use form a chain from the current block (a->cur) back to the
 * first block through `prev`, and forward through `next`; blocks kept for
 * reuse form the spare list (a->spare), linked through `next`, so a rewind
 * moves the blocks after its target onto the spare list in one splice.  Data starts at the block
 * header rounded up to ARENA_DEFAULT_ALIGNMENT.
 *
 * Invariants (checked by arena_check):
 *   - a->cur is in the chain, the chain ends at a->first;
 *   - data(cur) <= hot.pos <= a->limit == end(cur); hot.end == a->limit in
 *     fast mode, hot.end == hot.pos in checked mode (ASan/Valgrind), so the
 *     inline fast path always falls through to code that can unpoison;
 *   - used == cur->used_before + (hot.pos - data(cur)); for chained blocks
 *     used_before is the sum of `top - data` over the older blocks;
 *   - capacity, nblocks and taken are the sums over chain and spares.
 */
#ifndef ARENA_INTERNAL_H
#define ARENA_INTERNAL_H

#include "arena.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* ---- check levels ----------------------------------------------------------
 * 0: release -- only the cheap always-on checks that every error needs.
 * 1: debug   -- assertions with messages, fill patterns.  Default without NDEBUG.
 * 2: expensive -- arena_check() after every out-of-line operation.          */
#ifndef ARENA_DEBUG
#ifdef NDEBUG
#define ARENA_DEBUG 0
#else
#define ARENA_DEBUG 1
#endif
#endif

#if ARENA_DEBUG >= 1
void arena__assert_fail(const char *file, int line, const char *msg);
#define ARENA__ASSERT(cond, msg)                                                                   \
    do {                                                                                           \
        if (!(cond))                                                                               \
            arena__assert_fail(__FILE__, __LINE__, (msg));                                         \
    } while (0)
#else
#define ARENA__ASSERT(cond, msg) ((void)0)
#endif

#if ARENA_DEBUG >= 2
#define ARENA__INVARIANTS(a)                                                                       \
    do {                                                                                           \
        const char *why_;                                                                          \
        if ((a) != NULL && arena_check((a), &why_) != 0)                                           \
            arena__assert_fail(__FILE__, __LINE__, why_);                                          \
    } while (0)
#else
#define ARENA__INVARIANTS(a) ((void)0)
#endif

/* ---- sanitizers ------------------------------------------------------------ */
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

/* ---- structures ------------------------------------------------------------ */

enum { ARENA__ORIGIN_BACKING = 0, ARENA__ORIGIN_EMBEDDED = 1 };

typedef struct arena__block {
    struct arena__block *prev; /* chain: older block (stale on a spare) */
    struct arena__block *next; /* chain: newer block (NULL for cur); spare list: next spare */
    size_t size;               /* data bytes */
    size_t used_before;        /* arena `used` when this block became current */
    uintptr_t top;             /* end of used data when it stopped being current */
    size_t alloc_size;         /* bytes of its backing request; 0 when embedded */
    int origin;
} arena__block_t;

#define ARENA__MARK_STACK 16

struct arena {
    struct arena__hot hot; /* must be first: arena.h's inline path reads it */
    uintptr_t limit;       /* end of the current block's data */
    arena__block_t *cur;
    arena__block_t *first;
    arena__block_t *spare;
    size_t next_size; /* data bytes of the next regular block */
    size_t max_size;  /* cap on `taken`; SIZE_MAX when none */
    size_t taken;     /* bytes from the backing allocator, bookkeeping included */
    size_t capacity;
    size_t nblocks;
    size_t peak;
    size_t ts_chunk; /* bytes a thread reserves at once on the thread-safe path */
    unsigned flags;
    bool checked;     /* ASan or Valgrind: every allocation goes out of line */
    bool own_self;    /* the struct lives in a backing request (not a buffer) */
    size_t self_size; /* size of that request */
    uint64_t id;      /* process-unique, for telling arenas' marks apart */
    uint64_t epoch;   /* arena_reset calls so far: invalidates marks */
    uint64_t tag;     /* process-unique; renewed whenever space is released, so
                         per-thread chunks of the thread-safe path go stale */
    uint64_t serial;  /* marks saved so far */
    /* Position of the newest valid mark (NULL block: none).  Every valid
     * mark lies at or before it, so realloc never resizes in place across it. */
    arena__block_t *mark_block;
    uintptr_t mark_pos;
    arena_backing_t backing; /* alloc == NULL: malloc behind the block cache */
    pthread_mutex_t lock;
#if ARENA_DEBUG >= 1
    /* Valid marks, LIFO, for catching stale ones.  Only the newest
     * ARENA__MARK_STACK are tracked; older ones get the cheaper checks. */
    uint64_t marks[ARENA__MARK_STACK];
    size_t nmarks;
    uint64_t marks_dropped; /* highest serial pushed out of the stack */
#endif
};

static inline uintptr_t arena__data(const arena__block_t *b)
{
    uintptr_t p = (uintptr_t)(b + 1);
    return (p + (ARENA_DEFAULT_ALIGNMENT - 1)) & ~(uintptr_t)(ARENA_DEFAULT_ALIGNMENT - 1);
}

static inline uintptr_t arena__block_end(const arena__block_t *b)
{
    return arena__data(b) + b->size;
}

/* Bytes of header in front of a block's data. */
#define ARENA__BLOCK_HDR                                                                           \
    ((sizeof(arena__block_t) + ARENA_DEFAULT_ALIGNMENT - 1) & ~(ARENA_DEFAULT_ALIGNMENT - 1))

static inline size_t arena__used(const arena_t *a)
{
    return a->cur->used_before + (size_t)(a->hot.pos - arena__data(a->cur));
}

static inline bool arena__pow2(size_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

/* Largest request we entertain: pointer differences must stay defined. */
#define ARENA__MAX_REQUEST ((size_t)PTRDIFF_MAX)

/* ---- shared out-of-line pieces ---------------------------------------------- */

uint64_t arena__new_tag(void);
/* Hands out [p, p+size) after the bump: unpoisons, tells memcheck. */
void arena__mark_allocated(arena_t *a, uintptr_t p, size_t size);
/* The allocation at p, the last one, grew in place from old_size to new_size. */
void arena__mark_grown(arena_t *a, uintptr_t p, size_t old_size, size_t new_size);
/* Makes `size` bytes at p unusable again (fill pattern, poison). */
void arena__mark_released(arena_t *a, arena__block_t *b, uintptr_t p, size_t size);
/* Moves to a block with room for size at alignment (spare or new) and
 * allocates from it; NULL with errno, arena unchanged, on failure.  The
 * caller holds a->lock on the thread-safe path. */
void *arena__alloc_in_new_block(arena_t *a, size_t size, size_t alignment, uintptr_t cur_top);
/* Sets the position and publishes the inline window (end, then position,
 * with release stores) for the current block. */
void arena__publish(arena_t *a, uintptr_t pos);

/* Backing seam (backing.c).  The default backing is malloc behind the
 * process-wide cache. */
void *arena__backing_alloc(const arena_backing_t *hooks, size_t size);
void arena__backing_release(const arena_backing_t *hooks, void *p, size_t size);

/* Debug-level memory tools (debug.c). */
void arena__poison(uintptr_t p, size_t size);
void arena__unpoison(uintptr_t p, size_t size);
bool arena__running_checked(void);
void arena__vg_block_new(arena__block_t *b);
void arena__vg_block_gone(arena__block_t *b);
void arena__vg_alloc(arena__block_t *b, uintptr_t p, size_t size);
void arena__vg_trim(arena__block_t *b, uintptr_t keep_end);

#endif /* ARENA_INTERNAL_H */
