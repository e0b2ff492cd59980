// SPDX-License-Identifier: MIT
/*
 * test_reload.c - swapping rulesets under concurrent lookups (kg_holder).
 *
 * Ruleset generation g routes host gen.example.com to Service "v<g>" and
 * has a pod "default/p<g>" at 10.0.0.1. Reader threads loop: acquire,
 * route, find the pod of 10.0.0.1, check a flow, dump nothing, unref. For
 * every acquired ruleset both answers must name the same g (one ruleset,
 * never a mix), g never goes back for a reader, and g is at least the
 * generation whose swap had returned before the acquire began and at most
 * the one being swapped in when the acquire returned. Meanwhile one thread
 * compiles a new generation and swaps it in, thousands of times; the old
 * one is freed by whichever thread drops its last reference. Run under
 * ASan (a use-after-free in acquire would show) and TSan (CI builds this
 * test with -Db_sanitize=thread).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hard_common.h"

#define N_READERS 3

static kg_ruleset *compile_generation(unsigned g)
{
    char yaml[1024];
    int n =
        snprintf(yaml, sizeof(yaml),
                 "apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
                 "metadata: {name: web, namespace: default}\n"
                 "spec:\n  rules:\n  - host: gen.example.com\n    http:\n"
                 "      paths:\n      - path: /\n        pathType: Prefix\n"
                 "        backend: {service: {name: v%u, port: {number: 80}}}\n"
                 "---\napiVersion: v1\nkind: Pod\n"
                 "metadata: {name: p%u, namespace: default, labels: {app: x}}\n"
                 "spec: {containers: [{name: c}]}\n"
                 "status: {podIP: 10.0.0.1}\n",
                 g, g);
    kg_builder *b = kg_builder_new(NULL);
    if (!b)
        return NULL;
    kg_ruleset *rs = NULL;
    if (kg_builder_add_buffer(b, "gen.yaml", yaml, (size_t)n) != 0 ||
        kg_builder_compile(b, &rs) != 0)
        rs = NULL;
    kg_builder_free(b);
    return rs;
}

/* The generation a ruleset answers with, from the route and from the pod
 * table; -1 on any inconsistency. */
static long generation_of(const kg_ruleset *rs)
{
    struct kg_route r;
    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    char buf[16];
    if (kg_route(rs, "gen.example.com", 15, "/x", 2, buf, sizeof(buf), &r) !=
            0 ||
        r.service_len < 2 || r.service[0] != 'v')
        return -1;
    long g_route = strtol(r.service + 1, NULL, 10);

    struct kg_addr a;
    uint32_t pod;
    if (kg_addr_parse("10.0.0.1", 8, &a) != 0 ||
        kg_pod_find_addr(rs, &a, &pod) != 0)
        return -1;
    const char *name = kg_pod_name(rs, pod);
    if (!name || strncmp(name, "default/p", 9) != 0)
        return -1;
    long g_pod = strtol(name + 9, NULL, 10);

    struct kg_verdict v;
    memset(&v, 0, sizeof(v));
    v.size = sizeof(v);
    if (kg_check(rs, &a, &a, KG_PROTO_TCP, 80, &v) != 0 || !v.allowed)
        return -1;
    return g_route == g_pod ? g_route : -1;
}

struct shared {
    kg_holder *h;
    atomic_long swapped;    /* last generation whose swap returned */
    atomic_long publishing; /* generation being swapped in */
    atomic_bool done;
    atomic_long lookups;
    atomic_long errors;
};

static void *reader(void *arg)
{
    struct shared *s = arg;
    long last = -1, lookups = 0;
    while (!atomic_load(&s->done)) {
        long lo = atomic_load(&s->swapped);
        kg_ruleset *rs = kg_holder_acquire(s->h);
        long hi = atomic_load(&s->publishing);
        long g = rs ? generation_of(rs) : -1;
        if (g < 0 || g < lo || g > hi || g < last) {
            fprintf(stderr,
                    "reader: generation %ld outside [%ld, %ld] or "
                    "before %ld\n",
                    g, lo, hi, last);
            atomic_fetch_add(&s->errors, 1);
        }
        last = g;
        lookups++;
        kg_ruleset_unref(rs);
    }
    atomic_fetch_add(&s->lookups, lookups);
    return NULL;
}

static void test_swap_under_load(void **state)
{
    (void)state;
    long swaps = (long)(3000 * hard_scale());
    if (swaps < 100)
        swaps = 100;
    struct shared s;
    kg_ruleset *first = compile_generation(0);
    assert_non_null(first);
    assert_int_equal(generation_of(first), 0);
    s.h = kg_holder_new(first);
    assert_non_null(s.h);
    kg_ruleset_unref(first); /* the holder keeps its own reference */
    atomic_init(&s.swapped, 0);
    atomic_init(&s.publishing, 0);
    atomic_init(&s.done, false);
    atomic_init(&s.lookups, 0);
    atomic_init(&s.errors, 0);

    pthread_t t[N_READERS];
    for (int i = 0; i < N_READERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, reader, &s), 0);
    for (long g = 1; g <= swaps; g++) {
        kg_ruleset *rs = compile_generation((unsigned)g);
        assert_non_null(rs);
        atomic_store(&s.publishing, g);
        assert_int_equal(kg_holder_swap(s.h, rs), 0);
        atomic_store(&s.swapped, g);
        kg_ruleset_unref(rs);
    }
    atomic_store(&s.done, true);
    for (int i = 0; i < N_READERS; i++)
        pthread_join(t[i], NULL);
    printf("%ld swaps, %ld acquire+lookup rounds, %ld errors\n", swaps,
           (long)atomic_load(&s.lookups), (long)atomic_load(&s.errors));
    assert_int_equal(atomic_load(&s.errors), 0);
    assert_true(atomic_load(&s.lookups) > 0);

    kg_ruleset *last = kg_holder_acquire(s.h);
    assert_int_equal(generation_of(last), swaps);
    kg_holder_free(s.h);
    /* an acquired ruleset outlives its holder */
    assert_int_equal(generation_of(last), swaps);
    kg_ruleset_unref(last);
}

/* Several swappers at once: swaps serialize, nothing leaks or doubles. */
static void *swapper(void *arg)
{
    kg_holder *h = arg;
    for (unsigned g = 0; g < 50; g++) {
        kg_ruleset *rs = compile_generation(g);
        if (!rs || kg_holder_swap(h, rs) != 0)
            abort();
        kg_ruleset_unref(rs);
        kg_ruleset_unref(kg_holder_acquire(h));
    }
    return NULL;
}

static void test_concurrent_swappers(void **state)
{
    (void)state;
    kg_holder *h = kg_holder_new(NULL);
    assert_non_null(h);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, swapper, h), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    kg_ruleset *rs = kg_holder_acquire(h);
    assert_non_null(rs);
    assert_int_equal(generation_of(rs), 49);
    kg_ruleset_unref(rs);
    kg_holder_free(h);
}

static void test_edges(void **state)
{
    (void)state;
    /* NULL handling */
    assert_null(kg_holder_acquire(NULL));
    assert_int_equal(kg_holder_swap(NULL, NULL), KG_EINVAL);
    kg_holder_free(NULL);

    /* an empty holder, filled, emptied */
    kg_holder *h = kg_holder_new(NULL);
    assert_non_null(h);
    assert_null(kg_holder_acquire(h));
    kg_ruleset *a = compile_generation(7);
    assert_non_null(a);
    assert_int_equal(kg_holder_swap(h, a), 0);
    kg_ruleset_unref(a); /* holder's reference keeps it */
    kg_ruleset *got = kg_holder_acquire(h);
    assert_ptr_equal(got, a);
    assert_int_equal(generation_of(got), 7);
    assert_int_equal(kg_holder_swap(h, NULL), 0);
    assert_null(kg_holder_acquire(h));
    /* the acquired reference is still good after the holder let go */
    assert_int_equal(generation_of(got), 7);
    kg_ruleset_unref(got);

    /* swapping the same ruleset in again keeps it alive */
    kg_ruleset *b = compile_generation(8);
    assert_int_equal(kg_holder_swap(h, b), 0);
    assert_int_equal(kg_holder_swap(h, b), 0);
    kg_ruleset_unref(b);
    got = kg_holder_acquire(h);
    assert_int_equal(generation_of(got), 8);
    kg_ruleset_unref(got);
    kg_holder_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_concurrent_swappers),
        cmocka_unit_test(test_swap_under_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
