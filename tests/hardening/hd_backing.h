/*
 * hd_backing.h -- a counting, fault-injecting backing allocator for the
 * hardening suites and the fuzzer (header-only; every function is static inline).
 *
 * It plugs into arena_options_t.backing and:
 *   - counts requests and can fail the Nth one, once (transient) or from
 *     then on (persistent);
 *   - refuses a request that would take it over `limit` outstanding bytes
 *     (keeps the fuzzer's memory bounded);
 *   - tracks every block it handed out, so that a release of something it
 *     never gave, or with another size, is caught (bad_release), and the
 *     bytes outstanding after arena_destroy must be zero;
 *   - records the most it ever held (peak), for checking max_size.
 */
#ifndef HD_BACKING_H
#define HD_BACKING_H

#include <arena.h>

#include <stdlib.h>
#include <string.h>

typedef struct hd_backing {
    size_t requests;    /* alloc calls so far */
    size_t fail_at;     /* 1-based request number to fail; 0: none */
    int persistent;     /* fail fail_at and every request after it */
    size_t injected;    /* failures injected so far */
    size_t refused;     /* requests refused for the limit */
    size_t limit;       /* most outstanding bytes; 0: no limit */
    size_t outstanding; /* bytes held by arenas now */
    size_t peak;        /* most bytes ever outstanding */
    size_t releases;
    int bad_release; /* a release that does not match an alloc */
    size_t nlive;    /* blocks outstanding */
    size_t live_cap;
    struct {
        void *p;
        size_t size;
    } * live;
} hd_backing_t;

static inline void *hd_alloc(void *user, size_t size)
{
    hd_backing_t *h = (hd_backing_t *)user;
    size_t n = ++h->requests;
    if (h->fail_at != 0 && (n == h->fail_at || (h->persistent && n > h->fail_at))) {
        h->injected++;
        return NULL;
    }
    if (h->limit != 0 && (size > h->limit || h->outstanding > h->limit - size)) {
        h->refused++;
        return NULL;
    }
    if (h->nlive == h->live_cap) {
        size_t cap = h->live_cap ? h->live_cap * 2 : 16;
        void *t = realloc(h->live, cap * sizeof h->live[0]);
        if (t == NULL)
            return NULL;
        h->live = t;
        h->live_cap = cap;
    }
    void *p = malloc(size ? size : 1);
    if (p == NULL)
        return NULL;
    h->live[h->nlive].p = p;
    h->live[h->nlive].size = size;
    h->nlive++;
    h->outstanding += size;
    if (h->outstanding > h->peak)
        h->peak = h->outstanding;
    return p;
}

static inline void hd_release(void *user, void *ptr, size_t size)
{
    hd_backing_t *h = (hd_backing_t *)user;
    h->releases++;
    for (size_t i = 0; i < h->nlive; i++) {
        if (h->live[i].p == ptr) {
            if (h->live[i].size != size)
                h->bad_release = 1;
            h->outstanding -= h->live[i].size;
            h->live[i] = h->live[--h->nlive];
            free(ptr);
            return;
        }
    }
    h->bad_release = 1;
}

/* Options for an arena on this backing. */
static inline arena_backing_t hd_backing_of(hd_backing_t *h)
{
    arena_backing_t b;
    b.alloc = hd_alloc;
    b.release = hd_release;
    b.user = h;
    return b;
}

/* Arms a fault: the nth request from now fails (and all after if persistent). */
static inline void hd_fail_nth(hd_backing_t *h, size_t nth, int persistent)
{
    h->fail_at = h->requests + nth;
    h->persistent = persistent;
}

static inline void hd_no_faults(hd_backing_t *h)
{
    h->fail_at = 0;
    h->persistent = 0;
}

/* Frees the bookkeeping (not blocks: those must have been released). */
static inline void hd_backing_fini(hd_backing_t *h)
{
    free(h->live);
    h->live = NULL;
    h->live_cap = h->nlive = 0;
}

#endif /* HD_BACKING_H */
