// arena_cxx::resource, the std::pmr::memory_resource over an arena, alone
// and under std::pmr::vector, std::pmr::string and std::pmr::unordered_map.
// Built as C++17.
#include "check.hpp"

#include <memory_resource>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#if !defined(ARENA_HAVE_PMR)
#error "arena.hpp must provide arena_cxx::resource under C++17 with <memory_resource>"
#endif

using arena_cxx::handle;
using arena_cxx::resource;
using arena_cxx::scope;

static_assert(std::is_base_of<std::pmr::memory_resource, resource>::value, "a pmr resource");
static_assert(std::is_nothrow_constructible<resource, arena_t *>::value, "noexcept view");
static_assert(std::is_nothrow_copy_constructible<resource>::value, "noexcept copy");
static_assert(!std::is_convertible<arena_t *, resource>::value, "explicit");
static_assert(noexcept(std::declval<resource &>().release()), "release is noexcept");
static_assert(noexcept(std::declval<resource &>().is_equal(std::declval<resource &>())),
              "is_equal is noexcept");

// Every power-of-two alignment 1..4096 with sizes around it, on an arena
// whose 1 KiB first block makes the grid cross many blocks: never NULL,
// aligned, owned by the arena, writable in full, never overlapping.
static void alignment_grid()
{
    handle h = handle::create(1024);
    resource r(h);
    std::pmr::memory_resource &mr = r;
    const std::size_t sizes[] = {0,    1,    2,    3,    7,    8,     15,    16,    17,   31,
                                 32,   33,   63,   64,   65,   100,   255,   256,   1000, 1023,
                                 1024, 1025, 4095, 4096, 4097, 10000, 65536, 100000};
    check::spans seen;
    for (std::size_t al = 1; al <= 4096; al *= 2) {
        for (std::size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            std::size_t n = sizes[k];
            void *p = mr.allocate(n, al);
            if (!CHECK(p != nullptr))
                continue;
            CHECK_ALIGNED(p, al);
            CHECK(arena_owns(h.get(), p));
            CHECK(arena_owns(h.get(), static_cast<unsigned char *>(p) + (n ? n - 1 : 0)));
            seen.add(p, n ? n : 1); // 0 bytes are served as 1: an address of its own
        }
    }
    CHECK_EQ(seen.size(), 13 * (sizeof sizes / sizeof sizes[0]));
    CHECK_SPANS(seen);
    CHECK(arena_stats(h.get()).blocks > 10);
    CHECK_CONSISTENT(h.get());

    // Each alignment also as the first request of a fresh arena.
    for (std::size_t al = 1; al <= 4096; al *= 2) {
        handle f = handle::create(0);
        resource fr(f);
        void *p = fr.allocate(24, al);
        CHECK_ALIGNED(p, al);
        CHECK(arena_owns(f.get(), p));
    }
}

// A value the compiler cannot see through (no warning for a constant).
static std::size_t opaque(std::size_t v)
{
    volatile std::size_t x = v;
    return x;
}

static void failures()
{
    // A capped arena: what does not fit throws, and the arena is unchanged.
    arena_options_t o;
    std::memset(&o, 0, sizeof o);
    o.block_size = 4096;
    o.max_size = 64 * 1024;
    handle h = handle::create_with(o);
    resource r(h);
    CHECK_ALIGNED(r.allocate(1000, 16), 16);
    arena_stats_t before = arena_stats(h.get());
    CHECK_BAD_ALLOC(r.allocate(1 << 20, 16));
    CHECK_BAD_ALLOC(r.allocate(SIZE_MAX / 2, 8));
    // Not a power of two (pmr's precondition, checked by the arena): refused.
    CHECK_BAD_ALLOC(r.allocate(16, opaque(0)));
    CHECK_BAD_ALLOC(r.allocate(16, opaque(48)));
    arena_stats_t after = arena_stats(h.get());
    CHECK_EQ(after.used, before.used);
    CHECK_EQ(after.blocks, before.blocks);
    CHECK_EQ(after.backing, before.backing);
    CHECK_CONSISTENT(h.get());
    CHECK_ALIGNED(r.allocate(1000, 16), 16); // still serving

    resource none(static_cast<arena_t *>(nullptr));
    CHECK_BAD_ALLOC(none.allocate(1, 1));
    CHECK(none.get() == nullptr);

    // A container that outgrows a capped arena throws and keeps its elements.
    std::pmr::vector<long> v(&r);
    bool threw = false;
    std::size_t before_size = 0;
    try {
        for (long i = 0; i < 1000000; i++) {
            before_size = v.size();
            v.push_back(i);
        }
    } catch (const std::bad_alloc &) {
        threw = true;
    }
    CHECK(threw);
    CHECK_EQ(v.size(), before_size);
    CHECK_EQ(v.back(), static_cast<long>(before_size - 1));
}

static void deallocation()
{
    handle h = handle::create(4096);
    resource r(h);
    arena_t *a = h.get();
    void *older = r.allocate(100, 8);
    void *newer = r.allocate(100, 8);
    std::size_t used = arena_stats(a).used;

    // An older block: nothing changes, whatever the size or alignment said.
    r.deallocate(older, 100, 8);
    r.deallocate(older, 0, 1);
    CHECK_EQ(arena_stats(a).used, used);
    void *next = r.allocate(16, 8);
    CHECK(static_cast<char *>(next) >= static_cast<char *>(newer) + 100);

    // The newest block.
    std::size_t before = arena_stats(a).used;
    void *last = r.allocate(200, 16);
    r.deallocate(last, 200, 16);
    CHECK_EQ(arena_stats(a).used, before);
    CHECK_EQ(r.allocate(200, 16), last);

    // Never across a scope saved after it.
    void *kept = r.allocate(64, 16);
    {
        scope s(a);
        std::size_t at_mark = arena_stats(a).used;
        r.deallocate(kept, 64, 16);
        CHECK_EQ(arena_stats(a).used, at_mark);
    }
    CHECK(arena_owns(a, kept));
    CHECK_CONSISTENT(a);
}

static void equality()
{
    handle h1 = handle::create(0), h2 = handle::create(0);
    resource r1(h1), same(h1.get()), r2(h2);
    resource copy(r1);
    CHECK(r1.is_equal(r1));
    CHECK(r1.is_equal(same));
    CHECK(same.is_equal(r1));
    CHECK(r1.is_equal(copy));
    CHECK(*static_cast<std::pmr::memory_resource *>(&r1) == same);
    CHECK(!r1.is_equal(r2));
    CHECK(!r2.is_equal(r1));
    CHECK(*static_cast<std::pmr::memory_resource *>(&r1) != r2);
    CHECK(!r1.is_equal(*std::pmr::new_delete_resource()));
    CHECK(!std::pmr::new_delete_resource()->is_equal(r1));
    std::pmr::monotonic_buffer_resource mono;
    CHECK(!r1.is_equal(mono));
    CHECK(!mono.is_equal(r1));
    resource none(static_cast<arena_t *>(nullptr)), none2(static_cast<arena_t *>(nullptr));
    CHECK(none.is_equal(none2)); // both over no arena: neither serves anything

    copy = r2;
    CHECK(copy.get() == h2.get());
    CHECK(copy.is_equal(r2));

    // Equal resources: a container moves its buffer; unequal: it copies.
    std::pmr::vector<int> v(&r1);
    v.assign(1000, 7);
    const int *data = v.data();
    std::pmr::vector<int> w(std::move(v), &same);
    CHECK(w.data() == data);
    std::pmr::vector<int> x(std::move(w), &r2);
    CHECK(x.data() != data);
    CHECK(arena_owns(h2.get(), x.data()));
    CHECK_EQ(x.size(), std::size_t(1000));
    CHECK_EQ(x[999], 7);
}

static void release_resets()
{
    handle h = handle::create(1024);
    resource r(h);
    void *first = r.allocate(64, 16);
    for (int i = 0; i < 200; i++)
        CHECK_ALIGNED(r.allocate(100, 16), 16);
    std::size_t blocks = arena_stats(h.get()).blocks;
    CHECK(blocks > 3);
    r.release();
    CHECK_EQ(arena_stats(h.get()).used, std::size_t(0));
    CHECK_EQ(arena_stats(h.get()).blocks, blocks); // kept for reuse
    CHECK_EQ(r.allocate(64, 16), first);
    CHECK_CONSISTENT(h.get());
}

static void pmr_vector()
{
    check::counting_backing c = {0, 0};
    arena_options_t o = check::counting_options(&c, 256);
    handle h = handle::create_with(o);
    resource r(h);
    {
        std::pmr::vector<std::uint64_t> v(&r);
        for (std::uint64_t i = 0; i < 200000; i++)
            v.push_back(i * i);
        CHECK(arena_owns(h.get(), v.data()));
        CHECK(arena_stats(h.get()).blocks > 5);
        bool same = true;
        for (std::uint64_t i = 0; i < 200000; i++)
            same = same && v[i] == i * i;
        CHECK(same);
        v.resize(10);
        v.shrink_to_fit();
        CHECK_EQ(v.size(), std::size_t(10));
        CHECK_EQ(v[9], std::uint64_t(81));

        // Over-aligned elements.
        struct alignas(256) page {
            unsigned char b[256];
        };
        std::pmr::vector<page> pages(&r);
        for (int i = 0; i < 300; i++) {
            pages.emplace_back();
            pages.back().b[0] = static_cast<unsigned char>(i);
        }
        CHECK_ALIGNED(pages.data(), 256);
        CHECK_EQ(static_cast<int>(pages[299].b[0]), 299 % 256);
    }
    CHECK_CONSISTENT(h.get());
    h.reset();
    CHECK_EQ(c.outstanding, std::size_t(0));
}

static void pmr_string()
{
    handle h = handle::create(512);
    resource r(h);
    std::pmr::string s(&r);
    for (int i = 0; i < 5000; i++)
        s += static_cast<char>('a' + i % 26);
    CHECK_EQ(s.size(), std::size_t(5000));
    CHECK(arena_owns(h.get(), s.data()));
    CHECK_EQ(s[4999], static_cast<char>('a' + 4999 % 26));
    std::pmr::string t(s.substr(100, 3000), &r);
    CHECK_EQ(t.size(), std::size_t(3000));
    CHECK_EQ(t[0], static_cast<char>('a' + 100 % 26));
    CHECK(arena_owns(h.get(), t.data()));

    // Strings in a vector take the vector's resource (uses-allocator).
    std::pmr::vector<std::pmr::string> names(&r);
    for (int i = 0; i < 2000; i++)
        names.emplace_back("a string long enough to leave the small buffer, number "
                           + std::to_string(i));
    bool owned = true;
    for (const std::pmr::string &n : names)
        owned = owned && arena_owns(h.get(), n.data()) && n.get_allocator().resource() == &r;
    CHECK(owned);
    CHECK_EQ(names[1999].substr(names[1999].size() - 4), std::pmr::string("1999"));
    CHECK_CONSISTENT(h.get());
}

static void pmr_unordered_map()
{
    check::counting_backing c = {0, 0};
    arena_options_t o = check::counting_options(&c, 1024);
    handle h = handle::create_with(o);
    resource r(h);
    {
        std::pmr::unordered_map<std::pmr::string, std::pmr::vector<int>> m(&r);
        for (int i = 0; i < 20000; i++) {
            std::pmr::string key("key number " + std::to_string(i) + " with some padding", &r);
            m[key].push_back(i);
            m[key].push_back(-i);
        }
        CHECK_EQ(m.size(), std::size_t(20000));
        CHECK(m.bucket_count() >= 20000);
        bool found = true, owned = true;
        for (int i = 0; i < 20000; i += 7) {
            auto it =
                m.find(std::pmr::string("key number " + std::to_string(i) + " with some padding"));
            found = found && it != m.end() && it->second.size() == 2 && it->second[1] == -i;
            owned = owned && it != m.end() && arena_owns(h.get(), it->first.data())
                    && arena_owns(h.get(), it->second.data()) && arena_owns(h.get(), &*it);
        }
        CHECK(found);
        CHECK(owned);
        for (int i = 0; i < 20000; i += 2)
            m.erase(std::pmr::string("key number " + std::to_string(i) + " with some padding"));
        CHECK_EQ(m.size(), std::size_t(10000));
        m.rehash(50000);
        CHECK_EQ(m.count(std::pmr::string("key number 3 with some padding")), std::size_t(1));
        CHECK_EQ(m.count(std::pmr::string("key number 4 with some padding")), std::size_t(0));
    }
    CHECK(arena_stats(h.get()).blocks > 5);
    CHECK_CONSISTENT(h.get());
    h.reset();
    CHECK_EQ(c.outstanding, std::size_t(0));
}

// Containers built and dropped inside scopes: each scope gives back what its
// containers took, and the next scope reuses the same memory.
static void containers_in_scopes()
{
    check::counting_backing c = {0, 0};
    arena_options_t o = check::counting_options(&c, 4096);
    handle h = handle::create_with(o);
    resource r(h);
    std::size_t used = arena_stats(h.get()).used;
    std::size_t requests = 0;
    for (int round = 0; round < 5; round++) {
        {
            scope s(h);
            std::pmr::unordered_map<int, std::pmr::string> m(&r);
            std::pmr::vector<std::pmr::string> v(&r);
            for (int i = 0; i < 3000; i++) {
                m.emplace(i, std::pmr::string(60, 'x'));
                v.emplace_back(70, 'y');
            }
            CHECK_EQ(m.at(2999).size(), std::size_t(60));
            {
                scope inner(h);
                std::pmr::vector<int> tmp(&r);
                tmp.assign(50000, round);
                CHECK_EQ(tmp[49999], round);
            }
            CHECK_EQ(v.back(), std::pmr::string(70, 'y'));
        }
        CHECK_EQ(arena_stats(h.get()).used, used);
        if (round == 0)
            requests = c.requests;
        CHECK_EQ(c.requests, requests); // later rounds need no new block
    }
    CHECK_CONSISTENT(h.get());
}

// The arena as the upstream of the standard resources: they give blocks
// back in any order, which the arena takes as a no-op unless newest.
static void as_upstream()
{
    handle h = handle::create(0);
    resource r(h);
    {
        std::pmr::unsynchronized_pool_resource pool(&r);
        std::pmr::vector<std::pmr::string> v(&pool);
        for (int i = 0; i < 10000; i++)
            v.emplace_back(40 + i % 50, static_cast<char>('a' + i % 26));
        CHECK_EQ(v[9999].size(), std::size_t(40 + 9999 % 50));
        CHECK(pool.upstream_resource() == &r);
    }
    {
        std::pmr::monotonic_buffer_resource mono(&r);
        std::pmr::unordered_map<int, int> m(&mono);
        for (int i = 0; i < 10000; i++)
            m[i] = i;
        CHECK_EQ(m[9999], 9999);
    }
    CHECK_CONSISTENT(h.get());
}

static void polymorphic_allocator()
{
    handle h = handle::create(0);
    resource r(h);
    std::pmr::polymorphic_allocator<double> pa(&r);
    double *d = pa.allocate(100);
    CHECK_ALIGNED(d, alignof(double));
    CHECK(arena_owns(h.get(), d));
    pa.deallocate(d, 100);
    CHECK(pa.resource() == &r);
}

int main()
{
    alignment_grid();
    failures();
    deallocation();
    equality();
    release_resets();
    pmr_vector();
    pmr_string();
    pmr_unordered_map();
    containers_in_scopes();
    as_upstream();
    polymorphic_allocator();
    return check::verdict("cxx resource");
}
