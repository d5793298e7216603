/*
 * arena_sprintf's output is vsnprintf's, byte for byte: over a grid of
 * every conversion the fast formatter takes (%d %i %u %x %X %c %s %%), every
 * flag it takes ('-', '0', both), widths around the value's length, every
 * length modifier, and edge values of each type; and over what it leaves to
 * vsnprintf (precision, other flags, '*', other conversions, a NULL
 * string, a width past the room).  Each format also runs where the
 * arena's tail is exactly the output's size, one byte short, and empty.
 */
#include "test_util.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <wchar.h>

static arena_t *g_a;
static size_t g_cases;

static void same(const char *want, const char *got, const char *fmt)
{
    if (got == NULL)
        fail_msg("format \"%s\": arena_sprintf failed (errno %d), want \"%s\"", fmt, errno, want);
    if (strcmp(want, got) != 0)
        fail_msg("format \"%s\": arena_sprintf gave \"%s\", snprintf \"%s\"", fmt, got, want);
    g_cases++;
}

/* Runs one call of both: with the arena's tail as it is, exactly the
 * output's size, and one byte short. */
#define CHECK_ONE(fmt, ...)                                                                        \
    do {                                                                                           \
        char want_[512];                                                                           \
        int n_ = snprintf(want_, sizeof want_, (fmt), __VA_ARGS__);                                \
        assert_true(n_ >= 0 && (size_t)n_ < sizeof want_);                                         \
        same(want_, arena_sprintf(g_a, (fmt), __VA_ARGS__), (fmt));                                \
        /* The tail exactly the output's size, one byte short, and empty. */                       \
        for (size_t short_ = 0; short_ <= 1; short_++) {                                           \
            arena_reset(g_a);                                                                      \
            size_t room_ = arena_stats(g_a).available;                                             \
            assert_non_null(arena_alloc_aligned(g_a, room_ - ((size_t)n_ + 1 - short_), 1));       \
            same(want_, arena_sprintf(g_a, (fmt), __VA_ARGS__), (fmt));                            \
        }                                                                                          \
        arena_reset(g_a);                                                                          \
    } while (0)

static const char *const k_flags[] = {"", "-", "0", "-0", "0-"};
static const char *const k_widths[] = {"", "1", "2", "5", "12", "25"};

static void fast_grid(void **state)
{
    (void)state;
    g_a = arena_create(4096);
    char fmt[64];
    const long long sv[] = {0,   1,     -1,     7,     -7,      42,      -42,       127,      -128,
                            255, 32767, -32768, 65535, INT_MAX, INT_MIN, LLONG_MAX, LLONG_MIN};
    const unsigned long long uv[] = {0, 1, 9, 10, 15, 16, 255, 256, 65535, UINT_MAX, ULLONG_MAX};
    for (size_t f = 0; f < sizeof k_flags / sizeof k_flags[0]; f++) {
        for (size_t w = 0; w < sizeof k_widths / sizeof k_widths[0]; w++) {
            for (size_t i = 0; i < sizeof sv / sizeof sv[0]; i++) {
                long long v = sv[i];
                const char *conv[] = {"d", "i"};
                for (int c = 0; c < 2; c++) {
                    snprintf(fmt, sizeof fmt, "<%%%s%s%s>", k_flags[f], k_widths[w], conv[c]);
                    CHECK_ONE(fmt, (int)v);
                    snprintf(fmt, sizeof fmt, "<%%%s%shh%s>", k_flags[f], k_widths[w], conv[c]);
                    CHECK_ONE(fmt, (int)(signed char)v);
                    snprintf(fmt, sizeof fmt, "<%%%s%sh%s>", k_flags[f], k_widths[w], conv[c]);
                    CHECK_ONE(fmt, (int)(short)v);
                    snprintf(fmt, sizeof fmt, "<%%%s%sl%s>", k_flags[f], k_widths[w], conv[c]);
                    CHECK_ONE(fmt, (long)v);
                    snprintf(fmt, sizeof fmt, "<%%%s%sll%s>", k_flags[f], k_widths[w], conv[c]);
                    CHECK_ONE(fmt, v);
                    snprintf(fmt, sizeof fmt, "<%%%s%sz%s>", k_flags[f], k_widths[w], conv[c]);
                    CHECK_ONE(fmt, (ptrdiff_t)v);
                    snprintf(fmt, sizeof fmt, "<%%%s%st%s>", k_flags[f], k_widths[w], conv[c]);
                    CHECK_ONE(fmt, (ptrdiff_t)v);
                    snprintf(fmt, sizeof fmt, "<%%%s%sj%s>", k_flags[f], k_widths[w], conv[c]);
                    CHECK_ONE(fmt, (intmax_t)v);
                }
            }
            for (size_t i = 0; i < sizeof uv / sizeof uv[0]; i++) {
                unsigned long long v = uv[i];
                const char *conv[] = {"u", "x", "X"};
                for (int c = 0; c < 3; c++) {
                    snprintf(fmt, sizeof fmt, "[%%%s%s%s]", k_flags[f], k_widths[w], conv[c]);
                    CHECK_ONE(fmt, (unsigned)v);
                    snprintf(fmt, sizeof fmt, "[%%%s%shh%s]", k_flags[f], k_widths[w], conv[c]);
                    CHECK_ONE(fmt, (unsigned)(unsigned char)v);
                    snprintf(fmt, sizeof fmt, "[%%%s%sh%s]", k_flags[f], k_widths[w], conv[c]);
                    CHECK_ONE(fmt, (unsigned)(unsigned short)v);
                    snprintf(fmt, sizeof fmt, "[%%%s%sl%s]", k_flags[f], k_widths[w], conv[c]);
                    CHECK_ONE(fmt, (unsigned long)v);
                    snprintf(fmt, sizeof fmt, "[%%%s%sll%s]", k_flags[f], k_widths[w], conv[c]);
                    CHECK_ONE(fmt, v);
                    snprintf(fmt, sizeof fmt, "[%%%s%sz%s]", k_flags[f], k_widths[w], conv[c]);
                    CHECK_ONE(fmt, (size_t)v);
                    snprintf(fmt, sizeof fmt, "[%%%s%sj%s]", k_flags[f], k_widths[w], conv[c]);
                    CHECK_ONE(fmt, (uintmax_t)v);
                }
            }
            const char *strs[] = {"", "a", "word", "a longer string of text"};
            for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
                snprintf(fmt, sizeof fmt, "(%%%s%ss)", k_flags[f], k_widths[w]);
                CHECK_ONE(fmt, strs[i]);
            }
            const int chars[] = {'x', ' ', '%', 0x7f, 0xe9};
            for (size_t i = 0; i < sizeof chars / sizeof chars[0]; i++) {
                snprintf(fmt, sizeof fmt, "{%%%s%sc}", k_flags[f], k_widths[w]);
                CHECK_ONE(fmt, chars[i]);
            }
        }
    }
    CHECK_ONE("100%% sure, %d%%", 5);
    CHECK_ONE("%s-%zu:%08x/%d", "w", (size_t)3, 0xdeadbeefu, -5); /* the benchmark's shape */
    CHECK_ONE("no conversion but this one: %s", "");
    arena_destroy(g_a);
    assert_true(g_cases > 10000);
}

static void left_to_vsnprintf(void **state)
{
    (void)state;
    g_a = arena_create(4096);
    /* Precision, other flags, '*', other conversions, a NULL string, a
     * width wider than any block: vsnprintf's output all the same. */
    CHECK_ONE("%.3d", 7);
    CHECK_ONE("%+d", 7);
    CHECK_ONE("% d", 7);
    CHECK_ONE("%#x", 255u);
    CHECK_ONE("%5.2s", "abcdef");
    CHECK_ONE("%f", 1.5);
    CHECK_ONE("%e", 1e100);
    CHECK_ONE("%g", 0.1);
    CHECK_ONE("%o", 8u);
    CHECK_ONE("%p", (void *)0x1234);
    const char *volatile nothing = NULL; /* glibc prints "(null)"; C does not say */
    CHECK_ONE("%s", nothing);
    CHECK_ONE("%ls", L"wide");
    const char *minus_zero = "%-05d"; /* a flag pair the compiler warns of */
    CHECK_ONE(minus_zero, 3);
    char want[32];
    snprintf(want, sizeof want, "%*d", 6, 42);
    same(want, arena_sprintf(g_a, "%*d", 6, 42), "%*d");
    char *big = arena_sprintf(g_a, "%9000d|", 1);
    assert_non_null(big);
    assert_int_equal(strlen(big), 9001);
    assert_string_equal(big + 8999, "1|");
    /* Several conversions: the fast part and then the slow one. */
    snprintf(want, sizeof want, "%d %s %.1f", 1, "two", 3.0);
    same(want, arena_sprintf(g_a, "%d %s %.1f", 1, "two", 3.0), "%d %s %.1f");
    arena_destroy(g_a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fast_grid),
        cmocka_unit_test(left_to_vsnprintf),
    };
    return cmocka_run_group_tests_name("sprintf", tests, NULL, NULL);
}
