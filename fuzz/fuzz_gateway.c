// SPDX-License-Identifier: MIT
/*
 * fuzz_gateway.c - the Gateway API half of routing: the Gateway,
 * GatewayClass, HTTPRoute, GRPCRoute and ReferenceGrant models, the
 * attachment and the compiler of route/gateway_compile.c, then full
 * requests (method, host, path with query, headers, Gateway, port, pick)
 * through the public kg_route_request.
 *
 * Two input forms, as fuzz_ingress. Text (first byte printable or
 * whitespace) is compiled as YAML, so the seeds are ordinary manifests
 * (fuzz/corpus/gateway holds the conformance scenarios joined with their
 * base objects). Binary (first byte < 0x09) drives a generator writing
 * Namespaces, Services, a ReferenceGrant, 1-2 Gateways of 1-4 listeners
 * and 1-6 HTTPRoutes/GRPCRoutes as JSON, each field a value that passes
 * validation or raw fuzz bytes. Every compiled ruleset then answers fixed
 * requests and requests cut from the remaining bytes. Properties of every
 * answer:
 *   - the return code is a documented one; with the documented capacity
 *     (2 * path_len + host_len + 1030) the buffer is always large enough;
 *     request bytes are read through exact-size heap copies;
 *   - every string is non-NULL and NUL-terminated at its length; a
 *     forwarded answer names a Service, a port and a weight in
 *     1..total_weight; a redirect has a scheme, a host and a path; filters
 *     and header operations have known types;
 *   - the same request answers the same; pick + total_weight picks the
 *     same backend; the Host's case, ":port" and one trailing dot, and the
 *     case of header names change nothing; in generated rulesets (whose
 *     header and query names are known) an unrelated header or query
 *     parameter changes nothing either.
 */
#include "fuzz_common.h"

/* ------------------------------------------------------------- generator */

static const char *const hosts[] = {"example.com",
                                    "*.example.com",
                                    "a.example.com",
                                    "b.a.example.com",
                                    "*.a.example.com",
                                    "other.org",
                                    "*",
                                    "Bad_Host",
                                    "1.2.3.4",
                                    ""};
static const char *const paths[] = {
    "/",    "/a",     "/a/",        "/a/b",      "/ab", "/a/b/c/d",   "/v2",
    "/%41", "/a/./b", "/(a|b)+/.*", "/x/[0-9]+", "a",   "/((a+)+)+$", ""};
static const char *const ptypes[] = {"Exact", "PathPrefix", "RegularExpression",
                                     "Bogus"};
static const char *const hnames[] = {"version", "X-Env", "color", "bad name",
                                     ""};
static const char *const hvals[] = {"one", "two", "", "a.*", "(x+)+y"};
static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "BREW"};
static const char *const svcs[] = {"svc0", "svc1", "svc2", "missing",
                                   "Bad_Name"};
static const char *const gsvcs[] = {"svc.Echo", "a.B", "grpc.health.v1.Health",
                                    "", "bad service"};
static const char *const gmethods[] = {"Echo", "Check", "C", "", "Get.*"};

/* One of the listed values, or (1 in 16) raw fuzz bytes. */
#define PICK(b, in, list, raw)                                                 \
    fz_put_pick(b, in, list, sizeof(list) / sizeof(list[0]), raw, 0xf0)

static void gen_header_like(struct fz_buf *b, struct fz_in *in)
{
    uint8_t f = fz_u8(in);
    /* names from the list only: the probe adds names no rule may use */
    const char *name = hnames[fz_u8(in) % (sizeof(hnames) / sizeof(hnames[0]))];
    fz_printf(b, "{\"name\":");
    fz_json_str(b, (const uint8_t *)name, strlen(name));
    fz_printf(b, ",\"value\":");
    PICK(b, in, hvals, 16);
    if (f & 1)
        fz_printf(b, ",\"type\":\"%s\"", f & 2 ? "RegularExpression" : "Exact");
    fz_printf(b, "}");
}

static void gen_filter(struct fz_buf *b, struct fz_in *in)
{
    uint8_t f = fz_u8(in);
    switch (f % 6) {
    case 0:
    case 1:
        fz_printf(b, "{\"type\":\"%s\",\"%s\":{\"set\":[{\"name\":",
                  f % 6 ? "ResponseHeaderModifier" : "RequestHeaderModifier",
                  f % 6 ? "responseHeaderModifier" : "requestHeaderModifier");
        PICK(b, in, hnames, 16);
        fz_printf(b, ",\"value\":\"v\"}],\"add\":[{\"name\":\"x-add\","
                     "\"value\":\"1\"}],\"remove\":[\"x-rm\"]}}");
        break;
    case 2:
        fz_printf(b, "{\"type\":\"RequestMirror\",\"requestMirror\":{"
                     "\"backendRef\":{\"name\":");
        PICK(b, in, svcs, 16);
        fz_printf(b, ",\"port\":80}");
        if (f & 8)
            fz_printf(b, ",\"percent\":%u", fz_u8(in) % 120);
        fz_printf(b, "}}");
        break;
    case 3:
        fz_printf(b, "{\"type\":\"RequestRedirect\",\"requestRedirect\":{");
        fz_printf(b, "\"statusCode\":%u", (f & 8) ? 301u : 302u + (f >> 6));
        if (f & 16)
            fz_printf(b, ",\"scheme\":\"https\"");
        if (f & 32)
            fz_printf(b, ",\"port\":%u", fz_u16(in));
        if (f & 64) {
            fz_printf(b, ",\"hostname\":");
            PICK(b, in, hosts, 16);
        }
        if (f & 128) {
            fz_printf(b, ",\"path\":{\"type\":\"%s\",\"%s\":",
                      (f & 4) ? "ReplaceFullPath" : "ReplacePrefixMatch",
                      (f & 4) ? "replaceFullPath" : "replacePrefixMatch");
            PICK(b, in, paths, 16);
            fz_printf(b, "}");
        }
        fz_printf(b, "}}");
        break;
    case 4:
        fz_printf(b, "{\"type\":\"URLRewrite\",\"urlRewrite\":{");
        if (f & 8) {
            fz_printf(b, "\"hostname\":");
            PICK(b, in, hosts, 16);
        }
        if (f & 16) {
            fz_printf(b,
                      "%s\"path\":{\"type\":\"%s\",\"%s\":", (f & 8) ? "," : "",
                      (f & 4) ? "ReplaceFullPath" : "ReplacePrefixMatch",
                      (f & 4) ? "replaceFullPath" : "replacePrefixMatch");
            PICK(b, in, paths, 16);
            fz_printf(b, "}");
        }
        fz_printf(b, "}}");
        break;
    default:
        fz_printf(b, "{\"type\":\"ExtensionRef\",\"extensionRef\":{"
                     "\"group\":\"x.example.com\",\"kind\":\"F\","
                     "\"name\":\"f\"}}");
    }
}

static void gen_backend(struct fz_buf *b, struct fz_in *in, bool grpc)
{
    uint8_t f = fz_u8(in);
    fz_printf(b, "{\"name\":");
    PICK(b, in, svcs, 16);
    if ((f & 7) == 7)
        fz_printf(b, ",\"group\":\"x.example.com\",\"kind\":\"Bucket\"");
    if (f & 8)
        fz_printf(b, ",\"namespace\":\"ns%u\"", (f >> 4) & 1);
    fz_printf(b, ",\"port\":%u", (f & 32) ? 81u : 80u);
    if (f & 64)
        fz_printf(b, ",\"weight\":%u", fz_u8(in) % 4);
    if ((f & 128) && !grpc) {
        fz_printf(b, ",\"filters\":[");
        gen_filter(b, in);
        fz_printf(b, "]");
    }
    fz_printf(b, "}");
}

static void gen_match(struct fz_buf *b, struct fz_in *in, bool grpc)
{
    uint8_t f = fz_u8(in);
    const char *sep = "";
    fz_printf(b, "{");
    if (grpc && (f & 1)) {
        fz_printf(b, "\"method\":{");
        if (f & 2)
            fz_printf(b, "\"type\":\"%s\",",
                      (f & 4) ? "RegularExpression" : "Exact");
        fz_printf(b, "\"service\":");
        PICK(b, in, gsvcs, 16);
        fz_printf(b, ",\"method\":");
        PICK(b, in, gmethods, 16);
        fz_printf(b, "}");
        sep = ",";
    } else if (!grpc && (f & 1)) {
        fz_printf(b, "\"path\":{\"type\":");
        PICK(b, in, ptypes, 8);
        fz_printf(b, ",\"value\":");
        PICK(b, in, paths, 32);
        fz_printf(b, "}");
        sep = ",";
    }
    if (!grpc && (f & 8)) {
        fz_printf(b, "%s\"method\":", sep);
        PICK(b, in, methods, 8);
        sep = ",";
    }
    if (f & 16) {
        unsigned n = 1 + (f >> 6);
        fz_printf(b, "%s\"headers\":[", sep);
        for (unsigned i = 0; i < n; i++) {
            fz_printf(b, "%s", i ? "," : "");
            gen_header_like(b, in);
        }
        fz_printf(b, "]");
        sep = ",";
    }
    if (!grpc && (f & 32)) {
        fz_printf(b, "%s\"queryParams\":[", sep);
        gen_header_like(b, in);
        fz_printf(b, "]");
    }
    fz_printf(b, "}");
}

static void gen_route(struct fz_buf *b, struct fz_in *in, unsigned i)
{
    uint8_t f = fz_u8(in);
    bool grpc = (f & 3) == 3;
    fz_printf(b,
              ",{\"apiVersion\":\"gateway.networking.k8s.io/v1\",\"kind\":"
              "\"%s\",\"metadata\":{\"name\":\"r%u\",\"namespace\":"
              "\"ns%u\"",
              grpc ? "GRPCRoute" : "HTTPRoute", i, (f >> 2) & 1);
    if (f & 8)
        fz_printf(b, ",\"creationTimestamp\":\"2024-01-0%uT00:00:00Z\"",
                  1 + (f >> 4) % 9);
    fz_printf(b, "},\"spec\":{\"parentRefs\":[");
    unsigned np = 1 + fz_u8(in) % 2;
    for (unsigned p = 0; p < np; p++) {
        uint8_t pf = fz_u8(in);
        fz_printf(b, "%s{\"name\":\"gw%u\"", p ? "," : "", pf & 1);
        if (pf & 2)
            fz_printf(b, ",\"namespace\":\"ns%u\"", (pf >> 2) & 1);
        if (pf & 8)
            fz_printf(b, ",\"sectionName\":\"l%u\"", (pf >> 4) & 3);
        if (pf & 64)
            fz_printf(b, ",\"port\":%u", (pf & 128) ? 443u : 80u);
        fz_printf(b, "}");
    }
    fz_printf(b, "]");
    unsigned nh = fz_u8(in) % 3;
    if (nh) {
        fz_printf(b, ",\"hostnames\":[");
        for (unsigned h = 0; h < nh; h++) {
            fz_printf(b, "%s", h ? "," : "");
            PICK(b, in, hosts, 32);
        }
        fz_printf(b, "]");
    }
    fz_printf(b, ",\"rules\":[");
    unsigned nr = 1 + fz_u8(in) % 3;
    for (unsigned r = 0; r < nr && in->n; r++) {
        uint8_t rf = fz_u8(in);
        fz_printf(b, "%s{", r ? "," : "");
        const char *sep = "";
        if (rf & 1) {
            unsigned nm = 1 + (rf >> 1) % 3;
            fz_printf(b, "\"matches\":[");
            for (unsigned m = 0; m < nm; m++) {
                fz_printf(b, "%s", m ? "," : "");
                gen_match(b, in, grpc);
            }
            fz_printf(b, "]");
            sep = ",";
        }
        if ((rf & 8) && !grpc) {
            fz_printf(b, "%s\"filters\":[", sep);
            gen_filter(b, in);
            fz_printf(b, "]");
            sep = ",";
        }
        unsigned nb = (rf >> 4) % 4;
        fz_printf(b, "%s\"backendRefs\":[", sep);
        for (unsigned k = 0; k < nb; k++) {
            fz_printf(b, "%s", k ? "," : "");
            gen_backend(b, in, grpc);
        }
        fz_printf(b, "]}");
    }
    fz_printf(b, "]}}");
}

static void gen(struct fz_buf *b, struct fz_in *in)
{
    fz_printf(b, "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":["
                 "{\"apiVersion\":\"gateway.networking.k8s.io/v1\",\"kind\":"
                 "\"GatewayClass\",\"metadata\":{\"name\":\"gc\"},\"spec\":"
                 "{\"controllerName\":\"example.com/gw\"}}");
    for (unsigned n = 0; n < 2; n++) {
        fz_printf(b,
                  ",{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
                  "\"metadata\":{\"name\":\"ns%u\",\"labels\":{\"team\":"
                  "\"t%u\"}}}",
                  n, n);
        for (unsigned s = 0; s < 3; s++)
            fz_printf(b,
                      ",{\"apiVersion\":\"v1\",\"kind\":\"Service\","
                      "\"metadata\":{\"name\":\"svc%u\",\"namespace\":"
                      "\"ns%u\"},\"spec\":{\"ports\":[{\"port\":80},"
                      "{\"port\":%u}]}}",
                      s, n, 81u + s);
    }
    uint8_t f = fz_u8(in);
    if (f & 1)
        fz_printf(b, ",{\"apiVersion\":\"gateway.networking.k8s.io/v1beta1\","
                     "\"kind\":\"ReferenceGrant\",\"metadata\":{\"name\":"
                     "\"g\",\"namespace\":\"ns1\"},\"spec\":{\"from\":[{"
                     "\"group\":\"gateway.networking.k8s.io\",\"kind\":"
                     "\"HTTPRoute\",\"namespace\":\"ns0\"}],\"to\":[{"
                     "\"group\":\"\",\"kind\":\"Service\"}]}}");
    unsigned ngw = 1 + ((f >> 1) & 1);
    for (unsigned g = 0; g < ngw; g++) {
        fz_printf(b,
                  ",{\"apiVersion\":\"gateway.networking.k8s.io/v1\","
                  "\"kind\":\"Gateway\",\"metadata\":{\"name\":\"gw%u\","
                  "\"namespace\":\"ns%u\"},\"spec\":{\"gatewayClassName\":"
                  "\"gc\",\"listeners\":[",
                  g, g);
        unsigned nl = 1 + fz_u8(in) % 4;
        for (unsigned l = 0; l < nl; l++) {
            uint8_t lf = fz_u8(in);
            static const unsigned ports[] = {80, 443, 8080, 80};
            bool https = (lf & 3) == 1;
            fz_printf(b, "%s{\"name\":\"l%u\",\"port\":%u,\"protocol\":\"%s\"",
                      l ? "," : "", l, ports[lf & 3], https ? "HTTPS" : "HTTP");
            if (https)
                fz_printf(b, ",\"tls\":{\"certificateRefs\":[{\"name\":"
                             "\"cert\"}]}");
            if (lf & 4) {
                fz_printf(b, ",\"hostname\":");
                PICK(b, in, hosts, 32);
            }
            static const char *const from[] = {"Same", "All", "Selector",
                                               "Nowhere"};
            fz_printf(b, ",\"allowedRoutes\":{\"namespaces\":{\"from\":\"%s\"",
                      from[(lf >> 3) & 3]);
            if (((lf >> 3) & 3) == 2)
                fz_printf(b,
                          ",\"selector\":{\"matchLabels\":{\"team\":"
                          "\"t%u\"}}",
                          (lf >> 5) & 1);
            fz_printf(b, "}");
            if (lf & 64)
                fz_printf(b, ",\"kinds\":[{\"kind\":\"%s\"}]",
                          (lf & 128) ? "GRPCRoute" : "HTTPRoute");
            fz_printf(b, "}}");
        }
        fz_printf(b, "]}}");
    }
    unsigned nr = 1 + fz_u8(in) % 6;
    for (unsigned r = 0; r < nr && in->n; r++)
        gen_route(b, in, r);
    fz_printf(b, "]}\n");
}

/* ---------------------------------------------------------------- probe */

static void check_str(const char *s, size_t n)
{
    FZ_CHECK(s != NULL);
    FZ_CHECK(s[n] == '\0');
}

struct answer {
    int rc;
    struct kg_route r;
};

struct request {
    const char *gateway;
    unsigned port;
    const char *method;
    const char *host;
    size_t host_len;
    const char *path;
    size_t path_len;
    struct kg_header h[4];
    size_t nh;
    uint64_t pick;
    const char *sni; /* NUL-terminated; NULL none */
};

/* heap copy of exactly n bytes (NULL for 0), so ASan sees a read past it */
static char *dup_n(const char *s, size_t n)
{
    if (!n)
        return NULL;
    char *p = malloc(n);
    FZ_CHECK(p != NULL);
    memcpy(p, s, n);
    return p;
}

static void route_once(const kg_ruleset *rs, const struct request *q,
                       struct answer *a)
{
    char *h = dup_n(q->host, q->host_len), *p = dup_n(q->path, q->path_len);
    char *g = q->gateway ? dup_n(q->gateway, strlen(q->gateway)) : NULL;
    char *sn = q->sni ? dup_n(q->sni, strlen(q->sni)) : NULL;
    size_t cap = 2 * q->path_len + q->host_len + 1030;
    char *buf = malloc(cap);
    struct kg_header *hd = malloc(sizeof(*hd) * (q->nh ? q->nh : 1));
    FZ_CHECK(buf && hd);
    for (size_t i = 0; i < q->nh; i++) {
        hd[i].name = dup_n(q->h[i].name, q->h[i].name_len);
        hd[i].name_len = q->h[i].name_len;
        hd[i].value = dup_n(q->h[i].value, q->h[i].value_len);
        hd[i].value_len = q->h[i].value_len;
    }
    struct kg_http_request req = {
        .size = sizeof(req),
        .host = h,
        .host_len = q->host_len,
        .path = p,
        .path_len = q->path_len,
        .method = q->method,
        .method_len = q->method ? strlen(q->method) : 0,
        .headers = q->nh ? hd : NULL,
        .n_headers = q->nh,
        .pick = q->pick,
        .gateway = g,
        .gateway_len = g ? strlen(q->gateway) : 0,
        .port = q->port,
        .sni = sn,
        .sni_len = sn ? strlen(q->sni) : 0,
    };
    memset(&a->r, 0, sizeof(a->r));
    a->r.size = sizeof(a->r);
    int rc = a->rc = kg_route_request(rs, &req, buf, cap, &a->r);
    if (rc != 0 && rc != KG_ENOMATCH && rc != KG_EREQUEST &&
        rc != KG_ELIMIT_MATCH) {
        fprintf(stderr, "kg_route_request: unexpected %s\n", kg_error_name(rc));
        abort();
    }
    const struct kg_route *r = &a->r;
    if (rc == 0) {
        check_str(r->ns, r->ns_len);
        check_str(r->service, r->service_len);
        check_str(r->source_kind, r->source_kind_len);
        check_str(r->source_name, r->source_name_len);
        check_str(r->backend_ns, r->backend_ns_len);
        check_str(r->listener, r->listener_len);
        check_str(r->matched_path, r->matched_path_len);
        check_str(r->redirect_scheme, r->redirect_scheme_len);
        check_str(r->redirect_host, r->redirect_host_len);
        check_str(r->redirect_path, r->redirect_path_len);
        check_str(r->rewrite_host, r->rewrite_host_len);
        check_str(r->rewrite_path, r->rewrite_path_len);
        check_str(r->normalized_path, r->normalized_path_len);
        FZ_CHECK(r->listener_len > 0);
        if (r->status == 421) /* misdirected: only the listener is set */
            FZ_CHECK(q->sni && r->source_name_len == 0 && r->match == -1);
        else
            FZ_CHECK((strcmp(r->source_kind, "HTTPRoute") == 0 ||
                      strcmp(r->source_kind, "GRPCRoute") == 0) &&
                     r->ns_len > 0 && r->source_name_len > 0 && r->rule >= 0 &&
                     r->match >= 0);
        FZ_CHECK(r->status == 0 || r->status == 500 || r->status == 421 ||
                 (r->status >= 301 && r->status <= 308 && r->status != 304 &&
                  r->status != 305 && r->status != 306));
        if (r->status == 0) {
            FZ_CHECK(!r->is_resource && r->service_len > 0 && r->port > 0);
            FZ_CHECK(r->weight > 0 && r->weight <= r->total_weight);
        }
        if (r->status >= 301 && r->status <= 308)
            FZ_CHECK(r->redirect_scheme_len > 0 && r->redirect_host_len > 0 &&
                     r->redirect_path_len > 0 && r->redirect_path[0] == '/');
        FZ_CHECK((r->filters != NULL) == (r->n_filters > 0));
        FZ_CHECK((r->backend_filters != NULL) == (r->n_backend_filters > 0));
        for (int k = 0; k < 2; k++) {
            const struct kg_filter *fl = k ? r->backend_filters : r->filters;
            size_t n = k ? r->n_backend_filters : r->n_filters;
            for (size_t i = 0; i < n; i++) {
                const struct kg_filter *f = &fl[i];
                FZ_CHECK(f->type >= KG_FILTER_REQUEST_HEADER &&
                         f->type <= KG_FILTER_URL_REWRITE);
                check_str(f->scheme, f->scheme_len);
                check_str(f->hostname, f->hostname_len);
                check_str(f->path, f->path_len);
                check_str(f->mirror_ns, f->mirror_ns_len);
                check_str(f->mirror_service, f->mirror_service_len);
                FZ_CHECK((f->ops != NULL) == (f->n_ops > 0));
                for (size_t o = 0; o < f->n_ops; o++) {
                    FZ_CHECK(f->ops[o].op >= KG_HEADER_SET &&
                             f->ops[o].op <= KG_HEADER_REMOVE);
                    check_str(f->ops[o].name, f->ops[o].name_len);
                    check_str(f->ops[o].value, f->ops[o].value_len);
                }
                if (f->type == KG_FILTER_MIRROR)
                    FZ_CHECK(f->mirror_denominator > 0 &&
                             f->mirror_numerator <= f->mirror_denominator);
            }
        }
    }
    if (rc == 0 || rc == KG_ENOMATCH) {
        /* the normalized path lies in the caller's buffer */
        FZ_CHECK(r->normalized_path >= buf &&
                 r->normalized_path + r->normalized_path_len < buf + cap);
    }
    /* normalized_path and the computed redirect/rewrite paths point into
     * buf, freed below */
    a->r.normalized_path = NULL;
    a->r.redirect_path = NULL;
    a->r.rewrite_path = NULL;
    a->r.redirect_host = NULL;
    for (size_t i = 0; i < q->nh; i++) {
        free((void *)hd[i].name);
        free((void *)hd[i].value);
    }
    free(hd);
    free(buf);
    free(g);
    free(sn);
    free(h);
    free(p);
}

static bool same(const struct answer *a, const struct answer *b)
{
    if (a->rc != b->rc)
        return false;
    if (a->rc != 0)
        return true;
    return a->r.source_name == b->r.source_name && a->r.ns == b->r.ns &&
           a->r.rule == b->r.rule && a->r.match == b->r.match &&
           a->r.status == b->r.status && a->r.service == b->r.service &&
           a->r.backend_ns == b->r.backend_ns && a->r.port == b->r.port &&
           a->r.listener == b->r.listener && a->r.filters == b->r.filters;
}

static void request(const kg_ruleset *rs, const struct request *q,
                    bool names_known)
{
    static struct answer a, b;
    route_once(rs, q, &a);
    route_once(rs, q, &b);
    FZ_CHECK(same(&a, &b));
    struct request v = *q;
    if (a.rc == 0 && a.r.total_weight > 0 &&
        q->pick <= UINT64_MAX - a.r.total_weight) {
        v.pick = q->pick + a.r.total_weight;
        route_once(rs, &v, &b);
        FZ_CHECK(same(&a, &b));
        v.pick = q->pick;
    }
    /* header names in upper case */
    char names[4][32];
    bool changed = false, fits = true;
    for (size_t i = 0; i < q->nh; i++) {
        size_t n = q->h[i].name_len;
        fits &= n <= sizeof(names[i]);
        for (size_t k = 0; k < n && k < sizeof(names[i]); k++) {
            char c = q->h[i].name[k];
            names[i][k] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
            changed |= names[i][k] != c;
        }
        v.h[i].name = names[i];
    }
    if (changed && fits) {
        route_once(rs, &v, &b);
        FZ_CHECK(same(&a, &b));
    }
    v = *q;
    if (names_known) {
        if (v.nh < 4) { /* a header no rule names */
            v.h[v.nh++] = (struct kg_header){"x-kgf-unused", 12, "1", 1};
            route_once(rs, &v, &b);
            FZ_CHECK(same(&a, &b));
            v = *q;
        }
        /* a query parameter no rule names */
        char pq[300];
        if (q->path_len < 200 && !memchr(q->path, '#', q->path_len)) {
            bool has_q = memchr(q->path, '?', q->path_len) != NULL;
            memcpy(pq, q->path, q->path_len);
            memcpy(pq + q->path_len, has_q ? "&kgf-unused=1" : "?kgf-unused=1",
                   13);
            v.path = pq;
            v.path_len = q->path_len + 13;
            route_once(rs, &v, &b);
            FZ_CHECK(same(&a, &b));
            v = *q;
        }
    }
    /* the Host's case, a port, a trailing dot */
    if (a.rc == KG_EREQUEST || q->host_len == 0 || q->host_len > 200)
        return;
    for (size_t i = 0; i < q->host_len; i++)
        if (q->host[i] == ':' || q->host[i] == '[' || q->host[i] == ']' ||
            (unsigned char)q->host[i] >= 0x80)
            return;
    if (q->host[q->host_len - 1] == '.')
        return;
    char hv[256];
    for (size_t i = 0; i < q->host_len; i++) {
        char c = q->host[i];
        hv[i] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
    }
    v.host = hv;
    route_once(rs, &v, &b);
    FZ_CHECK(same(&a, &b));
    memcpy(hv, q->host, q->host_len);
    memcpy(hv + q->host_len, ":8443", 5);
    v.host_len = q->host_len + 5;
    route_once(rs, &v, &b);
    FZ_CHECK(same(&a, &b));
    hv[q->host_len] = '.';
    v.host_len = q->host_len + 1;
    route_once(rs, &v, &b);
    FZ_CHECK(same(&a, &b));
}

static const char *const gateways[] = {NULL,
                                       "ns0/gw0",
                                       "ns1/gw1",
                                       "gateway-conformance-infra/"
                                       "same-namespace",
                                       "gateway-conformance-infra/"
                                       "all-namespaces",
                                       "nope/none"};
static const unsigned lports[] = {0, 80, 443, 8080};
static const char *const rhosts[] = {"example.com",
                                     "a.example.com",
                                     "b.a.example.com",
                                     "x.b.a.example.com",
                                     "other.org",
                                     "1.2.3.4",
                                     "",
                                     "EXAMPLE.com",
                                     "second-example.org"};
static const char *const rpaths[] = {
    "/",
    "/a",
    "/a/",
    "/a/b?version=one",
    "/ab",
    "/v2",
    "/a/b/c/d",
    "/svc.Echo/Echo",
    "/a.B/C",
    "/x/123",
    "/A",
    "/a/../v2",
    "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"};

/* Fixed requests, then requests cut from the remaining bytes. */
static void probe(const kg_ruleset *rs, struct fz_in in, bool names_known)
{
    for (size_t i = 0; i < 2 * sizeof(rhosts) / sizeof(rhosts[0]); i++) {
        struct request q = {
            .gateway = gateways[i & 1 ? 3 : 1],
            .port = lports[(i >> 1) % 4],
            .method = i & 1 ? "POST" : "GET",
            .host = rhosts[i >> 1],
            .host_len = strlen(rhosts[i >> 1]),
            .path = rpaths[i % 13],
            .path_len = strlen(rpaths[i % 13]),
            .h = {{"version", 7, "one", 3}, {"X-Env", 5, "two", 3}},
            .nh = i % 3,
            .pick = i * 7,
            .sni = i % 3 == 2 ? rhosts[(i >> 1) % 5] : NULL,
        };
        request(rs, &q, names_known);
    }
    for (int k = 0; k < 8 && in.n; k++) {
        uint8_t f = fz_u8(&in);
        struct request q = {
            .gateway = gateways[f % 6],
            .port = lports[(f >> 3) & 3],
            .pick = fz_u32(&in),
            .sni = (f & 64) ? rhosts[f % 5] : NULL,
        };
        if (f & 32) {
            const uint8_t *m;
            size_t mn = fz_token(&in, &m, 8);
            static char mb[8][9];
            memcpy(mb[k], m, mn);
            mb[k][mn] = '\0';
            q.method = strlen(mb[k]) ? mb[k] : NULL;
        } else {
            q.method = methods[f % 5];
        }
        const uint8_t *p;
        q.host_len = fz_token(&in, &p, 64);
        q.host = (const char *)p;
        q.path_len = fz_token(&in, &p, 200);
        q.path = (const char *)p;
        q.nh = fz_u8(&in) % 5;
        for (size_t i = 0; i < q.nh; i++) {
            q.h[i].name_len = fz_token(&in, &p, 16);
            q.h[i].name = (const char *)p;
            q.h[i].value_len = fz_token(&in, &p, 32);
            q.h[i].value = (const char *)p;
            if (q.h[i].name_len == 0)
                q.h[i].name = "version", q.h[i].name_len = 7;
        }
        request(rs, &q, names_known);
    }
}

static void compile_and_probe(const kg_options *o, const char *text, size_t len,
                              struct fz_in probe_in, bool names_known)
{
    kg_ruleset *rs = fz_compile(o, text, len);
    if (getenv("KGF_DBG"))
        fprintf(stderr, "compile %s len %zu\n", rs ? "ok" : "FAIL", len);
    if (!rs)
        return;
    fz_dump(rs);
    probe(rs, probe_in, names_known);
    kg_ruleset_unref(rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kg_options *o = kg_options_new();
    FZ_CHECK(o != NULL);
    if (size && data[0] < 0x09) {
        struct fz_in in = {data + 1, size - 1};
        struct fz_buf b = {0};
        uint8_t mode = data[0];
        gen(&b, &in);
        if (!(mode & 1)) /* most: skip what the raw bytes made invalid */
            FZ_CHECK(kg_options_set_flag(o, KG_FLAG_SKIP_INVALID, true) == 0);
        if (mode & 2)
            FZ_CHECK(kg_options_set_flag(o, KG_FLAG_NORMALIZE, false) == 0);
        compile_and_probe(o, b.p, b.n, in, true);
        fz_free(&b);
    } else {
        struct fz_in all = {data, size};
        compile_and_probe(o, (const char *)data, size, all, false);
        FZ_CHECK(kg_options_set_flag(o, KG_FLAG_SKIP_INVALID, true) == 0);
        compile_and_probe(o, (const char *)data, size, all, false);
    }
    kg_options_free(o);
    return 0;
}
