/*
 * num.h: the one strict number parser, and 128-bit decimal formatting.
 *
 * Every integer a user gives any rangetools program goes through
 * num_parse(), which has strtonum(3)'s contract: the whole string must be
 * a number within [min, max], and on failure *errstr says why ("invalid",
 * "too small" or "too large") and nothing else is touched.
 */
#ifndef NUM_H
#define NUM_H

#include <stdint.h>

typedef __int128 i128;

/* Decimal with an optional sign, or the exact-integer shorthand MeK. */
int64_t num_parse(const char *s, int64_t min, int64_t max, const char **errstr);

/* A signed decimal integer of at most 128 bits (no shorthand). */
int num_parse128(const char *s, i128 *out, const char **errstr);

/*
 * A duration: "5ms", "200us", "1s", "250ns", or plain seconds "0.005".
 * Returns nanoseconds, or -1 with *errstr set.
 */
int64_t num_duration(const char *s, const char **errstr);

/*
 * The longest duration any option takes: a week.  A program adds it to
 * a clock's reading (CLOCK_REALTIME is near 2^61 ns now), so it must
 * stay far below 2^63 ns, and no wait of the toolkit makes sense longer.
 */
#define NUM_DURATION_MAX_H  168
#define NUM_DURATION_MAX_NS ((int64_t)NUM_DURATION_MAX_H * 3600 * 1000000000)

/* Formats v in decimal into buf, which must hold NUM_I128_LEN bytes. */
#define NUM_I128_LEN 42
char *num_fmt128(i128 v, char *buf);

#endif
