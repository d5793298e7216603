/*
 * bounds.c -- requests from the edge of the address space, glibc style.
 *
 *   - sizes SIZE_MAX - i for i < 2^14 and PTRDIFF_MAX + i (and just below
 *     PTRDIFF_MAX) through every allocating call: refused with ENOMEM;
 *   - every alignment 2^0 .. 2^63 with sizes that straddle the end of the
 *     current block (remaining - 1, remaining, remaining + 1, and a size
 *     that only fits with no padding), on growable, capped and fixed
 *     arenas: refused cleanly or served aligned, inside, writable, disjoint;
 *   - counts whose product overflows in arena_calloc and ARENA_NEW_ARRAY;
 *   - invalid alignments: EINVAL.
 * "Refused cleanly" is always: NULL (or -1), the right errno, and the arena
 * unchanged (stats, block list, position; arena_check() == 0).  Arenas use
 * the test backing (arena_testing.h) with a limit far below the sizes asked for, so a request
 * that wrapped around would show up as a too-small block or a bad pointer,
 * never as a machine out of memory.
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
#include <wchar.h>

#include <cmocka.h>

#define CAP ((size_t)8 * 1024 * 1024)

typedef struct {
    arena_stats_t s;
    size_t nb;
    arena_block_info_t b[64];
    void *pos;
} snap_t;

static void snap(arena_t *a, snap_t *s)
{
    memset(s, 0, sizeof *s);
    s->s = arena_stats(a);
    s->nb = arena_blocks(a, s->b, 64);
    assert_true(s->nb <= 64);
    s->pos = arena_alloc_aligned(a, 0, 1);
}

static void assert_unchanged(arena_t *a, const snap_t *before)
{
    snap_t now;
    snap(a, &now);
    assert_memory_equal(&before->s, &now.s, sizeof now.s);
    assert_int_equal(before->nb, now.nb);
    assert_memory_equal(before->b, now.b, now.nb * sizeof now.b[0]);
    assert_ptr_equal(before->pos, now.pos);
    const char *why = "";
    if (arena_check(a, &why) != 0)
        fail_msg("arena_check: %s", why);
}

#define REFUSED(a, expr, err)                                                                      \
    do {                                                                                           \
        snap_t b_;                                                                                 \
        snap((a), &b_);                                                                            \
        errno = 0;                                                                                 \
        void *r_ = (void *)(expr);                                                                 \
        int e_ = errno;                                                                            \
        if (r_ != NULL)                                                                            \
            fail_msg("%s: served, want errno %d", #expr, (err));                                   \
        if (e_ != (err))                                                                           \
            fail_msg("%s: errno %d, want %d", #expr, e_, (err));                                   \
        assert_unchanged((a), &b_);                                                                \
    } while (0)

#define REFUSED_INT(a, expr, err)                                                                  \
    do {                                                                                           \
        snap_t b_;                                                                                 \
        snap((a), &b_);                                                                            \
        errno = 0;                                                                                 \
        int r_ = (expr);                                                                           \
        int e_ = errno;                                                                            \
        assert_int_equal(r_, -1);                                                                  \
        assert_int_equal(e_, (err));                                                               \
        assert_unchanged((a), &b_);                                                                \
    } while (0)

typedef struct {
    arena_testing_backing_t h;
    arena_t *a;
} harness_t;

static void open_arena(harness_t *t, size_t block, size_t max, unsigned flags)
{
    /* The backing refuses anything bigger than CAP, like a real allocator would. */
    *t = (harness_t){.h = {.limit = CAP}};
    arena_options_t o = {.block_size = block,
                         .max_size = max,
                         .flags = flags,
                         .backing = arena_testing_backing(&t->h)};
    t->a = arena_create_with(&o);
    assert_non_null(t->a);
}

static void close_arena(harness_t *t)
{
    arena_destroy(t->a);
    assert_int_equal(t->h.outstanding, 0);
    assert_false(t->h.bad_release);
    assert_true(t->h.peak <= CAP);
    arena_testing_backing_fini(&t->h);
}

static void test_huge_sizes(void **state)
{
    (void)state;
    harness_t t;
    open_arena(&t, 4096, 0, 0);
    arena_t *a = t.a;
    char *keep = arena_alloc(a, 10);
    assert_non_null(keep);
    char *last = arena_alloc(a, 24);
    size_t requests = t.h.requests;
    for (size_t i = 0; i < ((size_t)1 << 14); i++) {
        size_t n = SIZE_MAX - i;
        REFUSED(a, arena_alloc(a, n), ENOMEM);
        REFUSED(a, arena_alloc_aligned(a, n, 1), ENOMEM);
        REFUSED(a, arena_alloc_aligned(a, n, (size_t)1 << (i % 64)), ENOMEM);
        REFUSED(a, arena_alloc_thread_safe(a, n, 8), ENOMEM);
        REFUSED(a, arena_calloc(a, 1, n), ENOMEM);
        REFUSED(a, arena_calloc(a, n, 1), ENOMEM);
        REFUSED(a, arena_realloc(a, NULL, 0, n), ENOMEM);
        REFUSED(a, arena_realloc(a, last, 24, n), ENOMEM);
        REFUSED(a, arena_realloc(a, keep, 10, n), ENOMEM);
        REFUSED_INT(a, arena_extend(a, n), ENOMEM);
    }
    assert_int_equal(t.h.requests, requests); /* none of it reached the backing */
    for (size_t i = 0; i < 4096; i++) {
        size_t over = (size_t)PTRDIFF_MAX + i;
        size_t under = (size_t)PTRDIFF_MAX - i;
        REFUSED(a, arena_alloc(a, over), ENOMEM);
        REFUSED(a, arena_alloc_aligned(a, over, 4096), ENOMEM);
        REFUSED(a, arena_alloc_thread_safe(a, over, 64), ENOMEM);
        REFUSED(a, ARENA_NEW_ARRAY(a, char, over), ENOMEM);
        REFUSED_INT(a, arena_extend(a, over), ENOMEM);
        /* Just below PTRDIFF_MAX: valid arithmetic, refused by the backing
         * or the size checks, never wrapped into a small block. */
        REFUSED(a, arena_alloc(a, under), ENOMEM);
        REFUSED(a, arena_alloc_aligned(a, under, (size_t)1 << (i % 64)), ENOMEM);
        REFUSED(a, arena_alloc_thread_safe(a, under, 16), ENOMEM);
        REFUSED_INT(a, arena_extend(a, under), ENOMEM);
    }
    /* The arena still works and the first allocations are intact. */
    char *p = arena_alloc(a, 100);
    assert_non_null(p);
    memset(p, 1, 100);
    assert_true(arena_owns(a, keep) && arena_owns(a, p));
    close_arena(&t);
}

/* Checks an allocation that was served. */
static void served_ok(arena_t *a, char *p, size_t size, size_t align, const snap_t *before)
{
    assert_int_equal((uintptr_t)p % align, 0);
    if (size == 0)
        return;
    assert_true(arena_owns(a, p));
    assert_true(arena_owns(a, p + size - 1));
    /* inside one block in use */
    arena_block_info_t b[64];
    size_t nb = arena_blocks(a, b, 64);
    int inside = 0;
    for (size_t i = 0; i < nb && i < 64; i++) {
        uintptr_t st = (uintptr_t)b[i].start;
        if (b[i].state != ARENA_BLOCK_SPARE && (uintptr_t)p >= st
            && (uintptr_t)p + size <= st + b[i].used)
            inside = 1;
    }
    assert_true(inside);
    /* at or after the old position when in the same block: no wrap-around */
    if ((uintptr_t)p >= (uintptr_t)before->b[0].start
        && (uintptr_t)p < (uintptr_t)before->b[0].start + before->b[0].size)
        assert_true((uintptr_t)p >= (uintptr_t)before->pos);
    memset(p, 0x77, size);
    arena_stats_t s = arena_stats(a);
    assert_true(s.used >= before->s.used + size);
    const char *why = "";
    if (arena_check(a, &why) != 0)
        fail_msg("arena_check: %s", why);
}

/* Every alignment, sizes around the end of the current block. */
static void straddle(size_t max, unsigned flags, int thread_safe)
{
    for (unsigned k = 0; k < 64; k++) {
        size_t align = (size_t)1 << k;
        for (int d = -2; d <= 2; d++) {
            harness_t t;
            open_arena(&t, 1024, max, flags);
            arena_t *a = t.a;
            char *guard = arena_alloc_aligned(a, 40, 1); /* a misaligned position */
            memset(guard, 0x5A, 40);
            snap_t before;
            snap(a, &before);
            size_t rem = before.s.available;
            size_t size = d < 0 && (size_t)-d > rem ? 0 : rem + (size_t)(ptrdiff_t)d;
            errno = 0;
            char *p = thread_safe ? arena_alloc_thread_safe(a, size, align)
                                  : arena_alloc_aligned(a, size, align);
            int err = errno;
            if (p == NULL) {
                assert_int_equal(err, ENOMEM);
                assert_unchanged(a, &before);
                /* a growable arena without a cap must serve any alignment up
                 * to what the backing's limit allows */
                if (max == 0 && !(flags & ARENA_FIXED))
                    assert_true(align + size + 4096 > CAP / 2);
                if (flags & ARENA_FIXED) {
                    uintptr_t pos = (uintptr_t)before.pos;
                    size_t pad = (size_t)(-pos & (align - 1));
                    assert_true(pad > rem || size > rem - pad);
                }
            } else {
                served_ok(a, p, size, align, &before);
                if (flags & ARENA_FIXED)
                    assert_int_equal(arena_stats(a).blocks, 1);
            }
            for (size_t i = 0; i < 40; i++)
                assert_int_equal((unsigned char)guard[i], 0x5A);
            /* an exact fit never opens a block */
            if (k == 0 && d == 0)
                assert_true(p != NULL && arena_stats(a).blocks == 1);
            close_arena(&t);
        }
    }
}

static void test_alignments_growable(void **state)
{
    (void)state;
    straddle(0, 0, 0);
}
static void test_alignments_capped(void **state)
{
    (void)state;
    straddle(64 * 1024, 0, 0);
}
static void test_alignments_fixed(void **state)
{
    (void)state;
    straddle(0, ARENA_FIXED, 0);
}
static void test_alignments_thread_safe(void **state)
{
    (void)state;
    straddle(0, 0, 1);
    straddle(0, ARENA_FIXED, 1);
}

/* Big alignments whose padding alone exceeds the block, small sizes. */
static void test_alignment_padding(void **state)
{
    (void)state;
    harness_t t;
    open_arena(&t, 256, 0, 0);
    for (unsigned k = 0; k < 64; k++) {
        size_t align = (size_t)1 << k;
        arena_reset(t.a);
        arena_trim(t.a);
        for (size_t size = 0; size <= 17; size += 17) {
            snap_t before;
            snap(t.a, &before);
            errno = 0;
            char *p = arena_alloc_aligned(t.a, size, align);
            if (p == NULL) {
                assert_int_equal(errno, ENOMEM);
                assert_unchanged(t.a, &before);
                assert_true(align > CAP / 4);
            } else {
                served_ok(t.a, p, size, align, &before);
            }
        }
    }
    close_arena(&t);
}

static void test_invalid_alignments(void **state)
{
    (void)state;
    harness_t t;
    open_arena(&t, 1024, 0, 0);
    static const size_t bad[] = {0,
                                 3,
                                 5,
                                 6,
                                 7,
                                 12,
                                 24,
                                 100,
                                 1000,
                                 SIZE_MAX,
                                 SIZE_MAX - 1,
                                 (SIZE_MAX / 2 + 1) + 1,                   /* top bit + 1 */
                                 (SIZE_MAX / 4 + 1) + (SIZE_MAX / 8 + 1)}; /* two bits */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        REFUSED(t.a, arena_alloc_aligned(t.a, 8, bad[i]), EINVAL);
        REFUSED(t.a, arena_alloc_aligned(t.a, 0, bad[i]), EINVAL);
        REFUSED(t.a, arena_alloc_aligned(t.a, SIZE_MAX, bad[i]), EINVAL);
        REFUSED(t.a, arena_alloc_thread_safe(t.a, 8, bad[i]), EINVAL);
    }
    close_arena(&t);
}

struct big {
    char c[24];
};

static void test_count_overflow(void **state)
{
    (void)state;
    harness_t t;
    open_arena(&t, 1024, 0, 0);
    arena_t *a = t.a;
    for (size_t size = 1; size < 4096; size = size * 3 + 1) {
        size_t n = SIZE_MAX / size + 1; /* the first count that overflows */
        if (size == 1)
            continue;
        REFUSED(a, arena_calloc(a, n, size), ENOMEM);
        REFUSED(a, arena_calloc(a, size, n), ENOMEM);
        REFUSED(a, arena_calloc(a, SIZE_MAX, size), ENOMEM);
    }
    /* 2^(bits/2) squared overflows; one more times one less is SIZE_MAX. */
    const size_t half = (size_t)1 << (sizeof(size_t) * 4);
    REFUSED(a, arena_calloc(a, half, half), ENOMEM);
    REFUSED(a, arena_calloc(a, half + 1, half - 1), ENOMEM);
    REFUSED(a, arena_calloc(a, SIZE_MAX, SIZE_MAX), ENOMEM);
    /* products that do not overflow but are too big */
    REFUSED(a, arena_calloc(a, SIZE_MAX / 2, 2), ENOMEM);
    REFUSED(a, arena_calloc(a, (size_t)1 << 31, (size_t)1 << 31), ENOMEM);
    REFUSED(a, ARENA_NEW_ARRAY(a, double, SIZE_MAX / sizeof(double) + 1), ENOMEM);
    REFUSED(a, ARENA_NEW_ARRAY(a, double, SIZE_MAX), ENOMEM);
    REFUSED(a, ARENA_NEW_ARRAY(a, struct big, SIZE_MAX / sizeof(struct big) + 1), ENOMEM);
    REFUSED(a, ARENA_NEW_ARRAY(a, struct big, SIZE_MAX / sizeof(struct big)), ENOMEM);
    REFUSED(a, ARENA_NEW_ARRAY(a, uint64_t, (size_t)PTRDIFF_MAX / 8 + 1), ENOMEM);
    /* a NULL arena: EINVAL even when the count overflows */
    errno = 0;
    assert_null(arena_calloc(NULL, SIZE_MAX, 2));
    assert_int_equal(errno, EINVAL);
    /* zero counts and zero sizes are fine */
    void *z = arena_calloc(a, 0, SIZE_MAX);
    assert_non_null(z);
    z = arena_calloc(a, SIZE_MAX, 0);
    assert_non_null(z);
    double *d = ARENA_NEW_ARRAY(a, double, 0);
    assert_non_null(d);
    d = ARENA_NEW_ARRAY(a, double, 100);
    assert_non_null(d);
    assert_int_equal((uintptr_t)d % _Alignof(double), 0);
    for (int i = 0; i < 100; i++)
        d[i] = i;
    close_arena(&t);
}

/* The string helpers and sprintf near the block end: no write past it. */
static void test_strings_at_the_edge(void **state)
{
    (void)state;
    char text[300];
    memset(text, 'q', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    for (size_t left = 0; left < 40; left++) {
        harness_t t;
        open_arena(&t, 256, 0, ARENA_FIXED);
        arena_t *a = t.a;
        size_t rem = arena_stats(a).available;
        char *fill = arena_alloc_aligned(a, rem - left, 1);
        assert_non_null(fill);
        memset(fill, 'F', rem - left);
        for (size_t len = 0; len < 45; len++) {
            snap_t before;
            snap(a, &before);
            errno = 0;
            char *s = arena_strndup(a, text, len);
            if (s == NULL) {
                assert_int_equal(errno, ENOMEM);
                assert_unchanged(a, &before);
                assert_true(len + 1 > before.s.available);
            } else {
                assert_true(len + 1 <= before.s.available);
                assert_int_equal(strlen(s), len);
                arena_restore(a, arena_save(a)); /* a no-op round trip */
            }
            arena_mark_t m = arena_save(a);
            errno = 0;
            char *f = arena_sprintf(a, "%.*s", (int)len, text);
            if (f == NULL) {
                assert_int_equal(errno, ENOMEM);
                assert_true(len + 1 > arena_stats(a).available);
            } else {
                assert_int_equal(strlen(f), len);
            }
            arena_restore(a, m);
            if (s != NULL) {
                /* undo the strndup too: shrink the last allocation to nothing */
                assert_ptr_equal(arena_realloc(a, s, len + 1, 0), s);
            }
        }
        for (size_t i = 0; i < rem - left; i++)
            assert_int_equal(fill[i], 'F');
        close_arena(&t);
    }
}

/* vsnprintf failing (an unencodable wide character: EILSEQ): NULL with
 * vsnprintf's errno, nothing allocated. */
static void test_sprintf_error(void **state)
{
    (void)state;
    harness_t t;
    open_arena(&t, 1024, 0, 0);
    for (int fill = 0; fill < 2; fill++) {
        if (fill) /* the measuring path: no room in the current block */
            assert_non_null(arena_alloc_aligned(t.a, arena_stats(t.a).available, 1));
        snap_t before;
        snap(t.a, &before);
        errno = 0;
        char *s = arena_sprintf(t.a, "%lc", (wint_t)0xD800);
        int err = errno;
        assert_null(s);
        assert_int_not_equal(err, 0);
        assert_unchanged(t.a, &before);
    }
    close_arena(&t);
}

/* The default backing with a block big enough for the huge-page advice,
 * twice (the second may come from the process-wide cache). */
static void test_default_backing_big_block(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        arena_t *a = arena_create((size_t)5 * 1024 * 1024);
        assert_non_null(a);
        char *p = arena_alloc(a, (size_t)5 * 1024 * 1024);
        assert_non_null(p);
        p[0] = 1;
        p[(size_t)5 * 1024 * 1024 - 1] = 2;
        assert_int_equal(arena_stats(a).blocks, 1);
        arena_destroy(a);
    }
    arena_cache_release();
    assert_int_equal(arena_cache_size(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_huge_sizes),
        cmocka_unit_test(test_invalid_alignments),
        cmocka_unit_test(test_alignments_growable),
        cmocka_unit_test(test_alignments_capped),
        cmocka_unit_test(test_alignments_fixed),
        cmocka_unit_test(test_alignments_thread_safe),
        cmocka_unit_test(test_alignment_padding),
        cmocka_unit_test(test_count_overflow),
        cmocka_unit_test(test_strings_at_the_edge),
        cmocka_unit_test(test_sprintf_error),
        cmocka_unit_test(test_default_backing_big_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
