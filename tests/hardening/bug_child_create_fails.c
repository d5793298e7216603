/*
 * bug_child_create_fails.c -- regression test: a failed arena_create_child
 * leaves the parent exactly as it was (arena.h: "A failed call leaves the
 * arena exactly as it was"; issue 10: "a failed registration changes
 * nothing").
 *
 * The defect: the child's record was allocated from the parent before the
 * child's own memory was asked for, and popped again when that request
 * failed.  The pop gave back the record's bytes but not what the record's
 * allocation changed on its way: the alignment padding before it stayed
 * used, `peak` kept the record's bytes, and when the record did not fit in
 * the current block, the block it went to (new from the backing, or a
 * spare) stayed current.  Now a child and its record are one unit of the
 * parent's memory, allocated last, after every check, and the child takes
 * its first block at its first allocation; the cases below are the ways
 * the creation can still fail (the child's own max_size is below its first
 * block; the unit needs a new block of the parent's, which the backing or
 * the parent's cap refuses; a fixed parent has no room for the child's
 * space).  Each compares arena_stats and the block list before and after
 * the failed call.  Exits 0 when every case leaves the parent unchanged,
 * 1 (naming each difference) otherwise.
 */
#include <arena.h>

#include <arena_testing.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int g_bad;

typedef struct {
    arena_stats_t s;
    size_t nb;
    arena_block_info_t b[16];
} shot_t;

static void shoot(arena_t *a, shot_t *x)
{
    memset(x, 0, sizeof *x);
    x->s = arena_stats(a);
    x->nb = arena_blocks(a, x->b, 16);
}

static void compare(const char *what, const shot_t *x, const shot_t *y)
{
    const char *names[] = {"used", "capacity", "peak", "blocks", "available", "backing"};
    size_t before[] = {x->s.used,   x->s.capacity,  x->s.peak,
                       x->s.blocks, x->s.available, x->s.backing};
    size_t after[] = {y->s.used,   y->s.capacity,  y->s.peak,
                      y->s.blocks, y->s.available, y->s.backing};
    int differs = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (before[i] != after[i]) {
            printf("BUG: %s: %s %zu before, %zu after the failed arena_create_child\n", what,
                   names[i], before[i], after[i]);
            differs = 1;
        }
    }
    for (size_t i = 0; i < x->nb && i < y->nb && i < 16; i++) {
        if (x->b[i].start != y->b[i].start || x->b[i].used != y->b[i].used
            || x->b[i].state != y->b[i].state) {
            printf("BUG: %s: block %zu (start, used, state) changed\n", what, i);
            differs = 1;
        }
    }
    if (!differs)
        printf("ok: %s\n", what);
    g_bad |= differs;
}

/* Runs a failing arena_create_child on `p` and compares. */
static void expect_unchanged(const char *what, arena_t *p, const arena_options_t *ko)
{
    shot_t before, after;
    shoot(p, &before);
    errno = 0;
    arena_t *k = arena_create_child(p, ko);
    int err = errno;
    shoot(p, &after);
    if (k != NULL) {
        printf("setup: %s: the child was created\n", what);
        g_bad = 1;
        arena_destroy(k);
        return;
    }
    if (err != ENOMEM)
        printf("note: %s: errno %d, expected ENOMEM\n", what, err);
    compare(what, &before, &after);
}

int main(void)
{
    /* 1. The parent's position is odd; the child's own max_size is below
     *    its first block. */
    arena_testing_backing_t t = {0};
    arena_options_t o = {.block_size = 4096, .backing = arena_testing_backing(&t)};
    arena_t *p = arena_create_with(&o);
    if (p == NULL || arena_alloc_aligned(p, 103, 1) == NULL)
        return 2;
    arena_options_t tiny = {.max_size = 100};
    expect_unchanged("the child's max_size refuses", p, &tiny);

    /* 2. The unit does not fit in the current block: it needs a new block
     *    from the backing, which refuses. */
    arena_stats_t s = arena_stats(p);
    if (arena_alloc_aligned(p, s.available - 16, 1) == NULL)
        return 2;
    arena_testing_fail_nth(&t, 1);
    expect_unchanged("the unit needs a new block, the backing refuses", p, NULL);
    arena_testing_no_faults(&t);
    arena_destroy(p);

    /* 3. A capped parent, full to its cap but for a few bytes: the unit's
     *    block is refused by the cap. */
    arena_testing_backing_t u = {0};
    arena_options_t capped = {
        .block_size = 1024, .max_size = 4096, .backing = arena_testing_backing(&u)};
    arena_t *q = arena_create_with(&capped);
    if (q == NULL || arena_alloc_aligned(q, 3, 1) == NULL)
        return 2;
    while (arena_alloc_aligned(q, 512, 1) != NULL)
        ;
    expect_unchanged("capped parent refuses the unit's block", q, NULL);
    arena_destroy(q);

    /* 5. A fixed parent in a caller's buffer: the child's space would come
     *    from the parent and does not fit; the record goes to the spare
     *    block arena_extend added. */
    static _Alignas(64) unsigned char buf[ARENA_BUFFER_OVERHEAD + 512];
    arena_testing_backing_t w = {0};
    arena_options_t fixed = {.buffer = buf,
                             .buffer_size = sizeof buf,
                             .flags = ARENA_FIXED,
                             .backing = arena_testing_backing(&w)};
    arena_t *f = arena_create_with(&fixed);
    if (f == NULL)
        return 2;
    s = arena_stats(f);
    if (arena_alloc_aligned(f, s.available - 8, 1) == NULL || arena_extend(f, 256) != 0)
        return 2;
    arena_options_t child_block = {.block_size = 4096};
    expect_unchanged("fixed buffer parent, record into a spare, no room for the child", f,
                     &child_block);
    arena_destroy(f);

    int leaked = t.outstanding != 0 || u.outstanding != 0 || w.outstanding != 0;
    arena_testing_backing_fini(&t);
    arena_testing_backing_fini(&u);
    arena_testing_backing_fini(&w);
    if (leaked) {
        printf("BUG: a backing still holds bytes after destroy\n");
        return 1;
    }
    return g_bad;
}
