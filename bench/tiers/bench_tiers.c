// SPDX-License-Identifier: MIT
/*
 * bench_tiers.c - kg_check verdicts/s with the cluster tiers against the
 * same cluster without them: the 10,000-pod cluster of bench/scale/gen.h
 * (1,000 namespaces, 3 NetworkPolicies each), then the same plus a
 * platform team's tier policies (admin ClusterNetworkPolicies and
 * AdminNetworkPolicies selecting every namespace or a label, with
 * networks, selector and port peers; a Baseline CNP; the BANP), over the
 * same random flows. Prints the medians of -r runs of -n flows, wall and
 * CPU, and the ratio; the target is "no slower than plain
 * NetworkPolicy". Timing lives here, never in a test.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/clock.h"
#include "kgress.h"

#include "../scale/gen.h"

static void gen_tiers(struct tbuf *y)
{
    tbuf_printf(
        y,
        "---\napiVersion: policy.networking.k8s.io/v1beta1\n"
        "kind: ClusterNetworkPolicy\nmetadata: {name: guardrails}\nspec:\n"
        "  tier: Admin\n  priority: 10\n  subject: {namespaces: {}}\n"
        "  egress:\n  - name: deny-metadata\n    action: Deny\n"
        "    to: [{networks: [169.254.169.254/32]}]\n"
        "---\napiVersion: policy.networking.k8s.io/v1alpha1\n"
        "kind: AdminNetworkPolicy\nmetadata: {name: prod-dns}\nspec:\n"
        "  priority: 20\n  subject: {namespaces: {matchLabels: {env: prod}}}\n"
        "  egress:\n  - name: dns\n    action: Allow\n"
        "    to: [{pods: {namespaceSelector: {matchLabels: "
        "{kubernetes.io/metadata.name: kube-system}}, podSelector: {}}}]\n"
        "    ports: [{portNumber: {protocol: UDP, port: 53}}]\n"
        "  ingress:\n  - name: from-t0\n    action: Pass\n"
        "    from: [{namespaces: {matchLabels: {team: t0}}}]\n"
        "---\napiVersion: policy.networking.k8s.io/v1alpha1\n"
        "kind: AdminNetworkPolicy\nmetadata: {name: no-ssh}\nspec:\n"
        "  priority: 30\n  subject: {namespaces: {}}\n"
        "  egress:\n  - name: ssh\n    action: Deny\n"
        "    to: [{networks: [0.0.0.0/0, \"::/0\"]}]\n"
        "    ports: [{portNumber: {port: 22}}]\n"
        "---\napiVersion: policy.networking.k8s.io/v1alpha2\n"
        "kind: ClusterNetworkPolicy\nmetadata: {name: dev-isolation}\n"
        "spec:\n  tier: Baseline\n  priority: 5\n"
        "  subject: {namespaces: {matchLabels: {env: dev}}}\n"
        "  ingress:\n  - name: not-from-prod\n    action: Deny\n"
        "    from: [{namespaces: {matchLabels: {env: prod}}}]\n"
        "---\napiVersion: policy.networking.k8s.io/v1alpha1\n"
        "kind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\n"
        "spec:\n  subject: {namespaces: {}}\n"
        "  egress:\n  - name: no-tor\n    action: Deny\n"
        "    to: [{networks: [0.0.0.0/0]}]\n"
        "    ports: [{portNumber: {port: 9050}}]\n");
}

static kg_ruleset *compile(const char *name, const struct tbuf *y)
{
    kg_options *o = kg_options_new();
    kg_options_set_limit(o, KG_LIMIT_NODES, 100000000);
    kg_builder *b = kg_builder_new(o);
    kg_options_free(o);
    kg_ruleset *rs = NULL;
    if (!b || kg_builder_add_buffer(b, name, y->p, y->n) ||
        kg_builder_compile(b, &rs)) {
        fprintf(stderr, "%s: compile failed\n", name);
        exit(1);
    }
    kg_builder_free(b);
    return rs;
}

/* One pass over the flows: verdicts per wall and per CPU second. */
static void pass(const kg_ruleset *rs, const struct gen_flow *f, size_t n,
                 double *wall, double *cpu, size_t *denied)
{
    struct kg_verdict v;
    memset(&v, 0, sizeof(v));
    v.size = sizeof(v);
    size_t d = 0;
    double s = bench_now(), sc = bench_cpu_now();
    for (size_t i = 0; i < n; i++) {
        kg_check(rs, &f[i].src, &f[i].dst, f[i].proto, f[i].port, &v);
        d += !v.allowed;
    }
    *wall = (double)n / (bench_now() - s);
    *cpu = (double)n / (bench_cpu_now() - sc);
    *denied = d;
}

static void report(const char *name, double *w, double *c, int repeats,
                   size_t denied, size_t n)
{
    printf("  %-22s %.3g verdicts/s wall, %.3g per CPU second (%.1f%% "
           "denied)\n",
           name, bench_median(w, repeats), bench_median(c, repeats),
           100.0 * (double)denied / (double)n);
}

int main(int argc, char **argv)
{
    size_t n = 1000000;
    int repeats = 5;
    const char *only = NULL; /* -o plain|tiers: one ruleset (profiling) */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            n = (size_t)atol(argv[++i]);
        else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
            repeats = atoi(argv[++i]);
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc &&
                 (strcmp(argv[i + 1], "plain") == 0 ||
                  strcmp(argv[i + 1], "tiers") == 0))
            only = argv[++i];
        else {
            fprintf(stderr, "usage: bench_tiers [-n FLOWS] [-r RUNS] "
                            "[-o plain|tiers]\n");
            return 2;
        }
    }
    const struct gen_cfg g = {1000, 10};
    struct tbuf plain = {0}, tiered = {0};
    gen_cluster(&plain, &g);
    gen_cluster(&tiered, &g);
    gen_tiers(&tiered);
    kg_ruleset *a = compile("netpol", &plain);
    kg_ruleset *b = compile("tiers", &tiered);
    struct gen_flow *f = calloc(n, sizeof(*f));
    uint64_t rng = 0x7469657273ull;
    gen_flows(&g, &rng, f, n);
    printf("10,000 pods, 3,000 NetworkPolicies; %zu flows, medians of %d "
           "runs\n",
           n, repeats);
    /* the two rulesets alternate within each run, so a change of the
     * machine's load hits both; the ratio is the median of the runs'
     * ratios */
    double *w[2], *c[2], *ratio = calloc((size_t)repeats, sizeof(double));
    size_t denied[2] = {0, 0};
    const kg_ruleset *set[2] = {a, b};
    bool on[2] = {!only || strcmp(only, "plain") == 0,
                  !only || strcmp(only, "tiers") == 0};
    for (int k = 0; k < 2; k++) {
        w[k] = calloc((size_t)repeats, sizeof(double));
        c[k] = calloc((size_t)repeats, sizeof(double));
    }
    for (int r = 0; r < repeats; r++) {
        for (int k = 0; k < 2; k++)
            if (on[k])
                pass(set[k], f, n, &w[k][r], &c[k][r], &denied[k]);
        ratio[r] = on[0] && on[1] ? c[1][r] / c[0][r] : 0;
    }
    if (on[0])
        report("NetworkPolicy only", w[0], c[0], repeats, denied[0], n);
    if (on[1])
        report("+ 5 tier policies", w[1], c[1], repeats, denied[1], n);
    if (on[0] && on[1])
        printf("  tiers / plain (CPU, median of the runs' ratios): %.3f\n",
               bench_median(ratio, repeats));
    for (int k = 0; k < 2; k++) {
        free(w[k]);
        free(c[k]);
    }
    free(ratio);
    free(f);
    kg_ruleset_unref(a);
    kg_ruleset_unref(b);
    tbuf_free(&plain);
    tbuf_free(&tiered);
    return 0;
}
