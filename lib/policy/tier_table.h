// SPDX-License-Identifier: MIT
/*
 * tier_table.h - the compiled cluster tiers (ClusterNetworkPolicy,
 * AdminNetworkPolicy, BaselineAdminNetworkPolicy) around the NetworkPolicy
 * tables of policy/table.h: struct kgi_tiers, built by policy/tier_compile.c
 * inside the NetworkPolicy compile (it shares its identities and
 * selections), read by the walk of policy/tier_walk.h (inline in
 * policy/lookup.c) and by policy/dump.c.
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
 * ordered list of the rules of the policies whose subject holds an
 * identity, per direction, as steps; identities with equal policy lists
 * share one. The identity record every verdict side reads anyway holds
 * its chain (0: no tier policy selects it, one test and no other read).
 *
 *   idents[i].tier[dir] - 1 --> chains[c]: steps = 3 4 9 | 17 (admin |
 *                                   |       baseline), walk[] = how many
 *                                   |       a walk reads (trailing Pass
 *                                   |       rules dropped)
 *   steps[k]: rule id, action, flags, the port test inline (no ports; one
 *             number or range), a networks peer holding a whole family
 *   rules[id]: ports, sels (the peer identity's selections hold one),
 *              nets (the peer address is inside one: networks; IPv4 ones
 *              also as masks), addrs (it is one: the addresses of the
 *              Nodes a nodes peer selects, sorted, so thousands of nodes
 *              cost a binary search), domains (pattern ids in names: the
 *              destination name matches one)
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

/* An IPv4 network as the walk tests it: (address & mask) == net. */
struct kgi_tr_net4 {
    uint32_t net, mask; /* host order */
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
    const struct kgi_cidr *nets; /* networks peers, sorted (IPv4 first) */
    uint32_t n_nets4;
    const struct kgi_tr_net4 *nets4; /* the IPv4 ones as masks */
    uint32_t n_addrs;
    const struct kgi_ip *addrs; /* nodes peers: the Nodes' addresses, sorted
                                   (kgi_tr_ip_cmp) for a binary search */
    uint32_t n_domains;
    const uint32_t *domains; /* pattern ids in kgi_tiers.names, ascending */
};

/* A rule of a chain as the walk reads it: what decides most flows inline
 * (the port test of a rule with one port number or range, a networks peer
 * holding a whole family), the rest in the rule. */
enum kgi_tr_step_flag {
    KGI_TR_ANY_PORT = 1 << 0, /* no ports: every port and protocol */
    KGI_TR_ONE_PORT = 1 << 1, /* one number or range: proto, lo..hi */
    KGI_TR_ALL_V4 = 1 << 2,   /* a networks peer holds 0.0.0.0/0 */
    KGI_TR_ALL_V6 = 1 << 3,   /* ... ::/0 */
    KGI_TR_SELS = 1 << 4,     /* namespaces / pods peers */
    KGI_TR_NETS = 1 << 5,     /* other networks peers */
    KGI_TR_ADDRS = 1 << 6,    /* nodes peers */
    KGI_TR_DOMAINS = 1 << 7,  /* domainNames peers */
};

struct kgi_tr_step {
    uint32_t rule;  /* id in kgi_tiers.rules */
    uint8_t flags;  /* enum kgi_tr_step_flag */
    uint8_t action; /* the rule's */
    uint8_t proto;  /* KGI_TR_ONE_PORT: the port's protocol and range */
    uint16_t lo, hi;
};

struct kgi_tr_chain {
    uint8_t dir;
    uint32_t n_policies;
    const uint32_t *policies; /* ascending: evaluation order */
    uint32_t n_admin, n_base;
    uint32_t walk[2]; /* steps a walk of the admin / baseline tier reads:
                         n_admin / n_base less the trailing Pass rules */
    const struct kgi_tr_step *steps; /* n_admin admin rules, then n_base
                                        baseline, in evaluation order */
    uint32_t n_pods;
};

struct kgi_tiers {
    uint32_t n_policies;
    struct kgi_tr_policy *policies; /* evaluation order */
    uint32_t n_rules;
    struct kgi_tr_rule *rules;
    uint32_t n_chains;
    struct kgi_tr_chain *chains; /* kgi_vd_ident.tier[dir] - 1 indexes it */
    uint32_t n_nodes;            /* Node objects read */
    struct kgi_namepat names;    /* domainNames patterns of every rule */
    const char **patterns; /* pattern id -> the pattern as first written */
};

/* An IPv4 address in host order. */
static inline uint32_t kgi_tr_ip4(const struct kgi_ip *ip)
{
    return (uint32_t)ip->b[0] << 24 | (uint32_t)ip->b[1] << 16 |
           (uint32_t)ip->b[2] << 8 | ip->b[3];
}

/* Order of addrs: family, then bytes. */
int kgi_tr_ip_cmp(const struct kgi_ip *a, const struct kgi_ip *b);

/* Releases what kgi_tiers holds outside the netpol arena (NULL is fine). */
void kgi_tiers_release(struct kgi_tiers *t);

#endif
