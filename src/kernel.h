/*
 * kernel.h: summing a half-open range [start, end) exactly.
 */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdint.h>

#include "num.h"

enum method { METHOD_LOOP, METHOD_FORMULA };

/* Really adds every integer of [start, end); exact to 128 bits. */
i128 sum_loop(int64_t start, int64_t end);

/* The closed form (end - start) * (start + end - 1) / 2, exact. */
i128 sum_formula(int64_t start, int64_t end);

/*
 * The kernel sum_loop uses: by default the widest this CPU runs.  name
 * (NULL or empty: the default) forces one; returns NULL, or why it cannot
 * (no such kernel, or one this CPU cannot run).  Call it before any
 * thread sums.
 */
const char *kernel_use(const char *name);

/* The name of the kernel in use, and of every kernel of this build. */
const char *kernel_name(void);
const char *kernel_list(void);

/* One of the two, by method. */
i128 sum_range(enum method m, int64_t start, int64_t end);

#endif
