// SPDX-License-Identifier: MIT
/*
 * fuzz_check_probe.h - properties every kg_check answer must have,
 * whatever the ruleset, on flows cut from fuzz bytes. Included by the
 * targets that build rulesets (fuzz_netpol, fuzz_check).
 *
 *   - the return code is 0, or KG_EINVAL exactly when the protocol or
 *     port is out of range;
 *   - allowed == egress.allowed && ingress.allowed, and each side's
 *     reason agrees with its other fields (not-a-pod has no pod, a rule
 *     allowance names its policy and rule, no-rule is a denial by at least
 *     one isolating policy, ...);
 *   - kg_check_str on the same flow as text gives the same verdict;
 *   - kg_check_side for a pod end agrees with that side of kg_check;
 *   - kg_verdict_format is snprintf-like;
 *   - kg_explain_rule lists each side's rules with at most one deciding,
 *     the rule the verdict names (a flow to a pod, not a Service).
 */
#ifndef KGRESS_FUZZ_CHECK_PROBE_H
#define KGRESS_FUZZ_CHECK_PROBE_H

#include <arpa/inet.h>

#include "fuzz_common.h"

static inline void fz_check_side(const kg_ruleset *rs, const struct kg_side *s,
                                 int dir)
{
    FZ_CHECK(s->reason >= KG_REASON_NOT_A_POD &&
             s->reason <= KG_REASON_HOST_NETWORK);
    FZ_CHECK(strcmp(kg_reason_name(s->reason), "?") != 0);
    switch (s->reason) {
    case KG_REASON_NOT_A_POD:
        FZ_CHECK(s->allowed && s->pod == KG_POD_NONE && s->pod_name == NULL);
        FZ_CHECK(s->policies == 0);
        break;
    case KG_REASON_NOT_ISOLATED:
        FZ_CHECK(s->allowed && s->policies == 0);
        break;
    case KG_REASON_ALLOWED_BY_RULE:
        FZ_CHECK(s->allowed && s->policy != NULL && s->rule >= 0);
        FZ_CHECK(s->policies > 0);
        break;
    case KG_REASON_NO_RULE:
        FZ_CHECK(!s->allowed && s->policies > 0);
        break;
    default:
        FZ_CHECK(s->allowed);
        break;
    }
    if (s->reason != KG_REASON_ALLOWED_BY_RULE)
        FZ_CHECK(s->policy == NULL && s->rule == -1);
    if (s->pod != KG_POD_NONE) {
        FZ_CHECK(s->pod_name != NULL);
        FZ_CHECK(kg_pod_name(rs, s->pod) != NULL &&
                 strcmp(kg_pod_name(rs, s->pod), s->pod_name) == 0);
        /* the isolating policies can be listed, exactly `policies` */
        for (unsigned i = 0; i < s->policies; i++)
            FZ_CHECK(kg_pod_policy(rs, s->pod, dir, i) != NULL);
        if (s->reason == KG_REASON_NOT_ISOLATED ||
            s->reason == KG_REASON_NO_RULE ||
            s->reason == KG_REASON_ALLOWED_BY_RULE)
            FZ_CHECK(kg_pod_policy(rs, s->pod, dir, s->policies) == NULL);
    }
}

/* The side explained rule by rule agrees with the verdict's side. */
static inline void fz_explain_side(const kg_ruleset *rs,
                                   const struct kg_addr *src,
                                   const struct kg_addr *dst, int proto,
                                   unsigned port, int dir,
                                   const struct kg_side *s)
{
    struct kg_flow f;
    memset(&f, 0, sizeof(f));
    f.size = sizeof(f);
    f.src = *src;
    f.dst = *dst;
    f.protocol = proto;
    f.port = port;
    struct kg_rule_match m;
    size_t decided = 0, i = 0;
    int rc;
    for (; i < 4096 && (rc = kg_explain_rule(rs, &f, dir, i, &m)) == 0; i++) {
        FZ_CHECK(m.policy != NULL && m.policy_kind != NULL);
        FZ_CHECK(strcmp(kg_match_name(KG_MATCH_EFFECT, m.effect), "?") != 0);
        FZ_CHECK(m.matched || m.effect == KG_EFFECT_NONE);
        if (m.effect != KG_EFFECT_DECIDED)
            continue;
        decided++;
        FZ_CHECK(m.policy == s->policy && m.rule == s->rule);
    }
    if (i < 4096)
        FZ_CHECK(rc == KG_ENOTFOUND);
    if (i < 4096 && (s->reason == KG_REASON_ALLOWED_BY_RULE ||
                     s->reason == KG_REASON_DENIED_BY_RULE))
        FZ_CHECK(decided == 1);
    FZ_CHECK(decided <= 1);
}

static inline bool fz_same_side(const struct kg_side *a,
                                const struct kg_side *b)
{
    return a->allowed == b->allowed && a->reason == b->reason &&
           a->pod == b->pod && a->policy == b->policy && a->rule == b->rule &&
           a->policies == b->policies;
}

static inline void fz_check_flow(const kg_ruleset *rs,
                                 const struct kg_addr *src,
                                 const struct kg_addr *dst, int proto,
                                 unsigned port)
{
    struct kg_verdict v;
    memset(&v, 0, sizeof(v));
    v.size = sizeof(v);
    int rc = kg_check(rs, src, dst, proto, port, &v);
    bool valid_args = (proto == KG_PROTO_TCP || proto == KG_PROTO_UDP ||
                       proto == KG_PROTO_SCTP) &&
                      port <= 65535;
    if (!valid_args) {
        FZ_CHECK(rc == KG_EINVAL);
        return;
    }
    FZ_CHECK(rc == 0);
    FZ_CHECK(v.allowed == (v.egress.allowed && v.ingress.allowed));
    fz_check_side(rs, &v.egress, KG_EGRESS);
    fz_check_side(rs, &v.ingress, KG_INGRESS);

    char text[512];
    size_t need = kg_verdict_format(&v, text, sizeof(text));
    FZ_CHECK(need > 0);
    if (need < sizeof(text))
        FZ_CHECK(strlen(text) == need);
    char tiny[4];
    FZ_CHECK(kg_verdict_format(&v, tiny, sizeof(tiny)) == need);
    FZ_CHECK(strlen(tiny) < sizeof(tiny));

    /* the same flow as text */
    char s1[INET6_ADDRSTRLEN], s2[INET6_ADDRSTRLEN];
    FZ_CHECK(inet_ntop(src->family == 4 ? AF_INET : AF_INET6, src->bytes, s1,
                       sizeof(s1)) != NULL);
    FZ_CHECK(inet_ntop(dst->family == 4 ? AF_INET : AF_INET6, dst->bytes, s2,
                       sizeof(s2)) != NULL);
    static const char *const pname[] = {"tcp", "UDP", "Sctp"};
    const char *pn = proto == KG_PROTO_TCP   ? pname[0]
                     : proto == KG_PROTO_UDP ? pname[1]
                                             : pname[2];
    struct kg_verdict w;
    memset(&w, 0, sizeof(w));
    w.size = sizeof(w);
    FZ_CHECK(kg_check_str(rs, s1, strlen(s1), s2, strlen(s2), pn, strlen(pn),
                          port, &w) == 0);
    FZ_CHECK(w.allowed == v.allowed);
    FZ_CHECK(fz_same_side(&w.egress, &v.egress));
    FZ_CHECK(fz_same_side(&w.ingress, &v.ingress));

    if (!v.service) {
        fz_explain_side(rs, src, dst, proto, port, KG_EGRESS, &v.egress);
        fz_explain_side(rs, src, dst, proto, port, KG_INGRESS, &v.ingress);
    }

    /* a sidecar's view of each side agrees */
    struct kg_side side;
    if (v.egress.pod != KG_POD_NONE && v.egress.reason != KG_REASON_LOOPBACK) {
        FZ_CHECK(kg_check_side(rs, v.egress.pod, KG_EGRESS, dst, proto, port,
                               &side) == 0);
        FZ_CHECK(side.allowed == v.egress.allowed);
    }
}

static inline void fz_addr_from(struct fz_in *in, struct kg_addr *a,
                                const char *const *known, size_t n_known)
{
    uint8_t sel = fz_u8(in);
    memset(a, 0, sizeof(*a));
    if (sel < 0xa0 && n_known) {
        /* a known address, possibly with its last byte changed */
        const char *s = known[sel % n_known];
        FZ_CHECK(kg_addr_parse(s, strlen(s), a) == 0);
        if (sel & 0x40)
            a->bytes[a->family == 4 ? 3 : 15] ^= fz_u8(in);
        return;
    }
    a->family = sel & 1 ? 6 : 4;
    for (int i = 0; i < (a->family == 4 ? 4 : 16); i++)
        a->bytes[i] = fz_u8(in);
}

static inline void fz_check_probe_known(const kg_ruleset *rs, struct fz_in in,
                                        const char *const *known,
                                        size_t n_known)
{
    for (int k = 0; k < 16 && in.n; k++) {
        struct kg_addr src, dst;
        fz_addr_from(&in, &src, known, n_known);
        fz_addr_from(&in, &dst, known, n_known);
        uint8_t p = fz_u8(&in);
        int proto =
            p < 0xf0 ? (int[]){KG_PROTO_TCP, KG_PROTO_UDP, KG_PROTO_SCTP}[p % 3]
                     : p;
        unsigned port = fz_u16(&in);
        if (p == 0xff)
            port += 65536;
        fz_check_flow(rs, &src, &dst, proto, port);
    }
}

static inline void fz_check_probe(const kg_ruleset *rs, struct fz_in in)
{
    static const char *const known[] = {
        "10.1.2.3",    "10.1.2.4", "10.2.0.1",    "2001:db8::5",
        "192.168.0.1", "10.1.2.9", "2001:db8::3", "10.244.0.10"};
    fz_check_probe_known(rs, in, known, sizeof(known) / sizeof(known[0]));
}

#endif
