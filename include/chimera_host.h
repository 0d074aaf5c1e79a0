/*
 * chimera_host.h — the services the Chimera host hands every plugin.
 *
 * Each plugin receives its own `const struct chimera_host *` in init(); it
 * stays valid until the plugin's shutdown() returns. Through it a plugin
 * logs, records metrics, schedules work on host threads, starts timers,
 * watches file descriptors, allocates message buffers, and — for protocol
 * front-ends — listens on TCP ports with host-owned framing and calls the
 * VFS core (struct chimera_vfs_api).
 *
 * Threads. The host runs `loop_threads` event loops (server.threads) and
 * `delegation_threads` pool threads (server.delegation_threads). They are
 * numbered 0 ... loop_threads-1 for loops, then the delegation threads.
 * Connections stay on one loop; every connection callback and every VFS
 * completion for a request submitted on loop N runs on loop N. Unless a
 * function below says otherwise it may be called from any host thread.
 *
 * Buffers. Messages a plugin sends are built in host buffers
 * (buffer_alloc); passing a buffer to send() hands it to the host, which
 * frees it once the socket is done with it. Received messages point into
 * host memory that stays valid until the plugin calls message_release(), so
 * decoders slice instead of copying.
 *
 * Changelog
 *   1.0  First version.
 *   1.1  ID mapping (idmap_*): uid/gid <-> names, SIDs, name@domain.
 *        Appended; a plugin checks struct_size (or abi_minor >= 1) before
 *        calling them.
 *   1.2  Open state (chimera_vfs.h "Open state"): chimera_vfs_api gains
 *        client_create ... in_grace; chimera_host gains break_leases for
 *        modules. Caches (cache_*): bounded, lock-free-read key/value
 *        caches over the host's RCU hash table, for modules and front-ends
 *        alike. Appended; check struct_size (or abi_minor >= 2) before
 *        calling. The thread pool (execute, delegate) is documented,
 *        unchanged.
 */
#ifndef CHIMERA_HOST_H
#define CHIMERA_HOST_H

#include "chimera_common.h"
#include "chimera_vfs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CHIMERA_HOST_ABI_MAJOR 1
#define CHIMERA_HOST_ABI_MINOR 2

/* Opaque host objects. */
struct chimera_metric;
struct chimera_timer;
struct chimera_fd_watch;
struct chimera_connection;
struct chimera_cache;

/* ------------------------------------------------------------------------ */
/* Logging                                                                   */
/* ------------------------------------------------------------------------ */

/* swift-log's levels. */
#define CHIMERA_LOG_TRACE     0
#define CHIMERA_LOG_DEBUG     1
#define CHIMERA_LOG_INFO      2
#define CHIMERA_LOG_NOTICE    3
#define CHIMERA_LOG_WARNING   4
#define CHIMERA_LOG_ERROR     5
#define CHIMERA_LOG_CRITICAL  6

/* ------------------------------------------------------------------------ */
/* Metrics                                                                   */
/* ------------------------------------------------------------------------ */

#define CHIMERA_METRIC_COUNTER 0   /* record() adds */
#define CHIMERA_METRIC_GAUGE   1   /* record() sets */
#define CHIMERA_METRIC_TIMER   2   /* record() adds one sample, nanoseconds */

/* ------------------------------------------------------------------------ */
/* Buffers                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * A host buffer. The plugin writes up to `capacity` bytes at `data` and sets
 * `length`. `data` stays valid until the buffer is released or sent.
 */
struct chimera_buffer {
    uint8_t *data;
    size_t   capacity;
    size_t   length;
    void    *host_private;             /* the host's; do not touch */
};

/* ------------------------------------------------------------------------ */
/* Transports                                                                */
/* ------------------------------------------------------------------------ */

/* How the host cuts the byte stream into messages. */
#define CHIMERA_FRAMING_RPC_RECORD    1  /* ONC RPC record marking (RFC 5531
                                            section 11): one message per
                                            complete record */
#define CHIMERA_FRAMING_LENGTH_PREFIX 2  /* 4-byte big-endian length, then the
                                            message (SMB2 direct TCP) */
#define CHIMERA_FRAMING_HTTP1         3  /* HTTP/1.1 requests: a head, body
                                            chunks, an end */

/* A listener a front-end asks for in init(). The host binds every listener
 * of every plugin only after all plugins initialised; a port in use stops
 * the server with one line naming the plugin and the port. */
struct chimera_listener_config {
    uint32_t    struct_size;
    uint32_t    framing;                /* CHIMERA_FRAMING_* */
    const char *bind_address;           /* NULL: server.bind_address */
    uint16_t    port;
    uint16_t    reserved;
    /* Largest message accepted; a longer length claim closes the
     * connection (other connections keep being served). 0: 1 MiB + 64 KiB
     * for records, 64 KiB for HTTP heads. */
    uint32_t    max_message;
    /* Handed back in chimera_connection_info.listener_arg. */
    void       *listener_arg;
    /* A name for logs ("nfs", "mount"). */
    const char *name;
};

/* What a front-end learns about a new connection. */
struct chimera_connection_info {
    uint32_t    struct_size;
    uint32_t    thread_index;           /* the loop that owns it */
    void       *listener_arg;
    const char *peer_address;           /* "127.0.0.1", "::1" */
    uint16_t    peer_port;
    uint16_t    local_port;
    uint32_t    reserved;
    uint64_t    connection_id;          /* unique for the process's life */
};

/* Message kinds. */
#define CHIMERA_MSG_RECORD      1       /* a whole RPC record / PDU */
#define CHIMERA_MSG_HTTP_HEAD   2       /* a request head; `http` is set */
#define CHIMERA_MSG_HTTP_BODY   3       /* a chunk of the request body */
#define CHIMERA_MSG_HTTP_END    4       /* the request body ended */

struct chimera_http_header {
    const char *name;
    uint32_t    name_len;
    uint32_t    value_len;
    const char *value;
};

struct chimera_http_head {
    const char                       *method;
    uint32_t                          method_len;
    uint32_t                          uri_len;
    const char                       *uri;         /* raw request target */
    uint16_t                          version_major;
    uint16_t                          version_minor;
    uint32_t                          header_count;
    const struct chimera_http_header *headers;
    uint32_t                          keep_alive;
    uint32_t                          reserved;
};

/*
 * A received message. Bytes are in iov[0 .. iovcnt) (`length` in all) and
 * stay valid, like `http` and everything it points to, until
 * message_release(). A plugin that decodes and answers at once releases it
 * at once; one that passes WRITE data down to the VFS releases it after the
 * VFS completes.
 */
struct chimera_message {
    uint32_t                        struct_size;
    uint32_t                        kind;        /* CHIMERA_MSG_* */
    const struct iovec             *iov;
    uint32_t                        iovcnt;
    uint32_t                        reserved;
    size_t                          length;
    const struct chimera_http_head *http;        /* HTTP_HEAD only */
    void                           *host_private;
};

/* An HTTP response head. Content length: content_length, or chunked when
 * it is CHIMERA_HTTP_CHUNKED. */
#define CHIMERA_HTTP_CHUNKED  UINT64_MAX
struct chimera_http_response {
    uint32_t                          struct_size;
    uint32_t                          status;
    const char                       *reason;       /* NULL: the standard */
    const struct chimera_http_header *headers;
    uint32_t                          header_count;
    uint32_t                          close;        /* close after it */
    uint64_t                          content_length;
};

/* Called when a send() has left for the socket (status 0) or failed
 * (connection gone, non-zero). On the connection's loop. */
typedef void (*chimera_send_done_fn)(void *arg, int32_t status);

/* ------------------------------------------------------------------------ */
/* The VFS API for front-ends                                                */
/* ------------------------------------------------------------------------ */

/*
 * Front-ends act on the shared namespace only through these calls; they
 * never talk to a module directly. Handles here are wire handles (mount id +
 * module handle, at most CHIMERA_FH_MAX bytes). The namespace root is the
 * empty handle's LOOKUP_PATH, or root_fh().
 *
 * A request is allocated on a loop thread, filled (op, cred, fh, args,
 * complete, caller_data, and each r_*.req_mask the caller wants) and
 * submitted from that same thread. complete() runs on that thread, possibly
 * before submit() returns. The caller then reads the results and frees the
 * request. open_handle 0 on READ / WRITE / COMMIT lets the core pick a
 * cached open of the object (stateless NFSv3 I/O).
 */
/* A client of the core's open state (ABI 1.2). */
#define CHIMERA_VFS_CLIENT_NAME_MAX 1024
/* Drop the client when it is not renewed for server.state.lease_seconds
 * (NFSv4); without it the client lives until released (SMB, NLM). */
#define CHIMERA_VFS_CLIENT_EXPIRES  0x0001u
/* Record the client's name on stable storage, so that after a restart it
 * may reclaim during the grace period (NFSv4, NLM). */
#define CHIMERA_VFS_CLIENT_RECORD   0x0002u

struct chimera_vfs_client_config {
    uint32_t       struct_size;
    uint32_t       flags;                   /* CHIMERA_VFS_CLIENT_* */
    /* Who the client is, the same across its restarts and ours (NFSv4's
     * client id string, NLM's caller name): 1 to CHIMERA_VFS_CLIENT_NAME_MAX
     * bytes. Scoped to the front-end. */
    const uint8_t *name;
    uint32_t       name_len;
    /* The loop the front-end's lease_break runs on for this client. */
    uint32_t       thread_index;
    /* Handed back in chimera_vfs_lease_break. */
    void          *client_private;
};

/* What chimera_protocol_module.lease_break is told (ABI 1.2). */
#define CHIMERA_VFS_BREAK_REVOKED   0x0001u  /* the holder did not answer in
                                                time: the lease is already
                                                at new_level */
struct chimera_vfs_lease_break {
    uint32_t struct_size;
    uint32_t flags;                          /* CHIMERA_VFS_BREAK_* */
    uint64_t client;
    void    *client_private;
    uint64_t lease;
    uint32_t old_level;                      /* CHIMERA_VFS_LEASE_* */
    uint32_t new_level;                      /* the most the holder keeps */
    uint32_t epoch;                          /* the lease's, after the break */
    uint32_t fh_len;
    uint8_t  lease_key[CHIMERA_VFS_LEASE_KEY_LEN];
    uint8_t  fh[CHIMERA_FH_MAX];             /* the object (wire handle) */
};

struct chimera_vfs_api {
    uint32_t struct_size;
    uint32_t reserved;

    struct chimera_vfs_request *(*request_alloc)(
        const struct chimera_host *host, uint32_t thread_index);
    void (*request_free)(struct chimera_vfs_request *req);
    void (*submit)(struct chimera_vfs_request *req);

    /* Write the namespace root's handle (at most CHIMERA_FH_MAX bytes);
     * returns its length. */
    uint32_t (*root_fh)(const struct chimera_host *host, uint8_t *fh);

    /* The capabilities (CHIMERA_VFS_CAP_*) of the module behind a handle,
     * 0 for the synthetic root or an unknown mount. */
    uint64_t (*capabilities)(const struct chimera_host *host,
                             const uint8_t *fh, uint32_t fh_len);

    /* -- open state (ABI 1.2; chimera_vfs.h "Open state") ----------------- */

    /* Make a client; *client is its id (never 0), for args.*.client and
     * req->state_client_id. CHIMERA_INVAL for a bad name, CHIMERA_NOSPC past
     * server.state.max_clients. Any host thread. */
    int32_t (*client_create)(const struct chimera_host *host,
                             const struct chimera_vfs_client_config *config,
                             uint64_t *client);
    /* The client is alive (NFSv4 RENEW, SEQUENCE): its lease period starts
     * again. CHIMERA_EXPIRED once it expired, CHIMERA_BAD_STATE for an id
     * that never was. */
    int32_t (*client_renew)(const struct chimera_host *host, uint64_t client);
    /* The client is gone (session logoff, NFSv4 DESTROY_CLIENTID, an NSM
     * reboot notice): its opens, locks and leases go, its waiting locks
     * complete with CHIMERA_EXPIRED, and its record is removed. */
    void (*client_release)(const struct chimera_host *host, uint64_t client);
    /* The client reclaimed all it will (NFSv4.1 RECLAIM_COMPLETE). */
    int32_t (*client_reclaim_complete)(const struct chimera_host *host,
                                       uint64_t client);
    /* Call fn once per client this front-end recorded in the previous run
     * (for NSM's SM_NOTIFY), on the calling thread, before returning. */
    void (*clients_recorded)(const struct chimera_host *host,
                             void (*fn)(void *arg, const uint8_t *name,
                                        uint32_t name_len),
                             void *arg);
    /* server.state.lease_seconds (NFSv4's lease_time). */
    uint32_t (*lease_seconds)(const struct chimera_host *host);
    /* 1 while the grace period lasts, else 0. */
    int32_t (*in_grace)(const struct chimera_host *host);
};

/* ------------------------------------------------------------------------ */
/* Caches (ABI 1.2)                                                          */
/* ------------------------------------------------------------------------ */

/* Bytes charged for each entry on top of its key and value. */
#define CHIMERA_CACHE_ENTRY_OVERHEAD 64u
/* Longest key. */
#define CHIMERA_CACHE_KEY_MAX        1024u

/* What cache_create() is asked for. */
struct chimera_cache_config {
    uint32_t    struct_size;
    uint32_t    reserved;
    /* For logs and metrics: 1-64 of [a-z0-9_], unique within the plugin
     * by convention ("dir_snapshots"). Copied; the caller keeps it. */
    const char *name;
    /* At most this many entries, at most 16M (more is refused); 0:
     * max_bytes / 256 (at least 1, at most 16M). The host reserves 8 bytes
     * of address space per entry of this bound up front. */
    uint64_t    max_entries;
    /* At most this many bytes charged (key + value +
     * CHIMERA_CACHE_ENTRY_OVERHEAD per entry); 0: no byte bound. Both 0 is
     * refused. */
    uint64_t    max_bytes;
};

/* cache_stats(): counters since creation. */
struct chimera_cache_stats {
    uint32_t struct_size;                  /* set by the caller */
    uint32_t reserved;
    uint64_t entries;
    uint64_t bytes;                        /* charged, as above */
    uint64_t hits;
    uint64_t misses;
    uint64_t insertions;
    uint64_t evictions;                    /* to stay under a bound */
};

/* cache_visit()'s callback: the value, valid only during the call. */
typedef void (*chimera_cache_visit_fn)(void *arg, const void *value,
                                       size_t value_len);

/* ------------------------------------------------------------------------ */
/* The host                                                                  */
/* ------------------------------------------------------------------------ */

struct chimera_host {
    uint32_t    abi_major;                 /* CHIMERA_HOST_ABI_MAJOR */
    uint32_t    abi_minor;
    uint32_t    struct_size;
    uint32_t    reserved;
    void       *host_private;              /* the host's; do not touch */
    const char *version;                   /* "0.1.0" */
    const char *plugin_name;               /* this plugin, as configured */

    uint32_t    loop_threads;
    uint32_t    delegation_threads;

    /* -- logging ---------------------------------------------------------- */

    /* One message (not NUL-terminated) at a CHIMERA_LOG_* level; the host
     * adds the plugin's name. */
    void (*log)(const struct chimera_host *host, int32_t level,
                const char *message, size_t message_len);
    /* The lowest level that is logged, so a plugin skips formatting. */
    int32_t (*log_level)(const struct chimera_host *host);

    /* -- metrics ---------------------------------------------------------- */

    /* Create a metric once (at init); labels are name/value pairs,
     * NULL-terminated, with bounded values (a procedure, not a path). The
     * host prefixes "chimera_". Returns NULL on a bad name. */
    struct chimera_metric *(*metric_create)(const struct chimera_host *host,
                                            int32_t kind, const char *name,
                                            const char *const *labels);
    void (*metric_record)(struct chimera_metric *metric, int64_t value);

    /* -- threads ---------------------------------------------------------- */

    /*
     * The host's thread pool, the same for modules and front-ends: every
     * plugin's struct carries these, and they may be called from any host
     * thread (a module's dispatch on a delegation thread included) or from a
     * plugin's own threads. thread_index names a loop (0 ...
     * loop_threads-1); any other index is a programming error and the call
     * does nothing. arg is the plugin's and must stay valid until the last
     * callback for it has run; the host neither copies nor frees it.
     */

    /* The calling thread's index, or UINT32_MAX off host threads. */
    uint32_t (*current_thread)(const struct chimera_host *host);
    /* Run fn(arg) on loop thread_index, later, never inline. Calls made
     * from one thread to one loop run in the order they were made. */
    void (*execute)(const struct chimera_host *host, uint32_t thread_index,
                    void (*fn)(void *arg), void *arg);
    /* Run work(arg) on a delegation thread (the pool for blocking work:
     * syscalls, a slow library), then done(arg) on loop thread_index. work
     * may block; done must not. Delegated works run in no particular order
     * and concurrently with each other. With server.delegation_threads 0,
     * work runs inline on the calling thread (done still runs later, on the
     * loop). A plugin that must not block its loop never calls a blocking
     * function outside work. */
    void (*delegate)(const struct chimera_host *host, uint32_t thread_index,
                     void (*work)(void *arg), void (*done)(void *arg),
                     void *arg);

    /* -- timers ----------------------------------------------------------- */

    /* fn(arg) on loop thread_index after delay_ns, then every interval_ns
     * (0: once). Cancel from that loop; a cancelled timer never fires.
     * timer_cancel also frees the timer: call it once for every timer,
     * fired or not. */
    struct chimera_timer *(*timer_start)(const struct chimera_host *host,
                                         uint32_t thread_index,
                                         uint64_t delay_ns,
                                         uint64_t interval_ns,
                                         void (*fn)(void *arg), void *arg);
    void (*timer_cancel)(struct chimera_timer *timer);

    /* -- file descriptors ------------------------------------------------- */

    /* Call readable(arg) on loop thread_index whenever fd (an eventfd or
     * pipe the plugin owns, non-blocking) becomes readable; the host reads
     * and discards what is readable before the call (an eventfd's count).
     * The plugin keeps ownership of fd; unwatch (on that same loop) before
     * closing it. */
    struct chimera_fd_watch *(*fd_watch)(const struct chimera_host *host,
                                         uint32_t thread_index, int32_t fd,
                                         void (*readable)(void *arg),
                                         void *arg);
    void (*fd_unwatch)(struct chimera_fd_watch *watch);

    /* -- buffers ---------------------------------------------------------- */

    struct chimera_buffer *(*buffer_alloc)(const struct chimera_host *host,
                                           size_t capacity);
    void (*buffer_release)(struct chimera_buffer *buffer);
    void (*message_release)(struct chimera_message *message);

    /* -- transports (front-ends) ------------------------------------------ */

    /* Ask for a listener; only valid during init(). Returns 0, or non-zero
     * with one line in error. */
    int32_t (*listen)(const struct chimera_host *host,
                      const struct chimera_listener_config *config,
                      char *error, size_t error_len);
    /* Send buffers in order, as one framed message for RPC_RECORD and
     * LENGTH_PREFIX (the host writes the record mark / length), or as
     * response body bytes for HTTP1. Ownership of the buffers passes to the
     * host even when the send fails. done may be NULL. On the connection's
     * loop only. */
    int32_t (*send)(struct chimera_connection *conn,
                    struct chimera_buffer *const *buffers, uint32_t count,
                    chimera_send_done_fn done, void *arg);
    /* HTTP1 only: the response head, then body with send(), then
     * http_end(). */
    int32_t (*http_respond)(struct chimera_connection *conn,
                            const struct chimera_http_response *response);
    int32_t (*http_end)(struct chimera_connection *conn);
    /* Stop (0) or resume (1) reading from the socket: back-pressure when
     * the VFS is slower than the client. */
    void (*set_read_enabled)(struct chimera_connection *conn,
                             int32_t enabled);
    /* Close the connection; connection_closed() follows. */
    void (*close)(struct chimera_connection *conn);
    /* The front-end is done with conn: after connection_closed() and after
     * its last send. conn is invalid afterwards. */
    void (*connection_release)(struct chimera_connection *conn);

    /* -- the VFS ------------------------------------------------------------ */

    /* For front-ends; NULL for modules. */
    const struct chimera_vfs_api *vfs;

    /* -- upcalls from modules ------------------------------------------------ */

    /* The object changed underneath the core (another writer): drop what is
     * cached about it. fh is the module's handle. Any thread. */
    void (*invalidate)(const struct chimera_host *host, const uint8_t *fh,
                       uint32_t fh_len);
    /* The module learnt fresh attributes of an object; the core updates its
     * attribute cache. Any thread. */
    void (*attr_update)(const struct chimera_host *host, const uint8_t *fh,
                        uint32_t fh_len, const struct chimera_attrs *attrs);

    /* -- identity mapping (ABI 1.1) ----------------------------------------- */

    /*
     * One map for every protocol, loaded at start from server.idmap and the
     * host's /etc/passwd and /etc/group (never NSS): each call is a lookup in
     * memory, never blocks, and may be made from any thread, loops included.
     *
     * Strings in are (pointer, length), need no NUL. Strings out are written
     * to the caller's buf of *len bytes, without NUL; on return *len is the
     * length written, or the length needed when the answer is
     * CHIMERA_RANGE (nothing written). Returns CHIMERA_OK, CHIMERA_NOENT (no
     * mapping), CHIMERA_RANGE, or CHIMERA_INVAL (NULL pointer).
     *
     * SIDs: uid u is <domain_sid>-(1000 + 2u), gid g is <domain_sid>-(1001 +
     * 2g) (idmap_rid style, reversible); NOENT without server.idmap.domain_sid.
     * Principals: "name@domain", or the decimal id when the id has no name or
     * no domain is configured (RFC 7530 section 5.9); parsing accepts both.
     */
    int32_t (*idmap_uid_to_name)(const struct chimera_host *host, uint32_t uid,
                                 char *buf, uint32_t *len);
    int32_t (*idmap_name_to_uid)(const struct chimera_host *host,
                                 const char *name, uint32_t name_len,
                                 uint32_t *uid);
    int32_t (*idmap_gid_to_name)(const struct chimera_host *host, uint32_t gid,
                                 char *buf, uint32_t *len);
    int32_t (*idmap_name_to_gid)(const struct chimera_host *host,
                                 const char *name, uint32_t name_len,
                                 uint32_t *gid);
    /* is_group 0: id is a uid; 1: a gid. */
    int32_t (*idmap_id_to_sid)(const struct chimera_host *host, uint32_t id,
                               int32_t is_group, char *buf, uint32_t *len);
    /* *is_group set to 0 (uid) or 1 (gid). NOENT: another domain, or a RID
     * below 1000. */
    int32_t (*idmap_sid_to_id)(const struct chimera_host *host,
                               const char *sid, uint32_t sid_len,
                               uint32_t *id, int32_t *is_group);
    int32_t (*idmap_id_to_principal)(const struct chimera_host *host,
                                     uint32_t id, int32_t is_group,
                                     char *buf, uint32_t *len);
    int32_t (*idmap_principal_to_id)(const struct chimera_host *host,
                                     const char *principal,
                                     uint32_t principal_len, int32_t is_group,
                                     uint32_t *id);
    /* The user `name` (server.idmap.users, else the host's passwd): its uid,
     * gid and supplementary groups. groups has *ngroups entries of room; on
     * return *ngroups is the count written, or the count needed with
     * CHIMERA_RANGE (nothing written). passwd users list no groups. */
    int32_t (*idmap_user)(const struct chimera_host *host, const char *name,
                          uint32_t name_len, uint32_t *uid, uint32_t *gid,
                          uint32_t *groups, uint32_t *ngroups);

    /* -- open state upcalls (ABI 1.2) ---------------------------------------- */

    /* For modules: the backend changed the object underneath (another host
     * of a shared backend wrote or removed it): the core breaks every lease
     * on it down to keep_level (CHIMERA_VFS_LEASE_*, 0 for none) and drops
     * what it caches. Does not wait for the holders. fh is the module's
     * handle. Any thread. */
    void (*break_leases)(const struct chimera_host *host, const uint8_t *fh,
                         uint32_t fh_len, uint32_t keep_level);

    /* -- caches (ABI 1.2) -------------------------------------------------- */

    /*
     * Bounded key/value caches a plugin owns, over the same RCU hash table
     * as the core's name and attribute caches. Keys and values are byte
     * strings (at most CHIMERA_CACHE_KEY_MAX key bytes; a value may be any
     * length the byte bound admits). The host copies both on insert.
     *
     * Threads: every call but cache_destroy may be made from any thread,
     * loops and delegation threads included, concurrently. Lookups take no
     * lock (an RCU read-side section: they never wait for a writer, and
     * writers never wait for them). Inserts serialise among themselves on
     * a short host lock that is never held across plugin code.
     *
     * Bounds and overflow: an insert that would pass max_entries or
     * max_bytes first evicts the oldest entries (first inserted, first
     * evicted; a lookup does not refresh an entry) until the new one fits,
     * so a cache never holds more than its bounds: it evicts, it never
     * grows. An entry that alone passes max_bytes is refused (FBIG). The
     * memory of an evicted, replaced or invalidated entry is returned once
     * the lookups that may still see it have returned.
     *
     * Consistency: a cache holds what the plugin put in it, no more; the
     * host does not invalidate plugin caches when the namespace changes.
     * A plugin that caches what the VFS said checks it (attributes, change
     * counter) or bounds its age itself.
     *
     * Ownership: a cache is the plugin's that created it. cache_destroy
     * frees it and must not run concurrently with any other call on it; a
     * cache never destroyed lives until the process exits (plugins are
     * never unloaded), never past the host.
     */

    /* A new, empty cache; NULL on a bad config (the host logs which field)
     * or when memory is short. */
    struct chimera_cache *(*cache_create)(const struct chimera_host *host,
                                          const struct chimera_cache_config *config);
    void (*cache_destroy)(struct chimera_cache *cache);
    /* Copy the value under key into buf (*len bytes of room). OK: copied,
     * *len is its length. NOENT: no entry. RANGE: the value is longer than
     * *len; *len is its length and nothing is written. INVAL: NULL pointer
     * or key too long. */
    int32_t (*cache_lookup)(struct chimera_cache *cache, const void *key,
                            uint32_t key_len, void *buf, size_t *len);
    /* Call fn(arg, value, value_len) once on a hit (OK), without copying;
     * NOENT on a miss. fn runs inside the read-side section, on the calling
     * thread, before cache_visit returns: it must not block, must not keep
     * the pointer, and must not destroy the cache. */
    int32_t (*cache_visit)(struct chimera_cache *cache, const void *key,
                           uint32_t key_len, chimera_cache_visit_fn fn,
                           void *arg);
    /* Store value under key, replacing any value there, evicting as above.
     * OK; FBIG: the entry alone passes max_bytes; NOSPC: memory is short;
     * INVAL. After FBIG or NOSPC the key has no value (a stale one is not
     * left behind). */
    int32_t (*cache_insert)(struct chimera_cache *cache, const void *key,
                            uint32_t key_len, const void *value,
                            size_t value_len);
    /* Remove key: OK, or NOENT when it was not there. */
    int32_t (*cache_invalidate)(struct chimera_cache *cache, const void *key,
                                uint32_t key_len);
    /* Remove every entry (concurrent inserts may survive it). */
    void (*cache_invalidate_all)(struct chimera_cache *cache);
    /* Counters; stats->struct_size set by the caller, the host fills what
     * fits. The host also exports them as metrics
     * chimera_plugin_cache_{entries,bytes,hits,misses,evictions} labelled
     * by plugin and cache name, refreshed every second and by
     * cache_stats. */
    void (*cache_stats)(struct chimera_cache *cache,
                        struct chimera_cache_stats *stats);
};

#ifdef __cplusplus
}
#endif

#endif /* CHIMERA_HOST_H */
