/*
 * run_life.c -- the executors of arenas' lives: new (the top arena),
 * child, parent and use (which arena commands act on), destroy, and defer
 * (a cleanup that says when it runs).
 *
 * new and child take the same shape of arguments, [SIZE] [fixed|grow]
 * [max SIZE] [name NAME], parsed and checked in full before anything is
 * made, so a bad line changes nothing; new replaces the whole tree only
 * once its new arena exists.  Every arena has a name, the one given or an
 * automatic one ("top", "child1", ...), given to the library too, so that
 * arena_report and the shell say the same.
 *
 * A child's record in its parent and a cleanup's record are allocated by
 * the library from the current arena, where the shell does not see the
 * pointer: shell_follow (state.c) keeps the chain right.  Before a child
 * is made, the parent makes room for its record (a cleanup registered and
 * dropped at once; its record is the same), so that the child's first
 * block is the only backing request the creation makes and lands on a page
 * like any arena's first (backing.c).
 *
 * A cleanup's text is copied to the heap with a pointer to the shell and
 * to its arena's record; the cleanup prints "cleanup: TEXT" and frees it.
 * Every cleanup runs exactly once (the last arena is destroyed at the end
 * of the session), so none leaks.
 */
#include "command.h"
#include "state.h"

#include "backing.h"

#include <stdlib.h>
#include <string.h>

#define QUOTE_CAP 200
/* Most bytes of a cleanup's text. */
#define TEXT_MAX 200

/* What new and child take. */
typedef struct shape {
    size_t size, max;
    int mode;         /* -1 not given, 0 grow, 1 fixed */
    shell_tok_t name; /* len 0: not given */
} shape_t;

/* "WHAT (usage: CMD ARGS)" for an option given wrongly; returns -1. */
static int misused(shell_t *sh, const shell_call_t *c, const char *what)
{
    shell_error(sh, "%s (usage: %s %s)", what, c->cmd->name, c->cmd->args);
    return -1;
}

/* Parses [SIZE] [fixed|grow] [max SIZE] [name NAME] (SIZE required when
 * size_first); replacing: the tree is about to go, so a name is free. */
static int parse_shape(shell_t *sh, const shell_call_t *c, bool size_first, bool replacing,
                       shape_t *s)
{
    *s = (shape_t){.mode = -1};
    size_t i = 0;
    /* child's SIZE may be left out: a word that does not start like a
     * number is an option */
    shell_tok_t a = c->n > 0 ? c->arg[0] : (shell_tok_t){"", 0};
    if (c->n > 0
        && (size_first || (a.s[0] >= '0' && a.s[0] <= '9') || a.s[0] == '.' || a.s[0] == '-')) {
        if (shell_arg_size(sh, c->arg[0], "size", &s->size) != 0)
            return -1;
        i = 1;
    }
    for (; i < c->n; i++) {
        shell_tok_t t = c->arg[i];
        if (shell_tok_eq(t, "fixed") || shell_tok_eq(t, "grow")) {
            if (s->mode >= 0)
                return misused(sh, c, "give one of fixed or grow, once");
            s->mode = shell_tok_eq(t, "fixed");
        } else if (shell_tok_eq(t, "max") || shell_tok_eq(t, "name")) {
            bool max = shell_tok_eq(t, "max");
            if (max ? s->max != 0 : s->name.len != 0)
                return misused(sh, c, max ? "max given twice" : "name given twice");
            if (i + 1 >= c->n) {
                shell_missing(sh, max ? "SIZE after 'max'" : "NAME after 'name'");
                return -1;
            }
            t = c->arg[++i];
            if (!max) {
                if (shell_arg_arena_name(sh, t, replacing) != 0)
                    return -1;
                s->name = t;
            } else if (shell_arg_size(sh, t, "max", &s->max) != 0) {
                return -1;
            } else if (s->max == 0) {
                shell_error(sh, "max must be at least 1 byte (leave it out for no cap)");
                return -1;
            }
        } else {
            char q[QUOTE_CAP];
            shell_quote(t.s, t.len, q, sizeof q);
            shell_error(sh, "unknown option '%s' (expected fixed, grow, max SIZE or name NAME)", q);
            return -1;
        }
    }
    return 0;
}

/* "first block 4096 bytes (4.0 KiB), fixed, max 16.0 KiB"; a child's
 * comes "at its first allocation". */
static void describe(shell_t *sh, const shell_arena_t *n)
{
    char h[SHELL_HUMAN_CAP];
    shell_human(n->first_size, h, sizeof h);
    fprintf(sh->out, "first block %zu bytes (%s)%s, %s", n->first_size, h,
            n->lazy ? " at its first allocation" : "", n->fixed ? "fixed" : "grows as needed");
    if (n->max_size != 0) {
        shell_human(n->max_size, h, sizeof h);
        fprintf(sh->out, ", max %s", h);
    }
}

static arena_options_t options_of(const shape_t *s, const char *name)
{
    return (arena_options_t){
        .block_size = s->size,
        .max_size = s->max,
        .flags = s->mode == 1 ? ARENA_FIXED : 0,
        .name = name,
    };
}

int shell_run_new(shell_t *sh, const shell_call_t *c)
{
    shape_t s;
    if (parse_shape(sh, c, true, true, &s) != 0)
        return SHELL_ERROR;
    char name[ARENA_NAME_MAX + 1] = "top";
    if (s.name.len != 0)
        snprintf(name, sizeof name, "%.*s", (int)s.name.len, s.name.s);
    shell_arena_t *n = shell_tree_prepare(sh);
    if (n == NULL) {
        shell_bookkeeping_full(sh);
        return SHELL_ERROR;
    }
    arena_options_t o = options_of(&s, name);
    shell_backing_t *b = NULL;
    int refused;
    arena_t *ar = shell_backing_create(sh, &o, &b, &refused);
    if (ar == NULL) {
        shell_tree_discard(n);
        shell_explain_first_block(sh, s.size, s.max, refused, false);
        return SHELL_ERROR;
    }
    bool had = sh->narenas > 0;
    size_t ended = had ? sh->arenas[0]->nallocs : 0;
    if (had)
        shell_tree_destroy(sh, sh->arenas[0]);
    shell_tree_adopt(sh, n, ar, NULL, b, name, s.mode == 1, s.max, 0);
    if (had)
        fprintf(sh->out, "the old arena is destroyed (%zu allocation%s ended)\n", ended,
                ended == 1 ? "" : "s");
    if (s.name.len != 0)
        fprintf(sh->out, "new arena '%s': ", name);
    else
        fprintf(sh->out, "new arena: ");
    describe(sh, n);
    fputc('\n', sh->out);
    return SHELL_OK;
}

/* Why the current arena had no room for bookkeeping of its own: `of`
 * (a cleanup's record, a child); refused: SHELL_REFUSED_*. */
static void explain_record(shell_t *sh, int refused, const char *of)
{
    if (refused == 0 && sh->cur->fixed) {
        shell_error(sh,
                    "the arena is full: no room in the current block for %s; a "
                    "fixed arena grows only with 'extend'",
                    of);
        return;
    }
    char what[96];
    snprintf(what, sizeof what, "a new block for %s", of);
    shell_explain_enomem(sh, refused, what);
}

int shell_run_child(shell_t *sh, const shell_call_t *c)
{
    shape_t s;
    if (parse_shape(sh, c, false, false, &s) != 0)
        return SHELL_ERROR;
    shell_arena_t *parent = sh->cur;
    shell_arena_t *n = shell_reserve(sh) == 0 ? shell_tree_prepare(sh) : NULL;
    if (n == NULL) {
        shell_bookkeeping_full(sh);
        return SHELL_ERROR;
    }
    unsigned long next_child = sh->next_child;
    char name[ARENA_NAME_MAX + 1];
    if (s.name.len != 0)
        snprintf(name, sizeof name, "%.*s", (int)s.name.len, s.name.s);
    else
        shell_tree_auto_name(sh, name, sizeof name);
    shell_spot_t before = shell_spot(sh);
    arena_options_t o = options_of(&s, name);
    int refused;
    arena_t *k = shell_backing_create_child(parent->backing, parent->arena, &o, &refused);
    if (k == NULL) {
        /* Its own cap below its first block, or no room in the parent for
         * the child's bookkeeping. */
        size_t want = s.size ? s.size : ARENA_DEFAULT_BLOCK_SIZE;
        if (refused == 0 && s.max != 0 && (want > s.max || s.max - want < sh->overhead))
            shell_explain_first_block(sh, s.size, s.max, refused, true);
        else
            explain_record(sh, refused, "the child (its record, struct and block header)");
        sh->next_child = next_child;
        shell_tree_discard(n);
        return SHELL_ERROR;
    }
    shell_follow(sh, before);
    shell_tree_adopt(sh, n, k, parent, NULL, name, s.mode == 1, s.max,
                     s.size ? s.size : ARENA_DEFAULT_BLOCK_SIZE);
    fprintf(sh->out, "child arena '%s' of '%s': ", name, parent->name);
    describe(sh, n);
    fprintf(sh->out, "; now in '%s'\n", name);
    return SHELL_OK;
}

static int switch_to(shell_t *sh, shell_arena_t *n)
{
    sh->cur = n;
    fprintf(sh->out, "now in arena '%s' (%zu live allocation%s)\n", n->name, n->nallocs,
            n->nallocs == 1 ? "" : "s");
    return SHELL_OK;
}

int shell_run_parent(shell_t *sh, const shell_call_t *c)
{
    (void)c;
    if (sh->cur->parent == NULL) {
        shell_error(sh, "'%s' is the top arena: it has no parent", sh->cur->name);
        return SHELL_ERROR;
    }
    return switch_to(sh, sh->cur->parent);
}

int shell_run_use(shell_t *sh, const shell_call_t *c)
{
    shell_arena_t *n = shell_tree_find(sh, c->arg[0]);
    if (n == NULL) {
        char q[QUOTE_CAP];
        shell_quote(c->arg[0].s, c->arg[0].len, q, sizeof q);
        shell_error(sh, "no arena named '%s' (see 'report')", q);
        return SHELL_ERROR;
    }
    return switch_to(sh, n);
}

int shell_run_destroy(shell_t *sh, const shell_call_t *c)
{
    (void)c;
    shell_arena_t *n = sh->cur;
    if (n->parent == NULL) {
        shell_error(sh, "'%s' is the top arena: 'new' replaces it, 'quit' ends the session",
                    n->name);
        return SHELL_ERROR;
    }
    char name[ARENA_NAME_MAX + 1];
    snprintf(name, sizeof name, "%s", n->name);
    size_t ended = n->nallocs;
    shell_tree_destroy(sh, n);
    fprintf(sh->out, "destroyed arena '%s' (%zu allocation%s ended); now in '%s'\n", name, ended,
            ended == 1 ? "" : "s", sh->cur->name);
    return SHELL_OK;
}

/* A cleanup of 'defer': what it prints, and whose it is. */
typedef struct cleanup {
    shell_t *sh;
    shell_arena_t *in;
    char text[];
} cleanup_t;

static void run_cleanup(void *arg)
{
    cleanup_t *k = arg;
    fprintf(k->sh->out, "cleanup: %s\n", k->text);
    k->in->pending--;
    free(k);
}

int shell_run_defer(shell_t *sh, const shell_call_t *c)
{
    shell_tok_t t = shell_tok_trim(c->rest);
    if (t.len >= 2 && t.s[0] == '"' && t.s[t.len - 1] == '"')
        t = shell_tok_trim((shell_tok_t){t.s + 1, t.len - 2});
    if (t.len == 0) {
        shell_error(sh, "TEXT is empty: say what the cleanup stands for");
        return SHELL_ERROR;
    }
    if (t.len > TEXT_MAX) {
        shell_error(sh, "TEXT is %zu bytes long; a cleanup's text has at most %d", t.len, TEXT_MAX);
        return SHELL_ERROR;
    }
    char text[4 * TEXT_MAX + 9];
    shell_escape(t.s, t.len, text, sizeof text);
    shell_arena_t *cur = sh->cur;
    size_t len = strlen(text);
    cleanup_t *k = shell_reserve(sh) == 0 ? malloc(sizeof *k + len + 1) : NULL;
    if (k == NULL) {
        shell_bookkeeping_full(sh);
        return SHELL_ERROR;
    }
    *k = (cleanup_t){.sh = sh, .in = cur};
    memcpy(k->text, text, len + 1);
    shell_spot_t before = shell_spot(sh);
    cur->backing->refused = 0;
    if (arena_defer(cur->arena, run_cleanup, k) != 0) {
        explain_record(sh, cur->backing->refused, "the record of a cleanup");
        free(k);
        return SHELL_ERROR;
    }
    shell_follow(sh, before);
    cur->pending++;
    fprintf(sh->out,
            "deferred in '%s': %s (%zu cleanup%s pending; its record took %zu bytes of the "
            "arena, padding included)\n",
            cur->name, text, cur->pending, cur->pending == 1 ? "" : "s",
            arena_stats(cur->arena).used - before.used);
    return SHELL_OK;
}
