// SPDX-License-Identifier: MIT
/*
 * cmd_validate.c - `kgress validate` (every problem of the manifests, as
 * the API server would report them) and `kgress dump` (the compiled
 * tables).
 */
#include <string.h>

#include "cli.h"

/* "read N object(s): ..." and "skipped N object(s): ..." by kind. */
static void print_kinds(const kg_builder *b)
{
    for (int pass = 0; pass < 2; pass++) {
        size_t total = 0;
        for (size_t i = 0; i < kg_builder_kind_count(b); i++) {
            struct kg_kind_count k = {.size = sizeof k};
            kg_builder_kind(b, i, &k);
            total += pass ? k.skipped : k.read;
        }
        printf("%s %zu object(s)", pass ? "skipped" : "read", total);
        const char *sep = ": ";
        for (size_t i = 0; i < kg_builder_kind_count(b); i++) {
            struct kg_kind_count k = {.size = sizeof k};
            kg_builder_kind(b, i, &k);
            size_t n = pass ? k.skipped : k.read;
            if (n) {
                printf("%s%zu %s", sep, n, *k.kind ? k.kind : "(no kind)");
                sep = ", ";
            }
        }
        putchar('\n');
    }
}

static int validate(struct cli *c)
{
    kg_ruleset *rs = NULL;
    int st;
    kg_builder *b = cli_build(c, true, &rs, &st);
    if (!b)
        return 2;
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    size_t errors = kg_diagnostics_errors(d);
    size_t warnings = kg_diagnostics_warnings(d);
    if (c->json) {
        struct json *j = &c->out;
        json_object_begin(j);
        json_kv_bool(j, "ok", st == 0);
        json_kv_int(j, "errors", (long long)errors);
        json_kv_int(j, "warnings", (long long)warnings);
        json_key(j, "diagnostics");
        json_array_begin(j);
        for (size_t i = 0; i < kg_diagnostics_count(d); i++)
            cli_diagnostic_json(j, d, i);
        json_array_end(j);
        json_key(j, "kinds");
        json_object_begin(j);
        for (size_t i = 0; i < kg_builder_kind_count(b); i++) {
            struct kg_kind_count k = {.size = sizeof k};
            kg_builder_kind(b, i, &k);
            json_key(j, k.kind);
            json_object_begin(j);
            json_kv_int(j, "read", (long long)k.read);
            json_kv_int(j, "skipped", (long long)k.skipped);
            json_object_end(j);
        }
        json_object_end(j);
        json_object_end(j);
        json_line_end(j);
    } else {
        for (size_t i = 0; i < kg_diagnostics_count(d); i++)
            cli_diagnostic_text(stdout, d, i);
        printf("%s: %zu error(s), %zu warning(s)\n", st == 0 ? "ok" : "invalid",
               errors, warnings);
        print_kinds(b);
    }
    kg_ruleset_unref(rs);
    kg_builder_free(b);
    return st;
}

const struct cli_command cmd_validate = {
    .name = "validate",
    .synopsis = "[OPTION]... FILE|DIR...",
    .summary = "report every problem of the manifests",
    .description =
        "Reads the manifests (YAML or JSON, Lists flattened; a directory:\n"
        "its *.yaml, *.yml and *.json files in name order) and reports every\n"
        "problem the API server would, with its field path and line:column,\n"
        "then a summary, on stdout. With --json the summary is one\n"
        "JSON object on stdout that carries the diagnostics (the fields of\n"
        "kgress.Diagnostic).\n\n"
        "Exit status: 0 valid (warnings allowed), 1 invalid, 2 usage or I/O\n"
        "error.",
    .loads = true,
    .options = NULL,
    .run = validate,
};

static void write_stdout(void *user, const char *text, size_t len)
{
    fwrite(text, 1, len, (FILE *)user);
}

static int dump(struct cli *c)
{
    int st;
    kg_ruleset *rs = cli_load(c, &st);
    if (!rs)
        return st ? st : 1;
    kg_ruleset_dump(rs, c->json ? KG_DUMP_JSON : KG_DUMP_TEXT, write_stdout,
                    stdout);
    kg_ruleset_unref(rs);
    return st;
}

const struct cli_command cmd_dump = {
    .name = "dump",
    .synopsis = "[OPTION]... FILE|DIR...",
    .summary = "print the compiled tables",
    .description =
        "Compiles the manifests and prints the compiled tables: hosts and\n"
        "path tries of the routes, pods, rule sets with their prefix tables\n"
        "and peer classes of the policies (--json: one JSON object).\n\n"
        "Exit status: 0 ok, 1 invalid input, 2 usage or I/O error.",
    .loads = true,
    .options = NULL,
    .run = dump,
};
