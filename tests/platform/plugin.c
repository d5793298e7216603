/*
 * plugin.c LIBRARY -- self-checking: the shared library loaded at run time
 * (dlopen; LoadLibrary on Windows), as a plugin host or a Python ctypes
 * program loads it, and used from several threads at once.
 *
 * This is what a thread-local variable in the initial-exec model forbids
 * on musl ("initial-exec TLS resolves to dynamic definition") and limits on
 * glibc (a small static reserve): the library's thread-safe path keeps its
 * per-thread table in thread-local storage (os.h, ARENA__TLS).  Four
 * threads allocate from one arena through arena_alloc_thread_safe and from
 * one arena each, stamping every byte; then every allocation is checked
 * (stamp intact, aligned, owned, disjoint from all others), the arenas are
 * destroyed and the library is unloaded, and a thread started after that
 * still starts and exits cleanly.
 * The program is not linked with the library: it knows only the path.
 */
#include <arena.h>

#include "check.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
typedef HMODULE lib_t;
static lib_t lib_open(const char *path)
{
    return LoadLibraryA(path);
}
static void *lib_sym(lib_t lib, const char *name)
{
    FARPROC f = GetProcAddress(lib, name);
    void *p;
    memcpy(&p, &f, sizeof p);
    return p;
}
static int lib_close(lib_t lib)
{
    return FreeLibrary(lib) ? 0 : -1;
}
static const char *lib_error(void)
{
    static char msg[32];
    snprintf(msg, sizeof msg, "error %lu", (unsigned long)GetLastError());
    return msg;
}
#else
#include <dlfcn.h>
typedef void *lib_t;
static lib_t lib_open(const char *path)
{
    return dlopen(path, RTLD_NOW | RTLD_LOCAL);
}
static void *lib_sym(lib_t lib, const char *name)
{
    return dlsym(lib, name);
}
static int lib_close(lib_t lib)
{
    return dlclose(lib);
}
static const char *lib_error(void)
{
    return dlerror();
}
#endif

/* The calls used, resolved by name.  ISO C has no conversion from an
 * object pointer to a function pointer: the symbol's address is copied. */
static struct {
    arena_t *(*create)(size_t);
    void (*destroy)(arena_t *);
    void *(*alloc_ts)(arena_t *, size_t, size_t);
    int (*owns)(const arena_t *, const void *);
    int (*check)(const arena_t *, const char **);
    arena_stats_t (*stats)(const arena_t *);
    const char *(*version)(void);
} api;

static bool resolve(lib_t lib, const char *name, void *slot, size_t size)
{
    void *p = lib_sym(lib, name);
    if (p == NULL) {
        fprintf(stderr, "plugin: %s not found\n", name);
        return false;
    }
    memcpy(slot, &p, size);
    return true;
}
#define RESOLVE(lib, field, name) resolve((lib), (name), &api.field, sizeof api.field)

enum { NTHREADS = 4, PER_THREAD = 20000 };

typedef struct {
    arena_t *shared;
    arena_t *own;
    unsigned char **p;
    size_t *size;
    size_t n;
    unsigned id;
} worker_t;

static void *work(void *arg)
{
    worker_t *w = arg;
    for (size_t i = 0; i < PER_THREAD; i++) {
        size_t size = 1 + (i * 2654435761u + w->id) % 120, al = (size_t)1 << (i % 8);
        arena_t *a = i % 4 == 3 ? w->own : w->shared;
        unsigned char *p = api.alloc_ts(a, size, al);
        if (p == NULL || (uintptr_t)p % al != 0)
            return NULL; /* found short by the caller */
        memset(p, (int)(w->id * 31 + i) & 0xff, size);
        w->p[w->n] = p;
        w->size[w->n] = size;
        w->n++;
    }
    return NULL;
}

static int by_start(const void *x, const void *y)
{
    const unsigned char *const *a = x, *const *b = y;
    return (uintptr_t)a[0] < (uintptr_t)b[0] ? -1 : (uintptr_t)a[0] > (uintptr_t)b[0];
}

static void *nothing(void *arg)
{
    return arg;
}

static void run(void)
{
    static worker_t w[NTHREADS];
    static unsigned char *span[NTHREADS * PER_THREAD][2];
    pthread_t t[NTHREADS];
    arena_t *shared = api.create(4096);
    if (!CHECK(shared != NULL))
        return;
    for (unsigned i = 0; i < NTHREADS; i++) {
        w[i] = (worker_t){.shared = shared, .own = api.create(0), .id = i};
        w[i].p = malloc(PER_THREAD * sizeof *w[i].p);
        w[i].size = malloc(PER_THREAD * sizeof *w[i].size);
        if (!CHECK(w[i].own != NULL && w[i].p != NULL && w[i].size != NULL))
            exit(1);
    }
    for (unsigned i = 0; i < NTHREADS; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, work, &w[i]), 0);
    for (unsigned i = 0; i < NTHREADS; i++)
        CHECK_EQ(pthread_join(t[i], NULL), 0);

    size_t n = 0, bytes = 0, broken = 0, foreign = 0;
    for (unsigned i = 0; i < NTHREADS; i++) {
        CHECK_EQ(w[i].n, PER_THREAD);
        for (size_t j = 0; j < w[i].n; j++) {
            unsigned char want = (unsigned char)((w[i].id * 31 + j) & 0xff);
            for (size_t b = 0; b < w[i].size[j]; b++)
                broken += w[i].p[j][b] != want;
            arena_t *a = j % 4 == 3 ? w[i].own : shared;
            foreign += !api.owns(a, w[i].p[j]);
            span[n][0] = w[i].p[j];
            span[n][1] = w[i].p[j] + w[i].size[j];
            bytes += a == shared ? w[i].size[j] : 0;
            n++;
        }
    }
    qsort(span, n, sizeof span[0], by_start);
    size_t overlaps = 0;
    for (size_t i = 1; i < n; i++)
        overlaps += span[i][0] < span[i - 1][1];
    CHECK_EQ(broken, 0);  /* bytes that lost their thread's stamp */
    CHECK_EQ(foreign, 0); /* allocations their arena does not own */
    CHECK_EQ(overlaps, 0);
    const char *why = "";
    CHECK_EQ(api.check(shared, &why), 0);
    CHECK(api.stats(shared).used >= bytes);
    for (unsigned i = 0; i < NTHREADS; i++) {
        CHECK_EQ(api.check(w[i].own, &why), 0);
        api.destroy(w[i].own);
        free(w[i].p);
        free(w[i].size);
    }
    api.destroy(shared);
    printf("plugin: %zu allocations from %d threads checked\n", n, NTHREADS);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: plugin LIBRARY\n");
        return 2;
    }
    lib_t lib = lib_open(argv[1]);
    if (lib == NULL) {
        fprintf(stderr, "plugin: cannot load %s: %s\n", argv[1], lib_error());
        return 1;
    }
    if (!(RESOLVE(lib, create, "arena_create") && RESOLVE(lib, destroy, "arena_destroy")
          && RESOLVE(lib, alloc_ts, "arena_alloc_thread_safe") && RESOLVE(lib, owns, "arena_owns")
          && RESOLVE(lib, check, "arena_check") && RESOLVE(lib, stats, "arena_stats")
          && RESOLVE(lib, version, "arena_version")))
        return 1;
    CHECK(strcmp(api.version(), ARENA_VERSION_STRING) == 0);
    run();
    CHECK_EQ(lib_close(lib), 0);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, nothing, NULL), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    return check_done("plugin");
}
