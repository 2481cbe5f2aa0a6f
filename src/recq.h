/*
 * recq.h: the record queue, a POSIX message queue that carries one
 * "start end sum" record per message, and the message STOP that ends a
 * run as the article's 'STOP' does.
 */
#ifndef RECQ_H
#define RECQ_H

#include <mqueue.h>
#include <stdint.h>
#include <time.h>

#include "ipc.h"

/*
 * Linux lets an unprivileged user create a queue of at most msg_max (10)
 * messages of msgsize_max (8192) bytes; a record needs fewer than 128.
 */
#define RECQ_DEPTH   10
#define RECQ_MSGSIZE 128
#define RECQ_STOP    "STOP"
#define RECQ_ABORT   "ABORT" /* "ABORT pid signal": a producer interrupted */

/* Who opens the queue (rangetools(7) gives the rules). */
enum recq_role {
	RECQ_READER,   /* sum-merge: creates, locks, marks read */
	RECQ_PRODUCER, /* range-sum with ranges: creates if absent */
	RECQ_STOPPER   /* range-sum --stop: never creates */
};

struct recq {
	mqd_t q;
	const char *name;
	long msgsize;	    /* RECQ_MSGSIZE: a rangetools queue's */
	char *buf;	    /* msgsize + 1 bytes, for a receiver */
	struct ipc_id id;   /* the object opened */
	long left;	    /* a reader: messages a killed reader left, or 0 */
	int64_t next_check; /* a sender: when to look for its reader again */
	long long sent;	    /* a sender: messages sent */
};

/*
 * Opens the queue name for role.  A queue of another user, or one
 * without a rangetools queue's attributes, is refused and left alone; a
 * second reader is refused, naming the first; a producer or stopper
 * whose reader is gone fails.  A reader that finds a queue a killed
 * reader left sets left to the messages it holds and keeps it locked,
 * for recq_clear_left().  Returns 0, or -1 after a message.
 */
int recq_open(struct recq *q, const char *name, enum recq_role role);

/*
 * A reader's queue that a killed reader left: keeps its messages in a
 * file, names it, removes the queue and opens a new one.  0 or -1.
 */
int recq_clear_left(struct recq *q);

/*
 * Sends one message, blocking while the queue is full.  Before the first,
 * then at most once a second, and each second while it waits, checks
 * that the reader is not gone.  0, or -1 after a message.
 */
int recq_send(struct recq *q, const char *msg, size_t len);

/*
 * A sender's end: were messages sent into a queue its reader removed
 * without reading them?  0, or -1 after a message.
 */
int recq_finish(struct recq *q);

/*
 * Is the reader gone?  The queue was removed (no link left), or is marked
 * read with no reader holding it.  Safe in a signal handler.
 */
int recq_reader_gone(const struct recq *q);

/* Has a reader opened the queue, and still holds it?  Handler-safe. */
int recq_has_reader(const struct recq *q);

/*
 * Receives one message into q->buf, NUL-terminated, waiting until the
 * CLOCK_REALTIME deadline (NULL: for ever).  Returns its length, -2 when
 * the deadline passed, or -1 after a message.
 */
long recq_receive(struct recq *q, const struct timespec *deadline);

void recq_close(struct recq *q);

#endif
