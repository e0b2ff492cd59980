/* Embedding kgress: compile a cluster dump, route a request, check a flow. */
#include <kgress.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *file = argc > 1 ? argv[1] : "examples/cluster/cluster.yaml";
    kg_builder *b = kg_builder_new(NULL); /* NULL: default options */
    kg_ruleset *rs = NULL;
    if (!b)
        return 2;
    kg_builder_add_file(b, file);
    if (kg_builder_compile(b, &rs) != 0) {
        const kg_diagnostics *d = kg_builder_diagnostics(b);
        char line[512];
        for (size_t i = 0; i < kg_diagnostics_count(d); i++) {
            kg_diagnostic_format(d, i, line, sizeof line);
            fprintf(stderr, "%s\n", line);
        }
        kg_builder_free(b);
        return 1;
    }
    kg_builder_free(b); /* the ruleset lives on; share it between threads */

    /* per request: no allocation, no lock */
    const char *host = "app.company.com", *path = "/static/app.js?v=3";
    char norm[256];
    struct kg_route r = {.size = sizeof r};
    if (kg_route(rs, host, strlen(host), path, strlen(path), norm, sizeof norm,
                 &r) == 0)
        printf("%s%s -> %.*s/%.*s port %u%.*s, forward %.*s\n", host, path,
               (int)r.ns_len, r.ns, (int)r.service_len, r.service, r.port,
               (int)r.port_name_len, r.port_name, (int)r.normalized_path_len,
               r.normalized_path);

    /* per connection: frontend pod -> payment pod on 9000/TCP */
    struct kg_verdict v = {.size = sizeof v};
    if (kg_check_str(rs, "10.244.1.10", 11, "10.244.3.10", 11, "TCP", 3, 9000,
                     &v) == 0)
        printf("frontend -> payment:9000 %s (egress: %s)\n",
               v.allowed ? "allowed" : "denied",
               kg_reason_name(v.egress.reason));

    kg_ruleset_unref(rs);
    return 0;
}
