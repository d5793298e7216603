/*
 * view.c -- the executors that only look: show (a hex dump), list, map
 * (the arena drawn as one bar per block), stats (its counters), report (the
 * library's report of the whole tree, the current arena marked) and help
 * (the command table, handed over by the dispatcher).
 *
 * The library does not track padding per block; the shell knows the
 * padding of each of its allocations and which block holds it, so it
 * attributes padding to blocks itself.  The report's `used` counts padding
 * as used, and says so: the inline path does not record it.
 */
#define _GNU_SOURCE
#include "command.h"
#include "state.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

enum { C_DATA, C_PAD, C_FREE, C_TAIL, C_N };

static const char cell_char[C_N] = {'#', '+', '.', '~'};
static const char *const cell_color[C_N] = {"\033[32m", "\033[33m", "\033[2m", "\033[31m"};

static int terminal_columns(const shell_t *sh)
{
    int cols = sh->columns;
    if (cols <= 0) {
        struct winsize ws;
        int fd = fileno(sh->out);
        if (fd >= 0 && isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
            cols = ws.ws_col;
    }
    if (cols <= 0) {
        const char *e = getenv("COLUMNS");
        if (e != NULL) {
            char *end;
            long v = strtol(e, &end, 10);
            if (end != e && *end == '\0' && v > 0 && v < 10000)
                cols = (int)v;
        }
    }
    if (cols <= 0)
        cols = 80;
    if (cols < 40)
        cols = 40;
    if (cols > 400)
        cols = 400;
    return cols;
}

/* Splits `width` cells among counts[] (summing to total), every non-zero
 * count getting at least one cell when the width allows. */
static void split_cells(const size_t counts[C_N], size_t total, int width, int cells[C_N])
{
    int sum = 0, biggest = 0;
    for (int k = 0; k < C_N; k++) {
        cells[k] = total ? (int)((double)counts[k] * width / (double)total) : 0;
        if (counts[k] > 0 && cells[k] == 0)
            cells[k] = 1;
        sum += cells[k];
        if (counts[k] > counts[biggest])
            biggest = k;
    }
    if (total == 0) {
        cells[C_FREE] = width;
        return;
    }
    cells[biggest] += width - sum;
    while (cells[biggest] < 1) { /* tiny widths: take from the others */
        for (int k = 0; k < C_N && cells[biggest] < 1; k++)
            if (k != biggest && cells[k] > 1) {
                cells[k]--;
                cells[biggest]++;
            }
        break;
    }
}

static const char *state_name(int state)
{
    return state == ARENA_BLOCK_CURRENT ? "current" : state == ARENA_BLOCK_FULL ? "full" : "spare";
}

int shell_run_map(shell_t *sh, const shell_call_t *c)
{
    (void)c;
    FILE *o = sh->out;
    const shell_arena_t *cur = sh->cur;
    size_t n = arena_blocks(cur->arena, NULL, 0);
    arena_block_info_t *info = calloc(n ? n : 1, sizeof *info);
    size_t *pad = calloc(n ? n : 1, sizeof *pad);
    if (info == NULL || pad == NULL) {
        free(info);
        free(pad);
        shell_error(sh, "out of memory for the map");
        return SHELL_ERROR;
    }
    n = arena_blocks(cur->arena, info, n);
    for (size_t i = 0; i < cur->nchain; i++) /* the shell's chain is the arena's */
        assert(i < n && (uintptr_t)info[i].start == cur->chain[i].start);
    /* Padding per block, from the allocations: one pass. */
    for (size_t i = 0; i < cur->nallocs; i++)
        if (cur->allocs[i].block < n)
            pad[cur->allocs[i].block] += cur->allocs[i].pad;
    int cols = terminal_columns(sh);
    char h[32];
    size_t sum[C_N] = {0, 0, 0, 0}, capacity = 0;
    fprintf(o, "%s arena, %zu block%s:\n", cur->fixed ? "fixed" : "growing", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        size_t counts[C_N] = {0, 0, 0, 0};
        if (info[i].state != ARENA_BLOCK_SPARE) {
            size_t padded = pad[i] < info[i].used ? pad[i] : info[i].used;
            counts[C_DATA] = info[i].used - padded;
            counts[C_PAD] = padded;
        }
        size_t rest = info[i].size - info[i].used;
        counts[info[i].state == ARENA_BLOCK_FULL ? C_TAIL : C_FREE] = rest;
        char label[48];
        int llen = snprintf(label, sizeof label, "b%-2zu %-7s ", i, state_name(info[i].state));
        int width = cols - llen - 2 - 11;
        if (width < 10)
            width = 10;
        int cells[C_N];
        split_cells(counts, info[i].size, width, cells);
        fputs(label, o);
        fputc('[', o);
        for (int k = 0; k < C_N; k++) {
            if (cells[k] <= 0)
                continue;
            if (sh->color)
                fputs(cell_color[k], o);
            for (int j = 0; j < cells[k]; j++)
                fputc(cell_char[k], o);
            if (sh->color)
                fputs("\033[0m", o);
        }
        shell_human(info[i].size, h, sizeof h);
        fprintf(o, "] %10s\n", h);
        for (int k = 0; k < C_N; k++)
            sum[k] += counts[k];
        capacity += info[i].size;
    }
    free(info);
    free(pad);
    char d[32], p[32], f[32], t[32], cap[32];
    shell_human(sum[C_DATA], d, sizeof d);
    shell_human(sum[C_PAD], p, sizeof p);
    shell_human(sum[C_FREE], f, sizeof f);
    shell_human(sum[C_TAIL], t, sizeof t);
    shell_human(capacity, cap, sizeof cap);
    for (int k = 0; k < C_N; k++) {
        static const char *const what[C_N] = {"data", "padding", "free", "left behind"};
        if (sh->color)
            fprintf(o, "%s%s%c\033[0m %s", k ? "  " : "", cell_color[k], cell_char[k], what[k]);
        else
            fprintf(o, "%s%c %s", k ? "  " : "", cell_char[k], what[k]);
    }
    fputc('\n', o);
    fprintf(o, "total: %s data + %s padding in %s; %s free, %s left behind\n", d, p, cap, f, t);
    return SHELL_OK;
}

int shell_run_stats(shell_t *sh, const shell_call_t *c)
{
    (void)c;
    FILE *o = sh->out;
    const shell_arena_t *cur = sh->cur;
    arena_stats_t s = arena_stats(cur->arena);
    char h[32];
    size_t pad = 0;
    for (size_t i = 0; i < cur->nallocs; i++)
        pad += cur->allocs[i].pad;
    fprintf(o, "kind       %s", cur->fixed ? "fixed" : "grows as needed");
    if (s.max_size != 0) {
        shell_human(s.max_size, h, sizeof h);
        fprintf(o, ", max %s", h);
    }
    fputc('\n', o);
    shell_human(s.used, h, sizeof h);
    fprintf(o, "used       %zu bytes (%s): %zu live allocation%s, %zu bytes of padding\n", s.used,
            h, cur->nallocs, cur->nallocs == 1 ? "" : "s", pad);
    shell_human(s.peak, h, sizeof h);
    fprintf(o, "peak       %zu bytes (%s)\n", s.peak, h);
    shell_human(s.capacity, h, sizeof h);
    fprintf(o, "capacity   %zu bytes (%s) in %zu block%s\n", s.capacity, h, s.blocks,
            s.blocks == 1 ? "" : "s");
    shell_human(s.available, h, sizeof h);
    fprintf(o, "available  %zu bytes (%s) in the current block\n", s.available, h);
    shell_human(s.backing, h, sizeof h);
    fprintf(o, "backing    %zu bytes (%s) from the system, bookkeeping included\n", s.backing, h);
    if (cur->nmarks > 0)
        fprintf(o, "marks      %zu (latest: mark %lu)\n", cur->nmarks,
                cur->marks[cur->nmarks - 1].number);
    else
        fprintf(o, "marks      none\n");
    size_t kids = shell_tree_children(sh, cur);
    if (cur->parent != NULL || kids > 0 || cur->pending > 0) {
        if (cur->parent != NULL)
            fprintf(o, "lifetime   '%s', a child of '%s'", cur->name, cur->parent->name);
        else
            fprintf(o, "lifetime   '%s', the top arena", cur->name);
        fprintf(o, "; %zu child%s, %zu cleanup%s pending (their records count as used)\n", kids,
                kids == 1 ? "" : "ren", cur->pending, cur->pending == 1 ? "" : "s");
    }
    return SHELL_OK;
}

/* One line of arena_report: "  NAME: used ...", marked when it is the
 * current arena's (names are unique in the tree and hold no ':'). */
static void report_line(const char *line, void *arg)
{
    shell_t *sh = arg;
    const char *name = line + strspn(line, " ");
    size_t len = strcspn(name, ":");
    bool here = strlen(sh->cur->name) == len && memcmp(name, sh->cur->name, len) == 0;
    fprintf(sh->out, "%c %s\n", here ? '*' : ' ', line);
}

int shell_run_report(shell_t *sh, const shell_call_t *c)
{
    (void)c;
    arena_report(sh->arenas[0]->arena, report_line, sh);
    fprintf(sh->out, "(*: the current arena.  'used' includes alignment padding, which the arena\n"
                     "does not record: that would slow every allocation.  'stats' shows the\n"
                     "padding of the current arena.)\n");
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

int shell_run_show(shell_t *sh, const shell_call_t *c)
{
    long i = shell_lookup_alloc(sh, c->arg[0]);
    if (i < 0)
        return SHELL_ERROR;
    const shell_alloc_t *al = &sh->cur->allocs[i];
    shell_print_alloc(sh, al);
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

int shell_run_list(shell_t *sh, const shell_call_t *c)
{
    (void)c;
    const shell_arena_t *cur = sh->cur;
    if (cur->nallocs == 0) {
        fprintf(sh->out, "no live allocations\n");
        return SHELL_OK;
    }
    fprintf(sh->out, "%-10s %-18s %10s %6s %7s %5s\n", "name", "address", "size", "align",
            "padding", "block");
    for (size_t i = 0; i < cur->nallocs; i++) {
        const shell_alloc_t *al = &cur->allocs[i];
        char addr[64];
        shell_addr(sh, al->ptr, al->block, addr, sizeof addr);
        fprintf(sh->out, "%-10s %-18s %10zu %6zu %7zu %5zu\n", al->name, addr, al->size, al->align,
                al->pad, al->block);
    }
    return SHELL_OK;
}

/* "alloc SIZE [ALIGN] [as NAME]" */
static int usage_of(const shell_cmd_t *cmd, char *buf, size_t cap)
{
    return snprintf(buf, cap, "%s%s%s", cmd->name, cmd->args[0] ? " " : "", cmd->args);
}

int shell_run_help(shell_t *sh, const shell_call_t *c)
{
    const shell_cmd_t *h = c->topic;
    char usage[96];
    if (h != NULL) {
        usage_of(h, usage, sizeof usage);
        fprintf(sh->out, "usage: %s\n%s\nexample: %s\n", usage, h->help, h->example);
        if (h->alias != NULL)
            fprintf(sh->out, "short form: %s\n", h->alias);
        return SHELL_OK;
    }
    fprintf(sh->out, "commands (a unique prefix is enough; 'help CMD' explains one):\n");
    for (size_t i = 0; i < c->ntable; i++) {
        /* a long usage has its summary on the next line */
        if (usage_of(&c->table[i], usage, sizeof usage) > 34)
            fprintf(sh->out, "  %s\n  %-34s %s\n", usage, "", c->table[i].summary);
        else
            fprintf(sh->out, "  %-34s %s\n", usage, c->table[i].summary);
    }
    fprintf(sh->out, "sizes: 4096, 0x1000, 4K, 4KiB, 1.5M, 2G (K, M, G, T are powers of 1024)\n");
    return SHELL_OK;
}
