/*
 * workloads.h -- the workloads, stamped out once per contender.
 *
 * Include with CT (the contender's identifier in contenders.h) and CT_NAME
 * (its name in the results) defined; it defines w1_CT ... w7_CT.  The
 * contender's operations are static inline, so arena_alloc, the limit and
 * obstack_alloc inline into the loops here, and the malloc-style contenders
 * make the one call they make in a real program.
 *
 * Every workload: untimed set-up (c_X_prepare), p->warmup untimed
 * iterations, then p->reps timed ones, each recorded with bench_record.  An
 * iteration includes creating and destroying the contender's pool where it
 * has one (c_X_open/c_X_close) and releasing everything the natural way:
 * one free per pointer for malloc-style contenders, one reset/destroy for
 * the rest.
 */
#ifndef CT
#error "define CT and CT_NAME before including workloads.h"
#endif

#include <cJSON.h>
#include <pthread.h>

#define W_CAT3_(a, b, c) a##b##c
#define W_CAT3(a, b, c) W_CAT3_(a, b, c)
#define W_CAT4_(a, b, c, d) a##b##c##d
#define W_CAT4(a, b, c, d) W_CAT4_(a, b, c, d)
#define F(x) W_CAT3(x, _, CT)
#define OP(x) W_CAT4(c_, CT, _, x)
#define CTX W_CAT3(c_, CT, _t)

/* W1: p->n allocations of 16..64 bytes, each touched, then all released. */
static void F(w1)(const params_t *p)
{
    CTX c;
    const size_t n = p->n;
    const uint8_t *sz = g_small;
    void **ptrs = g_ptrs;
    OP(prepare)(&c, need_small(n), n);
    for (int it = 0; it < p->warmup + p->reps; it++) {
        const int timed = it >= p->warmup;
        run_t r = {0};
        meas_t m;
        meas_begin(&m, p, timed);
        OP(open)(&c);
        for (size_t i = 0; i < n; i++) {
            uint64_t *q = (uint64_t *)OP(alloc)(&c, sz[i]);
            if (B_UNLIKELY(q == NULL))
                bench_die("allocation failed");
            q[0] = i;
            if (OP(frees))
                ptrs[i] = q;
        }
        if (OP(frees))
            for (size_t i = 0; i < n; i++)
                OP(free)(&c, ptrs[i]);
        OP(close)(&c);
        meas_end(&m, p, timed, &r);
        r.ops = n;
        if (timed)
            bench_record(p, CT_NAME, &r);
    }
    OP(unprepare)(&c);
}

/* W2: sizes 1..256 at alignments 1..64, each touched, then all released. */
static void F(w2)(const params_t *p)
{
    CTX c;
    const size_t n = p->n;
    const uint16_t *mx = g_mixed;
    void **ptrs = g_ptrs;
    OP(prepare)(&c, need_mixed(n), n);
    for (int it = 0; it < p->warmup + p->reps; it++) {
        const int timed = it >= p->warmup;
        run_t r = {0};
        meas_t m;
        meas_begin(&m, p, timed);
        OP(open)(&c);
        for (size_t i = 0; i < n; i++) {
            size_t size = (size_t)(mx[i] & 0xff) + 1;
            size_t al = (size_t)1 << (mx[i] >> 8);
            unsigned char *q = (unsigned char *)OP(alloc_al)(&c, size, al);
            if (B_UNLIKELY(q == NULL))
                bench_die("allocation failed");
            q[0] = (unsigned char)i;
            if (OP(frees))
                ptrs[i] = q;
        }
        if (OP(frees))
            for (size_t i = 0; i < n; i++)
                OP(free)(&c, ptrs[i]);
        OP(close)(&c);
        meas_end(&m, p, timed, &r);
        r.ops = n;
        if (timed)
            bench_record(p, CT_NAME, &r);
    }
    OP(unprepare)(&c);
}

/* W3 (and W3r): p->cycles cycles of p->per_cycle allocations of 16..64
 * bytes, each cycle ended by a release (reset); one pool per iteration.
 * extra: ns per release. */
static void F(w3)(const params_t *p)
{
    CTX c;
    const size_t per = p->per_cycle;
    const uint8_t *sz = g_small;
    void **ptrs = g_ptrs;
    OP(prepare)(&c, need_small(per), per);
    for (int it = 0; it < p->warmup + p->reps; it++) {
        const int timed = it >= p->warmup;
        /* A warm-up iteration only needs to bring the pool to steady state. */
        const size_t cycles = timed ? p->cycles : (p->cycles < 10 ? p->cycles : 10);
        run_t r = {0};
        meas_t m;
        uint64_t rel = 0;
        meas_begin(&m, p, timed);
        OP(open)(&c);
        for (size_t k = 0; k < cycles; k++) {
            for (size_t i = 0; i < per; i++) {
                uint64_t *q = (uint64_t *)OP(alloc)(&c, sz[i]);
                if (B_UNLIKELY(q == NULL))
                    bench_die("allocation failed");
                q[0] = i;
                if (OP(frees))
                    ptrs[i] = q;
            }
            uint64_t t = b_now_ns();
            if (OP(frees))
                for (size_t i = 0; i < per; i++)
                    OP(free)(&c, ptrs[i]);
            OP(reset)(&c);
            rel += b_now_ns() - t;
        }
        OP(close)(&c);
        meas_end(&m, p, timed, &r);
        r.ops = cycles * per;
        r.extra = (double)rel / (double)cycles;
        if (timed)
            bench_record(p, CT_NAME, &r);
    }
    OP(unprepare)(&c);
}

/* W4: p->threads threads, p->n allocations each, on one shared allocator
 * (p->shared) or one per thread.  Allocators are created once; every round
 * (warm-up rounds, then timed ones) allocates, touches and releases (each
 * thread frees its own pointers or resets its own pool; the main thread
 * resets a shared pool after the threads are done).  Timed: from the start
 * barrier to the release. */
typedef struct {
    const params_t *p;
    CTX shared;
    CTX *priv;
    uint64_t *cpu_ns; /* each thread's CPU time in the last round */
    pthread_barrier_t start, done;
    int rounds;
} F(w4_t);

typedef struct {
    F(w4_t) * s;
    size_t idx;
    pthread_t th;
} F(w4_arg_t);

static void *F(w4_thread)(void *argp)
{
    F(w4_arg_t) *arg = (F(w4_arg_t) *)argp;
    F(w4_t) *s = arg->s;
    const params_t *p = s->p;
    const size_t n = p->n;
    const uint8_t *sz = g_small;
    void **ptrs = OP(frees) ? g_ptrs + arg->idx * n : NULL;
    CTX *c = p->shared ? &s->shared : &s->priv[arg->idx];
    if (!p->shared)
        OP(open)(c); /* in the thread: a mimalloc heap belongs to its thread */
    for (int round = 0; round < s->rounds; round++) {
        pthread_barrier_wait(&s->start);
        uint64_t cpu0 = b_thread_cpu_ns();
        for (size_t i = 0; i < n; i++) {
            uint64_t *q = (uint64_t *)OP(alloc)(c, sz[i]);
            if (B_UNLIKELY(q == NULL))
                bench_die("allocation failed");
            q[0] = i;
            if (OP(frees))
                ptrs[i] = q;
        }
        if (OP(frees))
            for (size_t i = 0; i < n; i++)
                OP(free)(c, ptrs[i]);
        if (!p->shared)
            OP(reset)(c);
        s->cpu_ns[arg->idx] = b_thread_cpu_ns() - cpu0;
        pthread_barrier_wait(&s->done);
    }
    if (!p->shared)
        OP(close)(c);
    return NULL;
}

static void F(w4)(const params_t *p)
{
    if ((p->shared && !OP(shared)) || (!p->shared && !OP(private)))
        bench_die("this contender has no such W4 mode");
    const unsigned nt = p->threads;
    F(w4_t) s;
    s.p = p;
    s.rounds = p->warmup + p->reps;
    s.priv = calloc(nt, sizeof *s.priv);
    s.cpu_ns = calloc(nt, sizeof *s.cpu_ns);
    F(w4_arg_t) *args = calloc(nt, sizeof *args);
    if (s.priv == NULL || s.cpu_ns == NULL || args == NULL)
        bench_die("calloc");
    pthread_barrier_init(&s.start, NULL, nt + 1);
    pthread_barrier_init(&s.done, NULL, nt + 1);
    if (p->shared) {
        OP(prepare)(&s.shared, need_small(p->n) * nt, p->n * nt);
        OP(open)(&s.shared);
    } else {
        for (unsigned t = 0; t < nt; t++)
            OP(prepare)(&s.priv[t], need_small(p->n), p->n);
    }
    for (unsigned t = 0; t < nt; t++) {
        args[t].s = &s;
        args[t].idx = t;
        if (pthread_create(&args[t].th, NULL, F(w4_thread), &args[t]) != 0)
            bench_die("pthread_create");
    }
    for (int round = 0; round < s.rounds; round++) {
        const int timed = round >= p->warmup;
        run_t r = {0};
        meas_t m;
        meas_begin(&m, p, timed);
        pthread_barrier_wait(&s.start);
        pthread_barrier_wait(&s.done);
        if (p->shared)
            OP(reset)(&s.shared);
        meas_end(&m, p, timed, &r);
        r.ops = p->n * nt;
        /* extra: how many threads really ran at once (CPU time / wall time):
         * about `nt` on an idle machine, about 1 when they took turns. */
        uint64_t cpu = 0;
        for (unsigned t = 0; t < nt; t++)
            cpu += s.cpu_ns[t];
        r.extra = r.ns ? (double)cpu / (double)r.ns : 0;
        if (timed)
            bench_record(p, CT_NAME, &r);
    }
    for (unsigned t = 0; t < nt; t++)
        pthread_join(args[t].th, NULL);
    if (p->shared) {
        OP(close)(&s.shared);
        OP(unprepare)(&s.shared);
    } else {
        for (unsigned t = 0; t < nt; t++)
            OP(unprepare)(&s.priv[t]);
    }
    pthread_barrier_destroy(&s.start);
    pthread_barrier_destroy(&s.done);
    free(s.priv);
    free(s.cpu_ns);
    free(args);
}

/* W5: p->n sprintf-formatted strings and p->n strdup-ed ones. */
static char *F(sprintf)(CTX *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *F(sprintf)(CTX *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = OP(vsprintf)(c, fmt, ap);
    va_end(ap);
    return s;
}

static void F(w5)(const params_t *p)
{
    CTX c;
    const size_t n = p->n;
    void **ptrs = g_ptrs;
    OP(prepare)(&c, n * 128, 2 * n);
    for (int it = 0; it < p->warmup + p->reps; it++) {
        const int timed = it >= p->warmup;
        run_t r = {0};
        meas_t m;
        uint64_t sum = 0;
        meas_begin(&m, p, timed);
        OP(open)(&c);
        for (size_t i = 0; i < n; i++) {
            char *s = F(sprintf)(&c, "%s-%zu:%08x/%d", g_words[i & 63], i,
                                 (unsigned)(i * 2654435761u), (int)(i % 1000));
            char *d = OP(strdup)(&c, g_words[(i * 7) & 63]);
            if (B_UNLIKELY(s == NULL || d == NULL))
                bench_die("allocation failed");
            sum += (unsigned char)s[0] + (unsigned char)d[1];
            if (OP(frees)) {
                ptrs[2 * i] = s;
                ptrs[2 * i + 1] = d;
            }
        }
        if (OP(frees))
            for (size_t i = 0; i < 2 * n; i++)
                OP(free)(&c, ptrs[i]);
        OP(close)(&c);
        meas_end(&m, p, timed, &r);
        r.ops = 2 * n;
        r.checksum = sum;
        if (timed)
            bench_record(p, CT_NAME, &r);
    }
    OP(unprepare)(&c);
}

/* W6: cJSON parses the document through cJSON_InitHooks (the contender's
 * allocation, its free or a no-op for pools), the tree is walked, freed
 * with cJSON_Delete, and the pool released. */
static CTX *F(json_ctx);
static void *F(json_malloc)(size_t n)
{
    return OP(alloc)(F(json_ctx), n);
}
static void F(json_free)(void *q)
{
    if (OP(frees))
        OP(free)(F(json_ctx), q);
    else
        (void)q;
}

static void F(w6)(const params_t *p)
{
    CTX c;
    OP(prepare)(&c, g_json_bytes, g_json_allocs);
    F(json_ctx) = &c;
    if (OP(json_default)) {
        cJSON_InitHooks(NULL);
    } else {
        cJSON_Hooks h = {F(json_malloc), F(json_free)};
        cJSON_InitHooks(&h);
    }
    for (int it = 0; it < p->warmup + p->reps; it++) {
        const int timed = it >= p->warmup;
        run_t r = {0};
        meas_t m;
        meas_begin(&m, p, timed);
        OP(open)(&c);
        cJSON *root = cJSON_Parse(g_json);
        if (root == NULL)
            bench_die("cJSON_Parse");
        r.checksum = json_walk(root);
        cJSON_Delete(root);
        OP(close)(&c);
        meas_end(&m, p, timed, &r);
        r.ops = g_json_allocs;
        if (timed)
            bench_record(p, CT_NAME, &r);
    }
    cJSON_InitHooks(NULL);
    OP(unprepare)(&c);
}

/* W7: p->cycles cycles of p->per_cycle allocations of 64 KiB..4 MiB, every
 * page touched, released at the end of each cycle. */
static void F(w7)(const params_t *p)
{
    CTX c;
    const size_t per = p->per_cycle;
    void **ptrs = g_ptrs;
    OP(prepare)(&c, need_large_cycle(p->cycles, per), per);
    for (int it = 0; it < p->warmup + p->reps; it++) {
        const int timed = it >= p->warmup;
        run_t r = {0};
        meas_t m;
        meas_begin(&m, p, timed);
        OP(open)(&c);
        for (size_t k = 0; k < p->cycles; k++) {
            for (size_t i = 0; i < per; i++) {
                size_t size = g_large[k * per + i];
                char *q = (char *)OP(alloc)(&c, size);
                if (B_UNLIKELY(q == NULL))
                    bench_die("allocation failed");
                for (size_t off = 0; off < size; off += 4096)
                    q[off] = (char)off;
                q[size - 1] = 1;
                if (OP(frees))
                    ptrs[i] = q;
            }
            if (OP(frees))
                for (size_t i = 0; i < per; i++)
                    OP(free)(&c, ptrs[i]);
            OP(reset)(&c);
        }
        OP(close)(&c);
        meas_end(&m, p, timed, &r);
        r.ops = p->cycles * per;
        if (timed)
            bench_record(p, CT_NAME, &r);
    }
    OP(unprepare)(&c);
}

#undef F
#undef OP
#undef CTX
