// SPDX-License-Identifier: MIT
/*
 * test_tiers_verdict.c - verdicts of the cluster tiers, data-driven over
 * the network-policy-api conformance scenarios transcribed into
 * tests/data/tiers/conformance (their namespace and pod layout in
 * cluster.yaml; each NAME.yaml one step of a test, the policies as the
 * test has patched them by then; NAME.flows the probes of that step).
 *
 * A .flows line is a probe and its expected verdict:
 *
 *   SRC DST PROTO PORT allow|deny [egress=SIDE] [ingress=SIDE]
 *
 * SRC and DST are "namespace/pod" (the pod's first IP) or an address;
 * a line `prefix P` prepends P to the namespace of every later
 * namespace/pod. SIDE is REASON or REASON:POLICY[RULE] (kg_reason_name;
 * the deciding policy and rule index), e.g.
 * `egress=denied-by-rule:egress-tcp[1]`; and [egress-detail=DETAIL]
 * [ingress-detail=DETAIL] with DETAIL = TIER,ACTION,KIND,PRIORITY,RULENAME
 * (struct kg_side_detail; tier none/admin/network-policy/baseline/default,
 * action none/allow/deny, KIND and RULENAME "-" for NULL), e.g.
 * `egress-detail=admin,deny,AdminNetworkPolicy,6,deny-to-ravenclaw-everything`.
 * A token `name=NAME` gives the flow a destination name the caller dialled
 * (kg_flow.dst_name), `claimed=NAME` one it only saw (SNI, Host);
 * `egress-domain=PATTERN` is the domainNames pattern the egress detail
 * must report ("-" none).
 * Whatever the line says, each side's detail must agree with the side
 * (the same policy and rule; a cluster tier for a cluster-scoped
 * policy). Every probe is checked, every
 * mismatch printed, and the test fails if any mismatches or if a file has
 * no probe; the ruleset of each step must compile without errors (its
 * warnings, listed as `# warning CODE path` lines in the .flows file,
 * must be exactly those expected).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kgress.h"

static const char *data_dir;

static int resolve(const kg_ruleset *rs, const char *prefix, const char *s,
                   struct kg_addr *out)
{
    if (kg_addr_parse(s, strlen(s), out) == 0)
        return 0;
    const char *slash = strchr(s, '/');
    if (!slash)
        return -1;
    char ns[2048];
    snprintf(ns, sizeof(ns), "%s%.*s", prefix, (int)(slash - s), s);
    uint32_t pod;
    if (kg_pod_find(rs, ns, strlen(ns), slash + 1, strlen(slash + 1), &pod))
        return -1;
    return kg_pod_addr(rs, pod, 0, out);
}

/* "REASON" or "REASON:POLICY[RULE]" against a side. */
static bool side_ok(const struct kg_side *s, const char *want, char *got,
                    size_t cap)
{
    if (s->policy)
        snprintf(got, cap, "%s:%s[%d]", kg_reason_name(s->reason), s->policy,
                 s->rule);
    else
        snprintf(got, cap, "%s", kg_reason_name(s->reason));
    if (strchr(want, ':'))
        return strcmp(want, got) == 0;
    return strcmp(want, kg_reason_name(s->reason)) == 0;
}

static const char *tier_name(int t)
{
    static const char *const names[] = {"none", "admin", "network-policy",
                                        "baseline", "default"};
    return t >= 0 && t <= 4 ? names[t] : "?";
}

static const char *action_name(int a)
{
    static const char *const names[] = {"none", "allow", "deny", "pass"};
    return a >= 0 && a <= 3 ? names[a] : "?";
}

static void detail_text(const struct kg_side_detail *d, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s,%s,%s,%d,%s", tier_name(d->tier),
             action_name(d->action), d->policy_kind ? d->policy_kind : "-",
             (int)d->priority, d->rule_name ? d->rule_name : "-");
}

/* The detail agrees with its side whatever a line asks. */
static bool detail_consistent(const struct kg_side *s,
                              const struct kg_side_detail *d)
{
    bool by_rule = s->reason == KG_REASON_ALLOWED_BY_RULE ||
                   s->reason == KG_REASON_DENIED_BY_RULE;
    if (!by_rule)
        return d->rule_name == NULL &&
               (s->reason != KG_REASON_NOT_ISOLATED ||
                (d->tier == KG_TIER_DEFAULT && d->action == KG_ACTION_ALLOW));
    if (!d->policy || !s->policy || strcmp(d->policy, s->policy) != 0 ||
        d->rule != s->rule)
        return false;
    if (d->action != (s->allowed ? KG_ACTION_ALLOW : KG_ACTION_DENY))
        return false;
    bool cluster = strchr(s->policy, '/') == NULL;
    if (cluster)
        return (d->tier == KG_TIER_ADMIN || d->tier == KG_TIER_BASELINE) &&
               d->policy_kind && strcmp(d->policy_kind, "NetworkPolicy") != 0;
    return d->tier == KG_TIER_NETWORK_POLICY && d->priority == -1 &&
           s->reason == KG_REASON_ALLOWED_BY_RULE;
}

static int run_flows(const kg_ruleset *rs, const char *name, FILE *f,
                     size_t *probes)
{
    char line[1024], prefix[1024] = "";
    int bad = 0;
    unsigned lineno = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (strncmp(line, "prefix ", 7) == 0) {
            snprintf(prefix, sizeof(prefix), "%s", line + 7);
            continue;
        }
        char src[256], dst[256], proto[16], verdict[16];
        char side[4][256] = {"", "", "", ""};
        unsigned port;
        int n = sscanf(line, "%255s %255s %15s %u %15s %255s %255s %255s %255s",
                       src, dst, proto, &port, verdict, side[0], side[1],
                       side[2], side[3]);
        if (n < 5) {
            print_message("%s:%u: bad line\n", name, lineno);
            bad++;
            continue;
        }
        struct kg_addr s, d;
        if (resolve(rs, prefix, src, &s) || resolve(rs, prefix, dst, &d)) {
            print_message("%s:%u: unknown end\n", name, lineno);
            bad++;
            continue;
        }
        int p = kg_protocol_parse(proto, strlen(proto));
        struct kg_verdict v;
        memset(&v, 0, sizeof(v));
        v.size = sizeof(v);
        struct kg_flow fl;
        memset(&fl, 0, sizeof(fl));
        fl.size = sizeof(fl);
        fl.src = s;
        fl.dst = d;
        fl.protocol = p;
        fl.port = port;
        for (int k = 0; k < 4 && k + 5 < n; k++) {
            bool claimed = strncmp(side[k], "claimed=", 8) == 0;
            if (strncmp(side[k], "name=", 5) == 0 || claimed) {
                fl.dst_name = strchr(side[k], '=') + 1;
                fl.dst_name_len = strlen(fl.dst_name);
                fl.name_trust = claimed ? KG_NAME_CLAIMED : KG_NAME_DIALLED;
            }
        }
        if (p < 0 || kg_check_flow(rs, &fl, &v)) {
            print_message("%s:%u: check failed\n", name, lineno);
            bad++;
            continue;
        }
        (*probes)++;
        char text[512];
        kg_verdict_format(&v, text, sizeof(text));
        bool ok = v.allowed == (strcmp(verdict, "allow") == 0);
        if (!detail_consistent(&v.egress, &v.egress_detail) ||
            !detail_consistent(&v.ingress, &v.ingress_detail)) {
            print_message("%s:%u: detail disagrees with its side\n", name,
                          lineno);
            ok = false;
        }
        for (int k = 0; k < 4 && k + 5 < n; k++) {
            const char *w = side[k];
            const struct kg_side *sd = NULL;
            const struct kg_side_detail *dd = NULL;
            if (strncmp(w, "egress=", 7) == 0)
                sd = &v.egress, w += 7;
            else if (strncmp(w, "ingress=", 8) == 0)
                sd = &v.ingress, w += 8;
            else if (strncmp(w, "egress-detail=", 14) == 0)
                dd = &v.egress_detail, w += 14;
            else if (strncmp(w, "ingress-detail=", 15) == 0)
                dd = &v.ingress_detail, w += 15;
            char got[512];
            if (strncmp(w, "name=", 5) == 0 || strncmp(w, "claimed=", 8) == 0)
                continue;
            if (strncmp(w, "egress-domain=", 14) == 0) {
                const char *dom = v.egress_detail.domain;
                if (strcmp(dom ? dom : "-", w + 14) != 0) {
                    print_message("%s:%u: %s: got %s\n", name, lineno, w,
                                  dom ? dom : "-");
                    ok = false;
                }
                continue;
            }
            if (dd) {
                detail_text(dd, got, sizeof(got));
                if (strcmp(got, w) != 0) {
                    print_message("%s:%u: %s: got %s\n", name, lineno, side[k],
                                  got);
                    ok = false;
                }
                continue;
            }
            if (!sd || !side_ok(sd, w, got, sizeof(got))) {
                print_message("%s:%u: side %s: got %s\n", name, lineno, side[k],
                              sd ? got : "?");
                ok = false;
            }
        }
        if (!ok) {
            print_message("%s:%u: %s -> %s\n", name, lineno, line, text);
            bad++;
        }
    }
    return bad;
}

/* The warnings a step must produce: "# warning CODE path" lines. */
static int check_warnings(const kg_diagnostics *d, const char *name, FILE *f)
{
    char line[1024];
    size_t want = 0;
    int bad = 0;
    rewind(f);
    while (fgets(line, sizeof(line), f)) {
        char code[64], path[256];
        if (sscanf(line, "# warning %63s %255s", code, path) != 2)
            continue;
        want++;
        bool found = false;
        for (size_t i = 0; i < kg_diagnostics_count(d); i++)
            found = found || (strcmp(kg_error_name(kg_diagnostic_code(d, i)),
                                     code) == 0 &&
                              strcmp(kg_diagnostic_path(d, i), path) == 0);
        if (!found) {
            print_message("%s: missing warning %s %s\n", name, code, path);
            bad++;
        }
    }
    if (kg_diagnostics_count(d) != want) {
        for (size_t i = 0; i < kg_diagnostics_count(d); i++) {
            char buf[1024];
            kg_diagnostic_format(d, i, buf, sizeof(buf));
            print_message("%s: diagnostic: %s\n", name, buf);
        }
        bad++;
    }
    rewind(f);
    return bad;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_conformance(void **state)
{
    (void)state;
    DIR *dp = opendir(data_dir);
    if (!dp)
        fail_msg("cannot open %s", data_dir);
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 6 && strcmp(e->d_name + l - 6, ".flows") == 0 && n < 256) {
            names[n] = malloc(l + 1);
            assert_non_null(names[n]);
            memcpy(names[n], e->d_name, l + 1);
            n++;
        }
    }
    closedir(dp);
    qsort(names, n, sizeof(*names), name_cmp);
    assert_true(n >= 8);
    int bad = 0;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        size_t base = strlen(names[i]) - 6;
        kg_builder *b = kg_builder_new(NULL);
        assert_non_null(b);
        snprintf(path, sizeof(path), "%s/cluster.yaml", data_dir);
        assert_int_equal(kg_builder_add_file(b, path), 0);
        snprintf(path, sizeof(path), "%s/%.*s.yaml", data_dir, (int)base,
                 names[i]);
        assert_int_equal(kg_builder_add_file(b, path), 0);
        kg_ruleset *rs = NULL;
        int rc = kg_builder_compile(b, &rs);
        snprintf(path, sizeof(path), "%s/%s", data_dir, names[i]);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        bad += check_warnings(kg_builder_diagnostics(b), names[i], f);
        if (rc != 0) {
            print_message("%s: compile %s\n", names[i], kg_error_name(rc));
            bad++;
        } else {
            size_t probes = 0;
            bad += run_flows(rs, names[i], f, &probes);
            if (probes == 0) {
                print_message("%s: no probe\n", names[i]);
                bad++;
            }
            total += probes;
        }
        fclose(f);
        kg_ruleset_unref(rs);
        kg_builder_free(b);
        free(names[i]);
    }
    print_message("%zu steps, %zu probes\n", n, total);
    assert_int_equal(bad, 0);
}

struct sink {
    char *p;
    size_t n, cap;
};

static void sink_write(void *user, const char *text, size_t len)
{
    struct sink *k = user;
    if (k->n + len + 1 > k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 4096;
        while (cap < k->n + len + 1)
            cap *= 2;
        char *p = realloc(k->p, cap);
        assert_non_null(p);
        k->p = p;
        k->cap = cap;
    }
    memcpy(k->p + k->n, text, len);
    k->n += len;
    k->p[k->n] = '\0';
}

/* kgress dump of the tiers: policies in evaluation order with their rules,
 * the chains; JSON carries the same under "tiers". */
static void test_dump(void **state)
{
    (void)state;
    char path[4096];
    kg_builder *b = kg_builder_new(NULL);
    assert_non_null(b);
    snprintf(path, sizeof(path), "%s/cluster.yaml", data_dir);
    assert_int_equal(kg_builder_add_file(b, path), 0);
    snprintf(path, sizeof(path), "%s/anp_priority_1.yaml", data_dir);
    assert_int_equal(kg_builder_add_file(b, path), 0);
    kg_ruleset *rs = NULL;
    assert_int_equal(kg_builder_compile(b, &rs), 0);
    struct sink k = {0};
    assert_int_equal(kg_ruleset_dump(rs, KG_DUMP_TEXT, sink_write, &k), 0);
    static const char *const want[] = {
        "tiers: 3 policies, 6 rules, 2 chains, 3 Nodes",
        "  admin AdminNetworkPolicy priority-50-example priority 50, 2 pods\n"
        "    ingress[0] Deny \"deny-all-ingress-from-slytherin\" ports any "
        "peers: selections ",
        "  admin AdminNetworkPolicy old-priority-60-new-priority-40-example "
        "priority 60, 2 pods\n",
        "  baseline BaselineAdminNetworkPolicy default, 2 pods\n"
        "    ingress[0] Allow \"allow-all-ingress-from-slytherin\"",
        "  chain 0 ingress, 2 pods, 2 admin + 1 baseline rules, policies: "
        "priority-50-example old-priority-60-new-priority-40-example "
        "default\n",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(k.p, want[i]))
            fail_msg("dump lacks \"%s\":\n%s", want[i], k.p);
    free(k.p);
    memset(&k, 0, sizeof(k));
    assert_int_equal(kg_ruleset_dump(rs, KG_DUMP_JSON, sink_write, &k), 0);
    assert_non_null(strstr(k.p, "\"tiers\":{\"nodes\":3,"));
    assert_non_null(strstr(k.p, "\"kind\":\"BaselineAdminNetworkPolicy\","
                                "\"tier\":\"baseline\",\"priority\":null"));
    free(k.p);
    /* kg_verdict_format names the kind, rule name, tier and priority */
    struct kg_verdict v;
    memset(&v, 0, sizeof(v));
    v.size = sizeof(v);
    assert_int_equal(kg_check_str(rs, "10.244.2.10", 11, "10.244.1.10", 11,
                                  "TCP", 3, 80, &v),
                     0);
    char text[512];
    kg_verdict_format(&v, text, sizeof(text));
    assert_string_equal(
        text, "denied (egress network-policy-conformance-slytherin/"
              "draco-malfoy-0: not isolated; ingress "
              "network-policy-conformance-gryffindor/harry-potter-0: denied "
              "by AdminNetworkPolicy priority-50-example ingress[0] "
              "\"deny-all-ingress-from-slytherin\" (admin tier, priority 50))");
    /* a 0.1-sized verdict has no detail: the 0.1 wording */
    v.size = KG_VERDICT_SIZE_0_1;
    kg_verdict_format(&v, text, sizeof(text));
    assert_non_null(strstr(text, "denied by priority-50-example ingress[0])"));
    kg_ruleset_unref(rs);
    kg_builder_free(b);
}

/* KG_FLAG_SKIP_INVALID keeps an invalid tier policy's rules in their
 * fail-closed form (adminnetworkpolicy-semantics rule 24) and never drops
 * a policy that may deny: leaving out an invalid Deny would allow. */
static const char skip_cluster[] =
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n"
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n---\n"
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\n"
    "spec: {containers: [{name: c, image: i}]}\n"
    "status: {podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.1}]}\n---\n"
    "apiVersion: v1\nkind: Pod\nmetadata: {name: q, namespace: b}\n"
    "spec: {containers: [{name: c, image: i}]}\n"
    "status: {podIP: 10.0.0.2, podIPs: [{ip: 10.0.0.2}]}\n";

/* Compiles skip_cluster + yaml with skip-invalid; returns the compile's
 * code, *rs the ruleset (or NULL) and the builder in *bp. */
static int compile_skip(const char *yaml, kg_builder **bp, kg_ruleset **rs)
{
    kg_options *o = kg_options_new();
    assert_non_null(o);
    assert_int_equal(kg_options_set_flag(o, KG_FLAG_SKIP_INVALID, true), 0);
    kg_builder *b = kg_builder_new(o);
    kg_options_free(o);
    assert_non_null(b);
    assert_int_equal(kg_builder_add_buffer(b, "cluster.yaml", skip_cluster,
                                           strlen(skip_cluster)),
                     0);
    assert_int_equal(kg_builder_add_buffer(b, "tiers.yaml", yaml, strlen(yaml)),
                     0);
    *rs = NULL;
    *bp = b;
    return kg_builder_compile(b, rs);
}

/* The index of the first diagnostic of severity sev whose message holds
 * text, or -1. */
static long find_diag(const kg_builder *b, int sev, const char *text)
{
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    for (size_t i = 0; i < kg_diagnostics_count(d); i++)
        if (kg_diagnostic_severity(d, i) == sev &&
            strstr(kg_diagnostic_message(d, i), text))
            return (long)i;
    return -1;
}

static void check_p_to_q(const kg_ruleset *rs, unsigned port, bool allowed,
                         int tier, const char *policy, int rule)
{
    struct kg_verdict v;
    memset(&v, 0, sizeof(v));
    v.size = sizeof(v);
    assert_int_equal(
        kg_check_str(rs, "10.0.0.1", 8, "10.0.0.2", 8, "TCP", 3, port, &v), 0);
    assert_int_equal(v.allowed, allowed);
    assert_int_equal(v.egress_detail.tier, tier);
    if (policy) {
        assert_string_equal(v.egress.policy, policy);
        assert_int_equal(v.egress.rule, rule);
    }
}

static void test_skip_invalid(void **state)
{
    (void)state;
    kg_builder *b;
    kg_ruleset *rs;
    /* a Deny rule with an unknown port field: kept, matching every peer
     * and port (dropping the policy would allow port 80 and 22) */
    const char *deny =
        "apiVersion: policy.networking.k8s.io/v1alpha1\n"
        "kind: AdminNetworkPolicy\nmetadata: {name: no-ssh}\nspec:\n"
        "  priority: 10\n  subject: {namespaces: {}}\n  egress:\n"
        "  - name: ok\n    action: Allow\n"
        "    to: [{networks: [10.9.0.0/16]}]\n"
        "  - name: ssh\n    action: Deny\n"
        "    to: [{networks: [0.0.0.0/0]}]\n"
        "    ports: [{portNumber: {port: 22}}, {portNumbr: {port: 2222}}]\n";
    assert_int_equal(compile_skip(deny, &b, &rs), 0);
    assert_true(find_diag(b, KG_SEVERITY_WARNING,
                          "this Deny rule matches every peer and port") >= 0);
    long w = find_diag(b, KG_SEVERITY_WARNING, "fail-closed");
    assert_string_equal(
        kg_diagnostic_path(kg_builder_diagnostics(b), (size_t)w),
        "spec.egress[1]");
    check_p_to_q(rs, 80, false, KG_TIER_ADMIN, "no-ssh", 1);
    check_p_to_q(rs, 22, false, KG_TIER_ADMIN, "no-ssh", 1);
    kg_ruleset_unref(rs);
    kg_builder_free(b);

    /* an Allow rule with a peer of no known field matches nothing; the
     * BANP's Deny below it decides */
    const char *allow =
        "apiVersion: policy.networking.k8s.io/v1alpha1\n"
        "kind: AdminNetworkPolicy\nmetadata: {name: web}\nspec:\n"
        "  priority: 10\n  subject: {namespaces: {}}\n  egress:\n"
        "  - name: web\n    action: Allow\n    to: [{newPeerKind: {}}]\n"
        "---\napiVersion: policy.networking.k8s.io/v1alpha1\n"
        "kind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\n"
        "spec:\n  subject: {namespaces: {}}\n  egress:\n"
        "  - name: all\n    action: Deny\n    to: [{networks: [0.0.0.0/0]}]\n";
    assert_int_equal(compile_skip(allow, &b, &rs), 0);
    assert_true(find_diag(b, KG_SEVERITY_WARNING,
                          "this Allow rule matches nothing") >= 0);
    check_p_to_q(rs, 80, false, KG_TIER_BASELINE, "default", 0);
    kg_ruleset_unref(rs);
    kg_builder_free(b);

    /* a Pass rule with an unknown action spelling fails closed as a Deny */
    const char *action =
        "apiVersion: policy.networking.k8s.io/v1beta1\n"
        "kind: ClusterNetworkPolicy\nmetadata: {name: c}\nspec:\n"
        "  tier: Admin\n  priority: 3\n  subject: {namespaces: {}}\n"
        "  egress:\n  - action: Drop\n    to: [{networks: [10.0.0.2/32]}]\n";
    assert_int_equal(compile_skip(action, &b, &rs), 0);
    check_p_to_q(rs, 80, false, KG_TIER_ADMIN, "c", 0);
    kg_ruleset_unref(rs);
    kg_builder_free(b);

    /* an error outside the rules (the subject) with a Deny rule: not left
     * out, the compile fails */
    const char *subject =
        "apiVersion: policy.networking.k8s.io/v1alpha1\n"
        "kind: AdminNetworkPolicy\nmetadata: {name: s}\nspec:\n"
        "  priority: 10\n  subject: {namespaces: {}, pods: {}}\n  egress:\n"
        "  - action: Deny\n    to: [{networks: [0.0.0.0/0]}]\n";
    assert_int_not_equal(compile_skip(subject, &b, &rs), 0);
    assert_null(rs);
    long e = find_diag(b, KG_SEVERITY_ERROR, "not skipped although");
    assert_true(e >= 0);
    assert_string_equal(
        kg_diagnostic_object(kg_builder_diagnostics(b), (size_t)e),
        "AdminNetworkPolicy s");
    kg_builder_free(b);

    /* the same with Allow rules only is left out (a warning): leaving it
     * out allows nothing it would not */
    const char *allow_only =
        "apiVersion: policy.networking.k8s.io/v1alpha1\n"
        "kind: AdminNetworkPolicy\nmetadata: {name: s}\nspec:\n"
        "  priority: 1001\n  subject: {namespaces: {}}\n  egress:\n"
        "  - action: Allow\n    to: [{networks: [0.0.0.0/0]}]\n";
    assert_int_equal(compile_skip(allow_only, &b, &rs), 0);
    assert_int_equal(kg_diagnostics_errors(kg_builder_diagnostics(b)), 0);
    check_p_to_q(rs, 80, true, KG_TIER_DEFAULT, NULL, 0);
    kg_ruleset_unref(rs);
    kg_builder_free(b);
}

int main(int argc, char **argv)
{
    data_dir = argc > 1 ? argv[1] : "tests/data/tiers/conformance";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conformance),
        cmocka_unit_test(test_dump),
        cmocka_unit_test(test_skip_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
