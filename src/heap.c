/*
 * heap.c -- a heap with malloc semantics inside an arena, the per-thread
 * current heap behind the arena_use_* hooks, and the adapters for
 * allocator APIs that pass a context pointer.  A layer: it takes memory
 * with arena_alloc, resizes its newest piece with arena__resize_last
 * (core.h), and registers its end with arena_defer; it reads no field of
 * an arena.
 *
 * Chunks.  Every chunk starts with a 16-byte header, 16-byte aligned, so
 * its memory is aligned like malloc's:
 *
 *     word 0  live: the heap that owns it (0: the C library's malloc);
 *             free: the next free chunk of its bin
 *     word 1  the chunk's bytes, header included (a multiple of 16, at
 *             least 32), a magic number telling live, free, end marker and
 *             orphan apart (top 16 bits; a third word on 32-bit targets),
 *             and PREV_FREE: the chunk before it is free
 *
 * A free chunk also holds, in memory it does not hand out, the previous
 * free chunk of its bin (its first payload word) and a footer with its
 * size (its last word), so that a chunk being freed finds a free chunk
 * before it and merges with it.  Two free chunks are never neighbours.
 *
 * Regions.  Chunks tile regions: pieces of the arena the heap took, each
 * [16-byte region header][chunk][chunk]...[end marker, a 16-byte header].
 * The markers stop merging at the region's edges, so nothing outside the
 * heap is ever read as a chunk.  The newest region grows in place while it
 * ends at the arena's position (arena__resize_last), and shrinks back when
 * a free leaves free space at its end: a freed chunk that was the arena's
 * newest allocation gives its memory back.  A new region (when the newest
 * cannot grow: the block is full, or something else was allocated after
 * it) takes at least ARENA__HEAP_MIN_REGION bytes, so that a heap sharing
 * its arena with other allocations takes memory in pieces of useful size.
 * A request beyond the arena's block size becomes a region in a block of
 * its own (the arena's growth rule).
 *
 * Bins.  Free chunks wait in bins by size: one bin per size up to
 * ARENA__HEAP_SMALL (every 16 bytes), then four per power of two (a
 * bin's sizes differ by at most 25 %), a last bin above 4 GiB.  A bitmap
 * tells which bins hold chunks.  An allocation takes the chunk of its exact
 * bin (small sizes), or the best fit among the first ARENA__HEAP_SCAN
 * chunks of its bin, or the first chunk of the next bin that holds any
 * (every chunk there is big enough), and splits off what it does not need
 * when that is a chunk.  Only when no free chunk fits does it take memory
 * from the arena.  So the memory a heap holds tracks its live bytes plus
 * the free space between live chunks, which merging keeps in few pieces.
 *
 * Lifetime.  The heap's struct and every region come from the arena, each
 * region with a cleanup record (arena_defer) registered just before it,
 * so records and regions are in the same order.  At a rewind the records
 * of the regions being released run first, newest first: each takes the
 * newest region off the heap, unlinks its free chunks from the bins and
 * marks every chunk in it an orphan (a cleanup may still free one: that is
 * ignored), so the heap keeps no pointer into released memory and goes on
 * when the rewind is a restore to a mark saved after the heap was created.
 * The heap's own record, older than all of them, ends the heap.  This walk
 * costs O(chunks) at a rewind that ends regions.
 *
 * Memory tools.  The heap is a memcheck pool (tool.h), nested in the
 * arena's block pools: a live chunk's usable bytes are a chunk of it; a
 * free chunk's memory is poisoned and filled like freed memory, and the
 * heap opens only the words of its own bookkeeping there while it reads or
 * writes them.  Headers stay accessible: the heap reads a pointer's header
 * to check and route it, and the header of memory the arena has released
 * is poisoned by the arena, so a free after a reset is reported there.  A
 * region's end drops its live chunks from the pool's records without
 * poisoning them: the arena's older cleanups may still read them, and the
 * arena poisons the memory itself once they have run.
 *
 * Hooks.  Each thread's current heap is one initial-exec thread-local
 * pointer.  arena_use_malloc allocates from it, or from the C library with
 * the same header (owner 0), so every other hook follows the header: a
 * chunk always goes back where it came from.
 *
 * Invariants (checked by arena_heap_check): chunks tile each region from
 * its header to its end marker; no two free chunks are neighbours;
 * PREV_FREE is set exactly after a free chunk, whose footer holds its size;
 * each free chunk is in the bin of its size, each bin's links are
 * consistent and its bitmap bit is set exactly when it holds a chunk; the
 * counters are the sums over the chunks.
 */
#include "core.h"
#include "debug.h"
#include "os.h"
#include "tool.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- chunks ------------------------------------------------------------------ */

#define ARENA__HEAP_ALIGN ((size_t)16)
#define ARENA__HDR ((size_t)16)
#define ARENA__MIN_CHUNK ((size_t)32)
_Static_assert(ARENA__HEAP_ALIGN % ARENA_DEFAULT_ALIGNMENT == 0,
               "a heap chunk must be aligned like malloc");

typedef struct arena__chunk {
    uintptr_t link;
    size_t head;
#if SIZE_MAX <= 0xFFFFFFFFu
    uint32_t check;
    uint32_t unused;
#endif
} arena__chunk_t;
_Static_assert(sizeof(arena__chunk_t) == ARENA__HDR, "a chunk header is 16 bytes");

#define ARENA__PREV_FREE ((size_t)1)
#define ARENA__LIVE 0x5EA7u   /* handed out (by a heap, or by malloc with owner 0) */
#define ARENA__FREE 0xF7EEu   /* in a bin */
#define ARENA__END 0xE7D5u    /* a region's end marker */
#define ARENA__ORPHAN 0x0F4Au /* in a region its arena is releasing */

#if SIZE_MAX > 0xFFFFFFFFu
#define ARENA__SIZE_MASK ((((size_t)1) << 48) - ARENA__HDR)
static inline unsigned arena__magic(const arena__chunk_t *c)
{
    return (unsigned)(c->head >> 48);
}
static inline void arena__set(arena__chunk_t *c, size_t size, unsigned magic, size_t flags)
{
    c->head = size | flags | ((size_t)magic << 48);
}
#else
#define ARENA__SIZE_MASK ((size_t)PTRDIFF_MAX & ~(ARENA__HDR - 1))
static inline unsigned arena__magic(const arena__chunk_t *c)
{
    return c->check;
}
static inline void arena__set(arena__chunk_t *c, size_t size, unsigned magic, size_t flags)
{
    c->head = size | flags;
    c->check = magic;
}
#endif

/* Largest request: its chunk, and a region holding it, stay in range. */
#define ARENA__HEAP_MAX                                                                            \
    (((ARENA__SIZE_MASK < (size_t)PTRDIFF_MAX ? ARENA__SIZE_MASK : (size_t)PTRDIFF_MAX)            \
      - 4 * ARENA__HDR)                                                                            \
     & ~(ARENA__HDR - 1))

static inline size_t arena__size(const arena__chunk_t *c)
{
    return c->head & ARENA__SIZE_MASK;
}

static inline arena__chunk_t *arena__at(void *p, size_t offset)
{
    return (arena__chunk_t *)(void *)((char *)p + offset);
}

static inline arena__chunk_t *arena__chunk_of(const void *mem)
{
    return (arena__chunk_t *)(void *)((char *)(uintptr_t)mem - ARENA__HDR);
}

static inline void *arena__mem(arena__chunk_t *c)
{
    return (char *)c + ARENA__HDR;
}

/* The chunk bytes for a request of n bytes (n <= ARENA__HEAP_MAX). */
static inline size_t arena__chunk_for(size_t n)
{
    return n <= ARENA__HDR ? ARENA__MIN_CHUNK
                           : ARENA__HDR + ((n + ARENA__HDR - 1) & ~(ARENA__HDR - 1));
}

/* ---- the heap ------------------------------------------------------------------ */

#define ARENA__HEAP_SMALL ((size_t)1024) /* the largest chunk with a bin of its own size */
#define ARENA__HEAP_EXACT (ARENA__HEAP_SMALL / 16 - 1)    /* bins for 32, 48, ... 1024 */
#define ARENA__HEAP_BINS (ARENA__HEAP_EXACT + 4 * 22 + 1) /* classes up to 2^32, then one */
#define ARENA__HEAP_WORDS ((ARENA__HEAP_BINS + 63) / 64)
#define ARENA__HEAP_SCAN 16
#define ARENA__HEAP_MIN_REGION ((size_t)2048)
#define ARENA__HEAP_ALIVE 0x4EA9A11Fu

typedef struct arena__region {
    struct arena__region *older;
    char *end; /* its end marker, once it is not the newest (the heap's `top` until then) */
} arena__region_t;
_Static_assert(sizeof(arena__region_t) <= ARENA__HDR, "a region header is 16 bytes");

struct arena_heap {
    uint32_t alive; /* ARENA__HEAP_ALIVE until the heap ends */
    arena_t *arena;
    char *cur;                /* the newest region, the one that may grow; NULL: none */
    char *top;                /* its end marker */
    arena__region_t *regions; /* newest first */
    size_t live, live_chunks, free, free_chunks, taken, peak_taken, peak_live, nregions, given_back;
    uint64_t map[ARENA__HEAP_WORDS];
    arena__chunk_t *bins[ARENA__HEAP_BINS];
};

static inline size_t arena__log2(size_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return sizeof(unsigned long long) * 8 - 1 - (size_t)__builtin_clzll((unsigned long long)x);
#else
    size_t k = 0;
    while (x >>= 1)
        k++;
    return k;
#endif
}

static inline size_t arena__bin(size_t size)
{
    if (size <= ARENA__HEAP_SMALL)
        return size / 16 - 2;
    size_t k = arena__log2(size);
    size_t b = ARENA__HEAP_EXACT + 4 * (k - 10) + ((size >> (k - 2)) & 3);
    return b < ARENA__HEAP_BINS ? b : ARENA__HEAP_BINS - 1; /* 4 GiB and up: the last */
}

static inline bool arena__map_has(const arena_heap_t *h, size_t b)
{
    return (h->map[b / 64] >> (b % 64)) & 1;
}

/* The first bin at or after b that holds chunks; ARENA__HEAP_BINS if none. */
static size_t arena__map_next(const arena_heap_t *h, size_t b)
{
    for (size_t w = b / 64; w < ARENA__HEAP_WORDS; w++) {
        uint64_t bits = h->map[w];
        if (w == b / 64)
            bits &= ~(uint64_t)0 << (b % 64);
        if (bits != 0) {
#if defined(__GNUC__) || defined(__clang__)
            return w * 64 + (size_t)__builtin_ctzll(bits);
#else
            size_t i = 0;
            while (!((bits >> i) & 1))
                i++;
            return w * 64 + i;
#endif
        }
    }
    return ARENA__HEAP_BINS;
}

/* ---- free-chunk bookkeeping --------------------------------------------------------
 * The previous link and the footer live in a free chunk's poisoned memory:
 * opened for the tools around each access. */

static inline void *arena__prev_slot(arena__chunk_t *c)
{
    return (char *)c + ARENA__HDR;
}

static inline void *arena__foot_slot(arena__chunk_t *c, size_t size)
{
    return (char *)c + size - 8;
}

static uintptr_t arena__slot_get(const arena_heap_t *h, void *slot)
{
    uintptr_t v;
    arena__tool_open(h, slot, 8);
    memcpy(&v, slot, sizeof v);
    arena__tool_hide(h, slot, 8);
    return v;
}

static void arena__slot_put(const arena_heap_t *h, void *slot, uintptr_t v)
{
    arena__tool_open(h, slot, 8);
    memcpy(slot, &v, sizeof v);
    arena__tool_hide(h, slot, 8);
}

static void arena__bin_insert(arena_heap_t *h, arena__chunk_t *c, size_t size)
{
    size_t b = arena__bin(size);
    arena__chunk_t *first = arena__map_has(h, b) ? h->bins[b] : NULL;
    c->link = (uintptr_t)first;
    arena__slot_put(h, arena__prev_slot(c), 0);
    if (first != NULL)
        arena__slot_put(h, arena__prev_slot(first), (uintptr_t)c);
    h->bins[b] = c;
    h->map[b / 64] |= (uint64_t)1 << (b % 64);
    h->free += size;
    h->free_chunks++;
}

static void arena__bin_unlink(arena_heap_t *h, arena__chunk_t *c, size_t size)
{
    size_t b = arena__bin(size);
    arena__chunk_t *next = (arena__chunk_t *)c->link;
    arena__chunk_t *prev = (arena__chunk_t *)arena__slot_get(h, arena__prev_slot(c));
    if (prev != NULL) {
        prev->link = (uintptr_t)next;
    } else {
        h->bins[b] = next;
        if (next == NULL)
            h->map[b / 64] &= ~((uint64_t)1 << (b % 64));
    }
    if (next != NULL)
        arena__slot_put(h, arena__prev_slot(next), (uintptr_t)prev);
    h->free -= size;
    h->free_chunks--;
}

/* [c, c+size) becomes a free chunk in its bin (its header accessible, the
 * rest hidden; the chunk before it is not free). */
static void arena__make_free(arena_heap_t *h, arena__chunk_t *c, size_t size)
{
    arena__set(c, size, ARENA__FREE, 0);
    arena__slot_put(h, arena__foot_slot(c, size), size);
    arena__chunk_t *next = arena__at(c, size);
    next->head |= ARENA__PREV_FREE;
    arena__bin_insert(h, c, size);
}

static void arena__end_marker(arena_heap_t *h, arena__chunk_t *c)
{
    c->link = (uintptr_t)h;
    arena__set(c, 0, ARENA__END, 0);
}

static inline void arena__note_live(arena_heap_t *h, size_t size)
{
    h->live += size - ARENA__HDR;
    h->live_chunks++;
    if (h->live > h->peak_live)
        h->peak_live = h->live;
}

static inline void arena__note_taken(arena_heap_t *h, size_t bytes)
{
    h->taken += bytes;
    if (h->taken > h->peak_taken)
        h->peak_taken = h->taken;
}

static void arena__give(arena_heap_t *h, arena__chunk_t *c, size_t size, bool prev_free);

/* The free chunk c (size bytes, unlinked from its bin) serves `need`
 * bytes: the rest is given up when it can be a chunk (at the end of the
 * newest region, that gives it back to the arena). */
static arena__chunk_t *arena__use_free(arena_heap_t *h, arena__chunk_t *c, size_t size, size_t need)
{
    if (size - need >= ARENA__MIN_CHUNK) {
        arena__chunk_t *rest = arena__at(c, need);
        arena__tool_open(h, rest, ARENA__HDR);
        arena__give(h, rest, size - need, false);
    } else {
        need = size;
        arena__at(c, size)->head &= ~ARENA__PREV_FREE;
    }
    c->link = (uintptr_t)h;
    arena__set(c, need, ARENA__LIVE, 0);
    return c;
}

/* The best fit for `need` among the first chunks of bin b, or NULL. */
static arena__chunk_t *arena__best_in(arena_heap_t *h, size_t b, size_t need)
{
    arena__chunk_t *best = NULL;
    size_t best_size = SIZE_MAX;
    arena__chunk_t *c = h->bins[b];
    for (int i = 0; c != NULL && i < ARENA__HEAP_SCAN; i++, c = (arena__chunk_t *)c->link) {
        size_t size = arena__size(c);
        if (size >= need && size < best_size) {
            best = c;
            best_size = size;
            if (size - need < ARENA__MIN_CHUNK)
                break; /* nothing could be split off: as good as exact */
        }
    }
    return best;
}

/* A free chunk for `need` bytes from the bins, or NULL. */
static arena__chunk_t *arena__take(arena_heap_t *h, size_t need)
{
    size_t b = arena__bin(need);
    arena__chunk_t *c = NULL;
    if (arena__map_has(h, b))
        c = need <= ARENA__HEAP_SMALL ? h->bins[b] : arena__best_in(h, b, need);
    if (c == NULL) {
        size_t next = arena__map_next(h, b + 1);
        if (next == ARENA__HEAP_BINS)
            return NULL;
        c = h->bins[next];
    }
    size_t size = arena__size(c);
    arena__bin_unlink(h, c, size);
    return arena__use_free(h, c, size, need);
}

/* ---- regions -------------------------------------------------------------------- */

static inline size_t arena__region_bytes(const arena_heap_t *h)
{
    return (size_t)(h->top + ARENA__HDR - h->cur);
}

/* Resizes the newest region in place to `bytes`; false when the arena
 * cannot (something follows it, a mark sits in it, the block is full). */
static bool arena__region_resize(arena_heap_t *h, size_t bytes)
{
    return arena__resize_last(h->arena, h->cur, arena__region_bytes(h), bytes);
}

/* The free chunk c (size bytes), whose next chunk is the newest region's
 * end marker, becomes the end marker if the arena takes the memory back. */
static bool arena__give_back(arena_heap_t *h, arena__chunk_t *c, size_t size)
{
    if (!arena__region_resize(h, (size_t)((char *)c + ARENA__HDR - h->cur)))
        return false;
    arena__end_marker(h, c);
    h->top = (char *)c;
    h->taken -= size;
    h->given_back += size;
    return true;
}

/* [c, c+size) is no longer in use: its header is accessible, the rest
 * hidden; prev_free says whether the chunk before it is free.  Merges with
 * free neighbours, then gives the memory back to the arena or bins it. */
static void arena__give(arena_heap_t *h, arena__chunk_t *c, size_t size, bool prev_free)
{
    arena__chunk_t *next = arena__at(c, size);
    if (arena__magic(next) == ARENA__FREE) {
        size_t n = arena__size(next);
        arena__bin_unlink(h, next, n);
        arena__tool_hide(h, next, ARENA__HDR);
        size += n;
        next = arena__at(c, size);
    }
    if (prev_free) {
        size_t p = arena__slot_get(h, (char *)c - 8);
        arena__chunk_t *prev = (arena__chunk_t *)(void *)((char *)c - p);
        arena__bin_unlink(h, prev, p);
        arena__tool_hide(h, c, ARENA__HDR);
        c = prev;
        size += p;
    }
    if ((char *)next == h->top && arena__give_back(h, c, size))
        return;
    arena__make_free(h, c, size);
}

/* Grows the newest region by what `need` bytes lack after its free tail,
 * and makes them a chunk; NULL when the arena cannot. */
static arena__chunk_t *arena__grow_region(arena_heap_t *h, size_t need)
{
    arena__chunk_t *end = (arena__chunk_t *)(void *)h->top;
    arena__chunk_t *c = end;
    size_t have = 0;
    if (end->head & ARENA__PREV_FREE) {
        have = arena__slot_get(h, (char *)end - 8);
        c = (arena__chunk_t *)(void *)((char *)end - have);
    }
    if (have >= need) { /* past the bins' scan: still a fit */
        arena__bin_unlink(h, c, have);
        return arena__use_free(h, c, have, need);
    }
    if (!arena__region_resize(h, arena__region_bytes(h) + need - have))
        return NULL;
    arena__note_taken(h, need - have);
    if (have != 0)
        arena__bin_unlink(h, c, have);
    c->link = (uintptr_t)h;
    arena__set(c, need, ARENA__LIVE, 0);
    h->top = (char *)c + need;
    arena__end_marker(h, (arena__chunk_t *)(void *)h->top);
    return c;
}

static void arena__region_end(void *arg);

/* A new region holding a chunk of `need` bytes (the rest of the region a
 * free chunk); NULL with errno when the arena refuses. */
static arena__chunk_t *arena__new_region(arena_heap_t *h, size_t need)
{
    size_t bytes = need + 2 * ARENA__HDR;
    if (bytes < ARENA__HEAP_MIN_REGION)
        bytes = ARENA__HEAP_MIN_REGION;
    /* The record first, so the region is the arena's newest allocation. */
    if (arena_defer(h->arena, arena__region_end, h) != 0)
        return NULL;
    char *r = arena_alloc_aligned(h->arena, bytes, ARENA__HEAP_ALIGN);
    if (r == NULL) {
        int err = errno;
        (void)arena_undefer(h->arena, arena__region_end, h);
        errno = err;
        return NULL;
    }
    arena__region_t *region = (arena__region_t *)(void *)r;
    region->older = h->regions;
    region->end = NULL;
    if (h->regions != NULL && (char *)h->regions == h->cur)
        h->regions->end = h->top;
    h->regions = region;
    h->nregions++;
    h->cur = r;
    h->top = r + bytes - ARENA__HDR;
    arena__end_marker(h, (arena__chunk_t *)(void *)h->top);
    arena__note_taken(h, bytes);

    arena__chunk_t *c = arena__at(r, ARENA__HDR);
    size_t rest = bytes - 2 * ARENA__HDR - need;
    if (rest >= ARENA__MIN_CHUNK) {
        arena__chunk_t *tail = arena__at(c, need);
        arena__tool_hide(h, arena__mem(tail), rest - ARENA__HDR);
        arena__make_free(h, tail, rest);
    } else {
        need += rest;
    }
    c->link = (uintptr_t)h;
    arena__set(c, need, ARENA__LIVE, 0);
    return c;
}

/* The cleanup of the newest region: the arena is releasing it. */
static void arena__region_end(void *arg)
{
    arena_heap_t *h = (arena_heap_t *)arg;
    arena__region_t *region = h->regions;
    h->regions = region->older;
    h->nregions--;
    arena__chunk_t *c = arena__at(region, ARENA__HDR);
    for (unsigned m; (m = arena__magic(c)) != ARENA__END; c = arena__at(c, arena__size(c))) {
        size_t size = arena__size(c);
        if (m == ARENA__FREE) {
            arena__bin_unlink(h, c, size);
        } else {
            h->live -= size - ARENA__HDR;
            h->live_chunks--;
            arena__tool_forget(h, arena__mem(c), size - ARENA__HDR);
        }
        arena__set(c, size, ARENA__ORPHAN, 0);
    }
    h->taken -= (size_t)((char *)c + ARENA__HDR - (char *)region);
    if ((char *)region == h->cur) {
        /* The next older region may end at the arena's position again. */
        h->cur = (char *)h->regions;
        h->top = h->regions != NULL ? h->regions->end : NULL;
    }
}

/* ---- checks ------------------------------------------------------------------------ */

static ARENA__TLS arena_heap_t *arena__heap_current;

/* The heap's own cleanup: every region has ended before it. */
static void arena__heap_end(void *arg)
{
    arena_heap_t *h = (arena_heap_t *)arg;
    h->alive = 0;
    if (arena__heap_current == h)
        arena__heap_current = NULL;
    arena__tool_pool_gone(h, h, 0);
}

static bool arena__heap_ok(const arena_heap_t *h, const char *call)
{
    (void)call;
    ARENA__ASSERT_CALL(h->alive == ARENA__HEAP_ALIVE, NULL, call,
                       "the heap has ended: its arena was reset, destroyed, or restored to a mark "
                       "saved before the heap was created");
    return h->alive == ARENA__HEAP_ALIVE;
}

#define ARENA__NOT_A_CHUNK                                                                         \
    "not a live chunk: a pointer from plain malloc, a pointer into a chunk, or memory its arena "  \
    "has released (reset, restore or destroy)"

/* Whether c is the header of a live chunk (of any heap, or malloc).  An
 * orphan is silently refused: a cleanup may free what its arena releases. */
static bool arena__chunk_live(const arena__chunk_t *c, const char *name, const char *call)
{
    (void)name, (void)call;
    unsigned m = arena__magic(c);
    ARENA__ASSERT_CALL(m != ARENA__FREE, name, call,
                       "the chunk is free already (a double free, or a use after free)");
    ARENA__ASSERT_CALL(m == ARENA__LIVE || m == ARENA__FREE || m == ARENA__ORPHAN, name, call,
                       ARENA__NOT_A_CHUNK);
    return m == ARENA__LIVE && arena__size(c) >= ARENA__MIN_CHUNK;
}

/* Whether c is the header of a live chunk of h. */
static bool arena__chunk_mine(const arena_heap_t *h, const arena__chunk_t *c, const char *call)
{
    const char *name = ARENA_DEBUG >= 1 ? arena_name(h->arena) : NULL;
    if (!arena__chunk_live(c, name, call))
        return false;
    ARENA__ASSERT_CALL(c->link != 0, name, call,
                       "the chunk comes from malloc (arena_use_malloc with no current heap): "
                       "free it with arena_use_free");
    ARENA__ASSERT_CALL(c->link == 0 || c->link == (uintptr_t)h, name, call,
                       "the chunk belongs to another heap");
    return c->link == (uintptr_t)h;
}

/* The live heap that owns the live chunk c (NULL: malloc). */
static bool arena__owner_ok(const arena__chunk_t *c, const char *call)
{
    if (c->link == 0)
        return true;
    return arena__heap_ok((const arena_heap_t *)c->link, call);
}

/* ---- the heap's API ------------------------------------------------------------- */

arena_heap_t *arena_heap_create(arena_t *a)
{
    if (a == NULL)
        return arena__fail(EINVAL);
    arena_heap_t *h = ARENA_NEW(a, arena_heap_t);
    if (h == NULL)
        return NULL;
    memset(h, 0, offsetof(arena_heap_t, bins)); /* bins are read only where the map says */
    h->arena = a;
    if (arena_defer(a, arena__heap_end, h) != 0) {
        int err = errno;
        (void)arena_pop(a, h, sizeof *h);
        errno = err;
        return NULL;
    }
    h->alive = ARENA__HEAP_ALIVE;
    arena__tool_pool_new(h, h, 0);
    return h;
}

arena_t *arena_heap_arena(const arena_heap_t *h)
{
    return h != NULL ? h->arena : NULL;
}

/* A chunk of `need` bytes: from the bins, else from the arena. */
static arena__chunk_t *arena__get(arena_heap_t *h, size_t need)
{
    arena__chunk_t *c = arena__take(h, need);
    if (c != NULL)
        return c;
    if (h->cur != NULL) {
        c = arena__grow_region(h, need);
        if (c != NULL)
            return c;
    }
    int saved = errno;
    c = arena__new_region(h, need);
    if (c == NULL && errno == ENOMEM) {
        /* The arena's on_limit may have freed chunks into the heap. */
        int err = errno;
        c = arena__take(h, need);
        errno = c != NULL ? saved : err;
    }
    return c;
}

void *arena_heap_alloc(arena_heap_t *h, size_t n)
{
    if (h == NULL || !arena__heap_ok(h, "arena_heap_alloc"))
        return arena__fail(EINVAL);
    if (n > ARENA__HEAP_MAX)
        return arena__fail(ENOMEM);
    arena__chunk_t *c = arena__get(h, arena__chunk_for(n));
    if (c == NULL)
        return NULL;
    size_t size = arena__size(c);
    arena__note_live(h, size);
    arena__tool_alloc(h, arena__mem(c), size - ARENA__HDR);
    return arena__mem(c);
}

void *arena_heap_calloc(arena_heap_t *h, size_t count, size_t n)
{
    if (h == NULL)
        return arena__fail(EINVAL);
    if (n != 0 && count > SIZE_MAX / n)
        return arena__fail(ENOMEM);
    void *p = arena_heap_alloc(h, count * n);
    if (p != NULL)
        memset(p, 0, count * n);
    return p;
}

/* Frees the live chunk c of h. */
static void arena__release(arena_heap_t *h, arena__chunk_t *c)
{
    size_t size = arena__size(c);
    h->live -= size - ARENA__HDR;
    h->live_chunks--;
    arena__tool_free(h, arena__mem(c), size - ARENA__HDR);
    arena__give(h, c, size, (c->head & ARENA__PREV_FREE) != 0);
}

void arena_heap_free(arena_heap_t *h, void *p)
{
    if (h == NULL || p == NULL || !arena__heap_ok(h, "arena_heap_free"))
        return;
    arena__chunk_t *c = arena__chunk_of(p);
    if (arena__chunk_mine(h, c, "arena_heap_free"))
        arena__release(h, c);
}

/* The live chunk c (size bytes) shrinks to `need`, giving up the tail. */
static void arena__shrink(arena_heap_t *h, arena__chunk_t *c, size_t size, size_t need)
{
    arena__tool_shrink(h, arena__mem(c), size - ARENA__HDR, need - ARENA__HDR);
    arena__set(c, need, ARENA__LIVE, c->head & ARENA__PREV_FREE);
    h->live -= size - need;
    arena__chunk_t *rest = arena__at(c, need);
    arena__tool_open(h, rest, ARENA__HDR);
    arena__give(h, rest, size - need, false);
}

/* Grows the live chunk c (size bytes) to `need` in place, into a free next
 * chunk or at the end of the newest region; false when it cannot. */
static bool arena__grow(arena_heap_t *h, arena__chunk_t *c, size_t size, size_t need)
{
    arena__chunk_t *next = arena__at(c, size);
    size_t have = size, nsize = 0;
    if (arena__magic(next) == ARENA__FREE) {
        nsize = arena__size(next);
        have += nsize;
    }
    size_t flags = c->head & ARENA__PREV_FREE;
    if (nsize != 0 && have >= need) {
        arena__bin_unlink(h, next, nsize);
        size_t keep = have - need >= ARENA__MIN_CHUNK ? need : have;
        arena__tool_grow(h, arena__mem(c), size - ARENA__HDR, keep - ARENA__HDR);
        arena__set(c, keep, ARENA__LIVE, flags);
        h->live += keep - size;
        if (keep < have) {
            arena__chunk_t *rest = arena__at(c, keep);
            arena__tool_open(h, rest, ARENA__HDR);
            arena__give(h, rest, have - keep, false);
        } else {
            arena__at(c, have)->head &= ~ARENA__PREV_FREE;
        }
        return true;
    }
    if ((char *)c + have != h->top
        || !arena__region_resize(h, arena__region_bytes(h) + need - have))
        return false;
    arena__note_taken(h, need - have);
    if (nsize != 0)
        arena__bin_unlink(h, next, nsize);
    arena__tool_grow(h, arena__mem(c), size - ARENA__HDR, need - ARENA__HDR);
    arena__set(c, need, ARENA__LIVE, flags);
    h->live += need - size;
    h->top = (char *)c + need;
    arena__end_marker(h, (arena__chunk_t *)(void *)h->top);
    return true;
}

/* realloc of the live chunk c of h to n bytes (n != 0). */
static void *arena__resize(arena_heap_t *h, arena__chunk_t *c, size_t n)
{
    if (n > ARENA__HEAP_MAX)
        return arena__fail(ENOMEM);
    size_t need = arena__chunk_for(n), size = arena__size(c);
    void *p = arena__mem(c);
    if (need <= size) {
        if (size - need >= ARENA__MIN_CHUNK)
            arena__shrink(h, c, size, need);
        return p;
    }
    if (arena__grow(h, c, size, need)) {
        if (h->live > h->peak_live)
            h->peak_live = h->live;
        return p;
    }
    void *q = arena_heap_alloc(h, n);
    if (q == NULL)
        return NULL;
    memcpy(q, p, size - ARENA__HDR);
    arena__release(h, c);
    return q;
}

void *arena_heap_realloc(arena_heap_t *h, void *p, size_t n)
{
    if (h == NULL)
        return arena__fail(EINVAL);
    if (n == 0) {
        arena_heap_free(h, p);
        return NULL;
    }
    if (p == NULL)
        return arena_heap_alloc(h, n);
    arena__chunk_t *c = arena__chunk_of(p);
    bool ok =
        arena__heap_ok(h, "arena_heap_realloc") && arena__chunk_mine(h, c, "arena_heap_realloc");
    return ok ? arena__resize(h, c, n) : arena__fail(EINVAL);
}

size_t arena_heap_size(const void *p)
{
    if (p == NULL)
        return 0;
    const arena__chunk_t *c = arena__chunk_of(p);
    return arena__chunk_live(c, NULL, "arena_heap_size") ? arena__size(c) - ARENA__HDR : 0;
}

void arena__heap_stats_sized(const arena_heap_t *h, arena_heap_stats_t *out, size_t out_size)
{
    arena_heap_stats_t s;
    memset(&s, 0, sizeof s);
    if (h != NULL && arena__heap_ok(h, "arena_heap_stats")) {
        s.live = h->live;
        s.live_chunks = h->live_chunks;
        s.free = h->free;
        s.free_chunks = h->free_chunks;
        s.taken = h->taken;
        s.peak_taken = h->peak_taken;
        s.peak_live = h->peak_live;
        s.regions = h->nregions;
        s.given_back = h->given_back;
    }
    if (out == NULL)
        return;
    /* A caller that knows more fields than this library sees them 0. */
    size_t n = out_size < sizeof s ? out_size : sizeof s;
    memcpy(out, &s, n);
    if (out_size > n)
        memset((char *)out + n, 0, out_size - n);
}

/* ---- the invariant walk ---------------------------------------------------------- */

static int arena__broken(const char **why, const char *what)
{
    if (why != NULL)
        *why = what;
    errno = EINVAL;
    return -1;
}

#define ARENA__EXPECT(cond, what)                                                                  \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return arena__broken(why, (what));                                                     \
    } while (0)

int arena_heap_check(const arena_heap_t *h, const char **why)
{
    ARENA__EXPECT(h != NULL, "NULL heap");
    ARENA__EXPECT(h->alive == ARENA__HEAP_ALIVE, "the heap has ended");
    ARENA__EXPECT((char *)h->regions == h->cur, "the growing region is not the newest");
    size_t live = 0, nlive = 0, free = 0, nfree = 0, taken = 0, nregions = 0;
    for (const arena__region_t *r = h->regions; r != NULL; r = r->older) {
        ARENA__EXPECT(++nregions <= h->nregions, "more regions than counted");
        /* Every step stays inside the region, whatever a header says. */
        char *end = (char *)r == h->cur ? h->top : r->end;
        arena__chunk_t *c = arena__at((void *)(uintptr_t)r, ARENA__HDR);
        bool prev_free = false;
        for (; (char *)c < end; c = arena__at(c, arena__size(c))) {
            unsigned m = arena__magic(c);
            size_t size = arena__size(c);
            ARENA__EXPECT(((c->head & ARENA__PREV_FREE) != 0) == prev_free,
                          "PREV_FREE disagrees with the chunk before");
            ARENA__EXPECT(m == ARENA__LIVE || m == ARENA__FREE,
                          "a chunk header has a bad magic number");
            ARENA__EXPECT(size >= ARENA__MIN_CHUNK && size % ARENA__HDR == 0
                              && size <= (size_t)(end - (char *)c),
                          "a chunk size is not a multiple of 16 of at least 32 inside its region");
            ARENA__EXPECT(m == ARENA__FREE || c->link == (uintptr_t)h,
                          "a live chunk names another owner");
            ARENA__EXPECT(m == ARENA__LIVE || !prev_free, "two free chunks are neighbours");
            ARENA__EXPECT(m == ARENA__LIVE || arena__slot_get(h, arena__foot_slot(c, size)) == size,
                          "a free chunk's footer disagrees with its size");
            ARENA__EXPECT(m == ARENA__LIVE || arena__map_has(h, arena__bin(size)),
                          "a free chunk's bin is marked empty");
            live += m == ARENA__LIVE ? size - ARENA__HDR : 0;
            nlive += m == ARENA__LIVE;
            free += m == ARENA__FREE ? size : 0;
            nfree += m == ARENA__FREE;
            prev_free = m == ARENA__FREE;
        }
        ARENA__EXPECT(arena__magic(c) == ARENA__END && c->link == (uintptr_t)h
                          && ((c->head & ARENA__PREV_FREE) != 0) == prev_free,
                      "a region does not end with its end marker");
        taken += (size_t)((char *)c + ARENA__HDR - (const char *)r);
    }
    ARENA__EXPECT(nregions == h->nregions, "fewer regions than counted");
    size_t bfree = 0, bnfree = 0;
    for (size_t b = 0; b < ARENA__HEAP_BINS; b++) {
        bool full = arena__map_has(h, b);
        ARENA__EXPECT(!full || h->bins[b] != NULL, "a bin marked full is empty");
        uintptr_t prev = 0;
        for (arena__chunk_t *c = full ? h->bins[b] : NULL; c != NULL;
             c = (arena__chunk_t *)c->link) {
            ARENA__EXPECT(bnfree++ < nfree, "the bins hold more chunks than the regions");
            ARENA__EXPECT(arena__magic(c) == ARENA__FREE && arena__bin(arena__size(c)) == b,
                          "a bin holds a chunk that is not free or not its size");
            ARENA__EXPECT(arena__slot_get(h, arena__prev_slot(c)) == prev,
                          "a bin's links disagree");
            prev = (uintptr_t)c;
            bfree += arena__size(c);
        }
    }
    ARENA__EXPECT(bnfree == nfree && bfree == free,
                  "the bins and the regions disagree about the free chunks");
    ARENA__EXPECT(live == h->live && nlive == h->live_chunks && free == h->free
                      && nfree == h->free_chunks && taken == h->taken,
                  "a counter disagrees with the chunks");
    ARENA__EXPECT(taken == live + ARENA__HDR * nlive + free + 2 * ARENA__HDR * nregions
                      && h->peak_taken >= taken && h->peak_live >= live,
                  "the counters do not add up");
    return 0;
}

/* ---- the current heap and the arena_use_* hooks --------------------------------- */

arena_heap_t *arena_heap_use(arena_heap_t *h)
{
    if (h != NULL)
        (void)arena__heap_ok(h, "arena_heap_use");
    arena_heap_t *old = arena__heap_current;
    arena__heap_current = h;
    return old;
}

/* A chunk of n bytes from the C library, with a heap chunk's header. */
static void *arena__sys_alloc(size_t n)
{
    if (n > ARENA__HEAP_MAX)
        return arena__fail(ENOMEM);
    size_t size = arena__chunk_for(n);
    arena__chunk_t *c = (arena__chunk_t *)malloc(size);
    if (c == NULL)
        return arena__fail(ENOMEM);
    c->link = 0;
    arena__set(c, size, ARENA__LIVE, 0);
    return arena__mem(c);
}

void *arena_use_malloc(size_t n)
{
    arena_heap_t *h = arena__heap_current;
    return h != NULL ? arena_heap_alloc(h, n) : arena__sys_alloc(n);
}

void *arena_use_calloc(size_t count, size_t n)
{
    if (n != 0 && count > SIZE_MAX / n)
        return arena__fail(ENOMEM);
    void *p = arena_use_malloc(count * n);
    if (p != NULL)
        memset(p, 0, count * n);
    return p;
}

void arena_use_free(void *p)
{
    if (p == NULL)
        return;
    arena__chunk_t *c = arena__chunk_of(p);
    if (!arena__chunk_live(c, NULL, "arena_use_free") || !arena__owner_ok(c, "arena_use_free"))
        return;
    if (c->link == 0) {
        arena__set(c, arena__size(c), ARENA__FREE, 0);
        free(c);
        return;
    }
    arena__release((arena_heap_t *)c->link, c);
}

void *arena_use_realloc(void *p, size_t n)
{
    if (n == 0) {
        arena_use_free(p);
        return NULL;
    }
    if (p == NULL)
        return arena_use_malloc(n);
    arena__chunk_t *c = arena__chunk_of(p);
    bool ok =
        arena__chunk_live(c, NULL, "arena_use_realloc") && arena__owner_ok(c, "arena_use_realloc");
    if (ok && c->link != 0)
        return arena__resize((arena_heap_t *)c->link, c, n);
    if (!ok || n > ARENA__HEAP_MAX) /* a chunk from malloc stays with malloc */
        return arena__fail(ok ? ENOMEM : EINVAL);
    size_t size = arena__chunk_for(n);
    arena__chunk_t *d = (arena__chunk_t *)realloc(c, size);
    if (d == NULL)
        return arena__fail(ENOMEM);
    arena__set(d, size, ARENA__LIVE, 0);
    return arena__mem(d);
}

char *arena_use_strdup(const char *s)
{
    if (s == NULL)
        return arena__fail(EINVAL);
    size_t n = strlen(s) + 1;
    char *p = (char *)arena_use_malloc(n);
    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

size_t arena_use_size(const void *p)
{
    return arena_heap_size(p);
}

/* ---- adapters ------------------------------------------------------------------- */

void *arena_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)osize;
    return arena_heap_realloc((arena_heap_t *)ud, ptr, nsize);
}

void *arena_zalloc(void *opaque, unsigned items, unsigned size)
{
    /* Not zeroed, like zlib's own default.  The product can overflow only
     * where size_t is no wider than unsigned: SIZE_MAX is then refused. */
    size_t n = size != 0 && items > SIZE_MAX / size ? SIZE_MAX : (size_t)items * size;
    return arena_heap_alloc((arena_heap_t *)opaque, n);
}

void arena_zfree(void *opaque, void *ptr)
{
    arena_heap_free((arena_heap_t *)opaque, ptr);
}

void *arena_ud_malloc(size_t n, void *data)
{
    return arena_heap_alloc((arena_heap_t *)data, n);
}

void arena_ud_free(void *p, void *data)
{
    arena_heap_free((arena_heap_t *)data, p);
}
