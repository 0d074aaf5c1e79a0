/*
 * chimera_protocol.h — what a Chimera protocol front-end implements.
 *
 * A front-end (NFS, S3, SMB) is a shared object that exports one function,
 *
 *     CHIMERA_EXPORT const struct chimera_protocol_module *
 *         chimera_protocol_module_v1(void);
 *
 * returning a struct that lives as long as the process (see chimera_vfs.h
 * for why a function).
 *
 * Life cycle, all driven by the host:
 *   1. init() on a control thread, with its "server.protocols.<name>" config
 *      and the whole config document. It validates its config, asks for its
 *      listeners with host->listen(), and creates metrics. No I/O yet.
 *   2. thread_init() once on every loop thread.
 *   3. After every plugin initialised, the host binds every listener; from
 *      then on connection_opened / connection_message / connection_closed
 *      arrive on the loop that owns the connection.
 *   4. On SIGTERM/SIGINT: the host stops accepting, calls drain() so the
 *      front-end can finish in-flight requests and close idle connections,
 *      waits (bounded) for connection_release of every connection, then
 *      thread_shutdown() on every loop and shutdown() once.
 *
 * A front-end talks to storage only through host->vfs (chimera_host.h) and
 * never blocks a loop.
 *
 * Changelog
 *   1.0  First version.
 *   1.1  Front-ends fill the 1.1 struct chimera_cred (struct_size, every
 *        group, a principal); the core upgrades a 1.0 front-end's.
 *   1.2  lease_break: the core's open state asks the front-end to break a
 *        lease it holds for one of its clients (chimera_vfs.h "Open state").
 */
#ifndef CHIMERA_PROTOCOL_H
#define CHIMERA_PROTOCOL_H

#include "chimera_common.h"
#include "chimera_host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CHIMERA_PROTOCOL_ABI_MAJOR 1
#define CHIMERA_PROTOCOL_ABI_MINOR 2
#define CHIMERA_PROTOCOL_MODULE_SYMBOL "chimera_protocol_module_v1"
struct chimera_protocol_module;
typedef const struct chimera_protocol_module *(
    *chimera_protocol_module_entry_fn)(void);

/* Configuration handed to init(). Strings are NUL-terminated JSON. */
struct chimera_protocol_config {
    uint32_t    struct_size;
    uint32_t    reserved;
    /* The plugin's own object, "server.protocols.<name>" ("{}" if empty). */
    const char *config;
    /* The whole config document, for mounts, shares and buckets. */
    const char *document;
    /* Where the document came from, for error messages. */
    const char *path;
};

struct chimera_protocol_module {
    uint32_t    abi_major;              /* CHIMERA_PROTOCOL_ABI_MAJOR */
    uint32_t    abi_minor;
    uint32_t    struct_size;            /* sizeof as the plugin knew it */
    uint32_t    reserved;
    const char *name;                   /* "nfs" */
    const char *description;

    /* Validate config, ask for listeners. On failure return non-zero with
     * one line in error naming the key and what was expected. */
    int32_t (*init)(const struct chimera_host *host,
                    const struct chimera_protocol_config *config,
                    void **protocol_private, char *error, size_t error_len);
    void (*shutdown)(void *protocol_private);

    void *(*thread_init)(void *protocol_private, uint32_t thread_index);
    void (*thread_shutdown)(void *thread_private);

    /* A client connected. Returns the connection's private pointer, or
     * NULL to refuse it (the host closes it; no further callbacks). */
    void *(*connection_opened)(void *thread_private,
                               struct chimera_connection *conn,
                               const struct chimera_connection_info *info);
    /* One framed message; see struct chimera_message for lifetime. */
    void (*connection_message)(void *connection_private,
                               struct chimera_message *message);
    /* The transport went away (peer closed, error, close()). Sends fail from
     * now on. The front-end calls host->connection_release(conn) once its
     * in-flight requests are done. */
    void (*connection_closed)(void *connection_private);
    /* Shutdown started: finish in-flight work, answer nothing new, close. */
    void (*drain)(void *thread_private);

    /* ABI 1.2. The core must break a lease this front-end took for one of
     * its clients (brk->client_private is the client's): tell the client
     * (CB_RECALL, LEASE_BREAK, an oplock break) and, when it answers,
     * submit CHIMERA_VFS_OP_LEASE at brk->new_level or lower. With
     * CHIMERA_VFS_BREAK_REVOKED the holder did not answer within
     * server.state.break_seconds and the lease is already lowered: only
     * tell the client. Runs on the client's loop; brk is valid during the
     * call. May be NULL for a front-end that asks for no leases. */
    void (*lease_break)(void *protocol_private,
                        const struct chimera_vfs_lease_break *brk);
};

#ifdef __cplusplus
}
#endif

#endif /* CHIMERA_PROTOCOL_H */
