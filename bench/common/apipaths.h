// SPDX-License-Identifier: MIT
/*
 * apipaths.h - the request-path templates the routing benchmarks build
 * their rule sets from: the real API path lists of the benchmark data
 * directory (Kubernetes v1.28 API paths, GitHub REST 2020 paths and the
 * GitHub 2013 routes, ~970 templates), and concrete paths made from them by
 * replacing every `{param}` / `:param` segment with a token. Shared by
 * bench/route (Ingress) and bench/gateway (HTTPRoute), so both measure the
 * same paths.
 */
#ifndef KGRESS_BENCH_APIPATHS_H
#define KGRESS_BENCH_APIPATHS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static char **bench_tpl;
static size_t bench_n_tpl, bench_cap_tpl;

static inline void bench_tpl_add(const char *p, size_t n)
{
    while (n && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' '))
        n--;
    if (n == 0 || p[0] != '/')
        return;
    if (bench_n_tpl == bench_cap_tpl) {
        bench_cap_tpl = bench_cap_tpl ? bench_cap_tpl * 2 : 1024;
        bench_tpl = realloc(bench_tpl, bench_cap_tpl * sizeof(*bench_tpl));
        if (!bench_tpl)
            abort();
    }
    bench_tpl[bench_n_tpl] = strndup(p, n);
    if (!bench_tpl[bench_n_tpl])
        abort();
    bench_n_tpl++;
}

/* One file of dir; last_field: take the last space-separated field of a
 * line, else the whole line. -1 when it cannot be read. */
static inline int bench_tpl_load(const char *dir, const char *file,
                                 int last_field)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench: cannot read %s\n", path);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        const char *p = line;
        if (last_field) {
            const char *sp = strrchr(line, ' ');
            if (sp)
                p = sp + 1;
        }
        bench_tpl_add(p, strlen(p));
    }
    free(line);
    fclose(f);
    return 0;
}

/* The three files of the data directory; -1 when one is missing. */
static inline int bench_tpl_load_all(const char *dir)
{
    return bench_tpl_load(dir, "kubernetes_v1.28.0_api_paths.txt", 0) ||
                   bench_tpl_load(dir, "github_rest_api_2020_paths.txt", 1) ||
                   bench_tpl_load(dir, "github_api_routes_2013.txt", 1)
               ? -1
               : 0;
}

/* Template t with each {param} / :param segment replaced by a token that
 * depends on salt. */
static inline size_t bench_concrete(const char *t, unsigned salt, char *out,
                                    size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; t[i] && n + 16 < cap;) {
        if (t[i] == '{' || (t[i] == ':' && i > 0 && t[i - 1] == '/')) {
            char close = t[i] == '{' ? '}' : '/';
            size_t j = i + 1;
            while (t[j] && t[j] != close)
                j++;
            n += (size_t)snprintf(out + n, cap - n, "v%u", salt % 7u);
            i = t[j] == '}' ? j + 1 : j;
        } else {
            out[n++] = t[i++];
        }
    }
    out[n] = '\0';
    return n;
}

#endif
