// SPDX-License-Identifier: MIT
/*
 * test_radix.c - the stable radix sort of util/radix.h against qsort with
 * an index tie-break (which is stable by construction): random keys of the
 * shapes the compilers hand it (IPv4 in the top 32 bits, IPv6 /48s, full
 * 160-bit keys, many equal keys), every length around the pass structure,
 * and allocation failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/alloc.h"
#include "util/radix.h"

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int ref_cmp(const void *x, const void *y)
{
    const struct kgi_radix_key *a = x, *b = y;
    if (a->hi != b->hi)
        return a->hi < b->hi ? -1 : 1;
    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    if (a->low != b->low)
        return a->low < b->low ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

enum shape { IPV4, IPV6_48, FULL, FEW };

static void fill(struct kgi_radix_key *v, size_t n, enum shape s)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rng();
        switch (s) {
        case IPV4:
            v[i].hi = (r & 0xffffffff00000000ull);
            v[i].lo = 0;
            v[i].low = (uint32_t)(rng() % 33);
            break;
        case IPV6_48:
            v[i].hi = (r & 0xffffffffffff0000ull);
            v[i].lo = 0;
            v[i].low = (uint32_t)(rng() % 129) << 8 | (uint32_t)(rng() % 2);
            break;
        case FULL:
            v[i].hi = r;
            v[i].lo = rng();
            v[i].low = (uint32_t)rng();
            break;
        case FEW: /* many equal keys: the order of equals is checked */
            v[i].hi = r % 3;
            v[i].lo = 0;
            v[i].low = (uint32_t)(rng() % 2);
            break;
        }
        v[i].idx = (uint32_t)i;
    }
}

static void test_against_qsort(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 1, 2, 3, 255, 256, 257, 1000, 20000};
    for (int s = IPV4; s <= FEW; s++) {
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            size_t n = lens[li];
            struct kgi_radix_key *v = calloc(n + 1, sizeof *v);
            struct kgi_radix_key *w = calloc(n + 1, sizeof *w);
            assert_true(v && w);
            fill(v, n, (enum shape)s);
            memcpy(w, v, n * sizeof *v);
            qsort(w, n, sizeof *w, ref_cmp);
            assert_int_equal(kgi_radix_sort(v, n), 0);
            for (size_t i = 0; i < n; i++) {
                assert_int_equal(v[i].idx, w[i].idx);
                assert_true(v[i].hi == w[i].hi && v[i].lo == w[i].lo &&
                            v[i].low == w[i].low);
            }
            free(v);
            free(w);
        }
    }
}

static void test_alloc_failure(void **state)
{
    (void)state;
    struct kgi_radix_key v[300], w[300];
    fill(v, 300, FULL);
    memcpy(w, v, sizeof v);
    for (long n = 0; n < 2; n++) {
        kgi_alloc_fail_after(n);
        int rc = kgi_radix_sort(v, 300);
        kgi_alloc_fail_after(-1);
        assert_int_equal(rc, -1);
        assert_memory_equal(v, w, sizeof v); /* untouched on failure */
    }
    assert_int_equal(kgi_radix_sort(v, 300), 0);
    for (size_t i = 1; i < 300; i++)
        assert_true(ref_cmp(&v[i - 1], &v[i]) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_qsort),
        cmocka_unit_test(test_alloc_failure),
    };
    return cmocka_run_group_tests_name("radix", tests, NULL, NULL);
}
