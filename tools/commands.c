/*
 * commands.c -- arena-shell's command language: tokenising a line, the
 * command table with its help, and each command's executor.
 *
 * Every command validates all of its arguments before it touches the arena,
 * so a bad line leaves the state exactly as it was.  Allocations are kept in
 * order in sh->allocs; a mark remembers how many there were, so restore
 * and reset drop exactly the allocations they ended.
 */
#define _POSIX_C_SOURCE 200809L
#include "shell.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKS 16
#define NAME_MAX_LEN 32
#define QUOTE_CAP 200

typedef struct args {
    shell_tok_t t[MAX_TOKS];
    size_t n;
    bool too_many;
    const char *rest; /* everything after the command word */
    size_t restlen;
} args_t;

typedef struct command command_t;
typedef int (*cmd_fn)(shell_t *sh, const command_t *c, const args_t *a);

struct command {
    const char *name;
    const char *alias;
    cmd_fn fn;
    bool needs_arena;
    const char *usage;
    const char *summary;
    const char *help;
    const char *example;
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* ---- small helpers -------------------------------------------------------- */

static int missing(shell_t *sh, const command_t *c, const char *what)
{
    shell_error(sh, "missing %s (usage: %s)", what, c->usage);
    return SHELL_ERROR;
}

static int extra(shell_t *sh, const command_t *c, shell_tok_t t)
{
    char q[QUOTE_CAP];
    shell_quote(t.s, t.len, q, sizeof q);
    shell_error(sh, "extra argument '%s' (usage: %s)", q, c->usage);
    return SHELL_ERROR;
}

static int get_size(shell_t *sh, shell_tok_t t, const char *what, size_t *out)
{
    const char *why;
    if (shell_parse_size(t.s, t.len, out, &why) == 0)
        return 0;
    char q[QUOTE_CAP];
    shell_quote(t.s, t.len, q, sizeof q);
    shell_error(sh, "%s '%s' %s", what, q, why);
    return -1;
}

static int get_align(shell_t *sh, shell_tok_t t, size_t *out)
{
    if (get_size(sh, t, "alignment", out) != 0)
        return -1;
    if (*out == 0 || (*out & (*out - 1)) != 0) {
        shell_error(sh, "alignment %zu is not a power of two", *out);
        return -1;
    }
    return 0;
}

static bool valid_name(shell_tok_t t)
{
    if (t.len == 0 || t.len > NAME_MAX_LEN)
        return false;
    for (size_t i = 0; i < t.len; i++) {
        char c = t.s[i];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        bool digit = c >= '0' && c <= '9';
        if (!(alpha || (i > 0 && (digit || c == '-' || c == '.'))))
            return false;
    }
    return true;
}

static long find_alloc(const shell_t *sh, shell_tok_t t)
{
    for (size_t i = 0; i < sh->nallocs; i++) {
        const char *n = sh->allocs[i].name;
        if (strlen(n) == t.len && memcmp(n, t.s, t.len) == 0)
            return (long)i;
        /* "3" means "#3" */
        if (n[0] == '#' && strlen(n) == t.len + 1 && memcmp(n + 1, t.s, t.len) == 0)
            return (long)i;
    }
    return -1;
}

static long lookup_alloc(shell_t *sh, shell_tok_t t)
{
    long i = find_alloc(sh, t);
    if (i < 0) {
        char q[QUOTE_CAP];
        shell_quote(t.s, t.len, q, sizeof q);
        shell_error(sh, "no live allocation named '%s' (see 'list')", q);
    }
    return i;
}

static void human(size_t n, char *buf, size_t cap)
{
    shell_human(n, buf, cap);
}

void shell_drop_arena(shell_t *sh)
{
    for (size_t i = 0; i < sh->nallocs; i++)
        free(sh->allocs[i].name);
    sh->nallocs = 0;
    sh->nmarks = 0;
    if (sh->arena != NULL) {
        arena_destroy(sh->arena);
        sh->arena = NULL;
    }
    free(sh->backing);
    sh->backing = NULL;
}

/* Forgets allocations from index keep on. */
static void drop_allocs_from(shell_t *sh, size_t keep)
{
    for (size_t i = keep; i < sh->nallocs; i++)
        free(sh->allocs[i].name);
    if (keep < sh->nallocs)
        sh->nallocs = keep;
}

static int record(shell_t *sh, const char *name, size_t namelen, void *p, size_t size, size_t align,
                  size_t pad)
{
    if (sh->nallocs == sh->cap_allocs) {
        size_t cap = sh->cap_allocs ? sh->cap_allocs * 2 : 16;
        shell_alloc_t *n = realloc(sh->allocs, cap * sizeof *n);
        if (n == NULL)
            return -1;
        sh->allocs = n;
        sh->cap_allocs = cap;
    }
    char autoname[32];
    if (name == NULL) {
        namelen = (size_t)snprintf(autoname, sizeof autoname, "#%lu", sh->next_auto++);
        name = autoname;
    }
    char *copy = malloc(namelen + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, name, namelen);
    copy[namelen] = '\0';
    shell_alloc_t *a = &sh->allocs[sh->nallocs++];
    a->name = copy;
    a->ptr = p;
    a->size = size;
    a->align = align;
    a->pad = pad;
    return 0;
}

static void print_alloc(shell_t *sh, const shell_alloc_t *a)
{
    char addr[64];
    shell_addr(sh, a->ptr, addr, sizeof addr);
    fprintf(sh->out, "%s: %zu byte%s at %s, align %zu, padding %zu, block %ld\n", a->name, a->size,
            a->size == 1 ? "" : "s", addr, a->align, a->pad, shell_block_of(sh, a->ptr));
}

/* ---- shared actions --------------------------------------------------------- */

static void do_reset(shell_t *sh)
{
    size_t ended = sh->nallocs;
    arena_reset(sh->arena);
    drop_allocs_from(sh, 0);
    sh->nmarks = 0;
    arena_stats_t s = arena_stats(sh->arena);
    fprintf(sh->out, "reset: %zu allocation%s ended; %zu block%s kept for reuse\n", ended,
            ended == 1 ? "" : "s", s.blocks, s.blocks == 1 ? "" : "s");
}

static void explain_enomem(shell_t *sh, int refused, const char *what)
{
    char h[32];
    if (refused == SHELL_REFUSED_LIMIT) {
        human(sh->limit, h, sizeof h);
        shell_error(sh,
                    "out of memory: %s would take the shell over its memory limit of %s "
                    "(see --limit)",
                    what, h);
    } else if (refused == SHELL_REFUSED_SYSTEM) {
        shell_error(sh, "out of memory: the system refused %s", what);
    } else if (sh->max_size != 0) {
        human(sh->max_size, h, sizeof h);
        shell_error(sh, "the arena is at its cap (max %s, bookkeeping included): no room for %s", h,
                    what);
    } else {
        shell_error(sh, "out of memory: no room for %s", what);
    }
}

/* Adds a block of `size` bytes; prints the outcome.  0 or -1. */
static int do_extend(shell_t *sh, size_t size)
{
    char h[32];
    human(size, h, sizeof h);
    if (size == 0) {
        shell_error(sh, "SIZE must be at least 1 byte");
        return -1;
    }
    sh->backing->refused = 0;
    if (arena_extend(sh->arena, size) != 0) {
        char what[64];
        snprintf(what, sizeof what, "a block of %s", h);
        if ((size_t)PTRDIFF_MAX < size)
            shell_error(sh, "%zu bytes is more than an arena can hold", size);
        else
            explain_enomem(sh, sh->backing->refused, what);
        return -1;
    }
    arena_stats_t s = arena_stats(sh->arena);
    fprintf(sh->out, "added a block of %s; the arena now has %zu blocks, capacity %zu bytes\n", h,
            s.blocks, s.capacity);
    return 0;
}

enum { ASK_RETRY, ASK_CANCEL, ASK_QUIT };

static char *ask(shell_t *sh, const char *prompt)
{
    fflush(sh->out);
    return sh->ask(sh->ask_ctx, prompt);
}

static char first_word_char(const char *s)
{
    while (*s != '\0' && is_space(*s))
        s++;
    char c = *s;
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* The original design's question after a fixed arena fills up. */
static int offer_more_memory(shell_t *sh, size_t need)
{
    for (;;) {
        char *ans = ask(sh, "more memory? [m]ore / [r]eset / [q]uit / [c]ancel: ");
        if (ans == NULL)
            return ASK_QUIT;
        char c = first_word_char(ans);
        free(ans);
        if (c == 'q')
            return ASK_QUIT;
        if (c == 'c' || c == 'n')
            return ASK_CANCEL;
        if (c == 'r') {
            do_reset(sh);
            return ASK_RETRY;
        }
        if (c != 'm' && c != 'y') {
            fprintf(sh->out, "please answer m (more memory), r (reset), q (quit) or c (cancel)\n");
            continue;
        }
        size_t dflt = need > sh->first_size ? need : sh->first_size;
        for (;;) {
            char prompt[80], h[32];
            human(dflt, h, sizeof h);
            snprintf(prompt, sizeof prompt, "how much? [%s]: ", h);
            ans = ask(sh, prompt);
            if (ans == NULL)
                return ASK_QUIT;
            size_t len = strlen(ans);
            while (len > 0 && is_space(ans[len - 1]))
                len--;
            size_t skip = 0;
            while (skip < len && is_space(ans[skip]))
                skip++;
            size_t want = dflt;
            int bad = 0;
            if (len > skip) {
                shell_tok_t t = {ans + skip, len - skip};
                bad = get_size(sh, t, "size", &want);
            }
            free(ans);
            if (bad == 0 && do_extend(sh, want) == 0)
                return ASK_RETRY;
        }
    }
}

enum { K_ALLOC, K_CALLOC, K_STR };

/* Allocates, diagnoses, records, prints; offers more memory at a terminal. */
static int do_allocation(shell_t *sh, int kind, size_t count, size_t size, size_t align,
                         const char *text, size_t textlen, shell_tok_t *name)
{
    size_t total = size;
    if (kind == K_CALLOC) {
        if (size != 0 && count > SIZE_MAX / size) {
            shell_error(sh, "%zu x %zu bytes overflows size_t", count, size);
            return SHELL_ERROR;
        }
        total = count * size;
    }
    if (kind == K_STR)
        total = textlen + 1;
    if (total > (size_t)PTRDIFF_MAX) {
        shell_error(sh, "%zu bytes is more than an arena can hand out (PTRDIFF_MAX)", total);
        return SHELL_ERROR;
    }
    for (;;) {
        size_t before = arena_stats(sh->arena).used;
        sh->backing->refused = 0;
        void *p;
        if (kind == K_ALLOC)
            p = arena_alloc_aligned(sh->arena, size, align);
        else if (kind == K_CALLOC)
            p = arena_calloc(sh->arena, count, size);
        else
            p = arena_strndup(sh->arena, text, textlen);
        if (p != NULL) {
            size_t after = arena_stats(sh->arena).used;
            size_t pad = after - before - total;
            if (record(sh, name ? name->s : NULL, name ? name->len : 0, p, total, align, pad)
                != 0) {
                shell_error(sh, "out of memory for the shell's own bookkeeping");
                return SHELL_ERROR;
            }
            print_alloc(sh, &sh->allocs[sh->nallocs - 1]);
            return SHELL_OK;
        }
        char h[32], what[64];
        human(total, h, sizeof h);
        snprintf(what, sizeof what, "a new block for %s", h);
        int refused = sh->backing->refused;
        if (refused != 0 || !sh->fixed) {
            explain_enomem(sh, refused, what);
            return SHELL_ERROR;
        }
        arena_stats_t s = arena_stats(sh->arena);
        char av[32];
        human(s.available, av, sizeof av);
        shell_error(sh,
                    "the arena is full: %s (align %zu) requested, %s free in the current "
                    "block; a fixed arena grows only with 'extend'",
                    h, align, av);
        if (sh->ask == NULL)
            return SHELL_ERROR;
        size_t need = total + (align > ARENA_DEFAULT_ALIGNMENT ? align : 0);
        int r = offer_more_memory(sh, need);
        if (r == ASK_QUIT)
            return SHELL_QUIT;
        if (r == ASK_CANCEL)
            return SHELL_ERROR;
    }
}

/* Parses "as NAME" at a[i]; 0 ok (with *i advanced), -1 error. */
static int parse_as(shell_t *sh, const command_t *c, const args_t *a, size_t *i, shell_tok_t **name,
                    shell_tok_t *store)
{
    if (*i >= a->n || !shell_tok_eq(a->t[*i], "as"))
        return 0;
    if (*i + 1 >= a->n) {
        missing(sh, c, "NAME after 'as'");
        return -1;
    }
    *store = a->t[*i + 1];
    char q[QUOTE_CAP];
    shell_quote(store->s, store->len, q, sizeof q);
    if (!valid_name(*store)) {
        shell_error(sh,
                    "name '%s' is not valid (a letter or _, then letters, digits, _ - or .; "
                    "at most %d characters)",
                    q, NAME_MAX_LEN);
        return -1;
    }
    if (find_alloc(sh, *store) >= 0) {
        shell_error(sh, "name '%s' is taken by a live allocation", q);
        return -1;
    }
    *name = store;
    *i += 2;
    return 0;
}

/* ---- the commands ---------------------------------------------------------- */

static int cmd_new(shell_t *sh, const command_t *c, const args_t *a)
{
    if (a->n < 1)
        return missing(sh, c, "SIZE");
    size_t size, max = 0;
    int mode = -1; /* 0 grow, 1 fixed */
    if (get_size(sh, a->t[0], "size", &size) != 0)
        return SHELL_ERROR;
    bool have_max = false;
    for (size_t i = 1; i < a->n; i++) {
        shell_tok_t t = a->t[i];
        if (shell_tok_eq(t, "fixed") || shell_tok_eq(t, "grow")) {
            int m = shell_tok_eq(t, "fixed");
            if (mode >= 0) {
                shell_error(sh, "give one of fixed or grow, once (usage: %s)", c->usage);
                return SHELL_ERROR;
            }
            mode = m;
        } else if (shell_tok_eq(t, "max")) {
            if (have_max) {
                shell_error(sh, "max given twice (usage: %s)", c->usage);
                return SHELL_ERROR;
            }
            if (i + 1 >= a->n)
                return missing(sh, c, "SIZE after 'max'");
            if (get_size(sh, a->t[++i], "max", &max) != 0)
                return SHELL_ERROR;
            if (max == 0) {
                shell_error(sh, "max must be at least 1 byte (leave it out for no cap)");
                return SHELL_ERROR;
            }
            have_max = true;
        } else {
            char q[QUOTE_CAP];
            shell_quote(t.s, t.len, q, sizeof q);
            shell_error(sh, "unknown option '%s' (expected fixed, grow or max SIZE)", q);
            return SHELL_ERROR;
        }
    }
    arena_options_t o;
    memset(&o, 0, sizeof o);
    o.block_size = size;
    o.max_size = max;
    o.flags = mode == 1 ? ARENA_FIXED : 0;
    shell_backing_t *b = NULL;
    int refused;
    arena_t *ar = shell_create_arena(sh, &o, &b, &refused);
    if (ar == NULL) {
        char h[32], what[64];
        human(size ? size : ARENA_DEFAULT_BLOCK_SIZE, h, sizeof h);
        snprintf(what, sizeof what, "a first block of %s", h);
        if (refused != 0) {
            explain_enomem(sh, refused, what);
        } else if (max != 0) {
            char m[32];
            human(max, m, sizeof m);
            shell_error(sh, "%s does not fit under max %s (bookkeeping included)", what, m);
        } else {
            shell_error(sh, "%s is more than an arena can hold", what);
        }
        return SHELL_ERROR;
    }
    size_t ended = sh->nallocs;
    bool had = sh->arena != NULL;
    shell_drop_arena(sh);
    sh->arena = ar;
    sh->backing = b;
    sh->fixed = mode == 1;
    sh->max_size = max;
    sh->next_auto = 1;
    sh->next_mark = 1;
    arena_block_info_t info;
    arena_blocks(ar, &info, 1);
    sh->first_size = info.size;
    if (had)
        fprintf(sh->out, "the old arena is destroyed (%zu allocation%s ended)\n", ended,
                ended == 1 ? "" : "s");
    char h[32];
    human(info.size, h, sizeof h);
    fprintf(sh->out, "new arena: first block %zu bytes (%s), %s", info.size, h,
            sh->fixed ? "fixed" : "grows as needed");
    if (max != 0) {
        human(max, h, sizeof h);
        fprintf(sh->out, ", max %s", h);
    }
    fputc('\n', sh->out);
    return SHELL_OK;
}

static int cmd_alloc(shell_t *sh, const command_t *c, const args_t *a)
{
    if (a->n < 1)
        return missing(sh, c, "SIZE");
    size_t size, align = ARENA_DEFAULT_ALIGNMENT;
    if (get_size(sh, a->t[0], "size", &size) != 0)
        return SHELL_ERROR;
    size_t i = 1;
    if (i < a->n && !shell_tok_eq(a->t[i], "as")) {
        if (get_align(sh, a->t[i], &align) != 0)
            return SHELL_ERROR;
        i++;
    }
    shell_tok_t *name = NULL, store;
    if (parse_as(sh, c, a, &i, &name, &store) != 0)
        return SHELL_ERROR;
    if (i < a->n)
        return extra(sh, c, a->t[i]);
    return do_allocation(sh, K_ALLOC, 1, size, align, NULL, 0, name);
}

static int cmd_calloc(shell_t *sh, const command_t *c, const args_t *a)
{
    if (a->n < 1)
        return missing(sh, c, "COUNT");
    if (a->n < 2)
        return missing(sh, c, "SIZE");
    size_t count, size;
    if (get_size(sh, a->t[0], "count", &count) != 0 || get_size(sh, a->t[1], "size", &size) != 0)
        return SHELL_ERROR;
    size_t i = 2;
    shell_tok_t *name = NULL, store;
    if (parse_as(sh, c, a, &i, &name, &store) != 0)
        return SHELL_ERROR;
    if (i < a->n)
        return extra(sh, c, a->t[i]);
    return do_allocation(sh, K_CALLOC, count, size, ARENA_DEFAULT_ALIGNMENT, NULL, 0, name);
}

static int cmd_str(shell_t *sh, const command_t *c, const args_t *a)
{
    if (a->restlen == 0)
        return missing(sh, c, "TEXT");
    return do_allocation(sh, K_STR, 1, 0, 1, a->rest, a->restlen, NULL);
}

static int cmd_fill(shell_t *sh, const command_t *c, const args_t *a)
{
    if (a->n < 1)
        return missing(sh, c, "NAME");
    if (a->n < 2)
        return missing(sh, c, "BYTE");
    if (a->n > 2)
        return extra(sh, c, a->t[2]);
    shell_tok_t bt = a->t[1];
    size_t byte;
    if (bt.len == 3 && bt.s[0] == '\'' && bt.s[2] == '\'') {
        byte = (unsigned char)bt.s[1];
    } else {
        if (get_size(sh, bt, "byte", &byte) != 0)
            return SHELL_ERROR;
        if (byte > 255) {
            shell_error(sh, "byte %zu is not in 0..255", byte);
            return SHELL_ERROR;
        }
    }
    long i = lookup_alloc(sh, a->t[0]);
    if (i < 0)
        return SHELL_ERROR;
    shell_alloc_t *al = &sh->allocs[i];
    memset(al->ptr, (int)byte, al->size);
    fprintf(sh->out, "filled %s (%zu byte%s) with 0x%02zx\n", al->name, al->size,
            al->size == 1 ? "" : "s", byte);
    return SHELL_OK;
}

static void dump_line(shell_t *sh, size_t off, const unsigned char *p, size_t n)
{
    fprintf(sh->out, "  %08zx ", off);
    for (size_t j = 0; j < 16; j++) {
        if (j == 8)
            fputc(' ', sh->out);
        if (j < n)
            fprintf(sh->out, " %02x", p[j]);
        else
            fputs("   ", sh->out);
    }
    fputs("  |", sh->out);
    for (size_t j = 0; j < n; j++)
        fputc(p[j] >= 0x20 && p[j] < 0x7f ? p[j] : '.', sh->out);
    fputs("|\n", sh->out);
}

static int cmd_show(shell_t *sh, const command_t *c, const args_t *a)
{
    if (a->n < 1)
        return missing(sh, c, "NAME");
    if (a->n > 1)
        return extra(sh, c, a->t[1]);
    long i = lookup_alloc(sh, a->t[0]);
    if (i < 0)
        return SHELL_ERROR;
    const shell_alloc_t *al = &sh->allocs[i];
    print_alloc(sh, al);
    const unsigned char *p = al->ptr;
    bool starred = false;
    for (size_t off = 0; off < al->size; off += 16) {
        size_t n = al->size - off < 16 ? al->size - off : 16;
        if (off > 0 && n == 16 && memcmp(p + off, p + off - 16, 16) == 0) {
            if (!starred)
                fputs("  *\n", sh->out);
            starred = true;
            continue;
        }
        starred = false;
        dump_line(sh, off, p + off, n);
    }
    if (al->size > 0)
        fprintf(sh->out, "  %08zx\n", al->size);
    return SHELL_OK;
}

static int cmd_extend(shell_t *sh, const command_t *c, const args_t *a)
{
    if (a->n < 1)
        return missing(sh, c, "SIZE");
    if (a->n > 1)
        return extra(sh, c, a->t[1]);
    size_t size;
    if (get_size(sh, a->t[0], "size", &size) != 0)
        return SHELL_ERROR;
    return do_extend(sh, size) == 0 ? SHELL_OK : SHELL_ERROR;
}

static int cmd_save(shell_t *sh, const command_t *c, const args_t *a)
{
    if (a->n > 0)
        return extra(sh, c, a->t[0]);
    if (sh->nmarks == sh->cap_marks) {
        size_t cap = sh->cap_marks ? sh->cap_marks * 2 : 8;
        shell_mark_t *n = realloc(sh->marks, cap * sizeof *n);
        if (n == NULL) {
            shell_error(sh, "out of memory for the shell's own bookkeeping");
            return SHELL_ERROR;
        }
        sh->marks = n;
        sh->cap_marks = cap;
    }
    shell_mark_t *m = &sh->marks[sh->nmarks++];
    m->number = sh->next_mark++;
    m->mark = arena_save(sh->arena);
    m->nallocs = sh->nallocs;
    fprintf(sh->out, "mark %lu (used %zu bytes, %zu live allocation%s)\n", m->number,
            arena_stats(sh->arena).used, sh->nallocs, sh->nallocs == 1 ? "" : "s");
    return SHELL_OK;
}

static int cmd_restore(shell_t *sh, const command_t *c, const args_t *a)
{
    if (a->n > 1)
        return extra(sh, c, a->t[1]);
    if (sh->nmarks == 0) {
        shell_error(sh, "no mark to restore (take one with 'save')");
        return SHELL_ERROR;
    }
    size_t k = sh->nmarks - 1;
    if (a->n == 1) {
        shell_tok_t t = a->t[0];
        if (t.len > 0 && t.s[0] == '#') {
            t.s++;
            t.len--;
        }
        size_t num;
        if (get_size(sh, t, "mark", &num) != 0)
            return SHELL_ERROR;
        bool found = false;
        for (k = 0; k < sh->nmarks; k++) {
            if (sh->marks[k].number == num) {
                found = true;
                break;
            }
        }
        if (!found) {
            if (num > 0 && num < sh->next_mark)
                shell_error(sh,
                            "mark %zu is no longer valid (a restore to an older mark or a "
                            "reset ended it)",
                            num);
            else
                shell_error(sh, "no mark %zu", num);
            return SHELL_ERROR;
        }
    }
    shell_mark_t m = sh->marks[k];
    size_t ended = sh->nallocs - m.nallocs;
    arena_restore(sh->arena, m.mark);
    drop_allocs_from(sh, m.nallocs);
    sh->nmarks = k + 1; /* marks saved after it are gone; it stays valid */
    fprintf(sh->out, "restored mark %lu: %zu allocation%s ended, used %zu bytes\n", m.number, ended,
            ended == 1 ? "" : "s", arena_stats(sh->arena).used);
    return SHELL_OK;
}

static int cmd_reset(shell_t *sh, const command_t *c, const args_t *a)
{
    if (a->n > 0)
        return extra(sh, c, a->t[0]);
    do_reset(sh);
    return SHELL_OK;
}

static int cmd_trim(shell_t *sh, const command_t *c, const args_t *a)
{
    if (a->n > 0)
        return extra(sh, c, a->t[0]);
    arena_stats_t before = arena_stats(sh->arena);
    arena_trim(sh->arena);
    arena_stats_t after = arena_stats(sh->arena);
    size_t n = before.blocks - after.blocks;
    fprintf(sh->out, "trim: gave back %zu spare block%s (%zu bytes)\n", n, n == 1 ? "" : "s",
            before.capacity - after.capacity);
    return SHELL_OK;
}

static int cmd_stats(shell_t *sh, const command_t *c, const args_t *a)
{
    if (a->n > 0)
        return extra(sh, c, a->t[0]);
    shell_stats(sh);
    return SHELL_OK;
}

static int cmd_map(shell_t *sh, const command_t *c, const args_t *a)
{
    if (a->n > 0)
        return extra(sh, c, a->t[0]);
    shell_map(sh);
    return SHELL_OK;
}

static int cmd_list(shell_t *sh, const command_t *c, const args_t *a)
{
    if (a->n > 0)
        return extra(sh, c, a->t[0]);
    if (sh->nallocs == 0) {
        fprintf(sh->out, "no live allocations\n");
        return SHELL_OK;
    }
    fprintf(sh->out, "%-10s %-18s %10s %6s %7s %5s\n", "name", "address", "size", "align",
            "padding", "block");
    for (size_t i = 0; i < sh->nallocs; i++) {
        const shell_alloc_t *al = &sh->allocs[i];
        char addr[64];
        shell_addr(sh, al->ptr, addr, sizeof addr);
        fprintf(sh->out, "%-10s %-18s %10zu %6zu %7zu %5ld\n", al->name, addr, al->size, al->align,
                al->pad, shell_block_of(sh, al->ptr));
    }
    return SHELL_OK;
}

static int cmd_help(shell_t *sh, const command_t *c, const args_t *a);

static int cmd_quit(shell_t *sh, const command_t *c, const args_t *a)
{
    if (a->n > 0)
        return extra(sh, c, a->t[0]);
    return SHELL_QUIT;
}

static const command_t commands[] = {
    {"new", "n", cmd_new, false, "new SIZE [fixed|grow] [max SIZE]",
     "create an arena (replacing the current one)",
     "Creates an arena whose first block holds SIZE bytes (0: the library's default, 64 KiB)\n"
     "and makes it the current one; the old arena and all its allocations end.\n"
     "  fixed     the arena never adds a block by itself: when it is full, allocation\n"
     "            fails until you 'extend' it (or reset/restore)\n"
     "  grow      (default) the arena adds blocks as needed, doubling their size\n"
     "  max SIZE  cap on the memory the arena takes, its bookkeeping included",
     "new 4K fixed"},
    {"alloc", "a", cmd_alloc, true, "alloc SIZE [ALIGN] [as NAME]",
     "allocate SIZE bytes (aligned to ALIGN, a power of two)",
     "Allocates SIZE bytes aligned to ALIGN (default: like malloc, 16 on most machines).\n"
     "Prints the address, the alignment padding the arena skipped, and the block.\n"
     "Unnamed allocations are called #1, #2, ...",
     "alloc 100 64 as buf"},
    {"calloc", "c", cmd_calloc, true, "calloc COUNT SIZE [as NAME]",
     "allocate COUNT*SIZE zeroed bytes",
     "Allocates COUNT elements of SIZE bytes, zeroed, at the default alignment.\n"
     "Fails cleanly when COUNT*SIZE overflows.",
     "calloc 10 8"},
    {"str", "s", cmd_str, true, "str TEXT", "copy TEXT (the rest of the line) into the arena",
     "Copies TEXT, everything after 'str ', with a terminating NUL (arena_strdup).\n"
     "Strings need no alignment: no padding is skipped.",
     "str hello, arena"},
    {"fill", "f", cmd_fill, true, "fill NAME BYTE", "write BYTE into every byte of NAME",
     "Sets every byte of the allocation NAME to BYTE (0..255, 0x41 or 'A').", "fill buf 0x41"},
    {"show", NULL, cmd_show, true, "show NAME", "hex dump of an allocation",
     "Dumps the bytes of the allocation NAME (like hexdump -C; '*' stands for\n"
     "lines equal to the one above).",
     "show buf"},
    {"extend", "e", cmd_extend, true, "extend SIZE", "add a block of SIZE bytes (more memory)",
     "Adds a block of at least SIZE bytes that the arena moves to when the current block\n"
     "is full: the way a fixed arena gets more memory.  Earlier allocations stay put.",
     "extend 8K"},
    {"save", NULL, cmd_save, true, "save", "remember the current position as a numbered mark",
     "Saves the arena's position and prints its number; 'restore' goes back to it.\n"
     "Marks nest: restoring a mark forgets the marks saved after it.",
     "save"},
    {"restore", NULL, cmd_restore, true, "restore [MARK]",
     "end every allocation made since MARK (default: the latest)",
     "Rewinds the arena to MARK: the allocations made since then end, blocks added since\n"
     "then are kept as spares, and the next allocation lands where the first one after\n"
     "the mark did.  The mark stays valid; later marks do not.",
     "restore 1"},
    {"reset", NULL, cmd_reset, true, "reset", "end every allocation, keep the blocks",
     "Ends every allocation and forgets every mark; all blocks are kept for reuse.", "reset"},
    {"trim", NULL, cmd_trim, true, "trim", "give spare blocks back to the system",
     "Frees the arena's spare blocks (those kept by reset, restore or extend).", "trim"},
    {"stats", NULL, cmd_stats, true, "stats", "the arena's counters",
     "Prints used, peak, capacity, blocks, free space and memory taken from the system.", "stats"},
    {"list", "l", cmd_list, true, "list",
     "live allocations: address, size, alignment, padding, block",
     "Lists the allocations that are still live, oldest first.", "list"},
    {"map", "m", cmd_map, true, "map", "draw the blocks: data, padding, free space",
     "Draws one bar per block, scaled to the terminal width:\n"
     "  #  data handed out     +  alignment padding     .  free\n"
     "  ~  left behind: the free end of a full block, unused until a reset or restore\n"
     "Colours are used on a terminal unless NO_COLOR is set.",
     "map"},
    {"help", "?", cmd_help, false, "help [COMMAND]", "list the commands, or explain one",
     "Without an argument, lists every command; 'help CMD' explains CMD with an example.",
     "help alloc"},
    {"quit", "q", cmd_quit, false, "quit", "destroy the arena and leave (also: exit, Ctrl-D)",
     "Destroys the arena and ends the session.", "quit"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

const char *const shell_command_names[] = {"new",    "alloc", "calloc",  "str",   "fill", "show",
                                           "extend", "save",  "restore", "reset", "trim", "stats",
                                           "list",   "map",   "help",    "quit",  "exit", NULL};

/* Finds a command by name, alias, or unique prefix; NULL after a message. */
static const command_t *find_command(shell_t *sh, shell_tok_t w)
{
    char q[QUOTE_CAP];
    if (shell_tok_eq(w, "exit"))
        w.s = "quit", w.len = 4;
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (shell_tok_eq(w, commands[i].name)
            || (commands[i].alias != NULL && shell_tok_eq(w, commands[i].alias)))
            return &commands[i];
    const command_t *hit = NULL;
    size_t nhits = 0;
    char names[200] = "";
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (w.len < strlen(commands[i].name) && memcmp(commands[i].name, w.s, w.len) == 0) {
            hit = &commands[i];
            if (nhits++ > 0)
                strcat(names, ", ");
            strcat(names, commands[i].name);
        }
    }
    if (nhits == 1)
        return hit;
    shell_quote(w.s, w.len, q, sizeof q);
    if (nhits > 1)
        shell_error(sh, "ambiguous command '%s' (%s)", q, names);
    else
        shell_error(sh, "unknown command '%s' (try 'help')", q);
    return NULL;
}

static int cmd_help(shell_t *sh, const command_t *c, const args_t *a)
{
    if (a->n > 1)
        return extra(sh, c, a->t[1]);
    if (a->n == 1) {
        const char *saved = sh->cmd;
        const command_t *h = find_command(sh, a->t[0]);
        sh->cmd = saved;
        if (h == NULL)
            return SHELL_ERROR;
        fprintf(sh->out, "usage: %s\n%s\nexample: %s\n", h->usage, h->help, h->example);
        if (h->alias != NULL)
            fprintf(sh->out, "short form: %s\n", h->alias);
        return SHELL_OK;
    }
    fprintf(sh->out, "commands (a unique prefix is enough; 'help CMD' explains one):\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(sh->out, "  %-34s %s\n", commands[i].usage, commands[i].summary);
    fprintf(sh->out, "sizes: 4096, 0x1000, 4K, 4KiB, 1.5M, 2G (K, M, G, T are powers of 1024)\n");
    return SHELL_OK;
}

/* ---- one line ---------------------------------------------------------------- */

int shell_exec(shell_t *sh, const char *line, size_t len)
{
    sh->cmd = NULL;
    if (memchr(line, '\0', len) != NULL) {
        shell_error(sh, "the line contains a NUL byte");
        return SHELL_ERROR;
    }
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    size_t i = 0;
    while (i < len && is_space(line[i]))
        i++;
    if (i == len || line[i] == '#')
        return SHELL_OK;
    shell_tok_t word = {line + i, 0};
    while (i < len && !is_space(line[i]))
        i++;
    word.len = (size_t)(line + i - word.s);
    const command_t *c = find_command(sh, word);
    if (c == NULL)
        return SHELL_ERROR;
    args_t a;
    memset(&a, 0, sizeof a);
    while (i < len && is_space(line[i]))
        i++;
    a.rest = line + i;
    a.restlen = len - i;
    while (i < len) {
        size_t s = i;
        while (i < len && !is_space(line[i]))
            i++;
        if (a.n == MAX_TOKS) {
            a.too_many = true;
            break;
        }
        a.t[a.n].s = line + s;
        a.t[a.n].len = i - s;
        a.n++;
        while (i < len && is_space(line[i]))
            i++;
    }
    sh->cmd = c->name;
    if (a.too_many && c->fn != cmd_str) {
        shell_error(sh, "too many arguments (usage: %s)", c->usage);
        sh->cmd = NULL;
        return SHELL_ERROR;
    }
    int r;
    if (c->needs_arena && sh->arena == NULL) {
        shell_error(sh, "no arena yet: create one with 'new SIZE' (for example: new 4K fixed)");
        r = SHELL_ERROR;
    } else {
        r = c->fn(sh, c, &a);
    }
    sh->cmd = NULL;
    return r;
}
