/*
 * lanes.h: range-sum --lanes, who held the locked-thread model's lock
 * over time, drawn on stderr at the end of a run (see lanes.c).
 */
#ifndef LANES_H
#define LANES_H

#include <stdint.h>

struct lanes;

/*
 * Lanes for threads 1..n, from t0 on (a now_ns(CLOCK_MONOTONIC) time,
 * as lanes_add's are).
 */
struct lanes *lanes_new(int n, int64_t t0);
void lanes_free(struct lanes *l);

/* Thread tid held the lock from a to b (now_ns(CLOCK_MONOTONIC) times). */
void lanes_add(struct lanes *l, int tid, int64_t a, int64_t b);

/* Draws the lanes on stderr, width columns wide (0: the terminal's). */
void lanes_print(const struct lanes *l, int width);

#endif
