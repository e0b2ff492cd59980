// SPDX-License-Identifier: MIT
/*
 * test_netpol_model.c - policy/netpol_model: NetworkPolicy, Pod and Namespace
 * readers, data-driven.
 *
 * Every tests/data/netpol/NAME.yaml is loaded through the internal pipeline
 * (harness.h) and rendered as text: its diagnostics (`severity CODE path
 * line:col`) followed by a dump of each object's model after defaulting.
 * The text must equal NAME.expect beside it. A first line
 * `# kgress-test: strict-cidr` loads with KG_FLAG_STRICT_CIDR. The dump
 * shows what the verdict compiler will see: selectors, policy types, peers,
 * masked CIDRs, ports with protocols, pod IPs.
 *
 * Then: allocation failure at every N on a manifest using every reader.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness.h"

static const char *data_dir;

static void dump_str(struct tbuf *o, struct kgi_str s)
{
    tbuf_printf(o, "%.*s", (int)s.n, s.p ? s.p : "");
}

static void dump_kvs(struct tbuf *o, const struct kgi_kvs *kv)
{
    tbuf_printf(o, "{");
    for (size_t i = 0; i < kv->n; i++) {
        if (i)
            tbuf_printf(o, ", ");
        dump_str(o, kv->v[i].key);
        tbuf_printf(o, "=");
        dump_str(o, kv->v[i].value);
    }
    tbuf_printf(o, "}");
}

static void dump_sel(struct tbuf *o, const struct kgi_selector *s)
{
    if (s->empty) {
        tbuf_printf(o, "{}");
        return;
    }
    tbuf_printf(o, "{");
    bool first = true;
    for (size_t i = 0; i < s->match_labels.n; i++) {
        tbuf_printf(o, first ? "" : ", ");
        first = false;
        dump_str(o, s->match_labels.v[i].key);
        tbuf_printf(o, "=");
        dump_str(o, s->match_labels.v[i].value);
    }
    for (size_t i = 0; i < s->n_exprs; i++) {
        const struct kgi_requirement *r = &s->exprs[i];
        tbuf_printf(o, first ? "" : ", ");
        first = false;
        dump_str(o, r->key);
        tbuf_printf(o, " %s", kgi_sel_op_name(r->op));
        if (r->n_values) {
            tbuf_printf(o, " [");
            for (size_t j = 0; j < r->n_values; j++) {
                tbuf_printf(o, j ? "," : "");
                dump_str(o, r->values[j]);
            }
            tbuf_printf(o, "]");
        }
    }
    tbuf_printf(o, "}");
}

static void dump_ips(struct tbuf *o, const struct kgi_ip *ips, size_t n)
{
    tbuf_printf(o, "[");
    for (size_t i = 0; i < n; i++) {
        char buf[KGI_IP_STRLEN];
        kgi_ip_format(&ips[i], buf);
        tbuf_printf(o, "%s%s", i ? "," : "", buf);
    }
    tbuf_printf(o, "]");
}

static void dump_rule(struct tbuf *o, const struct kgi_np_rule *r, bool ingress,
                      size_t i)
{
    tbuf_printf(o, "  %s[%zu] %s=", ingress ? "ingress" : "egress", i,
                ingress ? "from" : "to");
    if (r->any_peer)
        tbuf_printf(o, "any");
    for (size_t p = 0; p < r->n_peers; p++) {
        const struct kgi_np_peer *pe = &r->peers[p];
        tbuf_printf(o, "%s", p ? " | " : "");
        if (pe->kind == KGI_PEER_IPBLOCK) {
            char buf[KGI_CIDR_STRLEN];
            kgi_cidr_format(&pe->cidr, buf);
            tbuf_printf(o, "ipBlock %s", buf);
            if (pe->n_except) {
                tbuf_printf(o, " except [");
                for (size_t e = 0; e < pe->n_except; e++) {
                    kgi_cidr_format(&pe->except[e], buf);
                    tbuf_printf(o, "%s%s", e ? "," : "", buf);
                }
                tbuf_printf(o, "]");
            }
            continue;
        }
        if (pe->has_pod_sel) {
            tbuf_printf(o, "pods ");
            dump_sel(o, &pe->pod_sel);
        }
        if (pe->has_pod_sel && pe->has_ns_sel)
            tbuf_printf(o, " in ");
        if (pe->has_ns_sel) {
            tbuf_printf(o, "namespaces ");
            dump_sel(o, &pe->ns_sel);
        }
    }
    tbuf_printf(o, " ports=");
    if (r->any_ports)
        tbuf_printf(o, "any");
    for (size_t p = 0; p < r->n_ports; p++) {
        const struct kgi_np_port *pt = &r->ports[p];
        tbuf_printf(o, "%s%s ", p ? ", " : "", kgi_proto_name(pt->protocol));
        if (pt->any_port)
            tbuf_printf(o, "*");
        else if (pt->name.n)
            dump_str(o, pt->name);
        else if (pt->end_port != pt->port)
            tbuf_printf(o, "%u-%u", pt->port, pt->end_port);
        else
            tbuf_printf(o, "%u", pt->port);
    }
    tbuf_printf(o, "\n");
}

static void dump_models(const struct hload *h, struct tbuf *o)
{
    static const char *const kinds[] = {
        [KGI_KIND_NETWORKPOLICY] = "policy",
        [KGI_KIND_POD] = "pod",
        [KGI_KIND_NAMESPACE] = "namespace",
    };
    for (size_t i = 0; i < h->n_list; i++) {
        const struct hobj *ob = &h->list[i];
        const char *kn =
            ob->kind < 6 && kinds[ob->kind] ? kinds[ob->kind] : "other";
        if (!ob->ok) {
            tbuf_printf(o, "invalid %s ", kn);
            if (ob->ns.n) {
                dump_str(o, ob->ns);
                tbuf_printf(o, "/");
            }
            dump_str(o, ob->name);
            tbuf_printf(o, "\n");
            continue;
        }
        if (ob->kind == KGI_KIND_NAMESPACE) {
            const struct kgi_namespace *ns = &h->nss[ob->idx];
            tbuf_printf(o, "namespace ");
            dump_str(o, ns->meta.name);
            tbuf_printf(o, " labels=");
            dump_kvs(o, &ns->labels);
            tbuf_printf(o, "\n");
        } else if (ob->kind == KGI_KIND_POD) {
            const struct kgi_pod *p = &h->pods[ob->idx];
            tbuf_printf(o, "pod ");
            dump_str(o, p->meta.ns);
            tbuf_printf(o, "/");
            dump_str(o, p->meta.name);
            tbuf_printf(o, " labels=");
            dump_kvs(o, &p->labels);
            tbuf_printf(o, " ips=");
            dump_ips(o, p->ips, p->n_ips);
            tbuf_printf(o, " hostIPs=");
            dump_ips(o, p->host_ips, p->n_host_ips);
            if (p->has_host_ip != (p->n_host_ips > 0))
                tbuf_printf(o, " BAD-has_host_ip");
            tbuf_printf(o, " hostNetwork=%s ports=[",
                        p->host_network ? "true" : "false");
            for (size_t k = 0; k < p->n_ports; k++) {
                const struct kgi_container_port *cp = &p->ports[k];
                tbuf_printf(o, "%s", k ? ", " : "");
                if (cp->name.n) {
                    dump_str(o, cp->name);
                    tbuf_printf(o, "=");
                }
                tbuf_printf(o, "%u/%s", cp->port, kgi_proto_name(cp->protocol));
            }
            tbuf_printf(o, "]\n");
        } else if (ob->kind == KGI_KIND_NETWORKPOLICY) {
            const struct kgi_np_policy *np = &h->pols[ob->idx];
            tbuf_printf(o, "policy ");
            dump_str(o, np->meta.ns);
            tbuf_printf(o, "/");
            dump_str(o, np->meta.name);
            tbuf_printf(o, " podSelector=");
            dump_sel(o, &np->pod_selector);
            tbuf_printf(o, " types=[%s%s%s]\n",
                        np->ingress_type ? "Ingress" : "",
                        np->ingress_type && np->egress_type ? "," : "",
                        np->egress_type ? "Egress" : "");
            for (size_t r = 0; r < np->n_ingress; r++)
                dump_rule(o, &np->ingress[r], true, r);
            for (size_t r = 0; r < np->n_egress; r++)
                dump_rule(o, &np->egress[r], false, r);
        }
    }
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct tbuf b = {0};
    char chunk[4096];
    size_t n;
    tbuf_printf(&b, "%s", "");
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        tbuf_printf(&b, "%.*s", (int)n, chunk);
    fclose(f);
    *len = b.n;
    return b.p;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void render(const char *text, size_t len, bool strict, struct tbuf *o)
{
    struct hload h;
    hload_run(&h, text, len, strict);
    hload_diags(&h, o);
    tbuf_printf(o, "--\n");
    dump_models(&h, o);
    hload_free(&h);
}

static void test_data_files(void **state)
{
    (void)state;
    DIR *d = opendir(data_dir);
    if (!d)
        fail_msg("cannot open %s", data_dir);
    char *names[512];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".yaml") == 0 && n < 512) {
            char *dup = malloc(l + 1);
            assert_non_null(dup);
            memcpy(dup, e->d_name, l + 1);
            names[n++] = dup;
        }
    }
    closedir(d);
    qsort(names, n, sizeof(*names), name_cmp);
    assert_true(n >= 10);
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", data_dir, names[i]);
        size_t len = 0, elen = 0;
        char *text = read_all(path, &len);
        assert_non_null(text);
        snprintf(path, sizeof(path), "%s/%.*s.expect", data_dir,
                 (int)(strlen(names[i]) - 5), names[i]);
        char *want = read_all(path, &elen);
        bool strict = strncmp(text, "# kgress-test: strict-cidr", 26) == 0;
        struct tbuf got = {0};
        render(text, len, strict, &got);
        if (!want) {
            print_message("%s: no expectation file\n", names[i]);
            failures++;
        } else if (strcmp(want, got.p) != 0) {
            print_message("%s: mismatch\n--- got:\n%s--- want:\n%s", names[i],
                          got.p, want);
            failures++;
        }
        /* review aid: write what was rendered to $KGRESS_NETPOL_OUT/ */
        const char *out_dir = getenv("KGRESS_NETPOL_OUT");
        if (out_dir) {
            snprintf(path, sizeof(path), "%s/%.*s.expect", out_dir,
                     (int)(strlen(names[i]) - 5), names[i]);
            FILE *f = fopen(path, "wb");
            if (f) {
                fputs(got.p, f);
                fclose(f);
            }
        }
        tbuf_free(&got);
        free(want);
        free(text);
        free(names[i]);
    }
    assert_int_equal(failures, 0);
}

/* Allocation failure at every N over a manifest that uses every reader:
 * each run either loads the same as without failures or reports errors
 * (with KG_ENOMEM among them), and never crashes or leaks (ASan/valgrind
 * runs of this suite check the latter). */
static const char every_reader[] =
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: x, labels: {a: b}}\n"
    "---\n"
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x, labels: "
    "{app: web}}\nspec:\n  containers:\n  - name: c\n    ports:\n"
    "    - {name: http, containerPort: 80}\n    - {name: dns, containerPort: "
    "53, protocol: UDP}\n    - {containerPort: 81}\nstatus:\n  podIP: "
    "10.0.0.1\n  podIPs: [{ip: 10.0.0.1}, {ip: 'fd00::1'}]\n  hostIP: "
    "192.168.0.1\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: "
    "np, namespace: x}\nspec:\n  podSelector: {matchLabels: {app: web}, "
    "matchExpressions: [{key: t, operator: NotIn, values: [a, b]}]}\n"
    "  ingress:\n  - from:\n    - podSelector: {matchLabels: {a: b}}\n"
    "      namespaceSelector: {matchExpressions: [{key: 'n', operator: "
    "Exists}]}\n    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, "
    "10.2.0.0/16]}\n    ports:\n    - {port: 80}\n    - {port: http}\n"
    "    - {protocol: UDP, port: 1000, endPort: 2000}\n"
    "  egress:\n  - to: [{ipBlock: {cidr: '192.0.2.77/24'}}]\n"
    "  - ports: [{protocol: SCTP}]\n";

static void test_alloc_failure(void **state)
{
    (void)state;
    struct tbuf clean = {0};
    kgi_alloc_fail_after(-1);
    render(every_reader, sizeof(every_reader) - 1, false, &clean);
    assert_null(strstr(clean.p, "error "));
    assert_null(strstr(clean.p, "invalid "));
    long needed = kgi_alloc_fail_after(-1);
    (void)needed;
    bool done = false;
    for (long n = 0; n < 100000 && !done; n++) {
        struct hload h;
        kgi_alloc_fail_after(n);
        hload_run(&h, every_reader, sizeof(every_reader) - 1, false);
        kgi_alloc_fail_after(-1);
        bool any_error =
            h.diags.errors > 0 || h.diags.oom || h.yaml_rc == KG_ENOMEM;
        if (!any_error) {
            /* no failure hit: the result equals the clean run */
            struct tbuf got = {0};
            hload_diags(&h, &got);
            tbuf_printf(&got, "--\n");
            dump_models(&h, &got);
            assert_string_equal(got.p, clean.p);
            tbuf_free(&got);
            done = true;
        } else {
            /* an object whose reader failed is flagged invalid */
            for (size_t i = 0; i < h.diags.n; i++)
                if (h.diags.v[i].code == KG_ENOMEM)
                    assert_int_equal(h.diags.v[i].severity, KG_SEVERITY_ERROR);
        }
        hload_free(&h);
    }
    assert_true(done);
    tbuf_free(&clean);
}

/* The implied kubernetes.io/metadata.name label (rule 17) is what lets a
 * namespaceSelector pick a namespace by name; a user value of the label
 * cannot make a namespace impersonate another. */
static void test_namespace_name_label(void **state)
{
    (void)state;
    static const char text[] =
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n---\n"
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: dev, labels: "
        "{kubernetes.io/metadata.name: prod, env: dev}}\n---\n"
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: "
        "{name: p, namespace: prod}\nspec:\n  ingress:\n  - from:\n"
        "    - namespaceSelector: {matchLabels: "
        "{kubernetes.io/metadata.name: prod}}\n"
        "    - namespaceSelector: {matchExpressions: [{key: "
        "kubernetes.io/metadata.name, operator: NotIn, values: [prod]}]}\n";
    struct hload h;
    hload_run(&h, text, sizeof(text) - 1, false);
    assert_int_equal(h.diags.n, 0);
    assert_int_equal(h.n_nss, 2);
    assert_int_equal(h.n_pols, 1);
    const struct kgi_np_rule *r = &h.pols[0].ingress[0];
    assert_int_equal(r->n_peers, 2);
    const struct kgi_selector *by_name = &r->peers[0].ns_sel;
    const struct kgi_selector *not_prod = &r->peers[1].ns_sel;
    /* prod matches by name; dev does not, despite its label */
    assert_true(kgi_selector_matches(by_name, &h.nss[0].labels));
    assert_false(kgi_selector_matches(by_name, &h.nss[1].labels));
    assert_false(kgi_selector_matches(not_prod, &h.nss[0].labels));
    assert_true(kgi_selector_matches(not_prod, &h.nss[1].labels));
    /* the user's other labels are kept */
    assert_non_null(kgi_kvs_get(&h.nss[1].labels, "env"));
    assert_string_equal(
        kgi_kvs_get(&h.nss[1].labels, KGI_NS_NAME_LABEL)->value.p, "dev");
    hload_free(&h);
}

/* Named container ports resolve by name and protocol. */
static void test_pod_named_port(void **state)
{
    (void)state;
    static const char text[] =
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\n"
        "spec:\n  containers:\n  - name: c\n    ports:\n"
        "    - {name: dns, containerPort: 53, protocol: UDP}\n"
        "    - {name: dns-tcp, containerPort: 5353}\n";
    struct hload h;
    hload_run(&h, text, sizeof(text) - 1, false);
    assert_int_equal(h.diags.n, 0);
    assert_int_equal(h.n_pods, 1);
    const struct kgi_pod *p = &h.pods[0];
    const struct kgi_container_port *cp =
        kgi_pod_named_port(p, "dns", 3, KGI_PROTO_UDP);
    assert_non_null(cp);
    assert_int_equal(cp->port, 53);
    assert_null(kgi_pod_named_port(p, "dns", 3, KGI_PROTO_TCP));
    assert_null(kgi_pod_named_port(p, "dn", 2, KGI_PROTO_UDP));
    cp = kgi_pod_named_port(p, "dns-tcp", 7, KGI_PROTO_TCP);
    assert_non_null(cp);
    assert_int_equal(cp->port, 5353);
    assert_null(kgi_pod_named_port(p, "", 0, KGI_PROTO_TCP));
    hload_free(&h);
}

int main(int argc, char **argv)
{
    data_dir = argc > 1 ? argv[1] : "tests/data/netpol";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_files),
        cmocka_unit_test(test_namespace_name_label),
        cmocka_unit_test(test_pod_named_port),
        cmocka_unit_test(test_alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
