/* rpcstub: the guest's rpcbind and rpc.statd, just enough for the kernel's lockd (NLM client) and for a
 * server's calls back. One poll() loop, TCP only:
 *   port 111: portmap v2 SET / UNSET / GETPORT / NULL and rpcbind v3/v4 SET / UNSET / NULL, so lockd can
 *             register its ports and a server can find them (GRANTED callbacks).
 *   port 662: NSM v1 (statd): SM_MON / SM_UNMON / SM_UNMON_ALL / SM_STAT answer success with state 1 (the
 *             kernel refuses to lock unless its statd monitors the server). SM_NOTIFY (a server restarted) is
 *             passed on as statd does: to the my_id callback SM_MON named (the kernel's lockd, NLMPROC_NSM_NOTIFY
 *             over TCP from a reserved loopback port, with the 16 private bytes SM_MON carried), so the kernel
 *             reclaims its locks.
 * Written from RFC 1833 and RFC 5531; the NSM from X/Open XNFS. Prints "rpcstub: ..." lines to stderr. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXCONN 64
#define MAXMAP 64
#define STATD_PORT 662
#define BUFMAX 65536

struct map { uint32_t prog, vers, prot, port; };
static struct map maps[MAXMAP];
static int nmaps;

struct conn { int fd; size_t len; uint8_t buf[BUFMAX]; };

/* What SM_MON asked for: who to call, with which private bytes, when mon_name restarts. */
#define MAXMON 16
struct monitor { char name[256]; uint32_t prog, vers, proc; uint8_t priv[16]; };
static struct monitor mons[MAXMON];
static int nmons;
static struct conn conns[MAXCONN];

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static void put32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }

static void set_map(uint32_t prog, uint32_t vers, uint32_t prot, uint32_t port) {
    for (int i = 0; i < nmaps; i++)
        if (maps[i].prog == prog && maps[i].vers == vers && maps[i].prot == prot) { maps[i].port = port; return; }
    if (nmaps < MAXMAP) maps[nmaps++] = (struct map){prog, vers, prot, port};
}
static void unset_map(uint32_t prog, uint32_t vers) {
    for (int i = 0; i < nmaps; i++)
        if (maps[i].prog == prog && maps[i].vers == vers) { maps[i] = maps[--nmaps]; i--; }
}
static uint32_t get_map(uint32_t prog, uint32_t vers, uint32_t prot) {
    for (int i = 0; i < nmaps; i++)
        if (maps[i].prog == prog && maps[i].vers == vers && maps[i].prot == prot) return maps[i].port;
    return 0;
}

/* An XDR string at *off in [p, p+n): copies up to cap-1 bytes into out; -1 when it runs past the end. */
static int get_string(const uint8_t *p, size_t n, size_t *off, char *out, size_t cap) {
    if (*off + 4 > n) return -1;
    uint32_t len = get32(p + *off);
    *off += 4;
    if (len > n - *off) return -1;
    size_t c = len < cap - 1 ? len : cap - 1;
    memcpy(out, p + *off, c);
    out[c] = 0;
    *off += (len + 3) & ~3u;
    return 0;
}

static uint32_t get_map(uint32_t prog, uint32_t vers, uint32_t prot);

/* Tell the monitoring program (lockd) that m->name is at `state` now: one call, a short timeout. */
static void forward_notify(const struct monitor *m, int32_t state) {
    uint32_t port = get_map(m->prog, m->vers, 6);
    if (!port) { fprintf(stderr, "rpcstub: no TCP port for %u v%u\n", m->prog, m->vers); return; }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    for (int p = 1023; p > 600; p--) { /* lockd takes NSM callbacks only from privileged loopback ports */
        src.sin_port = htons(p);
        if (bind(fd, (struct sockaddr *)&src, sizeof src) == 0) break;
    }
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0) { perror("rpcstub: connect lockd"); close(fd); return; }
    uint8_t msg[512];
    size_t n = strlen(m->name), o = 4;
    put32(msg + o, 0x51500001); put32(msg + o + 4, 0); put32(msg + o + 8, 2); put32(msg + o + 12, m->prog);
    put32(msg + o + 16, m->vers); put32(msg + o + 20, m->proc);
    memset(msg + o + 24, 0, 16); /* AUTH_NONE credential and verifier */
    o += 40;
    put32(msg + o, (uint32_t)n); memcpy(msg + o + 4, m->name, n); memset(msg + o + 4 + n, 0, 3);
    o += 4 + ((n + 3) & ~3u);
    put32(msg + o, (uint32_t)state); o += 4;
    memcpy(msg + o, m->priv, 16); o += 16;
    put32(msg, 0x80000000u | (uint32_t)(o - 4));
    uint8_t reply[256];
    if (write(fd, msg, o) != (ssize_t)o || read(fd, reply, sizeof reply) < 28)
        fprintf(stderr, "rpcstub: NSM_NOTIFY to lockd got no reply\n");
    else
        fprintf(stderr, "rpcstub: told %u v%u proc %u that %s is at state %d (accept_stat %u)\n", m->prog, m->vers,
                m->proc, m->name, state, get32(reply + 4 + 20));
    close(fd);
}

/* uaddr "h1.h2.h3.h4.p1.p2" -> port */
static uint32_t uaddr_port(const char *u) {
    const char *last = strrchr(u, '.');
    if (!last || last == u) return 0;
    const char *prev = last - 1;
    while (prev > u && *prev != '.') prev--;
    if (*prev != '.') return 0;
    return (uint32_t)(atoi(prev + 1) * 256 + atoi(last + 1));
}

static int listen_on(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) || listen(fd, 16)) {
        fprintf(stderr, "rpcstub: cannot listen on %u: %s\n", port, strerror(errno));
        exit(1);
    }
    return fd;
}

/* Answer one call in msg[0..n); the reply body goes after a 28-byte accepted-reply header in out. Returns
 * the reply length (without the record mark), 0 for none. */
static size_t answer(const uint8_t *msg, size_t n, uint8_t *out) {
    if (n < 40 || get32(msg + 4) != 0) return 0;
    uint32_t xid = get32(msg), prog = get32(msg + 12), vers = get32(msg + 16), proc = get32(msg + 20);
    size_t off = 24;
    for (int i = 0; i < 2; i++) { /* credential, verifier */
        if (off + 8 > n) return 0;
        uint32_t len = get32(msg + off + 4);
        if (len > 400 || off + 8 + len > n) return 0;
        off += 8 + ((len + 3) & ~3u);
    }
    const uint8_t *a = msg + off;
    size_t an = n - off, ao = 0;
    put32(out, xid); put32(out + 4, 1); put32(out + 8, 0); put32(out + 12, 0); put32(out + 16, 0);
    put32(out + 20, 0); /* SUCCESS */
    uint8_t *r = out + 24;
    size_t rn = 0;
    char netid[32], uaddr[64], name[256];
    if (prog == 100000 && vers == 2) {
        if (proc == 0) rn = 0;
        else if ((proc == 1 || proc == 2) && an >= 16) {
            if (proc == 1) set_map(get32(a), get32(a + 4), get32(a + 8), get32(a + 12));
            else unset_map(get32(a), get32(a + 4));
            put32(r, 1); rn = 4;
        } else if (proc == 3 && an >= 16) {
            put32(r, get_map(get32(a), get32(a + 4), get32(a + 8))); rn = 4;
        } else { put32(out + 20, 3); rn = 0; }
    } else if (prog == 100000 && (vers == 3 || vers == 4)) {
        if (proc == 0) rn = 0;
        else if ((proc == 1 || proc == 2) && an >= 8) {
            uint32_t p = get32(a), v = get32(a + 4);
            ao = 8;
            if (get_string(a, an, &ao, netid, sizeof netid) || get_string(a, an, &ao, uaddr, sizeof uaddr)) return 0;
            uint32_t prot = strncmp(netid, "udp", 3) == 0 ? 17 : 6;
            if (proc == 1 && (strcmp(netid, "tcp") == 0 || strcmp(netid, "udp") == 0))
                set_map(p, v, prot, uaddr_port(uaddr));
            else if (proc == 2) unset_map(p, v);
            put32(r, 1); rn = 4;
        } else { put32(out + 20, 3); rn = 0; }
    } else if (prog == 100024 && vers == 1) {
        switch (proc) {
        case 0: rn = 0; break;
        case 2: /* MON: remember mon_id.my_id and priv */
            if (nmons < MAXMON) {
                struct monitor *m = &mons[nmons];
                char me[256];
                if (get_string(a, an, &ao, m->name, sizeof m->name) || get_string(a, an, &ao, me, sizeof me) ||
                    ao + 12 + 16 > an) return 0;
                m->prog = get32(a + ao); m->vers = get32(a + ao + 4); m->proc = get32(a + ao + 8);
                memcpy(m->priv, a + ao + 12, 16);
                int known = 0;
                for (int i = 0; i < nmons; i++) if (strcmp(mons[i].name, m->name) == 0) { mons[i] = *m; known = 1; }
                if (!known) nmons++;
                fprintf(stderr, "rpcstub: SM_MON %s for %u v%u proc %u\n", m->name, m->prog, m->vers, m->proc);
            }
            /* fall through */
        case 1: put32(r, 0); put32(r + 4, 1); rn = 8; break; /* STAT, MON: stat_succ, state 1 */
        case 3: case 4: put32(r, 1); rn = 4; break;                  /* UNMON, UNMON_ALL: state 1 */
        case 5: rn = 0; break;
        case 6:
            if (get_string(a, an, &ao, name, sizeof name) || ao + 4 > an) return 0;
            fprintf(stderr, "rpcstub: SM_NOTIFY %s state %d\n", name, (int32_t)get32(a + ao));
            for (int i = 0; i < nmons; i++)
                if (strcmp(mons[i].name, name) == 0) forward_notify(&mons[i], (int32_t)get32(a + ao));
            rn = 0; break;
        default: put32(out + 20, 3); rn = 0;
        }
    } else {
        put32(out + 20, 1); /* PROG_UNAVAIL */
    }
    return 24 + rn;
}

int main(void) {
    int pm = listen_on(111), sm = listen_on(STATD_PORT);
    set_map(100000, 2, 6, 111);
    set_map(100024, 1, 6, STATD_PORT);
    for (int i = 0; i < MAXCONN; i++) conns[i].fd = -1;
    fprintf(stderr, "rpcstub: portmap on 111, statd on %d\n", STATD_PORT);
    static uint8_t reply[BUFMAX];
    for (;;) {
        struct pollfd pfd[MAXCONN + 2];
        int idx[MAXCONN + 2], np = 0;
        pfd[np].fd = pm; pfd[np].events = POLLIN; idx[np++] = -1;
        pfd[np].fd = sm; pfd[np].events = POLLIN; idx[np++] = -1;
        for (int i = 0; i < MAXCONN; i++)
            if (conns[i].fd >= 0) { pfd[np].fd = conns[i].fd; pfd[np].events = POLLIN; idx[np++] = i; }
        if (poll(pfd, np, -1) < 0) { if (errno == EINTR) continue; return 1; }
        for (int k = 0; k < np; k++) {
            if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            if (idx[k] < 0) {
                int c = accept(pfd[k].fd, NULL, NULL);
                if (c < 0) continue;
                int slot = -1;
                for (int i = 0; i < MAXCONN; i++) if (conns[i].fd < 0) { slot = i; break; }
                if (slot < 0) { close(c); continue; }
                conns[slot].fd = c; conns[slot].len = 0;
                continue;
            }
            struct conn *cn = &conns[idx[k]];
            ssize_t got = read(cn->fd, cn->buf + cn->len, BUFMAX - cn->len);
            if (got <= 0) { close(cn->fd); cn->fd = -1; continue; }
            cn->len += (size_t)got;
            /* single-fragment records only (what the kernel and Chimera send) */
            while (cn->len >= 4) {
                uint32_t mark = get32(cn->buf), len = mark & 0x7fffffff;
                if (!(mark & 0x80000000u) || len > BUFMAX - 4) { close(cn->fd); cn->fd = -1; break; }
                if (cn->len < 4 + len) break;
                size_t rl = answer(cn->buf + 4, len, reply + 4);
                if (rl) {
                    put32(reply, 0x80000000u | (uint32_t)rl);
                    if (write(cn->fd, reply, rl + 4) != (ssize_t)(rl + 4)) { close(cn->fd); cn->fd = -1; break; }
                }
                memmove(cn->buf, cn->buf + 4 + len, cn->len - 4 - len);
                cn->len -= 4 + len;
            }
        }
    }
}
