// SPDX-License-Identifier: MIT
/*
 * table.h - the compiled NetworkPolicy tables (struct kgi_netpol, types
 * kgi_vd_*), shared by the compiler (policy/netpol_*.c), the lookups
 * (policy/lookup.c) and the dump (policy/dump.c).
 *
 * Workload: a cluster of up to 150,000 pods, 6,000 namespaces and 12,000
 * policies (Kubernetes' supported maximum), ipBlocks up to a BGP view in
 * one policy, compiled once; then a verdict per flow, from many threads,
 * with no allocation and no lock.
 *
 * Why identities: a peer selector selects pods by (namespace labels, pod
 * labels) only, and a policy's podSelector selects its subjects the same
 * way. Pods with equal (namespace, labels) -- the namespace's labels
 * include its kubernetes.io/metadata.name, so equal namespace labels mean
 * the same namespace -- are indistinguishable to every selector: they share
 * one identity (Cilium's model). Each selector is evaluated once per
 * identity, never per (rule set x pod), so the tables grow with pods +
 * identities + policies + (selection, selected identity) pairs.
 *
 *   addr table (hash: IP -> pod)    pods[]               idents[]
 *   +------------+-----+           +---------------+    +-------------------+
 *   | 10.0.0.7   |  12-+---------->| "x/a", IPs,   |    | ns, n_pods        |
 *   | fd00::7    |  12 |           | host IPs,     |    | rs[INGRESS]
 * ------+--+
 *   +------------+-----+           | named ports,  |    | rs[EGRESS]        | |
 *                                  | ident --------+--->| sels: selections  | |
 *                                  +---------------+    |   selecting it    | |
 *                                                       +-------------------+ |
 *   rulesets[] (per distinct (direction, policy list); identities share) <--+
 *   +-----------------------------------------------------------------------+
 *   | policies (namespace/name order)                                       |
 *   | sel_rules: rules with selector peers, ascending, each with the       |
 *   |   selection ids of its peers  --> match: a selection of the peer's    |
 *   |   identity (idents[].sels, sorted) is one of them                     |
 *   | tab4, tab6: ipBlock prefixes -> class (the rules whose ipBlocks admit |
 *   |   the address, plus the rules without peers); default_class          |
 *   +-----------------------------------------------------------------------+
 *   classes[] (interned, shared): rule ids ascending     rules[]: policy,
 *                                                        direction, index,
 *                                                        ports, selections
 *
 * A side (the subject pod's rule set in a direction, the peer address) is
 * decided by the first rule, in rule-id order, that admits the peer and
 * whose ports match: rule ids are assigned in policy (namespace/name)
 * order, then direction, then rule index, so that is the rule reported.
 * The candidates are the class of the peer address (ipBlock rules; not
 * used for pod addresses when ipBlocks must not match pods, rule 19) and
 * the selector rules one of whose selections holds the peer's identity.
 *
 * Tiers (ClusterNetworkPolicy / AdminNetworkPolicy in front, Baseline
 * behind) compose per subject identity: an identity's ordered list of rule
 * sets, each deciding Allow/Deny/Pass or nothing, is the same walk with an
 * action per rule; NetworkPolicy is the rule set whose "no rule" means
 * deny when isolated.
 *
 * Everything lives in one arena except the LPM tables of big rule sets
 * (lib/lpm allocates its own), released by kgi_netpol_free (the last
 * reference: tables are reference counted, a delta holds its base).
 *
 * Deltas (policy/netpol_delta.c): after pods change, a new ruleset need
 * not copy the cluster. A delta shares every table of a full compile (its
 * base) and extends four of them; an id below base_* is the base's, the
 * others index the delta's own x* arrays:
 *
 *   pods     [0, base_pods) base (minus the dead bitmap) | xpods: changed pods
 *   idents   [0, base_idents) base                       | xidents: new ones
 *   rulesets [0, base_rulesets) base                     | xrulesets
 *   classes  [0, base_classes) base                      | xclasses
 *   address  xep (changed addresses; pod NONE: nobody now), then ep
 *
 * so a delta costs the changed pods (their identities and, for a new
 * identity, its selections and rule sets), not the cluster; lookups pay
 * one compare per access. A table indexed by pod or identity that a delta
 * does not extend must not exist unless netpol_delta.c extends it or
 * clears delta_ok.
 *
 * After NetworkPolicy or Namespace changes a delta also owns copies of the
 * small per-object arrays, the base's entries first (same ids):
 *
 *   policies  base (minus dead_policies) | the policies of each namespace
 *             with a changed policy, compiled again in name order
 *   rules     base                       | the rules of those policies
 *   sels      base                       | selections of new peer texts
 *   idents    base, with new selection lists (the identities a new
 *             selection holds, those of a relabelled namespace) and new
 *             rule sets (those of a namespace whose policies changed)
 *
 * Rule ids stay in policy (namespace/name) order within every rule set,
 * since a rule set holds the policies of one namespace, all of them base
 * or all compiled again. Costs: those copies (bytes per policy, rule,
 * selection and identity, no pods, no CIDR tables) plus the namespaces
 * changed, their identities and rule sets.
 */
#ifndef KGI_POLICY_TABLE_H
#define KGI_POLICY_TABLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/engine.h"
#include "policy/cidrtab.h"
#include "util/arena.h"
#include "util/ip.h"

#define KGI_VD_NONE UINT32_MAX

/* A named container port of a pod (only named ones are kept). */
struct kgi_vd_named {
    const char *name;
    uint8_t name_len;
    uint8_t proto; /* KGI_PROTO_* */
    uint16_t port;
};

struct kgi_vd_pod {
    const char *name; /* "namespace/name" */
    uint32_t ns_len;  /* bytes of the namespace part */
    uint32_t ident;   /* identity, NONE for a hostNetwork pod */
    uint8_t n_ips, n_host_ips;
    bool host_network; /* and not selected (KG_FLAG_SELECT_HOSTNETWORK off) */
    struct kgi_ip ips[2];
    struct kgi_ip host_ips[2];
    uint32_t n_named;
    const struct kgi_vd_named *named; /* sorted by (name, proto) */
};

/* Pods of equal (namespace, labels) that selectors can select. */
struct kgi_vd_ident {
    uint32_t ns;     /* namespace index (dump) */
    uint32_t n_pods; /* pods of this identity */
    uint32_t first;  /* a pod of it (dump: its labels are the identity's) */
    uint32_t rs[2];  /* rule set per KG_INGRESS / KG_EGRESS, or NONE */
    uint32_t n_sels;
    const uint32_t *sels; /* selections holding it, ascending */
    /* cluster tier chain + 1 per direction (policy/tier_table.h), 0 when
     * no tier policy selects it: read with rs[] by every verdict side, so
     * a tiered side costs no other random read and an unselected one a
     * zero test (0 is what a calloc'd identity holds) */
    uint32_t tier[2];
};

enum kgi_vd_port_kind {
    KGI_VD_PORT_ANY = 0,   /* every port of the protocol */
    KGI_VD_PORT_RANGE = 1, /* [lo, hi] */
    KGI_VD_PORT_NAMED = 2, /* resolved on the destination pod */
};

struct kgi_vd_port {
    uint8_t proto;
    uint8_t kind;
    uint8_t name_len;
    uint16_t lo, hi;
    const char *name;
};

struct kgi_vd_rule {
    uint32_t policy; /* index in policies[] */
    uint32_t index;  /* in spec.ingress / spec.egress */
    uint8_t dir;     /* KG_INGRESS / KG_EGRESS */
    bool any_ports;  /* ports missing or empty */
    bool any_peer;   /* from/to missing or empty */
    uint32_t n_ports;
    const struct kgi_vd_port *ports;
    uint32_t n_sels;
    const uint32_t *sels; /* selections of its selector peers, ascending */
};

struct kgi_vd_policy {
    const char *name;                   /* "namespace/name" */
    bool types[2];                      /* policyTypes after defaulting */
    uint32_t first_rule[2], n_rules[2]; /* its rules per direction */
    uint32_t n_pods[2];                 /* pods it isolates */
};

struct kgi_vd_class {
    uint32_t n;
    const uint32_t *rules; /* rule ids, ascending */
};

/* A prefix of a rule set's LPM table and its class, kept for dumps (range
 * tables are dumped from their ranges). */
struct kgi_vd_pfx {
    struct kgi_cidr cidr;
    uint32_t cls;
};

struct kgi_vd_ruleset {
    uint8_t dir;
    uint32_t n_policies;
    const uint32_t *policies; /* ascending = namespace/name order */
    uint32_t n_pods;
    uint32_t n_sel_rules;
    const uint32_t *sel_rules;       /* rule ids with selections, ascending */
    uint32_t default_class;          /* class of an address no prefix covers */
    struct kgi_cidrtab tab[2];       /* [0] IPv4, [1] IPv6: ipBlocks */
    uint32_t n_pfx[2];               /* prefixes of each table */
    const struct kgi_vd_pfx *pfx[2]; /* LPM tables only: their prefixes */
};

/* A distinct selector peer: the identities it selects are those whose
 * sels list holds its id (kept for dumps: its namespace scope). */
struct kgi_vd_sel {
    uint32_t n_idents;
};

struct kgi_vd_endpoint {
    struct kgi_ip ip; /* family 0: empty slot */
    uint32_t pod;
};

struct kgi_netpol {
    struct kgi_arena arena;
    bool ipblock_pods, select_hostnet, node_ingress, loopback;
    uint32_t n_pods;
    struct kgi_vd_pod *pods; /* sorted by (namespace, name) */
    uint32_t n_idents;
    struct kgi_vd_ident *idents;
    uint32_t n_sels;
    struct kgi_vd_sel *sels;
    uint32_t n_policies;
    struct kgi_vd_policy *policies; /* sorted by (namespace, name) */
    uint32_t n_rules;
    struct kgi_vd_rule *rules;
    uint32_t n_classes;
    struct kgi_vd_class *classes;
    uint32_t n_rulesets;
    struct kgi_vd_ruleset *rulesets;
    uint32_t ep_mask; /* open addressing, capacity ep_mask + 1 */
    struct kgi_vd_endpoint *ep;
    size_t n_endpoints;
    uint32_t n_ns;
    const char **ns_names;   /* namespace names by index (dump) */
    struct kgi_tiers *tiers; /* cluster tiers (policy/tier_table.h), NULL
                                when no tier policy is loaded */
    /* deltas (see above); a full compile has base NULL, base_* == n_*, x*
     * NULL */
    atomic_long refs;
    bool delta_ok;           /* a delta may extend this full compile */
    struct kgi_netpol *base; /* referenced */
    uint32_t base_pods, base_idents, base_rulesets, base_classes;
    struct kgi_vd_pod *xpods; /* sorted by (namespace, name) */
    struct kgi_vd_ident *xidents;
    struct kgi_vd_ruleset *xrulesets;
    struct kgi_vd_class *xclasses;
    const uint64_t *dead; /* base pods that changed (bitmap) */
    /* base policies of the namespaces whose policies a delta compiled
     * again (bitmap; rule sets never name them) */
    const uint64_t *dead_policies;
    uint32_t xep_mask;
    struct kgi_vd_endpoint *xep;
};

/* Whether two ascending id lists share an element: a merge walk (the
 * lists are short: the selections of a rule's peers, those holding one
 * identity, the patterns a name matched). */
static inline bool kgi_vd_meet(const uint32_t *a, uint32_t na,
                               const uint32_t *b, uint32_t nb)
{
    uint32_t i = 0, j = 0;
    while (i < na && j < nb) {
        if (a[i] == b[j])
            return true;
        if (a[i] < b[j])
            i++;
        else
            j++;
    }
    return false;
}

/* Whether one of ports[0..n) matches the flow's protocol and port; a
 * named port (proto 0 for one of any protocol) resolves on dst_pod
 * (KGI_VD_NONE: never). No allocation; thread-safe. */
bool kgi_vd_ports_match(const struct kgi_netpol *np,
                        const struct kgi_vd_port *ports, uint32_t n, int proto,
                        unsigned port, uint32_t dst_pod);

static inline const struct kgi_vd_pod *
kgi_vd_pod_at(const struct kgi_netpol *np, uint32_t i)
{
    return i < np->base_pods ? &np->pods[i] : &np->xpods[i - np->base_pods];
}

static inline bool kgi_vd_pod_dead(const struct kgi_netpol *np, uint32_t i)
{
    return np->dead && i < np->base_pods && (np->dead[i / 64] >> (i % 64) & 1);
}

static inline bool kgi_vd_policy_dead(const struct kgi_netpol *np, uint32_t i)
{
    return np->dead_policies && np->base && i < np->base->n_policies &&
           (np->dead_policies[i / 64] >> (i % 64) & 1);
}

static inline const struct kgi_vd_ident *
kgi_vd_ident_at(const struct kgi_netpol *np, uint32_t i)
{
    return i < np->base_idents ? &np->idents[i]
                               : &np->xidents[i - np->base_idents];
}

static inline const struct kgi_vd_ruleset *
kgi_vd_ruleset_at(const struct kgi_netpol *np, uint32_t i)
{
    return i < np->base_rulesets ? &np->rulesets[i]
                                 : &np->xrulesets[i - np->base_rulesets];
}

static inline const struct kgi_vd_class *
kgi_vd_class_at(const struct kgi_netpol *np, uint32_t i)
{
    return i < np->base_classes ? &np->classes[i]
                                : &np->xclasses[i - np->base_classes];
}

/* Pod owning ip, or KGI_VD_NONE. No allocation; thread-safe. */
uint32_t kgi_netpol_endpoint(const struct kgi_netpol *np,
                             const struct kgi_ip *ip);
/* The library's form of a public address (IPv4 in bytes 0..3, an
 * IPv4-mapped IPv6 address as IPv4); false for a NULL a or a bad family. */
bool kgi_vd_addr(const struct kg_addr *a, struct kgi_ip *ip);
/* The lookups of the engine (policy/lookup.c), on full-size structs (the
 * public entry points of api/check.c handle older and newer callers'
 * sizes). No allocation, no lock; thread-safe on a compiled np.
 *
 * kgi_netpol_check: the verdict of flow f; when svc is not NULL and the
 * destination is a Service address, the verdict of its endpoints
 * (policy/service.h). KG_EINVAL for a bad address, protocol, port or name.
 * kgi_netpol_side: one side, pod in direction dir with peer at the other
 * end. The pod functions answer as kg_pod_find, kg_pod_find_addr,
 * kg_pod_name, kg_pod_addr and kg_pod_policy of kgress.h. */
struct kgi_services;
int kgi_netpol_check(const struct kgi_netpol *np,
                     const struct kgi_services *svc, const struct kg_flow *f,
                     struct kg_verdict *out);
int kgi_netpol_side(const struct kgi_netpol *np, uint32_t pod, int direction,
                    const struct kg_addr *peer, int protocol, unsigned port,
                    struct kg_side *out);
/* Binary search of ns/name among v[0..n) (sorted by namespace, name):
 * true and *at its index when found. */
bool kgi_vd_pod_search(const struct kgi_vd_pod *v, uint32_t n, const char *ns,
                       size_t ns_len, const char *name, size_t name_len,
                       uint32_t *at);
int kgi_netpol_pod_find(const struct kgi_netpol *np, const char *ns,
                        size_t ns_len, const char *name, size_t name_len,
                        uint32_t *pod);
int kgi_netpol_pod_find_addr(const struct kgi_netpol *np,
                             const struct kg_addr *addr, uint32_t *pod);
const char *kgi_netpol_pod_name(const struct kgi_netpol *np, uint32_t pod);
int kgi_netpol_pod_addr(const struct kgi_netpol *np, uint32_t pod, size_t i,
                        struct kg_addr *out);
const char *kgi_netpol_pod_policy(const struct kgi_netpol *np, uint32_t pod,
                                  int direction, size_t i);
/* Hash of an address for the endpoint table. */
uint64_t kgi_vd_ip_hash(const struct kgi_ip *ip);
/* Bytes used by the compiled tables (arena and LPM tables). */
size_t kgi_netpol_memory(const struct kgi_netpol *np);

/* The policy engine (k8s/engine.h); each build returns 0, KG_ECOMPILE
 * (errors are in diags), or KG_ENOMEM; on failure *out is NULL and nothing
 * leaks. */
int kgi_netpol_build(const struct kgi_compile_in *in, struct kgi_netpol **out);
/* Drops a reference (the tables are reference counted: a delta holds its
 * base). */
void kgi_netpol_free(struct kgi_netpol *p);

/* Incremental NetworkPolicy compiles (policy/netpol_delta.c). A full
 * compile that keeps, in *keep, what a delta needs (NULL when the tables
 * cannot be extended: then every compile is full). */
struct kgi_vd_keep;
int kgi_netpol_build_keep(const struct kgi_compile_in *in,
                          struct kgi_netpol **out, struct kgi_vd_keep **keep);
void kgi_netpol_keep_free(struct kgi_vd_keep *k);
/* The key of an object that changed since the keep's compile: a Pod, a
 * NetworkPolicy or a Namespace (ns empty). */
struct kgi_vd_gone {
    int kind; /* KGI_KIND_POD, _NETWORKPOLICY or _NAMESPACE */
    struct kgi_str ns, name;
};
/* Tables equal to a full compile of the keep's objects with the objects
 * gone[0..n_gone) (every key that changed since) replaced by those of in
 * (their current objects, of those kinds). Returns 0, KG_ECOMPILE (errors
 * in in->diags), KG_ENOMEM, or KGI_NETPOL_FULL when only a full compile
 * can (a new namespace, a shared pod address, ...). */
#define KGI_NETPOL_FULL 1
int kgi_netpol_delta(const struct kgi_vd_keep *k,
                     const struct kgi_compile_in *in,
                     const struct kgi_vd_gone *gone, size_t n_gone,
                     struct kgi_netpol **out);
void kgi_netpol_dump(const struct kgi_netpol *p, int format, struct kgi_out *o);

#endif
