/*
 * state.c -- arena-shell's state: the current arena, the allocations and
 * marks the shell keeps for it, the blocks they live in, the operations
 * several commands share, and messages.
 *
 * Invariants.  sh->allocs holds the live allocations in the order they were
 * made; a mark remembers how many there were when it was saved, so a
 * restore or a reset forgets exactly the allocations it ended.  Every
 * command validates all of its arguments before it touches the arena, so
 * a bad line leaves the state as it was; the room the shell's own records
 * need is reserved before an allocation, so a successful allocation is
 * always recorded.
 *
 * The chain.  sh->chain mirrors the blocks arena_blocks lists before the
 * spares: the ones allocation has moved through, oldest first.  The shell
 * keeps it itself, in O(1) per command, because arena_blocks walks every
 * block and a command per block that walked them all would make a script
 * that builds N blocks cost N^2.  An allocation stayed in the current block
 * exactly when the block's end is unchanged (p + size + available); else the
 * arena moved on to one more block, whose first data byte lies on the page
 * below p when the alignment is at most a page (backing.c puts every block
 * on a page).  Larger alignments, or a backing that could not place blocks,
 * ask arena_blocks.  reset keeps the first block, restore the chain of its
 * mark.  Each allocation records the index of its block.
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
    free(sh->chain);
    sh->allocs = NULL;
    sh->marks = NULL;
    sh->chain = NULL;
    sh->cap_allocs = sh->cap_marks = sh->cap_chain = 0;
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
    sh->nchain = 0;
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
    sh->chain[0].start = (uintptr_t)info.start;
    sh->chain[0].end = (uintptr_t)info.start + info.size;
    sh->nchain = 1;
}

void shell_reset(shell_t *sh)
{
    size_t ended = sh->nallocs;
    arena_reset(sh->arena);
    shell_forget_from(sh, 0);
    sh->nmarks = 0;
    sh->nchain = 1;
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

/* arr (*cap elements of `size` bytes), or a larger copy, with room for
 * more than n elements; NULL (arr untouched) when it cannot grow. */
static void *with_room(void *arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return arr;
    size_t c = *cap ? *cap * 2 : 16;
    void *p = c <= SIZE_MAX / size ? realloc(arr, c * size) : NULL;
    if (p != NULL)
        *cap = c;
    return p;
}

static int bookkeeping_full(shell_t *sh)
{
    shell_error(sh, "out of memory for the shell's own bookkeeping");
    return -1;
}

int shell_reserve(shell_t *sh)
{
    shell_alloc_t *a = with_room(sh->allocs, &sh->cap_allocs, sh->nallocs, sizeof *a);
    if (a == NULL)
        return bookkeeping_full(sh);
    sh->allocs = a;
    shell_block_t *b = with_room(sh->chain, &sh->cap_chain, sh->nchain, sizeof *b);
    if (b == NULL)
        return bookkeeping_full(sh);
    sh->chain = b;
    return 0;
}

shell_mark_t *shell_push_mark(shell_t *sh)
{
    shell_mark_t *m = with_room(sh->marks, &sh->cap_marks, sh->nmarks, sizeof *m);
    if (m == NULL) {
        bookkeeping_full(sh);
        return NULL;
    }
    sh->marks = m;
    m = &sh->marks[sh->nmarks++];
    m->number = sh->next_mark++;
    m->mark = arena_save(sh->arena);
    m->nallocs = sh->nallocs;
    m->nchain = sh->nchain;
    return m;
}

int shell_record(shell_t *sh, const shell_tok_t *name, void *p, size_t size, size_t align,
                 size_t pad, size_t block)
{
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
        return bookkeeping_full(sh);
    memcpy(copy, nm.s, nm.len);
    copy[nm.len] = '\0';
    sh->allocs[sh->nallocs++] = (shell_alloc_t){
        .name = copy, .ptr = p, .size = size, .align = align, .pad = pad, .block = block};
    return 0;
}

shell_alloc_t *shell_make_newest(shell_t *sh, size_t i)
{
    shell_alloc_t moved = sh->allocs[i];
    memmove(&sh->allocs[i], &sh->allocs[i + 1], (sh->nallocs - i - 1) * sizeof moved);
    sh->allocs[sh->nallocs - 1] = moved;
    for (size_t k = 0; k < sh->nmarks; k++)
        if (sh->marks[k].nallocs > i)
            sh->marks[k].nallocs--;
    return &sh->allocs[sh->nallocs - 1];
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
    shell_addr(sh, a->ptr, a->block, addr, sizeof addr);
    fprintf(sh->out, "%s: %zu byte%s at %s, align %zu, padding %zu, block %zu\n", a->name, a->size,
            a->size == 1 ? "" : "s", addr, a->align, a->pad, a->block);
}

/* ---- the chain ----------------------------------------------------------- */

/* Reads the chain from the arena: O(blocks), for what O(1) cannot know. */
static void read_chain(shell_t *sh)
{
    size_t n = sh->nchain;
    arena_block_info_t *info = malloc(n * sizeof *info);
    if (info == NULL)
        return; /* the page rule's answer stands */
    n = arena_blocks(sh->arena, info, n);
    for (size_t i = 0; i < sh->nchain && i < n; i++) {
        sh->chain[i].start = (uintptr_t)info[i].start;
        sh->chain[i].end = (uintptr_t)info[i].start + info[i].size;
    }
    free(info);
}

size_t shell_landed(shell_t *sh, const void *p, size_t size, size_t align)
{
    uintptr_t end = (uintptr_t)p + size + arena_stats(sh->arena).available;
    shell_block_t *cur = &sh->chain[sh->nchain - 1];
    if (end == cur->end)
        return sh->nchain - 1;
    /* One block further: shell_reserve made room for it. */
    size_t page = shell_backing_page();
    shell_block_t *b = &sh->chain[sh->nchain++];
    b->start = page != 0 ? (uintptr_t)p & ~(uintptr_t)(page - 1) : (uintptr_t)p;
    b->end = end;
    if (page == 0 || align > page)
        read_chain(sh);
    return sh->nchain - 1;
}

uintptr_t shell_current_pos(const shell_t *sh)
{
    return sh->chain[sh->nchain - 1].end - arena_stats(sh->arena).available;
}

void shell_addr(const shell_t *sh, const void *p, size_t block, char *buf, size_t cap)
{
    if (sh->relative && block < sh->nchain)
        snprintf(buf, cap, "b%zu+0x%zx", block, (size_t)((uintptr_t)p - sh->chain[block].start));
    else
        snprintf(buf, cap, "%p", p);
}
