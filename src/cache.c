/*
 * cache.c -- the default backing: malloc and free behind a small
 * process-wide cache of blocks.
 *
 * The cache exists because the cost that dominates short-lived arenas is
 * not the allocator's bookkeeping but first-touch page faults on memory
 * fresh from the system.  A destroyed arena's blocks are kept and handed to
 * the next request of exactly the same size, already faulted in.  Exact
 * sizes keep the arithmetic of callers (a fixed arena of N bytes serves N
 * bytes, max_size accounting) independent of what happens to be cached.
 * Small blocks are kept resident under a small cap (one huge arena cannot
 * flush them: each is at most a quarter of the cap).  Large blocks are kept
 * under a larger cap but only after lazy purging (MADV_FREE): the memory
 * stays mapped and, unless the kernel needed it meanwhile, comes back
 * without a fault, while the system can reclaim it at any time, so a big
 * cache does not hold memory that anything else wants.  One lock guards the
 * slots: it is taken once per block, never per allocation.
 *
 * Large blocks (ARENA__HUGE_MIN and up) from malloc are advised to use
 * transparent huge pages where the kernel offers them: a bump allocator
 * fills its blocks front to back, so a huge page is used in full, and one
 * fault per 2 MiB instead of one per 4 KiB is most of the cost of fresh
 * memory.
 *
 * fork().  A thread may hold the cache's lock when another forks; the child
 * would then wait for it forever.  Fork handlers take the lock before the
 * fork and release it on both sides, as malloc does for its own locks.
 */
#include "cache.h"
#include "os.h"

#include <stdbool.h>
#include <stdlib.h>

#define ARENA__HUGE_MIN ((size_t)4 * 1024 * 1024)
#define ARENA__CACHE_SLOTS 64

typedef struct {
    void *p;
    size_t size;
} arena__slot_t;

/* Two tiers share the slots: small blocks stay resident, up to `limit`;
 * large blocks (ARENA__HUGE_MIN and up: the blocks of big arenas) are kept
 * up to `lazy_limit` after lazy purging. */
static struct {
    arena__os_lock_t lock;
    bool ready; /* fork handlers registered */
    size_t limit;
    size_t lazy_limit;
    size_t bytes;      /* small tier */
    size_t lazy_bytes; /* large tier */
    size_t n;
    arena__slot_t slot[ARENA__CACHE_SLOTS];
} arena__cache = {
    ARENA__OS_LOCK_INIT, false, ARENA_CACHE_DEFAULT_LIMIT, ARENA_CACHE_DEFAULT_LAZY_LIMIT, 0, 0, 0,
    {{NULL, 0}}};

static arena__os_once_t arena__cache_once = ARENA__OS_ONCE_INIT;

static void arena__cache_prefork(void)
{
    arena__os_lock(&arena__cache.lock);
}

static void arena__cache_postfork(void)
{
    arena__os_unlock(&arena__cache.lock);
}

static void arena__cache_init(void)
{
    arena__os_atfork(arena__cache_prefork, arena__cache_postfork, arena__cache_postfork);
}

/* Takes the cache's lock.  The fork handlers are registered before anyone
 * takes it for the first time: a fork that finds the lock held always runs
 * them. */
static void arena__cache_lock(void)
{
    arena__os_once(&arena__cache_once, arena__cache_init);
    arena__os_lock(&arena__cache.lock);
}

static void arena__cache_unlock(void)
{
    arena__os_unlock(&arena__cache.lock);
}

static bool arena__large(size_t size)
{
    return size >= ARENA__HUGE_MIN;
}

static size_t *arena__tier_bytes(bool large)
{
    return large ? &arena__cache.lazy_bytes : &arena__cache.bytes;
}

/* Removes slot i (the caller holds the lock) and returns its block. */
static void *arena__slot_take(size_t i)
{
    void *p = arena__cache.slot[i].p;
    *arena__tier_bytes(arena__large(arena__cache.slot[i].size)) -= arena__cache.slot[i].size;
    arena__cache.slot[i] = arena__cache.slot[--arena__cache.n];
    return p;
}

static void *arena__cache_alloc(void *user, size_t size)
{
    (void)user;
    void *p = NULL;
    arena__cache_lock();
    /* Newest first: it is the likeliest to be in cache and TLB. */
    for (size_t i = arena__cache.n; i-- > 0;) {
        if (arena__cache.slot[i].size == size) {
            p = arena__slot_take(i);
            break;
        }
    }
    arena__cache_unlock();
    if (p == NULL) {
        p = malloc(size);
        if (p != NULL && arena__large(size))
            arena__os_advise_huge(p, size);
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

static void arena__cache_release_block(void *user, void *p, size_t size)
{
    (void)user;
    arena__cache_lock();
    bool keep = arena__cache_fits(size);
    arena__cache_unlock();
    /* The advice is a system call: outside the lock, before the block is
     * visible to another thread. */
    if (keep && arena__large(size))
        keep = arena__os_purge(p, size, true);
    if (keep) {
        arena__cache_lock();
        keep = arena__cache_fits(size); /* another thread may have filled it */
        if (keep) {
            arena__cache.slot[arena__cache.n++] = (arena__slot_t){p, size};
            *arena__tier_bytes(arena__large(size)) += size;
        }
        arena__cache_unlock();
    }
    if (!keep)
        free(p);
}

const arena_backing_t arena__default_backing = {arena__cache_alloc, arena__cache_release_block,
                                                NULL};

/* Frees cached blocks of one tier until at most `keep` bytes of it remain. */
static void arena__cache_shrink(bool large, size_t keep)
{
    for (;;) {
        void *p = NULL;
        arena__cache_lock();
        for (size_t i = arena__cache.n; *arena__tier_bytes(large) > keep && i-- > 0;) {
            if (arena__large(arena__cache.slot[i].size) == large) {
                p = arena__slot_take(i);
                break;
            }
        }
        arena__cache_unlock();
        if (p == NULL)
            return;
        free(p);
    }
}

/* Swaps a tier's cap (under the lock) and frees what no longer fits. */
static size_t arena__cache_set_cap(bool large, size_t bytes)
{
    arena__cache_lock();
    size_t *cap = large ? &arena__cache.lazy_limit : &arena__cache.limit;
    size_t old = *cap;
    *cap = bytes;
    arena__cache_unlock();
    arena__cache_shrink(large, bytes);
    return old;
}

static size_t arena__cache_read(const size_t *field)
{
    arena__cache_lock();
    size_t v = *field;
    arena__cache_unlock();
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
    arena__cache_lock();
    size_t v = arena__cache.bytes + arena__cache.lazy_bytes;
    arena__cache_unlock();
    return v;
}

void arena_cache_release(void)
{
    arena__cache_shrink(false, 0);
    arena__cache_shrink(true, 0);
}
