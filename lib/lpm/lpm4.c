// SPDX-License-Identifier: MIT
/*
 * lpm4.c - IPv4 longest-prefix match: the network-policy CIDR verdict.
 *
 * Workload: one lookup per packet against tables from a few policy CIDRs up
 * to a full BGP view (901,899 prefixes, mostly /24, /22, /23), many threads,
 * no updates after build. Representation: the Poptrie of lpm_trie.h with an
 * 18-bit top level: a key under a prefix of /18 or shorter is one load from
 * the 1 MiB dir, a key under a /19../24 the dir word and one leaf-only
 * record (bitmap and leaf adjacent), and only /25../32 walk nodes (levels
 * at bits 18, 24 and 30, the last with 2 real bits and 4 zero ones).
 *
 * Why 18 bits and not Poptrie's 16: 18 + 6 = 24 resolves the dominant /24 in
 * the first level below the dir. Measured on the full view: 16 bits gives
 * 267,648 nodes and 10.4 MiB (each /22 block holding /23s or /24s needs a
 * node of its own at bits 22..28), 17 bits 12.7 MiB, 18 bits 5.32 MiB, 19
 * bits 6.53 MiB, 20 bits 8.7 MiB (the dir alone 4 MiB).
 */
#include "lpm/lpm.h"

#include "lpm/lpm_trie.h"
#include "util/alloc.h"

#define DIR_BITS 18

struct kgi_lpm4 {
    struct kgi_lpm_trie t;
};

int kgi_lpm4_build(const struct kgi_lpm4_entry *e, size_t n,
                   struct kgi_lpm4 **out)
{
    if (!out || (n && !e) || n > UINT32_MAX)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (e[i].len > 32 || e[i].value >= KGI_LPM_MAX_VALUE)
            return -1;

    struct kgi_lpm4 *t = kgi_calloc(1, sizeof *t);
    struct kgi_lpm_pfx *p = n ? kgi_malloc(n * sizeof *p) : NULL;
    if (!t || (n && !p))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        p[i].hi = (uint64_t)e[i].addr << 32;
        p[i].lo = 0;
        p[i].len = e[i].len;
        p[i].value = e[i].value;
        p[i].seq = (uint32_t)i;
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

KGI_LPM_INLINE uint32_t dir_index(uint32_t addr)
{
    return addr >> (32 - DIR_BITS);
}

/* The key bits after the top level, on top. */
KGI_LPM_INLINE uint64_t rest4(uint32_t addr)
{
    return (uint64_t)addr << (32 + DIR_BITS);
}

/* The walk below the top level from dir word x (a node ref). */
KGI_LPM_INLINE uint32_t walk4(const struct kgi_lpm_trie *t, uint32_t x,
                              uint64_t k)
{
    if (x & KGI_LPM_LEAFONLY)
        return kgi_lpm_leafonly(t, x, (unsigned)(k >> 58)) - 1;
    do {
        x = kgi_lpm_step(&t->nodes[x & KGI_LPM_INDEX], (unsigned)(k >> 58));
        k <<= KGI_LPM_STRIDE;
    } while (x & KGI_LPM_NODE);
    return kgi_lpm_leaf(t, x) - 1;
}

/*
 * Batch: LANES lookups advance in turn, one dependent load each per round,
 * and each prefetches what it reads next (the next node, or its leaf) for
 * the following round (asynchronous memory access chaining, Kocberber et
 * al., VLDB 2015); a lane that finishes takes the next key. The dir word is
 * read without a prefetch: 256 KiB, it is in L2. A round of LANES steps
 * (~10 ns of work each) should last about one DRAM latency (~110 ns):
 * LANES = 12; measured in bench/lpm (README).
 */
#ifndef LANES4
#define LANES4 12
#endif

struct lane4 {
    uint64_t k;  /* key bits not yet used, on top */
    uint32_t x;  /* node ref to read, or leaf index when !(x & NODE) */
    uint32_t on; /* lane holds a key */
    size_t i;    /* key index */
};

/* Starts keys on lane l until one needs a node or keys run out. */
KGI_LPM_INLINE void lane4_start(const struct kgi_lpm_trie *t, struct lane4 *l,
                                const uint32_t *addrs, uint32_t *values,
                                size_t *next, size_t n)
{
    while (*next < n) {
        size_t i = (*next)++;
        uint32_t e = t->dir[dir_index(addrs[i])];
        if (!(e & KGI_LPM_NODE)) {
            values[i] = e - 1;
            continue;
        }
        kgi_lpm_prefetch_ref(t, e);
        l->k = rest4(addrs[i]);
        l->x = e;
        l->i = i;
        l->on = 1;
        return;
    }
    l->on = 0;
}

KGI_LPM_INLINE void batch4(const struct kgi_lpm_trie *t, const uint32_t *addrs,
                           uint32_t *values, size_t n)
{
    struct lane4 lanes[LANES4];
    size_t next = 0;
    unsigned active = 0;
    for (unsigned g = 0; g < LANES4; g++) {
        lane4_start(t, &lanes[g], addrs, values, &next, n);
        active += lanes[g].on;
    }
    while (active) {
        for (unsigned g = 0; g < LANES4; g++) {
            struct lane4 *l = &lanes[g];
            if (!l->on)
                continue;
            if ((l->x & (KGI_LPM_NODE | KGI_LPM_LEAFONLY)) == KGI_LPM_NODE) {
                uint32_t x = kgi_lpm_step(&t->nodes[l->x & KGI_LPM_INDEX],
                                          (unsigned)(l->k >> 58));
                l->k <<= KGI_LPM_STRIDE;
                l->x = x;
                __builtin_prefetch(
                    x & KGI_LPM_NODE
                        ? (const void *)&t->nodes[x & KGI_LPM_INDEX]
                        : kgi_lpm_leaf_at(t, x));
                continue;
            }
            values[l->i] =
                (l->x & KGI_LPM_NODE)
                    ? kgi_lpm_leafonly(t, l->x, (unsigned)(l->k >> 58)) - 1
                    : kgi_lpm_leaf(t, l->x) - 1;
            lane4_start(t, l, addrs, values, &next, n);
            active -= !l->on;
        }
    }
}

/* The walk compiled for the baseline and for POPCNT; both out of line so
 * that the exported lookup stays a load, a test and a tail call. */
__attribute__((noinline)) static uint32_t
walk4_base(const struct kgi_lpm_trie *t, uint32_t x, uint64_t k)
{
    return walk4(t, x, k);
}

__attribute__((noinline)) static void batch4_base(const struct kgi_lpm_trie *t,
                                                  const uint32_t *addrs,
                                                  uint32_t *values, size_t n)
{
    batch4(t, addrs, values, n);
}

#if KGI_LPM_DISPATCH
__attribute__((noinline)) KGI_LPM_TARGET_POPCNT static uint32_t
walk4_popcnt(const struct kgi_lpm_trie *t, uint32_t x, uint64_t k)
{
    return walk4(t, x, k);
}

__attribute__((noinline)) KGI_LPM_TARGET_POPCNT static void
batch4_popcnt(const struct kgi_lpm_trie *t, const uint32_t *addrs,
              uint32_t *values, size_t n)
{
    batch4(t, addrs, values, n);
}
#endif

uint32_t kgi_lpm4_lookup(const struct kgi_lpm4 *t, uint32_t addr)
{
    uint32_t e = t->t.dir[dir_index(addr)];
    if (!(e & KGI_LPM_NODE))
        return e - 1;
#if KGI_LPM_DISPATCH
    if (t->t.popcnt)
        return walk4_popcnt(&t->t, e, rest4(addr));
#endif
    return walk4_base(&t->t, e, rest4(addr));
}

void kgi_lpm4_lookup_batch(const struct kgi_lpm4 *t, const uint32_t *addrs,
                           uint32_t *values, size_t n)
{
#if KGI_LPM_DISPATCH
    if (t->t.popcnt) {
        batch4_popcnt(&t->t, addrs, values, n);
        return;
    }
#endif
    batch4_base(&t->t, addrs, values, n);
}

size_t kgi_lpm4_memory(const struct kgi_lpm4 *t)
{
    return sizeof *t + t->t.bytes;
}

void kgi_lpm4_free(struct kgi_lpm4 *t)
{
    if (!t)
        return;
    kgi_lpm_trie_release(&t->t);
    kgi_free(t);
}
