// SPDX-License-Identifier: MIT
/*
 * test_route_diff_pairs.c - kg_route_diff (docs/diff.md) on random pairs
 * of rule sets: Ingress against Ingress (portable and ingress-nginx),
 * HTTPRoutes against HTTPRoutes, Ingress against HTTPRoutes.
 *
 * Two properties, each checked with a signature of answers this test
 * computes itself (rc, and for each backend its share over every pick of
 * the total weight), independent of the library's answer text:
 *   1. every class the diff reports differs: its witness request gets
 *      different signatures from the two sets;
 *   2. nothing outside the report differs: a random request whose
 *      signatures differ lies in a reported class (its host, path and
 *      conditions match the class's description) whose witness has the
 *      same two signatures. For pairs without regular expressions, where
 *      the diff says it is exact, this must hold for every request.
 * Plus hand-written cases: equal sets (nothing reported, exit status of
 * the summary 0), the callback's stop value, argument errors.
 *
 * KGRESS_TEST_SCALE scales the number of pairs (e.g. 0.01 under valgrind).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kgress.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* ------------------------------------------------------------ manifests */

struct buf {
    char *p;
    size_t n, cap;
};

static void put(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0,
                          fmt, ap);
        va_end(ap);
        assert_true(n >= 0);
        if (b->p && b->n + (size_t)n < b->cap) {
            b->n += (size_t)n;
            return;
        }
        b->cap = (b->cap + (size_t)n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
}

static const char *const hosts[] = {"a.x.test", "b.x.test", "*.x.test",
                                    "c.a.x.test", "*.a.x.test"};
static const char *const paths[] = {"/",   "/a", "/a/",   "/a/b",
                                    "/ab", "/b", "/a/b/c"};
static const char *const svcs[] = {"s1", "s2", "s3", "s4"};

static void ingress_set(struct buf *b, bool nginx)
{
    int n = 1 + (int)rnd(4);
    for (int i = 0; i < n; i++) {
        put(b,
            "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\n"
            "metadata: {name: i%d, namespace: ns",
            i);
        bool rx = nginx && rnd(3) == 0;
        if (rx)
            put(b, ", annotations: {nginx.ingress.kubernetes.io/use-regex: "
                   "'true'}");
        put(b, "}\nspec:\n");
        bool def = rnd(4) == 0;
        if (def)
            put(b,
                "  defaultBackend: {service: {name: %s, port: {number: "
                "80}}}\n",
                svcs[rnd(4)]);
        int nr = (int)rnd(3) + !def;
        if (nr)
            put(b, "  rules:\n");
        for (int r = 0; r < nr; r++) {
            if (rnd(4))
                put(b, "  - host: '%s'\n    http:\n", hosts[rnd(5)]);
            else
                put(b, "  - http:\n");
            put(b, "      paths:\n");
            int np = 1 + (int)rnd(3);
            for (int k = 0; k < np; k++) {
                const char *type = rnd(2) ? "Prefix" : "Exact";
                const char *p = paths[rnd(7)];
                if (rx && rnd(2)) {
                    type = "ImplementationSpecific";
                    p = rnd(2) ? "/a[0-9]+" : "/(a|b)/c";
                } else if (nginx && rnd(4) == 0) {
                    type = "ImplementationSpecific";
                }
                put(b,
                    "      - path: '%s'\n        pathType: %s\n"
                    "        backend: {service: {name: %s, port: {number: "
                    "80}}}\n",
                    p, type, svcs[rnd(4)]);
            }
        }
    }
}

static void gateway_set(struct buf *b, bool rx)
{
    put(b, "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
           "metadata: {name: gw, namespace: ns}\nspec:\n"
           "  gatewayClassName: c\n  listeners:\n"
           "  - {name: http, port: 80, protocol: HTTP}\n");
    if (rnd(3) == 0)
        put(b, "  - {name: wild, port: 80, protocol: HTTP, hostname: "
               "'*.a.x.test'}\n");
    int n = 1 + (int)rnd(3);
    for (int i = 0; i < n; i++) {
        put(b,
            "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
            "metadata: {name: r%d, namespace: ns, creationTimestamp: "
            "'2024-01-01T00:00:0%dZ'}\nspec:\n  parentRefs: [{name: gw}]\n",
            i, i);
        if (rnd(3)) {
            put(b, "  hostnames: ['%s'", hosts[rnd(5)]);
            if (rnd(2))
                put(b, ", '%s'", hosts[rnd(5)]);
            put(b, "]\n");
        }
        put(b, "  rules:\n");
        int nr = 1 + (int)rnd(3);
        for (int r = 0; r < nr; r++) {
            put(b, "  - matches:\n");
            int nm = 1 + (int)rnd(2);
            for (int m = 0; m < nm; m++) {
                uint32_t t = rnd(rx ? 5 : 4);
                if (t == 3) {
                    put(b, "    - {");
                } else if (t == 4) {
                    put(b, "    - {path: {type: RegularExpression, value: "
                           "'/a[0-9]*'}");
                } else {
                    put(b, "    - {path: {type: %s, value: '%s'}",
                        t ? "PathPrefix" : "Exact", paths[rnd(7)]);
                }
                const char *sep = t == 3 ? "" : ", ";
                if (rnd(3) == 0) {
                    put(b, "%smethod: %s", sep, rnd(2) ? "GET" : "POST");
                    sep = ", ";
                }
                if (rnd(3) == 0) {
                    put(b, "%sheaders: [{name: X-H, value: '%u'}]", sep,
                        1 + rnd(3));
                    sep = ", ";
                }
                if (rnd(4) == 0)
                    put(b, "%squeryParams: [{name: q, value: '%u'}]", sep,
                        1 + rnd(2));
                put(b, "}\n");
            }
            put(b, "    backendRefs:\n");
            int nb = 1 + (int)rnd(2);
            for (int k = 0; k < nb; k++)
                put(b, "    - {name: %s, port: 80, weight: %u}\n", svcs[rnd(4)],
                    rnd(4));
        }
    }
}

static kg_ruleset *compile(const char *yaml, bool nginx)
{
    kg_options *o = kg_options_new();
    assert_non_null(o);
    if (nginx)
        kg_options_set_dialect(o, KG_DIALECT_INGRESS_NGINX);
    kg_builder *b = kg_builder_new(o);
    assert_non_null(b);
    assert_int_equal(kg_builder_add_buffer(b, "t.yaml", yaml, strlen(yaml)), 0);
    kg_ruleset *rs = NULL;
    int rc = kg_builder_compile(b, &rs);
    if (rc) {
        const kg_diagnostics *d = kg_builder_diagnostics(b);
        for (size_t k = 0; k < kg_diagnostics_count(d); k++)
            fprintf(stderr, "%s\n", kg_diagnostic_message(d, k));
        fprintf(stderr, "%s\n", yaml);
    }
    assert_int_equal(rc, 0);
    kg_builder_free(b);
    kg_options_free(o);
    return rs;
}

/* ------------------------------------------------------------ signature */

struct req {
    const char *host;
    char path[256];
    const char *method;
    struct kg_header h[2];
    size_t nh;
};

/* The test's own answer signature: rc, or each backend's share over the
 * picks 0..total-1 (weights are small here). */
static void signature(const kg_ruleset *rs, bool gw, const struct req *q,
                      char *out, size_t cap)
{
    struct kg_http_request r;
    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    r.host = q->host;
    r.host_len = strlen(q->host);
    r.path = q->path;
    r.path_len = strlen(q->path);
    r.method = q->method;
    r.method_len = q->method ? strlen(q->method) : 0;
    r.headers = q->nh ? q->h : NULL;
    r.n_headers = q->nh;
    r.port = gw ? 80 : 0;
    char names[64][64];
    unsigned count[64];
    size_t nn = 0;
    uint64_t total = 1;
    for (uint64_t pick = 0; pick < total; pick++) {
        char buf[2048];
        struct kg_route a;
        memset(&a, 0, sizeof(a));
        a.size = sizeof(a);
        r.pick = pick;
        int rc = kg_route_request(rs, &r, buf, sizeof(buf), &a);
        if (rc) {
            snprintf(out, cap, "rc %d", rc);
            return;
        }
        if (pick == 0 && a.total_weight)
            total = a.total_weight;
        assert_true(total <= 64);
        char name[64];
        if (a.status)
            snprintf(name, sizeof(name), "status %d", a.status);
        else
            snprintf(name, sizeof(name), "%.*s/%.*s:%u", (int)a.ns_len, a.ns,
                     (int)a.service_len, a.service, a.port);
        size_t k = 0;
        while (k < nn && strcmp(names[k], name) != 0)
            k++;
        if (k == nn) {
            snprintf(names[nn], sizeof(names[nn]), "%s", name);
            count[nn++] = 0;
        }
        count[k]++;
    }
    /* sorted names, shares as fractions of the total in lowest terms */
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < nn; i++) {
        size_t m = 0;
        for (size_t k = 0; k < nn; k++)
            if (strcmp(names[k], names[m]) < 0 && count[k])
                m = k;
        while (!count[m])
            m++;
        unsigned g = count[m], t = (unsigned)total;
        for (unsigned x = g, y = t; y;) {
            unsigned z = x % y;
            x = y;
            y = z;
            g = x;
        }
        o += (size_t)snprintf(out + o, cap - o, "%s %u/%u;", names[m],
                              count[m] / g, t / g);
        count[m] = 0;
        names[m][0] = '\x7f';
    }
}

/* ------------------------------------------------------------ the diff */

struct row {
    char host[128], host_class[128], path[256], path_class[256];
    char method[16], conditions[256], answers[512];
    char hv[4][2][64];
    size_t nh;
    bool exact;
};

struct rows {
    struct row *v;
    size_t n, cap;
};

static int collect(void *user, const struct kg_route_diff *d)
{
    struct rows *rs = user;
    assert_true(d->size >= sizeof(struct kg_route_diff));
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 64;
        rs->v = realloc(rs->v, rs->cap * sizeof(*rs->v));
        assert_non_null(rs->v);
    }
    struct row *r = &rs->v[rs->n++];
    memset(r, 0, sizeof(*r));
    assert_true(d->path_len < sizeof(r->path) && d->host_len < sizeof(r->host));
    memcpy(r->host, d->host, d->host_len);
    snprintf(r->host_class, sizeof(r->host_class), "%.*s",
             (int)d->host_class_len, d->host_class);
    memcpy(r->path, d->path, d->path_len);
    snprintf(r->path_class, sizeof(r->path_class), "%.*s",
             (int)d->path_class_len, d->path_class);
    snprintf(r->method, sizeof(r->method), "%.*s", (int)d->method_len,
             d->method);
    snprintf(r->conditions, sizeof(r->conditions), "%.*s",
             (int)d->conditions_len, d->conditions);
    assert_true(d->n_headers <= 2);
    for (size_t i = 0; i < d->n_headers; i++) {
        snprintf(r->hv[i][0], 64, "%.*s", (int)d->headers[i].name_len,
                 d->headers[i].name);
        snprintf(r->hv[i][1], 64, "%.*s", (int)d->headers[i].value_len,
                 d->headers[i].value);
    }
    r->nh = d->n_headers;
    r->exact = d->exact;
    snprintf(r->answers, sizeof(r->answers), "old %.*s new %.*s",
             (int)d->old_answer_len, d->old_answer, (int)d->new_answer_len,
             d->new_answer);
    /* the answers it reports are those of the witness */
    assert_false(d->old_answer_len == d->new_answer_len &&
                 memcmp(d->old_answer, d->new_answer, d->old_answer_len) == 0);
    return 0;
}

static struct req row_req(const struct row *r)
{
    struct req q;
    memset(&q, 0, sizeof(q));
    q.host = r->host;
    snprintf(q.path, sizeof(q.path), "%s", r->path);
    q.method = r->method[0] ? r->method : NULL;
    for (size_t i = 0; i < r->nh && i < 2; i++) /* rows move on growth */
        q.h[q.nh++] = (struct kg_header){r->hv[i][0], strlen(r->hv[i][0]),
                                         r->hv[i][1], strlen(r->hv[i][1])};
    return q;
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

/* Whether request q lies in the class of row r, by its description. */
static bool in_class(const struct row *r, const struct req *q)
{
    const char *hc = r->host_class;
    if (strcmp(hc, "*") == 0) {
        /* any other host */
    } else if (strncmp(hc, "*.*.", 4) == 0) {
        char suf[130];
        snprintf(suf, sizeof(suf), ".%s", hc + 4);
        if (!has_suffix(q->host, suf))
            return false;
    } else if (strncmp(hc, "*.", 2) == 0) {
        if (!has_suffix(q->host, hc + 1))
            return false;
    } else if (strcmp(hc, q->host) != 0) {
        return false;
    }
    char path[256];
    snprintf(path, sizeof(path), "%s", q->path);
    char *qm = strchr(path, '?');
    if (qm)
        *qm = '\0';
    const char *pc = r->path_class;
    size_t pn = strlen(pc);
    if (strncmp(pc, "= ", 2) == 0) {
        if (strcmp(path, pc + 2) != 0)
            return false;
    } else if (pn >= 4 && strcmp(pc + pn - 4, "/...") == 0) {
        if (strncmp(path, pc, pn - 3) != 0)
            return false;
    } else if (pn >= 3 && strcmp(pc + pn - 3, "...") == 0) {
        if (strncmp(path, pc, pn - 3) != 0)
            return false;
    }
    /* conditions: each of the class's holds in q */
    const char *c = r->conditions;
    while (*c) {
        const char *e = strstr(c, ", ");
        size_t n = e ? (size_t)(e - c) : strlen(c);
        char item[128];
        snprintf(item, sizeof(item), "%.*s", (int)n, c);
        if (strncmp(item, "method ", 7) == 0) {
            if (!q->method || strcmp(q->method, item + 7) != 0)
                return false;
        } else if (strncmp(item, "header ", 7) == 0) {
            bool ok = false;
            for (size_t i = 0; i < q->nh; i++) {
                char hv[130];
                snprintf(hv, sizeof(hv), "x-h=%.*s", (int)q->h[i].value_len,
                         q->h[i].value);
                ok = ok || strcmp(hv, item + 7) == 0;
            }
            if (!ok)
                return false;
        } else if (strncmp(item, "query ", 6) == 0) {
            const char *qs = strchr(q->path, '?');
            char want[130];
            snprintf(want, sizeof(want), "%s", item + 6);
            if (!qs || !strstr(qs, want))
                return false;
        }
        c += n + (e ? 2 : 0);
    }
    return true;
}

static void random_req(struct req *q)
{
    static const char *const rh[] = {"a.x.test",   "b.x.test", "c.a.x.test",
                                     "d.a.x.test", "x.test",   "e.d.a.x.test",
                                     "z.x.test",   "other",    ""};
    static const char *const pieces[] = {"", "a", "b", "ab", "c", "a1", "a~"};
    memset(q, 0, sizeof(*q));
    q->host = rh[rnd(9)];
    size_t o = 0;
    int np = 1 + (int)rnd(3);
    for (int i = 0; i < np; i++) {
        /* an empty piece only last: "//" would be merged by normalization */
        const char *pc = pieces[i + 1 < np ? 1 + rnd(6) : rnd(7)];
        o += (size_t)snprintf(q->path + o, sizeof(q->path) - o, "/%s", pc);
    }
    if (rnd(3) == 0)
        snprintf(q->path + o, sizeof(q->path) - o, "?q=%u", 1 + rnd(3));
    q->method = rnd(3) == 0 ? (rnd(2) ? "GET" : "POST") : NULL;
    static char vals[4][2] = {"1", "2", "3", "4"};
    if (rnd(2)) {
        const char *v = vals[rnd(4)];
        q->h[q->nh++] = (struct kg_header){"X-H", 3, v, 1};
    }
}

static double scale(void)
{
    const char *env = getenv("KGRESS_TEST_SCALE");
    double s = env ? atof(env) : 1.0;
    return s > 0 ? s : 1.0;
}

enum { KIND_II, KIND_NN, KIND_GG, KIND_IG, KIND_NG };

static void one_pair(int kind, bool rx, uint64_t *n_rows, uint64_t *n_reqs)
{
    struct buf a = {0}, b = {0};
    bool nginx_old = kind == KIND_NN || kind == KIND_NG;
    bool gw_old = kind == KIND_GG, gw_new = kind != KIND_II && kind != KIND_NN;
    if (gw_old)
        gateway_set(&a, rx);
    else
        ingress_set(&a, nginx_old && rx);
    if (gw_new)
        gateway_set(&b, rx);
    else
        ingress_set(&b, nginx_old && rx);
    kg_ruleset *old_rs = compile(a.p, nginx_old);
    kg_ruleset *new_rs = compile(b.p, kind == KIND_NN);
    struct rows rows = {0};
    struct kg_diff_summary s = {.size = sizeof(s)};
    /* now and then too few combinations: one per match instead (inexact) */
    struct kg_diff_options o = {.size = sizeof(o),
                                .max_combinations = rnd(4) ? 0 : 2};
    assert_int_equal(kg_route_diff(old_rs, new_rs, &o, collect, &rows, &s), 0);
    assert_int_equal(s.differing, rows.n);
    char so[1024], sn[1024];
    /* 1: each reported witness differs */
    for (size_t i = 0; i < rows.n; i++) {
        struct req q = row_req(&rows.v[i]);
        signature(old_rs, gw_old, &q, so, sizeof(so));
        signature(new_rs, gw_new, &q, sn, sizeof(sn));
        if (strcmp(so, sn) == 0)
            fprintf(stderr,
                    "reported %s %s [%s] (%s): both %s\n%s\n---- new\n%s\n",
                    q.host, q.path, rows.v[i].conditions, rows.v[i].answers, so,
                    a.p, b.p);
        assert_string_not_equal(so, sn);
    }
    *n_rows += rows.n;
    /* 2: a random request that differs lies in a reported class with the
     * same two answers */
    bool exact = s.inexact == 0;
    for (int k = 0; k < 200; k++) {
        struct req q;
        random_req(&q);
        signature(old_rs, gw_old, &q, so, sizeof(so));
        signature(new_rs, gw_new, &q, sn, sizeof(sn));
        (*n_reqs)++;
        if (strcmp(so, sn) == 0)
            continue;
        bool found = false;
        for (size_t i = 0; i < rows.n && !found; i++) {
            if (!in_class(&rows.v[i], &q))
                continue;
            struct req w = row_req(&rows.v[i]);
            char wo[1024], wn[1024];
            signature(old_rs, gw_old, &w, wo, sizeof(wo));
            signature(new_rs, gw_new, &w, wn, sizeof(wn));
            found = strcmp(wo, so) == 0 && strcmp(wn, sn) == 0;
        }
        if (!found && exact) {
            fprintf(stderr,
                    "unreported: %s %s %s hdr %zu: old %s new %s\n%s\n---- "
                    "new\n%s\n",
                    q.host, q.path, q.method ? q.method : "-", q.nh, so, sn,
                    a.p, b.p);
            for (size_t i = 0; i < rows.n; i++)
                fprintf(stderr, "  row %s | %s | %s\n", rows.v[i].host_class,
                        rows.v[i].path_class, rows.v[i].conditions);
        }
        if (exact)
            assert_true(found);
    }
    free(rows.v);
    kg_ruleset_unref(old_rs);
    kg_ruleset_unref(new_rs);
    free(a.p);
    free(b.p);
}

static void run_pairs(int kind, bool rx)
{
    int n = (int)(300 * scale());
    if (n < 3)
        n = 3;
    uint64_t rows = 0, reqs = 0;
    for (int i = 0; i < n; i++)
        one_pair(kind, rx, &rows, &reqs);
    printf("kind %d rx %d: %d pairs, %llu reported classes, %llu requests\n",
           kind, rx, n, (unsigned long long)rows, (unsigned long long)reqs);
}

static void test_ingress_pairs(void **state)
{
    (void)state;
    run_pairs(KIND_II, false);
}

static void test_nginx_pairs(void **state)
{
    (void)state;
    run_pairs(KIND_NN, false);
    run_pairs(KIND_NN, true);
}

static void test_gateway_pairs(void **state)
{
    (void)state;
    run_pairs(KIND_GG, false);
    run_pairs(KIND_GG, true);
}

static void test_migration_pairs(void **state)
{
    (void)state;
    run_pairs(KIND_IG, false);
    run_pairs(KIND_NG, true);
}

/* A set against itself: nothing differs; the stop value; bad arguments. */
static int stop_at_first(void *user, const struct kg_route_diff *d)
{
    (void)d;
    ++*(int *)user;
    return 7;
}

static void test_equal_stop_errors(void **state)
{
    (void)state;
    struct buf a = {0};
    gateway_set(&a, false);
    kg_ruleset *rs = compile(a.p, false);
    struct kg_diff_summary s = {.size = sizeof(s)};
    assert_int_equal(kg_route_diff(rs, rs, NULL, NULL, NULL, &s), 0);
    assert_int_equal(s.differing, 0);
    assert_true(s.classes > 0);
    const char *one =
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
        "metadata: {name: i, namespace: ns}\nspec:\n  defaultBackend: "
        "{service: {name: other, port: {number: 80}}}\n";
    kg_ruleset *rs2 = compile(one, false);
    int calls = 0;
    assert_int_equal(kg_route_diff(rs, rs2, NULL, stop_at_first, &calls, &s),
                     7);
    assert_int_equal(calls, 1);
    assert_int_equal(kg_route_diff(NULL, rs2, NULL, NULL, NULL, NULL),
                     KG_EINVAL);
    struct kg_diff_options o = {.size = 1};
    assert_int_equal(kg_route_diff(rs, rs2, &o, NULL, NULL, NULL), KG_EINVAL);
    o = (struct kg_diff_options){.size = sizeof(o), .gateway_len = 3};
    assert_int_equal(kg_route_diff(rs, rs2, &o, NULL, NULL, NULL), KG_EINVAL);
    /* a Gateway that does not exist: the Gateway API side answers nothing */
    o = (struct kg_diff_options){
        .size = sizeof(o), .gateway = "ns/none", .gateway_len = 7};
    assert_int_equal(kg_route_diff(rs, rs, &o, NULL, NULL, &s), 0);
    assert_int_equal(s.differing, 0);
    kg_ruleset_unref(rs);
    kg_ruleset_unref(rs2);
    free(a.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_stop_errors),
        cmocka_unit_test(test_ingress_pairs),
        cmocka_unit_test(test_nginx_pairs),
        cmocka_unit_test(test_gateway_pairs),
        cmocka_unit_test(test_migration_pairs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
