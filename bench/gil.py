#!/usr/bin/env python3
"""gil.py: the model's lock and CPython's GIL side by side (make gil).

    python3 bench/gil.py [--seconds s] [--out dir] [--no-plot] [--no-convoy]

For switch intervals 5 ms, 1 ms, 100 us, 10 us and 1 us and for 2 and 4
threads, runs `range-sum --threads N --gil --switch-interval D --trace`
and bench/gil_record.py (CPython, sys.setswitchinterval(D)) on about
SECONDS (default 1) of one thread's work each, analyses both traces with
bench/gil_analyze.py and prints per cell: hand-offs/s, hold p50 and p99,
each thread's share of the run, failed wake-ups per hand-off (badness)
and the slowdown against one thread, model beside CPython with their
ratio.  Then the convoy: an I/O-bound thread's round-trips next to 0, 1
and 2 CPU-bound threads at 5 ms and 100 us.  Writes OUT/gil.csv,
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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gil_analyze  # noqa: E402
import gil_record  # noqa: E402
from benchlib import Runner, bindir, cpu_info  # noqa: E402

INTERVALS_US = [5000, 1000, 100, 10, 1]
THREADS = [2, 4]
CONVOY_US = [5000, 100]
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
          "pipe and back: CPython through cat(1),\nthe model through an echo "
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


def targets(rows, crows):
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
    print("  %d of %d met." % (met, total))


def busiest(trace, span):
    """The start of the SPAN us of TRACE with the most holds starting."""
    ts = sorted(e["ts"] for e in gil_analyze.load(trace)["traceEvents"]
                if e.get("name") == "hold")
    best, start, j = -1, 0.0, 0
    for i, t in enumerate(ts):
        while j < len(ts) and ts[j] < t + span:
            j += 1
        if j - i > best:
            best, start = j - i, t
    return start


def timeline(trace, path, start_us, span_us):
    """Hold boxes and failed wake-ups of TRACE in [start, start+span), as
    gnuplot data: "x0 x1 y0 y1" per hold in PATH.box, "x y" per failed
    wake-up in PATH.red; x in ms from START, y the thread's band."""
    doc = gil_analyze.load(trace)
    t1 = start_us + span_us
    with open(path + ".box", "w") as box, open(path + ".red", "w") as red:
        box.write("# x0 x1 y0 y1\n")
        red.write("# x y\n")
        for e in doc["traceEvents"]:
            if e.get("ph") != "X":
                continue
            a, b = e["ts"], e["ts"] + e["dur"]
            if b < start_us or a > t1:
                continue
            y = e["tid"]
            if e["name"] == "hold":
                box.write("%.3f %.3f %.2f %.2f\n" % (
                    (max(a, start_us) - start_us) / 1000,
                    (min(b, t1) - start_us) / 1000, y - 0.35, y + 0.35))
            elif (e["name"] == "wait"
                  and e.get("args", {}).get("woken") == "signal"
                  and e.get("args", {}).get("acquired") is False):
                red.write("%.3f %d\n" % ((b - start_us) / 1000, y))


def plot(out, rows):
    if not shutil.which("gnuplot"):
        print("(no gnuplot: no %s/gil.png)" % out)
        return
    # Timelines: 4 threads, 5 ms and 100 us, a stretch from mid-run.
    panes = []
    for us, span in ((5000, 60000), (100, 2000)):
        for tool in ("model", "cpython"):
            tr = os.path.join(out, "%s-t4-%dus.json" % (tool, us))
            if not os.path.exists(tr):
                continue
            base = os.path.join(out, "tl-%s-%dus" % (tool, us))
            timeline(tr, base, busiest(tr, span), span)
            panes.append((tool, us, span, base))
    with open(os.path.join(out, "handoffs.dat"), "w") as fh:
        fh.write("# threads switch_us model cpython\n")
        for n in THREADS:
            for r in rows:
                if r[0] == n:
                    fh.write("%d %d %s %s\n" % (
                        n, r[1], _n(r[2]["handoffs_per_s"]) or "NaN",
                        _n(r[3]["handoffs_per_s"]) or "NaN"))
            fh.write("\n\n")
    g = ["set terminal pngcairo size 900,820 font 'sans,9'",
         "set output '%s'" % os.path.join(out, "gil.png"),
         "set multiplot",
         "set style fill solid 1.0 noborder",
         "unset key"]
    names = {"model": "range-sum --gil",
             "cpython": "CPython %s" % _pyver()}
    h = 0.17
    for i, (tool, us, span, base) in enumerate(panes):
        col = 0 if us == 5000 else 1
        row = i % 2
        g += ["set size 0.5,%f" % h,
              "set origin %f,%f" % (0.5 * col, 1 - h * (row + 1) - 0.01),
              "set title \"%s, 4 threads, switch interval %s\"" % (
                  names[tool], "5 ms" if us == 5000 else "100 us"),
              "set xrange [0:%f]" % (span / 1000),
              "set yrange [0.4:4.6]",
              "set ytics ('t1' 1, 't2' 2, 't3' 3, 't4' 4)",
              "set xlabel 'ms'",
              "plot '%s.box' using (($1+$2)/2):(($3+$4)/2):1:2:3:4 "
              "with boxxyerrorbars lc rgb '#2ca02c'" % base
              + (", '%s.red' using 1:2 with points pt 7 ps 0.6 lc rgb 'red'"
                 % base if _points(base + ".red") else "")]
    hd = os.path.join(out, "handoffs.dat")
    g += ["set size 1,%f" % (1 - 2 * h - 0.03),
          "set origin 0,0",
          "set title 'Above: who holds the lock (green) and failed "
          "wake-ups (red).  Below: hand-offs per second against the "
          "switch interval'",
          "set logscale xy",
          "set xrange [0.7:7000]",
          "set autoscale y",
          "set ytics auto",
          "set xlabel 'switch interval, us'",
          "set ylabel 'hand-offs/s'",
          "set key top right",
          "plot '%s' index 0 using 2:3 with linespoints lw 2 pt 7 "
          "title 'model, 2 threads', "
          "'%s' index 0 using 2:4 with linespoints lw 2 pt 5 dt 2 "
          "title 'CPython, 2 threads', "
          "'%s' index 1 using 2:3 with linespoints lw 2 pt 7 "
          "title 'model, 4 threads', "
          "'%s' index 1 using 2:4 with linespoints lw 2 pt 5 dt 2 "
          "title 'CPython, 4 threads'" % (hd, hd, hd, hd),
          "unset multiplot"]
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
    return subprocess.run([python(), "-c", "import platform; "
                           "print(platform.python_version())"],
                          stdout=subprocess.PIPE, text=True).stdout.strip()


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
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    s = Session(a.out, a.seconds)
    cpu = cpu_info()
    model = cpu["model"] if cpu["model"] != "unknown" else "?"
    flags = cpu["flags"]
    load = open("/proc/loadavg").read().split()[0] if os.path.exists(
        "/proc/loadavg") else "?"
    print("make gil: %s (%s), %d cores, load %s; CPython %s (%s)" % (
        model, "+".join(x for x in ("avx2", "avx512f") if x in flags),
        os.cpu_count(), load, _pyver(), python()))
    print("m/C: model over CPython.  share: each thread's part of the run "
          "holding the lock.\nbadness: failed wake-ups per hand-off (CPython:"
          " not observable, see gil_analyze.py).\n")
    rows = cells(s)
    together(s.out)
    crows = [] if a.no_convoy else convoy(s)
    targets(rows, crows)
    if not a.no_plot:
        plot(a.out, rows)
    print("CSV: %s" % ", ".join(os.path.join(a.out, x) for x in (
        "gil.csv", "convoy.csv")))


if __name__ == "__main__":
    main()
