/*
 * run_alloc.c -- the executors that allocate (alloc, calloc, str), resize
 * (realloc) or write into an allocation (fill).
 *
 * Every allocation goes through one routine: it makes the request, derives
 * the alignment padding the arena skipped from arena_stats().used before
 * and after, records and prints the allocation, and when a fixed arena is
 * full explains why and, at a terminal, offers more memory (offer.c).
 *
 * A realloc that stays in place keeps its record and changes its size.  One
 * that moves ends the old allocation, as realloc does in C: the record
 * becomes the newest (a mark saved before the move no longer counts it, so
 * restoring that mark ends it), at the default alignment, in the block the
 * new memory is in.  The old bytes stay in the arena until a reset or
 * restore, like any arena memory.
 */
#include "command.h"
#include "offer.h"
#include "state.h"

#include <stdint.h>
#include <string.h>

enum { K_ALLOC, K_CALLOC, K_STR, K_REALLOC };

/* One allocation request, as the executors parsed it. */
typedef struct request {
    int kind;
    size_t count, size, align; /* K_CALLOC: count * size; else size */
    shell_tok_t text;          /* K_STR */
    const shell_tok_t *name;   /* NULL: the next #N */
    size_t index;              /* K_REALLOC: the allocation resized */
} request_t;

static void *attempt(shell_t *sh, const request_t *rq)
{
    const shell_alloc_t *al = &sh->cur->allocs[rq->index];
    switch (rq->kind) {
    case K_ALLOC:
        return arena_alloc_aligned(sh->cur->arena, rq->size, rq->align);
    case K_CALLOC:
        return arena_calloc(sh->cur->arena, rq->count, rq->size);
    case K_REALLOC:
        return arena_realloc(sh->cur->arena, al->ptr, al->size, rq->size);
    default:
        return arena_strndup(sh->cur->arena, rq->text.s, rq->text.len);
    }
}

/* Records and prints what a successful request gave: p, `total` bytes;
 * `before` is arena_stats().used before it. */
static int settle(shell_t *sh, const request_t *rq, void *p, size_t total, size_t before)
{
    size_t used = arena_stats(sh->cur->arena).used;
    size_t pad = used > before + total ? used - before - total : 0;
    if (rq->kind != K_REALLOC) {
        size_t block = shell_landed(sh, p, total, rq->align);
        if (shell_record(sh, rq->name, p, total, rq->align, pad, block) != 0)
            return SHELL_ERROR;
        shell_print_alloc(sh, &sh->cur->allocs[sh->cur->nallocs - 1]);
        return SHELL_OK;
    }
    shell_alloc_t *al = &sh->cur->allocs[rq->index];
    size_t old = al->size;
    if (p == al->ptr) {
        al->size = total;
        shell_print_alloc(sh, al);
        fprintf(sh->out, "  resized in place (was %zu byte%s)\n", old, old == 1 ? "" : "s");
        return SHELL_OK;
    }
    char from[64];
    shell_addr(sh, al->ptr, al->block, from, sizeof from);
    size_t block = shell_landed(sh, p, total, ARENA_DEFAULT_ALIGNMENT);
    al = shell_make_newest(sh, rq->index);
    al->ptr = p;
    al->size = total;
    al->align = ARENA_DEFAULT_ALIGNMENT;
    al->pad = pad;
    al->block = block;
    shell_print_alloc(sh, al);
    fprintf(sh->out, "  moved from %s (was %zu byte%s, %zu copied)\n", from, old,
            old == 1 ? "" : "s", old < total ? old : total);
    return SHELL_OK;
}

/* Why `total` bytes at `align` do not fit in a full fixed arena: exact byte
 * counts beside the rounded ones, and the padding when that is what does
 * not fit. */
static void explain_full(shell_t *sh, size_t total, size_t align)
{
    size_t avail = arena_stats(sh->cur->arena).available;
    char want[SHELL_HUMAN_CAP], have[SHELL_HUMAN_CAP];
    shell_bytes(total, want, sizeof want);
    shell_bytes(avail, have, sizeof have);
    if (total > avail) {
        shell_error(sh,
                    "the arena is full: %s requested, %s free in the current block; a fixed "
                    "arena grows only with 'extend'",
                    want, have);
        return;
    }
    size_t pad = (size_t)(-shell_current_pos(sh) & (align - 1));
    shell_error(sh,
                "the arena is full: %s requested, %s free in the current block, but alignment "
                "%zu needs %zu bytes of padding before it; a fixed arena grows only with 'extend'",
                want, have, align, pad);
}

/* Allocates, diagnoses, records, prints; offers more memory at a terminal. */
static int allocate(shell_t *sh, const request_t *rq)
{
    size_t total = rq->size;
    if (rq->kind == K_CALLOC) {
        if (rq->size != 0 && rq->count > SIZE_MAX / rq->size) {
            shell_error(sh, "%zu x %zu bytes overflows size_t", rq->count, rq->size);
            return SHELL_ERROR;
        }
        total = rq->count * rq->size;
    }
    if (rq->kind == K_STR)
        total = rq->text.len + 1;
    if (total > (size_t)PTRDIFF_MAX) {
        shell_error(sh, "%zu bytes is more than an arena can hand out (PTRDIFF_MAX)", total);
        return SHELL_ERROR;
    }
    for (;;) {
        if (shell_reserve(sh) != 0)
            return SHELL_ERROR;
        size_t before = arena_stats(sh->cur->arena).used;
        sh->cur->backing->refused = 0;
        void *p = attempt(sh, rq);
        if (p != NULL)
            return settle(sh, rq, p, total, before);
        int refused = sh->cur->backing->refused;
        if (refused != 0 || !sh->cur->fixed) {
            char h[SHELL_HUMAN_CAP], what[80];
            shell_bytes(total, h, sizeof h);
            snprintf(what, sizeof what, "a new block for %s", h);
            shell_explain_enomem(sh, refused, what);
            return SHELL_ERROR;
        }
        explain_full(sh, total, rq->align);
        if (sh->ask == NULL)
            return SHELL_ERROR;
        shell_shortfall_t f = {.size = total, .align = rq->align, .keeps = rq->kind == K_REALLOC};
        int r = shell_offer_more(sh, &f);
        if (r == SHELL_OFFER_QUIT)
            return SHELL_QUIT;
        if (r == SHELL_OFFER_CANCEL)
            return SHELL_ERROR;
    }
}

/* Parses "as NAME" at c->arg[*i]: 0 (with *i past it and *name set, or
 * untouched when there is no "as"), -1 after a message. */
static int parse_as(shell_t *sh, const shell_call_t *c, size_t *i, const shell_tok_t **name)
{
    if (*i >= c->n || !shell_tok_eq(c->arg[*i], "as"))
        return 0;
    if (*i + 1 >= c->n) {
        shell_missing(sh, "NAME after 'as'");
        return -1;
    }
    if (shell_arg_new_name(sh, c->arg[*i + 1]) != 0)
        return -1;
    *name = &c->arg[*i + 1];
    *i += 2;
    return 0;
}

/* The optional "[as NAME]" that ends alloc and calloc, then nothing more. */
static int parse_tail(shell_t *sh, const shell_call_t *c, size_t i, const shell_tok_t **name)
{
    if (parse_as(sh, c, &i, name) != 0)
        return -1;
    if (i < c->n) {
        shell_extra(sh, c->arg[i]);
        return -1;
    }
    return 0;
}

int shell_run_alloc(shell_t *sh, const shell_call_t *c)
{
    request_t rq = {.kind = K_ALLOC, .align = ARENA_DEFAULT_ALIGNMENT};
    if (shell_arg_size(sh, c->arg[0], "size", &rq.size) != 0)
        return SHELL_ERROR;
    size_t i = 1;
    if (i < c->n && !shell_tok_eq(c->arg[i], "as")) {
        if (shell_arg_align(sh, c->arg[i], &rq.align) != 0)
            return SHELL_ERROR;
        i++;
    }
    if (parse_tail(sh, c, i, &rq.name) != 0)
        return SHELL_ERROR;
    return allocate(sh, &rq);
}

int shell_run_calloc(shell_t *sh, const shell_call_t *c)
{
    request_t rq = {.kind = K_CALLOC, .align = ARENA_DEFAULT_ALIGNMENT};
    if (shell_arg_size(sh, c->arg[0], "count", &rq.count) != 0
        || shell_arg_size(sh, c->arg[1], "size", &rq.size) != 0)
        return SHELL_ERROR;
    if (parse_tail(sh, c, 2, &rq.name) != 0)
        return SHELL_ERROR;
    return allocate(sh, &rq);
}

int shell_run_str(shell_t *sh, const shell_call_t *c)
{
    request_t rq = {.kind = K_STR, .align = 1, .text = c->rest};
    return allocate(sh, &rq);
}

int shell_run_realloc(shell_t *sh, const shell_call_t *c)
{
    request_t rq = {.kind = K_REALLOC, .align = ARENA_DEFAULT_ALIGNMENT};
    long i = shell_lookup_alloc(sh, c->arg[0]);
    if (i < 0 || shell_arg_size(sh, c->arg[1], "size", &rq.size) != 0)
        return SHELL_ERROR;
    rq.index = (size_t)i;
    return allocate(sh, &rq);
}

int shell_run_fill(shell_t *sh, const shell_call_t *c)
{
    shell_tok_t bt = c->arg[1];
    size_t byte;
    if (bt.len == 3 && bt.s[0] == '\'' && bt.s[2] == '\'') {
        byte = (unsigned char)bt.s[1];
    } else {
        if (shell_arg_size(sh, bt, "byte", &byte) != 0)
            return SHELL_ERROR;
        if (byte > 255) {
            shell_error(sh, "byte %zu is not in 0..255", byte);
            return SHELL_ERROR;
        }
    }
    long i = shell_lookup_alloc(sh, c->arg[0]);
    if (i < 0)
        return SHELL_ERROR;
    shell_alloc_t *al = &sh->cur->allocs[i];
    memset(al->ptr, (int)byte, al->size);
    fprintf(sh->out, "filled %s (%zu byte%s) with 0x%02zx\n", al->name, al->size,
            al->size == 1 ? "" : "s", byte);
    return SHELL_OK;
}
