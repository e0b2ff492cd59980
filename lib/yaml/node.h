// SPDX-License-Identifier: MIT
/*
 * node.h - the document tree the YAML stage hands to the model stage.
 *
 * libyaml's event stream is turned into this small tree so that the model
 * can look fields up by name and every value keeps its mark (1-based line
 * and column, character offset) for diagnostics. Nodes live in the loader's
 * arena. Scalars keep their text and whether they were quoted, so the model
 * can tell the string "80" from the integer 80 as the API server does with
 * JSON types, and their tag (yaml/resolve.h turns text, style and tag into
 * the value the API server sees). Map keys are always scalars; duplicate
 * keys are refused by the loader (two values for one field would make the
 * answer depend on the parser). YAML 1.1 merge keys (`<<: {...}` or
 * `<<: [*a, *b]`) are expanded by the loader into the map's own pairs, as
 * go-yaml v2 does; a key set both ways is a duplicate.
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

/* The tag of a scalar (yaml/resolve.h says what each makes of the text). */
enum kgi_node_tag {
    KGI_TAG_NONE = 0,
    KGI_TAG_STR,    /* !!str */
    KGI_TAG_INT,    /* !!int, checked against the text by the loader */
    KGI_TAG_FLOAT,  /* !!float, likewise */
    KGI_TAG_BOOL,   /* !!bool, likewise */
    KGI_TAG_NULL,   /* !!null, likewise */
    KGI_TAG_BINARY, /* !!binary: the loader stored the decoded bytes */
    KGI_TAG_MERGE,  /* !!merge */
    KGI_TAG_TIME,   /* !!timestamp: refused by the loader */
    KGI_TAG_OTHER,  /* "!", local and unknown tags: a string to go-yaml */
};

struct kgi_pair;

struct kgi_node {
    uint8_t kind;    /* enum kgi_node_kind */
    bool quoted;     /* scalar written quoted or as a block (never null/int) */
    uint8_t tag;     /* scalar: enum kgi_node_tag */
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
/* True for a scalar that is null to the API server: plain null, ~, Null,
 * NULL or empty, or tagged !!null. */
bool kgi_node_is_null(const struct kgi_node *n);
/* True when n is a scalar equal to s. */
bool kgi_node_is(const struct kgi_node *n, const char *s);

#endif
