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
 * drawing their map must cost a number of visits linear in N.  The shell's
 * own record of the chain, which spares it those walks, is checked against
 * arena_blocks after every step of a script that moves between blocks of
 * every kind (new, spare, extended, over-aligned, restored, reset).  The
 * tree: a long random walk over child, defer, parent, use, destroy,
 * save/restore, reset and new checks after every step that the library's
 * report lists exactly the arenas the shell holds, under the same parents,
 * with the cleanups the shell counts, and that each record's chain is its
 * arena's; at the end every cleanup has run once and every child was seen
 * ending once.
 */
#define _GNU_SOURCE
#include "shell.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
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
    return arena_stats(f->sh.cur->arena).blocks;
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
    assert_non_null(f->sh.cur);
    assert_int_equal(f->sh.cur->nallocs, 1);
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
    assert_int_equal(f->sh.cur->nallocs, 1);
    assert_int_equal(nblocks(f), 1);
}

/* ---- item: "how much?" takes cancel and Enter; its default is exact ----- */

static void test_how_much_cancels(void **state)
{
    fixture_t *f = *state;
    static const char *const words[] = {"c", "cancel", "C", "Cancel", "CANCEL", "  cancel "};
    full_arena(f);
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        answers(f, 2, "m", words[i]);
        expect_result(f, "alloc 100", SHELL_ERROR);
        assert_int_equal(f->nprompts, 2);
        assert_int_equal(nblocks(f), 1);
        assert_int_equal(f->sh.cur->nallocs, 1);
    }
}

/* The default in "how much? [...]" is a whole number of bytes that is
 * accepted as typed, and Enter takes it. */
static void test_how_much_default_is_exact(void **state)
{
    fixture_t *f = *state;
    static const size_t sizes[] = {257, 1000, 1025, 5000, 5120, 70000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (int typed = 0; typed < 2; typed++) {
            char line[64];
            full_arena(f);
            answers(f, 2, "more", typed ? SHOWN_DEFAULT : "");
            snprintf(line, sizeof line, "alloc %zu as big", sizes[i]);
            expect_result(f, line, SHELL_OK);
            assert_int_equal(f->nprompts, 2);
            const char *open = strchr(f->prompts[1], '[');
            assert_non_null(open);
            char *end;
            unsigned long long shown = strtoull(open + 1, &end, 10);
            if (*end != ']')
                fail_msg("the default in '%s' is not a whole number of bytes", f->prompts[1]);
            assert_in_range(shown, sizes[i], sizes[i] + 4096);
            assert_int_equal(nblocks(f), 2);
        }
    }
}

/* ---- item: only the listed words and letters are answers ---------------- */

static void test_offer_takes_listed_answers_only(void **state)
{
    fixture_t *f = *state;
    static const char *const refused[] = {
        "map",   "quitting", "mo",     "y",         "n", "yes",      "no", "",   "m m",
        "more!", "rm",       "resets", "cancelled", "x", "quit now", "?",  "qq", "mq",
    };
    static const char *const cancel[] = {"c", "cancel", "C", " Cancel"};
    static const char *const quit[] = {"q", "quit", "Q", "QUIT"};
    static const char *const more[] = {"m", "more", "M", "More", " more ", "MORE"};
    full_arena(f);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        size_t before = f->outlen;
        answers(f, 2, refused[i], "c");
        expect_result(f, "alloc 100", SHELL_ERROR);
        if (f->nprompts != 2 || strstr(f->prompts[1], "more memory?") == NULL)
            fail_msg("answer '%s': %zu prompts, the second '%s'; want the offer again", refused[i],
                     f->nprompts, f->nprompts > 1 ? f->prompts[1] : "");
        if (strstr(f->outbuf + before, "please answer") == NULL)
            fail_msg("answer '%s' was not refused with the choices", refused[i]);
        assert_int_equal(nblocks(f), 1);
        assert_int_equal(f->sh.cur->nallocs, 1);
    }
    for (size_t i = 0; i < sizeof cancel / sizeof cancel[0]; i++) {
        answers(f, 1, cancel[i]);
        expect_result(f, "alloc 100", SHELL_ERROR);
        assert_int_equal(f->nprompts, 1);
    }
    for (size_t i = 0; i < sizeof quit / sizeof quit[0]; i++) {
        answers(f, 1, quit[i]);
        expect_result(f, "alloc 100", SHELL_QUIT);
    }
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
        answers(f, 2, more[i], NULL);
        expect_result(f, "alloc 100", SHELL_ERROR);
        assert_int_equal(f->nprompts, 2);
        assert_non_null(strstr(f->prompts[1], "how much?"));
    }
}

/* ---- item: reset is offered only when it can satisfy the request -------- */

/* Could a block of the arena, emptied, hold size bytes at align? */
static bool reset_would_fit(const fixture_t *f, size_t size, size_t align)
{
    arena_block_info_t info[8];
    size_t n = __real_arena_blocks(f->sh.cur->arena, info, 8);
    assert_in_range(n, 1, 8);
    for (size_t i = 0; i < n; i++) {
        size_t pad = (size_t)(-(uintptr_t)info[i].start & (align - 1));
        if (pad <= info[i].size && size <= info[i].size - pad)
            return true;
    }
    return false;
}

/* setup: the commands that build the arena; then each request that does
 * not fit must offer reset exactly when reset_would_fit says so, and an
 * "r" that is not offered must be refused. */
static void check_reset_offers(fixture_t *f, const char *const *setup_lines, size_t nsetup)
{
    static const size_t sizes[] = {1, 40, 57, 100, 200, 255, 256, 257, 300, 1000, 1024, 2000};
    static const size_t aligns[] = {16, 64, 256, 512, 4096, 8192};
    size_t offered = 0, withheld = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (size_t a = 0; a < sizeof aligns / sizeof aligns[0]; a++) {
            for (size_t k = 0; k < nsetup; k++)
                must(f, setup_lines[k]);
            char line[64];
            snprintf(line, sizeof line, "alloc %zu %zu", sizes[s], aligns[a]);
            bool fits = reset_would_fit(f, sizes[s], aligns[a]);
            answers(f, 3, "r", "c", "c");
            int r = run(f, line);
            if (f->nprompts == 0) /* it fitted: nothing to offer */
                continue;
            bool shown = strstr(f->prompts[0], "[r]eset") != NULL;
            if (shown != fits)
                fail_msg("'%s': reset %s, but an emptied block %s hold it ('%s')", line,
                         shown ? "offered" : "not offered", fits ? "would" : "would not",
                         f->prompts[0]);
            if (fits) {
                offered++;
                assert_int_equal(r, SHELL_OK); /* reset, then the retry succeeded */
            } else {
                withheld++;
                assert_int_equal(r, SHELL_ERROR);
                assert_int_equal(f->nprompts, 2); /* "r" refused, then "c" */
            }
        }
    }
    assert_true(offered > 0);
    assert_true(withheld > 0);
}

static void test_reset_offered_only_when_it_helps(void **state)
{
    static const char *const one_block[] = {"new 256 fixed", "alloc 200"};
    static const char *const two_blocks[] = {"new 256 fixed", "extend 1K", "alloc 200",
                                             "alloc 1000"};
    check_reset_offers(*state, one_block, 2);
    check_reset_offers(*state, two_blocks, 4);
}

/* A reset would end the allocation a realloc resizes: never offered. */
static void test_reset_not_offered_for_realloc(void **state)
{
    fixture_t *f = *state;
    must(f, "new 256 fixed");
    must(f, "alloc 100 as a");
    must(f, "alloc 100 as b");
    assert_true(reset_would_fit(f, 120, 16));
    answers(f, 2, "r", "c");
    expect_result(f, "realloc a 120", SHELL_ERROR);
    assert_int_equal(f->nprompts, 2);
    assert_null(strstr(f->prompts[0], "[r]eset"));
    assert_int_equal(f->sh.cur->nallocs, 2);
    answers(f, 2, "m", "");
    expect_result(f, "realloc a 120", SHELL_OK);
    assert_int_equal(f->sh.cur->nallocs, 2);
    assert_int_equal(f->sh.cur->allocs[1].size, 120);
}

/* Tab completes every command name in the table, and the synonym exit. */
static void test_completion_has_every_command(void **state)
{
    fixture_t *f = *state;
    must(f, "help");
    fflush(f->out);
    size_t n = 0;
    bool exit_seen = false;
    for (const char *w; (w = shell_completion(n)) != NULL; n++) {
        char line[64];
        snprintf(line, sizeof line, "\n  %s", w);
        exit_seen |= strcmp(w, "exit") == 0;
        if (strcmp(w, "exit") != 0 && strstr(f->outbuf, line) == NULL)
            fail_msg("completion offers '%s', which 'help' does not list", w);
    }
    assert_true(exit_seen);
    for (const char *p = strstr(f->outbuf, "\n  "); p != NULL; p = strstr(p + 1, "\n  ")) {
        if (p[3] == ' ') /* a summary under a long usage */
            continue;
        size_t len = strcspn(p + 3, " \n");
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found =
                strlen(shell_completion(i)) == len && memcmp(shell_completion(i), p + 3, len) == 0;
        if (!found)
            fail_msg("'help' lists '%.*s', which completion does not offer", (int)len, p + 3);
    }
    assert_in_range(n, 24, 24); /* 23 commands and exit */
}

/* ---- item: map (and what builds it) is linear in the blocks ------------- */

/* Builds n blocks, each holding a padded allocation; returns the visits. */
static size_t build_blocks(fixture_t *f, size_t n)
{
    must(f, "new 128 fixed");
    walks = visits = 0;
    for (size_t i = 0; i < n; i++) {
        must(f, "alloc 100");
        must(f, "alloc 1 16");
        must(f, "extend 128");
    }
    return visits;
}

static void check_linear(fixture_t *f, size_t n)
{
    size_t v = build_blocks(f, n);
    static const char *const looks[] = {"map", "list", "stats", "fill 1 0x41", "show 1"};
    for (size_t i = 0; i < sizeof looks / sizeof looks[0]; i++) {
        walks = visits = 0;
        must(f, looks[i]);
        if (walks > 2 || visits > 2 * (n + 1))
            fail_msg("'%s' over %zu blocks made %zu walks over %zu blocks (want at most 2 "
                     "walks over %zu)",
                     looks[i], n, walks, visits, 2 * (n + 1));
    }
    if (v > 8 * n)
        fail_msg("building %zu blocks walked %zu blocks (want at most %zu)", n, v, 8 * n);
    char head[64];
    snprintf(head, sizeof head, "fixed arena, %zu blocks:", n + 1);
    assert_non_null(strstr(f->outbuf, head));
}

static void test_map_is_linear(void **state)
{
    fixture_t *f = *state;
    check_linear(f, 50);
    check_linear(f, 200);
    /* A large input: memcheck makes each step slow, not the count higher. */
    check_linear(f, getenv("ARENA_UNDER_VALGRIND") ? 2000 : 10000);
}

/* ---- the shell's own chain agrees with arena_blocks ---------------------- */

/* Every live allocation's recorded block is the chain block that holds it,
 * and relative addresses count from that block's start: in arena n. */
static void check_chain_of(const shell_arena_t *n, const char *after)
{
    arena_block_info_t info[64];
    size_t count = __real_arena_blocks(n->arena, info, 64);
    assert_in_range(count, 1, 64);
    size_t chain = 0;
    while (chain < count && info[chain].state != ARENA_BLOCK_SPARE)
        chain++;
    if (n->nchain != chain)
        fail_msg("after '%s': the shell counts %zu chain blocks in '%s', the arena %zu", after,
                 n->nchain, n->name, chain);
    for (size_t i = 0; i < chain; i++)
        if (n->chain[i].start != (uintptr_t)info[i].start
            || n->chain[i].end != (uintptr_t)info[i].start + info[i].size)
            fail_msg("after '%s': chain block %zu of '%s' is [%#jx, %#jx) to the shell, [%p, +%zu) "
                     "to the arena",
                     after, i, n->name, (uintmax_t)n->chain[i].start, (uintmax_t)n->chain[i].end,
                     info[i].start, info[i].size);
    for (size_t k = 0; k < n->nallocs; k++) {
        const shell_alloc_t *a = &n->allocs[k];
        uintptr_t p = (uintptr_t)a->ptr, s = (uintptr_t)info[a->block].start;
        if (a->block >= chain || p < s || p + a->size > s + info[a->block].size)
            fail_msg("after '%s': %s (%zu bytes at %p) is not in block %zu of '%s'", after, a->name,
                     a->size, a->ptr, a->block, n->name);
    }
}

static void check_chain(fixture_t *f, const char *after)
{
    check_chain_of(f->sh.cur, after);
}

static void test_chain_follows_the_arena(void **state)
{
    fixture_t *f = *state;
    static const char *const script[] = {
        "new 100",           "alloc 50",       "alloc 0 1",    "alloc 200 64",
        "alloc 5000 8192",   "str hello",      "calloc 10 10", "save",
        "alloc 3000 16384",  "alloc 1 1",      "alloc 100000", "alloc 0 4096",
        "restore 1",         "alloc 300 4096", "save",         "alloc 70000",
        "alloc 20000 32768", "restore",        "reset",        "alloc 10",
        "alloc 9000 16384",  "alloc 1",        "trim",         "alloc 64K",
        "new 256 fixed",     "extend 1K",      "extend 300",   "alloc 200",
        "alloc 900",         "alloc 250",      "save",         "alloc 1 8192",
        "extend 20K",        "alloc 1 8192",   "alloc 100",    "restore",
        "alloc 8",           "alloc 1000",     "reset",        "alloc 1K",
        "alloc 300",
    };
    answers(f, 0);
    for (size_t i = 0; i < sizeof script / sizeof script[0]; i++) {
        run(f, script[i]);
        check_chain(f, script[i]);
    }
}

/* ---- the shell's tree agrees with the library --------------------------- */

typedef struct seen {
    char name[48];
    size_t depth, cleanups;
} seen_t;

typedef struct seen_report {
    seen_t line[256];
    size_t n;
} seen_report_t;

/* One line of arena_report: "  NAME: used ..., cleanups N". */
static void collect(const char *line, void *arg)
{
    seen_report_t *r = arg;
    assert_true(r->n < 256);
    seen_t *s = &r->line[r->n++];
    size_t sp = strspn(line, " ");
    s->depth = sp / 2;
    snprintf(s->name, sizeof s->name, "%.*s", (int)strcspn(line + sp, ":"), line + sp);
    const char *c = strstr(line, "cleanups ");
    assert_non_null(c);
    s->cleanups = strtoul(c + strlen("cleanups "), NULL, 10);
}

static const shell_arena_t *record_named(const shell_t *sh, const char *name)
{
    for (size_t i = 0; i < sh->narenas; i++)
        if (strcmp(sh->arenas[i]->name, name) == 0)
            return sh->arenas[i];
    return NULL;
}

/* The library's report of the top arena lists exactly the arenas the shell
 * holds, each under the parent the shell records, with the cleanups the
 * shell counts; every record's chain is the arena's. */
static void check_tree(const fixture_t *f, const char *after)
{
    const shell_t *sh = &f->sh;
    if (sh->narenas == 0) {
        assert_null(sh->cur);
        return;
    }
    static seen_report_t r;
    r.n = 0;
    arena_report(sh->arenas[0]->arena, collect, &r);
    if (r.n != sh->narenas)
        fail_msg("after '%s': the library reports %zu arenas, the shell holds %zu", after, r.n,
                 sh->narenas);
    bool cur_seen = false;
    for (size_t i = 0; i < r.n; i++) {
        const shell_arena_t *n = record_named(sh, r.line[i].name);
        if (n == NULL)
            fail_msg("after '%s': the library reports '%s', which the shell does not hold", after,
                     r.line[i].name);
        size_t up = i;
        while (r.line[i].depth > 0 && up-- > 0 && r.line[up].depth != r.line[i].depth - 1) {
        }
        const char *want = r.line[i].depth == 0 ? NULL : r.line[up].name;
        const char *have = n->parent ? n->parent->name : NULL;
        if ((want == NULL) != (have == NULL) || (want != NULL && strcmp(want, have) != 0))
            fail_msg("after '%s': '%s' is a child of '%s' to the library, of '%s' to the shell",
                     after, n->name, want ? want : "(none)", have ? have : "(none)");
        if (n->pending != r.line[i].cleanups)
            fail_msg("after '%s': '%s' has %zu cleanups pending to the library, %zu to the shell",
                     after, n->name, r.line[i].cleanups, n->pending);
        assert_string_equal(arena_name(n->arena), n->name);
        assert_ptr_equal(arena_parent(n->arena), n->parent ? n->parent->arena : NULL);
        check_chain_of(n, after);
        cur_seen |= n == sh->cur;
    }
    assert_true(cur_seen);
}

static unsigned long long lcg = 0x2545f4914f6cdd1dull;

static size_t pick(size_t n)
{
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    return (size_t)(lcg >> 33) % n;
}

/* Counts the lines of out that start with `head`. */
static size_t lines_starting(const char *out, const char *head)
{
    size_t k = 0;
    for (const char *p = out; p != NULL; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        k += strncmp(p, head, strlen(head)) == 0;
    return k;
}

/* A long random walk over every command that makes, switches, ends or
 * allocates in arenas: after each step the shell's records agree with the
 * library; at the end every cleanup has run exactly once and every child
 * was seen ending exactly once. */
static void test_tree_follows_the_library(void **state)
{
    fixture_t *f = *state;
    static const char *const shapes[] = {"", "512", "1K fixed", "300 max 6K", "2K", "64 fixed"};
    static const char *const others[] = {"str abc", "extend 1K", "trim", "calloc 3 40",
                                         "list",    "stats",     "map",  "report"};
    size_t steps = getenv("ARENA_UNDER_VALGRIND") ? 400 : 3000, ndeferred = 0;
    static unsigned char ran[3000];
    char line[96];
    f->sh.ask = NULL;
    must(f, "new 2K name t0");
    for (size_t i = 0; i < steps; i++) {
        switch (pick(12)) {
        case 0:
        case 1:
            snprintf(line, sizeof line, "child %s", shapes[pick(6)]);
            break;
        case 2:
        case 3:
            snprintf(line, sizeof line, "defer c%zu", i);
            break;
        case 4:
            snprintf(line, sizeof line, "alloc %zu %zu", pick(700), (size_t)1 << pick(8));
            break;
        case 5:
            snprintf(line, sizeof line, "save");
            break;
        case 6:
            snprintf(line, sizeof line, "restore");
            break;
        case 7:
            snprintf(line, sizeof line, pick(3) == 0 ? "reset" : "parent");
            break;
        case 8:
            snprintf(line, sizeof line, "destroy");
            break;
        case 9:
            snprintf(line, sizeof line, "use %s", f->sh.arenas[pick(f->sh.narenas)]->name);
            break;
        case 10:
            if (pick(30) == 0)
                snprintf(line, sizeof line, "new %s name t%zu", pick(2) ? "1K" : "300 fixed", i);
            else
                snprintf(line, sizeof line, "parent");
            break;
        default:
            snprintf(line, sizeof line, "%s", others[pick(8)]);
        }
        run(f, line);
        check_tree(f, line);
    }
    shell_fini(&f->sh);
    fflush(f->out);
    for (const char *p = f->outbuf; (p = strstr(p, "\ncleanup: c")) != NULL; p++) {
        size_t id = strtoul(p + strlen("\ncleanup: c"), NULL, 10);
        assert_true(id < steps);
        if (ran[id]++ != 0)
            fail_msg("cleanup c%zu ran twice", id);
    }
    for (const char *p = f->outbuf; (p = strstr(p, "\ndeferred in '")) != NULL; p++) {
        const char *t = strstr(p, "': c");
        assert_non_null(t);
        size_t id = strtoul(t + 4, NULL, 10);
        if (ran[id] != 1)
            fail_msg("cleanup c%zu was registered and ran %d times", id, ran[id]);
        ndeferred++;
    }
    assert_int_equal(lines_starting(f->outbuf, "cleanup: "), ndeferred);
    size_t made = lines_starting(f->outbuf, "child arena '");
    size_t ended =
        lines_starting(f->outbuf, "arena '") + lines_starting(f->outbuf, "destroyed arena '");
    if (made != ended || made < steps / 20 || ndeferred < steps / 20)
        fail_msg("%zu children made, %zu seen ending; %zu cleanups", made, ended, ndeferred);
}

/* Tab after 'use' offers the names of the arenas the shell holds. */
static void test_completion_has_every_arena(void **state)
{
    fixture_t *f = *state;
    assert_null(shell_arena_completion(&f->sh, 0));
    must(f, "new 1K");
    must(f, "child name a");
    must(f, "child");
    must(f, "use top");
    must(f, "child name b");
    must(f, "use child1");
    must(f, "destroy");
    static const char *const want[] = {"top", "a", "b"};
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(shell_arena_completion(&f->sh, i), want[i]);
    assert_null(shell_arena_completion(&f->sh, 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_eof_at_offer_cancels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eof_at_how_much_cancels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_how_much_cancels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_how_much_default_is_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_offer_takes_listed_answers_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_offered_only_when_it_helps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_not_offered_for_realloc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_completion_has_every_command, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_is_linear, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_follows_the_arena, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tree_follows_the_library, setup, teardown),
        cmocka_unit_test_setup_teardown(test_completion_has_every_arena, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
