/*
 * chimera_vfs.h — what a Chimera storage backend ("VFS module") implements.
 *
 * A module is a shared object that exports one function,
 *
 *     CHIMERA_EXPORT const struct chimera_vfs_module *chimera_vfs_module_v1(void);
 *
 * returning a pointer to a struct that lives as long as the process. (A
 * function rather than a data symbol, so that plugins written in languages
 * that cannot export data under a C name — Swift — can implement it.)
 *
 * The host dlopen()s it, checks the ABI version and struct size, calls init()
 * once with the module's JSON config, thread_init() once for every host thread
 * that will dispatch to it, then sends it requests through dispatch(). Every
 * request is completed exactly once, by calling req->complete(req), from any
 * thread, after setting req->status and the op's results.
 *
 * Requests, not a function per op: a request carries an opcode, the caller's
 * credential, the handle of the object it acts on, a per-op argument/result
 * union and the completion callback. A module answers CHIMERA_NOTSUP for any
 * op it does not implement, including ops added by later minor versions; the
 * VFS core then falls back where it can (open_at from lookup + create + open,
 * create_unlinked from a hidden name + rename, byte-range locks in the core).
 *
 * Handles. A module names objects by opaque handles of at most
 * CHIMERA_MODULE_FH_MAX (48) bytes, written into req->r_fh. The core prefixes
 * a 16-byte mount id to make the wire handle the front-ends see (at most 64
 * bytes, NFSv3's limit); modules only ever see their own handles. A module
 * that declares CHIMERA_VFS_CAP_PERSISTENT_HANDLES promises that a handle it
 * gave out stays valid across restarts of the process for as long as the
 * object exists, and that a handle of a removed object gives CHIMERA_STALE
 * (never another object: include a generation number).
 *
 * Threads. dispatch() runs on host threads: inline on the event loop that
 * asked when the op's bit is clear in blocking_ops, or on the delegation pool
 * when it is set. A module must never block in an op it did not mark as
 * blocking. thread_init() tells the module which threads exist so it can keep
 * per-thread state (a ring, an arena) without locks; dispatch() receives that
 * thread's private pointer. complete() may be called on any thread — inside
 * dispatch() itself, on a module thread, on another host thread — and the
 * core returns the completion to the loop that asked.
 *
 * Ownership. Every pointer in a request's arguments (names, data iovecs,
 * handles, the credential) belongs to the caller and stays valid until the
 * module calls complete(); a module that needs one longer copies it. Result
 * fields live in the request itself, except data: READ, READLINK, GETXATTR,
 * LISTXATTR and KV_GET write into caller-provided buffers. A buffer too
 * small for the answer gives CHIMERA_RANGE with the needed size in r_length.
 *
 * Credentials. req->cred may be NULL, meaning the host itself (uid 0, gid 0).
 * Objects a request creates belong to the credential's uid and gid unless
 * the initial attributes set UID / GID; a MODE given there is applied as is
 * (clients apply their umask before sending it). Modules that run as root
 * over a host directory must not let clients reach what only root should:
 * devices must not be opened, and xattr namespaces other than "user." (e.g.
 * security.capability, trusted.*) must be refused.
 *
 * The headers need C11 or later (the request's argument union is
 * anonymous).
 *
 * Permissions. The VFS core authorizes every request before a module sees
 * it, from req->cred and the object's attributes (its caches, or a GETATTR
 * / LOOKUP it issues first), with the rules of a local Linux file system:
 * owner / group / other mode bits with supplementary groups; search on the
 * directory for LOOKUP and LOOKUP_PARENT, read for READDIR, write + search
 * on the parent for every op that adds or removes a name; the sticky bit
 * on REMOVE and RENAME (only the owner of the directory or of the entry);
 * write on a directory that RENAME moves to another parent; hard links
 * only by the file's owner or to a regular file the caller may read and
 * write (fs.protected_hardlinks); mode, ownership, explicit times and DOS
 * attributes change only by the owner (or uid 0), a chown to another uid
 * only by uid 0, a chgrp only to a group the caller is in; setting times
 * to "now" needs ownership or write permission; device nodes only by
 * uid 0. Denials are CHIMERA_ACCES (mode bits) or CHIMERA_PERM (ownership
 * rules), as the kernel gives them. I/O without an open handle (stateless
 * NFSv3) is allowed to the file's owner whatever the mode, as Linux's NFS
 * server allows it, so a file created read-only can still be written by
 * its creator; I/O on an open handle was checked when it was opened.
 * The core also applies what a local file system does on its own: new
 * entries of a set-group-ID directory get its group (and subdirectories
 * the bit), a chmod by a caller outside the file's group drops S_ISGID, a
 * write by anyone but uid 0 and a change of owner clear S_ISUID (and
 * S_ISGID when group-executable) of a regular file. So a module without
 * CHIMERA_VFS_CAP_ENFORCES_PERMISSIONS only sees requests the caller may
 * make, and must not check again (the core's fallbacks may issue steps on
 * the caller's behalf that the caller could not issue alone, such as
 * OPEN for writing of a file it just created read-only). A module that
 * declares it (a shared backend whose server decides, such as CephFS) gets
 * every request unchecked and answers ACCES / PERM itself, and answers
 * CHIMERA_VFS_OP_ACCESS.
 *
 * Open state (ABI 1.2). Opens with share modes, byte-range locks and
 * leases live in the VFS core, once, for every protocol, so that an SMB
 * client's lease is broken by an NFSv3 WRITE and an NLM lock conflicts with
 * an NFSv4 one. Front-ends keep no such state of their own; they map their
 * protocol onto these entries:
 *   client  a front-end's client (NFSv4 clientid, SMB session, NLM host),
 *           made with chimera_vfs_api.client_create (chimera_host.h). It
 *           owns everything below; releasing it (or its expiry when it
 *           asked to expire, or SIGTERM) drops all of it.
 *   owner   opaque bytes within a client (NFSv4 open-/lock-owner, an SMB
 *           handle), at most CHIMERA_VFS_LOCK_OWNER_MAX.
 *   open    STATE_OPEN: (client, owner, object) with access and deny bits
 *           (CHIMERA_VFS_SHARE_*). A second STATE_OPEN of the same triple
 *           upgrades the same open (access and deny are OR-ed).
 *   lock    LOCK / UNLOCK / TEST_LOCK with args.lock.client set: a shared
 *           or exclusive range held by (client, owner), optionally under an
 *           open (args.lock.open).
 *   lease   asked for with STATE_OPEN (lease_level, lease_key): read (R),
 *           handle (H) and write (W) caching as in SMB 2.1; NFSv4
 *           delegations map onto them (read delegation RH, write RWH).
 *           Opens of one client with the same lease_key share one lease.
 * Conflicts. Share modes: an open conflicts with another open of the same
 * object (by anyone) when one's access meets the other's deny. A request
 * without an open (req->state_open_id 0: NFSv3, S3) meets the deny bits of
 * every open: READ and WRITE give CHIMERA_SHARE_VIOLATION when an open
 * denies READ / WRITE; REMOVE and RENAME of the object when one denies
 * DELETE. Byte-range locks are advisory (POSIX) unless taken with
 * CHIMERA_VFS_LOCK_MANDATORY (SMB): a READ overlapping another's mandatory
 * exclusive lock, or a WRITE overlapping another's mandatory lock, gives
 * CHIMERA_LOCKED. "Another's" is any lock not taken under req->state_open_id.
 * Leases break before a conflicting access from anyone but the lease's own
 * (client, lease_key) runs (a request under an open is that open's client
 * and key; one with only req->state_client_id set is that client's
 * all-zero key, as NFSv4's client-wide delegations want): READ breaks W; WRITE, a SETATTR of the size,
 * ALLOCATE, DEALLOCATE and a copy into the file break R and W; another
 * SETATTR breaks W; REMOVE and RENAME of the object (or of a file RENAME
 * replaces) break H; STATE_OPEN by another key breaks W, and R too when it
 * asks for WRITE access, and H of the opens it would conflict with. The
 * core calls the holder's front-end (chimera_protocol_module.lease_break)
 * on the client's loop, holds the conflicting request until the holder
 * acknowledges with a LEASE op at the new level or lower, or until the
 * break timeout passes (the core then revokes the lease and tells the
 * front-end with CHIMERA_VFS_BREAK_REVOKED), and then runs it. A request
 * with CHIMERA_VFS_REQ_NO_WAIT is answered CHIMERA_DELAY at once instead
 * (NFSv4's NFS4ERR_DELAY, NFSv3's JUKEBOX) while the break proceeds.
 * Grace. After a restart, when the state directory (server.state.directory)
 * holds client records from the previous run, the core is in its grace
 * period (server.state.grace_seconds) for those clients: STATE_OPEN and
 * LOCK answer CHIMERA_GRACE unless they carry CHIMERA_VFS_STATE_RECLAIM /
 * CHIMERA_VFS_LOCK_RECLAIM from a client whose name was recorded; after
 * it, reclaims answer CHIMERA_NO_GRACE. I/O without an open is not held
 * up by grace. The period ends early once every recorded client has
 * reclaimed (client_reclaim_complete) or been released.
 * Modules see none of it. The state ops (STATE_OPEN ... LOCK_CANCEL) are
 * the core's and never reach a module; LOCK, UNLOCK and TEST_LOCK reach a
 * module only when it declares CHIMERA_VFS_CAP_LOCKS (a shared backend
 * whose own servers arbitrate locks between several Chimera hosts), and a
 * module that learns its backend changed an object underneath (another
 * host wrote it) calls chimera_host.break_leases so the core breaks the
 * leases on it. A 1.0 / 1.1 module still gets LOCK first and the core
 * answers when it says NOTSUP, as before.
 *
 * What the conformance kit (chimera vfs-test) requires
 *   The kit drives the module through the real VFS core, with the core's
 *   attribute and name caches and its readdir snapshots off, so every
 *   LOOKUP, GETATTR and READDIR it sends reaches the module (a LOOKUP that
 *   always answers NOENT fails lookup.*). `chimera vfs-test --check PREFIX`
 *   runs only the checks whose name starts with PREFIX. Rules no single op
 *   states:
 *   - Function pointers. The host loads a module only when init and
 *     dispatch are non-NULL (else it refuses it, naming the file).
 *     shutdown, thread_init and thread_shutdown may be NULL: without
 *     thread_init every thread's private pointer is module_private itself;
 *     a NULL shutdown or thread_shutdown is simply not called. init may run
 *     again after shutdown in the same process (the restart checks reload
 *     the module; a shared object is never unloaded), so state that must
 *     start afresh belongs in module_private, not in globals.
 *   - Re-entry. complete() may re-enter the module: called on the thread
 *     that dispatched the request, it continues the request there and
 *     then, and the core's fallbacks and the front-end may dispatch more
 *     requests to the module before complete() returns. Call it with no
 *     lock of the module held, and touch the request no more afterwards.
 *     (Called from another thread, it only queues the request back to its
 *     loop.) readdir's emit never re-enters the module: it only copies the
 *     entry into the caller's reply, so a module may call it under its own
 *     locks.
 *   - READDIR cookies. Cookie 0 means "from the start", so a module never
 *     emits 0. Resuming from an entry's cookie (with the r_verifier of
 *     that listing) continues with the entry after it: listings in pages
 *     of 1, 7 and 1,000 entries give every entry exactly once, and an
 *     entry present throughout a listing is listed exactly once even while
 *     others are added and removed between pages
 *     (readdir.cookies-stable-across-changes, whether or not the module
 *     claims CHIMERA_VFS_CAP_STABLE_COOKIES).
 *   - Handles from an earlier start. A module without PERSISTENT_HANDLES
 *     (an in-memory one) answers a handle from before a restart with
 *     CHIMERA_STALE or CHIMERA_BADHANDLE, never with an object created
 *     since: slot or inode numbers that start again at 1 alias. Put
 *     something that differs every start (a random boot id drawn in init)
 *     in every handle and check it.
 *   Of the kit's checks, these are the ones a module's own design decides:
 *   - io.sparse: a file written only at 1 MiB (4 KiB of data) reads zeros
 *     in the hole and reports space_used below its size.
 *   - io.offset-beyond-4gib: a write at 4 GiB + 12345 succeeds, reads back,
 *     sets the size and leaves zeros in the hole before it.
 *   - fsstat.basic: max_file_size is above 4 GiB.
 *   - restart.persistent-handles (PERSISTENT_HANDLES): after a restart, and
 *     after new objects were created, a handle from before names the same
 *     object with the same data.
 *   - restart.stale-handles (no PERSISTENT_HANDLES): after a restart, and
 *     after new objects were created, a handle from an earlier start is
 *     answered CHIMERA_STALE or CHIMERA_BADHANDLE; never another object.
 *
 * Changelog
 *   1.0  First version.
 *   1.1  Permissions are checked by the core (see "Permissions");
 *        CHIMERA_VFS_CAP_ENFORCES_PERMISSIONS; CHIMERA_VFS_OP_ACCESS; the
 *        credential grows (chimera_common.h 1.1). 1.0 modules keep working
 *        and gain the core's checks.
 *   1.2  Open state in the core (see "Open state"): ops STATE_OPEN,
 *        STATE_CLOSE, STATE_DOWNGRADE, LEASE, LOCK_CANCEL; args.lock grows
 *        (client, open, flags); the request grows (state_client_id,
 *        state_open_id); CHIMERA_VFS_REQ_NO_WAIT; CHIMERA_VFS_CAP_LOCKS.
 */
#ifndef CHIMERA_VFS_H
#define CHIMERA_VFS_H

#include "chimera_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CHIMERA_VFS_ABI_MAJOR 1
#define CHIMERA_VFS_ABI_MINOR 2
#define CHIMERA_VFS_MODULE_SYMBOL "chimera_vfs_module_v1"
struct chimera_vfs_module;
typedef const struct chimera_vfs_module *(*chimera_vfs_module_entry_fn)(void);

struct chimera_host;
struct chimera_vfs_request;

/* ------------------------------------------------------------------------ */
/* Operations                                                                */
/* ------------------------------------------------------------------------ */

/*
 * In every op below, "the object" is the one named by req->fh / req->fh_len;
 * for ops on names (lookup, open_at, mkdir, remove, rename, ...) it is the
 * directory that holds the name. "Results" are fields a module sets before
 * complete(). req->r_attrs always means the attributes of the object the op
 * ends on (the new child for create-like ops), filled as far as
 * r_attrs.req_mask asks; r_dir_pre_attrs / r_dir_post_attrs are the parent
 * directory's weak-cache-consistency attributes where the op changes a
 * directory, filled when their req_mask is non-zero.
 */
typedef uint32_t chimera_vfs_op_t;

/* Attach a mount: args.mount.path is a path in the module's own name space
 * ("/" for memfs, a directory under the configured root for linux).
 * Results: r_fh (the mount's root), r_attrs. req->fh is empty. */
#define CHIMERA_VFS_OP_MOUNT            1
/* Detach the mount whose root is the object. No results. */
#define CHIMERA_VFS_OP_UMOUNT           2
/* Results: r_attrs. */
#define CHIMERA_VFS_OP_GETATTR          3
/* Change the attributes in args.setattr.attrs.valid_mask (MODE, UID, GID,
 * SIZE, ATIME, MTIME, BTIME, DOS, and the *_NOW forms). With
 * args.setattr.guard_ctime set, the module compares the object's ctime with
 * it first and fails with CHIMERA_NOT_SYNC, changing nothing, when they
 * differ (NFSv3 SETATTR guard, RFC 1813 3.3.2). An attribute the module
 * cannot set gives NOTSUP, changing nothing. If req->open_handle is set a
 * size change may use it. Results: r_pre_attrs (WCC), r_attrs. */
#define CHIMERA_VFS_OP_SETATTR          4
/* Look up args.name.name in the directory. "." and ".." are never passed;
 * the core resolves them. Results: r_fh, r_attrs, r_dir_post_attrs. */
#define CHIMERA_VFS_OP_LOOKUP           5
/* Results: r_fh and r_attrs of the directory's parent. The core answers
 * for mount roots itself (".." of a mount root is the namespace root), so a
 * module is never asked about one. */
#define CHIMERA_VFS_OP_LOOKUP_PARENT    6
/* Enumerate the directory from args.readdir.cookie (0 = start), calling
 * args.readdir.emit once per entry, in cookie order, until it returns
 * non-zero or the directory ends. "." and ".." are not emitted. Results:
 * r_dir_post_attrs, args.readdir.r_verifier, args.readdir.r_eof. */
#define CHIMERA_VFS_OP_READDIR          7
/* Open the object for I/O. A directory opens only with OPEN_DIRECTORY
 * (else ISDIR); a symlink gives LOOP; devices, FIFOs and sockets give INVAL.
 * Results: args.open.r_open_handle, r_attrs. */
#define CHIMERA_VFS_OP_OPEN             8
/* Open or create args.open_at.name in the directory, in one step (NFSv4 OPEN,
 * SMB CREATE, S3 PUT). CREATE makes a regular file (directories come from
 * MKDIR; a module may refuse CREATE|DIRECTORY with INVAL); CREATE finding a
 * non-file gives EXIST. OPEN_VERIFIER implies EXCLUSIVE, except that a
 * retry carrying the verifier the file was created with succeeds (with
 * r_created 1). Results: r_fh, r_attrs, args.open_at.r_open_handle (when
 * OPEN_READ/WRITE asked for one), args.open_at.r_created, directory WCC. */
#define CHIMERA_VFS_OP_OPEN_AT          9
/* Create an anonymous file in the directory's file system, open for writing
 * (O_TMPFILE). Results: args.create_unlinked.r_open_handle, r_fh, r_attrs. */
#define CHIMERA_VFS_OP_CREATE_UNLINKED  10
/* Give the anonymous file (req->open_handle) the name args.link_at.name in
 * directory args.link_at.dir_fh; with CHIMERA_VFS_LINK_REPLACE an existing
 * file of that name is replaced atomically. Results: r_attrs, directory
 * WCC. */
#define CHIMERA_VFS_OP_LINK_AT          11
/* Release req->open_handle. Always completes; status is informational. */
#define CHIMERA_VFS_OP_CLOSE            12
/* Read args.read.length bytes at args.read.offset into args.read.iov.
 * Results: args.read.r_length, args.read.r_eof, r_attrs. */
#define CHIMERA_VFS_OP_READ             13
/* Write args.write.iov (args.write.length bytes, which the iovecs hold at
 * least) at args.write.offset.
 * args.write.stable: CHIMERA_VFS_UNSTABLE may stay in volatile memory until
 * COMMIT; DATA_SYNC / FILE_SYNC are on stable storage before complete().
 * Results: args.write.r_length, args.write.r_stable (what was achieved, at
 * least what was asked), r_pre_attrs, r_attrs. */
#define CHIMERA_VFS_OP_WRITE            14
/* Make unstable writes in [offset, offset+length) durable (length 0 = to
 * end). Results: r_pre_attrs, r_attrs. */
#define CHIMERA_VFS_OP_COMMIT           15
/* Reserve space (fallocate). Results: r_attrs. */
#define CHIMERA_VFS_OP_ALLOCATE         16
/* Punch a hole; reads of the range then return zeros. Results: r_attrs. */
#define CHIMERA_VFS_OP_DEALLOCATE       17
/* Find the next data or hole at or after args.seek.offset (SEEK_DATA /
 * SEEK_HOLE). Results: args.seek.r_offset, args.seek.r_eof. */
#define CHIMERA_VFS_OP_SEEK             18
/* Results: r_fh, r_attrs, directory WCC. */
#define CHIMERA_VFS_OP_MKDIR            19
/* Create a device, FIFO or socket; the type is in attrs.mode, the device
 * number in attrs.rdev. The core's OPEN_AT fallback also asks for regular
 * files (S_IFREG) on modules without OPEN_AT; a module that cannot make
 * them this way answers NOTSUP. Results: r_fh, r_attrs, directory WCC. */
#define CHIMERA_VFS_OP_MKNOD            20
/* Results: r_fh, r_attrs, directory WCC. */
#define CHIMERA_VFS_OP_SYMLINK          21
/* Results: args.readlink.r_length bytes in args.readlink.buf. */
#define CHIMERA_VFS_OP_READLINK         22
/* Make the object also appear as args.link.name in args.link.dir_fh; with
 * CHIMERA_VFS_LINK_REPLACE an existing name is replaced atomically.
 * Results: r_attrs (the object, with the new nlink), directory WCC. */
#define CHIMERA_VFS_OP_LINK             23
/* Remove args.remove.name from the directory. Results: directory WCC,
 * r_fh of the removed object when the module knows it (the core uses it to
 * drop cached attributes). */
#define CHIMERA_VFS_OP_REMOVE           24
/* Rename args.rename.name in the directory to args.rename.new_name in
 * args.rename.new_dir_fh. A directory cannot move into its own subtree
 * (CHIMERA_INVAL). Results: directory WCC of the source
 * (r_dir_pre/post_attrs) and of the destination (args.rename.r_new_dir_*). */
#define CHIMERA_VFS_OP_RENAME           25
/* Copy args.copy.length bytes from the object at src_offset into
 * args.copy.dst_fh at dst_offset, inside the module. Results:
 * args.copy.r_length. */
#define CHIMERA_VFS_OP_COPY_RANGE       26
/* As COPY_RANGE, but sharing blocks (reflink); CHIMERA_NOTSUP when the
 * storage cannot. */
#define CHIMERA_VFS_OP_CLONE_RANGE      27
/* Results: args.fsstat.r_fsstat, r_attrs. */
#define CHIMERA_VFS_OP_FSSTAT           28
/* Extended attributes of the object. GET/LIST with a zero buffer length
 * return the needed size in r_length; a too-small buffer is CHIMERA_RANGE.
 * LIST writes NUL-terminated names back to back. */
#define CHIMERA_VFS_OP_GETXATTR         29
#define CHIMERA_VFS_OP_SETXATTR         30
#define CHIMERA_VFS_OP_LISTXATTR        31
#define CHIMERA_VFS_OP_REMOVEXATTR      32
/* A small module-wide key-value store, for object metadata where a module
 * has no xattrs. req->fh names some object of the module (front-ends pass a
 * mount root); it tells the core which module, and modules may ignore it.
 * CHIMERA_NODATA when the key is absent. */
#define CHIMERA_VFS_OP_KV_GET           33
#define CHIMERA_VFS_OP_KV_PUT           34
#define CHIMERA_VFS_OP_KV_DELETE        35
/* Byte-range locks with owners (NFSv4 LOCK, SMB2 LOCK, NLM). The core's
 * state table answers them unless the module declares CHIMERA_VFS_CAP_LOCKS
 * (see "Open state"). LOCK takes [offset, offset + length) for (client,
 * owner), replacing what that owner held on the range (upgrade and
 * downgrade); UNLOCK releases the range, splitting locks that cross its
 * ends. Adjacent or overlapping ranges of one owner and type merge.
 * With CHIMERA_VFS_LOCK_WAIT a conflicting LOCK waits in the core and
 * completes when granted, with CHIMERA_CANCELED (LOCK_CANCEL), with
 * CHIMERA_EXPIRED (the client went) or with CHIMERA_LOCKED after
 * server.state.lock_wait_seconds. Results on CHIMERA_LOCKED: the
 * conflicting lock in args.lock.r_conflict_*. */
#define CHIMERA_VFS_OP_LOCK             36
#define CHIMERA_VFS_OP_UNLOCK           37
#define CHIMERA_VFS_OP_TEST_LOCK        38
/* Which of args.access.requested (CHIMERA_VFS_ACCESS_*) the caller holds
 * on the object (NFSv3/v4 ACCESS, SMB maximal access, FUSE ACCESS).
 * Answered by the core from the object's attributes, with the rules of
 * "Permissions"; sent to a module only when it declares
 * CHIMERA_VFS_CAP_ENFORCES_PERMISSIONS, which must then answer it.
 * Results: args.access.r_granted, r_attrs. (ABI 1.1) */
#define CHIMERA_VFS_OP_ACCESS           39
/* Open state (ABI 1.2; see "Open state"). Answered by the core, never
 * sent to a module; the object is a regular file (or a directory, for
 * leases on it).
 * STATE_OPEN: take or upgrade the open (args.state_open.client, owner) of
 * the object with access and deny, and a lease when lease_level asks for
 * one. Breaks conflicting leases first (see "Conflicts"), then checks
 * share modes: CHIMERA_SHARE_VIOLATION, changing nothing. Results:
 * r_open (the open's id, stable while it lives), r_lease and
 * r_lease_level (what was granted: maybe less than asked, 0 for none),
 * r_lease_epoch (increases at every change of the lease's level). */
#define CHIMERA_VFS_OP_STATE_OPEN       40
/* Release args.state_close.open of args.state_close.client. Its lease goes
 * with the last open sharing it. Byte-range locks taken under the open:
 * with CHIMERA_VFS_CLOSE_RELEASE_LOCKS they are released; without it
 * CLOSE answers CHIMERA_LOCKS_HELD while there are some (NFSv4 wants them
 * unlocked first). */
#define CHIMERA_VFS_OP_STATE_CLOSE      41
/* Replace the open's access and deny with args.state_open.access / deny,
 * which must be subsets of what it has (INVAL otherwise). Uses
 * args.state_open (client, r_open as the open to change). */
#define CHIMERA_VFS_OP_STATE_DOWNGRADE  42
/* Acknowledge a break, or give a lease back: args.lease.level is the level
 * the holder keeps (a subset of what it has, 0 to return it). Answering a
 * break at or below the level it asked for ends the break. */
#define CHIMERA_VFS_OP_LEASE            43
/* Cancel a waiting LOCK (CHIMERA_VFS_LOCK_WAIT) of the same client, owner
 * and range: the waiting request completes with CHIMERA_CANCELED. NOENT
 * when no such lock waits. Uses args.lock. */
#define CHIMERA_VFS_OP_LOCK_CANCEL      44
/* Core-only ops, never sent to a module. */
/* Resolve args.lookup_path.path from the object (the namespace root when
 * req->fh_len is 0), across mounts. Results: r_fh, r_attrs. */
#define CHIMERA_VFS_OP_LOOKUP_PATH      64

#define CHIMERA_VFS_OP_MAX              64
#define CHIMERA_VFS_OP_BIT(op)          (1ull << ((op) & 63))

/* ------------------------------------------------------------------------ */
/* Per-op flags                                                              */
/* ------------------------------------------------------------------------ */

/* open / open_at flags */
#define CHIMERA_VFS_OPEN_READ         0x0001u
#define CHIMERA_VFS_OPEN_WRITE        0x0002u
#define CHIMERA_VFS_OPEN_CREATE       0x0004u   /* create if absent */
#define CHIMERA_VFS_OPEN_EXCLUSIVE    0x0008u   /* fail with EXIST if present */
#define CHIMERA_VFS_OPEN_TRUNCATE     0x0010u
#define CHIMERA_VFS_OPEN_DIRECTORY    0x0020u   /* must be a directory */
#define CHIMERA_VFS_OPEN_APPEND       0x0040u
/* Exclusive create with a verifier (NFSv3 CREATE EXCLUSIVE, RFC 1813 3.3.8):
 * the module stores args.open_at.verifier with the new file; a retried
 * create with the same verifier succeeds, another verifier gets EXIST. */
#define CHIMERA_VFS_OPEN_VERIFIER     0x0080u
/* No open handle wanted: create/lookup only. */
#define CHIMERA_VFS_OPEN_NONE         0x0100u

/* write stability (RFC 1813 stable_how) */
#define CHIMERA_VFS_UNSTABLE          0u
#define CHIMERA_VFS_DATA_SYNC         1u
#define CHIMERA_VFS_FILE_SYNC         2u

/* remove flags */
#define CHIMERA_VFS_REMOVE_DIR        0x0001u   /* must be a directory (rmdir) */
#define CHIMERA_VFS_REMOVE_NOT_DIR    0x0002u   /* must not be (unlink) */

/* rename / link_at / link flags */
#define CHIMERA_VFS_RENAME_NOREPLACE  0x0001u
#define CHIMERA_VFS_LINK_REPLACE      0x0001u

/* readdir flags */
#define CHIMERA_VFS_READDIR_ATTRS     0x0001u   /* entries carry attributes */
#define CHIMERA_VFS_READDIR_HANDLES   0x0002u   /* entries carry handles */

/* seek */
#define CHIMERA_VFS_SEEK_DATA         0u
#define CHIMERA_VFS_SEEK_HOLE         1u

/* setxattr */
#define CHIMERA_VFS_XATTR_CREATE      0x0001u
#define CHIMERA_VFS_XATTR_REPLACE     0x0002u

/* allocate */
#define CHIMERA_VFS_ALLOC_KEEP_SIZE   0x0001u

/* access bits (CHIMERA_VFS_OP_ACCESS), the meaning of POSIX's r, w, x */
#define CHIMERA_VFS_ACCESS_READ       0x0004u   /* read data, list a directory */
#define CHIMERA_VFS_ACCESS_WRITE      0x0002u   /* change data, add or remove names */
#define CHIMERA_VFS_ACCESS_EXECUTE    0x0001u   /* execute a file, search a directory */

/* lock types */
#define CHIMERA_VFS_LOCK_READ         1u
#define CHIMERA_VFS_LOCK_WRITE        2u
#define CHIMERA_VFS_LOCK_OWNER_MAX    64
/* lock flags (args.lock.flags, ABI 1.2) */
#define CHIMERA_VFS_LOCK_WAIT         0x0001u   /* wait for a conflicting lock */
#define CHIMERA_VFS_LOCK_RECLAIM      0x0002u   /* reclaim during grace */
#define CHIMERA_VFS_LOCK_MANDATORY    0x0004u   /* holds I/O off (SMB) */

/* share access and deny bits (STATE_OPEN); the values of SMB2's
 * FILE_SHARE_READ / WRITE / DELETE */
#define CHIMERA_VFS_SHARE_READ        0x0001u
#define CHIMERA_VFS_SHARE_WRITE       0x0002u
#define CHIMERA_VFS_SHARE_DELETE      0x0004u

/* lease levels, bits; the values of SMB2's lease state bits. Valid levels
 * are 0, R, RH, RW and RWH. */
#define CHIMERA_VFS_LEASE_READ        0x0001u   /* R: cache reads */
#define CHIMERA_VFS_LEASE_HANDLE      0x0002u   /* H: keep handles open */
#define CHIMERA_VFS_LEASE_WRITE       0x0004u   /* W: cache writes */
#define CHIMERA_VFS_LEASE_KEY_LEN     16

/* state flags (args.state_open.flags, args.state_close.flags) */
#define CHIMERA_VFS_STATE_RECLAIM         0x0001u   /* reclaim during grace */
#define CHIMERA_VFS_CLOSE_RELEASE_LOCKS   0x0002u   /* STATE_CLOSE: drop the
                                                       open's locks too */

/* request flags (chimera_vfs_request.flags), set by front-ends */
/* Names that start with CHIMERA_VFS_HIDDEN_PREFIX belong to front-ends (the
 * S3 front-end stages uploads under ".chimera-s3"). The core hides them:
 * READDIR skips them, LOOKUP and REMOVE answer NOENT, creating or renaming
 * onto them answers ACCES — unless the request carries this flag. Modules
 * never see the flag and treat such names like any other. */
#define CHIMERA_VFS_REQ_SHOW_HIDDEN   0x0001u
/* When a lease must be broken before the request may run, start the break
 * and answer CHIMERA_DELAY at once rather than hold the request (ABI 1.2). */
#define CHIMERA_VFS_REQ_NO_WAIT       0x0002u
#define CHIMERA_VFS_HIDDEN_PREFIX     ".chimera-"

/* ------------------------------------------------------------------------ */
/* Arguments and results                                                     */
/* ------------------------------------------------------------------------ */

/*
 * Called by a module once per directory entry during READDIR, on the thread
 * running the module, before complete(). name is not NUL-terminated. cookie
 * resumes the listing after this entry. fh/attrs may be NULL/0 when
 * READDIR_HANDLES / READDIR_ATTRS were not asked for. Returns 0 to continue,
 * non-zero when the caller's reply is full: the module then stops and
 * completes with r_eof = 0. The entry refused that way was not taken; the
 * caller resumes from the cookie of the last entry it accepted. An entry
 * whose handle the module cannot give (a mount point of another file
 * system) is emitted with fh NULL.
 */
typedef int32_t (*chimera_vfs_readdir_emit_fn)(
    struct chimera_vfs_request *req, const char *name, uint32_t name_len,
    uint64_t cookie, const uint8_t *fh, uint32_t fh_len,
    const struct chimera_attrs *attrs);

struct chimera_vfs_args_mount {
    const char *path;
    uint32_t    path_len;
};

struct chimera_vfs_args_setattr {
    struct chimera_attrs           attrs;       /* valid_mask: what to set */
    const struct chimera_timespec *guard_ctime; /* NULL: no guard */
};

struct chimera_vfs_args_name {
    const char *name;
    uint32_t    name_len;
};

struct chimera_vfs_args_readdir {
    uint64_t                    cookie;
    /* 0 to start; else the r_verifier of the call that gave the cookie. A
     * module whose cookies can go stale answers BADCOOKIE on a mismatch. */
    uint8_t                     verifier[CHIMERA_VERIFIER_LEN];
    uint32_t                    flags;       /* CHIMERA_VFS_READDIR_* */
    uint32_t                    reserved;
    chimera_vfs_readdir_emit_fn emit;
    void                       *emit_arg;    /* for the caller's emit */
    uint8_t                     r_verifier[CHIMERA_VERIFIER_LEN];
    uint32_t                    r_eof;
};

struct chimera_vfs_args_open {
    uint32_t flags;                          /* CHIMERA_VFS_OPEN_* */
    uint32_t reserved;
    uint64_t r_open_handle;
};

struct chimera_vfs_args_open_at {
    const char          *name;
    uint32_t             name_len;
    uint32_t             flags;              /* CHIMERA_VFS_OPEN_* */
    struct chimera_attrs attrs;              /* initial attributes if created */
    uint8_t              verifier[CHIMERA_VERIFIER_LEN];
    uint64_t             r_open_handle;
    uint32_t             r_created;          /* 1 when this op created it */
    uint32_t             reserved;
};

struct chimera_vfs_args_create_unlinked {
    struct chimera_attrs attrs;
    uint64_t             r_open_handle;
};

struct chimera_vfs_args_link_at {
    const uint8_t *dir_fh;
    uint32_t       dir_fh_len;
    uint32_t       flags;                    /* CHIMERA_VFS_LINK_REPLACE */
    const char    *name;
    uint32_t       name_len;
    uint32_t       reserved;
};

struct chimera_vfs_args_io {
    uint64_t            offset;
    uint32_t            length;
    uint32_t            iovcnt;
    const struct iovec *iov;       /* READ: where to put data (caller's
                                      memory, at least `length` bytes in all);
                                      WRITE: the data, any alignment */
    uint32_t            stable;    /* WRITE: CHIMERA_VFS_UNSTABLE ... */
    uint32_t            r_stable;
    uint32_t            r_length;
    uint32_t            r_eof;     /* READ: the read reached end of file */
};

struct chimera_vfs_args_range {
    uint64_t offset;
    uint64_t length;
    uint32_t flags;
    uint32_t reserved;
};

struct chimera_vfs_args_seek {
    uint64_t offset;
    uint32_t what;                           /* CHIMERA_VFS_SEEK_* */
    uint32_t r_eof;
    uint64_t r_offset;
};

struct chimera_vfs_args_create {
    const char          *name;
    uint32_t             name_len;
    uint32_t             target_len;         /* SYMLINK */
    const char          *target;             /* SYMLINK: not NUL-terminated */
    struct chimera_attrs attrs;              /* initial attributes */
};

struct chimera_vfs_args_readlink {
    char    *buf;
    uint32_t buf_len;
    uint32_t r_length;
};

struct chimera_vfs_args_link {
    const uint8_t *dir_fh;
    uint32_t       dir_fh_len;
    uint32_t       flags;
    const char    *name;
    uint32_t       name_len;
    uint32_t       reserved;
};

struct chimera_vfs_args_remove {
    const char *name;
    uint32_t    name_len;
    uint32_t    flags;                       /* CHIMERA_VFS_REMOVE_* */
};

struct chimera_vfs_args_rename {
    const char          *name;
    uint32_t             name_len;
    uint32_t             flags;              /* CHIMERA_VFS_RENAME_* */
    const uint8_t       *new_dir_fh;
    uint32_t             new_dir_fh_len;
    uint32_t             new_name_len;
    const char          *new_name;
    struct chimera_attrs r_new_dir_pre_attrs;
    struct chimera_attrs r_new_dir_post_attrs;
};

struct chimera_vfs_args_copy {
    const uint8_t *dst_fh;
    uint32_t       dst_fh_len;
    uint32_t       reserved;
    uint64_t       dst_open_handle;
    uint64_t       src_offset;
    uint64_t       dst_offset;
    uint64_t       length;
    uint64_t       r_length;
};

struct chimera_vfs_args_fsstat {
    struct chimera_fsstat r_fsstat;
};

struct chimera_vfs_args_xattr {
    const char *name;                        /* NUL-terminated */
    void       *value;                       /* GET: out; SET: in */
    uint32_t    value_len;
    uint32_t    flags;                       /* CHIMERA_VFS_XATTR_* */
    uint32_t    r_length;
    uint32_t    reserved;
};

struct chimera_vfs_args_kv {
    const void *key;
    uint32_t    key_len;
    uint32_t    value_len;
    void       *value;                       /* GET: out; PUT: in */
    uint32_t    r_length;
    uint32_t    reserved;
};

struct chimera_vfs_args_lock {
    uint8_t  owner[CHIMERA_VFS_LOCK_OWNER_MAX];
    uint32_t owner_len;
    uint32_t type;                           /* CHIMERA_VFS_LOCK_READ/WRITE */
    uint64_t offset;
    uint64_t length;                         /* UINT64_MAX: to end of file */
    uint8_t  r_conflict_owner[CHIMERA_VFS_LOCK_OWNER_MAX];
    uint32_t r_conflict_owner_len;
    uint32_t r_conflict_type;
    uint64_t r_conflict_offset;
    uint64_t r_conflict_length;
    /* ABI 1.2. client 0: the owner bytes alone name the holder (1.1). */
    uint64_t client;                         /* from client_create */
    uint64_t open;                           /* the open it is under, or 0 */
    uint32_t flags;                          /* CHIMERA_VFS_LOCK_WAIT ... */
    uint32_t reserved;
};

struct chimera_vfs_args_state_open {
    uint64_t client;                         /* from client_create */
    uint8_t  owner[CHIMERA_VFS_LOCK_OWNER_MAX];
    uint32_t owner_len;
    uint32_t access;                         /* CHIMERA_VFS_SHARE_* */
    uint32_t deny;                           /* CHIMERA_VFS_SHARE_* */
    uint32_t flags;                          /* CHIMERA_VFS_STATE_RECLAIM */
    uint32_t lease_level;                    /* CHIMERA_VFS_LEASE_* wanted */
    uint32_t reserved;
    uint8_t  lease_key[CHIMERA_VFS_LEASE_KEY_LEN];
    uint64_t r_open;                         /* DOWNGRADE: in, the open */
    uint64_t r_lease;
    uint32_t r_lease_level;
    uint32_t r_lease_epoch;
};

struct chimera_vfs_args_state_close {
    uint64_t client;
    uint64_t open;
    uint32_t flags;                          /* CHIMERA_VFS_CLOSE_* */
    uint32_t reserved;
};

struct chimera_vfs_args_lease {
    uint64_t client;
    uint64_t lease;                          /* r_lease of STATE_OPEN */
    uint32_t level;                          /* what the holder keeps */
    uint32_t r_epoch;
};

struct chimera_vfs_args_access {
    uint32_t requested;                      /* CHIMERA_VFS_ACCESS_* */
    uint32_t r_granted;                      /* the subset the caller holds */
};

struct chimera_vfs_args_lookup_path {
    const char *path;
    uint32_t    path_len;
};

/* ------------------------------------------------------------------------ */
/* The request                                                               */
/* ------------------------------------------------------------------------ */

typedef void (*chimera_vfs_complete_fn)(struct chimera_vfs_request *req);

struct chimera_vfs_request {
    uint32_t                   struct_size;  /* set by the host: the size of
                                                the request it allocated; a
                                                module reads no field past
                                                its own sizeof */
    chimera_vfs_op_t           op;
    chimera_status_t           status;       /* result: CHIMERA_OK or error */
    uint32_t                   thread_index; /* host thread that asked */

    const struct chimera_cred *cred;

    /* The object the op acts on (see the op list). */
    const uint8_t             *fh;
    uint32_t                   fh_len;
    uint32_t                   flags;        /* CHIMERA_VFS_REQ_* */
    uint64_t                   open_handle;  /* from OPEN / OPEN_AT /
                                                CREATE_UNLINKED, or 0 */

    /* Called exactly once when the op is done. Set by the caller. */
    chimera_vfs_complete_fn    complete;
    void                      *caller_data;  /* for the caller */

    /* Common results. */
    uint8_t                    r_fh[CHIMERA_FH_MAX];
    uint32_t                   r_fh_len;
    uint32_t                   reserved1;
    struct chimera_attrs       r_attrs;
    struct chimera_attrs       r_pre_attrs;
    struct chimera_attrs       r_dir_pre_attrs;
    struct chimera_attrs       r_dir_post_attrs;

    union {
        struct chimera_vfs_args_mount           mount;
        struct chimera_vfs_args_setattr         setattr;
        struct chimera_vfs_args_name            lookup;
        struct chimera_vfs_args_readdir         readdir;
        struct chimera_vfs_args_open            open;
        struct chimera_vfs_args_open_at         open_at;
        struct chimera_vfs_args_create_unlinked create_unlinked;
        struct chimera_vfs_args_link_at         link_at;
        struct chimera_vfs_args_io              read;
        struct chimera_vfs_args_io              write;
        struct chimera_vfs_args_range           commit;
        struct chimera_vfs_args_range           allocate;
        struct chimera_vfs_args_range           deallocate;
        struct chimera_vfs_args_seek            seek;
        struct chimera_vfs_args_create          mkdir;
        struct chimera_vfs_args_create          mknod;
        struct chimera_vfs_args_create          symlink;
        struct chimera_vfs_args_readlink        readlink;
        struct chimera_vfs_args_link            link;
        struct chimera_vfs_args_remove          remove;
        struct chimera_vfs_args_rename          rename;
        struct chimera_vfs_args_copy            copy;
        struct chimera_vfs_args_fsstat          fsstat;
        struct chimera_vfs_args_xattr           xattr;
        struct chimera_vfs_args_kv              kv;
        struct chimera_vfs_args_lock            lock;
        struct chimera_vfs_args_lookup_path     lookup_path;
        struct chimera_vfs_args_access          access;
        struct chimera_vfs_args_state_open      state_open;
        struct chimera_vfs_args_state_close     state_close;
        struct chimera_vfs_args_lease           lease;
        uint8_t                                 args_space[512];
    };

    /* Scratch space the module may use while it owns the request
     * (between dispatch and complete), e.g. for an io_uring user_data. */
    uint64_t                   module_scratch[8];
    /* The host's; a module never reads or writes it. */
    uint64_t                   host_scratch[16];

    /* ABI 1.2: who asks, for the core's open state ("Open state"). A
     * front-end sets them for requests made under an open (NFSv4 I/O with
     * an open stateid, SMB I/O on a handle), so that its own opens, locks
     * and lease do not count against it; 0 and 0 for a stateless caller. */
    uint64_t                   state_client_id;
    uint64_t                   state_open_id;
};

/* ------------------------------------------------------------------------ */
/* The module                                                                */
/* ------------------------------------------------------------------------ */

/* Capabilities */
#define CHIMERA_VFS_CAP_HARDLINKS          (1ull << 0)
#define CHIMERA_VFS_CAP_SYMLINKS           (1ull << 1)
#define CHIMERA_VFS_CAP_XATTRS             (1ull << 2)
#define CHIMERA_VFS_CAP_PERSISTENT_HANDLES (1ull << 3)
#define CHIMERA_VFS_CAP_KV                 (1ull << 4)
/* complete() is called on the module's own threads (not inside dispatch
 * and not on the dispatching thread). */
#define CHIMERA_VFS_CAP_OWN_THREADS        (1ull << 5)
/* The module's data survives a restart (it may then claim
 * PERSISTENT_HANDLES). */
#define CHIMERA_VFS_CAP_PERSISTENT         (1ull << 6)
/* Every object is read-only; mutating ops answer CHIMERA_ROFS. */
#define CHIMERA_VFS_CAP_READ_ONLY          (1ull << 7)
/* Every READDIR cookie the module gives stays valid while the directory
 * changes: resuming from it continues after the same entry, r_verifier
 * stays the same, and the module never answers BADCOOKIE for a cookie it
 * gave. A hint for caches and front-ends; the core does not act on it
 * today. */
#define CHIMERA_VFS_CAP_STABLE_COOKIES     (1ull << 8)
/* READ, WRITE and COMMIT work from req->fh alone: open_handle may be 0.
 * The core then opens nothing for stateless (NFSv3) I/O. */
#define CHIMERA_VFS_CAP_STATELESS_IO       (1ull << 9)

/* The module decides permissions itself (ABI 1.1): the core sends it every
 * request unchecked, with the caller's credential, and it answers ACCES /
 * PERM and CHIMERA_VFS_OP_ACCESS. Without it the core checks first (see
 * "Permissions"). */
#define CHIMERA_VFS_CAP_ENFORCES_PERMISSIONS (1ull << 10)

/* The module keeps byte-range locks itself (ABI 1.2): a shared backend
 * whose servers arbitrate locks between several hosts. The core sends it
 * LOCK, UNLOCK and TEST_LOCK (with the 1.2 args.lock fields; it answers
 * LOCK_WAIT requests when granted) instead of answering from its table.
 * Share modes and leases stay in the core. */
#define CHIMERA_VFS_CAP_LOCKS              (1ull << 11)

/* blocking_ops for a module whose every op blocks (POSIX calls). */
#define CHIMERA_VFS_ALL_OPS                (~0ull)

struct chimera_vfs_module {
    /* ABI identification: CHIMERA_VFS_ABI_MAJOR / MINOR the module was
     * built with, and sizeof(struct chimera_vfs_module) as it knew it. */
    uint32_t    abi_major;
    uint32_t    abi_minor;
    uint32_t    struct_size;
    uint32_t    reserved;
    /* Short name ("memfs"), used in logs and metrics. */
    const char *name;
    /* One line for `chimera check` and logs. */
    const char *description;

    uint64_t    capabilities;                /* CHIMERA_VFS_CAP_* */
    /* CHIMERA_VFS_OP_BIT(op) set: the op may block, so the host runs it on
     * the delegation pool. CHIMERA_VFS_ALL_OPS for a POSIX module. */
    uint64_t    blocking_ops;
    /* CHIMERA_ATTR_* the module can fill. */
    uint64_t    attr_supported;

    /*
     * Required (non-NULL), as is dispatch: the host refuses a module
     * without either. Called once, on a control thread, before any other
     * call (and again after shutdown when the module is reloaded in the
     * same process). config is the module's "config" object from the
     * server's JSON, as JSON text (NUL-terminated; "{}" when absent). host
     * stays valid until shutdown returns. On failure return non-zero and
     * write one line, naming the config key and what was expected, into
     * error (error_len bytes).
     */
    int32_t (*init)(const struct chimera_host *host, const char *config,
                    void **module_private, char *error, size_t error_len);

    /* Called once after every request completed and every thread was
     * shut down. May be NULL (nothing is called). */
    void (*shutdown)(void *module_private);

    /*
     * Called once on each host thread that will dispatch to the module,
     * before its first dispatch there: event loops are numbered
     * 0 ... loops-1, delegation threads loops ... loops+delegation-1.
     * Returns that thread's private pointer (may be module_private).
     * May be NULL: every thread's private pointer is then module_private.
     */
    void *(*thread_init)(void *module_private, uint32_t thread_index);

    /* Called on the same thread after its last dispatch. May be NULL. */
    void (*thread_shutdown)(void *thread_private);

    /* Required (non-NULL). Start the op in req. Must not block unless the
     * op is in blocking_ops. Completes with req->complete(req) exactly
     * once, with no lock of the module held: complete() may dispatch the
     * next request to the module before it returns (see "Re-entry"). */
    void (*dispatch)(void *thread_private, struct chimera_vfs_request *req);
};

#ifdef __cplusplus
}
#endif

#endif /* CHIMERA_VFS_H */
