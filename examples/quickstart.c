/* The README's example: per-request scratch memory with an arena. */
#include <arena.h>
#include <stdio.h>

typedef struct node {
    struct node *next;
    const char *name;
} node_t;

int main(void)
{
    arena_t *a = arena_create(0); /* growable, 64 KiB first block */
    node_t *list = NULL;
    for (int i = 0; i < 1000; i++) {
        node_t *n = ARENA_NEW(a, node_t); /* aligned for node_t */
        if (n == NULL)
            return 1; /* errno says why */
        n->name = arena_sprintf(a, "node-%d", i);
        n->next = list;
        list = n;
    }
    printf("%s, %zu bytes in use\n", list->name, arena_stats(a).used);
    arena_destroy(a); /* one call frees it all */
    return 0;
}
