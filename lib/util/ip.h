// SPDX-License-Identifier: MIT
/*
 * ip.h - IPv4/IPv6 addresses and CIDR prefixes: parsing, masking,
 * containment and formatting.
 *
 * Workload: every pod IP, host IP and ipBlock cidr/except of a load is
 * parsed once here (control plane), and kg_check parses the two addresses
 * of each flow (hot path: kgi_ip_parse neither allocates nor locks).
 *
 * Representation: one 17-byte value for both families, network byte order,
 * IPv4 in b[0..3] (b[4..15] zero), so comparisons and the LPM tables work
 * on bytes without conversions. A CIDR is an address plus a prefix length
 * and is always stored masked (host bits zero).
 *
 * Accepted text (Kubernetes apimachinery pkg/util/validation/ip.go, rule 31
 * of netpol-semantics.md): the API server parses IPs and CIDRs "sloppily"
 * (Go's legacy net.ParseIP/ParseCIDR plus IPv4 leading zeros read as
 * decimal) and only *warns* about three non-canonical forms, which it
 * rejects when the StrictIPCIDRValidation gate is on:
 *   - IPv4 octets with leading zeros ("010.0.0.0/8" = 10.0.0.0/8),
 *   - IPv4-mapped IPv6 ("::ffff:1.2.3.4"): treated as the IPv4 address, as
 *     Go's net.IP does (the /len of a mapped CIDR >= 96 becomes len - 96),
 *   - a CIDR with host bits set ("192.0.2.77/24"): masked to 192.0.2.0/24.
 * The legacy parsers report these as KGI_IPW_* warning bits, or as the
 * KGI_IP_ESTRICT error when KGI_IP_STRICT is passed (KG_FLAG_STRICT_CIDR).
 * Zone ids ("fe80::1%eth0"), prefix lengths beyond the family (/33, /129),
 * signs, spaces, empty text and anything else are errors in every mode.
 */
#ifndef KGI_UTIL_IP_H
#define KGI_UTIL_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kgi_ip {
    uint8_t family; /* 4 or 6 (0: unset) */
    uint8_t b[16];  /* network order; IPv4 in b[0..3], rest zero */
};

struct kgi_cidr {
    struct kgi_ip ip; /* masked: host bits are zero */
    uint8_t len;      /* 0..32 or 0..128 */
};

/* Failure reasons of the parsers (0 is success). */
enum kgi_ip_reason {
    KGI_IP_OK = 0,
    KGI_IP_EEMPTY = 1,    /* empty text */
    KGI_IP_ESYNTAX = 2,   /* not an IPv4 or IPv6 address */
    KGI_IP_EZONE = 3,     /* an IPv6 zone id ("%eth0") */
    KGI_IP_ENOPREFIX = 4, /* CIDR without "/len", or "/" with nothing after */
    KGI_IP_EPREFIX = 5,   /* prefix length not a number within the family */
    KGI_IP_ESTRICT = 6,   /* a warning form while KGI_IP_STRICT is set */
};

/* flags of the legacy parsers */
#define KGI_IP_STRICT 1u /* warning forms become KGI_IP_ESTRICT */

/* warning bits (API-server warnings; the value is normalized) */
#define KGI_IPW_HOST_BITS 1u    /* CIDR had host bits set; masked */
#define KGI_IPW_LEADING_ZERO 2u /* IPv4 octet with leading zeros */
#define KGI_IPW_MAPPED 4u       /* IPv4-mapped IPv6; converted to IPv4 */

/* Longest text kgi_ip_format / kgi_cidr_format write, NUL included. */
#define KGI_IP_STRLEN 46
#define KGI_CIDR_STRLEN 50

/* Strict parse of one address: dotted-quad IPv4 without leading zeros, or
 * RFC 4291 IPv6 text (with an optional trailing dotted quad). No zone, no
 * spaces, no prefix. An IPv4-mapped IPv6 address stays family 6 (see
 * kgi_ip_unmap). s need not be NUL-terminated. Never allocates;
 * thread-safe. Returns false (out untouched) when s[0..n) is not one. */
bool kgi_ip_parse(const char *s, size_t n, struct kgi_ip *out);

/* The API server's reading of an IP field (pod status IPs, host IPs):
 * leading zeros and IPv4-mapped IPv6 are accepted and normalized with a
 * warning bit in *warnings (may be NULL), or rejected with KGI_IP_ESTRICT
 * when flags has KGI_IP_STRICT (*warnings then says why). Returns 0 or a
 * kgi_ip_reason. */
int kgi_ip_parse_legacy(const char *s, size_t n, unsigned flags,
                        struct kgi_ip *out, unsigned *warnings);

/* The API server's reading of a CIDR field ("addr/len"): as above, plus
 * host bits set (masked, KGI_IPW_HOST_BITS). *warnings (may be NULL) gets
 * the KGI_IPW_* bits, also with KGI_IP_ESTRICT. On success out is masked.
 * Returns 0 or a kgi_ip_reason. */
int kgi_cidr_parse(const char *s, size_t n, unsigned flags,
                   struct kgi_cidr *out, unsigned *warnings);

/* Message for a kgi_ip_reason, worded like the API server. Never NULL. */
const char *kgi_ip_strerror(int reason);

/* If ip is IPv4-mapped IPv6 (::ffff:a.b.c.d), turns it into a.b.c.d and
 * returns true; otherwise leaves it and returns false. */
bool kgi_ip_unmap(struct kgi_ip *ip);

/* Same family and same bytes. */
bool kgi_ip_equal(const struct kgi_ip *a, const struct kgi_ip *b);

/* Zeroes the bits of ip beyond len (len clamped to the family). */
void kgi_ip_mask(struct kgi_ip *ip, unsigned len);

/* True when ip (same family) lies inside the prefix c. Different families
 * never match (0.0.0.0/0 does not contain ::1). */
bool kgi_cidr_has_ip(const struct kgi_cidr *c, const struct kgi_ip *ip);

/* True when inner lies inside outer: same family, inner->len >= outer->len
 * and inner's network inside outer. (Equal prefixes contain each other;
 * "strictly inside" is this plus inner->len > outer->len.) */
bool kgi_cidr_contains(const struct kgi_cidr *outer,
                       const struct kgi_cidr *inner);

/* Canonical text (RFC 5952 for IPv6: lower case, longest zero run
 * compressed) into buf of at least KGI_IP_STRLEN / KGI_CIDR_STRLEN bytes.
 * Returns the length written (without the NUL). */
size_t kgi_ip_format(const struct kgi_ip *ip, char *buf);
size_t kgi_cidr_format(const struct kgi_cidr *c, char *buf);

#endif
