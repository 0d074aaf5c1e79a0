/*
 * A small in-memory VFS module in plain C, built with cc against include/
 * only, for the tests that prove the conformance kit (chimera vfs-test)
 * fails broken modules. Compile-time switches make the broken variants:
 *   -DTEST_BROKEN_LOOKUP  LOOKUP always answers CHIMERA_NOENT (everything
 *                         else works): only a kit that reaches the module
 *                         for its LOOKUPs, not the core's name cache, sees it
 *   -DTEST_ALIAS_HANDLES  handles are bare slot numbers, and every start
 *                         hands out slots from 1 again: after a restart an
 *                         old handle names whatever new object took its slot
 * Without either it is the good module: a handle carries this start's boot
 * id, the slot and the slot's generation, so a handle of a removed object
 * or of an earlier start is CHIMERA_STALE, never another object.
 *
 * Not persistent (no CHIMERA_VFS_CAP_PERSISTENT*): a restart starts empty.
 * One mutex guards everything; no op blocks long, so blocking_ops is 0.
 * File data lives in 64 KiB chunks allocated on first write (holes cost
 * nothing and read as zeros); a removed file that is still open lives on,
 * nameless, until its last CLOSE. No hard links, symlinks or xattrs.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chimera_vfs.h"

#define MEMC_SLOTS     (1u << 16)
#define MEMC_FILE_MAX  (1ull << 40)
#define MEMC_CHUNK     (64u << 10)
#define MEMC_ORPHAN    UINT32_MAX        /* parent of a removed, still open object */
#define MEMC_ATTRS                                                                                              \
    (CHIMERA_ATTR_STAT | CHIMERA_ATTR_GENERATION | CHIMERA_ATTR_CHANGE | CHIMERA_ATTR_BTIME)

struct memc_object {
    uint32_t                used;
    uint32_t                gen;          /* bumped every time the slot is reused */
    uint32_t                mode, nlink, uid, gid;
    uint32_t                parent;       /* slot of the directory holding it */
    uint32_t                name_len;
    char                   *name;
    uint8_t               **chunks;       /* MEMC_CHUNK bytes each, NULL: a hole */
    uint64_t                nchunks;      /* entries in chunks */
    uint64_t                allocated;    /* non-NULL chunks */
    uint64_t                size;
    uint32_t                opens;        /* OPENs not yet CLOSEd */
    uint64_t                change;
    uint8_t                 verifier[CHIMERA_VERIFIER_LEN];
    uint32_t                has_verifier;
    struct chimera_timespec atime, mtime, ctime, btime;
};

struct memc {
    pthread_mutex_t     lock;
    uint64_t            boot;             /* differs every start */
    uint64_t            change;
    uint32_t            free_hint;        /* no free slot below it */
    struct memc_object *objects;          /* MEMC_SLOTS; slot 0 is the root */
};

static struct chimera_timespec memc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct chimera_timespec t = {.sec = ts.tv_sec, .nsec = (uint32_t)ts.tv_nsec, .reserved = 0};
    return t;
}

static int is_dir(const struct memc_object *o) { return (o->mode & CHIMERA_S_IFMT) == CHIMERA_S_IFDIR; }

/* ---------------------------------------------------------------- data */

static void data_read(const struct memc_object *o, uint64_t off, uint8_t *buf, uint64_t n)
{
    while (n > 0) {
        uint64_t c = off / MEMC_CHUNK, in = off % MEMC_CHUNK, k = MEMC_CHUNK - in < n ? MEMC_CHUNK - in : n;
        if (c < o->nchunks && o->chunks[c] != NULL) {
            memcpy(buf, o->chunks[c] + in, k);
        } else {
            memset(buf, 0, k);
        }
        buf += k;
        off += k;
        n -= k;
    }
}

static int data_write(struct memc_object *o, uint64_t off, const uint8_t *buf, uint64_t n)
{
    uint64_t need = n ? (off + n - 1) / MEMC_CHUNK + 1 : 0;
    if (need > o->nchunks) {
        uint8_t **grown = realloc(o->chunks, need * sizeof(*grown));
        if (grown == NULL) {
            return -1;
        }
        memset(grown + o->nchunks, 0, (need - o->nchunks) * sizeof(*grown));
        o->chunks = grown;
        o->nchunks = need;
    }
    while (n > 0) {
        uint64_t c = off / MEMC_CHUNK, in = off % MEMC_CHUNK, k = MEMC_CHUNK - in < n ? MEMC_CHUNK - in : n;
        if (o->chunks[c] == NULL) {
            if ((o->chunks[c] = calloc(1, MEMC_CHUNK)) == NULL) {
                return -1;
            }
            o->allocated++;
        }
        memcpy(o->chunks[c] + in, buf, k);
        buf += k;
        off += k;
        n -= k;
    }
    return 0;
}

/* Cut to `size`: free whole chunks past it and zero the rest of the last
 * one, so that growing again later reads zeros. */
static void data_truncate(struct memc_object *o, uint64_t size)
{
    for (uint64_t c = (size + MEMC_CHUNK - 1) / MEMC_CHUNK; c < o->nchunks; c++) {
        if (o->chunks[c] != NULL) {
            free(o->chunks[c]);
            o->chunks[c] = NULL;
            o->allocated--;
        }
    }
    uint64_t last = size / MEMC_CHUNK;
    if (size % MEMC_CHUNK && last < o->nchunks && o->chunks[last] != NULL) {
        memset(o->chunks[last] + size % MEMC_CHUNK, 0, MEMC_CHUNK - size % MEMC_CHUNK);
    }
    o->size = size;
}

static void data_free(struct memc_object *o)
{
    for (uint64_t c = 0; c < o->nchunks; c++) {
        free(o->chunks[c]);
    }
    free(o->chunks);
    o->chunks = NULL;
    o->nchunks = o->allocated = 0;
}

static void touch(struct memc *m, struct memc_object *o, int data)
{
    struct chimera_timespec now = memc_now();
    if (data) {
        o->mtime = now;
    }
    o->ctime = now;
    o->change = ++m->change;
}

/* ----------------------------------------------------------------- handles */

static uint32_t handle_of(const struct memc *m, uint32_t slot, uint8_t *fh)
{
#ifdef TEST_ALIAS_HANDLES
    (void)m;
    memcpy(fh, &slot, 4);
    return 4;
#else
    memcpy(fh, &m->boot, 8);
    memcpy(fh + 8, &slot, 4);
    memcpy(fh + 12, &m->objects[slot].gen, 4);
    return 16;
#endif
}

/* The object a handle names, or NULL with *status BADHANDLE / STALE. */
static struct memc_object *resolve(struct memc *m, const uint8_t *fh, uint32_t len, uint32_t *slot_out,
                                   chimera_status_t *status)
{
    uint32_t slot, gen = 0;
#ifdef TEST_ALIAS_HANDLES
    if (len != 4) {
        *status = CHIMERA_BADHANDLE;
        return NULL;
    }
    memcpy(&slot, fh, 4);
#else
    uint64_t boot;
    if (len != 16) {
        *status = CHIMERA_BADHANDLE;
        return NULL;
    }
    memcpy(&boot, fh, 8);
    memcpy(&slot, fh + 8, 4);
    memcpy(&gen, fh + 12, 4);
    if (boot != m->boot) {
        *status = CHIMERA_STALE;  /* a handle from an earlier start */
        return NULL;
    }
#endif
    if (slot >= MEMC_SLOTS) {
        *status = CHIMERA_BADHANDLE;
        return NULL;
    }
    struct memc_object *o = &m->objects[slot];
#ifdef TEST_ALIAS_HANDLES
    gen = o->gen;
#endif
    if (!o->used || o->gen != gen) {
        *status = CHIMERA_STALE;
        return NULL;
    }
    *slot_out = slot;
    return o;
}

/* -------------------------------------------------------------- attributes */

static void fill(const struct memc *m, uint32_t slot, struct chimera_attrs *a)
{
    const struct memc_object *o = &m->objects[slot];
    uint64_t req = a->req_mask;
    memset(a, 0, sizeof(*a));
    a->req_mask = req;
    a->valid_mask = MEMC_ATTRS;
    a->mode = o->mode;
    a->nlink = o->nlink;
    a->uid = o->uid;
    a->gid = o->gid;
    a->size = o->size;
    a->space_used = o->allocated * MEMC_CHUNK;
    a->fileid = (uint64_t)slot + 1;
    a->generation = o->gen;
    a->change = o->change;
    a->atime = o->atime;
    a->mtime = o->mtime;
    a->ctime = o->ctime;
    a->btime = o->btime;
}

static void fill_if(const struct memc *m, uint32_t slot, struct chimera_attrs *a)
{
    if (a->req_mask) {
        fill(m, slot, a);
    }
}

/* ------------------------------------------------------------------- names */

static chimera_status_t check_name(const char *name, uint32_t len)
{
    if (len > CHIMERA_NAME_MAX) {
        return CHIMERA_NAMETOOLONG;
    }
    if (len == 0 || memchr(name, '/', len) || memchr(name, 0, len)) {
        return CHIMERA_INVAL;
    }
    return CHIMERA_OK;
}

static int64_t find(const struct memc *m, uint32_t dir, const char *name, uint32_t len)
{
    for (uint32_t i = 1; i < MEMC_SLOTS; i++) {
        const struct memc_object *o = &m->objects[i];
        if (o->used && o->parent == dir && o->name_len == len && memcmp(o->name, name, len) == 0) {
            return i;
        }
    }
    return -1;
}

static int64_t make(struct memc *m, uint32_t dir, const char *name, uint32_t len, uint32_t mode,
                    const struct chimera_attrs *attrs, const struct chimera_cred *cred)
{
    uint32_t slot = m->free_hint;
    while (slot < MEMC_SLOTS && m->objects[slot].used) {
        slot++;
    }
    if (slot >= MEMC_SLOTS) {
        return -1;
    }
    m->free_hint = slot + 1;
    struct memc_object *o = &m->objects[slot];
    uint32_t gen = o->gen + 1;
    memset(o, 0, sizeof(*o));
    o->gen = gen;
    o->name = malloc(len ? len : 1);
    if (o->name == NULL) {
        return -1;
    }
    memcpy(o->name, name, len);
    o->name_len = len;
    o->used = 1;
    o->parent = dir;
    o->mode = mode;
    if (attrs != NULL && (attrs->valid_mask & CHIMERA_ATTR_MODE)) {
        o->mode = (mode & CHIMERA_S_IFMT) | (attrs->mode & 07777);
    }
    o->uid = cred ? cred->uid : 0;
    o->gid = cred ? cred->gid : 0;
    if (attrs != NULL && (attrs->valid_mask & CHIMERA_ATTR_UID)) {
        o->uid = attrs->uid;
    }
    if (attrs != NULL && (attrs->valid_mask & CHIMERA_ATTR_GID)) {
        o->gid = attrs->gid;
    }
    o->nlink = is_dir(o) ? 2 : 1;
    o->btime = o->atime = memc_now();
    touch(m, o, 1);
    struct memc_object *parent = &m->objects[dir];
    if (is_dir(o)) {
        parent->nlink++;
    }
    touch(m, parent, 1);
    return slot;
}

static void release(struct memc *m, uint32_t slot)
{
    struct memc_object *o = &m->objects[slot];
    free(o->name);
    o->name = NULL;
    data_free(o);
    o->used = 0;
    if (slot < m->free_hint) {
        m->free_hint = slot;
    }
}

/* --------------------------------------------------------------------- ops */

static chimera_status_t op_lookup(struct memc *m, uint32_t dir, struct chimera_vfs_request *req)
{
    chimera_status_t st = check_name(req->lookup.name, req->lookup.name_len);
    if (st != CHIMERA_OK) {
        return st;
    }
    if (!is_dir(&m->objects[dir])) {
        return CHIMERA_NOTDIR;
    }
#ifdef TEST_BROKEN_LOOKUP
    return CHIMERA_NOENT;
#else
    int64_t child = find(m, dir, req->lookup.name, req->lookup.name_len);
    if (child < 0) {
        return CHIMERA_NOENT;
    }
    req->r_fh_len = handle_of(m, (uint32_t)child, req->r_fh);
    fill(m, (uint32_t)child, &req->r_attrs);
    fill_if(m, dir, &req->r_dir_post_attrs);
    return CHIMERA_OK;
#endif
}

/* Cookies: an entry's cookie is its slot number (never 0, which is the
 * root's slot and means "from the start"); entries come in slot order, so a
 * cookie stays valid while other entries come and go. */
static chimera_status_t op_readdir(struct memc *m, uint32_t dir, struct chimera_vfs_request *req)
{
    if (!is_dir(&m->objects[dir])) {
        return CHIMERA_NOTDIR;
    }
    struct chimera_vfs_args_readdir *a = &req->readdir;
    memcpy(a->r_verifier, &m->boot, sizeof(a->r_verifier));
    a->r_eof = 1;
    for (uint64_t i = a->cookie + 1; i < MEMC_SLOTS; i++) {
        const struct memc_object *o = &m->objects[i];
        if (!o->used || o->parent != dir) {
            continue;
        }
        uint8_t fh[CHIMERA_MODULE_FH_MAX];
        uint32_t fh_len = handle_of(m, (uint32_t)i, fh);
        struct chimera_attrs attrs;
        attrs.req_mask = MEMC_ATTRS;
        fill(m, (uint32_t)i, &attrs);
        if (a->emit(req, o->name, o->name_len, i, fh, fh_len, &attrs) != 0) {
            a->r_eof = 0;
            break;
        }
    }
    fill_if(m, dir, &req->r_dir_post_attrs);
    return CHIMERA_OK;
}

static chimera_status_t op_open_at(struct memc *m, uint32_t dir, struct chimera_vfs_request *req)
{
    struct chimera_vfs_args_open_at *a = &req->open_at;
    chimera_status_t st = check_name(a->name, a->name_len);
    if (st != CHIMERA_OK) {
        return st;
    }
    if (!is_dir(&m->objects[dir])) {
        return CHIMERA_NOTDIR;
    }
    fill_if(m, dir, &req->r_dir_pre_attrs);
    int64_t slot = find(m, dir, a->name, a->name_len);
    a->r_created = 0;
    if (slot >= 0) {
        struct memc_object *o = &m->objects[slot];
        if (a->flags & CHIMERA_VFS_OPEN_VERIFIER) {
            if (!o->has_verifier || memcmp(o->verifier, a->verifier, sizeof(o->verifier)) != 0) {
                return CHIMERA_EXIST;
            }
            a->r_created = 1;
        } else if ((a->flags & CHIMERA_VFS_OPEN_CREATE) && (a->flags & CHIMERA_VFS_OPEN_EXCLUSIVE)) {
            return CHIMERA_EXIST;
        } else if ((a->flags & CHIMERA_VFS_OPEN_CREATE) && is_dir(o)) {
            return CHIMERA_EXIST;
        } else if ((a->flags & CHIMERA_VFS_OPEN_DIRECTORY) && !is_dir(o)) {
            return CHIMERA_NOTDIR;
        } else if (is_dir(o) && !(a->flags & (CHIMERA_VFS_OPEN_DIRECTORY | CHIMERA_VFS_OPEN_NONE))) {
            return CHIMERA_ISDIR;
        }
        if ((a->flags & CHIMERA_VFS_OPEN_TRUNCATE) && !is_dir(o) && o->size) {
            data_truncate(o, 0);
            touch(m, o, 1);
        }
    } else {
        if (!(a->flags & CHIMERA_VFS_OPEN_CREATE)) {
            return CHIMERA_NOENT;
        }
        if (a->flags & CHIMERA_VFS_OPEN_DIRECTORY) {
            return CHIMERA_INVAL;
        }
        slot = make(m, dir, a->name, a->name_len, CHIMERA_S_IFREG | 0644, &a->attrs, req->cred);
        if (slot < 0) {
            return CHIMERA_NOSPC;
        }
        if (a->flags & CHIMERA_VFS_OPEN_VERIFIER) {
            memcpy(m->objects[slot].verifier, a->verifier, sizeof(a->verifier));
            m->objects[slot].has_verifier = 1;
        }
        a->r_created = 1;
    }
    a->r_open_handle = 0;
    if (!(a->flags & CHIMERA_VFS_OPEN_NONE)) {
        a->r_open_handle = (uint64_t)slot + 1;
        m->objects[slot].opens++;
    }
    req->r_fh_len = handle_of(m, (uint32_t)slot, req->r_fh);
    fill(m, (uint32_t)slot, &req->r_attrs);
    fill_if(m, dir, &req->r_dir_post_attrs);
    return CHIMERA_OK;
}

static chimera_status_t op_io(struct memc *m, uint32_t slot, struct chimera_vfs_request *req, int write)
{
    struct memc_object *o = &m->objects[slot];
    if (is_dir(o)) {
        return CHIMERA_ISDIR;
    }
    struct chimera_vfs_args_io *a = write ? &req->write : &req->read;
    uint64_t off = a->offset, want = a->length, done = 0;
    if (write) {
        fill_if(m, slot, &req->r_pre_attrs);
        if (off + want > MEMC_FILE_MAX || off + want < off) {
            return CHIMERA_FBIG;
        }
    } else if (off >= o->size) {
        want = 0;
    } else if (off + want > o->size) {
        want = o->size - off;
    }
    for (uint32_t i = 0; i < a->iovcnt && done < want; i++) {
        uint64_t n = a->iov[i].iov_len < want - done ? a->iov[i].iov_len : want - done;
        if (write) {
            if (data_write(o, off + done, a->iov[i].iov_base, n) != 0) {
                return CHIMERA_NOSPC;
            }
        } else {
            data_read(o, off + done, a->iov[i].iov_base, n);
        }
        done += n;
    }
    if (write && off + done > o->size) {
        o->size = off + done;
    }
    a->r_length = (uint32_t)done;
    if (write) {
        a->r_stable = CHIMERA_VFS_FILE_SYNC;
        touch(m, o, 1);
    } else {
        a->r_eof = off + done >= o->size;
    }
    fill_if(m, slot, &req->r_attrs);
    return CHIMERA_OK;
}

static chimera_status_t op_setattr(struct memc *m, uint32_t slot, struct chimera_vfs_request *req)
{
    struct memc_object *o = &m->objects[slot];
    const struct chimera_attrs *a = &req->setattr.attrs;
    uint64_t known = CHIMERA_ATTR_MODE | CHIMERA_ATTR_UID | CHIMERA_ATTR_GID | CHIMERA_ATTR_SIZE |
                     CHIMERA_ATTR_ATIME | CHIMERA_ATTR_MTIME | CHIMERA_ATTR_BTIME | CHIMERA_ATTR_ATIME_NOW |
                     CHIMERA_ATTR_MTIME_NOW;
    if (a->valid_mask & ~known) {
        return CHIMERA_NOTSUP;
    }
    const struct chimera_timespec *guard = req->setattr.guard_ctime;
    if (guard && (guard->sec != o->ctime.sec || guard->nsec != o->ctime.nsec)) {
        return CHIMERA_NOT_SYNC;
    }
    if ((a->valid_mask & CHIMERA_ATTR_SIZE) && is_dir(o)) {
        return CHIMERA_ISDIR;
    }
    if ((a->valid_mask & CHIMERA_ATTR_SIZE) && a->size > MEMC_FILE_MAX) {
        return CHIMERA_FBIG;
    }
    fill_if(m, slot, &req->r_pre_attrs);
    struct chimera_timespec now = memc_now();
    if (a->valid_mask & CHIMERA_ATTR_SIZE) {
        data_truncate(o, a->size);
        o->mtime = now;
    }
    if (a->valid_mask & CHIMERA_ATTR_MODE) {
        o->mode = (o->mode & CHIMERA_S_IFMT) | (a->mode & 07777);
    }
    if (a->valid_mask & CHIMERA_ATTR_UID) {
        o->uid = a->uid;
    }
    if (a->valid_mask & CHIMERA_ATTR_GID) {
        o->gid = a->gid;
    }
    if (a->valid_mask & CHIMERA_ATTR_ATIME) {
        o->atime = a->atime;
    }
    if (a->valid_mask & CHIMERA_ATTR_ATIME_NOW) {
        o->atime = now;
    }
    if (a->valid_mask & CHIMERA_ATTR_MTIME) {
        o->mtime = a->mtime;
    }
    if (a->valid_mask & CHIMERA_ATTR_MTIME_NOW) {
        o->mtime = now;
    }
    if (a->valid_mask & CHIMERA_ATTR_BTIME) {
        o->btime = a->btime;
    }
    o->ctime = now;
    o->change = ++m->change;
    fill(m, slot, &req->r_attrs);
    return CHIMERA_OK;
}

static chimera_status_t op_mkdir(struct memc *m, uint32_t dir, struct chimera_vfs_request *req)
{
    struct chimera_vfs_args_create *a = &req->mkdir;
    chimera_status_t st = check_name(a->name, a->name_len);
    if (st != CHIMERA_OK) {
        return st;
    }
    if (!is_dir(&m->objects[dir])) {
        return CHIMERA_NOTDIR;
    }
    if (find(m, dir, a->name, a->name_len) >= 0) {
        return CHIMERA_EXIST;
    }
    fill_if(m, dir, &req->r_dir_pre_attrs);
    int64_t slot = make(m, dir, a->name, a->name_len, CHIMERA_S_IFDIR | 0755, &a->attrs, req->cred);
    if (slot < 0) {
        return CHIMERA_NOSPC;
    }
    req->r_fh_len = handle_of(m, (uint32_t)slot, req->r_fh);
    fill(m, (uint32_t)slot, &req->r_attrs);
    fill_if(m, dir, &req->r_dir_post_attrs);
    return CHIMERA_OK;
}

static chimera_status_t op_remove(struct memc *m, uint32_t dir, struct chimera_vfs_request *req)
{
    struct chimera_vfs_args_remove *a = &req->remove;
    chimera_status_t st = check_name(a->name, a->name_len);
    if (st != CHIMERA_OK) {
        return st;
    }
    if (!is_dir(&m->objects[dir])) {
        return CHIMERA_NOTDIR;
    }
    int64_t slot = find(m, dir, a->name, a->name_len);
    if (slot < 0) {
        return CHIMERA_NOENT;
    }
    struct memc_object *o = &m->objects[slot];
    if ((a->flags & CHIMERA_VFS_REMOVE_DIR) && !is_dir(o)) {
        return CHIMERA_NOTDIR;
    }
    if ((a->flags & CHIMERA_VFS_REMOVE_NOT_DIR) && is_dir(o)) {
        return CHIMERA_ISDIR;
    }
    if (is_dir(o)) {
        for (uint32_t i = 1; i < MEMC_SLOTS; i++) {
            if (m->objects[i].used && m->objects[i].parent == (uint32_t)slot) {
                return CHIMERA_NOTEMPTY;
            }
        }
        m->objects[dir].nlink--;
    }
    fill_if(m, dir, &req->r_dir_pre_attrs);
    req->r_fh_len = handle_of(m, (uint32_t)slot, req->r_fh);
    if (o->opens > 0) {
        o->parent = MEMC_ORPHAN;  /* nameless until its last CLOSE */
        o->nlink = 0;
        touch(m, o, 0);
    } else {
        release(m, (uint32_t)slot);
    }
    touch(m, &m->objects[dir], 1);
    fill_if(m, dir, &req->r_dir_post_attrs);
    return CHIMERA_OK;
}

static int dir_empty(const struct memc *m, uint32_t dir)
{
    for (uint32_t i = 1; i < MEMC_SLOTS; i++) {
        if (m->objects[i].used && m->objects[i].parent == dir) {
            return 0;
        }
    }
    return 1;
}

static chimera_status_t op_rename(struct memc *m, uint32_t dir, struct chimera_vfs_request *req)
{
    struct chimera_vfs_args_rename *a = &req->rename;
    chimera_status_t st = check_name(a->name, a->name_len);
    if (st == CHIMERA_OK) {
        st = check_name(a->new_name, a->new_name_len);
    }
    if (st != CHIMERA_OK) {
        return st;
    }
    uint32_t to = 0;
    struct memc_object *target_dir = resolve(m, a->new_dir_fh, a->new_dir_fh_len, &to, &st);
    if (target_dir == NULL) {
        return st;
    }
    if (!is_dir(&m->objects[dir]) || !is_dir(target_dir)) {
        return CHIMERA_NOTDIR;
    }
    int64_t src = find(m, dir, a->name, a->name_len);
    if (src < 0) {
        return CHIMERA_NOENT;
    }
    struct memc_object *o = &m->objects[src];
    int64_t dst = find(m, to, a->new_name, a->new_name_len);
    if (dst == src) {
        return CHIMERA_OK;  /* onto itself: nothing changes */
    }
    if (is_dir(o)) {
        /* not into its own subtree: walk up from the target directory */
        for (uint32_t p = to; p != 0 && p != MEMC_ORPHAN; p = m->objects[p].parent) {
            if (p == (uint32_t)src) {
                return CHIMERA_INVAL;
            }
        }
    }
    if (dst >= 0) {
        struct memc_object *d = &m->objects[dst];
        if (a->flags & CHIMERA_VFS_RENAME_NOREPLACE) {
            return CHIMERA_EXIST;
        }
        if (is_dir(o) && !is_dir(d)) {
            return CHIMERA_NOTDIR;
        }
        if (!is_dir(o) && is_dir(d)) {
            return CHIMERA_ISDIR;
        }
        if (is_dir(d) && !dir_empty(m, (uint32_t)dst)) {
            return CHIMERA_NOTEMPTY;
        }
    }
    char *name = malloc(a->new_name_len ? a->new_name_len : 1);
    if (name == NULL) {
        return CHIMERA_NOSPC;
    }
    fill_if(m, dir, &req->r_dir_pre_attrs);
    fill_if(m, to, &a->r_new_dir_pre_attrs);
    if (dst >= 0) {
        struct memc_object *d = &m->objects[dst];
        if (is_dir(d)) {
            target_dir->nlink--;
        }
        if (d->opens > 0) {
            d->parent = MEMC_ORPHAN;
            d->nlink = 0;
            touch(m, d, 0);
        } else {
            release(m, (uint32_t)dst);
        }
    }
    if (is_dir(o) && to != dir) {
        m->objects[dir].nlink--;
        target_dir->nlink++;
    }
    memcpy(name, a->new_name, a->new_name_len);
    free(o->name);
    o->name = name;
    o->name_len = a->new_name_len;
    o->parent = to;
    touch(m, o, 0);
    touch(m, &m->objects[dir], 1);
    touch(m, target_dir, 1);
    fill_if(m, dir, &req->r_dir_post_attrs);
    fill_if(m, to, &a->r_new_dir_post_attrs);
    return CHIMERA_OK;
}

static chimera_status_t dispatch_locked(struct memc *m, struct chimera_vfs_request *req)
{
    uint32_t slot = 0;
    chimera_status_t st = CHIMERA_OK;
    if (req->op == CHIMERA_VFS_OP_MOUNT) {
        req->r_fh_len = handle_of(m, 0, req->r_fh);
        fill(m, 0, &req->r_attrs);
        return CHIMERA_OK;
    }
    if (req->op == CHIMERA_VFS_OP_CLOSE) {
        uint64_t h = req->open_handle;
        if (h >= 1 && h <= MEMC_SLOTS && m->objects[h - 1].used && m->objects[h - 1].opens > 0) {
            struct memc_object *o = &m->objects[h - 1];
            if (--o->opens == 0 && o->parent == MEMC_ORPHAN) {
                release(m, (uint32_t)(h - 1));
            }
        }
        return CHIMERA_OK;
    }
    struct memc_object *o = resolve(m, req->fh, req->fh_len, &slot, &st);
    if (o == NULL) {
        return st;
    }
    switch (req->op) {
    case CHIMERA_VFS_OP_UMOUNT:
        return CHIMERA_OK;
    case CHIMERA_VFS_OP_GETATTR:
        fill(m, slot, &req->r_attrs);
        return CHIMERA_OK;
    case CHIMERA_VFS_OP_SETATTR:
        return op_setattr(m, slot, req);
    case CHIMERA_VFS_OP_LOOKUP:
        return op_lookup(m, slot, req);
    case CHIMERA_VFS_OP_LOOKUP_PARENT:
        if (!is_dir(o)) {
            return CHIMERA_NOTDIR;
        }
        if (o->parent == MEMC_ORPHAN) {
            return CHIMERA_STALE;
        }
        req->r_fh_len = handle_of(m, o->parent, req->r_fh);
        fill(m, o->parent, &req->r_attrs);
        return CHIMERA_OK;
    case CHIMERA_VFS_OP_READDIR:
        return op_readdir(m, slot, req);
    case CHIMERA_VFS_OP_OPEN:
        if (is_dir(o) && !(req->open.flags & CHIMERA_VFS_OPEN_DIRECTORY)) {
            return CHIMERA_ISDIR;
        }
        if (!is_dir(o) && (req->open.flags & CHIMERA_VFS_OPEN_DIRECTORY)) {
            return CHIMERA_NOTDIR;
        }
        req->open.r_open_handle = (uint64_t)slot + 1;
        o->opens++;
        fill_if(m, slot, &req->r_attrs);
        return CHIMERA_OK;
    case CHIMERA_VFS_OP_OPEN_AT:
        return op_open_at(m, slot, req);
    case CHIMERA_VFS_OP_READ:
        return op_io(m, slot, req, 0);
    case CHIMERA_VFS_OP_WRITE:
        return op_io(m, slot, req, 1);
    case CHIMERA_VFS_OP_COMMIT:
        fill_if(m, slot, &req->r_pre_attrs);
        fill_if(m, slot, &req->r_attrs);
        return CHIMERA_OK;
    case CHIMERA_VFS_OP_MKDIR:
        return op_mkdir(m, slot, req);
    case CHIMERA_VFS_OP_RENAME:
        return op_rename(m, slot, req);
    case CHIMERA_VFS_OP_READLINK:
        return CHIMERA_INVAL;  /* nothing here is a symlink */
    case CHIMERA_VFS_OP_REMOVE:
        return op_remove(m, slot, req);
    case CHIMERA_VFS_OP_FSSTAT: {
        struct chimera_fsstat *f = &req->fsstat.r_fsstat;
        memset(f, 0, sizeof(*f));
        f->total_bytes = f->free_bytes = f->avail_bytes = 1ull << 30;
        f->total_files = MEMC_SLOTS;
        f->free_files = f->avail_files = MEMC_SLOTS / 2;
        f->max_name = CHIMERA_NAME_MAX;
        f->max_file_size = MEMC_FILE_MAX;
        f->time_delta.nsec = 1;
        fill_if(m, slot, &req->r_attrs);
        return CHIMERA_OK;
    }
    default:
        return CHIMERA_NOTSUP;
    }
}

/* ------------------------------------------------------------------ module */

static int32_t memc_init(const struct chimera_host *host, const char *config, void **module_private, char *error,
                         size_t error_len)
{
    (void)host;
    (void)config;
    struct memc *m = calloc(1, sizeof(*m));
    if (m != NULL) {
        m->objects = calloc(MEMC_SLOTS, sizeof(*m->objects));
    }
    if (m == NULL || m->objects == NULL) {
        free(m);
        snprintf(error, error_len, "out of memory");
        return -1;
    }
    pthread_mutex_init(&m->lock, NULL);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    m->boot = ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)(uintptr_t)m << 7);
    m->free_hint = 1;
    struct memc_object *root = &m->objects[0];
    root->used = 1;
    root->gen = 1;
    root->mode = CHIMERA_S_IFDIR | 0777;
    root->nlink = 2;
    root->name = NULL;
    root->btime = root->atime = memc_now();
    touch(m, root, 1);
    *module_private = m;
    return 0;
}

static void memc_shutdown(void *module_private)
{
    struct memc *m = module_private;
    for (uint32_t i = 0; i < MEMC_SLOTS; i++) {
        free(m->objects[i].name);
        data_free(&m->objects[i]);
    }
    free(m->objects);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static void memc_dispatch(void *thread_private, struct chimera_vfs_request *req)
{
    struct memc *m = thread_private;
    pthread_mutex_lock(&m->lock);
    req->status = dispatch_locked(m, req);
    pthread_mutex_unlock(&m->lock);
    /* After the unlock: complete() may dispatch the next request at once. */
    req->complete(req);
}

static const struct chimera_vfs_module memc_module = {
    .abi_major = CHIMERA_VFS_ABI_MAJOR,
    .abi_minor = CHIMERA_VFS_ABI_MINOR,
    .struct_size = sizeof(struct chimera_vfs_module),
#if defined(TEST_BROKEN_LOOKUP)
    .name = "cmem_broken_lookup",
    .description = "kit test module in C: in-memory, LOOKUP always answers NOENT",
#elif defined(TEST_ALIAS_HANDLES)
    .name = "cmem_alias_handles",
    .description = "kit test module in C: in-memory, handles alias new objects after a restart",
#else
    .name = "cmem",
    .description = "kit test module in C: in-memory, not persistent",
#endif
    .capabilities = CHIMERA_VFS_CAP_STATELESS_IO,
    .blocking_ops = 0,
    .attr_supported = MEMC_ATTRS,
    .init = memc_init,
    /* NULL thread_init: dispatch() then receives module_private itself. */
    .shutdown = memc_shutdown,
    .dispatch = memc_dispatch,
};

CHIMERA_EXPORT const struct chimera_vfs_module *chimera_vfs_module_v1(void)
{
    return &memc_module;
}
