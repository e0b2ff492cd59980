// SPDX-License-Identifier: MIT
/*
 * test_route.c - Ingress routing through the public API: compile YAML
 * (written with the rule language of rules.h), then kg_route /
 * kg_tls_lookup, table-driven. Each table cites the source of its rows
 * (ingress-semantics.md sections). The differential test against a linear
 * reference is in test_route_diff.c.
 *
 * An answer is written as a short string so a row reads like the spec:
 *   "svc:80"          service backend with a port number
 *   "svc:http"        service backend with a named port
 *   "res:Kind/name"   resource backend
 *   "...!"            suffix: answered by a defaultBackend
 *   "404"             KG_ENOMATCH      "400"  KG_EREQUEST
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
#include "rules.h"
#include "util/alloc.h"

/* ------------------------------------------------------------ helpers */

struct opts {
    const char *cls;
    int dialect;
    int no_normalize;
    int reject_escaped;
    int skip_invalid;
};

static kg_ruleset *compile_opts(const char *rules, const struct opts *o,
                                kg_builder **keep)
{
    kg_options *opt = kg_options_new();
    assert_non_null(opt);
    if (o && o->cls)
        assert_int_equal(
            kg_options_set_ingress_class(opt, o->cls, strlen(o->cls)), 0);
    if (o && o->dialect)
        assert_int_equal(kg_options_set_dialect(opt, o->dialect), 0);
    if (o && o->no_normalize)
        kg_options_set_flag(opt, KG_FLAG_NORMALIZE, false);
    if (o && o->reject_escaped)
        kg_options_set_flag(opt, KG_FLAG_REJECT_ESCAPED_SLASH, true);
    if (o && o->skip_invalid)
        kg_options_set_flag(opt, KG_FLAG_SKIP_INVALID, true);
    kg_builder *b = kg_builder_new(opt);
    kg_options_free(opt);
    assert_non_null(b);
    size_t len;
    char *yaml = rules_yaml(rules, &len);
    int rc = kg_builder_add_buffer(b, "rules.yaml", yaml, len);
    kg_ruleset *rs = NULL;
    if (rc == 0)
        rc = kg_builder_compile(b, &rs);
    if (rc) {
        const kg_diagnostics *d = kg_builder_diagnostics(b);
        char line[512];
        for (size_t i = 0; i < kg_diagnostics_count(d); i++) {
            kg_diagnostic_format(d, i, line, sizeof(line));
            fprintf(stderr, "%s\n", line);
        }
        fprintf(stderr, "--- YAML ---\n%s\n", yaml);
    }
    free(yaml);
    assert_int_equal(rc, 0);
    if (keep)
        *keep = b;
    else
        kg_builder_free(b);
    return rs;
}

static kg_ruleset *compile(const char *rules)
{
    return compile_opts(rules, NULL, NULL);
}

static char answer_buf[512];

static const char *answer(const kg_ruleset *rs, const char *host, size_t hlen,
                          const char *path, size_t plen)
{
    char buf[4096];
    struct kg_route r;
    memset(&r, 0x5a, sizeof(r));
    r.size = sizeof(r);
    int rc = kg_route(rs, host, hlen, path, plen, buf, sizeof(buf), &r);
    if (rc == KG_ENOMATCH)
        return "404";
    if (rc == KG_EREQUEST)
        return "400";
    if (rc) {
        snprintf(answer_buf, sizeof(answer_buf), "%s", kg_error_name(rc));
        return answer_buf;
    }
    /* invariants of every answer */
    assert_non_null(r.ns);
    assert_int_equal(strlen(r.ns), r.ns_len);
    assert_int_equal(strlen(r.ingress), r.ingress_len);
    assert_int_equal(strlen(r.matched_path), r.matched_path_len);
    assert_ptr_equal(r.normalized_path, buf);
    assert_int_equal(strlen(r.normalized_path), r.normalized_path_len);
    assert_true(r.is_default == (r.path_type == KG_PATH_NONE));
    if (r.is_resource)
        snprintf(answer_buf, sizeof(answer_buf), "res:%s/%s%s", r.resource_kind,
                 r.resource_name, r.is_default ? "!" : "");
    else if (r.port_name_len)
        snprintf(answer_buf, sizeof(answer_buf), "%s:%s%s", r.service,
                 r.port_name, r.is_default ? "!" : "");
    else
        snprintf(answer_buf, sizeof(answer_buf), "%s:%u%s", r.service, r.port,
                 r.is_default ? "!" : "");
    return answer_buf;
}

static const char *route(const kg_ruleset *rs, const char *host,
                         const char *path)
{
    return answer(rs, host, host ? strlen(host) : 0, path, strlen(path));
}

struct req {
    const char *host, *path, *want;
};

static void check_reqs(const kg_ruleset *rs, const struct req *q, size_t n,
                       const char *what)
{
    for (size_t i = 0; i < n; i++) {
        const char *got = route(rs, q[i].host, q[i].path);
        if (strcmp(got, q[i].want) != 0) {
            fprintf(stderr, "%s: host %s path %s: want %s, got %s\n", what,
                    q[i].host ? q[i].host : "(none)", q[i].path, q[i].want,
                    got);
            fail();
        }
    }
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------- §2 the docs' path table */

static const struct {
    int row;
    const char *rules; /* paths on host "h" */
    const char *path, *want;
} docs_table[] = {
    {1, "P / root", "/", "root:80"},
    {1, "P / root", "/any/thing", "root:80"},
    {2, "E /foo foo", "/foo", "foo:80"},
    {3, "E /foo foo", "/bar", "404"},
    {4, "E /foo foo", "/foo/", "404"},
    {5, "E /foo/ foo", "/foo", "404"},
    {6, "P /foo foo", "/foo", "foo:80"},
    {6, "P /foo foo", "/foo/", "foo:80"},
    {7, "P /foo/ foo", "/foo", "foo:80"},
    {7, "P /foo/ foo", "/foo/", "foo:80"},
    {8, "P /aaa/bb bb", "/aaa/bbb", "404"},
    {9, "P /aaa/bbb bbb", "/aaa/bbb", "bbb:80"},
    {10, "P /aaa/bbb/ bbb", "/aaa/bbb", "bbb:80"},
    {11, "P /aaa/bbb bbb", "/aaa/bbb/", "bbb:80"},
    {12, "P /aaa/bbb bbb", "/aaa/bbb/ccc", "bbb:80"},
    {13, "P /aaa/bbb bbb", "/aaa/bbbxyz", "404"},
    {14, "P / root; P /aaa aaa", "/aaa/ccc", "aaa:80"},
    {15, "P / root; P /aaa aaa; P /aaa/bbb bbb", "/aaa/bbb", "bbb:80"},
    {16, "P / root; P /aaa aaa; P /aaa/bbb bbb", "/ccc", "root:80"},
    {17, "P /aaa aaa", "/ccc", "404"},
    {17, "def dflt; host h; P /aaa aaa", "/ccc", "dflt:80!"},
    {18, "P /foo prefix; E /foo exact", "/foo", "exact:80"},
    {18, "E /foo exact; P /foo prefix", "/foo", "exact:80"},
};

static void test_docs_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(docs_table); i++) {
        char rules[512];
        if (strncmp(docs_table[i].rules, "def", 3) == 0)
            snprintf(rules, sizeof(rules), "ing t; %s", docs_table[i].rules);
        else
            snprintf(rules, sizeof(rules), "ing t; host h; %s",
                     docs_table[i].rules);
        kg_ruleset *rs = compile(rules);
        const char *got = route(rs, "h", docs_table[i].path);
        if (strcmp(got, docs_table[i].want) != 0) {
            fprintf(stderr, "docs row %d (%s) %s: want %s got %s\n",
                    docs_table[i].row, docs_table[i].rules, docs_table[i].path,
                    docs_table[i].want, got);
            fail();
        }
        kg_ruleset_unref(rs);
    }
}

/* -------------------------- §3.1 ingress-controller-conformance scenarios */

static void test_icc_path_rules(void **state)
{
    (void)state;
    kg_ruleset *rs =
        compile("ing path-rules\n"
                "host exact-path-rules; E /foo foo-exact\n"
                "host prefix-path-rules; P /foo foo-prefix; P /aaa/bbb "
                "aaa-slash-bbb-prefix; P /aaa aaa-prefix\n"
                "host mixed-path-rules; P /foo foo-prefix; E /foo foo-exact\n"
                "host trailing-slash-path-rules; P /aaa/bbb/ "
                "aaa-slash-bbb-slash-prefix; E /foo/ foo-slash-exact\n");
    static const struct req q[] = {
        {"exact-path-rules", "/foo", "foo-exact:80"},
        {"exact-path-rules", "/foo/", "404"},
        {"exact-path-rules", "/FOO", "404"},
        {"exact-path-rules", "/bar", "404"},
        {"prefix-path-rules", "/foo", "foo-prefix:80"},
        {"prefix-path-rules", "/foo/", "foo-prefix:80"},
        {"prefix-path-rules", "/FOO", "404"},
        {"prefix-path-rules", "/aaa/bbb", "aaa-slash-bbb-prefix:80"},
        {"prefix-path-rules", "/aaa/bbb/ccc", "aaa-slash-bbb-prefix:80"},
        {"prefix-path-rules", "/aaa/ccc", "aaa-prefix:80"},
        {"prefix-path-rules", "/aaaccc", "404"},
        {"mixed-path-rules", "/foo", "foo-exact:80"},
        {"mixed-path-rules", "/foo/", "foo-prefix:80"},
        {"trailing-slash-path-rules", "/aaa/bbb",
         "aaa-slash-bbb-slash-prefix:80"},
        {"trailing-slash-path-rules", "/aaa/bbb/",
         "aaa-slash-bbb-slash-prefix:80"},
        {"trailing-slash-path-rules", "/foo", "404"},
        {"trailing-slash-path-rules", "/foo/", "foo-slash-exact:80"},
    };
    check_reqs(rs, q, N(q), "path_rules.feature");
    /* the upstream sees the same path: no rewrite, no redirect */
    char buf[64];
    struct kg_route r = {.size = sizeof(r)};
    assert_int_equal(kg_route(rs, "prefix-path-rules", 17, "/aaa/bbb/ccc", 12,
                              buf, sizeof(buf), &r),
                     0);
    assert_string_equal(r.normalized_path, "/aaa/bbb/ccc");
    assert_string_equal(r.matched_path, "/aaa/bbb");
    assert_int_equal(r.path_type, KG_PATH_PREFIX);
    assert_string_equal(r.ns, "default");
    assert_string_equal(r.ingress, "path-rules");
    kg_ruleset_unref(rs);
}

static void test_icc_host_rules(void **state)
{
    (void)state;
    kg_ruleset *rs = compile("ing host-rules\n"
                             "host *.foo.com; P / wildcard-foo-com:8080\n"
                             "host foo.bar.com; P / foo-bar-com:http\n"
                             "tls conformance-tls foo.bar.com\n");
    static const struct req q[] = {
        {"foo.bar.com", "/", "foo-bar-com:http"},
        {"subdomain.bar.com", "/", "404"},
        {"bar.foo.com", "/", "wildcard-foo-com:8080"},
        {"baz.bar.foo.com", "/", "404"},
        {"foo.com", "/", "404"},
    };
    check_reqs(rs, q, N(q), "host_rules.feature");
    struct kg_tls t = {.size = sizeof(t)};
    assert_int_equal(kg_tls_lookup(rs, "foo.bar.com", 11, &t), 0);
    assert_string_equal(t.secret, "conformance-tls");
    assert_string_equal(t.ns, "default");
    assert_int_equal(kg_tls_lookup(rs, "bar.foo.com", 11, &t), KG_ENOMATCH);
    kg_ruleset_unref(rs);
}

static void test_icc_default_backend(void **state)
{
    (void)state;
    kg_ruleset *rs = compile("ing default-backend; def echo-service:8080");
    static const struct req q[] = {
        {"my-host", "/", "echo-service:8080!"},
        {"some-host", "/sub-path", "echo-service:8080!"},
        {NULL, "", "echo-service:8080!"},
        {NULL, "/resource", "echo-service:8080!"},
        {"my-host", "", "echo-service:8080!"},
    };
    check_reqs(rs, q, N(q), "default_backend.feature");
    kg_ruleset_unref(rs);
}

static void test_icc_ingress_class(void **state)
{
    (void)state;
    /* a class that does not exist among the loaded IngressClasses */
    kg_ruleset *rs =
        compile("class nginx default\n"
                "ing invalid class=some-invalid-class-name; host h; P / bad\n"
                "ing good class=nginx; host g; P / good\n");
    assert_string_equal(route(rs, "h", "/"), "404");
    assert_string_equal(route(rs, "g", "/"), "good:80");
    kg_ruleset_unref(rs);

    /* option: only that class; the field, else the annotation, else the
     * default IngressClass */
    static const char *rules =
        "class a default; class b\n"
        "ing f class=a; host f; P / f\n"
        "ing g class=b; host g; P / g\n"
        "ing nn ann=kubernetes.io/ingress.class=a; host n; P / nn\n"
        "ing m ann=kubernetes.io/ingress.class=b; host m; P / m\n"
        "ing none; host none; P / none\n";
    struct opts oa = {.cls = "a"}, ob = {.cls = "b"}, oz = {.cls = "zzz"};
    rs = compile_opts(rules, &oa, NULL);
    static const struct req qa[] = {
        {"f", "/", "f:80"}, {"g", "/", "404"},        {"n", "/", "nn:80"},
        {"m", "/", "404"},  {"none", "/", "none:80"},
    };
    check_reqs(rs, qa, N(qa), "class a");
    kg_ruleset_unref(rs);
    rs = compile_opts(rules, &ob, NULL);
    static const struct req qb[] = {
        {"f", "/", "404"},  {"g", "/", "g:80"},   {"n", "/", "404"},
        {"m", "/", "m:80"}, {"none", "/", "404"},
    };
    check_reqs(rs, qb, N(qb), "class b");
    kg_ruleset_unref(rs);
    rs = compile_opts(rules, &oz, NULL);
    static const struct req qz[] = {{"f", "/", "404"}, {"none", "/", "404"}};
    check_reqs(rs, qz, N(qz), "class zzz");
    kg_ruleset_unref(rs);
    /* no IngressClass loaded, no option: every Ingress is served */
    rs = compile("ing x class=whatever; host x; P / x");
    assert_string_equal(route(rs, "x", "/"), "x:80");
    kg_ruleset_unref(rs);
}

/* ------------------------------ §3.2 Gateway API path-match-order style */

static void test_path_match_order(void **state)
{
    (void)state;
    kg_ruleset *rs = compile("ing order; host h\n"
                             "E /match v1; E /match/exact v2; "
                             "E /match/exact/one v3\n"
                             "P /match/ v3; P /match/prefix/ v1; "
                             "P /match/prefix/one v2\n");
    static const struct req q[] = {
        {"h", "/match/exact/one", "v3:80"},
        {"h", "/match/exact", "v2:80"},
        {"h", "/match", "v1:80"}, /* Exact beats Prefix "/match/" */
        {"h", "/match/prefix/one/any", "v2:80"},
        {"h", "/match/prefix/any", "v1:80"},
        {"h", "/match/any", "v3:80"},
        {"h", "/match/", "v3:80"},
        {"h", "/matchx", "404"},
    };
    check_reqs(rs, q, N(q), "path-match-order");
    kg_ruleset_unref(rs);

    /* Gateway HTTPRouteMatching */
    rs = compile("ing m; host h; P / v1; P /v2 v2");
    static const struct req q2[] = {
        {"h", "/", "v1:80"},           {"h", "/example", "v1:80"},
        {"h", "/v2example", "v1:80"},  {"h", "/foo/v2/example", "v1:80"},
        {"h", "/v2", "v2:80"},         {"h", "/v2/", "v2:80"},
        {"h", "/v2/example", "v2:80"},
    };
    check_reqs(rs, q2, N(q2), "httproute-matching");
    kg_ruleset_unref(rs);

    /* rule 31: "/foo/" beats "/foo", whatever the order and age */
    rs = compile("ing old ts=2020-01-01T00:00:00Z; host h; P /foo plain\n"
                 "ing new ts=2024-01-01T00:00:00Z; host h; P /foo/ slash\n");
    static const struct req q3[] = {
        {"h", "/foo", "slash:80"},
        {"h", "/foo/", "slash:80"},
        {"h", "/foo/x", "slash:80"},
    };
    check_reqs(rs, q3, N(q3), "rule 31");
    kg_ruleset_unref(rs);

    /* ingress-nginx e2e pathtype_mixed: Exact and Prefix in separate
     * Ingresses */
    rs = compile("ing a; host h; E / exact-root; E /foo exact-foo\n"
                 "ing b; host h; P / prefix-root; P /foo prefix-foo\n");
    static const struct req q4[] = {
        {"h", "/", "exact-root:80"},        {"h", "/bar", "prefix-root:80"},
        {"h", "/foo", "exact-foo:80"},      {"h", "/foo/bar", "prefix-foo:80"},
        {"h", "/foobar", "prefix-root:80"},
    };
    check_reqs(rs, q4, N(q4), "pathtype_mixed");
    kg_ruleset_unref(rs);
}

/* --------------------------------------------------- hosts (rules 11-21) */

static void test_hosts(void **state)
{
    (void)state;
    kg_ruleset *rs = compile("ing h\n"
                             "host foo.bar.com; P / exact\n"
                             "host *.bar.com; P / wild; P /only-wild w2\n"
                             "host *.a.b.c; P / deepwild\n"
                             "host - ; P / any\n"
                             "host single; P / single\n");
    static const struct req q[] = {
        {"foo.bar.com", "/", "exact:80"},
        {"x.bar.com", "/", "wild:80"},
        {"bar.com", "/", "any:80"},     /* never the apex */
        {"a.x.bar.com", "/", "any:80"}, /* exactly one label */
        {".bar.com", "/", "400"},       /* empty label */
        {"z.a.b.c", "/", "deepwild:80"},
        {"a.b.c", "/", "any:80"},
        {"single", "/", "single:80"},
        {NULL, "/", "any:80"}, /* no Host header */
        /* normalization (DESIGN; rules 18-21) */
        {"FOO.Bar.COM", "/", "exact:80"},
        {"foo.bar.com.", "/", "exact:80"},
        {"foo.bar.com:8443", "/", "exact:80"},
        {"FOO.BAR.COM.:80", "/", "exact:80"},
        {"foo.bar.com..", "/", "400"},
        {"foo.bar.com:http", "/", "400"},
        {"foo.bar.com:99999", "/", "400"},
        {"X.BAR.COM", "/", "wild:80"},
        {"[2001:db8::1]:8443", "/", "any:80"},
        {"10.0.0.1:80", "/", "any:80"},
        {"f\xc3\xb6o.bar.com", "/", "any:80"}, /* non-ASCII: no host rule */
        {"xn--fo-fka.bar.com", "/", "wild:80"},
        {"foo bar", "/", "400"},
        {"foo.bar.com\r\nx", "/", "400"},
        /* no fall-through: a path miss in a host does not reach "any" */
        {"foo.bar.com", "/only-wild", "exact:80"},
        {"x.bar.com", "/only-wild/y", "w2:80"},
    };
    check_reqs(rs, q, N(q), "hosts");
    /* an embedded NUL in the host */
    assert_string_equal(answer(rs, "foo\0.bar.com", 12, "/", 1), "400");
    kg_ruleset_unref(rs);

    /* no fall-through from an exact host with only specific paths */
    rs = compile("ing a; host a.com; P /api api\nhost - ; P / any");
    assert_string_equal(route(rs, "a.com", "/web"), "404");
    assert_string_equal(route(rs, "b.com", "/web"), "any:80");
    kg_ruleset_unref(rs);
}

/* ----------------------------------------- path normalization, traversal */

static void test_traversal(void **state)
{
    (void)state;
    kg_ruleset *rs = compile("ing t; host h; P / public; P /admin admin; "
                             "I /a%2Fb escaped; P /x%41 xa");
    static const struct req q[] = {
        {"h", "/public/../admin", "admin:80"},
        {"h", "/public/%2e%2e/admin", "admin:80"},
        {"h", "/public/%2E%2e/admin/x", "admin:80"},
        {"h", "//admin", "admin:80"},
        {"h", "/./admin", "admin:80"},
        {"h", "/admin/../public", "public:80"},
        {"h", "/../../admin", "admin:80"},
        {"h", "/admin%2F..%2Fpublic", "public:80"}, /* %2F is data */
        {"h", "/a%2fb", "escaped:80"},
        {"h", "/a/b", "public:80"},
        {"h", "/admin?x=/../public", "admin:80"},
        {"h", "/public?/admin", "public:80"},
        {"h", "/public#/admin", "public:80"},
        {"h", "/%41dmin", "public:80"}, /* %41 is 'A': case-sensitive */
        {"h", "/%61dmin", "admin:80"},  /* %61 is 'a' */
        {"h", "/xA", "xa:80"},          /* rule path %41 decoded too */
        {"h", "/x%41", "xa:80"},
        {"h", "/admin%00", "400"},
        {"h", "/admin\x01", "400"},
        {"h", "*", "400"},
        {"h", "admin", "400"},
        {"h", "/%zz", "400"},
    };
    check_reqs(rs, q, N(q), "traversal");
    assert_string_equal(answer(rs, "h", 1, "/admin\0/x", 9), "400");
    /* the normalized path is returned */
    char buf[64];
    struct kg_route r = {.size = sizeof(r)};
    assert_int_equal(kg_route(rs, "h", 1, "/public/../admin//x/?q=1", 24, buf,
                              sizeof(buf), &r),
                     0);
    assert_string_equal(r.normalized_path, "/admin/x/");
    assert_string_equal(r.matched_path, "/admin");
    kg_ruleset_unref(rs);

    /* reject escaped slashes on request */
    struct opts o = {.reject_escaped = 1};
    rs = compile_opts("ing t; host h; P / public", &o, NULL);
    assert_string_equal(route(rs, "h", "/a%2Fb"), "400");
    assert_string_equal(route(rs, "h", "/a%5cb"), "400");
    assert_string_equal(route(rs, "h", "/ab"), "public:80");
    kg_ruleset_unref(rs);

    /* normalization off: matched as given */
    struct opts off = {.no_normalize = 1};
    rs = compile_opts("ing t; host h; P / public; P /admin admin", &off, NULL);
    assert_string_equal(route(rs, "h", "/public/../admin"), "public:80");
    assert_string_equal(route(rs, "h", "//admin"), "public:80");
    assert_string_equal(route(rs, "h", "/admin/../x"), "admin:80");
    assert_string_equal(route(rs, "h", "/admin\x7f"), "400");
    kg_ruleset_unref(rs);
}

/* ------------------------------------- merging and conflicts (33-35) */

static size_t count_code(const kg_builder *b, int code, int severity)
{
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    size_t n = 0;
    for (size_t i = 0; i < kg_diagnostics_count(d); i++)
        if (kg_diagnostic_code(d, i) == code &&
            kg_diagnostic_severity(d, i) == severity)
            n++;
    return n;
}

static void test_conflicts(void **state)
{
    (void)state;
    kg_builder *b = NULL;
    const kg_diagnostics *d;
    int found;
    /* input order is not the conflict order */
    kg_ruleset *rs = compile_opts(
        "ing newer ns=a ts=2024-05-01T00:00:00Z; host h; P /x newer; "
        "E /e newer-e\n"
        "ing notime ns=a; host h; P /x notime; P /y notime\n"
        "ing older ns=z ts=2020-01-01T00:00:00Z; host h; P /x older\n"
        "ing same2 ns=b ts=2021-01-01T00:00:00Z; host h; P /z b-z; E /e b-e\n"
        "ing same1 ns=a ts=2021-01-01T00:00:00Z; host h; P /z a-z\n"
        "ing first ns=c; host h; P /y first; P /y second\n",
        NULL, &b);
    assert_string_equal(route(rs, "h", "/x"), "older:80");
    assert_string_equal(route(rs, "h", "/z"), "a-z:80");
    /* both without timestamp: a/notime < c/first */
    assert_string_equal(route(rs, "h", "/y"), "notime:80");
    assert_string_equal(route(rs, "h", "/e"), "b-e:80");
    /* shadowed: /x twice, /z once, /y twice (c/first both), /e once */
    assert_int_equal(count_code(b, KG_ECONFLICT, KG_SEVERITY_WARNING), 6);
    kg_builder_free(b);
    kg_ruleset_unref(rs);

    /* ingress-nginx: equal timestamps in namespace/name descending order
     * (its store sorts `in > jn`); the timestamp still comes first */
    struct opts ngx = {.dialect = KG_DIALECT_INGRESS_NGINX};
    rs = compile_opts(
        "ing newer ns=a ts=2024-05-01T00:00:00Z; host h; P /x newer; "
        "E /e newer-e\n"
        "ing notime ns=a; host h; P /x notime; P /y notime\n"
        "ing older ns=z ts=2020-01-01T00:00:00Z; host h; P /x older\n"
        "ing same2 ns=b ts=2021-01-01T00:00:00Z; host h; P /z b-z; E /e b-e\n"
        "ing same1 ns=a ts=2021-01-01T00:00:00Z; host h; P /z a-z\n"
        "ing first ns=c; host h; P /y first; P /y second\n",
        &ngx, &b);
    assert_string_equal(route(rs, "h", "/x"), "older:80");
    assert_string_equal(route(rs, "h", "/z"), "b-z:80");
    /* both without timestamp: c/first > a/notime */
    assert_string_equal(route(rs, "h", "/y"), "first:80");
    assert_string_equal(route(rs, "h", "/e"), "b-e:80");
    d = kg_builder_diagnostics(b);
    found = 0;
    for (size_t i = 0; i < kg_diagnostics_count(d); i++)
        found += kg_diagnostic_code(d, i) == KG_ECONFLICT &&
                 strstr(kg_diagnostic_message(d, i),
                        "same age, larger namespace/name") != NULL;
    assert_int_equal(found, 2); /* /z and /y of a/notime */
    kg_builder_free(b);
    kg_ruleset_unref(rs);

    /* first listed inside one Ingress */
    rs = compile_opts("ing one; host h; E /e first; E /e second; "
                      "P /p first; P /p second",
                      NULL, &b);
    assert_string_equal(route(rs, "h", "/e"), "first:80");
    assert_string_equal(route(rs, "h", "/p/q"), "first:80");
    assert_int_equal(count_code(b, KG_ECONFLICT, KG_SEVERITY_WARNING), 2);
    d = kg_builder_diagnostics(b);
    found = 0;
    for (size_t i = 0; i < kg_diagnostics_count(d); i++)
        if (kg_diagnostic_code(d, i) == KG_ECONFLICT &&
            strcmp(kg_diagnostic_path(d, i), "spec.rules[0].http.paths[1]") ==
                0 &&
            kg_diagnostic_line(d, i) > 0)
            found++;
    assert_int_equal(found, 1);
    kg_builder_free(b);
    kg_ruleset_unref(rs);

    /* merged across Ingresses and namespaces: precedence applies across */
    rs = compile("ing a ns=one; host h; P /api api; host other; P / o\n"
                 "ing b ns=two; host h; P /api/v2 v2; E /api exact\n");
    static const struct req q2[] = {
        {"h", "/api", "exact:80"},
        {"h", "/api/v2/x", "v2:80"},
        {"h", "/api/v1", "api:80"},
        {"other", "/api/v2", "o:80"},
    };
    check_reqs(rs, q2, N(q2), "merge");
    char buf[32];
    struct kg_route r = {.size = sizeof(r)};
    assert_int_equal(kg_route(rs, "h", 1, "/api/v2", 7, buf, sizeof(buf), &r),
                     0);
    assert_string_equal(r.ns, "two");
    assert_string_equal(r.ingress, "b");
    kg_ruleset_unref(rs);
}

/* ------------------------------------------ defaultBackend (rule 36) */

static void test_default_backend(void **state)
{
    (void)state;
    static const char set[] =
        "ing catchall-new ts=2024-01-01T00:00:00Z; def global-new\n"
        "ing catchall-old ts=2020-01-01T00:00:00Z; def global-old\n"
        "ing withrules; def host-fallback; host a.com; P /api api; "
        "host *.w.com; P /api wapi\n"
        "ing other; host b.com; P /api bapi\n"
        "ing nohttp; def nohttp-def; host c.com nohttp\n"
        "ing d; host d.com nohttp\n"
        "ing e; host a.com; P /e e\n";
    /* portable (rules 35, 36): one cluster-wide default, the oldest,
     * answers every request that matches no rule */
    kg_ruleset *rs = compile(set);
    static const struct req q[] = {
        {"a.com", "/api/x", "api:80"},
        {"a.com", "/web", "global-old:80!"},
        {"x.w.com", "/web", "global-old:80!"},
        {"b.com", "/web", "global-old:80!"},
        {"zzz.com", "/", "global-old:80!"},
        {NULL, "/", "global-old:80!"},
        {"c.com", "/anything", "global-old:80!"}, /* rule 37 */
        {"d.com", "/anything", "global-old:80!"},
    };
    check_reqs(rs, q, N(q), "defaultBackend");
    kg_ruleset_unref(rs);
    /* the unused ones are reported where they are written */
    kg_builder *b = NULL;
    rs = compile_opts(set, NULL, &b);
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    int unused = 0;
    for (size_t i = 0; i < kg_diagnostics_count(d); i++)
        unused +=
            kg_diagnostic_code(d, i) == KG_ECONFLICT &&
            strcmp(kg_diagnostic_path(d, i), "spec.defaultBackend") == 0 &&
            kg_diagnostic_line(d, i) > 0 &&
            strstr(kg_diagnostic_message(d, i),
                   "is Ingress default/catchall-old's") != NULL;
    assert_int_equal(unused, 3); /* global-new, host-fallback, nohttp-def */
    kg_builder_free(b);
    kg_ruleset_unref(rs);

    /* an Ingress with rules sets it too, for path misses and unknown hosts
     * alike */
    rs = compile("ing a; host a.com; P /api api\n"
                 "ing b ts=2020-01-01T00:00:00Z; def b-def; host b.com; "
                 "P /b b\n"
                 "ing c ts=2021-01-01T00:00:00Z; def c-def; host c.com; "
                 "P /c c\n");
    static const struct req q1[] = {
        {"a.com", "/api", "api:80"},  {"a.com", "/x", "b-def:80!"},
        {"b.com", "/x", "b-def:80!"}, {"c.com", "/x", "b-def:80!"},
        {"c.com", "/c", "c:80"},      {"zzz.com", "/", "b-def:80!"},
    };
    check_reqs(rs, q1, N(q1), "defaultBackend (portable)");
    kg_ruleset_unref(rs);

    /* ingress-nginx (createServers): the first Ingress with a rule for a
     * host configures that server, with its defaultBackend or none (the
     * controller's default backend: no match); the oldest Ingress without
     * rules is the catch-all server, which also answers the host-less
     * rules' misses and unknown hosts */
    struct opts o = {.dialect = KG_DIALECT_INGRESS_NGINX};
    rs = compile_opts(set, &o, NULL);
    static const struct req q2[] = {
        {"a.com", "/api/x", "api:80"},
        {"a.com", "/web", "host-fallback:80!"}, /* withrules came first */
        {"x.w.com", "/web", "host-fallback:80!"},
        {"b.com", "/web", "404"}, /* other configured b.com, no default */
        {"zzz.com", "/", "global-old:80!"},
        {NULL, "/", "global-old:80!"},
        {"c.com", "/anything", "nohttp-def:80!"},
        {"d.com", "/anything", "404"},
    };
    check_reqs(rs, q2, N(q2), "defaultBackend (ingress-nginx)");
    kg_ruleset_unref(rs);
    rs = compile_opts(
        "ing a ts=2020-01-01T00:00:00Z; host a.com; P /api api\n"
        "ing b ts=2021-01-01T00:00:00Z; def b-def; host a.com; "
        "P /b b; host b.com; P /b b\n"
        "ing c ts=2022-01-01T00:00:00Z; def c-def; host -; P /h h\n",
        &o, NULL);
    static const struct req q3[] = {
        {"a.com", "/b", "b:80"},
        {"a.com", "/x", "404"}, /* a configured the server: b's is unused */
        {"b.com", "/x", "b-def:80!"},
        {"zzz.com", "/h", "h:80"},
        {"zzz.com", "/x", "404"}, /* c's default is not the catch-all */
    };
    check_reqs(rs, q3, N(q3), "defaultBackend (ingress-nginx servers)");
    kg_ruleset_unref(rs);

    /* resource backends, default and path */
    rs = compile("ing r; defres -/StorageBucket/static; host h; "
                 "R P /img k8s.example.com/Bucket/images");
    assert_string_equal(route(rs, "h", "/img/a.png"), "res:Bucket/images");
    assert_string_equal(route(rs, "h", "/x"), "res:StorageBucket/static!");
    char buf[32];
    struct kg_route r = {.size = sizeof(r)};
    assert_int_equal(kg_route(rs, "h", 1, "/img", 4, buf, sizeof(buf), &r), 0);
    assert_true(r.is_resource);
    assert_string_equal(r.resource_api_group, "k8s.example.com");
    assert_string_equal(r.service, "");
    assert_int_equal(r.port, 0);
    assert_int_equal(kg_route(rs, "h", 1, "/x", 2, buf, sizeof(buf), &r), 0);
    assert_string_equal(r.resource_api_group, "");
    assert_true(r.is_default);
    assert_string_equal(r.matched_path, "");
    kg_ruleset_unref(rs);

    /* nothing at all */
    rs = compile("ing a; host a; P /x x");
    assert_string_equal(route(rs, "b", "/"), "404");
    kg_ruleset_unref(rs);
}

/* ------------------------------------------------------------------- TLS */

static void test_tls(void **state)
{
    (void)state;
    kg_ruleset *rs =
        compile("ing new ns=n1 ts=2024-01-01T00:00:00Z; host a.com; P / a; "
                "tls new-secret a.com,*.w.com\n"
                "ing old ns=n2 ts=2020-01-01T00:00:00Z; host x; P / x; "
                "tls old-secret a.com; tls - sni.only.com; tls fallback -\n");
    static const struct {
        const char *host, *ns, *secret;
        int rc;
    } q[] = {
        {"a.com", "n2", "old-secret", 0},
        {"A.COM.", "n2", "old-secret", 0},
        {"a.com:443", "n2", "old-secret", 0},
        {"x.w.com", "n1", "new-secret", 0},
        {"y.x.w.com", "n2", "fallback", 0},
        {"w.com", "n2", "fallback", 0},
        {"sni.only.com", "n2", "", 0},
        {"other.com", "n2", "fallback", 0},
        {"bad..com", "", "", KG_EREQUEST},
    };
    for (size_t i = 0; i < N(q); i++) {
        struct kg_tls t = {.size = sizeof(t)};
        int rc = kg_tls_lookup(rs, q[i].host, strlen(q[i].host), &t);
        if (rc != q[i].rc || strcmp(t.ns, q[i].ns) != 0 ||
            strcmp(t.secret, q[i].secret) != 0) {
            fprintf(stderr, "tls %s: rc %d ns %s secret %s\n", q[i].host, rc,
                    t.ns, t.secret);
            fail();
        }
    }
    /* TLS hosts do not route (rule 39) */
    assert_string_equal(route(rs, "sni.only.com", "/"), "404");
    kg_ruleset_unref(rs);
    rs = compile("ing a; host a; P / a");
    struct kg_tls t = {.size = sizeof(t)};
    assert_int_equal(kg_tls_lookup(rs, "a", 1, &t), KG_ENOMATCH);
    assert_string_equal(t.secret, "");
    kg_ruleset_unref(rs);
}

/* ------------------------------------------------ ingress-nginx dialect */

static void test_nginx_regex(void **state)
{
    (void)state;
    struct opts o = {.dialect = KG_DIALECT_INGRESS_NGINX};
    kg_ruleset *rs = compile_opts(
        "ing re ann=nginx.ingress.kubernetes.io/use-regex=true; host r\n"
        "I /foo/bar/[A-Z0-9]{3} regex3; P /foo/bar/bar literal\n"
        "I /id/[0-9]+ idany; I /strict/[0-9]+$ strict\n"
        "ing other; host r; E /health health; P /app app\n"
        "host plain; E /health health; P /app app; I /img imgchars\n",
        &o, NULL);
    static const struct req q[] = {
        /* a longer pattern shadows a shorter literal (NGX "Warning") */
        {"r", "/foo/bar/bar", "regex3:80"},
        {"r", "/foo/bar/ba", "404"},
        {"r", "/foo/bar/bar/x", "regex3:80"},
        {"r", "/FOO/BAR/BAR", "regex3:80"},
        {"r", "/id/123a", "idany:80"}, /* start-anchored only */
        {"r", "/strict/123a", "404"},
        {"r", "/strict/123", "strict:80"},
        /* the other Ingress of the host is in regex mode too */
        {"r", "/healthz", "health:80"},
        {"r", "/application", "app:80"},
        {"r", "/APP", "app:80"},
        /* another host stays literal */
        {"plain", "/healthz", "404"},
        {"plain", "/application", "404"},
        {"plain", "/app/x", "app:80"},
        {"plain", "/imgs/1", "imgchars:80"}, /* ImplSpecific: char prefix */
        {"plain", "/img", "imgchars:80"},
    };
    check_reqs(rs, q, N(q), "nginx regex");
    kg_ruleset_unref(rs);

    /* rewrite-target also forces regex mode; equal lengths: reverse byte
     * order ("/ab." > "/a.."), whatever the listing order */
    rs = compile_opts(
        "ing rw ann=nginx.ingress.kubernetes.io/rewrite-target=/$2;"
        " host w; I /a.. adotdot; I /ab. abdot; "
        "I /something(/|$)(.*) some\n",
        &o, NULL);
    assert_string_equal(route(rs, "w", "/abc"), "abdot:80");
    assert_string_equal(route(rs, "w", "/axc"), "adotdot:80");
    assert_string_equal(route(rs, "w", "/something/x/y"), "some:80");
    assert_string_equal(route(rs, "w", "/somethingelse"), "404");
    assert_string_equal(route(rs, "w", "/b"), "404");
    kg_ruleset_unref(rs);

    /* the annotation is ignored in the portable dialect */
    rs = compile("ing re ann=nginx.ingress.kubernetes.io/use-regex=true; "
                 "host r; P /app app; I /img img");
    assert_string_equal(route(rs, "r", "/application"), "404");
    assert_string_equal(route(rs, "r", "/imgs"), "404");
    assert_string_equal(route(rs, "r", "/img/x"), "img:80");
    kg_ruleset_unref(rs);

    /* catastrophic backtracking hits the match limit, not a hang */
    rs = compile_opts("ing re ann=nginx.ingress.kubernetes.io/use-regex=true; "
                      "host r; I /(a+)+$ evil",
                      &o, NULL);
    char path[80] = "/";
    memset(path + 1, 'a', 60);
    path[61] = 'b';
    path[62] = '\0';
    assert_string_equal(route(rs, "r", path), "KG_ELIMIT_MATCH");
    assert_string_equal(route(rs, "r", "/aaa"), "evil:80");
    kg_ruleset_unref(rs);

    /* an invalid regex is an error with its field path, or a warning with
     * skip-invalid (the path is left out) */
    kg_options *opt = kg_options_new();
    kg_options_set_dialect(opt, KG_DIALECT_INGRESS_NGINX);
    kg_builder *b = kg_builder_new(opt);
    size_t len;
    char *yaml = rules_yaml(
        "ing re ann=nginx.ingress.kubernetes.io/use-regex=true; host r; "
        "I /ok ok; I /bad[ bad",
        &len);
    assert_int_equal(kg_builder_add_buffer(b, "re.yaml", yaml, len), 0);
    kg_ruleset *out = NULL;
    assert_int_equal(kg_builder_compile(b, &out), KG_ECOMPILE);
    assert_null(out);
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    int seen = 0;
    for (size_t i = 0; i < kg_diagnostics_count(d); i++)
        if (kg_diagnostic_code(d, i) == KG_EINVALID &&
            strcmp(kg_diagnostic_path(d, i),
                   "spec.rules[0].http.paths[1].path") == 0 &&
            kg_diagnostic_line(d, i) > 0)
            seen = 1;
    assert_true(seen);
    kg_builder_free(b);
    kg_options_set_flag(opt, KG_FLAG_SKIP_INVALID, true);
    b = kg_builder_new(opt);
    assert_int_equal(kg_builder_add_buffer(b, "re.yaml", yaml, len), 0);
    assert_int_equal(kg_builder_compile(b, &out), 0);
    assert_string_equal(route(out, "r", "/ok"), "ok:80");
    kg_ruleset_unref(out);
    kg_builder_free(b);
    kg_options_free(opt);
    free(yaml);
}

static void test_nginx_chars(void **state)
{
    (void)state;
    /* ImplementationSpecific as nginx prefix locations: longest wins, an
     * exact location first; a Prefix "/p" is "= /p" plus "/p/" */
    struct opts o = {.dialect = KG_DIALECT_INGRESS_NGINX};
    kg_ruleset *rs = compile_opts("ing c; host h\n"
                                  "I /fo fo; P /foo foo; I /foobar foobar; "
                                  "I /foo/b foob; I '' root; E /x x\n",
                                  &o, NULL);
    static const struct req q[] = {
        {"h", "/foo", "foo:80"},  /* "= /foo" */
        {"h", "/foo/", "foo:80"}, /* "/foo/" (5) > "/fo" (3) */
        {"h", "/foo/x", "foo:80"},
        {"h", "/foo/bar", "foob:80"}, /* "/foo/b" (6) */
        {"h", "/foox", "fo:80"},
        {"h", "/foobarbaz", "foobar:80"},
        {"h", "/f", "root:80"},
        {"h", "/x", "x:80"},
        {"h", "/xy", "root:80"},
    };
    check_reqs(rs, q, N(q), "nginx chars");
    kg_ruleset_unref(rs);
}

/* ---------------------------------------------------- skip-invalid, API */

static void test_skip_invalid_and_api(void **state)
{
    (void)state;
    static const char *rules = "ing bad; host h; E relative bad\n"
                               "ing good; host h; P / good\n";
    kg_builder *b = kg_builder_new(NULL);
    size_t len;
    char *yaml = rules_yaml(rules, &len);
    kg_builder_add_buffer(b, "x.yaml", yaml, len);
    kg_ruleset *rs = NULL;
    assert_int_equal(kg_builder_compile(b, &rs), KG_ECOMPILE);
    kg_builder_free(b);
    struct opts o = {.skip_invalid = 1};
    rs = compile_opts(rules, &o, &b);
    assert_true(kg_diagnostics_count(kg_builder_diagnostics(b)) > 0);
    assert_int_equal(kg_diagnostics_errors(kg_builder_diagnostics(b)), 0);
    assert_string_equal(route(rs, "h", "/relative"), "good:80");
    kg_builder_free(b);
    free(yaml);

    /* argument checks */
    char buf[8];
    struct kg_route r = {.size = sizeof(r)};
    assert_int_equal(kg_route(NULL, "h", 1, "/", 1, buf, 8, &r), KG_EINVAL);
    assert_int_equal(kg_route(rs, "h", 1, "/", 1, buf, 8, NULL), KG_EINVAL);
    assert_int_equal(kg_route(rs, NULL, 1, "/", 1, buf, 8, &r), KG_EINVAL);
    assert_int_equal(kg_route(rs, "h", 1, NULL, 1, buf, 8, &r), KG_EINVAL);
    r.size = KG_ROUTE_SIZE_0_1 - 1;
    assert_int_equal(kg_route(rs, "h", 1, "/", 1, buf, 8, &r), KG_EINVAL);
    r.size = sizeof(r);
    assert_int_equal(kg_route(rs, "h", 1, "/abcdefgh", 9, buf, 8, &r),
                     KG_ENOSPACE);
    assert_int_equal(kg_route(rs, "h", 1, "/abcdef", 7, buf, 8, &r), 0);
    assert_int_equal(kg_route(rs, "h", 1, "/", 1, NULL, 0, &r), KG_ENOSPACE);
    assert_int_equal(kg_route(rs, "h", 1, NULL, 0, buf, 8, &r), 0);
    assert_string_equal(r.normalized_path, "/");
    struct kg_tls t = {.size = 3};
    assert_int_equal(kg_tls_lookup(rs, "h", 1, &t), KG_EINVAL);
    assert_int_equal(kg_tls_lookup(NULL, "h", 1, &t), KG_EINVAL);
    /* a huge host is rejected, not truncated */
    char *big = malloc(KG_ROUTE_HOST_MAX + 10);
    memset(big, 'a', KG_ROUTE_HOST_MAX + 10);
    assert_int_equal(
        kg_route(rs, big, KG_ROUTE_HOST_MAX + 10, "/", 1, buf, 8, &r),
        KG_EREQUEST);
    free(big);
    kg_ruleset_unref(rs);
}

/* --------------------------------------------------- deep and long */

static void test_deep_paths(void **state)
{
    (void)state;
    /* 2,000 pieces (4,000 bytes: within the model's path limit); the
     * compile recursion and the walk must cope */
    enum { PIECES = 2000, LEN = 2 * PIECES };
    static char deep[LEN + 1], req[LEN + 8], rules[2 * LEN + 256];
    for (int i = 0; i < PIECES; i++) {
        deep[2 * i] = '/';
        deep[2 * i + 1] = (char)('a' + i % 3);
    }
    deep[LEN] = '\0';
    snprintf(rules, sizeof(rules),
             "ing d; host h; P %s deep; E %s exact; P / root", deep, deep);
    kg_ruleset *rs = compile(rules);
    assert_string_equal(route(rs, "h", deep), "exact:80");
    memcpy(req, deep, LEN);
    memcpy(req + LEN, "/x", 3);
    assert_string_equal(route(rs, "h", req), "deep:80");
    req[LEN - 1] = 'z'; /* diverge in the last piece */
    assert_string_equal(route(rs, "h", req), "root:80");
    kg_ruleset_unref(rs);
    /* the same in the ingress-nginx dialect, with character prefixes */
    struct opts o = {.dialect = KG_DIALECT_INGRESS_NGINX};
    snprintf(rules, sizeof(rules), "ing d; host h; I %s chars; P / root", deep);
    rs = compile_opts(rules, &o, NULL);
    memcpy(req, deep, LEN);
    memcpy(req + LEN, "yz", 3);
    assert_string_equal(route(rs, "h", req), "chars:80");
    assert_string_equal(route(rs, "h", "/a/b"), "root:80");
    kg_ruleset_unref(rs);
}

/* ----------------------------------------------- dump and allocation */

struct sink {
    char *p;
    size_t n;
};

static void sink_write(void *user, const char *text, size_t len)
{
    struct sink *s = user;
    char *np = realloc(s->p, s->n + len + 1);
    assert_non_null(np);
    memcpy(np + s->n, text, len);
    s->p = np;
    s->n += len;
    s->p[s->n] = '\0';
}

static void test_dump(void **state)
{
    (void)state;
    kg_ruleset *rs = compile("ing d ns=web; def dflt; host a.com; P /api api; "
                             "E /api/x x:http; host *.b.com; P / b; "
                             "tls sec a.com");
    struct sink s = {0};
    assert_int_equal(kg_ruleset_dump(rs, KG_DUMP_TEXT, sink_write, &s), 0);
    assert_non_null(strstr(s.p, "host a.com (exact"));
    assert_non_null(strstr(s.p, "/api  =>  web/d -> service api:80"));
    assert_non_null(strstr(s.p, "service x:http"));
    assert_non_null(strstr(s.p, "host *.b.com (wildcard"));
    assert_non_null(strstr(s.p, "a.com  =>  web/sec"));
    free(s.p);
    s = (struct sink){0};
    assert_int_equal(kg_ruleset_dump(rs, KG_DUMP_JSON, sink_write, &s), 0);
    assert_non_null(strstr(s.p, "\"host\":\"a.com\",\"match\":\"exact\""));
    assert_non_null(strstr(s.p, "\"path\":\"/api/x\",\"pathType\":\"Exact\""));
    assert_non_null(strstr(s.p, "\"port\":\"http\""));
    free(s.p);
    kg_ruleset_unref(rs);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    size_t len;
    char *yaml = rules_yaml(
        "class c default\n"
        "ing a ts=2020-01-01T00:00:00Z class=c; def d; host a.com; P /x x; "
        "E /x/y yy; host *.w.com; P / w; tls s a.com,*.w.com\n"
        "ing b ann=nginx.ingress.kubernetes.io/use-regex=true; host r; "
        "I /r[0-9] r; P /x x2; host - ; P / any\n",
        &len);
    for (int dialect = 0; dialect < 2; dialect++) {
        kg_options *opt = kg_options_new();
        kg_options_set_dialect(opt, dialect);
        long n;
        for (n = 0;; n++) {
            kgi_alloc_fail_after(-1);
            kg_builder *b = kg_builder_new(opt);
            assert_non_null(b);
            int rc = kg_builder_add_buffer(b, "a.yaml", yaml, len);
            assert_int_equal(rc, 0);
            kg_ruleset *rs = NULL;
            kgi_alloc_fail_after(n);
            rc = kg_builder_compile(b, &rs);
            kgi_alloc_fail_after(-1);
            if (rc == 0) {
                assert_string_equal(route(rs, "A.com", "/x/y"), "yy:80");
                kg_ruleset_unref(rs);
                kg_builder_free(b);
                break;
            }
            assert_int_equal(rc, KG_ENOMEM);
            assert_null(rs);
            kg_builder_free(b);
        }
        assert_true(n > 10);
        kg_options_free(opt);
    }
    free(yaml);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_docs_table),
        cmocka_unit_test(test_icc_path_rules),
        cmocka_unit_test(test_icc_host_rules),
        cmocka_unit_test(test_icc_default_backend),
        cmocka_unit_test(test_icc_ingress_class),
        cmocka_unit_test(test_path_match_order),
        cmocka_unit_test(test_hosts),
        cmocka_unit_test(test_traversal),
        cmocka_unit_test(test_conflicts),
        cmocka_unit_test(test_default_backend),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_nginx_regex),
        cmocka_unit_test(test_nginx_chars),
        cmocka_unit_test(test_skip_invalid_and_api),
        cmocka_unit_test(test_deep_paths),
        cmocka_unit_test(test_dump),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
