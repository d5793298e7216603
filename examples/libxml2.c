/*
 * libxml2.c -- libxml2 on an arena: one document per request.
 *
 * libxml2's hooks (xmlMemSetup) are free, malloc, realloc and strdup with
 * no context pointer, process-wide, and they must be set before
 * xmlInitParser: libxml2 allocates global state there (and lazily later)
 * that lives across requests.  The arena_use_* hooks route every chunk by
 * its own header, so global state allocated with no heap current lives in
 * the C library's malloc and is freed there whenever libxml2 frees it,
 * inside a request or not.  libxml2 reallocates its buffers as it parses,
 * so it needs a realloc that works without the old size: the recommended
 * wiring is a heap, made in the request's arena and this thread's current
 * heap for the request.  A request parses Debian's MIME database (2.4 MB of
 * real XML), reads all of it, runs an XPath query, edits it (an attribute
 * added to every type, the translated comments removed) and serialises a
 * few types; then the document dies at once with the request's arena_reset
 * instead of xmlFreeDoc.  Nothing a request allocates may outlive it: after
 * a parse error, xmlResetLastError() before the reset.
 */
#include "example.h"

#include <arena.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
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
    size_t elements, attributes, texts, globbed, removed, serialised;
} totals_t;

static uint64_t walk(xmlNode *n, uint64_t h, totals_t *t)
{
    for (; n != NULL; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) {
            t->elements++;
            h = ex_hash_str(h, (const char *)n->name);
            for (xmlAttr *a = n->properties; a != NULL; a = a->next) {
                xmlChar *v = xmlNodeGetContent((xmlNode *)a);
                t->attributes++;
                h = ex_hash_str(ex_hash_str(h, (const char *)a->name), (const char *)v);
                xmlFree(v);
            }
        } else if (n->type == XML_TEXT_NODE) {
            t->texts++;
            h = ex_hash_str(h, (const char *)n->content);
        }
        h = walk(n->children, h, t);
    }
    return h;
}

static int request(xmlDoc *d, uint64_t *h, totals_t *t)
{
    xmlNode *root = xmlDocGetRootElement(d);
    *h = walk(root, *h, t);

    /* XPath: the types that have a glob pattern. */
    xmlXPathContext *ctx = xmlXPathNewContext(d);
    if (ctx == NULL
        || xmlXPathRegisterNs(ctx, BAD_CAST "m",
                              BAD_CAST "http://www.freedesktop.org/standards/"
                                       "shared-mime-info")
               != 0) {
        xmlXPathFreeContext(ctx);
        return -1;
    }
    xmlXPathObject *o = xmlXPathEvalExpression(BAD_CAST "//m:mime-type[m:glob]/@type", ctx);
    if (o == NULL || o->nodesetval == NULL) {
        xmlXPathFreeObject(o);
        xmlXPathFreeContext(ctx);
        return -1;
    }
    for (int i = 0; i < o->nodesetval->nodeNr; i++) {
        xmlChar *v = xmlNodeGetContent(o->nodesetval->nodeTab[i]);
        *h = ex_hash_str(*h, (const char *)v);
        xmlFree(v);
        t->globbed++;
    }
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);

    /* Edits: number every type, drop the translated comments, serialise the
     * first few types. */
    xmlBuffer *out = xmlBufferCreate();
    if (out == NULL)
        return -1;
    size_t k = 0;
    for (xmlNode *type = root->children; type != NULL; type = type->next) {
        if (type->type != XML_ELEMENT_NODE)
            continue;
        char num[24];
        snprintf(num, sizeof num, "%zu", k);
        if (xmlSetProp(type, BAD_CAST "n", BAD_CAST num) == NULL)
            return -1;
        for (xmlNode *c = type->children, *next; c != NULL; c = next) {
            next = c->next;
            if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST "comment")
                && xmlHasNsProp(c, BAD_CAST "lang", XML_XML_NAMESPACE) != NULL) {
                xmlUnlinkNode(c);
                xmlFreeNode(c);
                t->removed++;
            }
        }
        if (k++ < 32 && xmlNodeDump(out, d, type, 0, 0) < 0) {
            xmlBufferFree(out);
            return -1;
        }
    }
    t->serialised += (size_t)xmlBufferLength(out);
    *h = ex_hash(*h, xmlBufferContent(out), (size_t)xmlBufferLength(out));
    xmlBufferFree(out);
    return 0;
}

static int run(const ex_cfg_t *c, uint64_t *digest)
{
    arena_t *a = NULL;
    if (c->alloc != EX_MALLOC) {
        /* Before xmlInitParser, with no heap current: the global state
         * goes to malloc, behind the same header. */
        if (xmlMemSetup(arena_use_free, arena_use_malloc, arena_use_realloc, arena_use_strdup) != 0)
            return -1;
        a = arena_create(0); /* one per thread that parses, reset after each request */
        if (a == NULL)
            return -1;
    }
    xmlInitParser();
    totals_t t = {0};
    uint64_t h = EX_SEED;
    int rc = 0;
    for (unsigned r = 0; r < c->requests && rc == 0; r++) {
        if (a != NULL) {
            arena_heap_t *heap = arena_heap_create(a);
            if (heap == NULL) {
                rc = -1;
                break;
            }
            arena_heap_use(heap);
        }
        xmlDoc *d = xmlReadMemory(xml, (int)xml_len, "freedesktop.org.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOBLANKS);
        if (d == NULL || request(d, &h, &t) != 0) {
            fprintf(stderr, "libxml2: parse or edit failed\n");
            xmlResetLastError(); /* its message must not outlive the request */
            rc = -1;
        }
        if (a == NULL)
            xmlFreeDoc(d);
        else
            arena_reset(a); /* the document, and the heap, end with the request */
    }
    xmlCleanupParser(); /* the global state, from malloc */
    arena_destroy(a);
    if (rc != 0)
        return -1;
    ex_put(c,
           "%u requests of %zu bytes: %zu elements, %zu attributes, %zu texts, "
           "%zu types with globs, %zu comments removed, %zu bytes serialised",
           c->requests, xml_len, t.elements, t.attributes, t.texts, t.globbed, t.removed,
           t.serialised);
    *digest = h;
    return 0;
}

const ex_prog_t ex_libxml2 = {"libxml2", "request", NULL, NULL, 3, prepare, run, finish};

#ifndef EX_NO_MAIN
int main(int argc, char **argv)
{
    return ex_main(argc, argv, &ex_libxml2);
}
#endif
