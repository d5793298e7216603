// The header must compile as C++ (-Wall -Wextra -Wpedantic -Werror) and its
// inline fast path and macros must behave the same there.
#include <arena.h>

#include <cstdio>
#include <cstring>

struct alignas(64) line {
    char bytes[64];
};

int main()
{
    arena_t *a = arena_create(1024);
    if (a == nullptr)
        return 1;
    int *one = ARENA_NEW(a, int);
    line *l = ARENA_NEW(a, line);
    double *many = ARENA_NEW_ARRAY(a, double, 32);
    char *s = arena_strdup(a, "c++");
    if (one == nullptr || l == nullptr || many == nullptr || s == nullptr) {
        std::puts("allocation failed");
        return 1;
    }
    if (reinterpret_cast<uintptr_t>(l) % 64 != 0
        || reinterpret_cast<uintptr_t>(many) % alignof(double) != 0) {
        std::puts("misaligned");
        return 1;
    }
    errno = 0;
    if (ARENA_NEW_ARRAY(a, double, SIZE_MAX / 4) != nullptr || errno != ENOMEM) {
        std::puts("overflow not refused");
        return 1;
    }
    arena_mark_t m = arena_save(a);
    void *p = arena_alloc(a, 100);
    arena_restore(a, m);
    if (arena_alloc(a, 100) != p) {
        std::puts("restore did not rewind");
        return 1;
    }
    std::printf("c++: %s ok\n", s);
    arena_destroy(a);
    return 0;
}
