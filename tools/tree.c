/*
 * tree.c -- the arenas arena-shell holds: the top arena that 'new' makes
 * and the children made under it, one record each (shell_arena_t), kept in
 * sh->arenas oldest first, so a parent always comes before its children;
 * sh->cur is the one commands act on.
 *
 * Seeing arenas end.  The library ends a child on its own: when its parent
 * is reset, destroyed, or restored to a mark saved before the child was
 * made, with the child's cleanups and children first, in one LIFO with the
 * parent's cleanups.  A child lives in its parent's memory, so no request
 * to the backing tells when; the shell asks instead, once a command that
 * could end one is over (a reset, a restore, a destroy): arena_report
 * walks the live tree, and a record whose arena it no longer lists has
 * ended ("arena 'NAME' ends", newest first, after the cleanups' lines).
 * Other commands skip the walk, so a command stays O(1) in the number of
 * blocks (see state.c).  Names are unique among live arenas (state.c checks),
 * so the report's names are enough.  Ended records are then dropped with
 * their allocations and marks.  The arena a command ends itself (destroy,
 * the old tree of 'new', the last one at the end) is not announced here:
 * the command says what it did.
 *
 * A leaf above the backing: it prints, but names no problems (state.c
 * does).
 */
#define _POSIX_C_SOURCE 200809L
#include "tree.h"

#include "backing.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void shell_init(shell_t *sh, FILE *out, FILE *err)
{
    memset(sh, 0, sizeof *sh);
    sh->out = out;
    sh->err = err;
    sh->limit = (size_t)1 << 30;
    sh->err_prefix = "arena-shell: ";
    sh->next_child = 1;
    shell_backing_probe();
}

void shell_fini(shell_t *sh)
{
    if (sh->narenas > 0)
        shell_tree_destroy(sh, sh->arenas[0]);
    free(sh->arenas);
    sh->arenas = NULL;
    sh->cap_arenas = 0;
}

void shell_forget_from(shell_arena_t *n, size_t keep)
{
    for (size_t i = keep; i < n->nallocs; i++)
        free(n->allocs[i].name);
    if (keep < n->nallocs)
        n->nallocs = keep;
}

static void free_record(shell_arena_t *n)
{
    shell_forget_from(n, 0);
    free(n->allocs);
    free(n->marks);
    free(n->chain);
    if (n->parent == NULL)
        free(n->backing);
    free(n);
}

shell_arena_t *shell_tree_prepare(shell_t *sh)
{
    if (sh->narenas == sh->cap_arenas) {
        size_t c = sh->cap_arenas ? sh->cap_arenas * 2 : 8;
        shell_arena_t **a = c <= SIZE_MAX / sizeof *a ? realloc(sh->arenas, c * sizeof *a) : NULL;
        if (a == NULL)
            return NULL;
        sh->arenas = a;
        sh->cap_arenas = c;
    }
    shell_arena_t *n = calloc(1, sizeof *n);
    if (n == NULL)
        return NULL;
    n->chain = malloc(16 * sizeof *n->chain);
    if (n->chain == NULL) {
        free(n);
        return NULL;
    }
    n->cap_chain = 16;
    return n;
}

void shell_tree_discard(shell_arena_t *n)
{
    free(n->chain);
    free(n);
}

/* One line of arena_report: "<indent>NAME: used ...".  Marks the live
 * record of that name as seen. */
static void seen(const char *line, void *arg)
{
    shell_t *sh = arg;
    while (*line == ' ')
        line++;
    const char *colon = strstr(line, ": used ");
    if (colon == NULL)
        return;
    shell_arena_t *n = shell_tree_find(sh, (shell_tok_t){line, (size_t)(colon - line)});
    if (n != NULL)
        n->seen = true;
}

/* Marks ended every record below a live top that the library no longer
 * lists, or every record when the top has ended, and says so (but for
 * `quiet`, which its command announces), newest first. */
static void sweep(shell_t *sh, const shell_arena_t *quiet)
{
    if (sh->narenas == 0)
        return;
    shell_arena_t *top = sh->arenas[0];
    for (size_t i = 0; i < sh->narenas; i++)
        sh->arenas[i]->seen = false;
    if (!top->ended)
        arena_report(top->arena, seen, sh);
    for (size_t i = sh->narenas; i-- > 0;) {
        shell_arena_t *n = sh->arenas[i];
        if (n->ended || n->seen)
            continue;
        n->ended = true;
        if (n != quiet)
            fprintf(sh->out, "arena '%s' ends (%zu allocation%s ended)\n", n->name, n->nallocs,
                    n->nallocs == 1 ? "" : "s");
    }
}

void shell_tree_adopt(shell_t *sh, shell_arena_t *n, arena_t *a, shell_arena_t *parent,
                      shell_backing_t *b, const char *name, bool fixed, size_t max, size_t first)
{
    n->arena = a;
    n->parent = parent;
    n->backing = parent != NULL ? parent->backing : b;
    snprintf(n->name, sizeof n->name, "%s", name);
    n->fixed = fixed;
    n->max_size = max;
    n->next_auto = 1;
    n->next_mark = 1;
    arena_block_info_t info;
    arena_blocks(a, &info, 1);
    n->first_size = info.size != 0 ? info.size : first; /* a child's comes later */
    n->lazy = info.size == 0;
    n->chain[0].start = (uintptr_t)info.start;
    n->chain[0].end = (uintptr_t)info.start + info.size;
    n->nchain = 1;
    if (parent == NULL) {
        sh->next_child = 1;
        arena_stats_t s = arena_stats(a);
        sh->overhead = s.backing - s.capacity;
    }
    sh->arenas[sh->narenas++] = n;
    sh->cur = n;
}

void shell_tree_destroy(shell_t *sh, shell_arena_t *n)
{
    arena_destroy(n->arena);
    n->ended = true;
    sweep(sh, n);
    shell_tree_forget_ended(sh);
}

void shell_tree_forget_ended(shell_t *sh)
{
    if (sh->may_have_ended)
        sweep(sh, NULL);
    sh->may_have_ended = false;
    shell_arena_t *cur = sh->cur;
    size_t keep = 0;
    /* Oldest first: a parent's fate is known before its children's. */
    for (size_t i = 0; i < sh->narenas; i++) {
        shell_arena_t *n = sh->arenas[i];
        if (n->parent != NULL && n->parent->ended)
            n->ended = true;
    }
    while (cur != NULL && cur->ended)
        cur = cur->parent;
    for (size_t i = 0; i < sh->narenas; i++) {
        shell_arena_t *n = sh->arenas[i];
        if (n->ended)
            free_record(n);
        else
            sh->arenas[keep++] = n;
    }
    sh->narenas = keep;
    sh->cur = cur;
}

shell_arena_t *shell_tree_find(const shell_t *sh, shell_tok_t t)
{
    for (size_t i = 0; i < sh->narenas; i++)
        if (!sh->arenas[i]->ended && shell_tok_eq(t, sh->arenas[i]->name))
            return sh->arenas[i];
    return NULL;
}

void shell_tree_auto_name(shell_t *sh, char *buf, size_t cap)
{
    for (;;) {
        snprintf(buf, cap, "child%lu", sh->next_child++);
        if (shell_tree_find(sh, (shell_tok_t){buf, strlen(buf)}) == NULL)
            return;
    }
}

size_t shell_tree_children(const shell_t *sh, const shell_arena_t *n)
{
    size_t k = 0;
    for (size_t i = 0; i < sh->narenas; i++)
        k += sh->arenas[i]->parent == n && !sh->arenas[i]->ended;
    return k;
}
