// SPDX-License-Identifier: MIT
/*
 * routes.c - Ingress and IngressClass objects -> struct kgi_routes (see
 * routes.h for the tables and the lookup they serve).
 *
 * Steps, each a linear pass or a sort (10k Ingresses / 100k paths compile
 * in tens of milliseconds):
 *   1. read IngressClasses, then Ingresses through route/ingress_model (every
 *      API-server rule checked there); KG_FLAG_SKIP_INVALID leaves invalid
 *      objects out with their errors demoted to warnings;
 *   2. class filtering (DESIGN "Class"; the README states the rule);
 *   3. order the served Ingresses by the conflict rule: oldest
 *      creationTimestamp (none = newest), then "namespace/name", then input
 *      order (ingress-semantics rule 34, kgress decisions conflict-order and
 *      first-listed); an Ingress's rank is its position in that order;
 *   4. one entry per rule path, grouped by host (exact, wildcard, none);
 *      sorted by (group, pieces of the path, kind, precedence) so that each
 *      trie node's candidates are adjacent and the winner comes first;
 *   5. per group, either the trie (built recursively from the sorted run) or
 *      the ordered regex list (ingress-nginx regex hosts);
 *   6. host, wildcard and TLS hash tables.
 * Everything kept goes into one arena; temporaries are freed before return.
 */
#include "route/table.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route/gateway_table.h"
#include "route/ingress_model.h"
#include "route/normalize.h"
#include "route/ptrie.h"
#include "util/alloc.h"

/* ------------------------------------------------------------ helpers */

static bool str_eq(struct kgi_str a, const char *p, size_t n)
{
    return a.n == n && (n == 0 || memcmp(a.p, p, n) == 0);
}

/* ------------------------------------------------------ served Ingresses */

struct ing {
    struct kgi_ingress g;
    size_t input; /* position among the Ingress objects */
    uint32_t rank;
    struct kgi_bstr ns, name; /* arena copies */
};

static int ing_order(const void *pa, const void *pb)
{
    const struct ing *a = *(const struct ing *const *)pa;
    const struct ing *b = *(const struct ing *const *)pb;
    const struct kgi_meta *ma = a->g.meta, *mb = b->g.meta;
    int c = kgi_meta_age_cmp(ma, mb);
    if (c)
        return c;
    return a->input < b->input ? -1 : a->input > b->input;
}

/* ingress-nginx's store order (store.go ListIngresses): oldest first, and
 * on equal timestamps "namespace/name" descending (`in > jn`); a stable
 * sort, so the input order breaks the remaining ties. */
static int ing_order_nginx(const void *pa, const void *pb)
{
    const struct ing *a = *(const struct ing *const *)pa;
    const struct ing *b = *(const struct ing *const *)pb;
    const struct kgi_meta *ma = a->g.meta, *mb = b->g.meta;
    if (ma->has_created != mb->has_created)
        return ma->has_created ? -1 : 1;
    if (ma->has_created && ma->created != mb->created)
        return ma->created < mb->created ? -1 : 1;
    int c = kgi_nsname_cmp(mb->ns, mb->name, ma->ns, ma->name);
    if (c)
        return c;
    return a->input < b->input ? -1 : a->input > b->input;
}

struct iclass {
    struct kgi_str name;
    bool is_default;
};

/* DESIGN "Class": with a class option, only Ingresses of that class (the
 * field, else the legacy annotation, else a loaded IngressClass of that
 * name marked default). Without one, every Ingress, except that one naming
 * a class is not served when IngressClasses are loaded and none has that
 * name (ingress-controller-conformance ingress_class.feature). */
static bool served(const struct kg_options *o, const struct kgi_ingress *g,
                   const struct iclass *cls, size_t n_cls)
{
    struct kgi_str want = kgi_ingress_class_of(g);
    if (o->ingress_class_len) {
        if (want.p)
            return str_eq(want, o->ingress_class, o->ingress_class_len);
        for (size_t i = 0; i < n_cls; i++)
            if (cls[i].is_default &&
                str_eq(cls[i].name, o->ingress_class, o->ingress_class_len))
                return true;
        return false;
    }
    if (!want.p || n_cls == 0)
        return true;
    for (size_t i = 0; i < n_cls; i++)
        if (str_eq(cls[i].name, want.p, want.n))
            return true;
    return false;
}

/* ---------------------------------------------------------------- entries */

enum { E_EXACT = 0, E_PREFIX = 1, E_PARTIAL = 2 };

struct ent {
    uint32_t group;
    uint8_t kind;
    bool slash;                 /* Prefix written with a trailing slash */
    struct kgi_ptrie_cursor pc; /* node key ("" = root, no piece) */
    struct kgi_bstr part;       /* E_PARTIAL: the incomplete last piece */
    uint32_t rank, seq;
    const struct kgi_rtarget *t;
    const struct ing *src;
    size_t rule, path; /* indexes, for diagnostics */
    const struct kgi_node *node;
};

static int ent_cmp(const void *pa, const void *pb)
{
    const struct ent *a = pa, *b = pb;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    int c = kgi_ptrie_key_cmp(a->pc.key, b->pc.key);
    if (c)
        return c;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->kind == E_PARTIAL) {
        if (a->part.n != b->part.n)
            return a->part.n > b->part.n ? -1 : 1; /* longest first */
        c = a->part.n ? memcmp(a->part.p, b->part.p, a->part.n) : 0;
        if (c)
            return c;
    }
    if (a->slash != b->slash)
        return a->slash ? -1 : 1; /* rule 31: "/foo/" beats "/foo" */
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Regex order of ingress-nginx (controller.go): by path length, longest
 * first, then by path in descending byte order; then conflict order. */
static int rx_cmp(const void *pa, const void *pb)
{
    const struct ent *a = pa, *b = pb;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    const struct kgi_bstr *x = &a->t->path, *y = &b->t->path;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    int c = x->n ? memcmp(x->p, y->p, x->n) : 0;
    if (c)
        return -c;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* ------------------------------------------------------------------ groups */

struct build {
    const struct kgi_compile_in *in;
    struct kgi_routes *r;
    bool oom;
    bool skip_invalid;
    /* groups */
    struct kgi_hgroup *groups;
    size_t n_groups, cap_groups;
    bool *group_regex;
    size_t cap_regex_flags;
    /* temporary host -> group index map */
    uint64_t map_mask;
    int64_t *map; /* -1 empty, else group index */
    /* entries */
    struct ent *ents;
    size_t n_ents, cap_ents;
    uint32_t seq;
    /* regexes */
    size_t cap_regexes;
    size_t errors; /* error diagnostics reported here */
    /* candidate targets (every rule path) live here until the winners are
     * copied next to the trie nodes that answer with them */
    struct kgi_arena *tmp;
};

/* The copy of a winning target in the tables, placed in the arena right
 * where the walk that returns it has just read (its node's child array
 * follows): one cache line nearby instead of a far one. */
static const struct kgi_rtarget *keep(struct build *b,
                                      const struct kgi_rtarget *t)
{
    if (!t)
        return NULL;
    const struct kgi_rtarget *c = kgi_arena_memdup(&b->r->arena, t, sizeof(*t));
    if (!c)
        b->oom = true;
    return c;
}

static int map_grow(struct build *b)
{
    uint64_t cap = b->map ? (b->map_mask + 1) * 2 : 64;
    int64_t *m = kgi_malloc(cap * sizeof(*m));
    if (!m)
        return KG_ENOMEM;
    for (uint64_t i = 0; i < cap; i++)
        m[i] = -1;
    for (size_t g = 0; g < b->n_groups; g++) {
        const struct kgi_hgroup *h = &b->groups[g];
        uint64_t hv = kgi_routes_hash(h->host.p, h->host.n) ^ h->match;
        uint64_t i = hv & (cap - 1);
        while (m[i] >= 0)
            i = (i + 1) & (cap - 1);
        m[i] = (int64_t)g;
    }
    kgi_free(b->map);
    b->map = m;
    b->map_mask = cap - 1;
    return 0;
}

/* Index of the group of host (as written), created when new; -1 on OOM. */
static int64_t group_of(struct build *b, struct kgi_str host, bool wildcard)
{
    int match = host.n == 0 ? KGI_HOST_ANY
                : wildcard  ? KGI_HOST_WILDCARD
                            : KGI_HOST_EXACT;
    if (!b->map || (b->n_groups + 1) * 2 > b->map_mask + 1)
        if (map_grow(b))
            return -1;
    uint64_t hv = kgi_routes_hash(host.p, host.n) ^ (uint64_t)match;
    uint64_t i = hv & b->map_mask;
    for (; b->map[i] >= 0; i = (i + 1) & b->map_mask) {
        const struct kgi_hgroup *h = &b->groups[b->map[i]];
        if (h->match == match && str_eq(host, h->host.p, h->host.n))
            return b->map[i];
    }
    if (kgi_grow((void **)&b->groups, &b->cap_groups, b->n_groups + 1,
                 sizeof(*b->groups)) ||
        kgi_grow((void **)&b->group_regex, &b->cap_regex_flags, b->n_groups + 1,
                 sizeof(*b->group_regex)))
        return -1;
    struct kgi_hgroup *h = &b->groups[b->n_groups];
    memset(h, 0, sizeof(*h));
    h->host = kgi_route_bstr(&b->r->arena, host, &b->oom);
    h->match = (uint8_t)match;
    b->group_regex[b->n_groups] = false;
    if (b->oom)
        return -1;
    b->map[i] = (int64_t)b->n_groups;
    return (int64_t)b->n_groups++;
}

/* ----------------------------------------------------------------- targets */

static struct kgi_rtarget *target(struct build *b, const struct ing *s,
                                  const struct kgi_ingress_backend *be,
                                  struct kgi_str path, int type, int32_t rule)
{
    struct kgi_arena *a = &b->r->arena;
    struct kgi_rtarget *t = kgi_arena_calloc(b->tmp, 1, sizeof(*t));
    if (!t) {
        b->oom = true;
        return NULL;
    }
    t->ns = s->ns;
    t->ingress = s->name;
    t->rule = rule;
    t->service = t->port_name = t->res_group = t->res_kind = t->res_name =
        t->path = (struct kgi_bstr){"", 0};
    if (be->kind == KGI_BACKEND_RESOURCE) {
        t->is_resource = true;
        t->res_group = kgi_route_bstr(a, be->res_api_group, &b->oom);
        t->res_kind = kgi_route_bstr(a, be->res_kind, &b->oom);
        t->res_name = kgi_route_bstr(a, be->res_name, &b->oom);
    } else {
        t->service = kgi_route_bstr(a, be->service, &b->oom);
        t->port = (int32_t)be->port_number;
        t->port_name = kgi_route_bstr(a, be->port_name, &b->oom);
    }
    if (type) {
        t->path = kgi_route_bstr(a, path, &b->oom);
        t->path_type = (uint8_t)type;
    } else {
        t->is_default = true;
    }
    return b->oom ? NULL : t;
}

/* ------------------------------------------------------------- diagnostics */

static void path_field(char *buf, size_t cap, const struct ent *e,
                       const char *leaf)
{
    snprintf(buf, cap, "spec.rules[%zu].http.paths[%zu]%s", e->rule, e->path,
             leaf);
}

static void report(struct build *b, int severity, int code, const struct ent *e,
                   const char *leaf, const struct kgi_node *n, const char *msg)
{
    char field[96];
    path_field(field, sizeof(field), e, leaf);
    const struct kgi_meta *m = e->src->g.meta;
    if (!n)
        n = e->node;
    kgi_diag_add(b->in->diags, severity, code, m->file, field, n ? n->line : 0,
                 n ? n->column : 0, "%s", msg);
}

static void conflict(struct build *b, const struct ent *loser,
                     const struct ent *winner, const char *why)
{
    char msg[512];
    const struct kgi_hgroup *g = &b->groups[loser->group];
    snprintf(msg, sizeof(msg),
             "path \"%.*s\" (%s) on host \"%.*s\" of Ingress %s/%s is "
             "shadowed by \"%.*s\" (%s) in Ingress %s/%s "
             "spec.rules[%zu].http.paths[%zu] (%s)",
             (int)loser->t->path.n, loser->t->path.p,
             kgi_path_type_name(loser->t->path_type), (int)g->host.n, g->host.p,
             loser->src->ns.p, loser->src->name.p, (int)winner->t->path.n,
             winner->t->path.p, kgi_path_type_name(winner->t->path_type),
             winner->src->ns.p, winner->src->name.p, winner->rule, winner->path,
             why);
    char field[96];
    path_field(field, sizeof(field), loser, "");
    const struct kgi_meta *m = loser->src->g.meta;
    kgi_diag_add(b->in->diags, KG_SEVERITY_WARNING, KG_ECONFLICT, m->file,
                 field, loser->node ? loser->node->line : 0,
                 loser->node ? loser->node->column : 0, "%s", msg);
}

/* Why Ingress `winner` comes before `loser` in conflict order. */
static const char *order_why(const struct build *b, const struct ing *loser,
                             const struct ing *winner)
{
    const struct kgi_meta *w = winner->g.meta, *l = loser->g.meta;
    if (w->has_created && (!l->has_created || w->created < l->created))
        return "older creationTimestamp";
    if (kgi_nsname_cmp(w->ns, w->name, l->ns, l->name) == 0)
        return "same namespace/name, loaded first";
    return b->in->opts->dialect == KG_DIALECT_INGRESS_NGINX
               ? "same age, larger namespace/name (ingress-nginx order)"
               : "same age, smaller namespace/name";
}

static const char *why(const struct build *b, const struct ent *loser,
                       const struct ent *winner)
{
    if (loser->src == winner->src)
        return "listed first in the same Ingress";
    return order_why(b, loser->src, winner->src);
}

/* A defaultBackend that the conflict order leaves unused (`what` says
 * which default it lost: the cluster-wide one, or the catch-all). */
static void default_conflict(struct build *b, const struct ing *loser,
                             const struct ing *winner, const char *what)
{
    char msg[512];
    snprintf(msg, sizeof(msg),
             "spec.defaultBackend of Ingress %s/%s is not used: %s is "
             "Ingress %s/%s's (%s)",
             loser->ns.p, loser->name.p, what, winner->ns.p, winner->name.p,
             order_why(b, loser, winner));
    const struct kgi_node *n = loser->g.default_backend.node;
    if (!n)
        n = loser->g.meta->node;
    kgi_diag_add(b->in->diags, KG_SEVERITY_WARNING, KG_ECONFLICT,
                 loser->g.meta->file, "spec.defaultBackend", n ? n->line : 0,
                 n ? n->column : 0, "%s", msg);
}

/* ------------------------------------------------------------ collecting */

/* Adds an entry for one rule path. */
static int add_path(struct build *b, const struct ing *s, size_t gi, size_t ri,
                    size_t pi)
{
    const struct kgi_ingress_rule *rule = &s->g.rules[ri];
    const struct kgi_ingress_path *ip = &rule->paths[pi];
    struct kgi_rtarget *t =
        target(b, s, &ip->backend, ip->path, ip->type, (int32_t)rule->index);
    if (!t)
        return KG_ENOMEM;
    if (kgi_grow((void **)&b->ents, &b->cap_ents, b->n_ents + 1,
                 sizeof(*b->ents)))
        return KG_ENOMEM;
    struct ent *e = &b->ents[b->n_ents];
    memset(e, 0, sizeof(*e));
    e->group = (uint32_t)gi;
    e->rank = s->rank;
    e->seq = b->seq++;
    e->t = t;
    e->src = s;
    e->rule = ri;
    e->path = pi;
    e->node = ip->node;
    e->pc.key = (struct kgi_bstr){"", 0};
    e->part = (struct kgi_bstr){"", 0};
    b->n_ents++;
    b->groups[gi].n_paths++;
    return 0;
}

/* Turns the entries of non-regex groups into trie keys: the rule path in
 * request form (escapes normalized when requests are), split into the node
 * key and, for character prefixes, the partial piece. An entry that no
 * request can reach is dropped with a warning. */
static int make_keys(struct build *b)
{
    int dialect = b->in->opts->dialect;
    uint32_t norm = b->r->normalize;
    size_t out = 0;
    char *tmp = NULL;
    size_t tmp_cap = 0;
    for (size_t i = 0; i < b->n_ents; i++) {
        struct ent *e = &b->ents[i];
        if (b->group_regex[e->group]) {
            b->ents[out++] = *e;
            continue;
        }
        struct kgi_bstr p = e->t->path;
        int type = e->t->path_type;
        const char *why_not = NULL;
        if (memchr(p.p, '?', p.n) || memchr(p.p, '#', p.n))
            why_not = "contains '?' or '#', which never reach path matching";
        size_t n = p.n;
        if (!why_not && kgi_grow((void **)&tmp, &tmp_cap, p.n + 2, 1)) {
            kgi_free(tmp);
            return KG_ENOMEM;
        }
        if (!why_not && p.n > 0 && (norm & KGI_NORM_ON)) {
            int rc = kgi_norm_path(p.p, p.n,
                                   KGI_NORM_ON | KGI_NORM_ESCAPES_ONLY |
                                       (norm & KGI_NORM_REJECT_ESCAPED_SLASH),
                                   tmp, tmp_cap, &n);
            if (rc)
                why_not = "is not a valid normalized path (bad or rejected "
                          "%-escape)";
        } else if (!why_not) {
            if (n)
                memcpy(tmp, p.p, n);
        }
        if (why_not) {
            char msg[256];
            snprintf(msg, sizeof(msg), "path \"%.*s\" can never match: it %s",
                     (int)(p.n > 200 ? 200 : p.n), p.p, why_not);
            report(b, KG_SEVERITY_WARNING, KG_EWARNING, e, ".path", NULL, msg);
            b->groups[e->group].n_paths--;
            continue;
        }
        struct kgi_bstr k = kgi_route_bdup(&b->r->arena, tmp, n, &b->oom);
        if (b->oom) {
            kgi_free(tmp);
            return KG_ENOMEM;
        }
        if (type == KGI_PATH_EXACT) {
            e->kind = E_EXACT;
            e->pc.key = k;
        } else if (type == KGI_PATH_IMPL_SPECIFIC &&
                   dialect == KG_DIALECT_INGRESS_NGINX) {
            /* nginx prefix location: a character prefix; "" acts as "/" */
            e->kind = E_PARTIAL;
            if (k.n == 0)
                k = (struct kgi_bstr){"/", 1};
            uint32_t last = k.n - 1;
            while (k.p[last] != '/')
                last--;
            e->pc.key = (struct kgi_bstr){k.p, last};
            e->part = (struct kgi_bstr){k.p + last + 1, k.n - last - 1};
        } else {
            /* Prefix (and portable ImplementationSpecific): trailing slash
             * ignored (rule 25); "/" and "" sit at the root (rule 26) */
            e->kind = E_PREFIX;
            if (k.n > 0 && k.p[k.n - 1] == '/') {
                e->slash = k.n > 1;
                k.n--;
            }
            e->pc.key = k;
        }
        kgi_ptrie_cursor_init(&e->pc, e->pc.key);
        b->ents[out++] = *e;
    }
    kgi_free(tmp);
    b->n_ents = out;
    return 0;
}

/* --------------------------------------------------------------- the trie */

/* Resolves the candidates of one node: e[0..n) all end at it (sorted). */
static int node_targets(void *user, struct kgi_pnode *node, void *ents,
                        size_t n)
{
    struct build *b = user;
    struct ent *e = ents;
    size_t i = 0;
    /* exact: the first wins, every other one is a duplicate */
    if (i < n && e[i].kind == E_EXACT) {
        node->exact = keep(b, e[i].t);
        if (!node->exact)
            return KG_ENOMEM;
        for (size_t j = i + 1; j < n && e[j].kind == E_EXACT; j++)
            conflict(b, &e[j], &e[i], why(b, &e[j], &e[i]));
        while (i < n && e[i].kind == E_EXACT)
            i++;
    }
    const struct ent *pwin = NULL;
    if (i < n && e[i].kind == E_PREFIX) {
        pwin = &e[i];
        node->prefix = keep(b, e[i].t);
        if (!node->prefix)
            return KG_ENOMEM;
        for (size_t j = i + 1; j < n && e[j].kind == E_PREFIX; j++)
            if (e[j].slash == e[i].slash)
                conflict(b, &e[j], &e[i], why(b, &e[j], &e[i]));
        while (i < n && e[i].kind == E_PREFIX)
            i++;
    }
    if (i == n)
        return 0;
    /* partials: one per distinct string, longest first */
    size_t np = 0;
    for (size_t j = i; j < n; j++)
        if (j == i || e[j].part.n != e[j - 1].part.n ||
            memcmp(e[j].part.p, e[j - 1].part.p, e[j].part.n) != 0)
            np++;
    struct kgi_partial *pa = kgi_arena_calloc(&b->r->arena, np, sizeof(*pa));
    if (!pa)
        return KG_ENOMEM;
    size_t k = 0;
    for (size_t j = i; j < n;) {
        size_t end = j + 1;
        while (end < n && e[end].part.n == e[j].part.n &&
               memcmp(e[end].part.p, e[j].part.p, e[j].part.n) == 0) {
            conflict(b, &e[end], &e[j], why(b, &e[end], &e[j]));
            end++;
        }
        /* the partial "" is the same nginx location as this node's Prefix
         * ("/p/"): the better-ranked one keeps it */
        bool drop = false;
        if (e[j].part.n == 0 && pwin) {
            if (pwin->rank < e[j].rank ||
                (pwin->rank == e[j].rank && pwin->seq < e[j].seq)) {
                conflict(b, &e[j], pwin, why(b, &e[j], pwin));
                drop = true;
            } else {
                conflict(b, pwin, &e[j], why(b, pwin, &e[j]));
            }
        }
        if (!drop) {
            pa[k].s = e[j].part;
            pa[k].t = keep(b, e[j].t);
            if (!pa[k].t)
                return KG_ENOMEM;
            k++;
        }
        j = end;
    }
    for (size_t j = 0; j < k;) {
        size_t end = j + 1;
        while (end < k && pa[end].s.n == pa[j].s.n)
            end++;
        pa[j].run = (uint32_t)(end - j);
        j = end;
    }
    node->partial = pa;
    node->n_partial = (uint32_t)k;
    return 0;
}

/* ---------------------------------------------------------------- tables */

static int group_host_cmp(const void *pa, const void *pb)
{
    const struct kgi_hgroup *a = *(const struct kgi_hgroup *const *)pa;
    const struct kgi_hgroup *b = *(const struct kgi_hgroup *const *)pb;
    if (a->match != b->match)
        return a->match < b->match ? -1 : 1;
    size_t n = a->host.n < b->host.n ? a->host.n : b->host.n;
    int c = n ? memcmp(a->host.p, b->host.p, n) : 0;
    if (c)
        return c;
    return a->host.n < b->host.n ? -1 : a->host.n > b->host.n;
}

static int tls_cmp(const void *pa, const void *pb)
{
    const struct kgi_tls_entry *a = pa, *b = pb;
    size_t n = a->host.n < b->host.n ? a->host.n : b->host.n;
    int c = n ? memcmp(a->host.p, b->host.p, n) : 0;
    if (c)
        return c;
    return a->host.n < b->host.n ? -1 : a->host.n > b->host.n;
}

/* Regex groups: compile every path in the controller's order. */
static int build_regex(struct build *b, struct kgi_hgroup *g, struct ent *e,
                       size_t n)
{
    if (n) /* e may be NULL when n is 0 */
        qsort(e, n, sizeof(*e), rx_cmp);
    struct kgi_rx *rx = kgi_arena_calloc(&b->r->arena, n ? n : 1, sizeof(*rx));
    if (!rx)
        return KG_ENOMEM;
    size_t k = 0, last = 0; /* last: entry of rx[k - 1] */
    for (size_t i = 0; i < n; i++) {
        const struct kgi_bstr *p = &e[i].t->path;
        if (k > 0 && rx[k - 1].t->path.n == p->n &&
            memcmp(rx[k - 1].t->path.p, p->p, p->n) == 0) {
            /* the same nginx location twice: the first configured wins */
            conflict(b, &e[i], &e[last], why(b, &e[i], &e[last]));
            continue;
        }
        char err[200];
        size_t off = 0;
        struct kgi_regex *re = NULL;
        int rc = kgi_regex_compile(p->p, p->n, &re, err, sizeof(err), &off);
        if (rc == KG_ENOMEM)
            return rc;
        if (rc) {
            char msg[320];
            snprintf(msg, sizeof(msg),
                     "invalid regular expression at offset %zu: %s "
                     "(ingress-nginx use-regex/rewrite-target host)",
                     off, err);
            const struct kgi_node *pn = kgi_node_get(e[i].node, "path");
            report(b, b->skip_invalid ? KG_SEVERITY_WARNING : KG_SEVERITY_ERROR,
                   KG_EINVALID, &e[i], ".path", pn, msg);
            if (!b->skip_invalid)
                b->errors++;
            g->n_paths--;
            continue;
        }
        if (kgi_grow((void **)&b->r->regexes, &b->cap_regexes,
                     b->r->n_regexes + 1, sizeof(*b->r->regexes))) {
            kgi_regex_free(re);
            return KG_ENOMEM;
        }
        b->r->regexes[b->r->n_regexes++] = re;
        rx[k].re = re;
        rx[k].t = keep(b, e[i].t);
        if (!rx[k].t)
            return KG_ENOMEM;
        last = i;
        k++;
    }
    g->rx = rx;
    g->n_rx = (uint32_t)k;
    return 0;
}

/* ------------------------------------------------------------------ build */

/* Rule paths into entries, and the defaultBackends (ingress-semantics
 * rules 35, 36):
 *   - portable: spec.defaultBackend is "the backend that should handle
 *     requests that don't match any rule" (IngressSpec): one cluster-wide
 *     default, the first in conflict order of the Ingresses setting one,
 *     answers unknown hosts and path misses alike;
 *   - ingress-nginx (controller.go createServers): the first Ingress in
 *     store order with a rule for a host configures that server, and its
 *     defaultBackend (or none: the controller's default backend, no match
 *     here) answers the server's misses; an Ingress without rules sets the
 *     catch-all server "_", which also answers the host-less rules' misses
 *     and unknown hosts. */
static int collect(struct build *b, struct ing **ord, size_t n_served)
{
    bool nginx = b->in->opts->dialect == KG_DIALECT_INGRESS_NGINX;
    struct kgi_routes *r = b->r;
    const struct ing *def_src = NULL; /* whose default r->global_default is */
    for (size_t i = 0; i < n_served; i++) {
        struct ing *s = ord[i];
        const struct kgi_ingress *g = &s->g;
        struct kgi_rtarget *def = NULL;
        if (g->has_default) {
            def = target(b, s, &g->default_backend, (struct kgi_str){0, 0}, 0,
                         -1);
            if (!def)
                return KG_ENOMEM;
        }
        if (def && (!nginx || g->n_rules == 0)) {
            if (!r->global_default) {
                r->global_default = keep(b, def);
                if (!r->global_default)
                    return KG_ENOMEM;
                def_src = s;
            } else {
                default_conflict(b, s, def_src,
                                 nginx ? "the catch-all server's backend"
                                       : "the backend of requests that match "
                                         "no rule");
            }
        }
        for (size_t ri = 0; ri < g->n_rules; ri++) {
            const struct kgi_ingress_rule *rule = &g->rules[ri];
            int64_t gi = group_of(b, rule->host, rule->wildcard);
            if (gi < 0)
                return KG_ENOMEM;
            struct kgi_hgroup *h = &b->groups[gi];
            /* ranks ascend through this loop: the first Ingress with a
             * rule for a named host configures its nginx server */
            if (nginx && h->host.n && !h->own_default) {
                h->own_default = true;
                h->fallback = def;
            }
            if (nginx && (g->nginx_use_regex || g->nginx_rewrite))
                b->group_regex[gi] = true;
            for (size_t pi = 0; pi < rule->n_paths; pi++) {
                int rc = add_path(b, s, (size_t)gi, ri, pi);
                if (rc)
                    return rc;
            }
        }
    }
    return 0;
}

/* One TLS host of one Ingress, with its position in conflict order. */
struct tls_item {
    struct kgi_tls_entry e;
    size_t i;
};

static int tls_item_cmp(const void *pa, const void *pb)
{
    const struct tls_item *a = pa, *b = pb;
    int c = tls_cmp(&a->e, &b->e);
    if (c)
        return c;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* TLS hosts -> (namespace, secret): per host the best-ranked Ingress wins
 * (conflict order); an entry without hosts is the default certificate. */
static int collect_tls(struct build *b, struct ing **ord, size_t n_served)
{
    struct kgi_routes *r = b->r;
    struct tls_item *items = NULL;
    struct kgi_bstr *keys = NULL;
    const void **vals = NULL;
    int rc = KG_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < n_served; i++)
        for (size_t t = 0; t < ord[i]->g.n_tls; t++)
            n += ord[i]->g.tls[t].n_hosts ? ord[i]->g.tls[t].n_hosts : 1;
    items = kgi_malloc((n ? n : 1) * sizeof(*items));
    if (!items)
        goto out;
    size_t k = 0;
    for (size_t i = 0; i < n_served; i++) {
        struct ing *s = ord[i];
        for (size_t t = 0; t < s->g.n_tls; t++) {
            const struct kgi_ingress_tls *tl = &s->g.tls[t];
            struct kgi_bstr sec =
                kgi_route_bstr(&r->arena, tl->secret, &b->oom);
            size_t nh = tl->n_hosts ? tl->n_hosts : 1;
            for (size_t h = 0; h < nh; h++, k++) {
                items[k].e.host =
                    tl->n_hosts
                        ? kgi_route_bstr(&r->arena, tl->hosts[h], &b->oom)
                        : (struct kgi_bstr){"", 0};
                items[k].e.ns = s->ns;
                items[k].e.ingress = s->name;
                items[k].e.secret = sec;
                items[k].i = k;
            }
        }
    }
    if (b->oom)
        goto out;
    qsort(items, k, sizeof(*items), tls_item_cmp);
    struct kgi_tls_entry *v =
        kgi_arena_calloc(&r->arena, k ? k : 1, sizeof(*v));
    if (!v)
        goto out;
    size_t u = 0, ne = 0, nw = 0;
    for (size_t i = 0; i < k; i++) {
        if (u > 0 && tls_cmp(&items[i].e, &v[u - 1]) == 0)
            continue; /* a later (worse-ranked) Ingress listing the host */
        v[u] = items[i].e;
        if (v[u].host.n == 0)
            r->tls_default = &v[u];
        else if (v[u].host.p[0] == '*')
            nw++;
        else
            ne++;
        u++;
    }
    r->tls = v;
    r->n_tls = u;
    keys = kgi_malloc((ne + nw + 1) * sizeof(*keys));
    vals = kgi_malloc((ne + nw + 1) * sizeof(*vals));
    if (!keys || !vals)
        goto out;
    size_t a = 0, w = ne;
    for (size_t i = 0; i < u; i++) {
        if (v[i].host.n == 0)
            continue;
        if (v[i].host.p[0] == '*') {
            keys[w] = (struct kgi_bstr){v[i].host.p + 2, v[i].host.n - 2};
            vals[w++] = &v[i];
        } else {
            keys[a] = v[i].host;
            vals[a++] = &v[i];
        }
    }
    rc = kgi_htab_build(&r->arena, &r->tls_exact, keys, vals, ne);
    if (!rc)
        rc = kgi_htab_build(&r->arena, &r->tls_wild, keys + ne, vals + ne, nw);
out:
    kgi_free(items);
    kgi_free(keys);
    kgi_free(vals);
    return rc;
}

/* ------------------------------------------------------------------ build */

static uint32_t norm_flags(const struct kg_options *o)
{
    uint32_t f = 0;
    if (kgi_flag(o, KG_FLAG_NORMALIZE))
        f |= KGI_NORM_ON;
    if (kgi_flag(o, KG_FLAG_REJECT_ESCAPED_SLASH))
        f |= KGI_NORM_REJECT_ESCAPED_SLASH;
    return f;
}

/* Reads every IngressClass and Ingress; returns 0, KG_ECOMPILE, KG_ENOMEM. */
static int read_objects(struct build *b, struct kgi_arena *scratch,
                        struct ing *ings, size_t *n_ings, struct iclass *cls,
                        size_t *n_cls)
{
    const struct kgi_compile_in *in = b->in;
    bool errors = false;
    *n_ings = *n_cls = 0;
    for (int pass = 0; pass < 2; pass++) {
        int kind = pass == 0 ? KGI_KIND_INGRESSCLASS : KGI_KIND_INGRESS;
        for (size_t i = 0; i < in->n; i++) {
            const struct kgi_meta *m = &in->objs[i];
            if (m->kind != kind)
                continue;
            struct kgi_ctx c;
            kgi_ctx_init(&c, in->diags, scratch, in->opts, m->file);
            size_t before = kgi_diag_mark(in->diags);
            bool ok, oom;
            if (kind == KGI_KIND_INGRESSCLASS) {
                struct kgi_ingress_class ic;
                ok = kgi_ingress_class_read(&c, m, &ic);
                oom = ic.oom;
                if (ok) {
                    cls[*n_cls].name = m->name;
                    cls[*n_cls].is_default = ic.is_default;
                    (*n_cls)++;
                }
            } else {
                struct ing *s = &ings[*n_ings];
                ok = kgi_ingress_read(&c, m, &s->g);
                oom = s->g.oom;
                if (ok) {
                    s->input = *n_ings;
                    (*n_ings)++;
                }
            }
            if (oom || in->diags->oom)
                return KG_ENOMEM;
            if (!ok) {
                if (b->skip_invalid)
                    kgi_diag_demote(in->diags, before);
                else
                    errors = true;
            }
        }
    }
    return errors ? KG_ECOMPILE : 0;
}

static int build_groups(struct build *b)
{
    struct kgi_routes *r = b->r;
    if (b->n_ents) /* qsort(NULL, 0) is undefined */
        qsort(b->ents, b->n_ents, sizeof(*b->ents), ent_cmp);
    struct kgi_hgroup **final = kgi_arena_calloc(
        &r->arena, b->n_groups ? b->n_groups : 1, sizeof(*final));
    if (!final)
        return KG_ENOMEM;
    size_t lo = 0;
    for (size_t g = 0; g < b->n_groups; g++) {
        size_t hi = lo;
        while (hi < b->n_ents && b->ents[hi].group == g)
            hi++;
        /* the group, its trie and its winning targets are allocated
         * together, so a lookup stays within a few neighbouring lines */
        struct kgi_hgroup *h = kgi_arena_alloc(&r->arena, sizeof(*h), 64);
        if (!h)
            return KG_ENOMEM;
        *h = b->groups[g];
        final[g] = h;
        h->fallback = keep(b, h->fallback);
        if (b->oom)
            return KG_ENOMEM;
        int rc;
        /* a host without paths has no entries (ents may be NULL: NULL + 0
         * is undefined) */
        struct ent *e = hi > lo ? b->ents + lo : b->ents;
        if (b->group_regex[g]) {
            h->regex = true;
            rc = build_regex(b, h, e, hi - lo);
        } else {
            rc = kgi_ptrie_build(&b->r->arena, &h->root, e, hi - lo, sizeof(*e),
                                 offsetof(struct ent, pc), node_targets, b);
        }
        if (rc)
            return rc;
        lo = hi;
    }
    /* sorted by host for the tables and dumps */
    qsort(final, b->n_groups, sizeof(*final), group_host_cmp);
    r->groups = (const struct kgi_hgroup *const *) final;
    r->n_groups = b->n_groups;
    size_t ne = 0, nw = 0;
    for (size_t i = 0; i < b->n_groups; i++) {
        if (final[i]->match == KGI_HOST_EXACT)
            ne++;
        else if (final[i]->match == KGI_HOST_WILDCARD)
            nw++;
        else
            r->any = final[i];
    }
    int rc = KG_ENOMEM;
    struct kgi_bstr *keys = kgi_malloc((ne + nw + 1) * sizeof(*keys));
    const void **vals = kgi_malloc((ne + nw + 1) * sizeof(*vals));
    if (keys && vals) {
        /* groups are sorted by match kind: exact ones first */
        for (size_t i = 0; i < ne + nw; i++) {
            keys[i] = final[i]->host;
            if (final[i]->match == KGI_HOST_WILDCARD) {
                keys[i].p += 2; /* "*.parent" is keyed by "parent" */
                keys[i].n -= 2;
            }
            vals[i] = final[i];
        }
        rc = kgi_htab_build(&r->arena, &r->exact, keys, vals, ne);
        if (!rc)
            rc = kgi_htab_build(&r->arena, &r->wild, keys + ne, vals + ne, nw);
    }
    kgi_free(keys);
    kgi_free(vals);
    return rc;
}

static int ingress_build(const struct kgi_compile_in *in,
                         struct kgi_routes **out)
{
    *out = NULL;
    int rc = KG_ENOMEM;
    struct kgi_arena scratch;
    kgi_arena_init(&scratch);
    struct build b;
    memset(&b, 0, sizeof(b));
    struct ing *ings = NULL;
    struct ing **ord = NULL;
    struct iclass *cls = NULL;
    struct kgi_routes *r = kgi_calloc(1, sizeof(*r));
    if (!r)
        goto fail;
    kgi_arena_init(&r->arena);
    r->dialect = in->opts->dialect;
    r->normalize = norm_flags(in->opts);
    b.in = in;
    b.r = r;
    b.tmp = &scratch;
    b.skip_invalid = kgi_flag(in->opts, KG_FLAG_SKIP_INVALID);
    size_t n_ing = 0, n_cls = 0;
    for (size_t i = 0; i < in->n; i++) {
        n_ing += in->objs[i].kind == KGI_KIND_INGRESS;
        n_cls += in->objs[i].kind == KGI_KIND_INGRESSCLASS;
    }
    ings = kgi_calloc(n_ing ? n_ing : 1, sizeof(*ings));
    ord = kgi_calloc(n_ing ? n_ing : 1, sizeof(*ord));
    cls = kgi_calloc(n_cls ? n_cls : 1, sizeof(*cls));
    if (!ings || !ord || !cls)
        goto fail;
    rc = read_objects(&b, &scratch, ings, &n_ing, cls, &n_cls);
    if (rc)
        goto fail;
    size_t n_served = 0;
    for (size_t i = 0; i < n_ing; i++)
        if (served(in->opts, &ings[i].g, cls, n_cls))
            ord[n_served++] = &ings[i];
    qsort(ord, n_served, sizeof(*ord),
          in->opts->dialect == KG_DIALECT_INGRESS_NGINX ? ing_order_nginx
                                                        : ing_order);
    rc = KG_ENOMEM;
    for (size_t i = 0; i < n_served; i++) {
        ord[i]->rank = (uint32_t)i;
        ord[i]->ns = kgi_route_bstr(&r->arena, ord[i]->g.meta->ns, &b.oom);
        ord[i]->name = kgi_route_bstr(&r->arena, ord[i]->g.meta->name, &b.oom);
    }
    if (b.oom)
        goto fail;
    r->n_ingresses = n_served;
    rc = collect(&b, ord, n_served);
    if (!rc)
        rc = make_keys(&b);
    if (!rc)
        rc = build_groups(&b);
    if (!rc)
        rc = collect_tls(&b, ord, n_served);
    if (!rc && (b.oom || in->diags->oom))
        rc = KG_ENOMEM;
    if (!rc && b.errors)
        rc = KG_ECOMPILE;
    if (rc)
        goto fail;
    *out = r;
    r = NULL;
fail:
    kgi_routes_free(r);
    kgi_free(b.groups);
    kgi_free(b.group_regex);
    kgi_free(b.map);
    kgi_free(b.ents);
    kgi_free(ings);
    kgi_free(ord);
    kgi_free(cls);
    kgi_arena_release(&scratch);
    return rc;
}

/* The Ingress tables, then the Gateway API ones beside them: both engines
 * report every error of the input before the build fails. */
int kgi_routes_build(const struct kgi_compile_in *in, struct kgi_routes **out)
{
    struct kgi_routes *r = NULL;
    struct kgi_gw_tables *gw = NULL;
    *out = NULL;
    int rc = ingress_build(in, &r);
    if (rc != KG_ENOMEM) {
        struct kgi_gw_in gin = {in->opts, in->diags, in->objs, in->n};
        int g = kgi_gw_build(&gin, &gw);
        if (g == KG_ENOMEM || (g && !rc))
            rc = g;
    }
    if (rc) {
        kgi_routes_free(r);
        kgi_gw_free(gw);
        return rc;
    }
    r->gw = gw;
    *out = r;
    return 0;
}

void kgi_routes_free(struct kgi_routes *r)
{
    if (!r)
        return;
    kgi_gw_free(r->gw);
    for (size_t i = 0; i < r->n_regexes; i++)
        kgi_regex_free(r->regexes[i]);
    kgi_free(r->regexes);
    kgi_arena_release(&r->arena);
    kgi_free(r);
}
