/*
 * state.h -- the operations every executor shares (state.c): the current
 * arena's allocations, marks and chain as the shell keeps them, arguments
 * turned into values, and messages.  The tree of arenas is tree.h's.
 */
#ifndef ARENA_SHELL_STATE_H
#define ARENA_SHELL_STATE_H

#include "parse.h"
#include "shell.h"
#include "tree.h"

/* ---- messages ---------------------------------------------------------- */

/* "PREFIX[line N: ][CMD: ]message" on sh->err, after flushing sh->out. */
void shell_error(shell_t *sh, const char *fmt, ...) ARENA__PRINTF(2, 3);
/* "missing WHAT (usage: ...)"; returns SHELL_ERROR. */
int shell_missing(shell_t *sh, const char *what);
/* "extra argument 'T' (usage: ...)"; returns SHELL_ERROR. */
int shell_extra(shell_t *sh, shell_tok_t t);
/* "out of memory for the shell's own bookkeeping"; returns -1. */
int shell_bookkeeping_full(shell_t *sh);
/* Why the backing or a cap refused `what` (refused: SHELL_REFUSED_*) in
 * the current arena: the shell's limit, the system, or the tightest cap
 * among the arena and those above it. */
void shell_explain_enomem(shell_t *sh, int refused, const char *what);
/* Why the first block of `size` bytes (0: the default) of a new arena
 * with cap `max` (0: none) was refused; child: the arena would have been
 * a child of the current one. */
void shell_explain_first_block(shell_t *sh, size_t size, size_t max, int refused, bool child);

/* ---- arguments: 0 and the value, or -1 after a message ----------------- */

int shell_arg_size(shell_t *sh, shell_tok_t t, const char *what, size_t *out);
/* A power of two. */
int shell_arg_align(shell_t *sh, shell_tok_t t, size_t *out);
/* A name that is valid and not taken by a live allocation. */
int shell_arg_new_name(shell_t *sh, shell_tok_t t);
/* An arena's name: valid, at most ARENA_NAME_MAX characters, and (unless
 * the tree is about to be replaced) not taken by a live arena. */
int shell_arg_arena_name(shell_t *sh, shell_tok_t t, bool replacing);

/* ---- the current arena ------------------------------------------------- */

/* Ends every allocation and mark, cleanup and child; prints what it did. */
void shell_reset(shell_t *sh);
/* Adds a block of `size` bytes; prints the outcome.  0, or -1 after a
 * message. */
int shell_extend(shell_t *sh, size_t size);

/* ---- allocations and marks --------------------------------------------- */

/* Index of the live allocation of n named t ("3" also finds "#3"), or -1. */
long shell_find_alloc(const shell_arena_t *n, shell_tok_t t);
/* The same in the current arena, with a message when there is none. */
long shell_lookup_alloc(shell_t *sh, shell_tok_t t);
/* Makes room for one more allocation record and one more chain block,
 * before an allocation.  0, or -1 after a message. */
int shell_reserve(shell_t *sh);
/* Records an allocation in block `block` (name NULL: the next #N), in the
 * room shell_reserve made.  0, or -1 after a message when the name cannot
 * be copied. */
int shell_record(shell_t *sh, const shell_tok_t *name, void *p, size_t size, size_t align,
                 size_t pad, size_t block);
/* Makes allocation i the newest, for a realloc that moved it: the records
 * after it move down one, and the marks saved while it was live stop
 * counting it.  Returns its record. */
shell_alloc_t *shell_make_newest(shell_t *sh, size_t i);
/* Saves a mark of the arena's position, numbered; NULL after a message. */
shell_mark_t *shell_push_mark(shell_t *sh);
/* Prints "NAME: SIZE bytes at ADDR, align A, padding P, block B". */
void shell_print_alloc(shell_t *sh, const shell_alloc_t *a);

/* ---- the chain and addresses ------------------------------------------- */

/* The chain index of the block holding a fresh allocation p of `size`
 * bytes at `align`, following the arena when it moved to a new block. */
size_t shell_landed(shell_t *sh, const void *p, size_t size, size_t align);
/* Where the arena stands before it allocates for itself (the record of
 * a cleanup or of a child), where the shell does not see the pointer. */
typedef struct shell_spot {
    size_t used, available;
    uintptr_t pos;
} shell_spot_t;
shell_spot_t shell_spot(const shell_t *sh);
/* After such an allocation: the chain stays when the record provably
 * landed in the current block, else it is read from the arena (shell_reserve
 * made room for one more block). */
void shell_follow(shell_t *sh, shell_spot_t before);
/* Reads the chain from the arena: O(blocks), when the shell cannot know. */
void shell_read_chain(shell_t *sh);
/* The address the next allocation starts from, before its padding. */
uintptr_t shell_current_pos(const shell_t *sh);
/* Formats p, in chain block `block`: bN+0xOFF in relative mode. */
void shell_addr(const shell_t *sh, const void *p, size_t block, char *buf, size_t cap);

#endif /* ARENA_SHELL_STATE_H */
