/*
 * lanes.c: range-sum --lanes.  Each thread adds its holds of the lock to
 * its own row of LANE_BINS bins of time (no lock: only it writes them;
 * the main thread reads them after joining it).  A row whose holds run
 * past its last bin merges its bins in pairs, doubling their width, so
 * memory stays fixed however long the run.  At the end the bins are
 * spread over the columns the terminal has, and each column shows how
 * much of it the thread held: Beazley's lock diagrams, in text.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "lanes.h"

#define LANE_BINS 4096
#define LABEL	  10 /* "worker 12 " */

struct lane {
	int shift;   /* a bin is 2^shift ns wide */
	int64_t end; /* the last hold's end, from t0 */
	int64_t held[LANE_BINS];
};

struct lanes {
	int n;
	int64_t t0;
	struct lane *row; /* row[0] is thread 1's */
};

struct lanes *
lanes_new(int n)
{
	struct lanes *l;

	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->row = calloc((size_t)n, sizeof(*l->row))) == NULL)
		err(1, "calloc: --lanes rows for %d workers", n);
	l->n = n;
	l->t0 = now_ns(CLOCK_MONOTONIC);
	for (int i = 0; i < n; i++)
		l->row[i].shift = 10; /* 1 us bins to begin with */
	return l;
}

void
lanes_free(struct lanes *l)
{
	if (l != NULL) {
		free(l->row);
		free(l);
	}
}

/* Doubles the bins' width until t (ns from t0) falls in the last one. */
static void
widen(struct lane *r, int64_t t)
{
	while ((t >> r->shift) >= LANE_BINS) {
		for (int i = 0; i < LANE_BINS / 2; i++)
			r->held[i] = r->held[2 * i] + r->held[2 * i + 1];
		memset(r->held + LANE_BINS / 2, 0, sizeof(r->held) / 2);
		r->shift++;
	}
}

void
lanes_add(struct lanes *l, int tid, int64_t a, int64_t b)
{
	struct lane *r;
	int64_t w, i, lo, hi;

	if (tid < 1 || tid > l->n || b <= a)
		return;
	r = &l->row[tid - 1];
	a -= l->t0;
	b -= l->t0;
	if (a < 0)
		a = 0;
	widen(r, b);
	w = (int64_t)1 << r->shift;
	for (i = a >> r->shift; i <= (b - 1) >> r->shift; i++) {
		lo = i * w > a ? i * w : a;
		hi = (i + 1) * w < b ? (i + 1) * w : b;
		r->held[i] += hi - lo;
	}
	if (b > r->end)
		r->end = b;
}

/* How long row r held the lock in [a, b), its bins taken as uniform. */
static double
held(const struct lane *r, double a, double b)
{
	double w = (double)((int64_t)1 << r->shift), sum = 0, lo, hi;
	int64_t i, first = (int64_t)(a / w), last = (int64_t)(b / w);

	for (i = first; i <= last && i < LANE_BINS; i++) {
		lo = i * w > a ? i * w : a;
		hi = (i + 1) * w < b ? (i + 1) * w : b;
		if (hi > lo)
			sum += r->held[i] * (hi - lo) / w;
	}
	return sum;
}

static int
terminal_width(void)
{
	struct winsize ws;

	if (isatty(STDERR_FILENO) &&
	    ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* A time in the axis' unit, as short as it goes: "0", "2.5", "120". */
static void
tick_label(char *buf, size_t n, double v)
{
	snprintf(buf, n, "%.3g", v);
}

/*
 * The time axis under the lanes: a '+' every ten columns (five on a
 * narrow terminal) and the time under it, in a unit that keeps the
 * labels short.
 */
static void
axis(int cols, double span_ns)
{
	const char *unit = "s";
	double scale = 1e9;
	char line[1024], lab[32];
	int c, len, step = cols >= 40 ? 10 : 5;

	if (span_ns < 1e7)
		unit = "us", scale = 1e3;
	else if (span_ns < 1e10)
		unit = "ms", scale = 1e6;
	memset(line, ' ', sizeof(line));
	fprintf(stderr, "%*s+", LABEL, "");
	for (c = 1; c <= cols; c++)
		fputc(c % step == 0 ? '+' : '-', stderr);
	fputc('\n', stderr);
	for (c = 0; c <= cols - 4; c += step) {
		tick_label(lab, sizeof(lab), span_ns * c / cols / scale);
		len = (int)strlen(lab);
		if (LABEL + c + len < (int)sizeof(line))
			memcpy(line + LABEL + c, lab, (size_t)len);
	}
	len = LABEL + cols + 1;
	snprintf(lab, sizeof(lab), " %s", unit);
	while (len > 0 && line[len - 1] == ' ')
		len--;
	fprintf(stderr, "%.*s%s\n", len, line, lab);
}

void
lanes_print(const struct lanes *l, int width)
{
	int64_t span = 0;
	int cols, c, k;
	char row[1024];
	double a, b, f;

	if (width <= 0)
		width = terminal_width();
	/* The label, the bars either side, a unit after the axis. */
	cols = width - LABEL - 2 - 3;
	if (cols > (int)sizeof(row) - 1)
		cols = (int)sizeof(row) - 1;
	if (cols < 10)
		cols = 10;
	for (k = 0; k < l->n; k++)
		if (l->row[k].end > span)
			span = l->row[k].end;
	if (span == 0)
		span = 1;
	fprintf(stderr,
		"range-sum: who held the lock, %.3f ms, one column "
		"%.3g ms:\n",
		span / 1e6, span / 1e6 / cols);
	for (k = 0; k < l->n; k++) {
		for (c = 0; c < cols; c++) {
			a = (double)span * c / cols;
			b = (double)span * (c + 1) / cols;
			f = held(&l->row[k], a, b) / (b - a);
			row[c] = f >= 0.5 ? '#' : f > 0 ? '+' : ' ';
		}
		row[cols] = '\0';
		fprintf(stderr, "worker %-3d|%s|\n", k + 1, row);
	}
	axis(cols, (double)span);
	fprintf(stderr,
		"%*s# held most of the column, + held some, "
		"blank: not held\n",
		LABEL, "");
}
