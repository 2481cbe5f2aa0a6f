/*
 * echo.h: range-sum --io-echo, a worker's blocking call as a round-trip
 * of one byte through a pipe to an echo thread of its own.
 */
#ifndef ECHO_H
#define ECHO_H

#include <pthread.h>

/*
 * --io-echo: a worker's blocking call is a round-trip of one byte
 * through a pipe to an echo thread of its own, which sends it back, as
 * a write to cat(1) and a read of its answer are.  Unlike a sleep, whose
 * shortest is Linux's timer slack (about 50 us), the answer can be back
 * in a few microseconds: before a thread that the lock's release woke
 * has run (the convoy of rangetools(7)).
 */
struct echo {
	int to[2], from[2]; /* worker -> echo thread -> worker */
	pthread_t thread;
};

/* Opens the pipes and starts the echo thread; a failure exits 1. */
void echo_start(struct echo *e);

/* Closes the worker's end, joins the thread and closes the pipes. */
void echo_stop(struct echo *e);

/*
 * The round-trip's two blocking calls, as os.write and os.read are two
 * in CPython: the byte sent, and its answer received.  A failure, or
 * an echo thread that is gone, exits 1.
 */
void echo_send(struct echo *e);
void echo_receive(struct echo *e);

#endif
