/*
 * stopsig.h: the one owner of the signals that end a run early but not
 * before its cleanup: SIGINT, SIGTERM and SIGHUP (stopsig.c says how).
 */
#ifndef STOPSIG_H
#define STOPSIG_H

#include <signal.h>

#define STOPSIG_N 3
extern const int stopsig_list[STOPSIG_N];

/* The stop signals as a set, and extra too unless it is 0. */
void stopsig_set(sigset_t *set, int extra);

/*
 * What a stop signal does before the process dies of it, one slot each,
 * run in this order whatever the order of registration:
 *   STOPSIG_LINE   end the terminal's progress line (human.c), first, so
 *                  that every later message starts a line of its own;
 *   STOPSIG_RUN    tell the run: a reader removes its queue or table by
 *                  identity, a producer sends ABORT or marks its table
 *                  (ipc.c, sink.c);
 *   STOPSIG_TRACE  complete the --trace file (trace.c), last, so that it
 *                  is written whatever the others did.
 */
enum stopsig_slot { STOPSIG_LINE, STOPSIG_RUN, STOPSIG_TRACE, STOPSIG_SLOTS };

/*
 * Called first in main(), before any other thread: blocks the stop
 * signals (every later thread inherits the mask) and starts the thread
 * that alone waits for them.
 */
void stopsig_start(void);

/*
 * Has a stop signal come that no action has run for yet (pending, or
 * taken by the waiting thread)?  Call it holding the lock
 * (stopsig_hold()); stopsig_await() then, after stopsig_release(), waits
 * for the actions and the end, and never returns.
 */
int stopsig_caught(void);
_Noreturn void stopsig_await(void);

/*
 * Registers fn(sig) in a slot (replacing what it held), or empties it
 * (fn NULL).  A signal the program started with ignored (nohup, a
 * background job) still ends it while the STOPSIG_RUN slot is full, so
 * that no queue or table is left behind; otherwise it stays ignored.
 */
void stopsig_register(enum stopsig_slot slot, void (*fn)(int sig));

/*
 * A critical section: between the two no stop signal acts (it waits),
 * and every other signal is blocked in the calling thread.  Sections
 * nest; a registration inside one takes effect as a whole.
 */
void stopsig_hold(sigset_t *old);
void stopsig_release(const sigset_t *old);

/*
 * Around fork()s: the waiting thread ends before, and starts again after
 * (a stop signal meanwhile waits for it).  In a fork()ed child,
 * stopsig_child() restores the signal mask and SIGPIPE as the program
 * began.  These and stopsig_catch_pipe() come after stopsig_start().
 */
void stopsig_fork_begin(void);
void stopsig_fork_end(void);
void stopsig_child(void);

/*
 * SIGPIPE, raised in the thread that wrote, goes through the same slots
 * (--trace completes its file), unless the program started with it
 * ignored or caught.
 */
void stopsig_catch_pipe(void);

#endif
