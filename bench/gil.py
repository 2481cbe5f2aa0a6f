#!/usr/bin/env python3
"""gil.py: the model's lock and CPython's GIL side by side (make gil).

    python3 bench/gil.py [--seconds s] [--out dir] [--no-plot] [--no-convoy]
                         [--no-echo | --only-echo] [--chrt]

For switch intervals 5 ms, 1 ms, 100 us, 10 us and 1 us and for 2 and 4
threads, runs `range-sum --threads N --gil --switch-interval D --trace`
and bench/gil_record.py (CPython, sys.setswitchinterval(D)) on about
SECONDS (default 1) of one thread's work each, analyses both traces with
bench/gil_analyze.py and prints per cell: hand-offs/s, hold p50 and p99,
each thread's share of the run, failed wake-ups per hand-off (badness)
and the slowdown against one thread, model beside CPython with their
ratio.  Then the convoy: an I/O-bound thread's round-trips next to 0, 1
and 2 CPU-bound threads at 5 ms and 100 us.  Then Skvortsov's echo
server: requests/s of an echo thread beside 1, 2 and 4 CPU-bound threads
at 5 ms and 1 at 10 us, CPython's (bench/echo_server.py) and the
model's (OUT/echo.csv, OUT/echo.png).  Writes OUT/gil.csv,
OUT/convoy.csv, the traces, OUT/together.json (the model's and CPython's
trace for 2 threads at 100 us as two processes of one timeline, for
Perfetto), and OUT/gil.png (gnuplot): Beazley-style
timelines, the model above CPython, and hand-offs/s against the switch
interval.  OUT defaults to bench/out.  PYTHON (default python3) is the
CPython measured; RANGETOOLS_BIN the directory of range-sum.

The figures are one run on a machine that may be busy: a ratio says
more than a figure, and a second run says how much they move.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gil_analyze  # noqa: E402
import gil_record  # noqa: E402
from benchlib import Runner, bindir, cpu_info  # noqa: E402

INTERVALS_US = [5000, 1000, 100, 10, 1]
THREADS = [2, 4]
CONVOY_US = [5000, 100]
# The echo-server experiment's cells: (CPU threads, switch interval us).
ECHO_CELLS = [(1, 5000), (2, 5000), (4, 5000), (1, 10)]
ECHO_SECONDS = 3.0
CONVOY_CPU = [0, 1, 2]
ROUNDTRIPS = 300
# The I/O thread's sleep: CPython's time.sleep of this length, and the
# model's --io-wait of what that sleep takes (sleep_takes()).
MODEL_IO = "1us"


def sleep_takes(d, n=300):
    """What CPython's time.sleep(D) takes, the median of N, as an --io-wait
    duration.  It keeps Linux's default timer slack (50 us) and wakes
    late: about 60 us for 1 us here.  range-sum --io-wait waits the
    length it is given, so the model sleeps what CPython's sleep took."""
    code = ("import statistics, time; d = %r; t = []\n"
            "for _ in range(%d):\n"
            "    a = time.perf_counter_ns(); time.sleep(d)\n"
            "    t.append(time.perf_counter_ns() - a)\n"
            "print(int(statistics.median(t)))" % (d, n))
    out = subprocess.run([python(), "-c", code], stdout=subprocess.PIPE,
                         text=True, check=True).stdout
    return "%dns" % int(out)


def range_sum():
    return os.path.join(bindir(), "range-sum")


def python():
    return os.environ.get("PYTHON", "python3")


class Session:
    """One run of make gil: where it writes, how long a cell sums, and
    what it has learnt: the model's range for that time, and the CPython
    traces already recorded (the convoy reuses the table's)."""

    def __init__(self, out, seconds):
        self.out = out
        self.seconds = seconds
        self.runner = Runner(None)
        self.mend = 0
        self.recorded = set()

    def run(self, cmd):
        """Runs CMD; its wall time in seconds.  Exits if it fails."""
        return self.runner.must(cmd, "gil.py").wall


def model_end(s):
    """The range one model thread sums in about s.seconds."""
    e = 10 ** 9
    while True:
        t = s.run([range_sum(), "0", str(e)])
        if t > 0.2 or e >= 10 ** 17:
            return int(e * s.seconds / t)
        e *= 10


def model_trace(s, path, threads, us, end):
    cmd = [range_sum(), "--threads", str(threads), "--gil",
           "--switch-interval", "%dus" % us, "--trace", path, "0", str(end)]
    return s.run(cmd)


def cpython_trace(s, path, threads, us, end):
    cmd = [python(), os.path.join(HERE, "gil_record.py"), "-t", str(threads),
           "-s", "%dus" % us, "--end", str(end), "-o", path]
    return s.run(cmd)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def f(v, spec):
    return "-" if v is None else spec % v


def share(r):
    return "/".join("%.0f" % (100 * s) for s in r["share"].values()) or "-"


def cells(s):
    out, seconds = s.out, s.seconds
    mend = s.mend = model_end(s)
    # One CPython thread sums about 35 million integers a second here;
    # gil_record.py calibrates itself, once, for the whole table.
    cal = subprocess.run(
        [python(), "-c", "import sys; sys.path.insert(0, %r); "
         "import gil_record; print(int(gil_record.calibrate(200) * %f))"
         % (HERE, seconds)], stdout=subprocess.PIPE, text=True, check=True)
    pend = int(cal.stdout)
    base_m = s.run([range_sum(), "--threads", "1", "--gil", "0", str(mend)])
    base_p = gil_analyze.analyze(gil_analyze.load(_cp(s, 1, 5000, pend)))
    base_p = base_p["wall_us"] / 1e6
    # For the free-threaded build's cost against this one.
    s.pend, s.base_p = pend, base_p
    print("One thread: model sums [0, %d) in %.2f s, CPython [0, %d) in "
          "%.2f s." % (mend, base_m, pend, base_p))
    hdr = ("%-5s %7s | %-21s | %-21s | %-21s | %-13s | %-11s | %-13s" % (
        "thr", "switch", "hand-offs/s  m/C", "hold p50 us  m/C",
        "hold p99 us  m/C", "share % m|C", "badness m|C", "slowdown m|C"))
    print(hdr)
    print("-" * len(hdr))
    rows = []
    for n in THREADS:
        for us in INTERVALS_US:
            mp = os.path.join(out, "model-t%d-%dus.json" % (n, us))
            mw = model_trace(s, mp, n, us, mend)
            m = gil_analyze.analyze(gil_analyze.load(mp))
            c = gil_analyze.analyze(gil_analyze.load(_cp(s, n, us, pend)))
            m["slowdown"] = mw / base_m
            c["slowdown"] = c["wall_us"] / 1e6 / base_p
            rh = ratio(m["handoffs_per_s"], c["handoffs_per_s"])
            r50 = ratio(m["hold_p50_us"], c["hold_p50_us"])
            r99 = ratio(m["hold_p99_us"], c["hold_p99_us"])
            print("%-5d %7s | %7s %7s %5s | %7s %7s %5s | %7s %7s %5s | "
                  "%-13s | %5s %5s | %5s %5s" % (
                      n, "%dus" % us,
                      f(m["handoffs_per_s"], "%.0f"),
                      f(c["handoffs_per_s"], "%.0f"), f(rh, "%.2f"),
                      f(m["hold_p50_us"], "%.0f"),
                      f(c["hold_p50_us"], "%.0f"), f(r50, "%.2f"),
                      f(m["hold_p99_us"], "%.0f"),
                      f(c["hold_p99_us"], "%.0f"), f(r99, "%.2f"),
                      share(m) + "|" + share(c),
                      f(m["badness"], "%.3f"), f(c["badness"], "%.3f"),
                      f(m["slowdown"], "%.2f"), f(c["slowdown"], "%.2f")),
                  flush=True)
            rows.append((n, us, m, c, rh, r50, r99))
    with open(os.path.join(out, "gil.csv"), "w") as fh:
        fh.write("threads,switch_us,model_handoffs_s,cpython_handoffs_s,"
                 "ratio_handoffs,model_hold_p50_us,cpython_hold_p50_us,"
                 "ratio_hold_p50,model_hold_p99_us,cpython_hold_p99_us,"
                 "ratio_hold_p99,model_share,cpython_share,model_badness,"
                 "cpython_badness,model_slowdown,cpython_slowdown\n")
        for n, us, m, c, rh, r50, r99 in rows:
            fh.write(",".join(str(x) for x in (
                n, us, _n(m["handoffs_per_s"]), _n(c["handoffs_per_s"]),
                _n(rh), _n(m["hold_p50_us"]), _n(c["hold_p50_us"]), _n(r50),
                _n(m["hold_p99_us"]), _n(c["hold_p99_us"]), _n(r99),
                share(m), share(c), _n(m["badness"]), _n(c["badness"]),
                _n(m["slowdown"]), _n(c["slowdown"]))) + "\n")
    return rows


def _cp(s, n, us, end):
    """CPython's trace for N threads at US, recorded once."""
    p = os.path.join(s.out, "cpython-t%d-%dus.json" % (n, us))
    if p not in s.recorded:
        cpython_trace(s, p, n, us, end)
        s.recorded.add(p)
    return p


def _n(v):
    if v is None:
        return ""
    return str(v) if isinstance(v, int) else "%.4g" % v


def convoy(s):
    """The I/O thread's round-trips next to 0, 1 and 2 CPU threads."""
    out = s.out
    model_io = sleep_takes(gil_record.duration(MODEL_IO))
    print()
    print("The convoy: %d round-trips of an I/O-bound thread next to CPU-bound"
          " threads, each\nuntil it holds the lock again.  A byte through a "
          "pipe and back: CPython through cat(1),\nthe model answering a client "
          "thread (--io-threads 1 --io-echo).  A sleep: CPython\n"
          "time.sleep(%s), the model --io-threads 1 --io-wait %s (what "
          "that sleep takes,\nits median here).  The model's "
          "I/O thread runs as long as the summing:\n"
          "its total is its mean times %d."
          % (ROUNDTRIPS, MODEL_IO, model_io, ROUNDTRIPS))
    hdr = "%7s %3s | %-28s | %-28s | %-28s" % (
        "switch", "cpu", "total ms: pipe m|C sleep m|C",
        "p50 us: pipe m|C sleep m|C", "p99 us: pipe m|C sleep m|C")
    print(hdr)
    print("-" * len(hdr))
    rows = []
    g = (lambda r, key: None if r is None else r[key])
    for us in CONVOY_US:
        for k in CONVOY_CPU:
            res = {}
            for kind, extra in (("cat", []), ("sleep", ["--io-sleep",
                                                        MODEL_IO])):
                cp = os.path.join(out, "convoy-cpython-%s-%dus-%d.json" % (
                    kind, us, k))
                s.run([python(), os.path.join(HERE, "gil_record.py"), "-t",
                     str(k), "--io", "--roundtrips", str(ROUNDTRIPS), "-s",
                     "%dus" % us, "-o", cp] + extra)
                res[kind] = gil_analyze.analyze(gil_analyze.load(cp))
            for kind, io in (("echo", ["--io-echo"]),
                             ("model", ["--io-wait", model_io])):
                mp = os.path.join(out, "convoy-%s-%dus-%d.json" % (
                    kind, us, k))
                # Alone: one thread whose every chunk is a round-trip;
                # else an --io-threads thread while K threads sum.
                if k == 0:
                    cmd = ["--threads", "1", "--gil"] + io + [
                        "0", str(ROUNDTRIPS * 16384)]
                else:
                    cmd = ["--threads", str(k), "--gil"] + io + [
                        "--io-threads", "1", "0",
                        str(int(s.mend * s.seconds))]
                s.run([range_sum(), "--switch-interval", "%dus" % us,
                       "--trace", mp] + cmd)
                m = gil_analyze.analyze(gil_analyze.load(mp))
                if m["io_roundtrips"]:
                    m["io_total_ms"] *= ROUNDTRIPS / m["io_roundtrips"]
                res[kind] = m
            me, c, m, cs = res["echo"], res["cat"], res["model"], res["sleep"]
            cols = []
            for key, fm in (("io_total_ms", "%.1f"), ("io_p50_us", "%.0f"),
                            ("io_p99_us", "%.0f")):
                cols.append("%6s %6s %6s %6s" % tuple(
                    f(g(r, key), fm) for r in (me, c, m, cs)))
            print("%7s %3d | %s | %s | %s" % (("%dus" % us, k) + tuple(cols)),
                  flush=True)
            rows.append((us, k, me, c, m, cs))
    # The CSV: per statistic, the four runs in the order printed.
    runs = (("model_pipe", 2), ("cpython_cat", 3), ("model_sleep", 4),
            ("cpython_sleep", 5))
    stats = ("roundtrips", "total_ms", "p50_us", "p99_us")
    with open(os.path.join(out, "convoy.csv"), "w") as fh:
        fh.write(",".join(["switch_us", "cpu_threads"] + [
            "%s_%s" % (name, st) for st in stats for name, _ in runs]) + "\n")
        for row in rows:
            fh.write(",".join([str(row[0]), str(row[1])] + [
                _n(g(row[i], "io_" + st)) for st in stats
                for _, i in runs]) + "\n")
    return rows


# --chrt: the echo cells run under SCHED_FIFO (chrt -f 1, root), both
# sides, so that a woken thread runs at once, as on an idle machine.
ECHO_PREFIX = []


def cpu_family():
    """The CPU's model name with its family and model numbers (x86's
    /proc/cpuinfo): the echo cells hang on how soon a thread wakes."""
    f = {}
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                k, _, v = line.partition(":")
                f.setdefault(k.strip(), v.strip())
    except OSError:
        pass
    return "%s, family %s model %s" % (f.get("model name", "?"),
                                       f.get("cpu family", "?"),
                                       f.get("model", "?"))


def echo_cpython(k, us):
    """CPython's echo server beside K CPU threads at US: requests/s, or
    the reason it failed (a str)."""
    try:
        p = subprocess.run(ECHO_PREFIX + [
                            python(), os.path.join(HERE, "echo_server.py"),
                            "-c", str(k), "-s", "%dus" % us, "-t",
                            str(ECHO_SECONDS)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        return "%s: %s" % (python(), e)
    words = p.stdout.split()
    if p.returncode != 0 or len(words) < 2 or words[0] != "rps":
        return "%s bench/echo_server.py failed (%d): %s" % (
            python(), p.returncode, (p.stderr.strip().splitlines()
                                     or ["no output"])[-1])
    return float(words[1])


def echo_model(s, k, us, end):
    """The model's echo server (--io-threads 1 --io-echo) beside K summing
    threads at US: the requests it answered per second of the run."""
    r = s.runner.must(ECHO_PREFIX + [range_sum(), "--threads", str(k), "--gil",
                       "--switch-interval", "%dus" % us, "--io-threads", "1",
                       "--io-echo", "--stats", "0", str(end)], "gil.py")
    for line in r.err.splitlines():
        if line.startswith("range-sum: io calls: "):
            return int(line.split()[3].rstrip(",")) / r.wall
    sys.exit("gil.py: no io calls line from range-sum --stats:\n" + r.err)


def echo_server(s):
    """Skvortsov's echo-server experiment: requests/s of an echo thread
    beside CPU-bound threads, CPython's and the model's, one row a cell;
    [] if CPython's could not run (one line says why)."""
    print()
    print("The echo server (Skvortsov, \"Python behind the scenes #13\", "
          "2021): an echo thread\nbeside CPU-bound threads, a client in "
          "another process sending one byte and\nwaiting for it, %g s a "
          "cell.  CPython: bench/echo_server.py; the model:\nrange-sum "
          "--gil --io-threads 1 --io-echo, its client a thread without the "
          "lock.%s" % (ECHO_SECONDS, "  Both under chrt -f 1 (SCHED_FIFO)."
                       if ECHO_PREFIX else ""))
    print("CPU: %s" % cpu_family())
    alone = echo_cpython(0, 5000)
    if isinstance(alone, str):
        print("echo server: CPython's rows skipped: %s" % alone)
        return []
    end = int((s.mend or model_end(s)) * ECHO_SECONDS / s.seconds)
    hdr = "%7s %3s | %9s %9s %6s" % ("switch", "cpu", "model/s",
                                      "CPython/s", "m/C")
    print("CPython alone (no CPU thread): %.0f requests/s" % alone)
    print(hdr)
    print("-" * len(hdr))
    rows = []
    for k, us in ECHO_CELLS:
        c = echo_cpython(k, us)
        if isinstance(c, str):
            print("echo server: CPython's rows skipped: %s" % c)
            return []
        m = echo_model(s, k, us, end)
        rows.append((k, us, m, c))
        print("%7s %3d | %9.0f %9.0f %6s" % (
            "%dus" % us, k, m, c, f(ratio(m, c), "%.2fx")), flush=True)
    with open(os.path.join(s.out, "echo.csv"), "w") as fh:
        fh.write("cpu_threads,switch_us,model_rps,cpython_rps\n")
        for k, us, m, c in rows:
            fh.write("%d,%d,%.1f,%.1f\n" % (k, us, m, c))
    return rows


def echo_targets(erows):
    """Each cell within 0.5-2x, and the cells in the same order."""
    met = total = 0
    for k, us, m, c in erows:
        r = ratio(m, c)
        ok = r is not None and 0.5 <= r <= 2.0
        met += ok
        total += 1
        print("  %s: echo server, %d CPU threads at %d us: model %.0f, "
              "CPython %.0f requests/s: %s" % (
                  "met" if ok else "NOT MET", k, us, m, c, f(r, "%.2fx")))
    if erows:
        order = (lambda i: [r[:2] for r in sorted(erows, key=lambda r: r[i])])
        ok = order(2) == order(3)
        met += ok
        total += 1
        print("  %s: echo server, the cells in the same order by "
              "requests/s" % ("met" if ok else "NOT MET"))
    return met, total


def echo_plot(out, erows, caption):
    """OUT/echo.png: requests/s per cell, the model beside CPython."""
    if not erows or not shutil.which("gnuplot"):
        return
    dat = os.path.join(out, "echo.dat")
    with open(dat, "w") as fh:
        for k, us, m, c in erows:
            fh.write("\"%d CPU thread%s\\n%s\" %.1f %.1f\n" % (
                k, "" if k == 1 else "s",
                "5 ms" if us == 5000 else "%d us" % us, m, c))
    script = "\n".join([
        "set terminal pngcairo size 900,520 font ',11'",
        "set output '%s'" % os.path.join(out, "echo.png"),
        "set title \"%s\" noenhanced" % "\\n".join(
            ["Echo server beside CPU-bound threads: requests/s "
             "(Skvortsov's experiment)%s" % (
                 ", both under chrt -f 1" if ECHO_PREFIX else ""),
             cpu_family()] + caption),
        "set style data histogram",
        "set style histogram cluster gap 1",
        "set style fill solid 0.8 border -1",
        "set logscale y",
        "set yrange [1:*]",
        "set ylabel 'requests/s (log)'",
        "set xlabel 'CPU-bound threads, switch interval' offset 0,-1",
        "set key top left",
        "set bmargin 6",
        "set grid ytics",
        "plot '%s' using 2:xtic(1) title 'model (range-sum --gil "
        "--io-threads 1 --io-echo)' lc rgb '#2a9d8f', '' using 3 title "
        "'CPython %s' lc rgb '#e76f51'" % (dat, _pyver()),
    ])
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    print("Picture: %s" % os.path.join(out, "echo.png"))


def targets(rows, crows, erows=()):
    """The targets for the ratios model/CPython, met or not."""
    print("\nTargets (model/CPython): hand-offs/s and hold p50 within "
          "0.75-1.33x at 5 ms, 1 ms\nand 100 us, within 0.5-2x at 10 us "
          "and 1 us; convoy total at 5 ms within 0.5-2x.")
    met = total = 0
    for n, us, m, c, rh, r50, r99 in rows:
        lo, hi = (0.75, 1.33) if us >= 100 else (0.5, 2.0)
        for what, r in (("hand-offs/s", rh), ("hold p50", r50)):
            if r is None:
                continue  # no figure: a trace without hand-offs
            ok = lo <= r <= hi
            met += ok
            total += 1
            if not ok:
                print("  NOT MET: %d threads, %d us, %s: %s" % (
                    n, us, what, f(r, "%.2fx")))
    for us, k, me, c, m, cs in crows:
        if us != 5000 or k == 0:
            continue
        # Like against like: the pipe round-trips, then the sleeps.
        for what, mm, cc in (("pipe", me, c), ("sleep", m, cs)):
            r = ratio(mm["io_total_ms"], cc["io_total_ms"])
            ok = r is not None and 0.5 <= r <= 2.0
            met += ok
            total += 1
            print("  %s: convoy at 5 ms, %d CPU threads, %s: model %s ms, "
                  "CPython %s ms for %d round-trips: %s" % (
                      "met" if ok else "NOT MET", k, what,
                      f(mm["io_total_ms"], "%.1f"),
                      f(cc["io_total_ms"], "%.1f"), ROUNDTRIPS,
                      f(r, "%.2fx")))
    em, et = echo_targets(erows)
    print("  %d of %d met." % (met + em, total + et))


def busiest(trace, span):
    """The start of the SPAN us of TRACE with the most holds starting,
    among those in which every thread has begun and none has ended (a
    thread done early would leave its lane blank), if any is."""
    ev = [e for e in gil_analyze.load(trace)["traceEvents"]
          if e.get("ph") == "X"]
    first, last = {}, {}
    for e in ev:
        first[e["tid"]] = min(first.get(e["tid"], e["ts"]), e["ts"])
        last[e["tid"]] = max(last.get(e["tid"], 0), e["ts"] + e["dur"])
    lo, hi = max(first.values(), default=0), min(last.values(), default=0)
    ts = sorted(e["ts"] for e in ev if e["name"] == "hold")
    if hi - lo >= span:
        ts = [t for t in ts if lo <= t <= hi - span] or ts
    best, start, j = -1, 0.0, 0
    for i, t in enumerate(ts):
        while j < len(ts) and ts[j] < t + span:
            j += 1
        if j - i > best:
            best, start = j - i, t
    return start


# The slices drawn as waiting for the lock.
WAITS = ("wait", "take", "forced_wait")


def timeline(trace, path, start_us, span_us):
    """The lanes of TRACE in [start, start+span), as gnuplot data, x in ms
    from START and y the thread's lane: "x0 x1 y0 y1" per hold in
    PATH.box, per wait in PATH.wait, per lock-free run in PATH.run, and
    "x y" per failed wake-up in PATH.red.  The model records its waits;
    CPython's progress stamps cannot see a waiting thread, but its threads
    are all CPU-bound, so a thread that does not hold the GIL waits for
    it: its waits are the gaps between its own holds.  Returns the
    number of lanes."""
    doc = gil_analyze.load(trace)
    t1 = start_us + span_us
    xs = (lambda a, b: ((max(a, start_us) - start_us) / 1000,
                        (min(b, t1) - start_us) / 1000))
    ev = [e for e in doc["traceEvents"] if e.get("ph") == "X"]
    lanes = max([e["tid"] for e in ev] + [1])
    # The model's "wait" (and "take", for its mutex, and "forced_wait",
    # after a forced switch until another thread has the lock) slices;
    # CPython's recorder writes "take" slices of its own, as range-sum's
    # trace does.
    waits = [e for e in ev if e["name"] in WAITS]
    if not waits:
        holds = {}
        for e in ev:
            if e["name"] == "hold":
                holds.setdefault(e["tid"], []).append(
                    (e["ts"], e["ts"] + e["dur"]))
        for tid, hs in holds.items():
            hs.sort()
            for (a0, a1), (b0, b1) in zip(hs, hs[1:]):
                if b0 > a1:
                    waits.append({"name": "wait", "tid": tid, "ts": a1,
                                  "dur": b0 - a1})
    with open(path + ".box", "w") as box, open(path + ".red", "w") as red, \
            open(path + ".wait", "w") as wait, \
            open(path + ".run", "w") as run_:
        for fh in (box, wait, run_):
            fh.write("# x0 x1 y0 y1\n")
        red.write("# x y\n")
        for e in ev + [w for w in waits if "ph" not in w]:
            a, b = e["ts"], e["ts"] + e["dur"]
            if b < start_us or a > t1:
                continue
            y = e["tid"]
            x0, x1 = xs(a, b)
            if e["name"] == "hold":
                box.write("%.4f %.4f %.2f %.2f\n" % (x0, x1, y - 0.38,
                                                     y + 0.38))
            elif e["name"] == "run":
                run_.write("%.4f %.4f %.2f %.2f\n" % (x0, x1, y - 0.38,
                                                      y + 0.38))
            elif e["name"] in WAITS:
                wait.write("%.4f %.4f %.2f %.2f\n" % (x0, x1, y - 0.12,
                                                      y + 0.12))
                if (e.get("args", {}).get("woken") == "signal"
                        and e.get("args", {}).get("acquired") is False):
                    red.write("%.4f %d\n" % ((b - start_us) / 1000, y))
    return lanes


def lanes_overlap(trace):
    """Of a two-thread trace's run (or hold) slices: the microseconds in
    which both threads ran at once, and in which at least one ran."""
    doc = gil_analyze.load(trace)
    edges = []
    for e in doc["traceEvents"]:
        if e.get("ph") == "X" and e["name"] in ("run", "hold") \
                and e.get("tid") in (1, 2):
            edges.append((e["ts"], 1))
            edges.append((e["ts"] + e["dur"], -1))
    edges.sort(key=lambda x: (x[0], x[1]))
    both = some = 0.0
    n, prev = 0, None
    for t, d in edges:
        if prev is not None:
            if n >= 2:
                both += t - prev
            if n >= 1:
                some += t - prev
        n += d
        prev = t
    return both, some


def overlap_lane(trace, path, lane):
    """PATH.both: the stretches where threads 1 and 2 both run, drawn in
    lane LANE (x in ms from the trace's start)."""
    doc = gil_analyze.load(trace)
    edges = sorted((t, d) for e in doc["traceEvents"]
                   if e.get("ph") == "X" and e["name"] == "run"
                   and e.get("tid") in (1, 2)
                   for t, d in ((e["ts"], 1), (e["ts"] + e["dur"], -1)))
    with open(path + ".both", "w") as fh:
        fh.write("# x0 x1 y0 y1\n")
        n, since = 0, None
        for t, d in edges:
            n += d
            if n >= 2 and since is None:
                since = t
            elif n < 2 and since is not None:
                fh.write("%.4f %.4f %.2f %.2f\n" % (
                    since / 1000, t / 1000, lane - 0.38, lane + 0.38))
                since = None


def find_ft():
    """A free-threaded CPython: PYTHON_FT, else the one make python-ft
    built into its cache; None if there is none that runs without the
    GIL."""
    cands = [os.environ["PYTHON_FT"]] if os.environ.get("PYTHON_FT") else []
    cache = os.environ.get("RANGETOOLS_PYTHON_FT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME")
        or os.path.join(os.path.expanduser("~"), ".cache"),
        "rangetools", "python-ft")
    bindir_ = os.path.join(cache, "bin")
    if not cands and os.path.isdir(bindir_):
        cands = sorted(os.path.join(bindir_, x) for x in os.listdir(bindir_)
                       if x.startswith("python3.") and x.endswith("t"))
    for c in cands:
        p = subprocess.run([c, "-c", "import sys; "
                            "sys.exit(sys._is_gil_enabled())"],
                           env=dict(os.environ, PYTHON_GIL="0"),
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        if p.returncode == 0:
            return c
    return None


def free_threaded(s, ft):
    """The article's loop on free-threaded CPython FT, 1 and 2 threads on
    the same range, recorded; the model's two threads without the lock
    beside it.  Prints the speed-up, one thread's cost against the GIL
    build (s.base_p seconds for [0, s.pend)) and how much the two lanes
    overlap.  Returns the figures for the plot."""
    out, seconds, base_p, pend = s.out, s.seconds, s.base_p, s.pend
    env = dict(os.environ, PYTHON_GIL="0")
    cal = subprocess.run(
        [ft, "-c", "import sys; sys.path.insert(0, %r); "
         "import gil_record; print(int(gil_record.calibrate(200) * %f))"
         % (HERE, seconds)], stdout=subprocess.PIPE, text=True, check=True,
        env=env)
    end = int(cal.stdout)
    walls = {}
    for n in (1, 2):
        tr = os.path.join(out, "cpython-ft-t%d.json" % n)
        p = subprocess.run([ft, os.path.join(HERE, "gil_record.py"), "-t",
                            str(n), "--end", str(end), "-o", tr], env=env,
                           stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            print("(free-threaded %s failed: %s)" % (ft, p.stderr.strip()))
            return None
        walls[n] = gil_analyze.load(tr)["otherData"]["wall_us"] / 1e6
    ver = subprocess.run([ft, "-c", "import platform; "
                          "print(platform.python_version())"], env=env,
                         stdout=subprocess.PIPE, text=True).stdout.strip()
    both, some = lanes_overlap(os.path.join(out, "cpython-ft-t2.json"))
    mtr = os.path.join(out, "model-nogil-t2.json")
    r = {"version": ver, "python": ft, "end": end, "t1": walls[1],
         "t2": walls[2], "speedup": walls[1] / walls[2],
         "overlap": both / some if some else 0.0,
         "cost": (walls[1] / end) / (base_p / pend)}
    s.run([range_sum(), "--threads", "2", "--trace", mtr, "0", str(s.mend)])
    mb, ms = lanes_overlap(mtr)
    r["model_overlap"] = mb / ms if ms else 0.0
    gb, gs = lanes_overlap(os.path.join(out, "cpython-t2-5000us.json"))
    r["gil_overlap"] = gb / gs if gs else 0.0
    print("\nFree-threaded CPython %s (%s, PYTHON_GIL=0), the loop on "
          "[0, %d):\n  1 thread %.2f s, 2 threads %.2f s: %.2fx.  One "
          "thread costs %.2fx the time per integer of CPython %s with its "
          "GIL.\n  Both threads run at once for %.1f%% of the 2-thread run"
          " (CPython %s with its GIL: %.1f%%%s)." % (
              ver, ft, end, walls[1], walls[2], r["speedup"], r["cost"],
              _pyver(), 100 * r["overlap"], _pyver(), 100 * r["gil_overlap"],
              "" if r["model_overlap"] is None else
              "; the model without --gil: %.1f%%" % (
                  100 * r["model_overlap"])))
    with open(os.path.join(out, "free-threaded.csv"), "w") as fh:
        fh.write("python,version,end,wall_1_thread_s,wall_2_threads_s,"
                 "speedup,cost_vs_gil_build,overlap,gil_overlap,"
                 "model_overlap\n")
        fh.write(",".join(str(x) for x in (
            ft, ver, end, _n(walls[1]), _n(walls[2]), _n(r["speedup"]),
            _n(r["cost"]), _n(r["overlap"]), _n(r["gil_overlap"]),
            _n(r["model_overlap"]))) + "\n")
    return r


def plot(out, rows, ftr, caption):
    if not shutil.which("gnuplot"):
        print("(no gnuplot: no %s/gil.png)" % out)
        return
    py = "CPython %s" % _pyver()
    names = {"model": "model (range-sum --gil)", "cpython": py}
    # Timelines: 4 threads, 5 ms and 100 us, a stretch from mid-run; the
    # model above CPython.  Then the free-threaded run, whole.
    panes = []
    for us, span in ((5000, 60000), (100, 2000)):
        for tool in ("model", "cpython"):
            tr = os.path.join(out, "%s-t4-%dus.json" % (tool, us))
            if not os.path.exists(tr):
                continue
            base = os.path.join(out, "tl-%s-%dus" % (tool, us))
            lanes = timeline(tr, base, busiest(tr, span), span)
            panes.append(("%s, 4 threads, switch interval %s" % (
                names[tool], "5 ms" if us == 5000 else "100 us"),
                base, span, lanes))
    ftpanes = []
    if ftr:
        for tr, title in (
                (os.path.join(out, "model-nogil-t2.json"),
                 "model without the lock (range-sum --threads 2)"),
                (os.path.join(out, "cpython-ft-t2.json"),
                 "CPython %s free-threaded (no GIL)" % ftr["version"])):
            if not os.path.exists(tr):
                continue
            doc = gil_analyze.load(tr)
            span = max(e["ts"] + e["dur"] for e in doc["traceEvents"]
                       if e.get("ph") == "X")
            base = tr[:-5]
            timeline(tr, base, 0, span)
            overlap_lane(tr, base, 3)
            b, s_ = lanes_overlap(tr)
            ftpanes.append(("%s, 2 threads: both run %.0f%% of the time" % (
                title, 100 * b / s_ if s_ else 0), base, span, 3))
    with open(os.path.join(out, "handoffs.dat"), "w") as fh:
        fh.write("# threads switch_us model cpython\n")
        for n in THREADS:
            for r in rows:
                if r[0] == n:
                    fh.write("%d %d %s %s\n" % (
                        n, r[1], _n(r[2]["handoffs_per_s"]) or "NaN",
                        _n(r[3]["handoffs_per_s"]) or "NaN"))
            fh.write("\n\n")
    # Heights, as fractions of the image: the caption on top, the
    # timelines (at least half of the image), the hand-offs plot below.
    W, H = 1100, 1350
    cap_h, tl_h, ft_h = 0.1, 0.145, 0.125
    tl_rows = (len(panes) + 1) // 2
    top = 1 - cap_h
    g = ["set encoding utf8",
         "set terminal pngcairo size %d,%d font 'sans,10'" % (W, H),
         "set output '%s'" % os.path.join(out, "gil.png"),
         "set multiplot",
         "set style fill solid 1.0 noborder",
         "unset key"]
    # The caption: the machine, then what the colours mean.
    g += ["set size 1,%f" % cap_h, "set origin 0,%f" % top,
          "unset border", "unset tics", "unset xlabel", "unset ylabel",
          "set xrange [0:1]", "set yrange [0:1]",
          "set title \"The model's lock beside CPython's GIL (make gil)\" "
          "font 'sans,13'"]
    for k, line in enumerate(caption):
        g.append("set label %d \"%s\" at 0.01,%f left" % (
            k + 1, line.replace('"', "'"), 0.80 - 0.20 * k))
    # The legend, in the colours it names (two lines).
    legend = [[("\u25a0 holds the lock", "#2ca02c"),
               ("\u25ac waits for it (CPython: inferred, its every stretch "
                "without the GIL, as its threads are all CPU-bound)",
                "#ff9f1c"),
               ("\u25cf failed wake-up (model only)", "red")],
              [("\u25a0 runs, no lock", "#1f77b4"),
               ("\u25a0 both threads run at once", "#9467bd")]]
    n = 20
    for k, line in enumerate(legend):
        x = 0.01
        for text, colour in line:
            g.append("set label %d \"%s\" at %f,%f left tc rgb '%s'" % (
                n, text, x, 0.80 - 0.20 * (len(caption) + k), colour))
            x += 0.0058 * len(text) + 0.025
            n += 1
    g += ["plot NaN", "unset label", "set border", "set tics",
          "set xtics nomirror", "set ytics nomirror"]

    def lane_plot(title, base, span, lanes, origin, width, height, names):
        cmds = ["set size %f,%f" % (width, height),
                "set origin %f,%f" % origin,
                "set title \"%s\" font 'sans,10'" % title,
                "set xrange [0:%f]" % (span / 1000),
                "set yrange [0.45:%f]" % (lanes + 0.55),
                "set ytics (%s)" % ", ".join(
                    "'%s' %d" % (nm, k + 1) for k, nm in enumerate(names)),
                "set xlabel 'ms' offset 0,0.6"]
        parts = []
        for ext, colour in (("wait", "#ff9f1c"), ("box", "#2ca02c"),
                            ("run", "#1f77b4"), ("both", "#9467bd")):
            f = base + "." + ext
            if os.path.exists(f) and _points(f):
                parts.append("'%s' using (($1+$2)/2):(($3+$4)/2):1:2:3:4 "
                             "with boxxyerrorbars lc rgb '%s'" % (f, colour))
        if _points(base + ".red"):
            parts.append("'%s.red' using 1:2 with points pt 7 ps 0.5 "
                         "lc rgb 'red'" % base)
        return cmds + ["plot " + ", ".join(parts or ["NaN"])]

    threads4 = ["thread %d" % k for k in range(1, 5)]
    for i, (title, base, span, lanes) in enumerate(panes):
        col, row = (0 if "5 ms" in title else 1), i % 2
        g += lane_plot(title, base, span, lanes,
                       (0.5 * col, top - tl_h * (row + 1)), 0.5, tl_h,
                       threads4[:lanes])
    y = top - tl_h * tl_rows
    for i, (title, base, span, lanes) in enumerate(ftpanes):
        y -= ft_h
        g += lane_plot(title, base, span, lanes, (0, y), 1, ft_h,
                       ["thread 1", "thread 2", "both"])
    hd = os.path.join(out, "handoffs.dat")
    # The plateau: below 10 us the hand-offs stop following the interval
    # (near 10^4/s on a quiet machine).  The label gives this run's own
    # figures at 1 us, 2 threads, whatever they are.
    at1 = [r for r in rows if r[1] == min(INTERVALS_US) and r[0] == 2]
    plateau = ""
    if at1:
        m, c = at1[0][2], at1[0][3]
        plateau = ("\\nthis run, 1 us, 2 threads: %s and %s hand-offs/s, "
                   "median hold %s and %s us (model, CPython)" % (
                       f(m["handoffs_per_s"], "%.0f"),
                       f(c["handoffs_per_s"], "%.0f"),
                       f(m["hold_p50_us"], "%.0f"),
                       f(c["hold_p50_us"], "%.0f")))
    vals = [v for r in rows for v in (r[2]["handoffs_per_s"],
                                      r[3]["handoffs_per_s"]) if v]
    ylo = min(vals + [100]) / 2
    # Headroom above the curves for the plateau's label.
    yhi = max(vals + [10000]) * 12
    g += ["set size 1,%f" % y, "set origin 0,0",
          "set title 'Hand-offs per second against the switch interval'",
          "set logscale xy", "set xrange [0.7:7000]",
          "set yrange [%g:%g]" % (ylo, yhi),
          "set ytics auto", "set xtics auto",
          "set xlabel 'switch interval, us' offset 0,0",
          "set ylabel 'hand-offs/s'",
          "set key bottom left",
          "set style textbox opaque noborder",
          "set object 1 rect from 0.7,%g to 12,%g fc rgb '#eeeeee' "
          % (ylo, yhi) +
          "fs solid 1.0 noborder "
          "behind",
          "set label 1 \"The plateau: below 10 us a hand-off takes longer "
          "than the interval,\\nnear 10^4 hand-offs/s whatever the "
          "interval on a quiet machine%s\" at 0.8,%g left boxed front" % (
              plateau, yhi / 1.6),
          "plot %s" % ", ".join([
              "1e6/x with lines dt 3 lc rgb 'gray' "
              "title 'one hand-off per interval'"] + [
              "'%s' index %d using 2:%d with linespoints lw 2 pt %d %s "
              "lc rgb '%s' title '%s, %d threads'" % (
                  hd, k, col, pt, dt, ("#1f77b4", "#d62728")[k], who, n)
              for k, n in enumerate(THREADS)
              for col, pt, dt, who in ((3, 7, "", "model (range-sum --gil)"),
                                       (4, 5, "dt 2", py))]),
          "unset object 1", "unset multiplot"]
    gp = os.path.join(out, "gil.gp")
    with open(gp, "w") as fh:
        fh.write("\n".join(g) + "\n")
    subprocess.run(["gnuplot", gp], check=True)
    print("\nWrote %s (gnuplot script %s)." % (
        os.path.join(out, "gil.png"), gp))


def _points(path):
    with open(path) as fh:
        return any(not ln.startswith("#") for ln in fh)


def _pyver():
    """PYTHON's version, or "?" if it does not run."""
    try:
        return subprocess.run([python(), "-c", "import platform; "
                               "print(platform.python_version())"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True).stdout.strip() or "?"
    except OSError:
        return "?"


def together(out, n=2, us=100):
    """OUT/together.json: the model's trace and CPython's for N threads at
    US in one file, two processes with their real pids, each timed from
    its own start (both traces count from 0), the model first: Perfetto
    shows the two stacked on one time axis."""
    paths = [os.path.join(out, "%s-t%d-%dus.json" % (k, n, us))
             for k in ("model", "cpython")]
    if not all(os.path.exists(p) for p in paths):
        return None
    ev, other = [], {}
    for rank, (kind, p) in enumerate(zip(("model", "cpython"), paths)):
        d = gil_analyze.load(p)
        pids = {e["pid"] for e in d["traceEvents"] if "pid" in e}
        for pid in pids:
            ev.append({"name": "process_sort_index", "ph": "M", "pid": pid,
                       "args": {"sort_index": rank}})
        ev.extend(d["traceEvents"])
        other[kind] = dict(d.get("otherData", {}), pid=sorted(pids))
    dest = os.path.join(out, "together.json")
    with open(dest, "w") as f:
        json.dump({"traceEvents": ev, "displayTimeUnit": "ms",
                   "otherData": other}, f, separators=(",", ":"))
        f.write("\n")
    print("One timeline, the model above CPython (%d threads, %d us): %s"
          % (n, us, dest))
    return dest


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--no-plot", action="store_true")
    ap.add_argument("--no-convoy", action="store_true")
    ap.add_argument("--no-echo", action="store_true")
    ap.add_argument("--only-echo", action="store_true",
                    help="only the echo server's rows and picture")
    ap.add_argument("--chrt", action="store_true",
                    help="the echo cells under chrt -f 1 (root): a woken "
                    "thread runs at once, as on an idle machine")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    if a.chrt:
        ECHO_PREFIX[:] = ["chrt", "-f", "1"]
    s = Session(a.out, a.seconds)
    cpu = cpu_info()
    model = cpu["model"] if cpu["model"] != "unknown" else "?"
    flags = cpu["flags"]
    load = open("/proc/loadavg").read().split()[0] if os.path.exists(
        "/proc/loadavg") else "?"
    ft = find_ft()
    print("make gil: %s (%s), %d cores, load %s; CPython %s (%s)" % (
        model, "+".join(x for x in ("avx2", "avx512f") if x in flags),
        os.cpu_count(), load, _pyver(), python()))
    print("Free-threaded CPython: %s" % (
        ft or "none (make python-ft builds one; or PYTHON_FT=path)"))
    caption = [
        "%s (%s), %d cores, load %s at the start; %s" % (
            model, "+".join(x for x in ("avx2", "avx512f") if x in flags),
            os.cpu_count(), load,
            time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())),
        "CPython %s (%s) with its GIL beside range-sum --gil%s" % (
            _pyver(), python(),
            "; free-threaded: %s" % ft if ft else "")]
    print("m/C: model over CPython.  share: each thread's part of the run "
          "holding the lock.\nbadness: failed wake-ups per hand-off (CPython:"
          " not observable, see gil_analyze.py).\n")
    if a.only_echo:
        erows = echo_server(s)
        echo_targets(erows)
        if not a.no_plot:
            echo_plot(a.out, erows, caption)
        return
    rows = cells(s)
    together(s.out)
    crows = [] if a.no_convoy else convoy(s)
    erows = [] if a.no_echo else echo_server(s)
    targets(rows, crows, erows)
    ftr = None
    if ft:
        ftr = free_threaded(s, ft)
    if not a.no_plot:
        plot(a.out, rows, ftr, caption)
        echo_plot(a.out, erows, caption)
    print("CSV: %s" % ", ".join(os.path.join(a.out, x) for x in (
        "gil.csv", "convoy.csv") + (("echo.csv",) if erows else ())))


if __name__ == "__main__":
    main()
