/*
 * ipc.h: what the POSIX IPC transports share: checked names, objects
 * that belong to us alone, and removal when a signal ends the program.
 */
#ifndef IPC_H
#define IPC_H

#include <sys/stat.h>
#include <sys/types.h>

#include <signal.h>

enum ipc_kind { IPC_MQ, IPC_SHM };

/* Why name is not a valid portable IPC name, or NULL if it is. */
const char *ipc_name_problem(const char *name);

/* "queue" or "table", for messages. */
const char *ipc_what(enum ipc_kind k);

/*
 * Refuses an object that another user owns or may write: 0, or -1 after
 * a message.  Joining it would let that user feed us records.
 */
int ipc_check_owner(int fd, enum ipc_kind k, const char *name);

/* One object, as the kernel knows it: what a name held when opened. */
struct ipc_id {
	dev_t dev;
	ino_t ino;
};

/* The identity of the object open on fd. */
void ipc_identify(int fd, struct ipc_id *id);

/*
 * fstat() of a queue's or table's descriptor this process holds open,
 * which cannot fail: its errors are a closed descriptor (EBADF) and
 * sizes that do not fit (EOVERFLOW, not with 64-bit off_t and ino_t),
 * and Linux copies an mqueue's or tmpfs inode's fields without
 * allocating.  A failure is a broken invariant, not a user's error.
 */
void ipc_fstat(int fd, struct stat *st);

/*
 * The one-reader lock: an fcntl() write lock on the whole object, which
 * the kernel drops however its holder ends.  ipc_lock() returns 0, or
 * the holder's pid (-1 if unknown) when another process holds it.
 * ipc_lock_holder() returns that pid, 0 if nobody holds it, -1 if
 * unknown; it takes nothing and is safe in a signal handler.
 */
long ipc_lock(int fd);
long ipc_lock_holder(int fd);

/*
 * Guard.  Between ipc_guard_block() and ipc_guard_unblock() (a
 * stopsig_hold() section) the caller opens the object and arms the
 * guard; from then on SIGINT, SIGTERM and SIGHUP run it, as stopsig.c's
 * STOPSIG_RUN action, before ending the program.  A reader's guard
 * removes its object, and only while the name still holds it; a
 * producer's guard runs fn(sig), which tells the reader (it removes
 * nothing).  ipc_guard_remove() removes a reader's object on the
 * ordinary paths, and no signal removes it after that.
 */
void ipc_guard_block(sigset_t *old);
void ipc_guard_unblock(const sigset_t *old);
void ipc_guard_remove_at_exit(void);
void ipc_guard_arm(enum ipc_kind k, const char *name, const struct ipc_id *id);
void ipc_guard_arm_producer(void (*fn)(int sig));
int ipc_guard_remove(void);
/* The same without a message: -1 with errno set. */
int ipc_guard_remove_quiet(void);

/* Keeps the object: a producer that ends normally leaves it to sum-merge. */
void ipc_guard_disarm(void);

/*
 * Removes name if it still holds the object id (absent is fine); 0, or
 * -1 after a message.  ipc_remove_same_quiet() says nothing and is safe
 * in a signal handler.
 */
int ipc_remove_same(enum ipc_kind k, const char *name, const struct ipc_id *id);
int ipc_remove_same_quiet(enum ipc_kind k, const char *name,
			  const struct ipc_id *id);

/*
 * Set when a producer finds its reader gone: range-sum then exits
 * IPC_EXIT_GONE, which GNU xargs takes as "start no more commands", so
 * that no producer of a finished run starts after its reader.
 */
#define IPC_EXIT_GONE 255
extern int ipc_reader_gone;

/* Writes the strings to stderr with write(2): safe in a handler. */
void ipc_say(const char *a, const char *b, const char *c);

#endif
