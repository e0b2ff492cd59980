// SPDX-License-Identifier: MIT
/*
 * node.h - the document tree the YAML stage hands to the model stage.
 *
 * libyaml's event stream is turned into this small tree so that the model
 * can look fields up by name and every value keeps its mark (1-based line
 * and column, character offset) for diagnostics. Nodes live in the loader's
 * arena. Scalars keep their text and whether they were quoted, so the model
 * can tell the string "80" from the integer 80 as the API server does with
 * JSON types. Map keys are always scalars; duplicate keys are refused by the
 * loader (two values for one field would make the answer depend on the
 * parser).
 *
 *     map ──pairs──▶ [ key(scalar) │ value(node) ] ...
 *     seq ──items──▶ [ node ] ...
 *
 * With aliases allowed, an alias points at its anchor's node, so the tree
 * is a DAG; `weight` (nodes in the subtree) bounds what expansion costs.
 */
#ifndef KGI_YAML_NODE_H
#define KGI_YAML_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kgi_node_kind {
    KGI_NODE_SCALAR = 1,
    KGI_NODE_MAP = 2,
    KGI_NODE_SEQ = 3,
};

struct kgi_pair;

struct kgi_node {
    uint8_t kind;    /* enum kgi_node_kind */
    bool quoted;     /* scalar written quoted or as a block (never null/int) */
    uint32_t line;   /* 1-based */
    uint32_t column; /* 1-based, in characters */
    size_t offset;   /* characters before the node (libyaml's mark index:
                        the byte offset only for ASCII input); orders nodes */
    size_t count;    /* scalar: bytes; map: pairs; seq: items */
    size_t weight;   /* nodes in this subtree, itself included */
    union {
        const char *str;         /* scalar, NUL-terminated; may hold NUL
                                    bytes too ("\0" escapes): use count */
        struct kgi_pair *pairs;  /* map */
        struct kgi_node **items; /* seq */
    } u;
};

struct kgi_pair {
    struct kgi_node *key; /* scalar */
    struct kgi_node *value;
};

/* One Kubernetes object: a top-level map, or an item of a List. */
struct kgi_object {
    const struct kgi_node *root;
    const char *file; /* source name, owned by the loader arena */
};

/* The value of key in map, or NULL (also when map is not a map). */
const struct kgi_node *kgi_node_get(const struct kgi_node *map,
                                    const char *key);
/* True for a plain scalar null, ~, Null, NULL or an empty plain scalar. */
bool kgi_node_is_null(const struct kgi_node *n);
/* True when n is a scalar equal to s. */
bool kgi_node_is(const struct kgi_node *n, const char *s);

#endif
