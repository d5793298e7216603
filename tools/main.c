/*
 * main.c -- arena-shell's front end: options, the interactive prompt (libedit
 * line editing and history), scripts from a file or stdin, and --demo.
 */
#define _GNU_SOURCE
#include "parse.h"
#include "shell.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <editline/readline.h>

static const char usage_text[] =
    "usage: arena-shell [OPTIONS] [SCRIPT]\n"
    "\n"
    "An interactive console for the arena allocator.  At a terminal it prompts for\n"
    "commands (line editing, history); otherwise it runs commands from SCRIPT, or\n"
    "from standard input, printing only results.  'help' lists the commands.\n"
    "\n"
    "options:\n"
    "  --demo              run the built-in tour of every feature\n"
    "  -e, --exit-on-error stop a script at the first failing command\n"
    "  -k, --keep-going    run a script to the end after errors (the default)\n"
    "  -r, --relative      print addresses as bN+0xOFF (block N, offset); also\n"
    "                      ARENA_SHELL_RELATIVE=1\n"
    "  --limit SIZE        most memory the shell's arenas may take (default 1G; 0: none)\n"
    "  --color=WHEN        colours in 'map': auto (default; off when NO_COLOR is set),\n"
    "                      always or never\n"
    "  -h, --help          this text\n"
    "  -V, --version       the version\n"
    "\n"
    "Sizes: 4096, 0x1000, 4K, 4KiB, 1.5M, 2G (K, M, G, T are powers of 1024).\n"
    "Exit status: 0 on success; 1 when a script command failed; 2 on bad usage.\n";

typedef struct options {
    bool demo, stop_on_error, relative;
    size_t limit;
    int color; /* -1 auto, 0 never, 1 always */
    const char *script;
} options_t;

enum { OPT_DEMO = 256, OPT_LIMIT, OPT_COLOR };

static const struct option long_options[] = {
    {"demo", no_argument, NULL, OPT_DEMO},
    {"exit-on-error", no_argument, NULL, 'e'},
    {"keep-going", no_argument, NULL, 'k'},
    {"relative", no_argument, NULL, 'r'},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"color", optional_argument, NULL, OPT_COLOR},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Parses the command line into o: -1 to go on, or an exit status.  Short
 * options may be bundled (-er) and options may follow SCRIPT. */
static int parse_options(int argc, char **argv, options_t *o)
{
    memset(o, 0, sizeof *o);
    o->limit = (size_t)1 << 30;
    o->color = -1;
    const char *rel = getenv("ARENA_SHELL_RELATIVE");
    o->relative = rel != NULL && rel[0] != '\0' && strcmp(rel, "0") != 0;
    opterr = 0; /* the messages below name the option as typed */
    int opt;
    while ((opt = getopt_long(argc, argv, ":ekrhV", long_options, NULL)) != -1) {
        const char *why;
        switch (opt) {
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case 'V':
            printf("arena-shell %s (arena library %s)\n", ARENA_VERSION_STRING, arena_version());
            return 0;
        case OPT_DEMO:
            o->demo = true;
            break;
        case 'e':
            o->stop_on_error = true;
            break;
        case 'k':
            o->stop_on_error = false;
            break;
        case 'r':
            o->relative = true;
            break;
        case OPT_LIMIT:
            if (shell_parse_size(optarg, strlen(optarg), &o->limit, &why) != 0) {
                fprintf(stderr, "arena-shell: --limit: '%s' %s\n", optarg, why);
                return 2;
            }
            break;
        case OPT_COLOR:
            if (optarg == NULL || strcmp(optarg, "always") == 0) {
                o->color = 1;
            } else if (strcmp(optarg, "never") == 0) {
                o->color = 0;
            } else if (strcmp(optarg, "auto") == 0) {
                o->color = -1;
            } else {
                fprintf(stderr, "arena-shell: --color: '%s' is not auto, always or never\n",
                        optarg);
                return 2;
            }
            break;
        case ':':
            fprintf(stderr, "arena-shell: %s needs a SIZE\n", argv[optind - 1]);
            return 2;
        default:
            if (optopt > ' ' && optopt < 127)
                fprintf(stderr, "arena-shell: unknown option '-%c' (see --help)\n", optopt);
            else
                fprintf(stderr, "arena-shell: unknown option '%s' (see --help)\n",
                        argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc)
        o->script = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "arena-shell: one SCRIPT at most (see --help)\n");
        return 2;
    }
    if (o->demo && o->script != NULL) {
        fprintf(stderr, "arena-shell: --demo takes no SCRIPT\n");
        return 2;
    }
    return -1;
}

static bool want_color(int setting)
{
    if (setting >= 0)
        return setting == 1;
    const char *nc = getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && (nc == NULL || nc[0] == '\0');
}

/* ---- scripts --------------------------------------------------------------- */

static int run_script(shell_t *sh, FILE *in, const char *name, bool stop)
{
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    bool failed = false;
    unsigned long lineno = 0;
    errno = 0;
    while ((n = getline(&buf, &cap, in)) != -1) {
        sh->lineno = ++lineno;
        int r = shell_exec(sh, buf, (size_t)n);
        if (r == SHELL_QUIT)
            break;
        if (r == SHELL_ERROR) {
            failed = true;
            if (stop)
                break;
        }
    }
    if (n == -1 && ferror(in)) {
        fprintf(stderr, "arena-shell: %s: read error: %s\n", name, strerror(errno));
        failed = true;
    }
    free(buf);
    return failed ? 1 : 0;
}

static int run_demo(shell_t *sh)
{
    char prompt[64];
    const char *p = shell_demo_script;
    bool failed = false;
    bool tty = isatty(STDOUT_FILENO);
    sh->err = stdout; /* one stream, so the tour reads in order */
    sh->err_prefix = "error: ";
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len >= 2 && p[0] == '#' && p[1] == '#') {
            const char *t = p + 2;
            size_t tl = len - 2;
            if (tl > 0 && *t == ' ') {
                t++;
                tl--;
            }
            if (sh->color && tty)
                printf("\033[36m%.*s\033[0m\n", (int)tl, t);
            else
                printf("%.*s\n", (int)tl, t);
        } else {
            bool expect_fail = len > 0 && p[0] == '!';
            const char *cmd = expect_fail ? p + 1 : p;
            size_t cl = expect_fail ? len - 1 : len;
            shell_prompt(sh, prompt, sizeof prompt);
            if (sh->color && tty)
                printf("\033[1m%s%.*s\033[0m\n", prompt, (int)cl, cmd);
            else
                printf("%s%.*s\n", prompt, (int)cl, cmd);
            int r = shell_exec(sh, cmd, cl);
            if (r == SHELL_QUIT)
                break;
            if ((r == SHELL_ERROR) != expect_fail) {
                fprintf(stderr, "arena-shell: demo: '%.*s' %s\n", (int)cl, cmd,
                        expect_fail ? "should have failed" : "failed");
                failed = true;
            }
        }
        p += len + (nl != NULL);
    }
    fflush(stdout);
    return failed ? 1 : 0;
}

/* ---- the terminal ---------------------------------------------------------- */

/* The session's shell, for completion, which readline calls without it. */
static const shell_t *session;

/* The i-th command name, or arena name (after 'use'). */
typedef const char *(*word_fn)(size_t i);
static word_fn completing;

static const char *arena_word(size_t i)
{
    return shell_arena_completion(session, i);
}

static char *complete_word(const char *text, int state)
{
    static size_t i, len;
    if (state == 0) {
        i = 0;
        len = strlen(text);
    }
    const char *n;
    while ((n = completing(i++)) != NULL)
        if (strncmp(n, text, len) == 0)
            return strdup(n);
    return NULL;
}

/* Tab: a command name first; after 'use ', an arena's name. */
static char **complete(const char *text, int start, int end)
{
    (void)end;
    rl_attempted_completion_over = 1;
    size_t lead = strspn(rl_line_buffer, " \t");
    if ((size_t)start == lead) {
        completing = shell_completion;
    } else {
        const char *w = rl_line_buffer + lead;
        size_t wl = strcspn(w, " \t");
        if (wl != 3 || strncmp(w, "use", 3) != 0
            || w + wl + strspn(w + wl, " \t") != rl_line_buffer + start)
            return NULL;
        completing = arena_word;
    }
    return rl_completion_matches(text, complete_word);
}

static char *history_path(void)
{
    const char *home = getenv("HOME");
    if (home == NULL || home[0] == '\0')
        return NULL;
    size_t n = strlen(home) + sizeof "/.arena_shell_history";
    char *p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s/.arena_shell_history", home);
    return p;
}

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* One line typed at the terminal.  NULL when Ctrl-C (*eof false) or Ctrl-D
 * (*eof true) cut it short; the cursor then moves to a new line, so what
 * is printed next does not run on after the abandoned prompt. */
static char *read_line(const char *prompt, bool *eof)
{
    fflush(stdout);
    interrupted = 0;
    char *line = readline(prompt);
    *eof = line == NULL;
    if (interrupted || line == NULL) {
        *eof = *eof && !interrupted;
        free(line);
        putchar('\n');
        return NULL;
    }
    return line;
}

/* The engine's questions ("more memory?", "how much?"): Ctrl-C and Ctrl-D
 * both answer NULL, which cancels the allocation and keeps the session. */
static char *ask_terminal(void *ctx, const char *prompt)
{
    (void)ctx;
    bool eof;
    return read_line(prompt, &eof);
}

static int run_interactive(shell_t *sh)
{
    /* Ctrl-C abandons the line being typed, as in a login shell, instead of
     * ending the session (and the arena with it). */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);

    rl_readline_name = "arena-shell";
    rl_attempted_completion_function = complete;
    using_history();
    stifle_history(1000);
    char *hist = history_path();
    if (hist != NULL)
        read_history(hist);
    sh->ask = ask_terminal;
    sh->err_prefix = "error: ";
    printf("arena-shell %s: an arena allocator to play with.\n"
           "Start with 'new 4K fixed', then 'alloc 100'; 'help' lists the commands, "
           "Ctrl-D leaves.\n",
           ARENA_VERSION_STRING);
    session = sh;
    for (;;) {
        bool eof;
        char prompt[64];
        shell_prompt(sh, prompt, sizeof prompt);
        char *line = read_line(prompt, &eof);
        if (line == NULL && eof)
            break;
        if (line == NULL)
            continue;
        const char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s != '\0') {
            HIST_ENTRY *last = history_get(history_base + history_length - 1);
            if (last == NULL || strcmp(last->line, line) != 0)
                add_history(line);
        }
        int r = shell_exec(sh, line, strlen(line));
        free(line);
        if (r == SHELL_QUIT)
            break;
    }
    if (hist != NULL) {
        write_history(hist);
        free(hist);
    }
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    options_t o;
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    shell_t sh;
    shell_init(&sh, stdout, stderr);
    sh.limit = o.limit;
    sh.relative = o.relative;
    sh.color = want_color(o.color);
    if (o.demo) {
        rc = run_demo(&sh);
    } else if (o.script != NULL && strcmp(o.script, "-") != 0) {
        FILE *in = fopen(o.script, "r");
        if (in == NULL) {
            fprintf(stderr, "arena-shell: %s: %s\n", o.script, strerror(errno));
            shell_fini(&sh);
            return 2;
        }
        rc = run_script(&sh, in, o.script, o.stop_on_error);
        fclose(in);
    } else if (o.script == NULL && isatty(STDIN_FILENO)) {
        rc = run_interactive(&sh);
    } else {
        rc = run_script(&sh, stdin, "stdin", o.stop_on_error);
    }
    shell_fini(&sh);
    if (fflush(stdout) != 0 && rc == 0)
        rc = 1;
    return rc;
}
