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
 * build (~90 s: its add is linear in the rules of a depth) is done once.
 *
 * Pages: each structure is measured on 4 KiB pages and, where the machine
 * allows, on huge pages: kgress with its own transparent-huge-page advice
 * ("THP") and with THP disabled for the process ("4K"); the DPDK tables on
 * 2 MiB hugetlbfs pages ("2M", EAL heap, when -H is given and hugepages are
 * reserved) and on 4 KiB pages ("4K": with -H an external heap on ordinary
 * memory, else the --no-huge EAL heap). rte_lpm is built once and copied to
 * the other page size (its lookups read only the public tbl24 and tbl8).
 * Usage: bench_lpm -f FILE [-q KEYS] [-r REPEATS] [-P] [-L] [-H] [-w] [-4|-6]
 *   -P skips the DPDK peers, -L skips rte_lpm (its 90 s build), -H runs
 *   the EAL on hugepages; times are thread CPU time unless -w (wall clock).
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

#include <sys/mman.h>
#include <sys/prctl.h>

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
    const char *pages; /* "4K", "2M", "THP" */
    double build_s;
    double mib;
    double scalar[2], batch[2], dep_ns[2]; /* [key set]: M lookups/s, ns */
    int have_scalar, have_dep;
};

static const char *set_name[2] = {"random", "in-table"};

static void print_result(const struct result *r)
{
    printf("  %-16s %-3s  build %8.3f s  mem %8.2f MiB\n", r->name, r->pages,
           r->build_s, r->mib);
    for (int s = 0; s < 2; s++) {
        printf("  %-20s   %-8s", "", set_name[s]);
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
    printf("  ratio %s %s / %s %s: memory %.3fx, build %.3fx\n", a->name,
           a->pages, b->name, b->pages, a->mib / b->mib,
           a->build_s / b->build_s);
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

/* AnonHugePages of the process, in KiB (transparent huge pages in use). */
static long anon_huge_kib(void)
{
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    char line[256];
    long kib = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "AnonHugePages: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

/* thp == 0: the table is built and looked up with transparent huge pages
 * disabled for the process (PR_SET_THP_DISABLE), i.e. on 4 KiB pages. */
static void thp_set(int thp)
{
    if (prctl(PR_SET_THP_DISABLE, thp ? 0 : 1, 0, 0, 0) < 0)
        perror("prctl(PR_SET_THP_DISABLE)");
}

static void print_huge(long before)
{
    long after = anon_huge_kib();
    if (before >= 0 && after >= 0)
        printf("  (%.1f MiB of it on transparent huge pages)\n",
               (double)(after - before) / 1024.0);
}

static void bench_kgress4(struct result *r, uint32_t *const keys[2],
                          uint32_t *vals, size_t q, int R, int thp)
{
    struct kgi_lpm4 *t = NULL;
    double bt[MAX_REPEATS];
    thp_set(thp);
    long huge0 = anon_huge_kib();
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
    r->pages = thp ? "THP" : "4K";
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
    print_result(r);
    print_huge(huge0);
    kgi_lpm4_free(t);
    thp_set(1);
}

static void bench_kgress6(struct result *r, uint8_t (*const keys[2])[16],
                          uint32_t *vals, size_t q, int R, int thp)
{
    struct kgi_lpm6 *t = NULL;
    double bt[MAX_REPEATS];
    thp_set(thp);
    long huge0 = anon_huge_kib();
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
    r->pages = thp ? "THP" : "4K";
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
    print_result(r);
    print_huge(huge0);
    kgi_lpm6_free(t);
    thp_set(1);
}

/* ---- DPDK peers ---- */

#ifdef KGRESS_HAVE_DPDK
/* The page sizes the peers can be measured on: [0] 4 KiB, [1] 2 MiB; each
 * an rte_malloc socket (heap), have[] says which exist. */
enum { PG_4K, PG_2M };
static const char *pg_name[2] = {"4K", "2M"};
static int pg_socket[2], pg_have[2];

static size_t heap_used(int socket)
{
    struct rte_malloc_socket_stats s;
    if (rte_malloc_get_socket_stats(socket, &s) < 0)
        return 0;
    return s.heap_allocsz_bytes;
}

/* An external malloc heap on ordinary (4 KiB, THP disabled) memory, so that
 * an EAL running on hugepages can also place tables on small pages. */
#define HEAP_4K_BYTES ((size_t)1 << 30)
static int heap_4k_create(void)
{
    void *m = mmap(NULL, HEAP_4K_BYTES, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
        return -1;
    (void)madvise(m, HEAP_4K_BYTES, MADV_NOHUGEPAGE);
    if (rte_malloc_heap_create("kgress4k") < 0 ||
        rte_malloc_heap_memory_add("kgress4k", m, HEAP_4K_BYTES, NULL, 0,
                                   4096) < 0) {
        printf("external 4 KiB heap: %s\n", rte_strerror(rte_errno));
        return -1;
    }
    return rte_malloc_heap_get_socket("kgress4k");
}

/* Lookups of an rte_lpm: one function for the built table and its copies. */
static void measure_rte_lpm(struct result *r, const struct rte_lpm *lpm,
                            uint32_t *const keys[2], uint32_t *vals, size_t q,
                            int R)
{
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
}

#define LPM_TBL8S (1 << 14)

/* Builds rte_lpm once (on the first page size the machine has) and measures
 * it there and, copied, on the other. res[PG_*] gets each; returns a mask
 * of the page sizes measured. */
static int bench_rte_lpm(struct result res[2], uint32_t *const keys[2],
                         uint32_t *vals, size_t q, int R)
{
    int home = pg_have[PG_2M] ? PG_2M : PG_4K, done = 0;
    struct rte_lpm_config c = {.max_rules = (uint32_t)n4 + 1024,
                               .number_tbl8s = LPM_TBL8S,
                               .flags = 0};
    size_t h0 = heap_used(pg_socket[home]);
    struct rte_lpm *lpm = rte_lpm_create("bench4", pg_socket[home], &c);
    if (!lpm) {
        printf("rte_lpm_create failed (%s)\n", rte_strerror(rte_errno));
        return 0;
    }
    double a = now();
    size_t fail = 0;
    for (size_t i = 0; i < n4; i++)
        fail += rte_lpm_add(lpm, v4[i].addr, v4[i].len, v4[i].value) < 0;
    double build = now() - a;
    if (fail)
        printf("  rte_lpm: %zu add failures\n", fail);
    double mib = (double)(heap_used(pg_socket[home]) - h0) / 1048576.0;
    for (int pg = 0; pg < 2; pg++) {
        if (!pg_have[pg])
            continue;
        struct result *r = &res[pg];
        r->name = "rte_lpm";
        r->pages = pg_name[pg];
        r->build_s = build;
        r->mib = mib;
        if (pg == home) {
            measure_rte_lpm(r, lpm, keys, vals, q, R);
        } else {
            size_t tbl8 = (size_t)LPM_TBL8S * RTE_LPM_TBL8_GROUP_NUM_ENTRIES *
                          sizeof(struct rte_lpm_tbl_entry);
            struct rte_lpm *cp =
                rte_malloc_socket("lpmcopy", sizeof *cp, 64, pg_socket[pg]);
            void *t8 = rte_malloc_socket("lpmcopy8", tbl8, 64, pg_socket[pg]);
            if (!cp || !t8) {
                printf("rte_lpm copy to %s pages: no memory\n", pg_name[pg]);
                rte_free(cp);
                rte_free(t8);
                continue;
            }
            memcpy(cp->tbl24, lpm->tbl24, sizeof cp->tbl24);
            memcpy(t8, lpm->tbl8, tbl8);
            cp->tbl8 = t8;
            measure_rte_lpm(r, cp, keys, vals, q, R);
            rte_free(t8);
            rte_free(cp);
        }
        print_result(r);
        done |= 1 << pg;
    }
    rte_lpm_free(lpm);
    return done;
}

static int bench_rte_fib(struct result *r, int pg, uint32_t *const keys[2],
                         uint64_t *vals, size_t q, int R)
{
    struct rte_fib_conf c;
    memset(&c, 0, sizeof c);
    c.type = RTE_FIB_DIR24_8;
    c.default_nh = 0;
    c.max_routes = (int)n4 + 1024;
    c.dir24_8.nh_sz = RTE_FIB_DIR24_8_4B;
    c.dir24_8.num_tbl8 = 1 << 14;
    size_t h0 = heap_used(pg_socket[pg]);
    struct rte_fib *fib = rte_fib_create("fib4", pg_socket[pg], &c);
    if (!fib) {
        printf("rte_fib_create failed (%s)\n", rte_strerror(rte_errno));
        return -1;
    }
    double a = now();
    for (size_t i = 0; i < n4; i++)
        rte_fib_add(fib, v4[i].addr, v4[i].len, v4[i].value);
    r->build_s = now() - a;
    /* the fastest bulk lookup this CPU runs (EAL allows 512-bit SIMD) */
    int avx512 =
        rte_fib_select_lookup(fib, RTE_FIB_LOOKUP_DIR24_8_VECTOR_AVX512) == 0;
    r->name = avx512 ? "rte_fib avx512" : "rte_fib";
    r->pages = pg_name[pg];
    r->mib = (double)(heap_used(pg_socket[pg]) - h0) / 1048576.0;
    r->have_scalar = r->have_dep = 1;
    for (int s = 0; s < 2; s++) {
        uint32_t *k = keys[s];
        uint64_t acc = 0, h = 0;
        /* DPDK has no single-key FIB lookup: a bulk call of one key */
        MEASURE(
            r->scalar[s], R, q, 0, for (size_t i = 0; i < q; i++) {
                rte_fib_lookup_bulk(fib, k + i, &h, 1);
                acc += h;
            });
        MEASURE(
            r->batch[s], R, q, 0,
            for (size_t i = 0; i < q; i += BULK) rte_fib_lookup_bulk(
                fib, k + i, vals + i, q - i < BULK ? (unsigned)(q - i) : BULK));
        uint64_t x = 0;
        MEASURE(
            r->dep_ns[s], R, q, 1, for (size_t i = 0; i < q; i++) {
                uint32_t kk = k[i] ^ (uint32_t)(x & 1);
                rte_fib_lookup_bulk(fib, &kk, &x, 1);
            });
        sink += acc + x + vals[q / 3];
    }
    rte_fib_free(fib);
    print_result(r);
    return 0;
}

static int bench_rte_lpm6(struct result *r, int pg,
                          uint8_t (*const keys[2])[16], int32_t *vals, size_t q,
                          int R)
{
    struct rte_lpm6_config c = {
        .max_rules = (uint32_t)n6 + 1024, .number_tbl8s = 1 << 18, .flags = 0};
    size_t h0 = heap_used(pg_socket[pg]);
    struct rte_lpm6 *l = rte_lpm6_create("bench6", pg_socket[pg], &c);
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
    r->pages = pg_name[pg];
    r->mib = (double)(heap_used(pg_socket[pg]) - h0) / 1048576.0;
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
    print_result(r);
    return 0;
}

static int bench_rte_fib6(struct result *r, int pg,
                          uint8_t (*const keys[2])[16], uint64_t *vals,
                          size_t q, int R)
{
    struct rte_fib6_conf c;
    memset(&c, 0, sizeof c);
    c.type = RTE_FIB6_TRIE;
    c.default_nh = 0;
    c.max_routes = (int)n6 + 1024;
    c.trie.nh_sz = RTE_FIB6_TRIE_4B;
    c.trie.num_tbl8 = 1 << 18;
    size_t h0 = heap_used(pg_socket[pg]);
    struct rte_fib6 *f = rte_fib6_create("fib6", pg_socket[pg], &c);
    if (!f) {
        printf("rte_fib6_create failed (%s)\n", rte_strerror(rte_errno));
        return -1;
    }
    double a = now();
    for (size_t i = 0; i < n6; i++)
        rte_fib6_add(f, v6[i].addr, v6[i].len, v6[i].value);
    r->build_s = now() - a;
    int avx512 =
        rte_fib6_select_lookup(f, RTE_FIB6_LOOKUP_TRIE_VECTOR_AVX512) == 0;
    r->name = avx512 ? "rte_fib6 avx512" : "rte_fib6";
    r->pages = pg_name[pg];
    r->mib = (double)(heap_used(pg_socket[pg]) - h0) / 1048576.0;
    r->have_scalar = r->have_dep = 1;
    for (int s = 0; s < 2; s++) {
        uint8_t(*k)[16] = keys[s];
        uint64_t acc = 0, h = 0;
        MEASURE(
            r->scalar[s], R, q, 0, for (size_t i = 0; i < q; i++) {
                rte_fib6_lookup_bulk(f, k + i, &h, 1);
                acc += h;
            });
        MEASURE(
            r->batch[s], R, q, 0,
            for (size_t i = 0; i < q; i += BULK) rte_fib6_lookup_bulk(
                f, k + i, vals + i, q - i < BULK ? (unsigned)(q - i) : BULK));
        uint64_t x = 0;
        MEASURE(
            r->dep_ns[s], R, q, 1, for (size_t i = 0; i < q; i++) {
                uint8_t kk[16];
                memcpy(kk, k[i], 16);
                kk[15] ^= (uint8_t)(x & 1);
                rte_fib6_lookup_bulk(f, &kk, &x, 1);
            });
        sink += acc + x + vals[q / 3];
    }
    rte_fib6_free(f);
    print_result(r);
    return 0;
}

/* Ratios of both kgress rows (THP, 4K) to a peer row. */
static void print_ratios(const struct result k[2], const struct result *p)
{
    print_ratio(&k[0], p);
    print_ratio(&k[1], p);
}

static int eal_init(const char *argv0, int huge)
{
    char *eal[16];
    int n = 0;
    eal[n++] = (char *)argv0;
    if (huge) {
        eal[n++] = "--in-memory";
    } else {
        eal[n++] = "--no-huge";
        eal[n++] = "--no-shconf";
    }
    eal[n++] = "--no-pci";
    eal[n++] = "-l";
    eal[n++] = "0";
    eal[n++] = "-m";
    eal[n++] = huge ? "1200" : "3072";
    eal[n++] = "--no-telemetry";
    eal[n++] = "--force-max-simd-bitwidth=512";
    eal[n++] = "--log-level=lib.eal:error";
    eal[n] = NULL;
    if (rte_eal_init(n, eal) < 0) {
        fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
        return -1;
    }
    pg_have[huge ? PG_2M : PG_4K] = 1;
    pg_socket[huge ? PG_2M : PG_4K] = 0;
    if (huge) {
        int s4 = heap_4k_create();
        if (s4 >= 0) {
            pg_have[PG_4K] = 1;
            pg_socket[PG_4K] = s4;
        }
    }
    return 0;
}
#endif

/* ---- main ---- */

static void usage(void)
{
    fprintf(stderr, "usage: bench_lpm -f FILE [-q KEYS] [-r REPEATS] [-P] "
                    "[-L] [-H] [-w] [-4|-6]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *file = NULL; /* -f: required */
    size_t q = 10000000;
    int R = 5, peers = 1, do4 = 1, do6 = 1, huge = 0, lpm = 1, o;
    while ((o = getopt(argc, argv, "f:q:r:PLHw46")) != -1) {
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
        case 'L':
            lpm = 0;
            break;
        case 'H':
            huge = 1;
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
    if (peers && eal_init(argv[0], huge) < 0)
        return 1;
#else
    if (peers)
        printf("(built without DPDK: peers skipped; configure with "
               "-Ddpdk=enabled)\n");
    peers = 0;
    (void)huge;
    (void)lpm;
#endif
    load(file);
    printf("%s: %zu IPv4, %zu IPv6 prefixes; %zu keys per set, median of %d "
           "runs, %s time\n",
           file, n4, n6, q, R,
           clock_id == CLOCK_MONOTONIC ? "wall" : "thread CPU");
#ifdef KGRESS_HAVE_DPDK
    if (peers)
        printf("DPDK pages: %s%s%s\n", pg_have[PG_4K] ? "4K " : "",
               pg_have[PG_2M] ? "2M" : "",
               pg_have[PG_2M] ? "" : " (no -H or no hugepages reserved)");
#endif

    if (do4 && n4) {
        uint32_t *keys[2] = {malloc(q * 4), malloc(q * 4)};
        uint32_t *vals = malloc(q * 4);
        if (!keys[0] || !keys[1] || !vals)
            return 1;
        keys4(keys[0], q, 0);
        keys4(keys[1], q, 1);
        struct result k[2], p[2];
        printf("\n== IPv4 (%zu prefixes)\n", n4);
        bench_kgress4(&k[0], keys, vals, q, R, 1);
        bench_kgress4(&k[1], keys, vals, q, R, 0);
#ifdef KGRESS_HAVE_DPDK
        if (peers) {
            int got = lpm ? bench_rte_lpm(p, keys, vals, q, R) : 0;
            for (int pg = 0; pg < 2; pg++)
                if (got >> pg & 1)
                    print_ratios(k, &p[pg]);
            uint64_t *v64 = malloc(q * 8);
            for (int pg = 0; v64 && pg < 2; pg++)
                if (pg_have[pg] &&
                    bench_rte_fib(&p[pg], pg, keys, v64, q, R) == 0)
                    print_ratios(k, &p[pg]);
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
        struct result k[2], p[2];
        printf("\n== IPv6 (%zu prefixes; random keys in 2000::/3)\n", n6);
        bench_kgress6(&k[0], keys, vals, q, R, 1);
        bench_kgress6(&k[1], keys, vals, q, R, 0);
#ifdef KGRESS_HAVE_DPDK
        if (peers) {
            for (int pg = 0; pg < 2; pg++)
                if (pg_have[pg] && bench_rte_lpm6(&p[pg], pg, keys,
                                                  (int32_t *)vals, q, R) == 0)
                    print_ratios(k, &p[pg]);
            for (int pg = 0; pg < 2; pg++)
                if (pg_have[pg] && bench_rte_fib6(&p[pg], pg, keys,
                                                  (uint64_t *)vals, q, R) == 0)
                    print_ratios(k, &p[pg]);
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
