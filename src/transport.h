/*
 * transport.h: sum-merge's sources other than files: a POSIX message
 * queue (--mq) and a shared-memory table (--shm).
 */
#ifndef TRANSPORT_H
#define TRANSPORT_H

#include <stdint.h>

#include "merge.h"

struct mqopts {
	long long count;    /* stop after this many records; 0: no count */
	int64_t timeout_ns; /* give up after this long idle; -1: never */
};

/* Reads records from the queue name into m; returns an exit status. */
int transport_merge_mq(struct merge *m, const char *name,
		       const struct mqopts *o);

/* Reads the table name into m and removes it; returns an exit status. */
int transport_merge_shm(struct merge *m, const char *name);

#endif
