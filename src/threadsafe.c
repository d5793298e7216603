/*
 * threadsafe.c -- arena_alloc_thread_safe: many threads, one arena.
 *
 * Three tiers, cheapest first:
 *
 *  1. A per-thread chunk.  Each thread keeps a small table of slots, each
 *     holding a chunk of one arena's space that only this thread bumps
 *     through: no atomics, no shared cache lines.  An arena's home slot is
 *     its id modulo the table size (ids are consecutive, so arenas created
 *     together get different homes); the fast path looks only there.  A
 *     slot is valid while the arena's `tag` is the one it was filled under;
 *     every rewind and destroy takes a new process-unique tag, so a stale
 *     chunk is never used (an arena re-created at the same address gets a
 *     new tag too).
 *
 *  2. A compare-and-swap on the arena's position.  A thread whose chunk is
 *     used up reserves the next one with one strong CAS; requests too big
 *     for a chunk reserve exactly their size the same way.  Chunks start at
 *     ARENA__TS_MIN_CHUNK (a cache line) and double with every refill up to
 *     the arena's ts_chunk, so a slot's unused tail is at most about what
 *     the thread already took through it, and a thread that cycles through
 *     more arenas than it has slots loses at most a line per call.
 *
 *  3. The arena's lock, only when the current block cannot satisfy a
 *     reservation.  The thread that holds it first re-tries (another thread
 *     may have added a block meanwhile), then swaps the position to BUSY so
 *     that every concurrent CAS fails, moves to the next block through the
 *     core (arena__next_block: a spare that holds the request, or a new
 *     block, with the same rules as the single-threaded path, and settling
 *     for what the request needs when a whole chunk is not to be had), and
 *     publishes the new end and then the new position with release stores.
 *
 * The table is fully associative behind the home slot: a miss searches the
 * other slots, moves a found arena home, and otherwise evicts the slot used
 * least recently.  Eight slots keep eight arenas per thread without thrash;
 * the table (and everything else the library keeps in initial-exec TLS)
 * stays far below what a dlopen'ed library may hold (os.h).
 *
 * Why the pair (pos, end) can be read without a lock: a reader loads pos
 * (acquire) and then end (acquire).  If it got the new pos, the release
 * order guarantees it sees the new end.  If it got an old pos with a new
 * end, its CAS on pos must fail: the swap to BUSY happened before the new
 * end was stored.  BUSY (UINTPTR_MAX) lies above every end, so a reader
 * that sees it goes to tier 3 and waits on the lock.
 *
 * While a memory tool watches, every call takes the lock and goes through
 * arena__alloc_slow, so that each allocation is described as a unit.
 * Reset, restore, extend, trim and destroy are never concurrent with this
 * function (the contract in arena.h), so they use plain accesses.
 */
#include "arena_internal.h"

#define ARENA__BUSY UINTPTR_MAX
#define ARENA__LINE ((size_t)64)
#define ARENA__TSLOTS 8 /* a power of two */
#define ARENA__TS_MIN_CHUNK ((size_t)64)

/* What the fast path reads: 32 bytes, so that indexing is a shift. */
typedef struct {
    const arena_t *arena;
    uint64_t tag;  /* the arena's tag when the chunk was reserved */
    uintptr_t pos; /* the chunk: [pos, end) */
    uintptr_t end;
} arena__tslot_t;

/* What only refills read, kept beside the slots in the same order. */
typedef struct {
    size_t chunk;   /* size of this arena's next chunk on this thread */
    uint64_t stamp; /* the thread's refill count at the last refill: LRU order */
} arena__tmeta_t;

static ARENA__TLS arena__tslot_t arena__tslots[ARENA__TSLOTS];
static ARENA__TLS arena__tmeta_t arena__tmeta[ARENA__TSLOTS];
static ARENA__TLS uint64_t arena__trefills;
static ARENA__TLS uint64_t arena__tevicted; /* arena__trefills at the last eviction */

_Static_assert(sizeof arena__tslots + sizeof arena__tmeta + 2 * sizeof(uint64_t)
                   <= ARENA__TLS_BUDGET / 2,
               "the per-thread chunk table outgrew its share of initial-exec TLS");

/* Reserves [p, p+got) with min <= got <= want, p aligned, from the current
 * block, lock-free.  NULL when the block cannot: the caller takes the lock. */
static void *arena__reserve(arena_t *a, size_t min, size_t want, size_t alignment, size_t *got)
{
    uintptr_t pos = __atomic_load_n(&a->hot.pos, __ATOMIC_ACQUIRE);
    for (;;) {
        uintptr_t end = __atomic_load_n(&a->hot.end, __ATOMIC_ACQUIRE);
        if (pos > end)
            return NULL; /* BUSY, or an end older than pos: ask under the lock */
        uintptr_t p;
        if (!arena__fits(pos, end, min, alignment, &p))
            return NULL;
        size_t room = (size_t)(end - p);
        size_t take = room < want ? room : want;
        if (__atomic_compare_exchange_n(&a->hot.pos, &pos, p + take, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            *got = take;
            return (void *)p;
        }
        /* pos now holds the value that beat us; try again with it. */
    }
}

/* Takes the arena's lock, which then needs destroying with the arena. */
static void arena__lock(arena_t *a)
{
    arena__os_lock(&a->lock);
    a->lock_used = true;
}

static void *arena__grow_locked(arena_t *a, size_t min, size_t want, size_t alignment, size_t *got)
{
    void *p;
    arena__lock(a);
    p = arena__reserve(a, min, want, alignment, got);
    if (p == NULL) {
        uintptr_t top = __atomic_exchange_n(&a->hot.pos, ARENA__BUSY, __ATOMIC_ACQ_REL);
        p = arena__next_block(a, min, want, alignment, top, got);
        if (p == NULL) /* nothing changed: reopen the block as it was */
            __atomic_store_n(&a->hot.pos, top, __ATOMIC_RELEASE);
    }
    arena__os_unlock(&a->lock);
    return p;
}

/* Asks on_limit without the lock, and without closing the arena: other
 * threads may go on allocating meanwhile.  errno stays ENOMEM. */
static bool arena__ask_on_limit_open(arena_t *a, size_t wanted)
{
    if (a->on_limit == NULL)
        return false;
    int again = a->on_limit(a, wanted, a->on_limit_user);
    errno = ENOMEM;
    return again != 0;
}

static void *arena__reserve_or_grow(arena_t *a, size_t min, size_t want, size_t alignment,
                                    size_t *got)
{
    void *p = arena__reserve(a, min, want, alignment, got);
    if (p != NULL)
        return p;
    int saved = errno;
    p = arena__grow_locked(a, min, want, alignment, got);
    if (p == NULL && errno == ENOMEM && arena__ask_on_limit_open(a, min)) {
        p = arena__grow_locked(a, min, want, alignment, got);
        if (p != NULL)
            errno = saved;
    }
    return p;
}

/* The calling thread's slot for `a`, in a's home position: found elsewhere
 * in the table and moved home, or taken from the least recently refilled
 * slot (whose arena is not touched: it may be gone).  Returns the home
 * index. */
static size_t arena__slot_for(const arena_t *a)
{
    arena__tslot_t *t = arena__tslots;
    arena__tmeta_t *m = arena__tmeta;
    size_t home = (size_t)(a->id & (ARENA__TSLOTS - 1));
    if (t[home].arena == a)
        return home;
    size_t pick = home;
    for (size_t i = 0; i < ARENA__TSLOTS; i++) {
        if (t[i].arena == a) {
            pick = i;
            break;
        }
        if (m[i].stamp < m[pick].stamp)
            pick = i;
    }
    arena__tslot_t slot = t[pick];
    arena__tmeta_t meta = m[pick];
    if (slot.arena != a) {
        /* Evictions that follow each other within a few refills mean the
         * thread juggles more arenas than it has slots: start small, so
         * that the thrash costs little.  An eviction now and then (an
         * arena per request, created after the last one was destroyed)
         * starts at full size. */
        bool thrash = slot.arena != NULL && arena__trefills - arena__tevicted <= 2 * ARENA__TSLOTS;
        if (slot.arena != NULL)
            arena__tevicted = arena__trefills;
        size_t chunk = thrash ? ARENA__TS_MIN_CHUNK : a->ts_chunk;
        slot = (arena__tslot_t){.arena = a};
        meta = (arena__tmeta_t){.chunk = chunk};
    }
    t[pick] = t[home];
    m[pick] = m[home];
    t[home] = slot;
    m[home] = meta;
    return home;
}

/* Everything but the per-thread bump: kept out of line so that the exported
 * function stays a leaf with no registers to save. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static void *
arena__ts_slow(arena_t *a, size_t size, size_t alignment)
{
    if (a == NULL || !arena__pow2(alignment))
        return arena__fail(EINVAL);
    if (size > ARENA__MAX_REQUEST)
        return arena__fail(ENOMEM);

    if (a->closed != NULL) {
        ARENA__ASSERT_CALL(false, a->name, "arena_alloc_thread_safe", a->closed);
        return arena__fail(EINVAL);
    }
    if (a->checked) {
        /* Every allocation under the lock, so that the tools see it whole;
         * on_limit outside it. */
        void *p = NULL;
        int saved = errno;
        for (int round = 0; round < 2 && p == NULL; round++) {
            if (round == 1 && !arena__ask_on_limit_open(a, size))
                break;
            arena__lock(a);
            p = arena__alloc_once(a, size, alignment);
            arena__os_unlock(&a->lock);
            if (p == NULL && errno != ENOMEM)
                break;
        }
        if (p != NULL)
            errno = saved;
        return p;
    }

    size_t got;
    if (alignment <= ARENA__LINE && size <= a->ts_chunk / 2) {
        size_t i = arena__slot_for(a);
        arena__tslot_t *s = &arena__tslots[i];
        arena__tmeta_t *m = &arena__tmeta[i];
        uintptr_t p;
        if (s->tag == a->tag && arena__fits(s->pos, s->end, size, alignment, &p)) {
            s->pos = p + size; /* the chunk was in another slot */
            return (void *)p;
        }
        size_t want = m->chunk > 2 * size ? m->chunk : 2 * size;
        char *c = arena__reserve_or_grow(a, size, want, alignment, &got);
        if (c == NULL)
            return NULL;
        s->tag = a->tag;
        s->pos = (uintptr_t)c + size;
        s->end = (uintptr_t)c + got;
        m->stamp = ++arena__trefills;
        m->chunk = want >= a->ts_chunk / 2 ? a->ts_chunk : want * 2;
        return c;
    }
    return arena__reserve_or_grow(a, size, size, alignment, &got);
}

/* On a cache line of its own: the fast path is a few instructions, and
 * where it starts (code moved by unrelated changes) was worth 10 % in the
 * benchmarks. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((aligned(64)))
#endif
void *
arena_alloc_thread_safe(arena_t *a, size_t size, size_t alignment)
{
    /* Tier 1.  A slot only ever holds a fast-mode arena, and alignment is
     * checked before it is used: a bad one cannot pass the fit test below
     * with a zero mask, and ends in arena__ts_slow's EINVAL. */
    if (ARENA__LIKELY(a != NULL && arena__pow2(alignment))) {
        arena__tslot_t *s = &arena__tslots[a->id & (ARENA__TSLOTS - 1)];
        uintptr_t p;
        if (ARENA__LIKELY(s->arena == a && s->tag == a->tag)
            && ARENA__LIKELY(arena__fits(s->pos, s->end, size, alignment, &p))) {
            s->pos = p + size;
            return (void *)p;
        }
    }
    return arena__ts_slow(a, size, alignment);
}
