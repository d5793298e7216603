/*
 * thread.c -- arena_alloc_thread_safe: many threads, one arena.
 *
 * Three tiers, cheapest first:
 *
 *  1. A per-thread chunk.  Each thread keeps, per arena (a small direct-mapped
 *     table of _Thread_local slots), a chunk of the arena's space that only
 *     it bumps through: no atomics, no shared cache lines.  A slot is valid
 *     while the arena's `tag` is the one it was filled under; every rewind
 *     and destroy takes a new process-unique tag, so a stale chunk is never
 *     used (an arena re-created at the same address gets a new tag too).
 *
 *  2. A compare-and-swap on the arena's position.  A thread whose chunk is
 *     used up reserves the next one (cache-line aligned, so threads never
 *     share a line) with one strong CAS; requests too big for a chunk
 *     reserve exactly their size the same way.
 *
 *  3. The arena's mutex, only when the current block cannot satisfy a
 *     reservation.  The thread that holds it first re-tries (another thread
 *     may have added a block meanwhile), then swaps the position to BUSY so
 *     that every concurrent CAS fails, installs the next block through the
 *     same code as the single-threaded path, and publishes the new end and
 *     then the new position with release stores.
 *
 * Why the pair (pos, end) can be read without a lock: a reader loads pos
 * (acquire) and then end (acquire).  If it got the new pos, the release
 * order guarantees it sees the new end.  If it got an old pos with a new
 * end, its CAS on pos must fail: the swap to BUSY happened before the new
 * end was stored.  BUSY (UINTPTR_MAX) lies above every end, so a reader
 * that sees it goes to tier 3 and waits on the mutex.
 *
 * In checked mode (ASan/Valgrind) every call takes the mutex and goes
 * through arena__alloc_slow, so that each allocation is unpoisoned as a
 * unit.  Reset, restore, extend, trim and destroy are never concurrent with
 * this function (the contract in arena.h), so they use plain accesses.
 */
#include "arena_internal.h"

#define ARENA__BUSY UINTPTR_MAX
#define ARENA__LINE ((size_t)64)
#define ARENA__TSLOTS 4

typedef struct {
    const arena_t *arena;
    uint64_t tag;
    uintptr_t pos;
    uintptr_t end;
} arena__tslot_t;

/* initial-exec: a plain %fs-relative load even in the shared library, instead
 * of a __tls_get_addr call per allocation (the table is small, so it fits the
 * static TLS reserve that dlopen'ed libraries draw on). */
#if defined(__GNUC__) || defined(__clang__)
#define ARENA__TLS_MODEL __attribute__((tls_model("initial-exec")))
#else
#define ARENA__TLS_MODEL
#endif

static _Thread_local arena__tslot_t arena__tslots[ARENA__TSLOTS] ARENA__TLS_MODEL;

/* Reserves [p, p+got) with min <= got <= want, p aligned, from the current
 * block, lock-free.  NULL when the block cannot: the caller takes the lock. */
static void *arena__reserve(arena_t *a, size_t min, size_t want, size_t alignment, size_t *got)
{
    uintptr_t pos = __atomic_load_n(&a->hot.pos, __ATOMIC_ACQUIRE);
    for (;;) {
        uintptr_t end = __atomic_load_n(&a->hot.end, __ATOMIC_ACQUIRE);
        if (pos > end)
            return NULL; /* BUSY, or an end older than pos: ask under the lock */
        size_t avail = (size_t)(end - pos);
        size_t pad = (size_t)(-pos & (uintptr_t)(alignment - 1));
        if (pad > avail || avail - pad < min)
            return NULL;
        size_t take = avail - pad < want ? avail - pad : want;
        if (__atomic_compare_exchange_n(&a->hot.pos, &pos, pos + pad + take, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            *got = take;
            return (void *)(pos + pad);
        }
        /* pos now holds the value that beat us; try again with it. */
    }
}

static void *arena__reserve_or_grow(arena_t *a, size_t min, size_t want, size_t alignment,
                                    size_t *got)
{
    void *p = arena__reserve(a, min, want, alignment, got);
    if (p != NULL)
        return p;
    pthread_mutex_lock(&a->lock);
    p = arena__reserve(a, min, want, alignment, got);
    if (p == NULL) {
        uintptr_t top = __atomic_exchange_n(&a->hot.pos, ARENA__BUSY, __ATOMIC_ACQ_REL);
        /* Ask the new block for the whole chunk when a regular block holds
         * it, else for what a regular block holds (at least `min`): a chunk
         * bigger than the next regular block would get a block of its own
         * every time, and the blocks would never grow. */
        size_t slack =
            alignment > ARENA_DEFAULT_ALIGNMENT ? alignment - ARENA_DEFAULT_ALIGNMENT : 0;
        size_t fit = a->next_size > slack ? a->next_size - slack : 0;
        size_t ask = want <= fit ? want : min > fit ? min : fit;
        p = arena__alloc_in_new_block(a, ask, alignment, top);
        *got = ask;
        if (p == NULL) /* nothing changed: reopen the block as it was */
            __atomic_store_n(&a->hot.pos, top, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&a->lock);
    return p;
}

/* Everything but the per-thread bump: kept out of line so that the exported
 * function stays a leaf with no registers to save. */
static ARENA__NOINLINE void *arena__ts_slow(arena_t *a, size_t size, size_t alignment)
{
    if (a == NULL || !arena__pow2(alignment))
        return arena__fail(EINVAL);
    if (size > ARENA__MAX_REQUEST)
        return arena__fail(ENOMEM);

    if (a->checked) {
        pthread_mutex_lock(&a->lock);
        void *p = arena__alloc_slow(a, size, alignment);
        pthread_mutex_unlock(&a->lock);
        return p;
    }

    size_t got;
    if (alignment <= ARENA__LINE && size <= a->ts_chunk / 2) {
        /* A new chunk.  It starts on a cache line, so `size` at any
         * alignment up to a line fits from its first byte. */
        char *c = arena__reserve_or_grow(a, size, a->ts_chunk, ARENA__LINE, &got);
        if (c == NULL)
            return NULL;
        arena__tslot_t *s = &arena__tslots[a->id % ARENA__TSLOTS];
        s->arena = a;
        s->tag = a->tag;
        s->pos = (uintptr_t)c + size;
        s->end = (uintptr_t)c + got;
        return c;
    }
    return arena__reserve_or_grow(a, size, size, alignment, &got);
}

void *arena_alloc_thread_safe(arena_t *a, size_t size, size_t alignment)
{
    /* Tier 1.  A slot only ever holds a fast-mode arena, and alignment is
     * checked before it is used: a bad one cannot pass the fit test below
     * with a zero mask, and ends in arena__ts_slow's EINVAL. */
    if (ARENA__LIKELY(a != NULL && arena__pow2(alignment))) {
        arena__tslot_t *s = &arena__tslots[a->id % ARENA__TSLOTS];
        if (ARENA__LIKELY(s->arena == a && s->tag == a->tag)) {
            size_t avail = (size_t)(s->end - s->pos);
            size_t pad = (size_t)(-s->pos & (uintptr_t)(alignment - 1));
            if (ARENA__LIKELY(pad <= avail && size <= avail - pad)) {
                uintptr_t p = s->pos + pad;
                s->pos = p + size;
                return (void *)p;
            }
        }
    }
    return arena__ts_slow(a, size, alignment);
}
