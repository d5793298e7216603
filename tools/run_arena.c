/*
 * run_arena.c -- the executors that change the arena as a whole: new,
 * extend, save, restore, reset, trim, quit.  Each reads arguments the
 * dispatcher has already counted, validates their values, and only then
 * acts, so a bad line changes nothing.
 */
#include "command.h"
#include "state.h"

#include "backing.h"

#define QUOTE_CAP 200

int shell_run_new(shell_t *sh, const shell_call_t *c)
{
    size_t size, max = 0;
    int mode = -1; /* 0 grow, 1 fixed */
    bool have_max = false;
    if (shell_arg_size(sh, c->arg[0], "size", &size) != 0)
        return SHELL_ERROR;
    for (size_t i = 1; i < c->n; i++) {
        shell_tok_t t = c->arg[i];
        if (shell_tok_eq(t, "fixed") || shell_tok_eq(t, "grow")) {
            if (mode >= 0) {
                shell_error(sh, "give one of fixed or grow, once (usage: new %s)", c->cmd->args);
                return SHELL_ERROR;
            }
            mode = shell_tok_eq(t, "fixed");
        } else if (shell_tok_eq(t, "max")) {
            if (have_max) {
                shell_error(sh, "max given twice (usage: new %s)", c->cmd->args);
                return SHELL_ERROR;
            }
            if (i + 1 >= c->n)
                return shell_missing(sh, "SIZE after 'max'");
            if (shell_arg_size(sh, c->arg[++i], "max", &max) != 0)
                return SHELL_ERROR;
            if (max == 0) {
                shell_error(sh, "max must be at least 1 byte (leave it out for no cap)");
                return SHELL_ERROR;
            }
            have_max = true;
        } else {
            char q[QUOTE_CAP];
            shell_quote(t.s, t.len, q, sizeof q);
            shell_error(sh, "unknown option '%s' (expected fixed, grow or max SIZE)", q);
            return SHELL_ERROR;
        }
    }
    if (shell_reserve(sh) != 0)
        return SHELL_ERROR;
    arena_options_t o = {
        .block_size = size,
        .max_size = max,
        .flags = mode == 1 ? ARENA_FIXED : 0,
    };
    shell_backing_t *b = NULL;
    int refused;
    arena_t *ar = shell_backing_create(sh, &o, &b, &refused);
    if (ar == NULL) {
        char h[SHELL_HUMAN_CAP], what[80];
        shell_bytes(size ? size : ARENA_DEFAULT_BLOCK_SIZE, h, sizeof h);
        snprintf(what, sizeof what, "a first block of %s", h);
        if (refused != 0) {
            shell_explain_enomem(sh, refused, what);
        } else if (max != 0) {
            char m[SHELL_HUMAN_CAP];
            shell_bytes(max, m, sizeof m);
            shell_error(sh, "%s does not fit under max %s, bookkeeping included", what, m);
        } else {
            shell_error(sh, "%s is more than an arena can hold", what);
        }
        return SHELL_ERROR;
    }
    size_t ended = sh->nallocs;
    bool had = sh->arena != NULL;
    shell_adopt_arena(sh, ar, b, mode == 1, max);
    if (had)
        fprintf(sh->out, "the old arena is destroyed (%zu allocation%s ended)\n", ended,
                ended == 1 ? "" : "s");
    char h[SHELL_HUMAN_CAP];
    shell_human(sh->first_size, h, sizeof h);
    fprintf(sh->out, "new arena: first block %zu bytes (%s), %s", sh->first_size, h,
            sh->fixed ? "fixed" : "grows as needed");
    if (max != 0) {
        shell_human(max, h, sizeof h);
        fprintf(sh->out, ", max %s", h);
    }
    fputc('\n', sh->out);
    return SHELL_OK;
}

int shell_run_extend(shell_t *sh, const shell_call_t *c)
{
    size_t size;
    if (shell_arg_size(sh, c->arg[0], "size", &size) != 0)
        return SHELL_ERROR;
    return shell_extend(sh, size) == 0 ? SHELL_OK : SHELL_ERROR;
}

int shell_run_save(shell_t *sh, const shell_call_t *c)
{
    (void)c;
    const shell_mark_t *m = shell_push_mark(sh);
    if (m == NULL)
        return SHELL_ERROR;
    fprintf(sh->out, "mark %lu (used %zu bytes, %zu live allocation%s)\n", m->number,
            arena_stats(sh->arena).used, sh->nallocs, sh->nallocs == 1 ? "" : "s");
    return SHELL_OK;
}

/* The index of the mark numbered by t ("#2" or "2"); -1 after a message. */
static long find_mark(shell_t *sh, shell_tok_t t)
{
    if (t.len > 0 && t.s[0] == '#') {
        t.s++;
        t.len--;
    }
    size_t num;
    if (shell_arg_size(sh, t, "mark", &num) != 0)
        return -1;
    for (size_t k = 0; k < sh->nmarks; k++)
        if (sh->marks[k].number == num)
            return (long)k;
    if (num > 0 && num < sh->next_mark)
        shell_error(sh,
                    "mark %zu is no longer valid (a restore to an older mark or a reset ended it)",
                    num);
    else
        shell_error(sh, "no mark %zu", num);
    return -1;
}

int shell_run_restore(shell_t *sh, const shell_call_t *c)
{
    if (sh->nmarks == 0) {
        shell_error(sh, "no mark to restore (take one with 'save')");
        return SHELL_ERROR;
    }
    long k = c->n == 1 ? find_mark(sh, c->arg[0]) : (long)sh->nmarks - 1;
    if (k < 0)
        return SHELL_ERROR;
    shell_mark_t m = sh->marks[k];
    size_t ended = sh->nallocs - m.nallocs;
    arena_restore(sh->arena, m.mark);
    shell_forget_from(sh, m.nallocs);
    sh->nchain = m.nchain;
    sh->nmarks = (size_t)k + 1; /* marks saved after it are gone; it stays valid */
    fprintf(sh->out, "restored mark %lu: %zu allocation%s ended, used %zu bytes\n", m.number, ended,
            ended == 1 ? "" : "s", arena_stats(sh->arena).used);
    return SHELL_OK;
}

int shell_run_reset(shell_t *sh, const shell_call_t *c)
{
    (void)c;
    shell_reset(sh);
    return SHELL_OK;
}

int shell_run_trim(shell_t *sh, const shell_call_t *c)
{
    (void)c;
    arena_stats_t before = arena_stats(sh->arena);
    arena_trim(sh->arena);
    arena_stats_t after = arena_stats(sh->arena);
    size_t n = before.blocks - after.blocks;
    fprintf(sh->out, "trim: gave back %zu spare block%s (%zu bytes)\n", n, n == 1 ? "" : "s",
            before.capacity - after.capacity);
    return SHELL_OK;
}

int shell_run_quit(shell_t *sh, const shell_call_t *c)
{
    (void)sh;
    (void)c;
    return SHELL_QUIT;
}
