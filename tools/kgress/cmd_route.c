// SPDX-License-Identifier: MIT
/*
 * cmd_route.c - `kgress route FILE... --host H --path P`: which backend
 * serves a request, as the compiled ruleset answers it.
 *
 * Without --host/--path, requests are read from stdin, one per line:
 * "HOST PATH" ("-" as HOST for a request without Host header; a line that
 * is only a path starting with '/' has no host either); blank lines and
 * lines starting with '#' are skipped. One answer line per request (one
 * JSON object per line with --json). Exit status: 0 when every request was
 * routed, 1 when one was unmatched or rejected (or the files are invalid),
 * 2 for usage and I/O errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *type_name(int t)
{
    switch (t) {
    case KG_PATH_EXACT:
        return "Exact";
    case KG_PATH_PREFIX:
        return "Prefix";
    case KG_PATH_IMPLEMENTATION_SPECIFIC:
        return "ImplementationSpecific";
    default:
        return "";
    }
}

static void print_json(const char *host, size_t hn, const char *path, size_t pn,
                       int rc, const struct kg_route *r)
{
    fputs("{\"host\":", stdout);
    cli_json_str(stdout, host, hn);
    fputs(",\"path\":", stdout);
    cli_json_str(stdout, path, pn);
    printf(",\"matched\":%s", rc == 0 ? "true" : "false");
    if (rc != 0 && rc != KG_ENOMATCH) {
        printf(",\"error\":\"%s\",\"message\":", kg_error_name(rc));
        cli_json_str(stdout, kg_strerror(rc), strlen(kg_strerror(rc)));
        fputs("}\n", stdout);
        return;
    }
    if (rc == 0) {
        fputs(",\"namespace\":", stdout);
        cli_json_str(stdout, r->ns, r->ns_len);
        fputs(",\"ingress\":", stdout);
        cli_json_str(stdout, r->ingress, r->ingress_len);
        if (r->is_resource) {
            fputs(",\"service\":null,\"port\":null,\"port_name\":null,"
                  "\"resource\":{\"apiGroup\":",
                  stdout);
            cli_json_str(stdout, r->resource_api_group,
                         r->resource_api_group_len);
            fputs(",\"kind\":", stdout);
            cli_json_str(stdout, r->resource_kind, r->resource_kind_len);
            fputs(",\"name\":", stdout);
            cli_json_str(stdout, r->resource_name, r->resource_name_len);
            fputc('}', stdout);
        } else {
            fputs(",\"service\":", stdout);
            cli_json_str(stdout, r->service, r->service_len);
            if (r->port_name_len) {
                fputs(",\"port\":null,\"port_name\":", stdout);
                cli_json_str(stdout, r->port_name, r->port_name_len);
            } else {
                printf(",\"port\":%u,\"port_name\":null", r->port);
            }
            fputs(",\"resource\":null", stdout);
        }
        printf(",\"is_default\":%s,\"matched_path\":",
               r->is_default ? "true" : "false");
        if (r->is_default)
            fputs("null", stdout);
        else
            cli_json_str(stdout, r->matched_path, r->matched_path_len);
        fputs(",\"path_type\":", stdout);
        if (r->is_default)
            fputs("null", stdout);
        else
            printf("\"%s\"", type_name(r->path_type));
    }
    fputs(",\"normalized_path\":", stdout);
    cli_json_str(stdout, r->normalized_path, r->normalized_path_len);
    fputs("}\n", stdout);
}

static void print_text(const char *host, size_t hn, const char *path, size_t pn,
                       int rc, const struct kg_route *r)
{
    if (hn)
        printf("%.*s %.*s -> ", (int)hn, host, (int)pn, path);
    else
        printf("- %.*s -> ", (int)pn, path);
    if (rc == KG_ENOMATCH) {
        printf("no match (normalized path %.*s)\n", (int)r->normalized_path_len,
               r->normalized_path);
        return;
    }
    if (rc) {
        printf("rejected: %s (%s)\n", kg_strerror(rc), kg_error_name(rc));
        return;
    }
    printf("%.*s/%.*s ", (int)r->ns_len, r->ns, (int)r->ingress_len,
           r->ingress);
    if (r->is_resource)
        printf("resource %.*s%s%.*s/%.*s", (int)r->resource_api_group_len,
               r->resource_api_group, r->resource_api_group_len ? "/" : "",
               (int)r->resource_kind_len, r->resource_kind,
               (int)r->resource_name_len, r->resource_name);
    else if (r->port_name_len)
        printf("service %.*s:%.*s", (int)r->service_len, r->service,
               (int)r->port_name_len, r->port_name);
    else
        printf("service %.*s:%u", (int)r->service_len, r->service, r->port);
    if (r->is_default)
        printf(" (defaultBackend)");
    else
        printf(" (%s %.*s)", type_name(r->path_type), (int)r->matched_path_len,
               r->matched_path);
    printf(" path %.*s\n", (int)r->normalized_path_len, r->normalized_path);
}

/* Routes one request; returns its exit status (0 matched, 1 not). */
static int one(const struct cli *c, const kg_ruleset *rs, const char *host,
               size_t hn, const char *path, size_t pn)
{
    size_t cap = pn + 2;
    char *buf = malloc(cap);
    if (!buf) {
        fprintf(stderr, "kgress: out of memory\n");
        return 2;
    }
    struct kg_route r;
    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    int rc = kg_route(rs, host, hn, path, pn, buf, cap, &r);
    if (c->json)
        print_json(host, hn, path, pn, rc, &r);
    else
        print_text(host, hn, path, pn, rc, &r);
    free(buf);
    return rc == 0 ? 0 : 1;
}

static int from_stdin(const struct cli *c, const kg_ruleset *rs)
{
    int st = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        size_t n = (size_t)len;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        size_t i = 0;
        while (i < n && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i == n || line[i] == '#')
            continue;
        size_t hs = i;
        while (i < n && line[i] != ' ' && line[i] != '\t')
            i++;
        size_t he = i;
        while (i < n && (line[i] == ' ' || line[i] == '\t'))
            i++;
        const char *host = line + hs, *path = line + i;
        size_t hn = he - hs, pn = n - i;
        if (pn == 0 && line[hs] == '/') { /* a path alone */
            path = host;
            pn = hn;
            hn = 0;
        } else if (hn == 1 && host[0] == '-') {
            hn = 0;
        }
        int r = one(c, rs, host, hn, path, pn);
        if (r > st)
            st = r;
        fflush(stdout);
    }
    free(line);
    if (ferror(stdin)) {
        fprintf(stderr, "kgress: error reading stdin\n");
        return 2;
    }
    return st;
}

int cmd_route(int argc, char **argv)
{
    static const char *const value_flags[] = {"host", "path", NULL};
    struct cli c;
    int st = cli_parse(&c, argc, argv, 2, value_flags);
    if (st) {
        cli_free(&c);
        return st;
    }
    if (c.n_files == 0) {
        cli_free(&c);
        fprintf(stderr, "kgress: route needs at least one FILE\n"
                        "usage: kgress route FILE... --host H --path P\n"
                        "       kgress route FILE... < requests "
                        "(one 'HOST PATH' per line)\n");
        return 2;
    }
    const char *host = cli_value(&c, "host");
    const char *path = cli_value(&c, "path");
    kg_ruleset *rs = cli_load(&c, &st);
    if (!rs) {
        cli_free(&c);
        return st ? st : 1;
    }
    if (host || path)
        st = one(&c, rs, host ? host : "", host ? strlen(host) : 0,
                 path ? path : "/", path ? strlen(path) : 1);
    else
        st = from_stdin(&c, rs);
    kg_ruleset_unref(rs);
    cli_free(&c);
    return st;
}
