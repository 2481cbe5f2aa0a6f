/*
 * coverage.c: sum-merge's progress line.
 *
 * The records of a fan-out (xargs -P, GNU parallel, a queue) arrive at
 * sum-merge one by one: the share of the expected range they cover is
 * the progress of the whole run, where each worker's own --progress
 * would only overwrite the others' on one terminal.  The line is drawn
 * by the thread that reads, after a record, so it needs no lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "clock.h"
#include "coverage.h"
#include "human.h"
#include "range.h"

#define REDRAW_NS (NS_PER_S / 5)

static struct {
	int on, tty;
	int64_t t0, last;
	int width;    /* of the last line drawn in place */
	size_t drawn; /* records when the line was last drawn, plus one */
} c;

static void
draw(const struct merge *m)
{
	double len = (double)range_len(m->xstart, m->xend);
	double cov = (double)m->covered, secs;
	char when[32] = "?";
	sigset_t old;
	int n;

	/*
	 * covered counts a repeated record each time: cheap, and exact for
	 * a run without retries.  The merge itself checks the real union.
	 */
	if (cov > len)
		cov = len;
	secs = (now_ns(CLOCK_MONOTONIC) - c.t0) / 1e9;
	human_draw_begin(&old);
	if (cov > 0 && cov < len)
		human_eta(secs * (len - cov) / cov, when, sizeof(when));
	else if (cov >= len)
		human_eta(0, when, sizeof(when));
	n = fprintf(stderr,
		    "%ssum-merge: %.1f%% of [%jd, %jd) covered, %zu record%s, "
		    "ETA %s",
		    c.tty ? "\r" : "", len > 0 ? 100 * cov / len : 100.0,
		    (intmax_t)m->xstart, (intmax_t)m->xend, m->nrecs,
		    m->nrecs == 1 ? "" : "s", when);
	c.drawn = m->nrecs + 1;
	if (c.tty) {
		n -= 1;
		fprintf(stderr, "%*s", c.width > n ? c.width - n : 0, "");
		c.width = n;
	} else {
		fputc('\n', stderr);
	}
	human_draw_end(&old, c.tty);
}

void
coverage_start(enum coverage_mode mode, const struct merge *m)
{
	(void)m;
	c.tty = isatty(STDERR_FILENO);
	if (mode == COVERAGE_OFF || (mode == COVERAGE_AUTO && !c.tty))
		return;
	c.on = 1;
	c.t0 = now_ns(CLOCK_MONOTONIC);
	c.last = c.t0 - REDRAW_NS; /* the first record is drawn at once */
	if (c.tty)
		human_catch_signals(1);
}

void
coverage_update(const struct merge *m)
{
	int64_t now;

	if (!c.on)
		return;
	now = now_ns(CLOCK_MONOTONIC);
	if (now - c.last < REDRAW_NS)
		return;
	c.last = now;
	draw(m);
}

void
coverage_stop(const struct merge *m)
{
	sigset_t old;

	if (!c.on)
		return;
	if (c.drawn != m->nrecs + 1)
		draw(m);
	if (c.tty) {
		human_draw_begin(&old);
		if (c.drawn > 0)
			fputc('\n', stderr);
		human_draw_end(&old, 0);
		human_catch_signals(0);
	}
	c.on = 0;
}
