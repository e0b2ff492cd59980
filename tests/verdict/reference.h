// SPDX-License-Identifier: MIT
/*
 * reference.h - a NetworkPolicy evaluator that "always tells the truth"
 * (Redis rax's phrase), for the differential tests and the benchmark.
 *
 * It keeps the model objects as read (policy/netpol_model.h) and, for each
 * flow, walks every policy, rule and peer and evaluates the label selectors
 * with its own matcher: no tables, no precomputation, nothing shared with
 * lib/compile or lib/lookup. It answers the same questions as kg_check
 * (verdict, each side's reason, deciding policy and rule) with the same
 * documented choices (kgress.h, "verdict"), so any difference is a bug in
 * one of the two.
 */
#ifndef KGRESS_TESTS_VERDICT_REFERENCE_H
#define KGRESS_TESTS_VERDICT_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>

#include "kgress.h"
#include "policy/netpol_model.h"
#include "util/arena.h"
#include "util/diag.h"
#include "util/options.h"
#include "yaml/load.h"

struct ref {
    struct kg_options opts;
    struct kgi_arena arena;
    struct kgi_objects objs;
    struct kg_diagnostics diags;
    struct kgi_namespace *ns;
    size_t n_ns;
    struct kgi_pod *pods;
    size_t n_pods;
    struct kgi_np_policy *pols; /* sorted by namespace/name */
    size_t n_pols;
};

/* Loads one YAML stream. Returns 0, or -1 when anything is invalid (the
 * reference does not skip). */
int ref_load(struct ref *r, const struct kg_options *opts, const char *yaml,
             size_t len);
void ref_free(struct ref *r);

struct ref_side {
    bool allowed;
    int reason;  /* KG_REASON_* */
    long pod;    /* index in r->pods, -1 when not a pod */
    long policy; /* index in r->pols of the allowing policy, else -1 */
    int rule;    /* its rule index, else -1 */
    unsigned policies;
};

/* The pod owning ip, or -1. */
long ref_owner(const struct ref *r, const struct kgi_ip *ip);
/* One side of pod (index, or -1) in direction dir. */
void ref_side(const struct ref *r, long pod, int dir, const struct kgi_ip *peer,
              int proto, unsigned port, struct ref_side *out);
/* A whole flow; returns allowed. */
bool ref_check(const struct ref *r, const struct kgi_ip *src,
               const struct kgi_ip *dst, int proto, unsigned port,
               struct ref_side *egress, struct ref_side *ingress);

#endif
