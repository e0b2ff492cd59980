// SPDX-License-Identifier: MIT
/*
 * radix.h - stable LSD radix sort of 160-bit keys (a 128-bit address and a
 * 32-bit tie-break), for the prefix lists of the compilers.
 *
 * Workload: the ipBlock prefixes of a policy (a full BGP view is ~1.06 M)
 * are put in preorder (address, then length) once per compile; the LPM
 * builder needs the same order. A comparison sort costs n log n (20 steps
 * for 1 M) 128-bit compares; this costs one counting pass over all 20 byte
 * digits and then one scatter pass per digit that is not the same in every
 * key: for IPv4 the 4 address bytes and the tie-break bytes in use, for IPv6
 * prefixes no longer than /64 the 8 high bytes and the tie-break. Keys
 * carry the index of their record, so callers sort 24-byte keys and then
 * permute their records once.
 */
#ifndef KGI_UTIL_RADIX_H
#define KGI_UTIL_RADIX_H

#include <stddef.h>
#include <stdint.h>

struct kgi_radix_key {
    uint64_t hi, lo; /* most significant first: hi, lo, low */
    uint32_t low;    /* tie-break (a prefix length, a kind) */
    uint32_t idx;    /* the caller's record index, carried along */
};

/* Sorts v[0..n) by (hi, lo, low), keeping the input order of equal keys.
 * Returns 0, or -1 on allocation failure with v untouched. Not a lookup
 * path (allocates n keys and 20 x 256 counters); thread-safe on distinct
 * arrays. */
int kgi_radix_sort(struct kgi_radix_key *v, size_t n);

#endif
