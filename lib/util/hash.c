// SPDX-License-Identifier: MIT
/*
 * hash.c - growth, insertion and deletion of the open-addressing table of
 * hash.h (lookups are inline there).
 *
 * Growth doubles the capacity when an insert would take the load past 1/2
 * and reinserts every slot; the new array is allocated before the old one
 * is touched, so a failed growth leaves the table as it was. Deletion is
 * the backward shift of linear probing (Knuth, TAOCP 6.4, Algorithm R):
 * each later slot of the run moves into the hole unless its home position
 * lies cyclically in (hole, slot], which keeps every entry reachable
 * without tombstones.
 */
#include "util/hash.h"

#include "kgress.h"
#include "util/alloc.h"
#include "util/arena.h"

#define MIN_CAPACITY 16u

void kgi_hash_init(struct kgi_hash *t, struct kgi_arena *arena,
                   kgi_hash_eq_fn eq, void *user)
{
    t->slots = NULL;
    t->mask = 0;
    t->count = 0;
    t->arena = arena;
    t->eq = eq;
    t->user = user;
}

void kgi_hash_release(struct kgi_hash *t)
{
    if (!t)
        return;
    if (!t->arena)
        kgi_free(t->slots);
    t->slots = NULL;
    t->mask = 0;
    t->count = 0;
}

static struct kgi_hash_slot *alloc_slots(struct kgi_hash *t, size_t cap)
{
    if (t->arena)
        return kgi_arena_calloc(t->arena, cap, sizeof(struct kgi_hash_slot));
    return kgi_calloc(cap, sizeof(struct kgi_hash_slot));
}

/* Resizes to cap slots (a power of two holding count at load <= 1/2). */
static int rehash(struct kgi_hash *t, size_t cap)
{
    struct kgi_hash_slot *ns = alloc_slots(t, cap);
    if (!ns)
        return KG_ENOMEM;
    size_t mask = cap - 1;
    for (size_t i = 0; i < kgi_hash_capacity(t); i++) {
        const struct kgi_hash_slot *s = &t->slots[i];
        if (!s->hash)
            continue;
        size_t j = (size_t)s->hash & mask;
        while (ns[j].hash)
            j = (j + 1) & mask;
        ns[j] = *s;
    }
    if (!t->arena)
        kgi_free(t->slots);
    t->slots = ns;
    t->mask = mask;
    return 0;
}

int kgi_hash_reserve(struct kgi_hash *t, size_t n)
{
    if (n <= kgi_hash_capacity(t) / 2)
        return 0;
    size_t cap = MIN_CAPACITY;
    while (cap / 2 < n) {
        if (cap > SIZE_MAX / 2 / sizeof(struct kgi_hash_slot))
            return KG_ENOMEM;
        cap *= 2;
    }
    return rehash(t, cap);
}

/* The slot of key, or the empty slot where it would go. Needs slots. */
static struct kgi_hash_slot *probe(const struct kgi_hash *t, const void *key,
                                   size_t len, uint64_t h)
{
    for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
        struct kgi_hash_slot *s = &t->slots[i];
        if (!s->hash || kgi_hash_slot_is(t, s, key, len, h))
            return s;
    }
}

static int insert(struct kgi_hash *t, const void *key, size_t len, uint64_t h,
                  void *val, void **old, bool replace)
{
    h = kgi_hash_slot_hash(h);
    if (t->count) {
        struct kgi_hash_slot *s = probe(t, key, len, h);
        if (s->hash) {
            if (old)
                *old = s->val;
            if (replace)
                s->val = val;
            return 1;
        }
    }
    if (kgi_hash_reserve(t, t->count + 1))
        return KG_ENOMEM;
    struct kgi_hash_slot *s = probe(t, key, len, h);
    s->hash = h;
    s->key = key;
    s->len = len;
    s->val = val;
    t->count++;
    return 0;
}

int kgi_hash_put(struct kgi_hash *t, const void *key, size_t len, uint64_t h,
                 void *val, void **old)
{
    return insert(t, key, len, h, val, old, false);
}

int kgi_hash_set(struct kgi_hash *t, const void *key, size_t len, uint64_t h,
                 void *val)
{
    int rc = insert(t, key, len, h, val, NULL, true);
    return rc < 0 ? rc : 0;
}

bool kgi_hash_del(struct kgi_hash *t, const void *key, size_t len, uint64_t h)
{
    if (!t->count)
        return false;
    h = kgi_hash_slot_hash(h);
    struct kgi_hash_slot *hole = probe(t, key, len, h);
    if (!hole->hash)
        return false;
    size_t i = (size_t)(hole - t->slots);
    for (size_t j = (i + 1) & t->mask; t->slots[j].hash;
         j = (j + 1) & t->mask) {
        size_t home = (size_t)t->slots[j].hash & t->mask;
        /* stays when home lies cyclically in (i, j] */
        bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (stays)
            continue;
        t->slots[i] = t->slots[j];
        i = j;
    }
    t->slots[i].hash = 0;
    t->slots[i].key = NULL;
    t->slots[i].len = 0;
    t->slots[i].val = NULL;
    t->count--;
    return true;
}
