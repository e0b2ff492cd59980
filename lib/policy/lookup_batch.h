// SPDX-License-Identifier: MIT
/*
 * lookup_batch.h - the prefetch stages of a batch of verdicts (the
 * pipeline of kg_check_batch, lib/api/check_batch.c): what a flow's
 * kg_check_flow will read, started early. Reads only; never changes an
 * answer.
 */
#ifndef KGI_POLICY_LOOKUP_BATCH_H
#define KGI_POLICY_LOOKUP_BATCH_H

#include <stdbool.h>

#include "policy/cidrtab.h"
#include "policy/table.h"

/* One flow's state between stages. */
struct kgi_vd_prefetch {
    struct kgi_ip s, d;
    bool ok; /* both addresses valid */
    /* the CIDR tables the flow's isolated sides search, for peers d, s */
    const struct kgi_cidrtab *tab[2];
};

/* Stage 0: parses src and dst into st and prefetches their endpoint
 * table slots (nothing when an address is invalid). */
void kgi_vd_prefetch0(const struct kgi_netpol *np, const struct kg_addr *src,
                      const struct kg_addr *dst, struct kgi_vd_prefetch *st);
/* Stage 1: resolves the pods, picks the CIDR table each isolated side
 * will search and prefetches its top-level word. */
void kgi_vd_prefetch1(const struct kgi_netpol *np, struct kgi_vd_prefetch *st);
/* Stage 2: prefetches the LPM record or node those words name. */
void kgi_vd_prefetch2(struct kgi_vd_prefetch *st);

#endif
