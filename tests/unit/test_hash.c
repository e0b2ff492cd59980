// SPDX-License-Identifier: MIT
/*
 * test_hash.c - util/hash (the one hash table) and util/str (the one
 * string slice and its comparisons).
 *
 * The table is checked against a reference that always tells the truth (a
 * plain array searched linearly) under random inserts, replacements and
 * deletions, on the heap and in an arena, with byte-string and
 * caller-compared keys, with a tiny key space so that probe runs collide
 * and wrap, and with allocation failing at every growth. The string
 * helpers are table-driven, edges first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kgress.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/hash.h"
#include "util/str.h"

/* ------------------------------------------------------------ reference */

#define NKEYS 600

struct ref {
    char keys[NKEYS][12];
    size_t lens[NKEYS];
    bool present[NKEYS];
    uintptr_t val[NKEYS];
};

static uint64_t rng_state = 0x1234567;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void ref_init(struct ref *r)
{
    memset(r, 0, sizeof(*r));
    for (int i = 0; i < NKEYS; i++)
        r->lens[i] = (size_t)snprintf(r->keys[i], sizeof(r->keys[i]), "k%d", i);
    r->lens[0] = 0; /* the empty key is a key too */
}

/* A deliberately poor hash: every key in one of 8 chains, so runs collide
 * and wrap around the array. */
static uint64_t bad_hash(const void *p, size_t n)
{
    return kgi_hash_bytes(p, n, 0) & 7;
}

static bool case_eq(const void *a, size_t an, const void *b, size_t bn,
                    void *user)
{
    (*(int *)user)++;
    return kgi_mem_caseeq(a, an, b, bn);
}

struct hashcfg {
    bool arena, bad, eq;
};

static uint64_t hash_of(const struct hashcfg *c, const char *k, size_t n)
{
    return c->bad ? bad_hash(k, n) : kgi_hash_bytes(k, n, 42);
}

static void check_all(const struct hashcfg *c, const struct kgi_hash *t,
                      const struct ref *r)
{
    size_t count = 0;
    for (int i = 0; i < NKEYS; i++) {
        const struct kgi_hash_slot *s = kgi_hash_find(
            t, r->keys[i], r->lens[i], hash_of(c, r->keys[i], r->lens[i]));
        if (r->present[i]) {
            count++;
            assert_non_null(s);
            assert_int_equal((uintptr_t)s->val, r->val[i]);
        } else {
            assert_null(s);
        }
    }
    assert_int_equal(t->count, count);
    size_t used = 0;
    for (size_t i = 0; i < kgi_hash_capacity(t); i++)
        used += kgi_hash_used(t, i);
    assert_int_equal(used, count);
    assert_true(count <= kgi_hash_capacity(t) / 2);
}

static void run_random(const struct hashcfg *c)
{
    static struct ref r;
    ref_init(&r);
    struct kgi_arena arena;
    kgi_arena_init(&arena);
    int eq_calls = 0;
    struct kgi_hash t;
    kgi_hash_init(&t, c->arena ? &arena : NULL, c->eq ? case_eq : NULL,
                  &eq_calls);
    assert_null(kgi_hash_find(&t, "x", 1, 1));
    assert_false(kgi_hash_del(&t, "x", 1, 1));
    for (int step = 0; step < 20000; step++) {
        int i = (int)(rnd() % NKEYS);
        uint64_t h = hash_of(c, r.keys[i], r.lens[i]);
        uintptr_t v = (uintptr_t)(rnd() % 5); /* 0 (NULL) is a value too */
        switch (rnd() % 4) {
        case 0: {
            void *old = (void *)(uintptr_t)99;
            int rc = kgi_hash_put(&t, r.keys[i], r.lens[i], h, (void *)v, &old);
            assert_int_equal(rc, r.present[i] ? 1 : 0);
            if (r.present[i])
                assert_int_equal((uintptr_t)old, r.val[i]);
            else
                r.val[i] = v;
            r.present[i] = true;
            break;
        }
        case 1:
            assert_int_equal(
                kgi_hash_set(&t, r.keys[i], r.lens[i], h, (void *)v), 0);
            r.present[i] = true;
            r.val[i] = v;
            break;
        default:
            assert_int_equal(kgi_hash_del(&t, r.keys[i], r.lens[i], h),
                             r.present[i]);
            r.present[i] = false;
            break;
        }
        if (step % 997 == 0)
            check_all(c, &t, &r);
    }
    check_all(c, &t, &r);
    if (c->eq) {
        assert_true(eq_calls > 0);
        /* caller-compared keys: "K5" finds "k5" */
        int i = 5;
        char up[12];
        memcpy(up, r.keys[i], r.lens[i]);
        up[0] = 'K';
        const struct kgi_hash_slot *s =
            kgi_hash_find(&t, up, r.lens[i], hash_of(c, r.keys[i], r.lens[i]));
        assert_true((s != NULL) == r.present[i]);
    }
    kgi_hash_release(&t);
    assert_int_equal(t.count, 0);
    assert_null(kgi_hash_find(&t, "k1", 2, hash_of(c, "k1", 2)));
    kgi_arena_release(&arena);
}

static void test_hash_random(void **state)
{
    (void)state;
    static const struct hashcfg cfgs[] = {
        {false, false, false}, {true, false, false}, {false, true, false},
        {true, true, false},   {false, false, true}, {false, true, true},
    };
    for (size_t k = 0; k < sizeof(cfgs) / sizeof(cfgs[0]); k++)
        run_random(&cfgs[k]);
}

/* Growth that fails leaves the table as it was, at every allocation. */
static void test_hash_alloc_fail(void **state)
{
    (void)state;
    static char keys[200][8];
    for (int fail = 0; fail < 6; fail++) { /* 200 entries: 6 growths */
        struct kgi_hash t;
        kgi_hash_init(&t, NULL, NULL, NULL);
        kgi_alloc_fail_after(fail);
        int n = 0, rc = 0;
        for (; n < 200; n++) {
            int len = snprintf(keys[n], sizeof(keys[n]), "%d", n);
            rc = kgi_hash_put(&t, keys[n], (size_t)len,
                              kgi_hash_bytes(keys[n], (size_t)len, 0),
                              (void *)(uintptr_t)n, NULL);
            if (rc)
                break;
        }
        kgi_alloc_fail_after(-1);
        assert_int_equal(rc, KG_ENOMEM);
        assert_int_equal(t.count, (size_t)n);
        for (int i = 0; i < n; i++)
            assert_int_equal((uintptr_t)kgi_hash_get(
                                 &t, keys[i], strlen(keys[i]),
                                 kgi_hash_bytes(keys[i], strlen(keys[i]), 0),
                                 (void *)(uintptr_t)999),
                             (uintptr_t)i);
        kgi_hash_release(&t);
    }
    struct kgi_hash t;
    kgi_hash_init(&t, NULL, NULL, NULL);
    assert_int_equal(kgi_hash_reserve(&t, SIZE_MAX / 4), KG_ENOMEM);
    assert_int_equal(kgi_hash_reserve(&t, 100), 0);
    assert_true(kgi_hash_capacity(&t) >= 200);
    kgi_hash_release(&t);
    kgi_hash_release(NULL);
}

static void test_hash_function(void **state)
{
    (void)state;
    /* every length around the 8-byte steps, and the seed, change it */
    const char *s = "abcdefghijklmnopqrstuvwxyz";
    for (size_t n = 0; n < 24; n++) {
        assert_int_not_equal(kgi_hash_bytes(s, n, 0),
                             kgi_hash_bytes(s, n + 1, 0));
        assert_int_not_equal(kgi_hash_bytes(s, n, 0), kgi_hash_bytes(s, n, 1));
        assert_int_equal(kgi_hash_bytes(s, n, 7), kgi_hash_bytes(s, n, 7));
    }
    /* zero bytes count: "a" and "a\0" differ */
    assert_int_not_equal(kgi_hash_bytes("a", 1, 0),
                         kgi_hash_bytes("a\0", 2, 0));
    assert_int_not_equal(kgi_hash_mix(1), kgi_hash_mix(2));
    assert_int_equal(kgi_hash_slot_hash(0), 1);
    assert_int_equal(kgi_hash_slot_hash(5), 5);
}

/* ------------------------------------------------------------------ str */

struct cmp_case {
    const char *a, *b;
    int cmp;     /* sign of kgi_mem_cmp */
    int casecmp; /* sign of kgi_mem_casecmp */
    bool caseeq;
};

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

static void test_str_cmp(void **state)
{
    (void)state;
    static const struct cmp_case cases[] = {
        {"", "", 0, 0, true},
        {"", "a", -1, -1, false},
        {"a", "", 1, 1, false},
        {"a", "a/", -1, -1, false},
        {"a/", "b", -1, -1, false},
        {"TCP", "tcp", -1, 0, true},
        {"Host", "HOST", 1, 0, true},
        {"[", "a", -1, -1, false}, /* '[' is between 'Z' and 'a' */
        {"[", "A", 1, -1, false},  /* ... but below 'a' once folded */
        {"\xc3\x84", "\xc3\xa4", -1, -1, false}, /* non-ASCII: exact */
        {"x-Forwarded", "X-FORWARDED", 1, 0, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct cmp_case *c = &cases[i];
        struct kgi_str a = kgi_str_c(c->a), b = kgi_str_c(c->b);
        assert_int_equal(sign(kgi_str_cmp(a, b)), c->cmp);
        assert_int_equal(sign(kgi_mem_casecmp(a.p, a.n, b.p, b.n)), c->casecmp);
        assert_int_equal(kgi_str_caseeq(a, b), c->caseeq);
        assert_int_equal(kgi_str_equal(a, b), c->cmp == 0);
        assert_int_equal(kgi_str_eq(a, c->b), c->cmp == 0);
        assert_int_equal(kgi_str_caseeq_lit(a, c->b), c->caseeq);
    }
    struct kgi_str e = kgi_str_c(NULL);
    assert_int_equal(e.n, 0);
    assert_true(kgi_str_eq(e, ""));
    assert_true(kgi_mem_eq(NULL, 0, "", 0));
    assert_int_equal(kgi_mem_cmp(NULL, 0, NULL, 0), 0);
}

static void test_str_misc(void **state)
{
    (void)state;
    struct kgi_str s = kgi_str_make("networking.k8s.io/v1", 20);
    assert_true(kgi_str_has_prefix(s, "networking."));
    assert_true(kgi_str_has_prefix(s, ""));
    assert_false(kgi_str_has_prefix(s, "networking.k8s.io/v1x"));
    assert_true(kgi_str_has_suffix(s, "/v1"));
    assert_true(kgi_str_has_suffix(s, ""));
    assert_false(kgi_str_has_suffix(s, "v2"));
    assert_int_equal(kgi_str_find(s, '/'), 17);
    assert_int_equal(kgi_str_find(s, '#'), 20);
    assert_int_equal(kgi_str_find(kgi_str_make(NULL, 0), '/'), 0);
    /* the slice stops at n: a match past it does not count */
    assert_false(kgi_str_eq(kgi_str_make("abc", 2), "abc"));
    assert_true(kgi_str_eq(kgi_str_make("abc", 2), "ab"));
    for (int c = 0; c < 256; c++) {
        unsigned char l = kgi_ascii_lower((unsigned char)c);
        if (c >= 'A' && c <= 'Z')
            assert_int_equal(l, c + 32);
        else
            assert_int_equal(l, c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_random),
        cmocka_unit_test(test_hash_alloc_fail),
        cmocka_unit_test(test_hash_function),
        cmocka_unit_test(test_str_cmp),
        cmocka_unit_test(test_str_misc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
