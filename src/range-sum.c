/*
 * range-sum: the exact sum of the integers in [start, end), for each
 * range given as operands or read one a line from stdin.
 */
#include <err.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "gil.h"
#include "ipc.h"
#include "kernel.h"
#include "lines.h"
#include "num.h"
#include "par.h"
#include "range.h"
#include "rec.h"
#include "sink.h"
#include "stopsig.h"
#include "trace.h"

#define MAX_WORKERS 1024

enum {
	OPT_METHOD = 256,
	OPT_THREADS,
	OPT_GIL,
	OPT_SWITCH,
	OPT_IOWAIT,
	OPT_IOECHO,
	OPT_IOTHREADS,
	OPT_PROCS,
	OPT_STOP,
	OPT_TRACE,
	OPT_TIME,
	OPT_TRACEMAX,
	OPT_LANES,
};

static const char shortopts[] = "th";
static const struct option longopts[] = {
    {"tag", no_argument, NULL, 't'},
    {"method", required_argument, NULL, OPT_METHOD},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"gil", no_argument, NULL, OPT_GIL},
    {"switch-interval", required_argument, NULL, OPT_SWITCH},
    {"io-wait", required_argument, NULL, OPT_IOWAIT},
    {"io-echo", no_argument, NULL, OPT_IOECHO},
    {"io-threads", required_argument, NULL, OPT_IOTHREADS},
    {"procs", required_argument, NULL, OPT_PROCS},
    {"stop", no_argument, NULL, OPT_STOP},
    {"trace", required_argument, NULL, OPT_TRACE},
    {"time", no_argument, NULL, OPT_TIME},
    {"trace-max", required_argument, NULL, OPT_TRACEMAX},
    {"lanes", no_argument, NULL, OPT_LANES},
    CLI_OPTIONS_SHARED,
    CLI_OPTIONS_END,
};

static struct sumopts opts = {.switch_ns = GIL_INTERVAL_DEFAULT_NS};
static int switchflag;
static int tflag, stopflag, timeflag;
static const char *mqname, *shmname, *tracepath;
static int64_t tracemax; /* --trace-max: 0 for no cap */
/*
 * For a better message than "extra operand": a bare --progress (whose
 * "always" must follow an '='), and the last duration given without a
 * unit (whose unit may follow as a word of its own: "5 ms").
 */
static int progressbare;
static const char *bareunitopt, *bareunitval;

static const char help[] =
    "usage: range-sum [-t] [--method loop|formula]\n"
    "                 [--threads n [--gil [--switch-interval d]] | "
    "--procs n]\n"
    "                 [--io-wait d | --io-echo] [--io-threads k] "
    "[--mq name | --shm name]\n"
    "                 [--stats] [--progress[=always]] [--time] "
    "[--lanes]\n"
    "                 [--trace file [--trace-max size]]\n"
    "                 [[index] start end]\n"
    "       range-sum --mq name --stop\n"
    "Print the exact sum of the integers in [start, end); without "
    "operands, one\n"
    "sum for each 'start end' or 'index start end' line of stdin.  "
    "Ranges are\n"
    "half-open, like Python's range(start, end): 1 100 sums 1 to "
    "99.\n"
    "  -t, --tag               print 'start end sum'\n"
    "      --method M          loop (add every integer; default) or "
    "formula\n"
    "      --threads N         split each range over N POSIX threads\n"
    "      --gil               the threads share one lock, like "
    "CPython's GIL\n"
    "      --switch-interval D the lock's switch interval (default "
    "5ms)\n"
    "      --io-wait D         each chunk of 16384 integers also "
    "waits D, unlocked\n"
    "      --io-echo           each chunk instead echoes a client's "
    "byte back\n"
    "      --io-threads K      with --gil: K more threads that only "
    "make those calls\n"
    "      --procs N           split each range over N forked "
    "processes\n"
    "      --mq NAME           send records to POSIX message queue "
    "NAME\n"
    "      --shm NAME          add records to shared-memory table "
    "NAME\n"
    "      --stop              with --mq: send only the message "
    "STOP, ending the run\n"
    "      --stats             a report per worker on stderr\n"
    "      --progress[=always] a progress line on stderr (a terminal "
    "unless always)\n"
    "      --time              print wall and CPU time on stderr "
    "when done\n"
    "      --trace FILE        with --threads: write the lock's "
    "(or the threads')\n"
    "                          timeline to FILE as Chrome Trace "
    "Event JSON\n"
    "      --trace-max SIZE    stop adding events to FILE at SIZE "
    "bytes (k, M, G)\n"
    "      --lanes             with --gil: draw who held the lock "
    "on stderr at the end\n"
    "  -h, --help              print this help and exit\n"
    "      --version           print the version and exit\n"
    "Numbers: decimal with optional sign, or MeK as in 1e8.  "
    "Durations: 200us,\n"
    "5ms, 10s, 2m, 1h, or seconds as 0.005; at most 168h.\n";

static const struct cli cmd = {shortopts, longopts, NULL, help};

/*
 * A size in bytes: digits with an optional k, M or G (powers of 1024),
 * at least enough for a trace's head and tail.
 */
static int64_t
size_arg(const char *what, const char *s)
{
	static const char units[] = "kMG";
	const char *errstr, *u;
	char digits[32];
	size_t n = strspn(s, "0123456789");
	int64_t v;

	if (n == 0 || n >= sizeof(digits) ||
	    (s[n] != '\0' &&
	     (s[n + 1] != '\0' || (u = strchr(units, s[n])) == NULL)))
		cli_usage_error(
		    "%s: not a size (use e.g. 100M, 512k or bytes): "
		    "'%s'",
		    what, cli_quote(s));
	memcpy(digits, s, n);
	digits[n] = '\0';
	v = num_parse(digits, 0, INT64_MAX >> 30, &errstr);
	if (errstr != NULL)
		cli_usage_error("%s: size %s: '%s'", what, errstr,
				cli_quote(s));
	if (s[n] != '\0')
		v <<= 10 * (strchr(units, s[n]) - units + 1);
	if (v < 4096)
		cli_usage_error("%s: at least 4k, for the trace's head and "
				"tail: '%s'",
				what, cli_quote(s));
	return v;
}

/* Remembers a duration option given in plain seconds, as "5". */
static void
unitless(const char *what, const char *val)
{
	if (val[strspn(val, "0123456789.")] == '\0')
		bareunitopt = what, bareunitval = val;
}

/* --method's argument. */
static enum method
method_arg(const char *arg)
{
	if (strcmp(arg, "loop") == 0)
		return METHOD_LOOP;
	if (strcmp(arg, "formula") != 0)
		cli_usage_error("--method: expected loop or formula, not '%s'",
				cli_quote(arg));
	return METHOD_FORMULA;
}

/* --progress's optional argument: none, or always. */
static void
progress_arg(const char *arg)
{
	progressbare = arg == NULL;
	if (arg == NULL)
		opts.progress = PROGRESS_AUTO;
	else if (strcmp(arg, "always") == 0)
		opts.progress = PROGRESS_FORCE;
	else
		cli_usage_error("--progress: expected --progress or "
				"--progress=always");
}

/* --trace's file name. */
static void
trace_arg(const char *arg)
{
	if (*arg == '\0')
		cli_usage_error("--trace needs a file name");
	/*
	 * The trace is written beside its file and renamed into place when
	 * complete, and stdout carries the sums: "-" cannot mean stdout
	 * here.
	 */
	if (strcmp(arg, "-") == 0)
		cli_usage_error("--trace -: the trace cannot go to stdout, "
				"which carries the sums; name a file "
				"(--trace ./- for a file named -)");
	tracepath = arg;
}

/*
 * The options of how each range is summed: method, workers, the lock,
 * the I/O calls.  False if CH is none of them.
 */
static int
worker_option(int ch, const char *arg)
{
	switch (ch) {
	case OPT_METHOD:
		opts.method = method_arg(arg);
		break;
	case OPT_THREADS:
		opts.threads =
		    (int)cli_num_arg("--threads", arg, 1, MAX_WORKERS);
		break;
	case OPT_GIL:
		opts.gil = 1;
		break;
	case OPT_SWITCH:
		switchflag = 1;
		opts.switch_ns = cli_duration_arg("--switch-interval", arg);
		unitless("--switch-interval", arg);
		if (opts.switch_ns <= 0)
			cli_usage_error(
			    "--switch-interval must be greater than zero");
		break;
	case OPT_IOWAIT:
		opts.io_ns = cli_duration_arg("--io-wait", arg);
		unitless("--io-wait", arg);
		break;
	case OPT_IOECHO:
		opts.io_echo = 1;
		break;
	case OPT_IOTHREADS:
		opts.io_threads =
		    (int)cli_num_arg("--io-threads", arg, 1, MAX_WORKERS);
		break;
	case OPT_PROCS:
		opts.procs = (int)cli_num_arg("--procs", arg, 1, MAX_WORKERS);
		break;
	default:
		return 0;
	}
	return 1;
}

/*
 * The options of where the sums and the reports go: records, queues,
 * tables, stats, progress, time, trace, lanes.
 */
static void
output_option(int ch, const char *arg)
{
	switch (ch) {
	case 't':
		tflag = 1;
		break;
	case CLI_OPT_MQ:
		cli_ipc_name_arg("--mq", arg);
		mqname = arg;
		break;
	case CLI_OPT_SHM:
		cli_ipc_name_arg("--shm", arg);
		shmname = arg;
		break;
	case OPT_STOP:
		stopflag = 1;
		break;
	case CLI_OPT_STATS:
		opts.stats = 1;
		break;
	case CLI_OPT_PROGRESS:
		progress_arg(arg);
		break;
	case OPT_TIME:
		timeflag = 1;
		break;
	case OPT_TRACE:
		trace_arg(arg);
		break;
	case OPT_TRACEMAX:
		tracemax = size_arg("--trace-max", arg);
		break;
	case OPT_LANES:
		opts.lanes = 1;
		break;
	}
}

static void
parse_options(int argc, char *argv[])
{
	int ch;

	while ((ch = cli_option(&cmd, argc, argv)) != -1)
		if (!worker_option(ch, optarg))
			output_option(ch, optarg);
}

static void
check_options(void)
{
	if (opts.threads > 0 && opts.procs > 0)
		cli_usage_error(
		    "--threads and --procs cannot be used together");
	if (opts.gil && opts.threads == 0)
		cli_usage_error("--gil needs --threads");
	if (switchflag && !opts.gil)
		cli_usage_error("--switch-interval needs --gil");
	if (opts.io_ns > 0 && opts.io_echo)
		cli_usage_error(
		    "--io-wait and --io-echo cannot be used together");
	if (opts.io_threads > 0 && (!opts.gil || !sumopts_io(&opts)))
		cli_usage_error(
		    "--io-threads needs --gil, and --io-wait or --io-echo");
	if (mqname != NULL && shmname != NULL)
		cli_usage_error("--mq and --shm cannot be used together");
	if (stopflag && mqname == NULL)
		cli_usage_error("--stop needs --mq");
	if (tracepath != NULL && opts.procs > 0)
		cli_usage_error("--trace cannot be used with --procs");
	if (tracepath != NULL && opts.threads == 0)
		cli_usage_error("--trace needs --threads");
	if (tracemax > 0 && tracepath == NULL)
		cli_usage_error("--trace-max needs --trace");
	if (opts.lanes && !opts.gil)
		cli_usage_error("--lanes draws who held the lock: it needs "
				"--gil (without it no lock is shared)");
	if (tflag && (mqname != NULL || shmname != NULL))
		cli_usage_error("-t applies to stdout, not to --mq or --shm");
}

/* Before any work: a path that cannot be written ends the program. */
static struct trace *
open_trace(void)
{
	struct trace_info info = {.threads = opts.threads + opts.io_threads,
				  .gil = opts.gil,
				  .switch_ns = opts.switch_ns,
				  .io_ns = opts.io_ns,
				  .io_echo = opts.io_echo,
				  .max_bytes = tracemax};

	return trace_open(tracepath, &info);
}

/*
 * A range this long takes the loop minutes or more (about 1e10 integers
 * a second on one core of a recent CPU; 1e18 is years).
 */
#define LONG_RUN_LEN ((uint64_t)1000000000000)

/*
 * At a terminal, a long loop with no progress line says once, before it
 * starts, how to get the answer at once or see how far it is: a learner
 * who types "range-sum 0 1e18" should not wait in silence.
 */
static void
long_run_hint(int64_t start, int64_t end)
{
	static int hinted;

	if (hinted || opts.method != METHOD_LOOP ||
	    opts.progress != PROGRESS_OFF ||
	    range_len(start, end) < LONG_RUN_LEN || !isatty(STDERR_FILENO))
		return;
	hinted = 1;
	cli_hint("[%jd, %jd) is %ju integers to add one by one: that takes "
		 "long; --method formula gives the sum at once, --progress "
		 "shows how far it has got",
		 (intmax_t)start, (intmax_t)end,
		 (uintmax_t)range_len(start, end));
}

/* Sums one range and delivers it; returns 0 or -1. */
static int
sum_one(struct sink *out, int64_t start, int64_t end)
{
	i128 sum;

	long_run_hint(start, end);
	if (par_sum(&opts, start, end, &sum) != 0)
		return -1;
	sink_put(out, start, end, sum);
	return 0;
}

/* The filter: one result per input line, in order. */
static int
sum_lines(struct sink *out)
{
	struct lines in = {.fp = stdin, .name = "stdin"};
	int64_t start, end;
	const char *why;
	int nul, rv = 0;

	cli_stdin_hint("ranges, one 'start end' a line,");
	while (lines_get(&in, &nul) >= 0) {
		if (nul)
			why = "contains a NUL byte";
		else if (rec_parse_range(in.buf, &start, &end, &why) == 0)
			why = NULL;
		if (why != NULL) {
			warnx("stdin line %lld: %s", in.lineno, why);
			rv = -1;
		} else if (sum_one(out, start, end) != 0) {
			rv = -1;
		}
	}
	free(in.buf);
	return rv;
}

/*
 * "range-sum 1 100" at a terminal is most often seq(1)'s 1 to 100: say
 * once that the end is left out.  Scripts and pipes never see this.
 */
static void
seq_hint(int tty, int64_t start, int64_t end)
{
	if (!tty || start != 1 || end <= start || end == INT64_MAX)
		return;
	warnx("note: [%jd, %jd) is half-open, like Python's range: it ends "
	      "at %jd; 1 to %jd is 'range-sum 1 %jd'",
	      (intmax_t)start, (intmax_t)end, (intmax_t)end - 1, (intmax_t)end,
	      (intmax_t)end + 1);
}

/*
 * --time: what time(1) would say, on one line.  The CPU time is the
 * process's and its waited-for children's (--procs), user and system.
 */
static void
report_time(int64_t t0)
{
	struct rusage self, kids;
	int64_t cpu = 0;

	if (getrusage(RUSAGE_SELF, &self) == 0)
		cpu += tv_to_ns(self.ru_utime) + tv_to_ns(self.ru_stime);
	if (getrusage(RUSAGE_CHILDREN, &kids) == 0)
		cpu += tv_to_ns(kids.ru_utime) + tv_to_ns(kids.ru_stime);
	fprintf(stderr, "range-sum: wall %.2f s, cpu %.2f s\n",
		(now_ns(CLOCK_MONOTONIC) - t0) / 1e9, cpu / 1e9);
}

/*
 * An operand that is an option's value gone astray: "--progress always"
 * (the value needs an '='), "--switch-interval 5 ms" (the unit is part
 * of the duration).  Says so, rather than "extra operand".
 */
static void
stray_value(const char *op)
{
	static const char *const units[] = {"ns", "us", "ms", "s", "m", "h"};
	size_t i;

	if (progressbare && strcmp(op, "always") == 0)
		cli_usage_error("--progress always: the value goes after an "
				"'=', as --progress=always");
	for (i = 0; bareunitopt != NULL && i < sizeof(units) / sizeof(*units);
	     i++)
		if (strcmp(op, units[i]) == 0)
			cli_usage_error("%s %s %s: a duration is one word, "
					"as %s%s",
					bareunitopt, bareunitval, op,
					bareunitval, op);
}

/*
 * The operands: start end, or index start end as range-split -i writes
 * them (so that "range-split -i ... | xargs -L 1 range-sum" works as the
 * filter does); the index is checked, then left out.
 */
static void
operands(int argc, char **argv, int64_t *start, int64_t *end)
{
	/* Neither "always" nor a unit is a number: never a range's. */
	stray_value(argv[0]);
	/* As GNU parallel passes a line "0 50000000" without --colsep. */
	if (argc == 1 && argv[0][strcspn(argv[0], " \t")] != '\0')
		cli_usage_error("the operand '%s' holds a blank: start and end "
				"must be two operands (GNU parallel: add "
				"--colsep ' ')",
				cli_quote(argv[0]));
	if (argc == 1)
		cli_usage_error("missing operand: need start end");
	if (argc > 3)
		cli_usage_error("extra operand '%s'", cli_quote(argv[3]));
	if (argc == 3 && rec_is_record(argv[0], argv[1], argv[2]))
		cli_usage_error("'%s %s %s' is " REC_NOT_A_RANGE,
				cli_quote(argv[0]), cli_quote(argv[1]),
				cli_quote(argv[2]));
	if (argc == 3) {
		cli_num_arg("index", argv[0], 0, INT64_MAX);
		argv++;
	}
	*start = cli_num_arg("start", argv[0], INT64_MIN, INT64_MAX);
	*end = cli_num_arg("end", argv[1], INT64_MIN, INT64_MAX);
	if (*start > *end)
		cli_usage_error("start %jd is greater than end %jd",
				(intmax_t)*start, (intmax_t)*end);
}

/* RANGETOOLS_KERNEL forces a kernel: see ENVIRONMENT in range-sum(1). */
static void
use_kernel(void)
{
	const char *name = getenv("RANGETOOLS_KERNEL"), *why;

	if ((why = kernel_use(name)) != NULL)
		errx(2, "RANGETOOLS_KERNEL=%s: %s (kernels: %s)",
		     cli_quote(name), why, kernel_list());
}

int
main(int argc, char *argv[])
{
	struct sink *out;
	int64_t start = 0, end = 0, t0 = now_ns(CLOCK_MONOTONIC);
	int rv, tty;

	/* Before any thread: SIGINT, SIGTERM and SIGHUP go to stopsig.c. */
	stopsig_start();
	argv = cli_numeric_operands(&cmd, &argc, argv);
	parse_options(argc, argv);
	check_options();
	use_kernel();
	argc -= optind;
	argv += optind;
	if (argc > 0)
		operands(argc, argv, &start, &end);
	if (stopflag && argc > 0)
		cli_usage_error("--stop sends STOP alone: no operands");
	if (tracepath != NULL)
		opts.trace = open_trace();
	/* Asked now: sink_close() closes stdout. */
	tty = isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
	out = sink_open(mqname, shmname, tflag, stopflag);
	if (stopflag)
		rv = sink_stop(out);
	else
		rv = argc > 0 ? sum_one(out, start, end) : sum_lines(out);
	if (opts.trace != NULL && trace_close(opts.trace) != 0)
		rv = -1;
	if (sink_close(out) != 0)
		rv = -1;
	if (rv == 0 && argc > 0 && mqname == NULL && shmname == NULL)
		seq_hint(tty, start, end);
	if (timeflag)
		report_time(t0);
	if (rv != 0 && ipc_reader_gone)
		return IPC_EXIT_GONE;
	return rv == 0 ? 0 : 1;
}
