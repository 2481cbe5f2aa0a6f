/*
 * stopsig.h: the signals that end a run early but not before its
 * cleanup: SIGINT, SIGTERM and SIGHUP.  ipc.c's handler removes the
 * run's queue or table on them; trace.c's signal thread completes the
 * trace on them (and on SIGPIPE), then raises the signal again, so that
 * the handler runs too.
 */
#ifndef STOPSIG_H
#define STOPSIG_H

#include <signal.h>

#define STOPSIG_N 3
extern const int stopsig_list[STOPSIG_N];

/* The stop signals as a set, and extra too unless it is 0. */
void stopsig_set(sigset_t *set, int extra);

#endif
