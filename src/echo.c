/*
 * echo.c: --io-echo's requests: a client thread that sends them over a
 * TCP connection on the loopback interface, and the worker's two calls
 * that serve one.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "echo.h"

/*
 * A broken pipe fails the worker's and the echo thread's calls at once:
 * the first to fail says why and exits, the other waits silently for
 * that exit, so that one line, not two, names the failure.  It does not
 * pthread_exit(): that loads libgcc_s to unwind, a dlopen() racing the
 * exit, which deadlocked with libfiu's interposed malloc and write in
 * the fault tests (each thread held the lock the other waited for).
 */
static atomic_flag failing = ATOMIC_FLAG_INIT;

static void
first_fails(void)
{
	if (atomic_flag_test_and_set(&failing))
		for (;;)
			pause();
}

/*
 * Reads or writes one byte, again after a signal: 1, or 0 at EOF.  A
 * failure ends the program, naming what failed.
 */
static ssize_t
byte_io(int fd, char *b, int out, const char *what)
{
	ssize_t n;

	do
		n = out ? write(fd, b, 1) : read(fd, b, 1);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		first_fails();
		err(1, "--io-echo: %s", what);
	}
	return n;
}

/*
 * The client, as Skvortsov's in another process: sends a request,
 * waits for its answer, sends the next at once, until the worker shuts
 * its side down (EOF).
 */
static void *
client_main(void *arg)
{
	struct echo *e = arg;
	char b = 'x';

	do
		byte_io(e->client, &b, 1, "the client's write");
	while (byte_io(e->client, &b, 0, "the client's read") == 1);
	return NULL;
}

/*
 * A connection to ourselves on 127.0.0.1, as the experiment's client
 * makes to its server; no delay for small writes (TCP_NODELAY), as
 * both of its sides set.  Nothing else can connect: the listening
 * socket is closed once the one connection is accepted.
 */
static void
connect_self(struct echo *e)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int ls, one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(ls, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    listen(ls, 1) == -1 ||
	    getsockname(ls, (struct sockaddr *)&a, &len) == -1)
		err(1, "--io-echo: a socket on 127.0.0.1");
	if ((e->client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
		-1 ||
	    connect(e->client, (struct sockaddr *)&a, sizeof(a)) == -1)
		err(1, "--io-echo: connect to 127.0.0.1");
	if ((e->server = accept4(ls, NULL, NULL, SOCK_CLOEXEC)) == -1)
		err(1, "--io-echo: accept");
	close(ls);
	if (setsockopt(e->client, IPPROTO_TCP, TCP_NODELAY, &one,
		       sizeof(one)) == -1 ||
	    setsockopt(e->server, IPPROTO_TCP, TCP_NODELAY, &one,
		       sizeof(one)) == -1)
		err(1, "--io-echo: TCP_NODELAY");
}

void
echo_start(struct echo *e)
{
	int rc;

	connect_self(e);
	if ((rc = pthread_create(&e->thread, NULL, client_main, e)) != 0) {
		errno = rc;
		err(1, "--io-echo: pthread_create");
	}
}

void
echo_stop(struct echo *e)
{
	/* The client waits for an answer: EOF ends it. */
	shutdown(e->server, SHUT_WR);
	pthread_join(e->thread, NULL);
	close(e->server);
	close(e->client);
}

void
echo_receive(struct echo *e)
{
	/*
	 * Kept in defence: the client closes its end only after the
	 * worker's last request, so EOF here means a broken peer.
	 */
	if (byte_io(e->server, &e->byte, 0, "read") == 0) {
		first_fails();
		errx(1, "--io-echo: the client is gone");
	}
}

void
echo_answer(struct echo *e)
{
	byte_io(e->server, &e->byte, 1, "write");
}
