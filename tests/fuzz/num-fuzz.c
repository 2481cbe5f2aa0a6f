/*
 * num-fuzz: the number parser against references written differently.
 *
 *   num_parse	agrees with strtoll(3) on plain decimals and with the
 *		written-out expansion on the MeK shorthand, for three
 *		pairs of bounds; what it accepts prints back as the
 *		canonical form and parses again to the same value.
 *   num_parse128	agrees with a comparison of digit strings against
 *		+-2^127; what it accepts is printed by num_fmt128 in the
 *		canonical form.
 *   num_duration	agrees with a reference that reads the grammar
 *		"digits[.digits][ns|us|ms|s]" and keeps as many decimals
 *		as the unit has nanoseconds' digits.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "num.h"

/* [+-]digits, with the sign, the first digit and the digit count. */
struct dec {
	int neg;
	const char *d; /* digits without leading zeros; "" for zero */
	size_t n;      /* strlen(d) */
};

/* Is s exactly [+-]D+ ?  Fills *x. */
static int
plain_decimal(const char *s, struct dec *x)
{
	size_t i;

	x->neg = *s == '-';
	if (*s == '+' || *s == '-')
		s++;
	if (*s == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	while (*s == '0')
		s++;
	x->d = s;
	x->n = strlen(s);
	return 1;
}

/* The canonical decimal of x: no '+', no leading zeros, "0" not "-0". */
static void
canonical(const struct dec *x, char *out, size_t cap)
{
	if (x->n == 0)
		snprintf(out, cap, "0");
	else
		snprintf(out, cap, "%s%s", x->neg ? "-" : "", x->d);
}

/* Checks num_parse(s, min, max) against the reference value. */
static void
check_bounds(const char *s, int inrange64, int64_t ref, int refneg, int64_t min,
	     int64_t max)
{
	const char *errstr;
	int64_t v;

	v = num_parse(s, min, max, &errstr);
	if (!inrange64) {
		PROP(errstr != NULL, s);
		PROP(strcmp(errstr, refneg ? "too small" : "too large") == 0,
		     s);
		return;
	}
	if (ref < min) {
		PROP(errstr != NULL && strcmp(errstr, "too small") == 0, s);
	} else if (ref > max) {
		PROP(errstr != NULL && strcmp(errstr, "too large") == 0, s);
	} else {
		PROP(errstr == NULL && v == ref, s);
	}
}

static void
check_num_parse(const char *s)
{
	static const int64_t bounds[][2] = {
	    {INT64_MIN, INT64_MAX}, {1, 1024}, {0, INT64_MAX}};
	char buf[8192], canon[64];
	const char *errstr, *e;
	struct dec x;
	int64_t ref = 0, v;
	unsigned long exp;
	size_t i, mlen;
	int in = 0;

	/* The reference: expand MeK to digits, then ask strtoll. */
	e = strpbrk(s, "eE");
	mlen = e != NULL ? (size_t)(e - s) : strlen(s);
	if (mlen >= sizeof(buf) - 64)
		return;
	memcpy(buf, s, mlen);
	buf[mlen] = '\0';
	if (!plain_decimal(buf, &x)) {
		PROP(num_parse(s, INT64_MIN, INT64_MAX, &errstr) == 0 &&
			 errstr != NULL && strcmp(errstr, "invalid") == 0,
		     s);
		return;
	}
	if (e != NULL) {
		/* The exponent: digits only, at least one. */
		if (e[1] == '\0' ||
		    strspn(e + 1, "0123456789") != strlen(e + 1)) {
			num_parse(s, INT64_MIN, INT64_MAX, &errstr);
			PROP(errstr != NULL && strcmp(errstr, "invalid") == 0,
			     s);
			return;
		}
		errno = 0;
		exp = strtoul(e + 1, NULL, 10);
		if (x.n == 0) {
			x.n = 0; /* zero times anything */
		} else if (errno == ERANGE || exp > 40) {
			check_bounds(s, 0, 0, x.neg, INT64_MIN, INT64_MAX);
			return;
		} else {
			for (i = 0; i < exp; i++)
				buf[mlen++] = '0';
			buf[mlen] = '\0';
		}
	}
	errno = 0;
	ref = strtoll(buf, NULL, 10);
	in = errno != ERANGE;
	for (i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++)
		check_bounds(s, in, ref, x.neg, bounds[i][0], bounds[i][1]);
	if (!in)
		return;
	/* Accepted: the canonical form parses back to the same value. */
	snprintf(canon, sizeof(canon), "%" PRId64, ref);
	v = num_parse(canon, INT64_MIN, INT64_MAX, &errstr);
	PROP(errstr == NULL && v == ref, s);
	if (e == NULL) {
		char c2[8192];

		canonical(&x, c2, sizeof(c2));
		PROP(strcmp(c2, canon) == 0, s);
	}
}

/* Compares digit strings without leading zeros as numbers. */
static int
cmp_digits(const char *a, size_t na, const char *b)
{
	size_t nb = strlen(b);

	if (na != nb)
		return na < nb ? -1 : 1;
	return strncmp(a, b, na);
}

static void
check_num_parse128(const char *s)
{
	static const char max[] = "170141183460469231731687303715884105727";
	static const char min[] = "170141183460469231731687303715884105728";
	char canon[8192], out[NUM_I128_LEN];
	const char *errstr;
	struct dec x;
	i128 v;
	int rc;

	rc = num_parse128(s, &v, &errstr);
	if (!plain_decimal(s, &x)) {
		PROP(rc == -1 && strcmp(errstr, "invalid") == 0, s);
		return;
	}
	if (cmp_digits(x.d, x.n, x.neg ? min : max) > 0) {
		PROP(rc == -1 &&
			 strcmp(errstr, x.neg ? "too small" : "too large") == 0,
		     s);
		return;
	}
	PROP(rc == 0 && errstr == NULL, s);
	if (x.n >= sizeof(canon) - 2)
		return;
	canonical(&x, canon, sizeof(canon));
	PROP(strcmp(num_fmt128(v, out), canon) == 0, s);
}

/* The reference duration: -2 invalid, -1 past 64 bits, else ns. */
static __int128
ref_duration(const char *s)
{
	static const struct {
		const char *u;
		int64_t ns;
	} units[] = {{"ns", 1},		 {"us", 1000},
		     {"ms", 1000000},	 {"s", 1000000000},
		     {"m", 60000000000}, {"h", 3600000000000},
		     {"", 1000000000}};
	size_t nw = strspn(s, "0123456789"), nf = 0, i;
	const char *p = s + nw, *frac = NULL;
	__int128 whole = 0, f = 0, e18 = 1;
	int k;

	if (*p == '.') {
		frac = p + 1;
		nf = strspn(frac, "0123456789");
		if (nf == 0)
			return -2;
		p = frac + nf;
	}
	if (nw + nf == 0)
		return -2;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(p, units[i].u) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return -2;
	for (size_t j = 0; j < nw; j++) {
		whole = whole * 10 + (s[j] - '0');
		if (whole > INT64_MAX)
			return -1;
	}
	/*
	 * The first 18 decimals, padded with zeros, as a fraction of 10^18:
	 * its share of the unit, rounded down, is in ns.
	 */
	for (k = 0; k < 18; k++) {
		f = f * 10 + ((size_t)k < nf ? frac[k] - '0' : 0);
		e18 *= 10;
	}
	whole = whole * units[i].ns + f * units[i].ns / e18;
	return whole > INT64_MAX ? -1 : whole;
}

static void
check_duration(const char *s)
{
	const char *errstr;
	__int128 ref = ref_duration(s);
	int64_t v = num_duration(s, &errstr);

	if (ref == -2) {
		PROP(v == -1 && errstr != NULL &&
			 strcmp(errstr, "invalid") == 0,
		     s);
	} else if (errstr == NULL) {
		PROP(ref >= 0 && v == ref, s);
	} else {
		/*
		 * "too large" may come a little before INT64_MAX (the parser
		 * keeps one unit of headroom), never for a small duration.
		 */
		PROP(strcmp(errstr, "too large") == 0, s);
		PROP(ref == -1 || ref > INT64_MAX / 10 - 1000000000, s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);

	check_num_parse(s);
	check_num_parse128(s);
	check_duration(s);
	free(s);
	return 0;
}
