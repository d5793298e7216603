/*
 * fuzz_shell.c -- libFuzzer target for arena-shell's engine: the input is a
 * script, split into lines and executed against one shell, as the program
 * does with a file.  The shell is interactive: when it asks a question
 * (a full fixed arena's "more memory?", "how much?"), the next line is the
 * answer, and the end of the input is Ctrl-D.  Output goes to /dev/null;
 * the shell's memory limit keeps every arena small.  Any crash, sanitizer
 * report or leak is a bug.
 */
#define _POSIX_C_SOURCE 200809L
#include "shell.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct input {
    const char *p;
    size_t left;
} input_t;

/* The next line (newline included, if any); false at the end. */
static bool next_line(input_t *in, const char **line, size_t *len)
{
    if (in->left == 0)
        return false;
    const char *nl = memchr(in->p, '\n', in->left);
    *line = in->p;
    *len = nl ? (size_t)(nl - in->p) + 1 : in->left;
    in->p += *len;
    in->left -= *len;
    return true;
}

static char *answer(void *ctx, const char *prompt)
{
    (void)prompt;
    const char *line;
    size_t len;
    if (!next_line(ctx, &line, &len))
        return NULL;
    while (len > 0 && line[len - 1] == '\n')
        len--;
    return strndup(line, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (sink == NULL)
        sink = fopen("/dev/null", "w");
    if (sink == NULL)
        return 0;
    shell_t sh;
    shell_init(&sh, sink, sink);
    sh.limit = (size_t)16 << 20;
    input_t in = {(const char *)data, size};
    sh.ask = answer;
    sh.ask_ctx = &in;
    const char *line;
    size_t len;
    unsigned long lineno = 0;
    while (next_line(&in, &line, &len)) {
        sh.lineno = ++lineno;
        if (shell_exec(&sh, line, len) == SHELL_QUIT)
            break;
    }
    shell_fini(&sh);
    return 0;
}
