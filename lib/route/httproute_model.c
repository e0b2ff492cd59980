// SPDX-License-Identifier: MIT
/*
 * httproute_model.c - HTTPRoute and GRPCRoute: node tree -> typed model,
 * validated by the schema markers and CEL rules of kubernetes-sigs/
 * gateway-api apis/v1 httproute_types.go, grpcroute_types.go and
 * shared_types.go (messages as the API server prints them), with the CRD
 * defaults applied (gateway_model.h), plus two rules the removed webhook
 * enforced and kgress keeps (httproute-semantics rule 68): one action per
 * header name in a header modifier, and duplicate match names (the first
 * counts; case-insensitive for headers).
 *
 * Workload: control plane, once per object per compile; every problem is
 * reported and reading goes on.
 */
#include "route/gateway_model.h"

#include <stdio.h>
#include <string.h>

#include "route/gateway_fields.h"

#define GW_GROUP_STR ((struct kgi_str){KGI_GW_GROUP, sizeof(KGI_GW_GROUP) - 1})

struct rd {
    struct kgi_ctx *c;
    struct kgi_gw_route *r;
    bool grpc;
    bool ok;
};

static void *alloc(struct rd *d, const struct kgi_node *n, size_t count,
                   size_t size)
{
    void *p = kgi_arena_calloc(d->c->arena, count ? count : 1, size);
    if (!p) {
        kgi_gw_oom(d->c, n, &d->r->oom);
        d->ok = false;
    }
    return p;
}

static void err(struct rd *d, int code, const struct kgi_node *n,
                const char *key, const char *msg)
{
    size_t m = key ? kgi_enter(d->c, key) : 0;
    kgi_error(d->c, code, n, "%s", msg);
    if (key)
        kgi_leave(d->c, m);
    d->ok = false;
}

static bool is_map(struct rd *d, const struct kgi_node *n)
{
    if (n->kind == KGI_NODE_MAP)
        return true;
    kgi_error(d->c, KG_ETYPE, n, "must be an object (map)");
    d->ok = false;
    return false;
}

static bool ieq(struct kgi_str a, struct kgi_str b)
{
    if (a.n != b.n)
        return false;
    for (size_t i = 0; i < a.n; i++) {
        unsigned char x = (unsigned char)a.p[i], y = (unsigned char)b.p[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return false;
    }
    return true;
}

static bool same(struct kgi_str a, struct kgi_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

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

static bool hexdig(char x)
{
    return (x >= '0' && x <= '9') || (x >= 'a' && x <= 'f') ||
           (x >= 'A' && x <= 'F');
}

/* ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$ */
static bool path_chars_ok(struct kgi_str s)
{
    if (s.n == 0)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
            (ch >= '0' && ch <= '9') || memchr("-/._~!$&'()*+,;=:@", ch, 18))
            continue;
        if (ch == '%' && i + 2 < s.n && hexdig(s.p[i + 1]) &&
            hexdig(s.p[i + 2])) {
            i += 2;
            continue;
        }
        return false;
    }
    return true;
}

/* The CEL rules of HTTPPathMatch for Exact and PathPrefix values (also
 * used for the path modifiers' absolute paths). Reports at `value`. */
static void check_abs_path(struct rd *d, const struct kgi_node *pn,
                           const char *key, struct kgi_str v)
{
    static const char *const seqs[] = {"//", "/./", "/../", "%2f", "%2F", "#"};
    const struct kgi_node *vn = kgi_gw_at(pn, key);
    const char *tail = " when type one of ['Exact', 'PathPrefix']";
    char why[160];
    if (v.n == 0 || v.p[0] != '/') {
        snprintf(why, sizeof(why),
                 "value must be an absolute path and start with '/'%s", tail);
        kgi_gw_invalid(d->c, key, vn, v, why);
        d->ok = false;
    }
    for (size_t i = 0; i < sizeof(seqs) / sizeof(*seqs); i++)
        if (contains(v, seqs[i])) {
            snprintf(why, sizeof(why), "must not contain '%s'%s", seqs[i],
                     tail);
            kgi_gw_invalid(d->c, key, vn, v, why);
            d->ok = false;
        }
    if (ends_with(v, "/..") || ends_with(v, "/.")) {
        snprintf(why, sizeof(why), "must not end with '%s'%s",
                 ends_with(v, "/..") ? "/.." : "/.", tail);
        kgi_gw_invalid(d->c, key, vn, v, why);
        d->ok = false;
    }
    if (!path_chars_ok(v)) {
        snprintf(why, sizeof(why),
                 "must only contain valid characters (matching "
                 "^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%%][0-9a-fA-F]{2})+$)%s",
                 tail);
        kgi_gw_invalid(d->c, key, vn, v, why);
        d->ok = false;
    }
}

/* ------------------------------------------------------------- matches */

static int match_type(struct rd *d, const struct kgi_node *map, bool path,
                      int dflt)
{
    struct kgi_str t = {NULL, 0};
    if (!kgi_field_str(d->c, map, "type", false, &t, &d->ok))
        return dflt;
    if (kgi_str_eq(t, "Exact"))
        return KGI_GW_EXACT;
    if (kgi_str_eq(t, "RegularExpression"))
        return KGI_GW_REGEX;
    if (path && kgi_str_eq(t, "PathPrefix"))
        return KGI_GW_PREFIX;
    struct kgi_quoted q;
    char msg[200];
    snprintf(msg, sizeof(msg),
             "Unsupported value: \"%s\": supported values: %s",
             kgi_quote(&q, t.p, t.n),
             path ? "\"Exact\", \"PathPrefix\", \"RegularExpression\""
                  : "\"Exact\", \"RegularExpression\"");
    err(d, KG_ENOTSUPPORTED, kgi_gw_at(map, "type"), "type", msg);
    return dflt;
}

/* headers or queryParams of a match: at most 16, names unique as the API
 * says (the first entry of an equivalent name counts; exact duplicates
 * are the API server's listType=map error). */
static void read_kv_matches(struct rd *d, const struct kgi_node *mn,
                            const char *key, bool header, size_t vmax,
                            struct kgi_gw_kv_match **out, size_t *n)
{
    const struct kgi_node *l = kgi_gw_list(d->c, mn, key, 0, 16, &d->ok);
    if (!l)
        return;
    *out = alloc(d, l, l->count, sizeof(**out));
    if (!*out)
        return;
    size_t mk = kgi_enter(d->c, key);
    for (size_t i = 0; i < l->count; i++) {
        const struct kgi_node *e = l->u.items[i];
        size_t m = kgi_enter_index(d->c, i);
        if (!is_map(d, e)) {
            kgi_leave(d->c, m);
            continue;
        }
        struct kgi_gw_kv_match km = {0};
        km.node = e;
        km.type = match_type(d, e, false, KGI_GW_EXACT);
        bool eok = true;
        if (kgi_field_str(d->c, e, "name", true, &km.name, &eok) &&
            !kgi_gw_header_name_ok(km.name)) {
            kgi_gw_invalid(d->c, "name", kgi_gw_at(e, "name"), km.name,
                           "must match ^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$ (1 to "
                           "256 characters)");
            eok = false;
        }
        kgi_gw_str(d->c, e, "value", true, vmax, &km.value, &eok);
        bool dup = false;
        for (size_t j = 0; eok && j < *n; j++) {
            if (same((*out)[j].name, km.name)) {
                err(d, KG_EDUPLICATE, kgi_gw_at(e, "name"), "name",
                    "Duplicate value: name must be unique within the match");
                dup = true;
            } else if (header && ieq((*out)[j].name, km.name)) {
                /* "only the first entry with an equivalent name MUST be
                 * considered" */
                kgi_warning(d->c, KG_EDUPLICATE, kgi_gw_at(e, "name"),
                            "header name equivalent to an earlier entry: "
                            "only the first is considered");
                dup = true;
            }
        }
        if (!eok)
            d->ok = false;
        else if (!dup)
            (*out)[(*n)++] = km;
        kgi_leave(d->c, m);
    }
    kgi_leave(d->c, mk);
}

static void read_http_match(struct rd *d, const struct kgi_node *mn,
                            struct kgi_gw_match *m)
{
    m->node = mn;
    m->path_type = KGI_GW_PREFIX;
    m->path = (struct kgi_str){"/", 1};
    const struct kgi_node *pn =
        kgi_field(d->c, mn, "path", KGI_NODE_MAP, false, &d->ok);
    if (pn) {
        size_t mk = kgi_enter(d->c, "path");
        m->path_type = match_type(d, pn, true, KGI_GW_PREFIX);
        struct kgi_str v;
        if (kgi_gw_str(d->c, pn, "value", false, KGI_GW_PATH_MAX, &v, &d->ok))
            m->path = v;
        if (m->path_type != KGI_GW_REGEX)
            check_abs_path(d, pn, "value", m->path);
        kgi_leave(d->c, mk);
    }
    read_kv_matches(d, mn, "headers", true, KGI_GW_HEADER_VALUE_MAX,
                    &m->headers, &m->n_headers);
    read_kv_matches(d, mn, "queryParams", false, KGI_GW_QUERY_VALUE_MAX,
                    &m->query, &m->n_query);
    struct kgi_str meth = {NULL, 0};
    if (kgi_field_str(d->c, mn, "method", false, &meth, &d->ok)) {
        m->method = kgi_gw_method_parse(meth.p, meth.n);
        if (!m->method) {
            struct kgi_quoted q;
            char msg[220];
            snprintf(msg, sizeof(msg),
                     "Unsupported value: \"%s\": supported values: \"GET\", "
                     "\"HEAD\", \"POST\", \"PUT\", \"DELETE\", \"CONNECT\", "
                     "\"OPTIONS\", \"TRACE\", \"PATCH\"",
                     kgi_quote(&q, meth.p, meth.n));
            err(d, KG_ENOTSUPPORTED, kgi_gw_at(mn, "method"), "method", msg);
        }
    }
}

static bool grpc_service_ok(struct kgi_str s)
{
    /* ^(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$ */
    size_t i = 0;
    if (i < s.n && s.p[i] == '.')
        i++;
    bool start = true;
    if (i == s.n)
        return false;
    for (; i < s.n; i++) {
        char ch = s.p[i];
        bool alpha =
            (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
        bool digit = ch >= '0' && ch <= '9';
        if (ch == '.') {
            if (start)
                return false;
            start = true;
        } else if (start ? !alpha : !(alpha || digit)) {
            return false;
        } else {
            start = false;
        }
    }
    return !start;
}

static bool grpc_method_ok(struct kgi_str s)
{
    if (s.n == 0)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        char ch = s.p[i];
        bool alpha =
            (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
        if (!(alpha || (i > 0 && ch >= '0' && ch <= '9')))
            return false;
    }
    return true;
}

static void read_grpc_match(struct rd *d, const struct kgi_node *mn,
                            struct kgi_gw_match *m)
{
    m->node = mn;
    const struct kgi_node *me =
        kgi_field(d->c, mn, "method", KGI_NODE_MAP, false, &d->ok);
    if (me) {
        size_t mk = kgi_enter(d->c, "method");
        m->grpc_type = match_type(d, me, false, KGI_GW_EXACT);
        kgi_gw_str(d->c, me, "service", false, KGI_GW_PATH_MAX, &m->service,
                   &d->ok);
        kgi_gw_str(d->c, me, "method", false, KGI_GW_PATH_MAX, &m->grpc_method,
                   &d->ok);
        if (!m->service.p && !m->grpc_method.p)
            err(d, KG_EREQUIRED, me, NULL,
                "Required value: One or both of 'service' or 'method' must "
                "be specified");
        if (m->grpc_type == KGI_GW_EXACT && m->service.p &&
            !grpc_service_ok(m->service)) {
            kgi_gw_invalid(d->c, "service", kgi_gw_at(me, "service"),
                           m->service,
                           "service must only contain valid characters "
                           "(matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_]"
                           "[a-z_0-9]*)*$)");
            d->ok = false;
        }
        if (m->grpc_type == KGI_GW_EXACT && m->grpc_method.p &&
            !grpc_method_ok(m->grpc_method)) {
            kgi_gw_invalid(d->c, "method", kgi_gw_at(me, "method"),
                           m->grpc_method,
                           "method must only contain valid characters "
                           "(matching ^[A-Za-z_][A-Za-z_0-9]*$)");
            d->ok = false;
        }
        kgi_leave(d->c, mk);
    }
    read_kv_matches(d, mn, "headers", true, KGI_GW_HEADER_VALUE_MAX,
                    &m->headers, &m->n_headers);
}

/* ------------------------------------------------------------- filters */

static void read_header_ops(struct rd *d, const struct kgi_node *hm,
                            const char *key, bool names_only,
                            struct kgi_gw_header_op **out, size_t *n)
{
    const struct kgi_node *l = kgi_gw_list(d->c, hm, key, 0, 16, &d->ok);
    if (!l)
        return;
    *out = alloc(d, l, l->count, sizeof(**out));
    if (!*out)
        return;
    size_t mk = kgi_enter(d->c, key);
    for (size_t i = 0; i < l->count; i++) {
        const struct kgi_node *e = l->u.items[i];
        size_t m = kgi_enter_index(d->c, i);
        struct kgi_gw_header_op op = {{NULL, 0}, {NULL, 0}};
        bool eok = true;
        if (names_only) {
            if (e->kind != KGI_NODE_SCALAR ||
                kgi_scalar_is_plain_nonstring(e)) {
                kgi_error(d->c, KG_ETYPE, e, "must be a string");
                eok = false;
            } else {
                op.name = kgi_node_str(e);
                if (!kgi_gw_header_name_ok(op.name)) {
                    kgi_gw_invalid(
                        d->c, NULL, e, op.name,
                        "must match ^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$");
                    eok = false;
                }
            }
        } else if (!is_map(d, e)) {
            eok = false;
        } else {
            if (kgi_field_str(d->c, e, "name", true, &op.name, &eok) &&
                !kgi_gw_header_name_ok(op.name)) {
                kgi_gw_invalid(d->c, "name", kgi_gw_at(e, "name"), op.name,
                               "must match ^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$");
                eok = false;
            }
            kgi_gw_str(d->c, e, "value", true, KGI_GW_HEADER_VALUE_MAX,
                       &op.value, &eok);
        }
        if (eok)
            (*out)[(*n)++] = op;
        else
            d->ok = false;
        kgi_leave(d->c, m);
    }
    kgi_leave(d->c, mk);
}

static void read_header_mod(struct rd *d, const struct kgi_node *hm,
                            struct kgi_gw_header_mod *h)
{
    read_header_ops(d, hm, "set", false, &h->set, &h->n_set);
    read_header_ops(d, hm, "add", false, &h->add, &h->n_add);
    read_header_ops(d, hm, "remove", true, &h->remove, &h->n_remove);
    /* one action per header name (case-insensitive), across the three
     * lists: the webhook rule kgress keeps (decision header-action-conflict) */
    const struct kgi_gw_header_op *all[3] = {h->set, h->add, h->remove};
    size_t cnt[3] = {h->n_set, h->n_add, h->n_remove};
    static const char *const keys[3] = {"set", "add", "remove"};
    for (int a = 0; a < 3; a++)
        for (size_t i = 0; i < cnt[a]; i++) {
            bool dup = false;
            for (int b = 0; b <= a && !dup; b++)
                for (size_t j = 0; j < (b == a ? i : cnt[b]) && !dup; j++)
                    dup = ieq(all[a][i].name, all[b][j].name);
            if (dup) {
                const struct kgi_node *l = kgi_node_get(hm, keys[a]);
                size_t m = kgi_enter(d->c, keys[a]);
                kgi_enter_index(d->c, i);
                struct kgi_quoted q;
                kgi_error(d->c, KG_EINVALID, l,
                          "Invalid value: \"%s\": a header may appear only "
                          "once across set, add and remove "
                          "(case-insensitive)",
                          kgi_quote(&q, all[a][i].name.p, all[a][i].name.n));
                kgi_leave(d->c, m);
                d->ok = false;
            }
        }
}

static void read_path_mod(struct rd *d, const struct kgi_node *fn,
                          struct kgi_gw_filter *f)
{
    const struct kgi_node *pm =
        kgi_field(d->c, fn, "path", KGI_NODE_MAP, false, &d->ok);
    if (!pm)
        return;
    size_t mk = kgi_enter(d->c, "path");
    struct kgi_str t = {NULL, 0}, full = {NULL, 0}, pre = {NULL, 0};
    kgi_field_str(d->c, pm, "type", true, &t, &d->ok);
    bool has_full = kgi_gw_str(d->c, pm, "replaceFullPath", false,
                               KGI_GW_PATH_MAX, &full, &d->ok);
    bool has_pre = kgi_gw_str(d->c, pm, "replacePrefixMatch", false,
                              KGI_GW_PATH_MAX, &pre, &d->ok);
    if (t.p) {
        if (kgi_str_eq(t, "ReplaceFullPath")) {
            f->path_mod = KGI_GW_PM_FULL;
            f->path_value = full;
            if (!has_full)
                err(d, KG_EINVALID, pm, NULL,
                    "Invalid value: replaceFullPath must be specified when "
                    "type is set to 'ReplaceFullPath'");
            if (has_pre)
                err(d, KG_EINVALID, pm, NULL,
                    "Invalid value: type must be 'ReplacePrefixMatch' when "
                    "replacePrefixMatch is set");
        } else if (kgi_str_eq(t, "ReplacePrefixMatch")) {
            f->path_mod = KGI_GW_PM_PREFIX;
            f->path_value = pre;
            if (!has_pre)
                err(d, KG_EINVALID, pm, NULL,
                    "Invalid value: replacePrefixMatch must be specified "
                    "when type is set to 'ReplacePrefixMatch'");
            if (has_full)
                err(d, KG_EINVALID, pm, NULL,
                    "Invalid value: type must be 'ReplaceFullPath' when "
                    "replaceFullPath is set");
        } else {
            struct kgi_quoted q;
            char msg[200];
            snprintf(msg, sizeof(msg),
                     "Unsupported value: \"%s\": supported values: "
                     "\"ReplaceFullPath\", \"ReplacePrefixMatch\"",
                     kgi_quote(&q, t.p, t.n));
            err(d, KG_ENOTSUPPORTED, kgi_gw_at(pm, "type"), "type", msg);
        }
    }
    kgi_leave(d->c, mk);
}

static void read_precise_host(struct rd *d, const struct kgi_node *fn,
                              struct kgi_str *out)
{
    if (!kgi_field_str(d->c, fn, "hostname", false, out, &d->ok))
        return;
    const char *why = kgi_gw_check_hostname(*out, true);
    if (why) {
        kgi_gw_invalid(d->c, "hostname", kgi_gw_at(fn, "hostname"), *out, why);
        d->ok = false;
    }
}

static void read_backend(struct rd *d, const struct kgi_node *bn,
                         struct kgi_gw_backend *b, bool with_filters);

static void read_mirror(struct rd *d, const struct kgi_node *mn,
                        struct kgi_gw_filter *f)
{
    f->mirror_num = 100;
    f->mirror_den = 100;
    const struct kgi_node *bn =
        kgi_field(d->c, mn, "backendRef", KGI_NODE_MAP, true, &d->ok);
    if (bn) {
        f->mirror = alloc(d, bn, 1, sizeof(*f->mirror));
        if (!f->mirror)
            return;
        size_t m = kgi_enter(d->c, "backendRef");
        read_backend(d, bn, f->mirror, false);
        kgi_leave(d->c, m);
    }
    int64_t pct = 0;
    bool has_pct =
        kgi_field_int(d->c, mn, "percent", false, 0, 100, &pct, &d->ok);
    const struct kgi_node *fr =
        kgi_field(d->c, mn, "fraction", KGI_NODE_MAP, false, &d->ok);
    if (has_pct && fr)
        err(d, KG_EINVALID, mn, NULL,
            "Invalid value: Only one of percent or fraction may be specified "
            "in HTTPRequestMirrorFilter");
    if (has_pct) {
        f->mirror_num = pct;
        f->mirror_den = 100;
    } else if (fr) {
        size_t m = kgi_enter(d->c, "fraction");
        int64_t num = 0, den = 100;
        kgi_field_int(d->c, fr, "numerator", true, 0, INT32_MAX, &num, &d->ok);
        kgi_field_int(d->c, fr, "denominator", false, 1, INT32_MAX, &den,
                      &d->ok);
        if (num > den)
            err(d, KG_EINVALID, fr, NULL,
                "Invalid value: numerator must be less than or equal to "
                "denominator");
        f->mirror_num = num;
        f->mirror_den = den;
        kgi_leave(d->c, m);
    }
}

struct ftype {
    const char *name, *field;
    int type;
    bool http, grpc;
};

static const struct ftype ftypes[] = {
    {"RequestHeaderModifier", "requestHeaderModifier", KGI_GW_F_REQUEST_HEADER,
     true, true},
    {"ResponseHeaderModifier", "responseHeaderModifier",
     KGI_GW_F_RESPONSE_HEADER, true, true},
    {"RequestMirror", "requestMirror", KGI_GW_F_MIRROR, true, true},
    {"RequestRedirect", "requestRedirect", KGI_GW_F_REDIRECT, true, false},
    {"URLRewrite", "urlRewrite", KGI_GW_F_REWRITE, true, false},
    {"ExtensionRef", "extensionRef", KGI_GW_F_EXTENSION, true, true},
    {"CORS", "cors", KGI_GW_F_CORS, true, false},
};
#define N_FTYPES (sizeof(ftypes) / sizeof(*ftypes))

static void read_filter(struct rd *d, const struct kgi_node *fn,
                        struct kgi_gw_filter *f)
{
    f->node = fn;
    struct kgi_str t = {NULL, 0};
    if (!kgi_field_str(d->c, fn, "type", true, &t, &d->ok))
        return;
    const struct ftype *ft = NULL;
    for (size_t i = 0; i < N_FTYPES; i++)
        if (kgi_str_eq(t, ftypes[i].name) &&
            (d->grpc ? ftypes[i].grpc : ftypes[i].http))
            ft = &ftypes[i];
    if (!ft) {
        struct kgi_quoted q;
        char msg[300];
        snprintf(msg, sizeof(msg),
                 "Unsupported value: \"%s\": supported values: %s",
                 kgi_quote(&q, t.p, t.n),
                 d->grpc ? "\"ResponseHeaderModifier\", "
                           "\"RequestHeaderModifier\", \"RequestMirror\", "
                           "\"ExtensionRef\""
                         : "\"RequestHeaderModifier\", "
                           "\"ResponseHeaderModifier\", \"RequestMirror\", "
                           "\"RequestRedirect\", \"URLRewrite\", "
                           "\"ExtensionRef\", \"CORS\"");
        err(d, KG_ENOTSUPPORTED, kgi_gw_at(fn, "type"), "type", msg);
        return;
    }
    f->type = ft->type;
    /* filter.X must be nil if the filter.type is not X / must be specified
     * for X filter.type */
    for (size_t i = 0; i < N_FTYPES; i++) {
        const struct kgi_node *v = kgi_node_get(fn, ftypes[i].field);
        bool set = v && !kgi_node_is_null(v);
        char msg[160];
        if (set && &ftypes[i] != ft) {
            snprintf(msg, sizeof(msg),
                     "Invalid value: filter.%s must be nil if the "
                     "filter.type is not %s",
                     ftypes[i].field, ftypes[i].name);
            err(d, KG_EINVALID, fn, NULL, msg);
        } else if (!set && &ftypes[i] == ft) {
            snprintf(msg, sizeof(msg),
                     "Invalid value: filter.%s must be specified for %s "
                     "filter.type",
                     ftypes[i].field, ftypes[i].name);
            err(d, KG_EINVALID, fn, NULL, msg);
        }
    }
    const struct kgi_node *v =
        kgi_field(d->c, fn, ft->field, KGI_NODE_MAP, false, &d->ok);
    if (!v)
        return;
    size_t mk = kgi_enter(d->c, ft->field);
    switch (f->type) {
    case KGI_GW_F_REQUEST_HEADER:
    case KGI_GW_F_RESPONSE_HEADER:
        read_header_mod(d, v, &f->hdr);
        break;
    case KGI_GW_F_MIRROR:
        read_mirror(d, v, f);
        break;
    case KGI_GW_F_REDIRECT: {
        f->status = 302;
        if (kgi_field_str(d->c, v, "scheme", false, &f->scheme, &d->ok) &&
            !kgi_str_eq(f->scheme, "http") && !kgi_str_eq(f->scheme, "https")) {
            struct kgi_quoted q;
            char msg[160];
            snprintf(msg, sizeof(msg),
                     "Unsupported value: \"%s\": supported values: \"http\", "
                     "\"https\"",
                     kgi_quote(&q, f->scheme.p, f->scheme.n));
            err(d, KG_ENOTSUPPORTED, kgi_gw_at(v, "scheme"), "scheme", msg);
        }
        read_precise_host(d, v, &f->hostname);
        read_path_mod(d, v, f);
        kgi_field_int(d->c, v, "port", false, 1, 65535, &f->port, &d->ok);
        int64_t sc = 302;
        if (kgi_field_int(d->c, v, "statusCode", false, INT32_MIN, INT32_MAX,
                          &sc, &d->ok)) {
            if (sc != 301 && sc != 302 && sc != 303 && sc != 307 && sc != 308) {
                char msg[160];
                snprintf(msg, sizeof(msg),
                         "Unsupported value: %lld: supported values: 301, "
                         "302, 303, 307, 308",
                         (long long)sc);
                err(d, KG_ENOTSUPPORTED, kgi_gw_at(v, "statusCode"),
                    "statusCode", msg);
            } else {
                f->status = sc;
            }
        }
        break;
    }
    case KGI_GW_F_REWRITE:
        read_precise_host(d, v, &f->hostname);
        read_path_mod(d, v, f);
        break;
    case KGI_GW_F_EXTENSION: {
        struct kgi_str g, k, n;
        kgi_gw_group_ok(d->c, v, "group", &g, &d->ok);
        if (!kgi_node_get(v, "group"))
            err(d, KG_EREQUIRED, v, "group", "Required value");
        kgi_gw_kind_ok(d->c, v, "kind", true, &k, &d->ok);
        kgi_gw_name_ok(d->c, v, "name", true, &n, &d->ok);
        break;
    }
    default: /* CORS: the proxy's business; nothing for routing */
        break;
    }
    kgi_leave(d->c, mk);
}

/* A filter list (rule or backendRef level) with its CEL rules. */
static void read_filters(struct rd *d, const struct kgi_node *map,
                         struct kgi_gw_filter **out, size_t *n)
{
    const struct kgi_node *l = kgi_gw_list(d->c, map, "filters", 0, 16, &d->ok);
    if (!l)
        return;
    *out = alloc(d, l, l->count, sizeof(**out));
    if (!*out)
        return;
    size_t mk = kgi_enter(d->c, "filters");
    size_t count[8] = {0};
    for (size_t i = 0; i < l->count; i++) {
        const struct kgi_node *e = l->u.items[i];
        size_t m = kgi_enter_index(d->c, i);
        if (is_map(d, e)) {
            struct kgi_gw_filter *f = &(*out)[*n];
            f->index = i;
            read_filter(d, e, f);
            if (f->type) {
                count[f->type]++;
                (*n)++;
            }
        }
        kgi_leave(d->c, m);
        if (d->r->oom)
            break;
    }
    if (count[KGI_GW_F_REDIRECT] && count[KGI_GW_F_REWRITE])
        err(d, KG_EINVALID, l, NULL,
            "Invalid value: May specify either httpRouteFilterRequestRedirect "
            "or httpRouteFilterRequestRewrite, but not both");
    static const struct {
        int type;
        const char *name;
    } once[] = {{KGI_GW_F_CORS, "CORS"},
                {KGI_GW_F_REQUEST_HEADER, "RequestHeaderModifier"},
                {KGI_GW_F_RESPONSE_HEADER, "ResponseHeaderModifier"},
                {KGI_GW_F_REDIRECT, "RequestRedirect"},
                {KGI_GW_F_REWRITE, "URLRewrite"}};
    for (size_t i = 0; i < sizeof(once) / sizeof(*once); i++)
        if (count[once[i].type] > 1) {
            char msg[120];
            snprintf(msg, sizeof(msg),
                     "Invalid value: %s filter cannot be repeated",
                     once[i].name);
            err(d, KG_EINVALID, l, NULL, msg);
        }
    kgi_leave(d->c, mk);
}

/* ------------------------------------------------------------ backends */

static void read_backend(struct rd *d, const struct kgi_node *bn,
                         struct kgi_gw_backend *b, bool with_filters)
{
    b->node = bn;
    b->weight = 1;
    if (!kgi_gw_group_ok(d->c, bn, "group", &b->group, &d->ok) && !b->group.p)
        b->group = (struct kgi_str){"", 0};
    if (!kgi_gw_kind_ok(d->c, bn, "kind", false, &b->kind, &d->ok) &&
        !b->kind.p)
        b->kind = (struct kgi_str){"Service", 7};
    kgi_gw_name_ok(d->c, bn, "name", true, &b->name, &d->ok);
    if (!kgi_gw_ns_ok(d->c, bn, "namespace", &b->ns, &d->ok) || !b->ns.p)
        b->ns = d->r->meta->ns;
    kgi_field_int(d->c, bn, "port", false, 1, 65535, &b->port, &d->ok);
    if (b->group.n == 0 && kgi_str_eq(b->kind, "Service") && !b->port &&
        !kgi_node_get(bn, "port"))
        err(d, KG_EREQUIRED, bn, NULL,
            "Required value: Must have port for Service reference");
    if (with_filters) {
        kgi_field_int(d->c, bn, "weight", false, 0, 1000000, &b->weight,
                      &d->ok);
        read_filters(d, bn, &b->filters, &b->n_filters);
    }
}

/* --------------------------------------------------------------- rules */

static bool prefix_rewrite(const struct kgi_gw_filter *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((f[i].type == KGI_GW_F_REDIRECT || f[i].type == KGI_GW_F_REWRITE) &&
            f[i].path_mod == KGI_GW_PM_PREFIX)
            return true;
    return false;
}

static void read_rule(struct rd *d, const struct kgi_node *rn,
                      struct kgi_gw_rule *r, size_t *total)
{
    r->node = rn;
    kgi_gw_section_ok(d->c, rn, "name", false, &r->name, &d->ok);
    const struct kgi_node *ml = kgi_gw_list(d->c, rn, "matches", 0, 64, &d->ok);
    size_t nm = ml ? ml->count : 0;
    *total += nm;
    r->matches = alloc(d, rn, nm ? nm : 1, sizeof(*r->matches));
    if (!r->matches)
        return;
    if (!ml) {
        /* default: one match PathPrefix "/" (GRPCRoute: every call) */
        r->matches[0].path_type = KGI_GW_PREFIX;
        r->matches[0].path = (struct kgi_str){"/", 1};
        r->matches[0].node = rn;
        r->n_matches = 1;
    } else {
        size_t mk = kgi_enter(d->c, "matches");
        for (size_t i = 0; i < nm; i++) {
            const struct kgi_node *mn = ml->u.items[i];
            size_t m = kgi_enter_index(d->c, i);
            if (is_map(d, mn)) {
                struct kgi_gw_match *mt = &r->matches[r->n_matches++];
                mt->index = i;
                if (d->grpc)
                    read_grpc_match(d, mn, mt);
                else
                    read_http_match(d, mn, mt);
            }
            kgi_leave(d->c, m);
            if (d->r->oom)
                break;
        }
        kgi_leave(d->c, mk);
        if (nm == 0) {
            /* "matches: []" is defaulted like an absent list */
            r->matches[0].path_type = KGI_GW_PREFIX;
            r->matches[0].path = (struct kgi_str){"/", 1};
            r->matches[0].node = rn;
            r->n_matches = 1;
        }
    }
    read_filters(d, rn, &r->filters, &r->n_filters);
    const struct kgi_node *bl =
        kgi_gw_list(d->c, rn, "backendRefs", 0, 16, &d->ok);
    if (bl && bl->count) {
        r->backends = alloc(d, bl, bl->count, sizeof(*r->backends));
        if (!r->backends)
            return;
        size_t mk = kgi_enter(d->c, "backendRefs");
        for (size_t i = 0; i < bl->count; i++) {
            const struct kgi_node *bn = bl->u.items[i];
            size_t m = kgi_enter_index(d->c, i);
            if (is_map(d, bn)) {
                struct kgi_gw_backend *b = &r->backends[r->n_backends++];
                b->index = i;
                read_backend(d, bn, b, true);
            }
            kgi_leave(d->c, m);
            if (d->r->oom)
                break;
        }
        kgi_leave(d->c, mk);
    }
    if (d->grpc)
        return;
    /* the CEL rules of HTTPRouteRule */
    for (size_t i = 0; i < r->n_filters; i++)
        if (r->filters[i].type == KGI_GW_F_REDIRECT && r->n_backends)
            err(d, KG_EINVALID, rn, NULL,
                "Invalid value: RequestRedirect filter must not be used "
                "together with backendRefs");
    bool one_prefix = ml && r->n_matches == 1 &&
                      kgi_node_get(r->matches[0].node, "path") &&
                      r->matches[0].path_type == KGI_GW_PREFIX;
    bool needs = prefix_rewrite(r->filters, r->n_filters);
    for (size_t i = 0; i < r->n_backends; i++)
        needs = needs || prefix_rewrite(r->backends[i].filters,
                                        r->backends[i].n_filters);
    if (needs && !one_prefix)
        err(d, KG_EINVALID, rn, NULL,
            "Invalid value: When using RequestRedirect or URLRewrite filter "
            "with path.replacePrefixMatch, exactly one PathPrefix match must "
            "be specified");
}

/* -------------------------------------------------------------- routes */

static void read_parents(struct rd *d, const struct kgi_node *spec)
{
    const struct kgi_node *l =
        kgi_gw_list(d->c, spec, "parentRefs", 0, 32, &d->ok);
    if (!l || !l->count)
        return;
    d->r->parents = alloc(d, l, l->count, sizeof(*d->r->parents));
    if (!d->r->parents)
        return;
    size_t mk = kgi_enter(d->c, "parentRefs");
    for (size_t i = 0; i < l->count; i++) {
        const struct kgi_node *e = l->u.items[i];
        size_t m = kgi_enter_index(d->c, i);
        if (is_map(d, e)) {
            struct kgi_gw_parent_ref *p = &d->r->parents[d->r->n_parents++];
            p->index = i;
            p->node = e;
            if (!kgi_gw_group_ok(d->c, e, "group", &p->group, &d->ok) &&
                !p->group.p)
                p->group = GW_GROUP_STR;
            if (!kgi_gw_kind_ok(d->c, e, "kind", false, &p->kind, &d->ok) &&
                !p->kind.p)
                p->kind = (struct kgi_str){"Gateway", 7};
            if (!kgi_gw_ns_ok(d->c, e, "namespace", &p->ns, &d->ok) || !p->ns.p)
                p->ns = d->r->meta->ns;
            kgi_gw_name_ok(d->c, e, "name", true, &p->name, &d->ok);
            kgi_gw_section_ok(d->c, e, "sectionName", false, &p->section,
                              &d->ok);
            kgi_field_int(d->c, e, "port", false, 1, 65535, &p->port, &d->ok);
        }
        kgi_leave(d->c, m);
    }
    /* CEL on parentRefs (experimental channel, a superset of standard):
     * several references to one parent need sectionName or port, and
     * distinct ones */
    for (size_t i = 0; i < d->r->n_parents; i++) {
        const struct kgi_gw_parent_ref *a = &d->r->parents[i];
        for (size_t j = 0; j < i; j++) {
            const struct kgi_gw_parent_ref *b = &d->r->parents[j];
            if (!same(a->group, b->group) || !same(a->kind, b->kind) ||
                !same(a->ns, b->ns) || !same(a->name, b->name))
                continue;
            size_t m = kgi_enter_index(d->c, i);
            if ((!a->section.p && !a->port) || (!b->section.p && !b->port))
                err(d, KG_EINVALID, a->node, NULL,
                    "Invalid value: sectionName or port must be specified "
                    "when parentRefs includes 2 or more references to the "
                    "same parent");
            else if (same(a->section, b->section) && a->port == b->port &&
                     (a->section.p != NULL) == (b->section.p != NULL))
                err(d, KG_EDUPLICATE, a->node, NULL,
                    "Duplicate value: sectionName or port must be unique "
                    "when parentRefs includes 2 or more references to the "
                    "same parent");
            kgi_leave(d->c, m);
            break;
        }
    }
    kgi_leave(d->c, mk);
}

static void read_hostnames(struct rd *d, const struct kgi_node *spec)
{
    const struct kgi_node *l =
        kgi_gw_list(d->c, spec, "hostnames", 0, 16, &d->ok);
    if (!l || !l->count)
        return;
    d->r->hostnames = alloc(d, l, l->count, sizeof(*d->r->hostnames));
    if (!d->r->hostnames)
        return;
    size_t mk = kgi_enter(d->c, "hostnames");
    for (size_t i = 0; i < l->count; i++) {
        const struct kgi_node *e = l->u.items[i];
        size_t m = kgi_enter_index(d->c, i);
        if (e->kind != KGI_NODE_SCALAR || kgi_scalar_is_plain_nonstring(e)) {
            kgi_error(d->c, KG_ETYPE, e, "must be a string");
            d->ok = false;
        } else {
            struct kgi_str h = kgi_node_str(e);
            const char *why = kgi_gw_check_hostname(h, false);
            if (why) {
                kgi_gw_invalid(d->c, NULL, e, h, why);
                d->ok = false;
            } else {
                d->r->hostnames[d->r->n_hostnames++] = h;
            }
        }
        kgi_leave(d->c, m);
    }
    kgi_leave(d->c, mk);
}

bool kgi_gw_route_read(struct kgi_ctx *c, const struct kgi_meta *m,
                       struct kgi_gw_route *out)
{
    memset(out, 0, sizeof(*out));
    out->meta = m;
    out->kind =
        m->kind == KGI_KIND_GRPCROUTE ? KGI_GW_GRPCROUTE : KGI_GW_HTTPROUTE;
    struct rd d = {c, out, out->kind == KGI_GW_GRPCROUTE, true};
    const struct kgi_node *spec =
        kgi_field(c, m->node, "spec", KGI_NODE_MAP, false, &d.ok);
    size_t mk = kgi_enter(c, "spec");
    if (spec) {
        read_parents(&d, spec);
        read_hostnames(&d, spec);
    }
    const struct kgi_node *rl =
        spec ? kgi_gw_list(c, spec, "rules",
                           d.grpc || !kgi_node_get(spec, "rules") ? 0 : 1, 16,
                           &d.ok)
             : NULL;
    if (rl && !rl->count && !d.grpc)
        rl = NULL; /* reported by kgi_gw_list */
    size_t nr = rl ? rl->count : 0;
    out->rules = alloc(&d, m->node, nr ? nr : 1, sizeof(*out->rules));
    if (!out->rules) {
        kgi_leave(c, mk);
        return false;
    }
    size_t total = 0;
    if (!rl || !nr) {
        /* default: one rule whose one match is PathPrefix "/" */
        struct kgi_gw_rule *r = &out->rules[0];
        r->matches = alloc(&d, m->node, 1, sizeof(*r->matches));
        if (!r->matches) {
            kgi_leave(c, mk);
            return false;
        }
        r->matches[0].path_type = KGI_GW_PREFIX;
        r->matches[0].path = (struct kgi_str){"/", 1};
        r->matches[0].node = m->node;
        r->n_matches = 1;
        out->n_rules = 1;
    } else {
        size_t m2 = kgi_enter(c, "rules");
        for (size_t i = 0; i < nr; i++) {
            const struct kgi_node *rn = rl->u.items[i];
            size_t m3 = kgi_enter_index(c, i);
            if (is_map(&d, rn)) {
                struct kgi_gw_rule *r = &out->rules[out->n_rules++];
                r->index = i;
                read_rule(&d, rn, r, &total);
            }
            kgi_leave(c, m3);
            if (out->oom)
                break;
        }
        /* Rule names unique within the route (experimental CEL) */
        for (size_t i = 0; i < out->n_rules; i++)
            for (size_t j = 0; j < i && out->rules[i].name.p; j++)
                if (out->rules[j].name.p &&
                    same(out->rules[i].name, out->rules[j].name)) {
                    size_t m3 = kgi_enter_index(c, out->rules[i].index);
                    err(&d, KG_EDUPLICATE,
                        kgi_gw_at(out->rules[i].node, "name"), "name",
                        "Duplicate value: Rule name must be unique within "
                        "the route");
                    kgi_leave(c, m3);
                    break;
                }
        if (total > 128) {
            char msg[200];
            snprintf(msg, sizeof(msg),
                     "Invalid value: %zu: While 16 rules and 64 matches per "
                     "rule are allowed, the total number of matches across "
                     "all rules in a route must be less than 128",
                     total);
            err(&d, KG_EINVALID, rl, NULL, msg);
        }
        kgi_leave(c, m2);
    }
    kgi_leave(c, mk);
    return d.ok && !out->oom;
}
