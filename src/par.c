/*
 * par.c: dispatch to one worker model.
 */
#include <err.h>

#include "par.h"

int
par_sum(const struct sumopts *o, int64_t start, int64_t end, i128 *sum)
{
	if (o->threads > 0 || o->procs > 0) {
		warnx("--threads and --procs are not built yet");
		return -1;
	}
	*sum = sum_range(o->method, start, end);
	return 0;
}
