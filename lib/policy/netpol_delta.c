// SPDX-License-Identifier: MIT
/*
 * netpol_delta.c - the NetworkPolicy tables after pods, NetworkPolicies or
 * Namespaces changed, without compiling the cluster again
 * (kgi_netpol_delta; policy/table.h shows how a delta extends its base).
 *
 * Workload: a watch stream of events (pods created, deleted, relabelled,
 * given an IP; a policy added, changed or deleted; a namespace relabelled)
 * against a cluster of up to 150,000 pods; a new ruleset after each batch.
 * A delta is computed from the last full compile (the base) and every key
 * that changed since, so deltas never chain: each costs the objects
 * changed since the base, and the builder compiles in full again once they
 * are many (api/builder.c says when).
 *
 * Per changed pod: its base version (if any) is marked dead; the current
 * one gets a record, and an identity: the base's of its namespace and
 * labels (binary search: a namespace's identities are sorted by labels),
 * or a new one. The address table gets an overlay of the addresses of
 * dead and new pods.
 *
 * Per namespace with a changed policy: all its policies, in name order,
 * get new ids after the base's (whose entries are marked dead) and new
 * rules; a peer whose text the base (or this delta) already evaluated
 * keeps its selection, a new text is evaluated once over the identities.
 * A rule set holds the policies of one namespace, so its rule ids stay in
 * policy order. The identities of the namespace get their policy lists
 * again (rule 1), interned against the base's rule sets.
 *
 * Per relabelled namespace (a Namespace added, changed or deleted, for a
 * namespace the base has): its identities get their selection lists again
 * (rule 13: namespaceSelectors read its labels).
 *
 * A new identity is evaluated like a full compile would: every selection
 * whose namespace scope reaches its namespace (computed once per
 * namespace) is matched against its labels, and the current policies of
 * its namespace give its policy lists. Equal policy lists share a rule
 * set; only a new list builds one, with its CIDR tables.
 *
 * What a full compile would answer differently is refused
 * (KGI_NETPOL_FULL) rather than approximated: a pod, policy or Namespace
 * of a namespace the base does not have (a new namespace changes the
 * namespace indices and selections' scopes), two live pods with one
 * address (the owner and its warning are decided over all pods), two
 * changed objects with one key.
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
    uint32_t at;
    return kgi_vd_pod_search(np->pods, np->base_pods, ns.p, ns.n, name.p,
                             name.n, &at)
               ? at
               : KGI_VD_NONE;
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

/* Pods, NetworkPolicies and Namespaces start with their struct kgi_meta:
 * pointers to them sort by namespace/name. */
static int meta_cmp(const struct kgi_meta *a, const struct kgi_meta *b)
{
    int c = kgi_vd_str_cmp(a->ns, b->ns);
    return c ? c : kgi_vd_str_cmp(a->name, b->name);
}

static int meta_ptr_cmp(const void *x, const void *y)
{
    return meta_cmp(*(const struct kgi_meta *const *)x,
                    *(const struct kgi_meta *const *)y);
}

static int gone_cmp(const void *x, const void *y)
{
    const struct kgi_vd_gone *a = x, *b = y;
    int c = kgi_vd_str_cmp(a->ns, b->ns);
    return c ? c : kgi_vd_str_cmp(a->name, b->name);
}

/* The index of (ns, name) in v[0..n) (sorted pointers to objects starting
 * with their meta), or NONE. */
static uint32_t obj_find(void *const *v, size_t n, struct kgi_str ns,
                         struct kgi_str name)
{
    struct kgi_meta key;
    memset(&key, 0, sizeof(key));
    key.ns = ns;
    key.name = name;
    const struct kgi_meta *kp = &key;
    void *const *hit = n ? bsearch(&kp, v, n, sizeof(*v), meta_ptr_cmp) : NULL;
    return hit ? (uint32_t)(hit - v) : KGI_VD_NONE;
}

struct delta {
    const struct kgi_vd_keep *k;
    const struct kgi_netpol *base;
    struct kgi_netpol *np;
    struct kgi_arena scratch;
    struct kgi_vd_build bb; /* selections, rule sets and classes */
    /* the changed objects' current models, sorted by namespace/name */
    struct kgi_pod **pods;
    size_t n_pods;
    struct kgi_np_policy **pols;
    size_t n_pols;
    struct kgi_namespace **nsobjs;
    size_t n_nsobjs;
    /* the changed NetworkPolicy keys, sorted */
    struct kgi_vd_gone *gone_pols;
    size_t n_gone_pols;
    /* namespaces: k->ns or a copy with the current labels */
    struct kgi_vd_nsinfo *ns;
    bool *relabel; /* per namespace, NULL when none is */
    /* policies: per namespace with changed ones its new range, else NONE
     * (NULL when none changed: the base's ranges) */
    uint32_t *pol_begin, *pol_end;
    const struct kgi_np_policy *const *pol_model; /* per policy id */
    const struct kgi_vd_selpeer *sel_peer;        /* per selection */
    const struct kgi_kvs **xlabels;               /* of each new identity */
    uint32_t *reach; /* selections reaching reach_ns */
    size_t n_reach;
    uint32_t reach_ns;
    uint32_t *ids; /* scratch ids */
};

/* The policies of namespace x: [*lo, *hi) of np->policies. */
static void pol_range(const struct delta *d, uint32_t x, uint32_t *lo,
                      uint32_t *hi)
{
    if (d->pol_begin && d->pol_begin[x] != KGI_VD_NONE) {
        *lo = d->pol_begin[x];
        *hi = d->pol_end[x];
        return;
    }
    const struct kgi_vd_keep *k = d->k;
    size_t a = 0, b = k->n_pols;
    while (a < b) { /* policies are sorted by namespace: one run */
        size_t mid = a + (b - a) / 2;
        if (k->pol_ns[mid] < x)
            a = mid + 1;
        else
            b = mid;
    }
    size_t e = a;
    while (e < k->n_pols && k->pol_ns[e] == x)
        e++;
    *lo = (uint32_t)a;
    *hi = (uint32_t)e;
}

/* The selections whose namespace scope holds namespace x (rules 12, 13). */
static void reach_of(struct delta *d, uint32_t x)
{
    if (d->reach_ns == x)
        return;
    d->n_reach = 0;
    for (uint32_t s = 0; s < d->np->n_sels; s++) {
        const struct kgi_vd_selpeer *sp = &d->sel_peer[s];
        if (sp->peer->has_ns_sel
                ? !kgi_selector_matches(&sp->peer->ns_sel, d->ns[x].labels)
                : sp->pol_ns != x)
            continue;
        d->reach[d->n_reach++] = s;
    }
    d->reach_ns = x;
}

/* The selections holding an identity of namespace x with labels, as a new
 * list of np's arena (ascending). */
static int ident_sels(struct delta *d, uint32_t x, const struct kgi_kvs *labels,
                      struct kgi_vd_ident *id)
{
    reach_of(d, x);
    uint32_t n = 0;
    for (size_t i = 0; i < d->n_reach; i++) {
        const struct kgi_np_peer *peer = d->sel_peer[d->reach[i]].peer;
        if (peer->has_pod_sel && !kgi_selector_matches(&peer->pod_sel, labels))
            continue; /* rule 14 */
        d->ids[n++] = d->reach[i];
    }
    id->sels =
        n ? kgi_arena_memdup(&d->np->arena, d->ids, n * sizeof(*d->ids)) : NULL;
    if (n && !id->sels)
        return KG_ENOMEM;
    id->n_sels = n;
    return 0;
}

/* The rule sets of an identity of namespace x with labels: the current
 * policies of x selecting it (rule 1). New policies count its pods. */
static int ident_subjects(struct delta *d, uint32_t x,
                          const struct kgi_kvs *labels, struct kgi_vd_ident *id)
{
    struct kgi_netpol *np = d->np;
    uint32_t lo, hi;
    pol_range(d, x, &lo, &hi);
    for (int dir = 0; dir < 2; dir++) {
        uint32_t cnt = 0;
        for (uint32_t p = lo; p < hi; p++)
            if (np->policies[p].types[dir] &&
                kgi_selector_matches(&d->pol_model[p]->pod_selector, labels)) {
                d->ids[cnt++] = p;
                if (p >= d->k->n_pols)
                    np->policies[p].n_pods[dir] += id->n_pods;
            }
        id->rs[dir] = KGI_VD_NONE;
        if (cnt && kgi_vd_intern_get(&d->bb.rulesets, &np->arena, d->ids, cnt,
                                     (uint32_t)dir, &id->rs[dir]))
            return KG_ENOMEM;
    }
    return 0;
}

/* Reads the changed objects of in (invalid ones are errors, or skipped)
 * into the sorted arrays of d. */
static int read_objects(struct delta *d, const struct kgi_compile_in *in)
{
    struct kgi_arena *a = &d->scratch;
    size_t n = in->n + 1;
    struct kgi_pod *pv = kgi_arena_calloc(a, n, sizeof(*pv));
    struct kgi_np_policy *qv = kgi_arena_calloc(a, n, sizeof(*qv));
    struct kgi_namespace *nv = kgi_arena_calloc(a, n, sizeof(*nv));
    d->pods = kgi_arena_calloc(a, n, sizeof(*d->pods));
    d->pols = kgi_arena_calloc(a, n, sizeof(*d->pols));
    d->nsobjs = kgi_arena_calloc(a, n, sizeof(*d->nsobjs));
    if (!pv || !qv || !nv || !d->pods || !d->pols || !d->nsobjs)
        return KG_ENOMEM;
    bool skip = kgi_flag(in->opts, KG_FLAG_SKIP_INVALID), errors = false;
    for (size_t i = 0; i < in->n; i++) {
        const struct kgi_meta *m = &in->objs[i];
        size_t before = kgi_diag_mark(in->diags);
        struct kgi_ctx c;
        kgi_ctx_init(&c, in->diags, a, in->opts, m->file);
        bool ok;
        size_t *count;
        if (m->kind == KGI_KIND_POD) {
            d->pods[d->n_pods] = &pv[d->n_pods];
            ok = kgi_pod_read(&c, m, d->pods[d->n_pods]);
            count = &d->n_pods;
        } else if (m->kind == KGI_KIND_NETWORKPOLICY) {
            d->pols[d->n_pols] = &qv[d->n_pols];
            ok = kgi_netpol_read(&c, m, d->pols[d->n_pols]);
            count = &d->n_pols;
        } else if (m->kind == KGI_KIND_NAMESPACE) {
            d->nsobjs[d->n_nsobjs] = &nv[d->n_nsobjs];
            ok = kgi_namespace_read(&c, m, d->nsobjs[d->n_nsobjs]);
            count = &d->n_nsobjs;
        } else {
            return KGI_NETPOL_FULL;
        }
        if (kgi_diag_oom_since(in->diags, before))
            return KG_ENOMEM;
        if (ok && c.errors == 0)
            (*count)++;
        else if (skip)
            kgi_diag_demote(in->diags, before);
        else
            errors = true;
    }
    if (errors)
        return KG_ECOMPILE;
    void **arr[3] = {(void **)d->pods, (void **)d->pols, (void **)d->nsobjs};
    size_t cnt[3] = {d->n_pods, d->n_pols, d->n_nsobjs};
    for (int t = 0; t < 3; t++) {
        qsort(arr[t], cnt[t], sizeof(void *), meta_ptr_cmp);
        for (size_t i = 1; i < cnt[t]; i++)
            if (meta_ptr_cmp(&arr[t][i - 1], &arr[t][i]) == 0)
                return KGI_NETPOL_FULL; /* duplicates: a full compile says */
    }
    return 0;
}

/* The selection tables of the delta, to grow (new peer texts) and count
 * in: copies of the base's. Returns 0 or KG_ENOMEM. */
static int own_sels(struct delta *d)
{
    struct kgi_vd_build *b = &d->bb;
    if (b->sels)
        return 0;
    uint32_t n = d->np->n_sels;
    b->sels = kgi_malloc(((size_t)n + 1) * sizeof(*b->sels));
    b->sel_peer = kgi_malloc(((size_t)n + 1) * sizeof(*b->sel_peer));
    if (!b->sels || !b->sel_peer)
        return KG_ENOMEM;
    if (n) { /* no selections: both sources may be NULL */
        memcpy(b->sels, d->base->sels, n * sizeof(*b->sels));
        memcpy(b->sel_peer, d->k->sel_peer, n * sizeof(*b->sel_peer));
    }
    b->sels_cap = b->sel_peer_cap = (size_t)n + 1;
    b->memo.parent = &d->k->memo;
    b->ns = d->ns;
    b->n_ns = d->k->n_ns;
    b->ident_labels = d->k->ident_labels;
    d->sel_peer = b->sel_peer;
    return 0;
}

/* Namespaces whose labels changed: d->ns becomes a copy with the current
 * labels, d->relabel marks them. */
static int apply_namespaces(struct delta *d, const struct kgi_vd_gone *gone,
                            size_t n_gone)
{
    const struct kgi_vd_keep *k = d->k;
    for (size_t i = 0; i < n_gone; i++) {
        if (gone[i].kind != KGI_KIND_NAMESPACE)
            continue;
        uint32_t x = kgi_vd_ns_find(k->ns, k->n_ns, gone[i].name);
        uint32_t o = obj_find((void *const *)d->nsobjs, d->n_nsobjs,
                              kgi_str_make("", 0), gone[i].name);
        if (x == KGI_VD_NONE) {
            if (o != KGI_VD_NONE)
                return KGI_NETPOL_FULL; /* a new namespace */
            continue;                   /* added and deleted since the base */
        }
        const struct kgi_kvs *labels;
        if (o != KGI_VD_NONE) {
            labels = &d->nsobjs[o]->labels;
        } else {
            /* deleted: the label the API server gives every namespace
             * (rule 17), as a full compile synthesises it */
            struct kgi_kvs *kv = kgi_arena_calloc(&d->scratch, 1, sizeof(*kv));
            struct kgi_kv *e = kgi_arena_calloc(&d->scratch, 1, sizeof(*e));
            if (!kv || !e)
                return KG_ENOMEM;
            e->key = kgi_str_c(KGI_NS_NAME_LABEL);
            e->value = gone[i].name;
            kv->v = e;
            kv->n = 1;
            labels = kv;
        }
        if (kgi_vd_kvs_cmp(labels, k->ns[x].labels) == 0)
            continue;
        if (!d->relabel) {
            d->relabel = kgi_arena_calloc(&d->scratch, k->n_ns + 1, 1);
            d->ns = kgi_arena_memdup(&d->scratch, k->ns,
                                     (k->n_ns + 1) * sizeof(*k->ns));
            if (!d->relabel || !d->ns)
                return KG_ENOMEM;
        }
        d->relabel[x] = true;
        d->ns[x].labels = labels;
    }
    return d->relabel ? own_sels(d) : 0;
}

/* Whether base policy p's key changed. */
static bool pol_changed(const struct delta *d, uint32_t p)
{
    struct kgi_vd_gone key;
    key.ns = d->k->pols[p]->meta.ns;
    key.name = d->k->pols[p]->meta.name;
    return bsearch(&key, d->gone_pols, d->n_gone_pols, sizeof(key), gone_cmp) !=
           NULL;
}

/* The namespaces with a changed policy: all their policies compiled again
 * after the base's (policy/table.h). */
static int apply_policies(struct delta *d, const struct kgi_vd_gone *gone,
                          size_t n_gone)
{
    const struct kgi_vd_keep *k = d->k;
    struct kgi_netpol *np = d->np;
    struct kgi_vd_build *b = &d->bb;
    size_t ng = 0;
    for (size_t i = 0; i < n_gone; i++)
        ng += gone[i].kind == KGI_KIND_NETWORKPOLICY;
    if (!ng)
        return 0;
    d->gone_pols = kgi_arena_calloc(&d->scratch, ng, sizeof(*d->gone_pols));
    d->pol_begin =
        kgi_arena_alloc(&d->scratch, (k->n_ns + 1) * sizeof(*d->pol_begin), 4);
    d->pol_end = kgi_arena_calloc(&d->scratch, k->n_ns + 1, sizeof(uint32_t));
    if (!d->gone_pols || !d->pol_begin || !d->pol_end)
        return KG_ENOMEM;
    memset(d->pol_begin, 0xff, (k->n_ns + 1) * sizeof(*d->pol_begin));
    for (size_t i = 0; i < n_gone; i++)
        if (gone[i].kind == KGI_KIND_NETWORKPOLICY)
            d->gone_pols[d->n_gone_pols++] = gone[i];
    qsort(d->gone_pols, ng, sizeof(*d->gone_pols), gone_cmp);
    /* namespaces to compile again (pol_end marks them for now) */
    for (size_t i = 0; i < ng; i++) {
        uint32_t x = kgi_vd_ns_find(k->ns, k->n_ns, d->gone_pols[i].ns);
        if (x == KGI_VD_NONE) {
            if (obj_find((void *const *)d->pols, d->n_pols, d->gone_pols[i].ns,
                         d->gone_pols[i].name) != KGI_VD_NONE)
                return KGI_NETPOL_FULL; /* a new namespace */
            continue;
        }
        d->pol_end[x] = 1;
    }
    /* their policies: the base's unchanged ones and the current ones */
    size_t n_new = 0, n_rules = 0, max_peers = k->max_peers;
    uint32_t nb = (uint32_t)k->n_pols;
    for (uint32_t x = 0; x < k->n_ns; x++) {
        if (!d->pol_end[x])
            continue;
        uint32_t lo, hi;
        pol_range(d, x, &lo, &hi);
        for (uint32_t p = lo; p < hi; p++)
            if (!pol_changed(d, p)) {
                n_new++;
                kgi_vd_policy_size(k->pols[p], &n_rules, &max_peers);
            }
    }
    for (size_t j = 0; j < d->n_pols; j++) {
        n_new++;
        kgi_vd_policy_size(d->pols[j], &n_rules, &max_peers);
    }
    if ((uint64_t)np->n_rules + n_rules >= KGI_VD_NONE ||
        (uint64_t)nb + n_new >= KGI_VD_NONE)
        return KG_ENOMEM;
    size_t total = nb + n_new, rules = np->n_rules + n_rules;
    struct kgi_vd_policy *pv =
        kgi_arena_calloc(&np->arena, total + 1, sizeof(*pv));
    struct kgi_vd_rule *rv =
        kgi_arena_calloc(&np->arena, rules + 1, sizeof(*rv));
    uint64_t *dead = kgi_arena_calloc(&np->arena, nb / 64 + 1, sizeof(*dead));
    const struct kgi_np_policy **model =
        kgi_arena_calloc(&d->scratch, total + 1, sizeof(*model));
    b->rule_model =
        kgi_arena_calloc(&d->scratch, rules + 1, sizeof(*b->rule_model));
    b->tmp = kgi_arena_calloc(&d->scratch, 2 * rules + max_peers + 1,
                              sizeof(*b->tmp));
    if (!pv || !rv || !dead || !model || !b->rule_model || !b->tmp)
        return KG_ENOMEM;
    if (nb)
        memcpy(pv, np->policies, nb * sizeof(*pv));
    if (np->n_rules) {
        memcpy(rv, np->rules, np->n_rules * sizeof(*rv));
        memcpy(b->rule_model, k->rule_model,
               np->n_rules * sizeof(*b->rule_model));
    }
    memcpy(model, k->pols, nb * sizeof(*model));
    np->policies = pv;
    np->rules = rv;
    np->dead_policies = dead;
    d->pol_model = model;
    b->max_peers = max_peers;
    if (own_sels(d))
        return KG_ENOMEM;
    /* the policies of each namespace in name order: a merge of the base's
     * unchanged ones and the current ones (both sorted) */
    uint32_t p = nb, id = np->n_rules;
    size_t j = 0;
    for (uint32_t x = 0; x < k->n_ns; x++) {
        if (!d->pol_end[x])
            continue;
        uint32_t lo, hi;
        pol_range(d, x, &lo, &hi);
        while (j < d->n_pols &&
               kgi_vd_str_cmp(d->pols[j]->meta.ns, k->ns[x].name) < 0)
            j++; /* of a namespace the base does not have: none (above) */
        d->pol_begin[x] = p;
        uint32_t q = lo;
        for (;;) {
            bool cur = j < d->n_pols &&
                       kgi_vd_str_cmp(d->pols[j]->meta.ns, k->ns[x].name) == 0;
            while (q < hi && pol_changed(d, q))
                dead[q / 64] |= 1ull << (q % 64), q++;
            if (q >= hi && !cur)
                break;
            const struct kgi_np_policy *m;
            if (q < hi && (!cur || kgi_vd_str_cmp(k->pols[q]->meta.name,
                                                  d->pols[j]->meta.name) < 0)) {
                m = k->pols[q];
                dead[q / 64] |= 1ull << (q % 64);
                q++;
            } else {
                m = d->pols[j++];
            }
            model[p] = m;
            int rc = kgi_vd_emit_policy(b, p, m, x, &id);
            if (rc)
                return rc;
            p++;
        }
        d->pol_end[x] = p;
    }
    np->n_policies = p;
    np->n_rules = id;
    d->sel_peer = b->sel_peer; /* grown */
    return 0;
}

/* Identities of the changed pods: the base's of their namespace and labels,
 * or new ones (evaluated in finish_idents). */
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
            id = nb + nx++;
        }
        if (id >= nb)
            np->xidents[id - nb].n_pods++;
        q->ident = id;
    }
    np->n_idents = nb + nx;
    return 0;
}

/* Selection lists and rule sets: of the new identities; of the base's
 * whose namespace was relabelled or had its policies changed, or which a
 * new selection holds (those get a copy of the base's identity table). */
static int finish_idents(struct delta *d)
{
    struct kgi_netpol *np = d->np;
    const struct kgi_vd_keep *k = d->k;
    struct kgi_vd_build *b = &d->bb;
    uint32_t nb = d->base->n_idents, base_sels = d->base->n_sels;
    if (d->relabel || d->pol_begin || b->n_pairs) {
        struct kgi_vd_ident *v = kgi_arena_memdup(
            &np->arena, d->base->idents, ((size_t)nb + 1) * sizeof(*v));
        uint32_t *start = kgi_calloc((size_t)nb + 2, sizeof(*start));
        uint32_t *byid = kgi_malloc((b->n_pairs + 1) * sizeof(*byid));
        int rc = KG_ENOMEM;
        if (!v || !start || !byid)
            goto done;
        np->idents = v;
        /* the new selections holding each base identity, ascending
         * (pairs come in selection order; a stable counting sort) */
        for (size_t i = 0; i < b->n_pairs; i++)
            start[b->pairs[i].ident + 1]++;
        for (uint32_t i = 0; i < nb; i++)
            start[i + 1] += start[i];
        for (size_t i = 0; i < b->n_pairs; i++)
            byid[start[b->pairs[i].ident]++] = b->pairs[i].sel;
        for (uint32_t i = nb; i > 0; i--)
            start[i] = start[i - 1];
        start[0] = 0;
        for (uint32_t i = 0; i < nb; i++) {
            struct kgi_vd_ident *id = &v[i];
            uint32_t x = id->ns, n_new = start[i + 1] - start[i];
            const struct kgi_kvs *labels = k->ident_labels[i];
            if (d->relabel && d->relabel[x]) {
                /* every selection again; the new ones were counted by
                 * their evaluation */
                for (uint32_t s = 0; s < id->n_sels; s++)
                    b->sels[id->sels[s]].n_idents--;
                if ((rc = ident_sels(d, x, labels, id)))
                    goto done;
                for (uint32_t s = 0; s < id->n_sels; s++)
                    if (id->sels[s] < base_sels)
                        b->sels[id->sels[s]].n_idents++;
            } else if (n_new) {
                uint32_t *l = kgi_arena_alloc(
                    &np->arena, ((size_t)id->n_sels + n_new) * sizeof(*l), 4);
                if (!l)
                    goto done;
                if (id->n_sels)
                    memcpy(l, id->sels, id->n_sels * sizeof(*l));
                memcpy(l + id->n_sels, byid + start[i], n_new * sizeof(*l));
                id->sels = l;
                id->n_sels += n_new;
            }
            if (d->pol_begin && d->pol_begin[x] != KGI_VD_NONE &&
                (rc = ident_subjects(d, x, labels, id)))
                goto done;
        }
        rc = 0;
    done:
        kgi_free(start);
        kgi_free(byid);
        if (rc)
            return rc;
    }
    for (uint32_t i = nb; i < np->n_idents; i++) {
        struct kgi_vd_ident *id = &np->xidents[i - nb];
        int rc;
        if ((rc = ident_sels(d, id->ns, d->xlabels[i - nb], id)) ||
            (rc = ident_subjects(d, id->ns, d->xlabels[i - nb], id)))
            return rc;
        for (uint32_t s = 0; s < id->n_sels && b->sels; s++)
            b->sels[id->sels[s]].n_idents++;
    }
    if (b->sels) {
        struct kgi_vd_sel *v =
            kgi_arena_calloc(&np->arena, (size_t)np->n_sels + 1, sizeof(*v));
        if (!v)
            return KG_ENOMEM;
        if (np->n_sels)
            memcpy(v, b->sels, np->n_sels * sizeof(*v));
        np->sels = v;
    }
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
    /* only identities of a namespace whose policies changed, and new
     * ones, can have a new rule set */
    for (uint32_t i = d->pol_begin ? 0 : np->base_idents; i < np->n_idents;
         i++) {
        const struct kgi_vd_ident *id = kgi_vd_ident_at(np, i);
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
    d.ns = k->ns;
    d.pol_model = (const struct kgi_np_policy *const *)k->pols;
    d.sel_peer = k->sel_peer;
    kgi_arena_init(&d.scratch);
    int rc = KG_ENOMEM;
    struct kgi_netpol *np = kgi_malloc(sizeof(*np));
    if (!np)
        goto out;
    /* every table of the base, shared; the extended ones after it */
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
        if (gone[i].kind != KGI_KIND_POD)
            continue;
        uint32_t p = base_pod(d.base, gone[i].ns, gone[i].name);
        if (p != KGI_VD_NONE)
            dead[p / 64] |= 1ull << (p % 64);
    }
    if ((rc = read_objects(&d, in)))
        goto out;
    rc = KG_ENOMEM;
    np->xpods = kgi_arena_calloc(&np->arena, d.n_pods + 1, sizeof(*np->xpods));
    if (!np->xpods)
        goto out;
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
    d.bb.max_peers = k->max_peers;
    d.bb.classes.parent = &k->classes;
    d.bb.classes.offset = np->base_classes;
    d.bb.rulesets.parent = &k->rulesets;
    d.bb.rulesets.offset = np->base_rulesets;
    if ((rc = apply_namespaces(&d, gone, n_gone)) ||
        (rc = apply_policies(&d, gone, n_gone)))
        goto out;
    rc = KG_ENOMEM;
    if (!d.bb.tmp) {
        size_t tmp = 2 * (size_t)np->n_rules + k->max_peers + 1;
        if (!(d.bb.tmp = kgi_arena_calloc(&d.scratch, tmp, sizeof(*d.bb.tmp))))
            goto out;
    }
    size_t ids = (size_t)np->n_sels + np->n_policies + 1;
    d.ids = kgi_arena_calloc(&d.scratch, ids, sizeof(*d.ids));
    d.reach = kgi_arena_calloc(&d.scratch, ids, sizeof(*d.reach));
    if (!d.ids || !d.reach)
        goto out;
    if ((rc = build_idents(&d)) || (rc = finish_idents(&d)) ||
        (rc = build_rulesets(&d)) || (rc = build_overlay(&d)))
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
    kgi_vd_memo_free(&d.bb.memo);
    kgi_free(d.bb.pairs);
    kgi_free(d.bb.sels);
    kgi_free(d.bb.sel_peer);
    kgi_arena_release(&d.scratch);
    return rc;
}
