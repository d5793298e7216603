/*
 * parse.c -- the pure pieces of arena-shell's parser: sizes as people write
 * them, sizes as people read them, quoting hostile bytes for messages, and
 * words.  A leaf: it calls nothing else of the shell, so every other file
 * may use it.
 *
 * Sizes are parsed exactly: a fraction must come out as a whole number of
 * bytes and nothing overflows size_t silently.  Messages show sizes both
 * ways (shell_bytes), so a rounded "4.0 KiB" never hides that 4080 bytes
 * are fewer than 4096.
 */
#include "parse.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int fail(const char **why, const char *msg)
{
    *why = msg;
    return -1;
}

/* Unit suffix: "", B, K, KB, KiB, M, ... (case-insensitive).  Sets *shift. */
static bool parse_suffix(const char *s, size_t len, unsigned *shift)
{
    static const char units[] = "KMGTPE";
    *shift = 0;
    if (len == 0)
        return true;
    if (len == 1 && (s[0] == 'B' || s[0] == 'b'))
        return true;
    const char *u = strchr(units, s[0] >= 'a' && s[0] <= 'z' ? s[0] - 'a' + 'A' : s[0]);
    if (u == NULL || s[0] == '\0')
        return false;
    *shift = 10u * (unsigned)(u - units + 1);
    s++;
    len--;
    if (len == 0)
        return true;
    if (len == 1 && (s[0] == 'B' || s[0] == 'b'))
        return true;
    if (len == 2 && (s[0] == 'i' || s[0] == 'I') && (s[1] == 'B' || s[1] == 'b'))
        return true;
    return false;
}

int shell_parse_size(const char *s, size_t len, size_t *out, const char **why)
{
    if (len == 0)
        return fail(why, "is empty");
    if (s[0] == '-')
        return fail(why, "is negative");
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        size_t v = 0;
        for (size_t i = 2; i < len; i++) {
            int d = hex_value(s[i]);
            if (d < 0)
                return fail(why, "is not a number");
            if (v > (SIZE_MAX - (size_t)d) / 16)
                return fail(why, "is too large for size_t");
            v = v * 16 + (size_t)d;
        }
        *out = v;
        return 0;
    }
    size_t i = 0;
    size_t whole = 0;
    bool overflow = false;
    if (!is_digit(s[0]) && !(s[0] == '.' && len > 1 && is_digit(s[1])))
        return fail(why, "is not a number");
    for (; i < len && is_digit(s[i]); i++) {
        size_t d = (size_t)(s[i] - '0');
        if (whole > (SIZE_MAX - d) / 10)
            overflow = true;
        else
            whole = whole * 10 + d;
    }
    uint64_t frac = 0;
    unsigned digits = 0;
    bool too_precise = false;
    if (i < len && s[i] == '.') {
        for (i++; i < len && is_digit(s[i]); i++) {
            if (digits < 6) {
                frac = frac * 10 + (uint64_t)(s[i] - '0');
                digits++;
            } else if (s[i] != '0') {
                too_precise = true;
            }
        }
    }
    unsigned shift;
    if (!parse_suffix(s + i, len - i, &shift))
        return fail(why, "is not a number");
    if (overflow)
        return fail(why, "is too large for size_t");
    if (too_precise)
        return fail(why, "has too many decimal places");
    /* whole << shift, checked */
    if (shift >= sizeof(size_t) * 8 || (shift > 0 && whole > (SIZE_MAX >> shift)))
        return fail(why, "is too large for size_t");
    size_t v = whole << shift;
    if (frac != 0) {
        /* v += frac / 10^digits * 2^shift, exactly: 10^d = 2^d * 5^d, and a
         * suffix gives shift >= 10 > d (no suffix: a fraction is never whole). */
        uint64_t p5 = 1;
        for (unsigned k = 0; k < digits; k++)
            p5 *= 5;
        if (shift < digits || frac % p5 != 0)
            return fail(why, "is not a whole number of bytes");
        uint64_t q = frac / p5;
        unsigned e = shift - digits;
        if (q > (uint64_t)(SIZE_MAX >> e))
            return fail(why, "is too large for size_t");
        size_t extra = (size_t)q << e;
        if (extra > SIZE_MAX - v)
            return fail(why, "is too large for size_t");
        v += extra;
    }
    *out = v;
    return 0;
}

void shell_human(size_t n, char *buf, size_t cap)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (n < 1024) {
        snprintf(buf, cap, "%zu B", n);
        return;
    }
    double v = (double)n;
    int u = -1;
    while (v >= 1024.0 && u < 5) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, cap, "%.1f %s", v, units[u]);
}

void shell_bytes(size_t n, char *buf, size_t cap)
{
    if (n < 1024) {
        snprintf(buf, cap, "%zu byte%s", n, n == 1 ? "" : "s");
        return;
    }
    char h[SHELL_HUMAN_CAP];
    shell_human(n, h, sizeof h);
    snprintf(buf, cap, "%zu bytes (%s)", n, h);
}

/* s into buf, printable ASCII as it is and other bytes as \xNN; cut with
 * "..." after `most` bytes of s or when buf is full. */
static void escape(const char *s, size_t len, size_t most, char *buf, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (cap == 0)
        return;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (o + 8 >= cap || i >= most) {
            if (o + 4 <= cap) {
                memcpy(buf + o, "...", 3);
                o += 3;
            }
            break;
        }
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            buf[o++] = (char)c;
        } else {
            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[c >> 4];
            buf[o++] = hex[c & 15];
        }
    }
    buf[o] = '\0';
}

void shell_quote(const char *s, size_t len, char *buf, size_t cap)
{
    escape(s, len, 40, buf, cap);
}

void shell_escape(const char *s, size_t len, char *buf, size_t cap)
{
    escape(s, len, len, buf, cap);
}

bool shell_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

bool shell_tok_eq(shell_tok_t t, const char *word)
{
    size_t n = strlen(word);
    return t.len == n && memcmp(t.s, word, n) == 0;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool shell_tok_eq_nocase(shell_tok_t t, const char *word)
{
    if (t.len != strlen(word))
        return false;
    for (size_t i = 0; i < t.len; i++)
        if (lower(t.s[i]) != lower(word[i]))
            return false;
    return true;
}

shell_tok_t shell_tok_trim(shell_tok_t t)
{
    while (t.len > 0 && shell_is_space(t.s[0])) {
        t.s++;
        t.len--;
    }
    while (t.len > 0 && shell_is_space(t.s[t.len - 1]))
        t.len--;
    return t;
}

bool shell_valid_name(shell_tok_t t)
{
    if (t.len == 0 || t.len > SHELL_NAME_MAX)
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
