/*
 * rec.c: parsing and formatting the lines the programs exchange.
 */
#include <stdio.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "cli.h"
#include "kernel.h"
#include "rec.h"

/* Parses a 64-bit field: 0, -1 if not a number, -2 if out of range. */
static int
field64(const char *s, int64_t *v)
{
	const char *errstr;

	*v = num_parse(s, INT64_MIN, INT64_MAX, &errstr);
	if (errstr == NULL)
		return 0;
	return strcmp(errstr, "invalid") == 0 ? -1 : -2;
}

static int
bounds(const char *fs, const char *fe, int64_t *start, int64_t *end,
       const char **why)
{
	int rs, re;

	rs = field64(fs, start);
	re = field64(fe, end);
	if (rs == -1 || re == -1)
		return *why = rs == -1 ? "start is not an integer"
				       : "end is not an integer",
		       -1;
	if (rs == -2 || re == -2)
		return *why = rs == -2 ? "start is outside 64 bits"
				       : "end is outside 64 bits",
		       -1;
	if (*start > *end)
		return *why = "start is greater than end", -1;
	return 0;
}

int
rec_parse_range(char *line, int64_t *start, int64_t *end, const char **why)
{
	const char *errstr;
	char *f[3];
	int n;

	n = cli_fields(line, f, 3);
	if (n == 3) {
		num_parse(f[0], 0, INT64_MAX, &errstr);
		if (errstr != NULL)
			return *why = "index is not a non-negative integer", -1;
		f[0] = f[1];
		f[1] = f[2];
	} else if (n != 2) {
		return *why = "expected 'start end' or 'index start end'", -1;
	}
	return bounds(f[0], f[1], start, end, why);
}

int
rec_parse_result(char *line, struct rec *r, const char **why)
{
	const char *errstr;
	char *f[3];
	int n;

	n = cli_fields(line, f, 3);
	if (n != 1 && n != 3)
		return *why = "expected 'sum' or 'start end sum'", -1;
	if (num_parse128(f[n - 1], &r->sum, &errstr) != 0)
		return *why = strcmp(errstr, "invalid") == 0
				  ? "sum is not an integer"
				  : "sum is outside 128 bits",
		       -1;
	if (n == 1)
		return 1;
	if (bounds(f[0], f[1], &r->start, &r->end, why) != 0)
		return -1;
	if (r->sum != sum_formula(r->start, r->end))
		return *why = "sum does not match its range", -1;
	return 3;
}

/*
 * Eight ASCII digits at once (SWAR), the first in the lowest byte: each
 * step joins neighbouring groups, d0*10+d1, then pairs, then quads.
 */
static uint64_t
digits8(uint64_t x)
{
	x -= 0x3030303030303030u;
	x = (x * 10 + (x >> 8)) & 0x00ff00ff00ff00ffu;
	x = (x * 100 + (x >> 16)) & 0x0000ffff0000ffffu;
	return (x * 10000 + (x >> 32)) & 0xffffffffu;
}

/*
 * How many of the eight bytes, from the first on, are '0'..'9'.  A byte
 * is one if its high nibble is 3 before and after adding 6; a carry out
 * of a byte (0xfa or more, not a digit) can only spoil the bytes after
 * the first non-digit, which do not count.
 */
static int
ndigits8(uint64_t x)
{
	uint64_t bad = ((x ^ 0x3030303030303030u) |
			((x + 0x0606060606060606u) ^ 0x3030303030303030u)) &
		       0xf0f0f0f0f0f0f0f0u;

	return bad == 0 ? 8 : __builtin_ctzll(bad) / 8;
}

static uint64_t
load8(const char *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x;
}

/* The value of the first 1 <= k < 8 digits of x, padded with '0's. */
static uint64_t
digits_k(uint64_t x, int k)
{
	return digits8(x << (8 * (8 - k)) | 0x3030303030303030u >> (8 * k));
}

/* Bit i is set where p[i] is '\n', for the 64 bytes from p. */
static uint64_t
newlines64(const char *p)
{
	uint64_t m = 0;
	int i;

#ifdef __SSE2__
	const __m128i nl = _mm_set1_epi8('\n');

	for (i = 0; i < 64; i += 16)
		m |=
		    (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(
			_mm_loadu_si128((const __m128i *)(const void *)(p + i)),
			nl))
		    << i;
#else
	for (i = 0; i < 64; i++)
		m |= (uint64_t)(p[i] == '\n') << i;
#endif
	return m;
}

/*
 * One bare sum of at most 19 digits (64 bits hold them) on the line
 * [p, nl), as a magnitude and *neg; at least 8 readable bytes follow nl.
 * Returns 0 for any other line.
 */
static inline int
fast_sum(const char *p, const char *nl, uint64_t *mag, int *neg)
{
	static const uint64_t pow10[8] = {1,	 10,	 100,	  1000,
					  10000, 100000, 1000000, 10000000};
	const char *e = nl - (nl > p && nl[-1] == '\r');
	const char *d = p + (p < e && (*p == '+' || *p == '-'));
	size_t n = (size_t)(e - d);
	uint64_t v = 0, x;

	if (n == 0 || n > 19)
		return 0;
	for (; n >= 8; d += 8, n -= 8) {
		if (ndigits8(x = load8(d)) != 8)
			return 0;
		v = v * 100000000 + digits8(x);
	}
	if (n > 0) {
		if ((size_t)ndigits8(x = load8(d)) != n)
			return 0;
		v = v * pow10[n] + digits_k(x, (int)n);
	}
	*mag = v;
	*neg = *p == '-';
	return 1;
}

/*
 * The lines are found 64 bytes at a time from a bit mask of newlines, so
 * that where a line starts does not wait for its predecessor's digits.
 * Overflow cannot happen within one call: it starts only with a total
 * below 2^126 and reads at most 2^23 bytes, fewer than 2^22 sums below
 * 2^64; a total near the limit is left to the full path and its message.
 */
#define FAST_MAX ((long)1 << 23)
const char *
rec_fast_sums(const char *p, const char *end, i128 *total, long long *nlines)
{
	const char *w, *nl, *stop;
	unsigned __int128 plus = 0, minus = 0;
	long long n = 0;
	uint64_t m, v;
	int neg;

	if (*total >= (i128)1 << 126 || *total <= -((i128)1 << 126))
		return p;
	stop = end - p > FAST_MAX ? p + FAST_MAX : end;
	for (w = p; stop - w >= 64 + 8; w += 64) {
		for (m = newlines64(w); m != 0; m &= m - 1) {
			nl = w + __builtin_ctzll(m);
			if (!fast_sum(p, nl, &v, &neg))
				goto out;
			if (neg)
				minus += v;
			else
				plus += v;
			p = nl + 1;
			n++;
		}
	}
out:
	*total += (i128)(plus - minus);
	*nlines += n;
	return p;
}

int
rec_format(char *buf, int64_t start, int64_t end, i128 sum)
{
	char b[NUM_I128_LEN];

	return snprintf(buf, REC_LEN, "%jd %jd %s", (intmax_t)start,
			(intmax_t)end, num_fmt128(sum, b));
}
