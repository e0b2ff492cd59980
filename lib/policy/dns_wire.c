// SPDX-License-Identifier: MIT
/*
 * dns_wire.c - the DNS response parser of dns_wire.h: header, question,
 * answer records, CNAME chain. Two passes over the answer section: the
 * first checks every record's bounds and notes the CNAME records, the chain
 * is then followed over those notes, the second pass keeps the addresses
 * owned by chain names. Names are decoded again when compared rather than
 * stored per record, so the parser's state stays a few hundred bytes.
 */
#include "policy/dns_wire.h"

#include <stdbool.h>
#include <string.h>

#include "kgress.h"

enum {
    HEADER = 12,
    T_A = 1,
    T_CNAME = 5,
    T_AAAA = 28,
    C_IN = 1,
    F_QR = 0x8000,
    F_TC = 0x0200,
    CNAMES_MAX = 64, /* CNAME records noted per message; more are ignored */
};

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

/* Decodes the name at m[off] into wire[] (labels, lower case, no root
 * label), *wlen its length; *next is the offset after the name where it
 * was written (after its first pointer, or its root label). */
static int read_name(const uint8_t *m, size_t len, size_t off, size_t *next,
                     uint8_t *wire, uint8_t *wlen)
{
    size_t pos = off, limit = SIZE_MAX, n = 0;
    bool jumped = false;
    for (;;) {
        if (pos >= len)
            return KG_EDNS;
        uint8_t b = m[pos];
        if ((b & 0xC0) == 0xC0) {
            if (pos + 1 >= len)
                return KG_EDNS;
            size_t to = (size_t)(b & 0x3F) << 8 | m[pos + 1];
            /* before itself, then before the previous target: each jump
             * goes strictly backwards, so the walk ends */
            if (to >= pos || to >= limit)
                return KG_EDNS;
            if (!jumped)
                *next = pos + 2;
            jumped = true;
            limit = to;
            pos = to;
            continue;
        }
        if (b & 0xC0) /* 01 and 10: extended / obsolete label types */
            return KG_EDNS;
        if (b == 0) {
            if (!jumped)
                *next = pos + 1;
            break;
        }
        /* the name with its root label stays within 255 octets */
        if (pos + 1 + b > len || n + 1 + b + 1 > KGI_DNS_WIRE_NAME_MAX)
            return KG_EDNS;
        wire[n++] = b;
        for (size_t i = 0; i < b; i++) {
            uint8_t ch = m[pos + 1 + i];
            wire[n++] = (uint8_t)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
        }
        pos += 1 + (size_t)b;
    }
    *wlen = (uint8_t)n;
    return 0;
}

/* The text form of a decoded name, or text_len -1 (see dns_wire.h). */
static void name_text(struct kgi_dns_name *nm)
{
    size_t t = 0, i = 0;
    nm->text_len = -1;
    if (nm->wire_len == 0)
        return;
    while (i < nm->wire_len) {
        size_t l = nm->wire[i++];
        if (t)
            nm->text[t++] = '.';
        if (t + l > KGI_NAME_MAX)
            return;
        for (size_t k = 0; k < l; k++) {
            uint8_t ch = nm->wire[i++];
            if (ch <= ' ' || ch >= 0x7f || ch == '.')
                return;
            nm->text[t++] = (char)ch;
        }
    }
    nm->text[t] = 0;
    nm->text_len = (int)t;
}

struct rr {
    size_t owner; /* offset of the owner name */
    uint16_t type, class;
    uint32_t ttl;
    size_t rdata, rdlen;
};

/* Reads the record at *pos, checking it lies within the message; *pos
 * moves past it. */
static int read_rr(const uint8_t *m, size_t len, size_t *pos, struct rr *rr)
{
    uint8_t wire[KGI_DNS_WIRE_NAME_MAX], wlen;
    size_t p;
    if (read_name(m, len, *pos, &p, wire, &wlen))
        return KG_EDNS;
    if (len - p < 10)
        return KG_EDNS;
    rr->owner = *pos;
    rr->type = get16(m + p);
    rr->class = get16(m + p + 2);
    rr->ttl = get32(m + p + 4);
    if (rr->ttl & 0x80000000u) /* RFC 2181 section 8 */
        rr->ttl = 0;
    rr->rdlen = get16(m + p + 8);
    rr->rdata = p + 10;
    if (rr->rdlen > len - rr->rdata)
        return KG_EDNS;
    *pos = rr->rdata + rr->rdlen;
    return 0;
}

/* Index of the chain name equal to the name at m[off], or -1. */
static int chain_index(const struct kgi_dns_answer *a, const uint8_t *m,
                       size_t len, size_t off)
{
    uint8_t wire[KGI_DNS_WIRE_NAME_MAX], wlen;
    size_t next;
    if (read_name(m, len, off, &next, wire, &wlen))
        return -1;
    for (size_t i = 0; i < a->n_names; i++)
        if (a->names[i].wire_len == wlen &&
            memcmp(a->names[i].wire, wire, wlen) == 0)
            return (int)i;
    return -1;
}

int kgi_dns_parse(const uint8_t *msg, size_t len, struct kgi_dns_answer *out)
{
    if (!msg || len < HEADER)
        return KG_EDNS;
    uint16_t flags = get16(msg + 2);
    size_t qd = get16(msg + 4), an = get16(msg + 6);
    out->id = get16(msg);
    out->rcode = flags & 0xF;
    out->n_names = out->n_addrs = out->dropped = 0;
    out->qtype = 0;
    if (!(flags & F_QR) || (flags & F_TC) || qd != 1)
        return KG_EDNS;
    size_t pos = HEADER;
    struct kgi_dns_name *q = &out->names[0];
    if (read_name(msg, len, pos, &pos, q->wire, &q->wire_len) || len - pos < 4)
        return KG_EDNS;
    out->qtype = get16(msg + pos);
    uint16_t qclass = get16(msg + pos + 2);
    pos += 4;

    /* pass 1: every answer record within bounds; CNAMEs noted */
    size_t first = pos, cnames[CNAMES_MAX], n_cnames = 0;
    for (size_t i = 0; i < an; i++) {
        struct rr rr;
        size_t at = pos;
        if (read_rr(msg, len, &pos, &rr))
            return KG_EDNS;
        if (rr.class != C_IN)
            continue;
        if ((rr.type == T_A && rr.rdlen != 4) ||
            (rr.type == T_AAAA && rr.rdlen != 16))
            return KG_EDNS;
        if (rr.type == T_CNAME) {
            uint8_t wire[KGI_DNS_WIRE_NAME_MAX], wlen;
            size_t end;
            if (read_name(msg, len, rr.rdata, &end, wire, &wlen) ||
                end != rr.rdata + rr.rdlen)
                return KG_EDNS;
            if (n_cnames < CNAMES_MAX)
                cnames[n_cnames++] = at;
        }
    }
    /* well formed; names nothing unless a NOERROR answer about IN */
    if (out->rcode != 0 || (flags >> 11 & 0xF) != 0 || qclass != C_IN)
        return 0;
    q->ttl = KGI_DNS_TTL_NONE;
    name_text(q);
    out->n_names = 1;

    /* the chain: the CNAME owned by the last name, until a loop */
    bool linked = true;
    while (linked && out->n_names < KGI_DNS_CHAIN_MAX) {
        linked = false;
        for (size_t c = 0; c < n_cnames; c++) {
            struct rr rr;
            size_t p = cnames[c];
            if (read_rr(msg, len, &p, &rr) ||
                chain_index(out, msg, len, rr.owner) != (int)out->n_names - 1)
                continue;
            /* the first CNAME of the name decides (RFC 2181 section 10.1
             * allows one); a target already in the chain is a loop */
            if (chain_index(out, msg, len, rr.rdata) >= 0)
                break;
            struct kgi_dns_name *nm = &out->names[out->n_names];
            size_t end;
            if (read_name(msg, len, rr.rdata, &end, nm->wire, &nm->wire_len))
                return KG_EDNS;
            nm->ttl = rr.ttl;
            name_text(nm);
            out->n_names++;
            linked = true;
            break;
        }
    }

    /* pass 2: the addresses of chain names */
    pos = first;
    for (size_t i = 0; i < an; i++) {
        struct rr rr;
        if (read_rr(msg, len, &pos, &rr))
            return KG_EDNS;
        if (rr.class != C_IN || (rr.type != T_A && rr.type != T_AAAA))
            continue;
        int owner = chain_index(out, msg, len, rr.owner);
        if (owner < 0)
            continue;
        if (out->n_addrs == KGI_DNS_ADDRS_MAX) {
            out->dropped++;
            continue;
        }
        struct kgi_dns_addr *a = &out->addrs[out->n_addrs++];
        memset(&a->ip, 0, sizeof(a->ip));
        a->ip.family = rr.type == T_A ? 4 : 6;
        memcpy(a->ip.b, msg + rr.rdata, rr.rdlen);
        a->ttl = rr.ttl;
        a->owner = (uint8_t)owner;
    }
    return 0;
}

uint32_t kgi_dns_ttl_for(const struct kgi_dns_answer *ans, size_t i, size_t a)
{
    size_t owner = ans->addrs[a].owner;
    if (i > owner)
        return KGI_DNS_TTL_NONE;
    uint32_t ttl = ans->addrs[a].ttl;
    for (size_t k = i + 1; k <= owner; k++)
        if (ans->names[k].ttl < ttl)
            ttl = ans->names[k].ttl;
    return ttl;
}
