// Deallocation through arena_pop: what arena_cxx::resource and
// arena_cxx::allocator give back is the newest block only, never across a
// mark.  Built as C++17.
#include <arena.h>

#include "check.hpp"

#include <memory_resource>
#include <vector>

using arena_cxx::allocator;
using arena_cxx::handle;
using arena_cxx::resource;
using arena_cxx::scope;

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

int main()
{
    gives_back_newest();
    keeps_older();
    not_across_a_mark();
    return check::verdict("cxx pop");
}
