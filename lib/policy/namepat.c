// SPDX-License-Identifier: MIT
/*
 * namepat.c - domain-name pattern syntax, name normalization and the
 * pattern table of suffix hashes. See
 * namepat.h for the representation and the matching rules.
 */
#include "policy/namepat.h"

#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "kgress.h"
#include "util/alloc.h"
#include "util/hash.h"

static bool alnum(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9');
}

/* First character of a label: [a-zA-Z0-9], or [a-zA-z0-9] in v1alpha. */
static bool first_ok(unsigned char ch, int dialect)
{
    return alnum(ch) || (dialect == KGI_DN_V1ALPHA && ch >= 'Z' && ch <= 'z');
}

const char *kgi_domain_pattern_check(const char *s, size_t n, int dialect)
{
    static const char msg[] =
        "must be a domain name of at least two labels, optionally "
        "prefixed by '*.' and followed by one '.' (each label starts and "
        "ends with a letter or digit and holds letters, digits, '-' or "
        "'_'), e.g. 'api.example.com' or '*.example.com'";
    size_t i = 0;
    if (n >= 2 && s[0] == '*' && s[1] == '.')
        i = 2;
    if (n > i && s[n - 1] == '.')
        n--;
    size_t labels = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '.')
            j++;
        if (j == i || !first_ok((unsigned char)s[i], dialect) ||
            (j - i > 1 && !alnum((unsigned char)s[j - 1])))
            return msg;
        for (size_t k = i + 1; k + 1 < j; k++) {
            unsigned char ch = (unsigned char)s[k];
            if (!alnum(ch) && ch != '-' && ch != '_')
                return msg;
        }
        labels++;
        i = j + 1;
        if (j + 1 == n) /* a second trailing dot: empty label */
            return msg;
    }
    return labels >= 2 ? NULL : msg;
}

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
    memset(buf + n, 0, 24); /* label_hash and entry_is read whole words */
    *labels = k;
    return (int)n;
}

int kgi_name_normalize(const char *s, size_t n, char *buf)
{
    char tmp[NORM_BUF];
    uint8_t starts[MAX_LABELS];
    size_t labels;
    int len = normalize(s, n, tmp, starts, &labels);
    if (len >= 0)
        memcpy(buf, tmp, (size_t)len + 1);
    return len;
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

/* The filter: one 64-bit word per 8 entries, 4 bits per body chosen by the
 * tag, the word by hash bits above the slot index's usual range. */
static size_t filter_word(const struct kgi_namepat *t, uint64_t h)
{
    return (size_t)(h >> 8) & (t->mask >> 3);
}

static uint64_t filter_bits(uint32_t tag)
{
    return 1ull << (tag & 63) | 1ull << (tag >> 6 & 63) |
           1ull << (tag >> 12 & 63) | 1ull << (tag >> 18 & 63);
}

_Static_assert(sizeof(struct kgi_np_entry) == 32, "two entries per line");

/* Bodies of up to INLINE bytes live whole in their entry, zero-padded;
 * a longer one keeps its first LONG_KEEP bytes there and the pool offset
 * of the rest in the last 4 bytes of text. */
#define INLINE ((int)sizeof(((struct kgi_np_entry *)0)->text))
#define LONG_KEEP (INLINE - 4)

/* Is entry e body b[0..n)? b is followed by at least INLINE zero bytes
 * (normalize pads the name), so a short body compares as one fixed-size
 * block, without a loop or a second memory access. */
static bool entry_is(const struct kgi_namepat *t, const struct kgi_np_entry *e,
                     const char *b, size_t n)
{
    if (e->len != n)
        return false;
    if (n <= (size_t)INLINE)
        return memcmp(e->text, b, (size_t)INLINE) == 0;
    uint32_t off;
    memcpy(&off, e->text + LONG_KEEP, 4);
    return memcmp(e->text, b, (size_t)LONG_KEEP) == 0 &&
           memcmp(t->pool + off, b + LONG_KEEP, n - (size_t)LONG_KEEP) == 0;
}

/* The body of e, whole, into out (NORM_BUF bytes); its length. */
static size_t entry_body(const struct kgi_namepat *t,
                         const struct kgi_np_entry *e, char *out)
{
    if (e->len <= INLINE) {
        memcpy(out, e->text, e->len);
    } else {
        uint32_t off;
        memcpy(&off, e->text + LONG_KEEP, 4);
        memcpy(out, e->text, (size_t)LONG_KEEP);
        memcpy(out + LONG_KEEP, t->pool + off, (size_t)e->len - LONG_KEEP);
    }
    return e->len;
}

void kgi_namepat_init(struct kgi_namepat *t)
{
    memset(t, 0, sizeof(*t));
}

void kgi_namepat_release(struct kgi_namepat *t)
{
    kgi_free(t->block);
    kgi_free(t->filter);
    kgi_free(t->pool);
    kgi_free(t->texts);
    kgi_free(t->text_off);
    kgi_namepat_init(t);
}

/* The first entry of the probe sequence of hash h: the start of its
 * 64-byte line (two entries), so the line prefetched holds two
 * candidates. */
static uint32_t home(const struct kgi_namepat *t, uint64_t h)
{
    return (uint32_t)h & t->mask & ~1u;
}

/* Rehashes into twice the capacity (64 entries first), 64-byte aligned;
 * tables of 2 MiB and more ask for transparent huge pages (one TLB entry
 * instead of 512). The full hash is not kept in an entry, so each body is
 * hashed again. */
static int grow(struct kgi_namepat *t)
{
    uint32_t cap = t->entries ? (t->mask + 1) * 2 : 64;
    size_t bytes = (size_t)cap * sizeof(struct kgi_np_entry);
    void *block = kgi_malloc(bytes + 63);
    uint64_t *nf = kgi_calloc(cap / 8, sizeof(*nf));
    if (!block || !nf) {
        kgi_free(block);
        kgi_free(nf);
        return KG_ENOMEM;
    }
    struct kgi_np_entry *ne =
        (struct kgi_np_entry *)(((uintptr_t)block + 63) & ~(uintptr_t)63);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes >= (2u << 20)) {
        uintptr_t lo =
            ((uintptr_t)ne + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1);
        uintptr_t hi = ((uintptr_t)ne + bytes) & ~(uintptr_t)((2u << 20) - 1);
        if (hi > lo)
            (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    }
#endif
    memset(ne, 0, bytes);
    struct kgi_namepat nt = *t;
    nt.entries = ne;
    nt.mask = cap - 1;
    for (uint32_t i = 0; t->entries && i <= t->mask; i++) {
        const struct kgi_np_entry *e = &t->entries[i];
        if (!e->tag)
            continue;
        char body[NORM_BUF], buf[NORM_BUF];
        uint8_t starts[MAX_LABELS];
        size_t labels;
        size_t blen = entry_body(t, e, body);
        int len = normalize(body, blen, buf, starts, &labels);
        uint64_t h = name_hash(buf, (size_t)len, starts, labels);
        uint32_t j = home(&nt, h);
        while (ne[j].tag)
            j = (j + 1) & (cap - 1);
        ne[j] = *e;
        nf[(size_t)(h >> 8) & (cap / 8 - 1)] |= filter_bits(e->tag);
    }
    kgi_free(t->block);
    kgi_free(t->filter);
    t->block = block;
    t->entries = ne;
    t->filter = nf;
    t->mask = cap - 1;
    return 0;
}

int kgi_namepat_add(struct kgi_namepat *t, const char *pat, size_t n,
                    uint32_t *id)
{
    bool wild = n >= 2 && pat[0] == '*' && pat[1] == '.';
    char buf[NORM_BUF];
    uint8_t starts[MAX_LABELS];
    size_t labels;
    int len = wild ? normalize(pat + 2, n - 2, buf, starts, &labels)
                   : normalize(pat, n, buf, starts, &labels);
    if (len < 0)
        return KG_EINVALID;
    if ((!t->entries || (t->n_bodies + 1) * 2 > t->mask + 1) && grow(t))
        return KG_ENOMEM;
    uint64_t h = name_hash(buf, (size_t)len, starts, labels);
    uint32_t tag = hash_tag(h), i = home(t, h);
    struct kgi_np_entry *e;
    for (;; i = (i + 1) & t->mask) {
        e = &t->entries[i];
        if (!e->tag)
            break;
        if (e->tag == tag && entry_is(t, e, buf, (size_t)len))
            break;
    }
    if (!e->tag) {
        memset(e->text, 0, sizeof(e->text));
        if (len > INLINE) {
            size_t rest = (size_t)len - LONG_KEEP;
            if (t->pool_len + rest > UINT32_MAX ||
                kgi_grow((void **)&t->pool, &t->pool_cap, t->pool_len + rest,
                         1))
                return KG_ENOMEM;
            uint32_t off = (uint32_t)t->pool_len;
            memcpy(t->pool + off, buf + LONG_KEEP, rest);
            t->pool_len += rest;
            memcpy(e->text, buf, (size_t)LONG_KEEP);
            memcpy(e->text + LONG_KEEP, &off, 4);
        } else {
            memcpy(e->text, buf, (size_t)len);
        }
        e->tag = tag;
        e->len = (uint8_t)len;
        e->exact = e->wild = KGI_NP_NONE;
        t->n_bodies++;
        t->filter[filter_word(t, h)] |= filter_bits(tag);
    }
    uint32_t *slot = wild ? &e->wild : &e->exact;
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

size_t kgi_namepat_match(const struct kgi_namepat *t, const char *name,
                         size_t n, uint32_t *ids, size_t cap)
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
     * independent, so their lines are fetched together */
    struct {
        uint32_t entry, tag;
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
        probe[np].entry = home(t, h);
        probe[np].tag = tag;
        probe[np].start = (uint8_t)start;
#if defined(__GNUC__)
        __builtin_prefetch(&t->entries[probe[np].entry]);
#endif
        np++;
    }
    size_t k = 0;
    for (size_t p = 0; p < np; p++) {
        size_t start = probe[p].start;
        for (uint32_t i = probe[p].entry;; i = (i + 1) & t->mask) {
            const struct kgi_np_entry *e = &t->entries[i];
            if (!e->tag)
                break;
            if (e->tag != probe[p].tag ||
                !entry_is(t, e, buf + start, (size_t)len - start))
                continue;
            uint32_t id = start ? e->wild : e->exact;
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

const char *kgi_namepat_text(const struct kgi_namepat *t, uint32_t id)
{
    return id < t->n_patterns ? t->texts + t->text_off[id] : NULL;
}

size_t kgi_namepat_bytes(const struct kgi_namepat *t)
{
    size_t cap = t->entries ? (size_t)t->mask + 1 : 0;
    return cap * sizeof(*t->entries) + cap / 8 * sizeof(*t->filter) +
           t->pool_cap + t->texts_cap + t->text_off_cap * sizeof(*t->text_off);
}
