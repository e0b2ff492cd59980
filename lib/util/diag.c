// SPDX-License-Identifier: MIT
/*
 * diag.c - diagnostics list and its public accessors. See diag.h.
 */
#include "util/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

void kgi_diag_init(struct kg_diagnostics *d)
{
    memset(d, 0, sizeof(*d));
    kgi_arena_init(&d->arena);
}

void kgi_diag_release(struct kg_diagnostics *d)
{
    kgi_free(d->v);
    kgi_arena_release(&d->arena);
    kgi_diag_init(d);
}

int kgi_diag_add(struct kg_diagnostics *d, int severity, int code,
                 const char *file, const char *path, uint32_t line,
                 uint32_t column, const char *fmt, ...)
{
    if (severity == KG_SEVERITY_ERROR)
        d->errors++;
    char stack[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(stack, sizeof(stack), fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if (kgi_grow((void **)&d->v, &d->cap, d->n + 1, sizeof(*d->v)) != 0)
        goto oom;
    struct kgi_diag *g = &d->v[d->n];
    g->severity = severity;
    g->code = code;
    g->line = line;
    g->column = column;
    g->file =
        kgi_arena_strndup(&d->arena, file ? file : "", file ? strlen(file) : 0);
    g->path =
        kgi_arena_strndup(&d->arena, path ? path : "", path ? strlen(path) : 0);
    if ((size_t)n < sizeof(stack)) {
        g->message = kgi_arena_strndup(&d->arena, stack, (size_t)n);
    } else {
        char *m = kgi_arena_alloc(&d->arena, (size_t)n + 1, 1);
        if (m) {
            va_start(ap, fmt);
            vsnprintf(m, (size_t)n + 1, fmt, ap);
            va_end(ap);
        }
        g->message = m;
    }
    if (!g->file || !g->path || !g->message)
        goto oom;
    d->n++;
    return 0;
oom:
    d->oom = true;
    return KG_ENOMEM;
}

void kgi_diag_demote(struct kg_diagnostics *d, size_t from)
{
    for (size_t i = from; i < d->n; i++) {
        if (d->v[i].severity == KG_SEVERITY_ERROR) {
            d->v[i].severity = KG_SEVERITY_WARNING;
            d->errors--;
        }
    }
}

bool kgi_diag_oom_since(const struct kg_diagnostics *d, size_t before)
{
    if (d->oom)
        return true;
    for (size_t i = before; i < d->n; i++)
        if (d->v[i].code == KG_ENOMEM)
            return true;
    return false;
}

static const struct kgi_diag *at(const kg_diagnostics *d, size_t i)
{
    return d && i < d->n ? &d->v[i] : NULL;
}

KG_API size_t kg_diagnostics_count(const kg_diagnostics *d)
{
    return d ? d->n : 0;
}

KG_API size_t kg_diagnostics_errors(const kg_diagnostics *d)
{
    return d ? d->errors : 0;
}

KG_API int kg_diagnostic_severity(const kg_diagnostics *d, size_t i)
{
    const struct kgi_diag *g = at(d, i);
    return g ? g->severity : -1;
}

KG_API int kg_diagnostic_code(const kg_diagnostics *d, size_t i)
{
    const struct kgi_diag *g = at(d, i);
    return g ? g->code : 0;
}

KG_API const char *kg_diagnostic_file(const kg_diagnostics *d, size_t i)
{
    const struct kgi_diag *g = at(d, i);
    return g ? g->file : "";
}

KG_API const char *kg_diagnostic_path(const kg_diagnostics *d, size_t i)
{
    const struct kgi_diag *g = at(d, i);
    return g ? g->path : "";
}

KG_API unsigned kg_diagnostic_line(const kg_diagnostics *d, size_t i)
{
    const struct kgi_diag *g = at(d, i);
    return g ? g->line : 0;
}

KG_API unsigned kg_diagnostic_column(const kg_diagnostics *d, size_t i)
{
    const struct kgi_diag *g = at(d, i);
    return g ? g->column : 0;
}

KG_API const char *kg_diagnostic_message(const kg_diagnostics *d, size_t i)
{
    const struct kgi_diag *g = at(d, i);
    return g ? g->message : "";
}

KG_API size_t kg_diagnostic_format(const kg_diagnostics *d, size_t i, char *buf,
                                   size_t cap)
{
    const struct kgi_diag *g = at(d, i);
    if (!g) {
        if (buf && cap)
            buf[0] = '\0';
        return 0;
    }
    const char *sev = g->severity == KG_SEVERITY_ERROR ? "error" : "warning";
    int n = snprintf(buf, buf ? cap : 0, "%s:%u:%u: %s: %s%s%s [%s]",
                     g->file[0] ? g->file : "<input>", (unsigned)g->line,
                     (unsigned)g->column, sev, g->path, g->path[0] ? ": " : "",
                     g->message, kg_error_name(g->code));
    return n < 0 ? 0 : (size_t)n;
}
