// SPDX-License-Identifier: MIT
/*
 * test_dump.c - a real cluster dump loads with the default limits (issue
 * 15 item 10).
 *
 * `kubectl get pods -A -o yaml` prints one List document whose items are
 * whole pods: managedFields, probes, volumes, tolerations, status
 * conditions and container statuses, about 7 KB and 520 YAML nodes a pod.
 * With 0.1's per-source limits (64 MiB, 4M nodes) such a dump stopped at
 * about 9k pods (bytes) and 8k pods (nodes). The structural limits now hold per
 * object and the stream limits are sized for 150,000 pods; this test generates
 * the dump (one pod printed as kubectl prints it, pods spread over namespaces
 * and nodes), checks that it is past the old limits, and loads it with the
 * defaults next to a NetworkPolicy per namespace, then judges flows.
 *
 * KGRESS_DUMP_PODS (environment) sets the number of pods: 150000 for the
 * full-size dump (about 1.1 GB, 7 GB of memory, a minute);
 * the default 10,000 is past both old limits. KGRESS_TEST_SCALE
 * (valgrind) shrinks the default; the old-limit checks then skip.
 * KGRESS_DUMP_OUT=FILE also writes the dump there (to time `kgress
 * validate` on it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hard_common.h"
#include "kgress.h"

#define PODS_PER_NS 25

static size_t dump_pods(void)
{
    const char *s = getenv("KGRESS_DUMP_PODS");
    if (s && *s) {
        long v = strtol(s, NULL, 10);
        if (v > 0)
            return (size_t)v;
    }
    size_t n = (size_t)(10000 * hard_scale());
    return n < 100 ? 100 : n;
}

static void pod_ip(size_t k, char *buf, size_t cap)
{
    k += 1;
    snprintf(buf, cap, "10.%zu.%zu.%zu", (k >> 16) & 255, (k >> 8) & 255,
             k & 255);
}

static void putf(struct hard_text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void putf(struct hard_text *t, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof(buf));
    hard_put(t, buf, (size_t)n);
}

/* Pod k as `kubectl get pods -A -o yaml` prints an item: a Deployment's
 * pod on a kubelet of Kubernetes 1.29, fields in kubectl's order. */
static void put_pod(struct hard_text *t, size_t k)
{
    char ip[32];
    pod_ip(k, ip, sizeof(ip));
    size_t ns = k / PODS_PER_NS, node = k % 200;
    const char *app = k % 3 == 0 ? "web" : k % 3 == 1 ? "api" : "db";
    unsigned hash = (unsigned)(k * 2654435761u);
    putf(t,
         "- apiVersion: v1\n"
         "  kind: Pod\n"
         "  metadata:\n"
         "    annotations:\n"
         "      kubectl.kubernetes.io/restartedAt: \"2024-05-01T10:00:00Z\"\n"
         "      prometheus.io/port: \"9090\"\n"
         "      prometheus.io/scrape: \"true\"\n"
         "    creationTimestamp: \"2024-05-01T10:00:12Z\"\n"
         "    generateName: %s-6d4b9c8f%02zx-\n"
         "    labels:\n"
         "      app: %s\n"
         "      pod-template-hash: 6d4b9c8f%02zx\n"
         "      team: t%zu\n"
         "    managedFields:\n"
         "    - apiVersion: v1\n"
         "      fieldsType: FieldsV1\n"
         "      fieldsV1:\n"
         "        f:metadata:\n"
         "          f:annotations:\n"
         "            .: {}\n"
         "            f:kubectl.kubernetes.io/restartedAt: {}\n"
         "            f:prometheus.io/port: {}\n"
         "            f:prometheus.io/scrape: {}\n"
         "          f:generateName: {}\n"
         "          f:labels:\n"
         "            .: {}\n"
         "            f:app: {}\n"
         "            f:pod-template-hash: {}\n"
         "            f:team: {}\n"
         "          f:ownerReferences:\n"
         "            .: {}\n"
         "            k:{\"uid\":\"5b1c2d3e-0000-4000-8000-%012x\"}: {}\n"
         "        f:spec:\n"
         "          f:containers:\n"
         "            k:{\"name\":\"%s\"}:\n"
         "              .: {}\n"
         "              f:image: {}\n"
         "              f:imagePullPolicy: {}\n"
         "              f:livenessProbe:\n"
         "                .: {}\n"
         "                f:failureThreshold: {}\n"
         "                f:httpGet:\n"
         "                  .: {}\n"
         "                  f:path: {}\n"
         "                  f:port: {}\n"
         "                  f:scheme: {}\n"
         "                f:periodSeconds: {}\n"
         "              f:name: {}\n"
         "              f:ports:\n"
         "                .: {}\n"
         "                k:{\"containerPort\":8080,\"protocol\":\"TCP\"}:\n"
         "                  .: {}\n"
         "                  f:containerPort: {}\n"
         "                  f:name: {}\n"
         "                  f:protocol: {}\n"
         "                k:{\"containerPort\":9090,\"protocol\":\"TCP\"}:\n"
         "                  .: {}\n"
         "                  f:containerPort: {}\n"
         "                  f:name: {}\n"
         "                  f:protocol: {}\n"
         "              f:resources:\n"
         "                .: {}\n"
         "                f:limits:\n"
         "                  .: {}\n"
         "                  f:memory: {}\n"
         "                f:requests:\n"
         "                  .: {}\n"
         "                  f:cpu: {}\n"
         "                  f:memory: {}\n"
         "              f:terminationMessagePath: {}\n"
         "              f:terminationMessagePolicy: {}\n"
         "          f:dnsPolicy: {}\n"
         "          f:enableServiceLinks: {}\n"
         "          f:restartPolicy: {}\n"
         "          f:schedulerName: {}\n"
         "          f:securityContext: {}\n"
         "          f:terminationGracePeriodSeconds: {}\n"
         "      manager: kube-controller-manager\n"
         "      operation: Update\n"
         "      time: \"2024-05-01T10:00:12Z\"\n"
         "    - apiVersion: v1\n"
         "      fieldsType: FieldsV1\n"
         "      fieldsV1:\n"
         "        f:status:\n"
         "          f:conditions:\n"
         "            k:{\"type\":\"ContainersReady\"}:\n"
         "              .: {}\n"
         "              f:lastProbeTime: {}\n"
         "              f:lastTransitionTime: {}\n"
         "              f:status: {}\n"
         "              f:type: {}\n"
         "            k:{\"type\":\"Initialized\"}:\n"
         "              .: {}\n"
         "              f:lastProbeTime: {}\n"
         "              f:lastTransitionTime: {}\n"
         "              f:status: {}\n"
         "              f:type: {}\n"
         "            k:{\"type\":\"PodReadyToStartContainers\"}:\n"
         "              .: {}\n"
         "              f:lastProbeTime: {}\n"
         "              f:lastTransitionTime: {}\n"
         "              f:status: {}\n"
         "              f:type: {}\n"
         "            k:{\"type\":\"Ready\"}:\n"
         "              .: {}\n"
         "              f:lastProbeTime: {}\n"
         "              f:lastTransitionTime: {}\n"
         "              f:status: {}\n"
         "              f:type: {}\n"
         "          f:containerStatuses: {}\n"
         "          f:hostIP: {}\n"
         "          f:hostIPs: {}\n"
         "          f:phase: {}\n"
         "          f:podIP: {}\n"
         "          f:podIPs:\n"
         "            .: {}\n"
         "            k:{\"ip\":\"%s\"}:\n"
         "              .: {}\n"
         "              f:ip: {}\n"
         "          f:startTime: {}\n"
         "      manager: kubelet\n"
         "      operation: Update\n"
         "      subresource: status\n"
         "      time: \"2024-05-01T10:00:20Z\"\n"
         "    name: %s-6d4b9c8f%02zx-%06zx\n"
         "    namespace: ns%zu\n"
         "    ownerReferences:\n"
         "    - apiVersion: apps/v1\n"
         "      blockOwnerDeletion: true\n"
         "      controller: true\n"
         "      kind: ReplicaSet\n"
         "      name: %s-6d4b9c8f%02zx\n"
         "      uid: 5b1c2d3e-0000-4000-8000-%012x\n"
         "    resourceVersion: \"%zu\"\n"
         "    uid: 0b0c0d0e-%04zx-4000-8000-%012zx\n",
         app, ns & 255, app, ns & 255, ns % 50, hash, app, ip, app, ns & 255, k,
         ns, app, ns & 255, hash, 1000000 + k, k & 0xffff, k);
    putf(t,
         "  spec:\n"
         "    containers:\n"
         "    - image: registry.example.com/team/%s:1.2.3\n"
         "      imagePullPolicy: IfNotPresent\n"
         "      livenessProbe:\n"
         "        failureThreshold: 3\n"
         "        httpGet:\n"
         "          path: /healthz\n"
         "          port: http\n"
         "          scheme: HTTP\n"
         "        periodSeconds: 10\n"
         "        successThreshold: 1\n"
         "        timeoutSeconds: 1\n"
         "      name: %s\n"
         "      ports:\n"
         "      - containerPort: 8080\n"
         "        name: http\n"
         "        protocol: TCP\n"
         "      - containerPort: 9090\n"
         "        name: metrics\n"
         "        protocol: TCP\n"
         "      resources:\n"
         "        limits:\n"
         "          memory: 256Mi\n"
         "        requests:\n"
         "          cpu: 100m\n"
         "          memory: 128Mi\n"
         "      terminationMessagePath: /dev/termination-log\n"
         "      terminationMessagePolicy: File\n"
         "      volumeMounts:\n"
         "      - mountPath: /var/run/secrets/kubernetes.io/serviceaccount\n"
         "        name: kube-api-access-%05zx\n"
         "        readOnly: true\n"
         "    dnsPolicy: ClusterFirst\n"
         "    enableServiceLinks: true\n"
         "    nodeName: node-%03zu\n"
         "    preemptionPolicy: PreemptLowerPriority\n"
         "    priority: 0\n"
         "    restartPolicy: Always\n"
         "    schedulerName: default-scheduler\n"
         "    securityContext: {}\n"
         "    serviceAccount: default\n"
         "    serviceAccountName: default\n"
         "    terminationGracePeriodSeconds: 30\n"
         "    tolerations:\n"
         "    - effect: NoExecute\n"
         "      key: node.kubernetes.io/not-ready\n"
         "      operator: Exists\n"
         "      tolerationSeconds: 300\n"
         "    - effect: NoExecute\n"
         "      key: node.kubernetes.io/unreachable\n"
         "      operator: Exists\n"
         "      tolerationSeconds: 300\n"
         "    volumes:\n"
         "    - name: kube-api-access-%05zx\n"
         "      projected:\n"
         "        defaultMode: 420\n"
         "        sources:\n"
         "        - serviceAccountToken:\n"
         "            expirationSeconds: 3607\n"
         "            path: token\n"
         "        - configMap:\n"
         "            items:\n"
         "            - key: ca.crt\n"
         "              path: ca.crt\n"
         "            name: kube-root-ca.crt\n"
         "        - downwardAPI:\n"
         "            items:\n"
         "            - fieldRef:\n"
         "                apiVersion: v1\n"
         "                fieldPath: metadata.namespace\n"
         "              path: namespace\n",
         app, app, k, node, k);
    putf(t,
         "  status:\n"
         "    conditions:\n"
         "    - lastProbeTime: null\n"
         "      lastTransitionTime: \"2024-05-01T10:00:15Z\"\n"
         "      status: \"True\"\n"
         "      type: PodReadyToStartContainers\n"
         "    - lastProbeTime: null\n"
         "      lastTransitionTime: \"2024-05-01T10:00:12Z\"\n"
         "      status: \"True\"\n"
         "      type: Initialized\n"
         "    - lastProbeTime: null\n"
         "      lastTransitionTime: \"2024-05-01T10:00:20Z\"\n"
         "      status: \"True\"\n"
         "      type: Ready\n"
         "    - lastProbeTime: null\n"
         "      lastTransitionTime: \"2024-05-01T10:00:20Z\"\n"
         "      status: \"True\"\n"
         "      type: ContainersReady\n"
         "    - lastProbeTime: null\n"
         "      lastTransitionTime: \"2024-05-01T10:00:12Z\"\n"
         "      status: \"True\"\n"
         "      type: PodScheduled\n"
         "    containerStatuses:\n"
         "    - containerID: containerd://%016zx%016x\n"
         "      image: registry.example.com/team/%s:1.2.3\n"
         "      imageID: registry.example.com/team/%s@sha256:"
         "4f1b2a3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8\n"
         "      lastState: {}\n"
         "      name: %s\n"
         "      ready: true\n"
         "      restartCount: 0\n"
         "      started: true\n"
         "      state:\n"
         "        running:\n"
         "          startedAt: \"2024-05-01T10:00:19Z\"\n"
         "    hostIP: 192.168.%zu.%zu\n"
         "    hostIPs:\n"
         "    - ip: 192.168.%zu.%zu\n"
         "    phase: Running\n"
         "    podIP: %s\n"
         "    podIPs:\n"
         "    - ip: %s\n"
         "    qosClass: Burstable\n"
         "    startTime: \"2024-05-01T10:00:12Z\"\n",
         k, hash, app, app, app, node / 100, node % 100 + 1, node / 100,
         node % 100 + 1, ip, ip);
}

/* The namespaces and one policy per namespace: pods of a namespace
 * accept only their own namespace's pods on http. */
static void put_policies(struct hard_text *t, size_t n_ns)
{
    char buf[1024];
    for (size_t ns = 0; ns < n_ns; ns++) {
        int n = snprintf(
            buf, sizeof(buf),
            "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ns%zu, "
            "labels: {team: t%zu}}\n"
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
            "metadata: {name: same-namespace, namespace: ns%zu}\n"
            "spec:\n  podSelector: {}\n  ingress:\n  - from:\n"
            "    - podSelector: {}\n    ports: [{port: http}]\n",
            ns, ns % 50, ns);
        hard_put(t, buf, (size_t)n);
    }
}

/* Builds the dump's text: the List of pods as kubectl prints it. */
static struct hard_text make_dump(size_t pods)
{
    struct hard_text t = {0};
    hard_puts(&t, "apiVersion: v1\nitems:\n");
    for (size_t k = 0; k < pods; k++)
        put_pod(&t, k);
    hard_puts(&t, "kind: List\nmetadata:\n  resourceVersion: \"\"\n");
    return t;
}

static int load(const kg_options *o, const struct hard_text *dump,
                const struct hard_text *pol, kg_builder **bp, kg_ruleset **rs)
{
    kg_builder *b = kg_builder_new(o);
    assert_non_null(b);
    *bp = b;
    *rs = NULL;
    int rc = kg_builder_add_buffer(b, "pods.yaml", dump->p, dump->n);
    if (rc)
        return rc;
    if (pol &&
        (rc = kg_builder_add_buffer(b, "policies.yaml", pol->p, pol->n)) != 0)
        return rc;
    return kg_builder_compile(b, rs);
}

static bool has_code(const kg_builder *b, int code, const char *msg)
{
    const kg_diagnostics *d = kg_builder_diagnostics(b);
    for (size_t i = 0; i < kg_diagnostics_count(d); i++)
        if (kg_diagnostic_code(d, i) == code &&
            strstr(kg_diagnostic_message(d, i), msg))
            return true;
    return false;
}

static const char *verdict(const kg_ruleset *rs, size_t src, size_t dst,
                           unsigned port)
{
    char a[32], b[32];
    pod_ip(src, a, sizeof(a));
    pod_ip(dst, b, sizeof(b));
    struct kg_verdict v = {.size = sizeof(v)};
    assert_int_equal(
        kg_check_str(rs, a, strlen(a), b, strlen(b), "TCP", 3, port, &v), 0);
    return v.allowed ? "allowed" : "denied";
}

static void test_cluster_dump_defaults(void **state)
{
    (void)state;
    size_t pods = dump_pods(), n_ns = (pods + PODS_PER_NS - 1) / PODS_PER_NS;
    struct hard_text dump = make_dump(pods);
    struct hard_text pol = {0};
    put_policies(&pol, n_ns);
    fprintf(stderr, "# %zu pods in %zu namespaces: %zu bytes, %.0f a pod\n",
            pods, n_ns, dump.n, (double)dump.n / (double)pods);
    const char *out = getenv("KGRESS_DUMP_OUT");
    if (out && *out) {
        FILE *f = fopen(out, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(dump.p, 1, dump.n, f), dump.n);
        assert_int_equal(fclose(f), 0);
    }

    kg_builder *b;
    kg_ruleset *rs;
    /* past 0.1's defaults: 64 MiB per source, 4M nodes per source (now
     * KG_LIMIT_NODES) */
    if (pods >= 10000) {
        assert_true(dump.n > (64u << 20));
        kg_options *old = kg_options_new();
        assert_non_null(old);
        assert_int_equal(kg_options_set_limit(old, KG_LIMIT_NODES, 4000000), 0);
        assert_int_equal(load(old, &dump, NULL, &b, &rs), KG_ECOMPILE);
        assert_true(has_code(b, KG_ELIMIT_NODES, "KG_LIMIT_NODES"));
        kg_builder_free(b);
        kg_options_free(old);
    }

    /* the defaults load it */
    int rc = load(NULL, &dump, &pol, &b, &rs);
    if (rc) {
        const kg_diagnostics *d = kg_builder_diagnostics(b);
        char line[512];
        for (size_t i = 0; i < kg_diagnostics_count(d) && i < 10; i++) {
            kg_diagnostic_format(d, i, line, sizeof(line));
            fprintf(stderr, "%s\n", line);
        }
    }
    assert_int_equal(rc, 0);
    assert_int_equal(kg_diagnostics_errors(kg_builder_diagnostics(b)), 0);
    bool pods_read = false;
    for (size_t i = 0; i < kg_builder_kind_count(b); i++) {
        struct kg_kind_count kc = {.size = sizeof(kc)};
        assert_int_equal(kg_builder_kind(b, i, &kc), 0);
        if (strcmp(kc.kind, "Pod") == 0) {
            assert_int_equal(kc.read, pods);
            assert_int_equal(kc.skipped, 0);
            pods_read = true;
        }
    }
    assert_true(pods_read);
    kg_builder_free(b);

    /* every pod is there, by name and by address */
    char name[64];
    size_t last = pods - 1;
    const char *app = last % 3 == 0 ? "web" : last % 3 == 1 ? "api" : "db";
    int nl = snprintf(name, sizeof(name), "%s-6d4b9c8f%02zx-%06zx", app,
                      (last / PODS_PER_NS) & 255, last);
    char ns[32];
    int nsl = snprintf(ns, sizeof(ns), "ns%zu", last / PODS_PER_NS);
    uint32_t pod;
    assert_int_equal(kg_pod_find(rs, ns, (size_t)nsl, name, (size_t)nl, &pod),
                     0);
    struct kg_addr a, want;
    char ip[32];
    pod_ip(last, ip, sizeof(ip));
    assert_int_equal(kg_addr_parse(ip, strlen(ip), &want), 0);
    assert_int_equal(kg_pod_addr(rs, pod, 0, &a), 0);
    assert_memory_equal(&a, &want, sizeof(a));

    /* and the policies judge them: same namespace on http (8080) only */
    assert_string_equal(verdict(rs, 0, 1, 8080), "allowed");
    assert_string_equal(verdict(rs, 0, 1, 9090), "denied");
    assert_string_equal(verdict(rs, 0, PODS_PER_NS, 8080), "denied");
    assert_string_equal(
        verdict(rs, last - 1, last, 8080),
        (last - 1) / PODS_PER_NS == last / PODS_PER_NS ? "allowed" : "denied");
    kg_ruleset_unref(rs);
    free(dump.p);
    free(pol.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cluster_dump_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
