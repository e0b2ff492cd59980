// SPDX-License-Identifier: MIT
/*
 * bench_route.c - route lookups per second, compiled tables (kg_route) vs a
 * linear reference, and compile time/memory, on real API path sets.
 *
 *   bench_route [-r REPEATS] [-q QUERIES] [-s PATHS] DATA_DIR
 *   (-s: only the set of that many paths, no compile figures)
 *
 * DATA_DIR holds kubernetes_v1.28.0_api_paths.txt,
 * github_rest_api_2020_paths.txt and github_api_routes_2013.txt (a
 * directory of benchmark data, see bench/route/README.md: pass its path). The
 * ~970 path templates are pooled; rule sets of 10, 1k, 10k and 100k paths give
 * each Ingress one host
 * ("h<i>.example.com") and 10 paths drawn round-robin from the pool, with
 * every `{param}` / `:param` replaced by a concrete token that depends on
 * the Ingress, so hosts do not all share the same paths; 70% Prefix, 30%
 * Exact. Requests: a random host (10% in upper case with a port), then a
 * path of that host's Ingress with a random tail for Prefix paths, or a
 * random template of the pool (mostly misses); 5% of requests carry dot
 * segments. Every request is normalized in both engines.
 *
 * Linear reference: the request is normalized the same way, then every
 * rule of the set is evaluated (host equality, Exact equality, Prefix
 * element-wise) keeping the best by the spec's ranking -- what a naive
 * proxy does. Figures are medians of REPEATS runs, each over the same
 * pre-generated request array. Timings belong here, never in tests.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../common/apipaths.h"
#include "api/ruleset.h"
#include "kgress.h"
#include "route/normalize.h"
#include "route/table.h"

/* CPU time of this thread: the machine may be shared, and wall time would
 * count other processes' slices against us (README). */
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), dcmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t rs_state = 88172645463325252ull;
static uint32_t rnd(uint32_t n)
{
    rs_state ^= rs_state << 13;
    rs_state ^= rs_state >> 7;
    rs_state ^= rs_state << 17;
    return (uint32_t)(rs_state % n);
}

/* ------------------------------------------------------------ rule sets */

struct lrule { /* linear reference rule */
    char *host;
    size_t host_n;
    char *path; /* request form */
    size_t path_n;
    int exact;
    int ing;
};

struct set {
    size_t n_paths, n_ing;
    char *yaml;
    size_t yaml_n;
    struct lrule *rules;
    size_t n_rules;
};

static void yprintf(struct set *s, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void yprintf(struct set *s, size_t *cap, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(s->yaml + s->yaml_n, *cap - s->yaml_n, fmt, ap);
        va_end(ap);
        if ((size_t)k < *cap - s->yaml_n) {
            s->yaml_n += (size_t)k;
            return;
        }
        *cap = *cap * 2 + (size_t)k;
        s->yaml = realloc(s->yaml, *cap);
        if (!s->yaml)
            abort();
    }
}

static void make_set(struct set *s, size_t n_paths)
{
    memset(s, 0, sizeof(*s));
    s->n_paths = n_paths;
    s->n_ing = (n_paths + 9) / 10;
    size_t cap = 1 << 16;
    s->yaml = malloc(cap);
    s->rules = calloc(n_paths, sizeof(*s->rules));
    if (!s->yaml || !s->rules)
        abort();
    size_t k = 0;
    for (size_t i = 0; i < s->n_ing; i++) {
        char host[64];
        int hn = snprintf(host, sizeof(host), "h%zu.example.com", i);
        yprintf(s, &cap,
                "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\n"
                "metadata:\n  name: ing%zu\n  namespace: ns%zu\n"
                "spec:\n  rules:\n  - host: %s\n    http:\n      paths:\n",
                i, i % 50, host);
        for (size_t j = 0; j < 10 && k < n_paths; j++, k++) {
            char p[512];
            const char *t = bench_tpl[(i * 10 + j) % bench_n_tpl];
            size_t pn = bench_concrete(t, (unsigned)i, p, sizeof(p));
            int exact = rnd(10) < 3;
            yprintf(s, &cap,
                    "      - path: \"%s\"\n        pathType: %s\n"
                    "        backend:\n          service:\n"
                    "            name: svc%zu\n            port:\n"
                    "              number: %zu\n",
                    p, exact ? "Exact" : "Prefix", j, 8000 + j);
            struct lrule *r = &s->rules[s->n_rules++];
            r->host = strndup(host, (size_t)hn);
            r->host_n = (size_t)hn;
            char norm[600];
            size_t nn = 0;
            if (kgi_norm_path(p, pn, KGI_NORM_ON | KGI_NORM_ESCAPES_ONLY, norm,
                              sizeof(norm), &nn))
                nn = 0;
            r->path = strndup(norm, nn);
            r->path_n = nn;
            r->exact = exact;
            r->ing = (int)i;
        }
    }
}

static void free_set(struct set *s)
{
    for (size_t i = 0; i < s->n_rules; i++) {
        free(s->rules[i].host);
        free(s->rules[i].path);
    }
    free(s->rules);
    free(s->yaml);
}

/* ------------------------------------------------------------- requests */

/* Requests are packed into one pool (as they would sit in a proxy's
 * receive buffers), so the harness itself does not add a cache and TLB
 * miss per request. */
struct req {
    const char *host, *path;
    uint32_t host_n, path_n;
    size_t host_off, path_off; /* into req_pool, while it is filled */
};

static char *req_pool;

/* clean: the form nearly all real traffic has, and the fast path's
 * case: a lower-case host without port, a path of that host's Ingress
 * (with a random tail half of the time), no dot segment, no escape. */
static struct req *make_reqs(const struct set *s, size_t n, int clean)
{
    struct req *q = calloc(n, sizeof(*q));
    size_t cap = n * 96 + 4096, used = 0;
    free(req_pool);
    req_pool = malloc(cap);
    if (!q || !req_pool)
        abort();
    for (size_t i = 0; i < n; i++) {
        char h[80], p[600];
        size_t ing = rnd((uint32_t)s->n_ing);
        int hn;
        if (!clean && rnd(10) == 0)
            hn = snprintf(h, sizeof(h), "H%zu.Example.COM:443", ing);
        else
            hn = snprintf(h, sizeof(h), "h%zu.example.com", ing);
        if (clean || rnd(5) != 0) { /* a path of that Ingress */
            size_t j = rnd(10);
            bench_concrete(bench_tpl[(ing * 10 + j) % bench_n_tpl],
                           (unsigned)ing, p, 512);
        } else { /* any template with another salt: mostly misses */
            bench_concrete(bench_tpl[rnd((uint32_t)bench_n_tpl)], rnd(100), p,
                           512);
        }
        size_t pn = strlen(p);
        if (rnd(2))
            pn += (size_t)snprintf(p + pn, sizeof(p) - pn, "/x%u", rnd(1000));
        if (!clean && rnd(20) == 0)
            pn += (size_t)snprintf(p + pn, sizeof(p) - pn, "/./a/../b");
        if (used + (size_t)hn + pn + 2 > cap) {
            /* templates are short; a pool overflow means a bug here */
            fprintf(stderr, "bench_route: request pool too small\n");
            abort();
        }
        memcpy(req_pool + used, h, (size_t)hn);
        q[i].host_n = (uint32_t)hn;
        memcpy(req_pool + used + hn, p, pn);
        q[i].path_n = (uint32_t)pn;
        q[i].host_off = used;
        q[i].path_off = used + (size_t)hn;
        used += (size_t)hn + pn;
    }
    for (size_t i = 0; i < n; i++) {
        q[i].host = req_pool + q[i].host_off;
        q[i].path = req_pool + q[i].path_off;
    }
    return q;
}

/* ----------------------------------------------------- linear reference */

static int linear(const struct set *s, const struct req *q, char *buf,
                  size_t cap)
{
    char h[KG_ROUTE_HOST_MAX];
    size_t hn, pn;
    bool ascii;
    if (kgi_norm_host(q->host, q->host_n, h, sizeof(h), &hn, &ascii) ||
        kgi_norm_path(q->path, q->path_n, KGI_NORM_ON, buf, cap, &pn))
        return -1;
    int best = -1, best_exact = 0;
    size_t best_len = 0;
    for (size_t i = 0; i < s->n_rules; i++) {
        const struct lrule *r = &s->rules[i];
        if (r->host_n != hn || memcmp(r->host, h, hn) != 0)
            continue;
        if (r->exact) {
            if (r->path_n == pn && memcmp(r->path, buf, pn) == 0 &&
                !best_exact) {
                best = (int)i;
                best_exact = 1;
            }
            continue;
        }
        size_t P = r->path_n;
        if (P > 0 && r->path[P - 1] == '/')
            P--;
        if (!((P == pn && memcmp(r->path, buf, pn) == 0) ||
              (P < pn && memcmp(r->path, buf, P) == 0 && buf[P] == '/')))
            continue;
        if (!best_exact && (best < 0 || P + 1 > best_len)) {
            best = (int)i;
            best_len = P + 1;
        }
    }
    return best;
}

/* ---------------------------------------------------------- timed loops */

static double time_route(const kg_ruleset *rs, const struct req *q, size_t nq,
                         size_t *hits_out)
{
    char buf[700];
    size_t hits = 0;
    double t0 = now();
    for (size_t i = 0; i < nq; i++) {
        struct kg_route out;
        out.size = sizeof(out);
        hits += kg_route(rs, q[i].host, q[i].host_n, q[i].path, q[i].path_n,
                         buf, sizeof(buf), &out) == 0;
    }
    double t = now() - t0;
    if (hits_out)
        *hits_out = hits;
    return t;
}

/* kg_route_batch over the same requests, BATCH at a time (a proxy's
 * accept queue, a log replay). The request structs are filled per batch
 * inside the timed loop, as a caller would from its own records. */
#define BATCH 64
static double time_batch(const kg_ruleset *rs, const struct req *q, size_t nq,
                         size_t *hits_out)
{
    static struct kg_http_request hr[BATCH];
    static struct kg_route out[BATCH];
    static char bufs[BATCH * 700];
    int rc[BATCH];
    size_t hits = 0;
    double t0 = now();
    for (size_t i = 0; i < nq; i += BATCH) {
        size_t m = nq - i < BATCH ? nq - i : BATCH;
        for (size_t k = 0; k < m; k++) {
            hr[k] = (struct kg_http_request){.size = sizeof(hr[k]),
                                             .host = q[i + k].host,
                                             .host_len = q[i + k].host_n,
                                             .path = q[i + k].path,
                                             .path_len = q[i + k].path_n};
            out[k].size = sizeof(out[k]);
        }
        kg_route_batch(rs, hr, m, bufs, 700, out, rc);
        for (size_t k = 0; k < m; k++)
            hits += rc[k] == 0;
    }
    double t = now() - t0;
    if (hits_out)
        *hits_out = hits;
    return t;
}

/* ----------------------------------------------------------------- main */

static long maxrss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
    int repeats = 5, o, only = 0;
    size_t nq = 1000000;
    const char *csv_path = NULL;
    while ((o = getopt(argc, argv, "r:q:s:o:")) != -1) {
        if (o == 'o')
            csv_path = optarg;
        else if (o == 's')
            only = atoi(optarg); /* one size only, no compile figures */
        else if (o == 'r')
            repeats = atoi(optarg);
        else if (o == 'q')
            nq = (size_t)atol(optarg);
        else
            goto usage;
    }
    if (optind != argc - 1 || repeats < 1 || repeats > 99 || nq < 1000)
        goto usage;
    const char *dir = argv[optind];
    if (bench_tpl_load_all(dir))
        return 2;
    printf("bench_route: %zu path templates from %s; %zu requests per run, "
           "median of %d runs\n",
           bench_n_tpl, dir, nq, repeats);
    printf("%8s %8s | %12s %9s %7s %7s | %8s %7s | %8s %8s | %12s %11s | "
           "%8s | %8s\n",
           "paths", "ingress", "kg_route/s", "ns/route", "norm", "tables",
           "batch ns", "ratio", "clean ns", "clean b", "linear/s", "ns/lookup",
           "speedup", "routed");
    FILE *csv = NULL;
    if (csv_path) {
        csv = fopen(csv_path, "w");
        if (!csv) {
            fprintf(stderr, "bench_route: cannot write %s\n", csv_path);
            return 2;
        }
        fprintf(csv, "engine,paths,route_ns,batch_ns,clean_ns,clean_batch_ns,"
                     "norm_ns,linear_ns,tables_mib,requests\n");
    }
    static const size_t sizes[] = {10, 1000, 10000, 100000};
    for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
        if (only && sizes[si] != (size_t)only)
            continue;
        struct set s;
        make_set(&s, sizes[si]);
        kg_builder *b = kg_builder_new(NULL);
        kg_ruleset *rs = NULL;
        if (!b || kg_builder_add_buffer(b, "bench", s.yaml, s.yaml_n) ||
            kg_builder_compile(b, &rs)) {
            fprintf(stderr, "bench_route: compile failed\n");
            return 1;
        }
        kg_builder_free(b);
        struct req *q = make_reqs(&s, nq, 0);
        char buf[700];
        double t[99], tb[99];
        size_t routed = 0, routed_b = 0;
        /* one-by-one and batched interleaved, so both see the same load */
        for (int r = 0; r < repeats; r++) {
            t[r] = time_route(rs, q, nq, &routed);
            tb[r] = time_batch(rs, q, nq, &routed_b);
        }
        if (routed_b != routed)
            fprintf(stderr, "bench_route: batch routed %zu, kg_route %zu\n",
                    routed_b, routed);
        double tbm = median(tb, repeats);
        double tc = median(t, repeats);
        /* the share of request normalization (route/normalize), which
         * both engines pay: what the tables cost is the difference */
        for (int r = 0; r < repeats; r++) {
            volatile size_t sink = 0;
            double t0 = now();
            for (size_t i = 0; i < nq; i++) {
                char h[KG_ROUTE_HOST_MAX];
                size_t hn = 0, pn = 0;
                bool ascii;
                kgi_norm_host(q[i].host, q[i].host_n, h, sizeof(h), &hn,
                              &ascii);
                kgi_norm_path(q[i].path, q[i].path_n, KGI_NORM_ON, buf,
                              sizeof(buf), &pn);
                sink += hn + pn;
            }
            t[r] = now() - t0;
            if (sink == 0)
                fprintf(stderr, "bench_route: nothing normalized?\n");
        }
        double tn = median(t, repeats);
        /* the linear scan costs O(rules): fewer requests on big sets */
        size_t nl = s.n_rules > 1000 ? nq / (s.n_rules / 100) : nq;
        if (nl < 200)
            nl = 200;
        if (nl > nq)
            nl = nq;
        size_t agree = 0;
        for (int r = 0; r < repeats; r++) {
            volatile int sink = 0;
            double t0 = now();
            for (size_t i = 0; i < nl; i++)
                sink += linear(&s, &q[i], buf, sizeof(buf)) >= 0;
            t[r] = now() - t0;
            agree = (size_t)sink;
        }
        (void)agree;
        double tl = median(t, repeats);
        double c_ns = tc / (double)nq * 1e9, l_ns = tl / (double)nl * 1e9;
        double n_ns = tn / (double)nq * 1e9, b_ns = tbm / (double)nq * 1e9;
        /* clean requests (the fast path's case), one by one and batched */
        free(q);
        q = make_reqs(&s, nq, 1);
        double tcl[99], tclb[99];
        for (int r = 0; r < repeats; r++) {
            tcl[r] = time_route(rs, q, nq, NULL);
            tclb[r] = time_batch(rs, q, nq, NULL);
        }
        double cl_ns = median(tcl, repeats) / (double)nq * 1e9;
        double clb_ns = median(tclb, repeats) / (double)nq * 1e9;
        printf("%8zu %8zu | %12.0f %9.1f %7.1f %7.1f | %8.1f %6.2fx | "
               "%8.1f %8.1f | %12.0f %11.1f | %7.0fx | %7.1f%%\n",
               s.n_paths, s.n_ing, 1e9 / c_ns, c_ns, n_ns, c_ns - n_ns, b_ns,
               c_ns / b_ns, cl_ns, clb_ns, 1e9 / l_ns, l_ns, l_ns / c_ns,
               100.0 * (double)routed / (double)nq);
        if (csv)
            fprintf(csv, "route,%zu,%.2f,%.2f,%.2f,%.2f,%.2f,%.1f,%.2f,%zu\n",
                    s.n_paths, c_ns, b_ns, cl_ns, clb_ns, n_ns, l_ns,
                    (double)rs->routes->arena.total / 1048576.0, nq);
        kg_ruleset_unref(rs);
        free(q);
        free_set(&s);
    }

    if (csv)
        fclose(csv);
    if (only)
        return 0;
    /* compile time and memory: 10k Ingresses, 100k paths */
    struct set s;
    make_set(&s, 100000);
    double tp[99], tb[99];
    size_t arena = 0;
    long rss0 = maxrss_kib();
    for (int r = 0; r < repeats; r++) {
        kg_builder *b = kg_builder_new(NULL);
        double t0 = now();
        if (kg_builder_add_buffer(b, "bench", s.yaml, s.yaml_n))
            return 1;
        double t1 = now();
        kg_ruleset *rs = NULL;
        if (kg_builder_compile(b, &rs))
            return 1;
        double t2 = now();
        tp[r] = t1 - t0;
        tb[r] = t2 - t1;
        arena = rs->routes->arena.total;
        kg_builder_free(b);
        kg_ruleset_unref(rs);
    }
    printf("compile 10k Ingresses / 100k paths (%.1f MiB of YAML): parse "
           "%.3f s, compile (model+validate+tables) %.3f s, total %.3f s "
           "(medians); route tables %.1f MiB; peak RSS %.1f MiB (+%.1f MiB "
           "during compile)\n",
           (double)s.yaml_n / 1048576.0, median(tp, repeats),
           median(tb, repeats), median(tp, repeats) + median(tb, repeats),
           (double)arena / 1048576.0, (double)maxrss_kib() / 1024.0,
           (double)(maxrss_kib() - rss0) / 1024.0);
    free_set(&s);
    free(req_pool);
    for (size_t i = 0; i < bench_n_tpl; i++)
        free(bench_tpl[i]);
    free(bench_tpl);
    return 0;
usage:
    fprintf(stderr,
            "usage: bench_route [-r REPEATS] [-q QUERIES] [-s PATHS] [-o CSV] "
            "DATA_DIR\n");
    return 2;
}
