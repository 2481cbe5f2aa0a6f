/*
 * range-split: print the contiguous parts of [start, end), one a line;
 * without operands, of each range read on stdin.
 */
#include <assert.h>
#include <err.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "lines.h"
#include "num.h"
#include "range.h"
#include "rec.h"

enum { OPT_ONLY = 256 };

static const char shortopts[] = "in:s:h";
static const struct option longopts[] = {
    {"index", no_argument, NULL, 'i'},
    {"parts", required_argument, NULL, 'n'},
    {"size", required_argument, NULL, 's'},
    {"only", required_argument, NULL, OPT_ONLY},
    CLI_OPTIONS_END,
};

static int iflag;

/*
 * Parts are numbered across the whole output (over every input line in
 * the stdin mode): next_index is the number of the next one.  With
 * --only, part only alone is printed.
 */
static uint64_t next_index;
static int64_t only = -1;
static int only_found;

static const char help[] =
    "usage: range-split [-i] [-n parts | -s size] [--only k] "
    "[start end]\n"
    "Print the parts of the half-open range [start, end) (like "
    "Python's\n"
    "range(start, end): 1 101 is 1 to 100) as 'start end' lines;\n"
    "without operands, the parts of each 'start end' line of "
    "stdin.\n"
    "  -i, --index       prefix each line with its 0-based index\n"
    "  -n, --parts N     N parts of near-equal size "
    "(default: online processors)\n"
    "  -s, --size N      parts of N integers, the last one "
    "possibly shorter\n"
    "      --only K      print only part K, the line -i numbers K\n"
    "  -h, --help        print this help and exit\n"
    "      --version     print the version and exit\n"
    "Numbers: decimal with optional sign, or MeK as in 1e8.\n";

static const struct cli cmd = {shortopts, longopts, NULL, help};

static void
print_part(uint64_t index, int64_t start, int64_t end)
{
	if (only >= 0)
		only_found = 1;
	if (iflag)
		printf("%ju ", (uintmax_t)index);
	printf("%jd %jd\n", (intmax_t)start, (intmax_t)end);
}

/*
 * The first of the next k parts to print: 0, or with --only the one it
 * names, or k if that is not among them.  Going straight to it matters:
 * k may be near 2^64.
 */
static uint64_t
first_part(uint64_t k)
{
	if (only < 0)
		return 0;
	if ((uint64_t)only < next_index || (uint64_t)only - next_index >= k)
		return k;
	return (uint64_t)only - next_index;
}

/* Counts k parts done; saturates rather than wraps past 2^64 - 1. */
static void
parts_done(uint64_t k)
{
	next_index = next_index > UINT64_MAX - k ? UINT64_MAX : next_index + k;
}

/* k parts whose sizes differ by at most one, the larger ones first. */
static void
split_parts(int64_t start, int64_t end, uint64_t k)
{
	uint64_t len = range_len(start, end), i;
	int64_t lo, hi;

	if (len == 0)
		return;
	if (k > len)
		k = len;
	for (i = first_part(k); i < k && !only_found; i++) {
		range_part(start, end, k, i, &lo, &hi);
		print_part(next_index + i, lo, hi);
	}
	parts_done(k);
}

/* Parts of size integers; the last one takes what is left. */
static void
split_size(int64_t start, int64_t end, uint64_t size)
{
	uint64_t len = range_len(start, end), k, i, at;

	k = len / size + (len % size != 0);
	for (i = first_part(k); i < k && !only_found; i++) {
		at = i * size;
		/* Every part starts inside the range; the last one ends it. */
		assert(at < len && (i + 1 < k) == (len - at > size));
		print_part(next_index + i, range_at(start, at),
			   range_at(start, len - at < size ? len : at + size));
	}
	parts_done(k);
}

/* One range, cut by -s size or into -n parts. */
static void
split(int64_t start, int64_t end, int64_t parts, int64_t size)
{
	if (size != 0)
		split_size(start, end, (uint64_t)size);
	else
		split_parts(start, end, (uint64_t)parts);
}

/*
 * Without operands: the parts of each range line of stdin ("start end",
 * or "index start end" as -i writes), in order.  Returns 0, or 1 after
 * naming each bad line.
 */
static int
split_lines(int64_t parts, int64_t size)
{
	struct lines in = {.fp = stdin, .name = "stdin"};
	int64_t start, end;
	const char *why;
	int nul, rv = 0;

	cli_stdin_hint("ranges, one 'start end' a line,");
	while (!only_found && lines_get(&in, &nul) >= 0) {
		if (nul)
			why = "contains a NUL byte";
		else if (rec_parse_range(in.buf, &start, &end, &why) == 0)
			why = NULL;
		if (why == NULL) {
			split(start, end, parts, size);
		} else {
			warnx("stdin line %lld: %s", in.lineno, why);
			rv = 1;
		}
	}
	free(in.buf);
	return rv;
}

int
main(int argc, char *argv[])
{
	int64_t start, end, parts = 0, size = 0;
	long ncpu;
	int ch, rv = 0;

	argv = cli_numeric_operands(&cmd, &argc, argv);
	while ((ch = cli_option(&cmd, argc, argv)) != -1) {
		switch (ch) {
		case 'i':
			iflag = 1;
			break;
		case 'n':
			parts = cli_num_arg("-n", optarg, 1, INT64_MAX);
			break;
		case 's':
			size = cli_num_arg("-s", optarg, 1, INT64_MAX);
			break;
		case OPT_ONLY:
			only = cli_num_arg("--only", optarg, 0, INT64_MAX);
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (parts != 0 && size != 0)
		cli_usage_error("-n and -s cannot be used together");
	if (argc == 1)
		cli_usage_error("missing operand: need start end");
	if (argc > 2)
		cli_usage_error("extra operand '%s'", cli_quote(argv[2]));
	if (size == 0 && parts == 0)
		parts = (ncpu = sysconf(_SC_NPROCESSORS_ONLN)) > 0 ? ncpu : 1;
	if (argc == 0) {
		rv = split_lines(parts, size);
	} else {
		start = cli_num_arg("start", argv[0], INT64_MIN, INT64_MAX);
		end = cli_num_arg("end", argv[1], INT64_MIN, INT64_MAX);
		if (start > end)
			cli_usage_error("start %jd is greater than end %jd",
					(intmax_t)start, (intmax_t)end);
		/* -n N numbers N parts, even when fewer are not empty. */
		if (size == 0 && only >= parts)
			cli_usage_error("--only %jd: -n %jd has parts 0 to %jd",
					(intmax_t)only, (intmax_t)parts,
					(intmax_t)(parts - 1));
		split(start, end, parts, size);
		if (size == 0)
			only_found = 1;
	}
	if (only >= 0 && !only_found && rv == 0) {
		warnx("--only %jd: there are only %ju parts", (intmax_t)only,
		      (uintmax_t)next_index);
		rv = argc == 0 ? 1 : 2;
	}
	cli_close_stdout();
	return rv;
}
