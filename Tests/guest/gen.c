/* gen SEED BYTES: write BYTES deterministic pseudo-random bytes (xorshift64 of
 * SEED) to stdout. Built static, so the host and the guest produce the same data. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: gen SEED BYTES\n"); return 2; }
    unsigned long long x = strtoull(argv[1], 0, 0) * 0x9E3779B97F4A7C15ULL + 7, left = strtoull(argv[2], 0, 0);
    static unsigned long long buf[8192];
    while (left) {
        for (int i = 0; i < 8192; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; buf[i] = x; }
        size_t n = left < sizeof buf ? left : sizeof buf, off = 0;
        while (off < n) { ssize_t w = write(1, (char *)buf + off, n - off); if (w <= 0) return 1; off += w; }
        left -= n;
    }
    return 0;
}
