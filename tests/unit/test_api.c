// SPDX-License-Identifier: MIT
/*
 * test_api.c - the public foundation API: error codes, options, builder,
 * diagnostics and their formatter, ruleset references, NULL handling.
 *
 * Inputs go through kg_builder_* exactly as a caller's would: a table of
 * buffers with the diagnostics each must produce (severity, code, field
 * path, 1-based line:column), then the data-driven files under
 * tests/data/yaml (each NAME.expect lists the diagnostics of NAME.yaml or
 * NAME.json, one `severity CODE path line:col` a line), then files that
 * cannot be read, compiling twice, and allocation failure at every N.
 */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kgress.h"
#include "util/alloc.h"

#ifndef KGRESS_TEST_DATA
#error "KGRESS_TEST_DATA must name tests/data"
#endif

/* ------------------------------------------------------------ error codes */

#define CODE(c)                                                                \
    {                                                                          \
        c, #c                                                                  \
    }
static const struct {
    int code;
    const char *name;
} codes[] = {
    CODE(KG_OK),
    CODE(KG_ENOMEM),
    CODE(KG_EINVAL),
    CODE(KG_EIO),
    CODE(KG_ECOMPILE),
    CODE(KG_ESYNTAX),
    CODE(KG_EENCODING),
    CODE(KG_ELIMIT_BYTES),
    CODE(KG_ELIMIT_DEPTH),
    CODE(KG_ELIMIT_NODES),
    CODE(KG_ELIMIT_SCALAR),
    CODE(KG_ELIMIT_DOCUMENTS),
    CODE(KG_EALIAS),
    CODE(KG_ELIMIT_ALIAS),
    CODE(KG_ETYPE),
    CODE(KG_EREQUIRED),
    CODE(KG_EINVALID),
    CODE(KG_ENOTSUPPORTED),
    CODE(KG_EDUPLICATE),
    CODE(KG_EFORBIDDEN),
    CODE(KG_ETOOLONG),
    CODE(KG_ENOMATCH),
    CODE(KG_EREQUEST),
    CODE(KG_ELIMIT_MATCH),
    CODE(KG_ENOSPACE),
    CODE(KG_EWARNING),
    CODE(KG_ECONFLICT),
    CODE(KG_ENOTFOUND),
    CODE(KG_ERELIST),
    CODE(KG_EWATCH),
    CODE(KG_ELIMIT_DIAGNOSTICS),
    CODE(KG_EDNS),
    CODE(KG_ELIMIT_CACHE),
    CODE(KG_ESNAPSHOT),
    CODE(KG_ESNAPSHOT_VERSION),
};
#define N_CODES (sizeof(codes) / sizeof(codes[0]))

static void test_error_codes(void **state)
{
    (void)state;
    /* every code from 0 down to KG_ECODE_MIN: the table above is complete
     * for this header only if it has exactly those; a code appended to the
     * header without a row here fails this test (add the row) */
    int seen = 0;
    for (int code = 0; code >= KG_ECODE_MIN; code--) {
        const char *name = kg_error_name(code);
        const char *text = kg_strerror(code);
        assert_non_null(name);
        assert_non_null(text);
        assert_true(strlen(text) > 0);
        assert_string_not_equal(name, "KG_E?");
        assert_string_not_equal(text, "unknown error");
        int found = 0;
        for (size_t i = 0; i < N_CODES; i++) {
            if (codes[i].code == code) {
                assert_string_equal(name, codes[i].name);
                found++;
            }
        }
        if (found != 1)
            fail_msg("code %d (%s) is not in the test's table once", code,
                     name);
        /* names and texts are unique */
        for (int other = code - 1; other >= KG_ECODE_MIN; other--) {
            assert_string_not_equal(name, kg_error_name(other));
            assert_string_not_equal(text, kg_strerror(other));
        }
        seen++;
    }
    assert_int_equal(seen, N_CODES);
    assert_string_equal(kg_error_name(0), "KG_OK");
    static const int unknown[] = {1,     42,      KG_ECODE_MIN - 1,
                                  -1000, INT_MIN, INT_MAX};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        assert_string_equal(kg_error_name(unknown[i]), "KG_E?");
        assert_string_equal(kg_strerror(unknown[i]), "unknown error");
    }
}

static void test_version(void **state)
{
    (void)state;
    char want[32];
    snprintf(want, sizeof(want), "%d.%d.%d", KG_VERSION_MAJOR, KG_VERSION_MINOR,
             KG_VERSION_PATCH);
    assert_string_equal(kg_version(), want);
    assert_int_equal(kg_version_number(), KG_VERSION_NUMBER);
    assert_int_equal(KG_VERSION_NUMBER, KG_VERSION_MAJOR * 10000 +
                                            KG_VERSION_MINOR * 100 +
                                            KG_VERSION_PATCH);
}

/* ------------------------------------------------------------ options */

static const struct {
    int limit;
    uint64_t dflt;
} limit_defaults[] = {
    {KG_LIMIT_INPUT_BYTES, (uint64_t)2 << 30},
    {KG_LIMIT_DEPTH, 64},
    {KG_LIMIT_OBJECT_NODES, 1000000},
    {KG_LIMIT_SCALAR_BYTES, 1u << 20},
    {KG_LIMIT_DOCUMENTS, 1000000},
    {KG_LIMIT_ALIAS_NODES, 0},
    {KG_LIMIT_NODES, 128000000},
    {KG_LIMIT_DIAGNOSTICS, 1000},
    {KG_LIMIT_DNS_ENTRIES, 65536},
    {KG_LIMIT_DNS_NAMES, 16384},
    {KG_LIMIT_DNS_ADDRS_PER_NAME, 256},
    {KG_LIMIT_DNS_MIN_TTL, 1},
    {KG_LIMIT_DNS_MAX_TTL, 0x7fffffff},
    {KG_LIMIT_DNS_GRACE, 0},
};

static const struct {
    int flag;
    bool dflt;
} flag_defaults[] = {
    {KG_FLAG_NORMALIZE, true},
    {KG_FLAG_SKIP_INVALID, false},
    {KG_FLAG_REJECT_ESCAPED_SLASH, false},
    {KG_FLAG_IPBLOCK_MATCHES_PODS, true},
    {KG_FLAG_SELECT_HOSTNETWORK, false},
    {KG_FLAG_ALLOW_NODE_INGRESS, true},
    {KG_FLAG_ALLOW_LOOPBACK, true},
    {KG_FLAG_STRICT_CIDR, false},
    {KG_FLAG_SERVICE_ANY_ENDPOINT, false},
    {KG_FLAG_DNS_SHARED, false},
};

static void test_options(void **state)
{
    (void)state;
    kg_options *o = kg_options_new();
    assert_non_null(o);
    for (size_t i = 0; i < sizeof(limit_defaults) / sizeof(*limit_defaults);
         i++) {
        int l = limit_defaults[i].limit;
        assert_int_equal(kg_options_get_limit(o, l), limit_defaults[i].dflt);
        assert_int_equal(kg_options_set_limit(o, l, 12345), 0);
        assert_int_equal(kg_options_get_limit(o, l), 12345);
        assert_int_equal(kg_options_set_limit(o, l, UINT64_MAX), 0);
        assert_true(kg_options_get_limit(o, l) == UINT64_MAX);
        /* 0 means "no aliases" for alias nodes, no minimum DNS TTL, no
         * grace, and is refused elsewhere */
        int want = l == KG_LIMIT_ALIAS_NODES || l == KG_LIMIT_DNS_MIN_TTL ||
                           l == KG_LIMIT_DNS_GRACE
                       ? 0
                       : KG_EINVAL;
        assert_int_equal(kg_options_set_limit(o, l, 0), want);
        assert_int_equal(kg_options_get_limit(o, l), want ? UINT64_MAX : 0);
        assert_int_equal(kg_options_set_limit(NULL, l, 1), KG_EINVAL);
        assert_int_equal(kg_options_get_limit(NULL, l), 0);
    }
    static const int bad_limits[] = {0, 15, -1, 100, INT_MIN, INT_MAX};
    for (size_t i = 0; i < sizeof(bad_limits) / sizeof(*bad_limits); i++) {
        assert_int_equal(kg_options_set_limit(o, bad_limits[i], 1), KG_EINVAL);
        assert_int_equal(kg_options_get_limit(o, bad_limits[i]), 0);
    }
    for (size_t i = 0; i < sizeof(flag_defaults) / sizeof(*flag_defaults);
         i++) {
        int f = flag_defaults[i].flag;
        assert_int_equal(kg_options_get_flag(o, f), flag_defaults[i].dflt);
        assert_int_equal(kg_options_set_flag(o, f, !flag_defaults[i].dflt), 0);
        assert_int_equal(kg_options_get_flag(o, f), !flag_defaults[i].dflt);
        assert_int_equal(kg_options_set_flag(NULL, f, true), KG_EINVAL);
        assert_false(kg_options_get_flag(NULL, f));
    }
    static const int bad_flags[] = {0, 11, -1, INT_MIN, INT_MAX};
    for (size_t i = 0; i < sizeof(bad_flags) / sizeof(*bad_flags); i++) {
        assert_int_equal(kg_options_set_flag(o, bad_flags[i], true), KG_EINVAL);
        assert_false(kg_options_get_flag(o, bad_flags[i]));
    }
    assert_int_equal(kg_options_set_dialect(o, KG_DIALECT_INGRESS_NGINX), 0);
    assert_int_equal(kg_options_set_dialect(o, KG_DIALECT_PORTABLE), 0);
    assert_int_equal(kg_options_set_dialect(o, 2), KG_EINVAL);
    assert_int_equal(kg_options_set_dialect(o, -1), KG_EINVAL);
    assert_int_equal(kg_options_set_dialect(NULL, 0), KG_EINVAL);

    char cls[300];
    memset(cls, 'a', sizeof(cls));
    assert_int_equal(kg_options_set_ingress_class(o, "nginx", 5), 0);
    assert_int_equal(kg_options_set_ingress_class(o, cls, 253), 0);
    assert_int_equal(kg_options_set_ingress_class(o, cls, 254), KG_EINVAL);
    assert_int_equal(kg_options_set_ingress_class(o, NULL, 0), 0);
    assert_int_equal(kg_options_set_ingress_class(o, NULL, 3), KG_EINVAL);
    assert_int_equal(kg_options_set_ingress_class(o, "x", 0), 0);
    assert_int_equal(kg_options_set_ingress_class(NULL, "x", 1), KG_EINVAL);
    kg_options_free(o);
    kg_options_free(NULL);
}

/* A builder copies the options: changing or freeing them after has no
 * effect on it. */
static void test_options_copied(void **state)
{
    (void)state;
    static const char deep[] = "kind: X\na: {b: {c: 1}}\n";
    kg_options *o = kg_options_new();
    assert_non_null(o);
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DEPTH, 2), 0);
    kg_builder *b = kg_builder_new(o);
    assert_non_null(b);
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DEPTH, 64), 0);
    kg_options_free(o);
    assert_int_equal(kg_builder_add_buffer(b, "d", deep, sizeof(deep) - 1),
                     KG_ECOMPILE);
    assert_int_equal(kg_diagnostic_code(kg_builder_diagnostics(b), 0),
                     KG_ELIMIT_DEPTH);
    kg_builder_free(b);
}

/* ------------------------------------------------------------ NULL */

static void test_null_handling(void **state)
{
    (void)state;
    kg_options_free(NULL);
    kg_builder_free(NULL);
    kg_ruleset_unref(NULL);
    assert_null(kg_ruleset_ref(NULL));
    assert_null(kg_builder_diagnostics(NULL));
    assert_int_equal(kg_diagnostics_count(NULL), 0);
    assert_int_equal(kg_diagnostics_errors(NULL), 0);
    assert_int_equal(kg_diagnostic_severity(NULL, 0), -1);
    assert_int_equal(kg_diagnostic_code(NULL, 0), 0);
    assert_string_equal(kg_diagnostic_file(NULL, 0), "");
    assert_string_equal(kg_diagnostic_path(NULL, 0), "");
    assert_string_equal(kg_diagnostic_message(NULL, 0), "");
    assert_int_equal(kg_diagnostic_line(NULL, 0), 0);
    assert_int_equal(kg_diagnostic_column(NULL, 0), 0);
    char buf[8] = "xxxxxxx";
    assert_int_equal(kg_diagnostic_format(NULL, 0, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
    assert_int_equal(kg_diagnostic_format(NULL, 0, NULL, 0), 0);

    assert_int_equal(kg_builder_add_buffer(NULL, "x", "a: 1", 4), KG_EINVAL);
    assert_int_equal(kg_builder_add_file(NULL, "x"), KG_EINVAL);
    kg_ruleset *rs = (kg_ruleset *)(uintptr_t)1; /* must be overwritten */
    assert_int_equal(kg_builder_compile(NULL, &rs), KG_EINVAL);

    kg_builder *b = kg_builder_new(NULL);
    assert_non_null(b);
    assert_int_equal(kg_builder_add_buffer(b, "x", NULL, 1), KG_EINVAL);
    assert_int_equal(kg_builder_add_buffer(b, "x", NULL, 0), 0);
    assert_int_equal(kg_builder_add_buffer(b, NULL, "", 0), 0);
    assert_int_equal(kg_builder_add_file(b, NULL), KG_EINVAL);
    assert_int_equal(kg_builder_compile(b, NULL), KG_EINVAL);
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    assert_non_null(d);
    assert_int_equal(kg_diagnostics_count(d), 0);
    /* out of range on a real list */
    assert_int_equal(kg_diagnostic_severity(d, 0), -1);
    assert_int_equal(kg_diagnostic_code(d, 0), 0);
    assert_string_equal(kg_diagnostic_file(d, 0), "");
    assert_string_equal(kg_diagnostic_message(d, SIZE_MAX), "");
    assert_int_equal(kg_builder_compile(b, &rs), 0);
    assert_non_null(rs);
    assert_int_equal(kg_ruleset_dump(NULL, KG_DUMP_TEXT, NULL, NULL),
                     KG_EINVAL);
    assert_int_equal(kg_ruleset_dump(rs, KG_DUMP_TEXT, NULL, NULL), KG_EINVAL);
    kg_ruleset_unref(rs);
    kg_builder_free(b);
}

/* ------------------------------------------------------------ builder */

struct want {
    int severity;
    int code;
    const char *path;
    unsigned line, col;
    const char *msg; /* substring, or NULL */
};

#define E(code, path, line, col)                                               \
    {                                                                          \
        KG_SEVERITY_ERROR, code, path, line, col, NULL                         \
    }
#define W(code, path, line, col)                                               \
    {                                                                          \
        KG_SEVERITY_WARNING, code, path, line, col, NULL                       \
    }
#define EM(code, path, line, col, msg)                                         \
    {                                                                          \
        KG_SEVERITY_ERROR, code, path, line, col, msg                          \
    }

#define NS(name)                                                               \
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " name "\n"

struct compile_case {
    const char *name;
    const char *in;
    bool skip_invalid;
    int rc;
    struct want diags[5]; /* code 0 ends the list */
};

static const struct compile_case compile_cases[] = {
    {.name = "valid namespace", .in = NS("shop")},
    {.name = "empty input", .in = ""},
    {.name = "unknown kinds skipped silently",
     .in = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: NOT_VALID}\n---\n"
           "apiVersion: apps/v1\nkind: Deployment\n---\nkind: ConfigMap\n"
           "---\nkind: 42\nmetadata: {}\n---\nkind: \"\"\n"},
    {.name = "missing kind",
     .in = "apiVersion: v1\nmetadata: {name: a}\n",
     false,
     KG_ECOMPILE,
     {EM(KG_EREQUIRED, "kind", 1, 1, "Required value")}},
    {.name = "null kind",
     .in = "kind:\nmetadata: {name: a}\n",
     false,
     KG_ECOMPILE,
     {E(KG_EREQUIRED, "kind", 1, 1)}},
    {.name = "missing apiVersion",
     .in = "kind: Pod\nmetadata: {name: a}\n",
     false,
     KG_ECOMPILE,
     {EM(KG_EREQUIRED, "apiVersion", 1, 1, "v1")}},
    {.name = "missing metadata",
     .in = "apiVersion: v1\nkind: Pod\n",
     false,
     KG_ECOMPILE,
     {E(KG_EREQUIRED, "metadata", 1, 1)}},
    {.name = "null metadata",
     .in = "apiVersion: v1\nkind: Pod\nmetadata: null\n",
     false,
     KG_ECOMPILE,
     {E(KG_EREQUIRED, "metadata", 3, 11)}},
    {.name = "metadata a string",
     .in = "apiVersion: v1\nkind: Pod\nmetadata: x\n",
     false,
     KG_ECOMPILE,
     {EM(KG_ETYPE, "metadata", 3, 11, "map")}},
    {.name = "missing name",
     .in = "apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: a\n",
     false,
     KG_ECOMPILE,
     {E(KG_EREQUIRED, "metadata.name", 4, 3)}},
    {.name = "empty name",
     .in = "apiVersion: v1\nkind: Pod\nmetadata: {name: \"\"}\n",
     false,
     KG_ECOMPILE,
     {E(KG_EREQUIRED, "metadata.name", 3, 18)}},
    {.name = "name a number",
     .in = "apiVersion: v1\nkind: Pod\nmetadata: {name: 42}\n",
     false,
     KG_ECOMPILE,
     {EM(KG_ETYPE, "metadata.name", 3, 18, "string")}},
    {.name = "name a quoted number",
     .in = "apiVersion: v1\nkind: Pod\nmetadata: {name: \"42\"}\n"},
    {.name = "name a bool",
     .in = "apiVersion: v1\nkind: Pod\nmetadata: {name: true}\n",
     false,
     KG_ECOMPILE,
     {E(KG_ETYPE, "metadata.name", 3, 18)}},
    {.name = "name a map",
     .in = "apiVersion: v1\nkind: Pod\nmetadata: {name: {a: b}}\n",
     false,
     KG_ECOMPILE,
     {E(KG_ETYPE, "metadata.name", 3, 18)}},
    {.name = "name upper case",
     .in = NS("Shop"),
     false,
     KG_ECOMPILE,
     {EM(KG_EINVALID, "metadata.name", 4, 9, "RFC 1123 label")}},
    {.name = "namespace name with dots",
     .in = NS("a.b"),
     false,
     KG_ECOMPILE,
     {E(KG_EINVALID, "metadata.name", 4, 9)}},
    {.name = "pod name with dots",
     .in = "apiVersion: v1\nkind: Pod\nmetadata: {name: a.b-c.d}\n"},
    {.name = "namespace name 63",
     .in =
         NS("a23456789012345678901234567890123456789012345678901234567890123")},
    {.name = "namespace name 64",
     .in =
         NS("a234567890123456789012345678901234567890123456789012345678901234"),
     false,
     KG_ECOMPILE,
     {EM(KG_EINVALID, "metadata.name", 4, 9, "no more than 63")}},
    {.name = "pod name trailing dash",
     .in = "apiVersion: v1\nkind: Pod\nmetadata: {name: a-}\n",
     false,
     KG_ECOMPILE,
     {E(KG_EINVALID, "metadata.name", 3, 18)}},
    {.name = "pod name empty label",
     .in = "apiVersion: v1\nkind: Pod\nmetadata: {name: a..b}\n",
     false,
     KG_ECOMPILE,
     {E(KG_EINVALID, "metadata.name", 3, 18)}},
    {.name = "name with escaped NUL",
     .in = "apiVersion: v1\nkind: Pod\nmetadata: {name: \"a\\0b\"}\n",
     false,
     KG_ECOMPILE,
     {E(KG_EINVALID, "metadata.name", 3, 18)}},
    {.name = "bad namespace",
     .in = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: a_b}\n",
     false,
     KG_ECOMPILE,
     {E(KG_EINVALID, "metadata.namespace", 3, 32)}},
    {.name = "empty namespace is default",
     .in = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: \"\"}\n"},
    {.name = "namespace a number",
     .in = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: 7}\n",
     false,
     KG_ECOMPILE,
     {E(KG_ETYPE, "metadata.namespace", 3, 32)}},
    {.name = "timestamps",
     .in = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n"
           "  creationTimestamp: 2024-01-02T03:04:05Z\n---\n"
           "apiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n"
           "  creationTimestamp: \"2024-01-02T03:04:05.123+02:00\"\n---\n"
           "apiVersion: v1\nkind: Pod\nmetadata:\n  name: c\n"
           "  creationTimestamp: null\n"},
    {.name = "bad timestamps",
     .in = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n"
           "  creationTimestamp: 2024-13-02T03:04:05Z\n---\n"
           "apiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n"
           "  creationTimestamp: \"2024-01-02\"\n---\n"
           "apiVersion: v1\nkind: Pod\nmetadata:\n  name: c\n"
           "  creationTimestamp: 1700000000\n",
     false,
     KG_ECOMPILE,
     {EM(KG_EINVALID, "metadata.creationTimestamp", 5, 22, "RFC 3339"),
      E(KG_EINVALID, "metadata.creationTimestamp", 11, 22),
      E(KG_ETYPE, "metadata.creationTimestamp", 17, 22)}},
    {.name = "labels",
     .in = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n"
           "    app: web\n    empty: \"\"\n    example.com/tier: front_end.1\n"
           "    A-b_c.d: \"42\"\n"},
    {.name = "bad labels",
     .in = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n"
           "    -app: web\n    ok: bad value\n    x/y/z: a\n    m: 1\n",
     false,
     KG_ECOMPILE,
     {E(KG_EINVALID, "metadata.labels.-app", 6, 5),
      E(KG_EINVALID, "metadata.labels.ok", 7, 9),
      E(KG_EINVALID, "metadata.labels[x/y/z]", 8, 5),
      E(KG_ETYPE, "metadata.labels.m", 9, 8)}},
    {.name = "label value 64",
     .in = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n"
           "    a: "
           "a234567890123456789012345678901234567890123456789012345678901234"
           "\n",
     false,
     KG_ECOMPILE,
     {EM(KG_EINVALID, "metadata.labels.a", 6, 8, "no more than 63")}},
    {.name = "labels a list",
     .in = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: [a]\n",
     false,
     KG_ECOMPILE,
     {E(KG_ETYPE, "metadata.labels", 5, 11)}},
    {.name = "annotations",
     .in = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\n"
           "    note: \"any text: at all\"\n    empty: \"\"\n"
           "    bad key: x\n    m: 3\n",
     false,
     KG_ECOMPILE,
     {E(KG_EINVALID, "metadata.annotations[bad key]", 8, 5),
      E(KG_ETYPE, "metadata.annotations.m", 9, 8)}},
    {.name = "old Ingress is a warning",
     .in =
         "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: a}\n",
     false,
     0,
     {{KG_SEVERITY_WARNING, KG_ENOTSUPPORTED, "apiVersion", 1, 13,
       "extensions/v1beta1"}}},
    {.name = "wrong Pod apiVersion",
     .in = "apiVersion: v2\nkind: Pod\nmetadata: {}\n",
     false,
     0,
     {W(KG_ENOTSUPPORTED, "apiVersion", 1, 13)}},
    {.name = "errors of every object",
     .in = NS("A") "---\n" NS("b") "---\n" NS("c_") "---\nkind: Pod\n",
     false,
     KG_ECOMPILE,
     {E(KG_EINVALID, "metadata.name", 4, 9),
      E(KG_EINVALID, "metadata.name", 14, 9),
      E(KG_EREQUIRED, "apiVersion", 16, 1)}},
    {.name = "skip invalid",
     .in = NS("A") "---\n" NS("b") "---\nkind: Pod\n",
     true,
     0,
     {W(KG_EINVALID, "metadata.name", 4, 9),
      W(KG_EREQUIRED, "apiVersion", 11, 1)}},
    {.name = "skip invalid keeps syntax errors",
     .in = NS("b") "---\n[\n",
     true,
     KG_ECOMPILE,
     {E(KG_ESYNTAX, "", 7, 1)}},
    {.name = "List item errors",
     .in = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n"
           "  metadata: {name: ok}\n- apiVersion: v1\n  kind: Pod\n"
           "  metadata: {name: Bad}\n",
     false,
     KG_ECOMPILE,
     {E(KG_EINVALID, "metadata.name", 9, 20)}},
};

static int check_diags(const char *name, const kg_diagnostics *d,
                       const struct want *w, size_t nw)
{
    int bad = 0;
    size_t n = kg_diagnostics_count(d);
    size_t errors = 0;
    for (size_t i = 0; i < nw; i++)
        errors += w[i].severity == KG_SEVERITY_ERROR;
    if (n != nw || kg_diagnostics_errors(d) != errors) {
        print_error("%s: %zu diagnostics (%zu errors), want %zu (%zu)\n", name,
                    n, kg_diagnostics_errors(d), nw, errors);
        bad++;
    }
    for (size_t i = 0; i < n; i++) {
        char buf[1024];
        kg_diagnostic_format(d, i, buf, sizeof(buf));
        if (i >= nw) {
            print_error("%s: extra %s\n", name, buf);
            continue;
        }
        if (kg_diagnostic_severity(d, i) != w[i].severity ||
            kg_diagnostic_code(d, i) != w[i].code ||
            strcmp(kg_diagnostic_path(d, i), w[i].path) != 0 ||
            kg_diagnostic_line(d, i) != w[i].line ||
            kg_diagnostic_column(d, i) != w[i].col ||
            (w[i].msg && !strstr(kg_diagnostic_message(d, i), w[i].msg))) {
            print_error("%s: diagnostic %zu is\n  %s\nwant %s %s %s %u:%u "
                        "%s\n",
                        name, i, buf,
                        w[i].severity == KG_SEVERITY_ERROR ? "error"
                                                           : "warning",
                        kg_error_name(w[i].code), w[i].path, w[i].line,
                        w[i].col, w[i].msg ? w[i].msg : "");
            bad++;
        }
    }
    return bad;
}

static void test_compile_table(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof(compile_cases) / sizeof(*compile_cases);
         i++) {
        const struct compile_case *t = &compile_cases[i];
        kg_options *o = kg_options_new();
        assert_non_null(o);
        assert_int_equal(
            kg_options_set_flag(o, KG_FLAG_SKIP_INVALID, t->skip_invalid), 0);
        kg_builder *b = kg_builder_new(o);
        kg_options_free(o);
        assert_non_null(b);
        kg_builder_add_buffer(b, "c.yaml", t->in, strlen(t->in));
        kg_ruleset *rs = NULL;
        int rc = kg_builder_compile(b, &rs);
        if (rc != t->rc) {
            print_error("%s: compile rc %s, want %s\n", t->name,
                        kg_error_name(rc), kg_error_name(t->rc));
            bad++;
        }
        if ((rc == 0) != (rs != NULL)) {
            print_error("%s: ruleset %p with rc %d\n", t->name, (void *)rs, rc);
            bad++;
        }
        size_t nw = 0;
        while (nw < 5 && t->diags[nw].code)
            nw++;
        bad += check_diags(t->name, kg_builder_diagnostics(b), t->diags, nw);
        for (size_t k = 0; k < kg_diagnostics_count(kg_builder_diagnostics(b));
             k++)
            assert_string_equal(
                kg_diagnostic_file(kg_builder_diagnostics(b), k), "c.yaml");
        kg_ruleset_unref(rs);
        kg_builder_free(b);
    }
    assert_int_equal(bad, 0);
}

/* ------------------------------------------------------------ formatter */

static void test_format(void **state)
{
    (void)state;
    static const char in[] = NS("shop") "---\n"
                                        "apiVersion: v1\nkind: Pod\n"
                                        "metadata: {name: Bad}\n";
    kg_builder *b = kg_builder_new(NULL);
    assert_non_null(b);
    assert_int_equal(kg_builder_add_buffer(b, "dir/f.yaml", in, strlen(in)), 0);
    kg_ruleset *rs = NULL;
    assert_int_equal(kg_builder_compile(b, &rs), KG_ECOMPILE);
    assert_null(rs);
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    assert_int_equal(kg_diagnostics_count(d), 1);
    char want[512];
    snprintf(want, sizeof(want),
             "dir/f.yaml:8:18: error: Pod default/Bad: metadata.name: %s "
             "[KG_EINVALID]",
             kg_diagnostic_message(d, 0));
    assert_non_null(strstr(want, "Invalid value: \"Bad\""));
    char buf[512];
    size_t n = kg_diagnostic_format(d, 0, buf, sizeof(buf));
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
    /* like snprintf: the length needed whatever the capacity */
    assert_int_equal(kg_diagnostic_format(d, 0, NULL, 0), n);
    char small[11];
    memset(small, 'x', sizeof(small));
    assert_int_equal(kg_diagnostic_format(d, 0, small, sizeof(small)), n);
    assert_string_equal(small, "dir/f.yaml");
    char one[1] = {'x'};
    assert_int_equal(kg_diagnostic_format(d, 0, one, 1), n);
    assert_int_equal(one[0], '\0');
    /* out of range: 0 and an empty string */
    assert_int_equal(kg_diagnostic_format(d, 1, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
    kg_builder_free(b);

    /* a document-level diagnostic has no path part; a warning says so;
     * a source without a name is <input> */
    b = kg_builder_new(NULL);
    assert_non_null(b);
    static const char w[] = "apiVersion: extensions/v1beta1\nkind: Ingress\n"
                            "metadata: {name: a}\n---\n[\n";
    assert_int_equal(kg_builder_add_buffer(b, NULL, w, strlen(w) - 2), 0);
    assert_int_equal(kg_builder_add_buffer(b, NULL, w, strlen(w)), KG_ECOMPILE);
    assert_int_equal(kg_builder_compile(b, &rs), KG_ECOMPILE);
    d = kg_builder_diagnostics(b);
    assert_int_equal(kg_diagnostics_count(d), 2);
    /* in file order: both sources are <input>, so by line */
    kg_diagnostic_format(d, 1, buf, sizeof(buf));
    assert_true(strncmp(buf, "<input>:6:1: error: malformed YAML: ", 36) == 0);
    assert_non_null(strstr(buf, " [KG_ESYNTAX]"));
    kg_diagnostic_format(d, 0, buf, sizeof(buf));
    assert_true(strncmp(buf,
                        "<input>:1:13: warning: Ingress default/a: apiVersion: "
                        "Ingress of apiVersion extensions/v1beta1",
                        91) == 0);
    kg_builder_free(b);
}

/* ------------------------------------------------------------ builder life */

/* ------------------------------------------------- diagnostics cap */

/* A Pod with n invalid label keys: one KG_EINVALID error each. */
static char *bad_labels(size_t n, size_t *len)
{
    size_t cap = 128 + n * 32, at = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    at += (size_t)snprintf(s, cap,
                           "apiVersion: v1\nkind: Pod\nmetadata:\n  name: "
                           "p\n  namespace: d\n  labels:\n");
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(s + at, cap - at, "    \"bad %zu!\": x\n", i);
    *len = at;
    return s;
}

/* issue 15 item 16: at most KG_LIMIT_DIAGNOSTICS kept (default 1000),
 * then one summary entry counting the rest; the counts stay exact. */
static void test_diagnostics_cap(void **state)
{
    (void)state;
    size_t len;
    char *y = bad_labels(3000, &len);
    kg_builder *b = kg_builder_new(NULL);
    assert_non_null(b);
    assert_int_equal(kg_builder_add_buffer(b, "p.yaml", y, len), 0);
    kg_ruleset *rs = NULL;
    for (int round = 0; round < 2; round++) { /* compiling again: the same */
        assert_int_equal(kg_builder_compile(b, &rs), KG_ECOMPILE);
        const kg_diagnostics *d = kg_builder_diagnostics(b);
        assert_int_equal(kg_diagnostics_count(d), 1001);
        assert_int_equal(kg_diagnostics_errors(d), 3000);
        assert_int_equal(kg_diagnostics_warnings(d), 0);
        assert_int_equal(kg_diagnostic_code(d, 999), KG_EINVALID);
        assert_int_equal(kg_diagnostic_line(d, 999), 1006);
        assert_int_equal(kg_diagnostic_code(d, 1000), KG_ELIMIT_DIAGNOSTICS);
        assert_int_equal(kg_diagnostic_severity(d, 1000), KG_SEVERITY_ERROR);
        assert_string_equal(kg_diagnostic_file(d, 1000), "");
        assert_int_equal(kg_diagnostic_line(d, 1000), 0);
        assert_string_equal(kg_diagnostic_message(d, 1000),
                            "2000 more diagnostics not kept (2000 errors, 0 "
                            "warnings); raise KG_LIMIT_DIAGNOSTICS (1000) to "
                            "see them");
        char line[256];
        kg_diagnostic_format(d, 1000, line, sizeof(line));
        assert_non_null(strstr(line, "[KG_ELIMIT_DIAGNOSTICS]"));
        assert_int_equal(kg_diagnostic_code(d, 1001), 0); /* past the end */
    }
    kg_builder_free(b);

    /* a lower cap; load diagnostics and compile diagnostics share it */
    kg_options *o = kg_options_new();
    assert_non_null(o);
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DIAGNOSTICS, 3), 0);
    b = kg_builder_new(o);
    assert_int_equal(kg_builder_add_buffer(b, "bad.yaml", "[", 1), KG_ECOMPILE);
    assert_int_equal(kg_builder_add_buffer(b, "p.yaml", y, len), 0);
    assert_int_equal(kg_builder_compile(b, &rs), KG_ECOMPILE);
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    assert_int_equal(kg_diagnostics_count(d), 4);
    assert_int_equal(kg_diagnostics_errors(d), 3001);
    assert_int_equal(kg_diagnostic_code(d, 3), KG_ELIMIT_DIAGNOSTICS);
    assert_non_null(strstr(kg_diagnostic_message(d, 3), "2998 more"));
    kg_builder_free(b);

    /* skip-invalid demotes the errors not kept too: the compile succeeds
     * and the summary is a warning */
    assert_int_equal(kg_options_set_flag(o, KG_FLAG_SKIP_INVALID, true), 0);
    b = kg_builder_new(o);
    assert_int_equal(kg_builder_add_buffer(b, "p.yaml", y, len), 0);
    assert_int_equal(kg_builder_compile(b, &rs), 0);
    d = kg_builder_diagnostics(b);
    assert_int_equal(kg_diagnostics_count(d), 4);
    assert_int_equal(kg_diagnostics_errors(d), 0);
    assert_int_equal(kg_diagnostics_warnings(d), 3000);
    assert_int_equal(kg_diagnostic_severity(d, 3), KG_SEVERITY_WARNING);
    assert_non_null(
        strstr(kg_diagnostic_message(d, 3), "(0 errors, 2997 warnings)"));
    kg_ruleset_unref(rs);
    kg_builder_free(b);

    /* no cap: every one kept, no summary */
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_DIAGNOSTICS, UINT64_MAX),
                     0);
    assert_int_equal(kg_options_set_flag(o, KG_FLAG_SKIP_INVALID, false), 0);
    b = kg_builder_new(o);
    assert_int_equal(kg_builder_add_buffer(b, "p.yaml", y, len), 0);
    assert_int_equal(kg_builder_compile(b, &rs), KG_ECOMPILE);
    d = kg_builder_diagnostics(b);
    assert_int_equal(kg_diagnostics_count(d), 3000);
    assert_int_equal(kg_diagnostic_code(d, 2999), KG_EINVALID);
    kg_builder_free(b);
    kg_options_free(o);
    assert_int_equal(kg_diagnostics_warnings(NULL), 0);
    free(y);
}

/* ------------------------------------------------- log-safe text */

static const struct {
    const char *in;
    size_t n;
    const char *out;
} escape_cases[] = {
    {"plain", 5, "plain"},
    {"", 0, ""},
    {"a\nb", 3, "a\\x0ab"},
    {"\x1b[31mred", 8, "\\x1b[31mred"},
    {"tab\tdel\x7f", 8, "tab\\x09del\\x7f"},
    {"nul\0x", 5, "nul\\x00x"},
    {"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80", 14,
     "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80"},
    {"\xff\xfe", 2, "\\xff\\xfe"},
    {"\xc0\xaf", 2, "\\xc0\\xaf"},          /* overlong '/' */
    {"\xed\xa0\x80", 3, "\\xed\\xa0\\x80"}, /* a surrogate */
    {"\xe2\x82", 2, "\\xe2\\x82"},          /* truncated */
    {"csi\xc2\x9b"
     "2J",
     7, "csi\\u009b2J"},
    {"\xe2\x80\xae"
     "evil",
     7, "\\u202eevil"}, /* right-to-left override */
    {"\xe2\x80\xa8", 3, "\\u2028"},
    {"\xe2\x81\xa6x\xe2\x81\xa9", 7, "\\u2066x\\u2069"},
    {"back\\slash \"q\"", 14, "back\\slash \"q\""},
};

static void test_text_escape(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(escape_cases) / sizeof(*escape_cases); i++) {
        char buf[64];
        size_t need = kg_text_escape(escape_cases[i].in, escape_cases[i].n, buf,
                                     sizeof(buf));
        assert_string_equal(buf, escape_cases[i].out);
        assert_int_equal(need, strlen(escape_cases[i].out));
        assert_int_equal(
            kg_text_escape(escape_cases[i].in, escape_cases[i].n, NULL, 0),
            need);
    }
    /* a small buffer: a prefix, never half an escape or character */
    char small[6];
    assert_int_equal(kg_text_escape("ab\x1b"
                                    "cd",
                                    5, small, sizeof(small)),
                     8);
    assert_string_equal(small, "ab");
    assert_int_equal(kg_text_escape("a\xc3\xa9\xc3\xa9", 5, small, 5), 5);
    assert_string_equal(small, "a\xc3\xa9");
    assert_int_equal(kg_text_escape(NULL, 0, small, sizeof(small)), 0);
    assert_string_equal(small, "");
}

/* Whether s is one log-safe line: well-formed UTF-8 without control bytes
 * or the code points kg_text_escape escapes. */
static bool log_safe_line(const char *s)
{
    char buf[2048];
    size_t n = strlen(s);
    return kg_text_escape(s, n, buf, sizeof(buf)) == n &&
           memcmp(buf, s, n) == 0;
}

/* issue 15 item 17: a manifest's bytes in a field path, a message or a
 * source name never reach a diagnostic raw. */
static void test_hostile_names(void **state)
{
    (void)state;
    static const char y[] =
        "apiVersion: v1\nkind: Pod\nmetadata:\n"
        "  name: \"p\\e]0;owned\\a\"\n  namespace: d\n  labels:\n"
        "    \"a\\nerror: forged line\": v\n"
        "    \"b\\e[2J\\u009b31m\": v\n"
        "    \"c\\u202etxt.exe\": v\n"
        "  annotations: {\"x\\ry\": v}\n";
    kg_builder *b = kg_builder_new(NULL);
    assert_non_null(b);
    assert_int_equal(kg_builder_add_buffer(b, "evil\n\xff.yaml", y, strlen(y)),
                     0);
    kg_ruleset *rs = NULL;
    assert_int_equal(kg_builder_compile(b, &rs), KG_ECOMPILE);
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    assert_true(kg_diagnostics_count(d) >= 4);
    bool forged = false, csi = false, bidi = false;
    for (size_t i = 0; i < kg_diagnostics_count(d); i++) {
        char line[2048];
        kg_diagnostic_format(d, i, line, sizeof(line));
        assert_true(log_safe_line(line));
        assert_true(log_safe_line(kg_diagnostic_path(d, i)));
        assert_true(log_safe_line(kg_diagnostic_message(d, i)));
        assert_string_equal(kg_diagnostic_file(d, i), "evil\\x0a\\xff.yaml");
        const char *p = kg_diagnostic_path(d, i);
        forged |= strcmp(p, "metadata.labels[a\\x0aerror: forged line]") == 0;
        csi |= strcmp(p, "metadata.labels[b\\x1b[2J\\u009b31m]") == 0;
        bidi |= strcmp(p, "metadata.labels[c\\u202etxt.exe]") == 0;
    }
    assert_true(forged && csi && bidi);
    kg_builder_free(b);
}

/* issue 15 item 11: which host group claims a request (why it missed) */
static void test_route_host_group(void **state)
{
    (void)state;
    static const char y[] =
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
        "metadata: {name: i, namespace: d}\nspec:\n  rules:\n"
        "  - host: a.com\n    http: {paths: [{path: /x, pathType: Exact, "
        "backend: {service: {name: s, port: {number: 80}}}}]}\n"
        "  - host: \"*.b.com\"\n    http: {paths: [{path: /x, pathType: "
        "Exact, backend: {service: {name: s, port: {number: 80}}}}]}\n";
    kg_builder *b = kg_builder_new(NULL);
    assert_non_null(b);
    assert_int_equal(kg_builder_add_buffer(b, "i", y, strlen(y)), 0);
    kg_ruleset *rs = NULL;
    assert_int_equal(kg_builder_compile(b, &rs), 0);
    kg_builder_free(b);
    static const struct {
        const char *host;
        int rc;
        const char *group;
    } cases[] = {
        {"a.com", 0, "a.com"},
        {"A.COM.:8080", 0, "a.com"},
        {"x.b.com", 0, "*.b.com"},
        {"x.y.b.com", KG_ENOMATCH, ""},
        {"b.com", KG_ENOMATCH, ""},
        {"other", KG_ENOMATCH, ""},
        {"bad\x01host", KG_EREQUEST, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        const char *g = NULL;
        size_t gn = 99;
        assert_int_equal(kg_route_host_group(rs, cases[i].host,
                                             strlen(cases[i].host), &g, &gn),
                         cases[i].rc);
        assert_int_equal(gn, strlen(cases[i].group));
        assert_memory_equal(g, cases[i].group, gn);
    }
    const char *g;
    size_t gn;
    assert_int_equal(kg_route_host_group(NULL, "a", 1, &g, &gn), KG_EINVAL);
    assert_int_equal(kg_route_host_group(rs, "a", 1, NULL, &gn), KG_EINVAL);
    kg_ruleset_unref(rs);
}

static void test_compile_twice(void **state)
{
    (void)state;
    static const char a[] = NS("Bad") "---\n" NS("good");
    static const char b2[] = "apiVersion: v1\nkind: Pod\nmetadata: {}\n";
    kg_builder *b = kg_builder_new(NULL);
    assert_non_null(b);
    assert_int_equal(kg_builder_add_buffer(b, "a", a, strlen(a)), 0);
    kg_ruleset *rs = NULL;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(kg_builder_compile(b, &rs), KG_ECOMPILE);
        assert_int_equal(kg_diagnostics_count(kg_builder_diagnostics(b)), 1);
        assert_int_equal(kg_diagnostics_errors(kg_builder_diagnostics(b)), 1);
    }
    /* a source added after a compile: its load diagnostics once, then the
     * next compile reports both objects' problems once */
    assert_int_equal(kg_builder_add_buffer(b, "b", "[", 1), KG_ECOMPILE);
    assert_int_equal(kg_diagnostics_count(kg_builder_diagnostics(b)), 1);
    assert_int_equal(kg_builder_add_buffer(b, "c", b2, strlen(b2)), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(kg_builder_compile(b, &rs), KG_ECOMPILE);
        const kg_diagnostics *d = kg_builder_diagnostics(b);
        /* file order (issue 15 item 9): the sources as added, although
         * b's syntax error was reported first */
        assert_int_equal(kg_diagnostics_count(d), 3);
        assert_string_equal(kg_diagnostic_file(d, 0), "a");
        assert_string_equal(kg_diagnostic_object(d, 0), "Namespace Bad");
        assert_string_equal(kg_diagnostic_file(d, 1), "b");
        assert_int_equal(kg_diagnostic_code(d, 1), KG_ESYNTAX);
        assert_string_equal(kg_diagnostic_object(d, 1), "");
        assert_string_equal(kg_diagnostic_file(d, 2), "c");
        assert_string_equal(kg_diagnostic_path(d, 2), "metadata.name");
        assert_string_equal(kg_diagnostic_object(d, 2),
                            "Pod default/(no name)");
    }
    kg_builder_free(b);

    /* a valid builder compiles again into independent rulesets */
    b = kg_builder_new(NULL);
    assert_non_null(b);
    assert_int_equal(kg_builder_add_buffer(b, "g", NS("g"), strlen(NS("g"))),
                     0);
    kg_ruleset *r1 = NULL, *r2 = NULL;
    assert_int_equal(kg_builder_compile(b, &r1), 0);
    assert_int_equal(kg_builder_compile(b, &r2), 0);
    assert_non_null(r1);
    assert_non_null(r2);
    assert_ptr_not_equal(r1, r2);
    kg_builder_free(b); /* rulesets outlive their builder */
    assert_ptr_equal(kg_ruleset_ref(r1), r1);
    kg_ruleset_unref(r1);
    kg_ruleset_unref(r1);
    kg_ruleset_unref(r2);
}

static void sink(void *user, const char *text, size_t len)
{
    size_t *total = user;
    assert_non_null(text);
    *total += len;
}

static void test_dump(void **state)
{
    (void)state;
    kg_builder *b = kg_builder_new(NULL);
    assert_non_null(b);
    kg_ruleset *rs = NULL;
    assert_int_equal(kg_builder_compile(b, &rs), 0);
    size_t total = 0;
    assert_int_equal(kg_ruleset_dump(rs, KG_DUMP_TEXT, sink, &total), 0);
    assert_int_equal(kg_ruleset_dump(rs, KG_DUMP_JSON, sink, &total), 0);
    assert_true(total > 0);
    assert_int_equal(kg_ruleset_dump(rs, 2, sink, &total), KG_EINVAL);
    assert_int_equal(kg_ruleset_dump(rs, -1, sink, &total), KG_EINVAL);
    kg_ruleset_unref(rs);
    kg_builder_free(b);
}

/* ------------------------------------------------------------ files */

static char tmpdir[256];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/kgress-test-api-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static int rm_tmpdir(void **state)
{
    (void)state;
    char p[512];
    static const char *const names[] = {"ok.yaml", "big.yaml", "empty.yaml"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s/%s", tmpdir, names[i]);
        unlink(p);
    }
    return rmdir(tmpdir);
}

static void test_files(void **state)
{
    (void)state;
    char ok[512], big[512], empty[512], missing[512];
    snprintf(ok, sizeof(ok), "%s/ok.yaml", tmpdir);
    snprintf(big, sizeof(big), "%s/big.yaml", tmpdir);
    snprintf(empty, sizeof(empty), "%s/empty.yaml", tmpdir);
    snprintf(missing, sizeof(missing), "%s/missing.yaml", tmpdir);
    const char *ns = NS("ok");
    write_file(ok, ns, strlen(ns));
    write_file(empty, "", 0);

    kg_options *o = kg_options_new();
    assert_non_null(o);
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_INPUT_BYTES, strlen(ns)),
                     0);
    /* larger than the limit by one byte */
    char *text = malloc(strlen(ns) + 2);
    assert_non_null(text);
    snprintf(text, strlen(ns) + 2, "%s\n", ns);
    write_file(big, text, strlen(text));
    free(text);

    kg_builder *b = kg_builder_new(o);
    assert_non_null(b);
    assert_int_equal(kg_builder_add_file(b, ok), 0); /* exactly the limit */
    assert_int_equal(kg_builder_add_file(b, empty), 0);
    assert_int_equal(kg_diagnostics_count(kg_builder_diagnostics(b)), 0);
    assert_int_equal(kg_builder_add_file(b, missing), KG_EIO);
    assert_int_equal(kg_builder_add_file(b, big), KG_ELIMIT_BYTES);
    assert_int_equal(kg_builder_add_file(b, tmpdir), KG_EIO);
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    assert_int_equal(kg_diagnostics_count(d), 3);
    assert_int_equal(kg_diagnostic_code(d, 0), KG_EIO);
    assert_string_equal(kg_diagnostic_file(d, 0), missing);
    assert_non_null(strstr(kg_diagnostic_message(d, 0), "No such file"));
    assert_int_equal(kg_diagnostic_code(d, 1), KG_ELIMIT_BYTES);
    assert_string_equal(kg_diagnostic_file(d, 1), big);
    assert_non_null(strstr(kg_diagnostic_message(d, 1), "exceeds"));
    assert_int_equal(kg_diagnostic_code(d, 2), KG_EIO);
    assert_string_equal(kg_diagnostic_file(d, 2), tmpdir);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(kg_diagnostic_severity(d, i), KG_SEVERITY_ERROR);
        assert_int_equal(kg_diagnostic_line(d, i), 0);
    }
    kg_ruleset *rs = NULL;
    assert_int_equal(kg_builder_compile(b, &rs), KG_ECOMPILE);
    assert_null(rs);
    assert_int_equal(kg_diagnostics_count(kg_builder_diagnostics(b)), 3);
    kg_builder_free(b);

    /* the largest limit reads files whole (no overflow of limit + 1) */
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_INPUT_BYTES, UINT64_MAX),
                     0);
    b = kg_builder_new(o);
    assert_non_null(b);
    assert_int_equal(kg_builder_add_file(b, big), 0);
    assert_int_equal(kg_builder_add_file(b, "/dev/null"), 0);
    static const char bad[] = NS("BAD");
    FILE *f = fopen(ok, "wb");
    assert_non_null(f);
    fputs(bad, f);
    fclose(f);
    assert_int_equal(kg_builder_add_file(b, ok), 0);
    assert_int_equal(kg_builder_compile(b, &rs), KG_ECOMPILE);
    d = kg_builder_diagnostics(b);
    assert_int_equal(kg_diagnostics_count(d), 1);
    assert_string_equal(kg_diagnostic_file(d, 0), ok);
    assert_int_equal(kg_diagnostic_line(d, 0), 4);
    kg_builder_free(b);
    kg_options_free(o);
}

/* tests/data/yaml/NAME.expect: the diagnostics of NAME.yaml / NAME.json */
static int run_data_file(const char *dir, const char *expect)
{
    char path[1024], input[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, expect);
    size_t stem = strlen(expect) - strlen(".expect");
    snprintf(input, sizeof(input), "%s/%.*s.yaml", dir, (int)stem, expect);
    if (access(input, R_OK) != 0)
        snprintf(input, sizeof(input), "%s/%.*s.json", dir, (int)stem, expect);
    struct want w[32];
    char store[32][256];
    size_t nw = 0;
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        assert_true(nw < 32);
        /* severity CODE path line:col -- path may hold spaces or be empty */
        char *sp1 = strchr(line, ' ');
        assert_non_null(sp1);
        char *sp2 = strchr(sp1 + 1, ' ');
        assert_non_null(sp2);
        char *last = strrchr(line, ' ');
        assert_true(last >= sp2);
        *sp1 = *sp2 = *last = '\0';
        unsigned ln = 0, col = 0;
        assert_int_equal(sscanf(last + 1, "%u:%u", &ln, &col), 2);
        int code = 0;
        for (size_t i = 0; i < N_CODES; i++)
            if (strcmp(codes[i].name, sp1 + 1) == 0)
                code = codes[i].code;
        if (!code)
            fail_msg("%s: unknown code %s", path, sp1 + 1);
        snprintf(store[nw], sizeof(store[nw]), "%s", last > sp2 ? sp2 + 1 : "");
        w[nw] = (struct want){strcmp(line, "error") == 0 ? KG_SEVERITY_ERROR
                                                         : KG_SEVERITY_WARNING,
                              code,
                              store[nw],
                              ln,
                              col,
                              NULL};
        nw++;
    }
    fclose(f);
    size_t errors = 0;
    for (size_t i = 0; i < nw; i++)
        errors += w[i].severity == KG_SEVERITY_ERROR;

    kg_builder *b = kg_builder_new(NULL);
    assert_non_null(b);
    int rc = kg_builder_add_file(b, input);
    kg_ruleset *rs = NULL;
    int crc = kg_builder_compile(b, &rs);
    int bad = 0;
    if (crc != (errors ? KG_ECOMPILE : 0) || (rc != 0 && rc != KG_ECOMPILE)) {
        print_error("%s: add %s, compile %s\n", input, kg_error_name(rc),
                    kg_error_name(crc));
        bad++;
    }
    bad += check_diags(input, kg_builder_diagnostics(b), w, nw);
    for (size_t i = 0; i < kg_diagnostics_count(kg_builder_diagnostics(b)); i++)
        assert_string_equal(kg_diagnostic_file(kg_builder_diagnostics(b), i),
                            input);
    kg_ruleset_unref(rs);
    kg_builder_free(b);
    return bad;
}

static void test_data_files(void **state)
{
    (void)state;
    const char *dir = KGRESS_TEST_DATA "/yaml";
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    struct dirent *e;
    int files = 0, bad = 0;
    while ((e = readdir(dp))) {
        size_t n = strlen(e->d_name);
        if (n > 7 && strcmp(e->d_name + n - 7, ".expect") == 0) {
            bad += run_data_file(dir, e->d_name);
            files++;
        }
    }
    closedir(dp);
    assert_true(files >= 8);
    assert_int_equal(bad, 0);
}

/* ------------------------------------------------------------ alloc */

/* The whole path (options, builder, load, metadata, compile) under
 * allocation failure at every N: each call reports KG_ENOMEM or NULL, never
 * a wrong answer, nothing leaks (ASan/valgrind), and a call that failed
 * changed nothing: retried on the same builder with memory back, it gives
 * the clean result (each diagnostic once). */
static void test_alloc_failure(void **state)
{
    (void)state;
    static const char in[] =
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: v1\n  kind: Namespace\n"
        "  metadata: {name: a, labels: {x: 'y', z: w}}\n"
        "- apiVersion: v1\n  kind: Pod\n"
        "  metadata: {name: B, namespace: a, annotations: {k: v}}\n"
        "---\nkind: ConfigMap\n";
    static const char bad[] = "a: 1\nb: \xff\n";
    int done = 0;
    for (long n = 0; n < 20000 && !done; n++) {
        kgi_alloc_fail_after(n);
        kg_options *o = kg_options_new();
        if (o)
            kg_options_set_flag(o, KG_FLAG_SKIP_INVALID, true);
        kg_builder *b = o ? kg_builder_new(o) : NULL;
        kg_ruleset *rs = NULL;
        int step = 0, rc = KG_ENOMEM;
        if (b) {
            step = 1;
            rc = kg_builder_add_buffer(b, "bad", bad, sizeof(bad) - 1);
            if (rc == KG_ECOMPILE) {
                step = 2;
                rc = kg_builder_add_buffer(b, "f", in, sizeof(in) - 1);
            }
            if (rc == 0) {
                step = 3;
                rc = kg_builder_compile(b, &rs);
            }
        }
        kgi_alloc_fail_after(-1);
        if (rc != KG_ENOMEM && rc != KG_ECOMPILE && rc != 0)
            fail_msg("fail after %ld, step %d: %s", n, step, kg_error_name(rc));
        if (rc != KG_ENOMEM) {
            /* the bad source is an error, so the compile fails */
            assert_int_equal(step, 3);
            assert_int_equal(rc, KG_ECOMPILE);
            assert_null(rs);
            done = 1;
        }
        if (b && rc == KG_ENOMEM) {
            assert_null(rs);
            /* retry from the failed step with memory back */
            if (step <= 1)
                assert_int_equal(
                    kg_builder_add_buffer(b, "bad", bad, sizeof(bad) - 1),
                    KG_ECOMPILE);
            if (step <= 2)
                assert_int_equal(
                    kg_builder_add_buffer(b, "f", in, sizeof(in) - 1), 0);
            assert_int_equal(kg_builder_compile(b, &rs), KG_ECOMPILE);
        }
        if (b) {
            /* the clean result, whatever failed before: compile reports
             * the source's encoding error and the demoted name error */
            const kg_diagnostics *d = kg_builder_diagnostics(b);
            if (kg_diagnostics_count(d) != 2)
                fail_msg("fail after %ld, step %d: %zu diagnostics", n, step,
                         kg_diagnostics_count(d));
            assert_int_equal(kg_diagnostic_code(d, 0), KG_EENCODING);
            assert_string_equal(kg_diagnostic_path(d, 1), "metadata.name");
            assert_int_equal(kg_diagnostic_severity(d, 1), KG_SEVERITY_WARNING);
            assert_int_equal(kg_diagnostics_errors(d), 1);
        }
        kg_ruleset_unref(rs);
        kg_builder_free(b);
        kg_options_free(o);
    }
    assert_true(done);
}

/* metadata.annotations: keys and values at most 256 KiB in total, as
 * apimachinery ValidateAnnotations (issue 15 item 15) */
static void test_annotation_size(void **state)
{
    (void)state;
    /* two annotations "a" and "b"; value lengths so the total is the
     * limit, then one byte more */
    for (int over = 0; over < 2; over++) {
        size_t va = 128 * 1024, vb = 128 * 1024 - 2 + (size_t)over;
        size_t cap = va + vb + 256;
        char *y = malloc(cap);
        assert_non_null(y);
        int n = snprintf(y, cap,
                         "apiVersion: v1\nkind: Namespace\nmetadata:\n"
                         "  name: big\n  annotations:\n    a: ");
        memset(y + n, 'x', va);
        n += (int)va;
        n += snprintf(y + n, cap - (size_t)n, "\n    b: ");
        memset(y + n, 'y', vb);
        n += (int)vb;
        y[n++] = '\n';
        kg_builder *b = kg_builder_new(NULL);
        assert_int_equal(kg_builder_add_buffer(b, "big.yaml", y, (size_t)n), 0);
        kg_ruleset *rs = NULL;
        assert_int_equal(kg_builder_compile(b, &rs), over ? KG_ECOMPILE : 0);
        const kg_diagnostics *d = kg_builder_diagnostics(b);
        assert_int_equal(kg_diagnostics_count(d), over ? 1 : 0);
        if (over) {
            assert_int_equal(kg_diagnostic_code(d, 0), KG_ETOOLONG);
            assert_string_equal(kg_diagnostic_path(d, 0),
                                "metadata.annotations");
            assert_int_equal(kg_diagnostic_line(d, 0), 6);
        }
        kg_ruleset_unref(rs);
        kg_builder_free(b);
        free(y);
    }
}

/* kg_builder_kind: objects read and skipped per kind (issue 15 item 1) */
static void test_kind_counts(void **state)
{
    (void)state;
    kg_builder *b = kg_builder_new(NULL);
    assert_non_null(b);
    assert_int_equal(kg_builder_kind_count(b), 0);
    assert_int_equal(
        kg_builder_add_file(b, KGRESS_TEST_DATA "/yaml/kinds.yaml"), 0);
    kg_ruleset *rs = NULL;
    assert_int_equal(kg_builder_compile(b, &rs), KG_ECOMPILE);
    static const struct {
        const char *kind;
        size_t read, skipped;
    } want[] = {
        {"AdminNetworkPolcy", 0, 1}, {"AdminNetworkPolicy", 1, 0},
        {"ConfigMap", 0, 1},         {"Deployment", 0, 2},
        {"HTTPRoutes", 0, 1},        {"Ingress", 0, 1},
        {"NetworkPolcy", 0, 2},      {"Pod", 1, 0},
        {"networkpolicy", 0, 1},
    };
    size_t n = sizeof(want) / sizeof(want[0]);
    assert_int_equal(kg_builder_kind_count(b), n);
    for (size_t i = 0; i < n; i++) {
        struct kg_kind_count k = {.size = sizeof k};
        assert_int_equal(kg_builder_kind(b, i, &k), 0);
        assert_string_equal(k.kind, want[i].kind);
        assert_int_equal(k.read, want[i].read);
        assert_int_equal(k.skipped, want[i].skipped);
    }
    struct kg_kind_count k = {.size = sizeof k};
    assert_int_equal(kg_builder_kind(b, n, &k), KG_EINVAL);
    k.size = 1;
    assert_int_equal(kg_builder_kind(b, 0, &k), KG_EINVAL);
    assert_int_equal(kg_builder_kind(NULL, 0, &k), KG_EINVAL);
    assert_int_equal(kg_builder_kind_count(NULL), 0);
    kg_builder_free(b);

    /* spelled right, the policy isolates the pod: the flow is denied */
    static const char ok[] = "apiVersion: v1\nkind: Pod\n"
                             "metadata: {name: web}\n"
                             "status: {podIP: 10.0.0.1}\n---\n"
                             "apiVersion: networking.k8s.io/v1\n"
                             "kind: NetworkPolicy\nmetadata: {name: deny}\n"
                             "spec: {podSelector: {}}\n";
    b = kg_builder_new(NULL);
    assert_int_equal(kg_builder_add_buffer(b, "ok.yaml", ok, strlen(ok)), 0);
    assert_int_equal(kg_builder_compile(b, &rs), 0);
    assert_int_equal(kg_builder_kind_count(b), 2);
    struct kg_verdict v = {.size = sizeof v};
    assert_int_equal(
        kg_check_str(rs, "10.9.9.9", 8, "10.0.0.1", 8, "TCP", 3, 80, &v), 0);
    assert_false(v.allowed);
    kg_ruleset_unref(rs);
    kg_builder_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_codes),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_options_copied),
        cmocka_unit_test(test_null_handling),
        cmocka_unit_test(test_compile_table),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_compile_twice),
        cmocka_unit_test(test_diagnostics_cap),
        cmocka_unit_test(test_text_escape),
        cmocka_unit_test(test_hostile_names),
        cmocka_unit_test(test_route_host_group),
        cmocka_unit_test(test_dump),
        cmocka_unit_test_setup_teardown(test_files, make_tmpdir, rm_tmpdir),
        cmocka_unit_test(test_data_files),
        cmocka_unit_test(test_kind_counts),
        cmocka_unit_test(test_annotation_size),
        cmocka_unit_test(test_alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
