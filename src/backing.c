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
 * fresh from the system.  A destroyed arena's blocks are kept (up to
 * arena_cache_limit() bytes and ARENA__CACHE_SLOTS blocks) and handed to the
 * next request of exactly the same size, already faulted in.  Exact sizes
 * keep the arithmetic of callers (a fixed arena of N bytes serves N bytes,
 * max_size accounting) independent of what happens to be cached.  Blocks
 * over a quarter of the limit bypass the cache so one huge arena cannot
 * flush it.  A mutex guards it: it is touched once per block, not per
 * allocation.
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

static struct {
    pthread_mutex_t lock;
    size_t limit;
    size_t bytes;
    size_t n;
    struct {
        void *p;
        size_t size;
    } slot[ARENA__CACHE_SLOTS];
} arena__cache = {PTHREAD_MUTEX_INITIALIZER, ARENA_CACHE_DEFAULT_LIMIT, 0, 0, {{NULL, 0}}};

static void *arena__default_alloc(size_t size)
{
    void *p = NULL;
    pthread_mutex_lock(&arena__cache.lock);
    /* Newest first: it is the likeliest to be in cache and TLB. */
    for (size_t i = arena__cache.n; i-- > 0;) {
        if (arena__cache.slot[i].size == size) {
            p = arena__cache.slot[i].p;
            arena__cache.slot[i] = arena__cache.slot[--arena__cache.n];
            arena__cache.bytes -= size;
            break;
        }
    }
    pthread_mutex_unlock(&arena__cache.lock);
    if (p == NULL) {
        p = malloc(size);
        if (p != NULL && size >= ARENA__HUGE_MIN)
            arena__advise_huge(p, size);
    }
    return p;
}

static void arena__default_release(void *p, size_t size)
{
    pthread_mutex_lock(&arena__cache.lock);
    if (size <= arena__cache.limit / 4 && arena__cache.n < ARENA__CACHE_SLOTS
        && size <= arena__cache.limit - arena__cache.bytes) {
        arena__cache.slot[arena__cache.n].p = p;
        arena__cache.slot[arena__cache.n].size = size;
        arena__cache.n++;
        arena__cache.bytes += size;
        p = NULL;
    }
    pthread_mutex_unlock(&arena__cache.lock);
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

/* Frees cached blocks until at most `keep` bytes remain. */
static void arena__cache_shrink(size_t keep)
{
    for (;;) {
        void *p = NULL;
        pthread_mutex_lock(&arena__cache.lock);
        if (arena__cache.bytes > keep && arena__cache.n > 0) {
            arena__cache.n--;
            p = arena__cache.slot[arena__cache.n].p;
            arena__cache.bytes -= arena__cache.slot[arena__cache.n].size;
        }
        pthread_mutex_unlock(&arena__cache.lock);
        if (p == NULL)
            return;
        free(p);
    }
}

size_t arena_cache_set_limit(size_t bytes)
{
    pthread_mutex_lock(&arena__cache.lock);
    size_t old = arena__cache.limit;
    arena__cache.limit = bytes;
    pthread_mutex_unlock(&arena__cache.lock);
    arena__cache_shrink(bytes);
    return old;
}

size_t arena_cache_limit(void)
{
    pthread_mutex_lock(&arena__cache.lock);
    size_t v = arena__cache.limit;
    pthread_mutex_unlock(&arena__cache.lock);
    return v;
}

size_t arena_cache_size(void)
{
    pthread_mutex_lock(&arena__cache.lock);
    size_t v = arena__cache.bytes;
    pthread_mutex_unlock(&arena__cache.lock);
    return v;
}

void arena_cache_release(void)
{
    arena__cache_shrink(0);
}
