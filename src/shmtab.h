/*
 * shmtab.h: the shared table, a POSIX shared-memory segment of records
 * that concurrent range-sum processes append to under one
 * process-shared robust mutex, and that sum-merge takes whole.
 */
#ifndef SHMTAB_H
#define SHMTAB_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "num.h"

/* 2^20 records of 32 bytes: 32 MiB of /dev/shm. */
#define SHMTAB_CAPACITY 1048576

struct shmtab;

#define SHMTAB_MAGIC   0x3130424154534752ULL /* "RGSTAB01" */
#define SHMTAB_WAIT_MS 2000 /* how long a joiner waits for the creator */

struct shmtab_rec {
	int64_t start, end;
	i128 sum;
};

/* The segment's layout (tests/ipc-probe uses it to fake a dead holder). */
struct shmtab_hdr {
	uint64_t magic; /* atomic: SHMTAB_MAGIC once initialised */
	uint64_t capacity;
	pthread_mutex_t lock; /* process-shared, robust */
	uint64_t n;	      /* records appended; atomic, under lock */
	uint32_t taken;	      /* sum-merge has read the table */
	uint32_t deaths;      /* EOWNERDEAD recoveries */
	_Alignas(16) struct shmtab_rec recs[];
};

/*
 * Creates the table name (mode 0600) or joins it once its creator has
 * initialised it.  Returns NULL after a message.
 */
struct shmtab *shmtab_join(const char *name);

/*
 * Appends one record, or keeps it in a batch of up to SHMTAB_BATCH while
 * another producer holds the lock.  0, or -1 after a message (full,
 * already taken).
 */
#define SHMTAB_BATCH 256
int shmtab_insert(struct shmtab *t, int64_t start, int64_t end, i128 sum);

/* Appends the batch now.  0 or -1 after a message. */
int shmtab_flush(struct shmtab *t);

/*
 * Opens the existing table name (no creation), locks it as its one
 * reader, marks it taken, so that a producer that joined it earlier
 * fails at its next record (its reader is gone), and copies its records
 * into a malloc'ed *recs.  A producer that starts after the table is
 * removed creates a new one: rangetools(7) says why that cannot be told
 * from the next run.  *deaths counts producers that died holding the
 * lock.  Returns 0, or -1 after a message; *ours says whether the
 * object is ours to remove.
 */
int shmtab_take(const char *name, struct shmtab_rec **recs, size_t *n,
		unsigned *deaths, int *ours);

/* Flushes the batch and unmaps the table.  0 or -1 after a message. */
int shmtab_leave(struct shmtab *t);

#endif
