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
 *
 * --method, --header 'Name: value' (repeated), and --gateway NS/NAME and
 * --port N (either: the Gateway API routes answer, not the Ingresses)
 * apply to every request (kg_route_request).
 */
#include <errno.h>
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
    case KG_PATH_REGULAR_EXPRESSION:
        return "RegularExpression";
    default:
        return "";
    }
}

/* The Gateway API filter type names, as the API spells them. */
static const char *filter_name(int t)
{
    static const char *const names[] = {"",
                                        "RequestHeaderModifier",
                                        "ResponseHeaderModifier",
                                        "RequestMirror",
                                        "RequestRedirect",
                                        "URLRewrite"};
    return t > 0 && t < (int)(sizeof(names) / sizeof(*names)) ? names[t] : "";
}

static void json_filters(struct json *j, const char *key,
                         const struct kg_filter *f, size_t n)
{
    json_key(j, key);
    json_array_begin(j);
    for (size_t i = 0; i < n; i++)
        json_cstr(j, filter_name(f[i].type));
    json_array_end(j);
}

/* The Gateway API fields of an answer (kgress.Route's). */
static void json_gateway(struct json *j, const struct kg_route *r)
{
    json_kv_str(j, "source_kind", r->source_kind, r->source_kind_len);
    json_kv_str(j, "source_name", r->source_name, r->source_name_len);
    json_kv_int(j, "rule", r->rule);
    json_kv_int(j, "match", r->match);
    json_kv_str(j, "listener", r->listener, r->listener_len);
    if (r->status)
        json_kv_int(j, "status", r->status);
    else
        json_kv_null(j, "status");
    json_kv_str(j, "backend_namespace", r->backend_ns, r->backend_ns_len);
    json_kv_int(j, "weight", r->weight);
    json_kv_int(j, "total_weight", (long long)r->total_weight);
    json_filters(j, "filters", r->filters, r->n_filters);
    json_filters(j, "backend_filters", r->backend_filters,
                 r->n_backend_filters);
    json_key(j, "redirect");
    if (r->status >= 300 && r->status < 400) {
        json_object_begin(j);
        json_kv_str(j, "scheme", r->redirect_scheme, r->redirect_scheme_len);
        json_kv_str(j, "host", r->redirect_host, r->redirect_host_len);
        json_kv_int(j, "port", r->redirect_port);
        json_kv_str(j, "path", r->redirect_path, r->redirect_path_len);
        json_object_end(j);
    } else {
        json_null(j);
    }
    json_key(j, "rewrite");
    if (r->rewrite_host_len || r->rewrite_path_len) {
        json_object_begin(j);
        json_kv_str(j, "host", r->rewrite_host, r->rewrite_host_len);
        json_kv_str(j, "path", r->rewrite_path, r->rewrite_path_len);
        json_object_end(j);
    } else {
        json_null(j);
    }
}

/* The host group that claimed a request that missed: its host as written
 * ("" for the rules without host), or NULL when none claims it. */
static const char *miss_group(const kg_ruleset *rs, const char *host, size_t hn,
                              size_t *n)
{
    const char *g;
    return kg_route_host_group(rs, host, hn, &g, n) == 0 ? g : NULL;
}

/* The fields of kgress.Route, plus the request and whether it matched
 * (and, for an Ingress miss, host_group: which host group claimed it; rs is
 * NULL for a Gateway API request, whose host groups are the listeners'). */
static void print_json(struct json *j, const kg_ruleset *rs, const char *host,
                       size_t hn, const char *path, size_t pn, int rc,
                       const struct kg_route *r)
{
    json_object_begin(j);
    json_kv_str(j, "host", host, hn);
    json_kv_str(j, "path", path, pn);
    json_kv_bool(j, "matched", rc == 0);
    if (rc == KG_ENOMATCH && rs) {
        size_t gn;
        const char *g = miss_group(rs, host, hn, &gn);
        if (g)
            json_kv_str(j, "host_group", g, gn);
        else
            json_kv_null(j, "host_group");
    }
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
        if (r->match >= 0)
            json_gateway(j, r);
    }
    json_kv_str(j, "normalized_path", r->normalized_path,
                r->normalized_path_len);
    json_object_end(j);
    json_line_end(j);
}

/* A Gateway API answer: the route, rule and match, then what to do. */
static void print_gateway(const struct kg_route *r)
{
    printf("%.*s %.*s/%.*s rule %d match %d (listener %.*s",
           (int)r->source_kind_len, r->source_kind, (int)r->ns_len, r->ns,
           (int)r->source_name_len, r->source_name, r->rule, r->match,
           (int)r->listener_len, r->listener);
    if (r->matched_path_len)
        printf(", %s %.*s", type_name(r->path_type), (int)r->matched_path_len,
               r->matched_path);
    printf("): ");
    if (r->status >= 300 && r->status < 400) {
        printf("redirect %d %.*s://%.*s:%u", r->status,
               (int)r->redirect_scheme_len, r->redirect_scheme,
               (int)r->redirect_host_len, r->redirect_host, r->redirect_port);
        cli_text(stdout, r->redirect_path, r->redirect_path_len);
    } else {
        if (r->status)
            printf("%d ", r->status);
        if (r->is_resource)
            printf("%sresource %.*s/%.*s/%.*s", r->status ? "(" : "",
                   (int)r->resource_api_group_len, r->resource_api_group,
                   (int)r->resource_kind_len, r->resource_kind,
                   (int)r->resource_name_len, r->resource_name);
        else if (r->service_len)
            printf("%sservice %.*s/%.*s:%u", r->status ? "(" : "",
                   (int)r->backend_ns_len, r->backend_ns, (int)r->service_len,
                   r->service, r->port);
        if (r->status && (r->is_resource || r->service_len))
            printf(" invalid)");
        if (r->total_weight > 1)
            printf(" weight %u/%llu", r->weight,
                   (unsigned long long)r->total_weight);
        printf(" path ");
        cli_text(stdout, r->normalized_path, r->normalized_path_len);
    }
    if (r->rewrite_host_len) {
        printf(" rewrite host ");
        cli_text(stdout, r->rewrite_host, r->rewrite_host_len);
    }
    if (r->rewrite_path_len) {
        printf(" rewrite path ");
        cli_text(stdout, r->rewrite_path, r->rewrite_path_len);
    }
    for (size_t i = 0; i < r->n_filters; i++)
        if (r->filters[i].type != KG_FILTER_REDIRECT &&
            r->filters[i].type != KG_FILTER_URL_REWRITE)
            printf(" +%s", filter_name(r->filters[i].type));
    for (size_t i = 0; i < r->n_backend_filters; i++)
        printf(" +backend %s", filter_name(r->backend_filters[i].type));
    putchar('\n');
}

static void print_text(const kg_ruleset *rs, const char *host, size_t hn,
                       const char *path, size_t pn, int rc,
                       const struct kg_route *r)
{
    /* host and path are the caller's bytes, the paths the request's */
    cli_text(stdout, hn ? host : "-", hn ? hn : 1);
    putchar(' ');
    cli_text(stdout, path, pn);
    printf(" -> ");
    if (rc == KG_ENOMATCH) {
        size_t gn = 0;
        const char *g = rs ? miss_group(rs, host, hn, &gn) : NULL;
        if (!rs)
            printf("no match ");
        else if (!g)
            printf("no match: no host group claims the host ");
        else if (gn)
            printf("no match in host group %.*s ", (int)gn, g);
        else
            printf("no match in the rules without host ");
        printf("(normalized path ");
        cli_text(stdout, r->normalized_path, r->normalized_path_len);
        printf(")\n");
        return;
    }
    if (rc) {
        printf("rejected: %s (%s)\n", kg_strerror(rc), kg_error_name(rc));
        return;
    }
    if (r->match >= 0) {
        print_gateway(r);
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

/* What every request of the run carries besides host and path. */
struct extra {
    const char *method;
    struct kg_header headers[64];
    size_t n_headers;
    const char *gateway;
    unsigned port;
};

/* Routes one request and answers it; returns 0 matched, 1 not, 2 out of
 * memory. */
static int one(struct cli *c, const kg_ruleset *rs, const struct extra *x,
               const char *host, size_t hn, const char *path, size_t pn)
{
    size_t cap = 2 * pn + hn + 1030; /* kg_route_request: always enough */
    char *buf = malloc(cap);
    if (!buf) {
        fprintf(stderr, "kgress: out of memory\n");
        return 2;
    }
    struct kg_http_request q;
    memset(&q, 0, sizeof(q));
    q.size = sizeof(q);
    q.host = host;
    q.host_len = hn;
    q.path = path;
    q.path_len = pn;
    q.method = x->method;
    q.method_len = x->method ? strlen(x->method) : 0;
    q.headers = x->n_headers ? x->headers : NULL;
    q.n_headers = x->n_headers;
    q.gateway = x->gateway;
    q.gateway_len = x->gateway ? strlen(x->gateway) : 0;
    q.port = x->port;
    struct kg_route r;
    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    int rc = kg_route_request(rs, &q, buf, cap, &r);
    /* an Ingress miss names its host group; a Gateway request has none */
    const kg_ruleset *ingress = x->gateway || x->port ? NULL : rs;
    if (c->json)
        print_json(&c->out, ingress, host, hn, path, pn, rc, &r);
    else
        print_text(ingress, host, hn, path, pn, rc, &r);
    fflush(stdout);
    free(buf);
    return rc == 0 ? 0 : 1;
}

/* Routes one "HOST PATH" line (blank and '#' lines: nothing, 0). */
static int one_line(struct cli *c, const kg_ruleset *rs, const struct extra *x,
                    const char *line, size_t n)
{
    size_t i = 0;
    while (i < n && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == n || line[i] == '#')
        return 0;
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
    return one(c, rs, x, host, hn, path, pn);
}

/* cli_judge_fn of a watch: every request line again. */
static int judge(struct cli *c, const kg_ruleset *rs,
                 const struct cli_lineset *f, void *user)
{
    int st = 0;
    for (size_t i = 0; i < f->n; i++) {
        int r = one_line(c, rs, user, f->line[i], strlen(f->line[i]));
        if (r > st)
            st = r;
    }
    return st;
}

static int from_stdin(struct cli *c, const kg_ruleset *rs,
                      const struct extra *x)
{
    int st = 0;
    struct cli_lines in;
    const char *line;
    size_t n;
    cli_lines_init(&in, stdin);
    while (cli_lines_next(&in, &line, &n)) {
        int r = one_line(c, rs, x, line, n);
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

/* The --method/--header/--gateway/--port values into *x; 0 or the usage
 * error's status. */
static int extra_of(struct cli *c, struct extra *x)
{
    memset(x, 0, sizeof(*x));
    x->method = cli_value(c, OPT_METHOD);
    x->gateway = cli_value(c, OPT_GATEWAY);
    if (x->gateway && !strchr(x->gateway, '/'))
        return cli_usage_error(c, "--gateway wants NAMESPACE/NAME, not '%s'",
                               x->gateway);
    const char *port = cli_value(c, OPT_PORT);
    if (port) {
        char *end = NULL;
        long v = strtol(port, &end, 10);
        if (!*port || *end || v < 1 || v > 65535)
            return cli_usage_error(c, "--port wants 1-65535, not '%s'", port);
        x->port = (unsigned)v;
    }
    for (int i = 0; i < c->n_headers; i++) {
        const char *h = c->headers[i], *colon = strchr(h, ':');
        if (!colon || colon == h)
            return cli_usage_error(c, "--header wants 'Name: value', not '%s'",
                                   h);
        const char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        struct kg_header *k = &x->headers[x->n_headers++];
        k->name = h;
        k->name_len = (size_t)(colon - h);
        k->value = v;
        k->value_len = strlen(v);
    }
    return 0;
}

/* --watch EVENTS: the requests (--host/--path, --requests FILE or stdin)
 * routed again after each batch of events (watch.c). The route engine
 * compiles in full after each batch (only NetworkPolicy compiles are
 * incremental). */
static int route_watch(struct cli *c, const char *events, const struct extra *x)
{
    const char *host = cli_value(c, OPT_HOST);
    const char *path = cli_value(c, OPT_PATH);
    const char *file = cli_value(c, OPT_REQUESTS);
    if ((host || path) && file)
        return cli_usage_error(c, "--requests or --host/--path, not both");
    if (!host && !path && !file && strcmp(events, "-") == 0)
        return cli_usage_error(c, "with --watch -, give the requests with "
                                  "--requests FILE or --host/--path");
    struct cli_lineset f = {0};
    bool ok = true;
    int st = 0;
    if (host || path) {
        /* one line as from_stdin reads it: "-" for no Host */
        size_t hn = host && *host ? strlen(host) : 1;
        size_t pn = path ? strlen(path) : 1;
        char *line = malloc(hn + pn + 2);
        ok = line != NULL;
        if (ok) {
            memcpy(line, host && *host ? host : "-", hn);
            line[hn] = ' ';
            memcpy(line + hn + 1, path ? path : "/", pn);
            ok = cli_lineset_add(&f, line, hn + pn + 1);
        }
        free(line);
    } else {
        FILE *in = file ? fopen(file, "r") : stdin;
        if (!in) {
            fprintf(stderr, "kgress: %s: %s\n", file, strerror(errno));
            return 2;
        }
        struct cli_lines l;
        const char *line;
        size_t n;
        cli_lines_init(&l, in);
        while (ok && cli_lines_next(&l, &line, &n))
            ok = cli_lineset_add(&f, line, n);
        if (ferror(in)) {
            fprintf(stderr, "kgress: error reading %s\n",
                    file ? file : "stdin");
            st = 2;
        }
        cli_lines_free(&l);
        if (in != stdin)
            fclose(in);
    }
    if (!ok)
        fprintf(stderr, "kgress: out of memory\n");
    if (ok && !st)
        st = cli_watch(c, events, &f, judge, (void *)x);
    cli_lineset_free(&f);
    return ok ? st : 2;
}

static int route(struct cli *c)
{
    const char *host = cli_value(c, OPT_HOST);
    const char *path = cli_value(c, OPT_PATH);
    struct extra x;
    int st = extra_of(c, &x);
    if (st)
        return st;
    const char *events = cli_value(c, OPT_WATCH);
    if (cli_value(c, OPT_REQUESTS) && !events)
        return cli_usage_error(c, "--requests goes with --watch");
    if (events)
        return route_watch(c, events, &x);
    kg_ruleset *rs = cli_load(c, &st);
    if (!rs)
        return st ? st : 1;
    if (host || path)
        st = one(c, rs, &x, host ? host : "", host ? strlen(host) : 0,
                 path ? path : "/", path ? strlen(path) : 1);
    else
        st = from_stdin(c, rs, &x);
    kg_ruleset_unref(rs);
    return st;
}

static const struct cli_option route_options[] = {
    {"host", "HOST", OPT_HOST,
     "the Host header or :authority (a :port is ignored)"},
    {"path", "PATH", OPT_PATH, "the request-target, e.g. /a/b?q (default /)"},
    {"method", "METHOD", OPT_METHOD, "the request method, e.g. GET"},
    {"header", "'NAME: VALUE'", OPT_HEADER,
     "a request header (repeat for more)"},
    {"gateway", "NS/NAME", OPT_GATEWAY,
     "route by the Gateway API routes of that Gateway"},
    {"port", "PORT", OPT_PORT,
     "the Gateway listener port (without --gateway: of every Gateway)"},
    {"watch", "EVENTS", OPT_WATCH,
     "then apply this watch stream (- stdin), routing after each batch"},
    {"requests", "FILE", OPT_REQUESTS, "with --watch: the requests to route"},
    {NULL, NULL, 0, NULL},
};

const struct cli_command cmd_route = {
    .name = "route",
    .synopsis = "[OPTION]... FILE|DIR... --host HOST --path PATH\n"
                "[OPTION]... FILE|DIR... < REQUESTS\n"
                "[OPTION]... FILE|DIR... --watch EVENTS [--requests REQUESTS]",
    .summary = "which backend serves an HTTP request",
    .description =
        "Compiles the manifests and routes one request, or\n"
        "one per line of stdin: \"HOST PATH\" (HOST \"-\" or a line that is\n"
        "only a path: no Host header; blank and '#' lines are skipped). Each\n"
        "answer is written and flushed as soon as its line is read, so the\n"
        "tool can run as a coprocess. The answer names the Ingress and the\n"
        "backend (Service and port, or resource), the matched rule path and\n"
        "its type, and the normalized path to forward; with --json one\n"
        "object per request with the fields of kgress.Route plus host, path\n"
        "and matched (error and message for a rejected request).\n"
        "With --gateway or --port the HTTPRoutes and GRPCRoutes of the\n"
        "Gateway's listener answer instead of the Ingresses (--method and\n"
        "--header take part in their matches): the route, rule and match,\n"
        "the picked backend or the redirect or 500, rewrites and the other\n"
        "filters; --json adds the Gateway fields of kgress.Route (filters\n"
        "as their type names).\n"
        "With --watch EVENTS the manifests are the initial state and EVENTS\n"
        "a Kubernetes watch stream (kubectl get --watch -o json\n"
        "--output-watch-events; plain objects count as ADDED; - for stdin):\n"
        "after each batch of events (one read of a pipe, or the events up to\n"
        "a blank line) a line \"# batch N: resourceVersion RV, K objects\"\n"
        "(a JSON object with --json) and the requests (--host/--path,\n"
        "--requests REQUESTS, or stdin) routed again on the new state; the\n"
        "routes compile in full after each batch.\n"
        "Diagnostics of the load go to stderr (JSON lines with --json).\n\n"
        "Exit status: 0 every request routed, 1 one was unmatched or rejected\n"
        "(or the manifests are invalid), 2 usage or I/O error; with --watch,\n"
        "those of the last batch, or 3 when the stream ended with an ERROR\n"
        "event.",
    .loads = true,
    .options = route_options,
    .run = route,
};
