// SPDX-License-Identifier: MIT
/*
 * netpol.c - compiles Namespaces, Pods and NetworkPolicies into the verdict
 * tables of netpol.h (kgi_netpol_build).
 *
 * Workload: one compile per cluster dump (10^4 pods, 10^3 policies, ipBlock
 * lists up to a BGP view), so everything here is O(n log n) in the input
 * plus the selected pods: selectors are evaluated once per (peer, pod of a
 * candidate namespace), never per rule set.
 *
 * Steps (netpol-semantics.md rules in brackets):
 *   1. read the objects through the model (policy/netpol_model.h: validation and
 *      defaulting), sort pods and policies by namespace/name, refuse
 *      duplicates;
 *   2. namespaces and their labels (metadata.name label synthesised for
 *      namespaces only seen through pods or policies) [17];
 *   3. pods, and the endpoint hash IP -> pod (the smallest namespace/name
 *      owns an IP several pods report; hostNetwork pods are node addresses
 *      unless KG_FLAG_SELECT_HOSTNETWORK) [20];
 *   4. rules and their port matchers; the pods each selector peer selects
 *      [12-16];
 *   5. subjects: which policies isolate each pod in each direction [1-4];
 *      pods with the same policy list share a rule set;
 *   6. per rule set and family, the prefixes (ipBlock cidr and except
 *      [18], selected pods' /32 and /128, pod IPs when ipBlocks must not
 *      match pods [19]) walked in preorder with the set of ipBlocks
 *      containing the current prefix, giving each prefix its peer class
 *      (the exact rules admitting addresses whose longest prefix it is),
 *      interned across rule sets; then the CIDR tables.
 */
#include "policy/table.h"

#include <stdlib.h>
#include <string.h>

#include "policy/netpol_model.h"
#include "util/alloc.h"

/* ---------------------------------------------------------------- input */

struct src {
    struct kgi_namespace *ns;
    size_t n_ns;
    struct kgi_pod *pods;
    size_t n_pods;
    struct kgi_np_policy *pols;
    size_t n_pols;
};

static bool oom_since(const struct kg_diagnostics *d, size_t before)
{
    if (d->oom)
        return true;
    for (size_t i = before; i < d->n; i++)
        if (d->v[i].code == KG_ENOMEM)
            return true;
    return false;
}

static int str_cmp(struct kgi_str a, struct kgi_str b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    if (c)
        return c;
    return a.n < b.n ? -1 : a.n > b.n;
}

static int meta_cmp(const struct kgi_meta *a, const struct kgi_meta *b)
{
    int c = str_cmp(a->ns, b->ns);
    return c ? c : str_cmp(a->name, b->name);
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
        size_t before = in->diags->n;
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
        if (oom_since(in->diags, before))
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

/* Sorts the objects of one kind (pointers into *objs), reports and drops
 * duplicates of namespace/name. Returns the count kept through *n. */
static int sort_unique(const struct kgi_compile_in *in,
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
            size_t before = in->diags->n;
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
            if (oom_since(in->diags, before)) {
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

/* ----------------------------------------------------------- interning */

/* Interns lists of uint32 (rule ids of a class; policy ids of a rule set
 * with its direction as tag) in open addressing; the lists live in the
 * arena given at insertion. */
struct intern_item {
    const uint32_t *v;
    uint32_t n, tag;
    uint64_t hash;
};

struct intern {
    struct intern_item *items;
    size_t n, cap;
    uint32_t *slot; /* id + 1; 0: empty */
    size_t mask;
};

static uint64_t list_hash(const uint32_t *v, uint32_t n, uint32_t tag)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ tag ^ ((uint64_t)n << 32);
    for (uint32_t i = 0; i < n; i++) {
        h ^= v[i];
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
    }
    return h;
}

static int intern_rehash(struct intern *t, size_t mask)
{
    uint32_t *slot = kgi_calloc(mask + 1, sizeof(*slot));
    if (!slot)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = t->items[i].hash & mask;
        while (slot[j])
            j = (j + 1) & mask;
        slot[j] = (uint32_t)i + 1;
    }
    kgi_free(t->slot);
    t->slot = slot;
    t->mask = mask;
    return 0;
}

/* The id of list v[0..n) with tag, added (copied to arena) when new.
 * Returns 0 or -1 on allocation failure. */
static int intern_get(struct intern *t, struct kgi_arena *arena,
                      const uint32_t *v, uint32_t n, uint32_t tag, uint32_t *id)
{
    if (!t->slot && intern_rehash(t, 255) < 0)
        return -1;
    uint64_t h = list_hash(v, n, tag);
    size_t j = h & t->mask;
    for (; t->slot[j]; j = (j + 1) & t->mask) {
        const struct intern_item *it = &t->items[t->slot[j] - 1];
        if (it->hash == h && it->n == n && it->tag == tag &&
            (n == 0 || memcmp(it->v, v, n * sizeof(*v)) == 0)) {
            *id = t->slot[j] - 1;
            return 0;
        }
    }
    if (t->n >= KGI_LPM_MAX_VALUE - 1)
        return -1;
    if (kgi_grow((void **)&t->items, &t->cap, t->n + 1, sizeof(*t->items)))
        return -1;
    uint32_t *copy = n ? kgi_arena_memdup(arena, v, n * sizeof(*v)) : NULL;
    if (n && !copy)
        return -1;
    struct intern_item *it = &t->items[t->n];
    it->v = copy;
    it->n = n;
    it->tag = tag;
    it->hash = h;
    t->slot[j] = (uint32_t)t->n + 1;
    *id = (uint32_t)t->n++;
    if (t->n * 2 > t->mask + 1 && intern_rehash(t, t->mask * 2 + 1) < 0)
        return -1;
    return 0;
}

static void intern_free(struct intern *t)
{
    kgi_free(t->items);
    kgi_free(t->slot);
}

/* ------------------------------------------------------------ endpoints */

uint64_t kgi_vd_ip_hash(const struct kgi_ip *ip)
{
    uint64_t h = 0xcbf29ce484222325ull ^ ip->family;
    for (int i = 0; i < 16; i++) {
        h ^= ip->b[i];
        h *= 0x100000001b3ull;
    }
    return h ^ (h >> 29);
}

uint32_t kgi_netpol_endpoint(const struct kgi_netpol *np,
                             const struct kgi_ip *ip)
{
    size_t j = kgi_vd_ip_hash(ip) & np->ep_mask;
    for (;; j = (j + 1) & np->ep_mask) {
        const struct kgi_vd_endpoint *e = &np->ep[j];
        if (e->ip.family == 0)
            return KGI_VD_NONE;
        if (e->ip.family == ip->family && memcmp(e->ip.b, ip->b, 16) == 0)
            return e->pod;
    }
}

/* ------------------------------------------------------------- building */

struct nsinfo {
    struct kgi_str name;
    const struct kgi_kvs *labels;
    uint32_t pod_begin, pod_end; /* pods of this namespace (sorted) */
};

static int nsinfo_cmp(const void *x, const void *y)
{
    const struct nsinfo *a = x, *b = y;
    int c = str_cmp(a->name, b->name);
    if (c)
        return c;
    /* a Namespace object (with labels) before a bare name */
    return (a->labels == NULL) - (b->labels == NULL);
}

/* The pods a selector peer selects, as sorted pod indices. */
struct sel {
    uint32_t *pods;
    uint32_t n;
};

/* Selections of identical peers are computed once: the policies of a
 * cluster repeat the same peers ("frontends of team t3", "kube-dns"), and
 * evaluating selectors over every namespace and pod is the bulk of a
 * compile. The key is the peer's canonical text (its selectors, and the
 * policy's namespace when the peer is confined to it): equal texts select
 * equal pods. */
struct memo_item {
    const char *key;
    size_t len;
    uint64_t hash;
    struct sel sel;
};

struct memo {
    struct memo_item *items;
    size_t n, cap;
    uint32_t *slot; /* index + 1; 0: empty */
    size_t mask;
    char *key; /* the key being built (kgi_grow) */
    size_t key_len, key_cap;
};

/* Prefix events of one rule set and family. */
enum ev_kind {
    EV_IN = 0,   /* cidr of ipBlock `ref` */
    EV_OUT = 1,  /* except of ipBlock `ref` */
    EV_POD = 2,  /* a pod selected by rule `ref` (local index) */
    EV_MARK = 3, /* a pod IP: ipBlocks do not apply (ipblock-pods off) */
};

struct ev {
    struct kgi_cidr cidr;
    uint8_t kind;
    uint32_t ref;
};

static int ev_cmp(const void *x, const void *y)
{
    const struct ev *a = x, *b = y;
    int c = kgi_cidr_cmp(&a->cidr, &b->cidr);
    if (c)
        return c;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    return a->ref < b->ref ? -1 : a->ref > b->ref;
}

struct build {
    const struct kgi_compile_in *in;
    struct kgi_netpol *np;
    struct kgi_arena *scratch;
    struct src src;
    struct kgi_pod **pods;         /* sorted */
    struct kgi_np_policy **pols;   /* sorted */
    struct kgi_namespace **nsobjs; /* sorted */
    size_t n_nsobjs;
    struct nsinfo *ns;
    size_t n_ns;
    uint32_t *pol_ns; /* namespace index of each policy */
    uint32_t *pod_ns; /* namespace index of each pod */
    bool *eligible;   /* pod can be selected (hostNetwork rule) */
    uint8_t *owned;   /* bit k: the pod owns its k-th IP (endpoint) */
    const struct kgi_np_rule **rule_model; /* per global rule id */
    struct sel **rule_sel;                 /* per rule id, per peer */
    struct intern classes, rulesets;
    struct memo memo; /* selections by peer text */
    /* reusable buffers */
    uint32_t *tmp;
    size_t tmp_cap;
    struct ev *ev;
    size_t ev_cap, n_ev;
};

static int push_ev(struct build *b, const struct kgi_cidr *c, int kind,
                   uint32_t ref)
{
    if (kgi_grow((void **)&b->ev, &b->ev_cap, b->n_ev + 1, sizeof(*b->ev)))
        return -1;
    b->ev[b->n_ev].cidr = *c;
    b->ev[b->n_ev].kind = (uint8_t)kind;
    b->ev[b->n_ev].ref = ref;
    b->n_ev++;
    return 0;
}

static uint32_t ns_find(const struct build *b, struct kgi_str name)
{
    size_t lo = 0, hi = b->n_ns;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = str_cmp(b->ns[mid].name, name);
        if (c == 0)
            return (uint32_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return KGI_VD_NONE;
}

static int build_namespaces(struct build *b)
{
    size_t cap = b->n_nsobjs + b->src.n_pods + b->src.n_pols + 1;
    struct nsinfo *v = kgi_arena_calloc(b->scratch, cap, sizeof(*v));
    if (!v)
        return KG_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < b->n_nsobjs; i++) {
        v[n].name = b->nsobjs[i]->meta.name;
        v[n++].labels = &b->nsobjs[i]->labels;
    }
    for (size_t i = 0; i < b->src.n_pods; i++)
        v[n++].name = b->pods[i]->meta.ns;
    for (size_t i = 0; i < b->src.n_pols; i++)
        v[n++].name = b->pols[i]->meta.ns;
    qsort(v, n, sizeof(*v), nsinfo_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || str_cmp(v[k - 1].name, v[i].name) != 0)
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
    /* pods are sorted by namespace: one range each */
    b->pod_ns =
        kgi_arena_calloc(b->scratch, b->src.n_pods + 1, sizeof(*b->pod_ns));
    b->pol_ns =
        kgi_arena_calloc(b->scratch, b->src.n_pols + 1, sizeof(*b->pol_ns));
    if (!b->pod_ns || !b->pol_ns)
        return KG_ENOMEM;
    for (size_t i = 0; i < k; i++)
        v[i].pod_begin = v[i].pod_end = 0;
    for (size_t i = 0; i < b->src.n_pods; i++) {
        uint32_t x = ns_find(b, b->pods[i]->meta.ns);
        b->pod_ns[i] = x;
        if (v[x].pod_end == 0)
            v[x].pod_begin = (uint32_t)i;
        v[x].pod_end = (uint32_t)i + 1;
    }
    for (size_t i = 0; i < b->src.n_pols; i++)
        b->pol_ns[i] = ns_find(b, b->pols[i]->meta.ns);
    return 0;
}

static char *join_name(struct kgi_arena *a, const struct kgi_meta *m)
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

static int named_cmp(const void *x, const void *y)
{
    const struct kgi_vd_named *a = x, *b = y;
    struct kgi_str sa = {a->name, a->name_len}, sb = {b->name, b->name_len};
    int c = str_cmp(sa, sb);
    if (c)
        return c;
    return a->proto < b->proto ? -1 : a->proto > b->proto;
}

static void endpoint_warn(struct build *b, const struct kgi_pod *p,
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

static int build_pods(struct build *b)
{
    struct kgi_netpol *np = b->np;
    size_t n = b->src.n_pods, n_ips = 0;
    np->pods = kgi_arena_calloc(&np->arena, n + 1, sizeof(*np->pods));
    b->eligible = kgi_arena_calloc(b->scratch, n + 1, sizeof(*b->eligible));
    b->owned = kgi_arena_calloc(b->scratch, n + 1, sizeof(*b->owned));
    if (!np->pods || !b->eligible || !b->owned)
        return KG_ENOMEM;
    np->n_pods = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        const struct kgi_pod *p = b->pods[i];
        struct kgi_vd_pod *q = &np->pods[i];
        q->name = join_name(&np->arena, &p->meta);
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
        q->host_network = p->host_network && !np->select_hostnet;
        b->eligible[i] = !q->host_network;
        q->rs[0] = q->rs[1] = KGI_VD_NONE;
        size_t nn = 0;
        for (size_t k = 0; k < p->n_ports; k++)
            nn += p->ports[k].name.n > 0;
        if (nn) {
            struct kgi_vd_named *v =
                kgi_arena_calloc(&np->arena, nn, sizeof(*v));
            if (!v)
                return KG_ENOMEM;
            nn = 0;
            for (size_t k = 0; k < p->n_ports; k++) {
                const struct kgi_container_port *cp = &p->ports[k];
                if (!cp->name.n)
                    continue;
                v[nn].name =
                    kgi_arena_strndup(&np->arena, cp->name.p, cp->name.n);
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
        if (b->eligible[i])
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
        if (!b->eligible[i])
            continue;
        const struct kgi_vd_pod *q = &np->pods[i];
        for (unsigned k = 0; k < q->n_ips; k++) {
            const struct kgi_ip *ip = &q->ips[k];
            size_t j = kgi_vd_ip_hash(ip) & np->ep_mask;
            while (np->ep[j].ip.family && !kgi_ip_equal(&np->ep[j].ip, ip))
                j = (j + 1) & np->ep_mask;
            if (np->ep[j].ip.family) {
                uint32_t owner = np->ep[j].pod;
                if (!b->pods[owner]->host_network &&
                    !b->pods[i]->host_network) {
                    size_t before = b->in->diags->n;
                    endpoint_warn(b, b->pods[i], ip, np->pods[owner].name);
                    if (oom_since(b->in->diags, before))
                        return KG_ENOMEM;
                }
                continue;
            }
            np->ep[j].ip = *ip;
            np->ep[j].pod = (uint32_t)i;
            np->n_endpoints++;
            b->owned[i] |= (uint8_t)(1u << k);
        }
    }
    return 0;
}

/* Whether pod i owns its k-th IP (it is the endpoint of that IP). */
static bool owns(const struct build *b, uint32_t i, unsigned k)
{
    return (b->owned[i] >> k) & 1;
}

static int key_add(struct memo *m, const void *p, size_t n)
{
    if (kgi_grow((void **)&m->key, &m->key_cap, m->key_len + n + 1, 1))
        return -1;
    if (n)
        memcpy(m->key + m->key_len, p, n);
    m->key_len += n;
    return 0;
}

/* Length-prefixed, so that no two different selectors share a text. */
static int key_str(struct memo *m, struct kgi_str s)
{
    uint64_t n = s.n;
    return key_add(m, &n, sizeof(n)) || key_add(m, s.p, s.n) ? -1 : 0;
}

static int key_sel(struct memo *m, const struct kgi_selector *sel)
{
    uint64_t n = sel->match_labels.n;
    if (key_add(m, &n, sizeof(n)))
        return -1;
    for (size_t i = 0; i < sel->match_labels.n; i++)
        if (key_str(m, sel->match_labels.v[i].key) ||
            key_str(m, sel->match_labels.v[i].value))
            return -1;
    n = sel->n_exprs;
    if (key_add(m, &n, sizeof(n)))
        return -1;
    for (size_t i = 0; i < sel->n_exprs; i++) {
        const struct kgi_requirement *q = &sel->exprs[i];
        uint64_t op = (uint64_t)q->op, nv = q->n_values;
        if (key_add(m, &op, sizeof(op)) || key_str(m, q->key) ||
            key_add(m, &nv, sizeof(nv)))
            return -1;
        for (size_t v = 0; v < q->n_values; v++)
            if (key_str(m, q->values[v]))
                return -1;
    }
    return 0;
}

static int memo_rehash(struct memo *m, size_t mask)
{
    uint32_t *slot = kgi_calloc(mask + 1, sizeof(*slot));
    if (!slot)
        return -1;
    for (size_t i = 0; i < m->n; i++) {
        size_t j = m->items[i].hash & mask;
        while (slot[j])
            j = (j + 1) & mask;
        slot[j] = (uint32_t)i + 1;
    }
    kgi_free(m->slot);
    m->slot = slot;
    m->mask = mask;
    return 0;
}

static void memo_free(struct memo *m)
{
    kgi_free(m->items);
    kgi_free(m->slot);
    kgi_free(m->key);
}

static int select_peer_uncached(struct build *b, const struct kgi_np_peer *peer,
                                uint32_t pol_ns, struct sel *out);

static int select_peer(struct build *b, const struct kgi_np_peer *peer,
                       uint32_t pol_ns, struct sel *out)
{
    struct memo *m = &b->memo;
    m->key_len = 0;
    uint64_t tag[2] = {peer->has_ns_sel ? UINT64_MAX : pol_ns,
                       peer->has_pod_sel};
    if (key_add(m, tag, sizeof(tag)) ||
        (peer->has_ns_sel && key_sel(m, &peer->ns_sel)) ||
        (peer->has_pod_sel && key_sel(m, &peer->pod_sel)))
        return KG_ENOMEM;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < m->key_len; i++) {
        h ^= (uint8_t)m->key[i];
        h *= 0x100000001b3ull;
    }
    if (!m->slot && memo_rehash(m, 255))
        return KG_ENOMEM;
    size_t j = h & m->mask;
    for (; m->slot[j]; j = (j + 1) & m->mask) {
        const struct memo_item *it = &m->items[m->slot[j] - 1];
        if (it->hash == h && it->len == m->key_len &&
            memcmp(it->key, m->key, m->key_len) == 0) {
            *out = it->sel;
            return 0;
        }
    }
    int rc = select_peer_uncached(b, peer, pol_ns, out);
    if (rc)
        return rc;
    if (kgi_grow((void **)&m->items, &m->cap, m->n + 1, sizeof(*m->items)))
        return KG_ENOMEM;
    struct memo_item *it = &m->items[m->n];
    it->key = kgi_arena_memdup(b->scratch, m->key, m->key_len);
    if (!it->key)
        return KG_ENOMEM;
    it->len = m->key_len;
    it->hash = h;
    it->sel = *out;
    m->slot[j] = (uint32_t)++m->n;
    if (m->n * 2 > m->mask + 1 && memo_rehash(m, m->mask * 2 + 1))
        return KG_ENOMEM;
    return 0;
}

static int select_peer_uncached(struct build *b, const struct kgi_np_peer *peer,
                                uint32_t pol_ns, struct sel *out)
{
    size_t n = 0;
    for (size_t x = 0; x < b->n_ns; x++) {
        if (peer->has_ns_sel) {
            /* rule 13: every namespace whose labels match */
            if (!kgi_selector_matches(&peer->ns_sel, b->ns[x].labels))
                continue;
        } else if (x != pol_ns) {
            continue; /* rule 12: the policy's namespace only */
        }
        for (uint32_t i = b->ns[x].pod_begin; i < b->ns[x].pod_end; i++) {
            if (!b->owned[i])
                continue; /* no address to match (hostNetwork pods own
                             none unless selected, rule 20) */
            if (peer->has_pod_sel &&
                !kgi_selector_matches(&peer->pod_sel, &b->pods[i]->labels))
                continue; /* rule 14: both selectors = AND */
            b->tmp[n++] = i;
        }
    }
    out->n = (uint32_t)n;
    out->pods = NULL;
    if (n) {
        out->pods = kgi_arena_memdup(b->scratch, b->tmp, n * sizeof(uint32_t));
        if (!out->pods)
            return KG_ENOMEM;
    }
    return 0;
}

static int build_rules(struct build *b)
{
    struct kgi_netpol *np = b->np;
    size_t n_pols = b->src.n_pols, n_rules = 0;
    np->policies =
        kgi_arena_calloc(&np->arena, n_pols + 1, sizeof(*np->policies));
    if (!np->policies)
        return KG_ENOMEM;
    np->n_policies = (uint32_t)n_pols;
    for (size_t p = 0; p < n_pols; p++) {
        const struct kgi_np_policy *m = b->pols[p];
        n_rules += (m->ingress_type ? m->n_ingress : 0) +
                   (m->egress_type ? m->n_egress : 0);
    }
    if (n_rules >= KGI_VD_NONE)
        return KG_ENOMEM;
    np->rules = kgi_arena_calloc(&np->arena, n_rules + 1, sizeof(*np->rules));
    b->rule_model =
        kgi_arena_calloc(b->scratch, n_rules + 1, sizeof(*b->rule_model));
    b->rule_sel =
        kgi_arena_calloc(b->scratch, n_rules + 1, sizeof(*b->rule_sel));
    if (!np->rules || !b->rule_model || !b->rule_sel)
        return KG_ENOMEM;
    uint32_t id = 0;
    for (size_t p = 0; p < n_pols; p++) {
        const struct kgi_np_policy *m = b->pols[p];
        struct kgi_vd_policy *cp = &np->policies[p];
        cp->name = join_name(&np->arena, &m->meta);
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
            cp->first_rule[dir] = id;
            cp->n_rules[dir] = (uint32_t)nr;
            for (size_t r = 0; r < nr; r++, id++) {
                struct kgi_vd_rule *cr = &np->rules[id];
                const struct kgi_np_rule *src = &mr[r];
                cr->policy = (uint32_t)p;
                cr->index = (uint32_t)r;
                cr->dir = (uint8_t)dir;
                cr->any_ports = src->any_ports || src->n_ports == 0;
                cr->any_peer = src->any_peer || src->n_peers == 0;
                b->rule_model[id] = src;
                if (!cr->any_ports) {
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
                            v[k].name = kgi_arena_strndup(
                                &np->arena, sp->name.p, sp->name.n);
                            if (!v[k].name)
                                return KG_ENOMEM;
                            v[k].name_len =
                                (uint8_t)(sp->name.n > 255 ? 255 : sp->name.n);
                        } else {
                            v[k].kind = KGI_VD_PORT_RANGE;
                            v[k].lo = sp->port;
                            v[k].hi = sp->end_port < sp->port ? sp->port
                                                              : sp->end_port;
                        }
                    }
                    cr->ports = v;
                    cr->n_ports = (uint32_t)src->n_ports;
                }
                if (cr->any_peer)
                    continue;
                struct sel *s =
                    kgi_arena_calloc(b->scratch, src->n_peers, sizeof(*s));
                if (!s)
                    return KG_ENOMEM;
                b->rule_sel[id] = s;
                for (size_t k = 0; k < src->n_peers; k++) {
                    if (src->peers[k].kind != KGI_PEER_SELECTORS)
                        continue;
                    int rc =
                        select_peer(b, &src->peers[k], b->pol_ns[p], &s[k]);
                    if (rc)
                        return rc;
                }
            }
        }
    }
    np->n_rules = id;
    return 0;
}

/* A (direction, pod, policy) selection. */
struct subj {
    uint32_t key; /* dir * n_pods + pod */
    uint32_t pol;
};

/* Builds the table of one family of rule set rs. rid[0..nl) are its rules
 * (ascending), any[j] tells any-peer rules. */
static int build_family(struct build *b, struct kgi_vd_ruleset *rs, int fi,
                        const uint32_t *rid, uint32_t nl)
{
    struct kgi_netpol *np = b->np;
    int family = fi ? 6 : 4;
    unsigned maxlen = fi ? 128 : 32;
    int rc = KG_ENOMEM;
    uint32_t *block_rule = NULL, *cnt = NULL, *log = NULL, *list = NULL;
    uint8_t *active = NULL, *mark = NULL;
    struct kgi_cidrtab_entry *ent = NULL;
    struct kgi_vd_pfx *pfx = NULL;
    size_t nblocks = 0, bcap = 0, log_n = 0, log_cap = 0;
    b->n_ev = 0;
    for (uint32_t j = 0; j < nl; j++) {
        const struct kgi_np_rule *m = b->rule_model[rid[j]];
        if (np->rules[rid[j]].any_peer)
            continue;
        for (size_t k = 0; k < m->n_peers; k++) {
            const struct kgi_np_peer *peer = &m->peers[k];
            if (peer->kind == KGI_PEER_IPBLOCK) {
                if (peer->cidr.ip.family != family)
                    continue; /* rule 18: families never mix */
                if (nblocks >= KGI_VD_NONE - 1 ||
                    kgi_grow((void **)&block_rule, &bcap, nblocks + 1,
                             sizeof(*block_rule)))
                    goto out;
                block_rule[nblocks] = j;
                if (push_ev(b, &peer->cidr, EV_IN, (uint32_t)nblocks))
                    goto out;
                for (size_t e = 0; e < peer->n_except; e++)
                    if (peer->except[e].ip.family == family &&
                        push_ev(b, &peer->except[e], EV_OUT, (uint32_t)nblocks))
                        goto out;
                nblocks++;
            } else {
                const struct sel *s = &b->rule_sel[rid[j]][k];
                for (uint32_t x = 0; x < s->n; x++) {
                    uint32_t i = s->pods[x];
                    for (unsigned q = 0; q < np->pods[i].n_ips; q++) {
                        if (np->pods[i].ips[q].family != family ||
                            !owns(b, i, q))
                            continue;
                        struct kgi_cidr c = {np->pods[i].ips[q],
                                             (uint8_t)maxlen};
                        if (push_ev(b, &c, EV_POD, j))
                            goto out;
                    }
                }
            }
        }
    }
    if (nblocks && !np->ipblock_pods) {
        /* rule 19 option: ipBlocks do not match pod IPs */
        for (size_t e = 0; e <= np->ep_mask; e++) {
            if (np->ep[e].ip.family != family)
                continue;
            struct kgi_cidr c = {np->ep[e].ip, (uint8_t)maxlen};
            if (push_ev(b, &c, EV_MARK, 0))
                goto out;
        }
    }
    if (b->n_ev == 0) {
        rc = 0;
        goto out;
    }
    qsort(b->ev, b->n_ev, sizeof(*b->ev), ev_cmp);
    cnt = kgi_calloc(nl + 1, sizeof(*cnt));
    mark = kgi_calloc(nl + 1, sizeof(*mark));
    list = kgi_calloc(nl + 1, sizeof(*list));
    active = kgi_calloc(nblocks + 1, sizeof(*active));
    ent = kgi_malloc(b->n_ev * sizeof(*ent));
    if (!cnt || !mark || !list || !active || !ent)
        goto out;
    struct {
        struct kgi_u128 last;
        uint32_t cls;
        size_t log_start;
    } stack[130];
    size_t depth = 0, n_ent = 0;
    for (size_t g = 0; g < b->n_ev;) {
        size_t h = g;
        while (h < b->n_ev && kgi_cidr_cmp(&b->ev[h].cidr, &b->ev[g].cidr) == 0)
            h++;
        struct kgi_u128 start = kgi_u128_of_ip(&b->ev[g].cidr.ip);
        /* leave the prefixes that do not contain this one */
        while (depth > 0 && kgi_u128_cmp(stack[depth - 1].last, start) < 0) {
            depth--;
            while (log_n > stack[depth].log_start) {
                uint32_t blk = log[--log_n];
                uint32_t j = block_rule[blk];
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
        bool changed = false, pods = false, excl = false;
        for (size_t e = g; e < h; e++) {
            const struct ev *v = &b->ev[e];
            if (v->kind == EV_IN || v->kind == EV_OUT) {
                bool on = v->kind == EV_IN;
                if (active[v->ref] == on)
                    continue;
                if (kgi_grow((void **)&log, &log_cap, log_n + 1, sizeof(*log)))
                    goto out;
                log[log_n++] = v->ref;
                active[v->ref] = on;
                uint32_t j = block_rule[v->ref];
                if (on && cnt[j]++ == 0)
                    changed = true;
                if (!on && --cnt[j] == 0)
                    changed = true;
            } else if (v->kind == EV_POD) {
                pods = true;
            } else {
                excl = true;
            }
        }
        if (pods && !np->ipblock_pods)
            excl = true; /* a selected pod's IP is a pod IP */
        uint32_t cls = parent;
        if (changed || pods || excl) {
            memset(mark, 0, nl);
            for (uint32_t j = 0; j < nl; j++)
                mark[j] = np->rules[rid[j]].any_peer || (!excl && cnt[j] > 0);
            for (size_t e = g; e < h; e++)
                if (b->ev[e].kind == EV_POD)
                    mark[b->ev[e].ref] = 1;
            uint32_t n = 0;
            for (uint32_t j = 0; j < nl; j++)
                if (mark[j])
                    list[n++] = rid[j];
            if (intern_get(&b->classes, &np->arena, list, n, 0, &cls))
                goto out;
        }
        ent[n_ent].cidr = b->ev[g].cidr;
        ent[n_ent].value = cls;
        n_ent++;
        if (depth >= 130)
            goto out; /* impossible: nested prefixes are strictly longer */
        stack[depth].last = kgi_u128_last(&b->ev[g].cidr);
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
    kgi_free(block_rule);
    kgi_free(cnt);
    kgi_free(log);
    kgi_free(list);
    kgi_free(active);
    kgi_free(mark);
    kgi_free(ent);
    return rc;
}

static int build_rulesets(struct build *b)
{
    struct kgi_netpol *np = b->np;
    size_t n_pods = np->n_pods;
    struct subj *v = NULL;
    size_t n = 0, cap = 0;
    uint32_t *start = NULL, *pols = NULL, *rid = NULL;
    int rc = KG_ENOMEM;
    /* 5. subjects (rule 1: a policy selects pods of its own namespace) */
    for (size_t p = 0; p < np->n_policies; p++) {
        const struct kgi_np_policy *m = b->pols[p];
        const struct nsinfo *x = &b->ns[b->pol_ns[p]];
        for (uint32_t i = x->pod_begin; i < x->pod_end; i++) {
            if (!b->eligible[i] ||
                !kgi_selector_matches(&m->pod_selector, &b->pods[i]->labels))
                continue;
            for (int dir = 0; dir < 2; dir++) {
                if (!np->policies[p].types[dir])
                    continue;
                if (kgi_grow((void **)&v, &cap, n + 1, sizeof(*v)))
                    goto out;
                v[n].key = (uint32_t)(dir * n_pods + i);
                v[n].pol = (uint32_t)p;
                n++;
                np->policies[p].n_pods[dir]++;
            }
        }
    }
    /* counting sort by (dir, pod), stable: policy order kept */
    start = kgi_calloc(2 * n_pods + 2, sizeof(*start));
    pols = kgi_malloc((n + 1) * sizeof(*pols));
    if (!start || !pols)
        goto out;
    for (size_t i = 0; i < n; i++)
        start[v[i].key + 1]++;
    for (size_t k = 0; k < 2 * n_pods; k++)
        start[k + 1] += start[k];
    for (size_t i = 0; i < n; i++)
        pols[start[v[i].key]++] = v[i].pol;
    for (size_t k = 2 * n_pods; k > 0; k--)
        start[k] = start[k - 1];
    start[0] = 0;
    for (size_t k = 0; k < 2 * n_pods; k++) {
        uint32_t cnt = start[k + 1] - start[k];
        if (!cnt)
            continue;
        uint32_t id;
        if (intern_get(&b->rulesets, &np->arena, pols + start[k], cnt,
                       (uint32_t)(k / n_pods), &id))
            goto out;
        np->pods[k % n_pods].rs[k / n_pods] = id;
    }
    /* 6. the tables of each rule set */
    np->n_rulesets = (uint32_t)b->rulesets.n;
    np->rulesets =
        kgi_arena_calloc(&np->arena, np->n_rulesets + 1, sizeof(*np->rulesets));
    if (!np->rulesets)
        goto out;
    for (uint32_t i = 0; i < n_pods; i++)
        for (int dir = 0; dir < 2; dir++)
            if (np->pods[i].rs[dir] != KGI_VD_NONE)
                np->rulesets[np->pods[i].rs[dir]].n_pods++;
    size_t rcap = 0;
    for (uint32_t r = 0; r < np->n_rulesets; r++) {
        const struct intern_item *it = &b->rulesets.items[r];
        struct kgi_vd_ruleset *rs = &np->rulesets[r];
        rs->dir = (uint8_t)it->tag;
        rs->policies = it->v;
        rs->n_policies = it->n;
        uint32_t nl = 0;
        for (uint32_t k = 0; k < it->n; k++)
            nl += np->policies[it->v[k]].n_rules[rs->dir];
        if (kgi_grow((void **)&rid, &rcap, nl + 1, sizeof(*rid)))
            goto out;
        nl = 0;
        for (uint32_t k = 0; k < it->n; k++) {
            const struct kgi_vd_policy *cp = &np->policies[it->v[k]];
            for (uint32_t q = 0; q < cp->n_rules[rs->dir]; q++)
                rid[nl++] = cp->first_rule[rs->dir] + q;
        }
        /* default class: the rules without peers (rule 6) */
        uint32_t nd = 0;
        for (uint32_t j = 0; j < nl; j++)
            if (np->rules[rid[j]].any_peer)
                b->tmp[nd++] = rid[j];
        if (intern_get(&b->classes, &np->arena, b->tmp, nd, 0,
                       &rs->default_class))
            goto out;
        for (int fi = 0; fi < 2; fi++) {
            rc = build_family(b, rs, fi, rid, nl);
            if (rc)
                goto out;
            rc = KG_ENOMEM;
        }
    }
    rc = 0;
out:
    kgi_free(v);
    kgi_free(start);
    kgi_free(pols);
    kgi_free(rid);
    return rc;
}

static int finish_classes(struct build *b)
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

int kgi_netpol_build(const struct kgi_compile_in *in, struct kgi_netpol **out)
{
    struct build b;
    memset(&b, 0, sizeof(b));
    *out = NULL;
    struct kgi_arena scratch;
    kgi_arena_init(&scratch);
    b.in = in;
    b.scratch = &scratch;
    int rc = KG_ENOMEM;
    bool errors = false;
    struct kgi_netpol *np = kgi_calloc(1, sizeof(*np));
    if (!np)
        goto fail;
    kgi_arena_init(&np->arena);
    b.np = np;
    np->ipblock_pods = kgi_flag(in->opts, KG_FLAG_IPBLOCK_MATCHES_PODS);
    np->select_hostnet = kgi_flag(in->opts, KG_FLAG_SELECT_HOSTNETWORK);
    np->node_ingress = kgi_flag(in->opts, KG_FLAG_ALLOW_NODE_INGRESS);
    np->loopback = kgi_flag(in->opts, KG_FLAG_ALLOW_LOOPBACK);

    rc = read_objects(in, &scratch, &b.src, &errors);
    if (rc)
        goto fail;
    b.n_nsobjs = b.src.n_ns;
    rc = sort_unique(in, &scratch, b.src.ns, sizeof(*b.src.ns),
                     offsetof(struct kgi_namespace, meta), &b.n_nsobjs,
                     (void ***)&b.nsobjs, &errors, "Namespace");
    if (!rc)
        rc = sort_unique(in, &scratch, b.src.pods, sizeof(*b.src.pods),
                         offsetof(struct kgi_pod, meta), &b.src.n_pods,
                         (void ***)&b.pods, &errors, "Pod");
    if (!rc)
        rc = sort_unique(in, &scratch, b.src.pols, sizeof(*b.src.pols),
                         offsetof(struct kgi_np_policy, meta), &b.src.n_pols,
                         (void ***)&b.pols, &errors, "NetworkPolicy");
    if (rc)
        goto fail;
    if (errors) {
        rc = KG_ECOMPILE;
        goto fail;
    }
    rc = KG_ENOMEM;
    b.tmp_cap = b.src.n_pods + 1;
    b.tmp = kgi_malloc(b.tmp_cap * sizeof(*b.tmp));
    if (!b.tmp)
        goto fail;
    if ((rc = build_namespaces(&b)) || (rc = build_pods(&b)) ||
        (rc = build_rules(&b)))
        goto fail;
    /* build_rulesets uses tmp for default classes: up to n_rules ids */
    if (np->n_rules + 1 > b.tmp_cap) {
        kgi_free(b.tmp);
        b.tmp_cap = np->n_rules + 1;
        b.tmp = kgi_malloc(b.tmp_cap * sizeof(*b.tmp));
        if (!b.tmp) {
            rc = KG_ENOMEM;
            goto fail;
        }
    }
    if ((rc = build_rulesets(&b)) || (rc = finish_classes(&b)))
        goto fail;
    intern_free(&b.classes);
    intern_free(&b.rulesets);
    memo_free(&b.memo);
    kgi_free(b.tmp);
    kgi_free(b.ev);
    kgi_arena_release(&scratch);
    *out = np;
    return 0;
fail:
    intern_free(&b.classes);
    intern_free(&b.rulesets);
    memo_free(&b.memo);
    kgi_free(b.tmp);
    kgi_free(b.ev);
    kgi_arena_release(&scratch);
    kgi_netpol_free(np);
    return rc;
}

void kgi_netpol_free(struct kgi_netpol *np)
{
    if (!np)
        return;
    for (uint32_t r = 0; np->rulesets && r < np->n_rulesets; r++) {
        kgi_cidrtab_release(&np->rulesets[r].tab[0]);
        kgi_cidrtab_release(&np->rulesets[r].tab[1]);
    }
    kgi_arena_release(&np->arena);
    kgi_free(np);
}

size_t kgi_netpol_memory(const struct kgi_netpol *np)
{
    size_t m = np->arena.total + sizeof(*np);
    for (uint32_t r = 0; r < np->n_rulesets; r++) {
        const struct kgi_vd_ruleset *rs = &np->rulesets[r];
        for (int fi = 0; fi < 2; fi++)
            if (rs->tab[fi].lpm4 || rs->tab[fi].lpm6)
                m += kgi_cidrtab_memory(&rs->tab[fi]);
    }
    return m;
}
