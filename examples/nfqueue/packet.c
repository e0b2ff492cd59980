// SPDX-License-Identifier: MIT
/*
 * packet.c - IPv4/IPv6 header parsing for kgress-nfq (see packet.h).
 *
 * Transport ports sit at the same offsets in TCP, UDP and SCTP (source
 * port at 0, destination at 2: RFC 9293 3.1, RFC 768, RFC 9260 3.1), so one
 * read serves the three protocols NetworkPolicy knows. Every read is
 * checked against the copied length first.
 */
#include "packet.h"

#include <stdio.h>
#include <string.h>

static unsigned be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static void ports(const uint8_t *p, size_t len, size_t off, struct kgn_flow *f)
{
    f->l4_offset = off;
    if (f->protocol != KG_PROTO_TCP && f->protocol != KG_PROTO_UDP &&
        f->protocol != KG_PROTO_SCTP)
        return;
    if (len < off + 4)
        return;
    f->sport = be16(p + off);
    f->dport = be16(p + off + 2);
    f->has_ports = true;
}

static int parse4(const uint8_t *p, size_t len, struct kgn_flow *f)
{
    size_t ihl;

    if (len < 20)
        return -1;
    ihl = (size_t)(p[0] & 0x0f) * 4;
    if (ihl < 20 || len < ihl)
        return -1;
    f->protocol = p[9];
    f->src.family = f->dst.family = 4;
    memcpy(f->src.bytes, p + 12, 4);
    memcpy(f->dst.bytes, p + 16, 4);
    /* a non-first fragment carries no transport header (RFC 791) */
    if ((be16(p + 6) & 0x1fff) != 0)
        return 0;
    ports(p, len, ihl, f);
    return 0;
}

static int parse6(const uint8_t *p, size_t len, struct kgn_flow *f)
{
    size_t off = 40;
    int next, i;

    if (len < 40)
        return -1;
    f->src.family = f->dst.family = 6;
    memcpy(f->src.bytes, p + 8, 16);
    memcpy(f->dst.bytes, p + 24, 16);
    next = p[6];
    for (i = 0; i < KGN_IPV6_EXT_MAX; i++) {
        switch (next) {
        case 0:  /* hop-by-hop options */
        case 43: /* routing */
        case 60: /* destination options */
            if (len < off + 2)
                goto opaque;
            next = p[off];
            off += ((size_t)p[off + 1] + 1) * 8;
            continue;
        case 44: /* fragment: only the first one has the transport header */
            if (len < off + 8)
                goto opaque;
            next = p[off];
            if ((be16(p + off + 2) & 0xfff8) != 0) {
                f->protocol = next;
                return 0;
            }
            off += 8;
            continue;
        case 51: /* authentication header (RFC 4302: length in 4-byte units) */
            if (len < off + 2)
                goto opaque;
            next = p[off];
            off += ((size_t)p[off + 1] + 2) * 4;
            continue;
        default:
            f->protocol = next;
            ports(p, len, off, f);
            return 0;
        }
    }
opaque:
    /* too many or truncated extension headers: no transport header */
    f->protocol = next;
    return 0;
}

int kgn_packet_parse(const uint8_t *p, size_t len, struct kgn_flow *out)
{
    memset(out, 0, sizeof *out);
    if (len < 1)
        return -1;
    switch (p[0] >> 4) {
    case 4:
        return parse4(p, len, out);
    case 6:
        return parse6(p, len, out);
    default:
        return -1;
    }
}

const char *kgn_protocol_name(int protocol, char *buf, size_t cap)
{
    switch (protocol) {
    case KG_PROTO_TCP:
        return "TCP";
    case KG_PROTO_UDP:
        return "UDP";
    case KG_PROTO_SCTP:
        return "SCTP";
    case 1:
        return "ICMP";
    case 58:
        return "ICMPv6";
    default:
        snprintf(buf, cap, "%d", protocol);
        return buf;
    }
}
