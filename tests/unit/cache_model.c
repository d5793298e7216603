/*
 * White-box: the block cache's source, built into this test as it would be
 * on a system with a 32-bit address space (ARENA__CACHE_ADDRESS_BITS), and
 * driven through the default backing's hooks and the arena_cache_* calls
 * it defines.  Its state is this program's own, untouched until a test
 * uses it, so each forked child meets the cache for the first time: that is
 * where the environment is read.
 *
 * The regression: on a 32-bit system neither tier's default may keep a
 * sizeable share of the address space (the lazy tier's 1 GiB constant is a
 * quarter of it); each default is at most a 32nd of it.
 */
#define ARENA__CACHE_ADDRESS_BITS 32
#include "../../src/cache.c" /* not tests/unit/cache.c, the black-box suite */

#include "test_util.h"

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB ((size_t)1 << 20)

static uint64_t physical(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
}

/* In a child: sets the variable (NULL: unsets it), checks what the cache
 * reads from it at its first use, that it reads it only then, and that the
 * set_* calls override it.  Exits 0 when all holds. */
static _Noreturn void env_child(const char *name, const char *value, size_t want)
{
    if (value != NULL)
        setenv(name, value, 1);
    else
        unsetenv(name);
    bool decay = strcmp(name, "ARENA_CACHE_DECAY_MS") == 0;
    size_t got = decay ? arena_cache_decay() : arena_cache_limit();
    int rc = 0;
    if (got != want) {
        fprintf(stderr, "%s=%s: %zu, want %zu\n", name, value ? value : "(unset)", got, want);
        rc = 1;
    }
    setenv(name, "12345", 1); /* read once: no effect now */
    got = decay ? arena_cache_decay() : arena_cache_limit();
    if (got != want) {
        fprintf(stderr, "%s read again after the first use: %zu\n", name, got);
        rc = 2;
    }
    size_t old = decay ? arena_cache_set_decay(777) : arena_cache_set_limit(777 * 4096);
    got = decay ? arena_cache_decay() : arena_cache_limit();
    if (old != want || got != (decay ? 777 : 777 * 4096)) {
        fprintf(stderr, "%s: the set call does not override it\n", name);
        rc = 3;
    }
    exit(rc);
}

typedef struct {
    const char *name, *value;
    size_t want;
} env_case_t;

/* Runs first: this process has not used its cache yet, so every child
 * reads the environment afresh.  Valid values replace the default; any
 * other value leaves it. */
static void environment_is_read_at_first_use(void **state)
{
    (void)state;
    size_t cap = arena__cache_default_cap(ARENA_CACHE_DEFAULT_LIMIT, 32, physical());
    size_t decay = ARENA_CACHE_DEFAULT_DECAY_MS;
    static const char *bad[] = {"",
                                "abc",
                                "-5",
                                "+5",
                                " 12",
                                "12 ",
                                "12x",
                                "1kb",
                                "k",
                                "0x10",
                                "1.5",
                                "99999999999999999999999",
                                "18446744073709551616"};
    env_case_t grid[64];
    size_t n = 0;
    grid[n++] = (env_case_t){"ARENA_CACHE_LIMIT", NULL, cap};
    grid[n++] = (env_case_t){"ARENA_CACHE_LIMIT", "0", 0};
    grid[n++] = (env_case_t){"ARENA_CACHE_LIMIT", "12345", 12345};
    grid[n++] = (env_case_t){"ARENA_CACHE_LIMIT", "64k", 64 * 1024};
    grid[n++] = (env_case_t){"ARENA_CACHE_LIMIT", "64K", 64 * 1024};
    grid[n++] = (env_case_t){"ARENA_CACHE_LIMIT", "3m", 3 * MIB};
    grid[n++] = (env_case_t){"ARENA_CACHE_LIMIT", "3M", 3 * MIB};
    grid[n++] = (env_case_t){"ARENA_CACHE_LIMIT", "1g", (size_t)1 << 30};
    grid[n++] = (env_case_t){"ARENA_CACHE_LIMIT", "2G", (size_t)2 << 30};
    grid[n++] = (env_case_t){"ARENA_CACHE_DECAY_MS", NULL, decay};
    grid[n++] = (env_case_t){"ARENA_CACHE_DECAY_MS", "0", 0};
    grid[n++] = (env_case_t){"ARENA_CACHE_DECAY_MS", "250", 250};
    grid[n++] = (env_case_t){"ARENA_CACHE_DECAY_MS", "86400000", 86400000};
    grid[n++] = (env_case_t){"ARENA_CACHE_DECAY_MS", "5k", decay}; /* no units */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        grid[n++] = (env_case_t){"ARENA_CACHE_LIMIT", bad[i], cap};
        grid[n++] = (env_case_t){"ARENA_CACHE_DECAY_MS", bad[i], decay};
    }
    /* A value that does not fit a size_t after its unit. */
    if (sizeof(size_t) == 8)
        grid[n++] = (env_case_t){"ARENA_CACHE_LIMIT", "17179869184g", cap};
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            env_child(grid[i].name, grid[i].value, grid[i].want);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            print_error("%s=\"%s\": child status %d\n", grid[i].name,
                        grid[i].value ? grid[i].value : "(unset)", status);
            failed++;
        }
    }
    if (failed != 0)
        fail_msg("%d of %zu environment cases failed", failed, n);
}

/* The regression: both tiers' defaults fit a 32-bit address space. */
static void defaults_fit_a_32_bit_address_space(void **state)
{
    (void)state;
    if (getenv("ARENA_CACHE_LIMIT") != NULL)
        skip();
    size_t most = (size_t)(((uint64_t)1 << 32) / 32);
    size_t limit = arena_cache_limit(), lazy = arena_cache_lazy_limit();
    if (limit > most || lazy > most)
        fail_msg("32-bit defaults: resident %zu MiB, lazy %zu MiB; at most %zu MiB each",
                 limit >> 20, lazy >> 20, most >> 20);
    assert_int_equal(limit, arena__cache_default_cap(ARENA_CACHE_DEFAULT_LIMIT, 32, physical()));
    assert_int_equal(lazy,
                     arena__cache_default_cap(ARENA_CACHE_DEFAULT_LAZY_LIMIT, 32, physical()));
}

/* The hooks: a block released comes back to a request of its size; the
 * caps of the model hold. */
static void the_model_caches_through_its_hooks(void **state)
{
    (void)state;
    const arena_backing_t *h = &arena__default_backing;
    arena_cache_set_decay((size_t)3600 * 1000);
    void *p = h->alloc(h->user, 1 * MIB);
    assert_non_null(p);
    h->release(h->user, p, 1 * MIB);
    assert_int_equal(arena_cache_size(), 1 * MIB);
    assert_int_equal(arena__cache_tier_bytes(ARENA__TIER_RESIDENT), 1 * MIB);
    assert_ptr_equal(h->alloc(h->user, 1 * MIB), p);
    h->release(h->user, p, 1 * MIB);
    /* Over a quarter of the resident cap: lazy; over the lazy cap: freed. */
    size_t big = arena_cache_limit() / 4 + 4096;
    void *q = h->alloc(h->user, big);
    assert_non_null(q);
    h->release(h->user, q, big);
    assert_int_equal(arena__cache_tier_bytes(ARENA__TIER_LAZY), big);
    arena_cache_set_lazy_limit(big - 1);
    assert_int_equal(arena__cache_tier_bytes(ARENA__TIER_LAZY), 0);
    arena_cache_release();
    assert_int_equal(arena_cache_size(), 0);
}

int main(void)
{
    /* These tests model the shared tiers: a thread's front would keep the
     * blocks they release out of sight (read at the cache's first use). */
    setenv("ARENA_CACHE_FRONT", "0", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(environment_is_read_at_first_use),
        cmocka_unit_test(defaults_fit_a_32_bit_address_space),
        cmocka_unit_test(the_model_caches_through_its_hooks),
    };
    return cmocka_run_group_tests_name("cache_model", tests, NULL, NULL);
}
