// SPDX-License-Identifier: MIT
/*
 * route.c - kg_route_request, kg_route, kg_tls_lookup and
 * kg_route_host_group: the public entry
 * points of the route engine. Each checks the caller's struct size (the
 * growth rule of util/abi.h), then calls the engine's lookup on the
 * ruleset's route tables (route/table.h), which works on full-size
 * structs. No allocation, no lock.
 */
#include <string.h>

#include "api/ruleset.h"
#include "kgress.h"
#include "route/table.h"
#include "util/abi.h"

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
