/*
 * common.h: what the benchmark's load clients share.
 *
 * A monotonic clock, the process's CPU time, a latency sample (every
 * operation's latency kept, sorted once at the end for exact percentiles),
 * a small xorshift generator and the one-line JSON result every client
 * prints on stdout for Benchmarks/run.py.
 *
 * Header-only on purpose: each client is one translation unit built with a
 * plain `cc -O2`, no library of our own to link.
 */
#ifndef CHIMERA_BENCH_COMMON_H
#define CHIMERA_BENCH_COMMON_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* User + system CPU seconds this process has used so far. */
static inline double bench_cpu_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0.0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

/* Every latency of a run, in nanoseconds (capped at ~4.29 s). Bounded: past
 * BENCH_MAX_SAMPLES the rest are counted but not kept, which only thins the
 * sample; a run that long is already far past its time bound. */
#define BENCH_MAX_SAMPLES (32u * 1024u * 1024u)

struct bench_lat {
    uint32_t *v;
    size_t n;
    size_t cap;
};

static inline void bench_lat_add(struct bench_lat *l, uint64_t ns)
{
    if (l->n == l->cap) {
        if (l->cap >= BENCH_MAX_SAMPLES)
            return;
        size_t cap = l->cap ? l->cap * 2 : 65536;
        uint32_t *v = realloc(l->v, cap * sizeof(uint32_t));
        if (v == NULL)
            return;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
}

static int bench_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Percentile p (0..100) in microseconds; sorts the sample in place. */
static inline double bench_lat_pct_us(struct bench_lat *l, double p)
{
    if (l->n == 0)
        return 0.0;
    qsort(l->v, l->n, sizeof(uint32_t), bench_cmp_u32);
    size_t i = (size_t)((p / 100.0) * (double)(l->n - 1) + 0.5);
    if (i >= l->n)
        i = l->n - 1;
    return (double)l->v[i] / 1000.0;
}

static inline void bench_lat_reset(struct bench_lat *l) { l->n = 0; }

static inline uint64_t bench_xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* The result line: {"load": ..., "ops": ..., ...} on stdout, flushed. */
struct bench_result {
    const char *load;
    uint64_t ops;
    uint64_t bytes;
    double seconds;
    double client_cpu_s;
    struct bench_lat *lat; /* may be NULL */
    const char *note;      /* may be NULL */
};

static inline void bench_print_result(const struct bench_result *r)
{
    double s = r->seconds > 0 ? r->seconds : 1e-9;
    double p50 = 0, p99 = 0, pmax = 0;
    if (r->lat != NULL && r->lat->n > 0) {
        p50 = bench_lat_pct_us(r->lat, 50);
        p99 = bench_lat_pct_us(r->lat, 99);
        pmax = bench_lat_pct_us(r->lat, 100);
    }
    printf("{\"load\": \"%s\", \"ops\": %llu, \"bytes\": %llu, \"seconds\": %.6f, \"ops_per_s\": %.1f, "
           "\"mb_per_s\": %.2f, \"p50_us\": %.1f, \"p99_us\": %.1f, \"max_us\": %.1f, \"client_cpu_s\": %.3f",
           r->load, (unsigned long long)r->ops, (unsigned long long)r->bytes, r->seconds, (double)r->ops / s,
           (double)r->bytes / s / 1e6, p50, p99, pmax, r->client_cpu_s);
    if (r->note != NULL)
        printf(", \"note\": \"%s\"", r->note);
    printf("}\n");
    fflush(stdout);
}

/* A failed load: one JSON line naming it and why, exit status 2. */
static inline void bench_fail(const char *load, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
            *p = ' ';
    printf("{\"load\": \"%s\", \"error\": \"%s\"}\n", load ? load : "?", msg);
    fflush(stdout);
    exit(2);
}

/* Parse "4096", "4k", "64M", "2G" (binary units). Returns 0 on bad input. */
static inline uint64_t bench_parse_size(const char *s)
{
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s)
        return 0;
    switch (*end) {
    case 'k': case 'K': v <<= 10; end++; break;
    case 'm': case 'M': v <<= 20; end++; break;
    case 'g': case 'G': v <<= 30; end++; break;
    default: break;
    }
    if (*end == 'i' || *end == 'B')
        end++;
    if (*end == 'B')
        end++;
    return *end == '\0' ? (uint64_t)v : 0;
}

#endif
