/*
 * progress.h: range-sum's progress line on stderr (--progress).
 */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdint.h>

#include "sumopts.h"
#include "work.h"

struct meter;

/*
 * Starts a thread that redraws, at most once a second, how far the n
 * workers w have come through total integers.  Returns NULL when mode is
 * off, or is PROGRESS_AUTO and stderr is not a terminal.
 */
struct meter *progress_start(enum progress mode, struct work *w, int n,
			     uint64_t total);

/* Stops the thread and prints the summary line; p may be NULL. */
void progress_stop(struct meter *p, int ok);

#endif
