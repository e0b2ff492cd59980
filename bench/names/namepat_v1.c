// SPDX-License-Identifier: MIT
/*
 * namepat_v1.c - the domainNames pattern table as it was before the
 * cache-line layout of lib/policy/namepat.c (commit 80c310c), kept here
 * unchanged as the baseline bench_namepat measures the current table
 * against in the same run: 16-byte slots {tag, pool offset, exact id,
 * wildcard id} probed linearly, the body's text in a side pool (a second,
 * dependent miss to confirm a hit). Bench-only; the library never builds
 * it.
 */
#include "namepat_v1.h"

#include <string.h>

#include "kgress.h"
#include "util/alloc.h"

/* Room for a name rounded up to whole 8-byte words, and a word of zeros
 * after it. */
#define NORM_BUF (KGI_NAME_MAX + 1 + 24)
#define MAX_LABELS (KGI_NAME_MAX / 2 + 1)

/* Lower-cases and checks s[0..n) into buf (NORM_BUF bytes; see namepat.h),
 * recording the offset of each label's first byte in starts (a label and
 * its dot take two bytes at least, so MAX_LABELS entries). Returns the
 * length and sets *labels, or -1. Eight bytes per step ("SWAR", Warren,
 * Hacker's Delight ch. 6): once every byte is known to be below 0x80, the
 * per-byte additions below cannot carry into the next byte, so each mask
 * is exact for every byte. Little-endian byte order only matters to find
 * the dots; other machines take the byte loop. */
static int normalize(const char *s, size_t n, char *buf, uint8_t *starts,
                     size_t *labels)
{
    if (n && s[n - 1] == '.')
        n--;
    if (n == 0 || n > KGI_NAME_MAX)
        return -1;
    size_t k = 0, start = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&    \
    defined(__GNUC__)
    const uint64_t ones = 0x0101010101010101ull, high = ones * 0x80;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t w;
        if (n - i >= 8) {
            memcpy(&w, s + i, 8);
        } else if (n >= 8) { /* the last 8 bytes, shifted down */
            memcpy(&w, s + n - 8, 8);
            size_t keep = 8 * (n - i);
            w = (w >> (64 - keep)) | (ones * 'a' << keep);
        } else { /* padding: a valid letter, never a dot */
            w = ones * 'a';
            for (size_t j = 0; j < n; j++)
                w = (w & ~(0xffull << 8 * j)) | (uint64_t)(unsigned char)s[j]
                                                    << 8 * j;
        }
        uint64_t bad = (w & high) | (~(w + ones * 0x5f) & high) | /* < 0x21 */
                       ((w + ones * 0x01) & high);                /* 0x7f */
        if (bad)
            return -1;
        uint64_t upper = (w + ones * 0x3f) & ~(w + ones * 0x25) & high;
        w |= upper >> 2; /* 'A'..'Z' + 0x20 */
        memcpy(buf + i, &w, 8);
        uint64_t dots = ~((w ^ ones * '.') + ones * 0x7f) & high;
        while (dots) {
            size_t at = i + (size_t)__builtin_ctzll(dots) / 8;
            dots &= dots - 1;
            if (at == start || at - start > KGI_NAME_LABEL_MAX)
                return -1;
            starts[k++] = (uint8_t)start;
            start = at + 1;
        }
    }
#else
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch <= ' ' || ch >= 0x7f)
            return -1;
        if (ch == '.') {
            if (i == start || i - start > KGI_NAME_LABEL_MAX)
                return -1;
            starts[k++] = (uint8_t)start;
            start = i + 1;
        }
        buf[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    }
#endif
    if (n == start || n - start > KGI_NAME_LABEL_MAX)
        return -1;
    starts[k++] = (uint8_t)start;
    memset(buf + n, 0, 16); /* label_hash reads whole words */
    *labels = k;
    return (int)n;
}

/* The hash of a suffix is chained over its labels from the right; this is
 * the seed of the empty suffix. */
#define SUFFIX_SEED 0x243f6a8885a308d3ull

/* One label into the chain. Reads whole 8-byte words of buf (normalize
 * leaves zeros past the name), masking what lies past the label, so no
 * byte-wise tail loop runs. */
static inline uint64_t label_hash(uint64_t h, const char *l, size_t n)
{
    h ^= (uint64_t)n * 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t w;
        memcpy(&w, l + i, 8);
        if (n - i < 8) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
            w &= ~0ull << (64 - 8 * (n - i));
#else
            w &= ~0ull >> (64 - 8 * (n - i));
#endif
        }
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 29);
}

/* The hash of a normalized name of `labels` labels starting at starts[]. */
static uint64_t name_hash(const char *buf, size_t len, const uint8_t *starts,
                          size_t labels)
{
    uint64_t h = SUFFIX_SEED;
    size_t end = len;
    for (size_t i = labels; i-- > 0;) {
        h = label_hash(h, buf + starts[i], end - starts[i]);
        end = starts[i] ? starts[i] - 1u : 0;
    }
    return h;
}

static uint32_t hash_tag(uint64_t h)
{
    uint32_t tag = (uint32_t)(h >> 32);
    return tag ? tag : 1;
}

static uint64_t label_bit(size_t labels)
{
    return 1ull << (labels < 63 ? labels : 63);
}

/* The filter: one 64-bit word per 8 slots, 4 bits per body chosen by the
 * tag, the word by hash bits above the slot index's usual range. */
static size_t filter_word(const struct np1 *t, uint64_t h)
{
    return (size_t)(h >> 8) & (t->mask >> 3);
}

static uint64_t filter_bits(uint32_t tag)
{
    return 1ull << (tag & 63) | 1ull << (tag >> 6 & 63) |
           1ull << (tag >> 12 & 63) | 1ull << (tag >> 18 & 63);
}

static bool body_is(const struct np1 *t, const struct np1_slot *s,
                    const char *b, size_t n)
{
    const char *p = t->pool + s->body;
    return (unsigned char)p[0] == n && memcmp(p + 1, b, n) == 0;
}

void np1_init(struct np1 *t)
{
    memset(t, 0, sizeof(*t));
}

void np1_release(struct np1 *t)
{
    kgi_free(t->slots);
    kgi_free(t->filter);
    kgi_free(t->pool);
    kgi_free(t->texts);
    kgi_free(t->text_off);
    np1_init(t);
}

/* Rehashes into twice the capacity (64 slots first). The full hash is not
 * kept in a slot, so each body is hashed again from the pool. */
static int grow(struct np1 *t)
{
    uint32_t cap = t->slots ? (t->mask + 1) * 2 : 64;
    struct np1_slot *ns = kgi_calloc(cap, sizeof(*ns));
    uint64_t *nf = kgi_calloc(cap / 8, sizeof(*nf));
    if (!ns || !nf) {
        kgi_free(ns);
        kgi_free(nf);
        return KG_ENOMEM;
    }
    for (uint32_t i = 0; t->slots && i <= t->mask; i++) {
        const struct np1_slot *s = &t->slots[i];
        if (!s->tag)
            continue;
        const char *p = t->pool + s->body;
        char buf[NORM_BUF];
        uint8_t starts[MAX_LABELS];
        size_t labels;
        int len = normalize(p + 1, (unsigned char)p[0], buf, starts, &labels);
        uint64_t h = name_hash(buf, (size_t)len, starts, labels);
        uint32_t j = (uint32_t)h & (cap - 1);
        while (ns[j].tag)
            j = (j + 1) & (cap - 1);
        ns[j] = *s;
        nf[(size_t)(h >> 8) & (cap / 8 - 1)] |= filter_bits(s->tag);
    }
    kgi_free(t->slots);
    kgi_free(t->filter);
    t->slots = ns;
    t->filter = nf;
    t->mask = cap - 1;
    return 0;
}

int np1_add(struct np1 *t, const char *pat, size_t n, uint32_t *id)
{
    bool wild = n >= 2 && pat[0] == '*' && pat[1] == '.';
    char buf[NORM_BUF];
    uint8_t starts[MAX_LABELS];
    size_t labels;
    int len = wild ? normalize(pat + 2, n - 2, buf, starts, &labels)
                   : normalize(pat, n, buf, starts, &labels);
    if (len < 0)
        return KG_EINVALID;
    if ((!t->slots || (t->n_bodies + 1) * 2 > t->mask + 1) && grow(t))
        return KG_ENOMEM;
    uint64_t h = name_hash(buf, (size_t)len, starts, labels);
    uint32_t tag = hash_tag(h), i = (uint32_t)h & t->mask;
    struct np1_slot *s;
    for (;; i = (i + 1) & t->mask) {
        s = &t->slots[i];
        if (!s->tag)
            break;
        if (s->tag == tag && body_is(t, s, buf, (size_t)len))
            break;
    }
    if (!s->tag) {
        if (t->pool_len + 1 + (size_t)len > UINT32_MAX ||
            kgi_grow((void **)&t->pool, &t->pool_cap,
                     t->pool_len + 1 + (size_t)len, 1))
            return KG_ENOMEM;
        s->tag = tag;
        s->body = (uint32_t)t->pool_len;
        s->exact = s->wild = KGI_NP_NONE;
        t->pool[t->pool_len] = (char)len;
        memcpy(t->pool + t->pool_len + 1, buf, (size_t)len);
        t->pool_len += 1 + (size_t)len;
        t->n_bodies++;
        t->filter[filter_word(t, h)] |= filter_bits(tag);
    }
    uint32_t *slot = wild ? &s->wild : &s->exact;
    if (*slot == KGI_NP_NONE) {
        /* the pattern's text, normalized, for verdicts and dumps */
        size_t need = t->texts_len + (wild ? 2 : 0) + (size_t)len + 1;
        if (need > UINT32_MAX ||
            kgi_grow((void **)&t->texts, &t->texts_cap, need, 1) ||
            kgi_grow((void **)&t->text_off, &t->text_off_cap,
                     (size_t)t->n_patterns + 1, sizeof(*t->text_off)))
            return KG_ENOMEM;
        t->text_off[t->n_patterns] = (uint32_t)t->texts_len;
        if (wild)
            memcpy(t->texts + t->texts_len, "*.", 2);
        memcpy(t->texts + t->texts_len + (wild ? 2 : 0), buf, (size_t)len);
        t->texts[need - 1] = 0;
        t->texts_len = need;
        *slot = t->n_patterns++;
    }
    *(wild ? &t->wild_labels : &t->exact_labels) |= label_bit(labels);
    *id = *slot;
    return 0;
}

size_t np1_match(const struct np1 *t, const char *name, size_t n, uint32_t *ids,
                 size_t cap)
{
    if (!t->n_bodies)
        return 0;
    char buf[NORM_BUF];
    uint8_t starts[MAX_LABELS];
    size_t labels;
    int len = normalize(name, n, buf, starts, &labels);
    if (len < 0)
        return 0;
    /* every suffix some body may equal, shortest first; the probes are
     * independent, so their slots are fetched together */
    struct {
        uint32_t slot, tag;
        uint8_t start;
    } probe[MAX_LABELS];
    size_t np = 0, end = (size_t)len;
    uint64_t h = SUFFIX_SEED;
    for (size_t c = 1; c <= labels; c++) {
        size_t start = starts[labels - c];
        h = label_hash(h, buf + start, end - start);
        end = start ? start - 1 : 0;
        uint64_t want = c < labels ? t->wild_labels : t->exact_labels;
        if (!(want & label_bit(c)))
            continue;
        uint32_t tag = hash_tag(h);
        uint64_t bits = filter_bits(tag);
        if ((t->filter[filter_word(t, h)] & bits) != bits)
            continue;
        probe[np].slot = (uint32_t)h & t->mask;
        probe[np].tag = tag;
        probe[np].start = (uint8_t)start;
#if defined(__GNUC__)
        __builtin_prefetch(&t->slots[probe[np].slot]);
#endif
        np++;
    }
    size_t k = 0;
    for (size_t p = 0; p < np; p++) {
        size_t start = probe[p].start;
        for (uint32_t i = probe[p].slot;; i = (i + 1) & t->mask) {
            const struct np1_slot *s = &t->slots[i];
            if (!s->tag)
                break;
            if (s->tag != probe[p].tag ||
                !body_is(t, s, buf + start, (size_t)len - start))
                continue;
            uint32_t id = start ? s->wild : s->exact;
            if (id != KGI_NP_NONE) {
                if (k < cap)
                    ids[k] = id;
                k++;
            }
            break;
        }
    }
    return k;
}

size_t np1_bytes(const struct np1 *t)
{
    size_t cap = t->slots ? (size_t)t->mask + 1 : 0;
    return cap * sizeof(*t->slots) + cap / 8 * sizeof(*t->filter) +
           t->pool_cap + t->texts_cap + t->text_off_cap * sizeof(*t->text_off);
}
