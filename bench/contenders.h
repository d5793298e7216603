/*
 * contenders.h -- every allocator the suite compares, behind one set of
 * static inline operations so that the workload template (workloads.h) can
 * be stamped out once per contender with no indirect call per allocation:
 *
 *   c_X_t                        the contender's state
 *   c_X_frees                    1: memory is released one pointer at a time
 *                                (the workload keeps the pointers and calls
 *                                c_X_free on each); 0: released all at once
 *   c_X_shared, c_X_private      W4 modes it supports
 *   c_X_prepare(c, bytes, count) untimed set-up; bytes/count: what the
 *                                workload will ask for (capacity hints for
 *                                fixed-size contenders)
 *   c_X_open(c) / c_X_close(c)   start / end of one iteration (create /
 *                                destroy the pool), timed
 *   c_X_alloc(c, n)              n bytes at the contender's natural alignment
 *   c_X_alloc_al(c, n, al)       n bytes aligned to al (power of two <= 64)
 *   c_X_free(c, p)
 *   c_X_reset(c)                 release everything, keep the allocator
 *   c_X_unprepare(c)             untimed tear-down
 *   c_X_strdup, c_X_vsprintf     W5
 *   c_X_json_default             1: cJSON keeps its default malloc/free hooks
 *
 * Which contenders exist depends on the binary (BENCH_VARIANT_*): allocators
 * that replace malloc each get an executable of their own so that nothing
 * else in that process, and nothing in the glibc binary, is served by them.
 */
#ifndef BENCH_CONTENDERS_H
#define BENCH_CONTENDERS_H

#include "bench.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline void *b_align_up(void *p, size_t al)
{
    return (void *)(((uintptr_t)p + al - 1) & ~(uintptr_t)(al - 1));
}

/* Formats into a stack buffer, then copies into `n+1` bytes from alloc_fn:
 * the natural sprintf for an allocator without one of its own. */
#define B_FMT_COPY(allocexpr, fmt, ap)                                                             \
    do {                                                                                           \
        char buf_[256];                                                                            \
        va_list ap2_;                                                                              \
        va_copy(ap2_, ap);                                                                         \
        int n_ = vsnprintf(buf_, sizeof buf_, fmt, ap2_);                                          \
        va_end(ap2_);                                                                              \
        if (n_ < 0)                                                                                \
            return NULL;                                                                           \
        size_t len_ = (size_t)n_;                                                                  \
        char *out_;                                                                                \
        {                                                                                          \
            size_t want_ = len_ + 1;                                                               \
            out_ = (char *)(allocexpr);                                                            \
        }                                                                                          \
        if (out_ == NULL)                                                                          \
            return NULL;                                                                           \
        if (len_ < sizeof buf_)                                                                    \
            memcpy(out_, buf_, len_ + 1);                                                          \
        else                                                                                       \
            vsnprintf(out_, len_ + 1, fmt, ap);                                                    \
        return out_;                                                                               \
    } while (0)

#if defined(BENCH_VARIANT_GLIBC)

#include "arena.h"
#include "orig.h"

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <obstack.h>
#include <pthread.h>
#include <talloc.h>

/* ---- the limit: a bare inline bump pointer into a pre-touched buffer ----- */

typedef struct {
    char *base;
    size_t cap;
    uintptr_t pos, end;
} c_limit_t;
enum { c_limit_frees = 0, c_limit_shared = 0, c_limit_private = 1, c_limit_json_default = 0 };

static void c_limit_prepare(c_limit_t *c, size_t bytes, size_t count)
{
    (void)count;
    c->cap = bytes + 4096;
    c->base = b_alloc_touched(c->cap);
    c->pos = (uintptr_t)c->base;
    c->end = c->pos + c->cap;
}
static inline void c_limit_open(c_limit_t *c)
{
    c->pos = (uintptr_t)c->base;
}
static inline void *c_limit_alloc_al(c_limit_t *c, size_t n, size_t al)
{
    uintptr_t p = (c->pos + al - 1) & ~(uintptr_t)(al - 1);
    if (B_UNLIKELY(p > c->end || n > c->end - p))
        return NULL;
    c->pos = p + n;
    return (void *)p;
}
static inline void *c_limit_alloc(c_limit_t *c, size_t n)
{
    return c_limit_alloc_al(c, n, B_ALIGN);
}
static inline void c_limit_free(c_limit_t *c, void *p)
{
    (void)c;
    (void)p;
}
static inline void c_limit_reset(c_limit_t *c)
{
    c->pos = (uintptr_t)c->base;
}
static inline void c_limit_close(c_limit_t *c)
{
    (void)c;
}
static void c_limit_unprepare(c_limit_t *c)
{
    free(c->base);
}
static inline char *c_limit_strdup(c_limit_t *c, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = c_limit_alloc_al(c, n, 1);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}
static char *c_limit_vsprintf(c_limit_t *c, const char *fmt, va_list ap)
{
    /* In place, like arena_sprintf's fast path. */
    size_t room = (size_t)(c->end - c->pos);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf((char *)c->pos, room, fmt, ap2);
    va_end(ap2);
    if (n < 0 || (size_t)n >= room)
        return NULL;
    char *s = (char *)c->pos;
    c->pos += (size_t)n + 1;
    return s;
}

/* ---- limit-mem: the same bump pointer, its state in memory ----------------
 * The limit keeps its position in a register: nothing the loop stores can
 * alias a local.  An allocator's state lives in memory (the arena's
 * position is in its struct, and a store through a pointer it returned may
 * alias it), so every allocation loads and stores it.  This is the limit
 * with its state behind a pointer that escapes: the floor for any
 * allocator whose state is an object. */

typedef struct {
    c_limit_t *s;
} c_limit_mem_t;
enum {
    c_limit_mem_frees = 0,
    c_limit_mem_shared = 0,
    c_limit_mem_private = 1,
    c_limit_mem_json_default = 0
};
extern c_limit_t *volatile g_limit_mem_state; /* where the state escapes to */

static void c_limit_mem_prepare(c_limit_mem_t *c, size_t bytes, size_t count)
{
    c->s = malloc(sizeof *c->s);
    if (c->s == NULL)
        bench_die("malloc");
    c_limit_prepare(c->s, bytes, count);
    g_limit_mem_state = c->s;
}
static inline void c_limit_mem_open(c_limit_mem_t *c)
{
    c_limit_open(c->s);
}
static inline void *c_limit_mem_alloc_al(c_limit_mem_t *c, size_t n, size_t al)
{
    c_limit_t *s = c->s;
    uintptr_t p = (s->pos + al - 1) & ~(uintptr_t)(al - 1);
    if (B_UNLIKELY(p > s->end || n > s->end - p))
        return NULL;
    s->pos = p + n;
    return (void *)p;
}
static inline void *c_limit_mem_alloc(c_limit_mem_t *c, size_t n)
{
    return c_limit_mem_alloc_al(c, n, B_ALIGN);
}
static inline void c_limit_mem_free(c_limit_mem_t *c, void *p)
{
    (void)c;
    (void)p;
}
static inline void c_limit_mem_reset(c_limit_mem_t *c)
{
    c_limit_reset(c->s);
}
static inline void c_limit_mem_close(c_limit_mem_t *c)
{
    (void)c;
}
static void c_limit_mem_unprepare(c_limit_mem_t *c)
{
    c_limit_unprepare(c->s);
    free(c->s);
}
static inline char *c_limit_mem_strdup(c_limit_mem_t *c, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = c_limit_mem_alloc_al(c, n, 1);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}
static char *c_limit_mem_vsprintf(c_limit_mem_t *c, const char *fmt, va_list ap)
{
    return c_limit_vsprintf(c->s, fmt, ap);
}

/* ---- arena: arena_alloc, one arena per iteration (create ... destroy) ---- */

typedef struct {
    arena_t *a;
} c_arena_t;
enum { c_arena_frees = 0, c_arena_shared = 0, c_arena_private = 1, c_arena_json_default = 0 };

static void c_arena_prepare(c_arena_t *c, size_t bytes, size_t count)
{
    (void)bytes;
    (void)count;
    c->a = NULL;
}
static inline void c_arena_open(c_arena_t *c)
{
    c->a = arena_create(0);
    if (c->a == NULL)
        bench_die("arena_create");
}
static inline void *c_arena_alloc(c_arena_t *c, size_t n)
{
    return arena_alloc(c->a, n);
}
static inline void *c_arena_alloc_al(c_arena_t *c, size_t n, size_t al)
{
    return arena_alloc_aligned(c->a, n, al);
}
static inline void c_arena_free(c_arena_t *c, void *p)
{
    (void)c;
    (void)p;
}
static inline void c_arena_reset(c_arena_t *c)
{
    arena_reset(c->a);
}
static inline void c_arena_close(c_arena_t *c)
{
    arena_destroy(c->a);
    c->a = NULL;
}
static void c_arena_unprepare(c_arena_t *c)
{
    (void)c;
}
static inline char *c_arena_strdup(c_arena_t *c, const char *s)
{
    return arena_strdup(c->a, s);
}
static char *c_arena_vsprintf(c_arena_t *c, const char *fmt, va_list ap)
{
    return arena_vsprintf(c->a, fmt, ap);
}

/* ---- arena-reset: one arena for the whole process, arena_reset to release */

typedef c_arena_t c_arena_reset_t;
enum {
    c_arena_reset_frees = 0,
    c_arena_reset_shared = 0,
    c_arena_reset_private = 1,
    c_arena_reset_json_default = 0
};
static void c_arena_reset_prepare(c_arena_t *c, size_t bytes, size_t count)
{
    (void)bytes;
    (void)count;
    c_arena_open(c);
}
static inline void c_arena_reset_open(c_arena_t *c)
{
    (void)c;
}
#define c_arena_reset_alloc c_arena_alloc
#define c_arena_reset_alloc_al c_arena_alloc_al
#define c_arena_reset_free c_arena_free
#define c_arena_reset_reset c_arena_reset
#define c_arena_reset_close c_arena_reset
#define c_arena_reset_strdup c_arena_strdup
#define c_arena_reset_vsprintf c_arena_vsprintf
static void c_arena_reset_unprepare(c_arena_t *c)
{
    c_arena_close(c);
}

/* ---- arena-ts: arena_alloc_thread_safe ----------------------------------- */

typedef c_arena_t c_arena_ts_t;
enum {
    c_arena_ts_frees = 0,
    c_arena_ts_shared = 1,
    c_arena_ts_private = 1,
    c_arena_ts_json_default = 0
};
#define c_arena_ts_prepare c_arena_prepare
#define c_arena_ts_open c_arena_open
static inline void *c_arena_ts_alloc(c_arena_t *c, size_t n)
{
    return arena_alloc_thread_safe(c->a, n, B_ALIGN);
}
static inline void *c_arena_ts_alloc_al(c_arena_t *c, size_t n, size_t al)
{
    return arena_alloc_thread_safe(c->a, n, al);
}
#define c_arena_ts_free c_arena_free
#define c_arena_ts_reset c_arena_reset
#define c_arena_ts_close c_arena_close
#define c_arena_ts_unprepare c_arena_unprepare
static inline char *c_arena_ts_strdup(c_arena_t *c, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = arena_alloc_thread_safe(c->a, n, 1);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}
static char *c_arena_ts_vsprintf(c_arena_t *c, const char *fmt, va_list ap)
{
    B_FMT_COPY(arena_alloc_thread_safe(c->a, want_, 1), fmt, ap);
}

/* ---- orig: the original design (mutex + bump, fixed capacity) ------------ */

typedef struct {
    orig_arena_t *a;
    size_t cap;
} c_orig_t;
enum { c_orig_frees = 0, c_orig_shared = 1, c_orig_private = 1, c_orig_json_default = 0 };

static void c_orig_prepare(c_orig_t *c, size_t bytes, size_t count)
{
    (void)count;
    c->a = NULL;
    c->cap = bytes + 4096;
}
static inline void c_orig_open(c_orig_t *c)
{
    c->a = orig_create(c->cap);
    if (c->a == NULL)
        bench_die("orig_create");
}
static inline void *c_orig_alloc(c_orig_t *c, size_t n)
{
    return orig_alloc(c->a, n, B_ALIGN);
}
static inline void *c_orig_alloc_al(c_orig_t *c, size_t n, size_t al)
{
    return orig_alloc(c->a, n, al);
}
static inline void c_orig_free(c_orig_t *c, void *p)
{
    (void)c;
    (void)p;
}
static inline void c_orig_reset(c_orig_t *c)
{
    orig_reset(c->a);
}
static inline void c_orig_close(c_orig_t *c)
{
    orig_destroy(c->a);
    c->a = NULL;
}
static void c_orig_unprepare(c_orig_t *c)
{
    (void)c;
}
static inline char *c_orig_strdup(c_orig_t *c, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = orig_alloc(c->a, n, 1);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}
static char *c_orig_vsprintf(c_orig_t *c, const char *fmt, va_list ap)
{
    B_FMT_COPY(orig_alloc(c->a, want_, 1), fmt, ap);
}

/* ---- obstack (GNU), 64 KiB chunks from malloc ---------------------------- */

#define obstack_chunk_alloc malloc
#define obstack_chunk_free free
#define B_OBSTACK_CHUNK (64 * 1024 - 64)

typedef struct {
    struct obstack ob;
    void *base;
} c_obstack_t;
enum {
    c_obstack_frees = 0,
    c_obstack_shared = 0,
    c_obstack_private = 1,
    c_obstack_json_default = 0
};

static void c_obstack_prepare(c_obstack_t *c, size_t bytes, size_t count)
{
    (void)bytes;
    (void)count;
    c->base = NULL;
}
static inline void c_obstack_open(c_obstack_t *c)
{
    if (!obstack_begin(&c->ob, B_OBSTACK_CHUNK))
        bench_die("obstack_begin");
    c->base = obstack_alloc(&c->ob, 0);
}
static inline void *c_obstack_alloc(c_obstack_t *c, size_t n)
{
    return obstack_alloc(&c->ob, n);
}
static inline void *c_obstack_alloc_al(c_obstack_t *c, size_t n, size_t al)
{
    if (al <= B_ALIGN)
        return obstack_alloc(&c->ob, n);
    return b_align_up(obstack_alloc(&c->ob, n + al - B_ALIGN), al);
}
static inline void c_obstack_free(c_obstack_t *c, void *p)
{
    (void)c;
    (void)p;
}
static inline void c_obstack_reset(c_obstack_t *c)
{
    obstack_free(&c->ob, c->base);
    c->base = obstack_alloc(&c->ob, 0);
}
static inline void c_obstack_close(c_obstack_t *c)
{
    obstack_free(&c->ob, NULL);
}
static void c_obstack_unprepare(c_obstack_t *c)
{
    (void)c;
}
static inline char *c_obstack_strdup(c_obstack_t *c, const char *s)
{
    return obstack_copy0(&c->ob, s, strlen(s));
}
static char *c_obstack_vsprintf(c_obstack_t *c, const char *fmt, va_list ap)
{
    if (obstack_vprintf(&c->ob, fmt, ap) < 0)
        return NULL;
    obstack_1grow(&c->ob, 0);
    return obstack_finish(&c->ob);
}

/* ---- APR pools (8-byte alignment by design) ------------------------------ */

typedef struct {
    apr_pool_t *p;
} c_apr_t;
enum { c_apr_frees = 0, c_apr_shared = 0, c_apr_private = 1, c_apr_json_default = 0 };
#define B_APR_ALIGN ((size_t)8)

static void c_apr_prepare(c_apr_t *c, size_t bytes, size_t count)
{
    (void)bytes;
    (void)count;
    c->p = NULL;
}
static inline void c_apr_open(c_apr_t *c)
{
    if (apr_pool_create(&c->p, NULL) != APR_SUCCESS)
        bench_die("apr_pool_create");
}
static inline void *c_apr_alloc(c_apr_t *c, size_t n)
{
    return apr_palloc(c->p, n);
}
static inline void *c_apr_alloc_al(c_apr_t *c, size_t n, size_t al)
{
    if (al <= B_APR_ALIGN)
        return apr_palloc(c->p, n);
    return b_align_up(apr_palloc(c->p, n + al - B_APR_ALIGN), al);
}
static inline void c_apr_free(c_apr_t *c, void *p)
{
    (void)c;
    (void)p;
}
static inline void c_apr_reset(c_apr_t *c)
{
    apr_pool_clear(c->p);
}
static inline void c_apr_close(c_apr_t *c)
{
    apr_pool_destroy(c->p);
    c->p = NULL;
}
static void c_apr_unprepare(c_apr_t *c)
{
    (void)c;
}
static inline char *c_apr_strdup(c_apr_t *c, const char *s)
{
    return apr_pstrdup(c->p, s);
}
static char *c_apr_vsprintf(c_apr_t *c, const char *fmt, va_list ap)
{
    return apr_pvsprintf(c->p, fmt, ap);
}

/* ---- talloc pools: one talloc_pool sized for the workload ---------------- */

extern size_t g_talloc_hdr; /* bytes a pool child costs beyond its size (measured) */
#define B_TALLOC_MAX_POOL ((size_t)0x10000000 - 65536)

typedef struct {
    void *pool;
    size_t size;
} c_talloc_t;
enum { c_talloc_frees = 0, c_talloc_shared = 0, c_talloc_private = 1, c_talloc_json_default = 0 };

static void c_talloc_prepare(c_talloc_t *c, size_t bytes, size_t count)
{
    c->pool = NULL;
    c->size = bytes + count * g_talloc_hdr + 4096;
    /* talloc refuses anything over MAX_TALLOC_SIZE (256 MiB); past a full
     * pool, children come from malloc one by one (talloc's own fallback). */
    if (c->size > B_TALLOC_MAX_POOL)
        c->size = B_TALLOC_MAX_POOL;
}
static inline void c_talloc_open(c_talloc_t *c)
{
    c->pool = talloc_pool(NULL, c->size);
    if (c->pool == NULL)
        bench_die("talloc_pool");
}
static inline void *c_talloc_alloc(c_talloc_t *c, size_t n)
{
    return talloc_size(c->pool, n);
}
static inline void *c_talloc_alloc_al(c_talloc_t *c, size_t n, size_t al)
{
    if (al <= B_ALIGN)
        return talloc_size(c->pool, n);
    return b_align_up(talloc_size(c->pool, n + al - B_ALIGN), al);
}
static inline void c_talloc_free(c_talloc_t *c, void *p)
{
    (void)c;
    (void)p;
}
static inline void c_talloc_reset(c_talloc_t *c)
{
    talloc_free_children(c->pool);
}
static inline void c_talloc_close(c_talloc_t *c)
{
    talloc_free(c->pool);
    c->pool = NULL;
}
static void c_talloc_unprepare(c_talloc_t *c)
{
    (void)c;
}
static inline char *c_talloc_strdup(c_talloc_t *c, const char *s)
{
    return talloc_strdup(c->pool, s);
}
static char *c_talloc_vsprintf(c_talloc_t *c, const char *fmt, va_list ap)
{
    return talloc_vasprintf(c->pool, fmt, ap);
}

#endif /* BENCH_VARIANT_GLIBC */

/* ---- the process malloc: glibc, or jemalloc/tcmalloc in their binaries --- */

#if defined(BENCH_VARIANT_GLIBC) || defined(BENCH_VARIANT_JEMALLOC)                                \
    || defined(BENCH_VARIANT_TCMALLOC)

typedef struct {
    int unused;
} c_malloc_t;
enum { c_malloc_frees = 1, c_malloc_shared = 1, c_malloc_private = 0, c_malloc_json_default = 1 };

static void c_malloc_prepare(c_malloc_t *c, size_t bytes, size_t count)
{
    (void)c;
    (void)bytes;
    (void)count;
}
static inline void c_malloc_open(c_malloc_t *c)
{
    (void)c;
}
static inline void *c_malloc_alloc(c_malloc_t *c, size_t n)
{
    (void)c;
    return malloc(n);
}
static inline void *c_malloc_alloc_al(c_malloc_t *c, size_t n, size_t al)
{
    (void)c;
    return al <= B_ALIGN ? malloc(n) : aligned_alloc(al, (n + al - 1) & ~(al - 1));
}
static inline void c_malloc_free(c_malloc_t *c, void *p)
{
    (void)c;
    free(p);
}
static inline void c_malloc_reset(c_malloc_t *c)
{
    (void)c;
}
#define c_malloc_close c_malloc_reset
#define c_malloc_unprepare c_malloc_reset
static inline char *c_malloc_strdup(c_malloc_t *c, const char *s)
{
    (void)c;
    return strdup(s);
}
static char *c_malloc_vsprintf(c_malloc_t *c, const char *fmt, va_list ap)
{
    (void)c;
    char *s;
    return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

#endif

/* ---- mimalloc: mi_malloc/mi_free, and mi_heap_new + mi_heap_destroy ------ */

#if defined(BENCH_VARIANT_MIMALLOC)

#include <mimalloc.h>

typedef struct {
    int unused;
} c_mimalloc_t;
enum {
    c_mimalloc_frees = 1,
    c_mimalloc_shared = 1,
    c_mimalloc_private = 0,
    c_mimalloc_json_default = 0
};
static void c_mimalloc_prepare(c_mimalloc_t *c, size_t bytes, size_t count)
{
    (void)c;
    (void)bytes;
    (void)count;
}
static inline void c_mimalloc_open(c_mimalloc_t *c)
{
    (void)c;
}
static inline void *c_mimalloc_alloc(c_mimalloc_t *c, size_t n)
{
    (void)c;
    return mi_malloc(n);
}
static inline void *c_mimalloc_alloc_al(c_mimalloc_t *c, size_t n, size_t al)
{
    (void)c;
    return al <= B_ALIGN ? mi_malloc(n) : mi_malloc_aligned(n, al);
}
static inline void c_mimalloc_free(c_mimalloc_t *c, void *p)
{
    (void)c;
    mi_free(p);
}
#define c_mimalloc_reset c_mimalloc_open
#define c_mimalloc_close c_mimalloc_open
#define c_mimalloc_unprepare c_mimalloc_open
static inline char *c_mimalloc_strdup(c_mimalloc_t *c, const char *s)
{
    (void)c;
    return mi_strdup(s);
}
static char *c_mimalloc_vsprintf(c_mimalloc_t *c, const char *fmt, va_list ap)
{
    (void)c;
    B_FMT_COPY(mi_malloc(want_), fmt, ap);
}

typedef struct {
    mi_heap_t *h;
} c_mi_heap_t;
enum {
    c_mi_heap_frees = 0,
    c_mi_heap_shared = 0,
    c_mi_heap_private = 1,
    c_mi_heap_json_default = 0
};
static void c_mi_heap_prepare(c_mi_heap_t *c, size_t bytes, size_t count)
{
    (void)bytes;
    (void)count;
    c->h = NULL;
}
static inline void c_mi_heap_open(c_mi_heap_t *c)
{
    c->h = mi_heap_new();
    if (c->h == NULL)
        bench_die("mi_heap_new");
}
static inline void *c_mi_heap_alloc(c_mi_heap_t *c, size_t n)
{
    return mi_heap_malloc(c->h, n);
}
static inline void *c_mi_heap_alloc_al(c_mi_heap_t *c, size_t n, size_t al)
{
    return al <= B_ALIGN ? mi_heap_malloc(c->h, n) : mi_heap_malloc_aligned(c->h, n, al);
}
static inline void c_mi_heap_free(c_mi_heap_t *c, void *p)
{
    (void)c;
    (void)p;
}
static inline void c_mi_heap_close(c_mi_heap_t *c)
{
    mi_heap_destroy(c->h);
    c->h = NULL;
}
static inline void c_mi_heap_reset(c_mi_heap_t *c)
{
    /* No clear in the API: destroy and take a new heap. */
    c_mi_heap_close(c);
    c_mi_heap_open(c);
}
static void c_mi_heap_unprepare(c_mi_heap_t *c)
{
    (void)c;
}
static inline char *c_mi_heap_strdup(c_mi_heap_t *c, const char *s)
{
    return mi_heap_strdup(c->h, s);
}
static char *c_mi_heap_vsprintf(c_mi_heap_t *c, const char *fmt, va_list ap)
{
    B_FMT_COPY(mi_heap_malloc(c->h, want_), fmt, ap);
}

#endif /* BENCH_VARIANT_MIMALLOC */

#endif
