/*
 * clock.h: time in nanoseconds, as one int64_t, and the conversions to
 * and from what the POSIX calls take (struct timespec, struct timeval).
 * Every time range-sum and sum-merge measure or wait for goes through
 * these.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#define NS_PER_S 1000000000

/* The time of clock id (CLOCK_MONOTONIC ...) in nanoseconds. */
int64_t now_ns(clockid_t id);

/* ns >= 0 nanoseconds as a struct timespec: a duration or a time. */
struct timespec ns_to_ts(int64_t ns);

/* The time of clock id ns >= 0 nanoseconds from now, for a timed wait. */
struct timespec ns_deadline(clockid_t id, int64_t ns);

/* A struct timeval (getrusage's times) in nanoseconds. */
int64_t tv_to_ns(struct timeval tv);

#endif
