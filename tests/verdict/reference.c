// SPDX-License-Identifier: MIT
/*
 * reference.c - the straightforward NetworkPolicy evaluator of
 * reference.h: per flow, every policy, rule and peer, selectors evaluated
 * on the spot by its own matcher (netpol-semantics.md rules 1-26 as
 * written, plus the documented kgress choices).
 */
#include "reference.h"

#include <stdlib.h>
#include <string.h>

#include "k8s/field.h"
#include "k8s/meta.h"
#include "util/alloc.h"

static int str_cmp(struct kgi_str a, struct kgi_str b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    if (c)
        return c;
    return a.n < b.n ? -1 : a.n > b.n;
}

static bool str_eq(struct kgi_str a, struct kgi_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static int meta_cmp(const struct kgi_meta *a, const struct kgi_meta *b)
{
    int c = str_cmp(a->ns, b->ns);
    return c ? c : str_cmp(a->name, b->name);
}

static int pol_cmp(const void *x, const void *y)
{
    return meta_cmp(&((const struct kgi_np_policy *)x)->meta,
                    &((const struct kgi_np_policy *)y)->meta);
}

int ref_load(struct ref *r, const struct kg_options *opts, const char *yaml,
             size_t len)
{
    memset(r, 0, sizeof(*r));
    r->opts = *opts;
    kgi_arena_init(&r->arena);
    kgi_diag_init(&r->diags);
    if (kgi_yaml_load(&r->opts, "ref", yaml, len, &r->arena, &r->objs,
                      &r->diags))
        return -1;
    size_t n = r->objs.n + 1;
    r->ns = kgi_arena_calloc(&r->arena, n, sizeof(*r->ns));
    r->pods = kgi_arena_calloc(&r->arena, n, sizeof(*r->pods));
    r->pols = kgi_arena_calloc(&r->arena, n, sizeof(*r->pols));
    if (!r->ns || !r->pods || !r->pols)
        return -1;
    for (size_t i = 0; i < r->objs.n; i++) {
        struct kgi_ctx c;
        struct kgi_meta m;
        kgi_ctx_init(&c, &r->diags, &r->arena, &r->opts, "ref");
        int kind = kgi_meta_kind(&c, r->objs.v[i].root);
        if (kind == KGI_KIND_UNKNOWN)
            continue;
        if (!kgi_meta_read(&c, r->objs.v[i].root, kind, &m))
            return -1;
        bool ok = true;
        if (kind == KGI_KIND_NAMESPACE)
            ok = kgi_namespace_read(&c, &m, &r->ns[r->n_ns++]);
        else if (kind == KGI_KIND_POD)
            ok = kgi_pod_read(&c, &m, &r->pods[r->n_pods++]);
        else if (kind == KGI_KIND_NETWORKPOLICY)
            ok = kgi_netpol_read(&c, &m, &r->pols[r->n_pols++]);
        if (!ok || c.errors)
            return -1;
    }
    qsort(r->pols, r->n_pols, sizeof(*r->pols), pol_cmp);
    return 0;
}

void ref_free(struct ref *r)
{
    kgi_free(r->objs.v);
    kgi_diag_release(&r->diags);
    kgi_arena_release(&r->arena);
}

/* ----------------------------------------------------------- selectors */

/* Labels of a namespace by name: the Namespace object's (which include
 * kubernetes.io/metadata.name), else only that label (rule 17). */
struct labels {
    const struct kgi_kvs *kvs; /* NULL: synthesised */
    struct kgi_str ns_name;
};

static bool label_get(const struct labels *l, struct kgi_str key,
                      struct kgi_str *val)
{
    if (!l->kvs) {
        struct kgi_str k = {KGI_NS_NAME_LABEL, strlen(KGI_NS_NAME_LABEL)};
        if (!str_eq(key, k))
            return false;
        *val = l->ns_name;
        return true;
    }
    for (size_t i = 0; i < l->kvs->n; i++) {
        if (str_eq(l->kvs->v[i].key, key)) {
            *val = l->kvs->v[i].value;
            return true;
        }
    }
    return false;
}

/* Rule 16, as apimachinery's Requirement.Matches. */
static bool sel_match(const struct kgi_selector *s, const struct labels *l)
{
    for (size_t i = 0; i < s->match_labels.n; i++) {
        struct kgi_str v;
        if (!label_get(l, s->match_labels.v[i].key, &v) ||
            !str_eq(v, s->match_labels.v[i].value))
            return false;
    }
    for (size_t i = 0; i < s->n_exprs; i++) {
        const struct kgi_requirement *q = &s->exprs[i];
        struct kgi_str v;
        bool has = label_get(l, q->key, &v);
        bool listed = false;
        for (size_t k = 0; has && k < q->n_values; k++)
            listed = listed || str_eq(v, q->values[k]);
        switch (q->op) {
        case KGI_SEL_IN:
            if (!has || !listed)
                return false;
            break;
        case KGI_SEL_NOTIN:
            if (has && listed)
                return false;
            break;
        case KGI_SEL_EXISTS:
            if (!has)
                return false;
            break;
        case KGI_SEL_DOESNOTEXIST:
            if (has)
                return false;
            break;
        default:
            return false;
        }
    }
    return true;
}

static struct labels pod_labels(const struct kgi_pod *p)
{
    struct labels l = {&p->labels, p->meta.ns};
    return l;
}

static struct labels ns_labels(const struct ref *r, struct kgi_str ns)
{
    struct labels l = {NULL, ns};
    for (size_t i = 0; i < r->n_ns; i++)
        if (str_eq(r->ns[i].meta.name, ns))
            l.kvs = &r->ns[i].labels;
    return l;
}

/* ---------------------------------------------------------------- flows */

static bool selectable(const struct ref *r, const struct kgi_pod *p)
{
    return !p->host_network || r->opts.flag[KG_FLAG_SELECT_HOSTNETWORK];
}

long ref_owner(const struct ref *r, const struct kgi_ip *ip)
{
    long best = -1;
    for (size_t i = 0; i < r->n_pods; i++) {
        const struct kgi_pod *p = &r->pods[i];
        if (!selectable(r, p))
            continue;
        bool has = false;
        for (size_t k = 0; k < p->n_ips; k++)
            has = has || kgi_ip_equal(&p->ips[k], ip);
        if (has && (best < 0 || meta_cmp(&p->meta, &r->pods[best].meta) < 0))
            best = (long)i;
    }
    return best;
}

static bool peer_match(const struct ref *r, const struct kgi_np_policy *pol,
                       const struct kgi_np_rule *rule, const struct kgi_ip *ip,
                       long peer_pod)
{
    if (rule->any_peer || rule->n_peers == 0)
        return true;
    for (size_t k = 0; k < rule->n_peers; k++) {
        const struct kgi_np_peer *pe = &rule->peers[k];
        if (pe->kind == KGI_PEER_IPBLOCK) {
            if (peer_pod >= 0 && !r->opts.flag[KG_FLAG_IPBLOCK_MATCHES_PODS])
                continue;
            if (!kgi_cidr_has_ip(&pe->cidr, ip))
                continue;
            bool out = false;
            for (size_t e = 0; e < pe->n_except; e++)
                out = out || kgi_cidr_has_ip(&pe->except[e], ip);
            if (!out)
                return true;
            continue;
        }
        if (peer_pod < 0)
            continue; /* rule 15 */
        const struct kgi_pod *pp = &r->pods[peer_pod];
        if (pe->has_ns_sel) {
            struct labels nl = ns_labels(r, pp->meta.ns);
            if (!sel_match(&pe->ns_sel, &nl))
                continue;
        } else if (!str_eq(pp->meta.ns, pol->meta.ns)) {
            continue;
        }
        struct labels pl = pod_labels(pp);
        if (pe->has_pod_sel && !sel_match(&pe->pod_sel, &pl))
            continue;
        return true;
    }
    return false;
}

static bool port_match(const struct ref *r, const struct kgi_np_rule *rule,
                       int proto, unsigned port, long dst_pod)
{
    if (rule->any_ports || rule->n_ports == 0)
        return true;
    for (size_t k = 0; k < rule->n_ports; k++) {
        const struct kgi_np_port *p = &rule->ports[k];
        if (p->protocol != proto)
            continue;
        if (p->any_port)
            return true;
        if (p->name.n == 0) {
            unsigned hi = p->end_port > p->port ? p->end_port : p->port;
            if (port >= p->port && port <= hi)
                return true;
            continue;
        }
        if (dst_pod < 0)
            continue;
        const struct kgi_pod *d = &r->pods[dst_pod];
        for (size_t c = 0; c < d->n_ports; c++) {
            const struct kgi_container_port *cp = &d->ports[c];
            if (str_eq(cp->name, p->name) && cp->protocol == proto &&
                cp->port == port)
                return true;
        }
    }
    return false;
}

void ref_side(const struct ref *r, long pod, int dir, const struct kgi_ip *peer,
              int proto, unsigned port, struct ref_side *out)
{
    out->allowed = true;
    out->pod = pod;
    out->policy = -1;
    out->rule = -1;
    out->policies = 0;
    if (pod < 0) {
        out->reason = KG_REASON_NOT_A_POD;
        return;
    }
    const struct kgi_pod *p = &r->pods[pod];
    if (!selectable(r, p)) {
        out->reason = KG_REASON_HOST_NETWORK;
        return;
    }
    long peer_pod = ref_owner(r, peer);
    long dst_pod = dir == KG_INGRESS ? pod : peer_pod;
    struct labels pl = pod_labels(p);
    long first_pol = -1;
    int first_rule = -1;
    for (size_t i = 0; i < r->n_pols; i++) {
        const struct kgi_np_policy *pol = &r->pols[i];
        bool applies = dir == KG_INGRESS ? pol->ingress_type : pol->egress_type;
        if (!applies || !str_eq(pol->meta.ns, p->meta.ns) ||
            !sel_match(&pol->pod_selector, &pl))
            continue;
        out->policies++;
        const struct kgi_np_rule *rules =
            dir == KG_INGRESS ? pol->ingress : pol->egress;
        size_t n = dir == KG_INGRESS ? pol->n_ingress : pol->n_egress;
        for (size_t k = 0; k < n && first_pol < 0; k++) {
            if (peer_match(r, pol, &rules[k], peer, peer_pod) &&
                port_match(r, &rules[k], proto, port, dst_pod)) {
                first_pol = (long)i;
                first_rule = (int)k;
            }
        }
    }
    if (out->policies == 0) {
        out->reason = KG_REASON_NOT_ISOLATED;
        return;
    }
    if (first_pol >= 0) {
        out->reason = KG_REASON_ALLOWED_BY_RULE;
        out->policy = first_pol;
        out->rule = first_rule;
        return;
    }
    if (r->opts.flag[KG_FLAG_ALLOW_LOOPBACK] && peer_pod == pod) {
        out->reason = KG_REASON_LOOPBACK;
        return;
    }
    if (dir == KG_INGRESS && r->opts.flag[KG_FLAG_ALLOW_NODE_INGRESS]) {
        bool node = false;
        for (size_t k = 0; k < p->n_host_ips; k++)
            node = node || kgi_ip_equal(&p->host_ips[k], peer);
        if (p->n_host_ips == 0 && p->has_host_ip)
            node = kgi_ip_equal(&p->host_ip, peer);
        if (node) {
            out->reason = KG_REASON_NODE;
            return;
        }
    }
    out->allowed = false;
    out->reason = KG_REASON_NO_RULE;
}

bool ref_check(const struct ref *r, const struct kgi_ip *src,
               const struct kgi_ip *dst, int proto, unsigned port,
               struct ref_side *egress, struct ref_side *ingress)
{
    long sp = ref_owner(r, src), dp = ref_owner(r, dst);
    ref_side(r, sp, KG_EGRESS, dst, proto, port, egress);
    ref_side(r, dp, KG_INGRESS, src, proto, port, ingress);
    return egress->allowed && ingress->allowed;
}
