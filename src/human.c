/*
 * human.c: figures and lines for people on a terminal.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "human.h"

/*
 * Written by the thread that draws, read by the handler in whichever
 * thread the signal lands: a lock-free atomic, safe in a handler.
 */
static atomic_int drawn;
static const int ended_by[] = {SIGINT, SIGTERM};
#define NSIG_ENDED (sizeof(ended_by) / sizeof(ended_by[0]))
static struct sigaction before[NSIG_ENDED];

char *
human_si(double v, char *buf, size_t size)
{
	static const char prefix[] = " kMGTPE";
	int i = 0;

	while (v >= 999.5 && prefix[i + 1] != '\0') {
		v /= 1000;
		i++;
	}
	snprintf(buf, size, "%.3g%.*s", v, i > 0, &prefix[i]);
	return buf;
}

char *
human_eta(double s, char *buf, size_t size)
{
	long long t;

	if (s >= 86400) {
		snprintf(buf, size, "%.1f days", s / 86400);
	} else {
		t = (long long)(s + 0.5);
		snprintf(buf, size, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60,
			 t % 60);
	}
	return buf;
}

/*
 * The shell prints its prompt where the cursor stands: after an
 * interrupt, at the end of the progress line unless it is ended here.
 * The signal is raised again with the handler it had before, and is
 * delivered once this one returns.
 */
static void
on_signal(int sig)
{
	size_t i;

	if (atomic_exchange(&drawn, 0))
		(void)!write(STDERR_FILENO, "\n", 1);
	for (i = 0; i < NSIG_ENDED; i++)
		if (ended_by[i] == sig)
			sigaction(sig, &before[i], NULL);
	raise(sig);
}

void
human_catch_signals(int on)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	for (i = 0; i < NSIG_ENDED; i++) {
		if (!on) {
			sigaction(ended_by[i], &before[i], NULL);
			continue;
		}
		sigaction(ended_by[i], NULL, &before[i]);
		if (before[i].sa_handler != SIG_IGN)
			sigaction(ended_by[i], &sa, NULL);
	}
	if (!on)
		atomic_store(&drawn, 0);
}

void
human_drawn(int yes)
{
	atomic_store(&drawn, yes);
}
