/*
 * bench_pmr.cpp -- the C++ rows: arena_cxx::resource (include/arena.hpp)
 * against the standard library's std::pmr resources.  One executable,
 * bench-pmr, served by glibc's malloc like bench-glibc:
 *
 *   pmr-arena       arena_cxx::resource over handle::create(0): the default
 *                   arena (64 KiB first block, the process-wide block cache)
 *   pmr-monotonic   std::pmr::monotonic_buffer_resource, default initial
 *                   size, upstream std::pmr::new_delete_resource()
 *   pmr-pool        std::pmr::unsynchronized_pool_resource, default
 *                   options, upstream new_delete_resource()
 *
 * Workloads: W1, W2 and W3 as bench.c defines them (the same fixed-seed
 * sizes and alignments; see bench/workloads.h), with every allocation made
 * through a std::pmr::memory_resource pointer the compiler cannot see
 * through, the virtual call a container makes; and P1, containers (W8 is
 * the real libraries, bench_libs.c): a std::pmr::vector<std::pmr::string>
 * and a std::pmr::unordered_map of std::pmr::string to size_t, each filled
 * with the same N distinct strings (6..51 characters: most leave the
 * small-string buffer), then destroyed (each container gives its memory
 * back through deallocate, as it does in a program).  Every resource is
 * created and destroyed inside each timed iteration (W1, W2, P1); W3
 * releases it after every cycle (release(): for the arena an arena_reset,
 * for the standard resources a return of every buffer upstream) and times
 * the release on its own.
 *
 * One invocation runs one workload for one contender (set-up, warm-up, then
 * timed repetitions) and prints bench.c's CSV, so scripts/bench.sh and
 * bench/report.py take these rows with the others:
 *
 *   bench-pmr --list | --check | --header
 *   bench-pmr -w W1|W2|W3|P1 -c CONTENDER [-n N] [--cycles C] [--per P]
 *             [--warmup K] [--reps R] [--callgrind]
 */
#include "arena.hpp"
#include "probe.h"

#include <dlfcn.h>
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BENCH_PMR_CALLGRIND 1
#endif
#include <gnu/libc-version.h>
#include <malloc.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace
{

/* malloc's alignment and arena_alloc's: the "plain" request, as in bench.c. */
constexpr std::size_t plain_align = alignof(std::max_align_t);

struct params {
    const char *workload = nullptr;
    std::size_t n = 0;
    std::size_t cycles = 0;
    std::size_t per_cycle = 0;
    int warmup = 1;
    int reps = 5;
    bool callgrind = false; /* instrument only the timed iterations */
};

struct run {
    std::uint64_t ns = 0;
    std::uint64_t ops = 0;
    long faults = 0;
    double extra = 0;
    std::uint64_t checksum = 0;
};

[[noreturn]] void die(const char *what)
{
    std::fprintf(stderr, "bench-pmr: %s (errno %d: %s)\n", what, errno, std::strerror(errno));
    std::exit(1);
}

/* ---- inputs: bench.c's generators, same seeds, same sequences ------------ */

std::vector<std::uint8_t> g_small;  /* W1/W3 sizes: 16..64 */
std::vector<std::uint16_t> g_mixed; /* W2: size-1 in bits 0..7, log2(alignment) in 8..10 */
std::string g_text;                 /* P1: every key, back to back */
std::vector<std::string_view> g_keys;

std::uint64_t splitmix(std::uint64_t &s)
{
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void gen_small(std::size_t n)
{
    std::uint64_t s = 1;
    g_small.resize(n);
    for (std::size_t i = 0; i < n; i++)
        g_small[i] = static_cast<std::uint8_t>(16 + splitmix(s) % 49);
}

void gen_mixed(std::size_t n)
{
    std::uint64_t s = 2;
    g_mixed.resize(n);
    for (std::size_t i = 0; i < n; i++) {
        std::uint64_t r = splitmix(s);
        g_mixed[i] = static_cast<std::uint16_t>((r & 0xff) | (((r >> 8) % 7) << 8));
    }
}

/* n distinct keys: the index, a dash, 4..44 letters. */
void gen_keys(std::size_t n)
{
    std::uint64_t s = 5;
    std::vector<std::size_t> end(n);
    for (std::size_t i = 0; i < n; i++) {
        std::uint64_t r = splitmix(s);
        g_text += std::to_string(i);
        g_text += '-';
        for (std::size_t k = 0, len = 4 + r % 41; k < len; k++)
            g_text += static_cast<char>('a' + (r >> (8 + k % 48)) % 26);
        end[i] = g_text.size();
    }
    g_keys.resize(n);
    for (std::size_t i = 0, begin = 0; i < n; begin = end[i], i++)
        g_keys[i] = std::string_view(g_text.data() + begin, end[i] - begin);
}

/* ---- measuring (as bench.c) ------------------------------------------------- */

long g_base_rss_kb = -1;

struct meas {
    std::uint64_t t0;
    long flt0;
    bool instrument;

    explicit meas(bool instrument_) : instrument(instrument_)
    {
        if (g_base_rss_kb < 0)
            g_base_rss_kb = b_rss_kb(); /* after set-up, before the first iteration */
#if defined(BENCH_PMR_CALLGRIND)
        if (instrument)
            CALLGRIND_START_INSTRUMENTATION;
#endif
        flt0 = b_minflt();
        t0 = b_clock_ns(CLOCK_MONOTONIC);
    }

    void end(run &r) const
    {
        std::uint64_t t1 = b_clock_ns(CLOCK_MONOTONIC);
        r.faults = b_minflt() - flt0;
        r.ns = t1 - t0;
#if defined(BENCH_PMR_CALLGRIND)
        if (instrument)
            CALLGRIND_STOP_INSTRUMENTATION;
#endif
    }
};

std::size_t g_param;

void record(const params &p, const char *contender, const run &r)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    std::printf("pmr,%s,%s,,1,%zu,%llu,%llu,%ld,%ld,%ld,%.3f,%llu\n", p.workload, contender,
                g_param, static_cast<unsigned long long>(r.ops),
                static_cast<unsigned long long>(r.ns), r.faults, ru.ru_maxrss, g_base_rss_kb,
                r.extra, static_cast<unsigned long long>(r.checksum));
    std::fflush(stdout);
}

/* The resource as a container sees it: a pointer to the base class whose
 * dynamic type the compiler may not assume. */
std::pmr::memory_resource *opaque(std::pmr::memory_resource *p)
{
    asm volatile("" : "+r"(p));
    return p;
}

/* ---- the contenders: open (create), reset (release all), close (destroy) -- */

struct c_arena {
    static constexpr const char *name = "pmr-arena";
    arena_cxx::handle h;
    arena_cxx::resource r{nullptr};

    std::pmr::memory_resource *open()
    {
        h = arena_cxx::handle::create(0);
        if (!h)
            die("arena_create");
        r = arena_cxx::resource(h);
        return &r;
    }
    void reset()
    {
        r.release();
    }
    void close()
    {
        h.reset();
    }
};

struct c_monotonic {
    static constexpr const char *name = "pmr-monotonic";
    std::optional<std::pmr::monotonic_buffer_resource> m;

    std::pmr::memory_resource *open()
    {
        return &m.emplace(std::pmr::new_delete_resource());
    }
    void reset()
    {
        m->release();
    }
    void close()
    {
        m.reset();
    }
};

struct c_pool {
    static constexpr const char *name = "pmr-pool";
    std::optional<std::pmr::unsynchronized_pool_resource> m;

    std::pmr::memory_resource *open()
    {
        return &m.emplace(std::pmr::new_delete_resource());
    }
    void reset()
    {
        m->release();
    }
    void close()
    {
        m.reset();
    }
};

/* ---- workloads ------------------------------------------------------------- */

/* W1: n allocations of 16..64 bytes, each touched, then all released. */
template <class C> void w1(const params &p)
{
    C c;
    const std::size_t n = p.n;
    const std::uint8_t *sz = g_small.data();
    for (int it = 0; it < p.warmup + p.reps; it++) {
        run r;
        meas m(p.callgrind && it >= p.warmup);
        std::pmr::memory_resource *mr = opaque(c.open());
        for (std::size_t i = 0; i < n; i++) {
            std::uint64_t *q = static_cast<std::uint64_t *>(mr->allocate(sz[i], plain_align));
            q[0] = i;
        }
        c.close();
        m.end(r);
        r.ops = n;
        if (it >= p.warmup)
            record(p, C::name, r);
    }
}

/* W2: sizes 1..256 at alignments 1..64, each touched, then all released. */
template <class C> void w2(const params &p)
{
    C c;
    const std::size_t n = p.n;
    const std::uint16_t *mx = g_mixed.data();
    for (int it = 0; it < p.warmup + p.reps; it++) {
        run r;
        meas m(p.callgrind && it >= p.warmup);
        std::pmr::memory_resource *mr = opaque(c.open());
        for (std::size_t i = 0; i < n; i++) {
            std::size_t size = static_cast<std::size_t>(mx[i] & 0xff) + 1;
            std::size_t al = static_cast<std::size_t>(1) << (mx[i] >> 8);
            unsigned char *q = static_cast<unsigned char *>(mr->allocate(size, al));
            q[0] = static_cast<unsigned char>(i);
        }
        c.close();
        m.end(r);
        r.ops = n;
        if (it >= p.warmup)
            record(p, C::name, r);
    }
}

/* W3: cycles of per_cycle allocations of 16..64 bytes, each cycle ended by a
 * release; one resource per iteration.  extra: ns per release. */
template <class C> void w3(const params &p)
{
    C c;
    const std::size_t per = p.per_cycle;
    const std::uint8_t *sz = g_small.data();
    for (int it = 0; it < p.warmup + p.reps; it++) {
        const bool timed = it >= p.warmup;
        /* A warm-up iteration only needs to bring the resource to steady state. */
        const std::size_t cycles = timed ? p.cycles : std::min<std::size_t>(p.cycles, 10);
        run r;
        std::uint64_t rel = 0;
        meas m(p.callgrind && timed);
        std::pmr::memory_resource *mr = opaque(c.open());
        for (std::size_t k = 0; k < cycles; k++) {
            for (std::size_t i = 0; i < per; i++) {
                std::uint64_t *q = static_cast<std::uint64_t *>(mr->allocate(sz[i], plain_align));
                q[0] = i;
            }
            std::uint64_t t = b_clock_ns(CLOCK_MONOTONIC);
            c.reset();
            rel += b_clock_ns(CLOCK_MONOTONIC) - t;
        }
        c.close();
        m.end(r);
        r.ops = cycles * per;
        r.extra = static_cast<double>(rel) / static_cast<double>(cycles);
        if (timed)
            record(p, C::name, r);
    }
}

/* P1: a vector of strings and a map from string to index, n entries each,
 * built and destroyed; ns per entry. */
template <class C> void p1(const params &p)
{
    C c;
    const std::size_t n = p.n;
    for (int it = 0; it < p.warmup + p.reps; it++) {
        run r;
        meas m(p.callgrind && it >= p.warmup);
        std::pmr::memory_resource *mr = opaque(c.open());
        {
            std::pmr::vector<std::pmr::string> v(mr);
            std::pmr::unordered_map<std::pmr::string, std::size_t> map(mr);
            for (std::size_t i = 0; i < n; i++) {
                v.emplace_back(g_keys[i]);
                map.emplace(g_keys[i], i);
            }
            r.checksum = v.size() + map.size() + v[n / 2].size() + map.at(v[n / 3]);
        }
        c.close();
        m.end(r);
        r.ops = n;
        if (it >= p.warmup)
            record(p, C::name, r);
    }
}

typedef void (*wfn)(const params &);
struct contender {
    const char *name;
    const char *workloads; /* what scripts/bench.sh runs it in */
    wfn w1, w2, w3, p1;
};

template <class C> contender entry()
{
    return {C::name, "W1 W2 W3 P1", w1<C>, w2<C>, w3<C>, p1<C>};
}

const contender contenders[] = {entry<c_arena>(), entry<c_monotonic>(), entry<c_pool>()};

/* Served by glibc's malloc: none of the replacements is in the process. */
int check_allocator()
{
    void *probe = std::malloc(1000);
    bool ok = dlsym(RTLD_DEFAULT, "mallctl") == nullptr
              && dlsym(RTLD_DEFAULT, "MallocExtension_GetOwnership") == nullptr
              && dlsym(RTLD_DEFAULT, "mi_is_in_heap_region") == nullptr;
    std::printf("pmr %s: glibc %s malloc_usable_size(malloc(1000))=%zu, libstdc++ %d, arena %s\n",
                ok ? "ok" : "WRONG ALLOCATOR", gnu_get_libc_version(), malloc_usable_size(probe),
#if defined(__GLIBCXX__)
                static_cast<int>(__GLIBCXX__),
#else
                0,
#endif
                arena_version());
    std::free(probe);
    return ok ? 0 : 1;
}

[[noreturn]] void usage()
{
    std::fprintf(stderr,
                 "usage: bench-pmr --list | --check | -w W1|W2|W3|P1 -c CONTENDER [-n N] "
                 "[--cycles C] [--per P] [--warmup K] [--reps R] [--callgrind] [--header]\n");
    std::exit(2);
}

std::size_t arg_num(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = std::strtoull(s, &end, 10);
    if (errno || end == s || *end != '\0')
        usage();
    return static_cast<std::size_t>(v);
}

} // namespace

int main(int argc, char **argv)
{
    params p;
    const char *cname = nullptr;
    bool header = false, n_set = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
        if (!std::strcmp(a, "--list")) {
            for (const contender &c : contenders)
                std::printf("%s %s\n", c.name, c.workloads);
            return 0;
        } else if (!std::strcmp(a, "--check")) {
            return check_allocator();
        } else if (!std::strcmp(a, "--header")) {
            header = true;
        } else if (!std::strcmp(a, "--callgrind")) {
            p.callgrind = true;
        } else if (v == nullptr) {
            usage();
        } else if (!std::strcmp(a, "-w")) {
            p.workload = v, i++;
        } else if (!std::strcmp(a, "-c")) {
            cname = v, i++;
        } else if (!std::strcmp(a, "-n")) {
            p.n = arg_num(v), n_set = true, i++;
        } else if (!std::strcmp(a, "--cycles")) {
            p.cycles = arg_num(v), i++;
        } else if (!std::strcmp(a, "--per")) {
            p.per_cycle = arg_num(v), i++;
        } else if (!std::strcmp(a, "--warmup")) {
            p.warmup = static_cast<int>(arg_num(v)), i++;
        } else if (!std::strcmp(a, "--reps")) {
            p.reps = static_cast<int>(arg_num(v)), i++;
        } else {
            usage();
        }
    }
    if (header)
        std::printf("variant,workload,contender,mode,threads,param,ops,ns,faults,maxrss_kb,"
                    "base_rss_kb,extra,checksum\n");
    if (p.workload == nullptr || cname == nullptr) {
        if (header)
            return 0;
        usage();
    }
    const contender *c = nullptr;
    for (const contender &k : contenders)
        if (!std::strcmp(k.name, cname))
            c = &k;
    if (c == nullptr) {
        std::fprintf(stderr, "bench-pmr: no contender %s here (see --list)\n", cname);
        return 2;
    }

    const std::string w = p.workload;
    wfn fn = nullptr;
    if (w == "W1") {
        if (!n_set)
            p.n = 10000000;
        gen_small(p.n);
        fn = c->w1;
    } else if (w == "W2") {
        if (!n_set)
            p.n = 2000000;
        gen_mixed(p.n);
        fn = c->w2;
    } else if (w == "W3") {
        if (p.cycles == 0)
            p.cycles = 1000;
        if (p.per_cycle == 0)
            p.per_cycle = 100000;
        gen_small(p.per_cycle);
        g_param = p.per_cycle;
        fn = c->w3;
    } else if (w == "P1") {
        if (!n_set)
            p.n = 1000000;
        if (p.n == 0)
            usage();
        gen_keys(p.n);
        fn = c->p1;
    } else {
        usage();
    }
    fn(p);
    return 0;
}
