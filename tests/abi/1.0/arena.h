/*
 * arena.h -- heap arena (region, bump) allocation for C11 and C++.
 *
 * An arena hands out memory by bumping a position through large blocks and
 * releases it all at once (arena_reset, arena_restore, arena_destroy).  The
 * common case, a request that fits in the current block, is the static inline
 * arena_alloc_aligned() below: a few instructions and no call.  Everything
 * else (a new block, errors, the thread-safe path) is out of line in src/.
 *
 * Conventions shared by every function below:
 *   - Errors: allocation functions return NULL and set errno; int functions
 *     return -1 and set errno.  EINVAL: a NULL arena, a NULL required pointer,
 *     or an alignment that is 0 or not a power of two.  ENOMEM: the request
 *     cannot be met (size arithmetic that would overflow, a request larger
 *     than PTRDIFF_MAX, a fixed or capped arena that is full, or the backing
 *     allocator refusing).  A failed call leaves the arena exactly as it was.
 *     errno is left alone on success.  No function aborts or prints in a
 *     release build (NDEBUG); debug builds assert on misuse the API cannot
 *     report otherwise (a stale or foreign mark).
 *   - Functions that return nothing accept a NULL arena and do nothing.
 *   - Alignment: arena_alloc() aligns like malloc, to ARENA_DEFAULT_ALIGNMENT
 *     (alignof(max_align_t)); the aligned variants take any power of two up
 *     to 2^(bits of size_t - 1), applied to the absolute address.
 *   - Size 0 returns a non-NULL, suitably aligned pointer that must not be
 *     dereferenced (it may equal the next allocation's address).
 *   - Pointers stay valid until the arena is reset, restored to a mark taken
 *     before them, or destroyed.  Growth never moves earlier allocations.
 *   - Threads: an arena is owned by one thread at a time, except that any
 *     number of threads may call arena_alloc_thread_safe() on one arena at
 *     once.  Nothing else may run concurrently with that (in particular not
 *     arena_alloc, reset, restore, extend, trim or destroy): order those
 *     with the allocating threads yourself (join, barrier, mutex).
 */
#ifndef ARENA_H
#define ARENA_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ARENA_VERSION_MAJOR 1
#define ARENA_VERSION_MINOR 0
#define ARENA_VERSION_PATCH 0
#define ARENA_VERSION_STRING "1.0.0"

/* ---- portability ------------------------------------------------------ */

#if defined(__cplusplus)
#define ARENA_ALIGNOF(T) alignof(T)
#else
#define ARENA_ALIGNOF(T) _Alignof(T)
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ARENA__LIKELY(x) __builtin_expect(!!(x), 1)
#define ARENA__UNLIKELY(x) __builtin_expect(!!(x), 0)
#define ARENA__PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ARENA__MALLOC __attribute__((malloc))
#define ARENA__NOINLINE __attribute__((noinline))
#else
#define ARENA__LIKELY(x) (x)
#define ARENA__UNLIKELY(x) (x)
#define ARENA__PRINTF(f, a)
#define ARENA__MALLOC
#define ARENA__NOINLINE
#endif

#if defined(_WIN32) && defined(ARENA_SHARED_BUILD)
#define ARENA_API __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define ARENA_API __attribute__((visibility("default")))
#else
#define ARENA_API
#endif

/* Alignment of arena_alloc(), like malloc's: alignof(max_align_t). */
#define ARENA_DEFAULT_ALIGNMENT ((size_t)ARENA_ALIGNOF(max_align_t))

/* Bytes in the first block of arena_create(0). */
#define ARENA_DEFAULT_BLOCK_SIZE ((size_t)64 * 1024)

/* Regular blocks double in size up to this; a bigger request gets a block
 * of its own without changing the size of later blocks. */
#define ARENA_MAX_GROWTH_BLOCK ((size_t)64 * 1024 * 1024)

/* Debug builds (ARENA_DEBUG >= 1 when the library was built) fill memory
 * the arena has never handed out with ARENA_DEBUG_FRESH_BYTE, and memory
 * released by reset/restore/realloc-shrink with ARENA_DEBUG_FREED_BYTE, so
 * a read of uninitialised or released memory shows a recognisable value. */
#define ARENA_DEBUG_FRESH_BYTE 0xA5
#define ARENA_DEBUG_FREED_BYTE 0xDE

/* ---- types ------------------------------------------------------------- */

typedef struct arena arena_t;

/* Backing allocator: where blocks come from.  alloc returns `size` bytes
 * aligned to at least ARENA_DEFAULT_ALIGNMENT, or NULL; release gets back
 * exactly what alloc returned, with the same size.  Both are called with the
 * arena's lock held on the thread-safe path, never concurrently for one
 * arena.  This is also the seam where tests inject allocation failures. */
typedef struct arena_backing {
    void *(*alloc)(void *user, size_t size);
    void (*release)(void *user, void *ptr, size_t size);
    void *user;
} arena_backing_t;

/* Flags for arena_options_t.flags. */
#define ARENA_FIXED 0x1u /* never add a block except through arena_extend */

typedef struct arena_options {
    size_t block_size; /* data bytes in the first block; 0 picks ARENA_DEFAULT_BLOCK_SIZE
                          (with a buffer: 0 means "all of the buffer") */
    size_t max_size;   /* most bytes the arena may take from its backing, bookkeeping
                          included; 0: no cap.  A caller's buffer does not count. */
    unsigned flags;    /* ARENA_FIXED */
    void *buffer;      /* optional caller-owned memory holding the arena's bookkeeping
                          and first block; with ARENA_FIXED the heap is never touched */
    size_t buffer_size;
    arena_backing_t backing; /* all NULL: malloc/free (with the process-wide block cache) */
} arena_options_t;

/* A position in an arena, from arena_save(). Treat as opaque. */
typedef struct arena_mark {
    void *block;
    uintptr_t pos;
    uint64_t arena_id;
    uint64_t epoch;
    uint64_t serial;
} arena_mark_t;

typedef struct arena_stats {
    size_t used;      /* bytes handed out, alignment padding included (and the unused part
                         of per-thread chunks reserved by arena_alloc_thread_safe) */
    size_t capacity;  /* data bytes in all blocks held (current, full and spare) */
    size_t peak;      /* largest `used` since creation */
    size_t blocks;    /* blocks held */
    size_t available; /* bytes left in the current block */
    size_t backing;   /* bytes taken from the backing allocator, bookkeeping included */
    size_t max_size;  /* the cap from the options, 0 if none */
} arena_stats_t;

/* Description of one block, for arena_blocks(). */
typedef struct arena_block_info {
    const void *start; /* first data byte */
    size_t size;       /* data bytes */
    size_t used;       /* bytes handed out from it (0 for a spare block) */
    int state;         /* ARENA_BLOCK_FULL, ARENA_BLOCK_CURRENT or ARENA_BLOCK_SPARE */
} arena_block_info_t;

#define ARENA_BLOCK_FULL 0    /* an earlier block: allocation moved on from it */
#define ARENA_BLOCK_CURRENT 1 /* the block allocation bumps through */
#define ARENA_BLOCK_SPARE 2   /* kept for reuse after reset/restore/extend */

/* The first members of every arena: what the inline fast path reads.  Not
 * part of the API; never touch it. */
struct arena__hot {
    uintptr_t pos; /* next free byte of the current block */
    uintptr_t end; /* end of the space the inline path may use (<= block end) */
};

/* ---- life cycle -------------------------------------------------------- */

/* A growable arena whose first block holds at least `size` bytes (0: the
 * default).  One backing request.  NULL/ENOMEM on failure. */
ARENA_API arena_t *arena_create(size_t size);

/* An arena shaped by `options` (see arena_options_t).  NULL/EINVAL for a
 * NULL options, unknown flags, a buffer_size without a buffer, a buffer
 * too small for the bookkeeping (ARENA_BUFFER_OVERHEAD bytes), half a
 * backing (alloc without release or the reverse); NULL/ENOMEM when the
 * first block does not fit under max_size or the backing refuses. */
ARENA_API arena_t *arena_create_with(const arena_options_t *options);

/* Releases every block to the backing allocator (blocks from the default
 * malloc backing may go to the process-wide cache, see arena_cache_*).
 * All pointers from the arena end.  NULL: no-op.  O(blocks). */
ARENA_API void arena_destroy(arena_t *a);

/* Most bytes of a caller buffer the arena uses for its own bookkeeping;
 * a buffer of ARENA_BUFFER_OVERHEAD + N bytes serves at least N bytes. */
ARENA_API size_t arena_buffer_overhead(void);
#define ARENA_BUFFER_OVERHEAD (arena_buffer_overhead())

/* ---- allocation -------------------------------------------------------- */

ARENA_API void *arena__alloc_slow(arena_t *a, size_t size, size_t alignment);
ARENA_API void *arena__fail(int err);

/* `size` bytes aligned to `alignment` (any power of two).  Inline when the
 * request fits in the current block; O(1) amortised, O(spare blocks) when a
 * block is added.  Not thread-safe (see arena_alloc_thread_safe). */
static inline ARENA__MALLOC void *arena_alloc_aligned(arena_t *a, size_t size, size_t alignment)
{
    struct arena__hot *h = (struct arena__hot *)(void *)a;
    if (ARENA__LIKELY(h != NULL && (alignment & (alignment - 1)) == 0 && alignment != 0)) {
        uintptr_t pos = h->pos;
        size_t avail = (size_t)(h->end - pos);
        size_t pad = (size_t)(-pos & (uintptr_t)(alignment - 1));
        /* Compare sizes, never a pointer past the end. */
        if (ARENA__LIKELY(pad <= avail && size <= avail - pad)) {
            h->pos = pos + pad + size;
            return (void *)(pos + pad);
        }
    }
    return arena__alloc_slow(a, size, alignment);
}

/* `size` bytes aligned to ARENA_DEFAULT_ALIGNMENT, like malloc. */
static inline ARENA__MALLOC void *arena_alloc(arena_t *a, size_t size)
{
    return arena_alloc_aligned(a, size, ARENA_DEFAULT_ALIGNMENT);
}

/* Like arena_alloc_aligned, but any number of threads may call it on one
 * arena at once.  Lock-free on its fast path: each thread bumps through a
 * chunk of the arena's space cached for it (no atomics), and refills the
 * chunk with one compare-and-swap on the arena's position; the arena's lock
 * is taken only to add a block.  In sanitizer/valgrind-checked builds every
 * call takes the lock.  Stats count a reserved chunk as used. */
ARENA_API void *arena_alloc_thread_safe(arena_t *a, size_t size, size_t alignment);

/* count*size zeroed bytes at the default alignment; NULL/ENOMEM when the
 * product overflows. */
ARENA_API void *arena_calloc(arena_t *a, size_t count, size_t size);

/* Resizes `ptr` (old_size bytes, from this arena).  The most recent
 * allocation grows or shrinks in place when its block has room; otherwise
 * new memory (default alignment) receives min(old, new) bytes.  Never in
 * place across a mark saved after ptr was allocated: a shrink then returns
 * ptr unchanged and a grow copies, so restoring the mark keeps ptr whole.
 * NULL ptr: arena_alloc(new_size).  On failure the old block is untouched. */
ARENA_API void *arena_realloc(arena_t *a, void *ptr, size_t old_size, size_t new_size);

/* Internal: count*size bytes aligned to `alignment`, overflow-checked. */
static inline void *arena__alloc_array(arena_t *a, size_t count, size_t size, size_t alignment)
{
    if (ARENA__UNLIKELY(size != 0 && count > SIZE_MAX / size))
        return arena__fail(ENOMEM);
    return arena_alloc_aligned(a, count * size, alignment);
}

/* One (uninitialised) T, aligned for T. */
#define ARENA_NEW(a, T) ((T *)arena_alloc_aligned((a), sizeof(T), ARENA_ALIGNOF(T)))
/* n (uninitialised) Ts, aligned for T; NULL/ENOMEM when n*sizeof(T) overflows. */
#define ARENA_NEW_ARRAY(a, T, n) ((T *)arena__alloc_array((a), (n), sizeof(T), ARENA_ALIGNOF(T)))

/* ---- strings (alignment 1) --------------------------------------------- */

/* A copy of the NUL-terminated `s`; NULL/EINVAL for a NULL s. */
ARENA_API char *arena_strdup(arena_t *a, const char *s);
/* A NUL-terminated copy of at most n bytes of `s` (stops at its NUL). */
ARENA_API char *arena_strndup(arena_t *a, const char *s, size_t n);
/* printf into the arena.  Formats in place when the current block has room
 * (one pass), else measures and formats again.  NULL/EINVAL for a NULL fmt;
 * NULL with vsnprintf's errno (EOVERFLOW) when the output exceeds INT_MAX. */
ARENA_API char *arena_sprintf(arena_t *a, const char *fmt, ...) ARENA__PRINTF(2, 3);
ARENA_API char *arena_vsprintf(arena_t *a, const char *fmt, va_list ap) ARENA__PRINTF(2, 0);

/* ---- more memory, reset, marks ----------------------------------------- */

/* "More memory": adds a block of at least `extra` bytes to the arena, fixed
 * or growable, kept as the next block to use.  After it returns 0, an
 * allocation of `extra` bytes at the default alignment succeeds without a
 * backing request; earlier pointers stay valid.  -1/EINVAL for a NULL arena
 * or extra == 0; -1/ENOMEM when the size overflows, or the cap or the
 * backing refuses (arena unchanged).  One backing request. */
ARENA_API int arena_extend(arena_t *a, size_t extra);

/* Ends every allocation; keeps every block for reuse (the first block
 * becomes current, the others spare).  O(1) in a release build, O(blocks)
 * with debug fill or a memory tool.  Use arena_trim to give spare blocks
 * back. */
ARENA_API void arena_reset(arena_t *a);

/* Gives every spare block back to the backing allocator (the first block
 * and the blocks in use stay).  O(spare blocks). */
ARENA_API void arena_trim(arena_t *a);

/* The current position.  O(1); never fails (a NULL arena gives a mark that
 * arena_restore ignores). */
ARENA_API arena_mark_t arena_save(arena_t *a);

/* Ends every allocation made since `mark` was saved, across blocks; blocks
 * added since then become spare.  `used` returns to its value at the mark
 * and the next allocation gets the address the first one after the mark
 * got.  Marks nest LIFO: restoring to a mark invalidates the marks saved
 * after it, and arena_reset invalidates all.  A debug build stops with a
 * message on a foreign or invalidated mark; a release build ignores a
 * foreign mark or one whose block the arena no longer uses.  O(blocks
 * between the mark and the current block) to find the mark's block; the
 * release itself is O(1) in a release build. */
ARENA_API void arena_restore(arena_t *a, arena_mark_t mark);

/* ---- introspection ----------------------------------------------------- */

/* Counters (see arena_stats_t); all zero for a NULL arena.  O(1). */
ARENA_API arena_stats_t arena_stats(const arena_t *a);

/* Fills up to `max` entries of `out` with the arena's blocks: oldest full
 * block first, then the current one, then the spares; returns how many
 * blocks the arena holds (which may exceed max).  O(blocks). */
ARENA_API size_t arena_blocks(const arena_t *a, arena_block_info_t *out, size_t max);

/* 1 if `ptr` points into memory handed out by the arena and not released,
 * else 0.  O(blocks). */
ARENA_API int arena_owns(const arena_t *a, const void *ptr);

/* Walks every invariant of the arena (block list, positions, counters).
 * 0 if all hold; otherwise -1, errno EINVAL, and *why (if why is not NULL)
 * names the broken invariant.  O(blocks).  For tests and debugging. */
ARENA_API int arena_check(const arena_t *a, const char **why);

/* ---- the process-wide block cache -------------------------------------- */

/* Blocks of destroyed (or trimmed) arenas that use the default backing go
 * to a process-wide cache that new blocks of exactly the same size are taken
 * from, so short-lived arenas do not pay for fresh pages each time.  Two
 * tiers, each with its cap:
 *   - blocks under 4 MiB stay resident, at most arena_cache_limit() bytes
 *     (default ARENA_CACHE_DEFAULT_LIMIT), each at most a quarter of it;
 *   - blocks of 4 MiB and up (big arenas) are kept after madvise(MADV_FREE),
 *     at most arena_cache_lazy_limit() bytes (ARENA_CACHE_DEFAULT_LAZY_LIMIT):
 *     the kernel may take their pages back whenever it needs memory, and a
 *     reuse that finds them still there costs no page faults.
 * Thread-safe; a mutex is taken once per block, never per allocation. */
#define ARENA_CACHE_DEFAULT_LIMIT ((size_t)32 * 1024 * 1024)
#define ARENA_CACHE_DEFAULT_LAZY_LIMIT ((size_t)1024 * 1024 * 1024)

/* Set a tier's cap in bytes (0 disables the tier) and return the old cap;
 * lowering a cap frees what no longer fits. */
ARENA_API size_t arena_cache_set_limit(size_t bytes);
ARENA_API size_t arena_cache_limit(void);
ARENA_API size_t arena_cache_set_lazy_limit(size_t bytes);
ARENA_API size_t arena_cache_lazy_limit(void);
/* Bytes the cache holds now, both tiers. */
ARENA_API size_t arena_cache_size(void);
/* Frees every cached block to the system. */
ARENA_API void arena_cache_release(void);

/* "1.0.0" */
ARENA_API const char *arena_version(void);

#ifdef __cplusplus
}
#endif

#endif /* ARENA_H */
