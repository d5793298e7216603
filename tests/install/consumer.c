/* A program built against the installed library: allocates, formats, checks. */
#include <arena.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    arena_t *a = arena_create(0);
    if (a == NULL)
        return 1;
    char *s = arena_sprintf(a, "%s %d", "installed", 1);
    int *v = ARENA_NEW_ARRAY(a, int, 100);
    if (s == NULL || v == NULL || strcmp(s, "installed 1") != 0)
        return 1;
    for (int i = 0; i < 100; i++)
        v[i] = i;
    arena_stats_t st = arena_stats(a);
    printf("consumer: %s, used %zu, arena %s\n", s, st.used, arena_version());
    arena_destroy(a);
    return 0;
}
