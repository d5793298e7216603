/*
 * example.h -- what the library programs of examples/ share.
 *
 * Each program wires one C library to the arena the way
 * docs/integrations.md recommends, runs it on real input and prints what
 * it computed, ending with a digest of everything it read back from the
 * library.  The same source also runs on the library's own allocation (the
 * C library's malloc), and some on a second arena wiring, so outputs can be
 * compared byte for byte:
 *
 *   PROGRAM                    every mode with every allocation, each run in a
 *                              child process of its own; fails unless all the
 *                              outputs are identical (the test)
 *   PROGRAM --malloc [MODE]    the library's own allocation
 *   PROGRAM --arena [MODE]     the recommended arena wiring
 *   PROGRAM --alt [MODE]       the other arena wiring, where there is one
 *   options: --scale F (input size, 1 = the test's), --requests N,
 *            --cap F (SQLite's file database: max_size F times the live peak)
 *
 * With ARENA_UNDER_VALGRIND set (the test harness sets it under memcheck)
 * the inputs shrink.  bench/bench_libs.c times the same runs (W8): it
 * builds these sources with EX_NO_MAIN and calls the descriptors.
 */
#ifndef EXAMPLE_H
#define EXAMPLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Which allocation a run uses. */
enum { EX_MALLOC, EX_ARENA, EX_ALT };

typedef struct ex_cfg {
    int alloc;         /* EX_MALLOC, EX_ARENA or EX_ALT */
    const char *mode;  /* one of the program's modes */
    double scale;      /* input size: 1 is the test's */
    unsigned requests; /* requests (or rounds) per run */
    double cap;        /* SQLite's file database: max_size as a multiple of the live peak */
    FILE *out;         /* where ex_put prints; NULL: nowhere (the benchmark) */
} ex_cfg_t;

/* One program: its inputs are made by prepare (before any clock starts),
 * used by any number of runs, freed by finish.  run returns 0 and the
 * digest of what it read back, or -1 after saying why on stderr. */
typedef struct ex_prog {
    const char *name;
    const char *modes;     /* space-separated; the first is the default */
    const char *alt;       /* what EX_ALT is ("bump": a plain arena), NULL: none */
    const char *alt_modes; /* the modes EX_ALT applies to; NULL: every mode */
    unsigned requests;     /* requests per run in the test */
    int (*prepare)(const ex_cfg_t *c);
    int (*run)(const ex_cfg_t *c, uint64_t *digest);
    void (*finish)(void);
} ex_prog_t;

/* The descriptors (one per program). */
extern const ex_prog_t ex_cjson, ex_jansson, ex_libxml2, ex_expat, ex_lua, ex_sqlite, ex_zlib,
    ex_pcre2;

/* max_size of the last run that had one (SQLite's file database), bytes. */
extern size_t ex_cap_bytes;

/* FNV-1a, 64 bits: the digest of what a run reads back. */
#define EX_SEED UINT64_C(0xcbf29ce484222325)
uint64_t ex_hash(uint64_t h, const void *p, size_t n);
uint64_t ex_hash_str(uint64_t h, const char *s); /* NULL hashes like "" plus a marker */
uint64_t ex_hash_u64(uint64_t h, uint64_t v);
uint64_t ex_hash_double(uint64_t h, double v); /* its bits */

/* Prints a line of results to c->out (nothing when it is NULL). */
void ex_put(const ex_cfg_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whether this run is under memcheck (smaller inputs). */
int ex_under_valgrind(void);

/* The whole file at path, NUL-terminated (malloc'd), or NULL after saying
 * why. */
char *ex_read_file(const char *path, size_t *len);

/* Debian's MIME database (shared-mime-info), 2.4 MB of real XML; EX_XML in
 * the environment names another file. */
const char *ex_xml_path(void);

/* The MIME database (malloc'd), or with fraction < 1 a well-formed
 * document of its first types: about that fraction of it, the root closed
 * after the last whole type. */
char *ex_xml(double fraction, size_t *len);

/* A JSON document of about `bytes` bytes (malloc'd), the same for a given
 * size: an array of user records as a web service exchanges them. */
char *ex_json(size_t bytes, size_t *len);

/* Whether the program has an EX_ALT wiring in this mode. */
int ex_has_alt(const ex_prog_t *p, const char *mode);

/* What main() does: the command line above. */
int ex_main(int argc, char **argv, const ex_prog_t *p);

#endif
