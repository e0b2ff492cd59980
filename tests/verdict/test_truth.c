// SPDX-License-Identifier: MIT
/*
 * test_truth.c - Kubernetes-e2e-style truth tables (test/e2e/network/netpol
 * reachability.go): namespaces x, y, z (label ns=<name>, plus the implied
 * kubernetes.io/metadata.name), pods a, b, c in each (label pod=<name>),
 * each serving ports 80 and 81 on TCP, UDP and SCTP under the names
 * serve-<port>-<proto>; probes from every pod to every other pod on every
 * (port, protocol). Loopback is ignored, as upstream does.
 *
 * Each case is a policy set plus its expected table, written as data the
 * way the e2e suite does: start all-true, then Expect/ExpectPeer edits on
 * (from, to) patterns ("x/a", "x/any", "any/a", "any"; written with a star)
 * for some (port, protocol)
 * combinations. Nothing here is computed by the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vtest.h"

static const char *const NS[3] = {"x", "y", "z"};
static const char *const POD[3] = {"a", "b", "c"};
static const unsigned PORTS[2] = {80, 81};
static const char *const PROTO[3] = {"TCP", "UDP", "SCTP"};

/* (port, protocol) combinations: bit port_i * 3 + proto_i */
#define ALL 0x3fu
#define P80 0x07u
#define P81 0x38u
#define TCP 0x09u
#define UDP 0x12u
#define SCTP 0x24u

struct reach {
    bool m[6][9][9]; /* [combo][from][to] */
};

static bool pat_match(const char *pat, int k)
{
    if (strcmp(pat, "*") == 0)
        return true;
    char ns[8], pod[8];
    if (sscanf(pat, "%7[^/]/%7s", ns, pod) != 2)
        abort();
    return (strcmp(ns, "*") == 0 || strcmp(ns, NS[k / 3]) == 0) &&
           (strcmp(pod, "*") == 0 || strcmp(pod, POD[k % 3]) == 0);
}

/* ExpectPeer: every (from, to) matching the patterns, on the combos. */
static void expect(struct reach *r, const char *from, const char *to,
                   unsigned combos, bool v)
{
    for (int c = 0; c < 6; c++)
        if (combos & (1u << c))
            for (int f = 0; f < 9; f++)
                for (int t = 0; t < 9; t++)
                    if (pat_match(from, f) && pat_match(to, t))
                        r->m[c][f][t] = v;
}

static void pod_ip(int k, char *buf, size_t cap)
{
    snprintf(buf, cap, "10.0.%d.%d", k / 3, k % 3 + 1);
}

/* The cluster: namespaces and pods, as kubectl prints them. */
static void cluster(struct tbuf *y)
{
    for (int n = 0; n < 3; n++)
        tbuf_printf(y,
                    "---\napiVersion: v1\nkind: Namespace\nmetadata:\n"
                    "  name: '%s'\n  labels: {ns: '%s'}\n",
                    NS[n], NS[n]);
    for (int k = 0; k < 9; k++) {
        char ip[32];
        pod_ip(k, ip, sizeof(ip));
        tbuf_printf(y,
                    "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n"
                    "  namespace: '%s'\n  labels: {pod: %s}\nspec:\n"
                    "  containers:\n",
                    POD[k % 3], NS[k / 3], POD[k % 3]);
        for (int p = 0; p < 2; p++)
            for (int q = 0; q < 3; q++)
                tbuf_printf(
                    y,
                    "  - name: cont-%u-%s\n    image: agnhost\n"
                    "    ports:\n    - {containerPort: %u, protocol: %s, "
                    "name: serve-%u-%c%c%c%s}\n",
                    PORTS[p],
                    q == 0   ? "tcp"
                    : q == 1 ? "udp"
                             : "sctp",
                    PORTS[p], PROTO[q], PORTS[p], PROTO[q][0] | 0x20,
                    PROTO[q][1] | 0x20, PROTO[q][2] | 0x20, q == 2 ? "p" : "");
        tbuf_printf(y,
                    "status:\n  hostIP: 192.168.9.9\n  podIP: %s\n"
                    "  podIPs: [{ip: %s}]\n",
                    ip, ip);
    }
}

#define POLICY(ns, name)                                                       \
    "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"             \
    "metadata: {name: " name ", namespace: '" ns "'}\nspec:\n"

struct tcase {
    const char *name;
    const char *policies;
    void (*expect)(struct reach *r);
};

/* 1. "should support a 'default-deny-ingress' policy" */
static void e_deny_ingress(struct reach *r)
{
    expect(r, "*", "x/*", ALL, false);
}

/* 2. "should support a 'default-deny-all' policy" (egress only here) */
static void e_deny_egress(struct reach *r)
{
    expect(r, "x/*", "*", ALL, false);
}

/* 3. default-deny-all: both directions */
static void e_deny_all(struct reach *r)
{
    expect(r, "*", "x/*", ALL, false);
    expect(r, "x/*", "*", ALL, false);
}

/* 4. "should enforce policy to allow traffic from pods within server
 *    namespace based on PodSelector" */
static void e_pod_selector(struct reach *r)
{
    expect(r, "*", "x/a", ALL, false);
    expect(r, "x/b", "x/a", ALL, true);
}

/* 5. "...based on NamespaceSelector" */
static void e_ns_selector(struct reach *r)
{
    expect(r, "*", "x/a", ALL, false);
    expect(r, "y/*", "x/a", ALL, true);
}

/* 6. "...PodSelector and NamespaceSelector" (one peer: AND) */
static void e_and(struct reach *r)
{
    expect(r, "*", "x/a", ALL, false);
    expect(r, "y/c", "x/a", ALL, true);
}

/* 7. "...PodSelector or NamespaceSelector" (two peers: OR) */
static void e_or(struct reach *r)
{
    expect(r, "*", "x/a", ALL, false);
    expect(r, "y/*", "x/a", ALL, true);
    expect(r, "x/c", "x/a", ALL, true);
}

/* 8. "should enforce policy based on NamespaceSelector with
 *    MatchExpressions using default ns label" (NotIn) */
static void e_notin_ns_name(struct reach *r)
{
    expect(r, "y/*", "x/a", ALL, false);
}

/* 9. "should enforce policy based on Ports" (numeric, TCP default) */
static void e_port_only(struct reach *r)
{
    expect(r, "*", "x/a", ALL, false);
    expect(r, "*", "x/a", P81 & TCP, true);
}

/* 10. "should allow ingress access on one named port" (UDP name) */
static void e_named_port(struct reach *r)
{
    expect(r, "*", "x/a", ALL, false);
    expect(r, "*", "x/a", P80 & UDP, true);
}

/* 11. "should allow egress access to server in CIDR block" (pod /32) */
static void e_cidr_egress(struct reach *r)
{
    expect(r, "x/a", "*", ALL, false);
    expect(r, "x/a", "y/b", ALL, true);
}

/* 12. "should enforce except clause while egress access to server in CIDR
 *     block" */
static void e_cidr_except(struct reach *r)
{
    expect(r, "x/a", "y/b", ALL, false);
}

/* 13. "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP'" */
static void e_sctp_only(struct reach *r)
{
    expect(r, "*", "x/a", ALL, false);
    expect(r, "*", "x/a", P80 & SCTP, true);
}

/* 14. "should enforce policy to allow traffic based on a range of ports" */
static void e_endport(struct reach *r)
{
    expect(r, "*", "x/a", ALL, false);
    expect(r, "*", "x/a", TCP, true);
}

/* 15. "should enforce multiple, stacked policies with overlapping
 *     podSelectors" (union) */
static void e_stacked(struct reach *r)
{
    expect(r, "*", "x/*", ALL, false);
    expect(r, "y/*", "x/a", ALL, true);
    expect(r, "z/*", "x/*", P81 & TCP, true);
}

/* 16. "should support denying of egress traffic on the client side (even
 *     if the server explicitly allows this traffic)" */
static void e_egress_beats_ingress(struct reach *r)
{
    expect(r, "x/a", "*", ALL, false);
    expect(r, "x/a", "y/a", P80 & TCP, true);
    /* y/a accepts only x/a on TCP 80 */
    expect(r, "*", "y/a", ALL, false);
    expect(r, "x/a", "y/a", P80 & TCP, true);
}

/* 17. a policy in another namespace never isolates x's pods; empty
 *     ingress list = deny; policyTypes [Egress] ignores the ingress list */
static void e_other_ns(struct reach *r)
{
    expect(r, "*", "y/a", ALL, false);
    expect(r, "z/b", "*", ALL, false);
}

/* 18. "should allow ingress access from namespace on one named port" plus
 *     egress DNS-style: UDP and TCP on one port each */
static void e_egress_ports(struct reach *r)
{
    expect(r, "z/*", "*", ALL, false);
    expect(r, "z/*", "*", P81 & (UDP | TCP), true);
}

/* 19. allow-all `{}` rules restore everything after a deny-all */
static void e_allow_all(struct reach *r)
{
    (void)r;
}

/* 20. ipBlock cidr /0 except one namespace's /24 (ingress) */
static void e_cidr0_except(struct reach *r)
{
    expect(r, "z/*", "x/*", ALL, false);
}

static const struct tcase cases[] = {
    {"deny-ingress",
     POLICY("x", "deny") "  podSelector: {}\n  policyTypes: [Ingress]\n",
     e_deny_ingress},
    {"deny-egress",
     POLICY("x", "deny") "  podSelector: {}\n  policyTypes: [Egress]\n",
     e_deny_egress},
    {"deny-all",
     POLICY("x",
            "deny") "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
     e_deny_all},
    {"pod-selector",
     POLICY("x", "allow-b") "  podSelector: {matchLabels: {pod: a}}\n  "
                            "ingress:\n  - from:\n"
                            "    - podSelector: {matchLabels: {pod: b}}\n",
     e_pod_selector},
    {"ns-selector",
     POLICY("x",
            "allow-y") "  podSelector: {matchLabels: {pod: a}}\n  "
                       "ingress:\n  - from:\n"
                       "    - namespaceSelector: {matchLabels: {ns: 'y'}}\n",
     e_ns_selector},
    {"and",
     POLICY("x",
            "allow-yc") "  podSelector: {matchLabels: {pod: a}}\n  "
                        "ingress:\n  - from:\n"
                        "    - namespaceSelector: {matchLabels: {ns: 'y'}}\n"
                        "      podSelector: {matchLabels: {pod: c}}\n",
     e_and},
    {"or",
     POLICY(
         "x",
         "allow-y-or-c") "  podSelector: {matchLabels: {pod: a}}\n  "
                         "ingress:\n  - from:\n"
                         "    - namespaceSelector: {matchLabels: {ns: 'y'}}\n"
                         "    - podSelector: {matchLabels: {pod: c}}\n",
     e_or},
    {"notin-ns-name",
     POLICY("x",
            "not-y") "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - "
                     "from:\n"
                     "    - namespaceSelector:\n        matchExpressions:\n"
                     "        - {key: kubernetes.io/metadata.name, operator: "
                     "NotIn, "
                     "values: ['y']}\n",
     e_notin_ns_name},
    {"port-only",
     POLICY("x",
            "port-81") "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n"
                       "  - ports:\n    - port: 81\n",
     e_port_only},
    {"named-port",
     POLICY("x",
            "named") "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n"
                     "  - ports:\n    - {port: serve-80-udp, protocol: UDP}\n"
                     /* wrong protocol for the name: matches nothing
                        (pathological case) */
                     "    - {port: serve-81-udp, protocol: TCP}\n",
     e_named_port},
    {"cidr-egress",
     POLICY("x",
            "to-yb") "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: "
                     "[Egress]\n"
                     "  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.1.2/32}\n",
     e_cidr_egress},
    {"cidr-except",
     POLICY("x", "except-yb") "  podSelector: {matchLabels: {pod: a}}\n  "
                              "policyTypes: [Egress]\n"
                              "  egress:\n  - to:\n    - ipBlock:\n        "
                              "cidr: 10.0.0.0/16\n"
                              "        except: [10.0.1.2/32]\n",
     e_cidr_except},
    {"sctp-only",
     POLICY("x", "sctp") "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n"
                         "  - ports:\n    - {port: 80, protocol: SCTP}\n",
     e_sctp_only},
    {"endport",
     POLICY("x", "range") "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n"
                          "  - ports:\n    - {port: 80, endPort: 81}\n",
     e_endport},
    {"stacked",
     POLICY("x", "deny") "  podSelector: {}\n  policyTypes: [Ingress]\n" POLICY(
         "x",
         "from-y") "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - "
                   "from:\n"
                   "    - namespaceSelector: {matchLabels: {ns: 'y'}}\n" POLICY(
                       "x",
                       "z-on-81") "  podSelector: {}\n  ingress:\n  - from:\n"
                                  "    - namespaceSelector:\n        "
                                  "matchExpressions:\n"
                                  "        - {key: ns, operator: In, values: "
                                  "[z]}\n    ports:\n"
                                  "    - {port: 81, protocol: TCP}\n",
     e_stacked},
    {"egress-beats-ingress",
     POLICY(
         "x",
         "a-egress") "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: "
                     "[Egress]\n"
                     "  egress:\n  - to:\n    - namespaceSelector: "
                     "{matchLabels: {ns: 'y'}}\n"
                     "      podSelector: {matchLabels: {pod: a}}\n    ports:\n"
                     "    - port: 80\n" POLICY(
                         "y", "a-ingress") "  podSelector: {matchLabels: {pod: "
                                           "a}}\n  ingress:\n  - from:\n"
                                           "    - namespaceSelector: "
                                           "{matchLabels: {ns: x}}\n"
                                           "      podSelector:\n        "
                                           "matchExpressions:\n"
                                           "        - {key: pod, operator: In, "
                                           "values: [a]}\n    ports:\n"
                                           "    - {port: serve-80-tcp}\n",
     e_egress_beats_ingress},
    {"other-namespace",
     POLICY("y", "deny-a") "  podSelector: {matchLabels: {pod: a}}\n  ingress: "
                           "[]\n" POLICY(
                               "z",
                               "b-egress-only") "  podSelector:\n    "
                                                "matchExpressions:\n"
                                                "    - {key: pod, operator: "
                                                "NotIn, values: [a, c]}\n"
                                                "  policyTypes: [Egress]\n  "
                                                "ingress:\n  - {}\n",
     e_other_ns},
    {"egress-ports",
     POLICY(
         "z",
         "dns-like") "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n"
                     "  - ports:\n    - {port: 81, protocol: UDP}\n"
                     "    - {port: 81, protocol: TCP}\n",
     e_egress_ports},
    {"allow-all",
     POLICY(
         "x",
         "deny") "  podSelector: {}\n"
                 "  policyTypes: [Ingress, Egress]\n" POLICY(
                     "x",
                     "allow") "  podSelector:\n    matchExpressions:\n"
                              "    - {key: pod, operator: Exists}\n"
                              "    - {key: missing, operator: DoesNotExist}\n"
                              "  policyTypes: [Ingress, Egress]\n  ingress:\n  "
                              "- {}\n  egress:\n"
                              "  - {}\n",
     e_allow_all},
    {"cidr0-except",
     POLICY(
         "x",
         "not-z") "  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock:\n"
                  "        cidr: 0.0.0.0/0\n        except: [10.0.2.0/24]\n"
                  "    - ipBlock: {cidr: \"::/0\"}\n",
     e_cidr0_except},
};

static int run_case(const struct tcase *tc, bool show)
{
    struct tbuf y = {0};
    cluster(&y);
    tbuf_printf(&y, "%s", tc->policies);
    kg_ruleset *rs = vcompile(y.p, y.n, NULL);
    tbuf_free(&y);
    if (!rs) {
        fprintf(stderr, "%s: does not compile\n", tc->name);
        return 1;
    }
    struct reach r;
    for (int c = 0; c < 6; c++)
        for (int f = 0; f < 9; f++)
            for (int t = 0; t < 9; t++)
                r.m[c][f][t] = true;
    tc->expect(&r);
    int wrong = 0;
    for (int c = 0; c < 6; c++) {
        int bad = 0;
        char table[9][10];
        for (int f = 0; f < 9; f++) {
            for (int t = 0; t < 9; t++) {
                char src[32], dst[32];
                pod_ip(f, src, sizeof(src));
                pod_ip(t, dst, sizeof(dst));
                struct kg_verdict v =
                    vcheck(rs, src, dst, PORTS[c / 3], PROTO[c % 3]);
                bool ok = f == t || v.allowed == r.m[c][f][t];
                table[f][t] = f == t ? '.' : !ok ? 'X' : v.allowed ? '+' : '-';
                bad += !ok;
            }
            table[f][9] = '\0';
        }
        if (bad || show) {
            fprintf(stderr, "%s %u/%s: %d wrong (X)\n      abcabcabc\n",
                    tc->name, PORTS[c / 3], PROTO[c % 3], bad);
            for (int f = 0; f < 9; f++)
                fprintf(stderr, "  %s/%s %s\n", NS[f / 3], POD[f % 3],
                        table[f]);
        }
        wrong += bad;
    }
    kg_ruleset_unref(rs);
    return wrong;
}

static void test_truth_tables(void **state)
{
    (void)state;
    int wrong = 0;
    bool show = getenv("KGRESS_SHOW_TABLES") != NULL;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        wrong += run_case(&cases[i], show);
    assert_int_equal(wrong, 0);
}

/* The tables must not be vacuous: each case denies something, except the
 * allow-all case whose point is that nothing is denied. */
static void test_cases_deny_something(void **state)
{
    (void)state;
    assert_true(sizeof(cases) / sizeof(cases[0]) >= 10);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct reach r;
        memset(&r, 1, sizeof(r));
        for (int c = 0; c < 6; c++)
            for (int f = 0; f < 9; f++)
                for (int t = 0; t < 9; t++)
                    r.m[c][f][t] = true;
        cases[i].expect(&r);
        int denied = 0;
        for (int c = 0; c < 6; c++)
            for (int f = 0; f < 9; f++)
                for (int t = 0; t < 9; t++)
                    denied += f != t && !r.m[c][f][t];
        if (strcmp(cases[i].name, "allow-all") == 0)
            assert_int_equal(denied, 0);
        else
            assert_true(denied > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truth_tables),
        cmocka_unit_test(test_cases_deny_something),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
