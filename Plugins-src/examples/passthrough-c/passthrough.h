/*
 * passthrough.h — what the files of the passthrough example share.
 *
 *   passthrough.c  the module table, dispatch and one function per op
 *   handle.c       file handles: encoding, the MAC, opening, confinement
 *   config.c       parsing the JSON config and loading the handle key
 *   siphash.c      the MAC itself
 *
 * Nothing here is part of the Chimera ABI; only chimera_vfs_module_v1() is
 * exported (every other symbol is hidden by -fvisibility=hidden).
 */
#ifndef PT_PASSTHROUGH_H
#define PT_PASSTHROUGH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <chimera_host.h>
#include <chimera_vfs.h>

#include "siphash.h"

/*
 * The module's state. Written once by init() and only read afterwards, so
 * every thread may use it without a lock: the example has no mutable shared
 * state at all (open files are owned by whoever holds their open handle).
 */
struct pt_module {
    const struct chimera_host *host;
    int      root_fd;            /* O_RDONLY directory: the mount_fd for
                                    open_by_handle_at and the anchor of
                                    every path we resolve */
    dev_t    root_dev;           /* identity of the root, to stop ".." and */
    ino_t    root_ino;           /* to check that directories lie beneath */
    int      root_mount_id;      /* handles only name objects on this mount */
    uint8_t  key[PT_SIPHASH_KEY_LEN];   /* MAC key for handles */
};

/* The one exported symbol (chimera_vfs.h). */
CHIMERA_EXPORT const struct chimera_vfs_module *chimera_vfs_module_v1(void);

/* ---- config.c ----------------------------------------------------------- */

/* Parse config (JSON text), open the root and load or create the handle
 * key. On failure returns -1 with one line in error. */
int pt_config_load(struct pt_module *m, const char *config, char *error,
                   size_t error_len);

/* ---- handle.c ----------------------------------------------------------- */

/* Our handle: 8 header bytes, the kernel's handle, an 8-byte MAC. */
#define PT_FH_HEADER      8
#define PT_FH_MAC         8
#define PT_FH_KERNEL_MAX  (CHIMERA_MODULE_FH_MAX - PT_FH_HEADER - PT_FH_MAC)

/* Write the handle of the object fd refers to (any kind of fd, O_PATH
 * included) into fh. Fails with CHIMERA_XDEV when the object is on another
 * mount than the root, CHIMERA_OVERFLOW when the kernel's handle is longer
 * than we can carry. */
chimera_status_t pt_handle_encode(const struct pt_module *m, int fd,
                                  uint8_t fh[CHIMERA_MODULE_FH_MAX],
                                  uint32_t *fh_len);

/* Check a handle's format and MAC and open what it names with flags
 * (O_PATH, O_RDONLY, ...). Does not check confinement: see pt_open_fh. */
chimera_status_t pt_handle_open(const struct pt_module *m, const uint8_t *fh,
                                uint32_t fh_len, int flags, int *fd);

/* CHIMERA_OK when the directory dirfd is the root or lies beneath it,
 * CHIMERA_STALE when it does not (it was moved out, or the handle was
 * forged with a stolen key). */
chimera_status_t pt_dir_beneath_root(const struct pt_module *m, int dirfd);

/* ---- shared helpers ------------------------------------------------------ */

/* Map an errno to a chimera status (they are equal where both exist). */
chimera_status_t pt_status_from_errno(int err);

#endif /* PT_PASSTHROUGH_H */
