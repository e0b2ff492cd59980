// SPDX-License-Identifier: MIT
/*
 * fuzz_route_diff.c - differential: compiled host tables and path tries
 * against a linear reference of the Ingress rules, on fuzzer-built rule
 * sets (portable dialect, normalization on).
 *
 * The generator writes one Ingress "main" with up to 12 (host, path,
 * pathType) entries drawn from small alphabets, so that hosts collide
 * (exact vs wildcard vs host-less), paths nest and share element
 * prefixes (/a, /a/b, /ab), Exact and Prefix meet on the same path, and
 * duplicates occur. Optionally a defaultBackend on "main" and a second,
 * newer Ingress "zdefault" with only a defaultBackend. Requests vary case,
 * port, trailing dot, trailing slash and query.
 *
 * The reference is the rule text of ingress-semantics.md, read as plainly
 * as possible:
 *   host: lower-case, strip ":port" and one trailing dot; group = rules
 *     whose host equals it, else rules "*.rest" where the host is
 *     "label.rest" with one non-empty label, else host-less rules;
 *   path: cut at '?'/'#'; an Exact entry equal to it wins; else the
 *     longest Prefix p with p == "/" or path == p or path starting with
 *     p + "/"; among equal (path, type) the first listed wins;
 *   miss: the one cluster-wide default, the older Ingress's (main's,
 *     else zdefault's), else no match.
 * Paths are generated without trailing slashes and dot segments, where
 * the two readings of "longest" (characters, elements) agree.
 */
#include "fuzz_common.h"

#define MAX_ENTRIES 12

static const char *const g_hosts[] = {"a.com",     "b.a.com",   "*.a.com",
                                      "c.b.a.com", "*.b.a.com", ""};
static const char *const g_segs[] = {"a", "b", "ab", "c"};

struct entry {
    char host[16];
    char path[32];
    bool exact;
    char service[8];
};

struct rules {
    struct entry e[MAX_ENTRIES];
    size_t n;
    bool main_default, global_default;
};

static void gen_path(struct fz_in *in, char *out, size_t cap)
{
    unsigned depth = fz_u8(in) % 4; /* 0: "/" */
    size_t len = 0;
    out[len++] = '/';
    for (unsigned d = 0; d < depth; d++) {
        const char *s = g_segs[fz_u8(in) % 4];
        if (d)
            out[len++] = '/';
        size_t sl = strlen(s);
        FZ_CHECK(len + sl + 1 < cap);
        memcpy(out + len, s, sl);
        len += sl;
    }
    out[len] = '\0';
}

static void gen(struct fz_in *in, struct rules *r)
{
    uint8_t f = fz_u8(in);
    r->main_default = f & 1;
    r->global_default = f & 2;
    r->n = 1 + fz_u8(in) % MAX_ENTRIES;
    for (size_t i = 0; i < r->n; i++) {
        struct entry *e = &r->e[i];
        snprintf(e->host, sizeof(e->host), "%s", g_hosts[fz_u8(in) % 6]);
        gen_path(in, e->path, sizeof(e->path));
        e->exact = fz_u8(in) & 1;
        snprintf(e->service, sizeof(e->service), "s%zu", i);
    }
}

static void write_yaml(const struct rules *r, struct fz_buf *b)
{
    fz_printf(b, "apiVersion: v1\nkind: List\nitems:\n"
                 "- apiVersion: networking.k8s.io/v1\n  kind: Ingress\n"
                 "  metadata: {name: main, namespace: ns, creationTimestamp: "
                 "\"2024-01-01T00:00:00Z\"}\n  spec:\n");
    if (r->main_default)
        fz_printf(b, "    defaultBackend: {service: {name: main-default, "
                     "port: {number: 80}}}\n");
    fz_printf(b, "    rules:\n");
    /* one rule per entry: rules of the same host merge */
    for (size_t i = 0; i < r->n; i++) {
        const struct entry *e = &r->e[i];
        if (e->host[0])
            fz_printf(b, "    - host: \"%s\"\n      http:\n        paths:\n",
                      e->host);
        else
            fz_printf(b, "    - http:\n        paths:\n");
        fz_printf(b,
                  "        - {path: \"%s\", pathType: %s, backend: "
                  "{service: {name: %s, port: {number: 80}}}}\n",
                  e->path, e->exact ? "Exact" : "Prefix", e->service);
    }
    if (r->global_default)
        fz_printf(b, "- apiVersion: networking.k8s.io/v1\n  kind: Ingress\n"
                     "  metadata: {name: zdefault, namespace: ns, "
                     "creationTimestamp: \"2024-01-02T00:00:00Z\"}\n"
                     "  spec:\n    defaultBackend: {service: {name: "
                     "global-default, port: {number: 80}}}\n");
}

/* ------------------------------------------------------------ reference */

struct ref_answer {
    bool match;
    const char *service; /* entry service, "main-default", "global-default" */
    int path_type;
    const char *matched;
};

static bool prefix_matches(const char *p, const char *path)
{
    if (strcmp(p, "/") == 0)
        return true;
    size_t n = strlen(p);
    return strncmp(path, p, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static struct ref_answer reference(const struct rules *r, const char *host,
                                   const char *path_in)
{
    struct ref_answer a = {false, NULL, KG_PATH_NONE, ""};
    char h[64], path[128];
    size_t hn = 0;
    for (const char *c = host; *c && *c != ':' && hn + 1 < sizeof(h); c++)
        h[hn++] = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    h[hn] = '\0';
    if (hn && h[hn - 1] == '.')
        h[--hn] = '\0';
    size_t pn = strcspn(path_in, "?#");
    snprintf(path, sizeof(path), "%.*s", (int)pn, path_in);

    /* the host group */
    const char *group = NULL;
    for (size_t i = 0; i < r->n && !group; i++)
        if (r->e[i].host[0] && strcmp(r->e[i].host, h) == 0)
            group = r->e[i].host;
    const char *dot = strchr(h, '.');
    if (!group && dot && dot != h) {
        for (size_t i = 0; i < r->n && !group; i++)
            if (r->e[i].host[0] == '*' && strcmp(r->e[i].host + 1, dot) == 0)
                group = r->e[i].host;
    }
    if (!group) {
        for (size_t i = 0; i < r->n && !group; i++)
            if (!r->e[i].host[0])
                group = "";
    }

    const struct entry *best = NULL;
    if (group) {
        for (size_t i = 0; i < r->n; i++) {
            const struct entry *e = &r->e[i];
            if (strcmp(e->host, group) != 0)
                continue;
            if (e->exact) {
                if (strcmp(e->path, path) == 0 && (!best || !best->exact))
                    best = e;
            } else if (prefix_matches(e->path, path)) {
                if (!best ||
                    (!best->exact && strlen(e->path) > strlen(best->path)))
                    best = e;
            }
        }
    }
    if (best) {
        a.match = true;
        a.service = best->service;
        a.path_type = best->exact ? KG_PATH_EXACT : KG_PATH_PREFIX;
        a.matched = best->path;
    } else if (r->main_default) { /* the older of the two defaults */
        a.match = true;
        a.service = "main-default";
    } else if (r->global_default) {
        a.match = true;
        a.service = "global-default";
    }
    return a;
}

/* ------------------------------------------------------------ requests */

static void request(struct fz_in *in, char *host, size_t hcap, char *path,
                    size_t pcap)
{
    static const char *const req_hosts[] = {
        "a.com", "b.a.com", "x.a.com", "c.b.a.com", "d.b.a.com",    "other.org",
        "",      "A.COM",   "B.a.Com", "a.com.",    "x.a.com:8080", "a.a.com"};
    uint8_t f = fz_u8(in);
    snprintf(host, hcap, "%s", req_hosts[f % 12]);
    gen_path(in, path, pcap - 8);
    size_t n = strlen(path);
    uint8_t g = fz_u8(in);
    if ((g & 1) && n > 1)
        path[n++] = '/';
    if (g & 2) {
        memcpy(path + n, "?q=/a", 5);
        n += 5;
    }
    path[n] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_in in = {data, size};
    struct rules r;
    memset(&r, 0, sizeof(r));
    gen(&in, &r);
    struct fz_buf b = {0};
    write_yaml(&r, &b);

    kg_builder *bl = kg_builder_new(NULL);
    FZ_CHECK(bl != NULL);
    FZ_CHECK(kg_builder_add_buffer(bl, "diff.yaml", b.p, b.n) == 0);
    kg_ruleset *rs = NULL;
    int rc = kg_builder_compile(bl, &rs);
    if (rc != 0) {
        const kg_diagnostics *d = kg_builder_diagnostics(bl);
        for (size_t i = 0; i < kg_diagnostics_count(d); i++) {
            char line[512];
            kg_diagnostic_format(d, i, line, sizeof(line));
            fprintf(stderr, "%s\n", line);
        }
        fprintf(stderr, "%s", b.p);
    }
    FZ_CHECK(rc == 0);
    kg_builder_free(bl);

    for (int k = 0; k < 24; k++) {
        char host[64], path[64], buf[80];
        if (k < 12) {
            /* every generated path on a few hosts */
            const struct entry *e = &r.e[k % r.n];
            if (e->host[0] == '*')
                snprintf(host, sizeof(host), "q%s", e->host + 1);
            else
                snprintf(host, sizeof(host), "%s", e->host);
            snprintf(path, sizeof(path), "%s", e->path);
        } else {
            if (!in.n)
                break;
            request(&in, host, sizeof(host), path, sizeof(path));
        }
        struct kg_route out;
        memset(&out, 0, sizeof(out));
        out.size = sizeof(out);
        int got = kg_route(rs, host, strlen(host), path, strlen(path), buf,
                           sizeof(buf), &out);
        struct ref_answer want = reference(&r, host, path);
        bool ok = (got == 0) == want.match && (got == 0 || got == KG_ENOMATCH);
        if (ok && want.match) {
            ok = strcmp(out.service, want.service) == 0 &&
                 out.path_type == want.path_type &&
                 strcmp(out.matched_path, want.matched) == 0 &&
                 out.is_default == (want.path_type == KG_PATH_NONE);
        }
        if (!ok) {
            fprintf(stderr,
                    "route_diff: host \"%s\" path \"%s\": got %s %s %s, "
                    "want %s %s\nrules:\n%s",
                    host, path, kg_error_name(got), got == 0 ? out.service : "",
                    got == 0 ? out.matched_path : "",
                    want.match ? want.service : "no match",
                    want.match ? want.matched : "", b.p);
            abort();
        }
    }
    kg_ruleset_unref(rs);
    fz_free(&b);
    return 0;
}
