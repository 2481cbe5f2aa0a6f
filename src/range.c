/*
 * range.c: the near-equal split, shared by range-split -n and the
 * shares of range-sum's workers, so that the two cut alike.
 */
#include <assert.h>
#include <stdint.h>

#include "range.h"

void
range_part(int64_t start, int64_t end, uint64_t k, uint64_t i, int64_t *lo,
	   int64_t *hi)
{
	uint64_t len = range_len(start, end), size = len / k, extra = len % k;
	uint64_t at = i * size + (i < extra ? i : extra);

	/* At most one part per integer, none empty; part i among k. */
	assert(k >= 1 && k <= len && i < k);
	*lo = range_at(start, at);
	*hi = range_at(start, at + size + (i < extra));
	/* The walk's end: the last part ends where the range does. */
	assert(i != k - 1 || *hi == end);
}
