// SPDX-License-Identifier: MIT
/*
 * tier_compile.c - compiles ClusterNetworkPolicies, AdminNetworkPolicies,
 * the BaselineAdminNetworkPolicy and Nodes into the tier tables of
 * policy/tier_table.h, inside the NetworkPolicy compile whose identities
 * and selections it shares (policy/tier_build.h gives the order).
 *
 * Workload: tens to hundreds of policies; each peer selector is one
 * selection of the NetworkPolicy compiler (kgi_vd_select_peer, memoized
 * by its text, so "namespaces: {}" is evaluated once for every policy of
 * both kinds); subjects cost policies x identities; nodes peers cost
 * Nodes x peers. Everything is O(n log n) in those.
 *
 * Steps (adminnetworkpolicy-semantics rules in brackets):
 *   1. read (policy/cnp_model.h), refuse duplicate names per kind;
 *   2. order the policies: tier, priority, kind, name [6, 9, 11]; rule ids
 *      follow that order, then direction, then rule index, so ascending
 *      ids are evaluation order;
 *   3. per rule: port matchers (named ports of any protocol), selections
 *      of namespaces / pods peers [15, 19], networks [21], the addresses
 *      of the Nodes a nodes peer selects (InternalIP, ExternalIP) [20],
 *      domainNames into the name-pattern table [22];
 *   4. subjects: per identity and direction the policies selecting it
 *      (host-networked pods have no identity: never subjects [16]);
 *      identities with equal lists share a chain;
 *   5. equal priorities in one chain (both policies select a pod) are a
 *      warning naming both; so is an admin tier mixing both kinds [11].
 */
#include <stdlib.h>
#include <string.h>

#include "policy/cnp_model.h"
#include "policy/tier_build.h"
#include "policy/tier_table.h"
#include "util/alloc.h"

enum { K_CNP = 0, K_ANP = 1, K_BANP = 2, N_KINDS = 3 };

static const char *const kind_names[N_KINDS] = {
    "ClusterNetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy"};

struct kgi_tier_build {
    struct kgi_cnp_policy *pols[N_KINDS];
    size_t n_pols[N_KINDS];
    struct kgi_cnp_policy **uniq[N_KINDS]; /* sorted by name, unique */
    struct kgi_cnp_policy **all;           /* evaluation order */
    size_t n_all;
    struct kgi_k8s_node *nodes;
    size_t n_nodes;
    struct kgi_k8s_node **node_uniq;
    struct kgi_vd_intern chains;
};

static int kind_index(int kind)
{
    switch (kind) {
    case KGI_KIND_CLUSTERNETWORKPOLICY:
        return K_CNP;
    case KGI_KIND_ADMINNETWORKPOLICY:
        return K_ANP;
    case KGI_KIND_BASELINEADMINNETWORKPOLICY:
        return K_BANP;
    default:
        return -1;
    }
}

/* Whether dropping invalid policy p could allow what it would have
 * denied: a Deny or Pass rule, a rule whose action is unreadable, or a
 * rule list that could not be read. */
static bool may_deny(const struct kgi_cnp_policy *p)
{
    const struct kgi_node *spec = kgi_node_get(p->meta.node, "spec");
    for (int dir = 0; dir < 2; dir++) {
        const struct kgi_node *l =
            spec && spec->kind == KGI_NODE_MAP
                ? kgi_node_get(spec, dir == KG_INGRESS ? "ingress" : "egress")
                : NULL;
        if (spec && spec->kind != KGI_NODE_MAP)
            return true;
        if (l && !kgi_node_is_null(l) &&
            (l->kind != KGI_NODE_SEQ || l->count != p->n_rules[dir]))
            return true;
        for (size_t i = 0; i < p->n_rules[dir]; i++)
            if (p->rules[dir][i].action != KGI_CNP_ALLOW)
                return true;
    }
    return !spec;
}

/* An invalid tier policy under KG_FLAG_SKIP_INVALID whose errors are all
 * inside rules is kept, each such rule in its fail-closed form
 * (adminnetworkpolicy-semantics rule 24: an Allow rule matches nothing; a
 * Deny or Pass rule, or one whose action is unreadable, matches every peer
 * and port), with a warning at the rule. */
static void fail_closed(struct kgi_ctx *c, struct kgi_cnp_policy *p)
{
    size_t sm = kgi_enter(c, "spec");
    for (int dir = 0; dir < 2; dir++) {
        size_t dm = kgi_enter(c, dir == KG_INGRESS ? "ingress" : "egress");
        for (size_t i = 0; i < p->n_rules[dir]; i++) {
            struct kgi_cnp_rule *r = &p->rules[dir][i];
            if (!r->invalid)
                continue;
            if (r->action != KGI_CNP_ALLOW && r->action != KGI_CNP_PASS)
                r->action = KGI_CNP_DENY;
            size_t im = kgi_enter_index(c, i);
            kgi_warning(c, KG_EINVALID, r->node,
                        r->action == KGI_CNP_ALLOW
                            ? "invalid rule kept in its fail-closed form "
                              "(skip-invalid): this %s rule matches nothing"
                            : "invalid rule kept in its fail-closed form "
                              "(skip-invalid): this %s rule matches every "
                              "peer and port of its subjects",
                        kgi_cnp_action_name(r->action, p->version));
            kgi_leave(c, im);
        }
        kgi_leave(c, dm);
    }
    kgi_leave(c, sm);
}

int kgi_tier_read(struct kgi_vd_build *b, bool *errors)
{
    const struct kgi_compile_in *in = b->in;
    struct kgi_tier_build *t = kgi_arena_calloc(b->scratch, 1, sizeof(*t));
    if (!t)
        return KG_ENOMEM;
    b->tiers = t;
    size_t count[N_KINDS] = {0}, n_nodes = 0;
    for (size_t i = 0; i < in->n; i++) {
        int k = kind_index(in->objs[i].kind);
        if (k >= 0)
            count[k]++;
        n_nodes += in->objs[i].kind == KGI_KIND_NODE;
    }
    for (int k = 0; k < N_KINDS; k++)
        if (!(t->pols[k] = kgi_arena_calloc(b->scratch, count[k] + 1,
                                            sizeof(**t->pols))))
            return KG_ENOMEM;
    t->nodes = kgi_arena_calloc(b->scratch, n_nodes + 1, sizeof(*t->nodes));
    if (!t->nodes)
        return KG_ENOMEM;
    bool skip = kgi_flag(in->opts, KG_FLAG_SKIP_INVALID);
    for (size_t i = 0; i < in->n; i++) {
        const struct kgi_meta *m = &in->objs[i];
        int k = kind_index(m->kind);
        if (k < 0 && m->kind != KGI_KIND_NODE)
            continue;
        size_t before = kgi_diag_mark(in->diags);
        struct kgi_ctx c;
        kgi_ctx_init(&c, in->diags, b->scratch, in->opts, m->file);
        bool ok;
        size_t *n;
        if (k < 0) {
            ok = kgi_k8s_node_read(&c, m, &t->nodes[t->n_nodes]);
            n = &t->n_nodes;
        } else {
            ok = kgi_cnp_read(&c, m, &t->pols[k][t->n_pols[k]]);
            n = &t->n_pols[k];
        }
        if (kgi_diag_oom_since(in->diags, before))
            return KG_ENOMEM;
        if (ok && c.errors == 0) {
            (*n)++;
        } else if (!skip) {
            *errors = true;
        } else if (k < 0) {
            kgi_diag_demote(in->diags, before); /* a Node: left out */
        } else {
            /* skip-invalid must not make an invalid policy allow what it
             * would deny: rules fail closed (fail_closed), and a policy
             * that cannot be kept so and may deny stays an error */
            struct kgi_cnp_policy *p = &t->pols[k][t->n_pols[k]];
            if (p->rule_errors == c.errors) {
                kgi_diag_demote(in->diags, before);
                fail_closed(&c, p);
                (*n)++;
            } else if (!may_deny(p)) {
                kgi_diag_demote(in->diags, before); /* Allow rules only */
            } else {
                kgi_error(&c, KG_EINVALID, m->node,
                          "not skipped although skip-invalid is set: this "
                          "invalid %s may deny, and leaving it out would "
                          "allow what it denies; fix it or delete it",
                          kind_names[k]);
                *errors = true;
            }
            if (kgi_diag_oom_since(in->diags, before))
                return KG_ENOMEM;
        }
    }
    for (int k = 0; k < N_KINDS; k++) {
        int rc = kgi_vd_sort_unique(
            in, b->scratch, t->pols[k], sizeof(**t->pols),
            offsetof(struct kgi_cnp_policy, meta), &t->n_pols[k],
            (void ***)&t->uniq[k], errors, kind_names[k]);
        if (rc)
            return rc;
    }
    return kgi_vd_sort_unique(in, b->scratch, t->nodes, sizeof(*t->nodes),
                              offsetof(struct kgi_k8s_node, meta), &t->n_nodes,
                              (void ***)&t->node_uniq, errors, "Node");
}

/* ------------------------------------------------------------- ordering */

static int kind_of(const struct kgi_cnp_policy *p)
{
    int k = kind_index(p->meta.kind);
    return k < 0 ? K_CNP : k; /* only the three kinds are read */
}

/* Evaluation order: tier, priority, kind name, metadata.name. */
static int eval_cmp(const void *x, const void *y)
{
    const struct kgi_cnp_policy *a = *(const struct kgi_cnp_policy *const *)x;
    const struct kgi_cnp_policy *b = *(const struct kgi_cnp_policy *const *)y;
    if (a->tier != b->tier)
        return a->tier < b->tier ? -1 : 1;
    if (a->priority != b->priority)
        return a->priority < b->priority ? -1 : 1;
    int c = strcmp(kind_names[kind_of(a)], kind_names[kind_of(b)]);
    if (c)
        return c;
    return kgi_vd_str_cmp(a->meta.name, b->meta.name);
}

static int u32_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

int kgi_tr_ip_cmp(const struct kgi_ip *a, const struct kgi_ip *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return memcmp(a->b, b->b, 16);
}

static int ip_cmp_v(const void *x, const void *y)
{
    return kgi_tr_ip_cmp(x, y);
}

/* Family first: kgi_cidr_cmp orders prefixes of one family, and
 * 0.0.0.0/0 and ::/0 have the same bits. */
static int cidr_cmp_v(const void *x, const void *y)
{
    const struct kgi_cidr *a = x, *b = y;
    if (a->ip.family != b->ip.family)
        return a->ip.family < b->ip.family ? -1 : 1;
    return kgi_cidr_cmp(a, b);
}

/* Sorts v[0..n) of size sz and drops equal neighbours; returns the count. */
static size_t sort_uniq(void *v, size_t n, size_t sz,
                        int (*cmp)(const void *, const void *))
{
    if (n < 2)
        return n;
    qsort(v, n, sz, cmp);
    char *p = v;
    size_t k = 1;
    for (size_t i = 1; i < n; i++) {
        if (cmp(p + (k - 1) * sz, p + i * sz) == 0)
            continue;
        if (k != i)
            memcpy(p + k * sz, p + i * sz, sz);
        k++;
    }
    return k;
}

static char *dup_str(struct kgi_arena *a, struct kgi_str s)
{
    return kgi_arena_strndup(a, s.p ? s.p : "", s.n);
}

/* --------------------------------------------------------------- rules */

struct scratch_lists {
    uint32_t *sels, *doms;
    size_t sels_cap, doms_cap;
    struct kgi_cidr *nets;
    size_t nets_cap;
    struct kgi_ip *addrs;
    size_t addrs_cap;
    const char **texts; /* pattern id -> text */
    size_t n_texts, texts_cap;
};

static int rule_ports(struct kgi_netpol *np, struct kgi_tr_rule *cr,
                      const struct kgi_cnp_rule *src)
{
    cr->any_ports = src->n_ports == 0;
    if (cr->any_ports)
        return 0;
    struct kgi_vd_port *v =
        kgi_arena_calloc(&np->arena, src->n_ports, sizeof(*v));
    if (!v)
        return KG_ENOMEM;
    for (size_t k = 0; k < src->n_ports; k++) {
        const struct kgi_cnp_port *sp = &src->ports[k];
        v[k].proto = (uint8_t)sp->protocol;
        if (sp->name.n) {
            /* rule 27: no protocol of its own; matched on the destination
             * pod's port of that name with the flow's number and protocol */
            v[k].kind = KGI_VD_PORT_NAMED;
            v[k].proto = 0;
            v[k].name = kgi_arena_strndup(&np->arena, sp->name.p, sp->name.n);
            if (!v[k].name)
                return KG_ENOMEM;
            v[k].name_len = (uint8_t)(sp->name.n > 255 ? 255 : sp->name.n);
        } else {
            v[k].kind = KGI_VD_PORT_RANGE;
            v[k].lo = sp->lo;
            v[k].hi = sp->hi;
        }
    }
    cr->ports = v;
    cr->n_ports = (uint32_t)src->n_ports;
    return 0;
}

/* The peers of one rule into selections, CIDRs, node addresses and
 * domain pattern ids. */
static int rule_peers(struct kgi_vd_build *b, struct scratch_lists *s,
                      struct kgi_tr_rule *cr, const struct kgi_cnp_rule *src)
{
    struct kgi_netpol *np = b->np;
    struct kgi_tier_build *t = b->tiers;
    size_t ns = 0, nn = 0, na = 0, nd = 0;
    for (size_t k = 0; k < src->n_peers; k++) {
        const struct kgi_cnp_peer *p = &src->peers[k];
        switch (p->kind) {
        case KGI_CNP_PEER_NAMESPACES:
        case KGI_CNP_PEER_PODS: {
            /* the NetworkPolicy peer of the same meaning: a
             * namespaceSelector (absent: all namespaces) AND, for pods, a
             * podSelector; evaluated once per distinct text */
            struct kgi_np_peer q;
            memset(&q, 0, sizeof(q));
            q.kind = KGI_PEER_SELECTORS;
            q.has_ns_sel = true;
            q.ns_sel = p->ns_sel;
            q.has_pod_sel = p->kind == KGI_CNP_PEER_PODS;
            q.pod_sel = p->pod_sel;
            if (kgi_grow((void **)&s->sels, &s->sels_cap, ns + 1,
                         sizeof(*s->sels)))
                return KG_ENOMEM;
            int rc = kgi_vd_select_peer(b, &q, 0, &s->sels[ns]);
            if (rc)
                return rc;
            ns++;
            break;
        }
        case KGI_CNP_PEER_NETWORKS:
            if (kgi_grow((void **)&s->nets, &s->nets_cap, nn + p->n_nets,
                         sizeof(*s->nets)))
                return KG_ENOMEM;
            memcpy(s->nets + nn, p->nets, p->n_nets * sizeof(*p->nets));
            nn += p->n_nets;
            break;
        case KGI_CNP_PEER_NODES:
            for (size_t i = 0; i < t->n_nodes; i++) {
                const struct kgi_k8s_node *node = t->node_uniq[i];
                if (!kgi_selector_matches(&p->node_sel, &node->labels))
                    continue;
                if (kgi_grow((void **)&s->addrs, &s->addrs_cap,
                             na + node->n_addrs, sizeof(*s->addrs)))
                    return KG_ENOMEM;
                memcpy(s->addrs + na, node->addrs,
                       node->n_addrs * sizeof(*node->addrs));
                na += node->n_addrs;
            }
            break;
        case KGI_CNP_PEER_DOMAINS:
            for (size_t i = 0; i < p->n_domains; i++) {
                uint32_t id;
                if (kgi_grow((void **)&s->doms, &s->doms_cap, nd + 1,
                             sizeof(*s->doms)))
                    return KG_ENOMEM;
                struct kgi_tiers *tt = np->tiers;
                int rc = kgi_namepat_add(&tt->names, p->domains[i].p,
                                         p->domains[i].n, &id);
                if (rc == KG_ENOMEM)
                    return rc;
                if (rc != 0)
                    continue; /* a pattern that can never match: none */
                if (id >= s->n_texts) {
                    /* a new pattern: keep its text for verdicts */
                    if (kgi_grow((void **)&s->texts, &s->texts_cap, id + 1,
                                 sizeof(*s->texts)))
                        return KG_ENOMEM;
                    s->texts[id] = dup_str(&np->arena, p->domains[i]);
                    if (!s->texts[id])
                        return KG_ENOMEM;
                    s->n_texts = id + 1;
                }
                s->doms[nd++] = id;
            }
            break;
        default:
            break;
        }
    }
    ns = sort_uniq(s->sels, ns, sizeof(*s->sels), u32_cmp);
    nn = sort_uniq(s->nets, nn, sizeof(*s->nets), cidr_cmp_v);
    na = sort_uniq(s->addrs, na, sizeof(*s->addrs), ip_cmp_v);
    nd = sort_uniq(s->doms, nd, sizeof(*s->doms), u32_cmp);
    cr->sels = kgi_arena_memdup(&np->arena, s->sels, ns * sizeof(*s->sels));
    cr->nets = kgi_arena_memdup(&np->arena, s->nets, nn * sizeof(*s->nets));
    cr->addrs = kgi_arena_memdup(&np->arena, s->addrs, na * sizeof(*s->addrs));
    cr->domains = kgi_arena_memdup(&np->arena, s->doms, nd * sizeof(*s->doms));
    if (!cr->sels || !cr->nets || !cr->addrs || !cr->domains)
        return KG_ENOMEM;
    /* the IPv4 networks (sorted first) as masks for the walk */
    size_t n4 = 0;
    while (n4 < nn && cr->nets[n4].ip.family == 4)
        n4++;
    struct kgi_tr_net4 *v4 = kgi_arena_calloc(&np->arena, n4 + 1, sizeof(*v4));
    if (!v4)
        return KG_ENOMEM;
    for (size_t i = 0; i < n4; i++) {
        const struct kgi_cidr *c = &cr->nets[i];
        v4[i].mask = c->len ? ~0u << (32 - c->len) : 0;
        v4[i].net = kgi_tr_ip4(&c->ip) & v4[i].mask;
    }
    cr->nets4 = v4;
    cr->n_nets4 = (uint32_t)n4;
    cr->n_sels = (uint32_t)ns;
    cr->n_nets = (uint32_t)nn;
    cr->n_addrs = (uint32_t)na;
    cr->n_domains = (uint32_t)nd;
    return 0;
}

int kgi_tier_build_rules(struct kgi_vd_build *b)
{
    struct kgi_tier_build *t = b->tiers;
    struct kgi_netpol *np = b->np;
    size_t n = 0;
    for (int k = 0; k < N_KINDS; k++)
        n += t->n_pols[k];
    if (n == 0)
        return 0; /* no tier: lookups see np->tiers == NULL */
    t->all = kgi_arena_calloc(b->scratch, n, sizeof(*t->all));
    struct kgi_tiers *tt = kgi_arena_calloc(&np->arena, 1, sizeof(*tt));
    if (!t->all || !tt)
        return KG_ENOMEM;
    kgi_namepat_init(&tt->names);
    np->tiers = tt;
    tt->n_nodes = (uint32_t)t->n_nodes;
    for (int k = 0; k < N_KINDS; k++)
        for (size_t i = 0; i < t->n_pols[k]; i++)
            t->all[t->n_all++] = t->uniq[k][i];
    qsort(t->all, t->n_all, sizeof(*t->all), eval_cmp);
    size_t n_rules = 0;
    for (size_t i = 0; i < t->n_all; i++)
        n_rules += t->all[i]->n_rules[0] + t->all[i]->n_rules[1];
    if (n_rules >= KGI_VD_NONE)
        return KG_ENOMEM;
    tt->policies =
        kgi_arena_calloc(&np->arena, t->n_all, sizeof(*tt->policies));
    tt->rules = kgi_arena_calloc(&np->arena, n_rules + 1, sizeof(*tt->rules));
    if (!tt->policies || !tt->rules)
        return KG_ENOMEM;
    tt->n_policies = (uint32_t)t->n_all;
    struct scratch_lists s;
    memset(&s, 0, sizeof(s));
    int rc = 0;
    uint32_t id = 0;
    for (size_t i = 0; i < t->n_all && !rc; i++) {
        const struct kgi_cnp_policy *m = t->all[i];
        struct kgi_tr_policy *cp = &tt->policies[i];
        cp->name = dup_str(&np->arena, m->meta.name);
        if (!cp->name) {
            rc = KG_ENOMEM;
            break;
        }
        cp->kind = kind_names[kind_of(m)];
        cp->tier = (uint8_t)m->tier;
        cp->version = (uint8_t)m->version;
        cp->priority = kind_of(m) == K_BANP ? -1 : m->priority;
        for (int dir = 0; dir < 2 && !rc; dir++) {
            cp->first_rule[dir] = id;
            cp->n_rules[dir] = (uint32_t)m->n_rules[dir];
            for (size_t r = 0; r < m->n_rules[dir] && !rc; r++, id++) {
                const struct kgi_cnp_rule *src = &m->rules[dir][r];
                struct kgi_tr_rule *cr = &tt->rules[id];
                cr->policy = (uint32_t)i;
                cr->index = (uint32_t)r;
                cr->dir = (uint8_t)dir;
                cr->action = (uint8_t)src->action;
                if (src->name.n &&
                    !(cr->name = dup_str(&np->arena, src->name))) {
                    rc = KG_ENOMEM;
                    break;
                }
                /* an invalid rule kept under skip-invalid (fail_closed):
                 * every port, and no peer (Allow) or every address */
                struct kgi_cidr all[2];
                struct kgi_cnp_peer every;
                struct kgi_cnp_rule closed;
                if (src->invalid) {
                    memset(all, 0, sizeof(all));
                    all[0].ip.family = 4;
                    all[1].ip.family = 6;
                    memset(&every, 0, sizeof(every));
                    every.kind = KGI_CNP_PEER_NETWORKS;
                    every.nets = all;
                    every.n_nets = 2;
                    memset(&closed, 0, sizeof(closed));
                    closed.action = src->action;
                    closed.peers = &every;
                    closed.n_peers = src->action == KGI_CNP_ALLOW ? 0 : 1;
                    src = &closed;
                }
                if (!(rc = rule_ports(np, cr, src)))
                    rc = rule_peers(b, &s, cr, src);
            }
        }
    }
    tt->n_rules = id;
    if (!rc && s.n_texts) {
        tt->patterns =
            kgi_arena_memdup(&np->arena, s.texts, s.n_texts * sizeof(*s.texts));
        if (!tt->patterns)
            rc = KG_ENOMEM;
    }
    kgi_free(s.texts);
    kgi_free(s.sels);
    kgi_free(s.doms);
    kgi_free(s.nets);
    kgi_free(s.addrs);
    return rc;
}

/* -------------------------------------------------------------- chains */

/* A pair of equal-priority policies of one chain, reported once. */
struct tie {
    uint32_t a, b;  /* policy indices, a < b */
    uint32_t ident; /* an identity both select */
};

static int tie_cmp(const void *x, const void *y)
{
    const struct tie *a = x, *b = y;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

/* The warning of a tie, at the later policy's spec.priority. */
static int tie_warn(struct kgi_vd_build *b, const struct tie *e)
{
    const struct kgi_tier_build *t = b->tiers;
    const struct kgi_tiers *tt = b->np->tiers;
    const struct kgi_cnp_policy *m = t->all[e->b];
    const struct kgi_tr_policy *pa = &tt->policies[e->a];
    const struct kgi_tr_policy *pb = &tt->policies[e->b];
    const struct kgi_netpol *np = b->np;
    const char *pod = np->pods[np->idents[e->ident].first].name;
    size_t before = kgi_diag_mark(b->in->diags);
    struct kgi_ctx c;
    kgi_ctx_init(&c, b->in->diags, b->scratch, b->in->opts, m->meta.file);
    size_t mk = kgi_enter(&c, "spec");
    const struct kgi_node *spec = kgi_node_get(m->meta.node, "spec");
    const struct kgi_node *at = spec ? kgi_node_get(spec, "priority") : NULL;
    kgi_enter(&c, at ? "priority" : "subject");
    if (pa->priority == pb->priority)
        kgi_warning(&c, KG_ECONFLICT, at ? at : m->meta.node,
                    "%s %s has the priority of %s %s (%d) and both select "
                    "pod %s: which applies is undefined upstream; kgress "
                    "checks %s %s first (kind, then name order)",
                    pb->kind, pb->name, pa->kind, pa->name, (int)pb->priority,
                    pod, pa->kind, pa->name);
    else
        kgi_warning(&c, KG_ECONFLICT, at ? at : m->meta.node,
                    "%s %s and %s %s both select pod %s: the order of the two "
                    "kinds is undefined upstream; kgress orders the admin "
                    "tier by priority, then kind, then name",
                    pa->kind, pa->name, pb->kind, pb->name, pod);
    kgi_leave(&c, mk);
    return kgi_diag_oom_since(b->in->diags, before) ? KG_ENOMEM : 0;
}

/* Rule id of the tables as a step of a chain. */
static struct kgi_tr_step step_of(const struct kgi_tiers *tt, uint32_t id)
{
    const struct kgi_tr_rule *r = &tt->rules[id];
    struct kgi_tr_step s;
    memset(&s, 0, sizeof(s));
    s.rule = id;
    s.action = r->action;
    if (r->any_ports) {
        s.flags |= KGI_TR_ANY_PORT;
    } else if (r->n_ports == 1 && r->ports[0].kind == KGI_VD_PORT_RANGE) {
        s.flags |= KGI_TR_ONE_PORT;
        s.proto = r->ports[0].proto;
        s.lo = r->ports[0].lo;
        s.hi = r->ports[0].hi;
    }
    for (uint32_t k = 0; k < r->n_nets; k++)
        if (r->nets[k].len == 0)
            s.flags |=
                r->nets[k].ip.family == 4 ? KGI_TR_ALL_V4 : KGI_TR_ALL_V6;
    if (r->n_sels)
        s.flags |= KGI_TR_SELS;
    if (r->n_nets)
        s.flags |= KGI_TR_NETS;
    if (r->n_addrs)
        s.flags |= KGI_TR_ADDRS;
    if (r->n_domains)
        s.flags |= KGI_TR_DOMAINS;
    return s;
}

/* Chain r: its rules (admin, then baseline) and the ties it shows. */
static int build_chain(struct kgi_vd_build *b, uint32_t r, uint32_t ident,
                       struct tie **ties, size_t *n_ties, size_t *ties_cap,
                       bool *mixed)
{
    struct kgi_tiers *tt = b->np->tiers;
    const struct kgi_vd_intern_item *it = &b->tiers->chains.items[r];
    struct kgi_tr_chain *ch = &tt->chains[r];
    int dir = (int)it->tag;
    ch->dir = (uint8_t)dir;
    ch->policies = it->v;
    ch->n_policies = it->n;
    uint32_t n = 0;
    for (uint32_t k = 0; k < it->n; k++)
        n += tt->policies[it->v[k]].n_rules[dir];
    struct kgi_tr_step *v = kgi_arena_calloc(&b->np->arena, n + 1, sizeof(*v));
    if (!v)
        return KG_ENOMEM;
    n = 0;
    /* the last admin policy of each kind seen, for the mixed-kind warning */
    uint32_t last[N_KINDS] = {KGI_VD_NONE, KGI_VD_NONE, KGI_VD_NONE};
    for (uint32_t k = 0; k < it->n; k++) {
        uint32_t pi = it->v[k];
        const struct kgi_tr_policy *p = &tt->policies[pi];
        for (uint32_t q = 0; q < p->n_rules[dir]; q++)
            v[n++] = step_of(tt, p->first_rule[dir] + q);
        uint32_t other = KGI_VD_NONE;
        if (p->tier == KGI_CNP_ADMIN) {
            ch->n_admin += p->n_rules[dir];
            int kind = p->kind == kind_names[K_CNP] ? K_CNP : K_ANP;
            other = last[kind == K_CNP ? K_ANP : K_CNP];
            last[kind] = pi;
        } else {
            ch->n_base += p->n_rules[dir];
        }
        const struct kgi_tr_policy *prev =
            k ? &tt->policies[it->v[k - 1]] : NULL;
        uint32_t a = KGI_VD_NONE;
        if (prev && prev->tier == p->tier && prev->priority == p->priority)
            a = it->v[k - 1]; /* rule 11: a tie */
        else if (other != KGI_VD_NONE && !*mixed) {
            a = other; /* both kinds in one admin tier */
            *mixed = true;
        }
        if (a == KGI_VD_NONE)
            continue;
        if (kgi_grow((void **)ties, ties_cap, *n_ties + 1, sizeof(**ties)))
            return KG_ENOMEM;
        (*ties)[*n_ties].a = a;
        (*ties)[*n_ties].b = pi;
        (*ties)[*n_ties].ident = ident;
        (*n_ties)++;
    }
    ch->steps = v;
    /* a tier's trailing Pass rules decide what no match decides (the next
     * tier): the walk stops before them */
    ch->walk[0] = ch->n_admin;
    while (ch->walk[0] && v[ch->walk[0] - 1].action == KGI_CNP_PASS)
        ch->walk[0]--;
    ch->walk[1] = ch->n_base;
    while (ch->walk[1] &&
           v[ch->n_admin + ch->walk[1] - 1].action == KGI_CNP_PASS)
        ch->walk[1]--;
    return 0;
}

int kgi_tier_build_chains(struct kgi_vd_build *b)
{
    struct kgi_tier_build *t = b->tiers;
    struct kgi_netpol *np = b->np;
    struct kgi_tiers *tt = np->tiers;
    if (!tt)
        return 0;
    size_t n_idents = np->n_idents;
    struct kgi_vd_subj *v = NULL;
    size_t n = 0, cap = 0;
    uint32_t *start = NULL, *pols = NULL, *first = NULL;
    struct tie *ties = NULL;
    size_t n_ties = 0, ties_cap = 0;
    int rc = KG_ENOMEM;
    /* subjects [15, 16]: namespaces (labels) AND, for pods, pod labels */
    for (uint32_t p = 0; p < tt->n_policies; p++) {
        const struct kgi_cnp_policy *m = t->all[p];
        for (size_t x = 0; x < b->n_ns; x++) {
            const struct kgi_vd_nsinfo *ns = &b->ns[x];
            if (!kgi_selector_matches(&m->subj_ns, ns->labels))
                continue;
            for (uint32_t i = ns->ident_begin; i < ns->ident_end; i++) {
                if (m->subj_pods &&
                    !kgi_selector_matches(&m->subj_pod, b->ident_labels[i]))
                    continue;
                tt->policies[p].n_pods += np->idents[i].n_pods;
                for (int dir = 0; dir < 2; dir++) {
                    if (!tt->policies[p].n_rules[dir])
                        continue; /* no rules: does not affect dir */
                    if (kgi_grow((void **)&v, &cap, n + 1, sizeof(*v)))
                        goto out;
                    v[n].key = (uint32_t)(dir * n_idents + i);
                    v[n].pol = p;
                    n++;
                }
            }
        }
    }
    /* grouped by (dir, identity), stably: evaluation order kept */
    if (kgi_vd_group(v, n, 2 * n_idents, &start, &pols))
        goto out;
    for (size_t k = 0; k < 2 * n_idents; k++) {
        uint32_t cnt = start[k + 1] - start[k];
        if (!cnt)
            continue;
        uint32_t id;
        if (kgi_vd_intern_get(&t->chains, &np->arena, pols + start[k], cnt,
                              (uint32_t)(k / n_idents), &id))
            goto out;
        np->idents[k % n_idents].tier[k / n_idents] = id + 1;
    }
    tt->n_chains = (uint32_t)t->chains.n;
    tt->chains =
        kgi_arena_calloc(&np->arena, tt->n_chains + 1, sizeof(*tt->chains));
    first = kgi_malloc((tt->n_chains + 1) * sizeof(*first));
    if (!tt->chains || !first)
        goto out;
    for (uint32_t c = 0; c < tt->n_chains; c++)
        first[c] = KGI_VD_NONE;
    for (int dir = 0; dir < 2; dir++) {
        for (uint32_t i = 0; i < n_idents; i++) {
            if (!np->idents[i].tier[dir])
                continue;
            uint32_t c = np->idents[i].tier[dir] - 1;
            tt->chains[c].n_pods += np->idents[i].n_pods;
            if (first[c] == KGI_VD_NONE)
                first[c] = i;
        }
    }
    bool mixed = false;
    for (uint32_t c = 0; c < tt->n_chains; c++)
        if ((rc = build_chain(b, c, first[c], &ties, &n_ties, &ties_cap,
                              &mixed)))
            goto out;
    /* one warning per pair, in policy order */
    if (n_ties > 1) {
        qsort(ties, n_ties, sizeof(*ties), tie_cmp);
        size_t k = 1;
        for (size_t i = 1; i < n_ties; i++)
            if (tie_cmp(&ties[k - 1], &ties[i]) != 0)
                ties[k++] = ties[i];
        n_ties = k;
    }
    for (size_t i = 0; i < n_ties; i++)
        if ((rc = tie_warn(b, &ties[i])))
            goto out;
    rc = 0;
out:
    kgi_free(v);
    kgi_free(start);
    kgi_free(pols);
    kgi_free(first);
    kgi_free(ties);
    return rc;
}

void kgi_tier_build_release(struct kgi_vd_build *b)
{
    if (b->tiers)
        kgi_vd_intern_free(&b->tiers->chains);
}

void kgi_tiers_release(struct kgi_tiers *t)
{
    if (t)
        kgi_namepat_release(&t->names);
}
