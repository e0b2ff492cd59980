// SPDX-License-Identifier: MIT
/*
 * netpol_build.h - the state of one NetworkPolicy compile, shared by the
 * compiler's files (one concern each):
 *
 *   netpol_compile.c  objects in (model, sort, duplicates), namespaces,
 *                     pods and the address table, the entry point
 *   netpol_ident.c    identities, selections of selector peers
 *   netpol_rules.c    rules and ports, subjects -> rule sets, ipBlock
 *                     classes and the CIDR tables of each rule set
 *   netpol_intern.c   interning of id lists (classes, rule sets)
 *   netpol_delta.c    after pod changes: a delta of the last full compile
 *
 * Control plane only; the tables they fill are policy/table.h.
 */
#ifndef KGI_POLICY_NETPOL_BUILD_H
#define KGI_POLICY_NETPOL_BUILD_H

#include "policy/netpol_model.h"
#include "policy/table.h"

/* Interned lists of uint32 (rule ids of a class; policy ids of a rule set
 * with its direction as tag); the lists live in the arena given at
 * insertion. */
struct kgi_vd_intern_item {
    const uint32_t *v;
    uint32_t n, tag;
    uint64_t hash;
};

struct kgi_vd_intern {
    struct kgi_vd_intern_item *items;
    size_t n, cap;
    uint32_t *slot; /* id + 1; 0: empty */
    size_t mask;
    /* a delta's table: lists of the base's table (read only) keep their
     * ids; new ones get ids from offset on */
    const struct kgi_vd_intern *parent;
    uint32_t offset;
};

/* The id of list v[0..n) with tag, added (copied to arena) when new.
 * Returns 0 or -1 on allocation failure. */
int kgi_vd_intern_get(struct kgi_vd_intern *t, struct kgi_arena *arena,
                      const uint32_t *v, uint32_t n, uint32_t tag,
                      uint32_t *id);
void kgi_vd_intern_free(struct kgi_vd_intern *t);

/* A (direction, identity, policy) selection, as rule sets and tier chains
 * collect them before interning the policy list of each key. */
struct kgi_vd_subj {
    uint32_t key; /* dir * n_idents + identity */
    uint32_t pol;
};

/* Groups v[0..n) by key (every key < n_keys), stably: the pols of key k
 * are (*pols)[(*start)[k] .. (*start)[k + 1]) in input order. One counting
 * pass; *start (n_keys + 1 entries) and *pols are the caller's to kgi_free,
 * also on failure. Returns 0 or -1 (allocation failure). */
int kgi_vd_group(const struct kgi_vd_subj *v, size_t n, size_t n_keys,
                 uint32_t **start, uint32_t **pols);

struct kgi_vd_nsinfo {
    struct kgi_str name;
    const struct kgi_kvs *labels;
    uint32_t pod_begin, pod_end;     /* pods of this namespace (sorted) */
    uint32_t ident_begin, ident_end; /* its identities */
};

/* Selections of identical selector peers are computed once: the policies
 * of a cluster repeat the same peers ("frontends of team t3", "kube-dns").
 * The key is the peer's canonical text (its selectors, and the policy's
 * namespace when the peer is confined to it): equal texts select equal
 * identities. */
struct kgi_vd_memo_item {
    const char *key;
    size_t len;
    uint64_t hash;
    uint32_t sel;
};

struct kgi_vd_memo {
    struct kgi_vd_memo_item *items;
    size_t n, cap;
    uint32_t *slot; /* index + 1; 0: empty */
    size_t mask;
    char *key; /* the key being built (kgi_grow) */
    size_t key_len, key_cap;
    /* a delta's memo: the full compile's (read only), looked up first */
    const struct kgi_vd_memo *parent;
};

/* The peer a selection was evaluated from (a delta evaluates it again over
 * a new identity). */
struct kgi_vd_selpeer {
    const struct kgi_np_peer *peer;
    uint32_t pol_ns;
};

/* A (selection, identity) pair: the identity is selected. */
struct kgi_vd_pair {
    uint32_t sel, ident;
};

struct kgi_vd_build {
    const struct kgi_compile_in *in;
    struct kgi_netpol *np;
    struct kgi_arena *scratch;
    struct kgi_pod **pods; /* sorted */
    size_t n_pods;
    struct kgi_np_policy **pols; /* sorted */
    size_t n_pols;
    struct kgi_namespace **nsobjs; /* sorted */
    size_t n_nsobjs;
    struct kgi_vd_nsinfo *ns;
    size_t n_ns;
    uint32_t *pol_ns;                      /* namespace index of each policy */
    uint32_t *pod_ns;                      /* namespace index of each pod */
    const struct kgi_kvs **ident_labels;   /* per identity */
    const struct kgi_np_rule **rule_model; /* per global rule id */
    struct kgi_vd_intern classes, rulesets;
    struct kgi_vd_memo memo;
    struct kgi_vd_pair *pairs;
    size_t n_pairs, pairs_cap;
    struct kgi_vd_sel *sels; /* per selection (kgi_grow) */
    size_t sels_cap;
    struct kgi_vd_selpeer *sel_peer; /* per selection (kgi_grow) */
    size_t sel_peer_cap;
    uint32_t *tmp;                /* scratch ids (kgi_vd_build_rules) */
    struct kgi_tier_build *tiers; /* policy/tier_build.h */
    size_t max_peers;
    bool dup_ips; /* an address reported by two pods (or twice) */
};

/* What a delta (netpol_delta.c) needs of the full compile it extends: the
 * control-plane state of that build, kept by the builder until its next
 * full compile. The policy, namespace and selector models point into the
 * builder's node trees, which the builder keeps (pins) until then, also
 * when their objects change; identity labels and namespace labels are
 * copied. */
struct kgi_vd_keep {
    struct kgi_arena scratch; /* the build's: models, namespaces */
    struct kgi_arena arena;   /* copies of identity labels */
    struct kgi_netpol *np;    /* the base, referenced */
    struct kgi_vd_nsinfo *ns;
    size_t n_ns;
    struct kgi_np_policy **pols;
    uint32_t *pol_ns;
    size_t n_pols;
    const struct kgi_kvs **ident_labels;
    const struct kgi_np_rule **rule_model;
    struct kgi_vd_selpeer *sel_peer;
    struct kgi_vd_memo memo; /* selections by peer text */
    struct kgi_vd_intern classes, rulesets;
    size_t max_peers;
};

/* netpol_compile.c: the index of namespace name in ns[0..n) (sorted), or
 * KGI_VD_NONE. */
uint32_t kgi_vd_ns_find(const struct kgi_vd_nsinfo *ns, size_t n,
                        struct kgi_str name);
/* netpol_compile.c: the pod record of p in arena a. */
int kgi_vd_pod_fill(struct kgi_arena *a, const struct kgi_pod *p,
                    bool select_hostnet, struct kgi_vd_pod *q);
/* netpol_ident.c: label sets in identity order. */
int kgi_vd_kvs_cmp(const struct kgi_kvs *a, const struct kgi_kvs *b);
/* netpol_rules.c: rule set rs of the interned policy list it (its rules,
 * selector rules, default class, CIDR tables). */
int kgi_vd_build_ruleset(struct kgi_vd_build *b,
                         const struct kgi_vd_intern_item *it,
                         struct kgi_vd_ruleset *rs);

/* netpol_compile.c */
int kgi_vd_str_cmp(struct kgi_str a, struct kgi_str b);
/* Sorts the n objects of one kind at base (each `size` bytes, its struct
 * kgi_meta at meta_off) by namespace/name into *out (pointers in scratch),
 * reports each later duplicate (KG_EDUPLICATE, or a warning under
 * KG_FLAG_SKIP_INVALID) and drops it; *n is the count kept. Returns 0 or
 * KG_ENOMEM. */
int kgi_vd_sort_unique(const struct kgi_compile_in *in,
                       struct kgi_arena *scratch, void *base, size_t size,
                       size_t meta_off, size_t *n, void ***out, bool *errors,
                       const char *kind);

/* netpol_ident.c: identities of the eligible pods (after pods). */
int kgi_vd_build_idents(struct kgi_vd_build *b);
/* The selection id of a selector peer of a policy of namespace pol_ns,
 * evaluated over every identity the first time its text is seen. */
int kgi_vd_select_peer(struct kgi_vd_build *b, const struct kgi_np_peer *peer,
                       uint32_t pol_ns, uint32_t *sel);
/* Per identity, its selections (after every kgi_vd_select_peer). */
int kgi_vd_finish_idents(struct kgi_vd_build *b);
void kgi_vd_memo_free(struct kgi_vd_memo *m);

/* netpol_rules.c */
/* "namespace/name" in a. */
char *kgi_vd_join_name(struct kgi_arena *a, const struct kgi_meta *m);
int kgi_vd_build_rules(struct kgi_vd_build *b);
/* Adds the rule count of policy m to *n_rules, and raises *max_peers to
 * its largest peer list. */
void kgi_vd_policy_size(const struct kgi_np_policy *m, size_t *n_rules,
                        size_t *max_peers);
/* Record p of np->policies for model m (of namespace pol_ns) and its rules
 * from rule id *id on (np->rules and b->rule_model have room; b->tmp holds
 * max_peers ids), their selections through kgi_vd_select_peer; advances
 * *id. Returns 0 or KG_ENOMEM. */
int kgi_vd_emit_policy(struct kgi_vd_build *b, uint32_t p,
                       const struct kgi_np_policy *m, uint32_t pol_ns,
                       uint32_t *id);
int kgi_vd_build_rulesets(struct kgi_vd_build *b);
int kgi_vd_finish_classes(struct kgi_vd_build *b);

#endif
