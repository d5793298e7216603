// Deallocation through arena_pop.  When the library provides arena_pop
// (arena.h defines ARENA_HAVE_POP), this checks what it gives back through
// arena_cxx::resource and arena_cxx::allocator: the newest block only, never
// across a mark.  Until then it checks the wiring: with a recording stand-in
// for arena_pop, each deallocation passes the arena, the pointer and the
// byte count the allocation took.  Built as C++17.
#include <arena.h>

#if !defined(ARENA_HAVE_POP)
#define ARENA_TEST_POP_STUB 1
#define ARENA_HAVE_POP 1
extern "C" int arena_pop(arena_t *a, void *ptr, size_t size);
#endif

#include "check.hpp"

#include <memory_resource>
#include <vector>

using arena_cxx::allocator;
using arena_cxx::handle;
using arena_cxx::resource;
using arena_cxx::scope;

#if defined(ARENA_TEST_POP_STUB)

namespace
{
struct pop_call {
    arena_t *a;
    void *ptr;
    std::size_t size;
};
std::vector<pop_call> calls;
} // namespace

extern "C" int arena_pop(arena_t *a, void *ptr, size_t size)
{
    pop_call c = {a, ptr, size};
    calls.push_back(c);
    return 0;
}

static bool called_with(arena_t *a, void *ptr, std::size_t size)
{
    return calls.size() == 1 && calls[0].a == a && calls[0].ptr == ptr && calls[0].size == size;
}

static void wiring()
{
    handle h = handle::create(0);
    arena_t *a = h.get();
    resource r(h);
    const std::size_t sizes[] = {0, 1, 7, 16, 100, 4096, 100000};
    for (std::size_t al = 1; al <= 4096; al *= 2)
        for (std::size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            std::size_t n = sizes[k];
            void *p = r.allocate(n, al);
            calls.clear();
            r.deallocate(p, n, al);
            if (!CHECK(called_with(a, p, n != 0 ? n : 1)))
                std::cerr << "  resource: " << n << " bytes at alignment " << al << std::endl;
        }

    allocator<double> ad(a);
    for (std::size_t n = 1; n <= 1000; n *= 10) {
        double *p = ad.allocate(n);
        calls.clear();
        ad.deallocate(p, n);
        CHECK(called_with(a, p, n * sizeof(double)));
    }
    struct alignas(128) wide {
        char b[384];
    };
    allocator<wide> aw(a);
    wide *w = aw.allocate(3);
    calls.clear();
    aw.deallocate(w, 3);
    CHECK(called_with(a, w, 3 * sizeof(wide)));

    // Containers deallocate through it too.
    calls.clear();
    {
        std::pmr::vector<int> v(&r);
        v.assign(100, 1);
    }
    CHECK_EQ(calls.size(), std::size_t(1));
}

#else

static void gives_back_newest()
{
    handle h = handle::create(1 << 20); // the whole grid fits in the first block
    arena_t *a = h.get();
    resource r(h);
    const std::size_t sizes[] = {0, 1, 7, 16, 100, 1000};
    for (std::size_t al = 1; al <= 4096; al *= 2)
        for (std::size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            std::size_t n = sizes[k];
            std::size_t used = arena_stats(a).used;
            void *p = r.allocate(n, al);
            r.deallocate(p, n, al);
            void *again = r.allocate(n, al);
            CHECK_EQ(again, p); // the newest went back and comes out again
            r.deallocate(again, n, al);
            CHECK(arena_stats(a).used <= used + al); // at most the alignment padding stays
        }
    CHECK_CONSISTENT(a);
}

static void keeps_older()
{
    handle h = handle::create(4096);
    arena_t *a = h.get();
    resource r(h);
    void *older = r.allocate(64, 16);
    void *newer = r.allocate(64, 16);
    std::size_t used = arena_stats(a).used;
    r.deallocate(older, 64, 16);
    CHECK_EQ(arena_stats(a).used, used);
    r.deallocate(newer, 64, 16);
    CHECK(arena_stats(a).used < used);
    r.deallocate(older, 64, 16); // now the newest: it goes too
    CHECK(r.allocate(64, 16) == older);

    allocator<int> ai(a);
    int *x = ai.allocate(10), *y = ai.allocate(10);
    used = arena_stats(a).used;
    ai.deallocate(x, 10);
    CHECK_EQ(arena_stats(a).used, used);
    ai.deallocate(y, 10);
    CHECK(arena_stats(a).used < used);
    CHECK_CONSISTENT(a);
}

static void not_across_a_mark()
{
    handle h = handle::create(4096);
    arena_t *a = h.get();
    resource r(h);
    void *p = r.allocate(64, 16);
    {
        scope s(a);
        std::size_t used = arena_stats(a).used;
        r.deallocate(p, 64, 16);
        CHECK_EQ(arena_stats(a).used, used);
        void *q = r.allocate(32, 16);
        r.deallocate(q, 32, 16); // after the mark: it goes
        CHECK_EQ(arena_stats(a).used, used);
    }
    CHECK(arena_owns(a, p));
    CHECK_CONSISTENT(a);
}

#endif

int main()
{
#if defined(ARENA_TEST_POP_STUB)
    wiring();
#else
    gives_back_newest();
    keeps_older();
    not_across_a_mark();
#endif
    return check::verdict("cxx pop");
}
