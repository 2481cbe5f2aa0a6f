/*
 * iowait.h: --io-wait's blocking call, as long as asked, and the median
 * of the waits actually taken, for --stats (see iowait.c).
 */
#ifndef IOWAIT_H
#define IOWAIT_H

#include <stdatomic.h>
#include <stdint.h>

/* One thread's waits: how late its sleeps wake, to wake early enough. */
struct iowait {
	int64_t late_ns;     /* a running estimate of a sleep's lateness */
	unsigned long slack; /* the thread's own timer slack, restored */
};

void iowait_init(struct iowait *s);

/*
 * Blocks for ns from start (a clock reading the caller has just made,
 * or 0 to read one): a sleep for the bulk, then a spin to the deadline.
 * Returns the clock's last reading, when it ended.  A clock read costs
 * about 100 ns on some virtual machines: --trace reuses both.
 */
int64_t iowait_sleep(struct iowait *s, int64_t ns, int64_t start);

/* Lengths in buckets of 1/128 of an octave: a median within 0.4%. */
#define IOHIST_BITS 7
#define IOHIST_SUB  (1 << IOHIST_BITS)
#define IOHIST_OCT  40
struct iohist {
	_Atomic uint32_t n[IOHIST_SUB * IOHIST_OCT];
};

/* In a shared mapping: forked workers add to the same one. */
struct iohist *iohist_new(void);
void iohist_free(struct iohist *h);
void iohist_add(struct iohist *h, int64_t ns);

/* The median of what was added (0 if nothing), and how many. */
int64_t iohist_median(const struct iohist *h, uint64_t *count);

#endif
