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

#include "ipc.h"
#include "num.h"

/* 2^20 records of 32 bytes: 32 MiB of /dev/shm. */
#define SHMTAB_CAPACITY 1048576

struct shmtab;

#define SHMTAB_MAGIC   0x3230424154534752ULL /* "RGSTAB02" */
#define SHMTAB_WAIT_MS 2000 /* how long a joiner waits for the creator */
/* The first 8 bytes while the creator, holding the object's lock, makes it. */
#define SHMTAB_MAKING 0x474e494b414d5452ULL /* "RTMAKING" */

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
	int32_t reader_pid;   /* the sum-merge that took it */
	int32_t abort_pid;    /* atomic: a producer interrupted, or 0 */
	int32_t abort_sig;    /* atomic, stored before abort_pid: its signal */
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

/* What sum-merge took from a table. */
struct shmtab_taken {
	struct shmtab_rec *recs; /* malloc'ed */
	size_t n;
	unsigned deaths; /* producers that died holding the mutex */
	long abort_pid;	 /* a producer interrupted, or 0 */
	int abort_sig;	 /* its signal */
	int fd;		 /* the reader's lock, held until removal; or -1 */
	struct ipc_id id;
	int ours; /* identified as a rangetools table, ours to remove */
};

/*
 * Opens the existing table name (no creation), locks it as its one
 * reader, marks it taken, so that a producer that joined it earlier
 * fails at its next record (its reader is gone), and copies its records
 * out.  A producer that starts after the table is removed creates a new
 * one: rangetools(7) says why that cannot be told from the next run.
 * Anything that is not a table is left alone (ours 0); so is a table
 * another sum-merge reads.  Returns 0, or -1 after a message.
 */
int shmtab_take(const char *name, struct shmtab_taken *tk);

/*
 * The reader could not remove the table it took: it gives its records
 * back (no longer taken), so that the next sum-merge --shm reads them
 * rather than refuse the table as a killed reader's.  0, or -1.
 */
int shmtab_untake(const struct shmtab_taken *tk);

/*
 * A producer interrupted by sig marks the table, unless it was taken:
 * 0 if marked, -1 if not.  Safe in a signal handler.
 */
int shmtab_mark_interrupted(struct shmtab *t, int sig);

/* Flushes the batch and unmaps the table.  0 or -1 after a message. */
int shmtab_leave(struct shmtab *t);

#endif
