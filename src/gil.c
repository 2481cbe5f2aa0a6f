/*
 * gil.c: a lock that behaves like CPython's global interpreter lock, as
 * take_gil() and drop_gil() in CPython's Python/ceval_gil.c implement it
 * (with FORCE_SWITCHING, as CPython builds it).
 *
 * The lock is a flag guarded by a mutex; its changes are announced on a
 * condition variable.  A thread that finds it taken waits on the
 * condition for one switch interval at a time.  If an interval passes
 * and nobody has taken the lock over meanwhile (the switch number did
 * not move), the waiter sets the drop request, CPython's eval_breaker.
 * The holder looks at the drop request between chunks of work, as the
 * interpreter does at each loop back-edge, and then drops the lock and
 * asks for it again.  Forced switching: a thread that drops the lock on
 * request waits until some other thread has taken it, otherwise on a
 * multi-core machine it would run on and win the lock straight back.
 *
 * Nothing here is about speed: the model exists to be measured.
 */
#include <assert.h>
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "clock.h"
#include "gil.h"
#include "lanes.h"
#include "num.h"
#include "trace.h"

/* pthread functions return the error number: report it and give up. */
static void
check(int rc, const char *what)
{
	if (rc != 0) {
		errno = rc;
		err(1, "%s", what);
	}
}

void
gil_init(struct gil *g, int64_t interval_ns)
{
	pthread_condattr_t ca;

	check(pthread_mutex_init(&g->mutex, NULL), "pthread_mutex_init");
	check(pthread_mutex_init(&g->switch_mutex, NULL), "pthread_mutex_init");
	/* Interval timeouts must not move with the wall clock. */
	check(pthread_condattr_init(&ca), "pthread_condattr_init");
	check(pthread_condattr_setclock(&ca, CLOCK_MONOTONIC),
	      "pthread_condattr_setclock");
	check(pthread_cond_init(&g->cond, &ca), "pthread_cond_init");
	check(pthread_cond_init(&g->switch_cond, NULL), "pthread_cond_init");
	pthread_condattr_destroy(&ca);
	g->locked = 0;
	g->switch_number = 0;
	/* The option's bound keeps a deadline, now + interval, from overflow.
	 */
	assert(interval_ns <= NUM_DURATION_MAX_NS);
	g->interval_ns = interval_ns > 0 ? interval_ns : 1;
	g->trace = NULL;
	g->lanes = NULL;
	atomic_init(&g->drop_request, 0);
	atomic_init(&g->last_holder, NULL);
}

void
gil_destroy(struct gil *g)
{
	pthread_cond_destroy(&g->cond);
	pthread_cond_destroy(&g->switch_cond);
	pthread_mutex_destroy(&g->mutex);
	pthread_mutex_destroy(&g->switch_mutex);
}

/*
 * --trace: the waits of one gil_take(), stamped under the mutex and
 * written after it is released, as the hold slices are: a write to the
 * trace may flush a whole buffer to the file, and every other thread
 * would wait for the lock's mutex meanwhile.
 */
#define WAITS_KEPT 16
struct waits {
	int n;
	struct {
		int64_t t0, t1;
		int acquired, timeout, request;
	} w[WAITS_KEPT];
};

static void
waits_write(struct gil *g, struct gil_thread *t, struct waits *ws)
{
	int i;

	for (i = 0; i < ws->n; i++) {
		trace_wait(g->trace, t->tid, ws->w[i].t0, ws->w[i].t1,
			   ws->w[i].acquired, ws->w[i].timeout);
		if (ws->w[i].request)
			trace_instant(g->trace, t->tid, TRACE_DROP_REQUEST,
				      ws->w[i].t1);
	}
	ws->n = 0;
}

/* Waits for the flag to clear, asking the holder to drop it. */
static void
wait_for_drop(struct gil *g, struct gil_thread *t, struct waits *ws)
{
	unsigned long saved;
	struct timespec deadline;
	int64_t w0;
	int rc, request;

	while (g->locked) {
		saved = g->switch_number;
		w0 = now_ns(CLOCK_MONOTONIC);
		deadline = ns_to_ts(w0 + g->interval_ns);
		rc = pthread_cond_timedwait(&g->cond, &g->mutex, &deadline);
		if (rc != 0 && rc != ETIMEDOUT)
			check(rc, "pthread_cond_timedwait");
		/* A whole interval without a hand-over: ask for the lock. */
		request =
		    rc == ETIMEDOUT && g->locked && g->switch_number == saved;
		if (request)
			atomic_store_explicit(&g->drop_request, 1,
					      memory_order_relaxed);
		if (g->trace == NULL)
			continue;
		ws->w[ws->n].t0 = w0;
		ws->w[ws->n].t1 = now_ns(CLOCK_MONOTONIC);
		ws->w[ws->n].acquired = !g->locked;
		ws->w[ws->n].timeout = rc == ETIMEDOUT;
		ws->w[ws->n].request = request;
		/*
		 * Seldom full: let go of the mutex to write them out.  The
		 * lock is still taken (this wait did not acquire it), and the
		 * loop looks again once the mutex is back.
		 */
		if (++ws->n == WAITS_KEPT && g->locked) {
			check(pthread_mutex_unlock(&g->mutex),
			      "pthread_mutex_unlock");
			waits_write(g, t, ws);
			check(pthread_mutex_lock(&g->mutex),
			      "pthread_mutex_lock");
		}
	}
}

void
gil_take(struct gil *g, struct gil_thread *t)
{
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	struct waits ws;
	int switched = 0;

	ws.n = 0;
	check(pthread_mutex_lock(&g->mutex), "pthread_mutex_lock");
	wait_for_drop(g, t, &ws);
	/* last_holder changes under switch_mutex: see gil_drop(). */
	check(pthread_mutex_lock(&g->switch_mutex), "pthread_mutex_lock");
	g->locked = 1;
	if (g->trace != NULL || g->lanes != NULL)
		t->hold_ns = now_ns(CLOCK_MONOTONIC);
	if (atomic_load(&g->last_holder) != t) {
		if (atomic_load(&g->last_holder) != NULL)
			t->switches++;
		atomic_store(&g->last_holder, t);
		g->switch_number++;
		switched = g->trace != NULL;
	}
	check(pthread_cond_signal(&g->switch_cond), "pthread_cond_signal");
	check(pthread_mutex_unlock(&g->switch_mutex), "pthread_mutex_unlock");
	/* Whoever asked for the lock has it now, or will ask again. */
	atomic_store_explicit(&g->drop_request, 0, memory_order_relaxed);
	check(pthread_mutex_unlock(&g->mutex), "pthread_mutex_unlock");
	if (ws.n > 0)
		waits_write(g, t, &ws);
	/*
	 * The whole way to the lock, mutex included, from where the lane's
	 * last slice ended: the timed waits nest inside it.
	 */
	if (g->trace != NULL) {
		trace_slice(g->trace, t->tid, TRACE_TAKE,
			    t->mark_ns > 0 ? t->mark_ns : t0, t->hold_ns);
		t->mark_ns = t->hold_ns;
	}
	if (switched)
		trace_switch(g->trace, t->tid, t->hold_ns);
	t->wait_ns += now_ns(CLOCK_MONOTONIC) - t0;
}

void
gil_drop(struct gil *g, struct gil_thread *t, int last)
{
	int64_t t0 = now_ns(CLOCK_MONOTONIC), t1 = 0, forced = 0;

	atomic_store(&g->last_holder, t);
	check(pthread_mutex_lock(&g->mutex), "pthread_mutex_lock");
	if (!g->locked)
		errx(1, "gil_drop: the lock is not held");
	g->locked = 0;
	if (g->trace != NULL || g->lanes != NULL)
		t1 = now_ns(CLOCK_MONOTONIC);
	check(pthread_cond_signal(&g->cond), "pthread_cond_signal");
	check(pthread_mutex_unlock(&g->mutex), "pthread_mutex_unlock");
	/* Stamped under the mutex, written out after it. */
	if (g->trace != NULL) {
		trace_slice(g->trace, t->tid, TRACE_HOLD, t->hold_ns, t1);
		t->mark_ns = t1;
	}
	if (g->lanes != NULL)
		lanes_add(g->lanes, t->tid, t->hold_ns, t1);
	if (last)
		return;
	/* Forced switching: let a waiter run before we may take it again. */
	if (gil_drop_requested(g)) {
		check(pthread_mutex_lock(&g->switch_mutex),
		      "pthread_mutex_lock");
		if (atomic_load(&g->last_holder) == t) {
			atomic_store_explicit(&g->drop_request, 0,
					      memory_order_relaxed);
			if (g->trace != NULL)
				forced = now_ns(CLOCK_MONOTONIC);
			check(pthread_cond_wait(&g->switch_cond,
						&g->switch_mutex),
			      "pthread_cond_wait");
		}
		check(pthread_mutex_unlock(&g->switch_mutex),
		      "pthread_mutex_unlock");
		/* The wait after a forced switch is part of the lane too. */
		if (forced != 0) {
			t->mark_ns = now_ns(CLOCK_MONOTONIC);
			trace_slice(g->trace, t->tid, TRACE_FORCED, t1,
				    t->mark_ns);
			trace_instant(g->trace, t->tid, TRACE_FORCED_SWITCH,
				      forced);
		}
	}
	/* Getting the mutex to let go can take long too: a busy waiter. */
	t->wait_ns += now_ns(CLOCK_MONOTONIC) - t0;
}
