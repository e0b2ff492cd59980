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

#include "../common/clock.h"
#include "api/ruleset.h"
#include "gen.h"
#include "kgress.h"
#include "policy/table.h"

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
    double c0 = bench_cpu_now();
    kg_builder *b = kg_builder_new(opts);
    if (!b || kg_builder_add_buffer(b, "cluster", y->p, y->n))
        die_diags(b, "load");
    *load_cpu = bench_cpu_now() - c0;
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
    if (g.ns < 1 || g.per_ns < 1 || compiles < 1 || compiles > 15 || runs < 1 ||
        runs > 15 || nflows < 1)
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
        double t0 = bench_now(), c0 = bench_cpu_now();
        rs = compile_all(opts, &y, &load[c]);
        wall[c] = bench_now() - t0;
        cpu[c] = bench_cpu_now() - c0;
    }
    const struct kgi_netpol *np = rs->netpol;
    printf("full compile (YAML parse included): %.3f s wall, %.3f s CPU, "
           "of which YAML load %.3f s CPU (medians of %d)\n",
           bench_median(wall, compiles), bench_median(cpu, compiles),
           bench_median(load, compiles), compiles);
    printf("compiled verdict tables: %.1f MiB (%u rule sets, %u peer "
           "classes)\n",
           (double)kgi_netpol_memory(np) / (1 << 20), np->n_rulesets,
           np->n_classes);
    printf("peak RSS after compile: %.1f MiB\n", bench_peak_rss_mib());

    struct gen_flow *f = calloc(nflows, sizeof(*f));
    double *vps = calloc((size_t)runs, sizeof(double));
    if (!f || !vps || !wall || !cpu)
        return 1;
    uint64_t rng = 0x7363616c655f6e70ull;
    gen_flows(&g, &rng, f, nflows);
    struct kg_verdict v;
    memset(&v, 0, sizeof(v));
    v.size = sizeof(v);
    size_t allowed = 0;
    for (int r = 0; r < runs; r++) {
        allowed = 0;
        double s = bench_cpu_now();
        for (size_t i = 0; i < nflows; i++) {
            kg_check(rs, &f[i].src, &f[i].dst, f[i].proto, f[i].port, &v);
            allowed += v.allowed;
        }
        vps[r] = (double)nflows / (bench_cpu_now() - s);
    }
    printf("kg_check: %.3g verdicts per CPU second (median of %d runs of %zu "
           "flows, %.1f%% allowed)\n",
           bench_median(vps, runs), runs, nflows,
           100.0 * (double)allowed / (double)nflows);
    printf("peak RSS: %.1f MiB\n", bench_peak_rss_mib());
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
