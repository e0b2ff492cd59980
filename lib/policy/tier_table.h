// SPDX-License-Identifier: MIT
/*
 * tier_table.h - the compiled cluster tiers (ClusterNetworkPolicy,
 * AdminNetworkPolicy, BaselineAdminNetworkPolicy) around the NetworkPolicy
 * tables of policy/table.h: struct kgi_tiers, built by policy/tier_compile.c
 * inside the NetworkPolicy compile (it shares its identities and
 * selections), read by policy/tier_lookup.c and policy/dump.c.
 *
 * Workload: tens to a few hundred policies (priorities 0-1000), at most
 * 100 rules per direction each, over the identities of a cluster of up to
 * 150,000 pods; a verdict side walks the rules of the subject's chain in
 * order until one matches, from many threads, with no allocation and no
 * lock.
 *
 * Evaluation order is the rule id: policies sorted by (tier, priority,
 * kind, name) -- admin first, lower priority first, ties by kind then
 * metadata.name (adminnetworkpolicy-semantics rules 6, 11), the BANP after
 * every Baseline CNP -- then direction, then rule index. A chain is the
 * ordered list of rule ids of the policies whose subject holds an
 * identity, per direction; identities with equal policy lists share one.
 *
 *   idents[i] --chain[dir][i]--> chains[c]: admin[] = 3 4 9 | base[] = 17
 *                                   |
 *   rules[id]: action, ports, sels (the peer identity's selections hold
 *              one), nets (the peer address is inside one: networks),
 *              addrs (it is one: the addresses of the Nodes a nodes peer
 *              selects, sorted, so thousands of nodes cost a binary
 *              search), domains (pattern ids in names: the destination
 *              name matches one)
 *
 * Why a walk, not a class table as NetworkPolicy has: a chain is short
 * (upstream caps a CNP at 25 rules per direction, and clusters run a
 * handful of admin policies per pod), a rule's peers are few (25 at most
 * in a CNP), and the first match is wanted, not a union; so a walk of
 * short ascending lists is a few cache lines per side. A chain with
 * hundreds of CIDR rules would want the per-chain prefix table of the
 * NetworkPolicy rule sets (policy/netpol_rules.c); that is not needed at
 * the sizes upstream allows per policy.
 */
#ifndef KGI_POLICY_TIER_TABLE_H
#define KGI_POLICY_TIER_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/domain.h"
#include "policy/namepat.h"
#include "policy/table.h"
#include "util/ip.h"

struct kgi_tr_policy {
    const char *name; /* metadata.name */
    const char *kind; /* "ClusterNetworkPolicy", "AdminNetworkPolicy", ... */
    uint8_t tier;     /* KGI_CNP_ADMIN / KGI_CNP_BASELINE */
    uint8_t version;  /* enum kgi_cnp_version */
    int32_t priority; /* 0..1000; -1 for the BANP (it has none) */
    uint32_t first_rule[2], n_rules[2]; /* per KG_INGRESS / KG_EGRESS */
    uint32_t n_pods;                    /* subject pods */
};

struct kgi_tr_rule {
    uint32_t policy; /* index in policies[] */
    uint32_t index;  /* in spec.ingress / spec.egress */
    uint8_t dir;     /* KG_INGRESS / KG_EGRESS */
    uint8_t action;  /* enum kgi_cnp_action */
    bool any_ports;
    const char *name; /* the rule's name, NULL when unnamed */
    uint32_t n_ports;
    const struct kgi_vd_port *ports; /* proto 0: a named port, any protocol */
    uint32_t n_sels;
    const uint32_t *sels; /* selections of namespaces / pods peers, ascending */
    uint32_t n_nets;
    const struct kgi_cidr *nets; /* networks peers, sorted */
    uint32_t n_addrs;
    const struct kgi_ip *addrs; /* nodes peers: the Nodes' addresses, sorted
                                   (kgi_tr_ip_cmp) for a binary search */
    uint32_t n_domains;
    const uint32_t *domains; /* pattern ids in kgi_tiers.names, ascending */
};

struct kgi_tr_chain {
    uint8_t dir;
    uint32_t n_policies;
    const uint32_t *policies; /* ascending: evaluation order */
    uint32_t n_admin, n_base;
    const uint32_t *rules; /* n_admin admin rule ids, then n_base baseline */
    uint32_t n_pods;
};

struct kgi_tiers {
    uint32_t n_policies;
    struct kgi_tr_policy *policies; /* evaluation order */
    uint32_t n_rules;
    struct kgi_tr_rule *rules;
    uint32_t n_chains;
    struct kgi_tr_chain *chains;
    uint32_t *chain[2];       /* per identity and direction: chain id or NONE */
    uint32_t n_nodes;         /* Node objects read */
    struct kgi_namepat names; /* domainNames patterns of every rule */
    const char **patterns;    /* pattern id -> the pattern as first written */
};

/* What decided a tier: the rule (KGI_VD_NONE: no rule of the tier
 * matched) and its action. */
struct kgi_tr_hit {
    uint32_t rule;
    int action;       /* enum kgi_cnp_action, 0 when rule is NONE */
    uint32_t pattern; /* the domainNames pattern that matched, or NONE */
    const struct kgi_domain_hit *domain; /* and the name (policy/domain.h) */
};

/* Walks tier (KGI_CNP_ADMIN / KGI_CNP_BASELINE) of the chain of `ident`
 * in direction dir for a flow whose other end is `peer` (owned by
 * peer_pod, or KGI_VD_NONE), judging named ports on dst_pod; dom (may be
 * NULL: no domainNames peer matches) is the flow's destination for
 * domainNames peers (policy/domain.h: the dialled or claimed name, the DNS
 * cache), egress only. No allocation, no lock. */
struct kgi_tr_hit kgi_tier_walk(const struct kgi_netpol *np, int tier,
                                uint32_t ident, int dir,
                                const struct kgi_ip *peer, uint32_t peer_pod,
                                int proto, unsigned port, uint32_t dst_pod,
                                struct kgi_domain *dom);

/* Whether a networks peer of r holds ip / ip is the address of a Node a
 * nodes peer of r selects (the walk's peer tests, for the explanation of
 * policy/explain.c too). */
bool kgi_tr_in_nets(const struct kgi_tr_rule *r, const struct kgi_ip *ip);
bool kgi_tr_in_addrs(const struct kgi_tr_rule *r, const struct kgi_ip *ip);

/* Order of addrs: family, then bytes. */
int kgi_tr_ip_cmp(const struct kgi_ip *a, const struct kgi_ip *b);

/* Releases what kgi_tiers holds outside the netpol arena (NULL is fine). */
void kgi_tiers_release(struct kgi_tiers *t);

#endif
