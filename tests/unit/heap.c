/*
 * The heap (arena_heap_*): errors, alignment and usable size over every
 * request size up to 2 KiB and around every power of two, exact reuse of
 * every small size, best fit at every size-class boundary, splitting,
 * merging of neighbours in every order, the newest chunk given back to
 * the arena, a heap sharing its arena, big chunks, calloc and counters.
 * Every test ends with the heap's invariant walk.
 */
#include "heap_util.h"

static arena_heap_t *new_heap(arena_t **a, size_t block)
{
    *a = arena_create(block);
    assert_non_null(*a);
    arena_heap_t *h = arena_heap_create(*a);
    assert_non_null(h);
    return h;
}

/* The pattern of fill() on the first and last 256 bytes of n. */
static void fill_ends(void *p, size_t n, unsigned seed)
{
    size_t k = n < 256 ? n : 256;
    fill(p, k, seed);
    fill((char *)p + n - k, k, seed + 1);
}

static void expect_fill_ends(const void *p, size_t n, unsigned seed)
{
    size_t k = n < 256 ? n : 256;
    if (n > 2 * k)
        expect_fill(p, k, seed);
    expect_fill((const char *)p + n - k, k, seed + 1);
}

static void errors_and_null_arguments(void **state)
{
    (void)state;
    assert_fails(arena_heap_create(NULL), EINVAL);
    arena_t *a;
    arena_heap_t *h = new_heap(&a, 0);
    assert_ptr_equal(arena_heap_arena(h), a);
    assert_null(arena_heap_arena(NULL));
    arena_heap_stats_t zero;
    memset(&zero, 0, sizeof zero);
    arena_heap_stats_t s = arena_heap_stats(h);
    assert_memory_equal(&s, &zero, sizeof s);
    s = arena_heap_stats(NULL);
    assert_memory_equal(&s, &zero, sizeof s);

    assert_fails(arena_heap_alloc(NULL, 1), EINVAL);
    assert_fails(arena_heap_calloc(NULL, 1, 1), EINVAL);
    assert_fails(arena_heap_realloc(NULL, NULL, 1), EINVAL);
    assert_fails(arena_heap_alloc(h, SIZE_MAX), ENOMEM);
    assert_fails(arena_heap_alloc(h, (size_t)PTRDIFF_MAX), ENOMEM);
    assert_fails(arena_heap_calloc(h, SIZE_MAX / 2, 3), ENOMEM);
    arena_heap_free(NULL, NULL);
    arena_heap_free(h, NULL);
    assert_int_equal(arena_heap_size(NULL), 0);

    const char *why = NULL;
    errno = 0;
    assert_int_equal(arena_heap_check(NULL, &why), -1);
    assert_int_equal(errno, EINVAL);
    assert_non_null(why);

    /* errno is left alone on success, and the failures above changed nothing. */
    errno = 12345;
    void *p = arena_heap_alloc(h, 10);
    assert_non_null(p);
    assert_int_equal(errno, 12345);
    assert_fails(arena_heap_realloc(h, p, SIZE_MAX), ENOMEM);
    assert_int_equal(arena_heap_size(p), 16);
    assert_int_equal(arena_heap_stats(h).live_chunks, 1);
    assert_heap_ok(h);
    arena_destroy(a);
}

/* arena_heap_stats over the sized getter behind it: a caller built with
 * more fields than the library knows sees them 0, one built with fewer
 * gets only its own (the bytes after them are left alone). */
static void stats_across_versions(void **state)
{
    (void)state;
    arena_t *a;
    arena_heap_t *h = new_heap(&a, 0);
    void *p = arena_heap_alloc(h, 100);
    arena_heap_stats_t s = arena_heap_stats(h);
    assert_int_equal(s.live, 112);
    unsigned char newer[sizeof s + 64];
    memset(newer, 0xee, sizeof newer);
    arena__heap_stats_sized(h, (arena_heap_stats_t *)(void *)newer, sizeof newer);
    assert_memory_equal(newer, &s, sizeof s);
    for (size_t i = sizeof s; i < sizeof newer; i++)
        assert_int_equal(newer[i], 0);
    unsigned char older[sizeof s];
    memset(older, 0xee, sizeof older);
    size_t known = offsetof(arena_heap_stats_t, free_chunks);
    arena__heap_stats_sized(h, (arena_heap_stats_t *)(void *)older, known);
    assert_memory_equal(older, &s, known);
    for (size_t i = known; i < sizeof older; i++)
        assert_int_equal(older[i], 0xee);
    arena__heap_stats_sized(h, NULL, 0);
    arena_heap_free(h, p);
    arena_destroy(a);
}

/* Every size from 0 to 2100, and 1, 15, 16 and 17 bytes around every power
 * of two up to 1 MiB: aligned like malloc, usable at least n (exactly n
 * rounded up to 16 for memory the heap takes fresh, at most 16 more when a
 * free chunk too small to split serves it), and writable in full (a
 * pattern at both ends, which must survive the other chunks' use). */
static void alignment_and_usable_size_grid(void **state)
{
    (void)state;
    size_t sizes[2400], n = 0;
    for (size_t s = 0; s <= 2100; s++)
        sizes[n++] = s;
    for (size_t p = 4096; p <= ((size_t)1 << 20); p *= 2) {
        size_t around[] = {p - 17, p - 16, p - 15, p - 1, p, p + 1, p + 15, p + 16, p + 17};
        for (size_t i = 0; i < sizeof around / sizeof *around; i++)
            sizes[n++] = around[i];
    }
    for (int round = 0; round < 2; round++) { /* fresh memory, then recycled */
        arena_t *a;
        arena_heap_t *h = new_heap(&a, round == 0 ? 0 : 4096);
        void **ptrs = calloc(n, sizeof *ptrs);
        assert_non_null(ptrs);
        for (size_t i = 0; i < n; i++) {
            ptrs[i] = arena_heap_alloc(h, sizes[i]);
            assert_non_null(ptrs[i]);
            assert_aligned(ptrs[i], ARENA_DEFAULT_ALIGNMENT);
            assert_aligned(ptrs[i], 16);
            size_t u = arena_heap_size(ptrs[i]);
            if (u < usable_for(sizes[i]) || u > usable_for(sizes[i]) + 16)
                fail_msg("request %zu: usable %zu, expected %zu..%zu", sizes[i], u,
                         usable_for(sizes[i]), usable_for(sizes[i]) + 16);
            assert_int_equal(arena_use_size(ptrs[i]), u);
            memset(ptrs[i], 0x5a, u);
            fill_ends(ptrs[i], u, (unsigned)i);
            if (round == 1 && i % 3 == 0) { /* holes for the next requests */
                arena_heap_free(h, ptrs[i]);
                ptrs[i] = NULL;
            }
        }
        for (size_t i = 0; i < n; i++)
            if (ptrs[i] != NULL)
                expect_fill_ends(ptrs[i], arena_heap_size(ptrs[i]), (unsigned)i);
        assert_heap_ok(h);
        for (size_t i = 0; i < n; i++)
            arena_heap_free(h, ptrs[i]);
        arena_heap_stats_t s = arena_heap_stats(h);
        assert_int_equal(s.live, 0);
        assert_int_equal(s.live_chunks, 0);
        assert_heap_ok(h);
        free(ptrs);
        arena_destroy(a);
    }
}

/* Allocates `count` chunks of usable sizes 16, 32, ... each followed by a
 * live guard, so that freeing them merges nothing. */
static void **alloc_guarded(arena_heap_t *h, const size_t *req, size_t count, void **guards)
{
    void **p = calloc(count, sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < count; i++) {
        p[i] = arena_heap_alloc(h, req[i]);
        guards[i] = arena_heap_alloc(h, 1);
        assert_non_null(p[i]);
        assert_non_null(guards[i]);
    }
    return p;
}

/* Each small size has a bin of its own: after freeing one chunk of every
 * usable size from 16 to 1008 (kept apart by live guards), a request of
 * each size, in any order, gets back exactly the chunk of its size. */
static void every_small_size_is_reused_exactly(void **state)
{
    (void)state;
    enum { N = 1008 / 16 };
    size_t req[N];
    for (size_t i = 0; i < N; i++)
        req[i] = 16 * (i + 1);
    arena_t *a;
    arena_heap_t *h = new_heap(&a, 0);
    void *guards[N];
    void **p = alloc_guarded(h, req, N, guards);
    for (size_t i = 0; i < N; i++)
        arena_heap_free(h, p[i]);
    assert_int_equal(arena_heap_stats(h).free_chunks, N);
    assert_heap_ok(h);
    for (size_t k = 0; k < N; k++) {
        size_t i = (k * 37) % N; /* 37 is prime to 63: every size once */
        for (size_t n = req[i] - 15; n <= req[i]; n += 15) {
            void *q = arena_heap_alloc(h, n);
            if (q != p[i])
                fail_msg("request %zu: got %p, expected the freed chunk %p of usable %zu", n, q,
                         p[i], req[i]);
            arena_heap_free(h, q);
        }
    }
    assert_heap_ok(h);
    free(p);
    arena_destroy(a);
}

/* Chunk sizes where a size class starts: four per power of two from 1 KiB
 * (1024 itself still has its own bin; 1040 starts the first class). */
static size_t class_start(size_t k, size_t sub)
{
    size_t start = (4 + sub) << (k - 2);
    return start == 1024 ? 1040 : start;
}

/* At every class boundary up to 4 MiB: a request takes the best fit among
 * the free chunks of its class and never a chunk of the class below; a
 * chunk just big enough (within 16 bytes) is taken whole, a bigger one is
 * split and the rest stays free. */
static void best_fit_at_every_class_boundary(void **state)
{
    (void)state;
    for (size_t k = 10; k <= 21; k++) {
        for (size_t sub = 0; sub < 4; sub++) {
            size_t start = class_start(k, sub); /* chunk bytes */
            arena_t *a;                         /* a block big enough for one region */
            arena_heap_t *h = new_heap(&a, 4 * start + 65536);
            /* Free chunks, kept apart by guards: the top of the class
             * below, and two in this class. */
            size_t req[3] = {start - 16 - HDR, start + 32 - HDR, start + 16 - HDR};
            void *guards[3];
            void **p = alloc_guarded(h, req, 3, guards);
            for (int i = 0; i < 3; i++)
                arena_heap_free(h, p[i]);
            arena_heap_stats_t before = arena_heap_stats(h);

            /* The class's first size: the best fit is start + 16, taken
             * whole (16 bytes cannot be a chunk). */
            void *q = arena_heap_alloc(h, start - HDR);
            if (q != p[2])
                fail_msg("class at %zu: request %zu got %p, expected the best fit %p", start,
                         start - HDR, q, p[2]);
            assert_int_equal(arena_heap_size(q), start + 16 - HDR);
            /* Again: start + 32 is split, its last 32 bytes stay free. */
            void *r = arena_heap_alloc(h, start - HDR);
            assert_ptr_equal(r, p[1]);
            assert_int_equal(arena_heap_size(r), start - HDR);
            arena_heap_stats_t mid = arena_heap_stats(h);
            assert_int_equal(mid.free, before.free - (start + 16) - start);
            /* The top of the class below serves its own size. */
            void *t = arena_heap_alloc(h, start - 16 - HDR);
            assert_ptr_equal(t, p[0]);
            assert_heap_ok(h);
            arena_heap_free(h, q);
            arena_heap_free(h, r);
            arena_heap_free(h, t);
            for (int i = 0; i < 3; i++)
                arena_heap_free(h, guards[i]);
            assert_int_equal(arena_heap_stats(h).live, 0);
            assert_heap_ok(h);
            free(p);
            arena_destroy(a);
        }
    }
}

/* A bin's best fit looks at its first 16 chunks; a fit behind them that
 * ends the newest region is still found before the heap takes memory. */
static void a_fit_past_the_scan_is_found(void **state)
{
    (void)state;
    arena_t *a;
    arena_heap_t *h = new_heap(&a, (size_t)1 << 20);
    enum { SMALLER = 17 };
    void *small[SMALLER];
    assert_non_null(arena_heap_alloc(h, 1)); /* live guards keep them apart */
    for (int i = 0; i < SMALLER; i++) {      /* chunks of 2064..2320 bytes: the class of 2400 */
        small[i] = arena_heap_alloc(h, 2048 + (size_t)i * 16);
        assert_non_null(arena_heap_alloc(h, 1));
    }
    void *last = arena_heap_alloc(h, 2484); /* a 2500-byte chunk at the region's end */
    arena_mark_t m = arena_save(a);         /* so that its free cannot give it back */
    arena_heap_free(h, last);
    for (int i = 0; i < SMALLER; i++)
        arena_heap_free(h, small[i]); /* ahead of it in the bin */
    size_t used = arena_stats(a).used;
    void *p = arena_heap_alloc(h, 2384); /* a 2400-byte chunk */
    assert_ptr_equal(p, last);
    assert_int_equal(arena_stats(a).used, used);
    assert_heap_ok(h);
    arena_restore(a, m);
    assert_heap_ok(h);
    arena_destroy(a);
}

/* A big free chunk serves a small request from its start; the rest stays
 * free, and merges back when the small chunk is freed. */
static void a_big_free_chunk_is_split(void **state)
{
    (void)state;
    arena_t *a;
    arena_heap_t *h = new_heap(&a, (size_t)1 << 20); /* one region */
    void *big = arena_heap_alloc(h, 65536);
    void *guard = arena_heap_alloc(h, 1);
    arena_heap_free(h, big);
    arena_heap_stats_t s0 = arena_heap_stats(h);
    assert_int_equal(s0.free_chunks, 1);
    assert_int_equal(s0.free, 65536 + HDR);
    for (size_t n = 1; n <= 4096; n = n * 3 + 1) {
        void *p = arena_heap_alloc(h, n);
        assert_ptr_equal(p, big);
        arena_heap_stats_t s1 = arena_heap_stats(h);
        assert_int_equal(s1.free, s0.free - (usable_for(n) + HDR));
        assert_int_equal(s1.free_chunks, 1);
        assert_heap_ok(h);
        arena_heap_free(h, p);
        arena_heap_stats_t s2 = arena_heap_stats(h);
        assert_int_equal(s2.free, s0.free);
        assert_int_equal(s2.free_chunks, 1);
    }
    arena_heap_free(h, guard);
    assert_heap_ok(h);
    arena_destroy(a);
}

/* Three neighbours A, B, C between live guards, freed in each of the six
 * orders: a free merges with every free neighbour, so the free chunks are
 * the runs of free neighbours, and at the end one chunk covers all three
 * and serves a request of their combined size at A. */
static void neighbours_merge_in_every_order(void **state)
{
    (void)state;
    static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                     {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    const size_t sizes[3] = {40, 1000, 5000};
    for (int o = 0; o < 6; o++) {
        arena_t *a;
        arena_heap_t *h = new_heap(&a, 0);
        void *g0 = arena_heap_alloc(h, 8);
        void *abc[3];
        size_t total = 0;
        for (int i = 0; i < 3; i++) {
            abc[i] = arena_heap_alloc(h, sizes[i]);
            total += usable_for(sizes[i]) + HDR;
        }
        void *g1 = arena_heap_alloc(h, 8);
        bool freed[3] = {false, false, false};
        for (int step = 0; step < 3; step++) {
            freed[orders[o][step]] = true;
            arena_heap_free(h, abc[orders[o][step]]);
            size_t runs = 0;
            for (int i = 0; i < 3; i++)
                runs += freed[i] && (i == 0 || !freed[i - 1]);
            assert_int_equal(arena_heap_stats(h).free_chunks, runs);
            assert_heap_ok(h);
        }
        assert_int_equal(arena_heap_stats(h).free, total);
        void *all = arena_heap_alloc(h, total - HDR);
        assert_ptr_equal(all, abc[0]);
        assert_int_equal(arena_heap_stats(h).free_chunks, 0);
        arena_heap_free(h, all);
        arena_heap_free(h, g0);
        arena_heap_free(h, g1);
        assert_heap_ok(h);
        arena_destroy(a);
    }
}

/* A free of the chunk at the arena's position gives its memory back: the
 * arena's `used` returns to what it was before the chunk, and the next
 * request lands there again.  A stack of chunks freed in reverse gives all
 * back.  Not across a mark, and not for a chunk that is not the newest.
 * (In one region: a region the heap opens in a new block stays, with its
 * 32 bytes and its cleanup record.) */
static void the_newest_chunk_is_given_back(void **state)
{
    (void)state;
    arena_t *a;
    arena_heap_t *h = new_heap(&a, (size_t)1 << 20);
    void *base = arena_heap_alloc(h, 100);
    void *second = arena_heap_alloc(h, 100); /* the region is exact from here on */
    arena_heap_free(h, second);
    size_t used0 = arena_stats(a).used;
    size_t back0 = arena_heap_stats(h).given_back;
    void *stack[64];
    size_t used[64];
    for (int i = 0; i < 64; i++) {
        used[i] = arena_stats(a).used;
        stack[i] = arena_heap_alloc(h, (size_t)(i * 97 % 3000));
        assert_non_null(stack[i]);
    }
    for (int i = 63; i >= 0; i--) {
        arena_heap_free(h, stack[i]);
        assert_int_equal(arena_stats(a).used, used[i]);
    }
    assert_int_equal(arena_stats(a).used, used0);
    assert_true(arena_heap_stats(h).given_back > back0);
    assert_int_equal(arena_heap_stats(h).free_chunks, 0);
    void *again = arena_heap_alloc(h, 0);
    assert_ptr_equal(again, stack[0]);

    /* Not the newest: the memory stays in the heap. */
    void *newer = arena_heap_alloc(h, 64);
    size_t u = arena_stats(a).used;
    arena_heap_free(h, again);
    assert_int_equal(arena_stats(a).used, u);
    assert_int_equal(arena_heap_stats(h).free_chunks, 1);
    /* The newest, merging with the free chunk before it: both go back. */
    arena_heap_free(h, newer);
    assert_int_equal(arena_stats(a).used, used0);
    assert_int_equal(arena_heap_stats(h).free_chunks, 0);

    /* Never across a mark saved after the chunk. */
    void *p = arena_heap_alloc(h, 64);
    arena_mark_t m = arena_save(a);
    u = arena_stats(a).used;
    arena_heap_free(h, p);
    assert_int_equal(arena_stats(a).used, u);
    assert_int_equal(arena_heap_stats(h).free_chunks, 1);
    arena_restore(a, m);
    assert_heap_ok(h);
    arena_heap_free(h, base);
    assert_heap_ok(h);
    arena_destroy(a);
}

/* Allocations from the arena between the heap's: the heap takes memory in
 * more regions and never touches the other allocations. */
static void a_heap_shares_its_arena(void **state)
{
    (void)state;
    arena_t *a;
    arena_heap_t *h = new_heap(&a, 8192);
    enum { N = 400 };
    unsigned char *mine[N], *theirs[N];
    for (int i = 0; i < N; i++) {
        size_t n = (size_t)(i * 131 % 5000);
        mine[i] = arena_heap_alloc(h, n);
        assert_non_null(mine[i]);
        fill(mine[i], n, (unsigned)i);
        theirs[i] = arena_alloc(a, 24);
        assert_non_null(theirs[i]);
        memset(theirs[i], i & 0xff, 24);
        if (i % 4 == 1) {
            arena_heap_free(h, mine[i - 1]);
            mine[i - 1] = NULL;
        }
    }
    assert_true(arena_heap_stats(h).regions > 1);
    assert_heap_ok(h);
    for (int i = 0; i < N; i++) {
        if (mine[i] != NULL)
            expect_fill(mine[i], (size_t)(i * 131 % 5000), (unsigned)i);
        for (int j = 0; j < 24; j++)
            assert_int_equal(theirs[i][j], i & 0xff);
        arena_heap_free(h, mine[i]);
    }
    arena_heap_stats_t s = arena_heap_stats(h);
    assert_int_equal(s.live, 0);
    assert_int_equal(s.taken, s.free + REGION_OVERHEAD * s.regions);
    assert_heap_ok(h);
    assert_consistent(a);
    arena_destroy(a);
}

/* A request bigger than the arena's blocks gets a block of its own; freed,
 * it serves later big requests (best fit) and small ones (split). */
static void big_chunks(void **state)
{
    (void)state;
    arena_t *a;
    arena_heap_t *h = new_heap(&a, 4096);
    size_t big = (size_t)1 << 20;
    void *p = arena_heap_alloc(h, big);
    assert_non_null(p);
    fill(p, big, 1);
    arena_block_info_t info[16];
    size_t n = arena_blocks(a, info, 16);
    bool own = false;
    for (size_t i = 0; i < n && i < 16; i++)
        own |= info[i].size >= big && info[i].size < big + 8192;
    assert_true(own);
    void *guard = arena_alloc(a, 1); /* keeps the chunk from going back to the arena */
    assert_non_null(guard);
    expect_fill(p, big, 1);
    arena_heap_free(h, p);
    assert_int_equal(arena_heap_stats(h).free, big + HDR);
    void *q = arena_heap_alloc(h, big - 1000);
    assert_ptr_equal(q, p);
    arena_heap_free(h, q);
    void *r = arena_heap_alloc(h, 100);
    assert_ptr_equal(r, p);
    assert_heap_ok(h);
    arena_destroy(a);
}

static void calloc_zeroes(void **state)
{
    (void)state;
    arena_t *a;
    arena_heap_t *h = new_heap(&a, 0);
    for (size_t n = 1; n <= 3000; n = n * 2 + 3) {
        unsigned char *dirty = arena_heap_alloc(h, n);
        void *guard = arena_heap_alloc(h, 1);
        memset(dirty, 0xee, n);
        arena_heap_free(h, dirty);
        unsigned char *z = arena_heap_calloc(h, n, 1);
        assert_ptr_equal(z, dirty); /* the recycled, dirty chunk */
        for (size_t i = 0; i < n; i++)
            assert_int_equal(z[i], 0);
        arena_heap_free(h, z);
        arena_heap_free(h, guard);
    }
    assert_non_null(arena_heap_calloc(h, 0, 5));
    assert_non_null(arena_heap_calloc(h, 5, 0));
    assert_fails(arena_heap_calloc(h, SIZE_MAX, 2), ENOMEM);
    assert_heap_ok(h);
    arena_destroy(a);
}

/* The counters follow every call: live and live_chunks exactly, the
 * peaks, and the identity of taken. */
static void counters(void **state)
{
    (void)state;
    arena_t *a;
    arena_heap_t *h = new_heap(&a, (size_t)1 << 20); /* one region */
    void *p[100];
    size_t live = 0, peak = 0;
    for (int i = 0; i < 100; i++) {
        p[i] = arena_heap_alloc(h, (size_t)(i * 53));
        live += arena_heap_size(p[i]);
        peak = live > peak ? live : peak;
        arena_heap_stats_t s = arena_heap_stats(h);
        assert_int_equal(s.live, live);
        assert_int_equal(s.live_chunks, (size_t)i + 1);
    }
    for (int i = 0; i < 100; i += 2) {
        live -= arena_heap_size(p[i]);
        arena_heap_free(h, p[i]);
        assert_int_equal(arena_heap_stats(h).live, live);
        assert_heap_ok(h);
    }
    arena_heap_stats_t s = arena_heap_stats(h);
    assert_int_equal(s.live_chunks, 50);
    assert_int_equal(s.peak_live, peak);
    assert_true(s.peak_taken >= s.taken);
    assert_int_equal(s.regions, 1);
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(errors_and_null_arguments),
        cmocka_unit_test(stats_across_versions),
        cmocka_unit_test(alignment_and_usable_size_grid),
        cmocka_unit_test(every_small_size_is_reused_exactly),
        cmocka_unit_test(best_fit_at_every_class_boundary),
        cmocka_unit_test(a_fit_past_the_scan_is_found),
        cmocka_unit_test(a_big_free_chunk_is_split),
        cmocka_unit_test(neighbours_merge_in_every_order),
        cmocka_unit_test(the_newest_chunk_is_given_back),
        cmocka_unit_test(a_heap_shares_its_arena),
        cmocka_unit_test(big_chunks),
        cmocka_unit_test(calloc_zeroes),
        cmocka_unit_test(counters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
