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
 * the 0.1 size is KG_EINVAL. The 0.2 input structs (kg_http_request,
 * kg_flow) likewise: the smallest one is read only up to its size (what
 * follows it is poisoned), a future one's unknown tail is ignored.
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

/* struct kg_verdict of 0.2 before the side details (the Service fields) */
struct verdict_svc {
    struct verdict_0_1 v;
    const char *service;
    uint32_t endpoints;
    struct kg_addr endpoint;
    unsigned endpoint_port;
};

/* the 0.2 minimum request and flow: what a caller that knows only the
 * required fields compiles */
struct request_min {
    size_t size;
    const char *host;
    size_t host_len;
    const char *path;
    size_t path_len;
};

struct flow_min {
    size_t size;
    struct kg_addr src;
    struct kg_addr dst;
    int protocol;
    unsigned port;
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
    /* 0.2: the required parts of the input structs, and the Service fields
     * then the details appended to the verdict */
    assert_int_equal(KG_HTTP_REQUEST_SIZE_0_2, sizeof(struct request_min));
    assert_int_equal(KG_FLOW_SIZE_0_2,
                     offsetof(struct flow_min, port) + sizeof(unsigned));
    assert_int_equal(offsetof(struct kg_verdict, egress_detail),
                     (sizeof(struct verdict_svc) + 7) / 8 * 8);
    assert_int_equal(offsetof(struct kg_route, source_kind),
                     (KG_ROUTE_SIZE_0_1 + 7) / 8 * 8);
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

/* kg_route_request: a request struct of the smallest size with what
 * follows it poisoned (a NULL method with a length: KG_EINVAL if read), one
 * of a future size, and route answers of the 0.1 size and today's. */
static void test_request_growth(void **state)
{
    (void)state;
    char buf[64];
    struct {
        struct kg_http_request r;
        unsigned char future[64];
    } req;
    memset(&req, 0, sizeof(req));
    req.r.host = "a.example";
    req.r.host_len = 9;
    req.r.path = "/api/x";
    req.r.path_len = 6;
    req.r.method_len = 5; /* method NULL: refused when read */
    req.r.n_headers = 2;  /* headers NULL: likewise */
    req.r.size = KG_HTTP_REQUEST_SIZE_0_2;

    OLD(struct route_0_1) old;
    memset(&old, CANARY, sizeof(old));
    old.s.size = sizeof(old.s);
    assert_int_equal(kg_route_request(rs, &req.r, buf, sizeof(buf),
                                      (struct kg_route *)&old.s),
                     0);
    assert_string_equal(old.s.service, "api");
    assert_string_equal(old.s.ingress, "web");
    canary_intact(old.bytes + sizeof(old.s), sizeof(old.bytes) - sizeof(old.s));

    /* the same request with the optional fields covered is refused */
    req.r.size = sizeof(req.r);
    old.s.size = sizeof(old.s);
    assert_int_equal(kg_route_request(rs, &req.r, buf, sizeof(buf),
                                      (struct kg_route *)&old.s),
                     KG_EINVAL);

    /* a future request: unknown fields after today's are not read */
    req.r.method_len = 0;
    req.r.n_headers = 0;
    memset(req.future, CANARY, sizeof(req.future));
    req.r.size = sizeof(req);
    FUTURE(struct kg_route) fut;
    memset(&fut, CANARY, sizeof(fut));
    fut.cur.size = sizeof(fut);
    assert_int_equal(kg_route_request(rs, &req.r, buf, sizeof(buf), &fut.cur),
                     0);
    assert_string_equal(fut.cur.service, "api");
    assert_string_equal(fut.cur.source_kind, "Ingress");
    assert_string_equal(fut.cur.source_name, "web");
    assert_int_equal(fut.cur.rule, 0);
    canary_intact(fut.future, sizeof(fut.future));

    req.r.size = KG_HTTP_REQUEST_SIZE_0_2 - 1;
    assert_int_equal(kg_route_request(rs, &req.r, buf, sizeof(buf), &fut.cur),
                     KG_EINVAL);
}

/* kg_check_flow: a flow of the smallest size with what follows poisoned
 * (a NULL name with a length: KG_EINVAL if read), one of a future size;
 * verdicts of the 0.1 size, of 0.2 before the details, today's and a
 * future one. */
static void test_flow_growth(void **state)
{
    (void)state;
    struct {
        struct kg_flow f;
        unsigned char future[64];
    } flow;
    memset(&flow, 0, sizeof(flow));
    assert_int_equal(kg_addr_parse("10.0.0.1", 8, &flow.f.src), 0);
    assert_int_equal(kg_addr_parse("10.0.0.2", 8, &flow.f.dst), 0);
    flow.f.protocol = KG_PROTO_TCP;
    flow.f.port = 80;
    flow.f.dst_name_len = 4; /* dst_name NULL: refused when read */
    flow.f.name_trust = 7;   /* not a KG_NAME_*: likewise */
    flow.f.size = KG_FLOW_SIZE_0_2;

    OLD(struct verdict_0_1) old;
    memset(&old, CANARY, sizeof(old));
    old.s.size = sizeof(old.s);
    assert_int_equal(kg_check_flow(rs, &flow.f, (struct kg_verdict *)&old.s),
                     0);
    assert_true(old.s.allowed);
    assert_string_equal(old.s.ingress.policy, "shop/only-a");
    canary_intact(old.bytes + sizeof(old.s), sizeof(old.bytes) - sizeof(old.s));

    OLD(struct verdict_svc) svc;
    memset(&svc, CANARY, sizeof(svc));
    svc.s.v.size = sizeof(svc.s);
    assert_int_equal(kg_check_flow(rs, &flow.f, (struct kg_verdict *)&svc.s),
                     0);
    assert_true(svc.s.v.allowed);
    assert_null(svc.s.service);
    assert_int_equal(svc.s.endpoints, 0);
    canary_intact(svc.bytes + sizeof(svc.s), sizeof(svc.bytes) - sizeof(svc.s));

    flow.f.size = sizeof(flow.f);
    old.s.size = sizeof(old.s);
    assert_int_equal(kg_check_flow(rs, &flow.f, (struct kg_verdict *)&old.s),
                     KG_EINVAL);

    /* a future flow and a future verdict */
    flow.f.dst_name_len = 0;
    flow.f.name_trust = 0;
    memset(flow.future, CANARY, sizeof(flow.future));
    flow.f.size = sizeof(flow);
    FUTURE(struct kg_verdict) fut;
    memset(&fut, CANARY, sizeof(fut));
    fut.cur.size = sizeof(fut);
    assert_int_equal(kg_check_flow(rs, &flow.f, &fut.cur), 0);
    assert_true(fut.cur.allowed);
    assert_int_equal(fut.cur.ingress_detail.tier, KG_TIER_NETWORK_POLICY);
    assert_int_equal(fut.cur.ingress_detail.action, KG_ACTION_ALLOW);
    assert_string_equal(fut.cur.ingress_detail.policy, "shop/only-a");
    assert_int_equal(fut.cur.egress_detail.tier, KG_TIER_DEFAULT);
    canary_intact(fut.future, sizeof(fut.future));

    flow.f.size = KG_FLOW_SIZE_0_2 - 1;
    assert_int_equal(kg_check_flow(rs, &flow.f, &fut.cur), KG_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes_0_1),
        cmocka_unit_test(test_route_growth),
        cmocka_unit_test(test_tls_growth),
        cmocka_unit_test(test_verdict_growth),
        cmocka_unit_test(test_request_growth),
        cmocka_unit_test(test_flow_growth),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
