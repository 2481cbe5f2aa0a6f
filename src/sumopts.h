/*
 * sumopts.h: how range-sum is asked to sum a range, as its options say:
 * the method, the workers, the lock model, the reports.  range-sum.c
 * fills it in; par.c, which runs the workers, and progress.c, which
 * watches them, read it.
 */
#ifndef SUMOPTS_H
#define SUMOPTS_H

#include <stdint.h>

#include "kernel.h"

struct trace;

enum progress { PROGRESS_OFF, PROGRESS_AUTO, PROGRESS_FORCE };

struct sumopts {
	enum method method;
	int threads; /* 0: the calling thread alone */
	int gil;     /* --gil: the threads share the locked-thread model */
	int64_t switch_ns; /* --switch-interval */
	int64_t io_ns;	   /* --io-wait: a simulated blocking call per chunk */
	int io_echo;	/* --io-echo: the call is a pipe round-trip instead */
	int io_threads; /* --io-threads: threads that only make I/O calls */
	int procs;	/* 0: no forked workers */
	int stats;	/* --stats: one report per worker on stderr */
	enum progress progress;
	struct trace *trace; /* --trace, or NULL */
	int lanes;	     /* --lanes: draw who held the lock on stderr */
};

/* Does each chunk make a blocking call, --io-wait or --io-echo? */
static inline int
sumopts_io(const struct sumopts *o)
{
	return o->io_ns > 0 || o->io_echo;
}

#endif
