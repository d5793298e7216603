/*
 * arena.c -- the core: create, the out-of-line bump, blocks, mark and
 * rewind, destroy, and the few primitives the layers are built on
 * (core.h).  Everything else in the library is a thin layer over these.
 *
 * Design.  The arena bumps `hot.pos` through the current block.  The
 * inline path in arena.h serves any request that fits below `hot.end`; when
 * it does not, arena__alloc_slow() validates the request, retries against
 * the block's real end (while a memory tool watches, hot.end is pinned to
 * hot.pos so that every allocation comes here to be described to it), and
 * otherwise moves to another block: a spare block that fits first, then a
 * new block from the backing.  Regular blocks double in size up to
 * ARENA_MAX_GROWTH_BLOCK; a request too big for the next regular block gets
 * a block of exactly its size and leaves the doubling alone.  Under a cap
 * (max_size) the last block is cut down to what the cap still allows.
 *
 * Every block comes from the arena's backing hooks; an arena created
 * without hooks gets the block cache's (cache.c), so the core never asks
 * which backing it has.
 *
 * Nothing ever moves: a block, once in the chain, stays where it is until
 * a rewind turns it into a spare (kept) or trim/destroy gives it back.
 *
 * Rewinding (reset and restore) is one routine: splice the blocks after the
 * target (target->next .. cur, oldest first) onto the front of the spare
 * list and set the position.  That is O(1) when no memory tool is built in,
 * whatever was allocated; with one, the released blocks are walked to fill
 * and poison them.  The oldest released block comes out first, which makes
 * the allocation sequence after a rewind land on the same addresses as
 * before it.
 *
 * Accounting is derived, not counted on the fast path: used is
 * cur->used_before + (pos - data(cur)); peak is folded in lazily at every
 * point where used can go down (rewind, shrink) and when asked for, which is
 * exact because used only grows in between.
 */
#include "arena_internal.h"
#include "cache.h"

#include <stdatomic.h>

/* Ids tell arenas' marks apart and pick a thread's chunk slot, so they come
 * from a counter of their own: consecutive arenas get consecutive ids.  A
 * thread takes them ARENA__ID_BATCH at a time, so that creating an arena
 * touches no shared counter (consecutive on each thread is what the slots
 * need). */
#define ARENA__ID_BATCH 64
static _Atomic uint64_t arena__ids = 1;
static ARENA__TLS uint64_t arena__my_ids, arena__my_ids_end;

static uint64_t arena__new_id(void)
{
    if (arena__my_ids == arena__my_ids_end) {
        arena__my_ids =
            atomic_fetch_add_explicit(&arena__ids, ARENA__ID_BATCH, memory_order_relaxed);
        arena__my_ids_end = arena__my_ids + ARENA__ID_BATCH;
    }
    return arena__my_ids++;
}

/* Tags must never repeat in the process (a stale per-thread chunk would be
 * taken for a live one), yet a rewind should not touch a shared counter:
 * each arena owns a range of ARENA__TAG_RANGE tags, the first one derived
 * from its id, and takes further ranges, far above every id-derived one,
 * from a global counter once a range is used up. */
static _Atomic uint64_t arena__tag_ranges = (uint64_t)1 << 63;

void arena__retag_range(arena_t *a)
{
    a->tag = atomic_fetch_add_explicit(&arena__tag_ranges, ARENA__TAG_RANGE, memory_order_relaxed);
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

_Static_assert(ARENA__ALIGN - 1 + ARENA__SELF + ARENA__BLOCK_HDR <= ARENA_BUFFER_OVERHEAD,
               "the bookkeeping outgrew ARENA_BUFFER_OVERHEAD");

size_t arena_buffer_overhead(void)
{
    return ARENA_BUFFER_OVERHEAD;
}

#define ARENA__MIN_BLOCK ((size_t)64)
/* The size of arena_options_t in 1.0, which the unsized entry point reads. */
#define ARENA__OPTIONS_1_0 (offsetof(arena_options_t, backing) + sizeof(arena_backing_t))

static inline void arena__note_peak(arena_t *a)
{
    size_t u = arena__used(a);
    if (u > a->peak)
        a->peak = u;
}

/* ---- caps -----------------------------------------------------------------------
 * max_size caps an arena's subtree: its own backing bytes and those of all
 * its descendants.  A child's block is charged to every ancestor, with a
 * compare-and-swap each, since children may live on other threads.  Where
 * no arena up the tree has a cap (`capped` false), nothing is counted. */

/* Bytes the caps of the arena and its ancestors still allow, within
 * PTRDIFF_MAX. */
static size_t arena__room(const arena_t *a)
{
    size_t room = ARENA__MAX_REQUEST;
    if (!a->capped)
        return room;
    for (const arena_t *x = a; x != NULL; x = x->parent) {
        size_t free = x->max_size - atomic_load_explicit(&x->subtree, memory_order_relaxed);
        room = free < room ? free : room;
    }
    return room;
}

static void arena__uncharge(arena_t *from, const arena_t *to, size_t n)
{
    if (from == NULL || !from->capped)
        return; /* no cap up the tree: nobody counts */
    for (arena_t *x = from; x != to; x = x->parent)
        atomic_fetch_sub_explicit(&x->subtree, n, memory_order_relaxed);
}

/* Adds n to the subtree of `a` and each ancestor if every cap allows it;
 * false, with nothing changed, if one does not. */
static bool arena__charge(arena_t *a, size_t n)
{
    if (!a->capped)
        return true;
    for (arena_t *x = a; x != NULL; x = x->parent) {
        size_t t = atomic_load_explicit(&x->subtree, memory_order_relaxed);
        do {
            if (n > x->max_size - t) {
                arena__uncharge(a, x, n);
                return false;
            }
        } while (!atomic_compare_exchange_weak_explicit(
            &x->subtree, &t, t + n, memory_order_relaxed, memory_order_relaxed));
    }
    return true;
}

/* A backing request of `total` bytes charged to `a` and its ancestors (a
 * NULL `a`: charged to nobody). */
static inline void *arena__take(arena_t *a, const arena_backing_t *hooks, size_t total)
{
    if (a != NULL && !arena__charge(a, total))
        return arena__fail(ENOMEM);
    void *mem = hooks->alloc(hooks->user, total);
    if (mem == NULL && a != NULL)
        arena__uncharge(a, NULL, total);
    return mem != NULL ? mem : arena__fail(ENOMEM);
}

/* ---- blocks -------------------------------------------------------------------- */

static void arena__block_init(arena__block_t *b, size_t size, size_t alloc_size)
{
    b->prev = NULL;
    b->next = NULL;
    b->size = size;
    b->used_before = 0;
    b->top = arena__data(b);
    b->alloc_size = alloc_size;
    arena__tool_pool_new(b, (void *)arena__data(b), size);
}

/* A block of `size` data bytes from the backing, charged to the caps,
 * counted, and described to the tools; NULL/ENOMEM when refused. */
static inline arena__block_t *arena__block_take(arena_t *a, size_t size)
{
    size_t total = ARENA__BLOCK_HDR + size;
    arena__block_t *b = (arena__block_t *)arena__take(a, &a->backing, total);
    if (b == NULL)
        return NULL;
    arena__block_init(b, size, total);
    a->taken += total;
    a->capacity += size;
    a->nblocks++;
    return b;
}

/* A new block of `size` data bytes from the backing, or NULL/ENOMEM.  When
 * the cap cannot take `size`, settle for what it still allows if that holds
 * `need` bytes (the last block under a cap).  Both are multiples of
 * ARENA__ALIGN. */
static arena__block_t *arena__block_new(arena_t *a, size_t size, size_t need)
{
    size_t room = arena__room(a);
    if (need > room || room - need < ARENA__BLOCK_HDR)
        return arena__fail(ENOMEM);
    if (size > room - ARENA__BLOCK_HDR)
        size = (room - ARENA__BLOCK_HDR) & ~(ARENA__ALIGN - 1); /* still >= need */
    return arena__block_take(a, size);
}

static void arena__block_free(arena_t *a, arena__block_t *b)
{
    a->taken -= b->alloc_size;
    a->capacity -= b->size;
    a->nblocks--;
    size_t bytes = b->alloc_size;
    arena__tool_pool_gone(b, (void *)arena__data(b), b->size);
    a->backing.release(a->backing.user, b, bytes);
    arena__uncharge(a, NULL, bytes);
}

/* Takes the spare that should serve `size` at `alignment` off the list: the
 * head when it fits (it is the block this position moved on to last time,
 * since rewinds push the oldest released block there, or an arena_extend
 * block, so taking it replays earlier addresses and honours extend's
 * promise), otherwise the smallest spare that fits, so that a small request
 * does not take a big block a later big request would have to replace. */
static arena__block_t *arena__spare_take(arena_t *a, size_t size, size_t alignment)
{
    arena__block_t **pick = NULL;
    uintptr_t p;
    for (arena__block_t **l = &a->spare; *l != NULL; l = &(*l)->next) {
        arena__block_t *b = *l;
        if (!arena__fits(arena__data(b), arena__block_end(b), size, alignment, &p))
            continue;
        if (l == &a->spare) {
            pick = l;
            break;
        }
        if (pick == NULL || b->size < (*pick)->size)
            pick = l;
    }
    if (pick == NULL)
        return NULL;
    arena__block_t *b = *pick;
    *pick = b->next;
    return b;
}

/* A regular block was taken: the next one is twice as big, up to
 * ARENA_MAX_GROWTH_BLOCK (or the first block's size, if that is bigger). */
static void arena__double(arena_t *a)
{
    size_t cap = a->first->size > ARENA_MAX_GROWTH_BLOCK ? a->first->size : ARENA_MAX_GROWTH_BLOCK;
    a->next_size = a->next_size > cap / 2 ? cap : a->next_size * 2;
}

/* Retires the current block at cur_top and makes b, new or a spare, the
 * current one (its position is the caller's to publish). */
static void arena__install(arena_t *a, arena__block_t *b, uintptr_t cur_top)
{
    arena__block_t *old = a->cur;
    old->top = cur_top;
    b->used_before = old->used_before + (size_t)(cur_top - arena__data(old));
    b->prev = old;
    b->next = NULL;
    old->next = b;
    a->cur = b;
    a->limit = arena__block_end(b);
}

/* A new block for `want` bytes, or failing that for `min` (both at
 * `alignment`): a regular block when the request fits one, else a block of
 * its own.  Blocks double only when a regular one was taken. */
static arena__block_t *arena__grow(arena_t *a, size_t min, size_t want, size_t alignment)
{
    size_t need_min, need;
    if (!arena__block_room(min, alignment, &need_min))
        return arena__fail(ENOMEM);
    if (!arena__block_room(want, alignment, &need))
        need = need_min;
    /* `want` is a wish (a thread's chunk): shrink it to a regular block
     * rather than give it a block of its own, so that blocks keep doubling. */
    if (need > a->next_size)
        need = need_min > a->next_size ? need_min : a->next_size;
    bool regular = need <= a->next_size;
    size_t size = regular ? a->next_size : need;
    /* Exactly when arena__block_new refuses `need` for the cap. */
    size_t room = arena__room(a);
    bool capped = need > room || room - need < ARENA__BLOCK_HDR;
    int saved = errno; /* a refused first try must not show after a good second */
    arena__block_t *b = arena__block_new(a, size, need);
    if (b == NULL && need_min < need) {
        /* The cap may still allow what the request needs; ask the backing
         * again only for a different size. */
        bool was_regular = regular;
        regular = need_min <= a->next_size;
        size_t smaller = regular ? a->next_size : need_min;
        if (capped || smaller != size || regular != was_regular)
            b = arena__block_new(a, smaller, need_min);
        if (b != NULL)
            errno = saved;
    }
    if (b != NULL && regular)
        arena__double(a);
    return b;
}

void *arena__next_block(arena_t *a, size_t min, size_t want, size_t alignment, uintptr_t cur_top,
                        size_t *got)
{
    /* Spares cost nothing, so any spare that holds `min` beats a new block. */
    arena__block_t *b = arena__spare_take(a, want, alignment);
    if (b == NULL && min < want)
        b = arena__spare_take(a, min, alignment);
    if (b == NULL) {
        /* A fixed child that has no block yet takes its one block. */
        if ((a->flags & ARENA_FIXED) && (a->capacity != 0 || a->heap_free))
            return arena__fail(ENOMEM);
        b = arena__grow(a, min, want, alignment);
        if (b == NULL)
            return NULL;
    }

    arena__install(a, b, cur_top);
    uintptr_t p = arena__align_up(arena__data(b), alignment);
    size_t room = (size_t)(a->limit - p);
    *got = room < want ? room : want;
    arena__publish(a, p + *got);
    arena__tool_alloc(b, (void *)p, *got);
    ARENA__INVARIANTS(a);
    return (void *)p;
}

bool arena__refuse(const arena_t *a, const char *call)
{
    (void)a, (void)call;
    ARENA__ASSERT_CALL(a->closed == NULL, a->name, call, a->closed);
    ARENA__ASSERT_CALL(false, a->name, call,
                       "a child of the arena is being released: the arena may only be read "
                       "meanwhile");
    return false;
}

bool arena__ask_on_limit(arena_t *a, size_t wanted)
{
    if (a->on_limit == NULL || a->closed != NULL)
        return false;
    a->closed = "the arena may not be allocated from inside its on_limit callback";
    arena__publish(a, a->hot.pos);
    int again = a->on_limit(a, wanted, a->on_limit_user);
    a->closed = NULL;
    arena__publish(a, a->hot.pos);
    errno = ENOMEM; /* what the refused request said; a retry that works restores the caller's */
    return again != 0;
}

/* The first block of an arena that has none with data (a child, at its
 * first allocation), for a request a regular block holds, with no cap up
 * the tree: what arena__next_block would do, without its search and
 * choices, since a child made per request comes here every time. */
static void *arena__first_block(arena_t *a, size_t size)
{
    arena__block_t *b = arena__block_take(a, a->next_size); /* no cap: no room to check */
    if (b == NULL)
        return NULL;
    arena__double(a);
    arena__install(a, b, a->hot.pos);
    uintptr_t p = arena__data(b);
    arena__publish(a, p + size);
    arena__tool_alloc(b, (void *)p, size);
    ARENA__INVARIANTS(a);
    return (void *)p;
}

void *arena__alloc_once(arena_t *a, size_t size, size_t alignment)
{
    uintptr_t p;
    if (arena__fits(a->hot.pos, a->limit, size, alignment, &p)) {
        /* Checked mode, a caller that skipped the inline path, or room
         * that an on_limit callback gave back. */
        arena__publish(a, p + size);
        arena__tool_alloc(a->cur, (void *)p, size);
        return (void *)p;
    }
    if (a->capacity == 0 && !a->capped && !a->heap_free && size <= a->next_size
        && alignment <= ARENA__ALIGN)
        return arena__first_block(a, size);
    size_t got;
    return arena__next_block(a, size, size, alignment, a->hot.pos, &got);
}

void *arena__alloc_slow(arena_t *a, size_t size, size_t alignment)
{
    if (a == NULL || !arena__pow2(alignment))
        return arena__fail(EINVAL);
    if (a->closed != NULL) {
        ARENA__ASSERT_CALL(false, a->name, "arena_alloc", a->closed);
        return arena__fail(EINVAL);
    }
    if (size > ARENA__MAX_REQUEST)
        return arena__fail(ENOMEM);
    int saved = errno; /* errno is left alone on success, retried or not */
    void *q = arena__alloc_once(a, size, alignment);
    if (q == NULL && errno == ENOMEM && arena__ask_on_limit(a, size)) {
        q = arena__alloc_once(a, size, alignment);
        if (q != NULL)
            errno = saved;
    }
    return q;
}

/* ---- creation ----------------------------------------------------------------- */

/* Data bytes of the regular blocks that follow a first block of `first`
 * bytes when the options ask for `block_size`. */
static size_t arena__later_size(size_t block_size)
{
    if (block_size > ARENA__MAX_BLOCK)
        return ARENA_MAX_GROWTH_BLOCK; /* no block can be that big */
    if (block_size < ARENA__MIN_BLOCK)
        return ARENA__MIN_BLOCK;
    return ARENA__ROUND(block_size);
}

/* Sets up the struct at `a` with its first block at `b` (data_size bytes,
 * 0 for a child that takes its first block at its first allocation); later
 * blocks follow the rule of arena__later_size(later). */
static inline ARENA__ALWAYS_INLINE arena_t *
arena__start(arena_t *a, const arena_options_t *o, unsigned flags, const arena_backing_t *backing,
             size_t max_size, arena__block_t *b, size_t data_size, size_t later)
{
    memset(a, 0, sizeof *a);
    a->max_size = max_size;
    a->capped = max_size != SIZE_MAX;
    a->flags = flags;
    a->checked = arena__tool_active();
    a->id = arena__new_id();
    a->tag = a->id << ARENA__TAG_BITS; /* below 2^63 for the first 2^43 arenas */
    a->backing = *backing;
    arena__os_lock_init(&a->lock);
    arena__marks_init(&a->marks);
    a->on_limit = o->on_limit;
    a->on_limit_user = o->on_limit_user;
    if (o->name != NULL)
        strncpy(a->name, o->name, ARENA_NAME_MAX); /* the last byte stays 0 */

    arena__block_init(b, data_size, 0);
    a->first = a->cur = b;
    a->capacity = data_size;
    a->nblocks = 1;
    a->limit = arena__block_end(b);
    a->next_size = arena__later_size(later);
    /* Per-thread chunks: big enough that the compare-and-swap is rare,
     * small enough that a thread's unused tail wastes little of a block. */
    size_t chunk = ((data_size ? data_size : a->next_size) / 4) & ~(size_t)63;
    a->ts_chunk = chunk < 256 ? 256 : chunk > 16384 ? 16384 : chunk;
    arena__publish(a, arena__data(b));
    ARENA__INVARIANTS(a);
    return a;
}

static arena_t *arena__create_in_buffer(const arena_options_t *o, const arena_backing_t *hooks,
                                        size_t max_size)
{
    uintptr_t base = (uintptr_t)o->buffer;
    size_t overhead = arena__padding(base, ARENA__ALIGN) + ARENA__SELF + ARENA__BLOCK_HDR;
    if (o->buffer_size < overhead)
        return arena__fail(EINVAL);
    /* Not rounded: the block's data start is aligned, its end need not be,
     * so every byte the overhead constant promises is there. */
    size_t data = o->buffer_size - overhead;
    arena_t *a = (arena_t *)arena__align_up(base, ARENA__ALIGN);
    arena__block_t *b = (arena__block_t *)((uintptr_t)a + ARENA__SELF);
    size_t later = o->block_size ? o->block_size : data ? data : ARENA_DEFAULT_BLOCK_SIZE;
    arena__start(a, o, o->flags, hooks, max_size, b, data, later);
    a->heap_free = (o->flags & ARENA_FIXED) != 0;
    return a;
}

arena_t *arena__create(const arena_options_t *o)
{
    size_t max_size = o->max_size ? o->max_size : SIZE_MAX;
    const arena_backing_t *hooks = o->backing.alloc != NULL ? &o->backing : &arena__default_backing;
    if (o->buffer != NULL)
        return arena__create_in_buffer(o, hooks, max_size);

    size_t data = o->block_size ? o->block_size : ARENA_DEFAULT_BLOCK_SIZE;
    if (data > ARENA__MAX_BLOCK)
        return arena__fail(ENOMEM);
    data = ARENA__ROUND(data);
    size_t total = ARENA__SELF + ARENA__BLOCK_HDR + data;
    if (total > max_size)
        return arena__fail(ENOMEM);
    arena_t *a = (arena_t *)arena__take(NULL, hooks, total);
    if (a == NULL)
        return NULL;
    arena__start(a, o, o->flags, hooks, max_size, (arena__block_t *)((uintptr_t)a + ARENA__SELF),
                 data, data);
    a->self_size = total;
    a->taken = total;
    atomic_store_explicit(&a->subtree, total, memory_order_relaxed);
    return a;
}

arena_t *arena__start_child(const arena_options_t *o, arena_t *parent, void *space,
                            arena__block_t *b, size_t data)
{
    arena_t *a = (arena_t *)space;
    size_t max_size = o->max_size ? o->max_size : SIZE_MAX;
    /* A child in a parent that may not touch the heap is fixed in its
     * first block, which the parent's space holds. */
    unsigned flags = o->flags | (parent->heap_free ? ARENA_FIXED : 0u);
    size_t later = o->block_size ? o->block_size : ARENA_DEFAULT_BLOCK_SIZE;
    arena__start(a, o, flags, &parent->backing, max_size, b, data, later);
    a->parent = parent;
    a->capped = a->capped || parent->capped;
    a->heap_free = parent->heap_free;
    return a;
}

const arena_options_t *arena__options_in(const arena_options_t *options, size_t size, size_t min,
                                         arena_options_t *copy)
{
    if (size == sizeof *copy)
        return options;
    if (size < min)
        return NULL;
    /* Fields this library does not know (a newer header) must be zero: a
     * request it cannot honour is refused, not ignored. */
    for (size_t i = sizeof *copy; i < size; i++)
        if (((const unsigned char *)options)[i] != 0)
            return NULL;
    memset(copy, 0, sizeof *copy);
    memcpy(copy, options, size < sizeof *copy ? size : sizeof *copy);
    return copy;
}

arena_t *arena__create_sized(const arena_options_t *options, size_t options_size)
{
    arena_options_t copy;
    const arena_options_t *o =
        options != NULL ? arena__options_in(options, options_size, ARENA__OPTIONS_1_0, &copy)
                        : NULL;
    if (o == NULL || (o->flags & ~ARENA_FIXED) != 0 || (o->buffer == NULL && o->buffer_size != 0)
        || (o->backing.alloc == NULL) != (o->backing.release == NULL))
        return arena__fail(EINVAL);
    return arena__create(o);
}

arena_t *(arena_create_with)(const arena_options_t *options)
{
    return arena__create_sized(options, ARENA__OPTIONS_1_0);
}

arena_t *arena_create(size_t size)
{
    arena_options_t o = {.block_size = size}; /* nothing to validate */
    return arena__create(&o);
}

/* Ends every block: the chain backwards through prev, then the spares.
 * A block of its own goes back to the backing; the first block, which
 * shares the arena's request (or lives in a buffer or a parent's space),
 * only leaves the tools' records. */
static void arena__end_blocks(arena_t *a)
{
    for (arena__block_t *b = a->cur, *older; b != NULL; b = older) {
        older = b->prev;
        if (b->alloc_size != 0)
            arena__block_free(a, b);
        else
            arena__tool_pool_gone(b, (void *)arena__data(b), b->size);
    }
    for (arena__block_t *b = a->spare, *after; b != NULL; b = after) {
        after = b->next;
        arena__block_free(a, b);
    }
}

void arena_destroy(arena_t *a)
{
    if (a == NULL || !arena__may_change(a, "arena_destroy"))
        return;
    arena__retag(a);
    /* A child destroyed early (its parent has not taken it) claims its
     * record first: from now on its parent waits for it rather than end it
     * too. */
    arena__life_t *record = a->record;
    if (record != NULL)
        __atomic_store_n(&record->arg, ARENA__ENDING, __ATOMIC_RELEASE);
    if (a->on_release != NULL)
        a->on_release(a, 0, true); /* every cleanup and child */
    arena__end_blocks(a);
    arena__marks_free(&a->marks);
    if (a->lock_used)
        arena__os_lock_destroy(&a->lock);
    /* Not read from the memory being freed. */
    arena_t *parent = a->parent;
    arena_backing_t hooks = a->backing;
    size_t self = a->self_size;
    size_t give_back = record != NULL ? a->in_parent_len : 0;
    if (self != 0)
        hooks.release(hooks.user, a, self);
    /* Last: a child lives in its parent's space, which the parent may reuse
     * (or release) once the record says the child is gone. */
    if (record != NULL)
        __atomic_store_n(&record->arg, NULL, __ATOMIC_RELEASE);
    if (give_back != 0)
        (void)arena_pop(parent, record, give_back);
}

/* ---- more memory ------------------------------------------------------------ */

int arena_extend(arena_t *a, size_t extra)
{
    if (a == NULL || extra == 0) {
        errno = EINVAL;
        return -1;
    }
    size_t size;
    if (!arena__block_room(extra, ARENA__ALIGN, &size)) {
        errno = ENOMEM;
        return -1;
    }
    if (a->closed != NULL) { /* a pinned ancestor may grow: it goes on allocating */
        ARENA__ASSERT_CALL(false, a->name, "arena_extend", a->closed);
        errno = EINVAL;
        return -1;
    }
    int saved = errno;
    arena__block_t *b = arena__block_new(a, size, size);
    if (b == NULL && arena__ask_on_limit(a, extra)) {
        b = arena__block_new(a, size, size);
        if (b != NULL)
            errno = saved;
    }
    if (b == NULL)
        return -1;
    /* Next in line: arena__spare_take takes the head first. */
    b->next = a->spare;
    a->spare = b;
    ARENA__INVARIANTS(a);
    return 0;
}

/* ---- rewinding ------------------------------------------------------------------ */

/* Ends everything after (target, pos).  target must be in the chain.
 * O(1) without memory tools; with them, a walk over the released blocks. */
static void arena__rewind(arena_t *a, arena__block_t *target, uintptr_t pos)
{
    arena__note_peak(a);
    uintptr_t top = a->hot.pos;
    if (ARENA__TOOLS_WALK) {
        for (arena__block_t *b = a->cur; b != target; b = b->prev) {
            void *d = (void *)arena__data(b);
            arena__tool_rewind(b, d, d, (size_t)(top - arena__data(b)));
            top = b->prev->top;
        }
    } else if (target != a->cur) {
        top = target->top;
    }
    arena__tool_rewind(target, (void *)arena__data(target), (void *)pos, (size_t)(top - pos));
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
    arena__retag(a);
    arena__publish(a, pos);
    ARENA__INVARIANTS(a);
}

void arena_reset(arena_t *a)
{
    if (a == NULL || !arena__may_change(a, "arena_reset"))
        return;
    if (a->on_release != NULL)
        a->on_release(a, 0, false);
    arena__rewind(a, a->first, arena__data(a->first));
    a->epoch++;
    a->mark_block = NULL;
    arena__marks_clear(&a->marks, a->serial);
}

void arena_trim(arena_t *a)
{
    if (a == NULL || !arena__may_change(a, "arena_trim"))
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
    if (a == NULL) {
        arena_mark_t none;
        memset(&none, 0, sizeof none);
        return none;
    }
    return arena__save(a);
}

void arena__restore(arena_t *a, const arena_mark_t *m)
{
    if (a == NULL || m->arena_id == 0 || !arena__may_change(a, "arena_restore"))
        return;
    ARENA__ASSERT_NAMED(m->arena_id == a->id, a->name,
                        "arena_restore: the mark belongs to another arena");
    ARENA__ASSERT_NAMED(m->epoch == a->epoch, a->name,
                        "arena_restore: the mark was invalidated by arena_reset");
    ARENA__ASSERT_NAMED(arena__marks_valid(&a->marks, m->serial), a->name,
                        "arena_restore: the mark was invalidated by an earlier arena_restore to "
                        "an older mark (marks nest LIFO)");
    if (m->arena_id != a->id || m->epoch != a->epoch)
        return;

    arena__block_t *b = a->cur;
    while (b != NULL && b != (arena__block_t *)m->block)
        b = b->prev;
    bool inside = b != NULL && m->pos >= arena__data(b) && m->pos <= arena__top(a, b);
    ARENA__ASSERT_NAMED(inside, a->name,
                        "arena_restore: the mark lies beyond the arena's current position "
                        "(released since it was saved)");
    if (!inside)
        return;
    uintptr_t pos = m->pos;
    uint64_t serial = m->serial;
    if (a->on_release != NULL)
        a->on_release(a, serial, false);
    arena__rewind(a, b, pos);
    a->mark_block = b; /* m is now the newest valid mark */
    a->mark_pos = pos;
    arena__marks_restore(&a->marks, serial);
}

void arena_restore(arena_t *a, arena_mark_t m)
{
    arena__restore(a, &m);
}

/* ---- primitives for the layers (core.h) ------------------------------------------ */

bool arena__resize_last(arena_t *a, void *ptr, size_t old_size, size_t new_size)
{
    uintptr_t p = (uintptr_t)ptr, pos = a->hot.pos;
    if (!arena__newest(a, ptr, old_size))
        return false;
    if (new_size <= old_size) {
        arena__note_peak(a);
        /* The chunk is changed, not trimmed: memcheck's trim marks bytes
         * past a chunk it cuts short as no-access (as many as the chunk's
         * offset in the block), which can reach into the next block. */
        arena__tool_shrink(a->cur, ptr, old_size, new_size);
        arena__publish(a, p + new_size);
        return true;
    }
    if (new_size - old_size > (size_t)(a->limit - pos) || a->closed != NULL)
        return false; /* a grow is an allocation: not while the arena is closed */
    arena__publish(a, p + new_size);
    arena__tool_grow(a->cur, ptr, old_size, new_size);
    return true;
}

int arena_pop(arena_t *a, void *ptr, size_t size)
{
    if (a == NULL || ptr == NULL)
        return 0;
    return arena__resize_last(a, ptr, size, 0) ? 1 : 0;
}

char *arena__tail(arena_t *a, size_t *avail)
{
    *avail = a->checked ? 0 : (size_t)(a->limit - a->hot.pos);
    return (char *)a->hot.pos;
}

void arena__tail_commit(arena_t *a, size_t n)
{
    uintptr_t p = a->hot.pos;
    arena__publish(a, p + n);
    arena__tool_alloc(a->cur, (void *)p, n);
}

void arena__tail_abandon(arena_t *a, size_t written)
{
    arena__tool_unwrite((void *)a->hot.pos, written);
}
