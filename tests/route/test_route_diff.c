// SPDX-License-Identifier: MIT
/*
 * test_route_diff.c - the compiled tables against a reference "that always
 * tells the truth": random Ingress sets over a small alphabet of hosts and
 * path pieces (so rules collide, nest and conflict often), random requests
 * with the usual traps (case, ports, trailing dots, dot segments, escapes,
 * `//`, queries), and for every request kg_route must give the answer of a
 * linear scan that evaluates every rule of the spec directly:
 *
 *   host group   exact rule host, else a `*.parent` with one leading label,
 *                else rules without host (ingress-semantics 11-17)
 *   Exact        request == rule path
 *   Prefix       request == P or starts with P + "/", P = rule path minus
 *                one trailing "/" (rules 24-26); portable ImplSpecific too
 *   ranking      any Exact; else the Prefix with the most pieces, then the
 *                one written with a trailing slash (rule 31); ties by
 *                creationTimestamp, namespace/name, listing (rule 34)
 *   miss         the first defaultBackend in that order (rules 35, 36)
 *
 * The same rule sets are also compiled in the ingress-nginx dialect
 * (hosts without use-regex) and checked against reference_nginx: nginx
 * location semantics, ImplementationSpecific as a character prefix,
 * namespace/name descending on equal timestamps, and a miss answered by
 * the defaultBackend of the first Ingress with a rule for the host (none:
 * no match), else by the first Ingress without rules.
 *
 * Each set's requests then go through kg_route_batch in one call, which
 * must answer every one exactly as kg_route_request did (batch_check).
 *
 * Request and rule-path normalization are shared with the library
 * (route/normalize, tested on their own in tests/ingress); everything
 * about matching is independent. Deterministic seed; >= 1,000,000 requests
 * (KGRESS_TEST_SCALE=0.01 scales the count for valgrind).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kgress.h"
#include "route/normalize.h"
#include "rules.h"

/* xorshift64*: deterministic across platforms */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 33) % n;
}

/* ----------------------------------------------------------- rule sets */

#define MAX_ING 5
#define MAX_RULES 3
#define MAX_PATHS 4

struct rpath {
    char type; /* 'E' 'P' 'I' */
    char path[64];
    char svc[48];
    char key[64]; /* the path in request form */
    size_t key_n;
};

struct rrule {
    const char *host; /* "" none */
    int nohttp;
    struct rpath p[MAX_PATHS];
    int n;
};

struct ring {
    char name[8];
    const char *ns;
    int ts; /* 0 none, else a year */
    int has_def;
    char def[16];
    struct rrule r[MAX_RULES];
    int n;
    int rank;
};

struct rset {
    struct ring g[MAX_ING];
    int n;
    int order[MAX_ING]; /* indexes by rank */
};

static const char *const rule_hosts[] = {"a.com", "b.a.com", "*.a.com",
                                         "x.y",   "*.y",     ""};
static const char *const rule_pieces[] = {"a", "b", "ab", "a.b", "%61", "c"};

static void gen_path(struct rpath *p)
{
    int t = (int)rnd(3);
    p->type = t == 0 ? 'E' : t == 1 ? 'P' : 'I';
    size_t n = 0;
    int pieces = (int)rnd(4);
    if (p->type == 'I' && rnd(8) == 0) {
        p->path[0] = '\0'; /* an empty ImplementationSpecific path */
        return;
    }
    for (int i = 0; i < pieces; i++) {
        const char *pc = rule_pieces[rnd(6)];
        if (p->type == 'I' && rnd(6) == 0)
            pc = ""; /* "//" only where validation allows it */
        n += (size_t)snprintf(p->path + n, sizeof(p->path) - n, "/%s", pc);
    }
    if (n == 0 || rnd(4) == 0)
        n += (size_t)snprintf(p->path + n, sizeof(p->path) - n, "/");
}

static void gen_set(struct rset *s)
{
    memset(s, 0, sizeof(*s));
    s->n = 1 + (int)rnd(MAX_ING);
    for (int i = 0; i < s->n; i++) {
        struct ring *g = &s->g[i];
        snprintf(g->name, sizeof(g->name), "i%d", (int)rnd(3));
        g->ns = rnd(2) ? "a" : "b";
        /* name/ns may repeat: the input order then breaks the tie */
        static const int years[] = {0, 0, 2020, 2021, 2021, 2022};
        g->ts = years[rnd(6)];
        g->n = (int)rnd(MAX_RULES + 1);
        g->has_def = g->n == 0 || rnd(4) == 0;
        snprintf(g->def, sizeof(g->def), "d%d", i);
        for (int r = 0; r < g->n; r++) {
            struct rrule *rr = &g->r[r];
            rr->host = rule_hosts[rnd(6)];
            rr->nohttp = rr->host[0] && rnd(10) == 0;
            rr->n = rr->nohttp ? 0 : 1 + (int)rnd(MAX_PATHS);
            for (int k = 0; k < rr->n; k++) {
                gen_path(&rr->p[k]);
                snprintf(rr->p[k].svc, sizeof(rr->p[k].svc), "s%d-%d-%d", i, r,
                         k);
                size_t kn = 0;
                if (rr->p[k].path[0]) {
                    int rc =
                        kgi_norm_path(rr->p[k].path, strlen(rr->p[k].path),
                                      KGI_NORM_ON | KGI_NORM_ESCAPES_ONLY,
                                      rr->p[k].key, sizeof(rr->p[k].key), &kn);
                    assert_int_equal(rc, 0);
                }
                rr->p[k].key_n = kn;
            }
        }
    }
}

static char *set_rules(const struct rset *s)
{
    struct tbuf b = {0};
    for (int i = 0; i < s->n; i++) {
        const struct ring *g = &s->g[i];
        tbuf_printf(&b, "ing %s ns=%s", g->name, g->ns);
        if (g->ts)
            tbuf_printf(&b, " ts=%d-03-04T05:06:07Z", g->ts);
        tbuf_printf(&b, "\n");
        if (g->has_def)
            tbuf_printf(&b, "def %s\n", g->def);
        for (int r = 0; r < g->n; r++) {
            const struct rrule *rr = &g->r[r];
            tbuf_printf(&b, "host %s%s\n", rr->host[0] ? rr->host : "-",
                        rr->nohttp ? " nohttp" : "");
            for (int k = 0; k < rr->n; k++)
                tbuf_printf(&b, "%c %s %s\n", rr->p[k].type,
                            rr->p[k].path[0] ? rr->p[k].path : "''",
                            rr->p[k].svc);
        }
    }
    return b.p;
}

/* ------------------------------------------------------- the reference */

static int ts_key(const struct ring *g)
{
    return g->ts ? g->ts : 1 << 30; /* none counts as newest */
}

/* ingress-nginx sorts equal timestamps by "namespace/name" descending */
static int ing_before(const struct ring *a, int ai, const struct ring *b,
                      int bi, int nginx)
{
    if (ts_key(a) != ts_key(b))
        return ts_key(a) < ts_key(b);
    char x[32], y[32];
    snprintf(x, sizeof(x), "%s/%s", a->ns, a->name);
    snprintf(y, sizeof(y), "%s/%s", b->ns, b->name);
    int c = strcmp(x, y);
    if (c)
        return nginx ? c > 0 : c < 0;
    return ai < bi;
}

static void rank(struct rset *s, int nginx)
{
    for (int i = 0; i < s->n; i++)
        s->order[i] = i;
    for (int i = 1; i < s->n; i++) /* insertion sort: obviously right */
        for (int j = i; j > 0 && ing_before(&s->g[s->order[j]], s->order[j],
                                            &s->g[s->order[j - 1]],
                                            s->order[j - 1], nginx);
             j--) {
            int t = s->order[j];
            s->order[j] = s->order[j - 1];
            s->order[j - 1] = t;
        }
    for (int i = 0; i < s->n; i++)
        s->g[s->order[i]].rank = i;
}

struct want {
    int rc;
    const struct ring *g;
    const struct rpath *p; /* NULL: a defaultBackend */
    char norm[256];
    size_t norm_n;
};

static int has_prefix(const char *s, size_t n, const char *p, size_t pn)
{
    return pn <= n && memcmp(s, p, pn) == 0;
}

/* ingress-nginx dialect, hosts without regex (nginx locations): an Exact
 * rule is `= path`; a Prefix P is `= P` plus the prefix location "P/"; an
 * ImplementationSpecific path is a plain prefix location. Exact locations
 * first (Exact rules before Prefix ones), then the longest prefix
 * location; one location string written several times goes to the best
 * ranked rule (a Prefix with a trailing slash first among Prefixes). */
struct cand {
    const struct ring *g;
    const struct rpath *p;
    int rank, rule, path, slash;
};

static int cand_before(const struct cand *a, const struct cand *b)
{
    if (a->rank != b->rank)
        return a->rank < b->rank;
    if (a->rule != b->rule)
        return a->rule < b->rule;
    return a->path < b->path;
}

static void reference_nginx(const struct rset *s, const char *group,
                            const char *r, size_t rn, struct want *w)
{
    struct cand ex = {0}, eq = {0}, pre = {0}, is = {0};
    size_t best_len = 0;
    for (int i = 0; group && i < s->n; i++) {
        const struct ring *g = &s->g[i];
        for (int k = 0; k < g->n; k++) {
            if (strcmp(g->r[k].host, group) != 0)
                continue;
            for (int j = 0; j < g->r[k].n; j++) {
                const struct rpath *p = &g->r[k].p[j];
                struct cand c = {g, p, g->rank, k, j, 0};
                const char *key = p->key;
                size_t kn = p->key_n;
                if (p->type == 'E') {
                    if (kn == rn && memcmp(key, r, rn) == 0 &&
                        (!ex.p || cand_before(&c, &ex)))
                        ex = c;
                    continue;
                }
                char loc[80];
                size_t ln;
                if (p->type == 'P') {
                    size_t P = kn;
                    if (P > 0 && key[P - 1] == '/') {
                        c.slash = P > 1;
                        P--;
                    }
                    if (P == rn && memcmp(key, r, rn) == 0 &&
                        (!eq.p || c.slash > eq.slash ||
                         (c.slash == eq.slash && cand_before(&c, &eq))))
                        eq = c;
                    memcpy(loc, key, P);
                    loc[P] = '/';
                    ln = P + 1;
                } else if (kn == 0) {
                    loc[0] = '/';
                    ln = 1;
                } else {
                    memcpy(loc, key, kn);
                    ln = kn;
                }
                if (!has_prefix(r, rn, loc, ln) || ln < best_len)
                    continue;
                if (ln > best_len) {
                    best_len = ln;
                    memset(&pre, 0, sizeof(pre));
                    memset(&is, 0, sizeof(is));
                }
                if (p->type == 'P') {
                    if (!pre.p || c.slash > pre.slash ||
                        (c.slash == pre.slash && cand_before(&c, &pre)))
                        pre = c;
                } else if (!is.p || cand_before(&c, &is)) {
                    is = c;
                }
            }
        }
    }
    const struct cand *win = ex.p ? &ex : eq.p ? &eq : NULL;
    if (!win) {
        if (pre.p && is.p)
            win = cand_before(&is, &pre) ? &is : &pre;
        else
            win = pre.p ? &pre : is.p ? &is : NULL;
    }
    if (win) {
        w->g = win->g;
        w->p = win->p;
    }
}

static void reference(const struct rset *s, const char *host, size_t hn,
                      const char *path, size_t pn, int nginx, struct want *w)
{
    memset(w, 0, sizeof(*w));
    char h[300];
    size_t n = 0;
    bool ascii = true;
    if (kgi_norm_host(host, hn, h, sizeof(h), &n, &ascii) ||
        kgi_norm_path(path, pn, KGI_NORM_ON, w->norm, sizeof(w->norm),
                      &w->norm_n)) {
        w->rc = KG_EREQUEST;
        return;
    }
    const char *r = w->norm;
    size_t rn = w->norm_n;
    /* host group: the rule host string that selects it */
    const char *group = NULL;
    for (int i = 0; i < s->n && !group && ascii && n; i++)
        for (int k = 0; k < s->g[i].n; k++)
            if (strlen(s->g[i].r[k].host) == n &&
                memcmp(s->g[i].r[k].host, h, n) == 0)
                group = s->g[i].r[k].host;
    for (int i = 0; i < s->n && !group && ascii && n; i++)
        for (int k = 0; k < s->g[i].n; k++) {
            const char *rh = s->g[i].r[k].host;
            if (rh[0] != '*')
                continue;
            const char *parent = rh + 2;
            size_t pl = strlen(parent);
            /* h = LABEL "." parent, LABEL non-empty without dots */
            if (n > pl + 1 && memcmp(h + n - pl, parent, pl) == 0 &&
                h[n - pl - 1] == '.' && !memchr(h, '.', n - pl - 1))
                group = rh;
        }
    for (int i = 0; i < s->n && !group; i++)
        for (int k = 0; k < s->g[i].n; k++)
            if (s->g[i].r[k].host[0] == '\0')
                group = "";
    if (nginx) {
        reference_nginx(s, group, r, rn, w);
        if (w->p)
            return;
        goto defaults;
    }
    const struct ring *bg = NULL;
    const struct rpath *bp = NULL;
    int b_exact = 0, b_depth = -1, b_slash = 0, b_rank = 0, b_rule = 0,
        b_path = 0;
    for (int i = 0; group && i < s->n; i++) {
        const struct ring *g = &s->g[i];
        for (int k = 0; k < g->n; k++) {
            if (strcmp(g->r[k].host, group) != 0)
                continue;
            for (int j = 0; j < g->r[k].n; j++) {
                const struct rpath *p = &g->r[k].p[j];
                const char *key = p->key;
                size_t kn = p->key_n;
                int exact = 0, depth = 0, slash = 0;
                if (p->type == 'E') {
                    if (kn != rn || memcmp(key, r, rn) != 0)
                        continue;
                    exact = 1;
                } else {
                    size_t P = kn;
                    if (P > 0 && key[P - 1] == '/') {
                        slash = P > 1;
                        P--;
                    }
                    int m =
                        (P == rn && memcmp(key, r, rn) == 0) ||
                        (has_prefix(r, rn, key, P) && rn > P && r[P] == '/');
                    if (!m)
                        continue;
                    for (size_t c = 0; c < P; c++)
                        depth += key[c] == '/';
                }
                /* is (exact, depth, slash, rank, rule, path) better? */
                int better;
                if (!bp)
                    better = 1;
                else if (exact != b_exact)
                    better = exact > b_exact;
                else if (!exact && depth != b_depth)
                    better = depth > b_depth;
                else if (!exact && slash != b_slash)
                    better = slash > b_slash;
                else if (g->rank != b_rank)
                    better = g->rank < b_rank;
                else if (k != b_rule)
                    better = k < b_rule;
                else
                    better = j < b_path;
                if (better) {
                    bg = g;
                    bp = p;
                    b_exact = exact;
                    b_depth = depth;
                    b_slash = slash;
                    b_rank = g->rank;
                    b_rule = k;
                    b_path = j;
                }
            }
        }
    }
    if (bp) {
        w->g = bg;
        w->p = bp;
        return;
    }
defaults:
    if (!nginx) {
        /* one cluster-wide default: the first in rank order */
        for (int o = 0; o < s->n; o++)
            if (s->g[s->order[o]].has_def) {
                w->g = &s->g[s->order[o]];
                return;
            }
        w->rc = KG_ENOMATCH;
        return;
    }
    /* nginx: a named host's server belongs to the first Ingress (in rank
     * order) with a rule for it, and answers with its default or nothing */
    for (int o = 0; group && group[0] && o < s->n; o++) {
        const struct ring *g = &s->g[s->order[o]];
        for (int k = 0; k < g->n; k++)
            if (strcmp(g->r[k].host, group) == 0) {
                if (g->has_def)
                    w->g = g;
                else
                    w->rc = KG_ENOMATCH;
                return;
            }
    }
    /* the catch-all server: the first Ingress without rules */
    for (int o = 0; o < s->n; o++) {
        const struct ring *g = &s->g[s->order[o]];
        if (g->has_def && g->n == 0) {
            w->g = g;
            return;
        }
    }
    w->rc = KG_ENOMATCH;
}

/* ------------------------------------------------------------ requests */

static const char *const req_hosts[] = {
    "a.com", "A.COM", "a.com.", "a.com:80", "b.a.com", "c.a.com", "d.c.a.com",
    "x.y", "z.y", "y", "other", "", "a..com", "B.A.com:443", "[::1]:80",
    "\xc3\xa9.a.com",
    /* longer than kg_route_batch keeps between its stages */
    "a-label-of-fifty-bytes-for-the-batch-ring-012345.a.com",
    "A-LABEL-OF-FIFTY-BYTES-FOR-THE-BATCH-RING-012345.A.COM:8080"};
#define N_REQ_HOSTS (sizeof(req_hosts) / sizeof(req_hosts[0]))
static const char *const req_pieces[] = {"a", "b",   "ab",     "a.b", "..",
                                         ".", "%61", "%2e%2E", "",    "A",
                                         "c", "%2F", "ab%2fc", "%zz"};

static size_t gen_req_path(char *out, size_t cap)
{
    size_t n = 0;
    int pieces = (int)rnd(5);
    if (rnd(20) == 0)
        return 0; /* empty: "/" */
    for (int i = 0; i < pieces; i++)
        n += (size_t)snprintf(out + n, cap - n, "/%s", req_pieces[rnd(14)]);
    if (n == 0 || rnd(4) == 0)
        n += (size_t)snprintf(out + n, cap - n, "/");
    if (rnd(8) == 0)
        n += (size_t)snprintf(out + n, cap - n, "?x=/../a");
    return n;
}

/* kg_route_batch must answer each request exactly as kg_route_request:
 * the same code, the same struct field by field (the normalized path by
 * content: each request has its own buffer in the batch). The batch gets
 * the set's requests in one call, with a Gateway request (answered
 * without the pipeline) and an element of the wrong size mixed in, and
 * once more into structs of 0.1's size. */
#define PER_SET 500
#define BUF_CAP 300
struct batch {
    struct kg_http_request q[PER_SET + 2];
    char path[PER_SET + 2][256];
    int rc[PER_SET + 2], brc[PER_SET + 2];
    struct kg_route one[PER_SET + 2], got[PER_SET + 2];
    char buf1[PER_SET + 2][BUF_CAP], bufs[(PER_SET + 2) * BUF_CAP];
};

static void same_route(const struct kg_route *a, int arc,
                       const struct kg_route *b, int brc, size_t size, size_t i)
{
    struct kg_route x, y;
    memset(&x, 0, sizeof(x));
    memset(&y, 0, sizeof(y));
    memcpy(&x, a, size);
    memcpy(&y, b, size);
    x.size = y.size = size;
    int ok = arc == brc && x.normalized_path_len == y.normalized_path_len &&
             (x.normalized_path_len == 0 ||
              memcmp(x.normalized_path, y.normalized_path,
                     x.normalized_path_len) == 0);
    x.normalized_path = y.normalized_path = NULL;
    if (ok && size > offsetof(struct kg_route, redirect_path)) {
        /* Gateway answers point into the request's buffer too */
        ok = x.redirect_path_len == y.redirect_path_len &&
             x.rewrite_path_len == y.rewrite_path_len &&
             memcmp(x.redirect_path, y.redirect_path, x.redirect_path_len) ==
                 0 &&
             memcmp(x.rewrite_path, y.rewrite_path, x.rewrite_path_len) == 0;
        x.redirect_path = y.redirect_path = NULL;
        x.rewrite_path = y.rewrite_path = NULL;
    }
    if (!ok || memcmp(&x, &y, sizeof(x)) != 0) {
        fprintf(stderr, "kg_route_batch: request %zu differs (rc %d, %d)\n", i,
                arc, brc);
        fail();
    }
}

static void batch_check(const kg_ruleset *rs, struct batch *bt, size_t n)
{
    /* a Gateway request (no Gateway here: KG_ENOMATCH) and one element of
     * another size (KG_EINVAL, untouched) */
    bt->q[n] = bt->q[0];
    bt->q[n].port = 80;
    bt->q[n + 1] = bt->q[0];
    n += 2;
    for (size_t i = 0; i < n; i++) {
        bt->one[i] = (struct kg_route){.size = sizeof(struct kg_route)};
        bt->rc[i] =
            kg_route_request(rs, &bt->q[i], bt->buf1[i], BUF_CAP, &bt->one[i]);
        bt->got[i] = (struct kg_route){.size = sizeof(struct kg_route)};
    }
    bt->q[n - 1].size = KG_HTTP_REQUEST_SIZE_0_2;
    bt->got[n - 1].path_type = 77; /* must stay */
    int ret = kg_route_batch(rs, bt->q, n, bt->bufs, BUF_CAP, bt->got, bt->brc);
    int want = 0;
    for (size_t i = 0; i < n - 1 && !want; i++)
        if (bt->rc[i] && bt->rc[i] != KG_ENOMATCH)
            want = bt->rc[i];
    assert_int_equal(ret, want ? want : KG_EINVAL);
    for (size_t i = 0; i + 1 < n; i++)
        same_route(&bt->one[i], bt->rc[i], &bt->got[i], bt->brc[i],
                   sizeof(struct kg_route), i);
    assert_int_equal(bt->brc[n - 1], KG_EINVAL);
    assert_int_equal(bt->got[n - 1].path_type, 77);
    bt->q[n - 1].size = sizeof(struct kg_http_request);

    /* a 0.1 caller: out elements of KG_ROUTE_SIZE_0_1 bytes */
    static unsigned char small[(PER_SET + 2) * KG_ROUTE_SIZE_0_1];
    memset(small, 0xa5, sizeof(small));
    for (size_t i = 0; i < n; i++) {
        size_t sz = KG_ROUTE_SIZE_0_1;
        memcpy(small + i * KG_ROUTE_SIZE_0_1, &sz, sizeof(sz));
    }
    kg_route_batch(rs, bt->q, n, bt->bufs, BUF_CAP,
                   (struct kg_route *)(void *)small, bt->brc);
    for (size_t i = 0; i < n; i++) {
        struct kg_route a;
        memcpy(&a, small + i * KG_ROUTE_SIZE_0_1, KG_ROUTE_SIZE_0_1);
        same_route(&bt->one[i], bt->rc[i], &a, bt->brc[i], KG_ROUTE_SIZE_0_1,
                   i);
    }
}

static void differential(int nginx)
{
    double scale = 1.0;
    const char *env = getenv("KGRESS_TEST_SCALE");
    if (env && atof(env) > 0)
        scale = atof(env);
    /* >= 1,000,000 in the portable dialect, a quarter of that again in
     * the ingress-nginx one */
    long total = (long)((nginx ? 250000 : 1000000) * scale);
    if (total < 1000)
        total = 1000;
    const long per_set = PER_SET;
    long done = 0, sets = 0, matched = 0, defaults = 0, rejected = 0;
    struct rset *s = malloc(sizeof(*s));
    struct batch *bt = malloc(sizeof(*bt));
    assert_non_null(s);
    assert_non_null(bt);
    while (done < total) {
        gen_set(s);
        rank(s, nginx);
        char *rules = set_rules(s);
        size_t len;
        char *yaml = rules_yaml(rules, &len);
        kg_options *opt = kg_options_new();
        assert_non_null(opt);
        if (nginx)
            kg_options_set_dialect(opt, KG_DIALECT_INGRESS_NGINX);
        kg_builder *b = kg_builder_new(opt);
        kg_options_free(opt);
        assert_int_equal(kg_builder_add_buffer(b, "r.yaml", yaml, len), 0);
        kg_ruleset *rs = NULL;
        int rc = kg_builder_compile(b, &rs);
        if (rc) {
            fprintf(stderr, "compile failed:\n%s\n", rules);
            char line[512];
            const kg_diagnostics *d = kg_builder_diagnostics(b);
            for (size_t i = 0; i < kg_diagnostics_count(d); i++) {
                kg_diagnostic_format(d, i, line, sizeof(line));
                fprintf(stderr, "%s\n", line);
            }
        }
        assert_int_equal(rc, 0);
        kg_builder_free(b);
        for (long q = 0; q < per_set; q++, done++) {
            const char *host = req_hosts[rnd(N_REQ_HOSTS)];
            char *path = bt->path[q], buf[BUF_CAP];
            size_t pn = gen_req_path(path, sizeof(bt->path[q]));
            bt->q[q] = (struct kg_http_request){.size = sizeof(bt->q[q]),
                                                .host = host,
                                                .host_len = strlen(host),
                                                .path = path,
                                                .path_len = pn};
            struct want w;
            reference(s, host, strlen(host), path, pn, nginx, &w);
            struct kg_route r = {.size = sizeof(r)};
            rc = kg_route(rs, host, strlen(host), path, pn, buf, sizeof(buf),
                          &r);
            int ok = rc == w.rc;
            if (ok && rc == 0) {
                const char *svc = w.p ? w.p->svc : w.g->def;
                ok = strcmp(r.service, svc) == 0 && r.port == 80 &&
                     strcmp(r.ingress, w.g->name) == 0 &&
                     strcmp(r.ns, w.g->ns) == 0 &&
                     r.is_default == (w.p == NULL) &&
                     r.normalized_path_len == w.norm_n &&
                     memcmp(r.normalized_path, w.norm, w.norm_n) == 0 &&
                     strcmp(r.matched_path, w.p ? w.p->path : "") == 0;
                matched += !r.is_default;
                defaults += r.is_default;
            }
            rejected += rc == KG_EREQUEST;
            if (!ok) {
                fprintf(stderr,
                        "MISMATCH set %ld request host '%s' path '%.*s'\n"
                        "rules:\n%s\nkg_route: rc %d service %s ingress %s/%s "
                        "path %s default %d\nreference: rc %d service %s "
                        "ingress %s/%s\n",
                        sets, host, (int)pn, path, rules, rc,
                        rc ? "-" : r.service, rc ? "-" : r.ns,
                        rc ? "-" : r.ingress, rc ? "-" : r.matched_path,
                        rc ? 0 : r.is_default, w.rc,
                        w.rc ? "-" : (w.p ? w.p->svc : w.g->def),
                        w.rc ? "-" : w.g->ns, w.rc ? "-" : w.g->name);
                fail();
            }
        }
        batch_check(rs, bt, (size_t)per_set);
        kg_ruleset_unref(rs);
        free(yaml);
        free(rules);
        sets++;
    }
    free(s);
    free(bt);
    fprintf(stderr,
            "differential (%s): %ld requests over %ld rule sets: %ld by a "
            "path, %ld by a defaultBackend, %ld rejected, rest unmatched\n",
            nginx ? "ingress-nginx" : "portable", done, sets, matched, defaults,
            rejected);
    /* the generator must exercise every outcome */
    assert_true(matched > done / 10);
    assert_true(defaults > done / 50);
    assert_true(rejected > done / 50);
}

static void test_differential(void **state)
{
    (void)state;
    differential(0);
}

static void test_differential_nginx(void **state)
{
    (void)state;
    differential(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_differential),
        cmocka_unit_test(test_differential_nginx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
