// SPDX-License-Identifier: MIT
/*
 * cidrtab.h - a prefix -> value table of one rule set (IPv4 or IPv6): the
 * "peer class" lookup of a NetworkPolicy verdict.
 *
 * Workload: built once per rule set and address family at compile time,
 * then looked up once per flow side. Sizes range from nothing (most rule
 * sets of a cluster have a handful of pod /32s and a few ipBlocks) to a
 * full BGP view in one egress policy (~900k IPv4 prefixes).
 *
 * Representation, by size:
 *   - up to a threshold: the prefixes, leaf-pushed into disjoint address
 *     ranges (at most 2n + 1 of them), as a sorted array of range starts
 *     searched by binary search. Cost: 8 (IPv4) or 20 (IPv6) bytes per
 *     range in the ruleset's arena, log2(2n + 1) probes.
 *   - more: the LPM module (lib/lpm, Poptrie), whose top level alone costs
 *     1 MiB (IPv4) or 256 KiB (IPv6) per table, and whose lookup is at most
 *     a few loads whatever n is.
 * Thresholds: a cluster has one rule set per distinct set of selecting
 * policies (thousands in a large cluster), and selector peers put every
 * selected pod's /32 in its tables, so a fixed 1.25 MiB per rule set would
 * cost gigabytes. A table therefore becomes an LPM only when its range
 * array would cost more than the LPM's fixed top level: IPv4 (2n + 1) x 8 B
 * > 1 MiB, i.e. n >= 65,536 prefixes (kgi_cidrtab_lpm_min); IPv6
 * (2n + 1) x 20 B > 256 KiB, i.e. n >= 6,553 (a tenth of it). Up to there
 * the binary search takes at most 17 probes, its first levels shared by
 * every lookup and so cached; a BGP-view policy gets the LPM.
 *
 * Keys are 128-bit, IPv4 in the top 32 bits (struct kgi_ip byte order), so
 * one code path serves both families; tables never mix families.
 */
#ifndef KGI_COMPILE_CIDRTAB_H
#define KGI_COMPILE_CIDRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "lpm/lpm.h"
#include "util/arena.h"
#include "util/ip.h"

#define KGI_CIDRTAB_NONE UINT32_MAX

/* IPv4 prefix count from which a table uses the LPM module; IPv6 uses a
 * tenth of it (see above). Tests lower it (to 0) to exercise both
 * representations on the same input; it is read when a table is built,
 * never on lookups. */
extern size_t kgi_cidrtab_lpm_min;

struct kgi_u128 {
    uint64_t hi, lo;
};

struct kgi_cidrtab_entry {
    struct kgi_cidr cidr; /* masked */
    uint32_t value;       /* < KGI_LPM_MAX_VALUE */
};

struct kgi_cidrtab {
    uint8_t family;         /* 4 or 6; 0: empty table (always NONE) */
    uint32_t n;             /* ranges (array representation) */
    struct kgi_u128 *start; /* IPv6: n sorted range starts, start[0] == 0 */
    uint32_t *start4;       /* IPv4: the same as 32-bit addresses */
    uint32_t *value;        /* value of each range (NONE: no prefix) */
    struct kgi_lpm4 *lpm4;  /* LPM representation (owned) */
    struct kgi_lpm6 *lpm6;
};

/* Builds t for one family from e[0..n): sorted in place by prefix
 * (preorder: address, then length) unless in that order already (a linear
 * check), so duplicates must not be present
 * (the caller merges them). Arrays go to arena; an LPM table is allocated
 * and must be freed with kgi_cidrtab_release. Returns 0 or -1 (allocation
 * failure; t is then empty and owns nothing). */
int kgi_cidrtab_build(struct kgi_cidrtab *t, int family,
                      struct kgi_cidrtab_entry *e, size_t n,
                      struct kgi_arena *arena);
/* Frees an LPM table t may own. */
void kgi_cidrtab_release(struct kgi_cidrtab *t);
/* Prefetches what kgi_cidrtab_lookup(t, ip) will read, in two stages (see
 * kgi_lpm4_prefetch); a range table (small, in cache) is left alone. */
void kgi_cidrtab_prefetch(const struct kgi_cidrtab *t, const struct kgi_ip *ip,
                          int stage);
/* Value of the longest prefix containing ip, KGI_CIDRTAB_NONE when none or
 * when ip is of another family. No allocation; thread-safe. */
uint32_t kgi_cidrtab_lookup(const struct kgi_cidrtab *t,
                            const struct kgi_ip *ip);
/* Bytes the table uses (arrays and LPM). */
size_t kgi_cidrtab_memory(const struct kgi_cidrtab *t);

/* 128-bit key helpers (IPv4 in the top 32 bits). */
struct kgi_u128 kgi_u128_of_ip(const struct kgi_ip *ip);
/* Last key of prefix c (start | host bits set). */
struct kgi_u128 kgi_u128_last(const struct kgi_cidr *c);
/* Orders prefixes in preorder: by start address, then shorter first. */
int kgi_cidr_cmp(const struct kgi_cidr *a, const struct kgi_cidr *b);

static inline int kgi_u128_cmp(struct kgi_u128 a, struct kgi_u128 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}

#endif
