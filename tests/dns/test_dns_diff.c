// SPDX-License-Identifier: MIT
/*
 * test_dns_diff.c - a differential test of the DNS name cache and the
 * domain-aware check (issue 11): random rulesets with a domainNames rule,
 * random observations (kg_dns_cache_observe and whole response messages
 * with CNAME chains, kg_dns_cache_observe_msg) at random times, TTLs and
 * cache options, then kg_dns_cache_name and kg_check_flow at random times
 * (before, during and after the observations) for dialled, claimed and no
 * destination names, each compared with a linear reference model written
 * from docs/domains.md:
 *
 *   - a binding (client or global, name, address) keeps one interval
 *     [since, expiry + grace): an observation at `now` with lifetime
 *     clamp(ttl, min, max) merges with it when the two intervals overlap
 *     or touch, replaces it when observed after it ended, and is ignored
 *     when older and disjoint; a lookup at t sees it when
 *     since <= t < expiry + grace;
 *   - a response teaches each address under its owner and every chain name
 *     before it, for the shortest TTL on the way;
 *   - a dialled name matches on its own; a claimed name needs the address
 *     among the name's live bindings for the source (or global); no name
 *     matches through the live names of the address;
 *   - an exact pattern equals the name, `*.s` needs one or more labels
 *     before `.s`, in ASCII lower case without one trailing dot.
 *
 * The reference is a plain list scanned for every question. Names come
 * from a small vocabulary (random case, trailing dots) so that bindings
 * collide, merge and expire often; the cache is large enough never to
 * evict (eviction has its own tests). Checks compare the verdict and,
 * when a domain allowed, that the reported name is one the reference
 * allows and the reported pattern matches it. KGRESS_TEST_SCALE scales
 * the rounds (834 at scale 1: about 1,000,000 flows).
 */
#include <ctype.h>
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

static uint64_t rng;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)((rng >> 11) % n);
}

/* ------------------------------------------------------------ vocabulary */

#define N_NAMES 10
static const char *const names[N_NAMES] = {
    "api.stripe.com",  "checkout.adyen.com",  "live.checkout.adyen.com",
    "adyen.com",       "a.b.example.org",     "b.example.org",
    "cdn.example.net", "e12.cdn.example.net", "x.example.net",
    "kubernetes.io"};
static const char *const patterns[] = {
    "api.stripe.com", "*.adyen.com",       "adyen.com",   "*.example.org",
    "b.example.org",  "*.cdn.example.net", "example.net", "*.example.net",
    "kubernetes.io",  "*.kubernetes.io"};
#define N_PATTERNS (sizeof patterns / sizeof patterns[0])

#define N_ADDRS 6
static const char *const addrs[N_ADDRS] = {"192.0.2.1",    "192.0.2.2",
                                           "198.51.100.7", "2001:db8::1",
                                           "2001:db8::2",  "203.0.113.9"};
/* how a check may write each address (the IPv4-mapped form is the IPv4) */
static const char *const addr_forms[N_ADDRS] = {
    "::ffff:192.0.2.1", "192.0.2.2",   "198.51.100.7",
    "2001:db8::1",      "2001:db8::2", "203.0.113.9"};

/* pods: 0 and 1 are subject to the domain rule, 2 is not */
#define N_PODS 3
static const char *const pods[N_PODS] = {"10.0.0.5", "10.0.0.6", "10.0.1.7"};

static struct kg_addr A(const char *s) {
    struct kg_addr a;
    assert_int_equal(kg_addr_parse(s, strlen(s), &a), 0);
    return a;
}

/* name i as an observation or a check may spell it: random case, maybe a
 * trailing dot */
static const char *
spell(int i, char *buf)
{
    size_t n = strlen(names[i]);
    for (size_t k = 0; k < n; k++)
        buf[k] = rnd(4) ? names[i][k] : (char)toupper(names[i][k]);
    buf[n] = 0;
    if (rnd(4) == 0)
        strcat(buf, ".");
    return buf;
}

/* The reference matcher: does normalized name n match pattern p? */
static bool ref_match(const char *p, const char *n)
{
    char pb[64];
    size_t pl = strlen(p);
    for (size_t k = 0; k <= pl; k++)
        pb[k] = (char)tolower((unsigned char)p[k]);
    if (pl && pb[pl - 1] == '.')
        pb[--pl] = 0;
    size_t nl = strlen(n);
    if (pb[0] == '*' && pb[1] == '.') {
        size_t sl = pl - 2;
        return nl > sl + 1 && n[nl - sl - 1] == '.' &&
               strcmp(n + nl - sl, pb + 2) == 0;
    }
    return strcmp(pb, n) == 0;
}

/* ------------------------------------------------------------- reference */

struct binding {
    int client; /* pod index, -1 global */
    int name, addr;
    uint64_t since, expires;
};

#define MAX_BINDINGS ((N_PODS + 1) * N_NAMES * N_ADDRS)

struct ref {
    struct binding b[MAX_BINDINGS];
    size_t n;
    uint64_t min_ttl, max_ttl, grace;
    bool shared;
};

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void ref_observe(struct ref *r, int client, int name, int addr,
                        uint64_t ttl, uint64_t now)
{
    if (r->shared)
        client = -1;
    uint64_t life = ttl < r->min_ttl ? r->min_ttl : ttl;
    if (life > r->max_ttl)
        life = r->max_ttl;
    uint64_t exp = sat_add(now, life);
    for (size_t i = 0; i < r->n; i++) {
        struct binding *b = &r->b[i];
        if (b->client != client || b->name != name || b->addr != addr)
            continue;
        uint64_t end = sat_add(b->expires, r->grace);
        uint64_t new_end = sat_add(exp, r->grace);
        if (now <= end && b->since <= new_end) { /* overlap or touch */
            if (now < b->since)
                b->since = now;
            if (exp > b->expires)
                b->expires = exp;
        } else if (now > end) { /* after it ended */
            b->since = now;
            b->expires = exp;
        } /* else older and disjoint: ignored */
        return;
    }
    assert_true(r->n < MAX_BINDINGS);
    r->b[r->n++] = (struct binding){client, name, addr, now, exp};
}

static bool ref_live(const struct ref *r, const struct binding *b, uint64_t t)
{
    return b->since <= t && t < sat_add(b->expires, r->grace);
}

/* Is name live for address addr to client (-1: global only) at t? */
static bool ref_has(const struct ref *r, int client, int name, int addr,
                    uint64_t t)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct binding *b = &r->b[i];
        if (b->name == name && b->addr == addr &&
            (b->client == -1 || (client >= 0 && b->client == client)) &&
            ref_live(r, b, t))
            return true;
    }
    return false;
}

/* -------------------------------------------------------------- messages */

static size_t put_name(uint8_t *m, size_t at, const char *name)
{
    const char *s = name;
    while (*s && *s != '.') {
        const char *e = strchr(s, '.');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        m[at++] = (uint8_t)l;
        memcpy(m + at, s, l);
        at += l;
        s += l;
        if (*s == '.')
            s++;
    }
    m[at++] = 0;
    return at;
}

static size_t put_rr(uint8_t *m, size_t at, const char *owner, int type,
                     uint32_t ttl, const uint8_t *data, size_t dlen)
{
    at = put_name(m, at, owner);
    const uint8_t fixed[8] = {0,
                              (uint8_t)type,
                              0,
                              1,
                              (uint8_t)(ttl >> 24),
                              (uint8_t)(ttl >> 16),
                              (uint8_t)(ttl >> 8),
                              (uint8_t)ttl};
    memcpy(m + at, fixed, 8);
    at += 8;
    m[at++] = (uint8_t)(dlen >> 8);
    m[at++] = (uint8_t)dlen;
    memcpy(m + at, data, dlen);
    return at + dlen;
}

/* A response to client for a random question, maybe through a CNAME, with
 * one to three addresses of the chain's end and sometimes an unrelated A
 * record; fed to the cache and the reference. */
static void observe_message(kg_dns_cache *c, struct ref *r, int client,
                            uint64_t now)
{
    uint8_t m[1024];
    char qb[64], cb[64], ub[64];
    int q = (int)rnd(N_NAMES), cn = rnd(2) ? (int)rnd(N_NAMES) : -1;
    if (cn == q)
        cn = -1;
    int nad = 1 + (int)rnd(3), ad[3];
    uint32_t at[3], cttl = rnd(12);
    for (int k = 0; k < nad; k++) {
        ad[k] = (int)rnd(N_ADDRS);
        at[k] = rnd(12);
    }
    bool unrelated = rnd(4) == 0;
    int u = (int)rnd(N_NAMES);
    if (u == q || u == cn)
        unrelated = false;
    const char *qs = spell(q, qb);
    size_t len = 12;
    memcpy(m, "\x12\x34\x81\x80\x00\x01", 6);
    int an = (cn >= 0) + nad + unrelated;
    m[6] = 0;
    m[7] = (uint8_t)an;
    memset(m + 8, 0, 4);
    len = put_name(m, len, qs);
    memcpy(m + len, "\x00\x01\x00\x01", 4);
    len += 4;
    const char *end = qs;
    if (cn >= 0) {
        uint8_t data[64];
        size_t dl = put_name(data, 0, spell(cn, cb));
        len = put_rr(m, len, spell(q, qb), 5, cttl, data, dl);
        end = cb;
    }
    for (int k = 0; k < nad; k++) {
        struct kg_addr a = A(addrs[ad[k]]);
        bool v4 = a.family == 4;
        char ob[64];
        snprintf(ob, sizeof ob, "%s", end);
        len = put_rr(m, len, ob, v4 ? 1 : 28, at[k], a.bytes, v4 ? 4 : 16);
    }
    if (unrelated) {
        struct kg_addr a = A(addrs[rnd(3)]);
        len = put_rr(m, len, spell(u, ub), 1, 30, a.bytes, 4);
    }
    struct kg_addr cl;
    if (client >= 0)
        cl = A(pods[client]);
    assert_int_equal(
        kg_dns_cache_observe_msg(c, client >= 0 ? &cl : NULL, m, len, now), 0);
    for (int k = 0; k < nad; k++) {
        if (cn >= 0) {
            ref_observe(r, client, cn, ad[k], at[k], now);
            ref_observe(r, client, q, ad[k], at[k] < cttl ? at[k] : cttl, now);
        } else {
            ref_observe(r, client, q, ad[k], at[k], now);
        }
    }
}

/* -------------------------------------------------------------- rulesets */

/* A ruleset whose pods 0 and 1 may reach TCP 443 of the patterns set in
 * use[] and nothing else; pod 2 is subject to nothing. */
static kg_ruleset *ruleset(const bool *use)
{
    char y[4096];
    size_t n = (size_t)snprintf(
        y, sizeof y,
        "apiVersion: v1\nkind: Namespace\n"
        "metadata: {name: pay, labels: {team: pay}}\n---\n"
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n---\n"
        "apiVersion: v1\nkind: Pod\n"
        "metadata: {name: p0, namespace: pay}\n"
        "status: {podIP: %s, podIPs: [{ip: %s}]}\n---\n"
        "apiVersion: v1\nkind: Pod\n"
        "metadata: {name: p1, namespace: pay}\n"
        "status: {podIP: %s, podIPs: [{ip: %s}]}\n---\n"
        "apiVersion: v1\nkind: Pod\n"
        "metadata: {name: p2, namespace: other}\n"
        "status: {podIP: %s, podIPs: [{ip: %s}]}\n---\n"
        "apiVersion: policy.networking.k8s.io/v1beta1\n"
        "kind: ClusterNetworkPolicy\nmetadata: {name: names}\n"
        "spec:\n  tier: Admin\n  priority: 5\n"
        "  subject: {namespaces: {matchLabels: {team: pay}}}\n"
        "  egress:\n  - name: gateways\n    action: Accept\n"
        "    to: [{domainNames: [",
        pods[0], pods[0], pods[1], pods[1], pods[2], pods[2]);
    bool first = true;
    for (size_t i = 0; i < N_PATTERNS; i++) {
        if (!use[i])
            continue;
        /* written in random case, some with the trailing dot */
        char p[64];
        size_t l = strlen(patterns[i]);
        for (size_t k = 0; k <= l; k++)
            p[k] = rnd(3) ? patterns[i][k] : (char)toupper(patterns[i][k]);
        n += (size_t)snprintf(y + n, sizeof y - n, "%s\"%s%s\"",
                              first ? "" : ", ", p, rnd(4) ? "" : ".");
        first = false;
    }
    n += (size_t)snprintf(
        y + n, sizeof y - n,
        "]}]\n    protocols: [{tcp: {destinationPort: {number: 443}}}]\n"
        "  - name: rest\n    action: Deny\n"
        "    to: [{networks: [0.0.0.0/0, \"::/0\"]}]\n");
    assert_true(n < sizeof y);
    kg_builder *b = kg_builder_new(NULL);
    assert_int_equal(kg_builder_add_buffer(b, "diff.yaml", y, n), 0);
    kg_ruleset *rs = NULL;
    int rc = kg_builder_compile(b, &rs);
    if (rc) {
        const kg_diagnostics *d = kg_builder_diagnostics(b);
        for (size_t i = 0; i < kg_diagnostics_count(d); i++) {
            char line[512];
            kg_diagnostic_format(d, i, line, sizeof line);
            print_error("%s\n", line);
        }
    }
    assert_int_equal(rc, 0);
    kg_builder_free(b);
    return rs;
}

/* ------------------------------------------------------------ questions */

static unsigned long n_flows, n_allowed, n_domain, n_lookups;

/* kg_dns_cache_name lists exactly the reference's live names */
static void compare_names(const kg_dns_cache *c, const struct ref *r,
                          int client, int addr, uint64_t t)
{
    bool want[N_NAMES], got[N_NAMES] = {false};
    for (int k = 0; k < N_NAMES; k++)
        want[k] = ref_has(r, client, k, addr, t);
    struct kg_addr cl, ad = A(addr_forms[addr]);
    if (client >= 0)
        cl = A(pods[client]);
    for (size_t i = 0;; i++) {
        char buf[KG_DNS_NAME_BUF];
        int rc = kg_dns_cache_name(c, client >= 0 ? &cl : NULL, &ad, t, i, buf,
                                   sizeof buf);
        if (rc == KG_ENOTFOUND)
            break;
        assert_true(rc > 0);
        int k = 0;
        while (k < N_NAMES && strcmp(names[k], buf) != 0)
            k++;
        if (k == N_NAMES)
            fail_msg("unknown name %s", buf);
        if (got[k])
            fail_msg("%s listed twice", buf);
        got[k] = true;
    }
    n_lookups++;
    for (int k = 0; k < N_NAMES; k++)
        if (want[k] != got[k])
            fail_msg("%s for client %d at %s, time %llu: cache %d, reference "
                     "%d",
                     names[k], client, addrs[addr], (unsigned long long)t,
                     got[k], want[k]);
}

/* one kg_check_flow against the reference */
static void compare_flow(const kg_ruleset *rs, const kg_dns_cache *c,
                         const struct ref *r, const bool *use, uint64_t t)
{
    int src = (int)rnd(N_PODS), dst = (int)rnd(N_ADDRS);
    int how = (int)rnd(3); /* 0 no name, 1 dialled, 2 claimed */
    int nm = (int)rnd(N_NAMES);
    bool with_cache = rnd(8) != 0;
    char nb[64], out_name[KG_DNS_NAME_BUF];
    struct kg_flow f;
    memset(&f, 0, sizeof f);
    f.size = sizeof f;
    f.src = A(pods[src]);
    f.dst = A(addr_forms[dst]);
    f.protocol = KG_PROTO_TCP;
    f.port = rnd(6) ? 443 : 80;
    if (how) {
        f.dst_name = spell(nm, nb);
        f.dst_name_len = strlen(nb);
        f.name_trust =
            how == 1 ? (rnd(2) ? KG_NAME_DIALLED : 0) : KG_NAME_CLAIMED;
    }
    f.cache = with_cache ? c : NULL;
    f.now = t;
    f.name_buf = out_name;
    f.name_buf_size = sizeof out_name;
    struct kg_verdict v;
    memset(&v, 0, sizeof v);
    v.size = sizeof v;
    assert_int_equal(kg_check_flow(rs, &f, &v), 0);

    /* which names could allow it */
    bool ok_name[N_NAMES] = {false};
    bool any = false;
    for (int k = 0; k < N_NAMES; k++) {
        bool matches = false;
        for (size_t p = 0; p < N_PATTERNS && !matches; p++)
            matches = use[p] && ref_match(patterns[p], names[k]);
        if (!matches)
            continue;
        if (how == 1)
            ok_name[k] = k == nm;
        else if (how == 2)
            ok_name[k] = k == nm && with_cache && ref_has(r, src, k, dst, t);
        else
            ok_name[k] = with_cache && ref_has(r, src, k, dst, t);
        any |= ok_name[k];
    }
    bool want = src == 2 || (f.port == 443 && any);
    n_flows++;
    if ((bool)v.allowed != want) {
        char why[512];
        kg_verdict_format(&v, why, sizeof why);
        fail_msg("%s -> %s:%u name %s (%s, cache %d) at %llu: got %s, "
                 "reference %s",
                 pods[src], addrs[dst], f.port, how ? nb : "-",
                 how == 2 ? "claimed" : "dialled", with_cache,
                 (unsigned long long)t, why, want ? "allowed" : "denied");
    }
    n_allowed += want;
    if (src == 2 || !want)
        return;
    /* allowed by a domain: a name the reference allows, and a pattern of
     * the rule that matches it */
    n_domain++;
    const struct kg_side_detail *d = &v.egress_detail;
    assert_non_null(d->domain);
    assert_non_null(d->name);
    int k = 0;
    while (k < N_NAMES && strcmp(names[k], d->name) != 0)
        k++;
    if (k == N_NAMES || !ok_name[k])
        fail_msg("reported name %s is not one the reference allows", d->name);
    /* the pattern as written: its case and trailing dot */
    char lower[64];
    size_t l = strlen(d->domain);
    assert_true(l > 0 && l < sizeof lower);
    for (size_t i = 0; i <= l; i++)
        lower[i] = (char)tolower((unsigned char)d->domain[i]);
    if (lower[l - 1] == '.')
        lower[l - 1] = 0;
    bool pat = false;
    for (size_t p = 0; p < N_PATTERNS && !pat; p++)
        pat = use[p] && strcmp(lower, patterns[p]) == 0 &&
              ref_match(patterns[p], names[k]);
    if (!pat)
        fail_msg("reported pattern %s does not match %s", d->domain, d->name);
}

static void test_differential(void **state)
{
    (void)state;
    double scale = 1;
    const char *e = getenv("KGRESS_TEST_SCALE");
    if (e)
        scale = atof(e);
    int rounds = (int)(834 * scale);
    if (rounds < 2)
        rounds = 2;
    rng = 0x243f6a8885a308d3ull;
    static struct ref r;
    for (int round = 0; round < rounds; round++) {
        bool use[N_PATTERNS] = {false};
        int k = 1 + (int)rnd(4);
        for (int i = 0; i < k; i++)
            use[rnd(N_PATTERNS)] = true;
        kg_ruleset *rs = ruleset(use);
        static const uint64_t mins[] = {0, 1, 5}, maxs[] = {3, 20, 0x7fffffff},
                              graces[] = {0, 0, 2};
        memset(&r, 0, sizeof r);
        r.min_ttl = mins[rnd(3)];
        r.max_ttl = maxs[rnd(3)];
        if (r.max_ttl < r.min_ttl)
            r.max_ttl = r.min_ttl;
        r.grace = graces[rnd(3)];
        r.shared = rnd(4) == 0;
        kg_options *o = kg_options_new();
        assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DNS_ENTRIES, 4096),
                         0);
        assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DNS_NAMES, 256), 0);
        assert_int_equal(
            kg_options_set_limit(o, KG_LIMIT_DNS_MIN_TTL, r.min_ttl), 0);
        assert_int_equal(
            kg_options_set_limit(o, KG_LIMIT_DNS_MAX_TTL, r.max_ttl), 0);
        assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DNS_GRACE, r.grace),
                         0);
        if (r.shared)
            assert_int_equal(kg_options_set_flag(o, KG_FLAG_DNS_SHARED, true),
                             0);
        kg_dns_cache *c = kg_dns_cache_new(o);
        kg_options_free(o);
        assert_non_null(c);
        uint64_t now = 1000 + rnd(100);
        for (int op = 0; op < 150; op++) {
            now += rnd(4);
            /* mostly in order; sometimes an answer processed late */
            uint64_t at = rnd(8) ? now : now - rnd(12);
            int client = (int)rnd(N_PODS + 1) - 1;
            if (rnd(5) == 0) {
                observe_message(c, &r, client, at);
            } else {
                char nb[64];
                int nm = (int)rnd(N_NAMES), nad = 1 + (int)rnd(2), ad[2];
                struct kg_addr a[2], cl;
                for (int i = 0; i < nad; i++) {
                    ad[i] = (int)rnd(N_ADDRS);
                    a[i] = A(rnd(2) ? addrs[ad[i]] : addr_forms[ad[i]]);
                }
                uint32_t ttl = rnd(10) ? rnd(15) : 0x7fffffffu - rnd(3);
                if (client >= 0)
                    cl = A(pods[client]);
                const char *s = spell(nm, nb);
                assert_int_equal(
                    kg_dns_cache_observe(c, client >= 0 ? &cl : NULL, s,
                                         strlen(s), a, (size_t)nad, ttl, at),
                    0);
                for (int i = 0; i < nad; i++)
                    ref_observe(&r, client, nm, ad[i], ttl, at);
            }
            /* questions around now: before, at and after it */
            for (int q = 0; q < 4; q++) {
                uint64_t t = now - 15 + rnd(40);
                compare_names(c, &r, (int)rnd(N_PODS + 1) - 1,
                              (int)rnd(N_ADDRS), t);
                compare_flow(rs, c, &r, use, t);
                compare_flow(rs, c, &r, use, now);
            }
        }
        kg_dns_cache_free(c);
        kg_ruleset_unref(rs);
    }
    print_message("%d rounds: %lu flows (%lu allowed, %lu by a domain), %lu "
                  "cache lookups, 0 mismatches\n",
                  rounds, n_flows, n_allowed, n_domain, n_lookups);
    /* the generator reaches every branch of the model */
    assert_true(n_domain > n_flows / 20);
    assert_true(n_allowed < n_flows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
