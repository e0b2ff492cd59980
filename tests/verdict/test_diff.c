// SPDX-License-Identifier: MIT
/*
 * test_diff.c - differential test: kg_check (compiled tables) against the
 * reference evaluator (reference.c, selectors evaluated per flow) on random
 * clusters, policies, options and flows. Deterministic seed; at least
 * 1,000,000 flows per run at scale 1 (KGRESS_TEST_SCALE scales it down for
 * valgrind).
 *
 * The generator draws from small vocabularies so that collisions happen
 * often: labels shared by pods and namespaces, IPs reused by several pods
 * (stale dumps), hostNetwork pods on node IPs, named ports with different
 * numbers and protocols on different pods, ipBlocks cut around pod IPs
 * with nested excepts, IPv4 and IPv6, every selector operator, endPort
 * ranges, empty and missing rule lists. Every option flag is drawn per
 * cluster, and so is the CIDR-table representation (range array or LPM),
 * so both are checked against the same truth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "policy/cidrtab.h"
#include "reference.h"
#include "vtest.h"

#define CLUSTERS 500
#define FLOWS_PER_CLUSTER 2000

static const char *const ns_names[] = {"n0", "n1", "n2", "n3"};
static const char *const pod_keys[] = {"app", "tier", "x"};
static const char *const pod_vals[] = {"a0", "a1", "a2", ""};
static const char *const ns_keys[] = {"team", "env"};
static const char *const ns_vals[] = {"t0", "t1", "e0"};
static const char *const port_names[] = {"http", "dns", "web", "nope"};
static const unsigned port_nums[] = {53, 80, 81, 8080, 1, 65535};
static const char *const protos[] = {"TCP", "UDP", "SCTP"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct gen {
    uint64_t rng;
    struct tbuf y;
    unsigned n_ns;
    /* address pool for flows */
    char addrs[96][48];
    unsigned n_addrs;
};

static void add_addr(struct gen *g, const char *a)
{
    for (unsigned i = 0; i < g->n_addrs; i++)
        if (strcmp(g->addrs[i], a) == 0)
            return;
    if (g->n_addrs < N(g->addrs))
        snprintf(g->addrs[g->n_addrs++], sizeof(g->addrs[0]), "%s", a);
}

static void gen_selector(struct gen *g, const char *indent, bool ns)
{
    uint64_t *r = &g->rng;
    const char *const *keys = ns ? ns_keys : pod_keys;
    size_t nk = ns ? N(ns_keys) : N(pod_keys);
    const char *const *vals = ns ? ns_vals : pod_vals;
    size_t nv = ns ? N(ns_vals) : N(pod_vals);
    if (vchance(r, 25)) {
        tbuf_printf(&g->y, " {}\n");
        return;
    }
    tbuf_printf(&g->y, "\n");
    if (vchance(r, 60)) {
        tbuf_printf(&g->y, "%s  matchLabels:\n", indent);
        unsigned n = 1 + vrnd(r, 2);
        unsigned used = 0;
        for (unsigned i = 0; i < n; i++) {
            unsigned k = vrnd(r, (unsigned)nk);
            if (used & (1u << k))
                continue;
            used |= 1u << k;
            tbuf_printf(&g->y, "%s    %s: \"%s\"\n", indent, keys[k],
                        vals[vrnd(r, (unsigned)nv)]);
        }
        if (ns && vchance(r, 30) && !(used & 4))
            tbuf_printf(&g->y, "%s    kubernetes.io/metadata.name: %s\n",
                        indent, ns_names[vrnd(r, 4)]);
    }
    if (vchance(r, 50)) {
        tbuf_printf(&g->y, "%s  matchExpressions:\n", indent);
        unsigned n = 1 + vrnd(r, 2);
        for (unsigned i = 0; i < n; i++) {
            const char *key = keys[vrnd(r, (unsigned)nk)];
            if (ns && vchance(r, 30))
                key = "kubernetes.io/metadata.name";
            unsigned op = vrnd(r, 4);
            static const char *const ops[] = {"In", "NotIn", "Exists",
                                              "DoesNotExist"};
            tbuf_printf(&g->y, "%s  - key: %s\n%s    operator: %s\n", indent,
                        key, indent, ops[op]);
            if (op < 2) {
                tbuf_printf(&g->y, "%s    values: [", indent);
                unsigned nvs = 1 + vrnd(r, 2);
                for (unsigned k = 0; k < nvs; k++) {
                    const char *v =
                        strcmp(key, "kubernetes.io/metadata.name") == 0
                            ? ns_names[vrnd(r, 4)]
                            : vals[vrnd(r, (unsigned)nv)];
                    tbuf_printf(&g->y, "%s\"%s\"", k ? ", " : "", v);
                }
                tbuf_printf(&g->y, "]\n");
            }
        }
    }
    /* neither branch taken: an explicit empty map */
    if (g->y.n && g->y.p[g->y.n - 1] == '\n' && g->y.n >= 2 &&
        memcmp(g->y.p + g->y.n - 2, ":\n", 2) == 0) {
        g->y.n--;
        tbuf_printf(&g->y, " {}\n");
    }
}

static void gen_labels(struct gen *g, const char *const *keys, size_t nk,
                       const char *const *vals, size_t nv)
{
    uint64_t *r = &g->rng;
    tbuf_printf(&g->y, "  labels: {");
    bool first = true;
    for (size_t k = 0; k < nk; k++) {
        if (!vchance(r, 55))
            continue;
        tbuf_printf(&g->y, "%s%s: \"%s\"", first ? "" : ", ", keys[k],
                    vals[vrnd(r, (unsigned)nv)]);
        first = false;
    }
    tbuf_printf(&g->y, "}\n");
}

static void gen_cidr(struct gen *g, bool v6, char *out, size_t cap,
                     unsigned *len)
{
    uint64_t *r = &g->rng;
    if (!v6) {
        static const struct {
            const char *base;
            unsigned len;
        } c4[] = {{"0.0.0.0", 0},      {"10.0.0.0", 8},  {"10.0.0.0", 16},
                  {"10.0.0.0", 24},    {"10.0.1.0", 24}, {"10.0.0.0", 23},
                  {"192.168.0.0", 24}, {"8.8.8.0", 24}};
        unsigned k = vrnd(r, N(c4) + 3);
        if (k < N(c4)) {
            snprintf(out, cap, "%s/%u", c4[k].base, c4[k].len);
            *len = c4[k].len;
        } else {
            unsigned l = 28 + vrnd(r, 5);
            unsigned host = 1 + vrnd(r, 14);
            host &= ~((1u << (32 - l)) - 1);
            snprintf(out, cap, "10.0.%u.%u/%u", vrnd(r, 2), host, l);
            *len = l;
        }
        return;
    }
    static const struct {
        const char *base;
        unsigned len;
    } c6[] = {{"::", 0}, {"fd00::", 8}, {"fd00::", 64}, {"fd00::", 120}};
    unsigned k = vrnd(r, N(c6) + 2);
    if (k < N(c6)) {
        snprintf(out, cap, "%s/%u", c6[k].base, c6[k].len);
        *len = c6[k].len;
    } else {
        unsigned l = 124 + vrnd(r, 5);
        unsigned host = 1 + vrnd(r, 14);
        host &= ~((1u << (128 - l)) - 1);
        snprintf(out, cap, "fd00::%x/%u", host, l);
        *len = l;
    }
}

/* An except strictly inside cidr (text c, length len). */
static bool gen_except(struct gen *g, const char *c, unsigned len, bool v6,
                       char *out, size_t cap)
{
    unsigned max = v6 ? 128 : 32;
    if (len >= max)
        return false;
    struct kg_addr a;
    const char *slash = strchr(c, '/');
    if (kg_addr_parse(c, (size_t)(slash - c), &a))
        return false;
    unsigned l = len + 1 + vrnd(&g->rng, max - len);
    /* pick host bits near the pool: low bits random within 0..15, or the
     * whole range */
    unsigned bytes = v6 ? 16 : 4;
    uint8_t *b = a.bytes;
    for (unsigned bit = len; bit < l; bit++) {
        bool one = (bit >= max - 4 || bit == max - 9 || bit == max - 24)
                       ? vchance(&g->rng, 50)
                       : vchance(&g->rng, 5);
        if (one)
            b[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
    }
    for (unsigned bit = l; bit < bytes * 8; bit++)
        b[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
    char txt[64];
    if (v6) {
        /* minimal IPv6 text: 8 groups */
        snprintf(txt, sizeof(txt), "%x:%x:%x:%x:%x:%x:%x:%x", b[0] << 8 | b[1],
                 b[2] << 8 | b[3], b[4] << 8 | b[5], b[6] << 8 | b[7],
                 b[8] << 8 | b[9], b[10] << 8 | b[11], b[12] << 8 | b[13],
                 b[14] << 8 | b[15]);
    } else {
        snprintf(txt, sizeof(txt), "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    }
    snprintf(out, cap, "%s/%u", txt, l);
    return true;
}

static void gen_rules(struct gen *g, const char *dir)
{
    uint64_t *r = &g->rng;
    unsigned k = vrnd(r, 10);
    if (k == 0)
        return; /* absent */
    if (k == 1) {
        tbuf_printf(&g->y, "  %s: []\n", dir);
        return;
    }
    tbuf_printf(&g->y, "  %s:\n", dir);
    const char *peer_key = strcmp(dir, "ingress") == 0 ? "from" : "to";
    unsigned nr = 1 + vrnd(r, 3);
    for (unsigned i = 0; i < nr; i++) {
        tbuf_printf(&g->y, "  -");
        bool any_field = false;
        unsigned pk = vrnd(r, 10);
        if (pk == 1) {
            tbuf_printf(&g->y, " %s: []\n", peer_key);
            any_field = true;
        } else if (pk >= 2) {
            tbuf_printf(&g->y, " %s:\n", peer_key);
            any_field = true;
            unsigned np = 1 + vrnd(r, 3);
            for (unsigned p = 0; p < np; p++) {
                unsigned kind = vrnd(r, 4);
                if (kind == 0 || kind == 2) {
                    tbuf_printf(&g->y, "    - podSelector:");
                    gen_selector(g, "      ", false);
                }
                if (kind == 1 || kind == 2) {
                    tbuf_printf(&g->y, "    %snamespaceSelector:",
                                kind == 2 ? "  " : "- ");
                    gen_selector(g, "      ", true);
                }
                if (kind == 3) {
                    bool v6 = vchance(r, 30);
                    char c[80], e[80];
                    unsigned len;
                    gen_cidr(g, v6, c, sizeof(c), &len);
                    tbuf_printf(&g->y, "    - ipBlock:\n        cidr: \"%s\"\n",
                                c);
                    unsigned ne = vrnd(r, 3);
                    bool first = true;
                    for (unsigned x = 0; x < ne; x++) {
                        if (!gen_except(g, c, len, v6, e, sizeof(e)))
                            continue;
                        tbuf_printf(&g->y, "%s          - \"%s\"\n",
                                    first ? "        except:\n" : "", e);
                        first = false;
                    }
                }
            }
        }
        unsigned ptk = vrnd(r, 10);
        if (ptk >= 3) {
            tbuf_printf(&g->y, "%sports:\n", any_field ? "    " : " ");
            any_field = true;
            unsigned np = 1 + vrnd(r, 3);
            for (unsigned p = 0; p < np; p++) {
                tbuf_printf(&g->y, "    - {");
                bool comma = false;
                if (vchance(r, 80)) {
                    tbuf_printf(&g->y, "protocol: %s", protos[vrnd(r, 3)]);
                    comma = true;
                }
                unsigned kind = vrnd(r, 10);
                if (kind >= 2 && kind < 6) {
                    unsigned port = port_nums[vrnd(r, N(port_nums))];
                    tbuf_printf(&g->y, "%sport: %u", comma ? ", " : "", port);
                    if (vchance(r, 40)) {
                        unsigned end = port + vrnd(r, 30);
                        if (end > 65535)
                            end = 65535;
                        tbuf_printf(&g->y, ", endPort: %u", end);
                    }
                } else if (kind >= 6) {
                    tbuf_printf(&g->y, "%sport: %s", comma ? ", " : "",
                                port_names[vrnd(r, N(port_names))]);
                }
                tbuf_printf(&g->y, "}\n");
            }
        } else if (ptk == 1) {
            tbuf_printf(&g->y, "%sports: []\n", any_field ? "    " : " ");
            any_field = true;
        }
        if (!any_field)
            tbuf_printf(&g->y, " {}\n");
    }
}

static void gen_cluster(struct gen *g)
{
    uint64_t *r = &g->rng;
    g->y.n = 0;
    g->n_addrs = 0;
    g->n_ns = 1 + vrnd(r, 4);
    for (unsigned i = 0; i < g->n_ns; i++) {
        if (!vchance(r, 80))
            continue; /* a namespace known only through its pods */
        tbuf_printf(&g->y,
                    "---\napiVersion: v1\nkind: Namespace\nmetadata:\n"
                    "  name: %s\n",
                    ns_names[i]);
        gen_labels(g, ns_keys, N(ns_keys), ns_vals, N(ns_vals));
    }
    unsigned n_pods = 1 + vrnd(r, 12);
    for (unsigned i = 0; i < n_pods; i++) {
        tbuf_printf(&g->y,
                    "---\napiVersion: v1\nkind: Pod\nmetadata:\n"
                    "  name: p%u\n  namespace: %s\n",
                    i, ns_names[vrnd(r, g->n_ns)]);
        gen_labels(g, pod_keys, N(pod_keys), pod_vals, N(pod_vals));
        bool hostnet = vchance(r, 10);
        char host[32];
        snprintf(host, sizeof(host), "192.168.0.%u", 1 + vrnd(r, 2));
        add_addr(g, host);
        tbuf_printf(&g->y,
                    "spec:\n%s  containers:\n  - name: c\n    image: i\n",
                    hostnet ? "  hostNetwork: true\n" : "");
        unsigned nports = vrnd(r, 4);
        if (nports) {
            tbuf_printf(&g->y, "    ports:\n");
            unsigned used = 0;
            for (unsigned p = 0; p < nports; p++) {
                unsigned nm = vrnd(r, 4);
                bool named = nm < 3 && !(used & (1u << nm));
                if (named)
                    used |= 1u << nm;
                tbuf_printf(&g->y, "    - {containerPort: %u, protocol: %s",
                            port_nums[vrnd(r, 4)], protos[vrnd(r, 3)]);
                if (named)
                    tbuf_printf(&g->y, ", name: %s", port_names[nm]);
                tbuf_printf(&g->y, "}\n");
            }
        }
        tbuf_printf(&g->y, "status:\n  hostIP: %s\n", host);
        if (hostnet) {
            tbuf_printf(&g->y, "  podIP: %s\n  podIPs: [{ip: %s}]\n", host,
                        host);
            continue;
        }
        unsigned fam = vrnd(r, 10);
        if (fam == 0)
            continue; /* no IP yet */
        char v4[32], v6[48];
        snprintf(v4, sizeof(v4), "10.0.%u.%u", vrnd(r, 2), 1 + vrnd(r, 14));
        snprintf(v6, sizeof(v6), "fd00::%x", 1 + vrnd(r, 14));
        if (fam == 1) {
            tbuf_printf(&g->y, "  podIP: \"%s\"\n  podIPs: [{ip: \"%s\"}]\n",
                        v6, v6);
            add_addr(g, v6);
        } else if (fam <= 4) {
            tbuf_printf(&g->y,
                        "  podIP: %s\n  podIPs: [{ip: %s}, {ip: \"%s\"}]\n", v4,
                        v4, v6);
            add_addr(g, v4);
            add_addr(g, v6);
        } else {
            tbuf_printf(&g->y, "  podIP: %s\n", v4);
            add_addr(g, v4);
        }
    }
    unsigned n_pols = vrnd(r, 7);
    for (unsigned i = 0; i < n_pols; i++) {
        tbuf_printf(&g->y,
                    "---\napiVersion: networking.k8s.io/v1\n"
                    "kind: NetworkPolicy\nmetadata:\n  name: np%u\n"
                    "  namespace: %s\nspec:\n  podSelector:",
                    i, ns_names[vrnd(r, g->n_ns)]);
        gen_selector(g, "  ", false);
        static const char *const types[] = {
            "", "  policyTypes: [Ingress]\n", "  policyTypes: [Egress]\n",
            "  policyTypes: [Ingress, Egress]\n", "  policyTypes: []\n"};
        tbuf_printf(&g->y, "%s", types[vrnd(r, 5)]);
        gen_rules(g, "ingress");
        gen_rules(g, "egress");
    }
    static const char *const extra[] = {
        "10.0.0.1",    "10.0.0.9", "10.0.1.7", "10.0.0.15",      "8.8.8.8",
        "192.168.0.3", "10.1.0.1", "fd00::3",  "fd00::10",       "fd00::ffff",
        "2001:db8::1", "::1",      "0.0.0.0",  "255.255.255.255"};
    for (size_t i = 0; i < N(extra); i++)
        add_addr(g, extra[i]);
}

static int flags_of(uint64_t bits, kg_options *o)
{
    kg_options_set_flag(o, KG_FLAG_IPBLOCK_MATCHES_PODS, !(bits & 1));
    kg_options_set_flag(o, KG_FLAG_SELECT_HOSTNETWORK, (bits & 2) != 0);
    kg_options_set_flag(o, KG_FLAG_ALLOW_NODE_INGRESS, !(bits & 4));
    kg_options_set_flag(o, KG_FLAG_ALLOW_LOOPBACK, !(bits & 8));
    return 0;
}

static const char *ref_pod_name(const struct ref *r, long i, char *buf,
                                size_t cap)
{
    if (i < 0)
        return NULL;
    const struct kgi_meta *m = &r->pods[i].meta;
    snprintf(buf, cap, "%.*s/%.*s", (int)m->ns.n, m->ns.p, (int)m->name.n,
             m->name.p);
    return buf;
}

static const char *ref_pol_name(const struct ref *r, long i, char *buf,
                                size_t cap)
{
    if (i < 0)
        return NULL;
    const struct kgi_meta *m = &r->pols[i].meta;
    snprintf(buf, cap, "%.*s/%.*s", (int)m->ns.n, m->ns.p, (int)m->name.n,
             m->name.p);
    return buf;
}

static bool str_same(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

/* Compares a compiled side with the reference side; prints on mismatch. */
static bool same_side(const struct ref *r, const char *what,
                      const struct kg_side *c, const struct ref_side *e)
{
    char pb[256], qb[256];
    const char *pod = ref_pod_name(r, e->pod, pb, sizeof(pb));
    const char *pol = ref_pol_name(r, e->policy, qb, sizeof(qb));
    if (c->allowed == e->allowed && c->reason == e->reason &&
        str_same(c->pod_name, pod) && str_same(c->policy, pol) &&
        c->rule == e->rule && c->policies == e->policies)
        return true;
    fprintf(stderr,
            "%s: compiled allowed=%d reason=%s pod=%s policy=%s rule=%d "
            "policies=%u\n   reference allowed=%d reason=%s pod=%s policy=%s "
            "rule=%d policies=%u\n",
            what, c->allowed, kg_reason_name(c->reason),
            c->pod_name ? c->pod_name : "-", c->policy ? c->policy : "-",
            c->rule, c->policies, e->allowed, kg_reason_name(e->reason),
            pod ? pod : "-", pol ? pol : "-", e->rule, e->policies);
    return false;
}

/* kg_check_batch on a cluster's flows must give each flow's kg_check
 * verdict, byte for byte; a few invalid flows (port 65536) mixed in must
 * leave their verdicts untouched and make the call return KG_EINVAL. */
struct batch {
    struct kg_flow *f;
    struct kg_verdict *want;
    size_t n, bad;
};

static void batch_init(struct batch *b, unsigned cap)
{
    b->f = calloc(cap, sizeof(*b->f));
    b->want = calloc(cap, sizeof(*b->want));
    assert_true(b->f && b->want);
    b->n = b->bad = 0;
}

static void batch_add(struct batch *b, uint64_t *rng, const struct kg_addr *s,
                      const struct kg_addr *d, int proto, unsigned port,
                      const struct kg_verdict *v)
{
    struct kg_flow *f = &b->f[b->n];
    f->size = sizeof(*f);
    f->src = *s;
    f->dst = *d;
    f->protocol = proto;
    f->port = port;
    b->want[b->n] = *v;
    if (vrnd(rng, 500) == 0) { /* invalid: the verdict stays as it was */
        f->port = 65536;
        memset(&b->want[b->n], 0x5a, sizeof(b->want[b->n]));
        b->want[b->n].size = sizeof(b->want[b->n]);
        b->bad++;
    }
    b->n++;
}

static void batch_check(struct batch *b, const kg_ruleset *rs)
{
    struct kg_verdict *got = malloc((b->n + 1) * sizeof(*got));
    assert_non_null(got);
    for (size_t i = 0; i < b->n; i++) {
        memset(&got[i], 0, sizeof(got[i]));
        if (b->f[i].port > 65535)
            memset(&got[i], 0x5a, sizeof(got[i]));
        got[i].size = sizeof(got[i]);
    }
    int rc = kg_check_batch(rs, b->f, b->n, got);
    assert_int_equal(rc, b->bad ? KG_EINVAL : 0);
    for (size_t i = 0; i < b->n; i++) {
        if (memcmp(&got[i], &b->want[i], sizeof(got[i])) != 0) {
            fprintf(stderr, "kg_check_batch: flow %zu of %zu differs\n", i,
                    b->n);
            fail();
        }
    }
    free(got);
}

static void batch_free(struct batch *b)
{
    free(b->f);
    free(b->want);
}

static void test_differential(void **state)
{
    (void)state;
    struct gen g;
    memset(&g, 0, sizeof(g));
    g.rng = 0x6b67726573735f31ull; /* "kgress_1" */
    double scale = vscale();
    unsigned clusters = (unsigned)(CLUSTERS * (scale < 1 ? scale : 1));
    unsigned flows = (unsigned)(FLOWS_PER_CLUSTER * (scale > 1 ? scale : 1));
    if (clusters < 5)
        clusters = 5;
    size_t total = 0, sides = 0, loaded = 0, denied = 0, lpm_tables = 0;
    size_t saved_min = kgi_cidrtab_lpm_min;
    for (unsigned cl = 0; cl < clusters; cl++) {
        gen_cluster(&g);
        uint64_t bits = vrand(&g.rng);
        kg_options *o = kg_options_new();
        assert_non_null(o);
        flags_of(bits, o);
        /* both CIDR-table representations against the same truth */
        kgi_cidrtab_lpm_min = (bits & 16) ? 0 : saved_min;
        lpm_tables += (bits & 16) != 0;
        kg_ruleset *rs = vcompile(g.y.p, g.y.n, o);
        struct ref ref;
        int rrc = ref_load(&ref, o, g.y.p, g.y.n);
        if (!rs || rrc) {
            /* the generator aims at valid objects; both sides must agree */
            if ((rs != NULL) != (rrc == 0))
                fprintf(stderr, "load disagreement on:\n%s\n", g.y.p);
            assert_true((rs != NULL) == (rrc == 0));
            kg_ruleset_unref(rs);
            ref_free(&ref);
            kg_options_free(o);
            continue;
        }
        loaded++;
        struct batch bt;
        batch_init(&bt, flows);
        for (unsigned f = 0; f < flows; f++) {
            const char *src = g.addrs[vrnd(&g.rng, g.n_addrs)];
            const char *dst = g.addrs[vrnd(&g.rng, g.n_addrs)];
            static const unsigned ports[] = {0,  1,  53,   54,    80,
                                             81, 82, 8080, 65535, 100};
            unsigned port = ports[vrnd(&g.rng, N(ports))];
            const char *proto = protos[vrnd(&g.rng, 3)];
            struct kg_verdict v = vcheck(rs, src, dst, port, proto);
            struct kg_addr sa, da;
            kg_addr_parse(src, strlen(src), &sa);
            kg_addr_parse(dst, strlen(dst), &da);
            batch_add(&bt, &g.rng, &sa, &da,
                      kg_protocol_parse(proto, strlen(proto)), port, &v);
            struct kgi_ip si = {sa.family, {0}}, di = {da.family, {0}};
            memcpy(si.b, sa.bytes, 16);
            memcpy(di.b, da.bytes, 16);
            struct ref_side re, ri;
            int pn = kg_protocol_parse(proto, strlen(proto));
            bool ok = ref_check(&ref, &si, &di, pn, port, &re, &ri);
            bool same = v.allowed == ok;
            same = same_side(&ref, "egress", &v.egress, &re) && same;
            same = same_side(&ref, "ingress", &v.ingress, &ri) && same;
            if (!same) {
                fprintf(stderr,
                        "cluster %u flow %s -> %s %u/%s: compiled %d, "
                        "reference %d; options %llx\n%s\n",
                        cl, src, dst, port, proto, v.allowed, ok,
                        (unsigned long long)(bits & 31), g.y.p);
                fail();
            }
            denied += !ok;
            total++;
            /* the per-pod call of a sidecar, for a random pod */
            if (ref.n_pods && (f & 7) == 0) {
                long pi = (long)vrnd(&g.rng, (unsigned)ref.n_pods);
                const struct kgi_meta *m = &ref.pods[pi].meta;
                uint32_t id;
                assert_int_equal(kg_pod_find(rs, m->ns.p, m->ns.n, m->name.p,
                                             m->name.n, &id),
                                 0);
                int dir = (int)vrnd(&g.rng, 2);
                struct kg_side cs;
                assert_int_equal(kg_check_side(rs, id, dir, &da, pn, port, &cs),
                                 0);
                struct ref_side rsd;
                ref_side(&ref, pi, dir, &di, pn, port, &rsd);
                if (!same_side(&ref, dir ? "side egress" : "side ingress", &cs,
                               &rsd)) {
                    fprintf(stderr, "cluster %u pod %ld peer %s %u/%s\n%s\n",
                            cl, pi, dst, port, proto, g.y.p);
                    fail();
                }
                sides++;
            }
        }
        batch_check(&bt, rs);
        batch_free(&bt);
        kg_ruleset_unref(rs);
        ref_free(&ref);
        kg_options_free(o);
    }
    kgi_cidrtab_lpm_min = saved_min;
    tbuf_free(&g.y);
    fprintf(stderr,
            "differential: %u clusters (%zu loaded, %zu with LPM tables), "
            "%zu flows (%zu denied), %zu per-pod sides\n",
            clusters, loaded, lpm_tables, total, denied, sides);
    /* the generator must mostly produce valid clusters, and both verdicts */
    assert_true(loaded * 10 >= (size_t)clusters * 9);
    assert_true(denied > total / 20 && denied < total - total / 20);
    if (scale >= 1)
        assert_true(total >= 1000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
