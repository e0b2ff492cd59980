// SPDX-License-Identifier: MIT
/*
 * test_cnp_model.c - policy/cnp_model: ClusterNetworkPolicy (v1alpha2,
 * v1beta1), AdminNetworkPolicy and BaselineAdminNetworkPolicy (v1alpha1)
 * and Node readers, data-driven.
 *
 * Every tests/data/tiers/model/NAME.yaml is loaded through the internal
 * pipeline (kgi_yaml_load, kgi_meta_kind / kgi_meta_read, the reader of
 * the kind) and rendered as text: its diagnostics (`severity CODE path
 * line:col`), then `--`, then each object's model (tier, priority,
 * subject, rules with action, peers and ports in the one internal shape)
 * or `invalid KIND name`. The text must equal NAME.expect beside it, so
 * every validation rule of the CRDs is pinned to its field path and mark,
 * and every accepted form to what the compiler will see.
 *
 * Then: allocation failure at every N over a manifest using every reader.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "k8s/field.h"
#include "k8s/meta.h"
#include "kgress.h"
#include "policy/cnp_model.h"
#include "policy/netpol_model.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/diag.h"
#include "util/options.h"
#include "yaml/load.h"

#include "../common/tbuf.h"

static const char *data_dir;

static void dump_str(struct tbuf *o, struct kgi_str s)
{
    tbuf_printf(o, "%.*s", (int)s.n, s.p ? s.p : "");
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
        for (size_t j = 0; j < r->n_values; j++) {
            tbuf_printf(o, j ? "," : " [");
            dump_str(o, r->values[j]);
        }
        tbuf_printf(o, r->n_values ? "]" : "");
    }
    tbuf_printf(o, "}");
}

static void dump_peer(struct tbuf *o, const struct kgi_cnp_peer *p)
{
    char buf[KGI_CIDR_STRLEN];
    switch (p->kind) {
    case KGI_CNP_PEER_NAMESPACES:
        tbuf_printf(o, "namespaces ");
        dump_sel(o, &p->ns_sel);
        break;
    case KGI_CNP_PEER_PODS:
        tbuf_printf(o, "pods ns=");
        dump_sel(o, &p->ns_sel);
        tbuf_printf(o, " pod=");
        dump_sel(o, &p->pod_sel);
        break;
    case KGI_CNP_PEER_NODES:
        tbuf_printf(o, "nodes ");
        dump_sel(o, &p->node_sel);
        break;
    case KGI_CNP_PEER_NETWORKS:
        tbuf_printf(o, "networks");
        for (size_t i = 0; i < p->n_nets; i++) {
            kgi_cidr_format(&p->nets[i], buf);
            tbuf_printf(o, "%s%s", i ? "," : " ", buf);
        }
        break;
    case KGI_CNP_PEER_DOMAINS:
        tbuf_printf(o, "domainNames(%s)",
                    p->dialect == 0 ? "v1beta1" : "v1alpha");
        for (size_t i = 0; i < p->n_domains; i++) {
            tbuf_printf(o, "%s", i ? "," : " ");
            dump_str(o, p->domains[i]);
        }
        break;
    default:
        tbuf_printf(o, "BAD-PEER");
    }
}

static void dump_policy(struct tbuf *o, const struct kgi_cnp_policy *p)
{
    static const char *const kinds[] = {"?", "v1alpha1", "v1alpha2", "v1beta1"};
    dump_str(o, p->meta.kind_name);
    tbuf_printf(o, " ");
    dump_str(o, p->meta.name);
    tbuf_printf(o, " %s tier=%s priority=%d subject=", kinds[p->version],
                p->tier == KGI_CNP_ADMIN ? "Admin" : "Baseline",
                (int)p->priority);
    if (p->subj_pods) {
        tbuf_printf(o, "pods ns=");
        dump_sel(o, &p->subj_ns);
        tbuf_printf(o, " pod=");
        dump_sel(o, &p->subj_pod);
    } else {
        tbuf_printf(o, "namespaces ");
        dump_sel(o, &p->subj_ns);
    }
    tbuf_printf(o, "\n");
    for (int dir = 0; dir < 2; dir++) {
        for (size_t r = 0; r < p->n_rules[dir]; r++) {
            const struct kgi_cnp_rule *ru = &p->rules[dir][r];
            tbuf_printf(o, "  %s[%zu] %s",
                        dir == KG_INGRESS ? "ingress" : "egress", r,
                        kgi_cnp_action_name(ru->action, p->version));
            if (ru->name.n) {
                tbuf_printf(o, " name=");
                dump_str(o, ru->name);
            }
            tbuf_printf(o, " peers=");
            for (size_t k = 0; k < ru->n_peers; k++) {
                tbuf_printf(o, k ? " | " : "");
                dump_peer(o, &ru->peers[k]);
            }
            tbuf_printf(o, " ports=");
            if (!ru->n_ports)
                tbuf_printf(o, "any");
            for (size_t k = 0; k < ru->n_ports; k++) {
                const struct kgi_cnp_port *pt = &ru->ports[k];
                tbuf_printf(o, k ? "," : "");
                if (pt->name.n) {
                    tbuf_printf(o, "named:");
                    dump_str(o, pt->name);
                } else if (pt->lo == pt->hi) {
                    tbuf_printf(o, "%s/%u", kgi_proto_name(pt->protocol),
                                pt->lo);
                } else {
                    tbuf_printf(o, "%s/%u-%u", kgi_proto_name(pt->protocol),
                                pt->lo, pt->hi);
                }
            }
            tbuf_printf(o, "\n");
        }
    }
}

static void dump_node(struct tbuf *o, const struct kgi_k8s_node *n)
{
    char buf[KGI_IP_STRLEN];
    tbuf_printf(o, "Node ");
    dump_str(o, n->meta.name);
    tbuf_printf(o, " labels=%zu addrs=[", n->labels.n);
    for (size_t i = 0; i < n->n_addrs; i++) {
        kgi_ip_format(&n->addrs[i], buf);
        tbuf_printf(o, "%s%s", i ? "," : "", buf);
    }
    tbuf_printf(o, "]\n");
}

/* Loads text and renders diagnostics and models. */
static void render(const char *text, size_t len, struct tbuf *o,
                   struct kg_diagnostics *diags_out)
{
    struct kg_options opts;
    struct kgi_arena arena;
    struct kgi_objects objs;
    struct kg_diagnostics diags;
    kgi_options_defaults(&opts);
    kgi_arena_init(&arena);
    kgi_diag_init(&diags);
    memset(&objs, 0, sizeof(objs));
    struct tbuf models = {0};
    tbuf_printf(&models, "%s", "");
    int rc =
        kgi_yaml_load(&opts, "test.yaml", text, len, &arena, &objs, &diags);
    for (size_t i = 0; rc == 0 && i < objs.n; i++) {
        struct kgi_ctx c;
        kgi_ctx_init(&c, &diags, &arena, &opts, objs.v[i].file);
        int kind = kgi_meta_kind(&c, objs.v[i].root);
        if (kind == KGI_KIND_UNKNOWN)
            continue;
        struct kgi_meta m;
        if (!kgi_meta_read(&c, objs.v[i].root, kind, &m)) {
            tbuf_printf(&models, "invalid metadata\n");
            continue;
        }
        if (kind == KGI_KIND_NODE) {
            struct kgi_k8s_node n;
            if (kgi_k8s_node_read(&c, &m, &n) && c.errors == 0)
                dump_node(&models, &n);
            else
                tbuf_printf(&models, "invalid Node %.*s\n", (int)m.name.n,
                            m.name.p);
            continue;
        }
        if (kind != KGI_KIND_CLUSTERNETWORKPOLICY &&
            kind != KGI_KIND_ADMINNETWORKPOLICY &&
            kind != KGI_KIND_BASELINEADMINNETWORKPOLICY)
            continue;
        struct kgi_cnp_policy p;
        if (kgi_cnp_read(&c, &m, &p) && c.errors == 0)
            dump_policy(&models, &p);
        else
            tbuf_printf(&models, "invalid %.*s %.*s\n", (int)m.kind_name.n,
                        m.kind_name.p, (int)m.name.n, m.name.p);
    }
    if (rc)
        tbuf_printf(&models, "load failed: %s\n", kg_error_name(rc));
    for (size_t i = 0; i < diags.n; i++) {
        const struct kgi_diag *d = &diags.v[i];
        tbuf_printf(o, "%s %s %s %u:%u\n",
                    d->severity == KG_SEVERITY_ERROR ? "error" : "warning",
                    kg_error_name(d->code), d->path[0] ? d->path : "-",
                    (unsigned)d->line, (unsigned)d->column);
    }
    tbuf_printf(o, "--\n%s", models.p);
    tbuf_free(&models);
    if (diags_out) {
        diags_out->errors = diags.errors;
        diags_out->oom = diags.oom;
    }
    kgi_free(objs.v);
    kgi_diag_release(&diags);
    kgi_arena_release(&arena);
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

static void test_data_files(void **state)
{
    (void)state;
    DIR *d = opendir(data_dir);
    if (!d)
        fail_msg("cannot open %s", data_dir);
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".yaml") == 0 && n < 256) {
            char *dup = malloc(l + 1);
            assert_non_null(dup);
            memcpy(dup, e->d_name, l + 1);
            names[n++] = dup;
        }
    }
    closedir(d);
    qsort(names, n, sizeof(*names), name_cmp);
    assert_true(n >= 8);
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
        struct tbuf got = {0};
        render(text, len, &got, NULL);
        if (!want) {
            print_message("%s: no expectation file\n", names[i]);
            failures++;
        } else if (strcmp(want, got.p) != 0) {
            print_message("%s: mismatch\n--- got:\n%s--- want:\n%s", names[i],
                          got.p, want);
            failures++;
        }
        /* review aid: write what was rendered to $KGRESS_TIERS_OUT/ */
        const char *out_dir = getenv("KGRESS_TIERS_OUT");
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

static const char every_reader[] =
    "apiVersion: v1\nkind: Node\nmetadata: {name: n1, labels: {a: b}}\n"
    "status:\n  addresses:\n  - {type: InternalIP, address: 192.168.0.1}\n"
    "  - {type: Hostname, address: n1}\n"
    "  - {type: ExternalIP, address: '2001:db8::1'}\n"
    "---\n"
    "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\n"
    "metadata: {name: a}\nspec:\n  priority: 10\n  subject:\n    pods:\n"
    "      namespaceSelector: {matchLabels: {x: z}}\n"
    "      podSelector: {matchExpressions: [{key: app, operator: In, values: "
    "[w]}]}\n"
    "  ingress:\n  - {name: r, action: Pass, from: [{namespaces: {}}], "
    "ports: [{portNumber: {port: 80}}, {namedPort: web}, {portRange: "
    "{protocol: UDP, start: 1, end: 9}}]}\n"
    "  egress:\n  - action: Allow\n    to:\n    - networks: [10.0.0.0/8, "
    "'::/0']\n    - nodes: {matchLabels: {a: b}}\n"
    "    - domainNames: ['*.example.com', api.example.org]\n"
    "---\n"
    "apiVersion: policy.networking.k8s.io/v1alpha1\n"
    "kind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec:\n"
    "  subject: {namespaces: {}}\n  egress:\n  - {action: Deny, to: [{pods: "
    "{namespaceSelector: {}, podSelector: {}}}]}\n"
    "---\n"
    "apiVersion: policy.networking.k8s.io/v1beta1\nkind: "
    "ClusterNetworkPolicy\nmetadata: {name: c}\nspec:\n  tier: Baseline\n"
    "  priority: 3\n  subject: {pods: {podSelector: {}}}\n  egress:\n"
    "  - action: Accept\n    to: [{pods: {podSelector: {}}}]\n"
    "    protocols:\n    - tcp: {destinationPort: {number: 443}}\n"
    "    - udp: {destinationPort: {range: {start: 1, end: 2}}}\n"
    "    - destinationNamedPort: dns\n";

/* Allocation failure at every N: each run either renders the same as the
 * clean run or reports errors (KG_ENOMEM among them); never crashes or
 * leaks (the ASan and valgrind runs check that). */
static void test_alloc_failure(void **state)
{
    (void)state;
    struct tbuf clean = {0};
    render(every_reader, sizeof(every_reader) - 1, &clean, NULL);
    assert_null(strstr(clean.p, "error "));
    assert_null(strstr(clean.p, "invalid "));
    assert_non_null(strstr(clean.p, "ClusterNetworkPolicy c v1beta1"));
    bool done = false;
    for (long n = 0; n < 100000 && !done; n++) {
        struct tbuf got = {0};
        struct kg_diagnostics d = {0};
        kgi_alloc_fail_after(n);
        render(every_reader, sizeof(every_reader) - 1, &got, &d);
        kgi_alloc_fail_after(-1);
        if (d.errors == 0 && !d.oom && !strstr(got.p, "load failed")) {
            assert_string_equal(got.p, clean.p);
            done = true;
        }
        tbuf_free(&got);
    }
    assert_true(done);
    tbuf_free(&clean);
}

int main(int argc, char **argv)
{
    data_dir = argc > 1 ? argv[1] : "tests/data/tiers/model";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_files),
        cmocka_unit_test(test_alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
