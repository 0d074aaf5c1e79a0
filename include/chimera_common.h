/*
 * chimera_common.h — types shared by every part of the Chimera plugin ABI.
 *
 * Chimera is a userspace NAS server. The host daemon loads storage backends
 * ("VFS modules", chimera_vfs.h) and protocol front-ends (chimera_protocol.h)
 * as shared objects and hands them host services (chimera_host.h). This file
 * holds what all three share: status codes, credentials, timestamps, the
 * attribute structure and file handles.
 *
 * ABI rules (the same for every header):
 *   - Structs only grow, by appending fields. Every struct a plugin hands the
 *     host starts with its own size, and the host never reads a field past
 *     that size (libfuse's rule). A plugin built against an older minor
 *     version keeps working on a newer host.
 *   - The host accepts a plugin whose ABI major equals its own and whose
 *     minor is not newer than its own (NFS-Ganesha's rule).
 *   - Every integer has a fixed width; every enum on the wire of this ABI is a
 *     fixed-width integer with named constants, so an unknown value stays
 *     representable.
 *
 * Changelog
 *   1.0  First version.
 *   1.1  struct chimera_cred grows (struct_size, every supplementary group,
 *        a principal name); CHIMERA_NGROUPS_MAX.
 *   1.2  Status codes of the core's open state: GRACE, NO_GRACE, EXPIRED,
 *        BAD_STATE, CANCELED, LOCKS_HELD.
 */
#ifndef CHIMERA_COMMON_H
#define CHIMERA_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Symbols a plugin exports carry default visibility; build with
 * -fvisibility=hidden and mark only the entry symbol. */
#define CHIMERA_EXPORT __attribute__((visibility("default")))

/* ------------------------------------------------------------------------ */
/* Status codes                                                              */
/* ------------------------------------------------------------------------ */

/*
 * The ABI's own status enum. Where a POSIX errno exists the value equals the
 * Linux errno, so a POSIX module returns `errno` unchanged; the others live
 * above 10000. Each front-end maps these to its wire codes in one table.
 */
typedef int32_t chimera_status_t;

#define CHIMERA_OK               0
#define CHIMERA_PERM             1      /* operation not permitted (not owner) */
#define CHIMERA_NOENT            2      /* no such file or directory */
#define CHIMERA_IO               5      /* hard I/O error */
#define CHIMERA_NXIO             6      /* no such device or address */
#define CHIMERA_BADF             9      /* open handle is not valid for the op */
#define CHIMERA_AGAIN            11     /* resource temporarily unavailable */
#define CHIMERA_ACCES            13     /* permission denied */
#define CHIMERA_EXIST            17     /* name already exists */
#define CHIMERA_XDEV             18     /* link or rename across mounts */
#define CHIMERA_NOTDIR           20     /* not a directory */
#define CHIMERA_ISDIR            21     /* is a directory */
#define CHIMERA_INVAL            22     /* invalid argument */
#define CHIMERA_FBIG             27     /* file too large */
#define CHIMERA_NOSPC            28     /* no space left */
#define CHIMERA_ROFS             30     /* read-only file system */
#define CHIMERA_MLINK            31     /* too many hard links */
#define CHIMERA_RANGE            34     /* result out of range (xattr buffer) */
#define CHIMERA_NAMETOOLONG      36     /* name longer than CHIMERA_NAME_MAX */
#define CHIMERA_NOTEMPTY         39     /* directory not empty */
#define CHIMERA_LOOP             40     /* too many symbolic links */
#define CHIMERA_NODATA           61     /* no such attribute / key */
#define CHIMERA_OVERFLOW         75     /* value too large for the field */
#define CHIMERA_NOTSUP           95     /* the module does not implement this */
#define CHIMERA_STALE            116    /* handle names an object that is gone */
#define CHIMERA_DQUOT            122    /* quota exceeded */
#define CHIMERA_BADHANDLE        10001  /* handle is malformed or unknown */
#define CHIMERA_NOT_SYNC         10002  /* setattr guard did not match */
#define CHIMERA_BADCOOKIE        10003  /* readdir cookie/verifier no longer valid */
#define CHIMERA_DELAY            10008  /* busy; retry later */
#define CHIMERA_LOCKED           10010  /* byte range locked by another owner */
#define CHIMERA_SHARE_VIOLATION  10011  /* open conflicts with a share reservation */
#define CHIMERA_TIMEDOUT         10012  /* the module did not answer in time */
/* ABI 1.2: open state (chimera_vfs.h, "Open state") */
#define CHIMERA_GRACE            10013  /* in the grace period: only reclaims */
#define CHIMERA_NO_GRACE         10014  /* a reclaim outside the grace period,
                                           or by a client with nothing to
                                           reclaim */
#define CHIMERA_EXPIRED          10015  /* the client's state was dropped */
#define CHIMERA_BAD_STATE        10016  /* no such open / lease / client */
#define CHIMERA_CANCELED         10017  /* a waiting lock was cancelled */
#define CHIMERA_LOCKS_HELD       10018  /* closing an open whose owners still
                                           hold byte-range locks */

/* ------------------------------------------------------------------------ */
/* Limits                                                                    */
/* ------------------------------------------------------------------------ */

#define CHIMERA_NAME_MAX        255     /* bytes in one directory entry name */
#define CHIMERA_PATH_MAX        4096    /* bytes in a symlink target or path */
#define CHIMERA_MODULE_FH_MAX   48      /* bytes a module's handle may use */
#define CHIMERA_MOUNT_ID_LEN    16      /* bytes of mount id the core prefixes */
#define CHIMERA_FH_MAX          64      /* wire handle: mount id + module handle */
#define CHIMERA_VERIFIER_LEN    8       /* create / write / cookie verifiers */
#define CHIMERA_GROUPS_MAX      16      /* supplementary groups in a credential */

/* ------------------------------------------------------------------------ */
/* Credentials                                                               */
/* ------------------------------------------------------------------------ */

/*
 * Who asks. Front-ends fill it from the protocol's authentication (AUTH_SYS,
 * an S3 access key's mapping, an SMB session) after squashing; the VFS core
 * checks every request against it (chimera_vfs.h, "Permissions") unless the
 * module enforces permissions itself.
 *
 * The first four fields are the 1.0 layout and stay where they are: groups[]
 * holds the first CHIMERA_GROUPS_MAX supplementary groups. ABI 1.1 appends
 * the rest. A module on a 1.1 host may read every field: the core hands
 * modules only credentials whose struct_size covers them (it copies a 1.0
 * front-end's credential into a full one before a module sees it).
 */
#define CHIMERA_NGROUPS_MAX     65536   /* supplementary groups, as Linux */

struct chimera_cred {
    uint32_t uid;
    uint32_t gid;
    uint32_t ngroups;                       /* valid entries in groups[] */
    uint32_t groups[CHIMERA_GROUPS_MAX];
    /* ABI 1.1 */
    uint32_t struct_size;                   /* sizeof(struct chimera_cred)
                                               as its maker knew it */
    uint32_t nall_groups;                   /* entries in all_groups */
    /* Every supplementary group (at most CHIMERA_NGROUPS_MAX), when there
     * are more than groups[] holds; NULL: groups[] is the whole list. Owned
     * by the maker; valid as long as the credential. */
    const uint32_t *all_groups;
    /* Who the protocol says this is, for logs and for modules that map
     * identities themselves: "alice@example.com" (NFSv4), a SID string
     * (SMB), an S3 access key. Not NUL-terminated; NULL when unknown. */
    const char *principal;
    uint32_t principal_len;
    uint32_t reserved;                      /* zero */
};

/* ------------------------------------------------------------------------ */
/* Time                                                                      */
/* ------------------------------------------------------------------------ */

struct chimera_timespec {
    int64_t  sec;                           /* seconds since the Unix epoch */
    uint32_t nsec;                          /* 0 ... 999,999,999 */
    uint32_t reserved;                      /* zero */
};

/* ------------------------------------------------------------------------ */
/* Attributes                                                                */
/* ------------------------------------------------------------------------ */

/*
 * One attribute structure for every object and every protocol. Three masks
 * say what is meant:
 *   req_mask    in:  what the caller wants (a module may fill more);
 *   valid_mask  out: what the module filled (getattr and every result), or
 *               in:  what to change (setattr, and the initial attributes of
 *                    create-like ops);
 *   the module's supported mask (chimera_vfs_module.attr_supported) says
 *   what it can ever fill.
 */
#define CHIMERA_ATTR_MODE        (1ull << 0)   /* type and permission bits */
#define CHIMERA_ATTR_NLINK       (1ull << 1)
#define CHIMERA_ATTR_UID         (1ull << 2)
#define CHIMERA_ATTR_GID         (1ull << 3)
#define CHIMERA_ATTR_RDEV        (1ull << 4)
#define CHIMERA_ATTR_SIZE        (1ull << 5)
#define CHIMERA_ATTR_SPACE_USED  (1ull << 6)
#define CHIMERA_ATTR_FILEID      (1ull << 7)
#define CHIMERA_ATTR_GENERATION  (1ull << 8)
#define CHIMERA_ATTR_FSID        (1ull << 9)
#define CHIMERA_ATTR_ATIME       (1ull << 10)
#define CHIMERA_ATTR_MTIME       (1ull << 11)
#define CHIMERA_ATTR_CTIME       (1ull << 12)
#define CHIMERA_ATTR_BTIME       (1ull << 13)
#define CHIMERA_ATTR_CHANGE      (1ull << 14)
#define CHIMERA_ATTR_DOS         (1ull << 15)
/* setattr only: set the time to the server's clock instead of the value. */
#define CHIMERA_ATTR_ATIME_NOW   (1ull << 32)
#define CHIMERA_ATTR_MTIME_NOW   (1ull << 33)

/* What NFSv3's fattr3 and POSIX stat need. */
#define CHIMERA_ATTR_STAT                                                     \
    (CHIMERA_ATTR_MODE | CHIMERA_ATTR_NLINK | CHIMERA_ATTR_UID |              \
     CHIMERA_ATTR_GID | CHIMERA_ATTR_RDEV | CHIMERA_ATTR_SIZE |               \
     CHIMERA_ATTR_SPACE_USED | CHIMERA_ATTR_FILEID | CHIMERA_ATTR_FSID |      \
     CHIMERA_ATTR_ATIME | CHIMERA_ATTR_MTIME | CHIMERA_ATTR_CTIME)
/* Weak cache consistency: what NFSv3 wcc pre-op attributes carry. */
#define CHIMERA_ATTR_WCC                                                      \
    (CHIMERA_ATTR_SIZE | CHIMERA_ATTR_MTIME | CHIMERA_ATTR_CTIME)

/* File types, in the S_IFMT bits of `mode` (the Linux values). */
#define CHIMERA_S_IFMT   0170000
#define CHIMERA_S_IFSOCK 0140000
#define CHIMERA_S_IFLNK  0120000
#define CHIMERA_S_IFREG  0100000
#define CHIMERA_S_IFBLK  0060000
#define CHIMERA_S_IFDIR  0040000
#define CHIMERA_S_IFCHR  0020000
#define CHIMERA_S_IFIFO  0010000

/* DOS attributes (MS-FSCC 2.6), kept for SMB. */
#define CHIMERA_DOS_READONLY  0x0001u
#define CHIMERA_DOS_HIDDEN    0x0002u
#define CHIMERA_DOS_SYSTEM    0x0004u
#define CHIMERA_DOS_ARCHIVE   0x0020u

struct chimera_attrs {
    uint64_t req_mask;
    uint64_t valid_mask;
    uint32_t mode;                 /* S_IFMT type bits | permission bits */
    uint32_t nlink;
    uint32_t uid;
    uint32_t gid;
    uint64_t rdev;                 /* (major << 32) | minor */
    uint64_t size;                 /* bytes */
    uint64_t space_used;           /* bytes allocated */
    uint64_t fileid;               /* stable per object; also SMB's file id */
    uint64_t generation;           /* changes when a fileid is reused */
    uint64_t fsid;                 /* the module's file system id; the core
                                      replaces it with the mount's */
    uint64_t change;               /* strictly increases on every change of
                                      data or metadata (a module that cannot
                                      promise this leaves CHANGE out of
                                      attr_supported) */
    struct chimera_timespec atime;
    struct chimera_timespec mtime;
    struct chimera_timespec ctime; /* status change */
    struct chimera_timespec btime; /* birth */
    uint32_t dos_attrs;            /* CHIMERA_DOS_* */
    uint32_t reserved;             /* zero */
};

/* ------------------------------------------------------------------------ */
/* File system statistics                                                    */
/* ------------------------------------------------------------------------ */

struct chimera_fsstat {
    uint64_t total_bytes;
    uint64_t free_bytes;
    uint64_t avail_bytes;          /* free to an unprivileged user */
    uint64_t total_files;
    uint64_t free_files;
    uint64_t avail_files;
    uint32_t max_name;             /* longest name the module accepts */
    uint32_t reserved;
    uint64_t max_file_size;
    struct chimera_timespec time_delta;  /* granularity of stored times */
};

#ifdef __cplusplus
}
#endif

#endif /* CHIMERA_COMMON_H */
