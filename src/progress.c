/*
 * progress.c: a line on stderr that tells how far the workers are.
 *
 * The workers publish their counts (work.done) after each chunk; this
 * thread only reads them, so it costs them nothing.  On a terminal the
 * line is redrawn in place; when forced onto a file or pipe, each redraw
 * is a line of its own.  Figures are for people, as pv(1) shows them:
 * rates with SI prefixes (27.3G), the ETA as h:mm:ss or, past a day, in
 * days.  An interrupt at a terminal ends the line first, so that the
 * shell's prompt does not land on it.
 */
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "human.h"
#include "progress.h"

#define REDRAW_NS  NS_PER_S /* at most one redraw a second */
#define HINT_ETA_S 3600	    /* past this, suggest --method formula */

struct meter {
	pthread_t thread;
	pthread_mutex_t mutex;
	pthread_cond_t cond; /* signalled to stop */
	int stop;
	struct work *w;
	int n;
	uint64_t total;
	int64_t t0;
	int tty;
	int width;  /* of the last line drawn in place */
	int hinted; /* the --method formula hint was given */
};

static uint64_t
done_so_far(const struct meter *p)
{
	uint64_t done = 0;
	int i;

	for (i = 0; i < p->n; i++)
		done +=
		    atomic_load_explicit(&p->w[i].done, memory_order_relaxed);
	return done;
}

static void
draw(struct meter *p)
{
	uint64_t done = done_so_far(p);
	double secs = (now_ns(CLOCK_MONOTONIC) - p->t0) / 1e9;
	double rate = secs > 0 ? done / secs : 0;
	double pct = p->total > 0 ? 100.0 * done / p->total : 100.0;
	double left = rate > 0 ? (p->total - done) / rate : -1;
	char when[32] = "?", r[16];
	sigset_t old;
	int len;

	human_draw_begin(&old);
	if (left >= HINT_ETA_S && !p->hinted) {
		p->hinted = 1;
		if (p->tty && p->width > 0)
			fprintf(stderr, "\r%*s\r", p->width, "");
		p->width = 0;
		fprintf(stderr,
			"range-sum: over an hour to go at this rate; "
			"--method formula gives the same sum at once\n");
	}
	if (left >= 0)
		human_eta(left, when, sizeof(when));
	len = fprintf(stderr, "%srange-sum: %.1f%%, %s integers/s, ETA %s",
		      p->tty ? "\r" : "", pct, human_si(rate, r, sizeof(r)),
		      when);
	if (p->tty) {
		len -= 1;
		fprintf(stderr, "%*s", p->width > len ? p->width - len : 0, "");
		p->width = len;
	} else {
		fputc('\n', stderr);
	}
	human_draw_end(&old, p->tty && p->width > 0);
}

static void *
redraw_loop(void *arg)
{
	struct meter *p = arg;
	struct timespec deadline;
	int64_t next = p->t0;

	pthread_mutex_lock(&p->mutex);
	while (!p->stop) {
		next += REDRAW_NS;
		deadline = ns_to_ts(next);
		if (pthread_cond_timedwait(&p->cond, &p->mutex, &deadline) ==
			ETIMEDOUT &&
		    !p->stop)
			draw(p);
	}
	pthread_mutex_unlock(&p->mutex);
	return NULL;
}

struct meter *
progress_start(enum progress mode, struct work *w, int n, uint64_t total)
{
	struct meter *p;
	pthread_condattr_t ca;
	int tty = isatty(STDERR_FILENO), rc;

	if (mode == PROGRESS_OFF || (mode == PROGRESS_AUTO && !tty))
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		err(1, "calloc: the --progress state");
	*p = (struct meter){.w = w, .n = n, .total = total, .tty = tty};
	p->t0 = now_ns(CLOCK_MONOTONIC);
	if (tty)
		human_catch_signals(1);
	/* The redraws' deadlines must not move with the wall clock. */
	if ((rc = pthread_mutex_init(&p->mutex, NULL)) != 0 ||
	    (rc = pthread_condattr_init(&ca)) != 0 ||
	    (rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) != 0 ||
	    (rc = pthread_cond_init(&p->cond, &ca)) != 0 ||
	    (rc = pthread_create(&p->thread, NULL, redraw_loop, p)) != 0) {
		errno = rc;
		err(1, "--progress: pthread_create: its redraw thread");
	}
	pthread_condattr_destroy(&ca);
	return p;
}

void
progress_stop(struct meter *p, int ok)
{
	double secs;
	uint64_t done;
	sigset_t old;
	char r[16];

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mutex);
	p->stop = 1;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->mutex);
	pthread_join(p->thread, NULL);
	secs = (now_ns(CLOCK_MONOTONIC) - p->t0) / 1e9;
	done = done_so_far(p);
	/* Cleared under the lock: a signal now finds no line to end. */
	human_draw_begin(&old);
	if (p->tty && p->width > 0)
		fprintf(stderr, "\r%*s\r", p->width, "");
	human_draw_end(&old, 0);
	if (p->tty)
		human_catch_signals(0);
	if (ok)
		fprintf(stderr,
			"range-sum: done: %ju integers in %.3f s, %s "
			"integers/s\n",
			(uintmax_t)done, secs,
			human_si(secs > 0 ? done / secs : 0, r, sizeof(r)));
	else
		fprintf(stderr,
			"range-sum: stopped after %ju of %ju integers\n",
			(uintmax_t)done, (uintmax_t)p->total);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->mutex);
	free(p);
}
