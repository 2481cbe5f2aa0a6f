/*
 * transport.c: placeholder until the transports land.
 */
#include <err.h>

#include "transport.h"

int
transport_merge_mq(struct merge *m, const char *name, const struct mqopts *o)
{
	(void)m;
	(void)o;
	warnx("--mq %s: message queues are not built yet", name);
	return MERGE_EXIT_BAD;
}

int
transport_merge_shm(struct merge *m, const char *name)
{
	(void)m;
	warnx("--shm %s: shared tables are not built yet", name);
	return MERGE_EXIT_BAD;
}
