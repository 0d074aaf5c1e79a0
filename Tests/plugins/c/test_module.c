/*
 * A VFS module in plain C for the loader's tests, built with cc against
 * include/ only. Compile-time switches make the broken variants the tests
 * need:
 *   -DTEST_ABI_MAJOR=n   declare another ABI major
 *   -DTEST_ABI_MINOR=n   declare another ABI minor
 *   -DTEST_STRUCT_SIZE=n declare another struct size
 *   -DTEST_NO_ENTRY      export no entry function
 *   -DTEST_CAP_LOCKS     claim CHIMERA_VFS_CAP_LOCKS and keep "locks" that
 *                        always succeed (TEST_LOCK always finds one), so a
 *                        test sees that the core sent it the lock ops
 * Config: {"fail": "message"} makes init fail with that message.
 * It serves one empty read-only directory.
 */
#include <stdio.h>
#include <string.h>

#include "chimera_vfs.h"

#ifndef TEST_ABI_MAJOR
#define TEST_ABI_MAJOR CHIMERA_VFS_ABI_MAJOR
#endif
#ifndef TEST_ABI_MINOR
#define TEST_ABI_MINOR CHIMERA_VFS_ABI_MINOR
#endif
#ifndef TEST_STRUCT_SIZE
#define TEST_STRUCT_SIZE sizeof(struct chimera_vfs_module)
#endif

static int32_t test_init(const struct chimera_host *host, const char *config, void **module_private, char *error,
                         size_t error_len)
{
    (void)host;
    const char *fail = strstr(config, "\"fail\"");
    if (fail) {
        const char *start = strchr(fail + 6, '"');
        const char *end = start ? strchr(start + 1, '"') : NULL;
        if (start && end) {
            snprintf(error, error_len, "%.*s", (int)(end - start - 1), start + 1);
        } else {
            snprintf(error, error_len, "config.fail: expected a string");
        }
        return -1;
    }
    *module_private = NULL;
    return 0;
}

static void test_shutdown(void *module_private) { (void)module_private; }

static void *test_thread_init(void *module_private, uint32_t thread_index)
{
    (void)thread_index;
    return module_private;
}

static void test_thread_shutdown(void *thread_private) { (void)thread_private; }

static void fill_root(struct chimera_attrs *attrs)
{
    memset(&attrs->mode, 0, sizeof(*attrs) - 2 * sizeof(uint64_t));
    attrs->valid_mask = CHIMERA_ATTR_MODE | CHIMERA_ATTR_NLINK | CHIMERA_ATTR_SIZE | CHIMERA_ATTR_FILEID;
    attrs->mode = CHIMERA_S_IFDIR | 0555;
    attrs->nlink = 2;
    attrs->size = 4096;
    attrs->fileid = 1;
}

static void test_dispatch(void *thread_private, struct chimera_vfs_request *req)
{
    (void)thread_private;
    switch (req->op) {
    case CHIMERA_VFS_OP_MOUNT:
    case CHIMERA_VFS_OP_GETATTR:
    case CHIMERA_VFS_OP_LOOKUP_PARENT:
        req->r_fh[0] = 1;
        req->r_fh_len = 1;
        fill_root(&req->r_attrs);
        req->status = CHIMERA_OK;
        break;
    case CHIMERA_VFS_OP_LOOKUP:
        req->status = CHIMERA_NOENT;
        break;
    case CHIMERA_VFS_OP_READDIR:
        req->readdir.r_eof = 1;
        req->status = CHIMERA_OK;
        break;
#ifdef TEST_CAP_LOCKS
    case CHIMERA_VFS_OP_LOCK:
    case CHIMERA_VFS_OP_UNLOCK:
        req->status = CHIMERA_OK;
        break;
    case CHIMERA_VFS_OP_TEST_LOCK:
        memcpy(req->lock.r_conflict_owner, "module", 6);
        req->lock.r_conflict_owner_len = 6;
        req->lock.r_conflict_type = CHIMERA_VFS_LOCK_WRITE;
        req->lock.r_conflict_offset = 0;
        req->lock.r_conflict_length = UINT64_MAX;
        req->status = CHIMERA_LOCKED;
        break;
#endif
    default:
        req->status = CHIMERA_NOTSUP;
        break;
    }
    req->complete(req);
}

static const struct chimera_vfs_module test_module = {
    .abi_major = TEST_ABI_MAJOR,
    .abi_minor = TEST_ABI_MINOR,
    .struct_size = TEST_STRUCT_SIZE,
    .name = "ctest",
    .description = "loader test module in C: one empty directory",
#ifdef TEST_CAP_LOCKS
    .capabilities = CHIMERA_VFS_CAP_READ_ONLY | CHIMERA_VFS_CAP_LOCKS,
#else
    .capabilities = CHIMERA_VFS_CAP_READ_ONLY,
#endif
    .blocking_ops = 0,
    .attr_supported = CHIMERA_ATTR_MODE | CHIMERA_ATTR_NLINK | CHIMERA_ATTR_SIZE | CHIMERA_ATTR_FILEID,
    .init = test_init,
    .shutdown = test_shutdown,
    .thread_init = test_thread_init,
    .thread_shutdown = test_thread_shutdown,
    .dispatch = test_dispatch,
};

#ifndef TEST_NO_ENTRY
CHIMERA_EXPORT const struct chimera_vfs_module *chimera_vfs_module_v1(void)
{
    return &test_module;
}
#else
CHIMERA_EXPORT const struct chimera_vfs_module *some_other_symbol(void)
{
    return &test_module;
}
#endif
