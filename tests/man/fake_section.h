/* ---- a section the generator has never seen ----------------------------- */

/* Called with its context when the arena ends. */
typedef void (*arena_fake_cleanup_fn)(void *ctx);

/* Counters of a fake heap. */
typedef struct arena_fake_stats {
    size_t live;   /* bytes live */
    size_t chunks; /* chunks handed out,
                      over two lines */
} arena_fake_stats_t;

typedef enum {
    ARENA_FAKE_FIRST = 1, /* the first kind */
    ARENA_FAKE_SECOND
} arena_fake_kind_t;

#define ARENA_FAKE_LIMIT ((size_t)42) /* a limit */

/* Registers `fn` with `ctx`: -1/ENOMEM when it cannot, and the arena is
 * left as it was.
 *   - a bullet that continues
 *     on a second line;
 *   - a second bullet.
 * .A line that starts with a dot, 'a quote', a \backslash and -1. */
ARENA_API int arena_fake_defer(arena_t *a, void (*fn)(void *), void *ctx);
ARENA_API void arena_fake_run_every_cleanup_with_a_long_name(arena_t *a, arena_fake_kind_t kind,
                                                             size_t count, void *ctx);

/* Inline, like arena_alloc. */
static inline int arena_fake_inline(arena_t *a)
{
    return a != NULL;
}

/* A typed helper. */
#define ARENA_FAKE_NEW(a, T) ((T *)arena_alloc((a), sizeof(T)))

/* Internal. */
ARENA_API void arena__fake_internal(void);
#define ARENA__FAKE_INTERNAL 1
