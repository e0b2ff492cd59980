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
 *   METHOD HOST PATH [Name:value ...] => ANSWER
 * HOST "-" is the Gateway's address (192.0.2.1), as the conformance harness
 * sends it; like the harness, every request gets an extra query parameter
 * (gateway-api-conformance-request-id), which must never change a match.
 * ANSWER is one of
 *   SERVICE or NAMESPACE/SERVICE      forwarded (namespace default:
 *                                     gateway-conformance-infra)
 *   ... rewrite=HOST,PATH             with a URLRewrite ("=": unchanged)
 *   404 | 500                         no match | nothing to forward
 *   3xx SCHEME://HOST:PORT/PATH       a redirect's Location parts
 *   dist SERVICE=N ...                over the picks 0..sum(N)-1, each
 *                                     Service answers exactly N times
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kgress.h"

#define INFRA "gateway-conformance-infra"
#define GW_ADDR "192.0.2.1"

static const char *data_dir;
static size_t n_scenarios, n_requests;

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
};

static void put(char *o, size_t cap, const char *p, size_t n)
{
    size_t k = strlen(o);
    snprintf(o + k, cap - k, "%.*s", (int)n, p ? p : "");
}

/* The answer string of r with pick (the ANSWER grammar above). */
static void answer(const kg_ruleset *rs, const struct req *r, uint64_t pick,
                   char *o, size_t cap)
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
        for (char *t; (t = strtok_r(NULL, " ", &save)) && r.nh < 16;) {
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
        answer(rs, &r, 0, got, sizeof(got));
        if (strcmp(got, want) != 0)
            fprintf(stderr, "%s: %s: got %s, want %s\n", where, line, got,
                    want);
        assert_string_equal(got, want);
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
    fprintf(stderr, "gateway conformance: %zu scenarios, %zu requests\n",
            n_scenarios, n_requests);
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
