// SPDX-License-Identifier: MIT
/*
 * service.h - flows to a Service address: the table from (ClusterIP,
 * protocol, port) to the ready endpoints behind it, and the verdict of
 * such a flow as a thin layer over the engine's single-flow check.
 *
 * Workload: built once per compile from the Services, EndpointSlices and
 * Pods of a dump; per flow, one binary search of the destination in a
 * sorted array (a miss for every flow to a pod), then one kg_check per
 * endpoint for a Service flow. No allocation, no lock.
 *
 * A sidecar or node agent that sees a connection before kube-proxy's DNAT
 * sees the ClusterIP, which is no pod: judging it as "not a pod" would
 * allow what the policies of every pod behind the Service deny. The
 * verdict is therefore the one of the endpoints the flow would reach
 * (docs/services.md): each ready endpoint, with the Service port
 * translated to the endpoint's targetPort, allowed when every endpoint
 * allows it (KG_FLAG_SERVICE_ANY_ENDPOINT: when one does).
 */
#ifndef KGI_POLICY_SERVICE_H
#define KGI_POLICY_SERVICE_H

#include <stdint.h>

#include "kgress.h"
#include "util/arena.h"
#include "util/ip.h"

struct kgi_compile_in; /* k8s/engine.h */

struct kgi_svc_ep {
    struct kgi_ip ip;
    uint16_t port; /* after translation */
};

/* One (address, protocol, port) of a Service; entries sorted by (address,
 * protocol, port). */
struct kgi_svc_entry {
    struct kgi_ip ip;
    uint8_t proto;
    uint16_t port;
    const char *service; /* "namespace/name" */
    uint32_t first, n;   /* its endpoints in eps[] */
};

struct kgi_services {
    struct kgi_arena arena;
    bool any; /* KG_FLAG_SERVICE_ANY_ENDPOINT */
    /* some endpoints came from pods (a Service with a selector and no
     * EndpointSlice): a pod change changes the table */
    bool from_pods;
    uint32_t n_entries;
    struct kgi_svc_entry *entries;
    struct kgi_svc_ep *eps;
    /* one entry per address, for an address that is a Service's but not
     * with the flow's port: sorted like entries, n_addrs of them */
    uint32_t n_addrs;
    struct kgi_svc_entry *addrs;
};

/* Builds the table (also when there are no Services: an empty one).
 * Returns 0, KG_ECOMPILE or KG_ENOMEM; *out NULL on failure. */
int kgi_services_build(const struct kgi_compile_in *in,
                       struct kgi_services **out);
void kgi_services_free(struct kgi_services *s);

/* When flow's destination (dst, its parsed form) and port/protocol is a
 * Service address, replaces the sides of *out (the direct verdict
 * kgi_netpol_check computed on np; a full-size struct) by those of the
 * Service's endpoints and sets its service fields. */
struct kgi_netpol;
void kgi_services_flow(const struct kgi_services *s,
                       const struct kgi_netpol *np, const struct kg_flow *flow,
                       const struct kgi_ip *dst, struct kg_verdict *out);

#endif
