/*
 * trace.h: range-sum --trace, a Chrome Trace Event JSON record of who
 * held the locked-thread model's lock and when (see trace.c).
 */
#ifndef TRACE_H
#define TRACE_H

#include <stdint.h>

struct trace;

/* What the run looks like, for the trace's metadata. */
struct trace_info {
	int threads;	   /* workers: tids 1..threads */
	int gil;	   /* --gil: hold/wait slices; else run slices */
	int64_t switch_ns; /* --switch-interval */
	int64_t io_ns;	   /* --io-wait */
	int io_echo;	   /* --io-echo */
	int64_t max_bytes; /* --trace-max: 0 for no cap */
};

/*
 * Creates a temporary file beside path and writes the trace's head.
 * Before any work: a path that cannot be written is a one-line error
 * and exit 1.  From now on SIGINT, SIGTERM and SIGHUP complete the
 * trace before they end the program.
 */
struct trace *trace_open(const char *path, const struct trace_info *info);

/* Completes the trace and renames it to its path; 0, or -1 after a message. */
int trace_close(struct trace *tr);

/*
 * Slices: a thread's stretch from t0 to t1, now_ns(CLOCK_MONOTONIC) times.
 * TAKE: taking the lock, its mutex and its timed waits; FORCED: after
 * dropping the lock on request, waiting for another thread to take it.
 */
enum trace_slice { TRACE_HOLD, TRACE_IO, TRACE_RUN, TRACE_TAKE, TRACE_FORCED };
void trace_slice(struct trace *tr, int tid, enum trace_slice what, int64_t t0,
		 int64_t t1);

/* One timed wait for the lock: did it end with the lock?  woken by a signal? */
void trace_wait(struct trace *tr, int tid, int64_t t0, int64_t t1, int acquired,
		int timeout);

enum trace_instant { TRACE_DROP_REQUEST, TRACE_FORCED_SWITCH };
void trace_instant(struct trace *tr, int tid, enum trace_instant what,
		   int64_t t);

/* A hand-off of the lock at t; the trace counts them over the run. */
void trace_switch(struct trace *tr, int tid, int64_t t);

#endif
