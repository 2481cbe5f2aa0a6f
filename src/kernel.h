/*
 * kernel.h: summing a half-open range [start, end) exactly.
 */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdalign.h>
#include <stdint.h>

#include "num.h"

enum method { METHOD_LOOP, METHOD_FORMULA };

/* The most 64-bit lanes a kernel keeps: eight vectors of 512 bits. */
#define RUNSUM_LANES 64

/*
 * A running sum of consecutive integers, added a stretch at a time (a
 * worker's chunks, one after the other).  The kernel's vector
 * accumulators wait here between stretches, so that a stretch costs
 * neither their set-up nor their reduction: they are reduced and folded
 * into the 128-bit total once per block of 2^24 integers, and at the end.
 */
struct runsum {
	alignas(64) uint64_t lanes[RUNSUM_LANES];
	void (*add)(uint64_t *lanes, uint64_t lo, uint64_t n);
	int64_t lo; /* the first integer of the block not yet folded */
	uint64_t n; /* how many of the block are in the lanes */
	i128 total; /* the blocks folded so far */
};

/* Starts a running sum at start, with the kernel in use. */
void runsum_start(struct runsum *r, int64_t start);

/* Adds the next n integers; the sum may not pass INT64_MAX. */
void runsum_add(struct runsum *r, uint64_t n);

/* The exact sum of every integer added since runsum_start(). */
i128 runsum_total(struct runsum *r);

/* Really adds every integer of [start, end); exact to 128 bits. */
i128 sum_loop(int64_t start, int64_t end);

/* The closed form (end - start) * (start + end - 1) / 2, exact. */
i128 sum_formula(int64_t start, int64_t end);

/*
 * The kernel sum_loop uses: by default the widest this CPU runs.  name
 * (NULL or empty: the default) forces one; returns NULL, or why it cannot
 * (no such kernel, or one this CPU cannot run).  Call it before any
 * thread sums.
 */
const char *kernel_use(const char *name);

/* The name of the kernel in use, and of every kernel of this build. */
const char *kernel_name(void);
const char *kernel_list(void);

/* One of the two, by method. */
i128 sum_range(enum method m, int64_t start, int64_t end);

#endif
