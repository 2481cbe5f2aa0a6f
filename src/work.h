/*
 * work.h: one worker's share of a range, the chunked loop that sums it,
 * and the report it leaves behind (report.h adds them up).  The same record
 * serves a thread (in the heap) and a forked process (in a shared-memory
 * segment).
 */
#ifndef WORK_H
#define WORK_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

#include "gil.h"
#include "iowait.h"
#include "kernel.h"

/*
 * Integers per chunk with --method loop.  A chunk stands for the stretch
 * of bytecode between two of CPython's eval-breaker checks: after each
 * one a worker publishes its progress, looks at the lock's drop request
 * and makes its --io-wait (or --io-echo) call.  16384 integers take
 * well under a microsecond (doc/bench.md), below the shortest switch
 * interval worth modelling (1 us); the check costs a few nanoseconds,
 * and the kernel's accumulators outlive the chunk (struct runsum), so
 * that splitting a range costs next to nothing.  With --method formula
 * a worker's whole share is one chunk.
 */
#define WORK_CHUNK 16384

/*
 * Integers a worker takes from its share at a time, when the workers
 * even out (workctx.all): 64 chunks, some tens of microseconds.  A
 * worker that has summed its share takes the upper half of what is left
 * of another's, if that is two stretches or more, so that a core slowed
 * by other work does not hold the run up by more than about that.
 */
#define WORK_STRETCH (64 * WORK_CHUNK)

struct work {
	/* One cache line each, so that progress stores do not collide. */
	alignas(64) int64_t start, end; /* the share: [start, end) */
	_Atomic uint64_t done;		/* integers summed so far */
	atomic_int finished;		/* sum and times are final */
	i128 sum;
	int64_t wall_ns, cpu_ns;
	enum method method;	/* how it summed, for the stats */
	struct gil_thread lock; /* switches and wait, with --gil */
	struct iowait io;	/* --io-wait: how late its sleeps wake */
	/*
	 * What is left to take: [range_at(base, off), range_at(base, lim)),
	 * the rest of the share or of a stretch taken from another's.  With
	 * workctx.all, under cut, which others take from too.
	 */
	pthread_mutex_t cut;
	int64_t base;
	uint64_t off, lim;
	uint64_t taken; /* integers it summed of others' shares */
};

/* How the workers run: the method, the shared lock, the simulated I/O. */
struct workctx {
	enum method method;
	struct gil *gil;       /* NULL: no lock */
	int64_t io_ns;	       /* > 0: a blocking wait after each chunk */
	int io_echo;	       /* the call serves an echo client's request */
	struct trace *trace;   /* --trace, or NULL */
	atomic_int *stop;      /* work_io_run: set when the summing is done */
	struct iohist *iohist; /* --stats with I/O: the calls' lengths */
	/*
	 * Every worker's share, when a worker that has summed its own takes
	 * from the others' (work.cut); NULL: each sums its own share only,
	 * as CPython's threads do (the lock model, the I/O calls).
	 */
	struct work *all;
	int n;
};

/*
 * Cuts [start, end) into n shares whose sizes differ by at most one,
 * 1 <= n <= the range's length.
 */
void work_split(struct work *w, int n, int64_t start, int64_t end);

/* Frees what work_split() set up (the shares' locks). */
void work_unsplit(struct work *w, int n);

/* Sums w's share chunk by chunk and fills in its report. */
void work_run(struct work *w, const struct workctx *c);

/*
 * An I/O-bound thread that sums nothing: waits c->io_ns (or makes an
 * --io-echo round-trip) without the lock, takes it and drops it again,
 * until *c->stop is set.
 */
void work_io_run(struct work *w, const struct workctx *c);

#endif
