/*
 * fuzz_arena.c -- model-based fuzzing of the arena API.
 *
 * The input is a program: a header that describes up to three arenas
 * (growable, fixed, capped, buffer-backed fixed/growable/capped, default
 * malloc backing), then operations, each an opcode byte, an arena selector
 * byte and operands.  A selector below 0x80 picks one of those top-level
 * arenas; 0x80 and above picks one of NCHILD child slots, filled by the
 * operation that creates a child (of a top-level arena or of another
 * child, so the tree has several levels).  A reference model follows every
 * arena: the live allocations (address, size, alignment, stamp), the marks,
 * the exact `used` and `peak`, the size of the next regular block, the
 * backing bytes (through the test backing of arena_testing.h, which a
 * top-level arena shares with all its descendants), and the arena's
 * lifetimes list: its pending cleanups and its children in registration
 * order, each with a ticket ordered against the marks.  The model predicts
 * where each request must land (the current block, the head spare or else
 * the smallest spare that fits, or a new block of a predicted size, cut
 * down to what the caps of the arena and its ancestors still allow) and
 * which requests must fail (a cap anywhere up the tree refusing is
 * ENOMEM with no backing request).
 *
 * Lifetimes: a cleanup logs (function, argument) when it runs, and checks
 * that its argument, a stamped allocation in the same arena, is still
 * intact (so it ran before its memory was released: in the checked build
 * a poisoned byte is an ASan report).  Before every reset, restore and
 * destroy (of the arena or of an ancestor) the model computes which
 * cleanups must run and in which order (one LIFO of cleanups and children
 * per arena; restore ends those with a ticket above the mark's; a child's
 * end runs its own list first), and which children end with it; the log
 * must match exactly.  arena_undefer must drop the newest match and give
 * the record's bytes back exactly when the record is the last allocation
 * with no mark above it.  A child lives in a unit of its parent's memory
 * (its record, its struct and, in a heap-free parent, its block); a dead
 * child's unit heading the list is reused by the next child, and an early
 * destroy in a heap-free parent gives the unit back under the rule above.  A failed registration or
 * child creation must leave the parent, its list and the backing as they
 * were.  The record's size and alignment and the bookkeeping sizes are
 * learned once from a probe arena, not assumed.
 *
 * After every operation the tree of the arena that ran it is checked:
 *   - arena_check() == 0 on every arena of the tree;
 *   - arena_blocks()/arena_stats() agree (blocks, capacity, used, available;
 *     backing == the bookkeeping plus every block from the backing, exactly),
 *     used/peak == model;
 *   - the arenas' backing bytes add up to what the shared test backing
 *     holds, block for block (so no child outlives its parent and no child
 *     leaks), the backing's peak never passed the top-level cap, and each
 *     capped arena's subtree stays within its cap;
 *   - arena_parent() and arena_name() are the model's; arena_report() shows
 *     exactly the model's tree (names, depth, newest child first, used,
 *     capacity, peak, blocks, bytes lost at the ends of full blocks,
 *     pending cleanups);
 *   - every live allocation lies in a block in use, is owned (arena_owns),
 *     aligned, disjoint from every other, and still holds its stamp;
 *   - a failed call returned NULL (or -1) with the predicted errno and left
 *     stats, the block list and the position exactly as they were;
 *   - no cleanup ran that the model did not predict.
 *
 * Built two ways from this one file:
 *   - fuzz_arena: libFuzzer (-fsanitize=fuzzer,address,undefined), only with
 *     -DARENA_BUILD_FUZZ=ON;
 *   - fuzz_arena_replay: a plain main() that runs every file of the given
 *     files/directories (the committed corpus) through the same code, in
 *     every build (release, ASan, valgrind).
 *
 * HD_LIB_DEBUG (from CMake) says whether the library asserts on misuse; only
 * when it does not are stale and foreign marks thrown at it (it must ignore
 * them).
 */
#include <arena.h>

#include <arena_testing.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HD_LIB_DEBUG
#define HD_LIB_DEBUG 1
#endif

#define NARENA 3
#define NCHILD 6 /* child slots */
#define NSLOT (NARENA + NCHILD)
#define MAX_LIFE 48 /* lifetimes records the model follows per arena */
#define MAX_LOG 1024
#define MAX_LIVE 384
#define MAX_MARKS 24
#define MAX_OPS 1200
#define HOOK_LIMIT ((size_t)48 * 1024 * 1024)
#define BUF_MAX 8192
#define DEF_ALIGN ARENA_DEFAULT_ALIGNMENT

/* ---- failure -------------------------------------------------------------- */

static int g_op;
static int g_trace;

static void die(int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz_arena.c:%d (op %d): ", line, g_op);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            die(__LINE__, "check failed: %s", #cond);                                              \
    } while (0)
#define CHECKF(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            die(__LINE__, __VA_ARGS__);                                                            \
    } while (0)

/* ---- input ------------------------------------------------------------------ */

typedef struct {
    const uint8_t *d;
    size_t n, i;
} rd_t;

static uint8_t u8(rd_t *r)
{
    return r->i < r->n ? r->d[r->i++] : 0;
}

static uint32_t u16(rd_t *r)
{
    uint32_t v = u8(r);
    return v | (uint32_t)u8(r) << 8;
}

static uint32_t u32(rd_t *r)
{
    uint32_t v = u16(r);
    return v | u16(r) << 16;
}

/* ---- model ------------------------------------------------------------------- */

enum { T_GROW, T_FIXED, T_CAPPED, T_BUF_GROW, T_BUF_FIXED, T_BUF_CAPPED, T_DEFAULT, T_NTYPES };

/* What a live allocation holds: the fuzzer's stamped bytes, a lifetimes
 * record the library writes (never stamped), a cleanup's stamped argument,
 * or the space of a child that lives in its parent (the library's). */
enum { K_USER, K_REC, K_ARG, K_SPACE };

typedef struct {
    unsigned char *p;
    size_t size, align;
    uint64_t seq;
    uint8_t seed;
    uint8_t kind;
} live_t;

typedef struct {
    arena_mark_t m;
    uint64_t seq;    /* allocations with a larger seq end at restore */
    uint64_t ticket; /* lifetimes records with a larger ticket end at restore */
    size_t used;
    uintptr_t pos;
    const void *block;
} mmark_t;

/* One record of an arena's lifetimes list, oldest first in the array. */
enum { L_CLEANUP, L_CHILD };

typedef struct {
    int kind;
    int fn;             /* L_CLEANUP: which cleanup function */
    unsigned char *arg; /* L_CLEANUP */
    uintptr_t rec;      /* L_CLEANUP: the record's address */
    int child;          /* L_CHILD: the child's slot; -1 once it ended early */
    size_t unit_data;   /* L_CHILD: first-block bytes in the child's unit */
    int sealed;         /* a mark was saved while it headed the list: a dead
                           child's unit is then not reused */
    uint64_t ticket;
} life_t;

typedef struct {
    arena_t *a;
    int type;
    arena_options_t o;
    arena_testing_backing_t hb;
    int hooks;
    unsigned char *buf; /* inside g_bufs */
    live_t live[MAX_LIVE];
    size_t nlive;
    mmark_t marks[MAX_MARKS];
    size_t nmarks;
    arena_mark_t stale; /* saved before the last reset: must be ignored */
    int have_stale;
    size_t used, peak, next_size;
    int size_unknown; /* the thread-safe path added a block: next_size is not modelled */
    /* The tree.  A child shares its top-level arena's backing (hb, hooks). */
    int slot;        /* index in g_ar */
    int parent;      /* slot of the parent; -1 at the top */
    int root;        /* slot of the top-level arena */
    int fixed;       /* ARENA_FIXED in effect */
    int heap_free;   /* a fixed arena in a caller's buffer, or a child living in one */
    int in_parent;   /* a child: it lives in a unit of its parent's space */
    uintptr_t chunk; /* in_parent: the unit [chunk, chunk + chunk_size): its record,
                        struct, first block header (and data in a heap-free parent) */
    size_t chunk_size;
    char name[ARENA_NAME_MAX + 1]; /* what arena_name must say */
    life_t life[MAX_LIFE];
    size_t nlife;
} marena_t;

/* Top-level arenas in g_ar[0 .. NARENA), child slots after them. */
static marena_t g_ar[NSLOT];
static size_t g_n;
static uint64_t g_seq;
static uint64_t g_ticket; /* orders marks against lifetimes records, like the library's serial */
static unsigned g_gen;    /* children created: names */
static uint8_t g_seed;

static marena_t *parent_of(const marena_t *m)
{
    return m->parent < 0 ? NULL : &g_ar[m->parent];
}

static marena_t *root_of(const marena_t *m)
{
    return &g_ar[m->root];
}

/* The test backing every arena of m's tree goes through. */
static arena_testing_backing_t *hb_of(const marena_t *m)
{
    return &root_of(m)->hb;
}

static int hooks_of(const marena_t *m)
{
    return root_of(m)->hooks;
}

/* Layout facts learned once from probe arenas (learn_layout). */
static size_t g_hdr;       /* a block's header: a new block of n data bytes asks for g_hdr + n */
static size_t g_self;      /* the arena's struct, in front of its first block's header */
static size_t g_rec;       /* a lifetimes record */
static size_t g_rec_align; /* its alignment */
static _Alignas(64) unsigned char g_bufs[NARENA][BUF_MAX + 64];

/* A snapshot: stats, the block list, and what the backing holds. */
typedef struct {
    arena_stats_t s;
    size_t nb;
    arena_block_info_t *b;
    size_t hook_out, hook_req;
} snap_t;

static void snap_take(marena_t *m, snap_t *s)
{
    s->s = arena_stats(m->a);
    s->nb = arena_blocks(m->a, NULL, 0);
    s->b = malloc((s->nb + 1) * sizeof *s->b);
    CHECK(s->b != NULL);
    CHECK(arena_blocks(m->a, s->b, s->nb) == s->nb);
    s->hook_out = hb_of(m)->outstanding;
    s->hook_req = hb_of(m)->requests;
}

static void snap_free(snap_t *s)
{
    free(s->b);
    s->b = NULL;
}

static int stats_eq(arena_stats_t x, arena_stats_t y)
{
    return x.used == y.used && x.capacity == y.capacity && x.peak == y.peak && x.blocks == y.blocks
           && x.available == y.available && x.backing == y.backing && x.max_size == y.max_size;
}

static void snap_same(marena_t *m, const snap_t *before, const char *what)
{
    snap_t now;
    snap_take(m, &now);
    CHECKF(stats_eq(before->s, now.s), "%s changed the stats", what);
    CHECKF(before->nb == now.nb, "%s changed the block count", what);
    for (size_t i = 0; i < now.nb; i++) {
        CHECKF(before->b[i].start == now.b[i].start && before->b[i].size == now.b[i].size
                   && before->b[i].used == now.b[i].used && before->b[i].state == now.b[i].state,
               "%s changed block %zu", what, i);
    }
    CHECKF(before->hook_out == now.hook_out, "%s changed the backing bytes", what);
    snap_free(&now);
}

/* The current block of a snapshot. */
static const arena_block_info_t *snap_cur(const snap_t *s)
{
    for (size_t i = 0; i < s->nb; i++)
        if (s->b[i].state == ARENA_BLOCK_CURRENT)
            return &s->b[i];
    die(__LINE__, "no current block");
    return NULL;
}

static uintptr_t snap_pos(const snap_t *s)
{
    const arena_block_info_t *c = snap_cur(s);
    return (uintptr_t)c->start + c->used;
}

static uint8_t stamp_byte(uint8_t seed, size_t i)
{
    return (uint8_t)(seed ^ (uint8_t)(i * 0x9Du) ^ (uint8_t)(i >> 8));
}

/* The stamp covers the first and last 64 bytes and 64 in the middle (all
 * of a small allocation): enough to catch an overlap or a move, cheap on
 * big allocations. */
static void stamp_range(unsigned char *p, size_t from, size_t to, uint8_t seed)
{
    for (size_t i = from; i < to; i++)
        p[i] = stamp_byte(seed, i);
}

static void stamp(unsigned char *p, size_t n, uint8_t seed)
{
    if (n <= 192) {
        stamp_range(p, 0, n, seed);
        return;
    }
    size_t mid = n / 2 - 32;
    stamp_range(p, 0, 64, seed);
    stamp_range(p, mid, mid + 64, seed);
    stamp_range(p, n - 64, n, seed);
}

static int stamp_ok_range(const unsigned char *p, size_t from, size_t to, uint8_t seed)
{
    for (size_t i = from; i < to; i++)
        if (p[i] != stamp_byte(seed, i))
            return 0;
    return 1;
}

/* The stamped bytes of [0, n) that lie below `keep`. */
static int stamp_ok_n(const unsigned char *p, size_t n, uint8_t seed, size_t keep)
{
    if (n <= 192)
        return stamp_ok_range(p, 0, n < keep ? n : keep, seed);
    size_t mid = n / 2 - 32;
    size_t r[3][2] = {{0, 64}, {mid, mid + 64}, {n - 64, n}};
    for (int i = 0; i < 3; i++) {
        size_t to = r[i][1] < keep ? r[i][1] : keep;
        if (r[i][0] < to && !stamp_ok_range(p, r[i][0], to, seed))
            return 0;
    }
    return 1;
}

/* A cleanup's argument carries its own check: byte 0 the seed, byte 1 the
 * size, then the stamp, so the cleanup can verify it when it runs. */
static void arg_stamp(unsigned char *p, size_t n, uint8_t seed)
{
    p[0] = seed;
    p[1] = (unsigned char)n;
    stamp_range(p, 2, n, seed);
}

static int arg_ok(const unsigned char *p)
{
    return p[1] >= 2 && stamp_ok_range(p, 2, p[1], p[0]);
}

static int stamp_ok(const live_t *l)
{
    if (l->kind == K_ARG)
        return l->size == l->p[1] && arg_ok(l->p);
    if (l->kind != K_USER)
        return 1; /* the library's bytes */
    return stamp_ok_n(l->p, l->size, l->seed, l->size);
}

static int cmp_live(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)((const live_t *)x)->p, b = (uintptr_t)((const live_t *)y)->p;
    return a < b ? -1 : a > b;
}

static int cmp_block(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)((const arena_block_info_t *)x)->start;
    uintptr_t b = (uintptr_t)((const arena_block_info_t *)y)->start;
    return a < b ? -1 : a > b;
}

/* Bytes the arena's own blocks and bookkeeping take from the backing: the
 * struct and first block in one request unless they live in a caller's
 * buffer or (a child) the parent's space, and every later block with its
 * header. */
static size_t backing_of(const marena_t *m, const snap_t *s)
{
    size_t n = 0;
    for (size_t i = 1; i < s->nb; i++)
        n += g_hdr + s->b[i].size;
    if (m->o.buffer == NULL && !m->in_parent)
        n += g_self + g_hdr + s->b[0].size;
    return n;
}

/* Everything the model knows, checked against the arena. */
static void check_arena(marena_t *m)
{
    if (m->a == NULL)
        return;
    const char *why = "";
    CHECKF(arena_check(m->a, &why) == 0, "arena_check: %s", why);

    snap_t s;
    snap_take(m, &s);
    CHECK(s.s.blocks == s.nb);
    size_t cap = 0, used = 0, ncur = 0;
    int seen_spare = 0;
    for (size_t i = 0; i < s.nb; i++) {
        const arena_block_info_t *b = &s.b[i];
        CHECK(((uintptr_t)b->start & (DEF_ALIGN - 1)) == 0);
        cap += b->size;
        CHECK(b->used <= b->size);
        if (b->state == ARENA_BLOCK_SPARE) {
            seen_spare = 1;
            CHECK(b->used == 0);
        } else {
            CHECK(!seen_spare);
            used += b->used;
            if (b->state == ARENA_BLOCK_CURRENT) {
                ncur++;
                CHECK(s.s.available == b->size - b->used);
            } else {
                CHECK(b->state == ARENA_BLOCK_FULL && ncur == 0);
            }
        }
    }
    CHECK(ncur == 1);
    CHECK(s.s.capacity == cap);
    CHECKF(s.s.used == used, "stats.used %zu != sum of block used %zu", s.s.used, used);
    CHECKF(s.s.used == m->used, "stats.used %zu, model %zu", s.s.used, m->used);
    if (m->used > m->peak)
        m->peak = m->used;
    CHECKF(s.s.peak == m->peak, "stats.peak %zu, model %zu", s.s.peak, m->peak);
    CHECK(s.s.max_size == m->o.max_size);
    CHECKF(s.s.backing == backing_of(m, &s), "stats.backing %zu, the blocks make %zu", s.s.backing,
           backing_of(m, &s));

    /* The first byte not handed out is not owned. */
    CHECK(arena_owns(m->a, (const void *)snap_pos(&s)) == 0);

    /* Live allocations: inside a block in use, owned, aligned, disjoint, stamped. */
    size_t nchain = 0;
    arena_block_info_t *chain = malloc((s.nb + 1) * sizeof *chain);
    CHECK(chain != NULL);
    for (size_t i = 0; i < s.nb; i++)
        if (s.b[i].state != ARENA_BLOCK_SPARE)
            chain[nchain++] = s.b[i];
    qsort(chain, nchain, sizeof *chain, cmp_block);
    live_t sorted[MAX_LIVE];
    memcpy(sorted, m->live, m->nlive * sizeof sorted[0]);
    qsort(sorted, m->nlive, sizeof sorted[0], cmp_live);
    uintptr_t max_end = 0;
    for (size_t i = 0; i < m->nlive; i++) {
        const live_t *l = &sorted[i];
        uintptr_t p = (uintptr_t)l->p;
        CHECKF(p % l->align == 0, "allocation %p not aligned to %zu", (void *)l->p, l->align);
        if (l->size == 0)
            continue;
        size_t lo = 0, hi = nchain;
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if ((uintptr_t)chain[mid].start <= p)
                lo = mid;
            else
                hi = mid;
        }
        CHECKF(nchain > 0 && (uintptr_t)chain[lo].start <= p
                   && p + l->size <= (uintptr_t)chain[lo].start + chain[lo].used,
               "allocation %p+%zu not inside a block in use", (void *)l->p, l->size);
        CHECK(arena_owns(m->a, l->p) == 1);
        CHECK(arena_owns(m->a, l->p + l->size - 1) == 1);
        CHECKF(stamp_ok(l), "allocation %p+%zu lost its stamp", (void *)l->p, l->size);
        CHECKF(p >= max_end, "allocation %p+%zu overlaps an earlier one", (void *)l->p, l->size);
        max_end = p + l->size;
    }
    /* Zero-size ones may sit anywhere (they are never dereferenced). */
    free(chain);
    snap_free(&s);
}

static void live_add_kind(marena_t *m, void *p, size_t size, size_t align, uint8_t kind)
{
    if (m->nlive == MAX_LIVE) { /* forget the oldest: its memory just stays used */
        memmove(m->live, m->live + 1, (MAX_LIVE - 1) * sizeof m->live[0]);
        m->nlive--;
    }
    live_t *l = &m->live[m->nlive++];
    l->p = (unsigned char *)p;
    l->size = size;
    l->align = align;
    l->seq = ++g_seq;
    l->seed = ++g_seed;
    l->kind = kind;
    if (kind == K_USER)
        stamp(l->p, size, l->seed);
    else if (kind == K_ARG)
        arg_stamp(l->p, size, l->seed);
}

static void live_add(marena_t *m, void *p, size_t size, size_t align)
{
    live_add_kind(m, p, size, align, K_USER);
}

/* Forgets the live allocation at p of the given kind, if the model has it. */
static void live_forget(marena_t *m, const void *p, uint8_t kind)
{
    for (size_t i = m->nlive; i-- > 0;)
        if (m->live[i].p == p && m->live[i].kind == kind) {
            memmove(&m->live[i], &m->live[i + 1], (m->nlive - i - 1) * sizeof m->live[0]);
            m->nlive--;
            return;
        }
}

static void live_del(marena_t *m, size_t i)
{
    m->live[i] = m->live[--m->nlive];
}

/* ---- prediction ------------------------------------------------------------- */

enum { P_FIT, P_SPARE, P_NEW, P_EINVAL, P_ENOMEM };

typedef struct {
    int kind;
    uintptr_t addr;    /* P_FIT, P_SPARE */
    size_t used_after; /* P_FIT, P_SPARE; P_NEW: minus the new block's padding */
    int must_succeed;  /* P_NEW: no reason the backing could refuse */
    size_t block_size; /* P_NEW: expected data bytes of the new block (uncapped) */
    int regular;       /* P_NEW: a regular (doubling) block */
    size_t need;       /* P_NEW: least data bytes the new block must have */
    const void *spare; /* P_SPARE */
} pred_t;

static int pow2(size_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

static size_t round_up(size_t n)
{
    return (n + DEF_ALIGN - 1) & ~(DEF_ALIGN - 1);
}

static int fault_armed(const marena_t *m)
{
    const arena_testing_backing_t *h = hb_of(m);
    return h->fail_at != 0 && (h->fail_persist || h->requests < h->fail_at);
}

/* Bytes the backing holds for m and all its descendants: what m's
 * max_size caps. */
static size_t subtree_bytes(const marena_t *m)
{
    size_t n = arena_stats(m->a).backing;
    for (size_t i = 0; i < m->nlife; i++)
        if (m->life[i].kind == L_CHILD && m->life[i].child >= 0)
            n += subtree_bytes(&g_ar[m->life[i].child]);
    return n;
}

static int capped_chain(const marena_t *m)
{
    for (const marena_t *x = m; x != NULL; x = parent_of(x))
        if (x->o.max_size != 0)
            return 1;
    return 0;
}

/* Bytes the caps of m and its ancestors still allow one backing request,
 * with `extra` bytes charged to each of them first (within PTRDIFF_MAX). */
static size_t cap_room(const marena_t *m, size_t extra)
{
    size_t room = (size_t)PTRDIFF_MAX;
    for (const marena_t *x = m; x != NULL; x = parent_of(x)) {
        if (x->o.max_size == 0)
            continue;
        size_t taken = subtree_bytes(x) + extra;
        size_t left = taken > x->o.max_size ? 0 : x->o.max_size - taken;
        room = left < room ? left : room;
    }
    return room;
}

/* Where a request of `size` at `align` lands, with `extra` bytes charged
 * to m's caps beforehand (a child being created). */
static pred_t predict_x(marena_t *m, const snap_t *s, size_t size, size_t align, size_t extra)
{
    pred_t r;
    memset(&r, 0, sizeof r);
    if (!pow2(align)) {
        r.kind = P_EINVAL;
        return r;
    }
    if (size > (size_t)PTRDIFF_MAX) {
        r.kind = P_ENOMEM;
        return r;
    }
    const arena_block_info_t *c = snap_cur(s);
    uintptr_t pos = (uintptr_t)c->start + c->used;
    size_t avail = c->size - c->used;
    size_t pad = (size_t)(-pos & (uintptr_t)(align - 1));
    if (pad <= avail && size <= avail - pad) {
        r.kind = P_FIT;
        r.addr = pos + pad;
        r.used_after = s->s.used + pad + size;
        return r;
    }
    /* The head of the spare list (the first spare arena_blocks lists) if it
     * fits, else the smallest spare that fits, the earliest listed on a tie. */
    const arena_block_info_t *pick = NULL;
    int head = 1;
    for (size_t i = 0; i < s->nb; i++) {
        const arena_block_info_t *b = &s->b[i];
        if (b->state != ARENA_BLOCK_SPARE)
            continue;
        uintptr_t d = (uintptr_t)b->start;
        size_t p2 = (size_t)(-d & (uintptr_t)(align - 1));
        int fits = p2 <= b->size && size <= b->size - p2;
        if (fits && head) {
            pick = b;
            break;
        }
        head = 0;
        if (fits && (pick == NULL || b->size < pick->size))
            pick = b;
    }
    if (pick != NULL) {
        uintptr_t d = (uintptr_t)pick->start;
        size_t p2 = (size_t)(-d & (uintptr_t)(align - 1));
        r.kind = P_SPARE;
        r.addr = d + p2;
        r.used_after = s->s.used + p2 + size;
        r.spare = pick->start;
        return r;
    }
    /* A fixed child that has no block yet takes its one block. */
    if (m->fixed && (s->s.capacity != 0 || m->heap_free)) {
        r.kind = P_ENOMEM;
        return r;
    }
    size_t slack = align > DEF_ALIGN ? align - DEF_ALIGN : 0;
    if (size > (size_t)PTRDIFF_MAX - slack || size + slack > SIZE_MAX - (DEF_ALIGN - 1)) {
        r.kind = P_ENOMEM;
        return r;
    }
    r.kind = P_NEW;
    r.need = round_up(size + slack);
    r.regular = r.need <= m->next_size;
    r.block_size = r.regular ? m->next_size : r.need;
    r.used_after = s->s.used + size;
    /* The caps of the arena and every ancestor: a block that does not fit
     * with its header is refused without asking the backing; the last
     * block under a cap is cut down to what the cap still allows. */
    size_t room = cap_room(m, extra);
    if (r.need > room || room - r.need < g_hdr) {
        r.kind = P_ENOMEM;
        return r;
    }
    if (r.block_size > room - g_hdr)
        r.block_size = (room - g_hdr) & ~(DEF_ALIGN - 1);
    r.must_succeed = hooks_of(m) && !fault_armed(m) && !m->size_unknown
                     && r.block_size <= HOOK_LIMIT / 2
                     && hb_of(m)->outstanding + extra + r.block_size + 4096 <= HOOK_LIMIT;
    return r;
}

static pred_t predict(marena_t *m, const snap_t *s, size_t size, size_t align)
{
    return predict_x(m, s, size, align, 0);
}

static void note_new_block(marena_t *m, const pred_t *pr)
{
    if (pr->regular) {
        /* first block's size, from the model's view: the block list's oldest */
        size_t nb = arena_blocks(m->a, NULL, 0);
        arena_block_info_t *b = malloc(nb * sizeof *b);
        CHECK(b != NULL);
        arena_blocks(m->a, b, nb);
        size_t first = b[0].size;
        free(b);
        size_t cap = first > ARENA_MAX_GROWTH_BLOCK ? first : ARENA_MAX_GROWTH_BLOCK;
        m->next_size = m->next_size > cap / 2 ? cap : m->next_size * 2;
    }
}

/* Checks the outcome of an allocation against the prediction.  `p` is the
 * result, `err` errno after the call, `before` the snapshot before it.
 * Updates m->used.  Returns 1 when p is a new allocation. */
static int judge(marena_t *m, const snap_t *before, const pred_t *pr, void *p, int err, size_t size,
                 size_t align, const char *what)
{
    if (p == NULL) {
        int want = pr->kind == P_EINVAL ? EINVAL : ENOMEM;
        CHECKF(pr->kind != P_FIT && pr->kind != P_SPARE, "%s(%zu, %zu) failed but fits (errno %d)",
               what, size, align, err);
        CHECKF(!(pr->kind == P_NEW && pr->must_succeed), "%s(%zu, %zu) failed, errno %d", what,
               size, align, err);
        CHECKF(err == want, "%s(%zu, %zu): errno %d, want %d", what, size, align, err, want);
        snap_same(m, before, what);
        /* A refusal the model predicts (bad alignment, too big, a fixed
         * arena, a cap) never reaches the backing. */
        if (pr->kind != P_NEW)
            CHECKF(hb_of(m)->requests == before->hook_req,
                   "%s(%zu, %zu): refused, but asked the backing", what, size, align);
        return 0;
    }
    CHECKF(pr->kind != P_EINVAL && pr->kind != P_ENOMEM, "%s(%zu, %zu) succeeded, want failure",
           what, size, align);
    CHECKF(err == 12345, "%s changed errno on success", what);
    uintptr_t a = (uintptr_t)p;
    CHECKF(a % align == 0, "%s: %p not aligned to %zu", what, p, align);
    snap_t now;
    snap_take(m, &now);
    const arena_block_info_t *c = snap_cur(&now);
    if (pr->kind == P_FIT || pr->kind == P_SPARE) {
        CHECKF(a == pr->addr, "%s(%zu, %zu): got %p, model says %p", what, size, align, p,
               (void *)pr->addr);
        CHECK(now.nb == before->nb);
        CHECK(now.hook_req == before->hook_req);
        if (pr->kind == P_SPARE)
            CHECK(c->start == pr->spare);
        m->used = pr->used_after;
    } else {
        CHECK(now.nb == before->nb + 1);
        CHECK(now.hook_req >= before->hook_req + 1 || !hooks_of(m));
        uintptr_t d = (uintptr_t)c->start;
        CHECKF(a == d + ((size_t)(-d & (uintptr_t)(align - 1))),
               "%s: new block allocation not at the block's first aligned byte", what);
        CHECK(c->size >= pr->need);
        if (!m->size_unknown)
            CHECKF(c->size == pr->block_size,
                   "%s(%zu, %zu): new block of %zu bytes, model says %zu (need %zu, regular %d)",
                   what, size, align, c->size, pr->block_size, pr->need, pr->regular);
        m->used = pr->used_after + (size_t)(a - d);
        if (!m->size_unknown)
            note_new_block(m, pr);
    }
    CHECK(now.s.used == m->used);
    snap_free(&now);
    return 1;
}

/* ---- lifetimes: the cleanup log and what the model says ends ---------------- */

typedef struct {
    int fn;
    const void *arg;
} logent_t;

static logent_t g_log[MAX_LOG];  /* cleanups as they ran */
static logent_t g_want[MAX_LOG]; /* cleanups as the model says they run */
static size_t g_nlog, g_nwant;
/* What the run exercised, for the replay's summary. */
static size_t g_ran, g_children, g_kills, g_popped;
/* Arguments outside every arena, stamped like the ones inside. */
static _Alignas(16) unsigned char g_static_args[4][16];

static void cleanup_ran(int fn, void *arg)
{
    /* An argument in the arena being released must still hold its stamp:
     * the cleanup runs before any of it is filled, poisoned or reused. */
    if (arg != NULL)
        CHECKF(arg_ok(arg), "cleanup %d: its argument %p lost its stamp", fn, arg);
    CHECK(g_nlog < MAX_LOG);
    g_log[g_nlog].fn = fn;
    g_log[g_nlog].arg = arg;
    g_nlog++;
}

static void cleanup_a(void *arg)
{
    cleanup_ran(0, arg);
}

static void cleanup_b(void *arg)
{
    cleanup_ran(1, arg);
}

/* Never registered: undefer finds nothing of it. */
static void cleanup_never(void *arg)
{
    (void)arg;
    die(__LINE__, "a cleanup that was never registered ran");
}

static void (*const k_cleanups[3])(void *) = {cleanup_a, cleanup_b, cleanup_never};

static void expect_cleanup(int fn, const void *arg)
{
    CHECK(g_nwant < MAX_LOG);
    g_want[g_nwant].fn = fn;
    g_want[g_nwant].arg = arg;
    g_nwant++;
}

/* The cleanups that ran since the last call are exactly the predicted
 * ones, in the predicted order. */
static void log_same(const char *what)
{
    size_t n = g_nlog < g_nwant ? g_nlog : g_nwant;
    for (size_t i = 0; i < n; i++)
        CHECKF(g_log[i].fn == g_want[i].fn && g_log[i].arg == g_want[i].arg,
               "%s: cleanup #%zu of %zu was fn %d (arg %p), the model says fn %d (arg %p)", what, i,
               g_nlog, g_log[i].fn, g_log[i].arg, g_want[i].fn, g_want[i].arg);
    CHECKF(g_nlog == g_nwant, "%s: %zu cleanups ran, the model says %zu", what, g_nlog, g_nwant);
    g_ran += g_nlog;
    g_nlog = g_nwant = 0;
}

static void model_forget(marena_t *k);

/* What the library's release does to m's list: the records with a ticket
 * above `cut` end, newest first; a cleanup runs, a live child ends (its
 * own list first), a child that ended early leaves nothing to do. */
static void model_end(marena_t *m, uint64_t cut)
{
    while (m->nlife > 0 && m->life[m->nlife - 1].ticket > cut) {
        life_t e = m->life[--m->nlife];
        if (e.kind == L_CLEANUP)
            expect_cleanup(e.fn, e.arg);
        else if (e.child >= 0)
            model_forget(&g_ar[e.child]);
    }
}

/* A child ends: everything on its list, then its slot is free. */
static void model_forget(marena_t *k)
{
    model_end(k, 0);
    k->a = NULL;
    k->nlive = k->nmarks = 0;
}

static void probe_cleanup(void *arg)
{
    (void)arg;
}

/* ---- arenas ------------------------------------------------------------------ */

static const size_t k_block_sizes[8] = {0, 1, 64, 100, 256, 1000, 4096, 65536};
/* Bytes of bookkeeping in front of a caller buffer's first block (learned). */
static size_t g_book;

/* The sizes the model needs and the library does not publish, from probe
 * arenas: a block's header (what a new block asks beyond its data), the
 * struct (what the first request asks beyond its block), and a lifetimes
 * record's size (what a registration at an aligned position uses) and
 * alignment (the padding it takes one byte past an aligned position). */
static void learn_layout(void)
{
    if (g_hdr != 0)
        return;
    arena_testing_backing_t t = {0};
    arena_options_t o = {.block_size = 1024, .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    CHECK(a != NULL);
    size_t first = t.outstanding;
    CHECK(arena_extend(a, 1024) == 0);
    g_hdr = t.outstanding - first - 1024;
    g_self = first - g_hdr - 1024;
    CHECK(g_hdr % DEF_ALIGN == 0 && g_self % DEF_ALIGN == 0 && g_hdr != 0);
    CHECK(arena_stats(a).used == 0);
    CHECK(arena_defer(a, probe_cleanup, NULL) == 0);
    g_rec = arena_stats(a).used;
    CHECK(arena_alloc_aligned(a, 1, 1) != NULL);
    size_t u1 = arena_stats(a).used;
    CHECK(arena_defer(a, probe_cleanup, &t) == 0);
    g_rec_align = arena_stats(a).used - u1 - g_rec + 1;
    CHECKF(pow2(g_rec_align) && g_rec_align <= DEF_ALIGN && g_rec % g_rec_align == 0,
           "record: %zu bytes, alignment %zu?", g_rec, g_rec_align);
    CHECK(arena_undefer(a, probe_cleanup, &t) == 0 && arena_undefer(a, probe_cleanup, NULL) == 0);
    arena_destroy(a);
    CHECK(t.outstanding == 0 && !t.bad_release);
    arena_testing_backing_fini(&t);

    static _Alignas(64) unsigned char buf[2048];
    arena_options_t bo = {.buffer = buf, .buffer_size = sizeof buf};
    arena_t *b = arena_create_with(&bo);
    arena_block_info_t bi;
    CHECK(b != NULL && arena_blocks(b, &bi, 1) == 1);
    CHECK((size_t)((const unsigned char *)bi.start - buf) == g_self + g_hdr);
    arena_destroy(b);
    g_book = g_self + g_hdr;
    for (size_t i = 0; i < 4; i++)
        arg_stamp(g_static_args[i], sizeof g_static_args[i], (uint8_t)(0x40 + i));
}

static void arena_open(marena_t *m)
{
    errno = 12345;
    m->a = arena_create_with(&m->o);
    int err = errno;
    m->nlive = m->nmarks = m->nlife = 0;
    m->have_stale = 0;
    m->size_unknown = 0;
    m->used = m->peak = 0;
    if (m->a == NULL) {
        CHECK(err == EINVAL || err == ENOMEM);
        CHECK(m->hb.outstanding == 0);
        if (m->o.buffer != NULL) {
            size_t skip = (size_t)(-(uintptr_t)m->o.buffer & (DEF_ALIGN - 1));
            CHECK(err == EINVAL && m->o.buffer_size < ARENA_BUFFER_OVERHEAD);
            CHECK(g_book == 0 || m->o.buffer_size < skip + g_book);
        }
        return;
    }
    CHECK(err == 12345);
    snap_t s;
    snap_take(m, &s);
    CHECK(s.nb == 1 && s.s.used == 0 && s.s.blocks == 1);
    if (m->o.buffer != NULL) {
        /* The bookkeeping (struct and block header) is the same for every
         * arena of a build: learn it from the first, then hold every later
         * one to it.  The first block starts aligned after it and runs to
         * the end of the buffer, and the overhead constant covers it. */
        uintptr_t base = (uintptr_t)m->o.buffer;
        size_t skip = (size_t)(-base & (DEF_ALIGN - 1));
        size_t book = (size_t)((uintptr_t)s.b[0].start - base) - skip;
        CHECK(((uintptr_t)s.b[0].start & (DEF_ALIGN - 1)) == 0);
        CHECK(g_book == 0 || book == g_book);
        g_book = book;
        CHECK(skip + book <= ARENA_BUFFER_OVERHEAD);
        size_t data = m->o.buffer_size - skip - book;
        CHECK(s.b[0].size == data);
        CHECK(m->o.buffer_size < ARENA_BUFFER_OVERHEAD
              || data >= m->o.buffer_size - ARENA_BUFFER_OVERHEAD);
        CHECK(s.s.backing == 0);
        size_t later = m->o.block_size ? m->o.block_size : (data ? data : ARENA_DEFAULT_BLOCK_SIZE);
        size_t max_block = ((size_t)PTRDIFF_MAX - book) & ~(DEF_ALIGN - 1);
        m->next_size = later < 64          ? 64
                       : later > max_block ? ARENA_MAX_GROWTH_BLOCK
                                           : round_up(later);
    } else {
        size_t data = round_up(m->o.block_size ? m->o.block_size : ARENA_DEFAULT_BLOCK_SIZE);
        CHECK(s.b[0].size == data);
        m->next_size = data < 64 ? 64 : data;
    }
    snap_free(&s);
}

/* Destroys a top-level arena and, with it, its tree. */
static void arena_close(marena_t *m)
{
    if (m->a != NULL) {
        model_end(m, 0);
        arena_destroy(m->a);
        log_same("arena_destroy");
    }
    m->a = NULL;
    CHECKF(m->hb.outstanding == 0, "destroy left %zu backing bytes", m->hb.outstanding);
    CHECK(m->hb.blocks == 0 && !m->hb.bad_release);
    m->nlive = m->nmarks = m->nlife = 0;
}

static void arena_setup(marena_t *m, rd_t *r, size_t idx)
{
    memset(m, 0, sizeof *m);
    m->slot = (int)idx;
    m->parent = -1;
    m->root = (int)idx;
    m->type = u8(r) % T_NTYPES;
    uint8_t bs = u8(r), capb = u8(r), bufb = u8(r);
    memset(&m->o, 0, sizeof m->o);
    m->o.block_size = k_block_sizes[bs & 7];
    if (bs & 0x80)
        m->o.block_size += bs >> 3;
    m->hb.limit = HOOK_LIMIT;
    m->hooks = m->type != T_DEFAULT;
    if (m->hooks)
        m->o.backing = arena_testing_backing(&m->hb);
    size_t bufsize = (size_t)bufb * 32;
    unsigned char *buf = g_bufs[idx] + (capb & 15);
    switch (m->type) {
    case T_GROW:
        break;
    case T_FIXED:
        m->o.flags = ARENA_FIXED;
        break;
    case T_CAPPED:
        m->o.max_size = 512 + (size_t)capb * 1024;
        break;
    case T_BUF_GROW:
    case T_BUF_FIXED:
    case T_BUF_CAPPED:
        m->o.buffer = buf;
        m->o.buffer_size = bufsize;
        if (m->type == T_BUF_FIXED)
            m->o.flags = ARENA_FIXED;
        if (m->type == T_BUF_CAPPED)
            m->o.max_size = 256 + (size_t)capb * 512;
        m->heap_free = m->type == T_BUF_FIXED;
        break;
    case T_DEFAULT:
        m->o.max_size = 4096 + (size_t)capb * 2048; /* bounds what malloc is asked for */
        if (m->o.block_size == 0)
            m->o.block_size = 512;
        break;
    }
    m->buf = buf;
    m->fixed = (m->o.flags & ARENA_FIXED) != 0;
}

/* ---- operands ------------------------------------------------------------------ */

static size_t gen_size(rd_t *r, const marena_t *m)
{
    uint8_t c = u8(r);
    switch (c >> 5) {
    case 0:
        return c & 31;
    case 1:
        return u8(r);
    case 2:
        return u16(r) & 4095;
    case 3:
        return u16(r);
    case 4: {
        uint8_t k = u8(r);
        switch (k & 3) {
        case 0:
            return SIZE_MAX - (k >> 2);
        case 1:
            return (size_t)PTRDIFF_MAX + (k >> 2);
        case 2:
            return (size_t)PTRDIFF_MAX - (k >> 2);
        default:
            return ((size_t)1 << (20 + (k >> 2) % 44)) + (k & 0x40 ? 1 : 0);
        }
    }
    case 5: {
        arena_stats_t s = arena_stats(m->a);
        int d = (int)(u8(r) % 33) - 16;
        if (d < 0 && (size_t)-d > s.available)
            return 0;
        return s.available + (size_t)(ptrdiff_t)d;
    }
    case 6:
        return 0;
    default:
        return (size_t)u32(r) & ((1u << 18) - 1);
    }
}

static size_t gen_align(rd_t *r)
{
    uint8_t c = u8(r);
    if (c < 160)
        return (size_t)1 << (c % 9); /* 1..256 */
    if (c < 224)
        return (size_t)1 << (c % 64);
    switch (c & 7) {
    case 0:
        return 0;
    case 1:
        return 3;
    case 2:
        return SIZE_MAX;
    case 3:
        return 24;
    default:
        return DEF_ALIGN;
    }
}

/* ---- operations ---------------------------------------------------------------- */

typedef enum { A_ALIGNED, A_PLAIN, A_CALLOC, A_ARRAY, A_STRDUP, A_STRNDUP, A_SPRINTF } akind_t;

static char g_text[64];

static void op_alloc(marena_t *m, rd_t *r, akind_t kind)
{
    size_t size = 0, align = 1, count = 1, esize = 1;
    size_t slen = 0;
    int width = 0;
    unsigned val = 0;
    char *want = NULL;
    switch (kind) {
    case A_ALIGNED:
        size = gen_size(r, m);
        align = gen_align(r);
        break;
    case A_PLAIN:
        size = gen_size(r, m);
        align = DEF_ALIGN;
        break;
    case A_CALLOC:
    case A_ARRAY:
        count = gen_size(r, m);
        esize = kind == A_ARRAY ? sizeof(double) : (size_t)(u8(r) % 64);
        if (kind == A_CALLOC && (u8(r) & 1)) {
            size_t t = count;
            count = esize;
            esize = t;
        }
        align = kind == A_ARRAY ? _Alignof(double) : DEF_ALIGN;
        size = (esize != 0 && count > SIZE_MAX / esize) ? SIZE_MAX : count * esize;
        break;
    case A_STRDUP:
    case A_STRNDUP:
    case A_SPRINTF: {
        slen = u8(r) % sizeof g_text;
        for (size_t i = 0; i < slen; i++)
            g_text[i] = (char)('a' + u8(r) % 26);
        g_text[slen] = '\0';
        if (kind == A_STRNDUP) {
            size_t n = u8(r) % 80;
            if (n < slen)
                slen = n;
        }
        if (kind == A_SPRINTF) {
            width = (int)(u16(r) % 3) == 0 ? (int)(u32(r) % 70000) : (int)(u8(r) % 40);
            val = u8(r);
            int n = snprintf(NULL, 0, "%s:%*u", g_text, width, val);
            CHECK(n >= 0);
            want = malloc((size_t)n + 1);
            CHECK(want != NULL);
            snprintf(want, (size_t)n + 1, "%s:%*u", g_text, width, val);
            slen = (size_t)n;
        }
        size = slen + 1;
        align = 1;
        break;
    }
    }
    snap_t before;
    snap_take(m, &before);
    pred_t pr;
    int overflow = (kind == A_CALLOC || kind == A_ARRAY) && esize != 0 && count > SIZE_MAX / esize;
    if (overflow) {
        memset(&pr, 0, sizeof pr);
        pr.kind = P_ENOMEM;
    } else {
        pr = predict(m, &before, size, align);
    }
    errno = 12345;
    void *p = NULL;
    switch (kind) {
    case A_ALIGNED:
        p = arena_alloc_aligned(m->a, size, align);
        break;
    case A_PLAIN:
        p = arena_alloc(m->a, size);
        break;
    case A_CALLOC:
        p = arena_calloc(m->a, count, esize);
        break;
    case A_ARRAY:
        p = ARENA_NEW_ARRAY(m->a, double, count);
        break;
    case A_STRDUP:
        p = arena_strdup(m->a, g_text);
        break;
    case A_STRNDUP:
        p = arena_strndup(m->a, g_text, slen);
        break;
    case A_SPRINTF:
        p = arena_sprintf(m->a, "%s:%*u", g_text, width, val);
        break;
    }
    int err = errno;
    static const char *names[] = {"alloc_aligned", "alloc",   "calloc", "NEW_ARRAY",
                                  "strdup",        "strndup", "sprintf"};
    if (judge(m, &before, &pr, p, err, size, align, names[kind])) {
        unsigned char *q = p;
        if (kind == A_CALLOC)
            for (size_t i = 0; i<size; i += size> 4096 ? 61 : 1)
                CHECKF(q[i] == 0, "calloc memory not zero at %zu", i);
        if (kind == A_STRDUP || kind == A_STRNDUP)
            CHECK(memcmp(q, g_text, slen) == 0 && q[slen] == '\0');
        if (kind == A_SPRINTF)
            CHECK(strcmp((char *)q, want) == 0);
        live_add(m, p, size, align);
    }
    free(want);
    snap_free(&before);
}

static void op_thread_safe(marena_t *m, rd_t *r)
{
    size_t size = gen_size(r, m), align = gen_align(r);
    snap_t before;
    snap_take(m, &before);
    int armed = fault_armed(m);
    errno = 12345;
    void *p = arena_alloc_thread_safe(m->a, size, align);
    int err = errno;
    if (p == NULL) {
        int want = !pow2(align) ? EINVAL : ENOMEM;
        CHECKF(err == want, "thread_safe(%zu, %zu): errno %d", size, align, err);
        /* Whatever arena_alloc_aligned would serve at rest, this serves:
         * the current block, a spare, an extended block, the cap's last room. */
        pred_t pr = predict(m, &before, size, align);
        CHECKF(pr.kind != P_FIT && pr.kind != P_SPARE,
               "thread_safe(%zu, %zu) failed where arena_alloc_aligned fits (kind %d)", size, align,
               pr.kind);
        if (pow2(align) && size <= 4096 && align <= 4096 && !m->fixed && hooks_of(m)
            && !capped_chain(m) && !armed && !m->size_unknown && m->next_size <= HOOK_LIMIT / 4
            && hb_of(m)->outstanding + m->next_size + 2 * 65536 < HOOK_LIMIT)
            die(__LINE__, "thread_safe(%zu, %zu) failed: refused %zu, outstanding %zu, blocks %zu",
                size, align, hb_of(m)->refused, hb_of(m)->outstanding, before.nb);
        snap_same(m, &before, "alloc_thread_safe");
    } else {
        CHECK(pow2(align) && size <= (size_t)PTRDIFF_MAX && err == 12345);
        CHECK((uintptr_t)p % align == 0);
        arena_stats_t s = arena_stats(m->a);
        CHECK(s.used >= before.s.used);
        CHECK(s.blocks >= before.s.blocks);
        if (s.blocks > before.nb && !m->fixed) {
            /* Whether it took a spare or a new block of what size depends on
             * the per-thread chunk size (internal): stop modelling block sizes. */
            m->size_unknown = 1;
        }
        m->used = s.used; /* a reserved chunk counts as used */
        live_add(m, p, size, align);
    }
    snap_free(&before);
}

static void op_realloc(marena_t *m, rd_t *r)
{
    uint8_t k = u8(r);
    size_t new_size = gen_size(r, m);
    live_t *l = NULL;
    size_t li = 0;
    if (m->nlive != 0 && k % 8 != 0) {
        /* Records, a child's space and cleanup arguments are not the
         * fuzzer's to resize: the next allocation of its own instead. */
        li = (size_t)k % m->nlive;
        for (size_t n = 0; n < m->nlive && m->live[li].kind != K_USER; n++)
            li = (li + 1) % m->nlive;
        if (m->live[li].kind == K_USER)
            l = &m->live[li];
    }
    snap_t before;
    snap_take(m, &before);
    uintptr_t pos = snap_pos(&before);
    const arena_block_info_t *c = snap_cur(&before);
    int in_place = 0;
    pred_t pr;
    memset(&pr, 0, sizeof pr);
    if (l != NULL && new_size <= (size_t)PTRDIFF_MAX) {
        uintptr_t p = (uintptr_t)l->p;
        if (p >= (uintptr_t)c->start && p <= pos && pos - p == l->size) {
            /* A mark saved after the allocation (the newest lies at or above
             * p + size) forbids resizing in place: a shrink returns ptr as it
             * is, a grow copies. */
            int marked = 0;
            if (m->nmarks > 0) {
                const mmark_t *mk = &m->marks[m->nmarks - 1];
                marked = mk->block == c->start && mk->pos > p;
            }
            if (new_size <= l->size)
                in_place = marked ? 2 : 1;
            else if (!marked && new_size - l->size <= c->size - c->used)
                in_place = 1;
        }
        /* A shrink never moves: an older allocation keeps its place too. */
        if (!in_place && new_size <= l->size)
            in_place = 2;
    }
    if (!in_place) {
        if (new_size > (size_t)PTRDIFF_MAX) {
            pr.kind = P_ENOMEM;
        } else {
            pr = predict(m, &before, new_size, DEF_ALIGN);
        }
    }
    errno = 12345;
    void *q = arena_realloc(m->a, l ? l->p : NULL, l ? l->size : 0, new_size);
    int err = errno;
    if (in_place) {
        CHECKF(q == l->p, "realloc of the last allocation moved it");
        CHECK(err == 12345);
        if (in_place == 1)
            m->used = before.s.used - l->size + new_size;
        size_t keep = l->size < new_size ? l->size : new_size;
        CHECK(stamp_ok_n(l->p, l->size, l->seed, keep));
        live_t old = *l;
        live_del(m, li);
        live_add(m, q, new_size, old.align);
        snap_free(&before);
        return;
    }
    if (judge(m, &before, &pr, q, err, new_size, DEF_ALIGN, "realloc")) {
        if (l != NULL) {
            size_t keep = l->size < new_size ? l->size : new_size;
            CHECKF(stamp_ok_n(q, l->size, l->seed, keep), "realloc did not copy the contents");
            live_del(m, li);
        }
        live_add(m, q, new_size, DEF_ALIGN);
    }
    snap_free(&before);
}

static void op_extend(marena_t *m, rd_t *r)
{
    uint8_t k = u8(r);
    size_t extra = (k & 0x80) ? gen_size(r, m) : (size_t)u16(r);
    snap_t before;
    snap_take(m, &before);
    /* A block of `extra` rounded up, refused without a backing request
     * when it is too big or a cap up the tree has no room for it. */
    size_t room = cap_room(m, 0);
    int refused =
        extra > (size_t)PTRDIFF_MAX || round_up(extra) > room || room - round_up(extra) < g_hdr;
    errno = 12345;
    int armed = fault_armed(m);
    int rc = arena_extend(m->a, extra);
    int err = errno;
    if (rc != 0) {
        CHECK(rc == -1);
        int want = extra == 0 ? EINVAL : ENOMEM;
        CHECKF(err == want, "extend(%zu): errno %d", extra, err);
        if (extra != 0 && extra <= 65536 && hooks_of(m) && !refused && !armed
            && hb_of(m)->outstanding + 2 * 65536 < HOOK_LIMIT)
            die(__LINE__, "extend(%zu) failed: errno %d, hook refused %zu, outstanding %zu", extra,
                err, hb_of(m)->refused, hb_of(m)->outstanding);
        if (extra == 0 || refused)
            CHECKF(hb_of(m)->requests == before.hook_req, "extend(%zu): refused after asking",
                   extra);
        snap_same(m, &before, "extend");
        snap_free(&before);
        return;
    }
    CHECKF(!refused, "extend(%zu) succeeded past a cap (room %zu)", extra, room);
    CHECK(extra != 0 && err == 12345);
    snap_t now;
    snap_take(m, &now);
    CHECK(now.nb == before.nb + 1);
    CHECK(now.s.capacity == before.s.capacity + round_up(extra));
    CHECK(now.s.used == before.s.used);
    /* The new block is the next to use: first on the spare list. */
    size_t first_spare = 0;
    while (first_spare < now.nb && now.b[first_spare].state != ARENA_BLOCK_SPARE)
        first_spare++;
    CHECK(first_spare < now.nb && now.b[first_spare].size == round_up(extra));
    snap_free(&now);
    if (k & 1) {
        /* The promise: `extra` bytes at the default alignment, no backing request. */
        size_t req = hb_of(m)->requests;
        snap_t s2;
        snap_take(m, &s2);
        pred_t pr = predict(m, &s2, extra, DEF_ALIGN);
        CHECK(pr.kind == P_FIT || pr.kind == P_SPARE);
        errno = 12345;
        void *p = arena_alloc(m->a, extra);
        CHECK(p != NULL);
        CHECK(hb_of(m)->requests == req);
        judge(m, &s2, &pr, p, errno, extra, DEF_ALIGN, "alloc after extend");
        live_add(m, p, extra, DEF_ALIGN);
        snap_free(&s2);
    }
    snap_free(&before);
}

static void op_save(marena_t *m)
{
    if (m->nmarks == MAX_MARKS) {
        memmove(m->marks, m->marks + 1, (MAX_MARKS - 1) * sizeof m->marks[0]);
        m->nmarks--;
    }
    snap_t s;
    snap_take(m, &s);
    mmark_t *k = &m->marks[m->nmarks++];
    k->m = arena_save(m->a);
    k->seq = g_seq;
    k->ticket = ++g_ticket;
    if (m->nlife > 0)
        m->life[m->nlife - 1].sealed = 1;
    k->used = s.s.used;
    k->pos = snap_pos(&s);
    k->block = snap_cur(&s)->start;
    snap_same(m, &s, "save");
    snap_free(&s);
}

static void op_restore(marena_t *m, rd_t *r)
{
    uint8_t k = u8(r);
    if (m->nmarks == 0)
        return;
    size_t i = (k & 0x80) ? m->nmarks - 1 : (size_t)k % m->nmarks;
    mmark_t mk = m->marks[i];
    snap_t before;
    snap_take(m, &before);
    model_end(m, mk.ticket);
    arena_restore(m->a, mk.m);
    log_same("arena_restore");
    snap_t now;
    snap_take(m, &now);
    CHECKF(now.s.used == mk.used, "restore: used %zu, at the mark %zu", now.s.used, mk.used);
    CHECKF(snap_pos(&now) == mk.pos, "restore: position is not the mark's");
    CHECK(snap_cur(&now)->start == mk.block);
    CHECK(now.nb == before.nb && now.s.capacity == before.s.capacity
          && now.s.backing == before.s.backing);
    CHECK(now.s.peak == before.s.peak);
    snap_free(&now);
    snap_free(&before);
    for (size_t j = m->nlive; j-- > 0;)
        if (m->live[j].seq > mk.seq)
            live_del(m, j);
    m->nmarks = i + 1;
    m->used = mk.used;
}

static void op_reset(marena_t *m)
{
    snap_t before;
    snap_take(m, &before);
    if (m->nmarks > 0) {
        m->stale = m->marks[m->nmarks - 1].m;
        m->have_stale = 1;
    }
    model_end(m, 0);
    arena_reset(m->a);
    log_same("arena_reset");
    snap_t now;
    snap_take(m, &now);
    CHECK(now.s.used == 0 && now.nb == before.nb && now.s.capacity == before.s.capacity);
    CHECK(now.b[0].state == ARENA_BLOCK_CURRENT && now.b[0].used == 0);
    CHECK(now.s.backing == before.s.backing);
    snap_free(&now);
    snap_free(&before);
    m->nlive = m->nmarks = 0;
    m->used = 0;
    arena_testing_no_faults(hb_of(m));
}

static void op_trim(marena_t *m)
{
    snap_t before;
    snap_take(m, &before);
    size_t spare = 0, spare_bytes = 0;
    for (size_t i = 0; i < before.nb; i++)
        if (before.b[i].state == ARENA_BLOCK_SPARE) {
            spare++;
            spare_bytes += before.b[i].size;
        }
    arena_trim(m->a);
    arena_stats_t s = arena_stats(m->a);
    CHECK(s.blocks == before.nb - spare);
    CHECK(s.capacity == before.s.capacity - spare_bytes);
    CHECK(s.used == before.s.used);
    CHECK(spare == 0 ? s.backing == before.s.backing : s.backing < before.s.backing);
    snap_free(&before);
}

/* Release builds must ignore a foreign mark and one invalidated by reset. */
static void op_bad_restore(marena_t *m, rd_t *r)
{
    uint8_t k = u8(r);
#if HD_LIB_DEBUG
    (void)m;
    (void)k;
#else
    arena_mark_t mk;
    if (k & 1) {
        if (!m->have_stale)
            return;
        mk = m->stale;
    } else {
        marena_t *o = &g_ar[(k >> 1) % g_n];
        if (o == m || o->a == NULL)
            return;
        /* A mark of o's, recorded in o's model: an unrestored mark still
         * keeps realloc from resizing in place across it. */
        op_save(o);
        mk = o->marks[o->nmarks - 1].m;
    }
    snap_t before;
    snap_take(m, &before);
    arena_restore(m->a, mk);
    snap_same(m, &before, "restore of a stale/foreign mark");
    snap_free(&before);
#endif
}

static void op_fault(marena_t *m, rd_t *r)
{
    uint8_t k = u8(r);
    if (!hooks_of(m))
        return;
    if (k == 0)
        arena_testing_no_faults(hb_of(m));
    else if (k & 0x80)
        arena_testing_fail_from(hb_of(m), 1 + (k & 3));
    else
        arena_testing_fail_nth(hb_of(m), 1 + (k & 3));
}

static void op_null(rd_t *r)
{
    uint8_t k = u8(r);
    errno = 0;
    switch (k % 8) {
    case 0:
        CHECK(arena_alloc(NULL, 8) == NULL && errno == EINVAL);
        break;
    case 1:
        CHECK(arena_calloc(NULL, 1, 8) == NULL && errno == EINVAL);
        break;
    case 2:
        CHECK(arena_strdup(NULL, "x") == NULL && errno == EINVAL);
        break;
    case 3:
        CHECK(arena_extend(NULL, 8) == -1 && errno == EINVAL);
        break;
    case 4:
        CHECK(arena_alloc_thread_safe(NULL, 8, 8) == NULL && errno == EINVAL);
        break;
    case 5:
        arena_reset(NULL);
        arena_trim(NULL);
        arena_restore(NULL, arena_save(NULL));
        arena_destroy(NULL);
        CHECK(errno == 0);
        break;
    case 6:
        CHECK(arena_stats(NULL).used == 0 && arena_blocks(NULL, NULL, 0) == 0);
        CHECK(arena_owns(NULL, &k) == 0);
        break;
    default:
        CHECK(arena_check(NULL, NULL) == -1 && errno == EINVAL);
        break;
    }
}

/* ---- lifetimes: cleanups and children ------------------------------------------ */

/* Whether arena_pop(m, p, size) gives the bytes back: [p, p + size) ends
 * at the position, in the current block, and no mark sits above p. */
static int would_pop(const marena_t *m, const snap_t *s, uintptr_t p, size_t size)
{
    const arena_block_info_t *c = snap_cur(s);
    uintptr_t start = (uintptr_t)c->start, pos = start + c->used;
    if (p < start || p > pos || pos - p != size)
        return 0;
    if (m->nmarks > 0) {
        const mmark_t *mk = &m->marks[m->nmarks - 1];
        if (mk->block == c->start && mk->pos > p)
            return 0;
    }
    return 1;
}

static size_t pending_cleanups(const marena_t *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nlife; i++)
        n += m->life[i].kind == L_CLEANUP;
    return n;
}

/* The i-th pending cleanup, newest first. */
static life_t *nth_cleanup(marena_t *m, size_t i)
{
    for (size_t j = m->nlife; j-- > 0;)
        if (m->life[j].kind == L_CLEANUP && i-- == 0)
            return &m->life[j];
    return NULL;
}

static size_t live_children(const marena_t *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nlife; i++)
        n += m->life[i].kind == L_CHILD && m->life[i].child >= 0;
    return n;
}

/* The position after the last allocation, for the record a call made. */
static uintptr_t pos_now(marena_t *m)
{
    snap_t now;
    snap_take(m, &now);
    uintptr_t pos = snap_pos(&now);
    snap_free(&now);
    return pos;
}

static void op_defer(marena_t *m, rd_t *r)
{
    uint8_t k = u8(r), n = u8(r);
    if (m->nlife == MAX_LIFE)
        return;
    int fn = k & 1;
    unsigned char *arg = NULL;
    switch ((k >> 1) & 3) {
    case 0: {
        /* A fresh argument in the arena, as real cleanups have (the object
         * they close): stamped, checked by the cleanup when it runs. */
        size_t size = 2 + (size_t)n % 30;
        snap_t before;
        snap_take(m, &before);
        pred_t pr = predict(m, &before, size, 1);
        errno = 12345;
        void *p = arena_alloc_aligned(m->a, size, 1);
        int ok = judge(m, &before, &pr, p, errno, size, 1, "cleanup argument");
        snap_free(&before);
        if (!ok)
            return;
        live_add_kind(m, p, size, 1, K_ARG);
        arg = p;
        break;
    }
    case 1: {
        /* The argument of a pending cleanup: one pair registered twice. */
        size_t np = pending_cleanups(m);
        if (np != 0) {
            life_t *e = nth_cleanup(m, n % np);
            arg = e->arg;
            if (k & 0x10)
                fn = e->fn;
        }
        break;
    }
    case 2:
        break;
    default:
        arg = g_static_args[n % 4];
        break;
    }
    snap_t before;
    snap_take(m, &before);
    pred_t pr = predict(m, &before, g_rec, g_rec_align);
    errno = 12345;
    int rc = arena_defer(m->a, k_cleanups[fn], arg);
    int err = errno;
    void *rec = NULL;
    if (rc == 0)
        rec = (void *)(pos_now(m) - g_rec);
    else
        CHECK(rc == -1);
    if (judge(m, &before, &pr, rec, err, g_rec, g_rec_align, "arena_defer")) {
        live_add_kind(m, rec, g_rec, g_rec_align, K_REC);
        life_t *e = &m->life[m->nlife++];
        memset(e, 0, sizeof *e);
        e->kind = L_CLEANUP;
        e->fn = fn;
        e->arg = arg;
        e->rec = (uintptr_t)rec;
        e->child = -1;
        e->ticket = ++g_ticket;
    }
    snap_free(&before);
}

static void op_undefer(marena_t *m, rd_t *r)
{
    uint8_t k = u8(r);
    size_t np = pending_cleanups(m);
    int fn;
    unsigned char *arg;
    if ((k & 3) != 0 && np != 0) {
        const life_t *e = nth_cleanup(m, (size_t)(k >> 2) % np);
        fn = e->fn;
        arg = e->arg;
    } else {
        /* Any pair: registered (maybe on another arena) or not at all. */
        fn = (k & 4) ? 2 : (k >> 3) & 1;
        arg = (k & 0x20) ? NULL : g_static_args[(k >> 6) & 3];
    }
    size_t i = m->nlife;
    while (i > 0
           && !(m->life[i - 1].kind == L_CLEANUP && m->life[i - 1].fn == fn
                && m->life[i - 1].arg == arg))
        i--;
    snap_t before;
    snap_take(m, &before);
    errno = 12345;
    int rc = arena_undefer(m->a, k_cleanups[fn], arg);
    int err = errno;
    if (i == 0) {
        CHECKF(rc == -1 && err == ENOENT, "arena_undefer of nothing: %d, errno %d", rc, err);
        snap_same(m, &before, "arena_undefer of nothing");
        snap_free(&before);
        return;
    }
    CHECKF(rc == 0 && err == 12345, "arena_undefer: %d, errno %d", rc, err);
    /* The newest match goes; its bytes come back when it is the last
     * allocation and no mark was saved after it. */
    life_t e = m->life[--i];
    int popped = would_pop(m, &before, e.rec, g_rec);
    if (e.sealed && i > 0) /* the record below inherits the seal */
        m->life[i - 1].sealed = 1;
    memmove(&m->life[i], &m->life[i + 1], (m->nlife - i - 1) * sizeof m->life[0]);
    m->nlife--;
    if (popped) {
        m->used -= g_rec;
        live_forget(m, (void *)e.rec, K_REC);
        g_popped++;
    }
    snap_t now;
    snap_take(m, &now);
    CHECKF(now.s.used == m->used, "arena_undefer: used %zu, the model says %zu (record %s)",
           now.s.used, m->used, popped ? "given back" : "kept");
    CHECK(now.nb == before.nb && now.s.capacity == before.s.capacity
          && now.s.backing == before.s.backing && now.hook_out == before.hook_out);
    snap_free(&now);
    snap_free(&before);
}

static const size_t k_child_blocks[8] = {0, 1, 64, 100, 256, 1000, 4096, 300};
static const char k_long_name[] = "a-child-arena-whose-name-is-longer-than-the-limit";
static _Alignas(16) unsigned char g_child_buf[1024];

/* A child of m in the first free slot.  The model predicts the outcome:
 * invalid options are EINVAL; the child's own max_size below its first
 * block, or a parent without room for the child's unit (a block refused
 * by the backing or a cap up the tree) are ENOMEM.  The unit is one
 * allocation of the parent: the record, the struct, the first block's
 * header, and in a heap-free parent the first block too; elsewhere the
 * child starts empty and takes its first block at its first allocation.
 * A dead child's unit at the head of the parent's list is reused instead,
 * unless a mark was saved while it headed the list (in a heap-free parent,
 * when its block is big enough). */
static void op_child(marena_t *m, rd_t *r)
{
    uint8_t k = u8(r), bs = u8(r), cb = u8(r);
    int slot = -1;
    for (int i = NARENA; i < NSLOT && slot < 0; i++)
        if (g_ar[i].a == NULL)
            slot = i;
    const life_t *head = m->nlife > 0 ? &m->life[m->nlife - 1] : NULL;
    int dead_head = head != NULL && head->kind == L_CHILD && head->child < 0;
    if (slot < 0 || (m->nlife == MAX_LIFE && !dead_head))
        return;

    arena_options_t o;
    memset(&o, 0, sizeof o);
    const arena_options_t *opts = &o;
    char name[96];
    int invalid = 0;
    o.block_size = k_child_blocks[bs & 7];
    if (k & 0x08)
        o.max_size = 64 + (size_t)cb * 256;
    if (k & 0x10)
        o.flags = ARENA_FIXED;
    if (k & 0x20)
        snprintf(name, sizeof name, "%s-%u", k_long_name, g_gen);
    else
        snprintf(name, sizeof name, "k%d.%u", slot - NARENA, g_gen);
    if ((k & 0x60) != 0x40)
        o.name = name;
    switch (k & 7) {
    case 6:
        memset(&o, 0, sizeof o);
        opts = NULL;
        break;
    case 7:
        invalid = 1;
        switch ((bs >> 3) & 3) {
        case 0:
            o.buffer = g_child_buf;
            o.buffer_size = sizeof g_child_buf;
            break;
        case 1:
            o.buffer_size = 64;
            break;
        case 2:
            o.backing = arena_testing_backing(hb_of(m));
            break;
        default:
            o.flags |= 0x2;
            break;
        }
        break;
    default:
        break;
    }

    size_t first = round_up(o.block_size ? o.block_size : ARENA_DEFAULT_BLOCK_SIZE);
    size_t data = m->heap_free ? first : 0;
    int reuse = dead_head && !head->sealed && head->unit_data >= data;
    if (!reuse && m->nlife == MAX_LIFE)
        return; /* no room in the model's list */
    if (reuse)
        data = head->unit_data;
    size_t unit = ARENA_CHILD_OVERHEAD + data;
    arena_testing_backing_t *hb = hb_of(m);
    snap_t before;
    snap_take(m, &before);
    pred_t pr;
    memset(&pr, 0, sizeof pr);
    pr.kind = P_FIT;
    int must_fail = 0, may_fail = 0, want_err = ENOMEM;
    if (invalid) {
        must_fail = 1;
        want_err = EINVAL;
    } else if (o.max_size != 0 && g_hdr + first > o.max_size) {
        must_fail = 1;
    } else if (!reuse) {
        pr = predict(m, &before, unit, DEF_ALIGN);
        must_fail = pr.kind == P_ENOMEM;
        may_fail = pr.kind == P_NEW && !pr.must_succeed;
    }
    size_t req0 = hb->requests;
    errno = 12345;
    arena_t *ka = arena_create_child(m->a, opts);
    int err = errno;
    if (ka == NULL) {
        CHECKF(must_fail || may_fail,
               "arena_create_child failed (errno %d), the model says it works", err);
        CHECKF(err == want_err, "arena_create_child: errno %d, want %d", err, want_err);
        snap_same(m, &before, "a failed arena_create_child");
        if (pr.kind != P_NEW)
            CHECKF(hb->requests == req0, "arena_create_child: refused, but asked the backing");
        snap_free(&before);
        return;
    }
    CHECKF(!must_fail, "arena_create_child worked, the model says it fails (prediction %d)",
           pr.kind);
    CHECKF(err == 12345, "arena_create_child changed errno on success");

    /* The unit's record comes first, the struct after it at the default
     * alignment (the record's size is learned, not assumed). */
    unsigned char *chunk = (unsigned char *)ka - round_up(g_rec);
    if (!reuse) {
        CHECK(judge(m, &before, &pr, chunk, err, unit, DEF_ALIGN, "child unit"));
        live_add_kind(m, chunk, unit, DEF_ALIGN, K_SPACE);
    } else {
        CHECKF(chunk == (unsigned char *)head->rec,
               "arena_create_child did not reuse the dead child's unit");
        snap_t now;
        snap_take(m, &now);
        CHECKF(stats_eq(now.s, before.s) && now.nb == before.nb,
               "arena_create_child reusing a unit changed the parent");
        snap_free(&now);
    }

    marena_t *c = &g_ar[slot];
    memset(c, 0, sizeof *c);
    c->a = ka;
    c->type = T_NTYPES;
    c->o = o;
    c->o.name = NULL;
    c->slot = slot;
    c->parent = m->slot;
    c->root = m->root;
    c->in_parent = 1;
    c->heap_free = m->heap_free;
    c->fixed = m->heap_free || (o.flags & ARENA_FIXED) != 0;
    c->chunk = (uintptr_t)chunk;
    c->chunk_size = unit;
    c->next_size = first < 64 ? 64 : first;
    if (o.name != NULL)
        strncpy(c->name, o.name, ARENA_NAME_MAX);
    snap_t cs;
    snap_take(c, &cs);
    CHECK(cs.nb == 1 && cs.s.used == 0 && cs.s.capacity == data && cs.s.max_size == o.max_size);
    CHECKF((uintptr_t)cs.b[0].start == (uintptr_t)chunk + ARENA_CHILD_OVERHEAD,
           "the child's first block does not start ARENA_CHILD_OVERHEAD bytes into its unit");
    CHECK(cs.s.backing == 0);
    snap_free(&cs);

    life_t *e = reuse ? &m->life[m->nlife - 1] : &m->life[m->nlife++];
    memset(e, 0, sizeof *e);
    e->kind = L_CHILD;
    e->fn = -1;
    e->child = slot;
    e->rec = (uintptr_t)chunk;
    e->unit_data = data;
    e->ticket = ++g_ticket;
    g_gen++;
    g_children++;
    snap_free(&before);
}

/* arena_destroy of a child before its parent: its list ends (cleanups and
 * children, newest first) and its record in the parent is dead; its unit
 * stays for the next child, except in a heap-free parent, where the unit
 * goes back when nothing came after it (its record heads the parent's list
 * and the unit is the parent's newest allocation): the record then leaves
 * the list. */
static void kill_child(marena_t *v)
{
    marena_t *p = parent_of(v);
    size_t i = p->nlife;
    while (i > 0 && !(p->life[i - 1].kind == L_CHILD && p->life[i - 1].child == v->slot))
        i--;
    CHECKF(i > 0, "child slot %d is not on its parent's list", v->slot);
    snap_t before;
    snap_take(p, &before);
    int popped = v->heap_free && i == p->nlife && would_pop(p, &before, v->chunk, v->chunk_size);
    uintptr_t chunk = v->chunk;
    size_t chunk_size = v->chunk_size;
    arena_t *a = v->a;
    model_forget(v);
    arena_destroy(a);
    log_same("arena_destroy of a child");
    p->life[i - 1].child = -1;
    if (popped) {
        p->used -= chunk_size;
        live_forget(p, (void *)chunk, K_SPACE);
        if (p->life[p->nlife - 1].sealed && p->nlife > 1)
            p->life[p->nlife - 2].sealed = 1;
        p->nlife--; /* the record went with it */
        g_popped++;
    }
    g_kills++;
    snap_t now;
    snap_take(p, &now);
    CHECK(now.nb == before.nb && now.s.capacity == before.s.capacity
          && now.s.backing == before.s.backing);
    CHECKF(now.s.used == p->used, "parent used %zu after the child's destroy, the model says %zu",
           now.s.used, p->used);
    snap_free(&now);
    snap_free(&before);
}

static void op_kill(marena_t *m, rd_t *r)
{
    uint8_t k = u8(r);
    if (m->parent >= 0) {
        kill_child(m);
        return;
    }
    /* A top-level arena: one of its children, newest first. */
    size_t n = live_children(m);
    if (n == 0)
        return;
    size_t want = k % n;
    for (size_t j = m->nlife; j-- > 0;)
        if (m->life[j].kind == L_CHILD && m->life[j].child >= 0 && want-- == 0) {
            kill_child(&g_ar[m->life[j].child]);
            return;
        }
}

typedef struct {
    char text[8192];
    size_t n;
    int over;
} report_t;

static void report_line(const char *line, void *arg)
{
    report_t *t = arg;
    size_t len = strlen(line);
    if (t->n + len + 2 > sizeof t->text) {
        t->over = 1;
        return;
    }
    memcpy(t->text + t->n, line, len);
    t->n += len;
    t->text[t->n++] = '\n';
    t->text[t->n] = '\0';
}

/* Calls that must be refused, changing nothing. */
static void op_life_refused(marena_t *m, rd_t *r)
{
    uint8_t k = u8(r);
    snap_t before;
    snap_take(m, &before);
    errno = 0;
    switch (k % 8) {
    case 0:
        CHECK(arena_defer(NULL, cleanup_a, NULL) == -1 && errno == EINVAL);
        break;
    case 1:
        CHECK(arena_defer(m->a, NULL, g_static_args[0]) == -1 && errno == EINVAL);
        break;
    case 2:
        CHECK(arena_undefer(NULL, cleanup_a, NULL) == -1 && errno == EINVAL);
        break;
    case 3:
        CHECK(arena_undefer(m->a, NULL, NULL) == -1 && errno == EINVAL);
        break;
    case 4:
        CHECK(arena_create_child(NULL, NULL) == NULL && errno == EINVAL);
        break;
    case 5: {
        report_t t;
        memset(&t, 0, sizeof t);
        arena_report(NULL, report_line, &t);
        CHECK(t.n == 0 && arena_parent(NULL) == NULL && arena_name(NULL) == NULL && errno == 0);
        break;
    }
    default:
        CHECK(arena_undefer(m->a, cleanup_never, g_static_args[k & 3]) == -1 && errno == ENOENT);
        break;
    }
    snap_same(m, &before, "a refused lifetimes call");
    snap_free(&before);
}

/* ---- the tree ------------------------------------------------------------------- */

/* What arena_report must print for x and its subtree: the model's name,
 * used and peak, the blocks' capacity, count and the bytes left at the
 * ends of full blocks, the pending cleanups; children newest first. */
static void expect_report(marena_t *x, int depth, report_t *t)
{
    snap_t s;
    snap_take(x, &s);
    size_t lost = 0;
    for (size_t i = 0; i < s.nb; i++)
        if (s.b[i].state == ARENA_BLOCK_FULL)
            lost += s.b[i].size - s.b[i].used;
    char line[256];
    snprintf(line, sizeof line,
             "%*s%s: used %zu, capacity %zu, peak %zu, blocks %zu, lost %zu, cleanups %zu",
             2 * depth, "", x->name[0] ? x->name : "(unnamed)", x->used, s.s.capacity, x->peak,
             s.nb, lost, pending_cleanups(x));
    report_line(line, t);
    snap_free(&s);
    for (size_t j = x->nlife; j-- > 0;)
        if (x->life[j].kind == L_CHILD && x->life[j].child >= 0)
            expect_report(&g_ar[x->life[j].child], depth + 1, t);
}

static void check_subtree(marena_t *x, size_t *bytes, size_t *blocks)
{
    check_arena(x);
    arena_stats_t s = arena_stats(x->a);
    *bytes += s.backing;
    *blocks += s.blocks - 1 + (x->o.buffer == NULL && !x->in_parent);
    const marena_t *p = parent_of(x);
    CHECKF(arena_parent(x->a) == (p != NULL ? p->a : NULL), "arena_parent of slot %d is wrong",
           x->slot);
    CHECKF(strcmp(arena_name(x->a), x->name) == 0, "arena_name: '%s', the model says '%s'",
           arena_name(x->a), x->name);
    if (x->o.max_size != 0)
        CHECKF(subtree_bytes(x) <= x->o.max_size, "slot %d: the subtree takes %zu bytes, cap %zu",
               x->slot, subtree_bytes(x), x->o.max_size);
    for (size_t j = 0; j < x->nlife; j++) {
        const life_t *e = &x->life[j];
        if (e->kind != L_CHILD || e->child < 0)
            continue;
        marena_t *c = &g_ar[e->child];
        CHECK(c->a != NULL && c->parent == x->slot);
        check_subtree(c, bytes, blocks);
    }
}

/* Everything about the tree of a top-level arena: each arena, the backing
 * they share (bytes and blocks: no child outlives its parent, none leaks),
 * the top-level cap, and the report. */
static void check_tree(marena_t *root)
{
    if (root->a == NULL)
        return;
    size_t bytes = 0, blocks = 0;
    check_subtree(root, &bytes, &blocks);
    if (root->hooks) {
        const arena_testing_backing_t *h = &root->hb;
        CHECKF(bytes == h->outstanding, "the tree's arenas hold %zu backing bytes, the backing %zu",
               bytes, h->outstanding);
        CHECKF(blocks == h->blocks, "the tree's arenas hold %zu backing blocks, the backing %zu",
               blocks, h->blocks);
        CHECK(!h->bad_release);
        if (root->o.max_size != 0)
            CHECKF(h->peak <= root->o.max_size, "the backing held %zu bytes, the cap is %zu",
                   h->peak, root->o.max_size);
    }
    static report_t got, want;
    got.n = want.n = 0;
    got.over = want.over = 0;
    got.text[0] = want.text[0] = '\0';
    arena_report(root->a, report_line, &got);
    expect_report(root, 0, &want);
    CHECK(!got.over && !want.over);
    CHECKF(strcmp(got.text, want.text) == 0, "arena_report says\n%sthe model says\n%s", got.text,
           want.text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rd_t r = {data, size, 0};
    static int trace = -1;
    if (trace < 0)
        trace = getenv("HD_TRACE") != NULL;
    g_trace = trace;
    learn_layout();
    g_nlog = g_nwant = 0;
    for (size_t i = NARENA; i < NSLOT; i++) {
        g_ar[i].a = NULL;
        g_ar[i].slot = (int)i;
        g_ar[i].nlive = g_ar[i].nmarks = g_ar[i].nlife = 0;
    }
    g_n = 1 + u8(&r) % NARENA;
    for (size_t i = 0; i < g_n; i++) {
        arena_setup(&g_ar[i], &r, i);
        arena_open(&g_ar[i]);
    }
    for (g_op = 0; g_op < MAX_OPS && r.i < r.n; g_op++) {
        /* Opcodes 0..21 are the allocation, mark and block operations,
         * 22..31 the lifetimes ones; a selector from 0x80 names a child slot. */
        uint8_t op = u8(&r), sel = u8(&r);
        marena_t *m = sel & 0x80 ? &g_ar[NARENA + (sel & 0x7f) % NCHILD] : &g_ar[sel % g_n];
        if (g_trace)
            fprintf(
                stderr,
                "op %d: %d on arena %d (type %d, parent %d, block_size %zu, max %zu, buf %zu)%s\n",
                g_op, op % 32, (int)(m - g_ar), m->type, m->parent, m->o.block_size, m->o.max_size,
                m->o.buffer_size, m->a == NULL ? " (none)" : "");
        if (m->a == NULL) {
            if (m->slot < NARENA && op % 4 == 0) {
                arena_testing_no_faults(&m->hb);
                arena_open(m);
            }
            continue;
        }
        marena_t *root = root_of(m);
        switch (op % 32) {
        case 0:
        case 1:
        case 2:
            op_alloc(m, &r, A_ALIGNED);
            break;
        case 3:
        case 4:
            op_alloc(m, &r, A_PLAIN);
            break;
        case 5:
            op_alloc(m, &r, A_CALLOC);
            break;
        case 6:
            op_alloc(m, &r, A_ARRAY);
            break;
        case 7:
            op_alloc(m, &r, A_STRDUP);
            break;
        case 8:
            op_alloc(m, &r, A_STRNDUP);
            break;
        case 9:
            op_alloc(m, &r, A_SPRINTF);
            break;
        case 10:
        case 11:
            op_realloc(m, &r);
            break;
        case 12:
            op_extend(m, &r);
            break;
        case 13:
        case 14:
            op_save(m);
            break;
        case 15:
            op_restore(m, &r);
            break;
        case 16:
            op_reset(m);
            break;
        case 17:
            op_trim(m);
            break;
        case 18:
            op_thread_safe(m, &r);
            break;
        case 19:
            op_fault(m, &r);
            break;
        case 20: {
            uint8_t k = u8(&r);
            if (k % 4 == 0 && m->parent >= 0) {
                kill_child(m);
            } else if (k % 4 == 0) {
                arena_close(m);
                if (!(k & 0x40))
                    arena_testing_no_faults(&m->hb);
                arena_open(m);
            } else if (k % 4 == 1) {
                op_bad_restore(m, &r);
            } else if (k % 4 == 2) {
                op_null(&r);
            } else {
                size_t old = arena_cache_set_limit((size_t)u8(&r) << 14);
                (void)old;
                if (k & 0x80)
                    arena_cache_release();
            }
            break;
        }
        case 22:
        case 23:
        case 29:
            op_defer(m, &r);
            break;
        case 24:
        case 31:
            op_undefer(m, &r);
            break;
        case 25:
        case 26:
        case 30:
            op_child(m, &r);
            break;
        case 27:
            op_kill(m, &r);
            break;
        case 28:
            op_life_refused(m, &r);
            break;
        default:
            break; /* stats only: the check below */
        }
        log_same("the operation"); /* no cleanup ran that the model did not expect */
        check_tree(root);
    }
    for (size_t i = 0; i < g_n; i++) {
        check_tree(&g_ar[i]);
        for (size_t j = 0; j < g_ar[i].nlive; j++) {
            const live_t *l = &g_ar[i].live[j];
            CHECK(stamp_ok(l));
        }
        arena_close(&g_ar[i]);
        arena_testing_backing_fini(&g_ar[i].hb);
    }
    for (size_t i = NARENA; i < NSLOT; i++)
        CHECKF(g_ar[i].a == NULL, "child slot %zu outlived its top-level arena", i - NARENA);
    arena_cache_set_limit(ARENA_CACHE_DEFAULT_LIMIT);
    return 0;
}

#ifdef HD_REPLAY_MAIN
/* Replays files and directories of inputs through the same code. */
#include <dirent.h>
#include <sys/stat.h>

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            unsigned char *t = realloc(buf, cap);
            if (t == NULL) {
                fclose(f);
                free(buf);
                return 1;
            }
            buf = t;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

static int replay(const char *path, size_t *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        (*count)++;
        return replay_file(path);
    }
    DIR *d = opendir(path);
    if (d == NULL) {
        perror(path);
        return 1;
    }
    int rc = 0;
    struct dirent *e;
    /* readdir says "no more entries" and "cannot read" both with NULL;
     * errno tells them apart (EOVERFLOW: an inode number too big for a
     * build without large-file support). */
    while ((errno = 0, e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        char *full = malloc(len);
        if (full == NULL)
            break;
        snprintf(full, len, "%s/%s", path, e->d_name);
        rc |= replay(full, count);
        free(full);
    }
    if (e == NULL && errno != 0) {
        perror(path);
        rc = 1;
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    int rc = 0;
    for (int i = 1; i < argc; i++)
        rc |= replay(argv[i], &count);
    printf("fuzz_arena_replay: %zu inputs replayed, all checks passed (%zu children created, %zu "
           "destroyed early, %zu cleanups run as predicted, %zu records or spaces given back)\n",
           count, g_children, g_kills, g_ran, g_popped);
    return rc != 0 || count == 0;
}
#endif
