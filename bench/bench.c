/*
 * bench.c -- the benchmark driver.  One source, four executables:
 *
 *   bench-glibc     the limit (a bump pointer in a register) and limit-mem
 *                   (its state in memory), arena (arena_alloc; per iteration, and
 *                   arena-reset: one arena reset between iterations),
 *                   arena-ts (arena_alloc_thread_safe), orig (the original
 *                   mutex design), glibc malloc, obstack, APR, talloc
 *   bench-jemalloc  jemalloc's malloc (linked with -ljemalloc)
 *   bench-tcmalloc  tcmalloc's malloc (-ltcmalloc_minimal)
 *   bench-mimalloc  mi_malloc/mi_free and mi_heap_new/mi_heap_destroy
 *                   (libmimalloc.so also overrides malloc: its own binary)
 *
 * One invocation runs one workload for one contender: set-up, warm-up, then
 * the timed repetitions, one CSV line each on stdout.  scripts/bench.sh runs
 * a fresh process per (workload, contender, repetition), rotating the order,
 * so that peak RSS belongs to one contender and one workload.
 *
 *   bench-glibc --list                       contenders and their workloads
 *   bench-glibc --check                      proves which malloc serves it
 *   bench-glibc -w W1 -c arena [-n N] [--cycles C] [--per P] [--threads T]
 *               [--shared|--private] [--warmup K] [--reps R] [--json-mb M]
 *               [--callgrind] [--header]
 *   bench-glibc -w D1 -c arena [-n N] [--decay-mode idle|calls|decay-now|helper]
 *               [--decay-ms MS]              RSS over time after arenas are
 *                                            destroyed: the cache's decay
 *
 * CSV: variant,workload,contender,mode,threads,param,ops,ns,faults,
 *      maxrss_kb,base_rss_kb,extra,checksum
 */
#include "bench.h"
#include "contenders.h"

#include <cJSON.h>
#include <dlfcn.h>
#if defined(BENCH_VARIANT_GLIBC)
#include <gnu/libc-version.h>
#endif
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define B_HAVE_CALLGRIND 1
#endif
#endif

#if defined(BENCH_VARIANT_GLIBC)
#define B_VARIANT "glibc"
#elif defined(BENCH_VARIANT_JEMALLOC)
#define B_VARIANT "jemalloc"
#elif defined(BENCH_VARIANT_TCMALLOC)
#define B_VARIANT "tcmalloc"
#elif defined(BENCH_VARIANT_MIMALLOC)
#define B_VARIANT "mimalloc"
#else
#error "define one BENCH_VARIANT_*"
#endif

/* ---- inputs ---------------------------------------------------------------- */

uint8_t *g_small;
size_t g_small_n;
uint16_t *g_mixed;
size_t g_mixed_n;
size_t *g_large;
size_t g_large_n;
void **g_ptrs;
size_t g_ptrs_n;
char *g_json;
size_t g_json_len;
size_t g_json_allocs;
size_t g_json_bytes;
size_t g_talloc_hdr = 128;
#if defined(BENCH_VARIANT_GLIBC)
c_limit_t *volatile g_limit_mem_state;
#endif

const char *g_words[64] = {
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
    "quebec",
    "romeo",
    "sierra",
    "tango",
    "uniform",
    "victor",
    "whiskey",
    "xray",
    "yankee",
    "zulu",
    "amsterdam",
    "baltimore",
    "casablanca",
    "denmark",
    "edison",
    "florida",
    "gallipoli",
    "havana",
    "italia",
    "jerusalem",
    "kilogramme",
    "liverpool",
    "madagascar",
    "new-york",
    "oslo",
    "paris",
    "quebec-qc",
    "roma",
    "santiago",
    "tripoli",
    "upsala",
    "valencia",
    "washington",
    "xanthippe",
    "yokohama",
    "zurich",
    "a",
    "bb",
    "ccc",
    "dddd",
    "a-much-longer-string-for-strdup",
    "x",
    "yy",
    "the quick brown fox",
    "jumps over the lazy dog",
    "0123456789abcdef0123456789",
    "lorem ipsum dolor sit amet",
    "consectetur adipiscing elit sed do eiusmod",
};

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void *b_alloc_touched(size_t n)
{
    /* Transparent huge pages where the arena gets them too (its default
     * backing advises them for blocks of 4 MiB and up), so that the limit
     * is not slowed by TLB misses the arena does not have. */
    const size_t huge = (size_t)2 << 20;
    char *p;
    if (n >= 2 * huge) {
        p = aligned_alloc(huge, (n + huge - 1) & ~(huge - 1));
        if (p != NULL)
            madvise(p, (n + huge - 1) & ~(huge - 1), MADV_HUGEPAGE);
    } else {
        p = malloc(n);
    }
    if (p == NULL)
        bench_die("malloc for a pre-touched buffer");
    /* A store to every page through a volatile pointer: malloc + memset(0)
     * may be turned into calloc, which would leave the pages untouched. */
    for (size_t i = 0; i < n; i += 4096)
        ((volatile char *)p)[i] = 1;
    if (n > 0)
        ((volatile char *)p)[n - 1] = 1;
    return p;
}

static void gen_small(size_t n)
{
    uint64_t s = 1;
    g_small = malloc(n);
    if (g_small == NULL)
        bench_die("malloc");
    for (size_t i = 0; i < n; i++)
        g_small[i] = (uint8_t)(16 + splitmix(&s) % 49);
    g_small_n = n;
}

static void gen_mixed(size_t n)
{
    uint64_t s = 2;
    g_mixed = malloc(n * sizeof *g_mixed);
    if (g_mixed == NULL)
        bench_die("malloc");
    for (size_t i = 0; i < n; i++) {
        uint64_t r = splitmix(&s);
        g_mixed[i] = (uint16_t)((r & 0xff) | (((r >> 8) % 7) << 8));
    }
    g_mixed_n = n;
}

static void gen_large(size_t n)
{
    uint64_t s = 3;
    g_large = malloc(n * sizeof *g_large);
    if (g_large == NULL)
        bench_die("malloc");
    for (size_t i = 0; i < n; i++) {
        double u = (double)(splitmix(&s) >> 11) / 9007199254740992.0; /* [0,1) */
        g_large[i] = (size_t)(65536.0 * exp2(6.0 * u));               /* 64 KiB .. 4 MiB */
    }
    g_large_n = n;
}

static void gen_ptrs(size_t n)
{
    g_ptrs = b_alloc_touched(n * sizeof *g_ptrs);
    g_ptrs_n = n;
}

size_t need_small(size_t n)
{
    size_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += ((size_t)g_small[i] + 15) & ~(size_t)15;
    return t;
}

size_t need_mixed(size_t n)
{
    size_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += (size_t)(g_mixed[i] & 0xff) + 1 + ((size_t)1 << (g_mixed[i] >> 8));
    return t;
}

size_t need_large_cycle(size_t cycles, size_t per)
{
    size_t most = 0;
    for (size_t k = 0; k < cycles; k++) {
        size_t t = 0;
        for (size_t i = 0; i < per; i++)
            t += g_large[k * per + i] + 16;
        if (t > most)
            most = t;
    }
    return most;
}

/* ---- W6: the JSON document --------------------------------------------------- */

typedef struct {
    char *p;
    size_t len, cap;
} sbuf_t;

static void sb_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf_t *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            bench_die("vsnprintf");
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        b->cap *= 2;
        b->p = realloc(b->p, b->cap);
        if (b->p == NULL)
            bench_die("realloc");
    }
}

/* An array of user records (ids, names, e-mails, flags, numbers, tags, a
 * nested address, a short history): what a web service exchanges. */
static void gen_json(size_t bytes)
{
    sbuf_t b = {malloc(bytes + 4096), 0, bytes + 4096};
    if (b.p == NULL)
        bench_die("malloc");
    uint64_t s = 4;
    sb_printf(&b, "{\"version\":1,\"generator\":\"arena-bench\",\"users\":[");
    for (size_t i = 0; b.len < bytes; i++) {
        uint64_t r = splitmix(&s);
        const char *first = g_words[r & 63], *last = g_words[(r >> 6) & 63];
        sb_printf(&b,
                  "%s{\"id\":%zu,\"uid\":\"%08x-%04x\",\"active\":%s,\"score\":%u,"
                  "\"ratio\":%u.%03u,\"name\":\"%s %s\",\"email\":\"%s.%s%u@example.com\","
                  "\"tags\":[\"%s\",\"%s\",\"%s\"],\"address\":{\"street\":\"%u %s St\","
                  "\"city\":\"%s\",\"zip\":\"%05u\"},\"history\":[%u,%u,%u,%u,%u],"
                  "\"manager\":null}",
                  i ? "," : "", i, (unsigned)(r >> 32), (unsigned)(r >> 16) & 0xffff,
                  (r >> 12) & 1 ? "true" : "false", (unsigned)(r >> 20) % 1000,
                  (unsigned)(r >> 30) % 10, (unsigned)(r >> 34) % 1000, first, last, first, last,
                  (unsigned)(r >> 44) % 100, g_words[(r >> 12) & 63], g_words[(r >> 18) & 63],
                  g_words[(r >> 24) & 63], (unsigned)(r >> 40) % 9999 + 1, g_words[(r >> 30) & 63],
                  g_words[(r >> 36) & 63], (unsigned)(r >> 42) % 100000, (unsigned)(r >> 3) % 500,
                  (unsigned)(r >> 13) % 500, (unsigned)(r >> 23) % 500, (unsigned)(r >> 33) % 500,
                  (unsigned)(r >> 43) % 500);
    }
    sb_printf(&b, "]}");
    g_json = b.p;
    g_json_len = b.len;
}

uint64_t json_walk(const cJSON *j);
uint64_t json_walk(const cJSON *j)
{
    uint64_t sum = 0;
    for (; j != NULL; j = j->next) {
        sum += (uint64_t)j->type;
        if (j->string != NULL)
            sum += strlen(j->string);
        if (cJSON_IsString(j))
            sum += strlen(j->valuestring);
        else if (cJSON_IsNumber(j))
            sum += (uint64_t)j->valueint;
        if (j->child != NULL)
            sum += json_walk(j->child);
    }
    return sum;
}

static size_t count_n, count_bytes;
static void *count_malloc(size_t n)
{
    count_n++;
    count_bytes += (n + 15) & ~(size_t)15;
    return malloc(n);
}

/* Counts the allocations of one parse in a child process, so that the
 * memory the counting parse takes never shows in this process's RSS. */
static void json_count(void)
{
    int fd[2];
    size_t res[2] = {0, 0};
    if (pipe(fd) != 0)
        bench_die("pipe");
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        bench_die("fork");
    if (pid == 0) {
        cJSON_Hooks h = {count_malloc, free};
        cJSON_InitHooks(&h);
        cJSON *root = cJSON_Parse(g_json);
        if (root == NULL)
            _exit(1);
        cJSON_Delete(root);
        res[0] = count_n;
        res[1] = count_bytes;
        _exit(write(fd[1], res, sizeof res) == (ssize_t)sizeof res ? 0 : 1);
    }
    close(fd[1]);
    ssize_t got = read(fd[0], res, sizeof res);
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got != (ssize_t)sizeof res || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        bench_die("counting the allocations of a parse");
    g_json_allocs = res[0];
    g_json_bytes = res[1];
}

/* ---- measuring ----------------------------------------------------------- */

static long g_base_rss_kb = -1;

void meas_begin(meas_t *m, const params_t *p, int timed)
{
    if (g_base_rss_kb < 0)
        g_base_rss_kb = b_rss_kb(); /* after set-up, before the first iteration */
#ifdef B_HAVE_CALLGRIND
    if (p->callgrind && timed)
        CALLGRIND_START_INSTRUMENTATION;
#else
    (void)p;
    (void)timed;
#endif
    m->flt0 = b_minflt();
    m->t0 = b_now_ns();
}

void meas_end(meas_t *m, const params_t *p, int timed, run_t *r)
{
    uint64_t t1 = b_now_ns();
    long f1 = b_minflt();
#ifdef B_HAVE_CALLGRIND
    if (p->callgrind && timed)
        CALLGRIND_STOP_INSTRUMENTATION;
#else
    (void)p;
    (void)timed;
#endif
    r->ns = t1 - m->t0;
    r->faults = f1 - m->flt0;
}

static const char *g_mode = "";
static size_t g_param;

void bench_record(const params_t *p, const char *contender, const run_t *r)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%s,%s,%s,%s,%u,%zu,%llu,%llu,%ld,%ld,%ld,%.3f,%llu\n", B_VARIANT, p->workload,
           contender, g_mode, p->threads, g_param, (unsigned long long)r->ops,
           (unsigned long long)r->ns, r->faults, ru.ru_maxrss, g_base_rss_kb, r->extra,
           (unsigned long long)r->checksum);
    fflush(stdout);
}

void bench_die(const char *what)
{
    fprintf(stderr, "bench-%s: %s (errno %d: %s)\n", B_VARIANT, what, errno, strerror(errno));
    exit(1);
}

/* ---- the contenders of this binary ------------------------------------------ */

#if defined(BENCH_VARIANT_GLIBC)
#define CT limit
#define CT_NAME "limit"
#include "workloads.h"
#undef CT
#undef CT_NAME
#define CT limit_mem
#define CT_NAME "limit-mem"
#include "workloads.h"
#undef CT
#undef CT_NAME
#define CT arena
#define CT_NAME "arena"
#include "workloads.h"
#undef CT
#undef CT_NAME
#define CT arena_reset
#define CT_NAME "arena-reset"
#include "workloads.h"
#undef CT
#undef CT_NAME
#define CT arena_ts
#define CT_NAME "arena-ts"
#include "workloads.h"
#undef CT
#undef CT_NAME
#define CT orig
#define CT_NAME "orig"
#include "workloads.h"
#undef CT
#undef CT_NAME
#define CT obstack
#define CT_NAME "obstack"
#include "workloads.h"
#undef CT
#undef CT_NAME
#define CT apr
#define CT_NAME "apr"
#include "workloads.h"
#undef CT
#undef CT_NAME
#define CT talloc
#define CT_NAME "talloc"
#include "workloads.h"
#undef CT
#undef CT_NAME
#endif

#if defined(BENCH_VARIANT_GLIBC) || defined(BENCH_VARIANT_JEMALLOC)                                \
    || defined(BENCH_VARIANT_TCMALLOC)
#define CT malloc
#define CT_NAME B_VARIANT
#include "workloads.h"
#undef CT
#undef CT_NAME
#endif

#if defined(BENCH_VARIANT_MIMALLOC)
#define CT mimalloc
#define CT_NAME "mimalloc"
#include "workloads.h"
#undef CT
#undef CT_NAME
#define CT mi_heap
#define CT_NAME "mi-heap"
#include "workloads.h"
#undef CT
#undef CT_NAME
#endif

/* ---- D1: RSS over time after per-request arenas are destroyed ---------------- */

#if defined(BENCH_VARIANT_GLIBC)
/* Eight requests back to back, each an arena of p->n W1 allocations
 * (created, filled, destroyed); then, from the last destroy (t = 0), the
 * process samples its RSS every 50 ms for three decay times and a bit, and
 * meanwhile, by mode:
 *   idle       nothing at all;
 *   calls      every 100 ms a small request (arena_create(0), one
 *              allocation, arena_destroy): a server with light traffic;
 *   decay-now  every 100 ms arena_cache_decay_now();
 *   helper     nothing, with the helper thread started before the requests.
 * One CSV row per sample: param = ms since t = 0 (nominal), extra = RSS in
 * MiB, ns = CPU time of the whole process since t = 0, faults = minor
 * faults since t = 0, checksum = bytes in the cache. */
static void d1(const params_t *p, const char *mode)
{
    const int calls = !strcmp(mode, "calls"), decay_now = !strcmp(mode, "decay-now");
    if (!calls && !decay_now && strcmp(mode, "idle") && strcmp(mode, "helper"))
        bench_die("D1: --decay-mode is idle, calls, decay-now or helper");
    if (!strcmp(mode, "helper") && arena_cache_set_helper(1) != 0)
        bench_die("arena_cache_set_helper");
    g_mode = mode;
    g_base_rss_kb = b_rss_kb();
    for (int r = 0; r < 8; r++) {
        arena_t *a = arena_create(0);
        if (a == NULL)
            bench_die("arena_create");
        for (size_t i = 0; i < p->n; i++) {
            uint64_t *q = arena_alloc(a, g_small[i]);
            if (B_UNLIKELY(q == NULL))
                bench_die("allocation failed");
            q[0] = i;
        }
        arena_destroy(a);
    }
    const uint64_t step = 50, span = 3 * (uint64_t)arena_cache_decay() + 200;
    const uint64_t t0 = b_now_ns(), cpu0 = b_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    const long flt0 = b_minflt();
    for (uint64_t t = 0; t <= span; t += step) {
        uint64_t at = t0 + t * 1000000u;
        struct timespec ts = {(time_t)(at / 1000000000u), (long)(at % 1000000000u)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
        if (t != 0 && t % 100 == 0) {
            if (calls) {
                arena_t *a = arena_create(0);
                if (a == NULL || arena_alloc(a, 64) == NULL)
                    bench_die("arena_create");
                arena_destroy(a);
            } else if (decay_now) {
                (void)arena_cache_decay_now();
            }
        }
        run_t r = {0};
        g_param = (size_t)t;
        r.ns = b_clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
        r.ops = 1;
        r.faults = b_minflt() - flt0;
        r.extra = (double)b_rss_kb() / 1024.0;
        r.checksum = arena_cache_size();
        bench_record(p, "arena", &r);
    }
}
#endif

typedef void (*wfn_t)(const params_t *);
typedef struct {
    const char *name;
    const char *workloads; /* what scripts/bench.sh runs it in */
    int frees;
    wfn_t w1, w2, w3, w4, w5, w6, w7;
} contender_t;

#define ENTRY(ct, name, list)                                                                      \
    {                                                                                              \
        name, list, c_##ct##_frees, w1_##ct, w2_##ct, w3_##ct, w4_##ct, w5_##ct, w6_##ct, w7_##ct  \
    }

static const contender_t contenders[] = {
#if defined(BENCH_VARIANT_GLIBC)
    ENTRY(limit, "limit", "W1 W2 W3 W3r W4p W5 W6 W7"),
    ENTRY(limit_mem, "limit-mem", "W1 W2 W3 W5 W6"),
    ENTRY(arena, "arena", "W1 W2 W3 W3r W4p W5 W6 W7 D1"),
    ENTRY(arena_reset, "arena-reset", "W1 W2 W5 W6"),
    ENTRY(arena_ts, "arena-ts", "W1 W2 W3 W4s W4p"),
    ENTRY(orig, "orig", "W1 W2 W3 W3r W4s W4p W5 W6 W7"),
    ENTRY(malloc, "glibc", "W1 W2 W3 W3r W4s W5 W6 W7"),
    ENTRY(obstack, "obstack", "W1 W2 W3 W3r W4p W5 W6 W7"),
    ENTRY(apr, "apr", "W1 W2 W3 W3r W4p W5 W6 W7"),
    ENTRY(talloc, "talloc", "W1 W2 W3 W3r W4p W5 W6 W7"),
#elif defined(BENCH_VARIANT_JEMALLOC)
    ENTRY(malloc, "jemalloc", "W1 W2 W3 W3r W4s W5 W6 W7"),
#elif defined(BENCH_VARIANT_TCMALLOC)
    ENTRY(malloc, "tcmalloc", "W1 W2 W3 W3r W4s W5 W6 W7"),
#elif defined(BENCH_VARIANT_MIMALLOC)
    ENTRY(mimalloc, "mimalloc", "W1 W2 W3 W3r W4s W5 W6 W7"),
    ENTRY(mi_heap, "mi-heap", "W1 W2 W3 W3r W4p W5 W6 W7"),
#endif
};
#define N_CONTENDERS (sizeof contenders / sizeof contenders[0])

/* ---- which malloc is this? -------------------------------------------------- */

static int check_allocator(void)
{
    void *probe = malloc(1000);
    void *je = dlsym(RTLD_DEFAULT, "mallctl");
    void *tc = dlsym(RTLD_DEFAULT, "MallocExtension_GetOwnership");
    void *mi = dlsym(RTLD_DEFAULT, "mi_is_in_heap_region");
    int ok = 0;
    char what[160] = "";
#if defined(BENCH_VARIANT_GLIBC)
    ok = je == NULL && tc == NULL && mi == NULL;
    snprintf(what, sizeof what, "glibc %s malloc_usable_size(malloc(1000))=%zu",
             gnu_get_libc_version(), malloc_usable_size(probe));
#elif defined(BENCH_VARIANT_JEMALLOC)
    if (je != NULL && tc == NULL && mi == NULL) {
        int (*mallctl)(const char *, void *, size_t *, void *, size_t) =
            (int (*)(const char *, void *, size_t *, void *, size_t))je;
        const char *v = "?";
        size_t len = sizeof v;
        uint64_t a0 = 0, a1 = 0;
        size_t l8 = sizeof a0;
        mallctl("version", &v, &len, NULL, 0);
        mallctl("thread.allocated", &a0, &l8, NULL, 0);
        void *volatile q = malloc(12345); /* volatile: the pair must not be elided */
        l8 = sizeof a1;
        mallctl("thread.allocated", &a1, &l8, NULL, 0);
        ok = a1 > a0; /* malloc() went through jemalloc */
        snprintf(what, sizeof what, "jemalloc %s thread.allocated +%llu", v,
                 (unsigned long long)(a1 - a0));
        free(q);
    }
#elif defined(BENCH_VARIANT_TCMALLOC)
    if (tc != NULL && je == NULL && mi == NULL) {
        int (*own)(const void *) = (int (*)(const void *))tc;
        const char *(*ver)(int *, int *, const char **) =
            (const char *(*)(int *, int *, const char **))dlsym(RTLD_DEFAULT, "tc_version");
        ok = own(probe) == 1; /* MallocExtension_kOwned: malloc() went through tcmalloc */
        snprintf(what, sizeof what, "%s owns malloc()'s memory: %d",
                 ver ? ver(NULL, NULL, NULL) : "tcmalloc", ok);
    }
#elif defined(BENCH_VARIANT_MIMALLOC)
    if (mi != NULL && je == NULL && tc == NULL) {
        ok = mi_is_in_heap_region(probe); /* malloc() went through mimalloc */
        snprintf(what, sizeof what, "mimalloc %d owns malloc()'s memory: %d", mi_version(), ok);
    }
#endif
    free(probe);
    printf("%s %s: %s\n", B_VARIANT, ok ? "ok" : "WRONG ALLOCATOR", what);
    return ok ? 0 : 1;
}

#if defined(BENCH_VARIANT_GLIBC)
/* What a child of a talloc pool costs beyond its size. */
static void measure_talloc_hdr(void)
{
    void *pool = talloc_pool(NULL, 4096);
    char *a = talloc_size(pool, 16), *b = talloc_size(pool, 16);
    /* b - a = header + 16; keep 16 bytes of margin for sizes that round up. */
    if (pool != NULL && a != NULL && b != NULL && b > a)
        g_talloc_hdr = (size_t)(b - a);
    talloc_free(pool);
}
#endif

/* ---- main ------------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr,
            "usage: bench-%s --list | --check | -w W1..W7|W3r -c CONTENDER [-n N] "
            "[--cycles C] [--per P] [--threads T] [--shared|--private] [--warmup K] "
            "[--reps R] [--json-mb M] [--callgrind] [--header]\n"
            "       bench-%s -w D1 -c arena [-n N] [--decay-mode idle|calls|decay-now|helper] "
            "[--decay-ms MS]\n",
            B_VARIANT, B_VARIANT);
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
    params_t p = {NULL, 0, 0, 0, 1, 0, 1, 5, 0};
    const char *cname = NULL;
    size_t json_mb = 24;
    const char *decay_mode = "idle";
    int header = 0, n_set = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--list")) {
            for (size_t k = 0; k < N_CONTENDERS; k++)
                printf("%s %s\n", contenders[k].name, contenders[k].workloads);
            return 0;
        } else if (!strcmp(a, "--check")) {
            return check_allocator();
        } else if (!strcmp(a, "--header")) {
            header = 1;
        } else if (!strcmp(a, "--callgrind")) {
            p.callgrind = 1;
        } else if (!strcmp(a, "--shared")) {
            p.shared = 1;
        } else if (!strcmp(a, "--private")) {
            p.shared = 0;
        } else if (v == NULL) {
            usage();
        } else if (!strcmp(a, "-w")) {
            p.workload = v, i++;
        } else if (!strcmp(a, "-c")) {
            cname = v, i++;
        } else if (!strcmp(a, "-n")) {
            p.n = arg_num(v), n_set = 1, i++;
        } else if (!strcmp(a, "--cycles")) {
            p.cycles = arg_num(v), i++;
        } else if (!strcmp(a, "--per")) {
            p.per_cycle = arg_num(v), i++;
        } else if (!strcmp(a, "--threads")) {
            p.threads = (unsigned)arg_num(v), i++;
        } else if (!strcmp(a, "--warmup")) {
            p.warmup = (int)arg_num(v), i++;
        } else if (!strcmp(a, "--reps")) {
            p.reps = (int)arg_num(v), i++;
        } else if (!strcmp(a, "--json-mb")) {
            json_mb = arg_num(v), i++;
        } else if (!strcmp(a, "--decay-mode")) {
            decay_mode = v, i++;
        } else if (!strcmp(a, "--decay-ms")) {
            (void)arg_num(v);
            setenv("ARENA_CACHE_DECAY_MS", v, 1); /* read at the cache's first use */
            i++;
        } else {
            usage();
        }
    }
    if (header)
        printf("variant,workload,contender,mode,threads,param,ops,ns,faults,maxrss_kb,"
               "base_rss_kb,extra,checksum\n");
    if (p.workload == NULL || cname == NULL) {
        if (header)
            return 0;
        usage();
    }
    const contender_t *c = NULL;
    for (size_t k = 0; k < N_CONTENDERS; k++)
        if (!strcmp(contenders[k].name, cname))
            c = &contenders[k];
    if (c == NULL) {
        fprintf(stderr, "bench-%s: no contender %s here (see --list)\n", B_VARIANT, cname);
        return 2;
    }
    if (p.threads == 0)
        p.threads = 1;
    (void)decay_mode; /* D1 exists in bench-glibc only */
#if defined(BENCH_VARIANT_GLIBC)
    measure_talloc_hdr();
    apr_initialize();
    /* Diagnostics only (not used by scripts/bench.sh): another cap for the
     * process-wide block cache of destroyed arenas. */
    const char *cl = getenv("BENCH_ARENA_CACHE_LIMIT");
    if (cl != NULL)
        arena_cache_set_limit(arg_num(cl));
    if (!strcmp(p.workload, "D1")) {
        if (strcmp(cname, "arena"))
            bench_die("D1 is measured for arena only");
        /* A resident cap below the working set, so that both tiers show;
         * through the environment, read at the cache's first use (here). */
        setenv("ARENA_CACHE_LIMIT", "64m", 0);
        if (!n_set)
            p.n = 2000000;
        gen_small(p.n);
        d1(&p, decay_mode);
        return 0;
    }
#endif

    const char *w = p.workload;
    wfn_t fn = NULL;
    size_t nptrs = 0;
    if (!strcmp(w, "W1")) {
        if (!n_set)
            p.n = 10000000;
        gen_small(p.n);
        nptrs = p.n;
        fn = c->w1;
    } else if (!strcmp(w, "W2")) {
        if (!n_set)
            p.n = 2000000;
        gen_mixed(p.n);
        nptrs = p.n;
        fn = c->w2;
    } else if (!strcmp(w, "W3") || !strcmp(w, "W3r")) {
        if (p.cycles == 0)
            p.cycles = 1000;
        if (p.per_cycle == 0)
            p.per_cycle = 100000;
        gen_small(p.per_cycle);
        nptrs = p.per_cycle;
        g_param = p.per_cycle;
        fn = c->w3;
    } else if (!strcmp(w, "W4")) {
        if (!n_set)
            p.n = 1000000;
        gen_small(p.n);
        nptrs = p.n * p.threads;
        g_mode = p.shared ? "shared" : "private";
        fn = c->w4;
    } else if (!strcmp(w, "W5")) {
        if (!n_set)
            p.n = 1000000;
        nptrs = 2 * p.n;
        fn = c->w5;
    } else if (!strcmp(w, "W6")) {
        gen_json(json_mb * 1024 * 1024);
        json_count();
        g_param = g_json_len;
        fn = c->w6;
    } else if (!strcmp(w, "W7")) {
        if (p.cycles == 0)
            p.cycles = 64;
        if (p.per_cycle == 0)
            p.per_cycle = 8;
        gen_large(p.cycles * p.per_cycle);
        nptrs = p.per_cycle;
        fn = c->w7;
    } else {
        usage();
    }
    if (c->frees && nptrs > 0)
        gen_ptrs(nptrs);
    fn(&p);
    return 0;
}
