// SPDX-License-Identifier: MIT
/*
 * selector.c - label selectors: reading with the API server's validation
 * (meta/v1 ValidateLabelSelector) and matching (apimachinery labels
 * Requirement.Matches). See selector.h for the semantics.
 *
 * Label sets are sorted arrays (kgi_read_kvs), so a matchLabels entry or a
 * requirement costs one binary search; selectors hold a handful of
 * requirements, so they stay arrays in input order.
 */
#include "k8s/selector.h"

#include <stdlib.h>
#include <string.h>

#include "k8s/names.h"
#include "util/str.h"

/* The value of key in labels (sorted as kgi_read_kvs sorts), or NULL. */
static const struct kgi_str *label_get(const struct kgi_kvs *labels,
                                       struct kgi_str key)
{
    size_t lo = 0, hi = labels ? labels->n : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct kgi_kv *kv = &labels->v[mid];
        int c = kgi_mem_cmp(key.p, key.n, kv->key.p, kv->key.n);
        if (c == 0)
            return &kv->value;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static bool str_same(struct kgi_str a, struct kgi_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* values are sorted and unique (read_requirement), so a lookup is a
 * binary search even for hostile In lists of thousands of values */
static bool listed(const struct kgi_requirement *r, struct kgi_str v)
{
    size_t lo = 0, hi = r->n_values;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = kgi_mem_cmp(v.p, v.n, r->values[mid].p, r->values[mid].n);
        if (c == 0)
            return true;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

static int value_cmp(const void *a, const void *b)
{
    const struct kgi_str *x = a, *y = b;
    return kgi_mem_cmp(x->p, x->n, y->p, y->n);
}

bool kgi_selector_matches(const struct kgi_selector *s,
                          const struct kgi_kvs *labels)
{
    for (size_t i = 0; i < s->match_labels.n; i++) {
        const struct kgi_kv *want = &s->match_labels.v[i];
        const struct kgi_str *have = label_get(labels, want->key);
        if (!have || !str_same(*have, want->value))
            return false;
    }
    for (size_t i = 0; i < s->n_exprs; i++) {
        const struct kgi_requirement *r = &s->exprs[i];
        const struct kgi_str *have = label_get(labels, r->key);
        bool ok;
        switch (r->op) {
        case KGI_SEL_IN:
            ok = have && listed(r, *have);
            break;
        case KGI_SEL_NOTIN:
            ok = !have || !listed(r, *have);
            break;
        case KGI_SEL_EXISTS:
            ok = have != NULL;
            break;
        case KGI_SEL_DOESNOTEXIST:
            ok = have == NULL;
            break;
        default:
            ok = false; /* never produced by the reader; fail closed */
            break;
        }
        if (!ok)
            return false;
    }
    return true;
}

const char *kgi_sel_op_name(int op)
{
    switch (op) {
    case KGI_SEL_IN:
        return "In";
    case KGI_SEL_NOTIN:
        return "NotIn";
    case KGI_SEL_EXISTS:
        return "Exists";
    case KGI_SEL_DOESNOTEXIST:
        return "DoesNotExist";
    default:
        return "?";
    }
}

static const char *const selector_fields[] = {"matchLabels", "matchExpressions",
                                              NULL};
static const char *const requirement_fields[] = {"key", "operator", "values",
                                                 NULL};

static bool read_requirement(struct kgi_ctx *c, const struct kgi_node *item,
                             struct kgi_requirement *r)
{
    bool ok = true;
    memset(r, 0, sizeof(*r));
    r->node = item;
    if (item->kind != KGI_NODE_MAP) {
        kgi_error(c, KG_ETYPE, item, "must be an object (map)");
        return false;
    }
    ok = kgi_known_fields(c, item, requirement_fields) && ok;

    if (kgi_field_str(c, item, "key", true, &r->key, &ok)) {
        const char *why = kgi_check_qualified_name(r->key.p, r->key.n);
        if (why) {
            size_t m = kgi_enter(c, "key");
            kgi_error(c, KG_EINVALID, kgi_node_get(item, "key"),
                      "Invalid value: \"%.*s\": %s", KGI_SHOW(r->key.n),
                      r->key.p, why);
            kgi_leave(c, m);
            ok = false;
        }
    }

    bool vals_ok = true;
    const struct kgi_node *vals =
        kgi_field(c, item, "values", KGI_NODE_SEQ, false, &vals_ok);
    ok = vals_ok && ok;
    if (vals && vals->count) {
        r->values = kgi_arena_calloc(c->arena, vals->count, sizeof(*r->values));
        if (!r->values) {
            kgi_error(c, KG_ENOMEM, vals, "out of memory");
            return false;
        }
        size_t vm = kgi_enter(c, "values");
        for (size_t i = 0; i < vals->count; i++) {
            const struct kgi_node *v = vals->u.items[i];
            size_t im = kgi_enter_index(c, i);
            const char *why;
            if (v->kind != KGI_NODE_SCALAR || kgi_node_is_null(v) ||
                kgi_scalar_is_plain_nonstring(v)) {
                kgi_error(c, KG_ETYPE, v, "must be a string");
                ok = false;
            } else if ((why = kgi_check_label_value(v->u.str, v->count))) {
                kgi_error(c, KG_EINVALID, v, "Invalid value: \"%.*s\": %s",
                          KGI_SHOW(v->count), v->u.str, why);
                ok = false;
            } else {
                r->values[r->n_values++] = kgi_node_str(v);
            }
            kgi_leave(c, im);
        }
        kgi_leave(c, vm);
        /* a set: sorted, duplicates dropped (harmless in the API) */
        qsort(r->values, r->n_values, sizeof(*r->values), value_cmp);
        size_t k = 0;
        for (size_t i = 0; i < r->n_values; i++)
            if (k == 0 || !str_same(r->values[k - 1], r->values[i]))
                r->values[k++] = r->values[i];
        r->n_values = k;
    }

    struct kgi_str op;
    if (kgi_field_str(c, item, "operator", true, &op, &ok)) {
        const struct kgi_node *opn = kgi_node_get(item, "operator");
        if (kgi_str_eq(op, "In"))
            r->op = KGI_SEL_IN;
        else if (kgi_str_eq(op, "NotIn"))
            r->op = KGI_SEL_NOTIN;
        else if (kgi_str_eq(op, "Exists"))
            r->op = KGI_SEL_EXISTS;
        else if (kgi_str_eq(op, "DoesNotExist"))
            r->op = KGI_SEL_DOESNOTEXIST;
        if (!r->op) {
            size_t m = kgi_enter(c, "operator");
            kgi_error(c, KG_ENOTSUPPORTED, opn,
                      "Unsupported value: \"%.*s\": not a valid selector "
                      "operator (supported values: \"In\", \"NotIn\", "
                      "\"Exists\", \"DoesNotExist\")",
                      KGI_SHOW(op.n), op.p);
            kgi_leave(c, m);
            ok = false;
        } else if ((r->op == KGI_SEL_IN || r->op == KGI_SEL_NOTIN) && vals_ok &&
                   (!vals || vals->count == 0)) {
            size_t m = kgi_enter(c, "values");
            kgi_error(c, KG_EREQUIRED, vals ? vals : item,
                      "Required value: must be specified when `operator` is "
                      "'In' or 'NotIn'");
            kgi_leave(c, m);
            ok = false;
        } else if ((r->op == KGI_SEL_EXISTS || r->op == KGI_SEL_DOESNOTEXIST) &&
                   vals && vals->count > 0) {
            size_t m = kgi_enter(c, "values");
            kgi_error(c, KG_EFORBIDDEN, vals,
                      "Forbidden: may not be specified when `operator` is "
                      "'Exists' or 'DoesNotExist'");
            kgi_leave(c, m);
            ok = false;
        }
    }
    return ok;
}

bool kgi_selector_read(struct kgi_ctx *c, const struct kgi_node *parent,
                       const char *key, struct kgi_selector *out, bool *present)
{
    bool ok = true;
    memset(out, 0, sizeof(*out));
    out->empty = true;
    if (present)
        *present = false;
    const struct kgi_node *sel =
        kgi_field(c, parent, key, KGI_NODE_MAP, false, &ok);
    if (!sel)
        return ok;
    if (present)
        *present = true;
    out->node = sel;
    size_t mark = kgi_enter(c, key);
    ok = kgi_known_fields(c, sel, selector_fields) && ok;
    ok = kgi_read_kvs(c, sel, "matchLabels", true, &out->match_labels) && ok;

    const struct kgi_node *exprs =
        kgi_field(c, sel, "matchExpressions", KGI_NODE_SEQ, false, &ok);
    if (exprs && exprs->count) {
        out->exprs =
            kgi_arena_calloc(c->arena, exprs->count, sizeof(*out->exprs));
        if (!out->exprs) {
            kgi_error(c, KG_ENOMEM, exprs, "out of memory");
            ok = false;
            goto done;
        }
        size_t em = kgi_enter(c, "matchExpressions");
        for (size_t i = 0; i < exprs->count; i++) {
            size_t im = kgi_enter_index(c, i);
            ok = read_requirement(c, exprs->u.items[i], &out->exprs[i]) && ok;
            kgi_leave(c, im);
        }
        out->n_exprs = exprs->count;
        kgi_leave(c, em);
    }
    out->empty = out->match_labels.n == 0 && out->n_exprs == 0;
done:
    kgi_leave(c, mark);
    return ok;
}
