/*
 * rec.c: parsing and formatting the lines the programs exchange.
 */
#include <stdio.h>
#include <string.h>

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

int
rec_format(char *buf, int64_t start, int64_t end, i128 sum)
{
	char b[NUM_I128_LEN];

	return snprintf(buf, REC_LEN, "%jd %jd %s", (intmax_t)start,
			(intmax_t)end, num_fmt128(sum, b));
}
