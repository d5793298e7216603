/*
 * lifetime.c -- what ends with an arena: cleanups and child arenas, and
 * the names and report that show the tree.
 *
 * One list per arena holds both, newest first: a cleanup's record and a
 * child's record are allocated from the arena itself, so the list is in
 * the order of registration and creation.  "What was registered after mark
 * m" is the head of the list down to the record m found at the head: a
 * mark seals the head it finds (with its serial, if no earlier mark sealed
 * it), and a restore to m pops records while they are unsealed or sealed by
 * a later mark (arena__after).  A registration writes no counter; a record
 * that leaves the list out of turn (arena_undefer, a dead child's unit
 * given back) hands its seal to the record below it, and a dead child's
 * unit is reused only while unsealed.  The core calls arena__end (its
 * on_release hook, set once the arena has a record, and for a child of a
 * fixed buffer arena) before it releases any memory: at reset and destroy
 * from 0 (every record), at restore from the mark's serial.  arena__end
 * pops those records and runs them, newest first, like destructors: a
 * cleanup runs, a child is destroyed (its own list first).  Records live
 * in the memory being released, so they are unlinked before the rewind
 * that frees them.
 *
 * A child lives in its parent's memory, in one unit with its record:
 *
 *     [record][struct arena] ... [first block header][data: fixed buffer parents only]
 *     <------------- ARENA_CHILD_OVERHEAD ------------->
 *
 * so that creating one costs an allocation from the parent and no backing
 * request; elsewhere the child's first block comes at its first
 * allocation, through the parent's backing.  The record's `arg` holds the
 * child while it lives (atomic accesses only), and the child points back at
 * its record.  An early arena_destroy of the child, which may run on
 * another thread, with no lock, first claims the record (ARENA__ENDING):
 * the parent then leaves the child alone, and waits for it if it ends
 * meanwhile.  The destroy's last act stores NULL: from then on the unit is
 * dead and the parent's to reuse.  The parent ends a live child by taking
 * the pointer (a compare-and-swap to NULL).  A dead unit at the head of the
 * list is taken over by the next child, so a parent that creates and
 * destroys a child per request does not grow; one deeper in the list
 * stays until the parent's memory is released.
 *
 * While an arena is being released it is closed (the core refuses every
 * change and shuts its inline window) and its ancestors are pinned (no
 * reset, restore, destroy or registration): a cleanup may read them and
 * use any other arena.
 */
#include "arena_internal.h"

#include <stdio.h>

static void arena__run(arena_t *a, uint64_t from);

const char arena__ending_mark;

/* A child's unit: its record, its struct (aligned), and at the end of
 * ARENA_CHILD_OVERHEAD bytes its first block's header, followed by the
 * block's data in a fixed buffer parent.  The constant keeps what a child
 * costs its parent the same in every build. */
#define ARENA__REC ARENA__ROUND(sizeof(arena__life_t))
_Static_assert(ARENA__REC + ARENA__SELF + ARENA__BLOCK_HDR <= ARENA_CHILD_OVERHEAD
                   && ARENA_CHILD_OVERHEAD % ARENA__ALIGN == 0,
               "a child's bookkeeping outgrew ARENA_CHILD_OVERHEAD");

static arena__block_t *arena__unit_block(arena__life_t *r)
{
    return (arena__block_t *)(void *)((char *)r + ARENA_CHILD_OVERHEAD - ARENA__BLOCK_HDR);
}

/* Takes record r, at *l, off its list out of turn: the record below it
 * inherits its seal (it was in the list when r was sealed, and one it
 * carries already is older, so lower). */
static void arena__unlink(arena__life_t **l, arena__life_t *r)
{
    arena__life_t *below = r->older;
    if (r->seal != 0 && below != NULL && below->seal == 0)
        below->seal = r->seal;
    *l = below;
}

/* A child of a fixed buffer parent, destroyed early: its unit is the
 * parent's scarce space, so it goes back to the parent when nothing came
 * after it (its record heads the parent's list and the unit is the parent's
 * newest allocation, with no mark after), and the record, dead, leaves the
 * list with it.  Otherwise the unit stays, dead, for the next child. */
static void arena__plan_give_back(arena_t *a)
{
    arena_t *p = a->parent;
    arena__life_t *r = a->record;
    if (p->life == r && arena__newest(p, r, a->in_parent_len))
        arena__unlink(&p->life, r); /* arena_destroy pops it, once the child is done */
    else
        a->in_parent_len = 0;
}

static void arena__end(arena_t *a, uint64_t from, bool destroying)
{
    if (a->life != NULL && arena__after(a->life, from))
        arena__run(a, from);
    /* Destroyed early (arena_destroy has claimed the record). */
    if (destroying && a->record != NULL && a->in_parent_len != 0)
        arena__plan_give_back(a);
}

/* Takes the child of record r for ending it: the child, or NULL when it has
 * ended already.  A child being destroyed early on another thread is
 * waited for: its unit is about to be released with the parent's memory. */
static arena_t *arena__take_child(arena__life_t *r)
{
    for (;;) {
        void *k = __atomic_load_n(&r->arg, __ATOMIC_ACQUIRE);
        if (k == NULL)
            return NULL;
        if (k == ARENA__ENDING)
            arena__os_yield();
        else if (__atomic_compare_exchange_n(&r->arg, &k, NULL, false, __ATOMIC_ACQ_REL,
                                             __ATOMIC_ACQUIRE))
            return (arena_t *)k;
    }
}

/* Ends the child of record r, unless it has ended already. */
static ARENA__NOINLINE void arena__end_child(arena__life_t *r)
{
    arena_t *k = arena__take_child(r);
    if (k != NULL) {
        k->record = NULL; /* taken: the child need not give it back */
        arena_destroy(k);
    }
}

/* Runs the records made after the mark with serial `from` (0: all of
 * them), newest first, with the arena closed and its ancestors pinned. */
static void arena__run(arena_t *a, uint64_t from)
{
    a->closed = "the arena is being released: while its cleanups run it may only be read";
    arena__retag(a); /* a thread-safe chunk must not serve a cleanup */
    arena__publish(a, a->hot.pos);
    for (arena_t *p = a->parent; p != NULL; p = p->parent)
        atomic_fetch_add_explicit(&p->pinned, 1, memory_order_relaxed);

    /* The head is read again after each record: a cleanup that destroys a
     * child of a fixed buffer arena early may take that child's record off
     * the list (its unit goes back). */
    for (arena__life_t *r = a->life; r != NULL && arena__after(r, from); r = a->life) {
        a->life = r->older;
        if (ARENA__LIKELY(r->fn != NULL))
            r->fn(r->arg);
        else
            arena__end_child(r);
    }

    for (arena_t *p = a->parent; p != NULL; p = p->parent)
        atomic_fetch_sub_explicit(&p->pinned, 1, memory_order_relaxed);
    /* Open again; the core's rewind (or free) that follows republishes the
     * window, so it stays shut until then. */
    a->closed = NULL;
}

static void arena__link_cleanup(arena_t *a, arena__life_t *r, void (*fn)(void *), void *arg)
{
    /* One initializer: the compiler may store the record in two 16-byte
     * halves rather than four words (the stores are what it costs). */
    *r = (arena__life_t){a->life, 0, fn, arg};
    a->life = r;
    if (ARENA__UNLIKELY(a->on_release == NULL))
        a->on_release = arena__end;
}

/* Everything but a record that fits the inline window: the checks' errors,
 * and a record that needs the slow path (a new block, a memory tool). */
static ARENA__NOINLINE int arena__defer_slow(arena_t *a, void (*fn)(void *arg), void *arg)
{
    if (a == NULL || fn == NULL || !arena__may_change(a, "arena_defer")) {
        errno = EINVAL;
        return -1;
    }
    arena__life_t *r = ARENA_NEW(a, arena__life_t);
    if (r == NULL)
        return -1;
    arena__link_cleanup(a, r, fn, arg);
    return 0;
}

/* Room that holds a record wherever the window starts; a window with less
 * goes to the slow path, which fits the record exactly. */
#define ARENA__LIFE_ROOM (sizeof(arena__life_t) + ARENA_ALIGNOF(arena__life_t) - 1)
_Static_assert(sizeof(arena__life_t) % ARENA_ALIGNOF(arena__life_t) == 0,
               "a record's size is a multiple of its alignment");

int arena_defer(arena_t *a, void (*fn)(void *arg), void *arg)
{
    /* A leaf on its fast path: the record is bumped out of the inline
     * window directly, as arena_alloc would.  A closed arena has its window
     * shut (arena__publish), so the window's check sends it to the slow
     * path's refusal too; a pinned one may still allocate, so it is asked. */
    if (ARENA__UNLIKELY(a == NULL || fn == NULL
                        || atomic_load_explicit(&a->pinned, memory_order_relaxed) != 0
                        || a->hot.end - a->hot.pos < ARENA__LIFE_ROOM))
        return arena__defer_slow(a, fn, arg);
    /* The record's end, aligned like its start since its size is a
     * multiple of its alignment: two operations on the position, which the
     * next registration waits for. */
    uintptr_t end = (a->hot.pos + sizeof(arena__life_t) + ARENA_ALIGNOF(arena__life_t) - 1)
                    & ~(uintptr_t)(ARENA_ALIGNOF(arena__life_t) - 1);
    a->hot.pos = end;
    arena__link_cleanup(a, (arena__life_t *)(end - sizeof(arena__life_t)), fn, arg);
    return 0;
}

int arena_undefer(arena_t *a, void (*fn)(void *arg), void *arg)
{
    if (a == NULL || fn == NULL || !arena__may_change(a, "arena_undefer")) {
        errno = EINVAL;
        return -1;
    }
    for (arena__life_t **l = &a->life; *l != NULL; l = &(*l)->older) {
        arena__life_t *r = *l;
        if (r->fn == fn && r->arg == arg) {
            arena__unlink(l, r);
            (void)arena_pop(a, r, sizeof *r); /* the record's bytes, if nothing came after */
            return 0;
        }
    }
    errno = ENOENT;
    return -1;
}

/* A dead child's unit heading the parent's list, which a new child of
 * `data` first-block bytes may take over: its record, or NULL.  Not one a
 * mark sealed: the new child comes after that mark, its record would say
 * before. */
static arena__life_t *arena__dead_unit(const arena_t *parent, size_t data)
{
    arena__life_t *r = parent->life;
    if (r == NULL || r->fn != NULL || r->seal != 0
        || __atomic_load_n(&r->arg, __ATOMIC_ACQUIRE) != NULL)
        return NULL;
    return arena__unit_block(r)->size >= data ? r : NULL;
}

arena_t *arena__create_child_sized(arena_t *parent, const arena_options_t *options,
                                   size_t options_size)
{
    static const arena_options_t defaults; /* zero: every default */
    arena_options_t copy;
    /* A header without `name` is older than children. */
    const arena_options_t *o =
        options != NULL
            ? arena__options_in(options, options_size, offsetof(arena_options_t, name), &copy)
            : &defaults;
    if (o == NULL || parent == NULL || (o->flags & ~ARENA_FIXED) != 0 || o->buffer != NULL
        || o->buffer_size != 0 || o->backing.alloc != NULL || o->backing.release != NULL
        || !arena__may_change(parent, "arena_create_child"))
        return arena__fail(EINVAL);
    /* The first block the child will have must be possible under its cap,
     * as for arena_create_with. */
    size_t first = o->block_size ? o->block_size : ARENA_DEFAULT_BLOCK_SIZE;
    size_t max_size = o->max_size ? o->max_size : SIZE_MAX;
    if (first > ARENA__MAX_REQUEST - ARENA_CHILD_OVERHEAD - ARENA__ALIGN
        || ARENA__BLOCK_HDR + ARENA__ROUND(first) > max_size)
        return arena__fail(ENOMEM);

    /* The child lives in its parent's space, a unit of
     * ARENA_CHILD_OVERHEAD bytes and, in a parent that may not touch the
     * heap, the child's one block; elsewhere the child takes its first block
     * at its first allocation.  A dead unit heading the parent's list is taken
     * over, so a parent that makes a child per request does not grow.  The
     * parent changes only once the unit is had. */
    size_t data = parent->heap_free ? ARENA__ROUND(first) : 0;
    size_t unit = ARENA_CHILD_OVERHEAD + data;
    arena__life_t *r = arena__dead_unit(parent, data);
    if (r != NULL) {
        data = arena__unit_block(r)->size;
    } else {
        r = (arena__life_t *)arena_alloc_aligned(parent, unit, ARENA__ALIGN);
        if (r == NULL)
            return NULL;
        *r = (arena__life_t){parent->life, 0, NULL, NULL};
        parent->life = r;
    }
    arena_t *k = arena__start_child(o, parent, (char *)r + ARENA__REC, arena__unit_block(r), data);
    if (parent->heap_free) {
        k->in_parent_len = unit; /* an early destroy may give it back */
        k->on_release = arena__end;
    }
    __atomic_store_n(&r->arg, (void *)k, __ATOMIC_RELEASE);
    k->record = r;
    parent->on_release = arena__end;
    return k;
}

arena_t *(arena_create_child)(arena_t *parent, const arena_options_t *options)
{
    return arena__create_child_sized(parent, options, sizeof(arena_options_t));
}

arena_t *arena_parent(const arena_t *a)
{
    return a != NULL ? a->parent : NULL;
}

const char *arena_name(const arena_t *a)
{
    return a != NULL ? a->name : NULL;
}

/* ---- the report ------------------------------------------------------------ */

static void arena__to_stderr(const char *line, void *arg)
{
    (void)arg;
    fprintf(stderr, "%s\n", line);
}

/* One line for `a` at `depth`, then its children, newest first. */
static void arena__report_tree(const arena_t *a, int depth,
                               void (*out)(const char *line, void *arg), void *arg)
{
    size_t lost = 0;
    for (const arena__block_t *b = a->cur->prev; b != NULL; b = b->prev)
        lost += b->size - (size_t)(b->top - arena__data(b));
    size_t cleanups = 0;
    for (const arena__life_t *r = a->life; r != NULL; r = r->older)
        cleanups += r->fn != NULL;
    arena_stats_t s = arena_stats(a);
    char line[256];
    snprintf(line, sizeof line,
             "%*s%s: used %zu, capacity %zu, peak %zu, blocks %zu, lost %zu, cleanups %zu",
             2 * depth, "", a->name[0] ? a->name : "(unnamed)", s.used, s.capacity, s.peak,
             s.blocks, lost, cleanups);
    out(line, arg);
    for (const arena__life_t *r = a->life; r != NULL; r = r->older) {
        const arena_t *k =
            r->fn == NULL ? (const arena_t *)__atomic_load_n(&r->arg, __ATOMIC_ACQUIRE) : NULL;
        if (k != NULL && k != ARENA__ENDING)
            arena__report_tree(k, depth + 1, out, arg);
    }
}

void arena_report(const arena_t *a, void (*out)(const char *line, void *arg), void *arg)
{
    if (a == NULL)
        return;
    arena__report_tree(a, 0, out != NULL ? out : arena__to_stderr, arg);
}
