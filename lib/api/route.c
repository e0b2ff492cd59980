// SPDX-License-Identifier: MIT
/*
 * route.c - kg_route_request, kg_route, kg_route_batch, kg_tls_lookup and
 * kg_route_host_group: the public entry
 * points of the route engine. Each checks the caller's struct size (the
 * growth rule of util/abi.h), then calls the engine's lookup on the
 * ruleset's route tables (route/table.h), which works on full-size
 * structs. No allocation, no lock.
 *
 * In a library built without the route engine (-Droute=disabled) each of
 * them returns KG_ENOTSUPPORTED (KG_EINVAL first for what would be invalid
 * in any build: a NULL ruleset or struct, a size below the first released
 * one), and the symbols stay exported.
 */
#include <stdint.h>
#include <string.h>

#include "api/ruleset.h"
#include "kgress.h"
#include "util/abi.h"
#if KGI_WITH_ROUTE
#include "route/lookup.h"
#include "route/table.h"
#else
/* the engine's lookups, absent: every call is unsupported */
static int kgi_routes_lookup(const struct kgi_routes *r,
                             const struct kg_http_request *req, char *buf,
                             size_t cap, struct kg_route *out)
{
    (void)r, (void)req, (void)buf, (void)cap, (void)out;
    return KG_ENOTSUPPORTED;
}

static int kgi_routes_tls(const struct kgi_routes *r, const char *host,
                          size_t host_len, struct kg_tls *out)
{
    (void)r, (void)host, (void)host_len, (void)out;
    return KG_ENOTSUPPORTED;
}

static int kgi_routes_host_group(const struct kgi_routes *r, const char *host,
                                 size_t host_len, const char **group,
                                 size_t *group_len)
{
    (void)r, (void)host, (void)host_len, (void)group, (void)group_len;
    return KG_ENOTSUPPORTED;
}

static int kgi_routes_batch(const struct kgi_routes *r,
                            const struct kg_http_request *reqs, size_t qstride,
                            size_t n, char *buf, size_t cap,
                            struct kg_route *out, size_t ostride, int *rc)
{
    (void)r, (void)reqs, (void)qstride, (void)n, (void)buf, (void)cap;
    (void)out, (void)ostride, (void)rc;
    return KG_ENOTSUPPORTED;
}
#endif

KG_API int kg_route_request(const kg_ruleset *rs,
                            const struct kg_http_request *req, char *buf,
                            size_t cap, struct kg_route *out)
{
    if (!rs || !req || !out || req->size < KG_HTTP_REQUEST_SIZE_0_2 ||
        out->size < KG_ROUTE_SIZE_0_1)
        return KG_EINVAL;
    /* the caller's request up to its size, the rest zero (absent) */
    struct kg_http_request r;
    kgi_abi_in(&r, sizeof(r), req);
    if (out->size >= sizeof(*out))
        return kgi_routes_lookup(rs->routes, &r, buf, cap, out);
    /* an older caller's smaller struct: answer in a full one, hand back
     * only the caller's part (kgress.h "ABI promise") */
    struct kg_route full;
    kgi_abi_in(&full, sizeof(full), out);
    int rc = kgi_routes_lookup(rs->routes, &r, buf, cap, &full);
    kgi_abi_out(out, &full);
    return rc;
}

KG_API int kg_route(const kg_ruleset *rs, const char *host, size_t host_len,
                    const char *path, size_t path_len, char *buf, size_t cap,
                    struct kg_route *out)
{
    struct kg_http_request r;
    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    r.host = host;
    r.host_len = host_len;
    r.path = path;
    r.path_len = path_len;
    return kg_route_request(rs, &r, buf, cap, out);
}

KG_API int kg_tls_lookup(const kg_ruleset *rs, const char *host,
                         size_t host_len, struct kg_tls *out)
{
    if (!rs || !out || out->size < KG_TLS_SIZE_0_1)
        return KG_EINVAL;
    if (out->size >= sizeof(*out))
        return kgi_routes_tls(rs->routes, host, host_len, out);
    struct kg_tls full;
    kgi_abi_in(&full, sizeof(full), out);
    int rc = kgi_routes_tls(rs->routes, host, host_len, &full);
    kgi_abi_out(out, &full);
    return rc;
}

KG_API int kg_route_host_group(const kg_ruleset *rs, const char *host,
                               size_t host_len, const char **group,
                               size_t *group_len)
{
    if (!rs)
        return KG_EINVAL;
    return kgi_routes_host_group(rs->routes, host, host_len, group, group_len);
}

KG_API int kg_route_batch(const kg_ruleset *rs,
                          const struct kg_http_request *reqs, size_t n,
                          char *buf, size_t cap, struct kg_route *out, int *rc)
{
    if (n == 0)
        return 0;
    if (!rs || !reqs || !out || !rc || (!buf && cap) ||
        reqs[0].size < KG_HTTP_REQUEST_SIZE_0_2 ||
        out[0].size < KG_ROUTE_SIZE_0_1 || (cap && n > SIZE_MAX / cap))
        return KG_EINVAL;
    return kgi_routes_batch(rs->routes, reqs, reqs[0].size, n, buf, cap, out,
                            out[0].size, rc);
}
