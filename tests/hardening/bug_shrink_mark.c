/*
 * bug_shrink_mark.c -- regression test for a defect the fuzzer found
 * (docs/testing.md, "Regression tests").
 *
 * An in-place shrink of the most recent allocation, when that allocation
 * was made before the newest mark, would drop the position below the mark.
 * A later arena_restore of that (valid) mark would then abort a debug build
 * ("the mark lies beyond the arena's current position") and be ignored by a
 * release build: allocations made after the mark would stay live and `used`
 * would not return to its value at the mark, against arena.h's contract for
 * arena_restore.  Exits 0 when restore ends what came after the mark.
 */
#include <arena.h>

#include <stdio.h>

int main(void)
{
    arena_t *a = arena_create(4096);
    if (a == NULL)
        return 2;
    char *p = arena_alloc(a, 100);
    arena_mark_t m = arena_save(a);
    size_t used_at_mark = arena_stats(a).used;
    char *q = arena_realloc(a, p, 100, 10); /* the last allocation, made before m */
    char *x = arena_alloc(a, 20);           /* made after m */
    arena_restore(a, m);                    /* must end x and bring used back */
    size_t used = arena_stats(a).used;
    int owned = arena_owns(a, x);
    arena_destroy(a);
    if (q == NULL || x == NULL)
        return 2;
    if (used != used_at_mark || owned) {
        printf("BUG: after restore used=%zu (at the mark: %zu), allocation after the mark still "
               "owned=%d\n",
               used, used_at_mark, owned);
        return 1;
    }
    printf("ok\n");
    return 0;
}
