// What the C++ suites share: checks that print both sides and keep going,
// a counting backing allocator, and the verdict as the exit status.  C++11.
#ifndef ARENA_TEST_CHECK_HPP
#define ARENA_TEST_CHECK_HPP

#include <arena.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <new>
#include <algorithm>
#include <type_traits>
#include <vector>

namespace check
{

struct tally {
    unsigned long checks;
    unsigned long failures;
};

inline tally &counts()
{
    static tally t = {0, 0};
    return t;
}

// Pointers print as addresses, everything else as itself.
template <class T> inline const T &show(const T &v)
{
    return v;
}
inline const void *show(const char *p)
{
    return p;
}
inline const void *show(char *p)
{
    return p;
}
inline unsigned show(unsigned char c)
{
    return c;
}
inline int show(signed char c)
{
    return c;
}

inline bool record(bool ok, const char *file, int line)
{
    counts().checks++;
    if (!ok) {
        counts().failures++;
        std::cerr << file << ":" << line << ": ";
    }
    return ok;
}

template <class A, class B>
inline bool eq(const A &a, const B &b, const char *ea, const char *eb, const char *file, int line)
{
    if (record(a == b, file, line))
        return true;
    std::cerr << "expected " << ea << " == " << eb << ": " << show(a) << " vs " << show(b)
              << std::endl;
    return false;
}

template <class A, class B>
inline bool ne(const A &a, const B &b, const char *ea, const char *eb, const char *file, int line)
{
    if (record(!(a == b), file, line))
        return true;
    std::cerr << "expected " << ea << " != " << eb << ": both " << show(a) << std::endl;
    return false;
}

inline bool truth(bool v, const char *e, const char *file, int line)
{
    if (record(v, file, line))
        return true;
    std::cerr << "expected " << e << std::endl;
    return false;
}

// Exit status: 0 when every check held.
inline int verdict(const char *suite)
{
    std::printf("%s: %lu checks, %lu failed\n", suite, counts().checks, counts().failures);
    return counts().failures == 0 ? 0 : 1;
}

inline std::uintptr_t addr(const void *p)
{
    return reinterpret_cast<std::uintptr_t>(p);
}

inline void consistent(const arena_t *a, const char *file, int line)
{
    const char *why = "";
    if (!record(arena_check(a, &why) == 0, file, line))
        std::cerr << "arena_check: " << why << std::endl;
}

// Blocks handed out, each filled with its own byte: no two may overlap and
// every byte must still hold its fill when the grid is done.
struct span {
    std::uintptr_t begin, end;
    unsigned char fill;
};

class spans
{
  public:
    void add(void *p, std::size_t size)
    {
        unsigned char fill = static_cast<unsigned char>(list_.size() * 37 + 1);
        std::memset(p, fill, size);
        span s = {addr(p), addr(p) + size, fill};
        list_.push_back(s);
    }

    // The first overlap or overwritten byte, reported; true when none.
    bool hold(const char *file, int line) const
    {
        std::vector<span> s(list_);
        std::sort(s.begin(), s.end(),
                  [](const span &x, const span &y) { return x.begin < y.begin; });
        for (std::size_t i = 0; i + 1 < s.size(); i++)
            if (!record(s[i].end <= s[i + 1].begin, file, line)) {
                std::cerr << "blocks overlap: [" << s[i].begin << ", " << s[i].end << ") and ["
                          << s[i + 1].begin << ", " << s[i + 1].end << ")" << std::endl;
                return false;
            }
        for (std::size_t i = 0; i < s.size(); i++)
            for (std::uintptr_t b = s[i].begin; b < s[i].end; b++)
                if (*reinterpret_cast<const unsigned char *>(b) != s[i].fill) {
                    record(false, file, line);
                    std::cerr << "byte " << b << " of [" << s[i].begin << ", " << s[i].end
                              << ") was overwritten" << std::endl;
                    return false;
                }
        return record(true, file, line);
    }

    std::size_t size() const
    {
        return list_.size();
    }

  private:
    std::vector<span> list_;
};

// A backing allocator that counts what it hands out.
struct counting_backing {
    std::size_t requests;
    std::size_t outstanding; // bytes not yet released
};

inline void *counting_alloc(void *user, std::size_t size)
{
    counting_backing *c = static_cast<counting_backing *>(user);
    c->requests++;
    void *p = std::malloc(size);
    if (p != nullptr)
        c->outstanding += size;
    return p;
}

inline void counting_release(void *user, void *p, std::size_t size)
{
    counting_backing *c = static_cast<counting_backing *>(user);
    c->outstanding -= size;
    std::free(p);
}

inline arena_options_t counting_options(counting_backing *c, std::size_t block_size)
{
    arena_options_t o;
    std::memset(&o, 0, sizeof o);
    o.block_size = block_size;
    o.backing.alloc = counting_alloc;
    o.backing.release = counting_release;
    o.backing.user = c;
    return o;
}

} // namespace check

#define CHECK(e) check::truth(static_cast<bool>(e), #e, __FILE__, __LINE__)
#define CHECK_EQ(a, b) check::eq((a), (b), #a, #b, __FILE__, __LINE__)
#define CHECK_NE(a, b) check::ne((a), (b), #a, #b, __FILE__, __LINE__)
#define CHECK_ALIGNED(p, al) CHECK_EQ(check::addr(p) % (al), std::uintptr_t(0))
#define CHECK_CONSISTENT(a) check::consistent((a), __FILE__, __LINE__)
#define CHECK_SPANS(s) (s).hold(__FILE__, __LINE__)
// `expr` must throw exactly std::bad_alloc (or a type derived from it).
#define CHECK_BAD_ALLOC(expr)                                                                      \
    do {                                                                                           \
        bool thrown_ = false;                                                                      \
        try {                                                                                      \
            (void)(expr);                                                                          \
        } catch (const std::bad_alloc &) {                                                         \
            thrown_ = true;                                                                        \
        }                                                                                          \
        check::truth(thrown_, "std::bad_alloc from " #expr, __FILE__, __LINE__);                   \
    } while (0)

#endif
