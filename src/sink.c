/*
 * sink.c: delivering range-sum's results.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "rec.h"
#include "sink.h"

struct sink {
	int tag;
};

struct sink *
sink_open(const char *mq, const char *shm, int tag)
{
	struct sink *s;

	if (mq != NULL || shm != NULL)
		errx(1, "--mq and --shm are not built yet");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		err(1, NULL);
	s->tag = tag;
	return s;
}

int
sink_put(struct sink *s, int64_t start, int64_t end, i128 sum)
{
	char buf[REC_LEN], *line = buf;

	if (s->tag)
		rec_format(buf, start, end, sum);
	else
		line = num_fmt128(sum, buf);
	puts(line);
	return 0;
}

int
sink_close(struct sink *s)
{
	free(s);
	cli_close_stdout();
	return 0;
}
