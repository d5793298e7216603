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
 *     with the allocating threads yourself (join, barrier, mutex).  Distinct
 *     arenas are independent: any thread may use its own arenas while other
 *     threads use theirs, and the process-wide state (the block cache, id
 *     counters) is thread-safe and survives fork() in the child.
 *
 * ABI: docs/abi.md says what stays binary-compatible across 1.x releases.
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
#define ARENA_VERSION_MINOR 1
#define ARENA_VERSION_PATCH 0
#define ARENA_VERSION_STRING "1.1.0"
/* One number that grows with every release: major * 10000 + minor * 100 +
 * patch (10100 for 1.1.0), for #if tests against a minimum version. */
#define ARENA_VERSION_NUMBER                                                                       \
    (ARENA_VERSION_MAJOR * 10000 + ARENA_VERSION_MINOR * 100 + ARENA_VERSION_PATCH)

/* ---- portability ------------------------------------------------------ */

#if defined(__cplusplus)
#define ARENA_ALIGNOF(T) alignof(T)
#else
#define ARENA_ALIGNOF(T) _Alignof(T)
#endif

/* Windows: define ARENA_DLL when linking against the DLL (the CMake target
 * arena::arena_shared does it for you); nothing for the static library. */
#if defined(_WIN32)
#if defined(ARENA_BUILDING_DLL)
#define ARENA_API __declspec(dllexport)
#elif defined(ARENA_DLL)
#define ARENA_API __declspec(dllimport)
#else
#define ARENA_API
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define ARENA_API __attribute__((visibility("default")))
#else
#define ARENA_API
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ARENA__MALLOC __attribute__((malloc))
#if defined(__MINGW32__) && !defined(__clang__)
/* MinGW's gcc checks printf formats against msvcrt's, which lacks %zu;
 * the library formats with the C99 printf. */
#define ARENA__PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#else
#define ARENA__PRINTF(f, a) __attribute__((format(printf, f, a)))
#endif
#else
#define ARENA__MALLOC
#define ARENA__PRINTF(f, a)
#endif

/* Alignment of arena_alloc(), like malloc's: alignof(max_align_t). */
#define ARENA_DEFAULT_ALIGNMENT ((size_t)ARENA_ALIGNOF(max_align_t))

/* Bytes in the first block of arena_create(0). */
#define ARENA_DEFAULT_BLOCK_SIZE ((size_t)64 * 1024)

/* Regular blocks double in size up to this; a bigger request gets a block
 * of its own without changing the size of later blocks.  A block_size
 * larger than any block can be (PTRDIFF_MAX less a block header) is, for the
 * blocks that follow a caller's buffer, this size instead. */
#define ARENA_MAX_GROWTH_BLOCK ((size_t)64 * 1024 * 1024)

/* Debug builds (ARENA_DEBUG >= 1 when the library was built) fill memory
 * the arena has never handed out with ARENA_DEBUG_FRESH_BYTE, and memory
 * released by reset/restore/realloc-shrink with ARENA_DEBUG_FREED_BYTE, so
 * a read of uninitialised or released memory shows a recognisable value. */
#define ARENA_DEBUG_FRESH_BYTE 0xA5
#define ARENA_DEBUG_FREED_BYTE 0xDE

/* Debug builds record which marks are valid so that arena_restore can stop
 * on a stale one.  The record starts with room for ARENA_DEBUG_MARK_WINDOW
 * marks inside the arena and grows with malloc (never through the backing
 * hooks, which see the same requests in debug and release builds), so every
 * stale mark is caught.  A fixed arena in a caller's buffer (ARENA_FIXED
 * with a buffer) never touches the heap: it keeps the newest
 * ARENA_DEBUG_MARK_WINDOW valid marks; a restore to a mark older than those
 * is accepted, and from then on every mark saved after it is caught. */
#define ARENA_DEBUG_MARK_WINDOW 16

/* ---- types ------------------------------------------------------------- */

typedef struct arena arena_t;

/* Backing allocator: where blocks come from.  alloc returns `size` bytes
 * aligned to at least ARENA_DEFAULT_ALIGNMENT, or NULL; release gets back
 * exactly what alloc returned, with the same size.  Both are called with the
 * arena's lock held on the thread-safe path, never concurrently for one
 * arena; child arenas use their parent's backing, so a hierarchy whose
 * arenas live on several threads may call it concurrently.  Sizes never
 * exceed PTRDIFF_MAX.  This is also the seam where tests
 * inject allocation failures (see arena_testing.h). */
typedef struct arena_backing {
    void *(*alloc)(void *user, size_t size);
    void (*release)(void *user, void *ptr, size_t size);
    void *user;
} arena_backing_t;

/* Flags for arena_options_t.flags. */
#define ARENA_FIXED 0x1u /* never add a block except through arena_extend */

/* Options for arena_create_with().  Zero (`{0}` or memset) means the
 * default for every field.  Fields are only ever added at the end
 * (docs/abi.md): code that zeroes the struct and sets what it knows keeps
 * its meaning in every 1.x release. */
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
    /* ---- since 1.1 ---- */
    const char *name; /* copied (at most ARENA_NAME_MAX bytes kept); shown by arena_report
                         and in debug messages; NULL: none */
    /* Called when a block request would pass max_size (the arena's or an
     * ancestor's) or the backing refuses it, with the bytes the caller asked
     * for.  Nonzero: the arena tries once more.  Called without the arena's
     * lock; it may give memory back to the arena (arena_pop, a heap's free)
     * but not allocate from it or change it otherwise (a debug build stops;
     * a release build refuses that allocation with EINVAL).  From
     * arena_alloc_thread_safe, other threads go on allocating meanwhile. */
    int (*on_limit)(arena_t *a, size_t wanted, void *user);
    void *on_limit_user;
} arena_options_t;

/* Bytes of a name an arena keeps (the rest is cut off). */
#define ARENA_NAME_MAX 31

/* A position in an arena, from arena_save().  Opaque; its size and
 * alignment are fixed for 1.x (docs/abi.md). */
typedef struct arena_mark {
    void *block;
    uintptr_t pos;
    uint64_t arena_id;
    uint64_t epoch;
    uint64_t serial;
} arena_mark_t;

/* Counters from arena_stats().  Fixed for 1.x: new counters come through
 * new functions, never new fields. */
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

/* ---- not API ------------------------------------------------------------
 * What the inline functions below need from the library.  Never use these
 * directly; their names and layout are fixed for 1.x only because compiled
 * programs depend on them (docs/abi.md). */

/* In C++ a function named like a struct (arena_stats) hides the struct's
 * constructor, and g++ -Wshadow says so; C code, and C++ through the
 * typedef names, means no harm.  These bracket such declarations. */
#if defined(__cplusplus) && defined(__GNUC__) && !defined(__clang__)
#define ARENA__SHADOW_OFF                                                                          \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wshadow\"")
#define ARENA__SHADOW_ON _Pragma("GCC diagnostic pop")
#else
#define ARENA__SHADOW_OFF
#define ARENA__SHADOW_ON
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ARENA__LIKELY(x) __builtin_expect(!!(x), 1)
#define ARENA__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define ARENA__LIKELY(x) (x)
#define ARENA__UNLIKELY(x) (x)
#endif

/* The first members of every arena: what the inline fast path reads. */
struct arena__hot {
    uintptr_t pos; /* next free byte of the current block */
    uintptr_t end; /* end of the space the inline path may use (<= block end) */
};

/* Bytes needed to move p up to a multiple of `alignment` (a power of two). */
static inline size_t arena__padding(uintptr_t p, size_t alignment)
{
    return (size_t)(-p & (uintptr_t)(alignment - 1));
}

/* Everything the inline path does not serve: validation, a new block. */
ARENA_API void *arena__alloc_slow(arena_t *a, size_t size, size_t alignment);
/* Sets errno to err and returns NULL. */
ARENA_API void *arena__fail(int err);
/* Sized entry points behind arena_create_with and arena_create_child (see
 * docs/abi.md). */
ARENA_API arena_t *arena__create_sized(const arena_options_t *options, size_t options_size);
ARENA_API arena_t *arena__create_child_sized(arena_t *parent, const arena_options_t *options,
                                             size_t options_size);
/* Sized getter behind arena_heap_stats (see there). */
struct arena_heap;
struct arena_heap_stats;
ARENA_API void arena__heap_stats_sized(const struct arena_heap *h, struct arena_heap_stats *out,
                                       size_t out_size);

/* ---- life cycle -------------------------------------------------------- */

/* A growable arena whose first block holds at least `size` bytes (0: the
 * default).  One backing request.  NULL/ENOMEM on failure, also for a size
 * no block can hold. */
ARENA_API arena_t *arena_create(size_t size);

/* An arena shaped by `options` (see arena_options_t).  NULL/EINVAL for a
 * NULL options, unknown flags, a buffer_size without a buffer, a buffer
 * too small for the bookkeeping (ARENA_BUFFER_OVERHEAD bytes), half a
 * backing (alloc without release or the reverse); NULL/ENOMEM when the
 * first block does not fit under max_size or the backing refuses, or a
 * first block of block_size bytes cannot exist.  With a caller's buffer,
 * later blocks have block_size bytes (a block_size no block can hold means
 * ARENA_MAX_GROWTH_BLOCK).  O(1), one backing request without a buffer.
 *
 * It is a macro over a sized entry point, so that a program built against
 * this header passes the size of the options it knows; the function of the
 * same name stays for programs built against 1.0 (it reads 1.0's fields). */
ARENA_API arena_t *arena_create_with(const arena_options_t *options);
/* Variadic, so that a compound literal with commas stays one argument. */
#define arena_create_with(...) arena__create_sized((__VA_ARGS__), sizeof(arena_options_t))

/* Releases every block to the backing allocator (blocks from the default
 * malloc backing may go to the process-wide cache, see arena_cache_*).
 * All pointers from the arena end.  NULL: no-op.  O(blocks). */
ARENA_API void arena_destroy(arena_t *a);

/* Most bytes of a caller's buffer the arena keeps for its bookkeeping: a
 * buffer of ARENA_BUFFER_OVERHEAD + N bytes, wherever it starts, has a first
 * block of at least N bytes, which begins at the default alignment (so it
 * serves an allocation of N bytes at alignment 1 or the default alignment),
 * in debug and release builds alike.  A constant expression that
 * depends only on the pointer size (768 on 64-bit systems, 512 on 32-bit),
 * so it can size a static buffer.  arena_buffer_overhead() returns it. */
#define ARENA_BUFFER_OVERHEAD ((size_t)(256 + 64 * sizeof(void *)))
ARENA_API size_t arena_buffer_overhead(void);

/* Bytes a child arena takes from its parent (arena_create_child): its
 * record in the parent's list and its bookkeeping, in debug and release
 * builds alike; a child of a fixed arena in a caller's buffer takes its
 * first block there too.  A constant expression that depends only on the
 * pointer size (640 on 64-bit systems, 448 on 32-bit), a multiple of
 * ARENA_DEFAULT_ALIGNMENT. */
#define ARENA_CHILD_OVERHEAD ((size_t)(256 + 48 * sizeof(void *)))

/* ---- allocation -------------------------------------------------------- */

/* `size` bytes aligned to `alignment` (any power of two).  Inline when the
 * request fits in the current block; O(1) amortised, O(spare blocks) when a
 * block is added.  Not thread-safe (see arena_alloc_thread_safe). */
static inline ARENA__MALLOC void *arena_alloc_aligned(arena_t *a, size_t size, size_t alignment)
{
    struct arena__hot *h = (struct arena__hot *)(void *)a;
    if (ARENA__LIKELY(h != NULL && (alignment & (alignment - 1)) == 0 && alignment != 0)) {
        uintptr_t pos = h->pos;
        size_t avail = (size_t)(h->end - pos);
        size_t pad = arena__padding(pos, alignment);
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
 * is taken only to add a block.  Whenever arena_alloc_aligned would succeed
 * on the arena at rest, this succeeds too (spare and extended blocks, the
 * last room under max_size).  A thread keeps chunks for up to 8 arenas at a
 * time; chunks start small and grow with use, so a thread that spreads
 * requests over more arenas wastes little.  In sanitizer/valgrind-checked
 * builds every call takes the lock.  Stats count a reserved chunk as used. */
ARENA_API void *arena_alloc_thread_safe(arena_t *a, size_t size, size_t alignment);

/* count*size zeroed bytes at the default alignment; NULL/ENOMEM when the
 * product overflows. */
ARENA_API void *arena_calloc(arena_t *a, size_t count, size_t size);

/* Resizes `ptr` (old_size bytes, from this arena).  A shrink never moves
 * and never fails: it returns ptr, and gives the tail back when ptr is the
 * most recent allocation.  A grow of the most recent allocation happens in
 * place when its block has room; otherwise new memory (default alignment)
 * receives the old bytes.  Never in place across a mark saved after ptr was
 * allocated: a shrink then keeps ptr as it is and a grow copies, so
 * restoring the mark keeps ptr whole.  NULL ptr: arena_alloc(new_size).
 * On failure the old block is untouched. */
ARENA_API void *arena_realloc(arena_t *a, void *ptr, size_t old_size, size_t new_size);

/* Gives back the most recent allocation: when [ptr, ptr+size) ends at the
 * arena's position and no mark was saved after ptr, the position moves back
 * to ptr and 1 is returned; otherwise nothing changes and 0 is returned
 * (also for a NULL arena or ptr).  The alignment padding before ptr stays
 * used.  O(1). */
ARENA_API int arena_pop(arena_t *a, void *ptr, size_t size);

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
 * NULL with vsnprintf's errno (EOVERFLOW) when the output exceeds INT_MAX.
 * A failed call leaves the arena's memory as it was, fill patterns and
 * poisoning included. */
ARENA_API char *arena_sprintf(arena_t *a, const char *fmt, ...) ARENA__PRINTF(2, 3);
ARENA_API char *arena_vsprintf(arena_t *a, const char *fmt, va_list ap) ARENA__PRINTF(2, 0);

/* ---- more memory, reset, marks ----------------------------------------- */

/* "More memory": adds a block of at least `extra` bytes to the arena, fixed
 * or growable, kept as the next block to use.  After it returns 0, an
 * allocation of `extra` bytes at the default alignment succeeds without a
 * backing request (through arena_alloc or arena_alloc_thread_safe); earlier
 * pointers stay valid.  -1/EINVAL for a NULL arena or extra == 0;
 * -1/ENOMEM when the size overflows, or the cap or the backing refuses
 * (arena unchanged).  One backing request. */
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
 * message on a foreign or invalidated mark (see ARENA_DEBUG_MARK_WINDOW); a
 * release build ignores a foreign mark or one whose block the arena no
 * longer uses.  O(blocks between the mark and the current block) to find
 * the mark's block; the release itself is O(1) in a release build. */
ARENA_API void arena_restore(arena_t *a, arena_mark_t mark);

/* ---- introspection ----------------------------------------------------- */

/* Counters (see arena_stats_t); all zero for a NULL arena.  O(1). */
ARENA__SHADOW_OFF
ARENA_API arena_stats_t arena_stats(const arena_t *a);
ARENA__SHADOW_ON

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

/* ---- lifetimes: cleanups, children, scratch arenas, names --------------
 *
 * Cleanups and child arenas of one arena end as one LIFO, newest first,
 * like destructors: at arena_reset and arena_destroy all of them, at
 * arena_restore(a, m) those registered or created after m was saved.  They
 * run before any released byte is filled, poisoned or reused, so a
 * cleanup's argument may point into the arena.  While an arena's cleanups
 * run (and its children end), that arena may only be read (arena_name,
 * arena_stats, arena_report) or given memory back (arena_pop): a debug
 * build stops on anything else; a release build refuses an allocation or a
 * registration with EINVAL and ignores a reset, restore, trim or destroy.
 * Its ancestors are pinned meanwhile: no reset, restore, trim, destroy,
 * registration or new child (the same stop or refusal), but allocation
 * (arena_extend included) goes on, since an ancestor may belong to another
 * thread (a child
 * destroyed early on its own thread must not stop its parent's owner).
 * Cleanups may use and destroy other arenas. */

/* Runs fn(arg) when the arena's memory that exists now ends (see above).
 * The record takes a few dozen bytes of the arena itself (no malloc); a
 * fixed arena in a caller's buffer stays off the heap.  0, or -1 with
 * EINVAL (NULL arena or fn; the arena is being released) or ENOMEM (no room
 * for the record; nothing changed).  O(1).  Owner thread only. */
ARENA_API int arena_defer(arena_t *a, void (*fn)(void *arg), void *arg);

/* Drops the newest pending cleanup with this fn and arg without running
 * it.  0, or -1 with ENOENT when there is none (EINVAL for a NULL arena or
 * fn).  O(pending cleanups).  Owner thread only. */
ARENA_API int arena_undefer(arena_t *a, void (*fn)(void *arg), void *arg);

/* A new arena that ends with `parent`: destroyed (with its own cleanups and
 * children) when the parent is reset or destroyed, or restored to a mark
 * saved before the child was created.  arena_destroy(child) earlier is
 * fine and unhooks it.  options may be NULL (the defaults); they shape the
 * child like arena_create_with's, except that `buffer` or `backing` are
 * EINVAL.  The child lives in its parent's memory: it costs the parent
 * ARENA_CHILD_OVERHEAD bytes (its record and bookkeeping, allocated at the
 * default alignment) and no backing request.  It starts with no memory of
 * its own (capacity 0, one empty bookkeeping block) and takes its first
 * block, of block_size bytes, at its first allocation, through the
 * parent's backing (hooks, or malloc behind the block cache), as it takes
 * every block; a fixed child takes that one block and no more.  A child of
 * a fixed arena in a caller's buffer takes its block from the parent's
 * space at creation instead, and is fixed itself.  A destroyed child's
 * space is reused by the next child created while no cleanup or child was
 * added after it (so a parent that makes a child per request does not
 * grow), and otherwise stays until the parent's memory is released; an
 * early destroy gives it back only in a fixed buffer parent, when nothing
 * came after it.  The child's blocks count against the max_size of the
 * parent and every ancestor (a hierarchy can be capped as a whole), while
 * the parent's stats count only its own blocks.  NULL with errno as for
 * arena_create_with: EINVAL for bad options, ENOMEM when the child's first
 * block could never fit under its own max_size or when the parent has no
 * room for the child (nothing changed).
 * Thread rules: creating a child is a call on the parent (not concurrent
 * with any other call on it, arena_alloc_thread_safe included); after that
 * a child may be owned by another thread than its parent, and destroyed
 * early there too, with no lock on the parent (a parent that ends
 * meanwhile waits for that destroy to finish), except a child of a fixed
 * buffer parent: its early destroy may give space back to the parent,
 * which makes it a call on the parent.  Its blocks come through the
 * parent's backing from the child's thread: hooks shared by a hierarchy
 * spread over threads must be thread-safe (the default is).  O(1); the
 * first allocation O(depth) for the caps. */
ARENA_API arena_t *arena_create_child(arena_t *parent, const arena_options_t *options);
#define arena_create_child(parent, ...)                                                            \
    arena__create_child_sized((parent), (__VA_ARGS__), sizeof(arena_options_t))

/* The arena's parent, or NULL for a top-level arena (or a NULL arena). */
ARENA_API arena_t *arena_parent(const arena_t *a);

/* The name from the options ("" when none was given); NULL for a NULL
 * arena.  Valid as long as the arena. */
ARENA_API const char *arena_name(const arena_t *a);

/* Writes a report of the arena and its children, as a tree, one line
 * each: name, used, capacity, peak, blocks, bytes lost to the ends of
 * blocks left behind, cleanups pending.  (Alignment padding is not
 * recorded by the inline path, which would slow it down: it counts as
 * used.)  Each line (no newline) goes to out(line, arg); out NULL writes
 * lines to stderr.  Allocates nothing from the arenas.  O(blocks +
 * children + pending cleanups).  Not concurrent with calls on the arenas
 * it reports. */
ARENA_API void arena_report(const arena_t *a, void (*out)(const char *line, void *arg), void *arg);

/* Scratch arenas (per thread): short-lived memory inside a function,
 * from an arena that is none of the `conflicts` (the arenas the caller is
 * using for results, which may themselves be scratch arenas from an outer
 * begin).  Each thread has ARENA_SCRATCH_COUNT of them, created on first
 * use and destroyed when the thread exits.  begin returns one with a mark
 * saved; end restores the mark.  Pairs nest.  With every scratch arena in
 * conflict: {NULL} and errno EBUSY; when one cannot be created: {NULL} and
 * ENOMEM.  Once a thread's scratch arenas exist, begin and end cost no
 * backing request: O(count). */
#define ARENA_SCRATCH_COUNT 2
typedef struct arena_scratch {
    arena_t *arena;
    arena_mark_t mark;
} arena_scratch_t;
ARENA_API arena_scratch_t arena_scratch_begin(arena_t *const *conflicts, size_t count);
ARENA_API void arena_scratch_end(arena_scratch_t scratch);

/* ---- heap: malloc semantics inside an arena ----------------------------
 *
 * A heap hands out chunks that can be freed and resized one by one, like
 * malloc, from the memory of one arena, and recycles what is freed.  Its
 * state lives in the arena, and it ends with the memory that exists when
 * it is created: at arena_reset and arena_destroy, and at arena_restore to
 * a mark saved before arena_heap_create.  Nothing needs freeing at the end.
 * Restoring to a mark saved after arena_heap_create ends the memory the
 * heap took from the arena since the mark, and the heap goes on: treat
 * every chunk allocated since the mark as ended (those the heap placed in
 * older memory stay allocated until the heap ends).  A rewind that ends
 * heap memory costs O(chunks in it).  The arena's cleanups may read and
 * free chunks while they run (a free of a chunk being released is
 * ignored); they may not allocate from the heap.
 *
 * Chunks carry a 16-byte header (their size and their heap) and are
 * aligned like malloc (ARENA_DEFAULT_ALIGNMENT).  Freed chunks merge with
 * free neighbours and are reused by size class; a free that leaves free
 * space at the arena's position gives it back to the arena.  The heap
 * shares its arena with other allocations (they only make it take memory
 * in more pieces, at least 2 KiB each); arena_alloc_thread_safe may not run
 * on the arena while the heap is used.
 *
 * Threads: a heap is single-threaded, like its arena: one thread at a time
 * uses it (and frees its chunks).  A threaded program gives each thread its
 * own heap, in an arena of its own or in a child arena (arena_create_child)
 * of a shared parent, and makes it that thread's current heap
 * (arena_heap_use).
 *
 * Errors follow the conventions above: NULL/EINVAL for a NULL heap or a
 * pointer that is not a live chunk of the heap, NULL/ENOMEM when the arena
 * refuses, state unchanged; a bad free is ignored.  A debug build stops
 * with a message naming the arena on a double free, a chunk of another
 * heap or from malloc, and a heap or chunk its arena has released.  ASan
 * and memcheck builds poison freed chunks (the heap is a memcheck pool);
 * headers stay accessible, so a write past a chunk into the next header is
 * seen only by a debug build's checks, at the next free. */

typedef struct arena_heap arena_heap_t;

/* Counters from arena_heap_stats.  Bytes of a chunk count its 16-byte
 * header; `live` counts usable bytes (arena_heap_size).  Always
 *   taken == live + 16 * live_chunks + free + 32 * regions.
 * Fields are only ever added at the end (docs/abi.md): arena_heap_stats
 * passes the size of the struct this header knows, and a library that
 * knows fewer fields leaves the others 0. */
typedef struct arena_heap_stats {
    size_t live;        /* usable bytes of the chunks handed out */
    size_t live_chunks; /* chunks handed out and not freed */
    size_t free;        /* bytes of the free chunks waiting for reuse */
    size_t free_chunks;
    size_t taken;      /* bytes of the arena the heap holds now: its regions */
    size_t peak_taken; /* the most `taken` has been */
    size_t peak_live;  /* the most `live` has been */
    size_t regions;    /* runs of the arena's memory the heap holds; each costs 32 bytes of
                          `taken` and a cleanup record in the arena */
    size_t given_back; /* bytes given back to the arena so far by frees at its position */
} arena_heap_stats_t;

/* A new heap in `a`: about 1.3 KiB of the arena and a cleanup record (no
 * memory from elsewhere).  NULL with EINVAL (NULL arena, or the arena is
 * being released) or ENOMEM (no room; the arena unchanged). */
ARENA_API arena_heap_t *arena_heap_create(arena_t *a);

/* n bytes aligned like malloc (usable: n rounded up to 16, at least 16).
 * Reuses a free chunk when one fits, else takes memory at the arena's
 * position (growing the heap's newest region in place when it can).  NULL
 * with ENOMEM when the arena refuses (after its on_limit: chunks that
 * callback frees are tried again). */
ARENA_API void *arena_heap_alloc(arena_heap_t *h, size_t n);

/* count*n zeroed bytes; NULL/ENOMEM when the product overflows. */
ARENA_API void *arena_heap_calloc(arena_heap_t *h, size_t count, size_t n);

/* Resizes the chunk at p to n bytes, keeping its contents up to the
 * smaller size.  p NULL: arena_heap_alloc(h, n).  n == 0: frees p and
 * returns NULL.  A shrink never moves and never fails (the tail is freed
 * when it is big enough to be a chunk).  A grow stays in place when the
 * next chunk is free and big enough, or the chunk ends the heap's newest
 * region at the arena's position and the block has room; otherwise the
 * contents move to a new chunk.  On failure NULL (ENOMEM), p untouched. */
ARENA_API void *arena_heap_realloc(arena_heap_t *h, void *p, size_t n);

/* Frees the chunk at p.  NULL p or heap: no-op.  A pointer that is not a
 * live chunk of h is ignored (a debug build stops). */
ARENA_API void arena_heap_free(arena_heap_t *h, void *p);

/* Usable bytes of the live chunk at p (a heap's, or arena_use_malloc's
 * from the C library); 0 for NULL.  O(1). */
ARENA_API size_t arena_heap_size(const void *p);

/* Counters (see arena_heap_stats_t); all 0 for a NULL heap.  O(1). */
ARENA__SHADOW_OFF
static inline arena_heap_stats_t arena_heap_stats(const arena_heap_t *h)
{
    arena_heap_stats_t s;
    arena__heap_stats_sized(h, &s, sizeof s);
    return s;
}
ARENA__SHADOW_ON

/* The arena the heap lives in; NULL for a NULL heap. */
ARENA_API arena_t *arena_heap_arena(const arena_heap_t *h);

/* Walks every invariant of the heap (chunks, free lists, counters), like
 * arena_check: 0, or -1 with errno EINVAL and *why naming the broken one.
 * O(chunks).  For tests and debugging. */
ARENA_API int arena_heap_check(const arena_heap_t *h, const char **why);

/* ---- hooks for allocator APIs without a context pointer ----------------
 *
 * Each thread has a current heap (initially none).  arena_use_malloc and
 * arena_use_calloc allocate from it, or, with none, from the C library's
 * malloc with the same 16-byte header.  arena_use_free, arena_use_realloc
 * and arena_use_size follow the chunk's own header, not the current heap:
 * a chunk goes back where it came from, whichever heap is current (or
 * none), so state a library allocates outside a heap's use and frees
 * inside it, or the reverse, is never lost or corrupted.  A realloc keeps a
 * chunk where it lives (its heap, or malloc).  The hooks share the heap's
 * conventions (realloc to 0 frees and returns NULL; NULL/ENOMEM on
 * failure) and its thread rule: a heap's chunk is freed by the thread
 * using that heap.  A heap that ends stops being current on the thread
 * that ends it; the other threads must stop using it before. */

/* Makes h (NULL: none, the C library) this thread's current heap and
 * returns the previous one.  O(1), no allocation. */
ARENA_API arena_heap_t *arena_heap_use(arena_heap_t *h);
ARENA_API void *arena_use_malloc(size_t n);
ARENA_API void *arena_use_calloc(size_t count, size_t n);
ARENA_API void *arena_use_realloc(void *p, size_t n);
ARENA_API void arena_use_free(void *p);
/* A copy of the NUL-terminated s; NULL/EINVAL for a NULL s. */
ARENA_API char *arena_use_strdup(const char *s);
/* arena_heap_size(p). */
ARENA_API size_t arena_use_size(const void *p);

/* ---- adapters for allocator APIs with a context pointer ----------------
 * The context (ud, opaque, data) is an arena_heap_t *.  No dependency on
 * those libraries' headers: the signatures match their hook types. */

/* lua_Alloc: nsize == 0 frees ptr and returns NULL; otherwise a realloc of
 * ptr (an allocation when ptr is NULL; osize is not needed).  A shrink
 * never fails, as Lua requires. */
ARENA_API void *arena_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
/* zlib's alloc_func and free_func: items*size bytes (NULL, zlib's Z_NULL,
 * on overflow or failure). */
ARENA_API void *arena_zalloc(void *opaque, unsigned items, unsigned size);
ARENA_API void arena_zfree(void *opaque, void *ptr);
/* (size, data) hooks in PCRE2's general-context style. */
ARENA_API void *arena_ud_malloc(size_t n, void *data);
ARENA_API void arena_ud_free(void *p, void *data);

/* ---- the process-wide block cache -------------------------------------- */

/* Blocks of destroyed (or trimmed) arenas that use the default backing go
 * to a process-wide cache that new blocks of exactly the same size are taken
 * from, so short-lived arenas do not pay for fresh pages each time.  Two
 * tiers, each with a cap in bytes:
 *   - resident: a released block is kept as it is, with no advice to the
 *     kernel, and is reused at full speed; at most arena_cache_limit() bytes,
 *     each block at most a quarter of that;
 *   - lazy: blocks purged with madvise(MADV_FREE): the kernel may take
 *     their pages whenever it needs memory, and a reuse that finds them
 *     still there costs no page fault; at most arena_cache_lazy_limit()
 *     bytes.  A released block that does not fit the resident tier goes
 *     here.
 * Decay: a resident block unused for arena_cache_decay() milliseconds is
 * purged into the lazy tier (or given back when the lazy tier has no room),
 * and a lazy block unused for as long again is given back to the system
 * (its pages returned at once, then freed).  No thread does this unless
 * arena_cache_set_helper() starts one: the cache ages its blocks whenever a
 * block enters or leaves it (an arena created, grown, trimmed or destroyed),
 * in every arena_cache_set_* call and in arena_cache_decay_now().  So once
 * the decay time has passed and one of those runs, the cache holds at most
 * the resident cap's worth of memory the kernel still counts (purged
 * lazily, taken back when the system needs it), and after twice the decay
 * time nothing.
 *
 * Defaults: the constants below are the 64-bit defaults.  Each cap is the
 * smaller of its constant, an eighth of physical memory and a 32nd of the
 * address space (128 MiB on 32-bit systems).  The environment variables
 * ARENA_CACHE_LIMIT (the resident cap, in bytes, or with a suffix k, m or g
 * for KiB, MiB, GiB) and ARENA_CACHE_DECAY_MS (milliseconds) are read once,
 * when the cache is first used, and replace the defaults; a value that is
 * not a number of that form or does not fit a size_t is ignored.  The
 * arena_cache_set_* calls override both.
 *
 * The thread's front: each thread keeps the last few blocks it released
 * (up to 4 of at most 256 KiB) and serves its next requests of the same
 * size from them without a lock, so an arena per request costs no lock at
 * all.  A front draws on a quota (at most 1 MiB, at most a quarter of the
 * resident cap) reserved from the resident cap, so the caps hold exactly;
 * its blocks do not age while it holds them, and an operation it serves
 * ages the rest of the cache as any other does.  A front goes back to the
 * cache when its thread exits, calls arena_cache_decay_now() or
 * arena_cache_release(), and, after any arena_cache_set_* call or
 * arena_cache_release() on another thread, at its thread's next use of the
 * cache.  ARENA_CACHE_FRONT=0 in the environment turns fronts off.
 *
 * Thread-safe; a mutex is taken at most once per block, never per
 * allocation.  The cache survives fork(): the child starts with it unlocked
 * and with the parent's blocks. */
#define ARENA_CACHE_DEFAULT_LIMIT ((size_t)1024 * 1024 * 1024)
#define ARENA_CACHE_DEFAULT_LAZY_LIMIT ((size_t)1024 * 1024 * 1024)
#define ARENA_CACHE_DEFAULT_DECAY_MS ((size_t)1000)

/* Set a tier's cap in bytes (0 disables the tier) and return the old cap;
 * lowering a cap frees what no longer fits (in the resident tier, also every
 * block over a quarter of the new cap). */
ARENA_API size_t arena_cache_set_limit(size_t bytes);
ARENA_API size_t arena_cache_limit(void);
ARENA_API size_t arena_cache_set_lazy_limit(size_t bytes);
ARENA_API size_t arena_cache_lazy_limit(void);
/* Set the decay time in milliseconds and return the old one.  0 purges at
 * once: nothing stays in the cache, every block goes back to the system
 * when its arena releases it.  SIZE_MAX: blocks never decay (the caps
 * still hold).  A lower decay time applies at once to the blocks cached. */
ARENA_API size_t arena_cache_set_decay(size_t ms);
ARENA_API size_t arena_cache_decay(void);
/* Gives the calling thread's front back to the cache, then purges and gives
 * back what has expired now; returns the bytes of the blocks it purged or
 * gave back. */
ARENA_API size_t arena_cache_decay_now(void);
/* 1 starts a helper thread that ages the cache on its own (it wakes when the
 * oldest block is due, and at least once a second), for a program that may
 * stop using the cache while it holds blocks; 0 stops it (it ends within a
 * second).  Off by default.  0, or -1/EAGAIN when the thread cannot be
 * started.  A child of fork() gets its own helper with its next use of the
 * cache. */
ARENA_API int arena_cache_set_helper(int on);
/* Bytes the cache holds now: both tiers and the calling thread's front. */
ARENA_API size_t arena_cache_size(void);
/* Frees every cached block to the system: both tiers and the calling
 * thread's front now, other threads' fronts at their next use of the
 * cache. */
ARENA_API void arena_cache_release(void);

/* ---- version ------------------------------------------------------------ */

/* ARENA_VERSION_STRING of the library loaded at run time (the header's
 * ARENA_VERSION_* macros say what a program was compiled against). */
ARENA_API const char *arena_version(void);

#ifdef __cplusplus
}
#endif

#endif /* ARENA_H */
