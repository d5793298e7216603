/*
 * offer.c -- the "more memory?" dialogue.  When an allocation does not fit
 * in a fixed arena and a person is at the terminal (sh->ask is set), the
 * shell offers to add a block (asking how much), to reset the arena, to
 * quit, or to cancel the allocation.
 *
 * Rules.  Only what can serve the request is offered: reset only when one
 * of the arena's blocks, emptied, holds the request at its alignment (and
 * never for a request that needs the live allocations, like realloc).  An
 * answer is one of the offered words or its first letter, in any case,
 * with blanks around it allowed; anything else is refused with the list of
 * choices and the question is asked again.  "how much?" shows its default
 * as a whole number of bytes, which is also valid input; Enter takes it,
 * "c" or "cancel" gives up.  No answer at all (Ctrl-C, Ctrl-D, the end of
 * the input) gives up too: the session always goes on.
 */
#include "offer.h"

#include "state.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { MORE, RESET, QUIT, CANCEL, NCHOICES };

static const struct {
    const char *word;
    const char *meaning; /* for "please answer" */
} choices[NCHOICES] = {
    [MORE] = {"more", "more memory"},
    [RESET] = {"reset", "reset"},
    [QUIT] = {"quit", "quit"},
    [CANCEL] = {"cancel", "cancel"},
};

/* Asks; the answer without the blanks around it goes to *t, its storage
 * to *ans (to free).  False when there is no answer: Ctrl-C, Ctrl-D. */
static bool ask(shell_t *sh, const char *prompt, char **ans, shell_tok_t *t)
{
    fflush(sh->out);
    *ans = sh->ask(sh->ask_ctx, prompt);
    if (*ans == NULL)
        return false;
    *t = shell_tok_trim((shell_tok_t){*ans, strlen(*ans)});
    return true;
}

/* Is t the word or its first letter, in any case? */
static bool answers(shell_tok_t t, const char *word)
{
    char letter[2] = {word[0], '\0'};
    return shell_tok_eq_nocase(t, word) || shell_tok_eq_nocase(t, letter);
}

/* Would some block of the arena, emptied by a reset, hold the request? */
static bool reset_serves(const shell_t *sh, const shell_shortfall_t *f)
{
    if (f->keeps)
        return false;
    size_t n = arena_blocks(sh->cur->arena, NULL, 0);
    arena_block_info_t *info = malloc(n * sizeof *info);
    bool fits = false;
    if (info == NULL)
        return false;
    n = arena_blocks(sh->cur->arena, info, n);
    for (size_t i = 0; i < n && !fits; i++) {
        size_t pad = (size_t)(-(uintptr_t)info[i].start & (f->align - 1));
        fits = pad <= info[i].size && f->size <= info[i].size - pad;
    }
    free(info);
    return fits;
}

/* "more memory? [m]ore / [q]uit / [c]ancel: " and "m (more memory), q
 * (quit) or c (cancel)" for the offered choices. */
static void describe(const bool offered[NCHOICES], char *prompt, size_t pcap, char *please,
                     size_t qcap)
{
    size_t k = 0, count = 0, p, q;
    for (int i = 0; i < NCHOICES; i++)
        count += offered[i];
    p = (size_t)snprintf(prompt, pcap, "more memory? ");
    q = 0;
    please[0] = '\0';
    for (int i = 0; i < NCHOICES; i++) {
        if (!offered[i])
            continue;
        const char *w = choices[i].word;
        p += (size_t)snprintf(prompt + p, pcap - p, "%s[%c]%s", k ? " / " : "", w[0], w + 1);
        q += (size_t)snprintf(please + q, qcap - q, "%s%c (%s)",
                              k == 0           ? ""
                              : k + 1 == count ? " or "
                                               : ", ",
                              w[0], choices[i].meaning);
        k++;
    }
    snprintf(prompt + p, pcap - p, ": ");
}

/* Asks how much to add and adds it: RETRY, or CANCEL. */
static int how_much(shell_t *sh, size_t dflt)
{
    char prompt[96];
    snprintf(prompt, sizeof prompt, "how much? [%zu] bytes, or [c]ancel: ", dflt);
    char *ans;
    shell_tok_t t;
    while (ask(sh, prompt, &ans, &t)) {
        size_t want = dflt;
        int r = -1;
        if (answers(t, "cancel"))
            r = SHELL_OFFER_CANCEL;
        else if (t.len == 0 || shell_arg_size(sh, t, "size", &want) == 0)
            r = shell_extend(sh, want) == 0 ? SHELL_OFFER_RETRY : -1;
        free(ans);
        if (r >= 0)
            return r;
    }
    return SHELL_OFFER_CANCEL;
}

int shell_offer_more(shell_t *sh, const shell_shortfall_t *f)
{
    bool offered[NCHOICES] = {true, reset_serves(sh, f), true, true};
    char prompt[96], please[128];
    describe(offered, prompt, sizeof prompt, please, sizeof please);
    char *ans;
    shell_tok_t t;
    while (ask(sh, prompt, &ans, &t)) {
        int pick = NCHOICES;
        for (int i = 0; i < NCHOICES && pick == NCHOICES; i++)
            if (offered[i] && answers(t, choices[i].word))
                pick = i;
        free(ans);
        switch (pick) {
        case MORE: {
            /* In a new block, an alignment above the default may cost up
             * to itself in padding. */
            size_t need = f->size + (f->align > ARENA_DEFAULT_ALIGNMENT ? f->align : 0);
            return how_much(sh, need > sh->cur->first_size ? need : sh->cur->first_size);
        }
        case RESET:
            shell_reset(sh);
            return SHELL_OFFER_RETRY;
        case QUIT:
            return SHELL_OFFER_QUIT;
        case CANCEL:
            return SHELL_OFFER_CANCEL;
        default:
            fprintf(sh->out, "please answer %s\n", please);
        }
    }
    return SHELL_OFFER_CANCEL;
}
