#!/usr/bin/env python3
"""lanes_check.py: checks a screen of range-sum --lanes, as a person reads it.

    python3 tests/lanes_check.py COLS THREADS [SPAN_NS] < screen

The screen (what the terminal shows, or stderr) must hold: one row per
thread, numbered from 1, no line wider than COLS, bars of one width (40
columns or more) each with something in it and one '#' at least in all,
no column where two threads held the lock most of the time, a title
above them, an axis under them whose tick labels are plain rising
numbers, each under a '+' and two blanks or more from the next, and the
legend.  A title or legend too wide for COLS breaks after a comma, never
inside a phrase (as a terminal's own wrapping would).

With SPAN_NS, the run's length in nanoseconds, the title must give it in
milliseconds (to its three decimals) and the axis' unit must be the one
for it: us below 10 ms, ms below 10 s, s from there.

check() is the same, for tests that check many screens in one process;
it returns the bars, which shows() compares with the holds drawn.
"""
import re
import sys


def check(text, cols, n, span_ns=None):
    lines = text.splitlines()
    assert all(len(l) <= cols for l in lines), [l for l in lines if len(l) > cols]
    rows = [l for l in lines if re.match(r"worker \d+ *\|.*\|$", l)]
    assert [int(l.split()[1].split("|")[0]) for l in rows] == list(range(1, n + 1)), lines
    bars = [l[l.index("|") + 1:-1] for l in rows]
    assert len({len(b) for b in bars}) == 1 and len(bars[0]) >= 40, bars
    assert all(b.strip() for b in bars) and any("#" in b for b in bars), bars
    for c in range(len(bars[0])):
        assert sum(b[c] == "#" for b in bars) <= 1, (c, bars)
    head = [k for k, l in enumerate(lines) if l.startswith("range-sum: who held the lock")]
    assert len(head) == 1, lines
    title = lines[head[0]:lines.index(rows[0])]
    assert all(l.endswith(",") for l in title[:-1]) and not any(l.startswith(" ") for l in title), title
    title = " ".join(title)
    assert re.fullmatch(r"range-sum: who held the lock, \d+\.\d{3} ms, one column \S+ ms:", title), title
    i = lines.index(rows[-1])
    assert re.match(r" +\+[-+]+$", lines[i + 1]), lines[i + 1]
    assert re.match(r" +0 .* (us|ms|s)$", lines[i + 2]), lines[i + 2]
    # The tick labels: plain numbers, rising, two blanks or more apart,
    # each under a '+' of the axis.
    ticks = [(m.start(), m.group()) for m in re.finditer(r"\S+", lines[i + 2])][:-1]
    assert all(re.fullmatch(r"\d+(\.\d+)?", t) for _, t in ticks), lines[i + 2]
    assert [float(t) for _, t in ticks] == sorted({float(t) for _, t in ticks}), lines[i + 2]
    assert len(ticks) >= 2, lines[i + 2]
    assert all(b - a >= len(t) + 2 for (a, t), (b, _) in zip(ticks, ticks[1:])), lines[i + 2]
    assert all(lines[i + 1][c] == "+" for c, _ in ticks), (lines[i + 1], lines[i + 2])
    legend, k = [], i + 3
    while not legend or not legend[-1].endswith("not held"):
        assert k < len(lines), ("no legend", lines)
        legend.append(lines[k])
        k += 1
    assert all(l.endswith(",") for l in legend[:-1]), legend
    assert all(re.match(r"( {10})?[^ ]", l) for l in legend), legend
    assert " ".join(l.strip() for l in legend) == \
        "# held most of the column, + held some, blank: not held", legend
    if span_ns is not None:
        ms = re.match(r"range-sum: who held the lock, ([0-9.]+) ms,", title)
        assert ms and ms.group(1) == f"{span_ns / 1e6:.3f}", (span_ns, title)
        unit = "us" if span_ns < 1e7 else "ms" if span_ns < 1e10 else "s"
        assert lines[i + 2].endswith(" " + unit), (span_ns, lines[i + 2])
    return bars


def shows(bar, span_ns, holds):
    """Checks that bar draws holds, [a, b) pairs in ns of a span_ns run:
    '#' in each column a hold covers, blank in each that none touches.
    A bin of lanes.c is at most w = 2^k ns wide, the least w that puts
    span_ns in 4096 bins, and starts at a multiple of w.  A bin a hold
    covers in part is spread evenly over it, so that the columns it
    touches may show anything: a hold is taken as covering its whole
    bins only, and as touching every bin it is in."""
    w = 1
    while (span_ns - 1) // w >= 4096:
        w *= 2
    whole = [(-(-x // w) * w, y // w * w) for x, y in holds]
    touched = [(x // w * w, -(-y // w) * w) for x, y in holds]
    cols = len(bar)
    for c in range(cols):
        a, b = span_ns * c / cols, span_ns * (c + 1) / cols
        if any(x <= a and b <= y for x, y in whole):
            assert bar[c] == "#", (c, bar, holds)
        elif all(b <= x or a >= y for x, y in touched):
            assert bar[c] == " ", (c, bar, holds)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: lanes_check.py COLS THREADS [SPAN_NS] < screen")
    span = int(sys.argv[3]) if len(sys.argv) == 4 else None
    check(sys.stdin.read(), int(sys.argv[1]), int(sys.argv[2]), span)


if __name__ == "__main__":
    main()
