/*
 * oom.c -- out-of-memory injection, SQLite style.
 *
 * For every public call that can ask the backing allocator for memory, and
 * for several arena shapes that make it ask (growable, with spares that do
 * not fit, capped, buffer-backed, a child whose blocks come through its
 * parent's backing, a child under a capped parent), fail the Nth backing
 * request for N = 1, 2, ... until the call succeeds without a fault being
 * injected: once transiently (only the Nth request fails) and once
 * persistently (the Nth and every later one fail).  The calls include
 * arena_defer (its record) and arena_create_child (the child and its
 * record in the parent's memory; the child's first block, at its first
 * allocation, is the child shapes' business).  After each
 * injected failure:
 *   - the call returned NULL/ENOMEM (or -1/ENOMEM);
 *   - the arena is exactly as before: stats, block list, position, its
 *     report (no cleanup or child left registered), and arena_check() == 0;
 *   - retried without faults, the call succeeds and leaves the arena in the
 *     same shape as a control run that never saw a fault (block sizes,
 *     states, used bytes; the result at the same block and offset);
 *   - after arena_destroy the backing holds no bytes, every release matched
 *     an alloc (LeakSanitizer checks the rest in the ASan build).
 * A call may also succeed although a fault was injected, when it has a
 * fallback that asks for less; it must then leave a consistent arena (the
 * report at the end counts these).  Every cleanup registered runs exactly
 * once, at the end; a failed registration never runs.
 *
 * Also:
 *   - on_limit: for each call that can meet ENOMEM, a callback that
 *     refuses, one that asks for a retry (which succeeds once the fault has
 *     passed, and fails cleanly while it persists) and one that gives the
 *     arena's last allocation back (arena_pop) so that the retry fits; each
 *     called once, with the bytes the caller asked for;
 *   - a child of a fixed arena in a caller's buffer takes its record and
 *     its space from the parent in one allocation: at every fill level
 *     around the boundary it is created exactly when both fit, and
 *     otherwise the parent is unchanged and the backing never asked;
 *   - scratch arenas use the default backing (malloc behind the block
 *     cache), so a malloc shim fails the Nth malloc of arena_scratch_begin
 *     in a fresh thread (skipped under the sanitizers and memcheck, which
 *     own malloc):
 *     {NULL} with ENOMEM, nothing left behind, and the next begin works.
 */
#include <arena.h>

#include <arena_testing.h>

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define BLOCK 256
#define ARENA_PTR_OK ((void *)(uintptr_t)1) /* an int call that returned 0 */

static size_t g_faults;    /* injected failures observed, all cases */
static size_t g_fallbacks; /* successes in spite of a fault */
static void *g_last;       /* the setup's last allocation */
static size_t g_last_size;
static _Alignas(64) unsigned char g_buf[4096];

/* The top-level shapes (S_GROW .. S_BUFFER), then a child (blocks through
 * its parent's backing) and a child under a capped parent (the cap is the
 * hierarchy's). */
enum { S_GROW, S_SPARE, S_CAPPED, S_BUFFER, S_NTOP, S_CHILD = S_NTOP, S_CAPPED_TREE, S_NSHAPES };

static arena_t *g_top;           /* what finish() destroys: the arena, or its parent */
static int g_pending;            /* cleanups registered and not run yet */
static size_t g_scratch_mallocs; /* what creating a scratch arena asks malloc for */
static int (*g_on_limit)(arena_t *, size_t, void *); /* for the arenas setup() makes */

static arena_options_t options_for(arena_testing_backing_t *h, int shape)
{
    arena_options_t o = {.block_size = BLOCK, .backing = arena_testing_backing(h)};
    if (shape == S_CAPPED)
        o.max_size = 16384;
    if (shape == S_BUFFER) {
        o.buffer = g_buf;
        o.buffer_size = ARENA_BUFFER_OVERHEAD + BLOCK;
    }
    return o;
}

/* Fails the nth backing request from now: once, or with every one after. */
static void arm(arena_testing_backing_t *h, size_t n, int persistent)
{
    if (persistent)
        arena_testing_fail_from(h, n);
    else
        arena_testing_fail_nth(h, n);
}

/* An arena whose current block has 32 bytes left (and, for S_SPARE, a spare
 * of 64 bytes): every operation below needs a new block.  For the child
 * shapes, a child of such a parent, shaped the same way. */
static arena_t *setup(arena_testing_backing_t *h, int shape)
{
    arena_t *a;
    if (shape >= S_NTOP) {
        arena_options_t po = options_for(h, shape == S_CAPPED_TREE ? S_CAPPED : S_GROW);
        g_top = arena_create_with(&po);
        assert_non_null(g_top);
        arena_options_t ko = {.block_size = BLOCK, .name = "child", .on_limit = g_on_limit};
        a = arena_create_child(g_top, &ko);
        assert_non_null(a);
        assert_int_equal(arena_stats(a).capacity, 0); /* its first block comes with */
        assert_non_null(arena_alloc(a, 16));          /* its first allocation */
    } else {
        arena_options_t o = options_for(h, shape);
        o.on_limit = g_on_limit;
        a = g_top = arena_create_with(&o);
    }
    assert_non_null(a);
    arena_stats_t s = arena_stats(a);
    assert_true(s.available > 64);
    g_last_size = s.available - 16; /* less than any call below needs */
    g_last = arena_alloc_aligned(a, g_last_size, 1);
    assert_non_null(g_last);
    memset(g_last, 0x5A, g_last_size);
    if (shape == S_SPARE)
        assert_int_equal(arena_extend(a, 64), 0);
    return a;
}

/* ---- the calls ------------------------------------------------------------ */

typedef void *(*op_fn)(arena_t *a);

static void *op_alloc(arena_t *a)
{
    return arena_alloc(a, 300);
}
static void *op_alloc_aligned(arena_t *a)
{
    return arena_alloc_aligned(a, 200, 16);
}
static void *op_alloc_aligned_big(arena_t *a)
{
    return arena_alloc_aligned(a, 200, 1024);
}
static void *op_thread_safe_small(arena_t *a)
{
    return arena_alloc_thread_safe(a, 100, 8);
}
static void *op_thread_safe_big(arena_t *a)
{
    return arena_alloc_thread_safe(a, 3000, 128);
}
static void *op_calloc(arena_t *a)
{
    return arena_calloc(a, 30, 10);
}
static void *op_realloc_last(arena_t *a)
{
    return arena_realloc(a, g_last, g_last_size, g_last_size + 600);
}
static void *op_realloc_new(arena_t *a)
{
    return arena_realloc(a, NULL, 0, 400);
}
static void *op_strdup(arena_t *a)
{
    static char s[301];
    memset(s, 'x', 300);
    return arena_strdup(a, s);
}
static void *op_strndup(arena_t *a)
{
    static const char s[] = "a string that is longer than the thirty-two bytes left in the block";
    return arena_strndup(a, s, 60);
}
static void *op_sprintf(arena_t *a)
{
    return arena_sprintf(a, "%0*d|%s", 400, 7, "tail");
}
static void *op_extend(arena_t *a)
{
    return arena_extend(a, 1000) == 0 ? ARENA_PTR_OK : NULL;
}

static void pending_cleanup(void *arg)
{
    (void)arg;
    g_pending--;
}

/* arena_defer: its record is an allocation from the arena. */
static void *op_defer(arena_t *a)
{
    if (arena_defer(a, pending_cleanup, a) != 0)
        return NULL;
    g_pending++;
    return ARENA_PTR_OK;
}

/* arena_create_child: the child and its record in the parent's memory (a
 * new block of the parent's when its current one is full).  The child ends
 * with the parent, its own first block (at its first allocation) being the
 * business of the child shapes. */
static void *op_child(arena_t *a)
{
    arena_options_t o = {.block_size = 256, .name = "oom-child"};
    arena_t *k = arena_create_child(a, &o);
    if (k == NULL)
        return NULL;
    assert_ptr_equal(arena_parent(k), a);
    assert_int_equal(arena_stats(k).capacity, 0);
    return ARENA_PTR_OK;
}

/* ---- fingerprints ------------------------------------------------------------ */

typedef struct {
    arena_stats_t s;
    size_t nb;
    size_t size[64], used[64];
    int state[64];
    size_t res_block; /* block of the result, or SIZE_MAX */
    size_t res_off;
    char report[1024]; /* arena_report: the cleanups and children pending */
} fp_t;

static void report_line(const char *line, void *arg)
{
    char *r = arg;
    size_t n = strlen(r);
    snprintf(r + n, 1024 - n, "%s\n", line);
}

static void fingerprint(arena_t *a, void *res, fp_t *f)
{
    arena_block_info_t b[64];
    memset(f, 0, sizeof *f);
    arena_report(a, report_line, f->report);
    f->s = arena_stats(a);
    f->nb = arena_blocks(a, b, 64);
    assert_true(f->nb <= 64);
    f->res_block = SIZE_MAX;
    for (size_t i = 0; i < f->nb; i++) {
        f->size[i] = b[i].size;
        f->used[i] = b[i].used;
        f->state[i] = b[i].state;
        uintptr_t p = (uintptr_t)res, st = (uintptr_t)b[i].start;
        if (res != NULL && res != ARENA_PTR_OK && p >= st && p < st + b[i].size) {
            f->res_block = i;
            f->res_off = (size_t)(p - st);
        }
    }
}

static void assert_fp_equal(const fp_t *x, const fp_t *y, int exact_offsets)
{
    assert_int_equal(x->nb, y->nb);
    assert_int_equal(x->s.capacity, y->s.capacity);
    assert_int_equal(x->s.backing, y->s.backing);
    assert_int_equal(x->s.blocks, y->s.blocks);
    for (size_t i = 0; i < x->nb; i++) {
        assert_int_equal(x->size[i], y->size[i]);
        assert_int_equal(x->state[i], y->state[i]);
        if (exact_offsets)
            assert_int_equal(x->used[i], y->used[i]);
    }
    assert_int_equal(x->res_block, y->res_block);
    if (exact_offsets) {
        assert_int_equal(x->s.used, y->s.used);
        assert_int_equal(x->s.peak, y->s.peak);
        assert_int_equal(x->res_off, y->res_off);
    }
}

static void assert_same_state(arena_t *a, const fp_t *before, uintptr_t pos_before)
{
    fp_t now;
    fingerprint(a, NULL, &now);
    assert_fp_equal(before, &now, 1);
    assert_memory_equal(&before->s, &now.s, sizeof now.s);
    assert_string_equal(before->report, now.report);
    for (size_t i = 0; i < now.nb; i++)
        assert_int_equal(before->used[i], now.used[i]);
    const char *why = "";
    if (arena_check(a, &why) != 0)
        fail_msg("arena_check after an injected failure: %s", why);
    /* The position did not move: a zero-byte probe lands where it did. */
    assert_int_equal((uintptr_t)arena_alloc_aligned(a, 0, 1), pos_before);
}

/* Destroys the setup's top arena (the arena, or its parent); every cleanup
 * registered has run once, and the backing got everything back. */
static void finish(arena_t *a, arena_testing_backing_t *h)
{
    if (g_top != NULL && a != g_top)
        assert_ptr_equal(arena_parent(a), g_top);
    arena_destroy(g_top != NULL ? g_top : a);
    g_top = NULL;
    assert_int_equal(g_pending, 0);
    assert_int_equal(h->outstanding, 0);
    assert_int_equal(h->blocks, 0);
    assert_false(h->bad_release);
    arena_testing_backing_fini(h);
}

/* ---- the driver ------------------------------------------------------------ */

static void check_result(arena_t *a, void *r, op_fn op)
{
    const char *why = "";
    if (arena_check(a, &why) != 0)
        fail_msg("arena_check: %s", why);
    if (r == ARENA_PTR_OK)
        return;
    assert_true(arena_owns(a, r) || op == op_realloc_new);
    if (op == op_realloc_last)
        for (size_t i = 0; i < g_last_size; i++)
            assert_int_equal(((unsigned char *)r)[i], 0x5A);
    if (op == op_calloc)
        for (size_t i = 0; i < 300; i++)
            assert_int_equal(((unsigned char *)r)[i], 0);
}

static void run_injection(op_fn op, int shape, int exact)
{
    /* The control run: no faults. */
    arena_testing_backing_t hc = {0};
    arena_t *c = setup(&hc, shape);
    size_t before_req = hc.requests;
    void *rc = op(c);
    assert_non_null(rc);
    check_result(c, rc, op);
    size_t needed = hc.requests - before_req;
    fp_t want;
    fingerprint(c, rc, &want);
    finish(c, &hc);

    for (int persistent = 0; persistent <= 1; persistent++) {
        for (size_t n = 1;; n++) {
            arena_testing_backing_t h = {0};
            arena_t *a = setup(&h, shape);
            fp_t before;
            fingerprint(a, NULL, &before);
            uintptr_t pos = (uintptr_t)arena_alloc_aligned(a, 0, 1);
            arm(&h, n, persistent);
            errno = 0;
            void *r = op(a);
            int err = errno;
            size_t injected = h.injected;
            arena_testing_no_faults(&h);
            if (r == NULL) {
                assert_true(injected > 0); /* only an injected fault may fail it */
                assert_int_equal(err, ENOMEM);
                assert_same_state(a, &before, pos);
                g_faults += injected;
                /* Retried without faults, it behaves as in the control run. */
                r = op(a);
                assert_non_null(r);
                check_result(a, r, op);
                fp_t got;
                fingerprint(a, r, &got);
                assert_fp_equal(&want, &got, exact);
            } else if (injected > 0) {
                g_faults += injected;
                g_fallbacks++;
                check_result(a, r, op);
            } else {
                check_result(a, r, op);
                fp_t got;
                fingerprint(a, r, &got);
                assert_fp_equal(&want, &got, exact);
                finish(a, &h);
                assert_true(n > needed || needed == 0);
                break;
            }
            finish(a, &h);
            assert_true(n <= needed + 1);
        }
    }
}

static void run_all_shapes(op_fn op, int exact)
{
    for (int shape = 0; shape < S_NSHAPES; shape++)
        run_injection(op, shape, exact);
}

static void test_alloc(void **state)
{
    (void)state;
    run_all_shapes(op_alloc, 1);
}
static void test_alloc_aligned(void **state)
{
    (void)state;
    run_all_shapes(op_alloc_aligned, 1);
    /* 1024-byte alignment of an absolute address: the padding depends on
     * where malloc put the block, so offsets are not compared. */
    run_all_shapes(op_alloc_aligned_big, 0);
}
static void test_alloc_thread_safe(void **state)
{
    (void)state;
    run_all_shapes(op_thread_safe_small, 1);
    run_all_shapes(op_thread_safe_big, 0);
}
static void test_oom_calloc(void **state)
{
    (void)state;
    run_all_shapes(op_calloc, 1);
}
static void test_oom_realloc(void **state)
{
    (void)state;
    run_all_shapes(op_realloc_last, 1);
    run_all_shapes(op_realloc_new, 1);
}
static void test_strings(void **state)
{
    (void)state;
    run_all_shapes(op_strdup, 1);
    run_all_shapes(op_strndup, 1);
    run_all_shapes(op_sprintf, 1);
}
static void test_extend(void **state)
{
    (void)state;
    run_all_shapes(op_extend, 1);
}

/* arena_create_with: one request for a heap arena, none with a buffer. */
static void test_create_with(void **state)
{
    (void)state;
    for (int shape = 0; shape < S_NTOP; shape++) {
        for (int persistent = 0; persistent <= 1; persistent++) {
            for (size_t n = 1;; n++) {
                arena_testing_backing_t h = {0};
                arena_options_t o = options_for(&h, shape);
                arm(&h, n, persistent);
                errno = 0;
                arena_t *a = arena_create_with(&o);
                int err = errno;
                if (a == NULL) {
                    assert_true(h.injected > 0);
                    assert_int_equal(err, ENOMEM);
                    assert_int_equal(h.outstanding, 0);
                    g_faults += h.injected;
                    arena_testing_backing_fini(&h);
                    continue;
                }
                int clean = h.injected == 0;
                arena_testing_no_faults(&h);
                const char *why = "";
                if (arena_check(a, &why) != 0)
                    fail_msg("arena_check: %s", why);
                assert_non_null(arena_alloc(a, 16));
                finish(a, &h);
                if (clean)
                    break;
            }
        }
    }
}

/* The default backing, the cache and arena_create: no hook, but a failure
 * of a later request must still leave nothing behind.  Here: a request the
 * cap refuses, on every call at once. */
static void test_capped_refusals(void **state)
{
    (void)state;
    arena_testing_backing_t h = {0};
    arena_options_t o = options_for(&h, S_CAPPED);
    arena_t *a = arena_create_with(&o);
    assert_non_null(a);
    arena_stats_t s0 = arena_stats(a);
    size_t big = o.max_size; /* can never fit under the cap with its header */
    errno = 0;
    assert_null(arena_alloc(a, big));
    assert_int_equal(errno, ENOMEM);
    errno = 0;
    assert_null(arena_alloc_thread_safe(a, big, 16));
    assert_int_equal(errno, ENOMEM);
    errno = 0;
    assert_int_equal(arena_extend(a, big), -1);
    assert_int_equal(errno, ENOMEM);
    arena_stats_t s1 = arena_stats(a);
    assert_memory_equal(&s0, &s1, sizeof s0);
    assert_true(h.peak <= o.max_size);
    finish(a, &h);
}

/* ---- lifetimes ---------------------------------------------------------------- */

/* arena_defer's record and arena_create_child (the child through the
 * backing, its record in the parent), on every shape. */
static void test_lifetimes(void **state)
{
    (void)state;
    run_all_shapes(op_defer, 1);
    run_all_shapes(op_child, 1);
}

/* A fixed arena in a caller's buffer gives a child its record and its
 * space in one allocation: with `fill` bytes used, the child exists
 * exactly when both fit at the default alignment; otherwise ENOMEM, the
 * parent as it was, its backing never asked.  Then the space comes from a
 * block arena_extend added (its request refused once first). */
static void test_child_in_buffer(void **state)
{
    (void)state;
    /* Memcheck may mark bytes past the buffer inaccessible
     * (regression.memcheck_trim_stays_in_block): the pad takes them, not
     * this program's other data. */
    static struct {
        _Alignas(64) unsigned char buf[ARENA_BUFFER_OVERHEAD + 4096];
        unsigned char pad[8192];
    } g_space;
    unsigned char *buf = g_space.buf;
    const size_t buf_size = sizeof g_space.buf;
    arena_options_t ko = {.block_size = 512, .name = "in-buffer"};
    /* What a child takes from the parent: learned from an empty parent. */
    size_t need;
    {
        arena_testing_backing_t h = {0};
        arena_options_t o = {.buffer = buf,
                             .buffer_size = buf_size,
                             .flags = ARENA_FIXED,
                             .backing = arena_testing_backing(&h)};
        arena_t *p = arena_create_with(&o);
        assert_non_null(p);
        assert_non_null(arena_create_child(p, &ko));
        need = arena_stats(p).used;
        assert_true(need > 512 && need % ARENA_DEFAULT_ALIGNMENT == 0);
        arena_destroy(p);
        assert_int_equal(h.requests, 0);
        arena_testing_backing_fini(&h);
    }
    size_t made = 0, refused = 0;
    for (size_t skew = 0; skew < 2 * ARENA_DEFAULT_ALIGNMENT; skew++) {
        arena_testing_backing_t h = {0};
        arena_options_t o = {.buffer = buf,
                             .buffer_size = buf_size,
                             .flags = ARENA_FIXED,
                             .backing = arena_testing_backing(&h)};
        arena_t *p = arena_create_with(&o);
        assert_non_null(p);
        size_t avail = arena_stats(p).available;
        /* Leave `room` bytes (plus a misaligned position for skew > 0). */
        size_t room = need - ARENA_DEFAULT_ALIGNMENT + skew;
        assert_non_null(arena_alloc_aligned(p, avail - room, 1));
        fp_t before;
        fingerprint(p, NULL, &before);
        uintptr_t pos = (uintptr_t)arena_alloc_aligned(p, 0, 1);
        size_t pad = (size_t)(-pos & (ARENA_DEFAULT_ALIGNMENT - 1));
        int fits = pad <= room && need <= room - pad;
        errno = 0;
        arena_t *k = arena_create_child(p, &ko);
        if (fits) {
            assert_non_null(k);
            assert_int_equal(arena_stats(p).used, before.s.used + pad + need);
            made++;
        } else {
            assert_null(k);
            assert_int_equal(errno, ENOMEM);
            assert_same_state(p, &before, pos);
            refused++;
            /* More room: a block from the backing, refused once first. */
            arena_testing_fail_nth(&h, 1);
            assert_int_equal(arena_extend(p, 2 * need), -1);
            assert_int_equal(errno, ENOMEM);
            assert_same_state(p, &before, pos);
            g_faults++;
            assert_int_equal(arena_extend(p, 2 * need), 0);
            k = arena_create_child(p, &ko);
            assert_non_null(k);
            assert_int_equal(arena_stats(p).blocks, before.nb + 1);
        }
        assert_non_null(arena_alloc(k, 500)); /* its first block: in the parent's space */
        assert_true(arena_owns(p, k));
        arena_destroy(p);
        assert_int_equal(h.outstanding, 0);
        assert_false(h.bad_release);
        arena_testing_backing_fini(&h);
    }
    assert_true(made > 0 && refused > 0);
}

/* ---- on_limit ------------------------------------------------------------------- */

enum { OL_REFUSE, OL_RETRY, OL_GIVE_BACK };
static int g_ol_mode;
static size_t g_ol_calls, g_ol_wanted;
static arena_t *g_ol_arena;

static int on_limit_cb(arena_t *a, size_t wanted, void *user)
{
    (void)user;
    assert_ptr_equal(a, g_ol_arena);
    g_ol_calls++;
    g_ol_wanted = wanted;
    if (g_ol_mode == OL_GIVE_BACK)
        return arena_pop(a, g_last, g_last_size); /* the room it leaves may do */
    return g_ol_mode == OL_RETRY;
}

typedef struct {
    const char *name;
    op_fn op;
    size_t wanted; /* what on_limit is told; 0: not checked */
    int exact;
} ol_case_t;

static const ol_case_t k_ol_cases[] = {
    {"arena_alloc", op_alloc, 300, 1},
    {"arena_alloc_aligned", op_alloc_aligned, 200, 1},
    {"arena_alloc_thread_safe (chunk)", op_thread_safe_small, 100, 1},
    {"arena_alloc_thread_safe (direct)", op_thread_safe_big, 3000, 0},
    {"arena_calloc", op_calloc, 300, 1},
    {"arena_realloc (NULL)", op_realloc_new, 400, 1},
    {"arena_strndup", op_strndup, 61, 1},
    {"arena_extend", op_extend, 1000, 1},
    {"arena_defer", op_defer, 0, 1},
};

/* One call on one shape, the backing refusing its first request (once, or
 * from then on), under each kind of callback. */
static void on_limit_case(const ol_case_t *c, int shape)
{
    g_on_limit = on_limit_cb;
    arena_testing_backing_t hc = {0};
    arena_t *ca = setup(&hc, shape);
    g_ol_calls = 0;
    g_ol_arena = ca;
    void *cr = c->op(ca);
    assert_non_null(cr);
    assert_int_equal(g_ol_calls, 0);
    fp_t want;
    fingerprint(ca, cr, &want);
    finish(ca, &hc);

    for (int mode = OL_REFUSE; mode <= OL_GIVE_BACK; mode++) {
        for (int persistent = 0; persistent <= 1; persistent++) {
            arena_testing_backing_t h = {0};
            arena_t *a = setup(&h, shape);
            fp_t before;
            fingerprint(a, NULL, &before);
            uintptr_t pos = (uintptr_t)arena_alloc_aligned(a, 0, 1);
            g_ol_mode = mode;
            g_ol_calls = g_ol_wanted = 0;
            g_ol_arena = a;
            arm(&h, 1, persistent);
            errno = 0;
            void *r = c->op(a);
            int err = errno;
            size_t injected = h.injected;
            arena_testing_no_faults(&h);
            if (injected == 0)
                fail_msg("%s, shape %d, mode %d: the backing was never asked", c->name, shape,
                         mode);
            g_faults += injected;
            /* A call that managed without the callback (a fallback that asks
             * for less) never called it; one that failed called it once. */
            assert_true(g_ol_calls <= 1);
            if (g_ol_calls == 1 && c->wanted != 0)
                assert_int_equal(g_ol_wanted, c->wanted);
            if (r == NULL) {
                assert_int_equal(g_ol_calls, 1);
                assert_int_equal(err, ENOMEM);
                if (mode == OL_GIVE_BACK) {
                    /* It gave the last allocation back, and that was not room enough. */
                    assert_int_equal(arena_stats(a).used, before.s.used - g_last_size);
                } else {
                    assert_same_state(a, &before, pos);
                    assert_true(mode == OL_REFUSE || persistent);
                }
            } else {
                check_result(a, r, c->op);
                if (g_ol_calls == 0) {
                    g_fallbacks++;
                } else if (mode == OL_RETRY) {
                    /* The retry lands where a run without the fault does. */
                    assert_false(persistent);
                    fp_t got;
                    fingerprint(a, r, &got);
                    assert_fp_equal(&want, &got, c->exact);
                } else if (c->wanted <= g_last_size + 32 && c->op != op_extend) {
                    /* The room given back served it, with no new block. */
                    assert_int_equal(mode, OL_GIVE_BACK);
                    assert_int_equal(arena_stats(a).blocks, before.s.blocks);
                    if (r != ARENA_PTR_OK)
                        assert_ptr_equal(r, g_last);
                } else {
                    /* Not room enough: the retry took a block, the fault passed. */
                    assert_int_equal(mode, OL_GIVE_BACK);
                    assert_false(persistent);
                    assert_int_equal(arena_stats(a).blocks, before.s.blocks + 1);
                }
            }
            finish(a, &h);
        }
    }
    g_on_limit = NULL;
}

static void test_on_limit(void **state)
{
    (void)state;
    static const int shapes[] = {S_GROW, S_CAPPED, S_BUFFER, S_CHILD, S_CAPPED_TREE};
    for (size_t i = 0; i < sizeof k_ol_cases / sizeof k_ol_cases[0]; i++)
        for (size_t j = 0; j < sizeof shapes / sizeof shapes[0]; j++)
            on_limit_case(&k_ol_cases[i], shapes[j]);
}

/* A child's allocation refused by its parent's cap (no backing fault): the
 * child's on_limit is asked, and a retry that finds no more room fails
 * cleanly. */
static void test_on_limit_ancestor_cap(void **state)
{
    (void)state;
    arena_testing_backing_t h = {0};
    arena_options_t po = {
        .block_size = 1024, .max_size = 8192, .backing = arena_testing_backing(&h)};
    arena_t *p = arena_create_with(&po);
    assert_non_null(p);
    arena_options_t ko = {.block_size = 256, .on_limit = on_limit_cb};
    arena_t *k = arena_create_child(p, &ko);
    assert_non_null(k);
    g_ol_arena = k;
    g_ol_mode = OL_RETRY;
    g_ol_calls = 0;
    fp_t before;
    fingerprint(k, NULL, &before);
    uintptr_t pos = (uintptr_t)arena_alloc_aligned(k, 0, 1);
    size_t req = h.requests;
    errno = 0;
    assert_null(arena_alloc(k, 8192)); /* never fits under the parent's cap */
    assert_int_equal(errno, ENOMEM);
    assert_int_equal(g_ol_calls, 1);
    assert_int_equal(g_ol_wanted, 8192);
    assert_int_equal(h.requests, req);
    assert_same_state(k, &before, pos);
    arena_destroy(p);
    assert_int_equal(h.outstanding, 0);
    arena_testing_backing_fini(&h);
}

/* ---- scratch arenas: a malloc shim ------------------------------------------------ */

#if HD_MALLOC_SHIM
/* glibc's malloc and free under their own names: the shim passes every
 * call through, refuses the one the test thread armed, and remembers what
 * the thread got while armed until it is freed, so a failed call that
 * keeps memory shows. */
void *__libc_malloc(size_t size);
void __libc_free(void *p);
void *malloc(size_t size);
void free(void *p);

static _Thread_local size_t t_fail_at, t_calls;
static _Thread_local int t_armed;
static _Thread_local void *t_held[16];
static _Thread_local size_t t_nheld;

void *malloc(size_t size)
{
    if (t_armed && ++t_calls == t_fail_at) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = __libc_malloc(size);
    if (t_armed && p != NULL && t_nheld < 16)
        t_held[t_nheld++] = p;
    return p;
}

void free(void *p)
{
    for (size_t i = 0; i < t_nheld; i++)
        if (t_held[i] == p) {
            t_held[i] = t_held[--t_nheld];
            break;
        }
    __libc_free(p);
}

typedef struct {
    size_t fail_at;
    size_t calls; /* mallocs the first begin made (counted when nothing failed) */
    size_t held;  /* of what it got, still held after it returned */
    int failed;   /* the first begin returned {NULL} */
    int err;
    int nested_err; /* a nested begin refused at its own creation */
    int ok;         /* everything after the failure worked */
} scratch_try_t;

/* One fresh thread (no scratch arena yet): begin with the fail_at-th
 * malloc refused; after a failure, begin again works, a nested begin works
 * and ends; at exit the thread's arenas are destroyed. */
static void *scratch_thread(void *arg)
{
    scratch_try_t *t = arg;
    t_calls = t_nheld = 0;
    t_fail_at = t->fail_at;
    t_armed = 1;
    errno = 0;
    arena_scratch_t s = arena_scratch_begin(NULL, 0);
    t->err = errno;
    t_armed = 0;
    t->calls = t_calls;
    t->held = t_nheld;
    t->failed = s.arena == NULL;
    if (t->failed) {
        s = arena_scratch_begin(NULL, 0);
        if (s.arena == NULL)
            return NULL;
    }
    char *p = arena_alloc(s.arena, 100);
    if (p == NULL)
        return NULL;
    memset(p, 7, 100);
    /* The second scratch arena, refused at its creation once. */
    t_calls = 0;
    t_fail_at = 1;
    t_armed = 1;
    errno = 0;
    arena_scratch_t n = arena_scratch_begin(&s.arena, 1);
    t_armed = 0;
    t->nested_err = n.arena == NULL ? errno : 0;
    n = arena_scratch_begin(&s.arena, 1);
    if (n.arena == NULL || n.arena == s.arena || arena_alloc(n.arena, 50) == NULL)
        return NULL;
    arena_scratch_end(n);
    for (int i = 0; i < 100; i++)
        if (p[i] != 7)
            return NULL;
    arena_scratch_end(s);
    t->ok = arena_stats(s.arena).used == 0;
    return NULL;
}
#endif

static void test_scratch_oom(void **state)
{
    (void)state;
#if HD_MALLOC_SHIM
    if (getenv("ARENA_UNDER_VALGRIND") != NULL)
        skip(); /* memcheck replaces malloc, the shim's too */
    /* The cache would serve a block without malloc. */
    size_t old = arena_cache_set_limit(0);
    size_t old_lazy = arena_cache_set_lazy_limit(0);
    size_t needed = 0;
    for (size_t n = 0;; n++) {
        scratch_try_t t = {.fail_at = n};
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, scratch_thread, &t), 0);
        assert_int_equal(pthread_join(th, NULL), 0);
        assert_true(t.ok);
        if (n == 0) {
            needed = g_scratch_mallocs = t.calls; /* a clean creation's mallocs */
            assert_false(t.failed);
            assert_true(needed >= 1);
            assert_true(t.held >= 1); /* the arena */
        } else if (n <= needed) {
            assert_true(t.failed);
            assert_int_equal(t.err, ENOMEM);
            assert_int_equal(t.held, 0); /* nothing kept */
            g_faults++;
        } else {
            assert_false(t.failed);
            break;
        }
        assert_int_equal(t.nested_err, ENOMEM);
        g_faults++;
    }
    arena_cache_set_limit(old);
    arena_cache_set_lazy_limit(old_lazy);
#else
    skip(); /* the sanitizers own malloc: no shim */
#endif
}

static int report(void **state)
{
    (void)state;
    printf("oom: %zu faults injected, %zu calls succeeded through a fallback; a scratch arena's "
           "creation: %zu malloc call(s), each refused once\n",
           g_faults, g_fallbacks, g_scratch_mallocs);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_with),
        cmocka_unit_test(test_alloc),
        cmocka_unit_test(test_alloc_aligned),
        cmocka_unit_test(test_alloc_thread_safe),
        cmocka_unit_test(test_oom_calloc),
        cmocka_unit_test(test_oom_realloc),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_extend),
        cmocka_unit_test(test_capped_refusals),
        cmocka_unit_test(test_lifetimes),
        cmocka_unit_test(test_child_in_buffer),
        cmocka_unit_test(test_on_limit),
        cmocka_unit_test(test_on_limit_ancestor_cap),
        cmocka_unit_test(test_scratch_oom),
    };
    return cmocka_run_group_tests(tests, NULL, report);
}
