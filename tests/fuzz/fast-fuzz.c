/*
 * fast-fuzz: sum-merge's fast paths against the full parser.
 *
 *   rec_fast_sums	stops at a line boundary inside its block, never
 *		reads outside it (ASan), counts exactly the lines it took,
 *		and adds exactly what rec_parse_result() reads from each of
 *		them, so that the fast and the full path always agree.
 *   rec_fast_record	reads nothing past REC_FAST_SPAN bytes (the input
 *		is padded to that size with newlines, no more), and a line
 *		it takes is one that rec_parse_result() (checked) or
 *		rec_parse_value() takes, as the same record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "num.h"
#include "rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_record(const uint8_t *data, size_t size)
{
	size_t len = size < REC_FAST_SPAN ? REC_FAST_SPAN : size;
	char *buf = malloc(len), *line, *in = fuzz_string(data, size);
	int check = size % 2;
	const char *next, *why;
	struct rec fast, full;

	if (buf == NULL)
		abort();
	memset(buf, '\n', len);
	memcpy(buf, data, size);
	if ((next = rec_fast_record(buf, buf + len, check, &fast)) != NULL) {
		PROP(next > buf && next <= buf + len && next[-1] == '\n', in);
		line = strndup(buf, (size_t)(next - 1 - buf));
		if (line == NULL)
			abort();
		if (strlen(line) > 0 && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		PROP((check ? rec_parse_result(line, &full, &why)
			    : rec_parse_value(line, &full, &why)) == REC_RECORD,
		     in);
		PROP(full.start == fast.start && full.end == fast.end &&
			 full.sum == fast.sum,
		     in);
		free(line);
	}
	free(buf);
	free(in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const i128 starts[] = {0, 1, -1, ((i128)1 << 126) - 1,
				      -((i128)1 << 126) + 1};
	const char *p, *end, *ret, *nl;
	char *buf, *line, *in;
	i128 total, want;
	long long n = 0, lines = 0;
	const char *why;
	struct rec r;
	size_t len;

	if (size == 0)
		return 0;
	check_record(data + 1, size - 1);
	total = want = starts[data[0] % 5];
	/* The block itself, exactly its size, so that ASan sees overreads. */
	len = size - 1;
	if ((buf = malloc(len ? len : 1)) == NULL)
		abort();
	memcpy(buf, data + 1, len);
	p = buf;
	end = buf + len;
	in = fuzz_string(data + 1, len);
	ret = rec_fast_sums(p, end, &total, &n);
	PROP(ret >= p && ret <= end, in);
	PROP(ret == p || ret[-1] == '\n', in);
	for (; p < ret; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(ret - p));
		PROP(nl != NULL, in);
		line = strndup(p, (size_t)(nl - p));
		if (line == NULL)
			abort();
		if (strlen(line) > 0 && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		PROP(rec_parse_result(line, &r, &why) == REC_BARE, in);
		want += r.sum;
		lines++;
		free(line);
	}
	PROP(n == lines, in);
	PROP(total == want, in);
	free(in);
	free(buf);
	return 0;
}
