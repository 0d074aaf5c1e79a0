/*
 * nfs-stress: several libnfs contexts in parallel (async API, one poll loop)
 * run random create / write / read / truncate / rename / remove / stat /
 * readdir operations over NFSv3 and check every result against an in-memory
 * model. Each context owns a directory and a set of names in one shared
 * directory, so its model is exact even while the others run; a readdir of
 * the shared directory is checked for the context's own names only.
 *
 *   nfs-stress [-c contexts] [-n ops] [-t seconds] [-s seed] [-k] URL
 *
 * URL is an NFS directory URL, e.g.
 *   nfs://127.0.0.1/memfs?nfsport=2049&mountport=20048
 * -n bounds the operations over all contexts, -t the wall time (reaching it
 * stops the run early, which is not a failure). -k keeps the files.
 * Exit status: 0 when every result matched, 1 on the first mismatch (with a
 * message naming the context, operation, path and what differed), 2 on
 * usage or setup errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nfsc/libnfs.h>

#define MAX_CONTEXTS 64
#define SLOTS 24               /* names per context: even in its own dir, odd in the shared one */
#define MAX_FILE (256 * 1024)  /* largest modelled file */
#define MAX_IO (48 * 1024)     /* largest single write */

enum op {
    OP_CREATE, OP_CREATE_EXISTING, OP_WRITE, OP_READ, OP_TRUNCATE, OP_RENAME, OP_REMOVE, OP_STAT, OP_STAT_MISSING,
    OP_READDIR, OP_COUNT
};
static const char *op_names[OP_COUNT] = {
    "create", "create-existing", "write", "read", "truncate", "rename", "remove", "stat", "stat-missing", "readdir",
};

struct file_model {
    int exists;
    size_t size;
    unsigned char *data;       /* MAX_FILE bytes */
};

struct ctx {
    int index;
    struct nfs_context *nfs;
    uint64_t rng;
    char dirs[2][256];         /* own directory, shared directory */
    struct file_model files[SLOTS];
    /* the operation in flight */
    int busy;
    enum op op;
    int slot, slot2;
    uint64_t offset;
    size_t length;
    struct nfsfh *fh;
    unsigned char *buffer;     /* MAX_FILE + MAX_IO */
    char path[512], path2[512];
    long done;
    long per_op[OP_COUNT];
};

static struct ctx contexts[MAX_CONTEXTS];
static int ncontexts = 8;
static long max_ops = 20000, started_ops;
static int failed;
static time_t last_progress;

static uint64_t next_random(struct ctx *c)
{
    /* xorshift64* */
    c->rng ^= c->rng >> 12;
    c->rng ^= c->rng << 25;
    c->rng ^= c->rng >> 27;
    return c->rng * 2685821657736338717ull;
}

static uint64_t below(struct ctx *c, uint64_t n)
{
    return n == 0 ? 0 : next_random(c) % n;
}

static void fail(struct ctx *c, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "MISMATCH context %d op %ld (%s) path %s: ", c->index, c->done, op_names[c->op], c->path);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    failed = 1;
}

static void slot_path(struct ctx *c, int slot, char *out, size_t size)
{
    snprintf(out, size, "%s/c%d-%d", c->dirs[slot % 2], c->index, slot);
}

static void finish(struct ctx *c)
{
    c->busy = 0;
    c->fh = NULL;
    c->per_op[c->op]++;
    c->done++;
    last_progress = time(NULL);
}

static int check_err(struct ctx *c, int err, void *data, const char *step)
{
    if (err < 0) {
        fail(c, "%s failed: %d (%s)", step, err, data ? (const char *)data : nfs_get_error(c->nfs));
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ callbacks */

static void close_cb(int err, struct nfs_context *nfs, void *data, void *private_data)
{
    struct ctx *c = private_data;
    (void)nfs;
    if (check_err(c, err, data, "close") == 0) finish(c);
}

static void start_close(struct ctx *c)
{
    if (nfs_close_async(c->nfs, c->fh, close_cb, c) < 0) fail(c, "close not queued: %s", nfs_get_error(c->nfs));
}

static void write_cb(int err, struct nfs_context *nfs, void *data, void *private_data)
{
    struct ctx *c = private_data;
    struct file_model *f = &c->files[c->slot];
    (void)nfs;
    if (check_err(c, err, data, "pwrite")) return;
    if ((size_t)err != c->length) {
        fail(c, "pwrite of %zu bytes at %" PRIu64 " wrote %d", c->length, c->offset, err);
        return;
    }
    if (c->offset > f->size) memset(f->data + f->size, 0, c->offset - f->size);
    memcpy(f->data + c->offset, c->buffer, c->length);
    if (c->offset + c->length > f->size) f->size = c->offset + c->length;
    start_close(c);
}

static void fill_random(struct ctx *c, size_t length)
{
    for (size_t i = 0; i < length; i += 8) {
        uint64_t r = next_random(c);
        memcpy(c->buffer + i, &r, length - i < 8 ? length - i : 8);
    }
}

static void start_write(struct ctx *c)
{
    if (c->length == 0) {
        start_close(c);
        return;
    }
    fill_random(c, c->length);
    if (nfs_pwrite_async(c->nfs, c->fh, c->offset, c->length, c->buffer, write_cb, c) < 0)
        fail(c, "pwrite not queued: %s", nfs_get_error(c->nfs));
}

static void create_cb(int err, struct nfs_context *nfs, void *data, void *private_data)
{
    struct ctx *c = private_data;
    struct file_model *f = &c->files[c->slot];
    (void)nfs;
    if (c->op == OP_CREATE_EXISTING) {
        if (err != -EEXIST) fail(c, "exclusive create of an existing name gave %d, expected -EEXIST", err);
        else finish(c);
        return;
    }
    if (check_err(c, err, data, "create")) return;
    c->fh = data;
    f->exists = 1;
    f->size = 0;
    start_write(c);
}

static void open_for_write_cb(int err, struct nfs_context *nfs, void *data, void *private_data)
{
    struct ctx *c = private_data;
    (void)nfs;
    if (check_err(c, err, data, "open for write")) return;
    c->fh = data;
    start_write(c);
}

static void read_cb(int err, struct nfs_context *nfs, void *data, void *private_data)
{
    struct ctx *c = private_data;
    struct file_model *f = &c->files[c->slot];
    (void)nfs;
    if (check_err(c, err, data, "pread")) return;
    size_t expected = c->offset >= f->size ? 0 : f->size - c->offset;
    if (expected > c->length) expected = c->length;
    if ((size_t)err != expected) {
        fail(c, "pread of %zu at %" PRIu64 " returned %d bytes, model has %zu (file size %zu)", c->length, c->offset,
             err, expected, f->size);
        return;
    }
    const unsigned char *got = data;
    for (size_t i = 0; i < expected; i++) {
        if (got[i] != f->data[c->offset + i]) {
            fail(c, "byte %" PRIu64 " is 0x%02x, model has 0x%02x", c->offset + i, got[i], f->data[c->offset + i]);
            return;
        }
    }
    start_close(c);
}

static void open_for_read_cb(int err, struct nfs_context *nfs, void *data, void *private_data)
{
    struct ctx *c = private_data;
    (void)nfs;
    if (check_err(c, err, data, "open for read")) return;
    c->fh = data;
    if (nfs_pread_async(c->nfs, c->fh, c->offset, c->length, read_cb, c) < 0)
        fail(c, "pread not queued: %s", nfs_get_error(c->nfs));
}

static void truncate_cb(int err, struct nfs_context *nfs, void *data, void *private_data)
{
    struct ctx *c = private_data;
    struct file_model *f = &c->files[c->slot];
    (void)nfs;
    if (check_err(c, err, data, "truncate")) return;
    if (c->offset > f->size) memset(f->data + f->size, 0, c->offset - f->size);
    f->size = c->offset;
    finish(c);
}

static void rename_cb(int err, struct nfs_context *nfs, void *data, void *private_data)
{
    struct ctx *c = private_data;
    (void)nfs;
    if (check_err(c, err, data, "rename")) return;
    struct file_model *from = &c->files[c->slot], *to = &c->files[c->slot2];
    unsigned char *spare = to->data;
    *to = *from;
    from->data = spare;
    from->exists = 0;
    from->size = 0;
    finish(c);
}

static void remove_cb(int err, struct nfs_context *nfs, void *data, void *private_data)
{
    struct ctx *c = private_data;
    (void)nfs;
    if (check_err(c, err, data, "unlink")) return;
    c->files[c->slot].exists = 0;
    c->files[c->slot].size = 0;
    finish(c);
}

static void stat_cb(int err, struct nfs_context *nfs, void *data, void *private_data)
{
    struct ctx *c = private_data;
    struct file_model *f = &c->files[c->slot];
    (void)nfs;
    if (c->op == OP_STAT_MISSING) {
        if (err != -ENOENT) fail(c, "stat of a removed name gave %d, expected -ENOENT", err);
        else finish(c);
        return;
    }
    if (check_err(c, err, data, "stat")) return;
    const struct nfs_stat_64 *st = data;
    if (st->nfs_size != f->size) {
        fail(c, "stat size %" PRIu64 ", model %zu", (uint64_t)st->nfs_size, f->size);
        return;
    }
    if ((st->nfs_mode & S_IFMT) != S_IFREG) {
        fail(c, "stat mode 0%o is not a regular file", (unsigned)st->nfs_mode);
        return;
    }
    finish(c);
}

static void readdir_cb(int err, struct nfs_context *nfs, void *data, void *private_data)
{
    struct ctx *c = private_data;
    if (check_err(c, err, data, "opendir")) return;
    struct nfsdir *dir = data;
    int which = c->slot;       /* 0: own directory, 1: shared */
    int seen[SLOTS] = {0};
    char prefix[32];
    snprintf(prefix, sizeof prefix, "c%d-", c->index);
    struct nfsdirent *e;
    while ((e = nfs_readdir(nfs, dir)) != NULL) {
        if (!strcmp(e->name, ".") || !strcmp(e->name, "..")) continue;
        if (strncmp(e->name, prefix, strlen(prefix)) != 0) {
            if (which == 0) {
                fail(c, "unexpected entry \"%s\" in the context's own directory", e->name);
                nfs_closedir(nfs, dir);
                return;
            }
            continue;
        }
        int slot = atoi(e->name + strlen(prefix));
        if (slot < 0 || slot >= SLOTS || slot % 2 != which || !c->files[slot].exists || seen[slot]) {
            fail(c, "entry \"%s\" is not in the model (or listed twice)", e->name);
            nfs_closedir(nfs, dir);
            return;
        }
        if (e->size != c->files[slot].size) {
            fail(c, "entry \"%s\" size %" PRIu64 ", model %zu", e->name, e->size, c->files[slot].size);
            nfs_closedir(nfs, dir);
            return;
        }
        seen[slot] = 1;
    }
    nfs_closedir(nfs, dir);
    for (int slot = which; slot < SLOTS; slot += 2) {
        if (c->files[slot].exists && !seen[slot]) {
            fail(c, "model has c%d-%d (%zu bytes) but readdir did not list it", c->index, slot, c->files[slot].size);
            return;
        }
    }
    finish(c);
}

/* ------------------------------------------------------------ scheduling */

static int pick_slot(struct ctx *c, int exists)
{
    int start = (int)below(c, SLOTS);
    for (int i = 0; i < SLOTS; i++) {
        int slot = (start + i) % SLOTS;
        if (c->files[slot].exists == exists) return slot;
    }
    return -1;
}

static void start_op(struct ctx *c)
{
    int r = 0;
    c->busy = 1;
    started_ops++;
    for (;;) {
        c->op = (enum op)below(c, OP_COUNT);
        int need_existing = c->op != OP_CREATE && c->op != OP_READDIR && c->op != OP_STAT_MISSING;
        c->slot = pick_slot(c, need_existing ? 1 : 0);
        if (c->op == OP_READDIR) c->slot = (int)below(c, 2);
        if (c->slot >= 0) break;
    }
    struct file_model *f = &c->files[c->slot];
    if (c->op != OP_READDIR) slot_path(c, c->slot, c->path, sizeof c->path);
    else snprintf(c->path, sizeof c->path, "%s", c->dirs[c->slot]);
    switch (c->op) {
    case OP_CREATE:
        c->offset = 0;
        c->length = below(c, MAX_IO + 1);
        r = nfs_create_async(c->nfs, c->path, O_CREAT | O_EXCL | O_WRONLY, 0644, create_cb, c);
        break;
    case OP_CREATE_EXISTING:
        r = nfs_create_async(c->nfs, c->path, O_CREAT | O_EXCL | O_WRONLY, 0644, create_cb, c);
        break;
    case OP_WRITE: {
        uint64_t room = MAX_FILE - 1;
        c->offset = below(c, (f->size + 8192 < room ? f->size + 8192 : room));
        c->length = 1 + below(c, MAX_IO);
        if (c->offset + c->length > MAX_FILE) c->length = MAX_FILE - c->offset;
        r = nfs_open_async(c->nfs, c->path, O_WRONLY, open_for_write_cb, c);
        break;
    }
    case OP_READ:
        c->offset = below(c, 4) == 0 ? 0 : below(c, f->size + 1024);
        c->length = below(c, 2) ? f->size + 100 : 1 + below(c, MAX_IO);
        if (c->length > MAX_FILE) c->length = MAX_FILE;
        r = nfs_open_async(c->nfs, c->path, O_RDONLY, open_for_read_cb, c);
        break;
    case OP_TRUNCATE:
        c->offset = below(c, f->size + 16384);
        if (c->offset > MAX_FILE) c->offset = MAX_FILE;
        r = nfs_truncate_async(c->nfs, c->path, c->offset, truncate_cb, c);
        break;
    case OP_RENAME:
        c->slot2 = (int)below(c, SLOTS);
        if (c->slot2 == c->slot) c->slot2 = (c->slot + 1) % SLOTS;
        slot_path(c, c->slot2, c->path2, sizeof c->path2);
        r = nfs_rename_async(c->nfs, c->path, c->path2, rename_cb, c);
        break;
    case OP_REMOVE:
        r = nfs_unlink_async(c->nfs, c->path, remove_cb, c);
        break;
    case OP_STAT:
    case OP_STAT_MISSING:
        r = nfs_stat64_async(c->nfs, c->path, stat_cb, c);
        break;
    case OP_READDIR:
        r = nfs_opendir_async(c->nfs, c->path, readdir_cb, c);
        break;
    default:
        break;
    }
    if (r < 0) fail(c, "not queued: %s", nfs_get_error(c->nfs));
}

/* ------------------------------------------------------------ setup and checks */

static struct nfs_context *connect_to(const char *url_text, char *export_path, size_t size)
{
    struct nfs_context *nfs = nfs_init_context();
    if (!nfs) return NULL;
    nfs_set_dircache(nfs, 0);
    struct nfs_url *url = nfs_parse_url_dir(nfs, url_text);
    if (!url) {
        fprintf(stderr, "bad URL %s: %s\n", url_text, nfs_get_error(nfs));
        nfs_destroy_context(nfs);
        return NULL;
    }
    if (nfs_mount(nfs, url->server, url->path) != 0) {
        fprintf(stderr, "mount of %s failed: %s\n", url_text, nfs_get_error(nfs));
        nfs_destroy_url(url);
        nfs_destroy_context(nfs);
        return NULL;
    }
    if (export_path) snprintf(export_path, size, "%s", url->path);
    nfs_destroy_url(url);
    return nfs;
}

/* After the run: every file's whole content and every directory listing, synchronously. */
static int verify_all(struct ctx *c)
{
    for (int slot = 0; slot < SLOTS; slot++) {
        struct file_model *f = &c->files[slot];
        slot_path(c, slot, c->path, sizeof c->path);
        struct nfs_stat_64 st;
        int r = nfs_stat64(c->nfs, c->path, &st);
        if (!f->exists) {
            if (r != -ENOENT) {
                fprintf(stderr, "MISMATCH final check %s: exists on the server (%d) but not in the model\n", c->path, r);
                return -1;
            }
            continue;
        }
        if (r != 0 || st.nfs_size != f->size) {
            fprintf(stderr, "MISMATCH final check %s: stat %d size %" PRIu64 ", model %zu\n", c->path, r,
                    (uint64_t)st.nfs_size, f->size);
            return -1;
        }
        struct nfsfh *fh;
        if (nfs_open(c->nfs, c->path, O_RDONLY, &fh) != 0) {
            fprintf(stderr, "MISMATCH final check %s: open failed: %s\n", c->path, nfs_get_error(c->nfs));
            return -1;
        }
        size_t got = 0;
        while (got < f->size) {
            int n = nfs_pread(c->nfs, fh, got, f->size - got, c->buffer + got);
            if (n <= 0) break;
            got += (size_t)n;
        }
        nfs_close(c->nfs, fh);
        if (got != f->size || memcmp(c->buffer, f->data, f->size) != 0) {
            fprintf(stderr, "MISMATCH final check %s: content differs from the model (%zu of %zu bytes read)\n",
                    c->path, got, f->size);
            return -1;
        }
    }
    return 0;
}

static void cleanup(struct ctx *c)
{
    for (int slot = 0; slot < SLOTS; slot++) {
        if (!c->files[slot].exists) continue;
        slot_path(c, slot, c->path, sizeof c->path);
        nfs_unlink(c->nfs, c->path);
    }
    nfs_rmdir(c->nfs, c->dirs[0]);
}

int main(int argc, char **argv)
{
    int seconds = 300, keep = 0;
    uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    int opt;
    while ((opt = getopt(argc, argv, "c:n:t:s:k")) != -1) {
        switch (opt) {
        case 'c': ncontexts = atoi(optarg); break;
        case 'n': max_ops = atol(optarg); break;
        case 't': seconds = atoi(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 0); break;
        case 'k': keep = 1; break;
        default: goto usage;
        }
    }
    if (optind + 1 != argc || ncontexts < 1 || ncontexts > MAX_CONTEXTS || max_ops < 1 || seconds < 1) goto usage;
    const char *url = argv[optind];
    printf("nfs-stress: seed %" PRIu64 ", %d contexts, %ld operations, %d s bound, %s\n", seed, ncontexts, max_ops,
           seconds, url);
    fflush(stdout);

    char base[64];
    snprintf(base, sizeof base, "/stress-%" PRIu64, seed);
    for (int i = 0; i < ncontexts; i++) {
        struct ctx *c = &contexts[i];
        c->index = i;
        c->rng = seed * 0x9E3779B97F4A7C15ull + (uint64_t)i * 0xBF58476D1CE4E5B9ull + 1;
        c->nfs = connect_to(url, NULL, 0);
        if (!c->nfs) return 2;
        snprintf(c->dirs[0], sizeof c->dirs[0], "%s/c%d", base, i);
        snprintf(c->dirs[1], sizeof c->dirs[1], "%s/shared", base);
        c->buffer = malloc(MAX_FILE + MAX_IO);
        for (int s = 0; s < SLOTS; s++) c->files[s].data = calloc(1, MAX_FILE + MAX_IO);
        if (!c->buffer) return 2;
        if (i == 0) {
            if (nfs_mkdir(c->nfs, base) != 0 || nfs_mkdir(c->nfs, c->dirs[1]) != 0) {
                fprintf(stderr, "cannot create %s: %s\n", base, nfs_get_error(c->nfs));
                return 2;
            }
        }
        if (nfs_mkdir(c->nfs, c->dirs[0]) != 0) {
            fprintf(stderr, "cannot create %s: %s\n", c->dirs[0], nfs_get_error(c->nfs));
            return 2;
        }
    }

    time_t start = time(NULL);
    last_progress = start;
    int stopped_by_time = 0;
    struct pollfd pfds[MAX_CONTEXTS];
    for (;;) {
        int busy = 0;
        for (int i = 0; i < ncontexts && !failed; i++) {
            struct ctx *c = &contexts[i];
            if (!c->busy && started_ops < max_ops && !stopped_by_time) start_op(c);
            busy += c->busy;
        }
        if (failed) break;
        if (busy == 0) break;
        time_t now = time(NULL);
        if (now - start >= seconds) stopped_by_time = 1;
        if (now - last_progress > 60) {
            fprintf(stderr, "HANG: no operation finished for 60 s\n");
            return 1;
        }
        for (int i = 0; i < ncontexts; i++) {
            pfds[i].fd = nfs_get_fd(contexts[i].nfs);
            pfds[i].events = (short)nfs_which_events(contexts[i].nfs);
            pfds[i].revents = 0;
        }
        if (poll(pfds, (nfds_t)ncontexts, 100) < 0 && errno != EINTR) {
            perror("poll");
            return 2;
        }
        for (int i = 0; i < ncontexts && !failed; i++) {
            if (pfds[i].revents == 0) continue;
            if (nfs_service(contexts[i].nfs, pfds[i].revents) < 0) {
                fail(&contexts[i], "nfs_service failed: %s", nfs_get_error(contexts[i].nfs));
            }
        }
    }
    if (failed) {
        fprintf(stderr, "nfs-stress: FAILED (seed %" PRIu64 ")\n", seed);
        return 1;
    }
    long total = 0;
    for (int i = 0; i < ncontexts; i++) {
        if (verify_all(&contexts[i]) != 0) {
            fprintf(stderr, "nfs-stress: FAILED in the final check (seed %" PRIu64 ")\n", seed);
            return 1;
        }
        total += contexts[i].done;
    }
    long per_op[OP_COUNT] = {0};
    for (int i = 0; i < ncontexts; i++)
        for (int o = 0; o < OP_COUNT; o++) per_op[o] += contexts[i].per_op[o];
    printf("nfs-stress: OK, %ld operations in %ld s%s:", total, (long)(time(NULL) - start),
           stopped_by_time ? " (stopped at the time bound)" : "");
    for (int o = 0; o < OP_COUNT; o++) printf(" %s=%ld", op_names[o], per_op[o]);
    printf("\n");
    if (!keep) {
        for (int i = 0; i < ncontexts; i++) cleanup(&contexts[i]);
        nfs_rmdir(contexts[0].nfs, contexts[0].dirs[1]);
        nfs_rmdir(contexts[0].nfs, base);
    }
    for (int i = 0; i < ncontexts; i++) {
        nfs_destroy_context(contexts[i].nfs);
        free(contexts[i].buffer);
        for (int s = 0; s < SLOTS; s++) free(contexts[i].files[s].data);
    }
    return 0;

usage:
    fprintf(stderr, "usage: %s [-c contexts] [-n ops] [-t seconds] [-s seed] [-k] nfs://host/export?...\n", argv[0]);
    return 2;
}
