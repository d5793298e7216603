/*
 * death_child.h -- what the children of the death tests (misuse.c,
 * heap_misuse.c) share.  In a coverage build (HD_COVERAGE) a child writes
 * its gcov counters before the library's abort() ends it, so the debug-only
 * paths it reaches count as covered; elsewhere this does nothing.
 */
#ifndef DEATH_CHILD_H
#define DEATH_CHILD_H

#include <signal.h>

#ifdef HD_COVERAGE
void __gcov_dump(void);

static void hd_dump_and_die(int sig)
{
    __gcov_dump();
    signal(sig, SIG_DFL);
    raise(sig);
}
#endif

/* Call first in main. */
static inline void hd_death_child_init(void)
{
#ifdef HD_COVERAGE
    signal(SIGABRT, hd_dump_and_die);
#endif
}

#endif
