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

#include <assert.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "ipc.h"
#include "segment.h"
#include "shmtab.h"
#include "stopsig.h"

struct shmtab {
	const char *name;
	struct shmtab_hdr *h;
	size_t size;
	struct shmtab_rec buf[SHMTAB_BATCH]; /* not yet in the table */
	size_t nbuf, nbuf_lost;
};

static const size_t table_size =
    sizeof(struct shmtab_hdr) + SHMTAB_CAPACITY * sizeof(struct shmtab_rec);

static void
sleep_ms(long ms)
{
	struct timespec ts = ns_to_ts((int64_t)ms * 1000000);

	nanosleep(&ts, NULL);
}

/*
 * A robust mutex shared between processes.  glibc's calls allocate
 * nothing, and fail only for arguments these are not (EINVAL) or for
 * priority inheritance, not asked here: a failure is a bug.
 */
static void
init_lock(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;
	int e;

	e = pthread_mutexattr_init(&a);
	e |= pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	e |= pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	e |= pthread_mutex_init(m, &a);
	assert(e == 0);
	pthread_mutexattr_destroy(&a);
}

/*
 * The creator's part: mark, size, map, initialise, publish.  The mark
 * (SHMTAB_MAKING, under the object's fcntl() lock, which the kernel
 * drops if the creator is killed and close() drops once it is done)
 * lets a joiner tell a table whose creator was killed as it made it
 * from an object that is not a table.
 */
static struct shmtab_hdr *
create(int fd, const char *name)
{
	const uint64_t making = SHMTAB_MAKING;
	struct shmtab_hdr *h;
	int e;

	if (ipc_lock(fd) != 0 ||
	    pwrite(fd, &making, sizeof(making), 0) != sizeof(making)) {
		warn("table %s: mark it as being made", name);
		return NULL;
	}
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
	init_lock(&h->lock);
	__atomic_store_n(&h->magic, SHMTAB_MAGIC, __ATOMIC_RELEASE);
	return h;
}

/* Set by attach(): the object is a table whose creator was killed. */
static int half_made;

static int
marked_making(int fd)
{
	uint64_t magic = 0;

	return pread(fd, &magic, sizeof(magic), 0) == sizeof(magic) &&
	       magic == SHMTAB_MAKING;
}

/*
 * Is fd a table whose creator was killed as it made it: the mark, and
 * nobody holding the creator's lock?  A live creator holds the lock for
 * as long as the mark is there, and publishes the table before it lets
 * go.  So the mark is read again after the lock is found free: a mark
 * read once, then a free lock, was also what a creator that published
 * and closed in between showed, and the table it had published (and
 * producers had joined) was removed as half made, their records lost
 * (seen once in 64 producers racing to create a table).
 */
static int
made_by_the_dead(int fd)
{
	return marked_making(fd) && ipc_lock_holder(fd) == 0 &&
	       marked_making(fd);
}

/*
 * Maps a segment another process created, once it is initialised.
 * NULL after a message; half_made is then set if its creator was killed
 * as it made it.
 */
static struct shmtab_hdr *
attach(int fd, const char *name)
{
	struct shmtab_hdr *h;
	struct stat st;
	int waited;

	half_made = 0;
	for (waited = 0;; waited++) {
		ipc_fstat(fd, &st);
		if (made_by_the_dead(fd)) {
			half_made = 1;
			return NULL;
		}
		/* 0 or a mark: its creator is sizing it. */
		if (st.st_size != 0 && (size_t)st.st_size != sizeof(uint64_t))
			break;
		if (waited >= SHMTAB_WAIT_MS)
			goto never;
		sleep_ms(1);
	}
	if ((size_t)st.st_size != table_size) {
		warnx("table %s is not a rangetools table (%jd bytes, not the "
		      "%zu of a table of %d records): left alone",
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
		if (made_by_the_dead(fd)) {
			half_made = 1;
			munmap(h, table_size);
			return NULL;
		}
		if (waited >= SHMTAB_WAIT_MS) {
			munmap(h, table_size);
			goto never;
		}
		sleep_ms(1);
	}
	if (h->capacity != SHMTAB_CAPACITY) {
		warnx("table %s is not a rangetools table: left alone", name);
		munmap(h, table_size);
		return NULL;
	}
	return h;
never:
	warnx("table %s was never initialised: not a rangetools table, or "
	      "its creator was killed; left alone (rm /dev/shm%s)",
	      name, name);
	return NULL;
}

/*
 * Removes a table whose creator was killed as it made it (it holds no
 * record: nobody could join it), while the name still holds it.  1 when
 * done, after closing fd.
 */
static int
remove_half_made(int fd, const char *name)
{
	struct ipc_id id;

	ipc_identify(fd, &id);
	if (ipc_remove_same(IPC_SHM, name, &id) != 0)
		return 0;
	close(fd);
	return 1;
}

/*
 * Signals are held (stopsig_hold()) while the segment exists
 * uninitialised, so that ^C cannot strand it in a state the others
 * would wait on.
 */
static int
open_or_create(const char *name, struct shmtab_hdr **h)
{
	sigset_t old;
	int fd;

	for (;;) {
		stopsig_hold(&old);
		fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd >= 0) {
			if ((*h = create(fd, name)) == NULL)
				shm_unlink(name);
			stopsig_release(&old);
			return fd;
		}
		stopsig_release(&old);
		if (errno != EEXIST)
			break;
		if ((fd = shm_open(name, O_RDWR, 0)) >= 0) {
			*h = ipc_check_owner(fd, IPC_SHM, name) == 0
				 ? attach(fd, name)
				 : NULL;
			if (*h == NULL && half_made &&
			    remove_half_made(fd, name))
				continue;
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
	if (__atomic_load_n(&h->taken, __ATOMIC_ACQUIRE)) {
		ipc_reader_gone = 1;
		warnx("table %s: its reader is gone (sum-merge pid %ld read "
		      "it); sum-merge --shm %s removes it",
		      name, (long)h->reader_pid, name);
		munmap(h, table_size);
		return NULL;
	}
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

	assert(h->n <= h->capacity);
	if (h->taken)
		why = "taken";
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
	t->nbuf_lost = t->nbuf - k;
	t->nbuf = 0;
	if (why != NULL && h->taken)
		ipc_reader_gone = 1;
	if (why != NULL && h->taken)
		warnx("table %s: its reader is gone (sum-merge pid %ld read "
		      "it): %zu record%s not added",
		      t->name, (long)h->reader_pid, t->nbuf_lost,
		      t->nbuf_lost == 1 ? "" : "s");
	else if (why != NULL)
		warnx("table %s %s (it holds %d records)", t->name, why,
		      SHMTAB_CAPACITY);
	return why != NULL ? -1 : 0;
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

int
shmtab_mark_interrupted(struct shmtab *t, int sig)
{
	struct shmtab_hdr *h = t->h;

	if (__atomic_load_n(&h->taken, __ATOMIC_ACQUIRE))
		return -1;
	__atomic_store_n(&h->abort_sig, sig, __ATOMIC_RELAXED);
	__atomic_store_n(&h->abort_pid, (int32_t)getpid(), __ATOMIC_RELEASE);
	return 0;
}

/*
 * Under the mutex: refuses a table a killed reader left or whose count
 * is damaged, else marks it taken and copies the records out.
 */
static int
copy_locked(struct shmtab_hdr *h, const char *name, struct shmtab_taken *tk)
{
	if (h->taken) {
		warnx("table %s was left by sum-merge pid %ld, killed as it "
		      "read it: removed; run its producers again",
		      name, (long)h->reader_pid);
		return -1;
	}
	if (h->n > h->capacity) {
		warnx("table %s is damaged: it counts %ju records, more than "
		      "the %ju it holds: removed",
		      name, (uintmax_t)h->n, (uintmax_t)h->capacity);
		return -1;
	}
	/* Not taken yet: the caller removes the table it could not read. */
	if ((tk->recs = malloc(h->n ? h->n * sizeof(*tk->recs) : 1)) == NULL) {
		warn("table %s: malloc of %ju records", name, (uintmax_t)h->n);
		return -1;
	}
	__atomic_store_n(&h->taken, 1, __ATOMIC_RELEASE);
	h->reader_pid = (int32_t)getpid();
	tk->n = h->n;
	tk->deaths = h->deaths;
	tk->abort_pid = __atomic_load_n(&h->abort_pid, __ATOMIC_ACQUIRE);
	tk->abort_sig = h->abort_sig;
	memcpy(tk->recs, h->recs, tk->n * sizeof(*tk->recs));
	return 0;
}

int
shmtab_untake(const struct shmtab_taken *tk)
{
	struct shmtab_hdr *h;

	h = mmap(NULL, table_size, PROT_READ | PROT_WRITE, MAP_SHARED, tk->fd,
		 0);
	if (h == MAP_FAILED)
		return -1;
	__atomic_store_n(&h->taken, 0, __ATOMIC_RELEASE);
	munmap(h, table_size);
	return 0;
}

/* Takes the table's records, as its one reader.  0 or -1. */
static int
copy_out(struct shmtab_hdr *h, const char *name, struct shmtab_taken *tk)
{
	long pid;
	int rv;

	if ((pid = ipc_lock(tk->fd)) != 0) {
		tk->ours = 0;
		if (pid > 0)
			warnx("table %s is being read by another sum-merge "
			      "(pid %ld): one reader per table",
			      name, pid);
		else
			warn("table %s: lock", name);
		return -1;
	}
	if (lock(h, name, 0) != 0)
		return -1;
	rv = copy_locked(h, name, tk);
	pthread_mutex_unlock(&h->lock);
	return rv;
}

int
shmtab_take(const char *name, struct shmtab_taken *tk)
{
	struct shmtab_hdr *h;
	int rv;

	memset(tk, 0, sizeof(*tk));
	if ((tk->fd = shm_open(name, O_RDWR, 0)) < 0) {
		if (errno == ENOENT)
			warnx("table %s does not exist (no range-sum --shm %s "
			      "has run, or its reader removed it)",
			      name, name);
		else
			warn("table %s: shm_open", name);
		return -1;
	}
	if (ipc_check_owner(tk->fd, IPC_SHM, name) != 0)
		return -1;
	ipc_identify(tk->fd, &tk->id);
	if ((h = attach(tk->fd, name)) == NULL) {
		if (half_made && ipc_remove_same(IPC_SHM, name, &tk->id) == 0)
			warnx("table %s: its creator was killed as it made "
			      "it, before any record: removed",
			      name);
		return -1;
	}
	tk->ours = 1;
	rv = copy_out(h, name, tk);
	munmap(h, table_size);
	return rv;
}
