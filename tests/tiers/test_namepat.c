// SPDX-License-Identifier: MIT
/*
 * test_namepat.c - policy/namepat: the DomainName pattern syntax of both
 * dialects, name normalization, and the reversed-label trie (exact and
 * `*.` patterns, case, trailing dot, one- vs many-label wildcards, IDN
 * A-labels, invalid names), then a differential run against a linear
 * reference matcher and allocation failure at every N.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kgress.h"
#include "policy/namepat.h"
#include "util/alloc.h"

static const struct {
    const char *pat;
    bool v1beta1_ok, v1alpha_ok;
} syntax[] = {
    {"kubernetes.io", true, true},
    {"*.kubernetes.io", true, true},
    {"api.stripe.com.", true, true},
    {"API.Stripe.COM", true, true},
    {"xn--bcher-kva.example", true, true},
    {"a_b.example.com", true, true},
    {"_dmarc.example.com", false, true}, /* the A-z typo */
    {"[.example.com", false, true},
    {"localhost", false, false},
    {"com", false, false},
    {"*.com", false, false},
    {"*", false, false},
    {"*.", false, false},
    {"", false, false},
    {"api.*.example.com", false, false},
    {"*api.example.com", false, false},
    {"**.example.com", false, false},
    {"a..b", false, false},
    {"example.com..", false, false},
    {".example.com", false, false},
    {"-a.example.com", false, false},
    {"a-.example.com", false, false},
    {"b\xc3\xbc"
     "cher.example",
     false, false},
    {"a b.example", false, false},
};

static void test_syntax(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof syntax / sizeof syntax[0]; i++) {
        const char *p = syntax[i].pat;
        bool b = kgi_domain_pattern_check(p, strlen(p), KGI_DN_V1BETA1) == NULL;
        bool a = kgi_domain_pattern_check(p, strlen(p), KGI_DN_V1ALPHA) == NULL;
        if (b != syntax[i].v1beta1_ok || a != syntax[i].v1alpha_ok)
            fail_msg("%s: v1beta1 %d v1alpha %d", p, b, a);
    }
}

static const char *const patterns[] = {
    "kubernetes.io",         "*.kubernetes.io",
    "blog.kubernetes.io",    "API.Stripe.com.",
    "*.adyen.com",           "*.live.adyen.com",
    "xn--bcher-kva.example", "averyveryverylonglabel.example.org",
};

static const struct {
    const char *name;
    const char *want; /* matching patterns by index, "" none */
} cases[] = {
    {"kubernetes.io", "0"},
    {"KUBERNETES.IO.", "0"},
    {"www.kubernetes.io", "1"},
    {"latest.blog.kubernetes.io", "1"},
    {"blog.kubernetes.io", "12"},
    {"my-kubernetes.io", ""},
    {"wikipedia.org", ""},
    {"api.stripe.com", "3"},
    {"api.stripe.com.", "3"},
    {"x.api.stripe.com", ""},
    {"stripe.com", ""},
    {"adyen.com", ""},
    {"checkout.adyen.com", "4"},
    {"a.live.adyen.com", "45"},
    {"live.adyen.com", "4"},
    {"xn--bcher-kva.example", "6"},
    {"b\xc3\xbc"
     "cher.example",
     ""},
    {"averyveryverylonglabel.example.org", "7"},
    {"averyveryverylonglabeL.example.org", "7"},
    {"averyveryverylonglabex.example.org", ""},
    {"kubernetes..io", ""},
    {".kubernetes.io", ""},
    {"kubernetes.io..", ""},
    {"", ""},
    {".", ""},
    {"io", ""},
};

static void test_match(void **state)
{
    (void)state;
    struct kgi_namepat t;
    kgi_namepat_init(&t);
    uint32_t ids[8];
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        assert_int_equal(
            kgi_namepat_add(&t, patterns[i], strlen(patterns[i]), &ids[0]), 0);
        assert_int_equal(ids[0], i);
    }
    /* the same pattern again, in another spelling: the same id */
    assert_int_equal(kgi_namepat_add(&t, "Kubernetes.IO.", 14, &ids[0]), 0);
    assert_int_equal(ids[0], 0);
    assert_int_equal(kgi_namepat_add(&t, "*..io", 5, &ids[0]), KG_EINVALID);
    assert_int_equal(kgi_namepat_add(&t, "", 0, &ids[0]), KG_EINVALID);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t k =
            kgi_namepat_match(&t, cases[i].name, strlen(cases[i].name), ids, 8);
        char got[16] = "";
        for (size_t j = 0; j < k && j < 8; j++)
            got[j] = (char)('0' + ids[j]);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s: got \"%s\", want \"%s\"", cases[i].name, got,
                     cases[i].want);
    }
    /* a label of 64 octets, a name of 254: no match, never a crash */
    char big[300];
    memset(big, 'a', sizeof big);
    memcpy(big + 64, ".kubernetes.io", 14);
    assert_int_equal(kgi_namepat_match(&t, big, 78, ids, 8), 0);
    assert_int_equal(kgi_namepat_match(&t, big + 1, 77, ids, 8), 1);
    assert_int_equal(kgi_namepat_match(&t, big, sizeof big, ids, 8), 0);
    kgi_namepat_release(&t);
}

/* Differential: random patterns and names over a small alphabet of labels
 * against a linear reference that reads the rules of namepat.h. */
static bool ref_match(const char *pat, const char *name)
{
    char p[300], n[300];
    bool wild = pat[0] == '*';
    snprintf(p, sizeof p, "%s", wild ? pat + 2 : pat);
    snprintf(n, sizeof n, "%s", name);
    for (char *c = p; *c; c++)
        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    for (char *c = n; *c; c++)
        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    size_t pl = strlen(p), nl = strlen(n);
    if (!wild)
        return pl == nl && memcmp(p, n, pl) == 0;
    return nl > pl + 1 && n[nl - pl - 1] == '.' &&
           memcmp(n + nl - pl, p, pl) == 0;
}

static void rand_name(char *out, unsigned *seed, int min_labels)
{
    static const char *const labels[] = {"a",  "B",  "com",
                                         "io", "x1", "verylonglabel-xx"};
    int k = min_labels + rand_r(seed) % 4;
    out[0] = 0;
    for (int i = 0; i < k; i++) {
        strcat(out, labels[rand_r(seed) % 6]);
        if (i + 1 < k)
            strcat(out, ".");
    }
}

static void test_differential(void **state)
{
    (void)state;
    unsigned seed = 11;
    for (int round = 0; round < 50; round++) {
        struct kgi_namepat t;
        kgi_namepat_init(&t);
        char pats[40][120];
        int np = 1 + rand_r(&seed) % 40;
        for (int i = 0; i < np; i++) {
            char body[100];
            rand_name(body, &seed, 2);
            snprintf(pats[i], sizeof pats[i], "%s%s",
                     rand_r(&seed) % 2 ? "*." : "", body);
            uint32_t id;
            assert_int_equal(kgi_namepat_add(&t, pats[i], strlen(pats[i]), &id),
                             0);
        }
        for (int q = 0; q < 200; q++) {
            char name[120];
            rand_name(name, &seed, 1);
            uint32_t ids[64];
            size_t k = kgi_namepat_match(&t, name, strlen(name), ids, 64);
            bool hit[64] = {false};
            for (size_t j = 0; j < k; j++)
                hit[ids[j]] = true;
            /* the reference: pattern i matches iff its id is reported */
            for (int i = 0; i < np; i++) {
                uint32_t id;
                assert_int_equal(
                    kgi_namepat_add(&t, pats[i], strlen(pats[i]), &id), 0);
                if (hit[id] != ref_match(pats[i], name))
                    fail_msg("%s vs %s: %d", pats[i], name, hit[id]);
            }
        }
        kgi_namepat_release(&t);
    }
}

/* Lengths around the 8-byte steps of the normalizer, the label-count
 * masks (one bit per count, the last one for 63 and more), the longest
 * name (127 labels), a label of exactly 63 octets, bodies longer than the
 * length byte of a short one, and a table grown through many sizes. */
static void test_edges(void **state)
{
    (void)state;
    struct kgi_namepat t;
    kgi_namepat_init(&t);
    uint32_t id, ids[8];
    char name[300], pat[300];
    /* every length 3..40 as exact and wildcard body */
    for (size_t n = 3; n <= 40; n++) {
        memset(pat, 'q', n);
        pat[1] = '.';
        assert_int_equal(kgi_namepat_add(&t, pat, n, &id), 0);
        pat[0] = '*';
        pat[1] = '.';
        memset(pat + 2, 'r', n);
        pat[3] = '.';
        assert_int_equal(kgi_namepat_add(&t, pat, n + 2, &id), 0);
    }
    for (size_t n = 3; n <= 40; n++) {
        memset(name, 'Q', n);
        name[1] = '.';
        assert_int_equal(kgi_namepat_match(&t, name, n, ids, 8), 1);
        name[n] = '.';
        assert_int_equal(kgi_namepat_match(&t, name, n + 1, ids, 8), 1);
        name[n - 1] = 'x';
        assert_int_equal(kgi_namepat_match(&t, name, n, ids, 8), 0);
        memcpy(name, "a.", 2);
        memset(name + 2, 'r', n);
        name[3] = '.';
        assert_int_equal(kgi_namepat_match(&t, name, n + 2, ids, 8), 1);
        assert_int_equal(kgi_namepat_match(&t, name + 2, n, ids, 8), 0);
    }
    /* 127 labels: "a.a. ... .a" (253 octets); wildcards of 1, 62, 63,
     * 100 labels */
    for (size_t i = 0; i < 253; i++)
        name[i] = i % 2 ? '.' : 'a';
    kgi_namepat_release(&t);
    kgi_namepat_init(&t);
    const size_t wl[] = {1, 62, 63, 100};
    for (size_t i = 0; i < 4; i++) {
        size_t off = 253 - (2 * wl[i] - 1);
        memcpy(pat, "*.", 2);
        memcpy(pat + 2, name + off, 253 - off);
        assert_int_equal(kgi_namepat_add(&t, pat, 2 + 253 - off, &id), 0);
        assert_int_equal(id, i);
    }
    assert_int_equal(kgi_namepat_match(&t, name, 253, ids, 8), 4);
    assert_int_equal(ids[0], 0);
    assert_int_equal(ids[3], 3);
    /* 64 labels (the mask's last bit, shared with 63 and more): only the
     * wildcards of 1, 62 and 63 labels are proper suffixes */
    assert_int_equal(kgi_namepat_match(&t, name + 253 - 127, 127, ids, 8), 3);
    /* exact bodies of 63 and 64+ labels share a bit too */
    assert_int_equal(kgi_namepat_add(&t, name + 253 - 125, 125, &id), 0);
    assert_int_equal(kgi_namepat_match(&t, name + 253 - 127, 127, ids, 8), 3);
    assert_int_equal(kgi_namepat_match(&t, name + 253 - 125, 125, ids, 8), 3);
    assert_int_equal(ids[2], id);
    kgi_namepat_release(&t);
    /* a label of exactly 63 octets */
    kgi_namepat_init(&t);
    memset(name, 'z', 63);
    memcpy(name + 63, ".example", 8);
    assert_int_equal(kgi_namepat_add(&t, name, 71, &id), 0);
    name[0] = 'Z';
    assert_int_equal(kgi_namepat_match(&t, name, 71, ids, 8), 1);
    kgi_namepat_release(&t);
    /* thousands of patterns: every one found after the table grew */
    kgi_namepat_init(&t);
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(pat, sizeof pat, "%sh%d.example%d.com",
                         i % 2 ? "*." : "", i, i % 7);
        assert_int_equal(kgi_namepat_add(&t, pat, (size_t)n, &id), 0);
        assert_int_equal(id, i);
    }
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(name, sizeof name, "%sh%d.example%d.com",
                         i % 2 ? "w." : "", i, i % 7);
        assert_int_equal(kgi_namepat_match(&t, name, (size_t)n, ids, 8), 1);
        assert_int_equal(ids[0], i);
        n = snprintf(name, sizeof name, "h%d.example%d.com", i, (i + 1) % 7);
        assert_int_equal(kgi_namepat_match(&t, name, (size_t)n, ids, 8), 0);
    }
    kgi_namepat_release(&t);
}

/* Bodies around the lengths where the table's entries change form (up to
 * 19 bytes held whole in the entry, longer ones split between 15 bytes
 * there and the pool): every body matches its own name, and a name
 * differing from it in any one byte (before, inside or after the split)
 * matches nothing but the body it then spells; so does a name under the
 * wildcard of each body. Grown through many sizes on the way. */
static void test_entry_forms(void **state)
{
    (void)state;
    struct kgi_namepat t;
    kgi_namepat_init(&t);
    static char bodies[120][48];
    size_t nb = 0;
    for (size_t len = 4; len <= 44; len++) {
        for (int variant = 0; variant < 3; variant++) {
            char *b = bodies[nb];
            /* labels of 7 letters and dots, ending in ".io"; variant
             * changes the last letter or the 17th byte */
            for (size_t i = 0; i + 3 < len; i++)
                b[i] =
                    (i + 1) % 8 == 0 ? '.' : (char)('a' + (i * 7 + len) % 26);
            memcpy(b + len - 3, ".io", 4);
            if (b[len - 4] == '.')
                b[len - 4] = 'k';
            if (b[0] == '.')
                b[0] = 'm';
            if (variant == 1)
                b[len - 5] = b[len - 5] == '.' ? '.' : 'z';
            if (variant == 2 && len > 18 && b[16] != '.')
                b[16] = 'y';
            bool dup = false;
            for (size_t k = 0; k < nb && !dup; k++)
                dup = strcmp(bodies[k], b) == 0;
            if (dup)
                continue;
            uint32_t id, wid;
            assert_int_equal(kgi_namepat_add(&t, b, len, &id), 0);
            char w[64];
            snprintf(w, sizeof w, "*.%s", b);
            assert_int_equal(kgi_namepat_add(&t, w, strlen(w), &wid), 0);
            assert_int_equal(id, 2 * nb);
            assert_int_equal(wid, 2 * nb + 1);
            nb++;
        }
    }
    for (size_t k = 0; k < nb; k++) {
        uint32_t ids[4];
        size_t len = strlen(bodies[k]);
        assert_int_equal(kgi_namepat_match(&t, bodies[k], len, ids, 4), 1);
        assert_int_equal(ids[0], 2 * k);
        char name[64];
        snprintf(name, sizeof name, "sub.%s", bodies[k]);
        assert_int_equal(kgi_namepat_match(&t, name, strlen(name), ids, 4), 1);
        assert_int_equal(ids[0], 2 * k + 1);
        for (size_t at = 0; at < len; at++) {
            if (bodies[k][at] == '.')
                continue;
            memcpy(name, bodies[k], len + 1);
            name[at] = name[at] == 'q' ? 'r' : 'q';
            size_t other = nb;
            for (size_t j = 0; j < nb; j++)
                if (strcmp(bodies[j], name) == 0)
                    other = j;
            size_t got = kgi_namepat_match(&t, name, len, ids, 4);
            if (other < nb) {
                assert_int_equal(got, 1);
                assert_int_equal(ids[0], 2 * other);
            } else if (got) {
                fail_msg("%s (from %s) matched pattern %u", name, bodies[k],
                         ids[0]);
            }
        }
    }
    kgi_namepat_release(&t);
}

static void test_alloc_fail(void **state)
{
    (void)state;
    for (long n = 0;; n++) {
        struct kgi_namepat t;
        kgi_namepat_init(&t);
        kgi_alloc_fail_after(n);
        int rc = 0;
        for (size_t i = 0; i < sizeof patterns / sizeof patterns[0] && !rc;
             i++) {
            uint32_t id;
            rc = kgi_namepat_add(&t, patterns[i], strlen(patterns[i]), &id);
        }
        kgi_alloc_fail_after(-1);
        uint32_t ids[8];
        if (rc == 0) {
            assert_int_equal(
                kgi_namepat_match(&t, "a.live.adyen.com", 16, ids, 8), 2);
            kgi_namepat_release(&t);
            break;
        }
        assert_int_equal(rc, KG_ENOMEM);
        /* what was added still matches; nothing leaks */
        kgi_namepat_match(&t, "kubernetes.io", 13, ids, 8);
        kgi_namepat_release(&t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax),       cmocka_unit_test(test_match),
        cmocka_unit_test(test_differential), cmocka_unit_test(test_edges),
        cmocka_unit_test(test_entry_forms),  cmocka_unit_test(test_alloc_fail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
