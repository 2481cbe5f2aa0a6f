/*
 * thread-probe thread|fork: exits 0 when a second thread runs and is
 * joined, or a forked child runs and is reaped.  make check-aarch64 runs
 * both under qemu-user with a timeout first: an arm64 C library that does
 * not match its loader (libc6:arm64's libc.so.6 under the cross loader)
 * never returns from pthread_create, and its forked child spins in the
 * same way; the tests that start threads or worker processes must then
 * skip rather than hang.
 */
#include <sys/wait.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void *
ran(void *flag)
{
	*(int *)flag = 1;
	return NULL;
}

static int
thread_runs(void)
{
	pthread_t t;
	int flag = 0;

	return pthread_create(&t, NULL, ran, &flag) == 0 &&
	       pthread_join(t, NULL) == 0 && flag;
}

static int
fork_runs(void)
{
	pid_t pid;
	int st;

	if ((pid = fork()) == 0)
		_exit(7);
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 7;
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "thread") == 0) {
		if (thread_runs())
			return 0;
		fputs("thread-probe: no second thread ran\n", stderr);
	} else if (argc == 2 && strcmp(argv[1], "fork") == 0) {
		if (fork_runs())
			return 0;
		fputs("thread-probe: no forked child ran\n", stderr);
	} else {
		fputs("usage: thread-probe thread|fork\n", stderr);
		return 2;
	}
	return 1;
}
