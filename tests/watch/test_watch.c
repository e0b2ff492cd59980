// SPDX-License-Identifier: MIT
/*
 * test_watch.c - the builder's keyed objects and the watch-event input
 * (kg_builder_remove, kg_builder_apply_events, replace-by-key): every
 * event type, replays (old resourceVersion), DELETED of an unknown object,
 * malformed events (code, field path, line:column; nothing applied),
 * ERROR events, streams split across calls, and a 100k-event stream.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../verdict/vtest.h"

#define POD(ns, name, ip, app, rv)                                             \
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" name   \
    "\",\"namespace\":\"" ns "\",\"resourceVersion\":\"" rv                    \
    "\",\"labels\":{\"app\":\"" app "\"}},\"spec\":{\"containers\":[{"         \
    "\"name\":\"c\",\"image\":\"i\"}]},\"status\":{\"podIP\":\"" ip "\"}}"
#define EV(type, obj) "{\"type\":\"" type "\",\"object\":" obj "}\n"

/* x/deny isolates every pod of x for ingress, allowing only app=web. */
static const char base[] =
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
    "metadata: {name: deny, namespace: x}\n"
    "spec:\n  podSelector: {}\n  ingress:\n"
    "  - from: [{podSelector: {matchLabels: {app: web}}}]\n";

static kg_builder *new_builder(void)
{
    kg_builder *b = kg_builder_new(NULL);
    assert_non_null(b);
    assert_int_equal(kg_builder_add_buffer(b, "base.yaml", base, strlen(base)),
                     0);
    return b;
}

static kg_ruleset *compile(kg_builder *b)
{
    kg_ruleset *rs = vbuild(b);
    assert_non_null(rs);
    return rs;
}

static int apply(kg_builder *b, const char *s)
{
    return kg_builder_apply_events(b, "ev.json", s, strlen(s), NULL);
}

static bool has_pod(const kg_ruleset *rs, const char *ns, const char *name)
{
    uint32_t pod;
    return kg_pod_find(rs, ns, strlen(ns), name, strlen(name), &pod) == 0;
}

/* Whether 10.0.0.1 (x/a when present) may reach 10.0.0.2 (x/b). */
static bool a_to_b(const kg_ruleset *rs)
{
    return vcheck(rs, "10.0.0.1", "10.0.0.2", 80, "TCP").allowed;
}

static void test_event_types(void **state)
{
    (void)state;
    kg_builder *b = new_builder();
    assert_string_equal(kg_builder_resource_version(b), "");
    assert_int_equal(
        apply(b, EV("ADDED", POD("x", "a", "10.0.0.1", "db", "10"))
                     EV("ADDED", POD("x", "b", "10.0.0.2", "db", "11"))),
        0);
    assert_string_equal(kg_builder_resource_version(b), "11");
    assert_int_equal(kg_builder_object_count(b), 3);
    kg_ruleset *r1 = compile(b);
    assert_true(has_pod(r1, "x", "a"));
    assert_false(a_to_b(r1));
    /* MODIFIED replaces: a becomes web, allowed */
    assert_int_equal(
        apply(b, EV("MODIFIED", POD("x", "a", "10.0.0.1", "web", "12"))), 0);
    assert_int_equal(kg_builder_object_count(b), 3);
    kg_ruleset *r2 = compile(b);
    assert_true(a_to_b(r2));
    assert_false(a_to_b(r1)); /* the old ruleset is unchanged */
    /* BOOKMARK moves the version only */
    assert_int_equal(apply(b, "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":"
                              "\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{"
                              "\"resourceVersion\":\"20\"}}}"),
                     0);
    assert_string_equal(kg_builder_resource_version(b), "20");
    assert_int_equal(kg_builder_object_count(b), 3);
    /* DELETED removes; of an unknown object it is no change */
    assert_int_equal(
        apply(b, EV("DELETED", POD("x", "a", "10.0.0.1", "web", "21"))
                     EV("DELETED", POD("x", "zz", "10.0.0.9", "web", "22"))),
        0);
    assert_string_equal(kg_builder_resource_version(b), "22");
    kg_ruleset *r3 = compile(b);
    assert_false(has_pod(r3, "x", "a"));
    assert_true(has_pod(r3, "x", "b"));
    assert_true(has_pod(r2, "x", "a"));
    kg_ruleset_unref(r1);
    kg_ruleset_unref(r2);
    kg_ruleset_unref(r3);
    kg_builder_free(b);
}

static void test_replays(void **state)
{
    (void)state;
    kg_builder *b = new_builder();
    assert_int_equal(
        apply(b, EV("ADDED", POD("x", "a", "10.0.0.1", "web", "50"))
                     EV("ADDED", POD("x", "b", "10.0.0.2", "db", "51"))
              /* older than the loaded a: ignored */
              EV("MODIFIED", POD("x", "a", "10.0.0.1", "db", "49"))
              /* same version: a replay too */
              EV("DELETED", POD("x", "b", "10.0.0.2", "db", "51"))),
        0);
    kg_ruleset *rs = compile(b);
    assert_true(has_pod(rs, "x", "b"));
    assert_true(a_to_b(rs));
    assert_string_equal(kg_builder_resource_version(b), "51");
    kg_ruleset_unref(rs);
    /* versions that are not decimal are never compared: applied */
    assert_int_equal(
        apply(b, EV("MODIFIED", POD("x", "a", "10.0.0.1", "db", "v1"))), 0);
    rs = compile(b);
    assert_false(a_to_b(rs));
    kg_ruleset_unref(rs);
    kg_builder_free(b);
}

static void test_plain_objects(void **state)
{
    (void)state;
    kg_builder *b = new_builder();
    /* kubectl get --watch -o json, pretty-printed, and a List */
    const char *s =
        "{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"Pod\",\n"
        "    \"metadata\": {\"name\": \"a\", \"namespace\": \"x\"},\n"
        "    \"status\": {\"podIP\": \"10.0.0.1\"}\n}\n"
        "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[" POD(
            "x", "b", "10.0.0.2", "db", "3") "," POD("y", "c", "10.0.0.3", "db",
                                                     "4") "]}";
    assert_int_equal(apply(b, s), 0);
    kg_ruleset *rs = compile(b);
    assert_true(has_pod(rs, "x", "a"));
    assert_true(has_pod(rs, "x", "b"));
    assert_true(has_pod(rs, "y", "c"));
    kg_ruleset_unref(rs);
    kg_builder_free(b);
}

struct bad_case {
    const char *name;
    const char *text;
    int rc;
    int code;
    const char *path;
    unsigned line, col;
};

static const struct bad_case bad_cases[] = {
    {"unknown type",
     EV("ADDED", POD("x", "ok", "10.0.0.7", "db", "1")) "{\"type\": "
                                                        "\"CHANGED\", "
                                                        "\"object\": {}}\n",
     KG_ECOMPILE, KG_ENOTSUPPORTED, "type", 2, 10},
    {"no object", "{\"type\": \"ADDED\"}", KG_ECOMPILE, KG_EREQUIRED, "object",
     1, 1},
    {"object not a map", "\n\n  {\"type\": \"ADDED\", \"object\": [1]}",
     KG_ECOMPILE, KG_ETYPE, "object", 3, 31},
    {"object without a name",
     "{\"type\": \"ADDED\", \"object\": {\"apiVersion\": \"v1\", \"kind\": "
     "\"Pod\", \"metadata\": {}}}",
     KG_ECOMPILE, KG_EREQUIRED, "object.metadata.name", 1, 0},
    {"invalid label",
     "{\"type\":\"MODIFIED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":"
     "\"Pod\",\"metadata\":{\"name\":\"p\",\"labels\":{\"a b\":\"c\"}}}}",
     KG_ECOMPILE, KG_EINVALID, "object.metadata.labels[a b]", 1, 94},
    {"bad JSON inside a value", "{\"type\": \"ADDED\",\n \"object\": {,}}",
     KG_ECOMPILE, KG_ESYNTAX, "", 2, 0},
    {"garbage between values",
     EV("ADDED", POD("x", "ok", "10.0.0.7", "db", "1")) "  ]", KG_ECOMPILE,
     KG_ESYNTAX, "", 2, 3},
    {"unterminated", "\n{\"type\": \"ADDED\", \"object\": {", KG_ECOMPILE,
     KG_ESYNTAX, "", 2, 1},
    {"410 Gone",
     "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":"
     "\"v1\",\"status\":\"Failure\",\"message\":\"too old resource version: "
     "1 (5)\",\"reason\":\"Expired\",\"code\":410}}\n" EV(
         "ADDED", POD("x", "late", "10.0.0.8", "db", "9")),
     KG_ERELIST, KG_ERELIST, "object", 1, 0},
    {"500",
     "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":500}}",
     KG_EWATCH, KG_EWATCH, "object", 1, 0},
};

static void test_bad_events(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(bad_cases) / sizeof(bad_cases[0]); k++) {
        const struct bad_case *c = &bad_cases[k];
        kg_builder *b = new_builder();
        size_t before = kg_builder_object_count(b);
        int rc = apply(b, c->text);
        const kg_diagnostics *d = kg_builder_diagnostics(b);
        bool seen = false;
        for (size_t i = 0; i < kg_diagnostics_count(d); i++) {
            if (kg_diagnostic_code(d, i) != c->code)
                continue;
            seen = true;
            if (strcmp(kg_diagnostic_path(d, i), c->path) != 0 ||
                kg_diagnostic_line(d, i) != c->line ||
                (c->col && kg_diagnostic_column(d, i) != c->col)) {
                char buf[512];
                kg_diagnostic_format(d, i, buf, sizeof(buf));
                fail_msg("%s: got %s", c->name, buf);
            }
            assert_string_equal(kg_diagnostic_file(d, i), "ev.json");
        }
        if (rc != c->rc || !seen)
            fail_msg("%s: rc %d (%s), diagnostic %s seen: %d", c->name, rc,
                     kg_error_name(rc), kg_error_name(c->code), seen);
        /* the bad event changed nothing; the good one before it applied;
         * nothing after an ERROR event */
        size_t after = kg_builder_object_count(b);
        assert_int_equal(after, before + (strstr(c->text, "\"ok\"") ? 1 : 0));
        /* rejected events do not make the next compile fail */
        kg_ruleset *rs = compile(b);
        assert_int_equal(kg_diagnostics_errors(kg_builder_diagnostics(b)), 0);
        kg_ruleset_unref(rs);
        kg_builder_free(b);
    }
}

static void test_split_stream(void **state)
{
    (void)state;
    kg_builder *b = new_builder();
    const char s[] = EV("ADDED", POD("x", "a", "10.0.0.1", "web", "1"))
        EV("ADDED", POD("x", "b", "10.0.0.2", "db", "2"));
    size_t n = strlen(s), half = n / 2 + 7, used = 0;
    assert_int_equal(kg_builder_apply_events(b, "p", s, half, &used), 0);
    assert_true(used < half);
    assert_int_equal(kg_builder_object_count(b), 2);
    size_t used2 = 0;
    assert_int_equal(
        kg_builder_apply_events(b, "p", s + used, n - used, &used2), 0);
    assert_int_equal(used2, n - used);
    assert_int_equal(kg_builder_object_count(b), 3);
    kg_ruleset *rs = compile(b);
    assert_true(a_to_b(rs));
    kg_ruleset_unref(rs);
    kg_builder_free(b);
}

static void test_replace_remove(void **state)
{
    (void)state;
    kg_builder *b = new_builder();
    static const char pa[] = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n"
                             "status: {podIP: 10.0.0.1}\n";
    static const char pb[] = "apiVersion: v1\nkind: Pod\n"
                             "metadata: {name: a, namespace: default}\n"
                             "status: {podIP: 10.0.0.5}\n";
    assert_int_equal(kg_builder_add_buffer(b, "a.yaml", pa, strlen(pa)), 0);
    /* a later source replaces the object of its key ("default" implied) */
    assert_int_equal(kg_builder_add_buffer(b, "b.yaml", pb, strlen(pb)), 0);
    assert_int_equal(kg_builder_object_count(b), 2);
    kg_ruleset *rs = compile(b);
    struct kg_addr ad;
    uint32_t pod;
    kg_addr_parse("10.0.0.5", 8, &ad);
    assert_int_equal(kg_pod_find_addr(rs, &ad, &pod), 0);
    kg_addr_parse("10.0.0.1", 8, &ad);
    assert_int_equal(kg_pod_find_addr(rs, &ad, &pod), KG_ENOTFOUND);
    kg_ruleset_unref(rs);
    assert_int_equal(kg_builder_remove(b, "Pod", NULL, "a"), 0);
    assert_int_equal(kg_builder_remove(b, "Pod", "default", "a"), KG_ENOTFOUND);
    assert_int_equal(kg_builder_remove(b, "NetworkPolicy", "x", "deny"), 0);
    assert_int_equal(kg_builder_object_count(b), 0);
    assert_int_equal(kg_builder_remove(NULL, "Pod", "x", "a"), KG_EINVAL);
    assert_int_equal(kg_builder_remove(b, NULL, "x", "a"), KG_EINVAL);
    assert_int_equal(kg_builder_apply_events(NULL, NULL, "", 0, NULL),
                     KG_EINVAL);
    assert_null(kg_builder_resource_version(NULL));
    /* duplicates inside one source are still reported */
    static const char dup[] = "apiVersion: v1\nkind: Pod\nmetadata: {name: d}\n"
                              "---\napiVersion: v1\nkind: Pod\n"
                              "metadata: {name: d}\n";
    assert_int_equal(kg_builder_add_buffer(b, "dup.yaml", dup, strlen(dup)), 0);
    assert_int_equal(kg_builder_object_count(b), 2);
    rs = NULL;
    assert_int_equal(kg_builder_compile(b, &rs), KG_ECOMPILE);
    /* and a later source replaces both */
    assert_int_equal(kg_builder_add_buffer(b, "d.yaml", pa, strlen(pa)), 0);
    static const char d2[] = "apiVersion: v1\nkind: Pod\nmetadata: {name: d}\n";
    assert_int_equal(kg_builder_add_buffer(b, "d2.yaml", d2, strlen(d2)), 0);
    assert_int_equal(kg_builder_object_count(b), 2);
    kg_builder_free(b);
}

/* 100,000 events over 1,000 pods: the final state is what the last event of
 * each pod says. */
static void test_long_stream(void **state)
{
    (void)state;
    unsigned n_ev = (unsigned)(100000 * vscale());
    if (n_ev < 1000)
        n_ev = 1000;
    struct tbuf t = {0};
    uint64_t rng = 7;
    int last[1000]; /* -1 deleted, else the app label of the last event */
    for (int i = 0; i < 1000; i++)
        last[i] = -1;
    for (unsigned e = 0; e < n_ev; e++) {
        int i = (int)vrnd(&rng, 1000);
        bool del = last[i] >= 0 && vchance(&rng, 30);
        int app = (int)vrnd(&rng, 2);
        tbuf_printf(&t,
                    "{\"type\":\"%s\",\"object\":{\"apiVersion\":\"v1\","
                    "\"kind\":\"Pod\",\"metadata\":{\"name\":\"p%d\","
                    "\"namespace\":\"x\",\"resourceVersion\":\"%u\","
                    "\"labels\":{\"app\":\"%s\"}},\"status\":{\"podIP\":"
                    "\"10.1.%d.%d\"}}}\n",
                    del           ? "DELETED"
                    : last[i] < 0 ? "ADDED"
                                  : "MODIFIED",
                    i, e + 100, app ? "web" : "db", i / 256, i % 256);
        last[i] = del ? -1 : app;
    }
    kg_builder *b = new_builder();
    assert_int_equal(kg_builder_apply_events(b, "long", t.p, t.n, NULL), 0);
    size_t live = 0;
    for (int i = 0; i < 1000; i++)
        live += last[i] >= 0;
    assert_int_equal(kg_builder_object_count(b), live + 1);
    kg_ruleset *rs = compile(b);
    for (int i = 0; i < 1000; i++) {
        char name[16], ip[32];
        snprintf(name, sizeof(name), "p%d", i);
        snprintf(ip, sizeof(ip), "10.1.%d.%d", i / 256, i % 256);
        assert_int_equal(has_pod(rs, "x", name), last[i] >= 0);
        if (last[i] < 0)
            continue;
        /* p -> p itself is loopback; to another pod of x: only web */
        struct kg_verdict v = vcheck(rs, ip, "10.0.0.99", 80, "TCP");
        assert_true(v.allowed); /* not a pod */
        for (int j = 0; j < 1000; j++) {
            if (j == i || last[j] < 0)
                continue;
            char ip2[32];
            snprintf(ip2, sizeof(ip2), "10.1.%d.%d", j / 256, j % 256);
            assert_int_equal(vcheck(rs, ip, ip2, 80, "TCP").allowed,
                             last[i] == 1);
            break;
        }
    }
    char rv[16];
    snprintf(rv, sizeof(rv), "%u", n_ev - 1 + 100);
    assert_string_equal(kg_builder_resource_version(b), rv);
    kg_ruleset_unref(rs);
    kg_builder_free(b);
    tbuf_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_types),
        cmocka_unit_test(test_replays),
        cmocka_unit_test(test_plain_objects),
        cmocka_unit_test(test_bad_events),
        cmocka_unit_test(test_split_stream),
        cmocka_unit_test(test_replace_remove),
        cmocka_unit_test(test_long_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
