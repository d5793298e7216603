/* The parent project's program: uses arena through its public header under
 * the parent's warnings, and checks what it gets back. */
#include <arena.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    arena_t *a = arena_create(0);
    if (a == NULL)
        return 1;
    int *v = ARENA_NEW_ARRAY(a, int, 100);
    char *s = arena_sprintf(a, "%s %d", "parent", ARENA_VERSION_NUMBER);
    if (v == NULL || s == NULL)
        return 1;
    for (int i = 0; i < 100; i++)
        v[i] = i;
    int ok = v[99] == 99 && strcmp(arena_version(), ARENA_VERSION_STRING) == 0;
    printf("%s: %zu bytes in use, library %s\n", s, arena_stats(a).used, arena_version());
    arena_destroy(a);
    return ok ? 0 : 1;
}
