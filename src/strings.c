/*
 * strings.c -- strdup, strndup and printf into an arena, a layer over the
 * core's allocation and its tail primitives (core.h); it keeps no state and
 * reads no field of an arena.
 *
 * sprintf formats straight into the free tail of the current block when it
 * can (one pass) and commits only the bytes written.  When the output does
 * not fit, it gives the tail back exactly as it was (fill pattern included,
 * so a failed or retried call leaves no trace), measures, allocates and
 * formats again.  While a memory tool watches, the tail is poisoned and the
 * core offers none, so it always measures first.
 *
 * The formatting itself is vsnprintf's, except for formats made only of the
 * common conversions: %d %i %u %x %X %c %s %% with the '-' and '0' flags, a
 * width in digits and the length modifiers hh h l ll z t j.  Those are
 * formatted here, into the tail, without vsnprintf's per-call setup (most
 * of the cost of a short string); anything else (a precision, another flag
 * or conversion, a '*' width, a NULL string, output that does not fit)
 * sends the whole call to vsnprintf, with the arguments from the start, so
 * the output is vsnprintf's either way (tests/unit/sprintf.c holds them to
 * it over a grid).
 */
#include "core.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static char *arena__copy(arena_t *a, const char *s, size_t len)
{
    char *d = (char *)arena_alloc_aligned(a, len + 1, 1);
    if (d != NULL) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

char *arena_strdup(arena_t *a, const char *s)
{
    if (a == NULL || s == NULL)
        return arena__fail(EINVAL);
    return arena__copy(a, s, strlen(s));
}

char *arena_strndup(arena_t *a, const char *s, size_t n)
{
    if (a == NULL || s == NULL)
        return arena__fail(EINVAL);
    return arena__copy(a, s, strnlen(s, n));
}

/* ---- the fast formatter ------------------------------------------------- */

typedef struct {
    char *p, *end; /* what is written so far; end: the last byte usable for text */
} arena__out_t;

/* The pieces are short (a literal run, a number): a byte loop beats a call
 * to memcpy or memset for them. */
static inline bool arena__put(arena__out_t *o, const char *s, size_t n)
{
    if (n > (size_t)(o->end - o->p))
        return false;
    for (size_t i = 0; i < n; i++)
        o->p[i] = s[i];
    o->p += n;
    return true;
}

static inline bool arena__pad(arena__out_t *o, char c, size_t n)
{
    if (n > (size_t)(o->end - o->p))
        return false;
    for (size_t i = 0; i < n; i++)
        o->p[i] = c;
    o->p += n;
    return true;
}

/* One field: `sign` (0 or '-'), then the body, padded to `width` with
 * spaces (on the left, or on the right with '-') or zeros after the sign. */
static bool arena__field(arena__out_t *o, char sign, const char *body, size_t len, size_t width,
                         bool left, bool zero)
{
    size_t have = len + (sign != 0);
    size_t pad = width > have ? width - have : 0;
    if (!left && !zero && !arena__pad(o, ' ', pad))
        return false;
    if (sign != 0 && !arena__put(o, &sign, 1))
        return false;
    if (!left && zero && !arena__pad(o, '0', pad))
        return false;
    if (!arena__put(o, body, len))
        return false;
    return !left || arena__pad(o, ' ', pad);
}

/* Digits of v in base 10, or 16 (hex), written backwards ending at `end`.
 * Constant divisors: the compiler turns them into multiplications and
 * shifts, where a divisor in a variable would cost a division per digit. */
static size_t arena__digits(uintmax_t v, bool hex, bool upper, char *end)
{
    const char *d = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;
    if (hex) {
        do {
            *--p = d[v & 15];
            v >>= 4;
        } while (v != 0);
    } else {
        do {
            *--p = (char)('0' + v % 10);
            v /= 10;
        } while (v != 0);
    }
    return (size_t)(end - p);
}

/* The loop of arena__format: false on anything it leaves to vsnprintf. */
static bool arena__format_into(arena__out_t *o, const char *fmt, va_list ap)
{
    for (const char *f = fmt;;) {
        const char *lit = f;
        while (*f != '\0' && *f != '%')
            f++;
        if (!arena__put(o, lit, (size_t)(f - lit)))
            return false;
        if (*f == '\0')
            break;
        f++; /* the '%' */
        bool left = false, zero = false;
        for (;; f++) {
            if (*f == '-')
                left = true;
            else if (*f == '0')
                zero = true;
            else
                break;
        }
        size_t width = 0;
        while (*f >= '0' && *f <= '9') {
            if (width > (size_t)(o->end - o->p) || width > SIZE_MAX / 16)
                return false; /* wider than the room: vsnprintf's business */
            width = width * 10 + (size_t)(*f++ - '0');
        }
        enum { L_INT, L_CHAR, L_SHORT, L_LONG, L_LLONG, L_SIZE, L_PTRDIFF, L_MAX } len_mod = L_INT;
        if (f[0] == 'h' && f[1] == 'h')
            len_mod = L_CHAR, f += 2;
        else if (f[0] == 'h')
            len_mod = L_SHORT, f++;
        else if (f[0] == 'l' && f[1] == 'l')
            len_mod = L_LLONG, f += 2;
        else if (f[0] == 'l')
            len_mod = L_LONG, f++;
        else if (f[0] == 'z')
            len_mod = L_SIZE, f++;
        else if (f[0] == 't')
            len_mod = L_PTRDIFF, f++;
        else if (f[0] == 'j')
            len_mod = L_MAX, f++;
        char conv = *f++;
        char buf[3 * sizeof(uintmax_t) + 1];
        char *end = buf + sizeof buf;
        switch (conv) {
        case '%':
            if (left || zero || width != 0 || len_mod != L_INT || !arena__put(o, "%", 1))
                return false;
            break;
        case 'c': {
            if (zero || len_mod != L_INT)
                return false;
            char c = (char)(unsigned char)va_arg(ap, int);
            if (!arena__field(o, 0, &c, 1, width, left, false))
                return false;
            break;
        }
        case 's': {
            if (zero || len_mod != L_INT)
                return false;
            const char *str = va_arg(ap, const char *);
            if (str == NULL)
                return false; /* "(null)" is glibc's, not C's */
            if (!arena__field(o, 0, str, strlen(str), width, left, false))
                return false;
            break;
        }
        case 'd':
        case 'i': {
            intmax_t v;
            switch (len_mod) {
            case L_CHAR:
                v = (signed char)va_arg(ap, int);
                break;
            case L_SHORT:
                v = (short)va_arg(ap, int);
                break;
            case L_LONG:
                v = va_arg(ap, long);
                break;
            case L_LLONG:
                v = va_arg(ap, long long);
                break;
            case L_SIZE: /* the signed type of size_t's width */
            case L_PTRDIFF:
                v = va_arg(ap, ptrdiff_t);
                break;
            case L_MAX:
                v = va_arg(ap, intmax_t);
                break;
            default:
                v = va_arg(ap, int);
                break;
            }
            uintmax_t mag = v < 0 ? -(uintmax_t)v : (uintmax_t)v;
            size_t n = arena__digits(mag, false, false, end);
            if (!arena__field(o, v < 0 ? '-' : 0, end - n, n, width, left, zero))
                return false;
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uintmax_t v;
            switch (len_mod) {
            case L_CHAR:
                v = (unsigned char)va_arg(ap, unsigned);
                break;
            case L_SHORT:
                v = (unsigned short)va_arg(ap, unsigned);
                break;
            case L_LONG:
                v = va_arg(ap, unsigned long);
                break;
            case L_LLONG:
                v = va_arg(ap, unsigned long long);
                break;
            case L_SIZE:
                v = va_arg(ap, size_t);
                break;
            case L_PTRDIFF:
                v = (uintmax_t)va_arg(ap, ptrdiff_t);
                break;
            case L_MAX:
                v = va_arg(ap, uintmax_t);
                break;
            default:
                v = va_arg(ap, unsigned);
                break;
            }
            if (len_mod == L_PTRDIFF)
                v &= (uintmax_t)(size_t)-1; /* as the unsigned type of its width */
            size_t n = arena__digits(v, conv != 'u', conv == 'X', end);
            if (!arena__field(o, 0, end - n, n, width, left, zero))
                return false;
            break;
        }
        default:
            return false; /* another conversion, a precision, '*', ' ', '+', '#' ... */
        }
    }
    return true;
}

/* Formats fmt into [dst, dst + avail) with a NUL; the length in *len.  false
 * when the format uses what only vsnprintf formats, or the output does not
 * fit: then *len is how many bytes it wrote before it gave up. */
static bool arena__format(char *dst, size_t avail, const char *fmt, va_list ap, size_t *len)
{
    *len = 0;
    if (avail == 0)
        return false;
    arena__out_t o = {dst, dst + avail - 1};
    bool ok = arena__format_into(&o, fmt, ap);
    *len = (size_t)(o.p - dst);
    if (ok)
        *o.p = '\0';
    return ok;
}

char *arena_vsprintf(arena_t *a, const char *fmt, va_list ap)
{
    if (a == NULL || fmt == NULL)
        return arena__fail(EINVAL);
    size_t avail, len;
    char *dst = arena__tail(a, &avail);
    va_list aq;
    va_copy(aq, ap);
    bool fast = arena__format(dst, avail, fmt, aq, &len);
    va_end(aq);
    if (fast) {
        arena__tail_commit(a, len + 1);
        return dst;
    }
    arena__tail_abandon(a, len); /* what it wrote before giving up */
    va_copy(aq, ap);
    int n = vsnprintf(avail ? dst : NULL, avail, fmt, aq);
    va_end(aq);
    if (n >= 0 && (size_t)n < avail) {
        arena__tail_commit(a, (size_t)n + 1);
        return dst;
    }
    /* The output did not fit, so vsnprintf filled the whole tail (after an
     * error, how much it wrote is unknown): give all of it back. */
    arena__tail_abandon(a, avail);
    if (n < 0) {
        if (errno == 0)
            errno = EOVERFLOW;
        return NULL;
    }
    char *s = (char *)arena_alloc_aligned(a, (size_t)n + 1, 1);
    if (s != NULL)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *arena_sprintf(arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vsprintf(a, fmt, ap);
    va_end(ap);
    return s;
}
