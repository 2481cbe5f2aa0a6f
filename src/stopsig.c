/*
 * stopsig.c: the toolkit's one signal strategy.
 *
 * SIGINT, SIGTERM and SIGHUP end a run, but only after what it must not
 * skip: ending the terminal's progress line, telling the run (a reader
 * removes its queue or table, a producer sends ABORT or marks its
 * table), completing a --trace file.  Three modules need that, and when
 * each installed its own handler (chaining to the one it found, or
 * waiting in a thread of its own) the result depended on who came last:
 * sum-merge --progress lost its newline to the queue's handler.
 *
 * So this module alone owns them.  stopsig_start(), first in main(),
 * blocks them before any other thread exists, so that every thread
 * inherits the mask, and starts one thread that waits for them with
 * sigwait().  The modules register actions in fixed slots (stopsig.h),
 * which that thread runs in slot order, whoever registered first, in
 * ordinary context: they may lock mutexes and call stdio-free code
 * that is not async-signal-safe.  Then it restores the default action
 * and raises the signal again, so that the process dies of it and its
 * caller (a shell, xargs, wait(2)) sees that.
 *
 * Before the actions, the thread stops the main thread where it
 * stands, as a handler would have: a signal of its own (SIGRTMIN) runs
 * a handler there that says so and never returns.  So the main flow
 * sends, prints and removes nothing more, and a producer blocked in
 * mq_send() on a full queue does not take the room its ABORT needs; a
 * blocked mq_send(), mq_receive() or sleep is simply never resumed.
 * The other threads run on: the workers stop at --trace's locks or
 * compute for nothing, the progress thread at its next draw, and
 * fork()ed workers die of the terminal's signal or of the parent's end
 * (PR_SET_PDEATHSIG).
 *
 * Why a thread rather than a handler that does everything: --trace's
 * completion locks the workers' buffers, which a handler interrupting
 * a worker could never do, and the actions' order would again depend on
 * which handler ran; the thread runs them all, in one place.
 *
 * Critical sections (creating a table, mapping --procs' segment, opening
 * and arming a queue, drawing a progress line) hold the module's mutex,
 * a recursive one, with stopsig_hold(): a stop signal then waits for
 * the section's end, and the action that runs sees a state the section
 * completed.  The thread keeps the mutex once it acts, so no section
 * starts after it, and it stops the main thread only then: never inside
 * a section.
 *
 * fork()ed --procs workers inherit the mask, not the thread:
 * stopsig_child() gives them the mask the program began with, so that
 * they die of the signal by its default action (the parent reports and
 * cleans up).  The thread itself is ended for the time of the forks
 * (stopsig_fork_begin(), _end()): a process forks only while it has one
 * thread, as ThreadSanitizer requires of a child that starts threads
 * (--io-echo); a signal meanwhile stays pending for the next thread.  A signal
 * the program began with ignored stays ignored (nohup(1), a background job of a
 * non-interactive shell), except while a queue or table is armed: then it still
 * ends the program, which must not leave the object behind.
 */
#include <assert.h>
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stopsig.h"

const int stopsig_list[STOPSIG_N] = {SIGINT, SIGTERM, SIGHUP};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t mu; /* recursive; guards slot, held by sections */
static void (*slot[STOPSIG_SLOTS])(int sig);
static int ignored[STOPSIG_N]; /* SIG_IGN when the program began */
static sigset_t start_mask;
static pthread_t waiter, main_thread;
static sem_t frozen; /* posted by the main thread once it stands still */
static int started;
static int pipe_caught;
static int caught;	/* atomic: a stop signal taken, not yet dismissed */
static sem_t synced;	/* posted by the waiting thread for stopsig_caught() */
static int sync_wanted; /* atomic: stopsig_caught() waits for that post */
static int sync_saw;	/* a stop signal pending when the thread synced */

#define FREEZE_SIG SIGRTMIN
/* Ends the waiting thread for a fork: a signal, not pthread_cancel(),
 * whose unwinding ASan's thread teardown misreads. */
#define LEAVE_SIG (SIGRTMIN + 1)
/* Asks the waiting thread what it has taken (stopsig_caught()). */
#define SYNC_SIG      (SIGRTMIN + 2)
#define FREEZE_WAIT_S 1 /* a bound: it takes microseconds */

void
stopsig_set(sigset_t *set, int extra)
{
	int i;

	sigemptyset(set);
	for (i = 0; i < STOPSIG_N; i++)
		sigaddset(set, stopsig_list[i]);
	if (extra != 0)
		sigaddset(set, extra);
}

/* glibc's calls allocate nothing and fail only for bad arguments. */
static void
init_mutex(void)
{
	pthread_mutexattr_t a;
	int e;

	e = pthread_mutexattr_init(&a);
	e |= pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	e |= pthread_mutex_init(&mu, &a);
	assert(e == 0);
	pthread_mutexattr_destroy(&a);
}

/* Called with mu held: does sig end the program now? */
static int
acts_on(int sig)
{
	int i;

	for (i = 0; i < STOPSIG_N; i++)
		if (stopsig_list[i] == sig && ignored[i])
			return slot[STOPSIG_RUN] != NULL;
	return 1;
}

/* Dies of sig by its default action, as the caller must see it. */
static _Noreturn void
die_of(int sig)
{
	struct sigaction sa;
	sigset_t one;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_sigmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
	/* Not reached: each stop signal's default action ends the process. */
	_exit(128 + sig);
}

/*
 * The main thread's stop: wherever it stands, even inside mq_send() or
 * mq_receive(), it sends, prints and removes nothing more, as if a
 * handler had interrupted it.  sem_post() is async-signal-safe.
 */
static void
on_freeze(int sig)
{
	sigset_t all;

	(void)sig;
	sem_post(&frozen);
	sigfillset(&all); /* only SIGKILL, or the process's death, ends it */
	for (;;)
		sigsuspend(&all);
}

/* Stops the main thread before the actions run; mu is held. */
static void
freeze_main(void)
{
	struct timespec when;

	/* Kept in defence: the main thread never leaves by pthread_exit(). */
	if (pthread_kill(main_thread, FREEZE_SIG) != 0)
		return;
	clock_gettime(CLOCK_REALTIME, &when);
	when.tv_sec += FREEZE_WAIT_S;
	while (sem_timedwait(&frozen, &when) != 0 && errno == EINTR)
		continue;
}

/* Answers stopsig_caught(), if it asked: caught is up to date now. */
static void
answer_sync(int saw)
{
	if (__atomic_exchange_n(&sync_wanted, 0, __ATOMIC_SEQ_CST)) {
		sync_saw = saw;
		sem_post(&synced);
	}
}

/* Waits for sem's post; sem_wait() fails only when a signal interrupts. */
static void
sem_wait_all(sem_t *sem)
{
	while (sem_wait(sem) != 0)
		continue;
}

/* Is a stop signal pending for the process? */
static int
stop_pending(void)
{
	sigset_t pending;
	int i;

	sigpending(&pending); /* fails only for a bad address (EFAULT) */
	for (i = 0; i < STOPSIG_N; i++)
		if (sigismember(&pending, stopsig_list[i]))
			return 1;
	return 0;
}

static void *
wait_main(void *arg)
{
	sigset_t set;
	int sig, i, rc;

	(void)arg;
	stopsig_set(&set, SIGPIPE);
	sigaddset(&set, LEAVE_SIG);
	sigaddset(&set, SYNC_SIG);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (;;) {
		/* Its one error is a set of invalid signals (EINVAL). */
		rc = sigwait(&set, &sig);
		assert(rc == 0);
		if (sig == LEAVE_SIG)
			return NULL;
		if (sig == SYNC_SIG) {
			answer_sync(stop_pending());
			continue;
		}
		__atomic_store_n(&caught, sig, __ATOMIC_SEQ_CST);
		answer_sync(1);
		pthread_mutex_lock(&mu);
		if (acts_on(sig))
			break;
		__atomic_store_n(&caught, 0, __ATOMIC_SEQ_CST);
		pthread_mutex_unlock(&mu);
	}
	/* mu stays locked: no section starts, no slot changes from now. */
	freeze_main();
	for (i = 0; i < STOPSIG_SLOTS; i++)
		if (slot[i] != NULL)
			slot[i](sig);
	die_of(sig);
}

/* Joinable: stopsig_fork_begin() ends it for the time of a fork(). */
static void
start_waiter(void)
{
	int rc;

	if ((rc = pthread_create(&waiter, NULL, wait_main, NULL)) != 0) {
		errno = rc;
		err(1, "pthread_create: the signal thread");
	}
}

void
stopsig_start(void)
{
	struct sigaction sa;
	sigset_t set;
	int i, rc;

	assert(!started);
	pthread_once(&once, init_mutex);
	for (i = 0; i < STOPSIG_N; i++)
		ignored[i] = sigaction(stopsig_list[i], NULL, &sa) == 0 &&
			     sa.sa_handler == SIG_IGN;
	main_thread = pthread_self();
	/* Both fail only for arguments these are not (EINVAL). */
	rc = sem_init(&frozen, 0, 0);
	assert(rc == 0);
	rc = sem_init(&synced, 0, 0);
	assert(rc == 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_freeze;
	sigfillset(&sa.sa_mask);
	rc = sigaction(FREEZE_SIG, &sa, NULL);
	assert(rc == 0);
	stopsig_set(&set, LEAVE_SIG);
	sigaddset(&set, SYNC_SIG);
	pthread_sigmask(SIG_BLOCK, &set, &start_mask);
	start_waiter();
	started = 1;
}

/* The programs start stopsig.c first thing in main(). */
void
stopsig_fork_begin(void)
{
	assert(started);
	/* A stop signal already pending is taken first (the lower number). */
	pthread_kill(waiter, LEAVE_SIG);
	pthread_join(waiter, NULL);
}

void
stopsig_fork_end(void)
{
	assert(started);
	start_waiter();
}

/*
 * Looking at caught and at the pending signals is not enough: the
 * thread may have taken a signal from sigwait() and not yet set caught
 * (seen: a producer killed with SIGINT just before its input ended
 * exited 0 and sent no ABORT, 2 times in 100).  So the thread is asked,
 * by a signal of its own: it answers once it has set caught for every
 * stop signal it took, saying whether one is still pending.  Once the
 * caller holds mu, the thread takes nothing it could act on unseen.
 */
int
stopsig_caught(void)
{
	int rc;

	assert(started);
	if (__atomic_load_n(&caught, __ATOMIC_SEQ_CST) != 0)
		return 1;
	/*
	 * Asked first, then caught looked at again: the thread sets caught,
	 * then looks whether it was asked, so one of the two sees the
	 * other's store.  If it answered already, its post is taken here.
	 */
	__atomic_store_n(&sync_wanted, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&caught, __ATOMIC_SEQ_CST) != 0) {
		if (!__atomic_exchange_n(&sync_wanted, 0, __ATOMIC_SEQ_CST))
			sem_wait_all(&synced);
		return 1;
	}
	/* The thread lives from stopsig_start() on, save during a fork. */
	rc = pthread_kill(waiter, SYNC_SIG);
	assert(rc == 0);
	sem_wait_all(&synced);
	return sync_saw || __atomic_load_n(&caught, __ATOMIC_SEQ_CST) != 0;
}

_Noreturn void
stopsig_await(void)
{
	sigset_t stops;

	stopsig_set(&stops, 0);
	for (;;)
		sigsuspend(&stops); /* FREEZE_SIG interrupts it, for good */
}

void
stopsig_register(enum stopsig_slot s, void (*fn)(int sig))
{
	sigset_t old;

	assert(s < STOPSIG_SLOTS);
	stopsig_hold(&old);
	slot[s] = fn;
	stopsig_release(&old);
}

/*
 * The lock is taken first: while the main thread waits for it, the stop
 * can still freeze it.  Once taken, no stop acts until it is released.
 */
void
stopsig_hold(sigset_t *old)
{
	sigset_t all;

	pthread_once(&once, init_mutex);
	pthread_mutex_lock(&mu);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, old);
}

void
stopsig_release(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
	pthread_mutex_unlock(&mu);
}

void
stopsig_child(void)
{
	assert(started);
	if (pipe_caught)
		signal(SIGPIPE, SIG_DFL);
	pthread_sigmask(SIG_SETMASK, &start_mask, NULL);
}

/*
 * SIGPIPE goes to the thread that wrote: it hands the signal on to the
 * waiting thread and waits to die of it.
 */
static void
on_sigpipe(int sig)
{
	pthread_kill(waiter, sig);
	for (;;)
		pause();
}

void
stopsig_catch_pipe(void)
{
	struct sigaction sa;

	assert(started);
	if (pipe_caught || sigaction(SIGPIPE, NULL, &sa) != 0 ||
	    sa.sa_handler != SIG_DFL)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigpipe;
	if (sigaction(SIGPIPE, &sa, NULL) == 0)
		pipe_caught = 1;
}
