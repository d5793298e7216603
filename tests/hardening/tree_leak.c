/*
 * tree_leak.c -- no leak when a parent ends with live children,
 * grandchildren and pending cleanups.
 *
 * Each case builds a tree three or four levels deep under one arena: every
 * arena has several blocks (its first one and bigger ones from the
 * backing), pending cleanups that each own a malloc'ed object (the cleanup
 * frees it; an argument in the arena itself for some, checked when the
 * cleanup runs), and cleanups registered before and after its children;
 * one child of each level is destroyed early.  Then the parent ends:
 *   - arena_destroy of the parent;
 *   - arena_reset of the parent (the tree ends; the parent is used again,
 *     a new tree grows and the parent is destroyed);
 *   - arena_restore of the parent to a mark saved before its children;
 *   - a parent that is a fixed arena in a caller's buffer (its children
 *     live in its space; one child's extension comes from the backing);
 *   - a capped parent (some allocations of the children refused);
 *   - children owned by other threads (each allocates, registers cleanups
 *     and makes a grandchild on its thread; joined before the parent ends),
 *     and threads that use scratch arenas and exit.
 * Every case runs on the default backing with the block cache off (so a
 * block nobody frees is a leak, not a cached block) and on the test backing
 * of arena_testing.h (outstanding bytes 0 after the parent ends).  The
 * program counts the objects the cleanups own: every one freed, each
 * cleanup run once.  The tools check the rest: memcheck in the debug step
 * (valgrind.hardening.tree_leak: definite leaks are errors), LeakSanitizer
 * in the asan step.  The program keeps no pointer to a child past the
 * parent's end, so a child that outlived it shows as definitely lost.
 */
#include <arena.h>

#include <arena_testing.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "tree_leak.c:%d: check failed: %s\n", __LINE__, #c);                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static long g_owned;      /* objects the pending cleanups own */
static long g_registered; /* cleanups registered */
static long g_ran;        /* cleanups run */
static int g_capped;      /* a cap may refuse an allocation or a registration */

/* A cleanup that frees what it owns. */
static void free_owned(void *arg)
{
    free(arg);
    pthread_mutex_lock(&g_lock);
    g_owned--;
    g_ran++;
    pthread_mutex_unlock(&g_lock);
}

/* A cleanup whose argument is in the arena: a stamp and the object it owns. */
typedef struct {
    unsigned stamp;
    void *owned;
} in_arena_t;

static void free_in_arena(void *arg)
{
    in_arena_t *x = arg;
    CHECK(x->stamp == 0xC0FFEEu); /* still intact: the cleanup runs first */
    free_owned(x->owned);
}

/* Registers a cleanup that owns a new object (under a cap, the
 * registration may be refused: then nothing is owned). */
static void owns(arena_t *a, int in_arena)
{
    void *obj = malloc(100);
    CHECK(obj != NULL);
    memset(obj, 1, 100);
    int rc = -1;
    if (in_arena) {
        in_arena_t *x = ARENA_NEW(a, in_arena_t);
        if (x != NULL) {
            x->stamp = 0xC0FFEEu;
            x->owned = obj;
            rc = arena_defer(a, free_in_arena, x);
        }
    } else {
        rc = arena_defer(a, free_owned, obj);
    }
    if (rc != 0) {
        CHECK(g_capped);
        free(obj);
        return;
    }
    pthread_mutex_lock(&g_lock);
    g_owned++;
    g_registered++;
    pthread_mutex_unlock(&g_lock);
}

/* Several blocks: small allocations, then ones bigger than a block. */
static void fill(arena_t *a, int capped)
{
    for (int i = 0; i < 20; i++) {
        char *p = arena_alloc(a, 200 + 37 * (size_t)i);
        CHECK(p != NULL || capped);
        if (p != NULL)
            memset(p, i, 200);
    }
    char *big = arena_alloc(a, 20000);
    CHECK(big != NULL || capped);
}

/* Grows a subtree under `a`, `depth` more levels: cleanups before and
 * after the children, one child destroyed early at each level. */
static void grow(arena_t *a, int depth, int capped)
{
    owns(a, 0);
    fill(a, capped);
    owns(a, 1);
    if (depth == 0)
        return;
    for (int i = 0; i < 3; i++) {
        arena_options_t o = {.block_size = 512, .name = "child"};
        arena_t *k = arena_create_child(a, &o);
        if (k == NULL) {
            CHECK(capped);
            continue;
        }
        grow(k, depth - 1, capped);
        if (i == 1)
            arena_destroy(k); /* early: its cleanups run now */
        owns(a, i & 1);
    }
}

static void expect_all_freed(const char *what)
{
    if (g_owned != 0 || g_ran != g_registered) {
        fprintf(stderr, "tree_leak: %s: %ld objects still owned, %ld cleanups of %ld ran\n", what,
                g_owned, g_ran, g_registered);
        abort();
    }
}

static arena_t *make_parent(arena_testing_backing_t *t, size_t max_size)
{
    arena_options_t o = {.block_size = 1024, .max_size = max_size, .name = "parent"};
    if (t != NULL)
        o.backing = arena_testing_backing(t);
    arena_t *p = arena_create_with(&o);
    CHECK(p != NULL);
    return p;
}

static void end_backing(arena_testing_backing_t *t)
{
    if (t == NULL)
        return;
    CHECK(t->outstanding == 0 && t->blocks == 0 && !t->bad_release);
    arena_testing_backing_fini(t);
}

static void case_destroy(arena_testing_backing_t *t)
{
    arena_t *p = make_parent(t, 0);
    grow(p, 3, 0);
    arena_destroy(p);
    expect_all_freed("destroy");
    end_backing(t);
}

static void case_reset(arena_testing_backing_t *t)
{
    arena_t *p = make_parent(t, 0);
    grow(p, 3, 0);
    arena_reset(p);
    expect_all_freed("reset");
    grow(p, 2, 0); /* used again, dead records reused */
    arena_destroy(p);
    expect_all_freed("destroy after reset");
    end_backing(t);
}

static void case_restore(arena_testing_backing_t *t)
{
    arena_t *p = make_parent(t, 0);
    owns(p, 1);
    arena_mark_t m = arena_save(p);
    long before = g_owned;
    grow(p, 3, 0);
    arena_restore(p, m);
    CHECK(g_owned == before); /* all but the cleanup registered before the mark */
    arena_destroy(p);
    expect_all_freed("restore");
    end_backing(t);
}

static void case_buffer(arena_testing_backing_t *t)
{
    static _Alignas(64) unsigned char buf[ARENA_BUFFER_OVERHEAD + 64 * 1024];
    arena_options_t o = {.buffer = buf, .buffer_size = sizeof buf, .flags = ARENA_FIXED};
    if (t != NULL)
        o.backing = arena_testing_backing(t);
    arena_t *p = arena_create_with(&o);
    CHECK(p != NULL);
    owns(p, 1);
    for (int i = 0; i < 3; i++) {
        arena_options_t ko = {.block_size = 4096};
        arena_t *k = arena_create_child(p, &ko);
        CHECK(k != NULL);
        owns(k, 1);
        arena_t *g = arena_create_child(k, &(arena_options_t){.block_size = 512});
        CHECK(g != NULL);
        owns(g, 0);
        CHECK(arena_extend(k, 8000) == 0);   /* a block from the backing */
        CHECK(arena_alloc(k, 7000) != NULL); /* room left for a record */
        owns(k, 0);
        if (i == 2)
            arena_destroy(k);
    }
    arena_destroy(p);
    expect_all_freed("buffer");
    end_backing(t);
}

static void case_capped(arena_testing_backing_t *t)
{
    arena_t *p = make_parent(t, 48 * 1024);
    g_capped = 1;
    grow(p, 3, 1);
    arena_destroy(p);
    g_capped = 0;
    expect_all_freed("capped");
    end_backing(t);
}

/* ---- threads ------------------------------------------------------------------ */

typedef struct {
    arena_t *child;
} owner_t;

static void *own_child(void *arg)
{
    owner_t *o = arg;
    grow(o->child, 2, 0);
    o->child = NULL;
    return NULL;
}

static void *use_scratch(void *arg)
{
    (void)arg;
    arena_scratch_t s = arena_scratch_begin(NULL, 0);
    CHECK(s.arena != NULL);
    CHECK(arena_alloc(s.arena, 5000) != NULL);
    arena_scratch_t n = arena_scratch_begin(&s.arena, 1);
    CHECK(n.arena != NULL && n.arena != s.arena);
    CHECK(arena_alloc(n.arena, 70000) != NULL);
    arena_scratch_end(n);
    arena_scratch_end(s);
    return NULL; /* the thread's scratch arenas end with it */
}

static void case_threads(arena_testing_backing_t *t)
{
    /* The test backing is not thread-safe: the children's threads share
     * their parent's, so that case runs on the default backing only. */
    if (t != NULL)
        return;
    arena_t *p = make_parent(NULL, 0);
    owns(p, 1);
    enum { N = 4 };
    owner_t o[N];
    pthread_t th[N], sc[N];
    for (int i = 0; i < N; i++) {
        o[i].child = arena_create_child(p, &(arena_options_t){.block_size = 2048});
        CHECK(o[i].child != NULL);
    }
    for (int i = 0; i < N; i++) {
        CHECK(pthread_create(&th[i], NULL, own_child, &o[i]) == 0);
        CHECK(pthread_create(&sc[i], NULL, use_scratch, NULL) == 0);
    }
    for (int i = 0; i < N; i++) {
        CHECK(pthread_join(th[i], NULL) == 0);
        CHECK(pthread_join(sc[i], NULL) == 0);
    }
    owns(p, 0);
    arena_destroy(p);
    expect_all_freed("threads");
}

int main(void)
{
    /* Blocks go back to malloc at once: one nobody frees is a leak. */
    arena_cache_set_limit(0);
    arena_cache_set_lazy_limit(0);
    void (*const cases[])(arena_testing_backing_t *) = {case_destroy, case_reset,  case_restore,
                                                        case_buffer,  case_capped, case_threads};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cases[i](NULL);
        arena_testing_backing_t t = {0};
        cases[i](&t);
    }
    printf("tree_leak: %ld cleanups registered, each ran once; nothing left owned\n", g_registered);
    return 0;
}
