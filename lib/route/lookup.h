// SPDX-License-Identifier: MIT
/*
 * lookup.h - the steps of a route lookup (route/lookup.c) that the batch
 * (route/lookup_batch.c, kg_route_batch) runs apart: the host step
 * (normalize the Host, hash it, find its group) for later requests while
 * earlier ones walk their path tries.
 *
 * A request's answer is one function, kgi_routes_lookup_pre, whether its
 * host step ran inside it (pre NULL) or ahead of it (pre set): the batch
 * therefore answers exactly as kg_route_request, which
 * tests/route/test_route_diff checks request by request.
 */
#ifndef KGI_ROUTE_LOOKUP_H
#define KGI_ROUTE_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kgress.h"

struct kgi_routes;
struct kgi_hgroup;

/* The host step of an Ingress request, done ahead: rc is what the Host's
 * normalization returned (0, KG_EREQUEST, KG_EINVAL), g the group that
 * claims it (NULL: none) when rc is 0. */
struct kgi_route_pre {
    int rc;
    const struct kgi_hgroup *g;
};

/* kgi_norm_host into buf[0..KG_ROUTE_HOST_MAX) with kg_route's codes (a
 * host too long for the buffer is KG_EREQUEST). */
int kgi_routes_norm_host(const char *host, size_t len, char *buf, size_t *n,
                         bool *ascii);

/* The group claiming the normalized host h[0..n) (exact, then wildcard,
 * then host-less), hash being kgi_routes_hash(h, n) (unused when !n or
 * !ascii); NULL when none does. */
const struct kgi_hgroup *kgi_routes_group(const struct kgi_routes *r,
                                          const char *h, size_t n, bool ascii,
                                          uint64_t hash);

/* kgi_routes_lookup (route/table.h) with the host step in pre when it is
 * not NULL. */
int kgi_routes_lookup_pre(const struct kgi_routes *r,
                          const struct kg_http_request *req,
                          const struct kgi_route_pre *pre, char *buf,
                          size_t cap, struct kg_route *out);

/* kg_route_batch on the engine's tables: reqs and out are arrays of
 * stride qstride and ostride bytes (each >= the 0.2 request / 0.1 answer
 * size, checked by the caller, as are the other arguments); an element
 * whose size differs from its stride gets rc KG_EINVAL, out untouched.
 * Returns kg_route_batch's code. */
int kgi_routes_batch(const struct kgi_routes *r,
                     const struct kg_http_request *reqs, size_t qstride,
                     size_t n, char *buf, size_t cap, struct kg_route *out,
                     size_t ostride, int *rc);

#endif
