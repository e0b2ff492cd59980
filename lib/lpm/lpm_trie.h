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
 * tenants (a random walk over 2 MiB measured 38 to 110 ns), DRAM ~110 ns,
 * 4 KiB pages - nearly every lookup is a TLB miss and a DRAM access). So
 * the representation is chosen for size and for the number of serial DRAM
 * accesses a lookup makes: the upper levels must stay in cache and the last
 * step should cost one DRAM access, not two.
 *
 * Representation: Poptrie (Asai & Ohara, SIGCOMM 2015) - a direct-indexed
 * top level of 2^s 32-bit slots, then nodes of stride 6 whose 64 slots are
 * described by 64-bit bitmaps and found with popcount - with one change:
 * each node's leaves are stored right after its bitmaps instead of in a
 * separate array, so the bitmap and the leaf of a lookup are in the same or
 * the next cache line (one DRAM round trip, the adjacent line arriving with
 * it or by prefetch), where Poptrie's split arrays cost two.
 *
 *   top level dir[2^s]            pool (uint32 words, nodes 8-byte aligned)
 *   +--------------------+
 *   | 0 | value + 1      |        leaf-only node (vector == 0, "L"):
 *   | 1 |L| offset  -----+------> +-----------+---------+---------+---
 *   | 1 |F| offset  --+  |        | leafvec   | leaf 0  | leaf 1  | ...
 *   +--------------------+        |  64 bits  | value+1 | value+1 |
 *                     |           +-----------+---------+---------+---
 *                     |           full node ("F", has children):
 *                     +--------->
 * +---------+--------+-----------+-----+--------+--- | leafvec | vector | child
 * refs ...  | leaves ...
 *                                 +---------+--------+-----------+-----+--------+---
 *                                 dense node ("D"):
 *                                 +---------+---------+-----+----------+
 *                                 | slot 0  | slot 1  | ... | slot 63  |  leaf
 * or child ref
 *                                 +---------+---------+-----+----------+
 *   slot c of a compressed node: bit c of vector set -> child ref number
 *       popcount(vector & ((1 << c) - 1)); else the leaf number
 *       popcount(leafvec & ((2 << c) - 1)) - 1 after the child refs.
 *   Child refs come first because a walk that descends (most IPv6 steps)
 *   then finds its ref on the bitmaps' cache line.
 *
 * leafvec has a bit at each slot where a run of equal leaves starts (slots
 * holding children are skipped), so the leaf of slot c is the one of the
 * last run start at or before c. Leaves are leaf-pushed: a slot holds the
 * value of the longest prefix covering it, so a lookup never backtracks.
 *
 * A node whose compressed form would take 26 words (104 bytes) or more is
 * stored dense instead ("D": 64 words, slot c at word c, each a leaf or a
 * child ref), so its slot is read directly, without the bitmap first:
 * compressed, its leaf would usually be on another line than its bitmap, a
 * second serial DRAM access; dense, it costs at most 64 / 26 = 2.5x the
 * bytes. Measured on the full IPv4 view: 5.43 MiB all compressed, 6.85 MiB
 * with this threshold (about 60 % of the /24-level leaves end up dense),
 * 8.59 MiB with a 16-word one, which would break the 8 MiB budget.
 *
 * Word encoding (dir slots, child refs, dense slots, leaves): top bit clear:
 * a leaf holding value + 1, 0 meaning "no prefix", so the result is word - 1
 * and "no prefix" comes out as UINT32_MAX = KGI_LPM_NONE without a test; top
 * bit set: a node ref, bits 29-30 its kind (L, F, D), bits 0-28 its offset in
 * 8-byte units (pool up to 4 GiB). Values are thus < 2^31 - 1
 * (KGI_LPM_MAX_VALUE).
 *
 * Thresholds, derived:
 * - Stride 6: 2^6 = 64 slots is the widest fan-out whose bitmap is one
 *   machine word, i.e. one POPCNT per level.
 * - IPv4 top level s = 18: /24 is the dominant length (60 % of the table and
 *   the usual policy granularity), and s + 6 = 24 resolves every /24 in the
 *   first node: dir + one node (bitmap and leaf adjacent). The other choices
 *   with s + 6k = 24 are s = 12 (two node levels for /24s) and s = 24
 *   (DIR-24's 64 MiB). 2^18 slots x 4 B = 1 MiB = this machine's L2. Levels:
 *   18, 24, 30 (2 real bits, zero-padded): at most 3 nodes.
 * - IPv6 top level: see lpm6.c.
 * - Huge pages: the whole table is one allocation (dir then pool); its
 *   2 MiB-aligned interior is put on transparent huge pages (MADV_HUGEPAGE,
 *   MADV_COLLAPSE), so most lookups need no page walk (4 KiB pages: a 7 MiB
 *   table needs 1,750 TLB entries, more than the 1,536 of the L2 TLB).
 *
 * Build: prefixes are normalised (host bits cleared), sorted by (address,
 * length, input order) and the duplicates dropped but the last. That order is
 * the preorder of the binary trie: a prefix precedes the prefixes it contains,
 * so painting the slots of a node in that order leaves each slot with its
 * longest match, and the prefixes longer than a node's stride that fall in
 * one child are contiguous, so children are built recursively on sub-ranges.
 * Cost O(n log n) for the sort plus O(n x levels) for the trie.
 */
#ifndef KGI_LPM_TRIE_H
#define KGI_LPM_TRIE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define KGI_LPM_STRIDE 6
#define KGI_LPM_NODE 0x80000000u   /* word is a node ref, not a leaf */
#define KGI_LPM_KIND 0x60000000u   /* node kind: */
#define KGI_LPM_SPARSE 0x00000000u /*   L: leafvec, leaves */
#define KGI_LPM_FULL 0x20000000u   /*   F: leafvec, vector, leaves, child refs \
                                    */
#define KGI_LPM_DENSE                                                          \
    0x40000000u /*   D: 64 words, leaf or child ref per slot */
#define KGI_LPM_OFFSET 0x1fffffffu /* node offset in 8-byte units */

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

struct kgi_lpm_trie {
    const uint32_t *dir;  /* 2^dir_bits words */
    const uint32_t *pool; /* nodes; a ref's offset counts 8-byte units */
    void *block;          /* the one allocation holding dir and pool */
    size_t bytes;         /* its size */
    unsigned dir_bits;
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

/* Builds t from p[0..n) (len <= 128 and value < KGI_LPM_MAX_VALUE checked
 * by the caller; p is sorted and its host bits cleared in place). Returns 0,
 * or -1 on allocation failure with nothing held. */
int kgi_lpm_trie_build(struct kgi_lpm_trie *t, struct kgi_lpm_pfx *p, size_t n,
                       unsigned dir_bits);
void kgi_lpm_trie_release(struct kgi_lpm_trie *t);
/* Test hook: tables built while on != 0 take the baseline (non-POPCNT) walk
 * even on a CPU with POPCNT, so that tests cover both. Not thread-safe. */
void kgi_lpm_test_baseline(int on);

KGI_LPM_INLINE uint64_t kgi_lpm_load64(const uint32_t *w)
{
    uint64_t x;
    memcpy(&x, w, sizeof x);
    return x;
}

/* Eight zero bytes standing in for the bitmaps a node kind does not have. */
extern const uint64_t kgi_lpm_zero_bitmap;

/*
 * One step of the walk: node ref r, next 6 key bits c. Returns the word of
 * slot c: a leaf (value + 1) or a child ref (KGI_LPM_NODE set).
 *
 * Written as selects, not as an early return per kind and per slot type:
 * a branch on data that has just missed the cache is mispredicted about as
 * often as the cases mix, and each misprediction discards the younger
 * lookups' loads already in flight. A walk with such branches measured 62 M
 * lookups/s on uniform keys, this one 105 M/s (same table, same keys). The
 * node kind comes from the parent's word, so whatever the compiler makes of
 * the selects on it resolves before the node arrives; a kind without a
 * bitmap reads kgi_lpm_zero_bitmap (always in L1). Indices stay in the node:
 * a child slot's leaf rank is computed but never loaded.
 */
KGI_LPM_INLINE uint32_t kgi_lpm_step(const uint32_t *pool, uint32_t r,
                                     unsigned c)
{
    const uint32_t *w = pool + (size_t)(r & KGI_LPM_OFFSET) * 2;
    const uint32_t *zero = (const uint32_t *)(const void *)&kgi_lpm_zero_bitmap;
    uint32_t kind = r & KGI_LPM_KIND;
    int dense = kind == KGI_LPM_DENSE, full = kind == KGI_LPM_FULL;
    uint64_t leafvec = kgi_lpm_load64(dense ? zero : w);
    uint64_t vector = kgi_lpm_load64(full ? w + 2 : zero);
    uint64_t bit = (uint64_t)1 << c;
    unsigned hdr = 2 + 2 * (unsigned)full;
    unsigned child = hdr + (unsigned)__builtin_popcountll(vector & (bit - 1));
    unsigned leaf = hdr + (unsigned)__builtin_popcountll(vector) +
                    (unsigned)__builtin_popcountll(leafvec & ((bit << 1) - 1)) -
                    1;
    unsigned idx = (vector & bit) ? child : leaf;
    return w[dense ? c : idx];
}

/* The line a lookup will read for slot c of node ref r: slot c itself for a
 * dense node, the bitmaps for a compressed one. What a batch lookup
 * prefetches while it works on other keys. */
KGI_LPM_INLINE const uint32_t *kgi_lpm_slot_hint(const uint32_t *pool,
                                                 uint32_t r, unsigned c)
{
    const uint32_t *w = pool + (size_t)(r & KGI_LPM_OFFSET) * 2;
    return (r & KGI_LPM_KIND) == KGI_LPM_DENSE ? w + c : w;
}

#endif
