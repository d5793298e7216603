/* String helpers: strdup, strndup, sprintf, vsprintf. */
#include "test_util.h"

#include <stdio.h>

static void strdup_and_strndup(void **state)
{
    (void)state;
    arena_t *a = arena_create(64);
    const char *src = "the quick brown fox";
    char *d = arena_strdup(a, src);
    assert_string_equal(d, src);
    assert_ptr_not_equal(d, src);
    assert_string_equal(arena_strdup(a, ""), "");
    assert_string_equal(arena_strndup(a, src, 3), "the");
    assert_string_equal(arena_strndup(a, src, 0), "");
    assert_string_equal(arena_strndup(a, src, 1000), src);
    /* strndup stops at n even without a NUL in range. */
    char raw[4] = {'a', 'b', 'c', 'd'};
    assert_string_equal(arena_strndup(a, raw, 4), "abcd");
    /* Long strings cross blocks. */
    char big[1000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_string_equal(arena_strdup(a, big), big);
    assert_fails(arena_strdup(a, NULL), EINVAL);
    assert_fails(arena_strndup(a, NULL, 3), EINVAL);
    assert_fails(arena_strdup(NULL, "x"), EINVAL);
    assert_fails(arena_strndup(NULL, "x", 1), EINVAL);
    arena_destroy(a);
}

static void sprintf_formats(void **state)
{
    (void)state;
    arena_t *a = arena_create(1024);
    assert_string_equal(arena_sprintf(a, "%d-%s-%.2f", 42, "x", 1.5), "42-x-1.50");
    assert_string_equal(arena_sprintf(a, "%s", ""), "");
    /* One pass in place: the string is the last thing in the block. */
    size_t used = arena_stats(a).used;
    char *s = arena_sprintf(a, "%05d", 7);
    assert_string_equal(s, "00007");
    assert_int_equal(arena_stats(a).used, used + 6);
    arena_destroy(a);
}

static void sprintf_longer_than_block(void **state)
{
    (void)state;
    arena_t *a = arena_create(64);
    char *s = arena_sprintf(a, "%0500d|%s", 1, "end");
    assert_non_null(s);
    assert_int_equal(strlen(s), 504);
    assert_string_equal(s + 500, "|end");
    assert_int_equal(s[0], '0');
    assert_int_equal(s[499], '1');
    assert_consistent(a);
    arena_destroy(a);
}

static void sprintf_fixed_full(void **state)
{
    (void)state;
    arena_options_t o = {.block_size = 32, .flags = ARENA_FIXED};
    arena_t *a = arena_create_with(&o);
    arena_stats_t before = arena_stats(a);
    assert_fails(arena_sprintf(a, "%s", "this string is longer than thirty-two bytes"), ENOMEM);
    assert_stats_equal(before, arena_stats(a));
    /* Exactly the block: 31 characters and the NUL. */
    char *s = arena_sprintf(a, "%31s", "x");
    assert_non_null(s);
    assert_int_equal(strlen(s), 31);
    arena_destroy(a);
}

static char *wrap(arena_t *a, const char *fmt, ...) ARENA__PRINTF(2, 3);
static char *wrap(arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vsprintf(a, fmt, ap);
    va_end(ap);
    return s;
}

static const char *volatile no_format = NULL;

static char *wrap_null(arena_t *a, ...)
{
    va_list ap;
    va_start(ap, a);
    char *s = arena_vsprintf(a, no_format, ap);
    va_end(ap);
    return s;
}

static void vsprintf_and_errors(void **state)
{
    (void)state;
    arena_t *a = arena_create(16);
    assert_string_equal(wrap(a, "%s=%d", "answer", 42), "answer=42");
    assert_string_equal(wrap(a, "%s %s %s", "a longer", "string that", "needs a new block"),
                        "a longer string that needs a new block");
    assert_fails(arena_sprintf(NULL, "%d", 1), EINVAL);
    assert_fails(wrap_null(a, 1), EINVAL);
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strdup_and_strndup),        cmocka_unit_test(sprintf_formats),
        cmocka_unit_test(sprintf_longer_than_block), cmocka_unit_test(sprintf_fixed_full),
        cmocka_unit_test(vsprintf_and_errors),
    };
    return cmocka_run_group_tests_name("strings", tests, NULL, NULL);
}
