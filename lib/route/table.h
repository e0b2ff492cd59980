// SPDX-License-Identifier: MIT
/*
 * routes.h - the compiled Ingress routing tables (struct kgi_routes): what
 * route/ingress_compile.c builds and route/lookup.c reads.
 *
 * Workload: built once per ruleset (10k Ingresses, 100k paths in well
 * under a second), then read by any number of threads per HTTP request
 * with no allocation and no lock. Everything lives in one arena and is
 * immutable once built; only the PCRE2 patterns are separate heap objects,
 * listed here so they are freed with the tables.
 *
 *   request host ──norm──▶ exact table ──hit──▶ host group
 *                               │miss
 *                               ▼
 *                   wildcard table (key: host minus its first label)
 *                               │miss
 *                               ▼
 *                   host-less group, if any rule has no host
 *                               │none
 *                               ▼
 *                   global default backend (Ingresses without rules)
 *
 * Host selection is exclusive (DESIGN "No fall-through"): once a group is
 * chosen, a path miss answers with the group's fallback (the defaultBackend
 * of the Ingresses defining that host), else the global default, else no
 * match -- never with a less specific group.
 *
 * A host group holds either a path trie (portable dialect, and ingress-
 * nginx hosts without regex) or an ordered list of regexes (ingress-nginx
 * hosts with use-regex/rewrite-target).
 *
 * Path trie: a tree over the '/'-separated pieces of a path after its
 * leading '/': "/" is [""], "/foo" is ["foo"], "/foo/" is ["foo", ""],
 * "/a//b" is ["a", "", "b"]. The root stands for no piece at all.
 *
 *     root ─ "" ─(Exact "/")
 *       │ prefix: Prefix "/"
 *       ├─ "aaa" ─ prefix: Prefix "/aaa"
 *       │    └─ "bbb" ─ exact: Exact "/aaa/bbb", prefix: Prefix "/aaa/bbb/"
 *       │         └─ "" ─ exact: Exact "/aaa/bbb/"
 *       └─ "foo" ─ ...
 *
 * An Exact path sits at the node of all its pieces. A Prefix path sits at
 * the node of its pieces without a trailing empty piece (its trailing slash
 * is ignored: "/foo" and "/foo/" both sit at "foo", and "/" at the root),
 * so a request matches it exactly when the request's pieces start with the
 * node's: element-wise matching (ingress-semantics rules 24-26) falls out
 * of the walk. Each node keeps ONE exact and ONE prefix target, chosen at
 * compile time (rule 31: "/foo/" beats "/foo"; then conflict order), so a
 * lookup walks down once, remembers the deepest prefix target, and at the
 * end of the request takes the exact target if the last node has one (rule
 * 30/32: Exact wins; any deeper Prefix is longer). O(pieces * log fanout).
 *
 * Character-prefix ImplementationSpecific paths (ingress-nginx dialect
 * only) sit at the node of their complete pieces with the incomplete last
 * piece as a `partial`: "/foo/ba" is partial "ba" at "foo". During the walk
 * at node N with next request piece s, the longest partial that s starts
 * with is a candidate; it is always longer than N's prefix location and
 * shorter than any child's, so "later in the walk wins" still holds
 * (nginx: the longest matching prefix location wins, `=` exact first).
 */
#ifndef KGI_COMPILE_ROUTES_H
#define KGI_COMPILE_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "k8s/engine.h"
#include "route/regex.h"
#include "util/arena.h"
#include "util/hash.h"

struct kgi_gw_tables;

/* A byte string in the routes arena, NUL-terminated there. */
struct kgi_bstr {
    const char *p;
    uint32_t n;
};

/* One answer: a backend, the Ingress it comes from and the rule path. */
struct kgi_rtarget {
    struct kgi_bstr ns, ingress;
    struct kgi_bstr service, port_name; /* service backend */
    int32_t port;                       /* 0 when named or resource */
    struct kgi_bstr res_group, res_kind, res_name; /* resource backend */
    struct kgi_bstr path; /* rule path as written; {"",0} for defaults */
    uint8_t path_type;    /* KG_PATH_* (0 for defaults) */
    bool is_default;
    bool is_resource;
    int32_t rule; /* index in the Ingress's spec.rules; -1 for defaults */
};

/* Partials of a node are sorted by length (longest first), then bytes;
 * the first of each run of equal length holds the run's size, so the walk
 * binary-searches each length once: O(distinct lengths * log n) per piece,
 * whatever the number of partials. */
struct kgi_partial {
    struct kgi_bstr s;
    const struct kgi_rtarget *t;
    uint32_t run; /* first of a run of equal length: its size; else 0 */
};

/* 64 bytes. A node's label is one piece, or several joined by '/' when
 * the trie is path-compressed: a node without targets and with a single
 * child is merged with that child (a sparse host with deep API paths is
 * then one or two levels deep, so one or two cache misses). Children are
 * found by their FIRST piece: `pfx` holds its first 8 bytes (big-endian,
 * zero padded) and `first_n` its length, so the binary search over a child
 * array compares inside the array and touches the label's bytes only when
 * the piece is longer than 8 and agrees on the first 8; the rest of a
 * multi-piece label is then compared with the request once. */
struct kgi_pnode {
    uint64_t pfx;
    const char *seg; /* the label */
    uint32_t seg_n;
    uint32_t first_n;
    uint32_t n_child;
    uint32_t n_partial;
    const struct kgi_pnode *child; /* sorted by first piece: (length, bytes) */
    /* The answers of the node: struct kgi_rtarget in the Ingress tables,
     * struct kgi_gw_clist (an ordered candidate list) in the Gateway ones */
    const void *exact;
    const void *prefix;
    const struct kgi_partial *partial; /* longest first */
};
/* one node per 64-byte cache line on 64-bit targets, as said above */
_Static_assert(sizeof(void *) != 8 || sizeof(struct kgi_pnode) == 64,
               "struct kgi_pnode is 64 bytes on 64-bit targets");

struct kgi_rx {
    struct kgi_regex *re;
    const struct kgi_rtarget *t;
};

enum kgi_hmatch {
    KGI_HOST_EXACT = 0,
    KGI_HOST_WILDCARD = 1,
    KGI_HOST_ANY = 2, /* the host-less group */
};

struct kgi_hgroup {
    struct kgi_bstr host; /* as written: "a.b", "*.b", or "" */
    uint8_t match;        /* enum kgi_hmatch */
    bool regex;           /* ingress-nginx regex host: rx[] is used */
    uint32_t n_rx;
    uint32_t n_paths;        /* rule paths compiled into this group */
    struct kgi_pnode root;   /* the trie (inline: one cache miss less) */
    const struct kgi_rx *rx; /* in the controller's order */
    const struct kgi_rtarget *fallback; /* defaultBackend for this host */
    /* a miss answers fallback (NULL: no match), never the global default
     * (ingress-nginx: the server's root location) */
    bool own_default;
};

struct kgi_tls_entry {
    struct kgi_bstr host; /* as written; "" for a tls entry without hosts */
    struct kgi_bstr ns, secret, ingress; /* secret {"",0}: SNI only */
};

/* Open-addressing hash table (linear probing, load <= 1/2). A slot is one
 * 64-byte line; keys of up to KGI_HSLOT_INLINE bytes (nearly every host
 * name) are compared inside it, so a hit costs one miss for the slot and
 * one for the value. */
#define KGI_HSLOT_INLINE 36
struct kgi_hslot {
    uint64_t hash;
    const void *val; /* NULL: empty slot */
    const char *key; /* the key, for keys longer than the inline copy */
    uint32_t len;
    char inl[KGI_HSLOT_INLINE];
};

struct kgi_htab {
    uint64_t mask; /* capacity - 1; 0 with slots NULL when empty */
    const struct kgi_hslot *slots;
};

struct kgi_routes {
    struct kgi_arena arena;
    int dialect;
    uint32_t normalize;           /* KGI_NORM_* flags for request paths */
    struct kgi_htab exact, wild;  /* -> struct kgi_hgroup */
    const struct kgi_hgroup *any; /* host-less group or NULL */
    const struct kgi_rtarget *global_default;
    struct kgi_htab tls_exact, tls_wild; /* -> struct kgi_tls_entry */
    const struct kgi_tls_entry *tls_default;
    /* for dumps: every group and tls entry, sorted by host */
    const struct kgi_hgroup *const *groups;
    size_t n_groups;
    const struct kgi_tls_entry *tls;
    size_t n_tls;
    size_t n_ingresses; /* served */
    /* the Gateway API tables (route/gateway_table.h), NULL without any
     * Gateway API object */
    struct kgi_gw_tables *gw;
    /* heap objects owned by the tables */
    struct kgi_regex **regexes;
    size_t n_regexes;
};

/* The hash of table keys (normalized hosts): util/hash.h's, unseeded. A host is
 * hashed on every request, and a byte-serial hash (FNV) costs a multiply
 * latency per byte. Keys come from trusted rule hosts, and a request can
 * only probe, never insert, so no keyed hash is needed against flooding;
 * load <= 1/2 bounds the probe runs. */
static inline uint64_t kgi_routes_hash(const char *s, size_t n)
{
    return kgi_hash_bytes(s, n, 0);
}

/* a[0..n) == b[0..n): for n <= 16 (nearly every host and piece) two
 * overlapping word loads per side instead of a call to memcmp. */
static inline bool kgi_bytes_eq(const char *a, const char *b, size_t n)
{
    if (n >= 8 && n <= 16) {
        uint64_t x0, x1, y0, y1;
        memcpy(&x0, a, 8);
        memcpy(&y0, b, 8);
        memcpy(&x1, a + n - 8, 8);
        memcpy(&y1, b + n - 8, 8);
        return ((x0 ^ y0) | (x1 ^ y1)) == 0;
    }
    if (n < 8) {
        for (size_t i = 0; i < n; i++)
            if (a[i] != b[i])
                return false;
        return true;
    }
    return memcmp(a, b, n) == 0;
}

/* The value stored under key in t, or NULL. */
static inline const void *kgi_htab_get(const struct kgi_htab *t,
                                       const char *key, size_t n, uint64_t h)
{
    if (!t->slots)
        return NULL;
    for (uint64_t i = h & t->mask;; i = (i + 1) & t->mask) {
        const struct kgi_hslot *s = &t->slots[i];
        if (!s->val)
            return NULL;
        if (s->hash == h && s->len == n &&
            kgi_bytes_eq(n <= KGI_HSLOT_INLINE ? s->inl : s->key, key, n))
            return s->val;
    }
}

/* First 8 bytes of s[0..n), big-endian and zero padded: comparing two of
 * these as integers is memcmp over those bytes. */
static inline uint64_t kgi_seg_pfx(const char *s, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++)
        v = v << 8 | (i < n ? (unsigned char)s[i] : 0u);
    return v;
}

/* Whether words load little-endian, known at compile time. */
static inline bool kgi_little_endian(void)
{
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__)
    return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
#else
    return false;
#endif
}

/* kgi_seg_pfx of the piece p[i..i+sn) of p[0..n): one word load and a
 * byte swap when 8 bytes from p[i] lie inside p[0..n), which the walk's
 * pieces nearly always have (the rest of the path follows them). */
static inline uint64_t kgi_seg_pfx_in(const char *p, size_t n, size_t i,
                                      size_t sn)
{
#if defined(__GNUC__) || defined(__clang__)
    if (kgi_little_endian() && n - i >= 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        w = __builtin_bswap64(w);
        if (sn >= 8)
            return w;
        return sn ? w & ~(~0ull >> (8 * sn)) : 0;
    }
#endif
    return kgi_seg_pfx(p + i, sn);
}

/* Segment order of trie children: by length, then bytes. */
static inline int kgi_seg_cmp(const char *a, size_t an, const char *b,
                              size_t bn)
{
    if (an != bn)
        return an < bn ? -1 : 1;
    return an ? memcmp(a, b, an) : 0;
}

/* The child of n (a node of either engine's trie) whose first piece is
 * s[0..len) (pfx: kgi_seg_pfx of it), or NULL: a binary search by (length,
 * prefix, rest). */
static inline const struct kgi_pnode *kgi_pnode_child(const struct kgi_pnode *n,
                                                      const char *s, size_t len,
                                                      uint64_t pfx)
{
    uint32_t lo = 0, hi = n->n_child;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const struct kgi_pnode *c = &n->child[mid];
        int r;
        if (c->first_n != len)
            r = c->first_n < len ? -1 : 1;
        else if (c->pfx != pfx)
            r = c->pfx < pfx ? -1 : 1;
        else
            r = len <= 8 || kgi_bytes_eq(c->seg + 8, s + 8, len - 8)
                    ? 0
                    : memcmp(c->seg + 8, s + 8, len - 8);
        if (r == 0)
            return c;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* One step down a trie walk: the child of node for the request piece
 * p[i..j) (p[0..n) a normalized path, p[j] the '/' after the piece or
 * j == n), and, when the child's label is compressed, the check that the
 * request goes on with all of its pieces. Returns the child and sets *end
 * to the end of what it covers, or NULL: the walk stops (the merged
 * nodes of a compressed label have no answers, so stopping inside one
 * answers what was found above it). */
static inline const struct kgi_pnode *
kgi_pnode_step(const struct kgi_pnode *node, const char *p, size_t n, size_t i,
               size_t j, size_t *end)
{
    const char *seg = p + i;
    size_t sn = j - i;
    const struct kgi_pnode *c =
        node->n_child
            ? kgi_pnode_child(node, seg, sn, kgi_seg_pfx_in(p, n, i, sn))
            : NULL;
    if (c && c->seg_n != sn) {
        j = i + c->seg_n;
        if (j > n || (j < n && p[j] != '/') ||
            !kgi_bytes_eq(p + i + sn, c->seg + sn, c->seg_n - sn))
            return NULL;
    }
    *end = j;
    return c;
}

/* The lookups of the engine (route/lookup.c), on full-size structs (the
 * public entry points of api/route.c handle older and newer callers'
 * sizes): they answer as kg_route_request, kg_tls_lookup and
 * kg_route_host_group of kgress.h.
 * No allocation, no lock; thread-safe on compiled tables. */
int kgi_routes_lookup(const struct kgi_routes *r,
                      const struct kg_http_request *req, char *buf, size_t cap,
                      struct kg_route *out);
int kgi_routes_tls(const struct kgi_routes *r, const char *host,
                   size_t host_len, struct kg_tls *out);
int kgi_routes_host_group(const struct kgi_routes *r, const char *host,
                          size_t host_len, const char **group,
                          size_t *group_len);

/* The route engine (k8s/engine.h). Each returns 0, KG_ECOMPILE (errors are in
 * diags), or KG_ENOMEM; on failure *out is NULL and nothing leaks. */
int kgi_routes_build(const struct kgi_compile_in *in, struct kgi_routes **out);
void kgi_routes_free(struct kgi_routes *r);
void kgi_routes_dump(const struct kgi_routes *r, int format, struct kgi_out *o);

#endif
