/*
 * engine.c -- arena-shell's engine driven directly: the "more memory?"
 * dialogue with scripted answers (what is offered, which answers are taken,
 * cancelling), and how much block-list walking each command costs.
 *
 * The dialogue: sh->ask is a function that logs every prompt and returns
 * the next scripted answer, NULL standing for Ctrl-C or Ctrl-D (and for the
 * end of the script).  Work: the test is linked with
 * -Wl,--wrap=arena_blocks, so every walk of the block list the engine makes
 * is counted, with the number of blocks it visits; building N blocks and
 * drawing their map must cost a number of visits linear in N.
 */
#define _GNU_SOURCE
#include "shell.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* ---- counting the block-list walks -------------------------------------- */

size_t __real_arena_blocks(const arena_t *a, arena_block_info_t *out, size_t max);
size_t __wrap_arena_blocks(const arena_t *a, arena_block_info_t *out, size_t max);

static size_t walks;  /* calls */
static size_t visits; /* blocks walked over */

size_t __wrap_arena_blocks(const arena_t *a, arena_block_info_t *out, size_t max)
{
    size_t n = __real_arena_blocks(a, out, max);
    walks++;
    visits += n;
    return n;
}

/* ---- a shell with scripted answers -------------------------------------- */

#define MAX_ANSWERS 8
/* An answer that copies what the prompt offers in [brackets]. */
#define SHOWN_DEFAULT "<the default shown>"

typedef struct fixture {
    shell_t sh;
    FILE *out, *err;
    char *outbuf, *errbuf;
    size_t outlen, errlen;
    const char *answers[MAX_ANSWERS];
    size_t nanswers, next;
    char prompts[MAX_ANSWERS + 4][160];
    size_t nprompts;
} fixture_t;

static char *scripted_ask(void *ctx, const char *prompt)
{
    fixture_t *f = ctx;
    if (f->nprompts < MAX_ANSWERS + 4)
        snprintf(f->prompts[f->nprompts], sizeof f->prompts[0], "%s", prompt);
    f->nprompts++;
    if (f->next >= f->nanswers)
        return NULL;
    const char *a = f->answers[f->next++];
    if (a == NULL)
        return NULL;
    if (strcmp(a, SHOWN_DEFAULT) == 0) {
        const char *open = strchr(prompt, '['), *close = open ? strchr(open, ']') : NULL;
        assert_non_null(close);
        return strndup(open + 1, (size_t)(close - open - 1));
    }
    return strdup(a);
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->out = open_memstream(&f->outbuf, &f->outlen);
    f->err = open_memstream(&f->errbuf, &f->errlen);
    assert_non_null(f->out);
    assert_non_null(f->err);
    shell_init(&f->sh, f->out, f->err);
    f->sh.relative = true;
    f->sh.columns = 80;
    f->sh.ask = scripted_ask;
    f->sh.ask_ctx = f;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    shell_fini(&f->sh);
    fclose(f->out);
    fclose(f->err);
    free(f->outbuf);
    free(f->errbuf);
    free(f);
    return 0;
}

/* Runs one line; a failure shows the line and what the shell said. */
static int run(fixture_t *f, const char *line)
{
    int r = shell_exec(&f->sh, line, strlen(line));
    fflush(f->out);
    fflush(f->err);
    return r;
}

static void must(fixture_t *f, const char *line)
{
    int r = run(f, line);
    if (r != SHELL_OK)
        fail_msg("'%s' gave %d; stderr:\n%s", line, r, f->errbuf);
}

/* Sets the answers for the next question(s); NULL is Ctrl-C / Ctrl-D. */
static void answers(fixture_t *f, size_t n, ...)
{
    va_list ap;
    assert_in_range(n, 0, MAX_ANSWERS);
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        f->answers[i] = va_arg(ap, const char *);
    va_end(ap);
    f->nanswers = n;
    f->next = 0;
    f->nprompts = 0;
}

static size_t nblocks(const fixture_t *f)
{
    return arena_stats(f->sh.arena).blocks;
}

/* Runs line, which must ask and come back to the prompt with `want`. */
static void expect_result(fixture_t *f, const char *line, int want)
{
    int r = run(f, line);
    if (r != want)
        fail_msg("'%s' with answers starting '%s' gave %d, want %d; prompts: %zu, last: '%s'", line,
                 f->nanswers ? (f->answers[0] ? f->answers[0] : "(Ctrl-D)") : "(none)", r, want,
                 f->nprompts, f->nprompts ? f->prompts[f->nprompts - 1] : "");
}

/* A fixed 256-byte arena with 200 bytes used: 100 more do not fit. */
static void full_arena(fixture_t *f)
{
    must(f, "new 256 fixed");
    must(f, "alloc 200 as first");
}

/* ---- item: Ctrl-C or Ctrl-D cancels the allocation, not the session ----- */

static void test_eof_at_offer_cancels(void **state)
{
    fixture_t *f = *state;
    full_arena(f);
    answers(f, 1, NULL);
    expect_result(f, "alloc 100", SHELL_ERROR);
    assert_int_equal(f->nprompts, 1);
    assert_non_null(f->sh.arena);
    assert_int_equal(f->sh.nallocs, 1);
    assert_int_equal(nblocks(f), 1);
    answers(f, 0);
    must(f, "alloc 16");
}

static void test_eof_at_how_much_cancels(void **state)
{
    fixture_t *f = *state;
    full_arena(f);
    answers(f, 2, "m", NULL);
    expect_result(f, "alloc 100", SHELL_ERROR);
    assert_int_equal(f->nprompts, 2);
    assert_int_equal(f->sh.nallocs, 1);
    assert_int_equal(nblocks(f), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_eof_at_offer_cancels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eof_at_how_much_cancels, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
