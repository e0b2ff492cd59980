// SPDX-License-Identifier: MIT
/*
 * out.c - formatted output to a kg_write_fn. See out.h.
 */
#include "util/out.h"

#include <stdarg.h>
#include <stdio.h>

#include "util/alloc.h"

void kgi_out_raw(struct kgi_out *o, const char *s, size_t n)
{
    if (n)
        o->write(o->user, s, n);
}

void kgi_out_printf(struct kgi_out *o, const char *fmt, ...)
{
    char stack[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(stack, sizeof(stack), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(stack)) {
        kgi_out_raw(o, stack, (size_t)n);
        return;
    }
    char *big = kgi_malloc((size_t)n + 1);
    if (!big)
        return;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    kgi_out_raw(o, big, (size_t)n);
    kgi_free(big);
}

void kgi_out_json_str(struct kgi_out *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    kgi_out_raw(o, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
            continue;
        kgi_out_raw(o, s + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        if (c == '"' || c == '\\') {
            esc[1] = (char)c;
            kgi_out_raw(o, esc, 2);
        } else {
            kgi_out_raw(o, esc, 6);
        }
    }
    kgi_out_raw(o, s + run, n - run);
    kgi_out_raw(o, "\"", 1);
}
