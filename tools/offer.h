/*
 * offer.h -- the "more memory?" dialogue (offer.c): what a session at a
 * terminal is asked when an allocation does not fit in a fixed arena.
 */
#ifndef ARENA_SHELL_OFFER_H
#define ARENA_SHELL_OFFER_H

#include "shell.h"

enum { SHELL_OFFER_RETRY, SHELL_OFFER_CANCEL, SHELL_OFFER_QUIT };

/* An allocation that did not fit. */
typedef struct shell_shortfall {
    size_t size;  /* bytes requested */
    size_t align; /* their alignment */
    bool keeps;   /* it needs the live allocations kept (realloc): a reset cannot serve it */
} shell_shortfall_t;

/* Asks what to do about the shortfall, offering only what can serve it,
 * and does it: adds a block or resets.  SHELL_OFFER_RETRY: try the
 * allocation again; _CANCEL: give it up; _QUIT: end the session. */
int shell_offer_more(shell_t *sh, const shell_shortfall_t *f);

#endif /* ARENA_SHELL_OFFER_H */
