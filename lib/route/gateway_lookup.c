// SPDX-License-Identifier: MIT
/*
 * gateway_lookup.c - the Gateway API request lookup over the tables of
 * route/gateway_table.h: (Gateway, listener port, Host, path?query,
 * method, headers, pick) -> the winning (route, rule, match) and what it
 * answers (a weighted backend, a redirect, a 500), with its filters as
 * data. Rule numbers are those of the Gateway API notes in docs
 * (httproute-semantics).
 *
 * Workload: every request of a proxy, from any number of threads, on a
 * ruleset of up to 10k routes / 100k matches. The ranking of
 * HTTPRouteRule.matches is resolved at compile time into ordered candidate
 * lists, so a request costs:
 *   - a scan of the listeners of its Gateway on its port (a Gateway has
 *     at most 64; the one with the most specific hostname wins, rule 7);
 *   - one or a few hash probes for the host group (exact, then each
 *     suffix of the host, longest first, for the multi-label wildcards of
 *     rule 11, then the group without hostname);
 *   - one walk down the group's path trie, remembering the prefix lists
 *     of the nodes it passes;
 *   - a scan of the lists in rank order: the Exact list of the last node,
 *     the regex list, then the prefix lists deepest first (rule 31.1-2);
 *     each list is already in the order of rule 31.3-8, so the first
 *     candidate whose method, headers and query parameters hold wins.
 * No allocation and no lock: state lives on the stack (the trie walk's
 * prefix lists, one scratch buffer for joined header values and decoded
 * query values, the regex budget) and in the caller's buffer.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kgress.h"
#include "route/gateway_model.h"
#include "route/gateway_table.h"
#include "route/normalize.h"

/* Prefix lists one walk can pass: one per node of the deepest rule key,
 * whose value has at most KGI_GW_PATH_MAX bytes, so at most
 * KGI_GW_PATH_MAX / 2 + 1 pieces (each piece but the last costs a '/'). */
#define WALK_MAX (KGI_GW_PATH_MAX / 2 + 2)
/* Bytes of a repeated header joined with ',' or of a percent-decoded query
 * value that a condition can look at: twice the longest Exact value the
 * schema allows (4096 for headers), so a longer value cannot be equal to
 * any rule value; a RegularExpression condition does not match a longer
 * one. */
#define SCRATCH_MAX (2 * KGI_GW_HEADER_VALUE_MAX)

struct hit {
    const struct kgi_gw_clist *l;
    uint32_t end; /* request path bytes the node's prefix covers */
};

/* Per-request state. */
struct ctx {
    const struct kgi_gw_req *q;
    const char *path; /* normalized */
    size_t path_n;
    const char *query; /* raw, after '?', before '#'; NULL none */
    size_t query_n;
    int method; /* enum kgi_gw_method, 0 unknown */
    struct kgi_regex_budget bud;
    char scratch[SCRATCH_MAX];
};

static bool bytes_eq(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static bool ieq(const char *a, size_t an, const char *lower, size_t ln)
{
    if (an != ln)
        return false;
    for (size_t i = 0; i < an; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        if (c != (unsigned char)lower[i])
            return false;
    }
    return true;
}

/* ------------------------------------------------------------- listener */

/* How specifically listener l's hostname matches host h (normalized):
 * 0 not at all, 1 no hostname, 2 + suffix length for a wildcard, and
 * above every wildcard for an exact hostname (rule 7). A wildcard "*.s"
 * covers one or more labels before ".s" (rule 11). */
static uint64_t listener_score(const struct kgi_gw_ltab *l, const char *h,
                               size_t hn, bool named)
{
    if (l->hostname.n == 0)
        return 1;
    if (!named)
        return 0; /* IP literal, non-ASCII or empty host (rule 12) */
    if (!l->wildcard)
        return bytes_eq(l->hostname.p, l->hostname.n, h, hn) ? UINT32_MAX : 0;
    size_t sn = l->hostname.n - 1; /* ".s" */
    if (hn > sn && memcmp(h + hn - sn, l->hostname.p + 1, sn) == 0)
        return 2 + sn;
    return 0;
}

static bool gateway_is(const struct kgi_gw_ltab *l, const char *g, size_t n)
{
    size_t a = l->gw_ns.n, b = l->gw_name.n;
    return n == a + 1 + b && memcmp(g, l->gw_ns.p, a) == 0 && g[a] == '/' &&
           memcmp(g + a + 1, l->gw_name.p, b) == 0;
}

/* The listener receiving the request, or NULL (rules 5-8): listeners of
 * the Gateway (every Gateway when none is named) on the port (every port
 * when 0), conflicted ones never; the most specific hostname wins, ties
 * go to the first in table order (port, Gateway namespace/name, listener
 * order). */
static const struct kgi_gw_ltab *listener_of(const struct kgi_gw_tables *t,
                                             const struct kgi_gw_req *q,
                                             const char *h, size_t hn,
                                             bool named)
{
    size_t lo = 0, hi = t->n_listeners;
    if (q->port) { /* listeners are sorted by port */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (t->listeners[mid].port < q->port)
                lo = mid + 1;
            else
                hi = mid;
        }
        hi = t->n_listeners;
    }
    const struct kgi_gw_ltab *best = NULL;
    uint64_t best_s = 0;
    for (size_t i = lo; i < hi; i++) {
        const struct kgi_gw_ltab *l = &t->listeners[i];
        if (q->port && l->port != q->port)
            break;
        if (l->conflicted ||
            (q->gateway && !gateway_is(l, q->gateway, q->gateway_len)))
            continue;
        uint64_t s = listener_score(l, h, hn, named);
        if (s > best_s) {
            best_s = s;
            best = l;
        }
    }
    return best;
}

/* The host group of listener l for host h (rule 16: the most specific
 * effective hostname; no fall-through to less specific ones). */
static const struct kgi_gw_hgroup *
group_of(const struct kgi_gw_ltab *l, const char *h, size_t hn, bool named)
{
    if (named && hn) {
        const struct kgi_gw_hgroup *g =
            kgi_htab_get(&l->exact, h, hn, kgi_routes_hash(h, hn));
        if (g)
            return g;
        if (l->wild.slots) /* "*.s" is keyed by "s": longest suffix first */
            for (size_t i = 0; i < hn; i++)
                if (h[i] == '.' && i > 0 && i + 1 < hn) {
                    g = kgi_htab_get(&l->wild, h + i + 1, hn - i - 1,
                                     kgi_routes_hash(h + i + 1, hn - i - 1));
                    if (g)
                        return g;
                }
    }
    return l->any;
}

/* Whether a normalized host names a DNS host: not empty, ASCII, not an IP
 * literal (rule 12: those reach only listeners and routes without
 * hostnames). */
static bool host_named(const char *h, size_t hn, bool ascii)
{
    if (!hn || !ascii || h[0] == '[')
        return false;
    for (size_t i = 0; i < hn; i++)
        if ((h[i] < '0' || h[i] > '9') && h[i] != '.')
            return true;
    return false; /* digits and dots: IPv4 */
}

/* ------------------------------------------------------------ the walk */

/* The trie walk of route/table.h collecting every prefix list on the way
 * (root first) into pre[0..*np), and the exact list of the node of all
 * the request's pieces. p[0..n) is normalized (p[0] == '/'). */
static const struct kgi_gw_clist *walk(const struct kgi_pnode *node,
                                       const char *p, size_t n, struct hit *pre,
                                       size_t *np)
{
    size_t k = 0;
    if (node->prefix)
        pre[k++] = (struct hit){node->prefix, 0};
    const struct kgi_gw_clist *exact = NULL;
    size_t i = 1;
    for (;;) {
        size_t j = i;
        while (j < n && p[j] != '/')
            j++;
        node = kgi_pnode_step(node, p, n, i, j, &j);
        if (!node)
            break;
        if (node->prefix && k < WALK_MAX)
            pre[k++] = (struct hit){node->prefix, (uint32_t)j};
        if (j == n) {
            exact = node->exact;
            break;
        }
        i = j + 1;
    }
    *np = k;
    return exact;
}

/* ---------------------------------------------------------- conditions */

/* The value of header `name` (lower-case): every occurrence joined with
 * ',' (decision header-join; Set-Cookie never joined), in *v. Returns 1
 * found, 0 absent, -1 longer than the scratch buffer. */
static int header_value(struct ctx *x, struct kgi_bstr name, const char **v,
                        size_t *vn)
{
    const struct kgi_gw_req *q = x->q;
    size_t first = q->n_headers, count = 0;
    for (size_t i = 0; i < q->n_headers; i++)
        if (q->headers[i].name &&
            ieq(q->headers[i].name, q->headers[i].name_len, name.p, name.n)) {
            if (!count++)
                first = i;
        }
    if (!count)
        return 0;
    const struct kg_header *f = &q->headers[first];
    if (count == 1 || bytes_eq(name.p, name.n, "set-cookie", 10)) {
        *v = f->value ? f->value : "";
        *vn = f->value ? f->value_len : 0;
        return 1;
    }
    size_t o = 0;
    for (size_t i = first; i < q->n_headers; i++) {
        const struct kg_header *h = &q->headers[i];
        if (!h->name || !ieq(h->name, h->name_len, name.p, name.n))
            continue;
        size_t hn = h->value ? h->value_len : 0;
        if (o + (o > 0) + hn > sizeof(x->scratch))
            return -1;
        if (o)
            x->scratch[o++] = ',';
        if (hn)
            memcpy(x->scratch + o, h->value, hn);
        o += hn;
    }
    *v = x->scratch;
    *vn = o;
    return 1;
}

/* The next byte of a percent-encoded string at *i (decision query-decode:
 * %XX decoded, '+' left as '+', a malformed escape taken literally). */
static unsigned char pct_next(const char *s, size_t n, size_t *i)
{
    size_t k = *i;
    if (s[k] == '%' && k + 2 < n) {
        int hi = kgi_hexval((unsigned char)s[k + 1]),
            lo = kgi_hexval((unsigned char)s[k + 2]);
        if (hi >= 0 && lo >= 0) {
            *i = k + 3;
            return (unsigned char)(hi << 4 | lo);
        }
    }
    *i = k + 1;
    return (unsigned char)s[k];
}

/* Whether the percent-decoded s[0..n) equals lit[0..ln). */
static bool pct_eq(const char *s, size_t n, const char *lit, size_t ln)
{
    size_t i = 0, k = 0;
    while (i < n) {
        if (k == ln || pct_next(s, n, &i) != (unsigned char)lit[k])
            return false;
        k++;
    }
    return k == ln;
}

/* The first value of query parameter `name` (decision query-first-value),
 * decoded into the scratch buffer. Returns 1 found, 0 absent, -1 too long
 * to decode. */
static int query_value(struct ctx *x, struct kgi_bstr name, const char **v,
                       size_t *vn)
{
    const char *s = x->query;
    size_t n = x->query_n;
    for (size_t i = 0; s && i <= n;) {
        size_t j = i;
        while (j < n && s[j] != '&')
            j++;
        size_t eq = i;
        while (eq < j && s[eq] != '=')
            eq++;
        if (j > i && pct_eq(s + i, eq - i, name.p, name.n)) {
            size_t vi = eq < j ? eq + 1 : j, o = 0;
            while (vi < j) {
                if (o == sizeof(x->scratch))
                    return -1;
                x->scratch[o++] = (char)pct_next(s, j, &vi);
            }
            *v = x->scratch;
            *vn = o;
            return 1;
        }
        i = j + 1;
    }
    return 0;
}

/* Whether a header or query condition holds: 1, 0, or KG_ELIMIT_MATCH. */
static int cond_ok(struct ctx *x, const struct kgi_gw_cond *c, bool header)
{
    const char *v = NULL;
    size_t vn = 0;
    int f = header ? header_value(x, c->name, &v, &vn)
                   : query_value(x, c->name, &v, &vn);
    if (f <= 0)
        return 0; /* absent fails the match; too long matches nothing */
    if (c->type == KGI_GW_REGEX)
        return kgi_regex_match(c->re, v, vn, &x->bud);
    return bytes_eq(v, vn, c->value.p, c->value.n);
}

/* gRPC: the service and method of a path "/service/method". */
static bool grpc_split(const char *p, size_t n, struct kgi_bstr *svc,
                       struct kgi_bstr *meth)
{
    if (n < 4 || p[0] != '/')
        return false;
    const char *slash = memchr(p + 1, '/', n - 1);
    if (!slash || slash == p + 1 || slash == p + n - 1 ||
        memchr(slash + 1, '/', (size_t)(p + n - slash - 1)))
        return false;
    *svc = (struct kgi_bstr){p + 1, (uint32_t)(slash - p - 1)};
    *meth = (struct kgi_bstr){slash + 1, (uint32_t)(p + n - slash - 1)};
    return true;
}

static int grpc_ok(struct ctx *x, const struct kgi_gw_cand *c)
{
    if (!c->grpc_type)
        return 1; /* a rule without matches takes every call (rule 58) */
    struct kgi_bstr s, m;
    if (!grpc_split(x->path, x->path_n, &s, &m))
        return 0;
    if (c->grpc_type == KGI_GW_REGEX) {
        int r = 1;
        if (c->re)
            r = kgi_regex_match(c->re, s.p, s.n, &x->bud);
        if (r == 1 && c->re2)
            r = kgi_regex_match(c->re2, m.p, m.n, &x->bud);
        return r;
    }
    return (!c->service.n || bytes_eq(s.p, s.n, c->service.p, c->service.n)) &&
           (!c->gmethod.n || bytes_eq(m.p, m.n, c->gmethod.p, c->gmethod.n));
}

/* Whether every condition of candidate c holds (rule 23): 1, 0 or
 * KG_ELIMIT_MATCH. The path is decided by the list c came from, except
 * for regex paths and gRPC matches. */
static int cand_ok(struct ctx *x, const struct kgi_gw_cand *c, bool grpc)
{
    if (c->method && c->method != x->method)
        return 0;
    int r = 1;
    if (grpc)
        r = grpc_ok(x, c);
    else if (c->path_type == KGI_GW_REGEX)
        r = kgi_regex_match(c->re, x->path, x->path_n, &x->bud);
    for (uint32_t i = 0; r == 1 && i < c->n_headers; i++)
        r = cond_ok(x, &c->headers[i], true);
    for (uint32_t i = 0; r == 1 && i < c->n_query; i++)
        r = cond_ok(x, &c->query[i], false);
    return r;
}

/* The first candidate of l whose conditions hold; *rc < 0 on a limit. */
static const struct kgi_gw_cand *
first_of(struct ctx *x, const struct kgi_gw_clist *l, bool grpc, int *rc)
{
    for (uint32_t i = 0; l && i < l->n; i++) {
        int r = cand_ok(x, l->v[i], grpc);
        if (r < 0) {
            *rc = r;
            return NULL;
        }
        if (r)
            return l->v[i];
    }
    return NULL;
}

/* --------------------------------------------------------------- action */

/* Writes s[0..n) at buf[*o] with a NUL; KG_ENOSPACE when it does not fit. */
static int put(char *buf, size_t cap, size_t *o, const char *s, size_t n,
               struct kgi_bstr *out)
{
    if (*o + n + 1 > cap)
        return KG_ENOSPACE;
    if (n)
        memcpy(buf + *o, s, n);
    buf[*o + n] = '\0';
    *out = (struct kgi_bstr){buf + *o, (uint32_t)n};
    *o += n + 1;
    return 0;
}

/* A path modifier applied to the normalized path (rules 52-53): the full
 * path as written, or ReplacePrefixMatch: the replacement without its
 * trailing '/' followed by the rest of the path after the matched prefix
 * (which covered `end` bytes), "/" when that is empty; with prefix "/",
 * the path "/" becomes the replacement (decision prefix-root-rewrite). */
static int path_mod(const struct kg_filter *f, const struct ctx *x,
                    uint32_t end, char *buf, size_t cap, size_t *o,
                    struct kgi_bstr *out)
{
    if (f->path_modifier == KGI_GW_PM_FULL) {
        *out = (struct kgi_bstr){f->path, (uint32_t)f->path_len};
        return 0;
    }
    if (f->path_modifier != KGI_GW_PM_PREFIX)
        return 0;
    const char *r = f->path;
    size_t rn = f->path_len;
    if (rn && r[rn - 1] == '/')
        rn--;
    const char *rest = x->path + end;
    size_t restn = x->path_n - end;
    if (end == 0 && x->path_n == 1)
        restn = 0; /* prefix "/", path "/" */
    size_t n = rn + restn;
    if (*o + (n ? n : 1) + 1 > cap)
        return KG_ENOSPACE;
    char *d = buf + *o;
    if (rn)
        memcpy(d, r, rn);
    if (restn)
        memcpy(d + rn, rest, restn);
    if (!n)
        d[n++] = '/';
    d[n] = '\0';
    *out = (struct kgi_bstr){d, (uint32_t)n};
    *o += n + 1;
    return 0;
}

/* Applies the redirect and rewrite filters of f[0..n) to *out. */
static int apply(const struct kg_filter *f, uint32_t n, struct ctx *x,
                 const struct kgi_gw_ltab *l, const char *h, size_t hn,
                 uint32_t end, char *buf, size_t cap, size_t *o,
                 struct kgi_gw_res *out)
{
    for (uint32_t i = 0; i < n; i++) {
        const struct kg_filter *d = &f[i];
        int rc = 0;
        if (d->type == KGI_GW_F_REDIRECT) {
            /* rule 54 */
            out->status = d->status_code ? (uint16_t)d->status_code : 302;
            bool https = l->protocol == KGI_GW_PROTO_HTTPS;
            out->scheme =
                d->scheme_len
                    ? (struct kgi_bstr){d->scheme, (uint32_t)d->scheme_len}
                : https ? (struct kgi_bstr){"https", 5}
                        : (struct kgi_bstr){"http", 4};
            if (d->hostname_len)
                out->host =
                    (struct kgi_bstr){d->hostname, (uint32_t)d->hostname_len};
            else
                rc = put(buf, cap, o, h, hn, &out->host);
            out->port = d->port          ? d->port
                        : !d->scheme_len ? l->port
                        : bytes_eq(d->scheme, d->scheme_len, "https", 5) ? 443
                                                                         : 80;
            out->rpath = (struct kgi_bstr){x->path, (uint32_t)x->path_n};
            if (!rc)
                rc = path_mod(d, x, end, buf, cap, o, &out->rpath);
            out->be = NULL;
        } else if (d->type == KGI_GW_F_REWRITE) {
            /* rule 52 */
            if (d->hostname_len)
                out->rw_host =
                    (struct kgi_bstr){d->hostname, (uint32_t)d->hostname_len};
            rc = path_mod(d, x, end, buf, cap, o, &out->rw_path);
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* The backend for pick: the one whose cumulative weight range holds
 * pick mod the total (rule 43; zero weights were left out at compile). */
static const struct kgi_gw_be *pick_of(const struct kgi_gw_action *a,
                                       uint64_t pick)
{
    if (!a->total_weight)
        return NULL;
    uint64_t v = pick % a->total_weight;
    for (uint32_t i = 0; i < a->n_backends; i++) {
        if (v < a->backends[i].weight)
            return &a->backends[i];
        v -= a->backends[i].weight;
    }
    return NULL; /* not reached: the weights sum to the total */
}

static bool has_redirect(const struct kg_filter *f, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (f[i].type == KGI_GW_F_REDIRECT)
            return true;
    return false;
}

/* --------------------------------------------------------------- lookup */

int kgi_gw_lookup(const struct kgi_gw_tables *t, const struct kgi_gw_req *q,
                  char *buf, size_t cap, struct kgi_gw_res *out)
{
    if (!t || !q || !out || (!q->host && q->host_len) ||
        (!q->path && q->path_len) || (!buf && cap) ||
        (!q->gateway && q->gateway_len) || (!q->headers && q->n_headers) ||
        (!q->sni && q->sni_len))
        return KG_EINVAL;
    memset(out, 0, sizeof(*out));
    char h[KG_ROUTE_HOST_MAX];
    size_t hn = 0;
    bool ascii = true;
    int rc = kgi_norm_host(q->host, q->host_len, h, sizeof(h), &hn, &ascii);
    if (rc)
        return rc == KG_ENOSPACE ? KG_EREQUEST : rc;
    bool named = host_named(h, hn, ascii);
    size_t pn = 0;
    rc = kgi_norm_path(q->path ? q->path : "", q->path_len, t->normalize, buf,
                       cap, &pn);
    if (rc)
        return rc;
    if (pn >= cap)
        return KG_ENOSPACE;
    buf[pn] = '\0';
    out->path = (struct kgi_bstr){buf, (uint32_t)pn};
    size_t o = pn + 1;

    const struct kgi_gw_ltab *l = listener_of(t, q, h, hn, named);
    if (q->sni) {
        /* the listener of the connection's SNI must be the Host's: else a
         * connection was reused for a host its listener does not serve
         * (misdirected, 421; rule 7 applied to both names) */
        char s[KG_ROUTE_HOST_MAX];
        size_t sn = 0;
        bool sascii = true;
        rc = kgi_norm_host(q->sni, q->sni_len, s, sizeof(s), &sn, &sascii);
        if (rc)
            return rc == KG_ENOSPACE ? KG_EREQUEST : rc;
        const struct kgi_gw_ltab *ls =
            listener_of(t, q, s, sn, host_named(s, sn, sascii));
        if (ls != l) {
            out->listener = ls ? ls : l;
            out->status = 421;
            return 0;
        }
    }
    if (!l)
        return KG_ENOMATCH; /* rule 8 */
    out->listener = l;
    const struct kgi_gw_hgroup *g = group_of(l, h, hn, named);
    if (!g)
        return KG_ENOMATCH;
    out->group = g;

    struct ctx x;
    x.q = q;
    x.path = buf;
    x.path_n = pn;
    x.query = NULL;
    x.query_n = 0;
    if (q->path) {
        size_t end = q->path_len;
        const char *hash = memchr(q->path, '#', q->path_len);
        if (hash)
            end = (size_t)(hash - q->path);
        const char *qm = memchr(q->path, '?', end);
        if (qm) {
            x.query = qm + 1;
            x.query_n = end - (size_t)(qm + 1 - q->path);
        }
    }
    x.method = q->method ? kgi_gw_method_parse(q->method, q->method_len) : 0;
    kgi_regex_budget_init(&x.bud);

    const struct kgi_gw_cand *c = NULL;
    uint32_t end = 0; /* bytes of the path the winning prefix covered */
    rc = 0;
    if (g->grpc) {
        c = first_of(&x, &g->all, true, &rc);
    } else {
        struct hit pre[WALK_MAX];
        size_t np = 0;
        const struct kgi_gw_clist *ex = walk(&g->root, buf, pn, pre, &np);
        c = first_of(&x, ex, false, &rc);
        if (!c && !rc)
            c = first_of(&x, &g->rx, false, &rc);
        for (size_t k = np; !c && !rc && k-- > 0;) {
            c = first_of(&x, pre[k].l, false, &rc);
            end = pre[k].end;
        }
    }
    if (rc)
        return rc;
    if (!c)
        return KG_ENOMATCH; /* rules 39, 60 */
    out->cand = c;

    const struct kgi_gw_action *a = c->act;
    out->status = a->status;
    if (out->status)
        return 0; /* rules 42, 43, 56: 500 */
    rc = apply(a->filters, a->n_filters, &x, l, h, hn, end, buf, cap, &o, out);
    if (rc || has_redirect(a->filters, a->n_filters))
        return rc;
    const struct kgi_gw_be *be = pick_of(a, q->pick);
    out->be = be;
    if (!be) {
        out->status = 500;
        return 0;
    }
    if (!be->valid) {
        out->status = 500; /* rule 41: its share answers 500 */
        return 0;
    }
    /* rule 49, 57: the picked backend's filters after the rule's */
    rc =
        apply(be->filters, be->n_filters, &x, l, h, hn, end, buf, cap, &o, out);
    if (!rc && has_redirect(be->filters, be->n_filters))
        out->be = NULL;
    return rc;
}
