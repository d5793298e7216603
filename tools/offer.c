/*
 * offer.c -- the "more memory?" dialogue.  When an allocation does not fit
 * in a fixed arena and a person is at the terminal (sh->ask is set), the
 * shell offers to add a block (asking how much), to reset the arena, to
 * quit, or to cancel the allocation.
 */
#include "offer.h"

#include "state.h"

#include <stdlib.h>
#include <string.h>

static char *ask(shell_t *sh, const char *prompt)
{
    fflush(sh->out);
    return sh->ask(sh->ask_ctx, prompt);
}

static char first_word_char(const char *s)
{
    while (*s != '\0' && shell_is_space(*s))
        s++;
    char c = *s;
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int shell_offer_more(shell_t *sh, size_t need)
{
    for (;;) {
        char *ans = ask(sh, "more memory? [m]ore / [r]eset / [q]uit / [c]ancel: ");
        if (ans == NULL)
            return SHELL_OFFER_CANCEL;
        char c = first_word_char(ans);
        free(ans);
        if (c == 'q')
            return SHELL_OFFER_QUIT;
        if (c == 'c' || c == 'n')
            return SHELL_OFFER_CANCEL;
        if (c == 'r') {
            shell_reset(sh);
            return SHELL_OFFER_RETRY;
        }
        if (c != 'm' && c != 'y') {
            fprintf(sh->out, "please answer m (more memory), r (reset), q (quit) or c (cancel)\n");
            continue;
        }
        size_t dflt = need > sh->first_size ? need : sh->first_size;
        for (;;) {
            char prompt[80], h[SHELL_HUMAN_CAP];
            shell_human(dflt, h, sizeof h);
            snprintf(prompt, sizeof prompt, "how much? [%s]: ", h);
            ans = ask(sh, prompt);
            if (ans == NULL)
                return SHELL_OFFER_CANCEL;
            shell_tok_t t = shell_tok_trim((shell_tok_t){ans, strlen(ans)});
            size_t want = dflt;
            int bad = t.len > 0 ? shell_arg_size(sh, t, "size", &want) : 0;
            free(ans);
            if (bad == 0 && shell_extend(sh, want) == 0)
                return SHELL_OFFER_RETRY;
        }
    }
}
