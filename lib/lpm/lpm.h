// SPDX-License-Identifier: MIT
/*
 * lpm.h - longest-prefix-match tables for IPv4 and IPv6 (internal API).
 *
 * The network-policy verdict is one longest-prefix-match lookup per packet,
 * against tables of up to a full BGP view (about 900k IPv4 and 160k IPv6
 * prefixes). A table is built once from an unordered array of prefixes and is
 * then immutable: lookups are lock-free, allocation-free and safe from any
 * number of threads. The representation (a Poptrie-style multibit trie with
 * popcount-compressed nodes under a direct-indexed top level) and its sizing
 * are explained in lpm_trie.h; lpm4.c and lpm6.c hold the per-family lookups.
 */
#ifndef KGI_LPM_LPM_H
#define KGI_LPM_LPM_H

#include <stddef.h>
#include <stdint.h>

/* Lookup result when no prefix covers the key. */
#define KGI_LPM_NONE UINT32_MAX

/* Values must be < KGI_LPM_MAX_VALUE (2^31 - 1). The top-level slots keep a
 * value or a node reference in 32 bits: one bit tells which, and value + 1 is
 * stored so that the empty slot is 0 (see lpm_trie.h). Tables whose values
 * are all below 0xffff store 2-byte leaves, and are about a third smaller. */
#define KGI_LPM_MAX_VALUE 0x7fffffffu

struct kgi_lpm4;
struct kgi_lpm6;

struct kgi_lpm4_entry {
    uint32_t addr; /* host byte order */
    uint8_t len;   /* 0..32 */
    uint32_t value;
};

struct kgi_lpm6_entry {
    uint8_t addr[16]; /* network byte order */
    uint8_t len;      /* 0..128 */
    uint32_t value;
};

/*
 * Builds a table from e[0..n) (any order). Host bits beyond len are ignored;
 * for duplicate (addr, len) pairs the last one in the array wins. n == 0 (e
 * may then be NULL) gives an empty table. Returns 0 and sets *out, or -1 with
 * *out untouched on a bad argument (out NULL, e NULL with n > 0, n >= 2^32,
 * len > 32, value >= KGI_LPM_MAX_VALUE), on allocation failure, or if the
 * node or record count would pass 2^30; nothing leaks either way. Not a
 * lookup path: it radix-sorts a copy of e (O(n)) and takes ~0.1 s for a
 * full view.
 * The caller owns the table and frees it with kgi_lpm4_free().
 */
int kgi_lpm4_build(const struct kgi_lpm4_entry *e, size_t n,
                   struct kgi_lpm4 **out);
/* Value of the longest prefix covering addr (host order), or KGI_LPM_NONE.
 * t must not be NULL. Lookups read the table only: any number of threads may
 * look up one table at once, with no lock and no allocation. */
uint32_t kgi_lpm4_lookup(const struct kgi_lpm4 *t, uint32_t addr);
/* values[i] = kgi_lpm4_lookup(t, addrs[i]) for i < n (n == 0: nothing);
 * faster than a loop of single lookups because independent lookups are
 * interleaved. addrs and values must not overlap. Thread-safe as above. */
void kgi_lpm4_lookup_batch(const struct kgi_lpm4 *t, const uint32_t *addrs,
                           uint32_t *values, size_t n);
/* Prefetch for callers that pipeline lookups across their own work (the
 * batch verdict): stage 0 prefetches the top-level word of addr; stage 1,
 * called later, reads it (then in cache) and prefetches the record or node
 * it points to. Never faults, never writes; t must not be NULL. */
void kgi_lpm4_prefetch(const struct kgi_lpm4 *t, uint32_t addr, int stage);
/* Bytes held by the table (everything it allocated); t must not be NULL. */
size_t kgi_lpm4_memory(const struct kgi_lpm4 *t);
/* Frees the table; NULL is a no-op. */
void kgi_lpm4_free(struct kgi_lpm4 *t);

/* The same for IPv6; len is 0..128, addresses are 16 bytes, network order. */
int kgi_lpm6_build(const struct kgi_lpm6_entry *e, size_t n,
                   struct kgi_lpm6 **out);
uint32_t kgi_lpm6_lookup(const struct kgi_lpm6 *t, const uint8_t addr[16]);
void kgi_lpm6_lookup_batch(const struct kgi_lpm6 *t, const uint8_t (*addrs)[16],
                           uint32_t *values, size_t n);
void kgi_lpm6_prefetch(const struct kgi_lpm6 *t, const uint8_t addr[16],
                       int stage);
size_t kgi_lpm6_memory(const struct kgi_lpm6 *t);
void kgi_lpm6_free(struct kgi_lpm6 *t);

#endif
