// SPDX-License-Identifier: MIT
/*
 * namepat_v1.h - the previous layout of the domainNames pattern table
 * (namepat_v1.c), the baseline of bench_namepat.
 */
#ifndef NAMEPAT_V1_H
#define NAMEPAT_V1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/namepat.h"

struct np1_slot {
    uint32_t tag, body, exact, wild;
};

struct np1 {
    struct np1_slot *slots;
    uint32_t mask;
    uint32_t n_bodies;
    uint32_t n_patterns;
    uint64_t exact_labels, wild_labels;
    uint64_t *filter;
    char *pool;
    size_t pool_len, pool_cap;
    uint32_t *text_off;
    size_t text_off_cap;
    char *texts;
    size_t texts_len, texts_cap;
};

void np1_init(struct np1 *t);
void np1_release(struct np1 *t);
int np1_add(struct np1 *t, const char *pat, size_t n, uint32_t *id);
size_t np1_match(const struct np1 *t, const char *name, size_t n, uint32_t *ids,
                 size_t cap);
size_t np1_bytes(const struct np1 *t);

#endif
