// SPDX-License-Identifier: MIT
/*
 * test_gateway_conformance.c - the Gateway API conformance scenarios
 * (kubernetes-sigs/gateway-api conformance/tests, transcribed into
 * tests/data/gateway: base.yaml for conformance/base/manifests.yaml, and
 * per scenario NAME.yaml with its manifests and NAME.req with its requests
 * and expected answers). Every NAME.req of the directory is run: its
 * manifests are compiled with base.yaml, and every request, routed with
 * the public kg_route_request, must get exactly the expected answer.
 *
 * NAME.req lines (blank lines and '#' comments are skipped):
 *   gateway NAMESPACE/NAME PORT          the Gateway and listener port of
 *                                        the requests that follow
 *   METHOD HOST PATH [Name:value ...] [sni=NAME] => ANSWER
 * (sni=NAME: the TLS server name of the connection)
 * HOST "-" is the Gateway's address (192.0.2.1), as the conformance harness
 * sends it; like the harness, every request gets an extra query parameter
 * (gateway-api-conformance-request-id), which must never change a match.
 * ANSWER is one of
 *   SERVICE or NAMESPACE/SERVICE      forwarded (namespace default:
 *                                     gateway-conformance-infra)
 *   ... rewrite=HOST,PATH             with a URLRewrite ("=": unchanged)
 *   404 | 421 | 500                   no match | misdirected (the SNI's
 *                                     listener is not the Host's) |
 *                                     nothing to forward
 *   3xx SCHEME://HOST:PORT/PATH       a redirect's Location parts
 *   dist SERVICE=N ...                over the picks 0..sum(N)-1, each
 *                                     Service answers exactly N times
 *   ... mirror=[NS/]SERVICE           a RequestMirror to that Service (its
 *                                     reference resolved), one per filter
 * optionally followed by " | " and checks of the header modifiers the
 * answer returns, applied as the HTTPHeaderFilter docs say (set replaces
 * every value of the name or adds it, add appends ",value" to an existing
 * one, remove deletes; names case-insensitive), the rule's filters first,
 * then the backend's:
 *   H:Name=value | !H:Name            the request the backend receives has
 *                                     that header with exactly that value,
 *                                     or not at all
 *   R:Name=value | !R:Name            the same for the response, the echo
 *                                     backend answering with the headers
 *                                     it received (as the harness's does)
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "kgress.h"

#define INFRA "gateway-conformance-infra"
#define GW_ADDR "192.0.2.1"

static const char *data_dir;
static size_t n_scenarios, n_requests, n_checks;

static kg_ruleset *compile(const char *name)
{
    char base[1024], path[1024];
    snprintf(base, sizeof(base), "%s/base.yaml", data_dir);
    snprintf(path, sizeof(path), "%s/%s.yaml", data_dir, name);
    kg_builder *b = kg_builder_new(NULL);
    assert_non_null(b);
    assert_int_equal(kg_builder_add_file(b, base), 0);
    assert_int_equal(kg_builder_add_file(b, path), 0);
    kg_ruleset *rs = NULL;
    int rc = kg_builder_compile(b, &rs);
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    for (size_t k = 0; k < kg_diagnostics_count(d); k++) {
        char line[800];
        kg_diagnostic_format(d, k, line, sizeof(line));
        fprintf(stderr, "%s: %s\n", name, line);
    }
    assert_int_equal(rc, 0);
    kg_builder_free(b);
    return rs;
}

struct req {
    char gateway[256];
    unsigned port;
    char method[16], host[256], path[1024];
    struct kg_header h[16];
    size_t nh;
    char sni[256]; /* "" none */
};

static void put(char *o, size_t cap, const char *p, size_t n)
{
    size_t k = strlen(o);
    snprintf(o + k, cap - k, "%.*s", (int)n, p ? p : "");
}

static void put_mirrors(char *o, size_t cap, const struct kg_filter *f,
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (f[i].type != KG_FILTER_MIRROR)
            continue;
        size_t k = strlen(o);
        snprintf(o + k, cap - k, " mirror=%s%s%s%s",
                 strcmp(f[i].mirror_ns, INFRA) ? f[i].mirror_ns : "",
                 strcmp(f[i].mirror_ns, INFRA) ? "/" : "", f[i].mirror_service,
                 f[i].mirror_valid ? "" : "(invalid)");
    }
}

/* The answer string of r with pick (the ANSWER grammar above); *res keeps
 * the answer when res is not NULL. */
static void answer_r(const kg_ruleset *rs, const struct req *r, uint64_t pick,
                     char *o, size_t cap, struct kg_route *keep);
static void answer(const kg_ruleset *rs, const struct req *r, uint64_t pick,
                   char *o, size_t cap)
{
    answer_r(rs, r, pick, o, cap, NULL);
}

static void answer_r(const kg_ruleset *rs, const struct req *r, uint64_t pick,
                     char *o, size_t cap, struct kg_route *keep)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s%cgateway-api-conformance-request-id=7",
             r->path, strchr(r->path, '?') ? '&' : '?');
    const char *host = strcmp(r->host, "-") == 0 ? GW_ADDR : r->host;
    struct kg_http_request q = {
        .size = sizeof(q),
        .gateway = r->gateway,
        .gateway_len = strlen(r->gateway),
        .port = r->port,
        .host = host,
        .host_len = strlen(host),
        .path = path,
        .path_len = strlen(path),
        .method = r->method,
        .method_len = strlen(r->method),
        .headers = r->h,
        .n_headers = r->nh,
        .pick = pick,
        .sni = r->sni[0] ? r->sni : NULL,
        .sni_len = strlen(r->sni),
    };
    char buf[4096];
    struct kg_route res = {.size = sizeof(res)};
    int rc = kg_route_request(rs, &q, buf, sizeof(buf), &res);
    o[0] = '\0';
    if (rc) {
        snprintf(o, cap, "%s", rc == KG_ENOMATCH ? "404" : kg_error_name(rc));
        return;
    }
    if (res.status >= 300 && res.status < 400) {
        snprintf(o, cap, "%d %s://%s:%u%s", res.status, res.redirect_scheme,
                 res.redirect_host, res.redirect_port, res.redirect_path);
        return;
    }
    if (res.status) {
        snprintf(o, cap, "%d", res.status);
        return;
    }
    if (strcmp(res.backend_ns, INFRA) != 0)
        snprintf(o, cap, "%s/", res.backend_ns);
    put(o, cap, res.service, res.service_len);
    if (res.rewrite_host_len || res.rewrite_path_len) {
        size_t k = strlen(o);
        snprintf(o + k, cap - k, " rewrite=%s,%s",
                 res.rewrite_host_len ? res.rewrite_host : "=",
                 res.rewrite_path_len ? res.rewrite_path : "=");
    }
    put_mirrors(o, cap, res.filters, res.n_filters);
    put_mirrors(o, cap, res.backend_filters, res.n_backend_filters);
    if (keep)
        *keep = res;
}

/* ------------------------------------------------------- header checks */

#define MAX_HDR 32
struct hdrs {
    char name[MAX_HDR][64], value[MAX_HDR][256];
    size_t n;
};

static int hfind(const struct hdrs *h, const char *name, size_t from)
{
    for (size_t i = from; i < h->n; i++)
        if (strcasecmp(h->name[i], name) == 0)
            return (int)i;
    return -1;
}

static void hdel(struct hdrs *h, const char *name)
{
    for (int i; (i = hfind(h, name, 0)) >= 0;) {
        h->n--;
        memmove(h->name[i], h->name[h->n], sizeof(h->name[i]));
        memmove(h->value[i], h->value[h->n], sizeof(h->value[i]));
    }
}

static void hput(struct hdrs *h, const char *name, const char *value)
{
    assert_true(h->n < MAX_HDR);
    snprintf(h->name[h->n], sizeof(h->name[0]), "%s", name);
    snprintf(h->value[h->n], sizeof(h->value[0]), "%s", value);
    h->n++;
}

/* The header modifiers of type among f[0..n) applied to h. */
static void happly(struct hdrs *h, const struct kg_filter *f, size_t n,
                   int type)
{
    for (size_t i = 0; i < n; i++) {
        if (f[i].type != type)
            continue;
        for (size_t k = 0; k < f[i].n_ops; k++) {
            const struct kg_header_op *op = &f[i].ops[k];
            int at = hfind(h, op->name, 0);
            if (op->op == KG_HEADER_REMOVE) {
                hdel(h, op->name);
            } else if (op->op == KG_HEADER_SET || at < 0) {
                hdel(h, op->name);
                hput(h, op->name, op->value);
            } else { /* add to an existing header */
                assert_int_equal(op->op, KG_HEADER_ADD);
                size_t len = strlen(h->value[at]);
                snprintf(h->value[at] + len, sizeof(h->value[0]) - len, ",%s",
                         op->value);
            }
        }
    }
}

static void check_headers(const struct req *r, const struct kg_route *res,
                          char *checks, const char *where)
{
    struct hdrs rq = {.n = 0}, rsp;
    for (size_t i = 0; i < r->nh; i++) {
        char n[64], v[256];
        snprintf(n, sizeof(n), "%.*s", (int)r->h[i].name_len, r->h[i].name);
        snprintf(v, sizeof(v), "%.*s", (int)r->h[i].value_len, r->h[i].value);
        hput(&rq, n, v);
    }
    happly(&rq, res->filters, res->n_filters, KG_FILTER_REQUEST_HEADER);
    happly(&rq, res->backend_filters, res->n_backend_filters,
           KG_FILTER_REQUEST_HEADER);
    rsp = rq; /* the echo backend */
    happly(&rsp, res->filters, res->n_filters, KG_FILTER_RESPONSE_HEADER);
    happly(&rsp, res->backend_filters, res->n_backend_filters,
           KG_FILTER_RESPONSE_HEADER);
    char *save = NULL;
    for (char *t = strtok_r(checks, " ", &save); t;
         t = strtok_r(NULL, " ", &save)) {
        bool absent = t[0] == '!';
        const char *c = t + absent;
        assert_true((c[0] == 'H' || c[0] == 'R') && c[1] == ':');
        const struct hdrs *h = c[0] == 'H' ? &rq : &rsp;
        char name[64];
        const char *eq = strchr(c + 2, '=');
        snprintf(name, sizeof(name), "%.*s",
                 (int)(eq ? (size_t)(eq - c - 2) : strlen(c + 2)), c + 2);
        int at = hfind(h, name, 0);
        bool ok = absent
                      ? at < 0
                      : eq && at >= 0 && hfind(h, name, (size_t)at + 1) < 0 &&
                            strcmp(h->value[at], eq + 1) == 0;
        if (!ok)
            fprintf(stderr, "%s: %s does not hold (got %s)\n", where, t,
                    at >= 0 ? h->value[at] : "none");
        assert_true(ok);
        n_checks++;
    }
}

/* Checks a "dist SERVICE=N ..." answer. */
static void check_dist(const kg_ruleset *rs, const struct req *r,
                       const char *want, const char *where)
{
    char copy[512], got[600];
    snprintf(copy, sizeof(copy), "%s", want + 5);
    const char *names[8];
    long wants[8], counts[8] = {0}, total = 0;
    size_t n = 0;
    for (char *t = strtok(copy, " "); t && n < 8; t = strtok(NULL, " ")) {
        char *eq = strchr(t, '=');
        assert_non_null(eq);
        *eq = '\0';
        names[n] = t;
        wants[n] = atol(eq + 1);
        total += wants[n++];
    }
    for (long p = 0; p < total; p++) {
        answer(rs, r, (uint64_t)p, got, sizeof(got));
        size_t k = 0;
        while (k < n && strcmp(names[k], got) != 0)
            k++;
        if (k == n) {
            fprintf(stderr, "%s: pick %ld answered %s\n", where, p, got);
            fail();
        }
        counts[k]++;
    }
    for (size_t k = 0; k < n; k++) {
        if (counts[k] != wants[k])
            fprintf(stderr, "%s: %s answered %ld times, want %ld\n", where,
                    names[k], counts[k], wants[k]);
        assert_int_equal(counts[k], wants[k]);
    }
}

static void run_scenario(const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s.req", data_dir, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    kg_ruleset *rs = compile(name);
    struct req r;
    memset(&r, 0, sizeof(r));
    char line[2048];
    unsigned lineno = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        char where[1200];
        snprintf(where, sizeof(where), "%s.req:%u", name, lineno);
        if (strncmp(line, "gateway ", 8) == 0) {
            assert_int_equal(sscanf(line + 8, "%255s %u", r.gateway, &r.port),
                             2);
            continue;
        }
        char *arrow = strstr(line, " => ");
        assert_non_null(arrow);
        *arrow = '\0';
        const char *want = arrow + 4;
        char *checks = strstr(arrow + 4, " | ");
        if (checks) {
            *checks = '\0';
            checks += 3;
        }
        char reqtext[2048];
        snprintf(reqtext, sizeof(reqtext), "%s", line);
        char *save = NULL;
        char *m = strtok_r(reqtext, " ", &save);
        char *h = strtok_r(NULL, " ", &save);
        char *p = strtok_r(NULL, " ", &save);
        assert_true(m && h && p);
        snprintf(r.method, sizeof(r.method), "%s", m);
        snprintf(r.host, sizeof(r.host), "%s", h);
        snprintf(r.path, sizeof(r.path), "%s", p);
        r.nh = 0;
        r.sni[0] = '\0';
        for (char *t; (t = strtok_r(NULL, " ", &save)) && r.nh < 16;) {
            if (strncmp(t, "sni=", 4) == 0) {
                snprintf(r.sni, sizeof(r.sni), "%s", t + 4);
                continue;
            }
            char *colon = strchr(t, ':');
            assert_non_null(colon);
            r.h[r.nh].name = t;
            r.h[r.nh].name_len = (size_t)(colon - t);
            r.h[r.nh].value = colon + 1;
            r.h[r.nh].value_len = strlen(colon + 1);
            r.nh++;
        }
        n_requests++;
        if (strncmp(want, "dist ", 5) == 0) {
            check_dist(rs, &r, want, where);
            continue;
        }
        char got[800];
        struct kg_route res;
        answer_r(rs, &r, 0, got, sizeof(got), &res);
        if (strcmp(got, want) != 0)
            fprintf(stderr, "%s: %s: got %s, want %s\n", where, line, got,
                    want);
        assert_string_equal(got, want);
        if (checks)
            check_headers(&r, &res, checks, where);
    }
    fclose(f);
    kg_ruleset_unref(rs);
    n_scenarios++;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_conformance(void **state)
{
    (void)state;
    DIR *d = opendir(data_dir);
    assert_non_null(d);
    char *names[256];
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 256;) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".req") == 0)
            names[n++] = strndup(e->d_name, len - 4);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), name_cmp);
    for (size_t i = 0; i < n; i++) {
        run_scenario(names[i]);
        free(names[i]);
    }
    fprintf(stderr,
            "gateway conformance: %zu scenarios, %zu requests, %zu header "
            "checks\n",
            n_scenarios, n_requests, n_checks);
    assert_true(n_scenarios >= 15);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
        return 2;
    }
    data_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conformance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
