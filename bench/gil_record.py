#!/usr/bin/env python3
"""gil_record.py: record real CPython's GIL hand-offs as a Chrome trace.

    python3 bench/gil_record.py [-t threads] [-s switch] [--seconds s | --end n]
                                [--block k] [--io [--roundtrips r]] [-o file]

Runs the article's loop (``for i in range(a, b): total += i``) on THREADS
threads under sys.setswitchinterval(SWITCH), and writes what the GIL did
in the Chrome Trace Event JSON that range-sum --gil --trace writes (one
"hold" slice per stretch a thread held the lock, a "take" slice for each
wait to take it again, a "switches" counter at each hand-off, thread and
process names, the real pid), for Perfetto, chrome://tracing or
bench/gil_analyze.py.

How: every BLOCK iterations (default 200, about 6 us of bytecode here)
each thread appends time.perf_counter_ns() to its own list.  The call
runs under the GIL, so merging all threads' stamps in time order gives
the order in which threads held the lock: a run of stamps of one thread
is one hold, and where the thread changes the lock changed hands.  No
root, no symbols, no probes; what it cannot see is documented in
bench/gil_analyze.py (failed wake-ups, and holds shorter than a block).

--io adds an I/O-bound thread (worker 1) next to the THREADS CPU-bound
ones (THREADS may be 0): it makes ROUNDTRIPS (default 300) one-byte
round-trips through cat(1) (os.write to its stdin, os.read from its
stdout; both release the GIL, and the read blocks until cat has echoed
the byte) while the CPU threads run the loop, until it is done.
Each round-trip is an "io" slice; it ends when the thread holds the GIL
again, so its length is the round-trip's latency (Beazley's convoy
effect).  --io-sleep D makes each round-trip a time.sleep(D) instead,
as range-sum --io-wait D does (both sleep in clock_nanosleep).

--perf also records the GIL itself, where perf(1) can put uprobes on
take_gil and drop_gil (root, and a libpython with symbols: pyenv's
builds have them, Debian's python3.11 is stripped): the holds then come
from take_gil's return to drop_gil's entry, and otherData keeps the
progress stamps' own figures ("progress_switches") to compare the two
methods.  The probes (group "rtgil") are removed afterwards.

Under a free-threaded CPython (3.13t with PYTHON_GIL=0,
sys._is_gil_enabled() false) there is no lock to hold: each thread's lane
is "run" slices from its own stamps, split only where a gap shows the
kernel had it off the CPU, and otherData.gil is false.  There the lanes
overlap wherever both threads ran at once.

SWITCH is a duration: 5ms, 100us, 1us or seconds (0.005).  --seconds
sizes the CPU work from a short calibration run (default 1 s of work).
"""
import argparse
import bisect
import json
import os
import platform
import subprocess
import sys
import threading
import time

clock = time.perf_counter_ns


def duration(word):
    """5ms, 200us, 1s, 10ns or plain seconds, as range-sum reads them."""
    w = word.strip()
    for unit, scale in (("ns", 1e-9), ("us", 1e-6), ("ms", 1e-3), ("s", 1.0)):
        if w.endswith(unit):
            return float(w[: -len(unit)]) * scale
    return float(w)


def number(word):
    """A decimal integer or rangetools' exact shorthand MeK (1e8)."""
    m, _, k = word.lower().partition("e")
    return int(m) * 10 ** int(k or 0)


def work(start, end, block, stamps, result, stop=None, tids=None):
    """The article's loop, with a progress stamp every BLOCK integers;
    with STOP, until that event is set.  TIDS gets the OS thread id."""
    if tids is not None:
        tids.append(threading.get_native_id())
    total = 0
    app = stamps.append
    app(clock())
    i = start
    while i < end if stop is None else not stop.is_set():
        upto = min(i + block, end)
        for j in range(i, upto):
            total += j
        app(clock())
        i = upto
    result.append(total)


def io_thread(stamps, slices, done, roundtrips, ready, tids, sleep):
    """ROUNDTRIPS one-byte pipe round-trips, then sets DONE.  Starts once
    every CPU thread has stamped (READY, a list of their stamp lists)."""
    tids.append(threading.get_native_id())
    echo = subprocess.Popen(["cat"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, bufsize=0)
    r, w = echo.stdout.fileno(), echo.stdin.fileno()
    app = stamps.append
    try:
        while not all(ready):
            time.sleep(0.001)
        time.sleep(0.01)  # let them settle into their loops
        app(clock())
        for _ in range(roundtrips):
            t0 = clock()
            if sleep is None:
                os.write(w, b"x")
                os.read(r, 1)
            else:
                time.sleep(sleep)
            t1 = clock()
            slices.append((t0, t1))
            app(t1)
    finally:
        done.set()
        echo.stdin.close()
        echo.wait()
        echo.stdout.close()


def calibrate(block):
    """Integers per second of the loop on one thread, briefly measured."""
    n = 2000000
    t0 = clock()
    work(0, n, block, [], [])
    return n / ((clock() - t0) / 1e9)


def holds_from_stamps(stamps, io=None):
    """Merges per-thread stamps into hold slices [(tid, start, end)].

    STAMPS maps tid to its ascending list of ns stamps.  A run of one
    thread's stamps in the merged order is one hold.  Its ends are widened
    by up to half of that thread's median gap between stamps (the
    bytecode it ran before the first and after the last stamp), but never
    past the middle of the gap to the neighbouring hold, so that holds do
    not overlap, nor into the thread's own io slices (IO maps tid to its
    [(start, end)] in time order): a hold ends where the thread's next
    blocking call begins and starts where its last one ended, so that
    a viewer sees them disjoint, not interleaved.
    """
    merged = sorted((t, tid) for tid, st in stamps.items() for t in st)
    half = {}
    for tid, st in stamps.items():
        gaps = sorted(b - a for a, b in zip(st, st[1:]))
        half[tid] = gaps[len(gaps) // 2] // 2 if gaps else 0
    io = io or {}
    starts = {tid: [x for x, _ in sl] for tid, sl in io.items()}
    ends = {tid: {y for _, y in sl} for tid, sl in io.items()}

    def blocked_between(tid, t, u):
        """Did TID begin a blocking call in [t, u)?"""
        st = starts.get(tid)
        return bool(st) and bisect.bisect_left(st, t) < \
            bisect.bisect_left(st, u)

    runs = []
    for t, tid in merged:
        if runs and runs[-1][0] == tid and \
                not blocked_between(tid, runs[-1][2], t):
            runs[-1][2] = t
        else:
            runs.append([tid, t, t])
    holds = []
    for k, (tid, a, b) in enumerate(runs):
        lo = a - half[tid]
        hi = b + half[tid]
        if k > 0:
            lo = max(lo, (runs[k - 1][2] + a) // 2)
        if k + 1 < len(runs):
            hi = min(hi, (b + runs[k + 1][1]) // 2)
        own = io.get(tid)
        if own:
            # An io slice ends when the thread holds the GIL again, and
            # its next call is where it lets go: unless another thread's
            # stamps come between, the hold spans the whole stretch.
            j = bisect.bisect_right(starts[tid], a)
            if j > 0:
                back = own[j - 1][1]
                lo = back if k == 0 or back >= runs[k - 1][2] else \
                    max(lo, back)
            if j < len(own):
                call = own[j][0]
                hi = call if k + 1 == len(runs) or call <= runs[k + 1][1] \
                    else min(hi, call)
        holds.append([tid, lo, hi])
    # Those ends are stamps of a thread that held the GIL: where they
    # reach into a neighbour's widened hold, the neighbour gives way.
    for x, y in zip(holds, holds[1:]):
        if x[2] > y[1]:
            if y[1] in ends.get(y[0], ()):
                x[2] = max(x[1], y[1])
            else:
                y[1] = min(y[2], x[2])
    return [tuple(h) for h in holds]


def runs_from_stamps(stamps):
    """Without a GIL (a free-threaded build, sys._is_gil_enabled() false)
    the threads do not take turns: each runs on its own, so a lane is its
    thread's own stamps, never cut against another's.  Slices
    [(tid, start, end)] from each thread's first stamp to its last, split
    where a gap between two stamps is over 20 times the thread's median
    (the kernel ran something else there), so that two lanes overlap
    where both threads really ran at once.
    """
    runs = []
    for tid, st in stamps.items():
        gaps = sorted(b - a for a, b in zip(st, st[1:]))
        if not gaps:
            continue
        limit = 20 * max(gaps[len(gaps) // 2], 1)
        a = st[0]
        for x, y in zip(st, st[1:]):
            if y - x > limit:
                runs.append((tid, a, x))
                a = y
        runs.append((tid, a, st[-1]))
    return sorted(runs, key=lambda r: r[1])


def libpython():
    """The file that holds take_gil: libpython if loaded, else python."""
    with open("/proc/self/maps") as fh:
        for ln in fh:
            f = ln.split()
            if len(f) >= 6 and "/libpython3" in f[5]:
                return f[5]
    return os.path.realpath(sys.executable)


class Probes:
    """uprobes on take_gil (entry, return) and drop_gil, recorded by perf
    for this process while the threads run."""

    def __init__(self, tmp):
        self.data = tmp + ".perf"
        self.rec = None
        lib = libpython()
        subprocess.run(["perf", "probe", "-q", "-d", "rtgil:*"],
                       stderr=subprocess.DEVNULL)
        p = subprocess.run(
            ["perf", "probe", "-q", "-x", lib, "-a", "rtgil:take=take_gil",
             "-a", "rtgil:took=take_gil%return", "-a",
             "rtgil:drop=drop_gil"], stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            sys.exit("gil_record.py: --perf: cannot probe take_gil in %s: %s"
                     % (lib, p.stderr.strip()))

    def start(self):
        self.rec = subprocess.Popen(
            ["perf", "record", "-q", "-k", "CLOCK_MONOTONIC", "-e", "rtgil:*",
             "-p", str(os.getpid()), "-o", self.data],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)  # until perf has attached

    def stop(self):
        self.rec.send_signal(2)
        self.rec.wait()
        out = subprocess.run(["perf", "script", "--ns", "-F",
                              "tid,time,event", "-i", self.data],
                             stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True).stdout
        ev = []
        for ln in out.splitlines():
            f = ln.replace(":", " ").split()
            if len(f) >= 4:
                ev.append((int(float(f[1]) * 1e9 + 0.5), int(f[0]), f[3]))
        return ev

    def close(self):
        if self.rec is not None and self.rec.poll() is None:
            self.rec.kill()
        subprocess.run(["perf", "probe", "-q", "-d", "rtgil:*"],
                       stderr=subprocess.DEVNULL)
        try:
            os.unlink(self.data)
        except OSError:
            pass


def holds_from_probes(events, workers):
    """Holds [(tid, start, end)] from take_gil's returns to drop_gil:
    EVENTS (ns, os_tid, name) of the threads in WORKERS (os_tid: tid)."""
    holds = []
    since = {}
    for t, os_tid, name in sorted(events):
        tid = workers.get(os_tid)
        if tid is None:
            continue
        if name.startswith("took"):
            since[tid] = t
        elif name == "drop" and tid in since:
            holds.append((tid, since.pop(tid), t))
    return holds


def us(ns):
    """Nanoseconds as microseconds with 3 decimals (a JSON number)."""
    return round(ns / 1000, 3)


def slice_us(a, b):
    """ts and dur in microseconds of a slice from A to B ns, ended one
    ns early: viewers add ts and dur in binary floating point (speedscope
    after subtracting the thread's first ts), and a slice that ends where
    the next begins can then end a hair after it (as in src/trace.c)."""
    return us(a), us(b - a - 1)


def takes(holds, io_slices, io_tid, t0, pid):
    """"take" slices: a thread's way to the GIL, each gap before one of
    its holds since its last hold or io slice, as range-sum's trace has
    them, so that no lane is blank.  A thread of the article's loop that
    does not hold the GIL is waiting for it (its stamps cannot tell a
    failed wake-up: that is why these are not "wait" slices)."""
    lane = {}
    for tid, a, b in holds:
        lane.setdefault(tid, []).append((a, b, "hold"))
    for a, b in io_slices:
        lane.setdefault(io_tid, []).append((a, b, "io"))
    ev = []
    for tid, sl in lane.items():
        sl.sort()
        for (_, end, _), (a, _, kind) in zip(sl, sl[1:]):
            if kind == "hold" and a - end >= 2:
                ts, dur = slice_us(end - t0, a - t0)
                ev.append({"name": "take", "ph": "X", "ts": ts, "dur": dur,
                           "pid": pid, "tid": tid})
    return ev


def trace(holds, io_slices, io_tid, nthreads, t0, wall_ns, meta):
    pid = os.getpid()
    ev = [{"name": "process_name", "ph": "M", "pid": pid, "tid": 0,
           "args": {"name": "CPython %s" % platform.python_version()}}]
    for tid in range(1, nthreads + 1):
        name = "worker %d" % tid
        if tid == io_tid:
            name += " (I/O)"
        ev.append({"name": "thread_name", "ph": "M", "pid": pid, "tid": tid,
                   "args": {"name": name}})
    switches = 0
    prev = None
    # Without the GIL nothing is held or handed off: "run" slices.
    kind = "hold" if meta.get("gil", True) else "run"
    for tid, a, b in holds:
        if kind == "run":
            if b - a >= 2:
                ts, dur = slice_us(a - t0, b - t0)
                ev.append({"name": "run", "ph": "X", "ts": ts, "dur": dur,
                           "pid": pid, "tid": tid})
            continue
        if prev is not None and tid != prev:
            switches += 1
            ev.append({"name": "switches", "ph": "C", "ts": us(a - t0),
                       "pid": pid, "args": {"switches": switches}})
        prev = tid
        if b - a < 2:
            continue  # nothing to draw, and slice_us() needs 2 ns
        ts, dur = slice_us(a - t0, b - t0)
        ev.append({"name": "hold", "ph": "X", "ts": ts, "dur": dur,
                   "pid": pid, "tid": tid})
    for a, b in io_slices:
        ts, dur = slice_us(a - t0, b - t0)
        ev.append({"name": "io", "ph": "X", "ts": ts, "dur": dur,
                   "pid": pid, "tid": io_tid})
    if kind == "hold":
        # (Without a GIL a gap in a lane is the kernel's doing, no take.)
        ev.extend(takes(holds, io_slices, io_tid, t0, pid))
    meta.update({"tool": "cpython-recorder", "threads": nthreads,
                 "wall_us": us(wall_ns), "switches": switches})
    return {"traceEvents": ev, "displayTimeUnit": "ms", "otherData": meta}


def main():
    ap = argparse.ArgumentParser(
        description="Record CPython's GIL hand-offs as a Chrome trace.")
    ap.add_argument("-t", "--threads", type=int, default=2,
                    help="CPU-bound threads (default 2)")
    ap.add_argument("-s", "--switch-interval", type=duration, default=0.005,
                    help="sys.setswitchinterval (default 5ms)")
    ap.add_argument("--seconds", type=float, default=1.0,
                    help="size the CPU work to about this many seconds")
    ap.add_argument("--end", type=number,
                    help="sum range(0, END) instead of --seconds")
    ap.add_argument("--block", type=int, default=200,
                    help="iterations between progress stamps (default 200)")
    ap.add_argument("--io", action="store_true",
                    help="add an I/O-bound thread making pipe round-trips")
    ap.add_argument("--io-sleep", type=duration,
                    help="with --io: each round-trip a time.sleep of this "
                    "length instead of the byte through cat")
    ap.add_argument("--roundtrips", type=int, default=300,
                    help="with --io: round-trips to make (default 300)")
    ap.add_argument("--perf", action="store_true",
                    help="holds from uprobes on take_gil/drop_gil (root)")
    ap.add_argument("-o", "--output", default="-",
                    help="the trace file (default stdout)")
    a = ap.parse_args()
    if a.threads < 0 or (a.threads == 0 and not a.io):
        ap.error("--threads must be at least 1 (or 0 with --io)")
    if a.block < 1:
        ap.error("--block must be at least 1")
    if a.switch_interval <= 0:
        ap.error("--switch-interval must be positive")
    out = sys.stdout if a.output == "-" else open(a.output, "w")

    end = a.end
    if a.io:
        end = 1 << 62  # the CPU threads run until the I/O thread is done
    elif end is None:
        end = int(calibrate(a.block) * a.seconds)
    sys.setswitchinterval(a.switch_interval)
    n = a.threads
    io_tid = 1 if a.io else None
    first = 2 if a.io else 1
    stamps = {tid: [] for tid in range(1, n + first)}
    result = []
    tids = {tid: [] for tid in stamps}
    done = threading.Event()
    ths = [threading.Thread(target=work,
                            args=(end * i // n, end * (i + 1) // n, a.block,
                                  stamps[first + i], result,
                                  done if a.io else None, tids[first + i]))
           for i in range(n)]
    io_slices = []
    if a.io:
        ths.insert(0, threading.Thread(
            target=io_thread,
            args=(stamps[1], io_slices, done, a.roundtrips,
                  [stamps[first + i] for i in range(n)], tids[1],
                  a.io_sleep)))
    probes = None
    try:
        if a.perf:
            probes = Probes("/tmp/gil_record-%d" % os.getpid())
            probes.start()
        t0 = clock()
        for th in ths:
            th.start()
        for th in ths:
            th.join()
        wall = clock() - t0
        events = probes.stop() if probes else None
    finally:
        if probes:
            probes.close()

    want = end * (end - 1) // 2 if n and not a.io else sum(result)
    if sum(result) != want:
        sys.exit("gil_record.py: summed %d, not %d" % (sum(result), want))
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    if gil:
        holds = holds_from_stamps({k: v for k, v in stamps.items() if v},
                                  {io_tid: io_slices} if a.io else None)
    else:
        holds = runs_from_stamps({k: v for k, v in stamps.items() if v})
    extra = {}
    if events is not None:
        extra["progress_switches"] = sum(
            1 for x, y in zip(holds, holds[1:]) if x[0] != y[0])
        extra["progress_holds"] = len(holds)
        holds = holds_from_probes(events, {v[0]: k for k, v in tids.items()
                                           if v})
        holds = [h for h in holds if h[2] >= t0]
    meta = {"switch_interval_us": round(a.switch_interval * 1e6, 3),
            "block": a.block, "end": end,
            "cpu_threads": n, "io": bool(a.io), "io_sleep": a.io_sleep,
            "method": "uprobe" if a.perf else "progress",
            "python": platform.python_version(), "gil": gil,
            "executable": sys.executable}
    meta.update(extra)
    json.dump(trace(holds, io_slices, io_tid, n + first - 1, t0, wall, meta),
              out, separators=(",", ":"))
    out.write("\n")
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
