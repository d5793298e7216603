/*
 * arena.c -- the core: create, the out-of-line bump, blocks, mark and
 * rewind, destroy.  Everything else in the library is a thin layer over
 * these.
 *
 * Design.  The arena bumps `hot.pos` through the current block.  The
 * inline path in arena.h serves any request that fits below `hot.end`; when
 * it does not, arena__alloc_slow() validates the request, retries against
 * the block's real end (in checked mode hot.end is pinned to hot.pos so
 * that every allocation comes here to be unpoisoned), and otherwise moves to
 * another block: first a spare block that fits, then a new block
 * from the backing allocator.  Regular blocks double in size up to
 * ARENA_MAX_GROWTH_BLOCK; a request too big for the next regular block gets
 * a block of exactly its size and leaves the doubling alone.  Under a cap
 * (max_size) the last block is cut down to what the cap still allows.
 *
 * Nothing ever moves: a block, once in the chain, stays where it is until
 * a rewind turns it into a spare (kept) or trim/destroy gives it back.
 *
 * Rewinding (reset and restore) is one routine: splice the blocks after the
 * target (target->next .. cur, oldest first) onto the front of the spare
 * list and set the position.  That is O(1) in a release build, whatever was
 * allocated; debug builds and the memory tools walk the released blocks to
 * fill and poison them.  The oldest released block comes out first, which
 * makes the allocation sequence after a rewind land on the same addresses
 * as before it.
 *
 * Accounting is derived, not counted on the fast path: used is
 * cur->used_before + (pos - data(cur)); peak is folded in lazily at every
 * point where used can go down (rewind, shrink) and when asked for, which is
 * exact because used only grows in between.
 */
#include "arena_internal.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>

static _Atomic uint64_t arena__counter = 1;

uint64_t arena__new_tag(void)
{
    return atomic_fetch_add_explicit(&arena__counter, 1, memory_order_relaxed);
}

void *arena__fail(int err)
{
    errno = err;
    return NULL;
}

const char *arena_version(void)
{
    return ARENA_VERSION_STRING;
}

/* Bytes in front of the first block when the arena struct shares its
 * allocation. */
#define ARENA__SELF                                                                                \
    ((sizeof(struct arena) + ARENA_DEFAULT_ALIGNMENT - 1) & ~(ARENA_DEFAULT_ALIGNMENT - 1))

#define ARENA__MIN_BLOCK ((size_t)64)

size_t arena_buffer_overhead(void)
{
    return (ARENA_DEFAULT_ALIGNMENT - 1) + ARENA__SELF + ARENA__BLOCK_HDR;
}

static inline void arena__note_peak(arena_t *a)
{
    size_t u = arena__used(a);
    if (u > a->peak)
        a->peak = u;
}

/* Rounds n up to the default alignment; false on overflow. */
static bool arena__round(size_t n, size_t *out)
{
    if (n > SIZE_MAX - (ARENA_DEFAULT_ALIGNMENT - 1))
        return false;
    *out = (n + ARENA_DEFAULT_ALIGNMENT - 1) & ~(ARENA_DEFAULT_ALIGNMENT - 1);
    return true;
}

void arena__publish(arena_t *a, uintptr_t pos)
{
    /* The end before the position: a thread on the lock-free path that sees
     * the new position must also see the new end (thread.c).  In checked
     * mode the inline window is empty, so every allocation comes out of line. */
    __atomic_store_n(&a->hot.end, a->checked ? pos : a->limit, __ATOMIC_RELEASE);
    __atomic_store_n(&a->hot.pos, pos, __ATOMIC_RELEASE);
}

/* A fresh block's bookkeeping and memory-tool state. */
static void arena__block_init(arena_t *a, arena__block_t *b, size_t size, size_t alloc_size,
                              int origin)
{
    b->prev = NULL;
    b->next = NULL;
    b->size = size;
    b->used_before = 0;
    b->top = arena__data(b);
    b->alloc_size = alloc_size;
    b->origin = origin;
#if ARENA_DEBUG >= 1
    memset((void *)arena__data(b), ARENA_DEBUG_FRESH_BYTE, size);
#endif
    if (a->checked) {
        arena__vg_block_new(b);
        arena__poison(arena__data(b), size);
    }
}

/* A new block of at least `size` data bytes from the backing allocator, or
 * NULL/ENOMEM.  When max_size cannot take `size`, settle for what the cap
 * still allows if that holds `need` bytes (the last block under a cap). */
static arena__block_t *arena__block_new(arena_t *a, size_t size, size_t need)
{
    size_t room = a->max_size - a->taken;
    if (size > ARENA__MAX_REQUEST - ARENA__BLOCK_HDR || ARENA__BLOCK_HDR + size > room) {
        if (need > ARENA__MAX_REQUEST - ARENA__BLOCK_HDR || ARENA__BLOCK_HDR + need > room)
            return arena__fail(ENOMEM);
        /* need is a multiple of the alignment, so the cut block still holds it. */
        size = (room - ARENA__BLOCK_HDR) & ~(ARENA_DEFAULT_ALIGNMENT - 1);
    }
    size_t total = ARENA__BLOCK_HDR + size;
    void *mem = arena__backing_alloc(&a->backing, total);
    if (mem == NULL)
        return arena__fail(ENOMEM);
    arena__block_t *b = (arena__block_t *)mem;
    arena__block_init(a, b, size, total, ARENA__ORIGIN_BACKING);
    a->taken += total;
    a->capacity += size;
    a->nblocks++;
    return b;
}

static void arena__block_free(arena_t *a, arena__block_t *b)
{
    a->taken -= b->alloc_size;
    a->capacity -= b->size;
    a->nblocks--;
    if (a->checked) {
        arena__unpoison(arena__data(b), b->size);
        arena__vg_block_gone(b);
    }
    arena__backing_release(&a->backing, b, b->alloc_size);
}

/* Does [align_up(data(b)), +size) fit in b? */
static bool arena__fits(const arena__block_t *b, size_t size, size_t alignment)
{
    uintptr_t d = arena__data(b);
    size_t pad = (size_t)(-d & (uintptr_t)(alignment - 1));
    return pad <= b->size && size <= b->size - pad;
}

void *arena__alloc_in_new_block(arena_t *a, size_t size, size_t alignment, uintptr_t cur_top)
{
    arena__block_t *b = NULL;

    /* A spare first: it costs nothing.  The head is the block this position
     * moved on to last time (rewinds push the oldest released block there)
     * or an arena_extend block, so taking it when it fits replays earlier
     * addresses and honours extend's promise; otherwise the smallest spare
     * that fits, so a small request does not take a big block that a later
     * big request would then have to replace. */
    arena__block_t **pick = NULL;
    if (a->spare != NULL && arena__fits(a->spare, size, alignment)) {
        pick = &a->spare;
    } else if (a->spare != NULL) {
        for (arena__block_t **link = &a->spare->next; *link != NULL; link = &(*link)->next)
            if (arena__fits(*link, size, alignment)
                && (pick == NULL || (*link)->size < (*pick)->size))
                pick = link;
    }
    if (pick != NULL) {
        b = *pick;
        *pick = b->next;
    }

    if (b == NULL) {
        if (a->flags & ARENA_FIXED)
            return arena__fail(ENOMEM);
        /* Data is default-aligned, so a bigger alignment may need up to
         * alignment - default bytes of padding. */
        size_t slack =
            alignment > ARENA_DEFAULT_ALIGNMENT ? alignment - ARENA_DEFAULT_ALIGNMENT : 0;
        size_t need;
        if (size > ARENA__MAX_REQUEST - slack || !arena__round(size + slack, &need))
            return arena__fail(ENOMEM);
        bool regular = need <= a->next_size;
        b = arena__block_new(a, regular ? a->next_size : need, need);
        if (b == NULL)
            return NULL;
        if (regular) {
            size_t cap =
                a->first->size > ARENA_MAX_GROWTH_BLOCK ? a->first->size : ARENA_MAX_GROWTH_BLOCK;
            a->next_size = a->next_size > cap / 2 ? cap : a->next_size * 2;
        }
    }

    /* Retire the current block and install b. */
    arena__block_t *old = a->cur;
    old->top = cur_top;
    b->used_before = old->used_before + (size_t)(cur_top - arena__data(old));
    b->prev = old;
    b->next = NULL;
    old->next = b;
    a->cur = b;
    a->limit = arena__block_end(b);

    uintptr_t d = arena__data(b);
    uintptr_t p = d + (size_t)(-d & (uintptr_t)(alignment - 1));
    arena__publish(a, p + size);
    arena__mark_allocated(a, p, size);
    ARENA__INVARIANTS(a);
    return (void *)p;
}

void *arena__alloc_slow(arena_t *a, size_t size, size_t alignment)
{
    if (a == NULL || !arena__pow2(alignment))
        return arena__fail(EINVAL);
    if (size > ARENA__MAX_REQUEST)
        return arena__fail(ENOMEM);

    uintptr_t pos = a->hot.pos;
    size_t avail = (size_t)(a->limit - pos);
    size_t pad = (size_t)(-pos & (uintptr_t)(alignment - 1));
    if (pad <= avail && size <= avail - pad) {
        /* Checked mode, or a caller that skipped the inline path. */
        uintptr_t p = pos + pad;
        arena__publish(a, p + size);
        arena__mark_allocated(a, p, size);
        return (void *)p;
    }
    return arena__alloc_in_new_block(a, size, alignment, pos);
}

/* ---- creation ----------------------------------------------------------------- */

static void arena__init(arena_t *a, const arena_options_t *o, size_t max_size)
{
    memset(a, 0, sizeof *a);
    a->max_size = max_size;
    a->flags = o->flags;
    a->checked = arena__running_checked();
    a->id = arena__new_tag();
    a->tag = arena__new_tag();
    a->backing = o->backing; /* all NULL: the default */
    pthread_mutex_init(&a->lock, NULL);
}

/* Common tail of creation: the first block is in place at `b`. */
static arena_t *arena__start(arena_t *a, arena__block_t *b, size_t data_size, size_t later)
{
    arena__block_init(a, b, data_size, 0, ARENA__ORIGIN_EMBEDDED);
    a->first = a->cur = b;
    a->capacity = data_size;
    a->nblocks = 1;
    a->limit = arena__block_end(b);
    if (later < ARENA__MIN_BLOCK)
        later = ARENA__MIN_BLOCK;
    else if (!arena__round(later, &later))
        later = ARENA_MAX_GROWTH_BLOCK;
    a->next_size = later;
    /* Per-thread chunks: big enough that the compare-and-swap is rare,
     * small enough that a thread's unused tail wastes little of a block. */
    size_t chunk = (data_size / 4) & ~(size_t)63;
    a->ts_chunk = chunk < 256 ? 256 : chunk > 16384 ? 16384 : chunk;
    arena__publish(a, arena__data(b));
    ARENA__INVARIANTS(a);
    return a;
}

arena_t *arena_create_with(const arena_options_t *o)
{
    if (o == NULL || (o->flags & ~ARENA_FIXED) != 0 || (o->buffer == NULL && o->buffer_size != 0)
        || (o->backing.alloc == NULL) != (o->backing.release == NULL))
        return arena__fail(EINVAL);
    size_t max_size = o->max_size ? o->max_size : SIZE_MAX;

    if (o->buffer != NULL) {
        uintptr_t base = (uintptr_t)o->buffer;
        size_t skip = (size_t)(-base & (uintptr_t)(ARENA_DEFAULT_ALIGNMENT - 1));
        size_t overhead = skip + ARENA__SELF + ARENA__BLOCK_HDR;
        if (o->buffer_size < overhead)
            return arena__fail(EINVAL);
        size_t data = (o->buffer_size - overhead) & ~(ARENA_DEFAULT_ALIGNMENT - 1);
        arena_t *a = (arena_t *)(base + skip);
        arena__init(a, o, max_size);
        a->own_self = false;
        size_t later = o->block_size ? o->block_size : (data ? data : ARENA_DEFAULT_BLOCK_SIZE);
        return arena__start(a, (arena__block_t *)(base + skip + ARENA__SELF), data, later);
    }

    size_t data;
    if (!arena__round(o->block_size ? o->block_size : ARENA_DEFAULT_BLOCK_SIZE, &data)
        || data > ARENA__MAX_REQUEST - ARENA__SELF - ARENA__BLOCK_HDR)
        return arena__fail(ENOMEM);
    size_t total = ARENA__SELF + ARENA__BLOCK_HDR + data;
    if (total > max_size)
        return arena__fail(ENOMEM);

    void *mem = arena__backing_alloc(&o->backing, total);
    if (mem == NULL)
        return arena__fail(ENOMEM);
    arena_t *a = (arena_t *)mem;
    arena__init(a, o, max_size);
    a->own_self = true;
    a->self_size = total;
    a->taken = total;
    return arena__start(a, (arena__block_t *)((char *)mem + ARENA__SELF), data, data);
}

arena_t *arena_create(size_t size)
{
    arena_options_t o;
    memset(&o, 0, sizeof o);
    o.block_size = size;
    return arena_create_with(&o);
}

void arena_destroy(arena_t *a)
{
    if (a == NULL)
        return;
    a->tag = arena__new_tag();
    /* The chain backwards through prev, then the spares through next. */
    arena__block_t *b = a->cur;
    bool chain = true;
    while (b != NULL) {
        arena__block_t *after = chain ? b->prev : b->next;
        if (b->origin == ARENA__ORIGIN_BACKING) {
            arena__block_free(a, b);
        } else if (a->checked) {
            arena__unpoison(arena__data(b), b->size);
            arena__vg_block_gone(b);
        }
        b = after;
        if (b == NULL && chain) {
            chain = false;
            b = a->spare;
        }
    }
    pthread_mutex_destroy(&a->lock);
    if (a->own_self) {
        arena_backing_t hooks = a->backing; /* not read from the memory being freed */
        arena__backing_release(&hooks, a, a->self_size);
    }
}

/* ---- more memory ------------------------------------------------------------ */

int arena_extend(arena_t *a, size_t extra)
{
    if (a == NULL || extra == 0) {
        errno = EINVAL;
        return -1;
    }
    size_t size;
    if (extra > ARENA__MAX_REQUEST || !arena__round(extra, &size)) {
        errno = ENOMEM;
        return -1;
    }
    arena__block_t *b = arena__block_new(a, size, size);
    if (b == NULL)
        return -1;
    /* Next in line: arena__alloc_in_new_block takes the head spare first. */
    b->next = a->spare;
    a->spare = b;
    ARENA__INVARIANTS(a);
    return 0;
}

/* ---- rewinding ------------------------------------------------------------------ */

/* Ends everything after (target, pos).  target must be in the chain.
 * O(1) in a release build; the debug tools (fill, poison, memcheck) need a
 * walk over the released blocks. */
static void arena__rewind(arena_t *a, arena__block_t *target, uintptr_t pos)
{
    arena__note_peak(a);
    uintptr_t top = a->hot.pos;
    if (ARENA_DEBUG >= 1 || a->checked) {
        for (arena__block_t *b = a->cur; b != target; b = b->prev) {
            uintptr_t d = arena__data(b);
            arena__mark_released(a, b, d, (size_t)(top - d));
            top = b->prev->top;
        }
    } else if (target != a->cur) {
        top = target->top;
    }
    arena__mark_released(a, target, pos, (size_t)(top - pos));
    if (target != a->cur) {
        /* Splice target->next .. cur (oldest first) in front of the spares:
         * the next block taken is the one this position moved on to before,
         * so a replay lands on the same addresses. */
        a->cur->next = a->spare;
        a->spare = target->next;
        target->next = NULL;
        a->cur = target;
    }
    a->limit = arena__block_end(target);
    a->tag = arena__new_tag();
    arena__publish(a, pos);
    ARENA__INVARIANTS(a);
}

void arena_reset(arena_t *a)
{
    if (a == NULL)
        return;
    arena__rewind(a, a->first, arena__data(a->first));
    a->epoch++;
    a->mark_block = NULL;
#if ARENA_DEBUG >= 1
    a->nmarks = 0;
    a->marks_dropped = a->serial;
#endif
}

void arena_trim(arena_t *a)
{
    if (a == NULL)
        return;
    while (a->spare != NULL) {
        arena__block_t *b = a->spare;
        a->spare = b->next;
        arena__block_free(a, b);
    }
    ARENA__INVARIANTS(a);
}

arena_mark_t arena_save(arena_t *a)
{
    arena_mark_t m;
    memset(&m, 0, sizeof m);
    if (a == NULL)
        return m;
    m.block = a->cur;
    m.pos = a->hot.pos;
    m.arena_id = a->id;
    m.epoch = a->epoch;
    m.serial = ++a->serial;
    a->mark_block = a->cur;
    a->mark_pos = a->hot.pos;
#if ARENA_DEBUG >= 1
    if (a->nmarks == ARENA__MARK_STACK) {
        a->marks_dropped = a->marks[0];
        memmove(a->marks, a->marks + 1, (ARENA__MARK_STACK - 1) * sizeof a->marks[0]);
        a->nmarks--;
    }
    a->marks[a->nmarks++] = m.serial;
#endif
    return m;
}

#if ARENA_DEBUG >= 1
static bool arena__mark_on_stack(const arena_t *a, uint64_t serial)
{
    if (serial <= a->marks_dropped)
        return true; /* too old to track: the cheaper checks must do */
    for (size_t i = 0; i < a->nmarks; i++)
        if (a->marks[i] == serial)
            return true;
    return false;
}
#endif

void arena_restore(arena_t *a, arena_mark_t m)
{
    if (a == NULL || m.arena_id == 0)
        return;
    ARENA__ASSERT(m.arena_id == a->id, "arena_restore: the mark belongs to another arena");
    ARENA__ASSERT(m.epoch == a->epoch, "arena_restore: the mark was invalidated by arena_reset");
#if ARENA_DEBUG >= 1
    ARENA__ASSERT(arena__mark_on_stack(a, m.serial),
                  "arena_restore: the mark was invalidated by an earlier arena_restore to an "
                  "older mark (marks nest LIFO)");
#endif
    if (m.arena_id != a->id || m.epoch != a->epoch)
        return;

    arena__block_t *b = a->cur;
    while (b != NULL && b != (arena__block_t *)m.block)
        b = b->prev;
    bool inside =
        b != NULL && m.pos >= arena__data(b) && m.pos <= (b == a->cur ? a->hot.pos : b->top);
    ARENA__ASSERT(inside, "arena_restore: the mark lies beyond the arena's current position "
                          "(released since it was saved)");
    if (!inside)
        return;
    arena__rewind(a, b, m.pos);
    a->mark_block = b; /* m is now the newest valid mark */
    a->mark_pos = m.pos;
#if ARENA_DEBUG >= 1
    while (a->nmarks > 0 && a->marks[a->nmarks - 1] > m.serial)
        a->nmarks--;
#endif
}

/* ---- introspection ------------------------------------------------------------ */

arena_stats_t arena_stats(const arena_t *a)
{
    arena_stats_t s;
    memset(&s, 0, sizeof s);
    if (a == NULL)
        return s;
    s.used = arena__used(a);
    s.peak = a->peak > s.used ? a->peak : s.used;
    s.capacity = a->capacity;
    s.blocks = a->nblocks;
    s.available = (size_t)(a->limit - a->hot.pos);
    s.backing = a->taken;
    s.max_size = a->max_size == SIZE_MAX ? 0 : a->max_size;
    return s;
}

size_t arena_blocks(const arena_t *a, arena_block_info_t *out, size_t max)
{
    if (a == NULL)
        return 0;
    size_t chain = 0;
    for (const arena__block_t *b = a->cur; b != NULL; b = b->prev)
        chain++;
    size_t i = chain;
    for (const arena__block_t *b = a->cur; b != NULL; b = b->prev) {
        i--;
        if (out != NULL && i < max) {
            uintptr_t top = b == a->cur ? a->hot.pos : b->top;
            out[i].start = (const void *)arena__data(b);
            out[i].size = b->size;
            out[i].used = (size_t)(top - arena__data(b));
            out[i].state = b == a->cur ? ARENA_BLOCK_CURRENT : ARENA_BLOCK_FULL;
        }
    }
    i = chain;
    for (const arena__block_t *b = a->spare; b != NULL; b = b->next, i++) {
        if (out != NULL && i < max) {
            out[i].start = (const void *)arena__data(b);
            out[i].size = b->size;
            out[i].used = 0;
            out[i].state = ARENA_BLOCK_SPARE;
        }
    }
    return i;
}

int arena_owns(const arena_t *a, const void *ptr)
{
    if (a == NULL || ptr == NULL)
        return 0;
    uintptr_t p = (uintptr_t)ptr;
    for (const arena__block_t *b = a->cur; b != NULL; b = b->prev) {
        uintptr_t top = b == a->cur ? a->hot.pos : b->top;
        if (p >= arena__data(b) && p < top)
            return 1;
    }
    return 0;
}

static int arena__broken(const char **why, const char *what)
{
    if (why != NULL)
        *why = what;
    errno = EINVAL;
    return -1;
}

int arena_check(const arena_t *a, const char **why)
{
    if (a == NULL)
        return arena__broken(why, "NULL arena");
    if (a->cur == NULL || a->first == NULL)
        return arena__broken(why, "no current or first block");
    if (a->hot.pos < arena__data(a->cur) || a->hot.pos > a->limit)
        return arena__broken(why, "position outside the current block");
    if (a->limit != arena__block_end(a->cur))
        return arena__broken(why, "limit is not the end of the current block");
    if (a->hot.end != (a->checked ? a->hot.pos : a->limit))
        return arena__broken(why, "inline window does not match the mode");

    size_t count = 0, capacity = 0, taken = a->own_self ? a->self_size : 0;
    const arena__block_t *b = a->cur, *newer = NULL;
    uintptr_t top = a->hot.pos;
    for (;;) {
        if (++count > a->nblocks)
            return arena__broken(why, "block chain longer than the block count (cycle?)");
        if (top < arena__data(b) || top > arena__block_end(b))
            return arena__broken(why, "a block's top lies outside it");
        if (newer != NULL && newer->used_before != b->used_before + (size_t)(top - arena__data(b)))
            return arena__broken(why, "used_before disagrees with the older block");
        capacity += b->size;
        taken += b->alloc_size;
        if (b->prev == NULL)
            break;
        if (b->prev->next != b)
            return arena__broken(why, "an older block's next link does not lead back");
        newer = b;
        b = b->prev;
        top = b->top;
    }
    if (b != a->first)
        return arena__broken(why, "chain does not end at the first block");
    if (b->used_before != 0)
        return arena__broken(why, "first block has used_before != 0");
    if (a->cur->next != NULL)
        return arena__broken(why, "the current block has a next block");
    for (b = a->spare; b != NULL; b = b->next) {
        if (++count > a->nblocks)
            return arena__broken(why, "more blocks than the block count (cycle?)");
        if (b == a->first || b->origin != ARENA__ORIGIN_BACKING)
            return arena__broken(why, "the first block is on the spare list");
        capacity += b->size;
        taken += b->alloc_size;
    }
    if (count != a->nblocks)
        return arena__broken(why, "block count disagrees with the lists");
    if (capacity != a->capacity)
        return arena__broken(why, "capacity disagrees with the blocks");
    if (taken != a->taken)
        return arena__broken(why, "backing bytes disagree with the blocks");
    if (a->taken > a->max_size)
        return arena__broken(why, "backing bytes exceed max_size");
    return 0;
}
