// SPDX-License-Identifier: MIT
/*
 * cli.c - shared plumbing of the kgress tool (see cli.h): the option
 * tables, getopt_long parsing, generated help, loading manifests, printing
 * diagnostics and reading request lines.
 *
 * The load options are tables, not code: a KG_FLAG_* switch is one line of
 * flags[], a KG_LIMIT_* one line of limits[]. A limit's flag is
 * "--limit-" followed by its enum name in lower case with '-' for '_'
 * (KG_LIMIT_INPUT_BYTES: --limit-input-bytes), the same name the Python
 * binding uses with '_' (limits={"input_bytes": ...}); tests/cli checks that
 * every KG_LIMIT_* of kgress.h has its flag, so the names stay derived.
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct {
    const char *name;
    int flag;
    bool on;
    const char *help;
} flags[] = {
    {"no-normalize", KG_FLAG_NORMALIZE, false, "match request paths as given"},
    {"reject-escaped-slash", KG_FLAG_REJECT_ESCAPED_SLASH, true,
     "reject request paths containing %2F or %5C"},
    {"skip-invalid", KG_FLAG_SKIP_INVALID, true,
     "leave invalid objects out (their errors become warnings)"},
    {"strict-cidr", KG_FLAG_STRICT_CIDR, true,
     "reject CIDRs with host bits set or leading zeros"},
    {"no-ipblock-pods", KG_FLAG_IPBLOCK_MATCHES_PODS, false,
     "ipBlock peers do not match pod IPs"},
    {"select-hostnetwork", KG_FLAG_SELECT_HOSTNETWORK, true,
     "selectors select hostNetwork pods"},
    {"no-node-ingress", KG_FLAG_ALLOW_NODE_INGRESS, false,
     "do not allow ingress from the pod's own node"},
    {"no-loopback", KG_FLAG_ALLOW_LOOPBACK, false,
     "do not allow a pod to reach its own IP"},
};
#define N_FLAGS (sizeof(flags) / sizeof(flags[0]))

/* Each KG_LIMIT_*, its flag name and the codes reporting it. Limits
 * sharing a code (nodes per object and per source) are told apart by the
 * C name the library's message gives (see limit_flag). */
static const struct {
    const char *name;
    int limit;
    int code, code2;
    const char *help;
} limits[] = {
    {"input-bytes", KG_LIMIT_INPUT_BYTES, KG_ELIMIT_BYTES, 0,
     "bytes per source"},
    {"depth", KG_LIMIT_DEPTH, KG_ELIMIT_DEPTH, 0, "nesting of maps and lists"},
    {"nodes", KG_LIMIT_NODES, KG_ELIMIT_NODES, 0, "YAML nodes per source"},
    {"scalar-bytes", KG_LIMIT_SCALAR_BYTES, KG_ELIMIT_SCALAR, 0,
     "bytes per scalar"},
    {"documents", KG_LIMIT_DOCUMENTS, KG_ELIMIT_DOCUMENTS, 0,
     "documents per stream"},
    {"alias-nodes", KG_LIMIT_ALIAS_NODES, KG_ELIMIT_ALIAS, KG_EALIAS,
     "nodes YAML aliases may expand to (0: no aliases)"},
    {"object-nodes", KG_LIMIT_OBJECT_NODES, KG_ELIMIT_NODES, 0,
     "YAML nodes per object (a document or List item)"},
    {"diagnostics", KG_LIMIT_DIAGNOSTICS, KG_ELIMIT_DIAGNOSTICS, 0,
     "diagnostics kept (default 1000; then one \"N more\" entry)"},
    {"dns-entries", KG_LIMIT_DNS_ENTRIES, KG_ELIMIT_CACHE, 0,
     "DNS name cache: (address, client, name) bindings held"},
    {"dns-names", KG_LIMIT_DNS_NAMES, KG_ELIMIT_CACHE, 0,
     "DNS name cache: names held"},
    {"dns-addrs-per-name", KG_LIMIT_DNS_ADDRS_PER_NAME, KG_ELIMIT_CACHE, 0,
     "DNS name cache: addresses kept per name and observation"},
    {"dns-min-ttl", KG_LIMIT_DNS_MIN_TTL, 0, 0,
     "DNS name cache: shortest lifetime of an observation, seconds"},
    {"dns-max-ttl", KG_LIMIT_DNS_MAX_TTL, 0, 0,
     "DNS name cache: longest lifetime of an observation, seconds"},
    {"dns-grace", KG_LIMIT_DNS_GRACE, 0, 0,
     "DNS name cache: seconds an expired observation still counts"},
};
#define N_LIMITS (sizeof(limits) / sizeof(limits[0]))

static const struct cli_option common_options[] = {
    {"json", NULL, OPT_JSON, "JSON output, one object per line"},
    {"help", NULL, OPT_HELP, "show this help and exit"},
    {"version", NULL, OPT_VERSION, "show the version and exit"},
    {NULL, NULL, 0, NULL},
};

static const struct cli_option load_options[] = {
    {"ingress-class", "NAME", OPT_INGRESS_CLASS,
     "serve only Ingresses of this class"},
    {"dialect", "D", OPT_DIALECT, "portable (default) or ingress-nginx"},
    {NULL, NULL, 0, NULL},
};

/* ------------------------------------------------------------------ help */

static void help_line(FILE *out, const char *shortopt, const char *name,
                      const char *arg, const char *help)
{
    char left[64];
    snprintf(left, sizeof(left), "%s%s--%s%s%s", shortopt ? shortopt : "",
             shortopt ? ", " : "", name, arg ? " " : "", arg ? arg : "");
    if (strlen(left) > 26)
        fprintf(out, "  %s\n  %-26s %s\n", left, "", help);
    else
        fprintf(out, "  %-26s %s\n", left, help);
}

static void help_options(FILE *out, const struct cli_option *o)
{
    for (; o && o->name; o++)
        help_line(out,
                  o->id == OPT_HELP      ? "-h"
                  : o->id == OPT_VERSION ? "-V"
                                         : NULL,
                  o->name, o->arg, o->help);
}

static void help_synopsis(FILE *out, const struct cli_command *cmd)
{
    const char *s = cmd->synopsis;
    const char *lead = "usage: ";
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        fprintf(out, "%skgress %s %.*s\n", lead, cmd->name, (int)n, s);
        lead = "       ";
        s += n + (nl ? 1 : 0);
    }
}

static const struct cli_command *const commands[] = {
    &cmd_validate, &cmd_route, &cmd_check, &cmd_explain,
    &cmd_matrix,   &cmd_dump,  &cmd_diff,  NULL};

const struct cli_command *cli_command_find(const char *name)
{
    for (int i = 0; commands[i]; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

void cli_help(FILE *out, const struct cli_command *cmd)
{
    if (!cmd) {
        fputs("usage: kgress COMMAND [OPTION]... [FILE]...\n"
              "       kgress COMMAND --help\n"
              "       kgress --version\n\n"
              "Compiles Kubernetes Ingress and NetworkPolicy manifests (what\n"
              "`kubectl get -o yaml` prints) and answers from them.\n\n"
              "Commands:\n",
              out);
        for (int i = 0; commands[i]; i++)
            fprintf(out, "  %-10s %s\n", commands[i]->name,
                    commands[i]->summary);
        fputs("  help CMD   the help of a command\n\n"
              "Options:\n",
              out);
        help_options(out, common_options + 1);
        fputs("\nExit status: 0 ok, 1 denied, unmatched or invalid input, "
              "2 usage or I/O error.\nSee kgress(1).\n",
              out);
        return;
    }
    help_synopsis(out, cmd);
    fprintf(out, "\n%s\n\nOptions:\n", cmd->description);
    help_options(out, cmd->options);
    help_options(out, common_options);
    if (cmd->loads) {
        fputs("\nLoad options (FILE is a manifest file, a directory of "
              "*.yaml, *.yml and\n*.json files, or - for stdin):\n",
              out);
        help_options(out, load_options);
        for (size_t i = 0; i < N_FLAGS; i++)
            help_line(out, NULL, flags[i].name, NULL, flags[i].help);
        for (size_t i = 0; i < N_LIMITS; i++) {
            char name[64], help[128];
            snprintf(name, sizeof(name), "limit-%s", limits[i].name);
            snprintf(help, sizeof(help), "limit of %s", limits[i].help);
            help_line(out, NULL, name, "N", help);
        }
    }
}

/* --------------------------------------------------------------- parsing */

int cli_usage_error(const struct cli *c, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "kgress%s%s: ", c && c->cmd ? " " : "",
            c && c->cmd ? c->cmd->name : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'kgress %s%s--help'.\n",
            c && c->cmd ? c->cmd->name : "", c && c->cmd ? " " : "");
    return 2;
}

/* What an entry of the getopt_long table stands for. */
struct opt_kind {
    int id;
    int index; /* into flags[] or limits[] */
};

#define MAX_LONGOPTS 64

static int add_opts(struct option *lo, struct opt_kind *kind, int n,
                    const struct cli_option *o)
{
    for (; o && o->name && n < MAX_LONGOPTS - 1; o++, n++) {
        lo[n] = (struct option){
            o->name, o->arg ? required_argument : no_argument, NULL, o->id};
        kind[n] = (struct opt_kind){o->id, 0};
    }
    return n;
}

static char limit_names[N_LIMITS][32];

static int parse_u64(const char *s, uint64_t *v)
{
    if (*s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *v = x;
    return 0;
}

int cli_parse(struct cli *c, const struct cli_command *cmd, int argc,
              char **argv)
{
    memset(c, 0, sizeof(*c));
    c->cmd = cmd;
    json_init(&c->out, stdout);
    json_init(&c->err, stderr);
    c->opts = kg_options_new();
    if (!c->opts) {
        fprintf(stderr, "kgress: out of memory\n");
        return 2;
    }
    struct option lo[MAX_LONGOPTS];
    struct opt_kind kind[MAX_LONGOPTS];
    int n = add_opts(lo, kind, 0, common_options);
    n = add_opts(lo, kind, n, cmd->options);
    if (cmd->loads) {
        n = add_opts(lo, kind, n, load_options);
        for (size_t i = 0; i < N_FLAGS && n < MAX_LONGOPTS - 1; i++, n++) {
            lo[n] = (struct option){flags[i].name, no_argument, NULL, OPT_FLAG};
            kind[n] = (struct opt_kind){OPT_FLAG, (int)i};
        }
        for (size_t i = 0; i < N_LIMITS && n < MAX_LONGOPTS - 1; i++, n++) {
            snprintf(limit_names[i], sizeof(limit_names[i]), "limit-%s",
                     limits[i].name);
            lo[n] = (struct option){limit_names[i], required_argument, NULL,
                                    OPT_LIMIT};
            kind[n] = (struct opt_kind){OPT_LIMIT, (int)i};
        }
    }
    lo[n] = (struct option){NULL, 0, NULL, 0};

    /* where "--" splits the operands (kgress diff OLD... -- NEW...):
     * getopt_long permutes the operands before it but leaves those after
     * it at the end, in order */
    c->n_files_before_dashdash = -1;
    int dashdash = -1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--") == 0) {
            dashdash = i;
            break;
        }
    const char *after_dashdash =
        dashdash >= 0 && dashdash + 1 < argc ? argv[dashdash + 1] : NULL;
    optind = 1;
    opterr = 0;
    int ch, li;
    while (li = -1, (ch = getopt_long(argc, argv, ":hV", lo, &li)) != -1) {
        switch (ch) {
        case OPT_HELP:
            cli_help(stdout, cmd);
            return 0;
        case OPT_VERSION:
            printf("kgress %s\n", kg_version());
            return 0;
        case OPT_JSON:
            c->json = true;
            break;
        case OPT_INGRESS_CLASS:
            if (kg_options_set_ingress_class(c->opts, optarg, strlen(optarg)))
                return cli_usage_error(c, "bad --ingress-class %s", optarg);
            break;
        case OPT_DIALECT:
            if (strcmp(optarg, "portable") == 0)
                kg_options_set_dialect(c->opts, KG_DIALECT_PORTABLE);
            else if (strcmp(optarg, "ingress-nginx") == 0 ||
                     strcmp(optarg, "nginx") == 0)
                kg_options_set_dialect(c->opts, KG_DIALECT_INGRESS_NGINX);
            else
                return cli_usage_error(
                    c, "--dialect is portable or ingress-nginx, not %s",
                    optarg);
            break;
        case OPT_FLAG:
            kg_options_set_flag(c->opts, flags[kind[li].index].flag,
                                flags[kind[li].index].on);
            break;
        case OPT_LIMIT: {
            uint64_t v;
            int l = kind[li].index;
            if (parse_u64(optarg, &v) ||
                kg_options_set_limit(c->opts, limits[l].limit, v))
                return cli_usage_error(c, "bad value for --limit-%s: %s",
                                       limits[l].name, optarg);
            break;
        }
        case ':':
            return cli_usage_error(c, "option %s needs a value",
                                   argv[optind - 1]);
        case '?':
            if (optopt)
                return cli_usage_error(c, "unknown option -%c", optopt);
            return cli_usage_error(c, "unknown option %s", argv[optind - 1]);
        default:
            if (ch == OPT_HEADER) {
                if (c->n_headers ==
                    (int)(sizeof(c->headers) / sizeof(*c->headers)))
                    return cli_usage_error(c, "too many --header options");
                c->headers[c->n_headers++] = optarg;
            }
            if (ch >= OPT_BASE && ch < OPT_MAX)
                c->value[ch - OPT_BASE] =
                    optarg ? optarg : ""; /* a switch: "" */
            break;
        }
    }
    c->files = argv + optind;
    c->n_files = argc - optind;
    if (dashdash >= 0) {
        int after = argc - dashdash - 1, before = c->n_files - after;
        /* the "--" was an operand separator, not an option's value */
        if (before >= 0 &&
            (!after_dashdash || c->files[before] == after_dashdash))
            c->n_files_before_dashdash = before;
    }
    if (cmd->loads && c->n_files == 0)
        return cli_usage_error(c, "needs at least one FILE");
    if (!cmd->loads && c->n_files > 0)
        return cli_usage_error(c, "takes no FILE (%s)", c->files[0]);
    return -1;
}

const char *cli_value(const struct cli *c, int id)
{
    if (id < OPT_BASE || id >= OPT_MAX)
        return NULL;
    return c->value[id - OPT_BASE];
}

void cli_free(struct cli *c)
{
    kg_options_free(c->opts);
    c->opts = NULL;
}

void cli_text(FILE *f, const char *s, size_t n)
{
    char small[512];
    size_t need = kg_text_escape(s, n, small, sizeof(small));
    if (need < sizeof(small)) {
        fwrite(small, 1, need, f);
        return;
    }
    char *big = malloc(need + 1);
    if (!big) { /* the safe prefix, marked as cut */
        fprintf(f, "%s...", small);
        return;
    }
    kg_text_escape(s, n, big, need + 1);
    fwrite(big, 1, need, f);
    free(big);
}

/* ----------------------------------------------------------- diagnostics */

static bool limit_has_code(size_t i, int code)
{
    return code == limits[i].code ||
           (limits[i].code2 && code == limits[i].code2);
}

/* Whether msg names limit i's C constant (KG_LIMIT_ + its name in upper
 * case with '_'), as a whole word. */
static bool limit_named(size_t i, const char *msg)
{
    char cname[64] = "KG_LIMIT_";
    size_t n = strlen(cname);
    for (const char *p = limits[i].name; *p && n + 1 < sizeof(cname); p++)
        cname[n++] = *p == '-' ? '_' : (char)(*p - 'a' + 'A');
    cname[n] = '\0';
    for (const char *at = strstr(msg, cname); at; at = strstr(at + 1, cname)) {
        char next = at[n];
        if (!(next == '_' || (next >= 'A' && next <= 'Z')))
            return true;
    }
    return false;
}

/* The --limit-* flag of limit diagnostic i (the part after "--limit-"):
 * the limit its message names among those reporting its code, else the
 * first of them; NULL for other diagnostics. */
static const char *limit_flag(const kg_diagnostics *d, size_t i)
{
    int code = kg_diagnostic_code(d, i);
    const char *msg = kg_diagnostic_message(d, i);
    const char *first = NULL;
    for (size_t k = 0; k < N_LIMITS; k++) {
        if (!limit_has_code(k, code))
            continue;
        if (msg && limit_named(k, msg))
            return limits[k].name;
        if (!first)
            first = limits[k].name;
    }
    return first;
}

void cli_diagnostic_text(FILE *f, const kg_diagnostics *d, size_t i)
{
    char buf[1024];
    size_t need = kg_diagnostic_format(d, i, buf, sizeof(buf));
    const char *flag = limit_flag(d, i);
    fprintf(f, "%s%s", buf, need >= sizeof(buf) ? "..." : "");
    if (flag)
        fprintf(f, " (raise it with --limit-%s N)", flag);
    fputc('\n', f);
}

void cli_diagnostic_json(struct json *j, const kg_diagnostics *d, size_t i)
{
    json_object_begin(j);
    json_kv_cstr(j, "severity",
                 kg_diagnostic_severity(d, i) == KG_SEVERITY_ERROR ? "error"
                                                                   : "warning");
    json_kv_cstr(j, "code", kg_error_name(kg_diagnostic_code(d, i)));
    json_kv_cstr(j, "file", kg_diagnostic_file(d, i));
    json_kv_cstr(j, "path", kg_diagnostic_path(d, i));
    json_kv_int(j, "line", kg_diagnostic_line(d, i));
    json_kv_int(j, "column", kg_diagnostic_column(d, i));
    json_kv_cstr(j, "message", kg_diagnostic_message(d, i));
    json_kv_cstr(j, "object", kg_diagnostic_object(d, i));
    const char *flag = limit_flag(d, i);
    if (flag) {
        char buf[64];
        snprintf(buf, sizeof(buf), "--limit-%s", flag);
        json_kv_cstr(j, "flag", buf);
    }
    json_object_end(j);
}

void cli_print_diagnostics(struct cli *c, const kg_diagnostics *d)
{
    for (size_t i = 0; i < kg_diagnostics_count(d); i++) {
        if (c->json) {
            cli_diagnostic_json(&c->err, d, i);
            json_line_end(&c->err);
        } else {
            cli_diagnostic_text(stderr, d, i);
        }
    }
}

/* ----------------------------------------------------------------- loads */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool manifest_name(const char *n)
{
    size_t len = strlen(n);
    if (n[0] == '.')
        return false;
    return (len > 5 && strcmp(n + len - 5, ".yaml") == 0) ||
           (len > 4 && strcmp(n + len - 4, ".yml") == 0) ||
           (len > 5 && strcmp(n + len - 5, ".json") == 0);
}

/* Adds the manifests of a directory, in name order. Returns 0, KG_EIO or
 * KG_ENOMEM. */
static int add_dir(kg_builder *b, const char *dir)
{
    DIR *dp = opendir(dir);
    if (!dp) {
        fprintf(stderr, "kgress: %s: %s\n", dir, strerror(errno));
        return KG_EIO;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (!manifest_name(e->d_name))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **nn = realloc(names, ncap * sizeof(*nn));
            if (!nn) {
                rc = KG_ENOMEM;
                goto done;
            }
            names = nn;
            cap = ncap;
        }
        size_t len = strlen(dir) + 1 + strlen(e->d_name) + 1;
        names[n] = malloc(len);
        if (!names[n]) {
            rc = KG_ENOMEM;
            goto done;
        }
        snprintf(names[n], len, "%s/%s", dir, e->d_name);
        n++;
    }
    if (n)
        qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n && rc != KG_ENOMEM; i++) {
        int r = kg_builder_add_file(b, names[i]);
        if (r == KG_EIO || r == KG_ENOMEM)
            rc = r;
    }
done:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(dp);
    return rc;
}

kg_builder *cli_build(struct cli *c, bool quiet, kg_ruleset **rs, int *status)
{
    *rs = NULL;
    *status = 0;
    kg_builder *b = kg_builder_new(c->opts);
    if (!b) {
        fprintf(stderr, "kgress: out of memory\n");
        *status = 2;
        return NULL;
    }
    bool io = false, oom = false;
    for (int i = 0; i < c->n_files && !oom; i++) {
        const char *f = c->files[i];
        struct stat st;
        int r;
        if (strcmp(f, "-") == 0)
            r = kg_builder_add_file(b, "/dev/stdin");
        else if (stat(f, &st) == 0 && S_ISDIR(st.st_mode))
            r = add_dir(b, f);
        else
            r = kg_builder_add_file(b, f);
        io |= r == KG_EIO;
        oom |= r == KG_ENOMEM;
    }
    int rc = oom ? KG_ENOMEM : kg_builder_compile(b, rs);
    if (!quiet)
        cli_print_diagnostics(c, kg_builder_diagnostics(b));
    if (rc == KG_ENOMEM) {
        fprintf(stderr, "kgress: out of memory\n");
        *status = 2;
    } else if (io) {
        *status = 2;
    } else if (rc) {
        *status = 1;
    }
    return b;
}

kg_ruleset *cli_load(struct cli *c, int *status)
{
    kg_ruleset *rs;
    kg_builder *b = cli_build(c, false, &rs, status);
    kg_builder_free(b);
    if (rs && *status) { /* an unreadable file: do not answer from the rest */
        kg_ruleset_unref(rs);
        rs = NULL;
    }
    return rs;
}

/* ----------------------------------------------------------------- lines */

void cli_lines_init(struct cli_lines *l, FILE *in)
{
    memset(l, 0, sizeof(*l));
    l->in = in;
}

bool cli_lines_next(struct cli_lines *l, const char **line, size_t *len)
{
    ssize_t r = getline(&l->buf, &l->cap, l->in);
    if (r < 0)
        return false;
    size_t n = (size_t)r;
    if (n && l->buf[n - 1] == '\n')
        n--;
    if (n && l->buf[n - 1] == '\r')
        n--;
    l->lineno++;
    *line = l->buf;
    *len = n;
    return true;
}

void cli_lines_free(struct cli_lines *l)
{
    free(l->buf);
    l->buf = NULL;
    l->cap = 0;
}

int cli_fields(const char *s, size_t n, struct cli_field *f, int max)
{
    int k = 0;
    size_t i = 0;
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == n)
            return k;
        size_t start = i;
        while (i < n && s[i] != ' ' && s[i] != '\t')
            i++;
        if (k == max)
            return max + 1;
        f[k].s = s + start;
        f[k].n = i - start;
        k++;
    }
}

bool cli_parse_port(const char *s, size_t n, unsigned *port)
{
    if (n == 0 || n > 5)
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > 65535)
        return false;
    *port = v;
    return true;
}
