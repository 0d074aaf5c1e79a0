/*
 * tcpstream: the raw loopback TCP stream, the machine limit for bulk data.
 *
 *   tcpstream sink --port P [--seconds S]       accept, read and discard (one
 *                                               thread; pin it like a server)
 *   tcpstream send --port P --seconds S [--bs B] [--mode write|read]
 *
 * `send --mode write` pushes B-byte buffers into the sink for S seconds
 * (client-to-server bytes/s, the direction of an NFS WRITE or S3 PUT);
 * `--mode read` asks the sink to push to it instead (server-to-client, the
 * direction of a READ or GET). Either way no protocol is spoken beyond one
 * byte saying which way: what this prints is what a socket pair on this
 * machine moves when nothing else is done with the bytes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

static int g_port;
static double g_seconds = 5;
static size_t g_bs = 1u << 20;

static int sink(void)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 16) != 0) {
        perror("tcpstream sink: bind/listen");
        return 69;
    }
    struct timeval tv = {.tv_sec = 1};
    setsockopt(ls, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    printf("ready\n");
    fflush(stdout);
    char *buf = malloc(g_bs);
    if (buf == NULL)
        return 70;
    memset(buf, 0x33, g_bs);
    uint64_t end = bench_now_ns() + (uint64_t)(g_seconds * 1e9);
    /* one connection at a time, in this thread: the figure is one core's */
    while (bench_now_ns() < end) {
        int c = accept(ls, NULL, NULL);
        if (c < 0)
            continue;
        struct timeval ctv = {.tv_sec = 1};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &ctv, sizeof(ctv));
        setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &ctv, sizeof(ctv));
        char mode = 0;
        if (recv(c, &mode, 1, MSG_WAITALL) != 1) {
            close(c);
            continue;
        }
        while (bench_now_ns() < end) {
            ssize_t n = mode == 'r' ? send(c, buf, g_bs, MSG_NOSIGNAL) : recv(c, buf, g_bs, 0);
            if (n <= 0 && !(n < 0 && errno == EINTR))
                break;
        }
        close(c);
    }
    return 0;
}

static int sender(const char *mode)
{
    bool reading = strcmp(mode, "read") == 0;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr *)&a, sizeof(a)) != 0)
        bench_fail("tcpstream", "connect to port %d: %s", g_port, strerror(errno));
    char m = reading ? 'r' : 'w';
    if (send(s, &m, 1, MSG_NOSIGNAL) != 1)
        bench_fail("tcpstream", "send: %s", strerror(errno));
    struct timeval tv = {.tv_sec = 2};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    char *buf = malloc(g_bs);
    if (buf == NULL)
        bench_fail("tcpstream", "out of memory");
    memset(buf, 0x44, g_bs);
    uint64_t bytes = 0, calls = 0;
    double cpu0 = bench_cpu_s();
    uint64_t t0 = bench_now_ns(), end = t0 + (uint64_t)(g_seconds * 1e9);
    while (bench_now_ns() < end) {
        ssize_t n = reading ? recv(s, buf, g_bs, 0) : send(s, buf, g_bs, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            bench_fail("tcpstream", "%s: %s", reading ? "recv" : "send", n == 0 ? "closed" : strerror(errno));
        bytes += (uint64_t)n;
        calls++;
    }
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    close(s);
    struct bench_result r = {reading ? "tcpstream.read" : "tcpstream.write", calls, bytes, secs,
                             bench_cpu_s() - cpu0, NULL, "one loopback TCP connection, no protocol"};
    bench_print_result(&r);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: tcpstream sink|send --port P [--seconds S] [--bs B] [--mode write|read]\n");
        return 64;
    }
    const char *mode = "write";
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0)
            g_port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--seconds") == 0)
            g_seconds = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--bs") == 0)
            g_bs = (size_t)bench_parse_size(argv[i + 1]);
        else if (strcmp(argv[i], "--mode") == 0)
            mode = argv[i + 1];
    }
    if (g_port <= 0 || g_port > 65535 || g_bs == 0 || g_bs > (64u << 20) || g_seconds <= 0) {
        fprintf(stderr, "tcpstream: bad --port, --bs or --seconds\n");
        return 64;
    }
    signal(SIGPIPE, SIG_IGN);
    if (strcmp(argv[1], "sink") == 0)
        return sink();
    if (strcmp(argv[1], "send") == 0)
        return sender(mode);
    fprintf(stderr, "tcpstream: unknown command %s\n", argv[1]);
    return 64;
}
