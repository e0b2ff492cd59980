// SPDX-License-Identifier: MIT
/*
 * hash.h - the library's one hash function and one hash table.
 *
 * Workload. Compilers intern and deduplicate while they build (label sets,
 * rule lists, IP -> pod, name -> object, YAML anchors): up to a few million
 * inserts and lookups per compile, keys of 4 to a few hundred bytes, no
 * deletion in the common case. Lookups on the request path probe tables
 * that no longer change. Both want few cache misses per probe and no
 * per-entry allocation, so the table is open addressing with linear
 * probing in one power-of-two array of slots (hash, key, length, value),
 * kept at most half full: a miss ends at the first empty slot, and the
 * expected probe run at load 1/2 is 1.5 slots for a hit and 2.5 for a miss
 * (Knuth, TAOCP 6.4, linear probing). Deletion shifts the following run
 * back (no tombstones), so probe runs never degrade.
 *
 *     slots[mask + 1]   one slot = 32 bytes (64-bit)
 *     ┌──────┬──────┬──────┬──────┬─────┐
 *     │hash  │key   │len   │val   │ ... │   hash 0 = empty slot
 *     └──────┴──────┴──────┴──────┴─────┘
 *       i = hash & mask, then i + 1, i + 2, ... until empty or found
 *
 * Keys are either byte strings (eq NULL: equal length and bytes) or
 * anything the caller compares (eq set: the table keeps the key pointer
 * and length it was given and passes them back to eq). The table never
 * copies keys: they must outlive their entry. Values are any pointer, or an
 * index stored as (void *)(uintptr_t)i: presence is the slot's hash, not
 * the value, so NULL and 0 are valid values.
 *
 * Memory: from the heap (kgi_malloc; kgi_hash_release frees it) or from an
 * arena (the arena owns it; a table that grows leaves its old array in the
 * arena, at most the size of the final one in total).
 *
 * The hash function (kgi_hash_bytes) reads 8 bytes per step: it runs on
 * every request for host names, where a byte-serial hash (FNV) costs a
 * multiply latency per byte. It is not a keyed PRF. Tables filled from
 * untrusted input (YAML anchor names) pass a random seed, which makes
 * colliding inputs impossible to precompute; the input limits bound the
 * rest.
 */
#ifndef KGI_UTIL_HASH_H
#define KGI_UTIL_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct kgi_arena;

/* The finalizer of kgi_hash_bytes: a bijection of 64-bit words that
 * spreads every input bit into the low bits the mask keeps. Integer keys
 * hash with it directly. */
static inline uint64_t kgi_hash_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 29);
}

/* The hash of p[0..n) under seed (0 for tables filled from trusted
 * input): 8 bytes per multiply. */
static inline uint64_t kgi_hash_bytes(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *s = (const unsigned char *)p;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ seed ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    if (n)
        memcpy(&w, s, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 29);
}

/* Key equality for caller-compared keys: a is the stored key, b the probe
 * (both as given to the table), user the table's user pointer. */
typedef bool (*kgi_hash_eq_fn)(const void *a, size_t an, const void *b,
                               size_t bn, void *user);

struct kgi_hash_slot {
    uint64_t hash; /* 0: empty (kgi_hash_* never store hash 0) */
    const void *key;
    size_t len;
    void *val;
};
/* the layout comment above: two slots per 64-byte cache line */
_Static_assert(sizeof(void *) != 8 || sizeof(struct kgi_hash_slot) == 32,
               "a hash slot is 32 bytes on 64-bit targets");

struct kgi_hash {
    struct kgi_hash_slot *slots; /* NULL while empty */
    size_t mask;                 /* capacity - 1; 0 while empty */
    size_t count;
    struct kgi_arena *arena; /* NULL: heap */
    kgi_hash_eq_fn eq;       /* NULL: byte-string keys */
    void *user;
};

/* An empty table on the heap (arena NULL) or in an arena, with byte-string
 * keys (eq NULL) or caller-compared ones. Allocates nothing. */
void kgi_hash_init(struct kgi_hash *t, struct kgi_arena *arena,
                   kgi_hash_eq_fn eq, void *user);

/* Frees a heap table's slots; the table is empty and reusable. Arena
 * tables only forget their slots. NULL is fine. */
void kgi_hash_release(struct kgi_hash *t);

/* Room for n entries without growing. 0 or KG_ENOMEM (table unchanged). */
int kgi_hash_reserve(struct kgi_hash *t, size_t n);

/* The hash the table uses for h: h with 0 mapped to 1 (0 marks empty). */
static inline uint64_t kgi_hash_slot_hash(uint64_t h)
{
    return h ? h : 1;
}

/* Whether slot s holds key (h already through kgi_hash_slot_hash). */
static inline bool kgi_hash_slot_is(const struct kgi_hash *t,
                                    const struct kgi_hash_slot *s,
                                    const void *key, size_t len, uint64_t h)
{
    if (s->hash != h)
        return false;
    if (t->eq)
        return t->eq(s->key, s->len, key, len, t->user);
    return s->len == len && (len == 0 || memcmp(s->key, key, len) == 0);
}

/* The slot holding key (hash h), or NULL. Allocation-free, read-only:
 * any number of threads may look up in a table nobody modifies. */
static inline const struct kgi_hash_slot *
kgi_hash_find(const struct kgi_hash *t, const void *key, size_t len, uint64_t h)
{
    if (!t->count)
        return NULL;
    h = kgi_hash_slot_hash(h);
    for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
        const struct kgi_hash_slot *s = &t->slots[i];
        if (!s->hash)
            return NULL;
        if (kgi_hash_slot_is(t, s, key, len, h))
            return s;
    }
}

/* The value under key, or dflt when absent. */
static inline void *kgi_hash_get(const struct kgi_hash *t, const void *key,
                                 size_t len, uint64_t h, void *dflt)
{
    const struct kgi_hash_slot *s = kgi_hash_find(t, key, len, h);
    return s ? s->val : dflt;
}

/* Inserts key -> val unless key is present. Returns 0 when inserted, 1
 * when key was present (nothing changed; *old, when old is not NULL, is
 * its value), KG_ENOMEM when the table had to grow and could not (table
 * unchanged). The key memory is kept, not copied. */
int kgi_hash_put(struct kgi_hash *t, const void *key, size_t len, uint64_t h,
                 void *val, void **old);

/* Sets key -> val, replacing a present value. 0 or KG_ENOMEM. */
int kgi_hash_set(struct kgi_hash *t, const void *key, size_t len, uint64_t h,
                 void *val);

/* Removes key; returns whether it was present. Never allocates. */
bool kgi_hash_del(struct kgi_hash *t, const void *key, size_t len, uint64_t h);

/* Iteration in slot order (not insertion order):
 *     for (size_t i = 0; i < kgi_hash_capacity(t); i++)
 *         if (kgi_hash_used(t, i)) ... t->slots[i] ...            */
static inline size_t kgi_hash_capacity(const struct kgi_hash *t)
{
    return t->slots ? t->mask + 1 : 0;
}

static inline bool kgi_hash_used(const struct kgi_hash *t, size_t i)
{
    return t->slots[i].hash != 0;
}

#endif
