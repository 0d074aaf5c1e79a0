/* runas UID GID CMD [ARGS...]: drop to UID/GID (no supplementary groups) and exec CMD. */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: runas UID GID CMD [ARGS...]\n"); return 2; }
    gid_t g = (gid_t)atoi(argv[2]);
    if (setgroups(1, &g) != 0 || setgid(g) != 0 || setuid((uid_t)atoi(argv[1])) != 0) { perror("runas"); return 2; }
    execv(argv[3], argv + 3);
    perror("runas: execv");
    return 127;
}
