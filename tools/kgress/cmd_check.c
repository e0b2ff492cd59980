// SPDX-License-Identifier: MIT
/*
 * cmd_check.c - kgress check: the NetworkPolicy verdict of flows.
 *
 *   kgress check FILE... --src IP --dst IP --port N [--protocol P]
 *   kgress check FILE... < flows      (lines "SRC DST PORT [PROTO]")
 *
 * Prints one line per flow: the verdict and why (each side's pod, and the
 * policy and rule that allowed it, or how many policies isolate it), or
 * with --json one JSON object per flow (one per line). Exit status: 0 when
 * every flow is allowed, 1 when one is denied (or the manifests are
 * invalid), 2 on a usage error or a malformed flow.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const check_flags[] = {"src", "dst", "port", "protocol",
                                          NULL};

static void json_side(const kg_ruleset *rs, const struct kg_side *s, int dir)
{
    printf("{\"allowed\":%s,\"reason\":\"%s\",\"pod\":",
           s->allowed ? "true" : "false", kg_reason_name(s->reason));
    if (s->pod_name)
        cli_json_str(stdout, s->pod_name, strlen(s->pod_name));
    else
        fputs("null", stdout);
    fputs(",\"policy\":", stdout);
    if (s->policy) {
        cli_json_str(stdout, s->policy, strlen(s->policy));
        printf(",\"rule\":%d", s->rule);
    } else {
        fputs("null,\"rule\":null", stdout);
    }
    fputs(",\"isolated_by\":[", stdout);
    const char *p;
    for (size_t i = 0; s->pod != KG_POD_NONE &&
                       (p = kg_pod_policy(rs, s->pod, dir, i)) != NULL;
         i++) {
        if (i)
            fputc(',', stdout);
        cli_json_str(stdout, p, strlen(p));
    }
    fputs("]}", stdout);
}

static const char *proto_name(int p)
{
    return p == KG_PROTO_UDP ? "UDP" : p == KG_PROTO_SCTP ? "SCTP" : "TCP";
}

/* Judges one flow given as text; returns 0 allowed, 1 denied, 2 bad. */
static int one_flow(const struct cli *c, const kg_ruleset *rs, const char *src,
                    const char *dst, const char *port_s, const char *proto_s)
{
    struct kg_addr s, d;
    if (kg_addr_parse(src, strlen(src), &s)) {
        fprintf(stderr, "kgress: not an IP address: %s\n", src);
        return 2;
    }
    if (kg_addr_parse(dst, strlen(dst), &d)) {
        fprintf(stderr, "kgress: not an IP address: %s\n", dst);
        return 2;
    }
    char *end;
    errno = 0;
    unsigned long port = strtoul(port_s, &end, 10);
    if (errno || *end || end == port_s || port > 65535 || port_s[0] == '-') {
        fprintf(stderr, "kgress: not a port (0-65535): %s\n", port_s);
        return 2;
    }
    int proto = kg_protocol_parse(proto_s, strlen(proto_s));
    if (proto < 0) {
        fprintf(stderr, "kgress: protocol is TCP, UDP or SCTP, not %s\n",
                proto_s);
        return 2;
    }
    struct kg_verdict v;
    memset(&v, 0, sizeof(v));
    v.size = sizeof(v);
    if (kg_check(rs, &s, &d, proto, (unsigned)port, &v)) {
        fprintf(stderr, "kgress: cannot check this flow\n");
        return 2;
    }
    if (c->json) {
        fputs("{\"src\":", stdout);
        cli_json_str(stdout, src, strlen(src));
        fputs(",\"dst\":", stdout);
        cli_json_str(stdout, dst, strlen(dst));
        printf(",\"port\":%lu,\"protocol\":\"%s\",\"allowed\":%s,\"egress\":",
               port, proto_name(proto), v.allowed ? "true" : "false");
        json_side(rs, &v.egress, KG_EGRESS);
        fputs(",\"ingress\":", stdout);
        json_side(rs, &v.ingress, KG_INGRESS);
        fputs("}\n", stdout);
    } else {
        char buf[1024];
        size_t need = kg_verdict_format(&v, buf, sizeof(buf));
        printf("%s %s %lu/%s: %s%s\n", src, dst, port, proto_name(proto), buf,
               need >= sizeof(buf) ? "..." : "");
    }
    return v.allowed ? 0 : 1;
}

static int flows_from_stdin(const struct cli *c, const kg_ruleset *rs)
{
    char line[4096];
    int st = 0;
    unsigned long lineno = 0;
    while (fgets(line, sizeof(line), stdin)) {
        lineno++;
        char *f[5];
        int n = 0;
        char *save = NULL;
        for (char *t = strtok_r(line, " \t\r\n", &save); t && n < 5;
             t = strtok_r(NULL, " \t\r\n", &save))
            f[n++] = t;
        if (n == 0 || f[0][0] == '#')
            continue;
        if (n < 3 || n > 4) {
            fprintf(stderr,
                    "kgress: stdin:%lu: expected SRC DST PORT [PROTOCOL]\n",
                    lineno);
            st = 2;
            continue;
        }
        int r = one_flow(c, rs, f[0], f[1], f[2], n == 4 ? f[3] : "TCP");
        if (r > st)
            st = r;
    }
    fflush(stdout);
    return st;
}

int cmd_check(int argc, char **argv)
{
    struct cli c;
    int st = cli_parse(&c, argc, argv, 2, check_flags);
    if (st) {
        cli_free(&c);
        return st;
    }
    const char *src = cli_value(&c, "src"), *dst = cli_value(&c, "dst");
    const char *port = cli_value(&c, "port");
    const char *proto = cli_value(&c, "protocol");
    bool one = src || dst || port || proto;
    if (c.n_files == 0 || (one && (!src || !dst || !port))) {
        fprintf(stderr, "kgress: usage: kgress check FILE... --src IP --dst IP "
                        "--port N [--protocol TCP|UDP|SCTP]\n"
                        "       (or 'SRC DST PORT [PROTOCOL]' lines on "
                        "stdin)\n");
        cli_free(&c);
        return 2;
    }
    kg_ruleset *rs = cli_load(&c, &st);
    if (rs) {
        st = one ? one_flow(&c, rs, src, dst, port, proto ? proto : "TCP")
                 : flows_from_stdin(&c, rs);
        kg_ruleset_unref(rs);
    }
    cli_free(&c);
    return st;
}
