// SPDX-License-Identifier: MIT
/*
 * cnp_model.h - the typed model of the cluster-scoped policy tiers of
 * kubernetes-sigs/network-policy-api (policy.networking.k8s.io):
 * ClusterNetworkPolicy v1alpha2 and v1beta1, AdminNetworkPolicy and
 * BaselineAdminNetworkPolicy v1alpha1; and of core v1 Node (the addresses
 * a `nodes` peer stands for).
 *
 * Workload: a cluster dump holds tens of these policies (hundreds at
 * most: priorities run 0-1000), each of at most 100 rules per direction;
 * read once per compile, walked by the tier compiler (policy/tier_*.c).
 * Everything is allocated in the context's arena; strings point into the
 * node tree, so the compiler copies what its tables keep.
 *
 * Why one model for three kinds: the kinds differ in spelling (Allow vs
 * Accept, `ports` vs `protocols`, a BANP singleton vs Baseline CNPs with
 * priorities), not in meaning. The reader maps each onto one shape --
 * tier, priority, ordered rules of (action, peers, ports) -- so the
 * compiler and the lookup know no version (adminnetworkpolicy-semantics
 * rule 3, table):
 *
 *   v1alpha1 ANP  priority p      -> tier ADMIN,    priority p
 *   v1alpha1 BANP (name default)  -> tier BASELINE, priority
 * KGI_CNP_BANP_PRIORITY CNP tier: Admin|Baseline      -> that tier, priority p
 *   Allow / Accept                -> KGI_CNP_ALLOW
 *   ports[].portNumber {protocol, port}      -> port {proto, lo = hi = port}
 *   ports[].portRange  {protocol, start, end}-> port {proto, lo, hi}
 *   protocols[].tcp.destinationPort.number   -> port {TCP, lo = hi}
 *   protocols[].udp.destinationPort.range    -> port {UDP, lo, hi}
 *   ports[].namedPort / destinationNamedPort -> named port, any protocol
 *
 * Validation: what the API server enforces for each version (the CRD
 * schema: enums, 0-1000, item counts, exactly-one-of min/maxProperties,
 * port ranges, CEL rules; rules 30-34 of adminnetworkpolicy-semantics) plus
 * the refusals of rule 37 (domainNames outside Allow/Accept rules, a
 * protocol other than TCP/UDP/SCTP, a v1alpha1 portRange with start > end,
 * label selectors apimachinery cannot parse). Unknown fields are errors (a
 * misspelt peer field would otherwise fail open or closed silently).
 *
 * domainNames peers (the contract with the name-pattern table,
 * policy/namepat.h): a KGI_CNP_PEER_DOMAINS peer carries the names exactly
 * as written (`domains[i]`), each already checked with
 * kgi_domain_pattern_check in the dialect of its apiVersion (`dialect`) and
 * unique within the peer (listType set). Normalisation (case, one trailing
 * dot) and matching are kgi_namepat_add / kgi_namepat_match; the model
 * neither lower-cases nor strips. Such peers occur only in egress rules
 * whose action is KGI_CNP_ALLOW (enforced here), and never together with
 * a named port in the same rule (CEL).
 */
#ifndef KGI_POLICY_CNP_MODEL_H
#define KGI_POLICY_CNP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/field.h"
#include "k8s/meta.h"
#include "k8s/selector.h"
#include "util/ip.h"

/* ------------------------------------------------------------------ Node */

#define KGI_NODE_MAX_ADDRS 16 /* status.addresses kept per Node */

struct kgi_k8s_node {
    struct kgi_meta meta;
    struct kgi_kvs labels; /* = meta.labels */
    /* status.addresses of type InternalIP and ExternalIP, in order,
     * duplicates dropped (Hostname and the DNS types are not addresses) */
    struct kgi_ip addrs[KGI_NODE_MAX_ADDRS];
    size_t n_addrs;
};

bool kgi_k8s_node_read(struct kgi_ctx *c, const struct kgi_meta *m,
                       struct kgi_k8s_node *out);

/* ---------------------------------------------------------------- tiers */

enum kgi_cnp_tier {
    KGI_CNP_ADMIN = 1,    /* CNP tier Admin, AdminNetworkPolicy */
    KGI_CNP_BASELINE = 2, /* CNP tier Baseline, BaselineAdminNetworkPolicy */
};

enum kgi_cnp_action {
    KGI_CNP_ALLOW = 1, /* Allow (v1alpha1), Accept (CNP) */
    KGI_CNP_DENY = 2,
    KGI_CNP_PASS = 3,
};

/* The API version a policy was read as. */
enum kgi_cnp_version {
    KGI_CNP_V1ALPHA1 = 1, /* AdminNetworkPolicy, BaselineAdminNetworkPolicy */
    KGI_CNP_V1ALPHA2 = 2, /* ClusterNetworkPolicy */
    KGI_CNP_V1BETA1 = 3,  /* ClusterNetworkPolicy */
};

/* The only BANP sorts after every Baseline CNP (their relative order is
 * not defined upstream; the singleton is the older catch-all). */
#define KGI_CNP_BANP_PRIORITY 1001

enum kgi_cnp_peer_kind {
    KGI_CNP_PEER_NAMESPACES =
        1,                     /* every pod of the namespaces ns_sel selects */
    KGI_CNP_PEER_PODS = 2,     /* pods pod_sel selects in namespaces ns_sel
                                  selects (ns_sel empty when absent) */
    KGI_CNP_PEER_NODES = 3,    /* egress: addresses of the Nodes node_sel
                                  selects */
    KGI_CNP_PEER_NETWORKS = 4, /* egress: nets (any address, pods too) */
    KGI_CNP_PEER_DOMAINS = 5,  /* egress: domains (see file comment) */
};

struct kgi_cnp_peer {
    int kind; /* enum kgi_cnp_peer_kind */
    struct kgi_selector ns_sel, pod_sel, node_sel;
    struct kgi_cidr *nets; /* masked */
    size_t n_nets;
    struct kgi_str *domains; /* as written, validated, unique */
    size_t n_domains;
    int dialect; /* enum kgi_dn_dialect of the domains */
    const struct kgi_node *node;
};

struct kgi_cnp_port {
    int protocol;        /* KGI_PROTO_*; 0 for a named port (any protocol) */
    uint16_t lo, hi;     /* inclusive; 0 for a named port */
    struct kgi_str name; /* named port, else {NULL, 0} */
    const struct kgi_node *node;
};

struct kgi_cnp_rule {
    struct kgi_str name; /* {NULL, 0} when unnamed */
    int action;          /* enum kgi_cnp_action */
    struct kgi_cnp_peer *peers;
    size_t n_peers; /* >= 1 */
    struct kgi_cnp_port *ports;
    size_t n_ports; /* 0: every port and protocol */
    bool has_named; /* a named port among ports */
    bool invalid;   /* an error inside the rule (kept fail-closed under
                       KG_FLAG_SKIP_INVALID: policy/tier_compile.c) */
    const struct kgi_node *node;
};

struct kgi_cnp_policy {
    struct kgi_meta meta; /* kind: KGI_KIND_{CLUSTER,ADMIN,BASELINEADMIN}... */
    int version;          /* enum kgi_cnp_version */
    int tier;             /* enum kgi_cnp_tier */
    int32_t priority;     /* 0..1000, KGI_CNP_BANP_PRIORITY for the BANP */
    /* spec.subject: namespaces (subj_pods false: ns_sel only) or pods */
    bool subj_pods;
    struct kgi_selector subj_ns, subj_pod;
    struct kgi_cnp_rule *rules[2]; /* [KG_INGRESS], [KG_EGRESS] */
    size_t n_rules[2];
    /* errors reported inside rules (rule->invalid); when they are all of
     * the object's errors, the rest of it (kind, tier, priority, subject,
     * rule lists) was read as written */
    size_t rule_errors;
};

/* Reads a ClusterNetworkPolicy, AdminNetworkPolicy or
 * BaselineAdminNetworkPolicy whose kind and metadata m describes (the
 * version from m->api_version) into *out. Arrays go to c->arena; strings
 * point into the node tree. Every problem is reported at its field path
 * and mark; returns false when the object is invalid (any error). */
bool kgi_cnp_read(struct kgi_ctx *c, const struct kgi_meta *m,
                  struct kgi_cnp_policy *out);

/* "Allow"/"Deny"/"Pass" (v1alpha1 spelling when v1alpha1, else
 * "Accept"/...); "?" otherwise. */
const char *kgi_cnp_action_name(int action, int version);

#endif
