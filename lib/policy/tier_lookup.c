// SPDX-License-Identifier: MIT
/*
 * tier_lookup.c - the walk of one tier of a subject's chain (policy/
 * tier_table.h): the first rule, in evaluation order, whose ports match
 * the flow and one of whose peers holds the other end decides.
 *
 * Workload: every verdict side of a pod some tier policy selects, from
 * many threads; the chain is a short ascending list of rule ids (tens),
 * each peer test a merge of two short sorted lists, a few prefix tests or
 * one binary search. Reads only; no allocation, no lock.
 *
 * Peers (adminnetworkpolicy-semantics rules in brackets): namespaces and
 * pods peers match a pod only (its identity; host-networked pods have none)
 * [18, 19]; networks match any address, pods and nodes included [21];
 * nodes peers match the selected Nodes' addresses [20]; domainNames match
 * the destination's name as policy/domain.h resolves it (dialled; claimed
 * and vouched for by the DNS cache; or learnt from the cache) [22]. An ingress
 * peer never matches a source that is not a pod: only namespaces and pods
 * peers exist there.
 */
#include <string.h>

#include "policy/cnp_model.h"
#include "policy/tier_table.h"

bool kgi_tr_in_nets(const struct kgi_tr_rule *r, const struct kgi_ip *ip)
{
    for (uint32_t i = 0; i < r->n_nets; i++)
        if (kgi_cidr_has_ip(&r->nets[i], ip))
            return true; /* families never mix: has_ip checks */
    return false;
}

bool kgi_tr_in_addrs(const struct kgi_tr_rule *r, const struct kgi_ip *ip)
{
    uint32_t lo = 0, hi = r->n_addrs;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = kgi_tr_ip_cmp(&r->addrs[mid], ip);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

struct kgi_tr_hit kgi_tier_walk(const struct kgi_netpol *np, int tier,
                                uint32_t ident, int dir,
                                const struct kgi_ip *peer, uint32_t peer_pod,
                                int proto, unsigned port, uint32_t dst_pod,
                                struct kgi_domain *dom)
{
    struct kgi_tr_hit hit = {KGI_VD_NONE, 0, KGI_VD_NONE, NULL};
    const struct kgi_tiers *t = np->tiers;
    if (!t || ident == KGI_VD_NONE)
        return hit;
    uint32_t c = t->chain[dir][ident];
    if (c == KGI_VD_NONE)
        return hit;
    const struct kgi_tr_chain *ch = &t->chains[c];
    const uint32_t *ids = ch->rules;
    uint32_t n = ch->n_admin;
    if (tier == KGI_CNP_BASELINE) {
        ids += ch->n_admin;
        n = ch->n_base;
    }
    uint32_t pid = peer_pod == KGI_VD_NONE ? KGI_VD_NONE
                                           : kgi_vd_pod_at(np, peer_pod)->ident;
    const struct kgi_vd_ident *pi =
        pid == KGI_VD_NONE ? NULL : kgi_vd_ident_at(np, pid);
    for (uint32_t k = 0; k < n; k++) {
        const struct kgi_tr_rule *r = &t->rules[ids[k]];
        if (!r->any_ports &&
            !kgi_vd_ports_match(np, r->ports, r->n_ports, proto, port, dst_pod))
            continue;
        bool match =
            (pi && kgi_vd_meet(r->sels, r->n_sels, pi->sels, pi->n_sels)) ||
            (r->n_nets && kgi_tr_in_nets(r, peer)) ||
            (r->n_addrs && kgi_tr_in_addrs(r, peer));
        if (!match && r->n_domains && dom && dir == KG_EGRESS) {
            hit.domain = kgi_domain_match(dom, r->domains, r->n_domains);
            hit.pattern = hit.domain ? hit.domain->pattern : KGI_VD_NONE;
            match = hit.domain != NULL;
        }
        if (match) {
            hit.rule = ids[k];
            hit.action = r->action;
            return hit;
        }
    }
    return hit;
}
