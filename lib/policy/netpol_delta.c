// SPDX-License-Identifier: MIT
/*
 * netpol_delta.c - the NetworkPolicy tables after pods changed, without
 * compiling the cluster again (kgi_netpol_delta; policy/table.h shows how a
 * delta extends its base).
 *
 * Workload: a watch stream of pod events (created, deleted, relabelled,
 * given an IP) against a cluster of up to 150,000 pods whose policies and
 * namespaces did not change; a new ruleset after each batch. A delta is
 * computed from the last full compile (the base) and every pod key that
 * changed since, so deltas never chain: each costs the pods changed since
 * the base, and the builder compiles in full again once they are many
 * (api/builder.c says when).
 *
 * Per changed pod: its base version (if any) is marked dead; the current
 * one gets a record, and an identity: the base's of its namespace and
 * labels (binary search: a namespace's identities are sorted by labels),
 * or a new one. A new identity is evaluated like a full compile would:
 * every selection whose namespace scope reaches its namespace (computed
 * once per namespace) is matched against its labels, and the policies of
 * its namespace whose podSelector matches give its policy list per
 * direction, interned against the base's rule sets (an equal list shares
 * the base's rule set; only a new list builds one, with its CIDR tables).
 * The address table gets an overlay of the addresses of dead and new pods.
 *
 * What a full compile would answer differently is refused
 * (KGI_NETPOL_FULL) rather than approximated: a pod in a namespace the
 * base does not have (a new namespace changes selections' scopes), two
 * live pods with one address (the owner and its warning are decided over
 * all pods), two changed objects with one key.
 */
#include <stdlib.h>
#include <string.h>

#include "policy/netpol_build.h"
#include "util/alloc.h"
#include "util/str.h"

/* The base pod ns/name, or NONE. */
static uint32_t base_pod(const struct kgi_netpol *np, struct kgi_str ns,
                         struct kgi_str name)
{
    size_t lo = 0, hi = np->base_pods;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct kgi_vd_pod *p = &np->pods[mid];
        int c = kgi_mem_cmp(p->name, p->ns_len, ns.p, ns.n);
        if (!c)
            c = kgi_mem_cmp(p->name + p->ns_len + 1,
                            strlen(p->name + p->ns_len + 1), name.p, name.n);
        if (c == 0)
            return (uint32_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return KGI_VD_NONE;
}

/* The base identity of (namespace x, labels), or NONE. */
static uint32_t base_ident(const struct kgi_vd_keep *k, uint32_t x,
                           const struct kgi_kvs *labels)
{
    size_t lo = k->ns[x].ident_begin, hi = k->ns[x].ident_end;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = kgi_vd_kvs_cmp(k->ident_labels[mid], labels);
        if (c == 0)
            return (uint32_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return KGI_VD_NONE;
}

static int pod_ptr_cmp(const void *x, const void *y)
{
    const struct kgi_pod *a = *(struct kgi_pod *const *)x;
    const struct kgi_pod *b = *(struct kgi_pod *const *)y;
    int c = kgi_vd_str_cmp(a->meta.ns, b->meta.ns);
    return c ? c : kgi_vd_str_cmp(a->meta.name, b->meta.name);
}

struct delta {
    const struct kgi_vd_keep *k;
    const struct kgi_netpol *base;
    struct kgi_netpol *np;
    struct kgi_arena scratch;
    struct kgi_vd_build bb; /* for rule sets and classes */
    struct kgi_pod **pods;  /* the changed pods' current models, sorted */
    size_t n_pods;
    const struct kgi_kvs **xlabels; /* of each new identity */
    uint32_t *reach;                /* selections reaching reach_ns */
    size_t n_reach;
    uint32_t reach_ns;
    uint32_t *ids; /* scratch ids */
};

/* The selections whose namespace scope holds namespace x (rules 12, 13). */
static int reach_of(struct delta *d, uint32_t x)
{
    if (d->reach_ns == x)
        return 0;
    const struct kgi_vd_keep *k = d->k;
    d->n_reach = 0;
    for (uint32_t s = 0; s < d->base->n_sels; s++) {
        const struct kgi_vd_selpeer *sp = &k->sel_peer[s];
        if (sp->peer->has_ns_sel
                ? !kgi_selector_matches(&sp->peer->ns_sel, k->ns[x].labels)
                : sp->pol_ns != x)
            continue;
        d->reach[d->n_reach++] = s;
    }
    d->reach_ns = x;
    return 0;
}

/* A new identity: its selections and its rule set per direction. */
static int eval_ident(struct delta *d, struct kgi_vd_ident *id,
                      const struct kgi_kvs *labels)
{
    const struct kgi_vd_keep *k = d->k;
    struct kgi_netpol *np = d->np;
    uint32_t x = id->ns, n = 0;
    reach_of(d, x);
    for (size_t i = 0; i < d->n_reach; i++) {
        const struct kgi_np_peer *peer = k->sel_peer[d->reach[i]].peer;
        if (peer->has_pod_sel && !kgi_selector_matches(&peer->pod_sel, labels))
            continue; /* rule 14 */
        d->ids[n++] = d->reach[i];
    }
    id->sels =
        n ? kgi_arena_memdup(&np->arena, d->ids, n * sizeof(*d->ids)) : NULL;
    if (n && !id->sels)
        return KG_ENOMEM;
    id->n_sels = n;
    /* subjects: the policies of its namespace selecting it (rule 1);
     * policies are sorted by namespace, so they are one run */
    size_t lo = 0, hi = k->n_pols;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (k->pol_ns[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (int dir = 0; dir < 2; dir++) {
        uint32_t cnt = 0;
        for (size_t p = lo; p < k->n_pols && k->pol_ns[p] == x; p++)
            if (np->policies[p].types[dir] &&
                kgi_selector_matches(&k->pols[p]->pod_selector, labels))
                d->ids[cnt++] = (uint32_t)p;
        id->rs[dir] = KGI_VD_NONE;
        if (cnt && kgi_vd_intern_get(&d->bb.rulesets, &np->arena, d->ids, cnt,
                                     (uint32_t)dir, &id->rs[dir]))
            return KG_ENOMEM;
    }
    return 0;
}

/* Reads the changed pods of in (invalid ones are errors, or skipped). */
static int read_pods(struct delta *d, const struct kgi_compile_in *in)
{
    struct kgi_pod *v = kgi_arena_calloc(&d->scratch, in->n + 1, sizeof(*v));
    d->pods = kgi_arena_calloc(&d->scratch, in->n + 1, sizeof(*d->pods));
    if (!v || !d->pods)
        return KG_ENOMEM;
    bool skip = kgi_flag(in->opts, KG_FLAG_SKIP_INVALID), errors = false;
    size_t n = 0;
    for (size_t i = 0; i < in->n; i++) {
        const struct kgi_meta *m = &in->objs[i];
        if (m->kind != KGI_KIND_POD)
            return KGI_NETPOL_FULL;
        size_t before = kgi_diag_mark(in->diags);
        struct kgi_ctx c;
        kgi_ctx_init(&c, in->diags, &d->scratch, in->opts, m->file);
        bool ok = kgi_pod_read(&c, m, &v[n]);
        if (kgi_diag_oom_since(in->diags, before))
            return KG_ENOMEM;
        if (ok && c.errors == 0)
            d->pods[n] = &v[n], n++;
        else if (skip)
            kgi_diag_demote(in->diags, before);
        else
            errors = true;
    }
    if (errors)
        return KG_ECOMPILE;
    qsort(d->pods, n, sizeof(*d->pods), pod_ptr_cmp);
    for (size_t i = 1; i < n; i++)
        if (pod_ptr_cmp(&d->pods[i - 1], &d->pods[i]) == 0)
            return KGI_NETPOL_FULL; /* duplicates: a full compile reports */
    d->n_pods = n;
    return 0;
}

static int build_idents(struct delta *d)
{
    struct kgi_netpol *np = d->np;
    const struct kgi_vd_keep *k = d->k;
    uint32_t nb = d->base->n_idents, nx = 0;
    np->xidents =
        kgi_arena_calloc(&np->arena, d->n_pods + 1, sizeof(*np->xidents));
    d->xlabels =
        kgi_arena_calloc(&d->scratch, d->n_pods + 1, sizeof(*d->xlabels));
    if (!np->xidents || !d->xlabels)
        return KG_ENOMEM;
    for (size_t i = 0; i < d->n_pods; i++) {
        struct kgi_vd_pod *q = &np->xpods[i];
        const struct kgi_pod *p = d->pods[i];
        q->ident = KGI_VD_NONE;
        uint32_t x = kgi_vd_ns_find(k->ns, k->n_ns, p->meta.ns);
        if (x == KGI_VD_NONE)
            return KGI_NETPOL_FULL; /* a new namespace */
        if (q->host_network)
            continue; /* rule 20 */
        uint32_t id = base_ident(k, x, &p->labels);
        /* pods are sorted by namespace: new identities of x are the last */
        for (uint32_t j = nx; id == KGI_VD_NONE && j > 0; j--) {
            if (np->xidents[j - 1].ns != x)
                break;
            if (kgi_vd_kvs_cmp(d->xlabels[j - 1], &p->labels) == 0)
                id = nb + j - 1;
        }
        if (id == KGI_VD_NONE) {
            struct kgi_vd_ident *ni = &np->xidents[nx];
            ni->ns = x;
            ni->first = np->base_pods + (uint32_t)i;
            d->xlabels[nx] = &p->labels;
            int rc = eval_ident(d, ni, &p->labels);
            if (rc)
                return rc;
            id = nb + nx++;
        }
        if (id >= nb)
            np->xidents[id - nb].n_pods++;
        q->ident = id;
    }
    np->n_idents = nb + nx;
    return 0;
}

static int build_rulesets(struct delta *d)
{
    struct kgi_netpol *np = d->np;
    size_t n = d->bb.rulesets.n;
    np->xrulesets = kgi_arena_calloc(&np->arena, n + 1, sizeof(*np->xrulesets));
    if (!np->xrulesets)
        return KG_ENOMEM;
    np->n_rulesets = np->base_rulesets + (uint32_t)n;
    for (size_t r = 0; r < n; r++) {
        int rc = kgi_vd_build_ruleset(&d->bb, &d->bb.rulesets.items[r],
                                      &np->xrulesets[r]);
        if (rc)
            return rc;
    }
    for (uint32_t i = np->base_idents; i < np->n_idents; i++) {
        const struct kgi_vd_ident *id = &np->xidents[i - np->base_idents];
        for (int dir = 0; dir < 2; dir++)
            if (id->rs[dir] != KGI_VD_NONE && id->rs[dir] >= np->base_rulesets)
                np->xrulesets[id->rs[dir] - np->base_rulesets].n_pods +=
                    id->n_pods;
    }
    size_t nc = d->bb.classes.n;
    np->xclasses = kgi_arena_calloc(&np->arena, nc + 1, sizeof(*np->xclasses));
    if (!np->xclasses)
        return KG_ENOMEM;
    for (size_t i = 0; i < nc; i++) {
        np->xclasses[i].n = d->bb.classes.items[i].n;
        np->xclasses[i].rules = d->bb.classes.items[i].v;
    }
    np->n_classes = np->base_classes + (uint32_t)nc;
    return 0;
}

/* The overlay of the addresses of dead and changed pods. */
static int build_overlay(struct delta *d)
{
    struct kgi_netpol *np = d->np;
    const struct kgi_netpol *base = d->base;
    size_t n_ips = 0;
    for (uint32_t i = 0; i < np->base_pods; i++)
        if (kgi_vd_pod_dead(np, i) && !base->pods[i].host_network)
            n_ips += base->pods[i].n_ips;
    for (size_t i = 0; i < d->n_pods; i++)
        if (!np->xpods[i].host_network)
            n_ips += np->xpods[i].n_ips;
    size_t cap = 16;
    while (cap < 2 * n_ips + 2)
        cap *= 2;
    np->xep = kgi_arena_calloc(&np->arena, cap, sizeof(*np->xep));
    if (!np->xep)
        return KG_ENOMEM;
    np->xep_mask = (uint32_t)(cap - 1);
    /* new pods first, in name order: the first owns an address */
    for (size_t i = 0; i < d->n_pods; i++) {
        const struct kgi_vd_pod *q = &np->xpods[i];
        if (q->host_network)
            continue;
        for (unsigned t = 0; t < q->n_ips; t++) {
            const struct kgi_ip *ip = &q->ips[t];
            size_t j = kgi_vd_ip_hash(ip) & np->xep_mask;
            while (np->xep[j].ip.family && !kgi_ip_equal(&np->xep[j].ip, ip))
                j = (j + 1) & np->xep_mask;
            if (np->xep[j].ip.family)
                return KGI_NETPOL_FULL; /* two pods, one address */
            uint32_t o = kgi_netpol_endpoint(base, ip);
            if (o != KGI_VD_NONE && !kgi_vd_pod_dead(np, o))
                return KGI_NETPOL_FULL; /* a live base pod has it too */
            np->xep[j].ip = *ip;
            np->xep[j].pod = np->base_pods + (uint32_t)i;
        }
    }
    /* addresses of dead pods nobody has now */
    for (uint32_t i = 0; i < np->base_pods; i++) {
        if (!kgi_vd_pod_dead(np, i) || base->pods[i].host_network)
            continue;
        for (unsigned t = 0; t < base->pods[i].n_ips; t++) {
            const struct kgi_ip *ip = &base->pods[i].ips[t];
            size_t j = kgi_vd_ip_hash(ip) & np->xep_mask;
            while (np->xep[j].ip.family && !kgi_ip_equal(&np->xep[j].ip, ip))
                j = (j + 1) & np->xep_mask;
            if (!np->xep[j].ip.family) {
                np->xep[j].ip = *ip;
                np->xep[j].pod = KGI_VD_NONE;
            }
        }
    }
    return 0;
}

/* Frees a delta that was not finished (it does not hold its base yet). */
static void partial_free(struct kgi_netpol *np)
{
    if (!np)
        return;
    for (uint32_t r = np->base_rulesets; np->xrulesets && r < np->n_rulesets;
         r++) {
        kgi_cidrtab_release(&np->xrulesets[r - np->base_rulesets].tab[0]);
        kgi_cidrtab_release(&np->xrulesets[r - np->base_rulesets].tab[1]);
    }
    kgi_arena_release(&np->arena);
    kgi_free(np);
}

int kgi_netpol_delta(const struct kgi_vd_keep *k,
                     const struct kgi_compile_in *in,
                     const struct kgi_vd_gone *gone, size_t n_gone,
                     struct kgi_netpol **out)
{
    *out = NULL;
    struct delta d;
    memset(&d, 0, sizeof(d));
    d.k = k;
    d.base = k->np;
    d.reach_ns = KGI_VD_NONE;
    kgi_arena_init(&d.scratch);
    int rc = KG_ENOMEM;
    struct kgi_netpol *np = kgi_malloc(sizeof(*np));
    if (!np)
        goto out;
    /* every table of the base, shared; the four extended ones after it */
    memcpy(np, d.base, sizeof(*np));
    kgi_arena_init(&np->arena);
    atomic_init(&np->refs, 1);
    np->delta_ok = false;
    np->base = NULL;
    np->xpods = NULL;
    np->xidents = NULL;
    np->xrulesets = NULL;
    np->xclasses = NULL;
    np->xep = NULL;
    np->n_rulesets = np->base_rulesets;
    d.np = np;
    uint64_t *dead =
        kgi_arena_calloc(&np->arena, np->base_pods / 64 + 1, sizeof(*dead));
    if (!dead)
        goto out;
    np->dead = dead;
    for (size_t i = 0; i < n_gone; i++) {
        uint32_t p = base_pod(d.base, gone[i].ns, gone[i].name);
        if (p != KGI_VD_NONE)
            dead[p / 64] |= 1ull << (p % 64);
    }
    if ((rc = read_pods(&d, in)))
        goto out;
    np->xpods = kgi_arena_calloc(&np->arena, d.n_pods + 1, sizeof(*np->xpods));
    if (!np->xpods) {
        rc = KG_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < d.n_pods; i++)
        if ((rc = kgi_vd_pod_fill(&np->arena, d.pods[i], np->select_hostnet,
                                  &np->xpods[i])))
            goto out;
    np->n_pods = np->base_pods + (uint32_t)d.n_pods;
    /* rule sets and classes intern against the base's */
    d.bb.in = in;
    d.bb.np = np;
    d.bb.scratch = &d.scratch;
    d.bb.rule_model = k->rule_model;
    d.bb.classes.parent = &k->classes;
    d.bb.classes.offset = np->base_classes;
    d.bb.rulesets.parent = &k->rulesets;
    d.bb.rulesets.offset = np->base_rulesets;
    size_t tmp = 2 * (size_t)np->n_rules + k->max_peers + 1;
    size_t ids = (size_t)d.base->n_sels + k->n_pols + 1;
    d.bb.tmp = kgi_arena_calloc(&d.scratch, tmp, sizeof(*d.bb.tmp));
    d.ids = kgi_arena_calloc(&d.scratch, ids, sizeof(*d.ids));
    d.reach = kgi_arena_calloc(&d.scratch, ids, sizeof(*d.reach));
    if (!d.bb.tmp || !d.ids || !d.reach) {
        rc = KG_ENOMEM;
        goto out;
    }
    if ((rc = build_idents(&d)) || (rc = build_rulesets(&d)) ||
        (rc = build_overlay(&d)))
        goto out;
    np->base = k->np;
    atomic_fetch_add(&k->np->refs, 1);
    *out = np;
    np = NULL;
    rc = 0;
out:
    partial_free(np);
    kgi_vd_intern_free(&d.bb.classes);
    kgi_vd_intern_free(&d.bb.rulesets);
    kgi_arena_release(&d.scratch);
    return rc;
}
