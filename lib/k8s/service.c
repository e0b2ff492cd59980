// SPDX-License-Identifier: MIT
/*
 * service.c - Service and EndpointSlice readers. See service.h.
 *
 * Validation follows pkg/apis/core/validation ValidateService and
 * pkg/apis/discovery/validation for the fields read: port numbers 1-65535,
 * protocols TCP/UDP/SCTP, port names IANA service names (required when
 * there are several ports), targetPort a number 1-65535 or an IANA name,
 * clusterIPs addresses (or "None"), endpoint addresses of the slice's
 * addressType. Everything else of these objects is not a verdict's
 * business and is not checked.
 */
#include "k8s/service.h"

#include <string.h>

#include "k8s/names.h"

static int proto_of(struct kgi_str s)
{
    if (kgi_str_eq(s, "TCP"))
        return 6;
    if (kgi_str_eq(s, "UDP"))
        return 17;
    if (kgi_str_eq(s, "SCTP"))
        return 132;
    return 0;
}

static bool oom(struct kgi_ctx *c, const struct kgi_node *n)
{
    kgi_error(c, KG_ENOMEM, n, "out of memory");
    return false;
}

/* protocol field of map n (absent: TCP) into *out. */
static bool read_protocol(struct kgi_ctx *c, const struct kgi_node *n, int *out)
{
    bool ok = true;
    struct kgi_str p;
    *out = 6;
    if (!kgi_field_str(c, n, "protocol", false, &p, &ok))
        return ok;
    *out = proto_of(p);
    if (!*out) {
        size_t m = kgi_enter(c, "protocol");
        kgi_error(c, KG_ENOTSUPPORTED, kgi_node_get(n, "protocol"),
                  "Unsupported value: \"%.*s\": supported values: \"SCTP\", "
                  "\"TCP\", \"UDP\"",
                  KGI_SHOW(p.n), p.p);
        kgi_leave(c, m);
        return false;
    }
    return true;
}

/* An optional IANA port name at n[key]. */
static bool read_port_name(struct kgi_ctx *c, const struct kgi_node *n,
                           const char *key, struct kgi_str *out)
{
    bool ok = true;
    if (!kgi_field_str(c, n, key, false, out, &ok) || !out->n)
        return ok;
    const char *why = kgi_check_iana_svc_name(out->p, out->n);
    if (why) {
        size_t m = kgi_enter(c, key);
        kgi_error(c, KG_EINVALID, kgi_node_get(n, key),
                  "Invalid value: \"%.*s\": %s", KGI_SHOW(out->n), out->p, why);
        kgi_leave(c, m);
        return false;
    }
    return true;
}

static bool read_svc_port(struct kgi_ctx *c, const struct kgi_node *pn,
                          struct kgi_svc_port *out)
{
    bool ok = true;
    memset(out, 0, sizeof(*out));
    if (pn->kind != KGI_NODE_MAP) {
        kgi_error(c, KG_ETYPE, pn, "must be an object (map)");
        return false;
    }
    ok = read_port_name(c, pn, "name", &out->name) && ok;
    ok = read_protocol(c, pn, &out->protocol) && ok;
    int64_t v = 0;
    if (kgi_field_int(c, pn, "port", true, 1, 65535, &v, &ok))
        out->port = (uint16_t)v;
    out->target = out->port;
    const struct kgi_node *t =
        kgi_field(c, pn, "targetPort", KGI_NODE_SCALAR, false, &ok);
    if (t) {
        size_t m = kgi_enter(c, "targetPort");
        int64_t tv;
        if (kgi_scalar_int(t, &tv)) {
            if (tv == 0) {
                out->target = out->port; /* Go's zero value: defaulted */
            } else if (tv < 1 || tv > 65535) {
                kgi_error(c, KG_EINVALID, t,
                          "Invalid value: %lld: must be between 1 and 65535, "
                          "inclusive",
                          (long long)tv);
                ok = false;
            } else {
                out->target = (uint16_t)tv;
            }
        } else if (kgi_scalar_is_plain_nonstring(t)) {
            kgi_error(c, KG_ETYPE, t, "must be an integer or a string");
            ok = false;
        } else {
            const char *why = kgi_check_iana_svc_name(t->u.str, t->count);
            if (why) {
                kgi_error(c, KG_EINVALID, t, "Invalid value: \"%.*s\": %s",
                          KGI_SHOW(t->count), t->u.str, why);
                ok = false;
            }
            out->target_name = kgi_node_str(t);
            out->target = 0;
        }
        kgi_leave(c, m);
    }
    return ok;
}

/* An address of a clusterIP field or an endpoint (path entered). */
static bool read_addr(struct kgi_ctx *c, const struct kgi_node *n,
                      struct kgi_ip *out)
{
    if (n->kind != KGI_NODE_SCALAR || kgi_scalar_is_plain_nonstring(n)) {
        kgi_error(c, KG_ETYPE, n, "must be a string");
        return false;
    }
    unsigned w = 0;
    int rc = kgi_ip_parse_legacy(n->u.str, n->count, 0, out, &w);
    if (rc) {
        kgi_error(c, KG_EINVALID, n, "Invalid value: \"%.*s\": %s",
                  KGI_SHOW(n->count), n->u.str, kgi_ip_strerror(rc));
        return false;
    }
    return true;
}

bool kgi_service_read(struct kgi_ctx *c, const struct kgi_meta *m,
                      struct kgi_service *out)
{
    bool ok = true;
    memset(out, 0, sizeof(*out));
    out->meta = *m;
    const struct kgi_node *spec =
        kgi_field(c, m->node, "spec", KGI_NODE_MAP, false, &ok);
    if (!spec)
        return ok;
    size_t sm = kgi_enter(c, "spec");
    struct kgi_str type;
    if (kgi_field_str(c, spec, "type", false, &type, &ok) && type.n) {
        static const char *const names[] = {"ClusterIP", "NodePort",
                                            "LoadBalancer", "ExternalName"};
        out->type = -1;
        for (int i = 0; i < 4; i++)
            if (kgi_str_eq(type, names[i]))
                out->type = i;
        if (out->type < 0) {
            size_t k = kgi_enter(c, "type");
            kgi_error(c, KG_ENOTSUPPORTED, kgi_node_get(spec, "type"),
                      "Unsupported value: \"%.*s\": supported values: "
                      "\"ClusterIP\", \"ExternalName\", \"LoadBalancer\", "
                      "\"NodePort\"",
                      KGI_SHOW(type.n), type.p);
            kgi_leave(c, k);
            ok = false;
            out->type = KGI_SVC_CLUSTER_IP;
        }
    }
    /* clusterIPs (dual-stack) wins; clusterIP is its first entry */
    const struct kgi_node *ips =
        kgi_field(c, spec, "clusterIPs", KGI_NODE_SEQ, false, &ok);
    const char *ips_key = "clusterIPs";
    const struct kgi_node *one = NULL;
    if (!ips || !ips->count) {
        one = kgi_field(c, spec, "clusterIP", KGI_NODE_SCALAR, false, &ok);
        ips_key = "clusterIP";
    }
    size_t n_ip = ips && ips->count ? ips->count : one ? 1 : 0;
    if (n_ip > 2) {
        size_t k = kgi_enter(c, ips_key);
        kgi_error(c, KG_EINVALID, ips,
                  "Invalid value: may not have more than 2 entries");
        kgi_leave(c, k);
        ok = false;
        n_ip = 2;
    }
    size_t k = kgi_enter(c, ips_key);
    for (size_t i = 0; i < n_ip; i++) {
        const struct kgi_node *a = one ? one : ips->u.items[i];
        size_t im = one ? 0 : kgi_enter_index(c, i);
        if (kgi_node_is(a, "None") ||
            (a->kind == KGI_NODE_SCALAR && a->count == 0 && a->quoted)) {
            out->headless = kgi_node_is(a, "None");
        } else if (read_addr(c, a, &out->ips[out->n_ips])) {
            out->n_ips++;
        } else {
            ok = false;
        }
        if (!one)
            kgi_leave(c, im);
    }
    kgi_leave(c, k);
    const struct kgi_node *sel =
        kgi_field(c, spec, "selector", KGI_NODE_MAP, false, &ok);
    out->has_selector = sel && sel->count;
    ok = kgi_read_kvs(c, spec, "selector", true, &out->selector) && ok;
    const struct kgi_node *ports =
        kgi_field(c, spec, "ports", KGI_NODE_SEQ, false, &ok);
    if (ports && ports->count) {
        out->ports =
            kgi_arena_calloc(c->arena, ports->count, sizeof(*out->ports));
        if (!out->ports) {
            kgi_leave(c, sm);
            return oom(c, ports);
        }
        size_t pm = kgi_enter(c, "ports");
        for (size_t i = 0; i < ports->count; i++) {
            size_t im = kgi_enter_index(c, i);
            struct kgi_svc_port *p = &out->ports[out->n_ports];
            if (read_svc_port(c, ports->u.items[i], p)) {
                if (!p->name.n && ports->count > 1) {
                    size_t nm = kgi_enter(c, "name");
                    kgi_error(c, KG_EREQUIRED, ports->u.items[i],
                              "Required value: a name is required when a "
                              "Service has several ports");
                    kgi_leave(c, nm);
                    ok = false;
                }
                out->n_ports++;
            } else {
                ok = false;
            }
            kgi_leave(c, im);
        }
        kgi_leave(c, pm);
    }
    kgi_leave(c, sm);
    return ok;
}

static bool read_slice_endpoint(struct kgi_ctx *c, const struct kgi_node *e,
                                int family, struct kgi_slice_endpoint *out)
{
    bool ok = true;
    memset(out, 0, sizeof(*out));
    out->ready = true;
    if (e->kind != KGI_NODE_MAP) {
        kgi_error(c, KG_ETYPE, e, "must be an object (map)");
        return false;
    }
    const struct kgi_node *a =
        kgi_field(c, e, "addresses", KGI_NODE_SEQ, true, &ok);
    if (a) {
        size_t am = kgi_enter(c, "addresses");
        for (size_t i = 0; i < a->count; i++) {
            size_t im = kgi_enter_index(c, i);
            struct kgi_ip ip;
            if (!family) {
                /* FQDN slices: the names are not read */
            } else if (!read_addr(c, a->u.items[i], &ip)) {
                ok = false;
            } else if (ip.family != family) {
                kgi_error(c, KG_EINVALID, a->u.items[i],
                          "Invalid value: must be an IPv%d address "
                          "(addressType)",
                          family);
                ok = false;
            } else if (out->n_ips < 4) {
                out->ips[out->n_ips++] = ip;
            }
            kgi_leave(c, im);
        }
        kgi_leave(c, am);
    }
    const struct kgi_node *cond =
        kgi_field(c, e, "conditions", KGI_NODE_MAP, false, &ok);
    if (cond) {
        size_t cm = kgi_enter(c, "conditions");
        kgi_field_bool(c, cond, "ready", &out->ready, &ok);
        kgi_leave(c, cm);
    }
    const struct kgi_node *ref =
        kgi_field(c, e, "targetRef", KGI_NODE_MAP, false, &ok);
    if (ref && kgi_node_is(kgi_node_get(ref, "kind"), "Pod")) {
        size_t rm = kgi_enter(c, "targetRef");
        kgi_field_str(c, ref, "namespace", false, &out->pod_ns, &ok);
        kgi_field_str(c, ref, "name", false, &out->pod_name, &ok);
        kgi_leave(c, rm);
    }
    return ok;
}

bool kgi_slice_read(struct kgi_ctx *c, const struct kgi_meta *m,
                    struct kgi_slice *out)
{
    bool ok = true;
    memset(out, 0, sizeof(*out));
    out->meta = *m;
    const struct kgi_kv *svc = kgi_kvs_get(&m->labels, KGI_SVC_SLICE_LABEL);
    if (svc)
        out->service = svc->value;
    const struct kgi_node *obj = m->node;
    struct kgi_str at;
    if (kgi_field_str(c, obj, "addressType", true, &at, &ok)) {
        if (kgi_str_eq(at, "IPv4"))
            out->family = 4;
        else if (kgi_str_eq(at, "IPv6"))
            out->family = 6;
        else if (!kgi_str_eq(at, "FQDN")) {
            size_t k = kgi_enter(c, "addressType");
            kgi_error(c, KG_ENOTSUPPORTED, kgi_node_get(obj, "addressType"),
                      "Unsupported value: \"%.*s\": supported values: "
                      "\"FQDN\", \"IPv4\", \"IPv6\"",
                      KGI_SHOW(at.n), at.p);
            kgi_leave(c, k);
            ok = false;
        }
    }
    const struct kgi_node *eps =
        kgi_field(c, obj, "endpoints", KGI_NODE_SEQ, false, &ok);
    if (eps && eps->count) {
        out->endpoints =
            kgi_arena_calloc(c->arena, eps->count, sizeof(*out->endpoints));
        if (!out->endpoints)
            return oom(c, eps);
        size_t em = kgi_enter(c, "endpoints");
        for (size_t i = 0; i < eps->count; i++) {
            size_t im = kgi_enter_index(c, i);
            if (read_slice_endpoint(c, eps->u.items[i], out->family,
                                    &out->endpoints[out->n_endpoints]))
                out->n_endpoints++;
            else
                ok = false;
            kgi_leave(c, im);
        }
        kgi_leave(c, em);
    }
    const struct kgi_node *ports =
        kgi_field(c, obj, "ports", KGI_NODE_SEQ, false, &ok);
    if (ports && ports->count) {
        out->ports =
            kgi_arena_calloc(c->arena, ports->count, sizeof(*out->ports));
        if (!out->ports)
            return oom(c, ports);
        size_t pm = kgi_enter(c, "ports");
        for (size_t i = 0; i < ports->count; i++) {
            const struct kgi_node *pn = ports->u.items[i];
            size_t im = kgi_enter_index(c, i);
            struct kgi_slice_port *p = &out->ports[out->n_ports];
            memset(p, 0, sizeof(*p));
            bool pok = pn->kind == KGI_NODE_MAP;
            if (!pok) {
                kgi_error(c, KG_ETYPE, pn, "must be an object (map)");
            } else {
                pok = read_port_name(c, pn, "name", &p->name) && pok;
                pok = read_protocol(c, pn, &p->protocol) && pok;
                int64_t v;
                if (kgi_field_int(c, pn, "port", false, 1, 65535, &v, &pok))
                    p->port = (uint16_t)v;
            }
            if (pok)
                out->n_ports++;
            else
                ok = false;
            kgi_leave(c, im);
        }
        kgi_leave(c, pm);
    }
    return ok;
}
