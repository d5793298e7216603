/*
 * lifetime.c -- what ends with an arena: cleanups and child arenas, and
 * the names and report that show the tree.
 *
 * One list per arena holds both, newest first: a cleanup's record and a
 * child's record are allocated from the arena itself, each with a ticket
 * from the arena's serial, the counter marks take theirs from too.  So the
 * list is in the order of registration and creation, and "what was
 * registered after mark m" is the head of the list down to the first
 * ticket at or below m's.  The core calls arena__end (its on_release hook,
 * set once the arena has a record or is a child) before it releases any
 * memory: at reset and destroy with cut 0, at restore with the mark's
 * serial.  arena__end pops the records above the cut and runs them, newest
 * first, like destructors: a cleanup runs, a child is destroyed (its own
 * list first).  Records live in the memory being released, so they are
 * unlinked before the rewind that frees them.
 *
 * A child's record holds the child (read and written atomically), and the child
 * points back at its record.  Whoever takes the pointer (an exchange with
 * NULL) ends the child: the parent's release, or the child's own early
 * destroy, which may run on another thread, with no lock.  A dead record
 * at the head of the list is reused for the next child, so a parent that
 * creates and destroys a child per request does not grow.
 *
 * While an arena is being released it is closed (the core refuses every
 * change and shuts its inline window) and its ancestors are pinned (no
 * reset, restore, destroy or registration): a cleanup may read them and
 * use any other arena.
 */
#include "arena_internal.h"

#include <stdio.h>

static void arena__run(arena_t *a, uint64_t cut);

/* A child in its parent's space, destroyed: what it can give back to the
 * parent, which the core pops last.  Its space alone when it came in an
 * allocation of its own; with its record when they came together, and only
 * if nothing came after (the record heads the parent's list and the
 * allocation is the parent's newest, with no mark after), so that the
 * record, dead, leaves the list with it.  Otherwise nothing: the parent's next rewind
 * takes it. */
static void arena__plan_give_back(arena_t *a)
{
    arena_t *p = a->parent;
    char *chunk = (char *)a->in_parent_chunk;
    if (chunk == (char *)a)
        return; /* its own allocation: arena_pop decides */
    arena__life_t *r = (arena__life_t *)(void *)chunk;
    if (p->life == r && arena__newest(p, chunk, a->in_parent_len))
        p->life = r->older; /* the core's pop takes it */
    else
        a->in_parent_len = 0;
}

static void arena__end(arena_t *a, uint64_t cut, bool destroying)
{
    if (a->life != NULL && a->life->ticket > cut)
        arena__run(a, cut);
    if (destroying && a->record != NULL)
        __atomic_store_n(&a->record->arg, NULL, __ATOMIC_RELEASE);
    if (destroying && a->in_parent_chunk != NULL)
        arena__plan_give_back(a);
}

/* Runs the records above the cut, newest first, with the arena closed and
 * its ancestors pinned. */
static void arena__run(arena_t *a, uint64_t cut)
{
    a->closed = "the arena is being released: while its cleanups run it may only be read";
    arena__retag(a); /* a thread-safe chunk must not serve a cleanup */
    arena__publish(a, a->hot.pos);
    for (arena_t *p = a->parent; p != NULL; p = p->parent)
        atomic_fetch_add_explicit(&p->pinned, 1, memory_order_relaxed);

    for (arena__life_t *r; (r = a->life) != NULL && r->ticket > cut;) {
        a->life = r->older;
        if (r->fn != NULL) {
            a->ncleanups--;
            r->fn(r->arg);
        } else {
            arena_t *k = (arena_t *)__atomic_exchange_n(&r->arg, NULL, __ATOMIC_ACQ_REL);
            if (k != NULL) {
                k->record = NULL; /* taken: the child need not give it back */
                arena_destroy(k);
            }
        }
    }

    for (arena_t *p = a->parent; p != NULL; p = p->parent)
        atomic_fetch_sub_explicit(&p->pinned, 1, memory_order_relaxed);
    /* Open again; the core's rewind (or free) that follows republishes the
     * window, so it stays shut until then. */
    a->closed = NULL;
}

static void arena__link_cleanup(arena_t *a, arena__life_t *r, void (*fn)(void *), void *arg)
{
    r->older = a->life;
    r->ticket = ++a->serial;
    r->fn = fn;
    r->arg = arg;
    a->life = r;
    a->ncleanups++;
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

int arena_defer(arena_t *a, void (*fn)(void *arg), void *arg)
{
    /* A leaf on its fast path: the record is bumped out of the inline
     * window directly, as arena_alloc would. */
    uintptr_t p;
    if (ARENA__UNLIKELY(a == NULL || fn == NULL || a->closed != NULL
                        || atomic_load_explicit(&a->pinned, memory_order_relaxed) != 0
                        || !arena__fits(a->hot.pos, a->hot.end, sizeof(arena__life_t),
                                        ARENA_ALIGNOF(arena__life_t), &p)))
        return arena__defer_slow(a, fn, arg);
    a->hot.pos = p + sizeof(arena__life_t);
    arena__link_cleanup(a, (arena__life_t *)p, fn, arg);
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
            *l = r->older;
            a->ncleanups--;
            (void)arena_pop(a, r, sizeof *r); /* the record's bytes, if nothing came after */
            return 0;
        }
    }
    errno = ENOENT;
    return -1;
}

arena_t *arena__create_child_sized(arena_t *parent, const arena_options_t *options,
                                   size_t options_size)
{
    static const arena_options_t defaults; /* zero: every default */
    arena_options_t o;
    if (options == NULL) {
        o = defaults;
    } else {
        memset(&o, 0, sizeof o);
        if (options_size < offsetof(arena_options_t, name))
            return arena__fail(EINVAL);
        for (size_t i = sizeof o; i < options_size; i++)
            if (((const unsigned char *)options)[i] != 0)
                return arena__fail(EINVAL);
        memcpy(&o, options, options_size < sizeof o ? options_size : sizeof o);
    }
    if (parent == NULL || (o.flags & ~ARENA_FIXED) != 0 || o.buffer != NULL || o.buffer_size != 0
        || o.backing.alloc != NULL || o.backing.release != NULL
        || !arena__may_change(parent, "arena_create_child"))
        return arena__fail(EINVAL);

    /* Transactional: the parent changes only once the child exists.  A dead
     * record at the head is reused.  Otherwise the child comes first
     * (through the backing, which leaves the parent alone) and its record
     * after; a record that cannot be had destroys the new child.  A parent
     * that may not touch the heap gives the record and the child's space in
     * one allocation. */
    arena__life_t *r = parent->life;
    bool reuse = r != NULL && r->fn == NULL && __atomic_load_n(&r->arg, __ATOMIC_ACQUIRE) == NULL;
    size_t record = reuse ? 0 : ARENA__ROUND(sizeof(arena__life_t));
    arena_t *k;
    if (parent->heap_free) {
        size_t total = arena__create_size(&o);
        if (total == 0 || total > (o.max_size ? o.max_size : SIZE_MAX)
            || total > ARENA__MAX_REQUEST - record)
            return arena__fail(ENOMEM);
        char *chunk = (char *)arena_alloc_aligned(parent, record + total, ARENA__ALIGN);
        if (chunk == NULL)
            return NULL;
        if (!reuse)
            r = (arena__life_t *)(void *)chunk;
        k = arena__create(&o, parent, chunk + record);
        k->in_parent_chunk = chunk; /* the record, when it came too, first */
        k->in_parent_len = record + total;
    } else {
        k = arena__create(&o, parent, NULL);
        if (k == NULL)
            return NULL;
        if (!reuse && (r = ARENA_NEW(parent, arena__life_t)) == NULL) {
            int err = errno;
            arena_destroy(k);
            errno = err;
            return NULL;
        }
    }
    if (!reuse) {
        r->older = parent->life;
        r->fn = NULL;
        parent->life = r;
    }
    r->ticket = ++parent->serial;
    __atomic_store_n(&r->arg, (void *)k, __ATOMIC_RELEASE);
    k->record = r;
    k->on_release = arena__end;
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
    arena_stats_t s = arena_stats(a);
    char line[256];
    snprintf(line, sizeof line,
             "%*s%s: used %zu, capacity %zu, peak %zu, blocks %zu, lost %zu, cleanups %zu",
             2 * depth, "", a->name[0] ? a->name : "(unnamed)", s.used, s.capacity, s.peak,
             s.blocks, lost, a->ncleanups);
    out(line, arg);
    for (const arena__life_t *r = a->life; r != NULL; r = r->older) {
        const arena_t *k =
            r->fn == NULL ? (const arena_t *)__atomic_load_n(&r->arg, __ATOMIC_ACQUIRE) : NULL;
        if (k != NULL)
            arena__report_tree(k, depth + 1, out, arg);
    }
}

void arena_report(const arena_t *a, void (*out)(const char *line, void *arg), void *arg)
{
    if (a == NULL)
        return;
    arena__report_tree(a, 0, out != NULL ? out : arena__to_stderr, arg);
}
