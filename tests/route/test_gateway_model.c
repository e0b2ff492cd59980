// SPDX-License-Identifier: MIT
/*
 * test_gateway_model.c - Gateway API validation (issue 12): each invalid
 * object is reported with its code, field path and line:column as the API
 * server's schema/CEL rules say; valid objects compile; a route attached to
 * no listener is a warning. Table-driven over the public builder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kgress.h"

#define GW                                                                     \
    "apiVersion: gateway.networking.k8s.io/v1\n"                               \
    "kind: Gateway\n"                                                          \
    "metadata: {name: gw, namespace: infra}\n"                                 \
    "spec:\n"                                                                  \
    "  gatewayClassName: c\n"                                                  \
    "  listeners:\n"                                                           \
    "  - {name: http, port: 80, protocol: HTTP,\n"                             \
    "     allowedRoutes: {namespaces: {from: All}}}\n"                         \
    "---\n"

#define RT(spec)                                                               \
    GW "apiVersion: gateway.networking.k8s.io/v1\n"                            \
       "kind: HTTPRoute\n"                                                     \
       "metadata: {name: r, namespace: app}\n"                                 \
       "spec:\n"                                                               \
       "  parentRefs: [{name: gw, namespace: infra}]\n" spec

struct bad {
    const char *yaml;
    int code;
    const char *path;
    unsigned line, col;
};

static const struct bad bads[] = {
    {RT("  rules:\n  - matches: [{path: {type: Exact, value: /a//b}}]\n"),
     KG_EINVALID, "spec.rules[0].matches[0].path.value", 16, 43},
    {RT("  rules:\n  - matches: [{path: {type: Glob, value: /a}}]\n"),
     KG_ENOTSUPPORTED, "spec.rules[0].matches[0].path.type", 16, 29},
    {RT("  rules:\n  - matches: [{method: FETCH}]\n"), KG_ENOTSUPPORTED,
     "spec.rules[0].matches[0].method", 16, 24},
    {RT("  rules:\n  - matches: [{headers: [{name: ':authority', value: x}]}]"
        "\n"),
     KG_EINVALID, "spec.rules[0].matches[0].headers[0].name", 16, 33},
    {RT("  hostnames: ['Foo.example.com']\n"), KG_EINVALID, "spec.hostnames[0]",
     15, 15},
    {RT("  hostnames: ['10.0.0.1']\n"), KG_EINVALID, "spec.hostnames[0]", 15,
     15},
    {RT("  rules:\n  - backendRefs: [{name: s}]\n"), KG_EREQUIRED,
     "spec.rules[0].backendRefs[0]", 16, 19},
    {RT("  rules:\n  - backendRefs: [{name: s, port: 80, weight: 1000001}]\n"),
     KG_EINVALID, "spec.rules[0].backendRefs[0].weight", 16, 47},
    {RT("  rules:\n  - filters: [{type: RequestRedirect, requestRedirect: "
        "{statusCode: 304}}]\n"),
     KG_ENOTSUPPORTED, "spec.rules[0].filters[0].requestRedirect.statusCode",
     16, 69},
    {RT("  rules:\n  - filters: [{type: URLRewrite}]\n"), KG_EINVALID,
     "spec.rules[0].filters[0]", 16, 15},
    {RT("  rules:\n  - backendRefs: [{name: s, port: 80}]\n"
        "    filters: [{type: RequestRedirect, requestRedirect: {}}]\n"),
     KG_EINVALID, "spec.rules[0]", 16, 5},
    {RT("  rules:\n  - filters: [{type: RequestHeaderModifier,\n"
        "      requestHeaderModifier: {set: [{name: X-A, value: a}], remove: "
        "[x-a]}}]\n"),
     KG_EINVALID, "spec.rules[0].filters[0].requestHeaderModifier.remove[0]",
     17, 69},
    {GW "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
        "metadata: {name: g2}\nspec:\n  gatewayClassName: c\n  listeners:\n"
        "  - {name: a, port: 80, protocol: HTTP}\n"
        "  - {name: a, port: 81, protocol: HTTP}\n",
     KG_EDUPLICATE, "spec.listeners[1].name", 17, 12},
    {GW "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
        "metadata: {name: g2}\nspec:\n  gatewayClassName: c\n  listeners:\n"
        "  - {name: a, port: 443, protocol: TCP, hostname: a.b}\n",
     KG_EFORBIDDEN, "spec.listeners[0].hostname", 16, 51},
    {GW "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\n"
        "metadata: {name: g}\nspec:\n  rules:\n"
        "  - matches: [{method: {type: Exact}}]\n",
     KG_EREQUIRED, "spec.rules[0].matches[0].method", 15, 24},
    {GW "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\n"
        "metadata: {name: g}\nspec:\n  from: []\n  to: [{group: '', kind: "
        "Service}]\n",
     KG_EINVALID, "spec.from", 14, 9},
};

static void test_invalid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bads) / sizeof(*bads); i++) {
        const struct bad *t = &bads[i];
        kg_builder *b = kg_builder_new(NULL);
        assert_non_null(b);
        kg_builder_add_buffer(b, "t.yaml", t->yaml, strlen(t->yaml));
        kg_ruleset *rs = NULL;
        assert_int_equal(kg_builder_compile(b, &rs), KG_ECOMPILE);
        const kg_diagnostics *d = kg_builder_diagnostics(b);
        bool found = false;
        for (size_t k = 0; k < kg_diagnostics_count(d); k++)
            if (kg_diagnostic_severity(d, k) == KG_SEVERITY_ERROR &&
                kg_diagnostic_code(d, k) == t->code &&
                strcmp(kg_diagnostic_path(d, k), t->path) == 0 &&
                kg_diagnostic_line(d, k) == t->line &&
                kg_diagnostic_column(d, k) == t->col)
                found = true;
        if (!found) {
            for (size_t k = 0; k < kg_diagnostics_count(d); k++) {
                char line[600];
                kg_diagnostic_format(d, k, line, sizeof(line));
                fprintf(stderr, "case %zu: %s [%s]\n", i, line,
                        kg_error_name(kg_diagnostic_code(d, k)));
            }
        }
        assert_true(found);
        kg_builder_free(b);
    }
}

static const char *const goods[] = {
    RT("  hostnames: ['*.example.com', a.example.org]\n"
       "  rules:\n"
       "  - matches:\n"
       "    - path: {type: PathPrefix, value: /v2/}\n"
       "      headers: [{name: Version, value: two}, {type: RegularExpression,"
       " name: x, value: 'a.*'}]\n"
       "      queryParams: [{name: q, value: '1'}]\n"
       "      method: GET\n"
       "    filters:\n"
       "    - type: URLRewrite\n"
       "      urlRewrite: {path: {type: ReplacePrefixMatch, "
       "replacePrefixMatch: /}}\n"
       "    backendRefs: [{name: a, port: 8080, weight: 3}, {name: b, port: "
       "80, namespace: other, weight: 0}]\n"),
    GW "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\n"
       "metadata: {name: g, namespace: infra}\nspec:\n"
       "  parentRefs: [{name: gw, sectionName: http}]\n  rules:\n"
       "  - matches: [{method: {service: a.B, method: Get}}]\n"
       "    backendRefs: [{name: s, port: 50051}]\n",
};

static void test_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(goods) / sizeof(*goods); i++) {
        kg_builder *b = kg_builder_new(NULL);
        assert_non_null(b);
        assert_int_equal(
            kg_builder_add_buffer(b, "g.yaml", goods[i], strlen(goods[i])), 0);
        kg_ruleset *rs = NULL;
        int rc = kg_builder_compile(b, &rs);
        if (rc) {
            const kg_diagnostics *d = kg_builder_diagnostics(b);
            for (size_t k = 0; k < kg_diagnostics_count(d); k++) {
                char line[600];
                kg_diagnostic_format(d, k, line, sizeof(line));
                fprintf(stderr, "good %zu: %s\n", i, line);
            }
        }
        assert_int_equal(rc, 0);
        kg_ruleset_unref(rs);
        kg_builder_free(b);
    }
}

/* A route whose parentRef names no listener is reported, not served. */
static void test_unattached(void **state)
{
    (void)state;
    static const char y[] = RT("") "---\n"
                                   "apiVersion: gateway.networking.k8s.io/v1\n"
                                   "kind: HTTPRoute\n"
                                   "metadata: {name: lost, namespace: app}\n"
                                   "spec:\n"
                                   "  parentRefs: [{name: gw, namespace: "
                                   "infra, sectionName: nope}]\n";
    kg_builder *b = kg_builder_new(NULL);
    assert_non_null(b);
    kg_builder_add_buffer(b, "u.yaml", y, strlen(y));
    kg_ruleset *rs = NULL;
    assert_int_equal(kg_builder_compile(b, &rs), 0);
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    size_t n = 0;
    for (size_t k = 0; k < kg_diagnostics_count(d); k++)
        if (strstr(kg_diagnostic_message(d, k), "not attached") &&
            strstr(kg_diagnostic_message(d, k), "app/lost") &&
            strcmp(kg_diagnostic_path(d, k), "spec.parentRefs") == 0)
            n++;
    assert_int_equal(n, 1);
    kg_ruleset_unref(rs);
    kg_builder_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_unattached),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
