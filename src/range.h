/*
 * range.h: arithmetic on a half-open range [start, end) of int64_t,
 * whose length needs 64 unsigned bits, and its near-equal split.
 */
#ifndef RANGE_H
#define RANGE_H

#include <stdint.h>

/* The number of integers in [start, end), which needs 64 unsigned bits. */
static inline uint64_t
range_len(int64_t start, int64_t end)
{
	return (uint64_t)end - (uint64_t)start;
}

/* start + k, for k <= range_len(start, end), without signed overflow. */
static inline int64_t
range_at(int64_t start, uint64_t k)
{
	return (int64_t)((uint64_t)start + k);
}

/*
 * Part i of the k parts of [start, end) whose sizes differ by at most
 * one, the larger ones first, as [*lo, *hi).  1 <= k <= the length.
 */
void range_part(int64_t start, int64_t end, uint64_t k, uint64_t i, int64_t *lo,
		int64_t *hi);

#endif
