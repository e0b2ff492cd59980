// SPDX-License-Identifier: MIT
/*
 * gateway_model.h - the typed model of the Gateway API routing kinds
 * (gateway.networking.k8s.io): GatewayClass, Gateway, ReferenceGrant,
 * HTTPRoute and GRPCRoute, validated as the API server validates them
 * (the CRD schema markers and CEL XValidation rules of apis/v1 in
 * kubernetes-sigs/gateway-api), with the CRD defaults applied.
 *
 * The Gateway compiler (route/gateway_compile) reads objects through this
 * model only: every string has passed its schema pattern, every list its
 * size bounds, every cross-field rule its CEL check, so the compiler never
 * re-checks syntax. A reader reports every problem of an object under its
 * field path (`spec.rules[0].matches[1].path.value`) at the node's
 * line:column, and returns false when there was any.
 *
 * Defaults (the CRD's kubebuilder:default markers, applied here because a
 * dump may come from somewhere the API server never saw): a route without
 * rules has one rule matching PathPrefix "/"; a rule without matches has
 * one match PathPrefix "/" (GRPCRoute: one match of every call); path type
 * PathPrefix and value "/"; header/query match type Exact; parentRef
 * group/kind gateway.networking.k8s.io/Gateway; backendRef group "" kind
 * Service, weight 1; redirect statusCode 302; listener
 * allowedRoutes.namespaces.from Same; mirror fraction denominator 100.
 *
 * Memory: arrays in c->arena; strings point into the node tree (or are
 * static literals for defaults). Both live only as long as the build.
 *
 *     kgi_gw_route ─┬─ parents[] ── group, kind, ns, name, section, port
 *                   ├─ hostnames[]
 *                   └─ rules[] ─┬─ matches[] ── path | grpc method,
 *                               │               method, headers[], query[]
 *                               ├─ filters[] ── header mods, redirect,
 *                               │               rewrite, mirror, extref
 *                               └─ backends[] ── ref, port, weight, filters[]
 */
#ifndef KGI_ROUTE_GATEWAY_MODEL_H
#define KGI_ROUTE_GATEWAY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/field.h"
#include "k8s/meta.h"
#include "k8s/selector.h"
#include "kgress.h"

#define KGI_GW_GROUP "gateway.networking.k8s.io"

/* Schema bounds (apis/v1 kubebuilder markers). */
#define KGI_GW_PATH_MAX 1024 /* HTTPPathMatch.value, path modifiers */
#define KGI_GW_HEADER_VALUE_MAX 4096
#define KGI_GW_QUERY_VALUE_MAX 1024
#define KGI_GW_HEADER_NAME_MAX 256

enum kgi_gw_protocol {
    KGI_GW_PROTO_OTHER = 0, /* a domain-prefixed custom protocol */
    KGI_GW_PROTO_HTTP = 1,
    KGI_GW_PROTO_HTTPS = 2,
    KGI_GW_PROTO_TLS = 3,
    KGI_GW_PROTO_TCP = 4,
    KGI_GW_PROTO_UDP = 5,
};

enum kgi_gw_from {
    KGI_GW_FROM_SAME = 0,
    KGI_GW_FROM_ALL = 1,
    KGI_GW_FROM_SELECTOR = 2,
};

/* A group/kind pair (RouteGroupKind, ReferenceGrant from/to). */
struct kgi_gw_gk {
    struct kgi_str group, kind, ns, name; /* ns/name only where they exist */
};

struct kgi_gw_listener {
    struct kgi_str name;
    struct kgi_str hostname; /* {NULL,0} when absent (matches every host) */
    bool wildcard;           /* hostname starts with "*." */
    int64_t port;
    int protocol;                 /* enum kgi_gw_protocol */
    int from;                     /* enum kgi_gw_from */
    struct kgi_selector selector; /* from == SELECTOR */
    bool has_kinds;               /* allowedRoutes.kinds present */
    struct kgi_gw_gk *kinds;
    size_t n_kinds;
    size_t index;
    const struct kgi_node *node;
};

struct kgi_gateway {
    const struct kgi_meta *meta;
    struct kgi_str class_name; /* spec.gatewayClassName */
    struct kgi_gw_listener *listeners;
    size_t n_listeners;
    bool oom;
};

struct kgi_gateway_class {
    const struct kgi_meta *meta;
    struct kgi_str controller;
    bool oom;
};

struct kgi_refgrant {
    const struct kgi_meta *meta;
    struct kgi_gw_gk *from; /* group, kind, ns */
    size_t n_from;
    struct kgi_gw_gk *to; /* group, kind, name ({NULL,0}: every name) */
    size_t n_to;
    bool oom;
};

/* ------------------------------------------------------------- routes */

enum kgi_gw_route_kind {
    KGI_GW_HTTPROUTE = 1,
    KGI_GW_GRPCROUTE = 2,
};

enum kgi_gw_match_type {
    KGI_GW_EXACT = 1,
    KGI_GW_PREFIX = 2, /* paths only */
    KGI_GW_REGEX = 3,
};

/* HTTP methods of the HTTPMethod enum, in its order; 0 is "no method". */
enum kgi_gw_method {
    KGI_GW_GET = 1,
    KGI_GW_HEAD,
    KGI_GW_POST,
    KGI_GW_PUT,
    KGI_GW_DELETE,
    KGI_GW_CONNECT,
    KGI_GW_OPTIONS,
    KGI_GW_TRACE,
    KGI_GW_PATCH,
};

struct kgi_gw_parent_ref {
    struct kgi_str group, kind, ns, name; /* ns defaulted to the route's */
    struct kgi_str section; /* sectionName, {NULL,0} when absent */
    int64_t port;           /* 0 when absent */
    size_t index;
    const struct kgi_node *node;
};

/* HTTPHeaderMatch / HTTPQueryParamMatch / GRPCHeaderMatch. */
struct kgi_gw_kv_match {
    int type; /* KGI_GW_EXACT or KGI_GW_REGEX */
    struct kgi_str name, value;
    const struct kgi_node *node;
};

struct kgi_gw_match {
    /* HTTPRoute */
    int path_type;       /* enum kgi_gw_match_type */
    struct kgi_str path; /* as written (default "/") */
    int method;          /* enum kgi_gw_method, 0 for any */
    /* GRPCRoute: method match (type 0 when absent: every call) */
    int grpc_type;
    struct kgi_str service, grpc_method; /* {NULL,0} when absent */
    /* both; duplicates (case-insensitive for headers) already dropped,
     * keeping the first, as the API asks */
    struct kgi_gw_kv_match *headers;
    size_t n_headers;
    struct kgi_gw_kv_match *query;
    size_t n_query;
    size_t index;
    const struct kgi_node *node;
};

struct kgi_gw_header_op {
    struct kgi_str name, value; /* value {NULL,0} for remove */
};

/* HTTPHeaderFilter: set, add, remove. */
struct kgi_gw_header_mod {
    struct kgi_gw_header_op *set, *add, *remove;
    size_t n_set, n_add, n_remove;
};

/* The public enum kg_filter_type (the filters a route answer returns),
 * plus the two the model reads but the answer does not carry. */
enum kgi_gw_filter_type {
    KGI_GW_F_REQUEST_HEADER = KG_FILTER_REQUEST_HEADER,
    KGI_GW_F_RESPONSE_HEADER = KG_FILTER_RESPONSE_HEADER,
    KGI_GW_F_MIRROR = KG_FILTER_MIRROR,
    KGI_GW_F_REDIRECT = KG_FILTER_REDIRECT,
    KGI_GW_F_REWRITE = KG_FILTER_URL_REWRITE,
    KGI_GW_F_EXTENSION = 6, /* answers 500 (decision extension-500) */
    KGI_GW_F_CORS = 7,
};

/* The public enum kg_path_modifier. */
enum kgi_gw_path_mod {
    KGI_GW_PM_NONE = KG_PATH_MOD_NONE,
    KGI_GW_PM_FULL = KG_PATH_MOD_FULL,     /* ReplaceFullPath */
    KGI_GW_PM_PREFIX = KG_PATH_MOD_PREFIX, /* ReplacePrefixMatch */
};

struct kgi_gw_backend; /* below */

struct kgi_gw_filter {
    int type;                     /* enum kgi_gw_filter_type */
    struct kgi_gw_header_mod hdr; /* REQUEST_HEADER, RESPONSE_HEADER */
    /* REDIRECT and REWRITE */
    struct kgi_str scheme;   /* redirect: "http"/"https", {NULL,0} absent */
    struct kgi_str hostname; /* {NULL,0} absent */
    int64_t port;            /* redirect: 0 absent */
    int64_t status;          /* redirect: 301/302/303/307/308 */
    int path_mod;            /* enum kgi_gw_path_mod */
    struct kgi_str path_value;
    /* MIRROR: the ref lives in mirror (one backend, weight unused) */
    struct kgi_gw_backend *mirror;
    int64_t mirror_num, mirror_den; /* percent p is p/100; default 100/100 */
    size_t index;
    const struct kgi_node *node;
};

struct kgi_gw_backend {
    struct kgi_str group, kind, ns, name; /* ns defaulted to the route's */
    int64_t port;                         /* 0 when absent */
    int64_t weight;                       /* default 1 */
    struct kgi_gw_filter *filters;
    size_t n_filters;
    size_t index;
    const struct kgi_node *node;
};

struct kgi_gw_rule {
    struct kgi_str name; /* {NULL,0} when absent */
    struct kgi_gw_match *matches;
    size_t n_matches;
    struct kgi_gw_filter *filters;
    size_t n_filters;
    struct kgi_gw_backend *backends;
    size_t n_backends;
    size_t index;
    const struct kgi_node *node; /* NULL for the defaulted rule */
};

struct kgi_gw_route {
    const struct kgi_meta *meta;
    int kind; /* enum kgi_gw_route_kind */
    struct kgi_gw_parent_ref *parents;
    size_t n_parents;
    struct kgi_str *hostnames;
    size_t n_hostnames;
    struct kgi_gw_rule *rules;
    size_t n_rules;
    bool oom;
};

/* Each reader validates the object of m (of the matching kind; m must
 * outlive *out), returns true when it is valid; every problem is reported
 * through c; on allocation failure false with out->oom and c->diags->oom.
 * *out is always initialised. */
bool kgi_gateway_read(struct kgi_ctx *c, const struct kgi_meta *m,
                      struct kgi_gateway *out);
bool kgi_gateway_class_read(struct kgi_ctx *c, const struct kgi_meta *m,
                            struct kgi_gateway_class *out);
bool kgi_refgrant_read(struct kgi_ctx *c, const struct kgi_meta *m,
                       struct kgi_refgrant *out);
/* HTTPRoute or GRPCRoute (by m->kind). */
bool kgi_gw_route_read(struct kgi_ctx *c, const struct kgi_meta *m,
                       struct kgi_gw_route *out);

/* Helpers shared by the two model files. */

/* The Hostname pattern (shared_types.go): optional "*." then lower-case
 * DNS labels, at most 253 characters; kgress also refuses IPv4-shaped
 * names (httproute-semantics decision ip-hostname). NULL when valid, else
 * what is allowed. precise: no wildcard (PreciseHostname). */
const char *kgi_gw_check_hostname(struct kgi_str h, bool precise);
/* HeaderName: ^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$, 1..256 characters. */
bool kgi_gw_header_name_ok(struct kgi_str s);
/* Name of a method (KGI_GW_*), "" for 0. */
const char *kgi_gw_method_name(int m);
/* Method from its exact name, 0 when not one of the enum. */
int kgi_gw_method_parse(const char *s, size_t n);

#endif
