// SPDX-License-Identifier: MIT
/*
 * tbuf.h - a growing text buffer for tests, fuzzers and benchmarks that
 * build YAML documents or expected outputs with printf. Test code only:
 * aborts on allocation failure (the library's own allocation failures are
 * tested through lib/util/alloc.h, not through this).
 */
#ifndef KGRESS_TESTS_TBUF_H
#define KGRESS_TESTS_TBUF_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct tbuf {
    char *p; /* NUL-terminated once anything was added */
    size_t n, cap;
};

static inline void tbuf_printf(struct tbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static inline void tbuf_printf(struct tbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0)
        abort();
    if (b->n + (size_t)need + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + (size_t)need + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            abort();
        b->p = p;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    b->n += (size_t)need;
}

static inline void tbuf_free(struct tbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

#endif
