/*
 * fuzz.h: what the libFuzzer harnesses share.  A harness checks
 * properties, not only that nothing crashes: a property that does not
 * hold aborts with a message, which libFuzzer records as a crash.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Aborts, naming the property and the input, if cond is false. */
#define PROP(cond, in)                                                         \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: property failed: %s\n"         \
					"input: '%s'\n",                       \
				__FILE__, __LINE__, #cond, (in));              \
			abort();                                               \
		}                                                              \
	} while (0)

/* The input as a C string (it ends at its first NUL, as a line would). */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Copies up to n bytes of data from *off on into out, zero-filling. */
static inline void
fuzz_take(void *out, size_t n, const uint8_t *data, size_t size, size_t *off)
{
	size_t k = *off < size ? size - *off : 0;

	if (k > n)
		k = n;
	memset(out, 0, n);
	if (k > 0) {
		memcpy(out, data + *off, k);
		*off += k;
	}
}

#endif
