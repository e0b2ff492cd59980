// SPDX-License-Identifier: MIT
/*
 * lpm_trie.h - the compressed multibit trie behind the IPv4 and IPv6 LPM
 * tables (internal to lib/lpm).
 *
 * Workload: a table of up to a full BGP view (901,899 IPv4 prefixes, 60 % of
 * them /24, then /22 and /23; 160,147 IPv6 prefixes, mostly /48, /32, /44,
 * /40), built once, then looked up once per packet by many threads. The
 * lookup must beat DPDK's DIR-24-8 (rte_lpm: one or two loads, but 64 MiB of
 * tbl24, so on this machine - 1 MiB L2 per core, an L3 shared with other
 * tenants, DRAM ~110 ns, 4 KiB pages - nearly every lookup is a TLB miss
 * and a DRAM access). So the representation is chosen for size first: a
 * table that stays in the caches turns most of a lookup's dependent loads
 * into cache hits, where a table of tens of MiB pays DRAM for each.
 *
 * Representation: Poptrie (Asai & Ohara, "Poptrie: A Compressed Trie with
 * Population Count for Fast and Scalable Software IP Routing Table Lookup",
 * SIGCOMM 2015) - a direct-indexed top level of 2^s 32-bit words, then
 * nodes of stride 6 whose 64 slots are described by two 64-bit bitmaps and
 * found with popcount. A node's children are contiguous in one node array
 * and its leaves contiguous in one leaf array, so a node needs two bases
 * instead of one reference per child, and leaves take 2 bytes when every
 * value fits (policy tables: rule-set classes), else 4:
 *
 *   dir[2^s] (uint32)        nodes[] (24 bytes each)         leaves[]
 *   +-----------------+      +--------+---------+-----+-----+  (uint16 or
 *   | 0 | value + 1   |      | vector | leafvec |base1|base0|   uint32:
 *   | 1 | node index -+----->|  64 b  |  64 b   | 32b | 32b |   value + 1)
 *   +-----------------+      +--------+---------+--+--+--+--+
 *                                                  |     |    +---------+
 *                 +--------------------------------+     +--->| leaf 0  |
 *                 v                                           | leaf 1  |
 *            children of the node, contiguous:                | ...     |
 *            +--------+--------+-----+                        +---------+
 *            | node 0 | node 1 | ... |
 *            +--------+--------+-----+
 *
 *   slot c (the next 6 key bits) of a node:
 *     bit c of vector set: the child nodes[base1 + popcount(vector & (2^c - 1))]
 *     else: the leaf leaves[base0 + popcount(leafvec & (2^(c+1) - 1)) - 1]
 *
 * leafvec has a bit at each slot where a run of equal leaves starts (slots
 * holding children are skipped), so the leaf of slot c is the one of the
 * last run start at or before c ("leaf compression": a /22 inside a node
 * whose slots are /24s is one leaf, not four). Leaves are leaf-pushed: a
 * slot holds the value of the longest prefix covering it, so a lookup never
 * backtracks. A leaf (and a dir word with the top bit clear) holds value + 1,
 * 0 meaning "no prefix", so the result is word - 1 and "no prefix" comes out
 * as UINT32_MAX = KGI_LPM_NONE without a test. Values are thus < 2^31 - 1
 * (KGI_LPM_MAX_VALUE): a dir word's top bit says "node index".
 *
 * Sizes measured on the full IPv4 view (bench/lpm, values distinct per
 * prefix so leaves are 4 bytes; see bench/lpm/README.md for the figures): the
 * previous layout of this file (an 18-bit top level, leaves and child
 * references inline in each node, nodes of 26 words or more stored
 * uncompressed) took 6.85 MiB.
 *
 * Thresholds, derived:
 * - Stride 6: 2^6 = 64 slots is the widest fan-out whose bitmap is one
 *   machine word, i.e. one POPCNT per level.
 * - Top level: see lpm4.c and lpm6.c.
 * - Leaf width: 2 bytes when every value + 1 fits in 16 bits, decided per
 *   table at build time; the walk's choice is a branch on a table field that
 *   never changes, so it is always predicted.
 * - Huge pages: the whole table is one allocation (dir, nodes, leaves); its
 *   2 MiB-aligned interior is advised for transparent huge pages
 *   (MADV_HUGEPAGE, MADV_COLLAPSE), so most lookups need no page walk.
 *
 * Build: prefixes are normalised (host bits cleared), ordered by (address,
 * length, input order) with one radix sort, and the duplicates dropped but
 * the last. That order is the preorder of the binary trie: a prefix precedes
 * the prefixes it contains, so painting the slots of a node in that order
 * leaves each slot with its longest match, and the prefixes longer than a
 * node's stride that fall in one child are contiguous, so children are built
 * recursively on sub-ranges. Cost O(n) for the sort plus O(n x levels) for
 * the trie.
 */
#ifndef KGI_LPM_TRIE_H
#define KGI_LPM_TRIE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define KGI_LPM_STRIDE 6
#define KGI_LPM_NODE 0x80000000u /* dir word / step result: a node index */

/* POPCNT is not in the x86-64 baseline, and without it __builtin_popcountll
 * is a libgcc call. The walks are compiled twice, with and without POPCNT,
 * and the table records at build time which one the CPU runs; the choice is
 * a predictable branch and a direct call (target_clones, i.e. an ifunc
 * called through the PLT, measured 30-45 % fewer scalar lookups/s). */
#if defined(__x86_64__) && !defined(__POPCNT__) &&                             \
    (defined(__GNUC__) || defined(__clang__))
#define KGI_LPM_DISPATCH 1
#define KGI_LPM_TARGET_POPCNT __attribute__((target("popcnt")))
#else
#define KGI_LPM_DISPATCH 0
#endif
#define KGI_LPM_INLINE static inline __attribute__((always_inline))

struct kgi_lpm_node {
    uint64_t vector;  /* bit c: slot c holds a child */
    uint64_t leafvec; /* bit c: a run of equal leaves starts at slot c */
    uint32_t base1;   /* index in nodes of the first child */
    uint32_t base0;   /* index in leaves of the first leaf */
};

struct kgi_lpm_trie {
    const uint32_t *dir;               /* 2^dir_bits words */
    const struct kgi_lpm_node *nodes;  /* all nodes */
    const void *leaves;                /* uint16_t (leaf16) or uint32_t */
    void *block;                       /* the one allocation holding them */
    size_t bytes;                      /* its size */
    size_t n_nodes, n_leaves;          /* counts, for tests and benches */
    unsigned dir_bits;
    int leaf16; /* leaves are uint16_t */
    int popcnt; /* the CPU has POPCNT */
};

/* A prefix as the builder sees it: a 128-bit key (IPv4 in the top 32 bits of
 * hi), its length, its value and its position in the input (for "last one
 * wins"). */
struct kgi_lpm_pfx {
    uint64_t hi;
    uint64_t lo;
    uint32_t value;
    uint32_t seq;
    uint8_t len;
};

/* Builds t from p[0..n) in input order (len <= 128 and value <
 * KGI_LPM_MAX_VALUE checked by the caller; p is reordered and its host bits
 * cleared in place). Returns 0, or -1 on allocation failure with nothing
 * held. */
int kgi_lpm_trie_build(struct kgi_lpm_trie *t, struct kgi_lpm_pfx *p, size_t n,
                       unsigned dir_bits);
void kgi_lpm_trie_release(struct kgi_lpm_trie *t);
/* Test hook: tables built while on != 0 take the baseline (non-POPCNT) walk
 * even on a CPU with POPCNT, so that tests cover both. Not thread-safe. */
void kgi_lpm_test_baseline(int on);

/*
 * One step of the walk: node n, next 6 key bits c. Returns KGI_LPM_NODE |
 * the child's index when slot c holds a child, else the index of its leaf.
 * Both ranks are computed and one is selected: a branch on data that has
 * just missed the cache is mispredicted about as often as the cases mix,
 * and each misprediction discards the younger lookups' loads in flight.
 */
KGI_LPM_INLINE uint32_t kgi_lpm_step(const struct kgi_lpm_node *n, unsigned c)
{
    uint64_t vector = n->vector, bit = (uint64_t)1 << c;
    uint32_t child =
        KGI_LPM_NODE |
        (n->base1 + (uint32_t)__builtin_popcountll(vector & (bit - 1)));
    uint32_t leaf =
        n->base0 +
        (uint32_t)__builtin_popcountll(n->leafvec & ((bit << 1) - 1)) - 1;
    return (vector & bit) ? child : leaf;
}

/* Leaf i (value + 1). */
KGI_LPM_INLINE uint32_t kgi_lpm_leaf(const struct kgi_lpm_trie *t, uint32_t i)
{
    return t->leaf16 ? ((const uint16_t *)t->leaves)[i]
                     : ((const uint32_t *)t->leaves)[i];
}

/* Address of leaf i, for prefetching. */
KGI_LPM_INLINE const void *kgi_lpm_leaf_at(const struct kgi_lpm_trie *t,
                                           uint32_t i)
{
    return t->leaf16 ? (const void *)((const uint16_t *)t->leaves + i)
                     : (const void *)((const uint32_t *)t->leaves + i);
}

#endif
