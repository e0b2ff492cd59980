// SPDX-License-Identifier: MIT
/*
 * bench_gateway.c - Gateway API request lookups (kg_route_request with a
 * listener port) on 10k HTTPRoutes / 100k matches with header conditions,
 * against the Ingress lookup on the same paths and the same requests, and
 * the compile of that set (issue 12 targets: within 1.5x of the Ingress
 * lookup; compile < 1 s). Not a test: nothing here asserts a timing.
 *
 * The two rule sets share their paths (bench/common/apipaths.h, the
 * templates of bench/route): route / Ingress i owns host h<i>.example.com
 * and 10 paths (70% Prefix, 30% Exact): 10k objects, 100k paths. The
 * HTTPRoute side has one rule per path, whose one match adds header
 * conditions (X-Env: prod; one in four also X-Tenant: t<i%8>), so every
 * candidate of a lookup checks headers, and a request whose headers fail
 * falls back to shorter prefixes. The requests (pre-generated, packed in one
 * buffer) carry User-Agent, Accept, X-Env (prod 90%, else canary) and X-Tenant,
 * a host of the set (10% upper case with a port) and a path of that host's
 * object half of the time with an extra segment, or (20%) another
 * template (mostly misses). Both engines get the identical kg_http_request
 * (the Ingress one without a port: headers and method are accepted and
 * ignored there).
 *
 * Times are thread CPU time; figures are medians of -r runs, and the
 * ratio is taken per run pair (Gateway run k / Ingress run k) before the
 * median, so both sides of a ratio saw the same machine load.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/apipaths.h"
#include "../common/clock.h"
#include "kgress.h"

static double thread_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t rs_state = 88172645463325252ull;
static uint32_t rnd(uint32_t n)
{
    rs_state ^= rs_state << 13;
    rs_state ^= rs_state >> 7;
    rs_state ^= rs_state << 17;
    return (uint32_t)(rs_state % n);
}

/* ------------------------------------------------------------ text */

struct text {
    char *p;
    size_t n, cap;
};

static void tprintf(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void tprintf(struct text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(t->p + t->n, t->cap - t->n, fmt, ap);
        va_end(ap);
        if ((size_t)k < t->cap - t->n) {
            t->n += (size_t)k;
            return;
        }
        t->cap = t->cap * 2 + (size_t)k + 4096;
        t->p = realloc(t->p, t->cap);
        if (!t->p)
            abort();
    }
}

/* ------------------------------------------------------------ rule sets */

#define PER 10 /* paths per route / Ingress */

static void path_of(size_t i, size_t j, char *p, size_t cap)
{
    bench_concrete(bench_tpl[(i * PER + j) % bench_n_tpl], (unsigned)i, p, cap);
}

/* Both sets: n_obj Ingresses or HTTPRoutes of PER paths each; the same
 * Exact/Prefix choice for the same (i, j). */
static void make_sets(size_t n_obj, struct text *ing, struct text *gw)
{
    tprintf(gw, "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
                "metadata: {name: gw, namespace: infra}\n"
                "spec:\n  gatewayClassName: c\n  listeners:\n"
                "  - {name: http, port: 80, protocol: HTTP,\n"
                "     allowedRoutes: {namespaces: {from: All}}}\n");
    for (size_t s = 0; s < PER; s++) /* the backends of namespace ns<k> */
        for (size_t k = 0; k < 50; k++)
            tprintf(gw,
                    "---\napiVersion: v1\nkind: Service\n"
                    "metadata: {name: svc%zu, namespace: ns%zu}\n"
                    "spec: {ports: [{port: %zu}]}\n",
                    s, k, 8000 + s);
    for (size_t i = 0; i < n_obj; i++) {
        tprintf(ing,
                "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\n"
                "metadata: {name: ing%zu, namespace: ns%zu}\n"
                "spec:\n  rules:\n  - host: h%zu.example.com\n    http:\n"
                "      paths:\n",
                i, i % 50, i);
        tprintf(gw,
                "---\napiVersion: gateway.networking.k8s.io/v1\n"
                "kind: HTTPRoute\n"
                "metadata: {name: rt%zu, namespace: ns%zu}\n"
                "spec:\n  parentRefs: [{name: gw, namespace: infra}]\n"
                "  hostnames: [h%zu.example.com]\n  rules:\n",
                i, i % 50, i);
        for (size_t j = 0; j < PER; j++) {
            char p[512];
            path_of(i, j, p, sizeof(p));
            bool exact = rnd(10) < 3;
            tprintf(ing,
                    "      - path: \"%s\"\n        pathType: %s\n"
                    "        backend: {service: {name: svc%zu, port: "
                    "{number: %zu}}}\n",
                    p, exact ? "Exact" : "Prefix", j, 8000 + j);
            const char *type = exact ? "Exact" : "PathPrefix";
            tprintf(gw, "  - matches:\n");
            tprintf(gw,
                    "    - path: {type: %s, value: \"%s\"}\n"
                    "      headers: [{name: X-Env, value: prod}",
                    type, p);
            if (j % 4 == 0)
                tprintf(gw, ", {name: X-Tenant, value: t%zu}", i % 8);
            tprintf(gw, "]\n");
            tprintf(gw, "    backendRefs: [{name: svc%zu, port: %zu}]\n", j,
                    8000 + j);
        }
    }
}

/* ------------------------------------------------------------- requests */

struct req {
    struct kg_http_request r;
    struct kg_header h[4];
    size_t off_host, off_path, off_hv[4];
};

static char *pool;

static struct req *make_reqs(size_t n_obj, size_t n)
{
    struct req *q = calloc(n, sizeof(*q));
    size_t cap = n * 160 + 4096, used = 0;
    pool = malloc(cap);
    if (!q || !pool)
        abort();
#define PUT(dst, s, len)                                                       \
    do {                                                                       \
        if (used + (len) > cap)                                                \
            abort();                                                           \
        memcpy(pool + used, s, len);                                           \
        dst = used;                                                            \
        used += len;                                                           \
    } while (0)
    for (size_t i = 0; i < n; i++) {
        char h[80], p[600], v[32];
        size_t obj = rnd((uint32_t)n_obj);
        int hn = rnd(10) == 0
                     ? snprintf(h, sizeof(h), "H%zu.Example.COM:80", obj)
                     : snprintf(h, sizeof(h), "h%zu.example.com", obj);
        if (rnd(5) != 0)
            path_of(obj, rnd(PER), p, 512);
        else
            bench_concrete(bench_tpl[rnd((uint32_t)bench_n_tpl)], rnd(100), p,
                           512);
        size_t pn = strlen(p);
        if (rnd(2))
            pn += (size_t)snprintf(p + pn, sizeof(p) - pn, "/x%u", rnd(1000));
        PUT(q[i].off_host, h, (size_t)hn);
        q[i].r.host_len = (size_t)hn;
        PUT(q[i].off_path, p, pn);
        q[i].r.path_len = pn;
        static const char ua[] = "curl/8.5.0", acc[] = "*/*";
        q[i].h[0] = (struct kg_header){"User-Agent", 10, NULL, sizeof(ua) - 1};
        PUT(q[i].off_hv[0], ua, sizeof(ua) - 1);
        q[i].h[1] = (struct kg_header){"Accept", 6, NULL, sizeof(acc) - 1};
        PUT(q[i].off_hv[1], acc, sizeof(acc) - 1);
        const char *env = rnd(10) ? "prod" : "canary";
        q[i].h[2] = (struct kg_header){"x-env", 5, NULL, strlen(env)};
        PUT(q[i].off_hv[2], env, strlen(env));
        int vn = snprintf(v, sizeof(v), "t%zu", rnd(4) ? obj % 8 : obj % 5);
        q[i].h[3] = (struct kg_header){"X-Tenant", 8, NULL, (size_t)vn};
        PUT(q[i].off_hv[3], v, (size_t)vn);
    }
#undef PUT
    for (size_t i = 0; i < n; i++) {
        q[i].r.size = sizeof(q[i].r);
        q[i].r.host = pool + q[i].off_host;
        q[i].r.path = pool + q[i].off_path;
        q[i].r.method = "GET";
        q[i].r.method_len = 3;
        for (int k = 0; k < 4; k++)
            q[i].h[k].value = pool + q[i].off_hv[k];
        q[i].r.headers = q[i].h;
        q[i].r.n_headers = 4;
        q[i].r.pick = i;
    }
    return q;
}

/* ------------------------------------------------------------ running */

static kg_ruleset *compile(const struct text *t, double *t_load,
                           double *t_compile)
{
    kg_builder *b = kg_builder_new(NULL);
    if (!b)
        abort();
    double t0 = bench_cpu_now();
    int rc = kg_builder_add_buffer(b, "bench.yaml", t->p, t->n);
    double t1 = bench_cpu_now();
    kg_ruleset *rs = NULL;
    if (!rc)
        rc = kg_builder_compile(b, &rs);
    double t2 = bench_cpu_now();
    if (rc) {
        const kg_diagnostics *d = kg_builder_diagnostics(b);
        for (size_t i = 0; i < kg_diagnostics_count(d) && i < 5; i++) {
            char line[512];
            kg_diagnostic_format(d, i, line, sizeof(line));
            fprintf(stderr, "%s\n", line);
        }
        fprintf(stderr, "bench_gateway: compile failed: %s\n",
                kg_error_name(rc));
        exit(1);
    }
    kg_builder_free(b);
    *t_load = t1 - t0;
    *t_compile = t2 - t1;
    return rs;
}

/* One pass over the requests; returns the CPU seconds, *hits the answers
 * that forward. port 0: the Ingress rules. */
static double run(const kg_ruleset *rs, struct req *q, size_t n, unsigned port,
                  size_t *hits)
{
    static char buf[2048];
    size_t ok = 0;
    double t0 = thread_now();
    for (size_t i = 0; i < n; i++) {
        struct kg_route out;
        out.size = sizeof(out);
        q[i].r.port = port;
        ok += kg_route_request(rs, &q[i].r, buf, sizeof(buf), &out) == 0 &&
              out.status == 0;
    }
    double t = thread_now() - t0;
    *hits = ok;
    return t;
}

int main(int argc, char **argv)
{
    int repeats = 5, o;
    size_t nq = 1000000, n_obj = 10000;
    while ((o = getopt(argc, argv, "r:q:n:")) != -1) {
        if (o == 'r')
            repeats = atoi(optarg);
        else if (o == 'q')
            nq = (size_t)atol(optarg);
        else if (o == 'n')
            n_obj = (size_t)atol(optarg);
        else
            goto usage;
    }
    if (optind != argc - 1 || repeats < 1 || repeats > 99 || nq < 1000 ||
        n_obj < 1)
        goto usage;
    if (bench_tpl_load_all(argv[optind]))
        return 2;
    struct text ing = {0}, gw = {0};
    make_sets(n_obj, &ing, &gw);
    printf("bench_gateway: %zu path templates; %zu HTTPRoutes / %zu rules / "
           "%zu matches vs %zu Ingresses / %zu paths; %zu requests per run, "
           "median of %d runs\n",
           bench_n_tpl, n_obj, PER * n_obj, PER * n_obj, n_obj, PER * n_obj, nq,
           repeats);
    double li, ci, lg, cg;
    kg_ruleset *rs_ing = compile(&ing, &li, &ci);
    kg_ruleset *rs_gw = compile(&gw, &lg, &cg);
    printf("compile (CPU s)   %10s %10s %10s %8s\n", "YAML", "compile", "total",
           "MiB");
    printf("  Ingress         %10.3f %10.3f %10.3f %8.1f\n", li, ci, li + ci,
           (double)ing.n / (1 << 20));
    printf("  HTTPRoute       %10.3f %10.3f %10.3f %8.1f\n", lg, cg, lg + cg,
           (double)gw.n / (1 << 20));
    free(ing.p);
    free(gw.p);
    struct req *q = make_reqs(n_obj, nq);
    double ti[99], tg[99], ratio[99];
    size_t hi = 0, hg = 0;
    run(rs_gw, q, nq / 10, 80, &hg); /* warm both */
    run(rs_ing, q, nq / 10, 0, &hi);
    for (int r = 0; r < repeats; r++) {
        ti[r] = run(rs_ing, q, nq, 0, &hi);
        tg[r] = run(rs_gw, q, nq, 80, &hg);
        ratio[r] = tg[r] / ti[r];
    }
    double mi = bench_median(ti, repeats), mg = bench_median(tg, repeats);
    double mr = bench_median(ratio, repeats);
    printf("lookups           %10s %10s %10s\n", "ns/req", "req/s", "routed");
    printf("  Ingress         %10.1f %10.0f %9.1f%%\n", mi * 1e9 / (double)nq,
           (double)nq / mi, 100.0 * (double)hi / (double)nq);
    printf("  HTTPRoute       %10.1f %10.0f %9.1f%%\n", mg * 1e9 / (double)nq,
           (double)nq / mg, 100.0 * (double)hg / (double)nq);
    printf("  HTTPRoute / Ingress: %.2fx (median of per-run ratios; target "
           "<= 1.5x)\n",
           mr);
    printf("peak RSS %.1f MiB\n", bench_peak_rss_mib());
    kg_ruleset_unref(rs_ing);
    kg_ruleset_unref(rs_gw);
    for (size_t i = 0; i < bench_n_tpl; i++)
        free(bench_tpl[i]);
    free(bench_tpl);
    free(q);
    free(pool);
    return 0;
usage:
    fprintf(stderr, "usage: bench_gateway [-r REPEATS] [-q REQUESTS] "
                    "[-n ROUTES] DATA_DIR\n");
    return 2;
}
