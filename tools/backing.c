/*
 * backing.c -- the backing allocator of arena-shell's arenas.
 *
 * The shell's arenas take their blocks from a backing of their own rather
 * than the library's default, for two reasons:
 *   - a memory limit (--limit, default 1 GiB), so that `new 2T` or a fuzzer
 *     gets a clear "over the limit" instead of the system's reaction;
 *   - reproducible addresses: every block's first data byte lies on a page
 *     boundary, so the padding an aligned allocation needs (for alignments
 *     up to the page size) is the same on every run and in every build, and
 *     relative addresses (bN+0xOFF) are stable.  The offset of the data
 *     within a backing request is learnt once with a probe arena, through
 *     the public API (arena_blocks), never from the library's internals.
 *
 * Each request is placed `shift` bytes into a page-aligned allocation from
 * posix_memalign; the base pointer is kept just below the request so that
 * release can free it.  The request that holds an arena itself (its
 * bookkeeping and first block) puts its data further in than a later
 * block's request, so the shell says which request holds an arena: the
 * first of a new tree (a tree of arenas shares one backing, and a child
 * lives in its parent's memory, taking only blocks through the backing).
 * A leaf: it calls only the library.
 */
#define _POSIX_C_SOURCE 200809L
#include "backing.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SHELL_PAGE ((size_t)4096)

static struct {
    bool probed;
    bool learnt;  /* both offsets below are known */
    bool probing; /* requests of the probe arena itself: no shift */
    size_t first; /* data offset in the first request of an arena */
    size_t later; /* data offset in a later block request */
} offsets;

static void *backing_alloc(void *user, size_t size)
{
    shell_backing_t *b = user;
    shell_t *sh = b->sh;
    bool first = b->arena_next;
    b->arena_next = false;
    b->refused = 0;
    if (sh->limit != 0 && (size > sh->limit || sh->taken > sh->limit - size)) {
        b->refused = SHELL_REFUSED_LIMIT;
        return NULL;
    }
    size_t off = offsets.probing ? 0 : first ? offsets.first : offsets.later;
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

static void use_backing(arena_options_t *o, shell_backing_t *b)
{
    o->backing.alloc = backing_alloc;
    o->backing.release = backing_release;
    o->backing.user = b;
}

void shell_backing_probe(void)
{
    if (offsets.probed)
        return;
    offsets.probed = true;
    static shell_t nobody; /* no limit */
    shell_backing_t b = {.sh = &nobody};
    arena_options_t o = {.block_size = 64};
    use_backing(&o, &b);
    offsets.probing = true;
    /* posix_memalign gives page-aligned bases and the shift is one page, so
     * a block's start minus its page is the data offset of its request. */
    arena_t *a = arena_create_with(&o);
    if (a != NULL) {
        arena_block_info_t info[2];
        if (arena_blocks(a, info, 1) >= 1)
            offsets.first = (uintptr_t)info[0].start % SHELL_PAGE;
        if (arena_extend(a, 64) == 0 && arena_blocks(a, info, 2) == 2) {
            offsets.later = (uintptr_t)info[1].start % SHELL_PAGE;
            offsets.learnt = true;
        }
        arena_destroy(a);
    }
    offsets.probing = false;
}

size_t shell_backing_page(void)
{
    return offsets.learnt ? SHELL_PAGE : 0;
}

arena_t *shell_backing_create(shell_t *sh, arena_options_t *o, shell_backing_t **out, int *refused)
{
    shell_backing_t *b = malloc(sizeof *b);
    *refused = 0;
    if (b == NULL) {
        errno = ENOMEM;
        *refused = SHELL_REFUSED_SYSTEM;
        return NULL;
    }
    b->sh = sh;
    b->arena_next = true;
    b->refused = 0;
    use_backing(o, b);
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

arena_t *shell_backing_create_child(shell_backing_t *b, arena_t *parent, const arena_options_t *o,
                                    int *refused)
{
    b->refused = 0;
    arena_t *k = arena_create_child(parent, o);
    int e = errno;
    *refused = b->refused;
    errno = e;
    return k;
}
