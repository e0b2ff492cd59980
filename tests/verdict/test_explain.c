// SPDX-License-Identifier: MIT
/*
 * test_explain.c - kg_explain_rule, a flow's side rule by rule.
 *
 * First one small cluster where every peer and port answer, every effect
 * and every tier occurs once, each checked by name. Then agreement with
 * the verdict over every cluster of tests/data/verdict and
 * tests/data/tiers/conformance: for all pod pairs (and outside addresses)
 * on a set of ports and the three protocols, each side's listing names
 * exactly the NetworkPolicies kg_pod_policy lists, `matched` is peers and
 * ports matched, at most one rule decides and it is the rule the verdict's
 * detail reports (tier, policy, rule), a Pass rule is followed by no
 * decision of its tier, and with NetworkPolicy alone an isolated side is
 * allowed by a rule exactly when some listed rule matched.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vtest.h"

static const char *data_dir = "tests/data";

static const char cluster[] =
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n"
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: ops}\n---\n"
    "apiVersion: v1\nkind: Pod\n"
    "metadata: {name: a, namespace: shop, labels: {app: a}}\n"
    "spec: {containers: [{name: c, ports: [{name: web, containerPort: 80}]}]}\n"
    "status: {podIP: 10.0.0.1}\n"
    "---\n"
    "apiVersion: v1\nkind: Pod\n"
    "metadata: {name: b, namespace: shop, labels: {app: b}}\n"
    "spec: {containers: [{name: c, ports: [{name: web, containerPort: "
    "8080}]}]}\n"
    "status: {podIP: 10.0.0.2}\n"
    "---\n"
    "apiVersion: v1\nkind: Pod\n"
    "metadata: {name: c, namespace: ops, labels: {app: c}}\n"
    "status: {podIP: 10.0.1.3}\n"
    "---\n"
    /* b's ingress: rule 0 selects x (nobody) on any port, rule 1 selects
     * a on UDP 53, rule 2 a on TCP 9000-9001, rule 3 a on the named port
     * web, rule 4 everyone on 80, rule 5 an ipBlock holding a and c */
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
    "metadata: {name: b-in, namespace: shop}\n"
    "spec:\n"
    "  podSelector: {matchLabels: {app: b}}\n"
    "  policyTypes: [Ingress]\n"
    "  ingress:\n"
    "  - from: [{podSelector: {matchLabels: {app: x}}}]\n"
    "  - from: [{podSelector: {matchLabels: {app: a}}}]\n"
    "    ports: [{port: 53, protocol: UDP}]\n"
    "  - from: [{podSelector: {matchLabels: {app: a}}}]\n"
    "    ports: [{port: 9000, endPort: 9001}]\n"
    "  - from: [{podSelector: {matchLabels: {app: a}}}]\n"
    "    ports: [{port: web}]\n"
    "  - ports: [{port: 80}]\n"
    "  - from: [{ipBlock: {cidr: 10.0.0.0/16}}]\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
    "metadata: {name: deny-all, namespace: shop}\n"
    "spec: {podSelector: {}, policyTypes: [Ingress]}\n"
    "---\n"
    /* a's egress: the admin tier denies ops, passes 10.9/16 (so its Deny
     * of 10.9.0/24 is not reached), the baseline denies DNS to 8.8.8.8 and
     * 10.9/16; a has no egress NetworkPolicy */
    "apiVersion: policy.networking.k8s.io/v1alpha1\n"
    "kind: AdminNetworkPolicy\n"
    "metadata: {name: guard}\n"
    "spec:\n"
    "  priority: 5\n"
    "  subject: {pods: {namespaceSelector: {}, podSelector: "
    "{matchLabels: {app: a}}}}\n"
    "  egress:\n"
    "  - name: no-ops\n    action: Deny\n"
    "    to: [{namespaces: {matchLabels: "
    "{kubernetes.io/metadata.name: ops}}}]\n"
    "  - name: pass-nine\n    action: Pass\n"
    "    to: [{networks: [10.9.0.0/16]}]\n"
    "  - name: after-pass\n    action: Deny\n"
    "    to: [{networks: [10.9.0.0/24]}]\n"
    "---\n"
    "apiVersion: policy.networking.k8s.io/v1alpha1\n"
    "kind: BaselineAdminNetworkPolicy\n"
    "metadata: {name: default}\n"
    "spec:\n"
    "  subject: {pods: {namespaceSelector: {}, podSelector: "
    "{matchLabels: {app: a}}}}\n"
    "  egress:\n"
    "  - name: no-dns\n    action: Deny\n"
    "    to: [{networks: [8.8.8.8/32, 10.9.0.0/16]}]\n"
    "    ports: [{portNumber: {protocol: UDP, port: 53}}]\n";

static kg_ruleset *small;

static int setup(void **state)
{
    (void)state;
    small = vcompile(cluster, sizeof(cluster) - 1, NULL);
    return small ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    kg_ruleset_unref(small);
    return 0;
}

static struct kg_flow flow(const char *src, const char *dst, int proto,
                           unsigned port)
{
    struct kg_flow f;
    memset(&f, 0, sizeof(f));
    f.size = sizeof(f);
    assert_int_equal(kg_addr_parse(src, strlen(src), &f.src), 0);
    assert_int_equal(kg_addr_parse(dst, strlen(dst), &f.dst), 0);
    f.protocol = proto;
    f.port = port;
    return f;
}

/* Every rule of one side; returns how many (at most max). */
static size_t rules(const kg_ruleset *rs, const struct kg_flow *f, int dir,
                    struct kg_rule_match *m, size_t max)
{
    size_t n = 0;
    int rc;
    while ((rc = kg_explain_rule(rs, f, dir, n, &m[n])) == 0) {
        n++;
        assert_true(n < max);
    }
    assert_int_equal(rc, KG_ENOTFOUND);
    return n;
}

static void expect(const struct kg_rule_match *m, const char *policy, int rule,
                   int peer, int ports, int effect)
{
    assert_string_equal(m->policy, policy);
    assert_int_equal(m->rule, rule);
    assert_int_equal(m->peer, peer);
    assert_int_equal(m->ports, ports);
    assert_int_equal(m->effect, effect);
    bool ok = peer >= KG_PEER_ANY && peer <= KG_PEER_DOMAIN &&
              ports >= KG_PORTS_ANY && ports <= KG_PORTS_NAMED;
    assert_int_equal(m->matched, ok);
}

/* b's ingress from a on TCP 8080 (its named port web): rule 3 decides. */
static void test_networkpolicy_reasons(void **state)
{
    (void)state;
    struct kg_rule_match m[16];
    struct kg_flow f = flow("10.0.0.1", "10.0.0.2", KG_PROTO_TCP, 8080);
    size_t n = rules(small, &f, KG_INGRESS, m, 16);
    assert_int_equal(n, 7); /* six rules of b-in, deny-all's placeholder */
    expect(&m[0], "shop/b-in", 0, KG_PEER_NOT_SELECTED, KG_PORTS_ANY,
           KG_EFFECT_NONE);
    expect(&m[1], "shop/b-in", 1, KG_PEER_SELECTOR, KG_PORTS_NOT_PROTOCOL,
           KG_EFFECT_NONE);
    expect(&m[2], "shop/b-in", 2, KG_PEER_SELECTOR, KG_PORTS_NOT_NUMBER,
           KG_EFFECT_NONE);
    expect(&m[3], "shop/b-in", 3, KG_PEER_SELECTOR, KG_PORTS_NAMED,
           KG_EFFECT_DECIDED);
    expect(&m[4], "shop/b-in", 4, KG_PEER_ANY, KG_PORTS_NOT_NUMBER,
           KG_EFFECT_NONE);
    /* an ipBlock holding a pod's address: it matches (the flag is on) */
    expect(&m[5], "shop/b-in", 5, KG_PEER_CIDR, KG_PORTS_ANY,
           KG_EFFECT_NOT_REACHED);
    assert_string_equal(m[6].policy, "shop/deny-all");
    assert_int_equal(m[6].rule, -1);
    assert_false(m[6].matched);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(m[i].tier, KG_TIER_NETWORK_POLICY);
        assert_int_equal(m[i].action, KG_ACTION_ALLOW);
        assert_string_equal(m[i].policy_kind, "NetworkPolicy");
        assert_int_equal(m[i].priority, -1);
        assert_null(m[i].rule_name);
    }
    /* on 80, a's named port web is not b's: rule 3 misses by name, rule 4
     * (no peers) decides */
    f = flow("10.0.0.1", "10.0.0.2", KG_PROTO_TCP, 80);
    rules(small, &f, KG_INGRESS, m, 16);
    expect(&m[3], "shop/b-in", 3, KG_PEER_SELECTOR, KG_PORTS_NOT_NAMED,
           KG_EFFECT_NONE);
    expect(&m[4], "shop/b-in", 4, KG_PEER_ANY, KG_PORTS_NUMBER,
           KG_EFFECT_DECIDED);
    /* from outside every ipBlock */
    f = flow("192.0.2.1", "10.0.0.2", KG_PROTO_TCP, 9000);
    rules(small, &f, KG_INGRESS, m, 16);
    expect(&m[2], "shop/b-in", 2, KG_PEER_NOT_IN_CIDR, KG_PORTS_NUMBER,
           KG_EFFECT_NONE);
    expect(&m[5], "shop/b-in", 5, KG_PEER_NOT_IN_CIDR, KG_PORTS_ANY,
           KG_EFFECT_NONE);
    /* with ipBlocks not matching pods, c's address is only a pod's */
    kg_options *o = kg_options_new();
    assert_non_null(o);
    assert_int_equal(
        kg_options_set_flag(o, KG_FLAG_IPBLOCK_MATCHES_PODS, false), 0);
    kg_ruleset *rs = vcompile(cluster, sizeof(cluster) - 1, o);
    kg_options_free(o);
    assert_non_null(rs);
    f = flow("10.0.1.3", "10.0.0.2", KG_PROTO_TCP, 9000);
    rules(rs, &f, KG_INGRESS, m, 16);
    expect(&m[5], "shop/b-in", 5, KG_PEER_POD_ADDRESS, KG_PORTS_ANY,
           KG_EFFECT_NONE);
    kg_ruleset_unref(rs);
}

/* a's egress: the admin tier, no NetworkPolicy, the baseline tier. */
static void test_tiers(void **state)
{
    (void)state;
    struct kg_rule_match m[16];
    struct kg_verdict v;
    /* to c (ops): the admin Deny decides; the Pass rule misses */
    struct kg_flow f = flow("10.0.0.1", "10.0.1.3", KG_PROTO_UDP, 53);
    size_t n = rules(small, &f, KG_EGRESS, m, 16);
    assert_int_equal(n, 4);
    expect(&m[0], "guard", 0, KG_PEER_SELECTOR, KG_PORTS_ANY,
           KG_EFFECT_DECIDED);
    assert_int_equal(m[0].tier, KG_TIER_ADMIN);
    assert_int_equal(m[0].action, KG_ACTION_DENY);
    assert_string_equal(m[0].policy_kind, "AdminNetworkPolicy");
    assert_string_equal(m[0].rule_name, "no-ops");
    assert_int_equal(m[0].priority, 5);
    expect(&m[1], "guard", 1, KG_PEER_NOT_SELECTED, KG_PORTS_ANY,
           KG_EFFECT_NONE);
    assert_int_equal(m[1].action, KG_ACTION_PASS);
    expect(&m[2], "guard", 2, KG_PEER_NOT_SELECTED, KG_PORTS_ANY,
           KG_EFFECT_NONE);
    expect(&m[3], "default", 0, KG_PEER_NOT_SELECTED, KG_PORTS_NUMBER,
           KG_EFFECT_NONE);
    assert_int_equal(m[3].tier, KG_TIER_BASELINE);
    assert_int_equal(m[3].priority, -1);
    /* to 10.9.0.1 UDP 53: Pass, then the baseline Deny decides */
    f = flow("10.0.0.1", "10.9.0.1", KG_PROTO_UDP, 53);
    rules(small, &f, KG_EGRESS, m, 16);
    expect(&m[0], "guard", 0, KG_PEER_NOT_IN_CIDR, KG_PORTS_ANY,
           KG_EFFECT_NONE);
    expect(&m[1], "guard", 1, KG_PEER_CIDR, KG_PORTS_ANY, KG_EFFECT_PASSED);
    expect(&m[2], "guard", 2, KG_PEER_CIDR, KG_PORTS_ANY,
           KG_EFFECT_NOT_REACHED);
    expect(&m[3], "default", 0, KG_PEER_CIDR, KG_PORTS_NUMBER,
           KG_EFFECT_DECIDED);
    memset(&v, 0, sizeof(v));
    v.size = sizeof(v);
    assert_int_equal(kg_check_flow(small, &f, &v), 0);
    assert_false(v.egress.allowed);
    assert_int_equal(v.egress_detail.tier, KG_TIER_BASELINE);
    /* TCP: the baseline rule misses by protocol, the default allows */
    f = flow("10.0.0.1", "10.9.0.1", KG_PROTO_TCP, 53);
    rules(small, &f, KG_EGRESS, m, 16);
    expect(&m[3], "default", 0, KG_PEER_CIDR, KG_PORTS_NOT_PROTOCOL,
           KG_EFFECT_NONE);
    /* b's ingress from a is NetworkPolicy's: the tiers do not select b */
    f = flow("10.0.0.1", "10.0.0.2", KG_PROTO_TCP, 80);
    n = rules(small, &f, KG_INGRESS, m, 16);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(m[i].tier, KG_TIER_NETWORK_POLICY);
}

static void test_arguments(void **state)
{
    (void)state;
    struct kg_rule_match m;
    struct kg_flow f = flow("10.0.0.1", "10.0.0.2", KG_PROTO_TCP, 80);
    assert_int_equal(kg_explain_rule(NULL, &f, KG_INGRESS, 0, &m), KG_EINVAL);
    assert_int_equal(kg_explain_rule(small, NULL, KG_INGRESS, 0, &m),
                     KG_EINVAL);
    assert_int_equal(kg_explain_rule(small, &f, KG_INGRESS, 0, NULL),
                     KG_EINVAL);
    assert_int_equal(kg_explain_rule(small, &f, 7, 0, &m), KG_EINVAL);
    f.protocol = 99;
    assert_int_equal(kg_explain_rule(small, &f, KG_INGRESS, 0, &m), KG_EINVAL);
    f = flow("10.0.0.1", "10.0.0.2", KG_PROTO_TCP, 80);
    f.size = KG_FLOW_SIZE_0_2 - 1;
    assert_int_equal(kg_explain_rule(small, &f, KG_INGRESS, 0, &m), KG_EINVAL);
    /* a 0.2 caller's smallest flow reads the rest as absent */
    f.size = KG_FLOW_SIZE_0_2;
    assert_int_equal(kg_explain_rule(small, &f, KG_INGRESS, 0, &m), 0);
    /* not a pod; not isolated (c has no policy) */
    f = flow("192.0.2.1", "10.0.1.3", KG_PROTO_TCP, 80);
    assert_int_equal(kg_explain_rule(small, &f, KG_EGRESS, 0, &m),
                     KG_ENOTFOUND);
    assert_int_equal(kg_explain_rule(small, &f, KG_INGRESS, 0, &m),
                     KG_ENOTFOUND);
    assert_string_equal(kg_match_name(KG_MATCH_PEER, KG_PEER_POD_ADDRESS),
                        "pod-address");
    assert_string_equal(kg_match_name(KG_MATCH_PORTS, KG_PORTS_NOT_NAMED),
                        "not-named");
    assert_string_equal(kg_match_name(KG_MATCH_EFFECT, KG_EFFECT_PASSED),
                        "passed");
    assert_string_equal(kg_match_name(KG_MATCH_PEER, 0), "?");
    assert_string_equal(kg_match_name(KG_MATCH_PORTS, 99), "?");
    assert_string_equal(kg_match_name(5, 1), "?");
}

/* ------------------------------------------------ agreement with verdicts */

struct tally {
    size_t clusters, flows, sides, rules, decided;
};

static bool from_rule(const struct kg_side *s)
{
    return s->reason == KG_REASON_ALLOWED_BY_RULE ||
           s->reason == KG_REASON_DENIED_BY_RULE;
}

static void check_side(const kg_ruleset *rs, const struct kg_flow *f, int dir,
                       const struct kg_side *s, const struct kg_side_detail *d,
                       bool tiers, struct tally *t)
{
    struct kg_rule_match m[512];
    size_t n = rules(rs, f, dir, m, 512);
    t->sides++;
    t->rules += n;
    size_t decided = 0, np = 0;
    bool np_match = false, passed[4] = {false};
    for (size_t i = 0; i < n; i++) {
        const struct kg_rule_match *r = &m[i];
        bool ok = r->peer >= KG_PEER_ANY && r->peer <= KG_PEER_DOMAIN &&
                  r->ports >= KG_PORTS_ANY && r->ports <= KG_PORTS_NAMED;
        assert_int_equal(r->matched, ok && r->rule >= 0);
        assert_true(r->matched || r->effect == KG_EFFECT_NONE);
        if (r->tier == KG_TIER_NETWORK_POLICY) {
            /* the NetworkPolicies listed are kg_pod_policy's, in order */
            if (i == 0 || m[i - 1].policy != r->policy) {
                const char *p = kg_pod_policy(rs, s->pod, dir, np++);
                assert_non_null(p);
                assert_string_equal(p, r->policy);
            }
            np_match |= r->matched;
        }
        if (r->effect == KG_EFFECT_PASSED) {
            assert_int_equal(r->action, KG_ACTION_PASS);
            passed[r->tier] = true;
        }
        if (r->effect != KG_EFFECT_DECIDED)
            continue;
        decided++;
        assert_false(passed[r->tier]); /* a Pass ended its tier */
        assert_true(from_rule(s));
        assert_int_equal(r->tier, d->tier);
        assert_string_equal(r->policy, s->policy);
        assert_int_equal(r->rule, s->rule);
        assert_int_equal(r->action,
                         s->allowed ? KG_ACTION_ALLOW : KG_ACTION_DENY);
    }
    if (s->pod != KG_POD_NONE && s->reason != KG_REASON_HOST_NETWORK)
        assert_null(kg_pod_policy(rs, s->pod, dir, np));
    assert_true(decided <= 1);
    assert_int_equal(decided, from_rule(s));
    t->decided += decided;
    /* NetworkPolicy alone: an isolated side is allowed by a rule exactly
     * when one of its rules matched */
    if (!tiers && s->policies)
        assert_int_equal(np_match, s->reason == KG_REASON_ALLOWED_BY_RULE);
}

static void check_cluster(const char *path, struct tally *t)
{
    kg_builder *b = kg_builder_new(NULL);
    assert_non_null(b);
    kg_ruleset *rs = NULL;
    assert_int_equal(kg_builder_add_file(b, path), 0);
    if (kg_builder_compile(b, &rs) != 0) {
        kg_builder_free(b);
        return; /* a data case of refused input */
    }
    bool tiers = false;
    for (size_t i = 0; i < kg_builder_kind_count(b); i++) {
        struct kg_kind_count k = {.size = sizeof(k)};
        assert_int_equal(kg_builder_kind(b, i, &k), 0);
        tiers |= k.read && strstr(k.kind, "NetworkPolicy") &&
                 strcmp(k.kind, "NetworkPolicy") != 0;
    }
    kg_builder_free(b);
    t->clusters++;
    struct kg_addr ends[64];
    size_t n_ends = 0;
    static const char *const outside[] = {"8.8.8.8", "192.0.2.1",
                                          "169.254.169.254", "2001:db8::1"};
    for (size_t i = 0; i < sizeof(outside) / sizeof(*outside); i++)
        assert_int_equal(
            kg_addr_parse(outside[i], strlen(outside[i]), &ends[n_ends++]), 0);
    for (uint32_t p = 0; kg_pod_name(rs, p) && n_ends < 64; p++)
        for (size_t k = 0;
             n_ends < 64 && kg_pod_addr(rs, p, k, &ends[n_ends]) == 0; k++)
            n_ends++;
    static const unsigned ports[] = {0,    53,   80,   81,  443,
                                     5432, 8080, 9000, 9090};
    static const int protos[] = {KG_PROTO_TCP, KG_PROTO_UDP, KG_PROTO_SCTP};
    for (size_t i = 0; i < n_ends; i++) {
        for (size_t j = 0; j < n_ends; j++) {
            if (ends[i].family != ends[j].family)
                continue;
            for (size_t q = 0; q < sizeof(ports) / sizeof(*ports); q++) {
                for (size_t r = 0; r < 3; r++) {
                    struct kg_flow f;
                    memset(&f, 0, sizeof(f));
                    f.size = sizeof(f);
                    f.src = ends[i];
                    f.dst = ends[j];
                    f.protocol = protos[r];
                    f.port = ports[q];
                    struct kg_verdict v;
                    memset(&v, 0, sizeof(v));
                    v.size = sizeof(v);
                    assert_int_equal(kg_check_flow(rs, &f, &v), 0);
                    if (v.service)
                        continue; /* explained on its endpoint */
                    t->flows++;
                    check_side(rs, &f, KG_EGRESS, &v.egress, &v.egress_detail,
                               tiers, t);
                    check_side(rs, &f, KG_INGRESS, &v.ingress,
                               &v.ingress_detail, tiers, t);
                }
            }
        }
    }
    kg_ruleset_unref(rs);
}

static void walk_dir(const char *sub, struct tally *t)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/%s", data_dir, sub);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 5, ".yaml") != 0)
            continue;
        char path[2048];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        check_cluster(path, t);
    }
    closedir(d);
}

static void test_agrees_with_verdicts(void **state)
{
    (void)state;
    struct tally t = {0};
    walk_dir("verdict", &t);
    walk_dir("tiers/conformance", &t);
    printf("%zu clusters, %zu flows, %zu sides, %zu rules judged, %zu "
           "decided by a rule\n",
           t.clusters, t.flows, t.sides, t.rules, t.decided);
    assert_true(t.clusters >= 30);
    assert_true(t.decided > 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        data_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_networkpolicy_reasons),
        cmocka_unit_test(test_tiers),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_agrees_with_verdicts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
