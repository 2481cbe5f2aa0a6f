/*
 * kernel.c: the loop that really adds every integer, and the closed form
 * that checks it.
 *
 * The loop adds the integers themselves in 64-bit lanes, vector lanes and
 * a few scalar ones beside them, which wrap: what they hold at the end of
 * a block is the block's sum modulo 2^64, whatever the number of lanes
 * (2, 4 or 8 per vector, 2 to 4 scalars), since the lanes' sum modulo 2^64
 * is the sum of everything added to them modulo 2^64.  A block
 * of n integers starting at lo has a sum in [n*lo, n*lo + n*(n-1)/2], an
 * interval narrower than 2^64 when n <= 2^32, so the wrapped sum names
 * exactly one value in it, which is folded into the 128-bit total.  The
 * lanes are GCC vector types stepped by hand: a compiler cannot see an
 * induction it could replace by the closed form, yet each step is one
 * vector add per lane group; the scalar lanes and the few integers left
 * over once the vectors are done go through an empty asm, which hides
 * them from the same rewrite.
 *
 * One kernel per vector width, so that the vectors fit the registers: a
 * vector type wider than the target's registers is split and spilled
 * through the stack on every step, many times slower.  On x86-64: sse2
 * (the baseline, 128 bits), avx2 (x86-64-v3, 256 bits) and avx512
 * (x86-64-v4, 512 bits), each compiled for its level with a target
 * attribute and chosen once, at the first sum, by what the CPU supports:
 * a function pointer, not an ifunc, whose resolver the dynamic linker
 * would run before ThreadSanitizer's runtime is up.  Elsewhere one
 * portable kernel of 128-bit vectors (NEON on aarch64), chosen at compile
 * time.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "kernel.h"
#include "range.h"

#define BLOCK ((uint64_t)1 << 24) /* integers per block; <= 2^32 */

/*
 * NAME_sum(lo, n): the wrapped (mod 2^64) sum of the n integers from lo
 * on.  Each step adds 4 vectors of BYTES bytes, four accumulators and
 * their four index vectors each stepped by one vector add, and besides
 * them SCALARS integers in as many scalar lanes (2 <= SCALARS <= 4): the
 * vectors take [lo, lo + steps*4*L), the scalars the next steps*SCALARS
 * integers, on the integer ALUs, which the vector adds leave idle.  The
 * rest (fewer than one step's worth) goes one vector, then one integer, at
 * a time.
 */
#define DEFINE_KERNEL(NAME, ATTR, BYTES, SCALARS)                              \
	typedef uint64_t NAME##_vec __attribute__((vector_size(BYTES)));       \
	ATTR static uint64_t NAME##_sum(uint64_t lo, uint64_t n)               \
	{                                                                      \
		enum { L = (BYTES) / 8, STEP = 4 * L + (SCALARS) };            \
		NAME##_vec a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};             \
		NAME##_vec i0, i1, i2, i3, one, all;                           \
		uint64_t steps = n / STEP, k, s = 0, v;                        \
		uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, x;                    \
		int j;                                                         \
                                                                               \
		for (j = 0; j < L; j++) {                                      \
			i0[j] = lo + (uint64_t)j;                              \
			one[j] = L;                                            \
			all[j] = 4 * L;                                        \
		}                                                              \
		i1 = i0 + one;                                                 \
		i2 = i1 + one;                                                 \
		i3 = i2 + one;                                                 \
		x = lo + steps * 4 * L;                                        \
		for (k = steps; k > 0; k--) {                                  \
			a0 += i0;                                              \
			a1 += i1;                                              \
			a2 += i2;                                              \
			a3 += i3;                                              \
			i0 += all;                                             \
			i1 += all;                                             \
			i2 += all;                                             \
			i3 += all;                                             \
			t0 += x++;                                             \
			t1 += x++;                                             \
			if ((SCALARS) > 2)                                     \
				t2 += x++;                                     \
			if ((SCALARS) > 3)                                     \
				t3 += x++;                                     \
			/* No induction for a compiler to see through. */      \
			__asm__("" : "+r"(t0), "+r"(t1), "+r"(t2), "+r"(t3));  \
		}                                                              \
		/* Less than a step left: one vector at a time. */             \
		lo += steps * STEP;                                            \
		n -= steps * STEP;                                             \
		for (j = 0; j < L; j++)                                        \
			i3[j] = lo + (uint64_t)j;                              \
		for (k = n / L; k > 0; k--) {                                  \
			a0 += i3;                                              \
			i3 += one;                                             \
		}                                                              \
		a0 += a1 + a2 + a3;                                            \
		for (j = 0; j < L; j++)                                        \
			s += a0[j];                                            \
		s += t0 + t1 + t2 + t3;                                        \
		/* And fewer than L integers, one at a time. */                \
		for (v = lo + n / L * L, k = n % L; k > 0; k--, v++) {         \
			__asm__("" : "+r"(v));                                 \
			s += v;                                                \
		}                                                              \
		return s;                                                      \
	}

struct kernel {
	const char *name;
	uint64_t (*sum)(uint64_t lo, uint64_t n);
	int (*runs)(void); /* can this CPU run it? */
};

#if defined(__x86_64__)
DEFINE_KERNEL(sse2, , 16, 4)
DEFINE_KERNEL(avx2, __attribute__((target("avx2"))), 32, 4)
DEFINE_KERNEL(avx512, __attribute__((target("avx512f"))), 64, 3)

static int
always(void)
{
	return 1;
}

static int
has_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}

static int
has_avx512(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f");
}

/* From the lowest level up. */
static const struct kernel kernels[] = {
    {"sse2", sse2_sum, always},
    {"avx2", avx2_sum, has_avx2},
    {"avx512", avx512_sum, has_avx512},
};
#else
DEFINE_KERNEL(portable, , 16, 2)

static int
always(void)
{
	return 1;
}

static const struct kernel kernels[] = {
    {"portable", portable_sum, always},
};
#endif

#define NKERNELS (sizeof(kernels) / sizeof(kernels[0]))

static const struct kernel *kern;
static pthread_once_t kern_once = PTHREAD_ONCE_INIT;

/* The highest level this CPU runs. */
static void
pick_best(void)
{
	size_t i = NKERNELS;

	while (--i > 0 && !kernels[i].runs())
		;
	kern = &kernels[i];
}

const char *
kernel_use(const char *name)
{
	size_t i;

	pthread_once(&kern_once, pick_best);
	if (name == NULL || *name == '\0')
		return NULL;
	for (i = 0; i < NKERNELS; i++) {
		if (strcmp(name, kernels[i].name) != 0)
			continue;
		if (!kernels[i].runs())
			return "this CPU cannot run that kernel";
		kern = &kernels[i];
		return NULL;
	}
	return "no such kernel";
}

const char *
kernel_name(void)
{
	pthread_once(&kern_once, pick_best);
	return kern->name;
}

const char *
kernel_list(void)
{
	/* Each name and its ", ": the table's names are short. */
	static char list[NKERNELS * 16];
	size_t i;

	list[0] = '\0';
	for (i = 0; i < NKERNELS; i++) {
		if (i > 0)
			strcat(list, ", ");
		strcat(list, kernels[i].name);
	}
	return list;
}

i128
sum_loop(int64_t start, int64_t end)
{
	uint64_t left = range_len(start, end), n;
	int64_t lo = start;
	i128 total = 0, base;
	uint64_t (*sum)(uint64_t, uint64_t);

	pthread_once(&kern_once, pick_best);
	sum = kern->sum;
	while (left > 0) {
		n = left < BLOCK ? left : BLOCK;
		base = (i128)lo * (i128)n;
		/* The offset of the block's sum above n*lo, below 2^64. */
		total +=
		    base + (uint64_t)(sum((uint64_t)lo, n) - (uint64_t)base);
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
