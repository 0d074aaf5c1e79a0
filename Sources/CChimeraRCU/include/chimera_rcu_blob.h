/*
 * chimera_rcu_blob.h — a bounded RCU cache of variable-length values, behind
 * the host's plugin caches (chimera_host.h "caches", ABI 1.2).
 *
 * The same design as chimera_rcu_cache (chimera_rcu.h): liburcu's rculfhash
 * with the "bulletproof" flavour, so any thread reads without registering
 * and without a lock; writers publish a node atomically and free the old one
 * after a grace period. The differences: a value is any number of bytes,
 * and the cache is bounded in bytes as well as in entries.
 *
 * Every entry is charged key_len + value_len + CHIMERA_BLOB_ENTRY_OVERHEAD
 * bytes. An insert that would pass max_entries or max_bytes first evicts the
 * oldest entries (first in, first out) until the new one fits; a value that
 * could never fit alone is refused. So the charged total never passes the
 * bound; memory of evicted or replaced entries is returned once the readers
 * that may still see them have left their read-side sections.
 */
#ifndef CHIMERA_RCU_BLOB_H
#define CHIMERA_RCU_BLOB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CHIMERA_BLOB_ENTRY_OVERHEAD 64u

struct chimera_blob_cache;

struct chimera_blob_cache_counters {
    uint64_t entries;
    uint64_t bytes;        /* charged, as above */
    uint64_t hits;
    uint64_t misses;
    uint64_t insertions;
    uint64_t evictions;    /* to stay under a bound */
};

/* max_entries >= 1. max_bytes 0: no byte bound. NULL on ENOMEM. */
struct chimera_blob_cache *chimera_blob_cache_create(uint64_t max_entries, uint64_t max_bytes);
/* Not concurrently with any other call on the cache. */
void chimera_blob_cache_destroy(struct chimera_blob_cache *cache);

/* Copy the value into buf (*len bytes of room). Returns 1 on a hit with
 * *len set to the value's length; 0 on a miss; -1 when the value is longer
 * than *len (then *len is its length and nothing is written). Lock-free. */
int chimera_blob_cache_get(struct chimera_blob_cache *cache, uint64_t hash, const void *key, uint32_t key_len,
                           void *buf, size_t *len);

/* Call fn(arg, value, value_len) once, inside the read-side section, on a
 * hit (returns 1); 0 on a miss. fn must not block or destroy the cache. */
typedef void (*chimera_blob_visit_fn)(void *arg, const void *value, size_t value_len);
int chimera_blob_cache_visit(struct chimera_blob_cache *cache, uint64_t hash, const void *key, uint32_t key_len,
                             chimera_blob_visit_fn fn, void *arg);

/* Store value under key, replacing any previous value. Returns 0; -1 when
 * memory is short; -2 when the entry alone passes max_bytes. On -1 and -2
 * any previous value under key is removed (no stale answer survives). */
int chimera_blob_cache_put(struct chimera_blob_cache *cache, uint64_t hash, const void *key, uint32_t key_len,
                           const void *value, size_t value_len);

/* Remove key; returns 1 if it was present. */
int chimera_blob_cache_remove(struct chimera_blob_cache *cache, uint64_t hash, const void *key, uint32_t key_len);
/* Remove every entry; returns how many were removed. */
uint64_t chimera_blob_cache_clear(struct chimera_blob_cache *cache);

/* A snapshot of the counters (each exact; together approximate under
 * concurrent updates). */
void chimera_blob_cache_counters(const struct chimera_blob_cache *cache, struct chimera_blob_cache_counters *out);

#ifdef __cplusplus
}
#endif

#endif /* CHIMERA_RCU_BLOB_H */
