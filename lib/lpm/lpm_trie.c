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

const uint64_t kgi_lpm_zero_bitmap = 0;

static int force_baseline;

void kgi_lpm_test_baseline(int on)
{
    force_baseline = on;
}

struct builder {
    const struct kgi_lpm_pfx *p;
    uint32_t *pool;
    size_t n_words;
    size_t cap_words;
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

static int cmp_pfx(const void *a, const void *b)
{
    const struct kgi_lpm_pfx *x = a, *y = b;
    if (x->hi != y->hi)
        return x->hi < y->hi ? -1 : 1;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
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

/* Sorts, then keeps the last of each run of equal (key, len). Returns the new
 * count. */
static size_t normalise(struct kgi_lpm_pfx *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        clear_host_bits(&p[i]);
    if (n > 1)
        qsort(p, n, sizeof *p, cmp_pfx);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && p[i + 1].hi == p[i].hi && p[i + 1].lo == p[i].lo &&
            p[i + 1].len == p[i].len)
            continue;
        p[m++] = p[i];
    }
    return m;
}

/* Appends k words (zeroed), the first at an even (8-byte) offset; returns
 * that offset in words, or (size_t)-1. */
/* See lpm_trie.h: a node of this many words or more is stored dense. */
#ifndef DENSE_MIN_WORDS
#define DENSE_MIN_WORDS 26
#endif

static size_t alloc_words(struct builder *b, size_t k)
{
    size_t at = (b->n_words + 1) & ~(size_t)1;
    if (at / 2 + 1 > KGI_LPM_OFFSET)
        return (size_t)-1;
    if (kgi_grow((void **)&b->pool, &b->cap_words, at + k, sizeof *b->pool) < 0)
        return (size_t)-1;
    memset(b->pool + b->n_words, 0, (at + k - b->n_words) * sizeof *b->pool);
    b->n_words = at + k;
    return at;
}

static void store64(uint32_t *w, uint64_t x)
{
    memcpy(w, &x, sizeof x);
}

/*
 * Emits the node covering key bits [pos, pos + 6) below its parent, from the
 * sorted prefixes [i, j) (all inside the node's block and longer than pos),
 * and sets *ref to it. def is the encoded value of the longest prefix
 * covering the whole block (0: none).
 */
static int build_node(struct builder *b, size_t i, size_t j, unsigned pos,
                      uint32_t def, uint32_t *ref)
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

    unsigned nc = (unsigned)__builtin_popcountll(vector), hdr = nc ? 4 : 2;
    int dense = hdr + nl + nc >= DENSE_MIN_WORDS;
    size_t at = alloc_words(b, dense ? 64 : hdr + nl + nc);
    if (at == (size_t)-1)
        return -1;
    if (dense) {
        memcpy(b->pool + at, slot,
               sizeof slot); /* child slots are filled below */
        *ref = KGI_LPM_NODE | KGI_LPM_DENSE | (uint32_t)(at / 2);
    } else {
        store64(b->pool + at, leafvec);
        if (nc)
            store64(b->pool + at + 2, vector);
        memcpy(b->pool + at + hdr + nc, leaves, nl * sizeof *leaves);
        *ref = KGI_LPM_NODE | (nc ? KGI_LPM_FULL : KGI_LPM_SPARSE) |
               (uint32_t)(at / 2);
    }

    /* The longer prefixes of one child are contiguous: the shorter prefixes
     * starting in that child sort before them, and those starting in later
     * children after them. */
    size_t refs = at + hdr;
    for (size_t k = i; k < j;) {
        if (p[k].len <= end) {
            k++;
            continue;
        }
        unsigned c = chunk_at(&p[k], pos);
        size_t g = k + 1;
        while (g < j && p[g].len > end && chunk_at(&p[g], pos) == c)
            g++;
        uint32_t child;
        if (build_node(b, k, g, end, slot[c], &child) < 0)
            return -1;
        /* b->pool may have moved: index, no pointer */
        b->pool[dense ? at + c : refs++] = child;
        k = g;
    }
    return 0;
}

#define HUGE_PAGE ((uintptr_t)2 << 20)

/* Copies dir and pool into one block. The 2 MiB-aligned pages inside it are
 * advised for transparent huge pages, and collapsed into them if the
 * allocator handed back memory already mapped with 4 KiB pages (it usually
 * does: the builder has just freed blocks of that size). A full-view IPv4
 * table then has 4 of its 6.85 MiB on two huge pages (measured in smaps);
 * dependent lookups got 7-13 % faster. No alignment slack is allocated for
 * this: the advice costs no memory, and failure only costs the speed-up. */
static int finish(struct kgi_lpm_trie *t, const uint32_t *dir,
                  const struct builder *b)
{
    size_t dir_words = (size_t)1 << t->dir_bits;
    size_t bytes = (dir_words + b->n_words) * sizeof(uint32_t);
    char *base = kgi_malloc(bytes);
    if (!base)
        return -1;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    uintptr_t lo = ((uintptr_t)base + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    uintptr_t hi = ((uintptr_t)base + bytes) & ~(HUGE_PAGE - 1);
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#endif
    memcpy(base, dir, dir_words * sizeof(uint32_t));
    if (b->n_words)
        memcpy(base + dir_words * sizeof(uint32_t), b->pool,
               b->n_words * sizeof(uint32_t));
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_COLLAPSE);
#endif
    t->block = base;
    t->bytes = bytes;
    t->dir = (const uint32_t *)(void *)base;
    t->pool = t->dir + dir_words;
    return 0;
}

int kgi_lpm_trie_build(struct kgi_lpm_trie *t, struct kgi_lpm_pfx *p, size_t n,
                       unsigned dir_bits)
{
    struct builder b = {.p = p};
    memset(t, 0, sizeof *t);
    t->dir_bits = dir_bits;
#if KGI_LPM_DISPATCH
    t->popcnt = !force_baseline && __builtin_cpu_supports("popcnt");
#endif
    uint32_t *dir = kgi_calloc((size_t)1 << dir_bits, sizeof *dir);
    if (!dir)
        goto fail;
    n = normalise(p, n);

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
        if (build_node(&b, k, g, dir_bits, dir[c], &dir[c]) < 0)
            goto fail;
        k = g;
    }
    if (finish(t, dir, &b) < 0)
        goto fail;
    kgi_free(dir);
    kgi_free(b.pool);
    return 0;

fail:
    kgi_free(dir);
    kgi_free(b.pool);
    memset(t, 0, sizeof *t);
    return -1;
}

void kgi_lpm_trie_release(struct kgi_lpm_trie *t)
{
    kgi_free(t->block);
    memset(t, 0, sizeof *t);
}
