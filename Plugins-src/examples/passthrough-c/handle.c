/*
 * handle.c — the passthrough example's file handles.
 *
 * A handle is the kernel's own file handle (name_to_handle_at(2)), which
 * names an inode by number and generation and so survives a restart of the
 * process and goes stale (ESTALE) when the inode is freed. We wrap it as
 *
 *     byte 0       format version (1)
 *     byte 1       n, the length of the kernel handle (<= 32)
 *     bytes 2-3    zero
 *     bytes 4-7    the kernel handle type, little-endian
 *     bytes 8..    the kernel handle (n bytes)
 *     last 8       SipHash-2-4 of everything before it, little-endian
 *
 * which is at most 48 bytes (CHIMERA_MODULE_FH_MAX).
 *
 * Why the MAC. open_by_handle_at(2) opens *any* inode of the file system the
 * mount fd is on, not just those beneath our root: a client that invents a
 * handle (inode numbers are easy to guess, ext4 generations are 32 bits)
 * would otherwise read /etc/shadow whenever the root shares a file system
 * with it. So every handle we hand out carries a MAC under a secret 128-bit
 * key (config.c), and pt_handle_open() refuses any handle whose MAC does not
 * match before the kernel ever sees it. Forging one then takes about 2^64
 * guesses.
 *
 * The MAC proves that we issued the handle, not that the object is still
 * beneath the root: a local user on the server may have moved it out since.
 * For directories — the only objects through which further names are
 * resolved — pt_dir_beneath_root() checks that by walking ".." up to the
 * root. Files are not checked (a file has no unique parent to walk); a file
 * moved out of the root by someone on the server stays reachable through a
 * handle a client already holds, as with the kernel NFS server's default
 * "no_subtree_check".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "passthrough.h"

#define PT_FH_VERSION 1u

/* Longest ".." walk before we give up: deeper than any path that fits in
 * PATH_MAX ("a/" per level). */
#define PT_MAX_DEPTH (CHIMERA_PATH_MAX / 2)

/* struct file_handle ends in a flexible array: give it room on the stack. */
union pt_kernel_handle {
    struct file_handle fh;
    uint8_t            space[sizeof(struct file_handle) + PT_FH_KERNEL_MAX];
};

static void store_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void store_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* Compare MACs in constant time, so timing does not leak how many leading
 * bytes of a guess were right. */
static int mac_equal(const uint8_t *a, const uint8_t *b)
{
    uint8_t diff = 0;
    for (int i = 0; i < PT_FH_MAC; i++) {
        diff |= (uint8_t)(a[i] ^ b[i]);
    }
    return diff == 0;
}

chimera_status_t pt_handle_encode(const struct pt_module *m, int fd,
                                  uint8_t fh[CHIMERA_MODULE_FH_MAX],
                                  uint32_t *fh_len)
{
    union pt_kernel_handle kh;
    int mount_id;

    kh.fh.handle_bytes = PT_FH_KERNEL_MAX;
    if (name_to_handle_at(fd, "", &kh.fh, &mount_id, AT_EMPTY_PATH) != 0) {
        /* EOVERFLOW: this file system's handles do not fit in 48 bytes. */
        return pt_status_from_errno(errno);
    }
    /* A file system mounted beneath the root has its own inode numbers;
     * open_by_handle_at on the root's mount would open the wrong inode. */
    if (mount_id != m->root_mount_id) {
        return CHIMERA_XDEV;
    }

    uint32_t n = kh.fh.handle_bytes;
    fh[0] = PT_FH_VERSION;
    fh[1] = (uint8_t)n;
    fh[2] = 0;
    fh[3] = 0;
    store_le32(fh + 4, (uint32_t)kh.fh.handle_type);
    memcpy(fh + PT_FH_HEADER, kh.fh.f_handle, n);
    store_le64(fh + PT_FH_HEADER + n, pt_siphash24(m->key, fh, PT_FH_HEADER + n));
    *fh_len = PT_FH_HEADER + n + PT_FH_MAC;
    return CHIMERA_OK;
}

chimera_status_t pt_handle_open(const struct pt_module *m, const uint8_t *fh,
                                uint32_t fh_len, int flags, int *fd)
{
    /* Every byte of the handle came from the network: check the shape
     * before reading a length out of it, and the MAC before using it. */
    if (fh == NULL || fh_len < PT_FH_HEADER + PT_FH_MAC || fh_len > CHIMERA_MODULE_FH_MAX) {
        return CHIMERA_BADHANDLE;
    }
    uint32_t n = fh[1];
    if (fh[0] != PT_FH_VERSION || fh[2] != 0 || fh[3] != 0 || n > PT_FH_KERNEL_MAX ||
        fh_len != PT_FH_HEADER + n + PT_FH_MAC) {
        return CHIMERA_BADHANDLE;
    }
    uint8_t mac[PT_FH_MAC];
    store_le64(mac, pt_siphash24(m->key, fh, PT_FH_HEADER + n));
    if (!mac_equal(mac, fh + PT_FH_HEADER + n)) {
        return CHIMERA_BADHANDLE;
    }

    union pt_kernel_handle kh;
    kh.fh.handle_bytes = n;
    kh.fh.handle_type = (int)load_le32(fh + 4);
    memcpy(kh.fh.f_handle, fh + PT_FH_HEADER, n);

    int got = open_by_handle_at(m->root_fd, &kh.fh, flags | O_CLOEXEC);
    if (got < 0) {
        /* ESTALE: the inode is gone; that is what the caller must hear. */
        return pt_status_from_errno(errno);
    }
    *fd = got;
    return CHIMERA_OK;
}

chimera_status_t pt_dir_beneath_root(const struct pt_module *m, int dirfd)
{
    struct stat st;
    if (fstat(dirfd, &st) != 0) {
        return pt_status_from_errno(errno);
    }
    if (st.st_dev == m->root_dev && st.st_ino == m->root_ino) {
        return CHIMERA_OK;
    }

    /* Walk up. open_by_handle_at reconnects a directory to its path, so
     * ".." is always the real parent; "/" is its own parent. */
    int cur = openat(dirfd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (cur < 0) {
        return pt_status_from_errno(errno);
    }
    chimera_status_t status = CHIMERA_STALE;
    for (int depth = 0; depth < PT_MAX_DEPTH; depth++) {
        struct stat up;
        if (fstat(cur, &up) != 0) {
            status = pt_status_from_errno(errno);
            break;
        }
        if (up.st_dev == m->root_dev && up.st_ino == m->root_ino) {
            status = CHIMERA_OK;
            break;
        }
        if (up.st_dev == st.st_dev && up.st_ino == st.st_ino) {
            break;                      /* reached "/": not beneath */
        }
        st = up;
        int parent = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (parent < 0) {
            status = pt_status_from_errno(errno);
            break;
        }
        close(cur);
        cur = parent;
    }
    close(cur);
    return status;
}
