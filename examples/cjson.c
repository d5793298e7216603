/*
 * cjson.c -- cJSON on an arena: one document per request.
 *
 * cJSON's hooks (cJSON_InitHooks) are a malloc and a free with no context
 * pointer, process-wide.  A request parses a multi-megabyte document,
 * reads all of it, edits every record (a field added, one removed, a
 * string built), prints a few records, and then the whole document dies at
 * once.  So the recommended wiring is the plain arena: the hooks bump in
 * this thread's request arena, free does nothing, and the request ends with
 * arena_reset instead of cJSON_Delete.  The other wiring (--alt, "heap")
 * makes a heap in the request's arena this thread's current heap and hands
 * cJSON the arena_use_* hooks: the records removed by the edits are reused,
 * at the price of a header per node and a heap's bookkeeping;
 * docs/integrations.md has the measurements that chose between them.
 */
#include "example.h"

#include <arena.h>
#include <cJSON.h>
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
    size_t nodes, users, active, events, printed;
    double score;
} totals_t;

static uint64_t walk(const cJSON *n, uint64_t h, totals_t *t)
{
    for (; n != NULL; n = n->next) {
        t->nodes++;
        h = ex_hash_u64(h, (uint64_t)(n->type & 0xff));
        h = ex_hash_str(h, n->string);
        if (cJSON_IsString(n))
            h = ex_hash_str(h, n->valuestring);
        else if (cJSON_IsNumber(n))
            h = ex_hash_double(h, n->valuedouble);
        if (n->child != NULL)
            h = walk(n->child, h, t);
    }
    return h;
}

/* One request on a parsed document: read it all, edit every record, print
 * the first few. */
static int request(cJSON *root, uint64_t *h, totals_t *t)
{
    *h = walk(root, *h, t);
    cJSON *users = cJSON_GetObjectItemCaseSensitive(root, "users");
    size_t i = 0;
    cJSON *u;
    cJSON_ArrayForEach(u, users)
    {
        const cJSON *history = cJSON_GetObjectItemCaseSensitive(u, "history");
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(u, "name"));
        const char *mail = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(u, "email"));
        char display[160];
        t->users++;
        t->active += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, "active"));
        t->score += cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(u, "score"));
        t->events += (size_t)cJSON_GetArraySize(history);
        snprintf(display, sizeof display, "%s <%s>", name ? name : "?", mail ? mail : "?");
        if (cJSON_AddStringToObject(u, "display", display) == NULL
            || cJSON_AddNumberToObject(u, "rank", (double)i) == NULL)
            return -1;
        cJSON_DeleteItemFromObjectCaseSensitive(u, "history");
        if (i++ < 64) {
            char *s = cJSON_PrintUnformatted(u);
            if (s == NULL)
                return -1;
            t->printed += strlen(s);
            *h = ex_hash_str(*h, s);
            cJSON_free(s);
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
        cJSON_Hooks hooks = {bump_malloc, bump_free};
        if (c->alloc == EX_ALT)
            hooks = (cJSON_Hooks){arena_use_malloc, arena_use_free};
        cJSON_InitHooks(&hooks);
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
        cJSON *root = cJSON_ParseWithLength(doc, doc_len);
        if (root == NULL || request(root, &h, &t) != 0) {
            fprintf(stderr, "cjson: parse or edit failed\n");
            rc = -1;
        }
        if (c->alloc == EX_MALLOC)
            cJSON_Delete(root);
        else
            arena_reset(a); /* the document, and the heap, end with the request */
    }
    if (a != NULL) {
        cJSON_InitHooks(NULL);
        arena_destroy(a);
    }
    if (rc != 0)
        return -1;
    ex_put(c,
           "%u requests of %zu bytes: %zu nodes, %zu users, %zu active, %zu events, "
           "score %.0f, %zu bytes printed",
           c->requests, doc_len, t.nodes, t.users, t.active, t.events, t.score, t.printed);
    *digest = h;
    return 0;
}

const ex_prog_t ex_cjson = {"cjson", "request", "heap", NULL, 3, prepare, run, finish};

#ifndef EX_NO_MAIN
int main(int argc, char **argv)
{
    return ex_main(argc, argv, &ex_cjson);
}
#endif
