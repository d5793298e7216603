/*
 * shell.c -- arena-shell's state: the backing allocator of its arenas,
 * messages, addresses and block lookup.
 *
 * The backing.  The shell's arenas take their blocks from a backing of its
 * own rather than the library's default, for two reasons:
 *   - a memory limit (--limit, default 1 GiB), so that `new 2T` or a fuzzer
 *     gets a clear "over the limit" instead of the system's reaction;
 *   - reproducible addresses: every block's first data byte lies on a page
 *     boundary, so the padding an aligned allocation needs (for alignments
 *     up to the page size) is the same on every run and in every build, and
 *     relative addresses (bN+0xOFF) are stable.  The offset of the data
 *     within a backing request is learnt once with a probe arena, through
 *     the public API (arena_blocks), never from the library's internals.
 */
#define _POSIX_C_SOURCE 200809L
#include "shell.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SHELL_PAGE ((size_t)4096)

static struct {
    bool probed;
    size_t first; /* data offset in the first request of an arena */
    size_t later; /* data offset in a later block request */
} shell_offsets;

static bool shell_probing;

static void *backing_alloc(void *user, size_t size)
{
    shell_backing_t *b = user;
    shell_t *sh = b->sh;
    bool first = b->calls++ == 0;
    b->refused = 0;
    if (sh->limit != 0 && (size > sh->limit || sh->taken > sh->limit - size)) {
        b->refused = SHELL_REFUSED_LIMIT;
        return NULL;
    }
    size_t off = shell_probing ? 0 : first ? shell_offsets.first : shell_offsets.later;
    size_t shift = (SHELL_PAGE - off % SHELL_PAGE) % SHELL_PAGE;
    if (shift < 2 * sizeof(void *))
        shift += SHELL_PAGE;
    void *base = NULL;
    if (size > SIZE_MAX - shift || posix_memalign(&base, SHELL_PAGE, size + shift) != 0) {
        b->refused = SHELL_REFUSED_SYSTEM;
        return NULL;
    }
    char *p = (char *)base + shift;
    memcpy(p - sizeof base, &base, sizeof base);
    sh->taken += size;
    return p;
}

static void backing_release(void *user, void *ptr, size_t size)
{
    shell_backing_t *b = user;
    void *base;
    memcpy(&base, (char *)ptr - sizeof base, sizeof base);
    b->sh->taken -= size;
    free(base);
}

/* Learns where data lands in a first and in a later backing request. */
static void probe_offsets(shell_t *sh)
{
    if (shell_offsets.probed)
        return;
    shell_offsets.probed = true;
    shell_backing_t b = {sh, 0, 0};
    arena_options_t o;
    memset(&o, 0, sizeof o);
    o.block_size = 64;
    o.backing.alloc = backing_alloc;
    o.backing.release = backing_release;
    o.backing.user = &b;
    size_t limit = sh->limit;
    sh->limit = 0;
    shell_probing = true;
    /* Each request is recorded by address: posix_memalign gives page-aligned
     * bases and the shift is one page, so data - base - page is the offset. */
    arena_t *a = arena_create_with(&o);
    if (a != NULL) {
        arena_block_info_t info[2];
        uintptr_t first_req = 0;
        if (arena_blocks(a, info, 1) >= 1)
            first_req = (uintptr_t)info[0].start & ~(uintptr_t)(SHELL_PAGE - 1);
        if (first_req != 0)
            shell_offsets.first = (size_t)((uintptr_t)info[0].start - first_req);
        if (arena_extend(a, 64) == 0 && arena_blocks(a, info, 2) == 2) {
            uintptr_t req = (uintptr_t)info[1].start & ~(uintptr_t)(SHELL_PAGE - 1);
            shell_offsets.later = (size_t)((uintptr_t)info[1].start - req);
        }
        arena_destroy(a);
    }
    shell_probing = false;
    sh->limit = limit;
}

void shell_init(shell_t *sh, FILE *out, FILE *err)
{
    memset(sh, 0, sizeof *sh);
    sh->out = out;
    sh->err = err;
    sh->limit = (size_t)1 << 30;
    sh->err_prefix = "arena-shell: ";
    sh->next_auto = 1;
    sh->next_mark = 1;
    probe_offsets(sh);
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

/* Creates an arena with the shell's backing; NULL with errno and *refused. */
arena_t *shell_create_arena(shell_t *sh, arena_options_t *o, shell_backing_t **out, int *refused)
{
    shell_backing_t *b = malloc(sizeof *b);
    *refused = 0;
    if (b == NULL) {
        errno = ENOMEM;
        *refused = SHELL_REFUSED_SYSTEM;
        return NULL;
    }
    b->sh = sh;
    b->calls = 0;
    b->refused = 0;
    o->backing.alloc = backing_alloc;
    o->backing.release = backing_release;
    o->backing.user = b;
    arena_t *a = arena_create_with(o);
    if (a == NULL) {
        int e = errno;
        *refused = b->refused;
        free(b);
        errno = e;
        return NULL;
    }
    *out = b;
    return a;
}

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
