/*
 * bench_life.c -- the lifetimes benchmark (bench-life): what tying work to
 * a lifetime costs, the arena against APR pools and talloc doing the same
 * logical work, per request.
 *
 *   L1  registering a cleanup: arena_defer, apr_pool_cleanup_register,
 *       talloc_set_destructor.  Mode `call`: the registration alone, on an
 *       object allocated before the clock; mode `object`: the allocation of
 *       the 32-byte object and its registration.  ns per registration.
 *   L2  running the cleanups when the request ends: N objects with a cleanup
 *       each, then mode `clear` (arena_reset, apr_pool_clear,
 *       talloc_free_children of a long-lived pool) or `destroy`
 *       (arena_destroy, apr_pool_destroy, talloc_free of the pool).  ns per
 *       cleanup run, the end of the pool itself included.
 *   L3  a pool per request under a long-lived parent: arena_create_child +
 *       arena_destroy, apr_pool_create + apr_pool_destroy, talloc_new +
 *       talloc_free, and arena_create + arena_destroy for reference.  Mode
 *       `bare`: create and destroy; `alloc`: one 64-byte allocation (touched)
 *       in between.  ns per create/destroy pair.
 *   L4  borrowed space inside a function: arena_scratch_begin(NULL, 0),
 *       a 64-byte allocation, arena_scratch_end, against arena_save, the same
 *       allocation, arena_restore on a long-lived arena.  ns per pair.
 *
 * Every peer does the same work: a cleanup reads the object it was given
 * and adds one field to a global sum (the checksum); objects come from the
 * request pool (arena_alloc, apr_palloc, talloc_size in a talloc_pool sized
 * for them, talloc's cheapest way to own many small objects); request
 * pools are children of a long-lived root where the library has that notion
 * (APR, talloc; a top-level arena for L1/L2, a child arena in L3).
 *
 * Timing.  L1 and L2 time one phase of each cycle and leave the rest
 * (allocating the objects, ending the pools) outside the clock.  A phase
 * covers a batch of R requests of N each (R*N >= 1024), so the two clock
 * reads cost under 0.1 ns per operation and no request needs its own clock
 * read.  L3 and L4 time their whole loop.  Under --callgrind, only the
 * timed phases are instrumented, so Ir per operation counts exactly the
 * operation (plus the loop around it).
 *
 *   bench-life --list          one line per configuration scripts/bench.sh
 *                              runs: workload mode param contender
 *   bench-life -w L1 -c arena --mode call --param 16 [-n OPS] [--warmup K]
 *              [--reps R] [--callgrind] [--header]
 *
 * CSV (bench.c's columns, so report.py reads both): variant,workload,
 * contender,mode,threads,param,ops,ns,faults,maxrss_kb,base_rss_kb,extra,
 * checksum.  `ops` is what ns is divided by; `extra` is unused (0).
 */
#include "probe.h"

#include <arena.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <talloc.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define L_HAVE_CALLGRIND 1
#endif
#endif

/* The primitives take the contender as a constant and are forced inline
 * into one loop per contender, so the measured loop holds the library call
 * and nothing of the harness (no indirect call, no switch). */
#define L_INLINE static inline __attribute__((always_inline))
#define L_UNLIKELY(x) __builtin_expect(!!(x), 0)

enum { K_ARENA, K_APR, K_TALLOC, K_CHILD, K_SCRATCH, K_SAVE };

/* Enough requests per batch that one phase has at least this many ops. */
#define L_BATCH_OPS 1024
#define L_MAX_BATCH L_BATCH_OPS

typedef struct {
    uint64_t v;
    uint64_t pad[3];
} obj_t; /* 32 bytes: a small resource record */

typedef struct {
    const char *workload, *contender, *mode;
    size_t n;     /* operations per timed iteration (rounded up to whole batches) */
    size_t param; /* L1/L2: cleanups per request; L3/L4: bytes allocated */
    int warmup, reps, callgrind;
} cfg_t;

typedef struct {
    uint64_t ns, ops;
    long faults;
} run_t;

static uint64_t g_sum;
static apr_pool_t *g_apr_root;
static void *g_tal_root;
static arena_t *g_arena_root;
static size_t g_per;   /* L1/L2: objects (and cleanups) per request */
static size_t g_batch; /* L1/L2: requests per timed phase */
static void *g_pools[L_MAX_BATCH];
static obj_t **g_objs;
static long g_base_rss_kb = -1;

static _Noreturn void die(const char *what)
{
    fprintf(stderr, "bench-life: %s (errno %d: %s)\n", what, errno, strerror(errno));
    exit(1);
}

/* ---- clock, faults, callgrind ------------------------------------------- */

typedef struct {
    uint64_t t0;
    long f0;
    int on; /* timed iteration under --callgrind */
} phase_t;

L_INLINE void phase_begin(phase_t *ph, const cfg_t *c, int timed)
{
    ph->on = timed && c->callgrind;
    ph->f0 = b_minflt();
#ifdef L_HAVE_CALLGRIND
    if (ph->on)
        CALLGRIND_START_INSTRUMENTATION;
#endif
    ph->t0 = b_clock_ns(CLOCK_MONOTONIC);
}

L_INLINE void phase_end(phase_t *ph, run_t *r)
{
    uint64_t t1 = b_clock_ns(CLOCK_MONOTONIC);
#ifdef L_HAVE_CALLGRIND
    if (ph->on)
        CALLGRIND_STOP_INSTRUMENTATION;
#endif
    r->ns += t1 - ph->t0;
    r->faults += b_minflt() - ph->f0;
}

/* ---- the cleanups: the same work for every peer ----------------------------- */

static void cl_arena(void *arg)
{
    g_sum += ((obj_t *)arg)->v;
}

static apr_status_t cl_apr(void *arg)
{
    g_sum += ((obj_t *)arg)->v;
    return APR_SUCCESS;
}

static int cl_talloc(obj_t *o)
{
    g_sum += o->v;
    return 0;
}

/* ---- request pools (L1, L2) ---------------------------------------------- */

L_INLINE void *pool_open(int k)
{
    if (k == K_ARENA) {
        arena_t *a = arena_create(0);
        if (a == NULL)
            die("arena_create");
        return a;
    }
    if (k == K_APR) {
        apr_pool_t *p;
        if (apr_pool_create(&p, g_apr_root) != APR_SUCCESS)
            die("apr_pool_create");
        return p;
    }
    /* Room for every object with its talloc header (under 160 bytes). */
    void *p = talloc_pool(g_tal_root, g_per * 192 + 1024);
    if (p == NULL)
        die("talloc_pool");
    return p;
}

L_INLINE void pool_clear(int k, void *p)
{
    if (k == K_ARENA)
        arena_reset(p);
    else if (k == K_APR)
        apr_pool_clear(p);
    else
        talloc_free_children(p);
}

L_INLINE void pool_close(int k, void *p)
{
    if (k == K_ARENA)
        arena_destroy(p);
    else if (k == K_APR)
        apr_pool_destroy(p);
    else
        talloc_free(p);
}

L_INLINE obj_t *pool_obj(int k, void *p)
{
    obj_t *o;
    if (k == K_ARENA)
        o = ARENA_NEW((arena_t *)p, obj_t);
    else if (k == K_APR)
        o = apr_palloc(p, sizeof(obj_t));
    else
        o = talloc_size(p, sizeof(obj_t));
    if (L_UNLIKELY(o == NULL))
        die("allocation");
    return o;
}

L_INLINE void pool_defer(int k, void *p, obj_t *o)
{
    if (k == K_ARENA) {
        if (L_UNLIKELY(arena_defer(p, cl_arena, o) != 0))
            die("arena_defer");
    } else if (k == K_APR) {
        apr_pool_cleanup_register(p, o, cl_apr, apr_pool_cleanup_null);
    } else {
        talloc_set_destructor(o, cl_talloc);
    }
}

/* Allocates and registers N objects in each request pool. */
L_INLINE void fill(int k)
{
    for (size_t r = 0; r < g_batch; r++)
        for (size_t i = 0; i < g_per; i++) {
            obj_t *o = pool_obj(k, g_pools[r]);
            o->v = i;
            pool_defer(k, g_pools[r], o);
        }
}

/* One timed iteration of L1 or L2 for contender k.  Long-lived request
 * pools (all but L2 destroy) are opened by setup(). */
L_INLINE void pools_iteration(int k, const cfg_t *c, int timed, run_t *res)
{
    size_t per_batch = g_batch * g_per;
    size_t cycles = (c->n + per_batch - 1) / per_batch;
    int l1 = c->workload[1] == '1';
    int call = l1 && !strcmp(c->mode, "call");
    int destroy = !l1 && !strcmp(c->mode, "destroy");
    phase_t ph;
    for (size_t cy = 0; cy < cycles; cy++) {
        if (l1) {
            if (call) {
                for (size_t r = 0; r < g_batch; r++)
                    for (size_t i = 0; i < g_per; i++) {
                        obj_t *o = pool_obj(k, g_pools[r]);
                        o->v = i;
                        g_objs[r * g_per + i] = o;
                    }
                phase_begin(&ph, c, timed);
                for (size_t r = 0; r < g_batch; r++)
                    for (size_t i = 0; i < g_per; i++)
                        pool_defer(k, g_pools[r], g_objs[r * g_per + i]);
                phase_end(&ph, res);
            } else {
                phase_begin(&ph, c, timed);
                for (size_t r = 0; r < g_batch; r++)
                    for (size_t i = 0; i < g_per; i++) {
                        obj_t *o = pool_obj(k, g_pools[r]);
                        o->v = i;
                        pool_defer(k, g_pools[r], o);
                    }
                phase_end(&ph, res);
            }
            for (size_t r = 0; r < g_batch; r++)
                pool_clear(k, g_pools[r]);
        } else if (destroy) {
            for (size_t r = 0; r < g_batch; r++)
                g_pools[r] = pool_open(k);
            fill(k);
            phase_begin(&ph, c, timed);
            for (size_t r = 0; r < g_batch; r++)
                pool_close(k, g_pools[r]);
            phase_end(&ph, res);
        } else {
            fill(k);
            phase_begin(&ph, c, timed);
            for (size_t r = 0; r < g_batch; r++)
                pool_clear(k, g_pools[r]);
            phase_end(&ph, res);
        }
    }
    res->ops = cycles * per_batch;
}

/* ---- L3: a child pool per request ----------------------------------------- */

L_INLINE void children_iteration(int k, const cfg_t *c, int timed, run_t *res)
{
    size_t bytes = c->param;
    uint64_t ck = 0;
    phase_t ph;
    phase_begin(&ph, c, timed);
    for (size_t i = 0; i < c->n; i++) {
        uint64_t *p = NULL;
        if (k == K_CHILD || k == K_ARENA) {
            arena_t *a = k == K_CHILD ? arena_create_child(g_arena_root, NULL) : arena_create(0);
            if (L_UNLIKELY(a == NULL))
                die("arena_create");
            if (bytes) {
                p = arena_alloc(a, bytes);
                if (L_UNLIKELY(p == NULL))
                    die("arena_alloc");
                *p = i;
                ck += *p;
            }
            arena_destroy(a);
        } else if (k == K_APR) {
            apr_pool_t *a;
            if (L_UNLIKELY(apr_pool_create(&a, g_apr_root) != APR_SUCCESS))
                die("apr_pool_create");
            if (bytes) {
                p = apr_palloc(a, bytes);
                if (L_UNLIKELY(p == NULL))
                    die("apr_palloc");
                *p = i;
                ck += *p;
            }
            apr_pool_destroy(a);
        } else {
            void *a = talloc_new(g_tal_root);
            if (L_UNLIKELY(a == NULL))
                die("talloc_new");
            if (bytes) {
                p = talloc_size(a, bytes);
                if (L_UNLIKELY(p == NULL))
                    die("talloc_size");
                *p = i;
                ck += *p;
            }
            talloc_free(a);
        }
    }
    phase_end(&ph, res);
    g_sum += ck;
    res->ops = c->n;
}

/* ---- L4: scratch against save/restore ------------------------------------ */

L_INLINE void scratch_iteration(int k, const cfg_t *c, int timed, run_t *res)
{
    size_t bytes = c->param;
    uint64_t ck = 0;
    phase_t ph;
    phase_begin(&ph, c, timed);
    for (size_t i = 0; i < c->n; i++) {
        if (k == K_SCRATCH) {
            arena_scratch_t s = arena_scratch_begin(NULL, 0);
            if (L_UNLIKELY(s.arena == NULL))
                die("arena_scratch_begin");
            uint64_t *p = arena_alloc(s.arena, bytes);
            if (L_UNLIKELY(p == NULL))
                die("arena_alloc");
            *p = i;
            ck += *p;
            arena_scratch_end(s);
        } else {
            arena_mark_t m = arena_save(g_arena_root);
            uint64_t *p = arena_alloc(g_arena_root, bytes);
            if (L_UNLIKELY(p == NULL))
                die("arena_alloc");
            *p = i;
            ck += *p;
            arena_restore(g_arena_root, m);
        }
    }
    phase_end(&ph, res);
    g_sum += ck;
    res->ops = c->n;
}

/* One function per (workload group, contender): the constant k folds every
 * primitive above into straight-line calls. */
typedef void (*iter_fn)(const cfg_t *, int, run_t *);
#define L_ITER(name, body, k)                                                                      \
    static void name(const cfg_t *c, int timed, run_t *r)                                          \
    {                                                                                              \
        body(k, c, timed, r);                                                                      \
    }
L_ITER(pools_arena, pools_iteration, K_ARENA)
L_ITER(pools_apr, pools_iteration, K_APR)
L_ITER(pools_talloc, pools_iteration, K_TALLOC)
L_ITER(child_child, children_iteration, K_CHILD)
L_ITER(child_arena, children_iteration, K_ARENA)
L_ITER(child_apr, children_iteration, K_APR)
L_ITER(child_talloc, children_iteration, K_TALLOC)
L_ITER(scratch_scratch, scratch_iteration, K_SCRATCH)
L_ITER(scratch_save, scratch_iteration, K_SAVE)

/* ---- the configurations ---------------------------------------------------- */

typedef struct {
    const char *workload, *mode;
    size_t param;
    const char *contender;
    int kind;
    iter_fn fn;
} conf_t;

#define L_POOLS(w, mode, n)                                                                        \
    {w, mode, n, "arena", K_ARENA, pools_arena}, {w, mode, n, "apr", K_APR, pools_apr},            \
    {                                                                                              \
        w, mode, n, "talloc", K_TALLOC, pools_talloc                                               \
    }
#define L_CHILD(mode, n)                                                                           \
    {"L3", mode, n, "arena-child", K_CHILD, child_child},                                          \
        {"L3", mode, n, "arena-create", K_ARENA, child_arena},                                     \
        {"L3", mode, n, "apr", K_APR, child_apr},                                                  \
    {                                                                                              \
        "L3", mode, n, "talloc", K_TALLOC, child_talloc                                            \
    }

static const conf_t confs[] = {
    L_POOLS("L1", "call", 16),
    L_POOLS("L1", "object", 16),
    L_POOLS("L2", "clear", 16),
    L_POOLS("L2", "clear", 1024),
    L_POOLS("L2", "destroy", 16),
    L_POOLS("L2", "destroy", 1024),
    L_CHILD("bare", 0),
    L_CHILD("alloc", 64),
    {"L4", "alloc", 64, "scratch", K_SCRATCH, scratch_scratch},
    {"L4", "alloc", 64, "save-restore", K_SAVE, scratch_save},
};
#define N_CONFS (sizeof confs / sizeof confs[0])

/* ---- set-up and main ------------------------------------------------------- */

static void setup(const conf_t *cf, const cfg_t *c)
{
    if (apr_initialize() != APR_SUCCESS || apr_pool_create(&g_apr_root, NULL) != APR_SUCCESS)
        die("apr_initialize");
    g_tal_root = talloc_new(NULL);
    g_arena_root = arena_create(0);
    if (g_tal_root == NULL || g_arena_root == NULL)
        die("root");
    if (cf->workload[1] == '1' || cf->workload[1] == '2') {
        if (c->param == 0 || c->param > L_BATCH_OPS * 64)
            die("--param: cleanups per request, 1..65536");
        g_per = c->param;
        g_batch = (L_BATCH_OPS + g_per - 1) / g_per;
        g_objs = malloc(g_batch * g_per * sizeof *g_objs);
        if (g_objs == NULL)
            die("malloc");
        if (strcmp(cf->mode, "destroy") != 0)
            for (size_t r = 0; r < g_batch; r++)
                g_pools[r] = pool_open(cf->kind);
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: bench-life --list | -w L1..L4 -c CONTENDER --mode M --param P [-n OPS] "
                    "[--warmup K] [--reps R] [--callgrind] [--header]\n");
    exit(2);
}

static size_t arg_num(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end != '\0')
        usage();
    return (size_t)v;
}

int main(int argc, char **argv)
{
    cfg_t c = {NULL, NULL, NULL, 1000000, (size_t)-1, 1, 5, 0};
    int header = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--list")) {
            for (size_t k = 0; k < N_CONFS; k++)
                printf("%s %s %zu %s\n", confs[k].workload, confs[k].mode, confs[k].param,
                       confs[k].contender);
            return 0;
        } else if (!strcmp(a, "--header")) {
            header = 1;
        } else if (!strcmp(a, "--callgrind")) {
            c.callgrind = 1;
        } else if (v == NULL) {
            usage();
        } else if (!strcmp(a, "-w")) {
            c.workload = v, i++;
        } else if (!strcmp(a, "-c")) {
            c.contender = v, i++;
        } else if (!strcmp(a, "--mode")) {
            c.mode = v, i++;
        } else if (!strcmp(a, "--param")) {
            c.param = arg_num(v), i++;
        } else if (!strcmp(a, "-n")) {
            c.n = arg_num(v), i++;
        } else if (!strcmp(a, "--warmup")) {
            c.warmup = (int)arg_num(v), i++;
        } else if (!strcmp(a, "--reps")) {
            c.reps = (int)arg_num(v), i++;
        } else {
            usage();
        }
    }
    if (header)
        printf("variant,workload,contender,mode,threads,param,ops,ns,faults,maxrss_kb,"
               "base_rss_kb,extra,checksum\n");
    if (c.workload == NULL || c.contender == NULL) {
        if (header)
            return 0;
        usage();
    }
    const conf_t *cf = NULL;
    for (size_t k = 0; k < N_CONFS && cf == NULL; k++)
        if (!strcmp(confs[k].workload, c.workload) && !strcmp(confs[k].contender, c.contender)
            && (c.mode == NULL || !strcmp(confs[k].mode, c.mode)))
            cf = &confs[k];
    if (cf == NULL) {
        fprintf(stderr, "bench-life: no configuration %s/%s/%s (see --list)\n", c.workload,
                c.mode ? c.mode : "-", c.contender);
        return 2;
    }
    if (c.mode == NULL)
        c.mode = cf->mode;
    if (c.param == (size_t)-1)
        c.param = cf->param;
    if (c.n == 0)
        usage();
    setup(cf, &c);

    for (int it = 0; it < c.warmup + c.reps; it++) {
        int timed = it >= c.warmup;
        run_t r = {0, 0, 0};
        if (timed && g_base_rss_kb < 0)
            g_base_rss_kb = b_rss_kb();
        cf->fn(&c, timed, &r);
        if (!timed)
            continue;
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("life,%s,%s,%s,1,%zu,%llu,%llu,%ld,%ld,%ld,0.000,%llu\n", c.workload, c.contender,
               c.mode, c.param, (unsigned long long)r.ops, (unsigned long long)r.ns, r.faults,
               ru.ru_maxrss, g_base_rss_kb, (unsigned long long)g_sum);
        fflush(stdout);
    }
    return 0;
}
