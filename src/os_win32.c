/*
 * os_win32.c -- the OS seam (os.h) on Windows, Vista and later.
 *
 * Locks are slim reader/writer locks taken exclusively: one pointer,
 * statically initialisable to zero, so os.h's zero initialiser is a valid
 * unlocked lock and destroying one is nothing.  Once is InitOnceExecuteOnce.
 *
 * Thread-exit hooks ride on one fiber-local-storage slot whose callback
 * runs when a thread exits, as a pthread key's destructor does on POSIX.
 * Which hooks a thread asked for is a bit per hook in a native TLS slot
 * (TlsAlloc), not in a C11 thread-local: MinGW's gcc implements those with
 * emulated TLS, whose per-thread storage is released by a thread-exit
 * callback of its own in no promised order with FLS callbacks, while a TLS
 * slot lives as long as the thread.  The FLS slot holds a marker only so
 * that its callback runs.  Built as a DLL, the library frees the FLS slot
 * when it is unloaded (FreeLibrary), so no thread exit calls into unloaded
 * code; the callbacks that FlsFree makes then run no hooks (they would run
 * on the unloading thread, not on the threads that asked).
 *
 * Windows has no fork: the fork handlers are never needed and not kept.
 *
 * Memory advice works on the page-aligned interior of a block from the C
 * runtime's heap, which stays committed and in the heap's hands.  A purge
 * is VirtualAlloc(MEM_RESET): the pages' contents are of no further
 * interest, the system drops them instead of writing them to the page file
 * when it needs the memory, and reuse needs no call.  An eager purge also
 * takes the pages out of the working set now (VirtualUnlock on pages that
 * are not locked), so they go back to the system's free list.  Either way
 * the next touch finds unspecified contents (POSIX's eager purge gives
 * zeroes; nothing in the library relies on either).  DiscardVirtualMemory
 * would do the same in one call, but only from Windows 8.1 on, and wine
 * does not implement it.  Huge pages need a privilege and memory of their
 * own (MEM_LARGE_PAGES), never heap blocks: there are none here.
 *
 * The clock is GetTickCount64 (milliseconds; it advances every 10-16 ms).
 * Win32 calls leave errno alone, and the few C runtime calls here save it.
 */
#if defined(_WIN32)

#include "os.h"

#include <errno.h>
#include <stdlib.h>

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

_Static_assert(sizeof(arena__os_lock_t) == sizeof(SRWLOCK), "arena__os_lock_t holds an SRWLOCK");
_Static_assert(sizeof(arena__os_once_t) == sizeof(INIT_ONCE),
               "arena__os_once_t holds an INIT_ONCE");

static SRWLOCK *arena__srw(arena__os_lock_t *l)
{
    return (SRWLOCK *)(void *)l;
}

void arena__os_lock_destroy(arena__os_lock_t *l)
{
    (void)l; /* an SRWLOCK holds no resources */
}

void arena__os_lock(arena__os_lock_t *l)
{
    AcquireSRWLockExclusive(arena__srw(l));
}

void arena__os_unlock(arena__os_lock_t *l)
{
    ReleaseSRWLockExclusive(arena__srw(l));
}

/* ---- once ----------------------------------------------------------------- */

/* ISO C has no conversion between function and object pointers: the
 * function travels to the callback inside a struct. */
struct arena__once_call {
    void (*fn)(void);
};

static BOOL CALLBACK arena__once_run(PINIT_ONCE once, PVOID param, PVOID *context)
{
    (void)once;
    (void)context;
    ((struct arena__once_call *)param)->fn();
    return TRUE;
}

void arena__os_once(arena__os_once_t *once, void (*fn)(void))
{
    struct arena__once_call call = {fn};
    (void)InitOnceExecuteOnce((INIT_ONCE *)(void *)once, arena__once_run, &call, NULL);
}

void arena__os_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void))
{
    (void)prepare;
    (void)parent;
    (void)child;
}

/* ---- thread exit ---------------------------------------------------------- */

static arena__os_once_t arena__exit_once = ARENA__OS_ONCE_INIT;
static DWORD arena__exit_fls = FLS_OUT_OF_INDEXES;
static DWORD arena__exit_tls = TLS_OUT_OF_INDEXES;
static volatile LONG arena__exit_unloading;

/* The calling thread's hook bits: TlsGetValue resets the thread's last
 * error on success, which the caller may still want to read. */
static unsigned arena__exit_bits_get(void)
{
    DWORD saved = GetLastError();
    unsigned bits = (unsigned)(uintptr_t)TlsGetValue(arena__exit_tls);
    SetLastError(saved);
    return bits;
}

static void arena__exit_bits_set(unsigned bits)
{
    (void)TlsSetValue(arena__exit_tls, (void *)(uintptr_t)bits);
}

/* Takes the calling thread's bits, leaving none. */
static unsigned arena__exit_take(void)
{
    unsigned bits = arena__exit_bits_get();
    if (bits != 0)
        arena__exit_bits_set(0);
    return bits;
}

static void WINAPI arena__exit_run(void *marker)
{
    (void)marker;
    if (!arena__exit_unloading)
        arena__os_exit_run(arena__exit_take);
}

static void arena__exit_init(void)
{
    DWORD tls = TlsAlloc();
    if (tls == TLS_OUT_OF_INDEXES)
        return;
    DWORD fls = FlsAlloc(arena__exit_run);
    if (fls == FLS_OUT_OF_INDEXES) {
        TlsFree(tls);
        return;
    }
    arena__exit_tls = tls;
    arena__exit_fls = fls;
}

bool arena__os_at_thread_exit(void (*fn)(void))
{
    arena__os_once(&arena__exit_once, arena__exit_init);
    int i = arena__exit_fls != FLS_OUT_OF_INDEXES ? arena__os_exit_bit(fn) : -1;
    if (i < 0)
        return false;
    unsigned bits = arena__exit_bits_get();
    /* The FLS value only has to be non-NULL for the callback to run. */
    if (bits == 0 && !FlsSetValue(arena__exit_fls, (void *)&arena__exit_fls))
        return false;
    arena__exit_bits_set(bits | 1u << i);
    return true;
}

#if defined(ARENA_BUILDING_DLL)
BOOL WINAPI DllMain(HINSTANCE dll, DWORD reason, LPVOID reserved);

BOOL WINAPI DllMain(HINSTANCE dll, DWORD reason, LPVOID reserved)
{
    (void)dll;
    /* reserved is NULL for FreeLibrary and non-NULL at process exit, where
     * nothing needs undoing. */
    if (reason == DLL_PROCESS_DETACH && reserved == NULL && arena__exit_fls != FLS_OUT_OF_INDEXES) {
        arena__exit_unloading = 1;
        FlsFree(arena__exit_fls);
        TlsFree(arena__exit_tls);
    }
    return TRUE;
}
#endif

/* ---- memory --------------------------------------------------------------- */

size_t arena__os_page_size(void)
{
    static size_t page;
    if (page == 0) {
        SYSTEM_INFO si;
        GetSystemInfo(&si);
        page = si.dwPageSize > 0 ? (size_t)si.dwPageSize : 4096;
    }
    return page;
}

size_t arena__os_huge_page_size(void)
{
    return 0;
}

void arena__os_advise_huge(void *p, size_t size)
{
    (void)p;
    (void)size;
}

bool arena__os_purge(void *p, size_t size, bool lazy)
{
    void *lo;
    size_t len;
    if (!arena__os_interior(p, size, arena__os_page_size(), &lo, &len))
        return true; /* no whole page: nothing to give back */
    /* The protection argument must be valid and is otherwise ignored. */
    if (VirtualAlloc(lo, len, MEM_RESET, PAGE_NOACCESS) == NULL)
        return false;
    /* Unlocking pages that are not locked takes them out of the working
     * set; reset pages leave it without being written anywhere.  It then
     * reports ERROR_NOT_LOCKED, which is the expected answer. */
    if (!lazy) {
        DWORD saved = GetLastError();
        (void)VirtualUnlock(lo, len);
        SetLastError(saved);
    }
    return true;
}

uint64_t arena__os_physical_memory(void)
{
    MEMORYSTATUSEX st;
    st.dwLength = sizeof st;
    DWORD saved = GetLastError();
    BOOL ok = GlobalMemoryStatusEx(&st);
    SetLastError(saved);
    return ok ? (uint64_t)st.ullTotalPhys : 0;
}

/* ---- helper thread --------------------------------------------------------- */

typedef struct {
    void (*fn)(void *);
    void *arg;
} arena__os_start_t;

static DWORD WINAPI arena__os_thread_main(void *p)
{
    arena__os_start_t start = *(arena__os_start_t *)p;
    free(p);
    start.fn(start.arg);
    return 0;
}

/* Windows delivers no POSIX signals to threads, so there is nothing to
 * block: the thread is created and its handle closed (detached). */
bool arena__os_thread_start(void (*fn)(void *), void *arg)
{
    int saved = errno;
    DWORD saved_error = GetLastError();
    arena__os_start_t *start = (arena__os_start_t *)malloc(sizeof *start);
    bool ok = start != NULL;
    if (ok) {
        start->fn = fn;
        start->arg = arg;
        HANDLE h = CreateThread(NULL, 0, arena__os_thread_main, start, 0, NULL);
        ok = h != NULL;
        if (ok)
            CloseHandle(h);
        else
            free(start);
    }
    SetLastError(saved_error);
    errno = saved;
    return ok;
}

void arena__os_sleep_ms(uint32_t ms)
{
    Sleep(ms);
}

void arena__os_yield(void)
{
    (void)SwitchToThread();
}

/* ---- time and environment ------------------------------------------------- */

uint64_t arena__os_now_ms(void)
{
    return (uint64_t)GetTickCount64();
}

const char *arena__os_getenv(const char *name)
{
    int saved = errno;
    const char *v = getenv(name);
    errno = saved;
    return v;
}

#else
/* Keeps ISO C's "a translation unit is not empty" on other systems. */
typedef int arena__os_win32_unused;
#endif /* _WIN32 */
