// SPDX-License-Identifier: MIT
/*
 * gateway_model.c - GatewayClass, Gateway and ReferenceGrant: node tree ->
 * typed model, validated by the rules of kubernetes-sigs/gateway-api
 * apis/v1 gateway_types.go, gatewayclass_types.go, referencegrant_types.go
 * and shared_types.go (schema markers and CEL XValidation messages, quoted
 * as the API server prints them), plus the helpers the route model shares
 * (hostnames, header names, methods, list bounds).
 *
 * Workload: control plane, once per object per compile; clarity over
 * speed. Every problem is reported and reading goes on.
 */
#include "route/gateway_model.h"

#include <stdio.h>
#include <string.h>

#include "k8s/names.h"
#include "route/gateway_fields.h"

/* ----------------------------------------------------------- shared */

void kgi_gw_oom(struct kgi_ctx *c, const struct kgi_node *n, bool *flag)
{
    kgi_error(c, KG_ENOMEM, n, "out of memory");
    c->diags->oom = true;
    *flag = true;
}

const struct kgi_node *kgi_gw_at(const struct kgi_node *map, const char *key)
{
    const struct kgi_node *n = kgi_node_get(map, key);
    return n ? n : map;
}

void kgi_gw_invalid(struct kgi_ctx *c, const char *key,
                    const struct kgi_node *n, struct kgi_str v, const char *why)
{
    struct kgi_quoted q;
    size_t m = key ? kgi_enter(c, key) : 0;
    kgi_error(c, KG_EINVALID, n, "Invalid value: \"%s\": %s",
              kgi_quote(&q, v.p, v.n), why);
    if (key)
        kgi_leave(c, m);
}

const struct kgi_node *kgi_gw_list(struct kgi_ctx *c,
                                   const struct kgi_node *map, const char *key,
                                   size_t min, size_t max, bool *ok)
{
    return kgi_field_list(c, map, key, min, max, ok);
}

bool kgi_gw_str(struct kgi_ctx *c, const struct kgi_node *map, const char *key,
                bool required, size_t max, struct kgi_str *out, bool *ok)
{
    if (!kgi_field_str(c, map, key, required, out, ok))
        return false;
    const struct kgi_node *n = kgi_gw_at(map, key);
    size_t m = kgi_enter(c, key);
    bool good = true;
    if (out->n == 0 && required) {
        kgi_error(c, KG_EINVALID, n,
                  "Invalid value: \"\": %s in body should be at least 1 "
                  "chars long",
                  key);
        good = false;
    } else if (out->n > max) {
        kgi_error(c, KG_ETOOLONG, n,
                  "Too long: may not be more than %zu bytes (has %zu)", max,
                  out->n);
        good = false;
    } else {
        for (size_t i = 0; i < out->n; i++) {
            unsigned char ch = (unsigned char)out->p[i];
            if (ch < 0x20 || ch == 0x7f) {
                kgi_error(c, KG_EINVALID, n,
                          "Invalid value: must not contain control "
                          "characters (byte 0x%02x at offset %zu)",
                          ch, i);
                good = false;
                break;
            }
        }
    }
    kgi_leave(c, m);
    if (!good)
        *ok = false;
    return good;
}

/* A dotted quad of decimal numbers (leading zeros too). */
static bool ipv4_shaped(struct kgi_str h)
{
    size_t parts = 0, digits = 0;
    for (size_t i = 0; i <= h.n; i++) {
        if (i == h.n || h.p[i] == '.') {
            if (digits == 0)
                return false;
            parts++;
            digits = 0;
        } else if (h.p[i] >= '0' && h.p[i] <= '9') {
            digits++;
        } else {
            return false;
        }
    }
    return parts == 4;
}

const char *kgi_gw_check_hostname(struct kgi_str h, bool precise)
{
    static const char pat[] =
        "must match ^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]"
        "([-a-z0-9]*[a-z0-9])?)*$";
    static const char ppat[] =
        "must match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]"
        "([-a-z0-9]*[a-z0-9])?)*$";
    if (h.n == 0)
        return "should be at least 1 chars long";
    if (h.n > 253)
        return "may not be more than 253 characters";
    size_t i = 0;
    if (h.n >= 2 && h.p[0] == '*' && h.p[1] == '.') {
        if (precise)
            return ppat;
        i = 2;
    }
    /* labels: [a-z0-9]([-a-z0-9]*[a-z0-9])?, separated by single dots
     * (no length limit per label in this pattern) */
    size_t start = i;
    for (; i <= h.n; i++) {
        char ch = i < h.n ? h.p[i] : '.';
        if (ch == '.') {
            if (i == start || h.p[start] == '-' || h.p[i - 1] == '-')
                return precise ? ppat : pat;
            start = i + 1;
        } else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                     ch == '-')) {
            return precise ? ppat : pat;
        }
    }
    if (ipv4_shaped(h))
        return "must be a DNS name, not an IP address";
    return NULL;
}

bool kgi_gw_header_name_ok(struct kgi_str s)
{
    if (s.n < 1 || s.n > KGI_GW_HEADER_NAME_MAX)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
            (ch >= '0' && ch <= '9'))
            continue;
        if (!memchr("!#$%&'*+-.^_`|~", ch, 15))
            return false;
    }
    return true;
}

static const char *const methods[] = {"",      "GET",    "HEAD",    "POST",
                                      "PUT",   "DELETE", "CONNECT", "OPTIONS",
                                      "TRACE", "PATCH"};

const char *kgi_gw_method_name(int m)
{
    return m >= 0 && m < (int)(sizeof(methods) / sizeof(*methods)) ? methods[m]
                                                                   : "";
}

int kgi_gw_method_parse(const char *s, size_t n)
{
    for (int i = 1; i < (int)(sizeof(methods) / sizeof(*methods)); i++)
        if (strlen(methods[i]) == n && memcmp(methods[i], s, n) == 0)
            return i;
    return 0;
}

bool kgi_gw_group_ok(struct kgi_ctx *c, const struct kgi_node *map,
                     const char *key, struct kgi_str *out, bool *ok)
{
    if (!kgi_field_str(c, map, key, false, out, ok))
        return false;
    if (out->n && kgi_check_dns1123_subdomain(out->p, out->n)) {
        kgi_gw_invalid(
            c, key, kgi_gw_at(map, key), *out,
            "must match ^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]"
            "([-a-z0-9]*[a-z0-9])?)*$");
        *ok = false;
        return false;
    }
    return true;
}

bool kgi_gw_kind_ok(struct kgi_ctx *c, const struct kgi_node *map,
                    const char *key, bool required, struct kgi_str *out,
                    bool *ok)
{
    if (!kgi_field_str(c, map, key, required, out, ok))
        return false;
    bool good = out->n >= 1 && out->n <= 63;
    for (size_t i = 0; good && i < out->n; i++) {
        char ch = out->p[i];
        bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
        bool digit = ch >= '0' && ch <= '9';
        if (i == 0 ? !alpha
                   : !(alpha || digit || (ch == '-' && i + 1 < out->n)))
            good = false;
    }
    if (!good) {
        kgi_gw_invalid(c, key, kgi_gw_at(map, key), *out,
                       "must match ^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$");
        *ok = false;
    }
    return good;
}

bool kgi_gw_ns_ok(struct kgi_ctx *c, const struct kgi_node *map,
                  const char *key, struct kgi_str *out, bool *ok)
{
    if (!kgi_field_str(c, map, key, false, out, ok))
        return false;
    const char *why = kgi_check_dns1123_label(out->p, out->n);
    if (why) {
        kgi_gw_invalid(c, key, kgi_gw_at(map, key), *out, why);
        *ok = false;
        return false;
    }
    return true;
}

bool kgi_gw_name_ok(struct kgi_ctx *c, const struct kgi_node *map,
                    const char *key, bool required, struct kgi_str *out,
                    bool *ok)
{
    /* ObjectName: 1..253 characters */
    return kgi_gw_str(c, map, key, required, 253, out, ok);
}

bool kgi_gw_section_ok(struct kgi_ctx *c, const struct kgi_node *map,
                       const char *key, bool required, struct kgi_str *out,
                       bool *ok)
{
    if (!kgi_field_str(c, map, key, required, out, ok))
        return false;
    if (kgi_check_dns1123_subdomain(out->p, out->n)) {
        kgi_gw_invalid(c, key, kgi_gw_at(map, key), *out,
                       "must match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]"
                       "([-a-z0-9]*[a-z0-9])?)*$");
        *ok = false;
        return false;
    }
    return true;
}

/* ---------------------------------------------------------- GatewayClass */

bool kgi_gateway_class_read(struct kgi_ctx *c, const struct kgi_meta *m,
                            struct kgi_gateway_class *out)
{
    memset(out, 0, sizeof(*out));
    out->meta = m;
    bool ok = true;
    const struct kgi_node *spec =
        kgi_field(c, m->node, "spec", KGI_NODE_MAP, true, &ok);
    if (!spec)
        return false;
    size_t mk = kgi_enter(c, "spec");
    if (kgi_gw_str(c, spec, "controllerName", true, 253, &out->controller,
                   &ok)) {
        /* GatewayController: a domain-prefixed path */
        const char *slash = memchr(out->controller.p, '/', out->controller.n);
        if (!slash || slash == out->controller.p ||
            kgi_check_dns1123_subdomain(out->controller.p,
                                        (size_t)(slash - out->controller.p)) ||
            (size_t)(slash - out->controller.p) + 1 == out->controller.n) {
            kgi_gw_invalid(c, "controllerName",
                           kgi_gw_at(spec, "controllerName"), out->controller,
                           "must be a domain-prefixed path (such as "
                           "\"acme.io/foo\")");
            ok = false;
        }
    }
    kgi_leave(c, mk);
    return ok;
}

/* ---------------------------------------------------------------- Gateway */

static int protocol_of(struct kgi_str p)
{
    static const char *const names[] = {"",    "HTTP", "HTTPS",
                                        "TLS", "TCP",  "UDP"};
    for (int i = 1; i < 6; i++)
        if (kgi_str_eq(p, names[i]))
            return i;
    return KGI_GW_PROTO_OTHER;
}

static bool read_allowed(struct kgi_ctx *c, const struct kgi_node *ln,
                         struct kgi_gw_listener *l, bool *oomed)
{
    bool ok = true;
    const struct kgi_node *ar =
        kgi_field(c, ln, "allowedRoutes", KGI_NODE_MAP, false, &ok);
    if (!ar)
        return ok;
    size_t mk = kgi_enter(c, "allowedRoutes");
    const struct kgi_node *ns =
        kgi_field(c, ar, "namespaces", KGI_NODE_MAP, false, &ok);
    if (ns) {
        size_t m2 = kgi_enter(c, "namespaces");
        struct kgi_str from = {NULL, 0};
        if (kgi_field_str(c, ns, "from", false, &from, &ok)) {
            if (kgi_str_eq(from, "Same"))
                l->from = KGI_GW_FROM_SAME;
            else if (kgi_str_eq(from, "All"))
                l->from = KGI_GW_FROM_ALL;
            else if (kgi_str_eq(from, "Selector"))
                l->from = KGI_GW_FROM_SELECTOR;
            else {
                struct kgi_quoted q;
                size_t m3 = kgi_enter(c, "from");
                kgi_error(c, KG_ENOTSUPPORTED, kgi_gw_at(ns, "from"),
                          "Unsupported value: \"%s\": supported values: "
                          "\"All\", \"Selector\", \"Same\"",
                          kgi_quote(&q, from.p, from.n));
                kgi_leave(c, m3);
                ok = false;
            }
        }
        bool present = false;
        if (!kgi_selector_read(c, ns, "selector", &l->selector, &present))
            ok = false;
        if (c->diags->oom)
            *oomed = true;
        if (l->from == KGI_GW_FROM_SELECTOR && !present) {
            /* the selector is what Selector means; without one the
             * listener would admit every namespace */
            size_t m3 = kgi_enter(c, "selector");
            kgi_error(c, KG_EREQUIRED, ns,
                      "Required value: selector must be specified when from "
                      "is Selector");
            kgi_leave(c, m3);
            ok = false;
        }
        kgi_leave(c, m2);
    }
    const struct kgi_node *kinds = kgi_gw_list(c, ar, "kinds", 0, 8, &ok);
    if (kinds) {
        l->has_kinds = true;
        l->kinds = kgi_arena_calloc(c->arena, kinds->count ? kinds->count : 1,
                                    sizeof(*l->kinds));
        if (!l->kinds) {
            kgi_gw_oom(c, kinds, oomed);
            kgi_leave(c, mk);
            return false;
        }
        size_t m2 = kgi_enter(c, "kinds");
        for (size_t i = 0; i < kinds->count; i++) {
            const struct kgi_node *k = kinds->u.items[i];
            size_t m3 = kgi_enter_index(c, i);
            struct kgi_gw_gk *gk = &l->kinds[l->n_kinds];
            if (k->kind != KGI_NODE_MAP) {
                kgi_error(c, KG_ETYPE, k, "must be an object (map)");
                ok = false;
            } else {
                bool kok = true;
                if (!kgi_gw_group_ok(c, k, "group", &gk->group, &kok) &&
                    !gk->group.p)
                    gk->group = (struct kgi_str){KGI_GW_GROUP,
                                                 sizeof(KGI_GW_GROUP) - 1};
                kgi_gw_kind_ok(c, k, "kind", true, &gk->kind, &kok);
                if (kok)
                    l->n_kinds++;
                ok = ok && kok;
            }
            kgi_leave(c, m3);
        }
        kgi_leave(c, m2);
    }
    kgi_leave(c, mk);
    return ok;
}

static bool read_listener(struct kgi_ctx *c, const struct kgi_node *ln,
                          struct kgi_gw_listener *l, bool *oomed)
{
    bool ok = true;
    l->node = ln;
    l->from = KGI_GW_FROM_SAME;
    l->selector.empty = true;
    kgi_gw_section_ok(c, ln, "name", true, &l->name, &ok);
    if (kgi_field_str(c, ln, "hostname", false, &l->hostname, &ok)) {
        const char *why = kgi_gw_check_hostname(l->hostname, false);
        if (why) {
            kgi_gw_invalid(c, "hostname", kgi_gw_at(ln, "hostname"),
                           l->hostname, why);
            ok = false;
        }
        l->wildcard = l->hostname.n > 0 && l->hostname.p[0] == '*';
    }
    kgi_field_int(c, ln, "port", true, 1, 65535, &l->port, &ok);
    struct kgi_str proto = {NULL, 0};
    if (kgi_gw_str(c, ln, "protocol", true, 255, &proto, &ok)) {
        l->protocol = protocol_of(proto);
        if (l->protocol == KGI_GW_PROTO_OTHER &&
            !memchr(proto.p, '/', proto.n)) {
            kgi_gw_invalid(c, "protocol", kgi_gw_at(ln, "protocol"), proto,
                           "must be HTTP, HTTPS, TLS, TCP, UDP or a "
                           "domain-prefixed name");
            ok = false;
        }
    }
    const struct kgi_node *tls =
        kgi_field(c, ln, "tls", KGI_NODE_MAP, false, &ok);
    if (tls &&
        (l->protocol == KGI_GW_PROTO_HTTP || l->protocol == KGI_GW_PROTO_TCP ||
         l->protocol == KGI_GW_PROTO_UDP)) {
        size_t m = kgi_enter(c, "tls");
        kgi_error(c, KG_EFORBIDDEN, tls,
                  "Forbidden: tls must not be specified for protocols "
                  "['HTTP', 'TCP', 'UDP']");
        kgi_leave(c, m);
        ok = false;
    }
    if (tls && l->protocol == KGI_GW_PROTO_HTTPS) {
        struct kgi_str mode = {NULL, 0};
        size_t m = kgi_enter(c, "tls");
        if (kgi_field_str(c, tls, "mode", false, &mode, &ok) && mode.n &&
            !kgi_str_eq(mode, "Terminate")) {
            kgi_gw_invalid(c, "mode", kgi_gw_at(tls, "mode"), mode,
                           "tls mode must be Terminate for protocol HTTPS");
            ok = false;
        }
        kgi_leave(c, m);
    }
    if (l->hostname.n &&
        (l->protocol == KGI_GW_PROTO_TCP || l->protocol == KGI_GW_PROTO_UDP)) {
        size_t m = kgi_enter(c, "hostname");
        kgi_error(c, KG_EFORBIDDEN, kgi_gw_at(ln, "hostname"),
                  "Forbidden: hostname must not be specified for protocols "
                  "['TCP', 'UDP']");
        kgi_leave(c, m);
        ok = false;
    }
    if (!read_allowed(c, ln, l, oomed))
        ok = false;
    return ok;
}

static bool str_same(struct kgi_str a, struct kgi_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

bool kgi_gateway_read(struct kgi_ctx *c, const struct kgi_meta *m,
                      struct kgi_gateway *out)
{
    memset(out, 0, sizeof(*out));
    out->meta = m;
    bool ok = true;
    const struct kgi_node *spec =
        kgi_field(c, m->node, "spec", KGI_NODE_MAP, true, &ok);
    if (!spec)
        return false;
    size_t mk = kgi_enter(c, "spec");
    kgi_gw_name_ok(c, spec, "gatewayClassName", true, &out->class_name, &ok);
    const struct kgi_node *ls = kgi_gw_list(c, spec, "listeners", 1, 64, &ok);
    if (ls) {
        out->listeners = kgi_arena_calloc(c->arena, ls->count ? ls->count : 1,
                                          sizeof(*out->listeners));
        if (!out->listeners) {
            kgi_gw_oom(c, ls, &out->oom);
            kgi_leave(c, mk);
            return false;
        }
        size_t m2 = kgi_enter(c, "listeners");
        for (size_t i = 0; i < ls->count; i++) {
            const struct kgi_node *ln = ls->u.items[i];
            size_t m3 = kgi_enter_index(c, i);
            struct kgi_gw_listener *l = &out->listeners[i];
            l->index = i;
            if (ln->kind != KGI_NODE_MAP) {
                kgi_error(c, KG_ETYPE, ln, "must be an object (map)");
                ok = false;
            } else if (!read_listener(c, ln, l, &out->oom)) {
                ok = false;
            }
            kgi_leave(c, m3);
            if (out->oom) {
                kgi_leave(c, mk);
                return false;
            }
        }
        out->n_listeners = ls->count;
        /* CEL on spec.listeners: unique names; unique port, protocol and
         * hostname */
        for (size_t i = 0; i < out->n_listeners; i++) {
            const struct kgi_gw_listener *a = &out->listeners[i];
            for (size_t j = 0; j < i; j++) {
                const struct kgi_gw_listener *b = &out->listeners[j];
                if (a->name.p && b->name.p && str_same(a->name, b->name)) {
                    size_t m3 = kgi_enter_index(c, i);
                    kgi_enter(c, "name");
                    kgi_error(c, KG_EDUPLICATE, kgi_gw_at(a->node, "name"),
                              "Duplicate value: Listener name must be unique "
                              "within the Gateway (listeners[%zu] has it)",
                              j);
                    kgi_leave(c, m3);
                    ok = false;
                    break;
                }
                if (a->port == b->port && a->protocol == b->protocol &&
                    a->protocol != KGI_GW_PROTO_OTHER &&
                    (a->hostname.p != NULL) == (b->hostname.p != NULL) &&
                    str_same(a->hostname, b->hostname)) {
                    size_t m3 = kgi_enter_index(c, i);
                    kgi_error(c, KG_EDUPLICATE, a->node,
                              "Duplicate value: Combination of port, protocol "
                              "and hostname must be unique for each listener "
                              "(listeners[%zu] has it)",
                              j);
                    kgi_leave(c, m3);
                    ok = false;
                    break;
                }
            }
        }
        kgi_leave(c, m2);
    }
    kgi_leave(c, mk);
    return ok;
}

/* --------------------------------------------------------- ReferenceGrant */

static bool read_gk_list(struct kgi_ctx *c, const struct kgi_node *spec,
                         const char *key, bool from, struct kgi_gw_gk **out,
                         size_t *n, bool *oomed)
{
    bool ok = true;
    const struct kgi_node *l = kgi_gw_list(c, spec, key, 1, 16, &ok);
    if (!l)
        return ok;
    *out = kgi_arena_calloc(c->arena, l->count ? l->count : 1, sizeof(**out));
    if (!*out) {
        kgi_gw_oom(c, l, oomed);
        return false;
    }
    size_t mk = kgi_enter(c, key);
    for (size_t i = 0; i < l->count; i++) {
        const struct kgi_node *e = l->u.items[i];
        size_t m = kgi_enter_index(c, i);
        struct kgi_gw_gk *gk = &(*out)[*n];
        bool eok = true;
        if (e->kind != KGI_NODE_MAP) {
            kgi_error(c, KG_ETYPE, e, "must be an object (map)");
            eok = false;
        } else {
            /* group is required (it may be "" for the core group) */
            if (!kgi_node_get(e, "group")) {
                size_t m2 = kgi_enter(c, "group");
                kgi_error(c, KG_EREQUIRED, e, "Required value");
                kgi_leave(c, m2);
                eok = false;
            }
            kgi_gw_group_ok(c, e, "group", &gk->group, &eok);
            if (!gk->group.p)
                gk->group = (struct kgi_str){"", 0};
            kgi_gw_kind_ok(c, e, "kind", true, &gk->kind, &eok);
            if (from) {
                if (!kgi_node_get(e, "namespace")) {
                    size_t m2 = kgi_enter(c, "namespace");
                    kgi_error(c, KG_EREQUIRED, e, "Required value");
                    kgi_leave(c, m2);
                    eok = false;
                } else {
                    kgi_gw_ns_ok(c, e, "namespace", &gk->ns, &eok);
                }
            } else {
                kgi_gw_name_ok(c, e, "name", false, &gk->name, &eok);
            }
        }
        if (eok)
            (*n)++;
        ok = ok && eok;
        kgi_leave(c, m);
    }
    kgi_leave(c, mk);
    return ok;
}

bool kgi_refgrant_read(struct kgi_ctx *c, const struct kgi_meta *m,
                       struct kgi_refgrant *out)
{
    memset(out, 0, sizeof(*out));
    out->meta = m;
    bool ok = true;
    const struct kgi_node *spec =
        kgi_field(c, m->node, "spec", KGI_NODE_MAP, true, &ok);
    if (!spec)
        return false;
    size_t mk = kgi_enter(c, "spec");
    if (!read_gk_list(c, spec, "from", true, &out->from, &out->n_from,
                      &out->oom))
        ok = false;
    if (!out->oom &&
        !read_gk_list(c, spec, "to", false, &out->to, &out->n_to, &out->oom))
        ok = false;
    kgi_leave(c, mk);
    return ok && !out->oom;
}
