// SPDX-License-Identifier: MIT
/*
 * radix.c - the stable LSD radix sort of radix.h: byte digits, least
 * significant first (the 4 bytes of low, then the 8 of lo, then the 8 of
 * hi), counted for all 20 digits in one pass, scattered only for the digits
 * that differ between keys.
 */
#include "util/radix.h"

#include <string.h>

#include "util/alloc.h"

#define DIGITS 20

static unsigned digit(const struct kgi_radix_key *k, unsigned d)
{
    if (d < 4)
        return (unsigned)(k->low >> (8 * d)) & 0xff;
    if (d < 12)
        return (unsigned)(k->lo >> (8 * (d - 4))) & 0xff;
    return (unsigned)(k->hi >> (8 * (d - 12))) & 0xff;
}

int kgi_radix_sort(struct kgi_radix_key *v, size_t n)
{
    if (n < 2)
        return 0;
    struct kgi_radix_key *tmp = kgi_malloc(n * sizeof *tmp);
    size_t(*count)[256] = kgi_calloc(DIGITS, sizeof *count);
    if (!tmp || !count) {
        kgi_free(tmp);
        kgi_free(count);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        for (unsigned d = 0; d < DIGITS; d++)
            count[d][digit(&v[i], d)]++;
    struct kgi_radix_key *src = v, *dst = tmp;
    for (unsigned d = 0; d < DIGITS; d++) {
        if (count[d][digit(&v[0], d)] == n)
            continue; /* every key has this byte: the order stays */
        size_t sum = 0;
        for (unsigned b = 0; b < 256; b++) {
            size_t c = count[d][b];
            count[d][b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[d][digit(&src[i], d)]++] = src[i];
        struct kgi_radix_key *s = src;
        src = dst;
        dst = s;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
    kgi_free(tmp);
    kgi_free(count);
    return 0;
}
