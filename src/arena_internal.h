/*
 * arena_internal.h -- the private layout of an arena, shared by the core
 * (arena.c, introspect.c) and the thread-safe path (threadsafe.c), and the
 * small arithmetic every size and address computation goes through.  The
 * layers (realloc.c, strings.c) see none of this: they use core.h.
 *
 * Layout.  An arena is a `struct arena` followed, for arena_create and for a
 * caller's buffer, by its first block in the same allocation:
 *
 *     [struct arena][block hdr][data .......................]
 *                    ^ a->first                ^ block end
 *
 * Every other block is one backing request: [block hdr][data ...].  Blocks
 * in use form a chain from the current block (a->cur) back to the first
 * block through `prev`, and forward through `next`; blocks kept for reuse
 * form the spare list (a->spare), linked through `next`, so a rewind moves
 * the blocks after its target onto the spare list in one splice.  Data
 * starts right after the header, which is a multiple of
 * ARENA_DEFAULT_ALIGNMENT, so every block's data is aligned.
 *
 * Invariants (checked by arena_check):
 *   - a->cur is in the chain, the chain ends at a->first;
 *   - data(cur) <= hot.pos <= a->limit == end(cur); hot.end == a->limit in
 *     fast mode, hot.end == hot.pos in checked mode (a memory tool watches),
 *     so the inline fast path always falls through to code that tells it;
 *   - used == cur->used_before + (hot.pos - data(cur)); for chained blocks
 *     used_before is the sum of `top - data` over the older blocks;
 *   - capacity, nblocks and taken are the sums over chain and spares.
 */
#ifndef ARENA_INTERNAL_H
#define ARENA_INTERNAL_H

#include "arena.h"
#include "core.h"
#include "debug.h"
#include "os.h"
#include "tool.h"

#include <stdatomic.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if ARENA_DEBUG >= 2
#define ARENA__INVARIANTS(a)                                                                       \
    do {                                                                                           \
        const char *why_;                                                                          \
        if ((a) != NULL && arena_check((a), &why_) != 0)                                           \
            arena__assert_fail(NULL, "arena_check", __FILE__, __LINE__, why_);                     \
    } while (0)
#else
#define ARENA__INVARIANTS(a) ((void)0)
#endif

/* Keeps a slow path out of its caller, so the fast path stays a leaf. */
#if defined(__GNUC__) || defined(__clang__)
#define ARENA__NOINLINE __attribute__((noinline))
#define ARENA__ALWAYS_INLINE __attribute__((always_inline))
#else
#define ARENA__NOINLINE
#define ARENA__ALWAYS_INLINE
#endif

/* ---- structures ------------------------------------------------------------ */

typedef struct arena__block {
    struct arena__block *prev; /* chain: older block (stale on a spare) */
    struct arena__block *next; /* chain: newer block (NULL for cur); spare list: next spare */
    size_t size;               /* data bytes */
    size_t used_before;        /* arena `used` when this block became current */
    uintptr_t top;             /* end of used data when it stopped being current */
    size_t alloc_size;         /* bytes of its own backing request; 0: it shares the
                                  arena's request or lives in a caller's buffer */
} arena__block_t;

/* A record of the lifetimes list (lifetime.c), allocated from the arena
 * itself: a pending cleanup (fn set) or a child (fn NULL). */
typedef struct arena__life {
    struct arena__life *older;
    /* The serial of the first mark saved while this record headed the
     * list (0: none), so that a restore to mark m ends exactly the records
     * above the one m found at the head (see arena__after).  Written by the
     * mark, not by the registration, which then reads no counter. */
    uint64_t seal;
    void (*fn)(void *arg);
    void *arg; /* a child's record: the child, NULL once it ended (atomic
                  accesses only: an early destroy may run on another thread) */
} arena__life_t;

struct arena {
    struct arena__hot hot; /* must be first: arena.h's inline path reads it */
    /* The rest of the first cache line: what registering a cleanup and
     * checking a change touch besides the window. */
    const char *closed;      /* see below */
    _Atomic unsigned pinned; /* > 0 while a descendant is released: no reset,
                                restore, destroy or registration */
    unsigned flags;
    uint64_t serial;     /* marks saved: the newest mark's serial */
    arena__life_t *life; /* lifetimes (lifetime.c): newest record first */
    /* Cleanups and children end as one LIFO; the core calls
     * on_release (set once there is something to end, and for a child of a
     * fixed buffer parent) before it releases any memory: from 0 (every
     * record) at reset and destroy, from the mark's serial at restore. */
    void (*on_release)(arena_t *a, uint64_t from, bool destroying);
    /* The second line starts with what the thread-safe path's fast path
     * reads (threadsafe.c). */
    uint64_t id;     /* process-unique, for telling arenas' marks apart */
    uint64_t tag;    /* process-unique; renewed (arena__retag) whenever space is
                        released, so per-thread chunks of the thread-safe path go stale */
    uintptr_t limit; /* end of the current block's data */
    arena__block_t *cur;
    arena__block_t *first;
    arena__block_t *spare;
    size_t next_size; /* data bytes of the next regular block */
    size_t max_size;  /* cap on `subtree`; SIZE_MAX when none */
    size_t taken;     /* bytes from the backing allocator, bookkeeping included */
    size_t capacity;
    size_t nblocks;
    size_t peak;
    size_t ts_chunk;  /* most bytes a thread reserves at once on the thread-safe path */
    size_t self_size; /* bytes of the backing request holding the struct; 0 in a buffer */
    bool checked;     /* a memory tool watches: every allocation goes out of line */
    bool heap_free;   /* a fixed arena in a caller's buffer: never touch the heap */
    bool lock_used;   /* `lock` was taken: it needs destroying (one never taken does not) */
    bool capped;      /* this arena or an ancestor has a max_size: subtree is counted */
    uint64_t epoch;   /* arena_reset calls so far: invalidates marks */
    /* Position of the newest valid mark (NULL block: none).  Every valid
     * mark lies at or before it, so nothing resizes in place across it. */
    arena__block_t *mark_block;
    uintptr_t mark_pos;
    arena_backing_t backing; /* always set: the default is the block cache */
    arena__os_lock_t lock;   /* the thread-safe path's */
    arena__marks_t marks;    /* debug builds: which marks are valid */

    arena_t *parent;
    arena__life_t *record;  /* this child's record in its parent's list: the
                               start of the unit it lives in (lifetime.c) */
    _Atomic size_t subtree; /* bytes taken by this arena and all its descendants:
                               what max_size caps */
    /* A child of a fixed buffer parent: the bytes of its unit (record,
     * struct, block) that its early destroy gives back to the parent; 0:
     * nothing to give back. */
    size_t in_parent_len;
    /* `closed` (above) is non-NULL while the arena may only be read (its
     * cleanups run, its on_limit runs): why, for the debug message.  The
     * inline window is shut meanwhile, so that every allocation meets the
     * check. */
    int (*on_limit)(arena_t *a, size_t wanted, void *user);
    void *on_limit_user;
    char name[ARENA_NAME_MAX + 1];
};

/* A child's record's `arg` while the child's own destroy is under way
 * (lifetime.c): its parent must neither end it nor reuse or release its
 * space until the destroy stores NULL, last. */
extern const char arena__ending_mark;
#define ARENA__ENDING ((void *)&arena__ending_mark)

/* Was record r made after the mark with serial `from` (from 0: after
 * everything, at reset and destroy)?  The head the mark found carries a
 * seal at or below its serial (the first mark that found it sealed it);
 * every record above that head was made later, so it is unsealed or was
 * sealed by a later mark. */
static inline bool arena__after(const arena__life_t *r, uint64_t from)
{
    return r->seal - 1 >= from; /* seal 0 wraps to the top: unsealed is after all */
}

/* ---- arithmetic -------------------------------------------------------------
 * Every size computation is checked for overflow, and no pointer is ever
 * formed past the end of a block to compare it: positions are compared as
 * sizes (avail = end - pos, then pad <= avail && size <= avail - pad). */

/* Largest request we entertain: pointer differences must stay defined. */
#define ARENA__MAX_REQUEST ((size_t)PTRDIFF_MAX)
#define ARENA__ALIGN ARENA_DEFAULT_ALIGNMENT

static inline bool arena__pow2(size_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

static inline uintptr_t arena__align_up(uintptr_t p, size_t alignment)
{
    return p + arena__padding(p, alignment);
}

/* n rounded up to a multiple of `alignment` (a power of two); false when
 * that overflows. */
static inline bool arena__round_up(size_t n, size_t alignment, size_t *out)
{
    if (n > SIZE_MAX - (alignment - 1))
        return false;
    *out = (n + alignment - 1) & ~(alignment - 1);
    return true;
}

/* Compile-time twin of arena__round_up for constants. */
#define ARENA__ROUND(n) (((n) + ARENA__ALIGN - 1) & ~(ARENA__ALIGN - 1))

/* Does `size` at `alignment` fit in [pos, end)?  Sets *p to its start. */
static inline bool arena__fits(uintptr_t pos, uintptr_t end, size_t size, size_t alignment,
                               uintptr_t *p)
{
    size_t avail = (size_t)(end - pos);
    size_t pad = arena__padding(pos, alignment);
    if (pad > avail || size > avail - pad)
        return false;
    *p = pos + pad;
    return true;
}

/* Data bytes a fresh block needs so that `size` fits at `alignment`: a
 * block's data start is only known to be ARENA__ALIGN-aligned, so a larger
 * alignment may cost up to alignment - ARENA__ALIGN bytes of padding.
 * Rounded to ARENA__ALIGN; false when the request cannot be a block. */
static inline bool arena__block_room(size_t size, size_t alignment, size_t *need)
{
    size_t slack = alignment > ARENA__ALIGN ? alignment - ARENA__ALIGN : 0;
    return size <= ARENA__MAX_REQUEST - slack && arena__round_up(size + slack, ARENA__ALIGN, need);
}

/* ---- blocks ------------------------------------------------------------------ */

#define ARENA__BLOCK_HDR ARENA__ROUND(sizeof(arena__block_t))
#define ARENA__SELF ARENA__ROUND(sizeof(struct arena))
/* Most data a block can hold: its request stays within PTRDIFF_MAX. */
#define ARENA__MAX_BLOCK                                                                           \
    ((ARENA__MAX_REQUEST - ARENA__SELF - ARENA__BLOCK_HDR) & ~(ARENA__ALIGN - 1))

static inline uintptr_t arena__data(const arena__block_t *b)
{
    return (uintptr_t)b + ARENA__BLOCK_HDR;
}

static inline uintptr_t arena__block_end(const arena__block_t *b)
{
    return arena__data(b) + b->size;
}

/* End of the used part of a chained block. */
static inline uintptr_t arena__top(const arena_t *a, const arena__block_t *b)
{
    return b == a->cur ? a->hot.pos : b->top;
}

/* Is [p, p+size) the newest allocation, with no mark saved after it?  (A
 * mark saved after p sits above it: resizing in place would cut below the
 * mark, or hand out space a restore to it would take back.) */
static inline bool arena__newest(const arena_t *a, const void *ptr, size_t size)
{
    uintptr_t p = (uintptr_t)ptr, pos = a->hot.pos;
    return p >= arena__data(a->cur) && p <= pos && pos - p == size
           && !(a->mark_block == a->cur && a->mark_pos > p);
}

static inline size_t arena__used(const arena_t *a)
{
    return a->cur->used_before + (size_t)(a->hot.pos - arena__data(a->cur));
}

/* arena_save for a non-NULL arena, inline so that a caller returning the
 * mark (a scratch pair) builds it in place. */
static inline arena_mark_t arena__save(arena_t *a)
{
    arena_mark_t m = {a->cur, a->hot.pos, a->id, a->epoch, ++a->serial};
    if (a->life != NULL && a->life->seal == 0)
        a->life->seal = m.serial; /* the head this mark found */
    a->mark_block = a->cur;
    a->mark_pos = a->hot.pos;
    arena__marks_push(&a->marks, m.serial, !a->heap_free);
    return m;
}

/* arena_restore with the mark by address (no copy of it on the way). */
void arena__restore(arena_t *a, const arena_mark_t *m);

/* ---- shared out-of-line pieces ---------------------------------------------- */

/* Gives the arena a tag it never had, unique in the process: per-thread
 * chunks reserved under the old one go stale.  (Tags come in ranges of
 * ARENA__TAG_RANGE per arena, see arena.c; a used-up range takes a new one
 * out of line.) */
#define ARENA__TAG_BITS 20
#define ARENA__TAG_RANGE ((uint64_t)1 << ARENA__TAG_BITS)
void arena__retag_range(arena_t *a);
static inline void arena__retag(arena_t *a)
{
    if (ARENA__UNLIKELY(++a->tag % ARENA__TAG_RANGE == 0))
        arena__retag_range(a);
}
/* Sets the position and publishes the inline window for the current
 * block: the end before the position, with release stores, so that a
 * thread on the lock-free path that sees the new position also sees the
 * new end (threadsafe.c).  In checked mode, and while the arena is closed,
 * the window is empty, so every allocation comes out of line. */
static inline void arena__publish(arena_t *a, uintptr_t pos)
{
    bool shut = a->checked || a->closed != NULL;
    __atomic_store_n(&a->hot.end, shut ? pos : a->limit, __ATOMIC_RELEASE);
    __atomic_store_n(&a->hot.pos, pos, __ATOMIC_RELEASE);
}
/* Moves to a block with room for `min` bytes at `alignment`, giving up to
 * `want` (min <= want) when the block has it, retires the current block at
 * cur_top, and sets the position after the grant.  Returns the grant's
 * start and its size in *got; NULL with errno, arena unchanged, on failure.
 * The caller holds a->lock on the thread-safe path. */
void *arena__next_block(arena_t *a, size_t min, size_t want, size_t alignment, uintptr_t cur_top,
                        size_t *got);
/* The options a sized entry point was given, as this library reads them:
 * the caller's own when they have this header's size; otherwise a copy in
 * *copy of the fields both know, the rest zero.  NULL (EINVAL for the
 * caller) when the size is below `min` or a field this library does not
 * know is set. */
const arena_options_t *arena__options_in(const arena_options_t *options, size_t size, size_t min,
                                         arena_options_t *copy);
/* Creates a top-level arena from options already validated:
 * in the caller's buffer, or one backing request. */
arena_t *arena__create(const arena_options_t *o);
/* Sets up a child of `parent` (options validated) in `space`
 * (ARENA__SELF bytes of the parent's memory), its first block at b with
 * `data` bytes (0: none, it takes a block of its block_size at its first
 * allocation).  The caller links it into the parent's list. */
arena_t *arena__start_child(const arena_options_t *o, arena_t *parent, void *space,
                            arena__block_t *b, size_t data);
/* The slow path without on_limit: what fits, or the next block. */
void *arena__alloc_once(arena_t *a, size_t size, size_t alignment);
/* Says no to a change of a closed or pinned arena (a debug build stops). */
bool arena__refuse(const arena_t *a, const char *call);

/* The check at the top of every call that changes an arena: false (and a
 * debug build stops) when the arena is closed or pinned. */
static inline bool arena__may_change(const arena_t *a, const char *call)
{
    if (ARENA__LIKELY(a->closed == NULL
                      && atomic_load_explicit(&a->pinned, memory_order_relaxed) == 0))
        return true;
    return arena__refuse(a, call);
}
/* Asks the arena's on_limit, if any, whether to retry a request of
 * `wanted` bytes (the arena is closed meanwhile); false without one. */
bool arena__ask_on_limit(arena_t *a, size_t wanted);

#endif /* ARENA_INTERNAL_H */
