/*
 * orig.c -- the original design: a mutex around a bump pointer (see orig.h).
 */
#include "orig.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

struct orig_arena {
    char *memory;
    size_t size;
    size_t offset;
    pthread_mutex_t lock;
};

orig_arena_t *orig_create(size_t size)
{
    orig_arena_t *a = malloc(sizeof *a);
    if (a == NULL)
        return NULL;
    a->memory = malloc(size);
    if (a->memory == NULL) {
        free(a);
        return NULL;
    }
    a->size = size;
    a->offset = 0;
    pthread_mutex_init(&a->lock, NULL);
    return a;
}

void *orig_alloc(orig_arena_t *a, size_t size, size_t alignment)
{
    void *p = NULL;
    pthread_mutex_lock(&a->lock);
    uintptr_t base = (uintptr_t)a->memory;
    uintptr_t at = (base + a->offset + alignment - 1) & ~(uintptr_t)(alignment - 1);
    size_t off = (size_t)(at - base);
    if (off <= a->size && size <= a->size - off) {
        a->offset = off + size;
        p = (void *)at;
    }
    pthread_mutex_unlock(&a->lock);
    return p;
}

void orig_reset(orig_arena_t *a)
{
    pthread_mutex_lock(&a->lock);
    a->offset = 0;
    pthread_mutex_unlock(&a->lock);
}

void orig_destroy(orig_arena_t *a)
{
    if (a == NULL)
        return;
    pthread_mutex_destroy(&a->lock);
    free(a->memory);
    free(a);
}
