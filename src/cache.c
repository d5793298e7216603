/*
 * cache.c -- the default backing: malloc and free behind a process-wide
 * cache of blocks that keeps recently released blocks warm and gives idle
 * ones back to the system.
 *
 * The cost that dominates short-lived arenas is not the allocator's
 * bookkeeping but memory the kernel has to provide again: first-touch page
 * faults on fresh memory, and on memory it was told it may take
 * (MADV_FREE), a dirty-bit update per page and lost huge pages.  So a
 * destroyed arena's blocks are kept as they are and handed to the next
 * request of exactly the same size, at full speed.  Exact sizes keep the
 * arithmetic of callers (a fixed arena of N bytes serves N bytes, max_size
 * accounting) independent of what happens to be cached.
 *
 * Tiers.  A block in the cache is in one of two tiers, each under a cap in
 * bytes, so memory stays bounded even when no time passes:
 *   - resident: as released, no advice; each block at most a quarter of the
 *     cap, so that one big arena cannot flush everything else;
 *   - lazy: purged with MADV_FREE.  The pages stay mapped; the kernel takes
 *     them when it needs memory, and until then a reuse costs no fault.
 * A released block goes to the resident tier when it fits, else to the lazy
 * tier when that fits and the advice succeeds, else back to the system.
 *
 * Decay.  Every slot records when the block entered its tier.  A resident
 * block unused for the decay time is purged into the lazy tier (or given
 * back when that is full); a lazy block unused for the decay time again is
 * given back: MADV_DONTNEED on its pages, so the memory returns to the
 * system now (free() alone keeps a heap chunk in the process), then free().
 * There is no thread unless the program asks for one: every operation on
 * the cache (a block taken or released, an arena_cache_set_* call) first
 * takes out what has expired, and arena_cache_decay_now() does only that;
 * reading a cap or the size changes nothing.  The
 * slots are kept in the order blocks entered their tier, oldest first, so
 * the expired blocks are a prefix and "anything due?" is one comparison
 * against the first slot.
 *
 * The clock is arena__os_now_ms (a coarse monotonic clock: a read of the
 * vDSO page on Linux), read once per operation under the lock and never
 * allowed to go back, so slot order and clock order agree.  Tests move it
 * forward through arena__cache_clock_advance instead of sleeping.
 *
 * System calls (advice, free, malloc) run outside the lock: an operation
 * collects what it takes out of the slots into a work list on its stack,
 * unlocks, then settles the list.  A block being purged is in no slot, so
 * no other thread can take it meanwhile.
 *
 * Large blocks (ARENA__HUGE_MIN and up) fresh from malloc are advised to
 * use transparent huge pages where the kernel offers them: a bump allocator
 * fills its blocks front to back, so a huge page is used in full, and one
 * fault per 2 MiB instead of one per 4 KiB is most of the cost of fresh
 * memory.
 *
 * Defaults.  Each cap is the smaller of its 64-bit constant (arena.h), an
 * eighth of physical memory and a 32nd of the address space; the
 * environment (ARENA_CACHE_LIMIT, ARENA_CACHE_DECAY_MS) is read once, when
 * the cache is first used, and the arena_cache_set_* calls override both.
 *
 * The helper thread (arena_cache_set_helper) does what an operation does,
 * on a timer: it wakes when the oldest block is due, at least once a second.
 * A generation number tells a helper that has been stopped or replaced to
 * end.
 *
 * The thread's front.  A program that creates and destroys an arena per
 * request would take the lock (and read the clock) twice per request.  So
 * each thread keeps its last few released blocks (ARENA__FRONT_SLOTS, each
 * at most ARENA__FRONT_MAX bytes) in thread-local storage and serves its
 * next requests of the same size from there, with no lock and no atomic.
 * The front draws on a quota (ARENA__FRONT_QUOTA) reserved from the
 * resident tier's cap under the lock when the thread first needs it, so the
 * caps hold exactly: the resident tier's blocks and every thread's quota
 * together stay under its cap.  A front is given back to the cache (its
 * blocks into the resident tier, its quota released) when its thread exits,
 * calls arena_cache_decay_now or arena_cache_release, or meets a front
 * generation that a control call (a new cap or decay, a release) moved on:
 * so such a call reaches every thread at its next operation on the cache.
 * Blocks in a front do not age; a thread's front holds at most its quota.
 * An operation a front serves still ages the tiers: every unlock publishes
 * when the oldest slot expires (arena__cache_due), and a served operation
 * that finds that time passed takes the lock and ages the cache as any
 * other operation does.  Until something is due that costs one relaxed
 * load; without it, a program whose traffic the fronts serve would keep
 * its expired blocks for ever.
 *
 * fork().  A thread may hold the cache's lock when another forks; the child
 * would then wait for it forever.  Fork handlers, registered before the
 * lock is first taken, take the lock before the fork and release it on both
 * sides, as malloc does for its own locks.  The helper thread does not
 * survive into the child; the child starts its own on its next operation.
 */
#include "cache.h"
#include "os.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define ARENA__HUGE_MIN ((size_t)4 * 1024 * 1024)
#define ARENA__CACHE_SLOTS 64
/* Blocks under this are freed without advice: they hold a few pages at
 * most, and a system call costs more than those. */
#define ARENA__PURGE_MIN ((size_t)64 * 1024)
/* The helper sleeps at most this long, so that a new decay time or a stop
 * reaches it within a second. */
#define ARENA__HELPER_NAP_MS 1000u

/* Bits of address space the defaults are scaled to; a white-box test
 * defines it to model another platform. */
#ifndef ARENA__CACHE_ADDRESS_BITS
#define ARENA__CACHE_ADDRESS_BITS (sizeof(void *) * CHAR_BIT)
#endif

typedef struct {
    void *p;
    size_t size;
    uint64_t since; /* the clock when the block entered its tier */
    int tier;       /* ARENA__TIER_RESIDENT or ARENA__TIER_LAZY */
} arena__slot_t;

/* Blocks taken out of the slots by one operation, settled after unlocking.
 * Here `tier` says what happens to a block: ARENA__TIER_RESIDENT, purged
 * into the lazy tier; ARENA__TIER_LAZY, given back. */
typedef struct {
    size_t n;
    arena__slot_t slot[ARENA__CACHE_SLOTS];
} arena__work_t;

#define ARENA__FRONT_SLOTS 4
#define ARENA__FRONT_MAX ((size_t)256 * 1024)
#define ARENA__FRONT_QUOTA ((size_t)1024 * 1024)

static struct {
    arena__os_lock_t lock;
    size_t cap[2];
    size_t bytes[2];
    size_t quotas;  /* resident bytes reserved by the threads' fronts */
    bool front;     /* threads keep fronts (ARENA_CACHE_FRONT, default on) */
    uint64_t decay; /* ms */
    uint64_t last;  /* the latest clock reading */
    uint64_t skew;  /* added to the clock by arena__cache_clock_advance */
    unsigned helper_gen;
    bool helper_on;
    bool helper_restart; /* forked: the child has no helper yet */
    size_t n;
    arena__slot_t slot[ARENA__CACHE_SLOTS]; /* oldest first */
} arena__cache = {.lock = ARENA__OS_LOCK_INIT};

static arena__os_once_t arena__cache_once = ARENA__OS_ONCE_INIT;
static _Atomic bool arena__cache_ready;
/* Moved on by the controls: a front of an older generation goes back to
 * the cache at its thread's next operation. */
static _Atomic unsigned arena__front_gen = 1;

typedef struct {
    void *p;
    size_t size;
    uint64_t since; /* the cache's clock, as last read, when the block came */
} arena__fslot_t;

/* The cache's clock as last read under the lock, for the fronts, which do
 * not read the clock themselves: a block's age is at least what it says. */
static _Atomic uint64_t arena__cache_seen;

/* When the oldest slot expires, on the system's clock (UINT64_MAX: nothing
 * will), published at every unlock for the fronts (see above). */
static _Atomic uint64_t arena__cache_due = UINT64_MAX;

static ARENA__TLS struct {
    arena__fslot_t slot[ARENA__FRONT_SLOTS];
    unsigned n;
    unsigned gen; /* the generation its quota was reserved in; 0: no quota */
    size_t quota; /* bytes reserved from the resident cap */
    size_t bytes; /* bytes of the blocks in slot[] */
    bool hooked;  /* its thread-exit hook is registered */
} arena__front;

/* ---- defaults and the environment ------------------------------------------- */

size_t arena__cache_default_cap(size_t constant, unsigned address_bits, uint64_t physical)
{
    uint64_t cap = constant;
    if (physical != 0 && physical / 8 < cap)
        cap = physical / 8;
    if (address_bits < 64 && ((uint64_t)1 << address_bits) / 32 < cap)
        cap = ((uint64_t)1 << address_bits) / 32;
    return (size_t)cap;
}

/* A decimal number, with one of the suffixes k, m, g (KiB, MiB, GiB; either
 * case) when `units`; false for anything else and for a value over
 * SIZE_MAX. */
static bool arena__cache_parse(const char *s, bool units, size_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    unsigned shift = 0;
    if (units && *s != '\0') {
        switch (*s | 0x20) {
        case 'k':
            shift = 10;
            break;
        case 'm':
            shift = 20;
            break;
        case 'g':
            shift = 30;
            break;
        default:
            return false;
        }
        s++;
    }
    if (*s != '\0' || v > (uint64_t)(SIZE_MAX >> shift))
        return false;
    *out = (size_t)v << shift;
    return true;
}

static void arena__cache_prefork(void)
{
    arena__os_lock(&arena__cache.lock);
}

static void arena__cache_postfork_parent(void)
{
    arena__os_unlock(&arena__cache.lock);
}

static void arena__cache_postfork_child(void)
{
    if (arena__cache.helper_on) {
        arena__cache.helper_gen++;
        arena__cache.helper_restart = true;
    }
    arena__os_unlock(&arena__cache.lock);
}

static void arena__cache_init(void)
{
    arena__os_atfork(arena__cache_prefork, arena__cache_postfork_parent,
                     arena__cache_postfork_child);
    uint64_t phys = arena__os_physical_memory();
    unsigned bits = (unsigned)ARENA__CACHE_ADDRESS_BITS;
    arena__cache.cap[ARENA__TIER_RESIDENT] =
        arena__cache_default_cap(ARENA_CACHE_DEFAULT_LIMIT, bits, phys);
    arena__cache.cap[ARENA__TIER_LAZY] =
        arena__cache_default_cap(ARENA_CACHE_DEFAULT_LAZY_LIMIT, bits, phys);
    arena__cache.decay = ARENA_CACHE_DEFAULT_DECAY_MS;
    arena__cache.front = true;
    size_t v;
    if (arena__cache_parse(arena__os_getenv("ARENA_CACHE_LIMIT"), true, &v))
        arena__cache.cap[ARENA__TIER_RESIDENT] = v;
    if (arena__cache_parse(arena__os_getenv("ARENA_CACHE_DECAY_MS"), false, &v))
        arena__cache.decay = v;
    if (arena__cache_parse(arena__os_getenv("ARENA_CACHE_FRONT"), false, &v) && v <= 1)
        arena__cache.front = v != 0;
}

/* ---- the lock, the clock, the slots ------------------------------------------ */

/* Takes the cache's lock.  The first caller sets the cache up (fork
 * handlers, defaults, environment) before anyone takes the lock, so a fork
 * that finds the lock held always runs the handlers. */
static void arena__cache_init_once(void)
{
    arena__cache_init();
    atomic_store_explicit(&arena__cache_ready, true, memory_order_release);
}

static void arena__cache_lock(void)
{
    if (!atomic_load_explicit(&arena__cache_ready, memory_order_acquire))
        arena__os_once(&arena__cache_once, arena__cache_init_once);
    arena__os_lock(&arena__cache.lock);
}

static void arena__cache_unlock(void)
{
    uint64_t due = UINT64_MAX; /* slot[0] is the oldest: it expires first */
    if (arena__cache.n != 0 && arena__cache.decay <= UINT64_MAX - arena__cache.slot[0].since) {
        due = arena__cache.slot[0].since + arena__cache.decay;
        due = due > arena__cache.skew ? due - arena__cache.skew : 0;
    }
    atomic_store_explicit(&arena__cache_due, due, memory_order_relaxed);
    arena__os_unlock(&arena__cache.lock);
}

/* The clock (the caller holds the lock): never earlier than a reading
 * before it, so slots entered in lock order are in clock order. */
static uint64_t arena__cache_now(void)
{
    uint64_t t = arena__os_now_ms() + arena__cache.skew;
    if (t < arena__cache.last)
        t = arena__cache.last;
    arena__cache.last = t;
    atomic_store_explicit(&arena__cache_seen, t, memory_order_relaxed);
    return t;
}

/* Room for a block in a tier (the caller holds the lock).  The resident
 * tier's room is what its blocks and the fronts' quotas leave. */
static bool arena__cache_fits(int tier, size_t size)
{
    size_t cap = arena__cache.cap[tier];
    size_t used = arena__cache.bytes[tier];
    if (arena__cache.n == ARENA__CACHE_SLOTS)
        return false;
    if (tier == ARENA__TIER_RESIDENT) {
        if (size > cap / 4)
            return false;
        used += arena__cache.quotas;
    }
    return used <= cap && size <= cap - used;
}

/* Appends a block as the newest slot (the caller holds the lock and checked
 * that it fits). */
static void arena__slot_put(void *p, size_t size, int tier, uint64_t now)
{
    arena__cache.slot[arena__cache.n++] = (arena__slot_t){p, size, now, tier};
    arena__cache.bytes[tier] += size;
}

/* Inserts a block that entered its tier at `since`, in clock order (the
 * caller holds the lock and checked that it fits). */
static void arena__slot_insert(void *p, size_t size, int tier, uint64_t since)
{
    size_t i = arena__cache.n;
    while (i > 0 && arena__cache.slot[i - 1].since > since)
        i--;
    memmove(&arena__cache.slot[i + 1], &arena__cache.slot[i],
            (arena__cache.n - i) * sizeof arena__cache.slot[0]);
    arena__cache.slot[i] = (arena__slot_t){p, size, since, tier};
    arena__cache.n++;
    arena__cache.bytes[tier] += size;
}

/* Removes slot i, keeping the others in order (the caller holds the lock). */
static arena__slot_t arena__slot_remove(size_t i)
{
    arena__slot_t s = arena__cache.slot[i];
    arena__cache.bytes[s.tier] -= s.size;
    memmove(&arena__cache.slot[i], &arena__cache.slot[i + 1],
            (arena__cache.n - i - 1) * sizeof arena__cache.slot[0]);
    arena__cache.n--;
    return s;
}

static bool arena__expired(const arena__slot_t *s, uint64_t now)
{
    return now - s->since >= arena__cache.decay;
}

/* Moves every expired block into w (the caller holds the lock).  They are
 * the oldest slots, so one comparison says when there are none. */
static void arena__cache_collect(arena__work_t *w, uint64_t now)
{
    size_t k = 0;
    while (k < arena__cache.n && arena__expired(&arena__cache.slot[k], now)) {
        arena__slot_t s = arena__cache.slot[k++];
        arena__cache.bytes[s.tier] -= s.size;
        /* No purge where the lazy tier could never take the block, nor with
         * a decay of 0, where it would expire there at once. */
        if (arena__cache.decay == 0 || s.size > arena__cache.cap[ARENA__TIER_LAZY])
            s.tier = ARENA__TIER_LAZY;
        w->slot[w->n++] = s;
    }
    if (k != 0) {
        arena__cache.n -= k;
        memmove(&arena__cache.slot[0], &arena__cache.slot[k],
                arena__cache.n * sizeof arena__cache.slot[0]);
    }
}

/* ---- settling: outside the lock ------------------------------------------------ */

/* Returns a block to the system: its pages now (where there are enough to
 * be worth a system call), then the block. */
static void arena__give_back(void *p, size_t size)
{
    if (size >= ARENA__PURGE_MIN)
        (void)arena__os_purge(p, size, false);
    free(p);
}

/* Purges the resident blocks of w into the lazy tier and gives the rest
 * back; returns the bytes w held. */
static size_t arena__cache_settle(arena__work_t *w)
{
    size_t bytes = 0, purged = 0;
    for (size_t i = 0; i < w->n; i++) {
        arena__slot_t *s = &w->slot[i];
        bytes += s->size;
        if (s->tier == ARENA__TIER_RESIDENT && arena__os_purge(s->p, s->size, true)) {
            w->slot[purged++] = *s;
            continue;
        }
        arena__give_back(s->p, s->size);
    }
    if (purged == 0)
        return bytes;
    size_t kept = 0;
    arena__cache_lock();
    uint64_t now = arena__cache_now();
    for (size_t i = 0; i < purged; i++) {
        arena__slot_t *s = &w->slot[i];
        if (arena__cache_fits(ARENA__TIER_LAZY, s->size))
            arena__slot_put(s->p, s->size, ARENA__TIER_LAZY, now);
        else
            w->slot[kept++] = *s; /* no room: given back below */
    }
    arena__cache_unlock();
    for (size_t i = 0; i < kept; i++)
        arena__give_back(w->slot[i].p, w->slot[i].size);
    return bytes;
}

static void arena__cache_helper(void *arg);

/* Ends an operation: unlocks, starts the helper in a forked child that asked
 * for one, and settles w.  Returns the bytes w held. */
static size_t arena__cache_leave(arena__work_t *w)
{
    bool restart = arena__cache.helper_restart;
    unsigned gen = arena__cache.helper_gen;
    arena__cache.helper_restart = false;
    arena__cache_unlock();
    if (restart && !arena__os_thread_start(arena__cache_helper, (void *)(uintptr_t)gen)) {
        arena__cache_lock();
        if (arena__cache.helper_gen == gen)
            arena__cache.helper_on = false;
        arena__cache_unlock();
    }
    return w->n != 0 ? arena__cache_settle(w) : 0;
}

/* ---- the thread's front ------------------------------------------------------------- */

static void arena__front_flush(void);

static void arena__front_exit(void)
{
    arena__front_flush();
    arena__front.hooked = false;
}

/* Gives the front's blocks to the resident tier (or back to the system) and
 * its quota back to the cap. */
static void arena__front_flush(void)
{
    if (arena__front.gen == 0)
        return;
    arena__work_t w;
    w.n = 0;
    arena__cache_lock();
    uint64_t now = arena__cache_now();
    arena__cache.quotas -= arena__front.quota;
    for (unsigned i = 0; i < arena__front.n; i++) {
        arena__fslot_t *f = &arena__front.slot[i];
        if (arena__cache.decay != 0 && arena__cache_fits(ARENA__TIER_RESIDENT, f->size))
            arena__slot_insert(f->p, f->size, ARENA__TIER_RESIDENT, f->since);
        else
            w.slot[w.n++] = (arena__slot_t){f->p, f->size, now, ARENA__TIER_LAZY};
    }
    arena__cache_collect(&w, now);
    arena__front.n = 0;
    arena__front.bytes = 0;
    arena__front.quota = 0;
    arena__front.gen = 0;
    arena__cache_leave(&w);
}

/* A front of the current generation, with a quota; false when the cap or
 * the decay leaves none, or the thread's exit cannot be hooked. */
static bool arena__front_ready(void)
{
    unsigned gen = atomic_load_explicit(&arena__front_gen, memory_order_relaxed);
    if (ARENA__LIKELY(arena__front.gen == gen))
        return true;
    arena__front_flush(); /* an older generation's */
    if (!arena__front.hooked) {
        if (!arena__os_at_thread_exit(arena__front_exit))
            return false;
        arena__front.hooked = true;
    }
    arena__cache_lock();
    size_t cap = arena__cache.cap[ARENA__TIER_RESIDENT];
    size_t used = arena__cache.bytes[ARENA__TIER_RESIDENT] + arena__cache.quotas;
    size_t quota = cap / 4 < ARENA__FRONT_QUOTA ? cap / 4 : ARENA__FRONT_QUOTA;
    bool ok = arena__cache.front && arena__cache.decay != 0 && quota != 0 && used <= cap
              && quota <= cap - used;
    if (ok) {
        arena__cache.quotas += quota;
        arena__front.quota = quota;
        arena__front.gen = atomic_load_explicit(&arena__front_gen, memory_order_relaxed);
    }
    arena__cache_unlock();
    return ok;
}

static void *arena__front_take(size_t size)
{
    if (atomic_load_explicit(&arena__front_gen, memory_order_relaxed) != arena__front.gen)
        return NULL; /* the slow path flushes it */
    for (unsigned i = arena__front.n; i-- > 0;) {
        if (arena__front.slot[i].size == size) {
            void *p = arena__front.slot[i].p;
            arena__front.slot[i] = arena__front.slot[--arena__front.n];
            arena__front.bytes -= size;
            return p;
        }
    }
    return NULL;
}

static bool arena__front_put(void *p, size_t size)
{
    if (size > ARENA__FRONT_MAX || !arena__front_ready())
        return false;
    if (arena__front.n == ARENA__FRONT_SLOTS || size > arena__front.quota - arena__front.bytes)
        return false;
    arena__front.slot[arena__front.n++] =
        (arena__fslot_t){p, size, atomic_load_explicit(&arena__cache_seen, memory_order_relaxed)};
    arena__front.bytes += size;
    return true;
}

/* Purges or gives back what has expired; returns the bytes. */
static size_t arena__cache_age(void)
{
    arena__work_t w;
    w.n = 0;
    arena__cache_lock();
    arena__cache_collect(&w, arena__cache_now());
    return arena__cache_leave(&w);
}

/* Out of line: the served paths keep only the check. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void
arena__front_age_now(void)
{
    if (arena__os_now_ms() >= atomic_load_explicit(&arena__cache_due, memory_order_relaxed))
        (void)arena__cache_age();
}

/* An operation the front served ages the cache, as one that took the lock
 * would, once a block there is due: one load and a branch until then. */
static inline void arena__front_age(void)
{
    if (ARENA__UNLIKELY(atomic_load_explicit(&arena__cache_due, memory_order_relaxed)
                        != UINT64_MAX))
        arena__front_age_now();
}

/* ---- the backing ------------------------------------------------------------------ */

static void *arena__cache_alloc(void *user, size_t size)
{
    (void)user;
    void *p = arena__front_take(size);
    if (p != NULL) {
        arena__front_age();
        return p;
    }
    if (arena__front.gen != 0
        && arena__front.gen != atomic_load_explicit(&arena__front_gen, memory_order_relaxed))
        arena__front_flush();
    arena__work_t w;
    w.n = 0;
    arena__cache_lock();
    uint64_t now = arena__cache_now();
    /* Newest first: it is the likeliest to be in cache and TLB.  An expired
     * block is still taken: reuse is what it was kept for. */
    for (size_t i = arena__cache.n; i-- > 0;) {
        if (arena__cache.slot[i].size == size) {
            p = arena__slot_remove(i).p;
            break;
        }
    }
    arena__cache_collect(&w, now);
    arena__cache_leave(&w);
    if (p == NULL) {
        p = malloc(size);
        if (p != NULL && size >= ARENA__HUGE_MIN)
            arena__os_advise_huge(p, size);
    }
    return p;
}

static void arena__cache_release_block(void *user, void *p, size_t size)
{
    (void)user;
    if (arena__front_put(p, size)) {
        arena__front_age();
        return;
    }
    arena__work_t w;
    w.n = 0;
    arena__cache_lock();
    uint64_t now = arena__cache_now();
    arena__cache_collect(&w, now);
    bool resident = false, lazy = false;
    if (arena__cache.decay != 0) {
        resident = arena__cache_fits(ARENA__TIER_RESIDENT, size);
        if (resident)
            arena__slot_put(p, size, ARENA__TIER_RESIDENT, now);
        else
            lazy = arena__cache_fits(ARENA__TIER_LAZY, size);
    }
    arena__cache_leave(&w);
    if (resident)
        return;
    /* The advice is a system call: outside the lock, before the block is
     * visible to another thread. */
    if (lazy && arena__os_purge(p, size, true)) {
        arena__cache_lock();
        now = arena__cache_now();
        lazy = arena__cache_fits(ARENA__TIER_LAZY, size); /* another thread may have filled it */
        if (lazy)
            arena__slot_put(p, size, ARENA__TIER_LAZY, now);
        arena__cache_unlock();
        if (lazy)
            return;
    }
    arena__give_back(p, size);
}

const arena_backing_t arena__default_backing = {arena__cache_alloc, arena__cache_release_block,
                                                NULL};

/* ---- controls ---------------------------------------------------------------------- */

/* Takes out of a tier (the caller holds the lock) every block over `most`
 * bytes, then the oldest blocks until at most `keep` bytes remain. */
static void arena__cache_trim_tier(arena__work_t *w, int tier, size_t most, size_t keep)
{
    for (size_t i = 0; i < arena__cache.n;) {
        arena__slot_t *s = &arena__cache.slot[i];
        if (s->tier == tier && (s->size > most || arena__cache.bytes[tier] > keep)) {
            w->slot[w->n] = arena__slot_remove(i);
            w->slot[w->n++].tier = ARENA__TIER_LAZY; /* given back */
        } else {
            i++;
        }
    }
}

/* Swaps a tier's cap and gives back what no longer fits. */
/* A control changes what the fronts may hold: every front goes back to the
 * cache, this thread's now, the others' at their next operation. */
static void arena__fronts_recall(void)
{
    atomic_fetch_add_explicit(&arena__front_gen, 1, memory_order_relaxed);
    arena__front_flush();
}

static size_t arena__cache_set_cap(int tier, size_t bytes)
{
    arena__fronts_recall();
    arena__work_t w;
    w.n = 0;
    arena__cache_lock();
    size_t old = arena__cache.cap[tier];
    arena__cache.cap[tier] = bytes;
    arena__cache_collect(&w, arena__cache_now());
    arena__cache_trim_tier(&w, tier, tier == ARENA__TIER_RESIDENT ? bytes / 4 : SIZE_MAX, bytes);
    arena__cache_leave(&w);
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
    return arena__cache_set_cap(ARENA__TIER_RESIDENT, bytes);
}

size_t arena_cache_limit(void)
{
    return arena__cache_read(&arena__cache.cap[ARENA__TIER_RESIDENT]);
}

size_t arena_cache_set_lazy_limit(size_t bytes)
{
    return arena__cache_set_cap(ARENA__TIER_LAZY, bytes);
}

size_t arena_cache_lazy_limit(void)
{
    return arena__cache_read(&arena__cache.cap[ARENA__TIER_LAZY]);
}

size_t arena_cache_set_decay(size_t ms)
{
    arena__fronts_recall();
    arena__work_t w;
    w.n = 0;
    arena__cache_lock();
    size_t old = (size_t)arena__cache.decay;
    arena__cache.decay = ms;
    arena__cache_collect(&w, arena__cache_now());
    arena__cache_leave(&w);
    return old;
}

size_t arena_cache_decay(void)
{
    arena__cache_lock();
    size_t v = (size_t)arena__cache.decay;
    arena__cache_unlock();
    return v;
}

size_t arena_cache_decay_now(void)
{
    arena__front_flush();
    return arena__cache_age();
}

size_t arena_cache_size(void)
{
    arena__cache_lock();
    size_t v = arena__cache.bytes[ARENA__TIER_RESIDENT] + arena__cache.bytes[ARENA__TIER_LAZY];
    arena__cache_unlock();
    return v + arena__front.bytes;
}

void arena_cache_release(void)
{
    arena__fronts_recall();
    arena__work_t w;
    w.n = 0;
    arena__cache_lock();
    arena__cache_trim_tier(&w, ARENA__TIER_RESIDENT, 0, 0);
    arena__cache_trim_tier(&w, ARENA__TIER_LAZY, 0, 0);
    arena__cache_leave(&w);
}

/* ---- the helper thread ------------------------------------------------------------- */

/* How long the helper may sleep (the caller holds the lock): until the
 * oldest block is due; with nothing cached, for the decay time, since a
 * block released meanwhile is due no earlier than that after its release. */
static uint32_t arena__cache_nap(uint64_t now)
{
    uint64_t nap = arena__cache.decay;
    if (arena__cache.n != 0)
        nap -= now - arena__cache.slot[0].since;
    if (nap == 0 || nap > ARENA__HELPER_NAP_MS)
        nap = ARENA__HELPER_NAP_MS; /* 0: nothing is ever kept */
    return (uint32_t)nap;
}

static void arena__cache_helper(void *arg)
{
    unsigned gen = (unsigned)(uintptr_t)arg;
    for (;;) {
        arena__work_t w;
        w.n = 0;
        arena__cache_lock();
        if (!arena__cache.helper_on || arena__cache.helper_gen != gen) {
            arena__cache_unlock();
            return;
        }
        uint64_t now = arena__cache_now();
        arena__cache_collect(&w, now);
        uint32_t nap = arena__cache_nap(now);
        arena__cache_unlock();
        if (w.n != 0)
            arena__cache_settle(&w);
        arena__os_sleep_ms(nap);
    }
}

int arena_cache_set_helper(int on)
{
    arena__cache_lock();
    bool start = on && (!arena__cache.helper_on || arena__cache.helper_restart);
    if (start || !on)
        arena__cache.helper_gen++; /* a helper of an older generation ends */
    arena__cache.helper_on = on != 0;
    arena__cache.helper_restart = false;
    unsigned gen = arena__cache.helper_gen;
    arena__cache_unlock();
    if (start && !arena__os_thread_start(arena__cache_helper, (void *)(uintptr_t)gen)) {
        arena__cache_lock();
        if (arena__cache.helper_gen == gen)
            arena__cache.helper_on = false;
        arena__cache_unlock();
        errno = EAGAIN;
        return -1;
    }
    return 0;
}

/* ---- test hooks ---------------------------------------------------------------------- */

void arena__cache_clock_advance(uint64_t ms)
{
    arena__cache_lock();
    arena__cache.skew += ms;
    arena__cache_unlock();
}

size_t arena__cache_tier_bytes(int tier)
{
    return arena__cache_read(&arena__cache.bytes[tier != ARENA__TIER_RESIDENT]);
}
