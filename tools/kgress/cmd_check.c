// SPDX-License-Identifier: MIT
/*
 * cmd_check.c - `kgress check`: the NetworkPolicy verdict of flows.
 *
 * One flow from --src/--dst/--port[/--protocol], or one per line of stdin,
 * "SRC DST PORT [PROTOCOL]". An end is an IP address or a pod by name,
 * "namespace/name" (its first status.podIPs address). Each line gets its
 * answer, or its error, as one line as soon as it is read (stdout is
 * flushed), so a program can keep the tool open as a coprocess; a line is
 * one flow however long it is.
 *
 * --watch EVENTS (watch.c): after the manifests, a Kubernetes watch stream
 * is applied batch by batch, and after each batch the flows (--src...,
 * --flows FILE, or stdin when the events are not on it) are judged again
 * on the new ruleset.
 *
 * --dns FILE: DNS observations fed into a kg_dns_cache before any flow is
 * judged, so that domainNames rules match the names the cache learnt for
 * a flow's destination address (a packet firewall's view; --now T is the
 * flows' time, by default the latest observation's). One per line:
 * "TIME CLIENT NAME TTL ADDR..." (kg_dns_cache_observe) or
 * "TIME CLIENT HEX" (a whole DNS response message in hexadecimal,
 * kg_dns_cache_observe_msg); CLIENT is an address, a pod by name or "-"
 * for none. A line the cache refuses is an error naming FILE:LINE, and no
 * flow is judged.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *proto_name(int p)
{
    return p == KG_PROTO_UDP ? "UDP" : p == KG_PROTO_SCTP ? "SCTP" : "TCP";
}

/* Resolves an end of a flow: an IP address, or "namespace/name" of a pod.
 * Returns NULL or the error message. */
static const char *parse_end(const kg_ruleset *rs, const char *s, size_t n,
                             struct kg_addr *out)
{
    if (kg_addr_parse(s, n, out) == 0)
        return NULL;
    const char *slash = memchr(s, '/', n);
    if (!slash)
        return "not an IP address or namespace/pod";
    uint32_t pod;
    size_t nsn = (size_t)(slash - s);
    if (kg_pod_find(rs, s, nsn, slash + 1, n - nsn - 1, &pod) != 0)
        return "no such pod";
    if (kg_pod_addr(rs, pod, 0, out) != 0)
        return "the pod has no IP address";
    return NULL;
}

/* The policies kgress.Verdict lists for a side: the allowing one, or every
 * isolating one when it denied. Calls fn for each; stops when it returns
 * true and returns true then. */
static bool side_each(const kg_ruleset *rs, const struct kg_side *s, int dir,
                      bool (*fn)(void *u, const char *p), void *u)
{
    if (s->reason == KG_REASON_ALLOWED_BY_RULE && s->policy)
        return fn(u, s->policy);
    if (s->reason != KG_REASON_NO_RULE || s->pod == KG_POD_NONE)
        return false;
    const char *p;
    for (size_t i = 0; (p = kg_pod_policy(rs, s->pod, dir, i)); i++)
        if (fn(u, p))
            return true;
    return false;
}

static bool is_same(void *u, const char *p)
{
    return strcmp((const char *)u, p) == 0;
}

struct policies_ctx {
    struct json *j;
    const kg_ruleset *rs;
    const struct kg_side *egress;
};

static bool write_egress(void *u, const char *p)
{
    json_cstr(((struct policies_ctx *)u)->j, p);
    return false;
}

static bool write_ingress(void *u, const char *p)
{
    struct policies_ctx *x = u;
    if (!side_each(x->rs, x->egress, KG_EGRESS, is_same, (void *)p))
        json_cstr(x->j, p);
    return false;
}

/* kgress.Verdict.policies: egress side first, no duplicates. */
static void write_policies(struct json *j, const kg_ruleset *rs,
                           const struct kg_verdict *v)
{
    struct policies_ctx x = {j, rs, &v->egress};
    json_array_begin(j);
    side_each(rs, &v->egress, KG_EGRESS, write_egress, &x);
    side_each(rs, &v->ingress, KG_INGRESS, write_ingress, &x);
    json_array_end(j);
}

static void side_rule(struct json *j, const char *key, const struct kg_side *s)
{
    json_key(j, key);
    if (s->reason != KG_REASON_ALLOWED_BY_RULE || !s->policy) {
        json_null(j);
        return;
    }
    json_array_begin(j);
    json_cstr(j, s->policy);
    json_int(j, s->rule);
    json_array_end(j);
}

static void side_bool(struct json *j, const char *key, const struct kg_side *s)
{
    json_key(j, key);
    if (s->reason == KG_REASON_NOT_A_POD)
        json_null(j);
    else
        json_bool(j, s->allowed);
}

/* kgress.Verdict.endpoint: the address as text, null for family 0. */
static void endpoint_addr(struct json *j, const struct kg_addr *a)
{
    char text[INET6_ADDRSTRLEN];
    int af = a->family == 4 ? AF_INET : a->family == 6 ? AF_INET6 : 0;
    json_key(j, "endpoint");
    if (af && inet_ntop(af, a->bytes, text, sizeof text))
        json_cstr(j, text);
    else
        json_null(j);
}

/* kgress.Side: a side and what decided it, with the binding's names and
 * strings (tier "network-policy", action "allow", ...). */
static void side_object(struct json *j, const char *key, const kg_ruleset *rs,
                        const struct kg_side *s, const struct kg_side_detail *d,
                        int dir)
{
    static const char *const tiers[] = {NULL, "admin", "network-policy",
                                        "baseline", "default"};
    static const char *const actions[] = {NULL, "allow", "deny", "pass"};
    json_key(j, key);
    json_object_begin(j);
    json_kv_bool(j, "allowed", s->allowed);
    json_kv_cstr(j, "reason", kg_reason_name(s->reason));
    json_kv_cstr(j, "pod", s->pod_name);
    json_kv_cstr(j, "policy", d->policy);
    json_key(j, "rule");
    if (d->policy && d->rule >= 0) {
        json_array_begin(j);
        json_cstr(j, d->policy);
        json_int(j, d->rule);
        json_array_end(j);
    } else {
        json_null(j);
    }
    json_key(j, "policies");
    json_array_begin(j);
    const char *p;
    for (size_t i = 0;
         s->pod != KG_POD_NONE && (p = kg_pod_policy(rs, s->pod, dir, i)); i++)
        json_cstr(j, p);
    json_array_end(j);
    json_kv_cstr(j, "tier",
                 d->tier > 0 && d->tier <= KG_TIER_DEFAULT ? tiers[d->tier]
                                                           : NULL);
    json_kv_cstr(j, "action",
                 d->action > 0 && d->action <= KG_ACTION_PASS
                     ? actions[d->action]
                     : NULL);
    json_kv_cstr(j, "policy_kind", d->policy_kind);
    json_kv_cstr(j, "rule_name", d->rule_name);
    if (d->priority >= 0)
        json_kv_int(j, "priority", d->priority);
    else
        json_kv_null(j, "priority");
    json_kv_cstr(j, "domain", d->domain);
    json_kv_cstr(j, "name", d->name);
    json_object_end(j);
}

/* The fields of kgress.Verdict, plus the flow. */
static void print_json(struct json *j, const kg_ruleset *rs,
                       const struct cli_field *src, const struct cli_field *dst,
                       unsigned port, int proto, const struct kg_verdict *v,
                       const char *reason)
{
    json_object_begin(j);
    json_kv_str(j, "src", src->s, src->n);
    json_kv_str(j, "dst", dst->s, dst->n);
    json_kv_int(j, "port", port);
    json_kv_cstr(j, "protocol", proto_name(proto));
    json_kv_bool(j, "allowed", v->allowed);
    side_bool(j, "egress", &v->egress);
    side_bool(j, "ingress", &v->ingress);
    json_kv_cstr(j, "reason", reason);
    json_key(j, "policies");
    write_policies(j, rs, v);
    json_kv_cstr(j, "src_pod", v->egress.pod_name);
    json_kv_cstr(j, "dst_pod", v->ingress.pod_name);
    json_kv_cstr(j, "egress_reason", kg_reason_name(v->egress.reason));
    json_kv_cstr(j, "ingress_reason", kg_reason_name(v->ingress.reason));
    side_rule(j, "egress_rule", &v->egress);
    side_rule(j, "ingress_rule", &v->ingress);
    json_kv_cstr(j, "service", v->service);
    json_kv_int(j, "endpoints", v->endpoints);
    endpoint_addr(j, &v->endpoint);
    if (v->endpoint.family)
        json_kv_int(j, "endpoint_port", v->endpoint_port);
    else
        json_kv_null(j, "endpoint_port");
    side_object(j, "egress_side", rs, &v->egress, &v->egress_detail, KG_EGRESS);
    side_object(j, "ingress_side", rs, &v->ingress, &v->ingress_detail,
                KG_INGRESS);
    json_object_end(j);
    json_line_end(j);
}

/* A flow that cannot be judged: one error line (stdout, and stderr in text
 * mode when the flow came from stdin). Returns 2. */
static int flow_error(struct cli *c, unsigned long lineno, const char *what,
                      const char *s, size_t n)
{
    if (c->json) {
        json_object_begin(&c->out);
        if (lineno)
            json_kv_int(&c->out, "line", (long long)lineno);
        json_kv_cstr(&c->out, "error", kg_error_name(KG_EINVAL));
        json_kv_cstr(&c->out, "message", what);
        json_kv_str(&c->out, "input", s, n);
        json_object_end(&c->out);
        json_line_end(&c->out);
        return 2;
    }
    size_t shown = n > 200 ? 200 : n;
    const char *more = shown < n ? "..." : "";
    if (lineno) {
        printf("stdin:%lu: error: %s: ", lineno, what);
        cli_text(stdout, s, shown);
        printf("%s\n", more);
        fflush(stdout);
        fprintf(stderr, "kgress: stdin:%lu: %s: ", lineno, what);
    } else {
        fprintf(stderr, "kgress: %s: ", what);
    }
    cli_text(stderr, s, shown);
    fprintf(stderr, "%s\n", more);
    return 2;
}

/* --dst-name: the destination name every flow was dialled to (domainNames
 * peers of the cluster tiers, docs/domains.md), or NULL. */
static const char *dst_name;

/* --dns: the cache every flow is judged with, at time dns_now; NULL none. */
static kg_dns_cache *dns_cache;
static uint64_t dns_now;

/* Judges one flow; returns 0 allowed, 1 denied, 2 malformed. */
static int one_flow(struct cli *c, const kg_ruleset *rs, unsigned long lineno,
                    const struct cli_field *f, int nf)
{
    struct kg_addr s, d;
    const char *e;
    if ((e = parse_end(rs, f[0].s, f[0].n, &s)))
        return flow_error(c, lineno, e, f[0].s, f[0].n);
    if ((e = parse_end(rs, f[1].s, f[1].n, &d)))
        return flow_error(c, lineno, e, f[1].s, f[1].n);
    unsigned port;
    if (!cli_parse_port(f[2].s, f[2].n, &port))
        return flow_error(c, lineno, "not a port (0-65535)", f[2].s, f[2].n);
    int proto = KG_PROTO_TCP;
    if (nf > 3) {
        proto = kg_protocol_parse(f[3].s, f[3].n);
        if (proto < 0)
            return flow_error(c, lineno, "protocol is TCP, UDP or SCTP, not",
                              f[3].s, f[3].n);
    }
    struct kg_verdict v;
    memset(&v, 0, sizeof(v));
    v.size = sizeof(v);
    struct kg_flow fl;
    memset(&fl, 0, sizeof(fl));
    fl.size = sizeof(fl);
    fl.src = s;
    fl.dst = d;
    fl.protocol = proto;
    fl.port = port;
    char name[KG_DNS_NAME_BUF];
    if (dst_name) {
        fl.dst_name = dst_name;
        fl.dst_name_len = strlen(dst_name);
        fl.name_trust = KG_NAME_DIALLED;
    }
    if (dns_cache) {
        fl.cache = dns_cache;
        fl.now = dns_now;
    }
    if (dst_name || dns_cache) {
        fl.name_buf = name;
        fl.name_buf_size = sizeof(name);
    }
    if (kg_check_flow(rs, &fl, &v))
        return flow_error(c, lineno, "cannot check this flow", f[0].s, 0);
    char reason[1024];
    size_t need = kg_verdict_format(&v, reason, sizeof(reason));
    if (c->json) {
        print_json(&c->out, rs, &f[0], &f[1], port, proto, &v, reason);
    } else {
        printf("%.*s %.*s %u/%s: %s%s\n", (int)f[0].n, f[0].s, (int)f[1].n,
               f[1].s, port, proto_name(proto), reason,
               need >= sizeof(reason) ? "..." : "");
        fflush(stdout);
    }
    return v.allowed ? 0 : 1;
}

static int flows_from_stdin(struct cli *c, const kg_ruleset *rs)
{
    int st = 0;
    struct cli_lines in;
    const char *line;
    size_t n;
    cli_lines_init(&in, stdin);
    while (cli_lines_next(&in, &line, &n)) {
        struct cli_field f[4];
        int nf = cli_fields(line, n, f, 4);
        if (nf == 0 || f[0].s[0] == '#')
            continue;
        int r;
        if (nf < 3 || nf > 4)
            r = flow_error(c, in.lineno, "expected SRC DST PORT [PROTOCOL]",
                           line, n);
        else
            r = one_flow(c, rs, in.lineno, f, nf);
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

/* Judges every flow; returns the worst status. */
static int judge(struct cli *c, const kg_ruleset *rs,
                 const struct cli_lineset *f, void *user)
{
    (void)user;
    int st = 0;
    for (size_t i = 0; i < f->n; i++) {
        struct cli_field fl[4];
        int nf = cli_fields(f->line[i], strlen(f->line[i]), fl, 4);
        if (nf == 0 || fl[0].s[0] == '#')
            continue;
        int r = nf < 3 || nf > 4
                    ? flow_error(c, i + 1, "expected SRC DST PORT [PROTOCOL]",
                                 f->line[i], strlen(f->line[i]))
                    : one_flow(c, rs, 0, fl, nf);
        if (r > st)
            st = r;
    }
    return st;
}

/* A decimal count of seconds (the cache's time). */
static bool parse_time(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 20)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

static int hexval(char ch)
{
    return ch >= '0' && ch <= '9'   ? ch - '0'
           : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
           : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                    : -1;
}

static int dns_error(const char *file, unsigned long lineno, const char *what,
                     const char *s, size_t n)
{
    fprintf(stderr, "kgress: %s:%lu: %s", file, lineno, what);
    if (n) {
        fprintf(stderr, ": ");
        cli_text(stderr, s, n > 200 ? 200 : n);
        if (n > 200)
            fprintf(stderr, "...");
    }
    fprintf(stderr, "\n");
    return 2;
}

#define DNS_LINE_FIELDS (4 + 256) /* TIME CLIENT NAME TTL, 256 addresses */

/* One observation line of --dns into dns_cache; 0 or 2 (reported). */
static int dns_line(const kg_ruleset *rs, const char *file,
                    unsigned long lineno, const char *line, size_t n,
                    uint64_t *latest)
{
    static struct cli_field f[DNS_LINE_FIELDS];
    static struct kg_addr addrs[DNS_LINE_FIELDS];
    static uint8_t msg[65535];
    int nf = cli_fields(line, n, f, DNS_LINE_FIELDS);
    if (nf == 0 || f[0].s[0] == '#')
        return 0;
    if (nf > DNS_LINE_FIELDS)
        return dns_error(file, lineno, "more than 256 addresses", NULL, 0);
    if (nf != 3 && nf < 5)
        return dns_error(file, lineno,
                         "expected TIME CLIENT NAME TTL ADDR... or TIME "
                         "CLIENT HEX-MESSAGE",
                         line, n);
    uint64_t t;
    if (!parse_time(f[0].s, f[0].n, &t))
        return dns_error(file, lineno, "not a time (decimal seconds)", f[0].s,
                         f[0].n);
    struct kg_addr client;
    bool has_client = !(f[1].n == 1 && f[1].s[0] == '-');
    const char *e;
    if (has_client && (e = parse_end(rs, f[1].s, f[1].n, &client)))
        return dns_error(file, lineno, e, f[1].s, f[1].n);
    int rc;
    if (nf == 3) {
        if (f[2].n % 2 || f[2].n / 2 > sizeof(msg))
            return dns_error(file, lineno,
                             "a DNS message is an even number of hex digits, "
                             "at most 65535 bytes",
                             NULL, 0);
        for (size_t i = 0; i < f[2].n / 2; i++) {
            int hi = hexval(f[2].s[2 * i]), lo = hexval(f[2].s[2 * i + 1]);
            if (hi < 0 || lo < 0)
                return dns_error(file, lineno, "not hexadecimal", f[2].s,
                                 f[2].n);
            msg[i] = (uint8_t)(hi << 4 | lo);
        }
        rc = kg_dns_cache_observe_msg(dns_cache, has_client ? &client : NULL,
                                      msg, f[2].n / 2, t);
    } else {
        uint64_t ttl;
        if (!parse_time(f[3].s, f[3].n, &ttl) || ttl > UINT32_MAX)
            return dns_error(file, lineno, "not a TTL (0-4294967295 s)", f[3].s,
                             f[3].n);
        for (int i = 4; i < nf; i++)
            if (kg_addr_parse(f[i].s, f[i].n, &addrs[i - 4]) != 0)
                return dns_error(file, lineno, "not an IP address", f[i].s,
                                 f[i].n);
        rc = kg_dns_cache_observe(dns_cache, has_client ? &client : NULL,
                                  f[2].s, f[2].n, addrs, (size_t)nf - 4,
                                  (uint32_t)ttl, t);
        if (rc == KG_EINVAL)
            return dns_error(file, lineno, "not a valid DNS name", f[2].s,
                             f[2].n);
    }
    if (rc == KG_ELIMIT_CACHE) {
        fprintf(stderr,
                "kgress: %s:%lu: warning: a DNS cache limit dropped live "
                "bindings (--limit-dns-*) [KG_ELIMIT_CACHE]\n",
                file, lineno);
    } else if (rc) {
        return dns_error(file, lineno, kg_strerror(rc), NULL, 0);
    }
    if (t > *latest)
        *latest = t;
    return 0;
}

/* Reads --dns FILE into a new dns_cache; sets dns_now. 0 or 2. */
static int dns_load(struct cli *c, const kg_ruleset *rs, const char *file)
{
    FILE *in = fopen(file, "r");
    if (!in) {
        fprintf(stderr, "kgress: %s: %s\n", file, strerror(errno));
        return 2;
    }
    dns_cache = kg_dns_cache_new(c->opts);
    if (!dns_cache) {
        fclose(in);
        fprintf(stderr, "kgress: cannot allocate the DNS cache "
                        "(--limit-dns-entries, --limit-dns-names)\n");
        return 2;
    }
    struct cli_lines l;
    const char *line;
    size_t n;
    uint64_t latest = 0;
    int st = 0;
    cli_lines_init(&l, in);
    while (!st && cli_lines_next(&l, &line, &n))
        st = dns_line(rs, file, l.lineno, line, n, &latest);
    if (!st && ferror(in)) {
        fprintf(stderr, "kgress: %s: read error\n", file);
        st = 2;
    }
    cli_lines_free(&l);
    fclose(in);
    const char *now = cli_value(c, OPT_NOW);
    if (!st && now && !parse_time(now, strlen(now), &latest))
        st = cli_usage_error(c, "--now is a time in decimal seconds");
    dns_now = latest;
    return st;
}

static int check(struct cli *c)
{
    const char *src = cli_value(c, OPT_SRC), *dst = cli_value(c, OPT_DST);
    const char *port = cli_value(c, OPT_PORT);
    const char *proto = cli_value(c, OPT_PROTOCOL);
    dst_name = cli_value(c, OPT_DST_NAME);
    bool one = src || dst || port || proto;
    if (one && (!src || !dst || !port))
        return cli_usage_error(c, "--src, --dst and --port go together");
    const char *events = cli_value(c, OPT_WATCH);
    const char *flows_file = cli_value(c, OPT_FLOWS);
    if (flows_file && !events)
        return cli_usage_error(c, "--flows goes with --watch");
    if (cli_value(c, OPT_NOW) && !cli_value(c, OPT_DNS))
        return cli_usage_error(c, "--now goes with --dns");
    if (events && cli_value(c, OPT_DNS))
        return cli_usage_error(c, "--dns does not go with --watch");
    if (events) {
        if (one && flows_file)
            return cli_usage_error(c, "--flows or --src/--dst/--port, not "
                                      "both");
        if (!one && !flows_file && strcmp(events, "-") == 0)
            return cli_usage_error(c, "with --watch -, give the flows with "
                                      "--flows FILE or --src/--dst/--port");
        struct cli_lineset f = {0};
        bool ok = true;
        if (one) {
            char line[1024];
            int n = snprintf(line, sizeof(line), "%s %s %s %s", src, dst, port,
                             proto ? proto : "");
            ok = n > 0 && (size_t)n < sizeof(line) &&
                 cli_lineset_add(&f, line, (size_t)n);
        } else {
            FILE *in = flows_file ? fopen(flows_file, "r") : stdin;
            if (!in) {
                fprintf(stderr, "kgress: %s: %s\n", flows_file,
                        strerror(errno));
                return 2;
            }
            struct cli_lines l;
            const char *line;
            size_t n;
            cli_lines_init(&l, in);
            while (ok && cli_lines_next(&l, &line, &n))
                ok = cli_lineset_add(&f, line, n);
            cli_lines_free(&l);
            if (in != stdin)
                fclose(in);
        }
        int st = ok ? cli_watch(c, events, &f, judge, NULL) : 2;
        if (!ok)
            fprintf(stderr, "kgress: out of memory\n");
        cli_lineset_free(&f);
        return st;
    }
    int st;
    kg_ruleset *rs = cli_load(c, &st);
    if (!rs)
        return st ? st : 1;
    const char *dns = cli_value(c, OPT_DNS);
    if (dns && (st = dns_load(c, rs, dns)) != 0) {
        kg_dns_cache_free(dns_cache);
        kg_ruleset_unref(rs);
        return st;
    }
    if (one) {
        struct cli_field f[4] = {{src, strlen(src)},
                                 {dst, strlen(dst)},
                                 {port, strlen(port)},
                                 {proto, proto ? strlen(proto) : 0}};
        st = one_flow(c, rs, 0, f, proto ? 4 : 3);
    } else {
        st = flows_from_stdin(c, rs);
    }
    kg_dns_cache_free(dns_cache);
    dns_cache = NULL;
    kg_ruleset_unref(rs);
    return st;
}

static const struct cli_option check_options[] = {
    {"src", "SRC", OPT_SRC, "source: an IP address or NAMESPACE/POD"},
    {"dst", "DST", OPT_DST, "destination: an IP address or NAMESPACE/POD"},
    {"port", "PORT", OPT_PORT, "destination port, 0-65535"},
    {"protocol", "PROTO", OPT_PROTOCOL, "TCP (default), UDP or SCTP"},
    {"watch", "EVENTS", OPT_WATCH,
     "then apply this watch stream (- stdin), judging after each batch"},
    {"flows", "FILE", OPT_FLOWS, "with --watch: the flows to judge"},
    {"dst-name", "NAME", OPT_DST_NAME,
     "the destination name the source dialled, for domainNames rules"},
    {"domain", "NAME", OPT_DST_NAME, "the same as --dst-name"},
    {"dns", "FILE", OPT_DNS,
     "DNS observations (lines or hex responses) for domainNames rules"},
    {"now", "TIME", OPT_NOW,
     "with --dns: the flows' time (default: the latest observation's)"},
    {NULL, NULL, 0, NULL},
};

const struct cli_command cmd_check = {
    .name = "check",
    .synopsis = "[OPTION]... FILE|DIR... --src SRC --dst DST --port PORT "
                "[--protocol PROTO]\n"
                "[OPTION]... FILE|DIR... < FLOWS\n"
                "[OPTION]... FILE|DIR... --watch EVENTS [--flows FLOWS]",
    .summary = "may a flow pass the NetworkPolicies",
    .description =
        "Compiles the NetworkPolicies, Pods and Namespaces of the manifests\n"
        "and judges one flow, or one per line of stdin: \"SRC DST PORT\n"
        "[PROTOCOL]\" (blank and '#' lines are skipped). SRC and DST are IP\n"
        "addresses or pods by name, NAMESPACE/POD. A flow is judged on the\n"
        "egress side of the source pod and the ingress side of the\n"
        "destination pod; the answer says, for each, the pod and the policy\n"
        "rule that allowed it or how many policies isolate it. Each answer\n"
        "(or error) is one line, written and flushed as soon as its line is\n"
        "read, so the tool can run as a coprocess. With --json one object\n"
        "per flow with the fields of kgress.Verdict plus src, dst, port and\n"
        "protocol; a line that is no flow gives {\"line\", \"error\",\n"
        "\"message\", \"input\"}. Diagnostics of the load go to stderr (JSON\n"
        "lines with --json).\n\n"
        "With --watch EVENTS the manifests are the initial state and EVENTS\n"
        "a Kubernetes watch stream (kubectl get --watch -o json\n"
        "--output-watch-events; plain objects count as ADDED; - for stdin):\n"
        "the flows (--src..., --flows FLOWS, or stdin) are judged on the\n"
        "initial state (batch 0) and again after each batch of events, a\n"
        "line \"# batch N: resourceVersion RV, M objects\" (--json: "
        "{\"batch\",\n"
        "\"resource_version\", \"objects\"}) before each round. A batch is\n"
        "what arrives together on a pipe, and in any stream the events up\n"
        "to a blank line. Rejected events are reported on stderr and change\n"
        "nothing.\n\n"
        "With --dns FILE, DNS observations fill a name cache first, and\n"
        "domainNames rules match the names it holds for each flow's\n"
        "destination address at --now TIME (default: the latest\n"
        "observation's). One per line: \"TIME CLIENT NAME TTL ADDR...\" or\n"
        "\"TIME CLIENT HEX\" (a DNS response message in hexadecimal); CLIENT\n"
        "is an address, a pod or - for none. A refused line is an error at\n"
        "FILE:LINE and nothing is judged.\n\n"
        "Exit status: 0 every flow allowed, 1 one was denied (or the\n"
        "manifests are invalid), 2 usage or I/O error or a malformed flow;\n"
        "with --watch, those of the last batch, or 3 when the stream ended\n"
        "with an ERROR event (410 Gone: list again).",
    .loads = true,
    .options = check_options,
    .run = check,
};
