// SPDX-License-Identifier: MIT
/*
 * test_growth.c - the growth rule of the sized public structs (kgress.h
 * "ABI promise"), against the shared library as a real caller links it.
 *
 * Three callers per struct: one compiled against the 0.1 header (its own
 * copy of the 0.1 layout, the smallest size the library must accept), one
 * compiled against this header, and one compiled against a future header
 * whose struct has grown (this struct followed by fields the library does
 * not know, filled with a canary). Each must get the same answer, and
 * nothing past the caller's size may be written: the bytes after the 0.1
 * struct and the future fields keep their canary. A size one byte below
 * the 0.1 size is KG_EINVAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kgress.h"

#define CANARY 0xa5

/* struct kg_route as released in 0.1.0 (v0.1.0 tag, include/kgress.h) */
struct route_0_1 {
    size_t size;
    const char *ns;
    size_t ns_len;
    const char *ingress;
    size_t ingress_len;
    const char *service;
    size_t service_len;
    uint32_t port;
    const char *port_name;
    size_t port_name_len;
    bool is_resource;
    const char *resource_api_group;
    size_t resource_api_group_len;
    const char *resource_kind;
    size_t resource_kind_len;
    const char *resource_name;
    size_t resource_name_len;
    bool is_default;
    int path_type;
    const char *matched_path;
    size_t matched_path_len;
    const char *normalized_path;
    size_t normalized_path_len;
};

struct tls_0_1 {
    size_t size;
    const char *ns;
    size_t ns_len;
    const char *secret;
    size_t secret_len;
    const char *ingress;
    size_t ingress_len;
    const char *host;
    size_t host_len;
};

struct side_0_1 {
    bool allowed;
    int reason;
    uint32_t pod;
    const char *pod_name;
    const char *policy;
    int rule;
    unsigned policies;
};

struct verdict_0_1 {
    size_t size;
    bool allowed;
    struct side_0_1 egress;
    struct side_0_1 ingress;
};

/* what a caller of a later version passes: today's struct, then more */
#define FUTURE(T)                                                              \
    struct {                                                                   \
        T cur;                                                                 \
        unsigned char future[64];                                              \
    }

/* the 0.1 struct in a buffer with a canary after it */
#define OLD(T)                                                                 \
    union {                                                                    \
        T s;                                                                   \
        unsigned char bytes[sizeof(T) + 64];                                   \
    }

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
    if (!b || kg_builder_add_buffer(b, "growth", rules, sizeof(rules) - 1) ||
        kg_builder_compile(b, &rs))
        return -1;
    kg_builder_free(b);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    kg_ruleset_unref(rs);
    return 0;
}

static void canary_intact(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(p[i], CANARY);
}

static void test_sizes_0_1(void **state)
{
    (void)state;
    /* the 0.1 layouts are what the size macros say */
    assert_int_equal(KG_ROUTE_SIZE_0_1, sizeof(struct route_0_1));
    assert_int_equal(KG_TLS_SIZE_0_1, sizeof(struct tls_0_1));
    assert_int_equal(KG_VERDICT_SIZE_0_1, sizeof(struct verdict_0_1));
    assert_true(sizeof(struct kg_route) >= KG_ROUTE_SIZE_0_1);
    assert_true(sizeof(struct kg_tls) >= KG_TLS_SIZE_0_1);
    assert_true(sizeof(struct kg_verdict) >= KG_VERDICT_SIZE_0_1);
}

static void test_route_growth(void **state)
{
    (void)state;
    char buf[64];
    /* today's caller */
    struct kg_route now;
    memset(&now, 0, sizeof(now));
    now.size = sizeof(now);
    assert_int_equal(
        kg_route(rs, "a.example", 9, "/api/x", 6, buf, sizeof(buf), &now), 0);
    assert_string_equal(now.service, "api");

    /* a 0.1 caller */
    OLD(struct route_0_1) old;
    memset(&old, CANARY, sizeof(old));
    old.s.size = sizeof(old.s);
    assert_int_equal(kg_route(rs, "a.example", 9, "/api/x", 6, buf, sizeof(buf),
                              (struct kg_route *)&old.s),
                     0);
    assert_int_equal(old.s.size, sizeof(old.s));
    assert_string_equal(old.s.service, "api");
    assert_int_equal(old.s.port, 8080);
    assert_string_equal(old.s.ns, "shop");
    assert_string_equal(old.s.ingress, "web");
    assert_string_equal(old.s.matched_path, "/api");
    assert_int_equal(old.s.path_type, KG_PATH_PREFIX);
    assert_string_equal(old.s.normalized_path, "/api/x");
    canary_intact(old.bytes + sizeof(old.s), sizeof(old.bytes) - sizeof(old.s));

    /* a future caller */
    FUTURE(struct kg_route) fut;
    memset(&fut, CANARY, sizeof(fut));
    fut.cur.size = sizeof(fut);
    assert_int_equal(
        kg_route(rs, "a.example", 9, "/api/x", 6, buf, sizeof(buf), &fut.cur),
        0);
    assert_int_equal(fut.cur.size, sizeof(fut));
    assert_string_equal(fut.cur.service, "api");
    assert_int_equal(fut.cur.port, 8080);
    canary_intact(fut.future, sizeof(fut.future));

    /* errors leave the struct in the same state for every size */
    old.s.size = sizeof(old.s);
    assert_int_equal(kg_route(rs, "b.example", 9, "/", 1, buf, sizeof(buf),
                              (struct kg_route *)&old.s),
                     KG_ENOMATCH);
    assert_string_equal(old.s.service, "");
    assert_string_equal(old.s.normalized_path, "/");
    canary_intact(old.bytes + sizeof(old.s), sizeof(old.bytes) - sizeof(old.s));

    /* below the 0.1 size: refused, nothing written */
    memset(&old, CANARY, sizeof(old));
    old.s.size = KG_ROUTE_SIZE_0_1 - 1;
    assert_int_equal(kg_route(rs, "a.example", 9, "/api", 4, buf, sizeof(buf),
                              (struct kg_route *)&old.s),
                     KG_EINVAL);
    canary_intact(old.bytes + sizeof(size_t),
                  sizeof(old.bytes) - sizeof(size_t));
}

static void test_tls_growth(void **state)
{
    (void)state;
    OLD(struct tls_0_1) old;
    memset(&old, CANARY, sizeof(old));
    old.s.size = sizeof(old.s);
    assert_int_equal(kg_tls_lookup(rs, "a.example", 9, (struct kg_tls *)&old.s),
                     0);
    assert_string_equal(old.s.secret, "cert");
    assert_string_equal(old.s.host, "a.example");
    canary_intact(old.bytes + sizeof(old.s), sizeof(old.bytes) - sizeof(old.s));

    FUTURE(struct kg_tls) fut;
    memset(&fut, CANARY, sizeof(fut));
    fut.cur.size = sizeof(fut);
    assert_int_equal(kg_tls_lookup(rs, "a.example", 9, &fut.cur), 0);
    assert_string_equal(fut.cur.secret, "cert");
    canary_intact(fut.future, sizeof(fut.future));

    old.s.size = KG_TLS_SIZE_0_1 - 1;
    assert_int_equal(kg_tls_lookup(rs, "a.example", 9, (struct kg_tls *)&old.s),
                     KG_EINVAL);
}

static void test_verdict_growth(void **state)
{
    (void)state;
    struct kg_addr a, b;
    assert_int_equal(kg_addr_parse("10.0.0.1", 8, &a), 0);
    assert_int_equal(kg_addr_parse("10.0.0.2", 8, &b), 0);

    OLD(struct verdict_0_1) old;
    memset(&old, CANARY, sizeof(old));
    old.s.size = sizeof(old.s);
    assert_int_equal(
        kg_check(rs, &a, &b, KG_PROTO_TCP, 80, (struct kg_verdict *)&old.s), 0);
    assert_true(old.s.allowed);
    assert_int_equal(old.s.ingress.reason, KG_REASON_ALLOWED_BY_RULE);
    assert_string_equal(old.s.ingress.policy, "shop/only-a");
    assert_string_equal(old.s.ingress.pod_name, "shop/b");
    assert_int_equal(old.s.egress.reason, KG_REASON_NOT_ISOLATED);
    canary_intact(old.bytes + sizeof(old.s), sizeof(old.bytes) - sizeof(old.s));

    /* an outside address into b: b is isolated and only a may enter */
    old.s.size = sizeof(old.s);
    struct kg_addr c;
    assert_int_equal(kg_addr_parse("10.9.9.9", 8, &c), 0);
    assert_int_equal(
        kg_check(rs, &c, &b, KG_PROTO_TCP, 80, (struct kg_verdict *)&old.s), 0);
    assert_false(old.s.allowed);
    assert_int_equal(old.s.ingress.reason, KG_REASON_NO_RULE);
    canary_intact(old.bytes + sizeof(old.s), sizeof(old.bytes) - sizeof(old.s));

    FUTURE(struct kg_verdict) fut;
    memset(&fut, CANARY, sizeof(fut));
    fut.cur.size = sizeof(fut);
    assert_int_equal(kg_check(rs, &a, &b, KG_PROTO_TCP, 80, &fut.cur), 0);
    assert_true(fut.cur.allowed);
    assert_int_equal(fut.cur.size, sizeof(fut));
    canary_intact(fut.future, sizeof(fut.future));

    old.s.size = KG_VERDICT_SIZE_0_1 - 1;
    assert_int_equal(
        kg_check(rs, &a, &b, KG_PROTO_TCP, 80, (struct kg_verdict *)&old.s),
        KG_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes_0_1),
        cmocka_unit_test(test_route_growth),
        cmocka_unit_test(test_tls_growth),
        cmocka_unit_test(test_verdict_growth),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
