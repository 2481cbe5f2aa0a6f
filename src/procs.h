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

/*
 * Forks one worker for each of the n shares w (from procs_shares()) and
 * reaps them all.  Returns 0, or -1 after a message naming the range of
 * the first worker that was lost.
 */
int procs_run(struct work *w, int n, const struct workctx *c);

#endif
