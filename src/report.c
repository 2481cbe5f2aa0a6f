/*
 * report.c: the total of the shares, and the reports of --stats.
 */
#include <inttypes.h>
#include <stdio.h>

#include "kernel.h"
#include "range.h"
#include "report.h"

/* Worker number index, from 1, as --lanes, --trace and a lost one say. */
static void
worker_report(const struct work *w, int index, int gil)
{
	char lock[80] = "", taken[64] = "";

	if (gil)
		snprintf(lock, sizeof(lock),
			 ", switches %" PRIu64 ", lock wait %.3f s",
			 w->lock.switches, w->lock.wait_ns / 1e9);
	if (w->taken > 0)
		snprintf(taken, sizeof(taken),
			 ", %" PRIu64 " integers from other shares", w->taken);
	fprintf(stderr,
		"range-sum: worker %d: %" PRId64 " %" PRId64
		": wall %.3f s, cpu %.3f s%s%s\n",
		index, w->start, w->end, w->wall_ns / 1e9, w->cpu_ns / 1e9,
		lock, taken);
}

/* The kernel the workers' loops ran, and their integers per CPU ns. */
static void
kernel_report(const struct work *w, int n)
{
	uint64_t ints = 0;
	int64_t cpu = 0;
	char rate[64] = "too fast to time";
	int i;

	for (i = 0; i < n; i++) {
		ints += range_len(w[i].start, w[i].end);
		cpu += w[i].cpu_ns;
	}
	if (cpu > 0)
		snprintf(rate, sizeof(rate), "%.2f integers/ns",
			 (double)ints / (double)cpu);
	fprintf(stderr,
		"range-sum: kernel %s: %" PRIu64 " integers, cpu %.3f s, %s\n",
		kernel_name(), ints, cpu / 1e9, rate);
}

i128
report_total(const struct work *w, int n, int stats, int gil)
{
	i128 sum = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (stats)
			worker_report(&w[i], i + 1, gil);
		sum += w[i].sum;
	}
	if (stats && n > 0 && w[0].method == METHOD_LOOP)
		kernel_report(w, n);
	return sum;
}
