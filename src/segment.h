/*
 * segment.h: giving a new POSIX shared-memory segment its size, for
 * range-sum --procs (procs.c) and the shared table (shmtab.c).
 */
#ifndef SEGMENT_H
#define SEGMENT_H

#include <stddef.h>

/*
 * Makes the segment open on fd size bytes long, with its pages
 * allocated where the file system can.  Returns 0 or an error number
 * (ENOSPC: /dev/shm is full), as posix_fallocate() does.
 */
int segment_reserve(int fd, size_t size);

#endif
