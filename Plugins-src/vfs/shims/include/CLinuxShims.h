/*
 * CLinuxShims.h — Linux calls that Glibc does not expose to Swift, for the
 * linux and io_uring storage modules (Plugins-src/vfs/posix).
 *
 * Swift imports Glibc without _GNU_SOURCE, so statx, openat2, the handle
 * calls, renameat2, copy_file_range, fallocate's modes, O_PATH/O_TMPFILE and
 * friends are missing. shims.c is compiled with _GNU_SOURCE and wraps them.
 *
 * Conventions: every clinux_* call returns a non-negative result, or -errno
 * on failure (as the kernel does), so Swift never reads the errno global
 * across a call boundary. Calls that can fail with EINTR are retried by the
 * Swift caller, not here.
 *
 * This header pulls in <features.h> first and otherwise only kernel UAPI
 * headers, which need no feature macros, so it may be imported next to
 * headers that define _GNU_SOURCE themselves (liburing.h).
 */
#ifndef CLINUX_SHIMS_H
#define CLINUX_SHIMS_H

#include <features.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/stat.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- constants Glibc hides behind _GNU_SOURCE ---------------------------- */

extern const int32_t clinux_O_PATH;
extern const int32_t clinux_O_TMPFILE;
extern const int32_t clinux_O_NOFOLLOW;
extern const int32_t clinux_O_DIRECTORY;
extern const int32_t clinux_O_NOATIME;
extern const int32_t clinux_AT_EMPTY_PATH;
extern const int32_t clinux_AT_SYMLINK_NOFOLLOW;
extern const int32_t clinux_AT_SYMLINK_FOLLOW;
extern const int32_t clinux_AT_REMOVEDIR;
extern const int32_t clinux_AT_STATX_SYNC_AS_STAT;
extern const int32_t clinux_RENAME_NOREPLACE;
extern const int32_t clinux_FALLOC_FL_KEEP_SIZE;
extern const int32_t clinux_FALLOC_FL_PUNCH_HOLE;
extern const int32_t clinux_SEEK_DATA;
extern const int32_t clinux_SEEK_HOLE;
extern const int32_t clinux_XATTR_CREATE;
extern const int32_t clinux_XATTR_REPLACE;
/* The statx mask the modules ask for: basic stats and birth time. */
extern const uint32_t clinux_STATX_WANTED;
extern const uint32_t clinux_STATX_BTIME;
/* The kernel's limit on a file handle's bytes. */
extern const uint32_t clinux_MAX_HANDLE_SZ;

/* ---- path resolution -------------------------------------------------------- */

/* openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
 * plus RESOLVE_NO_SYMLINKS when no_symlinks is non-zero. The result cannot
 * name anything outside dirfd's subtree. */
int clinux_open_beneath(int dirfd, const char *path, int32_t flags, uint32_t mode, int32_t no_symlinks);

/* ---- attributes ----------------------------------------------------------------- */

int clinux_statx(int dirfd, const char *path, int32_t flags, uint32_t mask, struct statx *out);
/* fchmodat2(fd, "", mode, AT_EMPTY_PATH): chmod through an O_PATH fd. */
int clinux_fchmod_path_fd(int fd, uint32_t mode);
int clinux_fchown_path_fd(int fd, uint32_t uid, uint32_t gid);
/* utimensat(fd, "", times, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW); a time with
 * nsec == -1 means "now" (UTIME_NOW), -2 "leave" (UTIME_OMIT). */
int clinux_utimens_path_fd(int fd, int64_t atime_sec, int64_t atime_nsec, int64_t mtime_sec, int64_t mtime_nsec);
/* FS_IOC_GETVERSION on a real (not O_PATH) fd. */
int clinux_get_generation(int fd, uint32_t *generation);

/* ---- handles -------------------------------------------------------------------- */

/* name_to_handle_at(dirfd, path, ...). Writes the handle's bytes (at most
 * capacity) to out, its length to *len and its type to *type. */
int clinux_name_to_handle(int dirfd, const char *path, int32_t flags, uint8_t *out, uint32_t capacity,
                          uint32_t *len, int32_t *type, int32_t *mount_id);
/* open_by_handle_at(mount_fd, handle, flags). */
int clinux_open_by_handle(int mount_fd, int32_t type, const uint8_t *bytes, uint32_t len, int32_t flags);

/* ---- names ---------------------------------------------------------------------- */

int clinux_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, uint32_t flags);
/* getdents64(2) into buf; returns bytes filled, 0 at the end. */
int clinux_getdents64(int fd, void *buf, size_t len);
/* One linux_dirent64 at offset in a getdents64 buffer. Returns the record
 * length, or 0 if the record does not fit in filled bytes. */
uint32_t clinux_dirent_at(const void *buf, size_t filled, size_t offset, uint64_t *ino, int64_t *off, uint8_t *type,
                          const char **name);

/* ---- extended attributes (path-based; the path is an fd's /proc link) ---- */

ssize_t clinux_getxattr(const char *path, const char *name, void *value, size_t size);
int clinux_setxattr(const char *path, const char *name, const void *value, size_t size, int32_t flags);
ssize_t clinux_listxattr(const char *path, char *list, size_t size);
int clinux_removexattr(const char *path, const char *name);

/* ---- data ----------------------------------------------------------------------- */

ssize_t clinux_copy_file_range(int fd_in, int64_t off_in, int fd_out, int64_t off_out, size_t len);
int clinux_fallocate(int fd, int32_t mode, int64_t offset, int64_t length);
int clinux_clone_range(int dst_fd, int src_fd, uint64_t src_offset, uint64_t length, uint64_t dst_offset);

/* ---- randomness and MACs ---------------------------------------------------------- */

/* Fill buf with len bytes from getrandom(2). */
int clinux_random(void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* CLINUX_SHIMS_H */
