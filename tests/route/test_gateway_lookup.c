// SPDX-License-Identifier: MIT
/*
 * test_gateway_lookup.c - the Gateway API request lookup (issue 12) on the
 * compiled tables: listener and host selection, the match conditions, the
 * precedence of HTTPRouteRule.matches (one test per tie-breaker, built so
 * that input order, age and name all point the other way: the test fails
 * if that criterion is broken), weighted picks, redirects, rewrites and
 * the 500 answers. Rule numbers are those of docs (httproute-semantics).
 *
 * An answer is written as a short string so a row reads like the spec:
 *   "route/rule/match:svc"            forwarded to Service svc
 *   "route/rule/match:500"            nothing can be forwarded
 *   "route/rule/match:302 https://h:443/p"   a redirect
 *   "... rw=host,/path"               with a URLRewrite (host or path "=")
 *   "404"  KG_ENOMATCH                "400"  KG_EREQUEST
 * A route in a namespace other than "app" is written "ns/route".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/ruleset.h"
#include "kgress.h"
#include "route/gateway_table.h"
#include "route/table.h"

/* ------------------------------------------------------------ helpers */

#define GW_ALL                                                                 \
    "apiVersion: gateway.networking.k8s.io/v1\n"                               \
    "kind: Gateway\n"                                                          \
    "metadata: {name: gw, namespace: infra}\n"                                 \
    "spec:\n"                                                                  \
    "  gatewayClassName: c\n"                                                  \
    "  listeners:\n"                                                           \
    "  - {name: http, port: 80, protocol: HTTP,\n"                             \
    "     allowedRoutes: {namespaces: {from: All}}}\n"

/* An HTTPRoute in namespace app on gw, created at second `ts` of a day. */
#define RT(name, ts, body)                                                     \
    "---\napiVersion: gateway.networking.k8s.io/v1\n"                          \
    "kind: HTTPRoute\n"                                                        \
    "metadata: {name: " name ", namespace: app, creationTimestamp: "           \
    "'2024-01-01T00:00:" ts "Z'}\n"                                            \
    "spec:\n"                                                                  \
    "  parentRefs: [{name: gw, namespace: infra}]\n" body

/* One rule with one match and a backend named after the route. */
#define RULE(match, svc)                                                       \
    "  - matches: [" match "]\n"                                               \
    "    backendRefs: [{name: " svc ", port: 80}]\n"

static kg_ruleset *compile(const char *yaml)
{
    kg_builder *b = kg_builder_new(NULL);
    assert_non_null(b);
    assert_int_equal(kg_builder_add_buffer(b, "t.yaml", yaml, strlen(yaml)), 0);
    kg_ruleset *rs = NULL;
    int rc = kg_builder_compile(b, &rs);
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    for (size_t k = 0; rc && k < kg_diagnostics_count(d); k++) {
        char line[600];
        kg_diagnostic_format(d, k, line, sizeof(line));
        fprintf(stderr, "%s\n", line);
    }
    assert_int_equal(rc, 0);
    kg_builder_free(b);
    assert_non_null(rs->routes->gw);
    return rs;
}

struct rq {
    const char *method; /* NULL: none */
    const char *host;
    const char *path;
    const char *headers; /* "name: value|name: value" */
    uint64_t pick;
    const char *gateway; /* NULL: any */
    unsigned port;       /* 0: 80 */
    const char *want;
};

static void bstr(char *o, size_t cap, struct kgi_bstr s)
{
    size_t n = strlen(o);
    snprintf(o + n, cap - n, "%.*s", (int)s.n, s.p ? s.p : "");
}

/* The answer string of a request (see the header comment). */
static void answer(const kg_ruleset *rs, const struct rq *r, char *o,
                   size_t cap)
{
    struct kg_header hs[16];
    char hbuf[1024];
    size_t nh = 0;
    if (r->headers) {
        snprintf(hbuf, sizeof(hbuf), "%s", r->headers);
        for (char *s = hbuf; s && *s && nh < 16;) {
            char *bar = strchr(s, '|');
            if (bar)
                *bar = '\0';
            char *colon = strchr(s, ':');
            assert_non_null(colon);
            hs[nh].name = s;
            hs[nh].name_len = (size_t)(colon - s);
            hs[nh].value = colon + 2;
            hs[nh].value_len = strlen(colon + 2);
            nh++;
            s = bar ? bar + 1 : NULL;
        }
    }
    struct kgi_gw_req q = {
        .gateway = r->gateway,
        .gateway_len = r->gateway ? strlen(r->gateway) : 0,
        .port = r->port ? r->port : 80,
        .host = r->host,
        .host_len = strlen(r->host),
        .path = r->path,
        .path_len = strlen(r->path),
        .method = r->method,
        .method_len = r->method ? strlen(r->method) : 0,
        .headers = hs,
        .n_headers = nh,
        .pick = r->pick,
    };
    char buf[4096];
    struct kgi_gw_res res;
    int rc = kgi_gw_lookup(rs->routes->gw, &q, buf, sizeof(buf), &res);
    o[0] = '\0';
    if (rc == KG_ENOMATCH) {
        snprintf(o, cap, "404");
        return;
    }
    if (rc == KG_EREQUEST) {
        snprintf(o, cap, "400");
        return;
    }
    if (rc) {
        snprintf(o, cap, "rc=%d", rc);
        return;
    }
    const struct kgi_gw_action *a = res.cand->act;
    if (!(a->ns.n == 3 && memcmp(a->ns.p, "app", 3) == 0)) {
        bstr(o, cap, a->ns);
        bstr(o, cap, (struct kgi_bstr){"/", 1});
    }
    bstr(o, cap, a->name);
    size_t n = strlen(o);
    snprintf(o + n, cap - n, "/%u/%u:", a->rule, res.cand->match);
    n = strlen(o);
    if (res.status >= 300 && res.status < 400) {
        snprintf(o + n, cap - n, "%u ", res.status);
        bstr(o, cap, res.scheme);
        bstr(o, cap, (struct kgi_bstr){"://", 3});
        bstr(o, cap, res.host);
        n = strlen(o);
        snprintf(o + n, cap - n, ":%u", res.port);
        bstr(o, cap, res.rpath);
    } else if (res.status) {
        snprintf(o + n, cap - n, "%u", res.status);
    } else {
        assert_non_null(res.be);
        bstr(o, cap, res.be->name);
    }
    if (res.rw_host.p || res.rw_path.p) {
        bstr(o, cap, (struct kgi_bstr){" rw=", 4});
        bstr(o, cap, res.rw_host.p ? res.rw_host : (struct kgi_bstr){"=", 1});
        bstr(o, cap, (struct kgi_bstr){",", 1});
        bstr(o, cap, res.rw_path.p ? res.rw_path : (struct kgi_bstr){"=", 1});
    }
}

static void run(const char *yaml, const struct rq *rows, size_t n)
{
    kg_ruleset *rs = compile(yaml);
    for (size_t i = 0; i < n; i++) {
        char got[600];
        answer(rs, &rows[i], got, sizeof(got));
        if (strcmp(got, rows[i].want) != 0)
            fprintf(stderr, "row %zu: %s %s%s %s [%s]: got %s, want %s\n", i,
                    rows[i].method ? rows[i].method : "-", rows[i].host,
                    rows[i].path, rows[i].headers ? rows[i].headers : "",
                    rows[i].gateway ? rows[i].gateway : "", got, rows[i].want);
        assert_string_equal(got, rows[i].want);
    }
    kg_ruleset_unref(rs);
}

#define RUN(yaml, rows) run(yaml, rows, sizeof(rows) / sizeof(*rows))

/* ------------------------------------------------- precedence (rule 31) */

/* 31.1, rule 33: an Exact path beats a PathPrefix one character longer
 * from an older route. */
static void test_rank_exact_first(void **state)
{
    (void)state;
    static const char y[] = GW_ALL RT(
        "old", "01",
        "  rules:\n" RULE("{path: {type: PathPrefix, value: /match/}}",
                          "prefix"))
        RT("new", "02",
           "  rules:\n" RULE("{path: {type: Exact, value: /match}}", "exact"));
    static const struct rq rows[] = {
        {.host = "x", .path = "/match", .want = "new/0/0:exact"},
        {.host = "x", .path = "/match/", .want = "old/0/0:prefix"},
        {.host = "x", .path = "/match/x", .want = "old/0/0:prefix"},
        {.host = "x", .path = "/matchx", .want = "404"},
    };
    RUN(y, rows);
}

/* 31.1 (decision regex-rank): RegularExpression between Exact and
 * PathPrefix, whatever the lengths; regex against regex: the longer
 * pattern first. */
static void test_rank_regex(void **state)
{
    (void)state;
    static const char y[] = GW_ALL RT(
        "old", "01",
        "  rules:\n" RULE("{path: {type: PathPrefix, value: /a/b/c/d}}", "p")
            RULE("{path: {type: Exact, value: /a/b/c/d}}", "e"))
        RT("new", "02",
           "  rules:\n" RULE("{path: {type: RegularExpression, value: "
                             "'/a/.*'}}",
                             "short")
               RULE("{path: {type: RegularExpression, value: '/a/b/.*'}}",
                    "long"));
    static const struct rq rows[] = {
        {.host = "x", .path = "/a/b/c/d", .want = "old/1/0:e"},
        {.host = "x", .path = "/a/b/c/d/e", .want = "new/1/0:long"},
        {.host = "x", .path = "/a/x", .want = "new/0/0:short"},
        {.host = "x", .path = "/b", .want = "404"},
        /* whole-value match (decision regex-full-match) */
        {.host = "x", .path = "/x/a/b", .want = "404"},
    };
    RUN(y, rows);
}

/* 31.2: the longer prefix, element-wise; "/foo/" (5) beats "/foo" (4). */
static void test_rank_longest_prefix(void **state)
{
    (void)state;
    static const char y[] = GW_ALL RT(
        "old", "01",
        "  rules:\n" RULE("{path: {type: PathPrefix, value: /a}}", "a")
            RULE("{path: {type: PathPrefix, "
                 "value: /foo}}",
                 "foo"))
        RT("new", "02",
           "  rules:\n" RULE("{path: {type: PathPrefix, value: /a/b}}", "ab")
               RULE("{path: {type: PathPrefix, value: /foo/}}", "fooslash")
                   RULE("{path: {type: PathPrefix, value: /}}", "root"));
    static const struct rq rows[] = {
        {.host = "x", .path = "/a/b/c", .want = "new/0/0:ab"},
        {.host = "x", .path = "/a/b", .want = "new/0/0:ab"},
        {.host = "x", .path = "/a/bc", .want = "old/0/0:a"},
        {.host = "x", .path = "/a", .want = "old/0/0:a"},
        {.host = "x", .path = "/ab", .want = "new/2/0:root"},
        {.host = "x", .path = "/foo", .want = "new/1/0:fooslash"},
        {.host = "x", .path = "/foo/x", .want = "new/1/0:fooslash"},
        {.host = "x", .path = "/", .want = "new/2/0:root"},
    };
    RUN(y, rows);
}

/* 31.3, rule 35: a method match before none, and before two headers. */
static void test_rank_method(void **state)
{
    (void)state;
    static const char y[] =
        GW_ALL RT("old", "01",
                  "  rules:\n" RULE("{path: {value: /p}}", "any") RULE(
                      "{path: {value: /q}, headers: [{name: a, value: '1'}, "
                      "{name: b, value: '2'}]}",
                      "headers"))
            RT("new", "02",
               "  rules:\n" RULE("{path: {value: /p}, method: GET}", "get")
                   RULE("{path: {value: /q}, method: GET}", "qget"));
    static const struct rq rows[] = {
        {.method = "GET", .host = "x", .path = "/p", .want = "new/0/0:get"},
        {.method = "POST", .host = "x", .path = "/p", .want = "old/0/0:any"},
        {.method = "HEAD", .host = "x", .path = "/p", .want = "old/0/0:any"},
        {.method = "get", .host = "x", .path = "/p", .want = "old/0/0:any"},
        {.host = "x", .path = "/p", .want = "old/0/0:any"},
        {.method = "GET",
         .host = "x",
         .path = "/q",
         .headers = "a: 1|b: 2",
         .want = "new/1/0:qget"},
        {.method = "PUT",
         .host = "x",
         .path = "/q",
         .headers = "a: 1|b: 2",
         .want = "old/1/0:headers"},
    };
    RUN(y, rows);
}

/* 31.4: more header matches first; 31.5: then more query matches; a
 * header match beats query matches (rule 34). */
static void test_rank_headers_query(void **state)
{
    (void)state;
    static const char y[] = GW_ALL RT(
        "old", "01",
        "  rules:\n" RULE("{path: {value: /h}, headers: [{name: a, value: "
                          "'1'}]}",
                          "one")
            RULE("{path: {value: /q}, queryParams: [{name: a, value: '1'}]}",
                 "q1")
                RULE("{path: {value: /m}, queryParams: [{name: a, value: "
                     "'1'}, {name: b, value: '2'}]}",
                     "q2"))
        RT("new", "02",
           "  rules:\n" RULE("{path: {value: /h}, headers: [{name: a, value: "
                             "'1'}, {name: b, value: '2'}]}",
                             "two")
               RULE("{path: {value: /q}, queryParams: [{name: a, value: "
                    "'1'}, {name: b, value: '2'}]}",
                    "q2") RULE("{path: {value: /m}, headers: [{name: c, value: "
                               "'3'}]}",
                               "h1"));
    static const struct rq rows[] = {
        {.host = "x",
         .path = "/h",
         .headers = "a: 1|b: 2",
         .want = "new/0/0:two"},
        {.host = "x", .path = "/h", .headers = "a: 1", .want = "old/0/0:one"},
        {.host = "x", .path = "/h", .headers = "b: 2", .want = "404"},
        {.host = "x", .path = "/q?a=1&b=2", .want = "new/1/0:q2"},
        {.host = "x", .path = "/q?b=2&a=1", .want = "new/1/0:q2"},
        {.host = "x", .path = "/q?a=1", .want = "old/1/0:q1"},
        {.host = "x",
         .path = "/m?a=1&b=2",
         .headers = "c: 3",
         .want = "new/2/0:h1"},
        {.host = "x", .path = "/m?a=1&b=2", .want = "old/2/0:q2"},
    };
    RUN(y, rows);
}

/* 31.6: the oldest route, even listed last and named last. */
static void test_rank_age(void **state)
{
    (void)state;
    static const char y[] = GW_ALL RT(
        "a-new", "05", "  rules:\n" RULE("{path: {value: /p}}", "newer"))
        RT("z-old", "01", "  rules:\n" RULE("{path: {value: /p}}", "older"));
    static const struct rq rows[] = {
        {.host = "x", .path = "/p", .want = "z-old/0/0:older"},
    };
    RUN(y, rows);
}

/* 31.7 (decision nsname-string): equal ages, the smaller string
 * "namespace/name": "team-a/x" before "team/x" ('-' < '/'), although
 * listed second and although namespace "team" < "team-a". */
static void test_rank_nsname(void **state)
{
    (void)state;
    static const char y[] = GW_ALL
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
        "metadata: {name: x, namespace: team, creationTimestamp: "
        "'2024-01-01T00:00:00Z'}\n"
        "spec:\n  parentRefs: [{name: gw, namespace: infra}]\n"
        "  rules:\n" RULE(
            "{path: {value: /p}}",
            "plain") "---\napiVersion: gateway.networking.k8s.io/v1\nkind: "
                     "HTTPRoute\n"
                     "metadata: {name: x, namespace: team-a, "
                     "creationTimestamp: "
                     "'2024-01-01T00:00:00Z'}\n"
                     "spec:\n  parentRefs: [{name: gw, namespace: infra}]\n"
                     "  rules:\n" RULE("{path: {value: /p}}", "dash");
    static const struct rq rows[] = {
        {.host = "x", .path = "/p", .want = "team-a/x/0/0:dash"},
    };
    RUN(y, rows);
}

/* 31.8: within one route, the first rule; rule 32: counts are per
 * HTTPRouteMatch, so a rule with two one-header matches is no more
 * specific than a rule with one. */
static void test_rank_rule_order(void **state)
{
    (void)state;
    static const char y[] = GW_ALL RT(
        "r", "01",
        "  rules:\n" RULE("{path: {value: /p}}", "first")
            RULE("{path: {value: /p}}", "second")
                RULE("{path: {value: /h}, headers: [{name: a, value: '1'}]}",
                     "h-first")
                    RULE("{path: {value: /h}, headers: [{name: a, value: "
                         "'1'}]}, {path: {value: /h}, headers: [{name: b, "
                         "value: '2'}]}",
                         "h-second"));
    static const struct rq rows[] = {
        {.host = "x", .path = "/p", .want = "r/0/0:first"},
        {.host = "x",
         .path = "/h",
         .headers = "a: 1|b: 2",
         .want = "r/2/0:h-first"},
        {.host = "x",
         .path = "/h",
         .headers = "b: 2",
         .want = "r/3/1:h-second"},
    };
    RUN(y, rows);
}

/* ------------------------------------------------------- conditions */

/* Rules 28-30: header names case-insensitive, values case-sensitive,
 * repeated headers joined with ','; query names case-sensitive, values
 * percent-decoded, the first value counts, extra parameters are fine;
 * RegularExpression values match the whole value. */
static void test_conditions(void **state)
{
    (void)state;
    static const char y[] = GW_ALL RT(
        "r", "01",
        "  rules:\n" RULE("{path: {value: /h}, headers: [{name: X-Env, value: "
                          "Prod}]}",
                          "hx")
            RULE("{path: {value: /j}, headers: [{name: x-v, value: 'a,b'}]}",
                 "join")
                RULE("{path: {value: /r}, headers: [{type: "
                     "RegularExpression, name: x-r, value: 'v[0-9]+'}]}",
                     "hre")
                    RULE("{path: {value: /q}, queryParams: [{name: animal, "
                         "value: whale}]}",
                         "q")
                        RULE("{path: {value: /d}, queryParams: [{name: a.b, "
                             "value: 'c+d'}]}",
                             "dec")
                            RULE("{path: {value: /e}, queryParams: [{type: "
                                 "RegularExpression, name: num, value: "
                                 "'[0-9]{3}'}]}",
                                 "qre"));
    static const struct rq rows[] = {
        {.host = "x",
         .path = "/h",
         .headers = "x-env: Prod",
         .want = "r/0/0:hx"},
        {.host = "x",
         .path = "/h",
         .headers = "X-ENV: Prod",
         .want = "r/0/0:hx"},
        {.host = "x", .path = "/h", .headers = "X-Env: prod", .want = "404"},
        {.host = "x", .path = "/h", .want = "404"},
        {.host = "x",
         .path = "/j",
         .headers = "X-V: a|other: z|x-v: b",
         .want = "r/1/0:join"},
        {.host = "x", .path = "/j", .headers = "x-v: a", .want = "404"},
        {.host = "x", .path = "/r", .headers = "x-r: v12", .want = "r/2/0:hre"},
        {.host = "x", .path = "/r", .headers = "x-r: v12x", .want = "404"},
        {.host = "x", .path = "/r", .headers = "x-r: av1", .want = "404"},
        {.host = "x", .path = "/q?animal=whale", .want = "r/3/0:q"},
        {.host = "x", .path = "/q?x=1&animal=whale&y", .want = "r/3/0:q"},
        {.host = "x", .path = "/q?ANIMAL=whale", .want = "404"},
        {.host = "x", .path = "/q?animal=Whale", .want = "404"},
        {.host = "x", .path = "/q?animal=dolphin&animal=whale", .want = "404"},
        {.host = "x", .path = "/q?animal=wh%61le", .want = "r/3/0:q"},
        {.host = "x", .path = "/q?animal=whale#frag", .want = "r/3/0:q"},
        {.host = "x", .path = "/d?a%2Eb=c+d", .want = "r/4/0:dec"},
        {.host = "x", .path = "/d?a%2eb=c%20d", .want = "404"},
        {.host = "x", .path = "/e?num=123", .want = "r/5/0:qre"},
        {.host = "x", .path = "/e?num=1234", .want = "404"},
        {.host = "x", .path = "/e?num=12%33", .want = "r/5/0:qre"},
    };
    RUN(y, rows);
}

/* ------------------------------------------------ listeners and hosts */

#define GW_HOSTS                                                               \
    "apiVersion: gateway.networking.k8s.io/v1\n"                               \
    "kind: Gateway\n"                                                          \
    "metadata: {name: gw, namespace: infra}\n"                                 \
    "spec:\n"                                                                  \
    "  gatewayClassName: c\n"                                                  \
    "  listeners:\n"                                                           \
    "  - {name: any, port: 80, protocol: HTTP,\n"                              \
    "     allowedRoutes: {namespaces: {from: All}}}\n"                         \
    "  - {name: wild, port: 80, protocol: HTTP, hostname: '*.example.com',\n"  \
    "     allowedRoutes: {namespaces: {from: All}}}\n"                         \
    "  - {name: wild-foo, port: 80, protocol: HTTP, hostname: "                \
    "'*.foo.example.com',\n"                                                   \
    "     allowedRoutes: {namespaces: {from: All}}}\n"                         \
    "  - {name: exact, port: 80, protocol: HTTP, hostname: bar.example.com,\n" \
    "     allowedRoutes: {namespaces: {from: All}}}\n"                         \
    "  - {name: alt, port: 8080, protocol: HTTP,\n"                            \
    "     allowedRoutes: {namespaces: {from: All}}}\n"

#define RTL(name, section, hosts, body)                                        \
    "---\napiVersion: gateway.networking.k8s.io/v1\n"                          \
    "kind: HTTPRoute\n"                                                        \
    "metadata: {name: " name ", namespace: app}\n"                             \
    "spec:\n"                                                                  \
    "  parentRefs: [{name: gw, namespace: infra, sectionName: " section "}]\n" \
    "  hostnames: " hosts "\n" body

/* Rules 5, 7, 8, 11, 12, 14, 16: port first, then the most specific
 * listener (exact, the longest wildcard, none); listener isolation; route
 * host groups within the listener without fall-through. */
static void test_listeners_hosts(void **state)
{
    (void)state;
    static const char y[] = GW_HOSTS RTL(
        "any", "any", "[]", "  rules:\n" RULE("{path: {value: /}}", "s-any"))
        RTL("wild", "wild", "[]",
            "  rules:\n" RULE("{path: {value: /wildcard-example-com}}",
                              "s-wild"))
            RTL("wild-foo", "wild-foo", "[]",
                "  rules:\n" RULE("{path: {value: /wildcard-foo-example-com}}",
                                  "s-wfoo"))
                RTL("exact", "exact", "[]",
                    "  rules:\n" RULE("{path: {value: /}}", "s-exact"))
                    RTL("hosts", "any", "['*.com', 'a.b.org']",
                        "  rules:\n" RULE("{path: {value: /only}}", "s-hosts"))
                        RTL("alt", "alt", "[]",
                            "  rules:\n" RULE("{path: {value: /}}", "s-alt"));
    static const struct rq rows[] = {
        {.host = "bar.example.com", .path = "/", .want = "exact/0/0:s-exact"},
        {.host = "BAR.example.com.:80",
         .path = "/x",
         .want = "exact/0/0:s-exact"},
        {.host = "x.example.com",
         .path = "/wildcard-example-com",
         .want = "wild/0/0:s-wild"},
        /* multi-label wildcard (rule 11) */
        {.host = "a.b.example.com",
         .path = "/wildcard-example-com",
         .want = "wild/0/0:s-wild"},
        /* isolation: the more specific listener takes it (rule 7) */
        {.host = "abc.foo.example.com",
         .path = "/wildcard-example-com",
         .want = "404"},
        {.host = "abc.foo.example.com",
         .path = "/wildcard-foo-example-com",
         .want = "wild-foo/0/0:s-wfoo"},
        /* the apex is not covered by its wildcard */
        {.host = "example.com", .path = "/only", .want = "hosts/0/0:s-hosts"},
        {.host = "example.com", .path = "/other", .want = "404"},
        {.host = "a.b.org", .path = "/only", .want = "hosts/0/0:s-hosts"},
        {.host = "a.b.org", .path = "/x", .want = "404"},
        {.host = "c.org", .path = "/x", .want = "any/0/0:s-any"},
        {.host = "10.0.0.1", .path = "/x", .want = "any/0/0:s-any"},
        {.host = "", .path = "/x", .want = "any/0/0:s-any"},
        {.host = "x.example.com", .path = "/", .want = "404"},
        {.host = "x.example.com",
         .path = "/",
         .port = 8080,
         .want = "alt/0/0:s-alt"},
        {.host = "x", .path = "/", .port = 81, .want = "404"},
        {.host = "x",
         .path = "/",
         .gateway = "infra/gw",
         .want = "any/0/0:s-any"},
        {.host = "x", .path = "/", .gateway = "infra/other", .want = "404"},
        {.host = "a..b", .path = "/", .want = "400"},
        {.host = "x", .path = "nope", .want = "400"},
    };
    RUN(y, rows);
}

/* GatewayClasses: when any is loaded, a Gateway naming another is not
 * served; one class and one Gateway of each kind (fuzz_gateway found the
 * class table written one past its end). */
static void test_gateway_classes(void **state)
{
    (void)state;
    static const char y[] =
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n"
        "metadata: {name: c}\nspec: {controllerName: example.com/gw}\n"
        "---\n" GW_ALL
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
        "metadata: {name: other, namespace: infra}\n"
        "spec:\n  gatewayClassName: unknown\n  listeners:\n"
        "  - {name: http, port: 8080, protocol: HTTP,\n"
        "     allowedRoutes: {namespaces: {from: All}}}\n"
        "---\napiVersion: gateway.networking.k8s.io/v1\n"
        "kind: HTTPRoute\n"
        "metadata: {name: r, namespace: app}\n"
        "spec:\n"
        "  parentRefs: [{name: gw, namespace: infra}, {name: other, "
        "namespace: infra}]\n"
        "  rules:\n" RULE("{path: {value: /}}", "s");
    static const struct rq rows[] = {
        {.host = "x", .path = "/", .want = "r/0/0:s"},
        {.host = "x", .path = "/", .port = 8080, .want = "404"},
    };
    RUN(y, rows);
}

/* --------------------------------------------------------- backends */

/* Rules 40-43, 46: weights (pick mod the sum over cumulative ranges,
 * weight 0 never picked), all-zero and no backends 500, a cross-namespace
 * ref without ReferenceGrant 500 for its share, an unknown kind 500. */
static void test_backends(void **state)
{
    (void)state;
    static const char y[] = GW_ALL RT(
        "r", "01",
        "  rules:\n"
        "  - matches: [{path: {value: /w}}]\n"
        "    backendRefs: [{name: a, port: 80, weight: 70}, {name: z, "
        "port: "
        "80, weight: 0}, {name: b, port: 80, weight: 30}]\n"
        "  - matches: [{path: {value: /zero}}]\n"
        "    backendRefs: [{name: a, port: 80, weight: 0}]\n"
        "  - matches: [{path: {value: /none}}]\n"
        "  - matches: [{path: {value: /x}}]\n"
        "    backendRefs: [{name: local, port: 80}, {name: far, "
        "namespace: "
        "other, port: 80}]\n"
        "  - matches: [{path: {value: /g}}]\n"
        "    backendRefs: [{name: granted, namespace: web, port: 80}]\n"
        "  - matches: [{path: {value: /k}}]\n"
        "    backendRefs: [{group: example.com, kind: Bucket, name: "
        "k}]\n") "---\napiVersion: gateway.networking.k8s.io/v1beta1\n"
                 "kind: ReferenceGrant\n"
                 "metadata: {name: g, namespace: web}\n"
                 "spec:\n"
                 "  from: [{group: gateway.networking.k8s.io, kind: "
                 "HTTPRoute, "
                 "namespace: app}]\n"
                 "  to: [{group: '', kind: Service}]\n";
    static const struct rq rows[] = {
        {.host = "x", .path = "/w", .pick = 0, .want = "r/0/0:a"},
        {.host = "x", .path = "/w", .pick = 69, .want = "r/0/0:a"},
        {.host = "x", .path = "/w", .pick = 70, .want = "r/0/0:b"},
        {.host = "x", .path = "/w", .pick = 99, .want = "r/0/0:b"},
        {.host = "x", .path = "/w", .pick = 100, .want = "r/0/0:a"},
        {.host = "x", .path = "/w", .pick = 170, .want = "r/0/0:b"},
        {.host = "x", .path = "/zero", .want = "r/1/0:500"},
        {.host = "x", .path = "/none", .want = "r/2/0:500"},
        {.host = "x", .path = "/x", .pick = 0, .want = "r/3/0:local"},
        {.host = "x", .path = "/x", .pick = 1, .want = "r/3/0:500"},
        {.host = "x", .path = "/g", .want = "r/4/0:granted"},
        {.host = "x", .path = "/k", .want = "r/5/0:500"},
    };
    RUN(y, rows);
}

/* Rule 40 (decision unknown-service-port): with Services loaded, a ref to
 * a Service that does not exist, or to a port it does not declare, is
 * invalid (500); the one that exists is served. */
static void test_services(void **state)
{
    (void)state;
    static const char y[] = GW_ALL RT(
        "r", "01",
        "  rules:\n" RULE(
            "{path: {value: /ok}}",
            "web") "  - matches: [{path: {value: /port}}]\n"
                   "    backendRefs: [{name: web, port: 81}]\n" RULE(
                       "{path: {value: /missing}}",
                       "gone")) "---\napiVersion: v1\nkind: Service\n"
                                "metadata: {name: web, namespace: app}\n"
                                "spec:\n  ports: [{port: 80}]\n";
    static const struct rq rows[] = {
        {.host = "x", .path = "/ok", .want = "r/0/0:web"},
        {.host = "x", .path = "/port", .want = "r/1/0:500"},
        {.host = "x", .path = "/missing", .want = "r/2/0:500"},
    };
    RUN(y, rows);
}

/* ---------------------------------------------------------- filters */

/* Rules 52-54, 57: redirect Location parts (scheme, host without the
 * request's port, port from the filter, the scheme or the listener, the
 * path), URLRewrite host and path, ReplacePrefixMatch as the table of
 * HTTPPathModifier.replacePrefixMatch, backend-level filters. */
static void test_filters(void **state)
{
    (void)state;
#define REDIR(path, body)                                                      \
    "  - matches: [{path: {value: " path "}}]\n"                               \
    "    filters: [{type: RequestRedirect, requestRedirect: " body "}]\n"
#define REWRITE(path, body)                                                    \
    "  - matches: [{path: {value: " path "}}]\n"                               \
    "    filters: [{type: URLRewrite, urlRewrite: " body "}]\n"                \
    "    backendRefs: [{name: s, port: 80}]\n"
    static const char y[] = GW_ALL RT(
        "r", "01",
        "  rules:\n" REDIR("/plain", "{}") REDIR(
            "/host",
            "{hostname: example.org, statusCode: 301}") REDIR("/scheme",
                                                              "{scheme: https}")
            REDIR("/port", "{port: 8443}") REDIR(
                "/full",
                "{path: {type: ReplaceFullPath, "
                "replaceFullPath: /new}}") REDIR("/strip",
                                                 "{path: {type: "
                                                 "ReplacePrefixMatch, "
                                                 "replacePrefixMatch: /to}}")
                REWRITE("/foo", "{path: {type: ReplacePrefixMatch, "
                                "replacePrefixMatch: /xyz}}")
                    REWRITE("/bar/",
                            "{path: {type: "
                            "ReplacePrefixMatch, "
                            "replacePrefixMatch: "
                            "/}}") REWRITE("/", "{path: {type: "
                                                "ReplacePrefixMatch, "
                                                "replacePrefixMatch: /r}}")
                        REWRITE(
                            "/h",
                            "{hostname: up.example, path: "
                            "{type: ReplaceFullPath, "
                            "replaceFullPath: /full/}}") "  - matches: [{path: "
                                                         "{value: /be}}]\n"
                                                         "    backendRefs:\n"
                                                         "    - name: s\n"
                                                         "      port: 80\n"
                                                         "      filters: "
                                                         "[{type: URLRewrite, "
                                                         "urlRewrite: "
                                                         "{hostname: "
                                                         "be.example}}]\n");
    static const struct rq rows[] = {
        {.host = "Ex.com:8080",
         .path = "/plain/x?q=1",
         .want = "r/0/0:302 http://ex.com:80/plain/x"},
        {.host = "ex.com",
         .path = "/host",
         .want = "r/1/0:301 http://example.org:80/host"},
        {.host = "ex.com",
         .path = "/scheme",
         .want = "r/2/0:302 https://ex.com:443/scheme"},
        {.host = "ex.com",
         .path = "/port",
         .want = "r/3/0:302 http://ex.com:8443/port"},
        {.host = "ex.com",
         .path = "/full/a",
         .want = "r/4/0:302 http://ex.com:80/new"},
        {.host = "ex.com",
         .path = "/strip/a/b",
         .want = "r/5/0:302 http://ex.com:80/to/a/b"},
        {.host = "ex.com",
         .path = "/strip",
         .want = "r/5/0:302 http://ex.com:80/to"},
        {.host = "x", .path = "/foo/bar", .want = "r/6/0:s rw==,/xyz/bar"},
        {.host = "x", .path = "/foo/", .want = "r/6/0:s rw==,/xyz/"},
        {.host = "x", .path = "/foo", .want = "r/6/0:s rw==,/xyz"},
        {.host = "x", .path = "/bar/x", .want = "r/7/0:s rw==,/x"},
        {.host = "x", .path = "/bar", .want = "r/7/0:s rw==,/"},
        {.host = "x", .path = "/test", .want = "r/8/0:s rw==,/r/test"},
        {.host = "x", .path = "/", .want = "r/8/0:s rw==,/r"},
        {.host = "x", .path = "/h", .want = "r/9/0:s rw=up.example,/full/"},
        {.host = "x", .path = "/be", .want = "r/10/0:s rw=be.example,="},
    };
#undef REDIR
#undef REWRITE
    RUN(y, rows);
}

/* ------------------------------------------------------------- gRPC */

/* Rules 58-59: service/method Exact and RegularExpression; precedence by
 * service length, then method length, then headers. */
static void test_grpc(void **state)
{
    (void)state;
    static const char y[] = GW_ALL
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\n"
        "metadata: {name: g, namespace: app}\n"
        "spec:\n"
        "  parentRefs: [{name: gw, namespace: infra}]\n"
        "  hostnames: [grpc.example.com]\n"
        "  rules:\n"
        "  - matches: [{method: {method: Echo}}]\n"
        "    backendRefs: [{name: any-echo, port: 50051}]\n"
        "  - matches: [{method: {service: svc.Echo, method: Echo}}]\n"
        "    backendRefs: [{name: exact, port: 50051}]\n"
        "  - matches: [{method: {service: svc.Echo}}]\n"
        "    backendRefs: [{name: service, port: 50051}]\n"
        "  - matches: [{method: {type: RegularExpression, service: "
        "'other\\..*', method: 'Get.*'}}]\n"
        "    backendRefs: [{name: rx, port: 50051}]\n"
        "  - matches: [{headers: [{name: x-v, value: '1'}]}]\n"
        "    backendRefs: [{name: hdr, port: 50051}]\n";
    static const struct rq rows[] = {
        {.host = "grpc.example.com",
         .path = "/svc.Echo/Echo",
         .want = "g/1/0:exact"},
        {.host = "grpc.example.com",
         .path = "/svc.Echo/Other",
         .want = "g/2/0:service"},
        {.host = "grpc.example.com",
         .path = "/x.Y/Echo",
         .want = "g/0/0:any-echo"},
        {.host = "grpc.example.com",
         .path = "/other.A/GetB",
         .want = "g/3/0:rx"},
        {.host = "grpc.example.com", .path = "/other.A/Put", .want = "404"},
        {.host = "grpc.example.com",
         .path = "/z.Z/Q",
         .headers = "X-V: 1",
         .want = "g/4/0:hdr"},
        {.host = "grpc.example.com", .path = "/z.Z/Q", .want = "404"},
        {.host = "other.example.com", .path = "/svc.Echo/Echo", .want = "404"},
    };
    RUN(y, rows);
}

/* ------------------------------------------------------- public API */

static int route_pub(const kg_ruleset *rs, const char *gw, unsigned port,
                     const char *method, const char *host, const char *path,
                     uint64_t pick, char *buf, size_t cap, struct kg_route *out)
{
    struct kg_http_request q = {
        .size = sizeof(q),
        .host = host,
        .host_len = strlen(host),
        .path = path,
        .path_len = strlen(path),
        .method = method,
        .method_len = method ? strlen(method) : 0,
        .pick = pick,
        .gateway = gw,
        .gateway_len = gw ? strlen(gw) : 0,
        .port = port,
    };
    return kg_route_request(rs, &q, buf, cap, out);
}

/* kg_route_request with a gateway/port: every 0.2 field of the answer,
 * filters as data pointing into the ruleset, the older struct sizes, and
 * Ingress routing when neither gateway nor port is set. */
static void test_public(void **state)
{
    (void)state;
    static const char y[] = GW_ALL RT(
        "r", "01",
        "  hostnames: [a.example.com]\n"
        "  rules:\n"
        "  - matches: [{path: {value: /x}}, {path: {type: Exact, value: "
        "/e},"
        " method: GET}]\n"
        "    filters:\n"
        "    - type: RequestHeaderModifier\n"
        "      requestHeaderModifier: {set: [{name: X-S, value: s}], "
        "add: "
        "[{name: X-A, value: a}], remove: [X-R]}\n"
        "    - type: RequestMirror\n"
        "      requestMirror: {backendRef: {name: m, namespace: far, "
        "port: "
        "81}, percent: 25}\n"
        "    backendRefs:\n"
        "    - {name: web, namespace: shop, port: 8080, weight: 3}\n"
        "    - name: api\n"
        "      port: 80\n"
        "      weight: 1\n"
        "      filters: [{type: ResponseHeaderModifier, "
        "responseHeaderModifier: {remove: [Server]}}]\n"
        "  - matches: [{path: {value: /redir}}]\n"
        "    filters: [{type: RequestRedirect, requestRedirect: "
        "{scheme: "
        "https, statusCode: 308}}]\n"
        "  - matches: [{path: {type: RegularExpression, value: "
        "'/k/.*'}}]\n"
        "    backendRefs: [{group: example.com, kind: Bucket, name: "
        "b}]\n") "---\napiVersion: gateway.networking.k8s.io/v1beta1\n"
                 "kind: ReferenceGrant\n"
                 "metadata: {name: g, namespace: shop}\n"
                 "spec:\n"
                 "  from: [{group: gateway.networking.k8s.io, kind: "
                 "HTTPRoute, "
                 "namespace: app}]\n"
                 "  to: [{group: '', kind: Service}]\n"
                 "---\napiVersion: gateway.networking.k8s.io/v1\nkind: "
                 "GRPCRoute\n"
                 "metadata: {name: g, namespace: app}\n"
                 "spec:\n"
                 "  parentRefs: [{name: gw, namespace: infra}]\n"
                 "  hostnames: [grpc.example.com]\n"
                 "  rules:\n"
                 "  - backendRefs: [{name: grpc, port: 50051}]\n";
    kg_ruleset *rs = compile(y);
    char buf[512];
    struct kg_route r = {.size = sizeof(r)};
    assert_int_equal(route_pub(rs, "infra/gw", 80, "GET", "A.example.com",
                               "/e?q=1", 0, buf, sizeof(buf), &r),
                     0);
    assert_string_equal(r.source_kind, "HTTPRoute");
    assert_string_equal(r.source_name, "r");
    assert_string_equal(r.ns, "app");
    assert_string_equal(r.ingress, "");
    assert_int_equal(r.rule, 0);
    assert_int_equal(r.match, 1);
    assert_int_equal(r.path_type, KG_PATH_EXACT);
    assert_string_equal(r.matched_path, "/e");
    assert_string_equal(r.normalized_path, "/e");
    assert_string_equal(r.listener, "http");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.service, "web");
    assert_string_equal(r.backend_ns, "shop");
    assert_int_equal(r.port, 8080);
    assert_int_equal(r.weight, 3);
    assert_int_equal(r.total_weight, 4);
    assert_false(r.is_resource);
    assert_int_equal(r.n_backend_filters, 0);
    assert_null(r.backend_filters);
    assert_string_equal(r.redirect_scheme, "");
    assert_string_equal(r.rewrite_path, "");
    /* the rule's filters, as data, in order */
    assert_int_equal(r.n_filters, 2);
    const struct kg_filter *f = &r.filters[0];
    assert_int_equal(f->type, KG_FILTER_REQUEST_HEADER);
    assert_int_equal(f->n_ops, 3);
    assert_int_equal(f->ops[0].op, KG_HEADER_SET);
    assert_string_equal(f->ops[0].name, "X-S");
    assert_string_equal(f->ops[0].value, "s");
    assert_int_equal(f->ops[1].op, KG_HEADER_ADD);
    assert_string_equal(f->ops[1].name, "X-A");
    assert_int_equal(f->ops[2].op, KG_HEADER_REMOVE);
    assert_string_equal(f->ops[2].name, "X-R");
    assert_string_equal(f->ops[2].value, "");
    f = &r.filters[1];
    assert_int_equal(f->type, KG_FILTER_MIRROR);
    assert_string_equal(f->mirror_ns, "far");
    assert_string_equal(f->mirror_service, "m");
    assert_int_equal(f->mirror_port, 81);
    assert_int_equal(f->mirror_numerator, 25);
    assert_int_equal(f->mirror_denominator, 100);
    assert_false(f->mirror_valid); /* no ReferenceGrant in "far" */
    assert_string_equal(f->hostname, "");
    /* pick 3 of 4: the second backend and its own filters */
    assert_int_equal(route_pub(rs, "infra/gw", 80, NULL, "a.example.com",
                               "/x/y", 3, buf, sizeof(buf), &r),
                     0);
    assert_string_equal(r.service, "api");
    assert_string_equal(r.backend_ns, "app");
    assert_int_equal(r.match, 0);
    assert_int_equal(r.path_type, KG_PATH_PREFIX);
    assert_int_equal(r.n_backend_filters, 1);
    assert_int_equal(r.backend_filters[0].type, KG_FILTER_RESPONSE_HEADER);
    assert_string_equal(r.backend_filters[0].ops[0].name, "Server");
    /* a redirect: Location parts, no backend */
    assert_int_equal(route_pub(rs, NULL, 80, NULL, "a.example.com:80",
                               "/redir/p?z", 0, buf, sizeof(buf), &r),
                     0);
    assert_int_equal(r.status, 308);
    assert_string_equal(r.redirect_scheme, "https");
    assert_string_equal(r.redirect_host, "a.example.com");
    assert_int_equal(r.redirect_port, 443);
    assert_string_equal(r.redirect_path, "/redir/p");
    assert_string_equal(r.service, "");
    assert_int_equal(r.n_filters, 1);
    assert_int_equal(r.filters[0].type, KG_FILTER_REDIRECT);
    assert_int_equal(r.filters[0].status_code, 308);
    /* an unknown kind: 500, the ref as a resource */
    assert_int_equal(route_pub(rs, "infra/gw", 0, NULL, "a.example.com", "/k/1",
                               0, buf, sizeof(buf), &r),
                     0);
    assert_int_equal(r.status, 500);
    assert_int_equal(r.path_type, KG_PATH_REGULAR_EXPRESSION);
    assert_true(r.is_resource);
    assert_string_equal(r.resource_api_group, "example.com");
    assert_string_equal(r.resource_kind, "Bucket");
    assert_string_equal(r.resource_name, "b");
    /* GRPCRoute */
    assert_int_equal(route_pub(rs, "infra/gw", 80, "POST", "grpc.example.com",
                               "/a.B/C", 0, buf, sizeof(buf), &r),
                     0);
    assert_string_equal(r.source_kind, "GRPCRoute");
    assert_int_equal(r.path_type, KG_PATH_NONE);
    assert_string_equal(r.service, "grpc");
    /* misses: 404 with the normalized path set */
    assert_int_equal(route_pub(rs, "infra/gw", 80, NULL, "a.example.com",
                               "/nope/../y", 0, buf, sizeof(buf), &r),
                     KG_ENOMATCH);
    assert_string_equal(r.normalized_path, "/y");
    assert_int_equal(route_pub(rs, "infra/other", 80, NULL, "a.example.com",
                               "/x", 0, buf, sizeof(buf), &r),
                     KG_ENOMATCH);
    /* neither gateway nor port: Ingress routing (there is none) */
    assert_int_equal(route_pub(rs, NULL, 0, NULL, "a.example.com", "/x", 0, buf,
                               sizeof(buf), &r),
                     KG_ENOMATCH);
    assert_int_equal(r.match, -1);
    /* a 0.1-sized answer gets its part; a 0.2-sized request (no gateway
     * fields) routes by Ingress */
    struct kg_route old;
    memset(&old, 0xab, sizeof(old));
    old.size = KG_ROUTE_SIZE_0_1;
    assert_int_equal(route_pub(rs, "infra/gw", 80, "GET", "a.example.com", "/e",
                               0, buf, sizeof(buf), &old),
                     0);
    assert_string_equal(old.service, "web");
    assert_int_equal(old.match, (int)0xabababab); /* not written */
    struct kg_http_request q = {
        .size = KG_HTTP_REQUEST_SIZE_0_2,
        .host = "a.example.com",
        .host_len = 13,
        .path = "/e",
        .path_len = 2,
        .gateway = "infra/gw", /* past the caller's size: ignored */
        .gateway_len = 8,
        .port = 80,
    };
    r.size = sizeof(r);
    assert_int_equal(kg_route_request(rs, &q, buf, sizeof(buf), &r),
                     KG_ENOMATCH);
    q.size = sizeof(q);
    q.gateway = NULL;
    assert_int_equal(kg_route_request(rs, &q, buf, sizeof(buf), &r), KG_EINVAL);
    /* the buffer: too small for the path is KG_ENOSPACE */
    assert_int_equal(route_pub(rs, "infra/gw", 80, NULL, "a.example.com",
                               "/x/y", 0, buf, 3, &r),
                     KG_ENOSPACE);
    kg_ruleset_unref(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rank_exact_first),
        cmocka_unit_test(test_rank_regex),
        cmocka_unit_test(test_rank_longest_prefix),
        cmocka_unit_test(test_rank_method),
        cmocka_unit_test(test_rank_headers_query),
        cmocka_unit_test(test_rank_age),
        cmocka_unit_test(test_rank_nsname),
        cmocka_unit_test(test_rank_rule_order),
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_listeners_hosts),
        cmocka_unit_test(test_gateway_classes),
        cmocka_unit_test(test_backends),
        cmocka_unit_test(test_services),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_grpc),
        cmocka_unit_test(test_public),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
