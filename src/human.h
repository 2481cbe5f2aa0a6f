/*
 * human.h: figures and lines for people on a terminal, shared by
 * range-sum's and sum-merge's progress lines.
 */
#ifndef HUMAN_H
#define HUMAN_H

#include <signal.h>
#include <stddef.h>

/* v with three significant digits and an SI prefix, as pv: 27.3G, 512. */
char *human_si(double v, char *buf, size_t size);

/* s seconds as h:mm:ss, or past 24 hours in days ("424.2 days"). */
char *human_eta(double s, char *buf, size_t size);

/*
 * While on, a stop signal first ends a line left drawn in place, as
 * stopsig.c's STOPSIG_LINE action, before the actions that tell the run
 * and complete the trace, and before the program dies of it.  A line is
 * drawn between human_draw_begin() and human_draw_end(drawn), a
 * stopsig_hold() section, drawn saying whether a line now stands
 * unended: the action waits for the drawing, and nothing is drawn after
 * it.
 */
void human_catch_signals(int on);
void human_draw_begin(sigset_t *old);
void human_draw_end(const sigset_t *old, int drawn);

#endif
