// SPDX-License-Identifier: MIT
/*
 * consumer.c - the tiny consumer of tests/consumer/run.sh: compiles one
 * Ingress and routes one request through the public API only.
 */
#include <kgress.h>
#include <stdio.h>
#include <string.h>

static const char yaml[] =
    "apiVersion: networking.k8s.io/v1\n"
    "kind: Ingress\n"
    "metadata: {name: web, namespace: shop}\n"
    "spec:\n"
    "  rules:\n"
    "  - host: a.example\n"
    "    http:\n"
    "      paths:\n"
    "      - path: /\n"
    "        pathType: Prefix\n"
    "        backend:\n"
    "          service: {name: web, port: {number: 80}}\n";

int main(void)
{
    kg_builder *b = kg_builder_new(NULL);
    kg_ruleset *rs = NULL;
    if (!b || kg_builder_add_buffer(b, "consumer", yaml, strlen(yaml)) ||
        kg_builder_compile(b, &rs)) {
        kg_builder_free(b);
        return 1;
    }
    kg_builder_free(b);
    char buf[64];
    struct kg_route r = {.size = sizeof r};
    int rc = kg_route(rs, "a.example", 9, "/x", 2, buf, sizeof buf, &r);
    if (rc == 0)
        printf("kgress %s: %.*s port %u\n", kg_version(), (int)r.service_len,
               r.service, r.port);
    kg_ruleset_unref(rs);
    return rc == 0 && r.port == 80 ? 0 : 1;
}
