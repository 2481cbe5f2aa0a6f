/*
 * mergemsg.h: the merge's words on stderr: why there is no total, with
 * the records it names and their sources.
 */
#ifndef MERGEMSG_H
#define MERGEMSG_H

#include "verdict.h"

/* Says why there is no total, for a verdict other than V_TOTAL. */
void msg_verdict(struct merge *m, struct verdict *v, const char *why);

/* The exit status of a verdict without a total. */
int msg_status(const struct verdict *v);

#endif
