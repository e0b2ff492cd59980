// SPDX-License-Identifier: MIT
/*
 * explain.h - one side of a flow judged rule by rule (kg_explain_rule):
 * every rule of every policy isolating the side, in evaluation order, with
 * how its peers and ports judged the flow and what it did to the side.
 *
 * Workload: `kgress explain` and Python Ruleset.explain, a few flows at a
 * time, on the compiled tables of policy/table.h and policy/tier_table.h
 * (the policy model is gone once a ruleset is compiled). The i-th rule
 * costs the i rules before it; nothing is allocated.
 */
#ifndef KGI_POLICY_EXPLAIN_H
#define KGI_POLICY_EXPLAIN_H

#include <stddef.h>

#include "kgress.h"
#include "policy/table.h"

/* kg_explain_rule on the policy tables; f is a full-size struct kg_flow
 * (the library's own copy). Same returns. */
int kgi_netpol_explain(const struct kgi_netpol *np, const struct kg_flow *f,
                       int dir, size_t i, struct kg_rule_match *out);

#endif
