/*
 * nfsload: the benchmark's NFSv3 load client, on libnfs's raw async API.
 *
 * Independent of the server code: it speaks MOUNT3 and NFSv3 through libnfs
 * (Debian's libnfs-dev) and nothing of Chimera's. One thread drives N
 * connections ("contexts") with up to D requests in flight on each, using
 * poll(2) over the contexts' sockets. Every reply is checked (status, and
 * for the directory load the entry count against what was created), so a
 * fast wrong answer fails the load instead of winning it.
 *
 *   nfsload [common options] LOAD [load options]
 *
 * common:  --host H (127.0.0.1) --port P --mount-port Q --export /PATH
 *          --contexts N --depth D --timeout S (hard bound on the whole run)
 * loads:
 *   smallfiles --dir NAME --files N     CREATE+WRITE 4 KiB FILE_SYNC, then LOOKUP
 *                                       each, then REMOVE each: one result a phase
 *   seqwrite   --file NAME --size B [--bs B]   UNSTABLE 1 MiB writes, then COMMIT
 *   seqread    --file NAME [--bs B]            1 MiB reads of the whole file
 *   randread   --file NAME --seconds S [--bs B]
 *   randwrite  --file NAME --seconds S [--bs B] UNSTABLE writes, COMMIT at the end
 *   readdirplus --dir NAME --entries N --seconds S [--prepare] [--maxcount B]
 *   null       --seconds S                 NULL calls (no MOUNT; works against any
 *                                          ONC RPC server, e.g. the rpcnull limit)
 *   rmtree     --dir NAME                  remove a flat directory (cleanup)
 *   rm         --file NAME                 remove a file (cleanup)
 *
 * Output: one JSON line per result (see common.h); exit 0, or 2 with an
 * {"error": ...} line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <unistd.h>

#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-mount.h>
#include <nfsc/libnfs-raw-nfs.h>

#include "common.h"

#define MAX_CONTEXTS 64
#define MAX_DEPTH 256
#define FH_MAX 64

struct fh {
    uint32_t len;
    char data[FH_MAX];
};

static void fh_set(struct fh *dst, const nfs_fh3 *src, const char *what)
{
    if (src->data.data_len == 0 || src->data.data_len > FH_MAX)
        bench_fail(what, "server returned a %u-byte file handle", src->data.data_len);
    dst->len = src->data.data_len;
    memcpy(dst->data, src->data.data_val, dst->len);
}

static nfs_fh3 fh3(struct fh *f)
{
    nfs_fh3 r;
    r.data.data_len = f->len;
    r.data.data_val = f->data;
    return r;
}

/* ----------------------------------------------------------------- options */

static const char *o_host = "127.0.0.1";
static int o_port = 2049;
static int o_mount_port = 0;
static const char *o_export = "/";
static int o_contexts = 1;
static int o_depth = 1;
static double o_timeout = 300;
static const char *o_dir = NULL;
static const char *o_file = NULL;
static uint64_t o_files = 1000;
static uint64_t o_size = 0;
static uint64_t o_bs = 0;
static double o_seconds = 5;
static bool o_prepare = false;
static uint32_t o_maxcount = 32768;
/* AUTH_SYS identity of every call (--uid/--gid): the cost of the core's
 * permission checks shows against a run as root, which skips most of them. */
static int o_uid = 0;
static int o_gid = 0;

static const char *g_load = "nfsload";
static uint64_t g_deadline;

/* ---------------------------------------------------------------- contexts */

struct ctx {
    struct rpc_context *rpc;
    int id;
    bool connected;
};

static struct ctx g_ctx[MAX_CONTEXTS];
static int g_nctx;
static int g_inflight;

static void check_rpc(int status, void *data, const char *what)
{
    if (status == RPC_STATUS_SUCCESS)
        return;
    bench_fail(g_load, "%s: rpc %s: %s", what,
               status == RPC_STATUS_ERROR     ? "error"
               : status == RPC_STATUS_TIMEOUT ? "timeout"
                                              : "cancelled",
               status == RPC_STATUS_ERROR && data ? (const char *)data : "");
}

static void check_nfs(int nfsstatus, const char *what, const char *name)
{
    if (nfsstatus != NFS3_OK)
        bench_fail(g_load, "%s %s: %s", what, name ? name : "", nfsstat3_to_str(nfsstatus));
}

/* Service the given contexts until *flag is set (or, with flag NULL, until
 * no request is in flight), within the run's deadline. */
static void pump(struct rpc_context **rpcs, int n, volatile bool *flag)
{
    struct pollfd pfd[MAX_CONTEXTS + 1];
    while (flag ? !*flag : g_inflight > 0) {
        if (bench_now_ns() > g_deadline)
            bench_fail(g_load, "timed out (%d requests in flight)", g_inflight);
        for (int i = 0; i < n; i++) {
            pfd[i].fd = rpc_get_fd(rpcs[i]);
            pfd[i].events = (short)rpc_which_events(rpcs[i]);
            pfd[i].revents = 0;
        }
        int r = poll(pfd, (nfds_t)n, 100);
        if (r < 0 && errno != EINTR)
            bench_fail(g_load, "poll: %s", strerror(errno));
        for (int i = 0; i < n; i++) {
            if (r == 0 || pfd[i].revents != 0) {
                if (rpc_service(rpcs[i], r == 0 ? 0 : pfd[i].revents) < 0)
                    bench_fail(g_load, "connection %d: %s", i, rpc_get_error(rpcs[i]));
            }
        }
    }
}

static struct rpc_context *g_rpcs[MAX_CONTEXTS];

static void pump_all(volatile bool *flag) { pump(g_rpcs, g_nctx, flag); }

static void connect_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct ctx *c = priv;
    check_rpc(status, data, "connect");
    c->connected = true;
    g_inflight--;
}

static void connect_all(int program, int version, int port)
{
    for (int i = 0; i < g_nctx; i++) {
        struct ctx *c = &g_ctx[i];
        c->id = i;
        c->rpc = rpc_init_context();
        if (c->rpc == NULL)
            bench_fail(g_load, "rpc_init_context failed");
        /* distinct XIDs on every connection, so a duplicate-request cache
         * keyed on the XID alone cannot confuse two contexts */
        rpc_set_next_xid(c->rpc, ((uint32_t)(i + 1) << 24) ^ (uint32_t)getpid());
        rpc_set_uid(c->rpc, o_uid);
        rpc_set_gid(c->rpc, o_gid);
        g_rpcs[i] = c->rpc;
        g_inflight++;
        if (rpc_connect_port_async(c->rpc, o_host, port, program, version, connect_cb, c) != 0)
            bench_fail(g_load, "connect to %s:%d: %s", o_host, port, rpc_get_error(c->rpc));
    }
    pump_all(NULL);
}

/* ------------------------------------------------------------------- mount */

static struct fh g_root;

struct sync_op {
    volatile bool done;
    int nfsstatus;
    struct fh fh;
    bool has_fh;
    bool has_attr;
    fattr3 attr;
    FSINFO3resok fsinfo;
};

static void mnt_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct sync_op *op = priv;
    check_rpc(status, data, "MOUNT");
    mountres3 *res = data;
    if (res->fhs_status != MNT3_OK)
        bench_fail(g_load, "MOUNT %s: %s", o_export, mountstat3_to_str(res->fhs_status));
    fhandle3 *h = &res->mountres3_u.mountinfo.fhandle;
    if (h->fhandle3_len == 0 || h->fhandle3_len > FH_MAX)
        bench_fail(g_load, "MOUNT returned a %u-byte handle", h->fhandle3_len);
    g_root.len = h->fhandle3_len;
    memcpy(g_root.data, h->fhandle3_val, g_root.len);
    op->done = true;
}

static void mconnect_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    check_rpc(status, data, "connect to the MOUNT service");
    ((struct sync_op *)priv)->done = true;
}

static void do_mount(void)
{
    struct rpc_context *m = rpc_init_context();
    if (m == NULL)
        bench_fail(g_load, "rpc_init_context failed");
    struct sync_op op = {0};
    if (rpc_connect_port_async(m, o_host, o_mount_port, MOUNT_PROGRAM, MOUNT_V3, mconnect_cb, &op) != 0)
        bench_fail(g_load, "connect to mount port %d: %s", o_mount_port, rpc_get_error(m));
    pump(&m, 1, &op.done);
    op.done = false;
    if (rpc_mount3_mnt_async(m, mnt_cb, (char *)o_export, &op) != 0)
        bench_fail(g_load, "MOUNT: %s", rpc_get_error(m));
    pump(&m, 1, &op.done);
    rpc_destroy_context(m);
}

/* ------------------------------------------------ synchronous helpers (setup) */

static void lookup_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct sync_op *op = priv;
    check_rpc(status, data, "LOOKUP");
    LOOKUP3res *res = data;
    op->nfsstatus = res->status;
    if (res->status == NFS3_OK) {
        fh_set(&op->fh, &res->LOOKUP3res_u.resok.object, "LOOKUP");
        op->has_fh = true;
        if (res->LOOKUP3res_u.resok.obj_attributes.attributes_follow) {
            op->has_attr = true;
            op->attr = res->LOOKUP3res_u.resok.obj_attributes.post_op_attr_u.attributes;
        }
    }
    op->done = true;
}

static int lookup_sync(struct fh *dir, const char *name, struct fh *out, fattr3 *attr)
{
    struct sync_op op = {0};
    LOOKUP3args a = {.what = {.dir = fh3(dir), .name = (char *)name}};
    if (rpc_nfs3_lookup_async(g_ctx[0].rpc, lookup_cb, &a, &op) != 0)
        bench_fail(g_load, "LOOKUP: %s", rpc_get_error(g_ctx[0].rpc));
    pump(&g_ctx[0].rpc, 1, &op.done);
    if (op.nfsstatus == NFS3_OK) {
        *out = op.fh;
        if (attr != NULL) {
            if (!op.has_attr)
                bench_fail(g_load, "LOOKUP %s returned no attributes", name);
            *attr = op.attr;
        }
    }
    return op.nfsstatus;
}

static void mkdir_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct sync_op *op = priv;
    check_rpc(status, data, "MKDIR");
    MKDIR3res *res = data;
    op->nfsstatus = res->status;
    if (res->status == NFS3_OK && res->MKDIR3res_u.resok.obj.handle_follows) {
        fh_set(&op->fh, &res->MKDIR3res_u.resok.obj.post_op_fh3_u.handle, "MKDIR");
        op->has_fh = true;
    }
    op->done = true;
}

/* The directory NAME under the export root, made if missing. */
static struct fh mkdir_p(const char *name, bool *created)
{
    struct sync_op op = {0};
    MKDIR3args a = {0};
    a.where.dir = fh3(&g_root);
    a.where.name = (char *)name;
    a.attributes.mode.set_it = 1;
    a.attributes.mode.set_mode3_u.mode = 0755;
    if (rpc_nfs3_mkdir_async(g_ctx[0].rpc, mkdir_cb, &a, &op) != 0)
        bench_fail(g_load, "MKDIR: %s", rpc_get_error(g_ctx[0].rpc));
    pump(&g_ctx[0].rpc, 1, &op.done);
    if (created)
        *created = op.nfsstatus == NFS3_OK;
    if (op.nfsstatus == NFS3_OK && op.has_fh)
        return op.fh;
    if (op.nfsstatus != NFS3_OK && op.nfsstatus != NFS3ERR_EXIST)
        check_nfs(op.nfsstatus, "MKDIR", name);
    struct fh out;
    check_nfs(lookup_sync(&g_root, name, &out, NULL), "LOOKUP", name);
    return out;
}

static void simple_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct sync_op *op = priv;
    check_rpc(status, data, "request");
    op->nfsstatus = *(int *)data; /* every NFSv3 result starts with its nfsstat3 */
    op->done = true;
}

static int rmdir_sync(const char *name)
{
    struct sync_op op = {0};
    RMDIR3args a = {.object = {.dir = fh3(&g_root), .name = (char *)name}};
    if (rpc_nfs3_rmdir_async(g_ctx[0].rpc, simple_cb, &a, &op) != 0)
        bench_fail(g_load, "RMDIR: %s", rpc_get_error(g_ctx[0].rpc));
    pump(&g_ctx[0].rpc, 1, &op.done);
    return op.nfsstatus;
}

static void fsinfo_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct sync_op *op = priv;
    check_rpc(status, data, "FSINFO");
    FSINFO3res *res = data;
    op->nfsstatus = res->status;
    if (res->status == NFS3_OK)
        op->fsinfo = res->FSINFO3res_u.resok;
    op->done = true;
}

static FSINFO3resok fsinfo_sync(void)
{
    struct sync_op op = {0};
    FSINFO3args a = {.fsroot = fh3(&g_root)};
    if (rpc_nfs3_fsinfo_async(g_ctx[0].rpc, fsinfo_cb, &a, &op) != 0)
        bench_fail(g_load, "FSINFO: %s", rpc_get_error(g_ctx[0].rpc));
    pump(&g_ctx[0].rpc, 1, &op.done);
    check_nfs(op.nfsstatus, "FSINFO", NULL);
    return op.fsinfo;
}

static void commit_sync(struct fh *f)
{
    struct sync_op op = {0};
    COMMIT3args a = {.file = fh3(f), .offset = 0, .count = 0};
    if (rpc_nfs3_commit_async(g_ctx[0].rpc, simple_cb, &a, &op) != 0)
        bench_fail(g_load, "COMMIT: %s", rpc_get_error(g_ctx[0].rpc));
    pump(&g_ctx[0].rpc, 1, &op.done);
    check_nfs(op.nfsstatus, "COMMIT", o_file);
}

/* ------------------------------------------------------------------- slots */

/* One request pipeline: a context runs `depth` of them. */
struct slot {
    struct ctx *c;
    uint64_t t0;
    uint64_t idx;
    uint64_t off;
    uint32_t len;
    uint64_t rng;
    struct fh fh;
    char name[48];
    /* readdirplus */
    cookie3 cookie;
    char verf[NFS3_COOKIEVERFSIZE];
    uint64_t seen;
};

static struct slot g_slot[MAX_CONTEXTS * MAX_DEPTH];
static int g_nslot;
static struct bench_lat g_lat;
static uint64_t g_next;     /* next item to hand out */
static uint64_t g_total;    /* items in this phase */
static uint64_t g_done;     /* items finished */
static uint64_t g_bytes;
static uint64_t g_stop_at;  /* time-bound loads: stop issuing after this */
static struct fh g_dir;
static struct fh g_file;
static char *g_buf;

static void init_slots(void)
{
    g_nslot = 0;
    for (int c = 0; c < g_nctx; c++)
        for (int d = 0; d < o_depth; d++) {
            struct slot *s = &g_slot[g_nslot];
            memset(s, 0, sizeof(*s));
            s->c = &g_ctx[c];
            s->rng = 0x9E3779B97F4A7C15ull ^ ((uint64_t)g_nslot * 0x100000001B3ull) ^ (uint64_t)getpid();
            if (s->rng == 0)
                s->rng = 1;
            g_nslot++;
        }
}

typedef void (*slot_fn)(struct slot *);

/* Start every slot with `start`, then service until all work is done. */
static void run_slots(slot_fn start)
{
    for (int i = 0; i < g_nslot; i++)
        start(&g_slot[i]);
    pump_all(NULL);
}

static void issue_fail(struct slot *s, const char *what)
{
    bench_fail(g_load, "%s: %s", what, rpc_get_error(s->c->rpc));
}

/* ------------------------------------------------------------- smallfiles */

static void sf_create(struct slot *s);
static void sf_write(struct slot *s);

static void sf_write_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct slot *s = priv;
    g_inflight--;
    check_rpc(status, data, "WRITE");
    WRITE3res *res = data;
    check_nfs(res->status, "WRITE", s->name);
    if (res->WRITE3res_u.resok.count != 4096)
        bench_fail(g_load, "WRITE %s: short write of %u bytes", s->name, res->WRITE3res_u.resok.count);
    bench_lat_add(&g_lat, bench_now_ns() - s->t0);
    g_done++;
    g_bytes += 4096;
    sf_create(s);
}

static void sf_write(struct slot *s)
{
    WRITE3args a = {0};
    a.file = fh3(&s->fh);
    a.offset = 0;
    a.count = 4096;
    a.stable = FILE_SYNC;
    a.data.data_len = 4096;
    a.data.data_val = g_buf;
    g_inflight++;
    if (rpc_nfs3_write_async(s->c->rpc, sf_write_cb, &a, s) != 0)
        issue_fail(s, "WRITE");
}

static void sf_lookup_after_create_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct slot *s = priv;
    g_inflight--;
    check_rpc(status, data, "LOOKUP");
    LOOKUP3res *res = data;
    check_nfs(res->status, "LOOKUP", s->name);
    fh_set(&s->fh, &res->LOOKUP3res_u.resok.object, "LOOKUP");
    sf_write(s);
}

static void sf_create_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct slot *s = priv;
    g_inflight--;
    check_rpc(status, data, "CREATE");
    CREATE3res *res = data;
    check_nfs(res->status, "CREATE", s->name);
    if (res->CREATE3res_u.resok.obj.handle_follows) {
        fh_set(&s->fh, &res->CREATE3res_u.resok.obj.post_op_fh3_u.handle, "CREATE");
        sf_write(s);
        return;
    }
    /* RFC 1813 lets CREATE omit the handle: a client then looks it up */
    LOOKUP3args a = {.what = {.dir = fh3(&g_dir), .name = s->name}};
    g_inflight++;
    if (rpc_nfs3_lookup_async(s->c->rpc, sf_lookup_after_create_cb, &a, s) != 0)
        issue_fail(s, "LOOKUP");
}

static void sf_create(struct slot *s)
{
    if (g_next >= g_total)
        return;
    s->idx = g_next++;
    snprintf(s->name, sizeof(s->name), "f%08llu", (unsigned long long)s->idx);
    s->t0 = bench_now_ns();
    CREATE3args a = {0};
    a.where.dir = fh3(&g_dir);
    a.where.name = s->name;
    a.how.mode = GUARDED;
    a.how.createhow3_u.obj_attributes.mode.set_it = 1;
    a.how.createhow3_u.obj_attributes.mode.set_mode3_u.mode = 0644;
    g_inflight++;
    if (rpc_nfs3_create_async(s->c->rpc, sf_create_cb, &a, s) != 0)
        issue_fail(s, "CREATE");
}

static void sf_stat(struct slot *s);

static void sf_stat_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct slot *s = priv;
    g_inflight--;
    check_rpc(status, data, "LOOKUP");
    LOOKUP3res *res = data;
    check_nfs(res->status, "LOOKUP", s->name);
    post_op_attr *pa = &res->LOOKUP3res_u.resok.obj_attributes;
    if (!pa->attributes_follow)
        bench_fail(g_load, "LOOKUP %s returned no attributes", s->name);
    if (pa->post_op_attr_u.attributes.size != 4096)
        bench_fail(g_load, "LOOKUP %s: size %llu, expected 4096", s->name,
                   (unsigned long long)pa->post_op_attr_u.attributes.size);
    bench_lat_add(&g_lat, bench_now_ns() - s->t0);
    g_done++;
    sf_stat(s);
}

static void sf_stat(struct slot *s)
{
    if (g_next >= g_total)
        return;
    s->idx = g_next++;
    snprintf(s->name, sizeof(s->name), "f%08llu", (unsigned long long)s->idx);
    s->t0 = bench_now_ns();
    LOOKUP3args a = {.what = {.dir = fh3(&g_dir), .name = s->name}};
    g_inflight++;
    if (rpc_nfs3_lookup_async(s->c->rpc, sf_stat_cb, &a, s) != 0)
        issue_fail(s, "LOOKUP");
}

static void sf_remove(struct slot *s);

static void sf_remove_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct slot *s = priv;
    g_inflight--;
    check_rpc(status, data, "REMOVE");
    REMOVE3res *res = data;
    check_nfs(res->status, "REMOVE", s->name);
    bench_lat_add(&g_lat, bench_now_ns() - s->t0);
    g_done++;
    sf_remove(s);
}

static void sf_remove(struct slot *s)
{
    if (g_next >= g_total)
        return;
    s->idx = g_next++;
    snprintf(s->name, sizeof(s->name), "f%08llu", (unsigned long long)s->idx);
    s->t0 = bench_now_ns();
    REMOVE3args a = {.object = {.dir = fh3(&g_dir), .name = s->name}};
    g_inflight++;
    if (rpc_nfs3_remove_async(s->c->rpc, sf_remove_cb, &a, s) != 0)
        issue_fail(s, "REMOVE");
}

static void phase(const char *load, slot_fn start, uint64_t n, const char *note)
{
    g_load = load;
    g_next = 0;
    g_total = n;
    g_done = 0;
    g_bytes = 0;
    bench_lat_reset(&g_lat);
    double cpu0 = bench_cpu_s();
    uint64_t t0 = bench_now_ns();
    run_slots(start);
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    if (g_done != n)
        bench_fail(load, "finished %llu of %llu", (unsigned long long)g_done, (unsigned long long)n);
    struct bench_result r = {load, g_done, g_bytes, secs, bench_cpu_s() - cpu0, &g_lat, note};
    bench_print_result(&r);
}

static void load_smallfiles(void)
{
    if (o_dir == NULL)
        bench_fail("smallfiles", "--dir is required");
    bool created = false;
    g_dir = mkdir_p(o_dir, &created);
    if (!created)
        bench_fail("smallfiles", "directory %s already exists; the load needs a fresh one", o_dir);
    init_slots();
    char note[160];
    snprintf(note, sizeof(note), "CREATE GUARDED + WRITE 4 KiB FILE_SYNC per file, %d connections x %d files in flight",
             g_nctx, o_depth);
    phase("smallfiles.create", sf_create, o_files, note);
    snprintf(note, sizeof(note), "LOOKUP per file (attributes checked), %d connections x %d in flight", g_nctx, o_depth);
    phase("smallfiles.stat", sf_stat, o_files, note);
    snprintf(note, sizeof(note), "REMOVE per file, %d connections x %d in flight", g_nctx, o_depth);
    phase("smallfiles.remove", sf_remove, o_files, note);
    g_load = "smallfiles";
    check_nfs(rmdir_sync(o_dir), "RMDIR", o_dir);
}

/* ------------------------------------------------------------- sequential */

static uint64_t clamp_bs(uint64_t want, uint32_t max, uint32_t pref)
{
    uint64_t bs = want ? want : (1u << 20);
    if (max != 0 && bs > max)
        bs = max;
    (void)pref;
    return bs;
}

static void seq_write(struct slot *s);

static void seq_write_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct slot *s = priv;
    g_inflight--;
    check_rpc(status, data, "WRITE");
    WRITE3res *res = data;
    check_nfs(res->status, "WRITE", o_file);
    uint32_t got = res->WRITE3res_u.resok.count;
    if (got == 0 || got > s->len)
        bench_fail(g_load, "WRITE at %llu: server wrote %u of %u bytes", (unsigned long long)s->off, got, s->len);
    g_bytes += got;
    if (got < s->len) { /* short write: send the rest */
        s->off += got;
        s->len -= got;
        WRITE3args a = {0};
        a.file = fh3(&g_file);
        a.offset = s->off;
        a.count = s->len;
        a.stable = UNSTABLE;
        a.data.data_len = s->len;
        a.data.data_val = g_buf;
        g_inflight++;
        if (rpc_nfs3_write_async(s->c->rpc, seq_write_cb, &a, s) != 0)
            issue_fail(s, "WRITE");
        return;
    }
    bench_lat_add(&g_lat, bench_now_ns() - s->t0);
    g_done++;
    seq_write(s);
}

static void seq_write(struct slot *s)
{
    if (g_next >= o_size)
        return;
    s->off = g_next;
    s->len = (uint32_t)(o_size - g_next < o_bs ? o_size - g_next : o_bs);
    g_next += s->len;
    s->t0 = bench_now_ns();
    WRITE3args a = {0};
    a.file = fh3(&g_file);
    a.offset = s->off;
    a.count = s->len;
    a.stable = UNSTABLE;
    a.data.data_len = s->len;
    a.data.data_val = g_buf;
    g_inflight++;
    if (rpc_nfs3_write_async(s->c->rpc, seq_write_cb, &a, s) != 0)
        issue_fail(s, "WRITE");
}

static void create_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct sync_op *op = priv;
    check_rpc(status, data, "CREATE");
    CREATE3res *res = data;
    op->nfsstatus = res->status;
    if (res->status == NFS3_OK && res->CREATE3res_u.resok.obj.handle_follows) {
        fh_set(&op->fh, &res->CREATE3res_u.resok.obj.post_op_fh3_u.handle, "CREATE");
        op->has_fh = true;
    }
    op->done = true;
}

/* CREATE UNCHECKED with size 0: makes the file or truncates it. */
static struct fh create_trunc(struct fh *dir, const char *name)
{
    struct sync_op op = {0};
    CREATE3args a = {0};
    a.where.dir = fh3(dir);
    a.where.name = (char *)name;
    a.how.mode = UNCHECKED;
    a.how.createhow3_u.obj_attributes.mode.set_it = 1;
    a.how.createhow3_u.obj_attributes.mode.set_mode3_u.mode = 0644;
    a.how.createhow3_u.obj_attributes.size.set_it = 1;
    a.how.createhow3_u.obj_attributes.size.set_size3_u.size = 0;
    if (rpc_nfs3_create_async(g_ctx[0].rpc, create_cb, &a, &op) != 0)
        bench_fail(g_load, "CREATE: %s", rpc_get_error(g_ctx[0].rpc));
    pump(&g_ctx[0].rpc, 1, &op.done);
    check_nfs(op.nfsstatus, "CREATE", name);
    if (op.has_fh)
        return op.fh;
    struct fh out;
    check_nfs(lookup_sync(dir, name, &out, NULL), "LOOKUP", name);
    return out;
}

static void load_seqwrite(void)
{
    g_load = "seqwrite";
    if (o_file == NULL || o_size == 0)
        bench_fail(g_load, "--file and --size are required");
    FSINFO3resok fi = fsinfo_sync();
    o_bs = clamp_bs(o_bs, fi.wtmax, fi.wtpref);
    g_buf = malloc(o_bs);
    if (g_buf == NULL)
        bench_fail(g_load, "out of memory");
    for (uint64_t i = 0; i < o_bs; i++)
        g_buf[i] = (char)(i * 7 + 1);
    g_file = create_trunc(&g_root, o_file);
    init_slots();
    g_next = 0;
    g_done = 0;
    g_bytes = 0;
    double cpu0 = bench_cpu_s();
    uint64_t t0 = bench_now_ns();
    run_slots(seq_write);
    commit_sync(&g_file);
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    if (g_bytes != o_size)
        bench_fail(g_load, "wrote %llu of %llu bytes", (unsigned long long)g_bytes, (unsigned long long)o_size);
    char note[96];
    snprintf(note, sizeof(note), "WRITE UNSTABLE %llu B x %d in flight, then COMMIT", (unsigned long long)o_bs,
             g_nslot);
    struct bench_result r = {g_load, g_done, g_bytes, secs, bench_cpu_s() - cpu0, &g_lat, note};
    bench_print_result(&r);
}

static void seq_read(struct slot *s);

static void issue_read(struct slot *s, rpc_cb cb)
{
    READ3args a = {.file = fh3(&g_file), .offset = s->off, .count = s->len};
    g_inflight++;
    if (rpc_nfs3_read_async(s->c->rpc, cb, &a, s) != 0)
        issue_fail(s, "READ");
}

static void seq_read_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct slot *s = priv;
    g_inflight--;
    check_rpc(status, data, "READ");
    READ3res *res = data;
    check_nfs(res->status, "READ", o_file);
    uint32_t got = res->READ3res_u.resok.count;
    if (got > s->len || res->READ3res_u.resok.data.data_len != got)
        bench_fail(g_load, "READ at %llu: count %u, data %u, asked %u", (unsigned long long)s->off, got,
                   res->READ3res_u.resok.data.data_len, s->len);
    g_bytes += got;
    if (got < s->len) {
        if (got == 0 || res->READ3res_u.resok.eof)
            bench_fail(g_load, "READ at %llu: file ends early", (unsigned long long)s->off);
        s->off += got;
        s->len -= got;
        issue_read(s, seq_read_cb);
        return;
    }
    bench_lat_add(&g_lat, bench_now_ns() - s->t0);
    g_done++;
    seq_read(s);
}

static void seq_read(struct slot *s)
{
    if (g_next >= o_size)
        return;
    s->off = g_next;
    s->len = (uint32_t)(o_size - g_next < o_bs ? o_size - g_next : o_bs);
    g_next += s->len;
    s->t0 = bench_now_ns();
    issue_read(s, seq_read_cb);
}

static void open_file(void)
{
    if (o_file == NULL)
        bench_fail(g_load, "--file is required");
    fattr3 attr;
    check_nfs(lookup_sync(&g_root, o_file, &g_file, &attr), "LOOKUP", o_file);
    if (o_size == 0 || o_size > attr.size)
        o_size = attr.size;
    if (o_size == 0)
        bench_fail(g_load, "%s is empty", o_file);
}

static void load_seqread(void)
{
    g_load = "seqread";
    open_file();
    FSINFO3resok fi = fsinfo_sync();
    o_bs = clamp_bs(o_bs, fi.rtmax, fi.rtpref);
    init_slots();
    g_next = 0;
    g_done = 0;
    g_bytes = 0;
    double cpu0 = bench_cpu_s();
    uint64_t t0 = bench_now_ns();
    run_slots(seq_read);
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    if (g_bytes != o_size)
        bench_fail(g_load, "read %llu of %llu bytes", (unsigned long long)g_bytes, (unsigned long long)o_size);
    char note[96];
    snprintf(note, sizeof(note), "READ %llu B x %d in flight", (unsigned long long)o_bs, g_nslot);
    struct bench_result r = {g_load, g_done, g_bytes, secs, bench_cpu_s() - cpu0, &g_lat, note};
    bench_print_result(&r);
}

/* ----------------------------------------------------------------- random */

static bool g_rand_write;
static void rand_io(struct slot *s);

static void rand_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct slot *s = priv;
    g_inflight--;
    if (g_rand_write) {
        check_rpc(status, data, "WRITE");
        WRITE3res *res = data;
        check_nfs(res->status, "WRITE", o_file);
        if (res->WRITE3res_u.resok.count != s->len)
            bench_fail(g_load, "short WRITE: %u of %u", res->WRITE3res_u.resok.count, s->len);
    } else {
        check_rpc(status, data, "READ");
        READ3res *res = data;
        check_nfs(res->status, "READ", o_file);
        if (res->READ3res_u.resok.count != s->len || res->READ3res_u.resok.data.data_len != s->len)
            bench_fail(g_load, "short READ at %llu: %u of %u", (unsigned long long)s->off,
                       res->READ3res_u.resok.count, s->len);
    }
    g_bytes += s->len;
    bench_lat_add(&g_lat, bench_now_ns() - s->t0);
    g_done++;
    rand_io(s);
}

static void rand_io(struct slot *s)
{
    s->t0 = bench_now_ns();
    if (s->t0 >= g_stop_at)
        return;
    uint64_t blocks = o_size / o_bs;
    s->off = (bench_xorshift(&s->rng) % blocks) * o_bs;
    s->len = (uint32_t)o_bs;
    if (g_rand_write) {
        WRITE3args a = {0};
        a.file = fh3(&g_file);
        a.offset = s->off;
        a.count = s->len;
        a.stable = UNSTABLE;
        a.data.data_len = s->len;
        a.data.data_val = g_buf;
        g_inflight++;
        if (rpc_nfs3_write_async(s->c->rpc, rand_cb, &a, s) != 0)
            issue_fail(s, "WRITE");
    } else {
        issue_read(s, rand_cb);
    }
}

static void load_random(bool write)
{
    g_load = write ? "randwrite" : "randread";
    g_rand_write = write;
    open_file();
    if (o_bs == 0)
        o_bs = 4096;
    if (o_size < o_bs)
        bench_fail(g_load, "%s is smaller than one block", o_file);
    g_buf = malloc(o_bs);
    if (g_buf == NULL)
        bench_fail(g_load, "out of memory");
    memset(g_buf, 0x5a, o_bs);
    init_slots();
    g_done = 0;
    g_bytes = 0;
    double cpu0 = bench_cpu_s();
    uint64_t t0 = bench_now_ns();
    g_stop_at = t0 + (uint64_t)(o_seconds * 1e9);
    run_slots(rand_io);
    if (write)
        commit_sync(&g_file);
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    char note[128];
    snprintf(note, sizeof(note), "%s %llu B at random offsets in %llu MiB, %d in flight%s",
             write ? "WRITE UNSTABLE" : "READ", (unsigned long long)o_bs, (unsigned long long)(o_size >> 20),
             g_nslot, write ? ", COMMIT at the end" : "");
    struct bench_result r = {g_load, g_done, g_bytes, secs, bench_cpu_s() - cpu0, &g_lat, note};
    bench_print_result(&r);
}

/* ------------------------------------------------------------ readdirplus */

static void rdp_next(struct slot *s);

static void rdp_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct slot *s = priv;
    g_inflight--;
    check_rpc(status, data, "READDIRPLUS");
    READDIRPLUS3res *res = data;
    check_nfs(res->status, "READDIRPLUS", o_dir);
    READDIRPLUS3resok *ok = &res->READDIRPLUS3res_u.resok;
    uint64_t n = 0;
    for (entryplus3 *e = ok->reply.entries; e != NULL && n < 1000000; e = e->nextentry) {
        s->cookie = e->cookie;
        if (strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0)
            continue;
        if (!e->name_attributes.attributes_follow || !e->name_handle.handle_follows)
            bench_fail(g_load, "READDIRPLUS entry %s without attributes or handle", e->name);
        n++;
    }
    memcpy(s->verf, ok->cookieverf, NFS3_COOKIEVERFSIZE);
    s->seen += n;
    g_bytes += n; /* entries, reported as ops below */
    if (ok->reply.eof) {
        if (s->seen != o_files)
            bench_fail(g_load, "listing returned %llu entries, the directory holds %llu",
                       (unsigned long long)s->seen, (unsigned long long)o_files);
        bench_lat_add(&g_lat, bench_now_ns() - s->t0);
        g_done++;
        s->seen = 0;
        s->cookie = 0;
        memset(s->verf, 0, sizeof(s->verf));
        s->t0 = bench_now_ns();
        if (s->t0 >= g_stop_at)
            return;
    } else if (n == 0 && ok->reply.entries == NULL) {
        bench_fail(g_load, "READDIRPLUS returned no entries and no eof");
    }
    rdp_next(s);
}

static void rdp_next(struct slot *s)
{
    READDIRPLUS3args a = {0};
    a.dir = fh3(&g_dir);
    a.cookie = s->cookie;
    memcpy(a.cookieverf, s->verf, NFS3_COOKIEVERFSIZE);
    a.dircount = o_maxcount;
    a.maxcount = o_maxcount;
    g_inflight++;
    if (rpc_nfs3_readdirplus_async(s->c->rpc, rdp_cb, &a, s) != 0)
        issue_fail(s, "READDIRPLUS");
}

static void rdp_start(struct slot *s)
{
    s->t0 = bench_now_ns();
    s->cookie = 0;
    s->seen = 0;
    memset(s->verf, 0, sizeof(s->verf));
    rdp_next(s);
}

static void prep_create(struct slot *s);

static void prep_create_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct slot *s = priv;
    g_inflight--;
    check_rpc(status, data, "CREATE");
    CREATE3res *res = data;
    check_nfs(res->status, "CREATE", s->name);
    g_done++;
    prep_create(s);
}

static void prep_create(struct slot *s)
{
    if (g_next >= g_total)
        return;
    s->idx = g_next++;
    snprintf(s->name, sizeof(s->name), "entry-%08llu", (unsigned long long)s->idx);
    CREATE3args a = {0};
    a.where.dir = fh3(&g_dir);
    a.where.name = s->name;
    a.how.mode = UNCHECKED;
    a.how.createhow3_u.obj_attributes.mode.set_it = 1;
    a.how.createhow3_u.obj_attributes.mode.set_mode3_u.mode = 0644;
    g_inflight++;
    if (rpc_nfs3_create_async(s->c->rpc, prep_create_cb, &a, s) != 0)
        issue_fail(s, "CREATE");
}

static void load_readdirplus(void)
{
    g_load = "readdirplus";
    if (o_dir == NULL)
        bench_fail(g_load, "--dir is required");
    o_files = o_files ? o_files : 10000;
    if (o_prepare) {
        bool created = false;
        g_dir = mkdir_p(o_dir, &created);
        if (created) {
            int saved = o_depth;
            o_depth = 16;
            init_slots();
            g_next = 0;
            g_total = o_files;
            g_done = 0;
            double cpu0 = bench_cpu_s();
            uint64_t t0 = bench_now_ns();
            run_slots(prep_create);
            double secs = (double)(bench_now_ns() - t0) / 1e9;
            struct bench_result r = {"readdirplus.prepare", g_done, 0, secs, bench_cpu_s() - cpu0, NULL,
                                     "CREATE of the directory's entries (setup)"};
            bench_print_result(&r);
            o_depth = saved;
        }
    } else {
        check_nfs(lookup_sync(&g_root, o_dir, &g_dir, NULL), "LOOKUP", o_dir);
    }
    init_slots();
    g_done = 0;
    g_bytes = 0;
    bench_lat_reset(&g_lat);
    double cpu0 = bench_cpu_s();
    uint64_t t0 = bench_now_ns();
    g_stop_at = t0 + (uint64_t)(o_seconds * 1e9);
    run_slots(rdp_start);
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    char note[128];
    snprintf(note, sizeof(note), "%llu full listings of %llu entries, maxcount %u, %d lister(s)",
             (unsigned long long)g_done, (unsigned long long)o_files, o_maxcount, g_nslot);
    /* ops = entries listed; the latency sample is per full listing */
    struct bench_result r = {g_load, g_bytes, 0, secs, bench_cpu_s() - cpu0, &g_lat, note};
    bench_print_result(&r);
}

/* ------------------------------------------------------------------- rmtree */

static void rm_next(struct slot *s);

static void rm_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct slot *s = priv;
    g_inflight--;
    check_rpc(status, data, "REMOVE");
    REMOVE3res *res = data;
    if (res->status != NFS3_OK && res->status != NFS3ERR_NOENT)
        check_nfs(res->status, "REMOVE", s->name);
    g_done++;
    rm_next(s);
}

static char **g_names;

static void rm_next(struct slot *s)
{
    if (g_next >= g_total)
        return;
    s->idx = g_next++;
    snprintf(s->name, sizeof(s->name), "%s", g_names[s->idx]);
    REMOVE3args a = {.object = {.dir = fh3(&g_dir), .name = s->name}};
    g_inflight++;
    if (rpc_nfs3_remove_async(s->c->rpc, rm_cb, &a, s) != 0)
        issue_fail(s, "REMOVE");
}

static void rm_list_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct slot *s = priv;
    g_inflight--;
    check_rpc(status, data, "READDIRPLUS");
    READDIRPLUS3res *res = data;
    check_nfs(res->status, "READDIRPLUS", o_dir);
    READDIRPLUS3resok *ok = &res->READDIRPLUS3res_u.resok;
    for (entryplus3 *e = ok->reply.entries; e != NULL; e = e->nextentry) {
        s->cookie = e->cookie;
        if (strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0 || strlen(e->name) >= 48)
            continue;
        if (g_total % 4096 == 0) {
            char **n = realloc(g_names, (g_total + 4096) * sizeof(char *));
            if (n == NULL)
                bench_fail(g_load, "out of memory");
            g_names = n;
        }
        g_names[g_total++] = strdup(e->name);
    }
    memcpy(s->verf, ok->cookieverf, NFS3_COOKIEVERFSIZE);
    if (ok->reply.eof || ok->reply.entries == NULL) {
        s->seen = 1;
        return;
    }
    READDIRPLUS3args a = {0};
    a.dir = fh3(&g_dir);
    a.cookie = s->cookie;
    memcpy(a.cookieverf, s->verf, NFS3_COOKIEVERFSIZE);
    a.dircount = 65536;
    a.maxcount = 65536;
    g_inflight++;
    if (rpc_nfs3_readdirplus_async(s->c->rpc, rm_list_cb, &a, s) != 0)
        issue_fail(s, "READDIRPLUS");
}

static void load_rmtree(void)
{
    g_load = "rmtree";
    if (o_dir == NULL)
        bench_fail(g_load, "--dir is required");
    int st = lookup_sync(&g_root, o_dir, &g_dir, NULL);
    if (st == NFS3ERR_NOENT) {
        struct bench_result r = {g_load, 0, 0, 0, 0, NULL, "nothing to remove"};
        bench_print_result(&r);
        return;
    }
    check_nfs(st, "LOOKUP", o_dir);
    init_slots();
    g_total = 0;
    struct slot *s = &g_slot[0];
    s->cookie = 0;
    memset(s->verf, 0, sizeof(s->verf));
    READDIRPLUS3args a = {0};
    a.dir = fh3(&g_dir);
    a.dircount = 65536;
    a.maxcount = 65536;
    g_inflight++;
    if (rpc_nfs3_readdirplus_async(s->c->rpc, rm_list_cb, &a, s) != 0)
        issue_fail(s, "READDIRPLUS");
    pump_all(NULL);
    g_next = 0;
    g_done = 0;
    uint64_t t0 = bench_now_ns();
    run_slots(rm_next);
    check_nfs(rmdir_sync(o_dir), "RMDIR", o_dir);
    struct bench_result r = {g_load, g_done, 0, (double)(bench_now_ns() - t0) / 1e9, 0, NULL, NULL};
    bench_print_result(&r);
}

/* ---------------------------------------------------------------------- rm */

static void load_rm(void)
{
    g_load = "rm";
    if (o_file == NULL)
        bench_fail(g_load, "--file is required");
    struct sync_op op = {0};
    REMOVE3args a = {.object = {.dir = fh3(&g_root), .name = (char *)o_file}};
    if (rpc_nfs3_remove_async(g_ctx[0].rpc, simple_cb, &a, &op) != 0)
        bench_fail(g_load, "REMOVE: %s", rpc_get_error(g_ctx[0].rpc));
    pump(&g_ctx[0].rpc, 1, &op.done);
    if (op.nfsstatus != NFS3ERR_NOENT)
        check_nfs(op.nfsstatus, "REMOVE", o_file);
    struct bench_result r = {g_load, 1, 0, 0, 0, NULL, NULL};
    bench_print_result(&r);
}

/* -------------------------------------------------------------------- null */

static void null_call(struct slot *s);

static void null_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
    (void)rpc;
    struct slot *s = priv;
    g_inflight--;
    check_rpc(status, data, "NULL");
    bench_lat_add(&g_lat, bench_now_ns() - s->t0);
    g_done++;
    null_call(s);
}

static void null_call(struct slot *s)
{
    s->t0 = bench_now_ns();
    if (s->t0 >= g_stop_at)
        return;
    g_inflight++;
    if (rpc_nfs3_null_async(s->c->rpc, null_cb, s) != 0)
        issue_fail(s, "NULL");
}

static void load_null(void)
{
    g_load = "null";
    init_slots();
    g_done = 0;
    double cpu0 = bench_cpu_s();
    uint64_t t0 = bench_now_ns();
    g_stop_at = t0 + (uint64_t)(o_seconds * 1e9);
    run_slots(null_call);
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    char note[96];
    snprintf(note, sizeof(note), "NFSv3 NULL, %d connection(s) x %d in flight", g_nctx, o_depth);
    struct bench_result r = {g_load, g_done, 0, secs, bench_cpu_s() - cpu0, &g_lat, note};
    bench_print_result(&r);
}

/* -------------------------------------------------------------------- main */

static void usage(void)
{
    fprintf(stderr, "usage: nfsload [--host H] [--port P] [--mount-port Q] [--export PATH] [--contexts N]\n"
                    "               [--depth D] [--timeout S] LOAD [--dir D] [--file F] [--files N]\n"
                    "               [--entries N] [--size B] [--bs B] [--seconds S] [--prepare] [--maxcount B]\n"
                    "               [--uid U] [--gid G]\n"
                    "LOAD: smallfiles seqwrite seqread randread randwrite readdirplus null rmtree rm\n");
    exit(64);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"host", required_argument, 0, 'h'},       {"port", required_argument, 0, 'p'},
        {"mount-port", required_argument, 0, 'm'}, {"export", required_argument, 0, 'e'},
        {"contexts", required_argument, 0, 'c'},   {"depth", required_argument, 0, 'd'},
        {"timeout", required_argument, 0, 't'},    {"dir", required_argument, 0, 'D'},
        {"file", required_argument, 0, 'F'},       {"files", required_argument, 0, 'n'},
        {"entries", required_argument, 0, 'n'},    {"size", required_argument, 0, 's'},
        {"bs", required_argument, 0, 'b'},         {"seconds", required_argument, 0, 'S'},
        {"prepare", no_argument, 0, 'P'},          {"maxcount", required_argument, 0, 'M'},
        {"uid", required_argument, 0, 'u'},        {"gid", required_argument, 0, 'g'},
        {0, 0, 0, 0},
    };
    const char *load = NULL;
    /* options may come before and after the load name */
    for (;;) {
        int ch = getopt_long(argc, argv, "+", opts, NULL);
        if (ch == -1) {
            if (optind < argc && load == NULL) {
                load = argv[optind++];
                continue;
            }
            if (optind < argc)
                usage();
            break;
        }
        switch (ch) {
        case 'h': o_host = optarg; break;
        case 'p': o_port = atoi(optarg); break;
        case 'm': o_mount_port = atoi(optarg); break;
        case 'e': o_export = optarg; break;
        case 'c': o_contexts = atoi(optarg); break;
        case 'd': o_depth = atoi(optarg); break;
        case 't': o_timeout = atof(optarg); break;
        case 'D': o_dir = optarg; break;
        case 'F': o_file = optarg; break;
        case 'n': o_files = strtoull(optarg, NULL, 10); break;
        case 's': o_size = bench_parse_size(optarg); break;
        case 'b': o_bs = bench_parse_size(optarg); break;
        case 'S': o_seconds = atof(optarg); break;
        case 'P': o_prepare = true; break;
        case 'M': o_maxcount = (uint32_t)atoi(optarg); break;
        case 'u': o_uid = atoi(optarg); break;
        case 'g': o_gid = atoi(optarg); break;
        default: usage();
        }
    }
    if (load == NULL)
        usage();
    if (o_contexts < 1 || o_contexts > MAX_CONTEXTS || o_depth < 1 || o_depth > MAX_DEPTH)
        bench_fail(load, "--contexts must be 1..%d and --depth 1..%d", MAX_CONTEXTS, MAX_DEPTH);
    if (o_bs > (64u << 20))
        bench_fail(load, "--bs too large");
    if (o_timeout <= 0 || o_seconds <= 0 || o_seconds > o_timeout)
        bench_fail(load, "--seconds must be positive and below --timeout");
    g_load = load;
    g_deadline = bench_now_ns() + (uint64_t)(o_timeout * 1e9);
    g_nctx = o_contexts;

    if (strcmp(load, "null") == 0) {
        connect_all(NFS_PROGRAM, NFS_V3, o_port);
        load_null();
        return 0;
    }
    if (o_mount_port <= 0)
        bench_fail(load, "--mount-port is required");
    do_mount();
    connect_all(NFS_PROGRAM, NFS_V3, o_port);
    static char small[4096];
    memset(small, 'x', sizeof(small));
    g_buf = small;
    if (strcmp(load, "smallfiles") == 0)
        load_smallfiles();
    else if (strcmp(load, "seqwrite") == 0)
        load_seqwrite();
    else if (strcmp(load, "seqread") == 0)
        load_seqread();
    else if (strcmp(load, "randread") == 0)
        load_random(false);
    else if (strcmp(load, "randwrite") == 0)
        load_random(true);
    else if (strcmp(load, "readdirplus") == 0)
        load_readdirplus();
    else if (strcmp(load, "rmtree") == 0)
        load_rmtree();
    else if (strcmp(load, "rm") == 0)
        load_rm();
    else
        usage();
    for (int i = 0; i < g_nctx; i++)
        rpc_destroy_context(g_ctx[i].rpc);
    return 0;
}
