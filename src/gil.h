/*
 * gil.h: the locked-thread model, a lock that behaves like CPython's
 * global interpreter lock (see gil.c).
 */
#ifndef GIL_H
#define GIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct lanes;
struct trace;

/* The default switch interval: CPython's, sys.getswitchinterval() 0.005. */
#define GIL_INTERVAL_DEFAULT_NS 5000000

/* One thread's part in the lock: who it is, and what the lock cost it. */
struct gil_thread {
	uint64_t switches; /* times it took the lock from another thread */
	int64_t wait_ns;   /* time spent taking it, or handing it over */
	int tid;	   /* --trace: the worker's number, 1 to N */
	int64_t hold_ns;   /* --trace, --lanes: when it last took the lock */
	int64_t mark_ns;   /* --trace: where its lane's last slice ended */
};

struct gil {
	pthread_mutex_t mutex; /* guards locked and switch_number */
	pthread_cond_t cond;   /* signalled when the lock is dropped */
	int locked;
	unsigned long switch_number; /* hand-overs so far */
	int64_t interval_ns;	     /* the switch interval */
	/* Set by a waiter whose interval ran out; read between chunks. */
	atomic_int drop_request;
	/* Forced switching: a dropper waits here until another takes it. */
	pthread_mutex_t switch_mutex;
	pthread_cond_t switch_cond;
	_Atomic(struct gil_thread *) last_holder;
	struct trace *trace; /* --trace, or NULL: set after gil_init() */
	struct lanes *lanes; /* --lanes, or NULL: set after gil_init() */
};

/* Exits with a message if the system refuses a mutex or condition. */
void gil_init(struct gil *g, int64_t interval_ns);
void gil_destroy(struct gil *g);

/* Blocks until t holds the lock. */
void gil_take(struct gil *g, struct gil_thread *t);

/*
 * Releases the lock.  Unless last is set (the thread is done with the
 * lock for good), a pending drop request makes t wait until another
 * thread has taken the lock, so that t cannot take it straight back.
 */
void gil_drop(struct gil *g, struct gil_thread *t, int last);

/* The holder's check between chunks: has a waiter asked for the lock? */
static inline int
gil_drop_requested(struct gil *g)
{
	return atomic_load_explicit(&g->drop_request, memory_order_relaxed);
}

#endif
