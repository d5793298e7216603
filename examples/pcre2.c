/*
 * pcre2.c -- PCRE2 on an arena: one set of patterns per request.
 *
 * PCRE2 takes its allocator in a general context, as a malloc and a free
 * that get a context pointer: pcre2_general_context_create(arena_ud_malloc,
 * arena_ud_free, heap).  Every compile context, match context, compiled
 * pattern and match data made from it (and the frames pcre2_match keeps
 * in the match data) then come from the heap.  A request compiles a set of
 * patterns and runs each over megabytes of real text (Debian's MIME
 * database: many languages, so some patterns are Unicode-aware); the heap
 * lives in the request's arena and everything ends with its arena_reset.
 * The general context itself is allocated through its own hooks, so it is
 * made after the heap and ends with it.  (JIT code is not covered: PCRE2
 * maps executable memory itself.)
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "example.h"

#include <arena.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

static char *text;
static size_t text_len;

static int prepare(const ex_cfg_t *c)
{
    text = ex_read_file(ex_xml_path(), &text_len);
    if (text != NULL && c->scale < 1 && (size_t)(c->scale * (double)text_len) < text_len) {
        text_len = (size_t)(c->scale * (double)text_len);
        while (text_len > 0 && text[text_len - 1] != '\n') /* whole lines, whole characters */
            text_len--;
    }
    return text != NULL ? 0 : -1;
}

static void finish(void)
{
    free(text);
    text = NULL;
}

static const struct {
    const char *re;
    uint32_t options;
} patterns[] = {
    {"<mime-type type=\"([a-z0-9.+-]+)/([^\"]+)\"", 0},
    {"<glob pattern=\"\\*\\.([A-Za-z0-9_+-]+)\"", 0},
    {"xml:lang=\"([A-Za-z@_-]+)\"", 0},
    {"<comment>([^<]*)</comment>", 0},
    {"\\b(image|audio|video|font|model)s?\\b", PCRE2_CASELESS},
    {"\\b(\\p{Lu}\\p{Ll}{3,})\\b", PCRE2_UTF | PCRE2_UCP},
    {"\\b(\\w{3,})\\s+\\1\\b", PCRE2_UTF | PCRE2_UCP},
    {"(?<=>)([^<]{60,})(?=</)", PCRE2_UTF},
};
enum { NPAT = sizeof patterns / sizeof patterns[0] };

static int run(const ex_cfg_t *c, uint64_t *digest)
{
    arena_t *a = NULL;
    if (c->alloc != EX_MALLOC) {
        a = arena_create(0); /* one per thread, reset after each request */
        if (a == NULL)
            return -1;
    }
    uint64_t h = EX_SEED;
    size_t counts[NPAT] = {0};
    int rc = 0;
    for (unsigned r = 0; r < c->requests && rc == 0; r++) {
        pcre2_general_context *g = NULL;
        if (a != NULL) {
            arena_heap_t *heap = arena_heap_create(a);
            g = heap != NULL ? pcre2_general_context_create(arena_ud_malloc, arena_ud_free, heap)
                             : NULL;
            if (g == NULL) {
                rc = -1;
                break;
            }
        }
        pcre2_compile_context *cc = pcre2_compile_context_create(g);
        pcre2_match_context *mc = pcre2_match_context_create(g);
        rc = cc != NULL && mc != NULL ? 0 : -1;
        for (size_t k = 0; k < NPAT && rc == 0; k++) {
            int err;
            PCRE2_SIZE erroff;
            pcre2_code *re = pcre2_compile((PCRE2_SPTR)patterns[k].re, PCRE2_ZERO_TERMINATED,
                                           patterns[k].options, &err, &erroff, cc);
            pcre2_match_data *md = re != NULL ? pcre2_match_data_create_from_pattern(re, g) : NULL;
            if (md == NULL) {
                fprintf(stderr, "pcre2: pattern %zu: error %d at %zu\n", k, err, (size_t)erroff);
                pcre2_code_free(re);
                rc = -1;
                break;
            }
            PCRE2_SIZE at = 0;
            int m;
            /* A UTF pattern checks the whole subject at each call: once is enough. */
            uint32_t check = 0;
            while ((m = pcre2_match(re, (PCRE2_SPTR)text, text_len, at, check, md, mc)) > 0) {
                PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
                counts[k]++;
                if (m > 1 && ov[2] != PCRE2_UNSET)
                    h = ex_hash(h, text + ov[2], ov[3] - ov[2]);
                h = ex_hash_u64(h, (uint64_t)ov[0]);
                at = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
                check = PCRE2_NO_UTF_CHECK;
            }
            if (m != PCRE2_ERROR_NOMATCH) {
                fprintf(stderr, "pcre2: pattern %zu: match error %d\n", k, m);
                rc = -1;
            }
            if (a == NULL) {
                pcre2_match_data_free(md);
                pcre2_code_free(re);
            }
        }
        if (a == NULL) {
            pcre2_match_context_free(mc);
            pcre2_compile_context_free(cc);
        } else {
            arena_reset(a); /* patterns, match data, contexts and the heap end here */
        }
    }
    arena_destroy(a);
    if (rc != 0)
        return -1;
    ex_put(c, "%u requests over %zu bytes, %d patterns; matches:", c->requests, text_len, NPAT);
    for (size_t k = 0; k < NPAT; k++)
        ex_put(c, "  %-8zu %s", counts[k], patterns[k].re);
    *digest = h;
    return 0;
}

const ex_prog_t ex_pcre2 = {"pcre2", "request", NULL, NULL, 3, prepare, run, finish};

#ifndef EX_NO_MAIN
int main(int argc, char **argv)
{
    return ex_main(argc, argv, &ex_pcre2);
}
#endif
