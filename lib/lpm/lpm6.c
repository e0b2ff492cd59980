// SPDX-License-Identifier: MIT
/*
 * lpm6.c - IPv6 longest-prefix match: the network-policy CIDR verdict.
 *
 * Workload: one lookup per packet against tables from a few policy CIDRs up
 * to a full BGP view (160,147 prefixes, nearly all in 2000::/3 and no longer
 * than /64: mostly /48, /32, /44, /40), many threads, no updates after build.
 * Representation: the Poptrie of lpm_trie.h with an 18-bit top level and
 * 6-bit nodes; the walk shifts the 128-bit key as two 64-bit words. A /48
 * costs the top slot, 5 nodes and a leaf; compressed nodes take 24 bytes, so
 * the full table is a few MiB where a table-based LPM (rte_lpm6, 8-bit tbl8s of
 * 1 KiB) needs about 100 MiB. IPv6 walks are deep, so the batch lookup keeps
 * several of them in flight (see batch6).
 */
#include "lpm/lpm.h"

#include <string.h>

#include "lpm/lpm_trie.h"
#include "util/alloc.h"

/* Top level: 18 bits. /48 is the dominant length (47 % of the view) and
 * 18 + 5 x 6 = 48 puts it exactly on the fifth node level, one node fewer
 * than 16 bits (measured on the full view: 4.38 nodes per in-table lookup
 * against 4.98; 20 bits gives 4.15 for four times the dir). Almost all keys
 * fall in 2000::/3, so only 1/8 of the 1 MiB dir (128 KiB) is ever hot. */
#define DIR_BITS 18

struct kgi_lpm6 {
    struct kgi_lpm_trie t;
};

KGI_LPM_INLINE uint64_t load_be64(const uint8_t *b)
{
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = x << 8 | b[i];
    return x;
}

int kgi_lpm6_build(const struct kgi_lpm6_entry *e, size_t n,
                   struct kgi_lpm6 **out)
{
    if (!out || (n && !e) || n > UINT32_MAX)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (e[i].len > 128 || e[i].value >= KGI_LPM_MAX_VALUE)
            return -1;

    struct kgi_lpm6 *t = kgi_calloc(1, sizeof *t);
    struct kgi_lpm_pfx *p = n ? kgi_malloc(n * sizeof *p) : NULL;
    if (!t || (n && !p))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        p[i].hi = load_be64(e[i].addr);
        p[i].lo = load_be64(e[i].addr + 8);
        p[i].len = e[i].len;
        p[i].value = e[i].value;
    }
    if (kgi_lpm_trie_build(&t->t, p, n, DIR_BITS) < 0)
        goto fail;
    kgi_free(p);
    *out = t;
    return 0;

fail:
    kgi_free(p);
    kgi_free(t);
    return -1;
}

/* A key split for the walk: the 128 bits past the top level, on top of
 * (k, lo). */
struct key6 {
    uint64_t k, lo;
    uint32_t slot; /* top-level index */
};

KGI_LPM_INLINE struct key6 split6(const uint8_t *addr)
{
    uint64_t hi = load_be64(addr), lo = load_be64(addr + 8);
    struct key6 r = {hi << DIR_BITS | lo >> (64 - DIR_BITS), lo << DIR_BITS,
                     (uint32_t)(hi >> (64 - DIR_BITS))};
    return r;
}

KGI_LPM_INLINE void shift6(struct key6 *x)
{
    x->k = x->k << KGI_LPM_STRIDE | x->lo >> (64 - KGI_LPM_STRIDE);
    x->lo <<= KGI_LPM_STRIDE;
}

KGI_LPM_INLINE uint32_t walk6(const struct kgi_lpm_trie *t, uint32_t r,
                              struct key6 x)
{
    if (r & KGI_LPM_LEAFONLY)
        return kgi_lpm_leafonly(t, r, (unsigned)(x.k >> 58)) - 1;
    do {
        r = kgi_lpm_step(&t->nodes[r & KGI_LPM_INDEX], (unsigned)(x.k >> 58));
        shift6(&x);
    } while (r & KGI_LPM_NODE);
    return kgi_lpm_leaf(t, r) - 1;
}

/*
 * Batch: IPv6 walks are up to 19 nodes deep (6 for a /48), so a fixed
 * pipeline does not fit; instead LANES walks advance in turn, one node each
 * per round, and each prefetches its next node for the following round
 * (asynchronous memory access chaining, Kocberber et al., VLDB 2015). A
 * lane that finishes takes the next key. LANES = 16: a round of 16 steps
 * (~30 instructions each) lasts about one DRAM latency (~110 ns). Measured
 * (same keys, full view): 4 -> 7.2/66, 8 -> 9.0/64, 16 -> 9.8/88 M
 * lookups/s for in-table/uniform keys, on a loaded machine.
 */
#ifndef LANES
#define LANES 16
#endif

struct lane {
    struct key6 x;
    uint32_t r;  /* node ref to read, or leaf index when !(r & NODE) */
    uint32_t on; /* lane holds a key */
    size_t i;    /* key index */
};

/* Starts keys on lane l until one needs a node walk or keys run out. */
KGI_LPM_INLINE void lane_start(const struct kgi_lpm_trie *t, struct lane *l,
                               const uint8_t (*addrs)[16], uint32_t *values,
                               size_t *next, size_t n)
{
    while (*next < n) {
        size_t i = (*next)++;
        struct key6 x = split6(addrs[i]);
        uint32_t e = t->dir[x.slot];
        if (!(e & KGI_LPM_NODE)) {
            values[i] = e - 1;
            continue;
        }
        kgi_lpm_prefetch_ref(t, e);
        l->x = x;
        l->r = e;
        l->i = i;
        l->on = 1;
        return;
    }
    l->on = 0;
}

KGI_LPM_INLINE void batch6(const struct kgi_lpm_trie *t,
                           const uint8_t (*addrs)[16], uint32_t *values,
                           size_t n)
{
    struct lane lanes[LANES];
    size_t next = 0;
    unsigned active = 0;
    for (unsigned g = 0; g < LANES; g++) {
        lane_start(t, &lanes[g], addrs, values, &next, n);
        active += lanes[g].on;
    }
    while (active) {
        for (unsigned g = 0; g < LANES; g++) {
            struct lane *l = &lanes[g];
            if (!l->on)
                continue;
            if ((l->r & (KGI_LPM_NODE | KGI_LPM_LEAFONLY)) == KGI_LPM_NODE) {
                uint32_t x = kgi_lpm_step(&t->nodes[l->r & KGI_LPM_INDEX],
                                          (unsigned)(l->x.k >> 58));
                shift6(&l->x);
                l->r = x;
                __builtin_prefetch(
                    x & KGI_LPM_NODE
                        ? (const void *)&t->nodes[x & KGI_LPM_INDEX]
                        : kgi_lpm_leaf_at(t, x));
                continue;
            }
            values[l->i] =
                (l->r & KGI_LPM_NODE)
                    ? kgi_lpm_leafonly(t, l->r, (unsigned)(l->x.k >> 58)) - 1
                    : kgi_lpm_leaf(t, l->r) - 1;
            lane_start(t, l, addrs, values, &next, n);
            active -= !l->on;
        }
    }
}

KGI_LPM_INLINE uint32_t lookup6(const struct kgi_lpm_trie *t,
                                const uint8_t *addr)
{
    struct key6 x = split6(addr);
    uint32_t e = t->dir[x.slot];
    if (!(e & KGI_LPM_NODE))
        return e - 1;
    return walk6(t, e, x);
}

__attribute__((noinline)) static uint32_t
lookup6_base(const struct kgi_lpm_trie *t, const uint8_t *addr)
{
    return lookup6(t, addr);
}

__attribute__((noinline)) static void batch6_base(const struct kgi_lpm_trie *t,
                                                  const uint8_t (*addrs)[16],
                                                  uint32_t *values, size_t n)
{
    batch6(t, addrs, values, n);
}

#if KGI_LPM_DISPATCH
__attribute__((noinline)) KGI_LPM_TARGET_POPCNT static uint32_t
lookup6_popcnt(const struct kgi_lpm_trie *t, const uint8_t *addr)
{
    return lookup6(t, addr);
}

__attribute__((noinline)) KGI_LPM_TARGET_POPCNT static void
batch6_popcnt(const struct kgi_lpm_trie *t, const uint8_t (*addrs)[16],
              uint32_t *values, size_t n)
{
    batch6(t, addrs, values, n);
}
#endif

uint32_t kgi_lpm6_lookup(const struct kgi_lpm6 *t, const uint8_t addr[16])
{
#if KGI_LPM_DISPATCH
    if (t->t.popcnt)
        return lookup6_popcnt(&t->t, addr);
#endif
    return lookup6_base(&t->t, addr);
}

void kgi_lpm6_lookup_batch(const struct kgi_lpm6 *t, const uint8_t (*addrs)[16],
                           uint32_t *values, size_t n)
{
#if KGI_LPM_DISPATCH
    if (t->t.popcnt) {
        batch6_popcnt(&t->t, addrs, values, n);
        return;
    }
#endif
    batch6_base(&t->t, addrs, values, n);
}

void kgi_lpm6_prefetch(const struct kgi_lpm6 *t, const uint8_t addr[16],
                       int stage)
{
    const uint32_t *w = &t->t.dir[split6(addr).slot];
    if (stage == 0) {
        __builtin_prefetch(w);
        return;
    }
    if (*w & KGI_LPM_NODE)
        kgi_lpm_prefetch_ref(&t->t, *w);
}

size_t kgi_lpm6_memory(const struct kgi_lpm6 *t)
{
    return sizeof *t + t->t.bytes;
}

void kgi_lpm6_free(struct kgi_lpm6 *t)
{
    if (!t)
        return;
    kgi_lpm_trie_release(&t->t);
    kgi_free(t);
}
