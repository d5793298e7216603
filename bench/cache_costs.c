/*
 * cache_costs.c -- the measurements behind the block cache's choices
 * (docs/design.md, "The process-wide block cache"):
 *
 *   bench-cache-costs advice [MiB]   what reusing a block costs after each
 *       way of keeping it: as it is (resident), after MADV_FREE, after
 *       MADV_DONTNEED, and fresh from malloc; with 4 KiB pages and with
 *       transparent huge pages; the advice's own cost; RSS after the advice.
 *       The reuse writes 8 bytes every 40 (W1's stride), front to back.
 *   bench-cache-costs helper [s]     what the idle helper thread costs: the
 *       process's CPU time over s seconds of sleep, with and without it.
 *
 * Medians of 5 rounds each; one line per case on stdout.
 */
#include "arena.h"
#include "probe.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 5

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* Writes 8 bytes every 40, front to back: a bump allocator's traffic. */
static void touch(char *p, size_t n)
{
    for (size_t i = 0; i + 8 <= n; i += 40)
        *(volatile uint64_t *)(void *)(p + (i & ~(size_t)7)) = i;
}

enum { RESIDENT, LAZY, DONTNEED, FRESH };
static const char *const kind_name[] = {"resident", "MADV_FREE", "MADV_DONTNEED", "fresh malloc"};

static void advice(size_t mib)
{
    const size_t n = mib << 20, huge = (size_t)2 << 20;
    for (int thp = 0; thp < 2; thp++) {
        for (int kind = RESIDENT; kind <= FRESH; kind++) {
            double reuse[ROUNDS], call[ROUNDS], faults[ROUNDS], rss[ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                char *p = aligned_alloc(huge, n);
                if (p == NULL) {
                    perror("aligned_alloc");
                    exit(1);
                }
                (void)madvise(p, n, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
                long rss0 = b_rss_kb();
                if (kind != FRESH)
                    touch(p, n);
                uint64_t t = b_clock_ns(CLOCK_MONOTONIC);
                if (kind == LAZY)
                    (void)madvise(p, n, MADV_FREE);
                else if (kind == DONTNEED)
                    (void)madvise(p, n, MADV_DONTNEED);
                call[r] = (double)(b_clock_ns(CLOCK_MONOTONIC) - t) / 1e6;
                rss[r] = (double)(b_rss_kb() - rss0) / 1024.0;
                long f = b_minflt();
                t = b_clock_ns(CLOCK_MONOTONIC);
                touch(p, n);
                reuse[r] = (double)(b_clock_ns(CLOCK_MONOTONIC) - t) / (double)(n / 40);
                faults[r] = (double)(b_minflt() - f);
                free(p);
            }
            printf("advice %3zu MiB %-9s %-14s reuse %6.2f ns per 40 B (%6.0f faults)  advice "
                   "%7.3f ms  RSS after advice %6.1f MiB\n",
                   mib, thp ? "THP" : "4 KiB", kind_name[kind], median(reuse, ROUNDS),
                   median(faults, ROUNDS), median(call, ROUNDS), median(rss, ROUNDS));
        }
    }
}

static void helper(unsigned seconds)
{
    for (int on = 0; on < 2; on++) {
        long rss0 = b_rss_kb();
        if (on && arena_cache_set_helper(1) != 0) {
            perror("arena_cache_set_helper");
            exit(1);
        }
        arena_t *a = arena_create(0); /* the cache is in use: one block in it */
        arena_destroy(a);
        uint64_t cpu = b_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
        struct timespec ts = {(time_t)seconds, 0};
        nanosleep(&ts, NULL);
        cpu = b_clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu;
        printf("helper %-3s  %u s asleep: process CPU %8.3f ms (%.1f us per second), RSS %+ld "
               "KiB\n",
               on ? "on" : "off", seconds, (double)cpu / 1e6, (double)cpu / 1e3 / seconds,
               b_rss_kb() - rss0);
        if (on)
            arena_cache_set_helper(0);
    }
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "advice")) {
        advice(argc >= 3 ? (size_t)atoi(argv[2]) : 64);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "helper")) {
        helper(argc >= 3 ? (unsigned)atoi(argv[2]) : 10);
        return 0;
    }
    fprintf(stderr, "usage: bench-cache-costs advice [MiB] | helper [seconds]\n");
    return 2;
}
