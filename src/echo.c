/*
 * echo.c: the --io-echo round-trip and the thread that answers it.
 */
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "echo.h"

/*
 * A broken pipe fails the worker's and the echo thread's calls at once:
 * the first to fail says why and exits, the other ends its thread
 * silently, so that one line, not two, names the failure.
 */
static atomic_flag failing = ATOMIC_FLAG_INIT;

static void
first_fails(void)
{
	if (atomic_flag_test_and_set(&failing))
		pthread_exit(NULL);
}

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

static void *
echo_main(void *arg)
{
	struct echo *e = arg;
	ssize_t n;
	char b;

	/* Until the worker closes its end: EOF. */
	while ((n = byte_io(e->to[0], &b, 0)) == 1)
		if (byte_io(e->from[1], &b, 1) != 1) {
			first_fails();
			err(1, "--io-echo: the echo thread's write");
		}
	if (n == -1) {
		first_fails();
		err(1, "--io-echo: the echo thread's read");
	}
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

	if (byte_io(e->to[1], &b, 1) != 1) {
		first_fails();
		err(1, "--io-echo: write");
	}
}

void
echo_receive(struct echo *e)
{
	char b;
	ssize_t n;

	if ((n = byte_io(e->from[0], &b, 0)) == -1) {
		first_fails();
		err(1, "--io-echo: read");
	}
	if (n == 0) {
		first_fails();
		errx(1, "--io-echo: the echo thread is gone");
	}
}
