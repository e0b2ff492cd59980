// SPDX-License-Identifier: MIT
/*
 * lpm_trie.c - builds the Poptrie-style trie shared by the IPv4 and IPv6 LPM
 * tables from a list of prefixes.
 *
 * Workload: one build per ruleset compile, up to a full BGP view (about 1M
 * prefixes), target well under a second. The layout and the reasons for it
 * are in lpm_trie.h. The build sorts the prefixes once and then makes one
 * pass per trie level over contiguous sub-ranges of the sorted array, writing
 * nodes depth-first into a growing word array; the result is then copied
 * into one (huge-page backed when large) block.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* madvise */
#endif
#include "lpm/lpm_trie.h"

#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
/* Linux UAPI value (asm-generic/mman-common.h, Linux 6.1); glibc < 2.37
 * does not pass it through <sys/mman.h>. Older kernels return EINVAL. */
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#endif

#include "lpm/lpm.h"
#include "util/alloc.h"
#include "util/radix.h"

static int force_baseline;

void kgi_lpm_test_baseline(int on)
{
    force_baseline = on;
}

struct builder {
    const struct kgi_lpm_pfx *p;
    struct kgi_lpm_node *nodes;
    size_t n_nodes, cap_nodes;
    uint32_t *leaves;
    size_t n_leaves, cap_leaves;
    uint32_t *lpool; /* leaf-only records, leaves as uint32 */
    size_t n_lwords, cap_lwords;
    int leaf16;
};

static unsigned chunk_at(const struct kgi_lpm_pfx *p, unsigned pos)
{
    if (pos <= 58)
        return (unsigned)(p->hi >> (58 - pos)) & 63;
    if (pos < 64)
        return (unsigned)((p->hi << (pos - 58)) | (p->lo >> (122 - pos))) & 63;
    if (pos <= 122)
        return (unsigned)(p->lo >> (122 - pos)) & 63;
    return (unsigned)(p->lo << (pos - 122)) & 63;
}

static void clear_host_bits(struct kgi_lpm_pfx *p)
{
    if (p->len <= 64) {
        p->hi &= p->len ? ~(uint64_t)0 << (64 - p->len) : 0;
        p->lo = 0;
    } else {
        p->lo &= ~(uint64_t)0 << (128 - p->len);
    }
}

/* Orders p by (key, len), keeping the input order of equal pairs (one
 * radix sort, util/radix.h), unless it is in that order already (the
 * policy compiler hands over its prefixes sorted). Then keeps the last of
 * each run of equal (key, len). Returns the new count, or (size_t)-1 on
 * allocation failure. */
static int pfx_before(const struct kgi_lpm_pfx *a, const struct kgi_lpm_pfx *b)
{
    if (a->hi != b->hi)
        return a->hi < b->hi;
    if (a->lo != b->lo)
        return a->lo < b->lo;
    return a->len < b->len;
}

static size_t normalise(struct kgi_lpm_pfx *p, size_t n)
{
    int sorted = 1;
    for (size_t i = 0; i < n; i++) {
        clear_host_bits(&p[i]);
        if (i && sorted && pfx_before(&p[i], &p[i - 1]))
            sorted = 0;
    }
    if (!sorted) {
        struct kgi_radix_key *k = kgi_malloc(n * sizeof *k);
        struct kgi_lpm_pfx *tmp = kgi_malloc(n * sizeof *tmp);
        if (!k || !tmp) {
            kgi_free(k);
            kgi_free(tmp);
            return (size_t)-1;
        }
        for (size_t i = 0; i < n; i++) {
            k[i].hi = p[i].hi;
            k[i].lo = p[i].lo;
            k[i].low = p[i].len;
            k[i].idx = (uint32_t)i;
        }
        if (kgi_radix_sort(k, n) < 0) {
            kgi_free(k);
            kgi_free(tmp);
            return (size_t)-1;
        }
        for (size_t i = 0; i < n; i++)
            tmp[i] = p[k[i].idx];
        memcpy(p, tmp, n * sizeof *p);
        kgi_free(k);
        kgi_free(tmp);
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && p[i + 1].hi == p[i].hi && p[i + 1].lo == p[i].lo &&
            p[i + 1].len == p[i].len)
            continue;
        p[m++] = p[i];
    }
    return m;
}

/* Node and leaf indices must fit in KGI_LPM_INDEX (below the flag bits). */
#define MAX_INDEX ((size_t)KGI_LPM_INDEX - 64)

/* Appends k zeroed nodes; returns the index of the first, or (size_t)-1. */
static size_t alloc_nodes(struct builder *b, size_t k)
{
    size_t at = b->n_nodes;
    if (at + k > MAX_INDEX)
        return (size_t)-1;
    if (kgi_grow((void **)&b->nodes, &b->cap_nodes, at + k, sizeof *b->nodes) <
        0)
        return (size_t)-1;
    memset(b->nodes + at, 0, k * sizeof *b->nodes);
    b->n_nodes = at + k;
    return at;
}

static size_t alloc_leaves(struct builder *b, size_t k)
{
    size_t at = b->n_leaves;
    if (at + k > MAX_INDEX)
        return (size_t)-1;
    if (kgi_grow((void **)&b->leaves, &b->cap_leaves, at + k,
                 sizeof *b->leaves) < 0)
        return (size_t)-1;
    b->n_leaves = at + k;
    return at;
}

/* Appends a leaf-only record (leafvec, then the nl leaves, 2 or 4 bytes
 * each, padded to a word); returns its dir word or 0 on failure. */
static uint32_t emit_leafonly(struct builder *b, uint64_t leafvec,
                              const uint32_t *leaves, unsigned nl)
{
    size_t at = b->n_lwords;
    size_t words = 2 + (b->leaf16 ? (nl + 1) / 2 : nl);
    if (at + words > KGI_LPM_INDEX)
        return 0;
    if (kgi_grow((void **)&b->lpool, &b->cap_lwords, at + words,
                 sizeof *b->lpool) < 0)
        return 0;
    uint32_t *w = b->lpool + at;
    memset(w, 0, words * sizeof *w);
    memcpy(w, &leafvec, sizeof leafvec);
    if (b->leaf16) {
        uint16_t l16[64];
        for (unsigned i = 0; i < nl; i++)
            l16[i] = (uint16_t)leaves[i];
        memcpy(w + 2, l16, nl * sizeof *l16);
    } else {
        memcpy(w + 2, leaves, nl * sizeof *leaves);
    }
    b->n_lwords = at + words;
    return KGI_LPM_NODE | KGI_LPM_LEAFONLY | (uint32_t)at;
}

/*
 * Builds the node covering key bits [pos, pos + 6) below its parent, from
 * the sorted prefixes [i, j) (all inside the node's block and longer than
 * pos). def is the encoded value of the longest prefix covering the whole
 * block (0: none). A child is filled in node `at`, allocated by its parent
 * with its siblings; a top-level node (top != NULL) is allocated here and
 * its dir word stored in *top: a leaf-only record when it has no children.
 */
static int build_node(struct builder *b, size_t i, size_t j, unsigned pos,
                      uint32_t def, size_t at, uint32_t *top)
{
    const struct kgi_lpm_pfx *p = b->p;
    const unsigned end = pos + KGI_LPM_STRIDE;
    uint32_t slot[64], leaves[64];
    uint64_t vector = 0, leafvec = 0;
    unsigned nl = 0;

    for (unsigned c = 0; c < 64; c++)
        slot[c] = def;
    /* Preorder: a prefix is painted before the longer ones it contains. */
    for (size_t k = i; k < j; k++) {
        unsigned c = chunk_at(&p[k], pos);
        if (p[k].len <= end) {
            unsigned span = 1u << (end - p[k].len);
            for (unsigned s = c; s < c + span; s++)
                slot[s] = p[k].value + 1;
        } else {
            vector |= (uint64_t)1 << c;
        }
    }
    for (unsigned c = 0; c < 64; c++) {
        if (vector >> c & 1)
            continue;
        if (nl == 0 || slot[c] != leaves[nl - 1]) {
            leafvec |= (uint64_t)1 << c;
            leaves[nl++] = slot[c];
        }
    }

    if (top && !vector && nl == 1) {
        *top = leaves[0]; /* one run: the block is a leaf */
        return 0;
    }
    if (top && !vector) {
        *top = emit_leafonly(b, leafvec, leaves, nl);
        return *top ? 0 : -1;
    }
    if (top) {
        at = alloc_nodes(b, 1);
        if (at == (size_t)-1)
            return -1;
        *top = KGI_LPM_NODE | (uint32_t)at;
    }
    size_t nc = (size_t)__builtin_popcountll(vector);
    size_t base1 = nc ? alloc_nodes(b, nc) : 0;
    size_t base0 = nl ? alloc_leaves(b, nl) : 0;
    if (base1 == (size_t)-1 || base0 == (size_t)-1)
        return -1;
    if (nl) /* no leaf array yet when a node has only children */
        memcpy(b->leaves + base0, leaves, nl * sizeof *leaves);
    /* b->nodes may move while children are built: index, no pointer */
    b->nodes[at].vector = vector;
    b->nodes[at].leafvec = leafvec;
    b->nodes[at].base1 = (uint32_t)base1;
    b->nodes[at].base0 = (uint32_t)base0;

    /* The longer prefixes of one child are contiguous: the shorter prefixes
     * starting in that child sort before them, and those starting in later
     * children after them. */
    for (size_t k = i; k < j;) {
        if (p[k].len <= end) {
            k++;
            continue;
        }
        unsigned c = chunk_at(&p[k], pos);
        size_t g = k + 1;
        while (g < j && p[g].len > end && chunk_at(&p[g], pos) == c)
            g++;
        if (build_node(b, k, g, end, slot[c], base1++, NULL) < 0)
            return -1;
        k = g;
    }
    return 0;
}

#define HUGE_PAGE ((uintptr_t)2 << 20)

/* Copies dir, nodes and leaves into one block. The 2 MiB-aligned pages
 * inside it are advised for transparent huge pages, and collapsed into them
 * if the allocator handed back memory already mapped with 4 KiB pages (it
 * usually does: the builder has just freed blocks of that size). No
 * alignment slack is allocated for this: the advice costs no memory, and
 * failure only costs the speed-up. */
static int finish(struct kgi_lpm_trie *t, const uint32_t *dir,
                  const struct builder *b)
{
    size_t dir_bytes = ((size_t)1 << t->dir_bits) * sizeof *dir;
    size_t node_bytes = b->n_nodes * sizeof *b->nodes;
    size_t lpool_bytes = b->n_lwords * sizeof *b->lpool;
    size_t leaf_size = t->leaf16 ? sizeof(uint16_t) : sizeof(uint32_t);
    size_t bytes =
        dir_bytes + node_bytes + lpool_bytes + b->n_leaves * leaf_size;
    char *base = kgi_malloc(bytes);
    if (!base)
        return -1;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    uintptr_t lo = ((uintptr_t)base + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    uintptr_t hi = ((uintptr_t)base + bytes) & ~(HUGE_PAGE - 1);
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#endif
    /* dir_bytes is a multiple of 8: the nodes are aligned */
    memcpy(base, dir, dir_bytes);
    if (node_bytes)
        memcpy(base + dir_bytes, b->nodes, node_bytes);
    char *lpool = base + dir_bytes + node_bytes;
    if (lpool_bytes)
        memcpy(lpool, b->lpool, lpool_bytes);
    char *leaves = lpool + lpool_bytes;
    if (t->leaf16) {
        uint16_t *l16 = (uint16_t *)(void *)leaves;
        for (size_t i = 0; i < b->n_leaves; i++)
            l16[i] = (uint16_t)b->leaves[i];
    } else if (b->n_leaves) {
        memcpy(leaves, b->leaves, b->n_leaves * sizeof *b->leaves);
    }
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_COLLAPSE);
#endif
    t->block = base;
    t->bytes = bytes;
    t->dir = (const uint32_t *)(void *)base;
    t->nodes = (const struct kgi_lpm_node *)(void *)(base + dir_bytes);
    t->lpool = (const uint32_t *)(void *)lpool;
    t->leaves = leaves;
    t->n_nodes = b->n_nodes;
    t->n_leaves = b->n_leaves;
    return 0;
}

int kgi_lpm_trie_build(struct kgi_lpm_trie *t, struct kgi_lpm_pfx *p, size_t n,
                       unsigned dir_bits)
{
    struct builder b = {.p = p, .leaf16 = 1};
    memset(t, 0, sizeof *t);
    t->dir_bits = dir_bits;
    for (size_t k = 0; k < n; k++)
        if (p[k].value >= UINT16_MAX)
            b.leaf16 = 0; /* value + 1 would not fit in 16 bits */
    t->leaf16 = b.leaf16;
#if KGI_LPM_DISPATCH
    t->popcnt = !force_baseline && __builtin_cpu_supports("popcnt");
#endif
    uint32_t *dir = kgi_calloc((size_t)1 << dir_bits, sizeof *dir);
    if (!dir)
        goto fail;
    n = normalise(p, n);
    if (n == (size_t)-1)
        goto fail;

    const unsigned shift = 64 - dir_bits;
    /* Pass 1: prefixes no longer than the top level paint their slots. */
    for (size_t k = 0; k < n; k++) {
        if (p[k].len > dir_bits)
            continue;
        size_t c = (size_t)(p[k].hi >> shift);
        size_t span = (size_t)1 << (dir_bits - p[k].len);
        for (size_t s = c; s < c + span; s++)
            dir[s] = p[k].value + 1;
    }
    /* Pass 2: each top slot holding longer prefixes becomes a node. */
    for (size_t k = 0; k < n;) {
        if (p[k].len <= dir_bits) {
            k++;
            continue;
        }
        size_t c = (size_t)(p[k].hi >> shift);
        size_t g = k + 1;
        while (g < n && p[g].len > dir_bits && (size_t)(p[g].hi >> shift) == c)
            g++;
        if (build_node(&b, k, g, dir_bits, dir[c], 0, &dir[c]) < 0)
            goto fail;
        k = g;
    }
    if (finish(t, dir, &b) < 0)
        goto fail;
    kgi_free(dir);
    kgi_free(b.nodes);
    kgi_free(b.leaves);
    kgi_free(b.lpool);
    return 0;

fail:
    kgi_free(dir);
    kgi_free(b.nodes);
    kgi_free(b.leaves);
    kgi_free(b.lpool);
    memset(t, 0, sizeof *t);
    return -1;
}

void kgi_lpm_trie_release(struct kgi_lpm_trie *t)
{
    kgi_free(t->block);
    memset(t, 0, sizeof *t);
}
