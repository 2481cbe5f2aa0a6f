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
#include "stopsig.h"
#include "transport.h"

enum {
	OPT_EXPECT = 256,
	OPT_MISSING,
	OPT_COUNT,
	OPT_TIMEOUT,
	OPT_PLAN,
	OPT_ARRAY,
};

static const char shortopts[] = "h";
static const struct option longopts[] = {
    {"expect", required_argument, NULL, OPT_EXPECT},
    {"missing", no_argument, NULL, OPT_MISSING},
    {"count", required_argument, NULL, OPT_COUNT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"plan", required_argument, NULL, OPT_PLAN},
    {"array", no_argument, NULL, OPT_ARRAY},
    CLI_OPTIONS_SHARED,
    CLI_OPTIONS_END,
};

static const char *mqname, *shmname, *planname;
static enum coverage_mode progress;
static struct mqopts mqopts = {.timeout_ns = -1};
static int expect, missing, stats, array;
static int64_t xstart, xend;

static const char help[] =
    "usage: sum-merge [--expect start end [--missing [--plan file "
    "[--array]]]]\n"
    "                 [--mq name [--count n] [--timeout d]] "
    "[--shm name] [--stats]\n"
    "                 [file ...]\n"
    "Add up partial results exactly: lines holding one integer, "
    "or records\n"
    "'start end sum' as range-sum -t writes them.  A record read "
    "twice counts once;\n"
    "overlapping records count where they agree and are refused "
    "where they do not.\n"
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
			if (optarg == NULL)
				progress = COVERAGE_AUTO;
			else if (strcmp(optarg, "always") == 0)
				progress = COVERAGE_FORCE;
			else
				cli_usage_error("--progress: expected "
						"--progress or "
						"--progress=always");
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

	if (fd == STDIN_FILENO)
		cli_stdin_hint("sums or 'start end sum' records, one a line,");
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
			if (kind == REC_RECORD)
				coverage_update(m);
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

/* A usage error naming a line of the plan. */
#define PLAN_ERROR(lineno, ...)                                                \
	do {                                                                   \
		char what_[200];                                               \
		snprintf(what_, sizeof(what_), __VA_ARGS__);                   \
		cli_usage_error("--plan %s line %lld: %s",                     \
				cli_quote(planname), (lineno), what_);         \
	} while (0)

/*
 * Reads the plan: range-split's lines, "start end" or "index start end",
 * which must tile --expect in order.  Without indexes a part's index is
 * its place in the plan, from 0, as range-split -i would number it.
 */
static struct merge_part *
read_plan(size_t *np)
{
	struct lines in = {.name = planname};
	struct merge_part *plan = NULL, *p;
	size_t n = 0, cap = 0;
	int64_t at = xstart;
	const char *why;
	char *copy, *f[3];
	long len;
	int nul;

	if ((in.fp = fopen(planname, "r")) == NULL)
		cli_usage_error("--plan %s: %s", cli_quote(planname),
				strerror(errno));
	while ((len = lines_get(&in, &nul)) >= 0) {
		if (strspn(in.buf, " \t") == (size_t)len)
			continue;
		if (nul)
			PLAN_ERROR(in.lineno, "contains a NUL byte");
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if ((plan = reallocarray(plan, cap, sizeof(*plan))) ==
			    NULL)
				err(1, NULL);
		}
		p = &plan[n];
		if ((p->text = strdup(in.buf)) == NULL ||
		    (copy = strdup(in.buf)) == NULL)
			err(1, NULL);
		if (rec_parse_range(in.buf, &p->start, &p->end, &why) != 0)
			PLAN_ERROR(in.lineno, "%s, not a range: %s", why,
				   cli_quote(p->text));
		p->index = (long long)n;
		if (lines_fields(copy, f, 3) == 3)
			p->index = num_parse(f[0], 0, INT64_MAX, &why);
		free(copy);
		if (p->start != at)
			PLAN_ERROR(in.lineno,
				   "part %jd %jd starts at %jd, not at %jd "
				   "where %s: the plan must tile --expect",
				   (intmax_t)p->start, (intmax_t)p->end,
				   (intmax_t)p->start, (intmax_t)at,
				   n ? "the part before ends"
				     : "--expect starts");
		at = p->end;
		n++;
	}
	if (at != xend)
		PLAN_ERROR(in.lineno,
			   "the plan ends at %jd, not at --expect's "
			   "end %jd: it must tile --expect",
			   (intmax_t)at, (intmax_t)xend);
	fclose(in.fp);
	free(in.buf);
	*np = n;
	return plan;
}

int
main(int argc, char *argv[])
{
	struct merge_part *plan = NULL;
	size_t nplan = 0, k;
	struct merge m;
	int i, rv = 0;

	/* Before any thread: SIGINT, SIGTERM and SIGHUP go to stopsig.c. */
	stopsig_start();
	argv = cli_numeric_operands(&cmd, &argc, argv);
	parse_options(argc, argv);
	argc -= optind;
	argv += optind;
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
	if (progress != COVERAGE_OFF && !expect)
		cli_usage_error("--progress shows the coverage of --expect "
				"start end: give the range");
	if (planname != NULL && !missing)
		cli_usage_error("--plan goes with --missing");
	if (array && planname == NULL)
		cli_usage_error("--array goes with --plan");
	if (planname != NULL)
		plan = read_plan(&nplan);
	merge_init(&m, expect, xstart, xend);
	coverage_start(progress, &m);
	m.keep = mqname != NULL || shmname != NULL;
	if (mqname != NULL)
		rv = transport_merge_mq(&m, mqname, &mqopts);
	else if (shmname != NULL)
		rv = transport_merge_shm(&m, shmname);
	else if (argc == 0)
		rv = merge_file(&m, STDIN_FILENO, "stdin");
	for (i = 0; i < argc && rv == 0; i++)
		rv = merge_path(&m, argv[i]);
	coverage_stop(&m);
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
	    m.nbare == 0 && m.nrecs == 0)
		warnx("no input: no sum or record was read, so the total is "
		      "0");
	if (stats)
		merge_stats(&m);
	for (k = 0; k < nplan; k++)
		free((char *)plan[k].text);
	free(plan);
	merge_free(&m);
	cli_close_stdout();
	return rv;
}
