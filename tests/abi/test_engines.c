// SPDX-License-Identifier: MIT
/*
 * test_engines.c - what a library built with or without each engine
 * answers (meson options route and policy), as a caller of the shared
 * library sees it. Compiled with KGT_ROUTE / KGT_POLICY set to what the
 * build has: an engine that is there answers a small cluster's route and
 * verdict; one that is not answers KG_ENOTSUPPORTED from every public
 * function of it (NULL from those returning a name or a cache), after
 * KG_EINVAL for what is invalid in any build. The builder compiles the
 * same input either way, and the dump has a section per engine built.
 * (That both builds export the same symbols is abi-symbols.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kgress.h"

static const char rules[] =
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
    "metadata: {name: web, namespace: shop}\n"
    "spec:\n"
    "  tls: [{hosts: [a.example], secretName: cert}]\n"
    "  rules:\n"
    "  - host: a.example\n"
    "    http:\n"
    "      paths:\n"
    "      - {path: /api, pathType: Prefix,\n"
    "         backend: {service: {name: api, port: {number: 8080}}}}\n"
    "---\n"
    "apiVersion: v1\nkind: Pod\n"
    "metadata: {name: a, namespace: shop, labels: {app: a}}\n"
    "status: {podIP: 10.0.0.1}\n"
    "---\n"
    "apiVersion: v1\nkind: Pod\n"
    "metadata: {name: b, namespace: shop, labels: {app: b}}\n"
    "status: {podIP: 10.0.0.2}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
    "metadata: {name: only-a, namespace: shop}\n"
    "spec:\n"
    "  podSelector: {matchLabels: {app: b}}\n"
    "  ingress: [{from: [{podSelector: {matchLabels: {app: a}}}]}]\n";

static kg_ruleset *rs;

static int setup(void **state)
{
    (void)state;
    kg_builder *b = kg_builder_new(NULL);
    int rc = b ? kg_builder_add_buffer(b, "engines", rules, sizeof(rules) - 1)
               : KG_ENOMEM;
    if (rc == 0)
        rc = kg_builder_compile(b, &rs);
    kg_builder_free(b);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    kg_ruleset_unref(rs);
    return 0;
}

/* the answer of a route engine, or KG_ENOTSUPPORTED from each function */
static void test_route(void **state)
{
    (void)state;
    char buf[64];
    struct kg_route r;
    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    struct kg_tls t;
    memset(&t, 0, sizeof(t));
    t.size = sizeof(t);
    struct kg_http_request q;
    memset(&q, 0, sizeof(q));
    q.size = sizeof(q);
    q.host = "a.example";
    q.host_len = 9;
    q.path = "/api/x";
    q.path_len = 6;
    const char *g = NULL;
    size_t gl = 0;
    /* invalid in any build */
    assert_int_equal(
        kg_route(NULL, "a.example", 9, "/", 1, buf, sizeof(buf), &r),
        KG_EINVAL);
    assert_int_equal(kg_tls_lookup(NULL, "a.example", 9, &t), KG_EINVAL);
    assert_int_equal(kg_route_host_group(NULL, "a.example", 9, &g, &gl),
                     KG_EINVAL);
    assert_int_equal(kg_route_diff(NULL, rs, NULL, NULL, NULL, NULL),
                     KG_EINVAL);
#if KGT_ROUTE
    assert_int_equal(
        kg_route(rs, "a.example", 9, "/api/x", 6, buf, sizeof(buf), &r), 0);
    assert_int_equal(r.service_len, 3);
    assert_memory_equal(r.service, "api", 3);
    assert_int_equal(r.port, 8080);
    assert_int_equal(kg_route_request(rs, &q, buf, sizeof(buf), &r), 0);
    assert_memory_equal(r.service, "api", 3);
    assert_int_equal(kg_tls_lookup(rs, "a.example", 9, &t), 0);
    assert_memory_equal(t.secret, "cert", 4);
    assert_int_equal(kg_route_host_group(rs, "a.example", 9, &g, &gl), 0);
    assert_int_equal(gl, 9);
    struct kg_diff_summary ds = {.size = sizeof(ds)};
    assert_int_equal(kg_route_diff(rs, rs, NULL, NULL, NULL, &ds), 0);
    assert_true(ds.classes > 0);
    assert_int_equal(ds.differing, 0);
#else
    assert_int_equal(kg_route_diff(rs, rs, NULL, NULL, NULL, NULL),
                     KG_ENOTSUPPORTED);
    assert_int_equal(
        kg_route(rs, "a.example", 9, "/api/x", 6, buf, sizeof(buf), &r),
        KG_ENOTSUPPORTED);
    assert_int_equal(kg_route_request(rs, &q, buf, sizeof(buf), &r),
                     KG_ENOTSUPPORTED);
    assert_int_equal(kg_tls_lookup(rs, "a.example", 9, &t), KG_ENOTSUPPORTED);
    assert_int_equal(kg_route_host_group(rs, "a.example", 9, &g, &gl),
                     KG_ENOTSUPPORTED);
#endif
}

static void addr4(struct kg_addr *a, uint8_t last)
{
    memset(a, 0, sizeof(*a));
    a->family = 4;
    a->bytes[0] = 10;
    a->bytes[3] = last;
}

/* the verdict of a policy engine, or KG_ENOTSUPPORTED from each function */
static void test_policy(void **state)
{
    (void)state;
    struct kg_addr a, b;
    addr4(&a, 1);
    addr4(&b, 2);
    struct kg_verdict v;
    memset(&v, 0, sizeof(v));
    v.size = sizeof(v);
    struct kg_flow f;
    memset(&f, 0, sizeof(f));
    f.size = sizeof(f);
    addr4(&f.src, 9); /* not a pod */
    f.dst = b;
    f.protocol = KG_PROTO_TCP;
    f.port = 80;
    struct kg_side s;
    struct kg_rule_match m;
    uint32_t pod = 0;
    struct kg_addr out;
    /* invalid in any build; the parsers work in every build */
    assert_int_equal(kg_check(NULL, &a, &b, KG_PROTO_TCP, 80, &v), KG_EINVAL);
    assert_int_equal(
        kg_check_str(rs, "10.0.0.x", 8, "10.0.0.2", 8, "TCP", 3, 80, &v),
        KG_EINVAL);
    assert_int_equal(kg_addr_parse("10.0.0.2", 8, &out), 0);
    assert_int_equal(kg_protocol_parse("udp", 3), KG_PROTO_UDP);
#if KGT_POLICY
    assert_int_equal(kg_check(rs, &a, &b, KG_PROTO_TCP, 80, &v), 0);
    assert_true(v.allowed);
    assert_int_equal(kg_check_flow(rs, &f, &v), 0);
    assert_false(v.allowed); /* b admits only a */
    assert_int_equal(v.ingress.reason, KG_REASON_NO_RULE);
    assert_int_equal(kg_check_batch(rs, &f, 1, &v), 0);
    assert_false(v.allowed);
    assert_int_equal(
        kg_check_str(rs, "10.0.0.1", 8, "10.0.0.2", 8, "TCP", 3, 80, &v), 0);
    assert_true(v.allowed);
    assert_int_equal(kg_pod_find(rs, "shop", 4, "b", 1, &pod), 0);
    assert_string_equal(kg_pod_name(rs, pod), "shop/b");
    assert_string_equal(kg_pod_policy(rs, pod, KG_INGRESS, 0), "shop/only-a");
    assert_int_equal(kg_pod_addr(rs, pod, 0, &out), 0);
    assert_memory_equal(out.bytes, b.bytes, 4);
    assert_int_equal(kg_pod_find_addr(rs, &a, &pod), 0);
    assert_int_equal(
        kg_check_side(rs, pod, KG_EGRESS, &b, KG_PROTO_TCP, 80, &s), 0);
    assert_int_equal(kg_explain_rule(rs, &f, KG_INGRESS, 0, &m), 0);
    assert_string_equal(m.policy, "shop/only-a");
    assert_string_equal(kg_match_name(KG_MATCH_PEER, 1), "any-peer");
    kg_dns_cache *c = kg_dns_cache_new(NULL);
    assert_non_null(c);
    kg_dns_cache_free(c);
#else
    assert_int_equal(kg_check(rs, &a, &b, KG_PROTO_TCP, 80, &v),
                     KG_ENOTSUPPORTED);
    assert_int_equal(kg_check_flow(rs, &f, &v), KG_ENOTSUPPORTED);
    assert_int_equal(kg_check_batch(rs, &f, 1, &v), KG_ENOTSUPPORTED);
    assert_int_equal(
        kg_check_str(rs, "10.0.0.1", 8, "10.0.0.2", 8, "TCP", 3, 80, &v),
        KG_ENOTSUPPORTED);
    assert_int_equal(kg_pod_find(rs, "shop", 4, "b", 1, &pod),
                     KG_ENOTSUPPORTED);
    assert_int_equal(kg_pod_find_addr(rs, &a, &pod), KG_ENOTSUPPORTED);
    assert_null(kg_pod_name(rs, 0));
    assert_null(kg_pod_policy(rs, 0, KG_INGRESS, 0));
    assert_int_equal(kg_pod_addr(rs, 0, 0, &out), KG_ENOTSUPPORTED);
    assert_int_equal(kg_check_side(rs, 0, KG_EGRESS, &b, KG_PROTO_TCP, 80, &s),
                     KG_ENOTSUPPORTED);
    assert_int_equal(kg_explain_rule(rs, &f, KG_INGRESS, 0, &m),
                     KG_ENOTSUPPORTED);
    assert_string_equal(kg_match_name(KG_MATCH_PEER, 1), "?");
    assert_null(kg_dns_cache_new(NULL));
    kg_dns_cache_free(NULL);
    char name[64];
    assert_int_equal(
        kg_dns_cache_observe(NULL, NULL, "a.example", 9, &a, 1, 60, 0),
        KG_ENOTSUPPORTED);
    static const uint8_t msg[12] = {0};
    assert_int_equal(kg_dns_cache_observe_msg(NULL, NULL, msg, sizeof(msg), 0),
                     KG_ENOTSUPPORTED);
    assert_int_equal(
        kg_dns_cache_name(NULL, NULL, &a, 0, 0, name, sizeof(name)),
        KG_ENOTSUPPORTED);
#endif
}

struct text {
    char buf[1 << 16];
    size_t len;
};

static void collect(void *user, const char *p, size_t n)
{
    struct text *t = user;
    if (t->len + n >= sizeof(t->buf))
        n = sizeof(t->buf) - 1 - t->len;
    memcpy(t->buf + t->len, p, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

/* a section of the JSON dump per engine built */
static void test_dump(void **state)
{
    (void)state;
    static struct text t;
    t.len = 0;
    assert_int_equal(kg_ruleset_dump(rs, KG_DUMP_JSON, collect, &t), 0);
    assert_true(t.len > 2 && t.buf[0] == '{' && t.buf[t.len - 2] == '}');
    assert_int_equal(strstr(t.buf, "{\"routes\":") == t.buf, KGT_ROUTE);
    assert_int_equal(strstr(t.buf, "\"policies\":") != NULL, KGT_POLICY);
#if !KGT_ROUTE && !KGT_POLICY
    assert_string_equal(t.buf, "{}\n");
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_dump),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
