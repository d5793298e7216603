/*
 * torture.c -- many threads, one arena, arena_alloc_thread_safe only.
 *
 * For 2, 3, 4, 8 and 16 threads: an arena with tiny blocks (64 bytes to
 * start with, so blocks are added all the time early on), half the threads
 * allocating for the whole round, while the main thread keeps creating and
 * joining short-lived threads (and allocates itself in between).  Sizes are
 * mostly small (the per-thread chunk path), some bigger than half a chunk
 * (the direct compare-and-swap path), alignments 1 .. 256 mixed (above a
 * cache line takes the direct path too).  Every allocation is stamped with
 * its thread and sequence number; each thread rechecks its recent stamps as
 * it goes, and after every join the main thread checks every allocation of
 * the round: stamp intact, aligned, owned by the arena, disjoint from all
 * others; arena_check() == 0, used >= the bytes handed out.  Each arena
 * runs three rounds (fresh, after reset with spares, after reset + trim),
 * on the test backing (arena_testing.h: one per arena, which the arena never
 * calls from two threads at once; checked for leaks at the end) or the default one,
 * and one variant under a cap checks that refusals are ENOMEM and harmless.
 *
 * Sizes: full in a plain optimised build; smaller with ARENA_TEST_SMALL=1,
 * under valgrind (ARENA_UNDER_VALGRIND), in a ThreadSanitizer build and in
 * -O0 (debug/coverage) builds.  No timing
 * is measured or asserted anywhere.
 */
#include <arena.h>

#include <arena_testing.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_THREAD__)
#define HD_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HD_TSAN 1
#endif
#endif
#ifndef HD_TSAN
#define HD_TSAN 0
#endif

/* Full size is for the plain (optimised) builds; -O0 debug/coverage builds
 * run the small sizes. */
#ifdef __OPTIMIZE__
#define HD_OPTIMIZED 1
#else
#define HD_OPTIMIZED 0
#endif

#define MAXT 16

static int g_failed;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "torture.c:%d: check failed: %s\n", __LINE__, #c);                     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef struct {
    unsigned char *p;
    uint32_t size;
    uint16_t align;
    uint8_t seed;
} rec_t;

typedef struct {
    arena_t *a;
    int id;
    size_t iters;
    int capped;
    rec_t *recs;
    size_t n;
    size_t refused;
    uint32_t rng;
} worker_t;

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static uint8_t stamp_byte(uint8_t seed, size_t i)
{
    return (uint8_t)(seed + i * 7u);
}

static int stamp_ok(const rec_t *r)
{
    for (size_t i = 0; i < r->size; i++)
        if (r->p[i] != stamp_byte(r->seed, i))
            return 0;
    return 1;
}

static void *work(void *arg)
{
    worker_t *w = arg;
    w->recs = malloc(w->iters * sizeof *w->recs);
    CHECK(w->recs != NULL);
    for (size_t i = 0; i < w->iters; i++) {
        uint32_t r = rnd(&w->rng);
        size_t size = (r & 7) == 0 ? 100 + (r >> 8) % 600 : (r >> 8) % 48;
        size_t align = (size_t)1 << ((r >> 4) % 9);
        errno = 0;
        unsigned char *p = arena_alloc_thread_safe(w->a, size, align);
        if (p == NULL) {
            CHECK(errno == ENOMEM && w->capped);
            w->refused++;
            continue;
        }
        CHECK((uintptr_t)p % align == 0);
        rec_t *rec = &w->recs[w->n++];
        rec->p = p;
        rec->size = (uint32_t)size;
        rec->align = (uint16_t)align;
        rec->seed = (uint8_t)(w->id * 37 + i);
        for (size_t j = 0; j < size; j++)
            p[j] = stamp_byte(rec->seed, j);
        if ((w->n & 63) == 0) /* recheck the recent ones while others write */
            for (size_t k = w->n - 64; k < w->n; k++)
                CHECK(stamp_ok(&w->recs[k]));
    }
    return NULL;
}

static int cmp_rec(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)((const rec_t *)x)->p, b = (uintptr_t)((const rec_t *)y)->p;
    return a < b ? -1 : a > b;
}

static int cmp_block(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)((const arena_block_info_t *)x)->start;
    uintptr_t b = (uintptr_t)((const arena_block_info_t *)y)->start;
    return a < b ? -1 : a > b;
}

/* Every allocation of the round: stamped, aligned, owned, disjoint. */
static void verify(arena_t *a, worker_t *ws, size_t nw)
{
    size_t total = 0, bytes = 0;
    for (size_t i = 0; i < nw; i++)
        total += ws[i].n;
    rec_t *all = malloc((total + 1) * sizeof *all);
    CHECK(all != NULL);
    /* The blocks in use, by address: every allocation must lie in one. */
    size_t nb = arena_blocks(a, NULL, 0), nchain = 0;
    arena_block_info_t *blocks = malloc((nb + 1) * sizeof *blocks);
    CHECK(blocks != NULL);
    CHECK(arena_blocks(a, blocks, nb) == nb);
    for (size_t i = 0; i < nb; i++)
        if (blocks[i].state != ARENA_BLOCK_SPARE)
            blocks[nchain++] = blocks[i];
    qsort(blocks, nchain, sizeof *blocks, cmp_block);
    size_t k = 0;
    for (size_t i = 0; i < nw; i++)
        for (size_t j = 0; j < ws[i].n; j++) {
            const rec_t *r = &ws[i].recs[j];
            CHECK(stamp_ok(r));
            CHECK((uintptr_t)r->p % r->align == 0);
            if (r->size != 0) {
                uintptr_t p = (uintptr_t)r->p;
                size_t lo = 0, hi = nchain;
                while (hi - lo > 1) {
                    size_t mid = (lo + hi) / 2;
                    if ((uintptr_t)blocks[mid].start <= p)
                        lo = mid;
                    else
                        hi = mid;
                }
                CHECK((uintptr_t)blocks[lo].start <= p
                      && p + r->size <= (uintptr_t)blocks[lo].start + blocks[lo].used);
                if (k % 61 == 0) { /* arena_owns is O(blocks): a sample */
                    CHECK(arena_owns(a, r->p));
                    CHECK(arena_owns(a, r->p + r->size - 1));
                }
            }
            bytes += r->size;
            all[k++] = *r;
        }
    qsort(all, total, sizeof *all, cmp_rec);
    uintptr_t end = 0;
    for (size_t i = 0; i < total; i++) {
        if (all[i].size == 0)
            continue;
        CHECK((uintptr_t)all[i].p >= end); /* disjoint */
        end = (uintptr_t)all[i].p + all[i].size;
    }
    free(all);
    free(blocks);
    const char *why = "";
    if (arena_check(a, &why) != 0) {
        fprintf(stderr, "arena_check: %s\n", why);
        abort();
    }
    arena_stats_t s = arena_stats(a);
    CHECK(s.used >= bytes);
    CHECK(s.used <= s.capacity);
}

static void round_on(arena_t *a, int nthreads, size_t iters, int capped, size_t *allocs)
{
    int nlong = nthreads / 2 > 0 ? nthreads / 2 : 1;
    int nshort = nthreads - nlong;
    size_t batches = 6;
    size_t nw = (size_t)nlong + (size_t)nshort * batches + 1;
    worker_t *ws = calloc(nw, sizeof *ws);
    pthread_t th[MAXT];
    CHECK(ws != NULL);
    for (size_t i = 0; i < nw; i++) {
        ws[i].a = a;
        ws[i].id = (int)i;
        ws[i].capped = capped;
        ws[i].rng = 0x9E3779B9u ^ (uint32_t)(i * 7919 + 1);
        ws[i].iters = i < (size_t)nlong ? iters : iters / 8;
    }
    for (int i = 0; i < nlong; i++)
        CHECK(pthread_create(&th[i], NULL, work, &ws[i]) == 0);
    /* Short-lived threads come and go while the long ones allocate; the main
     * thread allocates between batches (the last worker slot is its own). */
    size_t next = (size_t)nlong;
    worker_t *mine = &ws[nw - 1];
    mine->iters = iters / 4;
    mine->recs = malloc(mine->iters * sizeof *mine->recs);
    CHECK(mine->recs != NULL);
    for (size_t b = 0; b < batches; b++) {
        for (int i = 0; i < nshort; i++)
            CHECK(pthread_create(&th[nlong + i], NULL, work, &ws[next + (size_t)i]) == 0);
        size_t share = mine->iters / batches;
        for (size_t i = 0; i < share; i++) {
            uint32_t r = rnd(&mine->rng);
            size_t size = (r >> 8) % 64, align = (size_t)1 << (r % 7);
            unsigned char *p = arena_alloc_thread_safe(a, size, align);
            if (p == NULL) {
                CHECK(capped && errno == ENOMEM);
                continue;
            }
            rec_t *rec = &mine->recs[mine->n++];
            rec->p = p;
            rec->size = (uint32_t)size;
            rec->align = (uint16_t)align;
            rec->seed = (uint8_t)r;
            for (size_t j = 0; j < size; j++)
                p[j] = stamp_byte(rec->seed, j);
        }
        for (int i = 0; i < nshort; i++)
            CHECK(pthread_join(th[nlong + i], NULL) == 0);
        next += (size_t)nshort;
    }
    for (int i = 0; i < nlong; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    verify(a, ws, nw);
    for (size_t i = 0; i < nw; i++) {
        *allocs += ws[i].n;
        free(ws[i].recs);
    }
    free(ws);
}

static size_t env_small(void)
{
    const char *s = getenv("ARENA_TEST_SMALL");
    return (s != NULL && *s != '\0' && *s != '0') || getenv("ARENA_UNDER_VALGRIND") != NULL
           || HD_TSAN || !HD_OPTIMIZED;
}

int main(void)
{
    static const int counts[] = {2, 3, 4, 8, 16};
    size_t iters = env_small() ? 1500 : 12000;
    size_t allocs = 0;
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        for (int variant = 0; variant < 3; variant++) {
            arena_testing_backing_t h = {0};
            arena_options_t o = {.block_size = 64};
            if (variant != 1)
                o.backing = arena_testing_backing(&h);
            if (variant == 2)
                o.max_size = 32 * 1024; /* refusals under contention */
            arena_t *a = arena_create_with(&o);
            CHECK(a != NULL);
            for (int round = 0; round < 3; round++) {
                round_on(a, counts[c], iters, variant == 2, &allocs);
                arena_reset(a);
                if (round == 1)
                    arena_trim(a);
                CHECK(arena_stats(a).used == 0);
            }
            if (variant == 2)
                CHECK(h.peak <= o.max_size);
            arena_destroy(a);
            CHECK(h.outstanding == 0 && !h.bad_release);
            arena_testing_backing_fini(&h);
        }
    }
    printf("torture: %zu allocations from up to %d threads checked%s\n", allocs, MAXT,
           env_small() ? " (small sizes)" : "");
    return g_failed;
}
