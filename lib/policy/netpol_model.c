// SPDX-License-Identifier: MIT
/*
 * netpol.c - NetworkPolicy, Namespace and Pod models: node tree -> typed
 * structs with the API server's defaulting and validation (rules 2, 17, 21
 * and 27-33 of netpol-semantics.md; pkg/apis/networking/validation
 * ValidateNetworkPolicySpec/Port/Peer and ValidateIPBlock). See netpol.h.
 *
 * Every problem of an object is reported, not only the first, so a reader
 * keeps going after an error and returns false at the end. A null list
 * item (`- ` alone) decodes as an empty object, as the API server's JSON
 * decoding does: a null rule is `{}` (allow all), a null port all TCP. Unknown
 * fields inside a NetworkPolicy spec are errors (kubectl's default strict field
 * validation): a misspelt `podSelector` or `matchLabels` would otherwise
 * turn a narrow allow into an allow-all.
 */
#include "policy/netpol_model.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "k8s/names.h"

int kgi_proto_parse(const char *s, size_t n)
{
    struct kgi_str t = {s, n};
    if (kgi_str_eq(t, "TCP"))
        return KGI_PROTO_TCP;
    if (kgi_str_eq(t, "UDP"))
        return KGI_PROTO_UDP;
    if (kgi_str_eq(t, "SCTP"))
        return KGI_PROTO_SCTP;
    return 0;
}

const char *kgi_proto_name(int proto)
{
    switch (proto) {
    case KGI_PROTO_TCP:
        return "TCP";
    case KGI_PROTO_UDP:
        return "UDP";
    case KGI_PROTO_SCTP:
        return "SCTP";
    default:
        return "?";
    }
}

static bool oom(struct kgi_ctx *c, const struct kgi_node *n)
{
    kgi_error(c, KG_ENOMEM, n, "out of memory");
    return false;
}

/* protocol field of a policy port or container port; default TCP (rule
 * 21). Returns false after reporting. */
static bool read_protocol(struct kgi_ctx *c, const struct kgi_node *map,
                          int *out)
{
    bool ok = true;
    struct kgi_str s;
    *out = KGI_PROTO_TCP;
    if (!kgi_field_str(c, map, "protocol", false, &s, &ok))
        return ok;
    int p = kgi_proto_parse(s.p, s.n);
    if (!p) {
        size_t m = kgi_enter(c, "protocol");
        kgi_error(c, KG_ENOTSUPPORTED, kgi_node_get(map, "protocol"),
                  "Unsupported value: \"%.*s\": supported values: \"SCTP\", "
                  "\"TCP\", \"UDP\"",
                  KGI_SHOW(s.n), s.p);
        kgi_leave(c, m);
        return false;
    }
    *out = p;
    return true;
}

bool kgi_proto_field_read(struct kgi_ctx *c, const struct kgi_node *map,
                          int *out)
{
    return read_protocol(c, map, out);
}

/* ------------------------------------------------------------ addresses */

static unsigned cidr_flags(const struct kgi_ctx *c)
{
    return kgi_flag(c->opts, KG_FLAG_STRICT_CIDR) ? KGI_IP_STRICT : 0;
}

/* Reports the warning forms of an accepted IP/CIDR (rule 31: the API
 * server's GetWarningsForIP/CIDR). */
static void warn_forms(struct kgi_ctx *c, const struct kgi_node *n, unsigned w,
                       const char *canonical)
{
    if (w & KGI_IPW_LEADING_ZERO)
        kgi_warning(c, KG_EINVALID, n,
                    "non-standard value \"%.*s\" (IPv4 leading zeros) will "
                    "be considered invalid in a future Kubernetes release: "
                    "use \"%s\"",
                    KGI_SHOW(n->count), n->u.str, canonical);
    if (w & KGI_IPW_MAPPED)
        kgi_warning(c, KG_EINVALID, n,
                    "non-standard value \"%.*s\" (IPv4-mapped IPv6) will be "
                    "considered invalid in a future Kubernetes release: "
                    "read as \"%s\"",
                    KGI_SHOW(n->count), n->u.str, canonical);
    if (w & KGI_IPW_HOST_BITS)
        kgi_warning(c, KG_EINVALID, n,
                    "CIDR value \"%.*s\" has host bits set; it is read as "
                    "\"%s\"",
                    KGI_SHOW(n->count), n->u.str, canonical);
}

/* The warning forms under KG_FLAG_STRICT_CIDR: one error naming each. */
static void strict_error(struct kgi_ctx *c, const struct kgi_node *n,
                         unsigned w)
{
    kgi_error(c, KG_EINVALID, n, "Invalid value: \"%.*s\": must %s%s%s%s%s",
              KGI_SHOW(n->count), n->u.str,
              w & KGI_IPW_LEADING_ZERO ? "not have leading 0s" : "",
              (w & KGI_IPW_LEADING_ZERO) && (w & ~KGI_IPW_LEADING_ZERO)
                  ? " and "
                  : "",
              w & KGI_IPW_MAPPED ? "not be an IPv4-mapped IPv6 address" : "",
              (w & KGI_IPW_MAPPED) && (w & KGI_IPW_HOST_BITS) ? " and " : "",
              w & KGI_IPW_HOST_BITS ? "not have host bits set (a CIDR names "
                                      "its network address)"
                                    : "");
}

/* A CIDR scalar field value n (path already entered). */
/* *bits (may be NULL) gets the prefix length as written, in the bits of
 * the written family: an IPv4-mapped IPv6 /104 is read as IPv4 /8 but its
 * mask, as Go's net.ParseCIDR builds it, has 104 bits. */
static bool read_cidr(struct kgi_ctx *c, const struct kgi_node *n,
                      struct kgi_cidr *out, unsigned *bits)
{
    if (n->kind != KGI_NODE_SCALAR || kgi_scalar_is_plain_nonstring(n)) {
        kgi_error(c, KG_ETYPE, n, "must be a string");
        return false;
    }
    if (kgi_node_is_null(n) && !n->quoted) {
        kgi_error(c, KG_EREQUIRED, n, "Required value");
        return false;
    }
    if (n->count == 0) {
        kgi_error(c, KG_EREQUIRED, n, "Required value");
        return false;
    }
    unsigned w = 0;
    int rc = kgi_cidr_parse(n->u.str, n->count, cidr_flags(c), out, &w);
    if (rc == KGI_IP_ESTRICT) {
        strict_error(c, n, w);
        return false;
    }
    if (rc) {
        kgi_error(c, KG_EINVALID, n, "Invalid value: \"%.*s\": %s",
                  KGI_SHOW(n->count), n->u.str,
                  rc == KGI_IP_ESYNTAX
                      ? "must be a valid CIDR value, (e.g. 10.9.8.0/24 or "
                        "2001:db8::/64)"
                      : kgi_ip_strerror(rc));
        return false;
    }
    if (w) {
        char buf[KGI_CIDR_STRLEN];
        kgi_cidr_format(out, buf);
        warn_forms(c, n, w, buf);
    }
    if (bits)
        *bits = out->len + (w & KGI_IPW_MAPPED ? 96u : 0u);
    return true;
}

/* An IP scalar n (pod or host IP; path already entered). */
static bool read_ip(struct kgi_ctx *c, const struct kgi_node *n,
                    struct kgi_ip *out)
{
    if (n->kind != KGI_NODE_SCALAR || kgi_scalar_is_plain_nonstring(n)) {
        kgi_error(c, KG_ETYPE, n, "must be a string");
        return false;
    }
    unsigned w = 0;
    int rc = kgi_ip_parse_legacy(n->u.str, n->count, cidr_flags(c), out, &w);
    if (rc == KGI_IP_ESTRICT) {
        strict_error(c, n, w);
        return false;
    }
    if (rc) {
        kgi_error(c, KG_EINVALID, n, "Invalid value: \"%.*s\": %s",
                  KGI_SHOW(n->count), n->u.str, kgi_ip_strerror(rc));
        return false;
    }
    if (w) {
        char buf[KGI_IP_STRLEN];
        kgi_ip_format(out, buf);
        warn_forms(c, n, w, buf);
    }
    return true;
}

bool kgi_ip_node_read(struct kgi_ctx *c, const struct kgi_node *n,
                      struct kgi_ip *out)
{
    return read_ip(c, n, out);
}

/* ------------------------------------------------------------ Namespace */

static int kv_cmp(const void *a, const void *b)
{
    const struct kgi_kv *x = a, *y = b;
    size_t n = x->key.n < y->key.n ? x->key.n : y->key.n;
    int r = n ? memcmp(x->key.p, y->key.p, n) : 0;
    if (r)
        return r;
    return x->key.n < y->key.n ? -1 : x->key.n > y->key.n;
}

bool kgi_namespace_read(struct kgi_ctx *c, const struct kgi_meta *m,
                        struct kgi_namespace *out)
{
    memset(out, 0, sizeof(*out));
    out->meta = *m;
    /* rule 17 (SetDefaults_Namespace): the name label always exists and
     * always equals the name */
    size_t n = m->labels.n;
    struct kgi_kv *v = kgi_arena_calloc(c->arena, n + 1, sizeof(*v));
    if (!v)
        return oom(c, m->node);
    static const char key[] = KGI_NS_NAME_LABEL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!kgi_str_eq(m->labels.v[i].key, key))
            v[k++] = m->labels.v[i];
    v[k].key.p = key;
    v[k].key.n = sizeof(key) - 1;
    v[k].value = m->name;
    v[k].node = NULL;
    k++;
    qsort(v, k, sizeof(*v), kv_cmp);
    out->labels.v = v;
    out->labels.n = k;
    return true;
}

/* ------------------------------------------------------------------ Pod */

/* status.<list>[] of {ip: ...} else status.<single>: at most one address
 * per family (dual-stack). */
static bool read_ips(struct kgi_ctx *c, const struct kgi_node *status,
                     const char *list, const char *single, struct kgi_ip *ips,
                     size_t *n_ips)
{
    bool ok = true;
    *n_ips = 0;
    struct kgi_ip one;
    bool have_one = false;
    const struct kgi_node *sn =
        kgi_field(c, status, single, KGI_NODE_SCALAR, false, &ok);
    if (sn) {
        size_t m = kgi_enter(c, single);
        have_one = read_ip(c, sn, &one);
        ok = have_one && ok;
        kgi_leave(c, m);
    }
    const struct kgi_node *ln =
        kgi_field(c, status, list, KGI_NODE_SEQ, false, &ok);
    if (ln && ln->count) {
        size_t lm = kgi_enter(c, list);
        if (ln->count > KGI_POD_MAX_IPS) {
            kgi_error(c, KG_EINVALID, ln,
                      "Too many: %zu: must have at most 2 items (one IPv4 "
                      "and one IPv6 address)",
                      ln->count);
            ok = false;
        }
        for (size_t i = 0; i < ln->count; i++) {
            const struct kgi_node *item = ln->u.items[i];
            size_t im = kgi_enter_index(c, i);
            struct kgi_ip ip;
            bool good = false;
            if (item->kind != KGI_NODE_MAP) {
                kgi_error(c, KG_ETYPE, item, "must be an object (map)");
            } else {
                const struct kgi_node *in =
                    kgi_field(c, item, "ip", KGI_NODE_SCALAR, true, NULL);
                if (in) {
                    size_t ipm = kgi_enter(c, "ip");
                    good = read_ip(c, in, &ip);
                    if (good && i > 0 && *n_ips > 0 &&
                        ips[0].family == ip.family) {
                        kgi_error(c, KG_EINVALID, in,
                                  "Invalid value: \"%.*s\": may specify no "
                                  "more than one IP for each IP family",
                                  KGI_SHOW(in->count), in->u.str);
                        good = false;
                    }
                    kgi_leave(c, ipm);
                }
            }
            if (!good)
                ok = false;
            else if (*n_ips < KGI_POD_MAX_IPS)
                ips[(*n_ips)++] = ip;
            kgi_leave(c, im);
        }
        kgi_leave(c, lm);
        if (have_one && *n_ips > 0 && !kgi_ip_equal(&one, &ips[0])) {
            size_t m = kgi_enter(c, single);
            kgi_error(c, KG_EINVALID, sn,
                      "Invalid value: \"%.*s\": must match %s[0].ip",
                      KGI_SHOW(sn->count), sn->u.str, list);
            kgi_leave(c, m);
            ok = false;
        }
    } else if (have_one) {
        ips[0] = one;
        *n_ips = 1;
    }
    return ok;
}

static int port_name_cmp(const void *a, const void *b)
{
    const struct kgi_container_port *x =
        *(const struct kgi_container_port *const *)a;
    const struct kgi_container_port *y =
        *(const struct kgi_container_port *const *)b;
    size_t n = x->name.n < y->name.n ? x->name.n : y->name.n;
    int r = n ? memcmp(x->name.p, y->name.p, n) : 0;
    if (r)
        return r;
    if (x->name.n != y->name.n)
        return x->name.n < y->name.n ? -1 : 1;
    /* equal names: input order, so the later one is reported */
    return x < y ? -1 : x > y;
}

static bool read_container_port(struct kgi_ctx *c, const struct kgi_node *pn,
                                struct kgi_container_port *out)
{
    bool ok = true;
    memset(out, 0, sizeof(*out));
    out->node = pn;
    if (pn->kind != KGI_NODE_MAP && !kgi_node_is_null(pn)) {
        kgi_error(c, KG_ETYPE, pn, "must be an object (map)");
        return false;
    }
    int64_t v;
    if (kgi_field_int(c, pn, "containerPort", true, 1, 65535, &v, &ok))
        out->port = (uint16_t)v;
    if (kgi_field_int(c, pn, "hostPort", false, 0, 65535, &v, &ok)) {
        /* validated only; a hostPort is node traffic, not a pod port */
    }
    if (kgi_field_str(c, pn, "name", false, &out->name, &ok)) {
        const char *why = kgi_check_iana_svc_name(out->name.p, out->name.n);
        if (why) {
            size_t m = kgi_enter(c, "name");
            kgi_error(c, KG_EINVALID, kgi_node_get(pn, "name"),
                      "Invalid value: \"%.*s\": %s", KGI_SHOW(out->name.n),
                      out->name.p, why);
            kgi_leave(c, m);
            out->name.p = NULL;
            out->name.n = 0;
            ok = false;
        }
    }
    ok = read_protocol(c, pn, &out->protocol) && ok;
    return ok;
}

/* KG_EDUPLICATE (error or warning) at spec.containers[ci].ports[pj].name
 * of port p. */
static void report_duplicate(struct kgi_ctx *c, size_t ci, size_t pj,
                             const struct kgi_container_port *p, bool error)
{
    size_t mark = kgi_enter(c, "containers");
    kgi_enter_index(c, ci);
    kgi_enter(c, "ports");
    kgi_enter_index(c, pj);
    kgi_enter(c, "name");
    if (error)
        kgi_error(c, KG_EDUPLICATE, kgi_node_get(p->node, "name"),
                  "Duplicate value: \"%.*s\"", KGI_SHOW(p->name.n), p->name.p);
    else
        kgi_warning(c, KG_EDUPLICATE, kgi_node_get(p->node, "name"),
                    "Duplicate value: \"%.*s\": container port names "
                    "should be unique within a pod; a policy naming it "
                    "matches any of these ports",
                    KGI_SHOW(p->name.n), p->name.p);
    kgi_leave(c, mark);
}

bool kgi_pod_read(struct kgi_ctx *c, const struct kgi_meta *m,
                  struct kgi_pod *out)
{
    bool ok = true;
    memset(out, 0, sizeof(*out));
    out->meta = *m;
    out->labels = m->labels;
    const struct kgi_node *obj = m->node;

    const struct kgi_node *spec =
        kgi_field(c, obj, "spec", KGI_NODE_MAP, false, &ok);
    if (spec) {
        size_t sm = kgi_enter(c, "spec");
        kgi_field_bool(c, spec, "hostNetwork", &out->host_network, &ok);
        const struct kgi_node *ctrs =
            kgi_field(c, spec, "containers", KGI_NODE_SEQ, false, &ok);
        size_t total = 0;
        for (size_t i = 0; ctrs && i < ctrs->count; i++) {
            const struct kgi_node *p = kgi_node_get(ctrs->u.items[i], "ports");
            if (p && p->kind == KGI_NODE_SEQ)
                total += p->count;
        }
        /* where each read port came from, for duplicate reports */
        struct kgi_port_pos {
            size_t ctr, idx;
        } *pos = NULL;
        if (total) {
            out->ports = kgi_arena_calloc(c->arena, total, sizeof(*out->ports));
            pos = kgi_arena_calloc(c->arena, total, sizeof(*pos));
            if (!out->ports || !pos) {
                kgi_leave(c, sm);
                return oom(c, ctrs);
            }
        }
        if (ctrs) {
            size_t cm = kgi_enter(c, "containers");
            for (size_t i = 0; i < ctrs->count; i++) {
                const struct kgi_node *ctr = ctrs->u.items[i];
                size_t im = kgi_enter_index(c, i);
                if (ctr->kind != KGI_NODE_MAP) {
                    kgi_error(c, KG_ETYPE, ctr, "must be an object (map)");
                    ok = false;
                    kgi_leave(c, im);
                    continue;
                }
                const struct kgi_node *ports =
                    kgi_field(c, ctr, "ports", KGI_NODE_SEQ, false, &ok);
                if (ports) {
                    size_t pm = kgi_enter(c, "ports");
                    for (size_t j = 0; j < ports->count; j++) {
                        size_t jm = kgi_enter_index(c, j);
                        struct kgi_container_port *cp =
                            &out->ports[out->n_ports];
                        if (read_container_port(c, ports->u.items[j], cp)) {
                            pos[out->n_ports].ctr = i;
                            pos[out->n_ports].idx = j;
                            out->n_ports++;
                        } else
                            ok = false;
                        kgi_leave(c, jm);
                    }
                    kgi_leave(c, pm);
                }
                kgi_leave(c, im);
            }
            kgi_leave(c, cm);
        }
        /* port names are unique within the pod, so a named policy port
         * resolves to one number (rule 23); sorted, O(n log n) */
        size_t named = 0;
        for (size_t i = 0; i < out->n_ports; i++)
            named += out->ports[i].name.n > 0;
        if (named > 1) {
            const struct kgi_container_port **v =
                kgi_arena_calloc(c->arena, named, sizeof(*v));
            if (!v) {
                kgi_leave(c, sm);
                return oom(c, ctrs);
            }
            size_t k = 0;
            for (size_t i = 0; i < out->n_ports; i++)
                if (out->ports[i].name.n)
                    v[k++] = &out->ports[i];
            qsort(v, k, sizeof(*v), port_name_cmp);
            /* flag every later holder of a name (1: in the same
             * container, an error as in the API server's
             * validateContainerPorts; 2: in another container, which the
             * API documents as forbidden but does not check, so a warning:
             * such a name resolves to any of its ports), then report them
             * in input order. Within a name the sort keeps input order, so
             * ports of one container are adjacent. */
            uint8_t *dup = kgi_arena_calloc(c->arena, out->n_ports, 1);
            if (!dup) {
                kgi_leave(c, sm);
                return oom(c, ctrs);
            }
            for (size_t i = 1; i < k; i++) {
                if (v[i]->name.n != v[i - 1]->name.n ||
                    memcmp(v[i]->name.p, v[i - 1]->name.p, v[i]->name.n))
                    continue;
                size_t a = (size_t)(v[i - 1] - out->ports);
                size_t b = (size_t)(v[i] - out->ports);
                dup[b] = pos[a].ctr == pos[b].ctr ? 1 : 2;
            }
            for (size_t i = 0; i < out->n_ports; i++) {
                if (!dup[i])
                    continue;
                report_duplicate(c, pos[i].ctr, pos[i].idx, &out->ports[i],
                                 dup[i] == 1);
                ok = ok && dup[i] != 1;
            }
        }
        kgi_leave(c, sm);
    }

    const struct kgi_node *status =
        kgi_field(c, obj, "status", KGI_NODE_MAP, false, &ok);
    if (status) {
        size_t stm = kgi_enter(c, "status");
        ok =
            read_ips(c, status, "podIPs", "podIP", out->ips, &out->n_ips) && ok;
        ok = read_ips(c, status, "hostIPs", "hostIP", out->host_ips,
                      &out->n_host_ips) &&
             ok;
        if (out->n_host_ips) {
            out->has_host_ip = true;
            out->host_ip = out->host_ips[0];
        }
        struct kgi_str phase;
        if (kgi_field_str(c, status, "phase", false, &phase, &ok)) {
            if (kgi_str_eq(phase, "Succeeded"))
                out->life = KGI_POD_SUCCEEDED;
            else if (kgi_str_eq(phase, "Failed"))
                out->life = KGI_POD_FAILED;
        }
        kgi_leave(c, stm);
    }
    /* deletionTimestamp is the end of the grace period the delete set */
    if (out->life == KGI_POD_LIVE && m->has_deleted &&
        m->deleted <= (int64_t)time(NULL))
        out->life = KGI_POD_DELETED;
    if (out->life != KGI_POD_LIVE)
        out->n_ips = 0; /* an ended pod owns no address */
    return ok;
}

const struct kgi_container_port *kgi_pod_named_port(const struct kgi_pod *pod,
                                                    const char *name, size_t n,
                                                    int protocol)
{
    for (size_t i = 0; i < pod->n_ports; i++) {
        const struct kgi_container_port *p = &pod->ports[i];
        if (p->protocol == protocol && p->name.n == n && n &&
            memcmp(p->name.p, name, n) == 0)
            return p;
    }
    return NULL;
}

/* -------------------------------------------------------- NetworkPolicy */

static const char *const spec_fields[] = {"podSelector", "policyTypes",
                                          "ingress", "egress", NULL};
static const char *const ingress_rule_fields[] = {"from", "ports", NULL};
static const char *const egress_rule_fields[] = {"to", "ports", NULL};
static const char *const peer_fields[] = {"podSelector", "namespaceSelector",
                                          "ipBlock", NULL};
static const char *const ipblock_fields[] = {"cidr", "except", NULL};
static const char *const port_fields[] = {"protocol", "port", "endPort", NULL};

/* ValidateNetworkPolicyPort (rules 27-29). */
static bool read_np_port(struct kgi_ctx *c, const struct kgi_node *pn,
                         struct kgi_np_port *out)
{
    bool ok = true;
    memset(out, 0, sizeof(*out));
    out->node = pn;
    if (pn->kind != KGI_NODE_MAP && !kgi_node_is_null(pn)) {
        kgi_error(c, KG_ETYPE, pn, "must be an object (map)");
        return false;
    }
    if (pn->kind == KGI_NODE_MAP)
        ok = kgi_known_fields(c, pn, port_fields) && ok;
    ok = read_protocol(c, pn, &out->protocol) && ok;

    const struct kgi_node *port =
        kgi_field(c, pn, "port", KGI_NODE_SCALAR, false, &ok);
    const struct kgi_node *end =
        kgi_field(c, pn, "endPort", KGI_NODE_SCALAR, false, &ok);
    int64_t ev = 0;
    bool end_ok = false;
    if (end) {
        size_t m = kgi_enter(c, "endPort");
        if (!kgi_scalar_int(end, &ev)) {
            kgi_error(c, KG_ETYPE, end, "must be an integer");
            ok = false;
        } else {
            end_ok = true;
        }
        kgi_leave(c, m);
    }

    if (!port) {
        out->any_port = true;
        if (end) {
            size_t m = kgi_enter(c, "endPort");
            kgi_error(c, KG_EINVALID, end,
                      "Invalid value: %.*s: may not be specified when `port` "
                      "is not specified",
                      KGI_SHOW(end->count), end->u.str);
            kgi_leave(c, m);
            ok = false;
        }
        return ok;
    }

    int64_t pv;
    size_t m = kgi_enter(c, "port");
    if (kgi_scalar_int(port, &pv)) {
        bool port_ok = pv >= 1 && pv <= 65535;
        if (!port_ok) {
            kgi_error(c, KG_EINVALID, port,
                      "Invalid value: %lld: must be between 1 and 65535, "
                      "inclusive",
                      (long long)pv);
            ok = false;
        }
        kgi_leave(c, m);
        out->port = port_ok ? (uint16_t)pv : 0;
        out->end_port = out->port;
        if (end_ok) {
            size_t em = kgi_enter(c, "endPort");
            if (ev < 1 || ev > 65535) {
                kgi_error(c, KG_EINVALID, end,
                          "Invalid value: %lld: must be between 1 and "
                          "65535, inclusive",
                          (long long)ev);
                ok = false;
            } else if (ev < pv) {
                kgi_error(c, KG_EINVALID, end,
                          "Invalid value: %lld: must be greater than or "
                          "equal to `port`",
                          (long long)ev);
                ok = false;
            } else {
                out->end_port = (uint16_t)ev;
            }
            kgi_leave(c, em);
        }
        return ok;
    }
    if (kgi_scalar_is_plain_nonstring(port)) {
        kgi_error(c, KG_ETYPE, port, "must be an integer or a string");
        kgi_leave(c, m);
        return false;
    }
    out->name = kgi_node_str(port);
    const char *why = kgi_check_iana_svc_name(port->u.str, port->count);
    if (why) {
        kgi_error(c, KG_EINVALID, port, "Invalid value: \"%.*s\": %s",
                  KGI_SHOW(port->count), port->u.str, why);
        ok = false;
    }
    kgi_leave(c, m);
    if (end) {
        size_t em = kgi_enter(c, "endPort");
        kgi_error(c, KG_EINVALID, end,
                  "Invalid value: %.*s: may not be specified when `port` is "
                  "non-numeric",
                  KGI_SHOW(end->count), end->u.str);
        kgi_leave(c, em);
        ok = false;
    }
    return ok;
}

/* ValidateIPBlock (rule 31). Path: the peer; enters "ipBlock". */
static bool read_ipblock(struct kgi_ctx *c, const struct kgi_node *ib,
                         struct kgi_np_peer *out)
{
    bool ok = true;
    size_t bm = kgi_enter(c, "ipBlock");
    ok = kgi_known_fields(c, ib, ipblock_fields) && ok;
    const struct kgi_node *cidr = kgi_node_get(ib, "cidr");
    bool cidr_ok = false;
    unsigned cidr_bits = 0;
    size_t cm = kgi_enter(c, "cidr");
    if (!cidr || (kgi_node_is_null(cidr) && !cidr->quoted)) {
        kgi_error(c, KG_EREQUIRED, cidr ? cidr : ib, "Required value");
        ok = false;
    } else {
        cidr_ok = read_cidr(c, cidr, &out->cidr, &cidr_bits);
        ok = cidr_ok && ok;
    }
    kgi_leave(c, cm);

    const struct kgi_node *ex =
        kgi_field(c, ib, "except", KGI_NODE_SEQ, false, &ok);
    if (ex && ex->count) {
        out->except =
            kgi_arena_calloc(c->arena, ex->count, sizeof(*out->except));
        if (!out->except) {
            kgi_leave(c, bm);
            return oom(c, ex);
        }
        size_t em = kgi_enter(c, "except");
        for (size_t i = 0; i < ex->count; i++) {
            const struct kgi_node *e = ex->u.items[i];
            size_t im = kgi_enter_index(c, i);
            struct kgi_cidr x;
            unsigned x_bits = 0;
            if (!read_cidr(c, e, &x, &x_bits)) {
                ok = false;
            } else if (cidr_ok && (!kgi_cidr_has_ip(&out->cidr, &x.ip) ||
                                   x_bits <= cidr_bits)) {
                /* ValidateIPBlock: cidr.Contains(except.IP) and a longer
                 * mask, the masks compared in the bits as written, so an
                 * IPv4 except of an IPv4-mapped IPv6 cidr is refused
                 * (10.0.1.0/24 is not longer than ::ffff:10.0.0.0/104) */
                kgi_error(c, KG_EINVALID, e,
                          "Invalid value: \"%.*s\": must be a strict subset "
                          "of `cidr`",
                          KGI_SHOW(e->count), e->u.str);
                ok = false;
            } else if (cidr_ok && (!kgi_cidr_contains(&out->cidr, &x) ||
                                   x.len <= out->cidr.len)) {
                /* accepted by the API server (an IPv4-mapped except of an
                 * IPv4 cidr), but read as IPv4 it is not inside cidr:
                 * what it excludes would depend on the reading */
                kgi_error(c, KG_ENOTSUPPORTED, e,
                          "Unsupported value: \"%.*s\": read as IPv4 this "
                          "except is not strictly inside `cidr`; write both "
                          "in one family",
                          KGI_SHOW(e->count), e->u.str);
                ok = false;
            } else {
                out->except[out->n_except++] = x;
            }
            kgi_leave(c, im);
        }
        kgi_leave(c, em);
    }
    kgi_leave(c, bm);
    return ok;
}

/* ValidateNetworkPolicyPeer (rules 30-32). */
static bool read_peer(struct kgi_ctx *c, const struct kgi_node *pn,
                      struct kgi_np_peer *out)
{
    bool ok = true;
    memset(out, 0, sizeof(*out));
    out->node = pn;
    if (pn->kind != KGI_NODE_MAP && !kgi_node_is_null(pn)) {
        kgi_error(c, KG_ETYPE, pn, "must be an object (map)");
        return false;
    }
    if (pn->kind == KGI_NODE_MAP)
        ok = kgi_known_fields(c, pn, peer_fields) && ok;
    ok = kgi_selector_read(c, pn, "podSelector", &out->pod_sel,
                           &out->has_pod_sel) &&
         ok;
    ok = kgi_selector_read(c, pn, "namespaceSelector", &out->ns_sel,
                           &out->has_ns_sel) &&
         ok;
    const struct kgi_node *ib =
        kgi_field(c, pn, "ipBlock", KGI_NODE_MAP, false, &ok);
    bool has_ib = ib != NULL;
    if (ib)
        ok = read_ipblock(c, ib, out) && ok;
    const struct kgi_node *ib_any = kgi_node_get(pn, "ipBlock");
    if (ib_any && !kgi_node_is_null(ib_any))
        has_ib = true; /* wrong type: already reported, still a peer */
    int count = out->has_pod_sel + out->has_ns_sel + has_ib;
    if (count == 0) {
        kgi_error(c, KG_EREQUIRED, pn,
                  "Required value: must specify a peer (podSelector, "
                  "namespaceSelector or ipBlock)");
        ok = false;
    } else if (count > 1 && has_ib) {
        kgi_error(c, KG_EFORBIDDEN, pn,
                  "Forbidden: may not specify both ipBlock and another peer");
        ok = false;
    }
    out->kind = has_ib ? KGI_PEER_IPBLOCK : KGI_PEER_SELECTORS;
    return ok;
}

static bool read_rule(struct kgi_ctx *c, const struct kgi_node *rn,
                      bool ingress, struct kgi_np_rule *out)
{
    bool ok = true;
    memset(out, 0, sizeof(*out));
    out->node = rn;
    if (rn->kind != KGI_NODE_MAP && !kgi_node_is_null(rn)) {
        kgi_error(c, KG_ETYPE, rn, "must be an object (map)");
        return false;
    }
    if (rn->kind == KGI_NODE_MAP)
        ok = kgi_known_fields(
                 c, rn, ingress ? ingress_rule_fields : egress_rule_fields) &&
             ok;
    const char *pkey = ingress ? "from" : "to";
    const struct kgi_node *peers =
        kgi_field(c, rn, pkey, KGI_NODE_SEQ, false, &ok);
    out->any_peer = !peers || peers->count == 0;
    if (peers && peers->count) {
        out->peers =
            kgi_arena_calloc(c->arena, peers->count, sizeof(*out->peers));
        if (!out->peers)
            return oom(c, peers);
        size_t m = kgi_enter(c, pkey);
        for (size_t i = 0; i < peers->count; i++) {
            size_t im = kgi_enter_index(c, i);
            ok = read_peer(c, peers->u.items[i], &out->peers[i]) && ok;
            kgi_leave(c, im);
        }
        out->n_peers = peers->count;
        kgi_leave(c, m);
    }
    const struct kgi_node *ports =
        kgi_field(c, rn, "ports", KGI_NODE_SEQ, false, &ok);
    out->any_ports = !ports || ports->count == 0;
    if (ports && ports->count) {
        out->ports =
            kgi_arena_calloc(c->arena, ports->count, sizeof(*out->ports));
        if (!out->ports)
            return oom(c, ports);
        size_t m = kgi_enter(c, "ports");
        for (size_t i = 0; i < ports->count; i++) {
            size_t im = kgi_enter_index(c, i);
            ok = read_np_port(c, ports->u.items[i], &out->ports[i]) && ok;
            kgi_leave(c, im);
        }
        out->n_ports = ports->count;
        kgi_leave(c, m);
    }
    return ok;
}

static bool read_rules(struct kgi_ctx *c, const struct kgi_node *spec,
                       bool ingress, struct kgi_np_rule **out, size_t *n)
{
    bool ok = true;
    const char *key = ingress ? "ingress" : "egress";
    *out = NULL;
    *n = 0;
    const struct kgi_node *list =
        kgi_field(c, spec, key, KGI_NODE_SEQ, false, &ok);
    if (!list || list->count == 0)
        return ok;
    *out = kgi_arena_calloc(c->arena, list->count, sizeof(**out));
    if (!*out)
        return oom(c, list);
    size_t m = kgi_enter(c, key);
    for (size_t i = 0; i < list->count; i++) {
        size_t im = kgi_enter_index(c, i);
        ok = read_rule(c, list->u.items[i], ingress, &(*out)[i]) && ok;
        kgi_leave(c, im);
    }
    *n = list->count;
    kgi_leave(c, m);
    return ok;
}

/* policyTypes: validation (rule 33) and defaulting (rule 2). */
static bool read_policy_types(struct kgi_ctx *c, const struct kgi_node *spec,
                              struct kgi_np_policy *out)
{
    bool ok = true;
    const struct kgi_node *pt =
        kgi_field(c, spec, "policyTypes", KGI_NODE_SEQ, false, &ok);
    if (!pt || pt->count == 0) {
        /* SetDefaults_NetworkPolicy: an explicit empty egress list does
         * not make an egress policy */
        out->ingress_type = true;
        out->egress_type = out->n_egress > 0;
        return ok;
    }
    size_t m = kgi_enter(c, "policyTypes");
    if (pt->count > 2) {
        kgi_error(c, KG_EINVALID, pt,
                  "Invalid value: may not specify more than two policyTypes");
        ok = false;
    }
    for (size_t i = 0; i < pt->count; i++) {
        const struct kgi_node *t = pt->u.items[i];
        size_t im = kgi_enter_index(c, i);
        if (t->kind != KGI_NODE_SCALAR || kgi_scalar_is_plain_nonstring(t) ||
            kgi_node_is_null(t)) {
            kgi_error(c, KG_ETYPE, t, "must be a string");
            ok = false;
        } else if (kgi_node_is(t, "Ingress") || kgi_node_is(t, "Egress")) {
            bool *flag = kgi_node_is(t, "Ingress") ? &out->ingress_type
                                                   : &out->egress_type;
            if (*flag)
                /* accepted by the API server; harmless, but a sign of a
                 * mistake (the other direction was probably meant) */
                kgi_warning(c, KG_EDUPLICATE, t, "Duplicate value: \"%s\"",
                            t->u.str);
            *flag = true;
        } else {
            kgi_error(c, KG_ENOTSUPPORTED, t,
                      "Unsupported value: \"%.*s\": supported values: "
                      "\"Ingress\", \"Egress\"",
                      KGI_SHOW(t->count), t->u.str);
            ok = false;
        }
        kgi_leave(c, im);
    }
    kgi_leave(c, m);
    return ok;
}

bool kgi_netpol_read(struct kgi_ctx *c, const struct kgi_meta *m,
                     struct kgi_np_policy *out)
{
    bool ok = true;
    memset(out, 0, sizeof(*out));
    out->meta = *m;
    out->pod_selector.empty = true;
    const struct kgi_node *spec =
        kgi_field(c, m->node, "spec", KGI_NODE_MAP, false, &ok);
    if (!spec) {
        /* no spec: podSelector {} and policyTypes [Ingress] (defaulting),
         * i.e. deny all ingress in the namespace, as the API server does */
        out->ingress_type = true;
        return ok;
    }
    size_t sm = kgi_enter(c, "spec");
    ok = kgi_known_fields(c, spec, spec_fields) && ok;
    ok = kgi_selector_read(c, spec, "podSelector", &out->pod_selector, NULL) &&
         ok;
    ok = read_rules(c, spec, true, &out->ingress, &out->n_ingress) && ok;
    ok = read_rules(c, spec, false, &out->egress, &out->n_egress) && ok;
    ok = read_policy_types(c, spec, out) && ok;
    kgi_leave(c, sm);
    return ok;
}
