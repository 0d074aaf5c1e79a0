/* locktest FILE: flock() between two processes on one file. The parent holds
 * LOCK_EX; the child's LOCK_EX|LOCK_NB must fail with EWOULDBLOCK, then after the
 * parent unlocks the child's must succeed. Exit 0 only if both hold. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
    if (argc < 2) return 2;
    int fd = open(argv[1], O_RDWR | O_CREAT, 0644);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) { perror("locktest: parent lock"); return 1; }
    int p1[2], p2[2];
    if (pipe(p1) || pipe(p2)) return 1;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        int cfd = open(argv[1], O_RDWR);
        if (cfd < 0) _exit(10);
        int r = flock(cfd, LOCK_EX | LOCK_NB);
        if (r == 0) { fprintf(stderr, "locktest: child got LOCK_EX while the parent held it\n"); _exit(11); }
        if (errno != EWOULDBLOCK) { perror("locktest: child flock"); _exit(12); }
        if (write(p1[1], "x", 1) != 1) _exit(13);
        if (read(p2[0], &c, 1) != 1) _exit(14);
        if (flock(cfd, LOCK_EX | LOCK_NB) != 0) { perror("locktest: child after unlock"); _exit(15); }
        _exit(0);
    }
    char c;
    if (read(p1[0], &c, 1) != 1) { fprintf(stderr, "locktest: child died early\n"); }
    flock(fd, LOCK_UN);
    if (write(p2[1], "x", 1) != 1) return 1;
    int st;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) { fprintf(stderr, "locktest: child status %d\n", st); return 1; }
    printf("locktest: exclusive flock excluded a second process, released lock was acquirable\n");
    return 0;
}
