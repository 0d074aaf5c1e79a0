/*
 * RCU cache of variable-length values; see include/chimera_rcu_blob.h.
 * Follows rcu_cache.c: an entry is referenced by the table and by the
 * first-in-first-out eviction ring, and freed after a grace period once
 * both let go.
 */
#define _GNU_SOURCE
#include <features.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>

#include <urcu-bp.h>
#include <urcu/rculfhash.h>

#include "chimera_rcu_blob.h"

struct blob_entry {
    struct cds_lfht_node node;
    struct rcu_head      rcu;
    uint64_t             charge;
    size_t               value_len;
    uint32_t             key_len;
    _Atomic uint32_t     refs;
    /* key bytes, padded to 8, then value bytes */
    unsigned char        bytes[];
};

/*
 * Writers that insert serialise on ring_lock (held for a bounded number of
 * table operations, never across a caller's code); removals do not take it.
 * Every entry in the table is also in the ring, so popping the whole ring
 * empties the table: eviction always terminates with room.
 */
struct chimera_blob_cache {
    struct cds_lfht  *table;
    uint64_t          max_entries;
    uint64_t          max_bytes;
    _Atomic uint64_t  entries;
    _Atomic uint64_t  bytes;
    _Atomic uint64_t  hits;
    _Atomic uint64_t  misses;
    _Atomic uint64_t  insertions;
    _Atomic uint64_t  evictions;
    pthread_mutex_t   ring_lock;
    struct blob_entry **ring;
    uint64_t          ring_head;    /* oldest */
    uint64_t          ring_length;
};

struct blob_match {
    const void *key;
    uint32_t    key_len;
};

static inline size_t key_space(uint32_t key_len)
{
    return ((size_t)key_len + 7u) & ~(size_t)7u;
}

static inline unsigned char *entry_value(struct blob_entry *e)
{
    return e->bytes + key_space(e->key_len);
}

static int entry_matches(struct cds_lfht_node *node, const void *arg)
{
    const struct blob_match *m = arg;
    struct blob_entry *e = caa_container_of(node, struct blob_entry, node);
    return e->key_len == m->key_len && memcmp(e->bytes, m->key, m->key_len) == 0;
}

static void entry_free(struct rcu_head *head)
{
    free(caa_container_of(head, struct blob_entry, rcu));
}

static void entry_release(struct blob_entry *e)
{
    if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1) {
        urcu_bp_call_rcu(&e->rcu, entry_free);
    }
}

/* Take node out of the table, if it is still there; inside a read-side
 * section. Returns 1 when this call removed it. */
static int unlink_entry(struct chimera_blob_cache *cache, struct blob_entry *e)
{
    if (cds_lfht_del(cache->table, &e->node) != 0) return 0;
    atomic_fetch_sub_explicit(&cache->entries, 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&cache->bytes, e->charge, memory_order_relaxed);
    entry_release(e);
    return 1;
}

struct chimera_blob_cache *chimera_blob_cache_create(uint64_t max_entries, uint64_t max_bytes)
{
    struct chimera_blob_cache *cache = calloc(1, sizeof(*cache));
    if (!cache) return NULL;
    cache->max_entries = max_entries ? max_entries : 1;
    cache->max_bytes = max_bytes;
    unsigned long initial = 64;
    while (initial < cache->max_entries / 4 && initial < (1ul << 20)) initial <<= 1;
    cache->table = cds_lfht_new(initial, 64, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, NULL);
    cache->ring = calloc(cache->max_entries, sizeof(*cache->ring));
    if (!cache->table || !cache->ring) {
        if (cache->table) cds_lfht_destroy(cache->table, NULL);
        free(cache->ring);
        free(cache);
        return NULL;
    }
    pthread_mutex_init(&cache->ring_lock, NULL);
    return cache;
}

void chimera_blob_cache_destroy(struct chimera_blob_cache *cache)
{
    if (!cache) return;
    chimera_blob_cache_clear(cache);
    for (uint64_t i = 0; i < cache->ring_length; i++) {
        entry_release(cache->ring[(cache->ring_head + i) % cache->max_entries]);
    }
    urcu_bp_barrier();
    cds_lfht_destroy(cache->table, NULL);
    pthread_mutex_destroy(&cache->ring_lock);
    free(cache->ring);
    free(cache);
}

static struct blob_entry *find(struct chimera_blob_cache *cache, uint64_t hash, const void *key, uint32_t key_len)
{
    struct blob_match m = { key, key_len };
    struct cds_lfht_iter iter;
    cds_lfht_lookup(cache->table, (unsigned long)hash, entry_matches, &m, &iter);
    struct cds_lfht_node *node = cds_lfht_iter_get_node(&iter);
    return node ? caa_container_of(node, struct blob_entry, node) : NULL;
}

int chimera_blob_cache_get(struct chimera_blob_cache *cache, uint64_t hash, const void *key, uint32_t key_len,
                           void *buf, size_t *len)
{
    int answer = 0;
    urcu_bp_read_lock();
    struct blob_entry *e = find(cache, hash, key, key_len);
    if (e) {
        if (e->value_len <= *len) {
            if (e->value_len) memcpy(buf, entry_value(e), e->value_len);
            answer = 1;
        } else {
            answer = -1;
        }
        *len = e->value_len;
    }
    urcu_bp_read_unlock();
    atomic_fetch_add_explicit(answer == 0 ? &cache->misses : &cache->hits, 1, memory_order_relaxed);
    return answer;
}

int chimera_blob_cache_visit(struct chimera_blob_cache *cache, uint64_t hash, const void *key, uint32_t key_len,
                             chimera_blob_visit_fn fn, void *arg)
{
    int hit = 0;
    urcu_bp_read_lock();
    struct blob_entry *e = find(cache, hash, key, key_len);
    if (e) {
        fn(arg, entry_value(e), e->value_len);
        hit = 1;
    }
    urcu_bp_read_unlock();
    atomic_fetch_add_explicit(hit ? &cache->hits : &cache->misses, 1, memory_order_relaxed);
    return hit;
}

int chimera_blob_cache_put(struct chimera_blob_cache *cache, uint64_t hash, const void *key, uint32_t key_len,
                           const void *value, size_t value_len)
{
    uint64_t charge = (uint64_t)key_len + (uint64_t)value_len + CHIMERA_BLOB_ENTRY_OVERHEAD;
    struct blob_entry *e = NULL;
    int refused = 0;
    if (cache->max_bytes && charge > cache->max_bytes) {
        refused = -2;
    } else {
        e = malloc(sizeof(*e) + key_space(key_len) + value_len);
        if (!e) refused = -1;
    }
    if (refused) {
        chimera_blob_cache_remove(cache, hash, key, key_len);
        return refused;
    }
    cds_lfht_node_init(&e->node);
    e->charge = charge;
    e->value_len = value_len;
    e->key_len = key_len;
    atomic_init(&e->refs, 2); /* the table's and the ring's */
    memcpy(e->bytes, key, key_len);
    if (value_len) memcpy(entry_value(e), value, value_len);

    struct blob_match m = { key, key_len };
    urcu_bp_read_lock();
    pthread_mutex_lock(&cache->ring_lock);
    /* Bounded by the ring's length; the ring holds every table entry. */
    while (cache->ring_length > 0
           && (cache->ring_length == cache->max_entries
               || (cache->max_bytes
                   && atomic_load_explicit(&cache->bytes, memory_order_relaxed) + charge > cache->max_bytes))) {
        struct blob_entry *oldest = cache->ring[cache->ring_head];
        cache->ring_head = (cache->ring_head + 1) % cache->max_entries;
        cache->ring_length--;
        if (unlink_entry(cache, oldest)) {
            atomic_fetch_add_explicit(&cache->evictions, 1, memory_order_relaxed);
        }
        entry_release(oldest);
    }
    cache->ring[(cache->ring_head + cache->ring_length) % cache->max_entries] = e;
    cache->ring_length++;
    atomic_fetch_add_explicit(&cache->bytes, charge, memory_order_relaxed);
    /* Under the ring lock: no other insert can pop e before it is in the
     * table. */
    struct cds_lfht_node *old = cds_lfht_add_replace(cache->table, (unsigned long)hash, entry_matches, &m, &e->node);
    pthread_mutex_unlock(&cache->ring_lock);
    if (old) {
        struct blob_entry *previous = caa_container_of(old, struct blob_entry, node);
        atomic_fetch_sub_explicit(&cache->bytes, previous->charge, memory_order_relaxed);
        entry_release(previous);
    } else {
        atomic_fetch_add_explicit(&cache->entries, 1, memory_order_relaxed);
    }
    urcu_bp_read_unlock();
    atomic_fetch_add_explicit(&cache->insertions, 1, memory_order_relaxed);
    return 0;
}

int chimera_blob_cache_remove(struct chimera_blob_cache *cache, uint64_t hash, const void *key, uint32_t key_len)
{
    int removed = 0;
    urcu_bp_read_lock();
    struct blob_entry *e = find(cache, hash, key, key_len);
    if (e) removed = unlink_entry(cache, e);
    urcu_bp_read_unlock();
    return removed;
}

uint64_t chimera_blob_cache_clear(struct chimera_blob_cache *cache)
{
    uint64_t removed = 0;
    struct cds_lfht_iter iter;
    struct cds_lfht_node *node;
    urcu_bp_read_lock();
    cds_lfht_for_each(cache->table, &iter, node) {
        removed += (uint64_t)unlink_entry(cache, caa_container_of(node, struct blob_entry, node));
    }
    urcu_bp_read_unlock();
    return removed;
}

void chimera_blob_cache_counters(const struct chimera_blob_cache *cache, struct chimera_blob_cache_counters *out)
{
    struct chimera_blob_cache *c = (struct chimera_blob_cache *)cache;
    out->entries = atomic_load_explicit(&c->entries, memory_order_relaxed);
    out->bytes = atomic_load_explicit(&c->bytes, memory_order_relaxed);
    out->hits = atomic_load_explicit(&c->hits, memory_order_relaxed);
    out->misses = atomic_load_explicit(&c->misses, memory_order_relaxed);
    out->insertions = atomic_load_explicit(&c->insertions, memory_order_relaxed);
    out->evictions = atomic_load_explicit(&c->evictions, memory_order_relaxed);
}
