/*
 * human.h: figures and lines for people on a terminal, shared by
 * range-sum's and sum-merge's progress lines.
 */
#ifndef HUMAN_H
#define HUMAN_H

#include <stddef.h>

/* v with three significant digits and an SI prefix, as pv: 27.3G, 512. */
char *human_si(double v, char *buf, size_t size);

/* s seconds as h:mm:ss, or past 24 hours in days ("424.2 days"). */
char *human_eta(double s, char *buf, size_t size);

/*
 * While on, SIGINT and SIGTERM first end a line left drawn in place
 * (human_drawn(1) says one is), then do what they did before: end the
 * program, or run the handler that removes a queue.  An ignored signal
 * stays ignored.
 */
void human_catch_signals(int on);
void human_drawn(int yes);

#endif
