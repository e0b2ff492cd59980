// SPDX-License-Identifier: MIT
/*
 * cli.c - shared plumbing of the kgress command line tool. See cli.h.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    int limit;
} limits[] = {
    {"input-bytes", KG_LIMIT_INPUT_BYTES},
    {"depth", KG_LIMIT_DEPTH},
    {"nodes", KG_LIMIT_NODES},
    {"scalar-bytes", KG_LIMIT_SCALAR_BYTES},
    {"documents", KG_LIMIT_DOCUMENTS},
    {"alias-nodes", KG_LIMIT_ALIAS_NODES},
};

static const struct {
    const char *name;
    int flag;
    bool on;
} flags[] = {
    {"no-normalize", KG_FLAG_NORMALIZE, false},
    {"skip-invalid", KG_FLAG_SKIP_INVALID, true},
    {"reject-escaped-slash", KG_FLAG_REJECT_ESCAPED_SLASH, true},
    {"strict-cidr", KG_FLAG_STRICT_CIDR, true},
    {"no-ipblock-pods", KG_FLAG_IPBLOCK_MATCHES_PODS, false},
    {"select-hostnetwork", KG_FLAG_SELECT_HOSTNETWORK, true},
    {"no-node-ingress", KG_FLAG_ALLOW_NODE_INGRESS, false},
    {"no-loopback", KG_FLAG_ALLOW_LOOPBACK, false},
};

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "kgress: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see kgress --help)\n");
    return 2;
}

int cli_parse(struct cli *c, int argc, char **argv, int first,
              const char *const *value_flags)
{
    memset(c, 0, sizeof(*c));
    c->opts = kg_options_new();
    if (!c->opts) {
        fprintf(stderr, "kgress: out of memory\n");
        return 2;
    }
    bool only_files = false;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (only_files || a[0] != '-' || a[1] == '\0') {
            if (c->n_files == CLI_MAX_FILES)
                return usage_error("too many files (at most %s)", "4096");
            c->files[c->n_files++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_files = true;
            continue;
        }
        if (strncmp(a, "--", 2) != 0)
            return usage_error("unknown option %s", a);
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const char *val = eq ? eq + 1 : NULL;
#define NEED_VALUE()                                                           \
    do {                                                                       \
        if (!val) {                                                            \
            if (i + 1 >= argc)                                                 \
                return usage_error("option %s needs a value", a);              \
            val = argv[++i];                                                   \
        }                                                                      \
    } while (0)
#define IS(lit) (nlen == strlen(lit) && strncmp(name, lit, nlen) == 0)
        if (IS("json")) {
            c->json = true;
            continue;
        }
        if (IS("ingress-class")) {
            NEED_VALUE();
            kg_options_set_ingress_class(c->opts, val, strlen(val));
            continue;
        }
        if (IS("dialect")) {
            NEED_VALUE();
            if (strcmp(val, "portable") == 0)
                kg_options_set_dialect(c->opts, KG_DIALECT_PORTABLE);
            else if (strcmp(val, "ingress-nginx") == 0 ||
                     strcmp(val, "nginx") == 0)
                kg_options_set_dialect(c->opts, KG_DIALECT_INGRESS_NGINX);
            else
                return usage_error(
                    "--dialect is portable or ingress-nginx, not %s", val);
            continue;
        }
        bool done = false;
        for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
            if (IS(flags[f].name)) {
                kg_options_set_flag(c->opts, flags[f].flag, flags[f].on);
                done = true;
            }
        }
        if (done)
            continue;
        if (nlen > 6 && strncmp(name, "limit-", 6) == 0) {
            for (size_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
                if (nlen - 6 == strlen(limits[l].name) &&
                    strncmp(name + 6, limits[l].name, nlen - 6) == 0) {
                    NEED_VALUE();
                    char *end;
                    errno = 0;
                    unsigned long long v = strtoull(val, &end, 10);
                    if (errno || *end || end == val ||
                        kg_options_set_limit(c->opts, limits[l].limit, v))
                        return usage_error("bad limit value %s", val);
                    done = true;
                }
            }
            if (done)
                continue;
        }
        for (int v = 0; value_flags && value_flags[v]; v++) {
            if (IS(value_flags[v])) {
                NEED_VALUE();
                if (c->n_values == 32)
                    return usage_error("too many options at %s", a);
                c->names[c->n_values] = value_flags[v];
                c->values[c->n_values++] = val;
                done = true;
                break;
            }
        }
        if (!done)
            return usage_error("unknown option %s", a);
#undef IS
#undef NEED_VALUE
    }
    return 0;
}

const char *cli_value(const struct cli *c, const char *name)
{
    const char *v = NULL;
    for (int i = 0; i < c->n_values; i++)
        if (strcmp(c->names[i], name) == 0)
            v = c->values[i];
    return v;
}

void cli_json_str(FILE *out, const char *s, size_t n)
{
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch < 0x20 || ch == 0x7f)
            fprintf(out, "\\u%04x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

void cli_print_diagnostics(const struct cli *c, const kg_diagnostics *d,
                           FILE *out)
{
    size_t n = kg_diagnostics_count(d);
    if (!c->json) {
        char buf[1024];
        for (size_t i = 0; i < n; i++) {
            size_t need = kg_diagnostic_format(d, i, buf, sizeof(buf));
            fprintf(stderr, "%s%s\n", buf, need >= sizeof(buf) ? "..." : "");
        }
        return;
    }
    fputc('[', out);
    for (size_t i = 0; i < n; i++) {
        const char *s;
        fprintf(out, "%s{\"severity\":\"%s\",\"code\":\"%s\",\"file\":",
                i ? "," : "",
                kg_diagnostic_severity(d, i) == KG_SEVERITY_ERROR ? "error"
                                                                  : "warning",
                kg_error_name(kg_diagnostic_code(d, i)));
        s = kg_diagnostic_file(d, i);
        cli_json_str(out, s, strlen(s));
        fputs(",\"path\":", out);
        s = kg_diagnostic_path(d, i);
        cli_json_str(out, s, strlen(s));
        fprintf(out, ",\"line\":%u,\"column\":%u,\"message\":",
                kg_diagnostic_line(d, i), kg_diagnostic_column(d, i));
        s = kg_diagnostic_message(d, i);
        cli_json_str(out, s, strlen(s));
        fputc('}', out);
    }
    fputc(']', out);
}

static kg_builder *load_builder(struct cli *c, int *status, int *rc_out,
                                kg_ruleset **rs)
{
    kg_builder *b = kg_builder_new(c->opts);
    if (!b) {
        fprintf(stderr, "kgress: out of memory\n");
        *status = 2;
        return NULL;
    }
    int io = 0;
    for (int i = 0; i < c->n_files; i++) {
        int rc = strcmp(c->files[i], "-") == 0
                     ? kg_builder_add_file(b, "/dev/stdin")
                     : kg_builder_add_file(b, c->files[i]);
        if (rc == KG_EIO)
            io = 1;
        if (rc == KG_ENOMEM) {
            *rc_out = rc;
            return b;
        }
    }
    *rc_out = kg_builder_compile(b, rs);
    if (io)
        *status = 2;
    return b;
}

kg_ruleset *cli_load(struct cli *c, int *status)
{
    kg_ruleset *rs = NULL;
    int rc = 0;
    *status = 0;
    kg_builder *b = load_builder(c, status, &rc, &rs);
    if (!b)
        return NULL;
    if (!c->json)
        cli_print_diagnostics(c, kg_builder_diagnostics(b), stdout);
    if (rc == KG_ENOMEM) {
        fprintf(stderr, "kgress: out of memory\n");
        *status = 2;
    } else if (rc && !*status) {
        *status = 1;
    }
    if (rc && c->json) {
        fputs("{\"ok\":false,\"diagnostics\":", stdout);
        cli_print_diagnostics(c, kg_builder_diagnostics(b), stdout);
        fputs("}\n", stdout);
    } else if (c->json && kg_diagnostics_count(kg_builder_diagnostics(b))) {
        /* warnings of a good load (a pod IP two live pods report, ...):
         * one JSON object on stderr, so stdout stays the answers */
        fputs("{\"ok\":true,\"diagnostics\":", stderr);
        cli_print_diagnostics(c, kg_builder_diagnostics(b), stderr);
        fputs("}\n", stderr);
    }
    kg_builder_free(b);
    return rs;
}

void cli_free(struct cli *c)
{
    kg_options_free(c->opts);
    c->opts = NULL;
}

int cmd_validate(int argc, char **argv)
{
    struct cli c;
    int st = cli_parse(&c, argc, argv, 2, NULL);
    if (st) {
        cli_free(&c);
        return st;
    }
    if (c.n_files == 0) {
        cli_free(&c);
        return usage_error("validate needs at least one %s", "FILE");
    }
    kg_ruleset *rs = NULL;
    int rc = 0;
    kg_builder *b = load_builder(&c, &st, &rc, &rs);
    if (!b) {
        cli_free(&c);
        return 2;
    }
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    if (rc && st == 0)
        st = rc == KG_ENOMEM ? 2 : 1;
    if (c.json) {
        printf("{\"ok\":%s,\"errors\":%zu,\"warnings\":%zu,\"diagnostics\":",
               st == 0 ? "true" : "false", kg_diagnostics_errors(d),
               kg_diagnostics_count(d) - kg_diagnostics_errors(d));
        cli_print_diagnostics(&c, d, stdout);
        fputs(",\"kinds\":{", stdout);
        for (size_t i = 0; i < kg_builder_kind_count(b); i++) {
            struct kg_kind_count k = {.size = sizeof k};
            kg_builder_kind(b, i, &k);
            fputs(i ? "," : "", stdout);
            cli_json_str(stdout, k.kind, strlen(k.kind));
            printf(":{\"read\":%zu,\"skipped\":%zu}", k.read, k.skipped);
        }
        fputs("}}\n", stdout);
    } else {
        cli_print_diagnostics(&c, d, stdout);
        printf("%s: %zu error(s), %zu warning(s)\n", st == 0 ? "ok" : "invalid",
               kg_diagnostics_errors(d),
               kg_diagnostics_count(d) - kg_diagnostics_errors(d));
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
    kg_ruleset_unref(rs);
    kg_builder_free(b);
    cli_free(&c);
    return st;
}

static void write_stdout(void *user, const char *text, size_t len)
{
    fwrite(text, 1, len, (FILE *)user);
}

int cmd_dump(int argc, char **argv)
{
    struct cli c;
    int st = cli_parse(&c, argc, argv, 2, NULL);
    if (st) {
        cli_free(&c);
        return st;
    }
    if (c.n_files == 0) {
        cli_free(&c);
        return usage_error("dump needs at least one %s", "FILE");
    }
    kg_ruleset *rs = cli_load(&c, &st);
    if (rs) {
        kg_ruleset_dump(rs, c.json ? KG_DUMP_JSON : KG_DUMP_TEXT, write_stdout,
                        stdout);
        kg_ruleset_unref(rs);
    }
    cli_free(&c);
    return st;
}
