// SPDX-License-Identifier: MIT
/*
 * test_incremental.c - differential test of the incremental builder: random
 * sequences of watch events (pods, namespaces and policies added, modified
 * in labels, IPs and named ports, deleted; replays with old
 * resourceVersions; deletions of unknown objects) applied to one builder
 * that compiles after every batch, against a new builder loading the same
 * final objects in the same order from scratch. Verdicts of random flows
 * must be equal field by field (allowed, each side's reason, pod, deciding
 * policy and rule, policy count); the previous ruleset must still answer
 * as it did (rulesets are immutable). Then the same with an allocation
 * failure at every N during apply and compile: the previous ruleset stays
 * intact and the builder, retried, converges to the from-scratch answers.
 * Deterministic seeds; KGRESS_TEST_SCALE scales the work.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../verdict/vtest.h"
#include "api/builder.h"
#include "util/alloc.h"

#define N_NS 4
#define N_PODS 24
#define N_POLS 8
#define N_ADDRS 64

static const char *const labels_k[] = {"app", "tier"};
static const char *const labels_v[] = {"a0", "a1", "a2"};
static const char *const ns_v[] = {"t0", "t1"};
static const char *const port_names[] = {"http", "dns"};
static const unsigned port_nums[] = {53, 80, 8080};
static const char *const protos[] = {"TCP", "UDP"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* One object of the model: its current JSON text (NULL: absent) and its
 * place in the order of last adds. */
struct obj {
    char *text;
    unsigned long order;
};

struct model {
    uint64_t rng;
    unsigned rv;
    unsigned long clock;
    bool unique_ips; /* pod i has address i or i + N_PODS: never shared,
                        so deltas are not refused for a shared address */
    struct obj ns[N_NS], pods[N_PODS], pols[N_POLS];
    char addrs[N_ADDRS][24];
};

static char *dup_text(const struct tbuf *t)
{
    char *s = malloc(t->n + 1);
    if (!s)
        abort();
    memcpy(s, t->p, t->n + 1);
    return s;
}

static void labels(struct model *m, struct tbuf *t, const char *const *vals,
                   size_t nv)
{
    tbuf_printf(t, "\"labels\":{");
    unsigned n = vrnd(&m->rng, 3);
    for (unsigned i = 0; i < n && i < N(labels_k); i++)
        tbuf_printf(t, "%s\"%s\":\"%s\"", i ? "," : "", labels_k[i],
                    vals[vrnd(&m->rng, (unsigned)nv)]);
    tbuf_printf(t, "}");
}

static char *gen_ns(struct model *m, unsigned i)
{
    struct tbuf t = {0};
    tbuf_printf(&t,
                "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{"
                "\"name\":\"n%u\",\"resourceVersion\":\"%u\",",
                i, ++m->rv);
    labels(m, &t, ns_v, N(ns_v));
    tbuf_printf(&t, "}}");
    char *s = dup_text(&t);
    tbuf_free(&t);
    return s;
}

static char *gen_pod(struct model *m, unsigned i)
{
    struct tbuf t = {0};
    tbuf_printf(&t,
                "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{"
                "\"name\":\"p%u\",\"namespace\":\"n%u\",\"resourceVersion\":"
                "\"%u\",",
                i, i % N_NS, ++m->rv);
    labels(m, &t, labels_v, N(labels_v));
    tbuf_printf(&t, "},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
                    "\"i\",\"ports\":[");
    unsigned np = vrnd(&m->rng, 3);
    for (unsigned k = 0; k < np; k++)
        tbuf_printf(&t,
                    "%s{\"name\":\"%s\",\"containerPort\":%u,\"protocol\":"
                    "\"%s\"}",
                    k ? "," : "", port_names[k % N(port_names)],
                    port_nums[vrnd(&m->rng, N(port_nums))],
                    protos[vrnd(&m->rng, N(protos))]);
    /* IPs from a small pool: several pods may share one */
    unsigned a = m->unique_ips ? i + N_PODS * vrnd(&m->rng, 2)
                               : vrnd(&m->rng, N_ADDRS - 4);
    tbuf_printf(&t, "]}]},\"status\":{\"podIP\":\"%s\"}}", m->addrs[a]);
    char *s = dup_text(&t);
    tbuf_free(&t);
    return s;
}

static void selector(struct model *m, struct tbuf *t, const char *const *vals,
                     size_t nv)
{
    tbuf_printf(t, "{");
    if (vchance(&m->rng, 60))
        tbuf_printf(t, "\"matchLabels\":{\"%s\":\"%s\"}",
                    labels_k[vrnd(&m->rng, N(labels_k))],
                    vals[vrnd(&m->rng, (unsigned)nv)]);
    else if (vchance(&m->rng, 50))
        tbuf_printf(t,
                    "\"matchExpressions\":[{\"key\":\"%s\",\"operator\":"
                    "\"NotIn\",\"values\":[\"%s\"]}]",
                    labels_k[vrnd(&m->rng, N(labels_k))],
                    vals[vrnd(&m->rng, (unsigned)nv)]);
    tbuf_printf(t, "}");
}

static void rule(struct model *m, struct tbuf *t, const char *dir)
{
    tbuf_printf(t, "{");
    unsigned np = vrnd(&m->rng, 3);
    if (np) {
        tbuf_printf(t, "\"%s\":[", dir);
        for (unsigned k = 0; k < np; k++) {
            tbuf_printf(t, "%s{", k ? "," : "");
            unsigned kind = vrnd(&m->rng, 4);
            if (kind == 0) {
                tbuf_printf(t, "\"ipBlock\":{\"cidr\":\"10.0.0.0/27\","
                               "\"except\":[\"10.0.0.8/30\"]}");
            } else {
                if (kind != 1) {
                    tbuf_printf(t, "\"podSelector\":");
                    selector(m, t, labels_v, N(labels_v));
                }
                if (kind != 2) {
                    tbuf_printf(
                        t, "%s\"namespaceSelector\":", kind != 1 ? "," : "");
                    selector(m, t, ns_v, N(ns_v));
                }
            }
            tbuf_printf(t, "}");
        }
        tbuf_printf(t, "]");
    }
    if (vchance(&m->rng, 60)) {
        tbuf_printf(t, "%s\"ports\":[", np ? "," : "");
        if (vchance(&m->rng, 50))
            tbuf_printf(t, "{\"port\":\"%s\",\"protocol\":\"%s\"}",
                        port_names[vrnd(&m->rng, N(port_names))],
                        protos[vrnd(&m->rng, N(protos))]);
        else
            tbuf_printf(t, "{\"port\":%u,\"endPort\":8080}",
                        port_nums[vrnd(&m->rng, 2)]);
        tbuf_printf(t, "]");
    }
    tbuf_printf(t, "}");
}

static char *gen_pol(struct model *m, unsigned i)
{
    struct tbuf t = {0};
    tbuf_printf(&t,
                "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":"
                "\"NetworkPolicy\",\"metadata\":{\"name\":\"q%u\","
                "\"namespace\":\"n%u\",\"resourceVersion\":\"%u\"},"
                "\"spec\":{\"podSelector\":",
                i, i % N_NS, ++m->rv);
    selector(m, &t, labels_v, N(labels_v));
    bool in = vchance(&m->rng, 70), eg = vchance(&m->rng, 50) || !in;
    tbuf_printf(&t, ",\"policyTypes\":[%s%s%s]", in ? "\"Ingress\"" : "",
                in && eg ? "," : "", eg ? "\"Egress\"" : "");
    const char *dirs[2] = {"ingress", "egress"};
    const char *peers[2] = {"from", "to"};
    for (int d = 0; d < 2; d++) {
        unsigned nr = vrnd(&m->rng, 3);
        tbuf_printf(&t, ",\"%s\":[", dirs[d]);
        for (unsigned r = 0; r < nr; r++) {
            if (r)
                tbuf_printf(&t, ",");
            rule(m, &t, peers[d]);
        }
        tbuf_printf(&t, "]");
    }
    tbuf_printf(&t, "}}");
    char *s = dup_text(&t);
    tbuf_free(&t);
    return s;
}

/* A watch event for o (type t) into ev; sets the model. */
static void event(struct model *m, struct tbuf *ev, struct obj *o, char *text)
{
    const char *type = !text ? "DELETED" : o->text ? "MODIFIED" : "ADDED";
    if (!text) {
        if (!o->text)
            return;
        /* the deleted object, at a newer version */
        char *p = strstr(o->text, "\"resourceVersion\":\"");
        assert_non_null(p);
        struct tbuf t = {0};
        tbuf_printf(&t, "%.*s\"resourceVersion\":\"%u%s", (int)(p - o->text),
                    o->text, ++m->rv, strchr(p + 19, '"'));
        tbuf_printf(ev, "{\"type\":\"DELETED\",\"object\":%s}\n", t.p);
        tbuf_free(&t);
        free(o->text);
        o->text = NULL;
        return;
    }
    tbuf_printf(ev, "{\"type\":\"%s\",\"object\":%s}\n", type, text);
    free(o->text);
    o->text = text;
    o->order = ++m->clock;
}

/* A batch of 1..5 random events (of pods only: the incremental path). */
static void batch(struct model *m, struct tbuf *ev, bool pods_only)
{
    unsigned n = 1 + vrnd(&m->rng, 5);
    for (unsigned k = 0; k < n; k++) {
        unsigned r = vrnd(&m->rng, 100);
        if (pods_only && r >= 70 && r < 90)
            r = vrnd(&m->rng, 70);
        if (r < 55) {
            unsigned i = vrnd(&m->rng, N_PODS);
            event(m, ev, &m->pods[i], gen_pod(m, i));
        } else if (r < 70) {
            event(m, ev, &m->pods[vrnd(&m->rng, N_PODS)], NULL);
        } else if (r < 75) {
            unsigned i = vrnd(&m->rng, N_NS);
            event(m, ev, &m->ns[i], vchance(&m->rng, 80) ? gen_ns(m, i) : NULL);
        } else if (r < 90) {
            unsigned i = vrnd(&m->rng, N_POLS);
            event(m, ev, &m->pols[i],
                  vchance(&m->rng, 75) ? gen_pol(m, i) : NULL);
        } else if (r < 95) {
            /* a replay: an older version of a pod, ignored */
            unsigned i = vrnd(&m->rng, N_PODS);
            if (m->pods[i].text) {
                struct tbuf t = {0};
                char *p = strstr(m->pods[i].text, "\"resourceVersion\":\"");
                tbuf_printf(&t, "%.*s\"resourceVersion\":\"1%s",
                            (int)(p - m->pods[i].text), m->pods[i].text,
                            strchr(p + 19, '"'));
                char *q = strstr(t.p, "\"podIP\":\"");
                q[9] = '9'; /* another IP: would change answers */
                tbuf_printf(ev, "{\"type\":\"MODIFIED\",\"object\":%s}\n", t.p);
                tbuf_free(&t);
            }
        } else {
            /* DELETED of an object never loaded */
            tbuf_printf(ev, "{\"type\":\"DELETED\",\"object\":{\"apiVersion\":"
                            "\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":"
                            "\"ghost\",\"namespace\":\"n0\"}}}\n");
        }
    }
    if (vchance(&m->rng, 10))
        tbuf_printf(ev,
                    "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\","
                    "\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":"
                    "\"%u\"}}}\n",
                    ++m->rv);
}

static int order_cmp(const void *x, const void *y)
{
    const struct obj *a = *(const struct obj *const *)x;
    const struct obj *b = *(const struct obj *const *)y;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* The model's objects, in the order of their last add, as one stream. */
static kg_ruleset *from_scratch(struct model *m, const kg_options *o)
{
    struct obj *v[N_NS + N_PODS + N_POLS];
    size_t n = 0;
    for (int i = 0; i < N_NS; i++)
        if (m->ns[i].text)
            v[n++] = &m->ns[i];
    for (int i = 0; i < N_PODS; i++)
        if (m->pods[i].text)
            v[n++] = &m->pods[i];
    for (int i = 0; i < N_POLS; i++)
        if (m->pols[i].text)
            v[n++] = &m->pols[i];
    qsort(v, n, sizeof(v[0]), order_cmp);
    struct tbuf t = {0};
    tbuf_printf(&t, "---\n");
    for (size_t i = 0; i < n; i++)
        tbuf_printf(&t, "%s\n---\n", v[i]->text);
    kg_ruleset *rs = vcompile(t.p, t.n, o);
    tbuf_free(&t);
    assert_non_null(rs);
    return rs;
}

static void side_eq(const struct kg_side *a, const struct kg_side *b,
                    const char *what)
{
    if (a->allowed != b->allowed || a->reason != b->reason ||
        a->rule != b->rule || a->policies != b->policies ||
        (a->policy == NULL) != (b->policy == NULL) ||
        (a->policy && strcmp(a->policy, b->policy) != 0) ||
        (a->pod_name == NULL) != (b->pod_name == NULL) ||
        (a->pod_name && strcmp(a->pod_name, b->pod_name) != 0))
        fail_msg("%s: incremental %d %s %s %s[%d] (%u) vs scratch %d %s %s "
                 "%s[%d] (%u)",
                 what, a->allowed, kg_reason_name(a->reason),
                 a->pod_name ? a->pod_name : "-", a->policy ? a->policy : "-",
                 a->rule, a->policies, b->allowed, kg_reason_name(b->reason),
                 b->pod_name ? b->pod_name : "-", b->policy ? b->policy : "-",
                 b->rule, b->policies);
}

/* Verdicts of random flows; into out (when not NULL) or compared with it. */
struct flow_rec {
    struct kg_verdict v;
};

static void flows(struct model *m, uint64_t seed, const kg_ruleset *a,
                  const kg_ruleset *b, unsigned n)
{
    uint64_t r = seed;
    for (unsigned k = 0; k < n; k++) {
        const char *s = m->addrs[vrnd(&r, N_ADDRS)];
        const char *d = m->addrs[vrnd(&r, N_ADDRS)];
        unsigned port = port_nums[vrnd(&r, N(port_nums))];
        const char *p = protos[vrnd(&r, N(protos))];
        struct kg_verdict va = vcheck(a, s, d, port, p);
        struct kg_verdict vb = vcheck(b, s, d, port, p);
        char what[128];
        snprintf(what, sizeof(what), "%s -> %s %u/%s egress", s, d, port, p);
        side_eq(&va.egress, &vb.egress, what);
        snprintf(what, sizeof(what), "%s -> %s %u/%s ingress", s, d, port, p);
        side_eq(&va.ingress, &vb.ingress, what);
        assert_int_equal(va.allowed, vb.allowed);
    }
}

/* kg_check_batch on rs (an incremental ruleset too: its prefetch stages
 * read the extended tables) answers as kg_check_flow. */
static void batch_equal(struct model *m, uint64_t seed, const kg_ruleset *rs)
{
    enum { NB = 64 };
    struct kg_flow f[NB];
    struct kg_verdict vb[NB];
    uint64_t r = seed;
    memset(f, 0, sizeof(f));
    memset(vb, 0, sizeof(vb));
    for (int k = 0; k < NB; k++) {
        f[k].size = sizeof(f[k]);
        vb[k].size = sizeof(vb[k]);
        const char *s = m->addrs[vrnd(&r, N_ADDRS)];
        const char *d = m->addrs[vrnd(&r, N_ADDRS)];
        assert_int_equal(kg_addr_parse(s, strlen(s), &f[k].src), 0);
        assert_int_equal(kg_addr_parse(d, strlen(d), &f[k].dst), 0);
        f[k].protocol = KG_PROTO_TCP;
        f[k].port = port_nums[vrnd(&r, N(port_nums))];
    }
    assert_int_equal(kg_check_batch(rs, f, NB, vb), 0);
    for (int k = 0; k < NB; k++) {
        struct kg_verdict v;
        memset(&v, 0, sizeof(v));
        v.size = sizeof(v);
        assert_int_equal(kg_check_flow(rs, &f[k], &v), 0);
        side_eq(&vb[k].egress, &v.egress, "batch egress");
        side_eq(&vb[k].ingress, &v.ingress, "batch ingress");
        assert_int_equal(vb[k].allowed, v.allowed);
    }
}

static void model_init(struct model *m, uint64_t seed)
{
    memset(m, 0, sizeof(*m));
    m->rng = seed;
    for (int i = 0; i < N_ADDRS - 2; i++)
        snprintf(m->addrs[i], sizeof(m->addrs[i]), "10.0.%d.%d", i / 32,
                 i % 32 + 1);
    snprintf(m->addrs[N_ADDRS - 2], sizeof(m->addrs[0]), "192.0.2.1");
    snprintf(m->addrs[N_ADDRS - 1], sizeof(m->addrs[0]), "10.0.0.200");
}

static void model_free(struct model *m)
{
    for (int i = 0; i < N_NS; i++)
        free(m->ns[i].text);
    for (int i = 0; i < N_PODS; i++)
        free(m->pods[i].text);
    for (int i = 0; i < N_POLS; i++)
        free(m->pols[i].text);
}

static kg_ruleset *compile_ok(kg_builder *b)
{
    kg_ruleset *rs = vbuild(b);
    assert_non_null(rs);
    return rs;
}

static void test_differential(void **state)
{
    (void)state;
    unsigned runs = (unsigned)(60 * vscale()), steps = 60;
    if (runs < 2)
        runs = 2;
    struct kgi_builder_stats sum = {0};
    for (unsigned run = 0; run < runs; run++) {
        /* every other run: policies and namespaces settle, then pods only
         * change, which compiles incrementally */
        bool pods_phase = run % 2;
        struct model m;
        model_init(&m, 0x9e3779b97f4a7c15ull + run);
        m.unique_ips = run % 4 >= 2;
        kg_options *o = kg_options_new();
        kg_options_set_flag(o, KG_FLAG_IPBLOCK_MATCHES_PODS, run % 3 != 2);
        kg_builder *b = kg_builder_new(o);
        kg_ruleset *prev = NULL, *prev_scratch = NULL;
        for (unsigned s = 0; s < steps; s++) {
            struct tbuf ev = {0};
            batch(&m, &ev, pods_phase && s > 10);
            if (ev.n)
                assert_int_equal(
                    kg_builder_apply_events(b, "ev", ev.p, ev.n, NULL), 0);
            tbuf_free(&ev);
            kg_ruleset *rs = compile_ok(b);
            kg_ruleset *scratch = from_scratch(&m, o);
            flows(&m, run * 1000 + s, rs, scratch, 150);
            batch_equal(&m, run * 31 + s, rs);
            if (prev) /* the previous ruleset still answers as it did */
                flows(&m, run * 7 + s, prev, prev_scratch, 30);
            kg_ruleset_unref(prev);
            kg_ruleset_unref(prev_scratch);
            prev = rs;
            prev_scratch = scratch;
        }
        kg_ruleset_unref(prev);
        kg_ruleset_unref(prev_scratch);
        struct kgi_builder_stats st;
        kgi_builder_stats(b, &st);
        sum.full += st.full;
        sum.deltas += st.deltas;
        sum.delta_pods += st.delta_pods;
        sum.delta_pols += st.delta_pols;
        sum.delta_ns += st.delta_ns;
        kg_builder_free(b);
        kg_options_free(o);
        model_free(&m);
    }
    print_message("%u runs: %zu full compiles, %zu incremental (%zu with "
                  "pods, %zu with policies, %zu with namespaces changed)\n",
                  runs, sum.full, sum.deltas, sum.delta_pods, sum.delta_pols,
                  sum.delta_ns);
    /* the differential covers every kind the incremental path takes */
    assert_true(sum.delta_pods >= runs);
    assert_true(sum.delta_pols >= runs);
    assert_true(sum.delta_ns >= runs / 2);
}

/* Allocation failure at every N of an apply + compile after a warm-up:
 * the previous ruleset is intact, and the builder retried converges. */
static void test_alloc_fail(void **state)
{
    (void)state;
    unsigned runs = (unsigned)(6 * vscale());
    if (runs < 1)
        runs = 1;
    size_t deltas = 0, delta_pols = 0;
    /* scaled down, runs go on (a few at most) until one has incremental
     * compiles of policy changes: the seeds decide which runs do */
    for (unsigned run = 0; run < runs || (delta_pols == 0 && run < runs + 8);
         run++) {
        struct model m;
        model_init(&m, 0x1234567ull + run);
        m.unique_ips = run % 2 == 0;
        kg_builder *b = kg_builder_new(NULL);
        for (unsigned s = 0; s < 12; s++) {
            struct tbuf ev = {0};
            batch(&m, &ev, false);
            assert_int_equal(
                kg_builder_apply_events(b, "warm", ev.p, ev.n, NULL), 0);
            tbuf_free(&ev);
        }
        kg_ruleset *prev = compile_ok(b);
        kg_ruleset *prev_scratch = from_scratch(&m, NULL);
        for (unsigned s = 0; s < 4; s++) {
            struct tbuf ev = {0};
            while (!ev.n)
                batch(&m, &ev, s % 2 == 0);
            kg_ruleset *scratch = from_scratch(&m, NULL);
            for (long n = 0;; n++) {
                kgi_alloc_fail_after(n);
                int rc = kg_builder_apply_events(b, "ev", ev.p, ev.n, NULL);
                kg_ruleset *rs = NULL;
                int rc2 = rc == 0 ? kg_builder_compile(b, &rs) : rc;
                long used = kgi_alloc_fail_after(-1);
                assert_true(rc == 0 || rc == KG_ENOMEM);
                assert_true(rc2 == 0 || rc2 == KG_ENOMEM);
                flows(&m, 99 + s, prev, prev_scratch, 40);
                if (rc2 == 0) {
                    flows(&m, 5 + s, rs, scratch, 100);
                    kg_ruleset_unref(rs);
                    if (used <= n)
                        break; /* nothing failed: every N was covered */
                    continue;
                }
                /* retried without failures: replays of what was applied
                 * are ignored, the rest applies */
                assert_int_equal(
                    kg_builder_apply_events(b, "ev", ev.p, ev.n, NULL), 0);
                rs = compile_ok(b);
                flows(&m, 5 + s, rs, scratch, 100);
                kg_ruleset_unref(rs);
            }
            tbuf_free(&ev);
            kg_ruleset_unref(prev);
            kg_ruleset_unref(prev_scratch);
            prev = compile_ok(b);
            prev_scratch = scratch;
        }
        kg_ruleset_unref(prev);
        kg_ruleset_unref(prev_scratch);
        struct kgi_builder_stats st;
        kgi_builder_stats(b, &st);
        deltas += st.deltas;
        delta_pols += st.delta_pols;
        kg_builder_free(b);
        model_free(&m);
    }
    /* failures also hit incremental compiles of policy changes */
    print_message("%zu incremental compiles (%zu with policies changed)\n",
                  deltas, delta_pols);
    assert_true(delta_pols > 0);
}

/* ------------------------------------------------------------ Services */

/* A cluster with Services: db (EndpointSlice endpoints) and, with
 * selector, sel (endpoints from the pods its selector picks). */
static void svc_cluster(struct tbuf *t, bool selector)
{
    tbuf_printf(t, "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n"
                   "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: "
                   "web, labels: {team: b}}\n");
    static const char *const pods[][4] = {{"prod", "db-0", "db", "10.4.0.1"},
                                          {"prod", "db-1", "db", "10.4.0.2"},
                                          {"web", "fe-0", "fe", "10.5.0.1"}};
    for (size_t i = 0; i < N(pods); i++)
        tbuf_printf(t,
                    "---\napiVersion: v1\nkind: Pod\nmetadata: {name: %s, "
                    "namespace: %s, labels: {app: %s}}\nspec: {containers: "
                    "[{name: c, image: i, ports: [{containerPort: 5432}]}]}\n"
                    "status:\n  podIP: %s\n  conditions: [{type: Ready, "
                    "status: \"True\"}]\n",
                    pods[i][1], pods[i][0], pods[i][2], pods[i][3]);
    tbuf_printf(t, "---\napiVersion: v1\nkind: Service\nmetadata: {name: db, "
                   "namespace: prod}\nspec:\n  clusterIP: 10.96.0.10\n  "
                   "ports: [{port: 80, targetPort: 5432}]\n"
                   "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
                   "metadata:\n  name: db-x\n  namespace: prod\n  labels: "
                   "{kubernetes.io/service-name: db}\naddressType: IPv4\n"
                   "ports: [{name: \"\", port: 5432, protocol: TCP}]\n"
                   "endpoints:\n- addresses: [10.4.0.1]\n  conditions: "
                   "{ready: true}\n- addresses: [10.4.0.2]\n  conditions: "
                   "{ready: true}\n");
    if (selector)
        tbuf_printf(t, "---\napiVersion: v1\nkind: Service\nmetadata: {name: "
                       "sel, namespace: prod}\nspec:\n  clusterIP: 10.96.0.20\n"
                       "  selector: {app: db}\n  ports: [{port: 80, "
                       "targetPort: 5432}]\n");
    tbuf_printf(t, "---\napiVersion: networking.k8s.io/v1\nkind: "
                   "NetworkPolicy\nmetadata: {name: allow, namespace: prod}\n"
                   "spec:\n  podSelector: {matchLabels: {app: db}}\n  "
                   "ingress:\n  - from:\n    - namespaceSelector: "
                   "{matchLabels: {team: a}}\n    ports: [{port: 5432}]\n");
}

/* The changes applied in turn, as YAML sources. */
static const char *const svc_changes[] = {
    /* a policy: also from pods labelled fe of any namespace */
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: "
    "{name: allow, namespace: prod}\nspec:\n  podSelector: {matchLabels: "
    "{app: db}}\n  ingress:\n  - from:\n    - namespaceSelector: "
    "{matchLabels: {team: a}}\n    - namespaceSelector: {}\n      "
    "podSelector: {matchLabels: {app: fe}}\n    ports: [{port: 5432}]\n",
    /* a namespace relabelled */
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: web, labels: {team: "
    "a}}\n",
    /* a pod: db-1 leaves the policy's subjects (and the selector) */
    "apiVersion: v1\nkind: Pod\nmetadata: {name: db-1, namespace: prod, "
    "labels: {app: other}}\nspec: {containers: [{name: c, image: i, ports: "
    "[{containerPort: 5432}]}]}\nstatus:\n  podIP: 10.4.0.2\n  conditions: "
    "[{type: Ready, status: \"True\"}]\n",
};

static void verdict_eq(const struct kg_verdict *a, const struct kg_verdict *b,
                       const char *what)
{
    side_eq(&a->egress, &b->egress, what);
    side_eq(&a->ingress, &b->ingress, what);
    assert_int_equal(a->allowed, b->allowed);
    assert_int_equal(a->endpoints, b->endpoints);
    assert_int_equal(a->service == NULL, b->service == NULL);
    if (a->service)
        assert_string_equal(a->service, b->service);
}

/* With Services loaded, policy and namespace changes compile
 * incrementally (the Service table stays the full compile's); pod changes
 * too when no Service takes its endpoints from pods. Answers equal a
 * from-scratch compile after every change. */
static void test_services(void **state)
{
    (void)state;
    static const char *const dsts[] = {"10.96.0.10", "10.96.0.20", "10.4.0.1",
                                       "10.4.0.2"};
    static const char *const srcs[] = {"10.5.0.1", "8.8.8.8"};
    static const unsigned ports[] = {80, 5432};
    for (int selector = 0; selector < 2; selector++) {
        struct tbuf base = {0};
        svc_cluster(&base, selector);
        kg_builder *b = kg_builder_new(NULL);
        assert_int_equal(kg_builder_add_buffer(b, "base", base.p, base.n), 0);
        kg_ruleset *rs0 = compile_ok(b);
        struct kg_verdict v0 = vcheck(rs0, "10.5.0.1", "10.96.0.10", 80, "TCP");
        assert_false(v0.allowed);
        assert_int_equal(v0.endpoints, 2);
        kg_ruleset_unref(rs0);
        for (size_t c = 0; c < N(svc_changes); c++) {
            struct kgi_builder_stats before, after;
            kgi_builder_stats(b, &before);
            const char *ch = svc_changes[c];
            assert_int_equal(kg_builder_add_buffer(b, "ch", ch, strlen(ch)), 0);
            kg_ruleset *rs = compile_ok(b);
            kgi_builder_stats(b, &after);
            /* a pod change with endpoints from pods compiles in full */
            bool full = selector && c == 2;
            assert_int_equal(after.deltas - before.deltas, !full);
            assert_int_equal(after.full - before.full, full);
            kg_builder *s = kg_builder_new(NULL);
            assert_int_equal(kg_builder_add_buffer(s, "base", base.p, base.n),
                             0);
            for (size_t k = 0; k <= c; k++)
                assert_int_equal(kg_builder_add_buffer(s, "ch", svc_changes[k],
                                                       strlen(svc_changes[k])),
                                 0);
            kg_ruleset *scratch = compile_ok(s);
            for (size_t i = 0; i < N(srcs); i++)
                for (size_t j = 0; j < N(dsts); j++)
                    for (size_t q = 0; q < N(ports); q++) {
                        struct kg_verdict x =
                            vcheck(rs, srcs[i], dsts[j], ports[q], "TCP");
                        struct kg_verdict y =
                            vcheck(scratch, srcs[i], dsts[j], ports[q], "TCP");
                        verdict_eq(&x, &y, dsts[j]);
                    }
            /* the changes matter: the policy lets fe-0 in */
            struct kg_verdict v =
                vcheck(rs, "10.5.0.1", "10.96.0.10", 80, "TCP");
            assert_true(v.allowed);
            kg_ruleset_unref(scratch);
            kg_builder_free(s);
            kg_ruleset_unref(rs);
        }
        kg_builder_free(b);
        tbuf_free(&base);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_differential),
        cmocka_unit_test(test_alloc_fail),
        cmocka_unit_test(test_services),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
