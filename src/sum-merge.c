/*
 * sum-merge: add up partial sums and records exactly, and refuse to
 * print a total that could be wrong.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chunks.h"
#include "cli.h"
#include "ipc.h"
#include "merge.h"
#include "rec.h"
#include "transport.h"

enum {
	OPT_EXPECT = 256,
	OPT_MISSING,
	OPT_MQ,
	OPT_COUNT,
	OPT_TIMEOUT,
	OPT_SHM,
	OPT_VERSION
};

static const char shortopts[] = "h";
static const struct option longopts[] = {
    {"expect", required_argument, NULL, OPT_EXPECT},
    {"missing", no_argument, NULL, OPT_MISSING},
    {"mq", required_argument, NULL, OPT_MQ},
    {"count", required_argument, NULL, OPT_COUNT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"shm", required_argument, NULL, OPT_SHM},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static const char *mqname, *shmname;
static struct mqopts mqopts = {.timeout_ns = -1};
static int expect, missing;
static int64_t xstart, xend;

static const char help[] =
    "usage: sum-merge [--expect start end [--missing]] "
    "[--mq name [--count n]\n"
    "                 [--timeout d]] [--shm name] [file ...]\n"
    "Add up partial results exactly: lines holding one integer, "
    "or records\n"
    "'start end sum' as range-sum -t writes them.\n"
    "  --expect S E   the records must cover [S, E) exactly, "
    "without overlap\n"
    "  --missing      with --expect: print the ranges no record "
    "covers, as\n"
    "                 'start end' lines, instead of the total\n"
    "  --mq NAME      read records from POSIX message queue NAME "
    "until\n"
    "                 --count, --expect or a STOP message "
    "(range-sum --stop)\n"
    "  --count N      with --mq: stop after N records\n"
    "  --timeout D    with --mq: give up when nothing arrives "
    "for D (e.g. 10s)\n"
    "  --shm NAME     read and remove shared-memory table NAME\n"
    "  --help, --version\n";

static const struct cli cmd = {shortopts, longopts, "expect", help};

static void
parse_options(int argc, char *argv[])
{
	int ch;

	while ((ch = cli_option(&cmd, argc, argv)) != -1) {
		switch (ch) {
		case OPT_EXPECT:
			if (optind >= argc || strcmp(argv[optind], "--") == 0)
				cli_usage_error("--expect needs start and end");
			xstart = cli_num_arg("--expect start", optarg,
					     INT64_MIN, INT64_MAX);
			xend = cli_num_arg("--expect end", argv[optind++],
					   INT64_MIN, INT64_MAX);
			if (xstart > xend)
				cli_usage_error(
				    "--expect: start %jd is greater "
				    "than end %jd",
				    (intmax_t)xstart, (intmax_t)xend);
			expect = 1;
			break;
		case OPT_MISSING:
			missing = 1;
			break;
		case OPT_MQ:
			cli_ipc_name_arg("--mq", optarg);
			mqname = optarg;
			break;
		case OPT_COUNT:
			mqopts.count =
			    cli_num_arg("--count", optarg, 1, INT64_MAX);
			break;
		case OPT_TIMEOUT:
			mqopts.timeout_ns =
			    cli_duration_arg("--timeout", optarg);
			break;
		case OPT_SHM:
			cli_ipc_name_arg("--shm", optarg);
			shmname = optarg;
			break;
		}
	}
}

/*
 * Adds every line of one open file; returns 0 or MERGE_EXIT_BAD.  Bare
 * sums, nearly every line of a big input, are taken straight from the
 * read buffer; any other line goes through the full parser.
 */
static int
merge_file(struct merge *m, int fd, const char *name)
{
	struct chunks in = {.fd = fd, .name = name};
	const char *why, *next;
	struct rec r = {0};
	long long nb;
	char *line;
	int nul, kind, rv = 0;
	size_t n;

	for (;;) {
		if (in.buf != NULL && !m->expect) {
			nb = in.lineno;
			next = rec_fast_sums(in.buf + in.off, in.buf + in.len,
					     &m->total, &in.lineno);
			in.off = (size_t)(next - in.buf);
			m->nbare += in.lineno - nb;
		}
		if ((line = chunks_line(&in, &n, &nul)) == NULL)
			break;
		if (nul) {
			why = "contains a NUL byte";
		} else if (strspn(line, " \t") == n) {
			continue; /* blank */
		} else if ((kind = rec_parse_result(line, &r, &why)) > 0) {
			if (merge_add(m, kind, &r, name, in.lineno) != 0) {
				rv = MERGE_EXIT_BAD;
				break;
			}
			continue;
		}
		warnx("%s line %lld: %s", name, in.lineno, why);
		rv = MERGE_EXIT_BAD;
		break;
	}
	chunks_free(&in);
	return rv;
}

static int
merge_path(struct merge *m, const char *path)
{
	struct stat st;
	FILE *fp;
	int rv;

	if (strcmp(path, "-") == 0)
		return merge_file(m, STDIN_FILENO, "stdin");
	if ((fp = fopen(path, "r")) == NULL) {
		warn("%s", cli_quote(path));
		return MERGE_EXIT_BAD;
	}
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		warnx("%s: is a directory", cli_quote(path));
		fclose(fp);
		return MERGE_EXIT_BAD;
	}
	rv = merge_file(m, fileno(fp), path);
	fclose(fp);
	return rv;
}

int
main(int argc, char *argv[])
{
	struct merge m;
	int i, rv = 0;

	argv = cli_numeric_operands(&cmd, &argc, argv);
	parse_options(argc, argv);
	argc -= optind;
	argv += optind;
	if ((mqname != NULL || shmname != NULL) && argc > 0)
		cli_usage_error("files cannot be read with --mq or --shm");
	if (mqname != NULL && shmname != NULL)
		cli_usage_error("--mq and --shm cannot be used together");
	if (mqname == NULL && (mqopts.count != 0 || mqopts.timeout_ns >= 0))
		cli_usage_error("--count and --timeout go with --mq");
	if (missing && !expect)
		cli_usage_error("--missing needs --expect start end");
	/* They are consumed: what --missing names could never be resumed. */
	if (missing && (mqname != NULL || shmname != NULL))
		cli_usage_error("--missing reads files or stdin, not --mq "
				"or --shm");
	merge_init(&m, expect, xstart, xend);
	if (mqname != NULL)
		rv = transport_merge_mq(&m, mqname, &mqopts);
	else if (shmname != NULL)
		rv = transport_merge_shm(&m, shmname);
	else if (argc == 0)
		rv = merge_file(&m, STDIN_FILENO, "stdin");
	for (i = 0; i < argc && rv == 0; i++)
		rv = merge_path(&m, argv[i]);
	if (rv == 0)
		rv = missing ? merge_list_missing(&m) : merge_finish(&m);
	merge_free(&m);
	cli_close_stdout();
	return rv;
}
