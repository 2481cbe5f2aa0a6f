/*
 * num.c: strict, bounded number parsing and 128-bit formatting.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "num.h"

/*
 * Reads [+-]digits into a magnitude, refusing anything that is not
 * exactly that.  Returns the number of characters read, 0 if none.
 */
static size_t
digits(const char *s, unsigned __int128 *mag, int *overflow)
{
	unsigned __int128 v = 0, lim = ~(unsigned __int128)0 / 10;
	size_t n;

	for (n = 0; s[n] >= '0' && s[n] <= '9'; n++) {
		if (v > lim)
			*overflow = 1;
		v = v * 10 + (unsigned)(s[n] - '0');
		if (v < (unsigned)(s[n] - '0'))
			*overflow = 1;
	}
	*mag = v;
	return n;
}

/*
 * The common syntax: [+-]D+ or [+-]D+[eE]D+.  Stores the sign and the
 * magnitude; a magnitude past 2^127 sets *overflow (still "valid").
 */
static int
parse_mag(const char *s, int shorthand, int *neg, unsigned __int128 *mag,
	  int *overflow)
{
	unsigned __int128 exp;
	size_t n;
	int eover = 0;

	*neg = 0;
	*overflow = 0;
	if (*s == '+' || *s == '-')
		*neg = *s++ == '-';
	if ((n = digits(s, mag, overflow)) == 0)
		return -1;
	s += n;
	if (shorthand && (*s == 'e' || *s == 'E')) {
		s++;
		if ((n = digits(s, &exp, &eover)) == 0)
			return -1;
		s += n;
		for (; !eover && exp > 0 && *mag != 0; exp--) {
			if (*mag > ((unsigned __int128)1 << 127) / 10) {
				*overflow = 1;
				break;
			}
			*mag *= 10;
		}
		if (eover && *mag != 0)
			*overflow = 1;
	}
	if (*mag > ((unsigned __int128)1 << 127))
		*overflow = 1;
	return *s == '\0' ? 0 : -1;
}

int64_t
num_parse(const char *s, int64_t min, int64_t max, const char **errstr)
{
	unsigned __int128 mag;
	int neg, overflow;
	i128 v;

	if (parse_mag(s, 1, &neg, &mag, &overflow) != 0) {
		*errstr = "invalid";
		return 0;
	}
	/*
	 * Past 64 bits the sign alone says which bound is broken; below,
	 * the magnitude converts and negates without overflow (2^127 would
	 * do neither).
	 */
	if (overflow || mag > (unsigned __int128)UINT64_MAX) {
		*errstr = neg ? "too small" : "too large";
		return 0;
	}
	v = neg ? -(i128)mag : (i128)mag;
	if (v < min) {
		*errstr = "too small";
		return 0;
	}
	if (v > max) {
		*errstr = "too large";
		return 0;
	}
	*errstr = NULL;
	return (int64_t)v;
}

int
num_parse128(const char *s, i128 *out, const char **errstr)
{
	unsigned __int128 mag;
	int neg, overflow;

	if (parse_mag(s, 0, &neg, &mag, &overflow) != 0) {
		*errstr = "invalid";
		return -1;
	}
	/* -2^127 fits, +2^127 does not. */
	if (overflow || (!neg && mag > (~(unsigned __int128)0 >> 1))) {
		*errstr = neg ? "too small" : "too large";
		return -1;
	}
	*out = neg ? (i128)(0 - mag) : (i128)mag;
	*errstr = NULL;
	return 0;
}

/*
 * Durations keep to integer arithmetic so that "0.005" is exactly five
 * million nanoseconds.
 */
int64_t
num_duration(const char *s, const char **errstr)
{
	static const struct {
		const char *suffix;
		int64_t ns;
	} units[] = {{"ns", 1},
		     {"us", 1000},
		     {"ms", 1000000},
		     {"s", 1000000000},
		     {"m", 60 * (int64_t)1000000000},
		     {"h", 3600 * (int64_t)1000000000},
		     {"", 1000000000}};
	int64_t whole = 0;
	__int128 frac = 0, scale = 1; /* the first 18 decimals */
	size_t i, n;
	const char *p = s;
	int big = 0;

	*errstr = "invalid";
	/* Too many digits is "too large" only once the rest is valid. */
	for (n = 0; isdigit((unsigned char)*p); p++, n++) {
		if (whole > (INT64_MAX - 9) / 10)
			big = 1;
		else
			whole = whole * 10 + (*p - '0');
	}
	/* A decimal point must be followed by a digit: "5.ms" is a typo. */
	if (*p == '.') {
		if (!isdigit((unsigned char)p[1]))
			return -1;
		for (p++; isdigit((unsigned char)*p); p++, n++) {
			if (scale < (__int128)1000000000 * 1000000000) {
				frac = frac * 10 + (*p - '0');
				scale *= 10;
			}
		}
	}
	if (n == 0)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].suffix) != 0)
			continue;
		if (big || whole > INT64_MAX / units[i].ns - 1)
			return *errstr = "too large", -1;
		*errstr = NULL;
		/*
		 * 128 bits: frac * ns passes 2^63.  Eighteen decimals keep
		 * a minute's and an hour's fractions exact to the ns (nine
		 * would drop up to 3.6 us of "0.0000000009h").
		 */
		return whole * units[i].ns +
		       (int64_t)(frac * units[i].ns / scale);
	}
	return -1;
}

char *
num_fmt128(i128 v, char *buf)
{
	unsigned __int128 mag =
	    v < 0 ? 0 - (unsigned __int128)v : (unsigned __int128)v;
	char *p = buf + NUM_I128_LEN - 1;

	*p = '\0';
	do {
		*--p = (char)('0' + (int)(mag % 10));
		mag /= 10;
	} while (mag != 0);
	if (v < 0)
		*--p = '-';
	return p;
}
