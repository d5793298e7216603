/*
 * backing.c -- the one seam between arenas and the memory they are made of.
 *
 * Every block an arena takes or gives back passes through
 * arena__backing_alloc/arena__backing_release.  An arena created with
 * backing hooks calls them and nothing else (this is where the tests inject
 * failures); an arena with the default backing gets malloc/free behind a
 * small process-wide cache.
 *
 * The cache exists because the cost that dominates short-lived arenas is
 * not the allocator's bookkeeping but first-touch page faults on memory
 * fresh from the system.  A destroyed arena's blocks are kept and handed to
 * the next request of exactly the same size, already faulted in.  Exact
 * sizes keep the arithmetic of callers (a fixed arena of N bytes serves N
 * bytes, max_size accounting) independent of what happens to be cached.
 * Small blocks are kept resident under a small cap (one huge arena cannot
 * flush them: each is at most a quarter of the cap).  Large blocks are kept
 * under a larger cap but only after MADV_FREE: the memory stays mapped and,
 * unless the kernel needed it meanwhile, comes back without a fault, while
 * the system can reclaim it at any time, so a big cache does not hold memory
 * that anything else wants.  A mutex guards the slots: it is taken once per
 * block, not per allocation.
 *
 * Large blocks (ARENA__HUGE_MIN and up) from malloc are advised to use
 * transparent huge pages where the kernel offers them (MADV_HUGEPAGE on the
 * 2 MiB-aligned interior): a bump allocator fills its blocks front to back,
 * so a huge page is used in full, and one fault per 2 MiB instead of one per
 * 4 KiB is most of the cost of fresh memory.
 */
#include "arena_internal.h"

#include <stdlib.h>
#include <sys/mman.h>

#define ARENA__HUGE_PAGE ((uintptr_t)2 * 1024 * 1024)
#define ARENA__HUGE_MIN ((size_t)4 * 1024 * 1024)

static void arena__advise_huge(void *p, size_t size)
{
#ifdef MADV_HUGEPAGE
    uintptr_t lo = ((uintptr_t)p + ARENA__HUGE_PAGE - 1) & ~(ARENA__HUGE_PAGE - 1);
    uintptr_t hi = ((uintptr_t)p + size) & ~(ARENA__HUGE_PAGE - 1);
    if (hi > lo)
        (void)madvise((void *)lo, (size_t)(hi - lo), MADV_HUGEPAGE); /* advice only */
#else
    (void)p;
    (void)size;
#endif
}

#define ARENA__CACHE_SLOTS 64

/* Two tiers share the slots.  Small blocks stay resident, up to `limit`.
 * Large blocks (ARENA__HUGE_MIN and up: the blocks of big arenas) are kept
 * up to `lazy_limit` after MADV_FREE, which lets the kernel take their pages
 * back whenever it needs memory, and costs nothing on reuse if it did not:
 * the memory is cached without being held. */
static struct {
    pthread_mutex_t lock;
    size_t limit;
    size_t lazy_limit;
    size_t bytes;      /* small tier */
    size_t lazy_bytes; /* large tier */
    size_t n;
    struct {
        void *p;
        size_t size;
    } slot[ARENA__CACHE_SLOTS];
} arena__cache = {PTHREAD_MUTEX_INITIALIZER,
                  ARENA_CACHE_DEFAULT_LIMIT,
                  ARENA_CACHE_DEFAULT_LAZY_LIMIT,
                  0,
                  0,
                  0,
                  {{NULL, 0}}};

static bool arena__large(size_t size)
{
    return size >= ARENA__HUGE_MIN;
}

static size_t *arena__tier_bytes(size_t size)
{
    return arena__large(size) ? &arena__cache.lazy_bytes : &arena__cache.bytes;
}

/* MADV_FREE on the page-aligned interior; false where the system has none. */
static bool arena__advise_free(void *p, size_t size)
{
#ifdef MADV_FREE
    uintptr_t page = 4096;
    uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t hi = ((uintptr_t)p + size) & ~(page - 1);
    return hi <= lo || madvise((void *)lo, (size_t)(hi - lo), MADV_FREE) == 0;
#else
    (void)p;
    (void)size;
    return false;
#endif
}

static void *arena__default_alloc(size_t size)
{
    void *p = NULL;
    pthread_mutex_lock(&arena__cache.lock);
    /* Newest first: it is the likeliest to be in cache and TLB. */
    for (size_t i = arena__cache.n; i-- > 0;) {
        if (arena__cache.slot[i].size == size) {
            p = arena__cache.slot[i].p;
            arena__cache.slot[i] = arena__cache.slot[--arena__cache.n];
            *arena__tier_bytes(size) -= size;
            break;
        }
    }
    pthread_mutex_unlock(&arena__cache.lock);
    if (p == NULL) {
        p = malloc(size);
        if (p != NULL && arena__large(size))
            arena__advise_huge(p, size);
    }
    return p;
}

/* Room in the block's tier (the caller holds the lock). */
static bool arena__cache_fits(size_t size)
{
    if (arena__cache.n == ARENA__CACHE_SLOTS)
        return false;
    if (arena__large(size))
        return size <= arena__cache.lazy_limit - arena__cache.lazy_bytes;
    return size <= arena__cache.limit / 4 && size <= arena__cache.limit - arena__cache.bytes;
}

static void arena__default_release(void *p, size_t size)
{
    pthread_mutex_lock(&arena__cache.lock);
    bool keep = arena__cache_fits(size);
    pthread_mutex_unlock(&arena__cache.lock);
    /* The advice is a system call: outside the lock, before the block is
     * visible to another thread. */
    if (keep && arena__large(size))
        keep = arena__advise_free(p, size);
    if (keep) {
        pthread_mutex_lock(&arena__cache.lock);
        keep = arena__cache_fits(size); /* another thread may have filled it */
        if (keep) {
            arena__cache.slot[arena__cache.n].p = p;
            arena__cache.slot[arena__cache.n].size = size;
            arena__cache.n++;
            *arena__tier_bytes(size) += size;
        }
        pthread_mutex_unlock(&arena__cache.lock);
    }
    if (!keep)
        free(p);
}

void *arena__backing_alloc(const arena_backing_t *hooks, size_t size)
{
    if (hooks->alloc == NULL)
        return arena__default_alloc(size);
    return hooks->alloc(hooks->user, size);
}

void arena__backing_release(const arena_backing_t *hooks, void *p, size_t size)
{
    if (hooks->alloc == NULL)
        arena__default_release(p, size);
    else
        hooks->release(hooks->user, p, size);
}

/* Frees cached blocks of one tier until at most `keep` bytes of it remain. */
static void arena__cache_shrink(bool large, size_t keep)
{
    for (;;) {
        void *p = NULL;
        pthread_mutex_lock(&arena__cache.lock);
        size_t *bytes = large ? &arena__cache.lazy_bytes : &arena__cache.bytes;
        for (size_t i = arena__cache.n; *bytes > keep && i-- > 0;) {
            if (arena__large(arena__cache.slot[i].size) == large) {
                p = arena__cache.slot[i].p;
                *bytes -= arena__cache.slot[i].size;
                arena__cache.slot[i] = arena__cache.slot[--arena__cache.n];
                break;
            }
        }
        pthread_mutex_unlock(&arena__cache.lock);
        if (p == NULL)
            return;
        free(p);
    }
}

/* Swaps a tier's cap (under the lock) and frees what no longer fits. */
static size_t arena__cache_set_cap(bool large, size_t bytes)
{
    pthread_mutex_lock(&arena__cache.lock);
    size_t *cap = large ? &arena__cache.lazy_limit : &arena__cache.limit;
    size_t old = *cap;
    *cap = bytes;
    pthread_mutex_unlock(&arena__cache.lock);
    arena__cache_shrink(large, bytes);
    return old;
}

static size_t arena__cache_read(const size_t *field)
{
    pthread_mutex_lock(&arena__cache.lock);
    size_t v = *field;
    pthread_mutex_unlock(&arena__cache.lock);
    return v;
}

size_t arena_cache_set_limit(size_t bytes)
{
    return arena__cache_set_cap(false, bytes);
}

size_t arena_cache_limit(void)
{
    return arena__cache_read(&arena__cache.limit);
}

size_t arena_cache_set_lazy_limit(size_t bytes)
{
    return arena__cache_set_cap(true, bytes);
}

size_t arena_cache_lazy_limit(void)
{
    return arena__cache_read(&arena__cache.lazy_limit);
}

size_t arena_cache_size(void)
{
    pthread_mutex_lock(&arena__cache.lock);
    size_t v = arena__cache.bytes + arena__cache.lazy_bytes;
    pthread_mutex_unlock(&arena__cache.lock);
    return v;
}

void arena_cache_release(void)
{
    arena__cache_shrink(false, 0);
    arena__cache_shrink(true, 0);
}
