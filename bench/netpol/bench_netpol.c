// SPDX-License-Identifier: MIT
/*
 * bench_netpol.c - NetworkPolicy verdicts/s: the compiled tables (kg_check)
 * against the reference evaluator (tests/verdict/reference.c, selectors and
 * CIDRs evaluated per flow), in one run, on two workloads:
 *
 *   cluster  1,000 namespaces, 10,000 pods, 2,000 policies (generated,
 *            deterministic: a default-deny-ingress policy per namespace and
 *            an application policy with namespace/pod selector peers, named
 *            ports, ipBlocks with excepts, egress to databases and DNS);
 *   bgp      one egress policy whose `to` is the full BGP table as ipBlocks
 *            (-b FILE, one CIDR per line, plain or .gz through `gzip -dcf`).
 *
 * Reports the compile time (YAML load and compile separately), the bytes of
 * the compiled verdict tables and the process's peak RSS, then verdicts/s
 * of both evaluators as the median of -r runs. Every flow the reference
 * judges is compared with the compiled answer; a difference is an error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../common/clock.h"
#include "api/ruleset.h"
#include "kgress.h"
#include "policy/table.h"
#include "reference.h"
#include "util/alloc.h"

#include "../scale/gen.h"

static uint64_t rng = 0x62656e63685f6e70ull;
static uint64_t rnd64(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}
static unsigned rnd(unsigned n)
{
    return (unsigned)(rnd64() % n);
}

/* ------------------------------------------------------------ workloads */

#define NS 1000
#define PODS_PER_NS 10

static void gen_netpol_cluster(struct tbuf *y)
{
    const struct gen_cfg g = {NS, PODS_PER_NS};
    for (unsigned n = 0; n < NS; n++)
        gen_namespace(y, n);
    gen_kube_system(y);
    for (unsigned k = 0; k < NS * PODS_PER_NS; k++)
        gen_pod(y, &g, k, 0);
    for (unsigned n = 0; n < NS; n++) {
        tbuf_printf(
            y,
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
            "metadata: {name: default-deny, namespace: ns%u}\nspec:\n"
            "  podSelector: {}\n  ingress:\n  - from:\n"
            "    - podSelector: {}\n",
            n);
        gen_policies(y, n, 0, 2);
    }
}

static int load_bgp(const char *file, struct tbuf *y, size_t *n4, size_t *n6,
                    char ***v4)
{
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "gzip -dcf '%s'", file);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    tbuf_printf(
        y, "apiVersion: v1\nkind: Pod\nmetadata: {name: client, namespace: "
           "edge}\nspec: {containers: [{name: c, image: i}]}\n"
           "status: {podIP: 10.9.9.9, hostIP: 192.168.0.1}\n---\n"
           "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
           "metadata: {name: internet, namespace: edge}\nspec:\n"
           "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n"
           "  - ports: [{port: 443}]\n    to:\n");
    char line[256];
    size_t cap = 0;
    *n4 = *n6 = 0;
    while (fgets(line, sizeof(line), p)) {
        size_t len = strcspn(line, " \t\r\n");
        line[len] = '\0';
        if (!len || line[0] == '#')
            continue;
        tbuf_printf(y, "    - ipBlock: {cidr: \"%s\"}\n", line);
        if (strchr(line, ':')) {
            (*n6)++;
            continue;
        }
        if (*n4 == cap) {
            cap = cap ? cap * 2 : 1024;
            *v4 = realloc(*v4, cap * sizeof(char *));
            if (!*v4)
                abort();
        }
        (*v4)[(*n4)++] = strdup(line);
    }
    return pclose(p) == 0 && (*n4 + *n6) > 0 ? 0 : -1;
}

static void gen_bgp_flows(struct gen_flow *f, size_t n, char **v4, size_t n4)
{
    for (size_t i = 0; i < n; i++) {
        gen_addr("10.9.9.9", &f[i].src);
        f[i].dst.family = 4;
        memset(f[i].dst.bytes, 0, 16);
        if (i % 2) {
            /* uniformly random IPv4 */
            uint32_t a = (uint32_t)rnd64();
            for (int b = 0; b < 4; b++)
                f[i].dst.bytes[b] = (uint8_t)(a >> (24 - 8 * b));
        } else {
            /* inside an installed prefix, host bits random */
            const char *c = v4[rnd((unsigned)n4)];
            struct kg_addr base;
            const char *sl = strchr(c, '/');
            if (kg_addr_parse(c, (size_t)(sl - c), &base))
                abort();
            unsigned len = (unsigned)atoi(sl + 1);
            uint32_t a = (uint32_t)base.bytes[0] << 24 |
                         (uint32_t)base.bytes[1] << 16 |
                         (uint32_t)base.bytes[2] << 8 | base.bytes[3];
            uint32_t host =
                len >= 32 ? 0 : (uint32_t)rnd64() & ((1u << (32 - len)) - 1);
            a |= host;
            for (int b = 0; b < 4; b++)
                f[i].dst.bytes[b] = (uint8_t)(a >> (24 - 8 * b));
        }
        f[i].proto = KG_PROTO_TCP;
        f[i].port = i % 4 ? 443 : 80;
    }
}

/* ------------------------------------------------------------- running */

struct result {
    double load_s, compile_s, load_cpu, compile_cpu;
    double compiled_cpu_vps, reference_cpu_vps;
    size_t table_bytes;
    double compiled_vps, reference_vps;
    size_t allowed, mismatches, ref_flows;
};

static void run(const char *name, const char *yaml, size_t len,
                struct gen_flow *f, size_t n, size_t nref, int repeats,
                const kg_options *opts)
{
    struct result r;
    memset(&r, 0, sizeof(r));
    double t0 = bench_now(), c0 = bench_cpu_now();
    kg_builder *b = kg_builder_new(opts);
    if (!b || kg_builder_add_buffer(b, name, yaml, len)) {
        fprintf(stderr, "%s: load failed\n", name);
        exit(1);
    }
    double t1 = bench_now(), c1 = bench_cpu_now();
    kg_ruleset *rs = NULL;
    if (kg_builder_compile(b, &rs)) {
        const kg_diagnostics *d = kg_builder_diagnostics(b);
        for (size_t i = 0; i < kg_diagnostics_count(d) && i < 10; i++) {
            char buf[512];
            kg_diagnostic_format(d, i, buf, sizeof(buf));
            fprintf(stderr, "%s\n", buf);
        }
        fprintf(stderr, "%s: compile failed\n", name);
        exit(1);
    }
    double t2 = bench_now(), c2 = bench_cpu_now();
    kg_builder_free(b);
    r.load_s = t1 - t0;
    r.compile_s = t2 - t1;
    r.load_cpu = c1 - c0;
    r.compile_cpu = c2 - c1;
    r.table_bytes = kgi_netpol_memory(rs->netpol);
    const struct kgi_netpol *np = rs->netpol;
    printf("%s: %u pods, %u policies, %u rule sets, %u peer classes\n", name,
           np->n_pods, np->n_policies, np->n_rulesets, np->n_classes);
    printf("  YAML load %.2f s (CPU %.2f s), compile %.2f s (CPU %.2f s), "
           "verdict tables %.1f MiB\n",
           r.load_s, r.load_cpu, r.compile_s, r.compile_cpu,
           (double)r.table_bytes / (1 << 20));

    struct ref ref;
    double tr0 = bench_now();
    if (ref_load(&ref, opts, yaml, len)) {
        fprintf(stderr, "%s: reference load failed\n", name);
        exit(1);
    }
    printf("  reference load %.2f s\n", bench_now() - tr0);

    double *cv = calloc((size_t)repeats, sizeof(double));
    double *rv = calloc((size_t)repeats, sizeof(double));
    double *cc = calloc((size_t)repeats, sizeof(double));
    double *rc = calloc((size_t)repeats, sizeof(double));
    struct kg_verdict v;
    memset(&v, 0, sizeof(v));
    v.size = sizeof(v);
    for (int rep = 0; rep < repeats; rep++) {
        size_t allowed = 0;
        double s = bench_now(), sc = bench_cpu_now();
        for (size_t i = 0; i < n; i++) {
            kg_check(rs, &f[i].src, &f[i].dst, f[i].proto, f[i].port, &v);
            allowed += v.allowed;
        }
        cv[rep] = (double)n / (bench_now() - s);
        cc[rep] = (double)n / (bench_cpu_now() - sc);
        r.allowed = allowed;
        /* the reference on a prefix of the same flows */
        size_t mism = 0;
        s = bench_now();
        sc = bench_cpu_now();
        for (size_t i = 0; i < nref; i++) {
            struct kgi_ip si = {f[i].src.family, {0}},
                          di = {f[i].dst.family, {0}};
            memcpy(si.b, f[i].src.bytes, 16);
            memcpy(di.b, f[i].dst.bytes, 16);
            struct ref_side e, g;
            bool ok = ref_check(&ref, &si, &di, f[i].proto, f[i].port, &e, &g);
            kg_check(rs, &f[i].src, &f[i].dst, f[i].proto, f[i].port, &v);
            mism += ok != v.allowed;
        }
        double el = bench_now() - s;
        rv[rep] = (double)nref / el;
        rc[rep] = (double)nref / (bench_cpu_now() - sc);
        r.mismatches += mism;
    }
    /* kg_check_batch on the same flows, 64 a call (DPDK's burst size) */
    enum { BATCH = 64 };
    struct kg_flow *bf = calloc(n, sizeof(*bf));
    struct kg_verdict *bv = calloc(BATCH, sizeof(*bv));
    double *bc = calloc((size_t)repeats, sizeof(double));
    if (!bf || !bv || !bc) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        bf[i].size = sizeof(bf[i]);
        bf[i].src = f[i].src;
        bf[i].dst = f[i].dst;
        bf[i].protocol = f[i].proto;
        bf[i].port = f[i].port;
    }
    for (size_t i = 0; i < BATCH; i++)
        bv[i].size = sizeof(bv[i]);
    size_t b_allowed = 0, b_diff = 0;
    for (int rep = 0; rep < repeats; rep++) {
        b_allowed = 0;
        double sc = bench_cpu_now();
        for (size_t i = 0; i < n; i += BATCH) {
            size_t m = n - i < BATCH ? n - i : BATCH;
            kg_check_batch(rs, bf + i, m, bv);
            for (size_t j = 0; j < m; j++)
                b_allowed += bv[j].allowed;
        }
        bc[rep] = (double)n / (bench_cpu_now() - sc);
    }
    /* the same answers as one by one (on a prefix) */
    for (size_t i = 0; i + BATCH <= n && i < 100000; i += BATCH) {
        kg_check_batch(rs, bf + i, BATCH, bv);
        for (size_t j = 0; j < BATCH; j++) {
            kg_check(rs, &f[i + j].src, &f[i + j].dst, f[i + j].proto,
                     f[i + j].port, &v);
            b_diff += v.allowed != bv[j].allowed ||
                      v.egress.reason != bv[j].egress.reason ||
                      v.ingress.reason != bv[j].ingress.reason;
        }
    }
    double batch_cpu_vps = bench_median(bc, repeats);
    free(bf);
    free(bv);
    free(bc);
    r.compiled_vps = bench_median(cv, repeats);
    r.reference_vps = bench_median(rv, repeats);
    r.compiled_cpu_vps = bench_median(cc, repeats);
    r.reference_cpu_vps = bench_median(rc, repeats);
    printf("  compiled  kg_check: %.3g verdicts/s wall, %.3g per CPU second "
           "(medians of %d runs of %zu flows, %.1f%% allowed)\n",
           r.compiled_vps, r.compiled_cpu_vps, repeats, n,
           100.0 * (double)r.allowed / (double)n);
    printf("  compiled  kg_check_batch (%d flows a call): %.3g per CPU "
           "second, %.2fx kg_check; %.1f%% allowed; differences vs kg_check "
           "%zu\n",
           BATCH, batch_cpu_vps, batch_cpu_vps / r.compiled_cpu_vps,
           100.0 * (double)b_allowed / (double)n, b_diff);
    printf("  reference evaluator: %.3g verdicts/s wall, %.3g per CPU second "
           "(medians of %d runs of %zu flows; each also checked with "
           "kg_check)\n",
           r.reference_vps, r.reference_cpu_vps, repeats, nref);
    printf("  compiled / reference (CPU): %.0fx\n",
           r.compiled_cpu_vps / r.reference_cpu_vps);
    printf("  differences compiled vs reference: %zu\n", r.mismatches);
    printf("  peak RSS so far: %.1f MiB\n", bench_peak_rss_mib());
    free(cv);
    free(rv);
    free(cc);
    free(rc);
    ref_free(&ref);
    kg_ruleset_unref(rs);
    if (r.mismatches) {
        fprintf(stderr, "%s: compiled and reference verdicts differ\n", name);
        exit(1);
    }
}

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_netpol [-b BGP_FILE] [-r REPEATS] [-n FLOWS] "
            "[-R REFERENCE_FLOWS] [-C] [-B]\n"
            "  -b FILE  full BGP table, one CIDR per line (plain or .gz)\n"
            "  -C       skip the cluster workload   -B  skip the BGP one\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *bgp = NULL;
    int repeats = 5;
    size_t n = 2000000, nref = 2000;
    bool cluster = true, bgp_on = true;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-b") == 0 && i + 1 < argc)
            bgp = argv[++i];
        else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
            repeats = atoi(argv[++i]);
        else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            n = (size_t)atol(argv[++i]);
        else if (strcmp(argv[i], "-R") == 0 && i + 1 < argc)
            nref = (size_t)atol(argv[++i]);
        else if (strcmp(argv[i], "-C") == 0)
            cluster = false;
        else if (strcmp(argv[i], "-B") == 0)
            bgp_on = false;
        else
            usage();
    }
    if (repeats < 1 || repeats > 15 || n < 1 || nref < 1)
        usage();
    if (nref > n)
        nref = n;
    kg_options *opts = kg_options_new();
    kg_options_set_limit(opts, KG_LIMIT_INPUT_BYTES, 1ull << 30);
    kg_options_set_limit(opts, KG_LIMIT_NODES, 100000000);
    struct gen_flow *f = calloc(n, sizeof(*f));
    if (!f || !opts)
        return 1;
    if (cluster) {
        struct tbuf y = {0};
        gen_netpol_cluster(&y);
        const struct gen_cfg g = {NS, PODS_PER_NS};
        gen_flows(&g, &rng, f, n);
        run("cluster (1,000 namespaces, 10,000 pods, 2,000 policies)", y.p, y.n,
            f, n, nref, repeats, opts);
        free(y.p);
    }
    if (bgp_on && bgp) {
        struct tbuf y = {0};
        char **v4 = NULL;
        size_t n4 = 0, n6 = 0;
        if (load_bgp(bgp, &y, &n4, &n6, &v4)) {
            fprintf(stderr, "cannot read %s\n", bgp);
            return 1;
        }
        gen_bgp_flows(f, n, v4, n4);
        char title[128];
        snprintf(title, sizeof(title),
                 "bgp (one egress policy, %zu IPv4 + %zu IPv6 ipBlocks)", n4,
                 n6);
        run(title, y.p, y.n, f, n, nref / 20 ? nref / 20 : 1, repeats, opts);
        for (size_t i = 0; i < n4; i++)
            free(v4[i]);
        free(v4);
        free(y.p);
    } else if (bgp_on) {
        printf("bgp: skipped (no -b FILE)\n");
    }
    free(f);
    kg_options_free(opts);
    return 0;
}
