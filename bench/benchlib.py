"""benchlib.py: what the benchmarks share (bench.py for make bench,
gil.py for make gil): running a command and timing it, a group of
commands run in turns, knobs from the environment, the machine they ran
on, and the report printed and kept.

Nothing here is module state: a Report holds what one run printed and
the rows of its CSV, and a Runner how to run the programs under test.
"""
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import namedtuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# One run of a command: wall and CPU seconds (user + system, waited-for
# children included), peak RSS in KiB, exit status, stdout and stderr.
Result = namedtuple("Result", "wall cpu rss status out err")


def knob(name, default):
    """An integer from the environment, which may be written as 1e7."""
    return int(float(os.environ.get(name, default)))


def bindir():
    """Where range-sum and its siblings are: RANGETOOLS_BIN, or bin/."""
    return os.environ.get("RANGETOOLS_BIN") or os.path.join(ROOT, "bin")


def formula(start, end):
    """The sum of the integers in [start, end)."""
    return (end - start) * (start + end - 1) // 2


def cpu_info():
    """The CPU's model name, vendor and flags, from /proc/cpuinfo, and
    what names its microarchitecture: x86's family and model numbers, or
    an Arm core's part number ("CPU part"), as integers or None."""
    info = {"model": "unknown", "vendor": "unknown", "flags": set(),
            "family": None, "model_no": None, "part": None}
    keys = {"cpu family": "family", "model": "model_no", "CPU part": "part"}
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
                elif key in keys and info[keys[key]] is None:
                    try:
                        info[keys[key]] = int(val, 0)
                    except ValueError:
                        pass
    except OSError:
        pass
    return info


class Runner:
    """Runs commands with the programs under test first on PATH, in a
    working directory of the benchmark's, and times them."""

    def __init__(self, cwd, extra_env=None):
        path = bindir() + os.pathsep + os.environ["PATH"]
        self.env = dict(os.environ, PATH=path, LC_ALL="C", **(extra_env or {}))
        self.cwd = cwd

    def run(self, cmd, stdin=None, env=None):
        """Runs cmd (an argv list, or a string for sh -c) once: a Result."""
        argv = ["sh", "-c", cmd] if isinstance(cmd, str) else cmd
        with tempfile.TemporaryFile() as out, \
                tempfile.TemporaryFile() as err, \
                open(stdin or os.devnull, "rb") as inp:
            t0 = time.perf_counter()
            p = subprocess.Popen(argv, stdin=inp, stdout=out, stderr=err,
                                 env=env or self.env, cwd=self.cwd)
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
            out.seek(0)
            err.seek(0)
            return Result(wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss,
                          os.waitstatus_to_exitcode(status),
                          out.read().decode(errors="replace").strip(),
                          err.read().decode(errors="replace"))

    def must(self, cmd, who):
        """As run(), but a failure ends the benchmark with its message."""
        r = self.run(cmd)
        if r.status != 0:
            sys.exit("%s: failed (%d): %s\n%s" % (
                who, r.status, cmd if isinstance(cmd, str) else " ".join(cmd),
                r.err))
        return r


class Report:
    """The lines printed, kept for a file, and the runs, for a CSV."""

    CSV_HEAD = ["group", "variant", "workers", "rep", "wall_s", "cpu_s",
                "maxrss_kib", "status", "ok", "output"]

    def __init__(self):
        self.lines = []
        self.rows = []

    def say(self, line=""):
        print(line, flush=True)
        self.lines.append(line)

    def ratio_row(self, what, value, target, ok):
        """A target's line: what, the figure, the target, met or not."""
        self.say("  %-56s %15s  %-10s %s" % (
            what, value, target, "met" if ok else "NOT MET"))

    def row(self, group, name, workers, rep, r, ok):
        """One run of a variant, for the CSV."""
        self.rows.append([group, name, workers, rep, "%.6f" % r.wall,
                          "%.6f" % r.cpu, r.rss, r.status, int(ok),
                          r.out[:60]])

    def write(self, csv_path, text_path):
        with open(csv_path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(self.CSV_HEAD)
            w.writerows(self.rows)
        with open(text_path, "w") as f:
            f.write("\n".join(self.lines) + "\n")


def measure(runner, report, group, variants, reps):
    """Runs the variants of one group in turns, forward then backward, so
    that a busy moment of the machine falls on all of them alike; returns
    their medians by name.

    A variant is (name, cmd, stdin, expected output or None, workers).
    A median's "runs" are its Results, in order.
    """
    got = {v[0]: [] for v in variants}
    for rep in range(reps):
        order = variants if rep % 2 == 0 else variants[::-1]
        for name, cmd, stdin, want, workers in order:
            r = runner.run(cmd, stdin)
            ok = r.status == 0 and (want is None or r.out == str(want))
            report.row(group, name, workers, rep, r, ok)
            got[name].append((r, ok))
    return {name: {"wall": statistics.median(r.wall for r, _ in runs),
                   "cpu": statistics.median(r.cpu for r, _ in runs),
                   "rss": statistics.median(r.rss for r, _ in runs),
                   "ok": all(ok for _, ok in runs),
                   "out": runs[-1][0].out,
                   "runs": [r for r, _ in runs]}
            for name, runs in got.items()}
