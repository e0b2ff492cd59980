// SPDX-License-Identifier: MIT
/*
 * namepat.h - domain-name patterns of AdminNetworkPolicy /
 * ClusterNetworkPolicy `domainNames` peers: one hash table of pattern
 * bodies, probed once per candidate suffix of a name.
 *
 * Workload: a ruleset holds up to ~10^5 patterns, written once at compile
 * time; every egress check with a destination name (an SNI or CONNECT
 * proxy, or a name learnt from DNS answers) asks which patterns match it.
 * At 10^5 patterns the table is megabytes, so the cost of a lookup is its
 * cache misses, not its instructions: the lookup is built to take as few
 * dependent misses as possible and never allocates.
 *
 * Representation: a pattern is its body (the name, or what follows `*.`),
 * normalized (below). Every distinct body is one 32-byte entry of an
 * open-addressing table (linear probing from the start of a 64-byte line,
 * load <= 1/2) carrying the id of the exact pattern and of the `*.`
 * pattern with that body, and the body's text itself when it has at most
 * 19 bytes (most names; a longer one keeps 15 bytes there and the rest in
 * a side pool). So the line a probe fetches confirms a hit on its own:
 * one memory access per probe, where the previous layout (16-byte slots,
 * every body in the pool; bench/names/namepat_v1.c) needed a second,
 * dependent one into the pool for every hit. A body's hash is chained
 * over its labels from the right, so one right-to-left pass over a name
 * yields the hash of every suffix that ends at a label boundary:
 *
 *     "x.cdn.adyen.com":  h1 = H("com")  h2 = H("adyen", h1)
 *                         h3 = H("cdn", h2)  h4 = H("x", h3)
 *     probe h2, h3 for `*.` patterns, h4 for the exact one
 *
 * Two bit masks of the label counts that bodies have (exact and `*.`
 * separately) skip suffixes that no body can equal (usually the TLD and
 * anything longer than every pattern), and the remaining probes are
 * independent, so they are issued (prefetched) together and their misses
 * overlap: a lookup costs about one miss to memory. A trie over labels,
 * the first form of this table, needs one dependent miss per label
 * instead. Absent suffixes are mostly dropped before any probe by a Bloom
 * filter (4 bits per body in a word picked by the hash; one word per 8
 * entries, so ~20 bits per body at load 3/8, about 1% false positives),
 * small enough to stay in cache. Tables of 2 MiB and more ask for
 * transparent huge pages, so the probes do not also miss the TLB.
 *
 * Semantics (network-policy-api DomainName): an exact pattern matches only
 * that name; `*.suffix` matches names ending in `.suffix` with one or more
 * whole labels before it, never `suffix` itself. Names and patterns
 * compare in ASCII lower case (RFC 4343) with one trailing dot ignored; a
 * name that is not a valid DNS name (empty label, label over 63 octets,
 * over 253 octets, bytes outside printable ASCII) matches nothing.
 * Internationalized names: no IDNA conversion is done. Patterns are ASCII
 * by the API's pattern, so an IDN must be written as its xn-- A-label
 * (RFC 5891) and matches the A-label form of a name, compared like any
 * ASCII label (case-insensitively, no Punycode decoding or validation); a
 * name carrying U-labels (UTF-8 bytes) never matches.
 */
#ifndef KGI_POLICY_NAMEPAT_H
#define KGI_POLICY_NAMEPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KGI_NAME_MAX 253      /* text form, without the trailing dot */
#define KGI_NAME_LABEL_MAX 63 /* RFC 1035 section 2.3.4 */
#define KGI_NP_NONE UINT32_MAX

/* Pattern dialects: v1beta1 checks the DomainName pattern as written;
 * v1alpha1 and v1alpha2 carry the `A-z` typo of their CRD pattern, which
 * also admits [ \ ] ^ _ ` as the first character of a label. */
enum kgi_dn_dialect { KGI_DN_V1BETA1 = 0, KGI_DN_V1ALPHA = 1 };

/* NULL when s[0..n) matches the DomainName pattern of dialect, else a
 * static message saying what is allowed. */
const char *kgi_domain_pattern_check(const char *s, size_t n, int dialect);

/* Lower-cases s[0..n) into buf (KGI_NAME_MAX + 1 bytes), dropping one
 * trailing dot; returns the length, or -1 when s is not a valid DNS name
 * (see the file comment). */
int kgi_name_normalize(const char *s, size_t n, char *buf);

/* One distinct body: 32 bytes, two to a 64-byte line. */
struct kgi_np_entry {
    uint32_t tag;   /* high hash bits, never 0; 0: empty entry */
    uint32_t exact; /* id of the exact pattern with this body, or NONE */
    uint32_t wild;  /* id of `*.` + body, or NONE */
    uint8_t len;    /* the body's length */
    /* the body, zero-padded, when len <= 19; else its first 15 bytes and
     * the pool offset (4 bytes, native order) of the rest */
    char text[19];
};

struct kgi_namepat {
    struct kgi_np_entry *entries; /* 64-byte aligned, inside block */
    void *block;
    uint32_t mask; /* capacity (entries) - 1 */
    uint32_t n_bodies;
    uint32_t n_patterns; /* ids are 0 .. n_patterns - 1 */
    /* bit min(labels, 63) set: some exact / `*.` body has that many labels */
    uint64_t exact_labels, wild_labels;
    /* Bloom filter of the bodies' hashes: (mask + 1) / 8 words */
    uint64_t *filter;
    char *pool; /* the tails of bodies longer than 19 bytes */
    size_t pool_len, pool_cap;
    /* pattern id -> its normalized text ("*.adyen.com"), NUL-terminated */
    uint32_t *text_off;
    size_t text_off_cap;
    char *texts;
    size_t texts_len, texts_cap;
};

void kgi_namepat_init(struct kgi_namepat *t);
void kgi_namepat_release(struct kgi_namepat *t);

/* Adds a pattern (exact or `*.` + name, normalized as above). *id is its
 * pattern id: a new one, or the existing id of an equal pattern. Returns
 * 0, KG_EINVALID for a pattern that can never match (not a valid name
 * after the `*.`), KG_ENOMEM (table unchanged but possibly grown). */
int kgi_namepat_add(struct kgi_namepat *t, const char *pat, size_t n,
                    uint32_t *id);

/* The ids of every pattern matching name[0..n), wildcards from the
 * shortest suffix, the exact pattern last; stores at most cap of them and
 * returns how many match. Allocation-free, read-only: any number of
 * threads may match against a table nobody modifies. */
size_t kgi_namepat_match(const struct kgi_namepat *t, const char *name,
                         size_t n, uint32_t *ids, size_t cap);

/* The normalized text of pattern id ("api.stripe.com", "*.adyen.com":
 * lower case, no trailing dot), NUL-terminated, owned by the table; NULL
 * for an unknown id. */
const char *kgi_namepat_text(const struct kgi_namepat *t, uint32_t id);

/* Bytes the table holds (slots, filter, pools, texts), for dumps. */
size_t kgi_namepat_bytes(const struct kgi_namepat *t);

#endif
