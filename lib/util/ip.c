// SPDX-License-Identifier: MIT
/*
 * ip.c - IPv4/IPv6 address and CIDR parsing, masking, containment and
 * formatting. See ip.h for the accepted forms and why.
 *
 * One hand-written scanner serves the strict and the legacy reading: it
 * records the non-canonical forms it meets (leading zeros, IPv4-mapped)
 * and the caller decides whether they are errors or warnings. No
 * allocation, no locale, no libc parsers (inet_pton accepts a different set
 * of forms on each platform), so the hot path can use kgi_ip_parse.
 */
#include "util/ip.h"

#include <string.h>

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Dotted quad s[0..n) into out[0..4). Leading zeros are read as decimal
 * (as Kubernetes' ParseIPSloppy does) and flagged in *lz. */
static bool parse_v4(const char *s, size_t n, uint8_t out[4], bool *lz)
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= n || s[i] != '.')
                return false;
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            v = v * 10 + (unsigned)(s[i] - '0');
            if (v > 255)
                return false;
            i++;
        }
        if (i == start)
            return false;
        if (i - start > 1 && s[start] == '0')
            *lz = true;
        out[part] = (uint8_t)v;
    }
    return i == n;
}

/* RFC 4291 §2.2 text s[0..n) into out[0..16). An embedded dotted quad is
 * allowed as the last 32 bits. */
static bool parse_v6(const char *s, size_t n, uint8_t out[16], bool *lz)
{
    uint8_t b[16];
    int ngroups = 0;   /* 16-bit groups written to b */
    int ellipsis = -1; /* group index where "::" stands */
    size_t i = 0;

    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        ellipsis = 0;
        i = 2;
        if (i == n) {
            memset(out, 0, 16);
            return true;
        }
    } else if (n >= 1 && s[0] == ':') {
        return false;
    }
    while (i < n) {
        if (ngroups >= 8)
            return false;
        size_t start = i;
        unsigned v = 0;
        while (i < n && i - start < 5 && hexval(s[i]) >= 0) {
            v = (v << 4) | (unsigned)hexval(s[i]);
            i++;
        }
        size_t len = i - start;
        if (len == 0 || len > 4) {
            return false;
        }
        if (i < n && s[i] == '.') {
            /* embedded IPv4: the rest of the text, last 32 bits */
            if (ngroups > 6)
                return false;
            if (!parse_v4(s + start, n - start, b + 2 * ngroups, lz))
                return false;
            ngroups += 2;
            i = n;
            break;
        }
        b[2 * ngroups] = (uint8_t)(v >> 8);
        b[2 * ngroups + 1] = (uint8_t)v;
        ngroups++;
        if (i == n)
            break;
        if (s[i] != ':')
            return false;
        i++;
        if (i < n && s[i] == ':') {
            if (ellipsis >= 0)
                return false;
            ellipsis = ngroups;
            i++;
            if (i == n)
                break;
        } else if (i == n) {
            return false; /* trailing single ':' */
        }
    }
    if (ellipsis >= 0) {
        if (ngroups >= 8)
            return false; /* "::" must stand for at least one group */
        int tail = ngroups - ellipsis;
        memset(out, 0, 16);
        memcpy(out, b, (size_t)ellipsis * 2);
        memcpy(out + 16 - tail * 2, b + ellipsis * 2, (size_t)tail * 2);
        return true;
    }
    if (ngroups != 8)
        return false;
    memcpy(out, b, 16);
    return true;
}

static bool is_mapped(const uint8_t b[16])
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0,    0,
                                       0, 0, 0, 0, 0xff, 0xff};
    return memcmp(b, prefix, 12) == 0;
}

/* Scans one address. *lz: leading zeros seen. Returns a reason. */
static int scan_ip(const char *s, size_t n, struct kgi_ip *out, bool *lz)
{
    if (n == 0)
        return KGI_IP_EEMPTY;
    bool colon = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%')
            return KGI_IP_EZONE;
        if (s[i] == ':')
            colon = true;
    }
    struct kgi_ip ip;
    memset(&ip, 0, sizeof(ip));
    if (colon) {
        if (!parse_v6(s, n, ip.b, lz))
            return KGI_IP_ESYNTAX;
        ip.family = 6;
    } else {
        if (!parse_v4(s, n, ip.b, lz))
            return KGI_IP_ESYNTAX;
        ip.family = 4;
    }
    *out = ip;
    return KGI_IP_OK;
}

bool kgi_ip_parse(const char *s, size_t n, struct kgi_ip *out)
{
    bool lz = false;
    struct kgi_ip ip;
    if (!s || scan_ip(s, n, &ip, &lz) != KGI_IP_OK || lz)
        return false;
    *out = ip;
    return true;
}

bool kgi_ip_unmap(struct kgi_ip *ip)
{
    if (ip->family != 6 || !is_mapped(ip->b))
        return false;
    uint8_t v4[4];
    memcpy(v4, ip->b + 12, 4);
    memset(ip->b, 0, sizeof(ip->b));
    memcpy(ip->b, v4, 4);
    ip->family = 4;
    return true;
}

int kgi_ip_parse_legacy(const char *s, size_t n, unsigned flags,
                        struct kgi_ip *out, unsigned *warnings)
{
    bool lz = false;
    struct kgi_ip ip;
    unsigned w = 0;
    int rc = s ? scan_ip(s, n, &ip, &lz) : KGI_IP_EEMPTY;
    if (rc)
        return rc;
    if (lz)
        w |= KGI_IPW_LEADING_ZERO;
    if (kgi_ip_unmap(&ip))
        w |= KGI_IPW_MAPPED;
    if (warnings)
        *warnings = w;
    if (w && (flags & KGI_IP_STRICT))
        return KGI_IP_ESTRICT;
    *out = ip;
    return KGI_IP_OK;
}

void kgi_ip_mask(struct kgi_ip *ip, unsigned len)
{
    unsigned bits = ip->family == 4 ? 32 : 128;
    if (len > bits)
        len = bits;
    for (unsigned i = 0; i < 16; i++) {
        unsigned lo = i * 8;
        if (lo >= len)
            ip->b[i] = 0;
        else if (len - lo < 8)
            ip->b[i] &= (uint8_t)(0xffu << (8 - (len - lo)));
    }
}

int kgi_cidr_parse(const char *s, size_t n, unsigned flags,
                   struct kgi_cidr *out, unsigned *warnings)
{
    if (!s || n == 0)
        return KGI_IP_EEMPTY;
    size_t slash = n;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '/') {
            slash = i;
            break;
        }
    }
    bool lz = false;
    struct kgi_ip ip;
    int rc = scan_ip(s, slash, &ip, &lz);
    if (rc == KGI_IP_EEMPTY)
        return KGI_IP_ESYNTAX; /* "/24" */
    if (rc)
        return rc;
    if (slash == n || slash + 1 == n)
        return KGI_IP_ENOPREFIX;
    const char *p = s + slash + 1;
    size_t pn = n - slash - 1;
    unsigned len = 0;
    for (size_t i = 0; i < pn; i++) {
        if (p[i] < '0' || p[i] > '9' || len > 1000)
            return KGI_IP_EPREFIX;
        len = len * 10 + (unsigned)(p[i] - '0');
    }
    if (pn > 1 && p[0] == '0')
        lz = true;
    unsigned bits = ip.family == 4 ? 32 : 128;
    if (len > bits)
        return KGI_IP_EPREFIX;

    unsigned w = lz ? KGI_IPW_LEADING_ZERO : 0;
    bool text_mapped = ip.family == 6 && is_mapped(ip.b);
    struct kgi_ip masked = ip;
    kgi_ip_mask(&masked, len);
    if (memcmp(masked.b, ip.b, 16) != 0)
        w |= KGI_IPW_HOST_BITS;
    if (text_mapped)
        w |= KGI_IPW_MAPPED;
    /* Go's IPNet.Contains reads a mapped network as IPv4 (To4), with the
     * last 32 bits of the mask: ::ffff:a.b.c.d/len (len >= 96) behaves
     * as a.b.c.d/(len - 96). Shorter prefixes lose the ::ffff marker when
     * masked and stay IPv6. */
    if (masked.family == 6 && len >= 96 && is_mapped(masked.b)) {
        kgi_ip_unmap(&masked);
        len -= 96;
    }
    if (warnings)
        *warnings = w;
    if (w && (flags & KGI_IP_STRICT))
        return KGI_IP_ESTRICT;
    out->ip = masked;
    out->len = (uint8_t)len;
    return KGI_IP_OK;
}

const char *kgi_ip_strerror(int reason)
{
    switch (reason) {
    case KGI_IP_OK:
        return "valid";
    case KGI_IP_EEMPTY:
        return "must not be empty";
    case KGI_IP_ESYNTAX:
        return "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)";
    case KGI_IP_EZONE:
        return "must not have a zone identifier (\"%...\")";
    case KGI_IP_ENOPREFIX:
        return "must be a valid CIDR value, (e.g. 10.9.8.0/24 or "
               "2001:db8::/64): missing prefix length";
    case KGI_IP_EPREFIX:
        return "must be a valid CIDR value, (e.g. 10.9.8.0/24 or "
               "2001:db8::/64): prefix length must be 0-32 for IPv4 and "
               "0-128 for IPv6";
    case KGI_IP_ESTRICT:
        return "must be in canonical form: no leading zeros, no "
               "IPv4-mapped IPv6 address, no host bits set";
    default:
        return "invalid IP address";
    }
}

bool kgi_ip_equal(const struct kgi_ip *a, const struct kgi_ip *b)
{
    return a->family == b->family && memcmp(a->b, b->b, 16) == 0;
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned len)
{
    unsigned full = len / 8, rest = len % 8;
    if (memcmp(a, b, full) != 0)
        return false;
    if (rest) {
        uint8_t m = (uint8_t)(0xffu << (8 - rest));
        if ((a[full] & m) != (b[full] & m))
            return false;
    }
    return true;
}

bool kgi_cidr_has_ip(const struct kgi_cidr *c, const struct kgi_ip *ip)
{
    if (c->ip.family != ip->family || c->ip.family == 0)
        return false;
    return prefix_equal(c->ip.b, ip->b, c->len);
}

bool kgi_cidr_contains(const struct kgi_cidr *outer,
                       const struct kgi_cidr *inner)
{
    if (outer->ip.family != inner->ip.family || outer->ip.family == 0 ||
        inner->len < outer->len)
        return false;
    return prefix_equal(outer->ip.b, inner->ip.b, outer->len);
}

static size_t put_dec(char *buf, unsigned v)
{
    char t[4];
    size_t n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        buf[i] = t[n - 1 - i];
    return n;
}

static size_t put_v4(char *buf, const uint8_t *b)
{
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        if (i)
            buf[n++] = '.';
        n += put_dec(buf + n, b[i]);
    }
    return n;
}

size_t kgi_ip_format(const struct kgi_ip *ip, char *buf)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    if (ip->family == 4) {
        n = put_v4(buf, ip->b);
        buf[n] = '\0';
        return n;
    }
    if (ip->family != 6) {
        buf[0] = '\0';
        return 0;
    }
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)ip->b[2 * i] << 8 | ip->b[2 * i + 1];
    /* RFC 5952 §4.2: compress the longest run (>= 2) of zero groups, the
     * first one on a tie */
    int best = -1, best_len = 1;
    for (int i = 0; i < 8;) {
        if (g[i]) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && !g[j])
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    bool mapped = is_mapped(ip->b);
    int last = mapped ? 6 : 8;
    for (int i = 0; i < last; i++) {
        if (i == best) {
            buf[n++] = ':';
            buf[n++] = ':';
            i += best_len - 1;
            continue;
        }
        if (n && buf[n - 1] != ':')
            buf[n++] = ':';
        bool started = false;
        for (int k = 12; k >= 0; k -= 4) {
            unsigned d = (g[i] >> k) & 0xf;
            if (d || started || k == 0) {
                buf[n++] = hex[d];
                started = true;
            }
        }
    }
    if (mapped) {
        if (buf[n - 1] != ':')
            buf[n++] = ':';
        n += put_v4(buf + n, ip->b + 12);
    }
    buf[n] = '\0';
    return n;
}

size_t kgi_cidr_format(const struct kgi_cidr *c, char *buf)
{
    size_t n = kgi_ip_format(&c->ip, buf);
    buf[n++] = '/';
    n += put_dec(buf + n, c->len);
    buf[n] = '\0';
    return n;
}
