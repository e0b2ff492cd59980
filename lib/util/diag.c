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
    kgi_free(d->order);
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

/* Length of the well-formed UTF-8 sequence at s[0..n) (RFC 3629: no
 * overlong forms, surrogates or code points past U+10FFFF) and its code
 * point, or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len = c < 0x80   ? 1
                 : c < 0xc2 ? 0
                 : c < 0xe0 ? 2
                 : c < 0xf0 ? 3
                 : c < 0xf5 ? 4
                            : 0;
    if (!len || len > n)
        return 0;
    uint32_t v = len == 1 ? c : c & (0x7fu >> len);
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[k] & 0x3fu);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

/* Code points a terminal or a log viewer acts on: C1 controls (CSI is
 * U+009B), line and paragraph separators, bidi embeddings, overrides and
 * isolates (text that displays in another order than it reads). */
static bool unsafe_cp(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* s[0..n) made safe to log (issue 15 item 17): a diagnostic is one line
 * whatever the manifest holds. Printable ASCII and well-formed UTF-8 stay
 * as they are; control bytes, DEL and bytes of malformed UTF-8 become
 * \xNN, the code points of unsafe_cp \uNNNN. Writes to out when not NULL;
 * returns the length. */
static size_t log_safe(const char *s, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        size_t len =
            u[i] >= 0x20 && u[i] != 0x7f ? utf8_seq(u + i, n - i, &cp) : 0;
        if (len && !unsafe_cp(cp)) {
            if (out)
                memcpy(out + w, s + i, len);
            w += len;
            i += len;
        } else if (len) {
            if (out)
                snprintf(out + w, 7, "\\u%04x", (unsigned)cp);
            w += 6;
            i += len;
        } else {
            if (out) {
                out[w] = '\\';
                out[w + 1] = 'x';
                out[w + 2] = hex[u[i] >> 4];
                out[w + 3] = hex[u[i] & 15];
            }
            w += 4;
            i++;
        }
    }
    return w;
}

KG_API size_t kg_text_escape(const char *s, size_t n, char *buf, size_t cap)
{
    if (!s)
        n = 0;
    size_t need = log_safe(s ? s : "", n, NULL);
    if (!buf || !cap)
        return need;
    if (need < cap) {
        log_safe(s ? s : "", n, buf);
        buf[need] = '\0';
        return need;
    }
    /* too small: as much as fits, never half an escape */
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        size_t len = 1;
        uint32_t cp;
        const unsigned char *u = (const unsigned char *)s + i;
        if (u[0] >= 0x20 && u[0] != 0x7f) {
            size_t l = utf8_seq(u, n - i, &cp);
            if (l)
                len = l;
        }
        size_t piece = log_safe(s + i, len, NULL);
        if (w + piece >= cap)
            break;
        log_safe(s + i, len, buf + w);
        w += piece;
        i += len;
    }
    buf[w] = '\0';
    return need;
}

/* An arena copy of s[0..n) as log_safe writes it. */
static const char *safe_dup(struct kgi_arena *a, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f)
        i++;
    if (i == n) /* printable ASCII: the common case */
        return kgi_arena_strndup(a, s, n);
    size_t len = log_safe(s, n, NULL);
    char *out = kgi_arena_alloc(a, len + 1, 1);
    if (!out)
        return NULL;
    log_safe(s, n, out);
    out[len] = '\0';
    return out;
}

int kgi_diag_add(struct kg_diagnostics *d, int severity, int code,
                 const char *file, const char *path, uint32_t line,
                 uint32_t column, const char *fmt, ...)
{
    if (severity == KG_SEVERITY_ERROR)
        d->errors++;
    d->n_order = 0;
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
    g->object = NULL;
    /* file, path and message may carry a manifest's bytes: made safe to
     * log here, once for every diagnostic */
    g->file = safe_dup(&d->arena, file ? file : "", file ? strlen(file) : 0);
    g->path = safe_dup(&d->arena, path ? path : "", path ? strlen(path) : 0);
    if ((size_t)n < sizeof(stack)) {
        g->message = safe_dup(&d->arena, stack, (size_t)n);
    } else {
        char *m = kgi_malloc((size_t)n + 1);
        g->message = NULL;
        if (m) {
            va_start(ap, fmt);
            vsnprintf(m, (size_t)n + 1, fmt, ap);
            va_end(ap);
            g->message = safe_dup(&d->arena, m, (size_t)n);
            kgi_free(m);
        }
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

const char *kgi_diag_safe_dup(struct kg_diagnostics *d, const char *s, size_t n)
{
    return safe_dup(&d->arena, s, n);
}

void kgi_diag_set_order(struct kg_diagnostics *d, size_t *order)
{
    kgi_free(d->order);
    d->order = order;
    d->n_order = order ? d->n : 0;
}

void kgi_diag_truncate(struct kg_diagnostics *d, size_t from, size_t errors)
{
    d->n_order = 0;
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
        return &d->v[d->n_order == d->n ? d->order[i] : i];
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
    if (!d)
        return 0;
    size_t all = d->n + d->dropped;
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

KG_API const char *kg_diagnostic_object(const kg_diagnostics *d, size_t i)
{
    const struct kgi_diag *g = at(d, i);
    return g && g->object ? g->object : "";
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
    const char *obj = g->object ? g->object : "";
    int n =
        snprintf(buf, buf ? cap : 0, "%s:%u:%u: %s: %s%s%s%s%s [%s]",
                 g->file[0] ? g->file : "<input>", (unsigned)g->line,
                 (unsigned)g->column, sev, obj, obj[0] ? ": " : "", g->path,
                 g->path[0] ? ": " : "", g->message, kg_error_name(g->code));
    return n < 0 ? 0 : (size_t)n;
}
