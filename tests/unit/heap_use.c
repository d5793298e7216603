/*
 * The arena_use_* hooks and the per-thread current heap: with no current
 * heap the hooks use the C library (the heap's counters never move); every
 * chunk goes back where it came from, whichever heap is current when it is
 * freed or resized (malloc-born chunks under a heap, a heap's chunks with
 * none or another one current); calloc, strdup, size; arena_heap_use
 * returns the previous heap; each thread has its own current heap (run
 * under TSan too: label thread).
 */
#include "heap_util.h"

#include <pthread.h>

static void with_no_heap_the_c_library_serves(void **state)
{
    (void)state;
    assert_null(arena_heap_use(NULL));
    for (size_t n = 0; n <= 5000; n += 97) {
        unsigned char *p = arena_use_malloc(n);
        assert_non_null(p);
        assert_aligned(p, ARENA_DEFAULT_ALIGNMENT);
        assert_int_equal(arena_use_size(p), usable_for(n));
        fill(p, n, (unsigned)n);
        p = arena_use_realloc(p, n * 2 + 1);
        assert_non_null(p);
        expect_fill(p, n, (unsigned)n);
        assert_int_equal(arena_use_size(p), usable_for(n * 2 + 1));
        p = arena_use_realloc(p, n / 2 + 1); /* a shrink */
        assert_non_null(p);
        expect_fill(p, n / 2 + 1 < n ? n / 2 + 1 : n, (unsigned)n);
        arena_use_free(p);
    }
    unsigned char *z = arena_use_calloc(100, 3);
    for (int i = 0; i < 300; i++)
        assert_int_equal(z[i], 0);
    arena_use_free(z);
    char *s = arena_use_strdup("a string");
    assert_string_equal(s, "a string");
    arena_use_free(s);
    assert_fails(arena_use_strdup(NULL), EINVAL);
    assert_fails(arena_use_calloc(SIZE_MAX / 2, 3), ENOMEM);
    assert_fails(arena_use_malloc(SIZE_MAX), ENOMEM);
    void *p = arena_use_malloc(10);
    assert_fails(arena_use_realloc(p, SIZE_MAX), ENOMEM);
    assert_null(arena_use_realloc(p, 0)); /* frees */
    assert_null(arena_use_realloc(NULL, 0));
    arena_use_free(NULL);
    assert_int_equal(arena_use_size(NULL), 0);
}

/* ThreadSanitizer's allocator stops on a request it cannot serve rather
 * than return NULL: the refusals are tested elsewhere. */
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

/* The C library refuses: NULL with ENOMEM, the chunk untouched. */
static void when_the_c_library_refuses(void **state)
{
    (void)state;
    if (UNDER_TSAN)
        skip();
    size_t huge = (size_t)PTRDIFF_MAX + 1; /* more than malloc serves, on every width */
    assert_fails(arena_use_malloc(huge), ENOMEM);
    unsigned char *p = arena_use_realloc(NULL, 40); /* NULL: an allocation */
    assert_non_null(p);
    fill(p, 40, 4);
    assert_fails(arena_use_realloc(p, huge), ENOMEM);
    expect_fill(p, 40, 4);
    assert_int_equal(arena_use_size(p), 48);
    arena_use_free(p);
}

static void chunks_go_back_where_they_came_from(void **state)
{
    (void)state;
    arena_t *a = arena_create(0);
    arena_heap_t *h1 = arena_heap_create(a);
    arena_heap_t *h2 = arena_heap_create(a);

    /* Born in malloc (no heap current), freed and resized under a heap. */
    unsigned char *m1 = arena_use_malloc(100);
    unsigned char *m2 = arena_use_malloc(100);
    char *ms = arena_use_strdup("global state");
    fill(m2, 100, 5);
    assert_null(arena_heap_use(h1));
    m2 = arena_use_realloc(m2, 20000); /* stays with malloc */
    expect_fill(m2, 100, 5);
    arena_use_free(m1);
    arena_use_free(ms);
    arena_heap_stats_t s1 = arena_heap_stats(h1);
    assert_int_equal(s1.live_chunks, 0);
    assert_int_equal(s1.taken, 0);

    /* Born in h1, resized under h2 and freed with none. */
    unsigned char *p = arena_use_malloc(300);
    unsigned char *q = arena_use_calloc(10, 10);
    assert_int_equal(arena_heap_stats(h1).live_chunks, 2);
    fill(p, 300, 6);
    assert_ptr_equal(arena_heap_use(h2), h1);
    p = arena_use_realloc(p, 5000);
    expect_fill(p, 300, 6);
    assert_int_equal(arena_heap_stats(h1).live_chunks, 2);
    assert_int_equal(arena_heap_stats(h2).live_chunks, 0);
    unsigned char *r = arena_use_malloc(64); /* h2's */
    assert_ptr_equal(arena_heap_use(NULL), h2);
    arena_use_free(p);
    arena_use_free(q);
    arena_use_free(r);
    assert_int_equal(arena_heap_stats(h1).live_chunks, 0);
    assert_int_equal(arena_heap_stats(h2).live_chunks, 0);
    arena_use_free(m2);
    assert_heap_ok(h1);
    assert_heap_ok(h2);
    arena_destroy(a);
}

/* Each thread has its own current heap: threads switch between their own
 * heap and none, allocate and free through the hooks, and never see
 * another thread's heap. */
enum { THREADS = 4, ROUNDS = 2000 };

typedef struct {
    arena_heap_t *mine;
    int failures;
} worker_t;

static void *worker(void *arg)
{
    worker_t *w = (worker_t *)arg;
    arena_t *a = arena_create(0);
    w->mine = arena_heap_create(a);
    void *kept[16] = {0};
    for (int i = 0; i < ROUNDS; i++) {
        arena_heap_t *use = i % 3 == 0 ? NULL : w->mine;
        arena_heap_t *before = arena_heap_use(use);
        if (i > 0 && before != ((i - 1) % 3 == 0 ? NULL : w->mine))
            w->failures++;
        size_t chunks = arena_heap_stats(w->mine).live_chunks;
        void *p = arena_use_malloc((size_t)(i % 700));
        if (p == NULL)
            w->failures++;
        /* From this thread's heap exactly when it is current. */
        if ((arena_heap_stats(w->mine).live_chunks == chunks + 1) != (use == w->mine))
            w->failures++;
        arena_use_free(kept[i % 16]);
        kept[i % 16] = arena_use_realloc(p, (size_t)(i % 1300) + 1);
    }
    arena_heap_use(NULL);
    for (int i = 0; i < 16; i++)
        arena_use_free(kept[i]);
    if (arena_heap_stats(w->mine).live_chunks != 0 || arena_heap_check(w->mine, NULL) != 0)
        w->failures++;
    arena_destroy(a);
    return NULL;
}

static void each_thread_has_its_own_current_heap(void **state)
{
    (void)state;
    arena_t *a = arena_create(0);
    arena_heap_t *main_heap = arena_heap_create(a);
    arena_heap_use(main_heap);
    pthread_t t[THREADS];
    worker_t w[THREADS];
    memset(w, 0, sizeof w);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, &w[i]), 0);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
    }
    /* Nothing the threads did reached this thread's heap. */
    assert_ptr_equal(arena_heap_use(NULL), main_heap);
    assert_int_equal(arena_heap_stats(main_heap).taken, 0);
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(with_no_heap_the_c_library_serves),
        cmocka_unit_test(when_the_c_library_refuses),
        cmocka_unit_test(chunks_go_back_where_they_came_from),
        cmocka_unit_test(each_thread_has_its_own_current_heap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
