/*
 * stopsig.c: the one list of the signals that stop a run with cleanup.
 */
#include <signal.h>

#include "stopsig.h"

const int stopsig_list[STOPSIG_N] = {SIGINT, SIGTERM, SIGHUP};

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
