// SPDX-License-Identifier: MIT
/*
 * engines.c - the table of engines (api/ruleset.h): each engine's build,
 * free and dump on its own member of struct kg_ruleset. A library built
 * without an engine (meson options route / policy, KGI_WITH_ROUTE /
 * KGI_WITH_POLICY) has an empty entry: the builder then compiles nothing
 * for it and its public lookups answer KG_ENOTSUPPORTED.
 */
#include <stddef.h>

#include "api/ruleset.h"
#if KGI_WITH_POLICY
#include "policy/service.h"
#include "policy/table.h"
#endif
#if KGI_WITH_ROUTE
#include "route/table.h"
#endif

#if KGI_WITH_ROUTE
static int routes_build(const struct kgi_compile_in *in, kg_ruleset *rs,
                        void **keep)
{
    if (keep)
        *keep = NULL;
    return kgi_routes_build(in, &rs->routes);
}

static void routes_free(kg_ruleset *rs)
{
    kgi_routes_free(rs->routes);
}

static void routes_dump(const kg_ruleset *rs, int format, struct kgi_out *o)
{
    kgi_routes_dump(rs->routes, format, o);
}
#endif

#if KGI_WITH_POLICY
static int netpol_build(const struct kgi_compile_in *in, kg_ruleset *rs,
                        void **keep)
{
    struct kgi_vd_keep *k = NULL;
    int rc = kgi_netpol_build_keep(in, &rs->netpol, keep ? &k : NULL);
    if (keep)
        *keep = k;
    return rc;
}

static void netpol_free(kg_ruleset *rs)
{
    kgi_netpol_free(rs->netpol);
}

static void netpol_dump(const kg_ruleset *rs, int format, struct kgi_out *o)
{
    kgi_netpol_dump(rs->netpol, format, o);
}

static void netpol_keep_free(void *keep)
{
    kgi_netpol_keep_free(keep);
}

static int services_build(const struct kgi_compile_in *in, kg_ruleset *rs,
                          void **keep)
{
    if (keep)
        *keep = NULL;
    return kgi_services_build(in, &rs->services);
}

static void services_free(kg_ruleset *rs)
{
    kgi_services_free(rs->services);
}
#endif

const struct kgi_engine kgi_engines[KGI_ENGINES] = {
#if KGI_WITH_ROUTE
    [KGI_ENGINE_ROUTE] = {"routes", routes_build, routes_free, routes_dump,
                          NULL},
#endif
#if KGI_WITH_POLICY
    [KGI_ENGINE_NETPOL] = {"policies", netpol_build, netpol_free, netpol_dump,
                           netpol_keep_free},
    /* the Service table is read through kg_check_flow, not dumped */
    [KGI_ENGINE_SERVICES] = {NULL, services_build, services_free, NULL, NULL},
#endif
#if !KGI_WITH_ROUTE && !KGI_WITH_POLICY
    {NULL, NULL, NULL, NULL, NULL}, /* ISO C: no empty initializer */
#endif
};
