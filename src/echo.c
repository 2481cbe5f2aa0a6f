/*
 * echo.c: --io-echo's requests: a client thread that sends them, and
 * the worker's two calls that serve one.
 */
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "echo.h"

/* Reads or writes one byte, again after a signal: 1, 0 at EOF, or -1. */
static ssize_t
byte_io(int fd, char *b, int out)
{
	ssize_t n;

	do
		n = out ? write(fd, b, 1) : read(fd, b, 1);
	while (n == -1 && errno == EINTR);
	return n;
}

/*
 * The client, as Skvortsov's in another process: sends a request,
 * waits for its answer, sends the next at once, until the worker
 * closes its end of the answers (EOF).  The requests' read end stays
 * open until the client is joined: its writes never meet EPIPE.
 */
static void *
client_main(void *arg)
{
	struct echo *e = arg;
	ssize_t n;
	char b = 'x';

	for (;;) {
		if (byte_io(e->req[1], &b, 1) != 1)
			err(1, "--io-echo: the client's write");
		if ((n = byte_io(e->ans[0], &b, 0)) == 0)
			break;
		if (n == -1)
			err(1, "--io-echo: the client's read");
	}
	return NULL;
}

void
echo_start(struct echo *e)
{
	int rc;

	if (pipe(e->req) == -1 || pipe(e->ans) == -1)
		err(1, "--io-echo: pipe");
	if ((rc = pthread_create(&e->thread, NULL, client_main, e)) != 0) {
		errno = rc;
		err(1, "--io-echo: pthread_create");
	}
}

void
echo_stop(struct echo *e)
{
	/* The client waits for an answer: EOF ends it. */
	close(e->ans[1]);
	pthread_join(e->thread, NULL);
	close(e->ans[0]);
	close(e->req[0]);
	close(e->req[1]);
}

void
echo_receive(struct echo *e)
{
	ssize_t n;

	if ((n = byte_io(e->req[0], &e->byte, 0)) == -1)
		err(1, "--io-echo: read");
	if (n == 0)
		errx(1, "--io-echo: the client is gone");
}

void
echo_answer(struct echo *e)
{
	if (byte_io(e->ans[1], &e->byte, 1) != 1)
		err(1, "--io-echo: write");
}
