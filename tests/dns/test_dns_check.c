// SPDX-License-Identifier: MIT
/*
 * test_dns_check.c - domainNames through the public API: kg_check_flow
 * with a dialled, a claimed or no destination name and a kg_dns_cache fed
 * by kg_dns_cache_observe / _observe_msg (fqdn semantics rule 21;
 * docs/domains.md), over a ClusterNetworkPolicy that accepts the payment
 * gateways' names before denying everything else. The verdict's egress
 * detail reports the pattern as written and the name (kg_flow name_buf);
 * a caller's flow too small to hold the cache fields never reads them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kgress.h"

static const char manifests[] =
    "apiVersion: v1\n"
    "kind: Namespace\n"
    "metadata: {name: pay, labels: {team: pay}}\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata: {name: api-0, namespace: pay, labels: {app: api}}\n"
    "status: {podIP: 10.0.0.5, podIPs: [{ip: 10.0.0.5}]}\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata: {name: api-1, namespace: pay, labels: {app: api}}\n"
    "status: {podIP: 10.0.0.6, podIPs: [{ip: 10.0.0.6}]}\n"
    "---\n"
    "apiVersion: policy.networking.k8s.io/v1beta1\n"
    "kind: ClusterNetworkPolicy\n"
    "metadata: {name: payment-egress}\n"
    "spec:\n"
    "  tier: Admin\n"
    "  priority: 10\n"
    "  subject: {namespaces: {matchLabels: {team: pay}}}\n"
    "  egress:\n"
    "  - name: gateways\n"
    "    action: Accept\n"
    "    to: [{domainNames: [api.stripe.com, \"*.Adyen.com\"]}]\n"
    "    protocols: [{tcp: {destinationPort: {number: 443}}}]\n"
    "  - name: nothing-else\n"
    "    action: Deny\n"
    "    to: [{networks: [0.0.0.0/0, \"::/0\"]}]\n";

static kg_ruleset *rs;
static kg_dns_cache *cache;

static int setup(void **state)
{
    (void)state;
    kg_builder *b = kg_builder_new(NULL);
    assert_int_equal(
        kg_builder_add_buffer(b, "t.yaml", manifests, sizeof manifests - 1), 0);
    int rc = kg_builder_compile(b, &rs);
    if (rc) {
        const kg_diagnostics *d = kg_builder_diagnostics(b);
        for (size_t i = 0; i < kg_diagnostics_count(d); i++) {
            char line[512];
            kg_diagnostic_format(d, i, line, sizeof line);
            print_error("%s\n", line);
        }
    }
    assert_int_equal(rc, 0);
    kg_builder_free(b);
    cache = kg_dns_cache_new(NULL);
    assert_non_null(cache);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    kg_dns_cache_free(cache);
    kg_ruleset_unref(rs);
    return 0;
}

static struct kg_addr A(const char *s) {
    struct kg_addr a;
    assert_int_equal(kg_addr_parse(s, strlen(s), &a), 0);
    return a;
}

static char name_buf[KG_DNS_NAME_BUF];

/* kg_check_flow of src -> dst:443 with name (NULL none) trusted as trust,
 * the cache when with_cache, at time now. */
static struct kg_verdict check(const char *src, const char *dst,
                               const char *name, int trust, bool with_cache,
                               uint64_t now)
{
    struct kg_flow f;
    memset(&f, 0, sizeof f);
    f.size = sizeof f;
    f.src = A(src);
    f.dst = A(dst);
    f.protocol = KG_PROTO_TCP;
    f.port = 443;
    f.dst_name = name;
    f.dst_name_len = name ? strlen(name) : 0;
    f.name_trust = trust;
    f.cache = with_cache ? cache : NULL;
    f.now = now;
    f.name_buf = name_buf;
    f.name_buf_size = sizeof name_buf;
    struct kg_verdict v;
    memset(&v, 0, sizeof v);
    v.size = sizeof v;
    assert_int_equal(kg_check_flow(rs, &f, &v), 0);
    return v;
}

static void want(const struct kg_verdict *v, bool allowed, const char *domain,
                 const char *name)
{
    assert_int_equal(v->allowed, allowed);
    assert_int_equal(v->egress_detail.tier, KG_TIER_ADMIN);
    assert_int_equal(v->egress_detail.action,
                     allowed ? KG_ACTION_ALLOW : KG_ACTION_DENY);
    assert_string_equal(v->egress_detail.rule_name,
                        allowed ? "gateways" : "nothing-else");
    if (domain)
        assert_string_equal(v->egress_detail.domain, domain);
    else
        assert_null(v->egress_detail.domain);
    if (name) {
        assert_ptr_equal(v->egress_detail.name, name_buf);
        assert_string_equal(v->egress_detail.name, name);
    } else {
        assert_null(v->egress_detail.name);
    }
}

static void test_dialled(void **state)
{
    (void)state;
    struct kg_verdict v;
    /* the dialled name decides, whatever the address and cache */
    v = check("10.0.0.5", "203.0.113.1", "API.stripe.com.", KG_NAME_DIALLED,
              false, 0);
    want(&v, true, "api.stripe.com", "api.stripe.com");
    v = check("10.0.0.5", "203.0.113.1", "live.checkout.adyen.com", 0, true, 0);
    want(&v, true, "*.Adyen.com", "live.checkout.adyen.com");
    v = check("10.0.0.5", "203.0.113.1", "adyen.com", 0, true, 0);
    want(&v, false, NULL, NULL);
    /* no name, no cache: a bare address never matches domainNames */
    v = check("10.0.0.5", "203.0.113.1", NULL, 0, false, 0);
    want(&v, false, NULL, NULL);
}

static void test_cache(void **state)
{
    (void)state;
    struct kg_addr pod = A("10.0.0.5");
    struct kg_addr ips[2] = {A("203.0.113.10"), A("2001:db8::10")};
    assert_int_equal(kg_dns_cache_observe(cache, &pod, "api.stripe.com", 14,
                                          ips, 2, 30, 1000),
                     0);
    struct kg_verdict v;
    /* no name: the address stands for api.stripe.com to this pod */
    v = check("10.0.0.5", "203.0.113.10", NULL, 0, true, 1010);
    want(&v, true, "api.stripe.com", "api.stripe.com");
    v = check("10.0.0.5", "2001:db8::10", NULL, 0, true, 1010);
    want(&v, true, "api.stripe.com", "api.stripe.com");
    /* not to the other pod, not after the TTL, not without the cache */
    v = check("10.0.0.6", "203.0.113.10", NULL, 0, true, 1010);
    want(&v, false, NULL, NULL);
    v = check("10.0.0.5", "203.0.113.10", NULL, 0, true, 1030);
    want(&v, false, NULL, NULL);
    v = check("10.0.0.5", "203.0.113.10", NULL, 0, false, 1010);
    want(&v, false, NULL, NULL);
    /* claimed: the name must match and the cache vouch for the address */
    v = check("10.0.0.5", "203.0.113.10", "api.stripe.com", KG_NAME_CLAIMED,
              true, 1010);
    want(&v, true, "api.stripe.com", "api.stripe.com");
    v = check("10.0.0.5", "203.0.113.99", "api.stripe.com", KG_NAME_CLAIMED,
              true, 1010);
    want(&v, false, NULL, NULL);
    v = check("10.0.0.5", "203.0.113.10", "api.stripe.com", KG_NAME_CLAIMED,
              false, 1010);
    want(&v, false, NULL, NULL);
    /* a caller without a name buffer still gets the pattern */
    struct kg_flow f;
    memset(&f, 0, sizeof f);
    f.size = sizeof f;
    f.src = pod;
    f.dst = ips[0];
    f.protocol = KG_PROTO_TCP;
    f.port = 443;
    f.cache = cache;
    f.now = 1010;
    memset(&v, 0, sizeof v);
    v.size = sizeof v;
    assert_int_equal(kg_check_flow(rs, &f, &v), 0);
    assert_true(v.allowed);
    assert_string_equal(v.egress_detail.domain, "api.stripe.com");
    assert_null(v.egress_detail.name);
    /* a flow of the first 0.2 size ends before `cache`: not read */
    f.size = offsetof(struct kg_flow, cache);
    assert_int_equal(kg_check_flow(rs, &f, &v), 0);
    assert_false(v.allowed);
}

/* www.adyen.com CNAME (ttl 300) edge.cdn.example A (ttl 60) 198.51.100.9,
 * answered to 10.0.0.6 */
static const uint8_t msg[] = {
    0xab, 0xcd, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
    /* 12: www.adyen.com A IN */
    3, 'w', 'w', 'w', 5, 'a', 'd', 'y', 'e', 'n', 3, 'c', 'o', 'm', 0, 0, 1, 0,
    1,
    /* CNAME, owner ptr 12; target at 43: edge.cdn.example */
    0xC0, 12, 0, 5, 0, 1, 0, 0, 1, 44, 0, 18, 4, 'e', 'd', 'g', 'e', 3, 'c',
    'd', 'n', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
    /* A, owner ptr 43 */
    0xC0, 43, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 51, 100, 9};

static void test_message(void **state)
{
    (void)state;
    struct kg_addr pod = A("10.0.0.6");
    assert_int_equal(
        kg_dns_cache_observe_msg(cache, &pod, msg, sizeof msg, 2000), 0);
    struct kg_verdict v =
        check("10.0.0.6", "198.51.100.9", NULL, 0, true, 2059);
    want(&v, true, "*.Adyen.com", "www.adyen.com");
    v = check("10.0.0.6", "198.51.100.9", NULL, 0, true, 2060);
    want(&v, false, NULL, NULL);
    v = check("10.0.0.5", "198.51.100.9", NULL, 0, true, 2001);
    want(&v, false, NULL, NULL);
    /* the SNI the pod then sends is confirmed by the same answer */
    v = check("10.0.0.6", "198.51.100.9", "www.adyen.com", KG_NAME_CLAIMED,
              true, 2001);
    want(&v, true, "*.Adyen.com", "www.adyen.com");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dialled),
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_message),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
