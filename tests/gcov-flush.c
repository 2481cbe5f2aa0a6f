/*
 * tests/gcov-flush.c: linked into make coverage's builds only, with
 * -Wl,--wrap=_exit,--wrap=raise.  libgcov writes a program's counts from
 * an exit handler, which neither _exit() (a --procs worker, the trace's
 * signal thread) nor a death by a signal raised again after cleanup (^C
 * of a --progress or --mq run) runs: without this, no line that such a
 * process ran would count.  __gcov_dump() writes them first.  So does
 * a handler for SIGINT, SIGTERM and SIGHUP, installed before main where
 * their action is the default, which then dies of the signal as the
 * default would (a program's own handler replaces it, and raises).
 * SIGPIPE keeps its default: trace.c looks at it.
 */
#include <signal.h>

void __gcov_dump(void);
void __real__exit(int status) __attribute__((noreturn));
int __real_raise(int sig);
void __wrap__exit(int status) __attribute__((noreturn));
int __wrap_raise(int sig);

void
__wrap__exit(int status)
{
	__gcov_dump();
	__real__exit(status);
}

int
__wrap_raise(int sig)
{
	__gcov_dump();
	return __real_raise(sig);
}

static void
dump_and_die(int sig)
{
	__gcov_dump();
	signal(sig, SIG_DFL);
	__real_raise(sig);
}

__attribute__((constructor)) static void
catch_ends(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa;
	unsigned i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], NULL, &sa) == 0 &&
		    sa.sa_handler == SIG_DFL)
			signal(sigs[i], dump_and_die);
}
