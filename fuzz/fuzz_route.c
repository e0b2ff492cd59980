// SPDX-License-Identifier: MIT
/*
 * fuzz_route.c - kg_route and kg_tls_lookup on fixed rulesets with fuzzed
 * host and path: the per-request hot path of a proxy facing the internet.
 *
 * The rulesets, compiled once, cover exact, wildcard and host-less groups,
 * Exact/Prefix/ImplementationSpecific paths, deep tries, defaultBackends,
 * TLS entries, and (ingress-nginx dialect) regex paths including patterns
 * with catastrophic backtracking. Variants: portable, ingress-nginx,
 * normalization off, escaped slashes rejected. The first byte picks the
 * variant; the rest is "host\npath" (or the whole rest as path when there
 * is no newline). Every answer must satisfy fuzz_route_probe.h.
 */
#include "fuzz_route_probe.h"

static const char routes_yaml[] =
    "apiVersion: v1\nkind: List\nitems:\n"
    "- apiVersion: networking.k8s.io/v1\n  kind: Ingress\n"
    "  metadata: {name: main, namespace: shop, creationTimestamp: "
    "\"2024-01-01T00:00:00Z\"}\n"
    "  spec:\n"
    "    defaultBackend: {service: {name: fallback, port: {number: 80}}}\n"
    "    tls:\n    - {hosts: [foo.bar.com, \"*.foo.com\"], secretName: tls}\n"
    "    - {secretName: default-cert}\n"
    "    rules:\n"
    "    - host: foo.bar.com\n      http:\n        paths:\n"
    "        - {path: /, pathType: Prefix, backend: {service: {name: root, "
    "port: {number: 80}}}}\n"
    "        - {path: /foo, pathType: Exact, backend: {service: {name: "
    "foo-exact, port: {name: http}}}}\n"
    "        - {path: /foo, pathType: Prefix, backend: {service: {name: "
    "foo-prefix, port: {number: 81}}}}\n"
    "        - {path: /aaa/bbb/, pathType: Prefix, backend: {service: {name: "
    "aaa-bbb, port: {number: 82}}}}\n"
    "        - {path: /a/b/c/d/e/f/g/h, pathType: Prefix, backend: {service: "
    "{name: deep, port: {number: 83}}}}\n"
    "        - {path: /static, pathType: ImplementationSpecific, backend: "
    "{service: {name: static, port: {number: 84}}}}\n"
    "        - {path: \"/%41\", pathType: Exact, backend: {service: {name: "
    "pct, port: {number: 85}}}}\n"
    "    - host: \"*.foo.com\"\n      http:\n        paths:\n"
    "        - {path: /, pathType: Prefix, backend: {resource: {apiGroup: "
    "k8s.example.com, kind: Bucket, name: b}}}\n"
    "    - host: x\n      http:\n        paths:\n"
    "        - {path: /x, pathType: Exact, backend: {service: {name: x, port: "
    "{number: 86}}}}\n"
    "    - http:\n        paths:\n"
    "        - {path: /api, pathType: Prefix, backend: {service: {name: api, "
    "port: {number: 87}}}}\n"
    "- apiVersion: networking.k8s.io/v1\n  kind: Ingress\n"
    "  metadata:\n    name: regex\n    namespace: edge\n"
    "    annotations:\n"
    "      nginx.ingress.kubernetes.io/use-regex: \"true\"\n"
    "      nginx.ingress.kubernetes.io/rewrite-target: /$2\n"
    "  spec:\n    rules:\n"
    "    - host: rewrite.bar.com\n      http:\n        paths:\n"
    "        - {path: \"/something(/|$)(.*)\", pathType: "
    "ImplementationSpecific, backend: {service: {name: rw, port: {number: "
    "80}}}}\n"
    "        - {path: \"/x/((a+)+)+$\", pathType: ImplementationSpecific, "
    "backend: {service: {name: evil, port: {number: 80}}}}\n"
    "        - {path: \"/y/(.*a){12}\", pathType: ImplementationSpecific, "
    "backend: {service: {name: evil2, port: {number: 80}}}}\n"
    "        - {path: /plain, pathType: Prefix, backend: {service: {name: "
    "plain, port: {number: 80}}}}\n"
    "        - {path: /exact, pathType: Exact, backend: {service: {name: ex, "
    "port: {number: 80}}}}\n";

#define N_VARIANTS 4
static kg_ruleset *variants[N_VARIANTS];

static kg_ruleset *load(int variant)
{
    kg_options *o = kg_options_new();
    FZ_CHECK(o != NULL);
    if (variant == 1)
        FZ_CHECK(kg_options_set_dialect(o, KG_DIALECT_INGRESS_NGINX) == 0);
    if (variant == 2)
        FZ_CHECK(kg_options_set_flag(o, KG_FLAG_NORMALIZE, false) == 0);
    if (variant == 3)
        FZ_CHECK(kg_options_set_flag(o, KG_FLAG_REJECT_ESCAPED_SLASH, true) ==
                 0);
    kg_builder *b = kg_builder_new(o);
    FZ_CHECK(b != NULL);
    FZ_CHECK(kg_builder_add_buffer(b, "routes.yaml", routes_yaml,
                                   sizeof(routes_yaml) - 1) == 0);
    kg_ruleset *rs = NULL;
    int rc = kg_builder_compile(b, &rs);
    if (rc != 0) {
        const kg_diagnostics *d = kg_builder_diagnostics(b);
        for (size_t i = 0; i < kg_diagnostics_count(d); i++) {
            char line[512];
            kg_diagnostic_format(d, i, line, sizeof(line));
            fprintf(stderr, "%s\n", line);
        }
    }
    FZ_CHECK(rc == 0);
    kg_builder_free(b);
    kg_options_free(o);
    return rs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!variants[0])
        for (int i = 0; i < N_VARIANTS; i++)
            variants[i] = load(i);
    if (size == 0)
        return 0;
    const kg_ruleset *rs = variants[data[0] % N_VARIANTS];
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    const char *nl = memchr(s, '\n', n);
    if (nl) {
        size_t hn = (size_t)(nl - s);
        fz_route_request(rs, s, hn, nl + 1, n - hn - 1);
        fz_tls_request(rs, s, hn);
    } else {
        fz_route_request(rs, "foo.bar.com", 11, s, n);
        fz_route_request(rs, "rewrite.bar.com", 15, s, n);
        fz_tls_request(rs, s, n);
    }
    return 0;
}
