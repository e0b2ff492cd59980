// SPDX-License-Identifier: MIT
/*
 * test_request.c - kg_route_request (the 0.2 request struct) on Ingress
 * rules: the generic source of the answer (source_kind, source_name,
 * rule), that kg_route is the same lookup, that method, headers and pick
 * do not change an Ingress answer, and the argument errors. Table-driven
 * over one rule set written in the rules.h language.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kgress.h"
#include "rules.h"

static const char rules[] = "ing web ns=shop\n"
                            "def fallback:80\n"
                            "host a.example\n"
                            "P /api api:8080\n"
                            "E /exact exact:81\n"
                            "host b.example\n"
                            "P / bsvc:82\n"
                            "ing other ns=ops\n"
                            "host - \n"
                            "P /metrics metrics:9090\n";

static kg_ruleset *rs;

static int setup(void **state)
{
    (void)state;
    size_t len;
    char *yaml = rules_yaml(rules, &len);
    kg_builder *b = kg_builder_new(NULL);
    int rc = b ? kg_builder_add_buffer(b, "request.yaml", yaml, len) : -1;
    if (rc == 0)
        rc = kg_builder_compile(b, &rs);
    if (rc && b) {
        const kg_diagnostics *d = kg_builder_diagnostics(b);
        char line[512];
        for (size_t i = 0; i < kg_diagnostics_count(d); i++) {
            kg_diagnostic_format(d, i, line, sizeof(line));
            fprintf(stderr, "%s\n", line);
        }
    }
    kg_builder_free(b);
    free(yaml);
    return rc ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    kg_ruleset_unref(rs);
    return 0;
}

static struct kg_http_request request(const char *host, const char *path)
{
    struct kg_http_request r;
    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    r.host = host;
    r.host_len = strlen(host);
    r.path = path;
    r.path_len = strlen(path);
    return r;
}

static const struct {
    const char *host, *path;
    int rc;
    const char *service, *ns, *source_name;
    int rule;
} cases[] = {
    {"a.example", "/api/v1", 0, "api", "shop", "web", 0},
    {"A.Example:8443", "/exact", 0, "exact", "shop", "web", 0},
    {"b.example", "/anything", 0, "bsvc", "shop", "web", 1},
    /* a path miss: web's defaultBackend, the cluster-wide default */
    {"a.example", "/nope", 0, "fallback", "shop", "web", -1},
    /* the host-less rule of other is its spec.rules[0] */
    {"c.example", "/metrics", 0, "metrics", "ops", "other", 0},
    /* a miss on another Ingress's host: the one cluster-wide default */
    {"c.example", "/", 0, "fallback", "shop", "web", -1},
    {"nowhere.example", "/", 0, "fallback", "shop", "web", -1},
};

static void test_source(void **state)
{
    (void)state;
    char buf[128];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct kg_http_request r = request(cases[i].host, cases[i].path);
        struct kg_route out;
        memset(&out, 0x5a, sizeof(out));
        out.size = sizeof(out);
        int rc = kg_route_request(rs, &r, buf, sizeof(buf), &out);
        if (rc != cases[i].rc)
            fail_msg("case %zu: rc %d, want %d", i, rc, cases[i].rc);
        assert_string_equal(out.service, cases[i].service);
        assert_string_equal(out.ns, cases[i].ns);
        assert_string_equal(out.source_name, cases[i].source_name);
        assert_int_equal(out.source_name_len, strlen(cases[i].source_name));
        assert_string_equal(out.ingress, cases[i].source_name);
        assert_string_equal(out.source_kind, rc ? "" : "Ingress");
        assert_int_equal(out.source_kind_len, rc ? 0 : 7);
        if (out.rule != cases[i].rule)
            fail_msg("case %zu: rule %d, want %d", i, out.rule, cases[i].rule);
        assert_int_equal(out.is_default, cases[i].rule < 0 && rc == 0);

        /* kg_route is the same lookup */
        struct kg_route old;
        memset(&old, 0, sizeof(old));
        old.size = sizeof(old);
        char buf2[128];
        assert_int_equal(kg_route(rs, cases[i].host, strlen(cases[i].host),
                                  cases[i].path, strlen(cases[i].path), buf2,
                                  sizeof(buf2), &old),
                         rc);
        assert_string_equal(old.service, out.service);
        assert_string_equal(old.source_kind, out.source_kind);
        assert_int_equal(old.rule, out.rule);
        assert_string_equal(old.normalized_path, out.normalized_path);
    }
}

/* Ingress has no method, header or weighted-backend matching: each of them
 * leaves the answer as it is without them. */
static void test_method_headers_pick(void **state)
{
    (void)state;
    static const struct kg_header hdrs[] = {
        {"X-Canary", 8, "always", 6},
        {"host", 4, "b.example", 9}, /* never replaces req->host */
    };
    static const char *const methods[] = {"GET", "POST", "DELETE"};
    char buf[128];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (size_t m = 0; m < 3; m++) {
            struct kg_http_request r = request(cases[i].host, cases[i].path);
            r.method = methods[m];
            r.method_len = strlen(methods[m]);
            r.headers = hdrs;
            r.n_headers = 2;
            r.pick = (uint64_t)m * 0x9e3779b97f4a7c15ull;
            struct kg_route out;
            memset(&out, 0, sizeof(out));
            out.size = sizeof(out);
            assert_int_equal(kg_route_request(rs, &r, buf, sizeof(buf), &out),
                             cases[i].rc);
            assert_string_equal(out.service, cases[i].service);
            assert_int_equal(out.rule, cases[i].rule);
        }
    }
}

static void test_errors(void **state)
{
    (void)state;
    char buf[64];
    struct kg_route out;
    memset(&out, 0, sizeof(out));
    out.size = sizeof(out);
    struct kg_http_request r = request("a.example", "/api");
    assert_int_equal(kg_route_request(rs, NULL, buf, sizeof(buf), &out),
                     KG_EINVAL);
    assert_int_equal(kg_route_request(rs, &r, buf, sizeof(buf), NULL),
                     KG_EINVAL);
    assert_int_equal(kg_route_request(NULL, &r, buf, sizeof(buf), &out),
                     KG_EINVAL);

    static const struct {
        size_t size;
        bool null_method, null_headers, null_path;
    } bad[] = {
        {KG_HTTP_REQUEST_SIZE_0_2 - 1, false, false, false},
        {0, false, false, false},
        {sizeof(struct kg_http_request), true, false, false},
        {sizeof(struct kg_http_request), false, true, false},
        {sizeof(struct kg_http_request), false, false, true},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = request("a.example", "/api");
        r.size = bad[i].size;
        if (bad[i].null_method) {
            r.method = NULL;
            r.method_len = 3;
        }
        if (bad[i].null_headers) {
            r.headers = NULL;
            r.n_headers = 1;
        }
        if (bad[i].null_path)
            r.path = NULL;
        if (kg_route_request(rs, &r, buf, sizeof(buf), &out) != KG_EINVAL)
            fail_msg("bad request %zu accepted", i);
    }

    /* a host-less request without a host pointer is fine */
    r = request("", "/metrics");
    r.host = NULL;
    assert_int_equal(kg_route_request(rs, &r, buf, sizeof(buf), &out), 0);
    assert_string_equal(out.source_name, "other");

    /* the request errors of kg_route: a rejected request, a small buffer */
    r = request("a..example", "/api");
    assert_int_equal(kg_route_request(rs, &r, buf, sizeof(buf), &out),
                     KG_EREQUEST);
    r = request("a.example", "/api/long/path");
    assert_int_equal(kg_route_request(rs, &r, buf, 4, &out), KG_ENOSPACE);

    /* a Gateway request on a ruleset without Gateways: no match, but the
     * request is still checked and its path normalized (fuzz_gateway) */
    r = request("a.example", "/api/./v1/../x?q");
    r.port = 80;
    assert_int_equal(kg_route_request(rs, &r, buf, sizeof(buf), &out),
                     KG_ENOMATCH);
    assert_string_equal(out.normalized_path, "/api/x");
    assert_true(out.normalized_path == buf);
    r = request("a..example", "/api");
    r.port = 80;
    assert_int_equal(kg_route_request(rs, &r, buf, sizeof(buf), &out),
                     KG_EREQUEST);
    r = request("a.example", "/");
    r.port = 80;
    r.sni_len = 3; /* NULL sni */
    assert_int_equal(kg_route_request(rs, &r, buf, sizeof(buf), &out),
                     KG_EINVAL);
    r = request("a.example", "nope");
    r.port = 80;
    assert_int_equal(kg_route_request(rs, &r, buf, sizeof(buf), &out),
                     KG_EREQUEST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_source),
        cmocka_unit_test(test_method_headers_pick),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
