// SPDX-License-Identifier: MIT
/*
 * kinds.c - the one table of object kinds kgress knows, and the dispatch of
 * an object to its kind from `apiVersion` and `kind`.
 *
 * Workload: one lookup per object of a load (tens of thousands in a cluster
 * dump); the table is a few dozen rows, scanned linearly.
 *
 * Why a table of kinds kgress does not read: kgress reads a few kinds of
 * four API groups (core v1, networking.k8s.io, policy.networking.k8s.io,
 * gateway.networking.k8s.io). In those groups the API server answers an
 * unknown kind with `no matches for kind "NetworkPolcy" in version
 * "networking.k8s.io/v1"`, so a misspelt kind must be an error here too:
 * skipping it silently would drop a policy and turn a denied flow into an
 * allowed one. To tell a misspelling from a kind that exists but is not read
 * (ConfigMap, Secret, Endpoints, ...), every kind of those groups is listed;
 * kinds of any other group (apps/v1 Deployment, CRDs, ...) are skipped.
 *
 * Adding a kind an engine reads: add its enum kgi_kind in meta.h and set the
 * id (and supported version) on its row below; adding a group kgress reads:
 * list all of its kinds (from the group's register.go or CRD manifests).
 * Sources: k8s.io/api core/v1 register.go (addKnownTypes), networking/v1,
 * v1beta1 and v1alpha1 register.go, the Gateway API CRDs (standard and
 * experimental channels) and the network-policy-api CRDs.
 */
#include "k8s/kinds.h"

#include <stdio.h>
#include <string.h>

#include "k8s/meta.h"

/* A group whose kinds are all listed: an unknown kind in it is an error. */
static const char *const checked_groups[] = {
    "", /* core, apiVersion "v1" */
    "networking.k8s.io",
    "policy.networking.k8s.io",
    "gateway.networking.k8s.io",
};

/* group, kind, the version kgress reads (NULL: not read), its kgi_kind,
 * whether it is namespaced (only meaningful when read) */
static const struct kgi_kind_row rows[] = {
    /* core v1 (k8s.io/api/core/v1/register.go) */
    {"", "Pod", "v1", KGI_KIND_POD, true},
    {"", "Namespace", "v1", KGI_KIND_NAMESPACE, false},
    {"", "Service", "v1", KGI_KIND_SERVICE, true},
    {"", "Endpoints", NULL, 0, true},
    {"", "Node", "v1", KGI_KIND_NODE, false},
    {"", "ConfigMap", NULL, 0, true},
    {"", "Secret", NULL, 0, true},
    {"", "ServiceAccount", NULL, 0, true},
    {"", "PersistentVolume", NULL, 0, false},
    {"", "PersistentVolumeClaim", NULL, 0, true},
    {"", "PodTemplate", NULL, 0, true},
    {"", "ReplicationController", NULL, 0, true},
    {"", "LimitRange", NULL, 0, true},
    {"", "ResourceQuota", NULL, 0, true},
    {"", "Event", NULL, 0, true},
    {"", "Binding", NULL, 0, true},
    {"", "ComponentStatus", NULL, 0, false},
    {"", "RangeAllocation", NULL, 0, false},
    {"", "SerializedReference", NULL, 0, false},
    {"", "PodStatusResult", NULL, 0, true},
    {"", "Status", NULL, 0, false},
    {"", "List", NULL, 0, false},
    {"", "WatchEvent", NULL, 0, false},
    {"", "DeleteOptions", NULL, 0, false},
    {"", "ListOptions", NULL, 0, false},
    {"", "GetOptions", NULL, 0, false},
    {"", "CreateOptions", NULL, 0, false},
    {"", "UpdateOptions", NULL, 0, false},
    {"", "PatchOptions", NULL, 0, false},
    {"", "PodAttachOptions", NULL, 0, false},
    {"", "PodExecOptions", NULL, 0, false},
    {"", "PodLogOptions", NULL, 0, false},
    {"", "PodPortForwardOptions", NULL, 0, false},
    {"", "PodProxyOptions", NULL, 0, false},
    {"", "NodeProxyOptions", NULL, 0, false},
    {"", "ServiceProxyOptions", NULL, 0, false},
    /* discovery.k8s.io (not a checked group: other kinds are skipped) */
    {"discovery.k8s.io", "EndpointSlice", "v1", KGI_KIND_ENDPOINTSLICE, true},
    /* networking.k8s.io v1, v1beta1, v1alpha1 */
    {"networking.k8s.io", "Ingress", "v1", KGI_KIND_INGRESS, true},
    {"networking.k8s.io", "IngressClass", "v1", KGI_KIND_INGRESSCLASS, false},
    {"networking.k8s.io", "NetworkPolicy", "v1", KGI_KIND_NETWORKPOLICY, true},
    {"networking.k8s.io", "IPAddress", NULL, 0, false},
    {"networking.k8s.io", "ServiceCIDR", NULL, 0, false},
    {"networking.k8s.io", "ClusterCIDR", NULL, 0, false},
    /* policy.networking.k8s.io (network-policy-api v1alpha1, v1alpha2) */
    {"policy.networking.k8s.io", "AdminNetworkPolicy", "v1alpha1",
     KGI_KIND_ADMINNETWORKPOLICY, false},
    {"policy.networking.k8s.io", "BaselineAdminNetworkPolicy", "v1alpha1",
     KGI_KIND_BASELINEADMINNETWORKPOLICY, false},
    {"policy.networking.k8s.io", "ClusterNetworkPolicy", "v1beta1 v1alpha2",
     KGI_KIND_CLUSTERNETWORKPOLICY, false},
    /* gateway.networking.k8s.io (standard and experimental channels) */
    {"gateway.networking.k8s.io", "GatewayClass", "v1", KGI_KIND_GATEWAYCLASS,
     false},
    {"gateway.networking.k8s.io", "Gateway", "v1", KGI_KIND_GATEWAY, true},
    {"gateway.networking.k8s.io", "HTTPRoute", "v1", KGI_KIND_HTTPROUTE, true},
    {"gateway.networking.k8s.io", "GRPCRoute", "v1", KGI_KIND_GRPCROUTE, true},
    {"gateway.networking.k8s.io", "TLSRoute", NULL, 0, true},
    {"gateway.networking.k8s.io", "TCPRoute", NULL, 0, true},
    {"gateway.networking.k8s.io", "UDPRoute", NULL, 0, true},
    {"gateway.networking.k8s.io", "ReferenceGrant", "v1beta1",
     KGI_KIND_REFERENCEGRANT, true},
    {"gateway.networking.k8s.io", "BackendTLSPolicy", NULL, 0, true},
    {"gateway.networking.k8s.io", "BackendLBPolicy", NULL, 0, true},
    {"gateway.networking.k8s.io", "ListenerSet", NULL, 0, true},
};

#define N_ROWS (sizeof(rows) / sizeof(rows[0]))
#define N_GROUPS (sizeof(checked_groups) / sizeof(checked_groups[0]))

static bool str_is(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* A kind name of a List of some kind ("PodList"): the loader already
 * flattened Lists with items, an empty one is harmless. */
static bool is_list_of(const char *k, size_t n, const char *kind)
{
    size_t kl = strlen(kind);
    return n == kl + 4 && memcmp(k, kind, kl) == 0 &&
           memcmp(k + kl, "List", 4) == 0;
}

static bool ascii_eq_nocase(const char *a, size_t n, const char *b)
{
    if (strlen(b) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/* Optimal string alignment distance between short strings, capped at 3. */
static unsigned edit_distance(const char *a, size_t n, const char *b)
{
    size_t m = strlen(b);
    if (n > 40 || m > 40 || (n > m ? n - m : m - n) > 2)
        return 3;
    unsigned d[41][41];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = (unsigned)i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = (unsigned)j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            unsigned cost = a[i - 1] != b[j - 1];
            unsigned v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[n][m] > 3 ? 3 : d[n][m];
}

/* The kind of group closest to k (case, or at most two edits), or NULL. */
static const char *suggest(const char *group, size_t gl, const char *k,
                           size_t n)
{
    const char *best = NULL;
    unsigned best_d = 3;
    for (size_t i = 0; i < N_ROWS; i++) {
        if (!str_is(group, gl, rows[i].group))
            continue;
        if (ascii_eq_nocase(k, n, rows[i].kind))
            return rows[i].kind;
        unsigned d = edit_distance(k, n, rows[i].kind);
        if (d < best_d) {
            best_d = d;
            best = rows[i].kind;
        }
    }
    return best;
}

const struct kgi_kind_row *kgi_kind_row_of(int kind)
{
    for (size_t i = 0; i < N_ROWS; i++)
        if (rows[i].id == kind && kind != KGI_KIND_UNKNOWN)
            return &rows[i];
    return NULL;
}

bool kgi_kind_read(const char *kind, size_t n)
{
    for (size_t i = 0; i < N_ROWS; i++)
        if (rows[i].id && str_is(kind, n, rows[i].kind))
            return true;
    return false;
}

bool kgi_kind_namespaced(const char *kind, size_t n)
{
    for (size_t i = 0; i < N_ROWS; i++)
        if (rows[i].id && str_is(kind, n, rows[i].kind))
            return rows[i].namespaced;
    return false;
}

/* Whether ver[0..vl) is one of the space-separated versions of a row. */
static bool version_in(const char *list, const char *ver, size_t vl)
{
    while (*list) {
        size_t n = strcspn(list, " ");
        if (n == vl && memcmp(list, ver, n) == 0)
            return true;
        list += n;
        while (*list == ' ')
            list++;
    }
    return false;
}

/* "group/v1beta1 or group/v1alpha2" of a row into buf. */
static const char *versions_text(const struct kgi_kind_row *r, char *buf,
                                 size_t cap)
{
    size_t len = 0;
    const char *list = r->version;
    buf[0] = '\0';
    while (*list) {
        size_t n = strcspn(list, " ");
        int w = snprintf(buf + len, cap - len, "%s%s%s%.*s", len ? " or " : "",
                         r->group, *r->group ? "/" : "", (int)n, list);
        if (w < 0 || (size_t)w >= cap - len)
            break;
        len += (size_t)w;
        list += n;
        while (*list == ' ')
            list++;
    }
    return buf;
}

/* A kind kgress reads, under a version it does not: a warning, skipped. */
static int unsupported_version(struct kgi_ctx *c, const struct kgi_kind_row *r,
                               const struct kgi_node *v)
{
    char vers[160];
    size_t m = kgi_enter(c, "apiVersion");
    kgi_warning(c, KG_ENOTSUPPORTED, v,
                "%s of apiVersion %.*s is not read (supported: %s); "
                "object skipped",
                r->kind, KGI_SHOW(v->count), v->u.str,
                versions_text(r, vers, sizeof(vers)));
    kgi_leave(c, m);
    return KGI_KIND_UNKNOWN;
}

int kgi_meta_kind(struct kgi_ctx *c, const struct kgi_node *obj)
{
    const struct kgi_node *k = kgi_node_get(obj, "kind");
    const struct kgi_node *v = kgi_node_get(obj, "apiVersion");
    if (!k || kgi_node_is_null(k)) {
        size_t m = kgi_enter(c, "kind");
        kgi_error(c, KG_EREQUIRED, obj, "Required value: object has no kind");
        kgi_leave(c, m);
        return KGI_KIND_UNKNOWN;
    }
    if (k->kind != KGI_NODE_SCALAR)
        return KGI_KIND_UNKNOWN; /* reported by kgi_meta_read if read */
    const char *ks = k->u.str;
    size_t kn = k->count;
    if (!v || kgi_node_is_null(v)) {
        for (size_t i = 0; i < N_ROWS; i++) {
            if (!rows[i].id || !str_is(ks, kn, rows[i].kind))
                continue;
            char vers[160];
            size_t m = kgi_enter(c, "apiVersion");
            kgi_error(c, KG_EREQUIRED, obj,
                      "Required value: %s needs apiVersion %s", rows[i].kind,
                      versions_text(&rows[i], vers, sizeof(vers)));
            kgi_leave(c, m);
            return KGI_KIND_UNKNOWN;
        }
        return KGI_KIND_UNKNOWN;
    }
    if (v->kind != KGI_NODE_SCALAR)
        return KGI_KIND_UNKNOWN;
    /* "v1" is the core group; "group/version" any other */
    const char *av = v->u.str;
    const char *slash = memchr(av, '/', v->count);
    const char *group = slash ? av : "";
    size_t gl = slash ? (size_t)(slash - av) : 0;
    const char *ver = slash ? slash + 1 : av;
    size_t vl = slash ? v->count - gl - 1 : v->count;

    bool checked = false;
    for (size_t i = 0; i < N_GROUPS; i++)
        checked = checked || str_is(group, gl, checked_groups[i]);
    for (size_t i = 0; i < N_ROWS; i++) {
        const struct kgi_kind_row *r = &rows[i];
        if (!str_is(group, gl, r->group))
            continue;
        if (is_list_of(ks, kn, r->kind))
            return KGI_KIND_UNKNOWN; /* an empty List */
        if (!str_is(ks, kn, r->kind))
            continue;
        if (!r->id)
            return KGI_KIND_UNKNOWN; /* exists, not read: skipped */
        if (version_in(r->version, ver, vl))
            return r->id;
        return unsupported_version(c, r, v);
    }
    if (checked) {
        const char *hint = suggest(group, gl, ks, kn);
        size_t m = kgi_enter(c, "kind");
        kgi_error(c, KG_ENOTSUPPORTED, k,
                  "no matches for kind \"%.*s\" in version \"%.*s\"%s%s%s",
                  KGI_SHOW(kn), ks, KGI_SHOW(v->count), av,
                  hint ? " (did you mean " : "", hint ? hint : "",
                  hint ? "?)" : "");
        kgi_leave(c, m);
        return KGI_KIND_UNKNOWN;
    }
    /* a kind kgress reads under an old group (extensions/v1beta1 Ingress) */
    for (size_t i = 0; i < N_ROWS; i++) {
        const struct kgi_kind_row *r = &rows[i];
        if (!r->id || !str_is(ks, kn, r->kind))
            continue;
        return unsupported_version(c, r, v);
    }
    return KGI_KIND_UNKNOWN;
}
