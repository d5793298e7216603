/*
 * debug.c -- the library's only contact with memory tools: AddressSanitizer
 * poisoning, Valgrind memcheck client requests, fill patterns, and the
 * debug-build assertion.
 *
 * Model.  Each block is described to memcheck as a mempool of its own,
 * anchored at its header: an allocation is a chunk of that pool, and a
 * rewind trims the pool to the part still in use.  One pool per block
 * (rather than one per arena) is what lets a restore end the chunks after
 * a mark in one block while chunks in older blocks stay alive, with
 * VALGRIND_MEMPOOL_TRIM doing the work in O(1) requests per block.
 *
 * Both tools only see allocations made out of line, so an arena in checked
 * mode (built with ASan, or running under Valgrind with ARENA_VALGRIND on)
 * pins the inline window shut (hot.end == hot.pos); see arena_internal.h.
 */
#include "arena_internal.h"

#include <stdio.h>
#include <stdlib.h>

#if ARENA__ASAN
#include <sanitizer/asan_interface.h>
#endif
#if ARENA_VALGRIND
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>
#endif

#if ARENA_DEBUG >= 1
void arena__assert_fail(const char *file, int line, const char *msg)
{
    fprintf(stderr, "arena: %s (%s:%d)\n", msg, file, line);
    fflush(stderr);
    abort();
}
#endif

bool arena__running_checked(void)
{
#if ARENA__ASAN
    return true;
#elif ARENA_VALGRIND
    return RUNNING_ON_VALGRIND != 0;
#else
    return false;
#endif
}

void arena__poison(uintptr_t p, size_t size)
{
#if ARENA__ASAN
    ASAN_POISON_MEMORY_REGION((void *)p, size);
#endif
#if ARENA_VALGRIND
    VALGRIND_MAKE_MEM_NOACCESS((void *)p, size);
#endif
    (void)p;
    (void)size;
}

void arena__unpoison(uintptr_t p, size_t size)
{
#if ARENA__ASAN
    ASAN_UNPOISON_MEMORY_REGION((void *)p, size);
#endif
#if ARENA_VALGRIND
    VALGRIND_MAKE_MEM_UNDEFINED((void *)p, size);
#endif
    (void)p;
    (void)size;
}

void arena__vg_block_new(arena__block_t *b)
{
#if ARENA_VALGRIND
    VALGRIND_CREATE_MEMPOOL(b, 0, 0);
#endif
    (void)b;
}

void arena__vg_block_gone(arena__block_t *b)
{
#if ARENA_VALGRIND
    VALGRIND_DESTROY_MEMPOOL(b);
    VALGRIND_MAKE_MEM_UNDEFINED((void *)arena__data(b), b->size);
#endif
    (void)b;
}

void arena__vg_trim(arena__block_t *b, uintptr_t keep_end)
{
#if ARENA_VALGRIND
    uintptr_t d = arena__data(b);
    VALGRIND_MEMPOOL_TRIM(b, (void *)d, (size_t)(keep_end - d));
#endif
    (void)b;
    (void)keep_end;
}

void arena__vg_alloc(arena__block_t *b, uintptr_t p, size_t size)
{
#if ARENA_VALGRIND
    VALGRIND_MEMPOOL_ALLOC(b, (void *)p, size);
#endif
    (void)b;
    (void)p;
    (void)size;
}

void arena__mark_allocated(arena_t *a, uintptr_t p, size_t size)
{
    if (!a->checked)
        return;
#if ARENA_VALGRIND
    if (RUNNING_ON_VALGRIND) {
        /* The pool request defines the chunk's accessibility itself.  A
         * zero-size allocation is no chunk: the next allocation may start at
         * the same address, which memcheck would call an overlap. */
        if (size != 0)
            arena__vg_alloc(a->cur, p, size);
        return;
    }
#endif
    arena__unpoison(p, size);
}

void arena__mark_grown(arena_t *a, uintptr_t p, size_t old_size, size_t new_size)
{
    if (!a->checked)
        return;
#if ARENA_VALGRIND
    if (RUNNING_ON_VALGRIND && old_size == 0) {
        arena__vg_alloc(a->cur, p, new_size); /* zero-size allocations are no chunk */
        return;
    }
    if (RUNNING_ON_VALGRIND) {
        /* Resize the chunk; its old bytes keep their definedness. */
        VALGRIND_MEMPOOL_CHANGE(a->cur, (void *)p, (void *)p, new_size);
        VALGRIND_MAKE_MEM_UNDEFINED((void *)(p + old_size), new_size - old_size);
        return;
    }
#endif
    arena__unpoison(p + old_size, new_size - old_size);
}

void arena__mark_released(arena_t *a, arena__block_t *b, uintptr_t p, size_t size)
{
#if ARENA_DEBUG >= 1
    if (a->checked)
        arena__unpoison(p, size); /* the fill must be allowed to write */
    memset((void *)p, ARENA_DEBUG_FREED_BYTE, size);
#endif
    if (!a->checked)
        return;
    arena__vg_trim(b, p);
    arena__poison(p, size);
}
