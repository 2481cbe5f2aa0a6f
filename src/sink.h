/*
 * sink.h: where range-sum's results go: stdout, a POSIX message queue
 * (--mq) or a shared-memory table (--shm).
 */
#ifndef SINK_H
#define SINK_H

#include <stdint.h>

#include "num.h"

struct sink;

/*
 * mq and shm may be NULL; tag selects "start end sum" on stdout; stop
 * opens the queue to send STOP alone, which never creates it.  A queue
 * or table that cannot be opened is fatal (exit 1).
 */
struct sink *sink_open(const char *mq, const char *shm, int tag, int stop);

/*
 * Delivers one result.  A queue or table that fails is fatal (a
 * message, then exit 1); a lost write to stdout is found and reported
 * by sink_close().
 */
void sink_put(struct sink *s, int64_t start, int64_t end, i128 sum);

/* Sends the queue's end-of-run message STOP.  Returns 0 or -1. */
int sink_stop(struct sink *s);

/* Releases the sink; stdout is checked and closed.  Returns 0 or -1. */
int sink_close(struct sink *s);

#endif
