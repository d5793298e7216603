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
 *
 * Children on other threads: one parent, owned by the main thread, makes a
 * child for each of 2..16 workers (creating a child is a call on the
 * parent, made before the workers start).  Each worker owns its child:
 * allocates and stamps, registers cleanups whose arguments live in the
 * child (checked when they run), makes grandchildren and destroys some,
 * and finally destroys its child early, on its own thread.  Meanwhile the
 * main thread only allocates from the parent (arena_alloc: allocation goes
 * on while a child's release pins the parent), stamping as it goes.  After
 * the joins: the parent's allocations intact, owned and disjoint,
 * arena_check() == 0, every cleanup ran once on its worker, the parent's
 * report lists no child, and the backing (the test backing behind a
 * mutex, since a hierarchy on several threads calls it concurrently) holds
 * exactly the parent's bytes; under a cap, refusals are ENOMEM and the
 * backing never held more than the cap.  Three rounds per parent (fresh,
 * after reset, after reset + trim), parents with and without a cap.
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

/* ---- children on other threads ---------------------------------------------- */

/* The test backing behind a mutex: a hierarchy whose arenas live on several
 * threads calls its backing from all of them. */
typedef struct {
    pthread_mutex_t m;
    arena_testing_backing_t t;
} locked_backing_t;

static void *locked_alloc(void *user, size_t size)
{
    locked_backing_t *l = user;
    pthread_mutex_lock(&l->m);
    void *p = arena_testing_alloc(&l->t, size);
    pthread_mutex_unlock(&l->m);
    return p;
}

static void locked_release(void *user, void *ptr, size_t size)
{
    locked_backing_t *l = user;
    pthread_mutex_lock(&l->m);
    arena_testing_release(&l->t, ptr, size);
    pthread_mutex_unlock(&l->m);
}

typedef struct {
    arena_t *child;
    int id;
    size_t iters;
    int capped;
    uint32_t rng;
    size_t registered, ran, allocs, refused; /* ran: by this worker's cleanups */
} kid_t;

/* A cleanup's argument in the child: its worker, and a stamp. */
typedef struct {
    kid_t *owner;
    uint32_t stamp;
} kid_arg_t;

static void kid_cleanup(void *arg)
{
    kid_arg_t *x = arg;
    CHECK(x->stamp == 0x5EED0000u + (uint32_t)x->owner->id);
    x->owner->ran++; /* on the owner's thread: no other thread touches it */
}

static void kid_register(kid_t *k, arena_t *a)
{
    kid_arg_t *x = ARENA_NEW(a, kid_arg_t);
    if (x == NULL) {
        CHECK(k->capped && errno == ENOMEM);
        k->refused++;
        return;
    }
    x->owner = k;
    x->stamp = 0x5EED0000u + (uint32_t)k->id;
    if (arena_defer(a, kid_cleanup, x) != 0) {
        CHECK(k->capped && errno == ENOMEM);
        k->refused++;
        return;
    }
    k->registered++;
}

static void *kid_work(void *arg)
{
    kid_t *k = arg;
    if (k->child == NULL)
        return NULL;
    rec_t recent[64];
    size_t n = 0;
    arena_t *grand = NULL;
    for (size_t i = 0; i < k->iters; i++) {
        uint32_t r = rnd(&k->rng);
        arena_t *a = grand != NULL && (r & 1) ? grand : k->child;
        if ((r & 31) == 0) {
            kid_register(k, a);
        } else if ((r & 63) == 1) {
            /* A grandchild (a call on the child: its owner's), or the end
             * of the one there is. */
            if (grand != NULL) {
                arena_destroy(grand); /* none of its allocations is rechecked */
                grand = NULL;
            } else {
                grand = arena_create_child(k->child, &(arena_options_t){.block_size = 128});
                CHECK(grand != NULL || (k->capped && errno == ENOMEM));
            }
        } else {
            size_t size = (r >> 8) % 96;
            unsigned char *p = arena_alloc(a, size);
            if (p == NULL) {
                CHECK(k->capped && errno == ENOMEM);
                k->refused++;
                continue;
            }
            k->allocs++;
            if (a == grand)
                continue; /* may end before the recheck */
            rec_t *rec = &recent[n++ % 64];
            rec->p = p;
            rec->size = (uint32_t)size;
            rec->align = 1;
            rec->seed = (uint8_t)r;
            for (size_t j = 0; j < size; j++)
                p[j] = stamp_byte(rec->seed, j);
            if (n % 64 == 0)
                for (size_t j = 0; j < 64; j++)
                    CHECK(stamp_ok(&recent[j]));
        }
    }
    arena_destroy(k->child); /* early, on this thread: the grandchild too */
    k->child = NULL;
    CHECK(k->ran == k->registered); /* each cleanup once, here */
    return NULL;
}

static void count_line(const char *line, void *arg)
{
    (void)line;
    ++*(int *)arg;
}

/* One round: children handed to workers, the parent's owner allocating
 * from the parent while they end their children. */
static void children_round(arena_t *p, locked_backing_t *lb, int nthreads, size_t iters, int capped,
                           size_t *allocs)
{
    kid_t kids[MAXT];
    pthread_t th[MAXT];
    for (int i = 0; i < nthreads; i++) {
        kid_t *k = &kids[i];
        memset(k, 0, sizeof *k);
        k->id = i;
        k->iters = iters;
        k->capped = capped;
        k->rng = 0x2545F491u ^ (uint32_t)(i * 7907 + 3);
        arena_options_t o = {.block_size = (size_t)64 << (i % 3), .name = "kid"};
        k->child = arena_create_child(p, &o);
        CHECK(k->child != NULL || (capped && errno == ENOMEM)); /* the cap holds spares too */
    }
    for (int i = 0; i < nthreads; i++)
        CHECK(pthread_create(&th[i], NULL, kid_work, &kids[i]) == 0);

    /* The parent's owner: arena_alloc only, while the children end. */
    size_t cap = iters;
    rec_t *mine = malloc(cap * sizeof *mine);
    CHECK(mine != NULL);
    size_t n = 0, refused = 0;
    uint32_t rng = 0xA5A5A5A5u;
    for (size_t i = 0; i < cap; i++) {
        uint32_t r = rnd(&rng);
        size_t size = (r >> 8) % 80;
        unsigned char *q = arena_alloc(p, size);
        if (q == NULL) {
            CHECK(capped && errno == ENOMEM);
            refused++;
            continue;
        }
        rec_t *rec = &mine[n++];
        rec->p = q;
        rec->size = (uint32_t)size;
        rec->align = 1;
        rec->seed = (uint8_t)r;
        for (size_t j = 0; j < size; j++)
            q[j] = stamp_byte(rec->seed, j);
    }
    for (int i = 0; i < nthreads; i++)
        CHECK(pthread_join(th[i], NULL) == 0);

    worker_t w = {.a = p, .recs = mine, .n = n};
    verify(p, &w, 1);
    int lines = 0;
    arena_report(p, count_line, &lines);
    CHECK(lines == 1); /* every child ended */
    pthread_mutex_lock(&lb->m);
    CHECK(lb->t.outstanding == arena_stats(p).backing && !lb->t.bad_release);
    if (capped)
        CHECK(lb->t.peak <= arena_stats(p).max_size);
    pthread_mutex_unlock(&lb->m);
    for (int i = 0; i < nthreads; i++) {
        CHECK(kids[i].ran == kids[i].registered);
        *allocs += kids[i].allocs;
    }
    *allocs += n;
    free(mine);
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
    size_t kid_allocs = 0;
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        for (int capped = 0; capped < 2; capped++) {
            locked_backing_t lb = {.m = PTHREAD_MUTEX_INITIALIZER};
            arena_options_t o = {.block_size = 64,
                                 .max_size = capped ? (size_t)96 * 1024 : 0,
                                 .name = "parent",
                                 .backing = {locked_alloc, locked_release, &lb}};
            arena_t *p = arena_create_with(&o);
            CHECK(p != NULL);
            for (int round = 0; round < 3; round++) {
                children_round(p, &lb, counts[c], iters / 2, capped, &kid_allocs);
                arena_reset(p);
                if (round == 1 || capped)
                    arena_trim(p);
            }
            arena_destroy(p);
            CHECK(lb.t.outstanding == 0 && lb.t.blocks == 0 && !lb.t.bad_release);
            arena_testing_backing_fini(&lb.t);
            pthread_mutex_destroy(&lb.m);
        }
    }
    printf("torture: %zu allocations from up to %d threads checked%s; %zu more in children "
           "destroyed on their own threads\n",
           allocs, MAXT, env_small() ? " (small sizes)" : "", kid_allocs);
    return g_failed;
}
