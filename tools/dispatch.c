/*
 * dispatch.c -- one command line: words, the command's row, the checks the
 * row asks for, then its executor.  Also the words Tab completes.
 *
 * Everything here is driven by the table (commands.c): a command is found
 * by its name, short form or synonym, or by a unique prefix of its name;
 * the row's argument counts give "missing X" (X read from the row's usage
 * words) and "extra argument"; its flags say whether an arena must exist,
 * whether the argument is the rest of the line, and whether it names a
 * command (help).  Executors therefore start with their arguments already
 * counted.  After every command, the arenas the library ended during it
 * (children with their parent) are forgotten.
 */
#include "command.h"
#include "state.h"
#include "tree.h"

#include <string.h>

#define QUOTE_CAP 200

static bool names(const shell_cmd_t *c, shell_tok_t w)
{
    return shell_tok_eq(w, c->name) || (c->alias != NULL && shell_tok_eq(w, c->alias))
           || (c->synonym != NULL && shell_tok_eq(w, c->synonym));
}

/* The command named w (a name, short form, synonym, or a unique prefix of a
 * name); NULL after a message. */
static const shell_cmd_t *find_command(shell_t *sh, shell_tok_t w)
{
    for (size_t i = 0; i < shell_ncommands; i++)
        if (names(&shell_commands[i], w))
            return &shell_commands[i];
    const shell_cmd_t *hit = NULL;
    size_t nhits = 0;
    char list[200] = "";
    for (size_t i = 0; i < shell_ncommands; i++) {
        const char *n = shell_commands[i].name;
        if (w.len < strlen(n) && memcmp(n, w.s, w.len) == 0) {
            hit = &shell_commands[i];
            if (nhits++ > 0)
                strcat(list, ", ");
            strcat(list, n);
        }
    }
    if (nhits == 1)
        return hit;
    char q[QUOTE_CAP];
    shell_quote(w.s, w.len, q, sizeof q);
    if (nhits > 1)
        shell_error(sh, "ambiguous command '%s' (%s)", q, list);
    else
        shell_error(sh, "unknown command '%s' (try 'help')", q);
    return NULL;
}

/* The k-th word of the row's usage, e.g. "SIZE", for "missing SIZE". */
static void usage_word(const shell_cmd_t *c, size_t k, char *buf, size_t cap)
{
    const char *s = c->args;
    for (;;) {
        while (*s == ' ')
            s++;
        size_t len = strcspn(s, " ");
        if (k-- == 0 || len == 0) {
            snprintf(buf, cap, "%.*s", (int)len, s);
            return;
        }
        s += len;
    }
}

/* Splits the words after the command into c->arg; false when there are
 * more than SHELL_MAX_ARGS. */
static bool split(const char *line, size_t len, size_t i, shell_call_t *c)
{
    while (i < len && shell_is_space(line[i]))
        i++;
    c->rest.s = line + i;
    c->rest.len = len - i;
    while (i < len) {
        size_t s = i;
        while (i < len && !shell_is_space(line[i]))
            i++;
        if (c->n == SHELL_MAX_ARGS)
            return false;
        c->arg[c->n].s = line + s;
        c->arg[c->n].len = i - s;
        c->n++;
        while (i < len && shell_is_space(line[i]))
            i++;
    }
    return true;
}

/* The checks the row asks for; SHELL_OK or SHELL_ERROR after a message. */
static int check(shell_t *sh, shell_call_t *c, bool fits)
{
    const shell_cmd_t *cmd = c->cmd;
    bool rest = (cmd->flags & SHELL_CMD_REST) != 0;
    if (!fits && !rest) {
        shell_error(sh, "too many arguments (usage: %s%s%s)", cmd->name, cmd->args[0] ? " " : "",
                    cmd->args);
        return SHELL_ERROR;
    }
    if (c->n < cmd->min_args) {
        char what[64];
        usage_word(cmd, c->n, what, sizeof what);
        return shell_missing(sh, what);
    }
    if (!rest && c->n > cmd->max_args)
        return shell_extra(sh, c->arg[cmd->max_args]);
    if ((cmd->flags & SHELL_CMD_TOPIC) && c->n == 1) {
        c->topic = find_command(sh, c->arg[0]);
        if (c->topic == NULL)
            return SHELL_ERROR;
    }
    if ((cmd->flags & SHELL_CMD_ARENA) && sh->cur == NULL) {
        shell_error(sh, "no arena yet: create one with 'new SIZE' (for example: new 4K fixed)");
        return SHELL_ERROR;
    }
    return SHELL_OK;
}

int shell_exec(shell_t *sh, const char *line, size_t len)
{
    sh->cmd = NULL;
    sh->cmd_args = NULL;
    if (memchr(line, '\0', len) != NULL) {
        shell_error(sh, "the line contains a NUL byte");
        return SHELL_ERROR;
    }
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    size_t i = 0;
    while (i < len && shell_is_space(line[i]))
        i++;
    if (i == len || line[i] == '#')
        return SHELL_OK;
    shell_tok_t word = {line + i, 0};
    while (i < len && !shell_is_space(line[i]))
        i++;
    word.len = (size_t)(line + i - word.s);
    shell_call_t c = {
        .cmd = find_command(sh, word), .table = shell_commands, .ntable = shell_ncommands};
    if (c.cmd == NULL)
        return SHELL_ERROR;
    bool fits = split(line, len, i, &c);
    sh->cmd = c.cmd->name;
    sh->cmd_args = c.cmd->args;
    int r = check(sh, &c, fits);
    if (r == SHELL_OK)
        r = c.cmd->run(sh, &c);
    shell_tree_forget_ended(sh);
    sh->cmd = NULL;
    sh->cmd_args = NULL;
    return r;
}

const char *shell_completion(size_t i)
{
    for (size_t k = 0; k < shell_ncommands; k++) {
        if (i-- == 0)
            return shell_commands[k].name;
        if (shell_commands[k].synonym != NULL && i-- == 0)
            return shell_commands[k].synonym;
    }
    return NULL;
}

void shell_prompt(const shell_t *sh, char *buf, size_t cap)
{
    if (sh->narenas <= 1 || sh->cur == NULL)
        snprintf(buf, cap, "arena> ");
    else
        snprintf(buf, cap, "arena:%s> ", sh->cur->name);
}

const char *shell_arena_completion(const shell_t *sh, size_t i)
{
    return i < sh->narenas ? sh->arenas[i]->name : NULL;
}
