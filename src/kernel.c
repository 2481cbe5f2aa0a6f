/*
 * kernel.c: the loop that really adds every integer, and the closed form
 * that checks it.
 *
 * The loop adds the integers themselves in 64-bit vector lanes, which
 * wrap: what they hold at the end of a block is the block's sum modulo
 * 2^64, whatever the number of lanes, since the lanes' sum modulo 2^64
 * is the sum of everything added to them modulo 2^64.  A block of n
 * integers starting at lo has a sum in [n*lo, n*lo + n*(n-1)/2], an
 * interval narrower than 2^64 when n <= 2^32, so the wrapped sum names
 * exactly one value in it, which is folded into the 128-bit total.  The
 * lanes are GCC vector types stepped by hand: a compiler cannot see an
 * induction it could replace by the closed form, yet each step is one
 * vector add per lane group; the few integers left over once the vectors
 * are done go through an empty asm, which hides them from the same
 * rewrite.
 *
 * The accumulators outlive a call (struct runsum): a worker adds its
 * share a chunk at a time, and a chunk costs the loop's exit and a store
 * and load of the accumulators, not their set-up and reduction.
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
#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "kernel.h"
#include "range.h"

#define BLOCK ((uint64_t)1 << 24) /* integers per block; <= 2^32 */

/*
 * NAME_add(lanes, lo, n): adds the n integers from lo on to the U
 * accumulators of BYTES bytes kept in lanes.  Each step adds U vectors
 * of integers, each to its accumulator, and steps each index vector by
 * one vector add: two adds per vector of integers, and nothing else but
 * the loop's own count and branch.  U chains of each kind keep the
 * vector ALUs busy while an add waits for the one before it (the
 * latency): they need at least latency x ALUs independent adds in
 * flight (doc/bench.md).  No scalar lanes beside the vectors: on CPUs
 * with four vector ALUs (AMD's Zen) their adds and steps take dispatch
 * slots the vectors need, and the loop got slower, not faster
 * (doc/bench.md).  The rest, fewer than a step's worth, goes one vector,
 * then one integer, at a time.
 */
#define VADD(a, i)                                                             \
	do {                                                                   \
		a += i;                                                        \
		i += STEP;                                                     \
	} while (0)
#define DEFINE_KERNEL(NAME, ATTR, BYTES, U)                                    \
	typedef uint64_t NAME##_vec __attribute__((vector_size(BYTES)));       \
	ATTR static void NAME##_add(uint64_t *lanes, uint64_t lo, uint64_t n)  \
	{                                                                      \
		enum { L = (BYTES) / 8, STEP = (U)*L };                        \
		NAME##_vec a0, a1, a2, a3, a4, a5, a6, a7;                     \
		NAME##_vec i0, i1, i2, i3, i4, i5, i6, i7;                     \
		uint64_t k, s = 0, v;                                          \
		int j;                                                         \
                                                                               \
		_Static_assert((U) == 4 || (U) == 8, "4 or 8 vectors");        \
		_Static_assert((U) * (BYTES) <=                                \
				   sizeof(uint64_t) * RUNSUM_LANES,            \
			       "lanes too few");                               \
		memcpy(&a0, lanes, sizeof(a0));                                \
		memcpy(&a1, lanes + L, sizeof(a1));                            \
		memcpy(&a2, lanes + 2 * L, sizeof(a2));                        \
		memcpy(&a3, lanes + 3 * L, sizeof(a3));                        \
		for (j = 0; j < L; j++)                                        \
			i0[j] = lo + (uint64_t)j;                              \
		i1 = i0 + L;                                                   \
		i2 = i1 + L;                                                   \
		i3 = i2 + L;                                                   \
		if ((U) == 8) {                                                \
			memcpy(&a4, lanes + 4 * L, sizeof(a4));                \
			memcpy(&a5, lanes + 5 * L, sizeof(a5));                \
			memcpy(&a6, lanes + 6 * L, sizeof(a6));                \
			memcpy(&a7, lanes + 7 * L, sizeof(a7));                \
			i4 = i3 + L;                                           \
			i5 = i4 + L;                                           \
			i6 = i5 + L;                                           \
			i7 = i6 + L;                                           \
		}                                                              \
		for (k = n / STEP; k > 0; k--) {                               \
			VADD(a0, i0);                                          \
			VADD(a1, i1);                                          \
			VADD(a2, i2);                                          \
			VADD(a3, i3);                                          \
			if ((U) == 8) {                                        \
				VADD(a4, i4);                                  \
				VADD(a5, i5);                                  \
				VADD(a6, i6);                                  \
				VADD(a7, i7);                                  \
			}                                                      \
		}                                                              \
		/* Less than a step left: one vector at a time. */             \
		for (k = n % STEP / L; k > 0; k--) {                           \
			a0 += i0;                                              \
			i0 += L;                                               \
		}                                                              \
		/* And fewer than L integers, one at a time. */                \
		for (v = lo + n / L * L, k = n % L; k > 0; k--, v++) {         \
			__asm__("" : "+r"(v));                                 \
			s += v;                                                \
		}                                                              \
		a0[0] += s;                                                    \
		memcpy(lanes, &a0, sizeof(a0));                                \
		memcpy(lanes + L, &a1, sizeof(a1));                            \
		memcpy(lanes + 2 * L, &a2, sizeof(a2));                        \
		memcpy(lanes + 3 * L, &a3, sizeof(a3));                        \
		if ((U) == 8) {                                                \
			memcpy(lanes + 4 * L, &a4, sizeof(a4));                \
			memcpy(lanes + 5 * L, &a5, sizeof(a5));                \
			memcpy(lanes + 6 * L, &a6, sizeof(a6));                \
			memcpy(lanes + 7 * L, &a7, sizeof(a7));                \
		}                                                              \
	}

struct kernel {
	const char *name;
	void (*add)(uint64_t *lanes, uint64_t lo, uint64_t n);
	int (*runs)(void); /* can this CPU run it? */
};

#if defined(__x86_64__)
/*
 * Four vectors a step fill the 16 registers of sse2 and avx2 (four
 * accumulators, four index vectors); avx512 has 32 and takes eight, for
 * CPUs with four 512-bit ALUs (doc/bench.md, Zen 5).
 */
DEFINE_KERNEL(sse2, , 16, 4)
DEFINE_KERNEL(avx2, __attribute__((target("avx2"))), 32, 4)
DEFINE_KERNEL(avx512, __attribute__((target("avx512f"))), 64, 8)

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
    {"sse2", sse2_add, always},
    {"avx2", avx2_add, has_avx2},
    {"avx512", avx512_add, has_avx512},
};
#else
DEFINE_KERNEL(portable, , 16, 4)

static int
always(void)
{
	return 1;
}

static const struct kernel kernels[] = {
    {"portable", portable_add, always},
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

void
runsum_start(struct runsum *r, int64_t start)
{
	pthread_once(&kern_once, pick_best);
	memset(r->lanes, 0, sizeof(r->lanes));
	r->add = kern->add;
	r->lo = start;
	r->n = 0;
	r->total = 0;
}

/* The block in the lanes into the total; the lanes start afresh. */
static void
fold(struct runsum *r)
{
	i128 base = (i128)r->lo * (i128)r->n;
	uint64_t wrapped = 0;
	size_t i;

	assert(r->n <= BLOCK);
	for (i = 0; i < RUNSUM_LANES; i++)
		wrapped += r->lanes[i];
	memset(r->lanes, 0, sizeof(r->lanes));
	/* The offset of the block's sum above n*lo, below 2^64. */
	r->total += base + (uint64_t)(wrapped - (uint64_t)base);
	r->lo = range_at(r->lo, r->n);
	r->n = 0;
}

void
runsum_add(struct runsum *r, uint64_t n)
{
	uint64_t m;

	while (n > 0) {
		m = BLOCK - r->n < n ? BLOCK - r->n : n;
		r->add(r->lanes, (uint64_t)r->lo + r->n, m);
		r->n += m;
		n -= m;
		if (r->n == BLOCK)
			fold(r);
	}
}

i128
runsum_total(struct runsum *r)
{
	if (r->n > 0)
		fold(r);
	return r->total;
}

i128
sum_loop(int64_t start, int64_t end)
{
	struct runsum r;

	runsum_start(&r, start);
	runsum_add(&r, range_len(start, end));
	return runsum_total(&r);
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
