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
    const char *object; /* "Kind namespace/name" it belongs to, or NULL */
    uint32_t line, column;
};

/* At most `max` diagnostics are kept (KG_LIMIT_DIAGNOSTICS, issue 15 item
 * 16): a million invalid labels must not cost a million formatted
 * messages. The ones past the cap are only counted, with one bit each
 * saying whether it was an error (so skip-invalid can still demote them),
 * and read back as one summary entry after the kept ones ("N more").
 * Positions in the list of every reported diagnostic, kept or not, are
 * marks (kgi_diag_mark); kept entries are v[0..n). */
struct kg_diagnostics {
    struct kgi_diag *v;
    size_t n, cap;
    size_t errors; /* every error reported, kept or not */
    bool oom;      /* a diagnostic was lost to allocation failure */
    size_t max;    /* diagnostics kept at most (SIZE_MAX: all) */
    size_t dropped, dropped_errors;
    uint8_t *dropbits; /* bit j: dropped diagnostic j was an error */
    size_t dropbits_cap;
    size_t *order;        /* file order of v (kgi_diag_set_order), when */
    size_t n_order;       /* == n; any change of the list drops it */
    struct kgi_diag more; /* the summary entry, index n when dropped */
    char more_msg[160];
    struct kgi_arena arena;
};

void kgi_diag_init(struct kg_diagnostics *d);
void kgi_diag_release(struct kg_diagnostics *d);
/* Appends one diagnostic (message printf-style), or counts it when the cap
 * is reached. Returns 0 or KG_ENOMEM (then d->oom is set and, for errors,
 * d->errors still counts it so a failed load is never mistaken for a clean
 * one). */
int kgi_diag_add(struct kg_diagnostics *d, int severity, int code,
                 const char *file, const char *path, uint32_t line,
                 uint32_t column, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 8, 9)))
#endif
    ;
/* Whether the next diagnostic would only be counted: callers may skip
 * formatting its message. */
static inline bool kgi_diag_full(const struct kg_diagnostics *d)
{
    return d->n >= d->max;
}
/* The position the next diagnostic gets: a mark for kgi_diag_demote and
 * kgi_diag_truncate, counting the diagnostics past the cap too. */
static inline size_t kgi_diag_mark(const struct kg_diagnostics *d)
{
    return d->n + d->dropped;
}
/* Turns the errors from mark `from` on into warnings (skip-invalid), the
 * dropped ones included. */
void kgi_diag_demote(struct kg_diagnostics *d, size_t from);
/* Forgets the diagnostics from mark `from` on; `errors` is the error count
 * the list had at that mark. */
void kgi_diag_truncate(struct kg_diagnostics *d, size_t from, size_t errors);
/* An arena copy of s[0..n) made log-safe (kg_text_escape), or NULL. */
const char *kgi_diag_safe_dup(struct kg_diagnostics *d, const char *s,
                              size_t n);
/* Makes the public accessors read v in the order order[0..n) (a
 * permutation of the kept entries, taken over); until the list changes. */
void kgi_diag_set_order(struct kg_diagnostics *d, size_t *order);
/* Writes the summary entry's text; call when a builder call ends, before
 * the list is read. */
void kgi_diag_finish(struct kg_diagnostics *d);

/* Whether an allocation failed since d had `before` diagnostics: a lost
 * diagnostic, or a KG_ENOMEM one. */
bool kgi_diag_oom_since(const struct kg_diagnostics *d, size_t before);

#endif
