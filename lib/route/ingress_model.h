// SPDX-License-Identifier: MIT
/*
 * ingress.h - the typed model of networking.k8s.io/v1 Ingress and
 * IngressClass, validated like the API server does.
 *
 * The route compiler (route/ingress_compile) reads objects through this model
 * only: every string here has passed the API server's rules (ingress-
 * semantics.md §A 1-9) plus kgress's own bounds (no control bytes, paths of
 * at most KGI_INGRESS_PATH_MAX bytes), so the compiler never re-checks
 * syntax. A reader reports every problem of an object, each under its field
 * path (`spec.rules[0].http.paths[1].pathType`) at its node's mark, and
 * returns false when there was any; the object must then not be compiled.
 *
 * Memory: arrays (rules, paths, tls, tls hosts) are allocated in c->arena;
 * strings and node pointers point into the node tree (NUL-terminated
 * there). Both live only as long as the build that read them: copy what the
 * compiled tables keep.
 *
 *     kgi_ingress ─┬─ default_backend (has_default)
 *                  ├─ rules[n_rules] ── host, wildcard
 *                  │        └─ paths[n_paths] ── path, type, backend
 *                  └─ tls[n_tls] ── hosts[n_hosts], secret
 */
#ifndef KGI_MODEL_INGRESS_H
#define KGI_MODEL_INGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/field.h"
#include "k8s/meta.h"

/* Longest rule path accepted (bytes). The API server has no bound of its
 * own beyond the object size; a proxy library bounds what it compiles. */
#define KGI_INGRESS_PATH_MAX 4096

enum kgi_backend_kind {
    KGI_BACKEND_NONE = 0,     /* absent (or invalid) */
    KGI_BACKEND_SERVICE = 1,  /* service.name + port number or name */
    KGI_BACKEND_RESOURCE = 2, /* TypedLocalObjectReference */
};

enum kgi_path_type {
    KGI_PATH_EXACT = 1,
    KGI_PATH_PREFIX = 2,
    KGI_PATH_IMPL_SPECIFIC = 3,
};

/* IngressBackend. The Service or resource is in the Ingress's namespace. */
struct kgi_ingress_backend {
    int kind;               /* enum kgi_backend_kind */
    struct kgi_str service; /* SERVICE: service.name */
    int64_t port_number;    /* SERVICE: 1..65535, or 0 when the port is named */
    struct kgi_str port_name;     /* SERVICE: IANA_SVC_NAME, or {NULL,0} */
    struct kgi_str res_api_group; /* RESOURCE: may be {NULL,0} (core group) */
    struct kgi_str res_kind, res_name; /* RESOURCE */
    const struct kgi_node *node;       /* the backend map, for marks */
};

/* HTTPIngressPath: spec.rules[r].http.paths[index]. */
struct kgi_ingress_path {
    struct kgi_str path; /* Exact/Prefix: starts with '/', clean (no //, /./,
                            /../, %2F, trailing /. or /..); ImplSpecific:
                            empty or starts with '/'. Never {NULL,..}:
                            an absent ImplSpecific path is {"",0}. */
    int type;            /* enum kgi_path_type */
    struct kgi_ingress_backend backend;
    /* The path in the form kgi_norm_path(KGI_NORM_ON) gives request paths
     * (escape hex upper-cased, unreserved escapes decoded; an empty
     * ImplementationSpecific path is "/"), in c->arena: what a normalized
     * request path is compared with. {NULL,0} when no normalized request
     * path can ever equal or extend it: it has '?' or '#', a malformed or
     * NUL escape (both left for the compiler to report), or escaped dot
     * segments / "//" that normalization would remove (e.g. Prefix
     * "/a/%2e%2e", which must not become "/"; reported here as a warning
     * when KG_FLAG_NORMALIZE is on, except for ImplementationSpecific in
     * the ingress-nginx dialect, whose paths are that controller's own
     * syntax). Compile with `path` when normalization is off (and for
     * ingress-nginx ImplementationSpecific), with `canon` when it is on. */
    struct kgi_str canon;
    size_t index;                /* position in its rule's http.paths */
    const struct kgi_node *node; /* the path entry map, for marks */
};

/* IngressRule: spec.rules[index]. */
struct kgi_ingress_rule {
    struct kgi_str host; /* lower-case DNS-1123 subdomain, or "*.<subdomain>"
                            when wildcard; {"",0} (n == 0) when no host */
    bool wildcard;       /* host starts with "*." */
    bool has_http;       /* http present (then n_paths >= 1) */
    struct kgi_ingress_path *paths;
    size_t n_paths;
    size_t index;                /* position in spec.rules */
    const struct kgi_node *node; /* the rule map */
};

/* IngressTLS: spec.tls[index]. */
struct kgi_ingress_tls {
    struct kgi_str *hosts; /* DNS-1123 subdomains or wildcards */
    size_t n_hosts;
    struct kgi_str secret; /* secretName; {NULL,0} when absent (SNI only) */
    size_t index;
    const struct kgi_node *node;
};

struct kgi_ingress {
    const struct kgi_meta *meta; /* the meta passed to kgi_ingress_read */
    struct kgi_str class_name;   /* spec.ingressClassName, {NULL,0} absent */
    /* annotations[kubernetes.io/ingress.class], {NULL,0} absent */
    struct kgi_str class_annotation;
    bool has_default;
    struct kgi_ingress_backend default_backend; /* spec.defaultBackend */
    struct kgi_ingress_rule *rules;
    size_t n_rules;
    struct kgi_ingress_tls *tls;
    size_t n_tls;
    /* ingress-nginx dialect annotations (read in every dialect) */
    /* nginx.ingress.kubernetes.io/use-regex is true as ingress-nginx reads
     * it (strconv.ParseBool: "true", "True", "TRUE", "t", "T", "1") */
    bool nginx_use_regex;
    bool nginx_rewrite; /* nginx.ingress.kubernetes.io/rewrite-target set */
    struct kgi_str nginx_rewrite_target; /* its value, {NULL,0} when absent */
    bool oom;                            /* reading failed for lack of memory */
};

struct kgi_ingress_class {
    const struct kgi_meta *meta;
    struct kgi_str controller; /* spec.controller: domain-prefixed path */
    bool is_default; /* annotations[ingressclass.kubernetes.io/is-default-class]
                        == "true" */
    bool oom;        /* kept for symmetry: reading a class never allocates */
};

/* Reads and validates the Ingress of m (m->kind == KGI_KIND_INGRESS; m must
 * outlive *out). Returns true when the object is valid. Every problem is
 * reported through c (all of them, not the first) and false returned. On
 * allocation failure returns false with out->oom and c->diags->oom set
 * (the builder then fails with KG_ENOMEM). *out is always initialised
 * (zeroed, then filled as far as the reading got). */
bool kgi_ingress_read(struct kgi_ctx *c, const struct kgi_meta *m,
                      struct kgi_ingress *out);

/* Same for an IngressClass (m->kind == KGI_KIND_INGRESSCLASS). */
bool kgi_ingress_class_read(struct kgi_ctx *c, const struct kgi_meta *m,
                            struct kgi_ingress_class *out);

/* The class an Ingress asks for: spec.ingressClassName, else the
 * kubernetes.io/ingress.class annotation, else {NULL,0} (none: the default
 * IngressClass, if one is loaded, applies). */
static inline struct kgi_str kgi_ingress_class_of(const struct kgi_ingress *g)
{
    return g->class_name.p ? g->class_name : g->class_annotation;
}

/* "Exact", "Prefix", "ImplementationSpecific"; "?" otherwise. */
const char *kgi_path_type_name(int type);

#endif
