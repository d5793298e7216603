/*
 * example.c -- the shared part of the library programs (example.h): the
 * digest, the inputs (a generated JSON document, Debian's MIME database),
 * and the command line, whose default is the test: every mode of a
 * program runs with every allocation, each in a child process so that
 * each starts from a fresh library state (a library's hooks are
 * process-wide, and its global state must not meet two allocators), and
 * the outputs must be identical byte for byte.  A child's output comes
 * back through a pipe; a child that fails, or is stopped by a memory tool
 * (memcheck's --error-exitcode, ASan), fails the test.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "example.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

size_t ex_cap_bytes;

uint64_t ex_hash(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

uint64_t ex_hash_str(uint64_t h, const char *s)
{
    if (s == NULL)
        return ex_hash(h, "\xff", 1);
    return ex_hash(h, s, strlen(s) + 1);
}

uint64_t ex_hash_u64(uint64_t h, uint64_t v)
{
    return ex_hash(h, &v, sizeof v);
}

uint64_t ex_hash_double(uint64_t h, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return ex_hash_u64(h, bits);
}

void ex_put(const ex_cfg_t *c, const char *fmt, ...)
{
    if (c->out == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(c->out, fmt, ap);
    va_end(ap);
    fputc('\n', c->out);
}

int ex_under_valgrind(void)
{
    const char *v = getenv("ARENA_UNDER_VALGRIND");
    return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

char *ex_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: %s (scripts/deps.sh test installs it)\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap + 1);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *more = realloc(buf, 2 * cap + 1);
        if (more == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = more;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (buf == NULL || bad) {
        fprintf(stderr, "%s: cannot read it\n", path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

const char *ex_xml_path(void)
{
    const char *p = getenv("EX_XML");
    return p != NULL && *p != '\0' ? p : "/usr/share/mime/packages/freedesktop.org.xml";
}

char *ex_xml(double fraction, size_t *len)
{
    static const char type_end[] = "</mime-type>", root_end[] = "\n</mime-info>\n";
    char *x = ex_read_file(ex_xml_path(), len);
    if (x == NULL || !(fraction < 1))
        return x;
    char *cut = strstr(x + (size_t)(fraction * (double)*len), type_end);
    if (cut != NULL && (size_t)(x + *len - cut) + 1 >= sizeof type_end - 1 + sizeof root_end) {
        cut += sizeof type_end - 1;
        memcpy(cut, root_end, sizeof root_end);
        *len = (size_t)(cut - x) + sizeof root_end - 1;
    }
    return x;
}

/* ---- the JSON document --------------------------------------------------- */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

typedef struct {
    char *p;
    size_t len, cap;
} ex_buf_t;

static int buf_printf(ex_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int buf_printf(ex_buf_t *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return -1;
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return 0;
        }
        char *more = realloc(b->p, 2 * b->cap);
        if (more == NULL)
            return -1;
        b->p = more;
        b->cap *= 2;
    }
}

static const char *const words[32] = {
    "alpha",  "bravo",   "charlie", "delta",    "echo",    "foxtrot", "golf",  "hotel",
    "india",  "juliet",  "kilo",    "lima",     "mike",    "oscar",   "papa",  "quebec",
    "romeo",  "sierra",  "tango",   "victor",   "whiskey", "xray",    "zulu",  "amsterdam",
    "havana", "jakarta", "lisbon",  "montreal", "nairobi", "oslo",    "paris", "santiago",
};
static const char *const events[8] = {"login",  "logout", "purchase", "refund",
                                      "upload", "share",  "comment",  "password-reset"};

char *ex_json(size_t bytes, size_t *len)
{
    ex_buf_t b = {malloc(bytes + 4096), 0, bytes + 4096};
    if (b.p == NULL)
        return NULL;
    uint64_t s = 12;
    int bad = buf_printf(&b, "{\"version\":2,\"generator\":\"arena examples\",\"users\":[");
    for (size_t i = 0; !bad && (i == 0 || b.len < bytes); i++) {
        uint64_t r = splitmix(&s), q = splitmix(&s);
        const char *first = words[r & 31], *last = words[(r >> 5) & 31];
        bad |= buf_printf(
            &b,
            "%s{\"id\":%zu,\"uid\":\"%08x-%04x\",\"active\":%s,\"score\":%u,\"ratio\":%u.%03u,"
            "\"name\":\"%s %s\",\"email\":\"%s.%s%u@example.org\",\"tags\":[\"%s\",\"%s\",\"%s\"],"
            "\"address\":{\"street\":\"%u %s street\",\"city\":\"%s\",\"zip\":\"%05u\","
            "\"geo\":[%d.%04u,%d.%04u]},\"note\":%s,\"history\":[",
            i ? "," : "", i, (unsigned)(r >> 32), (unsigned)(q & 0xffff),
            (r >> 10) & 1 ? "true" : "false", (unsigned)((r >> 11) % 1000),
            (unsigned)((r >> 21) % 10), (unsigned)((r >> 25) % 1000), first, last, first, last,
            (unsigned)((q >> 16) % 100), words[(q >> 24) & 31], words[(q >> 29) & 31],
            words[(q >> 34) & 31], (unsigned)((q >> 39) % 999 + 1), words[(q >> 49) & 31],
            words[(r >> 35) & 31], (unsigned)((r >> 40) % 100000), (int)((q >> 54) % 180) - 90,
            (unsigned)((r >> 45) % 10000), (int)((q >> 45) % 360) - 180,
            (unsigned)((q >> 8) % 10000), (r >> 60) & 1 ? "null" : "\"see \\\"history\\\"\"");
        unsigned nh = (unsigned)((q >> 58) % 6);
        for (unsigned k = 0; !bad && k < nh; k++) {
            uint64_t e = splitmix(&s);
            bad |= buf_printf(&b, "%s{\"t\":%llu,\"event\":\"%s\",\"ok\":%s,\"amount\":%u.%02u}",
                              k ? "," : "", (unsigned long long)(1600000000u + (e % 100000000u)),
                              events[(e >> 30) & 7], (e >> 33) & 1 ? "true" : "false",
                              (unsigned)((e >> 34) % 500), (unsigned)((e >> 44) % 100));
        }
        bad |= buf_printf(&b, "]}");
    }
    bad |= buf_printf(&b, "]}");
    if (bad) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}

/* ---- the command line ------------------------------------------------------ */

static const char *const alloc_names[] = {"malloc", "arena", "alt"};

static int has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *w = list; (w = strstr(w, word)) != NULL; w += n)
        if ((w == list || w[-1] == ' ') && (w[n] == ' ' || w[n] == '\0'))
            return 1;
    return 0;
}

int ex_has_alt(const ex_prog_t *p, const char *mode)
{
    return p->alt != NULL && (p->alt_modes == NULL || has_word(p->alt_modes, mode));
}

/* One run in this process: its lines, then the digest. */
static int run_here(const ex_prog_t *p, const ex_cfg_t *c)
{
    uint64_t digest = 0;
    if (p->prepare(c) != 0)
        return 1;
    int rc = p->run(c, &digest);
    if (rc == 0)
        ex_put(c, "digest %016llx", (unsigned long long)digest);
    p->finish();
    return rc == 0 ? 0 : 1;
}

/* One run in a child process; its output in *out (malloc'd).  0 when the
 * child exited with 0. */
static int run_child(const ex_prog_t *p, ex_cfg_t c, char **out, size_t *len)
{
    int fds[2];
    *out = NULL;
    *len = 0;
    if (pipe(fds) != 0) {
        perror("pipe");
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        c.out = fdopen(fds[1], "w");
        if (c.out == NULL)
            _exit(1);
        int rc = run_here(p, &c);
        fclose(c.out);
        exit(rc); /* exit, not _exit: the memory tools' leak checks run at exit */
    }
    close(fds[1]);
    size_t cap = 4096;
    char *buf = malloc(cap);
    ssize_t got;
    while (buf != NULL) {
        if (*len == cap) {
            char *more = realloc(buf, 2 * cap);
            if (more == NULL)
                break;
            buf = more;
            cap *= 2;
        }
        got = read(fds[0], buf + *len, cap - *len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        *len += (size_t)got;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    *out = buf;
    if (buf == NULL)
        return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        fprintf(stderr, "%s %s (%s): the run failed with status %d\n", p->name, c.mode,
                alloc_names[c.alloc], WEXITSTATUS(status));
    else
        fprintf(stderr, "%s %s (%s): the run was killed by signal %d\n", p->name, c.mode,
                alloc_names[c.alloc], WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return -1;
}

/* Every mode with every allocation; 0 when all outputs match malloc's. */
static int check(const ex_prog_t *p, ex_cfg_t c)
{
    char modes[128];
    int failed = 0;
    snprintf(modes, sizeof modes, "%s", p->modes);
    for (char *save = NULL, *m = strtok_r(modes, " ", &save); m != NULL;
         m = strtok_r(NULL, " ", &save)) {
        char *ref = NULL;
        size_t ref_len = 0;
        c.mode = m;
        for (int a = EX_MALLOC; a <= EX_ALT; a++) {
            if (a == EX_ALT && !ex_has_alt(p, m))
                continue;
            char *got;
            size_t len;
            c.alloc = a;
            int ok = run_child(p, c, &got, &len) == 0;
            if (!ok) {
                failed = 1;
            } else if (a == EX_MALLOC) {
                printf("== %s %s, malloc:\n%.*s", p->name, m, (int)len, got);
            } else if (ref == NULL) {
                failed = 1; /* malloc's run failed: nothing to compare with */
            } else if (len != ref_len || memcmp(got, ref, len) != 0) {
                printf("== %s %s, %s: DIFFERENT from malloc's:\n%.*s", p->name, m,
                       a == EX_ARENA ? "arena" : p->alt, (int)len, got);
                failed = 1;
            } else {
                printf("== %s %s, %s: identical (%zu bytes)\n", p->name, m,
                       a == EX_ARENA ? "arena" : p->alt, len);
            }
            if (a == EX_MALLOC && ok) {
                ref = got;
                ref_len = len;
            } else {
                free(got);
            }
        }
        free(ref);
    }
    printf("%s: %s\n", p->name, failed ? "FAILED" : "every output identical to malloc's");
    return failed;
}

static void usage(const ex_prog_t *p)
{
    fprintf(stderr,
            "usage: %s [--malloc|--arena%s] [MODE] [--scale F] [--requests N] [--cap F]\n"
            "  modes: %s (default: every mode with every allocation, compared)\n",
            p->name, p->alt ? "|--alt" : "", p->modes);
}

int ex_main(int argc, char **argv, const ex_prog_t *p)
{
    int slow = ex_under_valgrind();
    ex_cfg_t c = {.alloc = -1,
                  .mode = NULL,
                  .scale = slow ? 0.05 : 1.0,
                  .requests = slow ? 1 : p->requests,
                  .cap = 4.0,
                  .out = stdout};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char *end = NULL;
        if (!strcmp(a, "--malloc")) {
            c.alloc = EX_MALLOC;
        } else if (!strcmp(a, "--arena")) {
            c.alloc = EX_ARENA;
        } else if (!strcmp(a, "--alt") && p->alt != NULL) {
            c.alloc = EX_ALT;
        } else if (!strcmp(a, "--scale") && i + 1 < argc) {
            c.scale = strtod(argv[++i], &end);
            if (*end != '\0' || !(c.scale > 0)) {
                usage(p);
                return 2;
            }
        } else if (!strcmp(a, "--requests") && i + 1 < argc) {
            c.requests = (unsigned)strtoul(argv[++i], &end, 10);
            if (*end != '\0' || c.requests == 0) {
                usage(p);
                return 2;
            }
        } else if (!strcmp(a, "--cap") && i + 1 < argc) {
            c.cap = strtod(argv[++i], &end);
            if (*end != '\0' || c.cap < 0) {
                usage(p);
                return 2;
            }
        } else if (a[0] != '-' && c.mode == NULL && has_word(p->modes, a)) {
            c.mode = a;
        } else {
            usage(p);
            return 2;
        }
    }
    if (c.alloc < 0) {
        if (c.mode != NULL) {
            usage(p);
            return 2;
        }
        return check(p, c);
    }
    static char first[64];
    if (c.mode == NULL) {
        snprintf(first, sizeof first, "%s", p->modes);
        first[strcspn(first, " ")] = '\0';
        c.mode = first;
    }
    if (c.alloc == EX_ALT && !ex_has_alt(p, c.mode)) {
        usage(p);
        return 2;
    }
    return run_here(p, &c);
}
