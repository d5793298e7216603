/*
 * bench_libs.c -- W8: the eight real libraries of examples/ (cJSON,
 * jansson, libxml2, expat, Lua 5.4, SQLite, zlib, PCRE2), each run as its
 * example program runs it, timed.  One source, two executables, so that
 * each process is served by exactly one malloc:
 *
 *   bench-libs           glibc: the libraries on their own allocation (the
 *                        C library's malloc); arena: the wiring
 *                        docs/integrations.md recommends; arena-<alt>: the
 *                        other wiring where a program has one
 *   bench-libs-mimalloc  mimalloc: linked with -lmimalloc, whose malloc
 *                        replaces the C library's in that process, for the
 *                        libraries too (--check proves it through SQLite)
 *
 * A workload is a program and one of its modes (LIB:MODE, e.g.
 * sqlite:file); a timed iteration is one run: its requests (or rounds) on
 * inputs made before any clock starts.  One invocation runs set-up, the
 * untimed warm-up runs (for SQLite's file database in the arena, the first
 * also measures SQLite's live peak, which sets the cap, max_size, of the
 * runs after it), then the timed ones, one CSV line each (bench.c's
 * columns, so scripts/bench.sh and bench/report.py take them with the
 * others):
 *
 *   ns        CPU time of the run (the process's; every library here is
 *             single-threaded), extra: its wall time in ms
 *   ops       requests (rounds) in the run; param: max_size of a capped run
 *             (SQLite's file database in the arena), else 0
 *   maxrss_kb the process's peak RSS; base_rss_kb: RSS after set-up
 *   checksum  the run's digest: the same for every contender, or a
 *             library's output differs
 *
 *   bench-libs --list | --check | --header
 *   bench-libs -w W8 -c CONTENDER --lib LIB:MODE [--small] [--scale F]
 *              [--requests N] [--cap F] [--warmup K] [--reps R] [--callgrind]
 */
#include "example.h"
#include "probe.h"

#include <dlfcn.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define B_HAVE_CALLGRIND 1
#endif
#endif

#if defined(BENCH_LIBS_MIMALLOC)
#include <mimalloc.h>
#define B_VARIANT "libs-mimalloc"
#else
#define B_VARIANT "libs"
#endif

/* Every workload and its size in a full run: the test's inputs made larger
 * or repeated, so that a run takes a good part of a second. */
static const struct {
    const ex_prog_t *prog;
    const char *mode;
    double scale;
    unsigned requests;
} workloads[] = {
    {&ex_cjson, "request", 2.0, 3},   /* 8 MB of JSON per request */
    {&ex_jansson, "request", 2.0, 3}, /* 8 MB of JSON per request */
    {&ex_libxml2, "request", 1.0, 5}, /* the 2.4 MB MIME database */
    {&ex_expat, "request", 1.0, 10},  /* the same, streamed */
    {&ex_lua, "request", 1.0, 8},     /* 8 states, 2 rounds of 20,000 records each */
    {&ex_lua, "long", 1.0, 8},        /* one state, 16 rounds */
    {&ex_sqlite, "memory", 1.0, 10},  /* 100,000 rows, 10 rounds of changes */
    {&ex_sqlite, "file", 1.0, 10},
    {&ex_zlib, "request", 1.0, 9},  /* the MIME database at levels 1 to 9 */
    {&ex_pcre2, "request", 1.0, 2}, /* 8 patterns over the MIME database */
};
enum { NWORK = sizeof workloads / sizeof workloads[0] };

static void usage(void)
{
    fprintf(stderr,
            "usage: bench-%s --list | --check | --header\n"
            "       bench-%s -w W8 -c CONTENDER --lib LIB:MODE [--small] [--scale F] "
            "[--requests N] [--cap F] [--warmup K] [--reps R] [--callgrind]\n",
            B_VARIANT, B_VARIANT);
    exit(2);
}

static void list(void)
{
    for (size_t i = 0; i < NWORK; i++) {
        const ex_prog_t *p = workloads[i].prog;
        const char *m = workloads[i].mode;
#if defined(BENCH_LIBS_MIMALLOC)
        printf("%s:%s mimalloc\n", p->name, m);
#else
        printf("%s:%s glibc\n%s:%s arena\n", p->name, m, p->name, m);
        if (ex_has_alt(p, m))
            printf("%s:%s arena-%s\n", p->name, m, p->alt);
#endif
    }
}

/* Which malloc serves this process, and the libraries in it. */
static int check(void)
{
    void *probe = malloc(1000);
    void *lib = sqlite3_malloc(1000); /* SQLite's default allocation: its malloc */
    void *mi = dlsym(RTLD_DEFAULT, "mi_is_in_heap_region");
    int ok;
#if defined(BENCH_LIBS_MIMALLOC)
    ok = mi != NULL && mi_is_in_heap_region(probe) && mi_is_in_heap_region(lib);
    printf("%s %s: mimalloc %d owns malloc()'s memory and SQLite's (libsqlite3 %s): %d\n",
           B_VARIANT, ok ? "ok" : "WRONG ALLOCATOR", mi_version(), sqlite3_libversion(), ok);
#else
    ok = mi == NULL && dlsym(RTLD_DEFAULT, "mallctl") == NULL
         && dlsym(RTLD_DEFAULT, "MallocExtension_GetOwnership") == NULL;
    printf("%s %s: glibc %s malloc_usable_size(malloc(1000))=%zu; the libraries link the C "
           "library's malloc\n",
           B_VARIANT, ok ? "ok" : "WRONG ALLOCATOR", gnu_get_libc_version(),
           malloc_usable_size(probe));
#endif
    sqlite3_free(lib);
    free(probe);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *w = NULL, *contender = NULL, *lib = NULL;
    int warmup = 1, reps = 1, callgrind = 0, small = 0;
    double scale = 0, cap = 4.0;
    unsigned requests = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "--list")) {
            list();
            return 0;
        } else if (!strcmp(a, "--check")) {
            return check();
        } else if (!strcmp(a, "--header")) {
            printf("variant,workload,contender,mode,threads,param,ops,ns,faults,maxrss_kb,"
                   "base_rss_kb,extra,checksum\n");
            return 0;
        } else if (!strcmp(a, "-w") && more) {
            w = argv[++i];
        } else if (!strcmp(a, "-c") && more) {
            contender = argv[++i];
        } else if (!strcmp(a, "--lib") && more) {
            lib = argv[++i];
        } else if (!strcmp(a, "--scale") && more) {
            scale = atof(argv[++i]);
        } else if (!strcmp(a, "--requests") && more) {
            requests = (unsigned)atoi(argv[++i]);
        } else if (!strcmp(a, "--cap") && more) {
            cap = atof(argv[++i]);
        } else if (!strcmp(a, "--warmup") && more) {
            warmup = atoi(argv[++i]);
        } else if (!strcmp(a, "--reps") && more) {
            reps = atoi(argv[++i]);
        } else if (!strcmp(a, "--small")) {
            small = 1;
        } else if (!strcmp(a, "--callgrind")) {
            callgrind = 1;
        } else {
            usage();
        }
    }
    if (w == NULL || strcmp(w, "W8") != 0 || contender == NULL || lib == NULL || reps < 1
        || warmup < 0)
        usage();

    size_t k = 0;
    for (; k < NWORK; k++) {
        char name[64];
        snprintf(name, sizeof name, "%s:%s", workloads[k].prog->name, workloads[k].mode);
        if (!strcmp(name, lib))
            break;
    }
    if (k == NWORK)
        usage();
    const ex_prog_t *p = workloads[k].prog;
    ex_cfg_t c = {.mode = workloads[k].mode,
                  .scale = scale > 0 ? scale : workloads[k].scale,
                  .requests = requests > 0 ? requests : workloads[k].requests,
                  .cap = cap,
                  .out = NULL};
    if (small) { /* --quick and the callgrind pass */
        if (scale <= 0)
            c.scale /= 4;
        if (requests == 0)
            c.requests = (c.requests + 3) / 4;
    }
    char alt[64] = "";
    if (p->alt != NULL)
        snprintf(alt, sizeof alt, "arena-%s", p->alt);
#if defined(BENCH_LIBS_MIMALLOC)
    if (!strcmp(contender, "mimalloc"))
        c.alloc = EX_MALLOC;
#else
    if (!strcmp(contender, "glibc"))
        c.alloc = EX_MALLOC;
    else if (!strcmp(contender, "arena"))
        c.alloc = EX_ARENA;
    else if (alt[0] != '\0' && !strcmp(contender, alt) && ex_has_alt(p, c.mode))
        c.alloc = EX_ALT;
#endif
    else
        usage();

    if (p->prepare(&c) != 0) {
        fprintf(stderr, "bench-%s: %s: no input\n", B_VARIANT, lib);
        return 1;
    }
    long base = b_rss_kb();
    for (int it = 0; it < warmup + reps; it++) {
        int timed = it >= warmup;
        uint64_t digest = 0;
#ifdef B_HAVE_CALLGRIND
        if (callgrind && timed)
            CALLGRIND_START_INSTRUMENTATION;
#else
        (void)callgrind;
#endif
        long f0 = b_minflt();
        uint64_t w0 = b_clock_ns(CLOCK_MONOTONIC), t0 = b_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
        int rc = p->run(&c, &digest);
        uint64_t t1 = b_clock_ns(CLOCK_PROCESS_CPUTIME_ID), w1 = b_clock_ns(CLOCK_MONOTONIC);
        long f1 = b_minflt();
#ifdef B_HAVE_CALLGRIND
        if (callgrind && timed)
            CALLGRIND_STOP_INSTRUMENTATION;
#endif
        if (rc != 0) {
            fprintf(stderr, "bench-%s: %s %s: the run failed\n", B_VARIANT, lib, contender);
            return 1;
        }
        if (!timed)
            continue;
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("%s,W8,%s,%s,1,%zu,%u,%llu,%ld,%ld,%ld,%.3f,%llu\n", B_VARIANT, contender, lib,
               ex_cap_bytes, c.requests, (unsigned long long)(t1 - t0), f1 - f0, ru.ru_maxrss, base,
               (double)(w1 - w0) / 1e6, (unsigned long long)digest);
        fflush(stdout);
    }
    p->finish();
    return 0;
}
