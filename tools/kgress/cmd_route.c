// SPDX-License-Identifier: MIT
/*
 * cmd_route.c - `kgress route`: which backend serves a request, as the
 * compiled ruleset answers it.
 *
 * One request from --host/--path, or one per line of stdin: "HOST PATH"
 * ("-" as HOST for a request without Host header; a line that is only a
 * path starting with '/' has no host either); blank lines and lines
 * starting with '#' are skipped. Each request gets its answer line as soon
 * as its line is read (stdout is flushed), so a program can keep the tool
 * open as a coprocess. A line is one request however long it is.
 */
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

/* The fields of kgress.Route, plus the request and whether it matched. */
static void print_json(struct json *j, const char *host, size_t hn,
                       const char *path, size_t pn, int rc,
                       const struct kg_route *r)
{
    json_object_begin(j);
    json_kv_str(j, "host", host, hn);
    json_kv_str(j, "path", path, pn);
    json_kv_bool(j, "matched", rc == 0);
    if (rc != 0 && rc != KG_ENOMATCH) {
        json_kv_cstr(j, "error", kg_error_name(rc));
        json_kv_cstr(j, "message", kg_strerror(rc));
        json_object_end(j);
        json_line_end(j);
        return;
    }
    if (rc == 0) {
        json_kv_str(j, "namespace", r->ns, r->ns_len);
        json_kv_str(j, "ingress", r->ingress, r->ingress_len);
        if (r->is_resource) {
            json_kv_null(j, "service");
            json_kv_null(j, "port");
            json_kv_null(j, "port_name");
            json_key(j, "resource");
            json_object_begin(j);
            json_kv_str(j, "apiGroup", r->resource_api_group,
                        r->resource_api_group_len);
            json_kv_str(j, "kind", r->resource_kind, r->resource_kind_len);
            json_kv_str(j, "name", r->resource_name, r->resource_name_len);
            json_object_end(j);
        } else {
            json_kv_str(j, "service", r->service, r->service_len);
            if (r->port_name_len) {
                json_kv_null(j, "port");
                json_kv_str(j, "port_name", r->port_name, r->port_name_len);
            } else {
                json_kv_int(j, "port", r->port);
                json_kv_null(j, "port_name");
            }
            json_kv_null(j, "resource");
        }
        json_kv_bool(j, "is_default", r->is_default);
        if (r->is_default) {
            json_kv_null(j, "matched_path");
            json_kv_null(j, "path_type");
        } else {
            json_kv_str(j, "matched_path", r->matched_path,
                        r->matched_path_len);
            json_kv_cstr(j, "path_type", type_name(r->path_type));
        }
    }
    json_kv_str(j, "normalized_path", r->normalized_path,
                r->normalized_path_len);
    json_object_end(j);
    json_line_end(j);
}

static void print_text(const char *host, size_t hn, const char *path, size_t pn,
                       int rc, const struct kg_route *r)
{
    /* host and path are the caller's bytes, the paths the request's */
    cli_text(stdout, hn ? host : "-", hn ? hn : 1);
    putchar(' ');
    cli_text(stdout, path, pn);
    printf(" -> ");
    if (rc == KG_ENOMATCH) {
        printf("no match (normalized path ");
        cli_text(stdout, r->normalized_path, r->normalized_path_len);
        printf(")\n");
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
    printf(" path ");
    cli_text(stdout, r->normalized_path, r->normalized_path_len);
    putchar('\n');
}

/* Routes one request and answers it; returns 0 matched, 1 not, 2 out of
 * memory. */
static int one(struct cli *c, const kg_ruleset *rs, const char *host, size_t hn,
               const char *path, size_t pn)
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
        print_json(&c->out, host, hn, path, pn, rc, &r);
    else
        print_text(host, hn, path, pn, rc, &r);
    fflush(stdout);
    free(buf);
    return rc == 0 ? 0 : 1;
}

static int from_stdin(struct cli *c, const kg_ruleset *rs)
{
    int st = 0;
    struct cli_lines in;
    const char *line;
    size_t n;
    cli_lines_init(&in, stdin);
    while (cli_lines_next(&in, &line, &n)) {
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
    }
    if (ferror(stdin)) {
        fprintf(stderr, "kgress: error reading stdin\n");
        st = 2;
    }
    cli_lines_free(&in);
    return st;
}

static int route(struct cli *c)
{
    const char *host = cli_value(c, OPT_HOST);
    const char *path = cli_value(c, OPT_PATH);
    int st;
    kg_ruleset *rs = cli_load(c, &st);
    if (!rs)
        return st ? st : 1;
    if (host || path)
        st = one(c, rs, host ? host : "", host ? strlen(host) : 0,
                 path ? path : "/", path ? strlen(path) : 1);
    else
        st = from_stdin(c, rs);
    kg_ruleset_unref(rs);
    return st;
}

static const struct cli_option route_options[] = {
    {"host", "HOST", OPT_HOST,
     "the Host header or :authority (a :port is ignored)"},
    {"path", "PATH", OPT_PATH, "the request-target, e.g. /a/b?q (default /)"},
    {NULL, NULL, 0, NULL},
};

const struct cli_command cmd_route = {
    .name = "route",
    .synopsis = "[OPTION]... FILE|DIR... --host HOST --path PATH\n"
                "[OPTION]... FILE|DIR... < REQUESTS",
    .summary = "which backend serves an HTTP request",
    .description =
        "Compiles the Ingresses of the manifests and routes one request, or\n"
        "one per line of stdin: \"HOST PATH\" (HOST \"-\" or a line that is\n"
        "only a path: no Host header; blank and '#' lines are skipped). Each\n"
        "answer is written and flushed as soon as its line is read, so the\n"
        "tool can run as a coprocess. The answer names the Ingress and the\n"
        "backend (Service and port, or resource), the matched rule path and\n"
        "its type, and the normalized path to forward; with --json one\n"
        "object per request with the fields of kgress.Route plus host, path\n"
        "and matched (error and message for a rejected request).\n"
        "Diagnostics of the load go to stderr (JSON lines with --json).\n\n"
        "Exit status: 0 every request routed, 1 one was unmatched or rejected\n"
        "(or the manifests are invalid), 2 usage or I/O error.",
    .loads = true,
    .options = route_options,
    .run = route,
};
