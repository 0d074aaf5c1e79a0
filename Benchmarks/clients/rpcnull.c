/*
 * rpcnull: the smallest ONC RPC server there is, for the machine limit.
 *
 * One thread, epoll, non-blocking sockets. It answers every call on TCP
 * (RFC 5531 record marking) with MSG_ACCEPTED / SUCCESS and an AUTH_NONE
 * verifier and no results, whatever the program, version and procedure:
 * that is a NULL reply. `nfsload null --port P` against it measures how
 * many request/reply round trips per second this machine's loopback and
 * one server core allow when the server does no work at all. Every
 * NFS figure's calls/s can be read as a fraction of that.
 *
 *   rpcnull --port P [--seconds S]   (exits after S seconds; default 600)
 *
 * Prints "ready" on stdout once listening. Lengths from the wire are
 * checked: a record fragment over 1 MiB closes the connection.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONN 1024
#define BUF_SIZE (256 * 1024)
#define MAX_FRAG (1u << 20)

struct conn {
    int fd;
    unsigned char in[BUF_SIZE];
    size_t in_len;
    unsigned char out[BUF_SIZE];
    size_t out_len;
};

static struct conn *g_conn[MAX_CONN];

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void drop(int ep, struct conn *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    if (c->fd >= 0 && c->fd < MAX_CONN)
        g_conn[c->fd] = NULL;
    free(c);
}

/* Send what is queued; 0 while the connection lives. */
static int flush_out(struct conn *c)
{
    size_t off = 0;
    while (off < c->out_len) {
        ssize_t n = send(c->fd, c->out + off, c->out_len - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                break;
            return -1;
        }
        off += (size_t)n;
    }
    memmove(c->out, c->out + off, c->out_len - off);
    c->out_len -= off;
    return 0;
}

/* Answer every whole record in the input buffer. */
static int serve(struct conn *c)
{
    size_t pos = 0;
    while (c->in_len - pos >= 4) {
        uint32_t mark = get32(c->in + pos);
        uint32_t len = mark & 0x7fffffffu;
        if (len > MAX_FRAG || len > BUF_SIZE - 4)
            return -1;
        if (c->in_len - pos < 4 + (size_t)len)
            break;
        if (len < 8) /* xid + msg_type at least */
            return -1;
        /* multi-fragment records are not used by any NULL call; only the
         * last fragment of a record is answered */
        if (mark & 0x80000000u) {
            if (c->out_len + 28 > BUF_SIZE) {
                if (flush_out(c) != 0 || c->out_len + 28 > BUF_SIZE)
                    break; /* the peer is not reading; leave the rest queued */
            }
            unsigned char *r = c->out + c->out_len;
            put32(r, 0x80000000u | 24);
            memcpy(r + 4, c->in + pos + 4, 4); /* xid */
            put32(r + 8, 1);                   /* REPLY */
            put32(r + 12, 0);                  /* MSG_ACCEPTED */
            put32(r + 16, 0);                  /* verifier AUTH_NONE */
            put32(r + 20, 0);                  /* verifier length 0 */
            put32(r + 24, 0);                  /* SUCCESS */
            c->out_len += 28;
        }
        pos += 4 + (size_t)len;
    }
    memmove(c->in, c->in + pos, c->in_len - pos);
    c->in_len -= pos;
    return flush_out(c);
}

int main(int argc, char **argv)
{
    int port = 0;
    double seconds = 600;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0)
            port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--seconds") == 0)
            seconds = atof(argv[i + 1]);
    }
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "usage: rpcnull --port P [--seconds S]\n");
        return 64;
    }
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 128) != 0) {
        perror("rpcnull: bind/listen");
        return 69;
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    printf("ready\n");
    fflush(stdout);

    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct epoll_event evs[64];
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 > seconds)
            break;
        int n = epoll_wait(ep, evs, 64, 200);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls) {
                for (;;) {
                    int cfd = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
                    if (cfd < 0)
                        break;
                    if (cfd >= MAX_CONN) {
                        close(cfd);
                        continue;
                    }
                    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                    struct conn *c = calloc(1, sizeof(*c));
                    if (c == NULL) {
                        close(cfd);
                        continue;
                    }
                    c->fd = cfd;
                    g_conn[cfd] = c;
                    struct epoll_event cev = {.events = EPOLLIN, .data.fd = cfd};
                    epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &cev);
                }
                continue;
            }
            struct conn *c = fd >= 0 && fd < MAX_CONN ? g_conn[fd] : NULL;
            if (c == NULL)
                continue;
            int dead = 0;
            for (int rounds = 0; rounds < 16; rounds++) {
                if (c->in_len == BUF_SIZE) {
                    dead = serve(c) != 0 || c->in_len == BUF_SIZE;
                    if (dead)
                        break;
                }
                ssize_t r = recv(fd, c->in + c->in_len, BUF_SIZE - c->in_len, 0);
                if (r == 0) {
                    dead = 1;
                    break;
                }
                if (r < 0) {
                    if (errno == EINTR)
                        continue;
                    dead = errno != EAGAIN;
                    break;
                }
                c->in_len += (size_t)r;
            }
            if (!dead)
                dead = serve(c) != 0;
            if (dead)
                drop(ep, c);
        }
    }
    return 0;
}
