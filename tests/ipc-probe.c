/*
 * ipc-probe: a test tool that looks at POSIX IPC objects without
 * creating them, since /dev/mqueue is not always mounted.
 *
 *	ipc-probe mq|shm NAME		exit 0 if it exists, 1 if not (ENOENT)
 *	ipc-probe rm-mq|rm-shm NAME	remove it if it exists
 *	ipc-probe mq-stat NAME		print "maxmsg msgsize curmsgs mode uid"
 *	ipc-probe mq-send NAME MSG	send MSG without creating the queue
 *	ipc-probe shm-die-locked NAME	lock a table's mutex and exit holding it
 *	ipc-probe shm-damage NAME	make a table count more records than it
 *holds
 *	ipc-probe shm-taken NAME	mark it taken, as a killed reader does
 *	ipc-probe shm-corrupt NAME	add 1 to the sum of its first record
 *	ipc-probe shm-count NAME	print how many records it holds
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../src/shmtab.h"

static int
exists(int rv)
{
	if (rv >= 0)
		return 0;
	if (errno == ENOENT)
		return 1;
	err(2, "open");
}

static int
mq_stat(mqd_t q)
{
	struct mq_attr a;
	struct stat st;

	if (mq_getattr(q, &a) != 0 || fstat(q, &st) != 0)
		err(2, "mq-stat");
	return printf("%ld %ld %ld %04o %ju\n", a.mq_maxmsg, a.mq_msgsize,
		      a.mq_curmsgs, (unsigned)(st.st_mode & 07777),
		      (uintmax_t)st.st_uid) < 0;
}

static struct shmtab_hdr *
map_table(const char *name)
{
	struct shmtab_hdr *h;
	int fd;

	if ((fd = shm_open(name, O_RDWR, 0)) < 0)
		err(2, "%s", name);
	h = mmap(NULL, sizeof(*h), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED || h->magic != SHMTAB_MAGIC)
		errx(2, "%s: not an initialised table", name);
	return h;
}

/* The robust mutex's test: a holder that dies without unlocking. */
static int
die_locked(const char *name)
{
	struct shmtab_hdr *h = map_table(name);

	if (pthread_mutex_lock(&h->lock) != 0)
		errx(2, "%s: lock", name);
	_exit(0);
}

int
main(int argc, char *argv[])
{
	const char *op, *name;
	mqd_t q;

	if (argc < 3)
		errx(2, "usage: ipc-probe op name [msg]");
	op = argv[1];
	name = argv[2];
	if (strcmp(op, "mq") == 0)
		return exists(mq_open(name, O_RDONLY));
	if (strcmp(op, "shm") == 0)
		return exists(shm_open(name, O_RDONLY, 0));
	if (strcmp(op, "rm-mq") == 0)
		return mq_unlink(name) != 0 && errno != ENOENT;
	if (strcmp(op, "rm-shm") == 0)
		return shm_unlink(name) != 0 && errno != ENOENT;
	if (strcmp(op, "shm-die-locked") == 0)
		return die_locked(name);
	if (strcmp(op, "shm-damage") == 0) {
		struct shmtab_hdr *h = map_table(name);

		h->n = h->capacity + 1;
		return 0;
	}
	if (strcmp(op, "shm-count") == 0) {
		struct shmtab_hdr *h = map_table(name);

		printf("%ju\n",
		       (uintmax_t)__atomic_load_n(&h->n, __ATOMIC_ACQUIRE));
		return 0;
	}
	if (strcmp(op, "shm-corrupt") == 0) {
		struct shmtab_hdr *h = map_table(name);

		h->recs[0].sum++;
		return 0;
	}
	if (strcmp(op, "shm-taken") == 0) {
		struct shmtab_hdr *h = map_table(name);

		h->reader_pid = (int32_t)getpid();
		__atomic_store_n(&h->taken, 1, __ATOMIC_RELEASE);
		return 0;
	}
	if ((q = mq_open(name, O_WRONLY)) == (mqd_t)-1)
		err(1, "%s", name);
	if (strcmp(op, "mq-stat") == 0)
		return mq_stat(q);
	if (strcmp(op, "mq-send") == 0 && argc == 4)
		return mq_send(q, argv[3], strlen(argv[3]), 0) != 0;
	errx(2, "bad operation %s", op);
}
