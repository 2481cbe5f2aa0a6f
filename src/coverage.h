/*
 * coverage.h: sum-merge --progress: how much of the --expect range the
 * records cover, redrawn as they arrive, so that the progress of a whole
 * fan-out shows in one place.
 */
#ifndef COVERAGE_H
#define COVERAGE_H

#include "merge.h"

enum coverage_mode { COVERAGE_OFF, COVERAGE_AUTO, COVERAGE_FORCE };

/*
 * Starts the line for m (which has an expected range).  COVERAGE_AUTO
 * draws only when stderr is a terminal.
 */
void coverage_start(enum coverage_mode mode, const struct merge *m);

/* After each record: redraws, at most five times a second. */
void coverage_update(const struct merge *m);

/* Draws the last state and ends the line. */
void coverage_stop(const struct merge *m);

#endif
