// SPDX-License-Identifier: MIT
/*
 * fuzz_watch.c - watch-event streams (kg_builder_apply_events) and the
 * incremental builder.
 *
 * Text input (first byte printable or whitespace) is a watch stream,
 * applied two ways: whole in one call, and cut at a point taken from the
 * input, the second call going on from what the first consumed (as a
 * reader of a pipe does). Both must end with the same objects, version and
 * verdicts, and every diagnostic must be sane.
 *
 * Binary input (first byte < 0x09) drives a generator of events over 2
 * namespaces, 6 pods and 3 policies (ADDED/MODIFIED/DELETED with rising,
 * repeated or older resourceVersions, BOOKMARKs, malformed events, an
 * occasional ERROR), applied one batch at a time to a builder that
 * compiles after each batch; the harness keeps the objects each event
 * leaves and, after each batch, compiles them from scratch in a new
 * builder: the verdicts of flows between the pod addresses must be equal.
 */
#include "fuzz_common.h"

#define N_PODS 6
#define N_POLS 3

static const char *const ips[] = {"10.0.0.1", "10.0.0.2",    "10.0.0.3",
                                  "10.0.0.4", "2001:db8::1", "192.0.2.9"};
static const char *const apps[] = {"web", "db", "x"};

static void flows_equal(const kg_ruleset *a, const kg_ruleset *b)
{
    static const unsigned ports[] = {80, 53};
    for (size_t s = 0; s < sizeof(ips) / sizeof(ips[0]); s++)
        for (size_t d = 0; d < sizeof(ips) / sizeof(ips[0]); d++)
            for (int p = 0; p < 2; p++) {
                struct kg_verdict va, vb;
                memset(&va, 0, sizeof(va));
                memset(&vb, 0, sizeof(vb));
                va.size = vb.size = sizeof(va);
                FZ_CHECK(kg_check_str(a, ips[s], strlen(ips[s]), ips[d],
                                      strlen(ips[d]), "TCP", 3, ports[p],
                                      &va) == 0);
                FZ_CHECK(kg_check_str(b, ips[s], strlen(ips[s]), ips[d],
                                      strlen(ips[d]), "TCP", 3, ports[p],
                                      &vb) == 0);
                FZ_CHECK(va.allowed == vb.allowed);
                FZ_CHECK(va.egress.reason == vb.egress.reason);
                FZ_CHECK(va.ingress.reason == vb.ingress.reason);
                FZ_CHECK(va.egress.rule == vb.egress.rule);
                FZ_CHECK(va.ingress.rule == vb.ingress.rule);
                FZ_CHECK(va.ingress.policies == vb.ingress.policies);
                FZ_CHECK((va.ingress.policy == NULL) ==
                         (vb.ingress.policy == NULL));
                if (va.ingress.policy)
                    FZ_CHECK(strcmp(va.ingress.policy, vb.ingress.policy) == 0);
            }
}

static int apply_rc_ok(int rc)
{
    return rc == 0 || rc == KG_ECOMPILE || rc == KG_ERELIST || rc == KG_EWATCH;
}

/* ---------------------------------------------------------- text input */

static void text_stream(const uint8_t *data, size_t size)
{
    kg_options *o = kg_options_new();
    FZ_CHECK(o != NULL);
    FZ_CHECK(kg_options_set_flag(o, KG_FLAG_SKIP_INVALID, true) == 0);
    kg_builder *whole = kg_builder_new(o), *cut = kg_builder_new(o);
    FZ_CHECK(whole && cut);
    const char *buf = (const char *)data;
    int rc = kg_builder_apply_events(whole, "w", buf, size, NULL);
    FZ_CHECK(apply_rc_ok(rc));
    fz_check_diagnostics(kg_builder_diagnostics(whole));
    size_t at = size ? (data[0] * 7919u + size) % (size + 1) : 0, used = 0;
    int rc1 = kg_builder_apply_events(cut, "c", buf, at, &used);
    FZ_CHECK(apply_rc_ok(rc1) && used <= at);
    fz_check_diagnostics(kg_builder_diagnostics(cut));
    if (rc1 != KG_ERELIST && rc1 != KG_EWATCH) {
        int rc2 =
            kg_builder_apply_events(cut, "c", buf + used, size - used, NULL);
        FZ_CHECK(apply_rc_ok(rc2));
    }
    FZ_CHECK(kg_builder_object_count(whole) == kg_builder_object_count(cut));
    FZ_CHECK(strcmp(kg_builder_resource_version(whole),
                    kg_builder_resource_version(cut)) == 0);
    kg_ruleset *a = NULL, *b = NULL;
    int ca = kg_builder_compile(whole, &a), cb = kg_builder_compile(cut, &b);
    FZ_CHECK(ca == cb);
    FZ_CHECK(ca == 0 || ca == KG_ECOMPILE);
    if (a && b)
        flows_equal(a, b);
    kg_ruleset_unref(a);
    kg_ruleset_unref(b);
    kg_builder_free(whole);
    kg_builder_free(cut);
    kg_options_free(o);
}

/* ---------------------------------------------------------- generator */

struct obj {
    struct fz_buf text; /* empty: absent */
    unsigned long order;
    unsigned rv;
};

struct gen {
    struct fz_in in;
    unsigned rv;
    unsigned long clock;
    struct obj pods[N_PODS], pols[N_POLS];
};

static void gen_pod(struct gen *g, unsigned i, struct fz_buf *t, unsigned rv)
{
    uint8_t f = fz_u8(&g->in);
    fz_printf(t,
              "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":"
              "\"p%u\",\"namespace\":\"n%u\",\"resourceVersion\":\"%u\","
              "\"labels\":{\"app\":\"%s\"}},\"spec\":{\"containers\":[{"
              "\"name\":\"c\",\"image\":\"i\",\"ports\":[{\"name\":\"http\","
              "\"containerPort\":%u}]}]},\"status\":{\"podIP\":\"%s\"}}",
              i, i % 2, rv, apps[f % 3], f & 8 ? 80 : 53,
              ips[(f >> 4) % (sizeof(ips) / sizeof(ips[0]))]);
}

static void gen_pol(struct gen *g, unsigned i, struct fz_buf *t, unsigned rv)
{
    uint8_t f = fz_u8(&g->in), h = fz_u8(&g->in);
    fz_printf(t,
              "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":"
              "\"NetworkPolicy\",\"metadata\":{\"name\":\"q%u\",\"namespace\":"
              "\"n%u\",\"resourceVersion\":\"%u\"},\"spec\":{\"podSelector\":"
              "{\"matchLabels\":{\"app\":\"%s\"}},\"policyTypes\":[%s],"
              "\"ingress\":[{\"from\":[{%s\"podSelector\":{\"matchLabels\":{"
              "\"app\":\"%s\"}}}],\"ports\":[{\"port\":%s}]}],\"egress\":[{"
              "\"to\":[{\"ipBlock\":{\"cidr\":\"10.0.0.0/30\"}}]}]}}",
              i, i % 2, rv, apps[f % 3],
              f & 4 ? "\"Ingress\",\"Egress\"" : "\"Ingress\"",
              h & 1 ? "\"namespaceSelector\":{}," : "", apps[(h >> 1) % 3],
              h & 8 ? "\"http\"" : "80");
}

static int order_cmp(const void *x, const void *y)
{
    const struct obj *a = *(const struct obj *const *)x;
    const struct obj *b = *(const struct obj *const *)y;
    return a->order < b->order ? -1 : a->order > b->order;
}

static kg_ruleset *scratch(struct gen *g)
{
    struct obj *v[N_PODS + N_POLS];
    size_t n = 0;
    for (int i = 0; i < N_PODS; i++)
        if (g->pods[i].text.n)
            v[n++] = &g->pods[i];
    for (int i = 0; i < N_POLS; i++)
        if (g->pols[i].text.n)
            v[n++] = &g->pols[i];
    qsort(v, n, sizeof(v[0]), order_cmp);
    struct fz_buf t = {0};
    fz_printf(&t, "---\n");
    for (size_t i = 0; i < n; i++) {
        fz_put(&t, v[i]->text.p, v[i]->text.n);
        fz_printf(&t, "\n---\n");
    }
    kg_builder *b = kg_builder_new(NULL);
    FZ_CHECK(b != NULL);
    FZ_CHECK(kg_builder_add_buffer(b, "scratch", t.p, t.n) == 0);
    kg_ruleset *rs = NULL;
    FZ_CHECK(kg_builder_compile(b, &rs) == 0);
    kg_builder_free(b);
    fz_free(&t);
    return rs;
}

/* One event into ev, the model following what the builder must do. */
static void gen_event(struct gen *g, struct fz_buf *ev)
{
    uint8_t op = fz_u8(&g->in);
    bool pol = op & 1;
    unsigned i = (op >> 1) % (pol ? N_POLS : N_PODS);
    struct obj *o = pol ? &g->pols[i] : &g->pods[i];
    unsigned kind = (op >> 4) % 8;
    if (kind == 7) { /* malformed: changes nothing */
        fz_printf(ev, "{\"type\":\"%s\",\"object\":%s}\n",
                  op & 2 ? "UPDATED" : "ADDED", op & 4 ? "[]" : "{\"kind\":1}");
        return;
    }
    if (kind == 6) {
        fz_printf(ev,
                  "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{"
                  "\"resourceVersion\":\"%u\"}}}\n",
                  ++g->rv);
        return;
    }
    /* 0-3 add/modify, 4 delete, 5 a replay at the object's version */
    bool del = kind == 4;
    unsigned rv = kind == 5 ? o->rv : ++g->rv;
    struct fz_buf t = {0};
    if (pol)
        gen_pol(g, i, &t, rv);
    else
        gen_pod(g, i, &t, rv);
    fz_printf(ev, "{\"type\":\"%s\",\"object\":%s}\n",
              del         ? "DELETED"
              : o->text.n ? "MODIFIED"
                          : "ADDED",
              t.p);
    bool stale = kind == 5 && o->text.n;
    if (stale) {
        fz_free(&t);
        return;
    }
    fz_free(&o->text);
    if (del) {
        fz_free(&t);
    } else {
        o->text = t;
        o->order = ++g->clock;
    }
    o->rv = rv;
}

static void generated(const uint8_t *data, size_t size)
{
    struct gen g;
    memset(&g, 0, sizeof(g));
    g.in.p = data;
    g.in.n = size;
    kg_builder *b = kg_builder_new(NULL);
    FZ_CHECK(b != NULL);
    for (int round = 0; round < 16 && g.in.n; round++) {
        struct fz_buf ev = {0};
        unsigned n = 1 + fz_u8(&g.in) % 4;
        for (unsigned k = 0; k < n; k++)
            gen_event(&g, &ev);
        int rc = kg_builder_apply_events(b, "gen", ev.p, ev.n, NULL);
        FZ_CHECK(rc == 0 || rc == KG_ECOMPILE);
        fz_check_diagnostics(kg_builder_diagnostics(b));
        fz_free(&ev);
        kg_ruleset *rs = NULL;
        FZ_CHECK(kg_builder_compile(b, &rs) == 0);
        kg_ruleset *ref = scratch(&g);
        flows_equal(rs, ref);
        kg_ruleset_unref(rs);
        kg_ruleset_unref(ref);
    }
    kg_builder_free(b);
    for (int i = 0; i < N_PODS; i++)
        fz_free(&g.pods[i].text);
    for (int i = 0; i < N_POLS; i++)
        fz_free(&g.pols[i].text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size && data[0] < 0x09)
        generated(data + 1, size - 1);
    else
        text_stream(data, size);
    return 0;
}
