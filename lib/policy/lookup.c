// SPDX-License-Identifier: MIT
/*
 * lookup.c - the verdict of a flow on the policy engine's tables
 * (kgi_netpol_check), what decided each side (struct kg_side_detail), and
 * the pod look-ups. The public entry points (kg_check_flow and friends,
 * api/check.c) check the caller's struct sizes and call these.
 *
 * Workload: the per-packet or per-connection path of firewalls, NFQUEUE
 * agents and sidecars, from many threads. Each side is: the address table
 * (IP -> pod -> identity), the identity's rule set for the direction, one
 * CIDR-table lookup of the peer address giving its ipBlock class, the
 * selector rules whose selections hold the peer's identity, and the port
 * matchers of the first candidates (policy/table.h). Reads only; no
 * allocation, no lock.
 *
 * Order of the reasons of a side (the verdict does not depend on it, the
 * explanation does): not a pod, hostNetwork pod, not isolated, allowed by a
 * rule (the policy is the most useful thing to report), loopback, node
 * ingress, denied.
 */
#include <stddef.h>
#include <string.h>

#include "policy/cnp_model.h"
#include "policy/domain.h"
#include "policy/namepat.h"
#include "policy/netpol_model.h"
#include "policy/service.h"
#include "policy/table.h"
#include "policy/tier_table.h"
#include "policy/tier_walk.h"
#include "util/str.h"

static bool named_match(const struct kgi_vd_pod *p, const struct kgi_vd_port *m,
                        int proto, unsigned port)
{
    /* rule 23: the destination pod declares that name, with the flow's
     * protocol and number (a tier's named port has no protocol of its
     * own: m->proto 0) */
    for (uint32_t i = 0; i < p->n_named; i++) {
        const struct kgi_vd_named *n = &p->named[i];
        if (n->name_len == m->name_len && n->proto == proto &&
            n->port == port && memcmp(n->name, m->name, m->name_len) == 0)
            return true;
    }
    return false;
}

bool kgi_vd_ports_match(const struct kgi_netpol *np,
                        const struct kgi_vd_port *ports, uint32_t n, int proto,
                        unsigned port, uint32_t dst_pod)
{
    for (uint32_t k = 0; k < n; k++) {
        const struct kgi_vd_port *m = &ports[k];
        if (m->proto != proto && m->proto != 0)
            continue; /* rules 21, 25: protocols never mix */
        switch (m->kind) {
        case KGI_VD_PORT_ANY:
            return true;
        case KGI_VD_PORT_RANGE:
            if (port >= m->lo && port <= m->hi)
                return true; /* rule 24: inclusive */
            break;
        default:
            if (dst_pod != KGI_VD_NONE &&
                named_match(kgi_vd_pod_at(np, dst_pod), m, proto, port))
                return true;
            break;
        }
    }
    return false;
}

static bool ports_match(const struct kgi_netpol *np,
                        const struct kgi_vd_rule *r, int proto, unsigned port,
                        uint32_t dst_pod)
{
    /* rule 6/7: no ports = every port and protocol */
    return r->any_ports ||
           kgi_vd_ports_match(np, r->ports, r->n_ports, proto, port, dst_pod);
}

/* Whether one of rule r's selections holds identity id. */
static bool selects(const struct kgi_vd_rule *r, const struct kgi_vd_ident *id)
{
    return kgi_vd_meet(r->sels, r->n_sels, id->sels, id->n_sels);
}

static void side_init(struct kg_side *s, int reason)
{
    s->allowed = true;
    s->reason = reason;
    s->pod = KG_POD_NONE;
    s->pod_name = NULL;
    s->policy = NULL;
    s->rule = -1;
    s->policies = 0;
}

/* A detail saying no tier decided (rule and priority -1: none). */
static void detail_none(struct kg_side_detail *d)
{
    memset(d, 0, sizeof(*d));
    d->rule = -1;
    d->priority = -1;
}

/* The detail of a side NetworkPolicy or the default decided (kgress.h
 * struct kg_side_detail), derived from its reason; d starts as
 * detail_none. */
static void detail_of(const struct kg_side *s, struct kg_side_detail *d)
{
    switch (s->reason) {
    case KG_REASON_ALLOWED_BY_RULE:
        d->tier = KG_TIER_NETWORK_POLICY;
        d->action = KG_ACTION_ALLOW;
        d->policy_kind = "NetworkPolicy";
        d->policy = s->policy;
        d->rule = s->rule;
        break;
    case KG_REASON_NO_RULE:
        d->tier = KG_TIER_NETWORK_POLICY;
        d->action = KG_ACTION_DENY;
        d->policy_kind = "NetworkPolicy";
        break;
    case KG_REASON_NOT_ISOLATED:
        d->tier = KG_TIER_DEFAULT;
        d->action = KG_ACTION_ALLOW;
        break;
    default:
        break; /* not decided by a tier */
    }
}

/* The side and detail of a tier rule that allowed or denied (step s,
 * the name dh a domainNames peer matched). */
static void tier_report(const struct kgi_tr_flow *f, int tier,
                        const struct kgi_tr_step *s,
                        const struct kgi_domain_hit *dh, struct kg_side *out,
                        struct kg_side_detail *d)
{
    const struct kgi_netpol *np = f->np;
    struct kgi_domain *dom = f->dom;
    const struct kgi_tr_rule *r = &np->tiers->rules[s->rule];
    const struct kgi_tr_policy *tp = &np->tiers->policies[r->policy];
    out->allowed = s->action == KGI_CNP_ALLOW;
    out->reason =
        out->allowed ? KG_REASON_ALLOWED_BY_RULE : KG_REASON_DENIED_BY_RULE;
    out->policy = tp->name;
    out->rule = (int)r->index;
    if (d) {
        d->tier = tier == KGI_CNP_ADMIN ? KG_TIER_ADMIN : KG_TIER_BASELINE;
        d->action = out->allowed ? KG_ACTION_ALLOW : KG_ACTION_DENY;
        d->policy_kind = tp->kind;
        d->policy = tp->name;
        d->rule_name = r->name;
        d->rule = (int)r->index;
        d->priority = tp->priority;
        if (dh) {
            kgi_domain_report(dom, dh, d);                /* the name */
            d->domain = np->tiers->patterns[dh->pattern]; /* as written */
        }
    }
}

/* A tier's decision for a side (adminnetworkpolicy-semantics rules 6, 9):
 * true when a rule of that tier allowed or denied; false when none
 * matched or one passed. The walk reads ch->walk[tier] steps: a tier's
 * trailing Pass rules are dropped at compile time (a Pass there decides
 * what no match decides), so a tier of only Pass rules costs nothing. */
static inline __attribute__((always_inline)) bool
tier_decides(const struct kgi_tr_flow *f, int tier,
             const struct kgi_tr_chain *ch, struct kg_side *out,
             struct kg_side_detail *d)
{
    int base = tier == KGI_CNP_BASELINE;
    if (!ch->walk[base])
        return false; /* no rule of that tier can decide for the subject */
    const struct kgi_domain_hit *dh;
    const struct kgi_tr_step *s = kgi_tier_walk(
        f, ch->steps + (base ? ch->n_admin : 0), ch->walk[base], &dh);
    if (!s || s->action == KGI_CNP_PASS)
        return false;
    tier_report(f, tier, s, dh, out, d);
    return true;
}

/* The NetworkPolicy tier of an isolated side (rule set rsid); inline in
 * both sides (plain and tiered) as it was in the one before tiers. */
static inline __attribute__((always_inline)) void
netpol_side(const struct kgi_netpol *np, uint32_t pod, int dir, uint32_t rsid,
            const struct kgi_ip *peer, uint32_t peer_pod, int proto,
            unsigned port, struct kg_side *out)
{
    const struct kgi_vd_pod *p = kgi_vd_pod_at(np, pod);
    const struct kgi_vd_ruleset *rs = kgi_vd_ruleset_at(np, rsid);
    out->policies = rs->n_policies;
    uint32_t dst_pod = dir == KG_INGRESS ? pod : peer_pod;
    /* the ipBlock rules admitting the address (and the rules without
     * peers); a pod address only when ipBlocks match pods (rule 19) */
    uint32_t cls = KGI_CIDRTAB_NONE;
    if (peer_pod == KGI_VD_NONE || np->ipblock_pods)
        cls = kgi_cidrtab_lookup(&rs->tab[peer->family == 6], peer);
    if (cls == KGI_CIDRTAB_NONE)
        cls = rs->default_class;
    const struct kgi_vd_class *c = kgi_vd_class_at(np, cls);
    uint32_t best = KGI_VD_NONE;
    for (uint32_t i = 0; i < c->n; i++) {
        if (ports_match(np, &np->rules[c->rules[i]], proto, port, dst_pod)) {
            best = c->rules[i];
            break;
        }
    }
    /* the selector rules before it that select the peer's identity */
    uint32_t pid = peer_pod == KGI_VD_NONE ? KGI_VD_NONE
                                           : kgi_vd_pod_at(np, peer_pod)->ident;
    if (pid != KGI_VD_NONE) {
        const struct kgi_vd_ident *id = kgi_vd_ident_at(np, pid);
        for (uint32_t i = 0; i < rs->n_sel_rules && rs->sel_rules[i] < best;
             i++) {
            const struct kgi_vd_rule *r = &np->rules[rs->sel_rules[i]];
            if (selects(r, id) && ports_match(np, r, proto, port, dst_pod)) {
                best = rs->sel_rules[i];
                break;
            }
        }
    }
    if (best != KGI_VD_NONE) {
        const struct kgi_vd_rule *r = &np->rules[best];
        out->reason = KG_REASON_ALLOWED_BY_RULE; /* rule 5 */
        out->policy = np->policies[r->policy].name;
        out->rule = (int)r->index;
        return;
    }
    if (np->loopback && peer_pod == pod) {
        out->reason = KG_REASON_LOOPBACK; /* rule 11 */
        return;
    }
    if (dir == KG_INGRESS && np->node_ingress) {
        for (unsigned k = 0; k < p->n_host_ips; k++) {
            if (kgi_ip_equal(&p->host_ips[k], peer)) {
                out->reason = KG_REASON_NODE; /* rule 10 */
                return;
            }
        }
    }
    out->allowed = false;
    out->reason = KG_REASON_NO_RULE;
}

/* The side of subject pod `pod` of chain ch (its rule set rsid): the
 * admin tier, then NetworkPolicy (an isolated side is decided there),
 * then the baseline tier, then the default allow. The walks are inline
 * here, apart from the side of a pod no tier policy selects. */
static void tiered_side(const struct kgi_tr_flow *f, uint32_t pod,
                        const struct kgi_tr_chain *ch, uint32_t rsid,
                        struct kg_side *out, struct kg_side_detail *d)
{
    if (tier_decides(f, KGI_CNP_ADMIN, ch, out, d))
        return;
    if (rsid != KGI_VD_NONE) {
        netpol_side(f->np, pod, f->dir, rsid, f->peer, f->peer_pod, f->proto,
                    f->port, out);
        if (d)
            detail_of(out, d);
        return; /* a selected pod's decision is final */
    }
    if (tier_decides(f, KGI_CNP_BASELINE, ch, out, d))
        return;
    if (d)
        detail_of(out, d);
}

/* The side of pod `pod` in direction dir, the other end being `peer`
 * (owned by peer_pod or KGI_VD_NONE): the admin tier, then NetworkPolicy
 * (an isolated side is decided there), then the baseline tier, then the
 * default allow (adminnetworkpolicy-semantics rules 5-10). */
static void side(const struct kgi_netpol *np, uint32_t pod, int dir,
                 const struct kgi_ip *peer, uint32_t peer_pod, int proto,
                 unsigned port, struct kgi_domain *dom, struct kg_side *out,
                 struct kg_side_detail *d)
{
    if (d)
        detail_none(d);
    if (pod == KGI_VD_NONE) {
        side_init(out, KG_REASON_NOT_A_POD); /* rule 8 */
        return;
    }
    const struct kgi_vd_pod *p = kgi_vd_pod_at(np, pod);
    side_init(out, KG_REASON_NOT_ISOLATED);
    out->pod = pod;
    out->pod_name = p->name;
    if (p->host_network) {
        out->reason = KG_REASON_HOST_NETWORK; /* rule 20 */
        return;
    }
    const struct kgi_vd_ident *id = kgi_vd_ident_at(np, p->ident);
    /* a subject of a tier policy (kgi_vd_ident.tier); a pod reaching its
     * own IP is not subject to the cluster tiers
     * (adminnetworkpolicy-semantics rule 13, the loopback flag) */
    if (id->tier[dir] && !(np->loopback && peer_pod == pod)) {
        struct kgi_tr_flow f = {
            np,  peer,  peer_pod, dir == KG_INGRESS ? pod : peer_pod,
            dir, proto, port,     dom};
        tiered_side(&f, pod, &np->tiers->chains[id->tier[dir] - 1], id->rs[dir],
                    out, d);
        return;
    }
    if (id->rs[dir] != KGI_VD_NONE) {
        netpol_side(np, pod, dir, id->rs[dir], peer, peer_pod, proto, port,
                    out);
        if (d)
            detail_of(out, d);
        return; /* a selected pod's decision is final */
    }
    if (d)
        detail_of(out, d); /* rule 4: not isolated, the default allow */
}

bool kgi_vd_addr(const struct kg_addr *a, struct kgi_ip *ip)
{
    if (!a || (a->family != 4 && a->family != 6))
        return false;
    ip->family = a->family;
    memcpy(ip->b, a->bytes, 16);
    if (a->family == 4)
        memset(ip->b + 4, 0, 12); /* only bytes[0..3] count */
    /* a dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d: that is the
     * IPv4 host, and judging it as an unknown IPv6 address would skip the
     * pod's policies (a wrong allow) */
    kgi_ip_unmap(ip);
    return true;
}

static bool proto_ok(int p)
{
    return p == KG_PROTO_TCP || p == KG_PROTO_UDP || p == KG_PROTO_SCTP;
}

int kgi_netpol_check(const struct kgi_netpol *np,
                     const struct kgi_services *svc, const struct kg_flow *f,
                     struct kg_verdict *out)
{
    struct kgi_ip s, d;
    if (!np || !kgi_vd_addr(&f->src, &s) || !kgi_vd_addr(&f->dst, &d) ||
        !proto_ok(f->protocol) || f->port > 65535 ||
        (!f->dst_name && f->dst_name_len) ||
        (f->name_trust != 0 && f->name_trust != KG_NAME_DIALLED &&
         f->name_trust != KG_NAME_CLAIMED))
        return KG_EINVAL;
    uint32_t sp = kgi_netpol_endpoint(np, &s);
    uint32_t dp = kgi_netpol_endpoint(np, &d);
    /* domainNames peers (fqdn-semantics rule 21, policy/domain.h): a name
     * the caller dialled decides on its own; a claimed one (SNI, Host)
     * only when the DNS cache vouches for the address; without a name, the
     * names the cache learnt for the address. Resolved lazily, when a tier
     * rule with domainNames is reached; egress only */
    struct kgi_domain dom;
    bool names =
        np->tiers && np->tiers->names.n_patterns && (f->dst_name || f->cache);
    if (names)
        kgi_domain_init(&dom, &np->tiers->names, f, &s, &d);
    side(np, sp, KG_EGRESS, &d, dp, f->protocol, f->port, names ? &dom : NULL,
         &out->egress, &out->egress_detail);
    side(np, dp, KG_INGRESS, &s, sp, f->protocol, f->port, NULL, &out->ingress,
         &out->ingress_detail);
    out->allowed = out->egress.allowed && out->ingress.allowed; /* rule 8 */
    out->service = NULL;
    out->endpoints = 0;
    memset(&out->endpoint, 0, sizeof(out->endpoint));
    out->endpoint_port = 0;
    if (svc)
        kgi_services_flow(svc, np, f, &d, out); /* a ClusterIP */
    return 0;
}

int kgi_netpol_side(const struct kgi_netpol *np, uint32_t pod, int direction,
                    const struct kg_addr *peer, int protocol, unsigned port,
                    struct kg_side *out)
{
    struct kgi_ip p;
    if (!np || !out || !kgi_vd_addr(peer, &p) || !proto_ok(protocol) ||
        port > 65535 || (direction != KG_INGRESS && direction != KG_EGRESS) ||
        pod >= np->n_pods)
        return KG_EINVAL;
    side(np, pod, direction, &p, kgi_netpol_endpoint(np, &p), protocol, port,
         NULL, out, NULL);
    return 0;
}

bool kgi_vd_pod_search(const struct kgi_vd_pod *v, uint32_t n, const char *ns,
                       size_t ns_len, const char *name, size_t name_len,
                       uint32_t *at)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct kgi_vd_pod *p = &v[mid];
        int c = kgi_mem_cmp(p->name, p->ns_len, ns, ns_len);
        if (!c)
            c = kgi_mem_cmp(p->name + p->ns_len + 1,
                            strlen(p->name + p->ns_len + 1), name, name_len);
        if (c == 0) {
            *at = (uint32_t)mid;
            return true;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

int kgi_netpol_pod_find(const struct kgi_netpol *np, const char *ns,
                        size_t ns_len, const char *name, size_t name_len,
                        uint32_t *pod)
{
    if (!np || !pod || (!ns && ns_len) || (!name && name_len))
        return KG_EINVAL;
    uint32_t at;
    /* a delta's changed pods first: their base versions are dead */
    if (kgi_vd_pod_search(np->xpods, np->n_pods - np->base_pods, ns, ns_len,
                          name, name_len, &at)) {
        *pod = np->base_pods + at;
        return 0;
    }
    if (kgi_vd_pod_search(np->pods, np->base_pods, ns, ns_len, name, name_len,
                          &at) &&
        !kgi_vd_pod_dead(np, at)) {
        *pod = at;
        return 0;
    }
    return KG_ENOTFOUND;
}

int kgi_netpol_pod_find_addr(const struct kgi_netpol *np,
                             const struct kg_addr *addr, uint32_t *pod)
{
    struct kgi_ip ip;
    if (!np || !pod || !kgi_vd_addr(addr, &ip))
        return KG_EINVAL;
    uint32_t p = kgi_netpol_endpoint(np, &ip);
    if (p == KGI_VD_NONE)
        return KG_ENOTFOUND;
    *pod = p;
    return 0;
}

const char *kgi_netpol_pod_name(const struct kgi_netpol *np, uint32_t pod)
{
    if (!np || pod >= np->n_pods)
        return NULL;
    return kgi_vd_pod_at(np, pod)->name;
}

int kgi_netpol_pod_addr(const struct kgi_netpol *np, uint32_t pod, size_t i,
                        struct kg_addr *out)
{
    if (!np || !out || pod >= np->n_pods)
        return KG_EINVAL;
    const struct kgi_vd_pod *p = kgi_vd_pod_at(np, pod);
    if (i >= p->n_ips)
        return KG_ENOTFOUND;
    out->family = p->ips[i].family;
    memcpy(out->bytes, p->ips[i].b, sizeof(out->bytes));
    return 0;
}

const char *kgi_netpol_pod_policy(const struct kgi_netpol *np, uint32_t pod,
                                  int direction, size_t i)
{
    if (!np || pod >= np->n_pods ||
        (direction != KG_INGRESS && direction != KG_EGRESS))
        return NULL;
    const struct kgi_vd_pod *p = kgi_vd_pod_at(np, pod);
    if (p->host_network || p->ident == KGI_VD_NONE)
        return NULL;
    uint32_t r = kgi_vd_ident_at(np, p->ident)->rs[direction];
    if (r == KGI_VD_NONE || i >= kgi_vd_ruleset_at(np, r)->n_policies)
        return NULL;
    return np->policies[kgi_vd_ruleset_at(np, r)->policies[i]].name;
}
