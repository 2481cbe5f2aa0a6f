/*
 * kernel.c: the loop that really adds every integer, and the closed form
 * that checks it.
 *
 * The loop adds the integers themselves in 64-bit vector lanes, which
 * wrap: what they hold at the end of a block is the block's sum modulo
 * 2^64.  A block of n integers starting at lo has a sum in
 * [n*lo, n*lo + n*(n-1)/2], an interval narrower than 2^64 when n <= 2^32,
 * so the wrapped sum names exactly one value in it, which is folded into
 * the 128-bit total.  The lanes are GCC vector types stepped by hand: a
 * compiler cannot see an induction it could replace by the closed form,
 * yet each step is one vector add per lane group.
 */
#include <stdint.h>

#include "kernel.h"

#define BLOCK ((uint64_t)1 << 24) /* integers per block; <= 2^32 */

typedef uint64_t v8u64 __attribute__((vector_size(64)));

/*
 * target_clones picks the widest vectors through an ifunc resolver, which
 * the dynamic linker runs before ThreadSanitizer's runtime is up: an
 * instrumented resolver crashes there, so a TSan build has one clone.
 */
#if defined(__SANITIZE_THREAD__)
#define KERNEL_NO_CLONES
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KERNEL_NO_CLONES
#endif
#endif
#ifdef KERNEL_NO_CLONES
#define CLONES
#else
#define CLONES                                                                 \
	__attribute__((                                                        \
	    target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif

/* The wrapped (mod 2^64) sum of the n integers from lo on. */
CLONES static uint64_t
wrapped_sum(uint64_t lo, uint64_t n)
{
	v8u64 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
	v8u64 i0 = {0, 1, 2, 3, 4, 5, 6, 7}, i1, i2, i3;
	const v8u64 step = {32, 32, 32, 32, 32, 32, 32, 32};
	uint64_t k, s = 0, v = lo;

	i0 += lo;
	i1 = i0 + 8;
	i2 = i0 + 16;
	i3 = i0 + 24;
	for (k = n / 32; k > 0; k--) {
		a0 += i0;
		a1 += i1;
		a2 += i2;
		a3 += i3;
		i0 += step;
		i1 += step;
		i2 += step;
		i3 += step;
	}
	a0 += a1 + a2 + a3;
	for (k = 0; k < 8; k++)
		s += a0[k];
	for (v = lo + n / 32 * 32, k = n % 32; k > 0; k--, v++)
		s += v;
	return s;
}

i128
sum_loop(int64_t start, int64_t end)
{
	uint64_t left = range_len(start, end), n;
	int64_t lo = start;
	i128 total = 0, base;

	while (left > 0) {
		n = left < BLOCK ? left : BLOCK;
		base = (i128)lo * (i128)n;
		/* The offset of the block's sum above n*lo, below 2^64. */
		total += base + (uint64_t)(wrapped_sum((uint64_t)lo, n) -
					   (uint64_t)base);
		left -= n;
		lo = range_at(lo, n);
	}
	return total;
}

i128
sum_formula(int64_t start, int64_t end)
{
	i128 n = (i128)range_len(start, end);

	/* One of n and start+end-1 is even; the product stays below 2^127. */
	return n * ((i128)start + (i128)end - 1) / 2;
}

i128
sum_range(enum method m, int64_t start, int64_t end)
{
	return m == METHOD_FORMULA ? sum_formula(start, end)
				   : sum_loop(start, end);
}
