// SPDX-License-Identifier: MIT
/*
 * netpol.h - the typed model of the objects a flow verdict needs:
 * networking.k8s.io/v1 NetworkPolicy, v1 Namespace and v1 Pod, read from
 * node trees with the API server's validation and defaulting.
 *
 * Workload: a cluster dump of up to ~10^4 pods and ~10^3 policies is read
 * once per compile; the compiler (policy/netpol_compile) walks these structs to
 * build its tables. Everything is allocated in the caller's arena
 * (c->arena) and strings point into the node tree, so a whole load is freed
 * at once; the compiler copies what its tables keep.
 *
 * Defaulting applied here, so the compiler sees final values:
 *   - policyTypes absent or empty: [Ingress], plus Egress when spec.egress
 *     has an element (netpol-semantics rule 2) -> ingress_type/egress_type;
 *   - ports[].protocol absent: TCP (rule 21);
 *   - a Namespace always has the label kubernetes.io/metadata.name = its
 *     name, overwriting a user value (rule 17);
 *   - containerPort protocol absent: TCP.
 * Validation: rules 27-33 of netpol-semantics.md, and the Pod/Namespace
 * fields read (a Pod's other fields -- container names, images, ... -- are
 * not a verdict's business and are not checked). Every problem is
 * reported at its field path and mark. Unknown fields inside a
 * NetworkPolicy spec are errors (a misspelt key would silently widen a
 * rule). IPs and CIDRs are normalized: IPv4-mapped IPv6 becomes IPv4,
 * leading zeros are dropped, host bits are masked (see util/ip.h).
 *
 * (The compiled tables are `struct kgi_netpol` of policy/table.h; the
 * model of one policy object is therefore `struct kgi_np_policy`.)
 */
#ifndef KGI_MODEL_NETPOL_H
#define KGI_MODEL_NETPOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/field.h"
#include "k8s/meta.h"
#include "k8s/selector.h"
#include "util/ip.h"

/* IP protocol numbers (IANA), the only three NetworkPolicy knows. */
#define KGI_PROTO_TCP 6
#define KGI_PROTO_UDP 17
#define KGI_PROTO_SCTP 132

/* "TCP"/"UDP"/"SCTP" (exact, case-sensitive as the API) -> KGI_PROTO_*, or
 * 0 for anything else. */
int kgi_proto_parse(const char *s, size_t n);
/* KGI_PROTO_* -> "TCP"/"UDP"/"SCTP"; "?" otherwise. */
const char *kgi_proto_name(int proto);

#define KGI_NS_NAME_LABEL "kubernetes.io/metadata.name"

/* ------------------------------------------------------------- Namespace */

struct kgi_namespace {
    struct kgi_meta meta;
    /* metadata.labels plus kubernetes.io/metadata.name = meta.name, sorted
     * (a user value of that label is overwritten, as defaulting does) */
    struct kgi_kvs labels;
};

/* ------------------------------------------------------------------- Pod */

#define KGI_POD_MAX_IPS 2 /* podIPs: at most one per family */

struct kgi_container_port {
    struct kgi_str name; /* {NULL,0} when unnamed */
    uint16_t port;       /* containerPort, 1..65535 */
    int protocol;        /* KGI_PROTO_*, default TCP */
    const struct kgi_node *node;
};

/* Where a pod is in its life (status.phase, metadata.deletionTimestamp).
 * Only a live pod owns its IPs: a Succeeded or Failed pod has released
 * them (the kubelet tore its sandbox down; a reused IP belongs to the new
 * pod), and so has a pod whose deletion grace period is over. */
enum kgi_pod_life {
    KGI_POD_LIVE = 0,
    KGI_POD_SUCCEEDED = 1,
    KGI_POD_FAILED = 2,
    KGI_POD_DELETED = 3, /* deletionTimestamp in the past */
};

struct kgi_pod {
    struct kgi_meta meta;
    int life;              /* enum kgi_pod_life; not KGI_POD_LIVE: n_ips is 0 */
    struct kgi_kvs labels; /* = meta.labels */
    /* status.podIPs (else status.podIP); dual-stack: at most one per
     * family; n_ips 0 when the pod has no IP yet (not scheduled/running) */
    struct kgi_ip ips[KGI_POD_MAX_IPS];
    size_t n_ips;
    /* status.hostIPs (else status.hostIP); host_ip = host_ips[0] */
    bool has_host_ip;
    struct kgi_ip host_ip;
    struct kgi_ip host_ips[KGI_POD_MAX_IPS];
    size_t n_host_ips;
    bool host_network; /* spec.hostNetwork */
    /* spec.containers[].ports[], in order (init and ephemeral containers
     * are not read). Names are unique within a container; a name repeated
     * in another container is accepted with a warning (the API server
     * does not check it), so a lookup by name must consider every port
     * with that name and protocol. */
    struct kgi_container_port *ports;
    size_t n_ports;
};

/* --------------------------------------------------------- NetworkPolicy */

enum kgi_np_peer_kind {
    KGI_PEER_SELECTORS = 1, /* podSelector and/or namespaceSelector */
    KGI_PEER_IPBLOCK = 2,
};

struct kgi_np_peer {
    int kind; /* enum kgi_np_peer_kind */
    /* KGI_PEER_SELECTORS: at least one of these is set. Only pod_sel: pods
     * of the policy's namespace (rule 12); only ns_sel: all pods of the
     * matching namespaces (13); both: AND (14). */
    bool has_pod_sel, has_ns_sel;
    struct kgi_selector pod_sel, ns_sel;
    /* KGI_PEER_IPBLOCK: masked cidr and except entries, each except
     * strictly inside cidr and of its family (rule 31) */
    struct kgi_cidr cidr;
    struct kgi_cidr *except;
    size_t n_except;
    const struct kgi_node *node; /* the peer item */
};

struct kgi_np_port {
    int protocol; /* KGI_PROTO_*, default TCP */
    /* any_port: no `port` given (all ports of the protocol). Otherwise a
     * numeric range [port, end_port] (end_port = port without endPort) or,
     * when name.n > 0, a named port (port = end_port = 0) resolved on the
     * destination pod (rule 23). */
    bool any_port;
    uint16_t port, end_port;
    struct kgi_str name;
    const struct kgi_node *node; /* the ports item */
};

struct kgi_np_rule {
    struct kgi_np_peer *peers; /* from (ingress) / to (egress) */
    size_t n_peers;
    bool any_peer; /* from/to missing or empty: every peer (rule 6) */
    struct kgi_np_port *ports;
    size_t n_ports;
    bool any_ports; /* ports missing or empty: every port and protocol */
    const struct kgi_node *node;
};

struct kgi_np_policy {
    struct kgi_meta meta;
    struct kgi_selector pod_selector; /* spec.podSelector; absent = {} */
    /* policyTypes after defaulting (rule 2); only a listed direction
     * applies (rule 3), the rules of the other one are kept but unused */
    bool ingress_type, egress_type;
    struct kgi_np_rule *ingress, *egress;
    size_t n_ingress, n_egress;
};

/* ---------------------------------------------------------------- readers */
/*
 * Each reads the object whose kind and metadata m describes (from
 * kgi_meta_read; m->node is the object) into *out, copying *m into
 * out->meta. Arrays go to c->arena; strings point into the node tree.
 * Every problem is reported through c (kgi_error / kgi_warning at the field
 * path and node); returns false when the object is invalid (any error,
 * including KG_ENOMEM, reported as a KG_ENOMEM error diagnostic). The
 * forms the API server accepts with a warning (CIDR host bits, IPv4
 * leading zeros, IPv4-mapped IPv6; also in pod/host IPs) are normalized
 * with a KG_EINVALID diagnostic of severity warning, or are KG_EINVALID
 * errors under KG_FLAG_STRICT_CIDR.
 */
bool kgi_namespace_read(struct kgi_ctx *c, const struct kgi_meta *m,
                        struct kgi_namespace *out);
bool kgi_pod_read(struct kgi_ctx *c, const struct kgi_meta *m,
                  struct kgi_pod *out);
bool kgi_netpol_read(struct kgi_ctx *c, const struct kgi_meta *m,
                     struct kgi_np_policy *out);

/* The `protocol` field of map (a policy port, a container port, a
 * v1alpha1 tier port): TCP when absent, else exactly "TCP", "UDP" or
 * "SCTP" (KG_ENOTSUPPORTED otherwise). Returns false after reporting. */
bool kgi_proto_field_read(struct kgi_ctx *c, const struct kgi_node *map,
                          int *out);

/* An IP address scalar n (a pod, host or node address; the path already
 * entered): the legacy forms accepted with a warning as for pod IPs. */
bool kgi_ip_node_read(struct kgi_ctx *c, const struct kgi_node *n,
                      struct kgi_ip *out);

/* The first container port of pod with that name and protocol, or NULL
 * (see kgi_pod.ports for names repeated across containers). */
const struct kgi_container_port *kgi_pod_named_port(const struct kgi_pod *pod,
                                                    const char *name, size_t n,
                                                    int protocol);

#endif
