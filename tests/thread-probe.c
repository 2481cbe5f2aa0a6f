/*
 * thread-probe: exits 0 when a second thread runs and is joined.  make
 * check-aarch64 runs it under qemu-user with a timeout first: on some
 * hosts an arm64 program never returns from its first pthread_create
 * there, and the suite's tests that start threads must then skip rather
 * than hang.
 */
#include <pthread.h>
#include <stdio.h>

static void *
ran(void *flag)
{
	*(int *)flag = 1;
	return NULL;
}

int
main(void)
{
	pthread_t t;
	int flag = 0;

	if (pthread_create(&t, NULL, ran, &flag) != 0 ||
	    pthread_join(t, NULL) != 0 || !flag) {
		fputs("thread-probe: no second thread ran\n", stderr);
		return 1;
	}
	return 0;
}
