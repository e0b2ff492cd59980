// SPDX-License-Identifier: MIT
/*
 * netpol_rules.c - the rules of the NetworkPolicy compiler: port matchers
 * and selections of every rule, subjects (which policies isolate each
 * identity in each direction, rules 1-4) grouped into rule sets, and per
 * rule set and family the table of its ipBlock prefixes (rule 18) mapping
 * an address to its peer class.
 *
 * Workload: rules are few per policy; subjects cost policies x identities
 * of the policy's namespace; a rule set's table costs its ipBlock prefixes
 * (from a handful to a BGP view), never its selected pods, which the
 * identities' selection lists answer instead (policy/table.h).
 *
 * Classes: the prefixes of a rule set, walked in preorder with the set of
 * ipBlocks containing the current prefix (prefixes nest or are disjoint),
 * give each prefix the exact rules whose ipBlocks admit an address whose
 * longest prefix it is (cidr and not except), plus the rules without peers
 * (rule 6); classes are interned across rule sets.
 */
#include <stdlib.h>
#include <string.h>

#include "policy/netpol_build.h"
#include "util/alloc.h"
#include "util/radix.h"

char *kgi_vd_join_name(struct kgi_arena *a, const struct kgi_meta *m)
{
    char *s = kgi_arena_alloc(a, m->ns.n + m->name.n + 2, 1);
    if (!s)
        return NULL;
    if (m->ns.n)
        memcpy(s, m->ns.p, m->ns.n);
    s[m->ns.n] = '/';
    if (m->name.n)
        memcpy(s + m->ns.n + 1, m->name.p, m->name.n);
    s[m->ns.n + 1 + m->name.n] = '\0';
    return s;
}

static int u32_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

static int rule_ports(struct kgi_netpol *np, struct kgi_vd_rule *cr,
                      const struct kgi_np_rule *src)
{
    struct kgi_vd_port *v =
        kgi_arena_calloc(&np->arena, src->n_ports, sizeof(*v));
    if (!v)
        return KG_ENOMEM;
    for (size_t k = 0; k < src->n_ports; k++) {
        const struct kgi_np_port *sp = &src->ports[k];
        v[k].proto = (uint8_t)sp->protocol;
        if (sp->any_port) {
            v[k].kind = KGI_VD_PORT_ANY;
        } else if (sp->name.n) {
            v[k].kind = KGI_VD_PORT_NAMED;
            v[k].name = kgi_arena_strndup(&np->arena, sp->name.p, sp->name.n);
            if (!v[k].name)
                return KG_ENOMEM;
            v[k].name_len = (uint8_t)(sp->name.n > 255 ? 255 : sp->name.n);
        } else {
            v[k].kind = KGI_VD_PORT_RANGE;
            v[k].lo = sp->port;
            v[k].hi = sp->end_port < sp->port ? sp->port : sp->end_port;
        }
    }
    cr->ports = v;
    cr->n_ports = (uint32_t)src->n_ports;
    return 0;
}

/* The selections of a rule's selector peers, ascending and unique. */
static int rule_sels(struct kgi_vd_build *b, struct kgi_vd_rule *cr,
                     const struct kgi_np_rule *src, uint32_t pol_ns)
{
    uint32_t n = 0;
    for (size_t k = 0; k < src->n_peers; k++) {
        if (src->peers[k].kind != KGI_PEER_SELECTORS)
            continue;
        int rc = kgi_vd_select_peer(b, &src->peers[k], pol_ns, &b->tmp[n]);
        if (rc)
            return rc;
        n++;
    }
    if (!n)
        return 0;
    qsort(b->tmp, n, sizeof(*b->tmp), u32_cmp);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (k == 0 || b->tmp[k - 1] != b->tmp[i])
            b->tmp[k++] = b->tmp[i];
    uint32_t *v = kgi_arena_memdup(&b->np->arena, b->tmp, k * sizeof(*v));
    if (!v)
        return KG_ENOMEM;
    cr->sels = v;
    cr->n_sels = k;
    return 0;
}

void kgi_vd_policy_size(const struct kgi_np_policy *m, size_t *n_rules,
                        size_t *max_peers)
{
    *n_rules += (m->ingress_type ? m->n_ingress : 0) +
                (m->egress_type ? m->n_egress : 0);
    for (size_t r = 0; r < m->n_ingress; r++)
        if (m->ingress[r].n_peers > *max_peers)
            *max_peers = m->ingress[r].n_peers;
    for (size_t r = 0; r < m->n_egress; r++)
        if (m->egress[r].n_peers > *max_peers)
            *max_peers = m->egress[r].n_peers;
}

int kgi_vd_emit_policy(struct kgi_vd_build *b, uint32_t p,
                       const struct kgi_np_policy *m, uint32_t pol_ns,
                       uint32_t *id)
{
    struct kgi_netpol *np = b->np;
    struct kgi_vd_policy *cp = &np->policies[p];
    cp->name = kgi_vd_join_name(&np->arena, &m->meta);
    if (!cp->name)
        return KG_ENOMEM;
    cp->types[KG_INGRESS] = m->ingress_type;
    cp->types[KG_EGRESS] = m->egress_type;
    for (int dir = 0; dir < 2; dir++) {
        const struct kgi_np_rule *mr =
            dir == KG_INGRESS ? m->ingress : m->egress;
        size_t nr = dir == KG_INGRESS ? m->n_ingress : m->n_egress;
        if (!cp->types[dir])
            nr = 0; /* rule 3: an unlisted direction's rules are ignored */
        cp->first_rule[dir] = *id;
        cp->n_rules[dir] = (uint32_t)nr;
        for (size_t r = 0; r < nr; r++, (*id)++) {
            struct kgi_vd_rule *cr = &np->rules[*id];
            const struct kgi_np_rule *src = &mr[r];
            cr->policy = p;
            cr->index = (uint32_t)r;
            cr->dir = (uint8_t)dir;
            cr->any_ports = src->any_ports || src->n_ports == 0;
            cr->any_peer = src->any_peer || src->n_peers == 0;
            b->rule_model[*id] = src;
            int rc;
            if (!cr->any_ports && (rc = rule_ports(np, cr, src)))
                return rc;
            if (!cr->any_peer && (rc = rule_sels(b, cr, src, pol_ns)))
                return rc;
        }
    }
    return 0;
}

int kgi_vd_build_rules(struct kgi_vd_build *b)
{
    struct kgi_netpol *np = b->np;
    size_t n_pols = b->n_pols, n_rules = 0, max_peers = 0;
    np->policies =
        kgi_arena_calloc(&np->arena, n_pols + 1, sizeof(*np->policies));
    if (!np->policies)
        return KG_ENOMEM;
    np->n_policies = (uint32_t)n_pols;
    for (size_t p = 0; p < n_pols; p++)
        kgi_vd_policy_size(b->pols[p], &n_rules, &max_peers);
    if (n_rules >= KGI_VD_NONE)
        return KG_ENOMEM;
    np->rules = kgi_arena_calloc(&np->arena, n_rules + 1, sizeof(*np->rules));
    b->rule_model =
        kgi_arena_calloc(b->scratch, n_rules + 1, sizeof(*b->rule_model));
    /* scratch ids: a rule's selections; a rule set's rules and its
     * default class */
    size_t tmp = 2 * n_rules + max_peers + b->n_pods + 1;
    b->max_peers = max_peers;
    b->tmp = kgi_arena_calloc(b->scratch, tmp, sizeof(*b->tmp));
    if (!np->rules || !b->rule_model || !b->tmp)
        return KG_ENOMEM;
    uint32_t id = 0;
    for (size_t p = 0; p < n_pols; p++) {
        int rc =
            kgi_vd_emit_policy(b, (uint32_t)p, b->pols[p], b->pol_ns[p], &id);
        if (rc)
            return rc;
    }
    np->n_rules = id;
    return 0;
}

/* ------------------------------------------------------ ipBlock tables */

/* Prefix events of one rule set and family. */
enum ev_kind {
    EV_IN = 0,  /* cidr of ipBlock `ref` */
    EV_OUT = 1, /* except of ipBlock `ref` */
};

struct ev {
    struct kgi_cidr cidr;
    uint8_t kind;
    uint32_t ref;
};

/* Orders the events by (prefix in preorder, kind, ref) with one radix sort:
 * they are pushed in ref order, and the sort is stable. 0 or -1 (no
 * memory). */
static int ev_sort(struct ev **ev, size_t n)
{
    struct kgi_radix_key *k = kgi_malloc(n * sizeof(*k));
    struct ev *out = kgi_malloc(n * sizeof(*out));
    int rc = -1;
    if (!k || !out)
        goto done;
    for (size_t i = 0; i < n; i++) {
        struct kgi_u128 a = kgi_u128_of_ip(&(*ev)[i].cidr.ip);
        k[i].hi = a.hi;
        k[i].lo = a.lo;
        k[i].low = (uint32_t)(*ev)[i].cidr.len << 8 | (*ev)[i].kind;
        k[i].idx = (uint32_t)i;
    }
    if (kgi_radix_sort(k, n) < 0)
        goto done;
    for (size_t i = 0; i < n; i++)
        out[i] = (*ev)[k[i].idx];
    kgi_free(*ev);
    *ev = out;
    out = NULL;
    rc = 0;
done:
    kgi_free(k);
    kgi_free(out);
    return rc;
}

struct fam {
    struct ev *ev;
    size_t n_ev, ev_cap;
    uint32_t *block_rule; /* local rule index of each ipBlock */
    size_t nblocks, bcap;
};

static int push_ev(struct fam *f, const struct kgi_cidr *c, int kind,
                   uint32_t ref)
{
    if (kgi_grow((void **)&f->ev, &f->ev_cap, f->n_ev + 1, sizeof(*f->ev)))
        return -1;
    f->ev[f->n_ev].cidr = *c;
    f->ev[f->n_ev].kind = (uint8_t)kind;
    f->ev[f->n_ev].ref = ref;
    f->n_ev++;
    return 0;
}

/* Builds the table of one family of rule set rs. rid[0..nl) are its rules
 * (ascending). */
static int build_family(struct kgi_vd_build *b, struct kgi_vd_ruleset *rs,
                        int fi, const uint32_t *rid, uint32_t nl)
{
    struct kgi_netpol *np = b->np;
    int family = fi ? 6 : 4;
    int rc = KG_ENOMEM;
    struct fam f;
    memset(&f, 0, sizeof(f));
    uint32_t *cnt = NULL, *log = NULL, *list = NULL;
    uint8_t *active = NULL;
    struct kgi_cidrtab_entry *ent = NULL;
    struct kgi_vd_pfx *pfx = NULL;
    size_t log_n = 0, log_cap = 0;
    for (uint32_t j = 0; j < nl; j++) {
        const struct kgi_np_rule *m = b->rule_model[rid[j]];
        if (np->rules[rid[j]].any_peer)
            continue;
        for (size_t k = 0; k < m->n_peers; k++) {
            const struct kgi_np_peer *peer = &m->peers[k];
            if (peer->kind != KGI_PEER_IPBLOCK ||
                peer->cidr.ip.family != family)
                continue; /* rule 18: families never mix */
            if (f.nblocks >= KGI_VD_NONE - 1 ||
                kgi_grow((void **)&f.block_rule, &f.bcap, f.nblocks + 1,
                         sizeof(*f.block_rule)))
                goto out;
            f.block_rule[f.nblocks] = j;
            if (push_ev(&f, &peer->cidr, EV_IN, (uint32_t)f.nblocks))
                goto out;
            for (size_t e = 0; e < peer->n_except; e++)
                if (peer->except[e].ip.family == family &&
                    push_ev(&f, &peer->except[e], EV_OUT, (uint32_t)f.nblocks))
                    goto out;
            f.nblocks++;
        }
    }
    if (f.n_ev == 0) {
        rc = 0;
        goto out;
    }
    if (f.n_ev > UINT32_MAX || ev_sort(&f.ev, f.n_ev) < 0)
        goto out;
    f.ev_cap = f.n_ev;
    cnt = kgi_calloc(nl + 1, sizeof(*cnt));
    list = kgi_calloc(nl + 1, sizeof(*list));
    active = kgi_calloc(f.nblocks + 1, sizeof(*active));
    ent = kgi_malloc(f.n_ev * sizeof(*ent));
    if (!cnt || !list || !active || !ent)
        goto out;
    struct {
        struct kgi_u128 last;
        uint32_t cls;
        size_t log_start;
    } stack[130];
    size_t depth = 0, n_ent = 0;
    for (size_t g = 0; g < f.n_ev;) {
        size_t h = g;
        while (h < f.n_ev && kgi_cidr_cmp(&f.ev[h].cidr, &f.ev[g].cidr) == 0)
            h++;
        struct kgi_u128 start = kgi_u128_of_ip(&f.ev[g].cidr.ip);
        /* leave the prefixes that do not contain this one */
        while (depth > 0 && kgi_u128_cmp(stack[depth - 1].last, start) < 0) {
            depth--;
            while (log_n > stack[depth].log_start) {
                uint32_t blk = log[--log_n];
                uint32_t j = f.block_rule[blk];
                if (active[blk]) {
                    active[blk] = 0;
                    cnt[j]--;
                } else {
                    active[blk] = 1;
                    cnt[j]++;
                }
            }
        }
        uint32_t parent = depth ? stack[depth - 1].cls : rs->default_class;
        size_t log_start = log_n;
        bool changed = false;
        for (size_t e = g; e < h; e++) {
            const struct ev *v = &f.ev[e];
            bool on = v->kind == EV_IN;
            if (active[v->ref] == on)
                continue;
            if (kgi_grow((void **)&log, &log_cap, log_n + 1, sizeof(*log)))
                goto out;
            log[log_n++] = v->ref;
            active[v->ref] = on;
            uint32_t j = f.block_rule[v->ref];
            if (on && cnt[j]++ == 0)
                changed = true;
            if (!on && --cnt[j] == 0)
                changed = true;
        }
        uint32_t cls = parent;
        if (changed) {
            uint32_t n = 0;
            for (uint32_t j = 0; j < nl; j++)
                if (np->rules[rid[j]].any_peer || cnt[j] > 0)
                    list[n++] = rid[j];
            if (kgi_vd_intern_get(&b->classes, &np->arena, list, n, 0, &cls))
                goto out;
        }
        ent[n_ent].cidr = f.ev[g].cidr;
        ent[n_ent].value = cls;
        n_ent++;
        if (depth >= 130)
            goto out; /* impossible: nested prefixes are strictly longer */
        stack[depth].last = kgi_u128_last(&f.ev[g].cidr);
        stack[depth].cls = cls;
        stack[depth].log_start = log_start;
        depth++;
        g = h;
    }
    rs->n_pfx[fi] = (uint32_t)n_ent;
    if (kgi_cidrtab_build(&rs->tab[fi], family, ent, n_ent, &np->arena))
        goto out;
    if (rs->tab[fi].lpm4 || rs->tab[fi].lpm6) {
        /* an LPM table cannot be listed: keep its prefixes for dumps (a
         * range table is listed from its ranges) */
        pfx = kgi_arena_alloc(&np->arena, n_ent * sizeof(*pfx), 8);
        if (!pfx)
            goto out;
        for (size_t i = 0; i < n_ent; i++) {
            pfx[i].cidr = ent[i].cidr; /* sorted by the build */
            pfx[i].cls = ent[i].value;
        }
        rs->pfx[fi] = pfx;
    }
    rc = 0;
out:
    kgi_free(f.ev);
    kgi_free(f.block_rule);
    kgi_free(cnt);
    kgi_free(log);
    kgi_free(list);
    kgi_free(active);
    kgi_free(ent);
    return rc;
}

/* ------------------------------------------------------------ rule sets */

int kgi_vd_build_ruleset(struct kgi_vd_build *b,
                         const struct kgi_vd_intern_item *it,
                         struct kgi_vd_ruleset *rs)
{
    struct kgi_netpol *np = b->np;
    rs->dir = (uint8_t)it->tag;
    rs->policies = it->v;
    rs->n_policies = it->n;
    uint32_t *rid = b->tmp, nl = 0, nd = 0, ns = 0;
    for (uint32_t k = 0; k < it->n; k++) {
        const struct kgi_vd_policy *cp = &np->policies[it->v[k]];
        for (uint32_t q = 0; q < cp->n_rules[rs->dir]; q++)
            rid[nl++] = cp->first_rule[rs->dir] + q;
    }
    uint32_t *sel = kgi_arena_alloc(&np->arena, (nl + 1) * sizeof(*sel), 4);
    if (!sel)
        return KG_ENOMEM;
    for (uint32_t j = 0; j < nl; j++)
        if (np->rules[rid[j]].n_sels)
            sel[ns++] = rid[j];
    rs->sel_rules = sel;
    rs->n_sel_rules = ns;
    /* default class: the rules without peers (rule 6); rid[nl..) is free */
    uint32_t *def = rid + nl;
    for (uint32_t j = 0; j < nl; j++)
        if (np->rules[rid[j]].any_peer)
            def[nd++] = rid[j];
    if (kgi_vd_intern_get(&b->classes, &np->arena, def, nd, 0,
                          &rs->default_class))
        return KG_ENOMEM;
    for (int fi = 0; fi < 2; fi++) {
        int rc = build_family(b, rs, fi, rid, nl);
        if (rc)
            return rc;
    }
    return 0;
}

int kgi_vd_build_rulesets(struct kgi_vd_build *b)
{
    struct kgi_netpol *np = b->np;
    size_t n_idents = np->n_idents;
    struct kgi_vd_subj *v = NULL;
    size_t n = 0, cap = 0;
    uint32_t *start = NULL, *pols = NULL;
    int rc = KG_ENOMEM;
    /* subjects (rule 1: a policy selects pods of its own namespace) */
    for (size_t p = 0; p < np->n_policies; p++) {
        const struct kgi_np_policy *m = b->pols[p];
        const struct kgi_vd_nsinfo *x = &b->ns[b->pol_ns[p]];
        for (uint32_t i = x->ident_begin; i < x->ident_end; i++) {
            if (!kgi_selector_matches(&m->pod_selector, b->ident_labels[i]))
                continue;
            for (int dir = 0; dir < 2; dir++) {
                if (!np->policies[p].types[dir])
                    continue;
                if (kgi_grow((void **)&v, &cap, n + 1, sizeof(*v)))
                    goto out;
                v[n].key = (uint32_t)(dir * n_idents + i);
                v[n].pol = (uint32_t)p;
                n++;
                np->policies[p].n_pods[dir] += np->idents[i].n_pods;
            }
        }
    }
    /* grouped by (dir, identity), stably: policy order kept */
    if (kgi_vd_group(v, n, 2 * n_idents, &start, &pols))
        goto out;
    for (size_t k = 0; k < 2 * n_idents; k++) {
        uint32_t cnt = start[k + 1] - start[k];
        if (!cnt)
            continue;
        uint32_t id;
        if (kgi_vd_intern_get(&b->rulesets, &np->arena, pols + start[k], cnt,
                              (uint32_t)(k / n_idents), &id))
            goto out;
        np->idents[k % n_idents].rs[k / n_idents] = id;
    }
    np->n_rulesets = (uint32_t)b->rulesets.n;
    np->rulesets =
        kgi_arena_calloc(&np->arena, np->n_rulesets + 1, sizeof(*np->rulesets));
    if (!np->rulesets)
        goto out;
    for (uint32_t i = 0; i < n_idents; i++)
        for (int dir = 0; dir < 2; dir++)
            if (np->idents[i].rs[dir] != KGI_VD_NONE)
                np->rulesets[np->idents[i].rs[dir]].n_pods +=
                    np->idents[i].n_pods;
    for (uint32_t r = 0; r < np->n_rulesets; r++)
        if ((rc = kgi_vd_build_ruleset(b, &b->rulesets.items[r],
                                       &np->rulesets[r])))
            goto out;
    rc = 0;
out:
    kgi_free(v);
    kgi_free(start);
    kgi_free(pols);
    return rc;
}

int kgi_vd_finish_classes(struct kgi_vd_build *b)
{
    struct kgi_netpol *np = b->np;
    np->n_classes = (uint32_t)b->classes.n;
    np->classes =
        kgi_arena_calloc(&np->arena, np->n_classes + 1, sizeof(*np->classes));
    if (!np->classes)
        return KG_ENOMEM;
    for (size_t i = 0; i < b->classes.n; i++) {
        np->classes[i].n = b->classes.items[i].n;
        np->classes[i].rules = b->classes.items[i].v;
    }
    return 0;
}
