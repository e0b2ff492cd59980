// SPDX-License-Identifier: MIT
/*
 * cnp_model.c - ClusterNetworkPolicy (v1alpha2, v1beta1), AdminNetworkPolicy
 * and BaselineAdminNetworkPolicy (v1alpha1) readers, and the Node reader:
 * node tree -> the one tier model of cnp_model.h, with the validation of
 * the network-policy-api CRDs (schema markers and CEL rules of
 * apis/v1alpha1/{adminnetworkpolicy,baselineadminnetworkpolicy,shared}_types.go,
 * apis/v1alpha2 and apis/v1beta1 clusternetworkpolicy_types.go).
 *
 * Workload: tens of objects per load, each read once; every problem of an
 * object is reported (the reader keeps going), then it returns false.
 *
 * The CRD schema is what the API server enforces for these kinds (no
 * built-in validation runs on them), so the messages are worded as
 * apiextensions words them: "Required value", "Unsupported value",
 * "should have at least 1 properties" for an empty exactly-one-of object,
 * "must have at most 1 properties" for two of them, and the CEL rules'
 * own messages. What kgress refuses beyond the schema
 * (adminnetworkpolicy-semantics rule 37) says so in its message.
 */
#include "policy/cnp_model.h"

#include <string.h>

#include "k8s/names.h"
#include "policy/namepat.h"
#include "policy/netpol_model.h"

/* What differs between the kinds and versions while reading. */
struct shape {
    int version;
    bool banp; /* BaselineAdminNetworkPolicy */
    bool cnp;  /* ClusterNetworkPolicy */
    size_t max_rules, max_peers, max_ports;
};

static bool oom(struct kgi_ctx *c, const struct kgi_node *n)
{
    kgi_error(c, KG_ENOMEM, n, "out of memory");
    return false;
}

const char *kgi_cnp_action_name(int action, int version)
{
    switch (action) {
    case KGI_CNP_ALLOW:
        return version == KGI_CNP_V1ALPHA1 ? "Allow" : "Accept";
    case KGI_CNP_DENY:
        return "Deny";
    case KGI_CNP_PASS:
        return "Pass";
    default:
        return "?";
    }
}

/* An object field that must be a map (or null, read as absent). */
static const struct kgi_node *map_field(struct kgi_ctx *c,
                                        const struct kgi_node *map,
                                        const char *key, bool required,
                                        bool *ok)
{
    return kgi_field(c, map, key, KGI_NODE_MAP, required, ok);
}

/* Exactly one of the fields of an object (CRD min/maxProperties 1):
 * `set` of them are present. Unknown fields were already reported; an
 * object that had only unknown fields is not reported twice. */
static bool exactly_one(struct kgi_ctx *c, const struct kgi_node *n, int set,
                        const char *what, bool had_unknown)
{
    if (set == 1)
        return true;
    if (set == 0 && had_unknown)
        return false;
    if (set == 0)
        kgi_error(c, KG_EINVALID, n,
                  "Invalid value: %s in body should have at least 1 "
                  "properties (set one of %s)",
                  "object", what);
    else
        kgi_error(c, KG_EINVALID, n,
                  "Invalid value: %s in body must have at most 1 properties "
                  "(set only one of %s)",
                  "object", what);
    return false;
}

/* The number of present (non-null) fields of map among keys. */
static int count_present(const struct kgi_node *map, const char *const *keys)
{
    int n = 0;
    for (size_t i = 0; keys[i]; i++) {
        const struct kgi_node *v = kgi_node_get(map, keys[i]);
        n += v && !kgi_node_is_null(v);
    }
    return n;
}

/* A label selector that must be present (an empty {} selects all). */
static bool required_selector(struct kgi_ctx *c, const struct kgi_node *map,
                              const char *key, struct kgi_selector *out)
{
    bool present = false;
    bool ok = kgi_selector_read(c, map, key, out, &present);
    if (!present && ok) {
        size_t m = kgi_enter(c, key);
        kgi_error(c, KG_EREQUIRED, map, "Required value");
        kgi_leave(c, m);
        return false;
    }
    return ok;
}

/* NamespacedPod {namespaceSelector, podSelector} at map[key]: v1alpha1
 * needs both; CNP only podSelector (an absent namespaceSelector is {}). */
static bool read_namespaced_pod(struct kgi_ctx *c, const struct kgi_node *pn,
                                const struct shape *sh, struct kgi_selector *ns,
                                struct kgi_selector *pod)
{
    static const char *const fields[] = {"namespaceSelector", "podSelector",
                                         NULL};
    bool ok = kgi_known_fields(c, pn, fields);
    if (sh->cnp)
        ok = kgi_selector_read(c, pn, "namespaceSelector", ns, NULL) && ok;
    else
        ok = required_selector(c, pn, "namespaceSelector", ns) && ok;
    ok = required_selector(c, pn, "podSelector", pod) && ok;
    return ok;
}

/* An optional list with minItems/maxItems: absent (or null) is fine,
 * present it must hold min..max items. */
static const struct kgi_node *opt_list(struct kgi_ctx *c,
                                       const struct kgi_node *map,
                                       const char *key, size_t min, size_t max,
                                       bool *ok)
{
    const struct kgi_node *v = kgi_node_get(map, key);
    if (!v || kgi_node_is_null(v))
        return NULL;
    return kgi_field_list(c, map, key, min, max, ok);
}

static bool str_eq(struct kgi_str a, struct kgi_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* A string list item (path entered): a scalar that is not a YAML 1.1
 * number or boolean. */
static bool item_str(struct kgi_ctx *c, const struct kgi_node *n,
                     struct kgi_str *out)
{
    if (n->kind != KGI_NODE_SCALAR || kgi_scalar_is_plain_nonstring(n) ||
        (kgi_node_is_null(n) && !n->quoted)) {
        kgi_error(c, KG_ETYPE, n, "must be a string");
        return false;
    }
    *out = kgi_node_str(n);
    return true;
}

/* listType=set: a value equal to an earlier one is a duplicate. */
static bool unique_item(struct kgi_ctx *c, const struct kgi_node *n,
                        const struct kgi_str *seen, size_t n_seen,
                        struct kgi_str v)
{
    for (size_t i = 0; i < n_seen; i++) {
        if (str_eq(seen[i], v)) {
            struct kgi_quoted q;
            kgi_error(c, KG_EDUPLICATE, n, "Duplicate value: \"%s\"",
                      kgi_quote(&q, v.p, v.n));
            return false;
        }
    }
    return true;
}

/* CIDR (maxLength 43, CEL isCIDR; v1beta1 also cidr == cidr.masked()).
 * isCIDR refuses IPv4 leading zeros, zones and IPv4-mapped IPv6 outright
 * and accepts host bits, which kgress masks with a warning (as for
 * ipBlock), or refuses under KG_FLAG_STRICT_CIDR. */
static bool read_net(struct kgi_ctx *c, const struct kgi_node *n,
                     const struct shape *sh, struct kgi_cidr *out)
{
    struct kgi_str s;
    if (!item_str(c, n, &s))
        return false;
    struct kgi_quoted q;
    if (s.n > 43) {
        kgi_error(c, KG_ETOOLONG, n,
                  "Too long: may not be more than 43 bytes (has %zu)", s.n);
        return false;
    }
    unsigned w = 0;
    int rc = kgi_cidr_parse(s.p, s.n, 0, out, &w);
    if (rc || (w & (KGI_IPW_LEADING_ZERO | KGI_IPW_MAPPED))) {
        kgi_error(c, KG_EINVALID, n,
                  "Invalid value: \"%s\": Invalid CIDR format provided%s",
                  kgi_quote(&q, s.p, s.n),
                  rc == KGI_IP_ENOPREFIX ? " (a prefix length is required)"
                  : (w & KGI_IPW_LEADING_ZERO) ? " (IPv4 leading zeros)"
                  : (w & KGI_IPW_MAPPED)       ? " (IPv4-mapped IPv6)"
                                               : "");
        return false;
    }
    if (w & KGI_IPW_HOST_BITS) {
        char buf[KGI_CIDR_STRLEN];
        kgi_cidr_format(out, buf);
        if (sh->version == KGI_CNP_V1BETA1 ||
            kgi_flag(c->opts, KG_FLAG_STRICT_CIDR)) {
            kgi_error(c, KG_EINVALID, n,
                      "Invalid value: \"%s\": Invalid CIDR format provided "
                      "(host bits set: the network is \"%s\")",
                      kgi_quote(&q, s.p, s.n), buf);
            return false;
        }
        kgi_warning(c, KG_EINVALID, n,
                    "CIDR value \"%s\" has host bits set; it is read as "
                    "\"%s\"",
                    kgi_quote(&q, s.p, s.n), buf);
    }
    return true;
}

/* networks: 1-25 CIDRs, unique as written (listType=set). */
static bool read_networks(struct kgi_ctx *c, const struct kgi_node *pn,
                          const struct shape *sh, struct kgi_cnp_peer *out)
{
    bool ok = true;
    const struct kgi_node *l = kgi_field_list(c, pn, "networks", 1, 25, &ok);
    if (!l || !l->count)
        return false;
    out->nets = kgi_arena_calloc(c->arena, l->count, sizeof(*out->nets));
    struct kgi_str *seen = kgi_arena_calloc(c->arena, l->count, sizeof(*seen));
    if (!out->nets || !seen)
        return oom(c, l);
    size_t lm = kgi_enter(c, "networks");
    for (size_t i = 0; i < l->count; i++) {
        const struct kgi_node *n = l->u.items[i];
        size_t im = kgi_enter_index(c, i);
        struct kgi_cidr cidr;
        if (read_net(c, n, sh, &cidr) &&
            unique_item(c, n, seen, i, kgi_node_str(n)))
            out->nets[out->n_nets++] = cidr;
        else
            ok = false;
        if (n->kind == KGI_NODE_SCALAR)
            seen[i] = kgi_node_str(n);
        kgi_leave(c, im);
    }
    kgi_leave(c, lm);
    return ok;
}

/* domainNames: 1-25 DomainName patterns, unique (listType=set). */
static bool read_domains(struct kgi_ctx *c, const struct kgi_node *pn,
                         const struct shape *sh, struct kgi_cnp_peer *out)
{
    bool ok = true;
    const struct kgi_node *l = kgi_field_list(c, pn, "domainNames", 1, 25, &ok);
    if (!l || !l->count)
        return false;
    out->dialect =
        sh->version == KGI_CNP_V1BETA1 ? KGI_DN_V1BETA1 : KGI_DN_V1ALPHA;
    out->domains = kgi_arena_calloc(c->arena, l->count, sizeof(*out->domains));
    if (!out->domains)
        return oom(c, l);
    size_t lm = kgi_enter(c, "domainNames");
    for (size_t i = 0; i < l->count; i++) {
        const struct kgi_node *n = l->u.items[i];
        size_t im = kgi_enter_index(c, i);
        struct kgi_str s;
        if (!item_str(c, n, &s)) {
            ok = false;
        } else {
            const char *why = kgi_domain_pattern_check(s.p, s.n, out->dialect);
            struct kgi_quoted q;
            if (why) {
                kgi_error(c, KG_EINVALID, n, "Invalid value: \"%s\": %s",
                          kgi_quote(&q, s.p, s.n), why);
                ok = false;
            } else if (unique_item(c, n, out->domains, out->n_domains, s)) {
                out->domains[out->n_domains++] = s;
            } else {
                ok = false;
            }
        }
        kgi_leave(c, im);
    }
    kgi_leave(c, lm);
    return ok;
}

/* One peer of from / to (path: the peer). */
static bool read_peer(struct kgi_ctx *c, const struct kgi_node *pn,
                      const struct shape *sh, bool ingress,
                      struct kgi_cnp_peer *out)
{
    static const char *const ingress_fields[] = {"namespaces", "pods", NULL};
    static const char *const egress_fields[] = {
        "namespaces", "pods", "nodes", "networks", "domainNames", NULL};
    static const char *const banp_egress_fields[] = {"namespaces", "pods",
                                                     "nodes", "networks", NULL};
    memset(out, 0, sizeof(*out));
    out->node = pn;
    out->ns_sel.empty = out->pod_sel.empty = out->node_sel.empty = true;
    if (pn->kind != KGI_NODE_MAP) {
        kgi_error(c, KG_ETYPE, pn, "must be an object (map)");
        return false;
    }
    const char *const *fields = ingress    ? ingress_fields
                                : sh->banp ? banp_egress_fields
                                           : egress_fields;
    bool known = kgi_known_fields(c, pn, fields);
    int set = count_present(pn, fields);
    const char *what = ingress ? "namespaces, pods"
                       : sh->banp
                           ? "namespaces, pods, nodes, networks"
                           : "namespaces, pods, nodes, networks, domainNames";
    bool ok = exactly_one(c, pn, set, what, !known) && known;
    bool good = true;
    const struct kgi_node *v;
    if ((v = kgi_node_get(pn, "namespaces")) && !kgi_node_is_null(v)) {
        out->kind = KGI_CNP_PEER_NAMESPACES;
        good = kgi_selector_read(c, pn, "namespaces", &out->ns_sel, NULL);
    } else if ((v = map_field(c, pn, "pods", false, &good))) {
        out->kind = KGI_CNP_PEER_PODS;
        size_t m = kgi_enter(c, "pods");
        good = read_namespaced_pod(c, v, sh, &out->ns_sel, &out->pod_sel);
        kgi_leave(c, m);
    } else if (ingress) {
        /* nothing else is an ingress peer */
    } else if ((v = kgi_node_get(pn, "nodes")) && !kgi_node_is_null(v)) {
        out->kind = KGI_CNP_PEER_NODES;
        good = kgi_selector_read(c, pn, "nodes", &out->node_sel, NULL);
    } else if ((v = kgi_node_get(pn, "networks")) && !kgi_node_is_null(v)) {
        out->kind = KGI_CNP_PEER_NETWORKS;
        good = read_networks(c, pn, sh, out);
    } else if (!sh->banp && (v = kgi_node_get(pn, "domainNames")) &&
               !kgi_node_is_null(v)) {
        out->kind = KGI_CNP_PEER_DOMAINS;
        good = read_domains(c, pn, sh, out);
    }
    return ok && good;
}

/* A named port (path: its field entered): a container port name, so an
 * IANA service name; kgress refuses others (they can never match). */
static bool read_named(struct kgi_ctx *c, const struct kgi_node *n,
                       struct kgi_cnp_port *out)
{
    struct kgi_str s;
    if (!item_str(c, n, &s))
        return false;
    const char *why = kgi_check_iana_svc_name(s.p, s.n);
    if (why) {
        struct kgi_quoted q;
        kgi_error(c, KG_EINVALID, n,
                  "Invalid value: \"%s\": %s (a container port name; no "
                  "pod can declare it)",
                  kgi_quote(&q, s.p, s.n), why);
        return false;
    }
    out->name = s;
    out->protocol = 0;
    return true;
}

/* v1alpha1 ports[] item. */
static bool read_anp_port(struct kgi_ctx *c, const struct kgi_node *pn,
                          struct kgi_cnp_port *out)
{
    static const char *const fields[] = {"portNumber", "namedPort", "portRange",
                                         NULL};
    static const char *const number_fields[] = {"protocol", "port", NULL};
    static const char *const range_fields[] = {"protocol", "start", "end",
                                               NULL};
    memset(out, 0, sizeof(*out));
    out->node = pn;
    if (pn->kind != KGI_NODE_MAP) {
        kgi_error(c, KG_ETYPE, pn, "must be an object (map)");
        return false;
    }
    bool known = kgi_known_fields(c, pn, fields);
    bool ok = exactly_one(c, pn, count_present(pn, fields),
                          "portNumber, namedPort, portRange", !known) &&
              known;
    const struct kgi_node *v;
    bool good = true;
    int64_t x;
    if ((v = map_field(c, pn, "portNumber", false, &good))) {
        size_t m = kgi_enter(c, "portNumber");
        good = kgi_known_fields(c, v, number_fields);
        good = kgi_proto_field_read(c, v, &out->protocol) && good;
        if (kgi_field_int(c, v, "port", true, 1, 65535, &x, &good))
            out->lo = out->hi = (uint16_t)x;
        kgi_leave(c, m);
    } else if ((v = map_field(c, pn, "portRange", false, &good))) {
        size_t m = kgi_enter(c, "portRange");
        good = kgi_known_fields(c, v, range_fields);
        good = kgi_proto_field_read(c, v, &out->protocol) && good;
        int64_t lo = 0, hi = 0;
        bool has_lo = kgi_field_int(c, v, "start", true, 1, 65535, &lo, &good);
        bool has_hi = kgi_field_int(c, v, "end", true, 1, 65535, &hi, &good);
        if (has_lo && has_hi && lo > hi) {
            size_t em = kgi_enter(c, "end");
            kgi_error(c, KG_EINVALID, kgi_node_get(v, "end"),
                      "Invalid value: %lld: must be greater than or equal "
                      "to start (%lld) (kgress refuses an empty range: it "
                      "would match no port)",
                      (long long)hi, (long long)lo);
            kgi_leave(c, em);
            good = false;
        }
        out->lo = (uint16_t)lo;
        out->hi = (uint16_t)hi;
        kgi_leave(c, m);
    } else if ((v = kgi_node_get(pn, "namedPort")) && !kgi_node_is_null(v)) {
        size_t m = kgi_enter(c, "namedPort");
        good = read_named(c, v, out);
        kgi_leave(c, m);
    }
    return ok && good;
}

/* CNP protocols[].{tcp,udp,sctp}.destinationPort (path: the protocol's
 * field entered). */
static bool read_dest_port(struct kgi_ctx *c, const struct kgi_node *pm,
                           struct kgi_cnp_port *out)
{
    static const char *const proto_fields[] = {"destinationPort", NULL};
    static const char *const port_fields[] = {"number", "range", NULL};
    static const char *const range_fields[] = {"start", "end", NULL};
    bool ok = kgi_known_fields(c, pm, proto_fields);
    const struct kgi_node *dp = map_field(c, pm, "destinationPort", false, &ok);
    if (!dp) {
        if (ok && count_present(pm, proto_fields) == 0)
            kgi_error(c, KG_EINVALID, pm,
                      "Invalid value: object in body should have at least 1 "
                      "properties (set destinationPort; all ports are "
                      "range 1-65535)");
        return false;
    }
    size_t m = kgi_enter(c, "destinationPort");
    bool known = kgi_known_fields(c, dp, port_fields);
    ok = exactly_one(c, dp, count_present(dp, port_fields), "number, range",
                     !known) &&
         known && ok;
    int64_t x;
    const struct kgi_node *r;
    if (kgi_node_get(dp, "number") &&
        !kgi_node_is_null(kgi_node_get(dp, "number"))) {
        if (kgi_field_int(c, dp, "number", false, 1, 65535, &x, &ok))
            out->lo = out->hi = (uint16_t)x;
    } else if ((r = map_field(c, dp, "range", false, &ok))) {
        size_t rm = kgi_enter(c, "range");
        ok = kgi_known_fields(c, r, range_fields) && ok;
        int64_t lo = 0, hi = 0;
        bool has_lo = kgi_field_int(c, r, "start", true, 1, 65535, &lo, &ok);
        bool has_hi = kgi_field_int(c, r, "end", true, 1, 65535, &hi, &ok);
        if (has_lo && has_hi && lo >= hi) {
            /* CEL self.start < self.end */
            kgi_error(c, KG_EINVALID, r,
                      "Invalid value: \"object\": Start port must be less "
                      "than End port");
            ok = false;
        }
        out->lo = (uint16_t)lo;
        out->hi = (uint16_t)hi;
        kgi_leave(c, rm);
    }
    kgi_leave(c, m);
    return ok;
}

/* CNP protocols[] item. */
static bool read_cnp_protocol(struct kgi_ctx *c, const struct kgi_node *pn,
                              struct kgi_cnp_port *out)
{
    static const char *const fields[] = {"tcp", "udp", "sctp",
                                         "destinationNamedPort", NULL};
    static const struct {
        const char *key;
        int proto;
    } protos[] = {{"tcp", KGI_PROTO_TCP},
                  {"udp", KGI_PROTO_UDP},
                  {"sctp", KGI_PROTO_SCTP}};
    memset(out, 0, sizeof(*out));
    out->node = pn;
    if (pn->kind != KGI_NODE_MAP) {
        kgi_error(c, KG_ETYPE, pn, "must be an object (map)");
        return false;
    }
    bool known = kgi_known_fields(c, pn, fields);
    bool ok = exactly_one(c, pn, count_present(pn, fields),
                          "tcp, udp, sctp, destinationNamedPort", !known) &&
              known;
    bool good = true;
    for (size_t i = 0; i < 3; i++) {
        const struct kgi_node *v =
            map_field(c, pn, protos[i].key, false, &good);
        if (!v)
            continue;
        size_t m = kgi_enter(c, protos[i].key);
        out->protocol = protos[i].proto;
        good = read_dest_port(c, v, out);
        kgi_leave(c, m);
        return ok && good;
    }
    const struct kgi_node *v = kgi_node_get(pn, "destinationNamedPort");
    if (v && !kgi_node_is_null(v)) {
        size_t m = kgi_enter(c, "destinationNamedPort");
        good = read_named(c, v, out);
        kgi_leave(c, m);
    }
    return ok && good;
}

/* action: Allow|Deny|Pass (ANP), Allow|Deny (BANP), Accept|Deny|Pass
 * (CNP); case-sensitive enums. */
static bool read_action(struct kgi_ctx *c, const struct kgi_node *rn,
                        const struct shape *sh, int *out)
{
    bool ok = true;
    struct kgi_str s;
    *out = 0;
    if (!kgi_field_str(c, rn, "action", true, &s, &ok))
        return false;
    const char *allow = sh->cnp ? "Accept" : "Allow";
    if (kgi_str_eq(s, allow))
        *out = KGI_CNP_ALLOW;
    else if (kgi_str_eq(s, "Deny"))
        *out = KGI_CNP_DENY;
    else if (kgi_str_eq(s, "Pass") && !sh->banp)
        *out = KGI_CNP_PASS;
    if (*out)
        return true;
    struct kgi_quoted q;
    size_t m = kgi_enter(c, "action");
    kgi_error(c, KG_ENOTSUPPORTED, kgi_node_get(rn, "action"),
              "Unsupported value: \"%s\": supported values: \"%s\", "
              "\"Deny\"%s",
              kgi_quote(&q, s.p, s.n), allow, sh->banp ? "" : ", \"Pass\"");
    kgi_leave(c, m);
    return false;
}

static bool read_rule(struct kgi_ctx *c, const struct kgi_node *rn,
                      const struct shape *sh, bool ingress,
                      struct kgi_cnp_rule *out)
{
    static const char *const anp_in[] = {"name", "action", "from", "ports",
                                         NULL};
    static const char *const anp_out[] = {"name", "action", "to", "ports",
                                          NULL};
    static const char *const cnp_in[] = {"name", "action", "from", "protocols",
                                         NULL};
    static const char *const cnp_out[] = {"name", "action", "to", "protocols",
                                          NULL};
    memset(out, 0, sizeof(*out));
    out->node = rn;
    if (rn->kind != KGI_NODE_MAP) {
        kgi_error(c, KG_ETYPE, rn, "must be an object (map)");
        return false;
    }
    bool ok = kgi_known_fields(c, rn,
                               sh->cnp ? (ingress ? cnp_in : cnp_out)
                                       : (ingress ? anp_in : anp_out));
    if (kgi_field_str(c, rn, "name", false, &out->name, &ok) &&
        out->name.n > 100) {
        size_t m = kgi_enter(c, "name");
        kgi_error(c, KG_ETOOLONG, kgi_node_get(rn, "name"),
                  "Too long: may not be more than 100 bytes (has %zu)",
                  out->name.n);
        kgi_leave(c, m);
        ok = false;
    }
    ok = read_action(c, rn, sh, &out->action) && ok;

    const char *pkey = ingress ? "from" : "to";
    const struct kgi_node *peers =
        kgi_field_list(c, rn, pkey, 1, sh->max_peers, &ok);
    bool has_addr_peer = false, has_dom_peer = false;
    if (peers && peers->count) {
        out->peers =
            kgi_arena_calloc(c->arena, peers->count, sizeof(*out->peers));
        if (!out->peers)
            return oom(c, peers);
        size_t m = kgi_enter(c, pkey);
        for (size_t i = 0; i < peers->count; i++) {
            size_t im = kgi_enter_index(c, i);
            struct kgi_cnp_peer *p = &out->peers[i];
            ok = read_peer(c, peers->u.items[i], sh, ingress, p) && ok;
            has_addr_peer = has_addr_peer || p->kind == KGI_CNP_PEER_NODES ||
                            p->kind == KGI_CNP_PEER_NETWORKS;
            if (p->kind == KGI_CNP_PEER_DOMAINS) {
                has_dom_peer = true;
                if (out->action && out->action != KGI_CNP_ALLOW) {
                    /* rule 37, fqdn-semantics rule 4 */
                    size_t dm = kgi_enter(c, "domainNames");
                    kgi_error(c, KG_ENOTSUPPORTED,
                              kgi_node_get(p->node, "domainNames"),
                              "Unsupported value: domainNames peers are "
                              "supported only in %s rules (the API says so; "
                              "a %s on a name cannot be enforced: a name's "
                              "addresses are never all known)",
                              sh->cnp ? "Accept" : "Allow",
                              kgi_cnp_action_name(out->action, sh->version));
                    kgi_leave(c, dm);
                    ok = false;
                }
            }
            kgi_leave(c, im);
        }
        out->n_peers = peers->count;
        kgi_leave(c, m);
    }

    const char *portkey = sh->cnp ? "protocols" : "ports";
    const struct kgi_node *ports =
        opt_list(c, rn, portkey, 1, sh->max_ports, &ok);
    if (ports && ports->count) {
        out->ports =
            kgi_arena_calloc(c->arena, ports->count, sizeof(*out->ports));
        if (!out->ports)
            return oom(c, ports);
        size_t m = kgi_enter(c, portkey);
        for (size_t i = 0; i < ports->count; i++) {
            size_t im = kgi_enter_index(c, i);
            struct kgi_cnp_port *p = &out->ports[i];
            ok = (sh->cnp ? read_cnp_protocol(c, ports->u.items[i], p)
                          : read_anp_port(c, ports->u.items[i], p)) &&
                 ok;
            out->has_named = out->has_named || p->name.n > 0;
            kgi_leave(c, im);
        }
        out->n_ports = ports->count;
        kgi_leave(c, m);
    }
    /* CEL of the egress rule: no named port with a peer that has none */
    if (!ingress && out->has_named &&
        (has_addr_peer || (has_dom_peer && !sh->banp))) {
        kgi_error(c, KG_EINVALID, rn,
                  sh->banp ? "Invalid value: \"object\": networks/nodes peer "
                             "cannot be set with namedPorts since there are no "
                             "namedPorts for networks/nodes"
                           : "Invalid value: \"object\": networks/nodes/"
                             "domainNames peer cannot be set with namedPorts "
                             "since there are no namedPorts for "
                             "networks/nodes/domainNames");
        ok = false;
    }
    return ok;
}

static bool read_rules(struct kgi_ctx *c, const struct kgi_node *spec,
                       const struct shape *sh, int dir,
                       struct kgi_cnp_policy *out)
{
    bool ok = true;
    const char *key = dir == KG_INGRESS ? "ingress" : "egress";
    const struct kgi_node *l = opt_list(c, spec, key, 0, sh->max_rules, &ok);
    if (!l || l->count == 0)
        return ok;
    struct kgi_cnp_rule *v = kgi_arena_calloc(c->arena, l->count, sizeof(*v));
    if (!v)
        return oom(c, l);
    size_t m = kgi_enter(c, key);
    for (size_t i = 0; i < l->count; i++) {
        size_t im = kgi_enter_index(c, i);
        size_t before = c->errors;
        bool rok = read_rule(c, l->u.items[i], sh, dir == KG_INGRESS, &v[i]);
        v[i].invalid = !rok || c->errors != before;
        out->rule_errors += c->errors - before;
        ok = rok && ok;
        kgi_leave(c, im);
    }
    kgi_leave(c, m);
    out->rules[dir] = v;
    out->n_rules[dir] = l->count;
    return ok;
}

/* spec.subject: exactly one of namespaces / pods. */
static bool read_subject(struct kgi_ctx *c, const struct kgi_node *spec,
                         const struct shape *sh, struct kgi_cnp_policy *out)
{
    static const char *const fields[] = {"namespaces", "pods", NULL};
    bool ok = true;
    const struct kgi_node *s = map_field(c, spec, "subject", true, &ok);
    if (!s)
        return false;
    size_t m = kgi_enter(c, "subject");
    bool known = kgi_known_fields(c, s, fields);
    ok = exactly_one(c, s, count_present(s, fields), "namespaces, pods",
                     !known) &&
         known;
    const struct kgi_node *v;
    bool good = true;
    if ((v = kgi_node_get(s, "namespaces")) && !kgi_node_is_null(v)) {
        good = kgi_selector_read(c, s, "namespaces", &out->subj_ns, NULL);
    } else if ((v = map_field(c, s, "pods", false, &good))) {
        out->subj_pods = true;
        size_t pm = kgi_enter(c, "pods");
        good = read_namespaced_pod(c, v, sh, &out->subj_ns, &out->subj_pod);
        kgi_leave(c, pm);
    }
    kgi_leave(c, m);
    return ok && good;
}

bool kgi_cnp_read(struct kgi_ctx *c, const struct kgi_meta *m,
                  struct kgi_cnp_policy *out)
{
    static const char *const anp_fields[] = {"priority", "subject", "ingress",
                                             "egress", NULL};
    static const char *const banp_fields[] = {"subject", "ingress", "egress",
                                              NULL};
    static const char *const cnp_fields[] = {"tier",    "priority", "subject",
                                             "ingress", "egress",   NULL};
    bool ok = true;
    memset(out, 0, sizeof(*out));
    out->meta = *m;
    out->subj_ns.empty = out->subj_pod.empty = true;
    struct shape sh = {KGI_CNP_V1ALPHA1, false, false, 100, 100, 100};
    if (m->kind == KGI_KIND_CLUSTERNETWORKPOLICY) {
        sh.cnp = true;
        sh.version = kgi_str_eq(m->api_version, "policy.networking.k8s.io/"
                                                "v1beta1")
                         ? KGI_CNP_V1BETA1
                         : KGI_CNP_V1ALPHA2;
        sh.max_rules = sh.max_peers = sh.max_ports = 25;
    } else if (m->kind == KGI_KIND_BASELINEADMINNETWORKPOLICY) {
        sh.banp = true;
    }
    out->version = sh.version;
    out->tier = sh.banp ? KGI_CNP_BASELINE : KGI_CNP_ADMIN;
    out->priority = sh.banp ? KGI_CNP_BANP_PRIORITY : 0;

    if (sh.banp && !kgi_str_eq(m->name, "default")) {
        /* CEL on the kind: self.metadata.name == 'default' */
        const struct kgi_node *md = kgi_node_get(m->node, "metadata");
        const struct kgi_node *nm = md ? kgi_node_get(md, "name") : NULL;
        size_t mm = kgi_enter(c, "metadata");
        kgi_enter(c, "name");
        kgi_error(c, KG_EINVALID, nm ? nm : m->node,
                  "Invalid value: \"object\": Only one baseline admin network "
                  "policy with metadata.name=\"default\" can be created in "
                  "the cluster");
        kgi_leave(c, mm);
        ok = false;
    }

    const struct kgi_node *spec = map_field(c, m->node, "spec", true, &ok);
    if (!spec)
        return false;
    size_t sm = kgi_enter(c, "spec");
    ok = kgi_known_fields(c, spec,
                          sh.cnp ? cnp_fields
                                 : (sh.banp ? banp_fields : anp_fields)) &&
         ok;
    if (sh.cnp) {
        struct kgi_str t;
        if (kgi_field_str(c, spec, "tier", true, &t, &ok)) {
            if (kgi_str_eq(t, "Admin")) {
                out->tier = KGI_CNP_ADMIN;
            } else if (kgi_str_eq(t, "Baseline")) {
                out->tier = KGI_CNP_BASELINE;
            } else {
                struct kgi_quoted q;
                size_t tm = kgi_enter(c, "tier");
                kgi_error(c, KG_ENOTSUPPORTED, kgi_node_get(spec, "tier"),
                          "Unsupported value: \"%s\": supported values: "
                          "\"Admin\", \"Baseline\"",
                          kgi_quote(&q, t.p, t.n));
                kgi_leave(c, tm);
                ok = false;
            }
        }
    }
    if (!sh.banp) {
        int64_t p = 0;
        if (kgi_field_int(c, spec, "priority", true, 0, 1000, &p, &ok))
            out->priority = (int32_t)p;
    }
    ok = read_subject(c, spec, &sh, out) && ok;
    ok = read_rules(c, spec, &sh, KG_INGRESS, out) && ok;
    ok = read_rules(c, spec, &sh, KG_EGRESS, out) && ok;
    kgi_leave(c, sm);
    return ok;
}

/* ------------------------------------------------------------------ Node */

bool kgi_k8s_node_read(struct kgi_ctx *c, const struct kgi_meta *m,
                       struct kgi_k8s_node *out)
{
    bool ok = true;
    memset(out, 0, sizeof(*out));
    out->meta = *m;
    out->labels = m->labels;
    const struct kgi_node *st = map_field(c, m->node, "status", false, &ok);
    if (!st)
        return ok;
    size_t sm = kgi_enter(c, "status");
    const struct kgi_node *l =
        kgi_field(c, st, "addresses", KGI_NODE_SEQ, false, &ok);
    if (l) {
        size_t lm = kgi_enter(c, "addresses");
        for (size_t i = 0; i < l->count; i++) {
            const struct kgi_node *a = l->u.items[i];
            size_t im = kgi_enter_index(c, i);
            struct kgi_str type, addr;
            if (a->kind != KGI_NODE_MAP) {
                kgi_error(c, KG_ETYPE, a, "must be an object (map)");
                ok = false;
            } else if (kgi_field_str(c, a, "type", true, &type, &ok) &&
                       kgi_field_str(c, a, "address", true, &addr, &ok) &&
                       (kgi_str_eq(type, "InternalIP") ||
                        kgi_str_eq(type, "ExternalIP"))) {
                /* adminnetworkpolicy-semantics rule 20: the IP entries;
                 * Hostname and the DNS types are names */
                struct kgi_ip ip;
                size_t am = kgi_enter(c, "address");
                bool good =
                    kgi_ip_node_read(c, kgi_node_get(a, "address"), &ip);
                kgi_leave(c, am);
                ok = good && ok;
                bool dup = false;
                for (size_t k = 0; good && k < out->n_addrs; k++)
                    dup = dup || kgi_ip_equal(&out->addrs[k], &ip);
                if (good && !dup && out->n_addrs < KGI_NODE_MAX_ADDRS)
                    out->addrs[out->n_addrs++] = ip;
            }
            kgi_leave(c, im);
        }
        kgi_leave(c, lm);
    }
    kgi_leave(c, sm);
    return ok;
}
