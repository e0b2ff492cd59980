// SPDX-License-Identifier: MIT
/*
 * netpol.h - the compiled NetworkPolicy tables (struct kgi_netpol), shared
 * by the compiler (policy/netpol_compile.c, netpol_dump.c) and the lookups
 * (policy/lookup.c).
 *
 * Workload: a cluster dump (up to ~10^4 pods, ~10^3 policies, ipBlocks up
 * to a BGP view) compiled once; then a verdict per flow, from many threads,
 * with no allocation. A verdict side is: find the subject pod by IP (the
 * endpoint hash), take its rule set for the direction, one CIDR-table
 * lookup of the peer address giving a peer class, then the port/protocol
 * matchers of the few rules of that class.
 *
 *   endpoints (hash: IP -> pod)       pods[]                 rulesets[]
 *   +------------+------+            +-----------------+ +--------------------+
 *   | 10.0.0.7   |  12 -+----------->| "x/a", IPs,     |    | direction | |
 * fd00::7    |  12  |            | rs[INGRESS] ----+--->| policies (sorted)  |
 *   +------------+------+            | rs[EGRESS]      |    | tab4, tab6: peer
 * | | named ports     |    |   prefix -> class  |
 *                                    +-----------------+    | default_class |
 *                                                           +---------+----------+
 *   classes[] (interned: rule sets share them)                        |
 *   +-----------------------------+      rules[]                      v
 *   | n, rule ids (sorted) -------+----> | policy, direction, index, ports |
 *   +-----------------------------+
 *
 * Rule sets: pods selected by the same set of policies in a direction
 * share one (DESIGN.md "CIDR tables"). A peer class is the exact set of
 * that rule set's rules whose peers admit an address: for an address, the
 * longest prefix among every ipBlock cidr and except and every selected
 * pod's /32 or /128 decides exactly which ipBlocks contain it (prefixes
 * nest or are disjoint), so the class of each prefix is computed once at
 * compile time. Rule ids are assigned in policy (namespace/name) order,
 * then direction, then rule index, so a class's first matching rule is the
 * one reported.
 *
 * Everything lives in one arena except the LPM tables of big rule sets
 * (lib/lpm allocates its own), released by kgi_netpol_free.
 */
#ifndef KGI_COMPILE_NETPOL_H
#define KGI_COMPILE_NETPOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/ruleset.h"
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
    uint8_t n_ips, n_host_ips;
    bool host_network; /* and not selected (KG_FLAG_SELECT_HOSTNETWORK off) */
    struct kgi_ip ips[2];
    struct kgi_ip host_ips[2];
    uint32_t rs[2]; /* rule set per KG_INGRESS / KG_EGRESS, or NONE */
    uint32_t n_named;
    const struct kgi_vd_named *named; /* sorted by (name, proto) */
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
    uint32_t default_class;          /* class of an address no prefix covers */
    struct kgi_cidrtab tab[2];       /* [0] IPv4, [1] IPv6 */
    uint32_t n_pfx[2];               /* prefixes of each table */
    const struct kgi_vd_pfx *pfx[2]; /* LPM tables only: their prefixes */
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
};

/* Pod owning ip, or KGI_VD_NONE. No allocation; thread-safe. */
uint32_t kgi_netpol_endpoint(const struct kgi_netpol *np,
                             const struct kgi_ip *ip);
/* Hash of an address for the endpoint table. */
uint64_t kgi_vd_ip_hash(const struct kgi_ip *ip);
/* Bytes used by the compiled tables (arena and LPM tables). */
size_t kgi_netpol_memory(const struct kgi_netpol *np);

#endif
