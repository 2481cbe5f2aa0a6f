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
Running, timing and the report are bench/benchlib.py's, shared with
bench/gil.py.

Knobs (environment): BENCH_REPS (default 5), BENCH_LOOP_N (range-sum
and reference loop range, 4e9), BENCH_PY_N (Python loop range, 1e7),
BENCH_MODES_N (range for the worker modes, 1e10), BENCH_JOBS (jobs for
the fan-out rows, 300), BENCH_NUMS (integers for sum-merge, 2000000),
BENCH_RECORDS (records for the pipe and queue rows, 200000),
BENCH_REPEAT_RECS (records for the repeats row, 1000000), BENCH_TRACE_N
(range for the --trace cost rows, 1e9), BENCH_SPLIT_N (range for the
splitting rows, 1e10).
"""
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

from benchlib import ROOT, Report, Runner, cpu_info, formula, knob, measure

OUT = os.path.join(ROOT, "bench", "out")
WORKERS = (1, 2, 4)


class Bench:
    """One run of make bench: its knobs, how it runs the programs, and
    what it reports."""

    def __init__(self):
        self.reps = knob("BENCH_REPS", 5)
        self.loop_n = knob("BENCH_LOOP_N", 4e9)
        self.py_n = knob("BENCH_PY_N", 1e7)
        self.modes_n = knob("BENCH_MODES_N", 1e10)
        self.jobs = knob("BENCH_JOBS", 300)
        self.nums = knob("BENCH_NUMS", 2000000)
        self.records = knob("BENCH_RECORDS", 200000)
        self.repeat_recs = knob("BENCH_REPEAT_RECS", 1000000)
        self.trace_n = knob("BENCH_TRACE_N", 1e9)
        self.split_n = knob("BENCH_SPLIT_N", 1e10)
        self.runner = Runner(OUT)
        self.report = Report()
        self.say = self.report.say
        self.ratio_row = self.report.ratio_row

    def run(self, cmd, stdin=None):
        return self.runner.run(cmd, stdin)

    def measure(self, group, variants, reps=None):
        return measure(self.runner, self.report, group, variants,
                       reps or self.reps)


# Vector integer adds a cycle (PADDQ/VPADDQ on x86, ADD Vd.2D on Arm),
# by microarchitecture and register width in bits: the reciprocal of the
# throughput that the published instruction tables give, uops.info's
# measurements (https://uops.info/table.html, VPADDQ's rows for each
# core) and Agner Fog's instruction tables
# (https://www.agner.org/optimize/instruction_tables.pdf), and for Arm's
# cores their Software Optimization Guides (ASIMD integer basic ops).
# The vendor alone says too little: Zen 4 and Zen 5 both say
# AuthenticAMD, yet the one adds two 512-bit vectors a cycle (two 256-bit
# halves on each of four 256-bit ALUs) and the other four.
#  - Intel Skylake-X, Cascade Lake, Ice Lake, Sapphire and Emerald
#    Rapids: vectors of up to 256 bits on ports 0, 1 and 5, three a
#    cycle; 512-bit ones on ports 0 (fused with 1) and 5, two a cycle.
#  - AMD Zen 3: four vector ALUs (pipes FP0 to FP3) of 256 bits, four a
#    cycle; no AVX-512.
#  - AMD Zen 4: the same four, and 512-bit adds in two halves, two a
#    cycle.
#  - AMD Zen 5 (desktop and server: Turin, Granite Ridge): four ALUs of
#    512 bits, four a cycle at any width.  The mobile cores (Strix)
#    split 512-bit work in halves, like Zen 4: their 512-bit rate is left
#    unknown here, not guessed.
#  - Arm Neoverse N1 and N2: two 128-bit ASIMD pipes (V0, V1); Neoverse
#    V1 and V2: four.
# A CPU not listed prints "ceiling unknown".  Linux names the Zen
# generations by the same family and model ranges
# (arch/x86/kernel/cpu/amd.c, bsp_init_amd); Intel's models are those of
# arch/x86/include/asm/intel-family.h.
UARCHS = [
    # (name, x86 vendor or Arm implementer, family, models or Arm parts,
    #  adds a cycle by width)
    ("Intel Skylake-X/Cascade Lake", "GenuineIntel", 6, [0x55],
     {128: 3, 256: 3, 512: 2}),
    ("Intel Ice Lake", "GenuineIntel", 6, [0x6a, 0x6c, 0x7d, 0x7e],
     {128: 3, 256: 3, 512: 2}),
    ("Intel Sapphire/Emerald Rapids", "GenuineIntel", 6, [0x8f, 0xcf],
     {128: 3, 256: 3, 512: 2}),
    ("AMD Zen 3", "AuthenticAMD", 0x19,
     list(range(0x00, 0x10)) + list(range(0x20, 0x60)),
     {128: 4, 256: 4}),
    ("AMD Zen 4", "AuthenticAMD", 0x19,
     list(range(0x10, 0x20)) + list(range(0x60, 0xb0)),
     {128: 4, 256: 4, 512: 2}),
    ("AMD Zen 5", "AuthenticAMD", 0x1a,
     list(range(0x00, 0x20)) + list(range(0x40, 0x50)),
     {128: 4, 256: 4, 512: 4}),
    ("AMD Zen 5 (mobile)", "AuthenticAMD", 0x1a,
     list(range(0x20, 0x30)) + list(range(0x60, 0x80)),
     {128: 4, 256: 4}),
    ("Arm Neoverse N1", "0x41", None, [0xd0c], {128: 2}),
    ("Arm Neoverse N2", "0x41", None, [0xd49], {128: 2}),
    ("Arm Neoverse V1", "0x41", None, [0xd40], {128: 4}),
    ("Arm Neoverse V2", "0x41", None, [0xd4f], {128: 4}),
]
KERNEL_BITS = {"sse2": 128, "avx2": 256, "avx512": 512, "portable": 128}
# A kernel adds nothing but its two vector adds per lane and the loop's
# count: past its ceiling by more than this, the table is wrong.
CEILING_SLACK = 1.10


def uarch(cpu):
    """The row of UARCHS that names this CPU, or None."""
    for row in UARCHS:
        name, vendor, family, models, _ = row
        if cpu["vendor"] != vendor:
            continue
        if family is None and cpu["part"] in models:
            return row
        if family is not None and cpu["family"] == family and \
                cpu["model_no"] in models:
            return row
    return None


def ceiling(cpu, kernel):
    """Integers per cycle at two vector adds per lane (the kernel's add of
    the integers and its step of the index vector), or None if the table
    does not know this CPU, or this width on it."""
    row = uarch(cpu)
    bits = KERNEL_BITS.get(kernel)
    if row is None or bits is None or bits not in row[4]:
        return None
    return row[4][bits] * (bits // 64) / 2


def uarch_name(cpu):
    row = uarch(cpu)
    if row is not None:
        return row[0]
    return "not in the table (vendor %s, family %s, model %s, part %s)" % (
        cpu["vendor"], cpu["family"], cpu["model_no"],
        "-" if cpu["part"] is None else hex(cpu["part"]))


def kernels(b):
    """The kernels of this build (its usage error lists them) that this
    CPU runs, lowest level first."""
    env = dict(b.runner.env, RANGETOOLS_KERNEL="no-such-kernel")
    p = subprocess.run(["range-sum", "0", "1"], env=env, cwd=OUT,
                       capture_output=True, text=True)
    if "(kernels: " not in p.stderr:
        return []
    names = p.stderr.split("(kernels: ")[1].split(")")[0].split(", ")
    return [k for k in names if subprocess.run(
        ["range-sum", "0", "1"], env=dict(b.runner.env, RANGETOOLS_KERNEL=k),
        cwd=OUT, capture_output=True).returncode == 0]


# The loop's yardsticks: the C int64 loop at -O3 -march=native, and on an
# AVX-512 CPU the same without AVX-512, as an AVX2 machine's -march=native
# builds it: what the avx2 kernel, forced on an AVX-512 CPU, is measured
# by.
REF = "ref_loop -O3 -march=native"
REF2 = "ref_loop -O3 -march=native -mno-avx512f"


class Loop:
    """What section (a) learns about the machine before it measures."""

    def __init__(self, b):
        self.cpu = cpu_info()
        self.ref = os.path.join(OUT, "ref_loop")
        ref2 = os.path.join(OUT, "ref_loop_avx2")
        best = subprocess.run(["range-sum", "--stats", "0", "1e6"],
                              env=b.runner.env, cwd=OUT, capture_output=True,
                              text=True).stderr
        self.best = best.split("kernel ")[-1].split(":")[0] \
            if "kernel " in best else "?"
        self.have = kernels(b)
        self.ref2 = ref2 if os.path.exists(ref2) and "avx2" in self.have \
            else None
        self.n = {}
        self.ns = {}
        self.rate = {}


def loop_head(b, lp):
    vec = sorted(f for f in lp.cpu["flags"] if f in (
        "sse2", "avx2", "avx512f", "asimd", "neon"))
    b.say("(a) loop, one thread, ns per integer (wall; CPU in brackets)")
    b.say("  CPU: %s (%s, family %s model %s); vector flags: %s" % (
        lp.cpu["model"], lp.cpu["vendor"], lp.cpu["family"],
        lp.cpu["model_no"], " ".join(vec) or "none"))
    b.say("  range-sum's default kernel here: %s; kernels this CPU runs: %s"
          % (lp.best, ", ".join(lp.have) or "none"))


def ref_scaling(b, lp):
    """The reference must really loop: 4x the range, at least 2x the
    time.  Returns how much its CPU time grew."""
    n = b.loop_n
    scale = b.measure("ref-scaling", [
        ("ref_loop N/4", [lp.ref, "0", str(n // 4)], None, None, 1),
        ("ref_loop N", [lp.ref, "0", str(n)], None, None, 1),
    ], reps=3)
    return scale["ref_loop N"]["cpu"] / max(scale["ref_loop N/4"]["cpu"],
                                            1e-6)


def loop_measure(b, lp):
    """Every loop in turns, the clock among them; prints ns per integer
    and keeps them, from CPU time, in lp.ns.  Returns the medians."""
    n, want = b.loop_n, formula(0, b.loop_n)
    variants = [("range-sum", ["range-sum", "0", str(n)], None, want, 1)]
    variants += [("range-sum kernel %s" % k,
                  ["env", "RANGETOOLS_KERNEL=" + k, "range-sum", "0",
                   str(n)], None, want, 1) for k in lp.have]
    variants += [(REF, [lp.ref, "0", str(n)], None, None, 1)]
    if lp.ref2:
        variants += [(REF2, [lp.ref2, "0", str(n)], None, None, 1)]
    py = os.path.join(ROOT, "bench", "article_loop.py")
    variants += [
        ("python article loop", ["python3", py, "0", str(b.py_n)], None,
         formula(0, b.py_n), 1),
        ("clock", [os.path.join(OUT, "clock")], None, None, 1),
    ]
    m = b.measure("loop", variants)
    lp.ghz = statistics.median(float(r.out) for r in m["clock"]["runs"]
                               if r.status == 0)
    b.say("  clock: %.2f GHz (a chain of dependent adds, bench/clock.c; "
          "median)" % lp.ghz)
    lp.n = {k: n for k in m}
    lp.n["python article loop"] = b.py_n
    for k, v in m.items():
        if k == "clock":
            continue
        wall_ns = v["wall"] / lp.n[k] * 1e9
        b.say("  %-40s %9.4f ns (%.4f)  %s" % (
            "%s 0 %g" % (k, lp.n[k]), wall_ns, v["cpu"] / lp.n[k] * 1e9,
            "exact" if v["ok"] else "WRONG/failed"))
        # Rates and ratios from CPU time: a process another one preempts
        # loses wall time, not CPU time, and the clock is its fastest run.
        lp.ns[k] = v["cpu"] / lp.n[k] * 1e9
    return m


def share_of(rate, ceil):
    """The share of its ceiling a rate is, as printed: a percentage,
    "ceiling unknown", or a sign that the table is wrong."""
    if ceil is None:
        return "ceiling unknown"
    if rate > CEILING_SLACK * ceil:
        return "TABLE WRONG"
    return "%.0f%%" % (100 * rate / ceil)


def loop_rates(b, lp):
    """The table of integers per ns and per cycle against the ceiling."""
    ref_ns, py_ns = lp.ns[REF], lp.ns["python article loop"]
    b.say()
    b.say("  microarchitecture: %s" % uarch_name(lp.cpu))
    b.say("  %-22s %10s %10s %12s %16s %9s %9s" % (
        "CPU time, per cycle", "ints/ns", "ints/cyc", "ceiling", "of ceil",
        "vs ref", "vs Py"))
    label = {REF: "ref_loop", REF2: "ref, no avx512"}
    wrong = []
    for k in [REF] + ([REF2] if lp.ref2 else []) + [
            "range-sum kernel %s" % h for h in lp.have]:
        kern = label.get(k, k.split()[-1])
        lp.rate[kern] = 1 / lp.ns[k] / lp.ghz
        c = None if k in label else ceiling(lp.cpu, kern)
        share = "" if k in label else share_of(lp.rate[kern], c)
        if share == "TABLE WRONG":
            wrong.append((kern, lp.rate[kern], c))
        b.say("  %-22s %10.2f %10.2f %12s %16s %8.2fx %8.0fx" % (
            kern, 1 / lp.ns[k], lp.rate[kern],
            "" if c is None else "%.0f" % c, share,
            lp.ns[k] / ref_ns, py_ns / lp.ns[k]))
    b.say("  (ceiling: two vector adds per lane, at the vector adds a cycle "
          "that the instruction\n  tables give this microarchitecture; "
          "bench/bench.py, UARCHS)")
    for kern, rate, c in wrong:
        b.say("  %s: %.2f integers a cycle is more than %.0f%% of the "
              "ceiling of %.0f that UARCHS gives %s:\n  the table is "
              "wrong for this CPU (or the clock misread), so no share "
              "is reported" % (kern, rate, 100 * CEILING_SLACK, c,
                               uarch(lp.cpu)[0]))
    b.say()


def kernel_targets(b, lp, kern, what, yard=REF):
    """The targets of one kernel: per cycle, of its ceiling, against
    Python and against the C loop yard."""
    k = "range-sum kernel %s" % kern
    if k not in lp.ns:
        return
    c = ceiling(lp.cpu, kern)
    rate, ns = lp.rate[kern], lp.ns
    b.ratio_row("%s: integers per cycle per core" % what, "%.2f" % rate,
                ">= 5", rate >= 5)
    share = share_of(rate, c)
    if c is None:
        b.say("  %-56s %15s" % ("%s: share of its ceiling" % what, share))
    else:
        b.ratio_row("%s: share of its ceiling (%.0f/cycle)" % (what, c),
                    share, ">= 80%",
                    0.8 * c <= rate <= CEILING_SLACK * c)
    py = ns["python article loop"] / ns[k]
    b.ratio_row("%s vs Python loop (x faster per integer)" % what,
                "%.0fx" % py, ">= 500x", py >= 500)
    r = ns[k] / ns[yard]
    b.ratio_row("%s time vs %s loop" % (what, yard.split(None, 1)[1]),
                "%.2fx" % r, "<= 0.5x", r <= 0.5)


def loop_targets(b, lp, m, grow):
    ns, have, best = lp.ns, lp.have, lp.best
    if best in have:
        kernel_targets(b, lp, best, "best kernel (%s)" % best)
    if "avx2" in have and best != "avx2":
        # As on an AVX2 machine: against the loop built without AVX-512.
        kernel_targets(b, lp, "avx2", "avx2 forced",
                       REF2 if lp.ref2 else REF)
        if lp.ref2:
            b.say("  %-56s %15s" % (
                "avx2 forced time vs -O3 -march=native (AVX-512) loop",
                "%.2fx" % (ns["range-sum kernel avx2"] / ns[REF])))
    if "sse2" in have:
        k = "range-sum kernel sse2"
        b.ratio_row("sse2 (baseline) time vs -O3 -march=native loop",
                    "%.2fx" % (ns[k] / ns[REF]), "<= 1x", ns[k] <= ns[REF])
    if "avx512" in have and "avx2" in have:
        r = ns["range-sum kernel avx2"] / ns["range-sum kernel avx512"]
        b.ratio_row("avx512 speed vs avx2 (x faster)", "%.2fx" % r, ">= 1x",
                    r >= 1)
    b.ratio_row("the reference loop's CPU time grows with its range",
                "x%.1f for 4x" % grow, "> x2", grow > 2)
    ok = all(v["ok"] for k, v in m.items() if k.startswith("range-sum"))
    b.ratio_row("range-sum's answers exact (every kernel)",
                "yes" if ok else "no", "yes", ok)
    b.say()


def loop_throughput(b):
    """(a) ns per integer: each kernel of range-sum, the C int64 loop, the
    Python loop; integers per cycle against a clock measured alongside."""
    lp = Loop(b)
    loop_head(b, lp)
    grow = ref_scaling(b, lp)
    m = loop_measure(b, lp)
    loop_rates(b, lp)
    loop_targets(b, lp, m, grow)


# The modes of section (b): how each runs with w workers over [0, n).
MODES = [
    ("threads", lambda w, n: ["range-sum", "--threads", str(w), "0", str(n)]),
    ("procs", lambda w, n: ["range-sum", "--procs", str(w), "0", str(n)]),
    ("gil", lambda w, n: ["range-sum", "--threads", str(w), "--gil", "0",
                          str(n)]),
    ("gil-1us", lambda w, n: ["range-sum", "--threads", str(w), "--gil",
                              "--switch-interval", "1us", "0", str(n)]),
    ("xargs", lambda w, n: "range-split -n %d 0 %d | xargs -P %d -L 1 "
     "range-sum | sum-merge" % (w, n, w)),
    ("parallel", lambda w, n: "range-split -n %d 0 %d | parallel --will-cite "
     "-j %d --colsep ' ' range-sum {1} {2} | sum-merge" % (w, n, w)),
]


def modes(b):
    """(b) speedups of the worker modes and pipelines at 1, 2, 4 workers."""
    N = b.modes_n
    want = formula(0, N)
    b.say("(b) modes, range-sum 0 %g: median wall s, speedup over one plain "
          "thread" % N)
    variants = [("plain", ["range-sum", "0", str(N)], None, want, 1)]
    for name, mk in MODES:
        for w in WORKERS:
            if name == "gil-1us" and w != 2:
                continue
            variants.append(("%s %d" % (name, w), mk(w, N), None, want, w))
    m = b.measure("modes", variants)
    base = m["plain"]["wall"]
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1):
        b.say("  note: load average %.1f on %d CPUs: other work holds the "
              "cores, so no mode can show its speedup now" % (
                  load, os.cpu_count()))
    b.say("  %-12s %10s %10s %10s   (plain: %.3f s)" % (
        "mode", "1", "2", "4", base))
    table = {}
    for name, _ in MODES:
        cells = []
        for w in WORKERS:
            r = m.get("%s %d" % (name, w))
            if r is None:
                cells.append("%10s" % "-")
                continue
            table[(name, w)] = r["wall"]
            cells.append("%9.2fx%s" % (base / r["wall"], "" if r["ok"]
                                       else "!"))
        b.say("  %-12s %s" % (name, " ".join(cells)))
    sp = {k: base / v for k, v in table.items()}
    b.ratio_row("--threads 2 speedup", "%.2fx" % sp[("threads", 2)],
                ">= 1.8x", sp[("threads", 2)] >= 1.8)
    b.ratio_row("--procs 2 speedup", "%.2fx" % sp[("procs", 2)],
                ">= 1.8x", sp[("procs", 2)] >= 1.8)
    b.ratio_row("--gil 2 (5ms) speedup", "%.2fx" % sp[("gil", 2)],
                "0.85-1.1x", 0.85 <= sp[("gil", 2)] <= 1.1)
    b.ratio_row("--gil 2 --switch-interval 1us speedup",
                "%.2fx" % sp[("gil-1us", 2)], "< 1x", sp[("gil-1us", 2)] < 1)
    ok = all(r["ok"] for r in m.values())
    b.ratio_row("every mode's answer exact", "yes" if ok else "no", "yes", ok)
    b.say()
    return table, base


def split_cost(b):
    """(i) what splitting costs: one worker (--threads 1, --procs 1)
    against none, with each kernel this CPU runs, in CPU time; two
    workers, with and without the lock, against none, in wall time.  All
    of them one group, run in turns."""
    n, want = b.split_n, formula(0, b.split_n)
    lp = Loop(b)
    have = lp.have or [lp.best]
    b.say("(i) splitting, range-sum 0 %g: median CPU and wall s; CPU: %s "
          "(%s)" % (n, lp.cpu["model"], uarch_name(lp.cpu)))
    variants = []
    for k in have:
        env = ["env", "RANGETOOLS_KERNEL=" + k, "range-sum"]
        for opt in ([], ["--threads", "1"], ["--procs", "1"]):
            name = " ".join([k, "plain" if not opt else " ".join(opt)])
            variants.append((name, env + opt + ["0", str(n)], None, want,
                             1))
    best = lp.best if lp.best in have else have[-1]
    for opt in (["--threads", "2"], ["--procs", "2"],
                ["--threads", "2", "--gil"]):
        variants.append((" ".join(opt), ["range-sum"] + opt +
                         ["0", str(n)], None, want, 2))
    m = b.measure("split", variants)
    b.say("  %-26s %9s %9s %11s %11s" % ("variant", "CPU s", "wall s",
                                         "CPU/plain", "plain/wall"))
    for name, *_ in variants:
        base = m["%s plain" % (name.split()[0] if name.split()[0] in have
                               else best)]
        v = m[name]
        b.say("  %-26s %9.3f %9.3f %10.3fx %10.3fx%s" % (
            name, v["cpu"], v["wall"], v["cpu"] / base["cpu"],
            base["wall"] / v["wall"], "" if v["ok"] else "  WRONG/failed"))
    for k in have:
        base = m["%s plain" % k]["cpu"]
        for opt in ("--threads 1", "--procs 1"):
            r = m["%s %s" % (k, opt)]["cpu"] / base
            b.ratio_row("%s %s: CPU time vs plain" % (k, opt), "%.3fx" % r,
                        "<= 1.03x", r <= 1.03)
    base = m["%s plain" % best]["wall"]
    for opt in ("--threads 2", "--procs 2"):
        r = base / m[opt]["wall"]
        b.ratio_row("%s: speedup over plain (%s, wall)" % (opt, best),
                    "%.2fx" % r, ">= 1.9x", r >= 1.9)
    r = m["--threads 2 --gil"]["wall"] / base
    b.ratio_row("--threads 2 --gil (5ms): wall time vs plain", "%.3fx" % r,
                "0.95-1.05x", 0.95 <= r <= 1.05)
    ok = all(v["ok"] for v in m.values())
    b.ratio_row("every answer exact", "yes" if ok else "no", "yes", ok)
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1):
        b.say("  note: load average %.1f on %d CPUs: other work holds the "
              "cores; the two-worker rows cannot show their speedup now" % (
                  load, os.cpu_count()))
    b.say()


def merge(b):
    """(c) sum-merge against the one-liners users reach for."""
    nums = os.path.join(OUT, "nums.txt")
    rnd = random.Random(20240605)
    vals = [rnd.randrange(10**15, 10**16) for _ in range(b.nums)]
    with open(nums, "w") as f:
        f.write("".join("%d\n" % v for v in vals))
    want = sum(vals)
    b.say("(c) sum-merge on %d 16-digit integers, from a file on stdin "
          "(median wall s; right answer %d)" % (b.nums, want))
    m = b.measure("merge", [
        ("sum-merge", ["sum-merge"], nums, None, 1),
        ("python3 sum(map(int))", ["python3", "-c", "import sys; "
                                   "print(sum(map(int, sys.stdin)))"],
         nums, None, 1),
        ("paste -sd+ | bc", "paste -sd+ | bc", nums, None, 1),
        ("mawk {s+=$1}", ["mawk", "{s+=$1} END {print s}"], nums, None, 1),
    ])
    for k, v in m.items():
        right = v["out"] == str(want)
        b.say("  %-24s %8.4f s (CPU %.4f)  %-24s %s" % (
            k, v["wall"], v["cpu"], v["out"][:24],
            "right" if right else "WRONG"))
        m[k]["right"] = right
    b.ratio_row("sum-merge exact", "yes" if m["sum-merge"]["right"] else "no",
                "yes", m["sum-merge"]["right"])
    for k, target in (("python3 sum(map(int))", 20), ("paste -sd+ | bc", 40),
                      ("mawk {s+=$1}", None)):
        r = m[k]["wall"] / m["sum-merge"]["wall"]
        c = m[k]["cpu"] / m["sum-merge"]["cpu"]
        what = "sum-merge vs %s (x faster; CPU)" % k
        if target is None:
            b.say("  %-52s %12s" % (what, "%.1fx (%.1fx)" % (r, c)))
        else:
            b.ratio_row(what, "%.1fx (%.1fx)" % (r, c), ">= %dx" % target,
                        r >= target)
    b.say()


def fanout(b):
    """(d) per-job cost of xargs -P 2 and GNU parallel: range-sum vs true."""
    jobs = os.path.join(OUT, "jobs.txt")
    with open(jobs, "w") as f:
        f.write("".join("%d %d\n" % (i, i + 1) for i in range(b.jobs)))
    b.say("(d) fan-out, %d one-integer jobs, 2 at a time: ms per job"
          % b.jobs)
    par = "parallel --will-cite -j 2 --colsep ' ' %s {1} {2} >/dev/null"
    m = b.measure("fanout", [
        ("xargs true", "xargs -P 2 -L 1 true", jobs, None, 2),
        ("xargs range-sum", "xargs -P 2 -L 1 range-sum >/dev/null", jobs,
         None, 2),
        ("parallel true", par % "true", jobs, None, 2),
        ("parallel range-sum", par % "range-sum", jobs, None, 2),
    ])
    for k, v in m.items():
        b.say("  %-24s %8.3f ms/job" % (k, v["wall"] / b.jobs * 1e3))
    r = m["xargs range-sum"]["wall"] / m["xargs true"]["wall"]
    b.ratio_row("xargs -P 2 -L 1: range-sum / true per job", "%.2fx" % r,
                "<= 1.2x", r <= 1.2)
    r = m["parallel range-sum"]["wall"] / m["parallel true"]["wall"]
    b.say("  %-52s %12s" % ("GNU parallel: range-sum / true per job",
                            "%.2fx" % r))
    b.say()


def transports(b):
    """(e) records per second: a pipe here; a message queue and a shared
    table as bench/transport.sh (the transports' own script) measures
    them, its runs taking turns with the pipe's."""
    R = b.records
    script = os.path.join(ROOT, "bench", "transport.sh")
    ranges = os.path.join(OUT, "ranges.txt")
    with open(ranges, "w") as f:
        f.write("".join("%d %d\n" % (i, i + 1) for i in range(R)))
    b.say("(e) record rates: one-integer records, end to end (records/s)")
    rates = {"pipe": [], "queue": [], "table": []}
    for rep in range(b.reps):
        r = b.run("range-sum --method formula -t | sum-merge --expect 0 %d"
                  % R, ranges)
        ok = r.status == 0 and r.out == str(formula(0, R))
        b.report.row("records", "pipe", 1, rep, r, ok)
        rates["pipe"].append(R / r.wall if ok else 0)
        r = b.run("sh '%s' %d 2>&1" % (script, R))
        # Its rows count unless it found a wrong total (it prints its rows
        # first); its exit status is not reliable (see the report).
        ok = "wrong total" not in r.out
        b.report.row("records", "transport.sh", 1, rep, r, ok)
        for line in r.out.splitlines() if ok else []:
            f = line.split()
            if len(f) == 7 and f[0] in rates:
                rates[f[0]].append(float(f[5]))
    b.say("  %-8s %12.0f   range-sum -t | sum-merge, %d records" % (
        "pipe", statistics.median(rates["pipe"]), R))
    for name, target, what in (
            ("queue", 100000, "one producer, one consumer, depth 10"),
            ("table", 1000000, "two producers at once, 1000000 inserts")):
        if not rates[name]:
            b.ratio_row("%s: bench/transport.sh failed" % name, "-",
                        ">= %d" % target, False)
            continue
        r = statistics.median(rates[name])
        b.ratio_row("%s (%s)" % (name, what), "%.0f" % r, ">= %g" % target,
                    r >= target)
    b.say()


def peak_rss(b, n, kib):
    """range-sum 0 n under GNU time: its result and peak RSS in KiB."""
    r = b.run(["/usr/bin/time", "-f", "%M", "-o", kib, "range-sum", "0", n])
    with open(kib) as f:
        return r, int(f.read().split()[-1])


def rss(b):
    """(f) peak RSS of range-sum: it must not grow with the range.

    GNU time's %M: the peak RSS that wait4() reports, taken by a small
    parent (wait4() from here would count this Python process, whose
    memory the child has until it execs).
    """
    if not os.path.exists("/usr/bin/time"):
        b.say("(f) peak RSS: skipped, no /usr/bin/time (apt-get install "
              "time)")
        b.say()
        return
    b.say("(f) peak RSS of range-sum (KiB: GNU time %M, median)")
    kib = os.path.join(OUT, "rss.txt")
    got = {}
    for rep in range(b.reps):
        for n in ("1e6", "1e10") if rep % 2 == 0 else ("1e10", "1e6"):
            r, k = peak_rss(b, n, kib)
            ok = r.status == 0 and r.out == str(formula(0, int(float(n))))
            b.report.row("rss", "range-sum 0 " + n, 1, rep, r._replace(rss=k),
                         ok)
            got.setdefault(n, []).append(k)
    b.run(["/usr/bin/time", "-f", "%M", "-o", kib, "true"])
    with open(kib) as f:
        floor = int(f.read().split()[-1])
    lo, hi = statistics.median(got["1e6"]), statistics.median(got["1e10"])
    b.say("  range-sum 0 1e6: %d KiB   range-sum 0 1e10: %d KiB   "
          "(true: %d KiB)" % (lo, hi, floor))
    b.ratio_row("peak RSS", "%d KiB" % max(lo, hi), "< 4096 KiB",
                max(lo, hi) < 4096)
    b.ratio_row("the same at 1e6 and 1e10 (medians within 10%)",
                "%+d KiB" % (hi - lo), "same", abs(hi - lo) <= 0.1 * lo)
    b.say()


def repeats(b):
    """(g) sum-merge on records taken at least once: 1,000,000 records,
    10% of them identical repeats and 1% nested overlaps (half re-runs of
    two parts at once, half stragglers inside a part), in random order;
    beside the same parts without repeats.  Peak RSS by GNU time, as (f).
    """
    if not os.path.exists("/usr/bin/time"):
        b.say("(g) repeats: skipped, no /usr/bin/time (apt-get install "
              "time)")
        b.say()
        return
    n = b.repeat_recs
    nrep, nnest = n // 10, n // 100
    base = n - nrep - nnest
    size = 1000003
    end = base * size
    rnd = random.Random(20261127)
    recs = ["%d %d %d\n" % (i * size, (i + 1) * size,
                            formula(i * size, (i + 1) * size))
            for i in range(base)]
    tiling = os.path.join(OUT, "tiling.txt")
    with open(tiling, "w") as f:
        f.write("".join(recs))
    recs += [recs[rnd.randrange(base)] for _ in range(nrep)]
    for k in range(nnest):
        i = rnd.randrange(base - 1)
        if k % 2:
            lo, hi = i * size, (i + 2) * size
        else:
            lo = i * size + rnd.randrange(size)
            hi = lo + 1 + rnd.randrange((i + 1) * size - lo)
        recs.append("%d %d %d\n" % (lo, hi, formula(lo, hi)))
    rnd.shuffle(recs)
    mixed = os.path.join(OUT, "repeats.txt")
    with open(mixed, "w") as f:
        f.write("".join(recs))
    del recs
    want = str(formula(0, end))
    b.say("(g) sum-merge --expect on %d records: 10%% identical repeats, 1%% "
          "nested overlaps, shuffled, checked and --values (median wall s, "
          "CPU s, peak RSS by GNU time)" % n)
    kib = os.path.join(OUT, "rss-repeats.txt")
    time_ = ["/usr/bin/time", "-f", "%M", "-o", kib]
    expect = ["--expect", "0", str(end)]
    variants = [("tiling", ["sum-merge"], tiling),
                ("repeats", ["sum-merge"], mixed),
                ("values", ["sum-merge", "--values"], mixed)]
    # BENCH_OLD_MERGE: an earlier sum-merge (e.g. built from git), run
    # side by side on the same records.
    old = os.environ.get("BENCH_OLD_MERGE")
    if old:
        variants.append(("old", [old], mixed))
    got = {name: [] for name, _, _ in variants}
    for rep in range(b.reps):
        turn = variants if rep % 2 == 0 else variants[::-1]
        for name, argv, path in turn:
            r = b.run(time_ + argv + expect, path)
            with open(kib) as f:
                k = int(f.read().split()[-1])
            b.report.row("repeats", name, 1, rep, r._replace(rss=k),
                         r.status == 0 and r.out == want)
            got[name].append((r.wall, r.cpu, k, r.out))
    m = {name: {"wall": statistics.median(x[0] for x in runs),
                "cpu": statistics.median(x[1] for x in runs),
                "rss": statistics.median(x[2] for x in runs),
                "out": runs[-1][3]} for name, runs in got.items()}
    for k, v in m.items():
        b.say("  %-8s %7d records  %8.3f s (CPU %.3f)  %6d KiB  %s" % (
            k, base if k == "tiling" else n, v["wall"], v["cpu"],
            v["rss"], "right" if v["out"] == want else "WRONG"))
    for k in ("repeats", "values"):
        r = m[k]
        b.ratio_row("%s: exact total" % k,
                    "yes" if r["out"] == want else "no", "yes",
                    r["out"] == want)
        b.ratio_row("%s: wall" % k, "%.3f s" % r["wall"], "< 1 s",
                    r["wall"] < 1)
        b.ratio_row("%s: peak RSS" % k, "%.1f MiB" % (r["rss"] / 1024),
                    "< 128 MiB", r["rss"] < 128 * 1024)
        if old:
            c = m[k]["cpu"] / m["old"]["cpu"]
            b.ratio_row("%s: CPU vs the old sum-merge" % k, "%.2fx" % c,
                        "<= 0.5x", c <= 0.5)
    b.say()
    merge_scale(b)


def queue_overlaps(path, n, size=1000):
    """Writes n ranges for range-sum --mq: parts of size, 1% of them
    overlaps (half re-runs of two parts, half stragglers inside a part),
    shuffled, the last a part no overlap touches, so that --expect's
    coverage comes with the last message and none is sent after the
    reader has gone.  Returns the end of the parts."""
    rnd = random.Random(11)
    base = n - n // 100
    ranges = ["%d %d\n" % (i * size, (i + 1) * size) for i in range(base)]
    touched = set()
    for k in range(n // 100):
        i = rnd.randrange(base - 1)
        if k % 2:
            lo, hi = i * size, (i + 2) * size
            touched.update((i, i + 1))
        else:
            lo = i * size + rnd.randrange(size)
            hi = lo + 1 + rnd.randrange((i + 1) * size - lo)
            touched.add(i)
        ranges.append("%d %d\n" % (lo, hi))
    last = min(set(range(base)) - touched)
    del ranges[last]
    rnd.shuffle(ranges)
    ranges.append("%d %d\n" % (last * size, (last + 1) * size))
    with open(path, "w") as f:
        f.write("".join(ranges))
    return base * size


def merge_scale(b):
    """(g) the inputs that were quadratic: 200,000 shuffled records that
    share a start, both modes, and a queue's 20,000 unit parts under one
    record, in reverse order; and 200,000 records with 1% overlaps sent
    one by one through a queue, shuffled."""
    n, units = 200000, 20000
    overlaps = os.path.join(OUT, "queue-overlaps.txt")
    qend = queue_overlaps(overlaps, n)
    rnd = random.Random(5)
    shared = os.path.join(OUT, "shared-start.txt")
    lines = ["0 %d %d\n" % (k, formula(0, k)) for k in range(1, n + 1)]
    rnd.shuffle(lines)
    with open(shared, "w") as f:
        f.write("".join(lines))
    parts = os.path.join(OUT, "unit-parts.txt")
    with open(parts, "w") as f:
        f.write("1 %d\n" % units)
        f.write("".join("%d %d\n" % (i, i + 1)
                        for i in range(units - 1, -1, -1)))
    q = "/rangetools-bench-%d" % os.getpid()
    rows = [("shared start", "sum-merge --expect 0 %d %s" % (n, shared),
             str(formula(0, n)), 1),
            ("shared start, --values",
             "sum-merge --values --expect 0 %d %s" % (n, shared),
             str(formula(0, n)), 1),
            ("queue, unit parts",
             "sum-merge --mq %s --expect 0 %d & range-sum --mq %s <%s; wait"
             % (q, units, q, parts), str(formula(0, units)), 1),
            ("queue, %d records, 1%% overlaps" % n,
             "sum-merge --mq %s --expect 0 %d & range-sum --method formula "
             "--mq %s <%s; wait" % (q, qend, q, overlaps),
             str(formula(0, qend)), 2)]
    b.say("(g) %d records sharing a start, shuffled; %d unit parts under "
          "one record through a queue, reversed; %d records with 1%% "
          "overlaps through a queue, shuffled (median wall s, CPU s)"
          % (n, units, n))
    for name, cmd, want, target in rows:
        runs = [b.run(cmd) for _ in range(b.reps)]
        wall = statistics.median(r.wall for r in runs)
        cpu = statistics.median(r.cpu for r in runs)
        ok = all(r.status == 0 and r.out == want for r in runs)
        b.ratio_row(name, "%.3f s (CPU %.3f)%s" % (
            wall, cpu, "" if ok else " WRONG"), "< %d s" % target,
            ok and wall < target)
    b.say()


def trace_cost(b):
    """(h) what --trace costs where its events come fastest: a blocking
    call of 1 us after each chunk of 16,384 integers, 2 threads."""
    n = b.trace_n
    want = formula(0, n)
    path = os.path.join(OUT, "trace-cost.json")
    b.say("(h) --trace cost, range-sum --threads 2 --io-wait 1us 0 %g: "
          "median wall, traced over plain (file in bench/out)" % n)
    # Each run writes a new file, as a user's would: ext4 flushes a file
    # renamed over another at once (auto_da_alloc), which would add some
    # milliseconds to every traced run after the first.  Both variants
    # pay for the rm.
    for name, extra in (("--threads", ""), ("--gil", " --gil")):
        cmd = ("rm -f %s; exec range-sum --threads 2%s --io-wait 1us" %
               (path, extra))
        m = b.measure("trace", [
            (name + " plain", ["sh", "-c", "%s 0 %d" % (cmd, n)], None,
             want, 2),
            (name + " traced", ["sh", "-c", "%s --trace %s 0 %d" % (
                cmd, path, n)], None, want, 2)], reps=3 * b.reps)
        r = m[name + " traced"]["wall"] / m[name + " plain"]["wall"]
        b.ratio_row("%s --io-wait 1us: traced wall vs plain" % name,
                    "%+.1f%%" % (100 * (r - 1)), "<= +10%",
                    r <= 1.10 and all(v["ok"] for v in m.values()))
    if os.path.exists(path):
        os.unlink(path)
    b.say()


def plot(b, table, base):
    """Wall time against workers, one line per mode, with one plain thread
    and the ideal for reference: one thread's time over the workers, or
    over the cores when they are fewer, since no more workers than cores
    run at once."""
    names = [name for name, _ in MODES]
    cores = len(os.sched_getaffinity(0)) or os.cpu_count() or 1
    dat = os.path.join(OUT, "modes.dat")
    with open(dat, "w") as f:
        f.write("# workers plain ideal " + " ".join(names) + "\n")
        for w in WORKERS:
            ideal = base / min(w, cores)
            f.write("%d %.6f %.6f %s\n" % (w, base, ideal, " ".join(
                "%.6f" % table[(mo, w)] if (mo, w) in table else "NaN"
                for mo in names)))
    if not shutil.which("gnuplot"):
        b.say("no gnuplot: no plot (apt-get install gnuplot-nox); data in %s"
              % os.path.relpath(dat, ROOT))
        return
    png = os.path.join(OUT, "modes.png")
    lines = ["'%s' using 1:2 with lines dashtype 2 title 'one thread'" % dat,
             "'%s' using 1:3 with lines dashtype 3 title 'ideal'" % dat]
    lines += ["'%s' using 1:%d with linespoints title '%s'" % (dat, i + 4, mo)
              for i, mo in enumerate(names)]
    script = ("set terminal png size 800,500; set output '%s';"
              "set title 'range-sum 0 %g: wall time against workers "
              "(medians)';"
              "set xlabel 'workers'; set ylabel 'wall time (s)';"
              "set xtics (1,2,4); set yrange [0:*]; set key outside;"
              "plot %s" % (png, b.modes_n, ", ".join(lines)))
    if subprocess.run(["gnuplot", "-e", script]).returncode == 0:
        b.say("plot: %s" % os.path.relpath(png, ROOT))


SECTIONS = ["loop", "modes", "merge", "fanout", "records", "rss", "repeats",
            "trace", "split"]


def main():
    os.makedirs(OUT, exist_ok=True)
    only = sys.argv[1:] or SECTIONS
    b = Bench()
    b.say("rangetools benchmark: %d repetitions, medians; %s, %d CPUs, load "
          "%.2f at start" % (b.reps, time.strftime("%Y-%m-%d %H:%M UTC",
                                                    time.gmtime()),
                             os.cpu_count(), os.getloadavg()[0]))
    b.say()
    table = None
    if "loop" in only:
        loop_throughput(b)
    if "modes" in only:
        table, base = modes(b)
    for name, section in (("merge", merge), ("fanout", fanout),
                          ("records", transports), ("rss", rss),
                          ("repeats", repeats), ("trace", trace_cost),
                          ("split", split_cost)):
        if name in only:
            section(b)
    b.report.write(os.path.join(OUT, "results.csv"),
                   os.path.join(OUT, "report.txt"))
    if table is not None:
        plot(b, table, base)
    b.say("raw figures: bench/out/results.csv; this table: bench/out/report.txt")


if __name__ == "__main__":
    main()
