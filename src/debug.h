/*
 * debug.h -- check levels, the debug assertion, and the debug record of
 * valid marks.  A leaf: it knows nothing of an arena's layout.
 *
 * Levels (ARENA_DEBUG, fixed when the library is built):
 *   0  release: only the cheap checks every error report needs;
 *   1  debug: assertions with messages, fill patterns, the mark record
 *      (the default without NDEBUG);
 *   2  expensive: arena_check() after every out-of-line operation.
 */
#ifndef ARENA_DEBUG_H
#define ARENA_DEBUG_H

#include "arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef ARENA_DEBUG
#ifdef NDEBUG
#define ARENA_DEBUG 0
#else
#define ARENA_DEBUG 1
#endif
#endif

#if ARENA_DEBUG >= 1
/* Prints "arena[name]: call: msg (file:line)" to stderr (name and call when
 * not NULL) and aborts. */
void arena__assert_fail(const char *name, const char *call, const char *file, int line,
                        const char *msg);
#define ARENA__ASSERT_CALL(cond, name, call, msg)                                                  \
    do {                                                                                           \
        if (!(cond))                                                                               \
            arena__assert_fail((name), (call), __FILE__, __LINE__, (msg));                         \
    } while (0)
#else
#define ARENA__ASSERT_CALL(cond, name, call, msg) ((void)0)
#endif
#define ARENA__ASSERT_NAMED(cond, name, msg) ARENA__ASSERT_CALL(cond, name, NULL, msg)
#define ARENA__ASSERT(cond, msg) ARENA__ASSERT_NAMED(cond, NULL, msg)

/* ---- the record of valid marks ------------------------------------------------
 * Marks nest LIFO: a mark is valid from arena_save until a restore to an
 * older mark or a reset.  Serials grow with every save, so the valid marks
 * form a stack of increasing serials: save pushes, restore(m) pops every
 * serial above m's, reset empties it.  The stack lives in a window inside
 * the arena (ARENA_DEBUG_MARK_WINDOW entries); an arena that may touch the
 * heap grows it with malloc, so every stale mark is caught (not through the
 * arena's backing hooks: a backing sees the same requests in debug and
 * release builds, so a test that refuses its Nth request means the same in
 * both); a fixed arena in a caller's buffer keeps the window, and a mark
 * pushed out of it is then only known to be older than the window
 * (`dropped`): restoring to such a mark is accepted, and moves `dropped`
 * down to it, since every mark saved after it is stale from then on.
 * Release builds keep no record.                                         */
#define ARENA__MARK_WINDOW ((size_t)ARENA_DEBUG_MARK_WINDOW)

#if ARENA_DEBUG >= 1
typedef struct arena__marks {
    uint64_t *v; /* the stack: `window`, or a block from the backing */
    size_t n, cap;
    uint64_t dropped; /* every serial at or below it is untracked */
    uint64_t window[ARENA__MARK_WINDOW];
} arena__marks_t;

void arena__marks_init(arena__marks_t *m);
/* grow: whether the stack may grow on the heap (else it keeps the window). */
void arena__marks_push(arena__marks_t *m, uint64_t serial, bool grow);
bool arena__marks_valid(const arena__marks_t *m, uint64_t serial);
void arena__marks_restore(arena__marks_t *m, uint64_t serial);
void arena__marks_clear(arena__marks_t *m, uint64_t newest);
void arena__marks_free(arena__marks_t *m);
#else
typedef struct arena__marks {
    char unused;
} arena__marks_t;

static inline void arena__marks_init(arena__marks_t *m)
{
    (void)m;
}
static inline void arena__marks_push(arena__marks_t *m, uint64_t serial, bool g)
{
    (void)m;
    (void)serial;
    (void)g;
}
static inline bool arena__marks_valid(const arena__marks_t *m, uint64_t serial)
{
    (void)m;
    (void)serial;
    return true;
}
static inline void arena__marks_restore(arena__marks_t *m, uint64_t serial)
{
    (void)m;
    (void)serial;
}
static inline void arena__marks_clear(arena__marks_t *m, uint64_t newest)
{
    (void)m;
    (void)newest;
}
static inline void arena__marks_free(arena__marks_t *m)
{
    (void)m;
}
#endif

#endif /* ARENA_DEBUG_H */
