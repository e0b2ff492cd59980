// SPDX-License-Identifier: MIT
/*
 * diag_objects.c - after a compile, each diagnostic names its object and
 * the list reads in file order (issue 15 item 9).
 *
 * The loader, the model readers and the engines report as they go: a
 * source's syntax errors when it is added, metadata problems object by
 * object, conflicts and policy problems when an engine compiles, so the
 * raw list is in the order of the stages, not of the input. Rather than
 * have every reporter pass its object along, one pass here maps each
 * diagnostic to the object whose root it follows in the same source (the
 * objects of a source are in input order, each starting at its root's
 * line:column) and sorts a permutation of the list by (source added,
 * line, column, reported order). Workload: at most KG_LIMIT_DIAGNOSTICS
 * diagnostics (default 1,000) against up to 10^5-10^6 objects, so objects
 * are sorted once (O(m log m)) and each diagnostic is a binary search.
 */
#include "api/diag_objects.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/field.h"
#include "k8s/kinds.h"
#include "util/alloc.h"
#include "yaml/load.h"

struct rank {
    const char *name; /* log-safe, as diagnostics show it */
    size_t len;
    size_t rank; /* index of its first add */
};

struct obj_at {
    size_t rank;
    uint32_t line, column;
    const struct kgi_node *root;
};

struct key {
    size_t rank;
    uint32_t line, column;
    size_t index;
};

static int rank_cmp(const void *x, const void *y)
{
    const struct rank *a = x, *b = y;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->name, b->name, n);
    if (c)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return a->rank < b->rank ? -1 : a->rank > b->rank;
}

/* Rank of a log-safe source name; n_ranks when unknown. */
static size_t rank_of(const struct rank *r, size_t n, const char *name)
{
    struct rank k = {name, strlen(name), 0};
    size_t lo = 0, hi = n;
    while (lo < hi) { /* first entry >= (name, 0) */
        size_t mid = lo + (hi - lo) / 2;
        if (rank_cmp(&r[mid], &k) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && r[lo].len == k.len && memcmp(r[lo].name, name, k.len) == 0)
        return r[lo].rank;
    return n;
}

static int pos_cmp(size_t ra, uint32_t la, uint32_t ca, size_t rb, uint32_t lb,
                   uint32_t cb)
{
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (la != lb)
        return la < lb ? -1 : 1;
    return ca < cb ? -1 : ca > cb;
}

static int obj_cmp(const void *x, const void *y)
{
    const struct obj_at *a = x, *b = y;
    return pos_cmp(a->rank, a->line, a->column, b->rank, b->line, b->column);
}

static int key_cmp(const void *x, const void *y)
{
    const struct key *a = x, *b = y;
    int c = pos_cmp(a->rank, a->line, a->column, b->rank, b->line, b->column);
    return c ? c : a->index < b->index ? -1 : a->index > b->index;
}

/* Problems of a whole source (its bytes, its YAML, its limits), found
 * before it had objects: they name none. */
static bool source_level(int code)
{
    switch (code) {
    case KG_EIO:
    case KG_ESYNTAX:
    case KG_EENCODING:
    case KG_ELIMIT_BYTES:
    case KG_ELIMIT_DEPTH:
    case KG_ELIMIT_NODES:
    case KG_ELIMIT_SCALAR:
    case KG_ELIMIT_DOCUMENTS:
    case KG_EALIAS:
    case KG_ELIMIT_ALIAS:
        return true;
    default:
        return false;
    }
}

static const struct kgi_node *scalar(const struct kgi_node *map,
                                     const char *key)
{
    const struct kgi_node *n = kgi_node_get(map, key);
    return n && n->kind == KGI_NODE_SCALAR && n->count ? n : NULL;
}

/* "Kind namespace/name" of an object root, log-safe, in d's arena. */
static const char *label(struct kg_diagnostics *d, const struct kgi_node *root)
{
    const struct kgi_node *kind = scalar(root, "kind");
    const struct kgi_node *md = kgi_node_get(root, "metadata");
    const struct kgi_node *name = scalar(md, "name");
    const struct kgi_node *ns = scalar(md, "namespace");
    const char *k = kind ? kind->u.str : "(no kind)";
    size_t kl = kind ? kind->count : 9;
    const char *nsp = ns ? ns->u.str : NULL;
    size_t nsl = ns ? ns->count : 0;
    if (!ns && kind && kgi_kind_namespaced(kind->u.str, kind->count)) {
        nsp = "default";
        nsl = 7;
    }
    char buf[400];
    int n = snprintf(buf, sizeof(buf), "%.*s %.*s%s%.*s", KGI_SHOW(kl), k,
                     KGI_SHOW(nsl), nsp ? nsp : "", nsp ? "/" : "",
                     name ? KGI_SHOW(name->count) : 9,
                     name ? name->u.str : "(no name)");
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof(buf))
        n = sizeof(buf) - 1;
    return kgi_diag_safe_dup(d, buf, (size_t)n);
}

int kgi_diag_annotate(struct kg_diagnostics *d, const struct kgi_store *st,
                      char *const *sources, size_t n_sources)
{
    if (!d->n)
        return 0;
    int rc = KG_ENOMEM;
    struct rank *ranks =
        kgi_malloc((n_sources ? n_sources : 1) * sizeof(*ranks));
    struct obj_at *objs = kgi_malloc((st->live ? st->live : 1) * sizeof(*objs));
    struct key *keys = kgi_malloc(d->n * sizeof(*keys));
    size_t *order = kgi_malloc(d->n * sizeof(*order));
    char *esc = NULL;
    if (!ranks || !objs || !keys || !order)
        goto out;
    for (size_t i = 0; i < n_sources; i++)
        ranks[i] = (struct rank){sources[i], strlen(sources[i]), i};
    qsort(ranks, n_sources, sizeof(*ranks), rank_cmp);

    /* the live objects by position; the sources' names as diagnostics
     * show them (one escape per source: its objects share the name) */
    size_t m = 0, esc_cap = 0, rank = n_sources;
    const char *last = NULL;
    for (size_t e = 0; e < st->n; e++) {
        const struct kgi_entry *en = &st->v[e];
        if (!en->live || !en->obj.root)
            continue;
        if (en->obj.file != last) {
            last = en->obj.file;
            size_t fl = last ? strlen(last) : 0;
            size_t need = kg_text_escape(last, fl, NULL, 0) + 1;
            if (need > esc_cap) {
                char *nb = kgi_realloc(esc, need);
                if (!nb)
                    goto out;
                esc = nb;
                esc_cap = need;
            }
            kg_text_escape(last, fl, esc, esc_cap);
            rank = rank_of(ranks, n_sources, esc);
        }
        objs[m++] = (struct obj_at){rank, en->obj.root->line,
                                    en->obj.root->column, en->obj.root};
    }
    qsort(objs, m, sizeof(*objs), obj_cmp);

    for (size_t i = 0; i < d->n; i++) {
        struct kgi_diag *g = &d->v[i];
        size_t r = g->file[0] ? rank_of(ranks, n_sources, g->file)
                              : n_sources + 1; /* no source: last */
        keys[i] = (struct key){r, g->line, g->column, i};
        if (g->object || !g->line || r >= n_sources || source_level(g->code))
            continue;
        /* the last object starting at or before the diagnostic */
        size_t lo = 0, hi = m;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (pos_cmp(objs[mid].rank, objs[mid].line, objs[mid].column, r,
                        g->line, g->column) <= 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo > 0 && objs[lo - 1].rank == r) {
            g->object = label(d, objs[lo - 1].root);
            if (!g->object)
                goto out;
        }
    }
    qsort(keys, d->n, sizeof(*keys), key_cmp);
    for (size_t i = 0; i < d->n; i++)
        order[i] = keys[i].index;
    kgi_diag_set_order(d, order);
    order = NULL;
    rc = 0;
out:
    kgi_free(ranks);
    kgi_free(objs);
    kgi_free(keys);
    kgi_free(order);
    kgi_free(esc);
    return rc;
}
