#!/usr/bin/env python3
"""make bench: rangetools measured side by side, in one run.

Run by bench/bench.sh after it has built bin/ with the release flags,
bench/out/ref_loop with -O3 -march=native (on a CPU with AVX-512,
bench/out/ref_loop_avx2 with -mno-avx512f besides) and bench/out/clock
(the clock rate, as a chain of dependent adds measures it).  Every
comparison is a group of commands run in turns (forward, then backward,
BENCH_REPS times), so that a busy moment of the machine falls on all of
them alike; the table shows medians and their ratios.  Raw figures go to bench/out/results.csv,
the modes' wall times against workers to bench/out/modes.png (gnuplot).

Knobs (environment): BENCH_REPS (default 5), BENCH_LOOP_N (range-sum
and reference loop range, 4e9), BENCH_PY_N (Python loop range, 1e7),
BENCH_MODES_N (range for the worker modes, 1e10), BENCH_JOBS (jobs for
the fan-out rows, 300), BENCH_NUMS (integers for sum-merge, 2000000),
BENCH_RECORDS (records for the pipe and queue rows, 200000),
BENCH_REPEAT_RECS (records for the repeats row, 1000000).
"""
import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "out")
BIN = os.path.join(ROOT, "bin")


def knob(name, default):
    return int(float(os.environ.get(name, default)))


REPS = knob("BENCH_REPS", 5)
LOOP_N = knob("BENCH_LOOP_N", 4e9)
PY_N = knob("BENCH_PY_N", 1e7)
MODES_N = knob("BENCH_MODES_N", 1e10)
JOBS = knob("BENCH_JOBS", 300)
NUMS = knob("BENCH_NUMS", 2000000)
RECORDS = knob("BENCH_RECORDS", 200000)
REPEAT_RECS = knob("BENCH_REPEAT_RECS", 1000000)
WORKERS = (1, 2, 4)

ENV = dict(os.environ, PATH=BIN + os.pathsep + os.environ["PATH"], LC_ALL="C")
rows = []  # every run: the CSV


def run(cmd, stdin=None):
    """Runs cmd (an argv list, or a string for sh -c) once.

    Returns wall seconds, CPU seconds (user + system, waited-for children
    included), peak RSS in KiB, exit status and stdout.
    """
    argv = ["sh", "-c", cmd] if isinstance(cmd, str) else cmd
    with tempfile.TemporaryFile() as out, open(stdin or os.devnull, "rb") as inp:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdin=inp, stdout=out,
                             stderr=subprocess.DEVNULL, env=ENV, cwd=OUT)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace").strip()
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, p.returncode, text


def measure(group, variants, reps=None):
    """Runs the variants of one group in turns; returns medians by name.

    A variant is (name, cmd, stdin, expected output or None, workers).
    """
    got = {v[0]: [] for v in variants}
    for rep in range((reps or REPS)):
        order = variants if rep % 2 == 0 else variants[::-1]
        for name, cmd, stdin, want, workers in order:
            wall, cpu, rss, rc, text = run(cmd, stdin)
            ok = rc == 0 and (want is None or text == str(want))
            rows.append([group, name, workers, rep, "%.6f" % wall,
                         "%.6f" % cpu, rss, rc, int(ok), text[:60]])
            got[name].append((wall, cpu, rss, ok, text))
    med = {}
    for name, runs in got.items():
        med[name] = {
            "wall": statistics.median(r[0] for r in runs),
            "cpu": statistics.median(r[1] for r in runs),
            "rss": statistics.median(r[2] for r in runs),
            "ok": all(r[3] for r in runs),
            "out": runs[-1][4],
        }
    return med


def supported(cmd):
    """Does this build take these options?  (Modes land over time.)"""
    return run(cmd)[3] == 0


def formula(start, end):
    return (end - start) * (start + end - 1) // 2


# The report ------------------------------------------------------------

report = []


def say(line=""):
    print(line, flush=True)
    report.append(line)


def verdict(ok):
    return "met" if ok else "NOT MET"


def ratio_row(what, value, target, ok):
    say("  %-56s %15s  %-10s %s" % (what, value, target, verdict(ok)))


# The comparisons -------------------------------------------------------


def cpu_info():
    """The CPU's model name, vendor and the vector flags that pick kernels."""
    info = {"model": "unknown", "vendor": "unknown", "flags": set()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, val = line.partition(":")
                key, val = key.strip(), val.strip()
                if key in ("model name", "Model") and info["model"] == \
                        "unknown":
                    info["model"] = val
                elif key in ("vendor_id", "CPU implementer") and \
                        info["vendor"] == "unknown":
                    info["vendor"] = val
                elif key in ("flags", "Features") and not info["flags"]:
                    info["flags"] = set(val.split())
    except OSError:
        pass
    return info


# Vector integer adds per cycle, by register width in bits, that we
# assume each CPU family issues (no counters here to ask it):
#  - Intel since Skylake (Sapphire Rapids included): ports 0, 1 and 5 add
#    vectors of up to 256 bits, three a cycle; 512-bit adds go on ports 0
#    (fused with 1) and 5, two a cycle.
#  - AMD Zen 2, 3 and 4: four 256-bit vector ALUs; Zen 4 splits a 512-bit
#    add in two halves, so two a cycle.  (Zen 3: 4 x 4 lanes / 2 adds =
#    8 integers a cycle, the ceiling.)
#  - Anything else (aarch64 and others): two 128-bit adds a cycle, as on
#    Cortex-A72/A76 and Neoverse N1; wider cores do more.
ADDS_PER_CYCLE = {
    "GenuineIntel": {128: 3, 256: 3, 512: 2},
    "AuthenticAMD": {128: 4, 256: 4, 512: 2},
}
KERNEL_BITS = {"sse2": 128, "avx2": 256, "avx512": 512, "portable": 128}


def ceiling(vendor, kernel):
    """Integers per cycle at two vector adds per lane (the kernel's add of
    the integers and its step of the index vector)."""
    bits = KERNEL_BITS.get(kernel, 128)
    adds = ADDS_PER_CYCLE.get(vendor, {128: 2, 256: 2, 512: 2})[bits]
    return adds * (bits // 64) / 2


def kernels():
    """The kernels of this build (its usage error lists them) that this
    CPU runs, lowest level first."""
    env = dict(ENV, RANGETOOLS_KERNEL="no-such-kernel")
    p = subprocess.run(["range-sum", "0", "1"], env=env, cwd=OUT,
                       capture_output=True, text=True)
    if "(kernels: " not in p.stderr:
        return []
    names = p.stderr.split("(kernels: ")[1].split(")")[0].split(", ")
    return [k for k in names if subprocess.run(
        ["range-sum", "0", "1"], env=dict(ENV, RANGETOOLS_KERNEL=k),
        cwd=OUT, capture_output=True).returncode == 0]


def loop_throughput():
    """(a) ns per integer: each kernel of range-sum, the C int64 loop, the
    Python loop; integers per cycle against a clock measured alongside."""
    ref = os.path.join(OUT, "ref_loop")
    REF = "ref_loop -O3 -march=native"
    # The loop without AVX-512, as an AVX2 machine's -march=native builds
    # it: what the avx2 kernel, forced on an AVX-512 CPU, is measured by.
    ref2 = os.path.join(OUT, "ref_loop_avx2")
    REF2 = "ref_loop -O3 -march=native -mno-avx512f"
    clock = os.path.join(OUT, "clock")
    py = os.path.join(ROOT, "bench", "article_loop.py")
    cpu = cpu_info()
    vec = sorted(f for f in cpu["flags"] if f in ("sse2", "avx2", "avx512f",
                                                  "asimd", "neon"))
    best = subprocess.run(["range-sum", "--stats", "0", "1e6"], env=ENV,
                          cwd=OUT, capture_output=True, text=True).stderr
    best = best.split("kernel ")[-1].split(":")[0] if "kernel " in best \
        else "?"
    have = kernels()
    ref2 = ref2 if os.path.exists(ref2) and "avx2" in have else None
    say("(a) loop, one thread, ns per integer (wall; CPU in brackets)")
    say("  CPU: %s (%s); vector flags: %s" % (cpu["model"], cpu["vendor"],
                                             " ".join(vec) or "none"))
    say("  range-sum's default kernel here: %s; kernels this CPU runs: %s"
        % (best, ", ".join(have) or "none"))
    # The reference must really loop: 4x the range, at least 2x the time.
    scale = measure("ref-scaling", [
        ("ref_loop N/4", [ref, "0", str(LOOP_N // 4)], None, None, 1),
        ("ref_loop N", [ref, "0", str(LOOP_N)], None, None, 1),
    ], reps=3)
    grow = scale["ref_loop N"]["cpu"] / max(scale["ref_loop N/4"]["cpu"], 1e-6)
    loops = grow > 2
    variants = [("range-sum", ["range-sum", "0", str(LOOP_N)], None,
                 formula(0, LOOP_N), 1)]
    variants += [("range-sum kernel %s" % k,
                  ["env", "RANGETOOLS_KERNEL=" + k, "range-sum", "0",
                   str(LOOP_N)], None, formula(0, LOOP_N), 1) for k in have]
    variants += [
        (REF, [ref, "0", str(LOOP_N)], None, None, 1),
    ]
    if ref2:
        variants += [(REF2, [ref2, "0", str(LOOP_N)], None, None, 1)]
    variants += [
        ("python article loop", ["python3", py, "0", str(PY_N)], None,
         formula(0, PY_N), 1),
        ("clock", [clock], None, None, 1),
    ]
    m = measure("loop", variants)
    ghz = statistics.median(float(r[9]) for r in rows
                            if r[0] == "loop" and r[1] == "clock" and r[8])
    say("  clock: %.2f GHz (a chain of dependent adds, bench/clock.c; "
        "median)" % ghz)
    n = {k: LOOP_N for k in m}
    n["python article loop"] = PY_N
    ns = {}
    for k, v in m.items():
        if k == "clock":
            continue
        ns[k] = v["wall"] / n[k] * 1e9
        say("  %-40s %9.4f ns (%.4f)  %s" % (
            "%s 0 %g" % (k, n[k]), ns[k], v["cpu"] / n[k] * 1e9,
            "exact" if v["ok"] else "WRONG/failed"))
    # Rates and ratios from CPU time: a process another one preempts
    # loses wall time, not CPU time, and the clock is its fastest run.
    ns = {k: m[k]["cpu"] / n[k] * 1e9 for k in ns}
    ref_ns, py_ns = ns[REF], \
        ns["python article loop"]
    say()
    say("  %-22s %10s %10s %12s %10s %9s %9s" % (
        "CPU time, per cycle", "ints/ns", "ints/cyc", "ceiling", "of ceil",
        "vs ref", "vs Py"))
    rate = {}
    label = {REF: "ref_loop", REF2: "ref, no avx512"}
    for k in [REF] + ([REF2] if ref2 else []) + [
            "range-sum kernel %s" % h for h in have]:
        kern = label.get(k, k.split()[-1])
        rate[kern] = 1 / ns[k] / ghz
        ceil = "" if k in label else "%.0f" % ceiling(cpu["vendor"], kern)
        share = "" if not ceil else "%.0f%%" % (
            100 * rate[kern] / ceiling(cpu["vendor"], kern))
        say("  %-22s %10.2f %10.2f %12s %10s %8.2fx %8.0fx" % (
            kern, 1 / ns[k],
            rate[kern], ceil, share, ns[k] / ref_ns, py_ns / ns[k]))
    say("  (ceiling: two vector adds per lane, at the vector adds per cycle "
        "assumed for %s: %s;\n  the kernels' scalar lanes add on the integer "
        "ALUs besides, so a kernel may pass it)" % (cpu["vendor"], ", ".join(
            "%d-bit %d" % (b, a) for b, a in sorted(ADDS_PER_CYCLE.get(
                cpu["vendor"], {128: 2, 256: 2, 512: 2}).items()))))
    say()

    def targets(kern, what, yard=REF):
        k = "range-sum kernel %s" % kern
        if k not in ns:
            return
        c = ceiling(cpu["vendor"], kern)
        ratio_row("%s: integers per cycle per core" % what,
                  "%.2f" % rate[kern], ">= 5", rate[kern] >= 5)
        ratio_row("%s: share of its ceiling (%.0f/cycle)" % (what, c),
                  "%.0f%%" % (100 * rate[kern] / c), ">= 60%",
                  rate[kern] >= 0.6 * c)
        ratio_row("%s vs Python loop (x faster per integer)" % what,
                  "%.0fx" % (py_ns / ns[k]), ">= 500x",
                  py_ns / ns[k] >= 500)
        r = ns[k] / ns[yard]
        ratio_row("%s time vs %s loop" % (what, yard.split(None, 1)[1]),
                  "%.2fx" % r, "<= 0.5x", r <= 0.5)

    if best in have:
        targets(best, "best kernel (%s)" % best)
    if "avx2" in have and best != "avx2":
        # As on an AVX2 machine: against the loop built without AVX-512.
        targets("avx2", "avx2 forced", REF2 if ref2 else REF)
        if ref2:
            say("  %-56s %15s" % ("avx2 forced time vs -O3 -march=native "
                                  "(AVX-512) loop", "%.2fx" % (
                                      ns["range-sum kernel avx2"] / ref_ns)))
    low = "sse2" if "sse2" in have else None
    if low:
        k = "range-sum kernel sse2"
        ratio_row("sse2 (baseline) time vs -O3 -march=native loop",
                  "%.2fx" % (ns[k] / ref_ns), "<= 1x", ns[k] <= ref_ns)
    if "avx512" in have and "avx2" in have:
        r = ns["range-sum kernel avx2"] / ns["range-sum kernel avx512"]
        ratio_row("avx512 speed vs avx2 (x faster)", "%.2fx" % r, ">= 1x",
                  r >= 1)
    ratio_row("the reference loop's CPU time grows with its range",
              "x%.1f for 4x" % grow,
              "> x2", loops)
    ok = all(v["ok"] for k, v in m.items() if k.startswith("range-sum"))
    ratio_row("range-sum's answers exact (every kernel)", "yes" if ok
              else "no", "yes", ok)
    say()


def modes():
    """(b) speedups of the worker modes and pipelines at 1, 2, 4 workers."""
    N = MODES_N
    want = formula(0, N)
    say("(b) modes, range-sum 0 %g: median wall s, speedup over one plain "
        "thread" % N)
    cand = [
        ("threads", lambda w: ["range-sum", "--threads", str(w), "0", str(N)],
         ["range-sum", "--threads", "1", "0", "10"]),
        ("procs", lambda w: ["range-sum", "--procs", str(w), "0", str(N)],
         ["range-sum", "--procs", "1", "0", "10"]),
        ("gil", lambda w: ["range-sum", "--threads", str(w), "--gil", "0",
                           str(N)],
         ["range-sum", "--threads", "1", "--gil", "0", "10"]),
        ("gil-1us", lambda w: ["range-sum", "--threads", str(w), "--gil",
                               "--switch-interval", "1us", "0", str(N)],
         ["range-sum", "--threads", "1", "--gil", "--switch-interval", "1us",
          "0", "10"]),
        ("xargs", lambda w: "range-split -n %d 0 %d | xargs -P %d -L 1 "
         "range-sum | sum-merge" % (w, N, w), "range-split -n 1 0 10 | "
         "xargs -L 1 range-sum | sum-merge"),
        ("parallel", lambda w: "range-split -n %d 0 %d | parallel --will-cite "
         "-j %d --colsep ' ' range-sum {1} {2} | sum-merge" % (w, N, w),
         "range-split -n 1 0 10 | parallel --will-cite --colsep ' ' "
         "range-sum {1} {2} | sum-merge"),
    ]
    have = [c for c in cand if supported(c[2])]
    missing = [c[0] for c in cand if c not in have]
    variants = [("plain", ["range-sum", "0", str(N)], None, want, 1)]
    for name, mk, _ in have:
        for w in WORKERS:
            if name == "gil-1us" and w != 2:
                continue
            variants.append(("%s %d" % (name, w), mk(w), None, want, w))
    m = measure("modes", variants)
    base = m["plain"]["wall"]
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1):
        say("  note: load average %.1f on %d CPUs: other work holds the "
            "cores, so no mode can show its speedup now" % (
                load, os.cpu_count()))
    say("  %-12s %10s %10s %10s   (plain: %.3f s)" % (
        "mode", "1", "2", "4", base))
    table = {}
    for name, _, _ in have:
        cells = []
        for w in WORKERS:
            r = m.get("%s %d" % (name, w))
            if r is None:
                cells.append("%10s" % "-")
                continue
            table[(name, w)] = r["wall"]
            cells.append("%9.2fx%s" % (base / r["wall"], "" if r["ok"]
                                       else "!"))
        say("  %-12s %s" % (name, " ".join(cells)))
    if missing:
        say("  not built yet, skipped: %s" % ", ".join(missing))
    sp = {k: base / v for k, v in table.items()}
    if ("threads", 2) in sp:
        ratio_row("--threads 2 speedup", "%.2fx" % sp[("threads", 2)],
                  ">= 1.8x", sp[("threads", 2)] >= 1.8)
    if ("procs", 2) in sp:
        ratio_row("--procs 2 speedup", "%.2fx" % sp[("procs", 2)],
                  ">= 1.8x", sp[("procs", 2)] >= 1.8)
    if ("gil", 2) in sp:
        ratio_row("--gil 2 (5ms) speedup", "%.2fx" % sp[("gil", 2)],
                  "0.85-1.1x", 0.85 <= sp[("gil", 2)] <= 1.1)
    if ("gil-1us", 2) in sp:
        ratio_row("--gil 2 --switch-interval 1us speedup",
                  "%.2fx" % sp[("gil-1us", 2)], "< 1x", sp[("gil-1us", 2)] < 1)
    ok = all(r["ok"] for r in m.values())
    ratio_row("every mode's answer exact", "yes" if ok else "no", "yes", ok)
    say()
    return table, [c[0] for c in have], base


def merge():
    """(c) sum-merge against the one-liners users reach for."""
    nums = os.path.join(OUT, "nums.txt")
    rnd = random.Random(20240605)
    vals = [rnd.randrange(10**15, 10**16) for _ in range(NUMS)]
    with open(nums, "w") as f:
        f.write("".join("%d\n" % v for v in vals))
    want = sum(vals)
    say("(c) sum-merge on %d 16-digit integers, from a file on stdin "
        "(median wall s; right answer %d)" % (NUMS, want))
    m = measure("merge", [
        ("sum-merge", ["sum-merge"], nums, None, 1),
        ("python3 sum(map(int))", ["python3", "-c", "import sys; "
                                   "print(sum(map(int, sys.stdin)))"],
         nums, None, 1),
        ("paste -sd+ | bc", "paste -sd+ | bc", nums, None, 1),
        ("mawk {s+=$1}", ["mawk", "{s+=$1} END {print s}"], nums, None, 1),
    ])
    for k, v in m.items():
        right = v["out"] == str(want)
        say("  %-24s %8.4f s (CPU %.4f)  %-24s %s" % (
            k, v["wall"], v["cpu"], v["out"][:24],
            "right" if right else "WRONG"))
        m[k]["right"] = right
    ratio_row("sum-merge exact", "yes" if m["sum-merge"]["right"] else "no",
              "yes", m["sum-merge"]["right"])
    for k, target in (("python3 sum(map(int))", 20), ("paste -sd+ | bc", 40),
                      ("mawk {s+=$1}", None)):
        r = m[k]["wall"] / m["sum-merge"]["wall"]
        c = m[k]["cpu"] / m["sum-merge"]["cpu"]
        what = "sum-merge vs %s (x faster; CPU)" % k
        if target is None:
            say("  %-52s %12s" % (what, "%.1fx (%.1fx)" % (r, c)))
        else:
            ratio_row(what, "%.1fx (%.1fx)" % (r, c), ">= %dx" % target,
                      r >= target)
    say()


def fanout():
    """(d) per-job cost of xargs -P 2 and GNU parallel: range-sum vs true."""
    jobs = os.path.join(OUT, "jobs.txt")
    with open(jobs, "w") as f:
        f.write("".join("%d %d\n" % (i, i + 1) for i in range(JOBS)))
    say("(d) fan-out, %d one-integer jobs, 2 at a time: ms per job" % JOBS)
    par = "parallel --will-cite -j 2 --colsep ' ' %s {1} {2} >/dev/null"
    m = measure("fanout", [
        ("xargs true", "xargs -P 2 -L 1 true", jobs, None, 2),
        ("xargs range-sum", "xargs -P 2 -L 1 range-sum >/dev/null", jobs,
         None, 2),
        ("parallel true", par % "true", jobs, None, 2),
        ("parallel range-sum", par % "range-sum", jobs, None, 2),
    ])
    for k, v in m.items():
        say("  %-24s %8.3f ms/job" % (k, v["wall"] / JOBS * 1e3))
    r = m["xargs range-sum"]["wall"] / m["xargs true"]["wall"]
    ratio_row("xargs -P 2 -L 1: range-sum / true per job", "%.2fx" % r,
              "<= 1.2x", r <= 1.2)
    r = m["parallel range-sum"]["wall"] / m["parallel true"]["wall"]
    say("  %-52s %12s" % ("GNU parallel: range-sum / true per job",
                          "%.2fx" % r))
    say()


def transports():
    """(e) records per second: a pipe here; a message queue and a shared
    table as bench/transport.sh (the transports' own script) measures
    them, its runs taking turns with the pipe's."""
    R = RECORDS
    script = os.path.join(ROOT, "bench", "transport.sh")
    ranges = os.path.join(OUT, "ranges.txt")
    with open(ranges, "w") as f:
        f.write("".join("%d %d\n" % (i, i + 1) for i in range(R)))
    say("(e) record rates: one-integer records, end to end (records/s)")
    have = os.path.exists(script) and supported(
        "range-sum --method formula --mq /rtbench-probe-$$ 0 1 && "
        "sum-merge --mq /rtbench-probe-$$ --count 1")
    rates = {"pipe": [], "queue": [], "table": []}
    for rep in range(REPS):
        wall, cpu, rss, rc, text = run(
            "range-sum --method formula -t | sum-merge --expect 0 %d" % R,
            ranges)
        ok = rc == 0 and text == str(formula(0, R))
        rows.append(["records", "pipe", 1, rep, "%.6f" % wall, "%.6f" % cpu,
                     rss, rc, int(ok), text[:60]])
        rates["pipe"].append(R / wall if ok else 0)
        if not have:
            continue
        wall, cpu, rss, rc, text = run("sh '%s' %d 2>&1" % (script, R))
        # Its rows count unless it found a wrong total (it prints its rows
        # first); its exit status is not reliable (see the report).
        ok = "wrong total" not in text
        rows.append(["records", "transport.sh", 1, rep, "%.6f" % wall,
                     "%.6f" % cpu, rss, rc, int(ok), text[:60]])
        for line in text.splitlines() if ok else []:
            f = line.split()
            if len(f) == 7 and f[0] in rates:
                rates[f[0]].append(float(f[5]))
    say("  %-8s %12.0f   range-sum -t | sum-merge, %d records" % (
        "pipe", statistics.median(rates["pipe"]), R))
    if not have:
        say("  queue, table: not built yet, skipped")
        say()
        return
    for name, target, what in (
            ("queue", 100000, "one producer, one consumer, depth 10"),
            ("table", 1000000, "two producers at once, 1000000 inserts")):
        if not rates[name]:
            ratio_row("%s: bench/transport.sh failed" % name, "-",
                      ">= %d" % target, False)
            continue
        r = statistics.median(rates[name])
        ratio_row("%s (%s)" % (name, what), "%.0f" % r, ">= %g" % target,
                  r >= target)
    say()


def repeats():
    """(g) sum-merge on records taken at least once: 1,000,000 records,
    10% of them identical repeats and 1% nested overlaps (half re-runs of
    two parts at once, half stragglers inside a part), in random order."""
    n = REPEAT_RECS
    nrep, nnest = n // 10, n // 100
    base = n - nrep - nnest
    size = 1000003
    end = base * size
    rnd = random.Random(20261127)
    f2 = lambda a, b: (b - a) * (a + b - 1) // 2
    recs = ["%d %d %d\n" % (i * size, (i + 1) * size,
                            f2(i * size, (i + 1) * size))
            for i in range(base)]
    tiling = os.path.join(OUT, "tiling.txt")
    with open(tiling, "w") as f:
        f.write("".join(recs))
    recs += [recs[rnd.randrange(base)] for _ in range(nrep)]
    for k in range(nnest):
        i = rnd.randrange(base - 1)
        if k % 2:
            a, b = i * size, (i + 2) * size
        else:
            a = i * size + rnd.randrange(size)
            b = a + 1 + rnd.randrange((i + 1) * size - a)
        recs.append("%d %d %d\n" % (a, b, f2(a, b)))
    rnd.shuffle(recs)
    mixed = os.path.join(OUT, "repeats.txt")
    with open(mixed, "w") as f:
        f.write("".join(recs))
    del recs
    want = str(f2(0, end))
    say("(g) sum-merge --expect on %d records: 10%% identical repeats, 1%% "
        "nested overlaps, shuffled (median wall s, peak RSS by GNU time)"
        % n)
    # GNU time's %M, as in (f): wait4() from here would count this
    # process's memory, which the child has until it execs.
    kib = os.path.join(OUT, "rss-repeats.txt")
    cmd = ["/usr/bin/time", "-f", "%M", "-o", kib, "sum-merge", "--expect",
           "0", str(end)]
    got = {"tiling": [], "repeats": []}
    for rep in range(REPS):
        for name, path in ((("tiling", tiling), ("repeats", mixed))
                           if rep % 2 == 0 else
                           (("repeats", mixed), ("tiling", tiling))):
            wall, cpu, _, rc, text = run(cmd, path)
            with open(kib) as f:
                k = int(f.read().split()[-1])
            rows.append(["repeats", name, 1, rep, "%.6f" % wall,
                         "%.6f" % cpu, k, rc, int(text == want), text[:60]])
            got[name].append((wall, cpu, k, text))
    m = {name: {"wall": statistics.median(r[0] for r in runs),
                "cpu": statistics.median(r[1] for r in runs),
                "rss": statistics.median(r[2] for r in runs),
                "out": runs[-1][3]} for name, runs in got.items()}
    for k, v in m.items():
        say("  %-8s %d records  %8.3f s (CPU %.3f)  %6d KiB  %s" % (
            k, base if k == "tiling" else n, v["wall"], v["cpu"],
            v["rss"], "right" if v["out"] == want else "WRONG"))
    r = m["repeats"]
    ratio_row("repeats: exact total", "yes" if r["out"] == want else "no",
              "yes", r["out"] == want)
    ratio_row("repeats: wall", "%.3f s" % r["wall"], "< 1 s", r["wall"] < 1)
    ratio_row("repeats: peak RSS", "%.1f MiB" % (r["rss"] / 1024),
              "< 128 MiB", r["rss"] < 128 * 1024)
    say()


def rss():
    """(f) peak RSS of range-sum: it must not grow with the range.

    GNU time's %M: the peak RSS that wait4() reports, taken by a small
    parent (wait4() from here would count this Python process, whose
    memory the child has until it execs).
    """
    if not os.path.exists("/usr/bin/time"):
        say("(f) peak RSS: skipped, no /usr/bin/time (apt-get install time)")
        say()
        return
    say("(f) peak RSS of range-sum (KiB: GNU time %M, median)")
    got = {}
    for rep in range(REPS):
        for n in ("1e6", "1e10") if rep % 2 == 0 else ("1e10", "1e6"):
            kib = os.path.join(OUT, "rss.txt")
            wall, cpu, _, rc, text = run(["/usr/bin/time", "-f", "%M", "-o",
                                          kib, "range-sum", "0", n])
            with open(kib) as f:
                k = int(f.read().split()[-1])
            ok = rc == 0 and text == str(formula(0, int(float(n))))
            rows.append(["rss", "range-sum 0 " + n, 1, rep, "%.6f" % wall,
                         "%.6f" % cpu, k, rc, int(ok), text[:60]])
            got.setdefault(n, []).append(k)
    run(["/usr/bin/time", "-f", "%M", "-o", kib, "true"])
    with open(kib) as f:
        floor = int(f.read().split()[-1])
    a, b = statistics.median(got["1e6"]), statistics.median(got["1e10"])
    say("  range-sum 0 1e6: %d KiB   range-sum 0 1e10: %d KiB   "
        "(true: %d KiB)" % (a, b, floor))
    ratio_row("peak RSS", "%d KiB" % max(a, b), "< 4096 KiB",
              max(a, b) < 4096)
    ratio_row("the same at 1e6 and 1e10 (medians within 10%)",
              "%+d KiB" % (b - a), "same", abs(b - a) <= 0.1 * a)
    say()


def plot(table, modes_run, base):
    """Wall time against workers, one line per mode, with one plain thread
    and the ideal for reference: one thread's time over the workers, or
    over the cores when they are fewer, since no more workers than cores
    run at once."""
    cores = len(os.sched_getaffinity(0)) or os.cpu_count() or 1
    dat = os.path.join(OUT, "modes.dat")
    with open(dat, "w") as f:
        f.write("# workers plain ideal " + " ".join(modes_run) + "\n")
        for w in WORKERS:
            ideal = base / min(w, cores)
            f.write("%d %.6f %.6f %s\n" % (w, base, ideal, " ".join(
                "%.6f" % table[(mo, w)] if (mo, w) in table else "NaN"
                for mo in modes_run)))
    if not shutil.which("gnuplot"):
        say("no gnuplot: no plot (apt-get install gnuplot-nox); data in %s"
            % os.path.relpath(dat, ROOT))
        return
    png = os.path.join(OUT, "modes.png")
    lines = ["'%s' using 1:2 with lines dashtype 2 title 'one thread'" % dat,
             "'%s' using 1:3 with lines dashtype 3 title 'ideal'" % dat]
    lines += ["'%s' using 1:%d with linespoints title '%s'" % (dat, i + 4, mo)
              for i, mo in enumerate(modes_run)]
    script = ("set terminal png size 800,500; set output '%s';"
              "set title 'range-sum 0 %g: wall time against workers "
              "(medians)';"
              "set xlabel 'workers'; set ylabel 'wall time (s)';"
              "set xtics (1,2,4); set yrange [0:*]; set key outside;"
              "plot %s" % (png, MODES_N, ", ".join(lines)))
    if subprocess.run(["gnuplot", "-e", script]).returncode == 0:
        say("plot: %s" % os.path.relpath(png, ROOT))


def main():
    os.makedirs(OUT, exist_ok=True)
    only = sys.argv[1:] or ["loop", "modes", "merge", "fanout", "records",
                            "rss", "repeats"]
    say("rangetools benchmark: %d repetitions, medians; %s, %d CPUs, load "
        "%.2f at start" % (REPS, time.strftime("%Y-%m-%d %H:%M UTC",
                                                  time.gmtime()),
                           os.cpu_count(), os.getloadavg()[0]))
    say()
    table, modes_run, base = {}, [], 0
    if "loop" in only:
        loop_throughput()
    if "modes" in only:
        table, modes_run, base = modes()
    if "merge" in only:
        merge()
    if "fanout" in only:
        fanout()
    if "records" in only:
        transports()
    if "rss" in only:
        rss()
    if "repeats" in only:
        repeats()
    with open(os.path.join(OUT, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["group", "variant", "workers", "rep", "wall_s", "cpu_s",
                    "maxrss_kib", "status", "ok", "output"])
        w.writerows(rows)
    if modes_run:
        plot(table, modes_run, base)
    with open(os.path.join(OUT, "report.txt"), "w") as f:
        f.write("\n".join(report) + "\n")
    say("raw figures: bench/out/results.csv; this table: bench/out/report.txt")


if __name__ == "__main__":
    main()
