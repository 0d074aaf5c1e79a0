/*
 * A test protocol front-end in C, against the installed headers only: it
 * holds open state through the core for a test, as an SMB or NFSv4
 * front-end would, so tests can check that other protocols conflict with it.
 *
 * Config: {"port": N}. Framing: 4-byte big-endian length, then one text
 * command; every command gets one text answer. Each connection is one
 * client of the core's open state (client_create, released when the
 * connection closes).
 *
 *   OPEN <path> <lease RWH letters or ->   STATE_OPEN read+write, lease key 1
 *                                           -> "OPENED <status> <lease> <level>"
 *   ACK <level>                             LEASE on the last open's lease
 *                                           -> "ACKED <status>"
 *   LOCK <path> <offset> <length>           exclusive LOCK, owner "test"
 *                                           -> "LOCK <status>"
 *   UNLOCK <path> <offset> <length>         -> "UNLOCK <status>"
 *
 * A lease break arrives unasked as "BREAK <old> <new> <revoked 0|1>".
 * Statuses are CHIMERA_* numbers.
 */
#include <chimera_protocol.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct front {
    const struct chimera_host *host;
    uint16_t                   port;
};

struct conn {
    struct front              *front;
    struct chimera_connection *conn;
    uint32_t                   thread;
    uint64_t                   client;
    uint64_t                   lease;
    uint8_t                    fh[CHIMERA_FH_MAX];
    uint32_t                   fh_len;
    int                        closed;
    int                        busy;
};

/* One command in flight per connection: its parsed arguments. */
struct command {
    struct conn *c;
    char         verb[8];
    char         path[512];
    uint32_t     lease_level;
    uint64_t     offset;
    uint64_t     length;
};

static void reply(struct conn *c, const char *text)
{
    if (c->closed) return;
    size_t                 n = strlen(text);
    struct chimera_buffer *b = c->front->host->buffer_alloc(c->front->host, n);
    if (!b) return;
    memcpy(b->data, text, n);
    b->length = n;
    c->front->host->send(c->conn, &b, 1, NULL, NULL);
}

static uint32_t lease_bits(const char *s)
{
    uint32_t level = 0;
    for (; *s; s++) {
        if (*s == 'R') level |= CHIMERA_VFS_LEASE_READ;
        if (*s == 'H') level |= CHIMERA_VFS_LEASE_HANDLE;
        if (*s == 'W') level |= CHIMERA_VFS_LEASE_WRITE;
    }
    return level;
}

static void finished(struct command *cmd)
{
    struct conn *c = cmd->c;
    c->busy = 0;
    free(cmd);
    if (c->closed) free(c);
}

static void state_done(struct chimera_vfs_request *req)
{
    struct command *cmd = req->caller_data;
    struct conn    *c = cmd->c;
    char            text[128];
    if (req->op == CHIMERA_VFS_OP_STATE_OPEN) {
        if (req->status == CHIMERA_OK) c->lease = req->state_open.r_lease;
        snprintf(text, sizeof text, "OPENED %d %llu %u", req->status,
                 (unsigned long long)req->state_open.r_lease, req->state_open.r_lease_level);
    } else if (req->op == CHIMERA_VFS_OP_LEASE) {
        snprintf(text, sizeof text, "ACKED %d", req->status);
    } else {
        snprintf(text, sizeof text, "%s %d", cmd->verb, req->status);
    }
    c->front->host->vfs->request_free(req);
    reply(c, text);
    finished(cmd);
}

static void looked_up(struct chimera_vfs_request *req)
{
    struct command *cmd = req->caller_data;
    struct conn    *c = cmd->c;
    if (req->status != CHIMERA_OK) {
        char text[64];
        snprintf(text, sizeof text, "%s %d", strcmp(cmd->verb, "OPEN") == 0 ? "OPENED" : cmd->verb, req->status);
        c->front->host->vfs->request_free(req);
        reply(c, text);
        finished(cmd);
        return;
    }
    memcpy(c->fh, req->r_fh, req->r_fh_len);
    c->fh_len = req->r_fh_len;
    c->front->host->vfs->request_free(req);

    struct chimera_vfs_request *next = c->front->host->vfs->request_alloc(c->front->host, c->thread);
    next->fh = c->fh;
    next->fh_len = c->fh_len;
    next->complete = state_done;
    next->caller_data = cmd;
    if (strcmp(cmd->verb, "OPEN") == 0) {
        next->op = CHIMERA_VFS_OP_STATE_OPEN;
        next->state_open.client = c->client;
        memcpy(next->state_open.owner, "open", 4);
        next->state_open.owner_len = 4;
        next->state_open.access = CHIMERA_VFS_SHARE_READ | CHIMERA_VFS_SHARE_WRITE;
        next->state_open.lease_level = cmd->lease_level;
        next->state_open.lease_key[0] = 1;
    } else {
        next->op = strcmp(cmd->verb, "LOCK") == 0 ? CHIMERA_VFS_OP_LOCK : CHIMERA_VFS_OP_UNLOCK;
        next->lock.client = c->client;
        memcpy(next->lock.owner, "test", 4);
        next->lock.owner_len = 4;
        next->lock.type = CHIMERA_VFS_LOCK_WRITE;
        next->lock.offset = cmd->offset;
        next->lock.length = cmd->length;
    }
    c->front->host->vfs->submit(next);
}

static void command(struct conn *c, char *line)
{
    if (c->busy) {
        reply(c, "BUSY");
        return;
    }
    struct command *cmd = calloc(1, sizeof *cmd);
    if (!cmd) return;
    cmd->c = c;
    char lease[8] = "-";
    unsigned long long offset = 0, length = 0;
    if (sscanf(line, "OPEN %511s %7s", cmd->path, lease) == 2) {
        strcpy(cmd->verb, "OPEN");
        cmd->lease_level = lease_bits(lease);
    } else if (sscanf(line, "LOCK %511s %llu %llu", cmd->path, &offset, &length) == 3) {
        strcpy(cmd->verb, "LOCK");
    } else if (sscanf(line, "UNLOCK %511s %llu %llu", cmd->path, &offset, &length) == 3) {
        strcpy(cmd->verb, "UNLOCK");
    } else if (sscanf(line, "ACK %7s", lease) == 1) {
        struct chimera_vfs_request *req = c->front->host->vfs->request_alloc(c->front->host, c->thread);
        req->op = CHIMERA_VFS_OP_LEASE;
        req->fh = c->fh;
        req->fh_len = c->fh_len;
        req->lease.client = c->client;
        req->lease.lease = c->lease;
        req->lease.level = lease_bits(lease);
        req->complete = state_done;
        req->caller_data = cmd;
        c->busy = 1;
        c->front->host->vfs->submit(req);
        return;
    } else {
        free(cmd);
        reply(c, "ERROR");
        return;
    }
    cmd->offset = offset;
    cmd->length = length;
    struct chimera_vfs_request *req = c->front->host->vfs->request_alloc(c->front->host, c->thread);
    req->op = CHIMERA_VFS_OP_LOOKUP_PATH;
    req->lookup_path.path = cmd->path;
    req->lookup_path.path_len = (uint32_t)strlen(cmd->path);
    req->complete = looked_up;
    req->caller_data = cmd;
    c->busy = 1;
    c->front->host->vfs->submit(req);
}

static int32_t front_init(const struct chimera_host *host, const struct chimera_protocol_config *config,
                          void **private, char *error, size_t error_len)
{
    const char *port = strstr(config->config, "\"port\"");
    long        value = port ? strtol(strchr(port, ':') + 1, NULL, 10) : 0;
    if (value <= 0 || value > 65535) {
        snprintf(error, error_len, "server.protocols.%s.port: expected a port number", host->plugin_name);
        return 1;
    }
    if (host->abi_minor < 2 || !host->vfs || host->vfs->struct_size < sizeof(struct chimera_vfs_api)) {
        snprintf(error, error_len, "the host has no open state (chimera_host ABI 1.2)");
        return 1;
    }
    struct front *front = calloc(1, sizeof *front);
    front->host = host;
    front->port = (uint16_t)value;
    struct chimera_listener_config listener = {
        .struct_size = sizeof listener,
        .framing = CHIMERA_FRAMING_LENGTH_PREFIX,
        .port = front->port,
        .name = "state-test",
    };
    if (host->listen(host, &listener, error, error_len) != 0) {
        free(front);
        return 1;
    }
    *private = front;
    return 0;
}

static void front_shutdown(void *private) { free(private); }

static void *front_thread_init(void *private, uint32_t thread_index)
{
    (void)thread_index;
    return private;
}

static void front_thread_shutdown(void *thread_private) { (void)thread_private; }

static void *front_opened(void *thread_private, struct chimera_connection *conn,
                          const struct chimera_connection_info *info)
{
    struct front *front = thread_private;
    struct conn  *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->front = front;
    c->conn = conn;
    c->thread = info->thread_index;
    char name[64];
    snprintf(name, sizeof name, "state-test-%llu", (unsigned long long)info->connection_id);
    struct chimera_vfs_client_config config = {
        .struct_size = sizeof config,
        .name = (const uint8_t *)name,
        .name_len = (uint32_t)strlen(name),
        .thread_index = info->thread_index,
        .client_private = c,
    };
    if (front->host->vfs->client_create(front->host, &config, &c->client) != CHIMERA_OK) {
        free(c);
        return NULL;
    }
    return c;
}

static void front_message(void *connection_private, struct chimera_message *message)
{
    struct conn *c = connection_private;
    char         line[1024];
    size_t       n = 0;
    for (uint32_t i = 0; i < message->iovcnt && n < sizeof line - 1; i++) {
        size_t take = message->iov[i].iov_len;
        if (take > sizeof line - 1 - n) take = sizeof line - 1 - n;
        memcpy(line + n, message->iov[i].iov_base, take);
        n += take;
    }
    line[n] = 0;
    c->front->host->message_release(message);
    command(c, line);
}

static void front_closed(void *connection_private)
{
    struct conn *c = connection_private;
    c->closed = 1;
    c->front->host->vfs->client_release(c->front->host, c->client);
    c->front->host->connection_release(c->conn);
    /* A command still in flight frees the connection when it ends. */
    if (!c->busy) free(c);
}

static void front_drain(void *thread_private) { (void)thread_private; }

static void front_lease_break(void *private, const struct chimera_vfs_lease_break *brk)
{
    (void)private;
    struct conn *c = brk->client_private;
    char         text[96];
    snprintf(text, sizeof text, "BREAK %u %u %d", brk->old_level, brk->new_level,
             (brk->flags & CHIMERA_VFS_BREAK_REVOKED) ? 1 : 0);
    reply(c, text);
}

static const struct chimera_protocol_module module = {
    .abi_major = CHIMERA_PROTOCOL_ABI_MAJOR,
    .abi_minor = CHIMERA_PROTOCOL_ABI_MINOR,
    .struct_size = sizeof(struct chimera_protocol_module),
    .name = "state_test",
    .description = "test front-end holding open state through the core",
    .init = front_init,
    .shutdown = front_shutdown,
    .thread_init = front_thread_init,
    .thread_shutdown = front_thread_shutdown,
    .connection_opened = front_opened,
    .connection_message = front_message,
    .connection_closed = front_closed,
    .drain = front_drain,
    .lease_break = front_lease_break,
};

CHIMERA_EXPORT const struct chimera_protocol_module *chimera_protocol_module_v1(void) { return &module; }
