/*
 * rec.h: the line formats the programs exchange.
 *
 *	start end		a range (range-split, range-sum's input)
 *	index start end		a numbered range (range-split -i)
 *	sum			a bare partial sum (range-sum)
 *	start end sum		a record (range-sum -t, --mq, --shm)
 *
 * Fields are separated by blanks; the parsers modify the line.
 */
#ifndef REC_H
#define REC_H

#include <stdint.h>

#include "num.h"

struct rec {
	int64_t start, end;
	i128 sum;
};

/*
 * A range line, with or without an index.  Returns 0, or -1 and *why.
 * A line that is a record (rec_is_record()) is refused, REC_NOT_A_RANGE:
 * read as "index start end" it would stand for another range, most
 * often a huge one ("0 25000000 312499987500000").
 */
int rec_parse_range(char *line, int64_t *start, int64_t *end, const char **why);

/*
 * Are the three fields a record "start end sum", the sum that of the
 * range?  A line of range-sum -t's output is; an "index start end" line
 * of range-split -i almost never (its end would have to be the sum of
 * index..start-1, as "0 4 6" is).
 */
int rec_is_record(const char *f0, const char *f1, const char *f2);
#define REC_NOT_A_RANGE                                                        \
	"a record 'start end sum' as range-sum -t writes (sum-merge adds "     \
	"records; an 'index start end' line that reads so: give it as "        \
	"'start end')"

/* The kinds of result line; each value is the line's number of fields. */
enum rec_kind {
	REC_BARE = 1,  /* sum: a bare partial sum */
	REC_RECORD = 3 /* start end sum: a record */
};

/*
 * A result line: a bare sum (returns REC_BARE, r->sum set) or a record
 * whose sum is checked against its range (returns REC_RECORD).  -1 and
 * *why if malformed.
 */
int rec_parse_result(char *line, struct rec *r, const char **why);

/* rec_parse_result()'s *why for a record whose sum is not its range's. */
extern const char rec_why_sum[];

/*
 * sum-merge --values: the same lines, the third field a value a worker
 * computed for the range (a count, a size), not checked against it.
 */
int rec_parse_value(char *line, struct rec *r, const char **why);

/*
 * The fast path for the commonest result lines, bare sums of at most 19
 * digits ([+-]D+ then "\n" or "\r\n"), read straight from a block of
 * input [p, end): adds them to *total and counts them in *nlines, and
 * returns where it stopped: at any other line, which rec_parse_result()
 * then judges, so that the two agree, or at a sum that would overflow.
 */
const char *rec_fast_sums(const char *p, const char *end, i128 *total,
			  long long *nlines);

/*
 * The fast path for records of plain decimal fields, the lines of
 * range-sum -t: "[-]D{1,18} [-]D{1,18} [-]D{1,38}" (one blank between
 * fields) then "\n" or "\r\n", read straight from a block of input
 * [p, end).  Returns the start of the next line, r set, or NULL for
 * any other line, a record whose sum is not its range's (with check),
 * or fewer than REC_FAST_SPAN bytes from p to end: a line that
 * rec_parse_result() or rec_parse_value() then judges, so that the two
 * agree.
 */
#define REC_FAST_SPAN 96
const char *rec_fast_record(const char *p, const char *end, int check,
			    struct rec *r);

/* Formats "start end sum" (no newline) into buf; returns its length. */
#define REC_LEN (2 * 21 + NUM_I128_LEN + 2)
int rec_format(char *buf, int64_t start, int64_t end, i128 sum);

#endif
