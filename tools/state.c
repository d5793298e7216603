/*
 * state.c -- what arena-shell keeps for the current arena (sh->cur): its
 * allocations and marks, the blocks they live in, the operations several
 * commands share, and messages.
 *
 * Invariants.  cur->allocs holds the live allocations in the order they were
 * made; a mark remembers how many there were when it was saved, so a
 * restore or a reset forgets exactly the allocations it ended.  Every
 * command validates all of its arguments before it touches the arena, so
 * a bad line leaves the state as it was; the room the shell's own records
 * need is reserved before an allocation, so a successful allocation is
 * always recorded.
 *
 * The chain.  cur->chain mirrors the blocks arena_blocks lists before the
 * spares: the ones allocation has moved through, oldest first.  The shell
 * keeps it itself, in O(1) per command, because arena_blocks walks every
 * block and a command per block that walked them all would make a script
 * that builds N blocks cost N^2.  An allocation stayed in the current block
 * exactly when the block's end is unchanged (p + size + available); else the
 * arena moved on to one more block, whose first data byte lies on the page
 * below p when the alignment is at most a page (backing.c puts every block
 * on a page).  Larger alignments, or a backing that could not place blocks,
 * ask arena_blocks.  reset keeps the first block, restore the chain of its
 * mark.  Each allocation records the index of its block.  When the arena
 * allocates for itself (the record of a cleanup or of a child) the shell
 * does not see the pointer: the record stayed in the current block exactly
 * when the block's free space shrank by what `used` grew and that, with
 * the most padding a record can need, fitted in it (a request moves to a
 * new block only when it does not fit); otherwise arena_blocks says.
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

/* Bytes the arenas of n's subtree hold from the backing. */
static size_t subtree_backing(const shell_t *sh, const shell_arena_t *n)
{
    size_t sum = 0;
    for (size_t i = 0; i < sh->narenas; i++)
        for (const shell_arena_t *x = sh->arenas[i]; x != NULL; x = x->parent)
            if (x == n) {
                sum += arena_stats(sh->arenas[i]->arena).backing;
                break;
            }
    return sum;
}

/* The capped arena among n and those above it with the least room left
 * under its cap (its children's blocks count against it), or NULL. */
static const shell_arena_t *tightest_cap(const shell_t *sh, const shell_arena_t *n)
{
    const shell_arena_t *best = NULL;
    size_t room = SIZE_MAX;
    for (; n != NULL; n = n->parent) {
        if (n->max_size == 0)
            continue;
        size_t held = subtree_backing(sh, n);
        size_t r = held < n->max_size ? n->max_size - held : 0;
        if (best == NULL || r < room) {
            best = n;
            room = r;
        }
    }
    return best;
}

void shell_explain_enomem(shell_t *sh, int refused, const char *what)
{
    char h[SHELL_HUMAN_CAP];
    const shell_arena_t *cap = refused == 0 ? tightest_cap(sh, sh->cur) : NULL;
    if (refused == SHELL_REFUSED_LIMIT) {
        shell_human(sh->limit, h, sizeof h);
        shell_error(sh,
                    "out of memory: %s would take the shell over its memory limit of %s "
                    "(see --limit)",
                    what, h);
    } else if (refused == SHELL_REFUSED_SYSTEM) {
        shell_error(sh, "out of memory: the system refused %s", what);
    } else if (cap == sh->cur && cap != NULL) {
        shell_bytes(cap->max_size, h, sizeof h);
        shell_error(sh, "the arena is at its cap of %s, bookkeeping included: no room for %s", h,
                    what);
    } else if (cap != NULL) {
        shell_bytes(cap->max_size, h, sizeof h);
        shell_error(sh,
                    "arena '%s' above this one is at its cap of %s, bookkeeping and its "
                    "children's blocks included: no room for %s",
                    cap->name, h, what);
    } else {
        shell_error(sh, "out of memory: no room for %s", what);
    }
}

void shell_explain_first_block(shell_t *sh, size_t size, size_t max, int refused, bool child)
{
    char h[SHELL_HUMAN_CAP], what[80];
    size_t want = size ? size : ARENA_DEFAULT_BLOCK_SIZE;
    shell_bytes(want, h, sizeof h);
    snprintf(what, sizeof what, "a first block of %s", h);
    /* A child is also held by the caps above it; its own cap is to blame
     * when the block and the bookkeeping of an arena's first request (what
     * the top arena took besides its block) exceed it. */
    const shell_arena_t *above = child ? tightest_cap(sh, sh->cur) : NULL;
    bool own = max != 0 && (above == NULL || want > max || max - want < sh->overhead);
    if (refused != 0 || (above != NULL && !own)) {
        shell_explain_enomem(sh, refused, what);
    } else if (own) {
        char m[SHELL_HUMAN_CAP];
        shell_bytes(max, m, sizeof m);
        shell_error(sh, "%s does not fit under max %s, bookkeeping included", what, m);
    } else {
        shell_error(sh, "%s is more than an arena can hold", what);
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
    if (shell_find_alloc(sh->cur, t) >= 0) {
        shell_error(sh, "name '%s' is taken by a live allocation", q);
        return -1;
    }
    return 0;
}

int shell_arg_arena_name(shell_t *sh, shell_tok_t t, bool replacing)
{
    char q[QUOTE_CAP];
    shell_quote(t.s, t.len, q, sizeof q);
    if (!shell_valid_name(t) || t.len > ARENA_NAME_MAX) {
        shell_error(sh,
                    "arena name '%s' is not valid (a letter or _, then letters, digits, _ - or "
                    ".; at most %d characters)",
                    q, ARENA_NAME_MAX);
        return -1;
    }
    if (!replacing && shell_tree_find(sh, t) != NULL) {
        shell_error(sh, "there is an arena named '%s' already (see 'report')", q);
        return -1;
    }
    return 0;
}

/* ---- the current arena ------------------------------------------------- */

void shell_reset(shell_t *sh)
{
    shell_arena_t *cur = sh->cur;
    size_t ended = cur->nallocs;
    arena_reset(cur->arena);
    sh->may_have_ended = true;
    shell_forget_from(cur, 0);
    cur->nmarks = 0;
    cur->nchain = 1;
    arena_stats_t s = arena_stats(cur->arena);
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
    sh->cur->backing->refused = 0;
    if (arena_extend(sh->cur->arena, size) != 0) {
        char what[64];
        snprintf(what, sizeof what, "a block of %s", h);
        if ((size_t)PTRDIFF_MAX < size)
            shell_error(sh, "%zu bytes is more than an arena can hold", size);
        else
            shell_explain_enomem(sh, sh->cur->backing->refused, what);
        return -1;
    }
    arena_stats_t s = arena_stats(sh->cur->arena);
    fprintf(sh->out, "added a block of %s; the arena now has %zu blocks, capacity %zu bytes\n", h,
            s.blocks, s.capacity);
    return 0;
}

/* ---- allocations ------------------------------------------------------- */

long shell_find_alloc(const shell_arena_t *n, shell_tok_t t)
{
    for (size_t i = 0; i < n->nallocs; i++) {
        const char *name = n->allocs[i].name;
        if (strlen(name) == t.len && memcmp(name, t.s, t.len) == 0)
            return (long)i;
        /* "3" means "#3" */
        if (name[0] == '#' && strlen(name) == t.len + 1 && memcmp(name + 1, t.s, t.len) == 0)
            return (long)i;
    }
    return -1;
}

long shell_lookup_alloc(shell_t *sh, shell_tok_t t)
{
    long i = shell_find_alloc(sh->cur, t);
    if (i >= 0)
        return i;
    char q[QUOTE_CAP];
    shell_quote(t.s, t.len, q, sizeof q);
    for (size_t k = 0; k < sh->narenas; k++)
        if (sh->arenas[k] != sh->cur && shell_find_alloc(sh->arenas[k], t) >= 0) {
            shell_error(
                sh, "no live allocation named '%s' in arena '%s' (there is one in '%s': 'use %s')",
                q, sh->cur->name, sh->arenas[k]->name, sh->arenas[k]->name);
            return -1;
        }
    shell_error(sh, "no live allocation named '%s' (see 'list')", q);
    return -1;
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

int shell_bookkeeping_full(shell_t *sh)
{
    shell_error(sh, "out of memory for the shell's own bookkeeping");
    return -1;
}

int shell_reserve(shell_t *sh)
{
    shell_arena_t *cur = sh->cur;
    shell_alloc_t *a = with_room(cur->allocs, &cur->cap_allocs, cur->nallocs, sizeof *a);
    if (a == NULL)
        return shell_bookkeeping_full(sh);
    cur->allocs = a;
    shell_block_t *b = with_room(cur->chain, &cur->cap_chain, cur->nchain, sizeof *b);
    if (b == NULL)
        return shell_bookkeeping_full(sh);
    cur->chain = b;
    return 0;
}

shell_mark_t *shell_push_mark(shell_t *sh)
{
    shell_arena_t *cur = sh->cur;
    shell_mark_t *m = with_room(cur->marks, &cur->cap_marks, cur->nmarks, sizeof *m);
    if (m == NULL) {
        shell_bookkeeping_full(sh);
        return NULL;
    }
    cur->marks = m;
    m = &cur->marks[cur->nmarks++];
    m->number = cur->next_mark++;
    m->mark = arena_save(cur->arena);
    m->nallocs = cur->nallocs;
    m->nchain = cur->nchain;
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
        nm.len = (size_t)snprintf(autoname, sizeof autoname, "#%lu", sh->cur->next_auto++);
        nm.s = autoname;
    }
    char *copy = malloc(nm.len + 1);
    if (copy == NULL)
        return shell_bookkeeping_full(sh);
    memcpy(copy, nm.s, nm.len);
    copy[nm.len] = '\0';
    sh->cur->allocs[sh->cur->nallocs++] = (shell_alloc_t){
        .name = copy, .ptr = p, .size = size, .align = align, .pad = pad, .block = block};
    return 0;
}

shell_alloc_t *shell_make_newest(shell_t *sh, size_t i)
{
    shell_arena_t *cur = sh->cur;
    shell_alloc_t moved = cur->allocs[i];
    memmove(&cur->allocs[i], &cur->allocs[i + 1], (cur->nallocs - i - 1) * sizeof moved);
    cur->allocs[cur->nallocs - 1] = moved;
    for (size_t k = 0; k < cur->nmarks; k++)
        if (cur->marks[k].nallocs > i)
            cur->marks[k].nallocs--;
    return &cur->allocs[cur->nallocs - 1];
}

void shell_print_alloc(shell_t *sh, const shell_alloc_t *a)
{
    char addr[64];
    shell_addr(sh, a->ptr, a->block, addr, sizeof addr);
    fprintf(sh->out, "%s: %zu byte%s at %s, align %zu, padding %zu, block %zu\n", a->name, a->size,
            a->size == 1 ? "" : "s", addr, a->align, a->pad, a->block);
}

/* ---- the chain ----------------------------------------------------------- */

/* Reads the first cur->nchain blocks of the chain from the arena:
 * O(blocks), for what O(1) cannot know. */
static void read_known_chain(shell_t *sh)
{
    shell_arena_t *cur = sh->cur;
    size_t n = cur->nchain;
    arena_block_info_t *info = malloc(n * sizeof *info);
    if (info == NULL)
        return; /* the page rule's answer stands */
    n = arena_blocks(cur->arena, info, n);
    for (size_t i = 0; i < cur->nchain && i < n; i++) {
        cur->chain[i].start = (uintptr_t)info[i].start;
        cur->chain[i].end = (uintptr_t)info[i].start + info[i].size;
    }
    free(info);
}

void shell_read_chain(shell_t *sh)
{
    shell_arena_t *cur = sh->cur;
    size_t n = arena_blocks(cur->arena, NULL, 0), k = 0;
    arena_block_info_t *info = malloc((n ? n : 1) * sizeof *info);
    if (info == NULL)
        return; /* the chain as it was */
    n = arena_blocks(cur->arena, info, n);
    while (k < n && k < cur->cap_chain && info[k].state != ARENA_BLOCK_SPARE)
        k++;
    cur->nchain = k;
    free(info);
    read_known_chain(sh);
}

shell_spot_t shell_spot(const shell_t *sh)
{
    arena_stats_t s = arena_stats(sh->cur->arena);
    return (shell_spot_t){.used = s.used, .available = s.available, .pos = shell_current_pos(sh)};
}

void shell_follow(shell_t *sh, shell_spot_t before)
{
    arena_stats_t s = arena_stats(sh->cur->arena);
    size_t grew = s.used - before.used;
    size_t pad = (size_t)(-before.pos & (ARENA_DEFAULT_ALIGNMENT - 1));
    if (s.used >= before.used && s.available + grew == before.available
        && pad + grew <= before.available)
        return;
    shell_read_chain(sh);
}

size_t shell_landed(shell_t *sh, const void *p, size_t size, size_t align)
{
    shell_arena_t *cur = sh->cur;
    uintptr_t end = (uintptr_t)p + size + arena_stats(cur->arena).available;
    shell_block_t *last = &cur->chain[cur->nchain - 1];
    if (end == last->end)
        return cur->nchain - 1;
    /* One block further: shell_reserve made room for it. */
    size_t page = shell_backing_page();
    shell_block_t *b = &cur->chain[cur->nchain++];
    b->start = page != 0 ? (uintptr_t)p & ~(uintptr_t)(page - 1) : (uintptr_t)p;
    b->end = end;
    if (page == 0 || align > page)
        read_known_chain(sh);
    return cur->nchain - 1;
}

uintptr_t shell_current_pos(const shell_t *sh)
{
    const shell_arena_t *cur = sh->cur;
    return cur->chain[cur->nchain - 1].end - arena_stats(cur->arena).available;
}

void shell_addr(const shell_t *sh, const void *p, size_t block, char *buf, size_t cap)
{
    const shell_arena_t *cur = sh->cur;
    if (sh->relative && block < cur->nchain)
        snprintf(buf, cap, "b%zu+0x%zx", block, (size_t)((uintptr_t)p - cur->chain[block].start));
    else
        snprintf(buf, cap, "%p", p);
}
