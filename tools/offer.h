/*
 * offer.h -- the "more memory?" dialogue (offer.c): what a session at a
 * terminal is asked when an allocation does not fit in a fixed arena.
 */
#ifndef ARENA_SHELL_OFFER_H
#define ARENA_SHELL_OFFER_H

#include "shell.h"

enum { SHELL_OFFER_RETRY, SHELL_OFFER_CANCEL, SHELL_OFFER_QUIT };

/* Asks what to do about a request of `need` bytes (alignment padding
 * included) that did not fit, and does it: adds a block or resets.
 * SHELL_OFFER_RETRY: try the allocation again; _CANCEL: give it up;
 * _QUIT: end the session. */
int shell_offer_more(shell_t *sh, size_t need);

#endif /* ARENA_SHELL_OFFER_H */
