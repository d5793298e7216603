/*
 * arena_heap_check against corruption: a header of a live chunk, a free
 * chunk or a region's end marker is changed through the chunk's pointer
 * (white-box: the 64-bit layout of heap.c's chunk header, word 0 the
 * owner or bin link, word 1 the size, PREV_FREE in bit 0, the magic number
 * in the top 16 bits), the walk names what broke, and after the header is
 * put back it passes again.  A corrupted size never leads it outside the
 * region.
 */
#include "heap_util.h"

#if SIZE_MAX > 0xFFFFFFFFu

typedef struct {
    const char *what;     /* what is changed */
    int chunk;            /* 0, 1, 2: the chunks a, b, c; 3: the end marker after c */
    bool free_b;          /* b is free */
    int word;             /* header word changed */
    uint64_t xor_mask;    /* applied to it */
    const char *expected; /* in the walk's message */
} corruption_t;

static const corruption_t cases[] = {
    {"a live chunk's magic", 0, false, 1, (uint64_t)1 << 48, "bad magic number"},
    {"a live chunk's owner", 0, false, 0, 0x40, "another owner"},
    {"a live chunk's size", 0, false, 1, (uint64_t)1 << 40, "inside its region"},
    {"a live chunk's size, into its neighbour", 0, false, 1, 0x30, "bad magic number"},
    {"PREV_FREE on the first chunk", 0, false, 1, 1, "PREV_FREE"},
    {"PREV_FREE after a free chunk", 2, true, 1, 1, "PREV_FREE"},
    {"a free chunk's magic", 1, true, 1, (uint64_t)(0x5EA7u ^ 0xF7EEu) << 48, "another owner"},
    {"the end marker's owner", 3, false, 0, 0x40, "end marker"},
    {"the end marker's magic", 3, false, 1, (uint64_t)1 << 48, "end marker"},
};

static void each_corruption_is_named(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const corruption_t *k = &cases[i];
        arena_t *a = arena_create((size_t)1 << 20);
        arena_heap_t *h = arena_heap_create(a);
        unsigned char *p[3];
        p[0] = arena_heap_alloc(h, 100);
        p[1] = arena_heap_alloc(h, 200);
        p[2] = arena_heap_alloc(h, 300); /* the newest region ends after it */
        memset(p[0], 0, 100);            /* a size pointing into b finds zeros there */
        memset(p[1], 0, 200);
        memset(p[2], 0, 300);
        if (k->free_b)
            arena_heap_free(h, p[1]);
        assert_heap_ok(h);
        uint64_t *hdr;
        if (k->chunk < 3) {
            hdr = (uint64_t *)(void *)(p[k->chunk] - HDR);
        } else {
            uint64_t size = ((uint64_t *)(void *)(p[2] - HDR))[1] & ((((uint64_t)1) << 48) - 16);
            hdr = (uint64_t *)(void *)(p[2] - HDR + size);
        }
        uint64_t saved = hdr[k->word];
        hdr[k->word] ^= k->xor_mask;
        const char *why = "";
        errno = 0;
        int rc = arena_heap_check(h, &why);
        if (rc != -1 || errno != EINVAL || strstr(why, k->expected) == NULL)
            fail_msg("%s: check returned %d (errno %d) with \"%s\", expected \"%s\"", k->what, rc,
                     errno, why, k->expected);
        hdr[k->word] = saved;
        assert_heap_ok(h);
        arena_destroy(a);
    }
}

#else

static void each_corruption_is_named(void **state)
{
    (void)state;
    skip(); /* the cases know the 64-bit header */
}

#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_corruption_is_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
