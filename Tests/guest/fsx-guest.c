/* fsx-guest: a seeded random read/write/truncate/mmap checker, run inside the
 * test guest on an NFS mount. Every operation is applied to the file and to an
 * in-memory model; every read (and every mmap read) is compared with the model.
 * Usage: fsx-guest FILE [SEED] [OPS]   exit 0 on success, 1 on mismatch/error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAXLEN (1024 * 1024)
static unsigned char model[MAXLEN], buf[MAXLEN];
static size_t flen;
static unsigned long long rng;
static const char *path;
static int op_no;

static unsigned long rnd(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (unsigned long)(rng >> 11);
}
static void fail(const char *what, size_t off) {
    fprintf(stderr, "fsx-guest: %s: MISMATCH/ERROR at op %d (%s) offset %zu len %zu: %s\n",
            path, op_no, what, off, flen, errno ? strerror(errno) : "-");
    exit(1);
}
static void compare(const unsigned char *got, size_t off, size_t len, const char *what) {
    for (size_t i = 0; i < len; i++)
        if (got[i] != model[off + i]) {
            fprintf(stderr, "fsx-guest: %s: op %d %s: byte %zu is 0x%02x, model says 0x%02x (file len %zu)\n",
                    path, op_no, what, off + i, got[i], model[off + i], flen);
            exit(1);
        }
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: fsx-guest FILE [SEED] [OPS]\n"); return 2; }
    path = argv[1];
    unsigned long seed = argc > 2 ? strtoul(argv[2], 0, 0) : 1;
    int ops = argc > 3 ? atoi(argv[3]) : 3000;
    rng = seed * 0x9E3779B97F4A7C15ULL + 1;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) fail("open", 0);
    int counts[6] = {0};
    for (op_no = 1; op_no <= ops; op_no++) {
        int kind = rnd() % 6;
        size_t off = rnd() % MAXLEN, len = 1 + rnd() % 65536;
        if (off + len > MAXLEN) len = MAXLEN - off;
        errno = 0;
        switch (kind) {
        case 0: /* write */
            for (size_t i = 0; i < len; i++) buf[i] = (unsigned char)rnd();
            if (pwrite(fd, buf, len, off) != (ssize_t)len) fail("pwrite", off);
            memcpy(model + off, buf, len);
            if (off > flen) memset(model + flen, 0, off - flen);
            if (off + len > flen) flen = off + len;
            break;
        case 1: { /* read */
            if (flen == 0) break;
            off %= flen; if (off + len > flen) len = flen - off;
            ssize_t n = pread(fd, buf, len, off);
            if (n != (ssize_t)len) fail("pread short", off);
            compare(buf, off, len, "pread");
            break; }
        case 2: { /* truncate (grow or shrink) */
            size_t nl = rnd() % MAXLEN;
            if (ftruncate(fd, nl) != 0) fail("ftruncate", nl);
            if (nl > flen) memset(model + flen, 0, nl - flen);
            flen = nl;
            break; }
        case 3: { /* mmap read */
            if (flen == 0) break;
            off %= flen; if (off + len > flen) len = flen - off;
            size_t pg = off & ~(size_t)4095, ml = len + (off - pg);
            unsigned char *p = mmap(0, ml, PROT_READ, MAP_SHARED, fd, pg);
            if (p == MAP_FAILED) fail("mmap read", off);
            compare(p + (off - pg), off, len, "mmap read");
            munmap(p, ml);
            break; }
        case 4: { /* mmap write inside the current size */
            if (flen == 0) break;
            off %= flen; if (off + len > flen) len = flen - off;
            size_t pg = off & ~(size_t)4095, ml = len + (off - pg);
            unsigned char *p = mmap(0, ml, PROT_READ | PROT_WRITE, MAP_SHARED, fd, pg);
            if (p == MAP_FAILED) fail("mmap write", off);
            for (size_t i = 0; i < len; i++) model[off + i] = p[off - pg + i] = (unsigned char)rnd();
            if (msync(p, ml, MS_SYNC) != 0) fail("msync", off);
            munmap(p, ml);
            break; }
        case 5: { /* size check, fsync, sometimes reopen and cache drop */
            struct stat st;
            if (fstat(fd, &st) != 0) fail("fstat", 0);
            if ((size_t)st.st_size != flen) {
                fprintf(stderr, "fsx-guest: %s: op %d: size is %lld, model says %zu\n", path, op_no,
                        (long long)st.st_size, flen);
                return 1;
            }
            if (rnd() % 4 == 0) {
                if (fsync(fd) != 0) fail("fsync", 0);
                close(fd);
                int dc = open("/proc/sys/vm/drop_caches", O_WRONLY);
                if (dc >= 0) { if (write(dc, "3\n", 2) < 0) {} close(dc); }
                fd = open(path, O_RDWR);
                if (fd < 0) fail("reopen", 0);
            }
            break; }
        }
        counts[kind]++;
    }
    /* final full compare after close, cache drop, reopen */
    op_no = ops + 1;
    if (fsync(fd) != 0) fail("final fsync", 0);
    close(fd);
    int dc = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (dc >= 0) { if (write(dc, "3\n", 2) < 0) {} close(dc); }
    fd = open(path, O_RDONLY);
    if (fd < 0) fail("final open", 0);
    ssize_t n = pread(fd, buf, MAXLEN, 0);
    if (n != (ssize_t)flen) { fprintf(stderr, "fsx-guest: %s: final read %zd bytes, model %zu\n", path, n, flen); return 1; }
    compare(buf, 0, flen, "final read");
    close(fd);
    printf("fsx-guest: %s seed=%lu ops=%d ok (write %d read %d trunc %d mmapr %d mmapw %d stat %d) final len %zu\n",
           path, seed, ops, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], flen);
    return 0;
}
