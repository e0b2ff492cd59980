// SPDX-License-Identifier: MIT
/*
 * diag.c - diagnostics list and its public accessors. See diag.h.
 *
 * Past the cap a diagnostic costs one bit and no formatting, so a load
 * reporting a million problems stays fast and small; the caller still
 * learns how many there were, and how many were errors, from the summary
 * entry.
 */
#include "util/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

void kgi_diag_init(struct kg_diagnostics *d)
{
    memset(d, 0, sizeof(*d));
    d->max = SIZE_MAX;
    kgi_arena_init(&d->arena);
}

void kgi_diag_release(struct kg_diagnostics *d)
{
    size_t max = d->max;
    kgi_free(d->v);
    kgi_free(d->dropbits);
    kgi_arena_release(&d->arena);
    kgi_diag_init(d);
    d->max = max;
}

/* Counts one diagnostic past the cap. */
static int drop(struct kg_diagnostics *d, int severity, int code)
{
    size_t j = d->dropped;
    if (j / 8 >= d->dropbits_cap &&
        kgi_grow((void **)&d->dropbits, &d->dropbits_cap, j / 8 + 1, 1) != 0) {
        d->oom = true;
        return KG_ENOMEM;
    }
    d->dropbits[j / 8] &= (uint8_t) ~(1u << (j % 8));
    if (severity == KG_SEVERITY_ERROR) {
        d->dropbits[j / 8] |= (uint8_t)(1u << (j % 8));
        d->dropped_errors++;
    }
    d->dropped++;
    if (code == KG_ENOMEM)
        d->oom = true; /* never lose the news of a failed allocation */
    return 0;
}

int kgi_diag_add(struct kg_diagnostics *d, int severity, int code,
                 const char *file, const char *path, uint32_t line,
                 uint32_t column, const char *fmt, ...)
{
    if (severity == KG_SEVERITY_ERROR)
        d->errors++;
    if (d->n >= d->max)
        return drop(d, severity, code);
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
    for (size_t j = from > d->n ? from - d->n : 0; j < d->dropped; j++) {
        uint8_t bit = (uint8_t)(1u << (j % 8));
        if (d->dropbits[j / 8] & bit) {
            d->dropbits[j / 8] &= (uint8_t)~bit;
            d->dropped_errors--;
            d->errors--;
        }
    }
}

void kgi_diag_truncate(struct kg_diagnostics *d, size_t from, size_t errors)
{
    if (from <= d->n) {
        d->n = from;
        d->dropped = 0;
        d->dropped_errors = 0;
    } else if (from - d->n < d->dropped) {
        d->dropped = from - d->n;
        d->dropped_errors = 0;
        for (size_t j = 0; j < d->dropped; j++)
            d->dropped_errors += (d->dropbits[j / 8] >> (j % 8)) & 1u;
    }
    d->errors = errors;
    kgi_diag_finish(d);
}

void kgi_diag_finish(struct kg_diagnostics *d)
{
    if (!d->dropped)
        return;
    size_t warnings = d->dropped - d->dropped_errors;
    snprintf(d->more_msg, sizeof(d->more_msg),
             "%zu more diagnostic%s not kept (%zu error%s, %zu warning%s); "
             "raise KG_LIMIT_DIAGNOSTICS (%zu) to see them",
             d->dropped, d->dropped == 1 ? "" : "s", d->dropped_errors,
             d->dropped_errors == 1 ? "" : "s", warnings,
             warnings == 1 ? "" : "s", d->max);
    d->more.severity =
        d->dropped_errors ? KG_SEVERITY_ERROR : KG_SEVERITY_WARNING;
    d->more.code = KG_ELIMIT_DIAGNOSTICS;
    d->more.file = "";
    d->more.path = "";
    d->more.message = d->more_msg;
    d->more.line = d->more.column = 0;
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
    if (!d)
        return NULL;
    if (i < d->n)
        return &d->v[i];
    return i == d->n && d->dropped ? &d->more : NULL;
}

KG_API size_t kg_diagnostics_count(const kg_diagnostics *d)
{
    return d ? d->n + (d->dropped > 0) : 0;
}

KG_API size_t kg_diagnostics_errors(const kg_diagnostics *d)
{
    return d ? d->errors : 0;
}

KG_API size_t kg_diagnostics_warnings(const kg_diagnostics *d)
{
    size_t all = d ? d->n + d->dropped : 0;
    return all > d->errors ? all - d->errors : 0; /* errors lost to OOM */
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
