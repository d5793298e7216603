/*
 * A failed call leaves the arena as it was: counters, blocks, and the bytes
 * of its free space (which debug builds fill with ARENA_DEBUG_FRESH_BYTE).
 * arena_sprintf formats into the free tail before it knows whether the
 * output fits, so it is the call most at risk; vsnprintf's own failure
 * (an unencodable wide character) is covered too.
 */
#include "test_util.h"

#include <locale.h>
#include <stdio.h>
#include <wchar.h>

typedef struct {
    arena_stats_t s;
    unsigned char tail[512];
    size_t tail_len;
} picture_t;

#if defined(__clang__) || defined(__GNUC__)
#define NO_ASAN __attribute__((no_sanitize_address))
#else
#define NO_ASAN
#endif

/* Reads free (poisoned, under ASan) memory without a report. */
static NO_ASAN void peek(unsigned char *dst, const unsigned char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = ((const volatile unsigned char *)src)[i];
}

/* The stats and the bytes of the free tail (at most 512; none under
 * memcheck, which would rightly call reading them an error). */
static picture_t picture(arena_t *a)
{
    picture_t p;
    memset(&p, 0, sizeof p);
    p.s = arena_stats(a);
    if (getenv("ARENA_UNDER_VALGRIND") != NULL)
        return p;
    size_t n = arena_blocks(a, NULL, 0);
    arena_block_info_t *b = calloc(n, sizeof *b);
    assert_non_null(b);
    arena_blocks(a, b, n);
    for (size_t i = 0; i < n; i++) {
        if (b[i].state != ARENA_BLOCK_CURRENT)
            continue;
        size_t avail = b[i].size - b[i].used;
        p.tail_len = avail < sizeof p.tail ? avail : sizeof p.tail;
        peek(p.tail, (const unsigned char *)b[i].start + b[i].used, p.tail_len);
    }
    free(b);
    return p;
}

/* Same stats; and in a debug build, where never-used memory holds the
 * fresh fill, the same bytes (release builds promise nothing of them). */
static void same_picture(arena_t *a, const picture_t *before, const char *what)
{
    picture_t now = picture(a);
    assert_stats_equal(before->s, now.s);
    (void)what;
#ifndef NDEBUG
    for (size_t i = 0; i < now.tail_len; i++)
        if (now.tail[i] != before->tail[i] || now.tail[i] != ARENA_DEBUG_FRESH_BYTE)
            fail_msg("%s: free byte %zu is 0x%02x, was 0x%02x (fresh fill 0x%02x)", what, i,
                     now.tail[i], before->tail[i], ARENA_DEBUG_FRESH_BYTE);
#endif
}

static arena_t *full_fixed_arena(unsigned char *buf, size_t size, size_t leave)
{
    arena_options_t o = {.buffer = buf, .buffer_size = size, .flags = ARENA_FIXED};
    arena_t *a = arena_create_with(&o);
    assert_non_null(a);
    assert_non_null(arena_alloc_aligned(a, arena_stats(a).available - leave, 1));
    return a;
}

static void failed_sprintf_leaves_the_tail(void **state)
{
    (void)state;
    static unsigned char buf[ARENA_BUFFER_OVERHEAD + 4096];
    char big[300];
    memset(big, 'X', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    /* Every room from none to more than the output less one byte. */
    for (size_t leave = 0; leave <= 300; leave += leave < 20 ? 1 : 37) {
        arena_t *a = full_fixed_arena(buf, sizeof buf, leave);
        picture_t before = picture(a);
        errno = 0;
        char *s = arena_sprintf(a, "%s", big);
        if (leave >= sizeof big) {
            assert_non_null(s);
        } else {
            assert_null(s);
            assert_int_equal(errno, ENOMEM);
            same_picture(a, &before, "arena_sprintf");
        }
        arena_destroy(a);
    }
}

static void failed_vsnprintf_leaves_the_tail(void **state)
{
    (void)state;
    static unsigned char buf[ARENA_BUFFER_OVERHEAD + 4096];
    setlocale(LC_ALL, "C");
    /* In the C locale a character above 0x7f has no encoding: vsnprintf
     * writes the text before it, then fails (EILSEQ). */
    for (size_t leave = 0; leave <= 64; leave += 8) {
        arena_t *a = full_fixed_arena(buf, sizeof buf, leave);
        picture_t before = picture(a);
        errno = 0;
        char *s = arena_sprintf(a, "abcdefghijklmnop%lc", (wint_t)0x20AC);
        assert_null(s);
        assert_int_not_equal(errno, 0);
        same_picture(a, &before, "arena_sprintf (EILSEQ)");
        arena_destroy(a);
    }
}

static void other_failures_leave_everything(void **state)
{
    (void)state;
    static unsigned char buf[ARENA_BUFFER_OVERHEAD + 4096];
    arena_t *a = full_fixed_arena(buf, sizeof buf, 100);
    picture_t before = picture(a);
    assert_fails(arena_alloc(a, 200), ENOMEM);
    same_picture(a, &before, "arena_alloc");
    assert_fails(arena_alloc_aligned(a, 8, 3), EINVAL);
    same_picture(a, &before, "arena_alloc_aligned");
    assert_fails(arena_alloc_thread_safe(a, 200, 16), ENOMEM);
    same_picture(a, &before, "arena_alloc_thread_safe");
    assert_fails(arena_calloc(a, SIZE_MAX / 2, 3), ENOMEM);
    same_picture(a, &before, "arena_calloc");
    assert_fails(arena_strndup(a, NULL, 3), EINVAL);
    same_picture(a, &before, "arena_strndup");
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(failed_sprintf_leaves_the_tail),
        cmocka_unit_test(failed_vsnprintf_leaves_the_tail),
        cmocka_unit_test(other_failures_leave_everything),
    };
    return cmocka_run_group_tests_name("failed_calls", tests, NULL, NULL);
}
