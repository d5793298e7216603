/*
 * bug_child_create_race.c -- regression test: arena_create_child may run
 * while other threads call arena_alloc_thread_safe on the parent (arena.h,
 * arena_create_child: "creating a child ... [is a call] on the parent too
 * (not concurrent with other calls on it except arena_alloc_thread_safe)").
 *
 * The child's record is allocated from the parent, so that allocation
 * must take the parent's thread-safe path (or its lock): a plain bump of
 * the parent's position beside the lock-free path of other threads loses
 * updates, and the record and a thread's allocation can share bytes.  Two
 * threads allocate stamped memory from the parent with
 * arena_alloc_thread_safe while the main thread creates children (kept
 * alive, so every one allocates a record); afterwards every stamp must be
 * intact, the allocations disjoint, every child must be created, every
 * child's cleanup must run exactly once at the parent's destroy, and
 * arena_check must pass.  Under
 * ThreadSanitizer (the tsan step runs label thread) the race itself is
 * reported.  Exits 0 when all holds.
 */
#include <arena.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NTHREADS 2
#define NCHILDREN 4000
#define PER_THREAD 200000

typedef struct {
    arena_t *a;
    unsigned char *p[PER_THREAD];
    size_t n;
    uint8_t seed;
} worker_t;

static atomic_int g_stop;
static atomic_int g_started;
static int g_ran;

static void *work(void *arg)
{
    worker_t *w = (worker_t *)arg;
    while (w->n < PER_THREAD && !atomic_load(&g_stop)) {
        unsigned char *p = arena_alloc_thread_safe(w->a, 24, 8);
        if (p == NULL)
            break;
        for (int i = 0; i < 24; i++)
            p[i] = (uint8_t)(w->seed + i);
        w->p[w->n++] = p;
        if (w->n == 100)
            atomic_fetch_add(&g_started, 1);
    }
    return NULL;
}

static void ran(void *arg)
{
    (void)arg;
    g_ran++;
}

static int cmp(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t) * (unsigned char *const *)x;
    uintptr_t b = (uintptr_t) * (unsigned char *const *)y;
    return a < b ? -1 : a > b;
}

int main(void)
{
    arena_options_t o = {.block_size = 4096};
    arena_t *p = arena_create_with(&o);
    if (p == NULL)
        return 2;
    static worker_t w[NTHREADS];
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        w[i].a = p;
        w[i].seed = (uint8_t)(17 * i + 1);
        if (pthread_create(&th[i], NULL, work, &w[i]) != 0)
            return 2;
    }
    while (atomic_load(&g_started) < NTHREADS) /* both threads are allocating */
        ;
    arena_options_t ko = {.block_size = 64};
    int made = 0, err = 0;
    for (int i = 0; i < NCHILDREN; i++) {
        errno = 0;
        arena_t *k = arena_create_child(p, &ko);
        if (k == NULL) {
            err = errno;
            break;
        }
        made++;
        /* The child's own calls are the child owner's: no race with p. */
        if (arena_defer(k, ran, NULL) != 0)
            return 2;
    }
    atomic_store(&g_stop, 1);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);

    int bad = 0;
    if (made != NCHILDREN) {
        printf("BUG: child %d of %d could not be created (errno %d)\n", made + 1, NCHILDREN, err);
        bad = 1;
    }
    size_t total = 0;
    for (int i = 0; i < NTHREADS; i++)
        total += w[i].n;
    unsigned char **all = malloc((total + 1) * sizeof *all);
    if (all == NULL)
        return 2;
    size_t k = 0;
    for (int i = 0; i < NTHREADS; i++)
        for (size_t j = 0; j < w[i].n; j++) {
            for (int b = 0; b < 24; b++)
                if (w[i].p[j][b] != (uint8_t)(w[i].seed + b))
                    bad = 1;
            all[k++] = w[i].p[j];
        }
    qsort(all, total, sizeof *all, cmp);
    for (size_t i = 1; i < total; i++)
        if (all[i] < all[i - 1] + 24)
            bad = 1;
    free(all);
    if (bad)
        printf("BUG: a thread-safe allocation overlaps another or lost its stamp\n");
    const char *why = "";
    if (arena_check(p, &why) != 0) {
        printf("BUG: arena_check: %s\n", why);
        bad = 1;
    }
    arena_destroy(p);
    if (g_ran != made) {
        printf("BUG: %d children made, %d cleanups ran at the parent's destroy\n", made, g_ran);
        bad = 1;
    }
    if (!bad)
        printf("ok: %d children created beside %zu thread-safe allocations\n", made, total);
    return bad;
}
