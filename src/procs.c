/*
 * procs.c: range-sum --procs: one forked worker per share, and reaping
 * them.  par.c splits the range, watches the progress and adds up the
 * totals, as for threads; here the shares and their reports live in one
 * POSIX shared-memory segment that the forked workers inherit.
 *
 * The segment is created as PostgreSQL's dsm_impl.c does it: shm_open
 * with O_CREAT|O_EXCL and mode 0600 under a fresh name, the space
 * reserved with posix_fallocate (segment.c: so that a full /dev/shm is
 * an error here, not a SIGBUS in a worker), and the name unlinked on
 * every path.
 * It is unlinked as soon as it is mapped, with signals blocked until
 * then: from that moment the mapping alone keeps it alive, so however
 * range-sum ends, even by SIGKILL, nothing is left in /dev/shm.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "procs.h"
#include "segment.h"
#include "stopsig.h"

#define SHM_TRIES 32 /* fresh names to try if one is taken */

/* A zeroed shared mapping of size bytes, already nameless; NULL on error. */
static void *
segment_map(size_t size)
{
	static unsigned seq;
	sigset_t old;
	char name[64];
	void *p = MAP_FAILED;
	int fd = -1, tries, rc;

	stopsig_hold(&old);
	for (tries = 0; fd == -1 && tries < SHM_TRIES; tries++) {
		snprintf(name, sizeof(name), "/range-sum.%ld.%u",
			 (long)getpid(), seq++);
		fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
		if (fd == -1 && errno != EEXIST)
			break;
	}
	if (fd == -1) {
		warn("shm_open %s", name);
	} else {
		if ((rc = segment_reserve(fd, size)) != 0) {
			errno = rc;
			warn("posix_fallocate %s", name);
		} else if ((p = mmap(NULL, size, PROT_READ | PROT_WRITE,
				     MAP_SHARED, fd, 0)) == MAP_FAILED) {
			warn("mmap %s", name);
		}
		shm_unlink(name);
		close(fd);
	}
	stopsig_release(&old);
	return p == MAP_FAILED ? NULL : p;
}

/* A worker: sums its share into the segment and exits. */
static void __attribute__((noreturn))
child(struct work *w, const struct workctx *c, pid_t parent)
{
	struct rusage ru;

	/* Signals as the program began: a stop signal kills it at once. */
	stopsig_child();
	/* Die with the parent: nobody would be left to read the sum. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(1);
	work_run(w, c);
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		w->cpu_ns = tv_to_ns(ru.ru_utime) + tv_to_ns(ru.ru_stime);
	_exit(0);
}

/*
 * The workers, as the parent sees them.  Process ids stay out of the
 * segment: a child's fork() returns 0 and must not overwrite them.
 */
struct crew {
	struct work *w; /* the shares, in the segment */
	pid_t *pid;	/* 0: not running (never started, or reaped) */
	int n;
	int started; /* forked: the first started of the n */
};

/* Forks one worker per share; returns how many started. */
static int
spawn(struct crew *k, const struct workctx *c)
{
	pid_t parent = getpid(), pid;
	int i;

	/*
	 * Results already printed must not be in a buffer the workers
	 * inherit: an exit path that flushes stdio in a child (a sanitizer's
	 * _exit, an atexit handler) would print them once more per worker.
	 */
	fflush(stdout);
	stopsig_fork_begin();
	for (i = 0; i < k->n; i++) {
		if ((pid = fork()) == -1) {
			warn("fork: worker %d of %d", i + 1, k->n);
			break;
		}
		if (pid == 0)
			child(&k->w[i], c, parent);
		k->pid[i] = pid;
	}
	stopsig_fork_end();
	return i;
}

/* Stops the workers not reaped yet: their shares are lost anyway. */
static void
stop_all(const struct crew *k)
{
	int i;

	for (i = 0; i < k->n; i++)
		if (k->pid[i] > 0)
			kill(k->pid[i], SIGKILL);
}

/* Names the range a worker took with it, and how it ended. */
static void
report_lost(const struct crew *k, int i, int status)
{
	char how[96];

	if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "was killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		snprintf(how, sizeof(how), "exited with status %d",
			 WEXITSTATUS(status));
	else
		snprintf(how, sizeof(how), "ended without a result");
	warnx("worker %d (pid %ld) %s: the range %jd %jd is lost, no total",
	      i + 1, (long)k->pid[i], how, (intmax_t)k->w[i].start,
	      (intmax_t)k->w[i].end);
}

static int
find(const struct crew *k, pid_t pid)
{
	int i;

	for (i = 0; i < k->n; i++)
		if (k->pid[i] == pid)
			return i;
	return -1;
}

/* Waits for every started worker; returns how many were lost. */
static int
reap(struct crew *k, int left)
{
	int lost = 0, status, i;
	pid_t pid;

	while (left > 0) {
		if ((pid = waitpid(-1, &status, 0)) == -1) {
			if (errno == EINTR)
				continue;
			warn("waitpid: %d of %d workers not reaped", left,
			     k->n);
			stop_all(k);
			return lost + left;
		}
		if ((i = find(k, pid)) == -1)
			continue; /* not ours: a child inherited across exec */
		left--;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		    atomic_load(&k->w[i].finished)) {
			k->pid[i] = 0;
			continue;
		}
		/*
		 * The first loss decides; the others are stopped quietly, as
		 * are all when a fork failed: spawn() said why.
		 */
		if (lost++ == 0 && k->started == k->n)
			report_lost(k, i, status);
		k->pid[i] = 0; /* reaped: its pid may be reused already */
		stop_all(k);
	}
	return lost;
}

struct work *
procs_shares(int n)
{
	return segment_map((size_t)n * sizeof(struct work));
}

void
procs_shares_free(struct work *w, int n)
{
	munmap(w, (size_t)n * sizeof(struct work));
}

struct crew *
procs_start(struct work *w, int n, const struct workctx *c)
{
	struct crew *k;

	/* An inherited SIG_IGN would reap the workers before we could. */
	signal(SIGCHLD, SIG_DFL);
	if ((k = calloc(1, sizeof(*k))) == NULL ||
	    (k->pid = calloc(n, sizeof(*k->pid))) == NULL)
		err(1, "calloc: a table of %zu worker processes", (size_t)n);
	k->w = w;
	k->n = n;
	k->started = spawn(k, c);
	if (k->started < n)
		stop_all(k);
	return k;
}

int
procs_wait(struct crew *k)
{
	int lost = reap(k, k->started) + (k->n - k->started);

	free(k->pid);
	free(k);
	return lost == 0 ? 0 : -1;
}
