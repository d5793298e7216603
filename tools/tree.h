/*
 * tree.h -- the arenas the shell holds (tree.c): the top arena that 'new'
 * makes and its children, the shell's record of each, which one commands
 * act on, and the arenas the library ends on its own (children with their
 * parent).
 */
#ifndef ARENA_SHELL_TREE_H
#define ARENA_SHELL_TREE_H

#include "parse.h"
#include "shell.h"

/* Room for one more arena in sh->arenas, and a fresh record with room for
 * its first chain block; NULL when memory is short.  Nothing is held
 * until shell_tree_adopt. */
shell_arena_t *shell_tree_prepare(shell_t *sh);
/* Frees a prepared record whose arena could not be made. */
void shell_tree_discard(shell_arena_t *n);
/* Records the just-made arena `a` in the prepared record n: the top arena
 * when parent is NULL (with backing b, which n then owns; any old tree
 * must be gone), else a child of parent, sharing its backing.  first: the
 * size of the first block it was asked for, which a child takes at its
 * first allocation.  n becomes the current arena. */
void shell_tree_adopt(shell_t *sh, shell_arena_t *n, arena_t *a, shell_arena_t *parent,
                      shell_backing_t *b, const char *name, bool fixed, size_t max, size_t first);
/* Destroys n's arena, which ends its cleanups and children, and forgets
 * them all; the current arena, if it was n or below, becomes n's parent.
 * The children that end say so; n does not (the command that ends it
 * does). */
void shell_tree_destroy(shell_t *sh, shell_arena_t *n);
/* Finds the arenas the library has ended (they say so) and forgets them
 * (and, to be safe, any whose parent ended); the current arena, if it
 * ended, becomes its nearest live ancestor, or none. */
void shell_tree_forget_ended(shell_t *sh);
/* The live arena named t, or NULL. */
shell_arena_t *shell_tree_find(const shell_t *sh, shell_tok_t t);
/* Writes an automatic name for a child, one no live arena has. */
void shell_tree_auto_name(shell_t *sh, char *buf, size_t cap);
/* Live children of n. */
size_t shell_tree_children(const shell_t *sh, const shell_arena_t *n);
/* Forgets n's allocations from index keep on. */
void shell_forget_from(shell_arena_t *n, size_t keep);

#endif /* ARENA_SHELL_TREE_H */
