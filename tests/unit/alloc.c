/* The bump itself: arena_alloc, arena_calloc, ARENA_NEW, ARENA_NEW_ARRAY. */
#include "test_util.h"

static void alloc_default_alignment_and_disjoint(void **state)
{
    (void)state;
    arena_t *a = arena_create(4096);
    unsigned char *prev = NULL;
    for (size_t n = 1; n < 200; n++) {
        unsigned char *p = arena_alloc(a, n);
        assert_non_null(p);
        assert_aligned(p, ARENA_DEFAULT_ALIGNMENT);
        memset(p, (int)n, n);
        if (prev != NULL)
            assert_true(p >= prev + (n - 1) || p + n <= prev);
        prev = p;
    }
    assert_consistent(a);
    arena_destroy(a);
}

static void alloc_zero_size(void **state)
{
    (void)state;
    arena_t *a = arena_create(64);
    for (int i = 0; i < 10; i++) {
        void *p = arena_alloc(a, 0);
        assert_non_null(p);
        assert_aligned(p, ARENA_DEFAULT_ALIGNMENT);
        void *q = arena_alloc_aligned(a, 0, 4096);
        assert_non_null(q);
        assert_aligned(q, 4096);
    }
    /* A full fixed arena still answers size 0 at alignment 1 from its end. */
    arena_options_t o = {.block_size = 64, .flags = ARENA_FIXED};
    arena_t *f = arena_create_with(&o);
    assert_non_null(arena_alloc_aligned(f, 64, 1));
    assert_non_null(arena_alloc_aligned(f, 0, 1));
    arena_destroy(f);
    /* Size 0 then a real allocation at the same address (memcheck must not
     * see two chunks there), and a zero-size allocation grown by realloc. */
    arena_alloc_aligned(a, 1, 1);
    char *z = arena_alloc(a, 0);
    char *r = arena_alloc(a, 16);
    assert_ptr_equal(z, r);
    memset(r, 1, 16);
    char *g = arena_alloc(a, 0);
    char *grown = arena_realloc(a, g, 0, 32);
    assert_ptr_equal(grown, g);
    memset(grown, 2, 32);
    assert_int_equal(r[15], 1);
    arena_destroy(a);
}

static void alloc_sequential_addresses(void **state)
{
    (void)state;
    /* Bumping: consecutive default-aligned allocations of a multiple of the
     * alignment are adjacent. */
    arena_t *a = arena_create(4096);
    char *p = arena_alloc(a, 32);
    char *q = arena_alloc(a, 32);
    assert_ptr_equal(q, p + 32);
    char *r = arena_alloc_aligned(a, 1, 1);
    char *s = arena_alloc_aligned(a, 1, 1);
    assert_ptr_equal(s, r + 1);
    arena_destroy(a);
}

static void calloc_zeroes_reused_memory(void **state)
{
    (void)state;
    arena_t *a = arena_create(4096);
    unsigned char *p = arena_alloc(a, 1000);
    memset(p, 0xff, 1000);
    arena_reset(a);
    unsigned char *z = arena_calloc(a, 10, 100);
    assert_ptr_equal(z, p);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(z[i], 0);
    assert_non_null(arena_calloc(a, 0, 5));
    assert_non_null(arena_calloc(a, 5, 0));
    assert_aligned(arena_calloc(a, 3, 3), ARENA_DEFAULT_ALIGNMENT);
    arena_destroy(a);
}

static void calloc_overflow(void **state)
{
    (void)state;
    arena_t *a = arena_create(4096);
    arena_stats_t before = arena_stats(a);
    assert_fails(arena_calloc(a, SIZE_MAX, 2), ENOMEM);
    assert_fails(arena_calloc(a, SIZE_MAX / 2 + 1, 2), ENOMEM);
    /* Two factors of 2^(bits/2 + 8): 2^40 each on 64-bit, 2^24 on 32-bit. */
    size_t big = (size_t)1 << (sizeof(size_t) * 4 + 8);
    assert_fails(arena_calloc(a, big, big), ENOMEM);
    assert_fails(arena_calloc(NULL, SIZE_MAX, 2), EINVAL);
    assert_fails(arena_calloc(NULL, 1, 2), EINVAL);
    assert_stats_equal(before, arena_stats(a));
    arena_destroy(a);
}

struct point {
    double x, y;
};
struct wide {
    _Alignas(256) char c[3];
};

static void new_macros(void **state)
{
    (void)state;
    arena_t *a = arena_create(4096);
    struct point *pt = ARENA_NEW(a, struct point);
    assert_non_null(pt);
    assert_aligned(pt, _Alignof(struct point));
    pt->x = 1.0;
    struct wide *w = ARENA_NEW(a, struct wide);
    assert_aligned(w, 256);
    int *v = ARENA_NEW_ARRAY(a, int, 1000);
    assert_non_null(v);
    for (int i = 0; i < 1000; i++)
        v[i] = i;
    assert_int_equal(v[999], 999);
    char *c = ARENA_NEW(a, char);
    assert_non_null(c);
    arena_stats_t before = arena_stats(a);
    assert_fails(ARENA_NEW_ARRAY(a, struct point, SIZE_MAX / 8), ENOMEM);
    assert_fails(ARENA_NEW_ARRAY(a, int, SIZE_MAX), ENOMEM);
    assert_fails(ARENA_NEW_ARRAY(a, struct wide, SIZE_MAX / 256 + 1), ENOMEM);
    assert_stats_equal(before, arena_stats(a));
    assert_non_null(ARENA_NEW_ARRAY(a, int, 0));
    assert_fails(ARENA_NEW(NULL, int), EINVAL);
    arena_destroy(a);
}

static void owns(void **state)
{
    (void)state;
    arena_t *a = arena_create(128);
    char *p = arena_alloc(a, 10);
    char *q = arena_alloc(a, 1000); /* another block */
    assert_true(arena_owns(a, p));
    assert_true(arena_owns(a, p + 9));
    assert_true(arena_owns(a, q + 999));
    int local;
    assert_false(arena_owns(a, &local));
    assert_false(arena_owns(a, NULL));
    arena_reset(a);
    assert_false(arena_owns(a, p));
    assert_false(arena_owns(a, q));
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alloc_default_alignment_and_disjoint),
        cmocka_unit_test(alloc_zero_size),
        cmocka_unit_test(alloc_sequential_addresses),
        cmocka_unit_test(calloc_zeroes_reused_memory),
        cmocka_unit_test(calloc_overflow),
        cmocka_unit_test(new_macros),
        cmocka_unit_test(owns),
    };
    return cmocka_run_group_tests_name("alloc", tests, NULL, NULL);
}
