/*
 * The heap against the C library, operation for operation: the same
 * random sequence of alloc, calloc, realloc (grow, shrink, to 0, from
 * NULL) and free runs on a heap and on malloc, with random bytes written to
 * both, and every chunk is compared with its twin whenever it is touched
 * and at the end; the heap's invariant walk runs every few hundred steps.
 * Four arenas: default blocks; 4 KiB blocks (many regions, big chunks in
 * blocks of their own); other allocations from the arena in between (a
 * shared arena, with some given back by arena_pop); and marks saved and
 * restored after the heap was created, which end the chunks allocated
 * since the mark (the model forgets them) and must leave every older chunk
 * whole.  100,000 steps each (20,000 under memcheck).
 */
#include "heap_util.h"

enum { SLOTS = 512, MARKS = 4 };

typedef struct {
    unsigned char *heap;
    unsigned char *twin;
    size_t size;
    unsigned long epoch; /* when the heap chunk got its address */
} slot_t;

typedef enum { PLAIN, SMALL_BLOCKS, SHARED, MARKED } config_t;

static unsigned long long rng;

static unsigned long long next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t random_size(void)
{
    unsigned r = (unsigned)(next_random() % 1000);
    if (r < 20)
        return 0;
    if (r < 700)
        return (size_t)(next_random() % 256);
    if (r < 950)
        return (size_t)(next_random() % 4096);
    return (size_t)(next_random() % 100000);
}

static void compare(const slot_t *s, long step)
{
    if (s->size != 0 && memcmp(s->heap, s->twin, s->size) != 0)
        fail_msg("step %ld: a chunk of %zu bytes differs from its twin", step, s->size);
    if (s->heap != NULL && arena_heap_size(s->heap) < s->size)
        fail_msg("step %ld: usable %zu < %zu", step, arena_heap_size(s->heap), s->size);
}

/* Bytes [from, size) are indeterminate on both sides: give them the same
 * value. */
static void settle(slot_t *s, size_t from)
{
    if (from < s->size) {
        int b = (int)(next_random() & 0xff);
        memset(s->heap + from, b, s->size - from);
        memset(s->twin + from, b, s->size - from);
    }
}

static void scribble(slot_t *s)
{
    size_t n = s->size < 64 ? s->size : 64;
    for (size_t i = 0; i < n; i++) {
        size_t at = n == s->size ? i : (size_t)(next_random() % s->size);
        unsigned char b = (unsigned char)next_random();
        s->heap[at] = b;
        s->twin[at] = b;
    }
}

static void run(config_t config, unsigned long long seed)
{
    long steps = getenv("ARENA_UNDER_VALGRIND") != NULL ? 20000 : 100000;
    rng = seed;
    arena_t *a = arena_create(config == SMALL_BLOCKS ? 4096 : 0);
    assert_non_null(a);
    arena_heap_t *h = arena_heap_create(a);
    assert_non_null(h);
    static slot_t slots[SLOTS];
    memset(slots, 0, sizeof slots);
    unsigned long epoch = 0;
    arena_mark_t marks[MARKS];
    unsigned long mark_epoch[MARKS];
    int nmarks = 0;
    void *foreign = NULL;
    int cuts = 0; /* restores that ended regions of the heap */

    for (long step = 0; step < steps; step++) {
        slot_t *s = &slots[next_random() % SLOTS];
        unsigned op = (unsigned)(next_random() % 100);
        compare(s, step);
        if (s->heap == NULL && s->size == 0) {
            size_t n = random_size();
            bool zeroed = op < 20;
            s->heap = zeroed ? arena_heap_calloc(h, 1, n) : arena_heap_alloc(h, n);
            s->twin = zeroed ? calloc(1, n ? n : 1) : malloc(n ? n : 1);
            assert_non_null(s->heap);
            assert_non_null(s->twin);
            assert_aligned(s->heap, ARENA_DEFAULT_ALIGNMENT);
            s->size = n;
            s->epoch = ++epoch;
            if (zeroed)
                compare(s, step);
            else
                settle(s, 0);
            scribble(s);
        } else if (op < 45) {
            arena_heap_free(h, s->heap);
            free(s->twin);
            memset(s, 0, sizeof *s);
        } else if (op < 50) {
            assert_null(arena_heap_realloc(h, s->heap, 0));
            free(s->twin);
            memset(s, 0, sizeof *s);
        } else {
            size_t n = op < 75 ? random_size() : s->size + (size_t)(next_random() % 2048);
            if (n == 0)
                n = 1;
            unsigned char *q = arena_heap_realloc(h, s->heap, n);
            unsigned char *t = realloc(s->twin, n);
            assert_non_null(q);
            assert_non_null(t);
            if (n <= s->size)
                assert_ptr_equal(q, s->heap); /* a shrink never moves */
            if (q != s->heap)
                s->epoch = ++epoch;
            size_t old = s->size;
            s->heap = q;
            s->twin = t;
            s->size = n;
            if (memcmp(q, t, old < n ? old : n) != 0)
                fail_msg("step %ld: realloc from %zu to %zu lost contents", step, old, n);
            settle(s, old);
            scribble(s);
        }

        if (config == SHARED && op % 7 == 0) {
            if (foreign != NULL && op % 2 == 0)
                (void)arena_pop(a, foreign, 40); /* gives it back when it is the newest */
            foreign = arena_alloc(a, 40);
            assert_non_null(foreign);
        }
        if (config == MARKED && step % 997 == 0) {
            if (nmarks < MARKS && op < 60) {
                mark_epoch[nmarks] = epoch;
                marks[nmarks++] = arena_save(a);
            } else if (nmarks > 0) {
                int k = (int)(next_random() % (unsigned)nmarks);
                size_t regions = arena_heap_stats(h).regions;
                arena_restore(a, marks[k]);
                cuts += arena_heap_stats(h).regions < regions;
                /* Chunks given their address after the mark end; the twins go. */
                for (int i = 0; i < SLOTS; i++) {
                    if (slots[i].heap != NULL && slots[i].epoch > mark_epoch[k]) {
                        free(slots[i].twin);
                        memset(&slots[i], 0, sizeof slots[i]);
                    }
                }
                nmarks = k + 1; /* the restored mark stays valid */
                for (int i = 0; i < SLOTS; i++)
                    compare(&slots[i], step);
                assert_heap_ok(h);
            }
        }
        if (step % 499 == 0)
            assert_heap_ok(h);
    }
    for (int i = 0; i < SLOTS; i++) {
        compare(&slots[i], steps);
        arena_heap_free(h, slots[i].heap);
        free(slots[i].twin);
    }
    assert_heap_ok(h);
    arena_heap_stats_t st = arena_heap_stats(h);
    if (config == MARKED)
        assert_true(cuts > 0);
    if (config != MARKED) { /* after a restore, chunks of ended epochs may stay live */
        assert_int_equal(st.live, 0);
        assert_int_equal(st.live_chunks, 0);
    }
    assert_consistent(a);
    arena_destroy(a);
}

static void plain(void **state)
{
    (void)state;
    run(PLAIN, 0x9E3779B97F4A7C15ull);
}

static void small_blocks(void **state)
{
    (void)state;
    run(SMALL_BLOCKS, 0xD1B54A32D192ED03ull);
}

static void shared_arena(void **state)
{
    (void)state;
    run(SHARED, 0x8CB92BA72F3D8DD7ull);
}

static void marks_after_the_heap(void **state)
{
    (void)state;
    run(MARKED, 0xABC98388FB8FAC03ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain),
        cmocka_unit_test(small_blocks),
        cmocka_unit_test(shared_arena),
        cmocka_unit_test(marks_after_the_heap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
