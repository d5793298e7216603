/*
 * orig.h -- the original design of the arena, kept in bench/ as a reference
 * point: a struct {memory, size, offset} and a pthread mutex; every
 * allocation takes the lock and bumps an aligned offset through one fixed
 * buffer taken from malloc at creation.  Written from that description, in
 * its own translation unit so that each call is a real call, as it was in
 * the library.
 */
#ifndef BENCH_ORIG_H
#define BENCH_ORIG_H

#include <stddef.h>

typedef struct orig_arena orig_arena_t;

orig_arena_t *orig_create(size_t size);
void *orig_alloc(orig_arena_t *a, size_t size, size_t alignment);
void orig_reset(orig_arena_t *a);
void orig_destroy(orig_arena_t *a);

#endif
