/*
 * parse.h -- the pure text helpers of arena-shell (parse.c): sizes as people
 * write them, sizes as people read them, quoting hostile bytes for messages,
 * and words.  Nothing here knows the shell or the arena.
 */
#ifndef ARENA_SHELL_PARSE_H
#define ARENA_SHELL_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* A word of a command line: not NUL-terminated. */
typedef struct shell_tok {
    const char *s;
    size_t len;
} shell_tok_t;

/* Room for any shell_human / shell_bytes result. */
#define SHELL_HUMAN_CAP 48

/* Parses a size: 4096, 0x1000, 4K, 4KiB, 1.5M, 2G (K/M/G/T: powers of 1024).
 * Returns 0 and *out, or -1 with a message in why (a static string). */
int shell_parse_size(const char *s, size_t len, size_t *out, const char **why);
/* n bytes in a short human form ("1.5 KiB", "100 B"): rounded. */
void shell_human(size_t n, char *buf, size_t cap);
/* n bytes exactly, with the rounded form beside it when that differs:
 * "1 byte", "100 bytes", "4080 bytes (4.0 KiB)". */
void shell_bytes(size_t n, char *buf, size_t cap);
/* Copies s into buf for a message: printable ASCII kept, other bytes as
 * \xNN, cut at about 40 characters with "...". */
void shell_quote(const char *s, size_t len, char *buf, size_t cap);
/* The same without the cut: room for 4 * len + 9 bytes keeps all of s. */
void shell_escape(const char *s, size_t len, char *buf, size_t cap);
bool shell_is_space(char c);
/* t is exactly word. */
bool shell_tok_eq(shell_tok_t t, const char *word);
/* t is word, ignoring ASCII case. */
bool shell_tok_eq_nocase(shell_tok_t t, const char *word);
/* t without the blanks around it. */
shell_tok_t shell_tok_trim(shell_tok_t t);
/* A valid allocation name: a letter or _, then letters, digits, _ - or .;
 * at most SHELL_NAME_MAX characters. */
#define SHELL_NAME_MAX 32
bool shell_valid_name(shell_tok_t t);

#endif /* ARENA_SHELL_PARSE_H */
