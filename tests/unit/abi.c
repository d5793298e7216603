/*
 * The options entry points (docs/abi.md): arena_create_with is a macro over
 * a sized entry point; the function of the same name reads 1.0's fields.
 * A caller built against a newer header may pass a bigger struct: its
 * unknown tail must be zero.  The frozen layouts are checked at compile
 * time.
 */
#include "test_util.h"

#include <stdalign.h>

/* What compiled 1.0 programs depend on (LP64 and ILP32 alike). */
_Static_assert(sizeof(arena_mark_t) == 2 * sizeof(void *) + 3 * sizeof(uint64_t)
                   || sizeof(arena_mark_t) == 40,
               "arena_mark_t keeps its size");
_Static_assert(sizeof(arena_stats_t) == 7 * sizeof(size_t), "arena_stats_t keeps its size");
_Static_assert(sizeof(arena_block_info_t) == 3 * sizeof(void *) + sizeof(int)
                   || sizeof(arena_block_info_t) == 4 * sizeof(void *),
               "arena_block_info_t keeps its size");
_Static_assert(offsetof(struct arena__hot, pos) == 0, "the inline path reads pos first");
_Static_assert(offsetof(struct arena__hot, end) == sizeof(uintptr_t), "then end");
_Static_assert(offsetof(arena_options_t, backing) + sizeof(arena_backing_t)
                   <= sizeof(arena_options_t),
               "options only grow at the end");

static void the_1_0_function_still_works(void **state)
{
    (void)state;
    arena_options_t o = {.block_size = 1000};
    arena_t *a = (arena_create_with)(&o); /* the function, not the macro */
    assert_non_null(a);
    assert_true(arena_stats(a).capacity >= 1000);
    arena_destroy(a);
    assert_fails((arena_create_with)(NULL), EINVAL);
}

static void compound_literals_with_commas(void **state)
{
    (void)state;
    /* 1.0 code may pass a compound literal with several fields: the macros
     * must take it as one argument. */
    arena_t *a = arena_create_with(&(arena_options_t){.block_size = 2048, .max_size = 1 << 20});
    assert_non_null(a);
    assert_int_equal(arena_stats(a).max_size, 1 << 20);
    arena_t *k = arena_create_child(a, &(arena_options_t){.block_size = 1024, .name = "k"});
    assert_non_null(k);
    assert_string_equal(arena_name(k), "k");
    arena_destroy(a);
}

static void sized_entry_point_reads_what_it_is_given(void **state)
{
    (void)state;
    /* A caller with a bigger struct: a zero tail is fine, a set one is not. */
    struct {
        arena_options_t o;
        unsigned char newer[32];
    } big;
    memset(&big, 0, sizeof big);
    big.o.block_size = 512;
    arena_t *a = arena__create_sized(&big.o, sizeof big);
    assert_non_null(a);
    arena_destroy(a);
    for (size_t i = 0; i < sizeof big.newer; i++) {
        big.newer[i] = 1;
        assert_fails(arena__create_sized(&big.o, sizeof big), EINVAL);
        big.newer[i] = 0;
    }
    /* Smaller than 1.0's struct: nothing to read. */
    assert_fails(arena__create_sized(&big.o, sizeof(arena_options_t) / 2), EINVAL);
    assert_fails(arena__create_sized(NULL, sizeof(arena_options_t)), EINVAL);

    /* The child's entry point: the same rules; a header without `name` is
     * older than children, so its size is refused. */
    arena_t *p = arena_create(0);
    big.o.name = "newer";
    arena_t *k = arena__create_child_sized(p, &big.o, sizeof big);
    assert_non_null(k);
    assert_string_equal(arena_name(k), "newer");
    for (size_t i = 0; i < sizeof big.newer; i++) {
        big.newer[i] = 1;
        assert_fails(arena__create_child_sized(p, &big.o, sizeof big), EINVAL);
        big.newer[i] = 0;
    }
    /* A struct that ends right after `name` (a header from before
     * on_limit): read as far as it goes, the rest the defaults. */
    size_t upto_name = offsetof(arena_options_t, name) + sizeof(const char *);
    k = arena__create_child_sized(p, &big.o, upto_name);
    assert_non_null(k);
    assert_string_equal(arena_name(k), "newer");
    assert_fails(arena__create_child_sized(p, &big.o, offsetof(arena_options_t, name) - 1), EINVAL);
    arena_destroy(p);
}

static void version_macros_agree(void **state)
{
    (void)state;
    assert_int_equal(ARENA_VERSION_NUMBER,
                     ARENA_VERSION_MAJOR * 10000 + ARENA_VERSION_MINOR * 100 + ARENA_VERSION_PATCH);
    assert_string_equal(arena_version(), ARENA_VERSION_STRING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_1_0_function_still_works),
        cmocka_unit_test(compound_literals_with_commas),
        cmocka_unit_test(sized_entry_point_reads_what_it_is_given),
        cmocka_unit_test(version_macros_agree),
    };
    return cmocka_run_group_tests_name("abi", tests, NULL, NULL);
}
