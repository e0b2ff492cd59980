// SPDX-License-Identifier: MIT
/*
 * test_tiers_diff.c - differential test of the cluster tiers: kg_check
 * (compiled chains on the identity engine) against a linear reference
 * evaluator that walks every tier policy, rule and peer per flow, on
 * random clusters. Deterministic seed; 1,000,000 flows at scale 1
 * (KGRESS_TEST_SCALE scales it down for valgrind).
 *
 * The reference follows the API text directly (adminnetworkpolicy-
 * semantics rules 4-21): per side, the admin policies in (priority, kind,
 * name) order whose subject holds the pod, their rules in order, the
 * first whose ports and peers match decides (Pass: on to NetworkPolicy);
 * then NetworkPolicy (tests/verdict/reference.c: final when it isolates);
 * then the baseline policies likewise; then the default allow. Peers:
 * namespaces/pods match pods by labels, networks any address in a CIDR,
 * nodes the addresses of matching Nodes. It shares no table with the
 * library; only the object models are common (validated by their own
 * tests).
 *
 * Small vocabularies make collisions frequent: equal priorities across
 * kinds (ties, ordered by kind then name), Pass chains into NetworkPolicy
 * and the baseline, CIDRs over pod, node and external addresses in both
 * families, named ports of either protocol.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../common/tbuf.h"
#include "../verdict/reference.h"
#include "k8s/field.h"
#include "k8s/meta.h"
#include "kgress.h"
#include "policy/cnp_model.h"
#include "util/alloc.h"

#define CLUSTERS 400
#define FLOWS_PER_CLUSTER 2500

#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static unsigned pick(uint64_t *s, unsigned n)
{
    return (unsigned)(rnd(s) % n);
}

static const char *const teams[] = {"t0", "t1"};
static const char *const apps[] = {"a0", "a1", "a2"};
static const char *const roles[] = {"r0", "r1"};
static const char *const nets[] = {
    "10.0.0.0/16", "10.0.1.0/24",    "0.0.0.0/0",   "::/0",
    "fd00::/64",   "192.168.0.0/30", "10.0.2.7/32", "8.0.0.0/7"};

/* An address pool for flows: pods, nodes, outside. */
struct pool {
    char a[64][48];
    unsigned n;
};

static void sel_yaml(struct tbuf *y, uint64_t *s, const char *key,
                     const char *const *vals, unsigned nv)
{
    if (pick(s, 3) == 0)
        tbuf_printf(y, "{}");
    else
        tbuf_printf(y, "{matchLabels: {%s: %s}}", key, vals[pick(s, nv)]);
}

/* One tier rule: action, 1-2 peers, maybe ports. kind 0 ANP, 1 BANP, 2
 * CNP. */
static void rule_yaml(struct tbuf *y, uint64_t *s, int kind, bool ingress,
                      int idx)
{
    static const char *const anp_act[] = {"Allow", "Deny", "Pass"};
    static const char *const cnp_act[] = {"Accept", "Deny", "Pass"};
    const char *act =
        kind == 2 ? cnp_act[pick(s, 3)] : anp_act[pick(s, kind == 1 ? 2 : 3)];
    tbuf_printf(y, "  - name: r%d\n    action: %s\n    %s:\n", idx, act,
                ingress ? "from" : "to");
    unsigned np = 1 + pick(s, 2);
    bool addr_peer = false;
    for (unsigned k = 0; k < np; k++) {
        unsigned t = pick(s, ingress ? 2 : 4);
        if (t == 0) {
            tbuf_printf(y, "    - namespaces: ");
            sel_yaml(y, s, "team", teams, N(teams));
            tbuf_printf(y, "\n");
        } else if (t == 1) {
            tbuf_printf(y, "    - pods:\n        namespaceSelector: ");
            sel_yaml(y, s, "team", teams, N(teams));
            tbuf_printf(y, "\n        podSelector: ");
            sel_yaml(y, s, "app", apps, N(apps));
            tbuf_printf(y, "\n");
        } else if (t == 2) {
            unsigned a = pick(s, N(nets)), b = pick(s, N(nets));
            tbuf_printf(y, "    - networks: [\"%s\"%s%s%s]\n", nets[a],
                        a != b ? ", \"" : "", a != b ? nets[b] : "",
                        a != b ? "\"" : "");
            addr_peer = true;
        } else {
            tbuf_printf(y, "    - nodes: ");
            sel_yaml(y, s, "role", roles, N(roles));
            tbuf_printf(y, "\n");
            addr_peer = true;
        }
    }
    unsigned nport = pick(s, 3);
    if (!nport)
        return;
    tbuf_printf(y, "    %s:\n", kind == 2 ? "protocols" : "ports");
    for (unsigned k = 0; k < nport; k++) {
        unsigned t = pick(s, addr_peer ? 3 : 4);
        static const char *const lp[] = {"TCP", "UDP", "SCTP"};
        static const char *const cp[] = {"tcp", "udp", "sctp"};
        unsigned pr = pick(s, 3);
        static const unsigned nums[] = {53, 80, 8080};
        unsigned num = nums[pick(s, 3)];
        if (t == 3) {
            const char *nm = pick(s, 2) ? "web" : "dns";
            if (kind == 2)
                tbuf_printf(y, "    - destinationNamedPort: %s\n", nm);
            else
                tbuf_printf(y, "    - namedPort: %s\n", nm);
        } else if (t == 0 || t == 1) {
            if (kind == 2)
                tbuf_printf(y, "    - %s: {destinationPort: {number: %u}}\n",
                            cp[pr], num);
            else
                tbuf_printf(y, "    - portNumber: {protocol: %s, port: %u}\n",
                            lp[pr], num);
        } else {
            if (kind == 2)
                tbuf_printf(y,
                            "    - %s: {destinationPort: {range: {start: 50, "
                            "end: 81}}}\n",
                            cp[pr]);
            else
                tbuf_printf(y,
                            "    - portRange: {protocol: %s, start: 53, end: "
                            "80}\n",
                            lp[pr]);
        }
    }
}

static void policy_yaml(struct tbuf *y, uint64_t *s, int kind, int i)
{
    static const char *const kinds[] = {"AdminNetworkPolicy",
                                        "BaselineAdminNetworkPolicy",
                                        "ClusterNetworkPolicy"};
    char name[16];
    snprintf(name, sizeof(name), "p%d", 4 - i); /* unique; names order */
    tbuf_printf(y,
                "---\napiVersion: policy.networking.k8s.io/%s\nkind: %s\n"
                "metadata: {name: %s}\nspec:\n",
                kind == 2 ? (pick(s, 2) ? "v1alpha2" : "v1beta1") : "v1alpha1",
                kinds[kind], kind == 1 ? "default" : name);
    if (kind == 2)
        tbuf_printf(y, "  tier: %s\n", pick(s, 2) ? "Admin" : "Baseline");
    if (kind != 1)
        tbuf_printf(y, "  priority: %u\n", 1 + pick(s, 3));
    if (pick(s, 2)) {
        tbuf_printf(y, "  subject:\n    namespaces: ");
        sel_yaml(y, s, "team", teams, N(teams));
        tbuf_printf(y, "\n");
    } else {
        tbuf_printf(y, "  subject:\n    pods:\n      namespaceSelector: ");
        sel_yaml(y, s, "team", teams, N(teams));
        tbuf_printf(y, "\n      podSelector: ");
        sel_yaml(y, s, "app", apps, N(apps));
        tbuf_printf(y, "\n");
    }
    for (int dir = 0; dir < 2; dir++) {
        unsigned n = pick(s, 3);
        if (!n)
            continue;
        tbuf_printf(y, "  %s:\n", dir ? "egress" : "ingress");
        for (unsigned r = 0; r < n; r++)
            rule_yaml(y, s, kind, dir == 0, (int)r);
    }
}

static void cluster_yaml(struct tbuf *y, uint64_t *s, struct pool *pool)
{
    pool->n = 0;
    for (int n = 0; n < 3; n++)
        tbuf_printf(y,
                    "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: "
                    "n%d, labels: {team: %s}}\n",
                    n, teams[pick(s, 2)]);
    for (int p = 0; p < 10; p++) {
        int ns = (int)pick(s, 3);
        bool v6 = pick(s, 3) == 0;
        tbuf_printf(y,
                    "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p%d, "
                    "namespace: n%d, labels: {app: %s}}\nspec:\n  containers:\n"
                    "  - name: c\n    ports:\n",
                    p, ns, apps[pick(s, 3)]);
        if (pick(s, 2))
            tbuf_printf(y, "    - {name: web, containerPort: %u}\n",
                        pick(s, 2) ? 80 : 8080);
        if (pick(s, 2))
            tbuf_printf(y,
                        "    - {name: dns, containerPort: 53, protocol: %s}\n",
                        pick(s, 2) ? "UDP" : "TCP");
        tbuf_printf(y, "    - {containerPort: 1}\n");
        tbuf_printf(y, "status:\n  podIPs:\n  - ip: 10.0.%d.%d\n", ns / 2,
                    p + 5);
        snprintf(pool->a[pool->n++], 48, "10.0.%d.%d", ns / 2, p + 5);
        if (v6) {
            tbuf_printf(y, "  - ip: \"fd00::%x\"\n", p + 5);
            snprintf(pool->a[pool->n++], 48, "fd00::%x", p + 5);
        }
    }
    for (int n = 0; n < 2; n++) {
        tbuf_printf(y,
                    "---\napiVersion: v1\nkind: Node\nmetadata: {name: node%d, "
                    "labels: {role: %s}}\nstatus:\n  addresses:\n"
                    "  - {type: InternalIP, address: 192.168.0.%d}\n"
                    "  - {type: InternalIP, address: \"fd00:1::%d\"}\n",
                    n, roles[pick(s, 2)], n + 1, n + 1);
        snprintf(pool->a[pool->n++], 48, "192.168.0.%d", n + 1);
        snprintf(pool->a[pool->n++], 48, "fd00:1::%d", n + 1);
    }
    snprintf(pool->a[pool->n++], 48, "8.8.8.8");
    snprintf(pool->a[pool->n++], 48, "2001:db8::1");
    snprintf(pool->a[pool->n++], 48, "10.0.2.7");
    /* NetworkPolicies: isolate some pods so Pass has somewhere to go */
    unsigned n_np = pick(s, 3);
    for (unsigned i = 0; i < n_np; i++) {
        tbuf_printf(y,
                    "---\napiVersion: networking.k8s.io/v1\nkind: "
                    "NetworkPolicy\nmetadata: {name: np%u, namespace: n%u}\n"
                    "spec:\n  podSelector: ",
                    i, pick(s, 3));
        sel_yaml(y, s, "app", apps, N(apps));
        tbuf_printf(y, "\n  policyTypes: [%s]\n",
                    pick(s, 2) ? "Ingress" : "Ingress, Egress");
        for (int dir = 0; dir < 2; dir++) {
            if (pick(s, 2) == 0)
                continue;
            tbuf_printf(y, "  %s:\n  - %s:\n    - namespaceSelector: ",
                        dir ? "egress" : "ingress", dir ? "to" : "from");
            sel_yaml(y, s, "team", teams, N(teams));
            tbuf_printf(y, "\n");
        }
    }
    unsigned n_pol = pick(s, 5);
    bool banp = false;
    for (unsigned i = 0; i < n_pol; i++) {
        int kind = (int)pick(s, 3);
        if (kind == 1 && banp)
            kind = 0;
        banp = banp || kind == 1;
        policy_yaml(y, s, kind, (int)i);
    }
}

/* ----------------------------------------------------------- reference */

struct tref {
    struct kg_options opts;
    struct kgi_arena arena;
    struct kgi_objects objs;
    struct kg_diagnostics diags;
    struct kgi_cnp_policy pols[8];
    size_t n_pols;
    struct kgi_k8s_node nodes[4];
    size_t n_nodes;
};

static bool str_eq(struct kgi_str a, struct kgi_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* matchLabels only (what the generator writes); {} matches all. */
static bool sel_ok(const struct kgi_selector *s, const struct kgi_kvs *l,
                   struct kgi_str ns_name)
{
    for (size_t i = 0; i < s->match_labels.n; i++) {
        bool found = false;
        for (size_t k = 0; l && k < l->n; k++)
            found =
                found || (str_eq(l->v[k].key, s->match_labels.v[i].key) &&
                          str_eq(l->v[k].value, s->match_labels.v[i].value));
        if (!found && kgi_str_eq(s->match_labels.v[i].key, KGI_NS_NAME_LABEL))
            found = str_eq(ns_name, s->match_labels.v[i].value);
        if (!found)
            return false;
    }
    return true;
}

static const struct kgi_kvs *ns_of(const struct ref *r, struct kgi_str ns)
{
    for (size_t i = 0; i < r->n_ns; i++)
        if (str_eq(r->ns[i].meta.name, ns))
            return &r->ns[i].labels;
    return NULL;
}

static int kind_rank(int kind)
{
    /* "AdminNetworkPolicy" < "BaselineAdminNetworkPolicy" <
     * "ClusterNetworkPolicy" */
    return kind == KGI_KIND_ADMINNETWORKPOLICY           ? 0
           : kind == KGI_KIND_BASELINEADMINNETWORKPOLICY ? 1
                                                         : 2;
}

static int order_cmp(const void *x, const void *y)
{
    const struct kgi_cnp_policy *a = x, *b = y;
    if (a->tier != b->tier)
        return a->tier - b->tier;
    if (a->priority != b->priority)
        return a->priority < b->priority ? -1 : 1;
    if (kind_rank(a->meta.kind) != kind_rank(b->meta.kind))
        return kind_rank(a->meta.kind) - kind_rank(b->meta.kind);
    size_t n =
        a->meta.name.n < b->meta.name.n ? a->meta.name.n : b->meta.name.n;
    int c = memcmp(a->meta.name.p, b->meta.name.p, n);
    return c ? c : (int)a->meta.name.n - (int)b->meta.name.n;
}

static int tref_load(struct tref *t, const char *yaml, size_t len)
{
    memset(t, 0, sizeof(*t));
    kgi_options_defaults(&t->opts);
    kgi_arena_init(&t->arena);
    kgi_diag_init(&t->diags);
    if (kgi_yaml_load(&t->opts, "ref", yaml, len, &t->arena, &t->objs,
                      &t->diags))
        return -1;
    for (size_t i = 0; i < t->objs.n; i++) {
        struct kgi_ctx c;
        struct kgi_meta m;
        kgi_ctx_init(&c, &t->diags, &t->arena, &t->opts, "ref");
        int kind = kgi_meta_kind(&c, t->objs.v[i].root);
        if (kind == KGI_KIND_NODE) {
            if (!kgi_meta_read(&c, t->objs.v[i].root, kind, &m) ||
                !kgi_k8s_node_read(&c, &m, &t->nodes[t->n_nodes++]))
                return -1;
        } else if (kind == KGI_KIND_CLUSTERNETWORKPOLICY ||
                   kind == KGI_KIND_ADMINNETWORKPOLICY ||
                   kind == KGI_KIND_BASELINEADMINNETWORKPOLICY) {
            if (!kgi_meta_read(&c, t->objs.v[i].root, kind, &m) ||
                !kgi_cnp_read(&c, &m, &t->pols[t->n_pols++]) || c.errors)
                return -1;
        }
    }
    qsort(t->pols, t->n_pols, sizeof(*t->pols), order_cmp);
    return 0;
}

static void tref_free(struct tref *t)
{
    kgi_free(t->objs.v);
    kgi_diag_release(&t->diags);
    kgi_arena_release(&t->arena);
}

static bool port_ok(const struct kgi_cnp_rule *ru, const struct kgi_pod *dst,
                    int proto, unsigned port)
{
    if (!ru->n_ports)
        return true;
    for (size_t k = 0; k < ru->n_ports; k++) {
        const struct kgi_cnp_port *p = &ru->ports[k];
        if (p->name.n) {
            for (size_t i = 0; dst && i < dst->n_ports; i++)
                if (str_eq(dst->ports[i].name, p->name) &&
                    dst->ports[i].protocol == proto &&
                    dst->ports[i].port == port)
                    return true;
        } else if (p->protocol == proto && port >= p->lo && port <= p->hi) {
            return true;
        }
    }
    return false;
}

static bool peer_ok(const struct tref *t, const struct ref *r,
                    const struct kgi_cnp_peer *pe, const struct kgi_ip *ip,
                    long peer_pod)
{
    const struct kgi_pod *pp = peer_pod >= 0 ? &r->pods[peer_pod] : NULL;
    switch (pe->kind) {
    case KGI_CNP_PEER_NAMESPACES:
        return pp && sel_ok(&pe->ns_sel, ns_of(r, pp->meta.ns), pp->meta.ns);
    case KGI_CNP_PEER_PODS:
        return pp && sel_ok(&pe->ns_sel, ns_of(r, pp->meta.ns), pp->meta.ns) &&
               sel_ok(&pe->pod_sel, &pp->labels, pp->meta.ns);
    case KGI_CNP_PEER_NETWORKS:
        for (size_t i = 0; i < pe->n_nets; i++)
            if (kgi_cidr_has_ip(&pe->nets[i], ip))
                return true;
        return false;
    case KGI_CNP_PEER_NODES:
        for (size_t i = 0; i < t->n_nodes; i++) {
            if (!sel_ok(&pe->node_sel, &t->nodes[i].labels,
                        kgi_str_make("", 0)))
                continue;
            for (size_t k = 0; k < t->nodes[i].n_addrs; k++)
                if (kgi_ip_equal(&t->nodes[i].addrs[k], ip))
                    return true;
        }
        return false;
    default:
        return false; /* domainNames: no name in these flows */
    }
}

/* The tier's decision: 0 none/pass, else KGI_CNP_ALLOW/DENY with *pol and
 * *rule. */
static int tier_ref(const struct tref *t, const struct ref *r, int tier,
                    long pod, int dir, const struct kgi_ip *peer, int proto,
                    unsigned port, size_t *pol, int *rule)
{
    const struct kgi_pod *p = &r->pods[pod];
    long peer_pod = ref_owner(r, peer);
    const struct kgi_pod *dst = dir == KG_INGRESS ? p
                                : peer_pod >= 0   ? &r->pods[peer_pod]
                                                  : NULL;
    for (size_t i = 0; i < t->n_pols; i++) {
        const struct kgi_cnp_policy *cp = &t->pols[i];
        if (cp->tier != tier)
            continue;
        if (!sel_ok(&cp->subj_ns, ns_of(r, p->meta.ns), p->meta.ns) ||
            (cp->subj_pods && !sel_ok(&cp->subj_pod, &p->labels, p->meta.ns)))
            continue;
        for (size_t k = 0; k < cp->n_rules[dir]; k++) {
            const struct kgi_cnp_rule *ru = &cp->rules[dir][k];
            if (!port_ok(ru, dst, proto, port))
                continue;
            bool hit = false;
            for (size_t q = 0; q < ru->n_peers && !hit; q++)
                hit = peer_ok(t, r, &ru->peers[q], peer, peer_pod);
            if (!hit)
                continue;
            if (ru->action == KGI_CNP_PASS)
                return 0;
            *pol = i;
            *rule = (int)k;
            return ru->action;
        }
    }
    return 0;
}

struct want {
    bool allowed;
    int reason;
    const char *policy; /* name or "ns/name" */
    char buf[256];
    int rule;
    int tier; /* KG_TIER_* of the detail */
};

static void want_side(const struct tref *t, const struct ref *r, long pod,
                      int dir, const struct kgi_ip *peer, int proto,
                      unsigned port, struct want *w)
{
    struct ref_side s;
    ref_side(r, pod, dir, peer, proto, port, &s);
    w->allowed = s.allowed;
    w->reason = s.reason;
    w->rule = s.rule;
    w->policy = NULL;
    w->tier =
        s.reason == KG_REASON_NOT_ISOLATED ? KG_TIER_DEFAULT
        : s.reason == KG_REASON_ALLOWED_BY_RULE || s.reason == KG_REASON_NO_RULE
            ? KG_TIER_NETWORK_POLICY
            : KG_TIER_NONE;
    if (s.policy >= 0) {
        const struct kgi_np_policy *np = &r->pols[s.policy];
        snprintf(w->buf, sizeof(w->buf), "%.*s/%.*s", (int)np->meta.ns.n,
                 np->meta.ns.p, (int)np->meta.name.n, np->meta.name.p);
        w->policy = w->buf;
    }
    if (s.reason == KG_REASON_NOT_A_POD || s.reason == KG_REASON_HOST_NETWORK)
        return;
    if (ref_owner(r, peer) == pod) /* rule 13: loopback (flag on) */
        return;
    size_t pi;
    int ri, a;
    for (int tier = KGI_CNP_ADMIN; tier <= KGI_CNP_BASELINE; tier++) {
        if (tier == KGI_CNP_BASELINE && s.policies > 0)
            return; /* NetworkPolicy decided */
        if ((a = tier_ref(t, r, tier, pod, dir, peer, proto, port, &pi, &ri))) {
            w->allowed = a == KGI_CNP_ALLOW;
            w->reason = w->allowed ? KG_REASON_ALLOWED_BY_RULE
                                   : KG_REASON_DENIED_BY_RULE;
            snprintf(w->buf, sizeof(w->buf), "%.*s",
                     (int)t->pols[pi].meta.name.n, t->pols[pi].meta.name.p);
            w->policy = w->buf;
            w->rule = ri;
            w->tier = tier == KGI_CNP_ADMIN ? KG_TIER_ADMIN : KG_TIER_BASELINE;
            return;
        }
    }
}

static bool same(const struct kg_side *g, const struct kg_side_detail *d,
                 const struct want *w)
{
    if (g->allowed != w->allowed || g->reason != w->reason ||
        d->tier != w->tier)
        return false;
    if (!w->policy)
        return g->policy == NULL || g->reason == KG_REASON_NO_RULE;
    return g->policy && strcmp(g->policy, w->policy) == 0 && g->rule == w->rule;
}

static double test_scale(void)
{
    const char *s = getenv("KGRESS_TEST_SCALE");
    double v = s ? atof(s) : 1.0;
    return v > 0 && v <= 1 ? v : 1.0;
}

static void test_random_clusters(void **state)
{
    (void)state;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    size_t clusters = (size_t)(CLUSTERS * test_scale()) + 1;
    size_t flows = 0, mismatches = 0, tiered = 0;
    for (size_t c = 0; c < clusters; c++) {
        struct tbuf y = {0};
        struct pool pool;
        cluster_yaml(&y, &seed, &pool);
        struct ref r;
        struct tref t;
        struct kg_options dflt;
        kgi_options_defaults(&dflt);
        if (ref_load(&r, &dflt, y.p, y.n) || tref_load(&t, y.p, y.n))
            fail_msg("cluster %zu: the reference cannot load:\n%s", c, y.p);
        kg_builder *b = kg_builder_new(NULL);
        assert_non_null(b);
        assert_int_equal(kg_builder_add_buffer(b, "gen", y.p, y.n), 0);
        kg_ruleset *rs = NULL;
        int rc = kg_builder_compile(b, &rs);
        if (rc) {
            const kg_diagnostics *d = kg_builder_diagnostics(b);
            for (size_t i = 0; i < kg_diagnostics_count(d); i++) {
                char buf[512];
                kg_diagnostic_format(d, i, buf, sizeof(buf));
                print_message("%s\n", buf);
            }
            fail_msg("cluster %zu does not compile:\n%s", c, y.p);
        }
        tiered += t.n_pols > 0;
        for (size_t f = 0; f < FLOWS_PER_CLUSTER; f++) {
            const char *src = pool.a[pick(&seed, pool.n)];
            const char *dst = pool.a[pick(&seed, pool.n)];
            static const int protos[] = {KG_PROTO_TCP, KG_PROTO_UDP,
                                         KG_PROTO_SCTP};
            static const unsigned ports[] = {53, 80, 81, 8080, 1};
            int proto = protos[pick(&seed, 3)];
            unsigned port = ports[pick(&seed, N(ports))];
            struct kg_addr sa, da;
            kg_addr_parse(src, strlen(src), &sa);
            kg_addr_parse(dst, strlen(dst), &da);
            struct kg_verdict v;
            memset(&v, 0, sizeof(v));
            v.size = sizeof(v);
            assert_int_equal(kg_check(rs, &sa, &da, proto, port, &v), 0);
            struct kgi_ip si, di;
            kgi_ip_parse(src, strlen(src), &si);
            kgi_ip_parse(dst, strlen(dst), &di);
            struct want we, wi;
            want_side(&t, &r, ref_owner(&r, &si), KG_EGRESS, &di, proto, port,
                      &we);
            want_side(&t, &r, ref_owner(&r, &di), KG_INGRESS, &si, proto, port,
                      &wi);
            flows++;
            if (same(&v.egress, &v.egress_detail, &we) &&
                same(&v.ingress, &v.ingress_detail, &wi) &&
                v.allowed == (we.allowed && wi.allowed))
                continue;
            if (mismatches++ == 0 && getenv("KGRESS_TIERS_DIFF_OUT")) {
                FILE *o = fopen(getenv("KGRESS_TIERS_DIFF_OUT"), "w");
                if (o) {
                    fputs(y.p, o);
                    fclose(o);
                }
            }
            if (mismatches < 5) {
                char text[512];
                kg_verdict_format(&v, text, sizeof(text));
                print_message("cluster %zu: %s -> %s %u/%d: got %s; want "
                              "egress %d %s %s[%d], ingress %d %s %s[%d]\n",
                              c, src, dst, port, proto, text, we.allowed,
                              kg_reason_name(we.reason),
                              we.policy ? we.policy : "-", we.rule, wi.allowed,
                              kg_reason_name(wi.reason),
                              wi.policy ? wi.policy : "-", wi.rule);
            }
        }
        kg_ruleset_unref(rs);
        kg_builder_free(b);
        tref_free(&t);
        ref_free(&r);
        tbuf_free(&y);
    }
    print_message("%zu clusters (%zu with tiers), %zu flows, %zu mismatches\n",
                  clusters, tiered, flows, mismatches);
    assert_true(tiered * 2 > clusters);
    assert_int_equal(mismatches, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_clusters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
