/*
 * sqlite.c -- SQLite on an arena: a database's whole life in a heap.
 *
 * SQLite's hooks are process-wide (sqlite3_config(SQLITE_CONFIG_MALLOC),
 * before sqlite3_initialize) and take no context pointer; xRealloc and
 * xFree get no old size, xSize asks for it.  SQLite frees and reallocates
 * as it goes (row buffers, statements, pages of its cache), so the
 * recommended wiring is a heap: small int-typed wrappers around the
 * arena_use_* hooks, the heap this thread's current heap for the life of
 * the connection, the connection closed before the arena ends.  What
 * sqlite3_initialize allocates, with no heap current, lives in malloc
 * behind the same header and goes back there at sqlite3_shutdown.
 *
 * The work: 100,000 rows in a table with two indexes, then rounds of
 * grouped and ranged queries, updates, deletes and inserts, each round a
 * transaction; in memory, and in a file.  The file database's arena has a
 * cap, max_size, of --cap times SQLite's live peak (4 by default; the peak
 * is measured by a first run without it), and an on_limit callback that
 * asks SQLite to shed its page cache (sqlite3_db_release_memory) before
 * the arena fails.  That callback runs inside an allocation SQLite asked
 * for, so SQLite's memory statistics must be off (SQLITE_CONFIG_MEMSTATUS):
 * they hold a mutex around every call of the hooks, which the free inside
 * the callback would wait on for ever.
 */
#include "example.h"

#include <arena.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the wiring ------------------------------------------------------------ */

static void *x_malloc(int n)
{
    return arena_use_malloc((size_t)n);
}

static void x_free(void *p)
{
    arena_use_free(p);
}

static void *x_realloc(void *p, int n)
{
    return arena_use_realloc(p, (size_t)n);
}

static int x_size(void *p)
{
    return (int)arena_use_size(p);
}

static int x_roundup(int n)
{
    return (n + 15) & ~15; /* what a heap chunk holds */
}

static int x_init(void *unused)
{
    (void)unused;
    return SQLITE_OK;
}

static void x_shutdown(void *unused)
{
    (void)unused;
}

static const sqlite3_mem_methods arena_methods = {x_malloc,  x_free, x_realloc,  x_size,
                                                  x_roundup, x_init, x_shutdown, NULL};

/* The arena's soft limit: ask SQLite to shed memory, retry if it did. */
typedef struct {
    sqlite3 *db;
    arena_heap_t *heap;
    unsigned calls;
} shed_t;

static int on_limit(arena_t *a, size_t wanted, void *user)
{
    shed_t *s = user;
    (void)a;
    (void)wanted;
    s->calls++;
    if (s->db == NULL)
        return 0;
    size_t before = arena_heap_stats(s->heap).live;
    sqlite3_db_release_memory(s->db);
    return arena_heap_stats(s->heap).live < before;
}

/* ---- the work ---------------------------------------------------------------- */

static size_t rows;

static int prepare(const ex_cfg_t *c)
{
    rows = (size_t)(c->scale * 100000);
    if (rows < 1000)
        rows = 1000;
    return 0;
}

static void finish(void)
{
}

static const char *const cities[8] = {"lisbon", "oslo",  "nairobi", "quito",
                                      "hanoi",  "dakar", "perth",   "tromso"};

static int exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "sqlite: %s: %s\n", sql, err ? err : sqlite3_errmsg(db));
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

/* Runs stmt to the end, hashing every column of every row. */
static int drain(sqlite3 *db, sqlite3_stmt *st, uint64_t *h, size_t *n)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const unsigned char *t = sqlite3_column_text(st, i);
            *h = ex_hash_str(*h, (const char *)t);
        }
        (*n)++;
    }
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "sqlite: %s: %s\n", sqlite3_sql(st), sqlite3_errmsg(db));
        return -1;
    }
    return sqlite3_reset(st) == SQLITE_OK ? 0 : -1;
}

static int insert_rows(sqlite3 *db, size_t from, size_t count)
{
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO people(id, name, city, grp, score, note) "
                           "VALUES (?, ?, ?, ?, ?, ?)",
                           -1, &ins, NULL)
        != SQLITE_OK)
        return -1;
    char name[40], note[80];
    int rc = 0;
    for (size_t i = from; i < from + count && rc == 0; i++) {
        unsigned k = (unsigned)(i * 2654435761u);
        snprintf(name, sizeof name, "%s-%07zu", cities[k >> 29], (size_t)(k % 9999991));
        snprintf(note, sizeof note, "row %zu of group %u%.*s", i, k % 97, (int)(k % 40),
                 "........................................");
        sqlite3_bind_int64(ins, 1, (sqlite3_int64)i);
        sqlite3_bind_text(ins, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 3, cities[(k >> 26) & 7], -1, SQLITE_STATIC);
        sqlite3_bind_int(ins, 4, (int)(k % 97));
        sqlite3_bind_int(ins, 5, (int)(k % 10007));
        sqlite3_bind_text(ins, 6, note, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ins) != SQLITE_DONE || sqlite3_reset(ins) != SQLITE_OK)
            rc = -1;
    }
    if (rc != 0)
        fprintf(stderr, "sqlite: insert: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(ins);
    return rc;
}

typedef struct {
    size_t rows_read, changed;
    uint64_t h;
} totals_t;

static int workload(sqlite3 *db, int in_file, unsigned rounds, totals_t *t)
{
    if (exec(db, in_file ? "PRAGMA synchronous=OFF" : "PRAGMA synchronous=OFF") != 0
        || exec(db, "CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                    "city TEXT, grp INTEGER, score INTEGER, note TEXT)")
               != 0
        || exec(db, "BEGIN") != 0 || insert_rows(db, 0, rows) != 0 || exec(db, "COMMIT") != 0
        || exec(db, "CREATE INDEX people_name ON people(name)") != 0
        || exec(db, "CREATE INDEX people_grp ON people(grp, score)") != 0)
        return -1;
    static const char *const queries[3] = {
        "SELECT grp, count(*), sum(score), max(name) FROM people WHERE grp BETWEEN ?1 AND ?1 + 9 "
        "GROUP BY grp ORDER BY grp",
        "SELECT id, name, city, score FROM people WHERE name >= ?2 ORDER BY name LIMIT 200",
        "SELECT city, count(*), avg(score), group_concat(id % 10, '') FROM people "
        "WHERE score BETWEEN ?1 * 100 AND ?1 * 100 + 50 GROUP BY city ORDER BY city"};
    static const char *const changes[4] = {
        "UPDATE people SET score = score + 1, note = note || '+' WHERE grp = ?1",
        "UPDATE people SET city = upper(city) WHERE id % 89 = ?1",
        "DELETE FROM people WHERE id % 101 = ?1",
        "DELETE FROM people WHERE name BETWEEN ?2 AND ?2 || 'z' AND grp % 2 = 0"};
    sqlite3_stmt *q[3] = {NULL}, *w[4] = {NULL};
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++)
        rc = sqlite3_prepare_v2(db, queries[i], -1, &q[i], NULL) == SQLITE_OK ? 0 : -1;
    for (int i = 0; i < 4 && rc == 0; i++)
        rc = sqlite3_prepare_v2(db, changes[i], -1, &w[i], NULL) == SQLITE_OK ? 0 : -1;
    if (rc != 0)
        fprintf(stderr, "sqlite: prepare: %s\n", sqlite3_errmsg(db));
    for (unsigned r = 0; r < rounds && rc == 0; r++) {
        char prefix[16];
        snprintf(prefix, sizeof prefix, "%s-%u", cities[r & 7], r % 10);
        rc = exec(db, "BEGIN");
        for (int i = 0; i < 3 && rc == 0; i++) {
            sqlite3_bind_int(q[i], 1, (int)(r * 7 % 90));
            if (i == 1)
                sqlite3_bind_text(q[i], 2, prefix, -1, SQLITE_TRANSIENT);
            rc = drain(db, q[i], &t->h, &t->rows_read);
        }
        for (int i = 0; i < 4 && rc == 0; i++) {
            sqlite3_bind_int(w[i], 1, (int)(r * 13 % 89));
            if (i == 3)
                sqlite3_bind_text(w[i], 2, prefix, -1, SQLITE_TRANSIENT);
            size_t none = 0;
            rc = drain(db, w[i], &t->h, &none);
            t->changed += (size_t)sqlite3_changes(db);
        }
        if (rc == 0)
            rc = insert_rows(db, rows + (size_t)r * 500, 500);
        if (rc == 0)
            rc = exec(db, "COMMIT");
    }
    for (int i = 0; i < 3; i++)
        sqlite3_finalize(q[i]);
    for (int i = 0; i < 4; i++)
        sqlite3_finalize(w[i]);
    sqlite3_stmt *sum;
    if (rc == 0
        && sqlite3_prepare_v2(db,
                              "SELECT count(*), sum(score), total(length(note)), "
                              "count(DISTINCT city) FROM people",
                              -1, &sum, NULL)
               == SQLITE_OK) {
        rc = drain(db, sum, &t->h, &t->rows_read);
        sqlite3_finalize(sum);
    }
    return rc;
}

/* One database from open to close; peak: SQLite's live peak in the heap. */
static int one_database(const ex_cfg_t *c, size_t max_size, totals_t *t, size_t *peak)
{
    int in_file = !strcmp(c->mode, "file");
    char path[256] = ":memory:";
    if (in_file) {
        const char *dir = getenv("TMPDIR");
        snprintf(path, sizeof path, "%s/arena-example-%ld.db", dir && *dir ? dir : "/tmp",
                 (long)getpid());
        unlink(path);
    }
    arena_t *a = NULL;
    arena_heap_t *heap = NULL;
    shed_t shed = {0};
    if (c->alloc != EX_MALLOC) {
        /* The database's arena (capped: a soft limit first) and its heap,
         * current on this thread while the connection lives. */
        arena_options_t o = {.max_size = max_size, .on_limit = on_limit, .on_limit_user = &shed};
        a = arena_create_with(&o);
        heap = a != NULL ? arena_heap_create(a) : NULL;
        if (heap == NULL) {
            arena_destroy(a);
            return -1;
        }
        shed.heap = heap;
        arena_heap_use(heap);
    }
    sqlite3 *db = NULL;
    int rc = sqlite3_open(path, &db) == SQLITE_OK ? 0 : -1;
    shed.db = db;
    if (rc == 0)
        rc = workload(db, in_file, c->requests, t);
    else
        fprintf(stderr, "sqlite: open %s: %s\n", path, sqlite3_errmsg(db));
    shed.db = NULL;
    sqlite3_close(db); /* before its arena ends */
    if (a != NULL) {
        arena_heap_stats_t s = arena_heap_stats(heap);
        *peak = s.peak_live;
        if (getenv("EX_VERBOSE") != NULL)
            fprintf(stderr,
                    "sqlite %s: heap peak live %zu, peak taken %zu (%.3fx); arena cap %zu, "
                    "backing now %zu, on_limit calls %u\n",
                    c->mode, s.peak_live, s.peak_taken, (double)s.peak_taken / (double)s.peak_live,
                    max_size, arena_stats(a).backing, shed.calls);
        arena_heap_use(NULL);
        arena_destroy(a);
    }
    if (in_file) {
        char journal[300];
        snprintf(journal, sizeof journal, "%s-journal", path);
        unlink(path);
        unlink(journal);
    }
    return rc;
}

static size_t file_peak; /* SQLite's live peak on the file database, once measured */

static int run(const ex_cfg_t *c, uint64_t *digest)
{
    if (c->alloc != EX_MALLOC) {
        /* Process-wide, before sqlite3_initialize and with no heap current. */
        if (sqlite3_config(SQLITE_CONFIG_MALLOC, &arena_methods) != SQLITE_OK)
            return -1;
    }
    /* SQLite's memory statistics hold a mutex around every call of the
     * hooks: on_limit, which frees through SQLite, needs it not held (both
     * allocations run without them, so that they differ in nothing else). */
    if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
        return -1;
    if (sqlite3_initialize() != SQLITE_OK)
        return -1;
    totals_t t = {.h = EX_SEED};
    size_t peak = 0, cap = 0;
    int rc = 0;
    if (c->alloc != EX_MALLOC && !strcmp(c->mode, "file") && c->cap > 0) {
        if (file_peak == 0) { /* a first run to measure the live peak */
            totals_t scratch = {.h = EX_SEED};
            rc = one_database(c, 0, &scratch, &file_peak);
        }
        cap = (size_t)(c->cap * (double)file_peak);
        ex_cap_bytes = cap;
    }
    if (rc == 0)
        rc = one_database(c, cap, &t, &peak);
    sqlite3_shutdown(); /* frees what sqlite3_initialize allocated, from malloc */
    if (rc != 0)
        return -1;
    ex_put(c, "%zu rows, %u rounds: %zu rows read, %zu rows changed", rows, c->requests,
           t.rows_read, t.changed);
    *digest = t.h;
    return 0;
}

const ex_prog_t ex_sqlite = {"sqlite", "memory file", NULL, NULL, 10, prepare, run, finish};

#ifndef EX_NO_MAIN
int main(int argc, char **argv)
{
    return ex_main(argc, argv, &ex_sqlite);
}
#endif
