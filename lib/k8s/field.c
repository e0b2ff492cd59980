// SPDX-License-Identifier: MIT
/*
 * field.c - typed field reads with diagnostics. See field.h.
 */
#include "k8s/field.h"

#include "yaml/resolve.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void kgi_ctx_init(struct kgi_ctx *c, struct kg_diagnostics *d,
                  struct kgi_arena *a, const struct kg_options *o,
                  const char *file)
{
    c->diags = d;
    c->arena = a;
    c->opts = o;
    c->file = file;
    c->errors = 0;
    kgi_path_init(&c->path);
}

static void report(struct kgi_ctx *c, int sev, int code,
                   const struct kgi_node *n, const char *fmt, va_list ap)
{
    char msg[512] = "";
    if (!kgi_diag_full(c->diags)) /* past the cap it is only counted */
        vsnprintf(msg, sizeof(msg), fmt, ap);
    if (sev == KG_SEVERITY_ERROR)
        c->errors++;
    kgi_diag_add(c->diags, sev, code, c->file, c->path.buf, n ? n->line : 0,
                 n ? n->column : 0, "%s", msg);
}

void kgi_error(struct kgi_ctx *c, int code, const struct kgi_node *n,
               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(c, KG_SEVERITY_ERROR, code, n, fmt, ap);
    va_end(ap);
}

void kgi_warning(struct kgi_ctx *c, int code, const struct kgi_node *n,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(c, KG_SEVERITY_WARNING, code, n, fmt, ap);
    va_end(ap);
}

static const char *kind_name(int kind)
{
    switch (kind) {
    case KGI_NODE_MAP:
        return "an object (map)";
    case KGI_NODE_SEQ:
        return "a list (sequence)";
    default:
        return "a scalar";
    }
}

const struct kgi_node *kgi_field(struct kgi_ctx *c, const struct kgi_node *map,
                                 const char *key, int kind, bool required,
                                 bool *ok)
{
    const struct kgi_node *v = kgi_node_get(map, key);
    if (!v || kgi_node_is_null(v)) {
        if (required) {
            size_t m = kgi_enter(c, key);
            kgi_error(c, KG_EREQUIRED, v ? v : map, "Required value");
            kgi_leave(c, m);
            if (ok)
                *ok = false;
        }
        return NULL;
    }
    if (kind && v->kind != kind) {
        size_t m = kgi_enter(c, key);
        kgi_error(c, KG_ETYPE, v, "must be %s", kind_name(kind));
        kgi_leave(c, m);
        if (ok)
            *ok = false;
        return NULL;
    }
    return v;
}

bool kgi_scalar_int(const struct kgi_node *n, int64_t *out)
{
    return kgi_yaml_int(n, out);
}

bool kgi_scalar_is_plain_nonstring(const struct kgi_node *n)
{
    if (!n || n->kind != KGI_NODE_SCALAR)
        return false;
    struct kgi_yvalue v;
    kgi_yaml_value(n, &v);
    return v.type == KGI_Y_BOOL || v.type == KGI_Y_INT || v.type == KGI_Y_FLOAT;
}

bool kgi_field_str(struct kgi_ctx *c, const struct kgi_node *map,
                   const char *key, bool required, struct kgi_str *out,
                   bool *ok)
{
    out->p = NULL;
    out->n = 0;
    const struct kgi_node *v =
        kgi_field(c, map, key, KGI_NODE_SCALAR, required, ok);
    if (!v)
        return false;
    if (kgi_scalar_is_plain_nonstring(v)) {
        struct kgi_yvalue yv;
        kgi_yaml_value(v, &yv);
        size_t m = kgi_enter(c, key);
        kgi_error(c, KG_ETYPE, v,
                  "must be a string: YAML 1.1 reads %.*s as %s (quote it)",
                  (int)(v->count > 60 ? 60 : v->count), v->u.str,
                  kgi_ytype_name(yv.type));
        kgi_leave(c, m);
        if (ok)
            *ok = false;
        return false;
    }
    *out = kgi_node_str(v);
    return true;
}

bool kgi_field_int(struct kgi_ctx *c, const struct kgi_node *map,
                   const char *key, bool required, int64_t min, int64_t max,
                   int64_t *out, bool *ok)
{
    const struct kgi_node *v =
        kgi_field(c, map, key, KGI_NODE_SCALAR, required, ok);
    if (!v)
        return false;
    size_t m = kgi_enter(c, key);
    int64_t x;
    bool good = false;
    if (!kgi_scalar_int(v, &x)) {
        kgi_error(c, KG_ETYPE, v, "must be an integer");
    } else if (x < min || x > max) {
        kgi_error(c, KG_EINVALID, v,
                  "Invalid value: %lld: must be between %lld and %lld, "
                  "inclusive",
                  (long long)x, (long long)min, (long long)max);
    } else {
        *out = x;
        good = true;
    }
    kgi_leave(c, m);
    if (!good && ok)
        *ok = false;
    return good;
}

bool kgi_field_bool(struct kgi_ctx *c, const struct kgi_node *map,
                    const char *key, bool *out, bool *ok)
{
    const struct kgi_node *v =
        kgi_field(c, map, key, KGI_NODE_SCALAR, false, ok);
    if (!v)
        return false;
    /* YAML 1.1 booleans: true/yes/on/y and false/no/off/n, three casings */
    struct kgi_yvalue yv;
    kgi_yaml_value(v, &yv);
    if (yv.type == KGI_Y_BOOL) {
        *out = yv.b;
        return true;
    }
    size_t m = kgi_enter(c, key);
    kgi_error(c, KG_ETYPE, v, "must be a boolean");
    kgi_leave(c, m);
    if (ok)
        *ok = false;
    return false;
}

const struct kgi_node *kgi_field_list(struct kgi_ctx *c,
                                      const struct kgi_node *map,
                                      const char *key, size_t min, size_t max,
                                      bool *ok)
{
    const struct kgi_node *l = kgi_field(c, map, key, KGI_NODE_SEQ, false, ok);
    size_t n = l ? l->count : 0;
    if (n > max) {
        size_t m = kgi_enter(c, key);
        kgi_error(c, KG_ETOOLONG, l,
                  "Too many: %zu: must have at most %zu items", n, max);
        kgi_leave(c, m);
        *ok = false;
    } else if (n < min) {
        size_t m = kgi_enter(c, key);
        if (l)
            kgi_error(c, KG_EINVALID, l,
                      "Invalid value: %zu: %s in body should have at least "
                      "%zu items",
                      n, key, min);
        else
            kgi_error(c, KG_EREQUIRED, map, "Required value");
        kgi_leave(c, m);
        *ok = false;
    }
    return l;
}

const char *kgi_quote(struct kgi_quoted *q, const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n && i < KGI_QUOTE_MAX; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            q->buf[w++] = '\\';
            q->buf[w++] = (char)ch;
        } else if (ch < 0x20 || ch == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            q->buf[w++] = '\\';
            q->buf[w++] = 'x';
            q->buf[w++] = hex[ch >> 4];
            q->buf[w++] = hex[ch & 15];
        } else {
            q->buf[w++] = (char)ch;
        }
    }
    if (n > KGI_QUOTE_MAX) {
        memcpy(q->buf + w, "...", 3);
        w += 3;
    }
    q->buf[w] = '\0';
    return q->buf;
}

/* Reports every key of map not in `known` (strict field validation, as
 * kubectl's default --validate=strict: a misspelt matchLabels would
 * otherwise silently widen a selector to everything). */
bool kgi_known_fields(struct kgi_ctx *c, const struct kgi_node *map,
                      const char *const *known)
{
    bool ok = true;
    for (size_t i = 0; i < map->count; i++) {
        const struct kgi_node *k = map->u.pairs[i].key;
        bool found = false;
        for (size_t j = 0; known[j]; j++)
            if (kgi_node_is(k, known[j]))
                found = true;
        if (!found) {
            size_t m = kgi_path_key(&c->path, k->u.str, k->count);
            kgi_error(c, KG_EINVALID, k, "unknown field \"%.*s\"",
                      KGI_SHOW(k->count), k->u.str);
            kgi_leave(c, m);
            ok = false;
        }
    }
    return ok;
}
