"""The article's loop, one thread: python3 article_loop.py START END.

The same work() as the article's first program (a for loop over
range(start, end) adding into total), run once in one Thread, printing
the sum.  make bench times it on a smaller range than range-sum's and
compares the time per integer.
"""
import sys
from threading import Thread


def work(id, start, end, result):
    total = 0
    for i in range(start, end):
        total += i
    result.append(total)
    return


if __name__ == "__main__":
    START, END = (int(float(a)) for a in sys.argv[1:3])
    result = list()
    th1 = Thread(target=work, args=(1, START, END, result))
    th1.start()
    th1.join()
    print(sum(result))
