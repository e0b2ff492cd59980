// SPDX-License-Identifier: MIT
/*
 * cmd_matrix.c - `kgress explain` (why a flow got its answer) and `kgress
 * matrix` (which pods may reach which, for a port), the questions policy
 * tools answer (cyclonus' truth tables, policy-assistant's explain).
 *
 * Both use the public verdict API only: explain judges the flow with
 * kg_check_flow and lists, per side, every rule of every policy isolating
 * the pod (kg_explain_rule: peers, ports, effect); matrix judges every pair of
 * the selected pods (kg_pod_name enumerates them, kg_pod_addr gives their
 * first address), so it costs pods^2 lookups, about a million for 1,000
 * pods, well under a second.
 */
#include <arpa/inet.h>
#include <stdio.h>
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

/* What explain tells about one flow, for the sentences of each rule. */
struct flow_text {
    char peer[2][64]; /* [KG_EGRESS]: the destination, [KG_INGRESS]: source */
    char dst[64];     /* the destination as named (for named ports) */
    unsigned port;
    const char *proto;
};

/* "pod NS/NAME (IP)" or "IP" of an address. */
static void end_text(const kg_ruleset *rs, const struct kg_addr *a, char *out,
                     size_t cap)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->bytes, ip, sizeof ip);
    uint32_t pod;
    if (kg_pod_find_addr(rs, a, &pod) == 0)
        snprintf(out, cap, "pod %s", kg_pod_name(rs, pod));
    else
        snprintf(out, cap, "%s", ip);
}

/* Why the rule's peers matched the other end, or did not. */
static void peer_text(const struct flow_text *t, int dir, int peer)
{
    const char *who = t->peer[dir];
    switch (peer) {
    case KG_PEER_ANY:
        printf("yes (the rule lists no peer)");
        break;
    case KG_PEER_SELECTOR:
        printf("yes (a selector peer selects %s)", who);
        break;
    case KG_PEER_CIDR:
        printf("yes (a CIDR peer holds %s)", who);
        break;
    case KG_PEER_NODE:
        printf("yes (%s is a selected Node's address)", who);
        break;
    case KG_PEER_DOMAIN:
        printf("yes (a domainNames peer matches the destination's name)");
        break;
    case KG_PEER_NOT_SELECTED:
        printf("no (no selector peer selects %s, no CIDR peer holds it)", who);
        break;
    case KG_PEER_NOT_IN_CIDR:
        printf("no (%s is not a pod, and no CIDR peer holds it)", who);
        break;
    case KG_PEER_POD_ADDRESS:
        printf("no (an ipBlock holds the address of %s, but ipBlocks do not "
               "match pods)",
               who);
        break;
    default:
        printf("?");
        break;
    }
}

/* Why the rule's ports matched the flow, or did not. */
static void ports_text(const struct flow_text *t, int ports)
{
    switch (ports) {
    case KG_PORTS_ANY:
        printf("yes (the rule lists no port)");
        break;
    case KG_PORTS_NUMBER:
        printf("yes (%u/%s)", t->port, t->proto);
        break;
    case KG_PORTS_NAMED:
        printf("yes (a named port is %u/%s on %s)", t->port, t->proto, t->dst);
        break;
    case KG_PORTS_NOT_PROTOCOL:
        printf("no (no %s port)", t->proto);
        break;
    case KG_PORTS_NOT_NUMBER:
        printf("no (%u is not among its %s ports)", t->port, t->proto);
        break;
    case KG_PORTS_NOT_NAMED:
        printf("no (%u is not among its %s ports, and no named port is "
               "%u/%s on %s)",
               t->port, t->proto, t->port, t->proto, t->dst);
        break;
    default:
        printf("?");
        break;
    }
}

static const char *action_name(int a)
{
    return a == KG_ACTION_ALLOW  ? "allow"
           : a == KG_ACTION_DENY ? "deny"
           : a == KG_ACTION_PASS ? "pass"
                                 : "none";
}

static const char *tier_name(int t)
{
    return t == KG_TIER_ADMIN            ? "admin"
           : t == KG_TIER_NETWORK_POLICY ? "networkpolicy"
           : t == KG_TIER_BASELINE       ? "baseline"
                                         : "none";
}

static void rule_text(const struct flow_text *t, const char *dir_name, int dir,
                      const struct kg_rule_match *m)
{
    printf("  %s %s", m->policy_kind, m->policy);
    if (m->tier != KG_TIER_NETWORK_POLICY) {
        printf(" (%s tier", tier_name(m->tier));
        if (m->priority >= 0)
            printf(", priority %d", (int)m->priority);
        putchar(')');
    }
    if (m->rule < 0) {
        printf(": no %s rule, isolates only\n", dir_name);
        return;
    }
    printf(" %s[%d]", dir_name, m->rule);
    if (m->rule_name) {
        putchar(' ');
        cli_text(stdout, m->rule_name, strlen(m->rule_name));
    }
    if (m->tier != KG_TIER_NETWORK_POLICY)
        printf(" %s", action_name(m->action));
    printf(": peers ");
    peer_text(t, dir, m->peer);
    printf(", ports ");
    ports_text(t, m->ports);
    switch (m->effect) {
    case KG_EFFECT_DECIDED:
        printf(" -> decides: %s",
               m->action == KG_ACTION_DENY ? "deny" : "allow");
        break;
    case KG_EFFECT_PASSED:
        printf(" -> passes to the next tier");
        break;
    case KG_EFFECT_NOT_REACHED:
        printf(" -> matches, but the side was decided before it");
        break;
    default:
        break;
    }
    putchar('\n');
}

static void rule_json(struct json *j, const struct kg_rule_match *m)
{
    json_object_begin(j);
    json_kv_cstr(j, "tier", tier_name(m->tier));
    json_kv_cstr(j, "policy_kind", m->policy_kind);
    json_kv_cstr(j, "policy", m->policy);
    if (m->priority >= 0)
        json_kv_int(j, "priority", m->priority);
    else
        json_kv_null(j, "priority");
    if (m->rule >= 0)
        json_kv_int(j, "rule", m->rule);
    else
        json_kv_null(j, "rule");
    json_kv_cstr(j, "rule_name", m->rule_name);
    json_kv_cstr(j, "action", action_name(m->action));
    if (m->rule >= 0) {
        json_kv_cstr(j, "peer", kg_match_name(KG_MATCH_PEER, m->peer));
        json_kv_cstr(j, "ports", kg_match_name(KG_MATCH_PORTS, m->ports));
    } else {
        json_kv_null(j, "peer");
        json_kv_null(j, "ports");
    }
    json_kv_bool(j, "matched", m->matched);
    json_kv_cstr(j, "effect", kg_match_name(KG_MATCH_EFFECT, m->effect));
    json_object_end(j);
}

/* One policy's result in the summary: what its rules did to the side. */
static const char *policy_result(const struct kg_rule_match *m, size_t n)
{
    const char *r = "no-match";
    for (size_t k = 0; k < n; k++) {
        if (m[k].effect == KG_EFFECT_DECIDED)
            return m[k].action == KG_ACTION_DENY ? "denies" : "allows";
        if (m[k].effect == KG_EFFECT_PASSED)
            return "passes";
        if (m[k].effect == KG_EFFECT_NOT_REACHED)
            r = "not-needed";
    }
    return r;
}

/* Every rule of the side, rule by rule; false when out of memory. */
static bool explain_side(struct cli *c, const kg_ruleset *rs,
                         const struct kg_flow *f, const struct flow_text *t,
                         const char *dir_name, int dir, const struct kg_side *s)
{
    struct kg_rule_match *m = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 16;
            void *p = realloc(m, nc * sizeof(*m));
            if (!p) {
                free(m);
                fprintf(stderr, "kgress: out of memory\n");
                return false;
            }
            m = p;
            cap = nc;
        }
        if (kg_explain_rule(rs, f, dir, n, &m[n]) != 0)
            break;
        n++;
    }
    const char *reason = kg_reason_name(s->reason);
    if (c->json) {
        json_key(&c->out, dir_name);
        json_object_begin(&c->out);
        json_kv_bool(&c->out, "allowed", s->allowed);
        json_kv_cstr(&c->out, "reason", reason);
        json_kv_cstr(&c->out, "pod", s->pod_name);
        json_key(&c->out, "rules");
        json_array_begin(&c->out);
        for (size_t k = 0; k < n; k++)
            rule_json(&c->out, &m[k]);
        json_array_end(&c->out);
        /* per policy: what its rules did (first rule of each policy) */
        json_key(&c->out, "policies");
        json_array_begin(&c->out);
        for (size_t k = 0, e; k < n; k = e) {
            for (e = k + 1; e < n && m[e].policy == m[k].policy &&
                            m[e].policy_kind == m[k].policy_kind;
                 e++)
                ;
            json_object_begin(&c->out);
            json_kv_cstr(&c->out, "policy_kind", m[k].policy_kind);
            json_kv_cstr(&c->out, "policy", m[k].policy);
            json_kv_cstr(&c->out, "result", policy_result(&m[k], e - k));
            for (size_t q = k; q < e; q++)
                if (m[q].effect == KG_EFFECT_DECIDED ||
                    m[q].effect == KG_EFFECT_PASSED)
                    json_kv_int(&c->out, "rule", m[q].rule);
            json_object_end(&c->out);
        }
        json_array_end(&c->out);
        json_object_end(&c->out);
    } else {
        printf("%s: %s, %s", dir_name, s->allowed ? "allowed" : "denied",
               reason);
        if (s->pod_name)
            printf(" (pod %s)", s->pod_name);
        putchar('\n');
        for (size_t k = 0; k < n; k++)
            rule_text(t, dir_name, dir, &m[k]);
        if (s->pod != KG_POD_NONE && n == 0 &&
            s->reason != KG_REASON_HOST_NETWORK)
            printf("  no policy selects it for %s\n", dir_name);
    }
    free(m);
    return true;
}

static int run_explain(struct cli *c)
{
    const char *src = cli_value(c, OPT_SRC), *dst = cli_value(c, OPT_DST);
    const char *name = cli_value(c, OPT_DST_NAME);
    unsigned port;
    int proto, st = port_proto(c, &port, &proto);
    if (st)
        return st;
    if (!src || !dst)
        return cli_usage_error(c, "--src and --dst are required");
    kg_ruleset *rs = cli_load(c, &st);
    if (!rs)
        return st ? st : 1;
    struct kg_flow f;
    memset(&f, 0, sizeof(f));
    f.size = sizeof(f);
    if (!parse_end(rs, src, &f.src) || !parse_end(rs, dst, &f.dst)) {
        kg_ruleset_unref(rs);
        return cli_usage_error(c, "an end is not an IP address nor a known "
                                  "NAMESPACE/POD");
    }
    f.protocol = proto;
    f.port = port;
    f.dst_name = name;
    f.dst_name_len = name ? strlen(name) : 0;
    struct kg_verdict v;
    memset(&v, 0, sizeof(v));
    v.size = sizeof(v);
    if (kg_check_flow(rs, &f, &v)) {
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
        json_kv_cstr(&c->out, "service", v.service);
    } else {
        printf("%s -> %s %u/%s: %s\n", src, dst, port, proto_name(proto),
               v.allowed ? "allowed" : "denied");
    }
    /* a Service address: the sides are those of the endpoint reported */
    if (v.service && v.endpoint.family) {
        char ep[INET6_ADDRSTRLEN] = "?";
        inet_ntop(v.endpoint.family == 6 ? AF_INET6 : AF_INET, v.endpoint.bytes,
                  ep, sizeof ep);
        if (c->json) {
            json_kv_cstr(&c->out, "endpoint", ep);
            json_kv_int(&c->out, "endpoint_port", v.endpoint_port);
        } else {
            printf("service %s: %u ready endpoint%s, explained for %s "
                   "port %u\n",
                   v.service, v.endpoints, v.endpoints == 1 ? "" : "s", ep,
                   v.endpoint_port);
        }
        f.dst = v.endpoint;
        f.port = v.endpoint_port;
    } else if (v.service && c->json) {
        json_kv_null(&c->out, "endpoint");
        json_kv_null(&c->out, "endpoint_port");
    }
    struct flow_text t = {.port = f.port, .proto = proto_name(proto)};
    end_text(rs, &f.dst, t.peer[KG_EGRESS], sizeof t.peer[KG_EGRESS]);
    end_text(rs, &f.src, t.peer[KG_INGRESS], sizeof t.peer[KG_INGRESS]);
    memcpy(t.dst, t.peer[KG_EGRESS], sizeof t.dst);
    bool ok = explain_side(c, rs, &f, &t, "egress", KG_EGRESS, &v.egress) &&
              explain_side(c, rs, &f, &t, "ingress", KG_INGRESS, &v.ingress);
    if (c->json && ok) {
        json_object_end(&c->out);
        json_line_end(&c->out);
    }
    kg_ruleset_unref(rs);
    if (!ok)
        return 2;
    return v.allowed ? 0 : 1;
}

static const struct cli_option explain_options[] = {
    {"src", "SRC", OPT_SRC, "source: an IP address or NAMESPACE/POD"},
    {"dst", "DST", OPT_DST, "destination: an IP address or NAMESPACE/POD"},
    {"port", "PORT", OPT_PORT, "destination port, 0-65535"},
    {"protocol", "PROTO", OPT_PROTOCOL, "TCP (default), UDP or SCTP"},
    {"dst-name", "NAME", OPT_DST_NAME,
     "the name the source dialled, for domainNames peers"},
    {NULL, NULL, 0, NULL},
};

const struct cli_command cmd_explain = {
    .name = "explain",
    .synopsis = "[OPTION]... FILE|DIR... --src SRC --dst DST --port PORT "
                "[--protocol PROTO] [--dst-name NAME]",
    .summary = "why a flow is allowed or denied, rule by rule",
    .description =
        "Judges one flow as check does and explains it rule by rule: for the\n"
        "egress side of the source and the ingress side of the destination,\n"
        "the reason, then every rule of every policy isolating that pod in\n"
        "evaluation order (admin tier, NetworkPolicies, baseline tier): did\n"
        "its peers match the other end, and why not; did its ports match,\n"
        "and why not; and did it decide, pass to the next tier, or match\n"
        "after the side was decided. A flow to a Service address is\n"
        "explained for the endpoint the verdict reports. With --json one\n"
        "object: src, dst, port, protocol, allowed, service, and\n"
        "egress/ingress {allowed, reason, pod, rules: [{tier, policy_kind,\n"
        "policy, priority, rule, rule_name, action, peer, ports, matched,\n"
        "effect}], policies: [{policy_kind, policy, result, rule}]}.\n\n"
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
