/*
 * os_posix.c -- the OS seam (os.h) on POSIX systems: Linux with glibc or
 * musl, and the BSDs and macOS as far as POSIX reaches.
 *
 * Locks are pthread mutexes.  Thread-exit hooks ride on one pthread key
 * whose destructor runs the hooks the thread asked for: a thread sets the
 * key (to a non-NULL marker) when it first registers a hook, and a bit per
 * hook in a thread-local word says which to run, so registering is a
 * thread-local write after the first time.  The helper thread is a
 * detached pthread created with every signal blocked, so that signals meant
 * for the program never land on it.  Advice goes through madvise,
 * with errno saved around it.  The clock is CLOCK_MONOTONIC_COARSE where
 * Linux has it (a read of the vDSO page, no system call), else
 * CLOCK_MONOTONIC.
 */
#if !defined(_WIN32)

#include "os.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

void arena__os_lock_destroy(arena__os_lock_t *l)
{
    pthread_mutex_destroy(l);
}

void arena__os_lock(arena__os_lock_t *l)
{
    pthread_mutex_lock(l);
}

void arena__os_unlock(arena__os_lock_t *l)
{
    pthread_mutex_unlock(l);
}

/* ---- thread exit ---------------------------------------------------------- */

static arena__os_once_t arena__exit_once = ARENA__OS_ONCE_INIT;
static pthread_key_t arena__exit_key;
static bool arena__exit_key_ok;
static ARENA__TLS unsigned arena__exit_bits;

static unsigned arena__exit_take(void)
{
    unsigned bits = arena__exit_bits;
    arena__exit_bits = 0;
    return bits;
}

static void arena__exit_run(void *marker)
{
    (void)marker;
    arena__os_exit_run(arena__exit_take);
}

static void arena__exit_init(void)
{
    arena__exit_key_ok = pthread_key_create(&arena__exit_key, arena__exit_run) == 0;
}

bool arena__os_at_thread_exit(void (*fn)(void))
{
    arena__os_once(&arena__exit_once, arena__exit_init);
    int i = arena__exit_key_ok ? arena__os_exit_bit(fn) : -1;
    if (i < 0)
        return false;
    if (arena__exit_bits == 0) {
        /* The key's value only has to be non-NULL for its destructor to run. */
        int saved = errno;
        bool ok = pthread_setspecific(arena__exit_key, (void *)&arena__exit_bits) == 0;
        errno = saved;
        if (!ok)
            return false;
    }
    arena__exit_bits |= 1u << i;
    return true;
}

void arena__os_once(arena__os_once_t *once, void (*fn)(void))
{
    int saved = errno;
    (void)pthread_once(once, fn);
    errno = saved;
}

void arena__os_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void))
{
    int saved = errno;
    (void)pthread_atfork(prepare, parent, child);
    errno = saved;
}

/* ---- helper thread -------------------------------------------------------- */

typedef struct {
    void (*fn)(void *);
    void *arg;
} arena__os_start_t;

static void *arena__os_thread_main(void *p)
{
    arena__os_start_t start = *(arena__os_start_t *)p;
    free(p);
    start.fn(start.arg);
    return NULL;
}

bool arena__os_thread_start(void (*fn)(void *), void *arg)
{
    int saved = errno;
    arena__os_start_t *start = malloc(sizeof *start);
    if (start == NULL) {
        errno = saved;
        return false;
    }
    start->fn = fn;
    start->arg = arg;
    /* The new thread inherits the creator's mask: block everything around
     * the creation, then restore the creator's. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t attr;
    pthread_t t;
    bool ok = pthread_attr_init(&attr) == 0;
    if (ok) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        ok = pthread_create(&t, &attr, arena__os_thread_main, start) == 0;
        pthread_attr_destroy(&attr);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!ok)
        free(start);
    errno = saved;
    return ok;
}

void arena__os_sleep_ms(uint32_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    int saved = errno;
    (void)nanosleep(&ts, NULL);
    errno = saved;
}

void arena__os_yield(void)
{
    (void)sched_yield();
}

/* ---- memory --------------------------------------------------------------- */

uint64_t arena__os_physical_memory(void)
{
#if defined(_SC_PHYS_PAGES)
    int saved = errno;
    long pages = sysconf(_SC_PHYS_PAGES);
    errno = saved;
    if (pages > 0)
        return (uint64_t)pages * arena__os_page_size();
#endif
    return 0;
}

size_t arena__os_page_size(void)
{
    static size_t page;
    if (page == 0) {
        int saved = errno;
        long p = sysconf(_SC_PAGESIZE);
        errno = saved;
        page = p > 0 ? (size_t)p : 4096;
    }
    return page;
}

size_t arena__os_huge_page_size(void)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    return (size_t)2 * 1024 * 1024;
#else
    return 0;
#endif
}

void arena__os_advise_huge(void *p, size_t size)
{
#if defined(MADV_HUGEPAGE)
    void *lo;
    size_t len, huge = arena__os_huge_page_size();
    if (huge != 0 && arena__os_interior(p, size, huge, &lo, &len)) {
        int saved = errno;
        (void)madvise(lo, len, MADV_HUGEPAGE);
        errno = saved;
    }
#else
    (void)p;
    (void)size;
#endif
}

bool arena__os_purge(void *p, size_t size, bool lazy)
{
    void *lo;
    size_t len;
    if (!arena__os_interior(p, size, arena__os_page_size(), &lo, &len))
        return true; /* no whole page: nothing to give back */
    int advice;
#if defined(MADV_FREE)
    advice = lazy ? MADV_FREE : MADV_DONTNEED;
#elif defined(MADV_DONTNEED)
    if (lazy)
        return false;
    advice = MADV_DONTNEED;
#else
    (void)lazy;
    return false;
#endif
    int saved = errno;
    bool ok = madvise(lo, len, advice) == 0;
    errno = saved;
    return ok;
}

/* ---- time and environment ------------------------------------------------- */

uint64_t arena__os_now_ms(void)
{
    struct timespec ts;
    int saved = errno;
#if defined(CLOCK_MONOTONIC_COARSE)
    if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
#endif
        clock_gettime(CLOCK_MONOTONIC, &ts);
    errno = saved;
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

const char *arena__os_getenv(const char *name)
{
    return getenv(name);
}

#else
/* Keeps ISO C's "a translation unit is not empty" on Windows builds. */
typedef int arena__os_posix_unused;
#endif /* !_WIN32 */
