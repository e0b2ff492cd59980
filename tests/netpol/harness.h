// SPDX-License-Identifier: MIT
/*
 * harness.h - shared by the tests/netpol programs: load a YAML text through
 * the internal pipeline (kgi_yaml_load, then per object kgi_meta_kind /
 * kgi_meta_read and the netpol-model reader of its kind) and render the
 * diagnostics as `severity CODE path line:col` lines that tables and
 * expectation files compare against.
 */
#ifndef KGI_TESTS_NETPOL_HARNESS_H
#define KGI_TESTS_NETPOL_HARNESS_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/field.h"
#include "k8s/meta.h"
#include "kgress.h"
#include "policy/netpol_model.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/diag.h"
#include "util/options.h"
#include "yaml/load.h"

#include "../common/tbuf.h"

/* Everything one load produced. */
struct hload {
    struct kg_options opts;
    struct kgi_arena arena; /* nodes and models */
    struct kgi_objects objs;
    struct kg_diagnostics diags;
    struct kgi_np_policy *pols;
    struct kgi_pod *pods;
    struct kgi_namespace *nss;
    size_t n_pols, n_pods, n_nss;
    size_t invalid; /* objects whose reader returned false */
    /* every object of a known kind, in input order */
    struct hobj {
        int kind;   /* KGI_KIND_* */
        bool ok;    /* meta and model valid */
        size_t idx; /* into pols/pods/nss; SIZE_MAX when meta was invalid */
        struct kgi_str name, ns;
    } * list;
    size_t n_list;
    int yaml_rc;
};

/* Loads text and reads every object with the model readers. */
static inline void hload_run(struct hload *h, const char *text, size_t len,
                             bool strict_cidr)
{
    memset(h, 0, sizeof(*h));
    kgi_options_defaults(&h->opts);
    h->opts.flag[KG_FLAG_STRICT_CIDR] = strict_cidr;
    kgi_arena_init(&h->arena);
    kgi_diag_init(&h->diags);
    h->yaml_rc = kgi_yaml_load(&h->opts, "test.yaml", text, len, &h->arena,
                               &h->objs, &h->diags);
    size_t n = h->objs.n ? h->objs.n : 1;
    h->pols = calloc(n, sizeof(*h->pols));
    h->pods = calloc(n, sizeof(*h->pods));
    h->nss = calloc(n, sizeof(*h->nss));
    h->list = calloc(n, sizeof(*h->list));
    if (!h->pols || !h->pods || !h->nss || !h->list)
        abort();
    for (size_t i = 0; i < h->objs.n; i++) {
        struct kgi_ctx c;
        kgi_ctx_init(&c, &h->diags, &h->arena, &h->opts, h->objs.v[i].file);
        int kind = kgi_meta_kind(&c, h->objs.v[i].root);
        if (kind == KGI_KIND_UNKNOWN)
            continue;
        struct kgi_meta m;
        struct hobj *o = &h->list[h->n_list++];
        o->kind = kind;
        o->idx = SIZE_MAX;
        bool meta_ok = kgi_meta_read(&c, h->objs.v[i].root, kind, &m);
        o->name = m.name; /* filled as far as it could be read */
        o->ns = m.ns;
        if (!meta_ok) {
            h->invalid++;
            continue;
        }
        bool ok = true;
        switch (kind) {
        case KGI_KIND_NETWORKPOLICY:
            o->idx = h->n_pols;
            ok = kgi_netpol_read(&c, &m, &h->pols[h->n_pols++]);
            break;
        case KGI_KIND_POD:
            o->idx = h->n_pods;
            ok = kgi_pod_read(&c, &m, &h->pods[h->n_pods++]);
            break;
        case KGI_KIND_NAMESPACE:
            o->idx = h->n_nss;
            ok = kgi_namespace_read(&c, &m, &h->nss[h->n_nss++]);
            break;
        default:
            break;
        }
        o->ok = ok;
        if (!ok)
            h->invalid++;
    }
}

static inline void hload_free(struct hload *h)
{
    free(h->pols);
    free(h->pods);
    free(h->nss);
    free(h->list);
    kgi_free(h->objs.v);
    kgi_diag_release(&h->diags);
    kgi_arena_release(&h->arena);
}

/* One line per diagnostic: `error KG_EINVALID spec.x 3:5` (no message). */
static inline void hload_diags(const struct hload *h, struct tbuf *out)
{
    for (size_t i = 0; i < h->diags.n; i++) {
        const struct kgi_diag *d = &h->diags.v[i];
        tbuf_printf(out, "%s %s %s %u:%u\n",
                    d->severity == KG_SEVERITY_ERROR ? "error" : "warning",
                    kg_error_name(d->code), d->path[0] ? d->path : "-",
                    (unsigned)d->line, (unsigned)d->column);
    }
}

#endif
