// SPDX-License-Identifier: MIT
/*
 * routes_dump.c - kgi_routes_dump: the compiled host and path tables as
 * readable text or one JSON value, for `kgress dump` and for people
 * debugging why a request went where it went. Walks the tables in their
 * sorted order, so the output is deterministic. Not a hot path.
 */
#include <inttypes.h>

#include "route/table.h"

static const char *type_name(int t)
{
    switch (t) {
    case KG_PATH_EXACT:
        return "Exact";
    case KG_PATH_PREFIX:
        return "Prefix";
    case KG_PATH_IMPLEMENTATION_SPECIFIC:
        return "ImplementationSpecific";
    default:
        return "default";
    }
}

static void text_backend(struct kgi_out *o, const struct kgi_rtarget *t)
{
    kgi_out_printf(o, "%s/%s -> ", t->ns.p, t->ingress.p);
    if (t->is_resource)
        kgi_out_printf(o, "resource %s%s%s/%s", t->res_group.p,
                       t->res_group.n ? "/" : "", t->res_kind.p, t->res_name.p);
    else if (t->port_name.n)
        kgi_out_printf(o, "service %s:%s", t->service.p, t->port_name.p);
    else
        kgi_out_printf(o, "service %s:%" PRId32, t->service.p, t->port);
}

static void json_backend(struct kgi_out *o, const struct kgi_rtarget *t)
{
    kgi_out_printf(o, "{\"namespace\":");
    kgi_out_json_str(o, t->ns.p, t->ns.n);
    kgi_out_printf(o, ",\"ingress\":");
    kgi_out_json_str(o, t->ingress.p, t->ingress.n);
    if (t->is_resource) {
        kgi_out_printf(o, ",\"resource\":{\"apiGroup\":");
        kgi_out_json_str(o, t->res_group.p, t->res_group.n);
        kgi_out_printf(o, ",\"kind\":");
        kgi_out_json_str(o, t->res_kind.p, t->res_kind.n);
        kgi_out_printf(o, ",\"name\":");
        kgi_out_json_str(o, t->res_name.p, t->res_name.n);
        kgi_out_printf(o, "}");
    } else {
        kgi_out_printf(o, ",\"service\":");
        kgi_out_json_str(o, t->service.p, t->service.n);
        if (t->port_name.n) {
            kgi_out_printf(o, ",\"port\":");
            kgi_out_json_str(o, t->port_name.p, t->port_name.n);
        } else {
            kgi_out_printf(o, ",\"port\":%" PRId32, t->port);
        }
    }
    kgi_out_printf(o, "}");
}

static void text_rule(struct kgi_out *o, const char *how,
                      const struct kgi_rtarget *t)
{
    kgi_out_printf(o, "    %-6s %-22s ", how, type_name(t->path_type));
    kgi_out_raw(o, t->path.p, t->path.n);
    kgi_out_printf(o, "  =>  ");
    text_backend(o, t);
    kgi_out_printf(o, "\n");
}

static void json_rule(struct kgi_out *o, bool *first, const char *how,
                      const struct kgi_rtarget *t)
{
    kgi_out_printf(o, "%s{\"match\":\"%s\",\"path\":", *first ? "" : ",", how);
    *first = false;
    kgi_out_json_str(o, t->path.p, t->path.n);
    kgi_out_printf(
        o, ",\"pathType\":\"%s\",\"backend\":", type_name(t->path_type));
    json_backend(o, t);
    kgi_out_printf(o, "}");
}

/* Depth-first, children in table order; depth is bounded by the path
 * length limit of the model. */
static void walk(struct kgi_out *o, int format, bool *first,
                 const struct kgi_pnode *n)
{
    if (n->exact) {
        if (format == KG_DUMP_JSON)
            json_rule(o, first, "exact", n->exact);
        else
            text_rule(o, "exact", n->exact);
    }
    if (n->prefix) {
        if (format == KG_DUMP_JSON)
            json_rule(o, first, "prefix", n->prefix);
        else
            text_rule(o, "prefix", n->prefix);
    }
    for (uint32_t i = 0; i < n->n_partial; i++) {
        if (format == KG_DUMP_JSON)
            json_rule(o, first, "chars", n->partial[i].t);
        else
            text_rule(o, "chars", n->partial[i].t);
    }
    for (uint32_t i = 0; i < n->n_child; i++)
        walk(o, format, first, &n->child[i]);
}

static const char *match_text(int m)
{
    return m == KGI_HOST_EXACT      ? "exact"
           : m == KGI_HOST_WILDCARD ? "wildcard"
                                    : "any";
}

static void dump_text(const struct kgi_routes *r, struct kgi_out *o)
{
    kgi_out_printf(o,
                   "routes: %zu Ingress(es) served, %zu host group(s), "
                   "dialect %s, path normalization %s\n",
                   r->n_ingresses, r->n_groups,
                   r->dialect == KG_DIALECT_INGRESS_NGINX ? "ingress-nginx"
                                                          : "portable",
                   r->normalize & 1u ? "on" : "off");
    for (size_t i = 0; i < r->n_groups; i++) {
        const struct kgi_hgroup *g = r->groups[i];
        kgi_out_printf(o, "  host %s (%s%s, %" PRIu32 " path(s))\n",
                       g->host.n ? g->host.p : "*", match_text(g->match),
                       g->regex ? ", regex: first match in this order" : "",
                       g->n_paths);
        if (g->regex) {
            for (uint32_t k = 0; k < g->n_rx; k++) {
                kgi_out_printf(o, "    %2" PRIu32 ". ~* ^", k + 1);
                kgi_out_raw(o, g->rx[k].t->path.p, g->rx[k].t->path.n);
                kgi_out_printf(o, "  (%s)  =>  ",
                               type_name(g->rx[k].t->path_type));
                text_backend(o, g->rx[k].t);
                kgi_out_printf(o, "\n");
            }
        } else {
            bool first = true;
            walk(o, KG_DUMP_TEXT, &first, &g->root);
        }
        if (g->fallback) {
            kgi_out_printf(o, "    fallback (defaultBackend)  =>  ");
            text_backend(o, g->fallback);
            kgi_out_printf(o, "\n");
        }
    }
    if (r->global_default) {
        kgi_out_printf(o, "  default backend  =>  ");
        text_backend(o, r->global_default);
        kgi_out_printf(o, "\n");
    }
    if (r->n_tls)
        kgi_out_printf(o, "tls:\n");
    for (size_t i = 0; i < r->n_tls; i++) {
        const struct kgi_tls_entry *t = &r->tls[i];
        kgi_out_printf(o, "  %s  =>  %s/%s (Ingress %s/%s)\n",
                       t->host.n ? t->host.p : "(default certificate)", t->ns.p,
                       t->secret.n ? t->secret.p : "(no secret)", t->ns.p,
                       t->ingress.p);
    }
}

static void dump_json(const struct kgi_routes *r, struct kgi_out *o)
{
    kgi_out_printf(o,
                   "{\"ingresses\":%zu,\"dialect\":\"%s\",\"normalize\":%s,"
                   "\"hosts\":[",
                   r->n_ingresses,
                   r->dialect == KG_DIALECT_INGRESS_NGINX ? "ingress-nginx"
                                                          : "portable",
                   r->normalize & 1u ? "true" : "false");
    for (size_t i = 0; i < r->n_groups; i++) {
        const struct kgi_hgroup *g = r->groups[i];
        kgi_out_printf(o, "%s{\"host\":", i ? "," : "");
        kgi_out_json_str(o, g->host.p, g->host.n);
        kgi_out_printf(o, ",\"match\":\"%s\",\"regex\":%s,\"paths\":[",
                       match_text(g->match), g->regex ? "true" : "false");
        bool first = true;
        if (g->regex) {
            for (uint32_t k = 0; k < g->n_rx; k++)
                json_rule(o, &first, "regex", g->rx[k].t);
        } else {
            walk(o, KG_DUMP_JSON, &first, &g->root);
        }
        kgi_out_printf(o, "],\"fallback\":");
        if (g->fallback)
            json_backend(o, g->fallback);
        else
            kgi_out_printf(o, "null");
        kgi_out_printf(o, "}");
    }
    kgi_out_printf(o, "],\"default\":");
    if (r->global_default)
        json_backend(o, r->global_default);
    else
        kgi_out_printf(o, "null");
    kgi_out_printf(o, ",\"tls\":[");
    for (size_t i = 0; i < r->n_tls; i++) {
        const struct kgi_tls_entry *t = &r->tls[i];
        kgi_out_printf(o, "%s{\"host\":", i ? "," : "");
        kgi_out_json_str(o, t->host.p, t->host.n);
        kgi_out_printf(o, ",\"namespace\":");
        kgi_out_json_str(o, t->ns.p, t->ns.n);
        kgi_out_printf(o, ",\"secret\":");
        kgi_out_json_str(o, t->secret.p, t->secret.n);
        kgi_out_printf(o, ",\"ingress\":");
        kgi_out_json_str(o, t->ingress.p, t->ingress.n);
        kgi_out_printf(o, "}");
    }
    kgi_out_printf(o, "]}");
}

void kgi_routes_dump(const struct kgi_routes *r, int format, struct kgi_out *o)
{
    if (!r) {
        kgi_out_printf(o, format == KG_DUMP_JSON ? "null" : "");
        return;
    }
    if (format == KG_DUMP_JSON)
        dump_json(r, o);
    else
        dump_text(r, o);
}
