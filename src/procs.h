/*
 * procs.h: range-sum --procs, forked workers whose shares, partial sums
 * and reports live in a POSIX shared-memory segment they inherit.
 */
#ifndef PROCS_H
#define PROCS_H

#include "work.h"

/*
 * Room for n shares in a fresh shared segment, zeroed and already
 * nameless.  Returns NULL after a message.
 */
struct work *procs_shares(int n);

/* Unmaps the n shares procs_shares() returned. */
void procs_shares_free(struct work *w, int n);

struct crew;

/*
 * Forks one worker for each of the n shares w (from procs_shares()).
 * Call it while the process has no other thread: a child forked beside
 * a running thread inherits the locks that thread held (stdio's, the
 * allocator's) and could wait for them for ever.
 */
struct crew *procs_start(struct work *w, int n, const struct workctx *c);

/*
 * Reaps every worker procs_start() forked and releases the crew.
 * Returns 0, or -1 after a message naming the range of the first worker
 * that was lost.
 */
int procs_wait(struct crew *k);

#endif
