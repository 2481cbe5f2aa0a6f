/*
 * procs.h: range-sum --procs, forked workers whose partial sums come back
 * through a POSIX shared-memory segment.
 */
#ifndef PROCS_H
#define PROCS_H

#include <stdint.h>

#include "par.h"

/*
 * Sums [start, end) over n forked workers.  Returns 0, or -1 after a
 * message naming the range of each worker that was lost.
 */
int procs_sum(const struct sumopts *o, int64_t start, int64_t end, int n,
	      i128 *sum);

#endif
