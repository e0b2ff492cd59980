// SPDX-License-Identifier: MIT
/*
 * fuzz_check.c - kg_check on fixed rulesets with fuzzed flows.
 *
 * Two rulesets are compiled once: the example cluster
 * (examples/cluster/cluster.yaml, path given by the build) and a small one
 * written here for the corners: IPv4 and IPv6 pods, a hostNetwork pod,
 * ipBlock with except holes, endPort ranges, named ports, SCTP, a default
 * deny, a pod without a Namespace object. The first input byte picks the
 * ruleset and option set; the rest are flows whose addresses are mostly
 * the clusters' own (pods, nodes, CIDR edges, with the last byte
 * perturbed) so that the fuzzer reaches the pod and rule tables. Every
 * answer must satisfy fuzz_check_probe.h.
 */
#include "fuzz_check_probe.h"

static const char corner_yaml[] =
    "apiVersion: v1\nkind: List\nitems:\n"
    "- {apiVersion: v1, kind: Namespace, metadata: {name: a, labels: {team: "
    "x}}}\n"
    "- apiVersion: v1\n  kind: Pod\n"
    "  metadata: {name: web, namespace: a, labels: {app: web}}\n"
    "  spec: {containers: [{name: c, ports: [{name: http, containerPort: "
    "8080}]}]}\n"
    "  status: {hostIP: 192.168.0.1, podIPs: [{ip: 10.1.2.3}, {ip: "
    "\"2001:db8::3\"}]}\n"
    "- apiVersion: v1\n  kind: Pod\n"
    "  metadata: {name: db, namespace: a, labels: {app: db}}\n"
    "  spec: {containers: [{name: c, ports: [{name: sql, containerPort: "
    "5432}]}]}\n"
    "  status: {hostIP: 192.168.0.2, podIP: 10.1.2.4}\n"
    "- apiVersion: v1\n  kind: Pod\n"
    "  metadata: {name: agent, namespace: b, labels: {app: agent}}\n"
    "  spec: {hostNetwork: true, containers: [{name: c}]}\n"
    "  status: {hostIP: 192.168.0.1, podIP: 192.168.0.1}\n"
    "- apiVersion: v1\n  kind: Pod\n"
    "  metadata: {name: lone, namespace: c, labels: {app: web}}\n"
    "  spec: {containers: [{name: c}]}\n"
    "  status: {podIPs: [{ip: 10.2.0.1}, {ip: \"2001:db8::5\"}]}\n"
    "- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n"
    "  metadata: {name: deny-all, namespace: a}\n"
    "  spec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n"
    "- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n"
    "  metadata: {name: db-from-web, namespace: a}\n"
    "  spec:\n    podSelector: {matchLabels: {app: db}}\n"
    "    ingress:\n    - from: [{podSelector: {matchLabels: {app: web}}}]\n"
    "      ports: [{port: sql}, {protocol: SCTP, port: 9000, endPort: 9100}]\n"
    "    - from:\n      - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, "
    "10.2.0.1/32]}\n"
    "      - ipBlock: {cidr: \"2001:db8::/32\", except: "
    "[\"2001:db8::5/128\"]}\n"
    "- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n"
    "  metadata: {name: web-egress, namespace: a}\n"
    "  spec:\n    podSelector: {matchLabels: {app: web}}\n"
    "    policyTypes: [Egress]\n"
    "    egress:\n    - to: [{podSelector: {matchLabels: {app: db}}}]\n"
    "      ports: [{protocol: TCP, port: 5432}]\n"
    "    - to: [{namespaceSelector: {matchExpressions: [{key: team, operator: "
    "NotIn, values: [x]}]}}]\n"
    "    - to: [{ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: \"::/0\"}}]\n"
    "      ports: [{protocol: UDP, port: 53}, {port: 443}]\n";

static const char *const corner_ips[] = {
    "10.1.2.3",
    "2001:db8::3",
    "10.1.2.4",
    "192.168.0.1",
    "192.168.0.2",
    "10.2.0.1",
    "2001:db8::5",
    "10.0.0.0",
    "10.255.255.255",
    "10.1.0.0",
    "10.1.255.255",
    "2001:db8::",
    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
    "8.8.8.8",
    "::1",
    "0.0.0.0"};

static const char *const cluster_ips[] = {
    "10.244.0.10",       "10.244.0.20",       "10.244.1.10",
    "10.244.1.20",       "10.244.2.10",       "10.244.3.10",
    "fd00:10:244:1::10", "fd00:10:244:2::10", "192.168.10.11",
    "192.168.10.12",     "198.51.100.0",      "198.51.100.255",
    "203.0.113.7",       "2001:db8:100::1",   "1.1.1.1"};

#define N_RS 4
static kg_ruleset *rulesets[N_RS];

static kg_ruleset *load(const char *text, size_t len, const char *file,
                        int flag_off)
{
    kg_options *o = kg_options_new();
    FZ_CHECK(o != NULL);
    if (flag_off)
        FZ_CHECK(kg_options_set_flag(o, flag_off, false) == 0);
    kg_builder *b = kg_builder_new(o);
    FZ_CHECK(b != NULL);
    if (file)
        FZ_CHECK(kg_builder_add_file(b, file) == 0);
    else
        FZ_CHECK(kg_builder_add_buffer(b, "corner.yaml", text, len) == 0);
    kg_ruleset *rs = NULL;
    int rc = kg_builder_compile(b, &rs);
    if (rc != 0) {
        const kg_diagnostics *d = kg_builder_diagnostics(b);
        for (size_t i = 0; i < kg_diagnostics_count(d); i++) {
            char line[512];
            kg_diagnostic_format(d, i, line, sizeof(line));
            fprintf(stderr, "%s\n", line);
        }
    }
    FZ_CHECK(rc == 0);
    kg_builder_free(b);
    kg_options_free(o);
    return rs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rulesets[0]) {
        rulesets[0] = load(corner_yaml, sizeof(corner_yaml) - 1, NULL, 0);
        rulesets[1] = load(corner_yaml, sizeof(corner_yaml) - 1, NULL,
                           KG_FLAG_IPBLOCK_MATCHES_PODS);
        rulesets[2] = load(corner_yaml, sizeof(corner_yaml) - 1, NULL,
                           KG_FLAG_ALLOW_LOOPBACK);
#ifdef KGF_CLUSTER
        rulesets[3] = load(NULL, 0, KGF_CLUSTER, 0);
#else
        rulesets[3] = load(corner_yaml, sizeof(corner_yaml) - 1, NULL,
                           KG_FLAG_ALLOW_NODE_INGRESS);
#endif
    }
    struct fz_in in = {data, size};
    unsigned which = fz_u8(&in) % N_RS;
    if (which == 3)
        fz_check_probe_known(rulesets[which], in, cluster_ips,
                             sizeof(cluster_ips) / sizeof(cluster_ips[0]));
    else
        fz_check_probe_known(rulesets[which], in, corner_ips,
                             sizeof(corner_ips) / sizeof(corner_ips[0]));
    return 0;
}
