/*
 * chimera_rcu.h — the VFS core's lock-free read side, over liburcu.
 *
 * The name, attribute and other read-mostly caches the protocols share live
 * in an RCU hash table (liburcu's rculfhash, "bulletproof" flavour so any
 * thread may read without registering). Readers take no lock: a lookup runs
 * inside an RCU read-side section and copies the value out. Writers publish
 * a new node atomically (add/replace); the old node is freed by call_rcu
 * only after every reader that could see it has left its section. Keys and
 * values are plain bytes: the Swift side defines what a value holds.
 *
 * Bounded: a cache never holds more than max_entries nodes; an insert past
 * the bound evicts entries (in hash order, which is arbitrary by key).
 *
 * The version table is an array of 64-bit counters indexed by key hash. The
 * core bumps a key's counter whenever an operation that changes what the key
 * names starts or ends, and stamps cached values with the counter; a value
 * whose stamp differs from the counter is stale. Collisions only cause
 * misses.
 */
#ifndef CHIMERA_RCU_H
#define CHIMERA_RCU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct chimera_rcu_cache;

/* max_entries >= 1; value_size fixed for the cache's life. NULL on ENOMEM. */
struct chimera_rcu_cache *chimera_rcu_cache_create(uint64_t max_entries,
                                                   uint32_t value_size);
/* Not concurrently with any other call on the cache. */
void chimera_rcu_cache_destroy(struct chimera_rcu_cache *cache);

/* Copy the value stored under key into value_out (value_size bytes).
 * Returns 1 on a hit, 0 on a miss. Lock-free. */
int chimera_rcu_cache_get(struct chimera_rcu_cache *cache, uint64_t hash,
                          const void *key, uint32_t key_len, void *value_out);
/* Store value under key, replacing any previous value. Returns 0, or -1
 * when memory is short (the cache is then unchanged). */
int chimera_rcu_cache_put(struct chimera_rcu_cache *cache, uint64_t hash,
                          const void *key, uint32_t key_len,
                          const void *value);
/* Remove key; returns 1 if it was present. */
int chimera_rcu_cache_remove(struct chimera_rcu_cache *cache, uint64_t hash,
                             const void *key, uint32_t key_len);
/* Entries now held (approximate under concurrent updates). */
uint64_t chimera_rcu_cache_count(const struct chimera_rcu_cache *cache);
/* Entries evicted to stay under max_entries since creation. */
uint64_t chimera_rcu_cache_evictions(const struct chimera_rcu_cache *cache);

/* 64-bit hash of up to two byte ranges (a handle and a name). */
uint64_t chimera_hash_bytes(const void *a, size_t a_len, const void *b,
                            size_t b_len);

struct chimera_version_table;
struct chimera_version_table *chimera_version_table_create(uint32_t log2_slots);
void chimera_version_table_destroy(struct chimera_version_table *table);
uint64_t chimera_version_load(const struct chimera_version_table *table,
                              uint64_t hash);
/* Increment; returns the new value. */
uint64_t chimera_version_bump(struct chimera_version_table *table,
                              uint64_t hash);
/* Set to desired if it equals expected; returns 1 on success. */
int chimera_version_cas(struct chimera_version_table *table, uint64_t hash,
                        uint64_t expected, uint64_t desired);

/* Wait for every RCU read-side section in progress to end, and for pending
 * reclamation to run (tests, shutdown). */
void chimera_rcu_barrier(void);

#ifdef __cplusplus
}
#endif

#endif /* CHIMERA_RCU_H */
