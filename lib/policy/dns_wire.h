// SPDX-License-Identifier: MIT
/*
 * dns_wire.h - what a DNS-snooping enforcer learns from one DNS response
 * message (RFC 1035 section 4 wire format): the question name, the CNAME
 * chain that starts at it, and the A/AAAA addresses of the chain's names,
 * with their TTLs.
 *
 * Workload: a packet firewall copies every DNS answer its pods receive
 * (UDP up to 64 KiB with EDNS(0), or one TCP message without its two
 * length bytes) into the name cache: thousands of messages per second, each
 * from a resolver the pod chose and therefore hostile until proven
 * otherwise. The parser reads the message in place, bounds every read by
 * the message length, decodes each name at most twice, writes into a
 * caller-owned fixed-size struct (no allocation) and answers KG_EDNS for
 * any message it cannot read completely.
 *
 * Representation: names are kept twice, as the uncompressed wire form with
 * ASCII lower-cased labels (what the chain compares: any octet may appear
 * in a wire label, RFC 2181 section 11) and as normalized text (what
 * domain patterns match, policy/namepat.h; -1 when the name has none: a
 * label holding a dot, a space or a non-ASCII octet, or a name over 253
 * octets). The chain is an array in link order:
 *
 *     question  names[0]  shop.example.            (ttl: none)
 *     CNAME     names[1]  shop.example.cdn.net.    (ttl of that CNAME RR)
 *     CNAME     names[2]  e12.cdn.net.             (ttl of that CNAME RR)
 *     A/AAAA    addrs[]   {192.0.2.7, ttl 20, owner 2}, ...
 *
 * Rules (sources: RFC 1035 sections 3.1, 4.1, 4.1.4; RFC 2181 sections 5,
 * 8, 9, 10.1; draft NPEP-133 appendix on CNAMEs):
 *   - only a response (QR 1) to a standard query (opcode 0) with one
 *     question is read; a truncated one (TC 1) is refused: RFC 2181
 *     section 9 forbids caching a partial RRset, the TCP retry is the
 *     message to observe. An RCODE other than NOERROR (NXDOMAIN, SERVFAIL)
 *     is well formed and names nothing;
 *   - only the answer section is learnt from, only class IN, only records
 *     owned by a name of the chain: an A record for an unrelated name is
 *     never attributed to anything (a resolver may not vouch for it);
 *   - the chain follows CNAMEs from the question name in any order of the
 *     records, stops at a name already in it (a CNAME loop) and after
 *     KGI_DNS_CHAIN_MAX names;
 *   - a compression pointer must point before the previous pointer's
 *     target (the first one before itself), so a decode visits each offset
 *     at most once and ends; labels of type 01 and 10 (RFC 6891 section
 *     5, obsolete) are refused; a name over 255 octets is refused;
 *   - an A record's RDATA is 4 octets, AAAA 16 (RFC 3596), a CNAME's
 *     exactly one name: anything else is malformed;
 *   - a TTL with the top bit set is 0 (RFC 2181 section 8).
 */
#ifndef KGI_POLICY_DNS_WIRE_H
#define KGI_POLICY_DNS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "policy/namepat.h"
#include "util/ip.h"

#define KGI_DNS_WIRE_NAME_MAX 255 /* RFC 1035 section 3.1, root label incl. */
#define KGI_DNS_CHAIN_MAX 12      /* the question and 11 CNAME targets */
#define KGI_DNS_ADDRS_MAX 256     /* addresses kept per message */
#define KGI_DNS_TTL_NONE UINT32_MAX

struct kgi_dns_name {
    uint32_t ttl;     /* of the CNAME RR that reached this name; names[0]:
                         KGI_DNS_TTL_NONE */
    uint8_t wire_len; /* without the root label */
    uint8_t wire[KGI_DNS_WIRE_NAME_MAX];
    int text_len; /* -1: no valid text form (matches no pattern) */
    char text[KGI_NAME_MAX + 1];
};

struct kgi_dns_addr {
    struct kgi_ip ip;
    uint32_t ttl;
    uint8_t owner; /* index into names */
};

struct kgi_dns_answer {
    uint16_t id, qtype, rcode;
    size_t n_names; /* 0 only when the message names nothing (RCODE) */
    struct kgi_dns_name names[KGI_DNS_CHAIN_MAX];
    size_t n_addrs;
    struct kgi_dns_addr addrs[KGI_DNS_ADDRS_MAX];
    size_t dropped; /* addresses of the chain past KGI_DNS_ADDRS_MAX */
};

/* Reads msg[0..len) into *out. Returns 0 (out filled; n_addrs may be 0)
 * or KG_EDNS (malformed, not a response, truncated; *out undefined).
 * Allocation-free, reentrant. */
int kgi_dns_parse(const uint8_t *msg, size_t len, struct kgi_dns_answer *out);

/* The TTL of addrs[a] for names[i] of the chain: the smallest TTL on the
 * way from names[i] to the address (the CNAME RRs after i and the address
 * RR); a name after the owner, or a different chain, gets none
 * (KGI_DNS_TTL_NONE). */
uint32_t kgi_dns_ttl_for(const struct kgi_dns_answer *ans, size_t i, size_t a);

#endif
