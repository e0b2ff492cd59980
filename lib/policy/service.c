// SPDX-License-Identifier: MIT
/*
 * service.c - Service addresses to endpoints, and the verdict of a flow to
 * one. See service.h.
 *
 * Endpoints of a Service port (what kube-proxy programs):
 *   - with EndpointSlices labelled kubernetes.io/service-name=<service> in
 *     its namespace: every ready endpoint address of the slices of the
 *     ClusterIP's family whose ports have an entry with the Service port's
 *     name and protocol, on that entry's port (the EndpointSlice controller
 *     already resolved a named targetPort per pod and groups pods by it);
 *   - else, with a selector: every live pod of the namespace matching it
 *     whose Ready condition is True, on the targetPort (a name resolved in
 *     that pod's container ports; a pod without it is no endpoint), as the
 *     EndpointSlice controller would compute them;
 *   - else (a selector-less Service whose endpoints are managed by hand in
 *     v1 Endpoints, which kgress does not read): none.
 * Headless Services (clusterIP None) and ExternalName Services have no
 * virtual address: flows go to the pods (or the external name) directly
 * and are judged as such. An endpoint address that is itself a ClusterIP
 * is dropped with a warning (it would make a Service flow recurse).
 */
#include "policy/service.h"

#include <stdlib.h>
#include <string.h>

#include "k8s/service.h"
#include "policy/netpol_model.h"
#include "policy/table.h"
#include "util/alloc.h"

static int ip_cmp(const struct kgi_ip *a, const struct kgi_ip *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return memcmp(a->b, b->b, 16);
}

static int entry_cmp(const void *x, const void *y)
{
    const struct kgi_svc_entry *a = x, *b = y;
    int c = ip_cmp(&a->ip, &b->ip);
    if (c)
        return c;
    if (a->proto != b->proto)
        return a->proto < b->proto ? -1 : 1;
    if (a->port != b->port)
        return a->port < b->port ? -1 : 1;
    return strcmp(a->service, b->service);
}

/* Ready condition of a pod object (status.conditions[type=Ready]). */
static bool pod_ready(const struct kgi_node *pod)
{
    const struct kgi_node *st = kgi_node_get(pod, "status");
    const struct kgi_node *cs = kgi_node_get(st, "conditions");
    if (!cs || cs->kind != KGI_NODE_SEQ)
        return false;
    for (size_t i = 0; i < cs->count; i++)
        if (kgi_node_is(kgi_node_get(cs->u.items[i], "type"), "Ready"))
            return kgi_node_is(kgi_node_get(cs->u.items[i], "status"), "True");
    return false;
}

static bool selects(const struct kgi_kvs *sel, const struct kgi_kvs *labels)
{
    for (size_t i = 0; i < sel->n; i++) {
        const struct kgi_kv *kv = kgi_kvs_get(labels, sel->v[i].key.p);
        /* keys are NUL-terminated in the node tree */
        if (!kv || kv->value.n != sel->v[i].value.n ||
            memcmp(kv->value.p, sel->v[i].value.p, kv->value.n) != 0)
            return false;
    }
    return true;
}

static bool str_same(struct kgi_str a, struct kgi_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static char *join(struct kgi_arena *a, const struct kgi_meta *m)
{
    char *s = kgi_arena_alloc(a, m->ns.n + m->name.n + 2, 1);
    if (!s)
        return NULL;
    memcpy(s, m->ns.p, m->ns.n);
    s[m->ns.n] = '/';
    memcpy(s + m->ns.n + 1, m->name.p, m->name.n);
    s[m->ns.n + 1 + m->name.n] = '\0';
    return s;
}

struct build {
    const struct kgi_compile_in *in;
    struct kgi_arena *scratch;
    struct kgi_service *svcs;
    size_t n_svcs;
    struct kgi_slice *slices;
    size_t n_slices;
    struct kgi_pod *pods;
    bool *ready;
    size_t n_pods;
    bool from_pods; /* an endpoint list was computed from pods */
    /* growing outputs */
    struct kgi_svc_entry *entries;
    size_t n_entries, cap_entries;
    struct kgi_svc_ep *eps;
    size_t n_eps, cap_eps;
};

static int add_ep(struct build *b, const struct kgi_ip *ip, uint16_t port)
{
    if (kgi_grow((void **)&b->eps, &b->cap_eps, b->n_eps + 1, sizeof(*b->eps)))
        return KG_ENOMEM;
    b->eps[b->n_eps].ip = *ip;
    b->eps[b->n_eps].port = port;
    b->n_eps++;
    return 0;
}

/* The endpoints of Service port p for ClusterIP family fam. */
static int port_endpoints(struct build *b, const struct kgi_service *s,
                          const struct kgi_svc_port *p, int fam)
{
    bool has_slices = false;
    for (size_t i = 0; i < b->n_slices; i++) {
        const struct kgi_slice *sl = &b->slices[i];
        if (!str_same(sl->meta.ns, s->meta.ns) ||
            !str_same(sl->service, s->meta.name))
            continue;
        has_slices = true;
        if (sl->family != fam)
            continue;
        for (size_t k = 0; k < sl->n_ports; k++) {
            const struct kgi_slice_port *sp = &sl->ports[k];
            if (!str_same(sp->name, p->name) || sp->protocol != p->protocol ||
                !sp->port)
                continue;
            for (size_t e = 0; e < sl->n_endpoints; e++) {
                const struct kgi_slice_endpoint *ep = &sl->endpoints[e];
                if (!ep->ready)
                    continue;
                for (size_t a = 0; a < ep->n_ips; a++)
                    if (add_ep(b, &ep->ips[a], sp->port))
                        return KG_ENOMEM;
            }
        }
    }
    if (has_slices || !s->has_selector)
        return 0;
    b->from_pods = true;
    for (size_t i = 0; i < b->n_pods; i++) {
        const struct kgi_pod *pod = &b->pods[i];
        if (!b->ready[i] || !str_same(pod->meta.ns, s->meta.ns) ||
            !selects(&s->selector, &pod->labels))
            continue;
        uint16_t port = p->target;
        if (p->target_name.n) {
            const struct kgi_container_port *cp = kgi_pod_named_port(
                pod, p->target_name.p, p->target_name.n, p->protocol);
            if (!cp)
                continue;
            port = cp->port;
        }
        for (size_t a = 0; a < pod->n_ips; a++)
            if (pod->ips[a].family == fam && add_ep(b, &pod->ips[a], port))
                return KG_ENOMEM;
    }
    return 0;
}

/* Reads Services, EndpointSlices and (silently: their problems are the
 * policy compiler's to report) Pods. */
static int read_objects(struct build *b, bool *errors)
{
    const struct kgi_compile_in *in = b->in;
    size_t ns = 0, nsl = 0, np = 0;
    for (size_t i = 0; i < in->n; i++) {
        ns += in->objs[i].kind == KGI_KIND_SERVICE;
        nsl += in->objs[i].kind == KGI_KIND_ENDPOINTSLICE;
        np += in->objs[i].kind == KGI_KIND_POD;
    }
    b->svcs = kgi_arena_calloc(b->scratch, ns + 1, sizeof(*b->svcs));
    b->slices = kgi_arena_calloc(b->scratch, nsl + 1, sizeof(*b->slices));
    b->pods = kgi_arena_calloc(b->scratch, np + 1, sizeof(*b->pods));
    b->ready = kgi_arena_calloc(b->scratch, np + 1, sizeof(*b->ready));
    if (!b->svcs || !b->slices || !b->pods || !b->ready)
        return KG_ENOMEM;
    bool skip = kgi_flag(in->opts, KG_FLAG_SKIP_INVALID);
    struct kg_diagnostics quiet;
    kgi_diag_init(&quiet);
    int rc = 0;
    for (size_t i = 0; i < in->n && ns; i++) {
        const struct kgi_meta *m = &in->objs[i];
        if (m->kind != KGI_KIND_POD)
            continue;
        struct kgi_ctx c;
        kgi_ctx_init(&c, &quiet, b->scratch, in->opts, m->file);
        quiet.n = quiet.errors = 0;
        if (kgi_pod_read(&c, m, &b->pods[b->n_pods]) && !c.errors) {
            b->ready[b->n_pods] = pod_ready(m->node);
            b->n_pods++;
        }
        bool oom = quiet.oom;
        for (size_t k = 0; k < quiet.n; k++)
            oom = oom || quiet.v[k].code == KG_ENOMEM;
        if (oom) {
            rc = KG_ENOMEM;
            break;
        }
    }
    kgi_diag_release(&quiet);
    if (rc)
        return rc;
    for (size_t i = 0; i < in->n; i++) {
        const struct kgi_meta *m = &in->objs[i];
        if (m->kind != KGI_KIND_SERVICE && m->kind != KGI_KIND_ENDPOINTSLICE)
            continue;
        size_t before = kgi_diag_mark(in->diags);
        struct kgi_ctx c;
        kgi_ctx_init(&c, in->diags, b->scratch, in->opts, m->file);
        bool ok = m->kind == KGI_KIND_SERVICE
                      ? kgi_service_read(&c, m, &b->svcs[b->n_svcs])
                      : kgi_slice_read(&c, m, &b->slices[b->n_slices]);
        if (in->diags->oom)
            return KG_ENOMEM;
        if (ok && c.errors == 0) {
            if (m->kind == KGI_KIND_SERVICE)
                b->n_svcs++;
            else
                b->n_slices++;
        } else if (skip) {
            kgi_diag_demote(in->diags, before);
        } else {
            *errors = true;
        }
    }
    return 0;
}

static bool is_cluster_ip(const struct kgi_svc_entry *v, size_t n,
                          const struct kgi_ip *ip)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = ip_cmp(&v[mid].ip, ip);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

int kgi_services_build(const struct kgi_compile_in *in,
                       struct kgi_services **out)
{
    *out = NULL;
    struct kgi_arena scratch;
    kgi_arena_init(&scratch);
    struct build b = {.in = in, .scratch = &scratch};
    struct kgi_services *s = kgi_calloc(1, sizeof(*s));
    bool errors = false;
    int rc = s ? read_objects(&b, &errors) : KG_ENOMEM;
    if (rc)
        goto fail;
    kgi_arena_init(&s->arena);
    s->any = kgi_flag(in->opts, KG_FLAG_SERVICE_ANY_ENDPOINT);
    for (size_t i = 0; i < b.n_svcs; i++) {
        const struct kgi_service *sv = &b.svcs[i];
        if (sv->headless || sv->type == KGI_SVC_EXTERNAL_NAME || !sv->n_ips)
            continue;
        const char *name = join(&s->arena, &sv->meta);
        if (!name) {
            rc = KG_ENOMEM;
            goto fail;
        }
        for (size_t a = 0; a < sv->n_ips; a++) {
            for (size_t k = 0; k < sv->n_ports; k++) {
                size_t first = b.n_eps;
                rc = port_endpoints(&b, sv, &sv->ports[k], sv->ips[a].family);
                if (rc)
                    goto fail;
                if (kgi_grow((void **)&b.entries, &b.cap_entries,
                             b.n_entries + 1, sizeof(*b.entries))) {
                    rc = KG_ENOMEM;
                    goto fail;
                }
                struct kgi_svc_entry *e = &b.entries[b.n_entries++];
                e->ip = sv->ips[a];
                e->proto = (uint8_t)sv->ports[k].protocol;
                e->port = sv->ports[k].port;
                e->service = name;
                e->first = (uint32_t)first;
                e->n = (uint32_t)(b.n_eps - first);
            }
            if (!sv->n_ports) { /* an address with no port: all refused */
                if (kgi_grow((void **)&b.entries, &b.cap_entries,
                             b.n_entries + 1, sizeof(*b.entries))) {
                    rc = KG_ENOMEM;
                    goto fail;
                }
                struct kgi_svc_entry *e = &b.entries[b.n_entries++];
                memset(e, 0, sizeof(*e));
                e->ip = sv->ips[a];
                e->service = name;
            }
        }
    }
    s->from_pods = b.from_pods;
    if (b.n_entries)
        qsort(b.entries, b.n_entries, sizeof(*b.entries), entry_cmp);
    s->entries =
        kgi_arena_calloc(&s->arena, b.n_entries + 1, sizeof(*s->entries));
    s->addrs = kgi_arena_calloc(&s->arena, b.n_entries + 1, sizeof(*s->addrs));
    s->eps = kgi_arena_calloc(&s->arena, b.n_eps + 1, sizeof(*s->eps));
    if (!s->entries || !s->addrs || !s->eps) {
        rc = KG_ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < b.n_entries; i++) {
        if (!s->n_addrs ||
            ip_cmp(&s->addrs[s->n_addrs - 1].ip, &b.entries[i].ip) != 0)
            s->addrs[s->n_addrs++] = b.entries[i];
        /* one Service per (address, protocol, port): the first in
         * namespace/name order (the allocator never shares a ClusterIP) */
        if (i && entry_cmp(&b.entries[i], &b.entries[i - 1]) != 0 &&
            ip_cmp(&b.entries[i].ip, &b.entries[i - 1].ip) == 0 &&
            b.entries[i].proto == b.entries[i - 1].proto &&
            b.entries[i].port == b.entries[i - 1].port)
            continue;
        s->entries[s->n_entries++] = b.entries[i];
    }
    /* endpoints that are ClusterIPs themselves are dropped */
    size_t n_eps = 0;
    for (size_t i = 0; i < s->n_entries; i++) {
        struct kgi_svc_entry *e = &s->entries[i];
        uint32_t first = (uint32_t)n_eps;
        for (uint32_t k = 0; k < e->n; k++) {
            const struct kgi_svc_ep *ep = &b.eps[e->first + k];
            if (is_cluster_ip(s->addrs, s->n_addrs, &ep->ip)) {
                char txt[KGI_IP_STRLEN];
                kgi_ip_format(&ep->ip, txt);
                kgi_diag_add(in->diags, KG_SEVERITY_WARNING, KG_EWARNING, "",
                             "", 0, 0,
                             "endpoint %s of Service %s is a Service address "
                             "itself; left out",
                             txt, e->service);
                continue;
            }
            s->eps[n_eps++] = *ep;
        }
        e->first = first;
        e->n = (uint32_t)n_eps - first;
    }
    kgi_free(b.entries);
    kgi_free(b.eps);
    kgi_arena_release(&scratch);
    if (errors) {
        kgi_services_free(s);
        return KG_ECOMPILE;
    }
    *out = s;
    return 0;
fail:
    kgi_free(b.entries);
    kgi_free(b.eps);
    kgi_arena_release(&scratch);
    if (s) {
        kgi_arena_release(&s->arena);
        kgi_free(s);
    }
    return rc;
}

void kgi_services_free(struct kgi_services *s)
{
    if (!s)
        return;
    kgi_arena_release(&s->arena);
    kgi_free(s);
}

/* First entry of (ip, proto, port), or of ip alone when proto is 0. */
static const struct kgi_svc_entry *find(const struct kgi_svc_entry *v,
                                        uint32_t n, const struct kgi_ip *ip,
                                        int proto, unsigned port)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = ip_cmp(&v[mid].ip, ip);
        if (!c && proto)
            c = v[mid].proto != proto ? (v[mid].proto < proto ? -1 : 1)
                : v[mid].port != port ? (v[mid].port < port ? -1 : 1)
                                      : 0;
        if (c == 0)
            return &v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void kgi_services_flow(const struct kgi_services *s,
                       const struct kgi_netpol *np, const struct kg_flow *flow,
                       const struct kgi_ip *dst, struct kg_verdict *out)
{
    if (!s || !s->n_addrs)
        return;
    struct kgi_svc_entry none;
    const struct kgi_svc_entry *e =
        find(s->entries, s->n_entries, dst, flow->protocol, flow->port);
    if (!e) {
        e = find(s->addrs, s->n_addrs, dst, 0, 0);
        if (!e)
            return; /* not a Service address */
        memset(&none, 0, sizeof(none));
        none.service = e->service; /* a port the Service does not have */
        e = &none;
    }
    out->service = e->service;
    out->endpoints = e->n;
    memset(&out->endpoint, 0, sizeof(out->endpoint));
    out->endpoint_port = 0;
    if (!e->n) {
        /* nothing behind the address for this port: kube-proxy rejects */
        out->allowed = false;
        out->ingress.allowed = false;
        out->ingress.reason = KG_REASON_NO_ENDPOINTS;
        return;
    }
    bool decided = false;
    for (uint32_t k = 0; k < e->n && !decided; k++) {
        const struct kgi_svc_ep *ep = &s->eps[e->first + k];
        struct kg_verdict v;
        memset(&v, 0, sizeof(v));
        v.size = sizeof(v);
        /* the same flow (name and all) to the endpoint after port
         * translation */
        struct kg_flow f = *flow;
        f.dst.family = ep->ip.family;
        memcpy(f.dst.bytes, ep->ip.b, 16);
        f.port = ep->port;
        /* the direct verdict only: an endpoint is never a Service address
         * (dropped at build) */
        if (kgi_netpol_check(np, NULL, &f, &v) != 0)
            continue;
        decided = s->any ? v.allowed : !v.allowed;
        if (k == 0 || decided) {
            out->allowed = v.allowed;
            out->egress = v.egress;
            out->ingress = v.ingress;
            out->egress_detail = v.egress_detail;
            out->ingress_detail = v.ingress_detail;
            out->endpoint = f.dst;
            out->endpoint_port = ep->port;
        }
    }
}
