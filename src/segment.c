/*
 * segment.c: sizing a POSIX shared-memory segment, the way PostgreSQL's
 * dsm_impl_posix_resize() (src/backend/storage/ipc/dsm_impl.c) does it.
 *
 * posix_fallocate(), not a bare ftruncate(): on Linux the segment lives
 * in tmpfs, where ftruncate() leaves a hole, and a process that touches
 * a page of the hole once /dev/shm is full dies of SIGBUS.  Allocating
 * the pages up front makes that an error here, ENOSPC, with a message.
 * posix_fallocate() is not restarted after a signal: a stop and
 * continue (SIGCONT, a debugger attaching) would fail it with EINTR, so
 * it is retried, as PostgreSQL retries it.  A file system that cannot
 * allocate (EOPNOTSUPP, EINVAL) is sized with ftruncate() instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include "segment.h"

int
segment_reserve(int fd, size_t size)
{
	int rc;

	do
		rc = posix_fallocate(fd, 0, (off_t)size);
	while (rc == EINTR);
	if (rc == EOPNOTSUPP || rc == EINVAL) {
		while ((rc = ftruncate(fd, (off_t)size)) == -1 &&
		       errno == EINTR)
			;
		if (rc == -1)
			rc = errno;
	}
	return rc;
}
