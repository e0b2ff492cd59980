// SPDX-License-Identifier: MIT
/*
 * ruleset.h - struct kg_ruleset and the interface between the builder and
 * the two compilers (Ingress routes, NetworkPolicy verdicts).
 *
 * The builder reads every object's kind and metadata (k8s/meta), then
 * hands the objects to each compiler, which models, validates and compiles
 * the kinds it reads into its own immutable tables. The ruleset owns both
 * and is freed when its last reference goes.
 */
#ifndef KGI_COMPILE_RULESET_H
#define KGI_COMPILE_RULESET_H

#include <stdatomic.h>

#include "k8s/meta.h"
#include "kgress.h"
#include "util/diag.h"
#include "util/options.h"
#include "util/out.h"

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

/* What a compiler gets: every object of a known kind whose metadata is
 * valid, in input order. Compilers report through diags (with the file and
 * marks of each object) and honour KG_FLAG_SKIP_INVALID themselves: an
 * invalid object is then left out and its errors demoted to warnings
 * (kgi_diag_demote from the count before it). Everything objs points to
 * (node trees, metadata strings) lives only until the build returns: copy
 * what the compiled tables keep into their own memory. */
struct kgi_compile_in {
    const struct kg_options *opts;
    struct kg_diagnostics *diags;
    const struct kgi_meta *objs;
    size_t n;
};

/* Each returns 0, KG_ECOMPILE (errors are in diags), or KG_ENOMEM; on
 * failure *out is NULL and nothing leaks. */
int kgi_routes_build(const struct kgi_compile_in *in, struct kgi_routes **out);
void kgi_routes_free(struct kgi_routes *r);
void kgi_routes_dump(const struct kgi_routes *r, int format, struct kgi_out *o);

int kgi_netpol_build(const struct kgi_compile_in *in, struct kgi_netpol **out);
/* Drops a reference (the tables are reference counted: a delta holds its
 * base). */
void kgi_netpol_free(struct kgi_netpol *p);

/* Incremental NetworkPolicy compiles (policy/netpol_delta.c). A full
 * compile that keeps, in *keep, what a delta needs (NULL when the tables
 * cannot be extended: then every compile is full). */
struct kgi_vd_keep;
int kgi_netpol_build_keep(const struct kgi_compile_in *in,
                          struct kgi_netpol **out, struct kgi_vd_keep **keep);
void kgi_netpol_keep_free(struct kgi_vd_keep *k);
/* The key of a pod that changed since the keep's compile. */
struct kgi_vd_gone {
    struct kgi_str ns, name;
};
/* Tables equal to a full compile of the keep's objects with the pods
 * gone[0..n_gone) (every pod key that changed since) replaced by those of
 * in (their current objects; Pods only). Returns 0, KG_ECOMPILE (errors in
 * in->diags), KG_ENOMEM, or KGI_NETPOL_FULL when only a full compile can
 * (a new namespace, a shared pod address, ...). */
#define KGI_NETPOL_FULL 1
int kgi_netpol_delta(const struct kgi_vd_keep *k,
                     const struct kgi_compile_in *in,
                     const struct kgi_vd_gone *gone, size_t n_gone,
                     struct kgi_netpol **out);
void kgi_netpol_dump(const struct kgi_netpol *p, int format, struct kgi_out *o);

#endif
