// SPDX-License-Identifier: MIT
/*
 * lpm_trie.h - the compressed multibit trie behind the IPv4 and IPv6 LPM
 * tables (internal to lib/lpm).
 *
 * Workload: a table of up to a full BGP view (901,899 IPv4 prefixes, 60 % of
 * them /24, then /22 and /23; 160,147 IPv6 prefixes, mostly /48, /32, /44,
 * /40), built once, then looked up once per packet by many threads. The
 * lookup must beat DPDK's DIR-24-8 (rte_lpm: one or two loads, but 64 MiB of
 * tbl24, so with 4 KiB pages nearly every lookup is a TLB miss and an L3 or
 * DRAM access). So the representation is chosen for size and for the
 * number of dependent loads: the fewer bytes, the more of a lookup's loads
 * hit L2 (2 MiB a core on the Xeon this was measured on), and the common
 * lookup should make two loads past the top level, not three.
 *
 * Representation: Poptrie (Asai & Ohara, "Poptrie: A Compressed Trie with
 * Population Count for Fast and Scalable Software IP Routing Table Lookup",
 * SIGCOMM 2015) - a direct-indexed top level of 2^s 32-bit words, then
 * nodes of stride 6 whose 64 slots are described by two 64-bit bitmaps and
 * found with popcount. A node's children are contiguous in one node array
 * and its leaves contiguous in one leaf array, so a node needs two bases
 * instead of one reference per child. One addition: a top-level block with
 * no child (all its prefixes within 6 bits of the top: for IPv4 the /19../24
 * that make up most of a BGP view) is a leaf-only record, its leaf bitmap
 * followed by its leaves, so that lookup reads one record (the bitmap and
 * the leaf on the same or the next cache line) instead of a node and then a
 * leaf elsewhere. Leaves take 2 bytes when every value fits (policy tables:
 * rule-set classes), else 4.
 *
 *   dir[2^s] (uint32)           nodes[] (24 bytes each)      leaves[]
 *   +---------------------+     +--------+---------+-----+-----+ (uint16 or
 *   | 0 | value + 1       |     | vector | leafvec |base1|base0|  uint32,
 *   | 1 0 | node index ---+---->|  64 b  |  64 b   | 32b | 32b |  value + 1)
 *   | 1 1 | record offset +-+   +--------+---------+--+--+--+--+ +--------+
 *   +---------------------+ |                        |     +--->| leaf 0 |
 *                           |   +--------------------+          | leaf 1 |
 *                           |   v  the node's children:         | ...    |
 *                           |   +--------+--------+-----+       +--------+
 *                           |   | node 0 | node 1 | ... |
 *                           |   +--------+--------+-----+
 *                           |   lpool[] (uint32 words): leaf-only records
 *                           +-->+---------+--------+--------+---
 *                               | leafvec | leaf 0 | leaf 1 | ...
 *                               |  64 b   | 2 or 4 bytes each
 *                               +---------+--------+--------+---
 *
 *   slot c (the next 6 key bits) of a node:
 *     bit c of vector set: child nodes[base1 + popcount(vector & (2^c - 1))]
 *     else: leaf leaves[base0 + popcount(leafvec & (2^(c+1) - 1)) - 1]
 *   slot c of a leaf-only record: its leaf number
 *     popcount(leafvec & (2^(c+1) - 1)) - 1
 *
 * leafvec has a bit at each slot where a run of equal leaves starts (slots
 * holding children are skipped), so the leaf of slot c is the one of the
 * last run start at or before c ("leaf compression": a /22 inside a node
 * whose slots are /24s is one leaf, not four). Leaves are leaf-pushed: a
 * slot holds the value of the longest prefix covering it, so a lookup never
 * backtracks. A leaf (and a dir word with the top bit clear) holds value + 1,
 * 0 meaning "no prefix", so the result is word - 1 and "no prefix" comes out
 * as UINT32_MAX = KGI_LPM_NONE without a test. Values are thus < 2^31 - 1
 * (KGI_LPM_MAX_VALUE): a dir word's top bit says "not a leaf", the next one
 * "leaf-only record", and 30 bits index the nodes or the record words.
 *
 * Sizes measured on the full IPv4 view (values distinct per prefix, as the
 * bench's, so 4-byte leaves; 1 M leaves, 1,454 nodes): this layout 5.32
 * MiB, 3.48 MiB with 2-byte leaves, 2.0 MiB when every prefix has one value
 * (an allow-list policy). The previous layout of this file (leaves and child
 * references inline in each node, nodes of 26 words or more stored
 * uncompressed) took 6.85 MiB; plain Poptrie (no leaf-only records) 6.31
 * MiB with an 18-bit top level and 10.4 MiB with a 16-bit one (267,648
 * nodes: a /24 then needs a second node level). With 4-byte distinct values
 * the leaves alone are 3.8 MiB, which is what keeps this table above the
 * 2.4 MiB Poptrie reports for 2-byte next hops on a smaller view.
 *
 * Thresholds, derived:
 * - Stride 6: 2^6 = 64 slots is the widest fan-out whose bitmap is one
 *   machine word, i.e. one POPCNT per level.
 * - Top level: see lpm4.c and lpm6.c.
 * - Leaf width: 2 bytes when every value + 1 fits in 16 bits, decided per
 *   table at build time; the walk's choice is a branch on a table field that
 *   never changes, so it is always predicted.
 * - Huge pages: the whole table is one allocation (dir, nodes, records,
 *   leaves); its 2 MiB-aligned interior is advised for transparent huge
 *   pages (MADV_HUGEPAGE, MADV_COLLAPSE), so most lookups need no page walk.
 *
 * Build: prefixes are normalised (host bits cleared), ordered by (address,
 * length, input order) with one stable radix sort (util/radix.h; skipped
 * when the input is in order already), and the duplicates dropped but the
 * last. That order is the preorder of the binary trie: a prefix
 * precedes the prefixes it contains, so painting the slots of a node in that
 * order leaves each slot with its longest match, and the prefixes longer
 * than a node's stride that fall in one child are contiguous, so children
 * are built recursively on sub-ranges. Cost O(n) per radix pass plus
 * O(n x levels) for the trie.
 */
#ifndef KGI_LPM_TRIE_H
#define KGI_LPM_TRIE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define KGI_LPM_STRIDE 6
#define KGI_LPM_NODE 0x80000000u     /* dir word / step result: a node */
#define KGI_LPM_LEAFONLY 0x40000000u /* dir word: a leaf-only record */
#define KGI_LPM_INDEX 0x3fffffffu    /* node index / record word offset */

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
/* the 24-byte node of the diagram above */
_Static_assert(sizeof(struct kgi_lpm_node) == 24,
               "struct kgi_lpm_node is 24 bytes");

struct kgi_lpm_trie {
    const uint32_t *dir;              /* 2^dir_bits words */
    const struct kgi_lpm_node *nodes; /* all nodes */
    const uint32_t *lpool;            /* leaf-only records */
    const void *leaves;               /* uint16_t (leaf16) or uint32_t */
    void *block;                      /* the one allocation holding them */
    size_t bytes;                     /* its size */
    size_t n_nodes, n_leaves;         /* counts, for tests and benches */
    unsigned dir_bits;
    int leaf16; /* leaves are uint16_t */
    int popcnt; /* the CPU has POPCNT */
};

/* A prefix as the builder sees it: a 128-bit key (IPv4 in the top 32 bits of
 * hi), its length and its value. */
struct kgi_lpm_pfx {
    uint64_t hi;
    uint64_t lo;
    uint32_t value;
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

/* Slot c of the leaf-only record of dir word e: its leaf (value + 1). */
KGI_LPM_INLINE uint32_t kgi_lpm_leafonly(const struct kgi_lpm_trie *t,
                                         uint32_t e, unsigned c)
{
    const uint32_t *w = t->lpool + (e & KGI_LPM_INDEX);
    uint64_t leafvec;
    memcpy(&leafvec, w, sizeof leafvec);
    uint32_t i = (uint32_t)__builtin_popcountll(
                     leafvec & ((((uint64_t)1 << c) << 1) - 1)) -
                 1;
    return t->leaf16 ? ((const uint16_t *)(const void *)(w + 2))[i] : w[2 + i];
}

/* Prefetches what dir word e (a node ref) points to: the node, or the two
 * lines a leaf-only record's bitmap and leaf are on. */
KGI_LPM_INLINE void kgi_lpm_prefetch_ref(const struct kgi_lpm_trie *t,
                                         uint32_t e)
{
    if (e & KGI_LPM_LEAFONLY) {
        const uint32_t *w = t->lpool + (e & KGI_LPM_INDEX);
        __builtin_prefetch(w);
        __builtin_prefetch(w + 16);
    } else {
        __builtin_prefetch(&t->nodes[e & KGI_LPM_INDEX]);
    }
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
