// SPDX-License-Identifier: MIT
/*
 * packet.h - what kgress-nfq needs from a queued packet: its flow
 * (addresses, protocol, ports) for kg_check.
 *
 * Workload: the first packet of every new connection, as NFQUEUE hands it
 * over (the IP header first, copy range a few hundred bytes). The parser
 * reads only [p, p + len), walks at most KGN_IPV6_EXT_MAX IPv6 extension
 * headers, and reports a packet without a readable transport header (a
 * non-first fragment, a truncated copy) with has_ports false, so the
 * caller can judge it on port 0 or refuse it.
 */
#ifndef KGRESS_NFQ_PACKET_H
#define KGRESS_NFQ_PACKET_H

#include <kgress.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* extension headers walked before giving up on an IPv6 packet: more than
 * any real stack sends (RFC 8200 section 4.1 recommends an order of six) */
#define KGN_IPV6_EXT_MAX 8

struct kgn_flow {
    struct kg_addr src, dst;
    int protocol; /* IP protocol number of the transport header */
    bool has_ports;
    unsigned sport, dport;
    size_t l4_offset; /* where the transport header starts */
};

/* Parses an IPv4 or IPv6 packet. Returns 0, or -1 when it is not one (bad
 * version, header truncated). */
int kgn_packet_parse(const uint8_t *p, size_t len, struct kgn_flow *out);

/* "TCP", "UDP", "SCTP", "ICMP", "ICMPv6" or the number as text, into buf
 * (at least 8 bytes); returns buf. */
const char *kgn_protocol_name(int protocol, char *buf, size_t cap);

#endif
