/*
 * echo.c: the --io-echo round-trip and the thread that answers it.
 */
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "echo.h"

static void *
echo_main(void *arg)
{
	struct echo *e = arg;
	char b;

	/* Until the worker closes its end: EOF. */
	while (read(e->to[0], &b, 1) == 1 && write(e->from[1], &b, 1) == 1)
		;
	return NULL;
}

void
echo_start(struct echo *e)
{
	int rc;

	if (pipe(e->to) == -1 || pipe(e->from) == -1)
		err(1, "--io-echo: pipe");
	if ((rc = pthread_create(&e->thread, NULL, echo_main, e)) != 0) {
		errno = rc;
		err(1, "--io-echo: pthread_create");
	}
}

void
echo_stop(struct echo *e)
{
	close(e->to[1]);
	pthread_join(e->thread, NULL);
	close(e->to[0]);
	close(e->from[0]);
	close(e->from[1]);
}

void
echo_send(struct echo *e)
{
	char b = 'x';
	ssize_t n;

	while ((n = write(e->to[1], &b, 1)) == -1 && errno == EINTR)
		;
	if (n != 1)
		err(1, "--io-echo: write");
}

void
echo_receive(struct echo *e)
{
	char b;
	ssize_t n;

	while ((n = read(e->from[0], &b, 1)) == -1 && errno == EINTR)
		;
	if (n == -1)
		err(1, "--io-echo: read");
	if (n == 0)
		errx(1, "--io-echo: the echo thread is gone");
}
