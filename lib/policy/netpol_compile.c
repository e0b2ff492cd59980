// SPDX-License-Identifier: MIT
/*
 * netpol_compile.c - compiles Namespaces, Pods and NetworkPolicies into the
 * verdict tables of policy/table.h (kgi_netpol_build): the objects in, the
 * namespaces, the pods and the address table; identities, selections and
 * rules are the other netpol_*.c files (netpol_build.h lists them).
 *
 * Workload: one compile per cluster (up to 150,000 pods, 12,000 policies,
 * ipBlock lists up to a BGP view), so every step is O(n log n) in the
 * input plus the (selection, identity) pairs, never (rule sets x pods).
 *
 * Steps (netpol-semantics.md rules in brackets):
 *   1. read the objects through the model (policy/netpol_model.h: validation
 *      and defaulting), sort pods and policies by namespace/name, refuse
 *      duplicates;
 *   2. namespaces and their labels (metadata.name label synthesised for
 *      namespaces only seen through pods or policies) [17];
 *   3. pods, and the address table IP -> pod (the smallest namespace/name
 *      owns an IP several pods report; hostNetwork pods are node addresses
 *      unless KG_FLAG_SELECT_HOSTNETWORK) [20];
 *   4. identities: eligible pods of equal (namespace, labels) (netpol_ident);
 *   5. rules, their port matchers and the selections of their selector
 *      peers, each evaluated once over the identities [12-16] (netpol_rules,
 *      netpol_ident);
 *   6. subjects: which policies isolate each identity in each direction
 *      [1-4]; identities with the same policy list share a rule set, whose
 *      ipBlock prefixes [18] get their peer classes and CIDR tables.
 */
#include <stdlib.h>
#include <string.h>

#include "policy/netpol_build.h"
#include "policy/tier_build.h"
#include "policy/tier_table.h"
#include "util/alloc.h"
#include "util/hash.h"

struct src {
    struct kgi_namespace *ns;
    size_t n_ns;
    struct kgi_pod *pods;
    size_t n_pods;
    struct kgi_np_policy *pols;
    size_t n_pols;
};

int kgi_vd_str_cmp(struct kgi_str a, struct kgi_str b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    if (c)
        return c;
    return a.n < b.n ? -1 : a.n > b.n;
}

static int meta_cmp(const struct kgi_meta *a, const struct kgi_meta *b)
{
    int c = kgi_vd_str_cmp(a->ns, b->ns);
    return c ? c : kgi_vd_str_cmp(a->name, b->name);
}

/* Reads every Namespace, Pod and NetworkPolicy. Invalid objects are
 * dropped; *errors tells whether any was an error (not skipped). */
static int read_objects(const struct kgi_compile_in *in,
                        struct kgi_arena *scratch, struct src *s, bool *errors)
{
    size_t n_ns = 0, n_pods = 0, n_pols = 0;
    for (size_t i = 0; i < in->n; i++) {
        n_ns += in->objs[i].kind == KGI_KIND_NAMESPACE;
        n_pods += in->objs[i].kind == KGI_KIND_POD;
        n_pols += in->objs[i].kind == KGI_KIND_NETWORKPOLICY;
    }
    s->ns = kgi_arena_calloc(scratch, n_ns + 1, sizeof(*s->ns));
    s->pods = kgi_arena_calloc(scratch, n_pods + 1, sizeof(*s->pods));
    s->pols = kgi_arena_calloc(scratch, n_pols + 1, sizeof(*s->pols));
    if (!s->ns || !s->pods || !s->pols)
        return KG_ENOMEM;
    bool skip = kgi_flag(in->opts, KG_FLAG_SKIP_INVALID);
    for (size_t i = 0; i < in->n; i++) {
        const struct kgi_meta *m = &in->objs[i];
        int kind = m->kind;
        if (kind != KGI_KIND_NAMESPACE && kind != KGI_KIND_POD &&
            kind != KGI_KIND_NETWORKPOLICY)
            continue;
        size_t before = kgi_diag_mark(in->diags);
        struct kgi_ctx c;
        kgi_ctx_init(&c, in->diags, scratch, in->opts, m->file);
        bool ok;
        size_t *count;
        if (kind == KGI_KIND_NAMESPACE) {
            ok = kgi_namespace_read(&c, m, &s->ns[s->n_ns]);
            count = &s->n_ns;
        } else if (kind == KGI_KIND_POD) {
            ok = kgi_pod_read(&c, m, &s->pods[s->n_pods]);
            count = &s->n_pods;
        } else {
            ok = kgi_netpol_read(&c, m, &s->pols[s->n_pols]);
            count = &s->n_pols;
        }
        if (kgi_diag_oom_since(in->diags, before))
            return KG_ENOMEM;
        if (ok && c.errors == 0)
            (*count)++;
        else if (skip)
            kgi_diag_demote(in->diags, before);
        else
            *errors = true;
    }
    return 0;
}

/* Sorting arrays of objects that start with their struct kgi_meta, ties
 * broken by input position (so the later of two duplicates sorts last). */
struct sort_item {
    const struct kgi_meta *meta;
    size_t pos;
    void *obj;
};

static int sort_item_cmp(const void *x, const void *y)
{
    const struct sort_item *a = x, *b = y;
    int c = meta_cmp(a->meta, b->meta);
    if (c)
        return c;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

int kgi_vd_sort_unique(const struct kgi_compile_in *in,
                       struct kgi_arena *scratch, void *base, size_t size,
                       size_t meta_off, size_t *n, void ***out, bool *errors,
                       const char *kind)
{
    struct sort_item *v = kgi_malloc((*n + 1) * sizeof(*v));
    *out = kgi_arena_calloc(scratch, *n + 1, sizeof(void *));
    if (!v || !*out) {
        kgi_free(v);
        return KG_ENOMEM;
    }
    for (size_t i = 0; i < *n; i++) {
        v[i].obj = (char *)base + i * size;
        v[i].meta = (const struct kgi_meta *)((char *)v[i].obj + meta_off);
        v[i].pos = i;
    }
    qsort(v, *n, sizeof(*v), sort_item_cmp);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        if (k > 0 &&
            meta_cmp(v[i].meta, ((struct kgi_meta *)((char *)(*out)[k - 1] +
                                                     meta_off))) == 0) {
            const struct kgi_meta *m = v[i].meta;
            const struct kgi_meta *first =
                (const struct kgi_meta *)((char *)(*out)[k - 1] + meta_off);
            size_t before = kgi_diag_mark(in->diags);
            struct kgi_ctx c;
            kgi_ctx_init(&c, in->diags, scratch, in->opts, m->file);
            size_t m1 = kgi_enter(&c, "metadata");
            kgi_enter(&c, "name");
            const struct kgi_node *md = kgi_node_get(m->node, "metadata");
            const struct kgi_node *nm = md ? kgi_node_get(md, "name") : NULL;
            unsigned line = 0;
            const struct kgi_node *fmd = kgi_node_get(first->node, "metadata");
            if (fmd)
                line = fmd->line;
            kgi_error(&c, KG_EDUPLICATE, nm ? nm : m->node,
                      "Duplicate value: %s \"%.*s/%.*s\" is also defined at "
                      "%s:%u",
                      kind, (int)m->ns.n, m->ns.p ? m->ns.p : "",
                      (int)m->name.n, m->name.p ? m->name.p : "",
                      first->file ? first->file : "<input>", line);
            kgi_leave(&c, m1);
            if (kgi_diag_oom_since(in->diags, before)) {
                kgi_free(v);
                return KG_ENOMEM;
            }
            if (kgi_flag(in->opts, KG_FLAG_SKIP_INVALID))
                kgi_diag_demote(in->diags, before);
            else
                *errors = true;
            continue;
        }
        (*out)[k++] = v[i].obj;
    }
    *n = k;
    kgi_free(v);
    return 0;
}

uint64_t kgi_vd_ip_hash(const struct kgi_ip *ip)
{
    return kgi_hash_bytes(ip->b, 16, (uint64_t)ip->family);
}

uint32_t kgi_netpol_endpoint(const struct kgi_netpol *np,
                             const struct kgi_ip *ip)
{
    if (np->xep) { /* a delta: its changed addresses first */
        size_t j = kgi_vd_ip_hash(ip) & np->xep_mask;
        for (;; j = (j + 1) & np->xep_mask) {
            const struct kgi_vd_endpoint *e = &np->xep[j];
            if (e->ip.family == 0)
                break;
            if (e->ip.family == ip->family && memcmp(e->ip.b, ip->b, 16) == 0)
                return e->pod;
        }
    }
    size_t j = kgi_vd_ip_hash(ip) & np->ep_mask;
    for (;; j = (j + 1) & np->ep_mask) {
        const struct kgi_vd_endpoint *e = &np->ep[j];
        if (e->ip.family == 0)
            return KGI_VD_NONE;
        if (e->ip.family == ip->family && memcmp(e->ip.b, ip->b, 16) == 0)
            return e->pod;
    }
}

static int nsinfo_cmp(const void *x, const void *y)
{
    const struct kgi_vd_nsinfo *a = x, *b = y;
    int c = kgi_vd_str_cmp(a->name, b->name);
    if (c)
        return c;
    /* a Namespace object (with labels) before a bare name */
    return (a->labels == NULL) - (b->labels == NULL);
}

uint32_t kgi_vd_ns_find(const struct kgi_vd_nsinfo *ns, size_t n,
                        struct kgi_str name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = kgi_vd_str_cmp(ns[mid].name, name);
        if (c == 0)
            return (uint32_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return KGI_VD_NONE;
}

static int build_namespaces(struct kgi_vd_build *b)
{
    size_t cap = b->n_nsobjs + b->n_pods + b->n_pols + 1;
    struct kgi_vd_nsinfo *v = kgi_arena_calloc(b->scratch, cap, sizeof(*v));
    if (!v)
        return KG_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < b->n_nsobjs; i++) {
        v[n].name = b->nsobjs[i]->meta.name;
        v[n++].labels = &b->nsobjs[i]->labels;
    }
    for (size_t i = 0; i < b->n_pods; i++)
        v[n++].name = b->pods[i]->meta.ns;
    for (size_t i = 0; i < b->n_pols; i++)
        v[n++].name = b->pols[i]->meta.ns;
    qsort(v, n, sizeof(*v), nsinfo_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || kgi_vd_str_cmp(v[k - 1].name, v[i].name) != 0)
            v[k++] = v[i];
    for (size_t i = 0; i < k; i++) {
        if (v[i].labels)
            continue;
        /* rule 17: the API server gives every namespace this label */
        struct kgi_kvs *kv = kgi_arena_calloc(b->scratch, 1, sizeof(*kv));
        struct kgi_kv *e = kgi_arena_calloc(b->scratch, 1, sizeof(*e));
        if (!kv || !e)
            return KG_ENOMEM;
        e->key.p = KGI_NS_NAME_LABEL;
        e->key.n = strlen(KGI_NS_NAME_LABEL);
        e->value = v[i].name;
        kv->v = e;
        kv->n = 1;
        v[i].labels = kv;
    }
    b->ns = v;
    b->n_ns = k;
    struct kgi_netpol *np = b->np;
    np->ns_names = kgi_arena_calloc(&np->arena, k + 1, sizeof(*np->ns_names));
    if (!np->ns_names)
        return KG_ENOMEM;
    for (size_t i = 0; i < k; i++)
        if (!(np->ns_names[i] =
                  kgi_arena_strndup(&np->arena, v[i].name.p, v[i].name.n)))
            return KG_ENOMEM;
    np->n_ns = (uint32_t)k;
    /* pods are sorted by namespace: one range each */
    b->pod_ns = kgi_arena_calloc(b->scratch, b->n_pods + 1, sizeof(*b->pod_ns));
    b->pol_ns = kgi_arena_calloc(b->scratch, b->n_pols + 1, sizeof(*b->pol_ns));
    if (!b->pod_ns || !b->pol_ns)
        return KG_ENOMEM;
    for (size_t i = 0; i < k; i++)
        v[i].pod_begin = v[i].pod_end = 0;
    for (size_t i = 0; i < b->n_pods; i++) {
        uint32_t x = kgi_vd_ns_find(b->ns, b->n_ns, b->pods[i]->meta.ns);
        b->pod_ns[i] = x;
        if (v[x].pod_end == 0)
            v[x].pod_begin = (uint32_t)i;
        v[x].pod_end = (uint32_t)i + 1;
    }
    for (size_t i = 0; i < b->n_pols; i++)
        b->pol_ns[i] = kgi_vd_ns_find(b->ns, b->n_ns, b->pols[i]->meta.ns);
    return 0;
}

static int named_cmp(const void *x, const void *y)
{
    const struct kgi_vd_named *a = x, *b = y;
    struct kgi_str sa = {a->name, a->name_len}, sb = {b->name, b->name_len};
    int c = kgi_vd_str_cmp(sa, sb);
    if (c)
        return c;
    return a->proto < b->proto ? -1 : a->proto > b->proto;
}

static void endpoint_warn(struct kgi_vd_build *b, const struct kgi_pod *p,
                          const struct kgi_ip *ip, const char *owner)
{
    struct kgi_ctx c;
    char txt[KGI_IP_STRLEN];
    kgi_ip_format(ip, txt);
    kgi_ctx_init(&c, b->in->diags, b->scratch, b->in->opts, p->meta.file);
    size_t m = kgi_enter(&c, "status");
    kgi_enter(&c, "podIPs");
    const struct kgi_node *st = kgi_node_get(p->meta.node, "status");
    kgi_warning(&c, KG_EWARNING, st ? st : p->meta.node,
                "pod IP %s is also the IP of pod %s, which owns it for "
                "lookups by IP",
                txt, owner);
    kgi_leave(&c, m);
}

int kgi_vd_pod_fill(struct kgi_arena *a, const struct kgi_pod *p,
                    bool select_hostnet, struct kgi_vd_pod *q)
{
    q->name = kgi_vd_join_name(a, &p->meta);
    if (!q->name)
        return KG_ENOMEM;
    q->ns_len = (uint32_t)p->meta.ns.n;
    q->n_ips = (uint8_t)(p->n_ips > 2 ? 2 : p->n_ips);
    memcpy(q->ips, p->ips, q->n_ips * sizeof(q->ips[0]));
    if (p->n_host_ips) {
        q->n_host_ips = (uint8_t)(p->n_host_ips > 2 ? 2 : p->n_host_ips);
        memcpy(q->host_ips, p->host_ips,
               q->n_host_ips * sizeof(q->host_ips[0]));
    } else if (p->has_host_ip) {
        q->n_host_ips = 1;
        q->host_ips[0] = p->host_ip;
    }
    q->host_network = p->host_network && !select_hostnet;
    size_t nn = 0;
    for (size_t k = 0; k < p->n_ports; k++)
        nn += p->ports[k].name.n > 0;
    if (nn) {
        struct kgi_vd_named *v = kgi_arena_calloc(a, nn, sizeof(*v));
        if (!v)
            return KG_ENOMEM;
        nn = 0;
        for (size_t k = 0; k < p->n_ports; k++) {
            const struct kgi_container_port *cp = &p->ports[k];
            if (!cp->name.n)
                continue;
            v[nn].name = kgi_arena_strndup(a, cp->name.p, cp->name.n);
            if (!v[nn].name)
                return KG_ENOMEM;
            v[nn].name_len = (uint8_t)(cp->name.n > 255 ? 255 : cp->name.n);
            v[nn].proto = (uint8_t)cp->protocol;
            v[nn].port = cp->port;
            nn++;
        }
        qsort(v, nn, sizeof(*v), named_cmp);
        q->named = v;
        q->n_named = (uint32_t)nn;
    }
    return 0;
}

static int build_pods(struct kgi_vd_build *b)
{
    struct kgi_netpol *np = b->np;
    size_t n = b->n_pods, n_ips = 0;
    np->pods = kgi_arena_calloc(&np->arena, n + 1, sizeof(*np->pods));
    if (!np->pods)
        return KG_ENOMEM;
    np->n_pods = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        struct kgi_vd_pod *q = &np->pods[i];
        int rc = kgi_vd_pod_fill(&np->arena, b->pods[i], np->select_hostnet, q);
        if (rc)
            return rc;
        if (!q->host_network)
            n_ips += q->n_ips;
    }
    /* endpoint hash, load factor <= 1/2 */
    size_t cap = 16;
    while (cap < 2 * n_ips + 2)
        cap *= 2;
    np->ep = kgi_arena_calloc(&np->arena, cap, sizeof(*np->ep));
    if (!np->ep)
        return KG_ENOMEM;
    np->ep_mask = (uint32_t)(cap - 1);
    for (size_t i = 0; i < n; i++) {
        if (np->pods[i].host_network)
            continue;
        const struct kgi_vd_pod *q = &np->pods[i];
        for (unsigned k = 0; k < q->n_ips; k++) {
            const struct kgi_ip *ip = &q->ips[k];
            size_t j = kgi_vd_ip_hash(ip) & np->ep_mask;
            while (np->ep[j].ip.family && !kgi_ip_equal(&np->ep[j].ip, ip))
                j = (j + 1) & np->ep_mask;
            if (np->ep[j].ip.family) {
                b->dup_ips = true;
                uint32_t owner = np->ep[j].pod;
                if (!b->pods[owner]->host_network &&
                    !b->pods[i]->host_network) {
                    size_t before = kgi_diag_mark(b->in->diags);
                    endpoint_warn(b, b->pods[i], ip, np->pods[owner].name);
                    if (kgi_diag_oom_since(b->in->diags, before))
                        return KG_ENOMEM;
                }
                continue;
            }
            np->ep[j].ip = *ip;
            np->ep[j].pod = (uint32_t)i;
            np->n_endpoints++;
        }
    }
    return 0;
}

static void build_release(struct kgi_vd_build *b)
{
    kgi_vd_intern_free(&b->classes);
    kgi_vd_intern_free(&b->rulesets);
    kgi_vd_memo_free(&b->memo);
    kgi_free(b->pairs);
    kgi_free(b->sels);
    kgi_tier_build_release(b);
    kgi_free(b->sel_peer);
}

void kgi_netpol_keep_free(struct kgi_vd_keep *k)
{
    if (!k)
        return;
    kgi_arena_release(&k->scratch);
    kgi_arena_release(&k->arena);
    kgi_vd_intern_free(&k->classes);
    kgi_vd_intern_free(&k->rulesets);
    kgi_free(k->sel_peer);
    kgi_vd_memo_free(&k->memo);
    kgi_netpol_free(k->np);
    kgi_free(k);
}

static const struct kgi_kvs *kvs_copy(struct kgi_arena *a,
                                      const struct kgi_kvs *s)
{
    struct kgi_kvs *d = kgi_arena_calloc(a, 1, sizeof(*d));
    struct kgi_kv *v = kgi_arena_calloc(a, s->n + 1, sizeof(*v));
    if (!d || !v)
        return NULL;
    for (size_t i = 0; i < s->n; i++) {
        v[i].key.p = kgi_arena_strndup(a, s->v[i].key.p ? s->v[i].key.p : "",
                                       s->v[i].key.n);
        v[i].value.p = kgi_arena_strndup(
            a, s->v[i].value.p ? s->v[i].value.p : "", s->v[i].value.n);
        if (!v[i].key.p || !v[i].value.p)
            return NULL;
        v[i].key.n = s->v[i].key.n;
        v[i].value.n = s->v[i].value.n;
    }
    d->v = v;
    d->n = s->n;
    return d;
}

/* Moves what a delta needs out of a finished build b into a new keep. */
static int make_keep(struct kgi_vd_build *b, struct kgi_arena *scratch,
                     struct kgi_vd_keep **out)
{
    struct kgi_vd_keep *k = kgi_calloc(1, sizeof(*k));
    if (!k)
        return KG_ENOMEM;
    kgi_arena_init(&k->arena);
    uint32_t n = b->np->n_idents;
    const struct kgi_kvs **labels =
        kgi_arena_calloc(&k->arena, (size_t)n + 1, sizeof(*labels));
    if (!labels)
        goto fail;
    for (uint32_t i = 0; i < n; i++)
        if (!(labels[i] = kvs_copy(&k->arena, b->ident_labels[i])))
            goto fail;
    k->ident_labels = labels;
    /* a namespace seen only through pods has its name and label in a pod's
     * node tree, which may go: copies */
    for (size_t i = 0; i < b->n_ns; i++) {
        struct kgi_vd_nsinfo *x = &b->ns[i];
        const char *name = kgi_arena_strndup(&k->arena, x->name.p, x->name.n);
        if (!name || !(x->labels = kvs_copy(&k->arena, x->labels)))
            goto fail;
        x->name.p = name;
    }
    k->scratch = *scratch;
    kgi_arena_init(scratch);
    k->ns = b->ns;
    k->n_ns = b->n_ns;
    k->pols = b->pols;
    k->pol_ns = b->pol_ns;
    k->n_pols = b->n_pols;
    k->rule_model = b->rule_model;
    k->sel_peer = b->sel_peer;
    b->sel_peer = NULL;
    k->memo = b->memo; /* its keys are in the scratch arena kept above */
    memset(&b->memo, 0, sizeof(b->memo));
    k->classes = b->classes;
    memset(&b->classes, 0, sizeof(b->classes));
    k->rulesets = b->rulesets;
    memset(&b->rulesets, 0, sizeof(b->rulesets));
    k->max_peers = b->max_peers;
    k->np = b->np;
    atomic_fetch_add(&b->np->refs, 1);
    *out = k;
    return 0;
fail:
    kgi_arena_release(&k->arena);
    kgi_free(k);
    return KG_ENOMEM;
}

int kgi_netpol_build(const struct kgi_compile_in *in, struct kgi_netpol **out)
{
    return kgi_netpol_build_keep(in, out, NULL);
}

int kgi_netpol_build_keep(const struct kgi_compile_in *in,
                          struct kgi_netpol **out, struct kgi_vd_keep **keep)
{
    if (keep)
        *keep = NULL;
    struct kgi_vd_build b;
    memset(&b, 0, sizeof(b));
    *out = NULL;
    struct kgi_arena scratch;
    kgi_arena_init(&scratch);
    b.in = in;
    b.scratch = &scratch;
    int rc = KG_ENOMEM;
    bool errors = false;
    struct src s;
    memset(&s, 0, sizeof(s));
    struct kgi_netpol *np = kgi_calloc(1, sizeof(*np));
    if (!np)
        goto fail;
    kgi_arena_init(&np->arena);
    b.np = np;
    np->ipblock_pods = kgi_flag(in->opts, KG_FLAG_IPBLOCK_MATCHES_PODS);
    np->select_hostnet = kgi_flag(in->opts, KG_FLAG_SELECT_HOSTNETWORK);
    np->node_ingress = kgi_flag(in->opts, KG_FLAG_ALLOW_NODE_INGRESS);
    np->loopback = kgi_flag(in->opts, KG_FLAG_ALLOW_LOOPBACK);

    rc = read_objects(in, &scratch, &s, &errors);
    if (!rc)
        rc = kgi_tier_read(&b, &errors);
    if (rc)
        goto fail;
    b.n_nsobjs = s.n_ns;
    b.n_pods = s.n_pods;
    b.n_pols = s.n_pols;
    rc = kgi_vd_sort_unique(in, &scratch, s.ns, sizeof(*s.ns),
                            offsetof(struct kgi_namespace, meta), &b.n_nsobjs,
                            (void ***)&b.nsobjs, &errors, "Namespace");
    if (!rc)
        rc = kgi_vd_sort_unique(in, &scratch, s.pods, sizeof(*s.pods),
                                offsetof(struct kgi_pod, meta), &b.n_pods,
                                (void ***)&b.pods, &errors, "Pod");
    if (!rc)
        rc = kgi_vd_sort_unique(in, &scratch, s.pols, sizeof(*s.pols),
                                offsetof(struct kgi_np_policy, meta), &b.n_pols,
                                (void ***)&b.pols, &errors, "NetworkPolicy");
    if (rc)
        goto fail;
    if (errors) {
        rc = KG_ECOMPILE;
        goto fail;
    }
    if ((rc = build_namespaces(&b)) || (rc = build_pods(&b)) ||
        (rc = kgi_vd_build_idents(&b)) || (rc = kgi_vd_build_rules(&b)) ||
        (rc = kgi_tier_build_rules(&b)) || (rc = kgi_vd_finish_idents(&b)) ||
        (rc = kgi_tier_build_chains(&b)) || (rc = kgi_vd_build_rulesets(&b)) ||
        (rc = kgi_vd_finish_classes(&b)))
        goto fail;
    atomic_init(&np->refs, 1);
    np->base_pods = np->n_pods;
    np->base_idents = np->n_idents;
    np->base_rulesets = np->n_rulesets;
    np->base_classes = np->n_classes;
    /* cluster tiers are indexed by identity, which a delta does not
     * extend (policy/table.h): with them every compile is full */
    np->delta_ok = !b.dup_ips && !np->tiers;
    if (keep && np->delta_ok && (rc = make_keep(&b, &scratch, keep)))
        goto fail;
    build_release(&b);
    kgi_arena_release(&scratch);
    *out = np;
    return 0;
fail:
    build_release(&b);
    kgi_arena_release(&scratch);
    kgi_netpol_free(np);
    return rc;
}

void kgi_netpol_free(struct kgi_netpol *np)
{
    if (!np)
        return;
    /* refs 0: a build that failed before it was counted */
    long refs = atomic_load(&np->refs);
    if (refs > 0 && atomic_fetch_sub(&np->refs, 1) != 1)
        return;
    if (np->base) {
        for (uint32_t r = np->base_rulesets;
             np->xrulesets && r < np->n_rulesets; r++) {
            kgi_cidrtab_release(&np->xrulesets[r - np->base_rulesets].tab[0]);
            kgi_cidrtab_release(&np->xrulesets[r - np->base_rulesets].tab[1]);
        }
        kgi_netpol_free(np->base);
    } else {
        for (uint32_t r = 0; np->rulesets && r < np->n_rulesets; r++) {
            kgi_cidrtab_release(&np->rulesets[r].tab[0]);
            kgi_cidrtab_release(&np->rulesets[r].tab[1]);
        }
        kgi_tiers_release(np->tiers);
    }
    kgi_arena_release(&np->arena);
    kgi_free(np);
}

size_t kgi_netpol_memory(const struct kgi_netpol *np)
{
    size_t m = np->arena.total + sizeof(*np);
    for (uint32_t r = np->base ? np->base_rulesets : 0; r < np->n_rulesets;
         r++) {
        const struct kgi_vd_ruleset *rs = kgi_vd_ruleset_at(np, r);
        for (int fi = 0; fi < 2; fi++)
            if (rs->tab[fi].lpm4 || rs->tab[fi].lpm6)
                m += kgi_cidrtab_memory(&rs->tab[fi]);
    }
    return m;
}
