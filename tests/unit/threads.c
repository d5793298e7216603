/* Thread stress: many threads on one shared arena with small blocks, so
 * blocks are added under contention; every allocation is stamped with its
 * thread and index and checked after join, along with non-overlap. */
#include "test_util.h"

#include <pthread.h>
#include <stdio.h>

enum { THREADS = 8 };

typedef struct {
    arena_t *arena;
    int id;
    size_t count;
    unsigned char **ptrs;
    size_t *sizes;
    size_t *aligns;
    size_t failures;
} worker_t;

static size_t per_thread(void)
{
    /* Smaller under valgrind and TSan, which run the same code far slower. */
    const char *slow = getenv("ARENA_UNDER_VALGRIND");
#if defined(__SANITIZE_THREAD__)
    return 5000;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
    return 5000;
#endif
#endif
    return slow != NULL ? 2000 : 50000;
}

static void stamp(unsigned char *p, size_t n, int id, size_t i)
{
    for (size_t j = 0; j < n; j++)
        p[j] = (unsigned char)(id * 31 + i + j);
}

static void *work(void *arg)
{
    worker_t *w = arg;
    uint32_t x = 2463534242u ^ (uint32_t)w->id;
    for (size_t i = 0; i < w->count; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        size_t size = 1 + x % 96;
        size_t align = (size_t)1 << ((x >> 8) % 8); /* 1..128 */
        if (i % 997 == 0)
            size = 3000 + x % 2000; /* bigger than a chunk: direct CAS */
        unsigned char *p = arena_alloc_thread_safe(w->arena, size, align);
        if (p == NULL) {
            w->failures++;
            continue;
        }
        stamp(p, size, w->id, i);
        w->ptrs[i] = p;
        w->sizes[i] = size;
        w->aligns[i] = align;
    }
    return NULL;
}

typedef struct {
    uintptr_t start, end;
} range_t;

static int cmp_range(const void *x, const void *y)
{
    const range_t *a = x, *b = y;
    return a->start < b->start ? -1 : a->start > b->start;
}

static void run_stress(arena_t *a, size_t count)
{
    pthread_t tid[THREADS];
    worker_t w[THREADS];
    for (int t = 0; t < THREADS; t++) {
        w[t] = (worker_t){a,
                          t,
                          count,
                          calloc(count, sizeof(void *)),
                          calloc(count, sizeof(size_t)),
                          calloc(count, sizeof(size_t)),
                          0};
        assert_int_equal(pthread_create(&tid[t], NULL, work, &w[t]), 0);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(tid[t], NULL);

    range_t *all = malloc(sizeof(range_t) * count * THREADS);
    size_t n = 0;
    for (int t = 0; t < THREADS; t++) {
        assert_int_equal(w[t].failures, 0);
        for (size_t i = 0; i < count; i++) {
            unsigned char *p = w[t].ptrs[i];
            assert_non_null(p);
            assert_aligned(p, w[t].aligns[i]);
            for (size_t j = 0; j < w[t].sizes[i]; j++) {
                if (p[j] != (unsigned char)(t * 31 + i + j))
                    fail_msg("thread %d allocation %zu byte %zu: stamp %u, found %u", t, i, j,
                             (unsigned)(unsigned char)(t * 31 + i + j), (unsigned)p[j]);
            }
            all[n++] = (range_t){(uintptr_t)p, (uintptr_t)p + w[t].sizes[i]};
            assert_true(arena_owns(a, p));
        }
        free(w[t].ptrs);
        free(w[t].sizes);
        free(w[t].aligns);
    }
    qsort(all, n, sizeof all[0], cmp_range);
    for (size_t i = 1; i < n; i++)
        if (all[i].start < all[i - 1].end)
            fail_msg("overlap: [%#lx,%#lx) and [%#lx,%#lx)", (unsigned long)all[i - 1].start,
                     (unsigned long)all[i - 1].end, (unsigned long)all[i].start,
                     (unsigned long)all[i].end);
    free(all);
    assert_consistent(a);
}

static void shared_arena_small_blocks(void **state)
{
    (void)state;
    arena_t *a = arena_create(512);
    size_t count = per_thread();
    run_stress(a, count);
    assert_true(arena_stats(a).blocks > 10);
    /* Reset between rounds (not concurrent), then again: stale per-thread
     * chunks must not be reused. */
    arena_reset(a);
    run_stress(a, count);
    arena_destroy(a);
}

static void shared_fixed_arena_runs_out_cleanly(void **state)
{
    (void)state;
    arena_options_t o = {.block_size = 64 * 1024, .flags = ARENA_FIXED};
    arena_t *a = arena_create_with(&o);
    size_t served = 0, refused = 0;
    for (int i = 0; i < 100000; i++) {
        errno = 0;
        if (arena_alloc_thread_safe(a, 16, 16) != NULL) {
            served++;
        } else {
            assert_int_equal(errno, ENOMEM);
            refused++;
        }
    }
    assert_true(served >= (64 * 1024) / 16 / 2);
    assert_true(refused > 0);
    assert_consistent(a);
    arena_destroy(a);
}

static void mixing_with_single_thread_path(void **state)
{
    (void)state;
    arena_t *a = arena_create(4096);
    unsigned char *x = arena_alloc_thread_safe(a, 10, 8);
    unsigned char *y = arena_alloc(a, 10);
    unsigned char *z = arena_alloc_thread_safe(a, 10, 8);
    memset(x, 1, 10);
    memset(y, 2, 10);
    memset(z, 3, 10);
    assert_int_equal(x[9], 1);
    assert_int_equal(y[9], 2);
    assert_true(x + 10 <= y || y + 10 <= x);
    assert_true(z + 10 <= y || y + 10 <= z);
    assert_fails(arena_alloc_thread_safe(NULL, 1, 1), EINVAL);
    assert_fails(arena_alloc_thread_safe(a, SIZE_MAX, 1), ENOMEM);
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shared_arena_small_blocks),
        cmocka_unit_test(shared_fixed_arena_runs_out_cleanly),
        cmocka_unit_test(mixing_with_single_thread_path),
    };
    return cmocka_run_group_tests_name("threads", tests, NULL, NULL);
}
