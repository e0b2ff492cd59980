// SPDX-License-Identifier: MIT
/*
 * test_selector.c - k8s/selector: matching (apimachinery
 * Requirement.Matches semantics, netpol-semantics rule 16) and validation
 * (rule 32), table-driven. Each case is a small YAML document with a
 * selector under `sel` and, for matching, a label set under `labels`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness.h"
#include "k8s/selector.h"

struct doc {
    struct kg_options opts;
    struct kgi_arena arena;
    struct kgi_objects objs;
    struct kg_diagnostics diags;
    struct kgi_ctx ctx;
    const struct kgi_node *root;
};

static void doc_load(struct doc *d, const char *text)
{
    memset(d, 0, sizeof(*d));
    kgi_options_defaults(&d->opts);
    kgi_arena_init(&d->arena);
    kgi_diag_init(&d->diags);
    assert_int_equal(kgi_yaml_load(&d->opts, "sel.yaml", text, strlen(text),
                                   &d->arena, &d->objs, &d->diags),
                     0);
    assert_int_equal(d->objs.n, 1);
    d->root = d->objs.v[0].root;
    kgi_ctx_init(&d->ctx, &d->diags, &d->arena, &d->opts, "sel.yaml");
}

static void doc_free(struct doc *d)
{
    kgi_free(d->objs.v);
    kgi_diag_release(&d->diags);
    kgi_arena_release(&d->arena);
}

struct match_case {
    const char *sel;    /* flow-style selector */
    const char *labels; /* flow-style map */
    bool match;
};

static const struct match_case match_cases[] = {
    /* empty selector: everything, even no labels */
    {"{}", "{}", true},
    {"{}", "{a: b}", true},
    {"{matchLabels: {}, matchExpressions: []}", "{}", true},
    /* matchLabels: every pair, exact values */
    {"{matchLabels: {app: web}}", "{app: web}", true},
    {"{matchLabels: {app: web}}", "{app: web, tier: fe}", true},
    {"{matchLabels: {app: web}}", "{app: Web}", false},
    {"{matchLabels: {app: web}}", "{app: web2}", false},
    {"{matchLabels: {app: web}}", "{}", false},
    {"{matchLabels: {app: web, tier: fe}}", "{app: web}", false},
    {"{matchLabels: {app: ''}}", "{app: ''}", true},
    {"{matchLabels: {app: ''}}", "{}", false},
    /* In: key present and listed */
    {"{matchExpressions: [{key: env, operator: In, values: [prod, qa]}]}",
     "{env: qa}", true},
    {"{matchExpressions: [{key: env, operator: In, values: [prod, qa]}]}",
     "{env: dev}", false},
    {"{matchExpressions: [{key: env, operator: In, values: [prod, qa]}]}", "{}",
     false},
    {"{matchExpressions: [{key: env, operator: In, values: ['']}]}",
     "{env: ''}", true},
    /* NotIn: key absent OR value not listed (apimachinery, not
     * policy-assistant) */
    {"{matchExpressions: [{key: env, operator: NotIn, values: [prod]}]}", "{}",
     true},
    {"{matchExpressions: [{key: env, operator: NotIn, values: [prod]}]}",
     "{other: prod}", true},
    {"{matchExpressions: [{key: env, operator: NotIn, values: [prod]}]}",
     "{env: dev}", true},
    {"{matchExpressions: [{key: env, operator: NotIn, values: [prod]}]}",
     "{env: prod}", false},
    {"{matchExpressions: [{key: env, operator: NotIn, values: [a, prod]}]}",
     "{env: prod}", false},
    /* Exists / DoesNotExist: presence only, any value */
    {"{matchExpressions: [{key: env, operator: Exists}]}", "{env: ''}", true},
    {"{matchExpressions: [{key: env, operator: Exists}]}", "{envx: a}", false},
    {"{matchExpressions: [{key: env, operator: DoesNotExist}]}", "{}", true},
    {"{matchExpressions: [{key: env, operator: DoesNotExist}]}", "{env: a}",
     false},
    {"{matchExpressions: [{key: env, operator: DoesNotExist, values: []}]}",
     "{}", true},
    /* values are a set: order and repetition do not matter */
    {"{matchExpressions: [{key: env, operator: In, values: [zz, qa, prod, "
     "qa, a]}]}",
     "{env: qa}", true},
    {"{matchExpressions: [{key: env, operator: In, values: [zz, qa, prod, "
     "qa, a]}]}",
     "{env: zz}", true},
    {"{matchExpressions: [{key: env, operator: In, values: [zz, qa, prod, "
     "qa, a]}]}",
     "{env: a}", true},
    {"{matchExpressions: [{key: env, operator: In, values: [zz, qa, prod, "
     "qa, a]}]}",
     "{env: b}", false},
    {"{matchExpressions: [{key: env, operator: In, values: [zz, qa, prod, "
     "qa, a]}]}",
     "{env: q}", false},
    {"{matchExpressions: [{key: env, operator: NotIn, values: [zz, qa, "
     "qa]}]}",
     "{env: qa}", false},
    {"{matchExpressions: [{key: env, operator: NotIn, values: [zz, qa, "
     "qa]}]}",
     "{env: qaa}", true},
    /* prefixed keys */
    {"{matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, "
     "values: [x]}]}",
     "{kubernetes.io/metadata.name: x}", true},
    {"{matchLabels: {example.com/app: a}}", "{app: a}", false},
    /* everything ANDed */
    {"{matchLabels: {app: web}, matchExpressions: [{key: env, operator: "
     "NotIn, values: [prod]}, {key: team, operator: Exists}]}",
     "{app: web, team: x}", true},
    {"{matchLabels: {app: web}, matchExpressions: [{key: env, operator: "
     "NotIn, values: [prod]}, {key: team, operator: Exists}]}",
     "{app: web, team: x, env: prod}", false},
    {"{matchLabels: {app: web}, matchExpressions: [{key: env, operator: "
     "NotIn, values: [prod]}, {key: team, operator: Exists}]}",
     "{app: web}", false},
    {"{matchLabels: {app: web}, matchExpressions: [{key: env, operator: "
     "NotIn, values: [prod]}, {key: team, operator: Exists}]}",
     "{app: api, team: x}", false},
    /* contradictory requirements match nothing */
    {"{matchExpressions: [{key: a, operator: Exists}, {key: a, operator: "
     "DoesNotExist}]}",
     "{a: b}", false},
    {"{matchExpressions: [{key: a, operator: Exists}, {key: a, operator: "
     "DoesNotExist}]}",
     "{}", false},
};

static void test_selector_matches(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
        char text[1024];
        snprintf(text, sizeof(text), "sel: %s\nlabels: %s\n",
                 match_cases[i].sel, match_cases[i].labels);
        struct doc d;
        doc_load(&d, text);
        struct kgi_selector s;
        struct kgi_kvs labels;
        bool present = false;
        assert_true(kgi_selector_read(&d.ctx, d.root, "sel", &s, &present));
        assert_true(present);
        assert_true(kgi_read_kvs(&d.ctx, d.root, "labels", true, &labels));
        assert_int_equal(d.diags.n, 0);
        bool m = kgi_selector_matches(&s, &labels);
        if (m != match_cases[i].match)
            fail_msg("case %zu: selector %s on labels %s: got %d, want %d", i,
                     match_cases[i].sel, match_cases[i].labels, m,
                     match_cases[i].match);
        doc_free(&d);
    }
}

static void test_selector_absent_and_empty(void **state)
{
    (void)state;
    struct doc d;
    doc_load(&d, "a: {}\nb: null\nc: {matchLabels: {x: 'y'}}\n");
    struct kgi_selector s;
    bool present = true;
    assert_true(kgi_selector_read(&d.ctx, d.root, "missing", &s, &present));
    assert_false(present);
    assert_true(s.empty);
    assert_true(kgi_selector_read(&d.ctx, d.root, "b", &s, &present));
    assert_false(present); /* explicit null counts as absent */
    assert_true(kgi_selector_read(&d.ctx, d.root, "a", &s, &present));
    assert_true(present);
    assert_true(s.empty);
    assert_true(kgi_selector_read(&d.ctx, d.root, "c", &s, &present));
    assert_true(present);
    assert_false(s.empty);
    assert_int_equal(s.match_labels.n, 1);
    assert_int_equal(d.diags.n, 0);
    doc_free(&d);
}

struct invalid_case {
    const char *text; /* document; the selector is at key `sel` */
    const char *want; /* the diagnostics, harness format */
};

static const struct invalid_case invalid_cases[] = {
    {"sel:\n  matchExpressions:\n  - {key: a, operator: In}\n",
     "error KG_EREQUIRED sel.matchExpressions[0].values 3:5\n"},
    {"sel:\n  matchExpressions:\n  - {key: a, operator: NotIn, values: []}\n",
     "error KG_EREQUIRED sel.matchExpressions[0].values 3:39\n"},
    {"sel:\n  matchExpressions:\n  - {key: a, operator: Exists, values: [x]}\n",
     "error KG_EFORBIDDEN sel.matchExpressions[0].values 3:40\n"},
    {"sel:\n  matchExpressions:\n  - key: a\n    operator: DoesNotExist\n"
     "    values: [x]\n",
     "error KG_EFORBIDDEN sel.matchExpressions[0].values 5:13\n"},
    {"sel:\n  matchExpressions:\n  - {key: a, operator: Equals, values: [x]}\n",
     "error KG_ENOTSUPPORTED sel.matchExpressions[0].operator 3:24\n"},
    {"sel:\n  matchExpressions:\n  - {key: a, operator: in, values: [x]}\n",
     "error KG_ENOTSUPPORTED sel.matchExpressions[0].operator 3:24\n"},
    {"sel:\n  matchExpressions:\n  - {key: a, values: [x]}\n",
     "error KG_EREQUIRED sel.matchExpressions[0].operator 3:5\n"},
    {"sel:\n  matchExpressions:\n  - {operator: Exists}\n",
     "error KG_EREQUIRED sel.matchExpressions[0].key 3:5\n"},
    {"sel:\n  matchExpressions:\n  - {key: 'bad key', operator: Exists}\n",
     "error KG_EINVALID sel.matchExpressions[0].key 3:11\n"},
    {"sel:\n  matchExpressions:\n  - {key: -a, operator: Exists}\n",
     "error KG_EINVALID sel.matchExpressions[0].key 3:11\n"},
    {"sel:\n  matchExpressions:\n  - {key: a, operator: In, values: [ok, "
     "'not ok']}\n",
     "error KG_EINVALID sel.matchExpressions[0].values[1] 3:41\n"},
    {"sel:\n  matchExpressions:\n  - {key: a, operator: In, values: [1]}\n",
     "error KG_ETYPE sel.matchExpressions[0].values[0] 3:37\n"},
    {"sel:\n  matchExpressions:\n  - {key: a, operator: In, values: x}\n",
     "error KG_ETYPE sel.matchExpressions[0].values 3:36\n"},
    {"sel:\n  matchExpressions: {key: a}\n",
     "error KG_ETYPE sel.matchExpressions 2:21\n"},
    {"sel:\n  matchExpressions:\n  - [a]\n",
     "error KG_ETYPE sel.matchExpressions[0] 3:5\n"},
    {"sel:\n  matchLabels: {'a b': c}\n",
     "error KG_EINVALID sel.matchLabels[a b] 2:17\n"},
    {"sel:\n  matchLabels: {app: 'x y'}\n",
     "error KG_EINVALID sel.matchLabels.app 2:22\n"},
    {"sel:\n  matchLabels: {app: 1}\n",
     "error KG_ETYPE sel.matchLabels.app 2:22\n"},
    {"sel:\n  matchLabel: {app: web}\n",
     "error KG_EINVALID sel.matchLabel 2:3\n"},
    {"sel: [a]\n", "error KG_ETYPE sel 1:6\n"},
    /* every problem of a selector is reported, not the first */
    {"sel:\n  matchLabels: {app: 'x y'}\n  matchExpressions:\n"
     "  - {key: a, operator: In}\n  - {key: b, operator: Exists, values: "
     "[c]}\n",
     "error KG_EINVALID sel.matchLabels.app 2:22\n"
     "error KG_EREQUIRED sel.matchExpressions[0].values 4:5\n"
     "error KG_EFORBIDDEN sel.matchExpressions[1].values 5:40\n"},
};

static void test_selector_invalid(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]);
         i++) {
        struct doc d;
        doc_load(&d, invalid_cases[i].text);
        struct kgi_selector s;
        bool ok = kgi_selector_read(&d.ctx, d.root, "sel", &s, NULL);
        struct tbuf got = {0};
        struct hload h;
        memset(&h, 0, sizeof(h));
        h.diags = d.diags; /* render through the shared formatter */
        hload_diags(&h, &got);
        if (ok || !got.p || strcmp(got.p, invalid_cases[i].want) != 0) {
            print_message("case %zu (ok=%d):\n%s\ngot:\n%s\nwant:\n%s", i, ok,
                          invalid_cases[i].text, got.p ? got.p : "",
                          invalid_cases[i].want);
            failures++;
        }
        tbuf_free(&got);
        doc_free(&d);
    }
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selector_matches),
        cmocka_unit_test(test_selector_absent_and_empty),
        cmocka_unit_test(test_selector_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
