/*
 * RCU hash cache and version table; see include/chimera_rcu.h.
 */
#define _GNU_SOURCE
#include <features.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>

#include <urcu-bp.h>
#include <urcu/rculfhash.h>

#include "chimera_rcu.h"

/*
 * An entry is referenced by the table (until removed or replaced) and by
 * the eviction ring (until popped); it is freed after an RCU grace period
 * once both let go.
 */
struct chimera_rcu_entry {
    struct cds_lfht_node node;
    struct rcu_head      rcu;
    uint64_t             hash;
    uint32_t             key_len;
    _Atomic uint32_t     refs;
    /* key bytes, padded to 8, then value bytes */
    unsigned char        bytes[];
};

/*
 * Eviction is first in, first out: every inserted entry also goes into a
 * ring (writers only; readers never see it). When the ring is full, the
 * oldest entry leaves it and, if the table still holds it, the table too.
 * So the table never holds more than max_entries, and an insert does a
 * bounded amount of work however the table's history went.
 */
struct chimera_rcu_cache {
    struct cds_lfht  *table;
    uint64_t          max_entries;
    uint32_t          value_size;
    _Atomic uint64_t  count;
    _Atomic uint64_t  evictions;
    pthread_mutex_t   ring_lock;
    struct chimera_rcu_entry **ring;
    uint64_t          ring_head;    /* oldest */
    uint64_t          ring_length;
};

struct chimera_rcu_match {
    const void *key;
    uint32_t    key_len;
};

static inline size_t key_space(uint32_t key_len)
{
    return ((size_t)key_len + 7u) & ~(size_t)7u;
}

static inline unsigned char *entry_value(struct chimera_rcu_entry *e)
{
    return e->bytes + key_space(e->key_len);
}

static int entry_matches(struct cds_lfht_node *node, const void *arg)
{
    const struct chimera_rcu_match *m = arg;
    struct chimera_rcu_entry *e = caa_container_of(node, struct chimera_rcu_entry, node);
    return e->key_len == m->key_len && memcmp(e->bytes, m->key, m->key_len) == 0;
}

static void entry_free(struct rcu_head *head)
{
    free(caa_container_of(head, struct chimera_rcu_entry, rcu));
}

/* Drop one reference; the last one frees the entry after a grace period. */
static void entry_release(struct chimera_rcu_entry *e)
{
    if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1) {
        urcu_bp_call_rcu(&e->rcu, entry_free);
    }
}

struct chimera_rcu_cache *chimera_rcu_cache_create(uint64_t max_entries, uint32_t value_size)
{
    struct chimera_rcu_cache *cache = calloc(1, sizeof(*cache));
    if (!cache) return NULL;
    unsigned long initial = 1024;
    while (initial < max_entries / 4 && initial < (1ul << 20)) initial <<= 1;
    cache->table = cds_lfht_new(initial, 1024, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, NULL);
    if (!cache->table) {
        free(cache);
        return NULL;
    }
    cache->max_entries = max_entries ? max_entries : 1;
    cache->value_size = value_size;
    cache->ring = calloc(cache->max_entries, sizeof(*cache->ring));
    if (!cache->ring) {
        cds_lfht_destroy(cache->table, NULL);
        free(cache);
        return NULL;
    }
    pthread_mutex_init(&cache->ring_lock, NULL);
    return cache;
}

void chimera_rcu_cache_destroy(struct chimera_rcu_cache *cache)
{
    if (!cache) return;
    struct cds_lfht_iter iter;
    struct cds_lfht_node *node;
    urcu_bp_read_lock();
    cds_lfht_for_each(cache->table, &iter, node) {
        if (cds_lfht_del(cache->table, node) == 0) {
            entry_release(caa_container_of(node, struct chimera_rcu_entry, node));
        }
    }
    urcu_bp_read_unlock();
    for (uint64_t i = 0; i < cache->ring_length; i++) {
        entry_release(cache->ring[(cache->ring_head + i) % cache->max_entries]);
    }
    urcu_bp_barrier();
    cds_lfht_destroy(cache->table, NULL);
    pthread_mutex_destroy(&cache->ring_lock);
    free(cache->ring);
    free(cache);
}

int chimera_rcu_cache_get(struct chimera_rcu_cache *cache, uint64_t hash, const void *key, uint32_t key_len,
                          void *value_out)
{
    struct chimera_rcu_match m = { key, key_len };
    struct cds_lfht_iter iter;
    int hit = 0;
    urcu_bp_read_lock();
    cds_lfht_lookup(cache->table, (unsigned long)hash, entry_matches, &m, &iter);
    struct cds_lfht_node *node = cds_lfht_iter_get_node(&iter);
    if (node) {
        struct chimera_rcu_entry *e = caa_container_of(node, struct chimera_rcu_entry, node);
        memcpy(value_out, entry_value(e), cache->value_size);
        hit = 1;
    }
    urcu_bp_read_unlock();
    return hit;
}

int chimera_rcu_cache_put(struct chimera_rcu_cache *cache, uint64_t hash, const void *key, uint32_t key_len,
                          const void *value)
{
    struct chimera_rcu_entry *e = malloc(sizeof(*e) + key_space(key_len) + cache->value_size);
    if (!e) return -1;
    cds_lfht_node_init(&e->node);
    e->hash = hash;
    e->key_len = key_len;
    atomic_init(&e->refs, 2); /* the table's and the ring's */
    memcpy(e->bytes, key, key_len);
    memcpy(entry_value(e), value, cache->value_size);

    struct chimera_rcu_match m = { key, key_len };
    urcu_bp_read_lock();
    pthread_mutex_lock(&cache->ring_lock);
    if (cache->ring_length == cache->max_entries) {
        struct chimera_rcu_entry *oldest = cache->ring[cache->ring_head];
        cache->ring_head = (cache->ring_head + 1) % cache->max_entries;
        cache->ring_length--;
        /* Still in the table (not replaced or removed since): evict it. */
        if (cds_lfht_del(cache->table, &oldest->node) == 0) {
            atomic_fetch_sub_explicit(&cache->count, 1, memory_order_relaxed);
            atomic_fetch_add_explicit(&cache->evictions, 1, memory_order_relaxed);
            entry_release(oldest);
        }
        entry_release(oldest);
    }
    cache->ring[(cache->ring_head + cache->ring_length) % cache->max_entries] = e;
    cache->ring_length++;
    /* Still under the ring lock: no other writer can pop this entry from
     * the ring (and try to delete it) before it is in the table. */
    struct cds_lfht_node *old = cds_lfht_add_replace(cache->table, (unsigned long)hash, entry_matches, &m, &e->node);
    pthread_mutex_unlock(&cache->ring_lock);
    if (old) {
        entry_release(caa_container_of(old, struct chimera_rcu_entry, node));
    } else {
        atomic_fetch_add_explicit(&cache->count, 1, memory_order_relaxed);
    }
    urcu_bp_read_unlock();
    return 0;
}

int chimera_rcu_cache_remove(struct chimera_rcu_cache *cache, uint64_t hash, const void *key, uint32_t key_len)
{
    struct chimera_rcu_match m = { key, key_len };
    struct cds_lfht_iter iter;
    int removed = 0;
    urcu_bp_read_lock();
    cds_lfht_lookup(cache->table, (unsigned long)hash, entry_matches, &m, &iter);
    struct cds_lfht_node *node = cds_lfht_iter_get_node(&iter);
    if (node && cds_lfht_del(cache->table, node) == 0) {
        entry_release(caa_container_of(node, struct chimera_rcu_entry, node));
        atomic_fetch_sub_explicit(&cache->count, 1, memory_order_relaxed);
        removed = 1;
    }
    urcu_bp_read_unlock();
    return removed;
}

uint64_t chimera_rcu_cache_count(const struct chimera_rcu_cache *cache)
{
    return atomic_load_explicit(&cache->count, memory_order_relaxed);
}

uint64_t chimera_rcu_cache_evictions(const struct chimera_rcu_cache *cache)
{
    return atomic_load_explicit(&cache->evictions, memory_order_relaxed);
}

/* A small, fast 64-bit hash (FNV-1a over 8-byte words, then a final mix);
 * handles are short and names shorter, so this beats a general-purpose
 * hash on setup cost. */
static inline uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static inline uint64_t hash_range(uint64_t h, const unsigned char *p, size_t n)
{
    const uint64_t prime = 0x100000001b3ull;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * prime;
        h = (h << 31) | (h >> 33);
        p += 8;
        n -= 8;
    }
    uint64_t tail = 0;
    memcpy(&tail, p, n);
    h = (h ^ tail ^ ((uint64_t)n << 56)) * prime;
    return h;
}

uint64_t chimera_hash_bytes(const void *a, size_t a_len, const void *b, size_t b_len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    h = hash_range(h, a, a_len);
    if (b_len) h = hash_range(h ^ 0x9e3779b97f4a7c15ull, b, b_len);
    return mix64(h);
}

struct chimera_version_table {
    uint64_t          mask;
    _Atomic uint64_t  slots[];
};

struct chimera_version_table *chimera_version_table_create(uint32_t log2_slots)
{
    if (log2_slots > 24) log2_slots = 24;
    size_t n = (size_t)1 << log2_slots;
    struct chimera_version_table *t = calloc(1, sizeof(*t) + n * sizeof(_Atomic uint64_t));
    if (!t) return NULL;
    t->mask = n - 1;
    return t;
}

void chimera_version_table_destroy(struct chimera_version_table *table)
{
    free(table);
}

uint64_t chimera_version_load(const struct chimera_version_table *table, uint64_t hash)
{
    return atomic_load_explicit((_Atomic uint64_t *)&table->slots[hash & table->mask], memory_order_acquire);
}

uint64_t chimera_version_bump(struct chimera_version_table *table, uint64_t hash)
{
    return atomic_fetch_add_explicit(&table->slots[hash & table->mask], 1, memory_order_acq_rel) + 1;
}

int chimera_version_cas(struct chimera_version_table *table, uint64_t hash, uint64_t expected, uint64_t desired)
{
    return atomic_compare_exchange_strong_explicit(&table->slots[hash & table->mask], &expected, desired,
                                                   memory_order_acq_rel, memory_order_acquire);
}

void chimera_rcu_barrier(void)
{
    urcu_bp_synchronize_rcu();
    urcu_bp_barrier();
}
