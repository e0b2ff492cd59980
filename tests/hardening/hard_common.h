// SPDX-License-Identifier: MIT
/*
 * hard_common.h - helpers shared by the hardening tests: the test-data
 * file list, the workload scale, loading a source into a ruleset, a dump
 * of a ruleset into memory (the "answers" two rulesets are compared on),
 * and diagnostics lookup.
 *
 * KGRESS_TEST_SCALE (environment, default 1) shrinks the big workloads
 * (allocation failure stride, swap counts, giant inputs where the limit
 * under test allows) for slow runners such as valgrind: 0.1 does a tenth.
 */
#ifndef KGRESS_HARD_COMMON_H
#define KGRESS_HARD_COMMON_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kgress.h"

static inline double hard_scale(void)
{
    const char *s = getenv("KGRESS_TEST_SCALE");
    double v = s ? strtod(s, NULL) : 1.0;
    return v > 0 && v <= 1.0 ? v : 1.0;
}

/* ------------------------------------------------------------ text */

struct hard_text {
    char *p;
    size_t n, cap;
};

static inline void hard_put(struct hard_text *t, const char *s, size_t n)
{
    if (t->n + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->n + n + 1)
            cap *= 2;
        char *p = realloc(t->p, cap);
        if (!p)
            abort();
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->n, s, n);
    t->n += n;
    t->p[t->n] = '\0';
}

static inline void hard_puts(struct hard_text *t, const char *s)
{
    hard_put(t, s, strlen(s));
}

static void hard_sink(void *user, const char *text, size_t len)
{
    hard_put(user, text, len);
}

/* The JSON dump of a ruleset (caller frees .p). */
static inline struct hard_text hard_dump(const kg_ruleset *rs)
{
    struct hard_text t = {0};
    hard_puts(&t, "");
    if (kg_ruleset_dump(rs, KG_DUMP_JSON, hard_sink, &t) != 0)
        abort();
    return t;
}

/* ------------------------------------------------------------ files */

struct hard_files {
    char **v;
    size_t n, cap;
};

static inline bool hard_is_source(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
           (n > 5 && strcmp(name + n - 5, ".json") == 0);
}

static int hard_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the YAML/JSON files under dir (recursively, sorted), skipping
 * folders named in `skip` (NULL-terminated). Missing dirs are fine. */
static inline void hard_find(struct hard_files *f, const char *dir,
                             const char *const *skip)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    size_t first = f->n;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        bool skipped = false;
        for (size_t i = 0; skip && skip[i]; i++)
            skipped |= strcmp(e->d_name, skip[i]) == 0;
        if (skipped)
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(len);
        if (!path)
            abort();
        snprintf(path, len, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            hard_find(f, path, skip);
            free(path);
            continue;
        }
        if (!S_ISREG(st.st_mode) || !hard_is_source(e->d_name)) {
            free(path);
            continue;
        }
        if (f->n == f->cap) {
            f->cap = f->cap ? f->cap * 2 : 64;
            f->v = realloc(f->v, f->cap * sizeof(*f->v));
            if (!f->v)
                abort();
        }
        f->v[f->n++] = path;
    }
    closedir(d);
    qsort(f->v + first, f->n - first, sizeof(*f->v), hard_cmp);
}

static inline void hard_files_free(struct hard_files *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->v[i]);
    free(f->v);
}

/* Whole file into memory (caller frees); NULL when unreadable. */
static inline char *hard_read(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    struct hard_text t = {0};
    char chunk[65536];
    size_t got;
    hard_puts(&t, "");
    while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        hard_put(&t, chunk, got);
    fclose(fp);
    *len = t.n;
    return t.p;
}

/* ------------------------------------------------------------ diagnostics */

/* Index of the first diagnostic with this code (and severity, -1: any),
 * or -1. */
static inline long hard_find_diag(const kg_diagnostics *d, int code,
                                  int severity)
{
    for (size_t i = 0; i < kg_diagnostics_count(d); i++)
        if (kg_diagnostic_code(d, i) == code &&
            (severity < 0 || kg_diagnostic_severity(d, i) == severity))
            return (long)i;
    return -1;
}

static inline void hard_print_diags(const kg_diagnostics *d)
{
    size_t n = kg_diagnostics_count(d);
    for (size_t i = 0; i < n && i < 20; i++) {
        char line[600];
        kg_diagnostic_format(d, i, line, sizeof(line));
        fprintf(stderr, "  %s\n", line);
    }
    if (n > 20)
        fprintf(stderr, "  ... %zu more\n", n - 20);
}

#endif
