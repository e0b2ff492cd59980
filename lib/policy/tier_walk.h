// SPDX-License-Identifier: MIT
/*
 * tier_walk.h - the walk of one tier of a subject's chain (policy/
 * tier_table.h): the first rule, in evaluation order, whose ports match
 * the flow and one of whose peers holds the other end decides. Inline,
 * for the verdict side of policy/lookup.c: a side whose subject some tier
 * policy selects walks one or two tiers, and a call, its prologue and a
 * returned struct cost more than the few steps a walk usually reads.
 *
 * Workload: every verdict side of a pod some tier policy selects, from
 * many threads; the chain is a short list of steps in evaluation order
 * (tens): the inline port test of a step skips most rules without reading
 * them, a networks peer holding the whole family matches without reading
 * the rule, and the others cost a merge of two short sorted lists, a few
 * masked compares or one binary search. Reads only; no allocation, no
 * lock.
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
#ifndef KGI_POLICY_TIER_WALK_H
#define KGI_POLICY_TIER_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/cnp_model.h"
#include "policy/domain.h"
#include "policy/tier_table.h"

/* Whether a networks peer of r holds ip / ip is the address of a Node a
 * nodes peer of r selects (the walk's peer tests, for the explanation of
 * policy/explain.c too). */
static inline bool kgi_tr_in_nets(const struct kgi_tr_rule *r,
                                  const struct kgi_ip *ip)
{
    if (ip->family == 4) {
        uint32_t a = kgi_tr_ip4(ip);
        for (uint32_t i = 0; i < r->n_nets4; i++)
            if ((a & r->nets4[i].mask) == r->nets4[i].net)
                return true;
        return false;
    }
    for (uint32_t i = r->n_nets4; i < r->n_nets; i++)
        if (kgi_cidr_has_ip(&r->nets[i], ip))
            return true;
    return false;
}

static inline bool kgi_tr_in_addrs(const struct kgi_tr_rule *r,
                                   const struct kgi_ip *ip)
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

/* One side of a flow as the walk reads it: the subject's direction dir,
 * the other end `peer` (owned by peer_pod, or KGI_VD_NONE), named ports
 * judged on dst_pod; dom (NULL: no domainNames peer matches) is the
 * flow's destination for domainNames peers (policy/domain.h: the dialled
 * or claimed name, the DNS cache), egress only. */
struct kgi_tr_flow {
    const struct kgi_netpol *np;
    const struct kgi_ip *peer;
    uint32_t peer_pod, dst_pod;
    int dir, proto;
    unsigned port;
    struct kgi_domain *dom;
};

/* Walks steps[0..n) (one tier of a subject's chain in f->dir). Returns
 * the deciding step, or NULL when no rule matched; *domain is the name a
 * domainNames peer matched (NULL for the other peers). No allocation, no
 * lock. */
static inline __attribute__((always_inline)) const struct kgi_tr_step *
kgi_tier_walk(const struct kgi_tr_flow *f, const struct kgi_tr_step *s,
              uint32_t n, const struct kgi_domain_hit **domain)
{
    const struct kgi_netpol *np = f->np;
    const struct kgi_tiers *t = np->tiers;
    const struct kgi_ip *peer = f->peer;
    int proto = f->proto;
    unsigned port = f->port;
    *domain = NULL;
    /* networks peers match any address, pods and nodes included [21] */
    unsigned all = peer->family == 4 ? KGI_TR_ALL_V4 : KGI_TR_ALL_V6;
    /* the peer's identity, read when a selector peer is reached */
    const struct kgi_vd_ident *pi = NULL;
    bool pi_read = f->peer_pod == KGI_VD_NONE;
    for (const struct kgi_tr_step *end = s + n; s < end; s++) {
        unsigned fl = s->flags;
        if (fl & KGI_TR_ONE_PORT) {
            if (s->proto != proto || port < s->lo || port > s->hi)
                continue;
        } else if (!(fl & KGI_TR_ANY_PORT)) {
            const struct kgi_tr_rule *r = &t->rules[s->rule];
            if (!kgi_vd_ports_match(np, r->ports, r->n_ports, proto, port,
                                    f->dst_pod))
                continue;
        }
        if (fl & all)
            return s;
        const struct kgi_tr_rule *r = &t->rules[s->rule];
        if ((fl & KGI_TR_SELS) && !pi_read) {
            uint32_t pid = kgi_vd_pod_at(np, f->peer_pod)->ident;
            pi = pid == KGI_VD_NONE ? NULL : kgi_vd_ident_at(np, pid);
            pi_read = true;
        }
        if (((fl & KGI_TR_SELS) && pi &&
             kgi_vd_meet(r->sels, r->n_sels, pi->sels, pi->n_sels)) ||
            ((fl & KGI_TR_NETS) && kgi_tr_in_nets(r, peer)) ||
            ((fl & KGI_TR_ADDRS) && kgi_tr_in_addrs(r, peer)))
            return s;
        if ((fl & KGI_TR_DOMAINS) && f->dom && f->dir == KG_EGRESS &&
            (*domain = kgi_domain_match(f->dom, r->domains, r->n_domains)))
            return s;
    }
    return NULL;
}

#endif
