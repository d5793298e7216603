/* Alignment: every power of two from 1 to 1 MiB, as an absolute address;
 * invalid alignments are refused without touching the arena. */
#include "test_util.h"

static void every_power_of_two_to_1mib(void **state)
{
    (void)state;
    arena_t *a = arena_create(1024);
    for (size_t al = 1; al <= ((size_t)1 << 20); al <<= 1) {
        for (size_t size = 0; size <= 3 * al && size < 5000; size += al / 2 + 1) {
            unsigned char *p = arena_alloc_aligned(a, size, al);
            assert_non_null(p);
            assert_aligned(p, al);
            memset(p, 0xab, size);
            if (size > 0)
                assert_true(arena_owns(a, p + size - 1));
        }
        /* Odd offsets in between make the next alignment non-trivial. */
        assert_non_null(arena_alloc_aligned(a, 3, 1));
    }
    assert_consistent(a);
    arena_destroy(a);
}

static void alignment_from_a_misaligned_position(void **state)
{
    (void)state;
    arena_t *a = arena_create(1 << 16);
    for (size_t al = 1; al <= 4096; al <<= 1) {
        arena_alloc_aligned(a, 1, 1);
        size_t used = arena_stats(a).used;
        char *p = arena_alloc_aligned(a, 8, al);
        assert_aligned(p, al);
        size_t pad = arena_stats(a).used - used - 8;
        assert_true(pad < al); /* padding never exceeds alignment - 1 */
    }
    arena_destroy(a);
}

static void invalid_alignments(void **state)
{
    (void)state;
    arena_t *a = arena_create(1024);
    arena_alloc(a, 10);
    arena_stats_t before = arena_stats(a);
    size_t bad[] = {
        0, 3, 5, 6, 7, 12, 24, 100, 1000, 4097, SIZE_MAX, SIZE_MAX - 1, ((size_t)1 << 20) + 1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_fails(arena_alloc_aligned(a, 16, bad[i]), EINVAL);
        assert_fails(arena_alloc_thread_safe(a, 16, bad[i]), EINVAL);
    }
    assert_stats_equal(before, arena_stats(a));
    /* The next allocation gets the address it would have got. */
    arena_mark_t m = arena_save(a);
    void *expect = arena_alloc(a, 10);
    arena_restore(a, m);
    assert_fails(arena_alloc_aligned(a, 10, 0), EINVAL);
    assert_ptr_equal(arena_alloc(a, 10), expect);
    arena_destroy(a);
}

static void huge_alignments_refused(void **state)
{
    (void)state;
    arena_t *a = arena_create(1024);
    arena_stats_t before = arena_stats(a);
    for (int bit = 40; bit < (int)(sizeof(size_t) * 8); bit++) {
        size_t al = (size_t)1 << bit;
        assert_fails(arena_alloc_aligned(a, 1, al), ENOMEM);
    }
    assert_stats_equal(before, arena_stats(a));
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_power_of_two_to_1mib),
        cmocka_unit_test(alignment_from_a_misaligned_position),
        cmocka_unit_test(invalid_alignments),
        cmocka_unit_test(huge_alignments_refused),
    };
    return cmocka_run_group_tests_name("align", tests, NULL, NULL);
}
