// SPDX-License-Identifier: MIT
/*
 * bench_lpm.c - kgress LPM tables side by side with DPDK rte_lpm, rte_fib,
 * rte_lpm6 and rte_fib6, in one process, on the same prefixes and keys.
 *
 * Workload: a full BGP view (one CIDR per line, plain or .gz) and two key
 * sets per family: uniformly random keys (IPv6: in 2000::/3) and keys drawn
 * inside installed prefixes (prefix chosen uniformly, host bits random).
 * For each structure: build time, bytes held, lookups/s of a scalar loop, of
 * the batch call (64 keys per call, as DPDK's bulk benchmarks) and the
 * latency of a dependent chain (the next key depends on the previous result,
 * so nothing overlaps). Every figure is the median of -r repeats; rte_lpm's
 * build (~90 s: its add is linear in the rules of a depth) is timed once.
 * Usage: bench_lpm [-f FILE] [-q KEYS] [-r REPEATS] [-P] [-w] [-4|-6]
 *   -P skips the DPDK peers; EAL arguments are built in (no hugepages).
 *   Times are thread CPU time unless -w (wall clock).
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef KGRESS_HAVE_ZLIB
#include <zlib.h>
#endif

#ifdef KGRESS_HAVE_DPDK
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>
#endif

#include "lpm/lpm.h"

#define MAX_REPEATS 15
#define BULK 64

/* Thread CPU time by default: the machines this runs on are shared, and
 * time spent descheduled is not the lookup's (-w: wall clock). */
static clockid_t clock_id = CLOCK_THREAD_CPUTIME_ID;

static double now(void)
{
    struct timespec t;
    clock_gettime(clock_id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t rs = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static volatile uint64_t sink;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- input ---- */

static struct kgi_lpm4_entry *v4;
static struct kgi_lpm6_entry *v6;
static size_t n4, n6;

static void add_line(char *line, size_t *cap4, size_t *cap6)
{
    char *sl = strchr(line, '/');
    if (!sl)
        return;
    *sl = 0;
    int len = atoi(sl + 1);
    if (strchr(line, ':')) {
        if (n6 == *cap6) {
            *cap6 = *cap6 ? *cap6 * 2 : 1024;
            v6 = realloc(v6, *cap6 * sizeof *v6);
        }
        if (v6 && inet_pton(AF_INET6, line, v6[n6].addr) == 1 && len >= 0 &&
            len <= 128) {
            v6[n6].len = (uint8_t)len;
            v6[n6].value = (uint32_t)(n6 & 0xffffff);
            n6++;
        }
    } else {
        struct in_addr a;
        if (n4 == *cap4) {
            *cap4 = *cap4 ? *cap4 * 2 : 1024;
            v4 = realloc(v4, *cap4 * sizeof *v4);
        }
        if (v4 && inet_pton(AF_INET, line, &a) == 1 && len >= 0 && len <= 32) {
            v4[n4].addr = ntohl(a.s_addr);
            v4[n4].len = (uint8_t)len;
            v4[n4].value = (uint32_t)(n4 & 0xffffff);
            n4++;
        }
    }
    if (!v4 && !v6) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
}

static void load(const char *fn)
{
    size_t cap4 = 0, cap6 = 0;
    char line[256];
#ifdef KGRESS_HAVE_ZLIB
    gzFile f = gzopen(fn, "r");
    if (!f) {
        perror(fn);
        exit(1);
    }
    while (gzgets(f, line, sizeof line))
        add_line(line, &cap4, &cap6);
    gzclose(f);
#else
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "gzip -dcf '%s'", fn);
    FILE *f = popen(cmd, "r");
    if (!f) {
        perror(cmd);
        exit(1);
    }
    while (fgets(line, sizeof line, f))
        add_line(line, &cap4, &cap6);
    pclose(f);
#endif
}

/* ---- key sets ---- */

static uint32_t inside4(const struct kgi_lpm4_entry *p)
{
    uint32_t host = p->len == 0    ? (uint32_t)rnd()
                    : p->len == 32 ? 0
                                   : (uint32_t)rnd() & (0xffffffffu >> p->len);
    uint32_t mask = p->len ? ~(uint32_t)0 << (32 - p->len) : 0;
    return (p->addr & mask) | host;
}

static void inside6(const struct kgi_lpm6_entry *p, uint8_t out[16])
{
    for (int i = 0; i < 16; i++) {
        int bit0 = i * 8;
        uint8_t r = (uint8_t)rnd();
        if (bit0 + 8 <= p->len)
            out[i] = p->addr[i];
        else if (bit0 >= p->len)
            out[i] = r;
        else {
            uint8_t m = (uint8_t)(0xff << (8 - (p->len - bit0)));
            out[i] = (uint8_t)((p->addr[i] & m) | (r & ~m));
        }
    }
}

static void keys4(uint32_t *k, size_t q, int in_table)
{
    for (size_t i = 0; i < q; i++)
        k[i] = in_table ? inside4(&v4[rnd() % n4]) : (uint32_t)rnd();
}

static void keys6(uint8_t (*k)[16], size_t q, int in_table)
{
    for (size_t i = 0; i < q; i++) {
        if (in_table) {
            inside6(&v6[rnd() % n6], k[i]);
        } else {
            uint64_t a = rnd(), b = rnd();
            memcpy(k[i], &a, 8);
            memcpy(k[i] + 8, &b, 8);
            k[i][0] = (uint8_t)(0x20 | (k[i][0] & 0x1f));
        }
    }
}

/* ---- results ---- */

struct result {
    const char *name;
    double build_s;
    double mib;
    double scalar[2], batch[2], dep_ns[2]; /* [key set]: M lookups/s, ns */
    int have_scalar, have_dep;
};

static const char *set_name[2] = {"random", "in-table"};

static void print_result(const struct result *r)
{
    printf("  %-14s build %8.3f s  mem %8.2f MiB\n", r->name, r->build_s,
           r->mib);
    for (int s = 0; s < 2; s++) {
        printf("  %-14s   %-8s", "", set_name[s]);
        if (r->have_scalar)
            printf("  scalar %7.1f M/s", r->scalar[s]);
        else
            printf("  scalar %9s", "-");
        printf("  batch %7.1f M/s", r->batch[s]);
        if (r->have_dep)
            printf("  dependent %6.1f ns\n", r->dep_ns[s]);
        else
            printf("  dependent %8s\n", "-");
    }
}

#ifdef KGRESS_HAVE_DPDK
static void print_ratio(const struct result *a, const struct result *b)
{
    printf("  ratio %s / %s: memory %.3fx, build %.3fx\n", a->name, b->name,
           a->mib / b->mib, a->build_s / b->build_s);
    for (int s = 0; s < 2; s++) {
        printf("    %-8s", set_name[s]);
        if (a->have_scalar && b->have_scalar)
            printf("  scalar %.2fx", a->scalar[s] / b->scalar[s]);
        printf("  batch %.2fx", a->batch[s] / b->batch[s]);
        if (a->have_dep && b->have_dep)
            printf("  dependent latency %.2fx", a->dep_ns[s] / b->dep_ns[s]);
        printf("\n");
    }
}
#endif

/* Runs body R times and stores the median lookups/s (or ns per lookup). */
#define MEASURE(out, R, q, per_ns, body)                                       \
    do {                                                                       \
        double v_[MAX_REPEATS];                                                \
        for (int r_ = 0; r_ < (R); r_++) {                                     \
            double a_ = now();                                                 \
            body;                                                              \
            double b_ = now();                                                 \
            v_[r_] = (per_ns) ? (b_ - a_) * 1e9 / (double)(q)                  \
                              : (double)(q) / (b_ - a_) / 1e6;                 \
        }                                                                      \
        (out) = median(v_, (R));                                               \
    } while (0)

/* ---- kgress ---- */

static void bench_kgress4(struct result *r, uint32_t *const keys[2],
                          uint32_t *vals, size_t q, int R)
{
    struct kgi_lpm4 *t = NULL;
    double bt[MAX_REPEATS];
    for (int i = 0; i < R; i++) {
        kgi_lpm4_free(t);
        t = NULL;
        double a = now();
        if (kgi_lpm4_build(v4, n4, &t) < 0) {
            fprintf(stderr, "kgi_lpm4_build failed\n");
            exit(1);
        }
        bt[i] = now() - a;
    }
    r->name = "kgress lpm4";
    r->build_s = median(bt, R);
    r->mib = (double)kgi_lpm4_memory(t) / 1048576.0;
    r->have_scalar = r->have_dep = 1;
    for (int s = 0; s < 2; s++) {
        const uint32_t *k = keys[s];
        uint64_t acc = 0;
        MEASURE(r->scalar[s], R, q, 0,
                for (size_t i = 0; i < q; i++) acc += kgi_lpm4_lookup(t, k[i]));
        MEASURE(r->batch[s], R, q, 0,
                for (size_t i = 0; i < q; i += BULK) kgi_lpm4_lookup_batch(
                    t, k + i, vals + i, q - i < BULK ? q - i : BULK));
        uint32_t x = 0;
        MEASURE(r->dep_ns[s], R, q, 1,
                for (size_t i = 0; i < q; i++) x =
                    kgi_lpm4_lookup(t, k[i] ^ (x & 1)));
        sink += acc + x + vals[q / 2];
    }
    kgi_lpm4_free(t);
}

static void bench_kgress6(struct result *r, uint8_t (*const keys[2])[16],
                          uint32_t *vals, size_t q, int R)
{
    struct kgi_lpm6 *t = NULL;
    double bt[MAX_REPEATS];
    for (int i = 0; i < R; i++) {
        kgi_lpm6_free(t);
        t = NULL;
        double a = now();
        if (kgi_lpm6_build(v6, n6, &t) < 0) {
            fprintf(stderr, "kgi_lpm6_build failed\n");
            exit(1);
        }
        bt[i] = now() - a;
    }
    r->name = "kgress lpm6";
    r->build_s = median(bt, R);
    r->mib = (double)kgi_lpm6_memory(t) / 1048576.0;
    r->have_scalar = r->have_dep = 1;
    for (int s = 0; s < 2; s++) {
        uint8_t(*k)[16] = keys[s];
        uint64_t acc = 0;
        MEASURE(r->scalar[s], R, q, 0,
                for (size_t i = 0; i < q; i++) acc += kgi_lpm6_lookup(t, k[i]));
        MEASURE(r->batch[s], R, q, 0,
                for (size_t i = 0; i < q; i += BULK) kgi_lpm6_lookup_batch(
                    t, (const uint8_t(*)[16])(k + i), vals + i,
                    q - i < BULK ? q - i : BULK));
        uint32_t x = 0;
        MEASURE(
            r->dep_ns[s], R, q, 1, for (size_t i = 0; i < q; i++) {
                uint8_t kk[16];
                memcpy(kk, k[i], 16);
                kk[15] ^= (uint8_t)(x & 1);
                x = kgi_lpm6_lookup(t, kk);
            });
        sink += acc + x + vals[q / 2];
    }
    kgi_lpm6_free(t);
}

/* ---- DPDK peers ---- */

#ifdef KGRESS_HAVE_DPDK
static size_t heap_used(void)
{
    struct rte_malloc_socket_stats s;
    rte_malloc_get_socket_stats(0, &s);
    return s.heap_allocsz_bytes;
}

static int bench_rte_lpm(struct result *r, uint32_t *const keys[2],
                         uint32_t *vals, size_t q, int R)
{
    struct rte_lpm_config c = {
        .max_rules = (uint32_t)n4 + 1024, .number_tbl8s = 1 << 14, .flags = 0};
    size_t h0 = heap_used();
    struct rte_lpm *lpm = rte_lpm_create("bench4", 0, &c);
    if (!lpm) {
        printf("rte_lpm_create failed (%s)\n", rte_strerror(rte_errno));
        return -1;
    }
    double a = now();
    size_t fail = 0;
    for (size_t i = 0; i < n4; i++)
        fail += rte_lpm_add(lpm, v4[i].addr, v4[i].len, v4[i].value) < 0;
    r->build_s = now() - a;
    if (fail)
        printf("  rte_lpm: %zu add failures\n", fail);
    r->name = "rte_lpm";
    r->mib = (double)(heap_used() - h0) / 1048576.0;
    r->have_scalar = r->have_dep = 1;
    for (int s = 0; s < 2; s++) {
        const uint32_t *k = keys[s];
        uint64_t acc = 0;
        uint32_t h = 0;
        MEASURE(
            r->scalar[s], R, q, 0, for (size_t i = 0; i < q; i++) {
                rte_lpm_lookup(lpm, k[i], &h);
                acc += h;
            });
        MEASURE(
            r->batch[s], R, q, 0,
            for (size_t i = 0; i < q; i += BULK) rte_lpm_lookup_bulk(
                lpm, k + i, vals + i, q - i < BULK ? (unsigned)(q - i) : BULK));
        uint32_t x = 0;
        MEASURE(r->dep_ns[s], R, q, 1,
                for (size_t i = 0; i < q; i++)
                    rte_lpm_lookup(lpm, k[i] ^ (x & 1), &x));
        sink += acc + x + vals[q / 2];
    }
    rte_lpm_free(lpm);
    return 0;
}

static int bench_rte_fib(struct result *r, uint32_t *const keys[2],
                         uint64_t *vals, size_t q, int R)
{
    struct rte_fib_conf c;
    memset(&c, 0, sizeof c);
    c.type = RTE_FIB_DIR24_8;
    c.default_nh = 0;
    c.max_routes = (int)n4 + 1024;
    c.dir24_8.nh_sz = RTE_FIB_DIR24_8_4B;
    c.dir24_8.num_tbl8 = 1 << 14;
    size_t h0 = heap_used();
    struct rte_fib *fib = rte_fib_create("fib4", 0, &c);
    if (!fib) {
        printf("rte_fib_create failed (%s)\n", rte_strerror(rte_errno));
        return -1;
    }
    double a = now();
    for (size_t i = 0; i < n4; i++)
        rte_fib_add(fib, v4[i].addr, v4[i].len, v4[i].value);
    r->build_s = now() - a;
    r->name = "rte_fib";
    r->mib = (double)(heap_used() - h0) / 1048576.0;
    r->have_scalar = r->have_dep = 0;
    for (int s = 0; s < 2; s++) {
        uint32_t *k = keys[s];
        MEASURE(
            r->batch[s], R, q, 0,
            for (size_t i = 0; i < q; i += BULK) rte_fib_lookup_bulk(
                fib, k + i, vals + i, q - i < BULK ? (unsigned)(q - i) : BULK));
        sink += vals[q / 3];
    }
    rte_fib_free(fib);
    return 0;
}

static int bench_rte_lpm6(struct result *r, uint8_t (*const keys[2])[16],
                          int32_t *vals, size_t q, int R)
{
    struct rte_lpm6_config c = {
        .max_rules = (uint32_t)n6 + 1024, .number_tbl8s = 1 << 18, .flags = 0};
    size_t h0 = heap_used();
    struct rte_lpm6 *l = rte_lpm6_create("bench6", 0, &c);
    if (!l) {
        printf("rte_lpm6_create failed (%s)\n", rte_strerror(rte_errno));
        return -1;
    }
    double a = now();
    size_t fail = 0;
    for (size_t i = 0; i < n6; i++)
        fail += rte_lpm6_add(l, v6[i].addr, v6[i].len, v6[i].value) < 0;
    r->build_s = now() - a;
    if (fail)
        printf("  rte_lpm6: %zu add failures\n", fail);
    r->name = "rte_lpm6";
    r->mib = (double)(heap_used() - h0) / 1048576.0;
    r->have_scalar = r->have_dep = 1;
    for (int s = 0; s < 2; s++) {
        uint8_t(*k)[16] = keys[s];
        uint64_t acc = 0;
        uint32_t h = 0;
        MEASURE(
            r->scalar[s], R, q, 0, for (size_t i = 0; i < q; i++) {
                rte_lpm6_lookup(l, k[i], &h);
                acc += h;
            });
        MEASURE(
            r->batch[s], R, q, 0,
            for (size_t i = 0; i < q; i += BULK) rte_lpm6_lookup_bulk_func(
                l, k + i, vals + i, q - i < BULK ? (unsigned)(q - i) : BULK));
        uint32_t x = 0;
        MEASURE(
            r->dep_ns[s], R, q, 1, for (size_t i = 0; i < q; i++) {
                uint8_t kk[16];
                memcpy(kk, k[i], 16);
                kk[15] ^= (uint8_t)(x & 1);
                if (rte_lpm6_lookup(l, kk, &x) < 0)
                    x = UINT32_MAX;
            });
        sink += acc + x + (uint32_t)vals[q / 2];
    }
    rte_lpm6_free(l);
    return 0;
}

static int bench_rte_fib6(struct result *r, uint8_t (*const keys[2])[16],
                          uint64_t *vals, size_t q, int R)
{
    struct rte_fib6_conf c;
    memset(&c, 0, sizeof c);
    c.type = RTE_FIB6_TRIE;
    c.default_nh = 0;
    c.max_routes = (int)n6 + 1024;
    c.trie.nh_sz = RTE_FIB6_TRIE_4B;
    c.trie.num_tbl8 = 1 << 18;
    size_t h0 = heap_used();
    struct rte_fib6 *f = rte_fib6_create("fib6", 0, &c);
    if (!f) {
        printf("rte_fib6_create failed (%s)\n", rte_strerror(rte_errno));
        return -1;
    }
    double a = now();
    for (size_t i = 0; i < n6; i++)
        rte_fib6_add(f, v6[i].addr, v6[i].len, v6[i].value);
    r->build_s = now() - a;
    r->name = "rte_fib6";
    r->mib = (double)(heap_used() - h0) / 1048576.0;
    r->have_scalar = r->have_dep = 0;
    for (int s = 0; s < 2; s++) {
        uint8_t(*k)[16] = keys[s];
        MEASURE(
            r->batch[s], R, q, 0,
            for (size_t i = 0; i < q; i += BULK) rte_fib6_lookup_bulk(
                f, k + i, vals + i, q - i < BULK ? (unsigned)(q - i) : BULK));
        sink += vals[q / 3];
    }
    rte_fib6_free(f);
    return 0;
}
#endif

/* ---- main ---- */

static void usage(void)
{
    fprintf(stderr, "usage: bench_lpm -f FILE [-q KEYS] [-r REPEATS] [-P] "
                    "[-w] [-4|-6]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *file = NULL; /* -f: required */
    size_t q = 10000000;
    int R = 5, peers = 1, do4 = 1, do6 = 1, o;
    while ((o = getopt(argc, argv, "f:q:r:Pw46")) != -1) {
        switch (o) {
        case 'f':
            file = optarg;
            break;
        case 'q':
            q = strtoull(optarg, NULL, 0);
            break;
        case 'r':
            R = atoi(optarg);
            break;
        case 'P':
            peers = 0;
            break;
        case 'w':
            clock_id = CLOCK_MONOTONIC;
            break;
        case '4':
            do6 = 0;
            break;
        case '6':
            do4 = 0;
            break;
        default:
            usage();
        }
    }
    if (!file || R < 1 || R > MAX_REPEATS || q < BULK)
        usage();
#ifdef KGRESS_HAVE_DPDK
    if (peers) {
        char *eal[] = {argv[0],
                       "--no-huge",
                       "--no-pci",
                       "--no-shconf",
                       "-l",
                       "0",
                       "-m",
                       "3072",
                       "--no-telemetry",
                       "--log-level=lib.eal:error",
                       NULL};
        if (rte_eal_init((int)(sizeof eal / sizeof eal[0]) - 1, eal) < 0) {
            fprintf(stderr, "rte_eal_init failed: %s\n",
                    rte_strerror(rte_errno));
            return 1;
        }
    }
#else
    if (peers)
        printf("(built without DPDK: peers skipped; configure with "
               "-Ddpdk=enabled)\n");
    peers = 0;
#endif
    load(file);
    printf("%s: %zu IPv4, %zu IPv6 prefixes; %zu keys per set, median of %d "
           "runs, %s time\n",
           file, n4, n6, q, R,
           clock_id == CLOCK_MONOTONIC ? "wall" : "thread CPU");

    if (do4 && n4) {
        uint32_t *keys[2] = {malloc(q * 4), malloc(q * 4)};
        uint32_t *vals = malloc(q * 4);
        if (!keys[0] || !keys[1] || !vals)
            return 1;
        keys4(keys[0], q, 0);
        keys4(keys[1], q, 1);
        struct result k, p;
        printf("\n== IPv4 (%zu prefixes)\n", n4);
        bench_kgress4(&k, keys, vals, q, R);
        print_result(&k);
#ifdef KGRESS_HAVE_DPDK
        if (peers) {
            if (bench_rte_lpm(&p, keys, vals, q, R) == 0) {
                print_result(&p);
                print_ratio(&k, &p);
            }
            uint64_t *v64 = malloc(q * 8);
            if (v64 && bench_rte_fib(&p, keys, v64, q, R) == 0) {
                print_result(&p);
                print_ratio(&k, &p);
            }
            free(v64);
        }
#endif
        (void)p;
        free(keys[0]);
        free(keys[1]);
        free(vals);
    }
    if (do6 && n6) {
        uint8_t(*keys[2])[16] = {malloc(q * 16), malloc(q * 16)};
        uint32_t *vals = malloc(q * 8);
        if (!keys[0] || !keys[1] || !vals)
            return 1;
        keys6(keys[0], q, 0);
        keys6(keys[1], q, 1);
        struct result k, p;
        printf("\n== IPv6 (%zu prefixes; random keys in 2000::/3)\n", n6);
        bench_kgress6(&k, keys, vals, q, R);
        print_result(&k);
#ifdef KGRESS_HAVE_DPDK
        if (peers) {
            if (bench_rte_lpm6(&p, keys, (int32_t *)vals, q, R) == 0) {
                print_result(&p);
                print_ratio(&k, &p);
            }
            if (bench_rte_fib6(&p, keys, (uint64_t *)vals, q, R) == 0) {
                print_result(&p);
                print_ratio(&k, &p);
            }
        }
#endif
        (void)p;
        free(keys[0]);
        free(keys[1]);
        free(vals);
    }
    printf("\n(sink %lu)\n", (unsigned long)sink);
#ifdef KGRESS_HAVE_DPDK
    if (peers)
        rte_eal_cleanup();
#endif
    return 0;
}
