#!/usr/bin/env python3
"""trace_check.py: a strict checker of Chrome Trace Event files, as
viewers read them.

    python3 tests/trace_check.py [--coverage PCT] [--quiet] FILE...

Reads each FILE as JSON and, on every thread (pid, tid), takes its
complete ("ph":"X") slices with their start ts and their end ts + dur,
both computed in binary floating point as JavaScript viewers do (Python
floats are the same IEEE doubles), both as Chrome and Perfetto read
them and as speedscope 1.25 does, which first subtracts the thread's
earliest ts from every ts.  Slices on one thread must be disjoint or
nested: sorted by start (a longer one first on a tie), each must end no
later than every slice still open around it.  A slice that begins
inside another and ends after it is a violation: speedscope then warns
"Tried to end X when Y was on top".  So is a slice of zero length,
which speedscope may end before it begins.

It also checks what every event needs (name, ph, pid; ts on all but
metadata; dur >= 0 on slices) and prints, per file, the violations
(the first few in full) and each thread's coverage: the part of its
time, from its first slice's start to its last one's end, that some
slice covers.  --coverage PCT fails a file whose threads cover less.
Exit status 0 if every file passes, 1 if not.
"""
import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def threads(doc, problems):
    """{(pid, tid): [(ts, dur, name)]} of the X slices, floats."""
    out = {}
    for i, e in enumerate(doc["traceEvents"]):
        for k in ("name", "ph", "pid"):
            if k not in e:
                problems.append("event %d has no %s: %r" % (i, k, e))
        ph = e.get("ph")
        if ph != "M" and not isinstance(e.get("ts"), (int, float)):
            problems.append("event %d has no numeric ts: %r" % (i, e))
            continue
        if ph != "X":
            continue
        d = e.get("dur")
        if not isinstance(d, (int, float)) or d < 0:
            problems.append("slice %d has a bad dur: %r" % (i, e))
            continue
        out.setdefault((e["pid"], e.get("tid")), []).append(
            (float(e["ts"]), float(d), e["name"]))
    return out


def as_read(slices, rebase):
    """[(start, end, name)] as a viewer computes them in doubles: ts +
    dur (Chrome, Perfetto), or with REBASE as speedscope does, (ts - the
    thread's first ts) + dur."""
    m = min(ts for ts, _, _ in slices) if rebase else 0.0
    out = []
    for ts, d, name in slices:
        start = ts - m if rebase else ts
        out.append((start, start + d, name))
    return out


def violations(slices):
    """The pairs (outer, inner) where inner starts inside outer and
    ends after it, as a stack-based reader meets them."""
    bad = []
    stack = []
    for s in sorted(slices, key=lambda x: (x[0], -x[1])):
        while stack and stack[-1][1] <= s[0]:
            stack.pop()
        if stack and s[1] > stack[-1][1]:
            bad.append((stack[-1], s))
            continue  # a reader would have to drop one: keep the outer
        stack.append(s)
    return bad


def coverage(slices):
    """Covered time over the span from the first start to the last end."""
    iv = sorted((a, b) for a, b, _ in slices)
    lo, hi = iv[0][0], max(b for _, b in iv)
    covered, cur_a, cur_b = 0.0, iv[0][0], iv[0][1]
    for a, b in iv[1:]:
        if a > cur_b:
            covered += cur_b - cur_a
            cur_a, cur_b = a, b
        elif b > cur_b:
            cur_b = b
    covered += cur_b - cur_a
    return 1.0 if hi <= lo else covered / (hi - lo)


def check(path, min_cov, quiet):
    problems = []
    doc = load(path)
    ths = threads(doc, problems)
    nbad = 0
    lines = []
    for key in sorted(ths, key=str):
        raw = ths[key]
        sl = as_read(raw, False)
        bad = violations(sl) + violations(as_read(raw, True))
        # At one instant speedscope ends slices before it begins others
        # of another name: a zero-length slice beside another breaks it.
        bad += [(x, x) for x in sl if x[1] <= x[0]]
        nbad += len(bad)
        cov = coverage(sl)
        lines.append("  pid %s tid %s: %d slices, %d violations, "
                     "coverage %.3f%%" % (key[0], key[1], len(sl), len(bad),
                                          100 * cov))
        for outer, inner in bad[:3]:
            problems.append("pid %s tid %s: %s [%r, %r] ends after %s "
                            "[%r, %r]" % (key[0], key[1], inner[2], inner[0],
                                          inner[1], outer[2], outer[0],
                                          outer[1]))
        if min_cov is not None and 100 * cov < min_cov:
            problems.append("pid %s tid %s: coverage %.3f%% < %g%%"
                            % (key[0], key[1], 100 * cov, min_cov))
    if not quiet or problems or nbad:
        print("%s: %d violations" % (path, nbad))
        print("\n".join(lines))
    for p in problems:
        print("  " + p)
    return nbad == 0 and not problems


def main():
    args = sys.argv[1:]
    min_cov, quiet = None, False
    while args and args[0].startswith("--"):
        if args[0] == "--coverage":
            min_cov = float(args[1])
            args = args[2:]
        elif args[0] == "--quiet":
            quiet = True
            args = args[1:]
        else:
            sys.exit("usage: trace_check.py [--coverage PCT] [--quiet] FILE...")
    if not args:
        sys.exit("usage: trace_check.py [--coverage PCT] [--quiet] FILE...")
    ok = all([check(p, min_cov, quiet) for p in args])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
