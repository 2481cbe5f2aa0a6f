/*
 * ipc-probe: a test tool that looks at POSIX IPC objects without
 * creating them, since /dev/mqueue is not always mounted.
 *
 *	ipc-probe mq|shm NAME		exit 0 if it exists, 1 if not (ENOENT)
 *	ipc-probe rm-mq|rm-shm NAME	remove it if it exists
 *	ipc-probe mq-count NAME		print the messages waiting in it
 *	ipc-probe mq-send NAME MSG	send MSG without creating the queue
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int
exists(int rv)
{
	if (rv >= 0)
		return 0;
	if (errno == ENOENT)
		return 1;
	err(2, "open");
}

int
main(int argc, char *argv[])
{
	struct mq_attr a;
	const char *op, *name;
	mqd_t q;

	if (argc < 3)
		errx(2, "usage: ipc-probe op name [msg]");
	op = argv[1];
	name = argv[2];
	if (strcmp(op, "mq") == 0)
		return exists(mq_open(name, O_RDONLY));
	if (strcmp(op, "shm") == 0)
		return exists(shm_open(name, O_RDONLY, 0));
	if (strcmp(op, "rm-mq") == 0)
		return mq_unlink(name) != 0 && errno != ENOENT;
	if (strcmp(op, "rm-shm") == 0)
		return shm_unlink(name) != 0 && errno != ENOENT;
	if ((q = mq_open(name, O_WRONLY)) == (mqd_t)-1)
		err(1, "%s", name);
	if (strcmp(op, "mq-count") == 0 && mq_getattr(q, &a) == 0)
		return printf("%ld\n", a.mq_curmsgs) < 0;
	if (strcmp(op, "mq-send") == 0 && argc == 4)
		return mq_send(q, argv[3], strlen(argv[3]), 0) != 0;
	errx(2, "bad operation %s", op);
}
