// SPDX-License-Identifier: MIT
/*
 * selector.h - Kubernetes label selectors (metav1.LabelSelector): reading
 * with API-server validation, and matching against a label set.
 *
 * Workload: every spec.podSelector, peer podSelector and namespaceSelector
 * of every NetworkPolicy is read once; the compiler then evaluates each
 * selector against the labels of many pods and namespaces, so matching is a
 * plain loop over a few requirements with no allocation.
 *
 * Semantics (apimachinery pkg/labels/selector.go Requirement.Matches,
 * netpol-semantics.md rule 16): matchLabels entries and matchExpressions
 * are all ANDed; an empty selector ({}) matches everything.
 *   In           key present and its value listed
 *   NotIn        key absent, or its value not listed
 *   Exists       key present
 *   DoesNotExist key absent
 * Values compare as exact byte strings.
 *
 * Validation (meta/v1 validation ValidateLabelSelector, rule 32): keys are
 * qualified names, values label values; In/NotIn need at least one value;
 * Exists/DoesNotExist must have none; other operators are NotSupported.
 * Unknown fields (a misspelt `matchLabels` would silently widen the
 * selector to everything) are errors, as under kubectl's default strict
 * field validation.
 */
#ifndef KGI_MODEL_SELECTOR_H
#define KGI_MODEL_SELECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "k8s/field.h"
#include "k8s/meta.h"

enum kgi_sel_op {
    KGI_SEL_IN = 1,
    KGI_SEL_NOTIN = 2,
    KGI_SEL_EXISTS = 3,
    KGI_SEL_DOESNOTEXIST = 4,
};

struct kgi_requirement {
    struct kgi_str key;
    int op;                 /* enum kgi_sel_op */
    struct kgi_str *values; /* sorted, unique (arena); NULL when none */
    size_t n_values;
    const struct kgi_node *node; /* the matchExpressions item */
};

struct kgi_selector {
    struct kgi_kvs match_labels;   /* sorted by key */
    struct kgi_requirement *exprs; /* matchExpressions, input order */
    size_t n_exprs;
    bool empty; /* no matchLabels and no matchExpressions: matches all */
    const struct kgi_node *node; /* the selector map (NULL when absent) */
};

/* Reads the selector at parent[key] into out (arrays in c->arena, strings
 * pointing into the node tree), with the field path extended by key.
 * *present (may be NULL) tells whether the field was there and not null;
 * an absent selector is left as an empty one (out->empty, matches all) —
 * callers decide what absence means. Reports every problem (KG_ETYPE,
 * KG_EINVALID, KG_EREQUIRED, KG_EFORBIDDEN, KG_ENOTSUPPORTED, KG_ENOMEM) and
 * returns false when there was any. */
bool kgi_selector_read(struct kgi_ctx *c, const struct kgi_node *parent,
                       const char *key, struct kgi_selector *out,
                       bool *present);

/* Whether labels (sorted kvs, as kgi_read_kvs makes) satisfy s. Pure,
 * never allocates; thread-safe. */
bool kgi_selector_matches(const struct kgi_selector *s,
                          const struct kgi_kvs *labels);

/* Operator name ("In", ...) for dumps; "?" for an unknown value. */
const char *kgi_sel_op_name(int op);

#endif
