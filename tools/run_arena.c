/*
 * run_arena.c -- the executors that change the current arena as a whole:
 * extend, save, restore, reset, trim, quit.  Each reads arguments the
 * dispatcher has already counted, validates their values, and only then
 * acts, so a bad line changes nothing.  A restore or reset also ends the
 * cleanups and children made since (their lines come from the cleanups
 * and tree.c as they end), before the line that sums it up.
 */
#include "command.h"
#include "state.h"

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
    const shell_arena_t *cur = sh->cur;
    const shell_mark_t *m = shell_push_mark(sh);
    if (m == NULL)
        return SHELL_ERROR;
    fprintf(sh->out, "mark %lu (used %zu bytes, %zu live allocation%s)\n", m->number,
            arena_stats(cur->arena).used, cur->nallocs, cur->nallocs == 1 ? "" : "s");
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
    const shell_arena_t *cur = sh->cur;
    for (size_t k = 0; k < cur->nmarks; k++)
        if (cur->marks[k].number == num)
            return (long)k;
    if (num > 0 && num < cur->next_mark)
        shell_error(sh,
                    "mark %zu is no longer valid (a restore to an older mark or a reset ended it)",
                    num);
    else
        shell_error(sh, "no mark %zu", num);
    return -1;
}

int shell_run_restore(shell_t *sh, const shell_call_t *c)
{
    shell_arena_t *cur = sh->cur;
    if (cur->nmarks == 0) {
        shell_error(sh, "no mark to restore (take one with 'save')");
        return SHELL_ERROR;
    }
    long k = c->n == 1 ? find_mark(sh, c->arg[0]) : (long)cur->nmarks - 1;
    if (k < 0)
        return SHELL_ERROR;
    shell_mark_t m = cur->marks[k];
    size_t ended = cur->nallocs - m.nallocs;
    arena_restore(cur->arena, m.mark);
    sh->may_have_ended = true;
    shell_forget_from(cur, m.nallocs);
    cur->nchain = m.nchain;
    cur->nmarks = (size_t)k + 1; /* marks saved after it are gone; it stays valid */
    fprintf(sh->out, "restored mark %lu: %zu allocation%s ended, used %zu bytes\n", m.number, ended,
            ended == 1 ? "" : "s", arena_stats(cur->arena).used);
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
    arena_stats_t before = arena_stats(sh->cur->arena);
    arena_trim(sh->cur->arena);
    arena_stats_t after = arena_stats(sh->cur->arena);
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
