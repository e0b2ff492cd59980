// SPDX-License-Identifier: MIT
/*
 * bench_namepat.c - domain-name pattern lookups (lib/policy/namepat.c)
 * against a linear reference, at 1k, 10k and 100k patterns.
 *
 *   bench_namepat [-r REPEATS] [-q QUERIES] [-n PATTERNS]
 *   (-n: only that table size)
 *
 * Patterns model domainNames peers of many policies: pattern i names the
 * organisation "o<i/2>-<word>.<tld>" (tld one of com, net, io, org,
 * co.uk), exact ("api.o17-shop.com") when i is even, wildcard
 * ("*.o17-shop.com") when odd; 5% of the exact ones have three labels
 * before the organisation. Queries, in random order: a third exact hits
 * (10% written in upper case or with the trailing dot), a third names
 * under a wildcard with one to three extra labels ("x3.cdn.o9-pay.net"),
 * a third misses (unknown organisations, or the apex of a wildcard).
 *
 * Linear reference: the name is normalized once, then every pattern is
 * compared (equality, or "ends with . + suffix") -- what a naive
 * allowlist does. Its answers are checked against the table's on a sample,
 * so a wrong table cannot report a figure. The previous layout of the
 * table (namepat_v1.c: 16-byte slots, bodies in a side pool) answers the
 * same queries in the same run, checked equal to the table on every
 * query, so the two are compared on the same machine state. Figures are CPU
 * time of the (single-threaded) process per lookup, medians of REPEATS runs
 * over the same query array. Timings belong here, never in tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/clock.h"
#include "kgress.h"
#include "namepat_v1.h"
#include "policy/namepat.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static const char *const words[] = {"shop", "pay",  "cdn",   "api",
                                    "mail", "data", "cloud", "edge"};
static const char *const tlds[] = {"com", "net", "io", "org", "co.uk"};

static void org(char *out, size_t cap, uint32_t o)
{
    snprintf(out, cap, "o%u-%s.%s", o, words[o % 8], tlds[(o / 8) % 5]);
}

struct set {
    char (*pat)[96];
    size_t n;
};

static void make_patterns(struct set *s, size_t n)
{
    s->pat = malloc(n * sizeof *s->pat);
    s->n = n;
    for (size_t i = 0; i < n; i++) {
        char o[64];
        org(o, sizeof o, (uint32_t)(i / 2));
        if (i % 2)
            snprintf(s->pat[i], sizeof s->pat[i], "*.%s", o);
        else if (i % 40 == 0)
            snprintf(s->pat[i], sizeof s->pat[i], "a.b.api.%s", o);
        else
            snprintf(s->pat[i], sizeof s->pat[i], "api.%s", o);
    }
}

static void make_query(char *q, size_t cap, size_t npat)
{
    char o[64];
    uint32_t kind = rnd() % 3, i = rnd() % (uint32_t)npat;
    if (kind == 0) {
        org(o, sizeof o, i / 2);
        snprintf(q, cap, "%sapi.%s%s", i % 40 == 0 ? "a.b." : "", o,
                 rnd() % 20 == 0 ? "." : "");
        if (rnd() % 20 == 0)
            for (char *c = q; *c; c++)
                *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
    } else if (kind == 1) {
        org(o, sizeof o, i / 2);
        int extra = 1 + (int)(rnd() % 3);
        q[0] = 0;
        for (int k = 0; k < extra; k++) {
            char l[16];
            snprintf(l, sizeof l, "%s%u.", k ? words[rnd() % 8] : "x",
                     rnd() % 10);
            strcat(q, l);
        }
        strcat(q, o);
    } else if (rnd() % 2) {
        org(o, sizeof o, (uint32_t)npat + rnd() % 100000);
        snprintf(q, cap, "www.%s", o);
    } else {
        org(o, sizeof o, i / 2);
        snprintf(q, cap, "%s", o); /* the apex: never under its wildcard */
    }
}

/* The linear reference: how many patterns match name. */
static size_t ref_count(const struct set *s, const char *name, size_t n)
{
    char buf[KGI_NAME_MAX + 1];
    int len = kgi_name_normalize(name, n, buf);
    if (len < 0)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        const char *p = s->pat[i];
        bool wild = p[0] == '*';
        if (wild)
            p += 2;
        size_t pl = strlen(p);
        if (!wild)
            k += pl == (size_t)len && memcmp(p, buf, pl) == 0;
        else
            k += (size_t)len > pl + 1 && buf[len - pl - 1] == '.' &&
                 memcmp(buf + len - pl, p, pl) == 0;
    }
    return k;
}

static void run(size_t npat, size_t nq, int reps)
{
    struct set s;
    make_patterns(&s, npat);
    struct kgi_namepat t;
    struct np1 v1;
    kgi_namepat_init(&t);
    np1_init(&v1);
    double t0 = bench_cpu_now();
    for (size_t i = 0; i < npat; i++) {
        uint32_t id;
        if (kgi_namepat_add(&t, s.pat[i], strlen(s.pat[i]), &id)) {
            fprintf(stderr, "add %s failed\n", s.pat[i]);
            exit(1);
        }
    }
    double build = bench_cpu_now() - t0;
    for (size_t i = 0; i < npat; i++) {
        uint32_t id;
        if (np1_add(&v1, s.pat[i], strlen(s.pat[i]), &id)) {
            fprintf(stderr, "v1 add %s failed\n", s.pat[i]);
            exit(1);
        }
    }
    /* queries packed back to back, read in order: the caller of a lookup
     * has the name at hand, so the names' own cache misses stay out of
     * the figure */
    char **q = malloc(nq * sizeof *q), *packed = malloc(nq * 128);
    size_t *ql = malloc(nq * sizeof *ql), used = 0;
    for (size_t i = 0; i < nq; i++) {
        q[i] = packed + used;
        make_query(q[i], 128, npat);
        ql[i] = strlen(q[i]);
        used += ql[i];
    }
    /* the table agrees with the reference on a sample, and with the
     * previous layout on every query (ids and order) */
    size_t sample = npat >= 100000 ? 200 : 2000, hits = 0;
    for (size_t i = 0; i < nq; i++) {
        uint32_t ids[8], ids1[8];
        size_t a = kgi_namepat_match(&t, q[i], ql[i], ids, 8);
        size_t c = np1_match(&v1, q[i], ql[i], ids1, 8);
        if (a != c || memcmp(ids, ids1, (a < 8 ? a : 8) * sizeof ids[0])) {
            fprintf(stderr, "%s: table %zu, previous layout %zu\n", q[i], a, c);
            exit(1);
        }
        if (i >= sample)
            continue;
        size_t b = ref_count(&s, q[i], ql[i]);
        if (a != b) {
            fprintf(stderr, "%s: table %zu, reference %zu\n", q[i], a, b);
            exit(1);
        }
        hits += a != 0;
    }
    double tab[32], old[32], ref[32];
    size_t total = 0, nref = nq < 2000 ? nq : 2000;
    if (npat >= 100000)
        nref = 200;
    for (int r = 0; r < reps; r++) {
        t0 = bench_cpu_now();
        for (size_t i = 0; i < nq; i++) {
            uint32_t ids[8];
            total += kgi_namepat_match(&t, q[i], ql[i], ids, 8);
        }
        tab[r] = (bench_cpu_now() - t0) / (double)nq * 1e9;
        t0 = bench_cpu_now();
        for (size_t i = 0; i < nq; i++) {
            uint32_t ids[8];
            total += np1_match(&v1, q[i], ql[i], ids, 8);
        }
        old[r] = (bench_cpu_now() - t0) / (double)nq * 1e9;
        t0 = bench_cpu_now();
        for (size_t i = 0; i < nref; i++)
            total += ref_count(&s, q[i], ql[i]);
        ref[r] = (bench_cpu_now() - t0) / (double)nref * 1e9;
    }
    double mt = bench_median(tab, reps), mo = bench_median(old, reps),
           mr = bench_median(ref, reps);
    printf("%7zu patterns: table %6.1f ns/lookup, previous layout %6.1f "
           "(x%.2f), linear %10.0f (x%.0f); table %.2f MiB, previous %.2f "
           "MiB; build %.1f ms; %zu/%zu sample names match [%zu]\n",
           npat, mt, mo, mo / mt, mr, mr / mt,
           (double)kgi_namepat_bytes(&t) / (1 << 20),
           (double)np1_bytes(&v1) / (1 << 20), build * 1e3, hits, sample,
           total % 10);
    kgi_namepat_release(&t);
    np1_release(&v1);
    free(s.pat);
    free(q);
    free(packed);
    free(ql);
}

int main(int argc, char **argv)
{
    int reps = 5, o;
    size_t nq = 1000000, only = 0;
    while ((o = getopt(argc, argv, "r:q:n:")) != -1) {
        if (o == 'r')
            reps = atoi(optarg);
        else if (o == 'q')
            nq = (size_t)atol(optarg);
        else if (o == 'n')
            only = (size_t)atol(optarg);
        else {
            fprintf(stderr, "usage: bench_namepat [-r REPEATS] [-q QUERIES] "
                            "[-n PATTERNS]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > 32 || nq < 1) {
        fprintf(stderr, "bench_namepat: -r 1..32, -q >= 1\n");
        return 2;
    }
    const size_t sizes[] = {1000, 10000, 100000};
    for (size_t i = 0; i < 3; i++)
        if (!only || only == sizes[i])
            run(sizes[i], nq, reps);
    if (only && only != 1000 && only != 10000 && only != 100000)
        run(only, nq, reps);
    return 0;
}
