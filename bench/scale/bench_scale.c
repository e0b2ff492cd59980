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
 *   - the time from one change to the new ruleset (kg_builder_apply_events
 *     of a watch event, or kg_builder_add_buffer of a policy, then
 *     kg_builder_compile) on the builder that compiled the cluster: one pod
 *     ADDED (an existing identity), one pod relabelled (a new identity),
 *     one policy changed; medians of -e rounds, each incremental and with
 *     incremental compiles off (a full recompile).
 *
 * -o FILE writes the generated YAML and exits (to time `kgress validate`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../common/clock.h"
#include "api/builder.h"
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
                               double *load_cpu, kg_builder **keep)
{
    double c0 = bench_cpu_now();
    kg_builder *b = kg_builder_new(opts);
    if (!b || kg_builder_add_buffer(b, "cluster", y->p, y->n))
        die_diags(b, "load");
    *load_cpu = bench_cpu_now() - c0;
    kg_ruleset *rs = NULL;
    if (kg_builder_compile(b, &rs))
        die_diags(b, "compile");
    if (keep)
        *keep = b;
    else
        kg_builder_free(b);
    return rs;
}

/* A watch event of pod ns<n>/<name> as JSON. */
static void pod_event(struct tbuf *t, const char *type, unsigned n,
                      const char *name, const char *version, unsigned ipk,
                      unsigned rv)
{
    char ip[32];
    gen_pod_ip(ipk, ip, sizeof(ip));
    tbuf_printf(t,
                "{\"type\":\"%s\",\"object\":{\"apiVersion\":\"v1\",\"kind\":"
                "\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"ns%u\","
                "\"resourceVersion\":\"%u\",\"labels\":{\"app\":\"a0\","
                "\"role\":\"frontend\",\"version\":\"%s\"}},\"spec\":{"
                "\"containers\":[{\"name\":\"c\",\"image\":\"i\",\"ports\":[{"
                "\"name\":\"http\",\"containerPort\":8000}]}]},\"status\":{"
                "\"hostIP\":\"192.168.0.1\",\"podIP\":\"%s\"}}}\n",
                type, name, n, rv, version, ip);
}

/* Seconds from a change to the new ruleset: apply (events, or a YAML
 * source when yaml), compile. */
static double change(kg_builder *b, const struct tbuf *t, bool yaml,
                     double *cpu)
{
    double t0 = bench_now(), c0 = bench_cpu_now();
    int rc = yaml ? kg_builder_add_buffer(b, "change", t->p, t->n)
                  : kg_builder_apply_events(b, "event", t->p, t->n, NULL);
    kg_ruleset *rs = NULL;
    if (rc || kg_builder_compile(b, &rs))
        die_diags(b, "change");
    double dt = bench_now() - t0;
    *cpu = bench_cpu_now() - c0;
    kg_ruleset_unref(rs);
    return dt;
}

/* Seconds from the removal of one object to the new ruleset. */
static double removal(kg_builder *b, const char *kind, const char *ns,
                      const char *name, double *cpu)
{
    double t0 = bench_now(), c0 = bench_cpu_now();
    kg_ruleset *rs = NULL;
    if (kg_builder_remove(b, kind, ns, name) || kg_builder_compile(b, &rs))
        die_diags(b, "remove");
    double dt = bench_now() - t0;
    *cpu = bench_cpu_now() - c0;
    kg_ruleset_unref(rs);
    return dt;
}

#define N_CHANGES 6

/* The change latencies of -e rounds on builder b of cluster g. */
static void changes(kg_builder *b, const struct gen_cfg *g, int rounds)
{
    double *v[2 * N_CHANGES], *c[2 * N_CHANGES];
    for (int i = 0; i < 2 * N_CHANGES; i++) {
        v[i] = calloc((size_t)rounds, sizeof(double));
        c[i] = calloc((size_t)rounds, sizeof(double));
    }
    unsigned rv = 1000000;
    for (int r = 0; r < rounds; r++) {
        for (int inc = 1; inc >= 0; inc--) {
            kgi_builder_incremental = inc;
            struct tbuf t = {0};
            char name[32];
            unsigned n = (unsigned)(r * 2 + !inc) % g->ns;
            /* a new pod, with the labels of an existing identity */
            snprintf(name, sizeof(name), "extra%d", r * 2 + !inc);
            pod_event(&t, "ADDED", n, name, "v1",
                      g->ns * g->per_ns + 100 + (unsigned)(r * 2 + !inc), ++rv);
            int o = inc ? 0 : N_CHANGES;
            v[o][r] = change(b, &t, false, &c[o][r]);
            /* a pod relabelled into a new identity */
            t.n = 0;
            snprintf(name, sizeof(name), "p%d", 1 + r * 2 + !inc);
            char ver[16];
            snprintf(ver, sizeof(ver), "v%d", 10 + r * 2 + !inc);
            pod_event(&t, "MODIFIED", n, name, ver,
                      n * g->per_ns + 1 + (unsigned)(r * 2 + !inc), ++rv);
            v[o + 1][r] = change(b, &t, false, &c[o + 1][r]);
            /* a policy changed (its port), then changed back */
            t.n = 0;
            gen_policies(&t, n, (unsigned)(r + 1), 2);
            v[o + 2][r] = change(b, &t, true, &c[o + 2][r]);
            /* a new policy with a peer text not seen before (a pass over
             * the identities), then deleted */
            t.n = 0;
            char pname[32], nsname[32];
            snprintf(pname, sizeof(pname), "extra-%d", r * 2 + !inc);
            snprintf(nsname, sizeof(nsname), "ns%u", n);
            tbuf_printf(&t,
                        "apiVersion: networking.k8s.io/v1\nkind: "
                        "NetworkPolicy\nmetadata: {name: %s, namespace: %s}\n"
                        "spec:\n  podSelector: {matchLabels: {role: "
                        "frontend}}\n  ingress:\n  - from:\n    - "
                        "namespaceSelector: {matchLabels: {team: t%u}}\n"
                        "      podSelector: {matchLabels: {version: x%d}}\n"
                        "    ports: [{port: 9%03d}]\n",
                        pname, nsname, (n + 1) % 50, r * 2 + !inc,
                        r * 2 + !inc);
            v[o + 3][r] = change(b, &t, true, &c[o + 3][r]);
            v[o + 4][r] =
                removal(b, "NetworkPolicy", nsname, pname, &c[o + 4][r]);
            /* a namespace relabelled (env: what NotIn selectors read) */
            t.n = 0;
            tbuf_printf(&t,
                        "{\"type\":\"MODIFIED\",\"object\":{\"apiVersion\":"
                        "\"v1\",\"kind\":\"Namespace\",\"metadata\":{"
                        "\"name\":\"%s\",\"resourceVersion\":\"%u\","
                        "\"labels\":{\"team\":\"t%u\",\"env\":\"%s\"}}}}\n",
                        nsname, ++rv, n % 50, r % 2 ? "prod" : "dev");
            v[o + 5][r] = change(b, &t, false, &c[o + 5][r]);
            tbuf_free(&t);
        }
    }
    kgi_builder_incremental = true;
    static const char *const what[N_CHANGES] = {
        "one pod ADDED",    "one pod relabelled", "one policy changed",
        "one policy added", "one policy deleted", "namespace relabelled"};
    for (int i = 0; i < N_CHANGES; i++) {
        printf("%-20s -> new ruleset: %9.3f ms wall %9.3f ms CPU; "
               "incremental compiles off: %9.3f ms wall %9.3f ms CPU "
               "(medians of %d)\n",
               what[i], 1e3 * bench_median(v[i], rounds),
               1e3 * bench_median(c[i], rounds),
               1e3 * bench_median(v[i + N_CHANGES], rounds),
               1e3 * bench_median(c[i + N_CHANGES], rounds), rounds);
    }
    struct kgi_builder_stats st;
    kgi_builder_stats(b, &st);
    printf("compiles: %zu full, %zu incremental (%zu with pods, %zu with "
           "policies, %zu with namespaces changed)\n",
           st.full, st.deltas, st.delta_pods, st.delta_pols, st.delta_ns);
    for (int i = 0; i < 2 * N_CHANGES; i++) {
        free(v[i]);
        free(c[i]);
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_scale [-n NAMESPACES] [-k PODS_PER_NS] "
                    "[-c COMPILES] [-r RUNS] [-f FLOWS] [-e ROUNDS] "
                    "[-o FILE]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct gen_cfg g = {1000, 10};
    int compiles = 3, runs = 5, rounds = 5;
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
        else if (strcmp(argv[i], "-e") == 0)
            rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "-o") == 0)
            out = argv[++i];
        else
            usage();
    }
    if (g.ns < 1 || g.per_ns < 1 || compiles < 1 || compiles > 15 || runs < 1 ||
        runs > 15 || nflows < 1 || rounds < 0 || rounds > 15)
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
    kg_builder *kept = NULL;
    for (int c = 0; c < compiles; c++) {
        kg_ruleset_unref(rs);
        double t0 = bench_now(), c0 = bench_cpu_now();
        rs = compile_all(opts, &y, &load[c],
                         c == compiles - 1 && rounds ? &kept : NULL);
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
    if (kept) {
        changes(kept, &g, rounds);
        kg_builder_free(kept);
    }
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
