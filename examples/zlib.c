/*
 * zlib.c -- zlib on an arena inside a caller's buffer.
 *
 * zlib takes zalloc(opaque, items, size) and zfree(opaque, ptr) in each
 * stream, with a context pointer: arena_zalloc and arena_zfree with a heap
 * as the opaque.  A stream allocates a few large buffers when it starts
 * (about 270 KiB for deflate at the default level, 40 KiB for inflate) and
 * frees them when it ends, so the recommended wiring is a heap, and since
 * that memory is small and known, the heap lives in a fixed arena over a
 * static buffer: no malloc at all, and the streams of one request after
 * another reuse the same bytes.  A request deflates megabytes of real text
 * (Debian's MIME database) in 64 KiB pieces and inflates them back.
 */
#include "example.h"

#include <arena.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ---- the wiring ------------------------------------------------------------ */

/* Room for a deflate and an inflate stream at once, their chunk headers
 * and the heap's bookkeeping. */
static _Alignas(16) unsigned char zlib_memory[ARENA_BUFFER_OVERHEAD + 400 * 1024];

static arena_heap_t *zlib_heap(arena_t **out)
{
    arena_options_t o = {
        .buffer = zlib_memory, .buffer_size = sizeof zlib_memory, .flags = ARENA_FIXED};
    arena_t *a = arena_create_with(&o);
    arena_heap_t *h = a != NULL ? arena_heap_create(a) : NULL;
    *out = a;
    return h;
}

/* ---- the work ---------------------------------------------------------------- */

static char *text;
static size_t text_len;

static int prepare(const ex_cfg_t *c)
{
    text = ex_read_file(ex_xml_path(), &text_len);
    if (text != NULL && c->scale < 1 && (size_t)(c->scale * (double)text_len) < text_len)
        text_len = (size_t)(c->scale * (double)text_len);
    return text != NULL ? 0 : -1;
}

static void finish(void)
{
    free(text);
    text = NULL;
}

enum { PIECE = 64 * 1024 };

/* Deflates the text into *z (grown with malloc: the program's own data). */
static int squeeze(z_stream *s, unsigned char **z, size_t *zlen)
{
    size_t cap = text_len / 2 + PIECE;
    *z = malloc(cap);
    *zlen = 0;
    if (*z == NULL)
        return -1;
    int rc = Z_OK;
    for (size_t off = 0; rc == Z_OK;) {
        size_t n = text_len - off < PIECE ? text_len - off : PIECE;
        s->next_in = (unsigned char *)text + off;
        s->avail_in = (uInt)n;
        off += n;
        int flush = off == text_len ? Z_FINISH : Z_NO_FLUSH;
        do {
            if (cap - *zlen < PIECE) {
                unsigned char *more = realloc(*z, cap * 2);
                if (more == NULL)
                    return -1;
                *z = more;
                cap *= 2;
            }
            s->next_out = *z + *zlen;
            s->avail_out = PIECE;
            rc = deflate(s, flush);
            *zlen += PIECE - s->avail_out;
        } while (s->avail_out == 0);
        if (flush == Z_FINISH)
            break;
    }
    return rc == Z_STREAM_END ? 0 : -1;
}

/* Inflates z back, checking it against the text piece by piece. */
static int expand(z_stream *s, const unsigned char *z, size_t zlen)
{
    unsigned char out[PIECE];
    size_t done = 0;
    int rc = Z_OK;
    s->next_in = (unsigned char *)z;
    s->avail_in = (uInt)zlen;
    while (rc == Z_OK) {
        s->next_out = out;
        s->avail_out = sizeof out;
        rc = inflate(s, Z_NO_FLUSH);
        size_t n = sizeof out - s->avail_out;
        if (done + n > text_len || memcmp(out, text + done, n) != 0)
            return -1;
        done += n;
    }
    return rc == Z_STREAM_END && done == text_len ? 0 : -1;
}

static int run(const ex_cfg_t *c, uint64_t *digest)
{
    arena_t *a = NULL;
    arena_heap_t *heap = NULL;
    if (c->alloc != EX_MALLOC && (heap = zlib_heap(&a)) == NULL) {
        fprintf(stderr, "zlib: no heap in the buffer\n");
        arena_destroy(a);
        return -1;
    }
    uint64_t h = EX_SEED;
    size_t total = 0;
    int rc = 0;
    for (unsigned r = 0; r < c->requests && rc == 0; r++) {
        z_stream d = {.zalloc = Z_NULL, .zfree = Z_NULL, .opaque = Z_NULL};
        z_stream i = d;
        if (heap != NULL) {
            d.zalloc = i.zalloc = arena_zalloc;
            d.zfree = i.zfree = arena_zfree;
            d.opaque = i.opaque = heap;
        }
        unsigned char *z = NULL;
        size_t zlen = 0;
        int level = 1 + (int)(r % 9);
        if (deflateInit(&d, level) != Z_OK) {
            rc = -1;
            break;
        }
        rc = squeeze(&d, &z, &zlen);
        deflateEnd(&d); /* back to the heap, for the next stream */
        if (rc == 0 && inflateInit(&i) == Z_OK) {
            rc = expand(&i, z, zlen);
            inflateEnd(&i);
        } else {
            rc = -1;
        }
        if (rc == 0) {
            h = ex_hash(ex_hash_u64(h, (uint64_t)zlen), z, zlen);
            total += zlen;
        }
        free(z);
    }
    if (rc != 0)
        fprintf(stderr, "zlib: a stream failed\n");
    if (a != NULL) {
        /* Everything came from the caller's buffer: the arena took nothing
         * from its backing, and the streams gave everything back. */
        arena_heap_stats_t s = arena_heap_stats(heap);
        if (arena_stats(a).backing != 0 || s.live_chunks != 0) {
            fprintf(stderr, "zlib: %zu bytes outside the buffer, %zu chunks still live\n",
                    arena_stats(a).backing, s.live_chunks);
            rc = -1;
        }
        if (getenv("EX_VERBOSE") != NULL)
            fprintf(stderr, "zlib: heap peak live %zu, peak taken %zu of a %zu-byte buffer\n",
                    s.peak_live, s.peak_taken, sizeof zlib_memory);
        arena_destroy(a);
    }
    if (rc != 0)
        return -1;
    ex_put(c, "%u requests of %zu bytes, levels 1 to %u: %zu bytes deflated, all inflated back",
           c->requests, text_len, c->requests < 9 ? c->requests : 9u, total);
    *digest = h;
    return 0;
}

const ex_prog_t ex_zlib = {"zlib", "request", NULL, NULL, 3, prepare, run, finish};

#ifndef EX_NO_MAIN
int main(int argc, char **argv)
{
    return ex_main(argc, argv, &ex_zlib);
}
#endif
