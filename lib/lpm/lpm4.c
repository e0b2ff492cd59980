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
 * Batch: a software pipeline over the keys in two stages. Stage 1 prefetches
 * the dir word of key i + AHEAD; stage 2 reads the dir word of key i (now in
 * cache): a leaf is the answer, and a record or node ref is prefetched and
 * queued. Queued keys are finished QUEUE refs later, when their record or
 * node has arrived (only keys under blocks with /25../32 walk further, with
 * misses). Queueing only the keys that need memory keeps the finishing
 * stage free of branches on keys already answered, and the prefetch
 * distance in time the same whatever the share of dir hits. A DRAM access
 * (~110 ns) overlaps with the work on QUEUE keys (a few ns each): 16.
 * Measured on the full view (same keys, loaded machine, M lookups/s
 * random/in-table): this 153-156/100-105; the same pipeline queueing every
 * key 113-127/109-111; 12 interleaved walks (asynchronous memory access
 * chaining, as batch6) 148-159/100-102.
 */
#ifndef AHEAD
#define AHEAD 16
#endif
#ifndef QUEUE
#define QUEUE 16
#endif
#define RING (2 * QUEUE)

KGI_LPM_INLINE void batch4(const struct kgi_lpm_trie *t, const uint32_t *addrs,
                           uint32_t *values, size_t n)
{
    const uint32_t *dir = t->dir;
    uint32_t qref[RING];
    size_t qkey[RING], head = 0, tail = 0;
    for (size_t i = 0; i < n + AHEAD; i++) {
        if (i + AHEAD < n)
            __builtin_prefetch(dir + dir_index(addrs[i + AHEAD]));
        if (i < n) {
            uint32_t e = dir[dir_index(addrs[i])];
            if (!(e & KGI_LPM_NODE)) {
                values[i] = e - 1;
            } else {
                kgi_lpm_prefetch_ref(t, e);
                qref[tail % RING] = e;
                qkey[tail % RING] = i;
                tail++;
            }
        }
        while (tail - head > (i < n ? QUEUE : 0)) {
            size_t k = qkey[head % RING];
            values[k] = walk4(t, qref[head % RING], rest4(addrs[k]));
            head++;
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

void kgi_lpm4_prefetch(const struct kgi_lpm4 *t, uint32_t addr, int stage)
{
    const uint32_t *w = &t->t.dir[dir_index(addr)];
    if (stage == 0) {
        __builtin_prefetch(w);
        return;
    }
    if (*w & KGI_LPM_NODE)
        kgi_lpm_prefetch_ref(&t->t, *w);
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
