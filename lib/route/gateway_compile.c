// SPDX-License-Identifier: MIT
/*
 * gateway_compile.c - GatewayClass, Gateway, ReferenceGrant, HTTPRoute
 * and GRPCRoute objects -> struct kgi_gw_tables (see gateway_table.h for
 * the tables and the lookup they serve). Rule numbers are those of the
 * Gateway API notes in docs (httproute-semantics); each cites the API
 * field it implements.
 *
 * Steps (linear passes and sorts; 10k routes / 100k matches compile in
 * well under a second):
 *   1. read every object through route/gateway_model (API-server rules);
 *      KG_FLAG_SKIP_INVALID leaves invalid objects out with warnings;
 *   2. rank the routes: oldest creationTimestamp (none = newest), then the
 *      string "namespace/name", then input order (rule 31.6-7);
 *   3. attach (rules 17-20): each parentRef to the listeners of its
 *      Gateway it selects (sectionName, port), admitted by the listener's
 *      protocol, allowedRoutes.kinds and allowedRoutes.namespaces; the
 *      effective hostnames are the intersections of the listener's and the
 *      route's (rules 13-14); a route attached nowhere is reported;
 *   4. per listener, an HTTPRoute and a GRPCRoute with intersecting
 *      hostnames: the older one keeps the listener (rule 21);
 *   5. per listener, host groups (one per effective hostname); per group
 *      the path trie (route/ptrie) with ordered candidate lists, the
 *      regex list and the gRPC list;
 *   6. actions per rule: filters as data, backends with their validity
 *      (kind, ReferenceGrant, the Service and its port when Services are
 *      loaded: rules 40-48), the fixed 500s (rules 42, 43, 56).
 * Kept data goes into the tables' arena; temporaries are freed.
 */
#include "route/gateway_table.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route/gateway_model.h"
#include "route/normalize.h"
#include "route/ptrie.h"
#include "util/alloc.h"

/* ------------------------------------------------------------ helpers */

static bool seq(struct kgi_str a, struct kgi_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static bool beq(struct kgi_bstr a, struct kgi_bstr b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* ------------------------------------------------------------ objects */

struct gw {
    struct kgi_gateway g;
    struct kgi_bstr ns, name;
    size_t first; /* index of its first listener in the build's array */
    bool served;
};

struct route {
    struct kgi_gw_route r;
    size_t input;
    uint32_t rank;
    struct kgi_bstr ns, name;
    const struct kgi_gw_action **acts; /* per rule, built on first use */
    bool attached;
};

#define MAX_HOSTS 16 /* route hostnames (schema bound) */

/* A route on a listener with its effective hostnames. */
struct att {
    struct route *rt;
    struct kgi_bstr hosts[MAX_HOSTS];
    size_t n_hosts; /* 0: the listener's hostname, or any */
    bool rejected;
};

struct lst {
    struct kgi_gw_ltab *out;
    const struct kgi_gw_listener *m; /* model */
    struct gw *gw;
    struct att *att;
    size_t n_att, cap_att;
};

struct build {
    const struct kgi_gw_in *in;
    struct kgi_gw_tables *t;
    bool oom, skip_invalid;
    struct kgi_arena *tmp;
    struct gw *gws;
    size_t n_gws;
    struct route *routes;
    struct route **ord;
    size_t n_routes;
    struct kgi_refgrant *grants;
    size_t n_grants;
    const struct kgi_meta **nss; /* Namespace objects */
    size_t n_nss;
    const struct kgi_meta **svcs; /* Service objects */
    size_t n_svcs;
    struct lst *lsts;
    size_t n_lsts;
    size_t cap_regexes;
};

static const char *kind_name(const struct route *rt)
{
    return rt->r.kind == KGI_GW_GRPCROUTE ? "GRPCRoute" : "HTTPRoute";
}

static int route_order(const void *pa, const void *pb)
{
    const struct route *a = *(const struct route *const *)pa;
    const struct route *b = *(const struct route *const *)pb;
    const struct kgi_meta *ma = a->r.meta, *mb = b->r.meta;
    int c = kgi_meta_age_cmp(ma, mb);
    if (c)
        return c;
    return a->input < b->input ? -1 : a->input > b->input;
}

static void warn(struct build *b, const struct kgi_meta *m, const char *field,
                 const struct kgi_node *n, int code, const char *msg)
{
    if (!n)
        n = m->node;
    kgi_diag_add(b->in->diags, KG_SEVERITY_WARNING, code, m->file, field,
                 n ? n->line : 0, n ? n->column : 0, "%s", msg);
}

/* Reads every Gateway API object; 0, KG_ECOMPILE or KG_ENOMEM. */
static int read_objects(struct build *b, struct kgi_gateway_class *cls,
                        size_t *n_cls)
{
    const struct kgi_gw_in *in = b->in;
    bool errors = false;
    for (size_t i = 0; i < in->n; i++) {
        const struct kgi_meta *m = &in->objs[i];
        if (m->kind == KGI_KIND_NAMESPACE) {
            b->nss[b->n_nss++] = m;
            continue;
        }
        if (m->kind == KGI_KIND_SERVICE) {
            b->svcs[b->n_svcs++] = m;
            continue;
        }
        if (m->kind != KGI_KIND_GATEWAY && m->kind != KGI_KIND_GATEWAYCLASS &&
            m->kind != KGI_KIND_HTTPROUTE && m->kind != KGI_KIND_GRPCROUTE &&
            m->kind != KGI_KIND_REFERENCEGRANT)
            continue;
        struct kgi_ctx c;
        kgi_ctx_init(&c, in->diags, b->tmp, in->opts, m->file);
        size_t before = kgi_diag_mark(in->diags);
        bool ok = false, oom = false;
        switch (m->kind) {
        case KGI_KIND_GATEWAYCLASS:
            ok = kgi_gateway_class_read(&c, m, &cls[*n_cls]);
            oom = cls[*n_cls].oom;
            *n_cls += ok;
            break;
        case KGI_KIND_GATEWAY: {
            struct gw *g = &b->gws[b->n_gws];
            ok = kgi_gateway_read(&c, m, &g->g);
            oom = g->g.oom;
            b->n_gws += ok;
            break;
        }
        case KGI_KIND_REFERENCEGRANT:
            ok = kgi_refgrant_read(&c, m, &b->grants[b->n_grants]);
            oom = b->grants[b->n_grants].oom;
            b->n_grants += ok;
            break;
        default: {
            struct route *r = &b->routes[b->n_routes];
            ok = kgi_gw_route_read(&c, m, &r->r);
            oom = r->r.oom;
            if (ok)
                r->input = b->n_routes++;
            break;
        }
        }
        if (oom || in->diags->oom)
            return KG_ENOMEM;
        if (!ok) {
            if (b->skip_invalid)
                kgi_diag_demote(in->diags, before);
            else
                errors = true;
        }
    }
    return errors ? KG_ECOMPILE : 0;
}

/* ------------------------------------------------------------ hostnames */

/* Whether wildcard w ("*.s") matches host h (precise or wildcard): h ends
 * in ".s" with at least one label before (rule 11). */
static bool wild_covers(struct kgi_str w, struct kgi_str h)
{
    size_t sn = w.n - 1; /* ".s" */
    return h.n > sn && memcmp(h.p + h.n - sn, w.p + 1, sn) == 0;
}

static bool is_wild(struct kgi_str h)
{
    return h.n >= 2 && h.p[0] == '*';
}

/* Intersection of listener hostname l and route hostname r (rule 13);
 * {NULL,0} when none. An absent hostname is {NULL,0} with present false. */
static bool intersect(struct kgi_str l, bool l_set, struct kgi_str r,
                      struct kgi_str *out)
{
    if (!l_set) {
        *out = r;
        return true;
    }
    bool lw = is_wild(l), rw = is_wild(r);
    if (!lw && !rw) {
        *out = l;
        return seq(l, r);
    }
    if (lw && !rw) {
        *out = r;
        return wild_covers(l, r);
    }
    if (!lw && rw) {
        *out = l;
        return wild_covers(r, l);
    }
    if (seq(l, r) || wild_covers(l, r)) {
        *out = r;
        return true;
    }
    if (wild_covers(r, l)) {
        *out = l;
        return true;
    }
    return false;
}

/* Whether two effective hostnames ("" = any) can both match one host. */
static bool hosts_overlap(struct kgi_bstr a, struct kgi_bstr b)
{
    if (a.n == 0 || b.n == 0)
        return true;
    struct kgi_str x = {a.p, a.n}, y = {b.p, b.n}, o;
    return intersect(x, true, y, &o);
}

/* ------------------------------------------------------------ attachment */

static const struct kgi_kvs *ns_labels(const struct build *b, struct kgi_str ns)
{
    for (size_t i = 0; i < b->n_nss; i++)
        if (seq(b->nss[i]->name, ns))
            return &b->nss[i]->labels;
    return NULL;
}

/* allowedRoutes.namespaces (rule 18). */
static bool ns_allowed(const struct build *b, const struct lst *l,
                       const struct route *rt)
{
    const struct kgi_gw_listener *m = l->m;
    if (m->from == KGI_GW_FROM_ALL)
        return true;
    if (m->from == KGI_GW_FROM_SAME)
        return seq(rt->r.meta->ns, l->gw->g.meta->ns);
    /* Selector: the namespace's labels plus kubernetes.io/metadata.name */
    struct kgi_kv own[64];
    struct kgi_kvs labels = {own, 0};
    const struct kgi_kvs *nl = ns_labels(b, rt->r.meta->ns);
    bool placed = false;
    static const char mk[] = "kubernetes.io/metadata.name";
    struct kgi_kv meta = {{mk, sizeof(mk) - 1}, rt->r.meta->ns, NULL};
    size_t n = nl ? nl->n : 0;
    if (n + 1 > sizeof(own) / sizeof(*own))
        n = sizeof(own) / sizeof(*own) - 1; /* labels beyond 63 are unusual */
    for (size_t i = 0; i < n; i++) {
        const struct kgi_kv *kv = &nl->v[i];
        if (kgi_str_eq(kv->key, mk))
            continue;
        size_t kn = kv->key.n < meta.key.n ? kv->key.n : meta.key.n;
        int c = memcmp(kv->key.p, mk, kn);
        if (!placed && (c > 0 || (c == 0 && kv->key.n > meta.key.n))) {
            own[labels.n++] = meta;
            placed = true;
        }
        own[labels.n++] = *kv;
    }
    if (!placed)
        own[labels.n++] = meta;
    return kgi_selector_matches(&m->selector, &labels);
}

/* allowedRoutes.kinds and the protocol (rule 19). */
static bool kind_allowed(const struct lst *l, const struct route *rt)
{
    const struct kgi_gw_listener *m = l->m;
    if (m->protocol != KGI_GW_PROTO_HTTP && m->protocol != KGI_GW_PROTO_HTTPS)
        return false;
    if (!m->has_kinds)
        return true;
    for (size_t i = 0; i < m->n_kinds; i++)
        if (kgi_str_eq(m->kinds[i].group, KGI_GW_GROUP) &&
            kgi_str_eq(m->kinds[i].kind, kind_name(rt)))
            return true;
    return false;
}

/* Attaches rt to listener l when admitted; returns why not (NULL: ok). */
static const char *attach(struct build *b, struct lst *l, struct route *rt)
{
    if (l->out->conflicted)
        return "the listener is conflicted (HTTP and HTTPS on one port)";
    if (!kind_allowed(l, rt))
        return "the listener does not allow this kind (protocol or "
               "allowedRoutes.kinds)";
    if (!ns_allowed(b, l, rt))
        return "the listener's allowedRoutes.namespaces does not admit the "
               "route's namespace";
    struct att a;
    memset(&a, 0, sizeof(a));
    a.rt = rt;
    bool l_set = l->m->hostname.p != NULL;
    if (rt->r.n_hostnames) {
        for (size_t i = 0; i < rt->r.n_hostnames; i++) {
            struct kgi_str o;
            if (intersect(l->m->hostname, l_set, rt->r.hostnames[i], &o)) {
                struct kgi_bstr h = {o.p, (uint32_t)o.n};
                bool dup = false;
                for (size_t k = 0; k < a.n_hosts; k++)
                    dup = dup || beq(a.hosts[k], h);
                if (!dup && a.n_hosts < MAX_HOSTS)
                    a.hosts[a.n_hosts++] = h;
            }
        }
        if (a.n_hosts == 0)
            return "no route hostname intersects the listener's hostname "
                   "(NoMatchingListenerHostname)";
    }
    /* the same route twice on one listener (two parentRefs): once */
    if (l->n_att && l->att[l->n_att - 1].rt == rt)
        return NULL;
    if (kgi_grow((void **)&l->att, &l->cap_att, l->n_att + 1,
                 sizeof(*l->att))) {
        b->oom = true;
        return NULL;
    }
    l->att[l->n_att++] = a;
    rt->attached = true;
    return NULL;
}

static void attach_route(struct build *b, struct route *rt)
{
    const struct kgi_gw_route *r = &rt->r;
    char why[300] = "it has no parentRefs";
    for (size_t p = 0; p < r->n_parents; p++) {
        const struct kgi_gw_parent_ref *pr = &r->parents[p];
        if (!kgi_str_eq(pr->group, KGI_GW_GROUP) ||
            !kgi_str_eq(pr->kind, "Gateway")) {
            snprintf(why, sizeof(why),
                     "parentRefs[%zu] is not a Gateway (kgress serves "
                     "Gateway parents only)",
                     p);
            continue;
        }
        struct gw *g = NULL;
        for (size_t i = 0; i < b->n_gws && !g; i++)
            if (b->gws[i].served && seq(b->gws[i].g.meta->ns, pr->ns) &&
                seq(b->gws[i].g.meta->name, pr->name))
                g = &b->gws[i];
        if (!g) {
            snprintf(why, sizeof(why),
                     "parentRefs[%zu]: no served Gateway %.*s/%.*s", p,
                     (int)pr->ns.n, pr->ns.p, (int)pr->name.n, pr->name.p);
            continue;
        }
        bool any = false;
        const char *last = NULL;
        for (size_t k = 0; k < g->g.n_listeners; k++) {
            struct lst *l = &b->lsts[g->first + k];
            if (pr->section.p && !seq(pr->section, l->m->name))
                continue;
            if (pr->port && pr->port != l->m->port)
                continue;
            any = true;
            const char *no = attach(b, l, rt);
            if (b->oom)
                return;
            if (no)
                last = no;
        }
        if (!any)
            snprintf(why, sizeof(why),
                     "parentRefs[%zu]: Gateway %.*s/%.*s has no listener "
                     "with that sectionName/port",
                     p, (int)pr->ns.n, pr->ns.p, (int)pr->name.n, pr->name.p);
        else if (last)
            snprintf(why, sizeof(why), "parentRefs[%zu]: %s", p, last);
    }
    if (!rt->attached) {
        char msg[400];
        snprintf(msg, sizeof(msg),
                 "%s %.*s/%.*s is not attached to any listener, so it routes "
                 "nothing: %s",
                 kind_name(rt), (int)r->meta->ns.n, r->meta->ns.p,
                 (int)r->meta->name.n, r->meta->name.p, why);
        const struct kgi_node *spec = kgi_node_get(r->meta->node, "spec");
        const struct kgi_node *pn = kgi_node_get(spec, "parentRefs");
        warn(b, r->meta, "spec.parentRefs", pn ? pn : spec, KG_EWARNING, msg);
    }
}

/* Rule 21: HTTPRoute vs GRPCRoute on one listener with intersecting
 * hostnames: the older (better-ranked) keeps it. */
static void kind_conflicts(struct build *b, struct lst *l)
{
    for (size_t i = 0; i < l->n_att; i++) {
        struct att *x = &l->att[i];
        for (size_t j = 0; j < i && !x->rejected; j++) {
            struct att *y = &l->att[j];
            if (y->rejected || y->rt->r.kind == x->rt->r.kind)
                continue;
            bool overlap = false;
            struct kgi_bstr lh = {l->m->hostname.p ? l->m->hostname.p : "",
                                  (uint32_t)l->m->hostname.n};
            size_t nx = x->n_hosts ? x->n_hosts : 1,
                   ny = y->n_hosts ? y->n_hosts : 1;
            for (size_t a = 0; a < nx && !overlap; a++)
                for (size_t c = 0; c < ny && !overlap; c++)
                    overlap = hosts_overlap(x->n_hosts ? x->hosts[a] : lh,
                                            y->n_hosts ? y->hosts[c] : lh);
            if (!overlap)
                continue;
            /* att are in rank order: y is older */
            x->rejected = true;
            char msg[400];
            snprintf(msg, sizeof(msg),
                     "%s %.*s/%.*s is not served on listener %.*s of Gateway "
                     "%.*s/%.*s: %s %.*s/%.*s, older, has an intersecting "
                     "hostname there (HTTPRoute and GRPCRoute never share "
                     "a hostname)",
                     kind_name(x->rt), (int)x->rt->ns.n, x->rt->ns.p,
                     (int)x->rt->name.n, x->rt->name.p, (int)l->m->name.n,
                     l->m->name.p, (int)l->gw->ns.n, l->gw->ns.p,
                     (int)l->gw->name.n, l->gw->name.p, kind_name(y->rt),
                     (int)y->rt->ns.n, y->rt->ns.p, (int)y->rt->name.n,
                     y->rt->name.p);
            warn(b, x->rt->r.meta, "spec.hostnames", NULL, KG_ECONFLICT, msg);
        }
    }
}

/* ------------------------------------------------------------- actions */

/* Whether a ReferenceGrant in ns admits (group GW, from_kind, from_ns) ->
 * (to_group, to_kind, name) (rules 46-48). */
static bool granted(const struct build *b, struct kgi_str from_kind,
                    struct kgi_str from_ns, struct kgi_str ns,
                    struct kgi_str to_group, struct kgi_str to_kind,
                    struct kgi_str name)
{
    for (size_t i = 0; i < b->n_grants; i++) {
        const struct kgi_refgrant *g = &b->grants[i];
        if (!seq(g->meta->ns, ns))
            continue;
        bool from = false, to = false;
        for (size_t k = 0; k < g->n_from && !from; k++)
            from = kgi_str_eq(g->from[k].group, KGI_GW_GROUP) &&
                   seq(g->from[k].kind, from_kind) &&
                   seq(g->from[k].ns, from_ns);
        for (size_t k = 0; k < g->n_to && !to; k++)
            to = seq(g->to[k].group, to_group) && seq(g->to[k].kind, to_kind) &&
                 (!g->to[k].name.p || seq(g->to[k].name, name));
        if (from && to)
            return true;
    }
    return false;
}

/* Whether Service ns/name is loaded and declares `port` in spec.ports
 * (its validity is the policy engine's to report). */
static bool service_port(const struct build *b, struct kgi_str ns,
                         struct kgi_str name, int64_t port)
{
    char num[24];
    int nn = snprintf(num, sizeof(num), "%lld", (long long)port);
    for (size_t i = 0; i < b->n_svcs; i++) {
        const struct kgi_meta *m = b->svcs[i];
        if (!seq(m->ns, ns) || !seq(m->name, name))
            continue;
        const struct kgi_node *ports =
            kgi_node_get(kgi_node_get(m->node, "spec"), "ports");
        if (!ports || ports->kind != KGI_NODE_SEQ)
            continue;
        for (size_t k = 0; k < ports->count; k++) {
            const struct kgi_node *p = kgi_node_get(ports->u.items[k], "port");
            if (p && p->kind == KGI_NODE_SCALAR && p->count == (size_t)nn &&
                memcmp(p->u.str, num, (size_t)nn) == 0)
                return true;
        }
    }
    return false;
}

/* Rule 40: a core Service in the route's namespace or granted; when any
 * Service is loaded, one that exists and declares the port (decision
 * unknown-service-port). */
static bool ref_valid(const struct build *b, const struct route *rt,
                      const struct kgi_gw_backend *be)
{
    if (be->group.n != 0 || !kgi_str_eq(be->kind, "Service"))
        return false;
    if (b->n_svcs && !service_port(b, be->ns, be->name, be->port))
        return false;
    if (seq(be->ns, rt->r.meta->ns))
        return true;
    struct kgi_str k = {kind_name(rt), strlen(kind_name(rt))};
    return granted(b, k, rt->r.meta->ns, be->ns, be->group, be->kind, be->name);
}

/* A table copy of s as a public (pointer, length) pair: NUL-terminated,
 * "" when absent. */
static void pub_str(struct build *b, struct kgi_str s, const char **p,
                    size_t *n)
{
    struct kgi_bstr x = kgi_route_bstr(&b->t->arena, s, &b->oom);
    *p = x.p ? x.p : "";
    *n = x.n;
}

/* The filters of a rule or backendRef as the public struct kg_filter the
 * answer points to (the ExtensionRef sets *extension; CORS is left out). */
static int filters_data(struct build *b, const struct route *rt,
                        const struct kgi_gw_filter *f, size_t n,
                        const struct kg_filter **out, uint32_t *nout,
                        bool *extension)
{
    struct kgi_arena *a = &b->t->arena;
    *out = NULL;
    *nout = 0;
    if (!n)
        return 0;
    struct kg_filter *d = kgi_arena_calloc(a, n, sizeof(*d));
    if (!d)
        return KG_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct kgi_gw_filter *x = &f[i];
        struct kg_filter *y = &d[k];
        static const struct kgi_str none = {NULL, 0};
        pub_str(b, none, &y->scheme, &y->scheme_len);
        pub_str(b, none, &y->hostname, &y->hostname_len);
        pub_str(b, none, &y->path, &y->path_len);
        pub_str(b, none, &y->mirror_ns, &y->mirror_ns_len);
        pub_str(b, none, &y->mirror_service, &y->mirror_service_len);
        switch (x->type) {
        case KGI_GW_F_REQUEST_HEADER:
        case KGI_GW_F_RESPONSE_HEADER: {
            y->type = x->type;
            size_t no = x->hdr.n_set + x->hdr.n_add + x->hdr.n_remove;
            struct kg_header_op *ops =
                kgi_arena_calloc(a, no ? no : 1, sizeof(*ops));
            if (!ops)
                return KG_ENOMEM;
            size_t o = 0;
            const struct kgi_gw_header_op *lists[3] = {x->hdr.set, x->hdr.add,
                                                       x->hdr.remove};
            size_t counts[3] = {x->hdr.n_set, x->hdr.n_add, x->hdr.n_remove};
            static const int kinds[3] = {KG_HEADER_SET, KG_HEADER_ADD,
                                         KG_HEADER_REMOVE};
            for (int l = 0; l < 3; l++)
                for (size_t j = 0; j < counts[l]; j++, o++) {
                    ops[o].op = kinds[l];
                    pub_str(b, lists[l][j].name, &ops[o].name,
                            &ops[o].name_len);
                    pub_str(b, lists[l][j].value, &ops[o].value,
                            &ops[o].value_len);
                }
            y->ops = ops;
            y->n_ops = o;
            break;
        }
        case KGI_GW_F_REDIRECT:
        case KGI_GW_F_REWRITE:
            y->type = x->type;
            pub_str(b, x->scheme, &y->scheme, &y->scheme_len);
            pub_str(b, x->hostname, &y->hostname, &y->hostname_len);
            y->port = (uint32_t)x->port;
            y->status_code = x->type == KGI_GW_F_REDIRECT ? (int)x->status : 0;
            y->path_modifier = x->path_mod;
            pub_str(b, x->path_value, &y->path, &y->path_len);
            break;
        case KGI_GW_F_MIRROR:
            y->type = x->type;
            pub_str(b, x->mirror->ns, &y->mirror_ns, &y->mirror_ns_len);
            pub_str(b, x->mirror->name, &y->mirror_service,
                    &y->mirror_service_len);
            y->mirror_port = (uint32_t)x->mirror->port;
            y->mirror_numerator = (uint32_t)x->mirror_num;
            y->mirror_denominator = (uint32_t)x->mirror_den;
            /* rule 55: an invalid mirror is dropped, the request served */
            y->mirror_valid = ref_valid(b, rt, x->mirror);
            break;
        case KGI_GW_F_EXTENSION:
            *extension = true; /* rule 56 (decision extension-500) */
            continue;
        default: /* CORS: nothing the route answer carries */
            continue;
        }
        k++;
    }
    *out = d;
    *nout = (uint32_t)k;
    return b->oom ? KG_ENOMEM : 0;
}

static const struct kgi_gw_action *action(struct build *b, struct route *rt,
                                          size_t ri)
{
    struct kgi_arena *a = &b->t->arena;
    if (!rt->acts) {
        rt->acts = kgi_arena_calloc(b->tmp, rt->r.n_rules, sizeof(*rt->acts));
        if (!rt->acts)
            return NULL;
    }
    if (rt->acts[ri])
        return rt->acts[ri];
    const struct kgi_gw_rule *r = &rt->r.rules[ri];
    struct kgi_gw_action *x = kgi_arena_calloc(a, 1, sizeof(*x));
    if (!x)
        return NULL;
    x->kind = (uint8_t)rt->r.kind;
    x->ns = rt->ns;
    x->name = rt->name;
    x->rule = (uint32_t)r->index;
    x->rule_name = kgi_route_bstr(a, r->name, &b->oom);
    bool ext = false, redirect = false;
    if (filters_data(b, rt, r->filters, r->n_filters, &x->filters,
                     &x->n_filters, &ext))
        return NULL;
    for (uint32_t i = 0; i < x->n_filters; i++)
        redirect = redirect || x->filters[i].type == KGI_GW_F_REDIRECT;
    struct kgi_gw_be *be =
        kgi_arena_calloc(a, r->n_backends ? r->n_backends : 1, sizeof(*be));
    if (!be)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < r->n_backends; i++) {
        const struct kgi_gw_backend *m = &r->backends[i];
        if (m->weight == 0)
            continue; /* rule 43: weight 0 gets no traffic */
        struct kgi_gw_be *y = &be[k++];
        y->group = kgi_route_bstr(a, m->group, &b->oom);
        y->kind = kgi_route_bstr(a, m->kind, &b->oom);
        y->ns = kgi_route_bstr(a, m->ns, &b->oom);
        y->name = kgi_route_bstr(a, m->name, &b->oom);
        y->port = (uint32_t)m->port;
        y->weight = (uint32_t)m->weight;
        y->valid = ref_valid(b, rt, m);
        bool bext = false;
        if (filters_data(b, rt, m->filters, m->n_filters, &y->filters,
                         &y->n_filters, &bext))
            return NULL;
        if (bext)
            y->valid = false; /* its share must get an error */
        x->total_weight += y->weight;
    }
    x->backends = be;
    x->n_backends = (uint32_t)k;
    /* rules 42, 43, 56: nothing can be forwarded */
    if (ext || (!redirect && x->total_weight == 0))
        x->status = 500;
    if (b->oom)
        return NULL;
    rt->acts[ri] = x;
    return x;
}

/* ----------------------------------------------------------- candidates */

/* Build data of one (route, rule, match): its table candidate and trie
 * key. */
struct cprep {
    struct kgi_gw_cand *c; /* NULL: rule dropped (regex that fails) */
    struct kgi_bstr key;   /* HTTP exact/prefix: the node key */
    bool slash;            /* PathPrefix written with a trailing '/' */
    uint32_t rule;
};

struct rprep {
    struct cprep *v;
    size_t n;
    bool done;
};

static int keep_regex(struct build *b, struct kgi_regex *re)
{
    struct kgi_gw_tables *t = b->t;
    if (kgi_grow((void **)&t->regexes, &b->cap_regexes, t->n_regexes + 1,
                 sizeof(*t->regexes))) {
        kgi_regex_free(re);
        return KG_ENOMEM;
    }
    t->regexes[t->n_regexes++] = re;
    return 0;
}

/* Compiles a RegularExpression value; NULL *out with a warning when it
 * does not compile (decision drop-invalid-rule). */
static int regex_of(struct build *b, const struct route *rt, size_t rule,
                    struct kgi_str v, const char *what,
                    const struct kgi_node *n, const struct kgi_regex **out)
{
    char err[200];
    size_t off = 0;
    struct kgi_regex *re = NULL;
    *out = NULL;
    int rc = kgi_regex_compile_as(v.p, v.n, KGI_REGEX_WHOLE, &re, err,
                                  sizeof(err), &off);
    if (rc == KG_ENOMEM)
        return rc;
    if (rc) {
        char field[64], msg[400];
        snprintf(field, sizeof(field), "spec.rules[%zu]", rule);
        snprintf(msg, sizeof(msg),
                 "%s regular expression does not compile at offset %zu: %s; "
                 "the rule is left out",
                 what, off, err);
        warn(b, rt->r.meta, field, n, KG_EINVALID, msg);
        return 0;
    }
    if (keep_regex(b, re))
        return KG_ENOMEM;
    *out = re;
    return 0;
}

static int conds(struct build *b, const struct route *rt, size_t rule,
                 const struct kgi_gw_kv_match *m, size_t n, bool lower,
                 const struct kgi_gw_cond **out, bool *dropped)
{
    struct kgi_arena *a = &b->t->arena;
    *out = NULL;
    if (!n)
        return 0;
    struct kgi_gw_cond *c = kgi_arena_calloc(a, n, sizeof(*c));
    if (!c)
        return KG_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        c[i].type = (uint8_t)m[i].type;
        c[i].name = kgi_route_bstr(a, m[i].name, &b->oom);
        if (b->oom)
            return KG_ENOMEM;
        if (lower)
            for (uint32_t k = 0; k < c[i].name.n; k++) {
                char *p = (char *)c[i].name.p + k;
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p + 32);
            }
        c[i].value = kgi_route_bstr(a, m[i].value, &b->oom);
        if (m[i].type == KGI_GW_REGEX) {
            int rc = regex_of(b, rt, rule, m[i].value,
                              lower ? "header" : "query parameter", m[i].node,
                              &c[i].re);
            if (rc)
                return rc;
            if (!c[i].re)
                *dropped = true;
        }
    }
    *out = c;
    return b->oom ? KG_ENOMEM : 0;
}

/* The candidates of every match of rt (once per route). */
static int prep_route(struct build *b, struct route *rt, struct rprep *p)
{
    if (p->done)
        return 0;
    struct kgi_arena *a = &b->t->arena;
    size_t n = 0;
    for (size_t r = 0; r < rt->r.n_rules; r++)
        n += rt->r.rules[r].n_matches;
    p->v = kgi_arena_calloc(b->tmp, n ? n : 1, sizeof(*p->v));
    if (!p->v)
        return KG_ENOMEM;
    char *tmp = NULL;
    size_t k = 0;
    for (size_t r = 0; r < rt->r.n_rules; r++) {
        const struct kgi_gw_rule *rule = &rt->r.rules[r];
        const struct kgi_gw_action *act = action(b, rt, r);
        if (!act)
            goto oom;
        size_t first = k;
        bool dropped = false;
        for (size_t i = 0; i < rule->n_matches; i++, k++) {
            const struct kgi_gw_match *m = &rule->matches[i];
            struct cprep *cp = &p->v[k];
            cp->rule = (uint32_t)r;
            struct kgi_gw_cand *c = kgi_arena_calloc(a, 1, sizeof(*c));
            if (!c)
                goto oom;
            c->act = act;
            c->match = (uint32_t)m->index;
            c->method = (uint8_t)m->method;
            c->n_headers = (uint16_t)m->n_headers;
            c->n_query = (uint16_t)m->n_query;
            if (conds(b, rt, rule->index, m->headers, m->n_headers, true,
                      &c->headers, &dropped) ||
                conds(b, rt, rule->index, m->query, m->n_query, false,
                      &c->query, &dropped))
                goto oom;
            if (rt->r.kind == KGI_GW_GRPCROUTE) {
                c->grpc_type = (uint8_t)m->grpc_type;
                c->service = kgi_route_bstr(a, m->service, &b->oom);
                c->gmethod = kgi_route_bstr(a, m->grpc_method, &b->oom);
                if (m->grpc_type == KGI_GW_REGEX) {
                    if ((m->service.p &&
                         regex_of(b, rt, rule->index, m->service, "service",
                                  m->node, &c->re)) ||
                        (m->grpc_method.p &&
                         regex_of(b, rt, rule->index, m->grpc_method, "method",
                                  m->node, &c->re2)))
                        goto oom;
                    if ((m->service.p && !c->re) ||
                        (m->grpc_method.p && !c->re2))
                        dropped = true;
                }
            } else {
                c->path_type = (uint8_t)m->path_type;
                c->path = kgi_route_bstr(a, m->path, &b->oom);
                if (m->path_type == KGI_GW_REGEX) {
                    if (regex_of(b, rt, rule->index, m->path, "path", m->node,
                                 &c->re))
                        goto oom;
                    dropped = dropped || !c->re;
                } else {
                    /* the value in request form (escapes as requests
                     * get them); the schema leaves no dot segments */
                    size_t cap = m->path.n + 2, kn = m->path.n;
                    kgi_free(tmp);
                    tmp = kgi_malloc(cap);
                    if (!tmp)
                        goto oom;
                    if (b->t->normalize & KGI_NORM_ON) {
                        if (kgi_norm_path(m->path.p, m->path.n,
                                          KGI_NORM_ON | KGI_NORM_ESCAPES_ONLY,
                                          tmp, cap, &kn)) {
                            char field[64];
                            snprintf(field, sizeof(field), "spec.rules[%zu]",
                                     rule->index);
                            warn(b, rt->r.meta, field, m->node, KG_EWARNING,
                                 "path value can never match a normalized "
                                 "request path (a NUL or rejected escape); "
                                 "the rule is left out");
                            dropped = true;
                            kn = 0;
                        }
                    } else {
                        memcpy(tmp, m->path.p, kn);
                    }
                    if (m->path_type == KGI_GW_PREFIX && kn > 0 &&
                        tmp[kn - 1] == '/') {
                        cp->slash = kn > 1;
                        kn--;
                    }
                    c->prefix_len = (uint32_t)m->path.n;
                    if (m->path_type == KGI_GW_PREFIX && m->path.n > 1 &&
                        m->path.p[m->path.n - 1] == '/')
                        c->prefix_len--;
                    if (m->path_type == KGI_GW_PREFIX && m->path.n == 1)
                        c->prefix_len = 0;
                    cp->key = kgi_route_bdup(a, tmp, kn, &b->oom);
                }
            }
            if (b->oom)
                goto oom;
            cp->c = c;
        }
        if (dropped)
            for (size_t i = first; i < k; i++)
                p->v[i].c = NULL;
    }
    kgi_free(tmp);
    p->n = k;
    p->done = true;
    return 0;
oom:
    kgi_free(tmp);
    return KG_ENOMEM;
}

/* An entry of a group's candidate set: a candidate and its ranking keys. */
struct ent {
    struct kgi_ptrie_cursor pc; /* HTTP exact/prefix */
    uint8_t kind;               /* 0 exact, 1 prefix, 2 regex, 3 gRPC */
    bool slash;
    uint32_t rank, rule, match;
    const struct kgi_gw_cand *c;
};

/* The ranking below the path (rule 31.3-8). */
static int rest_cmp(const struct ent *a, const struct ent *b)
{
    if ((a->c->method != 0) != (b->c->method != 0))
        return a->c->method ? -1 : 1;
    if (a->c->n_headers != b->c->n_headers)
        return a->c->n_headers > b->c->n_headers ? -1 : 1;
    if (a->c->n_query != b->c->n_query)
        return a->c->n_query > b->c->n_query ? -1 : 1;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    if (a->rule != b->rule)
        return a->rule < b->rule ? -1 : 1;
    return a->match < b->match ? -1 : a->match > b->match;
}

static int trie_cmp(const void *pa, const void *pb)
{
    const struct ent *a = pa, *b = pb;
    int c = kgi_ptrie_key_cmp(a->pc.key, b->pc.key);
    if (c)
        return c;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->slash != b->slash)
        return a->slash ? -1 : 1; /* the longer value "/foo/" first */
    return rest_cmp(a, b);
}

/* Regex paths (decision regex-rank): longer pattern first. */
static int rx_cmp(const void *pa, const void *pb)
{
    const struct ent *a = pa, *b = pb;
    if (a->c->path.n != b->c->path.n)
        return a->c->path.n > b->c->path.n ? -1 : 1;
    return rest_cmp(a, b);
}

/* gRPC (rule 59): more characters of service, then of method, then more
 * headers, then age, name, rule. */
static int grpc_cmp(const void *pa, const void *pb)
{
    const struct ent *a = pa, *b = pb;
    if (a->c->service.n != b->c->service.n)
        return a->c->service.n > b->c->service.n ? -1 : 1;
    if (a->c->gmethod.n != b->c->gmethod.n)
        return a->c->gmethod.n > b->c->gmethod.n ? -1 : 1;
    if (a->c->n_headers != b->c->n_headers)
        return a->c->n_headers > b->c->n_headers ? -1 : 1;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    if (a->rule != b->rule)
        return a->rule < b->rule ? -1 : 1;
    return a->match < b->match ? -1 : a->match > b->match;
}

static int clist(struct build *b, const struct ent *e, size_t n,
                 struct kgi_gw_clist *out)
{
    out->n = (uint32_t)n;
    out->v = NULL;
    if (!n)
        return 0;
    const struct kgi_gw_cand **v =
        kgi_arena_calloc(&b->t->arena, n, sizeof(*v));
    if (!v)
        return KG_ENOMEM;
    for (size_t i = 0; i < n; i++)
        v[i] = e[i].c;
    out->v = v;
    return 0;
}

/* ptrie callback: the exact run, then the prefix run of a node. */
static int node_lists(void *user, struct kgi_pnode *node, void *ents, size_t n)
{
    struct build *b = user;
    struct ent *e = ents;
    size_t i = 0;
    while (i < n && e[i].kind == 0)
        i++;
    for (int k = 0; k < 2; k++) {
        size_t lo = k ? i : 0, hi = k ? n : i;
        if (hi == lo)
            continue;
        struct kgi_gw_clist *l = kgi_arena_calloc(&b->t->arena, 1, sizeof(*l));
        if (!l || clist(b, e + lo, hi - lo, l))
            return KG_ENOMEM;
        if (k)
            node->prefix = l;
        else
            node->exact = l;
    }
    return 0;
}

/* --------------------------------------------------------------- groups */

struct hent {
    struct kgi_bstr host;
    uint8_t match;
    struct att *att;
    uint32_t rank;
};

static int hent_cmp(const void *pa, const void *pb)
{
    const struct hent *a = pa, *b = pb;
    if (a->match != b->match)
        return a->match < b->match ? -1 : 1;
    if (a->host.n != b->host.n)
        return a->host.n < b->host.n ? -1 : 1;
    int c = a->host.n ? memcmp(a->host.p, b->host.p, a->host.n) : 0;
    if (c)
        return c;
    return a->rank < b->rank ? -1 : a->rank > b->rank;
}

static int build_group(struct build *b, struct kgi_gw_hgroup *g,
                       const struct hent *h, size_t n, struct rprep *preps)
{
    struct ent *e = NULL;
    size_t ne = 0, cap = 0;
    int rc = KG_ENOMEM;
    g->grpc = h[0].att->rt->r.kind == KGI_GW_GRPCROUTE;
    for (size_t i = 0; i < n; i++) {
        struct route *rt = h[i].att->rt;
        if ((rt->r.kind == KGI_GW_GRPCROUTE) != g->grpc)
            continue; /* removed by kind_conflicts; kept safe */
        if (i && h[i - 1].att->rt == rt)
            continue;
        struct rprep *p = &preps[rt - b->routes];
        if (prep_route(b, rt, p))
            goto out;
        g->n_routes++;
        for (size_t k = 0; k < p->n; k++) {
            const struct cprep *cp = &p->v[k];
            if (!cp->c)
                continue;
            if (kgi_grow((void **)&e, &cap, ne + 1, sizeof(*e)))
                goto out;
            struct ent *x = &e[ne++];
            memset(x, 0, sizeof(*x));
            x->c = cp->c;
            x->rank = rt->rank;
            x->rule = cp->rule;
            x->match = cp->c->match;
            x->slash = cp->slash;
            if (g->grpc)
                x->kind = 3;
            else if (cp->c->path_type == KGI_GW_REGEX)
                x->kind = 2;
            else
                x->kind = cp->c->path_type == KGI_GW_EXACT ? 0 : 1;
            kgi_ptrie_cursor_init(&x->pc, cp->key);
        }
    }
    if (g->grpc) {
        if (ne)
            qsort(e, ne, sizeof(*e), grpc_cmp);
        rc = clist(b, e, ne, &g->all);
        goto out;
    }
    /* regex entries to the end, then sorted by their own order */
    size_t nt = 0;
    for (size_t i = 0; i < ne; i++)
        if (e[i].kind != 2) {
            struct ent t = e[nt];
            e[nt++] = e[i];
            e[i] = t;
        }
    if (ne - nt)
        qsort(e + nt, ne - nt, sizeof(*e), rx_cmp);
    rc = clist(b, e + nt, ne - nt, &g->rx);
    if (rc)
        goto out;
    if (nt)
        qsort(e, nt, sizeof(*e), trie_cmp);
    rc = kgi_ptrie_build(&b->t->arena, &g->root, nt ? e : NULL, nt, sizeof(*e),
                         offsetof(struct ent, pc), node_lists, b);
out:
    kgi_free(e);
    return rc;
}

static int group_host_cmp(const void *pa, const void *pb)
{
    const struct kgi_gw_hgroup *a = *(const struct kgi_gw_hgroup *const *)pa;
    const struct kgi_gw_hgroup *b = *(const struct kgi_gw_hgroup *const *)pb;
    if (a->match != b->match)
        return a->match < b->match ? -1 : 1;
    size_t n = a->host.n < b->host.n ? a->host.n : b->host.n;
    int c = n ? memcmp(a->host.p, b->host.p, n) : 0;
    if (c)
        return c;
    return a->host.n < b->host.n ? -1 : a->host.n > b->host.n;
}

static int build_listener(struct build *b, struct lst *l, struct rprep *preps)
{
    struct kgi_arena *a = &b->t->arena;
    struct hent *h = NULL;
    struct kgi_bstr *keys = NULL;
    const void **vals = NULL;
    size_t nh = 0, cap = 0;
    int rc = KG_ENOMEM;
    struct kgi_bstr lh = l->out->hostname;
    for (size_t i = 0; i < l->n_att; i++) {
        struct att *x = &l->att[i];
        if (x->rejected)
            continue;
        size_t k = x->n_hosts ? x->n_hosts : 1;
        for (size_t j = 0; j < k; j++) {
            if (kgi_grow((void **)&h, &cap, nh + 1, sizeof(*h)))
                goto out;
            struct kgi_bstr host = x->n_hosts ? x->hosts[j] : lh;
            h[nh].host = kgi_route_bdup(a, host.p, host.n, &b->oom);
            h[nh].match = host.n == 0        ? KGI_HOST_ANY
                          : host.p[0] == '*' ? KGI_HOST_WILDCARD
                                             : KGI_HOST_EXACT;
            h[nh].att = x;
            h[nh].rank = x->rt->rank;
            nh++;
        }
    }
    if (b->oom)
        goto out;
    if (nh)
        qsort(h, nh, sizeof(*h), hent_cmp);
    size_t ng = 0;
    for (size_t i = 0; i < nh; i++)
        if (i == 0 || hent_cmp(&(struct hent){h[i].host, h[i].match, NULL, 0},
                               &(struct hent){h[i - 1].host, h[i - 1].match,
                                              NULL, 0}) != 0)
            ng++;
    struct kgi_gw_hgroup **gs = kgi_arena_calloc(a, ng ? ng : 1, sizeof(*gs));
    keys = kgi_malloc((ng + 1) * sizeof(*keys));
    vals = kgi_malloc((ng + 1) * sizeof(*vals));
    if (!gs || !keys || !vals)
        goto out;
    size_t gi = 0;
    for (size_t i = 0; i < nh;) {
        size_t j = i + 1;
        while (j < nh && h[j].match == h[i].match && beq(h[j].host, h[i].host))
            j++;
        struct kgi_gw_hgroup *g = kgi_arena_alloc(a, sizeof(*g), 64);
        if (!g)
            goto out;
        memset(g, 0, sizeof(*g));
        g->host = h[i].host;
        g->match = h[i].match;
        rc = build_group(b, g, h + i, j - i, preps);
        if (rc)
            goto out;
        rc = KG_ENOMEM;
        gs[gi++] = g;
        i = j;
    }
    qsort(gs, gi, sizeof(*gs), group_host_cmp);
    size_t ne = 0, nw = 0;
    for (size_t i = 0; i < gi; i++) {
        if (gs[i]->match == KGI_HOST_ANY) {
            l->out->any = gs[i];
            continue;
        }
        keys[ne + nw] = gs[i]->host;
        if (gs[i]->match == KGI_HOST_WILDCARD) {
            keys[ne + nw].p += 2; /* "*.s" is keyed by "s" */
            keys[ne + nw].n -= 2;
            nw++;
        } else {
            ne++;
        }
        vals[ne + nw - 1] = gs[i];
    }
    l->out->groups = (const struct kgi_gw_hgroup *const *)gs;
    l->out->n_groups = gi;
    rc = kgi_htab_build(a, &l->out->exact, keys, vals, ne);
    if (!rc)
        rc = kgi_htab_build(a, &l->out->wild, keys + ne, vals + ne, nw);
out:
    kgi_free(h);
    kgi_free(keys);
    kgi_free(vals);
    return rc;
}

/* ---------------------------------------------------------------- build */

static int lst_cmp(const void *pa, const void *pb)
{
    const struct kgi_gw_ltab *a = pa, *b = pb;
    if (a->port != b->port)
        return a->port < b->port ? -1 : 1;
    return 0; /* stable enough: gateways are added in namespace/name order */
}

static int gw_order(const void *pa, const void *pb)
{
    const struct gw *a = pa, *b = pb;
    return kgi_nsname_cmp(a->g.meta->ns, a->g.meta->name, b->g.meta->ns,
                          b->g.meta->name);
}

static int setup_listeners(struct build *b, const struct kgi_gateway_class *cls,
                           size_t n_cls)
{
    struct kgi_arena *a = &b->t->arena;
    if (b->n_gws)
        qsort(b->gws, b->n_gws, sizeof(*b->gws), gw_order);
    size_t n = 0;
    for (size_t i = 0; i < b->n_gws; i++) {
        struct gw *g = &b->gws[i];
        /* a Gateway naming a GatewayClass that is not loaded (when any is)
         * is not served, as no controller would program it */
        g->served = n_cls == 0;
        for (size_t k = 0; k < n_cls && !g->served; k++)
            g->served = seq(cls[k].meta->name, g->g.class_name);
        if (!g->served) {
            char msg[300];
            snprintf(msg, sizeof(msg),
                     "Gateway %.*s/%.*s is not served: its gatewayClassName "
                     "is not among the loaded GatewayClasses",
                     (int)g->g.meta->ns.n, g->g.meta->ns.p,
                     (int)g->g.meta->name.n, g->g.meta->name.p);
            warn(b, g->g.meta, "spec.gatewayClassName", NULL, KG_EWARNING, msg);
        }
        g->first = n;
        g->ns = kgi_route_bstr(a, g->g.meta->ns, &b->oom);
        g->name = kgi_route_bstr(a, g->g.meta->name, &b->oom);
        n += g->g.n_listeners;
    }
    struct kgi_gw_ltab *out = kgi_arena_calloc(a, n ? n : 1, sizeof(*out));
    b->lsts = kgi_calloc(n ? n : 1, sizeof(*b->lsts));
    if (!out || !b->lsts || b->oom)
        return KG_ENOMEM;
    b->n_lsts = n;
    for (size_t i = 0; i < b->n_gws; i++) {
        struct gw *g = &b->gws[i];
        for (size_t k = 0; k < g->g.n_listeners; k++) {
            const struct kgi_gw_listener *m = &g->g.listeners[k];
            struct lst *l = &b->lsts[g->first + k];
            struct kgi_gw_ltab *o = &out[g->first + k];
            l->m = m;
            l->gw = g;
            l->out = o;
            o->gw_ns = g->ns;
            o->gw_name = g->name;
            o->name = kgi_route_bstr(a, m->name, &b->oom);
            o->hostname = kgi_route_bstr(a, m->hostname, &b->oom);
            o->wildcard = m->wildcard;
            o->port = (uint32_t)m->port;
            o->protocol = (uint8_t)m->protocol;
            o->conflicted = !g->served;
            /* decision listener-protocol-conflict */
            for (size_t j = 0; j < g->g.n_listeners; j++) {
                const struct kgi_gw_listener *x = &g->g.listeners[j];
                if (x->port == m->port &&
                    ((x->protocol == KGI_GW_PROTO_HTTP &&
                      m->protocol == KGI_GW_PROTO_HTTPS) ||
                     (x->protocol == KGI_GW_PROTO_HTTPS &&
                      m->protocol == KGI_GW_PROTO_HTTP)))
                    o->conflicted = true;
            }
        }
    }
    b->t->listeners = out;
    b->t->n_listeners = n;
    return b->oom ? KG_ENOMEM : 0;
}

static uint32_t norm_flags(const struct kg_options *o)
{
    uint32_t f = 0;
    if (kgi_flag(o, KG_FLAG_NORMALIZE))
        f |= KGI_NORM_ON;
    if (kgi_flag(o, KG_FLAG_REJECT_ESCAPED_SLASH))
        f |= KGI_NORM_REJECT_ESCAPED_SLASH;
    return f;
}

int kgi_gw_build(const struct kgi_gw_in *in, struct kgi_gw_tables **out)
{
    *out = NULL;
    int rc = KG_ENOMEM;
    struct kgi_arena scratch;
    kgi_arena_init(&scratch);
    struct build b;
    memset(&b, 0, sizeof(b));
    struct kgi_gateway_class *cls = NULL;
    struct rprep *preps = NULL;
    size_t n_gw = 0, n_cls = 0, n_rt = 0, n_rg = 0, n_ns = 0, n_svc = 0;
    for (size_t i = 0; i < in->n; i++) {
        int k = in->objs[i].kind;
        n_gw += k == KGI_KIND_GATEWAY;
        n_cls += k == KGI_KIND_GATEWAYCLASS;
        n_rt += k == KGI_KIND_HTTPROUTE || k == KGI_KIND_GRPCROUTE;
        n_rg += k == KGI_KIND_REFERENCEGRANT;
        n_ns += k == KGI_KIND_NAMESPACE;
        n_svc += k == KGI_KIND_SERVICE;
    }
    if (n_gw + n_cls + n_rt + n_rg == 0)
        return 0;
    struct kgi_gw_tables *t = kgi_calloc(1, sizeof(*t));
    if (!t)
        goto fail;
    kgi_arena_init(&t->arena);
    t->normalize = norm_flags(in->opts);
    b.in = in;
    b.t = t;
    b.tmp = &scratch;
    b.skip_invalid = kgi_flag(in->opts, KG_FLAG_SKIP_INVALID);
    b.gws = kgi_calloc(n_gw ? n_gw : 1, sizeof(*b.gws));
    b.routes = kgi_calloc(n_rt ? n_rt : 1, sizeof(*b.routes));
    b.ord = kgi_calloc(n_rt ? n_rt : 1, sizeof(*b.ord));
    b.grants = kgi_calloc(n_rg ? n_rg : 1, sizeof(*b.grants));
    b.nss = kgi_calloc(n_ns ? n_ns : 1, sizeof(*b.nss));
    b.svcs = kgi_calloc(n_svc ? n_svc : 1, sizeof(*b.svcs));
    cls = kgi_calloc(n_cls ? n_cls : 1, sizeof(*cls));
    preps = kgi_calloc(n_rt ? n_rt : 1, sizeof(*preps));
    if (!b.gws || !b.routes || !b.ord || !b.grants || !b.nss || !b.svcs ||
        !cls || !preps)
        goto fail;
    n_cls = 0; /* read_objects counts the valid ones into cls[0..n_cls) */
    rc = read_objects(&b, cls, &n_cls);
    if (rc)
        goto fail;
    rc = KG_ENOMEM;
    t->n_gateways = b.n_gws;
    t->n_routes = b.n_routes;
    for (size_t i = 0; i < b.n_routes; i++)
        b.ord[i] = &b.routes[i];
    if (b.n_routes)
        qsort(b.ord, b.n_routes, sizeof(*b.ord), route_order);
    for (size_t i = 0; i < b.n_routes; i++) {
        b.ord[i]->rank = (uint32_t)i;
        b.ord[i]->ns = kgi_route_bstr(&t->arena, b.ord[i]->r.meta->ns, &b.oom);
        b.ord[i]->name =
            kgi_route_bstr(&t->arena, b.ord[i]->r.meta->name, &b.oom);
    }
    if (b.oom || setup_listeners(&b, cls, n_cls))
        goto fail;
    for (size_t i = 0; i < b.n_routes; i++) {
        attach_route(&b, b.ord[i]);
        if (b.oom)
            goto fail;
        t->n_attached += b.ord[i]->attached;
    }
    for (size_t i = 0; i < b.n_lsts; i++) {
        kind_conflicts(&b, &b.lsts[i]);
        rc = build_listener(&b, &b.lsts[i], preps);
        if (rc)
            goto fail;
    }
    rc = KG_ENOMEM;
    /* by port; listeners of one port keep gateway and listener order */
    struct kgi_gw_ltab *ls = (struct kgi_gw_ltab *)t->listeners;
    for (size_t i = 1; i < t->n_listeners; i++) /* stable insertion sort */
        for (size_t j = i; j > 0 && lst_cmp(&ls[j - 1], &ls[j]) > 0; j--) {
            struct kgi_gw_ltab x = ls[j];
            ls[j] = ls[j - 1];
            ls[j - 1] = x;
        }
    if (b.oom || in->diags->oom)
        goto fail;
    *out = t;
    t = NULL;
    rc = 0;
fail:
    kgi_gw_free(t);
    for (size_t i = 0; i < b.n_lsts; i++)
        kgi_free(b.lsts[i].att);
    kgi_free(b.lsts);
    kgi_free(b.gws);
    kgi_free(b.routes);
    kgi_free(b.ord);
    kgi_free(b.grants);
    kgi_free(b.nss);
    kgi_free(b.svcs);
    kgi_free(cls);
    kgi_free(preps);
    kgi_arena_release(&scratch);
    return rc;
}

void kgi_gw_free(struct kgi_gw_tables *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_regexes; i++)
        kgi_regex_free(t->regexes[i]);
    kgi_free(t->regexes);
    kgi_arena_release(&t->arena);
    kgi_free(t);
}
