/*
 * jansson.c -- jansson on an arena: one document per request.
 *
 * jansson's hooks (json_set_alloc_funcs) are a malloc and a free with no
 * context pointer, process-wide.  A request parses a multi-megabyte
 * document, reads all of it, edits every record (a field added, one
 * removed, a string built), dumps a few records, and then the whole
 * document dies at once.  So the recommended wiring is the plain arena:
 * the hooks bump in this thread's request arena, free does nothing, and the
 * request ends with arena_reset instead of json_decref.  The other wiring
 * (--alt, "heap") makes a heap in the request's arena this thread's current
 * heap and hands jansson the arena_use_* hooks; docs/integrations.md has
 * the measurements that chose between them.
 */
#include "example.h"

#include <arena.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* ---- the wiring ------------------------------------------------------------ */

/* This thread's request arena: the hooks have no context pointer. */
static _Thread_local arena_t *request_arena;

static void *bump_malloc(size_t n)
{
    return arena_alloc(request_arena, n);
}

static void bump_free(void *p)
{
    (void)p; /* the document ends with the request's arena_reset */
}

/* ---- the work ---------------------------------------------------------------- */

static char *doc;
static size_t doc_len;

static int prepare(const ex_cfg_t *c)
{
    doc = ex_json((size_t)(c->scale * 4e6), &doc_len);
    return doc != NULL ? 0 : -1;
}

static void finish(void)
{
    free(doc);
    doc = NULL;
}

typedef struct {
    size_t nodes, users, active, events, dumped;
    double score;
} totals_t;

static uint64_t walk(json_t *v, uint64_t h, totals_t *t)
{
    const char *key;
    json_t *item;
    size_t i;
    t->nodes++;
    h = ex_hash_u64(h, (uint64_t)json_typeof(v));
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        json_object_foreach(v, key, item)
        {
            h = walk(item, ex_hash_str(h, key), t);
        }
        break;
    case JSON_ARRAY:
        json_array_foreach(v, i, item)
        {
            h = walk(item, h, t);
        }
        break;
    case JSON_STRING:
        h = ex_hash(h, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
    case JSON_REAL:
        h = ex_hash_double(h, json_number_value(v));
        break;
    default:
        break;
    }
    return h;
}

/* One request on a parsed document: read it all, edit every record, dump
 * the first few. */
static int request(json_t *root, uint64_t *h, totals_t *t)
{
    json_free_t release;
    json_get_alloc_funcs(NULL, &release);
    *h = walk(root, *h, t);
    json_t *users = json_object_get(root, "users"), *u;
    size_t i;
    json_array_foreach(users, i, u)
    {
        const char *name = json_string_value(json_object_get(u, "name"));
        const char *mail = json_string_value(json_object_get(u, "email"));
        char display[160];
        t->users++;
        t->active += json_is_true(json_object_get(u, "active"));
        t->score += json_number_value(json_object_get(u, "score"));
        t->events += json_array_size(json_object_get(u, "history"));
        snprintf(display, sizeof display, "%s <%s>", name ? name : "?", mail ? mail : "?");
        if (json_object_set_new(u, "display", json_string(display)) != 0
            || json_object_set_new(u, "rank", json_integer((json_int_t)i)) != 0
            || json_object_del(u, "history") != 0)
            return -1;
        if (i < 64) {
            char *s = json_dumps(u, JSON_COMPACT);
            if (s == NULL)
                return -1;
            t->dumped += strlen(s);
            *h = ex_hash_str(*h, s);
            release(s); /* jansson's own free: the hook installed */
        }
    }
    return 0;
}

static int run(const ex_cfg_t *c, uint64_t *digest)
{
    arena_t *a = NULL;
    if (c->alloc != EX_MALLOC) {
        /* One arena per thread that parses, reset after each request. */
        a = arena_create(0);
        if (a == NULL)
            return -1;
        if (c->alloc == EX_ARENA)
            json_set_alloc_funcs(bump_malloc, bump_free);
        else
            json_set_alloc_funcs(arena_use_malloc, arena_use_free);
    }
    totals_t t = {0};
    uint64_t h = EX_SEED;
    int rc = 0;
    for (unsigned r = 0; r < c->requests && rc == 0; r++) {
        if (c->alloc == EX_ARENA) {
            request_arena = a;
        } else if (c->alloc == EX_ALT) {
            arena_heap_t *heap = arena_heap_create(a);
            if (heap == NULL) {
                rc = -1;
                break;
            }
            arena_heap_use(heap);
        }
        json_error_t err;
        json_t *root = json_loadb(doc, doc_len, 0, &err);
        if (root == NULL || request(root, &h, &t) != 0) {
            fprintf(stderr, "jansson: parse or edit failed: %s\n", root ? "" : err.text);
            rc = -1;
        }
        if (c->alloc == EX_MALLOC)
            json_decref(root);
        else
            arena_reset(a); /* the document, and the heap, end with the request */
    }
    if (a != NULL) {
        json_set_alloc_funcs(malloc, free);
        arena_destroy(a);
    }
    if (rc != 0)
        return -1;
    ex_put(c,
           "%u requests of %zu bytes: %zu values, %zu users, %zu active, %zu events, "
           "score %.0f, %zu bytes dumped",
           c->requests, doc_len, t.nodes, t.users, t.active, t.events, t.score, t.dumped);
    *digest = h;
    return 0;
}

const ex_prog_t ex_jansson = {"jansson", "request", "heap", NULL, 3, prepare, run, finish};

#ifndef EX_NO_MAIN
int main(int argc, char **argv)
{
    return ex_main(argc, argv, &ex_jansson);
}
#endif
