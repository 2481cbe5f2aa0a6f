/*
 * human.c: figures and lines for people on a terminal.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "human.h"
#include "stopsig.h"

/*
 * A line stands unended.  Set and read in stopsig_hold() sections only:
 * a stop's actions run while no line is being drawn, and none after.
 */
static int drawn;

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
 */
static void
end_line(int sig)
{
	(void)sig;
	if (drawn)
		(void)!write(STDERR_FILENO, "\n", 1);
	drawn = 0;
}

void
human_catch_signals(int on)
{
	stopsig_register(STOPSIG_LINE, on ? end_line : NULL);
}

void
human_draw_begin(sigset_t *old)
{
	stopsig_hold(old);
}

void
human_draw_end(const sigset_t *old, int yes)
{
	drawn = yes;
	stopsig_release(old);
}
