/*
 * tree.c -- the arenas arena-shell holds: the top arena that 'new' makes
 * and the children made under it, one record each (shell_arena_t), kept in
 * sh->arenas oldest first, so a parent always comes before its children;
 * sh->cur is the one commands act on.
 *
 * Seeing arenas end.  The library ends a child on its own: when its parent
 * is reset, destroyed, or restored to a mark saved before the child was
 * made, with the child's cleanups and children first, in one LIFO with the
 * parent's cleanups.  The shell learns of it exactly when it happens, from
 * the backing: a child takes its memory through its parent's backing, and
 * the request that holds an arena's own bookkeeping (its handle points
 * into it) is given back last, once everything the arena held is gone.  So
 * the backing tells the tree of each request given back (backing.c calls
 * sh's hook, set here); a request that holds the handle of a live record
 * marks that record ended and prints "arena 'NAME' ends", in its place
 * among the cleanups' lines.  Ended records stay until the command is over
 * (the library may still be ending others), then shell_tree_forget_ended
 * drops them with their allocations and marks; nothing the command still
 * uses is freed under it.  The arena a command ends itself (destroy, the
 * old tree of 'new', the last one at the end) is not announced here: the
 * command says what it did.
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

/* The backing's hook: a request given back that holds a live arena's own
 * bookkeeping means that arena has ended. */
static void released(shell_t *sh, const void *start, size_t size)
{
    for (size_t i = 0; i < sh->narenas; i++) {
        shell_arena_t *n = sh->arenas[i];
        if (n->ended || (uintptr_t)n->arena - (uintptr_t)start >= size)
            continue;
        n->ended = true;
        if (n != sh->dropping)
            fprintf(sh->out, "arena '%s' ends (%zu allocation%s ended)\n", n->name, n->nallocs,
                    n->nallocs == 1 ? "" : "s");
        return;
    }
}

void shell_tree_adopt(shell_t *sh, shell_arena_t *n, arena_t *a, shell_arena_t *parent,
                      shell_backing_t *b, const char *name, bool fixed, size_t max)
{
    n->arena = a;
    n->parent = parent;
    n->backing = parent != NULL ? parent->backing : b;
    n->backing->released = released;
    snprintf(n->name, sizeof n->name, "%s", name);
    n->fixed = fixed;
    n->max_size = max;
    n->next_auto = 1;
    n->next_mark = 1;
    arena_block_info_t info;
    arena_blocks(a, &info, 1);
    n->first_size = info.size;
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
    sh->dropping = n;
    arena_destroy(n->arena);
    sh->dropping = NULL;
    n->ended = true;
    shell_tree_forget_ended(sh);
}

void shell_tree_forget_ended(shell_t *sh)
{
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
