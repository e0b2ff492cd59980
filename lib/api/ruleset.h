// SPDX-License-Identifier: MIT
/*
 * ruleset.h - struct kg_ruleset: the tables of each engine and the options
 * they were compiled with; freed when its last reference goes. And the
 * table of engines (api/engines.c): what the builder builds, the ruleset
 * frees and kg_ruleset_dump prints, one entry per engine, so that a new
 * engine is one member here and one entry there.
 *
 * What an engine gets from the builder is k8s/engine.h; each engine
 * declares its build/free/dump and its lookups on its own tables in its
 * table.h (route/table.h, policy/table.h, policy/service.h). The public
 * entry points (api/route.c, api/check.c) pass those tables, never the
 * ruleset, so no engine includes lib/api (tests/layering).
 */
#ifndef KGI_API_RULESET_H
#define KGI_API_RULESET_H

#include <stdatomic.h>
#include <stdbool.h>

#include "k8s/engine.h"
#include "kgress.h"
#include "util/options.h"
#include "util/out.h"

struct kgi_routes;   /* route/ingress_compile: hosts, path tries, TLS */
struct kgi_netpol;   /* policy/netpol_compile: endpoints, rule sets, CIDR tables
                      */
struct kgi_services; /* policy/service: Service addresses -> endpoints */

/* The engines, in build order (the index of kgi_engines). */
enum kgi_engine_id {
    KGI_ENGINE_ROUTE,    /* Ingress, Gateway API */
    KGI_ENGINE_NETPOL,   /* NetworkPolicy and the cluster tiers */
    KGI_ENGINE_SERVICES, /* Service / EndpointSlice */
    KGI_ENGINES
};

struct kg_ruleset {
    atomic_long refs;
    struct kg_options opts;
    /* the engines' tables: never NULL once compiled, except those of an
     * engine this library was built without (kgi_engines[i].build NULL) */
    struct kgi_routes *routes;
    struct kgi_netpol *netpol;
    struct kgi_services *services;
    /* bit i set: engine i's tables are those of borrow (an incremental
     * compile, api/builder.c, shares routes and services of the full
     * compile it extends and owns its own netpol delta), not freed here */
    unsigned shared;
    kg_ruleset *borrow; /* referenced; NULL when nothing is shared */
};

/* One engine. build compiles the objects of in into its member of rs and
 * returns 0, KG_ECOMPILE (errors in in->diags) or KG_ENOMEM, leaving the
 * member NULL on failure; when keep is not NULL it also receives what an
 * incremental compile of the engine needs (NULL if it has none), freed by
 * keep_free. free releases the member (NULL is fine); dump writes it
 * (kg_ruleset_dump) under the JSON key name, or nothing when name is
 * NULL. In a library built without the engine (meson option route or
 * policy disabled) the entry's functions are all NULL. */
struct kgi_engine {
    const char *name;
    int (*build)(const struct kgi_compile_in *in, kg_ruleset *rs, void **keep);
    void (*free)(kg_ruleset *rs);
    void (*dump)(const kg_ruleset *rs, int format, struct kgi_out *o);
    void (*keep_free)(void *keep);
};

extern const struct kgi_engine kgi_engines[KGI_ENGINES];

/* Whether this library was built with engine id. */
static inline bool kgi_engine_built(int id)
{
    return kgi_engines[id].build != NULL;
}

#endif
