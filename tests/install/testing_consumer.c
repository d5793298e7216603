/* A program built against the installed headers: arena_testing.h stands on
 * its own and drives an arena into ENOMEM and back. */
#include <arena_testing.h>

#include <errno.h>
#include <stdio.h>

int main(void)
{
    arena_testing_backing_t t = {0};
    arena_options_t o = {.block_size = 256, .backing = arena_testing_backing(&t)};
    arena_t *a = arena_create_with(&o);
    if (a == NULL)
        return 1;
    arena_testing_fail_from(&t, 1);
    errno = 0;
    void *refused = arena_alloc(a, 4096);
    int err = errno;
    arena_testing_no_faults(&t);
    void *served = arena_alloc(a, 4096);
    arena_destroy(a);
    int ok = refused == NULL && err == ENOMEM && served != NULL && t.injected == 1
             && t.outstanding == 0 && t.blocks == 0 && !t.bad_release;
    arena_testing_backing_fini(&t);
    printf("testing_consumer: %s (%zu requests, %zu injected failure)\n", ok ? "ok" : "FAILED",
           t.requests, t.injected);
    return ok ? 0 : 1;
}
