// SPDX-License-Identifier: MIT
/*
 * test_gateway_diff.c - the Gateway API lookup against a reference "that
 * always tells the truth": random HTTPRoute sets over small alphabets of
 * hostnames, paths, headers, query parameters and methods (so matches
 * collide, nest and tie often), random requests, and for every request the
 * compiled lookup must give the answer of a linear scan that evaluates
 * every match of every route by the text of the API (rule numbers of docs,
 * httproute-semantics):
 *
 *   host group   the most specific effective hostname matching the Host:
 *                exact, else the wildcard with the longest suffix (one or
 *                more labels), else routes without hostnames (rules 11-16)
 *   conditions   Exact path: equal; PathPrefix: element-wise; regex: the
 *                whole path, by POSIX <regex.h> (not PCRE2); method equal;
 *                header names case-insensitive, repeated ones joined with
 *                ','; query names case-sensitive, percent-decoded, first
 *                value (rules 23-30)
 *   ranking      Exact > RegularExpression > PathPrefix, longer value (as
 *                written), method, more headers, more query parameters,
 *                oldest creationTimestamp (none = newest), the string
 *                "namespace/name", rule order, match order (rule 31)
 *
 * Deterministic seed; 1,000,000 requests over random route sets
 * (KGRESS_TEST_SCALE scales the count, e.g. 0.01 under valgrind).
 */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/ruleset.h"
#include "kgress.h"
#include "route/gateway_table.h"
#include "route/table.h"

/* xorshift64*: deterministic across platforms */
static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 33) % n;
}

#define N(a) (sizeof(a) / sizeof(*(a)))

/* ------------------------------------------------------------ alphabets */

static const char *const prefix_paths[] = {"/",   "/a",  "/a/",   "/a/b",
                                           "/ab", "/b/", "/a/b/c"};
static const char *const exact_paths[] = {"/",    "/a",  "/a/",
                                          "/a/b", "/ab", "/b"};
static const char *const regex_paths[] = {"/a/.*", "/[ab]/b", "/a.*",
                                          "/.*/c", "/b",      "/a/b/?"};
static const char *const route_hosts[] = {"a.example.com",   "*.example.com",
                                          "b.a.example.com", "*.a.example.com",
                                          "*.com",           "x.org"};
static const char *const req_hosts[] = {
    "a.example.com", "b.a.example.com", "c.a.example.com",
    "z.example.com", "example.com",     "x.org",
    "y.org",         "q.com",           "A.Example.COM:80"};
static const char *const hnames[] = {"x-a", "x-b"};
static const char *const req_hnames[] = {"x-a", "X-A", "x-b", "X-B", "y"};
static const char *const qnames[] = {"q", "r"};
static const char *const req_qparts[] = {"q=1", "q=2", "r=1", "r=%32",
                                         "Q=1", "q",   "z=1"};
static const char *const methods[] = {"", "GET", "POST"};
static const char *const req_methods[] = {NULL, "GET", "POST", "HEAD"};
static const char *const pieces[] = {"a", "b", "c", "ab"};

/* ------------------------------------------------------------ route sets */

enum { EXACT = 1, PREFIX = 2, REGEX = 3 };

#define MAX_RT 6
#define MAX_RULE 3
#define MAX_MATCH 3

struct kv {
    const char *name, *value;
    bool rx;
};

struct gmatch {
    int ptype;
    const char *path;
    regex_t re; /* REGEX: ^(path)$ */
    int method; /* index in methods, 0 none */
    int nh, nq;
    struct kv h[2], q[2];
    regex_t hre[2];
};

struct grule {
    int n;
    struct gmatch m[MAX_MATCH];
};

struct groute {
    char ns[8], name[16];
    int ts; /* -1: no creationTimestamp */
    int nhost;
    const char *hosts[3];
    int nrule;
    struct grule r[MAX_RULE];
};

struct gset {
    int n;
    struct groute rt[MAX_RT];
};

static void gen_match(struct gmatch *m)
{
    memset(m, 0, sizeof(*m));
    uint32_t k = rnd(10);
    m->ptype = k < 5 ? PREFIX : k < 8 ? EXACT : REGEX;
    m->path = m->ptype == PREFIX  ? prefix_paths[rnd(N(prefix_paths))]
              : m->ptype == EXACT ? exact_paths[rnd(N(exact_paths))]
                                  : regex_paths[rnd(N(regex_paths))];
    if (m->ptype == REGEX) {
        char pat[64];
        snprintf(pat, sizeof(pat), "^(%s)$", m->path);
        assert_int_equal(regcomp(&m->re, pat, REG_EXTENDED | REG_NOSUB), 0);
    }
    m->method = rnd(4) == 0 ? (int)(1 + rnd(2)) : 0;
    m->nh = rnd(3) == 0 ? (int)(1 + rnd(2)) : 0;
    for (int i = 0; i < m->nh; i++) {
        m->h[i].name = hnames[i]; /* distinct names */
        m->h[i].rx = rnd(4) == 0;
        m->h[i].value = m->h[i].rx ? "[12]" : (rnd(2) ? "1" : "2");
        if (m->h[i].rx)
            assert_int_equal(
                regcomp(&m->hre[i], "^([12])$", REG_EXTENDED | REG_NOSUB), 0);
    }
    m->nq = rnd(4) == 0 ? (int)(1 + rnd(2)) : 0;
    for (int i = 0; i < m->nq; i++) {
        m->q[i].name = qnames[i];
        m->q[i].value = rnd(2) ? "1" : "2";
    }
}

static void gen_set(struct gset *s)
{
    s->n = 1 + (int)rnd(MAX_RT);
    for (int i = 0; i < s->n; i++) {
        struct groute *r = &s->rt[i];
        snprintf(r->ns, sizeof(r->ns), "%s", rnd(2) ? "app" : "app-x");
        snprintf(r->name, sizeof(r->name), "r%d", i);
        r->ts = (int)rnd(3) - 1;
        r->nhost = rnd(2) ? 0 : (int)(1 + rnd(2));
        for (int h = 0; h < r->nhost; h++) {
            const char *x;
            bool dup;
            do { /* the schema has no duplicate hostnames */
                x = route_hosts[rnd(N(route_hosts))];
                dup = false;
                for (int k = 0; k < h; k++)
                    dup = dup || strcmp(r->hosts[k], x) == 0;
            } while (dup);
            r->hosts[h] = x;
        }
        r->nrule = 1 + (int)rnd(MAX_RULE);
        for (int k = 0; k < r->nrule; k++) {
            r->r[k].n = 1 + (int)rnd(MAX_MATCH);
            for (int m = 0; m < r->r[k].n; m++)
                gen_match(&r->r[k].m[m]);
        }
    }
}

static void free_set(struct gset *s)
{
    for (int i = 0; i < s->n; i++)
        for (int k = 0; k < s->rt[i].nrule; k++)
            for (int m = 0; m < s->rt[i].r[k].n; m++) {
                struct gmatch *x = &s->rt[i].r[k].m[m];
                if (x->ptype == REGEX)
                    regfree(&x->re);
                for (int h = 0; h < x->nh; h++)
                    if (x->h[h].rx)
                        regfree(&x->hre[h]);
            }
}

struct sbuf {
    char *p;
    size_t n, cap;
};

static void sb(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if ((size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        b->cap = b->cap * 2 + (size_t)k + 64;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
}

static const char *const type_names[] = {"", "Exact", "PathPrefix",
                                         "RegularExpression"};

static char *set_yaml(const struct gset *s)
{
    struct sbuf b = {malloc(4096), 0, 4096};
    assert_non_null(b.p);
    sb(&b, "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
           "metadata: {name: gw, namespace: infra}\nspec:\n"
           "  gatewayClassName: c\n  listeners:\n"
           "  - {name: http, port: 80, protocol: HTTP, allowedRoutes: "
           "{namespaces: {from: All}}}\n");
    for (int i = 0; i < s->n; i++) {
        const struct groute *r = &s->rt[i];
        sb(&b,
           "---\napiVersion: gateway.networking.k8s.io/v1\n"
           "kind: HTTPRoute\nmetadata:\n  name: %s\n  namespace: %s\n",
           r->name, r->ns);
        if (r->ts >= 0)
            sb(&b, "  creationTimestamp: '2024-01-01T00:00:0%dZ'\n", r->ts);
        sb(&b, "spec:\n  parentRefs: [{name: gw, namespace: infra}]\n");
        if (r->nhost) {
            sb(&b, "  hostnames:\n");
            for (int h = 0; h < r->nhost; h++)
                sb(&b, "  - '%s'\n", r->hosts[h]);
        }
        sb(&b, "  rules:\n");
        for (int k = 0; k < r->nrule; k++) {
            sb(&b,
               "  - backendRefs: [{name: b%dx%d, port: 80}]\n"
               "    matches:\n",
               i, k);
            for (int m = 0; m < r->r[k].n; m++) {
                const struct gmatch *x = &r->r[k].m[m];
                sb(&b, "    - path: {type: %s, value: '%s'}\n",
                   type_names[x->ptype], x->path);
                if (x->method)
                    sb(&b, "      method: %s\n", methods[x->method]);
                if (x->nh) {
                    sb(&b, "      headers:\n");
                    for (int h = 0; h < x->nh; h++)
                        sb(&b, "      - {type: %s, name: %s, value: '%s'}\n",
                           x->h[h].rx ? "RegularExpression" : "Exact",
                           x->h[h].name, x->h[h].value);
                }
                if (x->nq) {
                    sb(&b, "      queryParams:\n");
                    for (int q = 0; q < x->nq; q++)
                        sb(&b, "      - {name: %s, value: '%s'}\n",
                           x->q[q].name, x->q[q].value);
                }
            }
        }
    }
    return b.p;
}

/* ------------------------------------------------------------- requests */

struct req {
    const char *method;
    char host[64];
    char path[128]; /* with the query */
    size_t path_n;  /* path part */
    struct kg_header h[4];
    int nh;
    char hv[4][4];
};

static void gen_req(struct req *q)
{
    q->method = req_methods[rnd(N(req_methods))];
    snprintf(q->host, sizeof(q->host), "%s", req_hosts[rnd(N(req_hosts))]);
    size_t n = 0;
    int np = (int)rnd(4);
    for (int i = 0; i < np; i++)
        n += (size_t)snprintf(q->path + n, sizeof(q->path) - n, "/%s",
                              pieces[rnd(N(pieces))]);
    if (n == 0 || rnd(4) == 0)
        n += (size_t)snprintf(q->path + n, sizeof(q->path) - n, "/");
    q->path_n = n;
    int nq = (int)rnd(4);
    for (int i = 0; i < nq; i++)
        n += (size_t)snprintf(q->path + n, sizeof(q->path) - n, "%c%s",
                              i ? '&' : '?', req_qparts[rnd(N(req_qparts))]);
    q->nh = (int)rnd(5);
    for (int i = 0; i < q->nh; i++) {
        q->h[i].name = req_hnames[rnd(N(req_hnames))];
        q->h[i].name_len = strlen(q->h[i].name);
        snprintf(q->hv[i], sizeof(q->hv[i]), "%d", 1 + (int)rnd(3));
        q->h[i].value = q->hv[i];
        q->h[i].value_len = strlen(q->hv[i]);
    }
}

/* ------------------------------------------------------------ reference */

static bool wild_match(const char *w, const char *h)
{
    size_t sn = strlen(w) - 1, hn = strlen(h); /* ".s" */
    return hn > sn && strcmp(h + hn - sn, w + 1) == 0;
}

/* The effective hostname of the group the host selects: "" for routes
 * without hostnames; NULL: 404. */
static const char *ref_group(const struct gset *s, const char *h)
{
    const char *best = NULL;
    size_t best_s = 0; /* 1 none, 2 + suffix wildcard, 1000 exact */
    for (int i = 0; i < s->n; i++) {
        const struct groute *r = &s->rt[i];
        if (!r->nhost && best_s < 1) {
            best = "";
            best_s = 1;
        }
        for (int k = 0; k < r->nhost; k++) {
            const char *x = r->hosts[k];
            size_t sc = 0;
            if (x[0] == '*')
                sc = wild_match(x, h) ? 2 + strlen(x) : 0;
            else
                sc = strcmp(x, h) == 0 ? 1000 : 0;
            if (sc > best_s) {
                best_s = sc;
                best = x;
            }
        }
    }
    return best;
}

static bool in_group(const struct groute *r, const char *g)
{
    if (!*g)
        return r->nhost == 0;
    for (int k = 0; k < r->nhost; k++)
        if (strcmp(r->hosts[k], g) == 0)
            return true;
    return false;
}

static int hex(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static void decode(const char *s, size_t n, char *o)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hex(s[i + 1]) >= 0 &&
            hex(s[i + 2]) >= 0) {
            o[k++] = (char)(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            o[k++] = s[i];
        }
    }
    o[k] = '\0';
}

static bool header_ok(const struct req *q, const struct kv *c,
                      const regex_t *re)
{
    char v[64] = "";
    bool found = false;
    for (int i = 0; i < q->nh; i++)
        if (strcasecmp(q->h[i].name, c->name) == 0) {
            if (found)
                strcat(v, ",");
            strcat(v, q->h[i].value);
            found = true;
        }
    if (!found)
        return false;
    return c->rx ? regexec(re, v, 0, NULL, 0) == 0 : strcmp(v, c->value) == 0;
}

static bool query_ok(const struct req *q, const struct kv *c)
{
    const char *s = strchr(q->path, '?');
    if (!s)
        return false;
    char copy[128];
    snprintf(copy, sizeof(copy), "%s", s + 1);
    for (char *tok = strtok(copy, "&"); tok; tok = strtok(NULL, "&")) {
        char *eq = strchr(tok, '=');
        char name[64], val[64];
        decode(tok, eq ? (size_t)(eq - tok) : strlen(tok), name);
        if (strcmp(name, c->name) != 0)
            continue;
        decode(eq ? eq + 1 : "", eq ? strlen(eq + 1) : 0, val);
        return strcmp(val, c->value) == 0; /* the first value */
    }
    return false;
}

static bool match_ok(const struct req *q, const char *path,
                     const struct gmatch *m)
{
    size_t pl = strlen(m->path);
    if (m->ptype == EXACT && strcmp(path, m->path) != 0)
        return false;
    if (m->ptype == PREFIX) {
        size_t vl = pl > 1 && m->path[pl - 1] == '/' ? pl - 1 : pl;
        if (!(vl == 1 || (strncmp(path, m->path, vl) == 0 &&
                          (path[vl] == '\0' || path[vl] == '/'))))
            return false;
    }
    if (m->ptype == REGEX && regexec(&m->re, path, 0, NULL, 0) != 0)
        return false;
    if (m->method && (!q->method || strcmp(q->method, methods[m->method])))
        return false;
    for (int i = 0; i < m->nh; i++)
        if (!header_ok(q, &m->h[i], &m->hre[i]))
            return false;
    for (int i = 0; i < m->nq; i++)
        if (!query_ok(q, &m->q[i]))
            return false;
    return true;
}

struct cand {
    int route, rule, match;
};

/* < 0 when a ranks before b (rule 31). */
static int rank_cmp(const struct gset *s, struct cand a, struct cand b)
{
    static const int cls[] = {0, 0, 2, 1}; /* EXACT 0, REGEX 1, PREFIX 2 */
    const struct groute *ra = &s->rt[a.route], *rb = &s->rt[b.route];
    const struct gmatch *x = &ra->r[a.rule].m[a.match];
    const struct gmatch *y = &rb->r[b.rule].m[b.match];
    if (cls[x->ptype] != cls[y->ptype])
        return cls[x->ptype] - cls[y->ptype];
    int lx = (int)strlen(x->path), ly = (int)strlen(y->path);
    if (lx != ly)
        return ly - lx;
    if ((x->method != 0) != (y->method != 0))
        return x->method ? -1 : 1;
    if (x->nh != y->nh)
        return y->nh - x->nh;
    if (x->nq != y->nq)
        return y->nq - x->nq;
    int tx = ra->ts < 0 ? 99 : ra->ts, ty = rb->ts < 0 ? 99 : rb->ts;
    if (tx != ty)
        return tx - ty;
    char nx[20], ny[20];
    snprintf(nx, sizeof(nx), "%s/%s", ra->ns, ra->name);
    snprintf(ny, sizeof(ny), "%s/%s", rb->ns, rb->name);
    int c = strcmp(nx, ny);
    if (c)
        return c;
    if (a.rule != b.rule)
        return a.rule - b.rule;
    return a.match - b.match;
}

/* The winner, or route -1: 404. */
static struct cand reference(const struct gset *s, const struct req *q)
{
    struct cand best = {-1, 0, 0};
    char host[64];
    size_t hn = 0;
    for (const char *p = q->host; *p && *p != ':'; p++)
        host[hn++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    host[hn] = '\0';
    const char *g = ref_group(s, host);
    if (!g)
        return best;
    char path[128];
    memcpy(path, q->path, q->path_n);
    path[q->path_n] = '\0';
    for (int i = 0; i < s->n; i++) {
        if (!in_group(&s->rt[i], g))
            continue;
        for (int k = 0; k < s->rt[i].nrule; k++)
            for (int m = 0; m < s->rt[i].r[k].n; m++) {
                struct cand c = {i, k, m};
                if (match_ok(q, path, &s->rt[i].r[k].m[m]) &&
                    (best.route < 0 || rank_cmp(s, c, best) < 0))
                    best = c;
            }
    }
    return best;
}

/* ----------------------------------------------------------------- test */

static void test_differential(void **state)
{
    (void)state;
    double scale = 1.0;
    const char *env = getenv("KGRESS_TEST_SCALE");
    if (env && atof(env) > 0)
        scale = atof(env);
    long total = (long)(1000000 * scale);
    if (total < 2000)
        total = 2000;
    const long per_set = 250;
    long done = 0, sets = 0, matched = 0, by[4] = {0};
    struct gset *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    while (done < total) {
        gen_set(s);
        char *yaml = set_yaml(s);
        kg_builder *b = kg_builder_new(NULL);
        assert_non_null(b);
        assert_int_equal(kg_builder_add_buffer(b, "d.yaml", yaml, strlen(yaml)),
                         0);
        kg_ruleset *rs = NULL;
        int rc = kg_builder_compile(b, &rs);
        if (rc) {
            const kg_diagnostics *d = kg_builder_diagnostics(b);
            for (size_t k = 0; k < kg_diagnostics_count(d); k++) {
                char line[600];
                kg_diagnostic_format(d, k, line, sizeof(line));
                fprintf(stderr, "%s\n", line);
            }
            fprintf(stderr, "%s\n", yaml);
        }
        assert_int_equal(rc, 0);
        kg_builder_free(b);
        for (long i = 0; i < per_set; i++, done++) {
            struct req q;
            gen_req(&q);
            struct cand want = reference(s, &q);
            struct kgi_gw_req r = {
                .port = 80,
                .host = q.host,
                .host_len = strlen(q.host),
                .path = q.path,
                .path_len = strlen(q.path),
                .method = q.method,
                .method_len = q.method ? strlen(q.method) : 0,
                .headers = q.h,
                .n_headers = (size_t)q.nh,
            };
            char buf[512];
            struct kgi_gw_res res;
            rc = kgi_gw_lookup(rs->routes->gw, &r, buf, sizeof(buf), &res);
            int got_route = -1, got_rule = 0, got_match = 0;
            if (rc == 0) {
                const struct kgi_gw_action *a = res.cand->act;
                for (int k = 0; k < s->n; k++)
                    if (strlen(s->rt[k].name) == a->name.n &&
                        memcmp(s->rt[k].name, a->name.p, a->name.n) == 0)
                        got_route = k;
                got_rule = (int)a->rule;
                got_match = (int)res.cand->match;
            }
            bool ok = (rc == 0 || rc == KG_ENOMATCH) &&
                      got_route == want.route &&
                      (want.route < 0 ||
                       (got_rule == want.rule && got_match == want.match));
            if (!ok) {
                fprintf(stderr, "%s\n", yaml);
                fprintf(stderr, "MISMATCH set %ld: %s %s %s", sets,
                        q.method ? q.method : "-", q.host, q.path);
                for (int h = 0; h < q.nh; h++)
                    fprintf(stderr, " [%s: %s]", q.h[h].name, q.h[h].value);
                fprintf(stderr,
                        "\n  lookup rc %d: r%d rule %d match %d\n"
                        "  reference: r%d rule %d match %d\n",
                        rc, got_route, got_rule, got_match, want.route,
                        want.rule, want.match);
                fail();
            }
            if (want.route >= 0) {
                matched++;
                by[s->rt[want.route].r[want.rule].m[want.match].ptype]++;
            }
        }
        kg_ruleset_unref(rs);
        free(yaml);
        free_set(s);
        sets++;
    }
    free(s);
    fprintf(stderr,
            "gateway differential: %ld requests over %ld route sets, %ld "
            "matched (Exact %ld, PathPrefix %ld, RegularExpression %ld)\n",
            done, sets, matched, by[EXACT], by[PREFIX], by[REGEX]);
    /* the generator must exercise every outcome */
    assert_true(matched > done / 5);
    assert_true(matched < done - done / 20);
    assert_true(by[EXACT] > done / 100 && by[REGEX] > done / 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
