// SPDX-License-Identifier: MIT
/*
 * bench_scale.c - the verdict engine at cluster scale (issue 10): builds a
 * generated cluster (gen.h) of -n namespaces with -k pods each and two
 * policies per namespace, then prints
 *
 *   - the full compile time, YAML parse included (wall and CPU), as the
 *     median of -c compiles;
 *   - the bytes of the compiled verdict tables (kgi_netpol_memory);
 *   - the process's peak RSS (run one size per process: the peak never
 *     goes down);
 *   - kg_check verdicts/s on random flows (pod to pod, a quarter inside a
 *     namespace, external clients, Internet, DNS), median of -r runs.
 *
 * -o FILE writes the generated YAML and exits (to time `kgress validate`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "api/ruleset.h"
#include "gen.h"
#include "kgress.h"
#include "policy/table.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng = 0x7363616c655f6e70ull;
static unsigned rnd(unsigned n)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (unsigned)((rng * 0x2545f4914f6cdd1dull) % n);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024;
}

struct flow {
    struct kg_addr src, dst;
    int proto;
    unsigned port;
};

static void addr(const char *s, struct kg_addr *a)
{
    if (kg_addr_parse(s, strlen(s), a))
        abort();
}

static void gen_flows(const struct gen_cfg *g, struct flow *f, size_t n)
{
    static const unsigned ports[] = {8080, 8000, 443, 5432, 53, 9050, 9090, 22};
    unsigned pods = g->ns * g->per_ns;
    for (size_t i = 0; i < n; i++) {
        char ip[32];
        unsigned s = rnd(pods);
        unsigned d = rnd(4) == 0 ? (s / g->per_ns) * g->per_ns + rnd(g->per_ns)
                                 : rnd(pods);
        gen_pod_ip(s, ip, sizeof(ip));
        addr(ip, &f[i].src);
        unsigned k = rnd(20);
        if (k == 0) {
            snprintf(ip, sizeof(ip), "172.%u.%u.%u", 16 + rnd(16), rnd(256),
                     rnd(256));
            addr(ip, &f[i].src); /* external client */
            gen_pod_ip(d, ip, sizeof(ip));
        } else if (k == 1) {
            snprintf(ip, sizeof(ip), "%u.%u.%u.%u", 1 + rnd(200), rnd(256),
                     rnd(256), rnd(256));
        } else if (k == 2) {
            snprintf(ip, sizeof(ip), "10.255.0.10");
        } else {
            gen_pod_ip(d, ip, sizeof(ip));
        }
        addr(ip, &f[i].dst);
        f[i].port = ports[rnd(8)];
        f[i].proto = rnd(8) == 0 ? KG_PROTO_UDP : KG_PROTO_TCP;
    }
}

static void die_diags(kg_builder *b, const char *what)
{
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    for (size_t i = 0; i < kg_diagnostics_count(d) && i < 10; i++) {
        char buf[512];
        kg_diagnostic_format(d, i, buf, sizeof(buf));
        fprintf(stderr, "%s\n", buf);
    }
    fprintf(stderr, "%s failed\n", what);
    exit(1);
}

/* One full compile from the YAML text: builder, parse, compile. */
static kg_ruleset *compile_all(const kg_options *opts, const struct tbuf *y,
                               double *load_cpu)
{
    double c0 = cpu_now();
    kg_builder *b = kg_builder_new(opts);
    if (!b || kg_builder_add_buffer(b, "cluster", y->p, y->n))
        die_diags(b, "load");
    *load_cpu = cpu_now() - c0;
    kg_ruleset *rs = NULL;
    if (kg_builder_compile(b, &rs))
        die_diags(b, "compile");
    kg_builder_free(b);
    return rs;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_scale [-n NAMESPACES] [-k PODS_PER_NS] "
                    "[-c COMPILES] [-r RUNS] [-f FLOWS] [-o FILE]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct gen_cfg g = {1000, 10};
    int compiles = 3, runs = 5;
    size_t nflows = 1000000;
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (strcmp(argv[i], "-n") == 0)
            g.ns = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "-k") == 0)
            g.per_ns = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "-c") == 0)
            compiles = atoi(argv[++i]);
        else if (strcmp(argv[i], "-r") == 0)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "-f") == 0)
            nflows = (size_t)atol(argv[++i]);
        else if (strcmp(argv[i], "-o") == 0)
            out = argv[++i];
        else
            usage();
    }
    if (g.ns < 1 || g.per_ns < 1 || compiles < 1 || compiles > 15 ||
        runs < 1 || runs > 15 || nflows < 1)
        usage();
    struct tbuf y = {0};
    gen_cluster(&y, &g);
    if (out) {
        FILE *f = fopen(out, "wb");
        if (!f || fwrite(y.p, 1, y.n, f) != y.n || fclose(f))
            return 1;
        return 0;
    }
    kg_options *opts = kg_options_new();
    if (!opts)
        return 1;
    kg_options_set_limit(opts, KG_LIMIT_INPUT_BYTES, 1ull << 32);
    kg_options_set_limit(opts, KG_LIMIT_NODES, 1000000000);
    kg_options_set_limit(opts, KG_LIMIT_DOCUMENTS, 100000000);
    printf("cluster: %u namespaces, %u pods, %u policies, %.1f MiB of YAML\n",
           g.ns + 1, g.ns * g.per_ns + 1, 2 * g.ns, (double)y.n / (1 << 20));

    double *wall = calloc((size_t)compiles, sizeof(double));
    double *cpu = calloc((size_t)compiles, sizeof(double));
    double *load = calloc((size_t)compiles, sizeof(double));
    kg_ruleset *rs = NULL;
    for (int c = 0; c < compiles; c++) {
        kg_ruleset_unref(rs);
        double t0 = now(), c0 = cpu_now();
        rs = compile_all(opts, &y, &load[c]);
        wall[c] = now() - t0;
        cpu[c] = cpu_now() - c0;
    }
    const struct kgi_netpol *np = rs->netpol;
    printf("full compile (YAML parse included): %.3f s wall, %.3f s CPU, "
           "of which YAML load %.3f s CPU (medians of %d)\n",
           median(wall, compiles), median(cpu, compiles),
           median(load, compiles), compiles);
    printf("compiled verdict tables: %.1f MiB (%u rule sets, %u peer "
           "classes)\n",
           (double)kgi_netpol_memory(np) / (1 << 20), np->n_rulesets,
           np->n_classes);
    printf("peak RSS after compile: %.1f MiB\n", peak_rss_mib());

    struct flow *f = calloc(nflows, sizeof(*f));
    double *vps = calloc((size_t)runs, sizeof(double));
    if (!f || !vps || !wall || !cpu)
        return 1;
    gen_flows(&g, f, nflows);
    struct kg_verdict v;
    memset(&v, 0, sizeof(v));
    v.size = sizeof(v);
    size_t allowed = 0;
    for (int r = 0; r < runs; r++) {
        allowed = 0;
        double s = cpu_now();
        for (size_t i = 0; i < nflows; i++) {
            kg_check(rs, &f[i].src, &f[i].dst, f[i].proto, f[i].port, &v);
            allowed += v.allowed;
        }
        vps[r] = (double)nflows / (cpu_now() - s);
    }
    printf("kg_check: %.3g verdicts per CPU second (median of %d runs of %zu "
           "flows, %.1f%% allowed)\n",
           median(vps, runs), runs, nflows,
           100.0 * (double)allowed / (double)nflows);
    printf("peak RSS: %.1f MiB\n", peak_rss_mib());
    kg_ruleset_unref(rs);
    kg_options_free(opts);
    free(f);
    free(vps);
    free(wall);
    free(cpu);
    free(load);
    free(y.p);
    return 0;
}
