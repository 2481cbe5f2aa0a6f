/*
 * par.h: how range-sum spreads one range over workers.
 */
#ifndef PAR_H
#define PAR_H

#include <stdint.h>

#include "kernel.h"

enum progress { PROGRESS_OFF, PROGRESS_AUTO, PROGRESS_FORCE };

struct sumopts {
	enum method method;
	int threads; /* 0: the calling thread alone */
	int gil;     /* --gil: the threads share the locked-thread model */
	int64_t switch_ns; /* --switch-interval */
	int64_t io_ns;	   /* --io-wait: a simulated blocking call per chunk */
	int io_threads;	   /* --io-threads: threads that only make --io-wait */
	int procs;	   /* 0: no forked workers */
	int stats;	   /* --stats: one report per worker on stderr */
	enum progress progress;
	struct trace *trace; /* --trace, or NULL */
};

/*
 * Sums [start, end) as o says into *sum.  Returns 0, or -1 after
 * printing a message (a lost worker, a failed system call).
 */
int par_sum(const struct sumopts *o, int64_t start, int64_t end, i128 *sum);

#endif
