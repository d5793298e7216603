/*
 * bench.h -- what the driver (bench.c), the contenders (contenders.h) and
 * the workload template (workloads.h) share: parameters, the record of one
 * measured run, the clock, the fixed-seed inputs.
 *
 * Every input a workload consumes (allocation sizes, alignments, strings,
 * the JSON document) is generated before the clock starts, from fixed seeds,
 * so every contender sees exactly the same sequence and the generator costs
 * nothing inside the measured loops.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "probe.h"

#if defined(__GNUC__)
#define B_LIKELY(x) __builtin_expect(!!(x), 1)
#define B_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define B_NOINLINE __attribute__((noinline))
#else
#define B_LIKELY(x) (x)
#define B_UNLIKELY(x) (x)
#define B_NOINLINE
#endif

/* malloc's alignment on x86-64 and arena_alloc's: every contender's "plain"
 * allocation is asked for at this alignment where it has the choice. */
#define B_ALIGN ((size_t)16)

typedef struct {
    const char *workload; /* "W1".."W7", "W3r" */
    size_t n;             /* W1/W2/W5: allocations (W5: strings of each kind); W4: per thread */
    size_t cycles;        /* W3/W3r/W7 */
    size_t per_cycle;     /* W3/W3r/W7 */
    unsigned threads;     /* W4 */
    int shared;           /* W4: 1 one shared allocator, 0 one per thread */
    int warmup;           /* untimed iterations first */
    int reps;             /* timed iterations */
    int callgrind;        /* instrument only the timed iterations */
} params_t;

/* One timed iteration. */
typedef struct {
    uint64_t ns;
    uint64_t ops;
    long faults;  /* minor page faults during the timed region */
    double extra; /* W3/W3r: ns per release/reset */
    uint64_t checksum;
} run_t;

/* Set by the driver; every workload reports each timed iteration here. */
void bench_record(const params_t *p, const char *contender, const run_t *r);
/* Prints a message and exits (an allocation failed, a parse failed...). */
_Noreturn void bench_die(const char *what);

/* ---- clock, faults, callgrind ---------------------------------------- */

static inline uint64_t b_now_ns(void)
{
    return b_clock_ns(CLOCK_MONOTONIC);
}

static inline uint64_t b_thread_cpu_ns(void)
{
    return b_clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

typedef struct {
    uint64_t t0;
    long flt0;
} meas_t;

void meas_begin(meas_t *m, const params_t *p, int timed);
void meas_end(meas_t *m, const params_t *p, int timed, run_t *r);

/* ---- inputs (bench.c fills them before any workload runs) --------------- */

extern uint8_t *g_small;  /* W1/W3/W4 sizes: 16..64 */
extern size_t g_small_n;  /* entries */
extern uint16_t *g_mixed; /* W2: size-1 in bits 0..7, log2(alignment) in bits 8..10 */
extern size_t g_mixed_n;
extern size_t *g_large; /* W7 sizes: 64 KiB .. 4 MiB, log-uniform */
extern size_t g_large_n;
extern void **g_ptrs; /* room for the pointers of contenders that free one by one */
extern size_t g_ptrs_n;
extern const char *g_words[64]; /* W5 strdup sources and sprintf arguments */
extern char *g_json;            /* W6 document */
extern size_t g_json_len;
extern size_t g_json_allocs; /* allocations one cJSON_Parse of it makes */
extern size_t g_json_bytes;  /* their sizes, each rounded up to 16 */

/* Bytes that n W1-style allocations need at 16-byte alignment, etc.: the
 * capacity hints for the fixed-size contenders (the limit, the original
 * design, talloc's pool). */
size_t need_small(size_t n);
size_t need_mixed(size_t n);
size_t need_large_cycle(size_t cycles, size_t per_cycle);

/* Touches every page of [p, p+n) once (the buffer of the limit). */
void *b_alloc_touched(size_t n);

#endif
