// SPDX-License-Identifier: MIT
/*
 * test_dns_cache.c - kg_dns_cache (policy/dns_cache.c) and the domainNames
 * side of a check (policy/domain.c): per-client scoping and the shared
 * flag, name normalization, TTL rules (minimum, maximum, grace, answers
 * that only extend), IPv4-mapped addresses, eviction at each limit with
 * KG_ELIMIT_CACHE, whole DNS messages with CNAME chains, the public
 * lookup's errors, allocation failure at every N, a differential run
 * against a reference list, then rule 21 of the fqdn semantics (dialled,
 * claimed and cache-learnt names) on a pattern table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kgress.h"
#include "policy/dns_cache.h"
#include "policy/domain.h"
#include "util/alloc.h"

static struct kg_addr A(const char *s) {
    struct kg_addr a;
    assert_int_equal(kg_addr_parse(s, strlen(s), &a), 0);
    return a;
}

static struct kgi_ip
I(const char *s) {
    struct kg_addr a = A(s);
    struct kgi_ip ip;
    memset(&ip, 0, sizeof ip);
    ip.family = a.family;
    memcpy(ip.b, a.bytes, 16);
    return ip;
}

/* The names addr stands for to client at now, comma-separated. */
static const char *
names(const kg_dns_cache *c, const char *client, const char *addr, uint64_t now)
{
    static char out[1024];
    struct kg_addr cl, ad = A(addr);
    if (client)
        cl = A(client);
    out[0] = 0;
    for (size_t i = 0;; i++) {
        char buf[KG_DNS_NAME_BUF];
        int rc = kg_dns_cache_name(c, client ? &cl : NULL, &ad, now, i, buf,
                                   sizeof buf);
        if (rc == KG_ENOTFOUND)
            break;
        assert_true(rc > 0);
        assert_int_equal(strlen(buf), rc);
        if (i)
            strcat(out, ",");
        strcat(out, buf);
    }
    return out;
}

static int observe(kg_dns_cache *c, const char *client, const char *name,
                   const char *addrs, uint32_t ttl, uint64_t now)
{
    struct kg_addr a[16], cl;
    size_t n = 0;
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", addrs);
    for (char *t = strtok(tmp, ","); t; t = strtok(NULL, ","))
        a[n++] = A(t);
    if (client)
        cl = A(client);
    return kg_dns_cache_observe(c, client ? &cl : NULL, name, strlen(name), a,
                                n, ttl, now);
}

static void test_scoping(void **state)
{
    (void)state;
    kg_dns_cache *c = kg_dns_cache_new(NULL);
    assert_non_null(c);
    assert_int_equal(
        observe(c, "10.0.0.1", "API.Stripe.com.", "192.0.2.1", 60, 100), 0);
    assert_int_equal(observe(c, NULL, "checkout.adyen.com",
                             "192.0.2.1,2001:db8::1", 60, 100),
                     0);
    /* the client sees its own binding first, then the global one */
    assert_string_equal(names(c, "10.0.0.1", "192.0.2.1", 100),
                        "api.stripe.com,checkout.adyen.com");
    assert_string_equal(names(c, "10.0.0.2", "192.0.2.1", 100),
                        "checkout.adyen.com");
    assert_string_equal(names(c, NULL, "192.0.2.1", 100), "checkout.adyen.com");
    assert_string_equal(names(c, "10.0.0.1", "2001:db8::1", 159),
                        "checkout.adyen.com");
    /* IPv4-mapped IPv6 is the IPv4 address, for addresses and clients */
    assert_string_equal(names(c, "::ffff:10.0.0.1", "::ffff:192.0.2.1", 100),
                        "api.stripe.com,checkout.adyen.com");
    /* the same observation again: no duplicate */
    assert_int_equal(
        observe(c, "10.0.0.1", "api.stripe.com", "192.0.2.1", 60, 100), 0);
    assert_string_equal(names(c, "10.0.0.1", "192.0.2.1", 100),
                        "api.stripe.com,checkout.adyen.com");
    /* a client observing a global name: listed once */
    assert_int_equal(
        observe(c, "10.0.0.2", "checkout.adyen.com", "192.0.2.1", 60, 100), 0);
    assert_string_equal(names(c, "10.0.0.2", "192.0.2.1", 100),
                        "checkout.adyen.com");
    kg_dns_cache_free(c);

    /* KG_FLAG_DNS_SHARED: one client's observation opens it for all */
    kg_options *o = kg_options_new();
    assert_int_equal(kg_options_set_flag(o, KG_FLAG_DNS_SHARED, true), 0);
    c = kg_dns_cache_new(o);
    kg_options_free(o);
    assert_int_equal(observe(c, "10.0.0.1", "a.example", "192.0.2.9", 60, 1),
                     0);
    assert_string_equal(names(c, "10.0.0.2", "192.0.2.9", 1), "a.example");
    assert_string_equal(names(c, NULL, "192.0.2.9", 1), "a.example");
    kg_dns_cache_free(c);
}

static void test_errors(void **state)
{
    (void)state;
    kg_dns_cache *c = kg_dns_cache_new(NULL);
    struct kg_addr a = A("192.0.2.1"), bad = a;
    bad.family = 5;
    char buf[KG_DNS_NAME_BUF];
    assert_int_equal(kg_dns_cache_observe(NULL, NULL, "a.b", 3, &a, 1, 1, 0),
                     KG_EINVAL);
    assert_int_equal(kg_dns_cache_observe(c, NULL, NULL, 0, &a, 1, 1, 0),
                     KG_EINVAL);
    assert_int_equal(kg_dns_cache_observe(c, NULL, "a.b", 3, NULL, 1, 1, 0),
                     KG_EINVAL);
    assert_int_equal(kg_dns_cache_observe(c, NULL, "a.b", 3, &bad, 1, 1, 0),
                     KG_EINVAL);
    assert_int_equal(kg_dns_cache_observe(c, &bad, "a.b", 3, &a, 1, 1, 0),
                     KG_EINVAL);
    static const char *const invalid[] = {"", ".", "a..b", "b\xc3\xbc.de",
                                          "a b.c"};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(kg_dns_cache_observe(c, NULL, invalid[i],
                                              strlen(invalid[i]), &a, 1, 1, 0),
                         KG_EINVAL);
    assert_int_equal(kg_dns_cache_name(c, NULL, &a, 0, 0, buf, sizeof buf),
                     KG_ENOTFOUND);
    /* no address: nothing recorded, not an error */
    assert_int_equal(kg_dns_cache_observe(c, NULL, "a.b", 3, NULL, 0, 1, 0), 0);
    struct kgi_dns_stats st;
    kgi_dns_cache_stats(c, &st);
    assert_int_equal(st.entries, 0);
    assert_int_equal(st.names, 0);
    assert_int_equal(observe(c, NULL, "long-name.example", "192.0.2.1", 9, 0),
                     0);
    assert_int_equal(kg_dns_cache_name(c, NULL, &a, 0, 0, buf, 17),
                     KG_ENOSPACE);
    assert_int_equal(kg_dns_cache_name(c, NULL, &a, 0, 0, buf, 18), 17);
    assert_int_equal(kg_dns_cache_name(NULL, NULL, &a, 0, 0, buf, 18),
                     KG_EINVAL);
    assert_int_equal(kg_dns_cache_name(c, NULL, &bad, 0, 0, buf, 18),
                     KG_EINVAL);
    assert_int_equal(kg_dns_cache_name(c, NULL, &a, 0, 0, NULL, 18), KG_EINVAL);
    assert_int_equal(kg_dns_cache_observe_msg(c, NULL, NULL, 0, 0), KG_EINVAL);
    static const uint8_t junk[12] = {0};
    assert_int_equal(kg_dns_cache_observe_msg(c, NULL, junk, 12, 0), KG_EDNS);
    kg_dns_cache_free(c);
    kg_dns_cache_free(NULL);
    /* limits: DNS TTLs and the grace may be 0, sizes not */
    kg_options *o = kg_options_new();
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DNS_MIN_TTL, 0), 0);
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DNS_GRACE, 0), 0);
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DNS_ENTRIES, 0),
                     KG_EINVAL);
    assert_int_equal(kg_options_get_limit(o, KG_LIMIT_DNS_ENTRIES), 65536);
    /* more than 2^31 entries or names cannot be indexed: no cache */
    assert_int_equal(
        kg_options_set_limit(o, KG_LIMIT_DNS_NAMES, (1ull << 31) + 1), 0);
    assert_null(kg_dns_cache_new(o));
    kg_options_free(o);
}

static kg_dns_cache *cache_with(uint64_t entries, uint64_t nnames, uint64_t per,
                                uint64_t min_ttl, uint64_t max_ttl,
                                uint64_t grace)
{
    kg_options *o = kg_options_new();
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DNS_ENTRIES, entries), 0);
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DNS_NAMES, nnames), 0);
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DNS_ADDRS_PER_NAME, per),
                     0);
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DNS_MIN_TTL, min_ttl), 0);
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DNS_MAX_TTL, max_ttl), 0);
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DNS_GRACE, grace), 0);
    kg_dns_cache *c = kg_dns_cache_new(o);
    kg_options_free(o);
    assert_non_null(c);
    return c;
}

static void test_ttl(void **state)
{
    (void)state;
    /* defaults: min 1 s, no grace. Valid for now < observed + ttl */
    kg_dns_cache *c = kg_dns_cache_new(NULL);
    assert_int_equal(observe(c, NULL, "zero.example", "192.0.2.1", 0, 1000), 0);
    assert_string_equal(names(c, NULL, "192.0.2.1", 1000), "zero.example");
    assert_string_equal(names(c, NULL, "192.0.2.1", 1001), "");
    assert_int_equal(observe(c, NULL, "ten.example", "192.0.2.2", 10, 1000), 0);
    assert_string_equal(names(c, NULL, "192.0.2.2", 1009), "ten.example");
    assert_string_equal(names(c, NULL, "192.0.2.2", 1010), "");
    /* a later answer with a shorter TTL does not shorten it; a longer one
     * extends it */
    assert_int_equal(observe(c, NULL, "ten.example", "192.0.2.2", 1, 1005), 0);
    assert_string_equal(names(c, NULL, "192.0.2.2", 1009), "ten.example");
    assert_int_equal(observe(c, NULL, "ten.example", "192.0.2.2", 100, 1005),
                     0);
    assert_string_equal(names(c, NULL, "192.0.2.2", 1104), "ten.example");
    assert_string_equal(names(c, NULL, "192.0.2.2", 1105), "");
    /* the end of time saturates */
    assert_int_equal(observe(c, NULL, "late.example", "192.0.2.3", 0x7fffffff,
                             UINT64_MAX - 5),
                     0);
    assert_string_equal(names(c, NULL, "192.0.2.3", UINT64_MAX - 1),
                        "late.example");
    kg_dns_cache_free(c);
    /* min 0, max 30, grace 5 */
    c = cache_with(64, 64, 16, 0, 30, 5);
    assert_int_equal(observe(c, NULL, "a.example", "192.0.2.1", 0, 100), 0);
    assert_string_equal(names(c, NULL, "192.0.2.1", 104), "a.example");
    assert_string_equal(names(c, NULL, "192.0.2.1", 105), "");
    assert_int_equal(observe(c, NULL, "b.example", "192.0.2.2", 3600, 100), 0);
    assert_string_equal(names(c, NULL, "192.0.2.2", 134), "b.example");
    assert_string_equal(names(c, NULL, "192.0.2.2", 135), "");
    kg_dns_cache_free(c);
}

/* The observed-in-the-future rule (docs/domains.md): a binding is seen
 * from the time of the observation that started it, and one binding keeps
 * one interval of time. */
static void test_future(void **state)
{
    (void)state;
    kg_dns_cache *c = cache_with(64, 64, 16, 0, 0x7fffffff, 0);
    assert_int_equal(observe(c, NULL, "f.example", "192.0.2.1", 10, 100), 0);
    assert_string_equal(names(c, NULL, "192.0.2.1", 99), "");
    assert_string_equal(names(c, NULL, "192.0.2.1", 0), "");
    assert_string_equal(names(c, NULL, "192.0.2.1", 100), "f.example");
    assert_string_equal(names(c, NULL, "192.0.2.1", 109), "f.example");
    /* a client's own binding follows the same rule */
    assert_int_equal(observe(c, "10.0.0.1", "g.example", "192.0.2.1", 10, 100),
                     0);
    assert_string_equal(names(c, "10.0.0.1", "192.0.2.1", 99), "");
    assert_string_equal(names(c, "10.0.0.1", "192.0.2.1", 100),
                        "g.example,f.example");
    /* overlapping: the interval grows, its start stays */
    assert_int_equal(observe(c, NULL, "f.example", "192.0.2.1", 10, 105), 0);
    assert_string_equal(names(c, NULL, "192.0.2.1", 99), "");
    assert_string_equal(names(c, NULL, "192.0.2.1", 100), "f.example");
    assert_string_equal(names(c, NULL, "192.0.2.1", 114), "f.example");
    assert_string_equal(names(c, NULL, "192.0.2.1", 115), "");
    /* touching (observed exactly at the expiry): still one interval */
    assert_int_equal(observe(c, NULL, "f.example", "192.0.2.1", 5, 115), 0);
    assert_string_equal(names(c, NULL, "192.0.2.1", 100), "f.example");
    assert_string_equal(names(c, NULL, "192.0.2.1", 119), "f.example");
    /* observed again after it expired: a new interval replaces the old */
    assert_int_equal(observe(c, NULL, "f.example", "192.0.2.1", 10, 200), 0);
    assert_string_equal(names(c, NULL, "192.0.2.1", 105), "");
    assert_string_equal(names(c, NULL, "192.0.2.1", 199), "");
    assert_string_equal(names(c, NULL, "192.0.2.1", 200), "f.example");
    /* an older observation overlapping the interval moves its start back */
    assert_int_equal(observe(c, NULL, "f.example", "192.0.2.1", 10, 195), 0);
    assert_string_equal(names(c, NULL, "192.0.2.1", 194), "");
    assert_string_equal(names(c, NULL, "192.0.2.1", 195), "f.example");
    assert_string_equal(names(c, NULL, "192.0.2.1", 209), "f.example");
    assert_string_equal(names(c, NULL, "192.0.2.1", 210), "");
    /* an older one disjoint from it is not kept */
    assert_int_equal(observe(c, NULL, "f.example", "192.0.2.1", 5, 150), 0);
    assert_string_equal(names(c, NULL, "192.0.2.1", 152), "");
    assert_string_equal(names(c, NULL, "192.0.2.1", 200), "f.example");
    kg_dns_cache_free(c);
    /* with a grace: the interval ends at expiry + grace, and an observation
     * within the grace continues it */
    c = cache_with(64, 64, 16, 0, 0x7fffffff, 5);
    assert_int_equal(observe(c, NULL, "h.example", "192.0.2.2", 10, 100), 0);
    assert_int_equal(observe(c, NULL, "h.example", "192.0.2.2", 10, 114), 0);
    assert_string_equal(names(c, NULL, "192.0.2.2", 99), "");
    assert_string_equal(names(c, NULL, "192.0.2.2", 100), "h.example");
    assert_string_equal(names(c, NULL, "192.0.2.2", 128), "h.example");
    assert_string_equal(names(c, NULL, "192.0.2.2", 129), "");
    assert_int_equal(observe(c, NULL, "h.example", "192.0.2.2", 10, 130), 0);
    assert_string_equal(names(c, NULL, "192.0.2.2", 120), "");
    assert_string_equal(names(c, NULL, "192.0.2.2", 130), "h.example");
    kg_dns_cache_free(c);
}

static void test_eviction(void **state)
{
    (void)state;
    struct kgi_dns_stats st;
    /* 4 bindings: the fifth evicts the least recently observed */
    kg_dns_cache *c = cache_with(4, 64, 16, 1, 0x7fffffff, 0);
    assert_int_equal(
        observe(c, NULL, "a.example", "192.0.2.1,192.0.2.2,192.0.2.3", 60, 0),
        0);
    assert_int_equal(observe(c, NULL, "b.example", "192.0.2.4", 60, 1), 0);
    /* refreshing .1 makes .2 the oldest */
    assert_int_equal(observe(c, NULL, "a.example", "192.0.2.1", 60, 2), 0);
    assert_int_equal(observe(c, NULL, "c.example", "192.0.2.5", 60, 3),
                     KG_ELIMIT_CACHE);
    assert_string_equal(names(c, NULL, "192.0.2.2", 3), "");
    assert_string_equal(names(c, NULL, "192.0.2.1", 3), "a.example");
    assert_string_equal(names(c, NULL, "192.0.2.5", 3), "c.example");
    kgi_dns_cache_stats(c, &st);
    assert_int_equal(st.entries, 4);
    assert_int_equal(st.evicted_live, 1);
    /* once everything expired, eviction drops nothing live: 0 */
    assert_int_equal(observe(c, NULL, "d.example", "192.0.2.6", 60, 1000), 0);
    kgi_dns_cache_stats(c, &st);
    assert_int_equal(st.entries, 4);
    assert_int_equal(st.evicted, 2);
    assert_int_equal(st.evicted_live, 1);
    kg_dns_cache_free(c);

    /* 2 names: a third evicts the least recently observed name with its
     * bindings */
    c = cache_with(64, 2, 16, 1, 0x7fffffff, 0);
    assert_int_equal(
        observe(c, NULL, "a.example", "192.0.2.1,192.0.2.2", 60, 0), 0);
    assert_int_equal(observe(c, NULL, "b.example", "192.0.2.1", 60, 1), 0);
    assert_int_equal(observe(c, NULL, "c.example", "192.0.2.3", 60, 2),
                     KG_ELIMIT_CACHE);
    assert_string_equal(names(c, NULL, "192.0.2.1", 2), "b.example");
    assert_string_equal(names(c, NULL, "192.0.2.2", 2), "");
    kgi_dns_cache_stats(c, &st);
    assert_int_equal(st.names, 2);
    assert_int_equal(st.entries, 2);
    kg_dns_cache_free(c);

    /* 3 addresses per name and observation */
    c = cache_with(64, 64, 3, 1, 0x7fffffff, 0);
    assert_int_equal(observe(c, NULL, "a.example",
                             "192.0.2.1,192.0.2.2,192.0.2.3,192.0.2.4", 60, 0),
                     KG_ELIMIT_CACHE);
    assert_string_equal(names(c, NULL, "192.0.2.3", 0), "a.example");
    assert_string_equal(names(c, NULL, "192.0.2.4", 0), "");
    kg_dns_cache_free(c);

    /* one binding, one name: each observation replaces the last */
    c = cache_with(1, 1, 1, 1, 0x7fffffff, 0);
    for (int i = 0; i < 10; i++) {
        char n[32];
        snprintf(n, sizeof n, "n%d.example", i);
        int rc = observe(c, "10.0.0.1", n, "192.0.2.1", 60, (uint64_t)i);
        assert_int_equal(rc, i ? KG_ELIMIT_CACHE : 0);
        assert_string_equal(names(c, "10.0.0.1", "192.0.2.1", (uint64_t)i), n);
    }
    kg_dns_cache_free(c);
}

/* A response: www.shop.example CNAME (ttl 60) edge.cdn.net A (ttl 20)
 * 192.0.2.7 and 192.0.2.8. */
static const uint8_t chain_msg[] = {
    0x12, 0x34, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0,
    /* question at 12 */
    3, 'w', 'w', 'w', 4, 's', 'h', 'o', 'p', 7, 'e', 'x', 'a', 'm', 'p', 'l',
    'e', 0, 0, 1, 0, 1,
    /* CNAME: owner ptr 12, rdata "edge.cdn.net" at 46 */
    0xC0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 14, 4, 'e', 'd', 'g', 'e', 3, 'c',
    'd', 'n', 3, 'n', 'e', 't', 0,
    /* two A records owned by ptr 46 */
    0xC0, 46, 0, 1, 0, 1, 0, 0, 0, 20, 0, 4, 192, 0, 2, 7, 0xC0, 46, 0, 1, 0, 1,
    0, 0, 0, 20, 0, 4, 192, 0, 2, 8};

static void test_message(void **state)
{
    (void)state;
    kg_dns_cache *c = kg_dns_cache_new(NULL);
    struct kg_addr cl = A("10.0.0.1");
    assert_int_equal(
        kg_dns_cache_observe_msg(c, &cl, chain_msg, sizeof chain_msg, 500), 0);
    /* both names of the chain, the alias for the shortest TTL */
    assert_string_equal(names(c, "10.0.0.1", "192.0.2.7", 519),
                        "www.shop.example,edge.cdn.net");
    assert_string_equal(names(c, "10.0.0.1", "192.0.2.8", 500),
                        "www.shop.example,edge.cdn.net");
    assert_string_equal(names(c, "10.0.0.1", "192.0.2.8", 520), "");
    assert_string_equal(names(c, "10.0.0.2", "192.0.2.8", 500), "");
    /* every truncation is KG_EDNS and records nothing */
    kg_dns_cache *d = kg_dns_cache_new(NULL);
    for (size_t n = 0; n < sizeof chain_msg; n++) {
        uint8_t *p = malloc(n + 1);
        memcpy(p, chain_msg, n);
        assert_int_equal(kg_dns_cache_observe_msg(d, NULL, p, n, 0), KG_EDNS);
        free(p);
    }
    struct kgi_dns_stats st;
    kgi_dns_cache_stats(d, &st);
    assert_int_equal(st.entries, 0);
    kg_dns_cache_free(d);
    kg_dns_cache_free(c);
}

static void test_alloc_fail(void **state)
{
    (void)state;
    for (long n = 0;; n++) {
        kgi_alloc_fail_after(n);
        kg_dns_cache *c = kg_dns_cache_new(NULL);
        kgi_alloc_fail_after(-1);
        if (c) {
            assert_int_equal(observe(c, NULL, "a.example", "192.0.2.1", 1, 0),
                             0);
            kg_dns_cache_free(c);
            assert_true(n >= 4);
            break;
        }
    }
}

/* Differential: random observations over few names, addresses, clients
 * and times, against a list of every observation, with limits large
 * enough that nothing is evicted. */
struct ref_obs {
    int client; /* -1: none */
    int name, addr;
    uint64_t until;
};

static void test_differential(void **state)
{
    (void)state;
    static const char *const nm[] = {"a.example", "b.example", "c.example",
                                     "d.example", "e.example"};
    static const char *const ad[] = {"192.0.2.1", "192.0.2.2", "2001:db8::1",
                                     "2001:db8::2"};
    static const char *const cls[] = {"10.0.0.1", "10.0.0.2", "fd00::1"};
    static struct ref_obs ref[4000];
    unsigned seed = 20;
    for (int round = 0; round < 20; round++) {
        kg_dns_cache *c = cache_with(4096, 64, 16, 0, 0x7fffffff, 0);
        size_t nref = 0;
        uint64_t now = 0;
        for (int op = 0; op < 200; op++) {
            now += (uint64_t)(rand_r(&seed) % 3);
            int cli = rand_r(&seed) % 4 - 1, name = rand_r(&seed) % 5,
                addr = rand_r(&seed) % 4;
            uint32_t ttl = (uint32_t)(rand_r(&seed) % 10);
            assert_int_equal(observe(c, cli < 0 ? NULL : cls[cli], nm[name],
                                     ad[addr], ttl, now),
                             0);
            ref[nref++] = (struct ref_obs){cli, name, addr, now + ttl};
            /* query every (client, address) a few seconds ahead */
            uint64_t t = now + (uint64_t)(rand_r(&seed) % 6);
            for (int q = -1; q < 3; q++)
                for (int a = 0; a < 4; a++) {
                    bool want[5] = {false};
                    for (size_t r = 0; r < nref; r++)
                        if (ref[r].addr == a && t < ref[r].until &&
                            (ref[r].client == -1 ||
                             (q >= 0 && ref[r].client == q)))
                            want[ref[r].name] = true;
                    const char *got = names(c, q < 0 ? NULL : cls[q], ad[a], t);
                    for (int k = 0; k < 5; k++)
                        if ((strstr(got, nm[k]) != NULL) != want[k])
                            fail_msg("round %d op %d: %s for %s at %s: %s",
                                     round, op, nm[k], q < 0 ? "-" : cls[q],
                                     ad[a], got);
                }
        }
        kg_dns_cache_free(c);
    }
}

/* ------------------------------------------------ rule 21 on a pattern set */

struct flowcase {
    const char *name; /* NULL: none */
    int trust;
    bool cache;
    const char *src, *dst;
    const char *want; /* pattern text of the first hit of peer, or NULL */
    const char *want_name;
};

static void test_domain_match(void **state)
{
    (void)state;
    struct kgi_namepat t;
    kgi_namepat_init(&t);
    uint32_t stripe, adyen, other;
    assert_int_equal(kgi_namepat_add(&t, "api.stripe.com", 14, &stripe), 0);
    assert_int_equal(kgi_namepat_add(&t, "*.Adyen.com.", 12, &adyen), 0);
    assert_int_equal(kgi_namepat_add(&t, "other.example", 13, &other), 0);
    const uint32_t peer[] = {stripe, adyen};
    assert_string_equal(kgi_namepat_text(&t, adyen), "*.adyen.com");
    assert_null(kgi_namepat_text(&t, 99));

    kg_dns_cache *c = kg_dns_cache_new(NULL);
    /* pod 10.0.0.1 resolved api.stripe.com and checkout.live.adyen.com; the
     * global answer maps 198.51.100.1 to other.example */
    assert_int_equal(
        observe(c, "10.0.0.1", "api.stripe.com", "192.0.2.10", 300, 0), 0);
    assert_int_equal(observe(c, "10.0.0.1", "checkout.live.adyen.com",
                             "192.0.2.20,2001:db8::20", 300, 0),
                     0);
    assert_int_equal(observe(c, NULL, "other.example", "198.51.100.1", 300, 0),
                     0);

    static const struct flowcase cases[] = {
        /* dialled: the name decides, whatever the address or cache */
        {"api.stripe.com", KG_NAME_DIALLED, false, "10.0.0.1", "203.0.113.1",
         "api.stripe.com", "api.stripe.com"},
        {"API.STRIPE.COM.", 0, true, "10.0.0.9", "203.0.113.1",
         "api.stripe.com", "api.stripe.com"},
        {"x.y.adyen.com", KG_NAME_DIALLED, false, "10.0.0.1", "203.0.113.1",
         "*.adyen.com", "x.y.adyen.com"},
        {"adyen.com", KG_NAME_DIALLED, true, "10.0.0.1", "192.0.2.20", NULL,
         NULL},
        {"other.example", KG_NAME_DIALLED, true, "10.0.0.1", "198.51.100.1",
         NULL, NULL},
        {"not a name", KG_NAME_DIALLED, true, "10.0.0.1", "192.0.2.10", NULL,
         NULL},
        /* claimed: the address must be one of that name for this client */
        {"api.stripe.com", KG_NAME_CLAIMED, true, "10.0.0.1", "192.0.2.10",
         "api.stripe.com", "api.stripe.com"},
        {"api.stripe.com", KG_NAME_CLAIMED, true, "10.0.0.1", "192.0.2.20",
         NULL, NULL},
        {"api.stripe.com", KG_NAME_CLAIMED, true, "10.0.0.2", "192.0.2.10",
         NULL, NULL},
        {"api.stripe.com", KG_NAME_CLAIMED, false, "10.0.0.1", "192.0.2.10",
         NULL, NULL},
        {"checkout.live.adyen.com", KG_NAME_CLAIMED, true, "10.0.0.1",
         "2001:db8::20", "*.adyen.com", "checkout.live.adyen.com"},
        /* no name: the cache's names for this client (and global ones) */
        {NULL, 0, true, "10.0.0.1", "192.0.2.20", "*.adyen.com",
         "checkout.live.adyen.com"},
        {NULL, 0, true, "10.0.0.1", "192.0.2.10", "api.stripe.com",
         "api.stripe.com"},
        {NULL, 0, true, "10.0.0.2", "192.0.2.10", NULL, NULL},
        {NULL, 0, true, "10.0.0.1", "198.51.100.1", NULL, NULL},
        {NULL, 0, true, "10.0.0.1", "203.0.113.9", NULL, NULL},
        {NULL, 0, false, "10.0.0.1", "192.0.2.10", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct flowcase *fc = &cases[i];
        struct kg_flow f;
        memset(&f, 0, sizeof f);
        f.size = sizeof f;
        f.src = A(fc->src);
        f.dst = A(fc->dst);
        f.protocol = KG_PROTO_TCP;
        f.port = 443;
        f.dst_name = fc->name;
        f.dst_name_len = fc->name ? strlen(fc->name) : 0;
        f.name_trust = fc->trust;
        f.cache = fc->cache ? c : NULL;
        f.now = 10;
        char buf[KG_DNS_NAME_BUF];
        f.name_buf = buf;
        f.name_buf_size = sizeof buf;
        struct kgi_ip s = I(fc->src), d = I(fc->dst);
        struct kgi_domain dom;
        kgi_domain_init(&dom, &t, &f, &s, &d);
        const struct kgi_domain_hit *h = kgi_domain_match(&dom, peer, 2);
        if (!fc->want) {
            if (h)
                fail_msg("case %zu: matched %s", i,
                         kgi_namepat_text(&t, h->pattern));
            continue;
        }
        if (!h)
            fail_msg("case %zu: no match, want %s", i, fc->want);
        struct kg_side_detail det;
        memset(&det, 0, sizeof det);
        kgi_domain_report(&dom, h, &det);
        assert_string_equal(det.domain, fc->want);
        assert_ptr_equal(det.name, buf);
        assert_string_equal(det.name, fc->want_name);
        /* a peer of the other pattern only does not match */
        assert_null(kgi_domain_match(&dom, &other, 1));
        /* a buffer too small: the name is left out */
        f.name_buf_size = strlen(fc->want_name);
        kgi_domain_report(&dom, h, &det);
        assert_null(det.name);
        assert_string_equal(det.domain, fc->want);
    }
    /* after expiry the cache no longer vouches */
    struct kg_flow f;
    memset(&f, 0, sizeof f);
    f.size = sizeof f;
    f.cache = c;
    f.now = 300;
    struct kgi_ip s = I("10.0.0.1"), d = I("192.0.2.20");
    struct kgi_domain dom;
    kgi_domain_init(&dom, &t, &f, &s, &d);
    assert_null(kgi_domain_match(&dom, peer, 2));
    /* no table: nothing matches */
    f.now = 10;
    kgi_domain_init(&dom, NULL, &f, &s, &d);
    assert_null(kgi_domain_match(&dom, peer, 2));
    kg_dns_cache_free(c);
    kgi_namepat_release(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scoping),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_ttl),
        cmocka_unit_test(test_future),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_message),
        cmocka_unit_test(test_alloc_fail),
        cmocka_unit_test(test_differential),
        cmocka_unit_test(test_domain_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
