// SPDX-License-Identifier: MIT
/*
 * tier_build.h - the steps of the tier compiler (policy/tier_compile.c)
 * that the NetworkPolicy compile (policy/netpol_compile.c) runs, in this
 * order, because the tiers share its identities and selections:
 *
 *   kgi_tier_read          after the NetworkPolicy objects are read
 *   kgi_tier_build_rules   after its rules (selections are still open)
 *   kgi_tier_build_chains  after kgi_vd_finish_idents
 *   kgi_tier_build_release always (scratch state)
 *
 * Control plane only; the tables are policy/tier_table.h.
 */
#ifndef KGI_POLICY_TIER_BUILD_H
#define KGI_POLICY_TIER_BUILD_H

#include <stdbool.h>

#include "policy/netpol_build.h"

/* Reads every ClusterNetworkPolicy, AdminNetworkPolicy,
 * BaselineAdminNetworkPolicy and Node of b->in into scratch state,
 * refusing duplicates; invalid objects are dropped and set *errors
 * (unless KG_FLAG_SKIP_INVALID). Returns 0 or KG_ENOMEM. */
int kgi_tier_read(struct kgi_vd_build *b, bool *errors);
/* Policies in evaluation order, their rules, ports, peers (selections,
 * networks and node addresses, domain patterns) into b->np->tiers (left
 * NULL when there is no tier policy). Returns 0 or KG_ENOMEM. */
int kgi_tier_build_rules(struct kgi_vd_build *b);
/* Subjects -> per identity and direction chains; equal-priority warnings.
 * Returns 0 or KG_ENOMEM. */
int kgi_tier_build_chains(struct kgi_vd_build *b);
void kgi_tier_build_release(struct kgi_vd_build *b);

#endif
