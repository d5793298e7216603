/*
 * expat.c -- expat on an arena: one parser per request.
 *
 * expat's hooks are a memory-handling suite of malloc, realloc and free
 * with no context pointer, given per parser (XML_ParserCreate_MM).  A
 * request streams Debian's MIME database (2.4 MB of real XML) through a
 * namespace-aware parser in 64 KiB pieces, as it would arrive from a
 * socket: expat keeps the partial tokens in a buffer it reallocates, and
 * builds hash tables for the document's internal DTD.  The recommended
 * wiring is a heap (realloc without the old size), made in the request's
 * arena and this thread's current heap for the request, with the
 * arena_use_* hooks as the suite; the parser ends with the request's
 * arena_reset (XML_ParserFree would free it chunk by chunk first).
 */
#include "example.h"

#include <arena.h>
#include <expat.h>
#include <stdlib.h>
#include <string.h>

static char *xml;
static size_t xml_len;

static int prepare(const ex_cfg_t *c)
{
    xml = ex_xml(c->scale, &xml_len);
    return xml != NULL ? 0 : -1;
}

static void finish(void)
{
    free(xml);
    xml = NULL;
}

typedef struct {
    uint64_t h;
    size_t elements, attributes, text_bytes, depth, deepest;
} state_t;

static void XMLCALL on_start(void *user, const XML_Char *name, const XML_Char **atts)
{
    state_t *s = user;
    s->elements++;
    if (++s->depth > s->deepest)
        s->deepest = s->depth;
    s->h = ex_hash_str(s->h, name);
    for (; atts[0] != NULL; atts += 2) {
        s->attributes++;
        s->h = ex_hash_str(ex_hash_str(s->h, atts[0]), atts[1]);
    }
}

static void XMLCALL on_end(void *user, const XML_Char *name)
{
    state_t *s = user;
    s->depth--;
    s->h = ex_hash_str(s->h, name);
}

static void XMLCALL on_text(void *user, const XML_Char *text, int len)
{
    state_t *s = user;
    s->text_bytes += (size_t)len;
    s->h = ex_hash(s->h, text, (size_t)len);
}

static int run(const ex_cfg_t *c, uint64_t *digest)
{
    /* The suite: the same for every parser. */
    const XML_Memory_Handling_Suite suite = {arena_use_malloc, arena_use_realloc, arena_use_free};
    arena_t *a = NULL;
    if (c->alloc != EX_MALLOC) {
        a = arena_create(0); /* one per thread that parses, reset after each request */
        if (a == NULL)
            return -1;
    }
    state_t s = {.h = EX_SEED};
    int rc = 0;
    for (unsigned r = 0; r < c->requests && rc == 0; r++) {
        XML_Parser p;
        if (a != NULL) {
            arena_heap_t *heap = arena_heap_create(a);
            if (heap == NULL) {
                rc = -1;
                break;
            }
            arena_heap_use(heap);
            p = XML_ParserCreate_MM(NULL, &suite, "|");
        } else {
            p = XML_ParserCreateNS(NULL, '|');
        }
        if (p == NULL) {
            rc = -1;
            break;
        }
        XML_SetUserData(p, &s);
        XML_SetElementHandler(p, on_start, on_end);
        XML_SetCharacterDataHandler(p, on_text);
        const size_t piece = 64 * 1024;
        for (size_t off = 0; off < xml_len && rc == 0; off += piece) {
            size_t n = xml_len - off < piece ? xml_len - off : piece;
            if (XML_Parse(p, xml + off, (int)n, off + n == xml_len) != XML_STATUS_OK) {
                fprintf(stderr, "expat: line %lu: %s\n", (unsigned long)XML_GetCurrentLineNumber(p),
                        XML_ErrorString(XML_GetErrorCode(p)));
                rc = -1;
            }
        }
        if (a == NULL)
            XML_ParserFree(p);
        else
            arena_reset(a); /* the parser, and the heap, end with the request */
    }
    arena_destroy(a);
    if (rc != 0)
        return -1;
    ex_put(c,
           "%u requests of %zu bytes: %zu elements, %zu attributes, %zu bytes of text, "
           "depth %zu",
           c->requests, xml_len, s.elements, s.attributes, s.text_bytes, s.deepest);
    *digest = s.h;
    return 0;
}

const ex_prog_t ex_expat = {"expat", "request", NULL, NULL, 3, prepare, run, finish};

#ifndef EX_NO_MAIN
int main(int argc, char **argv)
{
    return ex_main(argc, argv, &ex_expat);
}
#endif
