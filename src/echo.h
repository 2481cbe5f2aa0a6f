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
 * it sends a byte through a pipe, waits for its answer and sends the
 * next.  The worker serves one request per call, in two blocking
 * calls, as CPython's echo thread does in recv() and sendall(): each
 * gives the lock up and takes it back.  Unlike a sleep, whose shortest
 * is Linux's timer slack (about 50 us), a call can be over in a few
 * microseconds: before a thread that the lock's release woke has run
 * (the convoy of rangetools(7)).
 */
struct echo {
	int req[2], ans[2]; /* client -> worker -> client */
	char byte;	    /* the request being answered */
	pthread_t thread;   /* the client */
};

/* Opens the pipes and starts the client; a failure exits 1. */
void echo_start(struct echo *e);

/* Closes the worker's end, joins the client and closes the pipes. */
void echo_stop(struct echo *e);

/*
 * The request's two blocking calls, as recv() and sendall() in
 * CPython's echo thread: the request received, and its answer sent.
 * A failure, or a client that is gone, exits 1.
 */
void echo_receive(struct echo *e);
void echo_answer(struct echo *e);

#endif
