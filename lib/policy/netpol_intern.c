// SPDX-License-Identifier: MIT
/*
 * netpol_intern.c - interning of uint32 lists for the NetworkPolicy
 * compiler: the rule-id lists of peer classes (shared by every rule set
 * whose table yields the same rules) and the policy lists of rule sets
 * (shared by every identity selected by the same policies).
 *
 * Workload: one lookup per prefix of every rule set's ipBlock table and
 * one per (direction, identity); lists are short (the rules of the few
 * policies selecting a pod). Open addressing with linear probing over ids,
 * load factor at most 1/2.
 */
#include <string.h>

#include "lpm/lpm.h"
#include "policy/netpol_build.h"
#include "util/alloc.h"

static uint64_t list_hash(const uint32_t *v, uint32_t n, uint32_t tag)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ tag ^ ((uint64_t)n << 32);
    for (uint32_t i = 0; i < n; i++) {
        h ^= v[i];
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
    }
    return h;
}

static int intern_rehash(struct kgi_vd_intern *t, size_t mask)
{
    uint32_t *slot = kgi_calloc(mask + 1, sizeof(*slot));
    if (!slot)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = t->items[i].hash & mask;
        while (slot[j])
            j = (j + 1) & mask;
        slot[j] = (uint32_t)i + 1;
    }
    kgi_free(t->slot);
    t->slot = slot;
    t->mask = mask;
    return 0;
}

/* The slot of list v in t, or of the empty slot ending its probe run. */
static size_t intern_slot(const struct kgi_vd_intern *t, const uint32_t *v,
                          uint32_t n, uint32_t tag, uint64_t h)
{
    size_t j = h & t->mask;
    for (; t->slot[j]; j = (j + 1) & t->mask) {
        const struct kgi_vd_intern_item *it = &t->items[t->slot[j] - 1];
        if (it->hash == h && it->n == n && it->tag == tag &&
            (n == 0 || memcmp(it->v, v, n * sizeof(*v)) == 0))
            break;
    }
    return j;
}

int kgi_vd_intern_get(struct kgi_vd_intern *t, struct kgi_arena *arena,
                      const uint32_t *v, uint32_t n, uint32_t tag, uint32_t *id)
{
    uint64_t h = list_hash(v, n, tag);
    const struct kgi_vd_intern *up = t->parent;
    if (up && up->slot) { /* a delta: the base's lists keep their ids */
        size_t j = intern_slot(up, v, n, tag, h);
        if (up->slot[j]) {
            *id = up->slot[j] - 1;
            return 0;
        }
    }
    if (!t->slot && intern_rehash(t, 255) < 0)
        return -1;
    size_t j = intern_slot(t, v, n, tag, h);
    if (t->slot[j]) {
        *id = t->slot[j] - 1 + t->offset;
        return 0;
    }
    if (t->n >= KGI_LPM_MAX_VALUE - 1)
        return -1;
    if (kgi_grow((void **)&t->items, &t->cap, t->n + 1, sizeof(*t->items)))
        return -1;
    uint32_t *copy = n ? kgi_arena_memdup(arena, v, n * sizeof(*v)) : NULL;
    if (n && !copy)
        return -1;
    struct kgi_vd_intern_item *it = &t->items[t->n];
    it->v = copy;
    it->n = n;
    it->tag = tag;
    it->hash = h;
    t->slot[j] = (uint32_t)t->n + 1;
    *id = (uint32_t)t->n++ + t->offset;
    if (t->n * 2 > t->mask + 1 && intern_rehash(t, t->mask * 2 + 1) < 0)
        return -1;
    return 0;
}

void kgi_vd_intern_free(struct kgi_vd_intern *t)
{
    kgi_free(t->items);
    kgi_free(t->slot);
}

int kgi_vd_group(const struct kgi_vd_subj *v, size_t n, size_t n_keys,
                 uint32_t **start, uint32_t **pols)
{
    uint32_t *st = *start = kgi_calloc(n_keys + 2, sizeof(*st));
    uint32_t *out = *pols = kgi_malloc((n + 1) * sizeof(*out));
    if (!st || !out)
        return -1;
    for (size_t i = 0; i < n; i++)
        st[v[i].key + 1]++;
    for (size_t k = 0; k < n_keys; k++)
        st[k + 1] += st[k];
    for (size_t i = 0; i < n; i++)
        out[st[v[i].key]++] = v[i].pol;
    for (size_t k = n_keys; k > 0; k--)
        st[k] = st[k - 1];
    st[0] = 0;
    return 0;
}
