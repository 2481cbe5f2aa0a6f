/*
 * lanes.c: range-sum --lanes.  Each thread adds its holds of the lock to
 * its own row of LANE_BINS bins of time (no lock: only it writes them;
 * the main thread reads them after joining it).  Bins start 1 ns wide; a
 * row whose holds run past its last bin merges its bins in pairs,
 * doubling their width, so memory stays fixed however long the run (up
 * to the 292 years of an int64_t of nanoseconds).  At the end the bins are
 * spread over the columns the terminal has, and each column shows how
 * much of it the thread held: Beazley's lock diagrams, in text.
 */
#include <assert.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lanes.h"

#define LANE_BINS 4096
#define LABEL	  10 /* "worker 12 " */
/* The widest drawing: wider terminals get it left-aligned. */
#define LANES_MAX_COLS 1023

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
lanes_new(int n, int64_t t0)
{
	struct lanes *l;

	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->row = calloc((size_t)n, sizeof(*l->row))) == NULL)
		err(1, "calloc: --lanes rows for %d workers", n);
	l->n = n;
	l->t0 = t0;
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
	int64_t w, i, start, lo, room;

	/* The lock's threads are numbered 1..n, as lanes_new() was told. */
	assert(tid >= 1 && tid <= l->n);
	if (b <= a)
		return;
	r = &l->row[tid - 1];
	a -= l->t0;
	b -= l->t0;
	if (a < 0)
		a = 0;
	widen(r, b);
	/* The hold's last nanosecond now falls in the row's last bin or before.
	 */
	assert(((b - 1) >> r->shift) < LANE_BINS);
	w = (int64_t)1 << r->shift;
	for (i = a >> r->shift; i <= (b - 1) >> r->shift; i++) {
		/* Bin i is [start, start + w); start + w may not fit an
		 * int64_t in the last bin of a row 2^62 ns long or more. */
		start = i << r->shift;
		lo = start > a ? start : a;
		room = w - (lo - start);
		r->held[i] += b - lo < room ? b - lo : room;
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

/*
 * The axis' tick spacing, in its unit: the smallest of 1, 2 and 5 times
 * a power of ten that is at least raw; *decimals is how many a label
 * needs (0.05 needs 2, 20 none).
 */
static double
nice_step(double raw, int *decimals)
{
	static const double mult[] = {1, 2, 5, 10};
	double p = 1;
	int d = 0, i;

	while (p * 10 <= raw)
		p *= 10;
	while (p > raw && d < 9)
		p /= 10, d++;
	for (i = 0; mult[i] * p < raw; i++)
		;
	if (mult[i] == 10 && d > 0)
		d--;
	*decimals = d;
	return mult[i] * p;
}

/*
 * Fills lab with the tick at v (unit of the axis), without trailing
 * zeros ("0", "0.5", "1"), and returns its length.
 */
static int
tick_label(char *lab, size_t n, double v, int decimals)
{
	int len = snprintf(lab, n, "%.*f", decimals, v);

	assert(len > 0 && (size_t)len < n);
	if (decimals > 0) {
		while (lab[len - 1] == '0')
			lab[--len] = '\0';
		if (lab[len - 1] == '.')
			lab[--len] = '\0';
	}
	return len;
}

/*
 * The tick spacing for span (in the axis' unit) over cols columns:
 * labels as round numbers ("0   200   400"), about eight columns apart
 * or more, each with at least two blanks before the next, whatever the
 * width.
 */
static double
tick_step(int cols, double span, int *decimals)
{
	char lab[64];
	double step = span;
	int room = 8, len, tries;

	for (tries = 0; tries < 8; tries++) {
		step = nice_step(span * room / cols, decimals);
		/* The widest label, untrimmed: "45.0" of "44.5  45". */
		len = snprintf(lab, sizeof(lab), "%.*f", *decimals, span);
		if (step / span * cols >= len + 2)
			break;
		room = len + 2;
	}
	return step;
}

/*
 * The time axis under the lanes: a '+' at each tick and the time under
 * it, in a unit that keeps the labels short.  Column c of the axis is
 * the boundary between the lanes' columns c - 1 and c.
 */
static void
axis(int cols, double span_ns)
{
	const char *unit = "s";
	double scale = 1e9, span, step, t;
	char line[LABEL + LANES_MAX_COLS + 2], lab[64];
	int c, len, end = 0, decimals;

	assert(cols > 0 && cols <= LANES_MAX_COLS);
	if (span_ns < 1e7)
		unit = "us", scale = 1e3;
	else if (span_ns < 1e10)
		unit = "ms", scale = 1e6;
	span = span_ns / scale;
	step = tick_step(cols, span, &decimals);
	memset(line, ' ', sizeof(line));
	memset(line + LABEL, '-', (size_t)cols + 1);
	for (t = 0; t <= span * (1 + 1e-9); t += step) {
		c = (int)(t / span * cols + 0.5);
		line[LABEL + c] = '+';
	}
	fprintf(stderr, "%.*s\n", LABEL + cols + 1, line);
	memset(line, ' ', sizeof(line));
	for (t = 0; t <= span * (1 + 1e-9); t += step) {
		c = (int)(t / span * cols + 0.5);
		len = tick_label(lab, sizeof(lab), t, decimals);
		/* A last label that would run past the lanes is left out. */
		if (c + len > cols + 1)
			break;
		memcpy(line + LABEL + c, lab, (size_t)len);
		end = LABEL + c + len;
	}
	assert(end <= (int)sizeof(line));
	fprintf(stderr, "%.*s %s\n", end, line, unit);
}

/*
 * Prints phrases joined by ", " on stderr, in lines no wider than width
 * where they fit: a line breaks after a comma, never inside a phrase.
 * Each line starts with indent blanks, or none if a phrase would not fit
 * after them.
 */
static void
say(int width, int indent, const char *const *phrase, int n)
{
	int i, len, col = 0, widest = 0;

	for (i = 0; i < n; i++)
		if ((len = (int)strlen(phrase[i]) + 1) > widest)
			widest = len;
	if (indent + widest > width)
		indent = 0;
	for (i = 0; i < n; i++) {
		len = (int)strlen(phrase[i]) + (i < n - 1);
		if (col > 0 && col + 1 + len > width) {
			fputc('\n', stderr);
			col = 0;
		}
		col += fprintf(stderr, "%*s%s%s", col > 0 ? 1 : indent, "",
			       phrase[i], i < n - 1 ? "," : "");
	}
	fputc('\n', stderr);
}

void
lanes_print(const struct lanes *l, int width)
{
	static const char *const legend[] = {"# held most of the column",
					     "+ held some", "blank: not held"};
	int64_t span = 0;
	int cols, c, k;
	char row[LANES_MAX_COLS + 1], total[48], column[48];
	double a, b, f;

	if (width <= 0)
		width = terminal_width();
	/* The label, the bars either side, a unit after the axis. */
	cols = width - LABEL - 2 - 3;
	if (cols > LANES_MAX_COLS)
		cols = LANES_MAX_COLS;
	if (cols < 10)
		cols = 10;
	for (k = 0; k < l->n; k++)
		if (l->row[k].end > span)
			span = l->row[k].end;
	if (span == 0)
		span = 1;
	snprintf(total, sizeof(total), "%.3f ms", span / 1e6);
	snprintf(column, sizeof(column),
		 "one column %.3g ms:", span / 1e6 / cols);
	say(width, 0,
	    (const char *const[]){"range-sum: who held the lock", total,
				  column},
	    3);
	for (k = 0; k < l->n; k++) {
		for (c = 0; c < cols; c++) {
			a = (double)span * c / cols;
			b = (double)span * (c + 1) / cols;
			f = held(&l->row[k], a, b) / (b - a);
			row[c] = f > 0.5 ? '#' : f > 0 ? '+' : ' ';
		}
		row[cols] = '\0';
		fprintf(stderr, "worker %-3d|%s|\n", k + 1, row);
	}
	axis(cols, (double)span);
	say(width, LABEL, legend, 3);
}
