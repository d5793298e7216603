/*
 * shell.h -- the engine of arena-shell: parsing and executing one command
 * line against a shell state.  No terminal I/O here (main.c owns that), so
 * the engine can be driven by scripts, tests and the fuzzer alike.
 */
#ifndef ARENA_SHELL_H
#define ARENA_SHELL_H

#include "arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Results of shell_exec(). */
enum { SHELL_OK = 0, SHELL_ERROR = 1, SHELL_QUIT = 2 };

/* How the backing allocator of the shell's arenas accounts for memory. */
typedef struct shell_backing {
    struct shell *sh;
    int calls;   /* backing requests so far (the first one is the arena itself) */
    int refused; /* why the last request failed: 0, SHELL_REFUSED_LIMIT, _SYSTEM */
} shell_backing_t;

enum { SHELL_REFUSED_LIMIT = 1, SHELL_REFUSED_SYSTEM = 2 };

/* One allocation the shell made and still considers live. */
typedef struct shell_alloc {
    char *name;
    void *ptr;
    size_t size;
    size_t align;
    size_t pad;
} shell_alloc_t;

typedef struct shell_mark {
    unsigned long number;
    arena_mark_t mark;
    size_t nallocs; /* allocations live when the mark was saved */
} shell_mark_t;

/* Asks the person at the terminal a question; returns a malloc'd answer
 * (without newline) or NULL at end of input. */
typedef char *(*shell_ask_fn)(void *ctx, const char *prompt);

typedef struct shell {
    FILE *out; /* results */
    FILE *err; /* diagnostics */
    /* settings */
    bool relative;          /* print addresses as bN+0xOFF */
    bool color;             /* ANSI colours in map */
    int columns;            /* width for map; 0: ask the terminal / COLUMNS */
    size_t limit;           /* most bytes all arenas may take together; 0: none */
    const char *err_prefix; /* "arena-shell: " or similar */
    unsigned long lineno;   /* > 0: prefix errors with "line N: " */
    shell_ask_fn ask;       /* NULL: not interactive */
    void *ask_ctx;
    /* state */
    arena_t *arena;
    shell_backing_t *backing;
    bool fixed;
    size_t max_size;
    size_t first_size;
    size_t taken; /* bytes held from the system by the shell's arenas */
    shell_alloc_t *allocs;
    size_t nallocs, cap_allocs;
    unsigned long next_auto; /* #N names */
    shell_mark_t *marks;
    size_t nmarks, cap_marks;
    unsigned long next_mark;
    const char *cmd; /* command being executed, for messages */
} shell_t;

/* Initialises a shell writing to out/err.  No arena yet. */
void shell_init(shell_t *sh, FILE *out, FILE *err);
/* Destroys the arena and everything the shell holds. */
void shell_fini(shell_t *sh);

/* Executes one line (len bytes, may contain anything, no newline needed).
 * Returns SHELL_OK, SHELL_ERROR (a message went to sh->err) or SHELL_QUIT. */
int shell_exec(shell_t *sh, const char *line, size_t len);

/* Command names, NULL-terminated, for completion. */
extern const char *const shell_command_names[];

/* The embedded demo script (demo.c). */
extern const char shell_demo_script[];

/* ---- parse.c: pure helpers --------------------------------------------- */

typedef struct shell_tok {
    const char *s;
    size_t len;
} shell_tok_t;

/* Parses a size: 4096, 0x1000, 4K, 4KiB, 1.5M, 2G (K/M/G/T: powers of 1024).
 * Returns 0 and *out, or -1 with a message in why (a static string). */
int shell_parse_size(const char *s, size_t len, size_t *out, const char **why);
/* Formats n bytes in a short human form ("1.5 KiB", "100 B"). */
void shell_human(size_t n, char *buf, size_t cap);
/* Copies token t into buf for a message: printable ASCII kept, other bytes
 * as \xNN, cut at about 40 characters with "...". */
void shell_quote(const char *s, size_t len, char *buf, size_t cap);
bool shell_tok_eq(shell_tok_t t, const char *word);

/* ---- shell.c: messages and state -------------------------------------- */

/* Creates an arena with the shell's backing; NULL with errno, and *refused
 * says whether the backing refused (SHELL_REFUSED_*). */
arena_t *shell_create_arena(shell_t *sh, arena_options_t *o, shell_backing_t **out, int *refused);
/* Destroys the arena (if any) and forgets its allocations and marks. */
void shell_drop_arena(shell_t *sh);
void shell_error(shell_t *sh, const char *fmt, ...) ARENA__PRINTF(2, 3);
/* Formats an address, relative to its block in relative mode. */
void shell_addr(const shell_t *sh, const void *p, char *buf, size_t cap);
/* Index of the (chain) block holding p, or -1. */
long shell_block_of(const shell_t *sh, const void *p);

/* ---- map.c ----------------------------------------------------------- */

void shell_map(shell_t *sh);
void shell_stats(shell_t *sh);

#endif /* ARENA_SHELL_H */
