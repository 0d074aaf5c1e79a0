/*
 * shims.c — see include/CLinuxShims.h. Compiled with _GNU_SOURCE so Glibc
 * declares the Linux-only calls; kernel calls Glibc 2.36 lacks (openat2,
 * fchmodat2) go through syscall(2).
 */
#define _GNU_SOURCE 1
#include <features.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "CLinuxShims.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

const int32_t clinux_O_PATH = O_PATH;
const int32_t clinux_O_TMPFILE = O_TMPFILE;
const int32_t clinux_O_NOFOLLOW = O_NOFOLLOW;
const int32_t clinux_O_DIRECTORY = O_DIRECTORY;
const int32_t clinux_O_NOATIME = O_NOATIME;
const int32_t clinux_AT_EMPTY_PATH = AT_EMPTY_PATH;
const int32_t clinux_AT_SYMLINK_NOFOLLOW = AT_SYMLINK_NOFOLLOW;
const int32_t clinux_AT_SYMLINK_FOLLOW = AT_SYMLINK_FOLLOW;
const int32_t clinux_AT_REMOVEDIR = AT_REMOVEDIR;
const int32_t clinux_AT_STATX_SYNC_AS_STAT = AT_STATX_SYNC_AS_STAT;
const int32_t clinux_RENAME_NOREPLACE = RENAME_NOREPLACE;
const int32_t clinux_FALLOC_FL_KEEP_SIZE = FALLOC_FL_KEEP_SIZE;
const int32_t clinux_FALLOC_FL_PUNCH_HOLE = FALLOC_FL_PUNCH_HOLE;
const int32_t clinux_SEEK_DATA = SEEK_DATA;
const int32_t clinux_SEEK_HOLE = SEEK_HOLE;
const int32_t clinux_XATTR_CREATE = XATTR_CREATE;
const int32_t clinux_XATTR_REPLACE = XATTR_REPLACE;
const uint32_t clinux_STATX_WANTED = STATX_BASIC_STATS | STATX_BTIME;
const uint32_t clinux_STATX_BTIME = STATX_BTIME;
const uint32_t clinux_MAX_HANDLE_SZ = MAX_HANDLE_SZ;

static inline int fail(void) { return -errno; }

int clinux_open_beneath(int dirfd, const char *path, int32_t flags, uint32_t mode, int32_t no_symlinks)
{
    struct open_how how;
    memset(&how, 0, sizeof(how));
    how.flags = (uint64_t)(uint32_t)(flags | O_CLOEXEC);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    if (no_symlinks)
        how.resolve |= RESOLVE_NO_SYMLINKS;
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
    return fd < 0 ? fail() : (int)fd;
}

int clinux_statx(int dirfd, const char *path, int32_t flags, uint32_t mask, struct statx *out)
{
    return statx(dirfd, path, flags, mask, out) < 0 ? fail() : 0;
}

int clinux_fchmod_path_fd(int fd, uint32_t mode)
{
    if (syscall(SYS_fchmodat2, fd, "", (mode_t)mode, AT_EMPTY_PATH) == 0)
        return 0;
    if (errno != ENOSYS)
        return fail();
    /* Before Linux 6.6: through the fd's magic link. */
    char path[40];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    return chmod(path, (mode_t)mode) < 0 ? fail() : 0;
}

int clinux_fchown_path_fd(int fd, uint32_t uid, uint32_t gid)
{
    return fchownat(fd, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? fail() : 0;
}

static void set_time(struct timespec *ts, int64_t sec, int64_t nsec)
{
    if (nsec == -1) {
        ts->tv_sec = 0;
        ts->tv_nsec = UTIME_NOW;
    } else if (nsec == -2) {
        ts->tv_sec = 0;
        ts->tv_nsec = UTIME_OMIT;
    } else {
        ts->tv_sec = (time_t)sec;
        ts->tv_nsec = (long)nsec;
    }
}

int clinux_utimens_path_fd(int fd, int64_t atime_sec, int64_t atime_nsec, int64_t mtime_sec, int64_t mtime_nsec)
{
    struct timespec ts[2];
    set_time(&ts[0], atime_sec, atime_nsec);
    set_time(&ts[1], mtime_sec, mtime_nsec);
    return utimensat(fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? fail() : 0;
}

int clinux_get_generation(int fd, uint32_t *generation)
{
    int value = 0;
    if (ioctl(fd, FS_IOC_GETVERSION, &value) < 0)
        return fail();
    *generation = (uint32_t)value;
    return 0;
}

/* ---- handles ------------------------------------------------------------- */

int clinux_name_to_handle(int dirfd, const char *path, int32_t flags, uint8_t *out, uint32_t capacity,
                          uint32_t *len, int32_t *type, int32_t *mount_id)
{
    union {
        struct file_handle fh;
        uint8_t space[sizeof(struct file_handle) + MAX_HANDLE_SZ];
    } u;
    u.fh.handle_bytes = MAX_HANDLE_SZ;
    int mnt = 0;
    if (name_to_handle_at(dirfd, path, &u.fh, &mnt, flags) < 0)
        return fail();
    if (u.fh.handle_bytes > capacity)
        return -EOVERFLOW;
    memcpy(out, u.fh.f_handle, u.fh.handle_bytes);
    *len = u.fh.handle_bytes;
    *type = u.fh.handle_type;
    *mount_id = mnt;
    return 0;
}

int clinux_open_by_handle(int mount_fd, int32_t type, const uint8_t *bytes, uint32_t len, int32_t flags)
{
    union {
        struct file_handle fh;
        uint8_t space[sizeof(struct file_handle) + MAX_HANDLE_SZ];
    } u;
    if (len > MAX_HANDLE_SZ)
        return -EINVAL;
    u.fh.handle_bytes = len;
    u.fh.handle_type = type;
    memcpy(u.fh.f_handle, bytes, len);
    int fd = open_by_handle_at(mount_fd, &u.fh, flags | O_CLOEXEC);
    return fd < 0 ? fail() : fd;
}

/* ---- names --------------------------------------------------------------- */

int clinux_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, uint32_t flags)
{
    return renameat2(olddirfd, oldpath, newdirfd, newpath, flags) < 0 ? fail() : 0;
}

struct clinux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[];
};

int clinux_getdents64(int fd, void *buf, size_t len)
{
    long n = syscall(SYS_getdents64, fd, buf, len);
    return n < 0 ? fail() : (int)n;
}

uint32_t clinux_dirent_at(const void *buf, size_t filled, size_t offset, uint64_t *ino, int64_t *off, uint8_t *type,
                          const char **name)
{
    size_t header = offsetof(struct clinux_dirent64, d_name);
    if (offset > filled || filled - offset < header)
        return 0;
    const struct clinux_dirent64 *d = (const struct clinux_dirent64 *)((const uint8_t *)buf + offset);
    if (d->d_reclen < header + 1 || d->d_reclen > filled - offset)
        return 0;
    /* The name is NUL-terminated inside the record; check, do not trust. */
    if (memchr(d->d_name, 0, d->d_reclen - header) == NULL)
        return 0;
    *ino = d->d_ino;
    *off = d->d_off;
    *type = d->d_type;
    *name = d->d_name;
    return d->d_reclen;
}

/* ---- extended attributes ------------------------------------------------ */

ssize_t clinux_getxattr(const char *path, const char *name, void *value, size_t size)
{
    ssize_t n = getxattr(path, name, value, size);
    return n < 0 ? fail() : n;
}

int clinux_setxattr(const char *path, const char *name, const void *value, size_t size, int32_t flags)
{
    return setxattr(path, name, value, size, flags) < 0 ? fail() : 0;
}

ssize_t clinux_listxattr(const char *path, char *list, size_t size)
{
    ssize_t n = listxattr(path, list, size);
    return n < 0 ? fail() : n;
}

int clinux_removexattr(const char *path, const char *name)
{
    return removexattr(path, name) < 0 ? fail() : 0;
}

/* ---- data ---------------------------------------------------------------- */

ssize_t clinux_copy_file_range(int fd_in, int64_t off_in, int fd_out, int64_t off_out, size_t len)
{
    loff_t in = off_in, out = off_out;
    ssize_t n = copy_file_range(fd_in, &in, fd_out, &out, len, 0);
    return n < 0 ? fail() : n;
}

int clinux_fallocate(int fd, int32_t mode, int64_t offset, int64_t length)
{
    return fallocate(fd, mode, offset, length) < 0 ? fail() : 0;
}

int clinux_clone_range(int dst_fd, int src_fd, uint64_t src_offset, uint64_t length, uint64_t dst_offset)
{
    struct file_clone_range range = {
        .src_fd = src_fd,
        .src_offset = src_offset,
        .src_length = length,
        .dest_offset = dst_offset,
    };
    return ioctl(dst_fd, FICLONERANGE, &range) < 0 ? fail() : 0;
}

/* ---- randomness ---------------------------------------------------------- */

int clinux_random(void *buf, size_t len)
{
    uint8_t *p = buf;
    size_t done = 0;
    /* getrandom returns at most 32 MiB a call and may be interrupted;
     * bounded: a key is a few dozen bytes. */
    for (int tries = 0; done < len && tries < 64; tries++) {
        ssize_t n = getrandom(p + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail();
        }
        done += (size_t)n;
    }
    return done == len ? 0 : -EIO;
}

