// SPDX-License-Identifier: MIT
/*
 * test_dns_snapshot.c - kg_dns_cache_save / kg_dns_cache_restore (issue
 * 11): a round trip keeps every live binding (clients, global ones, IPv4
 * and IPv6, CNAME chains) with its interval moved to the new clock and the
 * elapsed time counted down; expired bindings are neither written nor
 * restored; the size protocol (KG_ENOSPACE with the size needed); restores
 * that merge with bindings already there, into a shared cache, into a
 * smaller cache (the newest survive, KG_ELIMIT_CACHE) and under a shorter
 * maximum TTL; and refusal of every corruption with its message and
 * nothing added: each truncation, each flipped bit (the checksum), wrong
 * magic, another version, flags, counts, names that are not normalized,
 * name indices, reserved fields and intervals (the last ones re-sealed
 * with a correct checksum, so the field check itself is what refuses).
 * The format is written down in docs/domains.md ("Snapshots"); a snapshot
 * of fixed observations is compared byte for byte with that description.
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
#include "util/alloc.h"

static struct kg_addr A(const char *s) {
    struct kg_addr a;
    assert_int_equal(kg_addr_parse(s, strlen(s), &a), 0);
    return a;
}

/* The names addr stands for to client at now, comma-separated. */
static const char *
names(const kg_dns_cache *c, const char *client, const char *addr, uint64_t now)
{
    static char out[2048];
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
        if (i)
            strcat(out, ",");
        strcat(out, buf);
    }
    return out;
}

static int observe(kg_dns_cache *c, const char *client, const char *name,
                   const char *addr, uint32_t ttl, uint64_t now)
{
    struct kg_addr a = A(addr), cl;
    if (client)
        cl = A(client);
    return kg_dns_cache_observe(c, client ? &cl : NULL, name, strlen(name), &a,
                                1, ttl, now);
}

static kg_dns_cache *cache_with(uint64_t entries, uint64_t nnames,
                                uint64_t max_ttl, bool shared)
{
    kg_options *o = kg_options_new();
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DNS_ENTRIES, entries), 0);
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DNS_NAMES, nnames), 0);
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DNS_MIN_TTL, 0), 0);
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DNS_MAX_TTL, max_ttl), 0);
    if (shared)
        assert_int_equal(kg_options_set_flag(o, KG_FLAG_DNS_SHARED, true), 0);
    kg_dns_cache *c = kg_dns_cache_new(o);
    kg_options_free(o);
    assert_non_null(c);
    return c;
}

/* A snapshot of c at now, malloc'd; *len its size. */
static uint8_t *save(kg_dns_cache *c, uint64_t now, size_t *len)
{
    size_t need = 0;
    int rc = kg_dns_cache_save(c, now, NULL, 0, &need);
    assert_true(rc == KG_ENOSPACE);
    assert_true(need >= 40);
    uint8_t *buf = malloc(need);
    assert_non_null(buf);
    /* one byte short: refused, buf untouched, the size again */
    memset(buf, 0xa5, need);
    size_t again = 0;
    assert_int_equal(kg_dns_cache_save(c, now, buf, need - 1, &again),
                     KG_ENOSPACE);
    assert_int_equal(again, need);
    for (size_t i = 0; i < need; i++)
        assert_int_equal(buf[i], 0xa5);
    assert_int_equal(kg_dns_cache_save(c, now, buf, need, len), 0);
    assert_int_equal(*len, need);
    return buf;
}

/* The observations every test starts from, at times 100..110. */
static kg_dns_cache *filled(void)
{
    kg_dns_cache *c = cache_with(256, 64, 0x7fffffff, false);
    assert_int_equal(
        observe(c, "10.0.0.1", "api.stripe.com", "203.0.113.10", 60, 100), 0);
    assert_int_equal(
        observe(c, "10.0.0.1", "API.Stripe.com.", "2001:db8::10", 60, 101), 0);
    assert_int_equal(
        observe(c, NULL, "checkout.adyen.com", "198.51.100.7", 30, 102), 0);
    assert_int_equal(
        observe(c, "fd00::2", "kubernetes.io", "192.0.2.1", 5, 103), 0);
    /* expired by the save at 110: not written */
    assert_int_equal(observe(c, NULL, "gone.example", "192.0.2.9", 2, 104), 0);
    /* a CNAME chain from a response: www.shop.example -> e12.cdn.net */
    static const uint8_t msg[] = {
        0x12, 0x34, 0x81, 0x80, 0,   1,   0,   2,    0,    0,   0,   0,   3,
        'w',  'w',  'w',  4,    's', 'h', 'o', 'p',  7,    'e', 'x', 'a', 'm',
        'p',  'l',  'e',  0,    0,   1,   0,   1,    0xc0, 12,  0,   5,   0,
        1,    0,    0,    0,    40,  0,   13,  3,    'e',  '1', '2', 3,   'c',
        'd',  'n',  3,    'n',  'e', 't', 0,   0xc0, 46,   0,   1,   0,   1,
        0,    0,    0,    20,   0,   4,   192, 0,    2,    7};
    struct kg_addr cl = A("10.0.0.1");
    assert_int_equal(kg_dns_cache_observe_msg(c, &cl, msg, sizeof msg, 105), 0);
    return c;
}

/* What filled() answers at time t (its own clock). */
static void expect_filled(const kg_dns_cache *c, uint64_t t, int64_t shift)
{
    uint64_t s = (uint64_t)((int64_t)t + shift);
    assert_string_equal(names(c, "10.0.0.1", "203.0.113.10", s),
                        t < 160 ? "api.stripe.com" : "");
    assert_string_equal(names(c, "10.0.0.1", "2001:db8::10", s),
                        t < 161 ? "api.stripe.com" : "");
    assert_string_equal(names(c, "10.0.0.2", "2001:db8::10", s), "");
    assert_string_equal(names(c, "10.0.0.2", "198.51.100.7", s),
                        t < 132 ? "checkout.adyen.com" : "");
    assert_string_equal(names(c, "fd00::2", "192.0.2.1", s),
                        t < 108 ? "kubernetes.io" : "");
    assert_string_equal(names(c, NULL, "192.0.2.9", s), "");
    const char *chain = names(c, "10.0.0.1", "192.0.2.7", s);
    if (t < 125)
        assert_true(strstr(chain, "www.shop.example") &&
                    strstr(chain, "e12.cdn.net"));
    else
        assert_string_equal(chain, "");
}

static void test_round_trip(void **state)
{
    (void)state;
    kg_dns_cache *c = filled();
    size_t len;
    uint8_t *snap = save(c, 106, &len);
    /* the same clock, nothing elapsed: the same answers at every time */
    kg_dns_cache *r = cache_with(256, 64, 0x7fffffff, false);
    char why[256] = "x";
    assert_int_equal(
        kg_dns_cache_restore(r, snap, len, 106, 0, why, sizeof why), 0);
    assert_string_equal(why, "");
    for (uint64_t t = 106; t < 170; t++)
        expect_filled(r, t, 0);
    /* the interval keeps its start: not seen before the observation */
    assert_string_equal(names(r, "10.0.0.1", "203.0.113.10", 99), "");
    assert_string_equal(names(r, "10.0.0.1", "203.0.113.10", 100),
                        "api.stripe.com");
    /* saved again, the snapshot is the same bytes */
    size_t len2;
    uint8_t *snap2 = save(r, 106, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(snap2, snap, len);
    free(snap2);
    kg_dns_cache_free(r);
    /* a new clock (a restarted agent's, at 5) and 3 s away: the clock
     * moves by 5 - 106 - 3 */
    r = cache_with(256, 64, 0x7fffffff, false);
    assert_int_equal(kg_dns_cache_restore(r, snap, len, 5, 3, NULL, 0), 0);
    for (uint64_t t = 109; t < 170; t++)
        expect_filled(r, t, 5 - 106 - 3);
    kg_dns_cache_free(r);
    /* restored far away: everything expired, nothing added */
    r = cache_with(256, 64, 0x7fffffff, false);
    assert_int_equal(kg_dns_cache_restore(r, snap, len, 1000, 60, NULL, 0), 0);
    size_t empty_len;
    uint8_t *empty = save(r, 1000, &empty_len);
    assert_int_equal(empty_len, 40);
    free(empty);
    kg_dns_cache_free(r);
    free(snap);
    /* saved late, only the live bindings are written */
    size_t late_len;
    uint8_t *late = save(c, 140, &late_len);
    assert_true(late_len < len);
    r = cache_with(256, 64, 0x7fffffff, false);
    assert_int_equal(kg_dns_cache_restore(r, late, late_len, 140, 0, NULL, 0),
                     0);
    for (uint64_t t = 140; t < 170; t++)
        expect_filled(r, t, 0);
    kg_dns_cache_free(r);
    free(late);
    kg_dns_cache_free(c);
}

static void test_restore_options(void **state)
{
    (void)state;
    kg_dns_cache *c = filled();
    size_t len;
    uint8_t *snap = save(c, 106, &len);
    /* merges with what the cache holds: the longer interval wins */
    kg_dns_cache *r = cache_with(256, 64, 0x7fffffff, false);
    assert_int_equal(
        observe(r, "10.0.0.1", "api.stripe.com", "203.0.113.10", 100, 106), 0);
    assert_int_equal(observe(r, NULL, "other.example", "203.0.113.10", 10, 106),
                     0);
    assert_int_equal(kg_dns_cache_restore(r, snap, len, 106, 0, NULL, 0), 0);
    assert_string_equal(names(r, "10.0.0.1", "203.0.113.10", 100),
                        "api.stripe.com");
    assert_string_equal(names(r, "10.0.0.1", "203.0.113.10", 200),
                        "api.stripe.com");
    assert_string_equal(names(r, "10.0.0.1", "203.0.113.10", 110),
                        "api.stripe.com,other.example");
    kg_dns_cache_free(r);
    /* a shared cache: every binding becomes global */
    r = cache_with(256, 64, 0x7fffffff, true);
    assert_int_equal(kg_dns_cache_restore(r, snap, len, 106, 0, NULL, 0), 0);
    assert_string_equal(names(r, NULL, "203.0.113.10", 106), "api.stripe.com");
    assert_string_equal(names(r, "10.9.9.9", "192.0.2.1", 106),
                        "kubernetes.io");
    kg_dns_cache_free(r);
    /* a shorter maximum TTL: capped from the restore's time */
    r = cache_with(256, 64, 10, false);
    assert_int_equal(kg_dns_cache_restore(r, snap, len, 106, 0, NULL, 0), 0);
    assert_string_equal(names(r, "10.0.0.1", "203.0.113.10", 115),
                        "api.stripe.com");
    assert_string_equal(names(r, "10.0.0.1", "203.0.113.10", 116), "");
    kg_dns_cache_free(r);
    /* a smaller cache: the least recently observed go, KG_ELIMIT_CACHE */
    r = cache_with(2, 64, 0x7fffffff, false);
    assert_int_equal(kg_dns_cache_restore(r, snap, len, 106, 0, NULL, 0),
                     KG_ELIMIT_CACHE);
    assert_string_equal(names(r, "10.0.0.1", "203.0.113.10", 106), "");
    assert_string_equal(names(r, "fd00::2", "192.0.2.1", 106), "");
    assert_true(strstr(names(r, "10.0.0.1", "192.0.2.7", 106), "e12.cdn.net"));
    kg_dns_cache_free(r);
    free(snap);
    kg_dns_cache_free(c);
    /* errors of the calls themselves */
    size_t n;
    uint8_t b[64];
    assert_int_equal(kg_dns_cache_save(NULL, 0, b, sizeof b, &n), KG_EINVAL);
    c = cache_with(4, 4, 10, false);
    assert_int_equal(kg_dns_cache_save(c, 0, b, sizeof b, NULL), KG_EINVAL);
    assert_int_equal(kg_dns_cache_save(c, 0, NULL, 8, &n), KG_EINVAL);
    assert_int_equal(kg_dns_cache_restore(NULL, b, 8, 0, 0, NULL, 0),
                     KG_EINVAL);
    assert_int_equal(kg_dns_cache_restore(c, NULL, 8, 0, 0, NULL, 0),
                     KG_EINVAL);
    assert_int_equal(kg_dns_cache_restore(c, NULL, 0, 0, 0, NULL, 0),
                     KG_ESNAPSHOT);
    kg_dns_cache_free(c);
}

/* FNV-1a 64, as docs/domains.md defines the checksum */
static uint64_t fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static void seal(uint8_t *p, size_t len)
{
    uint64_t h = fnv(p, len - 8);
    for (int i = 0; i < 8; i++)
        p[len - 8 + i] = (uint8_t)(h >> 8 * i);
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << 8 * i;
    return v;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}

/* restore must refuse with code and a message holding want; the cache is
 * left as it was (empty) */
static void refused(const uint8_t *p, size_t len, int code, const char *want)
{
    kg_dns_cache *r = cache_with(64, 16, 0x7fffffff, false);
    char why[256];
    int rc = kg_dns_cache_restore(r, p, len, 106, 0, why, sizeof why);
    if (rc != code)
        fail_msg("%zu bytes: %s (%d), want %s: %s", len, kg_error_name(rc), rc,
                 kg_error_name(code), why);
    if (!strstr(why, want))
        fail_msg("message '%s' lacks '%s'", why, want);
    assert_non_null(strstr(why, "DNS cache snapshot, byte "));
    size_t n;
    uint8_t b[64];
    assert_int_equal(kg_dns_cache_save(r, 106, b, sizeof b, &n), 0);
    assert_int_equal(n, 40);
    /* a short buffer for the message is cut, still NUL-terminated */
    char small[12];
    kg_dns_cache_restore(r, p, len, 106, 0, small, sizeof small);
    assert_int_equal(strlen(small), sizeof small - 1);
    kg_dns_cache_free(r);
}

static void test_format(void **state)
{
    (void)state;
    /* one global binding, by hand from the description */
    kg_dns_cache *c = cache_with(8, 8, 0x7fffffff, false);
    assert_int_equal(observe(c, NULL, "A.Example", "192.0.2.1", 30, 1000), 0);
    assert_int_equal(
        observe(c, "2001:db8::5", "a.example", "192.0.2.1", 30, 1010), 0);
    size_t len;
    uint8_t *s = save(c, 1020, &len);
    assert_int_equal(len, 32 + 1 + 9 + 2 * 56 + 8);
    assert_memory_equal(s, "KGDNSC\r\n", 8);
    assert_int_equal(le(s + 8, 4), 1);     /* version */
    assert_int_equal(le(s + 12, 4), 0);    /* flags */
    assert_int_equal(le(s + 16, 8), 1020); /* saved at */
    assert_int_equal(le(s + 24, 4), 1);    /* names */
    assert_int_equal(le(s + 28, 4), 2);    /* bindings */
    assert_int_equal(s[32], 9);
    assert_memory_equal(s + 33, "a.example", 9);
    const uint8_t *b = s + 42;
    static const uint8_t v4[16] = {0, 0, 0,    0,    0,   0, 0, 0,
                                   0, 0, 0xff, 0xff, 192, 0, 2, 1};
    static const uint8_t zero[16] = {0};
    assert_memory_equal(b, v4, 16);
    assert_memory_equal(b + 16, zero, 16); /* global, observed first */
    assert_int_equal(le(b + 32, 4), 0);
    assert_int_equal(le(b + 36, 4), 0);
    assert_int_equal((int64_t)le(b + 40, 8), -20); /* since - saved at */
    assert_int_equal((int64_t)le(b + 48, 8), 10);  /* expiry - saved at */
    b += 56;
    struct kg_addr cl = A("2001:db8::5");
    assert_memory_equal(b + 16, cl.bytes, 16);
    assert_int_equal((int64_t)le(b + 40, 8), -10);
    assert_int_equal((int64_t)le(b + 48, 8), 20);
    assert_int_equal(le(s + len - 8, 8), fnv(s, len - 8));
    free(s);
    kg_dns_cache_free(c);
}

static void test_corrupt(void **state)
{
    (void)state;
    kg_dns_cache *c = filled();
    size_t len;
    uint8_t *snap = save(c, 106, &len);
    kg_dns_cache_free(c);
    uint8_t *p = malloc(len + 16);
    assert_non_null(p);
    /* every truncation */
    for (size_t n = 0; n < len; n++)
        refused(snap, n, KG_ESNAPSHOT,
                n < 8    ? "magic"
                : n < 40 ? "truncated"
                         : "checksum");
    /* trailing bytes */
    memcpy(p, snap, len);
    p[len] = 0;
    refused(p, len + 1, KG_ESNAPSHOT, "checksum");
    /* every flipped bit: the magic, the version or the checksum says so */
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(p, snap, len);
            p[i] ^= (uint8_t)(1u << bit);
            refused(p, len,
                    i < 8    ? KG_ESNAPSHOT
                    : i < 12 ? KG_ESNAPSHOT_VERSION
                             : KG_ESNAPSHOT,
                    i < 8    ? "magic"
                    : i < 12 ? "version"
                             : "checksum");
        }
    /* fields, re-sealed so that the checksum passes */
    memcpy(p, snap, len);
    put_le(p + 8, 2, 4);
    seal(p, len);
    refused(p, len, KG_ESNAPSHOT_VERSION, "version 2, this library reads");
    memcpy(p, snap, len);
    put_le(p + 12, 4, 4);
    seal(p, len);
    refused(p, len, KG_ESNAPSHOT, "byte 12: flags 0x4");
    memcpy(p, snap, len);
    put_le(p + 28, 0xffffffffu, 4);
    seal(p, len);
    refused(p, len, KG_ESNAPSHOT, "byte 24: counts");
    memcpy(p, snap, len);
    put_le(p + 28, le(p + 28, 4) - 1, 4);
    seal(p, len);
    refused(p, len, KG_ESNAPSHOT, "do not match");
    memcpy(p, snap, len);
    put_le(p + 24, le(p + 24, 4) + 1, 4);
    seal(p, len);
    refused(p, len, KG_ESNAPSHOT, "name");
    /* names: upper case, a trailing dot, an empty label, a length 0 */
    static const struct {
        char ch;
        const char *want;
    } bad[] = {{'A', "name 0 is not a normalized"},
               {'.', "name 0 is not a normalized"},
               {' ', "name 0 is not a normalized"}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        memcpy(p, snap, len);
        p[33 + p[32] - 1] = (uint8_t)bad[k].ch; /* last byte of name 0 */
        seal(p, len);
        refused(p, len, KG_ESNAPSHOT, bad[k].want);
    }
    memcpy(p, snap, len);
    p[32] = 0;
    seal(p, len);
    refused(p, len, KG_ESNAPSHOT, "byte 32: name 0");
    /* the first binding's name index, reserved field, interval */
    size_t names_end = 32;
    for (uint64_t k = 0; k < le(snap + 24, 4); k++)
        names_end += 1 + snap[names_end];
    memcpy(p, snap, len);
    put_le(p + names_end + 32, le(snap + 24, 4), 4);
    seal(p, len);
    refused(p, len, KG_ESNAPSHOT, "binding 0: name index");
    memcpy(p, snap, len);
    put_le(p + names_end + 36, 1, 4);
    seal(p, len);
    refused(p, len, KG_ESNAPSHOT, "binding 0: reserved field 0x1");
    memcpy(p, snap, len);
    put_le(p + names_end + 40, 100, 8); /* starts after it ends */
    seal(p, len);
    refused(p, len, KG_ESNAPSHOT, "binding 0: its interval");
    memcpy(p, snap, len);
    put_le(p + names_end + 48, (uint64_t)1 << 63, 8);
    seal(p, len);
    refused(p, len, KG_ESNAPSHOT, "binding 0: its interval");
    /* the same bytes restore fine */
    kg_dns_cache *r = cache_with(64, 16, 0x7fffffff, false);
    assert_int_equal(kg_dns_cache_restore(r, snap, len, 106, 0, NULL, 0), 0);
    expect_filled(r, 106, 0);
    kg_dns_cache_free(r);
    free(p);
    free(snap);
}

/* allocation failure at every N: a clean KG_ENOMEM and nothing added, then
 * success */
static void test_alloc_fail(void **state)
{
    (void)state;
    kg_dns_cache *c = filled();
    size_t len;
    uint8_t *snap = save(c, 106, &len);
    kg_dns_cache_free(c);
    kg_dns_cache *r = cache_with(64, 16, 0x7fffffff, false);
    for (long n = 0;; n++) {
        kgi_alloc_fail_after(n);
        int rc = kg_dns_cache_restore(r, snap, len, 106, 0, NULL, 0);
        kgi_alloc_fail_after(-1);
        if (rc == 0)
            break;
        assert_int_equal(rc, KG_ENOMEM);
        assert_string_equal(names(r, "10.0.0.1", "203.0.113.10", 106), "");
    }
    expect_filled(r, 106, 0);
    kg_dns_cache_free(r);
    free(snap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_restore_options),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_alloc_fail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
