// SPDX-License-Identifier: MIT
/*
 * ingress.c - networking.k8s.io/v1 Ingress and IngressClass: node tree ->
 * typed model, validated as the API server does (kubernetes
 * pkg/apis/networking/validation: ValidateIngressCreate,
 * ValidateIngressSpec, validateIngressRules, validateHTTPIngressPath,
 * validateIngressBackend, validateIngressTLS, ValidateIngressClass).
 *
 * Every rule reports under its field path at its node and reading goes on,
 * so one pass yields every problem of an object (the API server also
 * collects them all). Messages keep the API server's words
 * (`Invalid value: "x": must be an absolute path`). Beyond the API server,
 * kgress refuses what a proxy library must never compile: control bytes in
 * paths, and paths longer than KGI_INGRESS_PATH_MAX.
 *
 * Workload: control plane, once per object per compile; clarity over speed.
 * Arrays go to the context's arena (one allocation per list), strings stay
 * in the node tree.
 */
#include "route/ingress_model.h"

#include <stdio.h>
#include <string.h>

#include "k8s/names.h"
#include "route/normalize.h"

#define ANN_CLASS "kubernetes.io/ingress.class"
#define ANN_DEFAULT_CLASS "ingressclass.kubernetes.io/is-default-class"
#define ANN_USE_REGEX "nginx.ingress.kubernetes.io/use-regex"
#define ANN_REWRITE "nginx.ingress.kubernetes.io/rewrite-target"
/* maxLenIngressClassController in the API server */
#define CONTROLLER_MAX 250

const char *kgi_path_type_name(int type)
{
    switch (type) {
    case KGI_PATH_EXACT:
        return "Exact";
    case KGI_PATH_PREFIX:
        return "Prefix";
    case KGI_PATH_IMPL_SPECIFIC:
        return "ImplementationSpecific";
    default:
        return "?";
    }
}

static void oom(struct kgi_ctx *c, const struct kgi_node *n, bool *flag)
{
    kgi_error(c, KG_ENOMEM, n, "out of memory");
    c->diags->oom = true;
    *flag = true;
}

/* KG_EINVALID at key (pushed) with the API server's "Invalid value". */
static void invalid_at(struct kgi_ctx *c, const char *key,
                       const struct kgi_node *n, struct kgi_str v,
                       const char *why)
{
    struct kgi_quoted q;
    size_t m = key ? kgi_enter(c, key) : 0;
    kgi_error(c, KG_EINVALID, n, "Invalid value: \"%s\": %s",
              kgi_quote(&q, v.p, v.n), why);
    if (key)
        kgi_leave(c, m);
}

/* The node of map[key] for marks, the map itself when absent. */
static const struct kgi_node *at(const struct kgi_node *map, const char *key)
{
    const struct kgi_node *n = kgi_node_get(map, key);
    return n ? n : map;
}

/* -------------------------------------------------------------- backend */

/* content.IsPathSegmentName: not "." or "..", no '/' nor '%'. */
static const char *path_segment_name(struct kgi_str s)
{
    if (kgi_str_eq(s, ".") || kgi_str_eq(s, ".."))
        return kgi_str_eq(s, ".") ? "may not be '.'" : "may not be '..'";
    if (memchr(s.p, '/', s.n))
        return "may not contain '/'";
    if (memchr(s.p, '%', s.n))
        return "may not contain '%'";
    return NULL;
}

/* TypedLocalObjectReference (validateIngressTypedLocalObjectReference);
 * the path is at "resource". */
static bool read_resource(struct kgi_ctx *c, const struct kgi_node *r,
                          struct kgi_ingress_backend *b)
{
    bool ok = true;
    const char *why;
    if (kgi_field_str(c, r, "apiGroup", false, &b->res_api_group, &ok) &&
        (why = kgi_check_dns1123_subdomain(b->res_api_group.p,
                                           b->res_api_group.n))) {
        invalid_at(c, "apiGroup", at(r, "apiGroup"), b->res_api_group, why);
        ok = false;
    }
    static const char *const keys[] = {"kind", "name"};
    struct kgi_str *vals[] = {&b->res_kind, &b->res_name};
    for (size_t i = 0; i < 2; i++) {
        if (!kgi_field_str(c, r, keys[i], true, vals[i], &ok))
            continue;
        if (vals[i]->n == 0) {
            size_t m = kgi_enter(c, keys[i]);
            kgi_error(c, KG_EREQUIRED, at(r, keys[i]), "Required value");
            kgi_leave(c, m);
            ok = false;
        } else if ((why = path_segment_name(*vals[i]))) {
            invalid_at(c, keys[i], at(r, keys[i]), *vals[i], why);
            ok = false;
        }
    }
    return ok;
}

/* IngressServiceBackend (validateIngressBackend's service case); the
 * current path is the backend's, at bnode. */
static bool read_service(struct kgi_ctx *c, const struct kgi_node *bnode,
                         const struct kgi_node *svc,
                         struct kgi_ingress_backend *b)
{
    bool ok = true;
    const char *why;
    size_t mark = kgi_enter(c, "service");
    if (kgi_field_str(c, svc, "name", true, &b->service, &ok)) {
        if (b->service.n == 0) {
            kgi_enter(c, "name");
            kgi_error(c, KG_EREQUIRED, at(svc, "name"), "Required value");
            ok = false;
        } else if ((why =
                        kgi_check_dns1123_label(b->service.p, b->service.n))) {
            /* RelaxedServiceNameValidation: a DNS-1123 label, which every
             * DNS-1035 label also is (a Service may be named "1st" on
             * clusters with the gate; rejecting it would break their
             * dumps) */
            invalid_at(c, "name", at(svc, "name"), b->service, why);
            ok = false;
        }
    }
    kgi_leave(c, mark);
    mark = kgi_enter(c, "service");
    const struct kgi_node *port =
        kgi_field(c, svc, "port", KGI_NODE_MAP, false, &ok);
    bool has_name = false, has_number = false;
    bool pok = true; /* no type error in port */
    const struct kgi_node *num = NULL;
    int64_t number = 0;
    if (port) {
        kgi_enter(c, "port");
        if (kgi_field_str(c, port, "name", false, &b->port_name, &pok))
            has_name = b->port_name.n > 0;
        num = kgi_field(c, port, "number", KGI_NODE_SCALAR, false, &pok);
        if (num && (!kgi_scalar_int(num, &number) || number < INT32_MIN ||
                    number > INT32_MAX)) {
            size_t m = kgi_enter(c, "number");
            kgi_error(c, KG_ETYPE, num, "must be an integer (int32)");
            kgi_leave(c, m);
            pok = false;
            number = 0;
        }
        has_number = number != 0; /* 0 means unset in the API */
    }
    kgi_leave(c, mark);
    ok = ok && pok;
    /* as in the API server, "both" and "neither" are at the backend */
    if (has_name && has_number) {
        kgi_error(c, KG_EINVALID, bnode,
                  "Invalid value: \"\": cannot set both port name & port "
                  "number");
        ok = false;
    } else if (has_name) {
        if ((why = kgi_check_iana_svc_name(b->port_name.p, b->port_name.n))) {
            mark = kgi_enter(c, "service");
            kgi_enter(c, "port");
            invalid_at(c, "name", at(port, "name"), b->port_name, why);
            kgi_leave(c, mark);
            ok = false;
        }
    } else if (has_number) {
        if (number < 1 || number > 65535) {
            mark = kgi_enter(c, "service");
            kgi_enter(c, "port");
            kgi_enter(c, "number");
            kgi_error(c, KG_EINVALID, num,
                      "Invalid value: %lld: must be between 1 and 65535, "
                      "inclusive",
                      (long long)number);
            kgi_leave(c, mark);
            ok = false;
        } else {
            b->port_number = number;
        }
    } else if (pok) {
        kgi_error(c, KG_EREQUIRED, port ? port : svc,
                  "Required value: port name or number is required");
        ok = false;
    }
    return ok;
}

/* IngressBackend (validateIngressBackend) at bnode; the current path is
 * the backend's. */
static bool read_backend(struct kgi_ctx *c, const struct kgi_node *bnode,
                         struct kgi_ingress_backend *b)
{
    bool ok = true;
    memset(b, 0, sizeof(*b));
    b->node = bnode;
    const struct kgi_node *svc =
        kgi_field(c, bnode, "service", KGI_NODE_MAP, false, &ok);
    const struct kgi_node *res =
        kgi_field(c, bnode, "resource", KGI_NODE_MAP, false, &ok);
    if (!ok)
        return false;
    if (svc && res) {
        kgi_error(c, KG_EINVALID, bnode,
                  "Invalid value: \"\": cannot set both resource and service "
                  "backends");
        return false;
    }
    if (!svc && !res) {
        kgi_error(c, KG_EINVALID, bnode,
                  "Invalid value: \"\": resource or service backend is "
                  "required");
        return false;
    }
    if (res) {
        b->kind = KGI_BACKEND_RESOURCE;
        size_t m = kgi_enter(c, "resource");
        ok = read_resource(c, res, b);
        kgi_leave(c, m);
    } else {
        b->kind = KGI_BACKEND_SERVICE;
        ok = read_service(c, bnode, svc, b);
    }
    if (!ok)
        b->kind = KGI_BACKEND_NONE;
    return ok;
}

/* ----------------------------------------------------------------- paths */

/* validateHTTPIngressPath: invalidPathSequences, invalidPathSuffixes */
static const char *const bad_seqs[] = {"//", "/./", "/../", "%2f", "%2F"};
static const char *const bad_suffixes[] = {"/..", "/."};

static bool contains(struct kgi_str s, const char *lit)
{
    size_t n = strlen(lit);
    for (size_t i = 0; i + n <= s.n; i++)
        if (memcmp(s.p + i, lit, n) == 0)
            return true;
    return false;
}

static bool ends_with(struct kgi_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n >= n && memcmp(s.p + s.n - n, lit, n) == 0;
}

/* The rule path in request form (see canon in ingress.h). Returns false
 * only on allocation failure. '?', '#' and malformed or NUL escapes leave
 * canon NULL without a warning here: the route compiler reports those
 * ("can never match") in every mode, and one warning per problem is
 * enough. Escaped dot segments and "//" are reported here, as only the
 * model compares the path with its fully normalized form. */
static bool canon_path(struct kgi_ctx *c, const struct kgi_node *pn,
                       struct kgi_ingress_path *p, bool *oomed)
{
    p->canon.p = NULL;
    p->canon.n = 0;
    if (memchr(p->path.p, '?', p->path.n) || memchr(p->path.p, '#', p->path.n))
        return true;
    /* +2: room for "/" when the path is empty, and a NUL */
    char *buf = kgi_arena_alloc(c->arena, p->path.n + 2, 1);
    char *full = kgi_arena_alloc(c->arena, p->path.n + 2, 1);
    if (!buf || !full) {
        oom(c, pn, oomed);
        return false;
    }
    size_t n = 0, fn = 0;
    if (kgi_norm_path(p->path.p, p->path.n, KGI_NORM_ON | KGI_NORM_ESCAPES_ONLY,
                      buf, p->path.n + 1, &n) != 0)
        return true;
    if (kgi_norm_path(buf, n, KGI_NORM_ON, full, p->path.n + 1, &fn) == 0 &&
        fn == n && memcmp(buf, full, n) == 0) {
        buf[n] = '\0';
        p->canon.p = buf;
        p->canon.n = n;
        return true;
    }
    bool warn = !c->opts || kgi_flag(c->opts, KG_FLAG_NORMALIZE);
    if (p->type == KGI_PATH_IMPL_SPECIFIC && c->opts &&
        c->opts->dialect == KG_DIALECT_INGRESS_NGINX)
        warn = false; /* the controller's own syntax (regexes) */
    if (warn) {
        struct kgi_quoted q;
        size_t m = kgi_enter(c, "path");
        kgi_warning(c, KG_EWARNING, pn,
                    "\"%s\" never matches a normalized request path: it has "
                    "dot segments or '//' once its escapes are decoded, "
                    "which request normalization removes",
                    kgi_quote(&q, p->path.p, p->path.n));
        kgi_leave(c, m);
    }
    return true;
}

/* HTTPIngressPath at pn; the current path is `paths[i]`. */
static bool read_path(struct kgi_ctx *c, const struct kgi_node *pn,
                      struct kgi_ingress_path *p, bool *oomed)
{
    bool ok = true;
    struct kgi_str type = {NULL, 0};
    p->node = pn;
    p->type = 0;
    bool path_ok = true;
    bool has_path = kgi_field_str(c, pn, "path", false, &p->path, &path_ok);
    if (!has_path)
        p->path = (struct kgi_str){"", 0};
    ok = ok && path_ok;
    const struct kgi_node *path_node = at(pn, "path");
    if (!kgi_field_str(c, pn, "pathType", false, &type, &ok)) {
        if (ok) {
            size_t m = kgi_enter(c, "pathType");
            kgi_error(c, KG_EREQUIRED, pn,
                      "Required value: pathType must be specified");
            kgi_leave(c, m);
        }
        ok = false;
    } else if (kgi_str_eq(type, "Exact")) {
        p->type = KGI_PATH_EXACT;
    } else if (kgi_str_eq(type, "Prefix")) {
        p->type = KGI_PATH_PREFIX;
    } else if (kgi_str_eq(type, "ImplementationSpecific")) {
        p->type = KGI_PATH_IMPL_SPECIFIC;
    } else {
        struct kgi_quoted q;
        size_t m = kgi_enter(c, "pathType");
        kgi_error(c, KG_ENOTSUPPORTED, at(pn, "pathType"),
                  "Unsupported value: \"%s\": supported values: \"Exact\", "
                  "\"ImplementationSpecific\", \"Prefix\"",
                  kgi_quote(&q, type.p, type.n));
        kgi_leave(c, m);
        ok = false;
    }

    /* kgress's own bounds, whatever the type */
    if (p->path.n > KGI_INGRESS_PATH_MAX) {
        size_t m = kgi_enter(c, "path");
        kgi_error(c, KG_ETOOLONG, path_node,
                  "Too long: may not be more than %d bytes (kgress bound; "
                  "this path has %zu)",
                  KGI_INGRESS_PATH_MAX, p->path.n);
        kgi_leave(c, m);
        ok = false;
    }
    for (size_t i = 0; i < p->path.n; i++) {
        unsigned char ch = (unsigned char)p->path.p[i];
        if (ch < 0x20 || ch == 0x7f) {
            size_t m = kgi_enter(c, "path");
            kgi_error(c, KG_EINVALID, path_node,
                      "Invalid value: must not contain control characters "
                      "(byte 0x%02x at offset %zu); allowed are printable "
                      "characters",
                      ch, i);
            kgi_leave(c, m);
            ok = false;
            break;
        }
    }

    if (!path_ok) {
        /* a wrong type was reported; its syntax means nothing */
    } else if (p->type == KGI_PATH_EXACT || p->type == KGI_PATH_PREFIX) {
        if (p->path.n == 0 || p->path.p[0] != '/') {
            invalid_at(c, "path", path_node, p->path,
                       "must be an absolute path");
            ok = false;
        }
        if (p->path.n > 0) {
            for (size_t i = 0; i < sizeof(bad_seqs) / sizeof(*bad_seqs); i++)
                if (contains(p->path, bad_seqs[i])) {
                    char why[32];
                    snprintf(why, sizeof(why), "must not contain '%s'",
                             bad_seqs[i]);
                    invalid_at(c, "path", path_node, p->path, why);
                    ok = false;
                }
            for (size_t i = 0; i < sizeof(bad_suffixes) / sizeof(*bad_suffixes);
                 i++)
                if (ends_with(p->path, bad_suffixes[i])) {
                    char why[32];
                    snprintf(why, sizeof(why), "cannot end with '%s'",
                             bad_suffixes[i]);
                    invalid_at(c, "path", path_node, p->path, why);
                    ok = false;
                }
        }
    } else if (p->type == KGI_PATH_IMPL_SPECIFIC) {
        if (p->path.n > 0 && p->path.p[0] != '/') {
            invalid_at(c, "path", path_node, p->path,
                       "must be an absolute path");
            ok = false;
        }
    }

    /* the backend is checked even without a pathType (the API server stops
     * there), so that one pass shows every problem */
    bool bok = true;
    const struct kgi_node *bn =
        kgi_field(c, pn, "backend", KGI_NODE_MAP, false, &bok);
    size_t m = kgi_enter(c, "backend");
    if (bn) {
        if (!read_backend(c, bn, &p->backend))
            ok = false;
    } else if (bok) {
        /* a struct, not a pointer, in the API: absent is empty */
        kgi_error(c, KG_EINVALID, pn,
                  "Invalid value: \"\": resource or service backend is "
                  "required");
    }
    kgi_leave(c, m);
    ok = ok && bok && bn;
    if (ok && !canon_path(c, pn, p, oomed))
        ok = false;
    return ok;
}

/* ----------------------------------------------------------------- rules */

/* netutils.ParseIPSloppy also takes IPv4 with leading zeros ("010.0.0.1"),
 * which inet_pton refuses: dotted quads of decimal numbers <= 255. */
static bool sloppy_ipv4(struct kgi_str h)
{
    size_t parts = 0, digits = 0;
    unsigned v = 0;
    for (size_t i = 0; i <= h.n; i++) {
        if (i == h.n || h.p[i] == '.') {
            if (digits == 0 || v > 255)
                return false;
            parts++;
            digits = 0;
            v = 0;
        } else if (h.p[i] >= '0' && h.p[i] <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(h.p[i] - '0');
            digits++;
        } else {
            return false;
        }
    }
    return parts == 4;
}

/* A rule or TLS host (validateIngressRules / validateIngressTLS). Reports
 * at the current path. */
static bool check_host(struct kgi_ctx *c, const struct kgi_node *n,
                       struct kgi_str h, bool rule, bool *wildcard)
{
    bool ok = true;
    const char *why;
    *wildcard = memchr(h.p, '*', h.n) != NULL;
    if (rule && (kgi_looks_like_ip(h.p, h.n) || sloppy_ipv4(h))) {
        invalid_at(c, NULL, n, h, "must be a DNS name, not an IP address");
        ok = false;
    }
    why = *wildcard ? kgi_check_wildcard_subdomain(h.p, h.n)
                    : kgi_check_dns1123_subdomain(h.p, h.n);
    if (why) {
        invalid_at(c, NULL, n, h, why);
        ok = false;
    }
    return ok;
}

/* HTTPIngressRuleValue at hn; the current path is `rules[i]`. */
static bool read_http(struct kgi_ctx *c, const struct kgi_node *hn,
                      struct kgi_ingress_rule *r, bool *oomed)
{
    bool ok = true;
    size_t mark = kgi_enter(c, "http");
    const struct kgi_node *paths =
        kgi_field(c, hn, "paths", KGI_NODE_SEQ, false, &ok);
    if (!paths || paths->count == 0) {
        if (ok) {
            kgi_enter(c, "paths");
            kgi_error(c, KG_EREQUIRED, paths ? paths : hn, "Required value");
        }
        kgi_leave(c, mark);
        return false;
    }
    r->paths = kgi_arena_calloc(c->arena, paths->count, sizeof(*r->paths));
    if (!r->paths) {
        oom(c, paths, oomed);
        kgi_leave(c, mark);
        return false;
    }
    kgi_enter(c, "paths");
    for (size_t i = 0; i < paths->count && !*oomed; i++) {
        const struct kgi_node *pn = paths->u.items[i];
        size_t m = kgi_enter_index(c, i);
        struct kgi_ingress_path *p = &r->paths[r->n_paths++];
        p->index = i;
        if (pn->kind != KGI_NODE_MAP) {
            kgi_error(c, KG_ETYPE, pn, "must be an object (map)");
            ok = false;
        } else if (!read_path(c, pn, p, oomed)) {
            ok = false;
        }
        kgi_leave(c, m);
    }
    kgi_leave(c, mark);
    return ok;
}

static bool read_rules(struct kgi_ctx *c, const struct kgi_node *rules,
                       struct kgi_ingress *g, bool *oomed)
{
    bool ok = true;
    g->rules = kgi_arena_calloc(c->arena, rules->count ? rules->count : 1,
                                sizeof(*g->rules));
    if (!g->rules) {
        oom(c, rules, oomed);
        return false;
    }
    size_t mark = kgi_enter(c, "rules");
    for (size_t i = 0; i < rules->count && !*oomed; i++) {
        const struct kgi_node *rn = rules->u.items[i];
        struct kgi_ingress_rule *r = &g->rules[g->n_rules++];
        size_t m = kgi_enter_index(c, i);
        r->index = i;
        r->node = rn;
        r->host = (struct kgi_str){"", 0};
        if (rn->kind != KGI_NODE_MAP) {
            kgi_error(c, KG_ETYPE, rn, "must be an object (map)");
            ok = false;
            kgi_leave(c, m);
            continue;
        }
        struct kgi_str host;
        if (kgi_field_str(c, rn, "host", false, &host, &ok) && host.n > 0) {
            size_t hm = kgi_enter(c, "host");
            if (check_host(c, at(rn, "host"), host, true, &r->wildcard))
                r->host = host;
            else
                ok = false;
            kgi_leave(c, hm);
        }
        const struct kgi_node *hn =
            kgi_field(c, rn, "http", KGI_NODE_MAP, false, &ok);
        if (hn) {
            r->has_http = true;
            if (!read_http(c, hn, r, oomed))
                ok = false;
        }
        kgi_leave(c, m);
    }
    kgi_leave(c, mark);
    return ok;
}

static bool read_tls(struct kgi_ctx *c, const struct kgi_node *tls,
                     struct kgi_ingress *g, bool *oomed)
{
    bool ok = true;
    g->tls = kgi_arena_calloc(c->arena, tls->count ? tls->count : 1,
                              sizeof(*g->tls));
    if (!g->tls) {
        oom(c, tls, oomed);
        return false;
    }
    size_t mark = kgi_enter(c, "tls");
    for (size_t i = 0; i < tls->count && !*oomed; i++) {
        const struct kgi_node *tn = tls->u.items[i];
        struct kgi_ingress_tls *t = &g->tls[g->n_tls++];
        size_t m = kgi_enter_index(c, i);
        t->index = i;
        t->node = tn;
        if (tn->kind != KGI_NODE_MAP) {
            kgi_error(c, KG_ETYPE, tn, "must be an object (map)");
            ok = false;
            kgi_leave(c, m);
            continue;
        }
        const struct kgi_node *hosts =
            kgi_field(c, tn, "hosts", KGI_NODE_SEQ, false, &ok);
        if (hosts && hosts->count) {
            t->hosts =
                kgi_arena_calloc(c->arena, hosts->count, sizeof(*t->hosts));
            if (!t->hosts) {
                oom(c, hosts, oomed);
                kgi_leave(c, mark);
                return false;
            }
            size_t hm = kgi_enter(c, "hosts");
            for (size_t j = 0; j < hosts->count; j++) {
                const struct kgi_node *h = hosts->u.items[j];
                size_t jm = kgi_enter_index(c, j);
                bool wild;
                if (h->kind != KGI_NODE_SCALAR || kgi_node_is_null(h) ||
                    kgi_scalar_is_plain_nonstring(h)) {
                    kgi_error(c, KG_ETYPE, h, "must be a string");
                    ok = false;
                } else if (!check_host(c, h, kgi_node_str(h), false, &wild)) {
                    ok = false;
                } else {
                    t->hosts[t->n_hosts++] = kgi_node_str(h);
                }
                kgi_leave(c, jm);
            }
            kgi_leave(c, hm);
        }
        const char *why;
        if (kgi_field_str(c, tn, "secretName", false, &t->secret, &ok) &&
            t->secret.n > 0 &&
            (why = kgi_check_dns1123_subdomain(t->secret.p, t->secret.n))) {
            invalid_at(c, "secretName", at(tn, "secretName"), t->secret, why);
            ok = false;
        }
        if (t->secret.n == 0)
            t->secret = (struct kgi_str){NULL, 0};
        kgi_leave(c, m);
    }
    kgi_leave(c, mark);
    return ok;
}

/* strconv.ParseBool's "true" spellings, as ingress-nginx parses its boolean
 * annotations. */
static bool ann_true(struct kgi_str v)
{
    static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
        if (kgi_str_eq(v, yes[i]))
            return true;
    return false;
}

bool kgi_ingress_read(struct kgi_ctx *c, const struct kgi_meta *m,
                      struct kgi_ingress *g)
{
    memset(g, 0, sizeof(*g));
    g->meta = m;
    bool ok = true;
    const struct kgi_node *obj = m->node;

    const struct kgi_kv *kv = kgi_kvs_get(&m->annotations, ANN_CLASS);
    if (kv)
        g->class_annotation = kv->value;
    if ((kv = kgi_kvs_get(&m->annotations, ANN_USE_REGEX)))
        g->nginx_use_regex = ann_true(kv->value);
    if ((kv = kgi_kvs_get(&m->annotations, ANN_REWRITE))) {
        g->nginx_rewrite = true;
        g->nginx_rewrite_target = kv->value;
    }

    const struct kgi_node *spec =
        kgi_field(c, obj, "spec", KGI_NODE_MAP, false, &ok);
    if (!ok)
        return false;
    size_t mark = kgi_enter(c, "spec");
    const struct kgi_node *rules = NULL, *dbn = NULL, *tls = NULL;
    if (spec) {
        const char *why;
        if (kgi_field_str(c, spec, "ingressClassName", false, &g->class_name,
                          &ok) &&
            (why = kgi_check_dns1123_subdomain(g->class_name.p,
                                               g->class_name.n))) {
            invalid_at(c, "ingressClassName", at(spec, "ingressClassName"),
                       g->class_name, why);
            ok = false;
        }
        dbn = kgi_field(c, spec, "defaultBackend", KGI_NODE_MAP, false, &ok);
        rules = kgi_field(c, spec, "rules", KGI_NODE_SEQ, false, &ok);
        tls = kgi_field(c, spec, "tls", KGI_NODE_SEQ, false, &ok);
    }
    bool has_rules = rules && rules->count > 0;
    if (!has_rules && !dbn && ok) {
        kgi_error(c, KG_EINVALID, spec ? spec : obj,
                  "Invalid value: null: either `defaultBackend` or `rules` "
                  "must be specified");
        ok = false;
    }
    if (dbn) {
        size_t dm = kgi_enter(c, "defaultBackend");
        g->has_default = read_backend(c, dbn, &g->default_backend);
        if (!g->has_default)
            ok = false;
        kgi_leave(c, dm);
    }
    if (has_rules && !read_rules(c, rules, g, &g->oom))
        ok = false;
    if (tls && tls->count && !g->oom && !read_tls(c, tls, g, &g->oom))
        ok = false;
    kgi_leave(c, mark);

    /* ValidateIngressCreate: the annotation must equal the field */
    kv = kgi_kvs_get(&m->annotations, ANN_CLASS);
    if (kv && g->class_name.p &&
        (kv->value.n != g->class_name.n ||
         memcmp(kv->value.p, g->class_name.p, kv->value.n) != 0)) {
        size_t am = kgi_enter(c, "metadata");
        kgi_enter(c, "annotations");
        invalid_at(c, ANN_CLASS, kv->node, kv->value,
                   "must match `ingressClassName` when both are specified");
        kgi_leave(c, am);
        ok = false;
    }
    return ok && !g->oom;
}

/* ----------------------------------------------------------- IngressClass */

/* validation.IsDomainPrefixedPath, at the current path. */
static bool check_domain_prefixed_path(struct kgi_ctx *c,
                                       const struct kgi_node *n,
                                       struct kgi_str v)
{
    const char *slash = memchr(v.p, '/', v.n);
    if (!slash || slash == v.p || (size_t)(slash - v.p) + 1 == v.n) {
        invalid_at(c, NULL, n, v,
                   "must be a domain-prefixed path (such as \"acme.io/foo\")");
        return false;
    }
    bool ok = true;
    struct kgi_str host = {v.p, (size_t)(slash - v.p)};
    struct kgi_str path = {slash + 1, v.n - host.n - 1};
    const char *why = kgi_check_dns1123_subdomain(host.p, host.n);
    if (why) {
        invalid_at(c, NULL, n, host, why);
        ok = false;
    }
    /* httpPathFmt [A-Za-z0-9/\-._~%!$&'()*+,;=:]+ */
    for (size_t i = 0; i < path.n; i++) {
        unsigned char ch = (unsigned char)path.p[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || strchr("/-._~%!$&'()*+,;=:", ch)) ||
            ch == 0) {
            invalid_at(c, NULL, n, path,
                       "must be a valid path (regex "
                       "'[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')");
            return false;
        }
    }
    return ok;
}

bool kgi_ingress_class_read(struct kgi_ctx *c, const struct kgi_meta *m,
                            struct kgi_ingress_class *out)
{
    memset(out, 0, sizeof(*out));
    out->meta = m;
    bool ok = true;
    const struct kgi_kv *kv = kgi_kvs_get(&m->annotations, ANN_DEFAULT_CLASS);
    out->is_default = kv && kgi_str_eq(kv->value, "true");

    const struct kgi_node *obj = m->node;
    const struct kgi_node *spec =
        kgi_field(c, obj, "spec", KGI_NODE_MAP, false, &ok);
    if (!ok)
        return false;
    size_t mark = kgi_enter(c, "spec");
    struct kgi_str ctl = {NULL, 0};
    if (spec)
        kgi_field_str(c, spec, "controller", false, &ctl, &ok);
    const struct kgi_node *cn = spec ? at(spec, "controller") : obj;
    size_t cm = kgi_enter(c, "controller");
    if (ctl.n == 0) {
        if (ok) {
            kgi_error(c, KG_EREQUIRED, cn, "Required value");
            ok = false;
        }
    } else {
        if (ctl.n > CONTROLLER_MAX) {
            kgi_error(c, KG_ETOOLONG, cn,
                      "Too long: may not be more than %d bytes",
                      CONTROLLER_MAX);
            ok = false;
        }
        if (!check_domain_prefixed_path(c, cn, ctl))
            ok = false;
        else
            out->controller = ctl;
    }
    kgi_leave(c, cm);

    /* IngressClassParametersReference (validateIngressClassParameters-
     * Reference); scope defaults to Cluster as the API server's defaulting
     * does before validation */
    const struct kgi_node *pr =
        spec ? kgi_field(c, spec, "parameters", KGI_NODE_MAP, false, &ok)
             : NULL;
    if (pr) {
        size_t pm = kgi_enter(c, "parameters");
        struct kgi_ingress_backend tmp;
        memset(&tmp, 0, sizeof(tmp));
        if (!read_resource(c, pr, &tmp))
            ok = false;
        struct kgi_str scope = {NULL, 0}, ns = {NULL, 0};
        bool has_scope = kgi_field_str(c, pr, "scope", false, &scope, &ok);
        bool has_ns = kgi_field_str(c, pr, "namespace", false, &ns, &ok);
        if (!has_scope || kgi_str_eq(scope, "Cluster")) {
            if (has_ns) {
                size_t k = kgi_enter(c, "namespace");
                kgi_error(c, KG_EFORBIDDEN, at(pr, "namespace"),
                          "Forbidden: `parameters.scope` is set to "
                          "'Cluster'");
                kgi_leave(c, k);
                ok = false;
            }
        } else if (kgi_str_eq(scope, "Namespace")) {
            const char *why;
            if (!has_ns) {
                size_t k = kgi_enter(c, "namespace");
                kgi_error(c, KG_EREQUIRED, pr,
                          "Required value: `parameters.scope` is set to "
                          "'Namespace'");
                kgi_leave(c, k);
                ok = false;
            } else if ((why = kgi_check_dns1123_label(ns.p, ns.n))) {
                invalid_at(c, "namespace", at(pr, "namespace"), ns, why);
                ok = false;
            }
        } else {
            struct kgi_quoted q;
            size_t k = kgi_enter(c, "scope");
            kgi_error(c, KG_ENOTSUPPORTED, at(pr, "scope"),
                      "Unsupported value: \"%s\": supported values: "
                      "\"Cluster\", \"Namespace\"",
                      kgi_quote(&q, scope.p, scope.n));
            kgi_leave(c, k);
            ok = false;
        }
        kgi_leave(c, pm);
    }
    kgi_leave(c, mark);
    return ok;
}
