/*
 * fuzz_shell.c -- libFuzzer target for arena-shell's engine: the input is a
 * script, split into lines and executed against one shell, as the program
 * does with a file.  Output goes to /dev/null; the shell's memory limit keeps
 * every arena small.  Any crash, sanitizer report or leak is a bug.
 */
#define _POSIX_C_SOURCE 200809L
#include "shell.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    const char *p = (const char *)data;
    size_t left = size;
    unsigned long lineno = 0;
    while (left > 0) {
        const char *nl = memchr(p, '\n', left);
        size_t len = nl ? (size_t)(nl - p) + 1 : left;
        sh.lineno = ++lineno;
        if (shell_exec(&sh, p, len) == SHELL_QUIT)
            break;
        p += len;
        left -= len;
    }
    shell_fini(&sh);
    return 0;
}
