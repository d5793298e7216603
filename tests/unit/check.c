/* White-box: arena_check must name each broken invariant.  The test breaks
 * the private structure (src/arena_internal.h) on purpose, one field at a
 * time, and puts it back before destroying the arena. */
#include "test_util.h"

#include "arena_internal.h"

static arena_t *three_blocks_one_spare(void)
{
    arena_t *a = arena_create(256);
    arena_alloc(a, 200);
    arena_alloc(a, 200);
    arena_mark_t m = arena_save(a);
    arena_alloc(a, 1000);
    arena_alloc(a, 2000);
    arena_restore(a, m); /* leaves spare blocks behind */
    assert_consistent(a);
    assert_non_null(a->spare);
    assert_non_null(a->cur->prev);
    return a;
}

#define EXPECT_BROKEN(a, text)                                                                     \
    do {                                                                                           \
        const char *why_ = NULL;                                                                   \
        errno = 0;                                                                                 \
        assert_int_equal(arena_check((a), &why_), -1);                                             \
        assert_int_equal(errno, EINVAL);                                                           \
        assert_non_null(why_);                                                                     \
        if (strstr(why_, (text)) == NULL)                                                          \
            fail_msg("arena_check said \"%s\", expected \"%s\"", why_, (text));                    \
    } while (0)

#define BREAK_FIELD(a, field, bad, text)                                                           \
    do {                                                                                           \
        __typeof__(field) saved_ = (field);                                                        \
        (field) = (bad);                                                                           \
        EXPECT_BROKEN(a, text);                                                                    \
        (field) = saved_;                                                                          \
        assert_consistent(a);                                                                      \
    } while (0)

static void names_each_broken_invariant(void **state)
{
    (void)state;
    arena_t *a = three_blocks_one_spare();
    EXPECT_BROKEN(NULL, "NULL arena");
    assert_int_equal(arena_check(NULL, NULL), -1);
    BREAK_FIELD(a, a->cur, NULL, "no current");
    BREAK_FIELD(a, a->hot.pos, a->limit + 1, "position outside");
    BREAK_FIELD(a, a->hot.pos, arena__data(a->cur) - 1, "position outside");
    BREAK_FIELD(a, a->limit, a->limit - 16, "limit");
    BREAK_FIELD(a, a->hot.end, a->hot.end ^ 32, "window");
    BREAK_FIELD(a, a->nblocks, 1, "longer than the block count");
    BREAK_FIELD(a, a->cur->prev->top, arena__block_end(a->cur->prev) + 1, "top lies outside");
    BREAK_FIELD(a, a->cur->used_before, a->cur->used_before + 1, "used_before disagrees");
    BREAK_FIELD(a, a->first, a->cur, "does not end at the first");
    BREAK_FIELD(a, a->first->used_before, 5, "used_before");
    arena_t *one = arena_create(256); /* first == cur: nothing newer to compare */
    BREAK_FIELD(one, one->first->used_before, 5, "first block has used_before");
    arena_destroy(one);
    BREAK_FIELD(a, a->cur->prev->next, NULL, "next link does not lead back");
    BREAK_FIELD(a, a->cur->next, a->spare, "current block has a next block");
    BREAK_FIELD(a, a->spare->alloc_size, 0, "first block is on the spare list");
    BREAK_FIELD(a, a->nblocks, a->nblocks + 1, "block count disagrees");
    BREAK_FIELD(a, a->capacity, a->capacity + 1, "capacity");
    BREAK_FIELD(a, a->taken, a->taken + 1, "backing bytes disagree");
    BREAK_FIELD(a, a->max_size, a->taken - 1, "exceed max_size");
    /* A spare list longer than the count (a cycle would be, too). */
    size_t chain = 0;
    for (arena__block_t *b = a->cur; b != NULL; b = b->prev)
        chain++;
    BREAK_FIELD(a, a->nblocks, chain, "more blocks than the block count");
    arena_destroy(a);
}

static void deep_marks_overflow_tracking(void **state)
{
    (void)state;
    /* More nested marks than the debug stack tracks: the oldest lose the
     * stack check but still restore correctly. */
    arena_t *a = arena_create(256);
    arena_mark_t m[40];
    size_t used[40];
    for (int i = 0; i < 40; i++) {
        used[i] = arena_stats(a).used;
        m[i] = arena_save(a);
        arena_alloc(a, 50);
    }
    for (int i = 39; i >= 0; i -= 3) {
        arena_restore(a, m[i]);
        assert_int_equal(arena_stats(a).used, used[i]);
    }
    assert_consistent(a);
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_each_broken_invariant),
        cmocka_unit_test(deep_marks_overflow_tracking),
    };
    return cmocka_run_group_tests_name("check", tests, NULL, NULL);
}
