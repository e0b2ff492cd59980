// SPDX-License-Identifier: MIT
/*
 * engine.h - what an engine (route, policy) gets from the builder
 * (lib/api): the objects of a compile. Each engine declares its build,
 * free and dump on it in its own table.h, so no engine includes lib/api.
 *
 * The builder reads every object's kind and metadata (k8s/meta), then
 * hands the objects to each engine, which models, validates and compiles
 * the kinds it reads into its own immutable tables, owned by the ruleset.
 */
#ifndef KGI_K8S_ENGINE_H
#define KGI_K8S_ENGINE_H

#include <stddef.h>

#include "k8s/meta.h"
#include "util/diag.h"
#include "util/options.h"
#include "util/out.h"

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

#endif
