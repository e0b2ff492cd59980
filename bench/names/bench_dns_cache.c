// SPDX-License-Identifier: MIT
/*
 * bench_dns_cache.c - kg_dns_cache: observations per second into the
 * cache (one writer) while reader threads look addresses up, and the
 * readers' lookups per second (issue 11 target: 10^6 observations/s with
 * readers running).
 *
 *   bench_dns_cache [-r REPEATS] [-n OBSERVATIONS] [-t READERS]
 *
 * Workload: 10^4 names ("svc<i>.example<i%97>.com"), each resolving to
 * one of 2^16 addresses, observed for 100 clients (a third without a
 * client) with TTL 30 at an advancing clock; the cache has the default
 * limits (65,536 bindings, 16,384 names), so it fills and evicts. Readers
 * ask random (client, address) pairs. Wall-clock medians of REPEATS runs
 * (threads run concurrently: CPU time would not show contention), so on a
 * shared machine figures vary; timings belong here, never in tests.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/clock.h"
#include "kgress.h"

static kg_dns_cache *cache;
static atomic_int stop;

static struct kg_addr addr(unsigned a)
{
    struct kg_addr x = {4, {198, 18, (uint8_t)(a >> 8), (uint8_t)a}};
    return x;
}

static void *reader(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    unsigned long *n = malloc(sizeof *n);
    *n = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        struct kg_addr cl = {4, {10, 0, 0, (uint8_t)(rand_r(&seed) % 100)}};
        struct kg_addr a = addr((unsigned)rand_r(&seed));
        char buf[KG_DNS_NAME_BUF];
        kg_dns_cache_name(cache, &cl, &a, 1u << 20, 0, buf, sizeof buf);
        (*n)++;
    }
    return n;
}

int main(int argc, char **argv)
{
    int reps = 5, readers = 1, o;
    long n = 1000000;
    while ((o = getopt(argc, argv, "r:n:t:")) != -1) {
        if (o == 'r')
            reps = atoi(optarg);
        else if (o == 'n')
            n = atol(optarg);
        else if (o == 't')
            readers = atoi(optarg);
        else {
            fprintf(stderr, "usage: bench_dns_cache [-r REPEATS] "
                            "[-n OBSERVATIONS] [-t READERS]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > 32 || n < 1 || readers < 0 || readers > 16)
        return 2;
    static char names[10000][40];
    static size_t lens[10000];
    for (int i = 0; i < 10000; i++)
        lens[i] = (size_t)sprintf(names[i], "svc%d.example%d.com", i, i % 97);
    double obs[32], look[32];
    for (int r = 0; r < reps; r++) {
        cache = kg_dns_cache_new(NULL);
        atomic_store(&stop, 0);
        pthread_t th[16];
        for (int t = 0; t < readers; t++)
            pthread_create(&th[t], NULL, reader, (void *)(uintptr_t)(t + 1));
        unsigned seed = 42;
        double t0 = bench_now();
        for (long i = 0; i < n; i++) {
            unsigned k = (unsigned)rand_r(&seed);
            struct kg_addr a = addr(k);
            struct kg_addr cl = {4, {10, 0, 0, (uint8_t)(k % 100)}};
            kg_dns_cache_observe(cache, k % 3 ? &cl : NULL, names[k % 10000],
                                 lens[k % 10000], &a, 1, 30,
                                 (uint64_t)(i / 1000));
        }
        double dt = bench_now() - t0;
        atomic_store(&stop, 1);
        unsigned long total = 0;
        for (int t = 0; t < readers; t++) {
            void *p;
            pthread_join(th[t], &p);
            total += *(unsigned long *)p;
            free(p);
        }
        obs[r] = (double)n / dt;
        look[r] = (double)total / dt;
        kg_dns_cache_free(cache);
    }
    printf("%ld observations, %d reader(s): %.2f M observations/s, %.2f M "
           "lookups/s (medians of %d)\n",
           n, readers, bench_median(obs, reps) / 1e6,
           bench_median(look, reps) / 1e6, reps);
    return 0;
}
