#!/usr/bin/env python3
"""gil_analyze.py: what a GIL trace says, in figures.

    python3 bench/gil_analyze.py [--json] [--check] trace.json ...

Reads Chrome Trace Event JSON as range-sum --gil --trace and
bench/gil_record.py write it, and prints per trace:

  handoffs/s   hold slices in time order whose thread differs from the
               previous one's, per second of the run
  hold p50/p99 nearest-rank percentiles of the hold slices' durations, us
  share        each thread's summed holds over the run's wall time
  badness      failed wake-ups per hand-off: "wait" slices with args
               {"woken":"signal","acquired":false} over the hand-offs.
               Only the model records waits; CPython's progress stamps
               cannot see a waiter at all (it runs no bytecode), so the
               recorder's traces give "-" here.
  io p50/p99   the convoy: for each "io" slice, the time from its start
               until its thread holds the lock again, counted only while
               some other thread still holds the lock afterwards (the
               CPU-bound threads are still running), us

The run's wall time is otherData.wall_us when present, else the span of
all slices.  --check also verifies the format: process and thread names
present, every slice with numeric ts/dur >= 0, and hold slices of
different threads never overlapping; it exits 1 naming the first fault.
--json prints one JSON object per trace instead of a line.
"""
import json
import math
import sys


def percentile(values, p):
    """Nearest rank: the smallest value with at least p% at or below."""
    if not values:
        return None
    v = sorted(values)
    return v[max(0, math.ceil(p / 100 * len(v)) - 1)]


def load(path):
    with open(path) as f:
        return json.load(f)


def check(doc):
    """The first fault in DOC's format, or None."""
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"),
                                                   list):
        return "no traceEvents list"
    ev = doc["traceEvents"]
    other = doc.get("otherData", {})
    for key in ("tool", "switch_interval_us", "threads"):
        if key not in other:
            return "otherData has no %s" % key
    if not any(e.get("ph") == "M" and e.get("name") == "process_name"
               for e in ev):
        return "no process_name metadata"
    named = {e.get("tid") for e in ev
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    for e in ev:
        if e.get("ph") == "X":
            ts, dur = e.get("ts"), e.get("dur")
            if not isinstance(ts, (int, float)) or not isinstance(
                    dur, (int, float)) or dur < 0 or ts < 0:
                return "bad ts/dur in %s" % json.dumps(e)
            if e.get("tid") not in named:
                return "thread %s has no thread_name" % e.get("tid")
    holds = sorted((e["ts"], e["ts"] + e["dur"], e["tid"]) for e in ev
                   if e.get("ph") == "X" and e.get("name") == "hold")
    for (a0, a1, at), (b0, b1, bt) in zip(holds, holds[1:]):
        # Timestamps have 3 decimals: a touching end is not an overlap.
        if at != bt and b0 < a1 - 0.0005:
            return "hold of thread %s at %s overlaps thread %s's at %s" % (
                bt, b0, at, a0)
    return None


def analyze(doc):
    ev = doc["traceEvents"]
    other = doc.get("otherData", {})
    xs = [e for e in ev if e.get("ph") == "X"]
    holds = sorted((e["ts"], e["dur"], e["tid"]) for e in xs
                   if e["name"] == "hold")
    if "wall_us" in other:
        wall = float(other["wall_us"])
    elif xs:
        wall = max(e["ts"] + e["dur"] for e in xs) - min(e["ts"] for e in xs)
    else:
        wall = 0.0
    handoffs = sum(1 for a, b in zip(holds, holds[1:]) if a[2] != b[2])
    tids = sorted({h[2] for h in holds})
    share = {t: sum(d for _, d, tid in holds if tid == t) / wall
             if wall else 0.0 for t in tids}
    waits = [e for e in xs if e["name"] == "wait"]
    failed = sum(1 for e in waits
                 if e.get("args", {}).get("woken") == "signal"
                 and e.get("args", {}).get("acquired") is False)
    # The convoy: each io slice lasts until its thread holds the lock
    # again: the end of the slice if a hold of the thread covers it (the
    # recorder's round-trip ends holding the GIL), else the start of the
    # thread's next hold (the model's io slice is the sleep alone).
    io = sorted((e["ts"], e["dur"], e["tid"]) for e in xs if e["name"] == "io")
    by_tid = {}
    for h in holds:
        by_tid.setdefault(h[2], []).append(h)
    others_end = {t: max((h[0] + h[1] for h in holds if h[2] != t),
                         default=None) for t in {i[2] for i in io}}
    lat = []
    for ts, dur, tid in io:
        end = ts + dur
        back = None
        for h0, hd, _ in by_tid.get(tid, ()):
            if h0 + hd >= end - 0.0005:
                back = max(h0, end)
                break
        if back is None:
            back = end
        if others_end[tid] is None or back <= others_end[tid]:
            lat.append(back - ts)
    return {
        "tool": other.get("tool"),
        "threads": other.get("threads"),
        "switch_interval_us": other.get("switch_interval_us"),
        "wall_us": wall,
        "holds": len(holds),
        "handoffs": handoffs,
        "handoffs_per_s": handoffs / (wall / 1e6) if wall else 0.0,
        "hold_p50_us": percentile([h[1] for h in holds], 50),
        "hold_p99_us": percentile([h[1] for h in holds], 99),
        "share": {str(t): share[t] for t in tids},
        "failed_wakeups": failed if waits else None,
        "badness": (failed / handoffs if handoffs else 0.0) if waits
        else None,
        "io_roundtrips": len(lat),
        "io_p50_us": percentile(lat, 50),
        "io_p99_us": percentile(lat, 99),
        "io_total_ms": sum(lat) / 1000,
    }


def fmt(v, spec="%.1f"):
    return "-" if v is None else spec % v


def line(path, r):
    share = "/".join("%.0f" % (100 * s) for s in r["share"].values())
    s = ("%s: %s, %s threads, switch %s us: %s hand-offs/s, hold p50 %s us"
         " p99 %s us, share %s%%, badness %s" % (
             path, r["tool"], r["threads"], r["switch_interval_us"],
             fmt(r["handoffs_per_s"]), fmt(r["hold_p50_us"]),
             fmt(r["hold_p99_us"]), share, fmt(r["badness"], "%.3f")))
    if r["io_roundtrips"]:
        s += ", io %d round-trips in %.1f ms, p50 %s us p99 %s us" % (
            r["io_roundtrips"], r["io_total_ms"], fmt(r["io_p50_us"]),
            fmt(r["io_p99_us"]))
    return s


def main():
    args = sys.argv[1:]
    as_json = "--json" in args
    do_check = "--check" in args
    paths = [a for a in args if a not in ("--json", "--check")]
    if not paths or any(p.startswith("-") and p != "-" for p in paths):
        sys.exit("usage: gil_analyze.py [--json] [--check] trace.json ...")
    status = 0
    for path in paths:
        try:
            doc = json.load(sys.stdin) if path == "-" else load(path)
        except (OSError, ValueError) as e:
            print("gil_analyze.py: %s: %s" % (path, e), file=sys.stderr)
            status = 1
            continue
        fault = check(doc) if do_check else None
        if fault:
            print("gil_analyze.py: %s: %s" % (path, fault), file=sys.stderr)
            status = 1
            continue
        r = analyze(doc)
        print(json.dumps(r) if as_json else line(path, r))
    sys.exit(status)


if __name__ == "__main__":
    main()
