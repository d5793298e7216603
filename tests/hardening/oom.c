/*
 * oom.c -- out-of-memory injection, SQLite style.
 *
 * For every public call that can ask the backing allocator for memory, and
 * for several arena shapes that make it ask (growable, with spares that do
 * not fit, capped, buffer-backed), fail the Nth backing request for
 * N = 1, 2, ... until the call succeeds without a fault being injected:
 * once transiently (only the Nth request fails) and once persistently (the
 * Nth and every later one fail).  After each injected failure:
 *   - the call returned NULL/ENOMEM (or -1/ENOMEM);
 *   - the arena is exactly as before: stats, block list, position, and
 *     arena_check() == 0;
 *   - retried without faults, the call succeeds and leaves the arena in the
 *     same shape as a control run that never saw a fault (block sizes,
 *     states, used bytes; the result at the same block and offset);
 *   - after arena_destroy the backing holds no bytes, every release matched
 *     an alloc (LeakSanitizer checks the rest in the ASan build).
 * A call may also succeed although a fault was injected, when it has a
 * fallback that asks for less; it must then leave a consistent arena (the
 * report at the end counts these).
 */
#include <arena.h>

#include <arena_testing.h>

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

enum { S_GROW, S_SPARE, S_CAPPED, S_BUFFER, S_NSHAPES };

static const char *const shape_names[] = {"growable", "spare", "capped", "buffer"};

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
 * of 64 bytes): every operation below needs a new block. */
static arena_t *setup(arena_testing_backing_t *h, int shape)
{
    arena_options_t o = options_for(h, shape);
    arena_t *a = arena_create_with(&o);
    assert_non_null(a);
    arena_stats_t s = arena_stats(a);
    assert_true(s.available > 64);
    g_last_size = s.available - 32;
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

/* ---- fingerprints ------------------------------------------------------------ */

typedef struct {
    arena_stats_t s;
    size_t nb;
    size_t size[64], used[64];
    int state[64];
    size_t res_block; /* block of the result, or SIZE_MAX */
    size_t res_off;
} fp_t;

static void fingerprint(arena_t *a, void *res, fp_t *f)
{
    arena_block_info_t b[64];
    memset(f, 0, sizeof *f);
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
    for (size_t i = 0; i < now.nb; i++)
        assert_int_equal(before->used[i], now.used[i]);
    const char *why = "";
    if (arena_check(a, &why) != 0)
        fail_msg("arena_check after an injected failure: %s", why);
    /* The position did not move: a zero-byte probe lands where it did. */
    assert_int_equal((uintptr_t)arena_alloc_aligned(a, 0, 1), pos_before);
}

static void finish(arena_t *a, arena_testing_backing_t *h)
{
    arena_destroy(a);
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
    for (int shape = 0; shape < S_NSHAPES; shape++) {
        /* a capped arena has no room for the 1000-byte extension plus blocks */
        (void)shape_names;
        run_injection(op, shape, exact);
    }
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
    for (int shape = 0; shape < S_NSHAPES; shape++) {
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

static int report(void **state)
{
    (void)state;
    printf("oom: %zu faults injected, %zu calls succeeded through a fallback\n", g_faults,
           g_fallbacks);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_with),     cmocka_unit_test(test_alloc),
        cmocka_unit_test(test_alloc_aligned),   cmocka_unit_test(test_alloc_thread_safe),
        cmocka_unit_test(test_oom_calloc),      cmocka_unit_test(test_oom_realloc),
        cmocka_unit_test(test_strings),         cmocka_unit_test(test_extend),
        cmocka_unit_test(test_capped_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, report);
}
