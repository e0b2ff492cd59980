// SPDX-License-Identifier: MIT
/*
 * options.h - struct kg_options: the limits and switches of a load.
 * Plain data, copied by value into each builder and ruleset so that the
 * caller's handle may change or go away.
 */
#ifndef KGI_UTIL_OPTIONS_H
#define KGI_UTIL_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "kgress.h"

#define KGI_LIMIT_COUNT 15 /* KG_LIMIT_* are 1..14 */
#define KGI_FLAG_COUNT 11  /* KG_FLAG_* are 1..10 */
#define KGI_CLASS_MAX 253

struct kg_options {
    uint64_t limit[KGI_LIMIT_COUNT];
    bool flag[KGI_FLAG_COUNT];
    int dialect;
    size_t ingress_class_len; /* 0: every class */
    char ingress_class[KGI_CLASS_MAX + 1];
};

/* Fills o with every default. */
void kgi_options_defaults(struct kg_options *o);

static inline bool kgi_flag(const struct kg_options *o, int flag)
{
    return o->flag[flag];
}

#endif
