/*
 * par.h: how range-sum spreads one range over workers.
 */
#ifndef PAR_H
#define PAR_H

#include <stdint.h>

#include "kernel.h"
#include "sumopts.h"

/*
 * Sums [start, end) as o says into *sum.  Returns 0, or -1 after
 * printing a message (a lost worker, a failed system call).
 */
int par_sum(const struct sumopts *o, int64_t start, int64_t end, i128 *sum);

#endif
