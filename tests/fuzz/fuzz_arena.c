/*
 * fuzz_arena.c -- model-based fuzzing of the arena API.
 *
 * The input is a program: a header that describes up to three arenas
 * (growable, fixed, capped, buffer-backed fixed/growable/capped, default
 * malloc backing), then operations, each an opcode byte followed by its
 * operands.  A reference model follows every arena: the live allocations
 * (address, size, alignment, stamp), the marks, the exact `used` and `peak`,
 * the size of the next regular block, and the backing bytes (through the
 * test backing of arena_testing.h).  The model predicts where each request
 * must land (the current block, the head spare or else the smallest spare
 * that fits, or a new block)
 * and which requests must fail.
 *
 * After every operation the arena that ran it is checked:
 *   - arena_check() == 0;
 *   - arena_blocks()/arena_stats() agree (blocks, capacity, used, available,
 *     backing == bytes the backing holds, <= max_size), used/peak == model;
 *   - every live allocation lies in a block in use, is owned (arena_owns),
 *     aligned, disjoint from every other, and still holds its stamp;
 *   - a failed call returned NULL (or -1) with the predicted errno and left
 *     stats, the block list and the position exactly as they were.
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

typedef struct {
    unsigned char *p;
    size_t size, align;
    uint64_t seq;
    uint8_t seed;
} live_t;

typedef struct {
    arena_mark_t m;
    uint64_t seq; /* allocations with a larger seq end at restore */
    size_t used;
    uintptr_t pos;
    const void *block;
} mmark_t;

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
} marena_t;

static marena_t g_ar[NARENA];
static size_t g_n;
static uint64_t g_seq;
static uint8_t g_seed;
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
    s->hook_out = m->hb.outstanding;
    s->hook_req = m->hb.requests;
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

static int stamp_ok(const live_t *l)
{
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

static size_t hook_limit_of(const marena_t *m)
{
    return m->o.max_size;
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
    if (m->o.max_size != 0)
        CHECK(s.s.backing <= m->o.max_size);
    if (m->hooks) {
        CHECKF(s.s.backing == m->hb.outstanding, "stats.backing %zu, hook holds %zu", s.s.backing,
               m->hb.outstanding);
        CHECK(!m->hb.bad_release);
        if (hook_limit_of(m) != 0)
            CHECK(m->hb.peak <= hook_limit_of(m));
    }

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

static void live_add(marena_t *m, void *p, size_t size, size_t align)
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
    stamp(l->p, size, l->seed);
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
    const arena_testing_backing_t *h = &m->hb;
    return h->fail_at != 0 && (h->fail_persist || h->requests < h->fail_at);
}

static pred_t predict(marena_t *m, const snap_t *s, size_t size, size_t align)
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
    if (m->o.flags & ARENA_FIXED) {
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
    r.must_succeed = m->hooks && m->o.max_size == 0 && !fault_armed(m) && !m->size_unknown
                     && r.block_size <= HOOK_LIMIT / 2
                     && m->hb.outstanding + r.block_size + 4096 <= HOOK_LIMIT;
    return r;
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
        CHECK(now.hook_req >= before->hook_req + 1 || !m->hooks);
        uintptr_t d = (uintptr_t)c->start;
        CHECKF(a == d + ((size_t)(-d & (uintptr_t)(align - 1))),
               "%s: new block allocation not at the block's first aligned byte", what);
        CHECK(c->size >= pr->need);
        if (m->o.max_size == 0 && !m->size_unknown)
            CHECKF(c->size == pr->block_size,
                   "%s(%zu, %zu): new block of %zu bytes, model says %zu (need %zu, regular %d)",
                   what, size, align, c->size, pr->block_size, pr->need, pr->regular);
        else if (!m->size_unknown)
            CHECKF(c->size <= pr->block_size,
                   "%s(%zu, %zu): new block of %zu bytes, model says <= %zu (need %zu, regular %d)",
                   what, size, align, c->size, pr->block_size, pr->need, pr->regular);
        m->used = pr->used_after + (size_t)(a - d);
        if (!m->size_unknown)
            note_new_block(m, pr);
    }
    CHECK(now.s.used == m->used);
    snap_free(&now);
    return 1;
}

/* ---- arenas ------------------------------------------------------------------ */

static const size_t k_block_sizes[8] = {0, 1, 64, 100, 256, 1000, 4096, 65536};
/* Bytes of bookkeeping in front of a caller buffer's first block (learned). */
static size_t g_book;

static void arena_open(marena_t *m)
{
    errno = 12345;
    m->a = arena_create_with(&m->o);
    int err = errno;
    m->nlive = m->nmarks = 0;
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

static void arena_close(marena_t *m)
{
    if (m->a != NULL)
        arena_destroy(m->a);
    m->a = NULL;
    CHECKF(m->hb.outstanding == 0, "destroy left %zu backing bytes", m->hb.outstanding);
    CHECK(m->hb.blocks == 0 && !m->hb.bad_release);
    m->nlive = m->nmarks = 0;
}

static void arena_setup(marena_t *m, rd_t *r, size_t idx)
{
    memset(m, 0, sizeof *m);
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
        break;
    case T_DEFAULT:
        m->o.max_size = 4096 + (size_t)capb * 2048; /* bounds what malloc is asked for */
        if (m->o.block_size == 0)
            m->o.block_size = 512;
        break;
    }
    m->buf = buf;
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
        if (pow2(align) && size <= 4096 && align <= 4096 && !(m->o.flags & ARENA_FIXED) && m->hooks
            && m->o.max_size == 0 && !armed && !m->size_unknown && m->next_size <= HOOK_LIMIT / 4
            && m->hb.outstanding + m->next_size + 2 * 65536 < HOOK_LIMIT)
            die(__LINE__, "thread_safe(%zu, %zu) failed: refused %zu, outstanding %zu, blocks %zu",
                size, align, m->hb.refused, m->hb.outstanding, before.nb);
        snap_same(m, &before, "alloc_thread_safe");
    } else {
        CHECK(pow2(align) && size <= (size_t)PTRDIFF_MAX && err == 12345);
        CHECK((uintptr_t)p % align == 0);
        arena_stats_t s = arena_stats(m->a);
        CHECK(s.used >= before.s.used);
        CHECK(s.blocks >= before.s.blocks);
        if (s.blocks > before.nb && !(m->o.flags & ARENA_FIXED)) {
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
        li = (size_t)k % m->nlive;
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
    errno = 12345;
    int armed = fault_armed(m);
    int rc = arena_extend(m->a, extra);
    int err = errno;
    if (rc != 0) {
        CHECK(rc == -1);
        int want = extra == 0 ? EINVAL : ENOMEM;
        CHECKF(err == want, "extend(%zu): errno %d", extra, err);
        if (extra != 0 && extra <= 65536 && m->hooks && m->o.max_size == 0 && !armed
            && m->hb.outstanding + 2 * 65536 < HOOK_LIMIT)
            die(__LINE__, "extend(%zu) failed: errno %d, hook refused %zu, outstanding %zu", extra,
                err, m->hb.refused, m->hb.outstanding);
        snap_same(m, &before, "extend");
        snap_free(&before);
        return;
    }
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
        size_t req = m->hb.requests;
        snap_t s2;
        snap_take(m, &s2);
        pred_t pr = predict(m, &s2, extra, DEF_ALIGN);
        CHECK(pr.kind == P_FIT || pr.kind == P_SPARE);
        errno = 12345;
        void *p = arena_alloc(m->a, extra);
        CHECK(p != NULL);
        CHECK(m->hb.requests == req);
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
    arena_restore(m->a, mk.m);
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
    arena_reset(m->a);
    snap_t now;
    snap_take(m, &now);
    CHECK(now.s.used == 0 && now.nb == before.nb && now.s.capacity == before.s.capacity);
    CHECK(now.b[0].state == ARENA_BLOCK_CURRENT && now.b[0].used == 0);
    CHECK(now.s.backing == before.s.backing);
    snap_free(&now);
    snap_free(&before);
    m->nlive = m->nmarks = 0;
    m->used = 0;
    arena_testing_no_faults(&m->hb);
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
    if (!m->hooks)
        return;
    if (k == 0)
        arena_testing_no_faults(&m->hb);
    else if (k & 0x80)
        arena_testing_fail_from(&m->hb, 1 + (k & 3));
    else
        arena_testing_fail_nth(&m->hb, 1 + (k & 3));
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rd_t r = {data, size, 0};
    static int trace = -1;
    if (trace < 0)
        trace = getenv("HD_TRACE") != NULL;
    g_trace = trace;
    g_n = 1 + u8(&r) % NARENA;
    for (size_t i = 0; i < g_n; i++) {
        arena_setup(&g_ar[i], &r, i);
        arena_open(&g_ar[i]);
    }
    for (g_op = 0; g_op < MAX_OPS && r.i < r.n; g_op++) {
        uint8_t op = u8(&r);
        marena_t *m = &g_ar[u8(&r) % g_n];
        if (g_trace)
            fprintf(stderr, "op %d: %d on arena %d (type %d, block_size %zu, max %zu, buf %zu)\n",
                    g_op, op % 22, (int)(m - g_ar), m->type, m->o.block_size, m->o.max_size,
                    m->o.buffer_size);
        if (m->a == NULL) {
            if (op % 4 == 0) {
                arena_testing_no_faults(&m->hb);
                arena_open(m);
            }
            continue;
        }
        switch (op % 22) {
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
            if (k % 4 == 0) {
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
        default:
            break; /* stats only: the check below */
        }
        check_arena(m);
    }
    for (size_t i = 0; i < g_n; i++) {
        check_arena(&g_ar[i]);
        for (size_t j = 0; j < g_ar[i].nlive; j++) {
            const live_t *l = &g_ar[i].live[j];
            CHECK(stamp_ok(l));
        }
        arena_close(&g_ar[i]);
        arena_testing_backing_fini(&g_ar[i].hb);
    }
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
    printf("fuzz_arena_replay: %zu inputs replayed, all checks passed\n", count);
    return rc != 0 || count == 0;
}
#endif
