// SPDX-License-Identifier: MIT
/*
 * ruleset.h - struct kg_ruleset: the tables of each engine and the options
 * they were compiled with; freed when its last reference goes. What an
 * engine gets from the builder is k8s/engine.h; each engine declares its
 * build/free/dump in its own table.h (route/table.h, policy/table.h).
 */
#ifndef KGI_COMPILE_RULESET_H
#define KGI_COMPILE_RULESET_H

#include <stdatomic.h>

#include "k8s/engine.h"
#include "kgress.h"
#include "util/options.h"

struct kgi_routes;   /* route/ingress_compile: hosts, path tries, TLS */
struct kgi_netpol;   /* policy/netpol_compile: endpoints, rule sets, CIDR tables
                      */
struct kgi_services; /* policy/service: Service addresses -> endpoints */

struct kg_ruleset {
    atomic_long refs;
    struct kg_options opts;
    struct kgi_routes *routes;     /* never NULL once compiled */
    struct kgi_netpol *netpol;     /* never NULL once compiled */
    struct kgi_services *services; /* never NULL once compiled */
    /* an incremental compile (api/builder.c): routes and services are those
     * of this earlier ruleset, referenced; netpol is a delta of its */
    kg_ruleset *borrow;
};

#endif
