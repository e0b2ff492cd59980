// SPDX-License-Identifier: MIT
/*
 * test_gaps.c - the corners of the foundation code (lib/util, lib/yaml,
 * lib/k8s/field.c and meta.c, lib/api/builder.c) that the line
 * coverage report (tests/coverage.sh) showed no other test reaching.
 *
 * Public-API cases go through one table (input, options, expected code,
 * field path, line:column); the internal helpers that cannot be reached
 * from the API with valid arguments (overflow guards of the allocator and
 * arena) are called directly. Sources that are not regular files (an
 * endless device, a directory) go through kg_builder_add_file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hard_common.h"
#include "util/alloc.h"
#include "util/arena.h"

struct gap_case {
    const char *name;
    const char *in;
    size_t len;
    uint64_t alias_nodes; /* KG_LIMIT_ALIAS_NODES, 0: default */
    int code;             /* expected diagnostic (0: clean compile) */
    int severity;
    const char *path;
    unsigned line, col;
};

#define IN(s) .in = (s), .len = sizeof(s) - 1
#define POD(meta, spec)                                                        \
    "apiVersion: v1\nkind: Pod\nmetadata: " meta "\nspec: " spec "\n"

static const struct gap_case gap_cases[] = {
    /* meta.c: a label whose value is not a scalar */
    {"label value is a list",
     IN(POD("{name: p, namespace: d, labels: {app: [x]}}", "{containers: []}")),
     .code = KG_ETYPE, .path = "metadata.labels.app", .line = 3, .col = 49},
    /* meta.c: creationTimestamp with a malformed zone offset */
    {"timestamp offset not digits",
     IN(POD("{name: p, namespace: d, creationTimestamp: "
            "\"2024-01-02T03:04:05+0a:00\"}",
            "{containers: []}")),
     .code = KG_EINVALID, .path = "metadata.creationTimestamp", .line = 3,
     .col = 54},
    {"timestamp valid offset and fraction",
     IN(POD("{name: p, namespace: d, creationTimestamp: "
            "\"2024-01-02T03:04:05.25-07:30\"}",
            "{containers: []}"))},
    /* field.c: a 20-digit integer overflows 64 bits */
    {"20-digit integer",
     IN("apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
        "metadata: {name: 'n', namespace: d}\nspec:\n  defaultBackend: "
        "{service: {name: s, port: {number: 99999999999999999999}}}\n"),
     .code = KG_ETYPE, .path = "spec.defaultBackend.service.port.number",
     .line = 5, .col = 54},
    /* field.c: a sign without digits is not an integer */
    {"sign without digits",
     IN(POD("{name: p, namespace: d}",
            "{containers: [{name: c, ports: [{containerPort: +}]}]}")),
     .code = KG_ETYPE, .path = "spec.containers[0].ports[0].containerPort",
     .line = 4, .col = 55},
    /* field.c: the booleans in every spelling the API server accepts */
    {"hostNetwork TRUE",
     IN(POD("{name: p, namespace: d}", "{hostNetwork: TRUE, containers: []}"))},
    {"hostNetwork False", IN(POD("{name: p, namespace: d}",
                                 "{hostNetwork: False, containers: []}"))},
    {"hostNetwork FALSE", IN(POD("{name: p, namespace: d}",
                                 "{hostNetwork: FALSE, containers: []}"))},
    {"hostNetwork quoted",
     IN(POD("{name: p, namespace: d}",
            "{hostNetwork: \"true\", containers: []}")),
     .code = KG_ETYPE, .path = "spec.hostNetwork", .line = 4, .col = 21},
    /* YAML 1.1: `yes` is the boolean true to the API server, `"yes"` a
     * string a boolean field refuses */
    {"hostNetwork \"yes\"",
     IN(POD("{name: p, namespace: d}",
            "{hostNetwork: \"yes\", containers: []}")),
     .code = KG_ETYPE, .path = "spec.hostNetwork", .line = 4, .col = 21},
    /* load.c: NEL, LS and PS break lines for libyaml's marks, and so for
     * the line:column of a reader error found by offset */
    {"line breaks NEL and LS before bad UTF-8",
     IN("# a\xc2\x85# b\xe2\x80\xa8# c\xe2\x80\xa9x: \xff\n"),
     .code = KG_EENCODING, .line = 4, .col = 4},
    {"CR line breaks before bad UTF-8", IN("# a\r# b\r\nx: \xff\n"),
     .code = KG_EENCODING, .line = 3, .col = 4},
    {"BOM is not a column", IN("\xef\xbb\xbfx: \xff\n"), .code = KG_EENCODING,
     .line = 1, .col = 4},
    /* load.c + diag.c: an undefined alias with a name longer than the
     * 512-byte message buffer is reported whole */
    {"long undefined alias",
     IN("a: *aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "\n"),
     .alias_nodes = 1000, .code = KG_ESYNTAX, .line = 1, .col = 4},
    /* load.c: an alias to a scalar and to a closed map, within budget */
    {"aliases within budget",
     IN("apiVersion: v1\nkind: Namespace\nmetadata: &m {name: x, labels: "
        "&l {a: &v b}}\nextra: [*m, *l, *v]\n"),
     .alias_nodes = 1000},
    /* load.c: a duplicate key among many, reported at the later one */
    {"duplicate key in a wide map",
     IN("{k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k2: 6, k7: 7}\n"),
     .code = KG_EDUPLICATE, .line = 1, .col = 44},
    /* load.c: a complex (non-scalar) key */
    {"map as a key", IN("? {a: 1}\n: v\n"), .code = KG_ESYNTAX, .line = 1,
     .col = 3},
};

static void test_api_cases(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(gap_cases) / sizeof(gap_cases[0]); k++) {
        const struct gap_case *c = &gap_cases[k];
        kg_options *o = kg_options_new();
        assert_non_null(o);
        if (c->alias_nodes)
            assert_int_equal(
                kg_options_set_limit(o, KG_LIMIT_ALIAS_NODES, c->alias_nodes),
                0);
        kg_builder *b = kg_builder_new(o);
        assert_non_null(b);
        kg_builder_add_buffer(b, c->name, c->in, c->len);
        kg_ruleset *rs = NULL;
        int rc = kg_builder_compile(b, &rs);
        const kg_diagnostics *d = kg_builder_diagnostics(b);
        bool ok;
        if (c->code == 0) {
            ok = rc == 0 && kg_diagnostics_errors(d) == 0;
        } else {
            long i = hard_find_diag(d, c->code, c->severity);
            ok = i >= 0 &&
                 (!c->path ||
                  strcmp(kg_diagnostic_path(d, (size_t)i), c->path) == 0) &&
                 (!c->line || (kg_diagnostic_line(d, (size_t)i) == c->line &&
                               kg_diagnostic_column(d, (size_t)i) == c->col));
            if (ok && strcmp(c->name, "long undefined alias") == 0)
                ok = strlen(kg_diagnostic_message(d, (size_t)i)) > 600;
        }
        if (!ok) {
            fprintf(stderr, "%s: expected %s at %s %u:%u, compile %s:\n",
                    c->name, kg_error_name(c->code), c->path ? c->path : "",
                    c->line, c->col, kg_error_name(rc));
            hard_print_diags(d);
            fail();
        }
        kg_ruleset_unref(rs);
        kg_builder_free(b);
        kg_options_free(o);
    }
}

/* Sources that are not regular files. */
static void test_special_files(void **state)
{
    (void)state;
    kg_options *o = kg_options_new();
    assert_int_equal(kg_options_set_limit(o, KG_LIMIT_INPUT_BYTES, 100000), 0);
    kg_builder *b = kg_builder_new(o);
    /* an endless device: read up to the limit + 1, then refused */
    assert_int_equal(kg_builder_add_file(b, "/dev/zero"), KG_ECOMPILE);
    assert_true(hard_find_diag(kg_builder_diagnostics(b), KG_ELIMIT_BYTES,
                               KG_SEVERITY_ERROR) >= 0);
    kg_builder_free(b);

    /* an empty device is an empty source */
    b = kg_builder_new(o);
    assert_int_equal(kg_builder_add_file(b, "/dev/null"), 0);
    /* a directory cannot be read, a missing file either */
    assert_int_equal(kg_builder_add_file(b, "/"), KG_EIO);
    assert_int_equal(kg_builder_add_file(b, "/nonexistent/kgress.yaml"),
                     KG_EIO);
    assert_int_equal(kg_builder_add_file(b, NULL), KG_EINVAL);
    assert_int_equal(kg_diagnostics_errors(kg_builder_diagnostics(b)), 2);
    kg_ruleset *rs = NULL;
    assert_int_equal(kg_builder_compile(b, &rs), KG_ECOMPILE);
    assert_null(rs);
    kg_builder_free(b);
    kg_options_free(o);
}

/* Overflow guards of the allocator and the arena. */
static void test_internal_guards(void **state)
{
    (void)state;
    assert_null(kgi_strndup("x", SIZE_MAX));
    void *v = NULL;
    size_t cap = 0;
    assert_int_equal(kgi_grow(&v, &cap, SIZE_MAX / 2 + 2, 1), -1);
    assert_int_equal(kgi_grow(&v, &cap, SIZE_MAX / 8, 16), -1);
    assert_null(v);
    assert_int_equal(cap, 0);
    assert_int_equal(kgi_grow(&v, &cap, 3, 4), 0);
    assert_true(cap >= 3);
    kgi_free(v);

    struct kgi_arena a;
    kgi_arena_init(&a);
    void *p = kgi_arena_alloc(&a, 8, 0); /* align 0 means 1 */
    assert_non_null(p);
    assert_null(kgi_arena_alloc(&a, SIZE_MAX - 8, 8));
    assert_null(kgi_arena_calloc(&a, SIZE_MAX / 2, 4));
    assert_null(kgi_arena_strndup(&a, "x", SIZE_MAX));
    /* a request larger than a chunk gets its own, behind the current one */
    char *big = kgi_arena_alloc(&a, 3u << 20, 16);
    assert_non_null(big);
    memset(big, 1, 3u << 20);
    char *small = kgi_arena_alloc(&a, 16, 16);
    assert_non_null(small);
    assert_true(a.total > (3u << 20));
    kgi_arena_release(&a);
    assert_int_equal(a.total, 0);
}

/* The API's argument checks. */
static void test_null_arguments(void **state)
{
    (void)state;
    assert_int_equal(kg_builder_add_buffer(NULL, "x", "", 0), KG_EINVAL);
    kg_builder *b = kg_builder_new(NULL);
    assert_int_equal(kg_builder_add_buffer(b, "x", NULL, 1), KG_EINVAL);
    assert_int_equal(kg_builder_add_buffer(b, NULL, NULL, 0), 0);
    assert_int_equal(kg_builder_compile(b, NULL), KG_EINVAL);
    assert_int_equal(kg_builder_compile(NULL, NULL), KG_EINVAL);
    assert_null(kg_builder_diagnostics(NULL));
    kg_ruleset *rs = NULL;
    assert_int_equal(kg_builder_compile(b, &rs), 0);
    assert_int_equal(kg_ruleset_dump(rs, 99, hard_sink, NULL), KG_EINVAL);
    assert_int_equal(kg_ruleset_dump(rs, KG_DUMP_TEXT, NULL, NULL), KG_EINVAL);
    assert_int_equal(kg_ruleset_dump(NULL, KG_DUMP_TEXT, hard_sink, NULL),
                     KG_EINVAL);
    assert_ptr_equal(kg_ruleset_ref(rs), rs);
    kg_ruleset_unref(rs);
    kg_ruleset_unref(rs);
    assert_null(kg_ruleset_ref(NULL));
    kg_ruleset_unref(NULL);
    kg_builder_free(b);
    kg_builder_free(NULL);
    kg_options_free(NULL);
    assert_string_equal(kg_strerror(1), "unknown error");
    assert_string_equal(kg_strerror(KG_ECODE_MIN - 1), "unknown error");
    assert_string_equal(kg_error_name(KG_ECODE_MIN - 1), "KG_E?");
    char buf[8] = "x";
    assert_int_equal(kg_diagnostic_format(NULL, 0, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_cases),
        cmocka_unit_test(test_special_files),
        cmocka_unit_test(test_internal_guards),
        cmocka_unit_test(test_null_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
