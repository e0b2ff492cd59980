// SPDX-License-Identifier: MIT
/*
 * diag.h - the collected diagnostics of a load (struct kg_diagnostics).
 *
 * A load reports every problem, not the first: each one is appended here
 * with its code, severity, file, field path and 1-based mark. Strings are
 * copied into the list's own arena, so nodes and sources may go away.
 */
#ifndef KGI_UTIL_DIAG_H
#define KGI_UTIL_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kgress.h"
#include "util/arena.h"

struct kgi_diag {
    int severity;
    int code;
    const char *file;
    const char *path;
    const char *message;
    uint32_t line, column;
};

struct kg_diagnostics {
    struct kgi_diag *v;
    size_t n, cap;
    size_t errors;
    bool oom; /* a diagnostic was lost to allocation failure */
    struct kgi_arena arena;
};

void kgi_diag_init(struct kg_diagnostics *d);
void kgi_diag_release(struct kg_diagnostics *d);
/* Appends one diagnostic (message printf-style). Returns 0 or KG_ENOMEM
 * (then d->oom is set and, for errors, d->errors still counts it so a
 * failed load is never mistaken for a clean one). */
int kgi_diag_add(struct kg_diagnostics *d, int severity, int code,
                 const char *file, const char *path, uint32_t line,
                 uint32_t column, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 8, 9)))
#endif
    ;
/* Turns the errors from index `from` on into warnings (skip-invalid). */
void kgi_diag_demote(struct kg_diagnostics *d, size_t from);

/* Whether an allocation failed since d had `before` diagnostics: a lost
 * diagnostic, or a KG_ENOMEM one. */
bool kgi_diag_oom_since(const struct kg_diagnostics *d, size_t before);

#endif
