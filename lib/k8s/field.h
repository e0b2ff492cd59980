// SPDX-License-Identifier: MIT
/*
 * field.h - typed reads of object fields, with API-server style errors.
 *
 * The model stage walks node trees through these helpers only, so every
 * field gets the same treatment: the field path is pushed while it is read,
 * a wrong YAML type is KG_ETYPE at the value's mark, a missing required
 * field is KG_EREQUIRED at its parent's mark, and an explicit null counts as
 * absent (as in the API server's JSON decoding).
 */
#ifndef KGI_MODEL_FIELD_H
#define KGI_MODEL_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/diag.h"
#include "util/options.h"
#include "util/path.h"
#include "util/str.h"
#include "yaml/node.h"

/* Where the model reports: one per object being read. */
struct kgi_ctx {
    struct kg_diagnostics *diags;
    struct kgi_arena *arena; /* typed objects are allocated here */
    const struct kg_options *opts;
    const char *file;
    struct kgi_path path;
    size_t errors; /* errors reported through this context */
};

void kgi_ctx_init(struct kgi_ctx *c, struct kg_diagnostics *d,
                  struct kgi_arena *a, const struct kg_options *o,
                  const char *file);

/* Reports at node n's mark (NULL: no mark) under the current path. */
void kgi_error(struct kgi_ctx *c, int code, const struct kgi_node *n,
               const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
void kgi_warning(struct kgi_ctx *c, int code, const struct kgi_node *n,
                 const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Pushes `key` on the path; returns the mark to pop with kgi_leave. */
static inline size_t kgi_enter(struct kgi_ctx *c, const char *key)
{
    size_t n = 0;
    while (key[n])
        n++;
    return kgi_path_key(&c->path, key, n);
}
static inline size_t kgi_enter_index(struct kgi_ctx *c, size_t i)
{
    return kgi_path_index(&c->path, i);
}
static inline void kgi_leave(struct kgi_ctx *c, size_t mark)
{
    kgi_path_pop(&c->path, mark);
}

/* The value of key in map, NULL when missing or null. When required and
 * missing: KG_EREQUIRED. When present but not of `kind` (KGI_NODE_*, or 0 for
 * any): KG_ETYPE and NULL. `*ok` (may be NULL) is set false on any error. */
const struct kgi_node *kgi_field(struct kgi_ctx *c, const struct kgi_node *map,
                                 const char *key, int kind, bool required,
                                 bool *ok);

/* The length to print with "%.*s" of user text in a message: at most 100
 * bytes, so one hostile value cannot flood a diagnostic. */
#define KGI_SHOW(n) ((int)((n) > 100 ? 100 : (n)))

/* Reports every key of map not in the NULL-terminated `known` as
 * KG_EINVALID "unknown field" at its path (strict field validation, as
 * kubectl's default --validate=strict). Returns whether all were known. */
bool kgi_known_fields(struct kgi_ctx *c, const struct kgi_node *map,
                      const char *const *known);

/* A string field: a scalar (quoted or plain; plain YAML 1.1 numbers and
 * booleans are refused as the API server refuses a JSON number or boolean
 * for a string field).
 * Returns true when present and valid; out is {NULL,0} when absent. */
bool kgi_field_str(struct kgi_ctx *c, const struct kgi_node *map,
                   const char *key, bool required, struct kgi_str *out,
                   bool *ok);
/* An integer field (plain scalar, decimal, within [min, max]); out of range
 * is KG_EINVALID with the range in the message. */
bool kgi_field_int(struct kgi_ctx *c, const struct kgi_node *map,
                   const char *key, bool required, int64_t min, int64_t max,
                   int64_t *out, bool *ok);
bool kgi_field_bool(struct kgi_ctx *c, const struct kgi_node *map,
                    const char *key, bool *out, bool *ok);
/* A list field with the CRD schema's minItems/maxItems: more than max is
 * KG_ETOOLONG ("Too many"), fewer than min KG_EINVALID (an empty list) or,
 * when absent and min > 0, KG_EREQUIRED. Returns the list (NULL when absent
 * or not a list); *ok set false on any error. */
const struct kgi_node *kgi_field_list(struct kgi_ctx *c,
                                      const struct kgi_node *map,
                                      const char *key, size_t min, size_t max,
                                      bool *ok);

/* A value as a message shows it: at most KGI_QUOTE_MAX bytes, control
 * bytes, '"', '\\' and DEL escaped, so a hostile value cannot forge lines
 * in a log. Returns q->buf. */
#define KGI_QUOTE_MAX 100
struct kgi_quoted {
    char buf[4 * KGI_QUOTE_MAX + 4];
};
const char *kgi_quote(struct kgi_quoted *q, const char *s, size_t n);

/* Scalar node classification used by the helpers above, as the API server
 * reads YAML 1.1 (yaml/resolve.h): kgi_scalar_int is an integer field's
 * value (0100 is 64, 0x50 and 8e1 are 80, "80" and !!str 80 are strings);
 * kgi_scalar_is_plain_nonstring a boolean or number (yes, on, 0x1F, 1.5,
 * .inf), which a string field refuses. */
bool kgi_scalar_int(const struct kgi_node *n, int64_t *out);
bool kgi_scalar_is_plain_nonstring(const struct kgi_node *n);

/* Unquoted scalar text of a node as a kgi_str (node must be a scalar). */
static inline struct kgi_str kgi_node_str(const struct kgi_node *n)
{
    struct kgi_str s = {n->u.str, n->count};
    return s;
}

#endif
