// SPDX-License-Identifier: MIT
/*
 * rules.h - a tiny rule language for route tests, turned into the
 * Ingress/IngressClass YAML that `kubectl get -o yaml` prints, so every
 * test goes through the real loader, model and compiler.
 *
 * Statements are separated by ';' or newlines, words by spaces:
 *   ing NAME [ns=NS] [ts=RFC3339] [class=C] [ann=KEY=VALUE]...
 *                          start an Ingress (default namespace "default")
 *   host H [nohttp]        start a rule; H "-" for a rule without host
 *   E|P|I PATH SVC[:PORT]  Exact/Prefix/ImplementationSpecific path on the
 *                          current rule; PORT is a number or a name
 *                          (default 80); PATH "''" is the empty path
 *   R TYPE PATH GROUP/KIND/NAME   resource backend path (TYPE E|P|I;
 *                          GROUP "-" for the core group)
 *   def SVC[:PORT]         spec.defaultBackend
 *   tls SECRET H1,H2       spec.tls entry (SECRET "-": none; hosts "-": none)
 *   class NAME [default]   an IngressClass object
 *
 * Tests only: aborts on malformed statements and allocation failure.
 */
#ifndef KGRESS_TEST_ROUTE_RULES_H
#define KGRESS_TEST_ROUTE_RULES_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/tbuf.h"

/* A double-quoted YAML scalar of s[0..n). */
static void yb_quote(struct tbuf *b, const char *s, size_t n)
{
    tbuf_printf(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            tbuf_printf(b, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            tbuf_printf(b, "\\x%02x", c);
        else
            tbuf_printf(b, "%c", c);
    }
    tbuf_printf(b, "\"");
}

static void yb_backend(struct tbuf *b, const char *ind, const char *svc)
{
    const char *colon = strchr(svc, ':');
    size_t sn = colon ? (size_t)(colon - svc) : strlen(svc);
    const char *port = colon ? colon + 1 : "80";
    tbuf_printf(b, "%sservice:\n%s  name: %.*s\n%s  port:\n", ind, ind, (int)sn,
                svc, ind);
    if (port[0] >= '0' && port[0] <= '9')
        tbuf_printf(b, "%s    number: %s\n", ind, port);
    else
        tbuf_printf(b, "%s    name: %s\n", ind, port);
}

static void yb_resource(struct tbuf *b, const char *ind, const char *gkn)
{
    char g[128], k[128], n[128];
    if (sscanf(gkn, "%127[^/]/%127[^/]/%127s", g, k, n) != 3)
        abort();
    tbuf_printf(b, "%sresource:\n", ind);
    if (strcmp(g, "-") != 0)
        tbuf_printf(b, "%s  apiGroup: %s\n", ind, g);
    tbuf_printf(b, "%s  kind: %s\n%s  name: %s\n", ind, k, ind, n);
}

static const char *yb_type(const char *t)
{
    return t[0] == 'E'   ? "Exact"
           : t[0] == 'P' ? "Prefix"
                         : "ImplementationSpecific";
}

/* Ingress state while emitting: sections must come in order. */
struct yb_ing {
    int open;     /* an Ingress is being written */
    int in_rules; /* "rules:" written */
    int in_paths; /* current rule has "paths:" */
    int in_tls;
};

static void yb_close_ing(struct tbuf *b, struct yb_ing *st)
{
    (void)b;
    memset(st, 0, sizeof(*st));
}

/* Returns a malloc'd YAML stream for the rule text. */
static char *rules_yaml(const char *text, size_t *len)
{
    struct tbuf b = {0};
    struct yb_ing st = {0};
    char *copy = strdup(text);
    if (!copy)
        abort();
    char *save = NULL;
    for (char *stmt = strtok_r(copy, ";\n", &save); stmt;
         stmt = strtok_r(NULL, ";\n", &save)) {
        char *w[16];
        int nw = 0;
        char *s2 = NULL;
        for (char *t = strtok_r(stmt, " \t", &s2); t && nw < 16;
             t = strtok_r(NULL, " \t", &s2))
            w[nw++] = t;
        if (nw == 0)
            continue;
        if (strcmp(w[0], "ing") == 0) {
            yb_close_ing(&b, &st);
            const char *ns = "default", *ts = NULL, *cls = NULL;
            const char *ann[8];
            int na = 0;
            for (int i = 2; i < nw; i++) {
                if (strncmp(w[i], "ns=", 3) == 0)
                    ns = w[i] + 3;
                else if (strncmp(w[i], "ts=", 3) == 0)
                    ts = w[i] + 3;
                else if (strncmp(w[i], "class=", 6) == 0)
                    cls = w[i] + 6;
                else if (strncmp(w[i], "ann=", 4) == 0 && na < 8)
                    ann[na++] = w[i] + 4;
                else
                    abort();
            }
            tbuf_printf(&b,
                        "---\napiVersion: networking.k8s.io/v1\n"
                        "kind: Ingress\nmetadata:\n  name: %s\n"
                        "  namespace: %s\n",
                        w[1], ns);
            if (ts)
                tbuf_printf(&b, "  creationTimestamp: \"%s\"\n", ts);
            if (na) {
                tbuf_printf(&b, "  annotations:\n");
                for (int i = 0; i < na; i++) {
                    const char *eq = strchr(ann[i], '=');
                    if (!eq)
                        abort();
                    tbuf_printf(&b, "    %.*s: ", (int)(eq - ann[i]), ann[i]);
                    yb_quote(&b, eq + 1, strlen(eq + 1));
                    tbuf_printf(&b, "\n");
                }
            }
            tbuf_printf(&b, "spec:\n");
            if (cls)
                tbuf_printf(&b, "  ingressClassName: %s\n", cls);
            st.open = 1;
        } else if (strcmp(w[0], "class") == 0) {
            yb_close_ing(&b, &st);
            tbuf_printf(&b,
                        "---\napiVersion: networking.k8s.io/v1\n"
                        "kind: IngressClass\nmetadata:\n  name: %s\n",
                        w[1]);
            if (nw > 2 && strcmp(w[2], "default") == 0)
                tbuf_printf(&b,
                            "  annotations:\n    ingressclass.kubernetes.io/"
                            "is-default-class: \"true\"\n");
            tbuf_printf(&b, "spec:\n  controller: example.com/ingress\n");
        } else if (strcmp(w[0], "def") == 0 || strcmp(w[0], "defres") == 0) {
            if (!st.open || st.in_rules || st.in_tls)
                abort(); /* defaultBackend goes before rules and tls */
            tbuf_printf(&b, "  defaultBackend:\n");
            if (w[0][3] == 'r')
                yb_resource(&b, "    ", w[1]);
            else
                yb_backend(&b, "    ", w[1]);
        } else if (strcmp(w[0], "host") == 0) {
            if (!st.open || st.in_tls)
                abort();
            if (!st.in_rules)
                tbuf_printf(&b, "  rules:\n");
            st.in_rules = 1;
            st.in_paths = 0;
            if (strcmp(w[1], "-") == 0)
                tbuf_printf(&b, "  - ");
            else
                tbuf_printf(&b, "  - host: \"%s\"\n    ", w[1]);
            if (nw > 2 && strcmp(w[2], "nohttp") == 0) {
                if (strcmp(w[1], "-") == 0)
                    abort(); /* a rule needs a host or http */
                /* nothing more: the rule has no http */
                b.n -= 4; /* drop the indentation just written */
                st.in_paths = -1;
            } else {
                tbuf_printf(&b, "http:\n      paths:\n");
                st.in_paths = 1;
            }
        } else if ((strcmp(w[0], "E") == 0 || strcmp(w[0], "P") == 0 ||
                    strcmp(w[0], "I") == 0) &&
                   nw == 3) {
            if (st.in_paths != 1)
                abort();
            tbuf_printf(&b, "      - path: ");
            if (strcmp(w[1], "''") == 0)
                tbuf_printf(&b, "\"\"");
            else
                yb_quote(&b, w[1], strlen(w[1]));
            tbuf_printf(&b, "\n        pathType: %s\n        backend:\n",
                        yb_type(w[0]));
            yb_backend(&b, "          ", w[2]);
        } else if (strcmp(w[0], "R") == 0 && nw == 4) {
            if (st.in_paths != 1)
                abort();
            tbuf_printf(&b, "      - path: ");
            yb_quote(&b, w[2], strlen(w[2]));
            tbuf_printf(&b, "\n        pathType: %s\n        backend:\n",
                        yb_type(w[1]));
            yb_resource(&b, "          ", w[3]);
        } else if (strcmp(w[0], "tls") == 0 && nw == 3) {
            if (!st.open)
                abort();
            if (!st.in_tls)
                tbuf_printf(&b, "  tls:\n");
            st.in_tls = 1;
            tbuf_printf(&b, "  - ");
            int any = 0;
            if (strcmp(w[2], "-") != 0) {
                tbuf_printf(&b, "hosts:\n");
                char *s3 = NULL;
                for (char *h = strtok_r(w[2], ",", &s3); h;
                     h = strtok_r(NULL, ",", &s3))
                    tbuf_printf(&b, "    - \"%s\"\n", h);
                any = 1;
            }
            if (strcmp(w[1], "-") != 0)
                tbuf_printf(&b, "%ssecretName: %s\n", any ? "    " : "", w[1]);
            else if (!any)
                tbuf_printf(&b, "{}\n");
        } else {
            fprintf(stderr, "rules.h: bad statement '%s'\n", w[0]);
            abort();
        }
    }
    free(copy);
    if (!b.p)
        tbuf_printf(&b, "%s", "");
    *len = b.n;
    return b.p;
}

#endif
