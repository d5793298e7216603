/*
 * os.h -- the operating-system seam.  Every call the library makes into the
 * system goes through these few functions: pages and advice about them,
 * locks, thread-local storage and thread-exit hooks, fork handlers, a
 * helper thread, a monotonic clock.  One small file per platform implements them
 * (os_posix.c; os_win32.c), so a port is one file and the rest of the
 * library never includes a system header for these concerns.
 *
 * Conventions: advice is advice.  Every function here leaves errno as it
 * found it (the library promises that errno is untouched on success, and a
 * kernel without transparent huge pages refuses MADV_HUGEPAGE with EINVAL).
 * Nothing here allocates through an arena or calls back into one.
 */
#ifndef ARENA_OS_H
#define ARENA_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- locks ---------------------------------------------------------------- */
#if defined(_WIN32)
/* An SRWLOCK is one pointer, statically initialisable to zero. */
typedef struct arena__os_lock {
    void *opaque;
} arena__os_lock_t;
#define ARENA__OS_LOCK_INIT                                                                        \
    {                                                                                              \
        0                                                                                          \
    }
#else
#include <pthread.h>
typedef pthread_mutex_t arena__os_lock_t;
#define ARENA__OS_LOCK_INIT PTHREAD_MUTEX_INITIALIZER
#endif

/* A lock starts from its static initializer: no system call, so an arena
 * costs none to create. */
static inline void arena__os_lock_init(arena__os_lock_t *l)
{
    *l = (arena__os_lock_t)ARENA__OS_LOCK_INIT;
}
void arena__os_lock_destroy(arena__os_lock_t *l);
void arena__os_lock(arena__os_lock_t *l);
void arena__os_unlock(arena__os_lock_t *l);

/* ---- thread-local storage --------------------------------------------------
 * ARENA__TLS declares a thread-local variable.  On glibc it uses the
 * initial-exec model: a plain thread-pointer-relative load, even in the
 * shared library, instead of a __tls_get_addr call on the thread-safe fast
 * path.  glibc serves such variables in a dlopen'ed library from a small
 * static reserve, so the library keeps its initial-exec variables under
 * ARENA__TLS_BUDGET bytes in all (a static assert in each user checks its
 * share).  musl refuses initial-exec variables in a dlopen'ed library
 * outright, and Windows has no such model: there the default model is used. */
#if defined(__GLIBC__) && (defined(__GNUC__) || defined(__clang__))
#define ARENA__TLS _Thread_local __attribute__((tls_model("initial-exec")))
#else
#define ARENA__TLS _Thread_local
#endif
#define ARENA__TLS_BUDGET 1024

/* Runs fn at the exit of the calling thread (at most once per thread for
 * each fn, in no particular order between fns).  At most ARENA__OS_EXIT_FNS
 * distinct fns exist in the library.  false when the system refused. */
#define ARENA__OS_EXIT_FNS 4
bool arena__os_at_thread_exit(void (*fn)(void));
/* For the platform files (os_exit.c): fn's bit, registering it the first
 * time (-1 when the table is full); and running the hooks whose bits
 * take() returns (and clears), until none is left. */
int arena__os_exit_bit(void (*fn)(void));
void arena__os_exit_run(unsigned (*take)(void));

/* Registers fork handlers: prepare runs in the parent before fork, parent
 * and child after it in each.  Call it once (see arena__os_once). */
void arena__os_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void));

/* Runs fn exactly once in the process, however many threads call this with
 * the same `once` at the same time; every caller returns after fn did. */
#if defined(_WIN32)
typedef struct arena__os_once {
    void *opaque;
} arena__os_once_t;
#define ARENA__OS_ONCE_INIT                                                                        \
    {                                                                                              \
        0                                                                                          \
    }
#else
typedef pthread_once_t arena__os_once_t;
#define ARENA__OS_ONCE_INIT PTHREAD_ONCE_INIT
#endif
void arena__os_once(arena__os_once_t *once, void (*fn)(void));

/* ---- helper thread --------------------------------------------------------- */
/* Starts fn(arg) on a new detached thread that receives no signals (every
 * signal is blocked in it).  false when the system refused. */
bool arena__os_thread_start(void (*fn)(void *), void *arg);
/* Suspends the calling thread for about ms milliseconds (a signal may end
 * the wait early). */
void arena__os_sleep_ms(uint32_t ms);
/* Lets another thread run (a short wait for one to finish something). */
void arena__os_yield(void);

/* ---- memory ---------------------------------------------------------------- */
size_t arena__os_page_size(void);
/* Bytes of physical memory in the machine, or 0 when the system does not
 * say. */
uint64_t arena__os_physical_memory(void);
/* Size of a transparent huge page where the system has them, else 0. */
size_t arena__os_huge_page_size(void);
/* Asks for transparent huge pages on the huge-page-aligned interior of
 * [p, p+size).  Advice only. */
void arena__os_advise_huge(void *p, size_t size);
/* Tells the system that the page-aligned interior of [p, p+size) holds
 * nothing of value.  lazy: the pages may stay until memory is short (reuse
 * before that costs no fault); otherwise they are returned now (the next
 * touch faults in zeroed pages on POSIX, pages of unspecified contents on
 * Windows).  false when the system has no such advice or refused it. */
bool arena__os_purge(void *p, size_t size, bool lazy);
/* The part of [p, p+size) that starts and ends on a multiple of `unit` (a
 * power of two), for the advice above; false when there is none.  The same
 * arithmetic on every platform. */
static inline bool arena__os_interior(void *p, size_t size, size_t unit, void **lo, size_t *len)
{
    uintptr_t a = (uintptr_t)p;
    uintptr_t first = a + (-a & (uintptr_t)(unit - 1));
    if (size < unit || first - a > size - unit)
        return false;
    *lo = (void *)first;
    *len = (size - (size_t)(first - a)) & ~(unit - 1);
    return true;
}

/* ---- time ------------------------------------------------------------------ */
/* Milliseconds from a monotonic clock; coarse (a few ms) is fine. */
uint64_t arena__os_now_ms(void);

/* ---- environment ----------------------------------------------------------- */
/* The value of an environment variable, or NULL. */
const char *arena__os_getenv(const char *name);

#endif /* ARENA_OS_H */
