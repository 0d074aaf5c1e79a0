/*
 * s3load: the benchmark's S3 load client.
 *
 * A plain HTTP/1.1 client: one thread, epoll, N keep-alive connections,
 * one request in flight on each, path-style addressing, AWS Signature V4
 * header signing done here with OpenSSL's libcrypto (HMAC-SHA256, SHA-256).
 * Nothing of Chimera's code is used. Every response is checked (status,
 * Content-Length of GET/HEAD against what was PUT, the key count of a
 * listing), so a fast wrong answer fails the load.
 *
 *   s3load --port P --access-key AK --secret-key SK --bucket B [--host H]
 *          [--region R] [--conns N] [--timeout S] LOAD [options]
 *
 * loads:
 *   mkbucket                         PUT /B (an existing bucket of ours is fine)
 *   put    --prefix X --count N --size B     N PUTs of B bytes, keys X00000000...
 *   get    --prefix X --count N --seconds S  GETs cycling over the N keys
 *   head   --prefix X --count N --seconds S
 *   delete --prefix X --count N              N DELETEs
 *   bigput --key K --size B                  one PUT streamed on one connection
 *   bigget --key K                           one GET, body counted and dropped
 *   list   --prefix X --count N --seconds S [--prepare]
 *                                    ListObjectsV2 (max-keys 1000) of the N keys
 *                                    under X, repeated; --prepare PUTs them first
 *
 * Payload: requests with a body of at most 1 MiB carry its SHA-256 (what an
 * SDK does over plain HTTP); larger bodies are sent as UNSIGNED-PAYLOAD, so
 * the big-object loads measure the data path rather than two SHA-256 passes.
 * Either way the hash is computed once, outside the timed part.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "common.h"

#define MAX_CONNS 1024
#define IN_CAP (1u << 20)
#define HEAD_CAP 8192
#define BODY_KEEP_MAX (32u << 20)

/* ----------------------------------------------------------------- options */

static const char *o_host = "127.0.0.1";
static int o_port;
static const char *o_ak, *o_sk, *o_bucket, *o_region = "us-east-1";
static int o_conns = 16;
static double o_timeout = 300;
static const char *o_prefix = "obj/";
static const char *o_key = "big";
static uint64_t o_count = 1000;
static uint64_t o_size = 4096;
static double o_seconds = 0;
static bool o_prepare;
static const char *g_load = "s3load";
static uint64_t g_deadline;

/* ----------------------------------------------------------------- sigv4 */

static void hex(const unsigned char *in, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static void sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[32];
    SHA256(data, n, md);
    hex(md, 32, out);
}

static void hmac(const void *key, size_t klen, const char *msg, size_t mlen, unsigned char out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, mlen, out, &len);
}

static char g_date[9];     /* YYYYMMDD */
static char g_amzdate[17]; /* YYYYMMDDTHHMMSSZ */
static time_t g_date_at;
static unsigned char g_signing_key[32];

static void refresh_date(void)
{
    time_t now = time(NULL);
    if (now == g_date_at)
        return;
    g_date_at = now;
    struct tm tm;
    gmtime_r(&now, &tm);
    char day[9];
    strftime(day, sizeof(day), "%Y%m%d", &tm);
    strftime(g_amzdate, sizeof(g_amzdate), "%Y%m%dT%H%M%SZ", &tm);
    if (strcmp(day, g_date) != 0) {
        memcpy(g_date, day, sizeof(day));
        char k0[256];
        int n = snprintf(k0, sizeof(k0), "AWS4%s", o_sk);
        unsigned char k1[32], k2[32], k3[32];
        hmac(k0, (size_t)n, g_date, 8, k1);
        hmac(k1, 32, o_region, strlen(o_region), k2);
        hmac(k2, 32, "s3", 2, k3);
        hmac(k3, 32, "aws4_request", 12, g_signing_key);
    }
}

/* RFC 3986 unreserved characters stay, everything else is %XX (SigV4's rule
 * for query values; also used for the request line so both agree). */
static size_t uri_encode(const char *in, char *out, size_t cap)
{
    static const char d[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < cap; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '_' || *p == '.' || *p == '~') {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = d[*p >> 4];
            out[o++] = d[*p & 15];
        }
    }
    out[o] = '\0';
    return o;
}

/* Build a signed request head. `path` is already canonical ("/b/k"),
 * `query` already canonical (sorted, encoded) or "". */
static int build_request(char *out, size_t cap, const char *method, const char *path, const char *query,
                         const char *payload_hash, uint64_t content_length, bool has_body)
{
    refresh_date();
    char host[300];
    snprintf(host, sizeof(host), "%s:%d", o_host, o_port);
    char creq[8192];
    int n = snprintf(creq, sizeof(creq),
                     "%s\n%s\n%s\nhost:%s\nx-amz-content-sha256:%s\nx-amz-date:%s\n\n"
                     "host;x-amz-content-sha256;x-amz-date\n%s",
                     method, path, query, host, payload_hash, g_amzdate, payload_hash);
    if (n <= 0 || (size_t)n >= sizeof(creq))
        bench_fail(g_load, "request too long");
    char creq_hash[65];
    sha256_hex(creq, (size_t)n, creq_hash);
    char sts[512];
    int m = snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256\n%s\n%s/%s/s3/aws4_request\n%s", g_amzdate, g_date, o_region,
                     creq_hash);
    unsigned char sig[32];
    hmac(g_signing_key, 32, sts, (size_t)m, sig);
    char sighex[65];
    hex(sig, 32, sighex);
    char cl[64] = "";
    if (has_body)
        snprintf(cl, sizeof(cl), "Content-Length: %llu\r\n", (unsigned long long)content_length);
    int r = snprintf(out, cap,
                     "%s %s%s%s HTTP/1.1\r\nHost: %s\r\n%sx-amz-content-sha256: %s\r\nx-amz-date: %s\r\n"
                     "Authorization: AWS4-HMAC-SHA256 Credential=%s/%s/%s/s3/aws4_request, "
                     "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=%s\r\n\r\n",
                     method, path, query[0] ? "?" : "", query, host, cl, payload_hash, g_amzdate, o_ak, g_date,
                     o_region, sighex);
    if (r <= 0 || (size_t)r >= cap)
        bench_fail(g_load, "request too long");
    return r;
}

/* ------------------------------------------------------------ connections */

enum rstate { R_IDLE, R_HEAD, R_BODY, R_CHUNK_SIZE, R_CHUNK_DATA, R_CHUNK_CRLF, R_TRAILER };

struct conn {
    int fd;
    int id;
    /* request */
    char head[HEAD_CAP];
    size_t head_len, head_off;
    const char *body;
    uint64_t body_len, body_off;
    bool is_head; /* a HEAD request: the response has no body */
    uint64_t t0;
    uint64_t idx;
    /* response */
    enum rstate st;
    unsigned char *in;
    size_t in_len;
    int status;
    uint64_t remaining;
    bool chunked;
    bool close_after;
    int64_t content_length;
    uint64_t body_bytes;
    bool keep_body;
    char *kept;
    size_t kept_len, kept_cap;
    bool want_out;
    /* list state */
    char token[1024];
    uint64_t seen;
};

static struct conn *g_conn;
static int g_nconn;
static int g_ep;
static int g_inflight;
static struct bench_lat g_lat;
static uint64_t g_next, g_total, g_done, g_bytes;
static uint64_t g_stop_at;

typedef void (*done_fn)(struct conn *);
typedef void (*start_fn)(struct conn *);
static done_fn g_on_done;

static void set_events(struct conn *c, bool out)
{
    if (c->want_out == out)
        return;
    c->want_out = out;
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(g_ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static int dial(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        bench_fail(g_load, "socket: %s", strerror(errno));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o_port)};
    if (inet_pton(AF_INET, o_host, &a.sin_addr) != 1)
        bench_fail(g_load, "bad host %s", o_host);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
        bench_fail(g_load, "connect to %s:%d: %s", o_host, o_port, strerror(errno));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    int flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
        bench_fail(g_load, "O_NONBLOCK: %s", strerror(errno));
    return fd;
}

static void conn_open(struct conn *c)
{
    c->fd = dial();
    c->want_out = false;
    c->st = R_IDLE;
    c->in_len = 0;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(g_ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
        bench_fail(g_load, "epoll_ctl: %s", strerror(errno));
}

static void open_all(void)
{
    g_ep = epoll_create1(0);
    g_conn = calloc((size_t)g_nconn, sizeof(struct conn));
    if (g_conn == NULL)
        bench_fail(g_load, "out of memory");
    for (int i = 0; i < g_nconn; i++) {
        g_conn[i].id = i;
        g_conn[i].in = malloc(IN_CAP);
        if (g_conn[i].in == NULL)
            bench_fail(g_load, "out of memory");
        conn_open(&g_conn[i]);
    }
}

static void try_send(struct conn *c)
{
    for (int rounds = 0; rounds < 1024; rounds++) {
        struct iovec iov[2];
        int n = 0;
        if (c->head_off < c->head_len) {
            iov[n].iov_base = c->head + c->head_off;
            iov[n].iov_len = c->head_len - c->head_off;
            n++;
        }
        if (c->body_off < c->body_len) {
            uint64_t left = c->body_len - c->body_off;
            iov[n].iov_base = (void *)(c->body + (c->body_off % (1u << 20)));
            /* big bodies are one 1 MiB buffer sent again and again */
            uint64_t in_buf = (1u << 20) - (c->body_off % (1u << 20));
            iov[n].iov_len = left < in_buf ? left : in_buf;
            n++;
        }
        if (n == 0) {
            set_events(c, false);
            return;
        }
        ssize_t w = writev(c->fd, iov, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                set_events(c, true);
                return;
            }
            bench_fail(g_load, "send on connection %d: %s", c->id, strerror(errno));
        }
        size_t ww = (size_t)w;
        size_t h = c->head_len - c->head_off;
        if (ww <= h) {
            c->head_off += ww;
        } else {
            c->head_off = c->head_len;
            c->body_off += ww - h;
        }
    }
    set_events(c, true);
}

/* Start a request on connection c; body may be NULL. */
static void send_request(struct conn *c, const char *method, const char *path, const char *query, const char *body,
                         uint64_t body_len, const char *payload_hash, bool keep_body)
{
    bool has_body = strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0;
    c->head_len = (size_t)build_request(c->head, sizeof(c->head), method, path, query, payload_hash, body_len,
                                        has_body);
    c->head_off = 0;
    c->body = body;
    c->body_len = body ? body_len : 0;
    c->body_off = 0;
    c->is_head = strcmp(method, "HEAD") == 0;
    c->st = R_HEAD;
    c->status = 0;
    c->content_length = -1;
    c->chunked = false;
    c->close_after = false;
    c->body_bytes = 0;
    c->keep_body = keep_body;
    c->kept_len = 0;
    c->t0 = bench_now_ns();
    g_inflight++;
    try_send(c);
}

static void keep(struct conn *c, const unsigned char *p, size_t n)
{
    c->body_bytes += n;
    if (!c->keep_body)
        return;
    if (c->kept_len + n + 1 > c->kept_cap) {
        size_t cap = c->kept_cap ? c->kept_cap : 65536;
        while (cap < c->kept_len + n + 1)
            cap *= 2;
        if (cap > BODY_KEEP_MAX)
            bench_fail(g_load, "response body over %u bytes", BODY_KEEP_MAX);
        char *k = realloc(c->kept, cap);
        if (k == NULL)
            bench_fail(g_load, "out of memory");
        c->kept = k;
        c->kept_cap = cap;
    }
    memcpy(c->kept + c->kept_len, p, n);
    c->kept_len += n;
    c->kept[c->kept_len] = '\0';
}

static void *find(const unsigned char *h, size_t n, const char *needle)
{
    return memmem(h, n, needle, strlen(needle));
}

static void parse_head(struct conn *c, size_t head_len)
{
    char *h = (char *)c->in;
    if (head_len < 12 || strncmp(h, "HTTP/1.", 7) != 0)
        bench_fail(g_load, "bad response line on connection %d", c->id);
    c->status = atoi(h + 9);
    /* headers, case-insensitively */
    char *line = memchr(h, '\n', head_len);
    while (line != NULL && (size_t)(line - h) < head_len) {
        line++;
        size_t left = head_len - (size_t)(line - h);
        char *eol = memchr(line, '\n', left);
        if (eol == NULL)
            break;
        if (strncasecmp(line, "content-length:", 15) == 0)
            c->content_length = strtoll(line + 15, NULL, 10);
        else if (strncasecmp(line, "transfer-encoding:", 18) == 0 && find((unsigned char *)line, (size_t)(eol - line), "chunked"))
            c->chunked = true;
        else if (strncasecmp(line, "connection:", 11) == 0 && find((unsigned char *)line, (size_t)(eol - line), "close"))
            c->close_after = true;
        line = eol;
    }
}

static void consume(struct conn *c, size_t n)
{
    memmove(c->in, c->in + n, c->in_len - n);
    c->in_len -= n;
}

static void finish(struct conn *c)
{
    c->st = R_IDLE;
    g_inflight--;
    if (c->in_len != 0)
        bench_fail(g_load, "%zu unexpected bytes after a response", c->in_len);
    if (c->close_after) {
        epoll_ctl(g_ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        conn_open(c);
    }
    g_on_done(c);
}

/* Advance the response parser over what is buffered. */
static void process(struct conn *c)
{
    for (int guard = 0; guard < 100000; guard++) {
        switch (c->st) {
        case R_IDLE:
            if (c->in_len)
                bench_fail(g_load, "data on an idle connection");
            return;
        case R_HEAD: {
            unsigned char *e = find(c->in, c->in_len, "\r\n\r\n");
            if (e == NULL) {
                if (c->in_len > 64 * 1024)
                    bench_fail(g_load, "response head over 64 KiB");
                return;
            }
            size_t hl = (size_t)(e - c->in) + 4;
            parse_head(c, hl);
            consume(c, hl);
            if (c->status == 100) { /* 100 Continue: the real head follows */
                c->st = R_HEAD;
                continue;
            }
            if (c->is_head || c->status == 204 || c->status == 304) {
                finish(c);
                return;
            }
            if (c->chunked) {
                c->st = R_CHUNK_SIZE;
            } else if (c->content_length >= 0) {
                c->remaining = (uint64_t)c->content_length;
                c->st = R_BODY;
                if (c->remaining == 0) {
                    finish(c);
                    return;
                }
            } else {
                bench_fail(g_load, "response without a length (HTTP %d)", c->status);
            }
            continue;
        }
        case R_BODY:
        case R_CHUNK_DATA: {
            size_t n = c->in_len < c->remaining ? c->in_len : (size_t)c->remaining;
            if (n == 0)
                return;
            keep(c, c->in, n);
            consume(c, n);
            c->remaining -= n;
            if (c->remaining == 0) {
                if (c->st == R_BODY) {
                    finish(c);
                    return;
                }
                c->st = R_CHUNK_CRLF;
            }
            continue;
        }
        case R_CHUNK_CRLF:
            if (c->in_len < 2)
                return;
            if (c->in[0] != '\r' || c->in[1] != '\n')
                bench_fail(g_load, "bad chunk terminator");
            consume(c, 2);
            c->st = R_CHUNK_SIZE;
            continue;
        case R_CHUNK_SIZE: {
            unsigned char *e = find(c->in, c->in_len, "\r\n");
            if (e == NULL) {
                if (c->in_len > 1024)
                    bench_fail(g_load, "chunk size line too long");
                return;
            }
            char *end = NULL;
            unsigned long long sz = strtoull((char *)c->in, &end, 16);
            if (end == (char *)c->in || sz > (1ull << 40))
                bench_fail(g_load, "bad chunk size");
            consume(c, (size_t)(e - c->in) + 2);
            if (sz == 0) {
                c->st = R_TRAILER;
            } else {
                c->remaining = sz;
                c->st = R_CHUNK_DATA;
            }
            continue;
        }
        case R_TRAILER: {
            unsigned char *e = find(c->in, c->in_len, "\r\n");
            if (e == NULL)
                return;
            size_t ll = (size_t)(e - c->in);
            consume(c, ll + 2);
            if (ll == 0) {
                finish(c);
                return;
            }
            continue;
        }
        }
    }
}

static void on_readable(struct conn *c)
{
    for (int rounds = 0; rounds < 64; rounds++) {
        if (c->in_len == IN_CAP) {
            process(c);
            if (c->in_len == IN_CAP)
                bench_fail(g_load, "input buffer full");
        }
        ssize_t r = recv(c->fd, c->in + c->in_len, IN_CAP - c->in_len, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                break;
            bench_fail(g_load, "recv on connection %d: %s", c->id, strerror(errno));
        }
        if (r == 0) {
            if (c->st != R_IDLE)
                bench_fail(g_load, "server closed connection %d mid-request", c->id);
            epoll_ctl(g_ep, EPOLL_CTL_DEL, c->fd, NULL);
            close(c->fd);
            conn_open(c);
            return;
        }
        c->in_len += (size_t)r;
        process(c);
        if ((size_t)r < 65536)
            break;
    }
}

static void pump(void)
{
    struct epoll_event evs[64];
    while (g_inflight > 0) {
        if (bench_now_ns() > g_deadline)
            bench_fail(g_load, "timed out (%d requests in flight)", g_inflight);
        int n = epoll_wait(g_ep, evs, 64, 100);
        if (n < 0 && errno != EINTR)
            bench_fail(g_load, "epoll_wait: %s", strerror(errno));
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (evs[i].events & EPOLLOUT)
                try_send(c);
            if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                on_readable(c);
        }
    }
}

static void run_all(start_fn start, done_fn done)
{
    g_on_done = done;
    for (int i = 0; i < g_nconn; i++)
        start(&g_conn[i]);
    pump();
}

/* ------------------------------------------------------------ small objects */

static char *g_small;
static char g_small_hash[65];
static const char *g_method;

static void object_path(char *out, size_t cap, uint64_t idx)
{
    snprintf(out, cap, "/%s/%s%08llu", o_bucket, o_prefix, (unsigned long long)idx);
}

static void small_start(struct conn *c);

static void expect_status(struct conn *c, int want1, int want2, const char *what)
{
    if (c->status != want1 && c->status != want2) {
        if (c->keep_body && c->kept_len)
            bench_fail(g_load, "%s: HTTP %d: %.200s", what, c->status, c->kept);
        bench_fail(g_load, "%s: HTTP %d", what, c->status);
    }
}

static void small_done(struct conn *c)
{
    if (strcmp(g_method, "PUT") == 0) {
        expect_status(c, 200, 200, "PUT");
        g_bytes += o_size;
    } else if (strcmp(g_method, "GET") == 0) {
        expect_status(c, 200, 200, "GET");
        if (c->body_bytes != o_size)
            bench_fail(g_load, "GET returned %llu bytes, expected %llu", (unsigned long long)c->body_bytes,
                       (unsigned long long)o_size);
        g_bytes += c->body_bytes;
    } else if (strcmp(g_method, "HEAD") == 0) {
        expect_status(c, 200, 200, "HEAD");
        if (c->content_length != (int64_t)o_size)
            bench_fail(g_load, "HEAD says %lld bytes, expected %llu", (long long)c->content_length,
                       (unsigned long long)o_size);
    } else {
        expect_status(c, 204, 200, "DELETE");
    }
    bench_lat_add(&g_lat, bench_now_ns() - c->t0);
    g_done++;
    small_start(c);
}

static void small_start(struct conn *c)
{
    uint64_t idx;
    if (g_stop_at) {
        if (bench_now_ns() >= g_stop_at)
            return;
        idx = g_next++ % o_count;
    } else {
        if (g_next >= g_total)
            return;
        idx = g_next++;
    }
    char path[512];
    object_path(path, sizeof(path), idx);
    static const char empty_hash[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    if (strcmp(g_method, "PUT") == 0)
        send_request(c, "PUT", path, "", g_small, o_size, g_small_hash, true);
    else
        send_request(c, g_method, path, "", NULL, 0, empty_hash, strcmp(g_method, "GET") != 0);
}

static void load_small(const char *method, const char *load)
{
    g_load = load;
    g_method = method;
    if (o_size > (1u << 20))
        bench_fail(load, "--size over 1 MiB: use bigput/bigget");
    g_small = malloc(o_size ? o_size : 1);
    if (g_small == NULL)
        bench_fail(load, "out of memory");
    for (uint64_t i = 0; i < o_size; i++)
        g_small[i] = (char)('a' + i % 26);
    sha256_hex(g_small, o_size, g_small_hash);
    open_all();
    g_next = 0;
    g_total = o_count;
    g_done = 0;
    g_bytes = 0;
    bench_lat_reset(&g_lat);
    double cpu0 = bench_cpu_s();
    uint64_t t0 = bench_now_ns();
    g_stop_at = o_seconds > 0 ? t0 + (uint64_t)(o_seconds * 1e9) : 0;
    run_all(small_start, small_done);
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    if (!g_stop_at && g_done != o_count)
        bench_fail(load, "finished %llu of %llu", (unsigned long long)g_done, (unsigned long long)o_count);
    char note[128];
    snprintf(note, sizeof(note), "%s of %llu-byte objects, %d connections, SigV4 with payload SHA-256", method,
             (unsigned long long)o_size, g_nconn);
    struct bench_result r = {load, g_done, g_bytes, secs, bench_cpu_s() - cpu0, &g_lat, note};
    bench_print_result(&r);
}

/* -------------------------------------------------------------- big objects */

static void big_done(struct conn *c)
{
    expect_status(c, 200, 200, g_method);
    g_done++;
}

static void load_big(bool put)
{
    g_load = put ? "bigput" : "bigget";
    g_method = put ? "PUT" : "GET";
    g_nconn = 1;
    open_all();
    char *buf = NULL;
    if (put) {
        buf = malloc(1u << 20);
        if (buf == NULL)
            bench_fail(g_load, "out of memory");
        for (size_t i = 0; i < (1u << 20); i++)
            buf[i] = (char)(i * 31 + 7);
    }
    char path[512];
    snprintf(path, sizeof(path), "/%s/%s", o_bucket, o_key);
    g_done = 0;
    double cpu0 = bench_cpu_s();
    uint64_t t0 = bench_now_ns();
    g_on_done = big_done;
    struct conn *c = &g_conn[0];
    if (put)
        send_request(c, "PUT", path, "", buf, o_size, "UNSIGNED-PAYLOAD", true);
    else
        send_request(c, "GET", path, "", NULL, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                     false);
    pump();
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    uint64_t bytes = put ? o_size : c->body_bytes;
    if (!put && o_size && bytes != o_size)
        bench_fail(g_load, "GET returned %llu bytes, expected %llu", (unsigned long long)bytes,
                   (unsigned long long)o_size);
    struct bench_result r = {g_load, 1, bytes, secs, bench_cpu_s() - cpu0, NULL,
                             put ? "one PUT, UNSIGNED-PAYLOAD, one connection" : "one GET, one connection"};
    bench_print_result(&r);
}

/* -------------------------------------------------------------------- list */

static char g_prefix_enc[512];

static void list_page(struct conn *c)
{
    char query[4096], tok[1536];
    /* canonical order: continuation-token, list-type, max-keys, prefix */
    if (c->token[0]) {
        uri_encode(c->token, tok, sizeof(tok));
        snprintf(query, sizeof(query), "continuation-token=%s&list-type=2&max-keys=1000&prefix=%s", tok,
                 g_prefix_enc);
    } else {
        snprintf(query, sizeof(query), "list-type=2&max-keys=1000&prefix=%s", g_prefix_enc);
    }
    char path[300];
    snprintf(path, sizeof(path), "/%s", o_bucket);
    send_request(c, "GET", path, query, NULL, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                 true);
}

static void list_start(struct conn *c)
{
    if (bench_now_ns() >= g_stop_at)
        return;
    c->token[0] = '\0';
    c->seen = 0;
    c->t0 = bench_now_ns();
    list_page(c);
}

static void xml_unescape(char *s)
{
    char *o = s;
    for (char *p = s; *p;) {
        if (*p == '&') {
            if (strncmp(p, "&amp;", 5) == 0) { *o++ = '&'; p += 5; continue; }
            if (strncmp(p, "&lt;", 4) == 0) { *o++ = '<'; p += 4; continue; }
            if (strncmp(p, "&gt;", 4) == 0) { *o++ = '>'; p += 4; continue; }
            if (strncmp(p, "&quot;", 6) == 0) { *o++ = '"'; p += 6; continue; }
            if (strncmp(p, "&apos;", 6) == 0) { *o++ = '\''; p += 6; continue; }
        }
        *o++ = *p++;
    }
    *o = '\0';
}

static uint64_t g_list_start_t;

static void list_done(struct conn *c)
{
    expect_status(c, 200, 200, "ListObjectsV2");
    const char *x = c->kept ? c->kept : "";
    uint64_t keys = 0;
    for (const char *p = strstr(x, "<Key>"); p != NULL; p = strstr(p + 5, "<Key>"))
        keys++;
    c->seen += keys;
    g_bytes += keys;
    bool truncated = strstr(x, "<IsTruncated>true</IsTruncated>") != NULL;
    if (truncated) {
        const char *t = strstr(x, "<NextContinuationToken>");
        const char *e = t ? strstr(t, "</NextContinuationToken>") : NULL;
        size_t n = t && e ? (size_t)(e - t - 23) : 0;
        if (t == NULL || e == NULL || n == 0 || n >= sizeof(c->token))
            bench_fail(g_load, "truncated listing without a usable NextContinuationToken");
        memcpy(c->token, t + 23, n);
        c->token[n] = '\0';
        xml_unescape(c->token);
        if (keys == 0)
            bench_fail(g_load, "truncated listing page with no keys");
        list_page(c);
        return;
    }
    if (c->seen != o_count)
        bench_fail(g_load, "listing returned %llu keys, %llu were PUT", (unsigned long long)c->seen,
                   (unsigned long long)o_count);
    bench_lat_add(&g_lat, bench_now_ns() - c->t0);
    g_done++;
    list_start(c);
}

static void load_list(void)
{
    g_load = "list";
    uri_encode(o_prefix, g_prefix_enc, sizeof(g_prefix_enc));
    if (o_prepare) {
        const char *saved = g_load;
        uint64_t sz = o_size;
        double secs = o_seconds;
        o_size = 0;
        o_seconds = 0; /* every key, however long it takes */
        load_small("PUT", "list.prepare");
        o_size = sz;
        o_seconds = secs;
        g_load = saved;
        for (int i = 0; i < g_nconn; i++) {
            epoll_ctl(g_ep, EPOLL_CTL_DEL, g_conn[i].fd, NULL);
            close(g_conn[i].fd);
        }
        close(g_ep);
    }
    g_nconn = 1;
    open_all();
    g_done = 0;
    g_bytes = 0;
    bench_lat_reset(&g_lat);
    double cpu0 = bench_cpu_s();
    uint64_t t0 = bench_now_ns();
    g_list_start_t = t0;
    g_stop_at = t0 + (uint64_t)((o_seconds > 0 ? o_seconds : 1) * 1e9);
    run_all(list_start, list_done);
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    char note[128];
    snprintf(note, sizeof(note), "%llu full ListObjectsV2 listings of %llu keys, max-keys 1000, one connection",
             (unsigned long long)g_done, (unsigned long long)o_count);
    struct bench_result r = {g_load, g_bytes, 0, secs, bench_cpu_s() - cpu0, &g_lat, note};
    bench_print_result(&r);
}

/* ---------------------------------------------------------------- mkbucket */

static void mk_done(struct conn *c) { (void)c; }

static void load_mkbucket(void)
{
    g_load = "mkbucket";
    g_nconn = 1;
    open_all();
    char path[300];
    snprintf(path, sizeof(path), "/%s", o_bucket);
    g_on_done = mk_done;
    send_request(&g_conn[0], "PUT", path, "", NULL, 0,
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", true);
    pump();
    struct conn *c = &g_conn[0];
    bool ok = c->status == 200 ||
              (c->status == 409 && c->kept && strstr(c->kept, "BucketAlreadyOwnedByYou") != NULL);
    if (!ok)
        bench_fail(g_load, "PUT bucket: HTTP %d: %.200s", c->status, c->kept ? c->kept : "");
    struct bench_result r = {g_load, 1, 0, 0, 0, NULL, c->status == 200 ? "created" : "already ours"};
    bench_print_result(&r);
}

/* -------------------------------------------------------------------- main */

static void usage(void)
{
    fprintf(stderr, "usage: s3load --port P --access-key AK --secret-key SK --bucket B [--host H] [--region R]\n"
                    "              [--conns N] [--timeout S] LOAD [--prefix X] [--key K] [--count N]\n"
                    "              [--size B] [--seconds S] [--prepare]\n"
                    "LOAD: mkbucket put get head delete bigput bigget list\n");
    exit(64);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"host", required_argument, 0, 'h'},   {"port", required_argument, 0, 'p'},
        {"access-key", required_argument, 0, 'a'}, {"secret-key", required_argument, 0, 'k'},
        {"bucket", required_argument, 0, 'B'}, {"region", required_argument, 0, 'r'},
        {"conns", required_argument, 0, 'c'},  {"timeout", required_argument, 0, 't'},
        {"prefix", required_argument, 0, 'x'}, {"key", required_argument, 0, 'K'},
        {"count", required_argument, 0, 'n'},  {"size", required_argument, 0, 's'},
        {"seconds", required_argument, 0, 'S'}, {"prepare", no_argument, 0, 'P'},
        {0, 0, 0, 0},
    };
    const char *load = NULL;
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
        case 'a': o_ak = optarg; break;
        case 'k': o_sk = optarg; break;
        case 'B': o_bucket = optarg; break;
        case 'r': o_region = optarg; break;
        case 'c': o_conns = atoi(optarg); break;
        case 't': o_timeout = atof(optarg); break;
        case 'x': o_prefix = optarg; break;
        case 'K': o_key = optarg; break;
        case 'n': o_count = strtoull(optarg, NULL, 10); break;
        case 's': o_size = bench_parse_size(optarg); break;
        case 'S': o_seconds = atof(optarg); break;
        case 'P': o_prepare = true; break;
        default: usage();
        }
    }
    if (load == NULL || o_port <= 0 || o_ak == NULL || o_sk == NULL || o_bucket == NULL)
        usage();
    if (o_conns < 1 || o_conns > MAX_CONNS || o_count == 0 || strlen(o_sk) > 200 || strlen(o_prefix) > 200 ||
        strlen(o_bucket) > 63 || strlen(o_key) > 200)
        bench_fail(load, "bad --conns, --count, key, prefix or bucket");
    signal(SIGPIPE, SIG_IGN);
    g_load = load;
    g_deadline = bench_now_ns() + (uint64_t)(o_timeout * 1e9);
    g_nconn = o_conns;
    if (strcmp(load, "mkbucket") == 0)
        load_mkbucket();
    else if (strcmp(load, "put") == 0)
        load_small("PUT", "put");
    else if (strcmp(load, "get") == 0)
        load_small("GET", "get");
    else if (strcmp(load, "head") == 0)
        load_small("HEAD", "head");
    else if (strcmp(load, "delete") == 0)
        load_small("DELETE", "delete");
    else if (strcmp(load, "bigput") == 0)
        load_big(true);
    else if (strcmp(load, "bigget") == 0)
        load_big(false);
    else if (strcmp(load, "list") == 0)
        load_list();
    else
        usage();
    return 0;
}
