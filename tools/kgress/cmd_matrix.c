// SPDX-License-Identifier: MIT
/*
 * cmd_matrix.c - `kgress explain` (why a flow got its answer) and `kgress
 * matrix` (which pods may reach which, for a port), the questions policy
 * tools answer (cyclonus' truth tables, policy-assistant's explain).
 *
 * Both use the public verdict API only: explain judges the flow with
 * kg_check and lists, per side, every policy isolating the pod
 * (kg_pod_policy) and which of them decided; matrix judges every pair of
 * the selected pods (kg_pod_name enumerates them, kg_pod_addr gives their
 * first address), so it costs pods^2 lookups, about a million for 1,000
 * pods, well under a second.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MATRIX_MAX_PODS 2000 /* 4M verdicts; a bigger grid is unreadable */

static const char *proto_name(int p)
{
    return p == KG_PROTO_UDP ? "UDP" : p == KG_PROTO_SCTP ? "SCTP" : "TCP";
}

/* --port and --protocol; returns 0 or the usage error's status. */
static int port_proto(struct cli *c, unsigned *port, int *proto)
{
    const char *p = cli_value(c, OPT_PORT), *pr = cli_value(c, OPT_PROTOCOL);
    if (!p || !cli_parse_port(p, strlen(p), port))
        return cli_usage_error(c, "--port N (0-65535) is required");
    *proto = KG_PROTO_TCP;
    if (pr && (*proto = kg_protocol_parse(pr, strlen(pr))) < 0)
        return cli_usage_error(c, "--protocol is TCP, UDP or SCTP");
    return 0;
}

/* An end: an IP address or NAMESPACE/POD. */
static bool parse_end(const kg_ruleset *rs, const char *s, struct kg_addr *out)
{
    size_t n = strlen(s);
    if (kg_addr_parse(s, n, out) == 0)
        return true;
    const char *slash = memchr(s, '/', n);
    uint32_t pod;
    return slash &&
           kg_pod_find(rs, s, (size_t)(slash - s), slash + 1,
                       n - (size_t)(slash - s) - 1, &pod) == 0 &&
           kg_pod_addr(rs, pod, 0, out) == 0;
}

/* ---------------------------------------------------------------- explain */

static void explain_side(struct cli *c, const kg_ruleset *rs, const char *dir,
                         int direction, const struct kg_side *s)
{
    const char *reason = kg_reason_name(s->reason);
    if (c->json) {
        json_key(&c->out, dir);
        json_object_begin(&c->out);
        json_kv_bool(&c->out, "allowed", s->allowed);
        json_kv_cstr(&c->out, "reason", reason);
        json_kv_cstr(&c->out, "pod", s->pod_name);
        json_key(&c->out, "policies");
        json_array_begin(&c->out);
    } else {
        printf("%s: %s, %s", dir, s->allowed ? "allowed" : "denied", reason);
        if (s->pod_name)
            printf(" (pod %s)", s->pod_name);
        putchar('\n');
    }
    const char *p;
    for (size_t i = 0;
         s->pod != KG_POD_NONE && (p = kg_pod_policy(rs, s->pod, direction, i));
         i++) {
        bool decided = s->policy && strcmp(p, s->policy) == 0;
        const char *verdict = decided ? "allows"
                              : s->reason == KG_REASON_NO_RULE
                                  ? "no rule matches (peers and ports)"
                                  : "not needed (an earlier policy allows)";
        if (c->json) {
            json_object_begin(&c->out);
            json_kv_cstr(&c->out, "policy", p);
            json_kv_cstr(&c->out, "result",
                         decided                          ? "allows"
                         : s->reason == KG_REASON_NO_RULE ? "no-match"
                                                          : "not-needed");
            if (decided)
                json_kv_int(&c->out, "rule", s->rule);
            json_object_end(&c->out);
        } else if (decided) {
            printf("  isolated by %s: allows, rule %d\n", p, s->rule);
        } else {
            printf("  isolated by %s: %s\n", p, verdict);
        }
    }
    if (c->json) {
        json_array_end(&c->out);
        json_object_end(&c->out);
    } else if (s->pod != KG_POD_NONE && s->policies == 0) {
        printf("  no policy of its namespace selects it for %s\n", dir);
    }
}

static int run_explain(struct cli *c)
{
    const char *src = cli_value(c, OPT_SRC), *dst = cli_value(c, OPT_DST);
    unsigned port;
    int proto, st = port_proto(c, &port, &proto);
    if (st)
        return st;
    if (!src || !dst)
        return cli_usage_error(c, "--src and --dst are required");
    kg_ruleset *rs = cli_load(c, &st);
    if (!rs)
        return st ? st : 1;
    struct kg_addr s, d;
    if (!parse_end(rs, src, &s) || !parse_end(rs, dst, &d)) {
        kg_ruleset_unref(rs);
        return cli_usage_error(c, "an end is not an IP address nor a known "
                                  "NAMESPACE/POD");
    }
    struct kg_verdict v;
    memset(&v, 0, sizeof(v));
    v.size = sizeof(v);
    if (kg_check(rs, &s, &d, proto, port, &v)) {
        kg_ruleset_unref(rs);
        return cli_usage_error(c, "cannot check this flow");
    }
    if (c->json) {
        json_object_begin(&c->out);
        json_kv_cstr(&c->out, "src", src);
        json_kv_cstr(&c->out, "dst", dst);
        json_kv_int(&c->out, "port", port);
        json_kv_cstr(&c->out, "protocol", proto_name(proto));
        json_kv_bool(&c->out, "allowed", v.allowed);
    } else {
        printf("%s -> %s %u/%s: %s\n", src, dst, port, proto_name(proto),
               v.allowed ? "allowed" : "denied");
    }
    explain_side(c, rs, "egress", KG_EGRESS, &v.egress);
    explain_side(c, rs, "ingress", KG_INGRESS, &v.ingress);
    if (c->json) {
        json_object_end(&c->out);
        json_line_end(&c->out);
    }
    kg_ruleset_unref(rs);
    return v.allowed ? 0 : 1;
}

static const struct cli_option explain_options[] = {
    {"src", "SRC", OPT_SRC, "source: an IP address or NAMESPACE/POD"},
    {"dst", "DST", OPT_DST, "destination: an IP address or NAMESPACE/POD"},
    {"port", "PORT", OPT_PORT, "destination port, 0-65535"},
    {"protocol", "PROTO", OPT_PROTOCOL, "TCP (default), UDP or SCTP"},
    {NULL, NULL, 0, NULL},
};

const struct cli_command cmd_explain = {
    .name = "explain",
    .synopsis = "[OPTION]... FILE|DIR... --src SRC --dst DST --port PORT "
                "[--protocol PROTO]",
    .summary = "why a flow is allowed or denied",
    .description =
        "Judges one flow as check does and explains it: for the egress side\n"
        "of the source and the ingress side of the destination, the reason\n"
        "(not a pod, not isolated, allowed by a rule, no rule allows, ...)\n"
        "and every policy isolating that pod, with the one whose rule\n"
        "allowed (and the rule's index) or, when denied, that none of their\n"
        "rules matches both peer and port. With --json one object: src,\n"
        "dst, port, protocol, allowed, and egress/ingress {allowed, reason,\n"
        "pod, policies: [{policy, result: allows|no-match|not-needed,\n"
        "rule}]}.\n\n"
        "Exit status: 0 allowed, 1 denied or invalid input, 2 usage error.",
    .loads = true,
    .options = explain_options,
    .run = run_explain,
};

/* ----------------------------------------------------------------- matrix */

struct pod_ref {
    uint32_t pod;
    const char *name;
    struct kg_addr addr;
};

/* Whether pod "namespace/name" is in one of the --namespace values (a
 * comma-separated list); every pod without the option. */
static bool in_namespaces(const char *list, const char *name)
{
    if (!list)
        return true;
    const char *slash = strchr(name, '/');
    size_t nl = slash ? (size_t)(slash - name) : strlen(name);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == nl && memcmp(p, name, n) == 0)
            return true;
        p += n + (e ? 1 : 0);
    }
    return false;
}

static int run_matrix(struct cli *c)
{
    unsigned port;
    int proto, st = port_proto(c, &port, &proto);
    if (st)
        return st;
    kg_ruleset *rs = cli_load(c, &st);
    if (!rs)
        return st ? st : 1;
    const char *nss = cli_value(c, OPT_NAMESPACE);
    struct pod_ref *pods = NULL;
    size_t n = 0, cap = 0;
    const char *name;
    for (uint32_t i = 0; (name = kg_pod_name(rs, i)); i++) {
        struct kg_addr a;
        if (!in_namespaces(nss, name) || kg_pod_addr(rs, i, 0, &a) != 0)
            continue;
        if (n == MATRIX_MAX_PODS) {
            free(pods);
            kg_ruleset_unref(rs);
            return cli_usage_error(c,
                                   "more than %d pods: select namespaces "
                                   "with --namespace",
                                   MATRIX_MAX_PODS);
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            struct pod_ref *np = realloc(pods, cap * sizeof(*np));
            if (!np) {
                free(pods);
                kg_ruleset_unref(rs);
                fprintf(stderr, "kgress: out of memory\n");
                return 2;
            }
            pods = np;
        }
        pods[n++] = (struct pod_ref){i, name, a};
    }
    size_t allowed = 0;
    if (c->json) {
        json_object_begin(&c->out);
        json_kv_int(&c->out, "port", port);
        json_kv_cstr(&c->out, "protocol", proto_name(proto));
        json_key(&c->out, "pods");
        json_array_begin(&c->out);
        for (size_t i = 0; i < n; i++)
            json_cstr(&c->out, pods[i].name);
        json_array_end(&c->out);
        json_key(&c->out, "allowed"); /* [src][dst] */
        json_array_begin(&c->out);
    } else {
        printf("%u/%s: row = source, column = destination; . allowed, X "
               "denied\n",
               port, proto_name(proto));
        for (size_t i = 0; i < n; i++)
            printf("%4zu %s\n", i, pods[i].name);
        printf("     ");
        for (size_t j = 0; j < n; j++)
            putchar(j % 10 == 0 ? (int)('0' + (j / 10) % 10) : ' ');
        printf("\n     ");
        for (size_t j = 0; j < n; j++)
            putchar((int)('0' + j % 10));
        putchar('\n');
    }
    for (size_t i = 0; i < n; i++) {
        if (c->json)
            json_array_begin(&c->out);
        else
            printf("%4zu ", i);
        for (size_t j = 0; j < n; j++) {
            struct kg_verdict v;
            memset(&v, 0, sizeof(v));
            v.size = sizeof(v);
            bool ok = kg_check(rs, &pods[i].addr, &pods[j].addr, proto, port,
                               &v) == 0 &&
                      v.allowed;
            allowed += ok;
            if (c->json)
                json_bool(&c->out, ok);
            else
                putchar(ok ? '.' : 'X');
        }
        if (c->json)
            json_array_end(&c->out);
        else
            putchar('\n');
    }
    if (c->json) {
        json_array_end(&c->out);
        json_kv_int(&c->out, "allowed_pairs", (long long)allowed);
        json_object_end(&c->out);
        json_line_end(&c->out);
    } else {
        printf("%zu of %zu pairs allowed\n", allowed, n * n);
    }
    free(pods);
    kg_ruleset_unref(rs);
    return 0;
}

static const struct cli_option matrix_options[] = {
    {"port", "PORT", OPT_PORT, "destination port, 0-65535"},
    {"protocol", "PROTO", OPT_PROTOCOL, "TCP (default), UDP or SCTP"},
    {"namespace", "NS[,NS...]", OPT_NAMESPACE,
     "only the pods of these namespaces"},
    {NULL, NULL, 0, NULL},
};

const struct cli_command cmd_matrix = {
    .name = "matrix",
    .synopsis = "[OPTION]... FILE|DIR... --port PORT [--protocol PROTO] "
                "[--namespace NS[,NS...]]",
    .summary = "which pods may reach which on a port",
    .description =
        "Judges a flow from every selected pod to every selected pod (the\n"
        "pods of --namespace, default all, at most 2000; each by its first\n"
        "address) on the port and prints the grid: one row per source, one\n"
        "column per destination, '.' allowed and 'X' denied, after the list\n"
        "of pods by number. With --json one object: port, protocol, pods\n"
        "(\"namespace/name\"), allowed ([source][destination] booleans) and\n"
        "allowed_pairs.\n\n"
        "Exit status: 0 answered, 1 invalid input, 2 usage error.",
    .loads = true,
    .options = matrix_options,
    .run = run_matrix,
};
