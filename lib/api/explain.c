// SPDX-License-Identifier: MIT
/*
 * explain.c - kg_explain_rule, the public entry of the rule-by-rule
 * explanation of a flow's side (policy/explain.c does the work on the
 * ruleset's policy tables).
 *
 * Workload: a diagnostic call; the caller's struct kg_flow is copied to
 * the library's size (kgress.h "ABI promise": an older caller's smaller
 * flow reads as absent fields), nothing is allocated.
 */
#include "api/ruleset.h"
#include "util/abi.h"
#if KGI_WITH_POLICY
#include "policy/explain.h"
#endif

KG_API int kg_explain_rule(const kg_ruleset *rs, const struct kg_flow *flow,
                           int direction, size_t i, struct kg_rule_match *out)
{
    if (!rs || !flow || !out || flow->size < KG_FLOW_SIZE_0_2)
        return KG_EINVAL;
    struct kg_flow f;
    kgi_abi_in(&f, sizeof(f), flow);
#if KGI_WITH_POLICY
    return kgi_netpol_explain(rs->netpol, &f, direction, i, out);
#else
    (void)direction, (void)i;
    return KG_ENOTSUPPORTED; /* built without the policy engine */
#endif
}
