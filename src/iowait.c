/*
 * iowait.c: --io-wait D, a blocking call of length D.
 *
 * A plain clock_nanosleep(D) oversleeps by Linux's timer slack (50 us
 * for an ordinary thread: the kernel may merge its wake-up with others
 * that late) plus the scheduler's wake-up latency: a 20 us sleep took
 * 101-114 us here.  So the thread lowers its timer slack to 1 ns for the
 * sleep (prctl PR_SET_TIMERSLACK, restored afterwards, so the lock's
 * timed waits keep CPython's default slack), sleeps until a lead before
 * the deadline, and spins the rest on the monotonic clock.  The lead is
 * twice the sleeps' recent lateness plus 2 us; a wait shorter than that
 * is all spin.  The lock stays released throughout: the spin is the
 * waiting thread's own CPU, as a busy device driver's would be.
 *
 * CPython's time.sleep(D) keeps the default slack, so it is D plus the
 * slack and the latency: range-sum(1) says how to model either.
 */
#include <assert.h>
#include <err.h>
#include <errno.h>
#include <sys/mman.h>
#include <time.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "clock.h"
#include "iowait.h"
#include "num.h"

#define LEAD_MIN_NS  2000   /* spun in any case */
#define LATE_INIT_NS 60000  /* before any sleep: the default slack's */
#define LATE_CAP_NS  200000 /* one preempted wake-up counts for no more */

void
iowait_init(struct iowait *s)
{
	s->late_ns = LATE_INIT_NS;
	s->slack = 0;
#ifdef PR_GET_TIMERSLACK
	{
		int v = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);

		if (v > 0)
			s->slack = (unsigned long)v;
	}
#endif
}

static void
slack(unsigned long ns)
{
#ifdef PR_SET_TIMERSLACK
	if (ns > 0)
		prctl(PR_SET_TIMERSLACK, ns, 0, 0, 0);
#else
	(void)ns;
#endif
}

int64_t
iowait_sleep(struct iowait *s, int64_t ns, int64_t start)
{
	int64_t now = start > 0 ? start : now_ns(CLOCK_MONOTONIC);
	int64_t end, lead = 2 * s->late_ns + LEAD_MIN_NS, wake, late;
	struct timespec ts;

	/* The option's bound keeps now + ns far from overflow. */
	assert(ns >= 0 && ns <= NUM_DURATION_MAX_NS);
	end = now + ns;

	if (ns > lead) {
		wake = end - lead;
		ts = ns_to_ts(wake);
		slack(1);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
		slack(s->slack);
		now = now_ns(CLOCK_MONOTONIC);
		late = now - wake;
		if (late > LATE_CAP_NS)
			late = LATE_CAP_NS;
		s->late_ns += (late - s->late_ns) / 8;
	}
	while (now < end)
		now = now_ns(CLOCK_MONOTONIC);
	return now;
}

struct iohist *
iohist_new(void)
{
	void *p = mmap(NULL, sizeof(struct iohist), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		err(1, "mmap");
	return p; /* zero-filled */
}

void
iohist_free(struct iohist *h)
{
	if (h != NULL)
		munmap(h, sizeof(*h));
}

static int
bucket(int64_t ns)
{
	uint64_t v = ns > 0 ? (uint64_t)ns : 0;
	int msb, i;

	if (v < IOHIST_SUB)
		return (int)v;
	msb = 63 - __builtin_clzll(v);
	i = (msb - IOHIST_BITS + 1) * IOHIST_SUB +
	    (int)((v >> (msb - IOHIST_BITS)) & (IOHIST_SUB - 1));
	return i < IOHIST_SUB * IOHIST_OCT ? i : IOHIST_SUB * IOHIST_OCT - 1;
}

/* The middle of bucket i. */
static int64_t
bucket_mid(int i)
{
	int msb = i / IOHIST_SUB + IOHIST_BITS - 1, sub = i % IOHIST_SUB;

	if (i < IOHIST_SUB)
		return i;
	return ((int64_t)(IOHIST_SUB + sub) << (msb - IOHIST_BITS)) +
	       ((int64_t)1 << (msb - IOHIST_BITS)) / 2;
}

void
iohist_add(struct iohist *h, int64_t ns)
{
	atomic_fetch_add_explicit(&h->n[bucket(ns)], 1, memory_order_relaxed);
}

int64_t
iohist_median(const struct iohist *h, uint64_t *count)
{
	uint64_t total = 0, seen = 0;
	int i, n = IOHIST_SUB * IOHIST_OCT;

	for (i = 0; i < n; i++)
		total += atomic_load(&h->n[i]);
	*count = total;
	if (total == 0)
		return 0;
	for (i = 0; i < n; i++) {
		seen += atomic_load(&h->n[i]);
		if (2 * seen >= total)
			break;
	}
	return bucket_mid(i);
}
