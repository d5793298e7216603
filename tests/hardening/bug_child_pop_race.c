/*
 * bug_child_pop_race.c -- regression test (run by the tsan step, label
 * thread): a child may be destroyed early on another thread than its
 * parent's owner, "that takes no lock on the parent", while the parent's
 * owner goes on allocating (arena.h, arena_create_child and the lifetimes
 * section).
 *
 * A child of a fixed arena in a caller's buffer lives in its parent's
 * space, and its arena_destroy gives that space back with arena_pop on the
 * parent: from the destroying thread it reads and writes the parent's
 * position while the parent's owner bumps it.  ThreadSanitizer reports the
 * race (arena__resize_last against the inline arena_alloc); without it, an
 * interleaving where the pop lands after the owner's bump moves the
 * position back under that allocation, and later allocations overwrite it.
 * Each round: a child in the parent's space, a thread that destroys it,
 * the owner allocating and stamping 64 small blocks meanwhile, then every
 * stamp checked.  Exits 0 when no stamp was overwritten (and TSan, where it
 * runs, saw no race), 1 otherwise.
 */
#include <arena.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static _Alignas(64) unsigned char g_buf[ARENA_BUFFER_OVERHEAD + (1 << 20)];
static arena_t *g_child;

static void *destroyer(void *arg)
{
    (void)arg;
    arena_destroy(g_child);
    return NULL;
}

int main(void)
{
    arena_options_t o = {.buffer = g_buf, .buffer_size = sizeof g_buf, .flags = ARENA_FIXED};
    arena_t *p = arena_create_with(&o);
    if (p == NULL)
        return 2;
    long overwritten = 0;
    for (int round = 0; round < 2000; round++) {
        arena_reset(p);
        arena_options_t ko = {.block_size = 256};
        g_child = arena_create_child(p, &ko);
        if (g_child == NULL)
            return 2;
        pthread_t t;
        if (pthread_create(&t, NULL, destroyer, NULL) != 0)
            return 2;
        char *a[64];
        for (int i = 0; i < 64; i++) {
            a[i] = arena_alloc(p, 16);
            if (a[i] == NULL)
                return 2;
            memset(a[i], i, 16);
        }
        pthread_join(t, NULL);
        for (int i = 0; i < 64; i++)
            for (int j = 0; j < 16; j++)
                if (a[i][j] != (char)i) {
                    overwritten++;
                    break;
                }
    }
    arena_destroy(p);
    if (overwritten != 0) {
        printf("BUG: %ld allocations of the parent overwritten after a child's early destroy\n",
               overwritten);
        return 1;
    }
    printf("no allocation overwritten (the tsan step checks the race itself)\n");
    return 0;
}
