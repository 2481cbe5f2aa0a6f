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
#include "coverage.h"
#include "ipc.h"
#include "lines.h"
#include "merge.h"
#include "rec.h"
#include "rerun.h"
#include "stopsig.h"
#include "transport.h"

enum {
	OPT_EXPECT = 256,
	OPT_MISSING,
	OPT_COUNT,
	OPT_TIMEOUT,
	OPT_PLAN,
	OPT_ARRAY,
	OPT_VALUES,
};

static const char shortopts[] = "h";
static const struct option longopts[] = {
    {"expect", required_argument, NULL, OPT_EXPECT},
    {"missing", no_argument, NULL, OPT_MISSING},
    {"count", required_argument, NULL, OPT_COUNT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"plan", required_argument, NULL, OPT_PLAN},
    {"array", no_argument, NULL, OPT_ARRAY},
    {"values", no_argument, NULL, OPT_VALUES},
    CLI_OPTIONS_SHARED,
    CLI_OPTIONS_END,
};

static const char *mqname, *shmname, *planname;
static enum coverage_mode progress;
static struct mqopts mqopts = {.timeout_ns = -1};
static int expect, missing, stats, array, values;
static int64_t xstart, xend;

static const char help[] =
    "usage: sum-merge [--values] [--expect start end [--missing [--plan "
    "file\n"
    "                 [--array]]]] [--mq name [--count n] [--timeout d]]\n"
    "                 [--shm name] [--stats] [file ...]\n"
    "Add up partial results exactly: lines holding one integer, "
    "or records\n"
    "'start end sum' as range-sum -t writes them, each sum checked "
    "against its\n"
    "range.  A record read twice counts once, and so does a stretch "
    "two records\n"
    "cover.\n"
    "  --values       the third field is any integer a worker computed "
    "for its\n"
    "                 range (a count, a size), unchecked: overlaps count "
    "where the\n"
    "                 records determine them; records that disagree are "
    "refused\n"
    "  --expect S E   the records must cover [S, E) and "
    "determine its total\n"
    "  --missing      with --expect: print the ranges to re-run, "
    "as 'start end'\n"
    "                 lines, instead of the total\n"
    "  --plan FILE    with --missing: print the lines of FILE "
    "(what range-split\n"
    "                 printed) to re-run instead, as they are\n"
    "  --array        with --plan: print their indexes as a Slurm "
    "array list\n"
    "  --stats        say on stderr how many records were read, "
    "dropped, not added\n"
    "  --mq NAME      read records from POSIX message queue NAME "
    "until\n"
    "                 --count, --expect or a STOP message "
    "(range-sum --stop)\n"
    "  --count N      with --mq: stop after N records of distinct ranges\n"
    "  --timeout D    with --mq: give up when nothing arrives "
    "for D (e.g. 10s)\n"
    "  --shm NAME     read and remove shared-memory table NAME\n"
    "  --progress[=always]\n"
    "                 with --expect: how much of it the records cover, "
    "on stderr\n"
    "                 (a terminal unless always)\n"
    "  -h, --help     print this help and exit\n"
    "  --version      print the version and exit\n"
    "Ranges are half-open, like Python's range(start, end).  "
    "Durations: 200us,\n"
    "5ms, 10s, 2m, 1h, or seconds as 0.005.\n";

static const struct cli cmd = {shortopts, longopts, "expect", help};

/* --expect start end: optarg, then the next operand. */
static void
parse_expect(int argc, char *argv[])
{
	if (optind >= argc || strcmp(argv[optind], "--") == 0)
		cli_usage_error("--expect needs start and end");
	xstart = cli_num_arg("--expect start", optarg, INT64_MIN, INT64_MAX);
	xend =
	    cli_num_arg("--expect end", argv[optind++], INT64_MIN, INT64_MAX);
	if (xstart > xend)
		cli_usage_error("--expect: start %jd is greater than end %jd",
				(intmax_t)xstart, (intmax_t)xend);
	expect = 1;
}

/* --progress, or --progress=always. */
static void
parse_progress(const char *arg)
{
	if (arg == NULL)
		progress = COVERAGE_AUTO;
	else if (strcmp(arg, "always") == 0)
		progress = COVERAGE_FORCE;
	else
		cli_usage_error("--progress: expected --progress or "
				"--progress=always");
}

static void
parse_options(int argc, char *argv[])
{
	int ch;

	while ((ch = cli_option(&cmd, argc, argv)) != -1) {
		switch (ch) {
		case OPT_EXPECT:
			parse_expect(argc, argv);
			break;
		case OPT_MISSING:
			missing = 1;
			break;
		case CLI_OPT_MQ:
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
		case CLI_OPT_SHM:
			cli_ipc_name_arg("--shm", optarg);
			shmname = optarg;
			break;
		case CLI_OPT_PROGRESS:
			parse_progress(optarg);
			break;
		case CLI_OPT_STATS:
			stats = 1;
			break;
		case OPT_PLAN:
			planname = optarg;
			break;
		case OPT_ARRAY:
			array = 1;
			break;
		case OPT_VALUES:
			values = 1;
			break;
		}
	}
}

/*
 * A record whose sum is not its range's is refused alone, as damaged.
 * If no record of the input passes the check, the third field is more
 * likely a worker's value: says so.  Reads the rest of the input.
 */
static void
refuse_damaged(struct merge *m, struct chunks *in, const char *name)
{
	long long lineno = in->lineno;
	const char *why;
	struct rec r;
	char *line;
	size_t n;
	int nul, passed = m->nread > 0;

	while (!passed && (line = chunks_line(in, &n, &nul)) != NULL)
		passed = !nul && rec_parse_result(line, &r, &why) == REC_RECORD;
	warnx("%s line %lld: %s%s", name, lineno, rec_why_sum,
	      passed ? ""
		     : " (no record of the input matches its range: if the "
		       "third field is a worker's value, not the range's sum, "
		       "use sum-merge --values)");
}

/* Adds one line; 0, or MERGE_EXIT_BAD after saying why. */
static int
merge_line(struct merge *m, struct chunks *in, char *line, const char *name)
{
	const char *why;
	struct rec r = {0};
	int kind;

	kind = values ? rec_parse_value(line, &r, &why)
		      : rec_parse_result(line, &r, &why);
	if (kind > 0) {
		if (merge_add(m, kind, &r, name, in->lineno) != 0)
			return MERGE_EXIT_BAD;
		if (kind == REC_RECORD)
			coverage_update(m);
		return 0;
	}
	if (why == rec_why_sum)
		refuse_damaged(m, in, name);
	else
		warnx("%s line %lld: %s", name, in->lineno, why);
	return MERGE_EXIT_BAD;
}

/*
 * The fast paths: bare sums (without --expect) and records of plain
 * decimal fields, nearly every line of a big input, are taken straight
 * from the read buffer.  Each stops at the first line it does not take,
 * which goes through the full parser.  0 or MERGE_EXIT_BAD.
 */
static int
merge_fast(struct merge *m, struct chunks *in, const char *name)
{
	const char *p = in->buf + in->off, *end = in->buf + in->len;
	long long nb = in->lineno;
	struct rec r;

	if (!m->expect) {
		p = rec_fast_sums(p, end, &m->total, &in->lineno);
		in->off = (size_t)(p - in->buf);
		m->nbare += in->lineno - nb;
	}
	while ((p = rec_fast_record(p, end, !values, &r)) != NULL) {
		in->off = (size_t)(p - in->buf);
		if (merge_add(m, REC_RECORD, &r, name, ++in->lineno) != 0)
			return MERGE_EXIT_BAD;
		coverage_update(m);
	}
	return 0;
}

/* Adds every line of one open file; returns 0 or MERGE_EXIT_BAD. */
static int
merge_file(struct merge *m, int fd, const char *name)
{
	struct chunks in = {.fd = fd, .name = name};
	char *line;
	int nul, rv = 0;
	size_t n;

	if (fd == STDIN_FILENO)
		cli_stdin_hint(values ? "values or 'start end value' records, "
					"one a line,"
				      : "sums or 'start end sum' records, one "
					"a line,");
	while (rv == 0) {
		if (in.buf != NULL && (rv = merge_fast(m, &in, name)) != 0)
			break;
		if ((line = chunks_line(&in, &n, &nul)) == NULL)
			break;
		if (nul) {
			warnx("%s line %lld: contains a NUL byte", name,
			      in.lineno);
			rv = MERGE_EXIT_BAD;
		} else if (strspn(line, " \t") != n) { /* not blank */
			rv = merge_line(m, &in, line, name);
		}
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
		warn("open %s", cli_quote(path));
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

/* Options that cannot go together, or without another: usage errors. */
static void
check_options(int argc)
{
	if ((mqname != NULL || shmname != NULL) && argc > 0)
		cli_usage_error("files cannot be read with --mq or --shm");
	if (mqname != NULL && shmname != NULL)
		cli_usage_error("--mq and --shm cannot be used together");
	if (mqname == NULL && (mqopts.count != 0 || mqopts.timeout_ns >= 0))
		cli_usage_error("%s with --mq: %s",
				mqopts.count == 0 ? "--timeout goes"
				: mqopts.timeout_ns < 0
				    ? "--count goes"
				    : "--count and --timeout go",
				shmname != NULL ? "a table is read at once"
						: "files and stdin are read to "
						  "their end");
	if (missing && !expect)
		cli_usage_error("--missing needs --expect start end");
	/* They are consumed: what --missing names could never be resumed. */
	if (missing && (mqname != NULL || shmname != NULL))
		cli_usage_error("--missing reads files or stdin, not --mq "
				"or --shm");
	if (values && (mqname != NULL || shmname != NULL))
		cli_usage_error("--values reads files or stdin: a queue or a "
				"table carries range-sum's checked records");
	if (progress != COVERAGE_OFF && !expect)
		cli_usage_error("--progress shows the coverage of --expect "
				"start end: give the range");
	if (planname != NULL && !missing)
		cli_usage_error("--plan goes with --missing");
	if (array && planname == NULL)
		cli_usage_error("--array goes with --plan");
}

/* Reads the records from where the options say; an exit status. */
static int
read_inputs(struct merge *m, int argc, char *argv[])
{
	int i, rv = 0;

	coverage_start(progress, m);
	if (mqname != NULL)
		rv = transport_merge_mq(m, mqname, &mqopts);
	else if (shmname != NULL)
		rv = transport_merge_shm(m, shmname);
	else if (argc == 0)
		rv = merge_file(m, STDIN_FILENO, "stdin");
	for (i = 0; i < argc && rv == 0; i++)
		rv = merge_path(m, argv[i]);
	coverage_stop(m);
	return rv;
}

int
main(int argc, char *argv[])
{
	struct merge_part *plan = NULL;
	size_t nplan = 0;
	struct merge m;
	int rv;

	/* Before any thread: SIGINT, SIGTERM and SIGHUP go to stopsig.c. */
	stopsig_start();
	argv = cli_numeric_operands(&cmd, &argc, argv);
	parse_options(argc, argv);
	argc -= optind;
	argv += optind;
	check_options(argc);
	if (planname != NULL)
		plan = merge_read_plan(planname, xstart, xend, &nplan);
	merge_init(&m, expect, xstart, xend);
	m.values = values;
	m.save_on_refusal = mqname != NULL || shmname != NULL;
	rv = read_inputs(&m, argc, argv);
	if (rv == 0 && plan != NULL)
		rv = merge_list_plan(&m, plan, nplan, array);
	else if (rv == 0)
		rv = missing ? merge_list_missing(&m) : merge_finish(&m);
	/*
	 * A total of 0 for no input is what scripts rely on, but files or
	 * stdin with nothing at all are more often a broken producer (GNU
	 * parallel without --colsep gives every range-sum one operand):
	 * say so.  A queue or table said "nothing" on purpose (STOP alone,
	 * producers with empty input).
	 */
	if (rv == 0 && !expect && mqname == NULL && shmname == NULL &&
	    m.nbare == 0 && m.nread == 0)
		warnx("no input: no sum or record was read, so the total is "
		      "0");
	if (stats)
		merge_stats(&m);
	merge_free_plan(plan, nplan);
	merge_free(&m);
	cli_close_stdout();
	return rv;
}
