// SPDX-License-Identifier: MIT
/*
 * meta.c - metadata of every object (kind dispatch: kinds.c). See meta.h.
 */
#include "k8s/meta.h"

#include <stdlib.h>
#include <string.h>

#include "k8s/kinds.h"
#include "k8s/names.h"

static int kv_cmp(const void *a, const void *b)
{
    const struct kgi_kv *x = a, *y = b;
    size_t n = x->key.n < y->key.n ? x->key.n : y->key.n;
    int c = memcmp(x->key.p, y->key.p, n);
    if (c)
        return c;
    return x->key.n < y->key.n ? -1 : x->key.n > y->key.n;
}

const struct kgi_kv *kgi_kvs_get(const struct kgi_kvs *kv, const char *key)
{
    struct kgi_kv k = {{key, strlen(key)}, {NULL, 0}, NULL};
    if (!kv->n)
        return NULL;
    return bsearch(&k, kv->v, kv->n, sizeof(*kv->v), kv_cmp);
}

bool kgi_read_kvs(struct kgi_ctx *c, const struct kgi_node *map,
                  const char *key, bool label_values, struct kgi_kvs *out)
{
    bool ok = true;
    out->v = NULL;
    out->n = 0;
    const struct kgi_node *m = kgi_field(c, map, key, KGI_NODE_MAP, false, &ok);
    if (!m)
        return ok;
    out->v =
        kgi_arena_calloc(c->arena, m->count ? m->count : 1, sizeof(*out->v));
    if (!out->v) {
        kgi_error(c, KG_ENOMEM, m, "out of memory");
        return false;
    }
    size_t mark = kgi_enter(c, key);
    for (size_t i = 0; i < m->count; i++) {
        const struct kgi_node *k = m->u.pairs[i].key;
        const struct kgi_node *v = m->u.pairs[i].value;
        size_t km = kgi_path_key(&c->path, k->u.str, k->count);
        const char *why = kgi_check_qualified_name(k->u.str, k->count);
        if (kgi_scalar_is_plain_nonstring(k) || kgi_node_is_null(k)) {
            /* sigs.k8s.io/yaml turns a YAML 1.1 boolean or number key into
             * its Go formatting ("on" becomes "true", 0x10 "16"), a null
             * key into an error: quoted keys only */
            kgi_error(c, KG_ETYPE, k,
                      "Invalid value: \"%.*s\": a plain key YAML 1.1 reads "
                      "as a boolean, number or null is not this string "
                      "to the API server (quote it)",
                      (int)(k->count > 100 ? 100 : k->count), k->u.str);
            ok = false;
        } else if (why) {
            kgi_error(c, KG_EINVALID, k, "Invalid value: \"%.*s\": %s",
                      (int)(k->count > 100 ? 100 : k->count), k->u.str, why);
            ok = false;
        }
        if (v->kind != KGI_NODE_SCALAR || kgi_node_is_null(v) ||
            kgi_scalar_is_plain_nonstring(v)) {
            kgi_error(c, KG_ETYPE, v, "must be a string");
            ok = false;
        } else if (label_values &&
                   (why = kgi_check_label_value(v->u.str, v->count))) {
            kgi_error(c, KG_EINVALID, v, "Invalid value: \"%.*s\": %s",
                      (int)(v->count > 100 ? 100 : v->count), v->u.str, why);
            ok = false;
        }
        kgi_path_pop(&c->path, km);
        out->v[out->n].key = kgi_node_str(k);
        out->v[out->n].value = v->kind == KGI_NODE_SCALAR
                                   ? kgi_node_str(v)
                                   : (struct kgi_str){"", 0};
        out->v[out->n].node = v;
        out->n++;
    }
    kgi_leave(c, mark);
    qsort(out->v, out->n, sizeof(*out->v), kv_cmp);
    return ok;
}

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* days from 1970-01-01 to y-m-d (proleptic Gregorian) */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int m, int y)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
    return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

/* As metav1.Time reads JSON: Go's time.Parse(time.RFC3339, s), whose fast
 * path (time/format_rfc3339.go parseRFC3339) takes exactly
 * YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm) with an upper-case T and Z,
 * the day within its month (Feb 29 only in leap years), hour 0-23,
 * minute and second 0-59 (no leap second 60) and offsets below 24:00.
 * Go's slower general parser also takes a few odd spellings (one-digit
 * hours); kgress refuses those, which kubectl never prints. */
bool kgi_parse_time(const char *s, size_t n, int64_t *out)
{
    int y, mo, d, h, mi, se;
    if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':')
        return false;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
        !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
        !digits(s + 17, 2, &se))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(mo, y) || h > 23 ||
        mi > 59 || se > 59)
        return false;
    size_t i = 19;
    if (i < n && s[i] == '.') {
        i++;
        size_t start = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start)
            return false;
    }
    int64_t off = 0;
    if (i < n && s[i] == 'Z') {
        i++;
    } else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int oh, om;
        if (!digits(s + i + 1, 2, &oh) || !digits(s + i + 4, 2, &om) ||
            oh > 23 || om > 59)
            return false;
        off = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return false;
    }
    if (i != n)
        return false;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
    return true;
}

bool kgi_meta_read(struct kgi_ctx *c, const struct kgi_node *obj, int kind,
                   struct kgi_meta *m)
{
    bool ok = true;
    memset(m, 0, sizeof(*m));
    m->kind = kind;
    m->node = obj;
    m->file = c->file;
    const struct kgi_kind_row *row = kgi_kind_row_of(kind);
    bool namespaced = row && row->namespaced;
    kgi_field_str(c, obj, "kind", true, &m->kind_name, &ok);
    kgi_field_str(c, obj, "apiVersion", true, &m->api_version, &ok);
    const struct kgi_node *md =
        kgi_field(c, obj, "metadata", KGI_NODE_MAP, true, &ok);
    if (!md)
        return false;
    size_t mark = kgi_enter(c, "metadata");
    if (kgi_field_str(c, md, "name", true, &m->name, &ok) && !m->name.n) {
        /* "" is Go's zero value: to the API server the name is missing */
        size_t k = kgi_enter(c, "name");
        kgi_error(c, KG_EREQUIRED, kgi_node_get(md, "name"),
                  "Required value: name or generateName is required");
        kgi_leave(c, k);
        ok = false;
    } else if (m->name.n) {
        const char *why =
            kind == KGI_KIND_NAMESPACE
                ? kgi_check_dns1123_label(m->name.p, m->name.n)
                : kgi_check_dns1123_subdomain(m->name.p, m->name.n);
        if (why) {
            size_t k = kgi_enter(c, "name");
            kgi_error(c, KG_EINVALID, kgi_node_get(md, "name"),
                      "Invalid value: \"%.*s\": %s",
                      (int)(m->name.n > 100 ? 100 : m->name.n), m->name.p, why);
            kgi_leave(c, k);
            ok = false;
        }
    }
    if (namespaced) {
        /* an empty namespace is unset (Go's zero value): "default" */
        if (kgi_field_str(c, md, "namespace", false, &m->ns, &ok) && m->ns.n) {
            const char *why = kgi_check_dns1123_label(m->ns.p, m->ns.n);
            if (why) {
                size_t k = kgi_enter(c, "namespace");
                kgi_error(c, KG_EINVALID, kgi_node_get(md, "namespace"),
                          "Invalid value: \"%.*s\": %s",
                          (int)(m->ns.n > 100 ? 100 : m->ns.n), m->ns.p, why);
                kgi_leave(c, k);
                ok = false;
            }
        } else {
            m->ns.p = "default";
            m->ns.n = 7;
        }
    }
    static const char *const stamps[] = {"creationTimestamp",
                                         "deletionTimestamp"};
    for (int i = 0; i < 2; i++) {
        struct kgi_str ts;
        bool *has = i ? &m->has_deleted : &m->has_created;
        int64_t *at = i ? &m->deleted : &m->created;
        if (!kgi_field_str(c, md, stamps[i], false, &ts, &ok))
            continue;
        if (kgi_parse_time(ts.p, ts.n, at)) {
            *has = true;
        } else {
            size_t k = kgi_enter(c, stamps[i]);
            kgi_error(c, KG_EINVALID, kgi_node_get(md, stamps[i]),
                      "Invalid value: \"%.*s\": must be an RFC 3339 time "
                      "such as 2024-01-02T03:04:05Z",
                      (int)(ts.n > 100 ? 100 : ts.n), ts.p);
            kgi_leave(c, k);
            ok = false;
        }
    }
    if (!kgi_read_kvs(c, md, "labels", true, &m->labels))
        ok = false;
    if (!kgi_read_kvs(c, md, "annotations", false, &m->annotations))
        ok = false;
    /* ValidateAnnotations: keys and values together at most 256 KiB */
    uint64_t total = 0;
    for (size_t i = 0; i < m->annotations.n; i++)
        total += m->annotations.v[i].key.n + m->annotations.v[i].value.n;
    if (total > KGI_ANNOTATIONS_MAX) {
        size_t k = kgi_enter(c, "annotations");
        kgi_error(c, KG_ETOOLONG, kgi_node_get(md, "annotations"),
                  "Too long: may not be more than %d bytes (keys and values "
                  "together: %llu)",
                  KGI_ANNOTATIONS_MAX, (unsigned long long)total);
        kgi_leave(c, k);
        ok = false;
    }
    kgi_leave(c, mark);
    return ok;
}

int kgi_nsname_cmp(struct kgi_str ans, struct kgi_str an, struct kgi_str bns,
                   struct kgi_str bn)
{
    size_t al = ans.n + 1 + an.n, bl = bns.n + 1 + bn.n;
    for (size_t i = 0; i < al && i < bl; i++) {
        unsigned char x = (unsigned char)(i < ans.n    ? ans.p[i]
                                          : i == ans.n ? '/'
                                                       : an.p[i - ans.n - 1]);
        unsigned char y = (unsigned char)(i < bns.n    ? bns.p[i]
                                          : i == bns.n ? '/'
                                                       : bn.p[i - bns.n - 1]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return al < bl ? -1 : al > bl;
}

int kgi_meta_age_cmp(const struct kgi_meta *a, const struct kgi_meta *b)
{
    if (a->has_created != b->has_created)
        return a->has_created ? -1 : 1; /* no timestamp counts as newest */
    if (a->has_created && a->created != b->created)
        return a->created < b->created ? -1 : 1;
    return kgi_nsname_cmp(a->ns, a->name, b->ns, b->name);
}
