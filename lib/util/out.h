// SPDX-License-Identifier: MIT
/*
 * out.h - text output through a kg_write_fn sink (dumps, the CLI): printf
 * and JSON string quoting. Not used on any lookup path.
 */
#ifndef KGI_UTIL_OUT_H
#define KGI_UTIL_OUT_H

#include <stddef.h>

#include "kgress.h"

struct kgi_out {
    kg_write_fn write;
    void *user;
};

void kgi_out_printf(struct kgi_out *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void kgi_out_raw(struct kgi_out *o, const char *s, size_t n);
/* Writes s[0..n) as a JSON string literal, quotes included. */
void kgi_out_json_str(struct kgi_out *o, const char *s, size_t n);

#endif
