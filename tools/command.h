/*
 * command.h -- what a command is: its row in the table (commands.c), the
 * call the dispatcher (dispatch.c) hands its executor, and the executors
 * (run_life.c, run_arena.c, run_alloc.c, view.c).
 *
 * Adding a command is one row in commands.c and one executor.  The row
 * says everything the dispatcher checks before the executor runs: the
 * argument counts, whether an arena must exist, whether the arguments are
 * the rest of the line; the executor only reads and acts on its arguments.
 */
#ifndef ARENA_SHELL_COMMAND_H
#define ARENA_SHELL_COMMAND_H

#include "parse.h"
#include "shell.h"

/* Most words after the command that a line may have. */
#define SHELL_MAX_ARGS 16

typedef struct shell_cmd shell_cmd_t;

typedef struct shell_call {
    const shell_cmd_t *cmd;
    shell_tok_t arg[SHELL_MAX_ARGS];
    size_t n;
    shell_tok_t rest;         /* everything after the command word */
    const shell_cmd_t *topic; /* SHELL_CMD_TOPIC: the command the argument names */
    const shell_cmd_t *table; /* every command, for help */
    size_t ntable;
} shell_call_t;

typedef int (*shell_run_fn)(shell_t *sh, const shell_call_t *c);

enum {
    SHELL_CMD_ARENA = 1, /* needs an arena */
    SHELL_CMD_REST = 2,  /* the argument is the rest of the line, as typed */
    SHELL_CMD_TOPIC = 4, /* the argument, if any, names a command */
};

struct shell_cmd {
    const char *name;
    const char *alias;   /* short form, or NULL */
    const char *synonym; /* another full name, or NULL */
    const char *args;    /* as the usage line writes them: required words first */
    unsigned char min_args, max_args;
    unsigned flags; /* SHELL_CMD_* */
    shell_run_fn run;
    const char *summary; /* one line for the list */
    const char *help;    /* 'help NAME' */
    const char *example;
};

/* The table, in the order 'help' lists it (commands.c). */
extern const shell_cmd_t shell_commands[];
extern const size_t shell_ncommands;

/* ---- run_life.c -------------------------------------------------------- */
int shell_run_new(shell_t *sh, const shell_call_t *c);
int shell_run_child(shell_t *sh, const shell_call_t *c);
int shell_run_parent(shell_t *sh, const shell_call_t *c);
int shell_run_use(shell_t *sh, const shell_call_t *c);
int shell_run_destroy(shell_t *sh, const shell_call_t *c);
int shell_run_defer(shell_t *sh, const shell_call_t *c);

/* ---- run_arena.c ------------------------------------------------------- */
int shell_run_extend(shell_t *sh, const shell_call_t *c);
int shell_run_save(shell_t *sh, const shell_call_t *c);
int shell_run_restore(shell_t *sh, const shell_call_t *c);
int shell_run_reset(shell_t *sh, const shell_call_t *c);
int shell_run_trim(shell_t *sh, const shell_call_t *c);
int shell_run_quit(shell_t *sh, const shell_call_t *c);

/* ---- run_alloc.c ------------------------------------------------------- */
int shell_run_alloc(shell_t *sh, const shell_call_t *c);
int shell_run_calloc(shell_t *sh, const shell_call_t *c);
int shell_run_str(shell_t *sh, const shell_call_t *c);
int shell_run_realloc(shell_t *sh, const shell_call_t *c);
int shell_run_fill(shell_t *sh, const shell_call_t *c);

/* ---- view.c ------------------------------------------------------------ */
int shell_run_show(shell_t *sh, const shell_call_t *c);
int shell_run_list(shell_t *sh, const shell_call_t *c);
int shell_run_map(shell_t *sh, const shell_call_t *c);
int shell_run_stats(shell_t *sh, const shell_call_t *c);
int shell_run_report(shell_t *sh, const shell_call_t *c);
int shell_run_help(shell_t *sh, const shell_call_t *c);

#endif /* ARENA_SHELL_COMMAND_H */
