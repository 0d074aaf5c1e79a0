/*
 * nfs-fsx: a file-system exerciser in the spirit of the classic fsx, written
 * for this project on libnfs (NFSv3). One file; a seeded random sequence of
 * writes, reads, truncates (up and down), COMMITs, size checks and
 * close/reopen; every read and every size is compared with an in-memory copy
 * of what the file must hold.
 *
 *   nfs-fsx [-N ops] [-l max-file-size] [-o max-op-size] [-s seed] URL PATH
 *
 * URL: nfs://127.0.0.1/memfs?nfsport=P&mountport=Q; PATH: the file in that
 * export ("/fsx.dat"). The seed is printed first; on a mismatch the failing
 * operation, the first differing bytes and the last operations are printed
 * and the exit status is 1 (2 for usage or setup errors).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nfsc/libnfs.h>

enum op { OP_READ, OP_WRITE, OP_TRUNCATE, OP_COMMIT, OP_SIZE, OP_REOPEN, OP_READ_ALL, OP_COUNT };
static const char *op_names[OP_COUNT] = { "read", "write", "truncate", "commit", "size", "reopen", "read-all" };

#define LOG_SIZE 32

struct logged {
    long number;
    enum op op;
    uint64_t offset, length, size_before;
};

static struct logged oplog[LOG_SIZE];
static long op_number;
static uint64_t rng_state, seed;
static unsigned char *model, *scratch;
static uint64_t file_size, max_file = 1 << 20, max_op = 64 << 10;
static struct nfs_context *nfs;
static struct nfsfh *fh;
static const char *path;

static uint64_t next_random(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static uint64_t below(uint64_t n)
{
    return n == 0 ? 0 : next_random() % n;
}

static void log_op(enum op op, uint64_t offset, uint64_t length)
{
    struct logged *l = &oplog[op_number % LOG_SIZE];
    l->number = op_number;
    l->op = op;
    l->offset = offset;
    l->length = length;
    l->size_before = file_size;
}

static void dump_log(void)
{
    fprintf(stderr, "last operations (oldest first):\n");
    long first = op_number - LOG_SIZE + 1;
    for (long n = first < 0 ? 0 : first; n <= op_number; n++) {
        struct logged *l = &oplog[n % LOG_SIZE];
        if (l->number != n) continue;
        fprintf(stderr, "  #%ld %-9s offset %" PRIu64 " length %" PRIu64 " (size before %" PRIu64 ")\n", l->number,
                op_names[l->op], l->offset, l->length, l->size_before);
    }
}

static int failure(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "nfs-fsx: FAILED at operation #%ld (%s), seed %" PRIu64 ": ", op_number,
            op_names[oplog[op_number % LOG_SIZE].op], seed);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    dump_log();
    return 1;
}

static int compare(const unsigned char *got, uint64_t offset, uint64_t length)
{
    for (uint64_t i = 0; i < length; i++) {
        if (got[i] != model[offset + i]) {
            char detail[160];
            uint64_t at = offset + i;
            int n = snprintf(detail, sizeof detail, "data differs at byte %" PRIu64 ": got", at);
            for (uint64_t j = i; j < length && j < i + 8; j++) n += snprintf(detail + n, sizeof detail - n, " %02x", got[j]);
            n += snprintf(detail + n, sizeof detail - n, ", expected");
            for (uint64_t j = i; j < length && j < i + 8; j++)
                n += snprintf(detail + n, sizeof detail - n, " %02x", model[offset + j]);
            return failure("%s (read of %" PRIu64 " bytes at %" PRIu64 ")", detail, length, offset);
        }
    }
    return 0;
}

/* Read [offset, offset+length) in as many calls as the client needs; returns the bytes read. */
static int64_t read_range(uint64_t offset, uint64_t length)
{
    uint64_t got = 0;
    for (int i = 0; got < length && i < 4096; i++) {
        int n = nfs_pread(nfs, fh, offset + got, length - got, scratch + got);
        if (n < 0) return n;
        if (n == 0) break;
        got += (uint64_t)n;
    }
    return (int64_t)got;
}

static int do_read(uint64_t offset, uint64_t length)
{
    int64_t n = read_range(offset, length);
    if (n < 0) return failure("pread failed (%" PRId64 "): %s", n, nfs_get_error(nfs));
    uint64_t expected = offset >= file_size ? 0 : (file_size - offset < length ? file_size - offset : length);
    if ((uint64_t)n != expected)
        return failure("read of %" PRIu64 " at %" PRIu64 " returned %" PRId64 " bytes, expected %" PRIu64, length,
                       offset, n, expected);
    return compare(scratch, offset, expected);
}

static int do_write(uint64_t offset, uint64_t length)
{
    for (uint64_t i = 0; i < length; i += 8) {
        uint64_t r = next_random();
        memcpy(scratch + i, &r, length - i < 8 ? length - i : 8);
    }
    uint64_t done = 0;
    for (int i = 0; done < length && i < 4096; i++) {
        int n = nfs_pwrite(nfs, fh, offset + done, length - done, scratch + done);
        if (n <= 0) return failure("pwrite at %" PRIu64 " failed (%d): %s", offset + done, n, nfs_get_error(nfs));
        done += (uint64_t)n;
    }
    if (offset > file_size) memset(model + file_size, 0, offset - file_size);
    memcpy(model + offset, scratch, length);
    if (offset + length > file_size) file_size = offset + length;
    return 0;
}

static int do_truncate(uint64_t size)
{
    if (nfs_ftruncate(nfs, fh, size) != 0) return failure("ftruncate to %" PRIu64 " failed: %s", size, nfs_get_error(nfs));
    if (size > file_size) memset(model + file_size, 0, size - file_size);
    file_size = size;
    return 0;
}

static int check_size(void)
{
    struct nfs_stat_64 st;
    if (nfs_fstat64(nfs, fh, &st) != 0) return failure("fstat failed: %s", nfs_get_error(nfs));
    if (st.nfs_size != file_size)
        return failure("size is %" PRIu64 ", expected %" PRIu64, st.nfs_size, file_size);
    return 0;
}

int main(int argc, char **argv)
{
    long ops = 10000;
    seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
    int opt;
    while ((opt = getopt(argc, argv, "N:l:o:s:")) != -1) {
        switch (opt) {
        case 'N': ops = atol(optarg); break;
        case 'l': max_file = strtoull(optarg, NULL, 0); break;
        case 'o': max_op = strtoull(optarg, NULL, 0); break;
        case 's': seed = strtoull(optarg, NULL, 0); break;
        default: goto usage;
        }
    }
    if (optind + 2 != argc || ops < 1 || max_file < 16 || max_op < 1 || max_op > max_file) goto usage;
    path = argv[optind + 1];
    rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
    printf("nfs-fsx: seed %" PRIu64 ", %ld operations, file %s, max size %" PRIu64 ", max op %" PRIu64 "\n", seed, ops,
           path, max_file, max_op);
    fflush(stdout);

    model = calloc(1, max_file + max_op);
    scratch = calloc(1, max_file + max_op);
    nfs = nfs_init_context();
    if (!model || !scratch || !nfs) return 2;
    struct nfs_url *url = nfs_parse_url_dir(nfs, argv[optind]);
    if (!url) {
        fprintf(stderr, "bad URL: %s\n", nfs_get_error(nfs));
        return 2;
    }
    if (nfs_mount(nfs, url->server, url->path) != 0) {
        fprintf(stderr, "mount failed: %s\n", nfs_get_error(nfs));
        return 2;
    }
    nfs_destroy_url(url);
    if (nfs_create(nfs, path, O_CREAT | O_TRUNC | O_RDWR, 0644, &fh) != 0) {
        fprintf(stderr, "cannot create %s: %s\n", path, nfs_get_error(nfs));
        return 2;
    }

    long counts[OP_COUNT] = {0};
    for (op_number = 0; op_number < ops; op_number++) {
        enum op op = (enum op)below(OP_COUNT + 3);
        if ((int)op >= OP_COUNT) op = (int)op == OP_COUNT ? OP_READ : OP_WRITE;  /* reads and writes weigh more */
        uint64_t offset = 0, length = 0;
        int r = 0;
        switch (op) {
        case OP_READ:
            offset = below(file_size + max_op / 4 + 1);
            length = below(max_op) + 1;
            log_op(op, offset, length);
            r = do_read(offset, length);
            break;
        case OP_WRITE:
            offset = below(max_file);
            length = below(max_op) + 1;
            if (offset + length > max_file) length = max_file - offset;
            log_op(op, offset, length);
            r = do_write(offset, length);
            break;
        case OP_TRUNCATE:
            offset = below(4) == 0 ? 0 : below(max_file + 1);
            log_op(op, offset, 0);
            r = do_truncate(offset);
            break;
        case OP_COMMIT:
            log_op(op, 0, 0);
            if (nfs_fsync(nfs, fh) != 0) r = failure("fsync (COMMIT) failed: %s", nfs_get_error(nfs));
            break;
        case OP_SIZE:
            log_op(op, 0, 0);
            r = check_size();
            break;
        case OP_REOPEN:
            log_op(op, 0, 0);
            nfs_close(nfs, fh);
            if (nfs_open(nfs, path, O_RDWR, &fh) != 0)
                r = failure("reopen failed: %s", nfs_get_error(nfs));
            break;
        case OP_READ_ALL:
            log_op(op, 0, file_size);
            r = do_read(0, file_size + 1);
            break;
        default:
            break;
        }
        if (r != 0) return 1;
        counts[op]++;
    }
    op_number = ops - 1;
    if (check_size() != 0 || do_read(0, file_size) != 0) return 1;
    nfs_close(nfs, fh);
    nfs_unlink(nfs, path);
    nfs_destroy_context(nfs);
    printf("nfs-fsx: OK, %ld operations:", ops);
    for (int o = 0; o < OP_COUNT; o++) printf(" %s=%ld", op_names[o], counts[o]);
    printf(", final size %" PRIu64 "\n", file_size);
    return 0;

usage:
    fprintf(stderr, "usage: %s [-N ops] [-l max-file-size] [-o max-op-size] [-s seed] nfs://host/export?... /file\n",
            argv[0]);
    return 2;
}
