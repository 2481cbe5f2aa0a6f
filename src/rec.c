/*
 * rec.c: parsing and formatting the lines the programs exchange.
 */
#include <stdio.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "kernel.h"
#include "lines.h"
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
rec_is_record(const char *f0, const char *f1, const char *f2)
{
	int64_t start, end;
	i128 sum;
	const char *why;

	if (num_parse128(f2, &sum, &why) != 0 ||
	    bounds(f0, f1, &start, &end, &why) != 0)
		return 0;
	return sum == sum_formula(start, end);
}

int
rec_parse_range(char *line, int64_t *start, int64_t *end, const char **why)
{
	const char *errstr;
	char *f[3];
	int n;

	n = lines_fields(line, f, 3);
	if (n == 3 && rec_is_record(f[0], f[1], f[2]))
		return *why = REC_NOT_A_RANGE, -1;
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

const char rec_why_sum[] = "sum does not match its range";

/* A result line; with check, a record's sum must be its range's. */
static int
parse_result(char *line, struct rec *r, int check, const char **why)
{
	static const char *const bad[2][2] = {
	    {"value is not an integer", "value is outside 128 bits"},
	    {"sum is not an integer", "sum is outside 128 bits"}};
	const char *errstr;
	char *f[3];
	int n;

	n = lines_fields(line, f, 3);
	if (n != 1 && n != 3)
		return *why = check ? "expected 'sum' or 'start end sum'"
				    : "expected 'value' or 'start end value'",
		       -1;
	if (num_parse128(f[n - 1], &r->sum, &errstr) != 0)
		return *why = bad[check][strcmp(errstr, "invalid") != 0], -1;
	if (n == 1)
		return REC_BARE;
	if (bounds(f[0], f[1], &r->start, &r->end, why) != 0)
		return -1;
	if (check && r->sum != sum_formula(r->start, r->end))
		return *why = rec_why_sum, -1;
	return REC_RECORD;
}

int
rec_parse_result(char *line, struct rec *r, const char **why)
{
	return parse_result(line, r, 1, why);
}

int
rec_parse_value(char *line, struct rec *r, const char **why)
{
	return parse_result(line, r, 0, why);
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
 * The high nibble of each byte of x that is not '0'..'9': a digit's is 3
 * before and after adding 6.  A carry out of a byte (0xfa or more, not a
 * digit) can make the next byte look like a non-digit, never a non-digit
 * like a digit: at worst a good line goes the slow way.
 */
static uint64_t
nondigits(uint64_t x)
{
	return ((x ^ 0x3030303030303030u) |
		((x + 0x0606060606060606u) ^ 0x3030303030303030u)) &
	       0xf0f0f0f0f0f0f0f0u;
}

/* How many of the eight bytes, from the first on, are '0'..'9'. */
static int
ndigits8(uint64_t x)
{
	uint64_t bad = nondigits(x);

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
 * Up to max digits from p, eight at a time: their value (modulo 2^128)
 * and how many there are; 0 for none, or for more than max.  Reads at
 * most max + 8 bytes.
 */
static inline int
fast_digits(const char *p, int max, unsigned __int128 *v)
{
	static const uint64_t pow10[8] = {1,	 10,	 100,	  1000,
					  10000, 100000, 1000000, 10000000};
	uint64_t x;
	int n = 0, k = 0;

	*v = 0;
	while (n <= max && (k = ndigits8(x = load8(p + n))) == 8) {
		*v = *v * 100000000 + digits8(x);
		n += 8;
	}
	if (n + k > max)
		return 0;
	if (k > 0)
		*v = *v * pow10[k] + digits_k(x, k);
	return n + k;
}

/* A field [-]D{1,max} at p: its value, and the byte after it, or NULL. */
static inline const char *
fast_field(const char *p, int max, i128 *v)
{
	unsigned __int128 mag;
	int neg = *p == '-', n = fast_digits(p + neg, max, &mag);

	if (n == 0)
		return NULL;
	*v = neg ? -(i128)mag : (i128)mag;
	return p + neg + n;
}

static inline int
blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Ends of at most 18 digits: the length and start + end - 1 fit 64 bits,
 * the closed form is one 64-bit multiply, and its halving exact.
 */
static inline int
fast_check(const struct rec *r)
{
	int64_t n = r->end - r->start, mid = r->start + r->end - 1;

	return r->sum == (i128)n * mid / 2;
}

/*
 * Every read lies within REC_FAST_SPAN bytes of the line's start: the
 * ends and their blanks take at most 40 bytes, and the sum's sign and
 * digits are read within 47 bytes more (fast_digits() reads max + 8).
 */
const char *
rec_fast_record(const char *p, const char *end, int check, struct rec *r)
{
	i128 s, e;

	if (end - p < REC_FAST_SPAN || (p = fast_field(p, 18, &s)) == NULL ||
	    !blank(*p) || (p = fast_field(p + 1, 18, &e)) == NULL ||
	    !blank(*p) || (p = fast_field(p + 1, 38, &r->sum)) == NULL)
		return NULL;
	p += *p == '\r';
	if (*p != '\n' || s > e)
		return NULL;
	r->start = (int64_t)s;
	r->end = (int64_t)e;
	return check && !fast_check(r) ? NULL : p + 1;
}

/*
 * Column sums: the digits of up to 28 non-negative sums of at most 16
 * digits, right-aligned, added byte by byte into two words (the last 8
 * digits and the 8 before them), so that no line needs a conversion of
 * its own.  Each byte stays below 28 * 9 = 252.
 */
struct columns {
	uint64_t lo, hi;
	int n;
};

/* The value of eight columns b0..b7 (b0 the most significant), <= 252. */
static uint64_t
column_value(uint64_t x)
{
	x = (x & 0x00ff00ff00ff00ffu) * 10 + ((x >> 8) & 0x00ff00ff00ff00ffu);
	x = (x & 0x0000ffff0000ffffu) * 100 + ((x >> 16) & 0x0000ffff0000ffffu);
	return (x & 0xffffffffu) * 10000 + (x >> 32);
}

static void
columns_flush(struct columns *c, unsigned __int128 *plus)
{
	*plus += (unsigned __int128)column_value(c->hi) * 100000000 +
		 column_value(c->lo);
	c->lo = c->hi = 0;
	c->n = 0;
}

/* Bytes '0' where keep is 0, then each byte's digit value. */
static uint64_t
digit_bytes(uint64_t x, uint64_t keep)
{
	return ((x & keep) | (0x3030303030303030u & ~keep)) -
	       0x3030303030303030u;
}

/*
 * Adds the line [d, e) of 1..16 characters, which has at least 16
 * readable bytes before e, to the columns if it is all digits.
 */
static inline int
columns_add(struct columns *c, const char *d, const char *e)
{
	int n = (int)(e - d), nlo = n < 8 ? n : 8, nhi = n - nlo;
	uint64_t lo = load8(e - 8), hi = load8(e - 16);
	uint64_t klo = ~(uint64_t)0 << (8 * (8 - nlo));
	uint64_t khi = nhi == 0 ? 0 : ~(uint64_t)0 << (8 * (8 - nhi));

	if (((nondigits(lo) & klo) | (nondigits(hi) & khi)) != 0)
		return 0;
	c->lo += digit_bytes(lo, klo);
	c->hi += digit_bytes(hi, khi);
	c->n++;
	return 1;
}

/*
 * The lines are found 64 bytes at a time from a bit mask of newlines, so
 * that where a line starts does not wait for its predecessor's digits.
 * Overflow cannot happen within one call: it starts only with a total
 * below 2^126 and reads at most 2^23 bytes, fewer than 2^22 sums below
 * 2^64; a total near the limit is left to merge_add(), which counts wraps.
 * columns_add() loads the 16 bytes before a line's end: a line that
 * ends within 16 bytes of the block's start goes the other way (the
 * test is a distance: a pointer before the block may not even be
 * formed).
 */
#define FAST_MAX ((long)1 << 23)
const char *
rec_fast_sums(const char *p, const char *end, i128 *total, long long *nlines)
{
	const char *w, *nl, *e, *stop, *first = p;
	unsigned __int128 plus = 0, minus = 0;
	struct columns col = {0};
	long long n = 0;
	uint64_t m, v;
	int neg;

	if (*total >= (i128)1 << 126 || *total <= -((i128)1 << 126))
		return p;
	stop = end - p > FAST_MAX ? p + FAST_MAX : end;
	for (w = p; stop - w >= 64 + 8; w += 64) {
		for (m = newlines64(w); m != 0; m &= m - 1) {
			nl = w + __builtin_ctzll(m);
			e = nl - (nl > p && nl[-1] == '\r');
			if (e > p && e - p <= 16 && e - first >= 16 &&
			    *p != '-' && *p != '+' && columns_add(&col, p, e)) {
				if (col.n == 28)
					columns_flush(&col, &plus);
			} else if (!fast_sum(p, nl, &v, &neg)) {
				goto out;
			} else if (neg) {
				minus += v;
			} else {
				plus += v;
			}
			p = nl + 1;
			n++;
		}
	}
out:
	columns_flush(&col, &plus);
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
