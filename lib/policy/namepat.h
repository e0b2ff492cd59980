// SPDX-License-Identifier: MIT
/*
 * namepat.h - domain-name patterns of AdminNetworkPolicy /
 * ClusterNetworkPolicy `domainNames` peers, compiled into a trie over
 * reversed labels.
 *
 * Workload: a ruleset holds up to ~10^5 patterns, written once at compile
 * time; every egress check with a destination name (an SNI or CONNECT
 * proxy, or a name learnt from DNS answers) asks which patterns match it,
 * so a lookup walks the name's labels from the right, one hash probe per
 * label, and never allocates.
 *
 * Representation: trie node 0 is the root; an edge (parent node, label) is
 * one 32-byte slot of an open-addressing table (linear probing, load <=
 * 1/2) that also carries the child's pattern ids, so a probe that finds
 * the edge needs no second access. Labels of up to KGI_NP_INLINE bytes are
 * compared inside the slot, longer ones in a side pool.
 *
 *     "*.adyen.com", "api.stripe.com" ->
 *        root --com--> n1 --adyen--> n2 (wild)
 *                       \--stripe--> n3 --api--> n4 (exact)
 *
 * Semantics (network-policy-api DomainName): an exact pattern matches only
 * that name; `*.suffix` matches names ending in `.suffix` with one or more
 * whole labels before it, never `suffix` itself. Names and patterns
 * compare in ASCII lower case (RFC 4343) with one trailing dot ignored; a
 * name that is not a valid DNS name (empty label, label over 63 octets,
 * over 253 octets, bytes outside printable ASCII) matches nothing, so
 * U-labels never match (patterns must use xn-- A-labels).
 */
#ifndef KGI_POLICY_NAMEPAT_H
#define KGI_POLICY_NAMEPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KGI_NAME_MAX 253      /* text form, without the trailing dot */
#define KGI_NAME_LABEL_MAX 63 /* RFC 1035 section 2.3.4 */
#define KGI_NP_INLINE 11
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

struct kgi_np_slot {
    uint32_t hash;           /* of (parent, label); 0 with child 0: empty */
    uint32_t parent;         /* trie node */
    uint32_t child;          /* trie node, never 0 (the root) */
    uint32_t exact;          /* pattern id of the child as an exact name */
    uint32_t wild;           /* pattern id of `*.` + the child's name */
    uint8_t len;             /* label length */
    char inl[KGI_NP_INLINE]; /* label, or its pool offset when longer */
};

struct kgi_namepat {
    struct kgi_np_slot *slots;
    uint32_t mask; /* capacity - 1 */
    uint32_t n_edges;
    uint32_t n_patterns; /* ids are 0 .. n_patterns - 1 */
    char *pool;          /* labels longer than KGI_NP_INLINE */
    size_t pool_len, pool_cap;
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

#endif
