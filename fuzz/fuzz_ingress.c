// SPDX-License-Identifier: MIT
/*
 * fuzz_ingress.c - the Ingress compiler (model, validation, host tables,
 * path tries, regex paths, TLS, classes), then routes on what it built.
 *
 * Two input forms. Text (first byte printable or whitespace) is compiled
 * as YAML under both dialects, so the seeds are ordinary manifests. Binary
 * (first byte < 0x09) drives a generator that writes 1-4 Ingresses (plus an
 * IngressClass) as JSON, each field either a value that passes validation
 * or raw fuzz bytes: most inputs then get past the YAML and metadata
 * stages into the compiler itself. With KGF_HAVE_ROUTE every compiled
 * ruleset also answers requests derived from the input.
 */
#include "fuzz_common.h"

static const char *const hosts[] = {"foo.bar.com",
                                    "*.foo.com",
                                    "bar.foo.com",
                                    "a.b",
                                    "x",
                                    "FOO.bar.com",
                                    "*.bar.com",
                                    "exact-path-rules",
                                    "xn--bcher-kva.example",
                                    "",
                                    "foo..bar",
                                    "*",
                                    "1.2.3.4",
                                    "foo.bar.com:80"};
static const char *const paths[] = {
    "/",          "/foo",          "/foo/",     "/foo/bar",
    "/aaa/bbb",   "/aaa",          "/aaa/bbb/", "/a/b/c/d/e",
    "",           "foo",           "/foo//bar", "/foo/../x",
    "/(.*)",      "/api(/|$)(.*)", "/x/[a-z]+", "/%2F",
    "/((a+)+)+$", "/.well-known"};
static const char *const types[] = {"Exact", "Prefix", "ImplementationSpecific",
                                    "Bogus", ""};
static const char *const names[] = {"svc",
                                    "web",
                                    "api",
                                    "Bad_Name",
                                    "a",
                                    ("very-long-name-very-long-name-very-long-"
                                     "name-very-long-name-0123")};

#define PICK FZ_PICK

static void put_backend(struct fz_buf *b, struct fz_in *in)
{
    uint8_t k = fz_u8(in);
    if ((k & 7) == 7) {
        fz_printf(b, "{\"resource\":{\"apiGroup\":\"k8s.example.com\","
                     "\"kind\":\"Bucket\",\"name\":");
        PICK(b, in, names, 16);
        fz_printf(b, "}}");
        return;
    }
    fz_printf(b, "{\"service\":{\"name\":");
    PICK(b, in, names, 16);
    if (k & 8)
        fz_printf(b, ",\"port\":{\"name\":\"http\"}}}");
    else if (k & 16)
        fz_printf(b, ",\"port\":{\"number\":%d}}}", (int)fz_u16(in) - 100);
    else
        fz_printf(b, ",\"port\":{\"number\":%u}}}", 80u + (k >> 5));
}

static void gen(struct fz_buf *b, struct fz_in *in)
{
    fz_printf(b, "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"List\","
                 "\"items\":[{\"apiVersion\":\"networking.k8s.io/v1\","
                 "\"kind\":\"IngressClass\",\"metadata\":{\"name\":\"nginx\","
                 "\"annotations\":{\"ingressclass.kubernetes.io/"
                 "is-default-class\":\"true\"}},\"spec\":{\"controller\":"
                 "\"k8s.io/ingress-nginx\"}}");
    unsigned n_ing = 1 + fz_u8(in) % 4;
    for (unsigned i = 0; i < n_ing && in->n; i++) {
        uint8_t f = fz_u8(in);
        fz_printf(b,
                  ",{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":"
                  "\"Ingress\",\"metadata\":{\"name\":\"ing%u\","
                  "\"namespace\":\"ns%u\"",
                  i, f & 1);
        if (f & 2)
            fz_printf(b, ",\"creationTimestamp\":\"2024-01-0%uT00:00:00Z\"",
                      1 + (f >> 5) % 9);
        if (f & 4) {
            fz_printf(b, ",\"annotations\":{\"nginx.ingress.kubernetes.io/"
                         "use-regex\":\"true\"");
            if (f & 8)
                fz_printf(b, ",\"nginx.ingress.kubernetes.io/rewrite-target\""
                             ":\"/$2\"");
            fz_printf(b, "}");
        }
        fz_printf(b, "},\"spec\":{");
        const char *sep = "";
        if (f & 16) {
            fz_printf(b, "\"ingressClassName\":\"nginx\"");
            sep = ",";
        }
        if (fz_u8(in) & 1) {
            fz_printf(b, "%s\"defaultBackend\":", sep);
            put_backend(b, in);
            sep = ",";
        }
        if (fz_u8(in) & 1) {
            fz_printf(b, "%s\"tls\":[{\"hosts\":[", sep);
            PICK(b, in, hosts, 32);
            fz_printf(b, "],\"secretName\":\"tls-secret\"}]");
            sep = ",";
        }
        unsigned n_rules = fz_u8(in) % 5;
        fz_printf(b, "%s\"rules\":[", sep);
        for (unsigned r = 0; r < n_rules && in->n; r++) {
            fz_printf(b, "%s{", r ? "," : "");
            uint8_t rf = fz_u8(in);
            if (rf & 1) {
                fz_printf(b, "\"host\":");
                PICK(b, in, hosts, 64);
                fz_printf(b, ",");
            }
            fz_printf(b, "\"http\":{\"paths\":[");
            unsigned n_paths = 1 + fz_u8(in) % 5;
            for (unsigned p = 0; p < n_paths && in->n; p++) {
                fz_printf(b, "%s{\"path\":", p ? "," : "");
                PICK(b, in, paths, 64);
                fz_printf(b, ",\"pathType\":");
                PICK(b, in, types, 8);
                fz_printf(b, ",\"backend\":");
                put_backend(b, in);
                fz_printf(b, "}");
            }
            fz_printf(b, "]}}");
        }
        fz_printf(b, "]}}");
    }
    fz_printf(b, "]}\n");
}

#ifdef KGF_HAVE_ROUTE
#include "fuzz_route_probe.h"
#endif

static void compile_and_probe(const kg_options *o, const char *text, size_t len,
                              struct fz_in probe)
{
    kg_ruleset *rs = fz_compile(o, text, len);
    if (!rs)
        return;
    fz_dump(rs);
#ifdef KGF_HAVE_ROUTE
    fz_route_probe(rs, probe);
#else
    (void)probe;
#endif
    kg_ruleset_unref(rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kg_options *o = kg_options_new();
    FZ_CHECK(o != NULL);
    struct fz_in all = {data, size};
    if (size && data[0] < 0x09) {
        struct fz_in in = {data + 1, size - 1};
        struct fz_buf b = {0};
        uint8_t mode = data[0];
        gen(&b, &in);
        if (mode & 1)
            FZ_CHECK(kg_options_set_dialect(o, KG_DIALECT_INGRESS_NGINX) == 0);
        if (mode & 2)
            FZ_CHECK(kg_options_set_flag(o, KG_FLAG_SKIP_INVALID, true) == 0);
        if (mode & 4)
            FZ_CHECK(kg_options_set_ingress_class(o, "nginx", 5) == 0);
        compile_and_probe(o, b.p, b.n, in);
        fz_free(&b);
    } else {
        compile_and_probe(o, (const char *)data, size, all);
        FZ_CHECK(kg_options_set_dialect(o, KG_DIALECT_INGRESS_NGINX) == 0);
        FZ_CHECK(kg_options_set_flag(o, KG_FLAG_SKIP_INVALID, true) == 0);
        compile_and_probe(o, (const char *)data, size, all);
    }
    kg_options_free(o);
    return 0;
}
