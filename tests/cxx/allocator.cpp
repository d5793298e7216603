// arena_cxx::allocator<T> with the standard containers.  Built as C++11:
// the allocator must not need C++17.
#include "check.hpp"

#include <deque>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

using arena_cxx::allocator;
using arena_cxx::handle;

typedef std::allocator_traits<allocator<int>> traits;
static_assert(std::is_same<traits::value_type, int>::value, "value_type");
static_assert(std::is_same<traits::rebind_alloc<double>, allocator<double>>::value, "rebind");
static_assert(!traits::propagate_on_container_copy_assignment::value, "keeps its arena");
static_assert(!traits::propagate_on_container_move_assignment::value, "keeps its arena");
static_assert(!traits::propagate_on_container_swap::value, "keeps its arena");
static_assert(!traits::is_always_equal::value, "equal only over one arena");
static_assert(!std::is_default_constructible<allocator<int>>::value, "names its arena");
static_assert(!std::is_convertible<arena_t *, allocator<int>>::value, "explicit");
static_assert(std::is_nothrow_copy_constructible<allocator<int>>::value, "noexcept copy");
static_assert(noexcept(std::declval<allocator<int> &>().deallocate(nullptr, 1)),
              "deallocate is noexcept");
static_assert(noexcept(std::declval<allocator<int> &>() == std::declval<allocator<long> &>()),
              "comparison is noexcept");

template <std::size_t N> struct alignas(N) over {
    unsigned char bytes[N];
};

// allocate(n) for T aligned to N, n in a grid, on an arena whose small
// blocks make the grid cross many of them: aligned, owned, and never
// overlapping anything handed out before.
template <std::size_t N> static void aligned_grid(arena_t *a, check::spans &seen)
{
    allocator<over<N>> al(a);
    const std::size_t counts[] = {1, 2, 3, 5, 8, 17};
    for (std::size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        std::size_t n = counts[k];
        over<N> *p = al.allocate(n);
        CHECK_ALIGNED(p, N);
        CHECK(arena_owns(a, p));
        CHECK(arena_owns(a, reinterpret_cast<unsigned char *>(p) + n * N - 1));
        seen.add(p, n * N);
    }
}

static void alignments()
{
    handle h = handle::create(512);
    arena_t *a = h.get();
    check::spans seen;
    aligned_grid<1>(a, seen);
    aligned_grid<2>(a, seen);
    aligned_grid<4>(a, seen);
    aligned_grid<8>(a, seen);
    aligned_grid<16>(a, seen);
    aligned_grid<32>(a, seen);
    aligned_grid<64>(a, seen);
    aligned_grid<128>(a, seen);
    aligned_grid<256>(a, seen);
    aligned_grid<512>(a, seen);
    aligned_grid<1024>(a, seen);
    aligned_grid<2048>(a, seen);
    aligned_grid<4096>(a, seen);
    CHECK_SPANS(seen);
    CHECK(arena_stats(a).blocks > 5);
    CHECK_CONSISTENT(a);
}

static void equality()
{
    handle h1 = handle::create(0), h2 = handle::create(0);
    allocator<int> a1(h1.get()), b1(h1.get()), a2(h2.get());
    allocator<double> d1(a1);
    CHECK(a1 == b1);
    CHECK(!(a1 != b1));
    CHECK(a1 != a2);
    CHECK(!(a1 == a2));
    CHECK(d1 == a1);
    CHECK(d1 != a2);
    CHECK(d1.arena() == h1.get());
    allocator<int> back(d1);
    CHECK(back == a1);
}

static void vector_grows_across_blocks()
{
    check::counting_backing c = {0, 0};
    arena_options_t o = check::counting_options(&c, 256);
    handle h = handle::create_with(o);
    arena_t *a = h.get();
    {
        std::vector<int, allocator<int>> v{allocator<int>(a)};
        for (int i = 0; i < 100000; i++)
            v.push_back(i * 3);
        CHECK(arena_owns(a, v.data()));
        CHECK(arena_owns(a, &v.back()));
        CHECK(arena_stats(a).blocks > 5);
        bool same = true;
        for (int i = 0; i < 100000; i++)
            same = same && v[static_cast<std::size_t>(i)] == i * 3;
        CHECK(same);
        v.shrink_to_fit();
        CHECK_EQ(v.size(), std::size_t(100000));
    }
    CHECK_CONSISTENT(a);
    h.reset();
    CHECK_EQ(c.outstanding, std::size_t(0));
}

static void node_containers()
{
    handle h = handle::create(1024);
    arena_t *a = h.get();
    typedef std::basic_string<char, std::char_traits<char>, allocator<char>> astring;
    allocator<char> ca(a);
    {
        std::list<int, allocator<int>> l{allocator<int>(a)};
        for (int i = 0; i < 5000; i++)
            l.push_back(i);
        l.remove_if([](int x) { return x % 2 == 0; });
        CHECK_EQ(l.size(), std::size_t(2500));
        CHECK_EQ(l.front(), 1);
        CHECK(arena_owns(a, &l.back()));

        typedef std::pair<const int, astring> entry;
        std::map<int, astring, std::less<int>, allocator<entry>> m{std::less<int>(),
                                                                   allocator<entry>(a)};
        for (int i = 0; i < 3000; i++)
            m.emplace(i, astring(static_cast<std::size_t>(40 + i % 30),
                                 static_cast<char>('a' + i % 26), ca));
        CHECK_EQ(m.size(), std::size_t(3000));
        CHECK_EQ(m.at(1234).size(), std::size_t(40 + 1234 % 30));
        CHECK_EQ(m.at(1234)[0], static_cast<char>('a' + 1234 % 26));
        CHECK(arena_owns(a, m.at(2999).data()));
        CHECK(arena_owns(a, &*m.find(17)));

        std::deque<long, allocator<long>> d{allocator<long>(a)};
        for (long i = 0; i < 20000; i++) {
            d.push_back(i);
            d.push_front(-i);
        }
        CHECK_EQ(d.size(), std::size_t(40000));
        CHECK_EQ(d.front(), -19999L);
        CHECK_EQ(d.back(), 19999L);

        astring s(ca);
        for (int i = 0; i < 1000; i++)
            s += "0123456789";
        CHECK_EQ(s.size(), std::size_t(10000));
        CHECK(arena_owns(a, s.data()));
        CHECK_EQ(s.compare(9990, 10, "0123456789"), 0);
    }
    CHECK_CONSISTENT(a);
}

static void copies_and_moves()
{
    handle h1 = handle::create(256), h2 = handle::create(256);
    typedef std::vector<int, allocator<int>> vec;
    vec v{allocator<int>(h1.get())};
    for (int i = 0; i < 1000; i++)
        v.push_back(i);

    vec copy(v); // the copy keeps the source's arena
    CHECK(copy.get_allocator() == v.get_allocator());
    CHECK(copy.data() != v.data());

    const int *data = v.data();
    vec moved(std::move(v)); // same arena: the buffer moves
    CHECK(moved.data() == data);

    vec other{allocator<int>(h2.get())};
    other = moved; // no propagation: the target keeps its arena
    CHECK(other.get_allocator().arena() == h2.get());
    CHECK(arena_owns(h2.get(), other.data()));
    CHECK_EQ(other.size(), std::size_t(1000));
    CHECK_EQ(other[999], 999);

    vec other2{allocator<int>(h2.get())};
    other2 = std::move(moved); // unequal arenas: elements move, memory stays put
    CHECK(arena_owns(h2.get(), other2.data()));
    CHECK_EQ(other2[500], 500);
}

static void failures()
{
    handle h = handle::create(0);
    arena_t *a = h.get();
    allocator<std::uint64_t> al(a);
    std::size_t used = arena_stats(a).used;
    CHECK_BAD_ALLOC(al.allocate(SIZE_MAX / sizeof(std::uint64_t) + 1)); // n * size overflows
    CHECK_BAD_ALLOC(al.allocate(SIZE_MAX / sizeof(std::uint64_t)));     // too big to serve
    CHECK_EQ(arena_stats(a).used, used);
    CHECK_CONSISTENT(a);

    allocator<int> none(static_cast<arena_t *>(nullptr));
    CHECK_BAD_ALLOC(none.allocate(1));

    // A fixed arena in a caller's buffer: a vector grows until it is full,
    // and the failed growth leaves the vector and the arena as they were.
    alignas(64) static unsigned char buf[16384];
    arena_options_t o;
    std::memset(&o, 0, sizeof o);
    o.flags = ARENA_FIXED;
    o.buffer = buf;
    o.buffer_size = sizeof buf;
    handle f = handle::create_with(o);
    CHECK(static_cast<bool>(f));
    std::vector<int, allocator<int>> v{allocator<int>(f.get())};
    bool threw = false;
    std::size_t before = 0;
    try {
        for (int i = 0; i < 100000; i++) {
            before = v.size();
            v.push_back(i);
        }
    } catch (const std::bad_alloc &) {
        threw = true;
    }
    CHECK(threw);
    CHECK_EQ(v.size(), before);
    CHECK(before > 100);
    CHECK_EQ(v[before - 1], static_cast<int>(before - 1));
    CHECK_CONSISTENT(f.get());
}

static void deallocate()
{
    handle h = handle::create(4096);
    arena_t *a = h.get();
    allocator<int> al(a);
    int *older = al.allocate(10);
    int *newest = al.allocate(10);
    std::size_t used = arena_stats(a).used;

    al.deallocate(older, 10); // not the newest: nothing changes
    CHECK_EQ(arena_stats(a).used, used);
    int *next = al.allocate(1);
    CHECK(next >= newest + 10);
    al.deallocate(next, 1);

    std::size_t before_newest = arena_stats(a).used;
    int *last = al.allocate(10);
    al.deallocate(last, 10);
    CHECK_EQ(arena_stats(a).used, before_newest); // the newest goes back
    CHECK_EQ(al.allocate(10), last);
    CHECK_CONSISTENT(a);
}

int main()
{
    alignments();
    equality();
    vector_grows_across_blocks();
    node_containers();
    copies_and_moves();
    failures();
    deallocate();
    return check::verdict("cxx allocator");
}
