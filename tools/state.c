/*
 * state.c -- arena-shell's state: the current arena, the allocations and
 * marks the shell keeps for it, the operations several commands share, and
 * messages.
 *
 * Invariants.  sh->allocs holds the live allocations in the order they were
 * made; a mark remembers how many there were when it was saved, so a
 * restore or a reset forgets exactly the allocations it ended.  Every
 * command validates all of its arguments before it touches the arena, so
 * a bad line leaves the state as it was.  Messages name the command (sh->cmd)
 * and, for a wrong argument count, its usage line.
 */
#define _POSIX_C_SOURCE 200809L
#include "state.h"

#include "backing.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define QUOTE_CAP 200

void shell_init(shell_t *sh, FILE *out, FILE *err)
{
    memset(sh, 0, sizeof *sh);
    sh->out = out;
    sh->err = err;
    sh->limit = (size_t)1 << 30;
    sh->err_prefix = "arena-shell: ";
    sh->next_auto = 1;
    sh->next_mark = 1;
    shell_backing_probe();
}

void shell_fini(shell_t *sh)
{
    shell_drop_arena(sh);
    free(sh->allocs);
    free(sh->marks);
    sh->allocs = NULL;
    sh->marks = NULL;
    sh->cap_allocs = sh->cap_marks = 0;
}

/* ---- messages ---------------------------------------------------------- */

void shell_error(shell_t *sh, const char *fmt, ...)
{
    va_list ap;
    fflush(sh->out);
    fputs(sh->err_prefix, sh->err);
    if (sh->lineno > 0)
        fprintf(sh->err, "line %lu: ", sh->lineno);
    if (sh->cmd != NULL)
        fprintf(sh->err, "%s: ", sh->cmd);
    va_start(ap, fmt);
    vfprintf(sh->err, fmt, ap);
    va_end(ap);
    fputc('\n', sh->err);
    fflush(sh->err);
}

static const char *usage_sep(const shell_t *sh)
{
    return sh->cmd_args != NULL && sh->cmd_args[0] != '\0' ? " " : "";
}

int shell_missing(shell_t *sh, const char *what)
{
    shell_error(sh, "missing %s (usage: %s%s%s)", what, sh->cmd, usage_sep(sh),
                sh->cmd_args ? sh->cmd_args : "");
    return SHELL_ERROR;
}

int shell_extra(shell_t *sh, shell_tok_t t)
{
    char q[QUOTE_CAP];
    shell_quote(t.s, t.len, q, sizeof q);
    shell_error(sh, "extra argument '%s' (usage: %s%s%s)", q, sh->cmd, usage_sep(sh),
                sh->cmd_args ? sh->cmd_args : "");
    return SHELL_ERROR;
}

void shell_explain_enomem(shell_t *sh, int refused, const char *what)
{
    char h[SHELL_HUMAN_CAP];
    if (refused == SHELL_REFUSED_LIMIT) {
        shell_human(sh->limit, h, sizeof h);
        shell_error(sh,
                    "out of memory: %s would take the shell over its memory limit of %s "
                    "(see --limit)",
                    what, h);
    } else if (refused == SHELL_REFUSED_SYSTEM) {
        shell_error(sh, "out of memory: the system refused %s", what);
    } else if (sh->max_size != 0) {
        shell_bytes(sh->max_size, h, sizeof h);
        shell_error(sh, "the arena is at its cap of %s, bookkeeping included: no room for %s", h,
                    what);
    } else {
        shell_error(sh, "out of memory: no room for %s", what);
    }
}

/* ---- arguments --------------------------------------------------------- */

int shell_arg_size(shell_t *sh, shell_tok_t t, const char *what, size_t *out)
{
    const char *why;
    if (shell_parse_size(t.s, t.len, out, &why) == 0)
        return 0;
    char q[QUOTE_CAP];
    shell_quote(t.s, t.len, q, sizeof q);
    shell_error(sh, "%s '%s' %s", what, q, why);
    return -1;
}

int shell_arg_align(shell_t *sh, shell_tok_t t, size_t *out)
{
    if (shell_arg_size(sh, t, "alignment", out) != 0)
        return -1;
    if (*out == 0 || (*out & (*out - 1)) != 0) {
        shell_error(sh, "alignment %zu is not a power of two", *out);
        return -1;
    }
    return 0;
}

int shell_arg_new_name(shell_t *sh, shell_tok_t t)
{
    char q[QUOTE_CAP];
    shell_quote(t.s, t.len, q, sizeof q);
    if (!shell_valid_name(t)) {
        shell_error(sh,
                    "name '%s' is not valid (a letter or _, then letters, digits, _ - or .; "
                    "at most %d characters)",
                    q, SHELL_NAME_MAX);
        return -1;
    }
    if (shell_find_alloc(sh, t) >= 0) {
        shell_error(sh, "name '%s' is taken by a live allocation", q);
        return -1;
    }
    return 0;
}

/* ---- the arena --------------------------------------------------------- */

void shell_drop_arena(shell_t *sh)
{
    shell_forget_from(sh, 0);
    sh->nmarks = 0;
    if (sh->arena != NULL) {
        arena_destroy(sh->arena);
        sh->arena = NULL;
    }
    free(sh->backing);
    sh->backing = NULL;
}

void shell_adopt_arena(shell_t *sh, arena_t *a, shell_backing_t *b, bool fixed, size_t max)
{
    shell_drop_arena(sh);
    sh->arena = a;
    sh->backing = b;
    sh->fixed = fixed;
    sh->max_size = max;
    sh->next_auto = 1;
    sh->next_mark = 1;
    arena_block_info_t info;
    arena_blocks(a, &info, 1);
    sh->first_size = info.size;
}

void shell_reset(shell_t *sh)
{
    size_t ended = sh->nallocs;
    arena_reset(sh->arena);
    shell_forget_from(sh, 0);
    sh->nmarks = 0;
    arena_stats_t s = arena_stats(sh->arena);
    fprintf(sh->out, "reset: %zu allocation%s ended; %zu block%s kept for reuse\n", ended,
            ended == 1 ? "" : "s", s.blocks, s.blocks == 1 ? "" : "s");
}

int shell_extend(shell_t *sh, size_t size)
{
    char h[SHELL_HUMAN_CAP];
    shell_bytes(size, h, sizeof h);
    if (size == 0) {
        shell_error(sh, "SIZE must be at least 1 byte");
        return -1;
    }
    sh->backing->refused = 0;
    if (arena_extend(sh->arena, size) != 0) {
        char what[64];
        snprintf(what, sizeof what, "a block of %s", h);
        if ((size_t)PTRDIFF_MAX < size)
            shell_error(sh, "%zu bytes is more than an arena can hold", size);
        else
            shell_explain_enomem(sh, sh->backing->refused, what);
        return -1;
    }
    arena_stats_t s = arena_stats(sh->arena);
    shell_human(size, h, sizeof h);
    fprintf(sh->out, "added a block of %s; the arena now has %zu blocks, capacity %zu bytes\n", h,
            s.blocks, s.capacity);
    return 0;
}

/* ---- allocations ------------------------------------------------------- */

long shell_find_alloc(const shell_t *sh, shell_tok_t t)
{
    for (size_t i = 0; i < sh->nallocs; i++) {
        const char *n = sh->allocs[i].name;
        if (strlen(n) == t.len && memcmp(n, t.s, t.len) == 0)
            return (long)i;
        /* "3" means "#3" */
        if (n[0] == '#' && strlen(n) == t.len + 1 && memcmp(n + 1, t.s, t.len) == 0)
            return (long)i;
    }
    return -1;
}

long shell_lookup_alloc(shell_t *sh, shell_tok_t t)
{
    long i = shell_find_alloc(sh, t);
    if (i < 0) {
        char q[QUOTE_CAP];
        shell_quote(t.s, t.len, q, sizeof q);
        shell_error(sh, "no live allocation named '%s' (see 'list')", q);
    }
    return i;
}

int shell_record(shell_t *sh, const shell_tok_t *name, void *p, size_t size, size_t align,
                 size_t pad)
{
    if (sh->nallocs == sh->cap_allocs) {
        size_t cap = sh->cap_allocs ? sh->cap_allocs * 2 : 16;
        shell_alloc_t *n = realloc(sh->allocs, cap * sizeof *n);
        if (n == NULL)
            return -1;
        sh->allocs = n;
        sh->cap_allocs = cap;
    }
    char autoname[32];
    shell_tok_t nm;
    if (name != NULL) {
        nm = *name;
    } else {
        nm.len = (size_t)snprintf(autoname, sizeof autoname, "#%lu", sh->next_auto++);
        nm.s = autoname;
    }
    char *copy = malloc(nm.len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, nm.s, nm.len);
    copy[nm.len] = '\0';
    shell_alloc_t *a = &sh->allocs[sh->nallocs++];
    a->name = copy;
    a->ptr = p;
    a->size = size;
    a->align = align;
    a->pad = pad;
    return 0;
}

void shell_forget_from(shell_t *sh, size_t keep)
{
    for (size_t i = keep; i < sh->nallocs; i++)
        free(sh->allocs[i].name);
    if (keep < sh->nallocs)
        sh->nallocs = keep;
}

void shell_print_alloc(shell_t *sh, const shell_alloc_t *a)
{
    char addr[64];
    shell_addr(sh, a->ptr, addr, sizeof addr);
    fprintf(sh->out, "%s: %zu byte%s at %s, align %zu, padding %zu, block %ld\n", a->name, a->size,
            a->size == 1 ? "" : "s", addr, a->align, a->pad, shell_block_of(sh, a->ptr));
}

/* ---- addresses and blocks ---------------------------------------------- */

uintptr_t shell_current_pos(const shell_t *sh)
{
    size_t n = arena_blocks(sh->arena, NULL, 0);
    arena_block_info_t *info = calloc(n ? n : 1, sizeof *info);
    uintptr_t pos = 0;
    if (info == NULL)
        return 0;
    n = arena_blocks(sh->arena, info, n);
    for (size_t i = 0; i < n; i++)
        if (info[i].state == ARENA_BLOCK_CURRENT)
            pos = (uintptr_t)info[i].start + info[i].used;
    free(info);
    return pos;
}

/* The chain blocks (not spares) of the arena: malloc'd array, count in *n. */
static arena_block_info_t *chain_blocks(const shell_t *sh, size_t *n)
{
    *n = 0;
    if (sh->arena == NULL)
        return NULL;
    size_t total = arena_blocks(sh->arena, NULL, 0);
    arena_block_info_t *info = calloc(total ? total : 1, sizeof *info);
    if (info == NULL)
        return NULL;
    total = arena_blocks(sh->arena, info, total);
    size_t k = 0;
    while (k < total && info[k].state != ARENA_BLOCK_SPARE)
        k++;
    *n = k;
    return info;
}

long shell_block_of(const shell_t *sh, const void *p)
{
    size_t n;
    arena_block_info_t *info = chain_blocks(sh, &n);
    long found = -1;
    uintptr_t a = (uintptr_t)p;
    for (size_t i = 0; i < n && found < 0; i++) {
        uintptr_t s = (uintptr_t)info[i].start;
        if (a >= s && a - s < info[i].size)
            found = (long)i;
    }
    /* A zero-size allocation may sit at the very end of a block. */
    for (size_t i = 0; i < n && found < 0; i++)
        if (a == (uintptr_t)info[i].start + info[i].size)
            found = (long)i;
    free(info);
    return found;
}

void shell_addr(const shell_t *sh, const void *p, char *buf, size_t cap)
{
    if (sh->relative) {
        size_t n;
        arena_block_info_t *info = chain_blocks(sh, &n);
        long i = shell_block_of(sh, p);
        if (info != NULL && i >= 0 && (size_t)i < n) {
            snprintf(buf, cap, "b%ld+0x%zx", i, (size_t)((uintptr_t)p - (uintptr_t)info[i].start));
            free(info);
            return;
        }
        free(info);
    }
    snprintf(buf, cap, "%p", p);
}
