// SPDX-License-Identifier: MIT
/*
 * gateway_table.h - the compiled Gateway API routing tables (struct
 * kgi_gw_tables): what route/gateway_compile.c builds from Gateways,
 * HTTPRoutes, GRPCRoutes and ReferenceGrants, and route/gateway_lookup.c
 * reads per request.
 *
 * Workload: built once per ruleset (10k routes / 100k matches in well
 * under a second), then read by any number of threads with no allocation
 * and no lock. One arena; the PCRE2 patterns are listed for freeing.
 *
 *   request (port, [listener], Host, path?query, method, headers)
 *     │ port
 *     ▼
 *   listeners on the port ──most specific hostname (exact, longest
 *     │                      wildcard, none)──▶ one listener (isolation)
 *     ▼
 *   host groups of the listener: exact htab, then wildcard htab probed
 *     │  with each suffix of the host, longest first (a Gateway wildcard
 *     │  covers one or more labels), then the group without hostname
 *     ▼
 *   one host group (no fall-through: httproute-semantics decision host-first)
 *     │
 *     ├─ HTTPRoute: the path trie of route/table.h over the normalized path;
 *     │    node answers are candidate lists (struct kgi_gw_clist):
 *     │      1. the exact list of the request's last node,
 *     │      2. the regex list of the group,
 *     │      3. the prefix lists of the walked nodes, deepest first;
 *     │    each list is ordered at compile time by the rest of the ranking
 *     │    (method, header count, query count, route age, namespace/name,
 *     │    rule order), so the first candidate whose conditions hold wins.
 *     └─ GRPCRoute: one ordered list (service length, method length,
 *          headers, age, name, rule order); first match wins.
 *
 * The ranking (httproute-semantics rule 31) is therefore resolved at
 * compile time up to the conditions only a request can decide; a lookup is
 * one trie walk plus a short ordered scan of the lists it passes.
 *
 * A candidate points at the action of its rule: the route that answers,
 * its filters as data, its weighted backends (an invalid one marked: its
 * share answers 500) and a fixed status when nothing can be forwarded.
 */
#ifndef KGI_ROUTE_GATEWAY_TABLE_H
#define KGI_ROUTE_GATEWAY_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/meta.h"
#include "kgress.h"
#include "route/regex.h"
#include "route/table.h"
#include "util/arena.h"
#include "util/diag.h"
#include "util/options.h"

/* A header or query condition. Header names are stored lower-case. */
struct kgi_gw_cond {
    uint8_t type; /* KGI_GW_EXACT or KGI_GW_REGEX */
    struct kgi_bstr name, value;
    const struct kgi_regex *re;
};

struct kgi_gw_be {
    struct kgi_bstr group, kind, ns, name;
    uint32_t port;
    uint32_t weight;
    bool valid; /* resolved: a Service (that exists, when Services are
                   loaded), in the namespace or granted */
    const struct kg_filter *filters; /* kgress.h: returned as they are */
    uint32_t n_filters;
};

struct kgi_gw_action {
    uint8_t kind; /* KGI_GW_HTTPROUTE / KGI_GW_GRPCROUTE */
    struct kgi_bstr ns, name, rule_name;
    uint32_t rule;
    uint16_t status; /* 0: forward (or redirect); 500 when nothing can be */
    const struct kg_filter *filters;
    uint32_t n_filters;
    const struct kgi_gw_be *backends; /* weight > 0 only */
    uint32_t n_backends;
    uint64_t total_weight;
};

struct kgi_gw_cand {
    uint8_t path_type; /* KGI_GW_EXACT / PREFIX / REGEX; gRPC: grpc_type */
    uint8_t method;    /* enum kgi_gw_method, 0 any */
    uint8_t grpc_type; /* 0: every call */
    uint16_t n_headers, n_query;
    const struct kgi_gw_cond *headers, *query;
    const struct kgi_regex *re, *re2; /* path / gRPC service, method */
    struct kgi_bstr path;             /* the match value as written (HTTP) */
    struct kgi_bstr service, gmethod; /* gRPC */
    uint32_t prefix_len; /* PathPrefix: value length without trailing '/' */
    uint32_t match;      /* index in the rule's matches */
    const struct kgi_gw_action *act;
};

/* An ordered candidate list. */
struct kgi_gw_clist {
    uint32_t n;
    const struct kgi_gw_cand *const *v;
};

struct kgi_gw_hgroup {
    struct kgi_bstr host;    /* "a.b", "*.b" or "" */
    uint8_t match;           /* enum kgi_hmatch */
    bool grpc;               /* the group's routes are GRPCRoutes */
    struct kgi_pnode root;   /* HTTP: answers are struct kgi_gw_clist */
    struct kgi_gw_clist rx;  /* HTTP regex candidates, in order */
    struct kgi_gw_clist all; /* gRPC candidates, in order */
    uint32_t n_routes;
};

struct kgi_gw_ltab {
    struct kgi_bstr gw_ns, gw_name, name, hostname;
    bool wildcard;
    uint32_t port;
    uint8_t protocol; /* enum kgi_gw_protocol */
    bool conflicted;  /* never served (decision listener-protocol-conflict) */
    struct kgi_htab exact, wild; /* -> struct kgi_gw_hgroup */
    const struct kgi_gw_hgroup *any;
    const struct kgi_gw_hgroup *const *groups; /* for dumps, by host */
    size_t n_groups;
};

struct kgi_gw_tables {
    struct kgi_arena arena;
    uint32_t normalize; /* KGI_NORM_* flags for request paths */
    /* sorted by port, then gateway namespace/name, then listener order */
    const struct kgi_gw_ltab *listeners;
    size_t n_listeners;
    size_t n_gateways, n_routes, n_attached;
    struct kgi_regex **regexes;
    size_t n_regexes;
};

/* What the builder hands the engine (k8s/engine.h kgi_compile_in, which
 * route may not include): every object of a known kind, in input order. */
struct kgi_gw_in {
    const struct kg_options *opts;
    struct kg_diagnostics *diags;
    const struct kgi_meta *objs;
    size_t n;
};
/* Reads the Gateway API objects of in and compiles them. Returns 0 (and
 * *out, NULL when in has no Gateway), KG_ECOMPILE or KG_ENOMEM. */
int kgi_gw_build(const struct kgi_gw_in *in, struct kgi_gw_tables **out);
void kgi_gw_free(struct kgi_gw_tables *t);

/* ---------------------------------------------------------------- lookup */

/* A request as route/gateway_lookup.c takes it. Strings are the caller's,
 * need no NUL, and nothing outside them is read. */
struct kgi_gw_req {
    const char *gateway; /* "namespace/name"; NULL: every Gateway */
    size_t gateway_len;
    unsigned port;    /* listener port; 0: every port */
    const char *host; /* Host / :authority */
    size_t host_len;
    const char *path; /* request-target, origin form, query included */
    size_t path_len;
    const char *method; /* NULL: unknown (matches rules without method) */
    size_t method_len;
    const struct kg_header *headers;
    size_t n_headers;
    uint64_t pick;   /* chooses among weighted backends */
    const char *sni; /* TLS server name; NULL: none (no 421 check) */
    size_t sni_len;
};

/* What a lookup found. Strings point into the tables or into the
 * caller's buffer (normalized path, computed paths, the request host). */
struct kgi_gw_res {
    const struct kgi_gw_ltab *listener; /* that received the request */
    const struct kgi_gw_hgroup *group;
    const struct kgi_gw_cand *cand; /* the winning match */
    const struct kgi_gw_be *be;     /* the picked backend, NULL none */
    /* 0: forward to be; 301/302/303/307/308: redirect; 500: nothing can
     * be forwarded (no or all-zero backends, an ExtensionRef, an invalid
     * picked backend: httproute-semantics rules 41-43, 56) */
    uint16_t status;
    struct kgi_bstr path; /* the normalized request path */
    /* redirect (status 3xx): Location parts; the query string follows
     * the path unchanged (decision redirect-query) */
    struct kgi_bstr scheme, host, rpath;
    uint32_t port;
    /* URLRewrite: the Host and path sent upstream, {NULL,0} unchanged */
    struct kgi_bstr rw_host, rw_path;
};

/* Routes one request: listener (port, most specific hostname, isolation),
 * host group, the first candidate in rank order whose conditions hold,
 * then its action (weighted pick, redirect, rewrite). buf[0..cap) gets
 * the normalized path and any computed path; cap >= 2 * path_len +
 * host_len + KGI_GW_PATH_MAX + 8 always suffices. Returns 0 and *out;
 * KG_ENOMATCH (no listener, host group or match: 404 / gRPC
 * UNIMPLEMENTED), KG_EREQUEST (malformed host or path), KG_ENOSPACE,
 * KG_ELIMIT_MATCH (regex budget spent), KG_EINVAL. No allocation, no
 * lock: thread-safe on shared tables. */
int kgi_gw_lookup(const struct kgi_gw_tables *t, const struct kgi_gw_req *q,
                  char *buf, size_t cap, struct kgi_gw_res *out);

#endif
