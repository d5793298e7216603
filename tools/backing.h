/*
 * backing.h -- the backing allocator of the shell's arenas (backing.c).
 */
#ifndef ARENA_SHELL_BACKING_H
#define ARENA_SHELL_BACKING_H

#include "shell.h"

/* Learns, once per process, where data lands in the backing requests of an
 * arena, so that every block's first data byte can be put on a page.  */
void shell_backing_probe(void);

/* The page every block's first data byte starts on, or 0 when the probe
 * could not learn where data lands (blocks then start anywhere). */
size_t shell_backing_page(void);

/* Creates an arena from options o with the shell's backing (o->backing is
 * filled in).  NULL with errno, and *refused says whether the backing
 * refused (SHELL_REFUSED_*). */
arena_t *shell_backing_create(shell_t *sh, arena_options_t *o, shell_backing_t **out, int *refused);

/* Creates a child of `parent` from options o (no backing: a child takes
 * its blocks through b, its parent's).  The child's first request is
 * placed as an arena's first, so it must be the only request the creation
 * makes: the parent needs room for its record of the child beforehand.
 * NULL with errno, and *refused as above. */
arena_t *shell_backing_create_child(shell_backing_t *b, arena_t *parent, const arena_options_t *o,
                                    int *refused);

#endif /* ARENA_SHELL_BACKING_H */
