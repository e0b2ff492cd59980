// SPDX-License-Identifier: MIT
/*
 * route_diff.c - kg_route_diff: every class of request whose routing
 * answer differs between two compiled rule sets (Ingress in either
 * dialect, Gateway API HTTPRoutes and GRPCRoutes), from their tables, not
 * by sampling. docs/diff.md is the user's account; this is the design.
 *
 * Workload: a migration check (ingress-nginx Ingresses against the
 * HTTPRoutes replacing them), a review of a change to a rule set, CI on
 * manifests: control plane, run once, on sets of up to thousands of
 * routes. It allocates freely (one arena per host class) and looks up
 * through the public kg_route_request, so what it reports is what a
 * proxy embedding kgress would do.
 *
 * The request space and why a finite set of witnesses covers it.
 *
 * A lookup reads, in order: the listener port (Gateway API), the Host,
 * the path, then the method, headers and query parameters the candidate
 * matches of the path test. Each read is a comparison against keys of the
 * tables, so the space splits into classes on which every comparison of
 * both sides comes out the same, hence the same answer:
 *
 *  1. Port. Only Gateway API sides read it, comparing it with listener
 *     ports: the classes are the listener ports of either side (an
 *     Ingress side answers the same on all of them).
 *  2. Host. Every host comparison of either engine is "h == K" (an exact
 *     group or listener hostname), "h is one label + '.' + S" (an Ingress
 *     wildcard *.S) or "h ends with '.' + S" (a Gateway wildcard, one or
 *     more labels). Let K* be the longest key (exact host or wildcard
 *     suffix, of either side) with h == K* or h ending in "." + K*. Every
 *     key h relates to is then K* or a label suffix of it, and which
 *     relations hold depends only on K*, on whether h == K*, and (for the
 *     Ingress one-label rule) on whether one label or more precede K*.
 *     So the witnesses K (each exact key), x.S and x.x.S (each wildcard
 *     suffix; x.x.S only when an Ingress side makes one label differ from
 *     more) and a fresh one-label host relating to no key cover every
 *     host; x is a label no key contains. An IP literal, a non-ASCII or an
 *     empty Host reaches exactly what the fresh host reaches (host-less
 *     Ingress rules, listeners and routes without hostnames), so it needs
 *     no witness of its own.
 *  3. Path. A trie walk (route/table.h) compares the request's pieces
 *     with node labels: its result depends on the deepest node key k
 *     (over the union of both sides' nodes that carry an answer) that is
 *     a piece prefix of the path, on whether the path is k itself, and,
 *     for ingress-nginx character prefixes (partials) at k, on the longest
 *     partial the next piece starts with. Witnesses: for each key k, k
 *     itself, k + "/" and k + "/" + a fresh piece no key or partial
 *     starts with; for each partial p at k, k/p and k/p + '~'; the root
 *     gives "/" and "/~". Only the groups the host can select are read:
 *     for each side, every group whose host matches (a superset of the one
 *     the lookup picks, so the cut is finer than needed, never coarser).
 *  4. Conditions. A Gateway API lookup scans ordered candidate lists and
 *     takes the first whose method, headers and query parameters hold.
 *     Each exact condition compares one name's value with a constant: per
 *     name, the classes are "absent or another value" and each constant,
 *     and the product of those over the names and methods the candidates
 *     of the region test is exact. It is enumerated up to
 *     max_combinations (default 4096); beyond, one combination per
 *     candidate (its conditions met, the rest absent) plus none is tried
 *     and the class is reported inexact.
 *
 * What is not exact: regular expressions (ingress-nginx regex hosts,
 * RegularExpression path, header and query matches, GRPCRoute regex
 * methods). Their languages are not trie regions; the diff evaluates
 * members built from the pattern (api/diff_rx.c; for the case-insensitive
 * ingress-nginx patterns also upper-cased) as extra witnesses and marks
 * every class of a host or name a regex decides as inexact (exact =
 * false), so a reader knows where a difference could still hide.
 *
 * The answer compared (docs/diff.md "What counts as the same answer"): its
 * canonical text. For a forward, the weighted set of backends, found by
 * walking pick over the cumulative weights (pick 0, then + each picked
 * weight, until the total), merged by backend, shares reduced: two sides
 * answer alike when each backend gets the same share. A redirect is its
 * status and Location parts, computed on the witness (they are constant
 * on a class: the request host is the class's own host for an exact
 * class and a fresh label otherwise, no rule names it); a 500 is "status
 * 500", a miss "no route", a rejected request its error code. With
 * KG_DIFF_FILTERS, rewrites (computed on the witness) and the filters'
 * data are part of the answer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/diff.h"
#include "api/ruleset.h"
#include "kgress.h"
#include "util/abi.h"
#include "util/alloc.h"
#include "util/arena.h"
#if KGI_WITH_ROUTE /* without the route engine: KG_ENOTSUPPORTED, below */
#include "route/gateway_model.h"
#include "route/gateway_table.h"
#include "route/table.h"

#define COMBOS_DEFAULT 4096
#define PICKS_MAX 64 /* backends of one rule an answer lists (API: 16) */

/* ------------------------------------------------------------- strings */

/* A growable byte string (heap). */
struct sb {
    char *p;
    size_t n, cap;
    bool oom;
};

static void sb_put(struct sb *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (kgi_grow((void **)&b->p, &b->cap, b->n + n + 1, 1)) {
        b->oom = true;
        return;
    }
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_str(struct sb *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
sb_fmt(struct sb *b, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        sb_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* A vector of strings with a description each (witnesses), in an arena. */
struct wit {
    struct kgi_str s, desc;
    bool rx; /* from a regular expression */
};

struct wvec {
    struct wit *v;
    size_t n, cap;
};

struct svec {
    struct kgi_str *v;
    size_t n, cap;
};

/* ------------------------------------------------------------- context */

struct side {
    const kg_ruleset *rs;
    const struct kgi_routes *r;
    const struct kgi_gw_tables *gw; /* non-NULL: routed as Gateway API */
    char *buf;                      /* lookup buffer */
    size_t cap;
};

/* One dimension of the condition product: a method, or a header or query
 * name, with its classes (vals[0] is "absent / another value"). */
enum { DIM_METHOD, DIM_HEADER, DIM_QUERY };
struct dim {
    int kind;
    struct kgi_str name; /* header names lower-case */
    struct svec vals;    /* vals.v[0].p == NULL: absent */
    bool rx;             /* a regex condition tests it */
};

struct dctx {
    struct side s[2];
    struct kg_diff_options o;
    kg_route_diff_fn fn;
    void *user;
    struct kg_diff_summary sum;
    int stop; /* fn's non-zero value */
    bool oom;
    struct kgi_arena *a; /* of the current host class */
    /* the current class */
    unsigned port;
    struct wit host;
    bool host_rx; /* a regex group on either side for this host */
    struct sb ans[2], cond, target;
};

static struct kgi_str adup(struct dctx *d, const char *p, size_t n)
{
    char *s = kgi_arena_strndup(d->a, p ? p : "", p ? n : 0);
    if (!s) {
        d->oom = true;
        return (struct kgi_str){"", 0};
    }
    return (struct kgi_str){s, n};
}

static struct kgi_str acat(struct dctx *d, struct kgi_str a, const char *b,
                           size_t bn, const char *c, size_t cn)
{
    char *s = kgi_arena_alloc(d->a, a.n + bn + cn + 1, 1);
    if (!s) {
        d->oom = true;
        return (struct kgi_str){"", 0};
    }
    if (a.n)
        memcpy(s, a.p, a.n);
    if (bn)
        memcpy(s + a.n, b, bn);
    if (cn)
        memcpy(s + a.n + bn, c, cn);
    s[a.n + bn + cn] = '\0';
    return (struct kgi_str){s, a.n + bn + cn};
}

static void wadd(struct dctx *d, struct wvec *w, struct kgi_str s,
                 struct kgi_str desc, bool rx)
{
    if (d->oom)
        return;
    if (kgi_grow((void **)&w->v, &w->cap, w->n + 1, sizeof(*w->v))) {
        d->oom = true;
        return;
    }
    w->v[w->n++] = (struct wit){s, desc, rx};
}

static void sadd(struct dctx *d, struct svec *v, struct kgi_str s)
{
    if (d->oom)
        return;
    for (size_t i = 0; i < v->n; i++)
        if (v->v[i].p && s.p && kgi_mem_eq(v->v[i].p, v->v[i].n, s.p, s.n))
            return;
    if (kgi_grow((void **)&v->v, &v->cap, v->n + 1, sizeof(*v->v))) {
        d->oom = true;
        return;
    }
    v->v[v->n++] = s;
}

/* Appends s without looking for it (the vector is sorted and made unique
 * with suniq afterwards: linear in what is added, not quadratic). */
static void sappend(struct dctx *d, struct svec *v, struct kgi_str s)
{
    if (d->oom)
        return;
    if (kgi_grow((void **)&v->v, &v->cap, v->n + 1, sizeof(*v->v))) {
        d->oom = true;
        return;
    }
    v->v[v->n++] = s;
}

static int str_cmp(const void *pa, const void *pb)
{
    const struct kgi_str *a = pa, *b = pb;
    return kgi_mem_cmp(a->p, a->n, b->p, b->n);
}

static void suniq(struct svec *v)
{
    if (v->n < 2)
        return;
    qsort(v->v, v->n, sizeof(*v->v), str_cmp);
    size_t o = 1;
    for (size_t i = 1; i < v->n; i++)
        if (str_cmp(&v->v[i], &v->v[o - 1]) != 0)
            v->v[o++] = v->v[i];
    v->n = o;
}

/* The index of the first string of the sorted v that is >= c. */
static size_t sorted_lower(const struct svec *v, struct kgi_str c)
{
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (str_cmp(&v->v[mid], &c) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Whether a string of the sorted v starts with c: the first one >= c
 * does if any does. */
static bool sorted_has_prefix(const struct svec *v, struct kgi_str c)
{
    size_t i = sorted_lower(v, c);
    return i < v->n && v->v[i].n >= c.n && memcmp(v->v[i].p, c.p, c.n) == 0;
}

static bool sorted_has(const struct svec *v, struct kgi_str c)
{
    size_t i = sorted_lower(v, c);
    return i < v->n && str_cmp(&v->v[i], &c) == 0;
}

static int wit_cmp(const void *pa, const void *pb)
{
    const struct wit *a = pa, *b = pb;
    int r = kgi_mem_cmp(a->s.p, a->s.n, b->s.p, b->s.n);
    if (r)
        return r;
    /* equal strings: a trie witness (exact region) before a regex one */
    return (int)a->rx - (int)b->rx;
}

/* Sorts w and drops repeated strings (keeping the first description). */
static void wuniq(struct wvec *w)
{
    if (w->n < 2)
        return;
    qsort(w->v, w->n, sizeof(*w->v), wit_cmp);
    size_t o = 1;
    for (size_t i = 1; i < w->n; i++)
        if (!kgi_mem_eq(w->v[i].s.p, w->v[i].s.n, w->v[o - 1].s.p,
                        w->v[o - 1].s.n))
            w->v[o++] = w->v[i];
    w->n = o;
}

/* ------------------------------------------------------------ answers */

static void backend_text(struct sb *b, const struct kg_route *r)
{
    const char *ns = r->backend_ns_len ? r->backend_ns : r->ns;
    size_t nsn = r->backend_ns_len ? r->backend_ns_len : r->ns_len;
    if (r->is_resource) {
        sb_str(b, "resource ");
        if (r->resource_api_group_len) {
            sb_put(b, r->resource_api_group, r->resource_api_group_len);
            sb_str(b, "/");
        }
        sb_put(b, r->resource_kind, r->resource_kind_len);
        sb_str(b, " ");
        sb_put(b, ns, nsn);
        sb_str(b, "/");
        sb_put(b, r->resource_name, r->resource_name_len);
        return;
    }
    sb_str(b, "service ");
    sb_put(b, ns, nsn);
    sb_str(b, "/");
    sb_put(b, r->service, r->service_len);
    if (r->port_name_len) {
        sb_str(b, ":");
        sb_put(b, r->port_name, r->port_name_len);
    } else {
        sb_fmt(b, ":%u", r->port);
    }
}

static void filters_text(struct sb *b, const struct kg_filter *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct kg_filter *x = &f[i];
        if (x->type == KG_FILTER_REQUEST_HEADER ||
            x->type == KG_FILTER_RESPONSE_HEADER) {
            sb_str(b, x->type == KG_FILTER_REQUEST_HEADER
                          ? " request-headers"
                          : " response-headers");
            for (size_t k = 0; k < x->n_ops; k++) {
                const struct kg_header_op *o = &x->ops[k];
                sb_str(b, o->op == KG_HEADER_SET   ? " set "
                          : o->op == KG_HEADER_ADD ? " add "
                                                   : " remove ");
                sb_put(b, o->name, o->name_len);
                if (o->op != KG_HEADER_REMOVE) {
                    sb_str(b, "=");
                    sb_put(b, o->value, o->value_len);
                }
            }
        } else if (x->type == KG_FILTER_MIRROR) {
            sb_str(b, " mirror ");
            sb_put(b, x->mirror_ns, x->mirror_ns_len);
            sb_str(b, "/");
            sb_put(b, x->mirror_service, x->mirror_service_len);
            sb_fmt(b, ":%u", x->mirror_port);
            sb_fmt(b, " %u/", x->mirror_numerator);
            sb_fmt(b, "%u", x->mirror_denominator);
        }
    }
}

/* The text of one pick's answer (rc 0, not a redirect). */
static void pick_text(struct dctx *d, struct sb *b, const struct kg_route *r)
{
    if (r->status)
        sb_fmt(b, "status %d", r->status);
    else
        backend_text(b, r);
    if (!(d->o.flags & KG_DIFF_FILTERS))
        return;
    if (r->rewrite_host_len) {
        sb_str(b, " rewrite-host ");
        sb_put(b, r->rewrite_host, r->rewrite_host_len);
    }
    if (r->rewrite_path_len) {
        sb_str(b, " rewrite-path ");
        sb_put(b, r->rewrite_path, r->rewrite_path_len);
    }
    filters_text(b, r->filters, r->n_filters);
    filters_text(b, r->backend_filters, r->n_backend_filters);
}

struct entry {
    size_t off, len; /* in the entries' text buffer */
    const char *t;   /* set once the buffer is complete */
    uint64_t w;
};

static int entry_cmp(const void *pa, const void *pb)
{
    const struct entry *a = pa, *b = pb;
    return kgi_mem_cmp(a->t, a->len, b->t, b->len);
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* A request of the diff. */
struct dreq {
    struct kgi_str host, path, method;
    const struct kg_header *headers;
    size_t n_headers;
};

/* Evaluates side si on q into d->ans[si]; *first gets the answer at pick
 * 0, *rc its code. */
static void answer(struct dctx *d, int si, const struct dreq *q,
                   struct kg_route *first, int *rc_out)
{
    struct side *s = &d->s[si];
    struct sb *b = &d->ans[si];
    b->n = 0;
    sb_put(b, "", 0);
    struct kg_http_request hr;
    memset(&hr, 0, sizeof(hr));
    hr.size = sizeof(hr);
    hr.host = q->host.p;
    hr.host_len = q->host.n;
    hr.path = q->path.p;
    hr.path_len = q->path.n;
    hr.method = q->method.n ? q->method.p : NULL;
    hr.method_len = q->method.n;
    hr.headers = q->n_headers ? q->headers : NULL;
    hr.n_headers = q->n_headers;
    if (s->gw) {
        hr.port = d->port;
        hr.gateway = d->o.gateway;
        hr.gateway_len = d->o.gateway_len;
    }
    /* kg_route_request's bound for the buffer */
    size_t need = 2 * q->path.n + q->host.n + 1100;
    if (need > s->cap) {
        char *nb = kgi_realloc(s->buf, need);
        if (!nb) {
            d->oom = true;
            *rc_out = KG_ENOMEM;
            return;
        }
        s->buf = nb;
        s->cap = need;
    }
    struct entry ent[PICKS_MAX];
    size_t ne = 0;
    struct sb et = {0};
    uint64_t pick = 0, total = 0;
    for (int it = 0; it < PICKS_MAX; it++) {
        struct kg_route r;
        memset(&r, 0, sizeof(r));
        r.size = sizeof(r);
        hr.pick = pick;
        int rc = kg_route_request(s->rs, &hr, s->buf, s->cap, &r);
        if (it == 0) {
            *first = r;
            *rc_out = rc;
        }
        if (rc) {
            if (rc == KG_ENOMATCH)
                sb_str(b, "no route");
            else {
                sb_str(b, "error ");
                sb_str(b, kg_error_name(rc));
            }
            break;
        }
        if (r.status >= 300 && r.status < 400) {
            sb_fmt(b, "redirect %d ", r.status);
            sb_put(b, r.redirect_scheme, r.redirect_scheme_len);
            sb_str(b, "://");
            sb_put(b, r.redirect_host, r.redirect_host_len);
            sb_fmt(b, ":%u ", r.redirect_port);
            sb_put(b, r.redirect_path, r.redirect_path_len);
            if (d->o.flags & KG_DIFF_FILTERS)
                filters_text(b, r.filters, r.n_filters);
            break;
        }
        if (!r.total_weight || !r.weight) { /* one answer, no weights */
            pick_text(d, b, &r);
            break;
        }
        size_t off = et.n;
        pick_text(d, &et, &r);
        ent[ne++] = (struct entry){off, et.n - off, NULL, r.weight};
        total = r.total_weight;
        pick += r.weight;
        if (pick >= total)
            break;
    }
    if (ne && !et.oom) {
        /* merge by backend, shares reduced */
        for (size_t i = 0; i < ne; i++)
            ent[i].t = et.p + ent[i].off;
        qsort(ent, ne, sizeof(*ent), entry_cmp);
        size_t m = 0;
        for (size_t i = 0; i < ne; i++) {
            if (m && entry_cmp(&ent[m - 1], &ent[i]) == 0)
                ent[m - 1].w += ent[i].w;
            else
                ent[m++] = ent[i];
        }
        for (size_t i = 0; i < m; i++) {
            if (i)
                sb_str(b, ", ");
            sb_put(b, ent[i].t, ent[i].len);
            if (m > 1 || ent[i].w != total) {
                uint64_t g = gcd64(ent[i].w, total);
                sb_fmt(b, " (%llu/", (unsigned long long)(ent[i].w / g));
                sb_fmt(b, "%llu)", (unsigned long long)(total / g));
            }
        }
    }
    if (et.oom)
        d->oom = true;
    kgi_free(et.p);
    if (b->oom)
        d->oom = true;
}

/* ------------------------------------------------------ host classes */

static bool gw_side_listener_ok(const struct dctx *d,
                                const struct kgi_gw_ltab *l)
{
    if (l->conflicted || l->port != d->port)
        return false;
    if (!d->o.gateway)
        return true;
    size_t a = l->gw_ns.n, b = l->gw_name.n;
    return d->o.gateway_len == a + 1 + b &&
           memcmp(d->o.gateway, l->gw_ns.p, a) == 0 && d->o.gateway[a] == '/' &&
           memcmp(d->o.gateway + a + 1, l->gw_name.p, b) == 0;
}

/* Adds the host keys of both sides (at d->port) to exact and wild. */
static void host_keys(struct dctx *d, struct svec *exact, struct svec *wild)
{
    for (int si = 0; si < 2; si++) {
        const struct side *s = &d->s[si];
        if (!s->gw) {
            const struct kgi_routes *r = s->r;
            for (size_t i = 0; i < r->n_groups; i++) {
                const struct kgi_hgroup *g = r->groups[i];
                if (g->match == KGI_HOST_EXACT)
                    sappend(d, exact, (struct kgi_str){g->host.p, g->host.n});
                else if (g->match == KGI_HOST_WILDCARD && g->host.n > 2)
                    sappend(d, wild,
                            (struct kgi_str){g->host.p + 2, g->host.n - 2});
            }
            continue;
        }
        for (size_t li = 0; li < s->gw->n_listeners; li++) {
            const struct kgi_gw_ltab *l = &s->gw->listeners[li];
            if (!gw_side_listener_ok(d, l))
                continue;
            if (l->hostname.n && !l->wildcard)
                sappend(d, exact,
                        (struct kgi_str){l->hostname.p, l->hostname.n});
            else if (l->hostname.n > 2)
                sappend(d, wild,
                        (struct kgi_str){l->hostname.p + 2, l->hostname.n - 2});
            for (size_t i = 0; i < l->n_groups; i++) {
                const struct kgi_gw_hgroup *g = l->groups[i];
                if (g->match == KGI_HOST_EXACT)
                    sappend(d, exact, (struct kgi_str){g->host.p, g->host.n});
                else if (g->match == KGI_HOST_WILDCARD && g->host.n > 2)
                    sappend(d, wild,
                            (struct kgi_str){g->host.p + 2, g->host.n - 2});
            }
        }
    }
}

/* Whether s[0..n) contains label as one of its '.'-separated labels'
 * substrings (conservative freshness test). */
static bool mentions(struct kgi_str s, const char *label, size_t ln)
{
    for (size_t i = 0; i + ln <= s.n; i++)
        if (memcmp(s.p + i, label, ln) == 0)
            return true;
    return false;
}

/* ---------------------------------------------------------- path keys */

/* A group of a side that the current host can select: a trie root and,
 * for the ingress-nginx regex hosts and Gateway API regex lists, patterns;
 * gRPC groups give their candidate list. */
struct view {
    const struct kgi_pnode *root;
    bool gw, grpc;
    const struct kgi_hgroup *ig;    /* Ingress group */
    const struct kgi_gw_hgroup *gg; /* Gateway group */
};

struct views {
    struct view v[256];
    size_t n;
    bool more; /* some left out: the host's classes are inexact */
};

static void vadd(struct views *vs, struct view v)
{
    if (vs->n < sizeof(vs->v) / sizeof(*vs->v))
        vs->v[vs->n++] = v;
    else
        vs->more = true;
}

static bool wild_one_label(struct kgi_str h, struct kgi_str suf)
{
    const char *dot = memchr(h.p, '.', h.n);
    if (!dot || dot == h.p)
        return false;
    size_t off = (size_t)(dot - h.p) + 1;
    return kgi_mem_eq(h.p + off, h.n - off, suf.p, suf.n);
}

static bool wild_multi(struct kgi_str h, struct kgi_str suf)
{
    return h.n > suf.n + 1 && h.p[h.n - suf.n - 1] == '.' &&
           memcmp(h.p + h.n - suf.n, suf.p, suf.n) == 0 && h.p[0] != '.';
}

static bool group_matches(struct kgi_str h, struct kgi_bstr gh, int match,
                          bool gw)
{
    if (match == KGI_HOST_ANY)
        return true;
    if (match == KGI_HOST_EXACT)
        return kgi_mem_eq(h.p, h.n, gh.p, gh.n);
    if (gh.n <= 2)
        return false;
    struct kgi_str suf = {gh.p + 2, gh.n - 2};
    return gw ? wild_multi(h, suf) : wild_one_label(h, suf);
}

/* Every group of side si the host h can select (a superset of the one
 * the lookup selects). */
static void views_of(struct dctx *d, int si, struct kgi_str h, struct views *vs)
{
    const struct side *s = &d->s[si];
    if (!s->gw) {
        for (size_t i = 0; i < s->r->n_groups; i++) {
            const struct kgi_hgroup *g = s->r->groups[i];
            if (group_matches(h, g->host, g->match, false))
                vadd(vs, (struct view){g->regex ? NULL : &g->root, false, false,
                                       g, NULL});
        }
        return;
    }
    for (size_t li = 0; li < s->gw->n_listeners; li++) {
        const struct kgi_gw_ltab *l = &s->gw->listeners[li];
        if (!gw_side_listener_ok(d, l))
            continue;
        if (l->hostname.n &&
            !group_matches(h, l->hostname,
                           l->wildcard ? KGI_HOST_WILDCARD : KGI_HOST_EXACT,
                           true))
            continue;
        for (size_t i = 0; i < l->n_groups; i++) {
            const struct kgi_gw_hgroup *g = l->groups[i];
            if (group_matches(h, g->host, g->match, true))
                vadd(vs, (struct view){g->grpc ? NULL : &g->root, true, g->grpc,
                                       NULL, g});
        }
    }
}

struct keys {
    struct svec k; /* node keys with answers: "" root, "/a/b" */
    struct svec p; /* partials, in full: "/a/bc" */
};

static void trie_keys(struct dctx *d, const struct kgi_pnode *n,
                      struct kgi_str path, struct keys *ks, int depth)
{
    if (d->oom || depth > 4096)
        return;
    if (n->exact || n->prefix)
        sappend(d, &ks->k, path);
    for (uint32_t i = 0; i < n->n_partial; i++)
        sappend(d, &ks->p,
                acat(d, path, "/", 1, n->partial[i].s.p, n->partial[i].s.n));
    for (uint32_t i = 0; i < n->n_child; i++) {
        const struct kgi_pnode *c = &n->child[i];
        trie_keys(d, c, acat(d, path, "/", 1, c->seg, c->seg_n), ks, depth + 1);
    }
}

/* A piece under base + "/" that no key or partial starts with and that
 * starts with no partial there: "~", "~~"... or, when a partial is all
 * '~', the same with '_', then '-' (ks sorted). */
static struct kgi_str fresh_piece(struct dctx *d, const struct keys *ks,
                                  struct kgi_str base)
{
    static const char fill[] = "~_-";
    char t[64];
    for (size_t f = 0; f < sizeof(fill) - 1; f++)
        for (size_t len = 1; len < sizeof(t); len++) {
            memset(t, fill[f], len);
            struct kgi_str c = acat(d, base, "/", 1, t, len);
            if (sorted_has(&ks->p, c))
                break; /* every longer one starts with this partial */
            if (!sorted_has_prefix(&ks->k, c) && !sorted_has_prefix(&ks->p, c))
                return c;
        }
    /* partials "~", "_" and "-" at base: the witness is not fresh, the
     * classes of this host are inexact */
    d->host_rx = true;
    return acat(d, base, "/", 1, "~", 1);
}

static struct kgi_str desc2(struct dctx *d, const char *a, struct kgi_str s,
                            const char *b)
{
    return acat(d, (struct kgi_str){a, strlen(a)}, s.p, s.n, b, strlen(b));
}

/* A path witness from a regex member m (as a path: '/' first). */
static void rx_path(struct dctx *d, struct wvec *w, const char *m, size_t mn,
                    struct kgi_str desc, bool fold)
{
    struct kgi_str p = mn && m[0] == '/'
                           ? adup(d, m, mn)
                           : acat(d, (struct kgi_str){"/", 1}, m, mn, "", 0);
    /* '?' and '#' would end the path: keep them out */
    for (size_t i = 0; i < p.n; i++)
        if (p.p[i] == '?' || p.p[i] == '#')
            ((char *)p.p)[i] = 'a';
    wadd(d, w, p, desc, true);
    wadd(d, w, acat(d, p, "~", 1, "", 0), desc, true);
    if (fold) { /* case-insensitive patterns: the same member upper-cased */
        struct kgi_str u = adup(d, p.p, p.n);
        for (size_t i = 0; i < u.n; i++)
            if (u.p[i] >= 'a' && u.p[i] <= 'z')
                ((char *)u.p)[i] = (char)(u.p[i] - 32);
        wadd(d, w, u, desc, true);
    }
}

static void rx_paths(struct dctx *d, struct wvec *w, struct kgi_bstr pat,
                     bool fold)
{
    struct kgi_diff_rx *m = kgi_malloc(sizeof(*m));
    if (!m || kgi_diff_rx_members(pat.p, pat.n, m)) {
        kgi_free(m);
        d->oom = true;
        return;
    }
    struct kgi_str desc = desc2(d, "~ ", (struct kgi_str){pat.p, pat.n}, "");
    for (size_t i = 0; i < m->n; i++)
        rx_path(d, w, m->s[i], m->len[i], desc, fold);
    kgi_free(m);
}

/* gRPC witnesses of one candidate: "/service/method". */
static void grpc_paths(struct dctx *d, struct wvec *w,
                       const struct kgi_gw_cand *c)
{
    struct kgi_diff_rx *m = kgi_malloc(2 * sizeof(*m));
    if (!m) {
        d->oom = true;
        return;
    }
    bool rx = c->grpc_type == KGI_GW_REGEX;
    struct kgi_bstr part[2] = {c->service, c->gmethod};
    const char *fresh[2] = {"kgress.Diff", "Diff"};
    for (int k = 0; k < 2; k++) {
        m[k].n = 0;
        if (part[k].n && rx) {
            if (kgi_diff_rx_members(part[k].p, part[k].n, &m[k])) {
                d->oom = true;
                kgi_free(m);
                return;
            }
        } else if (part[k].n) {
            m[k].n = 1;
            m[k].len[0] =
                part[k].n < KGI_DIFF_RX_LEN ? part[k].n : KGI_DIFF_RX_LEN - 1;
            memcpy(m[k].s[0], part[k].p, m[k].len[0]);
        }
        if (m[k].n < KGI_DIFF_RX_MAX) { /* and one that is not it */
            m[k].len[m[k].n] = strlen(fresh[k]);
            memcpy(m[k].s[m[k].n++], fresh[k], strlen(fresh[k]));
        }
    }
    struct kgi_str desc =
        rx ? desc2(d, "~ /", (struct kgi_str){c->service.p, c->service.n}, "")
           : desc2(d, "grpc /", (struct kgi_str){c->service.p, c->service.n},
                   "");
    if (rx || c->gmethod.n)
        desc = acat(d, desc, "/", 1, c->gmethod.p, c->gmethod.n);
    for (size_t i = 0; i < m[0].n; i++)
        for (size_t j = 0; j < m[1].n; j++) {
            if (i && j)
                continue;
            struct kgi_str p = acat(d, (struct kgi_str){"/", 1}, m[0].s[i],
                                    m[0].len[i], "/", 1);
            wadd(d, w, acat(d, p, m[1].s[j], m[1].len[j], "", 0), desc, rx);
        }
    kgi_free(m);
}

/* The path witnesses of the host (both sides' views). */
static void path_witnesses(struct dctx *d, struct views *vs, struct wvec *w)
{
    struct keys ks = {0};
    for (size_t i = 0; i < vs->n; i++)
        if (vs->v[i].root)
            trie_keys(d, vs->v[i].root, (struct kgi_str){"", 0}, &ks, 0);
    /* the root: "/" and "/~" always */
    sappend(d, &ks.k, (struct kgi_str){"", 0});
    suniq(&ks.k);
    suniq(&ks.p);
    for (size_t i = 0; i < ks.k.n && !d->oom; i++) {
        struct kgi_str k = ks.k.v[i];
        if (k.n)
            wadd(d, w, k, desc2(d, "= ", k, ""), false);
        struct kgi_str slash = acat(d, k, "/", 1, "", 0);
        wadd(d, w, slash, desc2(d, "= ", slash, ""), false);
        wadd(d, w, fresh_piece(d, &ks, k), desc2(d, "", k, "/..."), false);
    }
    for (size_t i = 0; i < ks.p.n && !d->oom; i++) {
        struct kgi_str p = ks.p.v[i];
        wadd(d, w, p, desc2(d, "", p, "..."), false);
        /* a longer piece: '~' no partial ends with (they are whole
         * prefixes of their piece, and '~' extends this one) */
        wadd(d, w, acat(d, p, "~", 1, "", 0), desc2(d, "", p, "..."), false);
    }
    for (size_t i = 0; i < vs->n && !d->oom; i++) {
        const struct view *v = &vs->v[i];
        if (v->ig && v->ig->regex)
            for (uint32_t k = 0; k < v->ig->n_rx; k++)
                rx_paths(d, w, v->ig->rx[k].t->path, true);
        if (v->gg && !v->grpc)
            for (uint32_t k = 0; k < v->gg->rx.n; k++)
                rx_paths(d, w, v->gg->rx.v[k]->path, false);
        if (v->gg && v->grpc) {
            for (uint32_t k = 0; k < v->gg->all.n; k++)
                grpc_paths(d, w, v->gg->all.v[k]);
            wadd(d, w, adup(d, "/kgress.Diff/Diff", 17),
                 adup(d, "grpc /...", 9), false);
        }
    }
    kgi_free(ks.k.v);
    kgi_free(ks.p.v);
    wuniq(w);
}

/* --------------------------------------------------------- conditions */

struct cands {
    const struct kgi_gw_cand *v[1024];
    size_t n;
    bool more; /* some left out */
};

static void cadd_list(struct cands *c, const struct kgi_gw_clist *l)
{
    for (uint32_t i = 0; l && i < l->n; i++) {
        if (c->n == sizeof(c->v) / sizeof(*c->v)) {
            c->more = true;
            return;
        }
        c->v[c->n++] = l->v[i];
    }
}

/* The candidates a request for path p can reach in the views: the lists
 * of the trie nodes its walk passes, the regex list, the gRPC list. */
static void cands_of(const struct views *vs, struct kgi_str p,
                     struct cands *out)
{
    size_t n = p.n;
    for (size_t i = 0; i < p.n; i++)
        if (p.p[i] == '?') {
            n = i;
            break;
        }
    for (size_t vi = 0; vi < vs->n; vi++) {
        const struct view *v = &vs->v[vi];
        if (!v->gg)
            continue;
        if (v->grpc) {
            cadd_list(out, &v->gg->all);
            continue;
        }
        cadd_list(out, &v->gg->rx);
        const struct kgi_pnode *node = &v->gg->root;
        cadd_list(out, node->prefix);
        if (n < 1 || p.p[0] != '/')
            continue;
        size_t i = 1;
        for (;;) {
            size_t j = i;
            while (j < n && p.p[j] != '/')
                j++;
            node = kgi_pnode_step(node, p.p, n, i, j, &j);
            if (!node)
                break;
            cadd_list(out, node->prefix);
            if (j >= n) {
                cadd_list(out, node->exact);
                break;
            }
            i = j + 1;
        }
    }
}

static struct dim *dim_of(struct dctx *d, struct dim **dims, size_t *nd,
                          size_t *cap, int kind, struct kgi_str name)
{
    for (size_t i = 0; i < *nd; i++)
        if ((*dims)[i].kind == kind &&
            kgi_mem_eq((*dims)[i].name.p, (*dims)[i].name.n, name.p, name.n))
            return &(*dims)[i];
    if (kgi_grow((void **)dims, cap, *nd + 1, sizeof(**dims))) {
        d->oom = true;
        return NULL;
    }
    struct dim *x = &(*dims)[(*nd)++];
    memset(x, 0, sizeof(*x));
    x->kind = kind;
    x->name = name;
    sadd(d, &x->vals, (struct kgi_str){NULL, 0});
    return x;
}

static void dim_cond(struct dctx *d, struct dim *x, const struct kgi_gw_cond *c)
{
    if (!x)
        return;
    if (c->type != KGI_GW_REGEX) {
        sadd(d, &x->vals, (struct kgi_str){c->value.p, c->value.n});
        return;
    }
    x->rx = true;
    struct kgi_diff_rx *m = kgi_malloc(sizeof(*m));
    if (!m || kgi_diff_rx_members(c->value.p, c->value.n, m)) {
        kgi_free(m);
        d->oom = true;
        return;
    }
    for (size_t i = 0; i < m->n && i < 3; i++)
        sadd(d, &x->vals, adup(d, m->s[i], m->len[i]));
    kgi_free(m);
}

/* The dimensions the candidates test. A name only regexes test also gets
 * a value matching none of its exact values (absent already stands for
 * "another value" of an exact condition). */
static size_t dims_of(struct dctx *d, const struct cands *cs, struct dim **dims,
                      size_t *cap)
{
    size_t nd = 0;
    for (size_t i = 0; i < cs->n && !d->oom; i++) {
        const struct kgi_gw_cand *c = cs->v[i];
        if (c->method) {
            const char *m = kgi_gw_method_name(c->method);
            struct dim *x =
                dim_of(d, dims, &nd, cap, DIM_METHOD, (struct kgi_str){"", 0});
            if (x)
                sadd(d, &x->vals, (struct kgi_str){m, strlen(m)});
        }
        for (uint32_t k = 0; k < c->n_headers; k++)
            dim_cond(d,
                     dim_of(d, dims, &nd, cap, DIM_HEADER,
                            (struct kgi_str){c->headers[k].name.p,
                                             c->headers[k].name.n}),
                     &c->headers[k]);
        for (uint32_t k = 0; k < c->n_query; k++)
            dim_cond(d,
                     dim_of(d, dims, &nd, cap, DIM_QUERY,
                            (struct kgi_str){c->query[k].name.p,
                                             c->query[k].name.n}),
                     &c->query[k]);
    }
    for (size_t i = 0; i < nd && !d->oom; i++) {
        struct dim *x = &(*dims)[i];
        if (!x->rx)
            continue;
        char t[32] = "kgress-diff";
        for (size_t len = 11; len < sizeof(t) - 1; len++) {
            bool used = false;
            for (size_t k = 1; k < x->vals.n && !used; k++)
                used = kgi_mem_eq(x->vals.v[k].p, x->vals.v[k].n, t, len);
            if (!used) {
                sadd(d, &x->vals, adup(d, t, len));
                break;
            }
            t[len] = '~';
        }
    }
    return nd;
}

/* Appends s percent-encoded (all but unreserved bytes) to b. */
static void pct(struct sb *b, struct kgi_str s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~') {
            sb_put(b, (const char *)&c, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            sb_put(b, e, 3);
        }
    }
}

/* ----------------------------------------------------------- evaluate */

/* One class: the path witness pw with the condition values sel[i] of
 * dims[i] (index into vals; 0 absent). */
static void eval_class(struct dctx *d, const struct wit *pw,
                       const struct dim *dims, size_t nd, const size_t *sel,
                       bool exact)
{
    struct kg_header hdr[64];
    size_t nh = 0;
    struct kgi_str method = {"", 0};
    d->cond.n = 0;
    d->target.n = 0;
    sb_put(&d->cond, "", 0);
    sb_put(&d->target, pw->s.p, pw->s.n);
    bool q = false;
    for (size_t i = 0; i < nd; i++) {
        const struct dim *x = &dims[i];
        struct kgi_str v = x->vals.v[sel[i]];
        if (!v.p)
            continue;
        if (d->cond.n)
            sb_str(&d->cond, ", ");
        if (x->kind == DIM_METHOD) {
            method = v;
            sb_str(&d->cond, "method ");
            sb_put(&d->cond, v.p, v.n);
        } else if (x->kind == DIM_HEADER) {
            if (nh < sizeof(hdr) / sizeof(*hdr))
                hdr[nh++] = (struct kg_header){x->name.p, x->name.n, v.p, v.n};
            sb_str(&d->cond, "header ");
            sb_put(&d->cond, x->name.p, x->name.n);
            sb_str(&d->cond, "=");
            sb_put(&d->cond, v.p, v.n);
        } else {
            sb_str(&d->target, q ? "&" : "?");
            q = true;
            pct(&d->target, x->name);
            sb_str(&d->target, "=");
            pct(&d->target, v);
            sb_str(&d->cond, "query ");
            sb_put(&d->cond, x->name.p, x->name.n);
            sb_str(&d->cond, "=");
            sb_put(&d->cond, v.p, v.n);
        }
    }
    if (d->cond.oom || d->target.oom) {
        d->oom = true;
        return;
    }
    struct dreq r = {d->host.s, {d->target.p, d->target.n}, method, hdr, nh};
    struct kg_route ro[2];
    int rc[2];
    for (int si = 0; si < 2; si++)
        answer(d, si, &r, &ro[si], &rc[si]);
    if (d->oom)
        return;
    d->sum.classes++;
    if (!exact)
        d->sum.inexact++;
    if (kgi_mem_eq(d->ans[0].p, d->ans[0].n, d->ans[1].p, d->ans[1].n))
        return;
    d->sum.differing++;
    if (!d->fn)
        return;
    struct kg_route_diff x;
    memset(&x, 0, sizeof(x));
    x.size = sizeof(x);
    x.port = d->s[0].gw || d->s[1].gw ? d->port : 0;
    x.exact = exact;
    x.host = d->host.s.p;
    x.host_len = d->host.s.n;
    x.host_class = d->host.desc.p;
    x.host_class_len = d->host.desc.n;
    x.path = d->target.p;
    x.path_len = d->target.n;
    x.path_class = pw->desc.p;
    x.path_class_len = pw->desc.n;
    x.method = method.p;
    x.method_len = method.n;
    x.headers = nh ? hdr : NULL;
    x.n_headers = nh;
    x.conditions = d->cond.p;
    x.conditions_len = d->cond.n;
    x.old_answer = d->ans[0].p;
    x.old_answer_len = d->ans[0].n;
    x.new_answer = d->ans[1].p;
    x.new_answer_len = d->ans[1].n;
    x.old_rc = rc[0];
    x.new_rc = rc[1];
    x.old_route = rc[0] ? NULL : &ro[0];
    x.new_route = rc[1] ? NULL : &ro[1];
    d->stop = d->fn(d->user, &x);
}

/* Every condition class of path witness pw. */
static void eval_path(struct dctx *d, const struct views *vs,
                      const struct wit *pw)
{
    struct cands *cs = kgi_malloc(sizeof(*cs));
    if (!cs) {
        d->oom = true;
        return;
    }
    cs->n = 0;
    cs->more = false;
    cands_of(vs, pw->s, cs);
    struct dim *dims = NULL;
    size_t cap = 0, nd = dims_of(d, cs, &dims, &cap);
    size_t *sel = kgi_calloc(nd + 1, sizeof(*sel));
    if (!sel)
        d->oom = true;
    bool exact = !pw->rx && !d->host_rx && !cs->more;
    size_t product = 1;
    for (size_t i = 0; i < nd && !d->oom; i++) {
        if (dims[i].rx)
            exact = false;
        if (product <= d->o.max_combinations)
            product *= dims[i].vals.n;
    }
    if (d->oom) {
        /* nothing */
    } else if (product <= d->o.max_combinations) {
        for (;;) { /* mixed-radix count over the dimensions */
            eval_class(d, pw, dims, nd, sel, exact);
            if (d->stop || d->oom)
                break;
            size_t i = 0;
            while (i < nd && ++sel[i] == dims[i].vals.n)
                sel[i++] = 0;
            if (i == nd)
                break;
        }
    } else {
        /* too many: every condition absent, then each candidate's own
         * (each assignment once) */
        size_t *seen = kgi_calloc((cs->n + 1) * nd + 1, sizeof(*seen));
        size_t nseen = 1;
        if (!seen)
            d->oom = true;
        else
            eval_class(d, pw, dims, nd, sel, false);
        for (size_t ci = 0; seen && ci < cs->n && !d->stop && !d->oom; ci++) {
            const struct kgi_gw_cand *c = cs->v[ci];
            memset(sel, 0, nd * sizeof(*sel));
            for (size_t i = 0; i < nd; i++) {
                const struct dim *x = &dims[i];
                struct kgi_str want = {NULL, 0};
                if (x->kind == DIM_METHOD && c->method) {
                    const char *m = kgi_gw_method_name(c->method);
                    want = (struct kgi_str){m, strlen(m)};
                }
                const struct kgi_gw_cond *cv =
                    x->kind == DIM_HEADER ? c->headers : c->query;
                uint32_t cn = x->kind == DIM_HEADER  ? c->n_headers
                              : x->kind == DIM_QUERY ? c->n_query
                                                     : 0;
                for (uint32_t k = 0; k < cn; k++)
                    if (cv[k].type != KGI_GW_REGEX &&
                        kgi_mem_eq(cv[k].name.p, cv[k].name.n, x->name.p,
                                   x->name.n))
                        want = (struct kgi_str){cv[k].value.p, cv[k].value.n};
                for (size_t k = 1; want.p && k < x->vals.n; k++)
                    if (kgi_mem_eq(x->vals.v[k].p, x->vals.v[k].n, want.p,
                                   want.n))
                        sel[i] = k;
            }
            bool dup = false;
            for (size_t k = 0; k < nseen && !dup; k++)
                dup = memcmp(seen + k * nd, sel, nd * sizeof(*sel)) == 0;
            if (dup)
                continue;
            memcpy(seen + nseen++ * nd, sel, nd * sizeof(*sel));
            eval_class(d, pw, dims, nd, sel, false);
        }
        kgi_free(seen);
    }
    for (size_t i = 0; i < nd; i++)
        kgi_free(dims[i].vals.v);
    kgi_free(dims);
    kgi_free(sel);
    kgi_free(cs);
}

static void eval_host(struct dctx *d)
{
    struct views *vs = kgi_malloc(sizeof(*vs));
    if (!vs) {
        d->oom = true;
        return;
    }
    vs->n = 0;
    vs->more = false;
    for (int si = 0; si < 2; si++)
        views_of(d, si, d->host.s, vs);
    /* a regex decides somewhere in this host's groups: inexact classes */
    d->host_rx = vs->more;
    for (size_t i = 0; i < vs->n; i++) {
        const struct view *v = &vs->v[i];
        if (v->ig && v->ig->regex)
            d->host_rx = true;
        if (v->gg && !v->grpc && v->gg->rx.n)
            d->host_rx = true;
        for (uint32_t k = 0; v->gg && v->grpc && k < v->gg->all.n; k++)
            if (v->gg->all.v[k]->grpc_type == KGI_GW_REGEX)
                d->host_rx = true;
    }
    struct wvec w = {0};
    path_witnesses(d, vs, &w);
    for (size_t i = 0; i < w.n && !d->stop && !d->oom; i++)
        eval_path(d, vs, &w.v[i]);
    kgi_free(w.v);
    kgi_free(vs);
}

static void eval_port(struct dctx *d)
{
    struct kgi_arena pa;
    kgi_arena_init(&pa);
    d->a = &pa;
    struct svec ex = {0}, wi = {0};
    host_keys(d, &ex, &wi);
    suniq(&ex);
    suniq(&wi);
    /* one label or more under a wildcard: they differ only between an
     * Ingress side (one label) and a Gateway API side (one or more) */
    bool ingress = !d->s[0].gw != !d->s[1].gw;
    /* a label no key contains */
    char fresh[32];
    for (unsigned k = 0;; k++) {
        snprintf(fresh, sizeof(fresh), k ? "kgress-diff%u" : "kgress-diff", k);
        bool used = false;
        for (size_t i = 0; i < ex.n && !used; i++)
            used = mentions(ex.v[i], fresh, strlen(fresh));
        for (size_t i = 0; i < wi.n && !used; i++)
            used = mentions(wi.v[i], fresh, strlen(fresh));
        if (!used)
            break;
    }
    size_t fl = strlen(fresh);
    struct wvec hosts = {0};
    for (size_t i = 0; i < ex.n; i++)
        wadd(d, &hosts, ex.v[i], ex.v[i], false);
    for (size_t i = 0; i < wi.n; i++) {
        struct kgi_str one =
            acat(d, adup(d, fresh, fl), ".", 1, wi.v[i].p, wi.v[i].n);
        wadd(d, &hosts, one, desc2(d, "*.", wi.v[i], ""), false);
        if (ingress)
            wadd(d, &hosts, acat(d, adup(d, fresh, fl), ".", 1, one.p, one.n),
                 desc2(d, "*.*.", wi.v[i], ""), false);
    }
    wadd(d, &hosts, adup(d, fresh, fl), adup(d, "*", 1), false);
    wuniq(&hosts);
    for (size_t i = 0; i < hosts.n && !d->stop && !d->oom; i++) {
        struct kgi_arena ha;
        kgi_arena_init(&ha);
        d->a = &ha;
        d->host = hosts.v[i];
        eval_host(d);
        kgi_arena_release(&ha);
        d->a = &pa;
    }
    kgi_free(hosts.v);
    kgi_free(ex.v);
    kgi_free(wi.v);
    kgi_arena_release(&pa);
    d->a = NULL;
}

static int u32_cmp(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return a < b ? -1 : a > b;
}

static bool gateway_side(const struct kgi_routes *r,
                         const struct kg_diff_options *o)
{
    return r->gw && r->gw->n_listeners &&
           (r->n_ingresses == 0 || o->port || o->gateway);
}

static int diff_routes(const kg_ruleset *old_rs, const kg_ruleset *new_rs,
                       const struct kg_diff_options *opts, kg_route_diff_fn fn,
                       void *user, struct kg_diff_summary *summary)
{
    struct dctx d;
    memset(&d, 0, sizeof(d));
    d.o = *opts;
    if (!d.o.max_combinations)
        d.o.max_combinations = COMBOS_DEFAULT;
    d.fn = fn;
    d.user = user;
    const kg_ruleset *rs[2] = {old_rs, new_rs};
    /* ports of the Gateway API sides */
    uint32_t *ports = NULL;
    size_t np = 0, pcap = 0;
    int rc = KG_ENOMEM;
    for (int si = 0; si < 2; si++) {
        struct side *s = &d.s[si];
        s->rs = rs[si];
        s->r = rs[si]->routes;
        s->gw = gateway_side(s->r, &d.o) ? s->r->gw : NULL;
        s->cap = 4096;
        s->buf = kgi_malloc(s->cap);
        if (!s->buf)
            goto out;
        for (size_t i = 0; s->gw && !d.o.port && i < s->gw->n_listeners; i++) {
            if (kgi_grow((void **)&ports, &pcap, np + 1, sizeof(*ports)))
                goto out;
            ports[np++] = s->gw->listeners[i].port;
        }
    }
    if (!np) { /* options.port, or 0 when both sides are Ingress rules */
        if (kgi_grow((void **)&ports, &pcap, 1, sizeof(*ports)))
            goto out;
        ports[np++] = d.s[0].gw || d.s[1].gw ? d.o.port : 0;
    }
    qsort(ports, np, sizeof(*ports), u32_cmp);
    for (size_t i = 0; i < np && !d.stop && !d.oom; i++) {
        if (i && ports[i] == ports[i - 1])
            continue;
        d.port = ports[i];
        eval_port(&d);
    }
    rc = d.oom ? KG_ENOMEM : d.stop;
    if (!d.oom && summary) {
        d.sum.size = summary->size;
        kgi_abi_out(summary, &d.sum);
    }
out:
    kgi_free(ports);
    for (int si = 0; si < 2; si++) {
        kgi_free(d.s[si].buf);
        kgi_free(d.ans[si].p);
    }
    kgi_free(d.cond.p);
    kgi_free(d.target.p);
    return rc;
}
#endif /* KGI_WITH_ROUTE */

KG_API int kg_route_diff(const kg_ruleset *old_rs, const kg_ruleset *new_rs,
                         const struct kg_diff_options *opts,
                         kg_route_diff_fn fn, void *user,
                         struct kg_diff_summary *summary)
{
    if (!old_rs || !new_rs ||
        (opts && opts->size < offsetof(struct kg_diff_options, gateway)) ||
        (summary && summary->size < sizeof(size_t) + sizeof(uint64_t)))
        return KG_EINVAL;
    struct kg_diff_options o;
    memset(&o, 0, sizeof(o));
    o.size = sizeof(o);
    if (opts)
        kgi_abi_in(&o, sizeof(o), opts);
    if ((!o.gateway && o.gateway_len) || o.port > 65535)
        return KG_EINVAL;
#if KGI_WITH_ROUTE
    if (!old_rs->routes || !new_rs->routes)
        return KG_EINVAL;
    return diff_routes(old_rs, new_rs, &o, fn, user, summary);
#else
    (void)fn, (void)user;
    return KG_ENOTSUPPORTED;
#endif
}
