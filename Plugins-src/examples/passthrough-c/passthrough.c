/*
 * passthrough.c — a Chimera VFS module that serves a directory of the host.
 *
 * This is the example a third party copies to start a backend: plain C11,
 * built against the installed Chimera headers only (chimera_vfs.h is the
 * contract; read it first). Every op is one POSIX/Linux call or a few,
 * made synchronously inside dispatch(); the module therefore declares all
 * its ops blocking and the host runs them on its delegation pool, several at
 * once on different threads.
 *
 * Threading: the module's state (struct pt_module) is written by init() and
 * only read afterwards, and every op works on file descriptors it opens and
 * closes itself, so there is no lock anywhere — in particular none held when
 * req->complete() runs. An open file (OPEN / OPEN_AT) is a heap object whose
 * pointer is the open handle; the host serialises its CLOSE after its other
 * uses.
 *
 * Confinement: clients name objects by handle or by a single name in a
 * directory. Names containing "/" or NUL, "." and ".." are refused
 * (CHIMERA_INVAL); each name is opened with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV) and
 * O_NOFOLLOW, so a symlink is never followed, whatever it points to: it is
 * only ever read (READLINK). Handles are MAC'd and directories reached by
 * handle are checked to lie beneath the root: see handle.c.
 *
 * Credentials: the module acts as the server process (root). It does not
 * check the caller's permissions — that is the front-end's and the VFS
 * core's job — but it makes new objects belong to the caller.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "passthrough.h"

#ifndef SYS_openat2
#define SYS_openat2 437            /* the same number on every architecture */
#endif

/* ======================================================================== */
/* Status codes                                                              */
/* ======================================================================== */

/* Chimera's status values are Linux's errno values wherever one exists, so
 * most errnos pass through; the few that have no Chimera code become the
 * nearest one. */
chimera_status_t pt_status_from_errno(int err)
{
    switch (err) {
    case EPERM: case ENOENT: case EIO: case ENXIO: case EBADF: case EAGAIN:
    case EACCES: case EEXIST: case EXDEV: case ENOTDIR: case EISDIR:
    case EINVAL: case EFBIG: case ENOSPC: case EROFS: case EMLINK:
    case ERANGE: case ENAMETOOLONG: case ENOTEMPTY: case ELOOP:
    case ENODATA: case EOVERFLOW: case EOPNOTSUPP: case ESTALE: case EDQUOT:
        return err;
    case ENOMEM: case EMFILE: case ENFILE: case EINTR:
        return CHIMERA_DELAY;           /* transient: the client may retry */
    case EBUSY: case ETXTBSY:
        return CHIMERA_ACCES;           /* in use on the server */
    case E2BIG:
        return CHIMERA_RANGE;           /* xattr value too large */
    default:
        return CHIMERA_IO;
    }
}

static void pt_log(const struct pt_module *m, int32_t level, const char *msg)
{
    if (m->host != NULL && m->host->log != NULL) {
        m->host->log(m->host, level, msg, strlen(msg));
    }
}

/* ======================================================================== */
/* Names and paths                                                           */
/* ======================================================================== */

/* One directory entry name, NUL-terminated. */
struct pt_name {
    char s[CHIMERA_NAME_MAX + 1];
};

/* Copy a name from a request (not NUL-terminated) and refuse anything that
 * is not a single plain component. */
static chimera_status_t name_copy(const char *name, uint32_t len, struct pt_name *out)
{
    if (name == NULL || len == 0) {
        return CHIMERA_INVAL;
    }
    if (len > CHIMERA_NAME_MAX) {
        return CHIMERA_NAMETOOLONG;
    }
    if (memchr(name, '/', len) != NULL || memchr(name, '\0', len) != NULL) {
        return CHIMERA_INVAL;
    }
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.')) {
        return CHIMERA_INVAL;
    }
    memcpy(out->s, name, len);
    out->s[len] = '\0';
    return CHIMERA_OK;
}

/* Set once a kernel without openat2 (before 5.6) answered ENOSYS. */
static atomic_int openat2_missing;

/*
 * Open one name in dirfd without ever following a symlink or leaving dirfd's
 * mount. Callers pass single validated components only, which is what keeps
 * the pre-openat2 fallback safe: O_NOFOLLOW covers the last (only)
 * component, and pt_handle_encode() refuses objects on other mounts.
 */
static int open_beneath(int dirfd, const char *name, int flags, mode_t mode)
{
    flags |= O_NOFOLLOW | O_CLOEXEC;
    if (!atomic_load_explicit(&openat2_missing, memory_order_relaxed)) {
        struct open_how how = {
            .flags = (uint64_t)flags,
            .mode = (flags & O_CREAT) ? mode : 0,
            .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof how);
        if (fd >= 0 || errno != ENOSYS) {
            return (int)fd;
        }
        atomic_store_explicit(&openat2_missing, 1, memory_order_relaxed);
    }
    return openat(dirfd, name, flags, mode);
}

/* "/proc/self/fd/N": how to reach an O_PATH descriptor with the calls that
 * refuse one (chmod, the xattr calls). The kernel jumps from that magic link
 * to the object itself, symlink or not, without following anything further;
 * glibc's fchmodat(AT_SYMLINK_NOFOLLOW) works the same way. */
struct pt_proc_path {
    char s[32];
};

static const char *proc_path(int fd, struct pt_proc_path *p)
{
    snprintf(p->s, sizeof p->s, "/proc/self/fd/%d", fd);
    return p->s;
}

static int fd_chmod(int fd, mode_t mode)
{
    if (fchmod(fd, mode) == 0) {
        return 0;
    }
    if (errno != EBADF) {
        return -1;
    }
    struct pt_proc_path p;
    return chmod(proc_path(fd, &p), mode);
}

static int fd_utimens(int fd, const struct timespec ts[2])
{
    if (utimensat(fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0) {
        return 0;
    }
    if (errno != EINVAL) {
        return -1;
    }
    /* Kernels that do not take AT_EMPTY_PATH here. */
    struct pt_proc_path p;
    return utimensat(AT_FDCWD, proc_path(fd, &p), ts, 0);
}

/* ======================================================================== */
/* Attributes                                                                */
/* ======================================================================== */

#define PT_STATX_MASK (STATX_BASIC_STATS | STATX_BTIME)

static int fd_statx(int fd, struct statx *stx)
{
    return statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, PT_STATX_MASK, stx);
}

static struct chimera_timespec ts_from_statx(struct statx_timestamp t)
{
    return (struct chimera_timespec){ .sec = t.tv_sec, .nsec = t.tv_nsec };
}

/* Fill every attribute statx gave us; valid_mask says which. */
static void attrs_from_statx(struct chimera_attrs *a, const struct statx *s)
{
    a->mode = s->stx_mode;
    a->nlink = s->stx_nlink;
    a->uid = s->stx_uid;
    a->gid = s->stx_gid;
    a->rdev = (uint64_t)s->stx_rdev_major << 32 | s->stx_rdev_minor;
    a->size = s->stx_size;
    a->space_used = s->stx_blocks * 512u;
    a->fileid = s->stx_ino;
    a->fsid = (uint64_t)s->stx_dev_major << 32 | s->stx_dev_minor;
    a->atime = ts_from_statx(s->stx_atime);
    a->mtime = ts_from_statx(s->stx_mtime);
    a->ctime = ts_from_statx(s->stx_ctime);
    /*
     * Linux does not show userspace the inode's change counter (i_version),
     * so the change attribute is the ctime in nanoseconds. Kernels since
     * 6.13 give ctime fine-grained resolution once someone looked at it,
     * which keeps it increasing across back-to-back changes; on older ones
     * two changes within one clock tick share a value.
     */
    a->change = (uint64_t)s->stx_ctime.tv_sec * 1000000000u + s->stx_ctime.tv_nsec;
    a->valid_mask = CHIMERA_ATTR_STAT | CHIMERA_ATTR_CHANGE;
    if (s->stx_mask & STATX_BTIME) {
        a->btime = ts_from_statx(s->stx_btime);
        a->valid_mask |= CHIMERA_ATTR_BTIME;
    }
}

/* Fill a result's attributes from what we already have, if they were asked
 * for (req_mask non-zero). */
static void attrs_set(struct chimera_attrs *a, const struct statx *s)
{
    if (a->req_mask != 0) {
        attrs_from_statx(a, s);
    }
}

/* The same, looking the object up first. Attributes are extra information
 * on top of an op that already happened: if statx fails they are simply
 * left out (valid_mask 0). */
static void attrs_fill(struct chimera_attrs *a, int fd)
{
    struct statx s;
    if (a->req_mask != 0 && fd_statx(fd, &s) == 0) {
        attrs_from_statx(a, &s);
    }
}

/* ======================================================================== */
/* Objects                                                                   */
/* ======================================================================== */

/* An object a request names by handle: an O_PATH descriptor (no access
 * checks, no side effects, works for every file type) and its attributes. */
struct pt_obj {
    int          fd;
    struct statx stx;
};

static void obj_put(struct pt_obj *o)
{
    if (o->fd >= 0) {
        close(o->fd);
    }
    o->fd = -1;
}

static int is_root(const struct pt_module *m, const struct statx *s)
{
    return makedev(s->stx_dev_major, s->stx_dev_minor) == m->root_dev && s->stx_ino == m->root_ino;
}

/* Resolve a handle: check its MAC, open it, and for a directory check that
 * it lies beneath the root (handle.c explains why). */
static chimera_status_t obj_get(const struct pt_module *m, const uint8_t *fh, uint32_t fh_len, struct pt_obj *o)
{
    o->fd = -1;
    chimera_status_t st = pt_handle_open(m, fh, fh_len, O_PATH, &o->fd);
    if (st != CHIMERA_OK) {
        return st;
    }
    if (fd_statx(o->fd, &o->stx) != 0) {
        st = pt_status_from_errno(errno);
    } else if (S_ISDIR(o->stx.stx_mode) && !is_root(m, &o->stx)) {
        st = pt_dir_beneath_root(m, o->fd);
    }
    if (st != CHIMERA_OK) {
        obj_put(o);
    }
    return st;
}

/* obj_get for ops on names: the object must be a directory. */
static chimera_status_t dir_get(const struct pt_module *m, const uint8_t *fh, uint32_t fh_len, struct pt_obj *o)
{
    chimera_status_t st = obj_get(m, fh, fh_len, o);
    if (st == CHIMERA_OK && !S_ISDIR(o->stx.stx_mode)) {
        obj_put(o);
        st = CHIMERA_NOTDIR;
    }
    return st;
}

/* The common result of ops that end on an object: its handle in r_fh and
 * its attributes in r_attrs. */
static chimera_status_t set_result_object(const struct pt_module *m, struct chimera_vfs_request *req, int fd)
{
    chimera_status_t st = pt_handle_encode(m, fd, req->r_fh, &req->r_fh_len);
    if (st == CHIMERA_OK) {
        attrs_fill(&req->r_attrs, fd);
    }
    return st;
}

/*
 * Give a new object its owner and the caller's initial attributes. The
 * kernel made it the server's (root's); it becomes the caller's, except
 * that below a setgid directory the group stays the inherited one, as the
 * kernel does for local users. The owner changes first because chown
 * clears setuid/setgid bits that an explicit mode may then set.
 */
static chimera_status_t apply_initial_attrs(int fd, const struct statx *parent, const struct chimera_attrs *attrs,
                                            const struct chimera_cred *cred, int is_symlink)
{
    uid_t uid = (uid_t)-1;
    gid_t gid = (gid_t)-1;
    if (attrs->valid_mask & CHIMERA_ATTR_UID) {
        uid = attrs->uid;
    } else if (cred != NULL) {
        uid = cred->uid;
    }
    if (attrs->valid_mask & CHIMERA_ATTR_GID) {
        gid = attrs->gid;
    } else if (cred != NULL && !(parent->stx_mode & S_ISGID)) {
        gid = cred->gid;
    }
    if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
        fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
        return pt_status_from_errno(errno);
    }
    if ((attrs->valid_mask & CHIMERA_ATTR_MODE) && !is_symlink && fd_chmod(fd, attrs->mode & 07777) != 0) {
        return pt_status_from_errno(errno);
    }
    return CHIMERA_OK;
}

/* ======================================================================== */
/* Open files                                                                */
/* ======================================================================== */

/* What an open handle points to. A real module might keep more here
 * (an io_uring registration, a read-ahead window). */
struct pt_file {
    int fd;
};

static chimera_status_t file_new(int fd, uint64_t *open_handle)
{
    struct pt_file *f = malloc(sizeof *f);
    if (f == NULL) {
        close(fd);
        return CHIMERA_DELAY;
    }
    f->fd = fd;
    *open_handle = (uint64_t)(uintptr_t)f;
    return CHIMERA_OK;
}

static struct pt_file *file_of(uint64_t open_handle)
{
    return (struct pt_file *)(uintptr_t)open_handle;
}

/* open(2) flags for CHIMERA_VFS_OPEN_* (an object already known to be a
 * regular file). */
static int open_flags(uint32_t flags)
{
    int o;
    if ((flags & CHIMERA_VFS_OPEN_READ) && (flags & CHIMERA_VFS_OPEN_WRITE)) {
        o = O_RDWR;
    } else if (flags & CHIMERA_VFS_OPEN_WRITE) {
        o = O_WRONLY;
    } else {
        o = O_RDONLY;
    }
    if (flags & CHIMERA_VFS_OPEN_APPEND) {
        o |= O_APPEND;
    }
    if (flags & CHIMERA_VFS_OPEN_TRUNCATE) {
        o |= O_TRUNC;
    }
    return o | O_NOCTTY;
}

/*
 * May an object of this type be opened as asked? Regular files, and
 * directories for reading with OPEN_DIRECTORY. Never device nodes or FIFOs:
 * opening one here would read the server's own devices (we run as root) or
 * block a pool thread. Symlinks answer CHIMERA_LOOP, like O_NOFOLLOW.
 */
static chimera_status_t open_type_check(uint32_t mode, uint32_t flags)
{
    if (S_ISDIR(mode)) {
        if (!(flags & CHIMERA_VFS_OPEN_DIRECTORY) ||
            (flags & (CHIMERA_VFS_OPEN_WRITE | CHIMERA_VFS_OPEN_TRUNCATE | CHIMERA_VFS_OPEN_APPEND))) {
            return CHIMERA_ISDIR;
        }
        return CHIMERA_OK;
    }
    if (flags & CHIMERA_VFS_OPEN_DIRECTORY) {
        return CHIMERA_NOTDIR;
    }
    if (S_ISREG(mode)) {
        return CHIMERA_OK;
    }
    return S_ISLNK(mode) ? CHIMERA_LOOP : CHIMERA_INVAL;
}

/* Open object o (whose handle is fh) for I/O, after the type check. A
 * regular file is reopened from its handle with real access flags: the
 * handle names the same inode the O_PATH descriptor does, so there is no
 * window for a swap. */
static chimera_status_t open_object(const struct pt_module *m, const uint8_t *fh, uint32_t fh_len,
                                    const struct pt_obj *o, uint32_t flags, int *fd)
{
    chimera_status_t st = open_type_check(o->stx.stx_mode, flags);
    if (st != CHIMERA_OK) {
        return st;
    }
    if (S_ISDIR(o->stx.stx_mode)) {
        *fd = openat(o->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return *fd >= 0 ? CHIMERA_OK : pt_status_from_errno(errno);
    }
    return pt_handle_open(m, fh, fh_len, open_flags(flags), fd);
}

/* The descriptor for READ / WRITE / COMMIT / a size change: the open
 * handle's, or when the caller passed none, one opened for this op alone
 * (returned in *tmp too, for the caller to close). */
static chimera_status_t io_fd(const struct pt_module *m, const struct chimera_vfs_request *req, uint32_t flags,
                              int *fd, int *tmp)
{
    *tmp = -1;
    if (req->open_handle != 0) {
        *fd = file_of(req->open_handle)->fd;
        return CHIMERA_OK;
    }
    struct pt_obj o;
    chimera_status_t st = obj_get(m, req->fh, req->fh_len, &o);
    if (st == CHIMERA_OK) {
        st = open_object(m, req->fh, req->fh_len, &o, flags, tmp);
        *fd = *tmp;
    }
    obj_put(&o);
    return st;
}

/*
 * preadv/pwritev over the caller's iovecs, at most `length` bytes, carrying
 * on after short transfers. The caller's array is const (it belongs to the
 * caller), so each call works on a trimmed copy of up to 64 entries.
 */
static chimera_status_t io_vec(int fd, int write, const struct iovec *iov, uint32_t iovcnt, uint64_t offset,
                               uint32_t length, uint32_t *done)
{
    uint32_t idx = 0;           /* current caller iovec */
    size_t   skip = 0;          /* bytes of it already done */
    *done = 0;
    while (*done < length && idx < iovcnt) {
        struct iovec v[64];
        int      n = 0;
        size_t   want = length - *done;
        uint32_t j = idx;
        size_t   s = skip;
        while (n < 64 && j < iovcnt && want > 0) {
            size_t l = iov[j].iov_len - s;
            if (l > want) {
                l = want;
            }
            if (l > 0) {
                v[n].iov_base = (char *)iov[j].iov_base + s;
                v[n].iov_len = l;
                n++;
                want -= l;
            }
            j++;
            s = 0;
        }
        if (n == 0) {
            break;
        }
        ssize_t r = write ? pwritev(fd, v, n, (off_t)(offset + *done)) : preadv(fd, v, n, (off_t)(offset + *done));
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            /* Report what was transferred; fail only if nothing was. */
            return *done > 0 ? CHIMERA_OK : pt_status_from_errno(errno);
        }
        if (r == 0) {
            break;              /* end of file */
        }
        *done += (uint32_t)r;
        /* Advance past r bytes of the caller's iovecs. */
        size_t left = (size_t)r;
        while (left > 0 && idx < iovcnt) {
            size_t avail = iov[idx].iov_len - skip;
            if (left < avail) {
                skip += left;
                left = 0;
            } else {
                left -= avail;
                idx++;
                skip = 0;
            }
        }
    }
    return CHIMERA_OK;
}

/* ======================================================================== */
/* Ops                                                                       */
/* ======================================================================== */

/* MOUNT: resolve args.mount.path ("/", "/projects/a") beneath the root, one
 * component at a time, refusing "..", symlinks and other mounts. */
static chimera_status_t op_mount(const struct pt_module *m, struct chimera_vfs_request *req)
{
    const struct chimera_vfs_args_mount *a = &req->mount;
    char path[CHIMERA_PATH_MAX];
    if (a->path_len >= sizeof path) {
        return CHIMERA_NAMETOOLONG;
    }
    if (a->path_len > 0 && (a->path == NULL || memchr(a->path, '\0', a->path_len) != NULL)) {
        return CHIMERA_INVAL;
    }
    if (a->path_len > 0) {
        memcpy(path, a->path, a->path_len);
    }
    path[a->path_len] = '\0';

    int fd = openat(m->root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return pt_status_from_errno(errno);
    }
    chimera_status_t st = CHIMERA_OK;
    char *save = NULL;
    for (char *c = strtok_r(path, "/", &save); c != NULL; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0) {
            continue;
        }
        if (strcmp(c, "..") == 0) {
            st = CHIMERA_INVAL;
            break;
        }
        if (strlen(c) > CHIMERA_NAME_MAX) {
            st = CHIMERA_NAMETOOLONG;
            break;
        }
        int next = open_beneath(fd, c, O_PATH | O_DIRECTORY, 0);
        if (next < 0) {
            st = pt_status_from_errno(errno);
            break;
        }
        close(fd);
        fd = next;
    }
    if (st == CHIMERA_OK) {
        st = set_result_object(m, req, fd);
    }
    close(fd);
    return st;
}

/* GETATTR: statx of the object. */
static chimera_status_t op_getattr(const struct pt_module *m, struct chimera_vfs_request *req)
{
    struct pt_obj o;
    chimera_status_t st = obj_get(m, req->fh, req->fh_len, &o);
    if (st == CHIMERA_OK) {
        attrs_from_statx(&req->r_attrs, &o.stx);
    }
    obj_put(&o);
    return st;
}

#define PT_SETTABLE                                                                                          \
    (CHIMERA_ATTR_MODE | CHIMERA_ATTR_UID | CHIMERA_ATTR_GID | CHIMERA_ATTR_SIZE | CHIMERA_ATTR_ATIME |    \
     CHIMERA_ATTR_MTIME | CHIMERA_ATTR_ATIME_NOW | CHIMERA_ATTR_MTIME_NOW)

static int timespec_valid(const struct chimera_timespec *t)
{
    return t->nsec < 1000000000u;
}

/*
 * SETATTR: owner, then mode, then size, then times (last, so a truncate's
 * own mtime update does not overwrite an explicit mtime). With a guard, the
 * ctime must match first (RFC 1813 3.3.2). Linux can set neither birth
 * time nor DOS attributes: asking for them is CHIMERA_NOTSUP, before
 * anything changes. The guard check and the changes are separate syscalls:
 * a change made by someone else in between is not detected (the kernel NFS
 * server has the same window).
 */
static chimera_status_t op_setattr(const struct pt_module *m, struct chimera_vfs_request *req)
{
    const struct chimera_attrs *in = &req->setattr.attrs;
    uint64_t mask = in->valid_mask;
    if (mask & ~PT_SETTABLE) {
        return CHIMERA_NOTSUP;
    }
    if (((mask & CHIMERA_ATTR_ATIME) && !timespec_valid(&in->atime)) ||
        ((mask & CHIMERA_ATTR_MTIME) && !timespec_valid(&in->mtime))) {
        return CHIMERA_INVAL;
    }

    struct pt_obj o;
    chimera_status_t st = obj_get(m, req->fh, req->fh_len, &o);
    if (st != CHIMERA_OK) {
        return st;
    }
    attrs_set(&req->r_pre_attrs, &o.stx);

    const struct chimera_timespec *guard = req->setattr.guard_ctime;
    if (guard != NULL && ((int64_t)o.stx.stx_ctime.tv_sec != guard->sec || o.stx.stx_ctime.tv_nsec != guard->nsec)) {
        st = CHIMERA_NOT_SYNC;
        goto out;
    }

    if (mask & (CHIMERA_ATTR_UID | CHIMERA_ATTR_GID)) {
        uid_t uid = (mask & CHIMERA_ATTR_UID) ? in->uid : (uid_t)-1;
        gid_t gid = (mask & CHIMERA_ATTR_GID) ? in->gid : (gid_t)-1;
        if (fchownat(o.fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
            st = pt_status_from_errno(errno);
            goto out;
        }
    }
    if (mask & CHIMERA_ATTR_MODE) {
        if (S_ISLNK(o.stx.stx_mode)) {
            st = CHIMERA_NOTSUP;        /* Linux symlinks have no mode */
            goto out;
        }
        if (fd_chmod(o.fd, in->mode & 07777) != 0) {
            st = pt_status_from_errno(errno);
            goto out;
        }
    }
    if (mask & CHIMERA_ATTR_SIZE) {
        int fd, tmp = -1;
        if (!S_ISREG(o.stx.stx_mode)) {
            st = S_ISDIR(o.stx.stx_mode) ? CHIMERA_ISDIR : CHIMERA_INVAL;
            goto out;
        }
        st = io_fd(m, req, CHIMERA_VFS_OPEN_WRITE, &fd, &tmp);
        if (st == CHIMERA_OK && ftruncate(fd, (off_t)in->size) != 0) {
            st = in->size > INT64_MAX ? CHIMERA_FBIG : pt_status_from_errno(errno);
        }
        if (tmp >= 0) {
            close(tmp);
        }
        if (st != CHIMERA_OK) {
            goto out;
        }
    }
    if (mask & (CHIMERA_ATTR_ATIME | CHIMERA_ATTR_MTIME | CHIMERA_ATTR_ATIME_NOW | CHIMERA_ATTR_MTIME_NOW)) {
        struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };
        if (mask & CHIMERA_ATTR_ATIME_NOW) {
            ts[0].tv_nsec = UTIME_NOW;
        } else if (mask & CHIMERA_ATTR_ATIME) {
            ts[0] = (struct timespec){ .tv_sec = in->atime.sec, .tv_nsec = in->atime.nsec };
        }
        if (mask & CHIMERA_ATTR_MTIME_NOW) {
            ts[1].tv_nsec = UTIME_NOW;
        } else if (mask & CHIMERA_ATTR_MTIME) {
            ts[1] = (struct timespec){ .tv_sec = in->mtime.sec, .tv_nsec = in->mtime.nsec };
        }
        if (fd_utimens(o.fd, ts) != 0) {
            st = pt_status_from_errno(errno);
            goto out;
        }
    }
out:
    attrs_fill(&req->r_attrs, o.fd);
    obj_put(&o);
    return st;
}

/* LOOKUP: one name in the directory. A symlink is returned as itself. */
static chimera_status_t op_lookup(const struct pt_module *m, struct chimera_vfs_request *req)
{
    struct pt_name n;
    struct pt_obj d;
    chimera_status_t st = name_copy(req->lookup.name, req->lookup.name_len, &n);
    if (st != CHIMERA_OK || (st = dir_get(m, req->fh, req->fh_len, &d)) != CHIMERA_OK) {
        return st;
    }
    int fd = open_beneath(d.fd, n.s, O_PATH, 0);
    if (fd < 0) {
        st = pt_status_from_errno(errno);
    } else {
        st = set_result_object(m, req, fd);
        close(fd);
    }
    attrs_set(&req->r_dir_post_attrs, &d.stx);
    obj_put(&d);
    return st;
}

/* LOOKUP_PARENT: "..", except at the root, which is its own parent: the
 * module never hands out a handle above it. */
static chimera_status_t op_lookup_parent(const struct pt_module *m, struct chimera_vfs_request *req)
{
    struct pt_obj d;
    chimera_status_t st = dir_get(m, req->fh, req->fh_len, &d);
    if (st != CHIMERA_OK) {
        return st;
    }
    /* d is beneath the root (obj_get checked), so its parent is too. */
    int fd = is_root(m, &d.stx) ? dup(d.fd) : openat(d.fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        st = pt_status_from_errno(errno);
    } else {
        st = set_result_object(m, req, fd);
        close(fd);
    }
    obj_put(&d);
    return st;
}

#define PT_DIRENT_BUF 32768

/*
 * READDIR: getdents64 from the cookie on. Each entry's d_off is where the
 * listing resumes after it, which is exactly a cookie: lseek() takes it
 * back. ext4, xfs, btrfs and tmpfs (since 6.6) keep those offsets stable
 * while entries come and go, so the cookie verifier is always zero. With
 * READDIR_HANDLES / READDIR_ATTRS each entry is opened (O_PATH, no
 * symlink followed); an entry that vanished meanwhile is skipped, one we
 * cannot give a handle for (a mount point) is emitted bare.
 */
static chimera_status_t op_readdir(const struct pt_module *m, struct chimera_vfs_request *req)
{
    struct chimera_vfs_args_readdir *a = &req->readdir;
    memset(a->r_verifier, 0, sizeof a->r_verifier);
    a->r_eof = 0;
    if (a->emit == NULL) {
        return CHIMERA_INVAL;
    }
    struct pt_obj d;
    chimera_status_t st = dir_get(m, req->fh, req->fh_len, &d);
    if (st != CHIMERA_OK) {
        return st;
    }
    char *buf = NULL;
    int fd = openat(d.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        st = pt_status_from_errno(errno);
        goto out;
    }
    if (a->cookie != 0 && (a->cookie > INT64_MAX || lseek(fd, (off_t)a->cookie, SEEK_SET) < 0)) {
        st = CHIMERA_BADCOOKIE;
        goto out;
    }
    buf = malloc(PT_DIRENT_BUF);
    if (buf == NULL) {
        st = CHIMERA_DELAY;
        goto out;
    }
    for (;;) {
        ssize_t got = getdents64(fd, buf, PT_DIRENT_BUF);
        if (got < 0) {
            st = pt_status_from_errno(errno);
            goto out;
        }
        if (got == 0) {
            a->r_eof = 1;
            break;
        }
        for (ssize_t off = 0; off < got;) {
            const struct dirent64 *e = (const struct dirent64 *)(buf + off);
            off += e->d_reclen;
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
                continue;
            }
            uint8_t fh[CHIMERA_MODULE_FH_MAX];
            uint32_t fh_len = 0;
            struct chimera_attrs attrs = { .req_mask = CHIMERA_ATTR_STAT };
            int have_attrs = 0;
            if (a->flags & (CHIMERA_VFS_READDIR_ATTRS | CHIMERA_VFS_READDIR_HANDLES)) {
                int cfd = open_beneath(fd, e->d_name, O_PATH, 0);
                if (cfd < 0 && errno == ENOENT) {
                    continue;
                }
                if (cfd >= 0) {
                    struct statx s;
                    if ((a->flags & CHIMERA_VFS_READDIR_HANDLES) &&
                        pt_handle_encode(m, cfd, fh, &fh_len) != CHIMERA_OK) {
                        fh_len = 0;
                    }
                    if ((a->flags & CHIMERA_VFS_READDIR_ATTRS) && fd_statx(cfd, &s) == 0) {
                        attrs_from_statx(&attrs, &s);
                        have_attrs = 1;
                    }
                    close(cfd);
                }
            }
            if (a->emit(req, e->d_name, (uint32_t)strlen(e->d_name), (uint64_t)e->d_off, fh_len > 0 ? fh : NULL,
                        fh_len, have_attrs ? &attrs : NULL) != 0) {
                goto out;               /* the caller's reply is full */
            }
        }
    }
out:
    free(buf);
    if (fd >= 0) {
        close(fd);
    }
    attrs_fill(&req->r_dir_post_attrs, d.fd);
    obj_put(&d);
    return st;
}

/* OPEN: open the object for I/O; the open handle is a struct pt_file. */
static chimera_status_t op_open(const struct pt_module *m, struct chimera_vfs_request *req)
{
    struct pt_obj o;
    req->open.r_open_handle = 0;
    chimera_status_t st = obj_get(m, req->fh, req->fh_len, &o);
    if (st != CHIMERA_OK) {
        return st;
    }
    if (!(req->open.flags & CHIMERA_VFS_OPEN_NONE)) {
        int fd;
        st = open_object(m, req->fh, req->fh_len, &o, req->open.flags, &fd);
        if (st == CHIMERA_OK) {
            st = file_new(fd, &req->open.r_open_handle);
        }
    }
    if (st == CHIMERA_OK) {
        attrs_fill(&req->r_attrs, o.fd);
    }
    obj_put(&o);
    return st;
}

/* NFSv3 exclusive create (RFC 1813 3.3.8): the verifier is kept in the new
 * file's atime and mtime seconds, as the Linux NFS server does; the client
 * sets the real times with SETATTR right afterwards. */
static uint32_t verifier_half(const uint8_t *v)
{
    return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

static int verifier_store(int fd, const uint8_t v[CHIMERA_VERIFIER_LEN])
{
    const struct timespec ts[2] = { { .tv_sec = verifier_half(v) }, { .tv_sec = verifier_half(v + 4) } };
    return fd_utimens(fd, ts);
}

static int verifier_matches(const struct statx *s, const uint8_t v[CHIMERA_VERIFIER_LEN])
{
    return s->stx_atime.tv_sec == verifier_half(v) && s->stx_atime.tv_nsec == 0 &&
           s->stx_mtime.tv_sec == verifier_half(v + 4) && s->stx_mtime.tv_nsec == 0;
}

/*
 * OPEN_AT: look up or create a name and open it, in one op.
 *   CREATE               create a regular file (a directory with
 *                        OPEN_DIRECTORY) if the name is absent;
 *   CREATE|EXCLUSIVE     ... and fail with CHIMERA_EXIST if present;
 *   CREATE|VERIFIER      exclusive, but a retry carrying the same verifier
 *                        finds "its" file and succeeds;
 *   TRUNCATE             empty an existing regular file;
 *   NONE                 return handle and attributes, no open handle.
 * An open handle is returned when READ or WRITE is asked.
 */
static chimera_status_t op_open_at(const struct pt_module *m, struct chimera_vfs_request *req)
{
    struct chimera_vfs_args_open_at *a = &req->open_at;
    const uint32_t f = a->flags;
    const int want_open = (f & (CHIMERA_VFS_OPEN_READ | CHIMERA_VFS_OPEN_WRITE)) && !(f & CHIMERA_VFS_OPEN_NONE);
    const int exclusive = (f & (CHIMERA_VFS_OPEN_EXCLUSIVE | CHIMERA_VFS_OPEN_VERIFIER)) != 0;
    a->r_open_handle = 0;
    a->r_created = 0;

    struct pt_name n;
    struct pt_obj d;
    chimera_status_t st = name_copy(a->name, a->name_len, &n);
    if (st != CHIMERA_OK || (st = dir_get(m, req->fh, req->fh_len, &d)) != CHIMERA_OK) {
        return st;
    }
    attrs_set(&req->r_dir_pre_attrs, &d.stx);

    int fd = -1;                /* an open descriptor, when we have one */
    struct pt_obj c = { .fd = -1 };   /* the object, O_PATH */
    int created = 0, retried = 0;
    mode_t perm = (a->attrs.valid_mask & CHIMERA_ATTR_MODE) ? (a->attrs.mode & 07777) : 0;

    if ((f & CHIMERA_VFS_OPEN_CREATE) && (f & CHIMERA_VFS_OPEN_DIRECTORY)) {
        if (mkdirat(d.fd, n.s, perm != 0 ? perm : 0755) == 0) {
            created = 1;
        } else if (errno != EEXIST || exclusive) {
            st = pt_status_from_errno(errno);
            goto out;
        }
    } else if (f & CHIMERA_VFS_OPEN_CREATE) {
        /* O_EXCL: never follows a symlink, even a dangling one. */
        fd = open_beneath(d.fd, n.s, O_CREAT | O_EXCL | open_flags(f & ~CHIMERA_VFS_OPEN_TRUNCATE),
                          perm != 0 ? perm : 0644);
        if (fd >= 0) {
            created = 1;
        } else if (errno != EEXIST || ((f & CHIMERA_VFS_OPEN_EXCLUSIVE) && !(f & CHIMERA_VFS_OPEN_VERIFIER))) {
            st = pt_status_from_errno(errno);
            goto out;
        } else if (f & CHIMERA_VFS_OPEN_VERIFIER) {
            retried = 1;                /* checked below, once we have it */
        }
    }

    /* The object itself, O_PATH: from the new descriptor, or by name. */
    c.fd = fd >= 0 ? dup(fd) : open_beneath(d.fd, n.s, O_PATH, 0);
    if (c.fd < 0 || fd_statx(c.fd, &c.stx) != 0) {
        st = pt_status_from_errno(errno);
        goto out;
    }
    if (retried) {
        if (!S_ISREG(c.stx.stx_mode) || !verifier_matches(&c.stx, a->verifier)) {
            st = CHIMERA_EXIST;
            goto out;
        }
        created = 1;                    /* the client's first try did */
    }
    if ((f & CHIMERA_VFS_OPEN_DIRECTORY) && !S_ISDIR(c.stx.stx_mode)) {
        st = CHIMERA_NOTDIR;
        goto out;
    }
    /* Creating a file where something else already is: the name exists
     * (the Linux NFS server answers the same to an unchecked CREATE). */
    if ((f & CHIMERA_VFS_OPEN_CREATE) && !(f & CHIMERA_VFS_OPEN_DIRECTORY) && !S_ISREG(c.stx.stx_mode)) {
        st = CHIMERA_EXIST;
        goto out;
    }
    st = pt_handle_encode(m, c.fd, req->r_fh, &req->r_fh_len);
    if (st != CHIMERA_OK) {
        goto out;
    }

    if (created && !retried) {
        st = apply_initial_attrs(c.fd, &d.stx, &a->attrs, req->cred, 0);
        if (st == CHIMERA_OK && (f & CHIMERA_VFS_OPEN_VERIFIER) && verifier_store(c.fd, a->verifier) != 0) {
            st = pt_status_from_errno(errno);
        }
        if (st != CHIMERA_OK) {
            goto out;
        }
    }

    /* An existing file to truncate or any object to open: get a real
     * descriptor (after the type check in open_object). */
    int truncate_existing = (f & CHIMERA_VFS_OPEN_TRUNCATE) && !created;
    if (fd < 0 && (want_open || truncate_existing)) {
        st = open_object(m, req->r_fh, req->r_fh_len, &c, want_open ? f : (f | CHIMERA_VFS_OPEN_WRITE), &fd);
        if (st != CHIMERA_OK) {
            goto out;
        }
    }
    attrs_fill(&req->r_attrs, c.fd);
    if (want_open) {
        st = file_new(fd, &a->r_open_handle);
        fd = -1;                        /* owned by the open handle now */
    }
    a->r_created = (uint32_t)created;
out:
    if (fd >= 0) {
        close(fd);
    }
    obj_put(&c);
    attrs_fill(&req->r_dir_post_attrs, d.fd);
    obj_put(&d);
    return st;
}

/* CLOSE: release the open handle. */
static chimera_status_t op_close(struct chimera_vfs_request *req)
{
    struct pt_file *f = file_of(req->open_handle);
    if (f == NULL) {
        return CHIMERA_BADF;
    }
    int rc = close(f->fd);
    free(f);
    /* close() errors (a deferred write error on NFS-like file systems) are
     * informational: the handle is gone either way. */
    return rc == 0 ? CHIMERA_OK : pt_status_from_errno(errno);
}

/* READ: preadv into the caller's buffers; end of file when the read
 * reached the file's size. */
static chimera_status_t op_read(const struct pt_module *m, struct chimera_vfs_request *req)
{
    struct chimera_vfs_args_io *a = &req->read;
    a->r_length = 0;
    a->r_eof = 0;
    int fd, tmp;
    chimera_status_t st = io_fd(m, req, CHIMERA_VFS_OPEN_READ, &fd, &tmp);
    if (st == CHIMERA_OK) {
        st = io_vec(fd, 0, a->iov, a->iovcnt, a->offset, a->length, &a->r_length);
    }
    struct statx s;
    if (st == CHIMERA_OK && fd_statx(fd, &s) == 0) {
        a->r_eof = a->offset + a->r_length >= s.stx_size;
        attrs_set(&req->r_attrs, &s);
    }
    if (tmp >= 0) {
        close(tmp);
    }
    return st;
}

/* WRITE: pwritev, then fdatasync / fsync as the stability asks. */
static chimera_status_t op_write(const struct pt_module *m, struct chimera_vfs_request *req)
{
    struct chimera_vfs_args_io *a = &req->write;
    a->r_length = 0;
    a->r_stable = CHIMERA_VFS_UNSTABLE;
    if (a->stable > CHIMERA_VFS_FILE_SYNC) {
        return CHIMERA_INVAL;
    }
    if (a->offset > INT64_MAX || a->length > INT64_MAX - a->offset) {
        return CHIMERA_FBIG;
    }
    int fd, tmp;
    chimera_status_t st = io_fd(m, req, CHIMERA_VFS_OPEN_WRITE, &fd, &tmp);
    if (st != CHIMERA_OK) {
        return st;
    }
    attrs_fill(&req->r_pre_attrs, fd);
    st = io_vec(fd, 1, a->iov, a->iovcnt, a->offset, a->length, &a->r_length);
    if (st == CHIMERA_OK && a->stable != CHIMERA_VFS_UNSTABLE) {
        int rc = a->stable == CHIMERA_VFS_DATA_SYNC ? fdatasync(fd) : fsync(fd);
        st = rc == 0 ? CHIMERA_OK : pt_status_from_errno(errno);
    }
    if (st == CHIMERA_OK) {
        a->r_stable = a->stable;
    }
    attrs_fill(&req->r_attrs, fd);
    if (tmp >= 0) {
        close(tmp);
    }
    return st;
}

/* COMMIT: fsync the whole file (Linux has no durable range sync). */
static chimera_status_t op_commit(const struct pt_module *m, struct chimera_vfs_request *req)
{
    int fd, tmp;
    chimera_status_t st = io_fd(m, req, CHIMERA_VFS_OPEN_READ, &fd, &tmp);
    if (st != CHIMERA_OK) {
        return st;
    }
    attrs_fill(&req->r_pre_attrs, fd);
    if (fsync(fd) != 0) {
        st = pt_status_from_errno(errno);
    }
    attrs_fill(&req->r_attrs, fd);
    if (tmp >= 0) {
        close(tmp);
    }
    return st;
}

enum pt_create_kind { PT_MKDIR, PT_MKNOD, PT_SYMLINK };

/* MKDIR / MKNOD / SYMLINK: create, then give the new object its owner and
 * mode and return its handle. A symlink's target is stored as given; it is
 * never followed by this module. */
static chimera_status_t op_create(const struct pt_module *m, struct chimera_vfs_request *req,
                                  enum pt_create_kind kind)
{
    /* mkdir, mknod and symlink share one argument struct in the union. */
    const struct chimera_vfs_args_create *a = &req->mkdir;
    struct pt_name n;
    struct pt_obj d;
    char target[CHIMERA_PATH_MAX];
    mode_t type = 0;

    chimera_status_t st = name_copy(a->name, a->name_len, &n);
    if (st != CHIMERA_OK) {
        return st;
    }
    if (kind == PT_SYMLINK) {
        if (a->target == NULL || a->target_len == 0 || memchr(a->target, '\0', a->target_len) != NULL) {
            return CHIMERA_INVAL;
        }
        if (a->target_len >= sizeof target) {
            return CHIMERA_NAMETOOLONG;
        }
        memcpy(target, a->target, a->target_len);
        target[a->target_len] = '\0';
    } else if (kind == PT_MKNOD) {
        type = a->attrs.mode & S_IFMT;
        if (type != S_IFCHR && type != S_IFBLK && type != S_IFIFO && type != S_IFSOCK) {
            return CHIMERA_INVAL;
        }
    }
    if ((st = dir_get(m, req->fh, req->fh_len, &d)) != CHIMERA_OK) {
        return st;
    }
    attrs_set(&req->r_dir_pre_attrs, &d.stx);

    mode_t perm = (a->attrs.valid_mask & CHIMERA_ATTR_MODE) ? (a->attrs.mode & 07777)
                                                           : (kind == PT_MKDIR ? 0755 : 0644);
    int rc;
    switch (kind) {
    case PT_MKDIR:
        rc = mkdirat(d.fd, n.s, perm);
        break;
    case PT_MKNOD: {
        dev_t dev = (type == S_IFCHR || type == S_IFBLK)
                        ? makedev((unsigned)(a->attrs.rdev >> 32), (unsigned)(a->attrs.rdev & 0xffffffffu))
                        : 0;
        rc = mknodat(d.fd, n.s, type | perm, dev);
        break;
    }
    case PT_SYMLINK:
    default:
        rc = symlinkat(target, d.fd, n.s);
        break;
    }
    if (rc != 0) {
        st = pt_status_from_errno(errno);
    } else {
        int fd = open_beneath(d.fd, n.s, O_PATH, 0);
        if (fd < 0) {
            st = pt_status_from_errno(errno);
        } else {
            st = apply_initial_attrs(fd, &d.stx, &a->attrs, req->cred, kind == PT_SYMLINK);
            if (st == CHIMERA_OK) {
                st = set_result_object(m, req, fd);
            }
            close(fd);
        }
    }
    attrs_fill(&req->r_dir_post_attrs, d.fd);
    obj_put(&d);
    return st;
}

/* READLINK: the target, as stored. A buffer too small for it is
 * CHIMERA_RANGE with the needed length in r_length. */
static chimera_status_t op_readlink(const struct pt_module *m, struct chimera_vfs_request *req)
{
    struct chimera_vfs_args_readlink *a = &req->readlink;
    struct pt_obj o;
    a->r_length = 0;
    chimera_status_t st = obj_get(m, req->fh, req->fh_len, &o);
    if (st != CHIMERA_OK) {
        return st;
    }
    char target[CHIMERA_PATH_MAX];
    ssize_t n;
    if (!S_ISLNK(o.stx.stx_mode)) {
        st = CHIMERA_INVAL;
    } else if ((n = readlinkat(o.fd, "", target, sizeof target)) < 0) {
        st = pt_status_from_errno(errno);
    } else {
        a->r_length = (uint32_t)n;
        if ((size_t)n > a->buf_len || (n > 0 && a->buf == NULL)) {
            st = CHIMERA_RANGE;
        } else if (n > 0) {
            memcpy(a->buf, target, (size_t)n);
        }
    }
    obj_put(&o);
    return st;
}

/* Hard-link fd as name in dirfd, replacing an existing name atomically:
 * link under a random temporary name, then rename over the target. */
static int link_replacing(int fd, int dirfd, const char *name)
{
    for (int attempt = 0; attempt < 8; attempt++) {
        uint64_t r;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) {
            return -1;
        }
        char tmp[48];
        snprintf(tmp, sizeof tmp, ".chimera-link-%016llx", (unsigned long long)r);
        if (linkat(fd, "", dirfd, tmp, AT_EMPTY_PATH) != 0) {
            if (errno == EEXIST) {
                continue;
            }
            return -1;
        }
        int rc = renameat(dirfd, tmp, dirfd, name);
        int err = errno;
        /* Gone after a successful rename, except when name was already a
         * link to the same file: rename then does nothing. */
        unlinkat(dirfd, tmp, 0);
        errno = err;
        return rc;
    }
    errno = EEXIST;
    return -1;
}

/* LINK: the object gets another name, args.link.name in args.link.dir_fh
 * (linkat with AT_EMPTY_PATH, which needs CAP_DAC_READ_SEARCH: we have it,
 * or open_by_handle_at would not work either). */
static chimera_status_t op_link(const struct pt_module *m, struct chimera_vfs_request *req)
{
    const struct chimera_vfs_args_link *a = &req->link;
    struct pt_name n;
    struct pt_obj o, d = { .fd = -1 };
    if (a->flags & ~CHIMERA_VFS_LINK_REPLACE) {
        return CHIMERA_INVAL;
    }
    chimera_status_t st = name_copy(a->name, a->name_len, &n);
    if (st != CHIMERA_OK || (st = obj_get(m, req->fh, req->fh_len, &o)) != CHIMERA_OK) {
        return st;
    }
    if (S_ISDIR(o.stx.stx_mode)) {
        st = CHIMERA_PERM;              /* no hard links to directories */
        goto out;
    }
    if ((st = dir_get(m, a->dir_fh, a->dir_fh_len, &d)) != CHIMERA_OK) {
        goto out;
    }
    attrs_set(&req->r_dir_pre_attrs, &d.stx);
    int rc = (a->flags & CHIMERA_VFS_LINK_REPLACE) ? link_replacing(o.fd, d.fd, n.s)
                                                   : linkat(o.fd, "", d.fd, n.s, AT_EMPTY_PATH);
    if (rc != 0) {
        st = pt_status_from_errno(errno);
    }
    attrs_fill(&req->r_attrs, o.fd);
    attrs_fill(&req->r_dir_post_attrs, d.fd);
out:
    obj_put(&d);
    obj_put(&o);
    return st;
}

/* REMOVE: unlink or rmdir a name. REMOVE_DIR insists on a directory,
 * REMOVE_NOT_DIR on anything else; the kernel re-checks the type in the
 * same syscall that removes, so a swap in between cannot fool it. r_fh is
 * the removed object, for the core's caches. */
static chimera_status_t op_remove(const struct pt_module *m, struct chimera_vfs_request *req)
{
    const struct chimera_vfs_args_remove *a = &req->remove;
    const uint32_t both = CHIMERA_VFS_REMOVE_DIR | CHIMERA_VFS_REMOVE_NOT_DIR;
    if ((a->flags & ~both) || (a->flags & both) == both) {
        return CHIMERA_INVAL;
    }
    struct pt_name n;
    struct pt_obj d;
    chimera_status_t st = name_copy(a->name, a->name_len, &n);
    if (st != CHIMERA_OK || (st = dir_get(m, req->fh, req->fh_len, &d)) != CHIMERA_OK) {
        return st;
    }
    attrs_set(&req->r_dir_pre_attrs, &d.stx);

    struct pt_obj c;
    c.fd = open_beneath(d.fd, n.s, O_PATH, 0);
    if (c.fd < 0 || fd_statx(c.fd, &c.stx) != 0) {
        st = pt_status_from_errno(errno);
        goto out;
    }
    int is_dir = S_ISDIR(c.stx.stx_mode);
    if ((a->flags & CHIMERA_VFS_REMOVE_DIR) && !is_dir) {
        st = CHIMERA_NOTDIR;
        goto out;
    }
    if ((a->flags & CHIMERA_VFS_REMOVE_NOT_DIR) && is_dir) {
        st = CHIMERA_ISDIR;
        goto out;
    }
    if (pt_handle_encode(m, c.fd, req->r_fh, &req->r_fh_len) != CHIMERA_OK) {
        req->r_fh_len = 0;
    }
    if (unlinkat(d.fd, n.s, is_dir ? AT_REMOVEDIR : 0) != 0) {
        st = pt_status_from_errno(errno);
        req->r_fh_len = 0;
    }
out:
    obj_put(&c);
    attrs_fill(&req->r_dir_post_attrs, d.fd);
    obj_put(&d);
    return st;
}

/* RENAME: renameat2, with RENAME_NOREPLACE when asked. The kernel refuses
 * moving a directory into its own subtree (EINVAL). */
static chimera_status_t op_rename(const struct pt_module *m, struct chimera_vfs_request *req)
{
    struct chimera_vfs_args_rename *a = &req->rename;
    struct pt_name from, to;
    struct pt_obj d, nd = { .fd = -1 };
    a->r_new_dir_pre_attrs.valid_mask = 0;
    a->r_new_dir_post_attrs.valid_mask = 0;
    if (a->flags & ~CHIMERA_VFS_RENAME_NOREPLACE) {
        return CHIMERA_INVAL;
    }
    chimera_status_t st = name_copy(a->name, a->name_len, &from);
    if (st != CHIMERA_OK || (st = name_copy(a->new_name, a->new_name_len, &to)) != CHIMERA_OK ||
        (st = dir_get(m, req->fh, req->fh_len, &d)) != CHIMERA_OK) {
        return st;
    }
    if ((st = dir_get(m, a->new_dir_fh, a->new_dir_fh_len, &nd)) != CHIMERA_OK) {
        goto out;
    }
    attrs_set(&req->r_dir_pre_attrs, &d.stx);
    attrs_set(&a->r_new_dir_pre_attrs, &nd.stx);
    unsigned flags = (a->flags & CHIMERA_VFS_RENAME_NOREPLACE) ? RENAME_NOREPLACE : 0;
    if (renameat2(d.fd, from.s, nd.fd, to.s, flags) != 0) {
        st = pt_status_from_errno(errno);
    }
    attrs_fill(&req->r_dir_post_attrs, d.fd);
    attrs_fill(&a->r_new_dir_post_attrs, nd.fd);
out:
    obj_put(&nd);
    obj_put(&d);
    return st;
}

/* FSSTAT: statvfs of the file system the object is on. */
static chimera_status_t op_fsstat(const struct pt_module *m, struct chimera_vfs_request *req)
{
    struct chimera_fsstat *r = &req->fsstat.r_fsstat;
    struct pt_obj o;
    struct statvfs sv;
    chimera_status_t st = obj_get(m, req->fh, req->fh_len, &o);
    if (st != CHIMERA_OK) {
        return st;
    }
    if (fstatvfs(o.fd, &sv) != 0) {
        st = pt_status_from_errno(errno);
    } else {
        memset(r, 0, sizeof *r);
        r->total_bytes = (uint64_t)sv.f_blocks * sv.f_frsize;
        r->free_bytes = (uint64_t)sv.f_bfree * sv.f_frsize;
        r->avail_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
        r->total_files = sv.f_files;
        r->free_files = sv.f_ffree;
        r->avail_files = sv.f_favail;
        r->max_name = (uint32_t)(sv.f_namemax < CHIMERA_NAME_MAX ? sv.f_namemax : CHIMERA_NAME_MAX);
        r->max_file_size = INT64_MAX;
        r->time_delta.nsec = 1;
        attrs_set(&req->r_attrs, &o.stx);
    }
    obj_put(&o);
    return st;
}

/*
 * Extended attributes: only the user.* namespace passes through. As root
 * we could otherwise let a client set security.capability (a file
 * capability that grants privileges on the server), or read trusted.*,
 * where config.c keeps the handle key. The xattr calls refuse O_PATH
 * descriptors, so they go through /proc/self/fd (see proc_path).
 */
static chimera_status_t xattr_name_check(const char *name)
{
    if (name == NULL) {
        return CHIMERA_INVAL;
    }
    size_t len = strnlen(name, XATTR_NAME_MAX + 1);
    if (len > XATTR_NAME_MAX) {
        return CHIMERA_NAMETOOLONG;
    }
    if (len <= 5 || strncmp(name, "user.", 5) != 0) {
        return CHIMERA_NOTSUP;
    }
    return CHIMERA_OK;
}

/* GETXATTR / SETXATTR / REMOVEXATTR / LISTXATTR. */
static chimera_status_t op_xattr(const struct pt_module *m, struct chimera_vfs_request *req)
{
    struct chimera_vfs_args_xattr *a = &req->xattr;
    struct pt_obj o;
    struct pt_proc_path p;
    char *list = NULL;
    a->r_length = 0;
    chimera_status_t st = req->op == CHIMERA_VFS_OP_LISTXATTR ? CHIMERA_OK : xattr_name_check(a->name);
    if (st != CHIMERA_OK || (st = obj_get(m, req->fh, req->fh_len, &o)) != CHIMERA_OK) {
        return st;
    }
    const char *path = proc_path(o.fd, &p);
    ssize_t n = 0;

    switch (req->op) {
    case CHIMERA_VFS_OP_GETXATTR:
        n = getxattr(path, a->name, a->value_len > 0 ? a->value : NULL, a->value_len);
        break;
    case CHIMERA_VFS_OP_SETXATTR: {
        int flags = 0;
        if (a->flags & ~(CHIMERA_VFS_XATTR_CREATE | CHIMERA_VFS_XATTR_REPLACE)) {
            st = CHIMERA_INVAL;
            goto out;
        }
        flags |= (a->flags & CHIMERA_VFS_XATTR_CREATE) ? XATTR_CREATE : 0;
        flags |= (a->flags & CHIMERA_VFS_XATTR_REPLACE) ? XATTR_REPLACE : 0;
        n = setxattr(path, a->name, a->value, a->value_len, flags);
        break;
    }
    case CHIMERA_VFS_OP_REMOVEXATTR:
        n = removexattr(path, a->name);
        break;
    default: {
        /* LISTXATTR: fetch every name, keep the user.* ones. The list can
         * grow between the two calls; try a few times. */
        for (int attempt = 0; attempt < 4; attempt++) {
            ssize_t size = listxattr(path, NULL, 0);
            if (size < 0) {
                n = -1;
                break;
            }
            free(list);
            list = malloc((size_t)size + 1);
            if (list == NULL) {
                st = CHIMERA_DELAY;
                goto out;
            }
            n = listxattr(path, list, (size_t)size);
            if (n >= 0 || errno != ERANGE) {
                break;
            }
        }
        if (n < 0) {
            break;
        }
        size_t need = 0;
        for (ssize_t i = 0; i < n;) {
            size_t len = strnlen(list + i, (size_t)(n - i));
            if (strncmp(list + i, "user.", 5) == 0) {
                if (a->value_len > 0 && need + len + 1 <= a->value_len) {
                    memcpy((char *)a->value + need, list + i, len + 1);
                }
                need += len + 1;
            }
            i += (ssize_t)len + 1;
        }
        a->r_length = (uint32_t)need;
        if (a->value_len > 0 && need > a->value_len) {
            st = CHIMERA_RANGE;
        }
        goto out;
    }
    }
    if (n < 0) {
        st = pt_status_from_errno(errno);
    } else {
        a->r_length = (uint32_t)n;
    }
out:
    free(list);
    obj_put(&o);
    return st;
}

/* ======================================================================== */
/* The module                                                                */
/* ======================================================================== */

static int32_t pt_init(const struct chimera_host *host, const char *config, void **module_private, char *error,
                       size_t error_len)
{
    if (host != NULL && host->abi_major != CHIMERA_HOST_ABI_MAJOR) {
        snprintf(error, error_len, "passthrough_c: host ABI %u.%u, built for %d.%d", host->abi_major,
                 host->abi_minor, CHIMERA_HOST_ABI_MAJOR, CHIMERA_HOST_ABI_MINOR);
        return -1;
    }
    struct pt_module *m = calloc(1, sizeof *m);
    if (m == NULL) {
        snprintf(error, error_len, "passthrough_c: out of memory");
        return -1;
    }
    m->host = host;
    m->root_fd = -1;
    if (pt_config_load(m, config, error, error_len) != 0) {
        if (m->root_fd >= 0) {
            close(m->root_fd);
        }
        explicit_bzero(m->key, sizeof m->key);
        free(m);
        return -1;
    }
    pt_log(m, CHIMERA_LOG_INFO, "passthrough_c: ready");
    *module_private = m;
    return 0;
}

static void pt_shutdown(void *module_private)
{
    struct pt_module *m = module_private;
    if (m == NULL) {
        return;
    }
    close(m->root_fd);
    explicit_bzero(m->key, sizeof m->key);
    free(m);
}

/* No per-thread state: every thread shares the read-only module state. */
static void *pt_thread_init(void *module_private, uint32_t thread_index)
{
    (void)thread_index;
    return module_private;
}

static void pt_thread_shutdown(void *thread_private)
{
    (void)thread_private;
}

/* Run the op to the end on this (delegation pool) thread, then complete.
 * Results that an op does not reach stay empty. */
static void pt_dispatch(void *thread_private, struct chimera_vfs_request *req)
{
    const struct pt_module *m = thread_private;
    chimera_status_t st;

    req->r_fh_len = 0;
    req->r_attrs.valid_mask = 0;
    req->r_pre_attrs.valid_mask = 0;
    req->r_dir_pre_attrs.valid_mask = 0;
    req->r_dir_post_attrs.valid_mask = 0;

    switch (req->op) {
    case CHIMERA_VFS_OP_MOUNT:         st = op_mount(m, req); break;
    case CHIMERA_VFS_OP_UMOUNT:        st = CHIMERA_OK; break;     /* nothing to release */
    case CHIMERA_VFS_OP_GETATTR:       st = op_getattr(m, req); break;
    case CHIMERA_VFS_OP_SETATTR:       st = op_setattr(m, req); break;
    case CHIMERA_VFS_OP_LOOKUP:        st = op_lookup(m, req); break;
    case CHIMERA_VFS_OP_LOOKUP_PARENT: st = op_lookup_parent(m, req); break;
    case CHIMERA_VFS_OP_READDIR:       st = op_readdir(m, req); break;
    case CHIMERA_VFS_OP_OPEN:          st = op_open(m, req); break;
    case CHIMERA_VFS_OP_OPEN_AT:       st = op_open_at(m, req); break;
    case CHIMERA_VFS_OP_CLOSE:         st = op_close(req); break;
    case CHIMERA_VFS_OP_READ:          st = op_read(m, req); break;
    case CHIMERA_VFS_OP_WRITE:         st = op_write(m, req); break;
    case CHIMERA_VFS_OP_COMMIT:        st = op_commit(m, req); break;
    case CHIMERA_VFS_OP_MKDIR:         st = op_create(m, req, PT_MKDIR); break;
    case CHIMERA_VFS_OP_MKNOD:         st = op_create(m, req, PT_MKNOD); break;
    case CHIMERA_VFS_OP_SYMLINK:       st = op_create(m, req, PT_SYMLINK); break;
    case CHIMERA_VFS_OP_READLINK:      st = op_readlink(m, req); break;
    case CHIMERA_VFS_OP_LINK:          st = op_link(m, req); break;
    case CHIMERA_VFS_OP_REMOVE:        st = op_remove(m, req); break;
    case CHIMERA_VFS_OP_RENAME:        st = op_rename(m, req); break;
    case CHIMERA_VFS_OP_FSSTAT:        st = op_fsstat(m, req); break;
    case CHIMERA_VFS_OP_GETXATTR:
    case CHIMERA_VFS_OP_SETXATTR:
    case CHIMERA_VFS_OP_LISTXATTR:
    case CHIMERA_VFS_OP_REMOVEXATTR:   st = op_xattr(m, req); break;
    default:
        /* Everything else, including ops added by later ABI versions: the
         * VFS core falls back where it can (open_at, create_unlinked) or
         * keeps the state itself (locks). */
        st = CHIMERA_NOTSUP;
        break;
    }
    req->status = st;
    req->complete(req);             /* no lock is held here: we hold none */
}

static const struct chimera_vfs_module pt_module = {
    .abi_major = CHIMERA_VFS_ABI_MAJOR,
    .abi_minor = CHIMERA_VFS_ABI_MINOR,
    .struct_size = sizeof(struct chimera_vfs_module),
    .name = "passthrough_c",
    .description = "example: serves a host directory through POSIX calls (C)",
    .capabilities = CHIMERA_VFS_CAP_HARDLINKS | CHIMERA_VFS_CAP_SYMLINKS | CHIMERA_VFS_CAP_XATTRS |
                    CHIMERA_VFS_CAP_PERSISTENT | CHIMERA_VFS_CAP_PERSISTENT_HANDLES,
    .blocking_ops = CHIMERA_VFS_ALL_OPS,
    .attr_supported = CHIMERA_ATTR_STAT | CHIMERA_ATTR_CHANGE | CHIMERA_ATTR_BTIME,
    .init = pt_init,
    .shutdown = pt_shutdown,
    .thread_init = pt_thread_init,
    .thread_shutdown = pt_thread_shutdown,
    .dispatch = pt_dispatch,
};

CHIMERA_EXPORT const struct chimera_vfs_module *chimera_vfs_module_v1(void)
{
    return &pt_module;
}
