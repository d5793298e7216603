/*
 * arena.hpp -- C++ interface to arena.h.
 *
 * Four small types over the C API, in namespace arena_cxx (the C header
 * already gives the global name `arena` to its struct, and C++ does not let a
 * namespace share it):
 *
 *   arena_cxx::handle        owns an arena_t and destroys it (move-only)
 *   arena_cxx::scope         saves a mark on construction, restores it on exit
 *   arena_cxx::allocator<T>  an allocator for standard containers (C++11)
 *   arena_cxx::resource      a std::pmr::memory_resource over an arena (C++17)
 *
 * handle, scope and allocator need C++11; resource needs C++17 and a
 * standard library with <memory_resource>, and is left out (with
 * ARENA_HAVE_PMR undefined) otherwise.
 *
 * Ownership: nothing here but handle owns an arena.  scope, allocator and
 * resource hold a plain arena_t * that must outlive them and everything
 * allocated through them; a NULL arena makes every allocation fail.
 *
 * Errors: where the C API reports failure with NULL/errno, the allocating
 * members here throw std::bad_alloc (the contract of allocators and of
 * std::pmr::memory_resource::allocate; with exceptions disabled they call
 * std::abort).  Everything that cannot fail in the C API is noexcept here.
 *
 * Giving memory back: an arena releases memory at reset, restore and
 * destroy.  A deallocation through allocator or resource gives back the
 * block only when it is the arena's newest allocation (and no mark was saved
 * after it), through arena_pop(); any other deallocation does nothing.
 *
 * Threads: like the arena itself, one thread at a time.
 */
#ifndef ARENA_HPP
#define ARENA_HPP

#include "arena.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <type_traits>

#if defined(_MSVC_LANG) && _MSVC_LANG > __cplusplus
#define ARENA__CPLUSPLUS _MSVC_LANG
#else
#define ARENA__CPLUSPLUS __cplusplus
#endif

#if ARENA__CPLUSPLUS >= 201703L && defined(__has_include)
#if __has_include(<memory_resource>)
#include <memory_resource>
/* Defined when arena_cxx::resource is available. */
#define ARENA_HAVE_PMR 1
#endif
#endif

namespace arena_cxx
{

namespace detail
{

/* Reports an allocation failure the way allocators must. */
[[noreturn]] inline void throw_bad_alloc()
{
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
    throw std::bad_alloc();
#else
    std::abort();
#endif
}

/* Gives the `size` bytes at `p` back to `a` if they are its newest
 * allocation and no mark was saved after them; returns whether it did. */
inline bool give_back(arena_t *a, void *p, std::size_t size) noexcept
{
    return arena_pop(a, p, size) != 0;
}

} // namespace detail

/* ---- handle ----------------------------------------------------------- */

/* Owns one arena (or none) and destroys it.  Move-only; a moved-from handle
 * owns none.  Every member is noexcept, like the C calls it makes. */
class handle
{
  public:
    /* Owns nothing. */
    handle() noexcept : a_(nullptr)
    {
    }

    /* Takes ownership of `a` (NULL: owns nothing). */
    explicit handle(arena_t *a) noexcept : a_(a)
    {
    }

    /* arena_create(size); an empty handle (errno set) on failure. */
    static handle create(std::size_t size = 0) noexcept
    {
        return handle(arena_create(size));
    }

    /* arena_create_with(&options); an empty handle (errno set) on failure. */
    static handle create_with(const arena_options_t &options) noexcept
    {
        return handle(arena_create_with(&options));
    }

    handle(handle &&other) noexcept : a_(other.a_)
    {
        other.a_ = nullptr;
    }

    /* Destroys the arena this handle owned, then takes other's. */
    handle &operator=(handle &&other) noexcept
    {
        if (this != &other) {
            arena_destroy(a_);
            a_ = other.a_;
            other.a_ = nullptr;
        }
        return *this;
    }

    handle(const handle &) = delete;
    handle &operator=(const handle &) = delete;

    /* arena_destroy: every pointer from the arena ends. */
    ~handle()
    {
        arena_destroy(a_);
    }

    /* The arena, or NULL; ownership stays here. */
    arena_t *get() const noexcept
    {
        return a_;
    }

    explicit operator bool() const noexcept
    {
        return a_ != nullptr;
    }

    /* Gives up ownership without destroying; returns the arena. */
    arena_t *release() noexcept
    {
        arena_t *a = a_;
        a_ = nullptr;
        return a;
    }

    /* Destroys the arena owned (unless it is `a`) and takes ownership of `a`. */
    void reset(arena_t *a = nullptr) noexcept
    {
        if (a != a_) {
            arena_destroy(a_);
            a_ = a;
        }
    }

    friend void swap(handle &x, handle &y) noexcept
    {
        arena_t *t = x.a_;
        x.a_ = y.a_;
        y.a_ = t;
    }

  private:
    arena_t *a_;
};

/* ---- scope ------------------------------------------------------------ */

/* Saves a mark when constructed and restores it when destroyed, so that
 * everything allocated from the arena inside the scope ends with it (across
 * blocks; blocks added meanwhile are kept as spares).  Scopes nest: an inner
 * scope must end before an outer one, which C++'s destruction order does for
 * scopes on the stack; neither copyable nor movable.  Nothing allocated inside
 * may be used after the scope ends (a container built inside must be
 * destroyed inside).  Do not reset the arena while a scope is open (a debug
 * build stops on the stale mark; a release build ignores it).  A NULL arena
 * gives a scope that does nothing. */
class scope
{
  public:
    explicit scope(arena_t *a) noexcept : a_(a), mark_(arena_save(a))
    {
    }

    explicit scope(const handle &h) noexcept : scope(h.get())
    {
    }

    scope(const scope &) = delete;
    scope &operator=(const scope &) = delete;

    ~scope()
    {
        arena_restore(a_, mark_);
    }

    /* Ends everything allocated since the scope began, now; the scope stays
     * open (its mark stays valid) and restores again when it ends. */
    void restore() noexcept
    {
        arena_restore(a_, mark_);
    }

    arena_t *get() const noexcept
    {
        return a_;
    }

    const arena_mark_t &mark() const noexcept
    {
        return mark_;
    }

  private:
    arena_t *a_;
    arena_mark_t mark_;
};

/* ---- allocator -------------------------------------------------------- */

/* An allocator for standard containers (C++11 and later) that takes memory
 * from an arena, aligned for T (any alignment T has).  Copies and rebinds
 * compare equal when they use the same arena.  allocate throws
 * std::bad_alloc when the arena cannot serve (n * sizeof(T) overflows, a
 * fixed or capped arena is full, the backing refuses, a NULL arena).
 * deallocate gives the memory back only if it is the arena's newest
 * allocation (see "Giving memory back" above).  Like std::pmr's allocator it
 * does not propagate on container copy, move or swap: a container keeps the
 * arena it was built with.  Not default-constructible: name the arena. */
template <class T> class allocator
{
  public:
    typedef T value_type;
    typedef std::false_type is_always_equal;

    explicit allocator(arena_t *a) noexcept : a_(a)
    {
    }

    template <class U> allocator(const allocator<U> &other) noexcept : a_(other.arena())
    {
    }

    T *allocate(std::size_t n)
    {
        if (ARENA__UNLIKELY(n > SIZE_MAX / sizeof(T)))
            detail::throw_bad_alloc();
        void *p = arena_alloc_aligned(a_, n * sizeof(T), alignof(T));
        if (ARENA__UNLIKELY(p == nullptr))
            detail::throw_bad_alloc();
        return static_cast<T *>(p);
    }

    void deallocate(T *p, std::size_t n) noexcept
    {
        detail::give_back(a_, p, n * sizeof(T));
    }

    /* The arena this allocator takes memory from. */
    arena_t *arena() const noexcept
    {
        return a_;
    }

  private:
    arena_t *a_;
};

template <class T, class U>
inline bool operator==(const allocator<T> &x, const allocator<U> &y) noexcept
{
    return x.arena() == y.arena();
}

template <class T, class U>
inline bool operator!=(const allocator<T> &x, const allocator<U> &y) noexcept
{
    return x.arena() != y.arena();
}

/* ---- resource (C++17) ------------------------------------------------- */

#if defined(ARENA_HAVE_PMR)

/* A std::pmr::memory_resource over an arena: a view, which neither creates
 * nor destroys the arena (pair it with a handle).
 *
 *   allocate(bytes, alignment)    arena_alloc_aligned; any power-of-two
 *                                 alignment; 0 bytes are served as 1, so
 *                                 every allocation has its own address;
 *                                 throws std::bad_alloc when the arena
 *                                 cannot serve (NULL/ENOMEM/EINVAL).
 *   deallocate(p, bytes, align)   gives the block back only if it is the
 *                                 arena's newest allocation and no mark was
 *                                 saved after it; otherwise nothing (memory
 *                                 returns at reset, restore or destroy).
 *   is_equal(other)               true for any arena_cxx::resource over the
 *                                 same arena (either can deallocate the
 *                                 other's memory); false for other types.
 *                                 Without RTTI only for the same object.
 *   release()                     arena_reset: ends every allocation from
 *                                 the arena, keeps its blocks.
 *
 * Copies are views of the same arena and compare equal. */
class resource final : public std::pmr::memory_resource
{
  public:
    explicit resource(arena_t *a) noexcept : a_(a)
    {
    }

    explicit resource(const handle &h) noexcept : a_(h.get())
    {
    }

    resource(const resource &) noexcept = default;
    resource &operator=(const resource &) noexcept = default;
    ~resource() override = default;

    arena_t *get() const noexcept
    {
        return a_;
    }

    void release() noexcept
    {
        arena_reset(a_);
    }

  protected:
    void *do_allocate(std::size_t bytes, std::size_t alignment) override
    {
        void *p = arena_alloc_aligned(a_, bytes != 0 ? bytes : 1, alignment);
        if (ARENA__UNLIKELY(p == nullptr))
            detail::throw_bad_alloc();
        return p;
    }

    void do_deallocate(void *p, std::size_t bytes, std::size_t alignment) noexcept override
    {
        (void)alignment;
        detail::give_back(a_, p, bytes != 0 ? bytes : 1);
    }

    bool do_is_equal(const std::pmr::memory_resource &other) const noexcept override
    {
        if (this == &other)
            return true;
#if defined(__cpp_rtti) || defined(__GXX_RTTI) || defined(_CPPRTTI)
        const resource *r = dynamic_cast<const resource *>(&other);
        return r != nullptr && r->a_ == a_;
#else
        return false;
#endif
    }

  private:
    arena_t *a_;
};

#endif /* ARENA_HAVE_PMR */

} // namespace arena_cxx

#endif /* ARENA_HPP */
