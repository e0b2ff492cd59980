// SPDX-License-Identifier: MIT
/*
 * test_ingress_model.c - the Ingress and IngressClass model and its
 * validation (route/ingress_model).
 *
 * Small YAML documents go through the real stages (kgi_yaml_load,
 * kgi_meta_kind/kgi_meta_read, kgi_ingress_read/kgi_ingress_class_read) and
 * every diagnostic is compared with the expected list: code, field path,
 * line:column, severity, in order, nothing more. Inline tables cover each
 * rule of ingress-semantics.md §A; the data-driven part runs every
 * tests/data/ingress/invalid/NAME.yaml against NAME.expect (one
 * `[warning ]CODE path line:col` per line) and every valid/NAME.yaml
 * (no diagnostics unless NAME.expect lists them). Then the model's content
 * is checked on a valid object, and allocations are made to fail at every
 * N.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kgress.h"
#include "route/ingress_model.h"
#include "util/alloc.h"
#include "yaml/load.h"

static const char *data_dir = "tests/data/ingress";

/* ------------------------------------------------------------- fixture */

#define MAX_OBJS 16

struct fx {
    struct kg_options opts;
    struct kgi_arena arena;
    struct kgi_objects objs;
    struct kg_diagnostics diags;
    struct kgi_meta metas[MAX_OBJS];
    struct kgi_ingress ing[MAX_OBJS];
    struct kgi_ingress_class cls[MAX_OBJS];
    size_t n_ing, n_cls;
    int load_rc;
    bool valid; /* every object read was valid */
};

static void fx_load_opts(struct fx *f, const char *name, const char *yaml,
                         size_t len, const struct kg_options *opts)
{
    memset(f, 0, sizeof(*f));
    if (opts)
        f->opts = *opts;
    else
        kgi_options_defaults(&f->opts);
    kgi_arena_init(&f->arena);
    kgi_diag_init(&f->diags);
    f->valid = true;
    f->load_rc = kgi_yaml_load(&f->opts, name, yaml, len, &f->arena, &f->objs,
                               &f->diags);
    if (f->load_rc)
        return;
    for (size_t i = 0; i < f->objs.n && i < MAX_OBJS; i++) {
        struct kgi_ctx c;
        kgi_ctx_init(&c, &f->diags, &f->arena, &f->opts, f->objs.v[i].file);
        int kind = kgi_meta_kind(&c, f->objs.v[i].root);
        if (kind != KGI_KIND_INGRESS && kind != KGI_KIND_INGRESSCLASS)
            continue;
        struct kgi_meta *m = &f->metas[i];
        if (!kgi_meta_read(&c, f->objs.v[i].root, kind, m)) {
            f->valid = false;
            continue;
        }
        bool ok = kind == KGI_KIND_INGRESS
                      ? kgi_ingress_read(&c, m, &f->ing[f->n_ing++])
                      : kgi_ingress_class_read(&c, m, &f->cls[f->n_cls++]);
        /* the reader's verdict and its diagnostics agree */
        assert_int_equal(ok, c.errors == 0);
        if (!ok)
            f->valid = false;
    }
}

static void fx_load(struct fx *f, const char *yaml)
{
    fx_load_opts(f, "t.yaml", yaml, strlen(yaml), NULL);
}

static void fx_free(struct fx *f)
{
    kgi_free(f->objs.v);
    kgi_arena_release(&f->arena);
    kgi_diag_release(&f->diags);
}

struct exp {
    int code;
    const char *path;
    unsigned line, col;
    int severity; /* KG_SEVERITY_ERROR (0) unless set */
};

static void dump_diags(const struct kg_diagnostics *d)
{
    for (size_t i = 0; i < d->n; i++)
        print_message("  got: %s%s %s %u:%u  %s\n",
                      d->v[i].severity ? "warning " : "",
                      kg_error_name(d->v[i].code), d->v[i].path, d->v[i].line,
                      d->v[i].column, d->v[i].message);
}

/* Compares every diagnostic with exp[0..n); returns false (after printing
 * both lists) on any difference. */
static bool diags_match(const char *what, const struct kg_diagnostics *d,
                        const struct exp *exp, size_t n)
{
    bool same = d->n == n;
    for (size_t i = 0; same && i < n; i++) {
        const struct kgi_diag *g = &d->v[i];
        same = g->code == exp[i].code && strcmp(g->path, exp[i].path) == 0 &&
               g->line == exp[i].line && g->column == exp[i].col &&
               g->severity == exp[i].severity;
    }
    if (!same) {
        print_message("%s: diagnostics differ\n", what);
        for (size_t i = 0; i < n; i++)
            print_message("  want: %s%s %s %u:%u\n",
                          exp[i].severity ? "warning " : "",
                          kg_error_name(exp[i].code), exp[i].path, exp[i].line,
                          exp[i].col);
        dump_diags(d);
    }
    return same;
}

/* ------------------------------------------------------- inline tables */

#define HDR                                                                    \
    "apiVersion: networking.k8s.io/v1\n" /* 1 */                               \
    "kind: Ingress\n"                    /* 2 */                               \
    "metadata:\n"                        /* 3 */                               \
    "  name: web\n"                      /* 4 */                               \
    "  namespace: shop\n"                /* 5 */
#define SPEC HDR "spec:\n"               /* 6 */
/* a rule of host h with one path (lines 7-16); lines 11 and 12 given */
#define RULE(h, path_line, type_line)                                          \
    "  rules:\n"                       /* 7 */                                 \
    "  - host: " h "\n"                /* 8 */                                 \
    "    http:\n"                      /* 9 */                                 \
    "      paths:\n"                   /* 10 */                                \
    "      - " path_line "\n"          /* 11 */                                \
    "        " type_line "\n"          /* 12 */                                \
    "        backend:\n"               /* 13 */                                \
    "          service:\n"             /* 14 */                                \
    "            name: svc\n"          /* 15 */                                \
    "            port: {number: 80}\n" /* 16 */
#define PATHS_OPEN                                                             \
    "  rules:\n"                 /* 7 */                                       \
    "  - http:\n"                /* 8 */                                       \
    "      paths:\n"             /* 9 */                                       \
    "      - path: /\n"          /* 10 */                                      \
    "        pathType: Prefix\n" /* 11 */                                      \
    "        backend:\n"         /* 12 */

#define E(code, path, l, c)                                                    \
    {                                                                          \
        code, path, l, c, 0                                                    \
    }
#define W(code, path, l, c)                                                    \
    {                                                                          \
        code, path, l, c, 1                                                    \
    }
#define P0 "spec.rules[0].http.paths[0]."

struct model_case {
    const char *name;
    const char *yaml;
    struct exp exp[8];
};

static const struct model_case cases[] = {
    {"valid", SPEC RULE("a.example.com", "path: /", "pathType: Prefix"), {{0}}},
    {"valid single-label host",
     SPEC RULE("exact-path-rules", "path: /foo", "pathType: Exact"),
     {{0}}},
    {"valid wildcard",
     SPEC RULE("'*.foo.com'", "path: /", "pathType: Prefix"),
     {{0}}},
    {"valid no path ImplementationSpecific",
     SPEC RULE("a.b", "pathType: ImplementationSpecific", "# no path"),
     {{0}}},
    {"valid only defaultBackend",
     SPEC
     "  defaultBackend:\n    service: {name: echo, port: {number: 8080}}\n",
     {{0}}},
    {"valid resource backend",
     SPEC "  defaultBackend:\n    resource: {apiGroup: k8s.example.com, kind: "
          "StorageBucket, name: static-assets}\n",
     {{0}}},
    {"valid rule with host only",
     SPEC "  rules:\n  - host: a.b\n  defaultBackend:\n    service: {name: s, "
          "port: {name: http}}\n",
     {{0}}},
    /* rule 1: pathType */
    {"pathType missing",
     SPEC RULE("a.b", "path: /", "# no pathType"),
     {E(KG_EREQUIRED, P0 "pathType", 11, 9)}},
    {"pathType null",
     SPEC RULE("a.b", "path: /", "pathType: null"),
     {E(KG_EREQUIRED, P0 "pathType", 11, 9)}},
    {"pathType unsupported",
     SPEC RULE("a.b", "path: /", "pathType: Regex"),
     {E(KG_ENOTSUPPORTED, P0 "pathType", 12, 19)}},
    {"pathType lower case",
     SPEC RULE("a.b", "path: /", "pathType: prefix"),
     {E(KG_ENOTSUPPORTED, P0 "pathType", 12, 19)}},
    {"pathType not a string",
     SPEC RULE("a.b", "path: /", "pathType: [x]"),
     {E(KG_ETYPE, P0 "pathType", 12, 19)}},
    /* rule 2: Exact/Prefix path syntax */
    {"Exact relative",
     SPEC RULE("a.b", "path: foo", "pathType: Exact"),
     {E(KG_EINVALID, P0 "path", 11, 15)}},
    {"Prefix empty",
     SPEC RULE("a.b", "path: ''", "pathType: Prefix"),
     {E(KG_EINVALID, P0 "path", 11, 15)}},
    {"Prefix absent",
     SPEC RULE("a.b", "pathType: Prefix", "# no path"),
     {E(KG_EINVALID, P0 "path", 11, 9)}},
    {"Prefix every bad sequence",
     SPEC RULE("a.b", "path: /a//b/./c/../d%2fe%2F/.", "pathType: Prefix"),
     {E(KG_EINVALID, P0 "path", 11, 15), E(KG_EINVALID, P0 "path", 11, 15),
      E(KG_EINVALID, P0 "path", 11, 15), E(KG_EINVALID, P0 "path", 11, 15),
      E(KG_EINVALID, P0 "path", 11, 15), E(KG_EINVALID, P0 "path", 11, 15)}},
    {"Exact ends with /..",
     SPEC RULE("a.b", "path: /a/..", "pathType: Exact"),
     {E(KG_EINVALID, P0 "path", 11, 15)}},
    {"Exact ends with /.",
     SPEC RULE("a.b", "path: /a/.", "pathType: Exact"),
     {E(KG_EINVALID, P0 "path", 11, 15)}},
    {"Exact is /..",
     SPEC RULE("a.b", "path: /..", "pathType: Exact"),
     {E(KG_EINVALID, P0 "path", 11, 15)}},
    {"ImplementationSpecific relative",
     SPEC RULE("a.b", "path: foo", "pathType: ImplementationSpecific"),
     {E(KG_EINVALID, P0 "path", 11, 15)}},
    {"ImplementationSpecific allows //, warns",
     SPEC RULE("a.b", "path: /a//b", "pathType: ImplementationSpecific"),
     {W(KG_EWARNING, P0 "path", 11, 9)}},
    {"Prefix encoded dot segment warns",
     SPEC RULE("a.b", "path: /a/%2e%2e", "pathType: Prefix"),
     {W(KG_EWARNING, P0 "path", 11, 9)}},
    {"Exact bad escape: left to the compiler",
     SPEC RULE("a.b", "path: /a%zz", "pathType: Exact"),
     {{0}}},
    {"Prefix query: left to the compiler",
     SPEC RULE("a.b", "path: /a?x", "pathType: Prefix"),
     {{0}}},
    {"path with TAB",
     SPEC RULE("a.b", "path: \"/a\\tb\"", "pathType: Prefix"),
     {E(KG_EINVALID, P0 "path", 11, 15)}},
    {"path with NUL",
     SPEC RULE("a.b", "path: \"/a\\0b\"", "pathType: Exact"),
     {E(KG_EINVALID, P0 "path", 11, 15)}},
    {"path with newline",
     SPEC RULE("a.b", "path: \"/a\\nb\"", "pathType: ImplementationSpecific"),
     {E(KG_EINVALID, P0 "path", 11, 15)}},
    {"path with DEL",
     SPEC RULE("a.b", "path: \"/a\\x7f\"", "pathType: Exact"),
     {E(KG_EINVALID, P0 "path", 11, 15)}},
    {"path not a string",
     SPEC RULE("a.b", "path: 5", "pathType: Exact"),
     {E(KG_ETYPE, P0 "path", 11, 15)}},
    /* rule 3: hosts */
    {"host IPv4",
     SPEC RULE("10.0.0.1", "path: /", "pathType: Prefix"),
     {E(KG_EINVALID, "spec.rules[0].host", 8, 11)}},
    {"host IPv4 leading zeros",
     SPEC RULE("010.0.0.1", "path: /", "pathType: Prefix"),
     {E(KG_EINVALID, "spec.rules[0].host", 8, 11)}},
    {"host IPv6",
     SPEC RULE("'::1'", "path: /", "pathType: Prefix"),
     {E(KG_EINVALID, "spec.rules[0].host", 8, 11),
      E(KG_EINVALID, "spec.rules[0].host", 8, 11)}},
    {"host with port",
     SPEC RULE("foo.example.com:8080", "path: /", "pathType: Prefix"),
     {E(KG_EINVALID, "spec.rules[0].host", 8, 11)}},
    {"host upper case",
     SPEC RULE("Foo.com", "path: /", "pathType: Prefix"),
     {E(KG_EINVALID, "spec.rules[0].host", 8, 11)}},
    {"host trailing dot",
     SPEC RULE("foo.com.", "path: /", "pathType: Prefix"),
     {E(KG_EINVALID, "spec.rules[0].host", 8, 11)}},
    {"host star alone",
     SPEC RULE("'*'", "path: /", "pathType: Prefix"),
     {E(KG_EINVALID, "spec.rules[0].host", 8, 11)}},
    {"host star inside",
     SPEC RULE("foo.*.com", "path: /", "pathType: Prefix"),
     {E(KG_EINVALID, "spec.rules[0].host", 8, 11)}},
    {"host star glued",
     SPEC RULE("'*foo.com'", "path: /", "pathType: Prefix"),
     {E(KG_EINVALID, "spec.rules[0].host", 8, 11)}},
    {"host with NUL",
     SPEC RULE("\"a\\0.com\"", "path: /", "pathType: Prefix"),
     {E(KG_EINVALID, "spec.rules[0].host", 8, 11)}},
    {"host 254 characters",
     SPEC RULE(
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "path: /", "pathType: Prefix"),
     {E(KG_EINVALID, "spec.rules[0].host", 8, 11)}},
    {"host not a string",
     SPEC RULE("{a: b}", "path: /", "pathType: Prefix"),
     {E(KG_ETYPE, "spec.rules[0].host", 8, 11)}},
    /* rule 5: backends */
    {"backend missing",
     SPEC "  rules:\n  - http:\n      paths:\n      - path: /\n"
          "        pathType: Prefix\n",
     {E(KG_EINVALID, "spec.rules[0].http.paths[0].backend", 10, 9)}},
    {"backend empty",
     SPEC PATHS_OPEN "          {}\n",
     {E(KG_EINVALID, "spec.rules[0].http.paths[0].backend", 13, 11)}},
    {"backend both",
     SPEC PATHS_OPEN "          service: {name: s, port: {number: 1}}\n"
                     "          resource: {kind: K, name: m}\n",
     {E(KG_EINVALID, "spec.rules[0].http.paths[0].backend", 13, 11)}},
    {"service name missing",
     SPEC PATHS_OPEN "          service: {port: {number: 1}}\n",
     {E(KG_EREQUIRED, "spec.rules[0].http.paths[0].backend.service.name", 13,
        20)}},
    {"service name empty",
     SPEC PATHS_OPEN "          service: {name: '', port: {number: 1}}\n",
     {E(KG_EREQUIRED, "spec.rules[0].http.paths[0].backend.service.name", 13,
        27)}},
    {"service name invalid",
     SPEC PATHS_OPEN "          service: {name: Svc_1, port: {number: 1}}\n",
     {E(KG_EINVALID, "spec.rules[0].http.paths[0].backend.service.name", 13,
        27)}},
    {"service name digit first is a DNS-1123 label",
     SPEC PATHS_OPEN "          service: {name: 1st, port: {number: 1}}\n",
     {{0}}},
    {"port both",
     SPEC PATHS_OPEN "          service: {name: s, port: {number: 1, name: "
                     "http}}\n",
     {E(KG_EINVALID, "spec.rules[0].http.paths[0].backend", 13, 11)}},
    {"port neither",
     SPEC PATHS_OPEN "          service: {name: s, port: {}}\n",
     {E(KG_EREQUIRED, "spec.rules[0].http.paths[0].backend", 13, 36)}},
    {"port missing",
     SPEC PATHS_OPEN "          service: {name: s}\n",
     {E(KG_EREQUIRED, "spec.rules[0].http.paths[0].backend", 13, 20)}},
    {"port number 0 is unset",
     SPEC PATHS_OPEN "          service: {name: s, port: {number: 0}}\n",
     {E(KG_EREQUIRED, "spec.rules[0].http.paths[0].backend", 13, 36)}},
    {"port number too big",
     SPEC PATHS_OPEN "          service: {name: s, port: {number: 70000}}\n",
     {E(KG_EINVALID, "spec.rules[0].http.paths[0].backend.service.port.number",
        13, 45)}},
    {"port number negative",
     SPEC PATHS_OPEN "          service: {name: s, port: {number: -1}}\n",
     {E(KG_EINVALID, "spec.rules[0].http.paths[0].backend.service.port.number",
        13, 45)}},
    {"port number quoted",
     SPEC PATHS_OPEN "          service: {name: s, port: {number: '80'}}\n",
     {E(KG_ETYPE, "spec.rules[0].http.paths[0].backend.service.port.number", 13,
        45)}},
    {"port number beyond int32",
     SPEC PATHS_OPEN "          service: {name: s, port: {number: "
                     "4294967377}}\n",
     {E(KG_ETYPE, "spec.rules[0].http.paths[0].backend.service.port.number", 13,
        45)}},
    {"port name upper case",
     SPEC PATHS_OPEN "          service: {name: s, port: {name: HTTP}}\n",
     {E(KG_EINVALID, "spec.rules[0].http.paths[0].backend.service.port.name",
        13, 43)}},
    {"port name double hyphen",
     SPEC PATHS_OPEN "          service: {name: s, port: {name: a--b}}\n",
     {E(KG_EINVALID, "spec.rules[0].http.paths[0].backend.service.port.name",
        13, 43)}},
    {"port name digits only",
     SPEC PATHS_OPEN "          service: {name: s, port: {name: '123'}}\n",
     {E(KG_EINVALID, "spec.rules[0].http.paths[0].backend.service.port.name",
        13, 43)}},
    {"port name too long",
     SPEC PATHS_OPEN "          service: {name: s, port: {name: "
                     "abcdefghijklmnop}}\n",
     {E(KG_EINVALID, "spec.rules[0].http.paths[0].backend.service.port.name",
        13, 43)}},
    {"resource kind and name",
     SPEC PATHS_OPEN "          resource: {apiGroup: Bad_Group, name: a/b}\n",
     {E(KG_EINVALID, "spec.rules[0].http.paths[0].backend.resource.apiGroup",
        13, 32),
      E(KG_EREQUIRED, "spec.rules[0].http.paths[0].backend.resource.kind", 13,
        21),
      E(KG_EINVALID, "spec.rules[0].http.paths[0].backend.resource.name", 13,
        49)}},
    {"resource name dot dot",
     SPEC PATHS_OPEN "          resource: {kind: K, name: '..'}\n",
     {E(KG_EINVALID, "spec.rules[0].http.paths[0].backend.resource.name", 13,
        37)}},
    {"resource kind percent",
     SPEC PATHS_OPEN "          resource: {kind: 'a%b', name: m}\n",
     {E(KG_EINVALID, "spec.rules[0].http.paths[0].backend.resource.kind", 13,
        28)}},
    {"defaultBackend without port",
     SPEC "  defaultBackend:\n    service: {name: echo}\n",
     {E(KG_EREQUIRED, "spec.defaultBackend", 8, 14)}},
    /* rule 7: rules or defaultBackend; http.paths */
    {"spec empty", SPEC "  {}\n", {E(KG_EINVALID, "spec", 7, 3)}},
    {"spec missing", HDR, {E(KG_EINVALID, "spec", 1, 1)}},
    {"rules empty", SPEC "  rules: []\n", {E(KG_EINVALID, "spec", 7, 3)}},
    {"paths empty",
     SPEC "  rules:\n  - http:\n      paths: []\n",
     {E(KG_EREQUIRED, "spec.rules[0].http.paths", 9, 14)}},
    {"http empty",
     SPEC "  rules:\n  - http: {}\n",
     {E(KG_EREQUIRED, "spec.rules[0].http.paths", 8, 11)}},
    {"rules not a list",
     SPEC "  rules: x\n",
     {E(KG_ETYPE, "spec.rules", 7, 10)}},
    {"rule not a map",
     SPEC "  rules:\n  - x\n",
     {E(KG_ETYPE, "spec.rules[0]", 8, 5)}},
    {"path entry not a map",
     SPEC "  rules:\n  - http:\n      paths:\n      - x\n",
     {E(KG_ETYPE, "spec.rules[0].http.paths[0]", 10, 9)}},
    /* rule 8: tls */
    {"tls hosts and secret",
     SPEC "  defaultBackend:\n    service: {name: s, port: {number: 80}}\n"
          "  tls:\n"
          "  - hosts: [ok.example.com, '*.example.com', Bad.com, '*', 5]\n"
          "    secretName: Bad_Secret\n"
          "  - {}\n",
     {E(KG_EINVALID, "spec.tls[0].hosts[2]", 10, 46),
      E(KG_EINVALID, "spec.tls[0].hosts[3]", 10, 55),
      E(KG_ETYPE, "spec.tls[0].hosts[4]", 10, 60),
      E(KG_EINVALID, "spec.tls[0].secretName", 11, 17)}},
    {"tls IP host is allowed by the API",
     SPEC "  defaultBackend:\n    service: {name: s, port: {number: 80}}\n"
          "  tls:\n  - hosts: [10.0.0.1]\n",
     {{0}}},
    /* rule 9 and the class field */
    {"class field and annotation differ",
     HDR "  annotations:\n    kubernetes.io/ingress.class: nginx\n"
         "spec:\n  ingressClassName: traefik\n"
         "  defaultBackend:\n    service: {name: s, port: {number: 80}}\n",
     {E(KG_EINVALID, "metadata.annotations[kubernetes.io/ingress.class]", 7,
        34)}},
    {"class field and annotation agree",
     HDR "  annotations:\n    kubernetes.io/ingress.class: nginx\n"
         "spec:\n  ingressClassName: nginx\n"
         "  defaultBackend:\n    service: {name: s, port: {number: 80}}\n",
     {{0}}},
    {"class name invalid",
     SPEC "  ingressClassName: Nginx_1\n"
          "  defaultBackend:\n    service: {name: s, port: {number: 80}}\n",
     {E(KG_EINVALID, "spec.ingressClassName", 7, 21)}},
    /* everything at once: all reported, in order */
    {"many problems",
     SPEC "  ingressClassName: Bad\n"
          "  rules:\n"
          "  - host: 1.2.3.4\n"
          "    http:\n"
          "      paths:\n"
          "      - path: rel\n"
          "        pathType: Exact\n"
          "        backend: {service: {name: s}}\n"
          "      - path: /ok\n"
          "        backend: {service: {name: s, port: {number: 8.5}}}\n"
          "  tls:\n  - hosts: ['a..b']\n",
     {E(KG_EINVALID, "spec.ingressClassName", 7, 21),
      E(KG_EINVALID, "spec.rules[0].host", 9, 11),
      E(KG_EINVALID, "spec.rules[0].http.paths[0].path", 12, 15),
      E(KG_EREQUIRED, "spec.rules[0].http.paths[0].backend", 14, 28),
      E(KG_EREQUIRED, "spec.rules[0].http.paths[1].pathType", 15, 9),
      E(KG_ETYPE, "spec.rules[0].http.paths[1].backend.service.port.number", 16,
        53),
      E(KG_EINVALID, "spec.tls[0].hosts[0]", 18, 13)}},
    /* IngressClass */
    {"class valid",
     "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n"
     "  name: nginx\nspec:\n  controller: k8s.io/ingress-nginx\n",
     {{0}}},
    {"class without spec",
     "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n"
     "  name: nginx\n",
     {E(KG_EREQUIRED, "spec.controller", 1, 1)}},
    {"class controller empty",
     "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n"
     "  name: nginx\nspec:\n  controller: ''\n",
     {E(KG_EREQUIRED, "spec.controller", 6, 15)}},
    {"class controller not domain-prefixed",
     "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n"
     "  name: nginx\nspec:\n  controller: nginx\n",
     {E(KG_EINVALID, "spec.controller", 6, 15)}},
    {"class controller trailing slash",
     "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n"
     "  name: nginx\nspec:\n  controller: example.com/\n",
     {E(KG_EINVALID, "spec.controller", 6, 15)}},
    {"class controller bad domain and path",
     "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n"
     "  name: nginx\nspec:\n  controller: Bad.io/a b\n",
     {E(KG_EINVALID, "spec.controller", 6, 15),
      E(KG_EINVALID, "spec.controller", 6, 15)}},
    {"class parameters",
     "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n"
     "  name: nginx\nspec:\n  controller: k8s.io/x\n"
     "  parameters: {kind: K, name: m, scope: Namespace}\n",
     {E(KG_EREQUIRED, "spec.parameters.namespace", 7, 15)}},
    {"class parameters cluster with namespace",
     "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n"
     "  name: nginx\nspec:\n  controller: k8s.io/x\n"
     "  parameters: {name: m, namespace: ns}\n",
     {E(KG_EREQUIRED, "spec.parameters.kind", 7, 15),
      E(KG_EFORBIDDEN, "spec.parameters.namespace", 7, 36)}},
    {"class parameters scope unsupported",
     "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n"
     "  name: nginx\nspec:\n  controller: k8s.io/x\n"
     "  parameters: {kind: K, name: m, scope: Global}\n",
     {E(KG_ENOTSUPPORTED, "spec.parameters.scope", 7, 41)}},
};

static void test_cases(void **state)
{
    (void)state;
    bool all = true;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        const struct model_case *t = &cases[i];
        size_t n = 0;
        bool errors = false;
        while (n < 8 && t->exp[n].code) {
            errors |= t->exp[n].severity == KG_SEVERITY_ERROR;
            n++;
        }
        struct fx f;
        fx_load(&f, t->yaml);
        if (f.load_rc != 0) {
            print_message("%s: load failed %d\n", t->name, f.load_rc);
            dump_diags(&f.diags);
            all = false;
        } else if (!diags_match(t->name, &f.diags, t->exp, n)) {
            all = false;
        } else if (f.valid == errors) {
            print_message("%s: valid=%d\n", t->name, f.valid);
            all = false;
        }
        fx_free(&f);
    }
    assert_true(all);
}

/* A path of KGI_INGRESS_PATH_MAX bytes is fine; one more is refused. */
static void test_path_length(void **state)
{
    (void)state;
    for (size_t len = KGI_INGRESS_PATH_MAX; len <= KGI_INGRESS_PATH_MAX + 1;
         len++) {
        size_t cap = len + 1024;
        char *doc = malloc(cap);
        assert_non_null(doc);
        int k = snprintf(doc, cap,
                         SPEC "  rules:\n  - http:\n      paths:\n"
                              "      - pathType: Prefix\n"
                              "        backend: {service: {name: s, port: "
                              "{number: 1}}}\n"
                              "        path: /");
        memset(doc + k, 'a', len - 1);
        doc[k + (int)len - 1] = '\n';
        doc[k + (int)len] = '\0';
        struct fx f;
        fx_load(&f, doc);
        assert_int_equal(f.load_rc, 0);
        if (len == KGI_INGRESS_PATH_MAX) {
            assert_true(f.valid);
            assert_int_equal(f.diags.n, 0);
            assert_int_equal(f.ing[0].rules[0].paths[0].path.n, len);
        } else {
            static const struct exp e[] = {
                E(KG_ETOOLONG, "spec.rules[0].http.paths[0].path", 12, 15)};
            assert_true(diags_match("too long", &f.diags, e, 1));
            assert_false(f.valid);
        }
        fx_free(&f);
        free(doc);
    }
}

/* The model's content, field by field. */
static void test_content(void **state)
{
    (void)state;
    static const char doc[] =
        "apiVersion: networking.k8s.io/v1\n"
        "kind: Ingress\n"
        "metadata:\n"
        "  name: web\n"
        "  namespace: shop\n"
        "  annotations:\n"
        "    kubernetes.io/ingress.class: nginx\n"
        "    nginx.ingress.kubernetes.io/use-regex: 'True'\n"
        "    nginx.ingress.kubernetes.io/rewrite-target: /$2\n"
        "spec:\n"
        "  defaultBackend:\n"
        "    resource: {apiGroup: k8s.example.com, kind: Bucket, name: b}\n"
        "  tls:\n"
        "  - hosts: [a.example.com, '*.example.com']\n"
        "    secretName: tls-a\n"
        "  - hosts: [b.example.com]\n"
        "  rules:\n"
        "  - host: '*.example.com'\n"
        "    http:\n"
        "      paths:\n"
        "      - path: /%7Euser\n"
        "        pathType: Exact\n"
        "        backend: {service: {name: users, port: {name: http}}}\n"
        "      - pathType: ImplementationSpecific\n"
        "        backend: {service: {name: all, port: {number: 8080}}}\n"
        "      - path: /a/%2e%2e\n"
        "        pathType: Prefix\n"
        "        backend: {service: {name: dots, port: {number: 1}}}\n"
        "  - http:\n"
        "      paths:\n"
        "      - path: /api/\n"
        "        pathType: Prefix\n"
        "        backend: {service: {name: api, port: {number: 443}}}\n"
        "  - host: only.example.com\n"
        "---\n"
        "apiVersion: networking.k8s.io/v1\n"
        "kind: IngressClass\n"
        "metadata:\n"
        "  name: nginx\n"
        "  annotations:\n"
        "    ingressclass.kubernetes.io/is-default-class: 'true'\n"
        "spec:\n"
        "  controller: k8s.io/ingress-nginx\n";
    struct fx f;
    fx_load(&f, doc);
    assert_int_equal(f.load_rc, 0);
    assert_true(f.valid);
    assert_int_equal(f.n_ing, 1);
    assert_int_equal(f.n_cls, 1);
    /* one warning: the /a/%2e%2e path */
    assert_int_equal(f.diags.n, 1);
    assert_int_equal(f.diags.v[0].severity, KG_SEVERITY_WARNING);
    assert_string_equal(f.diags.v[0].path, "spec.rules[0].http.paths[2].path");

    const struct kgi_ingress *g = &f.ing[0];
    assert_ptr_equal(g->meta, &f.metas[0]);
    assert_null(g->class_name.p);
    assert_true(kgi_str_eq(g->class_annotation, "nginx"));
    assert_true(kgi_str_eq(kgi_ingress_class_of(g), "nginx"));
    assert_true(g->nginx_use_regex);
    assert_true(g->nginx_rewrite);
    assert_true(kgi_str_eq(g->nginx_rewrite_target, "/$2"));
    assert_false(g->oom);

    assert_true(g->has_default);
    assert_int_equal(g->default_backend.kind, KGI_BACKEND_RESOURCE);
    assert_true(
        kgi_str_eq(g->default_backend.res_api_group, "k8s.example.com"));
    assert_true(kgi_str_eq(g->default_backend.res_kind, "Bucket"));
    assert_true(kgi_str_eq(g->default_backend.res_name, "b"));
    assert_int_equal(g->default_backend.node->line, 12);

    assert_int_equal(g->n_tls, 2);
    assert_int_equal(g->tls[0].n_hosts, 2);
    assert_true(kgi_str_eq(g->tls[0].hosts[1], "*.example.com"));
    assert_true(kgi_str_eq(g->tls[0].secret, "tls-a"));
    assert_null(g->tls[1].secret.p);
    assert_int_equal(g->tls[1].index, 1);

    assert_int_equal(g->n_rules, 3);
    const struct kgi_ingress_rule *r = &g->rules[0];
    assert_true(kgi_str_eq(r->host, "*.example.com"));
    assert_true(r->wildcard);
    assert_true(r->has_http);
    assert_int_equal(r->n_paths, 3);
    const struct kgi_ingress_path *p = &r->paths[0];
    assert_int_equal(p->type, KGI_PATH_EXACT);
    assert_true(kgi_str_eq(p->path, "/%7Euser"));
    assert_true(kgi_str_eq(p->canon, "/~user"));
    assert_int_equal(p->backend.kind, KGI_BACKEND_SERVICE);
    assert_true(kgi_str_eq(p->backend.service, "users"));
    assert_int_equal(p->backend.port_number, 0);
    assert_true(kgi_str_eq(p->backend.port_name, "http"));
    assert_int_equal(p->node->line, 21);
    p = &r->paths[1];
    assert_int_equal(p->type, KGI_PATH_IMPL_SPECIFIC);
    assert_true(kgi_str_eq(p->path, ""));
    assert_true(kgi_str_eq(p->canon, "/"));
    assert_int_equal(p->backend.port_number, 8080);
    assert_null(p->backend.port_name.p);
    assert_int_equal(p->index, 1);
    p = &r->paths[2];
    assert_int_equal(p->type, KGI_PATH_PREFIX);
    assert_null(p->canon.p); /* never matches a normalized request */

    r = &g->rules[1];
    assert_int_equal(r->host.n, 0);
    assert_false(r->wildcard);
    assert_true(kgi_str_eq(r->paths[0].canon, "/api/"));
    assert_int_equal(r->paths[0].backend.port_number, 443);
    r = &g->rules[2];
    assert_true(kgi_str_eq(r->host, "only.example.com"));
    assert_false(r->has_http);
    assert_int_equal(r->n_paths, 0);
    assert_int_equal(r->index, 2);

    const struct kgi_ingress_class *k = &f.cls[0];
    assert_true(kgi_str_eq(k->controller, "k8s.io/ingress-nginx"));
    assert_true(k->is_default);
    assert_true(kgi_str_eq(k->meta->name, "nginx"));
    fx_free(&f);

    assert_string_equal(kgi_path_type_name(KGI_PATH_EXACT), "Exact");
    assert_string_equal(kgi_path_type_name(KGI_PATH_PREFIX), "Prefix");
    assert_string_equal(kgi_path_type_name(KGI_PATH_IMPL_SPECIFIC),
                        "ImplementationSpecific");
    assert_string_equal(kgi_path_type_name(0), "?");
}

/* The canonical-path warning follows KG_FLAG_NORMALIZE and the dialect. */
static void test_canon_warning_options(void **state)
{
    (void)state;
    static const char doc[] =
        SPEC RULE("a.b", "path: /a//b", "pathType: ImplementationSpecific");
    struct kg_options o;
    struct fx f;

    kgi_options_defaults(&o);
    o.flag[KG_FLAG_NORMALIZE] = false;
    fx_load_opts(&f, "t.yaml", doc, strlen(doc), &o);
    assert_true(f.valid);
    assert_int_equal(f.diags.n, 0);
    assert_null(f.ing[0].rules[0].paths[0].canon.p);
    fx_free(&f);

    kgi_options_defaults(&o);
    o.dialect = KG_DIALECT_INGRESS_NGINX;
    fx_load_opts(&f, "t.yaml", doc, strlen(doc), &o);
    assert_true(f.valid);
    assert_int_equal(f.diags.n, 0);
    fx_free(&f);

    /* no request form, no warning from the model (the compiler has it) */
    static const char *const never[] = {"/a?x", "/a#x", "/a%zz", "/a%00",
                                        "/a%4"};
    for (size_t i = 0; i < sizeof(never) / sizeof(*never); i++) {
        char buf[512];
        snprintf(buf, sizeof(buf), "%s",
                 SPEC "  rules:\n  - http:\n      paths:\n"
                      "      - pathType: Exact\n"
                      "        backend: {service: {name: s, port: {number: "
                      "1}}}\n        path: ");
        strcat(buf, never[i]);
        strcat(buf, "\n");
        fx_load(&f, buf);
        assert_true(f.valid);
        assert_int_equal(f.diags.n, 0);
        assert_null(f.ing[0].rules[0].paths[0].canon.p);
        fx_free(&f);
    }
}

/* Values in messages are quoted and escaped: a hostile value cannot forge
 * a log line. */
static void test_message_quoting(void **state)
{
    (void)state;
    struct fx f;
    fx_load(&f, SPEC RULE("a.b", "path: \"rel\\nERROR: forged\\\"\"",
                          "pathType: Exact"));
    assert_false(f.valid);
    assert_true(f.diags.n >= 1);
    for (size_t i = 0; i < f.diags.n; i++)
        assert_null(strchr(f.diags.v[i].message, '\n'));
    assert_non_null(strstr(f.diags.v[1].message, "rel\\x0aERROR: forged\\\""));
    fx_free(&f);
}

/* ------------------------------------------------------- data-driven */

static int code_by_name(const char *name)
{
    for (int c = 0; c >= KG_ECODE_MIN; c--)
        if (strcmp(kg_error_name(c), name) == 0)
            return c;
    return 1;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (n < cap)
            break;
        cap *= 2;
        buf = realloc(buf, cap + 1);
    }
    fclose(fp);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Reads NAME.expect: `[warning ]CODE path line:col` lines, '#' comments.
 * Returns the count, or -1 when malformed. The strings live in *text. */
static int read_expect(const char *path, struct exp *exp, int max, char **text)
{
    size_t len;
    *text = slurp(path, &len);
    if (!*text)
        return 0;
    int n = 0;
    for (char *line = strtok(*text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (n == max)
            return -1;
        struct exp *e = &exp[n];
        memset(e, 0, sizeof(*e));
        if (strncmp(line, "warning ", 8) == 0) {
            e->severity = KG_SEVERITY_WARNING;
            line += 8;
        }
        char *sp1 = strchr(line, ' ');
        char *sp2 = sp1 ? strrchr(line, ' ') : NULL;
        if (!sp1 || sp2 == sp1)
            return -1;
        *sp1 = '\0';
        *sp2 = '\0';
        e->code = code_by_name(line);
        e->path = strcmp(sp1 + 1, "-") == 0 ? "" : sp1 + 1;
        if (e->code > 0 || sscanf(sp2 + 1, "%u:%u", &e->line, &e->col) != 2)
            return -1;
        n++;
    }
    return n;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void run_dir(const char *sub, bool want_valid, size_t *count)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/%s", data_dir, sub);
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name);
    if (n < 0)
        fail_msg("cannot list %s", dir);
    bool all = true;
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        size_t l = strlen(nm);
        if (l < 6 || strcmp(nm + l - 5, ".yaml") != 0) {
            free(names[i]);
            continue;
        }
        char path[2048], epath[2048];
        snprintf(path, sizeof(path), "%s/%s", dir, nm);
        snprintf(epath, sizeof(epath), "%s/%.*s.expect", dir, (int)(l - 5), nm);
        struct exp exp[64];
        char *etext = NULL;
        int ne = read_expect(epath, exp, 64, &etext);
        if (ne < 0) {
            print_message("%s: malformed expectation file\n", epath);
            all = false;
        }
        bool has_errors = false;
        for (int k = 0; k < ne; k++)
            has_errors |= exp[k].severity == KG_SEVERITY_ERROR;
        if (want_valid == has_errors) {
            print_message("%s: %s case with%s errors expected\n", path, sub,
                          has_errors ? "" : "out");
            all = false;
        }
        size_t len;
        char *yaml = slurp(path, &len);
        assert_non_null(yaml);
        struct fx f;
        fx_load_opts(&f, path, yaml, len, NULL);
        if (ne >= 0 && !diags_match(path, &f.diags, exp, (size_t)ne))
            all = false;
        if (f.load_rc == 0 && f.valid != want_valid) {
            print_message("%s: valid=%d\n", path, f.valid);
            all = false;
        }
        if (f.n_ing + f.n_cls == 0 && f.load_rc == 0) {
            print_message("%s: no Ingress or IngressClass read\n", path);
            all = false;
        }
        fx_free(&f);
        free(yaml);
        free(etext);
        free(names[i]);
        (*count)++;
    }
    free(names);
    assert_true(all);
}

/* The same files through the public API: kg_builder_add_buffer, then
 * kg_builder_compile fails with KG_ECOMPILE and kg_diagnostic_* give the
 * expected errors (file, code, path, line:column); with
 * KG_FLAG_SKIP_INVALID the compile succeeds and they are warnings. */
static void test_data_builder(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/invalid", data_dir);
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name);
    assert_true(n >= 0);
    bool all = true;
    size_t count = 0;
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        size_t l = strlen(nm);
        if (l < 6 || strcmp(nm + l - 5, ".yaml") != 0) {
            free(names[i]);
            continue;
        }
        char path[2048], epath[2048];
        snprintf(path, sizeof(path), "%s/%s", dir, nm);
        snprintf(epath, sizeof(epath), "%s/%.*s.expect", dir, (int)(l - 5), nm);
        struct exp exp[64];
        char *etext = NULL;
        int ne = read_expect(epath, exp, 64, &etext);
        assert_true(ne > 0);
        size_t len;
        char *yaml = slurp(path, &len);
        assert_non_null(yaml);
        for (int skip = 0; skip <= 1; skip++) {
            kg_options *o = kg_options_new();
            assert_non_null(o);
            assert_int_equal(kg_options_set_flag(o, KG_FLAG_SKIP_INVALID, skip),
                             0);
            kg_builder *b = kg_builder_new(o);
            assert_non_null(b);
            kg_options_free(o);
            kg_ruleset *rs = NULL;
            assert_int_equal(kg_builder_add_buffer(b, nm, yaml, len), 0);
            int rc = kg_builder_compile(b, &rs);
            const kg_diagnostics *d = kg_builder_diagnostics(b);
            /* the expected errors, each once, among the diagnostics (the
             * compiler may read the objects in another order), and no
             * other error */
            size_t nd = kg_diagnostics_count(d), found = 0, want = 0;
            bool used[256] = {false};
            for (int k = 0; k < ne; k++) {
                if (exp[k].severity != KG_SEVERITY_ERROR)
                    continue;
                want++;
                for (size_t j = 0; j < nd && j < 256; j++) {
                    if (!used[j] && kg_diagnostic_code(d, j) == exp[k].code &&
                        strcmp(kg_diagnostic_path(d, j), exp[k].path) == 0 &&
                        kg_diagnostic_line(d, j) == exp[k].line &&
                        kg_diagnostic_column(d, j) == exp[k].col &&
                        strcmp(kg_diagnostic_file(d, j), nm) == 0 &&
                        kg_diagnostic_severity(d, j) ==
                            (skip ? KG_SEVERITY_WARNING : KG_SEVERITY_ERROR)) {
                        used[j] = true;
                        found++;
                        break;
                    }
                }
            }
            bool good = found == want &&
                        kg_diagnostics_errors(d) == (skip ? 0 : want) &&
                        rc == (skip ? 0 : KG_ECOMPILE) &&
                        (skip ? rs != NULL : rs == NULL);
            if (!good) {
                print_message("%s (skip_invalid=%d): rc %d, %zu of the %zu "
                              "expected errors found\n",
                              nm, skip, rc, found, want);
                for (size_t j = 0; j < kg_diagnostics_count(d); j++) {
                    char line[1024];
                    kg_diagnostic_format(d, j, line, sizeof(line));
                    print_message("  %s\n", line);
                }
                all = false;
            }
            kg_ruleset_unref(rs);
            kg_builder_free(b);
        }
        free(yaml);
        free(etext);
        free(names[i]);
        count++;
    }
    free(names);
    assert_true(all);
    assert_true(count >= 10);
}

/* The valid files compile through the public API without an error. */
static void test_data_builder_valid(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/valid", data_dir);
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name);
    assert_true(n >= 0);
    bool all = true;
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        size_t l = strlen(nm);
        if (l > 5 && strcmp(nm + l - 5, ".yaml") == 0) {
            char path[2048];
            snprintf(path, sizeof(path), "%s/%s", dir, nm);
            kg_builder *b = kg_builder_new(NULL);
            assert_non_null(b);
            kg_ruleset *rs = NULL;
            int rc = kg_builder_add_file(b, path);
            if (rc == 0)
                rc = kg_builder_compile(b, &rs);
            const kg_diagnostics *d = kg_builder_diagnostics(b);
            if (rc != 0 || !rs || kg_diagnostics_errors(d) != 0) {
                print_message("%s: rc %d\n", nm, rc);
                for (size_t j = 0; j < kg_diagnostics_count(d); j++) {
                    char line[1024];
                    kg_diagnostic_format(d, j, line, sizeof(line));
                    print_message("  %s\n", line);
                }
                all = false;
            }
            kg_ruleset_unref(rs);
            kg_builder_free(b);
        }
        free(names[i]);
    }
    free(names);
    assert_true(all);
}

static void test_data_invalid(void **state)
{
    (void)state;
    size_t count = 0;
    run_dir("invalid", false, &count);
    assert_true(count >= 10);
}

static void test_data_valid(void **state)
{
    (void)state;
    size_t count = 0;
    run_dir("valid", true, &count);
    assert_true(count >= 3);
}

/* ----------------------------------------------- allocation failures */

/* Every allocation in turn fails: the read reports out of memory (or the
 * load fails with KG_ENOMEM), nothing leaks (ASan/valgrind), and once
 * allocations succeed the same document reads cleanly. */
static void test_alloc_failures(void **state)
{
    (void)state;
    static const char doc[] =
        SPEC "  defaultBackend: {service: {name: d, port: {number: 1}}}\n"
             "  tls:\n  - hosts: [a.b, c.d]\n    secretName: s\n"
             "  rules:\n"
             "  - host: a.b\n"
             "    http:\n"
             "      paths:\n"
             "      - {path: /x, pathType: Prefix, backend: {service: {name: "
             "s, port: {number: 1}}}}\n"
             "      - {path: /y, pathType: Exact, backend: {service: {name: "
             "s, port: {number: 1}}}}\n"
             "  - http:\n"
             "      paths:\n"
             "      - {pathType: ImplementationSpecific, backend: {resource: "
             "{kind: K, name: m}}}\n";
    bool done = false;
    for (long n = 0; !done && n < 100000; n++) {
        kgi_alloc_fail_after(n);
        struct fx f;
        fx_load(&f, doc);
        kgi_alloc_fail_after(-1);
        if (f.load_rc == 0 && f.valid && !f.diags.oom) {
            assert_int_equal(f.n_ing, 1);
            assert_int_equal(f.ing[0].n_rules, 2);
            assert_int_equal(f.diags.n, 0);
            done = true;
        } else if (f.load_rc == 0) {
            /* failed for lack of memory only, and said so */
            assert_true(f.diags.oom || f.ing[0].oom ||
                        (f.diags.n && f.diags.v[0].code == KG_ENOMEM));
            for (size_t i = 0; i < f.diags.n; i++)
                assert_int_equal(f.diags.v[i].code, KG_ENOMEM);
        } else {
            assert_int_equal(f.load_rc, KG_ENOMEM);
        }
        fx_free(&f);
    }
    assert_true(done);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        data_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_path_length),
        cmocka_unit_test(test_content),
        cmocka_unit_test(test_canon_warning_options),
        cmocka_unit_test(test_message_quoting),
        cmocka_unit_test(test_data_invalid),
        cmocka_unit_test(test_data_valid),
        cmocka_unit_test(test_data_builder),
        cmocka_unit_test(test_data_builder_valid),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
