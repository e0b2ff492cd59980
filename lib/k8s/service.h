// SPDX-License-Identifier: MIT
/*
 * service.h - the Service inventory: v1 Service and discovery.k8s.io/v1
 * EndpointSlice, read with the API server's validation of the fields a
 * verdict needs.
 *
 * Workload: a cluster dump holds about one Service per workload and one or
 * a few EndpointSlices per Service; they are read once per compile and the
 * policy engine (policy/service.c) turns them into a table from
 * (ClusterIP, protocol, port) to the endpoints behind it. Arrays live in
 * the caller's arena, strings point into the node tree.
 *
 * What is read (k8s.io/api core/v1 ServiceSpec, discovery/v1):
 *   Service: spec.type (ClusterIP default), spec.clusterIP / clusterIPs
 *   ("None" = headless), spec.externalName, spec.selector (a plain map,
 *   not a LabelSelector), spec.ports[] {name, protocol (TCP default), port,
 *   targetPort (number or name; absent: = port)}.
 *   EndpointSlice: label kubernetes.io/service-name, addressType,
 *   endpoints[] {addresses, conditions.ready (absent: ready, as the API
 *   says consumers should read an unknown state), targetRef (Pod)},
 *   ports[] {name, protocol, port}.
 */
#ifndef KGI_K8S_SERVICE_H
#define KGI_K8S_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/field.h"
#include "k8s/meta.h"
#include "util/ip.h"

#define KGI_SVC_SLICE_LABEL "kubernetes.io/service-name"

struct kgi_svc_port {
    struct kgi_str name; /* {NULL,0}: unnamed (only when it is the only one) */
    int protocol;        /* 6, 17, 132 (IANA numbers) */
    uint16_t port;
    uint16_t target;            /* numeric targetPort (absent: = port) */
    struct kgi_str target_name; /* a named targetPort, resolved per pod */
};

enum kgi_svc_type {
    KGI_SVC_CLUSTER_IP = 0,
    KGI_SVC_NODE_PORT = 1,
    KGI_SVC_LOAD_BALANCER = 2,
    KGI_SVC_EXTERNAL_NAME = 3,
};

struct kgi_service {
    struct kgi_meta meta;
    int type;      /* enum kgi_svc_type */
    bool headless; /* clusterIP None: no virtual IP, DNS names the pods */
    struct kgi_ip ips[2]; /* clusterIPs (at most one per family) */
    size_t n_ips;
    bool has_selector;
    struct kgi_kvs selector;
    struct kgi_svc_port *ports;
    size_t n_ports;
};

struct kgi_slice_port {
    struct kgi_str name;
    int protocol;
    uint16_t port; /* 0: all ports (a slice port without number) */
};

struct kgi_slice_endpoint {
    struct kgi_ip ips[4];
    size_t n_ips;
    bool ready;
    struct kgi_str pod_ns, pod_name; /* targetRef of kind Pod, else {0} */
};

struct kgi_slice {
    struct kgi_meta meta;
    struct kgi_str service; /* label kubernetes.io/service-name */
    int family;             /* 4, 6, or 0 (FQDN: not read) */
    struct kgi_slice_endpoint *endpoints;
    size_t n_endpoints;
    struct kgi_slice_port *ports;
    size_t n_ports;
};

/* Read the object m describes into *out (see netpol_model.h for the
 * conventions); false when it is invalid, every problem reported. */
bool kgi_service_read(struct kgi_ctx *c, const struct kgi_meta *m,
                      struct kgi_service *out);
bool kgi_slice_read(struct kgi_ctx *c, const struct kgi_meta *m,
                    struct kgi_slice *out);

#endif
