#!/usr/bin/env python3
"""echo_server.py: Skvortsov's echo-server experiment, on CPython.

    python3 echo_server.py [-c cpu_threads] [-s interval] [-t seconds]

An echo server thread beside CPU_THREADS CPU-bound threads, and a
client in another process that sends a byte and waits for it to come
back, again and again, for SECONDS (default 2); prints the requests
the client saw answered per second: "rps N".  The switch interval is
sys.setswitchinterval(INTERVAL) (200us, 5ms or seconds as 0.005;
default 5ms).

The experiment is that of V. Skvortsov, "Python behind the scenes #13:
the GIL and its effects on Python multithreading" (2021),
https://tenthousandmeters.com/blog/python-behind-the-scenes-13-the-gil-and-its-effects-on-python-multithreading/
The server thread gives the GIL up twice per request, in recv() and in
sendall(), and takes it back after each: beside a thread that never
blocks, each take may wait a switch interval.  bench/gil.py runs it
beside `range-sum --gil --io-threads 1 --io-echo`, its model.
"""
import argparse
import os
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gil_record import duration  # noqa: E402


def serve(conn):
    """The echo thread: every byte received goes straight back."""
    while True:
        data = conn.recv(1024)
        if not data:
            break
        conn.sendall(data)


def spin(stop):
    """A CPU-bound thread: Python bytecode until told to stop."""
    n = 0
    while not stop:
        n += 1


def client(port, seconds):
    """The client process: round-trips for SECONDS, then their rate."""
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    n, t0 = 0, time.perf_counter()
    end = t0 + seconds
    while True:
        s.sendall(b"x")
        if not s.recv(1024):
            sys.exit("echo_server.py: the server hung up")
        n += 1
        t = time.perf_counter()
        if t >= end:
            break
    s.close()
    print("rps %.1f %d %.3f" % (n / (t - t0), n, t - t0), flush=True)


def server(cpu, interval, seconds):
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    port = lsock.getsockname()[1]
    # The client starts before the CPU-bound threads, whose GIL would
    # slow its start-up's accept() by switch intervals.
    cl = subprocess.Popen([sys.executable, os.path.abspath(__file__),
                           "--client", str(port), "-t", str(seconds)],
                          stdout=subprocess.PIPE, text=True)
    conn, _ = lsock.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sys.setswitchinterval(interval)
    stop = []
    cpus = [threading.Thread(target=spin, args=(stop,)) for _ in range(cpu)]
    for t in cpus:
        t.start()
    echo = threading.Thread(target=serve, args=(conn,))
    echo.start()
    out, _ = cl.communicate()
    stop.append(1)
    echo.join()
    for t in cpus:
        t.join()
    conn.close()
    lsock.close()
    if cl.returncode != 0:
        sys.exit("echo_server.py: the client failed")
    sys.stdout.write(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-c", "--cpu", type=int, default=1)
    ap.add_argument("-s", "--switch", default="5ms")
    ap.add_argument("-t", "--seconds", type=float, default=2.0)
    ap.add_argument("--client", type=int, metavar="PORT",
                    help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.client:
        client(a.client, a.seconds)
    else:
        server(a.cpu, duration(a.switch), a.seconds)


if __name__ == "__main__":
    main()
