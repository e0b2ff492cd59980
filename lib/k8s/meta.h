// SPDX-License-Identifier: MIT
/*
 * meta.h - what every object has: kind, apiVersion and metadata (name,
 * namespace, creationTimestamp, labels, annotations), read and validated
 * once here so each kind's model only reads its spec.
 */
#ifndef KGI_MODEL_META_H
#define KGI_MODEL_META_H

#include <stdbool.h>
#include <stdint.h>

#include "k8s/field.h"

/* Kinds an engine reads; each has its row in the table of k8s/kinds.c. */
enum kgi_kind {
    KGI_KIND_UNKNOWN = 0,
    KGI_KIND_INGRESS,
    KGI_KIND_INGRESSCLASS,
    KGI_KIND_NETWORKPOLICY,
    KGI_KIND_NAMESPACE,
    KGI_KIND_POD,
    KGI_KIND_SERVICE,
    KGI_KIND_ENDPOINTSLICE,
    KGI_KIND_GATEWAYCLASS,
    KGI_KIND_GATEWAY,
    KGI_KIND_HTTPROUTE,
    KGI_KIND_GRPCROUTE,
    KGI_KIND_REFERENCEGRANT,
    KGI_KIND_NODE,
    KGI_KIND_CLUSTERNETWORKPOLICY,
    KGI_KIND_ADMINNETWORKPOLICY,
    KGI_KIND_BASELINEADMINNETWORKPOLICY,
};

/* apimachinery TotalAnnotationSizeLimitB: annotation keys plus values */
#define KGI_ANNOTATIONS_MAX (256 * 1024)

struct kgi_kv {
    struct kgi_str key, value;
    const struct kgi_node *node; /* the value's node, for marks */
};

/* Labels or annotations, sorted by key (keys are unique). */
struct kgi_kvs {
    struct kgi_kv *v;
    size_t n;
};

struct kgi_meta {
    int kind; /* enum kgi_kind */
    struct kgi_str kind_name, api_version, name, ns;
    bool has_created;
    int64_t created; /* creationTimestamp, seconds since the epoch */
    bool has_deleted;
    int64_t deleted; /* deletionTimestamp: when the grace period ends */
    struct kgi_kvs labels, annotations;
    const struct kgi_node *node; /* the object */
    const char *file;
};

/* The kind of an object from its kind/apiVersion (the table of k8s/kinds.c),
 * KGI_KIND_UNKNOWN for a kind kgress does not read (skipped silently). A
 * kind a group kgress reads does not have is an error, as the API server's
 * "no matches for kind"; a known kind with an unsupported apiVersion is
 * reported (warning) and treated as unknown. */
int kgi_meta_kind(struct kgi_ctx *c, const struct kgi_node *obj);

/* Reads kind, apiVersion and metadata into m (strings point into the node
 * tree). Namespaced kinds without a namespace get "default". Returns true
 * when valid; every problem is reported. */
bool kgi_meta_read(struct kgi_ctx *c, const struct kgi_node *obj, int kind,
                   struct kgi_meta *m);

/* Value of key in a sorted kvs, NULL when absent. */
const struct kgi_kv *kgi_kvs_get(const struct kgi_kvs *kv, const char *key);

/* Reads a map of string to string (labels, annotations, matchLabels) at
 * map[key]; checks keys as qualified names and, when label_values, values
 * as label values. Result sorted by key. */
bool kgi_read_kvs(struct kgi_ctx *c, const struct kgi_node *map,
                  const char *key, bool label_values, struct kgi_kvs *out);

/* RFC 3339 timestamp (as the API server prints: 2024-01-02T03:04:05Z, with
 * optional fraction and offset) to seconds; false for a time the API server
 * refuses (Feb 31, second 60, hour 24, lower-case t or z, ...). */
bool kgi_parse_time(const char *s, size_t n, int64_t *out);

/* Compares the strings "ans/an" and "bns/bn" (the conflict order's
 * namespace/name tie-break, one string as the Gateway API words it). */
int kgi_nsname_cmp(struct kgi_str ans, struct kgi_str an, struct kgi_str bns,
                   struct kgi_str bn);

/* The conflict order of objects that claim the same thing (Ingress and
 * Gateway API alike): the oldest creationTimestamp first (an object
 * without one counts as newest), then "namespace/name" ascending. 0 when
 * both tie; callers break it by input order. */
int kgi_meta_age_cmp(const struct kgi_meta *a, const struct kgi_meta *b);

#endif
