/*
 * recq.h: the record queue, a POSIX message queue that carries one
 * "start end sum" record per message, and the message STOP that ends a
 * run as the article's 'STOP' does.
 */
#ifndef RECQ_H
#define RECQ_H

#include <mqueue.h>
#include <time.h>

/*
 * Linux lets an unprivileged user create a queue of at most msg_max (10)
 * messages of msgsize_max (8192) bytes; a record needs fewer than 128.
 */
#define RECQ_DEPTH   10
#define RECQ_MSGSIZE 128
#define RECQ_STOP    "STOP"

struct recq {
	mqd_t q;
	const char *name;
	long msgsize; /* the queue's, which an older queue may have set */
	char *buf;    /* msgsize + 1 bytes, for a receiver */
};

/*
 * Opens the queue name for oflag (O_RDONLY or O_WRONLY), creating it
 * mode 0600 if absent; a queue of another user is refused.  Returns 0,
 * or -1 after a message that explains the kernel's limits.
 */
int recq_open(struct recq *q, const char *name, int oflag);

/* Sends one message, blocking while the queue is full.  0 or -1. */
int recq_send(struct recq *q, const char *msg, size_t len);

/*
 * Receives one message into q->buf, NUL-terminated, waiting until the
 * CLOCK_REALTIME deadline (NULL: for ever).  Returns its length, -2 when
 * the deadline passed, or -1 after a message.
 */
long recq_receive(struct recq *q, const struct timespec *deadline);

void recq_close(struct recq *q);

#endif
