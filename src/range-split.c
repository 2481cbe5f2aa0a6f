/*
 * range-split: print the contiguous parts of [start, end), one a line.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "kernel.h"
#include "num.h"

static const char shortopts[] = "in:s:h";
static const struct option longopts[] = {
    {"index", no_argument, NULL, 'i'},
    {"parts", required_argument, NULL, 'n'},
    {"size", required_argument, NULL, 's'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int iflag;

static void
usage(void)
{
	printf("usage: range-split [-i] [-n parts | -s size] start end\n"
	       "Print the parts of the half-open range [start, end) as "
	       "'start end' lines.\n"
	       "  -i, --index       prefix each line with its 0-based index\n"
	       "  -n, --parts N     N parts of near-equal size "
	       "(default: online processors)\n"
	       "  -s, --size N      parts of N integers, the last one "
	       "possibly shorter\n"
	       "      --help        print this help and exit\n"
	       "      --version     print the version and exit\n"
	       "Numbers: decimal with optional sign, or MeK as in 1e8.\n");
	cli_close_stdout();
	exit(0);
}

static void
print_part(uint64_t index, int64_t start, int64_t end)
{
	if (iflag)
		printf("%ju ", (uintmax_t)index);
	printf("%jd %jd\n", (intmax_t)start, (intmax_t)end);
}

/* k parts whose sizes differ by at most one, the larger ones first. */
static void
split_parts(int64_t start, int64_t end, uint64_t k)
{
	uint64_t len = range_len(start, end), size, extra, i;

	if (len == 0)
		return;
	if (k > len)
		k = len;
	size = len / k;
	extra = len % k;
	for (i = 0; i < k; i++) {
		uint64_t n = size + (i < extra);

		print_part(i, start, range_at(start, n));
		start = range_at(start, n);
	}
}

/* Parts of size integers; the last one takes what is left. */
static void
split_size(int64_t start, int64_t end, uint64_t size)
{
	uint64_t left = range_len(start, end), n, i;

	for (i = 0; left > 0; i++, left -= n) {
		n = left < size ? left : size;
		print_part(i, start, range_at(start, n));
		start = range_at(start, n);
	}
}

int
main(int argc, char *argv[])
{
	int64_t start, end, parts = 0, size = 0;
	long ncpu;
	int ch;

	argv = cli_numeric_operands(argc, argv, shortopts, longopts, NULL);
	for (argc = 0; argv[argc] != NULL; argc++)
		;
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'i':
			iflag = 1;
			break;
		case 'n':
			parts = num_arg("-n", optarg, 1, INT64_MAX);
			break;
		case 's':
			size = num_arg("-s", optarg, 1, INT64_MAX);
			break;
		case 'h':
			usage();
			break;
		case 'V':
			cli_version();
			break;
		default:
			cli_bad_option(argv, shortopts);
		}
	}
	argc -= optind;
	argv += optind;
	if (parts != 0 && size != 0)
		cli_usage_error("-n and -s cannot be used together");
	if (argc < 2)
		cli_usage_error("missing operand: need start end");
	if (argc > 2)
		cli_usage_error("extra operand '%s'", cli_quote(argv[2]));
	start = num_arg("start", argv[0], INT64_MIN, INT64_MAX);
	end = num_arg("end", argv[1], INT64_MIN, INT64_MAX);
	if (start > end)
		cli_usage_error("start %jd is greater than end %jd",
				(intmax_t)start, (intmax_t)end);
	if (size != 0) {
		split_size(start, end, (uint64_t)size);
	} else {
		if (parts == 0)
			parts = (ncpu = sysconf(_SC_NPROCESSORS_ONLN)) > 0
				    ? ncpu
				    : 1;
		split_parts(start, end, (uint64_t)parts);
	}
	cli_close_stdout();
	return 0;
}
