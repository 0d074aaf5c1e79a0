/* fcntllock: POSIX (fcntl) byte-range locks on an NFS mount without `nolock`, so every lock is an NLM call.
 *   fcntllock pair FILE     the parent write-locks [0, 100); a second process's F_SETLK on [50, 60) must fail
 *                           with EAGAIN/EACCES, and its F_SETLKW must block until the parent unlocks (about
 *                           2 s later), then succeed. Read locks of two processes must coexist.
 *   fcntllock held FILE T   someone else (a client of the server's core) holds a write lock on FILE: F_SETLK
 *                           must fail, F_GETLK must report a write lock, and F_SETLKW must succeed within T
 *                           seconds once it is released. Prints how long F_SETLKW waited.
 *   fcntllock keep FILE DONE T  write-lock FILE, print "locked", and keep it until DONE exists (at most T s; the
 *                           server restarts meanwhile and the kernel reclaims the lock after SM_NOTIFY); then
 *                           print DONE's content and unlock.
 * Every wait is bounded by alarm() or a deadline. Exit 0 only when all of it holds. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int lk(int fd, int cmd, short type, off_t start, off_t len) {
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_alarm(int sig) { (void)sig; }

static int pair(const char *path) {
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0 || lk(fd, F_SETLK, F_WRLCK, 0, 100) != 0) { perror("fcntllock: parent F_SETLK"); return 1; }
    int p1[2], p2[2];
    if (pipe(p1) || pipe(p2)) return 1;
    pid_t pid = fork();
    if (pid == 0) {
        int cfd = open(path, O_RDWR);
        if (cfd < 0) _exit(10);
        if (lk(cfd, F_SETLK, F_WRLCK, 50, 10) == 0) {
            fprintf(stderr, "fcntllock: child got F_WRLCK on a range the parent holds\n");
            _exit(11);
        }
        if (errno != EAGAIN && errno != EACCES) { perror("fcntllock: child F_SETLK"); _exit(12); }
        if (write(p1[1], "x", 1) != 1) _exit(13);
        double t0 = now();
        alarm(60);
        if (lk(cfd, F_SETLKW, F_WRLCK, 50, 10) != 0) { perror("fcntllock: child F_SETLKW"); _exit(14); }
        alarm(0);
        double waited = now() - t0;
        printf("fcntllock: second process: F_SETLK EAGAIN, F_SETLKW waited %.1f s for the unlock\n", waited);
        if (waited < 1.0) { fprintf(stderr, "fcntllock: F_SETLKW did not wait\n"); _exit(15); }
        /* The server's GRANTED callback wakes it at once; 20 s or more means the client had to poll. */
        if (waited > 20.0) { fprintf(stderr, "fcntllock: no GRANTED callback (the client polled)\n"); _exit(18); }
        lk(cfd, F_SETLK, F_UNLCK, 0, 0);
        /* shared locks coexist */
        char c;
        if (read(p2[0], &c, 1) != 1) _exit(16);
        if (lk(cfd, F_SETLK, F_RDLCK, 0, 10) != 0) { perror("fcntllock: child F_RDLCK beside parent's"); _exit(17); }
        _exit(0);
    }
    char c;
    if (read(p1[0], &c, 1) != 1) { fprintf(stderr, "fcntllock: child died early\n"); }
    sleep(2);
    if (lk(fd, F_SETLK, F_UNLCK, 0, 100) != 0) { perror("fcntllock: parent unlock"); return 1; }
    sleep(1);
    if (lk(fd, F_SETLK, F_RDLCK, 0, 10) != 0) { perror("fcntllock: parent F_RDLCK"); return 1; }
    if (write(p2[1], "x", 1) != 1) return 1;
    int st;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) { fprintf(stderr, "fcntllock: child status %d\n", st); return 1; }
    printf("fcntllock: write locks of two processes conflict over NLM; read locks share\n");
    return 0;
}

static int held(const char *path, int limit) {
    int fd = open(path, O_RDWR);
    if (fd < 0) { perror("fcntllock: open"); return 1; }
    if (lk(fd, F_SETLK, F_WRLCK, 0, 0) == 0) {
        fprintf(stderr, "fcntllock: got F_WRLCK while the core's client holds the file\n");
        return 1;
    }
    if (errno != EAGAIN && errno != EACCES) { perror("fcntllock: F_SETLK"); return 1; }
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (fcntl(fd, F_GETLK, &fl) != 0) { perror("fcntllock: F_GETLK"); return 1; }
    if (fl.l_type != F_WRLCK) { fprintf(stderr, "fcntllock: F_GETLK says type %d, not F_WRLCK\n", fl.l_type); return 1; }
    printf("fcntllock: F_SETLK EAGAIN and F_GETLK F_WRLCK [%lld, +%lld) while the core's client holds it\n",
           (long long)fl.l_start, (long long)fl.l_len);
    fflush(stdout);
    double t0 = now();
    alarm(limit);
    if (lk(fd, F_SETLKW, F_WRLCK, 0, 0) != 0) { perror("fcntllock: F_SETLKW"); return 1; }
    alarm(0);
    printf("fcntllock: F_SETLKW granted after %.1f s, once the core's client unlocked\n", now() - t0);
    sleep(3); /* held, so the test client sees its own LOCK refused */
    lk(fd, F_SETLK, F_UNLCK, 0, 0);
    return 0;
}

static int keep(const char *path, const char *done, int limit) {
    int fd = open(path, O_RDWR);
    if (fd < 0 || lk(fd, F_SETLK, F_WRLCK, 0, 0) != 0) { perror("fcntllock: keep F_SETLK"); return 1; }
    printf("fcntllock: locked %s\n", path);
    double end = now() + limit;
    int dfd = -1;
    while (now() < end && (dfd = open(done, O_RDONLY)) < 0) usleep(500000);
    if (dfd < 0) { fprintf(stderr, "fcntllock: %s never appeared\n", done); return 1; }
    char text[128] = {0};
    ssize_t n = read(dfd, text, sizeof text - 1);
    close(dfd);
    printf("fcntllock: the host says: %s", n > 0 ? text : "(nothing)\n");
    lk(fd, F_SETLK, F_UNLCK, 0, 0);
    return 0;
}

int main(int argc, char **argv) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: a blocked F_SETLKW returns EINTR */
    sigaction(SIGALRM, &sa, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 3 && strcmp(argv[1], "pair") == 0) return pair(argv[2]);
    if (argc >= 4 && strcmp(argv[1], "held") == 0) return held(argv[2], atoi(argv[3]));
    if (argc >= 5 && strcmp(argv[1], "keep") == 0) return keep(argv[2], argv[3], atoi(argv[4]));
    fprintf(stderr, "usage: fcntllock pair FILE | held FILE SECONDS | keep FILE DONE SECONDS\n");
    return 2;
}
