/*
 * rerun.h: re-run planning: what to run again so that the records
 * cover --expect and determine its total (sum-merge --missing), named as
 * ranges or as the lines of the plan the parts came from (--plan).
 */
#ifndef RERUN_H
#define RERUN_H

#include <stddef.h>
#include <stdint.h>

#include "merge.h"

/* A line of a plan: a part as range-split printed it. */
struct merge_part {
	int64_t start, end;
	long long index; /* its -i index, or its place in the plan from 0 */
	const char *text;
};

/*
 * Reads the plan in the file name: range-split's lines, which must tile
 * [xstart, xend) in order; a usage error names a line that does not.
 * Sets *np; merge_free_plan() releases it.
 */
struct merge_part *merge_read_plan(const char *name, int64_t xstart,
				   int64_t xend, size_t *np);
void merge_free_plan(struct merge_part *plan, size_t n);

/*
 * sum-merge --missing: prints on stdout, as "start end" lines in order,
 * the ranges of the expectation that no record covers, and a range whose
 * re-run settles a stretch the records cover without determining it.
 * Returns the exit status: 0, MERGE_EXIT_BAD or MERGE_EXIT_MISSING.
 */
int merge_list_missing(struct merge *m);

/*
 * sum-merge --missing --plan: prints the fewest of the plan's n parts
 * (which tile the expectation) whose re-run completes and settles it:
 * their lines as they are, or with array, their indexes as a Slurm
 * array list ("3,5,7-9").  Returns the exit status as above.
 */
int merge_list_plan(struct merge *m, const struct merge_part *plan, size_t n,
		    int array);

#endif
