#!/usr/bin/env python3
"""article.py: the article's three Python programs, timed.

    python3 examples/article.py [end]

Sums range(0, end) (default 100,000,000, the article's) the article's three
ways: one Thread, two Threads (the GIL lets one run at a time) and two
Processes whose totals come back through a multiprocessing.Queue ended by
'STOP'.  Prints one line per way: "mode workers wall_s cpu_s sum", the CPU
time counting the worker processes too.  examples/article.sh shows these
rows beside rangetools' own.
"""
import multiprocessing
import os
import sys
import time
from threading import Thread


def work(start, end, result):
    """The article's loop: really adds every integer."""
    total = 0
    for i in range(start, end):
        total += i
    result.append(total)


def work_queue(start, end, queue):
    total = 0
    for i in range(start, end):
        total += i
    queue.put(total)


def cpu():
    """CPU seconds of this process and of its reaped children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(mode, workers, run):
    w0, c0 = time.perf_counter(), cpu()
    total = run()
    w1, c1 = time.perf_counter(), cpu()
    print(f"{mode} {workers} {w1 - w0:.3f} {c1 - c0:.3f} {total}", flush=True)


def threads(end, n):
    result = []
    ths = [Thread(target=work, args=(end * i // n, end * (i + 1) // n, result))
           for i in range(n)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    return sum(result)


def processes(end, n):
    # fork, so that the workers are our children and their CPU time counts.
    mp = multiprocessing.get_context("fork")
    result = mp.Queue()
    procs = [mp.Process(target=work_queue,
                        args=(end * i // n, end * (i + 1) // n, result))
             for i in range(n)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    result.put("STOP")
    total = 0
    while True:
        tmp = result.get()
        if tmp == "STOP":
            break
        total += tmp
    return total


def number(word):
    """A decimal integer or rangetools' exact shorthand MeK (1e8)."""
    m, _, k = word.lower().partition("e")
    return int(m) * 10 ** int(k or 0)


def main():
    end = number(sys.argv[1]) if len(sys.argv) > 1 else 100000000
    timed("thread", 1, lambda: threads(end, 1))
    timed("threads", 2, lambda: threads(end, 2))
    timed("processes", 2, lambda: processes(end, 2))


if __name__ == "__main__":
    main()
