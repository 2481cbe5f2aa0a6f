/*
 * ipc.h: what the POSIX IPC transports share: checked names, objects
 * that belong to us alone, and removal when a signal ends the program.
 */
#ifndef IPC_H
#define IPC_H

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

/*
 * Removal guard.  Between ipc_guard_block() and ipc_guard_unblock() the
 * caller opens the object and arms the guard; from then on SIGINT,
 * SIGTERM and SIGHUP remove the object before ending the program, and
 * ipc_guard_remove() removes it on the ordinary paths.
 */
void ipc_guard_block(sigset_t *old);
void ipc_guard_unblock(const sigset_t *old);
void ipc_guard_remove_at_exit(void);
void ipc_guard_arm(enum ipc_kind k, const char *name);
int ipc_guard_remove(void);

/* Keeps the object: a producer that ends normally leaves it to sum-merge. */
void ipc_guard_disarm(void);

/* Removes the object name now; 0, or -1 after a message. */
int ipc_remove(enum ipc_kind k, const char *name);

#endif
