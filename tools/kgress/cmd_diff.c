// SPDX-License-Identifier: MIT
/*
 * cmd_diff.c - `kgress diff OLD... -- NEW...`: every class of request
 * whose routing answer differs between two sets of manifests (say the
 * ingress-nginx Ingresses of a cluster and the HTTPRoutes meant to replace
 * them), as kg_route_diff computes it from the compiled tables
 * (docs/diff.md).
 *
 * Each side is loaded and compiled on its own with the same load options;
 * each differing class is printed as it is found: its description (port,
 * host class, path region, conditions), the witness request, and the two
 * answers; a summary follows. With --json one object per class and a last
 * {"summary": ...} line. Exit status: 0 the sets agree on every class, 1
 * some class differs, 2 usage, load or I/O error (an invalid manifest
 * included: a diff against half a rule set would mislead).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void text_row(struct cli *c, const struct kg_route_diff *d)
{
    (void)c;
    FILE *f = stdout;
    if (d->port)
        fprintf(f, "port %u, ", d->port);
    fputs("host ", f);
    cli_text(f, d->host_class, d->host_class_len);
    fputs(", path ", f);
    cli_text(f, d->path_class, d->path_class_len);
    if (d->conditions_len) {
        fputs(", ", f);
        cli_text(f, d->conditions, d->conditions_len);
    }
    if (!d->exact)
        fputs(" (witness)", f);
    fputs("\n  request: ", f);
    if (d->method_len)
        cli_text(f, d->method, d->method_len);
    else
        fputs("-", f);
    fputs(" ", f);
    cli_text(f, d->host, d->host_len);
    fputs(" ", f);
    cli_text(f, d->path, d->path_len);
    for (size_t i = 0; i < d->n_headers; i++) {
        fputs(" '", f);
        cli_text(f, d->headers[i].name, d->headers[i].name_len);
        fputs(": ", f);
        cli_text(f, d->headers[i].value, d->headers[i].value_len);
        fputs("'", f);
    }
    fputs("\n  old: ", f);
    cli_text(f, d->old_answer, d->old_answer_len);
    fputs("\n  new: ", f);
    cli_text(f, d->new_answer, d->new_answer_len);
    fputs("\n", f);
}

static void json_row(struct cli *c, const struct kg_route_diff *d)
{
    struct json *j = &c->out;
    json_object_begin(j);
    json_kv_int(j, "port", d->port);
    json_kv_str(j, "host_class", d->host_class, d->host_class_len);
    json_kv_str(j, "host", d->host, d->host_len);
    json_kv_str(j, "path_class", d->path_class, d->path_class_len);
    json_kv_str(j, "path", d->path, d->path_len);
    if (d->method_len)
        json_kv_str(j, "method", d->method, d->method_len);
    else
        json_kv_null(j, "method");
    json_key(j, "headers");
    json_array_begin(j);
    for (size_t i = 0; i < d->n_headers; i++) {
        json_array_begin(j);
        json_str(j, d->headers[i].name, d->headers[i].name_len);
        json_str(j, d->headers[i].value, d->headers[i].value_len);
        json_array_end(j);
    }
    json_array_end(j);
    json_kv_str(j, "conditions", d->conditions, d->conditions_len);
    json_kv_bool(j, "exact", d->exact);
    json_kv_str(j, "old", d->old_answer, d->old_answer_len);
    json_kv_str(j, "new", d->new_answer, d->new_answer_len);
    json_kv_cstr(j, "old_code", kg_error_name(d->old_rc));
    json_kv_cstr(j, "new_code", kg_error_name(d->new_rc));
    json_object_end(j);
    json_line_end(j);
}

static int on_diff(void *user, const struct kg_route_diff *d)
{
    struct cli *c = user;
    if (c->json)
        json_row(c, d);
    else
        text_row(c, d);
    return 0;
}

/* Loads files[0..n) as one side. */
static kg_ruleset *load_side(struct cli *c, char **files, int n)
{
    char **all = c->files;
    int all_n = c->n_files;
    c->files = files;
    c->n_files = n;
    int st = 0;
    kg_ruleset *rs = cli_load(c, &st);
    c->files = all;
    c->n_files = all_n;
    return rs;
}

static int diff(struct cli *c)
{
    int before = c->n_files_before_dashdash;
    if (before < 0)
        return cli_usage_error(c, "needs OLD... -- NEW...");
    if (before == 0 || before == c->n_files)
        return cli_usage_error(c, "needs at least one FILE on each side of "
                                  "--");
    struct kg_diff_options o;
    memset(&o, 0, sizeof(o));
    o.size = sizeof(o);
    const char *port = cli_value(c, OPT_PORT), *gw = cli_value(c, OPT_GATEWAY);
    if (port && (!cli_parse_port(port, strlen(port), &o.port) || !o.port))
        return cli_usage_error(c, "--port is 1-65535, not %s", port);
    if (gw) {
        const char *slash = strchr(gw, '/');
        if (!slash || slash == gw || !slash[1])
            return cli_usage_error(c, "--gateway is NAMESPACE/NAME, not %s",
                                   gw);
        o.gateway = gw;
        o.gateway_len = strlen(gw);
    }
    if (cli_value(c, OPT_FILTERS))
        o.flags |= KG_DIFF_FILTERS;
    kg_ruleset *old_rs = load_side(c, c->files, before);
    if (!old_rs)
        return 2;
    kg_ruleset *new_rs = load_side(c, c->files + before, c->n_files - before);
    if (!new_rs) {
        kg_ruleset_unref(old_rs);
        return 2;
    }
    struct kg_diff_summary s;
    memset(&s, 0, sizeof(s));
    s.size = sizeof(s);
    int rc = kg_route_diff(old_rs, new_rs, &o, on_diff, c, &s);
    kg_ruleset_unref(old_rs);
    kg_ruleset_unref(new_rs);
    if (rc) {
        fprintf(stderr, "kgress diff: %s\n", kg_strerror(rc));
        return 2;
    }
    if (c->json) {
        struct json *j = &c->out;
        json_object_begin(j);
        json_key(j, "summary");
        json_object_begin(j);
        json_kv_int(j, "classes", (long long)s.classes);
        json_kv_int(j, "differing", (long long)s.differing);
        json_kv_int(j, "inexact", (long long)s.inexact);
        json_object_end(j);
        json_object_end(j);
        json_line_end(j);
    } else if (s.differing) {
        printf("%llu of %llu request classes differ",
               (unsigned long long)s.differing, (unsigned long long)s.classes);
        if (s.inexact)
            printf(" (%llu classes are inexact witnesses)",
                   (unsigned long long)s.inexact);
        printf("\n");
    } else {
        printf("no difference in %llu request classes",
               (unsigned long long)s.classes);
        if (s.inexact)
            printf(" (%llu are inexact witnesses)",
                   (unsigned long long)s.inexact);
        printf("\n");
    }
    if (fflush(stdout) || ferror(stdout))
        return 2;
    return s.differing ? 1 : 0;
}

static const struct cli_option diff_options[] = {
    {"port", "PORT", OPT_PORT,
     "Gateway API sides: only this listener port (default: all of them)"},
    {"gateway", "NS/NAME", OPT_GATEWAY,
     "Gateway API sides: only the listeners of this Gateway"},
    {"filters", NULL, OPT_FILTERS,
     "also compare rewrites, header modifiers and mirrors"},
    {NULL, NULL, 0, NULL},
};

const struct cli_command cmd_diff = {
    .name = "diff",
    .synopsis = "[OPTION]... OLD... -- NEW...",
    .summary = "which requests two rule sets route differently",
    .description =
        "Compiles the OLD and the NEW manifests (files or directories) as\n"
        "two rule sets and prints every class of request whose answer\n"
        "differs, computed from the compiled tables, not by sampling: the\n"
        "listener port (Gateway API sides), the host class (an exact host,\n"
        "one label or more under a wildcard, any other host), the path\n"
        "region (\"= /a\" exactly, \"/a/...\" below it, \"/a/b...\" a\n"
        "character prefix, \"~ RE\" a member of a regular expression) and\n"
        "the method, header and query values the HTTPRoutes there test;\n"
        "then a witness request of the class and both answers (backends\n"
        "with their shares, status 500, redirect, no route). A class a\n"
        "regular expression decides is a witness, not a proof, and is\n"
        "marked so. A side with a Gateway listener and no Ingress (or any\n"
        "side with listeners, given --port or --gateway) is routed as\n"
        "Gateway API; others as Ingress rules.\n"
        "With --json one object per class (port, host_class, host,\n"
        "path_class, path, method, headers, conditions, exact, old, new,\n"
        "old_code, new_code), then {\"summary\": {classes, differing,\n"
        "inexact}}.\n\n"
        "Exit status: 0 no class differs, 1 some class differs, 2 usage or\n"
        "I/O error or invalid manifests.",
    .loads = true,
    .options = diff_options,
    .run = diff,
};
