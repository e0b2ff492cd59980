// SPDX-License-Identifier: MIT
/*
 * builder.h - internal knobs and counters of the builder (api/builder.c)
 * for benchmarks and tests: whether compiles may be incremental, and how
 * many were, by what they covered.
 */
#ifndef KGI_API_BUILDER_H
#define KGI_API_BUILDER_H

#include <stdbool.h>
#include <stddef.h>

#include "kgress.h"

/* Off: every compile is full (benchmarks compare both). Not thread-safe:
 * set it before builders compile. */
extern bool kgi_builder_incremental;

/* Successful compiles of one builder since it was made. */
struct kgi_builder_stats {
    size_t full;       /* full compiles */
    size_t deltas;     /* incremental ones (policy/netpol_delta.c) */
    size_t delta_pods; /* ... of which with changed Pods */
    size_t delta_pols; /* ... with changed NetworkPolicies */
    size_t delta_ns;   /* ... with changed Namespaces */
};

void kgi_builder_stats(const kg_builder *b, struct kgi_builder_stats *out);

#endif
