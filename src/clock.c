/*
 * clock.c: time in nanoseconds, and the conversions to and from
 * struct timespec and struct timeval.
 */
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#include "clock.h"

int64_t
now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

struct timespec
ns_to_ts(int64_t ns)
{
	struct timespec ts = {.tv_sec = ns / NS_PER_S,
			      .tv_nsec = ns % NS_PER_S};

	return ts;
}

struct timespec
ns_deadline(clockid_t id, int64_t ns)
{
	struct timespec ts;

	/*
	 * Added field by field: a long --timeout must not overflow.  The
	 * nanoseconds, below 2 s, carry their whole seconds over.
	 */
	clock_gettime(id, &ts);
	ts.tv_nsec += ns % NS_PER_S;
	ts.tv_sec += ns / NS_PER_S + ts.tv_nsec / NS_PER_S;
	ts.tv_nsec %= NS_PER_S;
	return ts;
}

int64_t
tv_to_ns(struct timeval tv)
{
	return (int64_t)tv.tv_sec * NS_PER_S + (int64_t)tv.tv_usec * 1000;
}
