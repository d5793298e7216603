/*
 * A program written and compiled against the 1.0 header (tests/abi/1.0),
 * linked against this library: what docs/abi.md promises to 1.0 binaries.
 * Options zeroed with memset or {0} keep their meaning, the inline path
 * reads the frozen arena__hot, marks and stats keep their layout, and the
 * unsized arena_create_with reads 1.0's fields only.  Exit status 0 when
 * every check holds.
 */
#include <arena.h>

#include <stdio.h>
#include <string.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "compat_1_0: %s:%d: %s\n", __FILE__, __LINE__, #c);                    \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

int main(void)
{
    CHECK(strcmp(ARENA_VERSION_STRING, "1.0.0") == 0); /* really the 1.0 header */

    arena_options_t o;
    memset(&o, 0, sizeof o);
    o.block_size = 1000;
    o.max_size = 1 << 20;
    arena_t *a = arena_create_with(&o);
    CHECK(a != NULL);
    arena_stats_t s = arena_stats(a);
    CHECK(s.capacity >= 1000 && s.max_size == (size_t)1 << 20 && s.blocks == 1);

    char *p = arena_alloc(a, 100); /* the inline path of the 1.0 header */
    CHECK(p != NULL && (uintptr_t)p % ARENA_DEFAULT_ALIGNMENT == 0);
    size_t at_mark = arena_stats(a).used;
    arena_mark_t m = arena_save(a);
    for (int i = 0; i < 100; i++)
        CHECK(arena_alloc_aligned(a, 64, 64) != NULL);
    CHECK(arena_stats(a).blocks > 1);
    arena_restore(a, m);
    CHECK(arena_stats(a).used == at_mark);
    CHECK(arena_alloc_thread_safe(a, 32, 16) != NULL);
    char *t = arena_sprintf(a, "%d-%s", 42, "x");
    CHECK(t != NULL && strcmp(t, "42-x") == 0);
    CHECK(arena_check(a, NULL) == 0);
    arena_reset(a);
    CHECK(arena_stats(a).used == 0);
    arena_destroy(a);

    /* A caller's buffer sized by 1.0's overhead, which was a function. */
    static unsigned char buf[4096];
    arena_options_t f = {0};
    f.buffer = buf;
    f.buffer_size = sizeof buf;
    f.flags = ARENA_FIXED;
    arena_t *b = arena_create_with(&f);
    CHECK(b != NULL && ARENA_BUFFER_OVERHEAD < 1024);
    CHECK(arena_stats(b).capacity >= sizeof buf - ARENA_BUFFER_OVERHEAD);
    arena_destroy(b);

    printf("compat_1_0: a 1.0 program runs on arena %s\n", arena_version());
    return 0;
}
