/*
 * shmtab.c: the shared table.
 *
 * Creation race: of several producers started together exactly one
 * wins shm_open(O_CREAT | O_EXCL); it sizes the segment with
 * posix_fallocate() (segment.c: so that a full /dev/shm fails here, not
 * as SIGBUS later), initialises the header and the mutex, and publishes
 * the magic number last.  The others open the existing segment and wait
 * for the magic.  A producer killed while holding the mutex leaves it
 * EOWNERDEAD; the record count is stored after the record, so the table
 * is consistent whatever instruction the holder died at.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "ipc.h"
#include "segment.h"
#include "shmtab.h"

struct shmtab {
	const char *name;
	struct shmtab_hdr *h;
	size_t size;
	struct shmtab_rec buf[SHMTAB_BATCH]; /* not yet in the table */
	size_t nbuf;
};

static const size_t table_size =
    sizeof(struct shmtab_hdr) + SHMTAB_CAPACITY * sizeof(struct shmtab_rec);

static void
sleep_ms(long ms)
{
	struct timespec ts = ns_to_ts((int64_t)ms * 1000000);

	nanosleep(&ts, NULL);
}

static int
init_lock(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;
	int e;

	if ((e = pthread_mutexattr_init(&a)) == 0 &&
	    (e = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED)) ==
		0 &&
	    (e = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST)) == 0)
		e = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return e;
}

/* The creator's part: size, map, initialise, publish. */
static struct shmtab_hdr *
create(int fd, const char *name)
{
	struct shmtab_hdr *h;
	int e;

	if ((e = segment_reserve(fd, table_size)) != 0) {
		errno = e;
		warn("table %s: cannot allocate %zu bytes in /dev/shm", name,
		     table_size);
		return NULL;
	}
	h = mmap(NULL, table_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED) {
		warn("table %s: mmap", name);
		return NULL;
	}
	h->capacity = SHMTAB_CAPACITY;
	if ((e = init_lock(&h->lock)) != 0) {
		errno = e;
		warn("table %s: mutex", name);
		munmap(h, table_size);
		return NULL;
	}
	__atomic_store_n(&h->magic, SHMTAB_MAGIC, __ATOMIC_RELEASE);
	return h;
}

/* Maps a segment another process created, once it is initialised. */
static struct shmtab_hdr *
attach(int fd, const char *name)
{
	struct shmtab_hdr *h;
	struct stat st;
	int waited;

	for (waited = 0;; waited++) {
		if (fstat(fd, &st) != 0) {
			warn("table %s", name);
			return NULL;
		}
		if ((size_t)st.st_size >= table_size)
			break;
		if (waited >= SHMTAB_WAIT_MS)
			goto never;
		sleep_ms(1);
	}
	if ((size_t)st.st_size != table_size) {
		warnx("table %s: %jd bytes, not the %zu of a table of %d "
		      "records",
		      name, (intmax_t)st.st_size, table_size, SHMTAB_CAPACITY);
		return NULL;
	}
	h = mmap(NULL, table_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED) {
		warn("table %s: mmap", name);
		return NULL;
	}
	for (; __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != SHMTAB_MAGIC;
	     waited++) {
		if (waited >= SHMTAB_WAIT_MS) {
			munmap(h, table_size);
			goto never;
		}
		sleep_ms(1);
	}
	if (h->capacity != SHMTAB_CAPACITY) {
		warnx("table %s: not a rangetools table", name);
		munmap(h, table_size);
		return NULL;
	}
	return h;
never:
	warnx("table %s was never initialised (its creator died?); "
	      "sum-merge --shm %s removes it",
	      name, name);
	return NULL;
}

/*
 * Signals are held while the segment exists uninitialised, so that ^C
 * cannot strand it in a state the others would wait on.
 */
static int
open_or_create(const char *name, struct shmtab_hdr **h)
{
	sigset_t all, old;
	int fd;

	sigfillset(&all);
	for (;;) {
		sigprocmask(SIG_BLOCK, &all, &old);
		fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd >= 0) {
			if ((*h = create(fd, name)) == NULL)
				shm_unlink(name);
			sigprocmask(SIG_SETMASK, &old, NULL);
			return fd;
		}
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (errno != EEXIST)
			break;
		if ((fd = shm_open(name, O_RDWR, 0)) >= 0) {
			*h = ipc_check_owner(fd, IPC_SHM, name) == 0
				 ? attach(fd, name)
				 : NULL;
			return fd;
		}
		if (errno != ENOENT) /* ENOENT: removed meanwhile; retry */
			break;
	}
	warn("table %s: shm_open", name);
	return -1;
}

struct shmtab *
shmtab_join(const char *name)
{
	struct shmtab *t;
	struct shmtab_hdr *h = NULL;
	int fd;

	if ((fd = open_or_create(name, &h)) < 0)
		return NULL;
	close(fd);
	if (h == NULL)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		err(1, "table %s: calloc", name);
	t->name = name;
	t->h = h;
	t->size = table_size;
	return t;
}

/*
 * Locks the table, making it consistent if a holder died.  With try, a
 * lock another process holds returns 1 at once.  0, 1, or -1.
 */
static int
lock(struct shmtab_hdr *h, const char *name, int try)
{
	int e = try ? pthread_mutex_trylock(&h->lock)
		    : pthread_mutex_lock(&h->lock);

	if (e == EBUSY && try)
		return 1;
	if (e == EOWNERDEAD) {
		h->deaths++;
		e = pthread_mutex_consistent(&h->lock);
	}
	if (e != 0) {
		errno = e;
		warn("table %s: lock", name);
		return -1;
	}
	return 0;
}

/* With the lock held: appends what fits of the batch, then unlocks. */
static int
flush_locked(struct shmtab *t)
{
	struct shmtab_hdr *h = t->h;
	const char *why = NULL;
	size_t k = 0;

	if (h->taken)
		why = "was already read by sum-merge";
	else if ((k = h->capacity - h->n) < t->nbuf)
		why = "is full";
	if (k > t->nbuf)
		k = t->nbuf;
	if (!h->taken) {
		memcpy(&h->recs[h->n], t->buf, k * sizeof(*t->buf));
		/* The count last: a holder killed before it added nothing. */
		__atomic_store_n(&h->n, h->n + k, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&h->lock);
	t->nbuf = 0;
	if (why != NULL) {
		warnx("table %s %s (it holds %d records)", t->name, why,
		      SHMTAB_CAPACITY);
		return -1;
	}
	return 0;
}

/*
 * Records go in at once when the lock is free.  When another producer
 * holds it, they wait in a small batch instead of queueing for the lock
 * (and for a holder the scheduler has put aside); a full batch waits for
 * the lock.
 */
int
shmtab_insert(struct shmtab *t, int64_t start, int64_t end, i128 sum)
{
	int rv;

	t->buf[t->nbuf++] = (struct shmtab_rec){start, end, sum};
	rv = lock(t->h, t->name, t->nbuf < SHMTAB_BATCH);
	if (rv == 1)
		return 0;
	return rv == 0 ? flush_locked(t) : -1;
}

int
shmtab_flush(struct shmtab *t)
{
	if (t->nbuf == 0)
		return 0;
	return lock(t->h, t->name, 0) == 0 ? flush_locked(t) : -1;
}

int
shmtab_leave(struct shmtab *t)
{
	int rv;

	if (t == NULL)
		return 0;
	rv = shmtab_flush(t);
	munmap(t->h, t->size);
	free(t);
	return rv;
}

/* Copies the records out and marks the table taken, under the lock. */
static int
copy_out(struct shmtab_hdr *h, const char *name, struct shmtab_rec **recs,
	 size_t *n, unsigned *deaths)
{
	if (lock(h, name, 0) != 0)
		return -1;
	if (h->taken) {
		pthread_mutex_unlock(&h->lock);
		warnx("table %s was already read by another sum-merge", name);
		return -1;
	}
	*n = h->n;
	*deaths = h->deaths;
	/* Not taken yet: the caller removes the table it could not read. */
	if ((*recs = malloc(*n ? *n * sizeof(**recs) : 1)) == NULL) {
		pthread_mutex_unlock(&h->lock);
		warn("table %s: malloc of %zu records", name, *n);
		return -1;
	}
	h->taken = 1;
	memcpy(*recs, h->recs, *n * sizeof(**recs));
	pthread_mutex_unlock(&h->lock);
	return 0;
}

int
shmtab_take(const char *name, struct shmtab_rec **recs, size_t *n,
	    unsigned *deaths, int *ours)
{
	struct shmtab_hdr *h;
	int fd, rv;

	*ours = 0;
	if ((fd = shm_open(name, O_RDWR, 0)) < 0) {
		if (errno == ENOENT)
			warnx("table %s does not exist (no range-sum --shm %s "
			      "has run)",
			      name, name);
		else
			warn("table %s: shm_open", name);
		return -1;
	}
	if (ipc_check_owner(fd, IPC_SHM, name) != 0) {
		close(fd);
		return -1;
	}
	*ours = 1;
	h = attach(fd, name);
	close(fd);
	if (h == NULL)
		return -1;
	rv = copy_out(h, name, recs, n, deaths);
	munmap(h, table_size);
	return rv;
}
