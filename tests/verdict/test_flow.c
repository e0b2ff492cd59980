// SPDX-License-Identifier: MIT
/*
 * test_flow.c - kg_check_flow (the 0.2 flow struct) and the side details
 * of the verdict (struct kg_side_detail: tier, action, policy kind, policy,
 * rule, priority) as NetworkPolicy decides them, table-driven over one
 * small cluster: an isolated pod with two ingress rules, an egress policy,
 * a pod without policies, a Service in front of the isolated pod, its
 * node and itself. Then: kg_check is the same lookup, a destination name
 * does not change a NetworkPolicy verdict, and the argument errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vtest.h"

static const char cluster[] =
    "apiVersion: v1\nkind: Pod\n"
    "metadata: {name: a, namespace: shop, labels: {app: a}}\n"
    "status: {podIP: 10.0.0.1, hostIP: 192.168.0.1,\n"
    "  conditions: [{type: Ready, status: \"True\"}]}\n"
    "---\n"
    "apiVersion: v1\nkind: Pod\n"
    "metadata: {name: b, namespace: shop, labels: {app: b}}\n"
    "status: {podIP: 10.0.0.2, hostIP: 192.168.0.2,\n"
    "  conditions: [{type: Ready, status: \"True\"}]}\n"
    "---\n"
    "apiVersion: v1\nkind: Pod\n"
    "metadata: {name: c, namespace: ops, labels: {app: c}}\n"
    "status: {podIP: 10.0.1.3, hostIP: 192.168.0.3}\n"
    "---\n"
    "apiVersion: v1\nkind: Service\n"
    "metadata: {name: web, namespace: shop}\n"
    "spec:\n"
    "  clusterIP: 10.96.0.5\n"
    "  selector: {app: b}\n"
    "  ports: [{port: 8080, targetPort: 80}]\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
    "metadata: {name: b-in, namespace: shop}\n"
    "spec:\n"
    "  podSelector: {matchLabels: {app: b}}\n"
    "  policyTypes: [Ingress]\n"
    "  ingress:\n"
    "  - from: [{podSelector: {matchLabels: {app: x}}}]\n"
    "  - from: [{podSelector: {matchLabels: {app: a}}}]\n"
    "    ports: [{port: 80}]\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
    "metadata: {name: a-out, namespace: shop}\n"
    "spec:\n"
    "  podSelector: {matchLabels: {app: a}}\n"
    "  policyTypes: [Egress]\n"
    "  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/24}}]}]\n";

static kg_ruleset *rs;

static int setup(void **state)
{
    (void)state;
    rs = vcompile(cluster, sizeof(cluster) - 1, NULL);
    return rs ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    kg_ruleset_unref(rs);
    return 0;
}

struct want_side {
    int reason, tier, action;
    const char *kind, *policy;
    int rule;
};

#define NP "NetworkPolicy"

static const struct {
    const char *src, *dst;
    unsigned port;
    bool allowed;
    struct want_side egress, ingress;
} cases[] = {
    /* a -> b:80: a's egress rule 0 (ipBlock), b's ingress rule 1 */
    {"10.0.0.1",
     "10.0.0.2",
     80,
     true,
     {KG_REASON_ALLOWED_BY_RULE, KG_TIER_NETWORK_POLICY, KG_ACTION_ALLOW, NP,
      "shop/a-out", 0},
     {KG_REASON_ALLOWED_BY_RULE, KG_TIER_NETWORK_POLICY, KG_ACTION_ALLOW, NP,
      "shop/b-in", 1}},
    /* a -> b:81: no ingress rule has that port: isolation denies */
    {"10.0.0.1",
     "10.0.0.2",
     81,
     false,
     {KG_REASON_ALLOWED_BY_RULE, KG_TIER_NETWORK_POLICY, KG_ACTION_ALLOW, NP,
      "shop/a-out", 0},
     {KG_REASON_NO_RULE, KG_TIER_NETWORK_POLICY, KG_ACTION_DENY, NP, NULL, -1}},
    /* a -> c: outside a's egress ipBlock; c is not isolated */
    {"10.0.0.1",
     "10.0.1.3",
     80,
     false,
     {KG_REASON_NO_RULE, KG_TIER_NETWORK_POLICY, KG_ACTION_DENY, NP, NULL, -1},
     {KG_REASON_NOT_ISOLATED, KG_TIER_DEFAULT, KG_ACTION_ALLOW, NULL, NULL,
      -1}},
    /* c -> outside: c is not isolated, the outside no pod */
    {"10.0.1.3",
     "8.8.8.8",
     53,
     true,
     {KG_REASON_NOT_ISOLATED, KG_TIER_DEFAULT, KG_ACTION_ALLOW, NULL, NULL, -1},
     {KG_REASON_NOT_A_POD, KG_TIER_NONE, KG_ACTION_NONE, NULL, NULL, -1}},
    /* b's node into b: allowed by the node rule, no tier decided */
    {"192.168.0.2",
     "10.0.0.2",
     9,
     true,
     {KG_REASON_NOT_A_POD, KG_TIER_NONE, KG_ACTION_NONE, NULL, NULL, -1},
     {KG_REASON_NODE, KG_TIER_NONE, KG_ACTION_NONE, NULL, NULL, -1}},
    /* b reaching itself */
    {"10.0.0.2",
     "10.0.0.2",
     9,
     true,
     {KG_REASON_NOT_ISOLATED, KG_TIER_DEFAULT, KG_ACTION_ALLOW, NULL, NULL, -1},
     {KG_REASON_LOOPBACK, KG_TIER_NONE, KG_ACTION_NONE, NULL, NULL, -1}},
    /* a -> the Service: judged on b:80, its sides' details */
    {"10.0.0.1",
     "10.96.0.5",
     8080,
     true,
     {KG_REASON_ALLOWED_BY_RULE, KG_TIER_NETWORK_POLICY, KG_ACTION_ALLOW, NP,
      "shop/a-out", 0},
     {KG_REASON_ALLOWED_BY_RULE, KG_TIER_NETWORK_POLICY, KG_ACTION_ALLOW, NP,
      "shop/b-in", 1}},
    /* a port the Service does not have: nothing receives it */
    {"10.0.0.1",
     "10.96.0.5",
     80,
     false,
     {KG_REASON_NO_RULE, KG_TIER_NETWORK_POLICY, KG_ACTION_DENY, NP, NULL, -1},
     {KG_REASON_NO_ENDPOINTS, KG_TIER_NONE, KG_ACTION_NONE, NULL, NULL, -1}},
};

static struct kg_flow flow_of(const char *src, const char *dst, unsigned port)
{
    struct kg_flow f;
    memset(&f, 0, sizeof(f));
    f.size = sizeof(f);
    assert_int_equal(kg_addr_parse(src, strlen(src), &f.src), 0);
    assert_int_equal(kg_addr_parse(dst, strlen(dst), &f.dst), 0);
    f.protocol = KG_PROTO_TCP;
    f.port = port;
    return f;
}

static void side_is(size_t i, const char *dir, const struct kg_side *s,
                    const struct kg_side_detail *d, const struct want_side *w)
{
    if (s->reason != w->reason || d->tier != w->tier ||
        d->action != w->action || d->rule != w->rule)
        fail_msg("case %zu %s: reason %d tier %d action %d rule %d, want "
                 "%d %d %d %d",
                 i, dir, s->reason, d->tier, d->action, d->rule, w->reason,
                 w->tier, w->action, w->rule);
    if (w->kind)
        assert_string_equal(d->policy_kind, w->kind);
    else
        assert_null(d->policy_kind);
    if (w->policy)
        assert_string_equal(d->policy, w->policy);
    else
        assert_null(d->policy);
    assert_int_equal(d->priority, -1);
    assert_null(d->rule_name);
    assert_null(d->domain);
    assert_null(d->name);
    for (size_t k = 0; k < 8; k++)
        assert_int_equal(d->reserved[k], 0);
}

static void test_details(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct kg_flow f = flow_of(cases[i].src, cases[i].dst, cases[i].port);
        struct kg_verdict v;
        memset(&v, 0x5a, sizeof(v)); /* everything must be written */
        v.size = sizeof(v);
        assert_int_equal(kg_check_flow(rs, &f, &v), 0);
        if (v.allowed != cases[i].allowed)
            fail_msg("case %zu: allowed %d", i, v.allowed);
        side_is(i, "egress", &v.egress, &v.egress_detail, &cases[i].egress);
        side_is(i, "ingress", &v.ingress, &v.ingress_detail, &cases[i].ingress);

        /* kg_check is the same lookup, to the byte for the sides */
        struct kg_verdict w;
        memset(&w, 0, sizeof(w));
        w.size = sizeof(w);
        assert_int_equal(
            kg_check(rs, &f.src, &f.dst, KG_PROTO_TCP, cases[i].port, &w), 0);
        assert_int_equal(w.allowed, v.allowed);
        assert_memory_equal(&w.egress_detail, &v.egress_detail,
                            sizeof(w.egress_detail));
        assert_memory_equal(&w.ingress_detail, &v.ingress_detail,
                            sizeof(w.ingress_detail));
        assert_int_equal(w.ingress.reason, v.ingress.reason);
        assert_ptr_equal(w.service, v.service);
    }
}

/* kg_verdict_format of a flow to the Service names it, and a port without
 * endpoints reads as such (it printed "ingress ?: ?"). */
static void test_format_service(void **state)
{
    (void)state;
    char text[512];
    struct kg_flow f = flow_of("10.0.0.1", "10.96.0.5", 8080);
    struct kg_verdict v = {.size = sizeof(v)};
    assert_int_equal(kg_check_flow(rs, &f, &v), 0);
    kg_verdict_format(&v, text, sizeof(text));
    assert_string_equal(text, "allowed (service shop/web, 1 ready endpoint; "
                              "egress shop/a: allowed by shop/a-out "
                              "egress[0]; ingress shop/b: allowed by "
                              "shop/b-in ingress[1])");
    f = flow_of("10.0.0.1", "10.96.0.5", 80);
    assert_int_equal(kg_check_flow(rs, &f, &v), 0);
    kg_verdict_format(&v, text, sizeof(text));
    assert_string_equal(text, "denied (service shop/web, 0 ready endpoints; "
                              "egress shop/a: no rule allows, isolated by 1 "
                              "policy; ingress: no ready endpoint)");
    /* a 0.1 caller's verdict has no service member: the sides only */
    struct kg_verdict old;
    memset(&old, 0, sizeof(old));
    old.size = KG_VERDICT_SIZE_0_1;
    f = flow_of("10.0.0.1", "10.96.0.5", 8080);
    assert_int_equal(kg_check_flow(rs, &f, &old), 0);
    kg_verdict_format(&old, text, sizeof(text));
    assert_null(strstr(text, "service"));
}

/* NetworkPolicy has no name peers: a destination name, dialled or
 * claimed, leaves every verdict as it is without one. */
static void test_name_ignored(void **state)
{
    (void)state;
    static const char *const names[] = {"db.example.", "WWW.Example.com"};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (size_t k = 0; k < 4; k++) {
            struct kg_flow f =
                flow_of(cases[i].src, cases[i].dst, cases[i].port);
            f.dst_name = names[k % 2];
            f.dst_name_len = strlen(names[k % 2]);
            f.name_trust = k < 2 ? KG_NAME_DIALLED : KG_NAME_CLAIMED;
            struct kg_verdict v;
            memset(&v, 0, sizeof(v));
            v.size = sizeof(v);
            assert_int_equal(kg_check_flow(rs, &f, &v), 0);
            assert_int_equal(v.allowed, cases[i].allowed);
            assert_int_equal(v.ingress.reason, cases[i].ingress.reason);
            assert_int_equal(v.egress.reason, cases[i].egress.reason);
            assert_null(v.ingress_detail.domain);
            assert_null(v.egress_detail.name);
        }
    }
}

static void test_errors(void **state)
{
    (void)state;
    struct kg_verdict v;
    memset(&v, 0, sizeof(v));
    v.size = sizeof(v);
    struct kg_flow ok = flow_of("10.0.0.1", "10.0.0.2", 80);
    assert_int_equal(kg_check_flow(NULL, &ok, &v), KG_EINVAL);
    assert_int_equal(kg_check_flow(rs, NULL, &v), KG_EINVAL);
    assert_int_equal(kg_check_flow(rs, &ok, NULL), KG_EINVAL);
    assert_int_equal(kg_check(rs, NULL, &ok.dst, KG_PROTO_TCP, 80, &v),
                     KG_EINVAL);
    assert_int_equal(kg_check(rs, &ok.src, NULL, KG_PROTO_TCP, 80, &v),
                     KG_EINVAL);
    v.size = KG_VERDICT_SIZE_0_1 - 1;
    assert_int_equal(kg_check_flow(rs, &ok, &v), KG_EINVAL);
    v.size = sizeof(v);

    enum { SIZE, FAMILY, PROTO, PORT, NAME, TRUST, N_BAD };
    for (int bad = SIZE; bad < N_BAD; bad++) {
        struct kg_flow f = ok;
        switch (bad) {
        case SIZE:
            f.size = KG_FLOW_SIZE_0_2 - 1;
            break;
        case FAMILY:
            f.dst.family = 5;
            break;
        case PROTO:
            f.protocol = 1;
            break;
        case PORT:
            f.port = 65536;
            break;
        case NAME:
            f.dst_name = NULL;
            f.dst_name_len = 3;
            break;
        default:
            f.dst_name = "a.example";
            f.dst_name_len = 9;
            f.name_trust = 3;
            break;
        }
        /* refused, and *out left as it was */
        struct kg_verdict w;
        memset(&w, 0x5a, sizeof(w));
        w.size = sizeof(w);
        struct kg_verdict before = w;
        if (kg_check_flow(rs, &f, &w) != KG_EINVAL)
            fail_msg("bad flow %d accepted", bad);
        assert_memory_equal(&w, &before, sizeof(w));
    }
    /* port 65535 and a name without a length are fine */
    struct kg_flow f = ok;
    f.port = 65535;
    f.dst_name = "x";
    f.dst_name_len = 0;
    assert_int_equal(kg_check_flow(rs, &f, &v), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_details),
        cmocka_unit_test(test_format_service),
        cmocka_unit_test(test_name_ignored),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
