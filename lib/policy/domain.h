// SPDX-License-Identifier: MIT
/*
 * domain.h - the domainNames side of a check: which name patterns the
 * destination of a flow matches, given what the caller knows of its name
 * (struct kg_flow dst_name / name_trust) and what a DNS cache learnt
 * (struct kg_flow cache / now).
 *
 * Workload: evaluated at most once per check, and only when a rule with a
 * domainNames peer is reached (tier lookups call kgi_domain_match lazily),
 * so checks of rulesets without domain rules never pay for it. One
 * resolution costs a name normalization and pattern-table lookup
 * (policy/namepat.h), plus two cache chain walks (policy/dns_cache.h) when
 * the name comes from or must be confirmed by the cache; the state lives on
 * the caller's stack (about 4.5 KiB), nothing is allocated.
 *
 * Matching of a peer (fqdn semantics rule 21; docs/domains.md):
 *   - dst_name given, dialled (KG_NAME_DIALLED or 0): the name alone
 *     decides, whatever the address (precise even on shared addresses);
 *   - dst_name given, claimed (KG_NAME_CLAIMED, an unchecked SNI/Host):
 *     the name must match and dst must be an unexpired address of that
 *     name for the flow's source in the cache; without a cache it never
 *     matches;
 *   - no dst_name: dst must be an unexpired cache address, for the flow's
 *     source (or global), of some name matching the pattern; an address no
 *     answer named matches no domainNames peer (upstream: traffic to
 *     addresses not obtained from DNS "is not guaranteed to flow").
 *
 * Contract with the tier compiler (policy/cnp_model.h carries the names as
 * written): the ruleset holds one struct kgi_namepat for every domainNames
 * peer; each peer compiles to the sorted, distinct pattern ids that
 * kgi_namepat_add returned for its names; the lookup keeps one struct
 * kgi_domain per check (kgi_domain_init when the flow is parsed) and asks
 * kgi_domain_match(d, peer_ids, n) when it reaches the peer; for the
 * deciding Allow/Accept rule it calls kgi_domain_report to fill
 * kg_side_detail.domain and .name.
 */
#ifndef KGI_POLICY_DOMAIN_H
#define KGI_POLICY_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kgress.h"
#include "policy/dns_cache.h"
#include "policy/namepat.h"
#include "util/ip.h"

#define KGI_DOMAIN_HITS_MAX 64 /* patterns matched per check; more dropped */

struct kgi_domain_hit {
    uint32_t pattern; /* id in the table */
    uint32_t name;    /* index into names */
};

struct kgi_domain {
    const struct kgi_namepat *t;
    const struct kg_flow *flow; /* full-size (the library's own copy) */
    struct kgi_ip src, dst;
    bool resolved;
    size_t n_names;
    struct kgi_dns_seen names[KGI_DNS_SEEN_MAX];
    size_t n_hits;
    struct kgi_domain_hit hits[KGI_DOMAIN_HITS_MAX];
};

/* Prepares d for flow src -> dst (the flow's addresses as the lookup
 * parsed them); resolves nothing yet. t NULL: no patterns. */
void kgi_domain_init(struct kgi_domain *d, const struct kgi_namepat *t,
                     const struct kg_flow *flow, const struct kgi_ip *src,
                     const struct kgi_ip *dst);

/* The first hit among ids[0..n) (a peer's pattern ids) in the order the
 * names were found (the dialled/claimed name, else the cache's names
 * newest first), or NULL when the destination matches none of them. */
const struct kgi_domain_hit *kgi_domain_match(struct kgi_domain *d,
                                              const uint32_t *ids, size_t n);

/* Fills detail->domain (the pattern's normalized text, owned by the
 * table) and detail->name (the name, copied into flow->name_buf when it
 * fits, else NULL). */
void kgi_domain_report(const struct kgi_domain *d,
                       const struct kgi_domain_hit *h,
                       struct kg_side_detail *detail);

#endif
