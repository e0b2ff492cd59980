// SPDX-License-Identifier: MIT
/*
 * test_dns_threads.c - kg_dns_cache under concurrency: one writer observes
 * a stream that keeps both limits (bindings and names) evicting, while
 * reader threads look addresses up without locks. Every address is only
 * ever bound to one name (a function of the address), so a reader that
 * saw a torn update -- a reused node or name slot read half-way -- would
 * report another name: the readers check each name they get. Snapshots
 * of the cache are saved and restored into it on the way (the restore
 * writes bindings like the observations do). Run under
 * ThreadSanitizer in CI (.ci/run); the seqlock's shared words are all
 * C11 atomics, so TSan must stay silent.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kgress.h"
#include "policy/dns_cache.h"

#define N_ADDRS 16
#define N_NAMES 7 /* more than the cache holds: names are evicted too */
#define READERS 2

static kg_dns_cache *cache;
static atomic_int done;
static atomic_ulong found, bad;

static struct kg_addr addr_of(unsigned a)
{
    struct kg_addr x;
    memset(&x, 0, sizeof x);
    x.family = a % 2 ? 4 : 6;
    if (x.family == 4) {
        x.bytes[0] = 10;
        x.bytes[1] = 1;
        x.bytes[2] = (uint8_t)(a >> 8);
        x.bytes[3] = (uint8_t)a;
    } else {
        x.bytes[0] = 0xfd;
        x.bytes[14] = (uint8_t)(a >> 8);
        x.bytes[15] = (uint8_t)a;
    }
    return x;
}

static int name_of(unsigned a, char *buf)
{
    return sprintf(buf, "n%u.service-%u.example", a % N_NAMES, a % N_NAMES);
}

static struct kg_addr client(unsigned k)
{
    struct kg_addr c;
    memset(&c, 0, sizeof c);
    c.family = 4;
    c.bytes[0] = 10;
    c.bytes[3] = (uint8_t)(1 + k);
    return c;
}

static void *reader(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    unsigned long f = 0, b = 0;
    while (!atomic_load(&done)) {
        unsigned a = (unsigned)rand_r(&seed) % N_ADDRS;
        struct kg_addr x = addr_of(a), cl = client(a % 3);
        char want[64], got[KG_DNS_NAME_BUF];
        name_of(a, want);
        for (size_t i = 0;; i++) {
            int rc =
                kg_dns_cache_name(cache, &cl, &x, 1u << 30, i, got, sizeof got);
            if (rc == KG_ENOTFOUND)
                break;
            if (rc < 0 || strcmp(got, want) != 0) {
                b++;
                break;
            }
            f++;
        }
    }
    atomic_fetch_add(&found, f);
    atomic_fetch_add(&bad, b);
    return NULL;
}

static void test_readers_while_writing(void **state)
{
    (void)state;
    kg_options *o = kg_options_new();
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DNS_ENTRIES, 8), 0);
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DNS_NAMES, 4), 0);
    cache = kg_dns_cache_new(o);
    kg_options_free(o);
    assert_non_null(cache);
    pthread_t th[READERS];
    for (uintptr_t i = 0; i < READERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, reader, (void *)(i + 1)),
                         0);
    const char *scale = getenv("KGRESS_TEST_SCALE");
    long rounds = (long)(200000 * (scale ? atof(scale) : 1.0));
    if (rounds < 2000)
        rounds = 2000;
    unsigned seed = 7;
    unsigned long limited = 0, restores = 0;
    for (long r = 0; r < rounds; r++) {
        unsigned a = (unsigned)rand_r(&seed) % N_ADDRS;
        struct kg_addr x = addr_of(a), cl = client(a % 3);
        char name[64];
        int n = name_of(a, name);
        /* a third of them without a client (global) */
        int rc = kg_dns_cache_observe(cache, r % 3 ? &cl : NULL, name,
                                      (size_t)n, &x, 1, 1u << 31, (uint64_t)r);
        assert_true(rc == 0 || rc == KG_ELIMIT_CACHE);
        limited += rc != 0;
        /* snapshots taken and restored into the live cache while the
         * readers run (a restore binds like observations do) */
        if (r % 997 == 0) {
            static uint8_t snap[4096];
            static size_t snap_len;
            if (snap_len && r % 2) {
                rc = kg_dns_cache_restore(cache, snap, snap_len, (uint64_t)r, 0,
                                          NULL, 0);
                assert_true(rc == 0 || rc == KG_ELIMIT_CACHE);
                restores++;
            }
            assert_int_equal(kg_dns_cache_save(cache, (uint64_t)r, snap,
                                               sizeof snap, &snap_len),
                             0);
        }
    }
    atomic_store(&done, 1);
    for (int i = 0; i < READERS; i++)
        pthread_join(th[i], NULL);
    struct kgi_dns_stats st;
    kgi_dns_cache_stats(cache, &st);
    printf("observations %ld (%lu evicted live data), %lu snapshots "
           "restored, lookups found %lu names, %llu retried reads, %zu "
           "entries, %zu names\n",
           rounds, limited, restores, (unsigned long)atomic_load(&found),
           (unsigned long long)st.retries, st.entries, st.names);
    assert_int_equal(atomic_load(&bad), 0);
    assert_true(limited > 0); /* the limits were exercised */
    assert_true(restores > 0);
    assert_true(st.entries <= 8 && st.names <= 4);
    kg_dns_cache_free(cache);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readers_while_writing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
