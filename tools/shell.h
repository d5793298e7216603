/*
 * shell.h -- the engine of arena-shell: a shell state and the execution of
 * one command line against it.  No terminal I/O here (main.c owns that), so
 * the engine can be driven by scripts, tests and the fuzzer alike.
 *
 * The files of the engine, each calling only those listed after it:
 *   dispatch.c   shell_exec: words, the command's row, argument counts
 *   commands.c   the command table: one row per command
 *   run_life.c   executors of arenas' lives: new, child, parent, use,
 *                destroy, defer
 *   run_arena.c  executors that change the arena: extend, save, restore, ...
 *   run_alloc.c  executors that allocate (alloc, calloc, str, realloc, fill)
 *   offer.c      the "more memory?" dialogue when a fixed arena is full
 *   view.c       executors that only look: show, list, map, stats, report,
 *                help
 *   state.c      the current arena's allocations, marks and its record of
 *                the block chain, shared actions, messages
 *   tree.c       the tree of arenas the shell holds: records made and
 *                forgotten, names, the current one, arenas seen ending
 *   backing.c    the backing allocator of the shell's arenas
 *   parse.c      text: sizes, quoting, words
 * and demo.c, the demo's script (data).  The library calls back into the
 * engine only through the cleanups of 'defer' (run_life.c).  docs/shell.md has the same map.
 */
#ifndef ARENA_SHELL_H
#define ARENA_SHELL_H

#include "arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Results of shell_exec(). */
enum { SHELL_OK = 0, SHELL_ERROR = 1, SHELL_QUIT = 2 };

/* The backing allocator of one tree of the shell's arenas (a child takes
 * its blocks through its parent's backing): how it accounts for memory. */
typedef struct shell_backing {
    struct shell *sh;
    bool arena_next; /* the next request holds an arena itself (its first block) */
    int refused;     /* why the last request failed: 0, SHELL_REFUSED_LIMIT, _SYSTEM */
} shell_backing_t;

enum { SHELL_REFUSED_LIMIT = 1, SHELL_REFUSED_SYSTEM = 2 };

/* One allocation the shell made and still considers live. */
typedef struct shell_alloc {
    char *name;
    void *ptr;
    size_t size;
    size_t align;
    size_t pad;
    size_t block; /* index in sh->chain of the block holding it */
} shell_alloc_t;

typedef struct shell_mark {
    unsigned long number;
    arena_mark_t mark;
    size_t nallocs; /* allocations live when the mark was saved */
    size_t nchain;  /* blocks in the chain when the mark was saved */
} shell_mark_t;

/* A block of the arena's chain: where its data starts and ends. */
typedef struct shell_block {
    uintptr_t start, end;
} shell_block_t;

/* One arena the shell holds: the top arena that 'new' makes, or a child.
 * Its allocations, marks and chain are the shell's records of it. */
typedef struct shell_arena {
    arena_t *arena;
    struct shell_arena *parent; /* NULL: the top arena */
    char name[ARENA_NAME_MAX + 1];
    shell_backing_t *backing; /* the tree's; the top arena's record owns it */
    bool fixed;
    bool ended; /* the library has released it: forgotten after the command */
    bool seen;  /* listed by the report that looks for ended arenas (tree.c) */
    bool lazy;  /* a child that had no block when made: its first comes later */
    size_t max_size;
    size_t first_size;
    size_t pending; /* cleanups registered with 'defer' that have not run */
    shell_alloc_t *allocs;
    size_t nallocs, cap_allocs;
    unsigned long next_auto; /* #N names */
    shell_mark_t *marks;
    size_t nmarks, cap_marks;
    unsigned long next_mark;
    /* the chain as arena_blocks lists it (oldest first, the current block
     * last, no spares), kept up to date by the shell itself so that no
     * command has to walk the arena's block list (state.c) */
    shell_block_t *chain;
    size_t nchain, cap_chain;
} shell_arena_t;

/* Asks the person at the terminal a question.  Returns a malloc'd answer
 * (without newline), or NULL when the person cancels (Ctrl-C, Ctrl-D) or
 * the input ends. */
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
    /* state: the arenas, oldest first (the top one first), and the one
     * commands act on; NULL before 'new' */
    shell_arena_t **arenas;
    size_t narenas, cap_arenas;
    shell_arena_t *cur;
    bool may_have_ended;      /* a reset or restore ran: children may have ended (tree.c) */
    unsigned long next_child; /* automatic names child1, child2, ... */
    size_t taken;             /* bytes held from the system by the shell's arenas */
    size_t overhead;          /* bookkeeping of an arena's first request (from 'new') */
    /* the command being executed, for messages: its name and its arguments
     * as the usage line writes them */
    const char *cmd;
    const char *cmd_args;
} shell_t;

/* Initialises a shell writing to out/err.  No arena yet.  (tree.c) */
void shell_init(shell_t *sh, FILE *out, FILE *err);
/* Destroys the arenas and everything the shell holds.  (tree.c) */
void shell_fini(shell_t *sh);

/* Executes one line (len bytes, may contain anything, no newline needed).
 * Returns SHELL_OK, SHELL_ERROR (a message went to sh->err) or SHELL_QUIT.
 * (dispatch.c) */
int shell_exec(shell_t *sh, const char *line, size_t len);

/* The words that complete a command: the i-th, or NULL past the last.
 * (dispatch.c) */
const char *shell_completion(size_t i);

/* The prompt: "arena> " while the shell holds at most one arena, then
 * "arena:NAME> " with the current arena's name.  (dispatch.c) */
void shell_prompt(const shell_t *sh, char *buf, size_t cap);

/* The names of the arenas the shell holds, for completing 'use': the
 * i-th, or NULL past the last.  (dispatch.c) */
const char *shell_arena_completion(const shell_t *sh, size_t i);

/* The embedded demo script.  (demo.c) */
extern const char shell_demo_script[];

#endif /* ARENA_SHELL_H */
