// SPDX-License-Identifier: MIT
/*
 * test_names.c - the small pure functions under the model: Kubernetes name
 * syntaxes (k8s/names), RFC 3339 timestamps (k8s/meta), field paths
 * (util/path) and the arena. Tables of inputs with the expected verdict,
 * edges first (empty, the longest valid, one too long).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "k8s/meta.h"
#include "k8s/names.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/out.h"
#include "util/path.h"

typedef const char *(*check_fn)(const char *, size_t);

struct name_case {
    const char *what;
    check_fn fn;
    const char *s;
    bool valid;
};

#define L63 "a23456789012345678901234567890123456789012345678901234567890123"
#define L64 L63 "4"
/* 253 = 3 * 64 (63 + '.') + 61 */
#define S253                                                                   \
    L63 "." L63 "." L63 "."                                                    \
        "a234567890123456789012345678901234567890123456789012345678901"

static const struct name_case name_cases[] = {
    {"label", kgi_check_dns1123_label, "a", true},
    {"label", kgi_check_dns1123_label, "0", true},
    {"label", kgi_check_dns1123_label, "a-b-9", true},
    {"label", kgi_check_dns1123_label, L63, true},
    {"label", kgi_check_dns1123_label, L64, false},
    {"label", kgi_check_dns1123_label, "", false},
    {"label", kgi_check_dns1123_label, "-a", false},
    {"label", kgi_check_dns1123_label, "a-", false},
    {"label", kgi_check_dns1123_label, "A", false},
    {"label", kgi_check_dns1123_label, "a.b", false},
    {"label", kgi_check_dns1123_label, "a_b", false},
    {"label", kgi_check_dns1123_label, "\xc3\xa9", false},
    {"subdomain", kgi_check_dns1123_subdomain, "a", true},
    {"subdomain", kgi_check_dns1123_subdomain, "a.b-c.d", true},
    {"subdomain", kgi_check_dns1123_subdomain, S253, true},
    {"subdomain", kgi_check_dns1123_subdomain, S253 "1", false},
    {"subdomain", kgi_check_dns1123_subdomain, "", false},
    {"subdomain", kgi_check_dns1123_subdomain, ".a", false},
    {"subdomain", kgi_check_dns1123_subdomain, "a.", false},
    {"subdomain", kgi_check_dns1123_subdomain, "a..b", false},
    {"subdomain", kgi_check_dns1123_subdomain, "a.-b", false},
    {"subdomain", kgi_check_dns1123_subdomain, "a-.b", false},
    {"subdomain", kgi_check_dns1123_subdomain, "A.b", false},
    {"subdomain", kgi_check_dns1123_subdomain, "*.a", false},
    {"wildcard", kgi_check_wildcard_subdomain, "*.a", true},
    {"wildcard", kgi_check_wildcard_subdomain, "*.example.com", true},
    {"wildcard", kgi_check_wildcard_subdomain, "*", false},
    {"wildcard", kgi_check_wildcard_subdomain, "*.", false},
    {"wildcard", kgi_check_wildcard_subdomain, "a.example.com", false},
    {"wildcard", kgi_check_wildcard_subdomain, "*.*.example.com", false},
    {"wildcard", kgi_check_wildcard_subdomain, "**.example.com", false},
    {"wildcard", kgi_check_wildcard_subdomain, "*example.com", false},
    {"wildcard", kgi_check_wildcard_subdomain, "*." S253, false},
    {"qualified", kgi_check_qualified_name, "app", true},
    {"qualified", kgi_check_qualified_name, "App_1.x-y", true},
    {"qualified", kgi_check_qualified_name, "example.com/app", true},
    {"qualified", kgi_check_qualified_name, "kubernetes.io/metadata.name",
     true},
    {"qualified", kgi_check_qualified_name, L63, true},
    {"qualified", kgi_check_qualified_name, L64, false},
    {"qualified", kgi_check_qualified_name, "", false},
    {"qualified", kgi_check_qualified_name, "/app", false},
    {"qualified", kgi_check_qualified_name, "example.com/", false},
    {"qualified", kgi_check_qualified_name, "Example.com/app", false},
    {"qualified", kgi_check_qualified_name, "a/b/c", false},
    {"qualified", kgi_check_qualified_name, "_app", false},
    {"qualified", kgi_check_qualified_name, "app.", false},
    {"qualified", kgi_check_qualified_name, "a b", false},
    {"label value", kgi_check_label_value, "", true},
    {"label value", kgi_check_label_value, "v1.2_3-x", true},
    {"label value", kgi_check_label_value, L63, true},
    {"label value", kgi_check_label_value, L64, false},
    {"label value", kgi_check_label_value, "-x", false},
    {"label value", kgi_check_label_value, "x_", false},
    {"label value", kgi_check_label_value, "a/b", false},
    {"label value", kgi_check_label_value, "a b", false},
    {"svc name", kgi_check_iana_svc_name, "http", true},
    {"svc name", kgi_check_iana_svc_name, "h2c-9", true},
    {"svc name", kgi_check_iana_svc_name, "a23456789012345", true},
    {"svc name", kgi_check_iana_svc_name, "a234567890123456", false},
    {"svc name", kgi_check_iana_svc_name, "", false},
    {"svc name", kgi_check_iana_svc_name, "8080", false},
    {"svc name", kgi_check_iana_svc_name, "-http", false},
    {"svc name", kgi_check_iana_svc_name, "http-", false},
    {"svc name", kgi_check_iana_svc_name, "ht--tp", false},
    {"svc name", kgi_check_iana_svc_name, "HTTP", false},
    {"svc name", kgi_check_iana_svc_name, "ht_tp", false},
};

static void test_names(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof(name_cases) / sizeof(*name_cases); i++) {
        const struct name_case *t = &name_cases[i];
        const char *why = t->fn(t->s, strlen(t->s));
        if ((why == NULL) != t->valid) {
            print_error("%s \"%s\": %s, want %s\n", t->what, t->s,
                        why ? why : "valid", t->valid ? "valid" : "invalid");
            bad++;
        }
    }
    /* lengths are explicit: the byte after the name is never read */
    assert_null(kgi_check_dns1123_label("abc-", 3));
    assert_non_null(kgi_check_dns1123_label("abc\0", 4));
    assert_null(kgi_check_qualified_name("a/bc/", 4));
    assert_int_equal(bad, 0);
}

static void test_looks_like_ip(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool ip;
    } cases[] = {
        {"10.0.0.1", true},
        {"::1", true},
        {"2001:db8::", true},
        {"1.2.3", false},
        {"a.b.c.d", false},
        {"", false},
        {"10.0.0.1x", false},
        {"[::1]", false},
        {"0000000000000000000000000000000000000000000000000000000000000000"
         "1.1.1.1",
         false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
        if (kgi_looks_like_ip(cases[i].s, strlen(cases[i].s)) != cases[i].ip)
            fail_msg("kgi_looks_like_ip(\"%s\")", cases[i].s);
    assert_true(kgi_looks_like_ip("10.0.0.1garbage", 8));
}

static void test_parse_time(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool ok;
        int64_t t;
    } cases[] = {
        {"1970-01-01T00:00:00Z", true, 0},
        {"2024-01-02T03:04:05Z", true, 1704164645},
        /* Go's time.Parse(RFC3339) matches the T and Z literally */
        {"2024-01-02t03:04:05z", false, 0},
        {"2024-01-02T03:04:05z", false, 0},
        {"2024-01-02T03:04:05.999999Z", true, 1704164645},
        {"2024-01-02T05:04:05+02:00", true, 1704164645},
        {"2024-01-01T22:04:05-05:00", true, 1704164645},
        {"2024-02-29T00:00:00Z", true, 1709164800},
        {"2000-03-01T00:00:00Z", true, 951868800},
        {"1969-12-31T23:59:59Z", true, -1},
        {"2024-01-02T03:04:05", false, 0},
        {"2024-01-02", false, 0},
        {"2024-13-02T03:04:05Z", false, 0},
        {"2024-00-02T03:04:05Z", false, 0},
        {"2024-01-32T03:04:05Z", false, 0},
        {"2024-02-30T00:00:00Z", false, 0},
        {"2023-02-29T00:00:00Z", false, 0},
        {"1900-02-29T00:00:00Z", false, 0},
        {"2024-06-31T00:00:00Z", false, 0},
        {"2016-12-31T23:59:60Z", false, 0},
        {"2024-01-02T03:04:05+24:00", false, 0},
        {"2024-01-02T03:04:05+01:60", false, 0},
        {"2024-01-02T24:04:05Z", false, 0},
        {"2024-01-02T03:60:05Z", false, 0},
        {"2024-01-02T03:04:05.Z", false, 0},
        {"2024-01-02T03:04:05+0200", false, 0},
        {"2024-01-02T03:04:05Zjunk", false, 0},
        {"2024-01-02 03:04:05Z", false, 0},
        {"x024-01-02T03:04:05Z", false, 0},
        {"", false, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        int64_t t = 12345;
        bool ok = kgi_parse_time(cases[i].s, strlen(cases[i].s), &t);
        if (ok != cases[i].ok || (ok && t != cases[i].t))
            fail_msg("kgi_parse_time(\"%s\") = %d, %lld", cases[i].s, ok,
                     (long long)t);
    }
}

static void test_path(void **state)
{
    (void)state;
    struct kgi_path p;
    kgi_path_init(&p);
    assert_string_equal(p.buf, "");
    size_t m0 = kgi_path_key(&p, "spec", 4);
    size_t m1 = kgi_path_key(&p, "rules", 5);
    size_t m2 = kgi_path_index(&p, 0);
    kgi_path_key(&p, "http", 4);
    kgi_path_key(&p, "paths", 5);
    kgi_path_index(&p, 12);
    kgi_path_key(&p, "pathType", 8);
    assert_string_equal(p.buf, "spec.rules[0].http.paths[12].pathType");
    kgi_path_pop(&p, m2);
    assert_string_equal(p.buf, "spec.rules");
    kgi_path_pop(&p, m1);
    kgi_path_key(&p, "annotations", 11);
    size_t m3 = kgi_path_key(&p, "kubernetes.io/ingress.class", 27);
    assert_string_equal(p.buf, "spec.annotations[kubernetes.io/ingress.class]");
    kgi_path_pop(&p, m3);
    kgi_path_key(&p, "", 0);
    assert_string_equal(p.buf, "spec.annotations[]");
    kgi_path_pop(&p, m0);
    assert_string_equal(p.buf, "");
    assert_int_equal(p.len, 0);

    /* longer than the buffer: cut with "...", never overflowing, and
     * popping back still works */
    char big[2 * KGI_PATH_MAX];
    memset(big, 'k', sizeof(big));
    size_t a = kgi_path_key(&p, "metadata", 8);
    size_t b = kgi_path_key(&p, big, sizeof(big));
    assert_int_equal(p.len, KGI_PATH_MAX - 1);
    assert_int_equal(strlen(p.buf), KGI_PATH_MAX - 1);
    assert_string_equal(p.buf + p.len - 3, "...");
    kgi_path_index(&p, 7);
    kgi_path_key(&p, "more", 4);
    assert_int_equal(strlen(p.buf), KGI_PATH_MAX - 1);
    kgi_path_pop(&p, b);
    assert_string_equal(p.buf, "metadata");
    kgi_path_pop(&p, a);
    assert_string_equal(p.buf, "");
}

static void test_arena(void **state)
{
    (void)state;
    struct kgi_arena a;
    kgi_arena_init(&a);
    char *prev = NULL;
    for (size_t i = 1; i < 3000; i += 7) {
        size_t align = (size_t)1 << (i % 7);
        char *p = kgi_arena_alloc(&a, i, align);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % align, 0);
        memset(p, (int)(i & 0xff), i);
        if (prev)
            assert_int_equal((unsigned char)prev[0],
                             (unsigned char)((i - 7) & 0xff));
        prev = p;
    }
    /* a request larger than any chunk */
    char *huge = kgi_arena_alloc(&a, 3u << 20, 64);
    assert_non_null(huge);
    memset(huge, 1, 3u << 20);
    char *after = kgi_arena_alloc(&a, 16, 16);
    assert_non_null(after);
    assert_null(kgi_arena_alloc(&a, SIZE_MAX - 8, 8));
    assert_null(kgi_arena_calloc(&a, SIZE_MAX / 2, 4));
    int *z = kgi_arena_calloc(&a, 100, sizeof(int));
    assert_non_null(z);
    for (int i = 0; i < 100; i++)
        assert_int_equal(z[i], 0);
    char *s = kgi_arena_strndup(&a, "hello, world", 5);
    assert_string_equal(s, "hello");
    assert_null(kgi_arena_strndup(&a, "x", SIZE_MAX));
    kgi_arena_release(&a);
    assert_null(a.head);
    assert_int_equal(a.total, 0);
    /* reusable after release */
    assert_non_null(kgi_arena_alloc(&a, 10, 1));
    kgi_arena_release(&a);

    /* allocation failure is reported, not crashed on */
    kgi_alloc_fail_after(0);
    assert_null(kgi_arena_alloc(&a, 10, 1));
    assert_null(kgi_strndup("abc", 3));
    kgi_alloc_fail_after(-1);
    kgi_arena_release(&a);
}

static void test_grow(void **state)
{
    (void)state;
    int *v = NULL;
    size_t cap = 0;
    assert_int_equal(kgi_grow((void **)&v, &cap, 1, sizeof(*v)), 0);
    assert_true(cap >= 1);
    assert_int_equal(kgi_grow((void **)&v, &cap, 1000, sizeof(*v)), 0);
    assert_true(cap >= 1000);
    v[999] = 7;
    size_t before = cap;
    assert_int_equal(kgi_grow((void **)&v, &cap, SIZE_MAX / 2, sizeof(*v)), -1);
    assert_int_equal(cap, before); /* unchanged on failure */
    assert_int_equal(v[999], 7);
    kgi_alloc_fail_after(0);
    assert_int_equal(kgi_grow((void **)&v, &cap, cap + 1, sizeof(*v)), -1);
    kgi_alloc_fail_after(-1);
    assert_int_equal(cap, before);
    kgi_free(v);
}

struct sink {
    char buf[4096];
    size_t len;
};

static void sink_write(void *user, const char *text, size_t len)
{
    struct sink *k = user;
    assert_true(k->len + len < sizeof(k->buf));
    memcpy(k->buf + k->len, text, len);
    k->len += len;
    k->buf[k->len] = '\0';
}

static void test_out(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        const char *json;
    } cases[] = {
        {"", 0, "\"\""},
        {"plain", 5, "\"plain\""},
        {"a\"b\\c", 5, "\"a\\\"b\\\\c\""},
        {"\n\t\x01\x1f\x7f", 5, "\"\\u000a\\u0009\\u0001\\u001f\\u007f\""},
        {"x\0y", 3, "\"x\\u0000y\""},
        {"\xc3\xa9/\xe2\x82\xac", 6, "\"\xc3\xa9/\xe2\x82\xac\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct sink k = {.len = 0};
        struct kgi_out o = {sink_write, &k};
        kgi_out_json_str(&o, cases[i].in, cases[i].len);
        assert_string_equal(k.buf, cases[i].json);
    }
    /* printf longer than its stack buffer */
    struct sink k = {.len = 0};
    struct kgi_out o = {sink_write, &k};
    char big[3000];
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    kgi_out_printf(&o, "<%s|%d>", big, 42);
    assert_int_equal(k.len, sizeof(big) - 1 + 5);
    assert_string_equal(k.buf + k.len - 4, "|42>");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),      cmocka_unit_test(test_looks_like_ip),
        cmocka_unit_test(test_parse_time), cmocka_unit_test(test_path),
        cmocka_unit_test(test_arena),      cmocka_unit_test(test_grow),
        cmocka_unit_test(test_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
