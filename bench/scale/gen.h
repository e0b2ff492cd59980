// SPDX-License-Identifier: MIT
/*
 * gen.h - generated clusters for the scale benchmark (issue 10): N
 * namespaces of K pods each and two NetworkPolicies per namespace, as one
 * YAML stream, deterministic for given (N, K).
 *
 * Per namespace nsI (labels team=t(I%50), env=prod|staging|dev):
 *   - K pods pJ with labels app=a(J%5), role=frontend|backend|db (J%3),
 *     version=v(J%2), named container ports http (8000 or 8080) and
 *     metrics (9090), one IPv4 address 10.x.y.z (pod number + 1), one pod
 *     in ten dual-stack (fd00::/64);
 *   - default-deny: every pod isolated both ways, ingress from the
 *     namespace's own pods, egress to them and to kube-dns (UDP and TCP 53);
 *   - app: pods with app In [a(I%5), a(I+1 %5)], ingress from frontends of
 *     another team (namespace + pod selector, named port http and 443),
 *     from 172.16.0.0/12 except one /24, from pods of non-dev namespaces
 *     (NotIn) on 9000-9100 (endPort); egress to databases of a team on 5432,
 *     to kube-dns on 53, to 0.0.0.0/0 except the private ranges on 443.
 * plus kube-system with a coredns pod (10.255.0.10).
 *
 * The same text builders give single objects for the incremental figures
 * (a pod added, deleted or relabelled; a policy changed).
 */
#ifndef KGRESS_BENCH_SCALE_GEN_H
#define KGRESS_BENCH_SCALE_GEN_H

#include <stdint.h>
#include <string.h>

#include "../../tests/common/tbuf.h"
#include "kgress.h"

struct gen_cfg {
    unsigned ns;     /* namespaces */
    unsigned per_ns; /* pods per namespace */
};

static inline void gen_pod_ip(unsigned k, char *buf, size_t cap)
{
    k += 1;
    snprintf(buf, cap, "10.%u.%u.%u", (k >> 16) & 255, (k >> 8) & 255, k & 255);
}

static inline void gen_namespace(struct tbuf *y, unsigned n)
{
    static const char *const envs[] = {"prod", "staging", "dev"};
    tbuf_printf(y,
                "---\napiVersion: v1\nkind: Namespace\nmetadata:\n"
                "  name: ns%u\n  labels: {team: t%u, env: %s}\n",
                n, n % 50, envs[n % 3]);
}

/* Pod number k (namespace k / per_ns); relabel picks another version
 * label, so the pod changes identity. */
static inline void gen_pod(struct tbuf *y, const struct gen_cfg *g, unsigned k,
                           unsigned relabel)
{
    static const char *const roles[] = {"frontend", "backend", "db"};
    char ip[32];
    gen_pod_ip(k, ip, sizeof(ip));
    unsigned n = k / g->per_ns, j = k % g->per_ns;
    tbuf_printf(y,
                "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p%u\n"
                "  namespace: ns%u\n  labels: {app: a%u, role: %s, version: "
                "v%u}\nspec:\n  containers:\n  - name: c\n    image: i\n"
                "    ports:\n    - {name: http, containerPort: %u}\n"
                "    - {name: metrics, containerPort: 9090}\n"
                "status:\n  hostIP: 192.168.%u.%u\n  podIP: %s\n",
                j, n, j % 5, roles[j % 3], (j + relabel) % 2 + 2 * !!relabel,
                j % 2 ? 8080 : 8000, (k / 100) % 256, k % 100 + 1, ip);
    if (k % 10 == 0)
        tbuf_printf(y, "  podIPs: [{ip: %s}, {ip: \"fd00::%x:%x\"}]\n", ip,
                    (k + 1) >> 16, (k + 1) & 0xffff);
}

/* The two policies of namespace n; variant != 0 changes the app policy's
 * port (a policy edit). */
static inline void gen_policies(struct tbuf *y, unsigned n, unsigned variant,
                                int which)
{
    if (which & 1)
        tbuf_printf(
            y,
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
            "metadata: {name: default-deny, namespace: ns%u}\nspec:\n"
            "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n"
            "  ingress:\n  - from:\n    - podSelector: {}\n"
            "  egress:\n  - to:\n    - podSelector: {}\n"
            "  - to:\n    - namespaceSelector: {matchLabels: "
            "{kubernetes.io/metadata.name: kube-system}}\n"
            "      podSelector: {matchLabels: {k8s-app: kube-dns}}\n"
            "    ports: [{port: 53, protocol: UDP}, {port: 53}]\n",
            n);
    if (which & 2)
        tbuf_printf(
            y,
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
            "metadata: {name: app, namespace: ns%u}\nspec:\n"
            "  podSelector:\n    matchExpressions:\n"
            "    - {key: app, operator: In, values: [a%u, a%u]}\n"
            "  policyTypes: [Ingress, Egress]\n"
            "  ingress:\n  - from:\n"
            "    - namespaceSelector: {matchLabels: {team: t%u}}\n"
            "      podSelector: {matchLabels: {role: frontend}}\n"
            "    - ipBlock:\n        cidr: 172.16.0.0/12\n"
            "        except: [172.16.%u.0/24]\n"
            "    ports:\n    - port: http\n    - {port: %u}\n"
            "  - from:\n    - namespaceSelector:\n"
            "        matchExpressions:\n"
            "        - {key: env, operator: NotIn, values: [dev]}\n"
            "      podSelector: {matchLabels: {app: a%u, version: v1}}\n"
            "    ports: [{port: 9000, endPort: 9100}]\n"
            "  egress:\n  - to:\n"
            "    - namespaceSelector: {matchLabels: {team: t%u}}\n"
            "      podSelector: {matchLabels: {role: db}}\n"
            "    ports: [{port: 5432}]\n"
            "  - to:\n    - namespaceSelector: {matchLabels: "
            "{kubernetes.io/metadata.name: kube-system}}\n"
            "      podSelector: {matchLabels: {k8s-app: kube-dns}}\n"
            "    ports: [{port: 53, protocol: UDP}, {port: 53}]\n"
            "  - to:\n    - ipBlock:\n        cidr: 0.0.0.0/0\n"
            "        except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]\n"
            "    ports: [{port: 443}]\n",
            n, n % 5, (n + 1) % 5, (n * 7) % 50, n % 256, variant ? 8443 : 443,
            n % 5, (n * 3) % 50);
}

/* kube-system and its kube-dns pod, 10.255.0.10. */
static inline void gen_kube_system(struct tbuf *y)
{
    tbuf_printf(y, "---\napiVersion: v1\nkind: Namespace\nmetadata:\n"
                   "  name: kube-system\n");
    tbuf_printf(y, "---\napiVersion: v1\nkind: Pod\nmetadata: {name: coredns, "
                   "namespace: kube-system, labels: {k8s-app: kube-dns}}\n"
                   "spec: {containers: [{name: c, image: i}]}\n"
                   "status: {podIP: 10.255.0.10, hostIP: 192.168.0.1}\n");
}

static inline void gen_cluster(struct tbuf *y, const struct gen_cfg *g)
{
    for (unsigned n = 0; n < g->ns; n++)
        gen_namespace(y, n);
    gen_kube_system(y);
    for (unsigned k = 0; k < g->ns * g->per_ns; k++)
        gen_pod(y, g, k, 0);
    for (unsigned n = 0; n < g->ns; n++)
        gen_policies(y, n, 0, 3);
}

static inline unsigned gen_rnd(uint64_t *rng, unsigned n)
{
    *rng ^= *rng >> 12;
    *rng ^= *rng << 25;
    *rng ^= *rng >> 27;
    return (unsigned)((*rng * 0x2545f4914f6cdd1dull) % n);
}

struct gen_flow {
    struct kg_addr src, dst;
    int proto;
    unsigned port;
};

static inline void gen_addr(const char *s, struct kg_addr *a)
{
    if (kg_addr_parse(s, strlen(s), a))
        abort();
}

/* Random flows over the cluster of g: pod to pod (a quarter inside the
 * source's namespace), external clients to pods, pods to the Internet and
 * to kube-dns; the ports the policies name and a few they do not. */
static inline void gen_flows(const struct gen_cfg *g, uint64_t *rng,
                             struct gen_flow *f, size_t n)
{
    static const unsigned ports[] = {8080, 8000, 443, 5432, 53, 9050, 9090, 22};
    unsigned pods = g->ns * g->per_ns;
    for (size_t i = 0; i < n; i++) {
        char ip[32];
        unsigned s = gen_rnd(rng, pods);
        unsigned d = gen_rnd(rng, 4) == 0
                         ? (s / g->per_ns) * g->per_ns + gen_rnd(rng, g->per_ns)
                         : gen_rnd(rng, pods);
        gen_pod_ip(s, ip, sizeof(ip));
        gen_addr(ip, &f[i].src);
        unsigned k = gen_rnd(rng, 20);
        if (k == 0) {
            snprintf(ip, sizeof(ip), "172.%u.%u.%u", 16 + gen_rnd(rng, 16),
                     gen_rnd(rng, 256), gen_rnd(rng, 256));
            gen_addr(ip, &f[i].src); /* external client */
            gen_pod_ip(d, ip, sizeof(ip));
        } else if (k == 1) {
            snprintf(ip, sizeof(ip), "%u.%u.%u.%u", 1 + gen_rnd(rng, 200),
                     gen_rnd(rng, 256), gen_rnd(rng, 256), gen_rnd(rng, 256));
        } else if (k == 2) {
            snprintf(ip, sizeof(ip), "10.255.0.10");
        } else {
            gen_pod_ip(d, ip, sizeof(ip));
        }
        gen_addr(ip, &f[i].dst);
        f[i].port = ports[gen_rnd(rng, 8)];
        f[i].proto = gen_rnd(rng, 8) == 0 ? KG_PROTO_UDP : KG_PROTO_TCP;
    }
}

#endif
