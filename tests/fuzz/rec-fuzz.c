/*
 * rec-fuzz: the line parsers against a reference tokeniser.
 *
 *   lines_fields	returns the blank-separated tokens of the line, in
 *order, or max+1 when there are more than max. rec_parse_range	accepts exactly
 *'start end' and 'index start end' with an index in [0, INT64_MAX] and start <=
 *end, and gives back the numbers num_parse reads from those tokens; what it
 *		accepts, printed again, parses to the same range.
 *   rec_parse_result	accepts exactly one 128-bit integer, or a record
 *		whose sum is the closed form of its range; a record printed
 *		by rec_format parses back to itself.
 *   cli_quote	prints no control byte and stays short; a short printable
 *		string is quoted as itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fuzz.h"
#include "kernel.h"
#include "lines.h"
#include "num.h"
#include "rec.h"

#define MAXTOK 8

/* The reference tokeniser: runs of anything but ' ' and '\t'. */
static int
tokens(const char *s, const char **t, size_t *len)
{
	int n = 0;

	for (;;) {
		s += strspn(s, " \t");
		if (*s == '\0' || n == MAXTOK)
			return n;
		t[n] = s;
		len[n] = strcspn(s, " \t");
		s += len[n++];
	}
}

/* A token as a C string in buf (cap bytes); NULL if it does not fit. */
static char *
tok(char *buf, size_t cap, const char *t, size_t len)
{
	if (len >= cap)
		return NULL;
	memcpy(buf, t, len);
	buf[len] = '\0';
	return buf;
}

static void
check_fields(const char *s, const char **t, size_t *len, int nt)
{
	char *line = strdup(s), *f[3];
	int n, i;

	if (line == NULL)
		abort();
	n = lines_fields(line, f, 3);
	PROP(n == (nt > 3 ? 4 : nt), s);
	for (i = 0; i < n && i < 3; i++)
		PROP(strlen(f[i]) == len[i] && memcmp(f[i], t[i], len[i]) == 0,
		     s);
	free(line);
}

/* A 64-bit token: 0 and *v, or -1. */
static int
num64(const char *t, size_t len, int64_t min, int64_t *v)
{
	char *buf = strndup(t, len);
	const char *errstr;

	if (buf == NULL)
		abort();
	*v = num_parse(buf, min, INT64_MAX, &errstr);
	free(buf);
	return errstr == NULL ? 0 : -1;
}

/* Do the three tokens read as a record whose sum is its range's? */
static int
is_record(const char **t, size_t *len)
{
	char *sum = strndup(t[2], len[2]);
	const char *errstr;
	int64_t rs, re;
	i128 v;
	int rv;

	if (sum == NULL)
		abort();
	rv = num_parse128(sum, &v, &errstr) == 0 &&
	     num64(t[0], len[0], INT64_MIN, &rs) == 0 &&
	     num64(t[1], len[1], INT64_MIN, &re) == 0 && rs <= re &&
	     v == sum_formula(rs, re);
	free(sum);
	return rv;
}

static void
check_range(const char *s, const char **t, size_t *len, int nt)
{
	char *line = strdup(s), again[64];
	const char *why;
	int64_t start, end, rs, re, idx;
	int rc, ok = 0, o = nt == 3;

	if (line == NULL)
		abort();
	rc = rec_parse_range(line, &start, &end, &why);
	if ((nt == 2 || nt == 3) &&
	    (nt == 2 || num64(t[0], len[0], 0, &idx) == 0) &&
	    num64(t[o], len[o], INT64_MIN, &rs) == 0 &&
	    num64(t[o + 1], len[o + 1], INT64_MIN, &re) == 0 && rs <= re)
		ok = 1;
	/* Three fields that read as a record 'start end sum' are refused. */
	if (nt == 3 && is_record(t, len))
		ok = 0;
	PROP(rc == (ok ? 0 : -1), s);
	if (rc != 0) {
		PROP(why != NULL && *why != '\0', s);
	} else {
		PROP(start == rs && end == re, s);
		snprintf(again, sizeof(again), "%jd %jd", (intmax_t)start,
			 (intmax_t)end);
		PROP(rec_parse_range(again, &rs, &re, &why) == 0 &&
			 rs == start && re == end,
		     s);
	}
	free(line);
}

static void
check_result(const char *s, const char **t, size_t *len, int nt)
{
	char *line = strdup(s), *sum, buf[REC_LEN], sbuf[NUM_I128_LEN];
	const char *why, *errstr;
	struct rec r, r2;
	int64_t rs, re;
	i128 v;
	int rc, want = -1;

	if (line == NULL || (sum = strdup(s)) == NULL)
		abort();
	rc = rec_parse_result(line, &r, &why);
	if (nt == 1 || nt == 3) {
		tok(sum, strlen(s) + 1, t[nt - 1], len[nt - 1]);
		if (num_parse128(sum, &v, &errstr) == 0 &&
		    (nt == 1 || (num64(t[0], len[0], INT64_MIN, &rs) == 0 &&
				 num64(t[1], len[1], INT64_MIN, &re) == 0 &&
				 rs <= re && v == sum_formula(rs, re))))
			want = nt == 1 ? REC_BARE : REC_RECORD;
	}
	PROP(rc == want, s);
	if (rc == REC_BARE) {
		PROP(r.sum == v, s);
		PROP(num_parse128(num_fmt128(v, sbuf), &v, &errstr) == 0 &&
			 v == r.sum,
		     s);
	} else if (rc == REC_RECORD) {
		PROP(r.start == rs && r.end == re && r.sum == v, s);
		rec_format(buf, r.start, r.end, r.sum);
		PROP(rec_parse_result(buf, &r2, &why) == REC_RECORD &&
			 r2.start == r.start && r2.end == r.end &&
			 r2.sum == r.sum,
		     s);
	}
	free(sum);
	free(line);
}

static void
check_quote(const char *s)
{
	const char *q = cli_quote(s);
	size_t i, n = strlen(q);

	PROP(n <= 4 * 64 + 3 + 3, s);
	for (i = 0; i < n; i++)
		PROP((unsigned char)q[i] >= 0x20 && q[i] != 0x7f, s);
	if (strlen(s) <= 64 &&
	    strspn(s, " !\"#$%&'()*+,-./0123456789:;<=>?@"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`"
		      "abcdefghijklmnopqrstuvwxyz{|}~") == strlen(s))
		PROP(strcmp(q, s) == 0, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	const char *t[MAXTOK];
	size_t len[MAXTOK];
	int nt = tokens(s, t, len);

	check_fields(s, t, len, nt);
	check_range(s, t, len, nt);
	check_result(s, t, len, nt);
	check_quote(s);
	free(s);
	return 0;
}
