/*
 * report.h: adding up the workers' shares, and range-sum --stats, what
 * each worker and the kernel did.
 */
#ifndef REPORT_H
#define REPORT_H

#include "num.h"
#include "work.h"

/* The sum of the n shares' sums; with stats, each report on stderr. */
i128 report_total(const struct work *w, int n, int stats, int gil);

#endif
