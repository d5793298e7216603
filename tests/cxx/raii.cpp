// arena_cxx::handle (owns and destroys; move-only) and arena_cxx::scope
// (saves a mark, restores it at the end; nests).  Built as C++11.
#include "check.hpp"

#include <utility>

using arena_cxx::handle;
using arena_cxx::scope;

static_assert(!std::is_copy_constructible<handle>::value, "handle is move-only");
static_assert(!std::is_copy_assignable<handle>::value, "handle is move-only");
static_assert(std::is_nothrow_move_constructible<handle>::value, "noexcept move");
static_assert(std::is_nothrow_move_assignable<handle>::value, "noexcept move");
static_assert(std::is_nothrow_destructible<handle>::value, "noexcept destroy");
static_assert(std::is_nothrow_default_constructible<handle>::value, "noexcept empty");
static_assert(noexcept(handle::create(0)), "create reports failure as an empty handle");
static_assert(!std::is_copy_constructible<scope>::value, "scope is pinned");
static_assert(!std::is_move_constructible<scope>::value, "scope is pinned");
static_assert(!std::is_copy_assignable<scope>::value, "scope is pinned");
static_assert(std::is_nothrow_constructible<scope, arena_t *>::value, "noexcept save");
static_assert(std::is_nothrow_destructible<scope>::value, "noexcept restore");
static_assert(!std::is_convertible<arena_t *, handle>::value, "ownership is never implicit");
static_assert(!std::is_convertible<arena_t *, scope>::value, "a scope is never implicit");

static void handle_empty()
{
    handle h;
    CHECK(!h);
    CHECK(h.get() == nullptr);
    CHECK(h.release() == nullptr);
    h.reset(); // destroying nothing is fine
    handle m(std::move(h));
    CHECK(!m);
}

static void handle_destroys()
{
    check::counting_backing c = {0, 0};
    arena_options_t o = check::counting_options(&c, 256);
    {
        handle h = handle::create_with(o);
        CHECK(static_cast<bool>(h));
        for (int i = 0; i < 100; i++)
            CHECK(arena_alloc(h.get(), 100) != nullptr);
        CHECK(c.requests > 5);
        CHECK(c.outstanding > 0);
    }
    CHECK_EQ(c.outstanding, std::size_t(0));

    handle d = handle::create(0);
    CHECK(static_cast<bool>(d));
    CHECK(arena_alloc(d.get(), 10) != nullptr);
}

static void handle_create_fails()
{
    errno = 0;
    handle h = handle::create(SIZE_MAX);
    CHECK(!h);
    CHECK_EQ(errno, ENOMEM);

    arena_options_t o;
    std::memset(&o, 0, sizeof o);
    o.buffer_size = 100; // a size without a buffer
    errno = 0;
    handle w = handle::create_with(o);
    CHECK(!w);
    CHECK_EQ(errno, EINVAL);
}

static void handle_moves()
{
    check::counting_backing c1 = {0, 0}, c2 = {0, 0};
    arena_options_t o1 = check::counting_options(&c1, 256);
    arena_options_t o2 = check::counting_options(&c2, 256);

    // Construction takes over; the source owns nothing.
    handle a = handle::create_with(o1);
    arena_t *ra = a.get();
    handle b(std::move(a));
    CHECK(a.get() == nullptr);
    CHECK(b.get() == ra);
    CHECK(c1.outstanding > 0);

    // Assignment destroys what the target owned, then takes over.
    handle x = handle::create_with(o2);
    CHECK(c2.outstanding > 0);
    x = std::move(b);
    CHECK_EQ(c2.outstanding, std::size_t(0));
    CHECK(x.get() == ra);
    CHECK(b.get() == nullptr);

    // Self-assignment keeps the arena.
    handle &alias = x;
    x = std::move(alias);
    CHECK(x.get() == ra);
    CHECK(c1.outstanding > 0);

    // Assigning an empty handle destroys.
    x = handle();
    CHECK(!x);
    CHECK_EQ(c1.outstanding, std::size_t(0));
}

static void handle_release_reset_swap()
{
    check::counting_backing c1 = {0, 0}, c2 = {0, 0};
    arena_options_t o1 = check::counting_options(&c1, 256);
    arena_options_t o2 = check::counting_options(&c2, 256);

    handle h = handle::create_with(o1);
    arena_t *a = h.release();
    CHECK(!h);
    CHECK(c1.outstanding > 0); // released, not destroyed

    h.reset(a); // owns it again
    CHECK(h.get() == a);
    h.reset(a); // the same arena: kept, not destroyed
    CHECK(h.get() == a);
    CHECK(c1.outstanding > 0);
    CHECK(arena_alloc(a, 10) != nullptr);

    arena_t *b = arena_create_with(&o2);
    h.reset(b); // the old one is destroyed
    CHECK_EQ(c1.outstanding, std::size_t(0));
    CHECK(h.get() == b);

    handle g;
    swap(g, h);
    CHECK(g.get() == b);
    CHECK(!h);
    CHECK(c2.outstanding > 0);
    g.reset();
    CHECK_EQ(c2.outstanding, std::size_t(0));
}

static void scope_restores()
{
    handle h = handle::create(4096);
    arena_t *a = h.get();
    CHECK(arena_alloc(a, 10) != nullptr);
    std::size_t used = arena_stats(a).used;
    void *first;
    {
        scope s(a);
        CHECK(s.get() == a);
        first = arena_alloc(a, 100);
        CHECK(first != nullptr);
        CHECK(arena_alloc(a, 200) != nullptr);
        CHECK(arena_stats(a).used > used);
    }
    CHECK_EQ(arena_stats(a).used, used);
    CHECK_EQ(arena_alloc(a, 100), first);
    CHECK_CONSISTENT(a);
}

static void scope_across_blocks()
{
    check::counting_backing c = {0, 0};
    arena_options_t o = check::counting_options(&c, 256);
    handle h = handle::create_with(o);
    arena_t *a = h.get();
    char *keep = static_cast<char *>(arena_alloc(a, 100));
    std::strcpy(keep, "before the scope");
    std::size_t used = arena_stats(a).used;
    std::size_t blocks = arena_stats(a).blocks;
    void *first;
    {
        scope s(h);
        first = arena_alloc(a, 200); // does not fit: the next block
        for (int i = 0; i < 100; i++)
            CHECK(arena_alloc(a, 100) != nullptr);
        CHECK(arena_stats(a).blocks > blocks + 2);
    }
    CHECK_EQ(arena_stats(a).used, used);
    CHECK_EQ(std::strcmp(keep, "before the scope"), 0);
    CHECK_CONSISTENT(a);
    std::size_t requests = c.requests;
    // The same addresses again, from the kept blocks.
    CHECK_EQ(arena_alloc(a, 200), first);
    for (int i = 0; i < 100; i++)
        CHECK(arena_alloc(a, 100) != nullptr);
    CHECK_EQ(c.requests, requests);
}

// Scopes nested `depth` deep; each level allocates across blocks and checks
// that `used` and the next address come back when its inner scope ends.
static void nest(arena_t *a, int depth)
{
    if (depth == 0)
        return;
    std::size_t used = arena_stats(a).used;
    void *first;
    {
        scope s(a);
        first = arena_alloc(a, 40);
        for (int i = 0; i < 20 * depth; i++)
            CHECK(arena_alloc(a, 30) != nullptr);
        CHECK(arena_alloc(a, 8) != nullptr);
        std::size_t inner = arena_stats(a).used;
        arena_mark_t m = arena_save(a); // an unscoped mark inside is fine
        nest(a, depth - 1);             // ends with one allocation after its scope
        CHECK(arena_stats(a).used >= inner);
        arena_restore(a, m);
        CHECK_EQ(arena_stats(a).used, inner);
    }
    CHECK_EQ(arena_stats(a).used, used);
    CHECK_EQ(arena_alloc(a, 40), first);
}

static void scope_nesting()
{
    handle h = handle::create(128);
    for (int depth = 1; depth <= 6; depth++) {
        nest(h.get(), depth);
        CHECK_CONSISTENT(h.get());
    }
}

static void scope_restore_early()
{
    handle h = handle::create(256);
    arena_t *a = h.get();
    std::size_t used = arena_stats(a).used;
    {
        scope s(a);
        void *first = arena_alloc(a, 64);
        for (int i = 0; i < 50; i++)
            CHECK(arena_alloc(a, 64) != nullptr);
        s.restore(); // ends them now; the scope stays open
        CHECK_EQ(arena_stats(a).used, used);
        CHECK_EQ(arena_alloc(a, 64), first);
        {
            scope inner(a); // a scope after an early restore nests as usual
            CHECK(arena_alloc(a, 1000) != nullptr);
        }
        CHECK_EQ(arena_stats(a).used, used + 64);
    }
    CHECK_EQ(arena_stats(a).used, used);
    CHECK_CONSISTENT(a);
}

static void scope_null()
{
    scope s(static_cast<arena_t *>(nullptr));
    CHECK(s.get() == nullptr);
    s.restore();
    handle empty;
    scope t(empty);
    CHECK(t.get() == nullptr);
}

int main()
{
    handle_empty();
    handle_destroys();
    handle_create_fails();
    handle_moves();
    handle_release_reset_swap();
    scope_restores();
    scope_across_blocks();
    scope_nesting();
    scope_restore_early();
    scope_null();
    return check::verdict("cxx raii");
}
