/* Counts calls to malloc and friends, for xdr/bench: LD_PRELOAD it and read chimera_bench_malloc_count. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

unsigned long chimera_bench_malloc_count = 0;

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);

/* dlsym may call calloc before real_calloc is known: serve it from a small static arena. */
static char arena[4096];
static size_t arena_used;

static void *arena_alloc(size_t size) {
    size = (size + 15) & ~(size_t)15;
    if (arena_used + size > sizeof arena) return NULL;
    void *p = arena + arena_used;
    arena_used += size;
    return p;
}

void *malloc(size_t size) {
    if (!real_malloc) real_malloc = dlsym(RTLD_NEXT, "malloc");
    __atomic_add_fetch(&chimera_bench_malloc_count, 1, __ATOMIC_RELAXED);
    return real_malloc(size);
}

void *calloc(size_t count, size_t size) {
    if (!real_calloc) {
        static int resolving;
        if (resolving) return arena_alloc(count * size);
        resolving = 1;
        real_calloc = dlsym(RTLD_NEXT, "calloc");
        resolving = 0;
    }
    __atomic_add_fetch(&chimera_bench_malloc_count, 1, __ATOMIC_RELAXED);
    return real_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    if (!real_realloc) real_realloc = dlsym(RTLD_NEXT, "realloc");
    __atomic_add_fetch(&chimera_bench_malloc_count, 1, __ATOMIC_RELAXED);
    return real_realloc(pointer, size);
}

int posix_memalign(void **pointer, size_t alignment, size_t size) {
    if (!real_posix_memalign) real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    __atomic_add_fetch(&chimera_bench_malloc_count, 1, __ATOMIC_RELAXED);
    return real_posix_memalign(pointer, alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    if (!real_aligned_alloc) real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    __atomic_add_fetch(&chimera_bench_malloc_count, 1, __ATOMIC_RELAXED);
    return real_aligned_alloc(alignment, size);
}
