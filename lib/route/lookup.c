// SPDX-License-Identifier: MIT
/*
 * lookup.c - the per-request hot path over the tables of route/table.h
 * (kgi_routes_lookup, kgi_routes_tls). The public entry points (kg_route,
 * kg_route_request, kg_tls_lookup: api/route.c) check the caller's struct
 * sizes and call these on full-size structs.
 *
 * Per request: normalize the host into a stack buffer and the path into
 * the caller's buffer (route/normalize), one or two hash probes for the
 * host group, then one walk down the group's path trie (binary search per
 * piece) or, for an ingress-nginx regex host, the ordered regex list. No
 * allocation, no lock, no write outside the caller's buffer and *out.
 */
#include <string.h>

#include "kgress.h"
#include "route/gateway_model.h"
#include "route/gateway_table.h"
#include "route/lookup.h"
#include "route/normalize.h"
#include "route/table.h"

/* The longest partial of n that s[0..len) starts with (ingress-nginx
 * character prefixes), or NULL: one binary search per partial length. */
static const struct kgi_rtarget *partial_of(const struct kgi_pnode *n,
                                            const char *s, size_t len)
{
    const struct kgi_partial *v = n->partial;
    for (uint32_t k = 0; k < n->n_partial; k += v[k].run) {
        size_t pl = v[k].s.n;
        if (pl > len)
            continue; /* too long for this piece */
        uint32_t lo = k, hi = k + v[k].run;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            int r = pl ? memcmp(v[mid].s.p, s, pl) : 0;
            if (r == 0)
                return v[mid].t;
            if (r < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    return NULL;
}

/* The end of the piece starting at p[i]: the index of the next '/' in
 * p[i..n), or n. Eight bytes per step while they lie inside p[0..n)
 * (a SWAR test for the '/' byte), then byte by byte. */
static size_t kgi_seg_end(const char *p, size_t n, size_t i)
{
    while (n - i >= 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t m = kgi_swar_eq(w, '/');
        if (m) {
#if defined(__GNUC__) || defined(__clang__)
            if (kgi_little_endian())
                return i + (size_t)(__builtin_ctzll(m) >> 3);
#endif
            break;
        }
        i += 8;
    }
    while (i < n && p[i] != '/')
        i++;
    return i;
}

/* The trie walk of routes.h: the deepest prefix candidate, or the exact
 * target of the node of all the request's pieces. p[0..n) is a normalized
 * request path (p[0] == '/'). */
static const struct kgi_rtarget *walk(const struct kgi_pnode *node,
                                      const char *p, size_t n)
{
    const struct kgi_rtarget *best = node->prefix;
    size_t i = 1;
    for (;;) {
        size_t j = kgi_seg_end(p, n, i);
        const char *seg = p + i;
        size_t sn = j - i;
        if (node->n_partial) {
            const struct kgi_rtarget *t = partial_of(node, seg, sn);
            if (t)
                best = t;
        }
        node = kgi_pnode_step(node, p, n, i, j, &j);
        if (!node)
            return best;
        if (node->prefix)
            best = node->prefix;
        if (j == n)
            return node->exact ? node->exact : best;
        i = j + 1;
    }
}

static void set(const char **p, size_t *n, struct kgi_bstr s)
{
    *p = s.p;
    *n = s.n;
}

static void fill(struct kg_route *out, const struct kgi_rtarget *t)
{
    set(&out->ns, &out->ns_len, t->ns);
    set(&out->ingress, &out->ingress_len, t->ingress);
    set(&out->service, &out->service_len, t->service);
    out->port = (uint32_t)t->port;
    set(&out->port_name, &out->port_name_len, t->port_name);
    out->is_resource = t->is_resource;
    set(&out->resource_api_group, &out->resource_api_group_len, t->res_group);
    set(&out->resource_kind, &out->resource_kind_len, t->res_kind);
    set(&out->resource_name, &out->resource_name_len, t->res_name);
    out->is_default = t->is_default;
    out->path_type = t->path_type;
    set(&out->matched_path, &out->matched_path_len, t->path);
    out->source_kind = "Ingress";
    out->source_kind_len = 7;
    set(&out->source_name, &out->source_name_len, t->ingress);
    out->rule = t->rule;
}

/* What a request's answer starts from: every string "", rule and match
 * -1, the rest zero. Copied whole into the caller's struct (one block
 * copy, which on the hot path costs less than a memset and the stores of
 * each string). */
static const struct kg_route blank = {
    .ns = "",
    .ingress = "",
    .service = "",
    .port_name = "",
    .resource_api_group = "",
    .resource_kind = "",
    .resource_name = "",
    .matched_path = "",
    .normalized_path = "",
    .source_kind = "",
    .source_name = "",
    .rule = -1,
    .match = -1,
    .backend_ns = "",
    .listener = "",
    .redirect_scheme = "",
    .redirect_host = "",
    .redirect_path = "",
    .rewrite_host = "",
    .rewrite_path = "",
};

static void clear(struct kg_route *out)
{
    size_t size = out->size;
    const char *np = out->normalized_path;
    size_t nn = out->normalized_path_len;
    *out = blank;
    out->size = size;
    out->normalized_path = np;
    out->normalized_path_len = nn;
}

const struct kgi_hgroup *kgi_routes_group(const struct kgi_routes *r,
                                          const char *h, size_t n, bool ascii,
                                          uint64_t hash)
{
    if (n && ascii) {
        const struct kgi_hgroup *g = kgi_htab_get(&r->exact, h, n, hash);
        if (g)
            return g;
        /* rule 12: the wildcard stands for exactly one non-empty label */
        const char *dot = memchr(h, '.', n);
        if (dot && dot > h && (size_t)(dot - h) + 1 < n) {
            size_t off = (size_t)(dot - h) + 1;
            g = kgi_htab_get(&r->wild, h + off, n - off,
                             kgi_routes_hash(h + off, n - off));
            if (g)
                return g;
        }
    }
    return r->any;
}

/* The host group for a normalized host, or NULL. */
static const struct kgi_hgroup *host_group(const struct kgi_routes *r,
                                           const char *h, size_t n, bool ascii)
{
    return kgi_routes_group(r, h, n, ascii,
                            n && ascii ? kgi_routes_hash(h, n) : 0);
}

int kgi_routes_norm_host(const char *host, size_t len, char *buf, size_t *n,
                         bool *ascii)
{
    if (!host && len)
        return KG_EINVAL;
    int rc = kgi_norm_host(host, len, buf, KG_ROUTE_HOST_MAX, n, ascii);
    return rc == KG_ENOSPACE ? KG_EREQUEST : rc;
}

/* A Gateway API answer (route/gateway_lookup) into *out (cleared). */
static void gw_fill(struct kg_route *out, const struct kgi_gw_res *res)
{
    const struct kgi_gw_action *a = res->cand->act;
    const struct kgi_gw_cand *c = res->cand;
    bool grpc = a->kind == KGI_GW_GRPCROUTE;
    set(&out->ns, &out->ns_len, a->ns);
    out->source_kind = grpc ? "GRPCRoute" : "HTTPRoute";
    out->source_kind_len = 9;
    set(&out->source_name, &out->source_name_len, a->name);
    out->rule = (int)a->rule;
    out->match = (int)c->match;
    if (!grpc) {
        out->path_type = c->path_type == KGI_GW_EXACT ? KG_PATH_EXACT
                         : c->path_type == KGI_GW_REGEX
                             ? KG_PATH_REGULAR_EXPRESSION
                             : KG_PATH_PREFIX;
        set(&out->matched_path, &out->matched_path_len, c->path);
    }
    set(&out->listener, &out->listener_len, res->listener->name);
    out->status = res->status;
    out->filters = a->n_filters ? a->filters : NULL;
    out->n_filters = a->n_filters;
    out->total_weight = a->total_weight;
    const struct kgi_gw_be *be = res->be;
    if (be) {
        set(&out->backend_ns, &out->backend_ns_len, be->ns);
        if (be->group.n == 0 && be->kind.n == 7 &&
            memcmp(be->kind.p, "Service", 7) == 0) {
            set(&out->service, &out->service_len, be->name);
            out->port = be->port;
        } else {
            out->is_resource = true;
            set(&out->resource_api_group, &out->resource_api_group_len,
                be->group);
            set(&out->resource_kind, &out->resource_kind_len, be->kind);
            set(&out->resource_name, &out->resource_name_len, be->name);
        }
        out->weight = be->weight;
        out->backend_filters = be->n_filters ? be->filters : NULL;
        out->n_backend_filters = be->n_filters;
    }
    if (res->status >= 300 && res->status < 400) {
        set(&out->redirect_scheme, &out->redirect_scheme_len, res->scheme);
        set(&out->redirect_host, &out->redirect_host_len, res->host);
        out->redirect_port = res->port;
        set(&out->redirect_path, &out->redirect_path_len, res->rpath);
    }
    if (res->rw_host.p)
        set(&out->rewrite_host, &out->rewrite_host_len, res->rw_host);
    if (res->rw_path.p)
        set(&out->rewrite_path, &out->rewrite_path_len, res->rw_path);
}

/* kg_route_request for a request naming a Gateway or a listener port. */
static int gw_route(const struct kgi_routes *r,
                    const struct kg_http_request *req, char *buf, size_t cap,
                    struct kg_route *out)
{
    if ((!req->gateway && req->gateway_len) || (!req->sni && req->sni_len))
        return KG_EINVAL;
    out->normalized_path = "";
    out->normalized_path_len = 0;
    clear(out);
    if (!r->gw) {
        /* nothing answers, but the request is checked and its path
         * normalized as with Gateways loaded */
        char h[KG_ROUTE_HOST_MAX];
        size_t hn = 0, pn = 0;
        bool ascii = true;
        int rc = kgi_routes_norm_host(req->host, req->host_len, h, &hn, &ascii);
        if (rc)
            return rc;
        rc = kgi_norm_path(req->path ? req->path : "", req->path_len,
                           r->normalize, buf, cap, &pn);
        if (rc)
            return rc;
        if (pn >= cap)
            return KG_ENOSPACE;
        buf[pn] = '\0';
        out->normalized_path = buf;
        out->normalized_path_len = pn;
        return KG_ENOMATCH;
    }
    struct kgi_gw_req q = {
        .gateway = req->gateway,
        .gateway_len = req->gateway_len,
        .port = req->port,
        .host = req->host,
        .host_len = req->host_len,
        .path = req->path,
        .path_len = req->path_len,
        .method = req->method,
        .method_len = req->method_len,
        .headers = req->headers,
        .n_headers = req->n_headers,
        .pick = req->pick,
        .sni = req->sni,
        .sni_len = req->sni_len,
    };
    struct kgi_gw_res res;
    memset(&res, 0, sizeof(res));
    int rc = kgi_gw_lookup(r->gw, &q, buf, cap, &res);
    if (res.path.p) {
        out->normalized_path = res.path.p;
        out->normalized_path_len = res.path.n;
    }
    if (rc)
        return rc;
    if (!res.cand) { /* 421: the SNI's listener is not the Host's */
        set(&out->listener, &out->listener_len, res.listener->name);
        out->status = res.status;
        return 0;
    }
    gw_fill(out, &res);
    return 0;
}

/* Ingress matches host and path only: method, headers and pick do not
 * change its answer. */
int kgi_routes_lookup(const struct kgi_routes *r,
                      const struct kg_http_request *req, char *buf, size_t cap,
                      struct kg_route *out)
{
    return kgi_routes_lookup_pre(r, req, NULL, buf, cap, out);
}

int kgi_routes_lookup_pre(const struct kgi_routes *r,
                          const struct kg_http_request *req,
                          const struct kgi_route_pre *pre, char *buf,
                          size_t cap, struct kg_route *out)
{
    const char *host = req->host, *path = req->path;
    size_t host_len = req->host_len, path_len = req->path_len;
    if (!r || (!path && path_len) || (!buf && cap) ||
        (!req->method && req->method_len) || (!req->headers && req->n_headers))
        return KG_EINVAL;
    if (req->gateway || req->port)
        return gw_route(r, req, buf, cap, out);
    out->normalized_path = "";
    out->normalized_path_len = 0;
    clear(out);
    const struct kgi_hgroup *g;
    if (pre) {
        /* the host step ran ahead (kg_route_batch): its result */
        if (pre->rc)
            return pre->rc;
        if (cap == 0)
            return KG_ENOSPACE;
        g = pre->g;
    } else {
        char h[KG_ROUTE_HOST_MAX];
        size_t hn = 0;
        bool ascii = true;
        int rc = kgi_routes_norm_host(host, host_len, h, &hn, &ascii);
        if (rc)
            return rc;
        if (cap == 0)
            return KG_ENOSPACE;
        /* the host group first, and its first lines prefetched: on a
         * large ruleset they are cache misses, which the path
         * normalization below then overlaps */
        g = host_group(r, h, hn, ascii);
#if defined(__GNUC__) || defined(__clang__)
        if (g) {
            __builtin_prefetch(g);
            __builtin_prefetch((const char *)g + 64);
        }
#endif
    }
    size_t pn = 0;
    int rc =
        kgi_norm_path(path ? path : "", path_len, r->normalize, buf, cap, &pn);
    if (rc)
        return rc;
    if (pn >= cap)
        return KG_ENOSPACE; /* no room for the NUL */
    buf[pn] = '\0';
    out->normalized_path = buf;
    out->normalized_path_len = pn;

    const struct kgi_rtarget *t = NULL;
    if (g) {
        if (g->regex) {
            /* one budget for every pattern of the host (route/regex.h) */
            struct kgi_regex_budget bud;
            kgi_regex_budget_init(&bud);
            for (uint32_t k = 0; k < g->n_rx && !t; k++) {
                int m = kgi_regex_match(g->rx[k].re, buf, pn, &bud);
                if (m < 0)
                    return m;
                if (m)
                    t = g->rx[k].t;
            }
        } else {
            t = walk(&g->root, buf, pn);
        }
        if (!t)
            t = g->fallback;
    }
    if (!t && !(g && g->own_default))
        t = r->global_default;
    if (!t)
        return KG_ENOMATCH;
    fill(out, t);
    return 0;
}

int kgi_routes_tls(const struct kgi_routes *r, const char *host,
                   size_t host_len, struct kg_tls *out)
{
    if (!r)
        return KG_EINVAL;
    size_t size = out->size;
    memset(out, 0, sizeof(*out));
    out->size = size;
    out->ns = out->secret = out->ingress = out->host = "";
    char h[KG_ROUTE_HOST_MAX];
    size_t n = 0;
    bool ascii = true;
    int rc = kgi_routes_norm_host(host, host_len, h, &n, &ascii);
    if (rc)
        return rc;
    const struct kgi_tls_entry *e = NULL;
    if (n && ascii) {
        e = kgi_htab_get(&r->tls_exact, h, n, kgi_routes_hash(h, n));
        const char *dot = memchr(h, '.', n);
        if (!e && dot && dot > h && (size_t)(dot - h) + 1 < n) {
            size_t off = (size_t)(dot - h) + 1;
            e = kgi_htab_get(&r->tls_wild, h + off, n - off,
                             kgi_routes_hash(h + off, n - off));
        }
    }
    if (!e)
        e = r->tls_default;
    if (!e)
        return KG_ENOMATCH;
    set(&out->ns, &out->ns_len, e->ns);
    set(&out->secret, &out->secret_len, e->secret);
    set(&out->ingress, &out->ingress_len, e->ingress);
    set(&out->host, &out->host_len, e->host);
    return 0;
}

int kgi_routes_host_group(const struct kgi_routes *r, const char *host,
                          size_t host_len, const char **group,
                          size_t *group_len)
{
    if (!r || !group || !group_len)
        return KG_EINVAL;
    *group = "";
    *group_len = 0;
    char h[KG_ROUTE_HOST_MAX];
    size_t hn = 0;
    bool ascii = true;
    int rc = kgi_routes_norm_host(host, host_len, h, &hn, &ascii);
    if (rc)
        return rc;
    const struct kgi_hgroup *g = host_group(r, h, hn, ascii);
    if (!g)
        return KG_ENOMATCH;
    *group = g->host.p ? g->host.p : "";
    *group_len = g->host.n;
    return 0;
}
