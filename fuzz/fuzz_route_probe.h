// SPDX-License-Identifier: MIT
/*
 * fuzz_route_probe.h - properties every kg_route / kg_tls_lookup answer
 * must have, whatever the ruleset, checked on requests cut from fuzz bytes.
 * Included by the targets that build rulesets (fuzz_ingress, fuzz_route).
 *
 *   - the return code is a documented one; with cap = path_len + 2 the
 *     buffer is always large enough;
 *   - every string of the answer is non-NULL, NUL-terminated at its
 *     length; normalized_path lies in the caller's buffer;
 *   - host and path are read through exact-size heap copies, so a read past
 *     either is caught by ASan/valgrind;
 *   - normalization is idempotent: routing the normalized path again gives
 *     the same answer and the same normalized path;
 *   - the host is case-insensitive, and a ":port" or one trailing dot do
 *     not change the answer.
 */
#ifndef KGRESS_FUZZ_ROUTE_PROBE_H
#define KGRESS_FUZZ_ROUTE_PROBE_H

#include "fuzz_common.h"

static inline void fz_check_str(const char *s, size_t n)
{
    FZ_CHECK(s != NULL);
    FZ_CHECK(s[n] == '\0');
}

struct fz_answer {
    int rc;
    struct kg_route r;
    char norm[4096 + 8];
};

/* Routes through exact-size copies; the answer's normalized path is copied
 * out (the buffer it points into is freed here). */
static inline void fz_route_once(const kg_ruleset *rs, const char *host,
                                 size_t hn, const char *path, size_t pn,
                                 struct fz_answer *a)
{
    char *h = malloc(hn ? hn : 1), *p = malloc(pn ? pn : 1);
    size_t cap = pn + 2;
    char *buf = malloc(cap);
    FZ_CHECK(h && p && buf);
    if (hn)
        memcpy(h, host, hn);
    if (pn)
        memcpy(p, path, pn);
    memset(&a->r, 0, sizeof(a->r));
    a->r.size = sizeof(a->r);
    a->rc = kg_route(rs, hn ? h : NULL, hn, pn ? p : NULL, pn, buf, cap, &a->r);
    int rc = a->rc;
    if (rc != 0 && rc != KG_ENOMATCH && rc != KG_EREQUEST &&
        rc != KG_ELIMIT_MATCH) {
        fprintf(stderr, "kg_route: unexpected %s\n", kg_error_name(rc));
        abort();
    }
    a->norm[0] = '\0';
    if (rc == 0 || rc == KG_ENOMATCH) {
        const struct kg_route *r = &a->r;
        fz_check_str(r->normalized_path, r->normalized_path_len);
        FZ_CHECK(r->normalized_path >= buf &&
                 r->normalized_path + r->normalized_path_len < buf + cap);
        FZ_CHECK(r->normalized_path_len <= pn + 1);
        if (r->normalized_path_len < sizeof(a->norm)) {
            memcpy(a->norm, r->normalized_path, r->normalized_path_len + 1);
        }
        a->r.normalized_path = NULL; /* points into buf, freed below */
    }
    if (rc == 0) {
        const struct kg_route *r = &a->r;
        fz_check_str(r->ns, r->ns_len);
        fz_check_str(r->ingress, r->ingress_len);
        fz_check_str(r->service, r->service_len);
        fz_check_str(r->port_name, r->port_name_len);
        fz_check_str(r->resource_api_group, r->resource_api_group_len);
        fz_check_str(r->resource_kind, r->resource_kind_len);
        fz_check_str(r->resource_name, r->resource_name_len);
        fz_check_str(r->matched_path, r->matched_path_len);
        FZ_CHECK(r->ns_len > 0 && r->ingress_len > 0);
        FZ_CHECK(r->path_type >= KG_PATH_NONE &&
                 r->path_type <= KG_PATH_IMPLEMENTATION_SPECIFIC);
        FZ_CHECK(r->is_default == (r->path_type == KG_PATH_NONE));
        if (r->is_resource)
            FZ_CHECK(r->service_len == 0 && r->resource_name_len > 0);
        else
            FZ_CHECK(r->service_len > 0 &&
                     (r->port != 0) != (r->port_name_len != 0));
    }
    free(h);
    free(p);
    free(buf);
}

static inline bool fz_same_answer(const struct fz_answer *a,
                                  const struct fz_answer *b)
{
    if (a->rc != b->rc)
        return false;
    if (a->rc != 0)
        return true;
    return a->r.ns == b->r.ns && a->r.ingress == b->r.ingress &&
           a->r.service == b->r.service && a->r.port == b->r.port &&
           a->r.matched_path == b->r.matched_path &&
           a->r.path_type == b->r.path_type &&
           a->r.is_default == b->r.is_default;
}

static inline void fz_route_request(const kg_ruleset *rs, const char *host,
                                    size_t hn, const char *path, size_t pn)
{
    static struct fz_answer a, b;
    fz_route_once(rs, host, hn, path, pn, &a);

    /* idempotent normalization */
    if ((a.rc == 0 || a.rc == KG_ENOMATCH) && a.norm[0] == '/' &&
        strlen(a.norm) < 4096) {
        fz_route_once(rs, host, hn, a.norm, strlen(a.norm), &b);
        if (!fz_same_answer(&a, &b) || strcmp(a.norm, b.norm) != 0) {
            fprintf(stderr,
                    "route not idempotent: path \"%.*s\" -> \"%s\" (%s) -> "
                    "\"%s\" (%s)\n",
                    (int)pn, path, a.norm, kg_error_name(a.rc), b.norm,
                    kg_error_name(b.rc));
            abort();
        }
    }

    /* host variants: upper case, a port, a trailing dot */
    if (a.rc == KG_EREQUEST || hn == 0 || hn > 200)
        return;
    for (size_t i = 0; i < hn; i++)
        if (host[i] == ':' || host[i] == '[' || host[i] == ']' ||
            (unsigned char)host[i] >= 0x80)
            return;
    if (host[hn - 1] == '.')
        return;
    char v[256];
    for (size_t i = 0; i < hn; i++)
        v[i] =
            (host[i] >= 'a' && host[i] <= 'z') ? (char)(host[i] - 32) : host[i];
    fz_route_once(rs, v, hn, path, pn, &b);
    FZ_CHECK(fz_same_answer(&a, &b));
    memcpy(v, host, hn);
    memcpy(v + hn, ":8443", 5);
    fz_route_once(rs, v, hn + 5, path, pn, &b);
    FZ_CHECK(fz_same_answer(&a, &b));
    v[hn] = '.';
    fz_route_once(rs, v, hn + 1, path, pn, &b);
    FZ_CHECK(fz_same_answer(&a, &b));
}

static inline void fz_tls_request(const kg_ruleset *rs, const char *host,
                                  size_t hn)
{
    char *h = malloc(hn ? hn : 1);
    FZ_CHECK(h != NULL);
    if (hn)
        memcpy(h, host, hn);
    struct kg_tls t;
    memset(&t, 0, sizeof(t));
    t.size = sizeof(t);
    int rc = kg_tls_lookup(rs, hn ? h : NULL, hn, &t);
    FZ_CHECK(rc == 0 || rc == KG_ENOMATCH || rc == KG_EREQUEST);
    if (rc == 0) {
        fz_check_str(t.ns, t.ns_len);
        fz_check_str(t.secret, t.secret_len);
        fz_check_str(t.ingress, t.ingress_len);
        fz_check_str(t.host, t.host_len);
    }
    free(h);
}

/* Requests from the remaining fuzz bytes: (host, path) token pairs. */
static inline void fz_route_probe(const kg_ruleset *rs, struct fz_in in)
{
    static const char *const hosts[] = {
        "foo.bar.com", "bar.foo.com", "x", "a.b", "", "sub.bar.com"};
    static const char *const paths[] = {
        "/", "/foo", "/foo/", "/aaa/bbb/ccc", "/api/x?q=1", "/something/abc"};
    for (size_t i = 0; i < 6; i++)
        fz_route_request(rs, hosts[i], strlen(hosts[i]), paths[i],
                         strlen(paths[i]));
    for (int k = 0; k < 8 && in.n; k++) {
        const uint8_t *h, *p;
        size_t hn = fz_token(&in, &h, 64);
        size_t pn = fz_token(&in, &p, 200);
        fz_route_request(rs, (const char *)h, hn, (const char *)p, pn);
        fz_tls_request(rs, (const char *)h, hn);
    }
}

#endif
