/*
 * contract.c -- a short check of arena.h's contract, self-checking (exit
 * status 0 when every check passed), for the platforms whose cmocka suites
 * cannot be built (MinGW-w64, musl); it runs on the others too.  It covers
 * each promise over a grid rather than one example, with the limits of the
 * platform's own size_t:
 *
 *   alignment  every power of two up to 64 KiB served and aligned; 2^(bits-1)
 *              aligned or NULL/ENOMEM with the arena unchanged; 0 and
 *              non-powers EINVAL; inline and thread-safe alike
 *   sizes      SIZE_MAX, PTRDIFF_MAX + 1, PTRDIFF_MAX, overflowing counts:
 *              NULL/ENOMEM and nothing changed, through every allocating call
 *   errno      untouched by every successful call
 *   marks      nested saves and restores across blocks give back the same
 *              addresses and `used`; reset keeps capacity
 *   realloc    grows in place at the top, keeps the bytes when it moves,
 *              never moves on a shrink
 *   strings    strdup, strndup, sprintf (%zu, %jd, %s) agree with snprintf,
 *              also for output bigger than a block
 *   buffers    a fixed arena in ARENA_BUFFER_OVERHEAD + N bytes serves N
 *   caps       max_size is never exceeded; the refusal is ENOMEM
 *   backing    the test backing (arena_testing.h) fails request k for every
 *              k: NULL/ENOMEM, the arena unchanged, every block returned
 *   threads    4 threads on one arena: aligned, owned, disjoint
 *   cache      the limits read back; release empties it
 */
#include <arena.h>

#include <arena_testing.h>

#include "check.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Built against arena::arena_shared: on Windows the target gives its
 * consumers ARENA_DLL, so that arena.h declares the API dllimport. */
#if defined(_WIN32) && defined(ARENA_PLATFORM_SHARED) && !defined(ARENA_DLL)
#error "arena::arena_shared does not give its consumers ARENA_DLL"
#endif

static bool stats_equal(arena_stats_t x, arena_stats_t y)
{
    return x.used == y.used && x.capacity == y.capacity && x.blocks == y.blocks
           && x.available == y.available && x.backing == y.backing;
}

static bool consistent(const arena_t *a)
{
    const char *why = "";
    if (arena_check(a, &why) == 0)
        return true;
    fprintf(stderr, "arena_check: %s\n", why);
    return false;
}

static void alignments(void)
{
    arena_t *a = arena_create(4096);
    if (!CHECK(a != NULL))
        return;
    /* Up to 64 KiB: always served.  The top bit: an address space holds
     * no block that big, so ENOMEM, unless the arena's own block happens to
     * straddle that address (possible on 32-bit). */
    const size_t top = SIZE_MAX / 2 + 1;
    for (size_t al = 1; al <= (size_t)64 * 1024 || al == top; al = al < 65536 ? al * 2 : top) {
        arena_stats_t before = arena_stats(a);
        for (int ts = 0; ts < 2; ts++) {
            errno = 0;
            void *p = ts ? arena_alloc_thread_safe(a, 24, al) : arena_alloc_aligned(a, 24, al);
            if (p == NULL) {
                CHECK_EQ(errno, ENOMEM);
                CHECK_EQ(al, top);
                CHECK(stats_equal(before, arena_stats(a)));
            } else {
                CHECK_EQ((uintptr_t)p % al, 0);
                CHECK(arena_owns(a, p));
            }
        }
        CHECK(consistent(a));
        if (al == top)
            break;
    }
    static const size_t bad[] = {0, 3, 6, 24, 1000, SIZE_MAX, SIZE_MAX / 2 + 2};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_FAILS(arena_alloc_aligned(a, 8, bad[i]), EINVAL);
        CHECK_FAILS(arena_alloc_thread_safe(a, 8, bad[i]), EINVAL);
    }
    CHECK_FAILS(arena_alloc(NULL, 8), EINVAL);
    CHECK_FAILS(arena_alloc_thread_safe(NULL, 8, 8), EINVAL);
    arena_destroy(a);
}

static void huge_sizes(void)
{
    const size_t huge[] = {SIZE_MAX, SIZE_MAX - 15, (size_t)PTRDIFF_MAX + 1, (size_t)PTRDIFF_MAX};
    arena_t *a = arena_create(1024);
    if (!CHECK(a != NULL))
        return;
    void *first = arena_alloc(a, 10);
    arena_stats_t before = arena_stats(a);
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        size_t n = huge[i];
        CHECK_FAILS(arena_alloc(a, n), ENOMEM);
        CHECK_FAILS(arena_alloc_aligned(a, n, 64), ENOMEM);
        CHECK_FAILS(arena_alloc_thread_safe(a, n, 16), ENOMEM);
        CHECK_FAILS(arena_calloc(a, n, 1), ENOMEM);
        CHECK_FAILS(arena_realloc(a, first, 10, n), ENOMEM);
        CHECK_FAILS(arena_create(n), ENOMEM);
        errno = 0;
        CHECK_EQ(arena_extend(a, n), -1);
        CHECK_EQ(errno, ENOMEM);
        CHECK(stats_equal(before, arena_stats(a)));
    }
    /* Counts whose product overflows size_t, whatever its width. */
    const size_t half = (size_t)1 << (sizeof(size_t) * 4);
    CHECK_FAILS(arena_calloc(a, half, half), ENOMEM);
    CHECK_FAILS(arena_calloc(a, SIZE_MAX, 2), ENOMEM);
    CHECK_FAILS(ARENA_NEW_ARRAY(a, double, SIZE_MAX / sizeof(double) + 1), ENOMEM);
    CHECK(stats_equal(before, arena_stats(a)));
    CHECK(consistent(a));
    arena_destroy(a);
}

static void errno_untouched(void)
{
    arena_t *a = arena_create(64); /* tiny: the calls below cross blocks */
    if (!CHECK(a != NULL))
        return;
    for (int i = 0; i < 200; i++) {
        errno = 1234;
        void *p = arena_alloc(a, (size_t)i * 7);
        CHECK(p != NULL);
        CHECK(arena_alloc_thread_safe(a, (size_t)i, 32) != NULL);
        CHECK(arena_calloc(a, (size_t)i, 3) != NULL);
        CHECK(arena_realloc(a, p, (size_t)i * 7, (size_t)i * 9) != NULL);
        CHECK(arena_sprintf(a, "%d", i) != NULL);
        CHECK(arena_strdup(a, "abc") != NULL);
        CHECK_EQ(errno, 1234);
    }
    arena_destroy(a);
}

static void marks_and_reset(void)
{
    arena_t *a = arena_create(256);
    if (!CHECK(a != NULL))
        return;
    enum { DEPTH = 6 };
    arena_mark_t m[DEPTH];
    void *first[DEPTH];
    size_t used[DEPTH];
    for (int d = 0; d < DEPTH; d++) {
        m[d] = arena_save(a);
        used[d] = arena_stats(a).used;
        first[d] = arena_alloc(a, 40);
        for (int i = 0; i < 20; i++) /* several blocks per level */
            memset(arena_alloc(a, 50 + (size_t)d * 30), d, 50 + (size_t)d * 30);
    }
    for (int d = DEPTH - 1; d >= 0; d--) {
        arena_restore(a, m[d]);
        CHECK_EQ(arena_stats(a).used, used[d]);
        CHECK(arena_alloc(a, 40) == first[d]);
        arena_restore(a, m[d]);
        CHECK(consistent(a));
    }
    size_t capacity = arena_stats(a).capacity;
    arena_reset(a);
    CHECK_EQ(arena_stats(a).used, 0);
    CHECK_EQ(arena_stats(a).capacity, capacity);
    arena_trim(a);
    CHECK(arena_stats(a).capacity <= capacity);
    CHECK(consistent(a));
    arena_destroy(a);
}

static void realloc_moves(void)
{
    arena_t *a = arena_create(1024);
    if (!CHECK(a != NULL))
        return;
    unsigned char *p = arena_alloc(a, 16);
    for (int i = 0; i < 16; i++)
        p[i] = (unsigned char)i;
    CHECK(arena_realloc(a, p, 16, 200) == p); /* the top grows in place */
    CHECK(arena_realloc(a, p, 200, 8) == p);  /* a shrink never moves */
    (void)arena_alloc(a, 1);
    unsigned char *q = arena_realloc(a, p, 8, 5000); /* not the top, and bigger than a block */
    if (CHECK(q != NULL && q != p))
        for (int i = 0; i < 8; i++)
            CHECK_EQ(q[i], i);
    CHECK(consistent(a));
    arena_destroy(a);
}

static void strings(void)
{
    arena_t *a = arena_create(128);
    if (!CHECK(a != NULL))
        return;
    char want[512];
    for (size_t n = 0; n < 400; n += 37) {
        char *s = arena_sprintf(a, "%zu|%jd|%s|%*d", n, -(intmax_t)n, "x", (int)n, 7);
        snprintf(want, sizeof want, "%zu|%jd|%s|%*d", n, -(intmax_t)n, "x", (int)n, 7);
        CHECK(s != NULL && strcmp(s, want) == 0);
        char *d = arena_strdup(a, want);
        CHECK(d != NULL && strcmp(d, want) == 0);
        char *t = arena_strndup(a, want, n);
        CHECK(t != NULL && strlen(t) == (n < strlen(want) ? n : strlen(want)));
    }
    CHECK_FAILS(arena_strdup(a, NULL), EINVAL);
    CHECK_FAILS(arena_sprintf(a, NULL), EINVAL);
    arena_destroy(a);
}

static void fixed_buffers(void)
{
    static _Alignas(64) unsigned char buf[ARENA_BUFFER_OVERHEAD + 4096 + 64];
    for (size_t n = 16; n <= 4096; n *= 4)
        for (size_t off = 0; off < 64; off += 7) {
            arena_options_t o = {.flags = ARENA_FIXED,
                                 .buffer = buf + off,
                                 .buffer_size = ARENA_BUFFER_OVERHEAD + n};
            arena_t *a = arena_create_with(&o);
            if (!CHECK(a != NULL))
                continue;
            CHECK(arena_alloc_aligned(a, n, 1) != NULL);
            CHECK_FAILS(arena_alloc_aligned(a, 1 + arena_stats(a).available, 1), ENOMEM);
            arena_destroy(a);
        }
    CHECK_EQ(arena_buffer_overhead(), ARENA_BUFFER_OVERHEAD);
}

static void caps(void)
{
    for (size_t cap = 8192; cap <= 65536; cap *= 2) {
        arena_options_t o = {.block_size = 1024, .max_size = cap};
        arena_t *a = arena_create_with(&o);
        if (!CHECK(a != NULL))
            continue;
        size_t served = 0;
        for (;;) {
            errno = 0;
            if (arena_alloc(a, 100) == NULL) {
                CHECK_EQ(errno, ENOMEM);
                break;
            }
            served += 100;
        }
        CHECK(served > 0);
        CHECK(arena_stats(a).backing <= cap);
        CHECK(consistent(a));
        arena_destroy(a);
    }
}

static void failing_backing(void)
{
    for (size_t k = 1; k <= 8; k++) {
        arena_testing_backing_t t = {0};
        arena_options_t o = {.block_size = 256, .backing = arena_testing_backing(&t)};
        arena_t *a = arena_create_with(&o);
        if (!CHECK(a != NULL))
            continue;
        size_t armed = t.requests;
        arena_testing_fail_from(&t, k); /* the kth request from now on fails */
        size_t refused = 0;
        for (int i = 0; i < 200; i++) {
            arena_stats_t before = arena_stats(a);
            errno = 0;
            void *p = i % 2 ? arena_alloc(a, 100) : arena_alloc_thread_safe(a, 100, 8);
            if (p == NULL) {
                refused++;
                CHECK_EQ(errno, ENOMEM);
                CHECK(stats_equal(before, arena_stats(a)));
            }
        }
        CHECK(refused > 0 || t.requests - armed < k); /* the kth came, and failed */
        CHECK(consistent(a));
        arena_testing_no_faults(&t);
        CHECK(arena_alloc(a, 100) != NULL);
        arena_destroy(a);
        CHECK_EQ(t.outstanding, 0);
        CHECK_EQ(t.blocks, 0);
        CHECK(!t.bad_release);
        arena_testing_backing_fini(&t);
    }
}

enum { NTHREADS = 4, PER_THREAD = 4000 };
typedef struct {
    arena_t *a;
    unsigned char *p[PER_THREAD];
    size_t size[PER_THREAD];
    bool ok;
} worker_t;

static void *work(void *arg)
{
    worker_t *w = arg;
    w->ok = true;
    for (size_t i = 0; i < PER_THREAD; i++) {
        size_t size = 1 + (i * 7919) % 97, al = (size_t)1 << (i % 7);
        unsigned char *p = arena_alloc_thread_safe(w->a, size, al);
        if (p == NULL || (uintptr_t)p % al != 0) {
            w->ok = false;
            return NULL;
        }
        memset(p, (int)(i & 0xff), size);
        w->p[i] = p;
        w->size[i] = size;
    }
    return NULL;
}

static int by_address(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)((const unsigned char *const *)x)[0];
    uintptr_t b = (uintptr_t)((const unsigned char *const *)y)[0];
    return a < b ? -1 : a > b;
}

static void threads(void)
{
    static worker_t w[NTHREADS];
    arena_t *a = arena_create(512);
    if (!CHECK(a != NULL))
        return;
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        w[i].a = a;
        CHECK_EQ(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        CHECK_EQ(pthread_join(t[i], NULL), 0);
    /* Every byte still holds what its thread wrote; no two overlap. */
    static unsigned char *all[NTHREADS * PER_THREAD][2];
    size_t n = 0;
    for (int i = 0; i < NTHREADS; i++) {
        if (!CHECK(w[i].ok))
            continue;
        for (size_t j = 0; j < PER_THREAD; j++) {
            bool intact = true;
            for (size_t k = 0; k < w[i].size[j]; k++)
                intact &= w[i].p[j][k] == (unsigned char)(j & 0xff);
            CHECK(intact);
            all[n][0] = w[i].p[j];
            all[n][1] = w[i].p[j] + w[i].size[j];
            n++;
        }
    }
    qsort(all, n, sizeof all[0], by_address);
    for (size_t i = 1; i < n; i++)
        CHECK(all[i][0] >= all[i - 1][1]);
    CHECK(consistent(a));
    CHECK(arena_stats(a).used >= n);
    arena_destroy(a);
}

static void cache(void)
{
    size_t old = arena_cache_set_limit((size_t)1 << 20);
    CHECK_EQ(arena_cache_limit(), (size_t)1 << 20);
    for (int i = 0; i < 8; i++)
        arena_destroy(arena_create(16384));
    CHECK(arena_cache_size() <= ((size_t)1 << 20) + arena_cache_lazy_limit());
    arena_cache_release();
    CHECK_EQ(arena_cache_size(), 0);
    CHECK_EQ(arena_cache_set_limit(old), (size_t)1 << 20);
}

int main(void)
{
    CHECK(strcmp(arena_version(), ARENA_VERSION_STRING) == 0);
    alignments();
    huge_sizes();
    errno_untouched();
    marks_and_reset();
    realloc_moves();
    strings();
    fixed_buffers();
    caps();
    failing_backing();
    threads();
    cache();
    return check_done("contract");
}
