/*
 * ts_speed.c LABEL [LIBRARY] -- how long arena_alloc_thread_safe takes per
 * call, with 1 and 2 threads on one arena: the cost of the library's
 * thread-local access, which depends on how the library reaches its
 * per-thread table (os.h, ARENA__TLS): a static link resolves it at link
 * time, a shared library through its TLS model (initial-exec on glibc, the
 * general-dynamic __tls_get_addr call on musl), a dlopen'ed one the same
 * way at run time.  With LIBRARY the calls are resolved from it (dlopen);
 * without, from the library the program was linked with.  In every case
 * the call goes through a function pointer, so that only the library's
 * side differs.
 *
 * Each thread makes ARENA_SPEED_N (default 1000000) calls of 16 bytes per
 * round; the arena is reset between rounds, so after the first (untimed)
 * round no call meets a page fault.  Prints the median of 9 rounds, in ns
 * per call per thread.  A measurement, not a test: it asserts no time.
 */
#include <arena.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(ARENA_SPEED_DLOPEN)
#include <dlfcn.h>
#endif

static arena_t *(*create_fn)(size_t);
static void (*destroy_fn)(arena_t *);
static void (*reset_fn)(arena_t *);
static void *(*alloc_fn)(arena_t *, size_t, size_t);

enum { ROUNDS = 9, MAXT = 2 };
static size_t g_n;
static arena_t *g_arena;
static pthread_barrier_t g_start;

static void *work(void *arg)
{
    unsigned char sum = 0;
    pthread_barrier_wait(&g_start);
    for (size_t i = 0; i < g_n; i++) {
        unsigned char *p = alloc_fn(g_arena, 16, 16);
        if (p == NULL)
            abort();
        p[0] = (unsigned char)i; /* touched, as a caller would */
        sum ^= p[0];
    }
    *(unsigned char *)arg = sum;
    return NULL;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* One round with `threads` threads: ns per call per thread. */
static double round_ns(int threads)
{
    pthread_t t[MAXT];
    unsigned char sums[MAXT];
    pthread_barrier_init(&g_start, NULL, (unsigned)threads + 1);
    for (int i = 0; i < threads; i++)
        if (pthread_create(&t[i], NULL, work, &sums[i]) != 0)
            abort();
    double t0 = now_ns();
    pthread_barrier_wait(&g_start);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    double ns = (now_ns() - t0) / (double)g_n;
    pthread_barrier_destroy(&g_start);
    reset_fn(g_arena);
    return ns;
}

static int by_value(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static void resolve(void *lib, const char *name, void *slot, size_t size)
{
#if defined(ARENA_SPEED_DLOPEN)
    void *p = dlsym(lib, name);
    if (p == NULL) {
        fprintf(stderr, "ts_speed: %s: %s\n", name, dlerror());
        exit(1);
    }
    memcpy(slot, &p, size);
#else
    (void)lib;
    (void)name;
    (void)slot;
    (void)size;
#endif
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ts_speed LABEL [LIBRARY]\n");
        return 2;
    }
    const char *n = getenv("ARENA_SPEED_N");
    g_n = n != NULL && atol(n) > 0 ? (size_t)atol(n) : 1000000;
#if defined(ARENA_SPEED_DLOPEN)
    if (argc != 3) {
        fprintf(stderr, "usage: ts_speed LABEL LIBRARY\n");
        return 2;
    }
    void *lib = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "ts_speed: %s\n", dlerror());
        return 1;
    }
#else
    void *lib = NULL;
    create_fn = arena_create;
    destroy_fn = arena_destroy;
    reset_fn = arena_reset;
    alloc_fn = arena_alloc_thread_safe;
#endif
    resolve(lib, "arena_create", &create_fn, sizeof create_fn);
    resolve(lib, "arena_destroy", &destroy_fn, sizeof destroy_fn);
    resolve(lib, "arena_reset", &reset_fn, sizeof reset_fn);
    resolve(lib, "arena_alloc_thread_safe", &alloc_fn, sizeof alloc_fn);

    printf("%-22s", argv[1]);
    for (int threads = 1; threads <= MAXT; threads++) {
        g_arena = create_fn((size_t)1 << 20);
        if (g_arena == NULL)
            return 1;
        (void)round_ns(threads); /* faults the blocks in; they stay for the next rounds */
        double ns[ROUNDS];
        for (int r = 0; r < ROUNDS; r++)
            ns[r] = round_ns(threads);
        qsort(ns, ROUNDS, sizeof ns[0], by_value);
        printf("  %d thread%s %6.2f ns", threads, threads > 1 ? "s" : " ", ns[ROUNDS / 2]);
        destroy_fn(g_arena);
    }
    printf("\n");
    return 0;
}
