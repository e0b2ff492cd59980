// SPDX-License-Identifier: MIT
/*
 * explain.c - kg_explain_rule on the compiled policy tables: one side of a
 * flow, rule by rule (policy/explain.h).
 *
 * Workload: a diagnostic tool's question, a few flows at a time; the i-th
 * rule costs the i rules before it (their effects decide its own), each a
 * few table reads. Nothing is allocated, nothing locked.
 *
 * Why its own walk rather than the verdict's: the verdict (policy/
 * lookup.c) stops at the first rule that decides and, for NetworkPolicy,
 * never looks at a rule whose ipBlock class or selections exclude the
 * peer. An explanation wants every rule judged on its own, with the reason
 * a peer or port missed, so each rule is tested here against the same
 * tables with the same tests (rule membership in the peer address's
 * ipBlock class, selections meeting the peer identity's, kgi_vd_ports_match
 * per listed port; the tier walk's peer tests), and the effects are then
 * those of the verdict's order: admin tier, NetworkPolicy, baseline tier
 * (adminnetworkpolicy-semantics rules 5-10). tests/verdict/test_explain.c
 * checks that the rule marked decided is the verdict's, flow by flow.
 */
#include <string.h>

#include "policy/cnp_model.h"
#include "policy/domain.h"
#include "policy/explain.h"
#include "policy/namepat.h"
#include "policy/netpol_model.h"
#include "policy/tier_table.h"
#include "policy/tier_walk.h"

/* What the walk knows of the side being explained. */
struct side {
    const struct kgi_netpol *np;
    int dir;
    uint32_t pod, peer_pod, dst_pod;
    const struct kgi_ip *peer;
    const struct kgi_vd_ident *peer_id; /* NULL: not a pod, hostNetwork */
    int proto;
    unsigned port;
    struct kgi_domain *dom; /* egress with names, else NULL */
    bool tiers;             /* the cluster tiers apply (not loopback) */
};

/* How ports[0..n) judge the flow (enum kg_port_match). */
static int ports_judge(const struct side *s, bool any,
                       const struct kgi_vd_port *ports, uint32_t n)
{
    if (any)
        return KG_PORTS_ANY; /* netpol rules 6/7 */
    bool proto = false, named = false, by_name = false;
    for (uint32_t k = 0; k < n; k++) {
        const struct kgi_vd_port *m = &ports[k];
        if (m->proto != s->proto && m->proto != 0)
            continue; /* rules 21, 25 */
        proto = true;
        if (m->kind == KGI_VD_PORT_NAMED)
            named = true;
        if (!kgi_vd_ports_match(s->np, m, 1, s->proto, s->port, s->dst_pod))
            continue;
        if (m->kind != KGI_VD_PORT_NAMED)
            return KG_PORTS_NUMBER;
        by_name = true;
    }
    if (by_name)
        return KG_PORTS_NAMED;
    if (!proto)
        return KG_PORTS_NOT_PROTOCOL;
    return named ? KG_PORTS_NOT_NAMED : KG_PORTS_NOT_NUMBER;
}

static bool has_id(const struct kgi_vd_class *c, uint32_t id)
{
    uint32_t lo = 0, hi = c->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->rules[mid] == id)
            return true;
        if (c->rules[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* How NetworkPolicy rule id (of rule set rs) judges the peer, as
 * policy/lookup.c's netpol_side decides: its class for the peer address
 * (ipBlock rules and rules without peers; pod addresses only when
 * ipBlocks match pods, rule 19) or its selections (rules 12-14). */
static int np_peer(const struct side *s, const struct kgi_vd_ruleset *rs,
                   uint32_t id)
{
    const struct kgi_netpol *np = s->np;
    const struct kgi_vd_rule *r = &np->rules[id];
    if (r->any_peer)
        return KG_PEER_ANY;
    if (s->peer_id &&
        kgi_vd_meet(r->sels, r->n_sels, s->peer_id->sels, s->peer_id->n_sels))
        return KG_PEER_SELECTOR;
    uint32_t cls = kgi_cidrtab_lookup(&rs->tab[s->peer->family == 6], s->peer);
    if (cls == KGI_CIDRTAB_NONE)
        cls = rs->default_class;
    if (has_id(kgi_vd_class_at(np, cls), id))
        return s->peer_pod == KGI_VD_NONE || np->ipblock_pods
                   ? KG_PEER_CIDR
                   : KG_PEER_POD_ADDRESS;
    return s->peer_pod == KGI_VD_NONE ? KG_PEER_NOT_IN_CIDR
                                      : KG_PEER_NOT_SELECTED;
}

/* How tier rule r judges the peer (policy/tier_walk.h's tests). */
static int tier_peer(const struct side *s, const struct kgi_tr_rule *r)
{
    if (s->peer_id &&
        kgi_vd_meet(r->sels, r->n_sels, s->peer_id->sels, s->peer_id->n_sels))
        return KG_PEER_SELECTOR;
    if (r->n_nets && kgi_tr_in_nets(r, s->peer))
        return KG_PEER_CIDR;
    if (r->n_addrs && kgi_tr_in_addrs(r, s->peer))
        return KG_PEER_NODE;
    if (r->n_domains && s->dom && s->dir == KG_EGRESS &&
        kgi_domain_match(s->dom, r->domains, r->n_domains))
        return KG_PEER_DOMAIN;
    return s->peer_pod == KGI_VD_NONE ? KG_PEER_NOT_IN_CIDR
                                      : KG_PEER_NOT_SELECTED;
}

static bool peer_ok(int peer)
{
    return peer >= KG_PEER_ANY && peer <= KG_PEER_DOMAIN;
}

static bool ports_ok(int ports)
{
    return ports >= KG_PORTS_ANY && ports <= KG_PORTS_NAMED;
}

/* Where the walk is: the next entry's index and whether the side, or the
 * current tier, has been settled by an earlier rule. */
struct walk {
    size_t at, want;
    bool decided;   /* a rule decided the side, or NetworkPolicy isolation */
    bool tier_done; /* a Pass rule ended the current tier */
    struct kg_rule_match *out;
};

/* Records entry e; true when it is the one wanted (the walk stops). */
static bool emit(struct walk *w, const struct kg_rule_match *e)
{
    if (w->at++ != w->want)
        return false;
    *w->out = *e;
    return true;
}

static int action_of(int a)
{
    return a == KGI_CNP_ALLOW  ? KG_ACTION_ALLOW
           : a == KGI_CNP_DENY ? KG_ACTION_DENY
                               : KG_ACTION_PASS;
}

/* The rules of tier `tier` of the pod's chain; true when the wanted one
 * was among them. */
static bool tier_rules(const struct side *s, struct walk *w, int tier,
                       uint32_t ident)
{
    const struct kgi_tiers *t = s->np->tiers;
    if (!t || ident == KGI_VD_NONE)
        return false;
    uint32_t c = kgi_vd_ident_at(s->np, ident)->tier[s->dir];
    if (!c)
        return false; /* no tier policy selects it */
    const struct kgi_tr_chain *ch = &t->chains[c - 1];
    w->tier_done = false;
    for (uint32_t k = 0; k < ch->n_policies; k++) {
        const struct kgi_tr_policy *p = &t->policies[ch->policies[k]];
        if (p->tier != tier)
            continue;
        for (uint32_t q = 0; q < p->n_rules[s->dir]; q++) {
            const struct kgi_tr_rule *r = &t->rules[p->first_rule[s->dir] + q];
            struct kg_rule_match e;
            memset(&e, 0, sizeof(e));
            e.tier = tier == KGI_CNP_ADMIN ? KG_TIER_ADMIN : KG_TIER_BASELINE;
            e.action = action_of(r->action);
            e.policy_kind = p->kind;
            e.policy = p->name;
            e.priority = p->priority; /* -1 for the BANP */
            e.rule = (int)r->index;
            e.rule_name = r->name;
            e.ports = ports_judge(s, r->any_ports, r->ports, r->n_ports);
            e.peer = tier_peer(s, r);
            e.matched = peer_ok(e.peer) && ports_ok(e.ports);
            if (e.matched) {
                if (!s->tiers || w->decided || w->tier_done) {
                    e.effect = KG_EFFECT_NOT_REACHED;
                } else if (e.action == KG_ACTION_PASS) {
                    e.effect = KG_EFFECT_PASSED;
                    w->tier_done = true;
                } else {
                    e.effect = KG_EFFECT_DECIDED;
                    w->decided = true;
                }
            }
            if (emit(w, &e))
                return true;
        }
    }
    return false;
}

/* The NetworkPolicies isolating the pod (rule set rsid), every rule of
 * each, or a placeholder for a policy without rules in the direction. */
static bool np_rules(const struct side *s, struct walk *w, uint32_t rsid)
{
    const struct kgi_netpol *np = s->np;
    const struct kgi_vd_ruleset *rs = kgi_vd_ruleset_at(np, rsid);
    for (uint32_t k = 0; k < rs->n_policies; k++) {
        const struct kgi_vd_policy *p = &np->policies[rs->policies[k]];
        uint32_t n = p->n_rules[s->dir];
        for (uint32_t q = 0; q < (n ? n : 1); q++) {
            struct kg_rule_match e;
            memset(&e, 0, sizeof(e));
            e.tier = KG_TIER_NETWORK_POLICY;
            e.action = KG_ACTION_ALLOW;
            e.policy_kind = "NetworkPolicy";
            e.policy = p->name;
            e.priority = -1;
            e.rule = -1;
            if (n) {
                uint32_t id = p->first_rule[s->dir] + q;
                const struct kgi_vd_rule *r = &np->rules[id];
                e.rule = (int)r->index;
                e.peer = np_peer(s, rs, id);
                e.ports = ports_judge(s, r->any_ports, r->ports, r->n_ports);
                e.matched = peer_ok(e.peer) && ports_ok(e.ports);
                if (e.matched) {
                    e.effect =
                        w->decided ? KG_EFFECT_NOT_REACHED : KG_EFFECT_DECIDED;
                    w->decided = true; /* rule 5: the first allows */
                }
            }
            if (emit(w, &e))
                return true;
        }
    }
    w->decided = true; /* isolated: decided here, allowed or not */
    return false;
}

static bool flow_ok(const struct kg_flow *f)
{
    return (f->protocol == KG_PROTO_TCP || f->protocol == KG_PROTO_UDP ||
            f->protocol == KG_PROTO_SCTP) &&
           f->port <= 65535 && (f->dst_name || !f->dst_name_len) &&
           (f->name_trust == 0 || f->name_trust == KG_NAME_DIALLED ||
            f->name_trust == KG_NAME_CLAIMED);
}

int kgi_netpol_explain(const struct kgi_netpol *np, const struct kg_flow *f,
                       int dir, size_t i, struct kg_rule_match *out)
{
    struct kgi_ip src, dst;
    if (!np || !out || (dir != KG_INGRESS && dir != KG_EGRESS) ||
        !kgi_vd_addr(&f->src, &src) || !kgi_vd_addr(&f->dst, &dst) ||
        !flow_ok(f))
        return KG_EINVAL;
    uint32_t sp = kgi_netpol_endpoint(np, &src);
    uint32_t dp = kgi_netpol_endpoint(np, &dst);
    struct side s = {
        .np = np,
        .dir = dir,
        .pod = dir == KG_EGRESS ? sp : dp,
        .peer_pod = dir == KG_EGRESS ? dp : sp,
        .dst_pod = dp,
        .peer = dir == KG_EGRESS ? &dst : &src,
        .proto = f->protocol,
        .port = f->port,
    };
    if (s.pod == KGI_VD_NONE)
        return KG_ENOTFOUND; /* not a pod: nothing isolates it */
    const struct kgi_vd_pod *p = kgi_vd_pod_at(np, s.pod);
    if (p->host_network || p->ident == KGI_VD_NONE)
        return KG_ENOTFOUND; /* rule 20 */
    if (s.peer_pod != KGI_VD_NONE) {
        uint32_t pid = kgi_vd_pod_at(np, s.peer_pod)->ident;
        s.peer_id = pid == KGI_VD_NONE ? NULL : kgi_vd_ident_at(np, pid);
    }
    /* a pod reaching its own IP is not subject to the tiers (rule 13) */
    s.tiers = !(np->loopback && s.peer_pod == s.pod);
    struct kgi_domain dom;
    if (dir == KG_EGRESS && np->tiers && np->tiers->names.n_patterns &&
        (f->dst_name || f->cache)) {
        kgi_domain_init(&dom, &np->tiers->names, f, &src, &dst);
        s.dom = &dom;
    }
    struct walk w = {.want = i, .out = out};
    if (tier_rules(&s, &w, KGI_CNP_ADMIN, p->ident))
        return 0;
    uint32_t rsid = kgi_vd_ident_at(np, p->ident)->rs[dir];
    if (rsid != KGI_VD_NONE && np_rules(&s, &w, rsid))
        return 0;
    if (tier_rules(&s, &w, KGI_CNP_BASELINE, p->ident))
        return 0;
    return KG_ENOTFOUND;
}

KG_API const char *kg_match_name(int which, int value)
{
    static const char *const peer[] = {
        "?",      "any-peer",     "selected",    "in-cidr",    "node",
        "domain", "not-selected", "not-in-cidr", "pod-address"};
    static const char *const ports[] = {
        "?",          "any-port", "number", "named", "not-protocol",
        "not-number", "not-named"};
    static const char *const effect[] = {"none", "decided", "passed",
                                         "not-reached"};
    const char *const *v = which == KG_MATCH_PEER     ? peer
                           : which == KG_MATCH_PORTS  ? ports
                           : which == KG_MATCH_EFFECT ? effect
                                                      : NULL;
    size_t n = which == KG_MATCH_PEER    ? sizeof(peer) / sizeof(*peer)
               : which == KG_MATCH_PORTS ? sizeof(ports) / sizeof(*ports)
                                         : sizeof(effect) / sizeof(*effect);
    if (!v || value < 0 || (size_t)value >= n)
        return "?";
    return v[value];
}
