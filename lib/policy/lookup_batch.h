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
    bool ok;          /* both addresses valid */
    uint32_t pod[2];  /* of s, d (KGI_VD_NONE: none) */
    uint32_t rsid[2]; /* egress rule set of s's pod, ingress of d's */
};

/* The stages, each run KGI_VD_PREFETCH_STEP flows after the previous one
 * on the same flow, the verdict after the last:
 *   0 parse src and dst, prefetch their endpoint table slots;
 *   1 resolve the pods (slots in cache), prefetch their records;
 *   2 read their identities, prefetch the identity records;
 *   3 read the rule sets, prefetch their records;
 *   4 prefetch the CIDR tables' top-level words for the peers;
 *   5 prefetch the LPM records or nodes those words name. */
#define KGI_VD_PREFETCH_STAGES 6
void kgi_vd_prefetch(const struct kgi_netpol *np, const struct kg_addr *src,
                     const struct kg_addr *dst, struct kgi_vd_prefetch *st,
                     int stage);

#endif
