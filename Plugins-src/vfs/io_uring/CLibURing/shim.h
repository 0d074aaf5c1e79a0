#pragma once
/* <features.h> first: liburing.h defines _GNU_SOURCE itself, and a debug
 * build fails on fd_set when features.h was already read without it. */
#include <features.h>
#include <liburing.h>
#include <sys/eventfd.h>
#include "CLinuxShims.h"

/* liburing's macros and flag constants Swift cannot import. */
static inline void chimera_uring_sqe_hardlink(struct io_uring_sqe *sqe) { sqe->flags |= IOSQE_IO_HARDLINK; }
static inline unsigned chimera_uring_fsync_datasync(void) { return IORING_FSYNC_DATASYNC; }
static inline unsigned chimera_uring_sq_space(struct io_uring *ring) { return io_uring_sq_space_left(ring); }
static inline int chimera_uring_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
