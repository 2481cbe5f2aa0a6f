/*
 * par.c: spreading one range over workers: the calling thread alone,
 * POSIX threads (optionally under the locked-thread model), or forked
 * processes (procs.c).  The life of a run is here, the same for each:
 * split the range into shares, start the progress line, run the
 * workers, stop the line, add up the shares.  Forked workers start
 * before the progress line: a process forks only while it has one
 * thread.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "lanes.h"
#include "par.h"
#include "procs.h"
#include "progress.h"
#include "range.h"
#include "report.h"
#include "work.h"

struct thread_arg {
	struct work *w;
	const struct workctx *c;
};

static void *
thread_main(void *arg)
{
	struct thread_arg *a = arg;

	if (a->c->stop != NULL)
		work_io_run(a->w, a->c);
	else
		work_run(a->w, a->c);
	return NULL;
}

/*
 * Runs one thread per share, then the --io-threads, which stop when the
 * shares are summed; returns 0, or -1 if one could not start.
 */
static int
run_threads(const struct sumopts *o, struct work *w, int n,
	    const struct workctx *base)
{
	struct gil gil;
	struct workctx c = *base, cio;
	struct thread_arg *a;
	struct work *io = NULL;
	atomic_int stop = 0;
	pthread_t *tid;
	int i, started, rc = 0, m = n + o->io_threads;

	if (o->gil) {
		gil_init(&gil, o->switch_ns);
		gil.trace = o->trace;
		if (o->lanes)
			gil.lanes = lanes_new(m, now_ns(CLOCK_MONOTONIC));
		c.gil = &gil;
	}
	cio = c;
	cio.stop = &stop;
	if (o->io_threads > 0) {
		c.io_ns = 0; /* the summing threads are CPU-bound */
		c.io_echo = 0;
		io = aligned_alloc(alignof(struct work),
				   o->io_threads * sizeof(*io));
		if (io == NULL)
			err(1, "aligned_alloc: %d --io-threads", o->io_threads);
		memset(io, 0, o->io_threads * sizeof(*io));
		for (i = 0; i < o->io_threads; i++)
			io[i].lock.tid = n + 1 + i; /* --trace */
	}
	if ((tid = calloc(m, sizeof(*tid))) == NULL ||
	    (a = calloc(m, sizeof(*a))) == NULL)
		err(1, "calloc: a table of %zu threads", (size_t)m);
	for (started = 0; started < m; started++) {
		a[started] = started < n
				 ? (struct thread_arg){&w[started], &c}
				 : (struct thread_arg){&io[started - n], &cio};
		rc = pthread_create(&tid[started], NULL, thread_main,
				    &a[started]);
		if (rc != 0)
			break;
	}
	for (i = 0; i < started; i++) {
		if (i == n)
			atomic_store(&stop, 1);
		pthread_join(tid[i], NULL);
	}
	if (rc != 0) {
		errno = rc;
		warn("cannot start thread %d of %d", started + 1, m);
	}
	if (o->gil) {
		if (gil.lanes != NULL && rc == 0)
			lanes_print(gil.lanes, 0);
		lanes_free(gil.lanes);
		gil_destroy(&gil);
	}
	free(tid);
	free(a);
	free(io);
	return rc == 0 ? 0 : -1;
}

/* Shares cut from [start, end): as many as asked, at most one per integer. */
static int
par_workers(const struct sumopts *o, int64_t start, int64_t end)
{
	uint64_t len = range_len(start, end);
	int n = o->threads > 0 ? o->threads : o->procs > 0 ? o->procs : 1;

	return len < (uint64_t)n ? (int)len : n;
}

/* Where the shares live: the heap, or a segment the workers inherit. */
static struct work *
shares_alloc(const struct sumopts *o, int n)
{
	struct work *w;

	if (o->procs > 0)
		return procs_shares(n);
	if ((w = aligned_alloc(alignof(struct work), n * sizeof(*w))) == NULL)
		err(1, "aligned_alloc: the shares of %zu workers", (size_t)n);
	return w;
}

static void
shares_free(const struct sumopts *o, struct work *w, int n)
{
	if (o->procs > 0)
		procs_shares_free(w, n);
	else
		free(w);
}

/* --stats: the blocking calls' median length, against what was asked. */
static void
io_report(const struct sumopts *o, const struct iohist *h)
{
	uint64_t calls;
	int64_t med = iohist_median(h, &calls);
	char asked[64] = "";

	if (o->io_ns > 0)
		snprintf(asked, sizeof(asked), " (asked %.3f us)",
			 o->io_ns / 1e3);
	fprintf(stderr, "range-sum: io calls: %" PRIu64 ", median %.3f us%s\n",
		calls, med / 1e3, asked);
}

int
par_sum(const struct sumopts *o, int64_t start, int64_t end, i128 *sum)
{
	struct workctx c = {.method = o->method,
			    .io_ns = o->io_ns,
			    .io_echo = o->io_echo,
			    .trace = o->trace};
	int n = par_workers(o, start, end), rv = 0;
	struct crew *crew = NULL;
	struct meter *prog;
	struct work *w;

	*sum = 0;
	if (n == 0)
		return 0;
	/*
	 * One worker that nobody watches: no clocks, no allocation.  A
	 * filter of many short ranges (--mq, --shm) pays per range.
	 */
	if (o->threads == 0 && o->procs == 0 && !o->stats && !sumopts_io(o) &&
	    o->progress == PROGRESS_OFF) {
		*sum = sum_range(o->method, start, end);
		return 0;
	}
	if ((w = shares_alloc(o, n)) == NULL)
		return -1;
	if (o->stats && sumopts_io(o))
		c.iohist = iohist_new();
	work_split(w, n, start, end);
	/*
	 * Free workers even out: one that is done takes from the others'
	 * shares.  Under the lock, or with I/O calls, each sums its own
	 * share, as CPython's threads do.
	 */
	if (n > 1 && o->method == METHOD_LOOP && !o->gil && !sumopts_io(o)) {
		c.all = w;
		c.n = n;
	}
	/* The workers are forked before the progress thread starts. */
	if (o->procs > 0)
		crew = procs_start(w, n, &c);
	prog = progress_start(o->progress, w, n, range_len(start, end));
	if (o->procs > 0)
		rv = procs_wait(crew);
	else if (o->threads > 0)
		rv = run_threads(o, w, n, &c);
	else
		work_run(&w[0], &c);
	progress_stop(prog, rv == 0);
	if (rv == 0)
		*sum = report_total(w, n, o->stats, o->gil);
	if (rv == 0 && c.iohist != NULL)
		io_report(o, c.iohist);
	iohist_free(c.iohist);
	work_unsplit(w, n);
	shares_free(o, w, n);
	return rv;
}
