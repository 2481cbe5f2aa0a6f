/*
 * echo.h: range-sum --io-echo, a worker's blocking calls as an echo
 * server's: it receives a one-byte request from a client thread of its
 * own and sends it back.
 */
#ifndef ECHO_H
#define ECHO_H

#include <pthread.h>

/*
 * --io-echo: Skvortsov's echo server (range-sum(1)).  The client is a
 * thread that never takes the lock, as a client in another process:
 * it sends a byte over a TCP connection on 127.0.0.1, waits for its
 * answer and sends the next.  The worker serves one request per call,
 * in two blocking calls, as CPython's echo thread does in recv() and
 * sendall(): each gives the lock up and takes it back.  Unlike a sleep,
 * whose shortest is Linux's timer slack (about 50 us), a call can be
 * over in microseconds: before a thread that the lock's release woke
 * has run (the convoy of rangetools(7)).
 */
struct echo {
	int client, server; /* the connection's two ends */
	char byte;	    /* the request being answered */
	pthread_t thread;   /* the client */
};

/* Connects and starts the client; a failure exits 1. */
void echo_start(struct echo *e);

/* Shuts the worker's side down, joins the client and closes both ends. */
void echo_stop(struct echo *e);

/*
 * The request's two blocking calls, as recv() and sendall() in
 * CPython's echo thread: the request received, and its answer sent.
 * A failure, or a client that is gone, exits 1.
 */
void echo_receive(struct echo *e);
void echo_answer(struct echo *e);

#endif
