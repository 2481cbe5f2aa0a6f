/*
 * round-fuzz: values made from raw bytes, printed and parsed back.
 *
 *   num_fmt128 / num_parse128	parse(format(v)) == v for every 128-bit v,
 *		and the text is what printf's %jd gives for 64-bit v.
 *   num_parse	reads "%jd" of every 64-bit v back, and the MeK spelling
 *		of v when v ends in zeros.
 *   rec_format / rec_parse_result / rec_parse_range	a record of any
 *		range and its closed-form sum reads back as itself.
 *   sum_loop	equals sum_formula on ranges of up to 2^16 integers
 *		anywhere in the 64-bit domain, its ends included.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "kernel.h"
#include "num.h"
#include "rec.h"

static void
check_i128(i128 v, const char *in)
{
	char buf[NUM_I128_LEN];
	const char *s = num_fmt128(v, buf), *errstr;
	i128 w;

	PROP(strlen(s) <= 40, in);
	PROP(num_parse128(s, &w, &errstr) == 0 && w == v, in);
	if (v >= INT64_MIN && v <= INT64_MAX) {
		char p[32];

		snprintf(p, sizeof(p), "%" PRId64, (int64_t)v);
		PROP(strcmp(p, s) == 0, in);
	}
}

static void
check_i64(int64_t v, const char *in)
{
	char s[64], m[64];
	const char *errstr;
	size_t n, z;

	snprintf(s, sizeof(s), "%" PRId64, v);
	PROP(num_parse(s, INT64_MIN, INT64_MAX, &errstr) == v && !errstr, in);
	/* 1200 is also 12e2, and 12E2. */
	n = strlen(s);
	for (z = 0; z + 1 < n && s[n - 1 - z] == '0'; z++)
		;
	if (z == 0 || v == 0)
		return;
	snprintf(m, sizeof(m), "%.*s%c%zu", (int)(n - z), s, z % 2 ? 'e' : 'E',
		 z);
	PROP(num_parse(m, INT64_MIN, INT64_MAX, &errstr) == v && !errstr, m);
}

static void
check_record(int64_t a, int64_t b, const char *in)
{
	char buf[REC_LEN], line[REC_LEN];
	const char *why;
	struct rec r;
	int64_t s, e;
	i128 sum;

	if (a > b) {
		int64_t t = a;

		a = b;
		b = t;
	}
	sum = sum_formula(a, b);
	PROP(rec_format(buf, a, b, sum) < REC_LEN, in);
	memcpy(line, buf, sizeof(buf));
	PROP(rec_parse_result(line, &r, &why) == REC_RECORD, buf);
	PROP(r.start == a && r.end == b && r.sum == sum, buf);
	/* The range part alone, as range-split prints it. */
	snprintf(line, sizeof(line), "%" PRId64 " %" PRId64, a, b);
	PROP(rec_parse_range(line, &s, &e, &why) == 0 && s == a && e == b, in);
	/* A sum one off is refused. */
	memcpy(line, buf, sizeof(buf));
	rec_format(line, a, b, sum + 1);
	PROP(rec_parse_result(line, &r, &why) == -1, in);
}

static void
check_loop(int64_t a, uint16_t len, int hi, const char *in)
{
	int64_t b;

	/* A quarter of the ranges hug the top of the domain, one the bottom. */
	if (hi == 1)
		a = INT64_MAX - (a & 0x1ffff);
	else if (hi == 2)
		a = INT64_MIN + (a & 0x1ffff);
	b = (int64_t)((uint64_t)a + len);
	if (b < a) /* past INT64_MAX: keep the length, move down */
		a = INT64_MAX - len, b = INT64_MAX;
	PROP(sum_loop(a, b) == sum_formula(a, b), in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	int64_t a, b;
	uint16_t len;
	uint8_t hi;
	i128 v;
	char in[80];

	fuzz_take(&v, sizeof(v), data, size, &off);
	fuzz_take(&a, sizeof(a), data, size, &off);
	fuzz_take(&b, sizeof(b), data, size, &off);
	fuzz_take(&len, sizeof(len), data, size, &off);
	fuzz_take(&hi, sizeof(hi), data, size, &off);
	snprintf(in, sizeof(in), "a=%" PRId64 " b=%" PRId64 " len=%u", a, b,
		 (unsigned)len);
	check_i128(v, in);
	check_i64(a, in);
	check_i64(b, in);
	check_record(a, b, in);
	check_loop(a, len, hi & 3, in);
	return 0;
}
